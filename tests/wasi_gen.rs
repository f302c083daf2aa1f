//! The generated WASI differential (issue 11): seeded random sequences of raw WASI
//! preview1 calls, each run by one interpreter guest (`tests/guests/gen/wasi_ops.c`,
//! which reads the script from stdin and prints one line per call) as an aotc executable
//! and under Wasmtime 49 through the shared harness (`tests/common/wasi_diff.rs`); the
//! engines must print the same lines and leave the same directory tree.
//!
//! - `generated_sequences_agree`: seeds `AOTC_WASI_GEN_SEED` (default 0) onwards,
//!   `AOTC_WASI_GEN_SEEDS` of them (default 200) of `AOTC_WASI_GEN_CALLS` calls each
//!   (default 40), in parallel threads. It prints "compared S sequences × C calls
//!   (= T calls): D divergent (R explained by rules: escape-errno n, rights n, ...;
//!   U unexplained, K causes)" (D = R + U sequences; a rule's n counts the sequences it
//!   explains a divergence of), groups the unexplained divergences by cause, and for
//!   one seed of each cause a minimised script (calls dropped while the same cause
//!   still shows) with the differing line of both engines. A longer run:
//!   `AOTC_WASI_GEN_SEEDS=5000 cargo test --release --test wasi_gen`
//!   (`AOTC_WASI_GEN_MINIMISE=N`: minimise N causes, default 16;
//!   `AOTC_WASI_GEN_RULES=1`: also list each rule's causes with an example).
//! - `regression_scripts_agree`: every `tests/wasi_gen/*.txt` script (a divergence once
//!   found, and fixed) must run alike under both engines.
//!
//! How a run is judged: output lines pair up one per call. Each differing line is a
//! divergence keyed by its cause: the call and both errnos, or, when both succeeded,
//! the result fields that differ. After a differing line from a call that may change
//! state (one engine's call succeeded and the other's failed, or both succeeded with
//! different results) later lines are consequences and are not judged; a tree,
//! stderr or exit status difference is judged only when no such line came before.
//! `rule_of` names the README rule (`<!-- wasmtime-rules -->` table) a divergence
//! follows, judged strictly by the call, its arguments, both results and the guest's
//! context (the rights of a descriptor aotc answered ENOTCAPABLE for, `on=dir`), and
//! what earlier calls did (the rights each slot was opened with, symlinks made).
//! Explained divergences are not failures (a state-changing one still ends the
//! judging of its run); both tests first check every id it answers is in the table.
//! Out-of-range enum and flags values (Wasmtime traps on them, ending its run) are
//! generated only in a sequence's last call.

mod common;

use common::wasi_diff::{compare, readme_rules, Case, Comparison, Grant};
use common::{fnv64, tests_path, wasm_from_c};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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
        Rng(seed ^ 0x005e_ed0f_a07c_0000)
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
    /// Whether this is the sequence's last call: only it may carry an out-of-range enum
    /// or flags value (Wasmtime traps on one, which would hide every later call).
    last: bool,
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
        // The sync flags are rare: Wasmtime refuses them (rule sync-open), and a
        // divergent open ends the judging of its sequence.
        if self.rng.chance(1) {
            f |= 2; // DSYNC
        }
        if self.rng.chance(15) {
            f |= 4; // NONBLOCK
        }
        if self.rng.chance(1) {
            f |= 8; // RSYNC
        }
        if self.rng.chance(1) {
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
        if self.rng.chance(3) && self.last {
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
                let delta: i64 = match self.rng.below(100) {
                    0..=4 => i64::MIN / 2,
                    5..=7 => 1 << 62, // beyond the host's maximum file size
                    _ => self.small(101) as i64 - 50,
                };
                let whence = if self.rng.chance(4) && self.last {
                    3
                } else {
                    self.small(3)
                };
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
                // Following is rare: Wasmtime refuses it (rule link-follow), which
                // ends the judging of the sequence.
                u64::from(self.rng.chance(10)).to_string(),
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
                let advice = if self.rng.chance(5) && self.last {
                    6
                } else {
                    self.small(6)
                };
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
        last: false,
    };
    (0..calls)
        .map(|i| {
            g.last = i + 1 == calls;
            g.call()
        })
        .collect()
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
    /// What `rule_of` judges a stdout cause by (none for tree, stderr, status causes).
    ctx: Option<Ctx>,
}

