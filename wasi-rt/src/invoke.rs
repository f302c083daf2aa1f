//! The runtime half of `--invoke NAME` and `--invoke-main NAME` executables (see
//! `aotc_abi::invoke` for the contract): parsing the executable's arguments into value
//! slots, printing results, and the error for arguments that cannot be passed.
//!
//! The rule for the executable's arguments (argv\[1..\]): when the invoked function
//! has parameters they are its parameters, exactly as many, each parsed as a number;
//! when it has none they are not parsed or counted at all: the module reads them
//! through `args_sizes_get`/`args_get` (as under `wasmtime run --invoke`). Either way
//! `args_get` reports the whole argv untouched, argv\[0\] included.
//!
//! Invariants: every entry here runs on the guest thread from the generated
//! `aotc_run_start`, after the context is installed; nothing is written to guest
//! memory; an argument problem is one line on stderr (`<argv0>: error: …`) and exit
//! status [`USAGE_STATUS`], decided before the module's `_initialize` runs. Each entry
//! is its own symbol, so executables with a `_start` entry link none of this.

use aotc_abi::invoke::{self, InvokeType, MainFailure, ParseError, SLOT_BYTES, USAGE_STATUS};

use crate::sys::{exit_with_error, fatal, fmt_u64, write_bytes};

/// The type codes generated code passed.
///
/// # Safety
/// `types` points to `count` readable bytes.
unsafe fn types<'a>(types: *const u8, count: u32) -> &'a [u8] {
    if count == 0 {
        return &[];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts(types, count as usize) }
}

fn type_of(code: u8) -> InvokeType {
    match InvokeType::from_u8(code) {
        Some(t) => t,
        None => fatal(&[b"internal error: unknown value type code in the module's entry"]),
    }
}

/// "i32, i64": the parameter list for messages, into `buf`.
fn type_list<'a>(codes: &[u8], buf: &'a mut [u8; 256]) -> &'a [u8] {
    let mut n = 0;
    for (i, &c) in codes.iter().enumerate() {
        let part: &[&[u8]] = if i == 0 {
            &[type_of(c).name().as_bytes()]
        } else {
            &[b", ", type_of(c).name().as_bytes()]
        };
        for p in part {
            if n + p.len() > buf.len() {
                return &buf[..n];
            }
            buf[n..n + p.len()].copy_from_slice(p);
            n += p.len();
        }
    }
    &buf[..n]
}

/// Parses argv\[1..\] into the slots (see `aotc_abi::invoke::sym_invoke::ARGS`). A
/// function without parameters accepts any arguments: they are the module's argv.
///
/// # Safety
/// `name` is NUL-terminated; `codes` has `count` bytes; `slots` has room for `count`
/// slots of `SLOT_BYTES` bytes. Called on the guest thread after start-up.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_invoke_args(
    name: *const u8,
    codes: *const u8,
    count: u32,
    slots: *mut u8,
) {
    // SAFETY: see the function contract.
    let (name, codes) = unsafe { (crate::sys::cstr_bytes(name), types(codes, count)) };
    // SAFETY: the context is installed before the guest runs; argv has argc entries.
    let c = unsafe { crate::ctx::ctx() };
    let given = c.argc.saturating_sub(1);
    if codes.is_empty() {
        // No parameters: the arguments are for the module's `args_get`, untouched.
        return;
    }
    if given != codes.len() {
        let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
        let mut list = [0u8; 256];
        let expected: &[&[u8]] = match codes.len() {
            1 => &[b" expects 1 argument ("],
            n => &[b" expects ", fmt_u64(n as u64, &mut a), b" arguments ("],
        };
        let mut parts: [&[u8]; 8] = [b""; 8];
        parts[0] = name;
        let mut k = 1;
        for p in expected {
            parts[k] = p;
            k += 1;
        }
        parts[k] = type_list(codes, &mut list);
        parts[k + 1] = b"), got ";
        k += 2;
        parts[k] = fmt_u64(given as u64, &mut b);
        exit_with_error(USAGE_STATUS, &parts[..=k]);
    }
    for (i, &code) in codes.iter().enumerate() {
        let ty = type_of(code);
        // SAFETY: argv has argc > i + 1 NUL-terminated entries (checked above).
        let arg = unsafe { crate::sys::cstr_bytes((*c.argv.add(i + 1)).cast()) };
        let parsed = match core::str::from_utf8(arg) {
            Ok(text) => invoke::parse(ty, text),
            Err(_) => Err(ParseError::Syntax),
        };
        let bits = match parsed {
            Ok(bits) => bits,
            Err(e) => {
                let mut n = [0u8; 20];
                let what: &[u8] = match e {
                    ParseError::Syntax => b" is not ",
                    ParseError::Range => b" is out of range for ",
                };
                let article: &[u8] = if ty == InvokeType::V128 {
                    b"a "
                } else {
                    b"an "
                };
                exit_with_error(
                    USAGE_STATUS,
                    &[
                        b"argument ",
                        fmt_u64(i as u64 + 1, &mut n),
                        b" of ",
                        name,
                        b": '",
                        arg,
                        b"'",
                        what,
                        if e == ParseError::Syntax {
                            article
                        } else {
                            b""
                        },
                        ty.name().as_bytes(),
                        b" (",
                        ty.accepted().as_bytes(),
                        b")",
                    ],
                );
            }
        };
        let bytes = bits.to_le_bytes();
        // SAFETY: slot i lies inside the caller's buffer (function contract).
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), slots.add(i * SLOT_BYTES), SLOT_BYTES)
        };
    }
}

/// Prints the results, one per line (see `aotc_abi::invoke::sym_invoke::RESULTS`).
///
/// # Safety
/// `codes` has `count` bytes; `slots` holds `count` slots of `SLOT_BYTES` bytes.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_invoke_results(codes: *const u8, count: u32, slots: *const u8) {
    // SAFETY: see the function contract.
    let codes = unsafe { types(codes, count) };
    for (i, &code) in codes.iter().enumerate() {
        let ty = type_of(code);
        let mut bytes = [0u8; 16];
        // SAFETY: slot i lies inside the caller's buffer; only the value's own bytes
        // are read (generated code writes no more).
        unsafe {
            core::ptr::copy_nonoverlapping(slots.add(i * SLOT_BYTES), bytes.as_mut_ptr(), ty.size())
        };
        let text = invoke::format(ty, u128::from_le_bytes(bytes));
        let mut line = [0u8; 72];
        let n = text.as_bytes().len();
        line[..n].copy_from_slice(text.as_bytes());
        line[n] = b'\n';
        write_bytes(1, &line[..=n]);
    }
}

/// `--invoke-main` could not pass the arguments (see
/// `aotc_abi::invoke::sym_invoke::MAIN_FAILED`).
///
/// # Safety
/// `name` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_invoke_main_failed(
    name: *const u8,
    failure: u32,
    detail: u32,
) -> ! {
    // SAFETY: see the function contract.
    let name = unsafe { crate::sys::cstr_bytes(name) };
    let mut n = [0u8; 20];
    let detail = fmt_u64(u64::from(detail), &mut n);
    match MainFailure::from_u32(failure) {
        Some(MainFailure::Malloc) => fatal(&[
            b"cannot pass the arguments to ",
            name,
            b": the module's malloc returned 0 for ",
            detail,
            b" bytes",
        ]),
        Some(MainFailure::Args) => fatal(&[
            b"cannot pass the arguments to ",
            name,
            b": args_get failed with WASI errno ",
            detail,
        ]),
        None => fatal(&[b"cannot pass the arguments to ", name]),
    }
}
