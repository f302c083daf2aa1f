//! `aotc bench`: one module, the same arguments and grants, timed as an aotc
//! executable, through aotc's JIT (`aotc run`) and on the JIT runtimes found on PATH
//! (wasmtime, node), side by side.
//!
//! For each runtime: compile time where it is separate (aotc: compile and link;
//! aotc-jit: translation and JIT before the module starts, read from `aotc run -v`;
//! wasmtime: `wasmtime compile`), start-up (median wall time of runs of a built-in empty
//! command module with the same grants, the fixed cost of any run), median and minimum wall time of the
//! module's runs, peak resident memory (`wait4` rusage), and whether every run's exit
//! status and stdout equal the first run of the aotc executable, the reference.
//!
//! Invariants:
//! - Every runtime gets the same argv (argv\[0\] is the module's file name where the
//!   runtime lets us choose it), the same stdin (`--stdin` or empty), the same working
//!   directory (so relative grants mean the same host directories) and, translated,
//!   the same grants; what cannot be translated is said in a note, never hidden
//!   (wasmtime and node:wasi have no read-only directories), and a grant with no
//!   equivalent (`--listen`) is refused.
//! - A read-only grant is never handed writable to a runtime that cannot enforce
//!   read-only: wasmtime and node get a copy of the directory, made in the temporary
//!   directory before their runs, so a module that writes cannot touch the user's
//!   files through them (their outputs then differ, and the table says so).
//! - Children's output goes to files in a private temporary directory, removed at the
//!   end; nothing is written anywhere else (except by the module itself, in
//!   directories granted read-write).
//! - A runtime that cannot be started is reported as such, not as a mismatch.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aotc_abi::manifest::{DirMode, Manifest};
use serde::Serialize;

use crate::cli::EmitKind;
use crate::diag::{quote, Diag, Result};
use crate::driver::{self, CompileRequest};
use crate::manifest::CapabilityFlags;
use crate::run;
use crate::target;

/// What `aotc bench` was asked to do.
#[derive(Debug, Clone)]
pub struct BenchRequest {
    pub input: PathBuf,
    pub runs: u32,
    pub json: bool,
    pub stdin: Option<PathBuf>,
    pub wasmtime: Option<PathBuf>,
    pub node: Option<PathBuf>,
    pub opt_level: u8,
    pub target_cpu: String,
    pub strict_traps: bool,
    pub manifest_file: Option<PathBuf>,
    pub caps: CapabilityFlags,
    pub args: Vec<OsString>,
}

/// The empty command module whose runs measure start-up.
const EMPTY_MODULE: &str = "(module (func (export \"_start\")))";

/// The node:wasi runner, written to the temporary directory.
const NODE_RUNNER: &str = r#"// Written by `aotc bench`: runs a WASI preview1 command module with node:wasi.
// usage: node runner.mjs CONFIG.json MODULE.wasm [ARGS...]
// CONFIG: {"argv0": "...", "env": {"K": "V"}, "preopens": {"guest": "host"}}
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [config, file, ...args] = process.argv.slice(2);
const { argv0, env, preopens } = JSON.parse(readFileSync(config, 'utf8'));
const wasi = new WASI({ version: 'preview1', args: [argv0, ...args], env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
"#;

/// The probe every run goes through (compiled with the system C compiler into the
/// temporary directory). It exists because a process's peak RSS (`ru_maxrss`) counts
/// the memory image it was forked from, and aotc, which carries LLVM, is big: the
/// probe is small, and the runtime it forks inherits only its footprint. It also times
/// the run from fork to `wait4`, without aotc's own spawning cost.
const PROBE_C: &str = r#"/* Written by `aotc bench`: runs one command, reports its wall time and peak RSS.
 * usage: probe REPORT PROGRAM ARGV0 [ARGS...]
 * REPORT gets one line: "<wait status> <wall ns> <ru_maxrss KiB>", or "exec <errno>"
 * when PROGRAM could not be executed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    int failed[2];
    if (pipe2(failed, O_CLOEXEC) != 0) return 3;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
        execv(argv[2], argv + 3);
        int e = errno;
        (void)!write(failed[1], &e, sizeof e);
        _exit(127);
    }
    close(failed[1]);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) return 3;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int e = 0;
    ssize_t n = read(failed[0], &e, sizeof e);
    FILE *f = fopen(argv[1], "w");
    if (!f) return 3;
    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    if (n == (ssize_t)sizeof e) fprintf(f, "exec %d\n", e);
    else fprintf(f, "%d %lld %ld\n", status, ns, ru.ru_maxrss);
    return fclose(f) == 0 ? 0 : 3;
}
"#;

