//! The process-wide WASI context: arguments, environment and the fd table.
//!
//! Invariants: it is written once by `main` before any guest thread starts. From then
//! on the arguments and environment are only read ([`ctx`] hands out shared
//! references), and the fd table — which guest threads (wasi-threads) may use at the
//! same time — is reached only through [`lock_fds`], whose guard holds one
//! process-wide mutex: no two borrows of the table ever coexist, and no thread sees
//! it half-updated. WASI calls never re-enter each other, so a call takes the lock at
//! most once at a time; callers drop the guard before anything that may block (a read
//! on a pipe, a poll), so one blocked thread never stalls the others' I/O.

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
    /// Only through [`lock_fds`].
    pub fds: FdTable,
}

struct Slot(UnsafeCell<MaybeUninit<Ctx>>);

// SAFETY: see the module invariants: one writer before the guest threads start; then
// shared reads of the arguments and environment, and the fd table under FDS_LOCK.
unsafe impl Sync for Slot {}

static CTX: Slot = Slot(UnsafeCell::new(MaybeUninit::uninit()));

struct Lock(UnsafeCell<libc::pthread_mutex_t>);

// SAFETY: a pthread mutex is made to be shared between threads.
unsafe impl Sync for Lock {}

static FDS_LOCK: Lock = Lock(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER));

/// Installs the context (called once by `main`, before the guest thread exists).
///
/// # Safety
/// Must be called exactly once, before any WASI function runs.
pub unsafe fn install(c: Ctx) {
    // SAFETY: single-threaded at this point (module invariant).
    unsafe { (*CTX.0.get()).write(c) };
}

/// The context, for its arguments and environment (read-only).
///
/// # Safety
/// Only after [`install`]. Do not read `fds` through it: use [`lock_fds`].
pub unsafe fn ctx() -> &'static Ctx {
    // SAFETY: installed before the guest threads started (module invariant).
    unsafe { (*CTX.0.get()).assume_init_ref() }
}

/// Exclusive access to the fd table until dropped.
pub struct FdsGuard {
    table: *mut FdTable,
}

/// Locks the fd table (after [`install`], i.e. from WASI functions).
pub fn lock_fds() -> FdsGuard {
    // SAFETY: a statically initialised mutex, unlocked by the guard's drop only.
    unsafe { libc::pthread_mutex_lock(FDS_LOCK.0.get()) };
    // SAFETY: installed before any guest thread (module invariant); the pointer is
    // formed without a reference to the whole context.
    let table = unsafe { &raw mut (*(*CTX.0.get()).as_mut_ptr()).fds };
    FdsGuard { table }
}

impl core::ops::Deref for FdsGuard {
    type Target = FdTable;
    fn deref(&self) -> &FdTable {
        // SAFETY: the lock is held for the guard's life.
        unsafe { &*self.table }
    }
}

impl core::ops::DerefMut for FdsGuard {
    fn deref_mut(&mut self) -> &mut FdTable {
        // SAFETY: the lock is held for the guard's life; `&mut self` is unique.
        unsafe { &mut *self.table }
    }
}

impl Drop for FdsGuard {
    fn drop(&mut self) {
        // SAFETY: locked by lock_fds for this guard.
        unsafe { libc::pthread_mutex_unlock(FDS_LOCK.0.get()) };
    }
}
