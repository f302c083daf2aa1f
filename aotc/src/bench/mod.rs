//! `aotc bench`: one module, the same arguments and grants, timed as an aotc
//! executable, through aotc's JIT (`aotc run`) and on the JIT runtimes found on PATH
//! (wasmtime, node), side by side.
//!
//! For each runtime: compile time where it is separate (aotc: compile and link;
//! aotc-jit: translation and JIT before the module starts, read from `aotc run -v`;
//! wasmtime: `wasmtime compile`), start-up (median wall time of runs of a built-in
//! empty command module with the same grants, the fixed cost of any run), median and
//! minimum wall time of the module's runs, peak resident memory, and whether every
//! run's exit status and stdout equal the first run of the aotc executable, the
//! reference. `measure` runs and compares, `runtimes` finds wasmtime and node and
//! builds their command lines, `table` prints the text form.
//!
//! Invariants:
//! - Every runtime gets the same argv (argv\[0\] is the module's file name where the
//!   runtime lets us choose it), the same stdin (`--stdin` or empty), the same working
//!   directory (so relative grants mean the same host directories) and, translated,
//!   the same grants; what cannot be translated is said in a note, never hidden
//!   (wasmtime and node:wasi have no read-only directories), and a grant with no
//!   equivalent (`--listen`, `--connect`, `--bind`, `--resolve`) is refused.
//! - A read-only grant is never handed writable to a runtime that cannot enforce
//!   read-only: wasmtime and node get a copy of the directory, made in the temporary
//!   directory before their runs, so a module that writes cannot touch the user's
//!   files through them (their outputs then differ, and the table says so).
//! - Children's output goes to files in a private temporary directory, removed at the
//!   end; nothing is written anywhere else (except by the module itself, in
//!   directories granted read-write).
//! - A runtime that cannot be started is reported as such, not as a mismatch.

mod measure;
mod runtimes;
mod table;

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cli::EmitKind;
use crate::diag::{quote, Diag, Result};
use crate::driver::{self, CompileRequest};
use crate::manifest::CapabilityFlags;
use crate::run;
use crate::target;
use measure::{build_probe, jit_compile_time, Cx, Runtime};
use runtimes::{
    find_runtime, is_script, node_runtime, read_only_copies, tool_version, wasmtime_compile_time,
    wasmtime_runtime,
};

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
    if !(grants.listen.is_empty()
        && grants.connect.is_empty()
        && grants.bind.is_empty()
        && grants.resolve.is_empty())
    {
        return Err(Diag::new(
            "aotc bench cannot measure a module with network grants (--listen, --connect, --bind, --resolve)",
        )
        .with_help("the other runtimes have no equivalent grant; time the server with a client instead"));
    }
    let input = crate::input::read_input(&req.input)?;
    run::check_command(&input.wasm, &req.input)
        .map_err(|d| d.with_help("aotc bench times WASI commands (modules with `_start`) only"))?;
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
            entry: crate::translate::Entry::Start,
            target_cpu: req.target_cpu.clone(),
            manifest_file: req.manifest_file.clone(),
            caps: req.caps.clone(),
            strip: false,
            verbose: false,
            strict_traps: req.strict_traps,
            jobs: None,
            partitions: None,
            // The compile time is measured: always compile.
            no_cache: true,
            preloads: Vec::new(),
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
        table::write_table(&mut out, &report)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_are_rounded_to_the_microsecond() {
        assert_eq!(ms(Duration::from_nanos(1_234_567)), 1.235);
        assert_eq!(ms(Duration::from_secs(2)), 2000.0);
    }

    #[test]
    fn the_empty_module_is_a_command() {
        let wasm = wat::parse_str(EMPTY_MODULE).unwrap();
        run::check_command(&wasm, Path::new("empty.wasm")).unwrap();
    }
}
