//! Reactor modules and other entries than `_start`: `aotc --invoke NAME` and
//! `aotc --invoke-main NAME`, built as executables and run through `aotc run`.
//!
//! `--invoke`: every numeric type in and out (bit-exact NaNs, integer ranges, v128),
//! several results, `_initialize` before the call (and not before a usage error), a
//! trap and a proc_exit inside the invoked function, wrong arguments (one line, exit
//! 2), a command's `_start` left alone; a function without parameters reads the
//! arguments through WASI's `args_get` (a WAT and a C reactor, output compared with
//! `wasmtime run --invoke` when `AOTC_WASMTIME` is set, else with Wasmtime 49's
//! output recorded here). `--invoke-main`: argv exactly as `args_get`
//! lays it out, argv\[argc\] = 0, the result as exit status, from WAT and from a C
//! reactor built with clang. Compile-time errors are one line naming what the module
//! offers. The modules are `tests/reactor/*`.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn reactor(name: &str) -> PathBuf {
    tests_path(&format!("reactor/{name}"))
}

/// Runs the executable built from `module` with `flags` with `args`.
fn run_exe(module: &str, flags: &[&str], args: &[&str]) -> Output {
    let exe = build_ok(&reactor(module), flags);
    Run::new(&exe).args(args).output()
}

/// `aotc run tests/reactor/<module> flags -- args`.
fn run_jit(module: &str, flags: &[&str], args: &[&str]) -> Output {
    Run::new(aotc_bin())
        .arg("run")
        .arg(reactor(module))
        .args(flags)
        .arg("--")
        .args(args)
        .output()
}

/// A usage error of an `--invoke` executable: exit 2, nothing on stdout, one stderr
/// line `<argv0>: error: …` containing every needle.
#[track_caller]
fn assert_invoke_usage_error(out: &Output, needles: &[&str]) {
    assert_no_crash_text(out);
    assert_exit(out, 2);
    check(
        out,
        out.stdout.is_empty(),
        "nothing may run before a usage error",
    );
    let lines = out.stderr_lines();
    check(out, lines.len() == 1, "expected exactly one stderr line");
    check(
        out,
        lines[0].contains(": error: "),
        "`<program>: error:` line",
    );
    for n in needles {
        check(
            out,
            lines[0].contains(n),
            &format!("the error should mention `{n}`"),
        );
    }
}

const INIT: &str = "init\n";

#[test]
fn invoke_passes_and_prints_every_numeric_type_bit_for_bit() {
    let zero128 = format!("0x{}", "0".repeat(32));
    let cases: Vec<([&str; 5], String)> = vec![
        (
            [
                "0xff",
                "-5",
                "1.5",
                "-2e-3",
                "0x0102030405060708090a0b0c0d0e0f10",
            ],
            "255\n-5\n1.5\n-0.002\n0x0102030405060708090a0b0c0d0e0f10\n".to_string(),
        ),
        (
            ["4294967295", "18446744073709551615", "inf", "-inf", "0"],
            format!("-1\n-1\ninf\n-inf\n{zero128}\n"),
        ),
        (
            ["-2147483648", "0x8000000000000000", "nan", "-nan", "1"],
            format!(
                "-2147483648\n-9223372036854775808\nnan\n-nan\n0x{}1\n",
                "0".repeat(31)
            ),
        ),
        // Signalling and non-canonical NaNs keep their payloads through the call.
        (
            ["+7", "-0x10", "nan:0x200000", "-nan:0x1", "0"],
            format!("7\n-16\nnan:0x200000\n-nan:0x1\n{zero128}\n"),
        ),
        (
            ["0", "0", "-0", "1e300", "0"],
            format!("0\n0\n-0.0\n1e300\n{zero128}\n"),
        ),
        (
            ["1", "2", "0.1", "5e-324", "0"],
            format!("1\n2\n0.1\n5e-324\n{zero128}\n"),
        ),
    ];
    for (args, expected) in &cases {
        let out = run_exe("numbers.wat", &["--invoke", "echo"], args);
        assert_success(&out);
        assert_stdout(&out, &format!("{INIT}{expected}"));
    }
}

