//! The WASI preview1 import table, listed once.
//!
//! [`for_each_wasi_function!`] hands every function of `wasi_snapshot_preview1` to a
//! callback macro as `(status) name(param: type, ...) -> result;`, where status is
//! `ready` (the runtime implements it as the spec says) or `later` (not yet: importing
//! it is a compile-time error), type is `i32`/`i64` and result is `errno` (returns an
//! i32 errno) or `never` (does not return). The compiler reads [`WASI_FUNCTIONS`]; the
//! runtime uses the same macro to assert at compile time that each `ready` function is
//! defined as `aotc_wasi_<name>(vmctx, params...)` with exactly these types.
//!
//! [`for_each_socket_extension_function!`] does the same for WasmEdge's socket
//! extension (also imported from `wasi_snapshot_preview1`), whose entries read
//! `(ready) import = symbol(params) -> result;`: one import name may come in two
//! types (WasmEdge's V1 and V2 forms, told apart by the import's type, as WasmEdge
//! does), and several imports may share one runtime function `aotc_wasi_<symbol>`.

use alloc::vec::Vec;

/// Module name of WASI preview1 imports.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// Invokes `$callback! { (status) name(p: ty, ...) -> result; ... }` with all 46
/// preview1 functions.
#[macro_export]
macro_rules! for_each_wasi_function {
    ($callback:ident) => {
        $callback! {
            (ready) args_get(argv: i32, argv_buf: i32) -> errno;
            (ready) args_sizes_get(argc_out: i32, argv_buf_size_out: i32) -> errno;
            (ready) environ_get(environ: i32, environ_buf: i32) -> errno;
            (ready) environ_sizes_get(count_out: i32, buf_size_out: i32) -> errno;
            (ready) clock_res_get(clock_id: i32, resolution_out: i32) -> errno;
            (ready) clock_time_get(clock_id: i32, precision: i64, time_out: i32) -> errno;
            (ready) fd_advise(fd: i32, offset: i64, len: i64, advice: i32) -> errno;
            (ready) fd_allocate(fd: i32, offset: i64, len: i64) -> errno;
            (ready) fd_close(fd: i32) -> errno;
            (ready) fd_datasync(fd: i32) -> errno;
            (ready) fd_fdstat_get(fd: i32, stat_out: i32) -> errno;
            (ready) fd_fdstat_set_flags(fd: i32, flags: i32) -> errno;
            (ready) fd_fdstat_set_rights(fd: i32, rights_base: i64, rights_inheriting: i64) -> errno;
            (ready) fd_filestat_get(fd: i32, stat_out: i32) -> errno;
            (ready) fd_filestat_set_size(fd: i32, size: i64) -> errno;
            (ready) fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, fst_flags: i32) -> errno;
            (ready) fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, nread_out: i32) -> errno;
            (ready) fd_prestat_get(fd: i32, prestat_out: i32) -> errno;
            (ready) fd_prestat_dir_name(fd: i32, path: i32, path_len: i32) -> errno;
            (ready) fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, nwritten_out: i32) -> errno;
            (ready) fd_read(fd: i32, iovs: i32, iovs_len: i32, nread_out: i32) -> errno;
            (ready) fd_readdir(fd: i32, buf: i32, buf_len: i32, cookie: i64, bufused_out: i32) -> errno;
            (ready) fd_renumber(fd: i32, to: i32) -> errno;
            (ready) fd_seek(fd: i32, offset: i64, whence: i32, newoffset_out: i32) -> errno;
            (ready) fd_sync(fd: i32) -> errno;
            (ready) fd_tell(fd: i32, offset_out: i32) -> errno;
            (ready) fd_write(fd: i32, iovs: i32, iovs_len: i32, nwritten_out: i32) -> errno;
            (ready) path_create_directory(fd: i32, path: i32, path_len: i32) -> errno;
            (ready) path_filestat_get(fd: i32, flags: i32, path: i32, path_len: i32, stat_out: i32) -> errno;
            (ready) path_filestat_set_times(fd: i32, flags: i32, path: i32, path_len: i32, atim: i64, mtim: i64, fst_flags: i32) -> errno;
            (ready) path_link(old_fd: i32, old_flags: i32, old_path: i32, old_path_len: i32, new_fd: i32, new_path: i32, new_path_len: i32) -> errno;
            (ready) path_open(fd: i32, dirflags: i32, path: i32, path_len: i32, oflags: i32, rights_base: i64, rights_inheriting: i64, fdflags: i32, fd_out: i32) -> errno;
            (ready) path_readlink(fd: i32, path: i32, path_len: i32, buf: i32, buf_len: i32, bufused_out: i32) -> errno;
            (ready) path_remove_directory(fd: i32, path: i32, path_len: i32) -> errno;
            (ready) path_rename(fd: i32, old_path: i32, old_path_len: i32, new_fd: i32, new_path: i32, new_path_len: i32) -> errno;
            (ready) path_symlink(old_path: i32, old_path_len: i32, fd: i32, new_path: i32, new_path_len: i32) -> errno;
            (ready) path_unlink_file(fd: i32, path: i32, path_len: i32) -> errno;
            (ready) poll_oneoff(subscriptions: i32, events_out: i32, nsubscriptions: i32, nevents_out: i32) -> errno;
            (ready) proc_exit(code: i32) -> never;
            (ready) proc_raise(signal: i32) -> errno;
            (ready) random_get(buf: i32, buf_len: i32) -> errno;
            (ready) sched_yield() -> errno;
            (ready) sock_accept(fd: i32, flags: i32, fd_out: i32) -> errno;
            (ready) sock_recv(fd: i32, ri_data: i32, ri_data_len: i32, ri_flags: i32, ro_datalen_out: i32, ro_flags_out: i32) -> errno;
            (ready) sock_send(fd: i32, si_data: i32, si_data_len: i32, si_flags: i32, so_datalen_out: i32) -> errno;
            (ready) sock_shutdown(fd: i32, how: i32) -> errno;
        }
    };
}

