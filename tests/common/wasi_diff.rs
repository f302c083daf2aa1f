//! The differential WASI harness (issue 11): one guest module run as an aotc executable
//! and under Wasmtime (the oracle, `AOTC_WASMTIME`), each in a fresh working directory
//! built by `tests/guests/fixture.sh`, with the same argv (argv[0] = "guest"), baked-in
//! environment, stdin and read-write grants; then exit status, stdout, stderr and the
//! whole working directory afterwards (names, types, contents, permission bits, symlink
//! targets, modification times) are compared.
//!
//! Invariants: both engines see byte-identical inputs; a timestamp inside the run's
//! wall-clock window compares as "now" (each engine ran at a different moment), any
//! other timestamp compares exactly, so times a guest sets are checked. `outside.txt`
//! sits beside the grants in the working directory, so an escape shows as a tree
//! difference. `AOTC_DIFF_AOTC` names another aotc binary (e.g. an older build, to
//! count divergences before a fix); by default the one cargo built is used.

use super::{
    aotc_bin, fnv64, root, scratch_root, snapshot, tempdir, tests_path, unique_suffix, Entry,
    Output, Run,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A directory grant: `host` is created (and filled with the fixture) inside the working
/// directory; the guest sees it as `guest`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub host: String,
    pub guest: String,
}

impl Grant {
    /// `HOST` (the guest sees the same name) or `HOST::GUEST`.
    pub fn parse(spec: &str) -> Grant {
        match spec.split_once("::") {
            Some((host, guest)) => Grant {
                host: host.to_string(),
                guest: guest.to_string(),
            },
            None => Grant {
                host: spec.to_string(),
                guest: spec.to_string(),
            },
        }
    }
}

/// One run of one guest under both engines.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<toolchain>/<name>`, for messages.
    pub name: String,
    pub wasm: PathBuf,
    /// Arguments after argv[0] (which is "guest" under both engines).
    pub args: Vec<String>,
    /// Environment the guest sees (aotc bakes it in with `--env`).
    pub env: Vec<(String, String)>,
    pub stdin: Vec<u8>,
    pub grants: Vec<Grant>,
    /// Whether stderr must be equal too (off where it is engine-specific text).
    pub compare_stderr: bool,
    /// The exit status both engines must give, when the case states one.
    pub status: Option<i32>,
}

/// A timestamp of the tree after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Time {
    /// Inside the run's wall-clock window: the engine's "now".
    Now,
    /// Anything else, exactly (nanoseconds since the epoch).
    At(i128),
}

/// One entry of the working directory after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File {
        bytes: Vec<u8>,
        mode: u32,
        mtime: Time,
    },
    Dir {
        mode: u32,
        mtime: Time,
    },
    Symlink {
        target: PathBuf,
    },
    Other,
}

/// What one engine did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Exit status; `None` when killed by a signal or when aotc could not build.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The working directory afterwards, relative paths.
    pub tree: BTreeMap<PathBuf, Node>,
    /// The command line and everything it printed, for messages.
    pub described: String,
}

/// Both outcomes and how they differ (empty: the engines agree, and the status is the
/// case's when it names one).
#[derive(Debug, Clone)]
pub struct Comparison {
    pub aotc: Outcome,
    pub wasmtime: Outcome,
    pub differences: Vec<String>,
}

impl Comparison {
    /// Everything about both runs, for a failure message.
    pub fn report(&self, case: &Case) -> String {
        let mut s = format!("=== {} ===\n", case.name);
        for d in &self.differences {
            let _ = writeln!(s, "  {d}");
        }
        let _ = writeln!(s, "--- aotc ---\n{}", self.aotc.described);
        let _ = writeln!(s, "--- wasmtime ---\n{}", self.wasmtime.described);
        s
    }
}

/// The Wasmtime CLI to compare against (`AOTC_WASMTIME`, exported by scripts/setup.sh).
pub fn wasmtime() -> PathBuf {
    match std::env::var_os("AOTC_WASMTIME") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "AOTC_WASMTIME is not set: the differential WASI tests need Wasmtime; \
             run them through scripts/test.sh (or `source scripts/setup.sh` first)"
        ),
    }
}

/// The aotc binary under test (`AOTC_DIFF_AOTC` or the one cargo built).
pub fn aotc_under_test() -> PathBuf {
    std::env::var_os("AOTC_DIFF_AOTC")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(aotc_bin)
}

type CompileCell = Arc<OnceLock<Result<PathBuf, String>>>;

