//! Linking the generated object with the embedded `wasi-rt` archive into a Linux
//! x86-64 executable, using the system C compiler as the linker driver.
//!
//! The compiler is located with the `cc` crate (honouring `$CC`). The objects (one
//! per partition of a split module, partition 0 first), the manifest's own object
//! (`translate::manifest_object`: the grants are linked, never compiled into the
//! cached code) and [`crate::RUNTIME_ARCHIVE`] are written into a private temporary
//! directory that is removed afterwards. Every
//! flag of the link line lives in [`LINK_FLAGS`] / [`LINK_LIBS`] and nowhere else;
//! [`merge_objects`] (`--emit obj` of a split module) uses [`MERGE_FLAGS`].
//!
//! Invariant: a failure is one [`Diag`] line (the linker's own output condensed), and
//! the output path is only written by the linker, never renamed here — making it the
//! final file atomically is the caller's job (see `driver`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diag::{one_line, quote, shorten, Diag, Result};

/// Flags after the inputs: position-independent executable; drop every runtime
/// section the module does not reference (only the WASI calls it imports survive);
/// but always keep the manifest (`aotc_abi::sym::MANIFEST`, checked by a test), so
/// `aotc inspect` works whatever the runtime references, and a missing one is a link
/// error rather than a binary without its grant list.
pub const LINK_FLAGS: &[&str] = &[
    "-pie",
    "-Wl,--gc-sections",
    "-Wl,--require-defined=aotc_manifest",
    "-Wl,-O1",
];
/// How symbols are treated: `--strip` drops them all; by default only debug sections
/// go (the runtime archive carries ~800 KB of DWARF from Rust's precompiled
/// core/alloc) and symbols stay, so perf and gdb show wasm function names. Only one
/// of the two may be passed: ld lets `--strip-debug` override `-s`.
const STRIP_ALL: &str = "-s";
const STRIP_DEBUG: &str = "-Wl,--strip-debug";
/// Libraries after the flags.
pub const LINK_LIBS: &[&str] = &["-lm", "-static-libgcc"];
/// Flags of a relocatable link merging a split module's objects into one.
pub const MERGE_FLAGS: &[&str] = &["-r", "-nostdlib"];
/// File names inside the temporary directory (fixed, so links are reproducible):
/// `module.o` for an unsplit module, else `module.<partition>.o`.
const OBJECT_STEM: &str = "module";
const ARCHIVE_NAME: &str = "libwasi_rt.a";
/// The manifest's object, after the code objects.
const MANIFEST_OBJECT: &str = "manifest.o";
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// One link to perform.
#[derive(Debug)]
pub struct LinkJob<'a> {
    /// The objects produced by the translator (at least one).
    pub objects: &'a [Vec<u8>],
    /// The object defining the manifest's symbols (`translate::manifest_object`).
    pub manifest: &'a [u8],
    /// The runtime archive (normally [`crate::RUNTIME_ARCHIVE`]).
    pub runtime: &'a [u8],
    /// Where the linker writes the executable.
    pub output: &'a Path,
    /// Pass `-s` (strip symbols).
    pub strip: bool,
    /// Print the command line and the linker's output.
    pub verbose: bool,
}

/// The linker driver: `$CC` if set, otherwise the platform's `cc`.
pub fn find_linker(scratch: &Path) -> Result<PathBuf> {
    let tool = cc::Build::new()
        .cargo_metadata(false)
        .cargo_warnings(false)
        .emit_rerun_if_env_changed(false)
        .warnings(false)
        .opt_level(0)
        .target(TARGET)
        .host(TARGET)
        .out_dir(scratch)
        .try_get_compiler()
        .map_err(|e| {
            Diag::new(format!("cannot find a C compiler to link with: {e}"))
                .with_help("install one (Debian: apt-get install build-essential) or set CC")
        })?;
    Ok(resolve_in_path(tool.path()))
}

/// Directories searched for a bare linker name when `PATH` is unset.
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Makes a bare program name absolute by searching `PATH` (or [`DEFAULT_PATH`]).
/// gcc locates its own helpers (collect2, the LTO plugin) from the path it was
/// started by, so running a bare `cc` from an empty environment fails.
fn resolve_in_path(program: &Path) -> PathBuf {
    if program.components().count() != 1 {
        return program.to_path_buf();
    }
    let path = std::env::var_os("PATH")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_PATH.into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| program.to_path_buf())
}

