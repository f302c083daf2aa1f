//! Escape attempts, as an attacker holding two grants (`ro` read-only, `rw`
//! read-write): what `capabilities.rs` does not already try. Moving and linking across
//! the two preopens in both directions; renumbering an opened file over a preopen (and
//! one preopen over the other) and using the number; every write through a descriptor
//! opened beneath the read-only grant, and through a directory opened beneath it
//! asking for every right; `path_open` asking for rights beyond what the directory
//! hands down; `fd_fdstat_set_rights` widening (refused) and narrowing then using the
//! dropped right (refused); `O_EXCL`/`O_CREAT|O_TRUNC` on read-only files; setting
//! times in the read-only grant without following, with `_NOW`, on the grant itself;
//! symlinks — absolute, relative out, chained, looping, dangling ones that `O_CREAT`
//! would resolve outside, links created by the guest pointing out or into the other
//! grant, inside-pointing ones (allowed); removing or renaming the grant's own root; a
//! NUL inside the path length; and symlinks **swapped during the calls** by a host
//! thread (thousands of flips between an inside and an outside target while the guest
//! opens, reads, stats, truncates and sets times through them in a loop: the guest
//! must never see the outside files' secret marker, and they must stay intact).
//!
//! Everything runs twice: with the kernel's `openat2(RESOLVE_BENEATH)`, and with the
//! runtime's user-space per-component walk, forced by a seccomp filter that makes
//! `openat2` fail with ENOSYS (a first run with EPERM instead proves the filter reaches
//! the runtime's openat2). Each case's errno is asserted, and the host tree must be
//! unchanged afterwards (byte for byte, modes and mtimes; where a case is allowed to
//! change something, exactly that change is asserted). Prints
//! `escapes: N attempts, N refused, host tree unchanged` per resolver.
//!
//! Errnos, where there is a choice (see also the constants in `capabilities.rs`):
//! leaving the grant is ENOTCAPABLE; a missing right on an fd — writing through a
//! descriptor opened read-only, widening rights, a write right requested beneath a
//! read-only grant — is ENOTCAPABLE too (the WASI rights model; POSIX
//! would say EBADF for writing to a read-only descriptor, and the host fd is opened
//! O_RDONLY, so the kernel would refuse as well); ro-grant refusals come before any
//! existence check, so `O_CREAT|O_EXCL` on an existing read-only file is ENOTCAPABLE,
//! not EEXIST. Removing or renaming the grant root answers what Linux answers for `.`
//! (EINVAL, EISDIR, EBUSY): the point is that the root stays.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Leaving the grant (`..`, absolute or escaping symlinks).
const ESCAPE: &str = "ENOTCAPABLE";
/// A mutation in, from or into the read-only grant.
const READ_ONLY: &str = "ENOTCAPABLE";
/// A right the descriptor does not hold.
const NO_RIGHT: &str = "ENOTCAPABLE";
/// A symlink loop.
const LOOP: &str = "ELOOP";
/// Secret marker in every file outside the grants.
const MARKER: &str = "SECRET-MARKER";

// ---------------------------------------------------------------------------------
// The host tree
// ---------------------------------------------------------------------------------

