//! Capability enforcement of compiled executables: the read-only / read-write
//! directory table (every mutating operation refused with ENOTCAPABLE in a read-only
//! grant, allowed in a read-write one), the escape table (`..`, absolute paths,
//! absolute / relative / chained symlinks, symlink loops, symlinks that stay inside)
//! from both kinds of grant, host trees compared before and after; environment
//! (nothing by default, `--env`, `--allow-env`), argv passed through untouched and
//! granting nothing, and a missing granted directory at start-up (exit 125).
//!
//! The guest side is `tests/wasi/fs_ops.c` (raw WASI calls, so errnos are the
//! runtime's own) built once per operation group: a group whose WASI function the
//! runtime does not implement yet (`later` in `aotc_abi::wasi`) is asserted to be
//! refused at compile time with a message naming it, and its cases are reported as
//! pending. They switch to the full expectations as soon as the runtime marks the
//! function ready.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The errno for a path that would leave its preopen (`..` past the root, absolute
/// paths, symlinks pointing outside, absolute symlinks). WASI preview1 does not pin
/// one down: Wasmtime (cap-std) answers EPERM, uvwasi (Node), Wasmer and older
/// Wasmtime answer ENOTCAPABLE. We use ENOTCAPABLE: it is what DESIGN §5 names for
/// capability refusals, what this wasi-libc itself reports for a path outside every
/// preopen, and so the guest sees one errno for "outside the grant" whichever layer
/// refuses. Changing the decision is this one line.
const ESCAPE: &str = "ENOTCAPABLE";
/// Every mutation in a read-only grant (brief and DESIGN §5).
const READ_ONLY: &str = "ENOTCAPABLE";
/// A symlink loop: ELOOP, as Linux and Wasmtime report it.
const LOOP: &str = "ELOOP";
/// Opening a symlink without following it: ELOOP (O_NOFOLLOW on Linux; Wasmtime too).
const NOFOLLOW_LINK: &str = "ELOOP";

// ---------------------------------------------------------------------------------
// Operation groups of fs_ops.c
// ---------------------------------------------------------------------------------

/// A build of `tests/wasi/fs_ops.c`; each imports one group's WASI function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Basic,
    SetSize,
    FdTimes,
    Times,
    Unlink,
    Rename,
    Mkdir,
    Rmdir,
    Symlink,
    Link,
    Allocate,
}

impl Group {
    fn define(self) -> Option<&'static str> {
        Some(match self {
            Group::Basic => return None,
            Group::SetSize => "-DOPS_SETSIZE",
            Group::FdTimes => "-DOPS_FDTIMES",
            Group::Times => "-DOPS_TIMES",
            Group::Unlink => "-DOPS_UNLINK",
            Group::Rename => "-DOPS_RENAME",
            Group::Mkdir => "-DOPS_MKDIR",
            Group::Rmdir => "-DOPS_RMDIR",
            Group::Symlink => "-DOPS_SYMLINK",
            Group::Link => "-DOPS_LINK",
            Group::Allocate => "-DOPS_ALLOCATE",
        })
    }

    /// The group of a case, from its op name.
    fn of(case: &str) -> Group {
        match case.split(':').next().unwrap_or("") {
            "setsize" => Group::SetSize,
            "fdtimes" => Group::FdTimes,
            "times" => Group::Times,
            "unlink" => Group::Unlink,
            "rename" => Group::Rename,
            "mkdir" => Group::Mkdir,
            "rmdir" => Group::Rmdir,
            "symlink" => Group::Symlink,
            "link" => Group::Link,
            "allocate" => Group::Allocate,
            _ => Group::Basic,
        }
    }
}

/// Both grants, as every fs_ops build gets them: `ro` read-only, `rw` read-write.
const GRANTS: &[&str] = &["--allow-dir", "ro:ro", "--allow-dir", "rw:rw"];