/// A call's result as one engine printed it.
#[derive(Debug, Clone)]
struct Res {
    errno: String,
    /// The tokens after the errno: results, then the guest's context (`on=dir`,
    /// `rights=B/I`, `rights2=B/I`).
    rest: Vec<String>,
}

impl Res {
    fn has(&self, tok: &str) -> bool {
        self.rest.iter().any(|t| t == tok)
    }

    /// The base rights of the `key` (`rights` or `rights2`) context token.
    fn rights(&self, key: &str) -> Option<u64> {
        let v = self
            .rest
            .iter()
            .find_map(|t| t.strip_prefix(key)?.strip_prefix('='))?;
        let base = v.split('/').next()?.strip_prefix("0x")?;
        u64::from_str_radix(base, 16).ok()
    }

    /// The numeric value of a `key=N` result.
    fn num(&self, key: &str) -> Option<u64> {
        self.rest
            .iter()
            .find_map(|t| t.strip_prefix(key)?.strip_prefix('='))?
            .parse()
            .ok()
    }
}

/// The call a stdout divergence happened in, and what the run had done before it.
#[derive(Debug, Clone)]
struct Ctx {
    call: String,
    /// The call's arguments as the script gives them.
    args: Vec<String>,
    aotc: Option<Res>,
    wasmtime: Option<Res>,
    /// When both succeeded: the result fields that differ (as in the key).
    fields: Vec<String>,
    /// Whether the call is the script's last.
    last: bool,
    /// Whether Wasmtime's run ended abnormally (a trap).
    wasmtime_trapped: bool,
    /// Per slot, the base rights `path_open` asked for when it filled the slot (and
    /// `fd_renumber` moved it); None for stdio, the preopen and empty slots.
    asked: [Option<u64>; 16],
    /// Names the script made symlinks (or moved or linked one to): any may lead out.
    links: Vec<String>,
}

// The README rule ids `rule_of` answers (`readme_rules_cover_the_classifier` checks
// each is in the README's table).
const ESCAPE_ERRNO: &str = "escape-errno";
const RIGHTS: &str = "rights";
const STDIO_TYPE: &str = "stdio-type";
const IOVECS: &str = "iovecs";
const FD_ALLOCATE: &str = "fd-allocate";
const DIR_SYNC: &str = "dir-sync";
const SYNC_OPEN: &str = "sync-open";
const LINK_FOLLOW: &str = "link-follow";
const TRAILING_SLASH: &str = "trailing-slash";
const SEEK_LIMIT: &str = "seek-limit";
const BAD_ENUM: &str = "bad-enum";
const RULE_IDS: &[&str] = &[
    ESCAPE_ERRNO,
    RIGHTS,
    STDIO_TYPE,
    IOVECS,
    FD_ALLOCATE,
    DIR_SYNC,
    SYNC_OPEN,
    LINK_FOLLOW,
    TRAILING_SLASH,
    SEEK_LIMIT,
    BAD_ENUM,
];

// WASI rights bits.
const FD_DATASYNC: u64 = 1 << 0;
const FD_READ: u64 = 1 << 1;
const FD_SEEK: u64 = 1 << 2;
const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
const FD_SYNC: u64 = 1 << 4;
const FD_TELL: u64 = 1 << 5;
const FD_WRITE: u64 = 1 << 6;
const FD_ADVISE: u64 = 1 << 7;
const FD_ALLOCATE_RIGHT: u64 = 1 << 8;
const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
const PATH_CREATE_FILE: u64 = 1 << 10;
const PATH_LINK_SOURCE: u64 = 1 << 11;
const PATH_LINK_TARGET: u64 = 1 << 12;
const PATH_OPEN: u64 = 1 << 13;
const FD_READDIR: u64 = 1 << 14;
const PATH_READLINK: u64 = 1 << 15;
const PATH_RENAME_SOURCE: u64 = 1 << 16;
const PATH_RENAME_TARGET: u64 = 1 << 17;
const PATH_FILESTAT_GET: u64 = 1 << 18;
const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
const FD_FILESTAT_GET: u64 = 1 << 21;
const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
const PATH_SYMLINK: u64 = 1 << 24;
const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
const PATH_UNLINK_FILE: u64 = 1 << 26;