/// ```text
/// T/secret.txt              "SECRET-MARKER depth 2\n"
/// T/base/secret.txt         "SECRET-MARKER depth 1 (beside the grants)\n"   <- cwd
/// T/base/outside_dir/f.txt  "SECRET-MARKER outside dir\n"
/// T/base/ro/, T/base/rw/    the grants, same contents:
///   input.txt "hello\n", victim.txt "victim\n", inside.txt "inside\n",
///   sub/inner.txt, sub/link_in -> ../input.txt, emptydir/, sub_race/f.txt "inside\n",
///   link_rel_out -> ../secret.txt, link_abs -> T/base/secret.txt,
///   chain1 -> chain2 -> sub/chain3 -> ../../secret.txt, loop1 <-> loop2,
///   link_dir_out -> .., dangling_out -> ../created_outside.txt,
///   dangling_abs -> T/base/created_abs.txt,
///   race -> inside.txt, racedir -> sub_race      (flipped by the race test)
/// ```
struct Tree {
    _tmp: tempfile::TempDir,
    top: PathBuf,
    base: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        let tmp = tempdir();
        let top = tmp.path().canonicalize().expect("canonicalize temp dir");
        let base = top.join("base");
        write_file(&top.join("secret.txt"), b"SECRET-MARKER depth 2\n");
        write_file(
            &base.join("secret.txt"),
            b"SECRET-MARKER depth 1 (beside the grants)\n",
        );
        write_file(
            &base.join("outside_dir/f.txt"),
            b"SECRET-MARKER outside dir\n",
        );
        for grant in ["ro", "rw"] {
            let g = base.join(grant);
            write_file(&g.join("input.txt"), b"hello\n");
            write_file(&g.join("victim.txt"), b"victim\n");
            write_file(&g.join("inside.txt"), b"inside\n");
            write_file(&g.join("sub/inner.txt"), b"inner\n");
            write_file(&g.join("sub_race/f.txt"), b"inside\n");
            std::fs::create_dir_all(g.join("emptydir")).expect("mkdir");
            symlink("../input.txt", &g.join("sub/link_in"));
            symlink("../secret.txt", &g.join("link_rel_out"));
            symlink(base.join("secret.txt"), &g.join("link_abs"));
            symlink("chain2", &g.join("chain1"));
            symlink("sub/chain3", &g.join("chain2"));
            symlink("../../secret.txt", &g.join("sub/chain3"));
            symlink("loop2", &g.join("loop1"));
            symlink("loop1", &g.join("loop2"));
            symlink("..", &g.join("link_dir_out"));
            symlink("../created_outside.txt", &g.join("dangling_out"));
            symlink(base.join("created_abs.txt"), &g.join("dangling_abs"));
            symlink("inside.txt", &g.join("race"));
            symlink("sub_race", &g.join("racedir"));
        }
        Tree {
            _tmp: tmp,
            top,
            base,
        }
    }
}

// ---------------------------------------------------------------------------------
// Running the attacker, with either resolver
// ---------------------------------------------------------------------------------

/// Which path resolution the runtime uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolver {
    /// The kernel's openat2(RESOLVE_BENEATH), the runtime's first choice.
    Openat2,
    /// The user-space walk: openat2 answers ENOSYS (seccomp), as on old kernels.
    Walk,
}

