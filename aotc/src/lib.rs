//! aotc: WebAssembly (WASI preview1) to native executable compiler.
pub mod translate;

/// The wasi-rt runtime archive, built by `build.rs` and linked into every executable.
pub static RUNTIME_ARCHIVE: &[u8] = include_bytes!(env!("AOTC_RT_ARCHIVE"));
