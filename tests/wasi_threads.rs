//! wasi-threads (`wasi` `thread-spawn`): programs built for `wasm32-wasip1-threads`
//! run on OS threads, one instance per thread over the one shared memory.
//!
//! `wasi_threads/threads.wasm` is Rust std (wasi-libc pthreads) built from
//! `wasi_threads/threads.rs` (see its header; the Debian wasi-libc has no
//! `wasm32-wasip1-threads` sysroot, so there is no C guest): exact counters under
//! contention, join values, condition variables, stdout from every thread, the
//! manifest's thread limit (`--max-threads`), and the process-wide endings (a trap or
//! `proc_exit` in a spawned thread; `_start` returning with threads still running).
//! `wasi_threads/instances.wat` checks the instance model itself (per-thread globals,
//! tables, start function and data segments; thread ids) and stack exhaustion on a
//! spawned thread. Wasmtime 49's CLI no longer has wasi-threads (`-S threads` is
//! refused), so the expected outputs are written here rather than compared with it.

mod common;

use common::*;

/// What `threads counters` prints: 8 threads × 20,000 increments of each counter.
const COUNTERS_OUTPUT: &str = "atomic 160000\nmutex 160000\njoined [0, 1, 4, 9, 16, 25, 36, 49]\n";

fn threads_guest() -> std::path::PathBuf {
    tests_path("wasi_threads/threads.wasm")
}

fn instances_guest() -> std::path::PathBuf {
    tests_path("wasi_threads/instances.wat")
}

fn run(flags: &[&str], args: &[&str]) -> Output {
    let exe = build_ok(&threads_guest(), flags);
    Run::new(&exe).args(args).output()
}

#[test]
fn contended_counters_are_exact_and_joins_return_values() {
    let out = run(&[], &["counters"]);
    assert_success(&out);
    assert_stdout(&out, COUNTERS_OUTPUT);
}

#[test]
fn condition_variables_hand_every_item_over_once() {
    let out = run(&[], &["condvar"]);
    assert_success(&out);
    assert_stdout(&out, "consumed 10000 items, sum 50005000\n");
}

#[test]
fn every_thread_writes_to_stdout() {
    let out = run(&[], &["print"]);
    assert_success(&out);
    let stdout = out.stdout();
    let mut lines: Vec<&str> = stdout.lines().collect();
    check(
        &out,
        lines.last() == Some(&"main done"),
        "main's line comes last",
    );
    lines.sort_unstable();
    let mut expected: Vec<String> = (0..4)
        .flat_map(|i| (0..3).map(move |j| format!("thread {i} line {j}")))
        .collect();
    expected.push("main done".to_string());
    expected.sort_unstable();
    check(&out, lines == expected, "every line once, none torn");
}

#[test]
fn the_thread_limit_refuses_spawns_beyond_it_and_frees_slots() {
    let out = run(&["--max-threads", "2"], &["limit", "2"]);
    assert_success(&out);
    // wasi-libc's pthread_create turns the failed spawn into EAGAIN (WouldBlock).
    assert_stdout(
        &out,
        "extra thread refused: WouldBlock\n50 more threads after the others ended\n",
    );
    let out = run(&["--max-threads", "3"], &["limit", "2"]);
    assert_stdout(
        &out,
        "extra thread started\n50 more threads after the others ended\n",
    );
    let out = run(&["--max-threads", "0"], &["limit", "0"]);
    assert_stdout(
        &out,
        "extra thread refused: WouldBlock\nround 0 refused: WouldBlock\n",
    );
}

#[test]
fn inspect_shows_the_thread_limit() {
    let exe = build_ok(&threads_guest(), &["--max-threads", "2"]);
    let out = aotc([std::ffi::OsStr::new("inspect"), exe.as_os_str()]);
    assert_success(&out);
    check(
        &out,
        out.stdout()
            .contains("threads (wasi-threads): at most 2 at once"),
        "inspect names the limit",
    );
    let exe = build_ok(&threads_guest(), &[]);
    let out = aotc([std::ffi::OsStr::new("inspect"), exe.as_os_str()]);
    check(
        &out,
        out.stdout()
            .contains("threads (wasi-threads): at most 64 at once"),
        "the default limit is 64",
    );
}

