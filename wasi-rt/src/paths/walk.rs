//! User-space beneath-resolution for kernels without openat2 (sandbox-critical).
//!
//! The path still to resolve is kept in one byte buffer, reversed, so taking the next
//! component is a pop from its end and splicing a symlink's target in front of the
//! rest is an append. Each directory step is opened `O_PATH | O_DIRECTORY | O_NOFOLLOW`
//! relative to the previous one and kept on a stack of fds, so `..` is a pop (and a pop
//! past the root is an escape: EXDEV) and no component is ever looked up by a host
//! path. Symlinks are read and their targets spliced into the pending path (absolute
//! targets are escapes; more than [`MAX_LINKS`] expansions is ELOOP); the final open
//! always carries O_NOFOLLOW, so a symlink swapped in by a racing process is never
//! followed.
//!
//! Limits, the same as the kernel's for openat2: a path of PATH_MAX bytes or more is
//! ENAMETOOLONG (callers check guest paths before copying them; checked here again),
//! a target is at most PATH_MAX − 1 bytes, so the pending buffer never exceeds
//! [`MAX_PENDING`] bytes; components are copied to the stack, not the heap. Host
//! allocation failure is ENOMEM.

use alloc::vec::Vec;
use core::ffi::c_int;

use crate::guest::PATH_MAX;

/// Symlink expansions allowed in one resolution (Linux's own limit).
const MAX_LINKS: u32 = 40;

/// Most bytes of pending path: the path and every expanded target, each below
/// PATH_MAX, plus a separator each.
pub const MAX_PENDING: usize = (MAX_LINKS as usize + 1) * (PATH_MAX + 1);

/// The reversed rest of the path.
struct Pending {
    rev: Vec<u8>,
}

/// One component taken from [`Pending`]; copied out so the buffer can grow.
struct Comp {
    buf: [u8; PATH_MAX],
    len: usize,
    /// Nothing follows it.
    last: bool,
}

