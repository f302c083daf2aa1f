//! Shared helpers for the integration tests: where the `aotc` binary and the test
//! sources are, compiling C to wasm with clang-19 (cached by content hash under
//! `target/`), running `aotc` and the executables it produces with a timeout, host
//! directory snapshots, a tiny JSON reader, and assertions that print everything
//! (command line, working directory, status, stdout, stderr) when they fail.
#![allow(dead_code)]

pub mod json;
pub mod measured;
pub mod realworld;
pub mod seccomp;
pub mod wasi_diff;

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A command module that prints its argv[0] (args_get into memory, then fd_write of
/// its bytes) and nothing else.
pub const PRINT_ARGV0_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $p i32) (local $n i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 64) (i32.const 1024)))
    (local.set $p (i32.load (i32.const 64)))
    (block $done (loop $scan
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $scan)))
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (local.get $n))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))))"#;

/// How long any single process started by a test may run before it is killed.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(120);

/// The `aotc` binary built by cargo for this test run.
pub fn aotc_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aotc"))
}

/// The workspace root (where `Cargo.toml`, `tests/` and `examples/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/<rel>`.
pub fn tests_path(rel: &str) -> PathBuf {
    root().join("tests").join(rel)
}

/// `examples/<rel>`.
pub fn examples_path(rel: &str) -> PathBuf {
    root().join("examples").join(rel)
}

/// A scratch directory under cargo's per-target temporary directory, owned by this
/// test binary (so parallel test binaries never collide) and reused across runs.
pub fn scratch_root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("aotc-tests")
        .join(env!("CARGO_CRATE_NAME"));
    std::fs::create_dir_all(&dir).expect("create scratch root");
    dir
}

/// A fresh temporary directory (removed when dropped).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("aotc-test-")
        .tempdir()
        .expect("create temp dir")
}

/// FNV-1a, 64 bit: a stable content hash for cache keys.
pub fn fnv64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A name for a temporary file unique to this process and call, so concurrent tests
/// (threads of one process, or processes) never write the same one.
pub fn unique_suffix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to `path` atomically (temporary file + rename), so concurrent tests
/// filling the same cache entry never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension(format!("tmp{}", unique_suffix()));
    std::fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("rename to {}: {e}", path.display()));
}

// ---------------------------------------------------------------------------------
// Running processes
// ---------------------------------------------------------------------------------

/// What a finished process did.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, for messages.
    pub cmdline: String,
    /// Working directory it ran in.
    pub cwd: PathBuf,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Exit code; `None` when the process was killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Everything about the run, for failure messages.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "command: {}", self.cmdline);
        let _ = writeln!(s, "cwd:     {}", self.cwd.display());
        let status = match (self.status.code(), self.status.signal()) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => format!("{:?}", self.status),
        };
        let _ = writeln!(s, "status:  {status}");
        let _ = writeln!(s, "--- stdout ---\n{}", self.stdout());
        let _ = writeln!(s, "--- stderr ---\n{}", self.stderr());
        s
    }

    /// Non-empty stderr lines.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// A process to run: program, arguments, working directory, environment, stdin.
/// The environment is cleared by default, so runs do not depend on the caller's.
#[derive(Debug, Clone)]
pub struct Run {
    program: PathBuf,
    arg0: Option<OsString>,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    env: Vec<(OsString, OsString)>,
    keep_env: bool,
    stdin: Vec<u8>,
    timeout: Duration,
}

impl Run {
    pub fn new(program: impl AsRef<Path>) -> Run {
        Run {
            program: program.as_ref().to_path_buf(),
            arg0: None,
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            keep_env: false,
            stdin: Vec::new(),
            timeout: PROCESS_TIMEOUT,
        }
    }

