//! Listening sockets granted with `--listen`: `examples/tcp-echo.c` serving real
//! clients over loopback (sequential, concurrent, a client that resets, exact replies,
//! exact log and exit status), the fd numbering (stdio, then `--allow-dir` grants,
//! then listeners in order, manifest before flags), the errnos of the socket calls on
//! every kind of fd (a small probe program whose source is below), and a port already
//! in use at start-up (exit 125, one line).
//!
//! Every server is started on 127.0.0.1 at a port that was free a moment before
//! (bound to port 0 and released); if another process takes it first the executable
//! exits 125 with "Address already in use" and the test retries with a new port.
//! Clients and servers run under timeouts; a server still running when its test ends
//! is killed.

mod common;

use common::*;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Barrier;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a server may take to print its first line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to finish once its clients are done.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connect, read and write timeout of every test client.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
/// Attempts at finding a free port before giving up.
const PORT_ATTEMPTS: usize = 5;

/// WASI errnos the runtime answers (wasi-rt/src/errno.rs).
const EAGAIN: u16 = 6;
const EBADF: u16 = 8;
const EFAULT: u16 = 21;
const EINVAL: u16 = 28;
const ENOTSOCK: u16 = 57;
const EPIPE: u16 = 64;
const ENOTCAPABLE: u16 = 76;

/// Rights of a listening socket (base) and of what it accepts (its inheriting
/// rights), as `fd_fdstat_get` reports them: sock_accept | poll_fd_readwrite |
/// fd_filestat_get | fd_fdstat_set_flags, and fd_read | fd_write | sock_shutdown |
/// poll_fd_readwrite | fd_filestat_get | fd_fdstat_set_flags.
const LISTENER_RIGHTS: u64 = 0x2820_0008;
const SOCKET_RIGHTS: u64 = 0x1820_004a;

/// A guest that runs the WASI socket calls named by its arguments, one output line
/// each (`<command>: ok …` or `<command>: errno N`), so errnos are the runtime's own.
/// Commands are `NAME:FD[:ARG[:ARG]]`; FD `A` is the fd of the last successful accept.
const PROBE_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static __wasi_fd_t last = (__wasi_fd_t)-1;

static __wasi_fd_t fd_arg(const char *s) {
    return strcmp(s, "A") == 0 ? last : (__wasi_fd_t)strtoul(s, NULL, 0);
}

static unsigned long num(const char *s) { return s ? strtoul(s, NULL, 0) : 0; }