fn num(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Whether a descriptor argument names stdio (slots 0..2 always hold it: the generator
/// never closes, renumbers onto or opens into them).
fn is_stdio(fd: &str) -> bool {
    matches!(fd, "0" | "1" | "2" | "#0" | "#1" | "#2")
}

/// Whether resolving `path` may leave the directory it is resolved in: absolute, a
/// `..` component, or a component that is (or may be) a symlink leading out.
fn may_leave(path: &str, links: &[String]) -> bool {
    // The fixture's own links lead where their targets do, which a script may have
    // replaced with a link that leaves.
    let made = |name: &str| links.iter().any(|l| l == name);
    path.starts_with('/')
        || path.split('/').any(|c| {
            c == ".."
                || c == "escape"
                || made(c)
                || (c == "link-hello" && made("hello.txt"))
                || (c == "link-sub" && made("sub"))
        })
}

/// Whether a symlink target leads out of the directory holding the link.
fn target_leaves(target: &str) -> bool {
    target.starts_with('/') || target.split('/').any(|c| c == "..")
}

/// The paths of a path call's arguments.
fn path_args<'a>(call: &str, args: &'a [String]) -> Vec<&'a str> {
    let idx: &[usize] = match call {
        "path_open" => &[3],
        "path_filestat_get" | "path_filestat_set_times" => &[2],
        "path_link" => &[2, 4],
        "path_create_directory"
        | "path_remove_directory"
        | "path_unlink_file"
        | "path_readlink" => &[1],
        "path_rename" => &[1, 3],
        "path_symlink" => &[2],
        _ => &[],
    };
    idx.iter()
        .filter_map(|&i| args.get(i).map(String::as_str))
        .collect()
}

/// The rights a call needs of its first and second descriptor arguments.
fn needed_rights(call: &str, args: &[String]) -> (u64, u64) {
    let arg = |i: usize| args.get(i).and_then(|a| num(a)).unwrap_or(0);
    match call {
        "fd_read" => (FD_READ, 0),
        "fd_pread" => (FD_READ | FD_SEEK, 0),
        "fd_write" => (FD_WRITE, 0),
        "fd_pwrite" => (FD_WRITE | FD_SEEK, 0),
        "fd_seek" => {
            let delta: i64 = args.get(1).and_then(|d| d.parse().ok()).unwrap_or(1);
            if delta == 0 && arg(2) == 1 {
                (FD_TELL, 0)
            } else {
                (FD_SEEK, 0)
            }
        }
        "fd_tell" => (FD_TELL, 0),
        // aotc asks fd_write for append and the sync flags (they change how it writes).
        "fd_fdstat_set_flags" if arg(1) & (1 | 2 | 8 | 16) != 0 => {
            (FD_FDSTAT_SET_FLAGS | FD_WRITE, 0)
        }
        "fd_fdstat_set_flags" => (FD_FDSTAT_SET_FLAGS, 0),
        "fd_filestat_get" => (FD_FILESTAT_GET, 0),
        "fd_filestat_set_size" => (FD_FILESTAT_SET_SIZE, 0),
        "fd_filestat_set_times" => (FD_FILESTAT_SET_TIMES, 0),
        "fd_readdir" => (FD_READDIR, 0),
        "fd_advise" => (FD_ADVISE, 0),
        "fd_allocate" => (FD_ALLOCATE_RIGHT, 0),
        "fd_sync" => (FD_SYNC, 0),
        "fd_datasync" => (FD_DATASYNC, 0),
        "path_open" => {
            let of = arg(4);
            let mut r = PATH_OPEN;
            if of & 1 != 0 {
                r |= PATH_CREATE_FILE;
            }
            if of & 8 != 0 {
                r |= PATH_FILESTAT_SET_SIZE;
            }
            (r, 0)
        }
        "path_filestat_get" => (PATH_FILESTAT_GET, 0),
        "path_filestat_set_times" => (PATH_FILESTAT_SET_TIMES, 0),
        "path_create_directory" => (PATH_CREATE_DIRECTORY, 0),
        "path_remove_directory" => (PATH_REMOVE_DIRECTORY, 0),
        "path_unlink_file" => (PATH_UNLINK_FILE, 0),
        "path_readlink" => (PATH_READLINK, 0),
        "path_symlink" => (PATH_SYMLINK, 0),
        "path_rename" => (PATH_RENAME_SOURCE, PATH_RENAME_TARGET),
        "path_link" => (PATH_LINK_SOURCE, PATH_LINK_TARGET),
        _ => (0, 0),
    }
}

