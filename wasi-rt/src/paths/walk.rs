//! User-space beneath-resolution for kernels without openat2 (sandbox-critical).
//!
//! The path is consumed one component at a time from a stack of pending components.
//! Each directory step is opened `O_PATH | O_DIRECTORY | O_NOFOLLOW` relative to the
//! previous one and kept on a stack of fds, so `..` is a pop (and a pop past the root
//! is an escape: EXDEV) and no component is ever looked up by a host path. Symlinks are
//! read and their targets spliced into the pending components (absolute targets are
//! escapes; more than [`MAX_LINKS`] expansions is ELOOP); the final open always carries
//! O_NOFOLLOW, so a symlink swapped in by a racing process is never followed.

use alloc::vec::Vec;
use core::ffi::c_int;

/// Symlink expansions allowed in one resolution (Linux's own limit).
const MAX_LINKS: u32 = 40;

/// Pushes the components of `path` so that popping yields them in order; a trailing
/// `/` becomes a final `.` (the named object must be a directory, links followed).
fn push_components(pending: &mut Vec<Vec<u8>>, path: &[u8]) {
    let mut comps: Vec<&[u8]> = path
        .split(|&c| c == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    if path.last() == Some(&b'/') && !comps.is_empty() {
        comps.push(b".");
    }
    for c in comps.into_iter().rev() {
        pending.push(Vec::from(c));
    }
}

fn cstr(name: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(name.len() + 1);
    v.extend_from_slice(name);
    v.push(0);
    v
}

fn openat(dir: c_int, name: &[u8], flags: c_int, mode: libc::mode_t) -> Result<c_int, c_int> {
    let n = cstr(name);
    // SAFETY: n is NUL-terminated; the result is a new fd we own.
    crate::sys::retry(|| unsafe {
        libc::openat(dir, n.as_ptr().cast(), flags, mode as libc::c_uint)
    })
}

fn is_symlink(dir: c_int, name: &[u8]) -> Result<bool, c_int> {
    let n = cstr(name);
    let mut st = core::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: n is NUL-terminated, st is writable.
    crate::sys::retry(|| unsafe {
        libc::fstatat(
            dir,
            n.as_ptr().cast(),
            st.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    // SAFETY: fstatat succeeded.
    Ok(unsafe { st.assume_init() }.st_mode & libc::S_IFMT == libc::S_IFLNK)
}

fn readlink(dir: c_int, name: &[u8]) -> Result<Vec<u8>, c_int> {
    let n = cstr(name);
    let mut buf = alloc::vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: n is NUL-terminated and buf writable for its length.
    let len = crate::sys::retry(|| unsafe {
        libc::readlinkat(dir, n.as_ptr().cast(), buf.as_mut_ptr().cast(), buf.len())
    })?;
    buf.truncate(len as usize);
    Ok(buf)
}

/// Opens `path` (NUL-terminated) beneath `root` with `flags` (O_NOFOLLOW in `flags`
/// means: do not follow a final symlink). Returns the fd or a host errno.
pub fn open(root: c_int, path: &[u8], flags: c_int, mode: libc::mode_t) -> Result<c_int, c_int> {
    let path = path.strip_suffix(&[0]).unwrap_or(path);
    let follow_last = flags & libc::O_NOFOLLOW == 0;
    let excl_create = flags & (libc::O_CREAT | libc::O_EXCL) == (libc::O_CREAT | libc::O_EXCL);
    let final_flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let step_flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

    let mut pending: Vec<Vec<u8>> = Vec::new();
    push_components(&mut pending, path);
    let mut stack: Vec<c_int> = Vec::new();
    let mut links = 0u32;

    let result = loop {
        let cur = stack.last().copied().unwrap_or(root);
        let Some(comp) = pending.pop() else {
            // Everything consumed (e.g. "a/.."): the object is the current directory.
            break openat(cur, b".", final_flags, mode);
        };
        let last = pending.is_empty();
        if comp == b"." {
            if last {
                break openat(cur, b".", final_flags, mode);
            }
            continue;
        }
        if comp == b".." {
            match stack.pop() {
                Some(fd) => crate::sys::close(fd),
                None => break Err(libc::EXDEV),
            }
            continue;
        }
        if !last || (follow_last && !excl_create) {
            match is_symlink(cur, &comp) {
                Ok(true) => {
                    links += 1;
                    if links > MAX_LINKS {
                        break Err(libc::ELOOP);
                    }
                    let target = match readlink(cur, &comp) {
                        Ok(t) => t,
                        Err(e) => break Err(e),
                    };
                    if target.first() == Some(&b'/') {
                        break Err(libc::EXDEV);
                    }
                    if target.is_empty() {
                        break Err(libc::ENOENT);
                    }
                    push_components(&mut pending, &target);
                    continue;
                }
                Ok(false) => {}
                // A missing final component may be about to be created.
                Err(_) if last => {}
                Err(e) => break Err(e),
            }
        }
        if last {
            break openat(cur, &comp, final_flags, mode);
        }
        match openat(cur, &comp, step_flags, 0) {
            Ok(fd) => stack.push(fd),
            Err(e) => break Err(e),
        }
    };
    for fd in stack {
        crate::sys::close(fd);
    }
    result
}
