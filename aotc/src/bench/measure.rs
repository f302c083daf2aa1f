//! Measuring the runs of `aotc bench`: each run goes through a small C probe, compiled
//! once per bench into the temporary directory, that forks the runtime, times it from
//! fork to `wait4` and reports the wait status and `ru_maxrss` (a process's peak RSS
//! counts the image it was forked from, and aotc, which carries LLVM, is big: the
//! probe is small). Also the comparison of a run with the reference run.
//!
//! Invariants: a run's stdout and stderr go to files in the bench's temporary
//! directory and are read back whole; a run that cannot be started (or a probe that
//! reports nothing) is an error for that runtime, never a measurement.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{ms, RuntimeResult};
use crate::diag::{Diag, Result};
use crate::run;

/// The probe every run goes through (compiled with the system C compiler into the
/// temporary directory). It exists because a process's peak RSS (`ru_maxrss`) counts
/// the memory image it was forked from, and aotc, which carries LLVM, is big: the
/// probe is small, and the runtime it forks inherits only its footprint. It also times
/// the run from fork to `wait4`, without aotc's own spawning cost.
const PROBE_C: &str = r#"/* Written by `aotc bench`: runs one command, reports its wall time and peak RSS.
 * usage: probe REPORT PROGRAM ARGV0 [ARGS...]
 * REPORT gets one line: "<wait status> <wall ns> <ru_maxrss KiB>", or "exec <errno>"
 * when PROGRAM could not be executed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    int failed[2];
    if (pipe2(failed, O_CLOEXEC) != 0) return 3;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) return 3;
    if (pid == 0) {
        execv(argv[2], argv + 3);
        int e = errno;
        (void)!write(failed[1], &e, sizeof e);
        _exit(127);
    }
    close(failed[1]);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) return 3;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int e = 0;
    ssize_t n = read(failed[0], &e, sizeof e);
    FILE *f = fopen(argv[1], "w");
    if (!f) return 3;
    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    if (n == (ssize_t)sizeof e) fprintf(f, "exec %d\n", e);
    else fprintf(f, "%d %lld %ld\n", status, ns, ru.ru_maxrss);
    return fclose(f) == 0 ? 0 : 3;
}
"#;

/// How one runtime runs the module and the empty module.
pub(super) struct Runtime {
    pub(super) name: &'static str,
    pub(super) version: String,
    pub(super) program: OsString,
    /// Arguments before the module's own.
    pub(super) module_args: Vec<OsString>,
    /// Program and arguments for the empty module (`None`: the same program).
    pub(super) empty_program: Option<OsString>,
    pub(super) empty_args: Vec<OsString>,
    /// Start the program with argv\[0\] = the module's file name (executables).
    pub(super) set_argv0: bool,
}

/// What every run shares.
pub(super) struct Cx<'a> {
    /// The compiled [`PROBE_C`].
    pub(super) probe: PathBuf,
    pub(super) dir: &'a Path,
    pub(super) stdin: Option<&'a Path>,
    pub(super) runs: u32,
    pub(super) argv0: &'a OsStr,
    pub(super) args: &'a [OsString],
}

/// One finished run.
#[derive(Debug, Clone)]
pub(super) struct Sample {
    pub(super) wall: Duration,
    pub(super) code: Option<i32>,
    pub(super) signal: Option<i32>,
    pub(super) max_rss_kib: u64,
    pub(super) stdout: Vec<u8>,
    pub(super) stderr: Vec<u8>,
}

pub(super) struct Measured {
    pub(super) result: RuntimeResult,
    pub(super) first: Sample,
}

