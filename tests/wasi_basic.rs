//! WASI preview1 basics in compiled executables, one C program per area under
//! `tests/wasi/`: clocks (monotonic never goes back and advances, realtime matches
//! the host, both in nanoseconds), random_get (varied, never constant), file
//! descriptors in a read-write grant (seek/tell, sparse writes, pread/pwrite,
//! fstat/stat sizes and types, misuse errnos, and the host file's bytes afterwards),
//! directory listing with readdir cookies (telldir/seekdir/rewinddir), stdio and
//! preopen fdstat/prestat, and args/environ sizes.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn exe(program: &str, flags: &[&str]) -> PathBuf {
    build_ok(&wasi_program(program, &[]), flags)
}

#[test]
fn clocks() {
    let exe = exe("clocks.c", &[]);
    let out = Run::new(&exe).output();
    assert_clean_exit(&out);
    assert_success(&out);
    assert_facts(
        &out,
        &[
            ("mono_res_ok", "1"),
            ("real_res_ok", "1"),
            ("mono_nondecreasing", "1"),
            ("mono_advances", "1"),
            ("rate_ok", "1"),
            ("bad_clock", "EINVAL"),
        ],
    );
    let host = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("host clock after 1970")
        .as_secs() as i64;
    let guest: i64 = facts(&out)["realtime_s"]
        .parse()
        .expect("realtime_s is a number");
    check(
        &out,
        (guest - host).abs() <= 120,
        &format!("guest realtime {guest} s vs host {host} s"),
    );
}

#[test]
fn random_get_is_random() {
    let exe = exe("random.c", &[]);
    let first = Run::new(&exe).output();
    assert_clean_exit(&first);
    assert_success(&first);
    let f = facts(&first);
    assert_facts(&first, &[("empty", "ESUCCESS")]);
    let (a, b) = (&f["a"], &f["b"]);
    check(&first, a.len() == 64 && b.len() == 64, "two 32-byte draws");
    check(&first, a != b, "two draws must differ");
    check(
        &first,
        a.chars().any(|c| c != '0'),
        "a draw must not be all zeros",
    );
    let distinct: u32 = f["distinct"].parse().expect("distinct");
    check(
        &first,
        distinct >= 250,
        "64 KiB of random bytes must use (nearly) every byte value",
    );
    let second = Run::new(&exe).output();
    assert_success(&second);
    check(
        &second,
        facts(&second)["a"] != *a,
        "two runs must not draw the same bytes",
    );
}

#[test]
fn file_descriptors_in_a_read_write_grant() {
    let dir = tempdir();
    let rw = dir.path().join("rw");
    std::fs::create_dir_all(rw.join("sub")).expect("mkdir");
    write_file(&rw.join("target.txt"), b"target");
    symlink("target.txt", &rw.join("link"));
    let exe = exe("files.c", &["--allow-dir", "rw:rw"]);
    let out = Run::new(&exe).cwd(dir.path()).output();
    assert_clean_exit(&out);
    assert_success(&out);
    assert_facts(
        &out,
        &[
            ("write", "10"),
            ("seek_set", "3"),
            ("read", "34"),
            ("seek_cur", "5"),
            ("fd_tell", "ESUCCESS 5"),
            ("seek_end", "8"),
            ("read_at_end", "89"),
            ("read_eof", "0"),
            ("seek_past_end", "20"),
            ("write_past_end", "1"),
            ("fstat", "0 file 21"),
            ("pwrite", "3"),
            ("pos_after_pwrite", "21"),
            ("pread", "abc"),
            ("pread_start", "0123456789"),
            ("pread_past_eof", "0"),
            ("pos_after_pread", "21"),
            ("size_after_pwrite", "103"),
            ("seek_negative", "-1 EINVAL"),
            // stdout is a pipe here.
            ("seek_stdout", "-1 ESPIPE"),
            ("stat_file", "0 file 103"),
            ("stat_dir", "0 dir"),
            ("lstat_link", "0 symlink"),
            ("stat_link", "0 file 6"),
            ("fstat_dir", "0 dir"),
            ("stat_missing", "-1 ENOENT"),
            ("open_dir_for_writing", "-1 EISDIR"),
            ("open_under_file", "-1 ENOTDIR"),
            ("open_excl_existing", "-1 EEXIST"),
            ("read_bad_fd", "-1 EBADF"),
        ],
    );
    // The host sees exactly what the guest wrote: a sparse file.
    let mut want = b"0123456789".to_vec();
    want.resize(20, 0);
    want.push(b'X');
    want.resize(100, 0);
    want.extend_from_slice(b"abc");
    let got = std::fs::read(rw.join("f.bin")).expect("rw/f.bin exists on the host");
    check(
        &out,
        got == want,
        "rw/f.bin on the host has the wrong bytes",
    );
}