/// Whether a call carries an enum or flags value out of its range (Wasmtime traps).
fn has_bad_enum(call: &str, args: &[String]) -> bool {
    let arg = |i: usize| args.get(i).and_then(|a| num(a)).unwrap_or(0);
    match call {
        "fd_seek" => arg(2) > 2,
        "fd_advise" => arg(3) > 5,
        "fd_filestat_set_times" => arg(3) > 15,
        "path_filestat_set_times" => arg(1) > 1 || arg(5) > 15,
        "path_filestat_get" | "path_link" => arg(1) > 1,
        "fd_fdstat_set_flags" => arg(1) > 31,
        "path_open" => arg(2) > 1 || arg(4) > 15 || arg(7) > 31,
        _ => false,
    }
}

/// The README rule (of the `<!-- wasmtime-rules -->` table) that explains a divergence,
/// judged by the call, its arguments and both engines' results; None for anything
/// else, which is a bug (of the runtime, or of a rule that needs widening).
fn rule_of(d: &Divergence) -> Option<&'static str> {
    let rule = classify(d.ctx.as_ref()?);
    debug_assert!(rule.is_none_or(|r| RULE_IDS.contains(&r)));
    rule
}

fn classify(c: &Ctx) -> Option<&'static str> {
    let call = c.call.as_str();
    let args = &c.args;
    let arg = |i: usize| args.get(i).and_then(|a| num(a)).unwrap_or(0);
    let fd0 = args.first().map(String::as_str).unwrap_or("");
    let (a, w) = match (&c.aotc, &c.wasmtime) {
        (Some(a), Some(w)) => (a, w),
        // Wasmtime trapped on the last call's out-of-range value; aotc refused it.
        (Some(a), None) => {
            let refused = matches!(
                a.errno.as_str(),
                "EINVAL" | "EBADF" | "ENOTCAPABLE" | "ESPIPE"
            );
            return (c.last && c.wasmtime_trapped && refused && has_bad_enum(call, args))
                .then_some(BAD_ENUM);
        }
        _ => return None,
    };
    let (ea, ew) = (a.errno.as_str(), w.errno.as_str());

    if ea == ew {
        // Both answered alike; some result fields differ.
        let only = |allowed: &[&str]| c.fields.iter().all(|f| allowed.contains(&f.as_str()));
        return match call {
            "fd_fdstat_get"
                if is_stdio(fd0)
                    && c.fields.iter().any(|f| f == "result 1")
                    && only(&["result 1", "base", "inheriting"]) =>
            {
                Some(STDIO_TYPE)
            }
            "fd_fdstat_get" if only(&["base", "inheriting"]) => Some(RIGHTS),
            "fd_filestat_get" if is_stdio(fd0) => Some(STDIO_TYPE),
            "path_filestat_get" if arg(1) == 0 && args[2].ends_with('/') => Some(TRAILING_SLASH),
            _ => None,
        };
    }

    // A path leaving the grant: ENOTCAPABLE against Wasmtime's EPERM.
    if ea == "ENOTCAPABLE" && ew == "EPERM" && call.starts_with("path_") {
        let leaves = path_args(call, args).iter().any(|p| may_leave(p, &c.links))
            || (call == "path_symlink" && target_leaves(&args[0]));
        if leaves {
            return Some(ESCAPE_ERRNO);
        }
    }
    // Wasmtime refuses the sync fdflags of path_open before anything else.
    if call == "path_open" && arg(7) & (2 | 8 | 16) != 0 && ew == "ENOTSUP" {
        return Some(SYNC_OPEN);
    }
    // Wasmtime refuses symlink_follow of path_link.
    if call == "path_link" && arg(1) & 1 != 0 && ew == "EINVAL" {
        return Some(LINK_FOLLOW);
    }
    if call == "fd_allocate" && ew == "ENOTSUP" {
        return Some(FD_ALLOCATE);
    }
    // Trailing slashes: the final symlink resolved (aotc) or not (Wasmtime).
    let slashed = |i: usize| args.get(i).is_some_and(|p| p.ends_with('/'));
    let trailing = match call {
        "path_filestat_get" | "path_filestat_set_times" => arg(1) == 0 && slashed(2),
        "path_remove_directory" | "path_unlink_file" => slashed(1),
        "path_link" => slashed(2) || slashed(4),
        "path_symlink" => slashed(2),
        "path_rename" => slashed(1) || slashed(3),
        _ => false,
    };
    if trailing {
        return Some(TRAILING_SLASH);
    }
    // Rights: aotc refuses a call its descriptor lacks a right for.
    if ea == "ENOTCAPABLE" {
        let (need1, need2) = needed_rights(call, args);
        let lacks =
            |key: &str, need: u64| need != 0 && a.rights(key).is_some_and(|b| b & need != need);
        if lacks("rights", need1) || lacks("rights2", need2) {
            return Some(RIGHTS);
        }
        // Widening rights a descriptor holds (Wasmtime: ENOTSUP for any change).
        if call == "fd_fdstat_set_rights" && ew == "ENOTSUP" {
            let cur = a.rest.iter().find_map(|t| t.strip_prefix("rights="))?;
            let (b, i) = cur.split_once('/')?;
            let (b, i) = (num(b)?, num(i)?);
            if arg(1) & !b != 0 || arg(2) & !i != 0 {
                return Some(RIGHTS);
            }
        }
        return None;
    }
    if call == "fd_fdstat_set_rights" && ea == "ESUCCESS" && ew == "ENOTSUP" {
        return Some(RIGHTS);
    }
    // Wasmtime opens a file for reading only with FD_READ asked, for writing only with
    // FD_WRITE; a call of the other mode fails there (EBADF, or EINVAL from the host).
    if ea == "ESUCCESS" && matches!(ew, "EBADF" | "EINVAL") {
        let slot: Option<usize> = fd0.parse().ok();
        if let Some(asked) = slot.and_then(|s| c.asked.get(s).copied().flatten()) {
            let mode = match call {
                "fd_read" | "fd_pread" => FD_READ,
                "fd_write" | "fd_pwrite" | "fd_filestat_set_size" => FD_WRITE,
                _ => 0,
            };
            if mode != 0 && asked & mode == 0 {
                return Some(RIGHTS);
            }
        }
    }
    // Syncing (or stamping) a directory: Wasmtime EBADF.
    if matches!(call, "fd_sync" | "fd_datasync" | "fd_filestat_set_times")
        && ea == "ESUCCESS"
        && ew == "EBADF"
        && w.has("on=dir")
    {
        return Some(DIR_SYNC);
    }
    // A zero-length read of stdin: Wasmtime EINTR.
    if call == "fd_read"
        && matches!(fd0, "0" | "#0")
        && arg(1) == 0
        && ea == "ESUCCESS"
        && ew == "EINTR"
    {
        return Some(STDIO_TYPE);
    }
    // Seeking past the host's maximum file size.
    if call == "fd_seek"
        && ea == "EINVAL"
        && ew == "ESUCCESS"
        && w.num("pos").is_some_and(|p| p >= 1 << 44)
    {
        return Some(SEEK_LIMIT);
    }
    None
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