impl Cx<'_> {
    /// Runs `rt` on the empty module and on the module `runs` times each, compares
    /// with `reference` (none: this is the reference), and reads a compile time from
    /// the runs' stderr with `compile_time`.
    pub(super) fn measure(
        &self,
        rt: &Runtime,
        reference: Option<&Sample>,
        compile_time: fn(&[u8]) -> Option<f64>,
    ) -> Result<Measured> {
        let module_cmd: Vec<OsString> = std::iter::once(rt.program.clone())
            .chain(rt.module_args.iter().cloned())
            .chain(self.args.iter().cloned())
            .collect();
        let command: Vec<String> = module_cmd
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let empty_program = rt.empty_program.as_ref().unwrap_or(&rt.program);
        let mut startup = Vec::new();
        for _ in 0..self.runs {
            match self.run_once(empty_program, &rt.empty_args, &[], rt.set_argv0) {
                Ok(s) => startup.push(s.wall),
                Err(e) => {
                    return Ok(self.unmeasured(rt, command, e));
                }
            }
        }
        let mut samples = Vec::new();
        for _ in 0..self.runs {
            match self.run_once(&rt.program, &rt.module_args, self.args, rt.set_argv0) {
                Ok(s) => samples.push(s),
                Err(e) => return Ok(self.unmeasured(rt, command, e)),
            }
        }
        let first = samples[0].clone();
        let reference = reference.unwrap_or(&first);
        let mismatch = samples.iter().find_map(|s| describe_mismatch(s, reference));
        let compiles: Vec<Duration> = samples
            .iter()
            .filter_map(|s| compile_time(&s.stderr))
            .map(|m| Duration::from_secs_f64(m.max(0.0) / 1000.0))
            .collect();
        let walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
        let result = RuntimeResult {
            runtime: rt.name,
            version: rt.version.clone(),
            command,
            error: None,
            compile_ms: (!compiles.is_empty()).then(|| ms(median(&compiles))),
            startup_ms: Some(ms(median(&startup))),
            median_ms: Some(ms(median(&walls))),
            min_ms: walls.iter().min().map(|d| ms(*d)),
            max_ms: walls.iter().max().map(|d| ms(*d)),
            peak_rss_kib: samples.iter().map(|s| s.max_rss_kib).max(),
            exit_status: first.code,
            signal: first.signal,
            matches_reference: mismatch.is_none(),
            mismatch,
        };
        Ok(Measured { result, first })
    }

    fn unmeasured(&self, rt: &Runtime, command: Vec<String>, e: std::io::Error) -> Measured {
        let mut r = RuntimeResult::failed(
            rt.name,
            command,
            format!("cannot run {}: {e}", Path::new(&rt.program).display()),
        );
        r.version = rt.version.clone();
        Measured {
            result: r,
            first: Sample {
                wall: Duration::ZERO,
                code: None,
                signal: None,
                max_rss_kib: 0,
                stdout: Vec::new(),
                stderr: Vec::new(),
            },
        }
    }

    /// One run, through the probe: output to files in the temporary directory.
    fn run_once(
        &self,
        program: &OsStr,
        pre: &[OsString],
        args: &[OsString],
        set_argv0: bool,
    ) -> std::io::Result<Sample> {
        let out_path = self.dir.join("stdout");
        let err_path = self.dir.join("stderr");
        let report_path = self.dir.join("report");
        let stdin = match self.stdin {
            Some(p) => Stdio::from(File::open(p)?),
            None => Stdio::null(),
        };
        let argv0 = if set_argv0 { self.argv0 } else { program };
        let status = Command::new(&self.probe)
            .arg(&report_path)
            .arg(program)
            .arg(argv0)
            .args(pre)
            .args(args)
            .stdin(stdin)
            .stdout(File::create(&out_path)?)
            .stderr(File::create(&err_path)?)
            .status()?;
        let report = std::fs::read_to_string(&report_path).unwrap_or_default();
        let fields: Vec<&str> = report.split_whitespace().collect();
        let bad = || {
            std::io::Error::other(format!(
                "the measuring probe failed ({status}, report {:?})",
                report.trim()
            ))
        };
        if let ["exec", errno] = fields[..] {
            let errno: i32 = errno.parse().map_err(|_| bad())?;
            return Err(std::io::Error::from_raw_os_error(errno));
        }
        let [wait, ns, rss] = fields[..] else {
            return Err(bad());
        };
        let wait: libc::c_int = wait.parse().map_err(|_| bad())?;
        let ns: u64 = ns.parse().map_err(|_| bad())?;
        let rss: u64 = rss.parse().map_err(|_| bad())?;
        let (code, signal) = if libc::WIFEXITED(wait) {
            (Some(libc::WEXITSTATUS(wait)), None)
        } else if libc::WIFSIGNALED(wait) {
            (None, Some(libc::WTERMSIG(wait)))
        } else {
            (None, None)
        };
        Ok(Sample {
            wall: Duration::from_nanos(ns),
            code,
            signal,
            max_rss_kib: rss,
            stdout: std::fs::read(&out_path)?,
            stderr: std::fs::read(&err_path)?,
        })
    }
}

