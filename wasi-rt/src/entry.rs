//! The process entry point (sandbox-critical: it turns the embedded manifest into the
//! guest's whole world).
//!
//! Two entries share everything after the module image is known: `main` in an
//! executable (image from the linked module, `image::linked`) and, built with
//! the `jit-host` feature as the shared library `aotc run` loads, `aotc_rt_jit_main`
//! (image handed over by aotc). Either one decodes the manifest (a corrupt one grants
//! nothing: exit 125), builds the
//! WASI context — argv passed through untouched; environment = the baked pairs, then
//! each allowed host variable that is set, nothing else; stdio as inherited, with
//! read (stdin) or write (stdout, stderr) and poll rights only (`rights::STDIN`); each
//! granted directory opened O_PATH as guest fd 3, 4, … in manifest order; then each
//! listen address as a listening socket — installs the fault handlers and runs the
//! guest on its own thread. Startup does no work the guest has not asked for.

use alloc::boxed::Box;
use alloc::vec::Vec;
use aotc_abi::image::ModuleImage;
use aotc_abi::manifest::{DirMode, Manifest};
use core::ffi::{c_char, c_int};

use crate::ctx::{self, Ctx};
use crate::fdtable::{FdEntry, FdTable, Kind};
use crate::rights::{self, filetype};
use crate::sys::{fatal, strerror};

pub use crate::sys::STARTUP_ERROR_STATUS;

/// The listener set-up behind `ModuleImage::listen_hook` (`aotc_abi::sym::LISTEN_HOOK`).
type ListenHook = unsafe extern "C" fn(*const Manifest, *mut FdTable);

/// The module's manifest bytes.
fn manifest_bytes(image: &ModuleImage) -> &'static [u8] {
    if image.manifest.is_null() {
        return &[];
    }
    // SAFETY: the image's invariant: `manifest_len` bytes at `manifest`, alive for the
    // whole process.
    unsafe { core::slice::from_raw_parts(image.manifest, image.manifest_len as usize) }
}

/// Makes sure host fds 0, 1 and 2 are open (on /dev/null if not), so that nothing the
/// runtime opens later can be mistaken for stdio.
fn ensure_stdio() {
    for fd in 0..3 {
        // SAFETY: fcntl/open on plain integers.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1 && crate::sys::errno() == libc::EBADF {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
    }
}

fn nul_terminated(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s.as_bytes());
    v.push(0);
    v
}

/// The guest's environment: baked pairs first, then allowed host variables that are set.
fn build_env(m: &Manifest) -> Vec<Vec<u8>> {
    let mut env = Vec::with_capacity(m.env.len() + m.allow_env.len());
    for (k, v) in &m.env {
        let mut e = Vec::with_capacity(k.len() + v.len() + 1);
        e.extend_from_slice(k.as_bytes());
        e.push(b'=');
        e.extend_from_slice(v.as_bytes());
        env.push(e);
    }
    for name in &m.allow_env {
        let cname = nul_terminated(name);
        // SAFETY: cname is NUL-terminated; getenv's result is read before any setenv.
        let val = unsafe { libc::getenv(cname.as_ptr().cast()) };
        if val.is_null() {
            continue;
        }
        // SAFETY: getenv returns a NUL-terminated string.
        let val = unsafe { crate::sys::cstr_bytes(val.cast()) };
        let mut e = Vec::with_capacity(name.len() + val.len() + 1);
        e.extend_from_slice(name.as_bytes());
        e.push(b'=');
        e.extend_from_slice(val);
        env.push(e);
    }
    env
}