    /// The process's argv[0] (default: the program path).
    pub fn arg0(mut self, a: impl AsRef<OsStr>) -> Run {
        self.arg0 = Some(a.as_ref().to_os_string());
        self
    }

    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Run {
        self.args.push(a.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Run {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Run {
        self.env
            .push((k.as_ref().to_os_string(), v.as_ref().to_os_string()));
        self
    }

    /// Keep the caller's environment (the default clears it).
    pub fn inherit_env(mut self) -> Run {
        self.keep_env = true;
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = bytes.into();
        self
    }

    pub fn timeout(mut self, t: Duration) -> Run {
        self.timeout = t;
        self
    }

    fn cmdline(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.env {
            let _ = write!(s, "{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
        s.push_str(&shell_quote(self.program.as_os_str()));
        for a in &self.args {
            s.push(' ');
            s.push_str(&shell_quote(a));
        }
        s
    }

    /// Runs to completion (killing it after the timeout, which fails the test).
    pub fn output(&self) -> Output {
        let cwd = self
            .cwd
            .clone()
            .unwrap_or_else(|| std::env::current_dir().expect("cwd"));
        let mut cmd = Command::new(&self.program);
        if let Some(arg0) = &self.arg0 {
            std::os::unix::process::CommandExt::arg0(&mut cmd, arg0);
        }
        cmd.args(&self.args)
            .current_dir(&cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !self.keep_env {
            cmd.env_clear();
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.cmdline()));
        let mut stdin = child.stdin.take().expect("stdin piped");
        let input = self.stdin.clone();
        // A child that exits without reading stdin closes the pipe: ignore EPIPE.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let mut out_pipe = child.stdout.take().expect("stdout piped");
        let mut err_pipe = child.stderr.take().expect("stderr piped");
        let out_reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = out_pipe.read_to_end(&mut v);
            v
        });
        let err_reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = err_pipe.read_to_end(&mut v);
            v
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for child") {
                break status;
            }
            if start.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`{}` (in {}) still running after {:?}: killed",
                    self.cmdline(),
                    cwd.display(),
                    self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let _ = writer.join();
        let stdout = out_reader.join().expect("stdout reader");
        let stderr = err_reader.join().expect("stderr reader");
        Output {
            cmdline: self.cmdline(),
            cwd,
            status,
            stdout,
            stderr,
        }
    }
}

/// Quotes an argument for display in a failure message.
pub fn shell_quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Runs `aotc` with `args` in `cwd`.
pub fn aotc_in<I, S>(cwd: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Run::new(aotc_bin()).args(args).cwd(cwd).output()
}

/// Runs `aotc` with `args` in a throwaway directory.
pub fn aotc<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let dir = tempdir();
    aotc_in(dir.path(), args)
}

// ---------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------

/// Fails with the whole run when `cond` is false.
#[track_caller]
pub fn check(out: &Output, cond: bool, what: &str) {
    if !cond {
        panic!("{what}\n{}", out.describe());
    }
}

/// The process exited normally with `code` (not killed by a signal).
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    check(
        out,
        out.code() == Some(code),
        &format!("expected exit code {code}"),
    );
}

/// Exit 0.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert_exit(out, 0);
}

/// Stdout is exactly `expected`.
#[track_caller]
pub fn assert_stdout(out: &Output, expected: &str) {
    if out.stdout != expected.as_bytes() {
        panic!(
            "stdout differs\n--- expected stdout ---\n{expected}\n{}",
            out.describe()
        );
    }
}

/// Nothing in stderr looks like a crash of the tool itself.
#[track_caller]
pub fn assert_no_crash_text(out: &Output) {
    let err = out.stderr().to_lowercase();
    for bad in [
        "panicked",
        "backtrace",
        "rust_backtrace",
        "segmentation fault",
        "core dumped",
    ] {
        check(out, !err.contains(bad), &format!("stderr contains `{bad}`"));
    }
    check(out, out.status.signal().is_none(), "killed by a signal");
}

/// The aotc error convention: exit 1, stderr is exactly one line starting
/// `aotc: error:`, optionally followed by one `help:` line (rustc style), no panic,
/// no backtrace. Returns the error line.
#[track_caller]
pub fn assert_aotc_error(out: &Output) -> String {
    assert_no_crash_text(out);
    check(out, out.code() == Some(1), "expected aotc to exit with 1");
    let lines = out.stderr_lines();
    let with_help = lines.len() == 2 && lines[1].starts_with("help: ");
    check(
        out,
        lines.len() == 1 || with_help,
        &format!(
            "expected one error line (and at most one `help:` line), got {} lines",
            lines.len()
        ),
    );
    check(
        out,
        lines[0].starts_with("aotc: error:"),
        "the error line must start with `aotc: error:`",
    );
    check(
        out,
        out.stdout.is_empty(),
        "an error must print nothing on stdout",
    );
    lines[0].clone()
}

