//! Wasm exceptions as native exceptions (Itanium C++ ABI, level 1 unwinding): the
//! exception object, its allocation, raising it with `_Unwind_RaiseException`, and the
//! personality routine of generated code.
//!
//! Nothing runs on the non-throwing path: a call that a wasm handler covers is an LLVM
//! `invoke`, whose landing pad is found through `.eh_frame`/`.gcc_except_table` only
//! when something is thrown. Every landing pad of generated code is a catch-all for
//! wasm exceptions (class [`exn::CLASS`]); the code after it compares tags and
//! re-raises when no clause matches. So the personality only decides "does this frame
//! have a landing pad for this call site": it never matches types.
//!
//! Invariants: an exception object of another class (C++, a forced unwind such as
//! thread cancellation) passes through wasm frames untouched; a wasm exception is
//! never seen by the trap machinery (traps do not unwind) nor a trap by this one.
//! Objects are allocated with `malloc` and freed by generated code only when no
//! `exnref` can refer to them (`catch`/`catch_all` of a `try_table`); an object an
//! `exnref` may hold stays allocated (there is no collector).

use aotc_abi::exn;
use core::ffi::{c_int, c_void};

/// `_Unwind_Exception`, the header of every exception object.
#[repr(C)]
pub struct UnwindException {
    pub class: u64,
    pub cleanup: Option<unsafe extern "C" fn(c_int, *mut UnwindException)>,
    private: [usize; 2],
}

/// A wasm exception: header, tag, payload slots (see [`aotc_abi::exn`]).
#[repr(C, align(16))]
pub struct Exception {
    pub header: UnwindException,
    /// Identity of the tag: the address of its definition.
    pub tag: *const u8,
    /// Index of the tag in the throwing module (for the uncaught report).
    pub tag_index: u32,
    /// Function that threw (index into the module's function infos).
    pub func_index: u32,
}

const _: () = {
    assert!(core::mem::offset_of!(Exception, tag) as u64 == exn::TAG_OFFSET);
    assert!(core::mem::size_of::<Exception>() as u64 == exn::PAYLOAD_OFFSET);
};

// The unwinder: libgcc's (statically linked into executables, libgcc_s in processes
// that load generated code as a JIT).
extern "C" {
    fn _Unwind_RaiseException(exception: *mut UnwindException) -> c_int;
    fn _Unwind_GetLanguageSpecificData(ctx: *mut c_void) -> *const u8;
    fn _Unwind_GetIPInfo(ctx: *mut c_void, ip_before_insn: *mut c_int) -> usize;
    fn _Unwind_GetRegionStart(ctx: *mut c_void) -> usize;
    fn _Unwind_SetGR(ctx: *mut c_void, index: c_int, value: usize);
    fn _Unwind_SetIP(ctx: *mut c_void, ip: usize);
}

// `_Unwind_Action` bits and `_Unwind_Reason_Code` values.
const UA_SEARCH_PHASE: c_int = 1;
const UA_FORCE_UNWIND: c_int = 8;
const URC_HANDLER_FOUND: c_int = 6;
const URC_INSTALL_CONTEXT: c_int = 7;
const URC_CONTINUE_UNWIND: c_int = 8;
const URC_FATAL_PHASE1_ERROR: c_int = 3;
/// x86-64 DWARF registers carrying the exception pointer and selector (rax, rdx).
const EH_REG_EXCEPTION: c_int = 0;
const EH_REG_SELECTOR: c_int = 1;

/// Allocates an exception object for `tag` with `slots` zeroed payload slots.
/// Out of memory is fatal (one line, exit 134 like a trap).
#[no_mangle]
pub extern "C" fn aotc_rt_exn_new(
    tag: *const u8,
    tag_index: u32,
    func_index: u32,
    slots: u32,
) -> *mut Exception {
    let size = exn::PAYLOAD_OFFSET as usize + slots as usize * exn::SLOT_SIZE as usize;
    // SAFETY: calloc returns null or a zeroed block of `size` bytes, aligned for any
    // fundamental type (16 bytes on x86-64 glibc), which is Exception's alignment.
    let e = unsafe { libc::calloc(1, size) } as *mut Exception;
    if e.is_null() {
        crate::sys::write_str(2, "wasm exception: out of memory allocating an exception\n");
        // SAFETY: _exit ends the process.
        unsafe { libc::_exit(aotc_abi::trap::TRAP_EXIT_STATUS) }
    }
    // SAFETY: e points to a fresh, large enough, aligned block.
    unsafe {
        (*e).header.class = exn::CLASS;
        (*e).tag = tag;
        (*e).tag_index = tag_index;
        (*e).func_index = func_index;
    }
    e
}