/// Opens every granted directory as guest fds 3, 4, …; exits 125 if one cannot be.
fn open_preopens(m: &Manifest, fds: &mut FdTable) {
    for (i, d) in m.dirs.iter().enumerate() {
        let host = nul_terminated(&d.host);
        // SAFETY: host is NUL-terminated.
        let fd = unsafe {
            libc::open(
                host.as_ptr().cast(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let e = crate::sys::errno();
            fatal(&[
                b"cannot open granted directory '",
                d.host.as_bytes(),
                b"' (seen by the module as '",
                d.guest.as_bytes(),
                b"'): ",
                strerror(e),
            ]);
        }
        let (base, inheriting) = match d.mode {
            DirMode::ReadOnly => (rights::DIR_RO_BASE, rights::DIR_RO_INHERITING),
            DirMode::ReadWrite => (rights::DIR_RW_BASE, rights::DIR_RW_INHERITING),
        };
        let mut e = FdEntry::new(fd, Kind::Dir, filetype::DIRECTORY, base, inheriting);
        e.preopen = Some(Box::from(d.guest.as_bytes()));
        fds.set(3 + i as u32, e);
    }
}

/// Opens every listen grant as a listening socket after the directories. Reached only
/// through `aotc_listen_hook`, which generated code sets when the manifest grants
/// sockets, so executables without a socket grant carry no socket code.
///
/// # Safety
/// Both pointers are valid and exclusive for the call.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_open_listeners(m: *const Manifest, fds: *mut FdTable) {
    // SAFETY: see the function contract.
    let (m, fds) = unsafe { (&*m, &mut *fds) };
    let first = 3 + m.dirs.len() as u32;
    for (i, addr) in m.listen.iter().enumerate() {
        match crate::wasi::sock::listen(addr) {
            Ok(fd) => {
                let e = FdEntry::new(
                    fd,
                    Kind::Listener,
                    filetype::SOCKET_STREAM,
                    rights::LISTENER,
                    rights::SOCKET,
                );
                fds.set(first + i as u32, e);
            }
            Err(Some(e)) => fatal(&[b"cannot listen on '", addr.as_bytes(), b"': ", strerror(e)]),
            Err(None) => fatal(&[
                b"cannot listen on '",
                addr.as_bytes(),
                b"': not an IP address and port",
            ]),
        }
    }
}

/// Process entry of an executable: see the module documentation.
///
/// # Safety
/// Called by the C runtime with the process's argc/argv.
#[cfg(not(feature = "jit-host"))]
#[no_mangle]
pub unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    if argc > 0 {
        // SAFETY: argv has argc valid entries.
        crate::sys::set_argv0(unsafe { *argv }.cast());
    }
    // SAFETY: once, from the process entry, with the process's arguments.
    unsafe { start(argc, argv, crate::image::linked()) }
}

/// Entry of the runtime as a shared library, called by `aotc run` with a module it
/// JIT-compiled (`aotc_abi::image::JitMainFn` describes the arguments). Runs the
/// module exactly as an executable's `main` would.
///
/// # Safety
/// `argv` has `argc` NUL-terminated entries and `prog` is NUL-terminated, all alive
/// for the rest of the process; `image` points to a valid [`ModuleImage`]. Called once
/// per process, from a single thread.
#[cfg(feature = "jit-host")]
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_jit_main(
    argc: c_int,
    argv: *const *const c_char,
    image: *const ModuleImage,
    prog: *const c_char,
) -> c_int {
    crate::sys::set_argv0(prog.cast());
    if image.is_null() {
        fatal(&[b"no module image"]);
    }
    // SAFETY: see the function contract.
    unsafe { start(argc, argv, *image) }
}

/// Everything after the image is known: manifest, context, handlers, the guest.
///
/// # Safety
/// `argv` has `argc` valid entries for the rest of the process; the image satisfies
/// its invariants. Single-threaded, once.
unsafe fn start(argc: c_int, argv: *const *const c_char, image: ModuleImage) -> c_int {
    if image.abi_version != aotc_abi::ABI_VERSION {
        let mut a = [0u8; 20];
        let mut b = [0u8; 20];
        fatal(&[
            b"the module was generated for runtime ABI version ",
            crate::sys::fmt_u64(u64::from(image.abi_version), &mut a),
            b", this runtime has version ",
            crate::sys::fmt_u64(u64::from(aotc_abi::ABI_VERSION), &mut b),
        ]);
    }
    // SAFETY: single-threaded, before the handlers and the guest thread (contract).
    if !unsafe { crate::image::install(image) } {
        fatal(&[b"the runtime was started twice"]);
    }
    let manifest = match Manifest::decode(manifest_bytes(&image)) {
        Ok(m) => m,
        Err(_) => fatal(&[b"corrupt capability manifest"]),
    };

    ensure_stdio();
    // WASI has no signals: writing to a closed pipe or socket is the errno EPIPE for
    // the guest to handle, not the death of the process (as in Wasmtime).
    // SAFETY: ignoring SIGPIPE has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let mut fds = FdTable::default();
    for fd in 0..3 {
        fds.set(
            fd,
            FdEntry::new(
                fd as c_int,
                Kind::Stdio,
                filetype::UNKNOWN,
                if fd == 0 {
                    rights::STDIN
                } else {
                    rights::STDOUT
                },
                0,
            ),
        );
    }
    open_preopens(&manifest, &mut fds);
    if !image.listen_hook.is_null() {
        // SAFETY: a non-null hook is the address of aotc_rt_open_listeners (see
        // `aotc_abi::sym::LISTEN_HOOK`), whose type is `ListenHook`.
        let open_listeners: ListenHook = unsafe { core::mem::transmute(image.listen_hook) };
        // SAFETY: valid, exclusive pointers for the call.
        unsafe { open_listeners(&manifest, &mut fds) };
    }
    let env = build_env(&manifest);
    crate::spawn::set_limit(manifest.max_threads);
    drop(manifest);

    // SAFETY: once, before the guest thread exists.
    unsafe {
        ctx::install(Ctx {
            argc: argc.max(0) as usize,
            argv,
            env,
            fds,
        });
    }
    crate::signals::install();
    crate::thread::run_guest();
    0
}