#[test]
fn invoke_computes_with_the_arguments_and_prints_several_results() {
    let out = run_exe(
        "numbers.wat",
        &["--invoke", "mix"],
        &["-3", "5000000000", "0.5", "2.25"],
    );
    assert_success(&out);
    assert_stdout(&out, "init\n-15000000000\n2.75\n");
    let out = run_exe(
        "numbers.wat",
        &["--invoke", "lanes"],
        &["1", "2", "3", "0xffffffff"],
    );
    assert_success(&out);
    assert_stdout(&out, "init\n0xffffffff000000030000000200000001\n");
}

#[test]
fn initialize_runs_first_and_its_effects_are_visible() {
    // `_initialize` prints `init` and sets the base `add` adds.
    let out = run_exe("numbers.wat", &["--invoke", "add"], &["1", "2"]);
    assert_success(&out);
    assert_stdout(&out, "init\n1003\n");
    // A function without results prints nothing itself.
    let out = run_exe("numbers.wat", &["--invoke", "nothing"], &[]);
    assert_success(&out);
    assert_stdout(&out, "init\nnothing\n");
    // Invoking `_initialize` itself runs it once.
    let out = run_exe("numbers.wat", &["--invoke", "_initialize"], &[]);
    assert_success(&out);
    assert_stdout(&out, "init\n");
}

#[test]
fn several_invokes_call_each_function_in_order_on_one_instance() {
    // `_initialize` once, then bump, add(1, 2), bump, mix(…), nothing: `add` sees the
    // base the first `bump` left, and each function's results come before the next.
    let flags = [
        "--invoke", "bump", "--invoke", "add", "--invoke", "bump", "--invoke", "mix", "--invoke",
        "nothing",
    ];
    let args = ["1", "2", "-3", "5000000000", "0.5", "2.25"];
    let expected = "init\n1001\n1004\n1002\n-15000000000\n2.75\nnothing\n";
    let out = run_exe("numbers.wat", &flags, &args);
    assert_success(&out);
    assert_stdout(&out, expected);
    let out = run_jit("numbers.wat", &flags, &args);
    assert_success(&out);
    assert_stdout(&out, expected);
    // The arguments are all the parameters, in order: a wrong count or value is
    // reported before anything runs, naming the functions.
    let out = run_exe("numbers.wat", &flags, &args[..5]);
    assert_invoke_usage_error(
        &out,
        &[
            "bump + add + bump + mix + nothing expects 6 arguments",
            "(i32, i32, i32, i64, f32, f64), got 5",
        ],
    );
    let out = run_exe("numbers.wat", &flags, &["1", "2", "-3", "x", "0.5", "2.25"]);
    assert_invoke_usage_error(&out, &["argument 4", "'x'", "not an i64"]);
    // A trap in a later function: the earlier results are out, the rest never runs.
    let out = run_exe(
        "numbers.wat",
        &["--invoke", "bump", "--invoke", "div", "--invoke", "bump"],
        &["1", "0"],
    );
    assert_exit(&out, 134);
    assert_stdout(&out, "init\n1001\n");
    // Without parameters anywhere, the arguments are the module's argv for each.
    let out = run_exe(
        "args.wat",
        &["--invoke", "show_args", "--invoke", "show_args"],
        &["a"],
    );
    assert_success(&out);
    let exe = build_ok(
        &reactor("args.wat"),
        &["--invoke", "show_args", "--invoke", "show_args"],
    );
    let once = format!("{}\na\nargc=2\n", exe.display());
    assert_stdout(&out, &format!("init\n{once}init\n{once}"));
    // Naming `_initialize` runs it only where it is named.
    let out = run_exe(
        "numbers.wat",
        &[
            "--invoke",
            "bump",
            "--invoke",
            "_initialize",
            "--invoke",
            "bump",
        ],
        &[],
    );
    assert_success(&out);
    assert_stdout(&out, "1\ninit\n1001\n");
}

