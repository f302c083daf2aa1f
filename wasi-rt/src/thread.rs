//! Guest threads: generated code runs only on threads whose stacks this module maps
//! itself (sandbox-critical: the guard region is what makes stack exhaustion a trap).
//! The main guest thread runs instantiation and `_start`; wasi-threads adds more
//! (`spawn`), each on a stack of the same shape.
//!
//! Layout of one [`GuestStack`] mapping, low to high addresses:
//! `[guard GUARD_SIZE, PROT_NONE][stack STACK_SIZE, rw][gap ALT_GAP, PROT_NONE][altstack ALT_SIZE, rw]`.
//! The stack grows down into the guard; a fault there is reported as "call stack
//! exhausted" by the signal handler, which runs on the faulting thread's altstack.
//! The altstack's first [`ALT_HEADER`] bytes (below what is handed to `sigaltstack`)
//! record the guard's bounds, so the handler finds the faulting thread's guard from
//! its own signal stack, whatever the number of threads, without locks.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, Ordering};

/// Usable guest stack (glibc keeps its thread descriptor and TLS at the top of it).
pub const STACK_SIZE: usize = 8 << 20;
/// PROT_NONE region below the stack. Generated code must probe frames larger than a
/// page (LLVM `probe-stack`) so no frame can step over it.
pub const GUARD_SIZE: usize = 1 << 20;
/// PROT_NONE gap between the stack and the altstack.
const ALT_GAP: usize = 64 << 10;
/// Signal stack for the fault handler and the backtrace it prints.
const ALT_SIZE: usize = 256 << 10;
/// Bytes at the bottom of the altstack region holding the guard bounds
/// (`[lo, hi]` as two usizes); the signal stack proper is the rest.
const ALT_HEADER: usize = 64;
/// The whole mapping.
const TOTAL: usize = GUARD_SIZE + STACK_SIZE + ALT_GAP + ALT_SIZE;

/// Set once the main instance's `aotc_instantiate` has returned.
static INSTANTIATED: AtomicBool = AtomicBool::new(false);

