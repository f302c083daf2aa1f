//! The generated WASI differential (issue 11): seeded random sequences of raw WASI
//! preview1 calls, each run by one interpreter guest (`tests/guests/gen/wasi_ops.c`,
//! which reads the script from stdin and prints one line per call) as an aotc executable
//! and under Wasmtime 49 through the shared harness (`tests/common/wasi_diff.rs`); the
//! engines must print the same lines and leave the same directory tree.
//!
//! - `generated_sequences_agree`: seeds `AOTC_WASI_GEN_SEED` (default 0) onwards,
//!   `AOTC_WASI_GEN_SEEDS` of them (default 200) of `AOTC_WASI_GEN_CALLS` calls each
//!   (default 40), in parallel threads. It prints "compared S sequences × C calls
//!   (= T calls): D divergent", groups the divergences by cause, and for one seed of
//!   each cause a minimised script (calls dropped while the same cause still shows)
//!   with the differing line of both engines. A longer run:
//!   `AOTC_WASI_GEN_SEEDS=5000 cargo test --release --test wasi_gen`
//!   (`AOTC_WASI_GEN_MINIMISE=N`: minimise N causes, default 16).
//! - `regression_scripts_agree`: every `tests/wasi_gen/*.txt` script (a divergence once
//!   found, and fixed) must run alike under both engines.
//!
//! How a run is judged: output lines pair up one per call. Each differing line is a
//! divergence keyed by its cause: the call and both errnos, or, when both succeeded,
//! the result fields that differ. After a differing line from a call that may change
//! state (one engine's call succeeded and the other's failed, or both succeeded with
//! different results) later lines are consequences and are not judged; a tree,
//! stderr or exit status difference is judged only when no such line came before.
//! Causes listed in `DELIBERATE` are rules the runtime keeps on purpose: they are not
//! failures (a state-changing one still ends the judging of its run).

mod common;

use common::wasi_diff::{compare, Case, Comparison, Grant};
use common::{fnv64, tests_path, wasm_from_c};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Divergence causes (keys as `cause_of` builds them) the runtime keeps deliberately.
const DELIBERATE: &[&str] = &[];

/// Minimise at most this many causes per run (each costs up to ~100 runs); the
/// environment's `AOTC_WASI_GEN_MINIMISE` overrides it.
const MAX_MINIMISED: u64 = 16;

// ---------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------

/// splitmix64: small, seedable, the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5eed_0f_a07c_0000)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An item of (weight, item) pairs, by weight.
    fn weighted<'a, T>(&mut self, items: &'a [(u64, T)]) -> &'a T {
        let total: u64 = items.iter().map(|(w, _)| w).sum();
        let mut r = self.below(total);
        for (w, item) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        unreachable!("weights sum to total")
    }
}

/// Names the fixture has (tests/guests/fixture.sh).
const FIXTURE_NAMES: &[&str] = &[
    "hello.txt",
    "empty.txt",
    "digits.txt",
    "sub",
    "sub/nested.txt",
    "sub/deeper",
    "link-hello",
    "link-sub",
    "dangling",
    "escape",
];
/// Names a script may create.
const NEW_NAMES: &[&str] = &["a", "b", "c", "d", "d/e"];
/// Awkward spellings: trailing slashes, dot-dot, empty, absolute, through symlinks,
/// leaving the grant and coming back.
const ODD_NAMES: &[&str] = &[
    "sub/",
    "d/",
    "a/",
    "hello.txt/",
    "link-sub/",
    "link-hello/",
    "dangling/",
    "d/e/",
    "..",
    ".",
    "''",
    "/hello.txt",
    "sub/../hello.txt",
    "sub/deeper/..",
    "link-sub/nested.txt",
    "../sandbox/hello.txt",
    "escape/",
    "sub/nested.txt/x",
];
/// Targets for path_symlink.
const SYMLINK_TARGETS: &[&str] = &[
    "hello.txt",
    "sub",
    "no-such",
    "../outside.txt",
    "/etc/passwd",
    "a",
    "d/e",
    "..",
    "sub/",
    "link-hello",
    "''",
];

const ALL_RIGHTS: u64 = 0x1fff_ffff;
/// What wasi-libc asks for a read-only open.
const READ_RIGHTS: u64 =
    0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80 | 0x4000 | 0x20_0000 | 0x800_0000;
