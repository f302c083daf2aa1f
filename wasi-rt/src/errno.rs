//! WASI preview1 errno values (witx `$errno`) and the host-errno → WASI-errno mapping.
//!
//! Every WASI function computes a `Result<_, Errno>` and returns the errno as `u32`
//! through [`ret`]; nothing else in the crate spells an errno number.

use core::ffi::c_int;

/// A WASI errno (witx `errno`, a u16).
pub type Errno = u16;
/// What WASI function bodies return.
pub type WasiResult<T = ()> = Result<T, Errno>;

pub const SUCCESS: Errno = 0;
pub const E2BIG: Errno = 1;
pub const EACCES: Errno = 2;
pub const EADDRINUSE: Errno = 3;
pub const EADDRNOTAVAIL: Errno = 4;
pub const EAFNOSUPPORT: Errno = 5;
pub const EAGAIN: Errno = 6;
pub const EALREADY: Errno = 7;
pub const EBADF: Errno = 8;
pub const EBADMSG: Errno = 9;
pub const EBUSY: Errno = 10;
pub const ECANCELED: Errno = 11;
pub const ECHILD: Errno = 12;
pub const ECONNABORTED: Errno = 13;
pub const ECONNREFUSED: Errno = 14;
pub const ECONNRESET: Errno = 15;
pub const EDEADLK: Errno = 16;
pub const EDESTADDRREQ: Errno = 17;
pub const EDOM: Errno = 18;
pub const EDQUOT: Errno = 19;
pub const EEXIST: Errno = 20;
pub const EFAULT: Errno = 21;
pub const EFBIG: Errno = 22;
pub const EHOSTUNREACH: Errno = 23;
pub const EIDRM: Errno = 24;
pub const EILSEQ: Errno = 25;
pub const EINPROGRESS: Errno = 26;
pub const EINTR: Errno = 27;
pub const EINVAL: Errno = 28;
pub const EIO: Errno = 29;
pub const EISCONN: Errno = 30;
pub const EISDIR: Errno = 31;
pub const ELOOP: Errno = 32;
pub const EMFILE: Errno = 33;
pub const EMLINK: Errno = 34;
pub const EMSGSIZE: Errno = 35;
pub const EMULTIHOP: Errno = 36;
pub const ENAMETOOLONG: Errno = 37;
pub const ENETDOWN: Errno = 38;
pub const ENETRESET: Errno = 39;
pub const ENETUNREACH: Errno = 40;
pub const ENFILE: Errno = 41;
pub const ENOBUFS: Errno = 42;
pub const ENODEV: Errno = 43;
pub const ENOENT: Errno = 44;
pub const ENOEXEC: Errno = 45;
pub const ENOLCK: Errno = 46;
pub const ENOLINK: Errno = 47;
pub const ENOMEM: Errno = 48;
pub const ENOMSG: Errno = 49;
pub const ENOPROTOOPT: Errno = 50;
pub const ENOSPC: Errno = 51;
pub const ENOSYS: Errno = 52;
pub const ENOTCONN: Errno = 53;
pub const ENOTDIR: Errno = 54;
pub const ENOTEMPTY: Errno = 55;
pub const ENOTRECOVERABLE: Errno = 56;
pub const ENOTSOCK: Errno = 57;
pub const ENOTSUP: Errno = 58;
pub const ENOTTY: Errno = 59;
pub const ENXIO: Errno = 60;
pub const EOVERFLOW: Errno = 61;
pub const EOWNERDEAD: Errno = 62;
pub const EPERM: Errno = 63;
pub const EPIPE: Errno = 64;
pub const EPROTO: Errno = 65;
pub const EPROTONOSUPPORT: Errno = 66;
pub const EPROTOTYPE: Errno = 67;
pub const ERANGE: Errno = 68;
pub const EROFS: Errno = 69;
pub const ESPIPE: Errno = 70;
pub const ESRCH: Errno = 71;
pub const ESTALE: Errno = 72;
pub const ETIMEDOUT: Errno = 73;
pub const ETXTBSY: Errno = 74;
pub const EXDEV: Errno = 75;
pub const ENOTCAPABLE: Errno = 76;

/// Converts a WASI function body's result into the errno it returns.
#[inline]
pub fn ret(r: WasiResult) -> u32 {
    match r {
        Ok(()) => u32::from(SUCCESS),
        Err(e) => u32::from(e),
    }
}

