//! Wasm traps: the message, the function, a backtrace of wasm function names, then
//! exit status 134. Reached from generated code (`aotc_rt_trap`) and from the fault
//! handler, so everything here is async-signal-safe: write(2) and stack buffers only,
//! no allocation, no locks of ours.
//!
//! Function names come from the module's name section, so they are untrusted: they
//! are printed escaped (see `write_escaped`), never raw.
//!
//! An uncaught wasm exception is reported the same way, its first line
//! `wasm exception: uncaught exception (tag N)` (see `aotc_rt_throw`).
//!
//! Output on stderr:
//! ```text
//! wasm trap: <TrapCode::message()>
//!   in wasm function <name>            (or: "  during module instantiation")
//! wasm backtrace:
//!   #0 <name>
//!   #1 <name>
//! ```
//! Frames are found with the libgcc unwinder (`_Unwind_Backtrace`, needs the generated
//! code's `.eh_frame`); a frame is a wasm frame when its FDE starts exactly at some
//! `FuncInfo::code`, so runtime and libc frames are skipped without guessing.

use aotc_abi::layout::FuncInfo;
use aotc_abi::trap::{TrapCode, TRAP_EXIT_STATUS};
use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicI32, Ordering};

use crate::sys::{write_bytes, write_str, write_u64};

// The unwinder: libgcc's, linked statically into executables (`-static-libgcc`); the
// shared library `aotc run` loads uses the process's libgcc_s, the same unwinder LLVM's
// JIT registers the generated code's `.eh_frame` with.
#[cfg_attr(feature = "jit-host", link(name = "gcc_s"))]
extern "C" {
    fn _Unwind_Backtrace(
        trace: extern "C" fn(ctx: *mut c_void, arg: *mut c_void) -> c_int,
        arg: *mut c_void,
    ) -> c_int;
    fn _Unwind_GetIPInfo(ctx: *mut c_void, ip_before_insn: *mut c_int) -> usize;
    fn _Unwind_GetRegionStart(ctx: *mut c_void) -> usize;
}

/// `_Unwind_Reason_Code` values used here.
const URC_NO_REASON: c_int = 0;
const URC_NORMAL_STOP: c_int = 4;

/// Most wasm frames printed.
const MAX_WASM_FRAMES: usize = 64;
/// Most frames of any kind visited (bounds the walk of a very deep stack).
const MAX_VISITED: usize = 512;

/// Where a trap happened.
#[derive(Clone, Copy)]
pub enum Where {
    /// Reported by generated code: a `FuncInfo` index, `u32::MAX` during instantiation.
    Func(u32),
    /// A fault at this program counter.
    Pc(usize),
}

/// Kernel id of the thread printing a report (0: none).
static REPORTER: AtomicI32 = AtomicI32::new(0);

fn infos() -> &'static [FuncInfo] {
    match crate::image::get() {
        // SAFETY: the image's invariant: `func_info_count` entries at `func_infos`.
        Some(m) if !m.func_infos.is_null() => unsafe {
            core::slice::from_raw_parts(m.func_infos, m.func_info_count as usize)
        },
        _ => &[],
    }
}

/// Index of the function whose code starts exactly at `start`.
fn func_starting_at(start: usize) -> Option<u32> {
    if start == 0 {
        return None;
    }
    infos()
        .iter()
        .position(|f| f.code as usize == start)
        .map(|i| i as u32)
}

struct Frames {
    funcs: [u32; MAX_WASM_FRAMES],
    n: usize,
    visited: usize,
    truncated: bool,
}

extern "C" fn visit(ctx: *mut c_void, arg: *mut c_void) -> c_int {
    // SAFETY: arg is the &mut Frames passed to _Unwind_Backtrace below; ctx is the
    // unwinder's context for this frame.
    let frames = unsafe { &mut *(arg as *mut Frames) };
    frames.visited += 1;
    let mut before: c_int = 0;
    // SAFETY: ctx comes from the unwinder.
    let (ip, start) = unsafe {
        (
            _Unwind_GetIPInfo(ctx, &mut before),
            _Unwind_GetRegionStart(ctx),
        )
    };
    if ip != 0 {
        if let Some(i) = func_starting_at(start) {
            if frames.n == MAX_WASM_FRAMES {
                frames.truncated = true;
                return URC_NORMAL_STOP;
            }
            frames.funcs[frames.n] = i;
            frames.n += 1;
        }
    }
    if frames.visited >= MAX_VISITED {
        frames.truncated = true;
        return URC_NORMAL_STOP;
    }
    URC_NO_REASON
}

fn write_name(index: u32) {
    let name = infos()
        .get(index as usize)
        .map(|f| f.name)
        .unwrap_or(core::ptr::null());
    if name.is_null() {
        write_str(2, "wasm-function[");
        write_u64(2, u64::from(index));
        write_str(2, "]");
    } else {
        // SAFETY: FuncInfo names are NUL-terminated static strings.
        write_escaped(2, unsafe { crate::sys::cstr_bytes(name) });
    }
}