#[test]
fn wrong_arguments_are_one_line_and_exit_2_before_initialize() {
    let add = ["--invoke", "add"];
    let out = run_exe("numbers.wat", &add, &["1"]);
    assert_invoke_usage_error(&out, &["add", "2 arguments", "i32, i32", "got 1"]);
    let out = run_exe("numbers.wat", &add, &["1", "2", "3"]);
    assert_invoke_usage_error(&out, &["got 3"]);
    let out = run_exe("numbers.wat", &add, &["1", "x"]);
    assert_invoke_usage_error(&out, &["argument 2", "'x'", "not an i32"]);
    let out = run_exe("numbers.wat", &add, &["4294967296", "0"]);
    assert_invoke_usage_error(&out, &["argument 1", "out of range for i32"]);
    let out = run_exe("numbers.wat", &add, &["1.0", "0"]);
    assert_invoke_usage_error(&out, &["not an i32"]);
    let echo = ["--invoke", "echo"];
    let out = run_exe("numbers.wat", &echo, &["0", "0", "1e39", "0", "0"]);
    assert_invoke_usage_error(&out, &["argument 3", "out of range for f32"]);
    let out = run_exe("numbers.wat", &echo, &["0", "0", "0", "1.5x", "0"]);
    assert_invoke_usage_error(&out, &["argument 4", "not an f64"]);
    let out = run_exe("numbers.wat", &echo, &["0", "0", "0", "0", "-1"]);
    assert_invoke_usage_error(&out, &["argument 5", "not a v128"]);
    let out = run_exe("numbers.wat", &echo, &["0", "0", "0", "nan:0x0", "0"]);
    assert_invoke_usage_error(&out, &["argument 4", "out of range for f64"]);
}

/// The same module under `wasmtime run --invoke NAME FILE ARGS`, run in a directory
/// of its own where the module is `file_name` (Wasmtime's argv\[0\] is the path as
/// given); `None` when `AOTC_WASMTIME` is not set.
fn wasmtime_invoke(module: &Path, file_name: &str, name: &str, args: &[&str]) -> Option<Output> {
    let wasmtime = std::env::var_os("AOTC_WASMTIME").filter(|w| !w.is_empty())?;
    let dir = tempdir();
    std::fs::copy(module, dir.path().join(file_name)).expect("copy the module");
    Some(
        Run::new(wasmtime)
            .inherit_env()
            .cwd(dir.path())
            .args(["run", "--invoke", name, file_name])
            .args(args)
            .output(),
    )
}

/// `module`'s `--invoke name` executable run with argv\[0\] = `file_name` and `args`,
/// and through `aotc run` (whose argv\[0\] is the module's file name): both print
/// `expected`, and so does Wasmtime when it is there.
#[track_caller]
fn assert_invoke_like_wasmtime(
    module: &Path,
    file_name: &str,
    name: &str,
    args: &[&str],
    expected: &str,
) {
    let exe = build_ok(module, &["--invoke", name]);
    let out = Run::new(&exe).arg0(file_name).args(args).output();
    assert_success(&out);
    assert_stdout(&out, expected);
    let dir = tempdir();
    let named = dir.path().join(file_name);
    std::fs::copy(module, &named).expect("copy the module");
    let out = Run::new(aotc_bin())
        .arg("run")
        .arg(&named)
        .args(["--invoke", name, "--"])
        .args(args)
        .output();
    assert_success(&out);
    assert_stdout(&out, expected);
    match wasmtime_invoke(module, file_name, name, args) {
        Some(theirs) => {
            assert_success(&theirs);
            assert_stdout(&theirs, expected);
        }
        None => {
            eprintln!("NOTE AOTC_WASMTIME is not set: compared with recorded Wasmtime 49 output")
        }
    }
}