/// Compiles the case's module with its grants and environment, once per distinct
/// (aotc, module bytes, grants, environment). `Err` holds what aotc printed.
pub fn compile(case: &Case) -> Result<PathBuf, String> {
    static CELLS: OnceLock<Mutex<HashMap<u64, CompileCell>>> = OnceLock::new();
    let aotc = aotc_under_test();
    let wasm = std::fs::read(&case.wasm)
        .unwrap_or_else(|e| panic!("{}: cannot read {}: {e}", case.name, case.wasm.display()));
    let flags = aotc_flags(case);
    let key = fnv64(&[
        aotc.as_os_str().as_encoded_bytes(),
        &wasm,
        flags.join("\0").as_bytes(),
    ]);
    let cell = CELLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| {
        let dir = scratch_root().join("wasi-diff");
        std::fs::create_dir_all(&dir).expect("create wasi-diff dir");
        let stem = case.wasm.file_stem().expect("file stem").to_string_lossy();
        let exe = dir.join(format!("{stem}-{key:016x}"));
        let tmp = dir.join(format!("{stem}-{key:016x}.{}", unique_suffix()));
        let out = Run::new(&aotc)
            .arg(&case.wasm)
            .arg("-o")
            .arg(&tmp)
            .args(&flags)
            .inherit_env()
            .timeout(Duration::from_secs(900))
            .output();
        if out.code() == Some(0) && tmp.is_file() {
            std::fs::rename(&tmp, &exe).expect("move executable");
            Ok(exe)
        } else {
            Err(out.describe())
        }
    })
    .clone()
}

fn aotc_flags(case: &Case) -> Vec<String> {
    // -O0: these tests are about WASI behaviour, and real guests (Go, resvg) are
    // megabytes of code that -O2 would take minutes over.
    let mut flags = vec!["-O0".to_string()];
    for g in &case.grants {
        flags.push(format!("--allow-dir={}::{}:rw", g.host, g.guest));
    }
    for (k, v) in &case.env {
        flags.push(format!("--env={k}={v}"));
    }
    flags
}

/// A fresh working directory holding the fixture in every grant.
fn workdir(case: &Case) -> tempfile::TempDir {
    let dir = tempdir();
    let mut hosts: Vec<&str> = case.grants.iter().map(|g| g.host.as_str()).collect();
    hosts.dedup();
    let status = std::process::Command::new("sh")
        .arg(tests_path("guests/fixture.sh"))
        .arg(dir.path())
        .args(&hosts)
        .status()
        .expect("run tests/guests/fixture.sh");
    assert!(status.success(), "tests/guests/fixture.sh failed");
    dir
}

/// Nanoseconds since the epoch, now.
fn now_ns() -> i128 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    d.as_nanos() as i128
}

/// Runs `run` in a fresh fixture and records the outcome.
fn outcome_of(case: &Case, run: impl FnOnce(&Path) -> Output) -> Outcome {
    let dir = workdir(case);
    // Whole seconds with one of slack each side: filesystems round times to their tick.
    const SEC: i128 = 1_000_000_000;
    let start = (now_ns() / SEC - 1) * SEC;
    let out = run(dir.path());
    let end = (now_ns() / SEC + 2) * SEC - 1;
    Outcome {
        code: if out.status.signal().is_some() {
            None
        } else {
            out.code()
        },
        stdout: out.stdout.clone(),
        stderr: out.stderr.clone(),
        tree: tree(dir.path(), start..=end),
        described: out.describe(),
    }
}

/// The tree under `root` (the shared `snapshot`), a time inside `now` compared as Now.
fn tree(root: &Path, now: RangeInclusive<i128>) -> BTreeMap<PathBuf, Node> {
    let time = |ns: i128| {
        if now.contains(&ns) {
            Time::Now
        } else {
            Time::At(ns)
        }
    };
    snapshot(root)
        .into_iter()
        .map(|(path, entry)| {
            let node = match entry {
                Entry::File {
                    bytes,
                    mode,
                    mtime_ns,
                } => Node::File {
                    bytes,
                    mode,
                    mtime: time(mtime_ns),
                },
                Entry::Dir { mode, mtime_ns } => Node::Dir {
                    mode,
                    mtime: time(mtime_ns),
                },
                Entry::Symlink { target } => Node::Symlink { target },
                Entry::Other => Node::Other,
            };
            (path, node)
        })
        .collect()
}

/// The case as an aotc executable.
pub fn run_aotc(case: &Case) -> Outcome {
    match compile(case) {
        Ok(exe) => outcome_of(case, |dir| {
            Run::new(&exe)
                .arg0("guest")
                .args(&case.args)
                .stdin(case.stdin.clone())
                .cwd(dir)
                .output()
        }),
        Err(described) => {
            let dir = workdir(case);
            Outcome {
                code: None,
                stdout: Vec::new(),
                stderr: format!("aotc could not build the executable:\n{described}").into_bytes(),
                tree: tree(dir.path(), 0..=0),
                described: format!("aotc could not build the executable:\n{described}"),
            }
        }
    }
}

/// The command that runs the case under Wasmtime (the working directory still to set).
fn wasmtime_run(case: &Case) -> Run {
    let mut run = Run::new(wasmtime()).arg("run").arg("--argv0=guest");
    for g in &case.grants {
        run = run.arg(format!("--dir={}::{}", g.host, g.guest));
    }
    for (k, v) in &case.env {
        run = run.arg(format!("--env={k}={v}"));
    }
    // Wasmtime's own cache and config live under HOME: keep them out of the fixture.
    run.env("HOME", scratch_root())
        .arg(&case.wasm)
        .args(&case.args)
        .stdin(case.stdin.clone())
}

