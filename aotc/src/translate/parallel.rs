//! Runs a partition plan: each partition is translated into an LLVM module of its
//! own, in its own LLVM `Context`, optimised and emitted as an object, on a pool of
//! worker threads.
//!
//! Invariants:
//! - Outputs come back in partition order, whatever order the workers finished in, so
//!   the result never depends on the number of threads or on timing.
//! - An LLVM `Context` and everything made from it stay on the thread that created
//!   them; threads share only the read-only `ModuleInfo`, the plan and the symbol
//!   names (`SplitModule`). LLVM's target registry is initialised once, before any
//!   worker starts.
//! - A partition's LLVM module is freed as soon as its object is emitted, so at most
//!   `jobs` partitions are in memory at a time; the state-only owner of a huge module
//!   is alone in memory.
//! - The first failure stops the workers from taking more partitions; the error of
//!   the lowest-numbered failed partition is returned.
//! - An unsplit plan runs on the calling thread (exactly the single-module compile).
//! - Cross-partition inlining: a full-effort partition (at `-O1` and up) also gets
//!   `available_externally` copies of the small functions of other partitions it
//!   calls directly (bodies of at most [`INLINE_COPY_MAX_BYTES`]), as ThinLTO imports
//!   functions: the inliner may use them, nothing is emitted for them, and the call
//!   goes to the one real definition when they are not inlined.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Result};
use inkwell::context::Context;

use super::module_cx::{Share, SplitModule};
use super::module_info::ModuleInfo;
use super::partition::{Effort, Part, Plan, OWNER_ALONE_FUNCS};
use super::{emit, translate_part, CodegenOptions, PartFuncs, PartReport, Progress};

/// One partition's output and report.
type Compiled = (Vec<u8>, PartReport);

/// Largest body (bytes of wasm) copied into other partitions for inlining.
/// Measured on CPython at `-O2` (Python code run time relative to one module;
/// compile CPU time): no copies 1.20×, 97 s; 160 bytes 1.04×, 117 s; 400 bytes
/// 1.00×, 135 s.
pub(crate) const INLINE_COPY_MAX_BYTES: u64 = 160;

/// Stack of a worker thread: LLVM recurses on deeply nested code (the main thread
/// has 8 MiB); address space only, committed as used.
const WORKER_STACK_BYTES: usize = 64 << 20;

/// Compiles every partition of `plan`; returns the outputs and reports in partition
/// order.
pub(crate) fn run(
    info: &ModuleInfo<'_>,
    opts: &CodegenOptions,
    plan: &Plan,
    jobs: usize,
    progress: &dyn Progress,
) -> Result<(Vec<Vec<u8>>, Vec<PartReport>)> {
    if !plan.is_split() {
        let (out, report) = compile_part(
            info,
            opts,
            (&plan.parts[0], &plan.optnone),
            Share::Whole,
            progress,
            |_| Ok(Vec::new()),
        )?;
        return Ok((vec![out], vec![report]));
    }
    emit::initialize_llvm();
    let split = SplitModule::new(info)?;
    let mut part_of = vec![0u32; info.bodies.len()];
    for (p, part) in plan.parts.iter().enumerate() {
        for &f in &part.funcs {
            part_of[f as usize] = p as u32;
        }
    }
    let order = plan.schedule();
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<Compiled>>>> =
        Mutex::new((0..plan.parts.len()).map(|_| None).collect());
    let workers = jobs.clamp(1, plan.parts.len());
    let compile_index = |index: usize| {
        let share = Share::Part {
            owner: index == 0,
            split: &split,
        };
        let part = (&plan.parts[index], &plan.optnone[..]);
        let result = compile_part(info, opts, part, share, progress, |part| {
            inline_copies(info, opts, part, index as u32, &part_of)
        });
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
    };
    // A state-only owner of a huge module (see `partition`) is compiled before any
    // other partition starts: it alone peaks at about what two regular partitions do.
    let owner_alone = plan.parts[0].funcs.is_empty() && info.bodies.len() >= OWNER_ALONE_FUNCS;
    if owner_alone {
        compile_index(0);
    }
    let next = AtomicUsize::new(usize::from(owner_alone));

    std::thread::scope(|scope| -> Result<()> {
        let work = || loop {
            if failed.load(Ordering::Relaxed) {
                return;
            }
            let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return;
            };
            compile_index(index);
        };
        let mut handles = Vec::with_capacity(workers);
        for n in 0..workers {
            let handle = std::thread::Builder::new()
                .name(format!("aotc-codegen-{n}"))
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, work)
                .map_err(|e| anyhow!("cannot start a code generation thread: {e}"))?;
            handles.push(handle);
        }
        for h in handles {
            // A panicking worker has already reported it (the panic hook exits).
            let _ = h.join();
        }
        Ok(())
    })?;

    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut outputs = Vec::with_capacity(results.len());
    let mut reports = Vec::with_capacity(results.len());
    for (index, r) in results.into_iter().enumerate() {
        match r {
            Some(Ok((out, report))) => {
                outputs.push(out);
                reports.push(report);
            }
            Some(Err(e)) => return Err(e),
            None if failed.load(Ordering::Relaxed) => continue,
            None => {
                return Err(anyhow!(
                    "internal compiler error: partition {index} was never compiled"
                ))
            }
        }
    }
    if outputs.len() != plan.parts.len() {
        return Err(anyhow!(
            "internal compiler error: a code generation thread stopped without a result"
        ));
    }
    Ok((outputs, reports))
}

