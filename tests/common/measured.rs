//! Running a child for its peak memory: the one helper every test that bounds a
//! process's memory uses (`ru_maxrss` from `wait4`, which covers the child and the
//! descendants it reaped, e.g. aotc's linker), with a watchdog and stdout/stderr
//! captured on threads so a chatty child cannot block on a full pipe.
//!
//! `Child::wait` is never called: the child is reaped by `wait4` itself.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a measured child did.
pub struct Measured {
    pub cmdline: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Peak resident set of the child (or a reaped descendant), KiB.
    pub max_rss_kib: i64,
    pub wall: Duration,
    /// Killed by the watchdog.
    pub timed_out: bool,
}

impl Measured {
    /// Everything about the run, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "command: {}\nstatus: {:?} (signal {:?}){}\nmax RSS: {} KiB, wall {:.2} s\nstdout:\n{}\nstderr:\n{}",
            self.cmdline,
            self.status.code(),
            self.status.signal(),
            if self.timed_out { ", killed by the watchdog" } else { "" },
            self.max_rss_kib,
            self.wall.as_secs_f64(),
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        )
    }
}

/// What to do with the child's stdout.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stdout {
    /// Captured into [`Measured::stdout`].
    Capture,
    /// Left as the caller set it on the command.
    AsSet,
}

/// Runs `cmd` (stderr captured, stdout as `stdout` says) and reaps it with `wait4`;
/// kills it after `timeout`. Stdin is whatever the caller set.
#[allow(clippy::zombie_processes)]
pub fn run_measured_with(cmd: &mut Command, timeout: Duration, stdout: Stdout) -> Measured {
    let cmdline = format!("{cmd:?}");
    let start = Instant::now();
    if stdout == Stdout::Capture {
        cmd.stdout(Stdio::piped());
    }
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{cmdline}`: {e}"));
    let pid = child.id() as libc::pid_t;
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            s
        })
    };
    let out = child.stdout.take().map(|o| drain(Box::new(o)));
    let err = drain(Box::new(child.stderr.take().expect("stderr pipe")));
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let fired = done_rx.recv_timeout(timeout).is_err();
        if fired {
            // SAFETY: kill(2) on our child, not reaped yet (the waiter below blocks).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        fired
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let wall = start.elapsed();
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    Measured {
        cmdline,
        status: ExitStatus::from_raw(status),
        stdout: out.map_or_else(Vec::new, |o| o.join().expect("stdout reader")),
        stderr: String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned(),
        max_rss_kib: usage.ru_maxrss,
        wall,
        timed_out,
    }
}

/// [`run_measured_with`], stdout captured.
pub fn run_measured(cmd: &mut Command, timeout: Duration) -> Measured {
    run_measured_with(cmd, timeout, Stdout::Capture)
}