/// The wasm of a group.
fn group_wasm(g: Group) -> PathBuf {
    let flags: Vec<&str> = g.define().into_iter().collect();
    wasi_program("fs_ops.c", &flags)
}

// ---------------------------------------------------------------------------------
// The host tree
// ---------------------------------------------------------------------------------

/// A fresh host layout:
///
/// ```text
/// T/secret.txt                      "secret at depth 3\n"   (../../../ from a grant)
/// T/l1/secret.txt                   "secret at depth 2\n"   (../../)
/// T/l1/l2/secret.txt                "secret at depth 1\n"   (../)   <- base, the cwd
/// T/l1/l2/ro/ and T/l1/l2/rw/       the two grants, same contents:
///   input.txt "hello\n", victim.txt, t_*.txt (one target per mutating op),
///   emptydir/, sub/inner.txt, sub/deeper/deep.txt,
///   sub/link_in -> ../input.txt          (relative, stays inside)
///   link_rel_out -> ../secret.txt        (relative, out)
///   link_abs -> /abs/T/l1/l2/secret.txt  (absolute, out)
///   link_abs_in -> /abs/.../input.txt    (absolute, pointing inside: still refused)
///   chain1 -> chain2 -> sub/chain3 -> ../../secret.txt   (chain whose last hop leaves)
///   loop1 -> loop2 -> loop1              (loop)
///   link_dir_out -> ..                   (directory symlink to the parent)
/// ```
struct Tree {
    _tmp: tempfile::TempDir,
    top: PathBuf,
    base: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        let tmp = tempdir();
        // Canonical, so absolute symlinks and paths are exact.
        let top = tmp.path().canonicalize().expect("canonicalize temp dir");
        let base = top.join("l1/l2");
        write_file(&top.join("secret.txt"), b"secret at depth 3\n");
        write_file(&top.join("l1/secret.txt"), b"secret at depth 2\n");
        write_file(&base.join("secret.txt"), b"secret at depth 1\n");
        for grant in ["ro", "rw"] {
            let g = base.join(grant);
            write_file(&g.join("input.txt"), b"hello\n");
            write_file(&g.join("victim.txt"), b"victim\n");
            for t in [
                "trunc", "write", "append", "setsize", "fdtimes", "times", "unlink", "rename",
                "link", "allocate",
            ] {
                write_file(
                    &g.join(format!("t_{t}.txt")),
                    format!("{t} target\n").as_bytes(),
                );
            }
            std::fs::create_dir_all(g.join("emptydir")).expect("mkdir");
            write_file(&g.join("sub/inner.txt"), b"inner\n");
            write_file(&g.join("sub/deeper/deep.txt"), b"deep\n");
            symlink("../input.txt", &g.join("sub/link_in"));
            symlink("../secret.txt", &g.join("link_rel_out"));
            symlink(base.join("secret.txt"), &g.join("link_abs"));
            symlink(g.join("input.txt"), &g.join("link_abs_in"));
            symlink("chain2", &g.join("chain1"));
            symlink("sub/chain3", &g.join("chain2"));
            symlink("../../secret.txt", &g.join("sub/chain3"));
            symlink("loop2", &g.join("loop1"));
            symlink("loop1", &g.join("loop2"));
            symlink("..", &g.join("link_dir_out"));
        }
        Tree {
            _tmp: tmp,
            top,
            base,
        }
    }
}

// ---------------------------------------------------------------------------------
// Running case tables
// ---------------------------------------------------------------------------------