static void quoted(const uint8_t *b, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
            putchar(b[i]);
        else
            printf("\\x%02x", b[i]);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        char cmd[200];
        snprintf(cmd, sizeof cmd, "%s", argv[i]);
        char *f[4] = {0};
        int nf = 0;
        for (char *p = strtok(cmd, ":"); p && nf < 4; p = strtok(NULL, ":"))
            f[nf++] = p;
        printf("%s: ", argv[i]);
        __wasi_fd_t fd = nf > 1 ? fd_arg(f[1]) : 0;
        uint8_t buf[256];
        __wasi_errno_t e;
        if (strcmp(f[0], "accept") == 0 || strcmp(f[0], "accept-badptr") == 0) {
            __wasi_fd_t out = 0;
            __wasi_fd_t *outp = f[0][6] ? (__wasi_fd_t *)0xfffffff0u : &out;
            e = __wasi_sock_accept(fd, (__wasi_fdflags_t)num(f[2]), outp);
            if (e == 0) {
                last = out;
                printf("ok fd=%d\n", out);
                continue;
            }
        } else if (strcmp(f[0], "recv") == 0 || strcmp(f[0], "read") == 0) {
            __wasi_iovec_t iov = {.buf = buf, .buf_len = sizeof buf};
            __wasi_size_t n = 0;
            __wasi_roflags_t ro = 0;
            e = f[0][0] == 'r' && f[0][2] == 'c'
                    ? __wasi_sock_recv(fd, &iov, 1, (__wasi_riflags_t)num(f[2]), &n, &ro)
                    : __wasi_fd_read(fd, &iov, 1, &n);
            if (e == 0) {
                printf("ok ");
                quoted(buf, n);
                printf(" roflags=%u\n", ro);
                continue;
            }
        } else if (strcmp(f[0], "send") == 0 || strcmp(f[0], "write") == 0) {
            const char *t = nf > 2 ? f[2] : "";
            size_t tl = strlen(t);
            memcpy(buf, t, tl);
            buf[tl++] = '\n';
            __wasi_ciovec_t iov = {.buf = buf, .buf_len = tl};
            __wasi_size_t n = 0;
            e = f[0][0] == 's' ? __wasi_sock_send(fd, &iov, 1, 0, &n)
                               : __wasi_fd_write(fd, &iov, 1, &n);
            if (e == 0) {
                printf("ok %lu\n", (unsigned long)n);
                continue;
            }
        } else if (strcmp(f[0], "shutdown") == 0) {
            e = __wasi_sock_shutdown(fd, (__wasi_sdflags_t)num(f[2]));
        } else if (strcmp(f[0], "prestat") == 0) {
            __wasi_prestat_t p;
            e = __wasi_fd_prestat_get(fd, &p);
            if (e == 0) {
                printf("ok dir name_len=%lu\n", (unsigned long)p.u.dir.pr_name_len);
                continue;
            }
        } else if (strcmp(f[0], "fdstat") == 0) {
            __wasi_fdstat_t st;
            e = __wasi_fd_fdstat_get(fd, &st);
            if (e == 0) {
                printf("filetype=%u flags=0x%x base=0x%llx inheriting=0x%llx\n", st.fs_filetype,
                       st.fs_flags, (unsigned long long)st.fs_rights_base,
                       (unsigned long long)st.fs_rights_inheriting);
                continue;
            }
        } else if (strcmp(f[0], "setflags") == 0) {
            e = __wasi_fd_fdstat_set_flags(fd, (__wasi_fdflags_t)num(f[2]));
        } else if (strcmp(f[0], "close") == 0) {
            e = __wasi_fd_close(fd);
        } else {
            printf("unknown command\n");
            return 2;
        }
        if (e == 0)
            printf("ok\n");
        else
            printf("errno %u\n", e);
    }
    return 0;
}
"#;

/// `examples/tcp-echo.c` as wasm.
fn tcp_echo() -> PathBuf {
    wasm_from_c(&examples_path("tcp-echo.c"), &[])
}

/// [`PROBE_C`] as wasm (written to the scratch directory, then compiled and cached
/// like every other guest program).
fn probe() -> PathBuf {
    let dir = scratch_root().join("sock-probe");
    std::fs::create_dir_all(&dir).expect("create probe dir");
    let src = dir.join("sock-probe.c");
    if std::fs::read(&src).ok().as_deref() != Some(PROBE_C.as_bytes()) {
        write_atomic(&src, PROBE_C.as_bytes());
    }
    wasm_from_c(&src, &[])
}

/// `n` distinct loopback ports that were free a moment ago.
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("local addr").port())
        .collect()
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// The line the runtime prints when a listen address is taken.
fn addr_in_use_line(exe: &Path, port: u16) -> String {
    format!(
        "{}: error: cannot listen on '127.0.0.1:{port}': Address already in use\n",
        exe.display()
    )
}

// ---------------------------------------------------------------------------------
// A running executable whose stdout is read line by line while it runs
// ---------------------------------------------------------------------------------