/// Like [`assert_aotc_error`], and the line contains every one of `needles`.
#[track_caller]
pub fn assert_aotc_error_mentions(out: &Output, needles: &[&str]) -> String {
    let line = assert_aotc_error(out);
    for n in needles {
        check(
            out,
            line.contains(n),
            &format!("the error line should mention `{n}`"),
        );
    }
    line
}

/// A clap usage error: exit 2, a message on stderr, no panic.
#[track_caller]
pub fn assert_usage_error(out: &Output) {
    assert_no_crash_text(out);
    check(
        out,
        out.code() == Some(2),
        "expected usage error exit code 2",
    );
    check(
        out,
        !out.stderr.is_empty(),
        "usage error must explain itself",
    );
}

// ---------------------------------------------------------------------------------
// Building: C -> wasm -> executable
// ---------------------------------------------------------------------------------

/// The clang used for guest programs (Debian's clang-19 with wasi-libc).
pub const CLANG: &str = "clang-19";

/// Compiles `src` (C) to wasm with clang-19 + wasi-libc at -O2, plus `flags` (e.g.
/// `-DOPS_UNLINK`). Cached by the hash of the source, every header beside it and the
/// flags, under `target/`. Panics with clang's output on failure.
pub fn wasm_from_c(src: &Path, flags: &[&str]) -> PathBuf {
    let source =
        std::fs::read(src).unwrap_or_else(|e| panic!("read C source {}: {e}", src.display()));
    // Headers in the same directory are part of the key.
    let mut headers: Vec<PathBuf> = std::fs::read_dir(src.parent().expect("parent dir"))
        .expect("read source dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "h"))
        .collect();
    headers.sort();
    let mut parts: Vec<Vec<u8>> = vec![source, CLANG.as_bytes().to_vec()];
    for h in &headers {
        parts.push(std::fs::read(h).expect("read header"));
    }
    for f in flags {
        parts.push(f.as_bytes().to_vec());
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let key = fnv64(&refs);
    let stem = src.file_stem().expect("file stem").to_string_lossy();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("aotc-tests-wasm-cache");
    std::fs::create_dir_all(&cache).expect("create wasm cache");
    let out = cache.join(format!("{stem}-{key:016x}.wasm"));
    if out.exists() {
        return out;
    }
    let tmp = cache.join(format!("{stem}-{key:016x}.{}.wasm.tmp", unique_suffix()));
    let result = Command::new(CLANG)
        .args([
            "--target=wasm32-wasi",
            "--sysroot=/usr",
            "-O2",
            "-Wall",
            "-Werror",
        ])
        .args(flags)
        .arg(src)
        .arg("-o")
        .arg(&tmp)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {CLANG}: {e}"));
    if !result.status.success() {
        panic!(
            "{CLANG} failed on {} {:?}:\n{}",
            src.display(),
            flags,
            String::from_utf8_lossy(&result.stderr)
        );
    }
    std::fs::rename(&tmp, &out).expect("move wasm into cache");
    out
}

/// `tests/wasi/<name>` compiled to wasm with `flags`.
pub fn wasi_program(name: &str, flags: &[&str]) -> PathBuf {
    wasm_from_c(&tests_path(&format!("wasi/{name}")), flags)
}

/// The result of compiling one module with one set of aotc flags.
#[derive(Debug, Clone)]
pub struct Build {
    /// The executable, when aotc succeeded.
    pub exe: Option<PathBuf>,
    /// What aotc printed.
    pub output: Output,
}

type BuildCell = Arc<OnceLock<Build>>;

fn build_cells() -> &'static Mutex<HashMap<String, BuildCell>> {
    static CELLS: OnceLock<Mutex<HashMap<String, BuildCell>>> = OnceLock::new();
    CELLS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compiles `input` (`.wasm` or `.wat`) with `aotc input -o EXE flags...`, once per
/// test binary for each (input, flags) pair; later calls share the result. Relative
/// paths in `flags` are relative to the scratch root.
pub fn build(input: &Path, flags: &[&str]) -> Build {
    let key = format!("{}\0{}", input.display(), flags.join("\0"));
    let cell = {
        let mut map = build_cells().lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.clone()).or_default().clone()
    };
    cell.get_or_init(|| {
        let stem = input.file_stem().expect("file stem").to_string_lossy();
        let hash = fnv64(&[key.as_bytes()]);
        let dir = scratch_root().join("exe");
        std::fs::create_dir_all(&dir).expect("create exe dir");
        let exe = dir.join(format!("{stem}-{hash:016x}"));
        let _ = std::fs::remove_file(&exe);
        let mut args: Vec<OsString> = vec![input.into(), "-o".into(), exe.clone().into()];
        args.extend(flags.iter().map(OsString::from));
        let output = aotc_in(&scratch_root(), &args);
        let ok = output.code() == Some(0) && exe.is_file();
        Build {
            exe: ok.then_some(exe),
            output,
        }
    })
    .clone()
}

/// Like [`build`] but the compile must succeed; returns the executable.
#[track_caller]
pub fn build_ok(input: &Path, flags: &[&str]) -> PathBuf {
    let b = build(input, flags);
    match b.exe {
        Some(exe) => {
            assert_no_crash_text(&b.output);
            exe
        }
        None => panic!(
            "aotc failed to compile {}\n{}",
            input.display(),
            b.output.describe()
        ),
    }
}

/// The executable must not have been killed by a signal, nor printed a crash.
#[track_caller]
pub fn assert_clean_exit(out: &Output) {
    check(
        out,
        out.status.signal().is_none(),
        "the executable was killed by a signal",
    );
    let err = out.stderr().to_lowercase();
    check(
        out,
        !err.contains("segmentation fault") && !err.contains("panicked"),
        "the executable crashed",
    );
}

// ---------------------------------------------------------------------------------
// Imports and the runtime's readiness table
// ---------------------------------------------------------------------------------

/// The wasm bytes of a `.wasm` or `.wat` file.
pub fn wasm_bytes(path: &Path) -> Vec<u8> {
    if path.extension().is_some_and(|e| e == "wat") {
        wat::parse_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }
}

/// Function imports of a module, as (module, name).
pub fn function_imports(path: &Path) -> Vec<(String, String)> {
    let bytes = wasm_bytes(path);
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ImportSection(reader) =
            payload.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        {
            for imp in reader.into_imports() {
                let imp = imp.expect("import");
                if let wasmparser::TypeRef::Func(_) = imp.ty {
                    out.push((imp.module.to_string(), imp.name.to_string()));
                }
            }
        }
    }
    out
}