/// The functions of other partitions that `part` (partition `index`) calls directly
/// and may inline: bodies of at most [`INLINE_COPY_MAX_BYTES`], increasing.
fn inline_copies(
    info: &ModuleInfo<'_>,
    opts: &CodegenOptions,
    part: &Part,
    index: u32,
    part_of: &[u32],
) -> Result<Vec<u32>> {
    if part.effort != Effort::Full || opts.opt_level == 0 {
        return Ok(Vec::new());
    }
    let imported = info.num_imported_funcs();
    let mut copies = BTreeSet::new();
    for &f in &part.funcs {
        let mut reader = info.bodies[f as usize].get_operators_reader()?;
        while !reader.eof() {
            let wasmparser::Operator::Call { function_index } = reader.read()? else {
                continue;
            };
            let Some(callee) = function_index.checked_sub(imported) else {
                continue;
            };
            let body = &info.bodies[callee as usize];
            let r = body.range();
            if part_of[callee as usize] != index && r.end - r.start <= INLINE_COPY_MAX_BYTES {
                copies.insert(callee);
            }
        }
    }
    Ok(copies.into_iter().collect())
}

/// Translates, optimises and emits one partition in a fresh LLVM context; `optnone`
/// lists the functions of the plan that get no IR optimisation.
fn compile_part(
    info: &ModuleInfo<'_>,
    opts: &CodegenOptions,
    (part, optnone): (&Part, &[u32]),
    share: Share<'_>,
    progress: &dyn Progress,
    inline_copies: impl FnOnce(&Part) -> Result<Vec<u32>>,
) -> Result<Compiled> {
    let copies = inline_copies(part)?;
    let llcx = Context::create();
    let funcs = PartFuncs {
        funcs: &part.funcs,
        inline_copies: &copies,
        effort: part.effort,
        optnone,
    };
    let built = translate_part(&llcx, info, opts, share, &funcs, progress)?;
    let started = Instant::now();
    let out = emit::write(&built.module, &built.tm, opts.emit)?;
    let report = PartReport {
        range: part
            .funcs
            .first()
            .zip(part.funcs.last())
            .map(|(a, b)| (*a, *b)),
        functions: part.funcs.len(),
        inline_copies: copies.len(),
        bytes: part.bytes,
        effort: part.effort,
        translate: built.translate,
        optimise: built.optimise,
        codegen: started.elapsed(),
    };
    drop(built);
    progress.part_done();
    Ok((out, report))
}