/// The results, as printed by `--json`.
#[derive(Debug, Serialize)]
pub struct Report {
    pub module: String,
    pub args: Vec<String>,
    pub runs: u32,
    pub opt_level: u8,
    pub target_cpu: String,
    /// The runtime every other is compared with.
    pub reference: &'static str,
    pub results: Vec<RuntimeResult>,
    pub notes: Vec<String>,
}

/// One runtime's measurements.
#[derive(Debug, Serialize)]
pub struct RuntimeResult {
    pub runtime: &'static str,
    pub version: String,
    /// The command line of a run of the module.
    pub command: Vec<String>,
    /// Set when the runtime could not be measured; the numbers are then absent.
    pub error: Option<String>,
    pub compile_ms: Option<f64>,
    pub startup_ms: Option<f64>,
    pub median_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub peak_rss_kib: Option<u64>,
    /// Exit status of the first run (absent when killed by a signal).
    pub exit_status: Option<i32>,
    /// Signal that killed the first run, if one did.
    pub signal: Option<i32>,
    /// Every run's exit status and stdout equal the reference's.
    pub matches_reference: bool,
    /// What differs, when something does.
    pub mismatch: Option<String>,
}

/// Runs the benchmark and prints the table or JSON.
pub fn bench(req: &BenchRequest) -> Result<()> {
    target::check_cpu(&req.target_cpu)?;
    let caps = driver::capabilities(req.manifest_file.as_deref(), &req.caps)?;
    let grants = caps.into_manifest(Vec::new());
    if !grants.listen.is_empty() {
        return Err(Diag::new(
            "aotc bench cannot measure a module with listen sockets (--listen)",
        )
        .with_help("the other runtimes have no equivalent grant; time the server with a client instead"));
    }
    let input = crate::input::read_input(&req.input)?;
    run::check_command(&input.wasm, &req.input)?;
    if let Some(path) = &req.stdin {
        File::open(path).map_err(|e| {
            Diag::new(format!(
                "cannot read the --stdin file {}: {}",
                quote(&path.display().to_string()),
                crate::input::io_reason(&e)
            ))
        })?;
    }
    let others = [
        (
            "wasmtime",
            find_runtime("wasmtime", req.wasmtime.as_deref())?,
        ),
        ("node", find_runtime("node", req.node.as_deref())?),
    ];
    let tmp = tempfile::Builder::new()
        .prefix("aotc-bench-")
        .tempdir()
        .map_err(|e| Diag::new(format!("cannot create a temporary directory: {e}")))?;
    let dir = tmp.path();
    let name = req
        .input
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| req.input.clone().into_os_string());
    let write = |file: &str, bytes: &[u8]| -> Result<PathBuf> {
        let p = dir.join(file);
        std::fs::write(&p, bytes)
            .map_err(|e| Diag::new(format!("cannot write {}: {e}", p.display())))?;
        Ok(p)
    };
    // Other runtimes take the binary module; a .wasm input is used as it is. The binary
    // of a text input keeps the input's file name (wasmtime recognises binaries by
    // content), so argv[0] is the same for every runtime.
    let module_bin = if input.was_text {
        let sub = dir.join("module");
        std::fs::create_dir(&sub)
            .map_err(|e| Diag::new(format!("cannot create {}: {e}", sub.display())))?;
        let p = sub.join(&name);
        std::fs::write(&p, &input.wasm)
            .map_err(|e| Diag::new(format!("cannot write {}: {e}", p.display())))?;
        p
    } else {
        req.input.clone()
    };
    let empty_bin = write(
        "empty.wasm",
        &wat::parse_str(EMPTY_MODULE).expect("the empty module is valid"),
    )?;

    let compile = |input: &Path, output: &Path| {
        driver::compile(&CompileRequest {
            input: input.to_path_buf(),
            output: Some(output.to_path_buf()),
            opt_level: req.opt_level,
            emit: EmitKind::Exe,
            target_cpu: req.target_cpu.clone(),
            manifest_file: req.manifest_file.clone(),
            caps: req.caps.clone(),
            strip: false,
            verbose: false,
            strict_traps: req.strict_traps,
        })
    };
    let t = Instant::now();
    compile(&req.input, &dir.join("module.exe"))?;
    let aot_compile = t.elapsed();
    compile(&empty_bin, &dir.join("empty.exe"))?;

    let cx = Cx {
        probe: build_probe(dir)?,
        dir,
        stdin: req.stdin.as_deref(),
        runs: req.runs,
        argv0: &name,
        args: &req.args,
    };
    let mut notes = vec![format!(
        "start-up: median run of an empty command module with the same grants; run times \
         are wall time of the whole process, median and minimum of {} run{}; peak RSS is the \
         largest of the runs'",
        req.runs,
        if req.runs == 1 { "" } else { "s" }
    )];
    let aotc_version = format!(
        "{} (LLVM {})",
        env!("CARGO_PKG_VERSION"),
        target::llvm_version()
    );

    // The reference: the aotc executable.
    let mut results = Vec::new();
    let aot = Runtime {
        name: "aotc",
        version: aotc_version.clone(),
        program: dir.join("module.exe").into_os_string(),
        module_args: vec![],
        empty_program: Some(dir.join("empty.exe").into_os_string()),
        empty_args: vec![],
        set_argv0: true,
    };
    let reference = cx.measure(&aot, None, |_| None)?;
    let mut aot_result = reference.result;
    aot_result.compile_ms = Some(ms(aot_compile));
    let reference_sample = reference.first;
    results.push(aot_result);

    // aotc's JIT, through this very executable.
    let me = std::env::current_exe()
        .map_err(|e| Diag::new(format!("cannot find the aotc executable: {e}")))?;
    let mut run_flags: Vec<OsString> = vec![
        "run".into(),
        "-v".into(),
        format!("-O{}", req.opt_level).into(),
        "--target-cpu".into(),
        req.target_cpu.clone().into(),
    ];
    if req.strict_traps {
        run_flags.push("--strict-traps".into());
    }
    let mut caps_flags: Vec<OsString> = Vec::new();
    for (flag, values) in [
        ("--allow-dir", &req.caps.allow_dir),
        ("--env", &req.caps.env),
        ("--allow-env", &req.caps.allow_env),
    ] {
        for v in values {
            caps_flags.push(flag.into());
            caps_flags.push(v.into());
        }
    }
    if let Some(m) = &req.manifest_file {
        caps_flags.push("--manifest".into());
        caps_flags.push(m.clone().into_os_string());
    }
    let jit_prefix: Vec<OsString> = run_flags.iter().chain(&caps_flags).cloned().collect();
    let jit = Runtime {
        name: "aotc-jit",
        version: aotc_version,
        program: me.clone().into_os_string(),
        module_args: with(
            &jit_prefix,
            &[req.input.clone().into_os_string(), "--".into()],
        ),
        empty_program: Some(me.into_os_string()),
        empty_args: with(
            &jit_prefix,
            &[empty_bin.clone().into_os_string(), "--".into()],
        ),
        set_argv0: false,
    };
    let jit_result = cx.measure(&jit, Some(&reference_sample), jit_compile_time)?;
    results.push(jit_result.result);

    // The other runtimes on PATH (or named).
    for (name, program) in others {
        let Some(program) = program else {
            notes.push(format!("{name}: not found on PATH, not measured"));
            continue;
        };
        if is_script(&program) {
            notes.push(format!(
                "{name}: {} is a script, so its times include the script's start-up; \
                 --{name} PATH names the real executable",
                program.display()
            ));
        }
        let version = match tool_version(&program) {
            Ok(v) => v,
            Err(e) => {
                results.push(RuntimeResult::failed(name, program_command(&program), e));
                continue;
            }
        };
        let grants = read_only_copies(name, &grants, dir, &mut notes)?;
        let rt = match name {
            "wasmtime" => wasmtime_runtime(&program, version, &grants, &module_bin, &empty_bin),
            _ => node_runtime(&program, version, &grants, &module_bin, &empty_bin, &cx)?,
        };
        let mut m = cx.measure(&rt, Some(&reference_sample), |_| None)?;
        if name == "wasmtime" && m.result.error.is_none() {
            m.result.compile_ms = wasmtime_compile_time(&program, &module_bin, dir);
        }
        results.push(m.result);
    }

    let report = Report {
        module: req.input.display().to_string(),
        args: req
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        runs: req.runs,
        opt_level: req.opt_level,
        target_cpu: target::describe_cpu(&req.target_cpu),
        reference: "aotc",
        results,
        notes,
    };
    let mut out = std::io::stdout().lock();
    let written = if req.json {
        let text = serde_json::to_string_pretty(&report).expect("the report serialises");
        writeln!(out, "{text}")
    } else {
        write_table(&mut out, &report)
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Diag::new(format!(
            "cannot write to standard output: {}",
            crate::input::io_reason(&e)
        ))),
    }
}