/// Whether the runtime implements WASI function `name` (from the one contract table,
/// `aotc_abi::wasi`). Importing one it does not implement is a compile-time error.
pub fn wasi_ready(name: &str) -> bool {
    aotc_abi::wasi::find(name).is_some_and(|f| f.ready)
}

/// The WASI imports of a module that the runtime does not implement yet.
pub fn pending_imports(path: &Path) -> Vec<String> {
    function_imports(path)
        .into_iter()
        .filter(|(m, n)| m == aotc_abi::wasi::WASI_MODULE && !wasi_ready(n))
        .map(|(_, n)| n)
        .collect()
}

/// For a module importing WASI functions the runtime does not implement yet: the
/// compile must fail with one `aotc: error:` line naming each of them as
/// `wasi_snapshot_preview1.<name>`, and naming none of the implemented ones. This is
/// the *current* status, asserted, not skipped; prints a note so it shows in the log.
#[track_caller]
pub fn assert_pending_imports_rejected(
    what: &str,
    build: &Build,
    pending: &[String],
    all: &[(String, String)],
) {
    eprintln!(
        "NOTE {what}: runtime does not implement {pending:?} yet; expecting the compile to \
         refuse them (the full expectations run once the runtime marks them ready)"
    );
    check(
        &build.output,
        build.exe.is_none(),
        &format!("{what}: compiling a module that imports unimplemented {pending:?} must fail"),
    );
    let line = assert_aotc_error(&build.output);
    for name in pending {
        let qualified = format!("{}.{name}", aotc_abi::wasi::WASI_MODULE);
        check(
            &build.output,
            line.contains(&qualified),
            &format!("{what}: the error must name `{qualified}`"),
        );
    }
    for (m, n) in all {
        if m == aotc_abi::wasi::WASI_MODULE && wasi_ready(n) {
            let qualified = format!("{m}.{n}");
            check(
                &build.output,
                !line.contains(&qualified),
                &format!("{what}: `{qualified}` is implemented and must not be listed"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Host directory snapshots
// ---------------------------------------------------------------------------------

/// One entry of a host tree snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file: contents, permission bits, modification time (ns).
    File {
        bytes: Vec<u8>,
        mode: u32,
        mtime_ns: i128,
    },
    /// A directory: permission bits, modification time (ns).
    Dir { mode: u32, mtime_ns: i128 },
    /// A symbolic link and what it points to.
    Symlink { target: PathBuf },
    /// Anything else (fifo, socket, device).
    Other,
}

/// Everything under `root` (not following symlinks), keyed by relative path.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let meta = std::fs::symlink_metadata(&path).expect("lstat");
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
            let mode = meta.permissions().mode() & 0o7777;
            let ft = meta.file_type();
            if ft.is_symlink() {
                let target = std::fs::read_link(&path).expect("readlink");
                out.insert(rel, Entry::Symlink { target });
            } else if ft.is_dir() {
                out.insert(rel, Entry::Dir { mode, mtime_ns });
                walk(root, &path, out);
            } else if ft.is_file() {
                let bytes = std::fs::read(&path).expect("read file");
                out.insert(
                    rel,
                    Entry::File {
                        bytes,
                        mode,
                        mtime_ns,
                    },
                );
            } else {
                out.insert(rel, Entry::Other);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Describes how two snapshots differ (empty when equal).
pub fn snapshot_diff(
    before: &BTreeMap<PathBuf, Entry>,
    after: &BTreeMap<PathBuf, Entry>,
) -> String {
    let mut s = String::new();
    for (p, e) in before {
        match after.get(p) {
            None => {
                let _ = writeln!(s, "removed: {}", p.display());
            }
            Some(a) if a != e => {
                let _ = writeln!(s, "changed: {} {} -> {}", p.display(), short(e), short(a));
            }
            _ => {}
        }
    }
    for (p, a) in after {
        if !before.contains_key(p) {
            let _ = writeln!(s, "added:   {} {}", p.display(), short(a));
        }
    }
    s
}

fn short(e: &Entry) -> String {
    match e {
        Entry::File {
            bytes,
            mode,
            mtime_ns,
        } => format!(
            "file({} bytes {:?}, mode {mode:o}, mtime {mtime_ns})",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
        ),
        Entry::Dir { mode, mtime_ns } => format!("dir(mode {mode:o}, mtime {mtime_ns})"),
        Entry::Symlink { target } => format!("symlink(-> {})", target.display()),
        Entry::Other => "other".to_string(),
    }
}

/// The host tree under `root` must be exactly as in `before`.
#[track_caller]
pub fn assert_tree_unchanged(root: &Path, before: &BTreeMap<PathBuf, Entry>, out: &Output) {
    let after = snapshot(root);
    let diff = snapshot_diff(before, &after);
    check(
        out,
        diff.is_empty(),
        &format!("the host tree under {} changed:\n{diff}", root.display()),
    );
}

/// Creates `path` (and parents) with `contents`.
pub fn write_file(path: &Path, contents: &[u8]) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("create parent dirs");
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Creates a symlink at `link` pointing to `target` (taken literally).
pub fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::os::unix::fs::symlink(target.as_ref(), link)
        .unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
}

/// Copies a directory tree (files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let ft = e.file_type().expect("file type");
        let dst = to.join(e.file_name());
        if ft.is_dir() {
            copy_tree(&e.path(), &dst);
        } else if ft.is_file() {
            std::fs::copy(e.path(), &dst).expect("copy file");
        }
    }
}

/// Parses "name=value" lines of a program's stdout (the first `=` splits).
pub fn facts(out: &Output) -> std::collections::BTreeMap<String, String> {
    out.stdout()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Each (name, value) must be among the output's facts exactly; reports every
/// difference at once.
#[track_caller]
pub fn assert_facts(out: &Output, want: &[(&str, &str)]) {
    let got = facts(out);
    let mut bad = Vec::new();
    for (k, v) in want {
        match got.get(*k) {
            Some(g) if g == v => {}
            Some(g) => bad.push(format!("{k}: expected `{v}`, got `{g}`")),
            None => bad.push(format!("{k}: missing (expected `{v}`)")),
        }
    }
    check(out, bad.is_empty(), &bad.join("\n"));
}

/// The text of the function `wasm:{name}` in textual IR (from `--emit llvm-ir`).
pub fn function_ir<'t>(ir: &'t str, name: &str) -> &'t str {
    definition_ir(ir, &format!("@\"wasm:{name}\"("))
}

/// The definition in `ir` whose `define` line contains `symbol` (`@name(`).
pub fn definition_ir<'t>(ir: &'t str, symbol: &str) -> &'t str {
    let start = ir
        .lines()
        .find(|l| l.starts_with("define") && l.contains(symbol))
        .map(|l| l.as_ptr() as usize - ir.as_ptr() as usize)
        .unwrap_or_else(|| panic!("no definition of {symbol} in the IR"));
    let end = ir[start..].find("\n}\n").map_or(ir.len(), |e| start + e);
    &ir[start..end]
}

