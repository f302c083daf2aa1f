//! wasi-rt: the static runtime linked into every executable `aotc` produces.
//!
//! It provides the process entry point (`main`), linear memories and tables for
//! generated code, traps (with the signal handlers that turn faults into wasm traps),
//! and every WASI preview1 function marked `ready` in the `aotc-abi` contract, each as
//! its own `aotc_wasi_<name>` symbol so the linker drops the ones a module does not use.
//! Executables whose entry is an export (`aotc --invoke`) also get the argument
//! parsing and result printing of [`invoke`], linked only when called.
//!
//! Invariants kept crate-wide:
//! - no code path panics on guest input; a guest mistake is an errno, a trap or an exit;
//! - guest memory is only touched through [`guest`], which bounds-checks every range;
//! - host file-system access happens only beneath a granted directory, through
//!   [`paths`], and only as far as the rights in the fd table ([`fdtable`]) allow;
//! - the trap and signal paths ([`trap`], [`signals`]) are async-signal-safe.
//!
//! # Linking (what `aotc` must do)
//! `cc -o tool module.o libwasi_rt.a -static-libgcc -Wl,--gc-sections` (gcc or clang;
//! `-static` also works). `-static-libgcc` links libgcc's unwinder (`_Unwind_Backtrace`)
//! statically instead of depending on libgcc_s.so; `--gc-sections` drops every WASI
//! function the module does not import. No other library is needed (glibc ≥ 2.34 has
//! pthreads in libc). `wasi-rt/selftest/run.sh` checks this link line.
//!
//! # As a shared library (`aotc run`)
//! With the cargo feature `jit-host` the same code is built as a `cdylib` (build.rs
//! does `cargo rustc --crate-type cdylib --features jit-host`): no `main`, no reference
//! to any module symbol; the entry `aotc_rt_jit_main` takes the module's
//! [`image::ModuleImage`](aotc_abi::image::ModuleImage) instead. aotc loads the library,
//! binds the JIT-compiled module's runtime calls to it and calls that entry.
//!
//! Generated functions must carry `uwtable` (they are `nounwind`, and without it LLVM
//! emits no `.eh_frame` entry, so trap backtraces come out empty) and should carry
//! `"probe-stack"="inline-asm"` so no frame can step over the stack guard; each
//! `FuncInfo::code` must be the function's entry address (its FDE start), which is how
//! backtrace frames are recognised as wasm frames.
#![no_std]

extern crate alloc;

pub mod contract;
pub mod ctx;
pub mod entry;
pub mod errno;
pub mod fdtable;
pub mod guest;
pub mod heap;
pub mod image;
pub mod invoke;
pub mod net;
pub mod paths;
pub mod rights;
pub mod signals;
pub mod spawn;
pub mod thread;
pub mod trap;
pub mod wasi;

pub use aotc_rt_core::{exn, memory, sys, table, wait};

#[global_allocator]
static ALLOCATOR: heap::LibcAlloc = heap::LibcAlloc;

/// The precompiled `alloc`/`core` objects carry unwind tables that name Rust's
/// personality routine. This archive never unwinds (panic = abort, and generated code
/// and C frames have no Rust landing pads), so the routine is only ever a link-time
/// reference; if anything did call it, aborting is the only correct answer.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {
    // SAFETY: abort has no preconditions.
    unsafe { libc::abort() }
}

/// A runtime bug, never a guest mistake: say so on one line and abort.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    sys::write_str(2, "wasi-rt: internal error: panic");
    if let Some(loc) = info.location() {
        sys::write_str(2, " at ");
        sys::write_str(2, loc.file());
        sys::write_str(2, ":");
        sys::write_u64(2, u64::from(loc.line()));
    }
    sys::write_str(2, "\n");
    // SAFETY: abort is always safe to call and does not return.
    unsafe { libc::abort() }
}
