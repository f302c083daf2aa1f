//! Translation of a validated wasm module to LLVM IR and on to an object file.
//!
//! Pipeline: `module_info` reads and validates the module; `module_cx` declares
//! module state and functions; `func` translates each body (one emitter per opcode
//! category); `instantiate` adds the entry points and tables the runtime expects;
//! `emit` optimises and writes the output. Layouts shared with the runtime live in
//! `abi_types`, checked against `aotc_abi`. A big module is split into partitions
//! (`partition` plans them) compiled on worker threads, each into an LLVM module and
//! object of its own (`parallel`); a function whose shape would make LLVM slow
//! (`complexity`) is compiled at a lower effort, whatever the path.

mod abi_types;
pub mod complexity;
mod const_expr;
mod emit;
mod entry;
mod exports;
mod func;
mod imports;
mod instantiate;
mod llvm_util;
mod module_cx;
pub mod module_info;
mod parallel;
pub mod partition;
pub mod preload;
mod share;
mod threads;
pub mod types;

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use inkwell::context::Context;
use inkwell::targets::TargetTriple;

pub use partition::{Effort, Plan, Split};

/// What to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    Object,
    LlvmIr,
    Assembly,
}

pub use entry::{check_entry, Entry};

/// Whether a command imports wasi-threads' `thread-spawn` (see `threads`).
pub fn spawns_threads(info: &module_info::ModuleInfo) -> bool {
    threads::spawns_threads(info, &Embedding::Command)
}
pub use exports::{CALL_SLOT_BYTES, OWNED_MEMORIES_SYMBOL};
pub(crate) use imports::{describe_signature, unknown_function_imports, unknown_imports_message};
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
    /// The encoded capability manifest (see `aotc_abi::manifest`). `Some`: embedded in
    /// the module's state (one LLVM module: the JIT, `--emit llvm-ir`/`asm`). `None`:
    /// the code only refers to its symbols and [`manifest_object`] defines them at link
    /// time, so the compiled code (and its cache entry) does not depend on the grants.
    pub manifest: Option<Vec<u8>>,
    pub emit: Emit,
    /// Standalone command (the default) or embedded module.
    pub embedding: Embedding,
    /// What a standalone executable calls after instantiation (ignored when embedded).
    pub entry: Entry,
    /// Make every linear-memory load volatile, so that an out-of-bounds load traps
    /// even when its value is unused after optimisation (exact wasm trap semantics at
    /// some cost in optimisation; see `func/dead_loads.rs`).
    pub strict_load_traps: bool,
    /// How this module links to preloaded modules (`--preload`, see `preload`).
    pub link: preload::Linking,
}

/// Validates `wasm` and translates it as one LLVM module; returns the bytes of the
/// requested output. Errors are complete one-line messages (invalid module with byte
/// offset and function, unknown imports listed, ...).
pub fn compile(wasm: &[u8], opts: &CodegenOptions) -> Result<Vec<u8>> {
    let plan = plan(wasm, opts, Split::Whole);
    let mut out = compile_split(wasm, opts, &plan, 1, &NoProgress)?;
    Ok(out.outputs.swap_remove(0))
}

/// The partitions `wasm` is compiled in for `split` (see [`partition`]). Textual
/// outputs and embedded modules are always one partition. The module is read, not
/// validated: the plan of an invalid module does not matter, its compilation fails.
pub fn plan(wasm: &[u8], opts: &CodegenOptions, split: Split) -> Plan {
    let split = match (opts.emit, &opts.embedding) {
        (Emit::Object, Embedding::Command) => split,
        _ => Split::Whole,
    };
    let shapes = complexity::shapes(wasm);
    let sizes: Vec<u32> = shapes.iter().map(|s| s.bytes).collect();
    let efforts: Vec<Effort> = shapes.iter().map(complexity::Shape::effort).collect();
    partition::plan(&sizes, &efforts, split, &partition::LIMITS)
}

/// An object defining only the manifest's symbols (see `instantiate::manifest_symbols`),
/// linked with code compiled with `manifest: None`. Small and cheap: no function, no
/// optimisation, a generic CPU.
pub fn manifest_object(manifest: &[u8]) -> Result<Vec<u8>> {
    let llcx = Context::create();
    let module = llcx.create_module("aotc.manifest");
    instantiate::manifest_symbols(&llcx, &module, manifest);
    let tm = emit::target_machine("x86-64", 0)?;
    module.set_triple(&TargetTriple::create(emit::TRIPLE));
    module.set_data_layout(&tm.get_target_data().get_data_layout());
    emit::write(&module, &tm, Emit::Object)
}

/// The result of [`compile_split`].
#[derive(Debug)]
pub struct Compiled {
    /// One output per partition, in partition order (partition 0 holds the module
    /// state): objects, or the one IR/assembly text of an unsplit module.
    pub outputs: Vec<Vec<u8>>,
    /// What each partition held and how long it took, in partition order.
    pub parts: Vec<PartReport>,
    /// Time spent reading and validating the module.
    pub validate: Duration,
}

/// Facts about one compiled partition, for `-v`.
#[derive(Debug, Clone)]
pub struct PartReport {
    /// First and last defined-function index (0 = the first function with a body).
    pub range: Option<(u32, u32)>,
    pub functions: usize,
    /// Functions of other partitions copied in for inlining.
    pub inline_copies: usize,
    /// Bytes of wasm function bodies.
    pub bytes: u64,
    pub effort: Effort,
    pub translate: Duration,
    pub optimise: Duration,
    pub codegen: Duration,
}