/// The cause of two differing lines, the result fields that differ (when both
/// succeeded alike), and whether the call may have left the engines in different states.
fn cause_of(a: &str, w: &str) -> (String, Vec<String>, bool) {
    match (parse_line(a), parse_line(w)) {
        (Some((call, ea, ra)), Some((_, ew, rw))) => {
            if ea != ew {
                let state = !is_pure(&call) && (ea == "ESUCCESS" || ew == "ESUCCESS");
                (
                    format!("{call}: aotc {ea} vs wasmtime {ew}"),
                    Vec::new(),
                    state,
                )
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
                    fields,
                    !is_pure(&call),
                )
            }
        }
        _ => ("output lines differ in shape".to_string(), Vec::new(), true),
    }
}

/// What the calls before a divergence did (both engines agreed on them, or differed
/// only in ways that change no state), read from aotc's output lines.
fn track(line: &str, asked: &mut [Option<u64>; 16], links: &mut Vec<String>) {
    let Some((call, errno, _)) = parse_line(line) else {
        return;
    };
    if errno != "ESUCCESS" {
        return;
    }
    let args: Vec<&str> = line
        .split_once(" -> ")
        .map_or("", |(e, _)| e)
        .split_whitespace()
        .skip(1)
        .collect();
    let slot = |i: usize| {
        args.get(i)
            .and_then(|a| a.parse::<usize>().ok())
            .filter(|&s| s < 16)
    };
    let name = |i: usize| args.get(i).map(|p| p.trim_end_matches('/').to_string());
    match call.as_str() {
        "path_open" => {
            if let Some(s) = slot(1) {
                asked[s] = args.get(5).and_then(|r| num(r));
            }
        }
        "fd_close" => {
            if let Some(s) = slot(0) {
                asked[s] = None;
            }
        }
        "fd_renumber" => {
            if let (Some(f), Some(t)) = (slot(0), slot(1)) {
                if f != t {
                    asked[t] = asked[f].take();
                }
            } else if let Some(t) = slot(1) {
                asked[t] = None;
            }
        }
        "path_symlink" => links.extend(name(2)),
        "path_rename" | "path_link" => {
            let (from, to) = if call == "path_rename" {
                (1, 3)
            } else {
                (2, 4)
            };
            let moved = name(from).is_some_and(|n| {
                n.split('/')
                    .any(|c| c == "escape" || links.iter().any(|l| l == c))
            });
            if moved {
                // The entry the link now is: the destination's last component.
                if let Some(n) = name(to) {
                    let last = n.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                    links.push(last.to_string());
                    links.push(n);
                }
            }
        }
        _ => {}
    }
}

