//! aotc: WebAssembly (WASI preview1) to native executable compiler.
//!
//! The library behind the `aotc` command: [`cli`] (command line), [`driver`] (the
//! compile pipeline), [`input`] (reading .wasm/.wat), [`manifest`] (capabilities,
//! sandbox-critical), [`target`] (CPU names), [`translate`] (wasm → LLVM → object),
//! [`link`] (objects + runtime → executable), [`inspect`] (reading a manifest back),
//! [`jit`] (in-process execution with the same translation), [`run`] (`aotc run`: a
//! command module through the JIT on the real runtime, loaded by [`rt_lib`]), [`preload`]
//! (`--preload NAME=FILE`: modules providing imports), [`bench`](mod@bench)
//! (`aotc bench`), [`cache`] (compiled objects on disk), [`progress`] (the progress
//! bars) and [`diag`] (one-line errors).
pub mod bench;
pub mod cache;
pub mod cli;
pub mod diag;
pub mod driver;
pub mod input;
pub mod inspect;
pub mod jit;
pub mod link;
pub mod manifest;
pub mod preload;
pub mod progress;
pub mod rt_lib;
pub mod run;
pub mod target;
pub mod translate;

/// The wasi-rt runtime archive, built by `build.rs` and linked into every executable.
pub static RUNTIME_ARCHIVE: &[u8] = include_bytes!(env!("AOTC_RT_ARCHIVE"));

/// The same runtime built as a shared library (feature `jit-host`), loaded by `aotc run`
/// (see [`rt_lib`]).
pub static RUNTIME_JIT_LIB: &[u8] = include_bytes!(env!("AOTC_RT_JIT_LIB"));