/// The case under Wasmtime.
pub fn run_wasmtime(case: &Case) -> Outcome {
    outcome_of(case, |dir| wasmtime_run(case).cwd(dir).output())
}

/// The WASI calls the case makes, counted per function from Wasmtime's trace log (one
/// more run, with `WASMTIME_LOG=wasmtime_wasi=trace`; each call logs one `result=` line).
pub fn count_calls(case: &Case) -> BTreeMap<String, usize> {
    let dir = workdir(case);
    let out = wasmtime_run(case)
        .env("WASMTIME_LOG", "wasmtime_wasi=trace")
        .env("NO_COLOR", "1")
        .cwd(dir.path())
        .output();
    let mut calls = BTreeMap::new();
    for line in out.stderr().lines() {
        let Some(rest) = line.split_once("module=\"wasi_snapshot_preview1\" function=\"") else {
            continue;
        };
        let Some((name, tail)) = rest.1.split_once('"') else {
            continue;
        };
        if tail.contains(" result=") {
            *calls.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    calls
}

/// Runs the case under both engines and lists every difference.
pub fn compare(case: &Case) -> Comparison {
    let aotc = run_aotc(case);
    let wasmtime = run_wasmtime(case);
    let differences = differences(case, &aotc, &wasmtime);
    Comparison {
        aotc,
        wasmtime,
        differences,
    }
}

fn differences(case: &Case, aotc: &Outcome, wasmtime: &Outcome) -> Vec<String> {
    let mut diffs = Vec::new();
    if aotc.code != wasmtime.code {
        diffs.push(format!(
            "exit status: aotc {} vs wasmtime {}",
            status_text(aotc.code),
            status_text(wasmtime.code)
        ));
    } else if let Some(expected) = case.status {
        if aotc.code != Some(expected) {
            diffs.push(format!(
                "exit status: both {}, the case expects {expected}",
                status_text(aotc.code)
            ));
        }
    }
    if let Some(d) = text_difference("stdout", &aotc.stdout, &wasmtime.stdout) {
        diffs.push(d);
    }
    if case.compare_stderr {
        if let Some(d) = text_difference("stderr", &aotc.stderr, &wasmtime.stderr) {
            diffs.push(d);
        }
    }
    diffs.extend(tree_differences(&aotc.tree, &wasmtime.tree));
    diffs
}

fn status_text(code: Option<i32>) -> String {
    code.map_or_else(
        || "no exit code (signal or build failure)".into(),
        |c| c.to_string(),
    )
}

/// The first differing line of two outputs, with its number.
pub fn text_difference(what: &str, aotc: &[u8], wasmtime: &[u8]) -> Option<String> {
    if aotc == wasmtime {
        return None;
    }
    let a = String::from_utf8_lossy(aotc);
    let w = String::from_utf8_lossy(wasmtime);
    let (a_lines, w_lines): (Vec<&str>, Vec<&str>) = (a.lines().collect(), w.lines().collect());
    let n = a_lines.len().max(w_lines.len());
    for i in 0..n {
        let (x, y) = (a_lines.get(i), w_lines.get(i));
        if x != y {
            return Some(format!(
                "{what} line {}: aotc {:?} vs wasmtime {:?}",
                i + 1,
                x.copied().unwrap_or("<end>"),
                y.copied().unwrap_or("<end>")
            ));
        }
    }
    Some(format!(
        "{what}: differs only in line endings or trailing bytes"
    ))
}

fn tree_differences(
    aotc: &BTreeMap<PathBuf, Node>,
    wasmtime: &BTreeMap<PathBuf, Node>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for (path, a) in aotc {
        match wasmtime.get(path) {
            None => diffs.push(format!(
                "tree: {} only under aotc: {}",
                path.display(),
                node_text(a)
            )),
            Some(w) if w != a => diffs.push(format!(
                "tree: {}: aotc {} vs wasmtime {}",
                path.display(),
                node_text(a),
                node_text(w)
            )),
            _ => {}
        }
    }
    for (path, w) in wasmtime {
        if !aotc.contains_key(path) {
            diffs.push(format!(
                "tree: {} only under wasmtime: {}",
                path.display(),
                node_text(w)
            ));
        }
    }
    diffs
}

fn node_text(node: &Node) -> String {
    match node {
        Node::File { bytes, mode, mtime } => format!(
            "file {} bytes {:?} mode {mode:o} mtime {mtime:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(48)])
        ),
        Node::Dir { mode, mtime } => format!("dir mode {mode:o} mtime {mtime:?}"),
        Node::Symlink { target } => format!("symlink -> {}", target.display()),
        Node::Other => "special file".into(),
    }
}

/// The README's table of differences from Wasmtime: the lines between its markers.
pub fn readme_rules_table() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    readme
        .split("<!-- wasmtime-rules -->")
        .nth(1)
        .and_then(|t| t.split("<!-- /wasmtime-rules -->").next())
        .expect("README.md has the table of differences from Wasmtime")
        .to_string()
}

/// The rule ids of that table (its first column, in backquotes).
pub fn readme_rules() -> BTreeSet<String> {
    readme_rules_table()
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(id, _)| id.to_string()))
        .collect()
}