/// Runs `cases` (case, expected result) against grant `dir` in `tree`, one run per
/// operation group. Mismatches are collected into `failures`; groups whose WASI
/// function is not implemented yet are checked for a clean compile-time refusal and
/// returned.
fn run_table(
    tree: &Tree,
    dir: &str,
    cases: &[(String, String)],
    failures: &mut Vec<String>,
) -> Vec<Group> {
    let mut by_group: BTreeMap<Group, Vec<&(String, String)>> = BTreeMap::new();
    for c in cases {
        by_group.entry(Group::of(&c.0)).or_default().push(c);
    }
    let mut pending = Vec::new();
    for (group, cases) in by_group {
        let wasm = group_wasm(group);
        let b = build(&wasm, GRANTS);
        let waiting = pending_imports(&wasm);
        if !waiting.is_empty() {
            assert_pending_imports_rejected(
                &format!("fs_ops {group:?} ({} cases pending)", cases.len()),
                &b,
                &waiting,
                &function_imports(&wasm),
            );
            pending.push(group);
            continue;
        }
        let exe = match b.exe {
            Some(exe) => exe,
            None => panic!(
                "fs_ops {group:?} failed to compile\n{}",
                b.output.describe()
            ),
        };
        let out = Run::new(&exe)
            .arg(dir)
            .args(cases.iter().map(|c| c.0.as_str()))
            .cwd(&tree.base)
            .output();
        assert_clean_exit(&out);
        assert_exit(&out, 0);
        let lines: Vec<String> = out.stdout().lines().map(str::to_string).collect();
        check(
            &out,
            lines.len() == cases.len(),
            &format!("expected {} result lines", cases.len()),
        );
        for ((case, want), line) in cases.iter().map(|c| (&c.0, &c.1)).zip(&lines) {
            let got = line
                .strip_prefix(&format!("{case} -> "))
                .unwrap_or_else(|| {
                    panic!("malformed line {line:?} for {case}\n{}", out.describe())
                });
            if got != want {
                failures.push(format!("[{dir}] {case}: expected {want}, got {got}"));
            }
        }
    }
    pending
}

fn cases(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(c, e)| (c.to_string(), e.to_string()))
        .collect()
}

#[track_caller]
fn no_failures(failures: &[String]) {
    if !failures.is_empty() {
        panic!("{} case(s) wrong:\n{}", failures.len(), failures.join("\n"));
    }
}

// ---------------------------------------------------------------------------------
// Read-only grant: every mutation refused
// ---------------------------------------------------------------------------------

#[test]
fn read_only_grant_refuses_every_mutation() {
    let tree = Tree::new();
    let before = snapshot(&tree.top);
    let table = cases(&[
        // Reading is allowed (controls: the grant works at all).
        ("read:input.txt", "ok 6"),
        ("stat:input.txt", "ok file 6"),
        ("opendir:sub", "ok"),
        // Every write right stripped.
        ("create:new.txt", READ_ONLY),
        ("create:sub/new.txt", READ_ONLY),
        ("creatro:new2.txt", READ_ONLY),
        ("trunc:input.txt", READ_ONLY), // O_TRUNC alone, read rights only
        ("trunc:sub/link_in", READ_ONLY), // O_TRUNC through a symlink that stays inside
        ("write:input.txt", READ_ONLY),
        ("append:input.txt", READ_ONLY),
        ("setsize:t_setsize.txt", READ_ONLY),
        ("fdtimes:t_fdtimes.txt", READ_ONLY),
        ("times:t_times.txt", READ_ONLY),
        ("unlink:t_unlink.txt", READ_ONLY),
        ("unlink:link_rel_out", READ_ONLY), // removing a symlink is a mutation too
        ("rename:t_rename.txt:renamed.txt", READ_ONLY),
        ("rename:sub/inner.txt:inner_moved.txt", READ_ONLY),
        ("mkdir:newdir", READ_ONLY),
        ("rmdir:emptydir", READ_ONLY),
        ("symlink:input.txt:newlink", READ_ONLY),
        ("link:t_link.txt:hardlink", READ_ONLY),
        ("allocate:t_allocate.txt", READ_ONLY),
    ]);
    let mut failures = Vec::new();
    let pending = run_table(&tree, "ro", &table, &mut failures);
    // Whatever ran, nothing on the host may have changed, in the grant or outside it.
    let after = snapshot(&tree.top);
    let diff = snapshot_diff(&before, &after);
    if !diff.is_empty() {
        failures.push(format!("host tree changed:\n{diff}"));
    }
    if !pending.is_empty() {
        eprintln!("read-only table: groups pending in the runtime: {pending:?}");
    }
    no_failures(&failures);
}

