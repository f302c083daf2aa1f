//! Build-time glue: builds the `wasi-rt` runtime twice with a nested cargo into this
//! build's OUT_DIR (profile `rt`) and hands the paths to the compiler crate, where
//! `include_bytes!` packs both into the `aotc` binary:
//! - `AOTC_RT_ARCHIVE`: the `no_std` static library linked into every executable;
//! - `AOTC_RT_JIT_LIB`: the same crate with the `jit-host` feature as a shared library,
//!   which `aotc run` loads to run JIT-compiled modules (`-Bsymbolic`: its calls to
//!   its own functions never bind to another definition in the process).
//!
//! An installed `aotc` therefore carries its runtime and works from any directory.
//!
//! The nested cargo uses its own target directory so it never waits on the outer
//! build's lock.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target_dir = out_dir.join("wasi-rt-target");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());

    println!("cargo:rerun-if-changed=wasi-rt");
    println!("cargo:rerun-if-changed=Cargo.lock");

    let manifest = root.join("wasi-rt/Cargo.toml");
    nested_cargo(
        &cargo,
        &target_dir,
        &[
            "build".as_ref(),
            "--manifest-path".as_ref(),
            manifest.as_os_str(),
            "--profile".as_ref(),
            "rt".as_ref(),
            "--lib".as_ref(),
        ],
    );
    nested_cargo(
        &cargo,
        &target_dir,
        &[
            "rustc".as_ref(),
            "--manifest-path".as_ref(),
            manifest.as_os_str(),
            "--profile".as_ref(),
            "rt".as_ref(),
            "--lib".as_ref(),
            "--features".as_ref(),
            "jit-host".as_ref(),
            "--crate-type".as_ref(),
            "cdylib".as_ref(),
            "--".as_ref(),
            "-C".as_ref(),
            "link-arg=-Wl,-Bsymbolic".as_ref(),
        ],
    );
    for (var, file) in [
        ("AOTC_RT_ARCHIVE", "libwasi_rt.a"),
        ("AOTC_RT_JIT_LIB", "libwasi_rt.so"),
    ] {
        let path = target_dir.join("rt").join(file);
        assert!(
            path.exists(),
            "runtime build output missing at {}",
            path.display()
        );
        println!("cargo:rustc-env={var}={}", path.display());
    }
}

/// Runs the nested cargo with `args` in `target_dir`; panics (failing the build) if it
/// cannot run or fails.
fn nested_cargo(cargo: &str, target_dir: &std::path::Path, args: &[&std::ffi::OsStr]) {
    // `--target-dir` first: anything after a `--` in `args` goes to rustc.
    let status = Command::new(cargo)
        .arg(args[0])
        .arg("--target-dir")
        .arg(target_dir)
        .args(&args[1..])
        // The outer build's flags and target dir are for the compiler, not the runtime.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .unwrap_or_else(|e| panic!("could not run {cargo} to build wasi-rt: {e}"));
    if !status.success() {
        panic!("building the wasi-rt runtime failed ({status})");
    }
}