/// Whether `addr` is inside the guard region of the calling thread's guest stack
/// (async-signal-safe: one `sigaltstack` query and two loads).
pub fn in_guard(addr: usize) -> bool {
    let mut ss = core::mem::MaybeUninit::<libc::stack_t>::uninit();
    // SAFETY: querying the current signal stack into local storage.
    if unsafe { libc::sigaltstack(core::ptr::null(), ss.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: filled by the successful call.
    let ss = unsafe { ss.assume_init() };
    // Only a signal stack of our shape has our header below it.
    if ss.ss_flags & libc::SS_DISABLE != 0 || ss.ss_size != ALT_SIZE - ALT_HEADER {
        return false;
    }
    let header = (ss.ss_sp as usize - ALT_HEADER) as *const usize;
    // SAFETY: the header lies in the same rw region, written before the thread ran.
    let (lo, hi) = unsafe { (header.read(), header.add(1).read()) };
    addr >= lo && addr < hi
}

/// Whether the main instance's instantiation has finished (async-signal-safe).
pub fn instantiated() -> bool {
    INSTANTIATED.load(Ordering::Acquire)
}

/// One guest thread's stack, guard and signal stack (see the module documentation).
pub struct GuestStack {
    /// Start of the mapping ([`TOTAL`] bytes).
    map: usize,
}

impl GuestStack {
    /// Maps a fresh stack and records its guard bounds; the errno on failure.
    pub fn map() -> Result<GuestStack, i32> {
        let map = crate::sys::map_anonymous(TOTAL, libc::PROT_NONE)?;
        let s = GuestStack { map: map as usize };
        let rw = libc::PROT_READ | libc::PROT_WRITE;
        // SAFETY: both ranges are inside our mapping.
        let ok = unsafe {
            libc::mprotect(s.stack() as *mut c_void, STACK_SIZE, rw) == 0
                && libc::mprotect(s.alt() as *mut c_void, ALT_SIZE, rw) == 0
        };
        if !ok {
            let e = crate::sys::errno();
            // SAFETY: the mapping is ours and unused.
            unsafe { s.unmap() };
            return Err(e);
        }
        let header = s.alt() as *mut usize;
        // SAFETY: the header is the start of the rw altstack region.
        unsafe {
            header.write(s.map);
            header.add(1).write(s.stack());
        }
        Ok(s)
    }

    /// Lowest address of the usable stack.
    fn stack(&self) -> usize {
        self.map + GUARD_SIZE
    }

    /// Start of the altstack region (its header first).
    fn alt(&self) -> usize {
        self.stack() + STACK_SIZE + ALT_GAP
    }

    /// Unmaps the stack.
    ///
    /// # Safety
    /// No thread runs on it any more (its thread has been joined).
    pub unsafe fn unmap(self) {
        // SAFETY: guaranteed by the caller.
        unsafe { libc::munmap(self.map as *mut c_void, TOTAL) };
    }

    /// Starts a joinable thread running `main(arg)` on this stack.
    ///
    /// # Safety
    /// `arg` is what `main` expects, valid for as long as the thread uses it; the
    /// stack is not unmapped before the thread has been joined.
    pub unsafe fn start(
        &self,
        main: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> Result<libc::pthread_t, i32> {
        // SAFETY: standard pthread calls on local storage; the stack outlives the
        // thread (the caller unmaps it only after joining).
        unsafe {
            let mut attr = core::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
            libc::pthread_attr_init(attr.as_mut_ptr());
            let r = libc::pthread_attr_setstack(
                attr.as_mut_ptr(),
                self.stack() as *mut c_void,
                STACK_SIZE,
            );
            let mut tid: libc::pthread_t = 0;
            let r = if r == 0 {
                libc::pthread_create(&mut tid, attr.as_ptr(), main, arg)
            } else {
                r
            };
            libc::pthread_attr_destroy(attr.as_mut_ptr());
            if r == 0 {
                Ok(tid)
            } else {
                Err(r)
            }
        }
    }

    /// The signal-stack descriptor a thread on this stack installs.
    fn signal_stack(&self) -> libc::stack_t {
        libc::stack_t {
            ss_sp: (self.alt() + ALT_HEADER) as *mut c_void,
            ss_flags: 0,
            ss_size: ALT_SIZE - ALT_HEADER,
        }
    }
}

/// Installs `stack`'s signal stack for the calling thread (which runs on `stack`), so
/// its faults become traps.
pub fn enter(stack: &GuestStack) {
    let ss = stack.signal_stack();
    // SAFETY: the region is ours, rw, and used only by this thread.
    if unsafe { libc::sigaltstack(&ss, core::ptr::null_mut()) } != 0 {
        let e = crate::sys::errno();
        crate::sys::fatal(&[
            b"cannot install the signal stack: ",
            crate::sys::strerror(e),
        ]);
    }
}

/// Removes the calling thread's signal stack (before its stack is given up).
pub fn leave() {
    let ss = libc::stack_t {
        ss_sp: core::ptr::null_mut(),
        ss_flags: libc::SS_DISABLE,
        ss_size: 0,
    };
    // SAFETY: disabling the signal stack has no preconditions.
    unsafe { libc::sigaltstack(&ss, core::ptr::null_mut()) };
}

extern "C" fn guest_main(stack: *mut c_void) -> *mut c_void {
    // SAFETY: run_guest passes its GuestStack, alive until this thread is joined.
    enter(unsafe { &*(stack as *const GuestStack) });
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
/// it. Returns when `_start` returns (threads it spawned end with the process); traps
/// and `proc_exit` end the process instead.
pub fn run_guest() {
    let stack = GuestStack::map().unwrap_or_else(|e| {
        crate::sys::fatal(&[b"cannot map the guest stack: ", crate::sys::strerror(e)])
    });
    let arg = &stack as *const GuestStack as *mut c_void;
    // SAFETY: guest_main takes the GuestStack, alive (and mapped) until the join.
    let thread = unsafe { stack.start(guest_main, arg) }.unwrap_or_else(|e| {
        crate::sys::fatal(&[b"cannot start the guest thread: ", crate::sys::strerror(e)])
    });
    // SAFETY: a thread we created and join once.
    unsafe { libc::pthread_join(thread, core::ptr::null_mut()) };
}
