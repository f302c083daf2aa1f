//! WasmEdge's socket extension behind the manifest's allow-list, over loopback only:
//! `tests/guests/net/netprobe.c` (built for wasm32-wasi through `examples/wasi_socket.h`)
//! tries connects, binds, UDP sends and name lookups, and each result line is checked
//! against what the manifest says (allowed: the real answer; refused: EACCES, 2).
//!
//! Destinations are real listeners the test opens on 127.0.0.0/8 and ::1 (every
//! 127.x.y.z address is local on Linux). Names come from a hosts file the test writes
//! and bind-mounts over /etc/hosts inside a private mount namespace (`unshare -m`), so
//! the runtime's resolver sees them and nothing outside the test does; the DNS
//! rebinding test rewrites that file between two lookups of one process.
//!
//! Also: the examples (HTTP client, UDP echo), many concurrent connections, non-blocking
//! connect, socket options, shutdown, the compile-time checks (a WAMR-typed import is
//! one clear line), `aotc inspect`, and that an executable importing no socket call
//! carries none of the socket code.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

const EACCES: &str = "err 2";

/// The netprobe guest for wasm (cached by its source and the shim's).
fn netprobe_wasm() -> PathBuf {
    let shim = std::fs::read(examples_path("wasi_socket.h")).unwrap();
    let key = format!("-DSHIM_KEY={:x}", fnv64(&[&shim]));
    wasm_from_c(&tests_path("guests/net/netprobe.c"), &[&key])
}

/// An example program (examples/NAME.c) for wasm.
fn example_wasm(name: &str) -> PathBuf {
    wasm_from_c(&examples_path(&format!("{name}.c")), &[])
}

/// A TCP server on `addr` (port 0: any) answering each connection's first line with
/// `hello from PORT`; returns its port.
fn tcp_greeter(addr: &str) -> u16 {
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_ok() {
                    let _ = (&stream).write_all(format!("hello from {port}\n").as_bytes());
                }
            });
        }
    });
    port
}

/// A port on `ip` where nothing listens (bound, then released).
fn closed_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// netprobe compiled with `grants`.
fn probe_exe(grants: &[&str]) -> PathBuf {
    build_ok(&netprobe_wasm(), grants)
}

fn probe(exe: &Path, args: &[&str]) -> Output {
    Run::new(exe)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
}

/// One line of the allow-list table printed by the tests (for the README and notes).
fn table_row(kind: &str, destination: &str, expected: &str, line: &str) {
    eprintln!("| {kind} | {destination} | {expected} | {line} |");
}

/// Runs a connect probe and checks allowed (a reply from the greeter) or refused.
fn expect_connect(exe: &Path, ip: &str, port: u16, allowed: bool, kind: &str) {
    let out = probe(exe, &["connect", ip, &port.to_string()]);
    assert_clean_exit(&out);
    let stdout = out.stdout();
    let first = stdout.lines().next().unwrap_or_default().to_string();
    let shown = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    table_row(
        kind,
        &shown,
        if allowed { "allowed" } else { "refused" },
        &first,
    );
    if allowed {
        check(
            &out,
            first.ends_with(" ok") && stdout.contains(&format!("reply hello from {port}")),
            &format!("connect to {ip}:{port} allowed and answered"),
        );
    } else {
        check(
            &out,
            first.ends_with(EACCES) && out.code() == Some(1),
            &format!("connect to {ip}:{port} refused with EACCES"),
        );
    }
}