#[test]
fn invoke_without_parameters_leaves_the_arguments_to_args_get() {
    let args = ["a", "two words", "", "é", "--flag=x"];
    assert_invoke_like_wasmtime(
        &reactor("args.wat"),
        "args.wat",
        "show_args",
        &args,
        "init\nargs.wat\na\ntwo words\n\né\n--flag=x\nargc=6\n",
    );
    assert_invoke_like_wasmtime(
        &reactor("args.wat"),
        "args.wat",
        "show_args",
        &[],
        "init\nargs.wat\nargc=1\n",
    );
    // Arguments that look like numbers or flags are not parsed either.
    assert_invoke_like_wasmtime(
        &reactor("args.wat"),
        "args.wat",
        "show_args",
        &["1", "-x", "nan"],
        "init\nargs.wat\n1\n-x\nnan\nargc=4\n",
    );
    // A function without parameters that prints nothing ignores them.
    let out = run_exe("numbers.wat", &["--invoke", "nothing"], &["extra", "1"]);
    assert_success(&out);
    assert_stdout(&out, "init\nnothing\n");
}

#[test]
fn a_c_reactor_reads_its_arguments_through_args_get_like_under_wasmtime() {
    let wasm = wasm_from_c(&reactor("args_reactor.c"), &["-mexec-model=reactor"]);
    assert_invoke_like_wasmtime(
        &wasm,
        "args_reactor.wasm",
        "print_args",
        &["x y", "", "last"],
        "constructed=1 argc=4\n\
         argv[0]=\"args_reactor.wasm\" (17 bytes)\n\
         argv[1]=\"x y\" (3 bytes)\n\
         argv[2]=\"\" (0 bytes)\n\
         argv[3]=\"last\" (4 bytes)\n",
    );
    // With a parameter the argument is the parameter, and args_get still sees it.
    assert_invoke_like_wasmtime(&wasm, "args_reactor.wasm", "count_args", &["5"], "5002\n");
    let exe = build_ok(&wasm, &["--invoke", "count_args"]);
    let out = Run::new(&exe).args(["5", "6"]).output();
    assert_invoke_usage_error(&out, &["count_args expects 1 argument (i32), got 2"]);
}

#[test]
fn a_trap_in_the_invoked_function_is_reported_and_exits_134() {
    let out = run_exe("numbers.wat", &["--invoke", "div"], &["7", "0"]);
    assert_exit(&out, 134);
    assert_clean_exit(&out);
    assert_stdout(&out, INIT);
    let lines = out.stderr_lines();
    check(
        &out,
        lines.first().map(String::as_str) == Some("wasm trap: integer divide by zero"),
        "the trap message comes first",
    );
    check(
        &out,
        lines.get(1).map(|l| l.trim()) == Some("in wasm function div"),
        "the trapping function is named",
    );
    check(
        &out,
        lines.iter().filter(|l| l.trim().starts_with('#')).count() == 1,
        "one wasm frame: the entry adds none",
    );
    let out = run_exe("numbers.wat", &["--invoke", "div"], &["-2147483648", "-1"]);
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr().starts_with("wasm trap: integer overflow\n"),
        "overflow",
    );
    let out = run_exe("numbers.wat", &["--invoke", "div"], &["7", "2"]);
    assert_success(&out);
    assert_stdout(&out, "init\n3\n");
}

#[test]
fn proc_exit_in_the_invoked_function_is_the_exit_status() {
    for (arg, status) in [("7", 7), ("0", 0), ("256", 0), ("0x101", 1)] {
        let out = run_exe("numbers.wat", &["--invoke", "exit_with"], &[arg]);
        assert_exit(&out, status);
        assert_stdout(&out, "init\nbye\n");
    }
}

#[test]
fn invoke_on_a_command_calls_initialize_and_not_start() {
    let out = run_exe("command.wat", &["--invoke", "hello"], &[]);
    assert_success(&out);
    assert_stdout(&out, "init\ninvoked\n5\n");
    // Without --invoke the same module is a command: only `_start` runs.
    let out = run_exe("command.wat", &[], &[]);
    assert_success(&out);
    assert_stdout(&out, "start\n");
}