/// A writer's rights.
const WRITE_RIGHTS: u64 = 0x1
    | 0x4
    | 0x8
    | 0x10
    | 0x20
    | 0x40
    | 0x80
    | 0x100
    | 0x20_0000
    | 0x40_0000
    | 0x80_0000
    | 0x800_0000;
/// A directory's: every path_* right, readdir, filestat.
const DIR_RIGHTS: u64 = 0x0ff_fe00 | 0x20_0000 | 0x80_0000 | 0x100_0000 | 0x200_0000 | 0x400_0000;
const T1: u64 = 1_500_000_000_123_456_789;
const T2: u64 = 1_600_000_000_000_000_000;

struct Gen {
    rng: Rng,
}

impl Gen {
    fn path(&mut self) -> String {
        let group = *self.rng.weighted(&[(40, 0), (35, 1), (25, 2)]);
        let names = [FIXTURE_NAMES, NEW_NAMES, ODD_NAMES][group];
        self.rng.pick(names).to_string()
    }

    /// A descriptor for a call on an open file: mostly the opened slots.
    fn fd(&mut self) -> String {
        match self.rng.below(100) {
            0..=69 => (4 + self.rng.below(4)).to_string(),
            70..=79 => "3".into(),
            80..=84 => "8".into(),
            85..=89 => "#99".into(),
            _ => format!("#{}", self.rng.below(3)),
        }
    }

    /// A descriptor a call may close or overwrite: never stdio (the guest prints there).
    fn fd_no_stdio(&mut self) -> String {
        match self.rng.below(100) {
            0..=79 => (4 + self.rng.below(4)).to_string(),
            80..=87 => "3".into(),
            88..=93 => "8".into(),
            _ => "#99".into(),
        }
    }

    /// The directory of a path call: mostly the grant.
    fn dir(&mut self) -> String {
        match self.rng.below(100) {
            0..=79 => "3".into(),
            80..=94 => (4 + self.rng.below(4)).to_string(),
            95..=97 => "#99".into(),
            _ => "#1".into(),
        }
    }

    fn rights(&mut self) -> u64 {
        match self.rng.below(100) {
            0..=39 => ALL_RIGHTS,
            40..=54 => READ_RIGHTS,
            55..=64 => WRITE_RIGHTS,
            65..=74 => READ_RIGHTS | WRITE_RIGHTS,
            75..=84 => DIR_RIGHTS,
            85..=94 => self.rng.next() & 0x3fff_ffff,
            _ => 0,
        }
    }

    fn lookup(&mut self) -> u64 {
        u64::from(self.rng.chance(70))
    }

    fn fdflags(&mut self) -> u64 {
        let mut f = 0;
        if self.rng.chance(25) {
            f |= 1; // APPEND
        }
        if self.rng.chance(5) {
            f |= 2; // DSYNC
        }
        if self.rng.chance(15) {
            f |= 4; // NONBLOCK
        }
        if self.rng.chance(3) {
            f |= 8; // RSYNC
        }
        if self.rng.chance(5) {
            f |= 16; // SYNC
        }
        f
    }

