//! Build-time glue: builds the `wasi-rt` runtime archive (a `no_std` static library,
//! profile `rt`) with a nested cargo into this build's OUT_DIR, and hands its path to
//! the compiler crate as `AOTC_RT_ARCHIVE`, where `include_bytes!` packs it into the
//! `aotc` binary. An installed `aotc` therefore carries its runtime and works from any
//! directory.
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

    let status = Command::new(&cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(root.join("wasi-rt/Cargo.toml"))
        .args(["--profile", "rt", "--lib"])
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags and target dir are for the compiler, not the runtime.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .unwrap_or_else(|e| panic!("could not run {cargo} to build wasi-rt: {e}"));
    if !status.success() {
        panic!("building the wasi-rt runtime archive failed ({status})");
    }
    let archive = target_dir.join("rt").join("libwasi_rt.a");
    assert!(
        archive.exists(),
        "runtime archive missing at {}",
        archive.display()
    );
    println!("cargo:rustc-env=AOTC_RT_ARCHIVE={}", archive.display());
}
