//! The runtime as a shared library, for `aotc run` (sandbox-critical: every WASI call,
//! capability check and trap of a JIT-run module goes to the code loaded here).
//!
//! `build.rs` builds `wasi-rt` a second time with its `jit-host` feature as a shared
//! library and packs it into aotc ([`crate::RUNTIME_JIT_LIB`]); [`RuntimeLib::load`]
//! writes those bytes to an anonymous memory file (`memfd_create`; a temporary file
//! when the kernel lacks it) and `dlopen`s it. It is the same crate, from the same
//! source tree and build, as the archive linked into executables.
//!
//! Invariants:
//! - The library is opened `RTLD_LOCAL` and never closed: its symbols are found only
//!   through [`RuntimeLib::symbol`] (aotc binds the JIT-compiled module's runtime calls
//!   to them explicitly), so no other definition in the process — aotc links its own
//!   copy of the memory and table code for `aotc::jit` — can be picked by mistake, and
//!   the code stays mapped for the rest of the process.
//! - Nothing is left on disk: the memory file is closed once loaded, a fallback
//!   temporary file is removed right after `dlopen`.

use std::ffi::{c_void, CStr, CString};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::diag::{Diag, Result};

/// A loaded runtime library (kept loaded until the process ends).
pub struct RuntimeLib {
    handle: *mut c_void,
}

impl RuntimeLib {
    /// Loads the runtime library packed into aotc.
    pub fn load() -> Result<RuntimeLib> {
        let handle = match load_from_memfd() {
            Ok(h) => h,
            Err(first) => load_from_temp_file()
                .map(|(handle, _removed)| handle)
                .map_err(|second| {
                    Diag::new(format!(
                        "cannot load aotc's runtime library: {first}; {second}"
                    ))
                })?,
        };
        Ok(RuntimeLib { handle })
    }

    /// Address of the library's exported symbol `name`, if it has one.
    pub fn symbol(&self, name: &str) -> Option<usize> {
        let cname = CString::new(name).ok()?;
        // SAFETY: a live handle from dlopen and a NUL-terminated name.
        let addr = unsafe { libc::dlsym(self.handle, cname.as_ptr()) };
        (!addr.is_null()).then_some(addr as usize)
    }
}

/// `memfd_create` + `dlopen("/proc/self/fd/N")`: no file system involved.
fn load_from_memfd() -> std::result::Result<*mut c_void, String> {
    // The code is mapped executable from it: say so (MFD_EXEC, Linux 6.3+; older
    // kernels refuse the flag, and every memfd is executable there).
    let create = |flags| {
        // SAFETY: a NUL-terminated name and plain flags.
        unsafe { libc::memfd_create(c"aotc-wasi-rt".as_ptr(), flags) }
    };
    let mut fd = create(libc::MFD_CLOEXEC | libc::MFD_EXEC);
    if fd < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        fd = create(libc::MFD_CLOEXEC);
    }
    if fd < 0 {
        return Err(format!("memfd_create: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: fd is a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut file = std::fs::File::from(fd);
    file.write_all(crate::RUNTIME_JIT_LIB)
        .map_err(|e| format!("writing the memory file: {e}"))?;
    let path = format!("/proc/self/fd/{}", file.as_raw_fd());
    open(&path)
}

/// The fallback: a temporary file, removed once loaded (its path is returned).
fn load_from_temp_file() -> std::result::Result<(*mut c_void, std::path::PathBuf), String> {
    let mut file = tempfile::Builder::new()
        .prefix("aotc-wasi-rt-")
        .suffix(".so")
        .tempfile()
        .map_err(|e| format!("creating a temporary file: {e}"))?;
    file.write_all(crate::RUNTIME_JIT_LIB)
        .and_then(|()| file.flush())
        .map_err(|e| format!("writing {}: {e}", file.path().display()))?;
    let path = file.path().to_path_buf();
    let handle = open(&path.to_string_lossy())?;
    // Removing the file leaves the mapping.
    drop(file);
    Ok((handle, path))
}

fn open(path: &str) -> std::result::Result<*mut c_void, String> {
    let cpath = CString::new(path).map_err(|_| "path with a NUL byte".to_string())?;
    // SAFETY: a NUL-terminated path; loading runs only the library's (empty) static
    // initialisers.
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        // SAFETY: dlerror returns null or a NUL-terminated message.
        let why = unsafe {
            let e = libc::dlerror();
            if e.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(e).to_string_lossy().into_owned()
            }
        };
        return Err(format!("dlopen: {why}"));
    }
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_exports_the_runtime() {
        let lib = RuntimeLib::load().unwrap();
        for name in [
            aotc_abi::sym::JIT_MAIN,
            aotc_abi::sym::TRAP,
            aotc_abi::sym::MEMORY_NEW,
            aotc_abi::sym::MEMORY_GROW,
            aotc_abi::sym::TABLE_NEW,
            aotc_abi::sym::OPEN_LISTENERS,
        ] {
            assert!(lib.symbol(name).is_some(), "{name} missing");
        }
        for f in aotc_abi::wasi::all_functions() {
            let name = format!("{}{}", aotc_abi::sym::WASI_PREFIX, f.symbol);
            assert!(lib.symbol(&name).is_some(), "{name} missing");
        }
        // The executable entry is not built into the library.
        assert!(lib.symbol("main").is_none());
        assert!(lib.symbol("aotc_no_such_symbol").is_none());
    }

    #[test]
    fn the_temporary_file_fallback_loads_and_cleans_up() {
        let (handle, path) = load_from_temp_file().unwrap();
        let lib = RuntimeLib { handle };
        assert!(lib.symbol(aotc_abi::sym::JIT_MAIN).is_some());
        assert!(!path.exists(), "{} left behind", path.display());
    }
}
