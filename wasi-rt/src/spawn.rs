//! wasi-threads' `thread-spawn` (sandbox-critical: the manifest's thread limit is
//! enforced here).
//!
//! `thread-spawn(start_arg)` reserves a slot under the limit, picks the next thread
//! id, maps a guest stack (`thread`) and starts an OS thread on it, which installs its
//! signal stack and runs the generated thread entry: the module instantiated into the
//! thread's own state, then `wasi_thread_start(tid, start_arg)` (see the compiler's
//! `translate::threads`). It returns the id, or [`threads::SPAWN_FAILED`] when the
//! limit is reached, ids are exhausted or the host cannot make the thread; nothing
//! about the host failure reaches the guest.
//!
//! Invariants: at most `max_threads` (the manifest's) spawned threads run guest code
//! at once — a slot is taken before the thread exists and given back only after its
//! `wasi_thread_start` returned; ids are `1..=MAX_THREAD_ID`, each used once; a
//! stack is unmapped only after its thread has been joined (`pthread_tryjoin_np`
//! succeeds only once the thread is gone), which the next spawn does for every
//! finished thread. A trap or `proc_exit` on any thread ends the process (`trap`,
//! `wasi::clock`); returning from `_start` does too, whatever threads still run.

use alloc::boxed::Box;
use alloc::vec::Vec;
use aotc_abi::layout::VmCtxHeader;
use aotc_abi::threads::{self, ThreadEntryFn};
use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::thread::GuestStack;

/// The manifest's limit (set at startup, before the guest runs).
static MAX_THREADS: AtomicU32 = AtomicU32::new(0);
/// Spawned threads holding a slot.
static RUNNING: AtomicU32 = AtomicU32::new(0);
/// The next thread id (the main thread has none: ids start at 1).
static NEXT_ID: AtomicU32 = AtomicU32::new(1);
/// How often a spawn at the limit yields and looks again: a thread whose guest code
/// has just finished (and told its joiner so) gives its slot back a moment later, so
/// "join, then spawn again" at the limit does not fail for that moment.
const RETRIES_AT_LIMIT: u32 = 100;

/// Sets the limit from the manifest.
pub fn set_limit(max_threads: u32) {
    MAX_THREADS.store(max_threads, Ordering::Release);
}

/// Threads started and not yet joined, with their stacks, under a spin lock (held
/// only to push or to sweep; never while anything blocks).
struct Started {
    locked: AtomicBool,
    list: UnsafeCell<Vec<(libc::pthread_t, Box<GuestStack>)>>,
}

// SAFETY: `list` is only touched with `locked` held.
unsafe impl Sync for Started {}

static STARTED: Started = Started {
    locked: AtomicBool::new(false),
    list: UnsafeCell::new(Vec::new()),
};

impl Started {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<(libc::pthread_t, Box<GuestStack>)>) -> R) -> R {
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        // SAFETY: the lock is held.
        let r = f(unsafe { &mut *self.list.get() });
        self.locked.store(false, Ordering::Release);
        r
    }
}

/// Joins every thread that has ended and unmaps its stack (after the lock is
/// released).
fn reap() {
    let mut done = Vec::new();
    STARTED.with(|list| {
        let mut i = 0;
        while i < list.len() {
            // SAFETY: a joinable thread of ours, joined at most once (removed on success).
            if unsafe { libc::pthread_tryjoin_np(list[i].0, core::ptr::null_mut()) } == 0 {
                done.push(list.swap_remove(i).1);
            } else {
                i += 1;
            }
        }
    });
    for stack in done {
        // SAFETY: its thread has been joined.
        unsafe { (*stack).unmap() };
    }
}

/// Takes a slot under the limit, waiting briefly for one that is being given back.
fn take_slot() -> bool {
    let max = MAX_THREADS.load(Ordering::Acquire);
    for _ in 0..=RETRIES_AT_LIMIT {
        let taken = RUNNING.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < max).then_some(n + 1)
        });
        if taken.is_ok() {
            return true;
        }
        if max == 0 {
            return false;
        }
        // SAFETY: sched_yield has no preconditions.
        unsafe { libc::sched_yield() };
    }
    false
}

fn give_back_slot() {
    RUNNING.fetch_sub(1, Ordering::AcqRel);
}

/// The next thread id, or None once every id has been used.
fn next_id() -> Option<u32> {
    NEXT_ID
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |id| {
            (id <= threads::MAX_THREAD_ID).then_some(id + 1)
        })
        .ok()
}

/// What a new thread needs, handed over through `pthread_create`'s argument.
struct Start {
    entry: ThreadEntryFn,
    id: u32,
    start_arg: u32,
    /// The new thread's own stack (owned by `STARTED`, unmapped after the join).
    signal_stack: *const GuestStack,
}

extern "C" fn thread_main(start: *mut c_void) -> *mut c_void {
    // SAFETY: `aotc_wasi_thread_spawn` passes a leaked Box<Start>; only we take it.
    let start = unsafe { Box::from_raw(start as *mut Start) };
    // SAFETY: the GuestStack is boxed, alive until this thread has been joined.
    crate::thread::enter(unsafe { &*start.signal_stack });
    // SAFETY: the generated thread entry takes (tid, start_arg).
    unsafe { (start.entry)(start.id, start.start_arg) };
    crate::thread::leave();
    give_back_slot();
    core::ptr::null_mut()
}

/// `thread-spawn(start_arg)` (see the module documentation). `entry` is the generated
/// thread entry.
///
/// # Safety
/// Called by generated code with its context and its own thread entry.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_thread_spawn(
    _vmctx: *mut VmCtxHeader,
    start_arg: u32,
    entry: ThreadEntryFn,
) -> i32 {
    if !take_slot() {
        return threads::SPAWN_FAILED;
    }
    let Some(id) = next_id() else {
        give_back_slot();
        return threads::SPAWN_FAILED;
    };
    reap();
    match start_thread(entry, id, start_arg) {
        Ok(()) => id as i32,
        Err(()) => {
            give_back_slot();
            threads::SPAWN_FAILED
        }
    }
}

/// Maps a stack and starts the thread on it; records both for joining.
fn start_thread(entry: ThreadEntryFn, id: u32, start_arg: u32) -> Result<(), ()> {
    // Boxed: the thread refers to it, and the box's contents never move.
    let stack = Box::new(GuestStack::map().map_err(|_| ())?);
    let start = Box::into_raw(Box::new(Start {
        entry,
        id,
        start_arg,
        signal_stack: &*stack,
    }));
    // SAFETY: thread_main takes the leaked Start; the stack stays mapped until joined.
    match unsafe { stack.start(thread_main, start.cast()) } {
        Ok(thread) => {
            STARTED.with(|list| list.push((thread, stack)));
            Ok(())
        }
        Err(_) => {
            // SAFETY: the thread was not created: the Box and the stack are ours again.
            unsafe {
                drop(Box::from_raw(start));
                (*stack).unmap();
            }
            Err(())
        }
    }
}
