//! `openat2` with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS` (sandbox-critical): the
//! kernel resolves the whole path and refuses (EXDEV, ELOOP) anything that would leave
//! the starting directory — `..` above it, absolute symlinks, symlinks escaping it,
//! /proc magic links — atomically, so renames racing with us cannot help an escape.
//!
//! Reports ENOSYS (and remembers it) when the kernel has no openat2, so the caller
//! falls back to the user-space walk.

use core::ffi::c_int;
use core::sync::atomic::{AtomicBool, Ordering};

/// Set once the kernel said it has no openat2.
static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

/// `struct open_how` (libc's is non-exhaustive).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// Times to retry the EAGAIN openat2 returns when a rename raced with the lookup.
const EAGAIN_RETRIES: u32 = 16;

/// Opens `path` (NUL-terminated) beneath `dirfd`; returns the new fd or a host errno.
pub fn openat2(
    dirfd: c_int,
    path: &[u8],
    flags: c_int,
    mode: libc::mode_t,
) -> Result<c_int, c_int> {
    if UNSUPPORTED.load(Ordering::Relaxed) {
        return Err(libc::ENOSYS);
    }
    // O_TMPFILE includes the O_DIRECTORY bit, so compare it whole.
    let creates = flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE;
    let how = OpenHow {
        flags: flags as u32 as u64,
        mode: if creates { u64::from(mode) } else { 0 },
        resolve: libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
    };
    let mut again = 0;
    loop {
        // SAFETY: path is NUL-terminated and `how` is a valid open_how of the given size.
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dirfd,
                path.as_ptr(),
                &how as *const OpenHow,
                core::mem::size_of::<OpenHow>(),
            )
        };
        if r >= 0 {
            return Ok(r as c_int);
        }
        match crate::sys::errno() {
            libc::EINTR => continue,
            libc::EAGAIN if again < EAGAIN_RETRIES => again += 1,
            libc::ENOSYS => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
                return Err(libc::ENOSYS);
            }
            e => return Err(e),
        }
    }
}
