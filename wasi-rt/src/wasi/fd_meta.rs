//! Facts about fds and their files, and changes to them: fd_fdstat_get,
//! fd_fdstat_set_flags, fd_fdstat_set_rights, fd_filestat_get, fd_filestat_set_size,
//! fd_filestat_set_times, fd_allocate, fd_advise, fd_datasync, fd_sync.
//!
//! Mutating calls check the fd's kind first (as Wasmtime does, a kind that cannot do
//! the call is EBADF: sizing, allocating or advising anything but a regular file;
//! syncing, setting times or flags on inherited stdio, which is a stream shared with
//! the parent), then require their right on the fd (never present beneath a
//! read-only grant: ENOTCAPABLE); fd_fdstat_set_rights can only drop rights.

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, ret, WasiResult, EBADF, EINVAL, ENOTCAPABLE};
use crate::fdtable::{FdEntry, Kind};
use crate::rights::{self, fdflags, filetype};

/// Anything but inherited stdio (whose host description the parent shares).
fn not_stdio(e: &FdEntry) -> bool {
    e.kind != Kind::Stdio
}

/// The host fd of a regular file (or device) opened by path_open holding `right`;
/// another kind is EBADF.
fn file_fd(fd: u32, right: u64) -> WasiResult<libc::c_int> {
    Ok(super::fds()
        .get_kind(fd, |e| e.kind == Kind::File, |_| EBADF, right)?
        .host)
}

/// WASI fdflags of a host fd.
fn host_fdflags(host: libc::c_int) -> WasiResult<u16> {
    // SAFETY: F_GETFL on an fd we own.
    let fl = errno::check(|| unsafe { libc::fcntl(host, libc::F_GETFL) })?;
    let mut f = 0;
    if fl & libc::O_APPEND != 0 {
        f |= fdflags::APPEND;
    }
    if fl & libc::O_NONBLOCK != 0 {
        f |= fdflags::NONBLOCK;
    }
    if fl & libc::O_SYNC == libc::O_SYNC {
        f |= fdflags::SYNC;
    } else if fl & libc::O_DSYNC != 0 {
        f |= fdflags::DSYNC;
    }
    Ok(f)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_fdstat_get(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    stat_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let e = table.get(fd, 0)?;
        let ft = if e.kind == Kind::Stdio {
            // Stdio is whatever the host handed us; a closed one is EBADF. It never
            // holds fd_seek/fd_tell, which wasi-libc's isatty() also relies on.
            filetype::from_mode(super::fstat(e.host).map_err(|_| EBADF)?.st_mode)
        } else {
            e.filetype
        };
        // A directory has no fd flags (path_open's append/sync flags mean nothing
        // there); Wasmtime reports 0 too.
        let flags = if e.kind == Kind::Dir {
            0
        } else {
            host_fdflags(e.host)?
        };
        let mut b = [0u8; 24];
        b[0] = ft;
        b[2..4].copy_from_slice(&flags.to_le_bytes());
        b[8..16].copy_from_slice(&e.base.to_le_bytes());
        b[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
        g.write(stat_out, &b)
    })())
}