/// The judged divergences of a run of `lines` (see the module comment), in output order.
fn judge(cmp: &Comparison, lines: &[String]) -> Vec<Divergence> {
    let a = String::from_utf8_lossy(&cmp.aotc.stdout).into_owned();
    let w = String::from_utf8_lossy(&cmp.wasmtime.stdout).into_owned();
    let (al, wl): (Vec<&str>, Vec<&str>) = (a.lines().collect(), w.lines().collect());
    let calls: Vec<&String> = lines
        .iter()
        .filter(|l| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#')
        })
        .collect();
    let wasmtime_trapped = cmp.wasmtime.code != Some(0);
    let mut asked = [None; 16];
    let mut links: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for i in 0..al.len().max(wl.len()) {
        let (x, y) = (al.get(i).copied(), wl.get(i).copied());
        if x == y {
            if let Some(x) = x {
                track(x, &mut asked, &mut links);
            }
            continue;
        }
        let (key, fields, state) = match (x, y) {
            (Some(x), Some(y)) => cause_of(x, y),
            // One engine stopped: Wasmtime traps on an enum or flags value out of range.
            (Some(l), None) => (
                format!("{}: only aotc returns", call_of(l)),
                Vec::new(),
                true,
            ),
            (None, Some(l)) => (
                format!("{}: only wasmtime returns", call_of(l)),
                Vec::new(),
                true,
            ),
            (None, None) => unreachable!("one line exists"),
        };
        let res = |l: Option<&str>| parse_line(l?).map(|(_, errno, rest)| Res { errno, rest });
        let ctx = calls.get(i).map(|script_line| {
            let mut words = script_line.split_whitespace().map(str::to_string);
            Ctx {
                call: words.next().unwrap_or_default(),
                args: words.collect(),
                aotc: res(x),
                wasmtime: res(y),
                fields,
                last: i + 1 == calls.len(),
                wasmtime_trapped,
                asked,
                links: links.clone(),
            }
        });
        out.push(Divergence {
            key,
            detail: format!(
                "aotc:     {}\n    wasmtime: {}",
                x.unwrap_or("<end>"),
                y.unwrap_or("<end>")
            ),
            line: Some(i),
            ctx,
        });
        if state {
            return out;
        }
        if let Some(x) = x {
            track(x, &mut asked, &mut links);
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
            ctx: None,
        });
    }
    out
}

