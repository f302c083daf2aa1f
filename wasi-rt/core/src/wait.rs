//! `memory.atomic.wait32/wait64` and `memory.atomic.notify` for shared memories: a
//! wait queue keyed by host address.
//!
//! A futex alone cannot do this (it compares 32 bits, `wait64` compares 64, and
//! `notify` must report how many waiters it woke), so waiters queue themselves in one of
//! [`BUCKETS`] lists chosen by address hash, each list guarded by its own mutex.
//!
//! Invariants: a waiter compares the memory value and enqueues itself under its
//! bucket's lock, and a notifier takes the same lock after the guest's store, so a
//! wake-up is never missed. A queued [`Waiter`] lives on its waiting thread's stack:
//! it is only reached under the bucket lock, a notifier unlinks it before setting
//! `woken`, and the waiter takes the lock once more before returning, so no notifier
//! can still hold a pointer to it when its frame is gone. Generated code checks bounds
//! and alignment before calling in: the address is always valid here.

use core::cell::UnsafeCell;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Result codes of `memory.atomic.wait*`.
const WOKEN: u32 = 0;
const NOT_EQUAL: u32 = 1;
const TIMED_OUT: u32 = 2;

/// One waiting thread, on its own stack while queued.
struct Waiter {
    addr: usize,
    /// 0 while queued; set to 1 by the notifier that unlinked it (futex word).
    woken: AtomicU32,
    next: *mut Waiter,
}

struct Bucket {
    lock: UnsafeCell<libc::pthread_mutex_t>,
    /// Singly linked list of queued waiters, guarded by `lock`.
    head: UnsafeCell<*mut Waiter>,
}

// SAFETY: `head` and the waiters it links are only touched with `lock` held.
unsafe impl Sync for Bucket {}

const BUCKET_COUNT: usize = 64;

static BUCKETS: [Bucket; BUCKET_COUNT] = [const {
    Bucket {
        lock: UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER),
        head: UnsafeCell::new(null_mut()),
    }
}; BUCKET_COUNT];

/// Holds a bucket's lock until dropped.
struct Locked<'a>(&'a Bucket);

impl<'a> Locked<'a> {
    fn new(addr: usize) -> Locked<'static> {
        // Fibonacci hashing of the word address spreads neighbouring words.
        let index = ((addr >> 2).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) % BUCKET_COUNT;
        let bucket = &BUCKETS[index];
        // SAFETY: a statically initialised mutex that is never destroyed.
        unsafe { libc::pthread_mutex_lock(bucket.lock.get()) };
        Locked(bucket)
    }

    fn head(&self) -> *mut *mut Waiter {
        self.0.head.get()
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock.
        unsafe { libc::pthread_mutex_unlock(self.0.lock.get()) };
    }
}

fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is valid writable storage.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

/// Sleeps on `word` while it is 0, at most `ns` nanoseconds (`None`: no limit). May
/// return early (signal, spurious wake-up); the caller re-checks.
fn futex_wait(word: &AtomicU32, ns: Option<u64>) {
    let ts = ns.map(|ns| libc::timespec {
        tv_sec: (ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: word is a live futex word; ts_ptr is null or points to a timespec.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
            0u32,
            ts_ptr,
        );
    }
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: word is a live futex word.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            1i32,
        );
    }
}

/// Waits at `addr` if `still_expected()` (called under the bucket lock) holds.
fn wait(addr: usize, still_expected: impl FnOnce() -> bool, timeout_ns: i64) -> u32 {
    let deadline = u64::try_from(timeout_ns)
        .ok()
        .map(|t| now_ns().saturating_add(t));
    let mut waiter = Waiter {
        addr,
        woken: AtomicU32::new(0),
        next: null_mut(),
    };
    {
        let bucket = Locked::new(addr);
        if !still_expected() {
            return NOT_EQUAL;
        }
        if timeout_ns == 0 {
            return TIMED_OUT;
        }
        // SAFETY: the list is guarded by the lock we hold; `waiter` stays alive until
        // it has been unlinked (see the module invariants).
        // Appended at the tail: notify wakes waiters in the order they came.
        unsafe {
            let mut link = bucket.head();
            while !(*link).is_null() {
                link = &mut (**link).next;
            }
            *link = &mut waiter;
        }
    }
    loop {
        if waiter.woken.load(Ordering::Acquire) == 1 {
            // The notifier may still be inside its critical section: wait it out.
            drop(Locked::new(addr));
            return WOKEN;
        }
        let remaining = match deadline {
            None => None,
            Some(d) => match d.checked_sub(now_ns()) {
                Some(r) if r > 0 => Some(r),
                _ => break,
            },
        };
        futex_wait(&waiter.woken, remaining);
    }
    // Timed out, unless a notifier got to us first.
    let bucket = Locked::new(addr);
    if waiter.woken.load(Ordering::Acquire) == 1 {
        return WOKEN;
    }
    // SAFETY: under the lock; `waiter` is still linked (nobody woke it).
    unsafe {
        let mut link = bucket.head();
        while !(*link).is_null() {
            if core::ptr::eq(*link, &raw const waiter) {
                *link = waiter.next;
                break;
            }
            link = &mut (**link).next;
        }
    }
    TIMED_OUT
}

/// `memory.atomic.wait32`: 0 woken, 1 the value differs from `expected`, 2 timed out.
///
/// # Safety
/// `addr` must be a 4-aligned address inside a live shared linear memory.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_atomic_wait32(
    addr: *const u32,
    expected: u32,
    timeout_ns: i64,
) -> u32 {
    // SAFETY: guaranteed by the caller (checked by generated code).
    let cell = unsafe { AtomicU32::from_ptr(addr.cast_mut()) };
    wait(
        addr as usize,
        || cell.load(Ordering::SeqCst) == expected,
        timeout_ns,
    )
}

/// `memory.atomic.wait64`, as [`aotc_rt_atomic_wait32`] for a 64-bit value.
///
/// # Safety
/// `addr` must be an 8-aligned address inside a live shared linear memory.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_atomic_wait64(
    addr: *const u64,
    expected: u64,
    timeout_ns: i64,
) -> u32 {
    // SAFETY: guaranteed by the caller (checked by generated code).
    let cell = unsafe { AtomicU64::from_ptr(addr.cast_mut()) };
    wait(
        addr as usize,
        || cell.load(Ordering::SeqCst) == expected,
        timeout_ns,
    )
}

/// `memory.atomic.notify`: wakes up to `count` waiters on `addr`, longest waiting
/// first, and returns how many it woke.
///
/// # Safety
/// `addr` must be an address inside a live shared linear memory.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_atomic_notify(addr: *const u32, count: u32) -> u32 {
    let addr = addr as usize;
    let bucket = Locked::new(addr);
    let mut woken = 0;
    // SAFETY: under the lock every linked waiter is alive (module invariants).
    unsafe {
        let mut link = bucket.head();
        while woken < count && !(*link).is_null() {
            let w = *link;
            if (*w).addr == addr {
                *link = (*w).next;
                (*w).woken.store(1, Ordering::Release);
                futex_wake(&(*w).woken);
                woken += 1;
            } else {
                link = &mut (*w).next;
            }
        }
    }
    woken
}
