//! The runtimes `aotc bench` compares with, other than aotc's own: finding them
//! (PATH or `--wasmtime`/`--node`), their versions, and their command lines with the
//! grants translated (wasmtime `--dir`/`--env`, a node:wasi runner script and its
//! JSON configuration).
//!
//! Invariant (sandbox-relevant): neither runtime enforces read-only directories, so a
//! read-only grant reaches them only as a fresh copy made in the bench's temporary
//! directory ([`read_only_copies`]); the user's directory is never handed to them
//! writable.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use aotc_abi::manifest::{DirMode, Manifest};

use super::measure::{Cx, Runtime};
use super::{ms, with};
use crate::diag::{quote, Diag, Result};

/// The node:wasi runner, written to the temporary directory.
const NODE_RUNNER: &str = r#"// Written by `aotc bench`: runs a WASI preview1 command module with node:wasi.
// usage: node runner.mjs CONFIG.json MODULE.wasm [ARGS...]
// CONFIG: {"argv0": "...", "env": {"K": "V"}, "preopens": {"guest": "host"}}
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [config, file, ...args] = process.argv.slice(2);
const { argv0, env, preopens } = JSON.parse(readFileSync(config, 'utf8'));
const wasi = new WASI({ version: 'preview1', args: [argv0, ...args], env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
"#;

/// The program to run for runtime `name`: the one named by its flag (a bare name is
/// looked up in PATH, as a shell would; a missing one is an error), else `name` on PATH
/// (none: not measured).
pub(super) fn find_runtime(name: &str, flag: Option<&Path>) -> Result<Option<PathBuf>> {
    let Some(p) = flag else {
        return Ok(find_on_path(name));
    };
    let found = if p.components().count() == 1 && !p.has_root() {
        find_on_path(&p.to_string_lossy())
    } else {
        p.is_file().then(|| p.to_path_buf())
    };
    match found {
        Some(f) => Ok(Some(f)),
        None => Err(Diag::new(format!(
            "--{name} {}: no such program",
            quote(&p.display().to_string())
        ))),
    }
}

/// The first executable file called `name` in PATH's directories.
fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// Whether `p` is an interpreted script (`#!`), whose runs include the interpreter.
pub(super) fn is_script(p: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|()| &head == b"#!")
        .unwrap_or(false)
}

/// `PROGRAM --version`'s version: its first line, without a leading program name.
pub(super) fn tool_version(program: &Path) -> std::result::Result<String, String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --version failed ({})",
            program.display(),
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("").trim();
    let version = line
        .split_whitespace()
        .find(|w| {
            w.trim_start_matches('v')
                .starts_with(|c: char| c.is_ascii_digit())
        })
        .unwrap_or(line);
    Ok(version.to_string())
}

/// The guest's environment as the runtime would build it: baked pairs, then allowed
/// host variables that are set.
fn guest_env(grants: &Manifest) -> Vec<(String, String)> {
    let mut env = grants.env.clone();
    for name in &grants.allow_env {
        if let Some(v) = std::env::var_os(name) {
            env.push((name.clone(), v.to_string_lossy().into_owned()));
        }
    }
    env
}

/// The grants for a runtime without read-only directories: each read-only directory
/// replaced by a fresh copy in `dir` (see the module invariants).
pub(super) fn read_only_copies(
    name: &str,
    grants: &Manifest,
    dir: &Path,
    notes: &mut Vec<String>,
) -> Result<Manifest> {
    let mut out = grants.clone();
    let mut copied = Vec::new();
    for (i, d) in out.dirs.iter_mut().enumerate() {
        if d.mode != DirMode::ReadOnly {
            continue;
        }
        let copy = dir.join(format!("{name}-ro-{i}"));
        copy_tree(Path::new(&d.host), &copy).map_err(|e| {
            Diag::new(format!(
                "cannot copy the read-only directory {} for {name}: {e}",
                quote(&d.host)
            ))
        })?;
        copied.push(d.guest.clone());
        d.host = copy.to_string_lossy().into_owned();
        d.mode = DirMode::ReadWrite;
    }
    if !copied.is_empty() {
        notes.push(format!(
            "{name}: has no read-only directories, so it got a writable copy of {}",
            copied.join(", ")
        ));
    }
    Ok(out)
}

/// Copies the tree at `from` to the new directory `to`: directories, regular files and
/// symbolic links (as links); other file types are left out.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        }
    }
    Ok(())
}

pub(super) fn wasmtime_runtime(
    program: &Path,
    version: String,
    grants: &Manifest,
    module: &Path,
    empty: &Path,
) -> Runtime {
    let mut flags: Vec<OsString> = vec!["run".into()];
    for d in &grants.dirs {
        flags.push("--dir".into());
        flags.push(format!("{}::{}", d.host, d.guest).into());
    }
    for (k, v) in guest_env(grants) {
        flags.push("--env".into());
        flags.push(format!("{k}={v}").into());
    }
    Runtime {
        name: "wasmtime",
        version,
        program: program.as_os_str().to_owned(),
        module_args: with(&flags, &[module.as_os_str().to_owned()]),
        empty_program: None,
        empty_args: with(&flags, &[empty.as_os_str().to_owned()]),
        set_argv0: false,
    }
}