/// Frees an exception object allocated by [`aotc_rt_exn_new`].
///
/// # Safety
/// `e` came from [`aotc_rt_exn_new`], is not being unwound and is not used again.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_exn_free(e: *mut Exception) {
    // SAFETY: the caller's contract.
    unsafe { libc::free(e.cast()) }
}

/// Raises `e`. Returns only when no handler was found (the `_Unwind_Reason_Code`):
/// the stack is then untouched, so the caller can report with a backtrace.
///
/// # Safety
/// `e` is a live exception object.
pub unsafe fn raise(e: *mut Exception) -> c_int {
    // SAFETY: the header is a valid _Unwind_Exception; private fields are the
    // unwinder's to overwrite, so re-raising a caught object is allowed.
    unsafe { _Unwind_RaiseException(&raw mut (*e).header) }
}

/// The personality routine named in every generated function with a landing pad.
///
/// # Safety
/// Called by the unwinder with its own context and exception object.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_personality(
    version: c_int,
    actions: c_int,
    class: u64,
    exception: *mut UnwindException,
    ctx: *mut c_void,
) -> c_int {
    if version != 1 {
        return URC_FATAL_PHASE1_ERROR;
    }
    if class != exn::CLASS || actions & UA_FORCE_UNWIND != 0 {
        return URC_CONTINUE_UNWIND;
    }
    // SAFETY: ctx is the unwinder's context for a frame of generated code.
    let landing_pad = unsafe { find_landing_pad(ctx) };
    let Some(landing_pad) = landing_pad else {
        return URC_CONTINUE_UNWIND;
    };
    if actions & UA_SEARCH_PHASE != 0 {
        return URC_HANDLER_FOUND;
    }
    // SAFETY: installing the landing pad's registers, as the ABI prescribes.
    unsafe {
        _Unwind_SetGR(ctx, EH_REG_EXCEPTION, exception as usize);
        _Unwind_SetGR(ctx, EH_REG_SELECTOR, 1);
        _Unwind_SetIP(ctx, landing_pad);
    }
    URC_INSTALL_CONTEXT
}

// DWARF pointer encodings (the subset LLVM emits in `.gcc_except_table`).
const DW_EH_PE_OMIT: u8 = 0xff;
const DW_EH_PE_ULEB128: u8 = 0x01;
const DW_EH_PE_UDATA2: u8 = 0x02;
const DW_EH_PE_UDATA4: u8 = 0x03;
const DW_EH_PE_UDATA8: u8 = 0x04;
const DW_EH_PE_SLEB128: u8 = 0x09;
const DW_EH_PE_SDATA2: u8 = 0x0a;
const DW_EH_PE_SDATA4: u8 = 0x0b;
const DW_EH_PE_SDATA8: u8 = 0x0c;
const DW_EH_PE_PCREL: u8 = 0x10;
const DW_EH_PE_INDIRECT: u8 = 0x80;