#[test]
fn readdir_lists_everything_and_cookies_resume() {
    let dir = tempdir();
    let ro = dir.path().join("ro");
    let mut expected: BTreeMap<String, char> = BTreeMap::new();
    // Enough entries, with long names, that the listing needs several fd_readdir
    // calls continued by cookie.
    for i in 0..300 {
        let name = format!("file-{i:03}-with-a-rather-long-name-to-fill-buffers.txt");
        write_file(&ro.join(&name), format!("{i}\n").as_bytes());
        expected.insert(name, 'f');
    }
    std::fs::create_dir(ro.join("subdir")).expect("mkdir");
    expected.insert("subdir".into(), 'd');
    symlink(
        "file-000-with-a-rather-long-name-to-fill-buffers.txt",
        &ro.join("alink"),
    );
    expected.insert("alink".into(), 'l');
    let before = snapshot(dir.path());

    let exe = exe("readdir.c", &["--allow-dir", "ro:ro"]);
    let out = Run::new(&exe).cwd(dir.path()).output();
    assert_clean_exit(&out);
    assert_success(&out);
    let text = out.stdout();
    check(&out, text.ends_with("done\n"), "the program ran to the end");
    let mut first: Vec<(char, String)> = Vec::new();
    let mut resumed: Vec<String> = Vec::new();
    let mut rewound: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("A ") {
            let (t, name) = rest.split_once(' ').expect("A <type> <name>");
            first.push((t.chars().next().expect("type"), name.to_string()));
        } else if let Some(name) = line.strip_prefix("S ") {
            resumed.push(name.to_string());
        } else if let Some(name) = line.strip_prefix("R ") {
            rewound.push(name.to_string());
        }
    }
    // "." and ".." may or may not be listed (WASI leaves it to the runtime); if they
    // are, they are directories. Everything else is exactly the host's listing.
    for (t, name) in &first {
        if name == "." || name == ".." {
            check(&out, *t == 'd', "dot entries are directories");
        }
    }
    let listed: BTreeMap<String, char> = first
        .iter()
        .filter(|(_, n)| n != "." && n != "..")
        .map(|(t, n)| (n.clone(), *t))
        .collect();
    check(
        &out,
        listed.len() == first.iter().filter(|(_, n)| n != "." && n != "..").count(),
        "no entry may be listed twice",
    );
    if listed != expected {
        let want: BTreeSet<_> = expected.iter().collect();
        let got: BTreeSet<_> = listed.iter().collect();
        let missing: Vec<_> = want.difference(&got).take(10).collect();
        let extra: Vec<_> = got.difference(&want).take(10).collect();
        panic!("listing differs: missing {missing:?}, unexpected {extra:?}");
    }
    let names: Vec<String> = first.iter().map(|(_, n)| n.clone()).collect();
    check(
        &out,
        resumed == names[5..],
        "seekdir(telldir() after 5 entries) must resume with the 6th",
    );
    check(
        &out,
        rewound == names,
        "rewinddir must list the same entries in the same order",
    );
    assert_tree_unchanged(dir.path(), &before, &out);
}

#[test]
fn stdio_and_preopen_fdstat() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("ro")).expect("mkdir");
    let exe = exe("fdstat.c", &["--allow-dir", "ro:ro"]);
    let out = Run::new(&exe).cwd(dir.path()).output();
    assert_clean_exit(&out);
    assert_success(&out);
    let f = facts(&out);
    let field = |fd: &str, key: &str| -> String {
        f.get(fd)
            .and_then(|v| {
                v.split(' ')
                    .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
            })
            .unwrap_or_default()
    };
    for fd in ["fd0", "fd1", "fd2", "fd3"] {
        check(
            &out,
            f.get(fd).is_some_and(|v| v.starts_with("ESUCCESS")),
            &format!("fd_fdstat_get on {fd} must succeed"),
        );
    }
    check(&out, field("fd0", "read") == "1", "stdin has FD_READ");
    check(&out, field("fd1", "write") == "1", "stdout has FD_WRITE");
    check(&out, field("fd2", "write") == "1", "stderr has FD_WRITE");
    check(
        &out,
        field("fd3", "type") == "3",
        "the preopen is a directory",
    );
    assert_facts(
        &out,
        &[
            ("fd99", "EBADF"),
            ("prestat3", "ESUCCESS ro"),
            ("prestat4", "EBADF"),
        ],
    );
}

#[test]
fn args_and_environ_sizes() {
    let exe = build_ok(
        &wasi_program("args_env.c", &[]),
        &["--env", "ONE=1", "--env", "LONGER=a longer value"],
    );
    let out = Run::new(&exe).args(["alpha", "", "gamma delta"]).output();
    assert_clean_exit(&out);
    assert_success(&out);
    let text = out.stdout();
    for line in [
        "argc=4",
        "arg[1]=alpha",
        "arg[2]=",
        "arg[3]=gamma delta",
        "env=2",
        "sizes=ok",
    ] {
        check(
            &out,
            text.lines().any(|l| l == line),
            &format!("missing `{line}`"),
        );
    }
}

/// Writing to a pipe whose reader is gone is EPIPE for the guest (WASI has no
/// signals), not a SIGPIPE death of the process.
#[test]
fn write_to_closed_pipe_is_epipe_not_sigpipe() {
    use std::io::Read;
    let exe = build_ok(&wasi_program("epipe.c", &[]), &[]);
    let mut child = std::process::Command::new(&exe)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start epipe");
    let mut first = [0u8; 4096];
    child
        .stdout
        .take()
        .expect("stdout piped")
        .read_exact(&mut first)
        .expect("read the first block");
    // The read end is dropped here; the next writes fail.
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "status {:?}, stderr {stderr}",
        out.status
    );
    assert!(stderr.contains("errno 64"), "expected EPIPE (64): {stderr}");
}