#[test]
fn invoke_main_passes_argv_like_args_get() {
    let exe = build_ok(&reactor("argv.wat"), &["--invoke-main", "main"]);
    let args = ["a", "two words", "", "é", "--flag=x"];
    let out = Run::new(&exe).args(args).output();
    // argc + 100: argv[argc] was 0 although malloc hands out poisoned blocks.
    assert_exit(&out, 106);
    let mut expected = format!("initialized\n{}\n", exe.display());
    for a in args {
        expected.push_str(a);
        expected.push('\n');
    }
    assert_stdout(&out, &expected);
    let out = Run::new(&exe).output();
    assert_exit(&out, 101);
    assert_stdout(&out, &format!("initialized\n{}\n", exe.display()));
}

#[test]
fn invoke_main_runs_a_c_reactor_like_a_command() {
    let wasm = wasm_from_c(
        &reactor("tool_main.c"),
        &["-mexec-model=reactor", "-Wl,--export=malloc"],
    );
    let exe = build_ok(&wasm, &["--invoke-main", "tool_main"]);
    let out = Run::new(&exe).args(["x y", "", "last"]).output();
    assert_success(&out);
    assert_stdout(
        &out,
        "constructed=1 argc=4\n\
         argv[1]=\"x y\" (3 bytes)\n\
         argv[2]=\"\" (0 bytes)\n\
         argv[3]=\"last\" (4 bytes)\n\
         argv[argc]=NULL\n",
    );
    let out = Run::new(&exe).arg("one").output();
    assert_exit(&out, 3);
}

#[test]
fn aotc_run_takes_the_same_entries() {
    let out = run_jit(
        "numbers.wat",
        &["--invoke", "mix"],
        &["-3", "5000000000", "0.5", "2.25"],
    );
    assert_success(&out);
    assert_stdout(&out, "init\n-15000000000\n2.75\n");
    let out = run_jit("numbers.wat", &["--invoke", "add"], &["1"]);
    assert_exit(&out, 2);
    check(
        &out,
        out.stderr().starts_with("aotc: error: add expects 2"),
        "usage line",
    );
    let out = run_jit("numbers.wat", &["--invoke", "div"], &["1", "0"]);
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr().contains("in wasm function div"),
        "trap report",
    );
    let out = run_jit("argv.wat", &["--invoke-main", "main"], &["p", "q"]);
    assert_exit(&out, 103);
    assert_stdout(&out, "initialized\nargv.wat\np\nq\n");
    let out = run_jit("numbers.wat", &[], &[]);
    assert_aotc_error_mentions(&out, &["numbers.wat", "reactor", "--invoke"]);
}

/// `aotc MODULE flags` fails with one error line containing every needle.
#[track_caller]
fn assert_compile_error(module: &std::path::Path, flags: &[&str], needles: &[&str]) -> String {
    let dir = tempdir();
    let mut args: Vec<std::ffi::OsString> = vec![module.into(), "-o".into(), "out".into()];
    args.extend(flags.iter().map(Into::into));
    let out = aotc_in(dir.path(), &args);
    let line = assert_aotc_error_mentions(&out, needles);
    check(
        &out,
        !dir.path().join("out").exists(),
        "no output after an error",
    );
    line
}

#[test]
fn compile_errors_say_what_the_module_offers() {
    let numbers = reactor("numbers.wat");
    let line = assert_compile_error(
        &numbers,
        &[],
        &[
            "no `_start`",
            "reactor",
            "_initialize",
            "--invoke NAME",
            "echo, mix, add",
        ],
    );
    assert!(
        !line.contains("answer"),
        "globals are not functions: {line}"
    );
    assert_compile_error(
        &numbers,
        &["--invoke", "nope"],
        &[
            "--invoke nope",
            "no function `nope`",
            "_initialize, echo, mix",
        ],
    );
    assert_compile_error(
        &numbers,
        &["--invoke", "answer"],
        &["`answer` is a global, not a function"],
    );
    assert_compile_error(
        &numbers,
        &["--invoke", "takes_ref"],
        &[
            "parameter 1 has type externref",
            "i32, i64, f32, f64 and v128",
        ],
    );
    assert_compile_error(
        &numbers,
        &["--invoke-main", "add"],
        &["--invoke-main add", "no `malloc`"],
    );
    let argv = reactor("argv.wat");
    assert_compile_error(
        &argv,
        &["--invoke-main", "not_main"],
        &["(i32) -> (i32)", "(i32, i32) -> (i32)", "main(argc, argv)"],
    );
    let dir = tempdir();
    let empty = dir.path().join("empty.wat");
    std::fs::write(&empty, "(module (memory (export \"memory\") 1))").unwrap();
    assert_compile_error(&empty, &[], &["no `_start`", "nothing to run"]);
    let lib = dir.path().join("lib.wat");
    std::fs::write(&lib, "(module (func (export \"f\")) (func (export \"g\")))").unwrap();
    assert_compile_error(
        &lib,
        &[],
        &["not a WASI command", "2 functions: f, g", "--invoke"],
    );
    // The two entries exclude each other (a usage error).
    let out = aotc([
        numbers.to_str().unwrap(),
        "--invoke",
        "add",
        "--invoke-main",
        "add",
    ]);
    assert_usage_error(&out);
}