pub(super) fn node_runtime(
    program: &Path,
    version: String,
    grants: &Manifest,
    module: &Path,
    empty: &Path,
    cx: &Cx,
) -> Result<Runtime> {
    let write = |file: &str, text: &str| -> Result<PathBuf> {
        let p = cx.dir.join(file);
        std::fs::write(&p, text)
            .map_err(|e| Diag::new(format!("cannot write {}: {e}", p.display())))?;
        Ok(p)
    };
    let runner = write("wasi_runner.mjs", NODE_RUNNER)?;
    let config = |argv0: &str| -> serde_json::Value {
        let mut env = serde_json::Map::new();
        let mut preopens = serde_json::Map::new();
        for (k, v) in guest_env(grants) {
            env.insert(k, v.into());
        }
        for d in &grants.dirs {
            preopens.insert(d.guest.clone(), d.host.clone().into());
        }
        serde_json::json!({ "argv0": argv0, "env": env, "preopens": preopens })
    };
    let argv0 = String::from_utf8_lossy(cx.argv0.as_bytes()).into_owned();
    let module_config = write("module.json", &config(&argv0).to_string())?;
    let empty_config = write("empty.json", &config("empty.wasm").to_string())?;
    let node_flags: [OsString; 2] = ["--single-threaded-gc".into(), "--no-warnings".into()];
    let runner = runner.into_os_string();
    Ok(Runtime {
        name: "node",
        version,
        program: program.as_os_str().to_owned(),
        module_args: with(
            &node_flags,
            &[
                runner.clone(),
                module_config.into_os_string(),
                module.as_os_str().to_owned(),
            ],
        ),
        empty_program: None,
        empty_args: with(
            &node_flags,
            &[
                runner,
                empty_config.into_os_string(),
                empty.as_os_str().to_owned(),
            ],
        ),
        set_argv0: false,
    })
}

/// Wall time of `wasmtime compile` of the module, if it succeeds.
pub(super) fn wasmtime_compile_time(program: &Path, module: &Path, dir: &Path) -> Option<f64> {
    let start = Instant::now();
    let status = Command::new(program)
        .arg("compile")
        .arg(module)
        .arg("-o")
        .arg(dir.join("module.cwasm"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| ms(start.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aotc_abi::manifest::DirGrant;

    fn grant(host: &str, guest: &str, mode: DirMode) -> DirGrant {
        DirGrant {
            host: host.into(),
            guest: guest.into(),
            mode,
        }
    }

    #[test]
    fn read_only_directories_become_copies() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("data");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub/f.txt"), "x").unwrap();
        std::os::unix::fs::symlink("sub/f.txt", src.join("link")).unwrap();
        let out = tmp.path().join("bench");
        std::fs::create_dir(&out).unwrap();
        let grants = Manifest {
            dirs: vec![
                grant(&src.to_string_lossy(), "data", DirMode::ReadOnly),
                grant("out", "/out", DirMode::ReadWrite),
            ],
            ..Default::default()
        };
        let mut notes = Vec::new();
        let copied = read_only_copies("wasmtime", &grants, &out, &mut notes).unwrap();
        let copy = Path::new(&copied.dirs[0].host);
        assert!(copy.starts_with(&out));
        assert_eq!(copied.dirs[0].guest, "data");
        assert_eq!(
            std::fs::read_to_string(copy.join("sub/f.txt")).unwrap(),
            "x"
        );
        assert_eq!(
            std::fs::read_link(copy.join("link")).unwrap(),
            Path::new("sub/f.txt")
        );
        // A read-write grant is the user's choice: passed as it is.
        assert_eq!(copied.dirs[1], grants.dirs[1]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("writable copy of data"), "{notes:?}");
    }

    #[test]
    fn guest_environment_is_baked_then_allowed_and_set() {
        let grants = Manifest {
            env: vec![("A".into(), "1".into())],
            allow_env: vec!["PATH".into(), "AOTC_SURELY_UNSET_VARIABLE".into()],
            ..Default::default()
        };
        let env = guest_env(&grants);
        assert_eq!(env[0], ("A".into(), "1".into()));
        assert_eq!(
            env.len(),
            1 + usize::from(std::env::var_os("PATH").is_some())
        );
    }

    #[test]
    fn named_runtimes_must_exist() {
        assert!(find_runtime("wasmtime", Some(Path::new("/no/such/wasmtime"))).is_err());
        assert!(find_runtime("node", Some(Path::new("no-such-node-anywhere"))).is_err());
        assert_eq!(
            find_runtime("node", Some(Path::new("/bin/sh"))).unwrap(),
            Some(PathBuf::from("/bin/sh"))
        );
    }
}
