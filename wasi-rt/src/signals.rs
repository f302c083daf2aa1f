//! SIGSEGV/SIGBUS handling (sandbox-critical): turns faults of generated code into wasm
//! traps and leaves every other fault fatal.
//!
//! A fault whose address lies in a linear-memory reservation is "out of bounds memory
//! access"; one in the guest stack's guard region (or with the stack pointer there) is
//! "call stack exhausted". Anything else — a runtime bug, a signal sent by another
//! process — gets the default action back and is re-delivered, so it still crashes
//! loudly instead of passing for a wasm trap. The handler runs on the guest thread's
//! altstack and calls only async-signal-safe code.

use aotc_abi::trap::TrapCode;
use core::ffi::{c_int, c_void};

extern "C" fn on_fault(sig: c_int, info: *mut libc::siginfo_t, uctx: *mut c_void) {
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to SA_SIGINFO
    // handlers.
    let (code, addr, pc, sp) = unsafe {
        let uc = &*(uctx as *const libc::ucontext_t);
        (
            (*info).si_code,
            (*info).si_addr() as usize,
            uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
            uc.uc_mcontext.gregs[libc::REG_RSP as usize] as usize,
        )
    };
    // Only faults the kernel raised for an access (si_code > 0) can be traps.
    if code > 0 {
        let trap = if crate::memory::in_reservation(addr) {
            Some(TrapCode::OutOfBoundsMemory)
        } else if crate::thread::in_guard(addr) || crate::thread::in_guard(sp) {
            Some(TrapCode::StackExhausted)
        } else {
            None
        };
        if let Some(t) = trap {
            crate::trap::report(t as u32, crate::trap::Where::Pc(pc));
        }
    }
    // Not ours: restore the default action; the faulting instruction re-executes and
    // kills the process, and a sent signal is re-raised (it is blocked until we return).
    // SAFETY: signal/raise are async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        if code <= 0 {
            libc::raise(sig);
        }
    }
}

/// Installs the SIGSEGV and SIGBUS handlers (SA_SIGINFO | SA_ONSTACK).
pub fn install() {
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: a zeroed sigaction is valid; we fill handler, flags and an empty mask.
        unsafe {
            let mut sa: libc::sigaction = core::mem::zeroed();
            sa.sa_sigaction = on_fault as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, core::ptr::null_mut()) != 0 {
                let e = crate::sys::errno();
                crate::sys::fatal(&[
                    b"cannot install the fault handler: ",
                    crate::sys::strerror(e),
                ]);
            }
        }
    }
}