struct Server {
    child: Child,
    cmdline: String,
    cwd: tempfile::TempDir,
    lines: Receiver<String>,
    /// Stdout lines received so far, each with its "\n".
    stdout: Vec<String>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Server {
    /// Starts `exe args…` in a fresh directory with an empty environment.
    fn spawn(exe: &Path, args: &[&str]) -> Server {
        let cwd = tempdir();
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .current_dir(cwd.path())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let cmdline = std::iter::once(exe.as_os_str())
            .chain(args.iter().map(OsStr::new))
            .map(shell_quote)
            .collect::<Vec<_>>()
            .join(" ");
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{cmdline}`: {e}"));
        let out = child.stdout.take().expect("stdout piped");
        let mut err = child.stderr.take().expect("stderr piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(out);
            loop {
                let mut line = Vec::new();
                match out.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx
                            .send(String::from_utf8_lossy(&line).into_owned())
                            .is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = err.read_to_end(&mut v);
            v
        });
        Server {
            child,
            cmdline,
            cwd,
            lines,
            stdout: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Waits for one more stdout line; false at end of output or after `timeout`.
    fn next_line(&mut self, timeout: Duration) -> bool {
        match self.lines.recv_timeout(timeout) {
            Ok(l) => {
                self.stdout.push(l);
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Waits until the program has printed the line `want` (without "\n"); kills it
    /// and fails with everything it did if it does not within `timeout`.
    #[track_caller]
    fn wait_for_line(&mut self, want: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.stdout.iter().any(|l| l.trim_end_matches('\n') == want) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !self.next_line(left) {
                let out = self.kill_and_collect();
                panic!(
                    "expected the line {want:?} within {timeout:?}\n{}",
                    out.describe()
                );
            }
        }
    }

    /// Waits for the process to exit (killing it and failing after `timeout`) and
    /// returns everything it did.
    #[track_caller]
    fn finish(&mut self, timeout: Duration) -> Output {
        let start = Instant::now();
        loop {
            if self.child.try_wait().expect("wait for child").is_some() {
                return self.collect();
            }
            if start.elapsed() > timeout {
                let out = self.kill_and_collect();
                panic!(
                    "still running after {timeout:?}: killed\n{}",
                    out.describe()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn kill_and_collect(&mut self) -> Output {
        let _ = self.child.kill();
        self.collect()
    }

    /// Reaps the (exited or killed) child and gathers its output.
    fn collect(&mut self) -> Output {
        let status = self.child.wait().expect("wait for child");
        while self.next_line(Duration::from_secs(5)) {}
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        Output {
            cmdline: self.cmdline.clone(),
            cwd: self.cwd.path().to_path_buf(),
            status,
            stdout: self.stdout.concat().into_bytes(),
            stderr,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Compiles `wasm` with `flags` plus `--listen 127.0.0.1:P` for `listens` fresh ports
/// P (after `flags`), starts it with `args` and waits for its first stdout line: the
/// runtime opens every listener before the guest runs, so by then they all listen.
/// Retries with new ports when one was taken meanwhile.
fn start(wasm: &Path, flags: &[&str], listens: usize, args: &[&str]) -> (Server, Vec<u16>) {
    for attempt in 1..=PORT_ATTEMPTS {
        let ports = free_ports(listens);
        let listen_args: Vec<String> = ports
            .iter()
            .flat_map(|p| ["--listen".to_string(), format!("127.0.0.1:{p}")])
            .collect();
        let mut all: Vec<&str> = flags.to_vec();
        all.extend(listen_args.iter().map(String::as_str));
        let exe = build_ok(wasm, &all);
        let mut server = Server::spawn(&exe, args);
        if server.next_line(STARTUP_TIMEOUT) {
            return (server, ports);
        }
        let out = server.finish(EXIT_TIMEOUT);
        let taken = out.code() == Some(125) && out.stderr().contains("Address already in use");
        if !taken || attempt == PORT_ATTEMPTS {
            panic!("the server did not start\n{}", out.describe());
        }
        eprintln!("NOTE a port was taken between choosing and binding it; retrying");
    }
    unreachable!("the loop returns or panics")
}

/// A client connected to 127.0.0.1:`port`, with timeouts.
fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect_timeout(&loopback(port), CLIENT_TIMEOUT)
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
    s.set_read_timeout(Some(CLIENT_TIMEOUT)).expect("timeout");
    s.set_write_timeout(Some(CLIENT_TIMEOUT)).expect("timeout");
    s
}

/// Sends `request` (then shuts the write side if `shut_write`) and reads the whole
/// answer, up to the server closing the connection.
fn exchange_on(mut s: TcpStream, request: &[u8], shut_write: bool) -> String {
    s.write_all(request).expect("send request");
    if shut_write {
        s.shutdown(Shutdown::Write).expect("shutdown write");
    }
    let mut answer = Vec::new();
    s.read_to_end(&mut answer)
        .unwrap_or_else(|e| panic!("reading the answer to {request:?}: {e}"));
    String::from_utf8(answer).expect("answer is UTF-8")
}

fn exchange(port: u16, request: &[u8], shut_write: bool) -> String {
    exchange_on(connect(port), request, shut_write)
}

// ---------------------------------------------------------------------------------
// tcp-echo
// ---------------------------------------------------------------------------------

#[test]
fn tcp_echo_serves_sequential_and_concurrent_clients() {
    let (mut server, ports) = start(&tcp_echo(), &[], 1, &["7"]);
    let port = ports[0];

    assert_eq!(exchange(port, b"hello\n", false), "echo: hello\n");
    assert_eq!(exchange(port, b"two words\r\n", false), "echo: two words\n");
    // No newline: the line ends where the client shuts its side down.
    assert_eq!(exchange(port, b"no newline", true), "echo: no newline\n");

    // Three clients connected at once; the server takes them one at a time from the
    // backlog, and each gets its own answer.
    let names = ["client-a", "client-b", "client-c"];
    let barrier = Barrier::new(names.len());
    std::thread::scope(|scope| {
        for name in names {
            let barrier = &barrier;
            scope.spawn(move || {
                let s = connect(port);
                barrier.wait();
                let answer = exchange_on(s, format!("{name}\n").as_bytes(), false);
                assert_eq!(answer, format!("echo: {name}\n"));
            });
        }
    });

    // A client that closes without sending gets nothing.
    assert_eq!(exchange(port, b"", true), "");

    let out = server.finish(EXIT_TIMEOUT);
    assert_clean_exit(&out);
    assert_success(&out);
    check(&out, out.stderr.is_empty(), "nothing on stderr");
    let stdout = out.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    check(&out, lines.len() == 9, "9 log lines");
    let expect_at = |i: usize, want: &str| {
        check(
            &out,
            lines[i] == want,
            &format!("log line {}: {want:?}", i + 1),
        );
    };
    expect_at(0, "tcp-echo: accepting connections on fd 3");
    expect_at(1, r#"conn 1: "hello" -> "echo: hello""#);
    expect_at(2, r#"conn 2: "two words" -> "echo: two words""#);
    expect_at(3, r#"conn 3: "no newline" -> "echo: no newline""#);
    // The concurrent clients were served in an order of the kernel's choosing.
    let mut concurrent: Vec<String> = Vec::new();
    for (i, line) in lines[4..7].iter().enumerate() {
        let prefix = format!("conn {}: ", i + 4);
        check(
            &out,
            line.starts_with(&prefix),
            &format!("starts with {prefix:?}"),
        );
        concurrent.push(line[prefix.len()..].to_string());
    }
    concurrent.sort();
    let want: Vec<String> = names
        .iter()
        .map(|n| format!(r#""{n}" -> "echo: {n}""#))
        .collect();
    check(
        &out,
        concurrent == want,
        "one log line per concurrent client",
    );
    expect_at(7, "conn 7: closed without a line");
    expect_at(8, "tcp-echo: served 7 connections");
}

#[test]
fn tcp_echo_survives_a_client_that_resets() {
    let (mut server, ports) = start(&tcp_echo(), &[], 1, &["3"]);
    let port = ports[0];
    // The first client keeps the server busy while the second connects and resets
    // (SO_LINGER 0: close sends RST) in the backlog.
    let first = connect(port);
    let second = connect(port);
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a socket we own, with a linger struct of matching size.
    let rc = unsafe {
        libc::setsockopt(
            second.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt SO_LINGER");
    drop(second);
    assert_eq!(exchange_on(first, b"first\n", false), "echo: first\n");
    assert_eq!(exchange(port, b"third\n", false), "echo: third\n");

    let out = server.finish(EXIT_TIMEOUT);
    assert_clean_exit(&out);
    assert_success(&out);
    assert_stdout(
        &out,
        "tcp-echo: accepting connections on fd 3\n\
         conn 1: \"first\" -> \"echo: first\"\n\
         conn 2: error: recv: Connection reset by peer\n\
         conn 3: \"third\" -> \"echo: third\"\n\
         tcp-echo: served 3 connections\n",
    );
}

// ---------------------------------------------------------------------------------
// Numbering
// ---------------------------------------------------------------------------------

/// Two granted directories, as `--allow-dir` arguments, in a directory kept alive by
/// the returned guard.
fn two_dirs() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempdir();
    let mut flags = Vec::new();
    for name in ["a", "bb"] {
        let host = dir.path().join(name);
        std::fs::create_dir(&host).expect("mkdir");
        flags.push("--allow-dir".to_string());
        flags.push(format!("{}::{name}:ro", host.display()));
    }
    (dir, flags)
}

#[test]
fn fds_are_stdio_then_directories_then_listeners_in_order() {
    let (_keep, dirs) = two_dirs();
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();

    // fds 3 and 4 are the directories, 5 and 6 the listeners, nothing after them.
    let (mut server, _) = start(
        &probe(),
        &dirs,
        2,
        &[
            "prestat:3",
            "prestat:4",
            "prestat:5",
            "prestat:6",
            "fdstat:5",
            "fdstat:6",
            "fdstat:7",
        ],
    );
    let out = server.finish(EXIT_TIMEOUT);
    assert_success(&out);
    let listener =
        format!("filetype=6 flags=0x0 base={LISTENER_RIGHTS:#x} inheriting={SOCKET_RIGHTS:#x}");
    assert_stdout(
        &out,
        &format!(
            "prestat:3: ok dir name_len=1\n\
             prestat:4: ok dir name_len=2\n\
             prestat:5: errno {EBADF}\n\
             prestat:6: errno {EBADF}\n\
             fdstat:5: {listener}\n\
             fdstat:6: {listener}\n\
             fdstat:7: errno {EBADF}\n"
        ),
    );

    // tcp-echo finds the first listener by itself (fd 5, the first --listen) ...
    let (mut server, ports) = start(&tcp_echo(), &dirs, 2, &["1"]);
    assert_eq!(server.stdout, ["tcp-echo: accepting connections on fd 5\n"]);
    assert_eq!(
        exchange(ports[0], b"first port\n", false),
        "echo: first port\n"
    );
    let out = server.finish(EXIT_TIMEOUT);
    assert_success(&out);

    // ... and serves the second --listen when told fd 6.
    let (mut server, ports) = start(&tcp_echo(), &dirs, 2, &["1", "6"]);
    assert_eq!(
        exchange(ports[1], b"second port\n", false),
        "echo: second port\n"
    );
    let out = server.finish(EXIT_TIMEOUT);
    assert_success(&out);
    assert_stdout(
        &out,
        "tcp-echo: accepting connections on fd 6\n\
         conn 1: \"second port\" -> \"echo: second port\"\n\
         tcp-echo: served 1 connection\n",
    );
}

#[test]
fn manifest_listeners_come_before_flag_listeners() {
    for attempt in 1..=PORT_ATTEMPTS {
        let ports = free_ports(2);
        let dir = tempdir();
        let toml = dir.path().join("caps.toml");
        write_file(
            &toml,
            format!("listen = [\"127.0.0.1:{}\"]\n", ports[0]).as_bytes(),
        );
        let flag = format!("127.0.0.1:{}", ports[1]);
        let toml_arg = toml.to_string_lossy().into_owned();
        let exe = build_ok(&tcp_echo(), &["--manifest", &toml_arg, "--listen", &flag]);
        // fd 3 is the manifest's listener, fd 4 the flag's.
        let mut server = Server::spawn(&exe, &["1", "4"]);
        if !server.next_line(STARTUP_TIMEOUT) {
            let out = server.finish(EXIT_TIMEOUT);
            if out.code() == Some(125) && attempt < PORT_ATTEMPTS {
                continue;
            }
            panic!("the server did not start\n{}", out.describe());
        }
        assert_eq!(exchange(ports[1], b"flag\n", false), "echo: flag\n");
        let out = server.finish(EXIT_TIMEOUT);
        assert_success(&out);
        assert_stdout(
            &out,
            "tcp-echo: accepting connections on fd 4\n\
             conn 1: \"flag\" -> \"echo: flag\"\n\
             tcp-echo: served 1 connection\n",
        );
        return;
    }
}

// ---------------------------------------------------------------------------------
// No socket, wrong kind of fd
// ---------------------------------------------------------------------------------

#[test]
fn without_listen_there_is_no_socket() {
    let exe = build_ok(&tcp_echo(), &[]);
    let out = Run::new(&exe).output();
    assert_clean_exit(&out);
    assert_exit(&out, 2);
    check(
        &out,
        out.stdout.is_empty()
            && out.stderr() == "tcp-echo: no listening socket (compile with --listen IP:PORT)\n",
        "tcp-echo finds no socket",
    );
    let out = Run::new(&exe).args(["1", "3"]).output();
    assert_exit(&out, 1);
    assert_stdout(&out, "tcp-echo: accepting connections on fd 3\n");
    check(
        &out,
        out.stderr() == "tcp-echo: sock_accept(fd 3): errno 8 (Bad file descriptor)\n",
        "sock_accept on fd 3 is EBADF",
    );

    let exe = build_ok(&probe(), &[]);
    let out = Run::new(&exe)
        .args(["accept:3", "prestat:3", "fdstat:3", "accept:0", "accept:1"])
        .output();
    assert_success(&out);
    assert_stdout(
        &out,
        &format!(
            "accept:3: errno {EBADF}\n\
             prestat:3: errno {EBADF}\n\
             fdstat:3: errno {EBADF}\n\
             accept:0: errno {ENOTSOCK}\n\
             accept:1: errno {ENOTSOCK}\n"
        ),
    );
}

#[test]
fn socket_calls_on_directories_and_stdio_are_refused() {
    let (_keep, dirs) = two_dirs();
    let dirs: Vec<&str> = dirs[..2].iter().map(String::as_str).collect();

    // The descriptor's kind is checked before its rights, as Wasmtime does: every
    // sock_* call on a directory or on stdio is ENOTSOCK.
    let exe = build_ok(&tcp_echo(), &dirs);
    let out = Run::new(&exe).args(["1", "3"]).output();
    assert_exit(&out, 1);
    check(
        &out,
        out.stderr() == "tcp-echo: sock_accept(fd 3): errno 57 (Not a socket)\n",
        "sock_accept on a directory is ENOTSOCK",
    );

    let exe = build_ok(&probe(), &dirs);
    let out = Run::new(&exe)
        .args([
            "accept:3",
            "recv:3",
            "send:3:x",
            "shutdown:3:3",
            "accept:0",
            "recv:0",
            "send:1:x",
            "shutdown:1:3",
        ])
        .output();
    assert_success(&out);
    assert_stdout(
        &out,
        &format!(
            "accept:3: errno {ENOTSOCK}\n\
             recv:3: errno {ENOTSOCK}\n\
             send:3:x: errno {ENOTSOCK}\n\
             shutdown:3:3: errno {ENOTSOCK}\n\
             accept:0: errno {ENOTSOCK}\n\
             recv:0: errno {ENOTSOCK}\n\
             send:1:x: errno {ENOTSOCK}\n\
             shutdown:1:3: errno {ENOTSOCK}\n"
        ),
    );
}

// ---------------------------------------------------------------------------------
// Listener and accepted socket: rights, flags, I/O, errors
// ---------------------------------------------------------------------------------

#[test]
fn accept_flags_nonblocking_and_socket_io() {
    let (mut server, ports) = start(
        &probe(),
        &[],
        1,
        &[
            // The listener: only sock_accept and metadata. fd_read/fd_write are EBADF
            // (a listener is no stream); sock_recv/send/shutdown ENOTCAPABLE (a socket
            // without the right).
            "fdstat:3",
            "recv:3",
            "send:3:x",
            "shutdown:3:3",
            "read:3",
            "write:3:x",
            // Flags other than NONBLOCK are EINVAL; a bad fd pointer is EFAULT
            // before anything is accepted.
            "accept:3:1",
            "accept:3:5",
            "accept-badptr:3",
            // A non-blocking listener without a pending connection: EAGAIN.
            "setflags:3:4",
            "accept:3",
            "setflags:3:0",
            // The test connects now; NONBLOCK in sock_accept's flags applies to the
            // accepted socket, which nothing has been sent to yet.
            "accept:3:4",
            "fdstat:A",
            "recv:A",
            // Blocking again: waits for the client's line, peeks, then reads it.
            "setflags:A:0",
            "recv:A:1",
            "read:A",
            "write:A:via fd_write",
            "send:A:via sock_send",
            "shutdown:A:2",
            "send:A:late",
            "shutdown:A:0",
            "shutdown:A:4",
            "close:A",
            "recv:A",
        ],
    );
    server.wait_for_line(&format!("accept:3: errno {EAGAIN}"), STARTUP_TIMEOUT);
    let mut client = connect(ports[0]);
    server.wait_for_line(&format!("recv:A: errno {EAGAIN}"), STARTUP_TIMEOUT);
    client.write_all(b"ping\n").expect("send ping");
    let mut answer = String::new();
    client
        .read_to_string(&mut answer)
        .expect("read until the probe shuts down");
    assert_eq!(answer, "via fd_write\nvia sock_send\n");

    let out = server.finish(EXIT_TIMEOUT);
    assert_success(&out);
    let listener =
        format!("filetype=6 flags=0x0 base={LISTENER_RIGHTS:#x} inheriting={SOCKET_RIGHTS:#x}");
    assert_stdout(
        &out,
        &format!(
            "fdstat:3: {listener}\n\
             recv:3: errno {ENOTCAPABLE}\n\
             send:3:x: errno {ENOTCAPABLE}\n\
             shutdown:3:3: errno {ENOTCAPABLE}\n\
             read:3: errno {EBADF}\n\
             write:3:x: errno {EBADF}\n\
             accept:3:1: errno {EINVAL}\n\
             accept:3:5: errno {EINVAL}\n\
             accept-badptr:3: errno {EFAULT}\n\
             setflags:3:4: ok\n\
             accept:3: errno {EAGAIN}\n\
             setflags:3:0: ok\n\
             accept:3:4: ok fd=4\n\
             fdstat:A: filetype=6 flags=0x4 base={SOCKET_RIGHTS:#x} inheriting=0x0\n\
             recv:A: errno {EAGAIN}\n\
             setflags:A:0: ok\n\
             recv:A:1: ok \"ping\\x0a\" roflags=0\n\
             read:A: ok \"ping\\x0a\" roflags=0\n\
             write:A:via fd_write: ok 13\n\
             send:A:via sock_send: ok 14\n\
             shutdown:A:2: ok\n\
             send:A:late: errno {EPIPE}\n\
             shutdown:A:0: errno {EINVAL}\n\
             shutdown:A:4: errno {EINVAL}\n\
             close:A: ok\n\
             recv:A: errno {EBADF}\n"
        ),
    );
}

// ---------------------------------------------------------------------------------
// Start-up failure
// ---------------------------------------------------------------------------------

#[test]
fn a_port_in_use_is_a_startup_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = taken.local_addr().expect("local addr").port();
    let exe = build_ok(&tcp_echo(), &["--listen", &format!("127.0.0.1:{port}")]);
    let out = Run::new(&exe)
        .arg("1")
        .timeout(Duration::from_secs(30))
        .output();
    assert_clean_exit(&out);
    assert_exit(&out, 125);
    check(&out, out.stdout.is_empty(), "the guest never ran");
    check(
        &out,
        out.stderr() == addr_in_use_line(&exe, port),
        "one start-up error line naming the address",
    );

    // The same when the taken port is the second of two listeners.
    let free = free_ports(1)[0];
    let exe = build_ok(
        &tcp_echo(),
        &[
            "--listen",
            &format!("127.0.0.1:{free}"),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ],
    );
    let out = Run::new(&exe)
        .arg("1")
        .timeout(Duration::from_secs(30))
        .output();
    if out.stderr().contains(&format!("127.0.0.1:{free}'")) {
        eprintln!("NOTE port {free} was taken meanwhile; second case not checked");
        return;
    }
    assert_exit(&out, 125);
    check(&out, out.stdout.is_empty(), "the guest never ran");
    check(
        &out,
        out.stderr() == addr_in_use_line(&exe, port),
        "the error names the taken address",
    );
    drop(taken);
}
