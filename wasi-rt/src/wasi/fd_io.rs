//! Reading, writing and positioning through fds: fd_read, fd_write, fd_pread,
//! fd_pwrite, fd_seek, fd_tell, and the fd lifetime calls fd_close and fd_renumber.
//!
//! Every call checks the fd's kind first (as Wasmtime does: reading a directory or
//! stdout, or writing stdin, is EBADF; positioning stdio or a socket is ESPIPE), then
//! its rights, then every guest range (output pointers before any side effect, so a
//! bad pointer never loses data), then does one host call.

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, ret, WasiResult, EBADF, EINVAL, ESPIPE};
use crate::fdtable::{FdEntry, Kind};
use crate::rights::{FD_READ, FD_SEEK, FD_TELL, FD_WRITE};

fn offset(o: u64) -> WasiResult<libc::off_t> {
    libc::off_t::try_from(o).map_err(|_| EINVAL)
}

/// The host fd of `fd` for a call that uses or changes the file position and needs
/// `right`. Inherited stdio is a stream whatever the host file is (its position is
/// shared with the parent), so these calls are ESPIPE on it, as on a pipe (Wasmtime
/// answers the same), and on sockets; but stdio in the wrong direction for the call
/// (`usable` false: reading stdout, writing stdin) and a directory are EBADF, as in
/// Wasmtime; elsewhere a missing right is ENOTCAPABLE.
fn positioned(fd: u32, right: u64, usable: fn(&FdEntry) -> bool) -> WasiResult<libc::c_int> {
    let mut table = super::fds();
    let e = table.get_kind(
        fd,
        |e| e.kind == Kind::File,
        |e| match e.kind {
            Kind::Dir => EBADF,
            Kind::Stdio if !usable(e) => EBADF,
            _ => ESPIPE,
        },
        right,
    )?;
    Ok(e.host)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_read(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let host = super::fds()
            .get_kind(fd, FdEntry::readable_kind, |_| EBADF, FD_READ)?
            .host;
        let iov = g.iovecs(iovs, iovs_len)?;
        g.range(nread_out, 4)?;
        // SAFETY: every iovec points into checked guest memory.
        let n =
            errno::check(|| unsafe { libc::readv(host, iov.as_ptr(), iov.len() as libc::c_int) })?;
        g.write_u32(nread_out, n as u32)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_write(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let host = super::fds()
            .get_kind(fd, FdEntry::writable_kind, |_| EBADF, FD_WRITE)?
            .host;
        let iov = g.iovecs(iovs, iovs_len)?;
        g.range(nwritten_out, 4)?;
        // SAFETY: every iovec points into checked guest memory.
        let n =
            errno::check(|| unsafe { libc::writev(host, iov.as_ptr(), iov.len() as libc::c_int) })?;
        g.write_u32(nwritten_out, n as u32)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_pread(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    off: u64,
    nread_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let host = positioned(fd, FD_READ | FD_SEEK, FdEntry::readable_kind)?;
        let iov = g.iovecs(iovs, iovs_len)?;
        g.range(nread_out, 4)?;
        let off = offset(off)?;
        // SAFETY: every iovec points into checked guest memory.
        let n = errno::check(|| unsafe {
            libc::preadv(host, iov.as_ptr(), iov.len() as libc::c_int, off)
        })?;
        g.write_u32(nread_out, n as u32)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_pwrite(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    off: u64,
    nwritten_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let host = positioned(fd, FD_WRITE | FD_SEEK, FdEntry::writable_kind)?;
        let iov = g.iovecs(iovs, iovs_len)?;
        g.range(nwritten_out, 4)?;
        let off = offset(off)?;
        // SAFETY: every iovec points into checked guest memory.
        let n = errno::check(|| unsafe {
            libc::pwritev(host, iov.as_ptr(), iov.len() as libc::c_int, off)
        })?;
        g.write_u32(nwritten_out, n as u32)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_seek(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    off: u64,
    whence: u32,
    newoffset_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        // Asking where we are only needs fd_tell (spec).
        let right = if off == 0 && whence == 1 {
            FD_TELL
        } else {
            FD_SEEK
        };
        let host = positioned(fd, right, |_| true)?;
        let how = match whence {
            0 => libc::SEEK_SET,
            1 => libc::SEEK_CUR,
            2 => libc::SEEK_END,
            _ => return Err(EINVAL),
        };
        g.range(newoffset_out, 8)?;
        // SAFETY: plain lseek on a host fd we own.
        let pos = errno::check(|| unsafe { libc::lseek(host, off as i64, how) })?;
        g.write_u64(newoffset_out, pos as u64)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_tell(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    offset_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let host = positioned(fd, FD_TELL, |_| true)?;
        g.range(offset_out, 8)?;
        // SAFETY: plain lseek on a host fd we own.
        let pos = errno::check(|| unsafe { libc::lseek(host, 0, libc::SEEK_CUR) })?;
        g.write_u64(offset_out, pos as u64)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_close(_vmctx: *mut VmCtxHeader, fd: u32) -> u32 {
    ret(super::fds().take(fd).map(|e| e.close()))
}

/// Moves `fd` to number `to`, closing what `to` was. Both must be open (EBADF
/// otherwise, so the table cannot be grown to any number). The entry moves whole, as
/// in Wasmtime: its host fd, kind, rights (a read-only grant stays read-only) and a
/// granted directory's name, so `fd_prestat_get` finds the grant at its new number and
/// not at the old one, and nothing that lands on a granted directory's number can
/// pose as that grant (a file there is not a preopen; a grant there keeps its own
/// rights). Stdio may be the target (`freopen`).
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_renumber(_vmctx: *mut VmCtxHeader, fd: u32, to: u32) -> u32 {
    let mut t = super::fds();
    ret((|| {
        if !t.contains(fd) || !t.contains(to) {
            return Err(EBADF);
        }
        if fd != to {
            let e = t.take(fd)?;
            t.set(to, e);
        }
        Ok(())
    })())
}