#[test]
fn proc_exit_in_a_spawned_thread_ends_the_process() {
    let out = run(&[], &["exit"]);
    assert_exit(&out, 7);
}

#[test]
fn a_trap_in_a_spawned_thread_ends_the_process_with_134() {
    let out = run(&[], &["oob"]);
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr()
            .starts_with("wasm trap: out of bounds memory access\n"),
        "the trap message first",
    );
    check(
        &out,
        out.stderr().contains("wasi_thread_start"),
        "the backtrace reaches the thread's entry",
    );
    check(&out, out.stdout.is_empty(), "nothing read");
}

#[test]
fn returning_from_start_ends_running_threads() {
    let out = run(&[], &["return"]);
    assert_success(&out);
    assert_stdout(&out, "main returns\n");
}

#[test]
fn each_thread_has_an_instance_of_its_own_over_the_shared_memory() {
    // The guest's exit status names the first check that failed (see the .wat).
    let exe = build_ok(&instances_guest(), &[]);
    let out = Run::new(&exe).output();
    assert_success(&out);
    check(&out, out.stderr.is_empty(), "no output on stderr");
}

#[test]
fn stack_exhaustion_in_a_spawned_thread_is_a_trap() {
    let exe = build_ok(&instances_guest(), &[]);
    let out = Run::new(&exe).arg("recurse").output();
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr()
            .starts_with("wasm trap: call stack exhausted\n  in wasm function recurse\n"),
        "the thread's guard page is recognised",
    );
}

#[test]
fn aotc_run_executes_a_module_that_spawns_threads() {
    let guest = threads_guest();
    let out = aotc([
        std::ffi::OsStr::new("run"),
        guest.as_os_str(),
        std::ffi::OsStr::new("--"),
        std::ffi::OsStr::new("counters"),
    ]);
    assert_success(&out);
    assert_stdout(&out, COUNTERS_OUTPUT);
}

/// A module importing `thread-spawn`, with `rest` spliced in.
fn spawner(rest: &str) -> String {
    format!(
        r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  {rest}
  (func (export "_start") (drop (call $spawn (i32.const 0)))))"#
    )
}

fn compile_wat(text: &str) -> Output {
    let dir = tempdir();
    let input = dir.path().join("m.wat");
    write_file(&input, text.as_bytes());
    let exe = dir.path().join("m");
    aotc([input.as_os_str(), "-o".as_ref(), exe.as_os_str()])
}