/// Maps a host (Linux) errno to the WASI errno with the same meaning. Unknown values
/// become EIO rather than leaking a number with another meaning.
pub fn from_host(e: c_int) -> Errno {
    match e {
        libc::E2BIG => E2BIG,
        libc::EACCES => EACCES,
        libc::EADDRINUSE => EADDRINUSE,
        libc::EADDRNOTAVAIL => EADDRNOTAVAIL,
        libc::EAFNOSUPPORT => EAFNOSUPPORT,
        libc::EAGAIN => EAGAIN,
        libc::EALREADY => EALREADY,
        libc::EBADF => EBADF,
        libc::EBADMSG => EBADMSG,
        libc::EBUSY => EBUSY,
        libc::ECANCELED => ECANCELED,
        libc::ECHILD => ECHILD,
        libc::ECONNABORTED => ECONNABORTED,
        libc::ECONNREFUSED => ECONNREFUSED,
        libc::ECONNRESET => ECONNRESET,
        libc::EDEADLK => EDEADLK,
        libc::EDESTADDRREQ => EDESTADDRREQ,
        libc::EDOM => EDOM,
        libc::EDQUOT => EDQUOT,
        libc::EEXIST => EEXIST,
        libc::EFAULT => EFAULT,
        libc::EFBIG => EFBIG,
        libc::EHOSTUNREACH => EHOSTUNREACH,
        libc::EIDRM => EIDRM,
        libc::EILSEQ => EILSEQ,
        libc::EINPROGRESS => EINPROGRESS,
        libc::EINTR => EINTR,
        libc::EINVAL => EINVAL,
        libc::EIO => EIO,
        libc::EISCONN => EISCONN,
        libc::EISDIR => EISDIR,
        libc::ELOOP => ELOOP,
        libc::EMFILE => EMFILE,
        libc::EMLINK => EMLINK,
        libc::EMSGSIZE => EMSGSIZE,
        libc::EMULTIHOP => EMULTIHOP,
        libc::ENAMETOOLONG => ENAMETOOLONG,
        libc::ENETDOWN => ENETDOWN,
        libc::ENETRESET => ENETRESET,
        libc::ENETUNREACH => ENETUNREACH,
        libc::ENFILE => ENFILE,
        libc::ENOBUFS => ENOBUFS,
        libc::ENODEV => ENODEV,
        libc::ENOENT => ENOENT,
        libc::ENOEXEC => ENOEXEC,
        libc::ENOLCK => ENOLCK,
        libc::ENOLINK => ENOLINK,
        libc::ENOMEM => ENOMEM,
        libc::ENOMSG => ENOMSG,
        libc::ENOPROTOOPT => ENOPROTOOPT,
        libc::ENOSPC => ENOSPC,
        libc::ENOSYS => ENOSYS,
        libc::ENOTCONN => ENOTCONN,
        libc::ENOTDIR => ENOTDIR,
        libc::ENOTEMPTY => ENOTEMPTY,
        libc::ENOTRECOVERABLE => ENOTRECOVERABLE,
        libc::ENOTSOCK => ENOTSOCK,
        libc::EOPNOTSUPP => ENOTSUP,
        libc::ENOTTY => ENOTTY,
        libc::ENXIO => ENXIO,
        libc::EOVERFLOW => EOVERFLOW,
        libc::EOWNERDEAD => EOWNERDEAD,
        libc::EPERM => EPERM,
        libc::EPIPE => EPIPE,
        libc::EPROTO => EPROTO,
        libc::EPROTONOSUPPORT => EPROTONOSUPPORT,
        libc::EPROTOTYPE => EPROTOTYPE,
        libc::ERANGE => ERANGE,
        libc::EROFS => EROFS,
        libc::ESPIPE => ESPIPE,
        libc::ESRCH => ESRCH,
        libc::ESTALE => ESTALE,
        libc::ETIMEDOUT => ETIMEDOUT,
        libc::ETXTBSY => ETXTBSY,
        libc::EXDEV => EXDEV,
        _ => EIO,
    }
}

/// The calling thread's host errno, mapped.
#[inline]
pub fn last() -> Errno {
    from_host(crate::sys::errno())
}

/// Runs a host call returning a negative value on failure (retrying EINTR) and maps
/// the failure to a WASI errno.
#[inline]
pub fn check<T: Copy + PartialOrd + Default>(f: impl FnMut() -> T) -> WasiResult<T> {
    crate::sys::retry(f).map_err(from_host)
}
