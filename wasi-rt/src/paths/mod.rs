//! Path resolution beneath a granted directory (sandbox-critical).
//!
//! Every guest path is relative to a directory fd the guest holds and must never name
//! anything outside it. Rules enforced here, for every path-taking WASI call:
//! - empty paths are ENOENT, paths with a NUL byte EINVAL, absolute paths ENOTCAPABLE,
//!   paths of PATH_MAX (4096) bytes or more ENAMETOOLONG before they are copied
//!   (`Guest::read_path`), for both resolvers alike;
//! - host memory per resolution is bounded (the walk holds at most
//!   `walk::MAX_PENDING` bytes of pending path) and allocated fallibly: ENOMEM;
//! - resolution happens in the kernel with `openat2(RESOLVE_BENEATH |
//!   RESOLVE_NO_MAGICLINKS)` ([`beneath`]), or, where the kernel lacks openat2, by a
//!   per-component `O_NOFOLLOW` walk that expands symlinks itself and treats `..`
//!   lexically beneath the root ([`walk`]); both refuse escapes (`..` above the root,
//!   absolute or escaping symlinks), reported as ENOTCAPABLE;
//! - the last component is not followed unless the guest asked (lookupflags bit 0);
//! - calls that act on a name (unlink, mkdir, rename, …) resolve the *parent* with the
//!   same rules and then use `*at()` syscalls relative to that parent fd with a single
//!   final component that contains no `/` and is never `..`: no host absolute path is
//!   ever formed.

pub mod beneath;
pub mod walk;

use alloc::vec::Vec;
use core::ffi::c_int;

use crate::errno::{from_host, Errno, WasiResult, EINVAL, ENOENT, ENOMEM, ENOTCAPABLE};

/// An owned host fd, closed on drop.
pub struct OwnedFd(pub c_int);

impl OwnedFd {
    /// Gives up ownership.
    pub fn into_raw(self) -> c_int {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        crate::sys::close(self.0);
    }
}

/// Maps a host errno from resolution: leaving the root (EXDEV) is ENOTCAPABLE.
pub fn resolve_errno(e: c_int) -> Errno {
    if e == libc::EXDEV {
        ENOTCAPABLE
    } else {
        from_host(e)
    }
}

/// `bytes` followed by a NUL, allocated fallibly (ENOMEM).
pub fn cstring(bytes: &[u8]) -> WasiResult<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes.len() + 1).map_err(|_| ENOMEM)?;
    v.extend_from_slice(bytes);
    v.push(0);
    Ok(v)
}

/// Checks a guest path's form (see the module rules); returns it NUL-terminated.
pub fn guest_path(mut p: Vec<u8>) -> WasiResult<Vec<u8>> {
    if p.is_empty() {
        return Err(ENOENT);
    }
    if p.contains(&0) {
        return Err(EINVAL);
    }
    if p[0] == b'/' {
        return Err(ENOTCAPABLE);
    }
    p.try_reserve_exact(1).map_err(|_| ENOMEM)?;
    p.push(0);
    Ok(p)
}

/// Opens `path` (NUL-terminated, checked by [`guest_path`]) beneath `dirfd` with host
/// `flags` (O_CLOEXEC is added; `follow` false adds O_NOFOLLOW on the last component).
pub fn open_beneath(
    dirfd: c_int,
    path: &[u8],
    flags: c_int,
    mode: libc::mode_t,
    follow: bool,
) -> WasiResult<OwnedFd> {
    let mut flags = flags | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let r = match beneath::openat2(dirfd, path, flags, mode) {
        Err(libc::ENOSYS) => walk::open(dirfd, path, flags, mode),
        r => r,
    };
    r.map(OwnedFd).map_err(resolve_errno)
}

/// The directory holding a path's last component, and that component.
pub struct Parent {
    dir: Option<OwnedFd>,
    root: c_int,
    /// The last component, NUL-terminated: no `/`, never `..` (a path ending in `.`
    /// or `..` is resolved whole and named as `.`).
    pub name: Vec<u8>,
    /// Whether the guest path ended in `/` (the object must then be a directory).
    pub trailing_slash: bool,
}

impl Parent {
    /// The parent directory's host fd.
    pub fn fd(&self) -> c_int {
        self.dir.as_ref().map(|d| d.0).unwrap_or(self.root)
    }

    /// The last component as a C string pointer.
    pub fn name_ptr(&self) -> *const libc::c_char {
        self.name.as_ptr().cast()
    }
}

/// Resolves the parent of `path` (NUL-terminated, checked by [`guest_path`]) beneath
/// `dirfd`, following symlinks in the leading components (beneath only).
pub fn parent(dirfd: c_int, path: &[u8]) -> WasiResult<Parent> {
    let p = &path[..path.len() - 1];
    let mut end = p.len();
    while end > 0 && p[end - 1] == b'/' {
        end -= 1;
    }
    let trimmed = &p[..end];
    let trailing_slash = end != p.len();
    let (dir_part, name) = match trimmed.iter().rposition(|&c| c == b'/') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => (&trimmed[..0], trimmed),
    };
    let dflags = libc::O_PATH | libc::O_DIRECTORY;
    if name == b"." || name == b".." {
        let whole = cstring(trimmed)?;
        let dir = open_beneath(dirfd, &whole, dflags, 0, true)?;
        return Ok(Parent {
            dir: Some(dir),
            root: dirfd,
            name: cstring(b".")?,
            trailing_slash,
        });
    }
    let dir = if dir_part.is_empty() {
        None
    } else {
        let d = cstring(dir_part)?;
        Some(open_beneath(dirfd, &d, dflags, 0, true)?)
    };
    let n = cstring(name)?;
    Ok(Parent {
        dir,
        root: dirfd,
        name: n,
        trailing_slash,
    })
}