/// The divergences no README rule explains.
fn failures(cmp: &Comparison, lines: &[String]) -> Vec<Divergence> {
    judge(cmp, lines)
        .into_iter()
        .filter(|d| rule_of(d).is_none())
        .collect()
}

/// Fails unless every rule id `rule_of` can answer is in the README's table.
fn check_rule_ids() {
    let rules = readme_rules();
    for id in RULE_IDS {
        assert!(
            rules.iter().any(|r| r == id),
            "rule `{id}` of tests/wasi_gen.rs is not in the README's table ({rules:?})"
        );
    }
}

/// Drops calls from `lines` while `key` still shows (it does in `lines`).
fn minimise(wasm: &Path, name: &str, lines: &[String], key: &str) -> (Vec<String>, Divergence) {
    let shows = |ls: &[String]| -> Option<Divergence> {
        failures(&run(wasm, name, ls), ls)
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
                ctx: None,
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
    check_rule_ids();
    let wasm = guest();
    let seeds: Vec<u64> = (first..first + count).collect();
    let judged = parallel(&seeds, |&seed| {
        let lines = script(seed, calls);
        let cmp = run(&wasm, &format!("seed-{seed}"), &lines);
        let divs = judge(&cmp, &lines);
        (seed, lines, divs)
    });

    // Group the unexplained divergences by cause: the seeds showing it, and the first
    // seed's example; count the sequences each rule explains a divergence of.
    let mut causes: BTreeMap<String, (Vec<u64>, Vec<String>, Divergence)> = BTreeMap::new();
    let mut per_rule: BTreeMap<&'static str, usize> = BTreeMap::new();
    // Per rule and cause: the seeds and the first example (AOTC_WASI_GEN_RULES=1 lists them).
    let mut by_rule: BTreeMap<(&'static str, String), (Vec<u64>, String)> = BTreeMap::new();
    let (mut divergent, mut explained, mut unexplained) = (0, 0, 0);
    for (seed, lines, divs) in &judged {
        if divs.is_empty() {
            continue;
        }
        divergent += 1;
        let mut rules: Vec<&'static str> = Vec::new();
        let mut failing: Vec<&Divergence> = Vec::new();
        for d in divs {
            match rule_of(d) {
                Some(r) => {
                    if !rules.contains(&r) {
                        rules.push(r);
                    }
                    by_rule
                        .entry((r, d.key.clone()))
                        .or_insert_with(|| (Vec::new(), d.detail.clone()))
                        .0
                        .push(*seed);
                }
                None => failing.push(d),
            }
        }
        for r in rules {
            *per_rule.entry(r).or_default() += 1;
        }
        if failing.is_empty() {
            explained += 1;
            continue;
        }
        unexplained += 1;
        for d in failing {
            let e = causes
                .entry(d.key.clone())
                .or_insert_with(|| (Vec::new(), lines.clone(), d.clone()));
            if !e.0.contains(seed) {
                e.0.push(*seed);
            }
        }
    }
    let counts: Vec<String> = RULE_IDS
        .iter()
        .filter_map(|r| per_rule.get(r).map(|n| format!("{r} {n}")))
        .collect();
    println!(
        "compared {count} sequences × {calls} calls (= {} calls): {divergent} divergent \
         ({explained} explained by rules: {}; {unexplained} unexplained, {} causes)",
        count as usize * calls,
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        },
        causes.len()
    );
    if env_u64("AOTC_WASI_GEN_RULES", 0) != 0 {
        for ((rule, key), (seeds, detail)) in &by_rule {
            println!(
                "[{rule}] {key} ({} seeds, first {})\n    {detail}",
                seeds.len(),
                seeds[0]
            );
        }
    }
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
        "{unexplained} of {count} generated sequences diverge between aotc and Wasmtime \
         beyond the README's rules ({} causes, listed above; replay one with AOTC_WASI_GEN_SEED=N AOTC_WASI_GEN_SEEDS=1)",
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
    check_rule_ids();
    let wasm = guest();
    let results = parallel(&files, |f| {
        let text =
            std::fs::read_to_string(f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let name = f.file_stem().expect("stem").to_string_lossy().into_owned();
        let cmp = run(&wasm, &name, &lines);
        (f.clone(), failures(&cmp, &lines), cmp.differences.clone())
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