#[test]
fn inspect_shows_the_entry() {
    let entry_of = |flags: &[&str], module: &str| {
        let exe = build_ok(&reactor(module), flags);
        let out = aotc(["inspect".as_ref(), exe.as_os_str()]);
        assert_success(&out);
        out.stdout()
            .lines()
            .find_map(|l| l.trim().strip_prefix("entry").map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no entry line\n{}", out.describe()))
    };
    assert_eq!(
        entry_of(&["--invoke", "add"], "numbers.wat"),
        "--invoke add"
    );
    assert_eq!(
        entry_of(&["--invoke", "bump", "--invoke", "add"], "numbers.wat"),
        "--invoke bump --invoke add"
    );
    assert_eq!(
        entry_of(&["--invoke-main", "main"], "argv.wat"),
        "--invoke-main main"
    );
    assert_eq!(entry_of(&[], "command.wat"), "_start");
}

#[test]
fn commands_link_no_invoke_code() {
    let symbols = |module: &str, flags: &[&str]| -> Vec<String> {
        let exe = build_ok(&reactor(module), flags);
        let bytes = std::fs::read(&exe).unwrap();
        let elf = goblin::elf::Elf::parse(&bytes).expect("ELF");
        elf.syms
            .iter()
            .filter_map(|s| elf.strtab.get_at(s.st_name).map(str::to_string))
            .filter(|n| n.starts_with("aotc_rt_invoke"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(symbols("command.wat", &[]), Vec::<String>::new());
    // No parameters: nothing to parse, the arguments are left to args_get.
    assert_eq!(
        symbols("command.wat", &["--invoke", "hello"]),
        ["aotc_rt_invoke_results"]
    );
    assert_eq!(
        symbols("numbers.wat", &["--invoke", "add"]),
        ["aotc_rt_invoke_args", "aotc_rt_invoke_results"]
    );
}

/// `examples/geometry.wat` does what its header and the README say.
#[test]
fn geometry_example_works_as_documented() {
    let geometry = examples_path("geometry.wat");
    let run = |name: &str, args: &[&str]| {
        let exe = build_ok(&geometry, &["--invoke", name]);
        Run::new(&exe).args(args).output()
    };
    let out = run("hypot", &["3", "4"]);
    assert_success(&out);
    assert_stdout(&out, "5.0\n");
    let out = run("divmod", &["17", "5"]);
    assert_success(&out);
    assert_stdout(&out, "3\n2\n");
    let out = run("divmod", &["17"]);
    assert_invoke_usage_error(&out, &["divmod expects 2 arguments (i32, i32), got 1"]);
    let out = run("divmod", &["17", "0"]);
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr().contains("in wasm function divmod"),
        "named trap",
    );
    let out = Run::new(aotc_bin())
        .args([
            "run".as_ref(),
            geometry.as_os_str(),
            "--invoke".as_ref(),
            "scaled".as_ref(),
        ])
        .args(["--", "7"])
        .output();
    assert_success(&out);
    assert_stdout(&out, "700\n");
    assert_compile_error(
        &geometry,
        &[],
        &["3 other functions: hypot, divmod, scaled"],
    );
}