    fn data(&mut self) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let n = 1 + self.rng.below(12);
        (0..n).map(|_| *self.rng.pick(CHARS) as char).collect()
    }

    fn small(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    fn time(&mut self) -> u64 {
        *self.rng.pick(&[0, T1, T2])
    }

    fn fstflags(&mut self) -> u64 {
        let mut f = self.rng.below(16);
        if self.rng.chance(3) {
            f |= 16;
        }
        f
    }

    fn call(&mut self) -> String {
        #[rustfmt::skip]
        const CALLS: &[(u64, &str)] = &[
            (14, "path_open"), (5, "fd_read"), (3, "fd_pread"), (6, "fd_write"), (3, "fd_pwrite"),
            (4, "fd_seek"), (2, "fd_tell"), (3, "fd_close"), (2, "fd_renumber"),
            (3, "fd_fdstat_get"), (2, "fd_fdstat_set_flags"), (2, "fd_fdstat_set_rights"),
            (3, "fd_filestat_get"), (2, "fd_filestat_set_size"), (2, "fd_filestat_set_times"),
            (4, "path_filestat_get"), (2, "path_filestat_set_times"),
            (3, "path_create_directory"), (3, "path_remove_directory"), (3, "path_unlink_file"),
            (4, "path_rename"), (3, "path_symlink"), (2, "path_readlink"), (2, "path_link"),
            (3, "fd_readdir"), (1, "fd_advise"), (1, "fd_allocate"), (1, "fd_sync"),
            (1, "fd_datasync"), (1, "fd_prestat_get"), (1, "fd_prestat_dir_name"),
        ];
        let call = *self.rng.weighted(CALLS);
        let args: Vec<String> = match call {
            "path_open" => {
                let mut of = 0;
                if self.rng.chance(35) {
                    of |= 1; // CREAT
                }
                if self.rng.chance(15) {
                    of |= 2; // DIRECTORY
                }
                if self.rng.chance(15) {
                    of |= 4; // EXCL
                }
                if self.rng.chance(15) {
                    of |= 8; // TRUNC
                }
                vec![
                    self.dir(),
                    (4 + self.small(4)).to_string(),
                    self.lookup().to_string(),
                    self.path(),
                    of.to_string(),
                    format!("{:#x}", self.rights()),
                    format!("{:#x}", self.rights()),
                    self.fdflags().to_string(),
                ]
            }
            "fd_read" => vec![self.fd(), self.read_len().to_string()],
            "fd_pread" => vec![
                self.fd(),
                self.read_len().to_string(),
                self.offset().to_string(),
            ],
            "fd_write" => vec![self.fd(), self.data()],
            "fd_pwrite" => vec![self.fd(), self.data(), self.offset().to_string()],
            "fd_seek" => {
                let delta: i64 = if self.rng.chance(5) {
                    i64::MIN / 2
                } else {
                    self.small(101) as i64 - 50
                };
                let whence = if self.rng.chance(4) { 3 } else { self.small(3) };
                vec![self.fd(), delta.to_string(), whence.to_string()]
            }
            "fd_tell" | "fd_fdstat_get" | "fd_filestat_get" | "fd_sync" | "fd_datasync"
            | "fd_prestat_get" => vec![self.fd()],
            "fd_close" => vec![self.fd_no_stdio()],
            "fd_renumber" => vec![self.fd_no_stdio(), self.fd_no_stdio()],
            "fd_fdstat_set_flags" => vec![self.fd_no_stdio(), self.fdflags().to_string()],
            "fd_fdstat_set_rights" => vec![
                self.fd_no_stdio(),
                format!("{:#x}", self.rights()),
                format!("{:#x}", self.rights()),
            ],
            "fd_filestat_set_size" => {
                let size = if self.rng.chance(4) {
                    u64::MAX
                } else {
                    self.small(41)
                };
                vec![self.fd_no_stdio(), size.to_string()]
            }
            "fd_filestat_set_times" => vec![
                self.fd_no_stdio(),
                self.time().to_string(),
                self.time().to_string(),
                self.fstflags().to_string(),
            ],
            "path_filestat_get" => vec![self.dir(), self.lookup().to_string(), self.path()],
            "path_filestat_set_times" => vec![
                self.dir(),
                self.lookup().to_string(),
                self.path(),
                self.time().to_string(),
                self.time().to_string(),
                self.fstflags().to_string(),
            ],
            "path_create_directory" | "path_remove_directory" | "path_unlink_file" => {
                vec![self.dir(), self.path()]
            }
            "path_rename" => vec![self.dir(), self.path(), self.dir(), self.path()],
            "path_link" => vec![
                self.dir(),
                self.lookup().to_string(),
                self.path(),
                self.dir(),
                self.path(),
            ],
            "path_symlink" => vec![
                self.rng.pick(SYMLINK_TARGETS).to_string(),
                self.dir(),
                self.path(),
            ],
            "path_readlink" => vec![
                self.dir(),
                self.path(),
                self.rng.pick(&[0u64, 3, 9, 64]).to_string(),
            ],
            "fd_readdir" => {
                let len = *self.rng.weighted(&[
                    (50, 4096u64),
                    (15, 256),
                    (15, 64),
                    (10, 40),
                    (5, 24),
                    (5, 10),
                ]);
                let fd = if self.rng.chance(50) {
                    "3".to_string()
                } else {
                    self.fd()
                };
                vec![fd, len.to_string()]
            }
            "fd_advise" => {
                let advice = if self.rng.chance(5) { 6 } else { self.small(6) };
                vec![
                    self.fd(),
                    self.small(20).to_string(),
                    self.small(50).to_string(),
                    advice.to_string(),
                ]
            }
            "fd_allocate" => vec![
                self.fd_no_stdio(),
                self.small(20).to_string(),
                self.small(50).to_string(),
            ],
            "fd_prestat_dir_name" => vec![
                if self.rng.chance(60) {
                    "3".to_string()
                } else {
                    self.fd()
                },
                self.rng.pick(&[0u64, 3, 7, 8, 20]).to_string(),
            ],
            other => unreachable!("no arguments for {other}"),
        };
        format!("{call} {}", args.join(" "))
    }

    fn read_len(&mut self) -> u64 {
        if self.rng.chance(5) {
            0
        } else {
            1 + self.small(40)
        }
    }

    fn offset(&mut self) -> u64 {
        self.small(45)
    }
}