/// Compiles [`PROBE_C`] into `dir` with the C compiler aotc links with.
pub(super) fn build_probe(dir: &Path) -> Result<PathBuf> {
    let cc = crate::link::find_linker(dir)?;
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&src, PROBE_C)
        .map_err(|e| Diag::new(format!("cannot write {}: {e}", src.display())))?;
    let out = Command::new(&cc)
        .args(["-O2", "-w", "-o"])
        .arg(&exe)
        .arg(&src)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Diag::new(format!("cannot run {}: {e}", cc.display())))?;
    if !out.status.success() {
        return Err(Diag::new(format!(
            "cannot build the measuring probe with {}: {}",
            cc.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(exe)
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

pub(super) fn describe_status(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "unknown status".to_string(),
    }
}

/// What differs between a run and the reference, if anything.
fn describe_mismatch(s: &Sample, reference: &Sample) -> Option<String> {
    let mut what = Vec::new();
    if (s.code, s.signal) != (reference.code, reference.signal) {
        what.push(format!(
            "{}, want {}",
            describe_status(s.code, s.signal),
            describe_status(reference.code, reference.signal)
        ));
    }
    if s.stdout != reference.stdout {
        what.push(first_difference(&s.stdout, &reference.stdout));
    }
    if what.is_empty() {
        return None;
    }
    let stderr = String::from_utf8_lossy(&s.stderr);
    if let Some(line) = stderr.lines().find(|l| !l.trim().is_empty()) {
        what.push(format!(
            "stderr: {}",
            crate::diag::shorten(line.trim(), 100)
        ));
    }
    Some(what.join("; "))
}

/// Where two outputs first differ, by line.
fn first_difference(got: &[u8], want: &[u8]) -> String {
    let got_lines: Vec<&[u8]> = got.split(|&b| b == b'\n').collect();
    let want_lines: Vec<&[u8]> = want.split(|&b| b == b'\n').collect();
    let n = got_lines
        .iter()
        .zip(&want_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let show = |lines: &[&[u8]]| match lines.get(n) {
        Some(l) => format!(
            "`{}`",
            crate::diag::shorten(&String::from_utf8_lossy(l), 60)
        ),
        None => "end of output".to_string(),
    };
    format!(
        "stdout differs at line {}: {}, want {}",
        n + 1,
        show(&got_lines),
        show(&want_lines)
    )
}

/// The JIT's compile time from `aotc run -v`'s stderr (see `run::READY_PHASE`).
pub(super) fn jit_compile_time(stderr: &[u8]) -> Option<f64> {
    let text = String::from_utf8_lossy(stderr);
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(run::TIME_PREFIX)?;
        let rest = rest.strip_prefix(run::READY_PHASE)?;
        rest.trim().strip_suffix("ms")?.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(code: i32, out: &str) -> Sample {
        Sample {
            wall: Duration::from_millis(1),
            code: Some(code),
            signal: None,
            max_rss_kib: 1,
            stdout: out.as_bytes().to_vec(),
            stderr: b"\n  boom\n".to_vec(),
        }
    }

    #[test]
    fn medians() {
        let d = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&d(&[5, 1, 3])), Duration::from_millis(3));
        assert_eq!(median(&d(&[4, 1, 3, 2])), Duration::from_micros(2500));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn mismatches_are_described() {
        let r = sample(0, "hi\n");
        assert_eq!(describe_mismatch(&sample(0, "hi\n"), &r), None);
        let m = describe_mismatch(&sample(1, "hi\n"), &r).unwrap();
        assert!(m.starts_with("exit 1, want exit 0"), "{m}");
        assert!(m.ends_with("stderr: boom"), "{m}");
        let m = describe_mismatch(&sample(0, "ho\n"), &r).unwrap();
        assert!(
            m.starts_with("stdout differs at line 1: `ho`, want `hi`"),
            "{m}"
        );
        let m = describe_mismatch(&sample(0, "hi\nmore\n"), &r).unwrap();
        assert!(
            m.starts_with("stdout differs at line 2: `more`, want ``"),
            "{m}"
        );
        assert_eq!(
            first_difference(b"a", b"a\nb"),
            "stdout differs at line 2: end of output, want `b`"
        );
    }

    #[test]
    fn jit_time_is_read_from_verbose_output() {
        let line = format!(
            "{}{:<26} {:>9.1} ms\n",
            run::TIME_PREFIX,
            run::READY_PHASE,
            42.5
        );
        let text = format!("aotc: time: translate   1.0 ms\n{line}guest stderr\n");
        assert_eq!(jit_compile_time(text.as_bytes()), Some(42.5));
        assert_eq!(jit_compile_time(b"nothing"), None);
    }
}