/// Sets APPEND and NONBLOCK; the sync flags cannot change on Linux (EINVAL, as in
/// Wasmtime, unless they already are as asked). Directories are EBADF. APPEND and the
/// sync flags need the fd's write rights.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_fdstat_set_flags(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    flags: u32,
) -> u32 {
    ret((|| {
        // Files and sockets only: a directory's flags are EBADF, as in Wasmtime.
        let mut table = super::fds();
        let e = table.get_kind(
            fd,
            |e| not_stdio(e) && e.kind != Kind::Dir,
            |_| EBADF,
            rights::FD_FDSTAT_SET_FLAGS,
        )?;
        if flags & !u32::from(fdflags::ALL) != 0 {
            return Err(EINVAL);
        }
        let flags = flags as u16;
        let cur = host_fdflags(e.host)?;
        let sync = fdflags::DSYNC | fdflags::SYNC | fdflags::RSYNC;
        let want_sync = if flags & fdflags::RSYNC != 0 {
            (flags & !fdflags::RSYNC) | fdflags::SYNC
        } else {
            flags
        };
        // Linux cannot change them on an open file; EINVAL as in Wasmtime, before the
        // rights, as Wasmtime orders them.
        if want_sync & sync != cur & sync {
            return Err(EINVAL);
        }
        if flags & (fdflags::APPEND | fdflags::DSYNC | fdflags::SYNC | fdflags::RSYNC) != 0 {
            e.require(rights::FD_WRITE)?;
        }
        // SAFETY: F_GETFL/F_SETFL on an fd we own.
        let fl = errno::check(|| unsafe { libc::fcntl(e.host, libc::F_GETFL) })?;
        let mut new = fl & !(libc::O_APPEND | libc::O_NONBLOCK);
        if flags & fdflags::APPEND != 0 {
            new |= libc::O_APPEND;
        }
        if flags & fdflags::NONBLOCK != 0 {
            new |= libc::O_NONBLOCK;
        }
        // SAFETY: as above.
        errno::check(|| unsafe { libc::fcntl(e.host, libc::F_SETFL, new) }).map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_fdstat_set_rights(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> u32 {
    ret((|| {
        let mut table = super::fds();
        let e = table.get(fd, 0)?;
        if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
            return Err(ENOTCAPABLE);
        }
        e.base = base;
        e.inheriting = inheriting;
        Ok(())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_filestat_get(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    stat_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let host = super::fds().get(fd, rights::FD_FILESTAT_GET)?.host;
        let st = super::fstat(host)?;
        super::write_filestat(&g, stat_out, &st)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_filestat_set_size(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    size: u64,
) -> u32 {
    ret((|| {
        let host = file_fd(fd, rights::FD_FILESTAT_SET_SIZE)?;
        let size = libc::off_t::try_from(size).map_err(|_| EINVAL)?;
        // SAFETY: ftruncate on an fd we own.
        errno::check(|| unsafe { libc::ftruncate(host, size) }).map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_filestat_set_times(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> u32 {
    ret((|| {
        // The flags are checked before the fd, as in Wasmtime.
        let ts = super::utimens(atim, mtim, fst_flags)?;
        let host = super::fds()
            .get_kind(fd, not_stdio, |_| EBADF, rights::FD_FILESTAT_SET_TIMES)?
            .host;
        super::set_times_fd(host, &ts)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_allocate(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    off: u64,
    len: u64,
) -> u32 {
    ret((|| {
        let host = file_fd(fd, rights::FD_ALLOCATE)?;
        let off = libc::off_t::try_from(off).map_err(|_| EINVAL)?;
        let len = libc::off_t::try_from(len).map_err(|_| EINVAL)?;
        loop {
            // SAFETY: posix_fallocate on an fd we own; it returns the error number.
            match unsafe { libc::posix_fallocate(host, off, len) } {
                0 => return Ok(()),
                libc::EINTR => continue,
                e => return Err(errno::from_host(e)),
            }
        }
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_advise(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    off: u64,
    len: u64,
    advice: u32,
) -> u32 {
    ret((|| {
        let host = file_fd(fd, rights::FD_ADVISE)?;
        let adv = match advice {
            0 => libc::POSIX_FADV_NORMAL,
            1 => libc::POSIX_FADV_SEQUENTIAL,
            2 => libc::POSIX_FADV_RANDOM,
            3 => libc::POSIX_FADV_WILLNEED,
            4 => libc::POSIX_FADV_DONTNEED,
            5 => libc::POSIX_FADV_NOREUSE,
            _ => return Err(EINVAL),
        };
        let off = libc::off_t::try_from(off).map_err(|_| EINVAL)?;
        let len = libc::off_t::try_from(len).map_err(|_| EINVAL)?;
        // SAFETY: posix_fadvise on an fd we own; it returns the error number.
        match unsafe { libc::posix_fadvise(host, off, len, adv) } {
            0 => Ok(()),
            e => Err(errno::from_host(e)),
        }
    })())
}

fn sync(fd: u32, right: u64, data_only: bool) -> WasiResult {
    let mut table = super::fds();
    let e = table.get_kind(
        fd,
        |e| matches!(e.kind, Kind::File | Kind::Dir),
        |_| EBADF,
        right,
    )?;
    let host = super::dir::io_fd(e)?;
    // SAFETY: fsync/fdatasync on an fd we own.
    errno::check(|| unsafe {
        if data_only {
            libc::fdatasync(host)
        } else {
            libc::fsync(host)
        }
    })
    .map(|_| ())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_datasync(_vmctx: *mut VmCtxHeader, fd: u32) -> u32 {
    ret(sync(fd, rights::FD_DATASYNC, true))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_sync(_vmctx: *mut VmCtxHeader, fd: u32) -> u32 {
    ret(sync(fd, rights::FD_SYNC, false))
}
