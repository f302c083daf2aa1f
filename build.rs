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
//! It also writes aotc's LLVM pass pipelines for -O2 and -O3 (`AOTC_PIPELINE_O2/O3`):
//! LLVM's own `default<On>` pipeline as the installed LLVM prints it, with one loop
//! vectoriser run (aotc's: versioning loops by array first) added before
//! induction-variable widening (see
//! `aotc/src/translate/emit.rs` for why), and aotc's address widening at the end,
//! before code generation. Printing it from LLVM, not storing a copy,
//! keeps the rest of the pipeline exactly LLVM's for the LLVM aotc links.
//!
//! And it compiles aotc's own LLVM pass and pipeline runner (`aotc/llvm/passes.cpp`)
//! with the installed LLVM's C++ flags and clang, into a static library linked into
//! the compiler beside LLVM.
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
    write_llvm_pipelines(&out_dir);
    build_llvm_passes();
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

/// The installed LLVM's directory (what llvm-sys links).
fn llvm_prefix() -> PathBuf {
    println!("cargo:rerun-if-env-changed=LLVM_SYS_191_PREFIX");
    PathBuf::from(env::var("LLVM_SYS_191_PREFIX").unwrap_or_else(|_| "/usr/lib/llvm-19".into()))
}

/// What the LLVM tool `tool` prints to stdout when run with `args`; panics (failing
/// the build) with the reason if it cannot run or fails.
fn llvm_tool_output(tool: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run LLVM's {}: {e}", tool.display()));
    assert!(
        output.status.success(),
        "{} {} failed: {}",
        tool.display(),
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("LLVM tools print text")
}

/// Compiles `aotc/llvm/passes.cpp` into the static library `aotc_llvm_passes` with
/// the flags llvm-config gives for LLVM's headers.
fn build_llvm_passes() {
    const SOURCE: &str = "aotc/llvm/passes.cpp";
    println!("cargo:rerun-if-changed={SOURCE}");
    let prefix = llvm_prefix();
    let flags = llvm_tool_output(&prefix.join("bin/llvm-config"), &["--cxxflags"]);
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .compiler(prefix.join("bin/clang++"))
        .file(SOURCE)
        .warnings(false);
    for flag in flags.split_whitespace() {
        build.flag(flag);
    }
    build.compile("aotc_llvm_passes");
}

/// The anchor the extra vectoriser run goes before: the loop pass group of the
/// per-function simplification that starts with loop-idiom recognition and then
/// widens induction variables (`indvars`).
const WIDENING_GROUP: &str = "loop(loop-idiom,indvars";

/// Writes `pipeline-O2.txt` and `pipeline-O3.txt` to `out_dir` and exports their
/// paths; panics (failing the build) with the reason if LLVM's `opt` cannot print its
/// pipeline or the pipeline no longer has the shape the edit expects.
fn write_llvm_pipelines(out_dir: &std::path::Path) {
    let opt = llvm_prefix().join("bin/opt");
    for level in [2, 3] {
        let default = llvm_tool_output(
            &opt,
            &[
                "-mtriple=x86_64-unknown-linux-gnu",
                &format!("-passes=default<O{level}>"),
                "-print-pipeline-passes",
                "-disable-output",
                "/dev/null",
            ],
        );
        let pipeline = with_aotc_passes(default.trim())
            .unwrap_or_else(|why| panic!("LLVM's default<O{level}> pipeline: {why}"));
        let path = out_dir.join(format!("pipeline-O{level}.txt"));
        std::fs::write(&path, pipeline).expect("OUT_DIR is writable");
        println!("cargo:rustc-env=AOTC_PIPELINE_O{level}={}", path.display());
    }
}

/// aotc's loop vectoriser (`aotc/llvm/passes.cpp`): LLVM's, with loop versioning by
/// array before it; takes loop-vectorize's parameters.
const VERSIONED_VECTORISER: &str = "aotc-versioned-loop-vectorize";

/// aotc's copy-loop shortcut (`aotc/llvm/passes.cpp`): a loop that only copies
/// memory gets a guarded `memmove`. It runs where the early vectoriser does, while
/// the loops still count in i32 and their addresses are affine.
const COPY_LOOPS: &str = "aotc-copy-loops";

/// aotc's address widening (`aotc/llvm/passes.cpp`): wasm addresses that advance
/// through a loop computed in 64 bits where accesses prove that exact. It runs
/// last, so it shapes only what code generation's loop-strength reduction sees.
const WIDEN_ADDRESSES: &str = "aotc-widen-addresses";

/// The function pass group that ends LLVM's pipeline.
const LAST_FUNCTION_GROUP: &str = ",function(annotation-remarks)";

/// `default` with [`COPY_LOOPS`] and a copy of its own loop-vectorize pass (same
/// parameters) as [`VERSIONED_VECTORISER`] inserted before [`WIDENING_GROUP`], and
/// [`WIDEN_ADDRESSES`] in [`LAST_FUNCTION_GROUP`].
fn with_aotc_passes(default: &str) -> Result<String, String> {
    let start = default
        .find("loop-vectorize<")
        .ok_or("it has no loop-vectorize pass")?;
    let len = default[start..]
        .find('>')
        .ok_or("its loop-vectorize parameters are not closed")?;
    let vectorise = &default[start..=start + len];
    for group in [WIDENING_GROUP, LAST_FUNCTION_GROUP] {
        if default.matches(group).count() != 1 {
            return Err(format!("expected exactly one `{group}` group"));
        }
    }
    let versioned = vectorise.replacen("loop-vectorize", VERSIONED_VECTORISER, 1);
    Ok(default
        .replacen(
            WIDENING_GROUP,
            &format!("{COPY_LOOPS},{versioned},{WIDENING_GROUP}"),
            1,
        )
        .replacen(
            LAST_FUNCTION_GROUP,
            &format!(",function({WIDEN_ADDRESSES},annotation-remarks)"),
            1,
        ))
}
