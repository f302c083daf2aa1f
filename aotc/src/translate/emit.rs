//! LLVM back end: target machine for x86-64 Linux (PIC, the chosen CPU), the
//! optimisation pipeline (LLVM's `default<On>`, at -O2/-O3 with an early loop
//! vectoriser run, see [`pipeline`]; no fast-math anywhere), the process-wide LLVM
//! options aotc sets ([`LLVM_OPTIONS`]: loop selects stay `cmov`s), and output as an
//! object, assembly or textual IR.

use anyhow::{anyhow, Result};
use inkwell::module::Module;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;

use super::Emit;

pub(crate) const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// What the translator needs to know of the CPU beyond x86-64's baseline (SSE2):
/// whether it may call SSSE3 intrinsics directly, and whether LLVM will round
/// float vectors with SSE4.1 (or with libm calls). Everything else is portable IR
/// LLVM lowers for the CPU.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuFeatures {
    pub ssse3: bool,
    pub sse41: bool,
}

impl CpuFeatures {
    pub fn of(cpu: &str) -> CpuFeatures {
        CpuFeatures {
            ssse3: crate::target::has_ssse3(cpu),
            sse41: crate::target::has_sse41(cpu),
        }
    }
}

/// LLVM options aotc sets for the whole process (LLVM keeps them in globals).
///
/// `-x86-cmov-converter-threshold`: LLVM's x86 back end turns a `cmov` on a loop's
/// critical path into a branch when its model, which assumes the branch is always
/// predicted, says the loop gets a few cycles shorter. Whether a wasm `select` is
/// predictable depends on the data, which an ahead-of-time compiler does not see,
/// and a mispredicted branch costs far more than the cmov's latency: the LCS
/// kernel's `max` (benches/dp_lcs.c) ran 2.9 x as long with `--target-cpu native`
/// on Zen 4 (0.84 s against 0.29 s; clang's own `-march=native` build of the C is
/// as slow, 1.04 s). A threshold no loop reaches keeps loop cmovs as cmovs, as
/// Cranelift and V8 do; the converter's other rule (a cmov reading memory outside
/// loops becomes a branch) stays. Nothing at the default CPU changes in the
/// benchmark kernels; in nextpnr (2.2 MB of wasm) 179 of ~3900 cmovs stay cmovs.
///
/// `-epilogue-vectorization-minimum-VF=8`: after a vector loop of VF lanes
/// interleaved IC times, up to VF x IC - 1 elements are left, which LLVM runs one
/// by one unless VF is at least this threshold (16 by default), in which case it
/// runs them through a narrower vector loop first. With 512-bit vectors a loop of
/// doubles is 8 lanes x 4: `gemm`'s rows of 220 left 28 elements (13 %) scalar, and
/// more of them once aotc rolls clang's unrolled loops back (`LoopReroll`). Measured
/// A/B on the MVP suite with `--target-cpu native` (Zen 4, five alternating runs):
/// `gemm` 0.92 -> 0.72 s, `heat3d` 0.73 -> 0.67 s (best runs), the rest within the
/// VM's noise; the default CPU's 128-bit vectors are below the threshold, and only
/// `recfilter`'s code changes there (0.44 / 0.46 s, noise).
const LLVM_OPTIONS: &[&std::ffi::CStr] = &[
    c"-x86-cmov-converter-threshold=1000000",
    c"-epilogue-vectorization-minimum-VF=8",
];

/// Registers LLVM's x86 target and sets [`LLVM_OPTIONS`], once per process:
/// neither is thread-safe, so it happens before code generation threads start (and
/// is a no-op afterwards).
pub(crate) fn initialize_llvm() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        Target::initialize_x86(&InitializationConfig::default());
        let argv: Vec<*const std::ffi::c_char> = std::iter::once(c"aotc")
            .chain(LLVM_OPTIONS.iter().copied())
            .map(|arg| arg.as_ptr())
            .collect();
        // SAFETY: argv holds argc pointers to NUL-terminated static strings; LLVM
        // copies what it keeps. A null overview is allowed; errors go nowhere (the
        // unit test `loop_selects_stay_cmovs_on_every_cpu` notices an option LLVM
        // no longer knows).
        unsafe {
            llvm_sys::support::LLVMParseCommandLineOptions(
                argv.len() as i32,
                argv.as_ptr(),
                std::ptr::null(),
            )
        };
    });
}

