//! WASI preview1 host functions, one file per area. Each function is its own
//! `#[no_mangle] extern "C"` symbol `aotc_wasi_<name>` taking the module context and
//! the wasm parameters (i32 as u32, i64 as u64) and returning the errno as u32, so the
//! linker keeps only the functions a module imports.
//!
//! Shared here: the context/memory accessors every function starts with and the
//! encoders for WASI structs several areas write (filestat, timestamps).

pub mod args;
pub mod clock;
pub mod dir;
pub mod fd_io;
pub mod fd_meta;
pub mod path_mod;
pub mod path_open;
pub mod path_stat;
pub mod poll;
pub mod sock;
pub mod sock_ext;
pub mod sock_resolve;

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, WasiResult, EINVAL};
use crate::guest::Guest;
use crate::rights::{filetype, fstflags};

/// The calling module's memory.
///
/// # Safety
/// `vmctx` is the context generated code passed to a WASI function.
#[inline]
pub(crate) unsafe fn mem(vmctx: *mut VmCtxHeader) -> Guest {
    // SAFETY: guaranteed by the caller.
    unsafe { Guest::new(vmctx) }
}

/// The fd table, locked until the guard is dropped (see `ctx`): hold it for a lookup
/// or an update, never across a call that may block.
#[inline]
pub(crate) fn fds() -> crate::ctx::FdsGuard {
    crate::ctx::lock_fds()
}

/// `fstat` of a host fd.
pub(crate) fn fstat(fd: core::ffi::c_int) -> WasiResult<libc::stat> {
    let mut st = core::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: st is writable storage for a stat.
    errno::check(|| unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
    // SAFETY: fstat succeeded and filled it.
    Ok(unsafe { st.assume_init() })
}

fn ns(sec: i64, nsec: i64) -> u64 {
    (sec as i128 * 1_000_000_000 + nsec as i128).clamp(0, u64::MAX as i128) as u64
}

/// Writes a WASI `filestat` (64 bytes) for a host stat to guest memory.
pub(crate) fn write_filestat(g: &Guest, ptr: u32, st: &libc::stat) -> WasiResult {
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&st.st_dev.to_le_bytes());
    b[8..16].copy_from_slice(&st.st_ino.to_le_bytes());
    b[16] = filetype::from_mode(st.st_mode);
    b[24..32].copy_from_slice(&st.st_nlink.to_le_bytes());
    b[32..40].copy_from_slice(&(st.st_size as u64).to_le_bytes());
    b[40..48].copy_from_slice(&ns(st.st_atime, st.st_atime_nsec).to_le_bytes());
    b[48..56].copy_from_slice(&ns(st.st_mtime, st.st_mtime_nsec).to_le_bytes());
    b[56..64].copy_from_slice(&ns(st.st_ctime, st.st_ctime_nsec).to_le_bytes());
    g.write(ptr, &b)
}

/// Host `timespec`s for utimensat from WASI `(atim, mtim, fst_flags)`; a time and its
/// `_NOW` flag together are EINVAL, unknown flag bits too.
pub(crate) fn utimens(atim: u64, mtim: u64, flags: u32) -> WasiResult<[libc::timespec; 2]> {
    if flags & !u32::from(fstflags::ALL) != 0 {
        return Err(EINVAL);
    }
    let f = flags as u16;
    let one = |t: u64, set: u16, now: u16| -> WasiResult<libc::timespec> {
        match (f & set != 0, f & now != 0) {
            (true, true) => Err(EINVAL),
            (true, false) => Ok(libc::timespec {
                tv_sec: (t / 1_000_000_000) as libc::time_t,
                tv_nsec: (t % 1_000_000_000) as libc::c_long,
            }),
            (false, true) => Ok(libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            }),
            (false, false) => Ok(libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            }),
        }
    };
    Ok([
        one(atim, fstflags::ATIM, fstflags::ATIM_NOW)?,
        one(mtim, fstflags::MTIM, fstflags::MTIM_NOW)?,
    ])
}

/// Sets the times of whatever host fd `fd` refers to (also an O_PATH fd).
pub(crate) fn set_times_fd(fd: core::ffi::c_int, ts: &[libc::timespec; 2]) -> WasiResult {
    // SAFETY: ts points to two timespecs.
    let r = crate::sys::retry(|| unsafe { libc::futimens(fd, ts.as_ptr()) });
    match r {
        Ok(_) => Ok(()),
        Err(libc::EBADF) => {
            // O_PATH fds are refused by futimens; name the fd itself instead.
            // SAFETY: as above, with an empty path and AT_EMPTY_PATH.
            errno::check(|| unsafe {
                libc::utimensat(fd, c"".as_ptr(), ts.as_ptr(), libc::AT_EMPTY_PATH)
            })
            .map(|_| ())
        }
        Err(e) => Err(errno::from_host(e)),
    }
}
