// The process around the program: argv and environ (sorted), stdin echoed line by line
// to stdout and counted on stderr, clocks as relations (monotonic nondecreasing,
// realtime plausible, resolutions), std::thread::sleep and raw poll_oneoff timeouts
// (relative, absolute, zero, with an fd subscription), random_get, sched_yield, and a
// final exit status taken from the environment variable EXIT_STATUS (0 if unset).
// A first argument "env-cputime-clocks" or "env-poll-events" runs only that group of
// checks, where aotc differs from Wasmtime by the README rule of that name; any other
// arguments are just echoed.
#![feature(wasi_ext)]

#[path = "common.rs"]
mod common;

use common::*;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CLOCK_REALTIME: u32 = 0;
const CLOCK_MONOTONIC: u32 = 1;
const CLOCK_PROCESS: u32 = 2;
const CLOCK_THREAD: u32 = 3;

fn poll(subs: &[u8], n: u32) -> (u16, u32, Vec<Event>) {
    let mut events = vec![Event::default(); n as usize];
    let mut got = 0u32;
    let e = unsafe { raw::poll_oneoff(subs.as_ptr(), events.as_mut_ptr(), n, &mut got) };
    (e, got, events)
}

fn clock_sub(userdata: u64, clock_id: u32, timeout: u64, absolute: bool) -> SubClock {
    SubClock { userdata, tag: 0, clock_id, timeout, precision: 0, flags: if absolute { 1 } else { 0 }, ..Default::default() }
}

fn bytes<T>(v: &T) -> &[u8] {
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}

fn now_ns(id: u32) -> Result<u64, u16> {
    let mut t = 0u64;
    let e = unsafe { raw::clock_time_get(id, 1, &mut t) };
    if e == 0 { Ok(t) } else { Err(e) }
}

fn show_clocks(clocks: &[(&str, u32)]) {
    for &(name, id) in clocks {
        let mut res = 0u64;
        let e = unsafe { raw::clock_res_get(id, &mut res) };
        if e == 0 {
            println!("clock_res_get {}: ok, in (0, 1s]: {}", name, yes(res > 0 && res <= 1_000_000_000));
        } else {
            println!("clock_res_get {}: {}", name, rc(e));
        }
        match now_ns(id) {
            Ok(t) => println!("clock_time_get {}: ok, nonzero: {}", name, yes(t > 0)),
            Err(e) => println!("clock_time_get {}: {}", name, rc(e)),
        }
    }
}

/// Rule `cputime-clocks`: the process and thread CPU-time clocks answer under aotc
/// (EBADF under Wasmtime), and a poll_oneoff subscription on the process clock is an
/// EINVAL event under aotc (it fires under Wasmtime).
fn cputime_clocks() {
    show_clocks(&[("process", CLOCK_PROCESS), ("thread", CLOCK_THREAD)]);
    let s = clock_sub(14, CLOCK_PROCESS, 1_000_000, false);
    let (e, got, ev) = poll(bytes(&s), 1);
    println!("poll process clock 1ms: {} events={} userdata={} type={} error={}", rc(e), got, ev[0].userdata, ev[0].kind, errno_name(ev[0].error as i32));
}