// ---------------------------------------------------------------------------------
// Read-write grant: the same mutations succeed, with the right effect on the host
// ---------------------------------------------------------------------------------

#[test]
fn read_write_grant_allows_mutations() {
    let tree = Tree::new();
    let rw = tree.base.join("rw");
    let before = snapshot(&tree.top);
    let table = cases(&[
        ("create:new.txt", "ok"),
        ("create:new.txt", "EEXIST"), // O_EXCL on an existing file
        ("create:sub/new.txt", "ok"),
        ("creatro:new2.txt", "ok"),
        ("trunc:t_trunc.txt", "ok"),
        ("write:t_write.txt", "ok"),
        ("append:t_append.txt", "ok"),
        ("read:t_trunc.txt", "ok 0"),
        ("setsize:t_setsize.txt", "ok"),
        ("fdtimes:t_fdtimes.txt", "ok"),
        ("times:t_times.txt", "ok"),
        ("unlink:t_unlink.txt", "ok"),
        ("unlink:link_rel_out", "ok"), // removes the link, not its target outside
        ("rename:t_rename.txt:renamed.txt", "ok"),
        ("mkdir:newdir", "ok"),
        ("rmdir:emptydir", "ok"),
        ("symlink:input.txt:newlink", "ok"),
        ("link:t_link.txt:hardlink", "ok"),
    ]);
    let mut failures = Vec::new();
    let pending = run_table(&tree, "rw", &table, &mut failures);
    let done = |g: Group| !pending.contains(&g);

    // Which host paths under rw/ each case was allowed to change, and how.
    let mut touched: Vec<&str> = vec!["", "sub"]; // the directories themselves (mtime)
    let mut expect_present: Vec<(&str, Option<&[u8]>)> = vec![
        ("new.txt", Some(b"")),
        ("sub/new.txt", Some(b"")),
        ("new2.txt", Some(b"")),
        ("t_trunc.txt", Some(b"")),
        ("t_write.txt", Some(b"Write target\n")),
        ("t_append.txt", Some(b"append target\nA")),
    ];
    let mut expect_absent: Vec<&str> = Vec::new();
    touched.extend([
        "new.txt",
        "sub/new.txt",
        "new2.txt",
        "t_trunc.txt",
        "t_write.txt",
        "t_append.txt",
    ]);
    if done(Group::SetSize) {
        touched.push("t_setsize.txt");
        expect_present.push(("t_setsize.txt", Some(b"se")));
    }
    let mut expect_mtime: Vec<&str> = Vec::new();
    if done(Group::FdTimes) {
        touched.push("t_fdtimes.txt");
        expect_mtime.push("t_fdtimes.txt");
    }
    if done(Group::Times) {
        touched.push("t_times.txt");
        expect_mtime.push("t_times.txt");
    }
    if done(Group::Unlink) {
        touched.extend(["t_unlink.txt", "link_rel_out"]);
        expect_absent.extend(["t_unlink.txt", "link_rel_out"]);
    }
    if done(Group::Rename) {
        touched.extend(["t_rename.txt", "renamed.txt"]);
        expect_absent.push("t_rename.txt");
        expect_present.push(("renamed.txt", Some(b"rename target\n")));
    }
    if done(Group::Mkdir) {
        touched.push("newdir");
        expect_present.push(("newdir", None));
    }
    if done(Group::Rmdir) {
        touched.push("emptydir");
        expect_absent.push("emptydir");
    }
    if done(Group::Symlink) {
        touched.push("newlink");
        match std::fs::read_link(rw.join("newlink")) {
            Ok(t) if t == Path::new("input.txt") => {}
            other => failures.push(format!(
                "rw/newlink should be a symlink to input.txt: {other:?}"
            )),
        }
    }
    if done(Group::Link) {
        touched.extend(["t_link.txt", "hardlink"]);
        match (
            std::fs::metadata(rw.join("t_link.txt")),
            std::fs::metadata(rw.join("hardlink")),
        ) {
            (Ok(a), Ok(b)) if a.ino() == b.ino() && a.nlink() == 2 => {}
            other => failures.push(format!(
                "rw/hardlink should be a hard link of t_link.txt: {other:?}"
            )),
        }
    }

    for (p, contents) in &expect_present {
        let path = rw.join(p);
        match contents {
            Some(want) => match std::fs::read(&path) {
                Ok(got) if &got == want => {}
                Ok(got) => failures.push(format!(
                    "rw/{p}: expected {:?}, found {:?}",
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&got)
                )),
                Err(e) => failures.push(format!("rw/{p}: expected a file: {e}")),
            },
            None => {
                if !path.is_dir() {
                    failures.push(format!("rw/{p}: expected a directory"));
                }
            }
        }
    }
    for p in &expect_absent {
        if std::fs::symlink_metadata(rw.join(p)).is_ok() {
            failures.push(format!("rw/{p}: expected it to be gone"));
        }
    }
    for p in &expect_mtime {
        match std::fs::metadata(rw.join(p)) {
            Ok(m) if m.mtime() == 1_500_000_000 && m.atime() == 1_000_000_000 => {}
            Ok(m) => failures.push(format!(
                "rw/{p}: expected atime 1000000000 mtime 1500000000, found {} {}",
                m.atime(),
                m.mtime()
            )),
            Err(e) => failures.push(format!("rw/{p}: {e}")),
        }
    }
    // Everything else, inside rw/ and out, is exactly as before (the secret the
    // removed link pointed to included).
    let after = snapshot(&tree.top);
    let rw_rel = rw
        .strip_prefix(&tree.top)
        .expect("rw under top")
        .to_path_buf();
    let is_touched = |p: &Path| {
        p.strip_prefix(&rw_rel)
            .is_ok_and(|r| touched.iter().any(|t| r == Path::new(t)))
    };
    let keep = |m: &BTreeMap<PathBuf, Entry>| -> BTreeMap<PathBuf, Entry> {
        m.iter()
            .filter(|(p, _)| !is_touched(p))
            .map(|(p, e)| (p.clone(), e.clone()))
            .collect()
    };
    let diff = snapshot_diff(&keep(&before), &keep(&after));
    if !diff.is_empty() {
        failures.push(format!("untouched host paths changed:\n{diff}"));
    }
    no_failures(&failures);
}