fn with(a: &[OsString], b: &[OsString]) -> Vec<OsString> {
    a.iter().chain(b).cloned().collect()
}

/// Milliseconds, rounded to the microsecond.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1000.0
}

/// How one runtime runs the module and the empty module.
struct Runtime {
    name: &'static str,
    version: String,
    program: OsString,
    /// Arguments before the module's own.
    module_args: Vec<OsString>,
    /// Program and arguments for the empty module (`None`: the same program).
    empty_program: Option<OsString>,
    empty_args: Vec<OsString>,
    /// Start the program with argv\[0\] = the module's file name (executables).
    set_argv0: bool,
}

/// What every run shares.
struct Cx<'a> {
    /// The compiled [`PROBE_C`].
    probe: PathBuf,
    dir: &'a Path,
    stdin: Option<&'a Path>,
    runs: u32,
    argv0: &'a OsStr,
    args: &'a [OsString],
}

/// One finished run.
#[derive(Debug, Clone)]
struct Sample {
    wall: Duration,
    code: Option<i32>,
    signal: Option<i32>,
    max_rss_kib: u64,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

struct Measured {
    result: RuntimeResult,
    first: Sample,
}

impl RuntimeResult {
    fn failed(runtime: &'static str, command: Vec<String>, error: String) -> RuntimeResult {
        RuntimeResult {
            runtime,
            version: String::new(),
            command,
            error: Some(error),
            compile_ms: None,
            startup_ms: None,
            median_ms: None,
            min_ms: None,
            max_ms: None,
            peak_rss_kib: None,
            exit_status: None,
            signal: None,
            matches_reference: false,
            mismatch: None,
        }
    }
}

fn program_command(p: &Path) -> Vec<String> {
    vec![p.display().to_string()]
}

impl Cx<'_> {
    /// Runs `rt` on the empty module and on the module `runs` times each, compares
    /// with `reference` (none: this is the reference), and reads a compile time from
    /// the runs' stderr with `compile_time`.
    fn measure(
        &self,
        rt: &Runtime,
        reference: Option<&Sample>,
        compile_time: fn(&[u8]) -> Option<f64>,
    ) -> Result<Measured> {
        let module_cmd: Vec<OsString> = std::iter::once(rt.program.clone())
            .chain(rt.module_args.iter().cloned())
            .chain(self.args.iter().cloned())
            .collect();
        let command: Vec<String> = module_cmd
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let empty_program = rt.empty_program.as_ref().unwrap_or(&rt.program);
        let mut startup = Vec::new();
        for _ in 0..self.runs {
            match self.run_once(empty_program, &rt.empty_args, &[], rt.set_argv0) {
                Ok(s) => startup.push(s.wall),
                Err(e) => {
                    return Ok(self.unmeasured(rt, command, e));
                }
            }
        }
        let mut samples = Vec::new();
        for _ in 0..self.runs {
            match self.run_once(&rt.program, &rt.module_args, self.args, rt.set_argv0) {
                Ok(s) => samples.push(s),
                Err(e) => return Ok(self.unmeasured(rt, command, e)),
            }
        }
        let first = samples[0].clone();
        let reference = reference.unwrap_or(&first);
        let mismatch = samples.iter().find_map(|s| describe_mismatch(s, reference));
        let compiles: Vec<Duration> = samples
            .iter()
            .filter_map(|s| compile_time(&s.stderr))
            .map(|m| Duration::from_secs_f64(m.max(0.0) / 1000.0))
            .collect();
        let walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
        let result = RuntimeResult {
            runtime: rt.name,
            version: rt.version.clone(),
            command,
            error: None,
            compile_ms: (!compiles.is_empty()).then(|| ms(median(&compiles))),
            startup_ms: Some(ms(median(&startup))),
            median_ms: Some(ms(median(&walls))),
            min_ms: walls.iter().min().map(|d| ms(*d)),
            max_ms: walls.iter().max().map(|d| ms(*d)),
            peak_rss_kib: samples.iter().map(|s| s.max_rss_kib).max(),
            exit_status: first.code,
            signal: first.signal,
            matches_reference: mismatch.is_none(),
            mismatch,
        };
        Ok(Measured { result, first })
    }