/// Runs `exe args...` in `cwd` with openat2 denied with `deny` (an errno) or not;
/// empty environment, empty stdin, killed after 60 s.
fn run_denying(exe: &Path, args: &[String], cwd: &Path, deny: Option<u32>) -> Output {
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(errno) = deny {
        // SAFETY: the closure only makes two prctl calls (async-signal-safe).
        unsafe {
            cmd.pre_exec(move || seccomp::deny_openat2(errno));
        }
    }
    let mut cmdline = exe.display().to_string();
    for a in args {
        cmdline.push(' ');
        cmdline.push_str(&shell_quote(&OsString::from(a)));
    }
    if let Some(e) = deny {
        cmdline = format!("[seccomp: openat2 -> errno {e}] {cmdline}");
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{cmdline}`: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(r) => r.expect("wait for child"),
        Err(_) => {
            // SAFETY: kill(2) on the child we started and have not reaped.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("`{cmdline}` still running after 60 s: killed");
        }
    };
    Output {
        cmdline,
        cwd: cwd.to_path_buf(),
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn attacker() -> PathBuf {
    build_ok(
        &wasi_program("escapes.c", &[]),
        &["--allow-dir", "ro:ro", "--allow-dir", "rw:rw"],
    )
}

fn attack(tree: &Tree, args: &[String], resolver: Resolver) -> Output {
    let deny = (resolver == Resolver::Walk).then_some(libc::ENOSYS as u32);
    let out = run_denying(&attacker(), args, &tree.base, deny);
    assert_clean_exit(&out);
    assert_exit(&out, 0);
    out
}

/// The walk resolver is only meaningful if the filter reaches the runtime's openat2:
/// with EPERM instead of ENOSYS, opening a file must fail with EPERM (and succeed
/// normally without the filter).
fn check_filter_reaches_openat2(tree: &Tree) {
    let case = vec!["read:ro:input.txt".to_string()];
    let plain = run_denying(&attacker(), &case, &tree.base, None);
    assert_eq!(
        plain.stdout(),
        "read:ro:input.txt -> ok hello\\n\n",
        "{}",
        plain.describe()
    );
    let eperm = run_denying(&attacker(), &case, &tree.base, Some(libc::EPERM as u32));
    assert_eq!(
        eperm.stdout(),
        "read:ro:input.txt -> EPERM\n",
        "the seccomp filter must make the runtime's openat2 fail\n{}",
        eperm.describe()
    );
}

// ---------------------------------------------------------------------------------
// Case tables
// ---------------------------------------------------------------------------------

fn cases(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(c, e)| (c.to_string(), e.to_string()))
        .collect()
}

/// The stateless table: every case runs in one process.
fn attack_table(tree: &Tree) -> Vec<(String, String)> {
    let mut v = cases(&[
        // --- across the two preopens ---------------------------------------------
        ("rename:ro:input.txt:rw:stolen", READ_ONLY), // ro lacks path_rename_source
        ("rename:ro:sub:rw:stolen_dir", READ_ONLY),
        ("rename:rw:victim.txt:ro:stolen", READ_ONLY), // ro lacks path_rename_target
        ("rename:rw:emptydir:ro:stolen_dir", READ_ONLY),
        // A hard link in rw would make the read-only file writable.
        ("link:ro:input.txt:rw:hard", READ_ONLY),
        ("linkf:ro:sub/link_in:rw:hard", READ_ONLY),
        ("link:rw:victim.txt:ro:hard", READ_ONLY),
        ("linkf:rw:victim.txt:ro:hard", READ_ONLY),
        // Reaching the other grant through `..` is leaving this one.
        ("rename:rw:victim.txt:rw:../ro/stolen", ESCAPE),
        ("link:rw:victim.txt:rw:../ro/hard", ESCAPE),
        ("read:rw:../ro/input.txt", ESCAPE),
        ("symlink:rw:../ro/input.txt:cross", "ok"), // the name is harmless...
        ("read:rw:cross", ESCAPE),                  // ...following it is not
        ("create:rw:cross", ESCAPE),
        ("unlink:rw:cross", "ok"),
        // --- a descriptor opened beneath ro ---------------------------------------
        ("fd:rights:ro:input.txt", "ok nowrite"),
        ("fd:read:ro:input.txt", "ok"),
        ("fd:advise:ro:input.txt", "ok"),
        ("fd:write:ro:input.txt", NO_RIGHT),
        ("fd:pwrite:ro:input.txt", NO_RIGHT),
        ("fd:allocate:ro:input.txt", NO_RIGHT),
        ("fd:setsize:ro:input.txt", NO_RIGHT),
        ("fd:settimes:ro:input.txt", NO_RIGHT),
        ("fd:settimesnow:ro:input.txt", NO_RIGHT),
        ("fd:datasync:ro:input.txt", NO_RIGHT),
        ("fd:sync:ro:input.txt", NO_RIGHT),
        ("fd:append:ro:input.txt", NO_RIGHT),
        ("fd:rights:ro:sub", "ok nowrite"),
        ("fd:settimes:ro:sub", NO_RIGHT),
        ("fd:settimes:ro:.", NO_RIGHT), // the grant root, opened again
        ("fd:sync:ro:.", NO_RIGHT),
        ("fd:settimes:ro:sub/link_in", NO_RIGHT),
        // --- a directory opened beneath ro asking for every right -------------------
        ("sub:create:ro:sub:new.txt", READ_ONLY),
        ("sub:trunc:ro:sub:inner.txt", READ_ONLY),
        ("sub:unlink:ro:sub:inner.txt", READ_ONLY),
        ("sub:mkdir:ro:sub:newdir", READ_ONLY),
        ("sub:rmdir:ro:.:emptydir", READ_ONLY),
        ("sub:rename:ro:sub:inner.txt", READ_ONLY),
        ("sub:symlink:ro:sub:inner.txt", READ_ONLY),
        ("sub:link:ro:sub:inner.txt", READ_ONLY),
        ("sub:times:ro:sub:inner.txt", READ_ONLY),
        ("sub:create:ro:.:new.txt", READ_ONLY),
        // --- path_open asking beyond the inheriting rights of ro --------------------
        ("openrights:ro:input.txt:40:0", NO_RIGHT), // fd_write
        ("openrights:ro:input.txt:2:40", NO_RIGHT), // fd_write inherited
        ("openrights:ro:input.txt:1:0", NO_RIGHT),  // fd_datasync
        ("openrights:ro:input.txt:100:0", NO_RIGHT), // fd_allocate
        ("openrights:ro:input.txt:400000:0", NO_RIGHT), // fd_filestat_set_size
        ("openrights:ro:input.txt:3fffffff:0", NO_RIGHT), // everything
        ("openrights:ro:sub:3fffffff:3fffffbf", NO_RIGHT), // all but fd_write
        ("openrights:ro:input.txt:2:0:1", NO_RIGHT), // fdflags append
        ("openrights:ro:input.txt:2:0:2", NO_RIGHT), // fdflags dsync
        ("openrights:ro:input.txt:2:0:8", NO_RIGHT), // fdflags rsync
        ("openrights:ro:input.txt:2:0:10", NO_RIGHT), // fdflags sync
        // Rights that only matter later are dropped silently (the fd holds fd_read).
        ("openrights:ro:input.txt:802002:0", "ok base=2 inh=0"),
        // --- open flags and times in ro -------------------------------------------
        ("createexcl:ro:input.txt", READ_ONLY), // not EEXIST: rights come first
        ("excl:ro:input.txt", READ_ONLY),       // O_EXCL alone
        ("creattrunc:ro:input.txt", READ_ONLY),
        ("creattrunc:ro:sub/link_in", READ_ONLY),
        ("create:ro:dangling_out", READ_ONLY),
        ("timesnf:ro:sub/link_in", READ_ONLY),
        ("timesnf:ro:link_rel_out", READ_ONLY),
        ("timesnow:ro:input.txt", READ_ONLY),
        ("times:ro:.", READ_ONLY),
        ("times:ro:sub", READ_ONLY),
        ("times:ro:link_abs", READ_ONLY),
        ("symlink:ro:input.txt:newlink", READ_ONLY),
        // --- symlinks from rw ------------------------------------------------------
        ("readlink:rw:link_rel_out", "ok ../secret.txt"), // the text is not the file
        ("readlink:ro:sub/chain3", "ok ../../secret.txt"),
        ("times:rw:link_rel_out", ESCAPE),
        ("times:rw:link_abs", ESCAPE),
        ("times:rw:chain1", ESCAPE),
        ("times:rw:link_dir_out/secret.txt", ESCAPE),
        ("timesnow:rw:chain1", ESCAPE),
        ("linkf:rw:link_rel_out:rw:stolen", ESCAPE), // hard link to the outside file
        ("linkf:rw:link_abs:rw:stolen", ESCAPE),
        ("linkf:rw:chain1:rw:stolen", ESCAPE),
        ("rename:rw:victim.txt:rw:link_dir_out/stolen", ESCAPE),
        ("rename:rw:link_dir_out/secret.txt:rw:stolen", ESCAPE),
        ("link:rw:victim.txt:rw:link_dir_out/hard", ESCAPE),
        ("symlink:rw:input.txt:link_dir_out/evil", ESCAPE),
        ("mkdir:rw:link_dir_out/evil", ESCAPE),
        ("rmdir:rw:link_dir_out/outside_dir", ESCAPE),
        // O_CREAT through a dangling link would create the file outside.
        ("create:rw:dangling_out", ESCAPE),
        ("create:rw:dangling_abs", ESCAPE),
        ("create:rw:sub/../dangling_out", ESCAPE),
        ("creattrunc:rw:link_rel_out", ESCAPE),
        ("creattrunc:rw:chain1", ESCAPE),
        ("createexcl:rw:dangling_out", "EEXIST"), // O_EXCL never follows: the link exists
        // Loops.
        ("create:rw:loop1", LOOP),
        ("times:rw:loop1", LOOP),
        ("linkf:rw:loop1:rw:stolen", LOOP),
        ("stat:rw:loop1/x", LOOP),
        // Links the guest makes: absolute ones are refused, relative ones pointing
        // out can be made but never followed.
        ("symlink:rw:/etc/passwd:evil_abs", ESCAPE),
        ("symlink:rw:../secret.txt:evil", "ok"),
        ("read:rw:evil", ESCAPE),
        ("stat:rw:evil", ESCAPE),
        ("create:rw:evil", ESCAPE),
        ("times:rw:evil", ESCAPE),
        ("unlink:rw:evil", "ok"),
        ("symlink:rw:../../secret.txt:sub/evil2", "ok"),
        ("read:rw:sub/evil2", ESCAPE),
        ("unlink:rw:sub/evil2", "ok"),
        // Inside-pointing links are allowed.
        ("read:rw:sub/link_in", "ok hello\\n"),
        ("read:ro:sub/link_in", "ok hello\\n"),
        ("symlink:rw:inside.txt:newin", "ok"),
        ("read:rw:newin", "ok inside\\n"),
        ("symlink:rw:../inside.txt:sub/newin2", "ok"),
        ("read:rw:sub/newin2", "ok inside\\n"),
        ("unlink:rw:newin", "ok"),
        ("unlink:rw:sub/newin2", "ok"),
        // --- the grant's own root -------------------------------------------------
        ("rmdir:rw:.", "EINVAL"),
        ("rmdir:rw:sub/..", "EINVAL"),
        ("unlink:rw:.", "EISDIR"),
        ("rename:rw:.:rw:moved", "EBUSY"),
        ("rename:rw:sub/..:rw:moved", "EBUSY"),
        ("rmdir:rw:..", ESCAPE),
        ("rename:rw:..:rw:moved", ESCAPE),
        ("rmdir:ro:.", READ_ONLY),
        // --- odd paths --------------------------------------------------------------
        ("nulpath:ro:input.txt", "EINVAL"),
        ("nulpath:rw:input.txt", "EINVAL"),
        ("longname:rw", "ENAMETOOLONG"),
    ]);
    v.push((
        "readlink:rw:link_abs".into(),
        format!("ok {}", tree.base.join("secret.txt").display()),
    ));
    v
}

/// A host file a case may change, and what it must hold afterwards.
type Change = Option<(&'static str, &'static [u8])>;

/// Cases that change the descriptor table: each in its own process, with the host
/// file it may change.
fn stateful_cases() -> Vec<(&'static str, &'static str, Change)> {
    vec![
        (
            "renumber_file_over_preopen:rw:victim.txt:ro",
            // A file may replace a grant (as in Wasmtime, issue 11): the number is
            // then a file, no grant (prestat EBADF, path_open ENOTDIR, path calls
            // EBADF), writing goes to the file through its own right, and the ro
            // grant is closed.
            "renumber=ok prestat=EBADF open=ENOTDIR mkdir=EBADF write=ok old=EBADF",
            Some(("rw/victim.txt", b"Rictim\n")),
        ),
        (
            "renumber_preopen_over_preopen:ro:rw",
            // A grant moved over another keeps its own name and rights: the ro grant
            // at rw's number is still read-only.
            "renumber=ok name=ro create=ENOTCAPABLE write=ENOTCAPABLE unlink=ENOTCAPABLE old=EBADF",
            None,
        ),
        (
            "renumber_far:rw:input.txt",
            // Renumbering onto a number that is not open is EBADF (as Wasmtime), so a
            // guest cannot make the table grow to 4 billion slots.
            "to1000=EBADF tohuge=EBADF self=ok still=ok",
            None,
        ),
        (
            "widen:rw:victim.txt",
            "widen=ENOTCAPABLE inheriting=ENOTCAPABLE write=ENOTCAPABLE",
            None,
        ),
        (
            "narrow:rw:victim.txt",
            "narrow=ok read=ENOTCAPABLE back=ENOTCAPABLE read=ENOTCAPABLE",
            None,
        ),
        (
            "narrow_preopen:rw:new.txt",
            // Dropping path_create_file from the grant's own rights holds; dropping
            // fd_write from its inheriting rights bounds nothing (issue 11: only the
            // grant's mode bounds what is opened beneath, as in Wasmtime, since Zig's
            // std narrows inheriting rights and then writes files).
            "narrow=ok create=ENOTCAPABLE write=ok back=ENOTCAPABLE create=ENOTCAPABLE",
            None,
        ),
        (
            "widen_preopen:ro:new.txt",
            "widen=ENOTCAPABLE create=ENOTCAPABLE",
            None,
        ),
    ]
}

/// Refusals expected in a result: one per errno token (`ENOTCAPABLE`,
/// `write=ENOTCAPABLE`, …).
fn refusals(expected: &str) -> usize {
    expected
        .split(' ')
        .filter(|t| t.split('=').next_back().is_some_and(|v| v.starts_with('E')))
        .count()
}

/// Parses `<case> -> <result>` lines in order.
fn results(out: &Output, cases: &[String]) -> Vec<String> {
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    check(
        out,
        lines.len() == cases.len(),
        &format!("expected {} result lines", cases.len()),
    );
    cases
        .iter()
        .zip(lines)
        .map(|(c, l)| {
            l.strip_prefix(&format!("{c} -> "))
                .unwrap_or_else(|| panic!("malformed line {l:?} for {c}\n{}", out.describe()))
                .to_string()
        })
        .collect()
}

/// The snapshot without the mtime of the directories in `dirs` (cases create and
/// remove names in `rw/`; the race test's flips rename links in both grants) and
/// without the entries in `skip` (the race test's links and the files it rewrites).
fn masked(tree: &Tree, dirs: &[&str], skip: &[&str]) -> BTreeMap<PathBuf, Entry> {
    let rel = |s: &&str| {
        tree.base
            .join(s)
            .strip_prefix(&tree.top)
            .expect("rel")
            .to_path_buf()
    };
    let dirs: Vec<PathBuf> = dirs.iter().map(rel).collect();
    let skip: Vec<PathBuf> = skip.iter().map(rel).collect();
    snapshot(&tree.top)
        .into_iter()
        .filter(|(p, _)| !skip.contains(p))
        .map(|(p, e)| match e {
            Entry::Dir { mode, .. } if dirs.contains(&p) => (p, Entry::Dir { mode, mtime_ns: 0 }),
            e => (p, e),
        })
        .collect()
}

fn escape_tables(resolver: Resolver) {
    let tree = Tree::new();
    if resolver == Resolver::Walk {
        check_filter_reaches_openat2(&tree);
    }
    let before = masked(&tree, &["rw", "rw/sub"], &[]);
    let mut failures = Vec::new();
    let (mut attempts, mut refused) = (0, 0);

    let table = attack_table(&tree);
    let names: Vec<String> = table.iter().map(|c| c.0.clone()).collect();
    let out = attack(&tree, &names, resolver);
    for ((case, want), got) in table.iter().zip(results(&out, &names)) {
        let n = refusals(want);
        attempts += n;
        if &got == want {
            refused += n;
        } else {
            failures.push(format!("[{resolver:?}] {case}: expected {want}, got {got}"));
        }
    }
    let diff = snapshot_diff(&before, &masked(&tree, &["rw", "rw/sub"], &[]));
    if !diff.is_empty() {
        failures.push(format!(
            "[{resolver:?}] host tree changed by the table:\n{diff}"
        ));
    }

    for (case, want, change) in stateful_cases() {
        let tree = Tree::new();
        let victim = change.map(|c| c.0);
        let before = masked(&tree, &["rw"], victim.as_slice());
        let names = vec![case.to_string()];
        let out = attack(&tree, &names, resolver);
        let got = results(&out, &names).remove(0);
        let n = refusals(want);
        attempts += n;
        if got == want {
            refused += n;
        } else {
            failures.push(format!("[{resolver:?}] {case}: expected {want}, got {got}"));
        }
        let diff = snapshot_diff(&before, &masked(&tree, &["rw"], victim.as_slice()));
        if !diff.is_empty() {
            failures.push(format!("[{resolver:?}] {case}: host tree changed:\n{diff}"));
        }
        if let Some((path, bytes)) = change {
            let now = std::fs::read(tree.base.join(path)).expect("read changed file");
            if now != bytes {
                failures.push(format!(
                    "[{resolver:?}] {case}: {path} should be {:?}, is {:?}",
                    String::from_utf8_lossy(bytes),
                    String::from_utf8_lossy(&now)
                ));
            }
        }
    }
    if !failures.is_empty() {
        panic!("{} case(s) wrong:\n{}", failures.len(), failures.join("\n"));
    }
    assert_eq!(attempts, refused);
    println!("escapes ({resolver:?}): {attempts} attempts, {refused} refused, host tree unchanged");
}

#[test]
fn escape_attempts_are_refused_with_openat2() {
    escape_tables(Resolver::Openat2);
}

#[test]
fn escape_attempts_are_refused_with_the_walk_resolver() {
    escape_tables(Resolver::Walk);
}

// ---------------------------------------------------------------------------------
// Symlinks swapped during the calls
// ---------------------------------------------------------------------------------

/// Flips each `(link, targets)` through its targets in turn (atomically: a new link
/// renamed over the old one) until stopped; counts the flips.
struct Flipper {
    stop: Arc<AtomicBool>,
    flips: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flipper {
    fn start(links: Vec<(PathBuf, Vec<PathBuf>)>) -> Flipper {
        let stop = Arc::new(AtomicBool::new(false));
        let flips = Arc::new(AtomicU64::new(0));
        let (s, f) = (stop.clone(), flips.clone());
        let thread = std::thread::spawn(move || {
            let mut i = 0usize;
            while !s.load(Ordering::Relaxed) {
                for (link, targets) in &links {
                    let tmp = link.with_extension("flip");
                    let _ = std::fs::remove_file(&tmp);
                    std::os::unix::fs::symlink(&targets[i % targets.len()], &tmp).expect("symlink");
                    std::fs::rename(&tmp, link).expect("rename symlink into place");
                    f.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        });
        Flipper {
            stop,
            flips,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().expect("flipper thread");
        }
        self.flips.load(Ordering::Relaxed)
    }
}

/// Iterations of each race loop in the guest (each also runs at least 100 ms).
const RACE_ROUNDS: u32 = 2000;

fn races(resolver: Resolver) {
    let tree = Tree::new();
    let mut links = Vec::new();
    for g in ["ro", "rw"] {
        let dir = tree.base.join(g);
        links.push((
            dir.join("race"),
            vec![
                PathBuf::from("inside.txt"),
                PathBuf::from("../secret.txt"),
                PathBuf::from("inside.txt"),
                tree.base.join("secret.txt"),
                PathBuf::from("sub_race/f.txt"),
                PathBuf::from("../../secret.txt"),
            ],
        ));
        links.push((
            dir.join("racedir"),
            vec![
                PathBuf::from("sub_race"),
                PathBuf::from("../outside_dir"),
                PathBuf::from("sub_race"),
                tree.base.join("outside_dir"),
                PathBuf::from("sub_race"),
                PathBuf::from(".."),
            ],
        ));
    }
    let skip = [
        "ro/race",
        "rw/race",
        "ro/racedir",
        "rw/racedir",
        "rw/inside.txt",
        "rw/sub_race/f.txt",
    ];
    let before = masked(&tree, &["ro", "rw"], &skip);
    let r = RACE_ROUNDS;
    let names: Vec<String> = vec![
        format!("race:rw:race:{r}"),
        format!("race:ro:race:{r}"),
        format!("race:rw:racedir/f.txt:{r}"),
        format!("racestat:rw:race:{r}"),
        format!("racestat:ro:racedir/f.txt:{r}"),
        format!("racetrunc:rw:race:{}", r / 4),
        format!("racetrunc:rw:racedir/f.txt:{}", r / 4),
    ];
    let flipper = Flipper::start(links);
    let out = attack(&tree, &names, resolver);
    let flips = flipper.stop();
    let mut failures = Vec::new();
    let (mut total, mut total_in, mut total_refused) = (0u64, 0u64, 0u64);
    for (case, got) in names.iter().zip(results(&out, &names)) {
        let mut counts = BTreeMap::new();
        for kv in got.split(' ') {
            let (k, v) = kv
                .split_once('=')
                .unwrap_or_else(|| panic!("{case}: {got}"));
            counts.insert(k.to_string(), v.parse::<u64>().expect("count"));
        }
        let (inside, refused, leak, other) = (
            counts["in"],
            counts["refused"],
            counts["leak"],
            counts["other"],
        );
        total += inside + refused + leak + other;
        total_in += inside;
        total_refused += refused;
        if leak != 0 || other != 0 {
            failures.push(format!(
                "[{resolver:?}] {case}: {got}: the outside was seen"
            ));
        }
    }
    // The race must really have happened: both outcomes seen (a loop may run while the
    // flipper is descheduled, so this is asked of all loops together).
    if total_in == 0 || total_refused == 0 || flips < 1000 {
        failures.push(format!(
            "[{resolver:?}] the flips did not interleave with the calls: {total_in} inside, \
             {total_refused} refused, {flips} flips"
        ));
    }
    check(
        &out,
        !out.stderr().contains("LEAK"),
        "the guest saw a secret",
    );
    check(
        &out,
        !out.stdout().contains(MARKER),
        "the guest printed a secret",
    );
    let diff = snapshot_diff(&before, &masked(&tree, &["ro", "rw"], &skip));
    if !diff.is_empty() {
        failures.push(format!("[{resolver:?}] host tree changed:\n{diff}"));
    }
    for g in ["ro", "rw"] {
        for f in ["inside.txt", "sub_race/f.txt"] {
            let got = std::fs::read(tree.base.join(g).join(f)).expect("read");
            if got != b"inside\n" {
                failures.push(format!("[{resolver:?}] {g}/{f} is now {got:?}"));
            }
        }
    }
    if !failures.is_empty() {
        panic!("{}\n{}", failures.join("\n"), out.describe());
    }
    println!(
        "escapes ({resolver:?}, race): {total} calls during {flips} symlink flips: \
         {total_in} inside, {total_refused} refused, 0 leaked, outside files intact"
    );
}

#[test]
fn swapped_symlinks_never_leak_with_openat2() {
    races(Resolver::Openat2);
}

#[test]
fn swapped_symlinks_never_leak_with_the_walk_resolver() {
    races(Resolver::Walk);
}
