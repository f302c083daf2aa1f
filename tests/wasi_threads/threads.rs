//! Guest of tests/wasi_threads.rs: Rust std threads on wasm32-wasip1-threads (wasi-libc
//! pthreads over `wasi` `thread-spawn`). One scenario per first argument; every
//! output line is deterministic (threads' own lines are sorted by the test).
//!
//! Rebuild threads.wasm (Rust stable, `rustup target add wasm32-wasip1-threads`):
//!   rustc --target wasm32-wasip1-threads -O tests/wasi_threads/threads.rs \
//!     -o tests/wasi_threads/threads.wasm

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

const THREADS: usize = 8;
const ROUNDS: usize = 20_000;

/// N threads bump an atomic and a mutex-protected counter; joins return values.
fn counters() {
    let atomic = Arc::new(AtomicUsize::new(0));
    let locked = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (atomic, locked) = (atomic.clone(), locked.clone());
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    atomic.fetch_add(1, Ordering::SeqCst);
                    *locked.lock().unwrap() += 1;
                }
                i * i
            })
        })
        .collect();
    let results: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("atomic {}", atomic.load(Ordering::SeqCst));
    println!("mutex {}", *locked.lock().unwrap());
    println!("joined {results:?}");
}

/// A bounded queue between one producer and three consumers (condition variables).
fn condvar() {
    struct Queue {
        items: Mutex<(Vec<u64>, bool)>,
        changed: Condvar,
    }
    let q = Arc::new(Queue {
        items: Mutex::new((Vec::new(), false)),
        changed: Condvar::new(),
    });
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            thread::spawn(move || {
                let (mut sum, mut count) = (0u64, 0u64);
                let mut items = q.items.lock().unwrap();
                loop {
                    if let Some(v) = items.0.pop() {
                        sum += v;
                        count += 1;
                        q.changed.notify_all();
                    } else if items.1 {
                        return (sum, count);
                    } else {
                        items = q.changed.wait(items).unwrap();
                    }
                }
            })
        })
        .collect();
    for v in 1..=10_000u64 {
        let mut items = q.items.lock().unwrap();
        while items.0.len() >= 16 {
            items = q.changed.wait(items).unwrap();
        }
        items.0.push(v);
        q.changed.notify_all();
    }
    q.items.lock().unwrap().1 = true;
    q.changed.notify_all();
    let (mut sum, mut count) = (0, 0);
    for c in consumers {
        let (s, n) = c.join().unwrap();
        sum += s;
        count += n;
    }
    println!("consumed {count} items, sum {sum}");
}

/// Every thread writes lines to stdout.
fn print() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                for j in 0..3 {
                    println!("thread {i} line {j}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    println!("main done");
}

/// Holds `n` threads blocked, then tries one more; then frees them and tries again.
fn limit(n: usize) {
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let mut held = Vec::new();
    for _ in 0..n {
        let gate = gate.clone();
        held.push(thread::spawn(move || {
            let mut open = gate.0.lock().unwrap();
            while !*open {
                open = gate.1.wait(open).unwrap();
            }
        }));
    }
    match thread::Builder::new().spawn(|| ()) {
        Ok(h) => {
            h.join().unwrap();
            println!("extra thread started");
        }
        Err(e) => println!("extra thread refused: {:?}", e.kind()),
    }
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    for h in held {
        h.join().unwrap();
    }
    // Slots come back when threads end: spawning and joining goes on working.
    for round in 0..50 {
        if let Err(e) = thread::Builder::new().spawn(|| ()).map(|h| h.join()) {
            println!("round {round} refused: {:?}", e.kind());
            return;
        }
    }
    println!("50 more threads after the others ended");
}

/// Threads create, write, read back and remove files in `data` at the same time
/// (the fd table is shared by all of them). Absolute paths: wasi-libc before
/// WebAssembly/wasi-libc#781 (Rust 1.9x bundles such a one) makes a relative path
/// absolute in one static buffer, which threads overwrite under each other.
fn files() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                for j in 0..100 {
                    let path = format!("/data/t{i}_{j}.txt");
                    let text = format!("thread {i} file {j}");
                    std::fs::write(&path, &text).unwrap();
                    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
                    std::fs::remove_file(&path).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let left = std::fs::read_dir("/data").unwrap().count();
    println!("files ok, {left} left");
}

fn wait_forever() -> ! {
    loop {
        thread::park();
    }
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    match arg.as_str() {
        "counters" => counters(),
        "condvar" => condvar(),
        "print" => print(),
        "files" => files(),
        "limit" => limit(std::env::args().nth(2).unwrap().parse().unwrap()),
        "exit" => {
            thread::spawn(|| std::process::exit(7));
            wait_forever();
        }
        "oob" => {
            thread::spawn(|| {
                // Far beyond the memory's 1 GiB maximum: always out of bounds.
                let p = black_box(0xFFFF_FF00usize) as *const u8;
                println!("read {}", unsafe { p.read_volatile() });
            });
            wait_forever();
        }
        "return" => {
            // A thread that never ends does not keep the process alive.
            let started = Arc::new(AtomicBool::new(false));
            let s = started.clone();
            thread::spawn(move || {
                s.store(true, Ordering::SeqCst);
                wait_forever();
            });
            while !started.load(Ordering::SeqCst) {
                thread::yield_now();
            }
            println!("main returns");
        }
        _ => {
            eprintln!("usage: threads counters|condvar|print|files|limit N|exit|oob|return");
            std::process::exit(2);
        }
    }
}
