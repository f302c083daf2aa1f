//! The process entry point (sandbox-critical: it turns the embedded manifest into the
//! guest's whole world).
//!
//! `main` decodes the manifest (a corrupt one grants nothing: exit 125), builds the
//! WASI context — argv passed through untouched; environment = the baked pairs, then
//! each allowed host variable that is set, nothing else; stdio as inherited; each
//! granted directory opened O_PATH as guest fd 3, 4, … in manifest order; then each
//! listen address as a listening socket — installs the fault handlers and runs the
//! guest on its own thread. Startup does no work the guest has not asked for.

use alloc::boxed::Box;
use alloc::vec::Vec;
use aotc_abi::manifest::{DirMode, Manifest};
use core::ffi::{c_char, c_int};

use crate::ctx::{self, Ctx};
use crate::fdtable::{FdEntry, FdTable, Kind};
use crate::rights::{self, filetype};
use crate::sys::{fatal, strerror};

pub use crate::sys::STARTUP_ERROR_STATUS;

extern "C" {
    static aotc_abi_version_2: u8;
    /// See `aotc_abi::sym::LISTEN_HOOK`.
    static aotc_listen_hook: Option<unsafe extern "C" fn(*const Manifest, *mut FdTable)>;
    static aotc_manifest: [u8; 0];
    static aotc_manifest_len: u32;
}

/// The embedded manifest bytes.
fn manifest_bytes() -> &'static [u8] {
    // SAFETY: generated code defines `aotc_manifest_len` bytes at `aotc_manifest`.
    unsafe {
        core::slice::from_raw_parts(
            (&raw const aotc_manifest).cast::<u8>(),
            aotc_manifest_len as usize,
        )
    }
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

/// Process entry: see the module documentation.
///
/// # Safety
/// Called by the C runtime with the process's argc/argv.
#[no_mangle]
pub unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // Referencing the marker makes a runtime/object ABI mismatch a link error.
    core::hint::black_box(&raw const aotc_abi_version_2);
    if argc > 0 {
        // SAFETY: argv has argc valid entries.
        crate::sys::set_argv0(unsafe { *argv }.cast());
    }
    let manifest = match Manifest::decode(manifest_bytes()) {
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
                rights::STDIO,
                0,
            ),
        );
    }
    open_preopens(&manifest, &mut fds);
    // SAFETY: the hook, when set, is aotc_rt_open_listeners.
    if let Some(open_listeners) = unsafe { aotc_listen_hook } {
        // SAFETY: valid, exclusive pointers for the call.
        unsafe { open_listeners(&manifest, &mut fds) };
    }
    let env = build_env(&manifest);
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