// ---------------------------------------------------------------------------------
// Escapes, from both grants
// ---------------------------------------------------------------------------------

/// Read-side escape table; `abs_secret` is the host path of base/secret.txt.
fn read_escape_cases(abs_secret: &str) -> Vec<(String, String)> {
    let mut v = cases(&[
        // Controls that stay inside.
        ("read:input.txt", "ok 6"),
        ("read:./input.txt", "ok 6"),
        ("read:sub/inner.txt", "ok 6"),
        ("read:sub/../input.txt", "ok 6"),
        ("read:sub/deeper/../../input.txt", "ok 6"),
        ("read:sub/link_in", "ok 6"),
        ("stat:sub/link_in", "ok file 6"),
        ("lstat:sub/link_in", "ok symlink"),
        ("lstat:link_rel_out", "ok symlink"), // the link itself is inside
        ("readnf:sub/link_in", NOFOLLOW_LINK),
        ("opendir:sub", "ok"),
        // `..` at depth 1, 2, 3, and through a subdirectory.
        ("read:../secret.txt", ESCAPE),
        ("read:../../secret.txt", ESCAPE),
        ("read:../../../secret.txt", ESCAPE),
        ("read:sub/../../secret.txt", ESCAPE),
        ("read:sub/deeper/../../../secret.txt", ESCAPE),
        ("stat:../secret.txt", ESCAPE),
        ("stat:..", ESCAPE),
        ("opendir:..", ESCAPE),
        // Absolute paths.
        ("read:/etc/passwd", ESCAPE),
        ("stat:/etc/passwd", ESCAPE),
        ("stat:/", ESCAPE),
        // Symlinks: relative out, absolute out, absolute pointing back inside,
        // a chain whose last hop leaves, a directory symlink to the parent, a loop.
        ("read:link_rel_out", ESCAPE),
        ("stat:link_rel_out", ESCAPE),
        ("read:link_abs", ESCAPE),
        ("read:link_abs_in", ESCAPE),
        ("read:chain1", ESCAPE),
        ("stat:chain1", ESCAPE),
        ("read:link_dir_out/secret.txt", ESCAPE),
        ("stat:link_dir_out/secret.txt", ESCAPE),
        ("opendir:link_dir_out", ESCAPE),
        ("read:loop1", LOOP),
        ("stat:loop1", LOOP),
    ]);
    v.push((format!("read:{abs_secret}"), ESCAPE.to_string()));
    v.push((format!("stat:{abs_secret}"), ESCAPE.to_string()));
    v
}