/// Builds `wasm` with aotc at -O2 and -O3, for the default and the host CPU, and
/// asserts that each executable prints exactly what Wasmtime prints, which must
/// contain `marker` (so an empty or failed oracle run cannot pass).
pub fn assert_optimised_builds_print_what_wasmtime_prints(wasm: &Path, marker: &str) {
    let oracle = Run::new(wasi_diff::wasmtime()).arg(wasm).output();
    assert_success(&oracle);
    assert!(oracle.stdout().contains(marker), "{}", oracle.describe());
    let dir = tempdir();
    for level in ["-O2", "-O3"] {
        for cpu in ["x86-64-v2", "native"] {
            let exe = dir.path().join(format!("guest{level}-{cpu}"));
            let built = aotc([
                wasm.as_os_str(),
                level.as_ref(),
                "--target-cpu".as_ref(),
                cpu.as_ref(),
                "-o".as_ref(),
                exe.as_os_str(),
            ]);
            assert_success(&built);
            let ran = Run::new(&exe).output();
            assert_success(&ran);
            assert_eq!(
                ran.stdout(),
                oracle.stdout(),
                "aotc {level} --target-cpu {cpu} differs from Wasmtime"
            );
        }
    }
}

/// Runs `wasm` with the argument `mode` under Wasmtime and as aotc's `-O2` build
/// (built once per test binary): both must trap out of bounds after printing the
/// same thing. Returns aotc's run, for checks of where it trapped.
#[track_caller]
pub fn assert_traps_out_of_bounds_like_wasmtime(wasm: &Path, mode: &str) -> Output {
    let oracle = Run::new(wasi_diff::wasmtime()).arg(wasm).arg(mode).output();
    assert!(
        oracle.stderr().contains("out of bounds memory access"),
        "Wasmtime {mode}: {}",
        oracle.describe()
    );
    let exe = build_ok(wasm, &["-O2"]);
    let out = Run::new(&exe).arg(mode).output();
    assert_exit(&out, 134);
    assert_eq!(out.stdout(), oracle.stdout(), "{mode}");
    check(
        &out,
        out.stderr_lines().first().map(String::as_str)
            == Some("wasm trap: out of bounds memory access"),
        &format!("{mode}: traps out of bounds"),
    );
    out
}

/// `wasm`'s optimised LLVM IR (`aotc -O2 --emit llvm-ir`) for the default CPU.
pub fn optimised_ir(wasm: &Path) -> String {
    optimised_ir_for(wasm, "x86-64-v2")
}

/// [`optimised_ir`] for `--target-cpu cpu`.
pub fn optimised_ir_for(wasm: &Path, cpu: &str) -> String {
    optimised_output(wasm, cpu, "llvm-ir")
}

/// The x86-64 assembly aotc writes for `wasm` at -O2 for the default CPU.
pub fn optimised_asm(wasm: &Path) -> String {
    optimised_output(wasm, "x86-64-v2", "asm")
}

/// What `--emit kind` writes for `wasm` at -O2 for `--target-cpu cpu`.
fn optimised_output(wasm: &Path, cpu: &str, kind: &str) -> String {
    let dir = tempdir();
    let out = dir.path().join("guest.out");
    let built = aotc([
        wasm.as_os_str(),
        "-O2".as_ref(),
        "--target-cpu".as_ref(),
        cpu.as_ref(),
        "--emit".as_ref(),
        kind.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_success(&built);
    std::fs::read_to_string(&out).expect("output written")
}
