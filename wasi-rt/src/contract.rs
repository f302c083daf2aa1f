//! Compile-time proof that the runtime matches the `aotc-abi` contract: every WASI
//! function the contract marks `ready` exists as `aotc_wasi_<name>` with exactly the
//! listed parameter types (i32 → u32, i64 → u64, errno → u32, never → `!`), and the
//! other runtime entry points have the signatures `aotc_abi::sym` documents. A
//! mismatch is a build error, not a runtime surprise. Nothing here is emitted into
//! the archive, so it keeps no symbol alive.

use aotc_abi::layout::{Memory, Table, VmCtxHeader};

macro_rules! wasi_param {
    (i32) => {
        u32
    };
    (i64) => {
        u64
    };
}

macro_rules! check_wasi {
    ($( ($status:ident) $name:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        $( check_wasi!(@one $status $name ($($t),*) $r); )*
    };
    (@one ready $name:ident ($($t:ident),*) errno) => {
        paste_fn!($name, unsafe extern "C" fn(*mut VmCtxHeader $(, wasi_param!($t))*) -> u32);
    };
    (@one ready $name:ident ($($t:ident),*) never) => {
        paste_fn!($name, unsafe extern "C" fn(*mut VmCtxHeader $(, wasi_param!($t))*) -> !);
    };
    (@one later $name:ident ($($t:ident),*) $r:ident) => {};
}

/// `const _: <type> = aotc_wasi_<name>;` without a paste crate: every implemented
/// function is listed by name below, and the macro picks the one matching `$name`.
macro_rules! paste_fn {
    ($name:ident, $ty:ty) => {
        const _: $ty = wasi_fn!($name);
    };
}

macro_rules! wasi_fn {
    (args_get) => {
        crate::wasi::args::aotc_wasi_args_get
    };
    (args_sizes_get) => {
        crate::wasi::args::aotc_wasi_args_sizes_get
    };
    (environ_get) => {
        crate::wasi::args::aotc_wasi_environ_get
    };
    (environ_sizes_get) => {
        crate::wasi::args::aotc_wasi_environ_sizes_get
    };
    (clock_res_get) => {
        crate::wasi::clock::aotc_wasi_clock_res_get
    };
    (clock_time_get) => {
        crate::wasi::clock::aotc_wasi_clock_time_get
    };
    (fd_advise) => {
        crate::wasi::fd_meta::aotc_wasi_fd_advise
    };
    (fd_allocate) => {
        crate::wasi::fd_meta::aotc_wasi_fd_allocate
    };
    (fd_close) => {
        crate::wasi::fd_io::aotc_wasi_fd_close
    };
    (fd_datasync) => {
        crate::wasi::fd_meta::aotc_wasi_fd_datasync
    };
    (fd_fdstat_get) => {
        crate::wasi::fd_meta::aotc_wasi_fd_fdstat_get
    };
    (fd_fdstat_set_flags) => {
        crate::wasi::fd_meta::aotc_wasi_fd_fdstat_set_flags
    };
    (fd_fdstat_set_rights) => {
        crate::wasi::fd_meta::aotc_wasi_fd_fdstat_set_rights
    };
    (fd_filestat_get) => {
        crate::wasi::fd_meta::aotc_wasi_fd_filestat_get
    };
    (fd_filestat_set_size) => {
        crate::wasi::fd_meta::aotc_wasi_fd_filestat_set_size
    };
    (fd_filestat_set_times) => {
        crate::wasi::fd_meta::aotc_wasi_fd_filestat_set_times
    };
    (fd_pread) => {
        crate::wasi::fd_io::aotc_wasi_fd_pread
    };
    (fd_prestat_get) => {
        crate::wasi::dir::aotc_wasi_fd_prestat_get
    };
    (fd_prestat_dir_name) => {
        crate::wasi::dir::aotc_wasi_fd_prestat_dir_name
    };
    (fd_pwrite) => {
        crate::wasi::fd_io::aotc_wasi_fd_pwrite
    };
    (fd_read) => {
        crate::wasi::fd_io::aotc_wasi_fd_read
    };
    (fd_readdir) => {
        crate::wasi::dir::aotc_wasi_fd_readdir
    };
    (fd_renumber) => {
        crate::wasi::fd_io::aotc_wasi_fd_renumber
    };
    (fd_seek) => {
        crate::wasi::fd_io::aotc_wasi_fd_seek
    };
    (fd_sync) => {
        crate::wasi::fd_meta::aotc_wasi_fd_sync
    };
    (fd_tell) => {
        crate::wasi::fd_io::aotc_wasi_fd_tell
    };
    (fd_write) => {
        crate::wasi::fd_io::aotc_wasi_fd_write
    };
    (path_create_directory) => {
        crate::wasi::path_mod::aotc_wasi_path_create_directory
    };
    (path_filestat_get) => {
        crate::wasi::path_stat::aotc_wasi_path_filestat_get
    };
    (path_filestat_set_times) => {
        crate::wasi::path_stat::aotc_wasi_path_filestat_set_times
    };
    (path_link) => {
        crate::wasi::path_mod::aotc_wasi_path_link
    };
    (path_open) => {
        crate::wasi::path_open::aotc_wasi_path_open
    };
    (path_readlink) => {
        crate::wasi::path_stat::aotc_wasi_path_readlink
    };
    (path_remove_directory) => {
        crate::wasi::path_mod::aotc_wasi_path_remove_directory
    };
    (path_rename) => {
        crate::wasi::path_mod::aotc_wasi_path_rename
    };
    (path_symlink) => {
        crate::wasi::path_mod::aotc_wasi_path_symlink
    };
    (path_unlink_file) => {
        crate::wasi::path_mod::aotc_wasi_path_unlink_file
    };
    (poll_oneoff) => {
        crate::wasi::poll::aotc_wasi_poll_oneoff
    };
    (proc_exit) => {
        crate::wasi::clock::aotc_wasi_proc_exit
    };
    (proc_raise) => {
        crate::wasi::clock::aotc_wasi_proc_raise
    };
    (random_get) => {
        crate::wasi::clock::aotc_wasi_random_get
    };
    (sched_yield) => {
        crate::wasi::clock::aotc_wasi_sched_yield
    };
    (sock_accept) => {
        crate::wasi::sock::aotc_wasi_sock_accept
    };
    (sock_recv) => {
        crate::wasi::sock::aotc_wasi_sock_recv
    };
    (sock_send) => {
        crate::wasi::sock::aotc_wasi_sock_send
    };
    (sock_shutdown) => {
        crate::wasi::sock::aotc_wasi_sock_shutdown
    };
    (sock_open) => {
        crate::wasi::sock_ext::aotc_wasi_sock_open
    };
    (sock_bind) => {
        crate::wasi::sock_ext::aotc_wasi_sock_bind
    };
    (sock_connect) => {
        crate::wasi::sock_ext::aotc_wasi_sock_connect
    };
    (sock_listen) => {
        crate::wasi::sock_ext::aotc_wasi_sock_listen
    };
    (sock_accept_v1) => {
        crate::wasi::sock_ext::aotc_wasi_sock_accept_v1
    };
    (sock_recv_from) => {
        crate::wasi::sock_ext::aotc_wasi_sock_recv_from
    };
    (sock_recv_from_v1) => {
        crate::wasi::sock_ext::aotc_wasi_sock_recv_from_v1
    };
    (sock_send_to) => {
        crate::wasi::sock_ext::aotc_wasi_sock_send_to
    };
    (sock_getlocaladdr) => {
        crate::wasi::sock_ext::aotc_wasi_sock_getlocaladdr
    };
    (sock_getpeeraddr) => {
        crate::wasi::sock_ext::aotc_wasi_sock_getpeeraddr
    };
    (sock_getlocaladdr_v1) => {
        crate::wasi::sock_ext::aotc_wasi_sock_getlocaladdr_v1
    };
    (sock_getpeeraddr_v1) => {
        crate::wasi::sock_ext::aotc_wasi_sock_getpeeraddr_v1
    };
    (sock_getsockopt) => {
        crate::wasi::sock_ext::aotc_wasi_sock_getsockopt
    };
    (sock_setsockopt) => {
        crate::wasi::sock_ext::aotc_wasi_sock_setsockopt
    };
    (sock_getaddrinfo) => {
        crate::wasi::sock_resolve::aotc_wasi_sock_getaddrinfo
    };
}

aotc_abi::for_each_wasi_function!(check_wasi);

macro_rules! check_socket_extension {
    ($( ($status:ident) $name:ident = $symbol:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        $( check_wasi!(@one $status $symbol ($($t),*) $r); )*
    };
}

aotc_abi::for_each_socket_extension_function!(check_socket_extension);

// The non-WASI runtime entry points (`aotc_abi::sym`).
const _: extern "C" fn(u32, u32) -> ! = crate::trap::aotc_rt_trap;
const _: unsafe extern "C" fn(*mut Memory, u64, u64, u32) = crate::memory::aotc_rt_memory_new;
const _: unsafe extern "C" fn(*mut Memory, u64) -> u64 = crate::memory::aotc_rt_memory_grow;
const _: unsafe extern "C" fn(*const u32, u32, i64) -> u32 = crate::wait::aotc_rt_atomic_wait32;
const _: unsafe extern "C" fn(*const u64, u64, i64) -> u32 = crate::wait::aotc_rt_atomic_wait64;
const _: unsafe extern "C" fn(*const u32, u32) -> u32 = crate::wait::aotc_rt_atomic_notify;
const _: unsafe extern "C" fn(*mut Table, u32, u32, usize) = crate::table::aotc_rt_table_new;
const _: unsafe extern "C" fn(*mut Table, usize, u32) -> u32 = crate::table::aotc_rt_table_grow;
const _: unsafe extern "C" fn(*mut Table, u32, usize, u32) -> u32 =
    crate::table::aotc_rt_table_fill;
const _: unsafe extern "C" fn(*mut Table, *mut Table, u32, u32, u32) -> u32 =
    crate::table::aotc_rt_table_copy;
const _: unsafe extern "C" fn(*mut Table, *const usize, u32, u32, u32, u32) -> u32 =
    crate::table::aotc_rt_table_init;
const _: unsafe extern "C" fn(*mut Table) = crate::table::aotc_rt_table_release;
const _: unsafe extern "C" fn(*mut VmCtxHeader, u32, aotc_abi::threads::ThreadEntryFn) -> i32 =
    crate::spawn::aotc_wasi_thread_spawn;
// The `--invoke` entry points (`aotc_abi::invoke::sym_invoke`).
const _: unsafe extern "C" fn(*const u8, *const u8, u32, *mut u8) =
    crate::invoke::aotc_rt_invoke_args;
const _: unsafe extern "C" fn(*const u8, u32, *const u8) = crate::invoke::aotc_rt_invoke_results;
const _: unsafe extern "C" fn(*const u8, u32, u32) -> ! = crate::invoke::aotc_rt_invoke_main_failed;