#[test]
fn modules_that_cannot_run_threads_are_compile_errors() {
    let shared = r#"(import "env" "memory" (memory 1 1 shared))"#;
    let start = r#"(func (export "wasi_thread_start") (param i32 i32))"#;
    let out = compile_wat(&spawner(shared));
    assert_aotc_error_mentions(&out, &["exports no function wasi_thread_start"]);
    let out = compile_wat(&spawner(&format!(
        r#"{shared} (func (export "wasi_thread_start") (param i32))"#
    )));
    assert_aotc_error_mentions(&out, &["wasi_thread_start has type (i32) -> ()"]);
    let out = compile_wat(&spawner(&format!("(memory 1) {start}")));
    assert_aotc_error_mentions(&out, &["memory 0 is not shared"]);
    let bad_import = r#"(module
  (import "wasi" "thread-spawn" (func $spawn (param i64) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (func (export "wasi_thread_start") (param i32 i32))
  (func (export "_start") (drop (call $spawn (i64.const 0)))))"#;
    let out = compile_wat(bad_import);
    assert_aotc_error_mentions(&out, &["wasi.thread-spawn has type (i64) -> (i32)"]);
}

#[test]
fn only_modules_that_spawn_threads_get_thread_local_state() {
    let dir = tempdir();
    let ir = |input: &std::path::Path, name: &str| {
        let out_path = dir.path().join(name);
        let out = aotc([
            input.as_os_str(),
            "--emit".as_ref(),
            "llvm-ir".as_ref(),
            "-o".as_ref(),
            out_path.as_os_str(),
        ]);
        assert_success(&out);
        std::fs::read_to_string(&out_path).unwrap()
    };
    let threaded = ir(&instances_guest(), "threaded.ll");
    assert!(
        threaded.contains("thread_local(localexec)"),
        "per-thread state is thread-local"
    );
    // The same module without the import: no TLS at all.
    let text = std::fs::read_to_string(instances_guest()).unwrap();
    let single = text.replace(
        r#"(import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))"#,
        r#"(import "wasi_snapshot_preview1" "fd_close" (func $spawn (param i32) (result i32)))"#,
    );
    assert_ne!(single, text);
    let input = dir.path().join("single.wat");
    write_file(&input, single.as_bytes());
    let single = ir(&input, "single.ll");
    assert!(!single.contains("thread_local"), "no TLS without threads");
    assert!(!single.contains("aotc_thread_entry"));
}

#[test]
fn a_split_module_spawns_threads_too() {
    let out = run(&["--partitions", "3"], &["counters"]);
    assert_success(&out);
    assert_stdout(&out, COUNTERS_OUTPUT);
}

/// Many active data segments (instantiation copies them in a loop): each thread's
/// instance applies them, and sees them dropped afterwards (`memory.init` traps).
#[test]
fn many_active_segments_are_applied_and_dropped_per_instance() {
    let segments: String = (0..20)
        .map(|i| format!("(data (i32.const {}) \"\\{i:02x}\")\n", 100 + i))
        .collect();
    let module = format!(
        r#"(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  {segments}
  (func (export "wasi_thread_start") (param i32 i32) (local $i i32) (local $sum i32)
    (if (local.get 1) (then (memory.init 3 (i32.const 0) (i32.const 0) (i32.const 1))))
    (loop $add
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=100 (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $add (i32.lt_u (local.get $i) (i32.const 20))))
    (call $exit (local.get $sum)))
  (func (export "_start")
    (drop (call $args (i32.const 0) (i32.const 4)))
    ;; Overwritten here, applied again by the thread's instantiation.
    (i32.store8 (i32.const 119) (i32.const 0))
    (drop (call $spawn (i32.gt_u (i32.load (i32.const 0)) (i32.const 1))))
    (loop $wait
      (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))
      (br $wait))))"#
    );
    let dir = tempdir();
    let input = dir.path().join("segments.wat");
    write_file(&input, module.as_bytes());
    let exe = build_ok(&input, &[]);
    // 0 + 1 + … + 19.
    assert_exit(&Run::new(&exe).output(), 190);
    let out = Run::new(&exe).arg("init").output();
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr()
            .starts_with("wasm trap: out of bounds memory access\n"),
        "an active segment is dropped in the thread's instance too",
    );
}

#[test]
fn exceptions_unwind_on_spawned_threads() {
    let exe = build_ok(&tests_path("wasi_threads/exceptions.wat"), &[]);
    let out = Run::new(&exe).output();
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr().starts_with(
            "wasm exception: uncaught exception (tag 1)\n  in wasm function uncaught_thrower\n",
        ),
        "the caught one passed, the uncaught one is reported",
    );
}

#[test]
fn threads_open_write_and_close_files_at_the_same_time() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let exe = build_ok(&threads_guest(), &["--allow-dir", "data:rw"]);
    let out = Run::new(&exe).arg("files").cwd(dir.path()).output();
    assert_success(&out);
    assert_stdout(&out, "files ok, 0 left\n");
}