/// The target machine for `cpu` (`native` means this host's CPU and features).
pub(crate) fn target_machine(cpu: &str, opt_level: u8) -> Result<TargetMachine> {
    initialize_llvm();
    let triple = TargetTriple::create(TRIPLE);
    let target =
        Target::from_triple(&triple).map_err(|e| anyhow!("LLVM has no x86-64 target: {e}"))?;
    let (cpu_name, features) = if cpu == "native" {
        (
            TargetMachine::get_host_cpu_name().to_string(),
            TargetMachine::get_host_cpu_features().to_string(),
        )
    } else {
        (
            cpu.to_string(),
            crate::target::extra_features(cpu).to_string(),
        )
    };
    let level = match opt_level {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    };
    target
        .create_target_machine(
            &triple,
            &cpu_name,
            &features,
            level,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| anyhow!("LLVM could not create a target machine for CPU `{cpu}`"))
}

/// LLVM's -O2 and -O3 pipelines with one addition (written by build.rs from the
/// installed LLVM's own `default<On>`): the loop vectoriser also runs in each
/// function's simplification, after inlining, just before IndVarSimplify. Why: wasm
/// loops count in i32 and address memory as `base + zext(i32 address)`. Once
/// IndVarSimplify widens such an induction variable to i64, InstCombine rewrites the
/// exit test to a masked compare (`(iv & 0xFFFFFFF8) == 0`) and the addresses to
/// `zext(trunc(iv) + c)`, and ScalarEvolution can no longer count the iterations or see
/// the accesses as strided: the vectoriser at the end of the pipeline gives up on
/// loops native code vectorises (an MVP saxpy ran 5x slower than native). Before
/// widening the same loops are countable and their accesses affine, so the early run
/// vectorises them (with LLVM's usual runtime overlap and no-wrap checks); loops it
/// leaves alone get the usual late attempt. The early run is aotc's
/// `aotc-versioned-loop-vectorize` (`aotc/llvm/passes.cpp`), which first versions
/// unrolled loops by array so the overlap checks compare arrays, not neighbouring
/// accesses. Semantics are LLVM's: no fast-math, no reassociation of float reductions.
const PIPELINE_O2: &str = include_str!(env!("AOTC_PIPELINE_O2"));
const PIPELINE_O3: &str = include_str!(env!("AOTC_PIPELINE_O3"));

/// The pass pipeline for an IR optimisation level.
pub(crate) fn pipeline(opt_level: u8) -> std::borrow::Cow<'static, str> {
    match opt_level {
        0 | 1 => format!("default<O{opt_level}>").into(),
        2 => PIPELINE_O2.into(),
        _ => PIPELINE_O3.into(),
    }
}

extern "C" {
    /// `aotc/llvm/passes.cpp`: runs a textual pipeline as `LLVMRunPasses` does, with
    /// aotc's own passes known by name. Returns null, or a message to free with
    /// `aotc_llvm_free_message`.
    fn aotc_llvm_run_pipeline(
        module: llvm_sys::prelude::LLVMModuleRef,
        machine: llvm_sys::target_machine::LLVMTargetMachineRef,
        pipeline: *const std::ffi::c_char,
    ) -> *mut std::ffi::c_char;
    fn aotc_llvm_free_message(message: *mut std::ffi::c_char);
}

/// Runs the pipeline for the level.
pub(crate) fn optimise(module: &Module, tm: &TargetMachine, opt_level: u8) -> Result<()> {
    let pipeline = std::ffi::CString::new(pipeline(opt_level).as_bytes())
        .expect("pass pipelines have no NUL bytes");
    // SAFETY: both handles are live inkwell objects borrowed for the call, and the
    // pipeline is a NUL-terminated string; a returned message is ours to free.
    unsafe {
        let failure =
            aotc_llvm_run_pipeline(module.as_mut_ptr(), tm.as_mut_ptr(), pipeline.as_ptr());
        if failure.is_null() {
            return Ok(());
        }
        let message = std::ffi::CStr::from_ptr(failure)
            .to_string_lossy()
            .into_owned();
        aotc_llvm_free_message(failure);
        Err(anyhow!("LLVM optimisation failed: {message}"))
    }
}

/// Produces the requested output.
pub(crate) fn write(module: &Module, tm: &TargetMachine, emit: Emit) -> Result<Vec<u8>> {
    match emit {
        Emit::LlvmIr => Ok(module.print_to_string().to_bytes().to_vec()),
        Emit::Object | Emit::Assembly => {
            let kind = if emit == Emit::Object {
                FileType::Object
            } else {
                FileType::Assembly
            };
            let buf = tm
                .write_to_memory_buffer(module, kind)
                .map_err(|e| anyhow!("LLVM code generation failed: {e}"))?;
            Ok(buf.as_slice().to_vec())
        }
    }
}