/// The landing pad covering the frame's call site, from its LSDA: `None` when the
/// call site has none (or the frame has no LSDA).
///
/// # Safety
/// `ctx` is a valid unwinder context.
unsafe fn find_landing_pad(ctx: *mut c_void) -> Option<usize> {
    // SAFETY: ctx is valid; the LSDA is LLVM's, read within the bounds it declares.
    unsafe {
        let lsda = _Unwind_GetLanguageSpecificData(ctx);
        if lsda.is_null() {
            return None;
        }
        let func_start = _Unwind_GetRegionStart(ctx);
        let mut before: c_int = 0;
        let mut ip = _Unwind_GetIPInfo(ctx, &mut before);
        if before == 0 {
            // The return address: the call itself is the byte before.
            ip -= 1;
        }
        let mut p = lsda;
        let lp_start_encoding = read_u8(&mut p);
        let lp_start = if lp_start_encoding == DW_EH_PE_OMIT {
            func_start
        } else {
            read_encoded(&mut p, lp_start_encoding)
        };
        let ttype_encoding = read_u8(&mut p);
        if ttype_encoding != DW_EH_PE_OMIT {
            read_uleb(&mut p);
        }
        let call_site_encoding = read_u8(&mut p);
        let table_len = read_uleb(&mut p) as usize;
        let end = p.add(table_len);
        let offset = ip - func_start;
        while p < end {
            let start = read_encoded(&mut p, call_site_encoding);
            let len = read_encoded(&mut p, call_site_encoding);
            let pad = read_encoded(&mut p, call_site_encoding);
            let _action = read_uleb(&mut p);
            if offset < start {
                // Entries are sorted: no later one covers the call site.
                return None;
            }
            if offset < start + len {
                return (pad != 0).then(|| lp_start + pad);
            }
        }
        None
    }
}

unsafe fn read_u8(p: &mut *const u8) -> u8 {
    // SAFETY: the caller keeps p inside the LSDA.
    unsafe {
        let v = **p;
        *p = p.add(1);
        v
    }
}

unsafe fn read_uleb(p: &mut *const u8) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        // SAFETY: as in read_u8.
        let byte = unsafe { read_u8(p) };
        if shift < 64 {
            value |= u64::from(byte & 0x7f) << shift;
        }
        shift += 7;
        if byte & 0x80 == 0 {
            return value;
        }
    }
}

unsafe fn read_sleb(p: &mut *const u8) -> i64 {
    let mut value = 0i64;
    let mut shift = 0;
    loop {
        // SAFETY: as in read_u8.
        let byte = unsafe { read_u8(p) };
        if shift < 64 {
            value |= i64::from(byte & 0x7f) << shift;
        }
        shift += 7;
        if byte & 0x80 == 0 {
            if shift < 64 && byte & 0x40 != 0 {
                value |= -1i64 << shift;
            }
            return value;
        }
    }
}

/// Reads a value in DWARF pointer encoding `encoding`.
unsafe fn read_encoded(p: &mut *const u8, encoding: u8) -> usize {
    // SAFETY: as in read_u8; unaligned reads because the table is packed.
    unsafe {
        let field = *p as usize;
        let raw = match encoding & 0x0f {
            0x00 | DW_EH_PE_UDATA8 | DW_EH_PE_SDATA8 => {
                let v = (*p as *const u64).read_unaligned();
                *p = p.add(8);
                v as usize
            }
            DW_EH_PE_ULEB128 => read_uleb(p) as usize,
            DW_EH_PE_SLEB128 => read_sleb(p) as usize,
            DW_EH_PE_UDATA2 => {
                let v = (*p as *const u16).read_unaligned();
                *p = p.add(2);
                usize::from(v)
            }
            DW_EH_PE_SDATA2 => {
                let v = (*p as *const i16).read_unaligned();
                *p = p.add(2);
                v as isize as usize
            }
            DW_EH_PE_UDATA4 => {
                let v = (*p as *const u32).read_unaligned();
                *p = p.add(4);
                v as usize
            }
            _ => {
                // DW_EH_PE_sdata4 and anything unknown read as 4 signed bytes.
                debug_assert_eq!(encoding & 0x0f, DW_EH_PE_SDATA4);
                let v = (*p as *const i32).read_unaligned();
                *p = p.add(4);
                v as isize as usize
            }
        };
        if raw == 0 {
            return 0;
        }
        let mut value = if encoding & 0x70 == DW_EH_PE_PCREL {
            field.wrapping_add(raw)
        } else {
            raw
        };
        if encoding & DW_EH_PE_INDIRECT != 0 {
            value = *(value as *const usize);
        }
        value
    }
}