/// Links `job.objects` with the runtime into `job.output`.
pub fn link(job: &LinkJob<'_>) -> Result<()> {
    let scratch = scratch_dir()?;
    let mut objects = write_objects(scratch.path(), job.objects)?;
    objects.push(write_manifest(scratch.path(), job.manifest)?);
    let archive = scratch.path().join(ARCHIVE_NAME);
    write_file(&archive, job.runtime)?;
    let linker = find_linker(scratch.path())?;
    let args = link_args(job.output, &objects, &archive, job.strip);
    run_linker(&linker, &args, job.verbose)
}

/// Merges the code objects and the manifest's object into one relocatable object at
/// `output` (`cc -r`).
pub fn merge_objects(
    objects: &[Vec<u8>],
    manifest: &[u8],
    output: &Path,
    verbose: bool,
) -> Result<()> {
    let scratch = scratch_dir()?;
    let mut paths = write_objects(scratch.path(), objects)?;
    paths.push(write_manifest(scratch.path(), manifest)?);
    let linker = find_linker(scratch.path())?;
    let mut args: Vec<OsString> = vec!["-o".into(), output.into()];
    args.extend(paths.into_iter().map(OsString::from));
    args.extend(MERGE_FLAGS.iter().map(OsString::from));
    run_linker(&linker, &args, verbose)
}

fn scratch_dir() -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("aotc-link-")
        .tempdir()
        .map_err(|e| {
            Diag::new(format!(
                "cannot create a temporary directory: {}",
                crate::input::io_reason(&e)
            ))
        })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Diag::new(format!(
            "cannot write {}: {}",
            quote(&path.display().to_string()),
            crate::input::io_reason(&e)
        ))
    })
}

/// Writes the objects into `dir` under their fixed names; returns the paths.
fn write_objects(dir: &Path, objects: &[Vec<u8>]) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::with_capacity(objects.len());
    for (i, bytes) in objects.iter().enumerate() {
        let name = if objects.len() == 1 {
            format!("{OBJECT_STEM}.o")
        } else {
            format!("{OBJECT_STEM}.{i}.o")
        };
        let path = dir.join(name);
        write_file(&path, bytes)?;
        paths.push(path);
    }
    Ok(paths)
}

fn write_manifest(dir: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(MANIFEST_OBJECT);
    write_file(&path, bytes)?;
    Ok(path)
}

