//! Path calls that look at (or only touch the times of) an object beneath a directory
//! fd: path_filestat_get, path_filestat_set_times, path_readlink (sandbox-critical:
//! resolution goes through `paths` only).
//!
//! Following the last symlink (lookupflags bit 0, or a trailing `/`) opens the object
//! O_PATH beneath the directory and acts on that fd; otherwise the parent is resolved
//! beneath and the `*at()` call names the last component with AT_SYMLINK_NOFOLLOW.

use alloc::vec::Vec;
use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, ret, WasiResult, EINVAL};
use crate::guest::Guest;
use crate::paths::{self, OwnedFd};
use crate::rights::{self, lookupflags};

/// The checked path and directory host fd for a path call needing `right`: the fd's
/// kind is checked before its rights.
pub(crate) fn dir_and_path(
    g: &Guest,
    fd: u32,
    right: u64,
    path: u32,
    path_len: u32,
) -> WasiResult<(libc::c_int, Vec<u8>)> {
    let host = dir_fd(fd, right)?;
    Ok((host, paths::guest_path(g.read_path(path, path_len)?)?))
}

/// The host fd of directory `fd` holding `right`. Not a directory: EBADF, as in
/// Wasmtime (only path_open says ENOTDIR for a file). Calls naming two directories
/// look both up before reading either path, as Wasmtime orders its checks.
pub(crate) fn dir_fd(fd: u32, right: u64) -> WasiResult<libc::c_int> {
    Ok(super::fds()
        .get_kind(
            fd,
            |e| e.kind == crate::fdtable::Kind::Dir,
            |_| errno::EBADF,
            right,
        )?
        .host)
}

/// Opens the object itself, following symlinks beneath (O_PATH).
fn open_followed(dirfd: libc::c_int, p: &[u8], trailing_slash: bool) -> WasiResult<OwnedFd> {
    let flags = libc::O_PATH | if trailing_slash { libc::O_DIRECTORY } else { 0 };
    paths::open_beneath(dirfd, p, flags, 0, true)
}

fn ends_with_slash(p: &[u8]) -> bool {
    p.len() >= 2 && p[p.len() - 2] == b'/'
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_filestat_get(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    stat_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (dirfd, p) = dir_and_path(&g, fd, rights::PATH_FILESTAT_GET, path, path_len)?;
        g.range(stat_out, 64)?;
        let st = if flags & lookupflags::SYMLINK_FOLLOW != 0 || ends_with_slash(&p) {
            let f = open_followed(dirfd, &p, ends_with_slash(&p))?;
            super::fstat(f.0)?
        } else {
            let parent = paths::parent(dirfd, &p)?;
            let mut st = core::mem::MaybeUninit::<libc::stat>::uninit();
            // SAFETY: single-component name relative to a beneath-resolved parent.
            errno::check(|| unsafe {
                libc::fstatat(
                    parent.fd(),
                    parent.name_ptr(),
                    st.as_mut_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            })?;
            // SAFETY: fstatat succeeded.
            unsafe { st.assume_init() }
        };
        super::write_filestat(&g, stat_out, &st)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_filestat_set_times(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        // The flags are checked before the fd, as in Wasmtime.
        let ts = super::utimens(atim, mtim, fst_flags)?;
        let (dirfd, p) = dir_and_path(&g, fd, rights::PATH_FILESTAT_SET_TIMES, path, path_len)?;
        if flags & lookupflags::SYMLINK_FOLLOW != 0 || ends_with_slash(&p) {
            let f = open_followed(dirfd, &p, ends_with_slash(&p))?;
            super::set_times_fd(f.0, &ts)
        } else {
            let parent = paths::parent(dirfd, &p)?;
            // SAFETY: single-component name relative to a beneath-resolved parent.
            errno::check(|| unsafe {
                libc::utimensat(
                    parent.fd(),
                    parent.name_ptr(),
                    ts.as_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            })
            .map(|_| ())
        }
    })())
}

/// Reads a symlink's target; a target longer than the buffer is truncated to it.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_readlink(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (dirfd, p) = dir_and_path(&g, fd, rights::PATH_READLINK, path, path_len)?;
        g.range(buf, u64::from(buf_len))?;
        g.range(bufused_out, 4)?;
        if ends_with_slash(&p) {
            // "link/" names what the link points to, which is not a symlink.
            open_followed(dirfd, &p, true)?;
            return Err(EINVAL);
        }
        let parent = paths::parent(dirfd, &p)?;
        let mut tmp = alloc::vec![0u8; libc::PATH_MAX as usize];
        // SAFETY: single-component name relative to a beneath-resolved parent; tmp is
        // writable for its length.
        let n = errno::check(|| unsafe {
            libc::readlinkat(
                parent.fd(),
                parent.name_ptr(),
                tmp.as_mut_ptr().cast(),
                tmp.len(),
            )
        })? as usize;
        let n = n.min(buf_len as usize);
        g.write(buf, &tmp[..n])?;
        g.write_u32(bufused_out, n as u32)
    })())
}
