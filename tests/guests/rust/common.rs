// Shared by every Rust guest (included with `#[path = "common.rs"] mod common;`):
// printing helpers that turn io results into one deterministic line each (WASI errno
// names, never addresses or inode numbers), and the few raw wasi_snapshot_preview1
// imports that Rust 1.63's std does not expose (fdstat, flags, clocks, poll_oneoff,
// set_times, prestat).
#![allow(dead_code)]

use std::io;

/// The WASI errno name for a raw error number (wasi-libc uses the WASI numbering).
pub fn errno_name(n: i32) -> &'static str {
    const NAMES: [&str; 77] = [
        "ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EAGAIN",
        "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD", "ECONNABORTED",
        "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ", "EDOM", "EDQUOT", "EEXIST",
        "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM", "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL",
        "EIO", "EISCONN", "EISDIR", "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP",
        "ENAMETOOLONG", "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV",
        "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM", "ENOMSG", "ENOPROTOOPT", "ENOSPC",
        "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP",
        "ENOTTY", "ENXIO", "EOVERFLOW", "EOWNERDEAD", "EPERM", "EPIPE", "EPROTO",
        "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS", "ESPIPE", "ESRCH", "ESTALE",
        "ETIMEDOUT", "ETXTBSY", "EXDEV", "ENOTCAPABLE",
    ];
    if n >= 0 && (n as usize) < NAMES.len() {
        NAMES[n as usize]
    } else {
        "E?"
    }
}

/// "ENOENT/NotFound" for an OS error, "-/Kind" for one std made up itself.
pub fn err_str(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => format!("{}/{:?}", errno_name(n), e.kind()),
        None => format!("-/{:?}", e.kind()),
    }
}

/// Prints `label: ok` (with the detail) or `label: err ENAME/Kind`.
pub fn show<T>(label: &str, r: io::Result<T>, detail: impl FnOnce(&T) -> String) -> Option<T> {
    match r {
        Ok(v) => {
            let d = detail(&v);
            if d.is_empty() {
                println!("{}: ok", label);
            } else {
                println!("{}: ok {}", label, d);
            }
            Some(v)
        }
        Err(e) => {
            println!("{}: err {}", label, err_str(&e));
            None
        }
    }
}

/// `show` without a detail.
pub fn check<T>(label: &str, r: io::Result<T>) -> Option<T> {
    show(label, r, |_| String::new())
}

pub fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// A file type as a word.
pub fn kind_of(t: &std::fs::FileType) -> &'static str {
    if t.is_symlink() {
        "symlink"
    } else if t.is_dir() {
        "dir"
    } else if t.is_file() {
        "file"
    } else {
        "other"
    }
}

/// Sorted `name:type` entries of a directory, or the error.
pub fn listing(path: &str) -> io::Result<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let t = entry.file_type()?;
        names.push(format!("{}:{}", entry.file_name().to_string_lossy(), kind_of(&t)));
    }
    names.sort();
    Ok(names.join(" "))
}

// ---- raw wasi_snapshot_preview1 ----

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct Fdstat {
    pub filetype: u8,
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct Prestat {
    pub tag: u8,
    pub name_len: u32,
}

/// A clock subscription for poll_oneoff (48 bytes, as WASI lays it out).
#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct SubClock {
    pub userdata: u64,
    pub tag: u8,
    pub _pad: [u8; 7],
    pub clock_id: u32,
    pub _pad2: u32,
    pub timeout: u64,
    pub precision: u64,
    pub flags: u16,
    pub _pad3: [u8; 6],
}

/// An fd_read/fd_write subscription (same size as SubClock).
#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct SubFd {
    pub userdata: u64,
    pub tag: u8,
    pub _pad: [u8; 7],
    pub fd: u32,
    pub _pad2: [u8; 28],
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct Event {
    pub userdata: u64,
    pub error: u16,
    pub kind: u8,
    pub nbytes: u64,
    pub rwflags: u16,
}

pub mod raw {
    use super::*;
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        pub fn fd_fdstat_get(fd: u32, out: *mut Fdstat) -> u16;
        pub fn fd_fdstat_set_flags(fd: u32, flags: u16) -> u16;
        pub fn fd_prestat_get(fd: u32, out: *mut Prestat) -> u16;
        pub fn fd_prestat_dir_name(fd: u32, buf: *mut u8, len: u32) -> u16;
        pub fn clock_res_get(id: u32, out: *mut u64) -> u16;
        pub fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> u16;
        pub fn poll_oneoff(subs: *const u8, events: *mut Event, n: u32, nevents: *mut u32) -> u16;
        pub fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u16) -> u16;
        pub fn path_filestat_set_times(
            fd: u32,
            lookup: u32,
            path: *const u8,
            path_len: u32,
            atim: u64,
            mtim: u64,
            flags: u16,
        ) -> u16;
        pub fn fd_advise(fd: u32, offset: u64, len: u64, advice: u8) -> u16;
        pub fn fd_allocate(fd: u32, offset: u64, len: u64) -> u16;
        pub fn sched_yield() -> u16;
        pub fn random_get(buf: *mut u8, len: u32) -> u16;
    }
}

/// "ok" or the errno name of a raw call's result.
pub fn rc(e: u16) -> String {
    if e == 0 {
        "ok".to_string()
    } else {
        format!("err {}", errno_name(e as i32))
    }
}

pub fn fdstat(fd: u32) -> Result<Fdstat, u16> {
    let mut st = Fdstat::default();
    let e = unsafe { raw::fd_fdstat_get(fd, &mut st) };
    if e == 0 {
        Ok(st)
    } else {
        Err(e)
    }
}

pub fn filetype_name(t: u8) -> &'static str {
    match t {
        0 => "unknown",
        1 => "block_device",
        2 => "character_device",
        3 => "directory",
        4 => "regular_file",
        5 => "socket_dgram",
        6 => "socket_stream",
        7 => "symbolic_link",
        _ => "?",
    }
}

/// Prints one fdstat line: type, flags and both rights sets in hex.
pub fn show_fdstat(label: &str, fd: u32) {
    match fdstat(fd) {
        Ok(st) => println!(
            "{}: fdstat {} flags={:#x} base={:#x} inheriting={:#x}",
            label,
            filetype_name(st.filetype),
            st.flags,
            st.rights_base,
            st.rights_inheriting
        ),
        Err(e) => println!("{}: fdstat {}", label, rc(e)),
    }
}

/// The preopened directories, in fd order, as "fd=name".
pub fn preopens() -> Vec<String> {
    let mut out = Vec::new();
    for fd in 3..64u32 {
        let mut p = Prestat::default();
        if unsafe { raw::fd_prestat_get(fd, &mut p) } != 0 {
            break;
        }
        let mut buf = vec![0u8; p.name_len as usize];
        let e = unsafe { raw::fd_prestat_dir_name(fd, buf.as_mut_ptr(), p.name_len) };
        out.push(format!("{}={} ({})", fd, String::from_utf8_lossy(&buf), rc(e)));
    }
    out
}
