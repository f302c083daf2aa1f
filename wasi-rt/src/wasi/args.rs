//! args_* and environ_*: the process argv (untouched) and the environment the manifest
//! allows, copied into guest memory as the spec lays them out (an array of u32 pointers
//! into one buffer of NUL-terminated strings).

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{ret, WasiResult};
use crate::guest::Guest;

fn args() -> impl Iterator<Item = &'static [u8]> + Clone {
    // SAFETY: startup installed argc/argv from the C runtime; they live forever.
    let c = unsafe { crate::ctx::ctx() };
    let (argc, argv) = (c.argc, c.argv);
    // SAFETY: argv has argc NUL-terminated entries.
    (0..argc).map(move |i| unsafe { crate::sys::cstr_bytes((*argv.add(i)).cast()) })
}

fn env() -> impl Iterator<Item = &'static [u8]> + Clone {
    // SAFETY: the context is installed before the guest runs.
    unsafe { crate::ctx::ctx() }
        .env
        .iter()
        .map(|v| v.as_slice())
}

/// Count and total buffer size (with NULs) of a string list.
fn sizes<'a>(items: impl Iterator<Item = &'a [u8]>) -> (u32, u32) {
    items.fold((0u32, 0u32), |(n, sz), s| {
        (n.wrapping_add(1), sz.wrapping_add(s.len() as u32 + 1))
    })
}

fn put_sizes<'a>(
    g: &Guest,
    items: impl Iterator<Item = &'a [u8]>,
    count_out: u32,
    size_out: u32,
) -> WasiResult {
    let (n, sz) = sizes(items);
    g.range(count_out, 4)?;
    g.range(size_out, 4)?;
    g.write_u32(count_out, n)?;
    g.write_u32(size_out, sz)
}

fn put_list<'a>(
    g: &Guest,
    items: impl Iterator<Item = &'a [u8]> + Clone,
    ptrs: u32,
    buf: u32,
) -> WasiResult {
    let (n, sz) = sizes(items.clone());
    // Check both whole destinations before writing anything.
    g.array(ptrs, n, 4)?;
    g.range(buf, u64::from(sz))?;
    let mut at = buf;
    for (i, s) in items.enumerate() {
        g.write_u32(ptrs + 4 * i as u32, at)?;
        g.write(at, s)?;
        g.write(at + s.len() as u32, &[0])?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_args_sizes_get(
    vmctx: *mut VmCtxHeader,
    argc_out: u32,
    size_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(put_sizes(&g, args(), argc_out, size_out))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_args_get(
    vmctx: *mut VmCtxHeader,
    argv: u32,
    argv_buf: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(put_list(&g, args(), argv, argv_buf))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_environ_sizes_get(
    vmctx: *mut VmCtxHeader,
    count_out: u32,
    size_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(put_sizes(&g, env(), count_out, size_out))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_environ_get(
    vmctx: *mut VmCtxHeader,
    environ: u32,
    environ_buf: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(put_list(&g, env(), environ, environ_buf))
}
