//! aotc: WebAssembly (WASI preview1) to native executable compiler.
//!
//! The library behind the `aotc` command: [`cli`] (command line), [`driver`] (the
//! compile pipeline), [`input`] (reading .wasm/.wat), [`manifest`] (capabilities,
//! sandbox-critical), [`target`] (CPU names), [`translate`] (wasm → LLVM → object),
//! [`link`] (objects + runtime → executable), [`inspect`] (reading a manifest back),
//! [`jit`] (in-process execution with the same translation), [`cache`] (compiled
//! objects on disk), [`progress`] (the progress bars) and [`diag`] (one-line errors).
pub mod cache;
pub mod cli;
pub mod diag;
pub mod driver;
pub mod input;
pub mod inspect;
pub mod jit;
pub mod link;
pub mod manifest;
pub mod progress;
pub mod target;
pub mod translate;

/// The wasi-rt runtime archive, built by `build.rs` and linked into every executable.
pub static RUNTIME_ARCHIVE: &[u8] = include_bytes!(env!("AOTC_RT_ARCHIVE"));