/// Invokes `$callback! { (status) import = symbol(p: ty, ...) -> result; ... }` with
/// WasmEdge's socket extension: every import name and type WasmEdge accepts from
/// `wasi_snapshot_preview1`, each bound to the runtime function `aotc_wasi_<symbol>`.
/// Types: all i32; addresses are 8-byte `{buf, buf_len}` descriptors of a 4- or
/// 16-byte IP or a 128-byte `{u16 family, address}` buffer, ports are values.
#[macro_export]
macro_rules! for_each_socket_extension_function {
    ($callback:ident) => {
        $callback! {
            (ready) sock_open = sock_open(af: i32, socktype: i32, fd_out: i32) -> errno;
            (ready) sock_open_v2 = sock_open(af: i32, socktype: i32, fd_out: i32) -> errno;
            (ready) sock_bind = sock_bind(fd: i32, addr: i32, port: i32) -> errno;
            (ready) sock_bind_v2 = sock_bind(fd: i32, addr: i32, port: i32) -> errno;
            (ready) sock_connect = sock_connect(fd: i32, addr: i32, port: i32) -> errno;
            (ready) sock_connect_v2 = sock_connect(fd: i32, addr: i32, port: i32) -> errno;
            (ready) sock_listen = sock_listen(fd: i32, backlog: i32) -> errno;
            (ready) sock_listen_v2 = sock_listen(fd: i32, backlog: i32) -> errno;
            (ready) sock_accept = sock_accept_v1(fd: i32, fd_out: i32) -> errno;
            (ready) sock_accept_v2 = sock_accept(fd: i32, flags: i32, fd_out: i32) -> errno;
            (ready) sock_recv_v2 = sock_recv(fd: i32, ri_data: i32, ri_data_len: i32, ri_flags: i32, ro_datalen_out: i32, ro_flags_out: i32) -> errno;
            (ready) sock_send_v2 = sock_send(fd: i32, si_data: i32, si_data_len: i32, si_flags: i32, so_datalen_out: i32) -> errno;
            (ready) sock_recv_from = sock_recv_from_v1(fd: i32, ri_data: i32, ri_data_len: i32, addr: i32, ri_flags: i32, ro_datalen_out: i32, ro_flags_out: i32) -> errno;
            (ready) sock_recv_from = sock_recv_from(fd: i32, ri_data: i32, ri_data_len: i32, addr: i32, ri_flags: i32, port_out: i32, ro_datalen_out: i32, ro_flags_out: i32) -> errno;
            (ready) sock_recv_from_v2 = sock_recv_from(fd: i32, ri_data: i32, ri_data_len: i32, addr: i32, ri_flags: i32, port_out: i32, ro_datalen_out: i32, ro_flags_out: i32) -> errno;
            (ready) sock_send_to = sock_send_to(fd: i32, si_data: i32, si_data_len: i32, addr: i32, port: i32, si_flags: i32, so_datalen_out: i32) -> errno;
            (ready) sock_send_to_v2 = sock_send_to(fd: i32, si_data: i32, si_data_len: i32, addr: i32, port: i32, si_flags: i32, so_datalen_out: i32) -> errno;
            (ready) sock_getlocaladdr = sock_getlocaladdr_v1(fd: i32, addr: i32, addr_type_out: i32, port_out: i32) -> errno;
            (ready) sock_getlocaladdr = sock_getlocaladdr(fd: i32, addr: i32, port_out: i32) -> errno;
            (ready) sock_getlocaladdr_v2 = sock_getlocaladdr(fd: i32, addr: i32, port_out: i32) -> errno;
            (ready) sock_getpeeraddr = sock_getpeeraddr_v1(fd: i32, addr: i32, addr_type_out: i32, port_out: i32) -> errno;
            (ready) sock_getpeeraddr = sock_getpeeraddr(fd: i32, addr: i32, port_out: i32) -> errno;
            (ready) sock_getpeeraddr_v2 = sock_getpeeraddr(fd: i32, addr: i32, port_out: i32) -> errno;
            (ready) sock_getsockopt = sock_getsockopt(fd: i32, level: i32, name: i32, value: i32, value_len_inout: i32) -> errno;
            (ready) sock_setsockopt = sock_setsockopt(fd: i32, level: i32, name: i32, value: i32, value_len: i32) -> errno;
            (ready) sock_getaddrinfo = sock_getaddrinfo(node: i32, node_len: i32, service: i32, service_len: i32, hints: i32, res: i32, max_res_len: i32, res_len_out: i32) -> errno;
        }
    };
}

