//! Linear memories for generated code (sandbox-critical).
//!
//! A 32-bit memory reserves [`MEMORY_RESERVATION`] bytes (4 GiB addressable + 4 GiB
//! guard) of PROT_NONE address space up front, plus [`MEMORY_GUARD_BELOW`] bytes
//! below its base, and commits pages read-write as it grows, so `base` never moves
//! and `base + u32 address + u32 offset` always lands inside the reservation: an
//! access past `size_bytes` (or just below the base, where the compiler's 64-bit
//! form of a descending address goes instead of wrapping) faults, and the signal
//! handler turns a fault inside a registered reservation into the trap "out of
//! bounds memory access".
//!
//! A 64-bit memory (memory64) cannot be covered by a guard: its index is a u64.
//! Generated code checks every access against `size_bytes` before touching it, so it
//! reserves no guard and is not registered with the signal handler (a fault there
//! would be a bug, not a wasm trap). It reserves min(maximum, [`MEMORY64_RESERVATION_CAP`])
//! bytes and never grows beyond them (`memory.grow` returns -1); a minimum above the
//! cap is a one-line fatal error.
//!
//! Every reservation starts on a 2 MiB boundary and is advised `MADV_HUGEPAGE`, so
//! committed pages may be backed by transparent huge pages (fewer faults and TLB
//! misses on large arrays); the advice changes no protection.
//!
//! Invariants: `size_bytes` is a multiple of the wasm page size and never exceeds
//! `max_pages` × 64 KiB ≤ `reserved_bytes` (≤ 4 GiB - 64 KiB for 32-bit memories
//! that start below 4 GiB, see `aotc_abi::wasm32_max_pages`); every 32-bit
//! reservation is registered in [`RESERVATIONS`] before generated code can touch it;
//! the registry is read by the signal handler with atomics only.

use aotc_abi::layout::Memory;
use aotc_abi::{MEMORY64_RESERVATION_CAP, MEMORY_GUARD_BELOW, MEMORY_RESERVATION, WASM_PAGE_SIZE};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Most linear memories one process may have: an executable has one, the in-process
/// spec harness instantiates thousands of modules (8192 × 8 GiB = 64 TiB of the
/// 128 TiB user address space).
const MAX_MEMORIES: usize = 8192;

/// Bases of registered 32-bit memories (0 = free slot); each reservation spans
/// MEMORY_GUARD_BELOW bytes below the base and MEMORY_RESERVATION bytes from it.
static RESERVATIONS: [AtomicUsize; MAX_MEMORIES] = [const { AtomicUsize::new(0) }; MAX_MEMORIES];

