//! The installed module image (sandbox-critical: the manifest, the context and the
//! entry points of the module the runtime serves all come from here).
//!
//! The runtime reaches the generated module only through one
//! [`aotc_abi::image::ModuleImage`]. In an executable, `linked` builds it
//! from the module's symbols, resolved by the static linker; built as a shared library
//! for `aotc run` (feature `jit-host`), the runtime references no module symbol and is
//! handed the image by aotc (`entry::aotc_rt_jit_main`).
//!
//! Invariant: the image is installed once, by the entry point, before the signal
//! handlers and the guest thread exist, and never changes afterwards; readers
//! (including the fault handler, async-signal-safely) see it through an acquire load.

use aotc_abi::image::ModuleImage;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

struct Slot(UnsafeCell<MaybeUninit<ModuleImage>>);

// SAFETY: written once before any other thread exists (module invariant), read-only
// afterwards.
unsafe impl Sync for Slot {}

static IMAGE: Slot = Slot(UnsafeCell::new(MaybeUninit::uninit()));
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the image. Returns false (and changes nothing) if one is installed already.
///
/// # Safety
/// Single-threaded: before the signal handlers and the guest thread exist. The image's
/// pointers must satisfy the invariants of [`ModuleImage`].
pub unsafe fn install(image: ModuleImage) -> bool {
    if INSTALLED.load(Ordering::Acquire) {
        return false;
    }
    // SAFETY: nothing reads the slot before INSTALLED is set (single-threaded here).
    unsafe { (*IMAGE.0.get()).write(image) };
    INSTALLED.store(true, Ordering::Release);
    true
}

/// The installed image, if any (async-signal-safe).
pub fn get() -> Option<&'static ModuleImage> {
    if INSTALLED.load(Ordering::Acquire) {
        // SAFETY: written before INSTALLED was set and never again.
        Some(unsafe { (*IMAGE.0.get()).assume_init_ref() })
    } else {
        None
    }
}

/// The image of the module this executable was linked with.
#[cfg(not(feature = "jit-host"))]
pub fn linked() -> ModuleImage {
    use aotc_abi::image::EntryFn;
    use aotc_abi::layout::FuncInfo;
    use core::ffi::c_void;

    // Defined by the generated object (names: `aotc_abi::sym`). Referencing the ABI
    // marker makes a runtime/object version mismatch a link error.
    extern "C" {
        static aotc_abi_version_2: u8;
        static aotc_listen_hook: *const c_void;
        static aotc_manifest: [u8; 0];
        static aotc_manifest_len: u32;
        static mut aotc_vmctx: u8;
        static aotc_func_infos: [FuncInfo; 0];
        static aotc_func_info_count: u32;
        fn aotc_instantiate(vmctx: *mut u8);
        fn aotc_run_start(vmctx: *mut u8);
    }
    // The version is in the marker's name, checked by the static linker; its value is
    // not read (hand-written test modules define it as 0).
    core::hint::black_box(&raw const aotc_abi_version_2);
    // SAFETY: the generated object defines every symbol above with these types.
    unsafe {
        ModuleImage {
            abi_version: aotc_abi::ABI_VERSION,
            manifest_len: aotc_manifest_len,
            manifest: (&raw const aotc_manifest).cast(),
            vmctx: &raw mut aotc_vmctx,
            instantiate: aotc_instantiate as EntryFn,
            run_start: aotc_run_start as EntryFn,
            func_infos: (&raw const aotc_func_infos).cast(),
            func_info_count: aotc_func_info_count,
            _pad: 0,
            listen_hook: aotc_listen_hook,
        }
    }
}