/// Progress of a compilation, reported from worker threads.
pub trait Progress: Sync {
    /// Called once, before any work: how many functions and partitions there are.
    fn begin(&self, _functions: u64, _partitions: u64) {}
    /// `n` more functions translated to LLVM IR.
    fn translated(&self, _n: u64) {}
    /// One more partition optimised and emitted.
    fn part_done(&self) {}
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {}

/// Validates `wasm` and compiles the partitions of `plan` (from [`plan`]) on `jobs`
/// threads.
pub fn compile_split(
    wasm: &[u8],
    opts: &CodegenOptions,
    plan: &Plan,
    jobs: usize,
    progress: &dyn Progress,
) -> Result<Compiled> {
    let started = Instant::now();
    let info = module_info::read_module(wasm)?;
    if matches!(opts.embedding, Embedding::Command) && !opts.link.is_provider() {
        // Before any body is translated: a module/entry mismatch is reported at once.
        entry::resolve(&info, &opts.entry)?;
    }
    let validate = started.elapsed();
    let planned: usize = plan.parts.iter().map(|p| p.funcs.len()).sum();
    if planned != info.bodies.len() {
        bail!(
            "internal compiler error: the partition plan has {planned} functions, the module {}",
            info.bodies.len()
        );
    }
    progress.begin(planned as u64, plan.parts.len() as u64);
    let (outputs, parts) = parallel::run(&info, opts, plan, jobs, progress)?;
    Ok(Compiled {
        outputs,
        parts,
        validate,
    })
}

/// Translates and optimises a validated module (`info`, read from `wasm`) into one
/// LLVM module for `opts`' CPU and level. Used by the in-process JIT.
pub(crate) fn translate_module<'ctx>(
    llcx: &'ctx Context,
    wasm: &[u8],
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
    let plan = plan(wasm, opts, Split::Whole);
    let part = PartFuncs {
        funcs: &plan.parts[0].funcs,
        inline_copies: &[],
        effort: Effort::Full,
        optnone: &plan.optnone,
    };
    let built = translate_part(
        llcx,
        info,
        opts,
        module_cx::Share::Whole,
        &part,
        &NoProgress,
    )?;
    Ok((built.module, built.tm))
}

/// An optimised LLVM module, ready for code generation.
pub(crate) struct BuiltPart<'ctx> {
    pub module: inkwell::module::Module<'ctx>,
    pub tm: inkwell::targets::TargetMachine,
    pub translate: Duration,
    pub optimise: Duration,
}

/// What one LLVM module compiles: `funcs` (indices among the bodies) to define, and
/// `inline_copies`, functions of other partitions also translated here as
/// `available_externally` copies, for the inliner only (never emitted); `optnone`,
/// those of `funcs` that get no IR optimisation (see [`Plan::optnone`]).
pub(crate) struct PartFuncs<'p> {
    pub funcs: &'p [u32],
    pub inline_copies: &'p [u32],
    pub effort: Effort,
    pub optnone: &'p [u32],
}

/// Translates a partition's functions into a new LLVM module holding `share` of
/// the module, and optimises it at the partition's effort.
pub(crate) fn translate_part<'a, 'ctx>(
    llcx: &'ctx Context,
    info: &'a module_info::ModuleInfo<'a>,
    opts: &CodegenOptions,
    share: module_cx::Share<'a>,
    part: &PartFuncs,
    progress: &dyn Progress,
) -> Result<BuiltPart<'ctx>> {
    let effort = part.effort;
    let started = Instant::now();
    let features = emit::CpuFeatures::of(&opts.target_cpu);
    let mut cx = module_cx::ModuleCx::new(
        llcx,
        info,
        "wasm",
        opts.embedding.clone(),
        opts.link.clone(),
        share,
        features,
    )?;
    cx.strict_load_traps = opts.strict_load_traps;
    let imported = info.num_imported_funcs();
    for &i in part.funcs {
        func::translate_function(&cx, imported + i, &info.bodies[i as usize])?;
        progress.translated(1);
    }
    for &i in part.inline_copies {
        func::translate_function(&cx, imported + i, &info.bodies[i as usize])?;
        cx.function(imported + i)?
            .as_global_value()
            .set_linkage(inkwell::module::Linkage::AvailableExternally);
    }
    for &i in part.optnone {
        llvm_util::set_optnone(llcx, cx.function(imported + i)?);
    }
    cx.preserve_loads_into_unread_globals();
    if share.defines_state() {
        instantiate::emit_module_symbols(&cx, opts.manifest.as_deref(), &opts.entry)?;
    }

    let tm = emit::target_machine(&opts.target_cpu, effort.codegen_level(opts.opt_level))?;
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
    if opts.link.is_provider() {
        preload::rename_module_symbols(&cx.module, &opts.link.symbol_prefix);
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
    let translate = started.elapsed();
    let started = Instant::now();
    emit::optimise(&cx.module, &tm, effort.ir_level(opts.opt_level))?;
    Ok(BuiltPart {
        module: cx.module,
        tm,
        translate,
        optimise: started.elapsed(),
    })
}

#[cfg(test)]
mod tests;
