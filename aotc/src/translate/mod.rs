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
mod entry;
mod exports;
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

pub use entry::{check_entry, Entry};
pub use exports::{CALL_SLOT_BYTES, OWNED_MEMORY_SYMBOL};
pub use module_cx::{
    export_call_symbol, export_symbol, import_symbol, ConstVal, Embedding, ImportKind,
};

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
    /// Standalone command (the default) or embedded module.
    pub embedding: Embedding,
    /// What a standalone executable calls after instantiation (ignored when embedded).
    pub entry: Entry,
    /// Make every linear-memory load volatile, so that an out-of-bounds load traps
    /// even when its value is unused after optimisation (exact wasm trap semantics at
    /// some cost in optimisation; see `func/dead_loads.rs`).
    pub strict_load_traps: bool,
}

/// Validates `wasm` and translates it; returns the bytes of the requested output.
/// Errors are complete one-line messages (invalid module with byte offset and
/// function, unknown imports listed, ...).
pub fn compile(wasm: &[u8], opts: &CodegenOptions) -> Result<Vec<u8>> {
    let info = module_info::read_module(wasm)?;
    let llcx = Context::create();
    let (module, tm) = translate_module(&llcx, &info, opts)?;
    emit::write(&module, &tm, opts.emit)
}

/// Translates and optimises a validated module into an LLVM module for `opts`' CPU
/// and level. Shared by [`compile`] and the in-process JIT.
pub(crate) fn translate_module<'ctx>(
    llcx: &'ctx Context,
    info: &module_info::ModuleInfo<'_>,
    opts: &CodegenOptions,
) -> Result<(
    inkwell::module::Module<'ctx>,
    inkwell::targets::TargetMachine,
)> {
    if let Embedding::Command = opts.embedding {
        // Before any body is translated: a module/entry mismatch is reported at once.
        entry::resolve(info, &opts.entry)?;
    }
    let features = emit::CpuFeatures::of(&opts.target_cpu);
    let mut cx = module_cx::ModuleCx::new(llcx, info, "wasm", opts.embedding.clone(), features)?;
    cx.strict_load_traps = opts.strict_load_traps;
    let imported = info.num_imported_funcs();
    for (i, body) in info.bodies.iter().enumerate() {
        func::translate_function(&cx, imported + i as u32, body)?;
    }
    cx.preserve_loads_into_unread_globals();
    instantiate::emit_module_symbols(&cx, &opts.manifest, &opts.entry)?;

    let tm = emit::target_machine(&opts.target_cpu, opts.opt_level)?;
    // Every function carries the CPU and its features, so any code generator
    // (this target machine, or MCJIT's generic one) selects the same instructions.
    let cpu = tm.get_cpu().to_string();
    let features = tm.get_feature_string().to_string_lossy().into_owned();
    for f in cx
        .module
        .get_functions()
        .filter(|f| f.count_basic_blocks() > 0)
    {
        f.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            llcx.create_string_attribute("target-cpu", &cpu),
        );
        if !features.is_empty() {
            f.add_attribute(
                inkwell::attributes::AttributeLoc::Function,
                llcx.create_string_attribute("target-features", &features),
            );
        }
    }
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
    Ok((cx.module, tm))
}

#[cfg(test)]
mod tests;