/// Writes a name from the module (untrusted) so it cannot drive the terminal: control
/// characters (C0, DEL, C1) and bytes that are not UTF-8 become `\xNN`, a backslash
/// becomes `\\`; everything else is written as is. Async-signal-safe (a stack buffer).
fn write_escaped(fd: c_int, name: &[u8]) {
    let mut buf = [0u8; 256];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        if n + bytes.len() > buf.len() {
            write_bytes(fd, &buf[..n]);
            n = 0;
        }
        buf[n..n + bytes.len()].copy_from_slice(bytes);
        n += bytes.len();
    };
    let hex = |b: u8| {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        [
            b'\\',
            b'x',
            DIGITS[usize::from(b >> 4)],
            DIGITS[usize::from(b & 0xf)],
        ]
    };
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                put(b"\\\\");
            } else if c.is_control() {
                // Every control character is below U+0100.
                put(&hex(c as u32 as u8));
            } else {
                put(c.encode_utf8(&mut [0u8; 4]).as_bytes());
            }
        }
        for &b in chunk.invalid() {
            put(&hex(b));
        }
    }
    write_bytes(fd, &buf[..n]);
}

/// Prints the trap report and exits with [`TRAP_EXIT_STATUS`].
pub fn report(code: u32, at: Where) -> ! {
    begin_report();
    write_str(2, "wasm trap: ");
    match TrapCode::from_u32(code) {
        Some(t) => write_str(2, t.message()),
        None => {
            write_str(2, "unknown trap code ");
            write_u64(2, u64::from(code));
        }
    }
    write_str(2, "\n");
    report_location(at)
}

/// Makes the calling thread the one that reports. A report begun twice on one
/// thread (a fault in the unwinder while reporting) ends at once; another thread that
/// traps meanwhile (wasi-threads) waits for the first report's exit, so one whole
/// report is printed.
fn begin_report() {
    // SAFETY: gettid has no preconditions and is async-signal-safe.
    let me = unsafe { libc::gettid() };
    if let Err(reporter) = REPORTER.compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire) {
        if reporter == me {
            write_str(2, "\n(backtrace failed)\n");
            // SAFETY: _exit is async-signal-safe.
            unsafe { libc::_exit(TRAP_EXIT_STATUS) }
        }
        loop {
            // SAFETY: pause is async-signal-safe; the reporter's _exit ends us.
            unsafe { libc::pause() };
        }
    }
}

/// Prints where the program stopped and the wasm backtrace, then exits with
/// [`TRAP_EXIT_STATUS`].
fn report_location(at: Where) -> ! {
    let mut frames = Frames {
        funcs: [0; MAX_WASM_FRAMES],
        n: 0,
        visited: 0,
        truncated: false,
    };
    // SAFETY: visit only writes into `frames`.
    unsafe { _Unwind_Backtrace(visit, (&raw mut frames).cast()) };

    match at {
        Where::Func(u32::MAX) => write_str(2, "  during module instantiation\n"),
        Where::Func(i) => {
            write_str(2, "  in wasm function ");
            write_name(i);
            write_str(2, "\n");
        }
        Where::Pc(_) if frames.n > 0 => {
            write_str(2, "  in wasm function ");
            write_name(frames.funcs[0]);
            write_str(2, "\n");
        }
        Where::Pc(_) if !crate::thread::instantiated() => {
            write_str(2, "  during module instantiation\n")
        }
        Where::Pc(pc) => {
            write_str(2, "  in wasm function <unknown> (pc ");
            crate::sys::write_hex(2, pc as u64);
            write_str(2, ")\n");
        }
    }
    write_str(2, "wasm backtrace:\n");
    // Runs of one function (deep recursion) print once, with their length.
    let shown = &frames.funcs[..frames.n];
    let mut k = 0;
    while k < shown.len() {
        let run = shown[k..].iter().take_while(|&&f| f == shown[k]).count();
        write_str(2, "  #");
        write_u64(2, k as u64);
        write_str(2, " ");
        write_name(shown[k]);
        if run > 1 {
            write_str(2, " (");
            write_u64(2, run as u64);
            write_str(2, " frames)");
        }
        write_str(2, "\n");
        k += run;
    }
    if frames.truncated {
        write_str(2, "  ... (more frames not shown)\n");
    }
    // SAFETY: _exit is async-signal-safe and ends every thread.
    unsafe { libc::_exit(TRAP_EXIT_STATUS) }
}

/// Raises a wasm exception (generated code's `throw`, `throw_ref`, `rethrow` and the
/// re-raise when no clause of a handler matches). When no wasm handler catches it,
/// the program ends like a trap:
/// `wasm exception: uncaught exception (tag N)`, the thrower and the backtrace of
/// the raise (the stack is intact: the unwinder's search phase changes nothing),
/// exit 134.
///
/// # Safety
/// `exn` is a live exception object from `aotc_rt_exn_new`.
#[no_mangle]
pub unsafe extern "C-unwind" fn aotc_rt_throw(exn: *mut crate::exn::Exception) -> ! {
    // SAFETY: the caller's contract.
    unsafe { crate::exn::raise(exn) };
    begin_report();
    write_str(2, "wasm exception: uncaught exception (tag ");
    // SAFETY: the object is still live: nothing caught it.
    let (tag, thrower) = unsafe { ((*exn).tag_index, (*exn).func_index) };
    write_u64(2, u64::from(tag));
    write_str(2, ")\n");
    report_location(Where::Func(thrower))
}

/// Called by generated code when a trap condition is detected: `code` is a
/// [`TrapCode`], `func_index` indexes `aotc_func_infos` (`u32::MAX` during
/// instantiation). Never returns.
#[no_mangle]
pub extern "C" fn aotc_rt_trap(code: u32, func_index: u32) -> ! {
    report(code, Where::Func(func_index))
}