    fn unmeasured(&self, rt: &Runtime, command: Vec<String>, e: std::io::Error) -> Measured {
        let mut r = RuntimeResult::failed(
            rt.name,
            command,
            format!("cannot run {}: {e}", Path::new(&rt.program).display()),
        );
        r.version = rt.version.clone();
        Measured {
            result: r,
            first: Sample {
                wall: Duration::ZERO,
                code: None,
                signal: None,
                max_rss_kib: 0,
                stdout: Vec::new(),
                stderr: Vec::new(),
            },
        }
    }

    /// One run, through the probe: output to files in the temporary directory.
    fn run_once(
        &self,
        program: &OsStr,
        pre: &[OsString],
        args: &[OsString],
        set_argv0: bool,
    ) -> std::io::Result<Sample> {
        let out_path = self.dir.join("stdout");
        let err_path = self.dir.join("stderr");
        let report_path = self.dir.join("report");
        let stdin = match self.stdin {
            Some(p) => Stdio::from(File::open(p)?),
            None => Stdio::null(),
        };
        let argv0 = if set_argv0 { self.argv0 } else { program };
        let status = Command::new(&self.probe)
            .arg(&report_path)
            .arg(program)
            .arg(argv0)
            .args(pre)
            .args(args)
            .stdin(stdin)
            .stdout(File::create(&out_path)?)
            .stderr(File::create(&err_path)?)
            .status()?;
        let report = std::fs::read_to_string(&report_path).unwrap_or_default();
        let fields: Vec<&str> = report.split_whitespace().collect();
        let bad = || {
            std::io::Error::other(format!(
                "the measuring probe failed ({status}, report {:?})",
                report.trim()
            ))
        };
        if let ["exec", errno] = fields[..] {
            let errno: i32 = errno.parse().map_err(|_| bad())?;
            return Err(std::io::Error::from_raw_os_error(errno));
        }
        let [wait, ns, rss] = fields[..] else {
            return Err(bad());
        };
        let wait: libc::c_int = wait.parse().map_err(|_| bad())?;
        let ns: u64 = ns.parse().map_err(|_| bad())?;
        let rss: u64 = rss.parse().map_err(|_| bad())?;
        let (code, signal) = if libc::WIFEXITED(wait) {
            (Some(libc::WEXITSTATUS(wait)), None)
        } else if libc::WIFSIGNALED(wait) {
            (None, Some(libc::WTERMSIG(wait)))
        } else {
            (None, None)
        };
        Ok(Sample {
            wall: Duration::from_nanos(ns),
            code,
            signal,
            max_rss_kib: rss,
            stdout: std::fs::read(&out_path)?,
            stderr: std::fs::read(&err_path)?,
        })
    }
}

