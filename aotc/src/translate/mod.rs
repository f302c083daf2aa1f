//! Translation of a validated wasm module to LLVM IR and on to an object file.
//!
//! Pipeline: `module_info` reads and validates the module; `module_cx` declares
//! module state and functions; `func` translates each body (one emitter per opcode
//! category); `instantiate` adds the entry points and tables the runtime expects;
//! `emit` optimises and writes the output. Layouts shared with the runtime live in
//! `abi_types`, checked against `aotc_abi`.

mod abi_types;
mod const_expr;
mod emit;
mod func;
mod instantiate;
mod llvm_util;
mod module_cx;
pub mod module_info;

use anyhow::{anyhow, Result};
use inkwell::context::Context;
use inkwell::targets::TargetTriple;

/// What to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    Object,
    LlvmIr,
    Assembly,
}

/// Code generation settings.
#[derive(Debug, Clone)]
pub struct CodegenOptions {
    /// 0..=3.
    pub opt_level: u8,
    /// LLVM CPU name (`x86-64-v2`, `native`, `znver3`, …).
    pub target_cpu: String,
    /// Encoded capability manifest to embed (see `aotc_abi::manifest`).
    pub manifest: Vec<u8>,
    pub emit: Emit,
}

/// Validates `wasm` and translates it; returns the bytes of the requested output.
/// Errors are complete one-line messages (invalid module with byte offset and
/// function, unknown imports listed, ...).
pub fn compile(wasm: &[u8], opts: &CodegenOptions) -> Result<Vec<u8>> {
    let info = module_info::read_module(wasm)?;
    let llcx = Context::create();
    let features = emit::CpuFeatures::of(&opts.target_cpu);
    let cx = module_cx::ModuleCx::new(&llcx, &info, "wasm", features)?;
    let imported = info.num_imported_funcs();
    for (i, body) in info.bodies.iter().enumerate() {
        func::translate_function(&cx, imported + i as u32, body)?;
    }
    cx.preserve_loads_into_unread_globals();
    instantiate::emit_module_symbols(&cx, &opts.manifest)?;

    let tm = emit::target_machine(&opts.target_cpu, opts.opt_level)?;
    cx.module.set_triple(&TargetTriple::create(emit::TRIPLE));
    cx.module
        .set_data_layout(&tm.get_target_data().get_data_layout());
    cx.module.verify().map_err(|e| {
        anyhow!(
            "internal compiler error: invalid LLVM IR generated: {}",
            e.to_string().trim()
        )
    })?;
    emit::optimise(&cx.module, &tm, opts.opt_level)?;
    emit::write(&cx.module, &tm, opts.emit)
}

#[cfg(test)]
mod tests;