#[test]
fn connects_are_allowed_exactly_as_the_manifest_says() {
    let exact = tcp_greeter("127.0.0.1:0");
    let other = tcp_greeter("127.0.0.1:0");
    let in_range = tcp_greeter("127.0.9.9:0");
    let outside_range = tcp_greeter("127.1.0.1:0");
    let v6 = tcp_greeter("[::1]:0");
    let (lo, hi) = (in_range.saturating_sub(1), in_range.saturating_add(1));
    let exe = probe_exe(&[
        "--connect",
        &format!("127.0.0.1:{exact}"),
        "--connect",
        &format!("127.0.0.0/16:{lo}-{hi}"),
        "--connect",
        &format!("[::1]:{v6}"),
    ]);
    eprintln!("| kind | destination | manifest says | probe printed |");
    eprintln!("|---|---|---|---|");
    expect_connect(
        &exe,
        "127.0.0.1",
        exact,
        true,
        "exact IPv4 address and port",
    );
    if other < lo || other > hi {
        expect_connect(
            &exe,
            "127.0.0.1",
            other,
            false,
            "granted address, other port",
        );
    }
    expect_connect(
        &exe,
        "127.0.9.9",
        in_range,
        true,
        "CIDR range 127.0.0.0/16, port range",
    );
    expect_connect(
        &exe,
        "127.1.0.1",
        outside_range,
        false,
        "address outside the CIDR range",
    );
    expect_connect(&exe, "::1", v6, true, "exact IPv6 address and port");
    // 0.0.0.0 reaches the local host on Linux: it is judged as 127.0.0.1.
    expect_connect(
        &exe,
        "0.0.0.0",
        exact,
        true,
        "unspecified address, judged as loopback",
    );
    if outside_range != exact && !(lo..=hi).contains(&outside_range) {
        expect_connect(
            &exe,
            "0.0.0.0",
            outside_range,
            false,
            "unspecified address, port not granted",
        );
    }
    expect_connect(
        &exe,
        "::1",
        exact,
        false,
        "IPv6 address, port not granted for it",
    );
    // An IPv4-mapped IPv6 address is its IPv4 address for the allow-list.
    let out = probe(
        &exe,
        &["connect", "::ffff:127.1.0.1", &outside_range.to_string()],
    );
    table_row(
        "IPv4-mapped IPv6 form of a refused address",
        &format!("[::ffff:127.1.0.1]:{outside_range}"),
        "refused",
        out.stdout().lines().next().unwrap_or_default(),
    );
    check(
        &out,
        out.stdout().contains(EACCES),
        "mapped address refused",
    );
    // Nothing granted: not even a socket.
    let none = probe_exe(&[]);
    let out = probe(&none, &["connect", "127.0.0.1", &exact.to_string()]);
    table_row(
        "no network grant at all",
        &format!("127.0.0.1:{exact}"),
        "refused (sock_open)",
        out.stdout().lines().next().unwrap_or_default(),
    );
    check(
        &out,
        out.stdout().starts_with("socket 127.0.0.1") && out.stdout().contains(EACCES),
        "sock_open refused without grants",
    );
}

#[test]
fn udp_sends_go_only_to_granted_destinations() {
    let echo = UdpSocket::bind("127.0.0.1:0").unwrap();
    let echo_port = echo.local_addr().unwrap().port();
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sink_port = sink.local_addr().unwrap().port();
    sink.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = echo.recv_from(&mut buf) {
            let _ = echo.send_to(&buf[..n], from);
        }
    });
    let exe = probe_exe(&["--connect", &format!("127.0.0.1:{echo_port}")]);
    let out = probe(
        &exe,
        &["udp-send", "127.0.0.1", &echo_port.to_string(), "hi-udp"],
    );
    assert_success(&out);
    let stdout = out.stdout();
    check(
        &out,
        stdout.contains(&format!("sendto 127.0.0.1:{echo_port} ok"))
            && stdout.contains(&format!("recvfrom 127.0.0.1:{echo_port} hi-udp")),
        "UDP echo through a granted destination, sender's port as a value",
    );
    table_row(
        "UDP send_to granted",
        &format!("127.0.0.1:{echo_port}"),
        "allowed",
        stdout.lines().next().unwrap(),
    );
    let out = probe(
        &exe,
        &["udp-send", "127.0.0.1", &sink_port.to_string(), "leak"],
    );
    check(
        &out,
        out.stdout()
            .contains(&format!("sendto 127.0.0.1:{sink_port} {EACCES}")),
        "UDP send_to refused",
    );
    table_row(
        "UDP send_to not granted",
        &format!("127.0.0.1:{sink_port}"),
        "refused",
        out.stdout().lines().next().unwrap(),
    );
    let mut buf = [0u8; 64];
    assert!(
        sink.recv_from(&mut buf).is_err(),
        "a refused datagram arrived"
    );
}