impl Comp {
    fn name(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Pending {
    /// Puts `path` in front of what is pending. `path` is shorter than PATH_MAX.
    fn push_front(&mut self, path: &[u8]) -> Result<(), c_int> {
        let sep = usize::from(!self.rev.is_empty());
        let need = path.len() + sep;
        if self.rev.len() + need > MAX_PENDING {
            return Err(libc::ENAMETOOLONG);
        }
        self.rev.try_reserve(need).map_err(|_| libc::ENOMEM)?;
        if sep == 1 {
            self.rev.push(b'/');
        }
        self.rev.extend(path.iter().rev());
        Ok(())
    }

    /// The next component. A path ending in `/` yields a final `.` (the named object
    /// must be a directory, links followed), as "a/" means "a/.".
    fn next(&mut self) -> Option<Comp> {
        let mut slashes = 0;
        while self.rev.last() == Some(&b'/') {
            self.rev.pop();
            slashes += 1;
        }
        let mut c = Comp {
            buf: [0; PATH_MAX],
            len: 0,
            last: true,
        };
        if self.rev.is_empty() {
            if slashes == 0 {
                return None;
            }
            c.buf[0] = b'.';
            c.len = 1;
            return Some(c);
        }
        while let Some(&b) = self.rev.last() {
            if b == b'/' {
                break;
            }
            self.rev.pop();
            if c.len < PATH_MAX {
                c.buf[c.len] = b;
            }
            c.len += 1;
        }
        // Longer than any target or path can be; kept from overflowing regardless.
        c.len = c.len.min(PATH_MAX - 1);
        c.last = self.rev.is_empty();
        Some(c)
    }
}

/// `name` NUL-terminated on the stack (a component is shorter than PATH_MAX).
fn with_cstr<T>(name: &[u8], f: impl FnOnce(*const libc::c_char) -> T) -> T {
    let mut n = [0u8; PATH_MAX];
    let len = name.len().min(PATH_MAX - 1);
    n[..len].copy_from_slice(&name[..len]);
    f(n.as_ptr().cast())
}

fn openat(dir: c_int, name: &[u8], flags: c_int, mode: libc::mode_t) -> Result<c_int, c_int> {
    with_cstr(name, |n| {
        // SAFETY: n is NUL-terminated; the result is a new fd we own.
        crate::sys::retry(|| unsafe { libc::openat(dir, n, flags, mode as libc::c_uint) })
    })
}

fn is_symlink(dir: c_int, name: &[u8]) -> Result<bool, c_int> {
    let mut st = core::mem::MaybeUninit::<libc::stat>::uninit();
    with_cstr(name, |n| {
        // SAFETY: n is NUL-terminated, st is writable.
        crate::sys::retry(|| unsafe {
            libc::fstatat(dir, n, st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW)
        })
    })?;
    // SAFETY: fstatat succeeded.
    Ok(unsafe { st.assume_init() }.st_mode & libc::S_IFMT == libc::S_IFLNK)
}

/// Reads a symlink's target into `buf`; returns its length (below PATH_MAX).
fn readlink(dir: c_int, name: &[u8], buf: &mut [u8; PATH_MAX]) -> Result<usize, c_int> {
    let len = with_cstr(name, |n| {
        // SAFETY: n is NUL-terminated and buf writable for its length.
        crate::sys::retry(|| unsafe {
            libc::readlinkat(dir, n, buf.as_mut_ptr().cast(), buf.len())
        })
    })? as usize;
    if len >= PATH_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    Ok(len)
}

/// Opens `path` (NUL-terminated) beneath `root` with `flags` (O_NOFOLLOW in `flags`
/// means: do not follow a final symlink). Returns the fd or a host errno.
pub fn open(root: c_int, path: &[u8], flags: c_int, mode: libc::mode_t) -> Result<c_int, c_int> {
    let path = path.strip_suffix(&[0]).unwrap_or(path);
    if path.len() >= PATH_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    let follow_last = flags & libc::O_NOFOLLOW == 0;
    let excl_create = flags & (libc::O_CREAT | libc::O_EXCL) == (libc::O_CREAT | libc::O_EXCL);
    let final_flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let step_flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

    let mut pending = Pending { rev: Vec::new() };
    pending.push_front(path)?;
    let mut stack: Vec<c_int> = Vec::new();
    let mut links = 0u32;
    let mut target = [0u8; PATH_MAX];

    let result = loop {
        let cur = stack.last().copied().unwrap_or(root);
        let Some(comp) = pending.next() else {
            // Everything consumed (e.g. "a/.."): the object is the current directory.
            break openat(cur, b".", final_flags, mode);
        };
        let (name, last) = (comp.name(), comp.last);
        if name == b"." {
            if last {
                break openat(cur, b".", final_flags, mode);
            }
            continue;
        }
        if name == b".." {
            match stack.pop() {
                Some(fd) => crate::sys::close(fd),
                None => break Err(libc::EXDEV),
            }
            continue;
        }
        if !last || (follow_last && !excl_create) {
            match is_symlink(cur, name) {
                Ok(true) => {
                    links += 1;
                    if links > MAX_LINKS {
                        break Err(libc::ELOOP);
                    }
                    let len = match readlink(cur, name, &mut target) {
                        Ok(n) => n,
                        Err(e) => break Err(e),
                    };
                    if target.first() == Some(&b'/') && len > 0 {
                        break Err(libc::EXDEV);
                    }
                    if len == 0 {
                        break Err(libc::ENOENT);
                    }
                    if let Err(e) = pending.push_front(&target[..len]) {
                        break Err(e);
                    }
                    continue;
                }
                Ok(false) => {}
                // A missing final component may be about to be created.
                Err(_) if last => {}
                Err(e) => break Err(e),
            }
        }
        if last {
            break openat(cur, name, final_flags, mode);
        }
        if stack.try_reserve(1).is_err() {
            break Err(libc::ENOMEM);
        }
        match openat(cur, name, step_flags, 0) {
            Ok(fd) => stack.push(fd),
            Err(e) => break Err(e),
        }
    };
    for fd in stack {
        crate::sys::close(fd);
    }
    result
}
