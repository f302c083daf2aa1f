//! The process-wide WASI context: arguments, environment and the fd table.
//!
//! Invariant: it is written once by `main` before the guest thread starts and from then
//! on touched only by the guest thread (WASI calls run on it, one at a time, never
//! re-entering each other), so handing out `&mut` through [`ctx`] cannot alias.

use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::ffi::c_char;
use core::mem::MaybeUninit;

use crate::fdtable::FdTable;

/// Everything WASI functions share.
pub struct Ctx {
    /// The process argv, passed through untouched.
    pub argc: usize,
    pub argv: *const *const c_char,
    /// The guest's environment, each `KEY=VALUE` without a NUL.
    pub env: Vec<Vec<u8>>,
    pub fds: FdTable,
}

struct Slot(UnsafeCell<MaybeUninit<Ctx>>);

// SAFETY: see the module invariant: one writer before the guest thread starts, then
// only the guest thread.
unsafe impl Sync for Slot {}

static CTX: Slot = Slot(UnsafeCell::new(MaybeUninit::uninit()));

/// Installs the context (called once by `main`, before the guest thread exists).
///
/// # Safety
/// Must be called exactly once, before any WASI function runs.
pub unsafe fn install(c: Ctx) {
    // SAFETY: single-threaded at this point (module invariant).
    unsafe { (*CTX.0.get()).write(c) };
}

/// The context.
///
/// # Safety
/// Only from WASI functions on the guest thread after [`install`]; callers must not
/// hold two results at once.
#[allow(clippy::mut_from_ref)]
pub unsafe fn ctx() -> &'static mut Ctx {
    // SAFETY: installed before the guest thread started (module invariant).
    unsafe { (*CTX.0.get()).assume_init_mut() }
}