#[test]
fn binds_and_listeners_follow_the_bind_rules() {
    let exe = probe_exe(&["--bind", "127.0.0.1:*", "--bind", "[::1]:0"]);
    let out = probe(&exe, &["bind", "127.0.0.1", "0"]);
    assert_success(&out);
    check(
        &out,
        out.stdout()
            .starts_with("bind 127.0.0.1:0 ok local 127.0.0.1:"),
        "bind to a granted address, port picked by the kernel",
    );
    table_row("bind", "127.0.0.1:0", "allowed", out.stdout().trim());
    let out = probe(&exe, &["bind", "0.0.0.0", "0"]);
    check(&out, out.stdout().contains(EACCES), "wildcard bind refused");
    table_row("bind", "0.0.0.0:0", "refused", out.stdout().trim());
    let port = closed_port("::1");
    let out = probe(&exe, &["bind", "::1", &port.to_string()]);
    check(
        &out,
        out.stdout().contains(EACCES),
        "IPv6 bind to a port not granted refused",
    );
    table_row(
        "bind",
        &format!("[::1]:{port}"),
        "refused",
        out.stdout().trim(),
    );
    // Connecting is another grant.
    let target = tcp_greeter("127.0.0.1:0");
    let out = probe(&exe, &["connect", "127.0.0.1", &target.to_string()]);
    check(
        &out,
        out.stdout().contains(EACCES),
        "bind grants do not allow connects",
    );
}

#[test]
fn many_concurrent_connections_are_echoed() {
    const CLIENTS: usize = 40;
    let exe = probe_exe(&["--bind", "127.0.0.1:*"]);
    let mut child = Command::new(&exe)
        .args(["listen-echo", "127.0.0.1", "0", &CLIENTS.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let addr = addr.clone();
            thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let msg = format!("client {i} {}\n", "x".repeat(i * 997));
                s.write_all(msg.as_bytes()).unwrap();
                s.shutdown(std::net::Shutdown::Write).unwrap();
                let mut back = String::new();
                s.read_to_string(&mut back).unwrap();
                assert_eq!(back, msg, "client {i}");
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "listen-echo failed: {rest:?}");
    assert_eq!(
        rest.last().map(String::as_str),
        Some(&*format!("done {CLIENTS}"))
    );
    assert_eq!(
        rest.iter().filter(|l| l.starts_with("accepted ")).count(),
        CLIENTS
    );
}

#[test]
fn nonblocking_connect_reports_progress_and_the_pending_error() {
    let open = tcp_greeter("127.0.0.1:0");
    let closed = closed_port("127.0.0.1");
    let exe = probe_exe(&["--connect", "127.0.0.1:*"]);
    let out = probe(&exe, &["nonblock-connect", "127.0.0.1", &open.to_string()]);
    assert_success(&out);
    check(
        &out,
        out.stdout().contains("so_error 0") && out.stdout().contains("poll revents="),
        "a non-blocking connect completes (EINPROGRESS or at once), then SO_ERROR 0",
    );
    let out = probe(
        &exe,
        &["nonblock-connect", "127.0.0.1", &closed.to_string()],
    );
    check(
        &out,
        out.stdout().contains("so_error 14") || out.stdout().contains("err 14"),
        "a refused non-blocking connect reports ECONNREFUSED (14)",
    );
}

#[test]
fn socket_options_real_clients_set() {
    let port = tcp_greeter("127.0.0.1:0");
    let exe = probe_exe(&["--connect", "127.0.0.1:*"]);
    let out = probe(&exe, &["sockopts", "127.0.0.1", &port.to_string()]);
    let stdout = out.stdout();
    for want in [
        "SO_REUSEADDR=1",
        "SO_KEEPALIVE=1",
        "SO_TYPE=",
        "SO_ERROR=0",
        "TCP_NODELAY=1",
    ] {
        check(&out, stdout.contains(want), want);
    }
    check(&out, !stdout.contains(" err "), "every option works");
}

#[test]
fn shutdown_of_the_write_side_lets_the_peer_finish() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        s.write_all(&got).unwrap();
        s.write_all(b"and goodbye\n").unwrap();
    });
    let exe = probe_exe(&["--connect", &format!("127.0.0.1:{port}")]);
    let out = probe(&exe, &["shutdown", "127.0.0.1", &port.to_string()]);
    assert_success(&out);
    check(
        &out,
        out.stdout().contains("shutdown ok") && out.stdout().contains("bye\\nand goodbye\\n"),
        "the peer saw EOF and answered",
    );
}