/// Compiles [`PROBE_C`] into `dir` with the C compiler aotc links with.
fn build_probe(dir: &Path) -> Result<PathBuf> {
    let cc = crate::link::find_linker(dir)?;
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&src, PROBE_C)
        .map_err(|e| Diag::new(format!("cannot write {}: {e}", src.display())))?;
    let out = Command::new(&cc)
        .args(["-O2", "-w", "-o"])
        .arg(&exe)
        .arg(&src)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Diag::new(format!("cannot run {}: {e}", cc.display())))?;
    if !out.status.success() {
        return Err(Diag::new(format!(
            "cannot build the measuring probe with {}: {}",
            cc.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(exe)
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

fn describe_status(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown status".to_string(),
    }
}

/// What differs between a run and the reference, if anything.
fn describe_mismatch(s: &Sample, reference: &Sample) -> Option<String> {
    let mut what = Vec::new();
    if (s.code, s.signal) != (reference.code, reference.signal) {
        what.push(format!(
            "{}, want {}",
            describe_status(s.code, s.signal),
            describe_status(reference.code, reference.signal)
        ));
    }
    if s.stdout != reference.stdout {
        what.push(first_difference(&s.stdout, &reference.stdout));
    }
    if what.is_empty() {
        return None;
    }
    let stderr = String::from_utf8_lossy(&s.stderr);
    if let Some(line) = stderr.lines().find(|l| !l.trim().is_empty()) {
        what.push(format!(
            "stderr: {}",
            crate::diag::shorten(line.trim(), 100)
        ));
    }
    Some(what.join("; "))
}

/// Where two outputs first differ, by line.
fn first_difference(got: &[u8], want: &[u8]) -> String {
    let got_lines: Vec<&[u8]> = got.split(|&b| b == b'\n').collect();
    let want_lines: Vec<&[u8]> = want.split(|&b| b == b'\n').collect();
    let n = got_lines
        .iter()
        .zip(&want_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let show = |lines: &[&[u8]]| match lines.get(n) {
        Some(l) => format!(
            "`{}`",
            crate::diag::shorten(&String::from_utf8_lossy(l), 60)
        ),
        None => "end of output".to_string(),
    };
    format!(
        "stdout differs at line {}: {}, want {}",
        n + 1,
        show(&got_lines),
        show(&want_lines)
    )
}

/// The JIT's compile time from `aotc run -v`'s stderr (see `run::READY_PHASE`).
fn jit_compile_time(stderr: &[u8]) -> Option<f64> {
    let text = String::from_utf8_lossy(stderr);
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(run::TIME_PREFIX)?;
        let rest = rest.strip_prefix(run::READY_PHASE)?;
        rest.trim().strip_suffix("ms")?.trim().parse().ok()
    })
}

/// The program to run for runtime `name`: the one named by its flag (a bare name is
/// looked up in PATH, as a shell would; a missing one is an error), else `name` on PATH
/// (none: not measured).
fn find_runtime(name: &str, flag: Option<&Path>) -> Result<Option<PathBuf>> {
    let Some(p) = flag else {
        return Ok(find_on_path(name));
    };
    let found = if p.components().count() == 1 && !p.has_root() {
        find_on_path(&p.to_string_lossy())
    } else {
        p.is_file().then(|| p.to_path_buf())
    };
    match found {
        Some(f) => Ok(Some(f)),
        None => Err(Diag::new(format!(
            "--{name} {}: no such program",
            quote(&p.display().to_string())
        ))),
    }
}

/// The first executable file called `name` in PATH's directories.
fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// Whether `p` is an interpreted script (`#!`), whose runs include the interpreter.
fn is_script(p: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|()| &head == b"#!")
        .unwrap_or(false)
}

/// `PROGRAM --version`'s version: its first line, without a leading program name.
fn tool_version(program: &Path) -> std::result::Result<String, String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --version failed ({})",
            program.display(),
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("").trim();
    let version = line
        .split_whitespace()
        .find(|w| {
            w.trim_start_matches('v')
                .starts_with(|c: char| c.is_ascii_digit())
        })
        .unwrap_or(line);
    Ok(version.to_string())
}

