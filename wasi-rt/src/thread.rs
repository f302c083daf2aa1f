//! The guest thread: generated code runs on a thread whose stack this module maps
//! itself (sandbox-critical: the guard region is what makes stack exhaustion a trap).
//!
//! Layout of the one mapping, low to high addresses:
//! `[guard GUARD_SIZE, PROT_NONE][stack STACK_SIZE, rw][gap ALT_GAP, PROT_NONE][altstack ALT_SIZE, rw]`.
//! The stack grows down into the guard; a fault there is reported as "call stack
//! exhausted" by the signal handler, which runs on the altstack. The guard's bounds are
//! published (atomics) before the thread starts.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Usable guest stack (glibc keeps its thread descriptor and TLS at the top of it).
pub const STACK_SIZE: usize = 8 << 20;
/// PROT_NONE region below the stack. Generated code must probe frames larger than a
/// page (LLVM `probe-stack`) so no frame can step over it.
pub const GUARD_SIZE: usize = 1 << 20;
/// PROT_NONE gap between the stack and the altstack.
const ALT_GAP: usize = 64 << 10;
/// Signal stack for the fault handler and the backtrace it prints.
const ALT_SIZE: usize = 256 << 10;

/// Lowest and one-past-highest address of the guest stack's guard region.
static GUARD_LO: AtomicUsize = AtomicUsize::new(0);
static GUARD_HI: AtomicUsize = AtomicUsize::new(0);
/// Set once `aotc_instantiate` has returned.
static INSTANTIATED: AtomicBool = AtomicBool::new(false);

/// Whether `addr` is inside the guest stack's guard region (async-signal-safe).
pub fn in_guard(addr: usize) -> bool {
    let lo = GUARD_LO.load(Ordering::Acquire);
    let hi = GUARD_HI.load(Ordering::Acquire);
    lo != 0 && addr >= lo && addr < hi
}

/// Whether instantiation has finished (async-signal-safe).
pub fn instantiated() -> bool {
    INSTANTIATED.load(Ordering::Acquire)
}

extern "C" fn guest_main(alt: *mut c_void) -> *mut c_void {
    let ss = libc::stack_t {
        ss_sp: alt,
        ss_flags: 0,
        ss_size: ALT_SIZE,
    };
    // SAFETY: alt is our own ALT_SIZE rw region, used only by this thread.
    if unsafe { libc::sigaltstack(&ss, core::ptr::null_mut()) } != 0 {
        let e = crate::sys::errno();
        crate::sys::fatal(&[
            b"cannot install the signal stack: ",
            crate::sys::strerror(e),
        ]);
    }
    let Some(image) = crate::image::get() else {
        crate::sys::fatal(&[b"no module image"]);
    };
    // SAFETY: the generated entry points take the generated context (image invariant).
    unsafe {
        (image.instantiate)(image.vmctx);
        INSTANTIATED.store(true, Ordering::Release);
        (image.run_start)(image.vmctx);
    }
    core::ptr::null_mut()
}

/// Maps the guest stack, runs instantiation and `_start` on a new thread and waits for
/// it. Returns when `_start` returns; traps and `proc_exit` end the process instead.
pub fn run_guest() {
    let total = GUARD_SIZE + STACK_SIZE + ALT_GAP + ALT_SIZE;
    // SAFETY: a fresh private mapping; nothing else refers to it.
    let map = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            total,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if map == libc::MAP_FAILED {
        let e = crate::sys::errno();
        crate::sys::fatal(&[b"cannot map the guest stack: ", crate::sys::strerror(e)]);
    }
    let lo = map as usize;
    let stack = lo + GUARD_SIZE;
    let alt = stack + STACK_SIZE + ALT_GAP;
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    // SAFETY: both ranges are inside our mapping.
    let ok = unsafe {
        libc::mprotect(stack as *mut c_void, STACK_SIZE, rw) == 0
            && libc::mprotect(alt as *mut c_void, ALT_SIZE, rw) == 0
    };
    if !ok {
        let e = crate::sys::errno();
        crate::sys::fatal(&[b"cannot map the guest stack: ", crate::sys::strerror(e)]);
    }
    GUARD_LO.store(lo, Ordering::Release);
    GUARD_HI.store(stack, Ordering::Release);

    // SAFETY: standard pthread calls on local storage; the stack region outlives the
    // thread (it is never unmapped).
    unsafe {
        let mut attr = core::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
        libc::pthread_attr_init(attr.as_mut_ptr());
        let r = libc::pthread_attr_setstack(attr.as_mut_ptr(), stack as *mut c_void, STACK_SIZE);
        if r != 0 {
            crate::sys::fatal(&[b"cannot set the guest stack: ", crate::sys::strerror(r)]);
        }
        let mut tid: libc::pthread_t = 0;
        let r = libc::pthread_create(&mut tid, attr.as_ptr(), guest_main, alt as *mut c_void);
        if r != 0 {
            crate::sys::fatal(&[b"cannot start the guest thread: ", crate::sys::strerror(r)]);
        }
        libc::pthread_attr_destroy(attr.as_mut_ptr());
        libc::pthread_join(tid, core::ptr::null_mut());
    }
}