/// The script of `seed`: `calls` lines.
fn script(seed: u64, calls: usize) -> Vec<String> {
    let mut g = Gen {
        rng: Rng::new(seed),
    };
    (0..calls).map(|_| g.call()).collect()
}

// ---------------------------------------------------------------------------------
// Running and judging
// ---------------------------------------------------------------------------------

/// The interpreter guest. The cache key of `wasm_from_c` covers headers beside the
/// source only, so the shared `tests/wasi/common.h` goes in as a (harmless) define.
fn guest() -> PathBuf {
    let common_h = std::fs::read(tests_path("wasi/common.h")).expect("read tests/wasi/common.h");
    let define = format!("-DAOTC_COMMON_H_KEY={:#x}", fnv64(&[&common_h]));
    wasm_from_c(&tests_path("guests/gen/wasi_ops.c"), &[&define])
}

fn run(wasm: &Path, name: &str, lines: &[String]) -> Comparison {
    let mut stdin = lines.join("\n");
    stdin.push('\n');
    let case = Case {
        name: format!("gen/{name}"),
        wasm: wasm.to_path_buf(),
        args: Vec::new(),
        env: Vec::new(),
        stdin: stdin.into_bytes(),
        grants: vec![Grant::parse("sandbox")],
        compare_stderr: true,
        status: Some(0),
    };
    compare(&case)
}

/// One judged difference of a run.
#[derive(Debug, Clone)]
struct Divergence {
    /// The cause, e.g. "path_open: aotc ENOTCAPABLE vs wasmtime EPERM".
    key: String,
    /// What differs, for the report (both lines, or the harness's words).
    detail: String,
    /// The output line (0-based) of a stdout cause: the script line of its call, in a
    /// script without blank or comment lines.
    line: Option<usize>,
}

/// Calls that never change what later calls see (whatever they return).
fn is_pure(call: &str) -> bool {
    matches!(
        call,
        "fd_fdstat_get"
            | "fd_filestat_get"
            | "path_filestat_get"
            | "fd_prestat_get"
            | "fd_prestat_dir_name"
            | "path_readlink"
            | "fd_readdir"
            | "fd_tell"
            | "fd_pread"
            | "fd_advise"
            | "fd_sync"
            | "fd_datasync"
    )
}

/// Splits an output line into (call, errno, result tokens).
fn parse_line(line: &str) -> Option<(String, String, Vec<String>)> {
    let (echo, result) = line.split_once(" -> ")?;
    let call = echo.split_whitespace().next()?.to_string();
    let mut toks = result.split_whitespace().map(str::to_string);
    let errno = toks.next()?;
    Some((call, errno, toks.collect()))
}