/// Whether `addr` lies inside a registered linear-memory reservation
/// (async-signal-safe).
pub fn in_reservation(addr: usize) -> bool {
    RESERVATIONS.iter().any(|r| {
        let base = r.load(Ordering::Acquire);
        let start = base.wrapping_sub(MEMORY_GUARD_BELOW as usize);
        base != 0
            && addr >= start
            && addr - start < (MEMORY_GUARD_BELOW + MEMORY_RESERVATION) as usize
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

/// Transparent huge page size on x86-64.
const HUGE_PAGE: usize = 2 << 20;

/// Reserves `bytes` of PROT_NONE address space starting on a 2 MiB boundary, with
/// `below` more PROT_NONE bytes just before it, and asks for transparent huge pages
/// in the `bytes` (`MADV_HUGEPAGE`; where the kernel's THP mode is
/// `madvise` or `always`, the pages committed later are backed 2 MiB at a time, so a
/// program sweeping hundreds of MB of arrays takes a fraction of the page faults and
/// TLB misses). Exits with one line if the address space cannot be had.
fn reserve_huge_aligned(bytes: usize, below: usize) -> *mut libc::c_void {
    let padded = below + bytes + HUGE_PAGE;
    let raw = match crate::sys::map_anonymous(padded, libc::PROT_NONE) {
        Ok(raw) => raw,
        Err(e) => crate::sys::fatal(&[b"cannot reserve linear memory: ", crate::sys::strerror(e)]),
    };
    let start = raw as usize;
    let aligned = (start + below + HUGE_PAGE - 1) & !(HUGE_PAGE - 1);
    let head = aligned - below - start;
    let tail = padded - head - below - bytes;
    // SAFETY: both trims are parts of the mapping just made, outside
    // [aligned - below, aligned + bytes).
    unsafe {
        if head > 0 {
            libc::munmap(raw, head);
        }
        if tail > 0 {
            libc::munmap((aligned + bytes) as *mut libc::c_void, tail);
        }
        // Advice only: a kernel without THP refuses it and the memory works as before.
        libc::madvise(aligned as *mut libc::c_void, bytes, libc::MADV_HUGEPAGE);
    }
    aligned as *mut libc::c_void
}

/// Creates a memory of `min_pages` pages that may grow to `max_pages`: clamped by
/// [`aotc_abi::wasm32_max_pages`] for a 32-bit memory (65535 pages unless it starts
/// at 4 GiB; the compiler's address arithmetic relies on it), to the reservation for
/// a 64-bit one (`memory64` ≠ 0).
/// Exits the process with a one-line error if the address space cannot be had.
///
/// # Safety
/// `mem` must point to writable storage for a `Memory`.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_memory_new(
    mem: *mut Memory,
    min_pages: u64,
    max_pages: u64,
    memory64: u32,
) {
    let (reserved, max) = if memory64 != 0 {
        let reserved = max_pages
            .saturating_mul(WASM_PAGE_SIZE)
            .min(MEMORY64_RESERVATION_CAP);
        (reserved, max_pages.min(reserved / WASM_PAGE_SIZE))
    } else {
        (
            MEMORY_RESERVATION,
            aotc_abi::wasm32_max_pages(min_pages, max_pages),
        )
    };
    if min_pages > max_pages {
        crate::sys::fatal(&[b"linear memory minimum exceeds its maximum"]);
    }
    if min_pages > max {
        crate::sys::fatal(&[b"64-bit linear memory minimum exceeds the reservation cap (16 GiB)"]);
    }
    let base = if reserved == 0 {
        // A memory that can never hold a byte: any non-null, never dereferenced base.
        core::ptr::NonNull::<u8>::dangling().as_ptr().cast()
    } else {
        let below = if memory64 == 0 { MEMORY_GUARD_BELOW } else { 0 };
        reserve_huge_aligned(reserved as usize, below as usize)
    };
    let bytes = min_pages * WASM_PAGE_SIZE;
    if bytes > 0 {
        // SAFETY: the range is the start of our own reservation (bytes ≤ reserved).
        let r = unsafe { libc::mprotect(base, bytes as usize, libc::PROT_READ | libc::PROT_WRITE) };
        if r != 0 {
            let e = crate::sys::errno();
            crate::sys::fatal(&[b"cannot commit linear memory: ", crate::sys::strerror(e)]);
        }
    }
    if memory64 == 0 {
        register(base as usize);
    }
    // SAFETY: the caller passes writable storage for a Memory.
    unsafe {
        mem.write(Memory {
            base: base.cast(),
            size_bytes: bytes,
            max_pages: max,
            reserved_bytes: reserved,
        });
    }
}

/// Grows `mem` by `delta_pages`; returns the old size in pages, or `u64::MAX` when the
/// maximum would be exceeded or the pages cannot be committed. The base never moves.
///
/// # Safety
/// `mem` must be a memory created by [`aotc_rt_memory_new`].
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_memory_grow(mem: *mut Memory, delta_pages: u64) -> u64 {
    // A shared memory may grow from several threads at once, while others read the
    // size: growth is serialised and the size is read and published atomically.
    // SAFETY: `mem` is a live descriptor (caller); size_bytes is an aligned u64 that
    // is only ever accessed atomically once threads exist.
    let size = unsafe { AtomicU64::from_ptr(&raw mut (*mem).size_bytes) };
    // SAFETY: base and max_pages never change after creation.
    let (base, max_pages) = unsafe { ((*mem).base, (*mem).max_pages) };
    if delta_pages == 0 {
        return size.load(Ordering::Acquire) / WASM_PAGE_SIZE;
    }
    let _serialised = GrowLock::take();
    let old_bytes = size.load(Ordering::Acquire);
    let old = old_bytes / WASM_PAGE_SIZE;
    let Some(new) = old.checked_add(delta_pages).filter(|&n| n <= max_pages) else {
        return u64::MAX;
    };
    let add = delta_pages * WASM_PAGE_SIZE;
    // SAFETY: [old_bytes, old_bytes + add) lies inside the reservation because
    // new ≤ max_pages, and max_pages × 64 KiB ≤ reserved_bytes.
    let r = unsafe {
        libc::mprotect(
            base.add(old_bytes as usize).cast(),
            add as usize,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
    if r != 0 {
        return u64::MAX;
    }
    size.store(new * WASM_PAGE_SIZE, Ordering::Release);
    old
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
    let (base, reserved) = unsafe { ((*mem).base as usize, (*mem).reserved_bytes) };
    if base == 0 {
        return;
    }
    // Only 32-bit memories are registered, and only they have the guard below.
    let registered = RESERVATIONS.iter().any(|r| {
        r.compare_exchange(base, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    });
    let below = if registered {
        MEMORY_GUARD_BELOW as usize
    } else {
        0
    };
    // SAFETY: the reservation is ours and no longer used.
    unsafe {
        if reserved != 0 {
            libc::munmap(
                (base - below) as *mut libc::c_void,
                below + reserved as usize,
            );
        }
        mem.write(Memory {
            base: core::ptr::null_mut(),
            size_bytes: 0,
            max_pages: 0,
            reserved_bytes: 0,
        });
    }
}