/// Runs the linker driver; a failure is one line with the linker's condensed output.
fn run_linker(linker: &Path, args: &[OsString], verbose: bool) -> Result<()> {
    if verbose {
        eprintln!("aotc: link: {}", render_command(linker, args));
    }
    let shown = linker.display().to_string();
    let mut command = Command::new(linker);
    command
        .args(args)
        // Keep the linker's messages in English so they can be condensed reliably.
        .env("LC_ALL", "C");
    if std::env::var_os("PATH").is_none_or(|p| p.is_empty()) {
        // collect2 finds `ld` through PATH: give an empty environment the default.
        command.env("PATH", DEFAULT_PATH);
    }
    let out = command.output().map_err(|e| {
        let d = Diag::new(format!(
            "cannot run the linker {}: {}",
            quote(&shown),
            crate::input::io_reason(&e)
        ));
        if e.kind() == std::io::ErrorKind::NotFound {
            d.with_help(
                "install a C compiler (Debian: apt-get install build-essential) or set CC to one",
            )
        } else {
            d
        }
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if verbose && !stderr.trim().is_empty() {
        eprintln!("aotc: linker output:\n{}", stderr.trim_end());
    }
    if !out.status.success() {
        let status = match out.status.code() {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".to_string(),
        };
        let d = Diag::new(format!(
            "linking failed ({} {status}): {}",
            quote(&shown),
            condense(&stderr)
        ));
        return Err(if verbose {
            d
        } else {
            d.with_help("run with -v to see the link command and the linker's full output")
        });
    }
    Ok(())
}

/// The arguments after the linker's name, in order.
pub fn link_args(output: &Path, objects: &[PathBuf], archive: &Path, strip: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["-o".into(), output.into()];
    args.extend(objects.iter().map(OsString::from));
    args.push(archive.into());
    args.extend(LINK_FLAGS.iter().map(OsString::from));
    args.extend(LINK_LIBS.iter().map(OsString::from));
    args.push(if strip { STRIP_ALL } else { STRIP_DEBUG }.into());
    args
}

/// The linker's stderr reduced to what matters: the lines that report errors or
/// undefined symbols (each once), else the first lines; then folded onto one line.
fn condense(stderr: &str) -> String {
    let mut picked: Vec<&str> = Vec::new();
    for line in stderr.lines().map(str::trim) {
        let lower = line.to_ascii_lowercase();
        let important = lower.contains("error")
            || lower.contains("undefined reference")
            || lower.contains("cannot find");
        if important && !lower.starts_with("collect2") && !picked.contains(&line) {
            picked.push(line);
        }
    }
    if picked.is_empty() {
        picked = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(3)
            .collect();
    }
    if picked.is_empty() {
        return "the linker printed nothing".to_string();
    }
    shorten(&one_line(&picked.join("\n")), 600)
}

/// A copy-pasteable rendering of a command line.
fn render_command(program: &Path, args: &[OsString]) -> String {
    let mut s = shell_word(&program.to_string_lossy());
    for a in args {
        s.push(' ');
        s.push_str(&shell_word(&a.to_string_lossy()));
    }
    s
}

fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_line_order() {
        let args = link_args(
            Path::new("out"),
            &[PathBuf::from("t/module.0.o"), PathBuf::from("t/module.1.o")],
            Path::new("t/libwasi_rt.a"),
            true,
        );
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "-o",
                "out",
                "t/module.0.o",
                "t/module.1.o",
                "t/libwasi_rt.a",
                "-pie",
                "-Wl,--gc-sections",
                "-Wl,--require-defined=aotc_manifest",
                "-Wl,-O1",
                "-lm",
                "-static-libgcc",
                "-s"
            ]
        );
        let no_strip = link_args(Path::new("o"), &[PathBuf::from("a")], Path::new("b"), false);
        assert!(!no_strip.iter().any(|a| a == "-s"));
        assert!(no_strip.iter().any(|a| a == "-Wl,--strip-debug"));
    }

    #[test]
    fn keeps_the_manifest_symbol_of_the_abi() {
        let flag = format!("-Wl,--require-defined={}", aotc_abi::sym::MANIFEST);
        assert!(LINK_FLAGS.contains(&flag.as_str()));
    }

    #[test]
    fn condenses_linker_output() {
        let stderr = "/usr/bin/ld: module.o: in function `f':\n\
                      (.text+0x5): undefined reference to `aotc_rt_trap'\n\
                      (.text+0x9): undefined reference to `aotc_rt_trap'\n\
                      collect2: error: ld returned 1 exit status\n";
        assert_eq!(condense(stderr), "(.text+0x5): undefined reference to `aotc_rt_trap'; (.text+0x9): undefined reference to `aotc_rt_trap'");
        assert_eq!(condense("weird\nthings\n"), "weird; things");
        assert_eq!(condense(""), "the linker printed nothing");
    }

    #[test]
    fn renders_commands_for_shells() {
        let args = vec![
            OsString::from("-o"),
            OsString::from("my out"),
            OsString::from("it's"),
        ];
        assert_eq!(
            render_command(Path::new("/usr/bin/cc"), &args),
            r"/usr/bin/cc -o 'my out' 'it'\''s'"
        );
    }

    #[test]
    fn finds_a_linker() {
        let dir = tempfile::tempdir().unwrap();
        let cc = find_linker(dir.path()).unwrap();
        assert!(!cc.as_os_str().is_empty());
    }

    #[test]
    fn reports_a_failing_link_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("never");
        let job = LinkJob {
            objects: &[b"not an object".to_vec()],
            manifest: b"",
            runtime: b"!<arch>\n",
            output: &out,
            strip: false,
            verbose: false,
        };
        let err = link(&job).unwrap_err();
        assert!(
            err.message().starts_with("linking failed"),
            "{}",
            err.message()
        );
        assert!(err.help().is_some());
        assert!(!out.exists());
    }
}
