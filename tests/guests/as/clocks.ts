// Differential guest: clocks, poll_oneoff, random_get and sched_yield. Prints only relations
// (monotonic nondecreasing, sleeps last at least their timeout, realtime after 2020, ...) and
// the errno of each call, never a clock reading.

import {
  say, ename, check, OUT, now, err, bytesHex, w_clock_res_get, w_clock_time_get,
  w_poll_oneoff, w_random_get, w_sched_yield, yesno, sayErr,
} from "./lib/wasi";

const SUBS: usize = memory.data(48 * 4, 16);
const EVENTS: usize = memory.data(32 * 4, 16);
const RND: usize = memory.data(64, 16);
const NEV: usize = memory.data(8, 8);

const REALTIME: u32 = 0;
const MONOTONIC: u32 = 1;
const PROCESS_CPU: u32 = 2;
const THREAD_CPU: u32 = 3;

// Without arguments: the checks that must match Wasmtime. A first argument runs only one
// group, each in its own case: bad-poll-clock (matches Wasmtime too), bad-clock-res and
// bad-clock-time (rule bad-enum), bad-poll-fd (rule poll-events), cputime (rule
// cputime-clocks).
const mode = process.argv.length > 1 ? process.argv[1] : "";
const names = ["realtime", "monotonic", "process_cputime", "thread_cputime"];

// Rule cputime-clocks: the process and thread CPU-time clocks (ids 2 and 3) answer under aotc
// (Wasmtime: EBADF), and a poll_oneoff subscription on one is an EINVAL event (Wasmtime: fires).
if (mode == "cputime") {
  for (let id: u32 = PROCESS_CPU; id <= THREAD_CPU; id++) {
    const e = w_clock_res_get(id, OUT);
    const res = load<u64>(OUT);
    say("clock_res_get " + names[id] + ": " + ename(e) +
        (e == 0 ? " in (0, 1s]: " + yesno(res > 0 && res <= 1000000000) : ""));
    say("clock_time_get " + names[id] + ": " + ename(w_clock_time_get(id, 0, OUT)));
  }
  if (w_clock_time_get(PROCESS_CPU, 0, OUT) == 0) {
    const c1 = load<u64>(OUT);
    w_clock_time_get(PROCESS_CPU, 0, OUT);
    say("process cputime nondecreasing: " + yesno(load<u64>(OUT) >= c1));
  }
  if (w_clock_time_get(THREAD_CPU, 0, OUT) == 0) {
    const c1 = load<u64>(OUT);
    w_clock_time_get(THREAD_CPU, 0, OUT);
    say("thread cputime nondecreasing: " + yesno(load<u64>(OUT) >= c1));
  }
  clockSub(SUBS, 71, PROCESS_CPU, 1000, 0);
  showEvents("poll process_cputime relative 1us", w_poll_oneoff(SUBS, EVENTS, 1, NEV));
  process.exit(0);
}

// Rule bad-enum: an unknown clock id (99); aotc EINVAL, Wasmtime traps.
if (mode == "bad-clock-res") {
  say("clock_res_get id 99: " + ename(w_clock_res_get(99, OUT)));
  process.exit(0);
}
if (mode == "bad-clock-time") {
  say("clock_time_get id 99: " + ename(w_clock_time_get(99, 0, OUT)));
  process.exit(0);
}

// Rule poll-events: an fd_read subscription on a closed fd (77); aotc reports an EBADF
// event, Wasmtime fails the whole call with EBADF.
if (mode == "bad-poll-fd") {
  fdSub(SUBS, 51, 1, 77);
  showEvents("poll bad fd", w_poll_oneoff(SUBS, EVENTS, 1, NEV));
  process.exit(0);
}

// An unknown clock id in a subscription: the whole call fails with EINVAL under both.
if (mode == "bad-poll-clock") {
  clockSub(SUBS, 61, 99, 1000, 0);
  showEvents("poll unknown clock", w_poll_oneoff(SUBS, EVENTS, 1, NEV));
  process.exit(0);
}

if (mode != "") {
  sayErr("unknown group " + mode);
  process.exit(2);
}

// Resolutions: a clock exists when res_get succeeds with a resolution in (0, 1 s].
for (let id: u32 = 0; id < 2; id++) {
  const e = w_clock_res_get(id, OUT);
  const res = load<u64>(OUT);
  say("clock_res_get " + names[id] + ": " + ename(e) +
      (e == 0 ? " in (0, 1s]: " + yesno(res > 0 && res <= 1000000000) : ""));
  const t = w_clock_time_get(id, 0, OUT);
  say("clock_time_get " + names[id] + ": " + ename(t));
}
// Realtime is after 2020-01-01 and agrees with the shim's Date.now to within a minute.
const real = now(REALTIME);
say("realtime after 2020: " + yesno(real > <u64>1577836800 * 1000000000));
const dateNow = Date.now();
const diffMs = <i64>(real / 1000000) - dateNow;
say("Date.now within 60 s of realtime: " + yesno(diffMs < 60000 && diffMs > -60000));