fn escape_table(dir: &str) {
    let tree = Tree::new();
    let before = snapshot(&tree.top);
    let abs_secret = tree.base.join("secret.txt");
    let table = read_escape_cases(abs_secret.to_str().expect("utf-8 temp path"));
    let mut failures = Vec::new();
    let pending = run_table(&tree, dir, &table, &mut failures);
    assert!(
        pending.is_empty(),
        "basic path ops are all implemented: {pending:?}"
    );
    let diff = snapshot_diff(&before, &snapshot(&tree.top));
    if !diff.is_empty() {
        failures.push(format!("host tree changed:\n{diff}"));
    }
    no_failures(&failures);
}

#[test]
fn escapes_from_read_only_grant_are_refused() {
    escape_table("ro");
}

#[test]
fn escapes_from_read_write_grant_are_refused() {
    escape_table("rw");
}

/// Writing through an escape from the read-write grant: refused, nothing created,
/// nothing outside touched.
#[test]
fn escaping_mutations_from_read_write_grant_are_refused() {
    let tree = Tree::new();
    let before = snapshot(&tree.top);
    let table = cases(&[
        ("create:../escaped.txt", ESCAPE),
        ("create:sub/../../escaped.txt", ESCAPE),
        ("create:link_dir_out/escaped.txt", ESCAPE),
        ("create:/tmp/aotc-escaped.txt", ESCAPE),
        ("write:link_rel_out", ESCAPE),
        ("write:link_abs", ESCAPE),
        ("append:chain1", ESCAPE),
        ("trunc:link_rel_out", ESCAPE),
        ("trunc:../secret.txt", ESCAPE),
        ("setsize:link_abs", ESCAPE),
        ("times:../secret.txt", ESCAPE),
        ("unlink:../secret.txt", ESCAPE),
        ("unlink:link_dir_out/secret.txt", ESCAPE),
        ("rename:input.txt:../stolen.txt", ESCAPE),
        ("rename:../secret.txt:stolen.txt", ESCAPE),
        ("mkdir:../escdir", ESCAPE),
        ("mkdir:link_dir_out/escdir", ESCAPE),
        ("rmdir:../rw", ESCAPE),
        ("link:../secret.txt:stolen_hard", ESCAPE), // a hard link would leak the file
        ("link:input.txt:../hard_out", ESCAPE),
        ("symlink:input.txt:../link_out", ESCAPE),
    ]);
    let mut failures = Vec::new();
    let pending = run_table(&tree, "rw", &table, &mut failures);
    if !pending.is_empty() {
        eprintln!("escaping mutations: groups pending in the runtime: {pending:?}");
    }
    let diff = snapshot_diff(&before, &snapshot(&tree.top));
    if !diff.is_empty() {
        failures.push(format!("host tree changed:\n{diff}"));
    }
    assert!(
        !Path::new("/tmp/aotc-escaped.txt").exists(),
        "an absolute path created a file on the host"
    );
    no_failures(&failures);
}