/// The guest's environment as the runtime would build it: baked pairs, then allowed
/// host variables that are set.
fn guest_env(grants: &Manifest) -> Vec<(String, String)> {
    let mut env = grants.env.clone();
    for name in &grants.allow_env {
        if let Some(v) = std::env::var_os(name) {
            env.push((name.clone(), v.to_string_lossy().into_owned()));
        }
    }
    env
}

/// The grants for a runtime without read-only directories: each read-only directory
/// replaced by a fresh copy in `dir` (see the module invariants).
fn read_only_copies(
    name: &str,
    grants: &Manifest,
    dir: &Path,
    notes: &mut Vec<String>,
) -> Result<Manifest> {
    let mut out = grants.clone();
    let mut copied = Vec::new();
    for (i, d) in out.dirs.iter_mut().enumerate() {
        if d.mode != DirMode::ReadOnly {
            continue;
        }
        let copy = dir.join(format!("{name}-ro-{i}"));
        copy_tree(Path::new(&d.host), &copy).map_err(|e| {
            Diag::new(format!(
                "cannot copy the read-only directory {} for {name}: {e}",
                quote(&d.host)
            ))
        })?;
        copied.push(d.guest.clone());
        d.host = copy.to_string_lossy().into_owned();
        d.mode = DirMode::ReadWrite;
    }
    if !copied.is_empty() {
        notes.push(format!(
            "{name}: has no read-only directories, so it got a writable copy of {}",
            copied.join(", ")
        ));
    }
    Ok(out)
}

/// Copies the tree at `from` to the new directory `to`: directories, regular files and
/// symbolic links (as links); other file types are left out.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        }
    }
    Ok(())
}

