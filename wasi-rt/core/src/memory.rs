//! Linear memories for generated code (sandbox-critical).
//!
//! Each memory reserves [`MEMORY_RESERVATION`] bytes (4 GiB addressable + 4 GiB guard)
//! of PROT_NONE address space up front and commits pages read-write as it grows, so
//! `base` never moves and `base + u32 address + u32 offset` always lands inside the
//! reservation: an access past `size_bytes` faults, and the signal handler turns a
//! fault inside a registered reservation into the trap "out of bounds memory access".
//!
//! Invariants: `size_bytes` is a multiple of the wasm page size and never exceeds
//! `max_pages` × 64 KiB ≤ 4 GiB; every reservation is registered in [`RESERVATIONS`]
//! before generated code can touch it; the registry is read by the signal handler with
//! atomics only.

use aotc_abi::layout::Memory;
use aotc_abi::{MEMORY_RESERVATION, WASM_MAX_PAGES, WASM_PAGE_SIZE};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Most linear memories one process may have: an executable has one, the in-process
/// spec harness instantiates thousands of modules (8192 × 8 GiB = 64 TiB of the
/// 128 TiB user address space).
const MAX_MEMORIES: usize = 8192;

/// Start addresses of registered reservations (0 = free slot); each spans
/// MEMORY_RESERVATION bytes.
static RESERVATIONS: [AtomicUsize; MAX_MEMORIES] = [const { AtomicUsize::new(0) }; MAX_MEMORIES];

/// Whether `addr` lies inside a registered linear-memory reservation
/// (async-signal-safe).
pub fn in_reservation(addr: usize) -> bool {
    RESERVATIONS.iter().any(|r| {
        let start = r.load(Ordering::Acquire);
        start != 0 && addr >= start && addr - start < MEMORY_RESERVATION as usize
    })
}

fn register(start: usize) {
    for r in RESERVATIONS.iter() {
        if r.compare_exchange(0, start, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
    }
    crate::sys::fatal(&[b"too many linear memories"]);
}

/// Creates a memory of `min_pages` pages that may grow to `max_pages` (clamped to
/// 65536). Exits the process with a one-line error if the address space cannot be had.
///
/// # Safety
/// `mem` must point to writable storage for a `Memory`.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_memory_new(mem: *mut Memory, min_pages: u32, max_pages: u32) {
    let max = u64::from(max_pages).min(WASM_MAX_PAGES);
    let min = u64::from(min_pages);
    if min > max {
        crate::sys::fatal(&[b"linear memory minimum exceeds its maximum"]);
    }
    // SAFETY: a fresh anonymous PROT_NONE mapping; touches no existing memory.
    let base = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            MEMORY_RESERVATION as usize,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        let e = crate::sys::errno();
        crate::sys::fatal(&[b"cannot reserve linear memory: ", crate::sys::strerror(e)]);
    }
    let bytes = min * WASM_PAGE_SIZE;
    if bytes > 0 {
        // SAFETY: the range is the start of our own reservation.
        let r = unsafe { libc::mprotect(base, bytes as usize, libc::PROT_READ | libc::PROT_WRITE) };
        if r != 0 {
            let e = crate::sys::errno();
            crate::sys::fatal(&[b"cannot commit linear memory: ", crate::sys::strerror(e)]);
        }
    }
    register(base as usize);
    // SAFETY: the caller passes writable storage for a Memory.
    unsafe {
        mem.write(Memory {
            base: base.cast(),
            size_bytes: bytes,
            max_pages: max,
        });
    }
}

/// Grows `mem` by `delta_pages`; returns the old size in pages, or `u32::MAX` when the
/// maximum would be exceeded or the pages cannot be committed. The base never moves.
///
/// # Safety
/// `mem` must be a memory created by [`aotc_rt_memory_new`].
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_memory_grow(mem: *mut Memory, delta_pages: u32) -> u32 {
    // A shared memory may grow from several threads at once, while others read the
    // size: growth is serialised and the size is read and published atomically.
    // SAFETY: `mem` is a live descriptor (caller); size_bytes is an aligned u64 that
    // is only ever accessed atomically once threads exist.
    let size = unsafe { AtomicU64::from_ptr(&raw mut (*mem).size_bytes) };
    // SAFETY: base and max_pages never change after creation.
    let (base, max_pages) = unsafe { ((*mem).base, (*mem).max_pages) };
    if delta_pages == 0 {
        return (size.load(Ordering::Acquire) / WASM_PAGE_SIZE) as u32;
    }
    let _serialised = GrowLock::take();
    let old_bytes = size.load(Ordering::Acquire);
    let old = old_bytes / WASM_PAGE_SIZE;
    let new = old + u64::from(delta_pages);
    if new > max_pages.min(WASM_MAX_PAGES) {
        return u32::MAX;
    }
    let add = u64::from(delta_pages) * WASM_PAGE_SIZE;
    // SAFETY: [old_bytes, old_bytes + add) lies inside the reservation because
    // new ≤ 65536 pages = 4 GiB < MEMORY_RESERVATION.
    let r = unsafe {
        libc::mprotect(
            base.add(old_bytes as usize).cast(),
            add as usize,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
    if r != 0 {
        return u32::MAX;
    }
    size.store(new * WASM_PAGE_SIZE, Ordering::Release);
    old as u32
}

/// Serialises `memory.grow` across threads (growth is rare: one lock for all memories).
struct GrowLock;

static GROW_LOCK: AtomicBool = AtomicBool::new(false);

impl GrowLock {
    fn take() -> GrowLock {
        while GROW_LOCK
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // SAFETY: sched_yield has no preconditions.
            unsafe { libc::sched_yield() };
        }
        GrowLock
    }
}

impl Drop for GrowLock {
    fn drop(&mut self) {
        GROW_LOCK.store(false, Ordering::Release);
    }
}

/// Releases a memory created by [`aotc_rt_memory_new`]: unregisters and unmaps its
/// reservation and zeroes the descriptor. Only for embedders that drop instances
/// (executables never release their memory).
///
/// # Safety
/// `mem` must be a memory created by [`aotc_rt_memory_new`] that no code will touch
/// again.
pub unsafe fn release(mem: *mut Memory) {
    // SAFETY: the caller passes a live memory descriptor.
    let base = unsafe { (*mem).base } as usize;
    if base == 0 {
        return;
    }
    for r in RESERVATIONS.iter() {
        if r.compare_exchange(base, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            break;
        }
    }
    // SAFETY: the reservation is ours and no longer used.
    unsafe {
        libc::munmap(base as *mut libc::c_void, MEMORY_RESERVATION as usize);
        mem.write(Memory {
            base: core::ptr::null_mut(),
            size_bytes: 0,
            max_pages: 0,
        });
    }
}