// ---------------------------------------------------------------------------------
// Environment, argv, start-up
// ---------------------------------------------------------------------------------

/// Parsed output of tests/wasi/args_env.c.
#[derive(Debug)]
struct ArgsEnv {
    argc: usize,
    args: Vec<String>,
    preopens: usize,
    env: Vec<String>,
    sizes_ok: bool,
}

fn parse_args_env(out: &Output) -> ArgsEnv {
    assert_clean_exit(out);
    assert_exit(out, 0);
    let text = out.stdout();
    let mut r = ArgsEnv {
        argc: 0,
        args: Vec::new(),
        preopens: usize::MAX,
        env: Vec::new(),
        sizes_ok: false,
    };
    for line in text.lines() {
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("bad line {line:?}\n{}", out.describe()));
        if k == "argc" {
            r.argc = v.parse().expect("argc");
        } else if k.starts_with("arg[") {
            r.args.push(v.to_string());
        } else if k == "preopens" {
            r.preopens = v.parse().expect("preopens");
        } else if k.starts_with("env[") {
            r.env.push(v.to_string());
        } else if k == "sizes" {
            r.sizes_ok = v == "ok";
        }
    }
    check(
        out,
        r.sizes_ok,
        "args_sizes_get/environ_sizes_get disagree with argv/environ",
    );
    r
}

/// How args_env.c prints bytes.
fn escaped(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if !(0x20..0x7f).contains(&b) || b == b'\\' {
            s.push_str(&format!("\\x{b:02x}"));
        } else {
            s.push(b as char);
        }
    }
    s
}

fn args_env_exe(flags: &[&str]) -> PathBuf {
    build_ok(&wasi_program("args_env.c", &[]), flags)
}

#[test]
fn environment_is_empty_by_default() {
    let exe = args_env_exe(&[]);
    let out = Run::new(&exe)
        .env("HOME", "/root")
        .env("PATH", "/usr/bin:/bin")
        .env("SECRET_TOKEN", "hunter2")
        .output();
    let r = parse_args_env(&out);
    check(
        &out,
        r.env.is_empty(),
        "no host variable may reach the guest without a grant",
    );
    check(&out, r.preopens == 0, "no directory without a grant");
}

#[test]
fn env_flag_bakes_values() {
    let exe = args_env_exe(&[
        "--env", "A=1", "--env", "B=x=y", "--env", "EMPTY=", "--env", "SP=a b",
    ]);
    // A host variable of the same name must not replace or join the baked one.
    let out = Run::new(&exe)
        .env("A", "from-host")
        .env("OTHER", "x")
        .output();
    let r = parse_args_env(&out);
    let mut env = r.env.clone();
    env.sort();
    check(
        &out,
        env == ["A=1", "B=x=y", "EMPTY=", "SP=a b"],
        "baked environment must be exactly A=1, B=x=y, EMPTY=, SP=a b",
    );
}

#[test]
fn allow_env_passes_host_variables_through_when_set() {
    let exe = args_env_exe(&["--allow-env", "HOSTVAR", "--allow-env", "MAYBE"]);
    let out = Run::new(&exe)
        .env("HOSTVAR", "from host = yes")
        .env("NOT_ALLOWED", "x")
        .output();
    let r = parse_args_env(&out);
    check(
        &out,
        r.env == ["HOSTVAR=from host = yes"],
        "only HOSTVAR passes, with its value",
    );

    let out = Run::new(&exe).env("NOT_ALLOWED", "x").output();
    let r = parse_args_env(&out);
    check(
        &out,
        r.env.is_empty(),
        "an allowed variable unset on the host is absent",
    );

    let out = Run::new(&exe).env("MAYBE", "").output();
    let r = parse_args_env(&out);
    check(
        &out,
        r.env == ["MAYBE="],
        "an allowed variable set to empty is passed as empty",
    );
}