/// The call an output line reports.
fn call_of(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

/// The cause of two differing lines, and whether the call may have left the engines in
/// different states.
fn cause_of(a: &str, w: &str) -> (String, bool) {
    match (parse_line(a), parse_line(w)) {
        (Some((call, ea, ra)), Some((_, ew, rw))) => {
            if ea != ew {
                let state = !is_pure(&call) && (ea == "ESUCCESS" || ew == "ESUCCESS");
                (format!("{call}: aotc {ea} vs wasmtime {ew}"), state)
            } else {
                let n = ra.len().max(rw.len());
                let mut fields = Vec::new();
                for i in 0..n {
                    let (x, y) = (ra.get(i), rw.get(i));
                    if x != y {
                        let tok = x.or(y).map(String::as_str).unwrap_or("");
                        let field = match tok.split_once('=') {
                            Some((k, _)) if !tok.starts_with('"') => k.to_string(),
                            _ => format!("result {}", i + 1),
                        };
                        if !fields.contains(&field) {
                            fields.push(field);
                        }
                    }
                }
                (
                    format!("{call}: {ea} both, results differ in {}", fields.join(",")),
                    !is_pure(&call),
                )
            }
        }
        _ => ("output lines differ in shape".to_string(), true),
    }
}

/// The judged divergences of a run (see the module comment), in output order.
fn judge(cmp: &Comparison) -> Vec<Divergence> {
    let a = String::from_utf8_lossy(&cmp.aotc.stdout).into_owned();
    let w = String::from_utf8_lossy(&cmp.wasmtime.stdout).into_owned();
    let (al, wl): (Vec<&str>, Vec<&str>) = (a.lines().collect(), w.lines().collect());
    let mut out = Vec::new();
    for i in 0..al.len().max(wl.len()) {
        let (x, y) = (al.get(i).copied(), wl.get(i).copied());
        if x == y {
            continue;
        }
        let (key, state) = match (x, y) {
            (Some(x), Some(y)) => cause_of(x, y),
            // One engine stopped: Wasmtime traps on an enum or flags value out of range.
            (Some(l), None) => (format!("{}: only aotc returns", call_of(l)), true),
            (None, Some(l)) => (format!("{}: only wasmtime returns", call_of(l)), true),
            (None, None) => unreachable!("one line exists"),
        };
        out.push(Divergence {
            key,
            detail: format!(
                "aotc:     {}\n    wasmtime: {}",
                x.unwrap_or("<end>"),
                y.unwrap_or("<end>")
            ),
            line: Some(i),
        });
        if state {
            return out;
        }
    }
    for d in &cmp.differences {
        if d.starts_with("stdout") {
            continue;
        }
        let key = if d.starts_with("tree") {
            "tree differs".to_string()
        } else if d.starts_with("stderr") {
            "stderr differs".to_string()
        } else {
            "exit status differs".to_string()
        };
        out.push(Divergence {
            key,
            detail: d.clone(),
            line: None,
        });
    }
    out
}

/// The divergences that are not deliberate.
fn failures(cmp: &Comparison) -> Vec<Divergence> {
    judge(cmp)
        .into_iter()
        .filter(|d| !DELIBERATE.contains(&d.key.as_str()))
        .collect()
}

/// Drops calls from `lines` while `key` still shows (it does in `lines`).
fn minimise(wasm: &Path, name: &str, lines: &[String], key: &str) -> (Vec<String>, Divergence) {
    let shows = |ls: &[String]| -> Option<Divergence> {
        failures(&run(wasm, name, ls))
            .into_iter()
            .find(|d| d.key == key)
    };
    let mut cur = lines.to_vec();
    let Some(mut found) = shows(&cur) else {
        // Gone on a second run (a timing-dependent result): report the script whole.
        return (
            cur,
            Divergence {
                key: key.to_string(),
                detail: "(did not show again when re-run: flaky?)".to_string(),
                line: None,
            },
        );
    };
    // A stdout cause shows by the line of its call: later calls cannot matter.
    if let Some(i) = found.line.filter(|&i| i + 1 < cur.len()) {
        let cut = cur[..=i].to_vec();
        if let Some(d) = shows(&cut) {
            cur = cut;
            found = d;
        }
    }
    let mut chunk = (cur.len() / 2).max(1);
    loop {
        let mut i = cur.len();
        while i > 0 {
            let start = i.saturating_sub(chunk);
            let mut cand = cur.clone();
            cand.drain(start..i);
            if !cand.is_empty() {
                if let Some(d) = shows(&cand) {
                    cur = cand;
                    found = d;
                }
            }
            i = start;
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    (cur, found)
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        _ => default,
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// Runs `f` over `items` on worker threads, results in item order.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads().min(items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

#[test]
fn generated_sequences_agree() {
    let first = env_u64("AOTC_WASI_GEN_SEED", 0);
    let count = env_u64("AOTC_WASI_GEN_SEEDS", 200);
    let calls = env_u64("AOTC_WASI_GEN_CALLS", 40) as usize;
    let wasm = guest();
    let seeds: Vec<u64> = (first..first + count).collect();
    let judged = parallel(&seeds, |&seed| {
        let lines = script(seed, calls);
        let cmp = run(&wasm, &format!("seed-{seed}"), &lines);
        (seed, lines, judge(&cmp))
    });

    // Group by cause: the seeds showing it, and the first seed's example.
    let mut causes: BTreeMap<String, (Vec<u64>, Vec<String>, Divergence)> = BTreeMap::new();
    let mut divergent = 0;
    let mut deliberate_only = 0;
    for (seed, lines, divs) in &judged {
        if divs.is_empty() {
            continue;
        }
        let failing: Vec<&Divergence> = divs
            .iter()
            .filter(|d| !DELIBERATE.contains(&d.key.as_str()))
            .collect();
        if failing.is_empty() {
            deliberate_only += 1;
            continue;
        }
        divergent += 1;
        for d in failing {
            let e = causes
                .entry(d.key.clone())
                .or_insert_with(|| (Vec::new(), lines.clone(), d.clone()));
            if !e.0.contains(seed) {
                e.0.push(*seed);
            }
        }
    }
    println!(
        "compared {count} sequences × {calls} calls (= {} calls): {divergent} divergent \
         ({} causes; {deliberate_only} more differ only by deliberate rules)",
        count as usize * calls,
        causes.len()
    );
    if causes.is_empty() {
        return;
    }

    let to_minimise: Vec<(String, u64, Vec<String>)> = causes
        .iter()
        .take(env_u64("AOTC_WASI_GEN_MINIMISE", MAX_MINIMISED) as usize)
        .map(|(k, (seeds, lines, _))| (k.clone(), seeds[0], lines.clone()))
        .collect();
    let minimised = parallel(&to_minimise, |(key, seed, lines)| {
        minimise(&wasm, &format!("seed-{seed}-min"), lines, key)
    });
    let mut report = String::new();
    for (i, (key, (seeds, _, example))) in causes.iter().enumerate() {
        let shown: Vec<String> = seeds.iter().take(12).map(u64::to_string).collect();
        let more = if seeds.len() > 12 { " …" } else { "" };
        let _ = writeln!(
            report,
            "\n== {key}\n   {} seeds: {}{more}",
            seeds.len(),
            shown.join(" ")
        );
        match minimised.get(i) {
            Some((lines, d)) => {
                let _ = writeln!(report, "   minimised script (seed {}):", seeds[0]);
                for l in lines {
                    let _ = writeln!(report, "     {l}");
                }
                let _ = writeln!(report, "   first difference:\n    {}", d.detail);
            }
            None => {
                let _ = writeln!(
                    report,
                    "   (not minimised) seed {}:\n    {}",
                    seeds[0], example.detail
                );
            }
        }
    }
    println!("{report}");
    panic!(
        "{divergent} of {count} generated sequences diverge between aotc and Wasmtime \
         ({} causes, listed above; replay one with AOTC_WASI_GEN_SEED=N AOTC_WASI_GEN_SEEDS=1)",
        causes.len()
    );
}

#[test]
fn regression_scripts_agree() {
    let dir = tests_path("wasi_gen");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    if files.is_empty() {
        println!("no regression scripts in {}", dir.display());
        return;
    }
    let wasm = guest();
    let results = parallel(&files, |f| {
        let text =
            std::fs::read_to_string(f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let name = f.file_stem().expect("stem").to_string_lossy().into_owned();
        let cmp = run(&wasm, &name, &lines);
        (f.clone(), failures(&cmp), cmp.differences.clone())
    });
    let mut bad = String::new();
    for (f, divs, _) in &results {
        for d in divs {
            let _ = writeln!(bad, "{}: {}\n    {}", f.display(), d.key, d.detail);
        }
    }
    println!("replayed {} regression scripts", files.len());
    assert!(bad.is_empty(), "regression scripts diverge:\n{bad}");
}