/// The shell step run inside `unshare -m`: bind-mount `$0` over /etc/hosts, then exec
/// the rest of the arguments.
const MOUNT_HOSTS: &str = "mount --bind \"$0\" /etc/hosts && exec \"$@\"";

/// `exe args` in a private mount namespace whose /etc/hosts is `hosts`.
fn with_hosts(hosts: &Path, exe: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("unshare");
    c.args(["-m", "--", "sh", "-c", MOUNT_HOSTS])
        .arg(hosts)
        .arg(exe)
        .args(args);
    c
}

fn hosts_file(name: &str, text: &str) -> PathBuf {
    let dir = scratch_root().join("net-hosts");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn namespaced(hosts: &Path, exe: &Path, args: &[&str]) -> Output {
    Run::new("unshare")
        .args(["-m", "--", "sh", "-c", MOUNT_HOSTS])
        .arg(hosts)
        .arg(exe)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
}

/// Whether this machine lets the test make a mount namespace (root, as CI is).
fn namespaces_work() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let hosts = hosts_file("probe", "127.0.0.1 localhost\n");
        with_hosts(&hosts, Path::new("true"), &[])
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn names_resolve_only_when_allowed_and_reach_only_their_addresses() {
    assert!(
        namespaces_work(),
        "`unshare -m` with a bind mount is needed (run the tests as root)"
    );
    let a = tcp_greeter("127.0.0.2:0");
    let b = tcp_greeter("127.0.0.3:0");
    let stranger = tcp_greeter("127.0.0.4:0");
    let hosts = hosts_file(
        "names",
        "127.0.0.2 multi.test\n127.0.0.3 multi.test\n127.0.0.4 other.test\n127.0.0.5 lookup-only.test\n",
    );
    let exe = probe_exe(&[
        "--connect",
        &format!("multi.test:{}-{}", a.min(b), a.max(b)),
        "--resolve",
        "lookup-only.test",
    ]);
    // A permitted name: both addresses, each reachable on the granted ports.
    let out = namespaced(
        &hosts,
        &exe,
        &["connect-name", "multi.test", &a.to_string()],
    );
    let stdout = out.stdout();
    check(
        &out,
        stdout.contains(&format!("connect 127.0.0.2:{a} ok"))
            && stdout.contains(&format!("reply hello from {a}")),
        "the first address of a permitted name is reachable",
    );
    table_row(
        "name granted by --connect",
        &format!("multi.test:{a}"),
        "allowed",
        &stdout.replace('\n', "; "),
    );
    let out = namespaced(&hosts, &exe, &["resolve", "multi.test"]);
    check(
        &out,
        out.stdout().contains("resolve multi.test 127.0.0.2")
            && out.stdout().contains("resolve multi.test 127.0.0.3"),
        "a name with several addresses resolves to all of them",
    );
    // A name that is not granted is not even looked up.
    let out = namespaced(&hosts, &exe, &["resolve", "other.test"]);
    check(
        &out,
        out.stdout()
            .contains(&format!("resolve other.test {EACCES}")),
        "other.test refused",
    );
    table_row(
        "name not granted",
        "other.test",
        "refused (lookup)",
        out.stdout().trim(),
    );
    // --resolve: looked up, not connectable.
    let out = namespaced(
        &hosts,
        &exe,
        &["connect-name", "lookup-only.test", &stranger.to_string()],
    );
    check(
        &out,
        out.stdout().contains("127.0.0.5") && out.stdout().contains(EACCES),
        "a --resolve name resolves but is not connectable",
    );
    table_row(
        "name granted by --resolve only",
        &format!("lookup-only.test:{stranger}"),
        "resolved, connect refused",
        &out.stdout().replace('\n', "; "),
    );
    // The address of a permitted name, by IP, without a lookup first: refused.
    let out = namespaced(&hosts, &exe, &["connect", "127.0.0.2", &a.to_string()]);
    check(
        &out,
        out.stdout().contains(EACCES),
        "an address is reachable through a name only after the lookup",
    );
    table_row(
        "address of a granted name, no lookup",
        &format!("127.0.0.2:{a}"),
        "refused",
        out.stdout().trim(),
    );
}

#[test]
fn a_name_whose_answer_changes_stays_pinned_to_its_first_answer() {
    assert!(
        namespaces_work(),
        "`unshare -m` with a bind mount is needed"
    );
    let hosts = hosts_file("rebind", "127.0.0.6 rebind.test\n");
    let exe = probe_exe(&["--connect", "rebind.test:*"]);
    let mut child = with_hosts(&hosts, &exe, &["resolve-twice", "rebind.test"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut before = Vec::new();
    loop {
        let l = lines.next().unwrap().unwrap();
        if l == "waiting" {
            break;
        }
        before.push(l);
    }
    // The attacker's second answer: an address the first one did not have.
    std::fs::write(&hosts, "127.0.0.7 rebind.test\n").unwrap();
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let after: Vec<String> = lines.map(|l| l.unwrap()).collect();
    child.wait().unwrap();
    assert_eq!(before, ["resolve rebind.test 127.0.0.6"]);
    assert_eq!(
        after,
        ["resolve rebind.test 127.0.0.6"],
        "the second lookup must repeat the first answer"
    );
    table_row(
        "name whose answer changes (rebinding)",
        "rebind.test",
        "pinned to the first answer",
        &format!("{before:?} then {after:?}"),
    );
}

#[test]
fn the_http_client_example_fetches_a_page() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        let req = String::from_utf8_lossy(&req).to_string();
        let body = format!("you asked for {}", req.lines().next().unwrap_or(""));
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    let exe = build_ok(
        &example_wasm("http-get"),
        &["--connect", &format!("127.0.0.1:{port}")],
    );
    let out = Run::new(&exe)
        .args(["127.0.0.1", &port.to_string(), "/hello.txt"])
        .timeout(Duration::from_secs(30))
        .output();
    assert_success(&out);
    assert_eq!(out.stdout(), "you asked for GET /hello.txt HTTP/1.1");
    check(
        &out,
        out.stderr().contains("HTTP/1.1 200 OK"),
        "status line on stderr",
    );
    // The same client without the grant: one line naming the refusal, exit 1.
    let refused = build_ok(&example_wasm("http-get"), &["--connect", "127.0.0.1:1"]);
    let out = Run::new(&refused)
        .args(["127.0.0.1", &port.to_string(), "/"])
        .timeout(Duration::from_secs(30))
        .output();
    assert_exit(&out, 1);
    check(
        &out,
        out.stderr().contains("Permission denied"),
        "refusal is EACCES",
    );
}

#[test]
fn the_udp_echo_example_runs_on_both_sides() {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let wasm = example_wasm("udp-echo");
    // A UDP server's replies are sends like any other: its clients' addresses need a
    // --connect rule.
    let server = build_ok(
        &wasm,
        &[
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--connect",
            "127.0.0.1:*",
        ],
    );
    let client = build_ok(&wasm, &["--connect", &format!("127.0.0.1:{port}")]);
    let mut srv = Command::new(&server)
        .args(["server", "127.0.0.1", &port.to_string(), "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut srv_lines = BufReader::new(srv.stdout.take().unwrap()).lines();
    let first = srv_lines.next().unwrap().unwrap();
    assert_eq!(
        first,
        format!("udp-echo: serving 2 datagrams on 127.0.0.1:{port}")
    );
    let out = Run::new(&client)
        .args(["client", "127.0.0.1", &port.to_string(), "alpha", "beta"])
        .timeout(Duration::from_secs(30))
        .output();
    assert_success(&out);
    assert_eq!(
        out.stdout(),
        format!("echo from 127.0.0.1:{port}: alpha\necho from 127.0.0.1:{port}: beta\n")
    );
    let rest: Vec<String> = srv_lines.map(|l| l.unwrap()).collect();
    assert!(srv.wait().unwrap().success());
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert!(
        rest.iter().all(|l| l.starts_with("from 127.0.0.1:")),
        "{rest:?}"
    );
}

#[test]
fn a_wamr_typed_socket_import_is_one_clear_compile_error() {
    let dir = tempdir();
    let wat = dir.path().join("wamr.wat");
    std::fs::write(
        &wat,
        "(module (import \"wasi_snapshot_preview1\" \"sock_open\" (func (param i32 i32 i32 i32) (result i32)))\
         (memory 1) (func (export \"_start\")))",
    )
    .unwrap();
    let out = aotc([
        wat.to_str().unwrap(),
        "-o",
        dir.path().join("x").to_str().unwrap(),
    ]);
    let msg = assert_aotc_error_mentions(&out, &["sock_open", "(i32, i32, i32) -> (i32)", "WAMR"]);
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
fn inspect_shows_the_network_grants() {
    let exe = probe_exe(&[
        "--connect",
        "10.0.0.0/8:443",
        "--connect",
        "API.example.com:*",
        "--bind",
        "127.0.0.1:8000-8100",
        "--resolve",
        "*.svc.test",
    ]);
    let out = aotc(["inspect", exe.to_str().unwrap()]);
    assert_success(&out);
    let text = out.stdout();
    assert!(
        text.contains("connect to (TCP, UDP): 10.0.0.0/8:443, api.example.com:*"),
        "{text}"
    );
    assert!(
        text.contains("bind to (own listeners, UDP): 127.0.0.1:8000-8100"),
        "{text}"
    );
    assert!(text.contains("resolve names: *.svc.test"), "{text}");
}

#[test]
fn executables_without_socket_imports_carry_no_socket_code() {
    let dir = tempdir();
    let wat = dir.path().join("hello.wat");
    std::fs::write(
        &wat,
        "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\
         (memory 1) (func (export \"_start\") i32.const 0 call $exit))",
    )
    .unwrap();
    let plain = build_ok(&wat, &["--connect", "127.0.0.1:80"]);
    let symbols = |exe: &Path| {
        let out = Command::new("nm").arg(exe).output().unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let plain_syms = symbols(&plain);
    for absent in [
        "aotc_wasi_sock_open",
        "aotc_wasi_sock_getaddrinfo",
        "getaddrinfo",
    ] {
        assert!(
            !plain_syms.contains(absent),
            "{absent} linked into a module that imports no socket call"
        );
    }
    let probe_syms = symbols(&probe_exe(&["--connect", "127.0.0.1:80"]));
    for present in [
        "aotc_wasi_sock_open",
        "aotc_wasi_sock_getaddrinfo",
        "getaddrinfo",
    ] {
        assert!(
            probe_syms.contains(present),
            "{present} missing from netprobe"
        );
    }
}

#[test]
fn a_rust_guest_uses_the_crates_import_forms() {
    // Debian's rustc with its wasm32 std (installed by the Rust guests' script).
    let install = Run::new("sh")
        .inherit_env()
        .arg(tests_path("guests/rust/install.sh"))
        .timeout(Duration::from_secs(600))
        .output();
    assert_success(&install);
    let target = if Path::new("/usr/lib/rustlib/wasm32-wasi").is_dir() {
        "wasm32-wasi"
    } else {
        "wasm32-wasip1"
    };
    let wasm = scratch_root().join("wasmedge_forms.wasm");
    let rustc = Run::new("/usr/bin/rustc")
        .inherit_env()
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "--target",
            target,
            "-C",
            "opt-level=2",
            "--edition",
            "2021",
            "-D",
            "warnings",
        ])
        .arg(tests_path("guests/net/wasmedge_forms.rs"))
        .arg("-o")
        .arg(&wasm)
        .timeout(Duration::from_secs(300))
        .output();
    assert_success(&rustc);
    let exe = build_ok(
        &wasm,
        &[
            "--bind",
            "127.0.0.1:*",
            "--connect",
            "127.0.0.1:*",
            "--resolve",
            "localhost",
        ],
    );
    let out = Run::new(&exe).timeout(Duration::from_secs(30)).output();
    assert_stdout(
        &out,
        "listener ok 127.0.0.1 type 4\n\
         accept ok peer 127.0.0.1 type 4 port matches client: true\n\
         client peer port matches listener: true\n\
         server got ping\n\
         client got pong\n\
         udp got datagram from family 1 127.0.0.1 sender port matches: true\n\
         resolve localhost ok 1 first 127.0.0.1 port 80 family 1 socktype 2 len 14\n",
    );
}