/// Rule `poll-events`: an fd_read subscription on fd 99 (not open) is an event with
/// error EBADF under aotc; under Wasmtime the whole poll_oneoff call fails with EBADF.
fn poll_events() {
    let mut bad = Vec::new();
    bad.extend_from_slice(bytes(&SubFd { userdata: 13, tag: 1, fd: 99, ..Default::default() }));
    let (e, got, ev) = poll(&bad, 1);
    println!("poll read on fd 99: {} events={} userdata={} error={}", rc(e), got, ev[0].userdata, errno_name(ev[0].error as i32));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("env-cputime-clocks") => return cputime_clocks(),
        Some("env-poll-events") => return poll_events(),
        _ => {}
    }
    println!("argc: {}", args.len());
    for (i, a) in args.iter().enumerate() {
        println!("argv[{}]: {:?}", i, a);
    }
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    println!("environ count: {}", vars.len());
    for (k, v) in &vars {
        println!("env {}={:?}", k, v);
    }
    println!("var GREETING: {:?}", std::env::var("GREETING"));
    println!("var MISSING: {:?}", std::env::var("MISSING"));

    // stdin: echo each line numbered; count on stderr.
    let stdin = std::io::stdin();
    let mut lines = 0;
    let mut bytes_in = 0;
    for line in stdin.lock().lines() {
        match line {
            Ok(l) => {
                lines += 1;
                bytes_in += l.len() + 1;
                println!("stdin {}: {:?}", lines, l);
            }
            Err(e) => {
                println!("stdin read: err {}", err_str(&e));
                break;
            }
        }
    }
    eprintln!("stderr: read {} lines, about {} bytes", lines, bytes_in);
    let mut extra = String::new();
    show("stdin after EOF", std::io::stdin().read_line(&mut extra), |n| n.to_string());

    // Clocks. (An out-of-range clock id traps in Wasmtime instead of returning EINVAL,
    // so none is tried.)
    // (The CPU-time clocks: group env-cputime-clocks.)
    show_clocks(&[("realtime", CLOCK_REALTIME), ("monotonic", CLOCK_MONOTONIC)]);
    let mono: Vec<u64> = (0..1000).filter_map(|_| now_ns(CLOCK_MONOTONIC).ok()).collect();
    println!("monotonic nondecreasing over 1000 reads: {}", yes(mono.windows(2).all(|w| w[0] <= w[1])));
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    println!("realtime after 2020 and before 2200: {}", yes(wall > 1_577_836_800 && wall < 7_258_118_400));
    let i0 = Instant::now();
    let i1 = Instant::now();
    println!("Instant nondecreasing: {}", yes(i1 >= i0));

    // Sleeping: std::thread::sleep is a relative clock subscription.
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(30));
    let slept = t0.elapsed();
    println!("sleep 30ms took >= 30ms: {}", yes(slept >= Duration::from_millis(30)));
    println!("sleep 30ms took < 5s: {}", yes(slept < Duration::from_secs(5)));
    std::thread::sleep(Duration::from_millis(0));
    println!("sleep 0: ok");

    // Raw poll_oneoff.
    let s = clock_sub(7, CLOCK_MONOTONIC, 20_000_000, false);
    let t0 = now_ns(CLOCK_MONOTONIC).unwrap_or(0);
    let (e, got, ev) = poll(bytes(&s), 1);
    let dt = now_ns(CLOCK_MONOTONIC).unwrap_or(0).saturating_sub(t0);
    println!("poll relative 20ms: {} events={} userdata={} type={} error={} waited>=20ms: {}", rc(e), got, ev[0].userdata, ev[0].kind, ev[0].error, yes(dt >= 20_000_000));
    let deadline = now_ns(CLOCK_MONOTONIC).unwrap_or(0) + 15_000_000;
    let s = clock_sub(8, CLOCK_MONOTONIC, deadline, true);
    let (e, got, ev) = poll(bytes(&s), 1);
    println!("poll absolute +15ms: {} events={} userdata={} reached deadline: {}", rc(e), got, ev[0].userdata, yes(now_ns(CLOCK_MONOTONIC).unwrap_or(0) >= deadline));
    let s = clock_sub(9, CLOCK_MONOTONIC, 0, false);
    let (e, got, ev) = poll(bytes(&s), 1);
    println!("poll zero timeout: {} events={} userdata={}", rc(e), got, ev[0].userdata);
    let s = clock_sub(10, CLOCK_REALTIME, 10_000_000, false);
    let (e, got, ev) = poll(bytes(&s), 1);
    println!("poll realtime relative 10ms: {} events={} userdata={} error={}", rc(e), got, ev[0].userdata, ev[0].error);
    let (e, got, _) = poll(&[], 0);
    println!("poll with no subscriptions: {} events={}", rc(e), got);
    // Stdout is always writable: an fd_write subscription fires at once, beating a long clock.
    let mut two = Vec::new();
    two.extend_from_slice(bytes(&SubFd { userdata: 11, tag: 2, fd: 1, ..Default::default() }));
    two.extend_from_slice(bytes(&clock_sub(12, CLOCK_MONOTONIC, 5_000_000_000, false)));
    let t0 = Instant::now();
    let (e, got, ev) = poll(&two, 2);
    println!("poll stdout writable vs 5s clock: {} events={} first userdata={} type={} error={} fast: {}", rc(e), got, ev[0].userdata, ev[0].kind, ev[0].error, yes(t0.elapsed() < Duration::from_secs(4)));
    // (A subscription on a descriptor that does not exist: group env-poll-events.)

    // Randomness and yielding.
    let mut buf = [0u8; 64];
    let e = unsafe { raw::random_get(buf.as_mut_ptr(), buf.len() as u32) };
    println!("random_get 64: {} not all zero: {}", rc(e), yes(buf.iter().any(|&b| b != 0)));
    let e = unsafe { raw::random_get(buf.as_mut_ptr(), 0) };
    println!("random_get 0: {}", rc(e));
    println!("sched_yield: {}", rc(unsafe { raw::sched_yield() }));

    // stdout is line-buffered by std; make sure everything is out before exiting.
    let _ = std::io::stdout().flush();
    let status: i32 = std::env::var("EXIT_STATUS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    println!("exiting with {}", status);
    std::process::exit(status);
}