fn wasmtime_runtime(
    program: &Path,
    version: String,
    grants: &Manifest,
    module: &Path,
    empty: &Path,
) -> Runtime {
    let mut flags: Vec<OsString> = vec!["run".into()];
    for d in &grants.dirs {
        flags.push("--dir".into());
        flags.push(format!("{}::{}", d.host, d.guest).into());
    }
    for (k, v) in guest_env(grants) {
        flags.push("--env".into());
        flags.push(format!("{k}={v}").into());
    }
    Runtime {
        name: "wasmtime",
        version,
        program: program.as_os_str().to_owned(),
        module_args: with(&flags, &[module.as_os_str().to_owned()]),
        empty_program: None,
        empty_args: with(&flags, &[empty.as_os_str().to_owned()]),
        set_argv0: false,
    }
}

fn node_runtime(
    program: &Path,
    version: String,
    grants: &Manifest,
    module: &Path,
    empty: &Path,
    cx: &Cx,
) -> Result<Runtime> {
    let write = |file: &str, text: &str| -> Result<PathBuf> {
        let p = cx.dir.join(file);
        std::fs::write(&p, text)
            .map_err(|e| Diag::new(format!("cannot write {}: {e}", p.display())))?;
        Ok(p)
    };
    let runner = write("wasi_runner.mjs", NODE_RUNNER)?;
    let config = |argv0: &str| -> serde_json::Value {
        let mut env = serde_json::Map::new();
        let mut preopens = serde_json::Map::new();
        for (k, v) in guest_env(grants) {
            env.insert(k, v.into());
        }
        for d in &grants.dirs {
            preopens.insert(d.guest.clone(), d.host.clone().into());
        }
        serde_json::json!({ "argv0": argv0, "env": env, "preopens": preopens })
    };
    let argv0 = String::from_utf8_lossy(cx.argv0.as_bytes()).into_owned();
    let module_config = write("module.json", &config(&argv0).to_string())?;
    let empty_config = write("empty.json", &config("empty.wasm").to_string())?;
    let node_flags: [OsString; 2] = ["--single-threaded-gc".into(), "--no-warnings".into()];
    let runner = runner.into_os_string();
    Ok(Runtime {
        name: "node",
        version,
        program: program.as_os_str().to_owned(),
        module_args: with(
            &node_flags,
            &[
                runner.clone(),
                module_config.into_os_string(),
                module.as_os_str().to_owned(),
            ],
        ),
        empty_program: None,
        empty_args: with(
            &node_flags,
            &[
                runner,
                empty_config.into_os_string(),
                empty.as_os_str().to_owned(),
            ],
        ),
        set_argv0: false,
    })
}

/// Wall time of `wasmtime compile` of the module, if it succeeds.
fn wasmtime_compile_time(program: &Path, module: &Path, dir: &Path) -> Option<f64> {
    let start = Instant::now();
    let status = Command::new(program)
        .arg("compile")
        .arg(module)
        .arg("-o")
        .arg(dir.join("module.cwasm"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| ms(start.elapsed()))
}

fn fmt_ms(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(v) if v < 10.0 => format!("{v:.2} ms"),
        Some(v) if v < 1000.0 => format!("{v:.1} ms"),
        Some(v) => format!("{:.3} s", v / 1000.0),
    }
}

fn fmt_rss(kib: Option<u64>) -> String {
    match kib {
        None => "-".to_string(),
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
    }
}

