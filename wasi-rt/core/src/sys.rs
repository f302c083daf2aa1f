//! Thin host helpers shared by the whole runtime: errno access, EINTR-safe retries,
//! anonymous mappings, raw writes to a host fd and integer formatting without
//! allocation.
//!
//! Everything here that writes output (`write_*`) is async-signal-safe: it only calls
//! write(2) and formats into stack buffers, so the trap and signal paths may use it.

use core::ffi::c_int;

/// Exit status for errors before the guest runs (bad manifest, missing grant, no
/// address space for a memory).
pub const STARTUP_ERROR_STATUS: c_int = 125;

/// The calling thread's host errno.
pub fn errno() -> c_int {
    // SAFETY: __errno_location always returns a valid pointer for the calling thread.
    unsafe { *libc::__errno_location() }
}

/// A fresh private anonymous mapping of `bytes` bytes with protection `prot`, without
/// swap reservation (`MAP_NORESERVE`: linear memories, tables and stacks reserve far
/// more than they touch); the errno on failure.
pub fn map_anonymous(bytes: usize, prot: c_int) -> Result<*mut core::ffi::c_void, c_int> {
    // SAFETY: a fresh anonymous mapping at an address the kernel picks; touches no
    // existing memory.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            bytes,
            prot,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        Err(errno())
    } else {
        Ok(p)
    }
}

/// Writes all of `bytes` to host fd `fd`, retrying on EINTR and short writes; errors are
/// ignored (used for diagnostics only).
pub fn write_bytes(fd: c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return;
        }
        if n == 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Writes a string to host fd `fd` (async-signal-safe).
pub fn write_str(fd: c_int, s: &str) {
    write_bytes(fd, s.as_bytes());
}

/// Writes an unsigned decimal number to host fd `fd` (async-signal-safe).
pub fn write_u64(fd: c_int, v: u64) {
    let mut buf = [0u8; 20];
    let s = fmt_u64(v, &mut buf);
    write_bytes(fd, s);
}

/// Formats `v` in decimal into `buf`, returning the used tail.
pub fn fmt_u64(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Writes `0x` and `v` in hex to host fd `fd` (async-signal-safe).
pub fn write_hex(fd: c_int, mut v: u64) {
    let mut buf = [0u8; 18];
    let mut i = buf.len();
    loop {
        i -= 1;
        let d = (v & 0xf) as u8;
        buf[i] = if d < 10 { b'0' + d } else { b'a' + d - 10 };
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    i -= 1;
    buf[i] = b'x';
    i -= 1;
    buf[i] = b'0';
    write_bytes(fd, &buf[i..]);
}

/// Length of a NUL-terminated C string.
///
/// # Safety
/// `p` must point to a NUL-terminated string.
pub unsafe fn cstr_len(p: *const u8) -> usize {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::strlen(p.cast()) }
}

/// The bytes of a NUL-terminated C string, without the NUL.
///
/// # Safety
/// `p` must point to a NUL-terminated string that lives for `'a`.
pub unsafe fn cstr_bytes<'a>(p: *const u8) -> &'a [u8] {
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts(p, cstr_len(p)) }
}

/// Runs a syscall-like closure until it stops failing with EINTR; returns its result
/// or the host errno.
pub fn retry<T: Copy + PartialOrd + Default>(mut f: impl FnMut() -> T) -> Result<T, c_int> {
    loop {
        let r = f();
        if r < T::default() {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        return Ok(r);
    }
}

/// Closes a host fd, ignoring errors (Linux always releases the fd, even on EINTR).
pub fn close(fd: c_int) {
    if fd >= 0 {
        // SAFETY: closing an fd we own.
        unsafe { libc::close(fd) };
    }
}

/// The process's argv[0] for diagnostics, set once by `main`.
static ARGV0: core::sync::atomic::AtomicPtr<u8> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

/// Records argv[0] for [`fatal`].
pub fn set_argv0(p: *const u8) {
    ARGV0.store(p as *mut u8, core::sync::atomic::Ordering::Relaxed);
}

/// Prints `<argv0>: error: ` followed by the given parts and a newline, then exits 125.
pub fn fatal(parts: &[&[u8]]) -> ! {
    exit_with_error(STARTUP_ERROR_STATUS, parts)
}

/// Prints `<argv0>: error: ` followed by the given parts and a newline, then exits
/// with `status`.
pub fn exit_with_error(status: c_int, parts: &[&[u8]]) -> ! {
    let p = ARGV0.load(core::sync::atomic::Ordering::Relaxed);
    if p.is_null() {
        write_str(2, "aotc-program");
    } else {
        // SAFETY: argv[0] is NUL-terminated and lives for the whole process.
        write_bytes(2, unsafe { cstr_bytes(p) });
    }
    write_str(2, ": error: ");
    for part in parts {
        write_bytes(2, part);
    }
    write_str(2, "\n");
    // SAFETY: _exit is always safe; nothing of ours needs flushing.
    unsafe { libc::_exit(status) }
}

/// The host's message for a host errno (strerror), without allocation.
pub fn strerror(e: c_int) -> &'static [u8] {
    // SAFETY: glibc's strerror returns a pointer to a NUL-terminated static or
    // thread-local string; startup code is single-threaded when it calls this.
    unsafe {
        let p = libc::strerror(e);
        if p.is_null() {
            b"unknown error"
        } else {
            cstr_bytes(p.cast())
        }
    }
}