// Monotonic never goes back, over many readings; performance.now() neither.
let prev = now(MONOTONIC);
let mono = true;
for (let i = 0; i < 1000; i++) {
  const t = now(MONOTONIC);
  if (t < prev) mono = false;
  prev = t;
}
say("monotonic nondecreasing: " + yesno(mono));
const p1 = performance.now();
const p2 = performance.now();
say("performance.now nondecreasing: " + yesno(p2 >= p1));
const h1 = process.hrtime();
const h2 = process.hrtime();
say("process.hrtime nondecreasing: " + yesno(h2 >= h1));

function clockSub(at: usize, userdata: u64, clock: u32, timeout: u64, flags: u16): void {
  memory.fill(at, 0, 48);
  store<u64>(at, userdata);
  store<u8>(at, 0, 8);          // eventtype clock
  store<u32>(at, clock, 16);
  store<u64>(at, timeout, 24);
  store<u64>(at, 0, 32);        // precision
  store<u16>(at, flags, 40);
}

function fdSub(at: usize, userdata: u64, kind: u8, fd: u32): void {
  memory.fill(at, 0, 48);
  store<u64>(at, userdata);
  store<u8>(at, kind, 8);       // 1 fd_read, 2 fd_write
  store<u32>(at, fd, 16);
}

function showEvents(label: string, e: u16): void {
  const n = load<u32>(NEV);
  let s = label + ": " + ename(e);
  if (e == 0) {
    s += " nevents=" + n.toString();
    for (let i: u32 = 0; i < n; i++) {
      const ev = EVENTS + i * 32;
      s += " [userdata=" + load<u64>(ev).toString() + " error=" + ename(load<u16>(ev, 8)) +
           " type=" + load<u8>(ev, 10).toString() + "]";
    }
  }
  say(s);
}

// A relative 20 ms sleep lasts at least 20 ms.
clockSub(SUBS, 11, MONOTONIC, 20000000, 0);
let before = now(MONOTONIC);
let e = w_poll_oneoff(SUBS, EVENTS, 1, NEV);
let after = now(MONOTONIC);
showEvents("poll relative 20ms", e);
say("slept at least 20ms: " + yesno(after - before >= 20000000));

// An absolute deadline 15 ms ahead on the monotonic clock.
before = now(MONOTONIC);
clockSub(SUBS, 12, MONOTONIC, before + 15000000, 1);
e = w_poll_oneoff(SUBS, EVENTS, 1, NEV);
after = now(MONOTONIC);
showEvents("poll absolute +15ms", e);
say("reached the deadline: " + yesno(after >= before + 15000000));

// An absolute deadline in the past fires at once.
clockSub(SUBS, 13, MONOTONIC, 1, 1);
e = w_poll_oneoff(SUBS, EVENTS, 1, NEV);
showEvents("poll absolute past", e);

// Realtime clock, relative 5 ms.
clockSub(SUBS, 14, REALTIME, 5000000, 0);
e = w_poll_oneoff(SUBS, EVENTS, 1, NEV);
showEvents("poll realtime relative 5ms", e);

// Two timers: only the shorter one fires.
clockSub(SUBS, 21, MONOTONIC, 500000000, 0);
clockSub(SUBS + 48, 22, MONOTONIC, 5000000, 0);
before = now(MONOTONIC);
e = w_poll_oneoff(SUBS, EVENTS, 2, NEV);
after = now(MONOTONIC);
showEvents("poll two timers", e);
say("returned before the long timer: " + yesno(after - before < 400000000));

// A zero timeout returns at once.
clockSub(SUBS, 31, MONOTONIC, 0, 0);
e = w_poll_oneoff(SUBS, EVENTS, 1, NEV);
showEvents("poll zero timeout", e);

// stdout is writable at once (the timer does not fire).
fdSub(SUBS, 41, 2, 1);
clockSub(SUBS + 48, 42, MONOTONIC, 1000000000, 0);
e = w_poll_oneoff(SUBS, EVENTS, 2, NEV);
showEvents("poll stdout writable", e);

// No subscriptions at all.
e = w_poll_oneoff(SUBS, EVENTS, 0, NEV);
say("poll no subscriptions: " + ename(e));

// random_get fills buffers (not all zero, two draws differ) and accepts length 0.
memory.fill(RND, 0, 64);
check("random_get 32", w_random_get(RND, 32));
let zero = true;
for (let i = 0; i < 32; i++) if (load<u8>(RND + i) != 0) zero = false;
say("random bytes not all zero: " + yesno(!zero));
check("random_get 32 again", w_random_get(RND + 32, 32));
say("two draws differ: " + yesno(bytesHex(RND, 32) != bytesHex(RND + 32, 32)));
check("random_get 0", w_random_get(RND, 0));
const r = new Uint8Array(16);
crypto.getRandomValues(r);
say("crypto.getRandomValues length: " + r.length.toString());
const m = Math.random();
say("Math.random in [0,1): " + yesno(m >= 0 && m < 1));
check("sched_yield", w_sched_yield());
say("err untouched: " + ename(err));
