//! WASI preview1 conformance: the calls no other test asserts a result for
//! (`tests/wasi/conformance.c`: sched_yield, proc_raise, all four clocks' resolution,
//! the CPU clocks, poll_oneoff with relative and absolute clock subscriptions — 10 ms
//! must really pass — and fd_read on stdin fed here, fd_write, a bad fd; fd_advise,
//! fd_allocate, fd_datasync, fd_sync, fd_fdstat_set_flags, fd_fdstat_set_rights,
//! fd_renumber, path_readlink), the socket calls against a real peer
//! (`tests/wasi/sockets.c`), and the README's conformance table: exactly the 46
//! functions of the contract, in its order, each marked as the contract marks it, each
//! citing tests that exist.

mod common;

use common::*;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn calls_without_another_test() {
    let dir = tempdir();
    let rw = dir.path().join("rw");
    write_file(&rw.join("target.txt"), b"target\n");
    symlink("target.txt", &rw.join("link"));
    let exe = build_ok(
        &wasi_program("conformance.c", &[]),
        &["--allow-dir", "rw:rw"],
    );
    let out = Run::new(&exe).cwd(dir.path()).stdin("hello\n").output();
    assert_clean_exit(&out);
    assert_success(&out);
    assert_facts(
        &out,
        &[
            ("sched_yield", "ESUCCESS"),
            // Signals are not part of the sandbox (as Wasmtime).
            ("proc_raise", "ENOTSUP"),
            ("clock_res_0", "ok"),
            ("clock_res_1", "ok"),
            ("clock_res_2", "ok"),
            ("clock_res_3", "ok"),
            ("clock_res_bad", "EINVAL"),
            ("cpu_clocks", "ok"),
            ("random", "ok"),
            // errno, nevents, userdata, type (0 clock, 1 fd_read, 2 fd_write), error
            ("poll_clock", "ESUCCESS 1 1 0 ESUCCESS"),
            ("poll_clock_waited", "ok"),
            ("poll_abs", "ESUCCESS 1 2 0 ESUCCESS"),
            ("poll_abs_waited", "ok"),
            ("poll_first", "1 4"), // the 5 ms timeout fires, the 5 s one does not
            ("poll_stdin", "ESUCCESS 1 5 1 ESUCCESS"),
            ("poll_stdin_nbytes_ok", "ok"),
            ("stdin", "hello|"),
            ("poll_stdout", "ESUCCESS 1 7 2 ESUCCESS"),
            ("poll_badfd", "ESUCCESS 1 8 1 EBADF"),
            ("advise", "ESUCCESS ESUCCESS ESUCCESS EINVAL"),
            ("allocate", "ESUCCESS 4096"),
            ("set_size", "ESUCCESS"),
            ("datasync", "ESUCCESS"),
            ("sync", "ESUCCESS"),
            ("set_flags_append", "ESUCCESS first|second|"),
            ("get_flags", "5"), // append | nonblock
            ("set_flags_bad", "EINVAL"),
            ("rights_narrowed", "ESUCCESS 1 0"),
            ("rights_write", "ENOTCAPABLE"),
            ("renumber", "ESUCCESS EBADF target|"),
            ("renumber_bad", "EBADF"),
            ("readlink", "ESUCCESS target.txt 10"),
            ("readlink_short", "ESUCCESS tar 3"), // truncated to the buffer
            ("readlink_file", "EINVAL"),
        ],
    );
    check(
        &out,
        std::fs::read(rw.join("data.txt")).ok().as_deref() == Some(b"first\nsecond\n"),
        "rw/data.txt must hold exactly what the guest wrote",
    );
    check(
        &out,
        std::fs::read(rw.join("target.txt")).ok().as_deref() == Some(b"target\n"),
        "rw/target.txt is unchanged",
    );
}

/// A TCP port on 127.0.0.1 that is free now, below the kernel's ephemeral range (so
/// nothing else is handed it meanwhile, and connecting to it cannot connect to
/// itself).
fn free_port() -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .unwrap_or_else(|_| "32768 60999".into());
    let low: u16 = range
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32768);
    let base = low.saturating_sub(20_000).max(1024);
    let start = (std::process::id() as u16).wrapping_mul(7) % 9_000;
    for i in 0..9_000u16 {
        let port = base + (start + i) % 9_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free TCP port below {low}");
}

