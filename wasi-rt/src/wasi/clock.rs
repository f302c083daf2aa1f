//! Clocks, randomness, scheduling and process control: clock_res_get, clock_time_get
//! (realtime, monotonic, process and thread CPU time), random_get (getrandom),
//! sched_yield, proc_exit (exit status = the code) and proc_raise.

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, ret, WasiResult, EINVAL, ENOTSUP};

/// Host clock for a WASI clock id.
fn host_clock(id: u32) -> WasiResult<libc::clockid_t> {
    match id {
        0 => Ok(libc::CLOCK_REALTIME),
        1 => Ok(libc::CLOCK_MONOTONIC),
        2 => Ok(libc::CLOCK_PROCESS_CPUTIME_ID),
        3 => Ok(libc::CLOCK_THREAD_CPUTIME_ID),
        _ => Err(EINVAL),
    }
}

fn to_ns(ts: &libc::timespec) -> WasiResult<u64> {
    let sec = u64::try_from(ts.tv_sec).map_err(|_| errno::EOVERFLOW)?;
    sec.checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(ts.tv_nsec as u64))
        .ok_or(errno::EOVERFLOW)
}

/// Reads clock `id` now, in nanoseconds.
pub(crate) fn now(id: u32) -> WasiResult<u64> {
    let clock = host_clock(id)?;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is writable.
    errno::check(|| unsafe { libc::clock_gettime(clock, &mut ts) })?;
    to_ns(&ts)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_clock_res_get(
    vmctx: *mut VmCtxHeader,
    clock_id: u32,
    resolution_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let clock = host_clock(clock_id)?;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is writable.
        errno::check(|| unsafe { libc::clock_getres(clock, &mut ts) })?;
        g.write_u64(resolution_out, to_ns(&ts)?)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_clock_time_get(
    vmctx: *mut VmCtxHeader,
    clock_id: u32,
    _precision: u64,
    time_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(now(clock_id).and_then(|t| g.write_u64(time_out, t)))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_random_get(
    vmctx: *mut VmCtxHeader,
    buf: u32,
    buf_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let p = g.range(buf, u64::from(buf_len))?;
        let mut done = 0usize;
        while done < buf_len as usize {
            // SAFETY: [p + done, p + buf_len) is inside the checked range.
            let n = errno::check(|| unsafe {
                libc::getrandom(p.add(done).cast(), buf_len as usize - done, 0)
            })?;
            done += n as usize;
        }
        Ok(())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sched_yield(_vmctx: *mut VmCtxHeader) -> u32 {
    // SAFETY: sched_yield has no preconditions (and cannot fail on Linux).
    unsafe { libc::sched_yield() };
    0
}

/// Ends the process with exit status `code` (the kernel keeps its low 8 bits).
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_proc_exit(_vmctx: *mut VmCtxHeader, code: u32) -> ! {
    // SAFETY: _exit ends every thread; the runtime buffers no output.
    unsafe { libc::_exit(code as libc::c_int) }
}

/// Signals are not part of the sandbox: like Wasmtime, answer ENOTSUP.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_proc_raise(_vmctx: *mut VmCtxHeader, _signal: u32) -> u32 {
    u32::from(ENOTSUP)
}
