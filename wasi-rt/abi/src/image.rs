//! The module image (sandbox-critical: it tells the runtime where the module's
//! manifest, context and entry points are): one struct of pointers through which the
//! runtime reaches everything the generated module defines.
//!
//! In an executable, the runtime's `main` fills it from the module's symbols
//! ([`crate::sym`]), resolved by the static linker. When `aotc run` JIT-compiles a
//! module, the runtime is a shared library that references no module symbol at all;
//! aotc fills the image from the JIT-compiled module's globals and functions and
//! passes it to [`crate::sym::JIT_MAIN`]. Either way the runtime reads the module only
//! through this struct, so both paths run the same runtime code.
//!
//! Invariants: every pointer is valid for the whole process (the module's code and
//! data are never freed while the runtime runs); `manifest` has `manifest_len` bytes;
//! `func_infos` has `func_info_count` entries; `abi_version` is the module's
//! [`crate::ABI_VERSION`], which the runtime compares with its own before using
//! anything else (in an executable the static linker has already checked it through
//! the name of [`crate::sym::ABI_VERSION_MARKER`]; aotc reads the marker's value from
//! the JIT-compiled module).

use crate::layout::FuncInfo;
use core::ffi::c_void;

/// A generated entry point: `aotc_instantiate` or `aotc_run_start`.
pub type EntryFn = unsafe extern "C" fn(vmctx: *mut u8);

/// Where the runtime finds the generated module (see the module documentation).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ModuleImage {
    /// The ABI version the module was generated for.
    pub abi_version: u32,
    /// Length of [`ModuleImage::manifest`] in bytes.
    pub manifest_len: u32,
    /// The encoded capability manifest ([`crate::manifest`]).
    pub manifest: *const u8,
    /// The module's context ([`crate::sym::VMCTX`]).
    pub vmctx: *mut u8,
    /// [`crate::sym::INSTANTIATE`].
    pub instantiate: EntryFn,
    /// [`crate::sym::RUN_START`].
    pub run_start: EntryFn,
    /// [`crate::sym::FUNC_INFOS`].
    pub func_infos: *const FuncInfo,
    /// Entries in [`ModuleImage::func_infos`].
    pub func_info_count: u32,
    pub _pad: u32,
    /// The value of [`crate::sym::LISTEN_HOOK`]: the runtime's listener set-up when
    /// the manifest grants sockets, else null. Its signature is private to the runtime.
    pub listen_hook: *const c_void,
}

/// The runtime library's entry for `aotc run` ([`crate::sym::JIT_MAIN`]):
/// `argc`/`argv` are the guest's arguments (argv\[0\] included, NUL-terminated, alive
/// for the whole process), `image` the module, `prog` a NUL-terminated name that
/// prefixes the runtime's start-up errors. Returns the exit status when `_start`
/// returns; `proc_exit`, traps and start-up errors end the process instead.
pub type JitMainFn = unsafe extern "C" fn(
    argc: core::ffi::c_int,
    argv: *const *const core::ffi::c_char,
    image: *const ModuleImage,
    prog: *const core::ffi::c_char,
) -> core::ffi::c_int;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_layout_is_fixed() {
        assert_eq!(core::mem::size_of::<ModuleImage>(), 64);
        assert_eq!(core::mem::offset_of!(ModuleImage, listen_hook), 56);
    }
}