/// A WASI parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasiType {
    I32,
    I64,
}

/// What a WASI function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasiResult {
    /// An i32 errno.
    Errno,
    /// Does not return (`proc_exit`).
    Never,
}

/// One WASI function.
#[derive(Debug, Clone, Copy)]
pub struct WasiFunction {
    /// The import name.
    pub name: &'static str,
    /// The runtime function is `aotc_wasi_<symbol>` (the name, for preview1).
    pub symbol: &'static str,
    pub params: &'static [WasiType],
    pub result: WasiResult,
    /// Implemented by the runtime; importing a function that is not is a compile error.
    pub ready: bool,
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wasi_type {
    (i32) => {
        $crate::wasi::WasiType::I32
    };
    (i64) => {
        $crate::wasi::WasiType::I64
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wasi_result {
    (errno) => {
        $crate::wasi::WasiResult::Errno
    };
    (never) => {
        $crate::wasi::WasiResult::Never
    };
}

macro_rules! wasi_table {
    ($( ($status:ident) $name:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        /// Every preview1 function, in the order of the witx definition.
        pub const WASI_FUNCTIONS: &[WasiFunction] = &[
            $( WasiFunction {
                name: stringify!($name),
                symbol: stringify!($name),
                params: &[$($crate::__wasi_type!($t)),*],
                result: $crate::__wasi_result!($r),
                ready: wasi_table!(@ready $status),
            }, )*
        ];
    };
    (@ready ready) => { true };
    (@ready later) => { false };
}

macro_rules! socket_extension_table {
    ($( ($status:ident) $name:ident = $symbol:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        /// WasmEdge's socket extension, import by import (a name may appear twice,
        /// with two types).
        pub const SOCKET_EXTENSION: &[WasiFunction] = &[
            $( WasiFunction {
                name: stringify!($name),
                symbol: stringify!($symbol),
                params: &[$($crate::__wasi_type!($t)),*],
                result: $crate::__wasi_result!($r),
                ready: socket_extension_table!(@ready $status),
            }, )*
        ];
    };
    (@ready ready) => { true };
    (@ready later) => { false };
}

for_each_wasi_function!(wasi_table);
for_each_socket_extension_function!(socket_extension_table);

/// Every function a module may import from `wasi_snapshot_preview1`: preview1, then
/// the socket extension.
pub fn all_functions() -> impl Iterator<Item = &'static WasiFunction> {
    WASI_FUNCTIONS.iter().chain(SOCKET_EXTENSION)
}

/// The first function imported under `name`, whatever its type.
pub fn find(name: &str) -> Option<&'static WasiFunction> {
    all_functions().find(|f| f.name == name)
}

/// The function imported under `name` with exactly these parameter types and result;
/// `Err` lists the types `name` comes in (empty: no such name).
pub fn find_typed(
    name: &str,
    params: &[WasiType],
    result: WasiResult,
) -> Result<&'static WasiFunction, Vec<&'static WasiFunction>> {
    let candidates: Vec<&'static WasiFunction> =
        all_functions().filter(|f| f.name == name).collect();
    candidates
        .iter()
        .find(|f| f.params == params && f.result == result)
        .copied()
        .ok_or(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_46_preview1_functions_are_listed_once() {
        assert_eq!(WASI_FUNCTIONS.len(), 46);
        for (i, a) in WASI_FUNCTIONS.iter().enumerate() {
            for b in &WASI_FUNCTIONS[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(find("proc_exit").unwrap().result, WasiResult::Never);
        assert_eq!(find("path_open").unwrap().params.len(), 9);
    }

    #[test]
    fn socket_extension_forms_are_told_apart_by_type() {
        let i32s = |n| alloc::vec![WasiType::I32; n];
        // Preview1's 3-parameter sock_accept and WasmEdge's 2-parameter V1 form.
        let v1 = find_typed("sock_accept", &i32s(2), WasiResult::Errno).unwrap();
        assert_eq!(v1.symbol, "sock_accept_v1");
        let p1 = find_typed("sock_accept", &i32s(3), WasiResult::Errno).unwrap();
        assert_eq!(p1.symbol, "sock_accept");
        assert_eq!(
            find_typed("sock_recv_from", &i32s(8), WasiResult::Errno)
                .unwrap()
                .symbol,
            "sock_recv_from"
        );
        assert_eq!(
            find_typed("sock_getpeeraddr", &i32s(4), WasiResult::Errno)
                .unwrap()
                .symbol,
            "sock_getpeeraddr_v1"
        );
        // WAMR's 4-parameter sock_open is no form of WasmEdge's.
        let wrong = find_typed("sock_open", &i32s(4), WasiResult::Errno).unwrap_err();
        assert_eq!(wrong.len(), 1);
        assert!(find_typed("sock_nonesuch", &[], WasiResult::Errno)
            .unwrap_err()
            .is_empty());
        // Every extension import is a distinct (name, type) pair.
        for (i, a) in SOCKET_EXTENSION.iter().enumerate() {
            for b in &SOCKET_EXTENSION[i + 1..] {
                assert!(a.name != b.name || a.params != b.params, "{} twice", a.name);
            }
        }
    }
}