/// `w` as one shell word (quoted when it needs to be), for the table's header.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The aligned table (and notes) of `aotc bench`.
fn write_table(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let args: String = r
        .args
        .iter()
        .map(|a| format!(" {}", shell_word(a)))
        .collect();
    writeln!(
        out,
        "aotc bench: {}{args} ({} run{} each; aotc -O{}, --target-cpu {})",
        shell_word(&r.module),
        r.runs,
        if r.runs == 1 { "" } else { "s" },
        r.opt_level,
        r.target_cpu
    )?;
    writeln!(out)?;
    let reference = r
        .results
        .iter()
        .find(|x| x.runtime == r.reference)
        .and_then(|x| x.median_ms);
    let header = [
        "runtime", "version", "compile", "start-up", "median", "min", "vs aotc", "peak RSS",
        "exit", "output",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for x in &r.results {
        if let Some(e) = &x.error {
            rows.push(vec![
                x.runtime.to_string(),
                x.version.clone(),
                format!("not measured: {e}"),
            ]);
            continue;
        }
        let ratio = match (x.median_ms, reference) {
            (Some(m), Some(base)) if base > 0.0 => format!("{:.2}x", m / base),
            _ => "-".to_string(),
        };
        let output = if x.runtime == r.reference {
            match &x.mismatch {
                None => "reference".to_string(),
                Some(_) => "reference (runs differ)".to_string(),
            }
        } else if x.matches_reference {
            "same".to_string()
        } else {
            "DIFFERS".to_string()
        };
        rows.push(vec![
            x.runtime.to_string(),
            x.version.clone(),
            fmt_ms(x.compile_ms),
            fmt_ms(x.startup_ms),
            fmt_ms(x.median_ms),
            fmt_ms(x.min_ms),
            ratio,
            fmt_rss(x.peak_rss_kib),
            describe_status(x.exit_status, x.signal)
                .trim_start_matches("exit ")
                .to_string(),
            output,
        ]);
    }
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter(|row| row.len() == columns)
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Text columns left-aligned, numbers right-aligned.
    let numeric = |c: usize| (2..=7).contains(&c);
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let w = if row.len() == columns { widths[c] } else { 0 };
            if numeric(c) {
                line.push_str(&format!("{cell:>w$}"));
            } else {
                line.push_str(&format!("{cell:<w$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    let mismatches: Vec<&RuntimeResult> =
        r.results.iter().filter(|x| x.mismatch.is_some()).collect();
    if !mismatches.is_empty() || !r.notes.is_empty() {
        writeln!(out)?;
    }
    for x in mismatches {
        writeln!(
            out,
            "{}: output differs from {}: {}",
            x.runtime,
            if x.runtime == r.reference {
                "its first run"
            } else {
                "aotc's"
            },
            x.mismatch.as_deref().unwrap_or("")
        )?;
    }
    writeln!(
        out,
        "compile: aotc = compile and link; aotc-jit = translation and JIT before the module \
         starts (in every run); wasmtime = `wasmtime compile`; node compiles in every run"
    )?;
    for n in &r.notes {
        writeln!(out, "{n}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(code: i32, out: &str) -> Sample {
        Sample {
            wall: Duration::from_millis(1),
            code: Some(code),
            signal: None,
            max_rss_kib: 1,
            stdout: out.as_bytes().to_vec(),
            stderr: b"\n  boom\n".to_vec(),
        }
    }

    #[test]
    fn medians() {
        let d = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&d(&[5, 1, 3])), Duration::from_millis(3));
        assert_eq!(median(&d(&[4, 1, 3, 2])), Duration::from_micros(2500));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn mismatches_are_described() {
        let r = sample(0, "hi\n");
        assert_eq!(describe_mismatch(&sample(0, "hi\n"), &r), None);
        let m = describe_mismatch(&sample(1, "hi\n"), &r).unwrap();
        assert!(m.starts_with("exit 1, want exit 0"), "{m}");
        assert!(m.ends_with("stderr: boom"), "{m}");
        let m = describe_mismatch(&sample(0, "ho\n"), &r).unwrap();
        assert!(
            m.starts_with("stdout differs at line 1: `ho`, want `hi`"),
            "{m}"
        );
        let m = describe_mismatch(&sample(0, "hi\nmore\n"), &r).unwrap();
        assert!(
            m.starts_with("stdout differs at line 2: `more`, want ``"),
            "{m}"
        );
        assert_eq!(
            first_difference(b"a", b"a\nb"),
            "stdout differs at line 2: end of output, want `b`"
        );
    }

    #[test]
    fn jit_time_is_read_from_verbose_output() {
        let line = format!(
            "{}{:<26} {:>9.1} ms\n",
            run::TIME_PREFIX,
            run::READY_PHASE,
            42.5
        );
        let text = format!("aotc: time: translate   1.0 ms\n{line}guest stderr\n");
        assert_eq!(jit_compile_time(text.as_bytes()), Some(42.5));
        assert_eq!(jit_compile_time(b"nothing"), None);
    }

    #[test]
    fn versions_and_formats() {
        assert_eq!(fmt_ms(Some(1.234)), "1.23 ms");
        assert_eq!(fmt_ms(Some(123.45)), "123.5 ms");
        assert_eq!(fmt_ms(Some(2500.0)), "2.500 s");
        assert_eq!(fmt_rss(Some(2048)), "2.0 MiB");
        assert_eq!(describe_status(None, Some(9)), "signal 9");
        assert_eq!(shell_word("a/b.wasm"), "a/b.wasm");
        assert_eq!(shell_word("two words"), "'two words'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(ms(Duration::from_nanos(1_234_567)), 1.235);
    }
}