#[test]
fn sockets_accept_recv_send_shutdown() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let exe = build_ok(&wasi_program("sockets.c", &[]), &["--listen", &listen]);
    let peer = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let mut s = loop {
            match std::net::TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) if s.local_addr().ok() != s.peer_addr().ok() => break s,
                Ok(_) => {}
                Err(e) if start.elapsed() > Duration::from_secs(20) => {
                    panic!("cannot connect to the executable's listener: {e}")
                }
                Err(_) => {}
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        s.write_all(b"ping").expect("send ping");
        // End-of-stream arrives when the guest shuts its write side down, while it
        // still runs (it waits for us to close before exiting).
        let mut got = Vec::new();
        s.read_to_end(&mut got)
            .expect("read until the guest's shutdown");
        got
    });
    let out = Run::new(&exe).timeout(Duration::from_secs(30)).output();
    let received = peer.join().expect("peer");
    assert_clean_exit(&out);
    assert_success(&out);
    assert_facts(
        &out,
        &[
            ("accept_nonblock", "EAGAIN"),
            ("accept", "ESUCCESS"),
            ("filetype", "6 0"),
            ("peek", "ESUCCESS 4 ping"),
            ("recv", "ESUCCESS 4 ping"),
            ("send", "ESUCCESS 4"),
            ("shutdown", "ESUCCESS"),
            ("shutdown_bad", "EINVAL"),
            ("eof", "ESUCCESS 0"),
            // Kind before rights, as Wasmtime (issue 11): stdio is no socket.
            ("shutdown_stdout", "ENOTSOCK"),
        ],
    );
    check(
        &out,
        received == b"pong",
        "the peer receives exactly \"pong\"",
    );
}

// ---------------------------------------------------------------------------------
// The README's conformance table
// ---------------------------------------------------------------------------------

/// Rows of the table under `## WASI preview1 conformance`: (function, status, tests).
fn readme_rows() -> Vec<(String, String, Vec<String>)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## WASI preview1 conformance\n")
        .nth(1)
        .expect("README has a `## WASI preview1 conformance` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    // The function table comes before the section's `### Differences from Wasmtime`.
    let section = section.split("\n### ").next().unwrap_or(section);
    let mut rows = Vec::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `name` | status | tests |
        if cells.len() < 5 || !cells[1].starts_with('`') {
            continue;
        }
        let tests = cells[3]
            .split(',')
            .map(|t| t.trim().trim_matches('`').to_string())
            .filter(|t| !t.is_empty())
            .collect();
        rows.push((
            cells[1].trim_matches('`').to_string(),
            cells[2].to_string(),
            tests,
        ));
    }
    rows
}

#[test]
fn readme_conformance_table_matches_contract_and_tests() {
    let rows = readme_rows();
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let contract: Vec<&str> = aotc_abi::wasi::WASI_FUNCTIONS
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(
        names, contract,
        "the README table must list the contract's 46 functions in its order"
    );
    let mut problems = Vec::new();
    for (name, status, tests) in &rows {
        let ready = aotc_abi::wasi::find(name).is_some_and(|f| f.ready);
        let want = if ready { "implemented" } else { "not yet" };
        if status != want {
            problems.push(format!(
                "{name}: status `{status}`, the contract says `{want}`"
            ));
        }
        if tests.is_empty() {
            problems.push(format!("{name}: no test cited"));
        }
        for t in tests {
            let Some((file, test)) = t.split_once("::") else {
                problems.push(format!("{name}: `{t}` is not file::test"));
                continue;
            };
            let src =
                std::fs::read_to_string(tests_path(&format!("{file}.rs"))).unwrap_or_default();
            if !src.contains(&format!("fn {test}()")) {
                problems.push(format!("{name}: tests/{file}.rs has no test `{test}`"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The function table's last column says whether the function differs from Wasmtime:
/// `no`, `not compared (…)`, or `yes (`rule`, …)` naming rules of the README's table
/// of differences (the rules `tests/wasi_diff.rs` and `tests/wasi_gen.rs` enforce).
#[test]
fn readme_wasmtime_column_names_known_rules() {
    let rules = common::wasi_diff::readme_rules();
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## WASI preview1 conformance\n")
        .nth(1)
        .expect("conformance section");
    let section = section.split("\n### ").next().unwrap_or(section);
    let mut problems = Vec::new();
    let mut seen = 0;
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 7 || !cells[1].starts_with('`') {
            continue;
        }
        seen += 1;
        let (name, verdict) = (cells[1], cells[5]);
        if verdict == "no" || verdict.starts_with("not compared (") {
            continue;
        }
        let Some(list) = verdict
            .strip_prefix("yes (")
            .and_then(|v| v.strip_suffix(')'))
        else {
            problems.push(format!(
                "{name}: `{verdict}` is not no / yes (rules) / not compared (why)"
            ));
            continue;
        };
        for rule in list.split(',').map(|r| r.trim().trim_matches('`')) {
            if !rules.contains(rule) {
                problems.push(format!(
                    "{name}: rule `{rule}` is not in the table of differences"
                ));
            }
        }
    }
    assert_eq!(
        seen,
        aotc_abi::wasi::WASI_FUNCTIONS.len(),
        "rows with the Wasmtime column"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