#[test]
fn manifest_env_and_allow_env_apply_at_run_time() {
    let dir = tempdir();
    let manifest = dir.path().join("caps.toml");
    std::fs::write(
        &manifest,
        "allow_env = [\"HOSTVAR\"]\n[env]\nLANG = \"C\"\n",
    )
    .expect("write manifest");
    let exe = args_env_exe(&["--manifest", manifest.to_str().expect("utf-8")]);
    let out = Run::new(&exe)
        .env("HOSTVAR", "h")
        .env("LANG", "de_DE")
        .output();
    let r = parse_args_env(&out);
    let mut env = r.env.clone();
    env.sort();
    check(
        &out,
        env == ["HOSTVAR=h", "LANG=C"],
        "manifest env must be exactly HOSTVAR=h and LANG=C",
    );
}

#[test]
fn argv_reaches_the_guest_untouched_and_grants_nothing() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let exe = args_env_exe(&[]);
    let args: Vec<&[u8]> = vec![
        b"--allow-dir",
        b"/:rw",
        b"--env",
        b"X=1",
        b"--allow-env",
        b"HOME",
        b"--manifest",
        b"caps.toml",
        b"-o",
        b"",
        b"with space",
        "\u{fc}n\u{ef}code".as_bytes(),
        b"--",
        b"-v",
        b"--help",
        b"\xff\xfe not utf-8",
    ];
    let out = Run::new(&exe)
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .env("HOME", "/root")
        .output();
    let r = parse_args_env(&out);
    let want: Vec<String> = args.iter().map(|a| escaped(a)).collect();
    check(
        &out,
        r.argc == args.len() + 1,
        "argc must be the arguments plus argv[0]",
    );
    check(
        &out,
        r.args == want,
        "every argument must reach the guest byte for byte",
    );
    check(
        &out,
        r.preopens == 0,
        "--allow-dir given at run time must grant nothing",
    );
    check(
        &out,
        r.env.is_empty(),
        "--env / --allow-env at run time must grant nothing",
    );

    // A binary with a grant keeps exactly its grant.
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("data")).expect("mkdir");
    let exe = args_env_exe(&["--allow-dir", "data:ro"]);
    let out = Run::new(&exe)
        .args(["--allow-dir", "/:rw", "--allow-dir", ".:rw"])
        .cwd(dir.path())
        .output();
    let r = parse_args_env(&out);
    check(
        &out,
        r.preopens == 1,
        "run-time flags must not add a preopen",
    );
}

#[test]
fn missing_granted_directory_fails_at_start_up() {
    let exe = args_env_exe(&["--allow-dir", "no_such_dir:ro"]);
    let dir = tempdir();
    let out = Run::new(&exe).cwd(dir.path()).output();
    assert_clean_exit(&out);
    assert_exit(&out, 125);
    let lines = out.stderr_lines();
    check(&out, lines.len() == 1, "exactly one line on stderr");
    check(
        &out,
        lines[0].contains(": error: cannot open granted directory")
            && lines[0].contains("no_such_dir"),
        "the line must say `<prog>: error: cannot open granted directory` and name it",
    );
    check(&out, out.stdout.is_empty(), "the guest must not have run");

    // A regular file where the directory should be: the same refusal.
    std::fs::write(dir.path().join("no_such_dir"), b"not a directory").expect("write");
    let out = Run::new(&exe).cwd(dir.path()).output();
    assert_exit(&out, 125);
    check(
        &out,
        out.stderr_lines().len() == 1,
        "exactly one line on stderr",
    );
    check(&out, out.stdout.is_empty(), "the guest must not have run");
}
