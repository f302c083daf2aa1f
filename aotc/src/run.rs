//! `aotc run`: runs a WASI command module (or, with `--invoke`/`--invoke-main`, an
//! export of any module, reactors included) in-process through LLVM's JIT (MCJIT), with
//! the same translation, the same manifest and the same runtime as an executable built
//! from it (sandbox-critical: the capabilities given here are all the module gets).
//!
//! Pipeline: capabilities (`driver::capabilities`, so the flags and `--manifest` mean
//! exactly what they mean to the compiler) → input → `translate::translate_module` with
//! `Embedding::Command` and the manifest encoded as for an executable → MCJIT →
//! [`RuntimeLib`] (wasi-rt built as a shared library) → `aotc_rt_jit_main`, the
//! runtime's entry, which from there on does what an executable's `main` does: opens
//! the grants, installs the fault handlers, runs the entry (`_start`, or the invoked
//! export, see `translate::Entry`) on the guarded guest stack,
//! reports traps (exit 134) and exits with the `proc_exit` status.
//!
//! Invariants:
//! - Every function the module declares but does not define and the runtime library
//!   exports is bound to the library's definition explicitly (never resolved by name
//!   through the process, where aotc's own copy of the memory code lives); an
//!   `aotc_`-prefixed one the library lacks is an internal error, not a silent
//!   fallback. Anything else (libc's `memcpy` and the like) is left to MCJIT.
//! - MCJIT registers the code's `.eh_frame` with the process's libgcc unwinder, the one
//!   the runtime library uses, so trap backtraces name JIT-compiled wasm functions.
//! - The module's code, data and the guest's argv are never freed: the process ends
//!   when the module does.
//! - Nothing is written to aotc's stdout; with `-v` the phase times go to stderr before
//!   the module starts.
//! - A module the compiler would split (1 MiB of code or more, or a function whose
//!   shape gets a lowered effort, see `translate::complexity`) is not JIT-compiled:
//!   one LLVM module holding all of it costs gigabytes and one core (a million
//!   functions: 5.7 GB). It is built exactly as `aotc MODULE` builds it (partitions
//!   on every core, bounded memory, the compile cache) into a private temporary
//!   directory, which is deleted before the executable replaces aotc (`fexecve` of
//!   the still-open file), with the same argv and environment.

use std::ffi::{c_char, c_int, CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use inkwell::context::Context;
use inkwell::execution_engine::ExecutionEngine;
use inkwell::values::AnyValue;
use inkwell::OptimizationLevel;

use crate::cli::EmitKind;
use crate::diag::{quote, Diag, Result};
use crate::driver::{self, CompileRequest};
use crate::manifest::CapabilityFlags;
use crate::rt_lib::RuntimeLib;
use crate::target;
use crate::translate::module_info::{read_module, ModuleInfo};
use crate::translate::{self, CodegenOptions, Embedding, Emit, Entry};
use aotc_abi::image::{EntryFn, JitMainFn, ModuleImage};
use aotc_abi::layout::FuncInfo;
use aotc_abi::sym;

/// What `aotc run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub input: PathBuf,
    pub opt_level: u8,
    pub target_cpu: String,
    /// `--manifest caps.toml`.
    pub manifest_file: Option<PathBuf>,
    pub caps: CapabilityFlags,
    pub strict_traps: bool,
    /// `-v`: phase times on stderr.
    pub verbose: bool,
    /// `_start`, or the function `--invoke`/`--invoke-main` names.
    pub entry: Entry,
    /// The module's arguments after argv\[0\] (which is the module's file name).
    pub args: Vec<OsString>,
}

/// Name of the last `-v` timing line: the time from aotc's start until the module
/// starts (`aotc bench` reads it as the JIT's compile time).
pub const READY_PHASE: &str = "ready to start";
/// Prefix of every `-v` timing line, followed by the phase name padded to
/// `PHASE_WIDTH`, the milliseconds and ` ms`.
pub const TIME_PREFIX: &str = "aotc: time: ";
const PHASE_WIDTH: usize = 26;

/// Runs the module. Returns the exit status when its `_start` returns; `proc_exit`,
/// traps and runtime start-up errors end the process from inside the runtime.
pub fn run(req: &RunRequest) -> Result<i32> {
    let started = Instant::now();
    let mut last = started;
    let phase = |name: &str, last: &mut Instant| {
        let now = Instant::now();
        if req.verbose {
            eprintln!(
                "{TIME_PREFIX}{name:<PHASE_WIDTH$} {:>9.1} ms",
                (now - *last).as_secs_f64() * 1000.0
            );
        }
        *last = now;
    };

    target::check_cpu(&req.target_cpu)?;
    let caps = driver::capabilities(req.manifest_file.as_deref(), &req.caps)?;
    let input = crate::input::read_input(&req.input)?;
    phase("read input", &mut last);

    // The manifest exactly as `aotc` would embed it in an executable.
    let facts = driver::build_facts(&compile_request(req), &input);
    let manifest = caps.into_manifest(facts).encode();
    let opts = CodegenOptions {
        opt_level: req.opt_level,
        target_cpu: req.target_cpu.clone(),
        manifest: Some(manifest),
        emit: Emit::Object,
        embedding: Embedding::Command,
        strict_load_traps: req.strict_traps,
        link: Default::default(),
        entry: req.entry.clone(),
    };
    if translate::plan(&input.wasm, &opts, translate::Split::Auto).is_split() {
        // The build validates the module itself: no second validation here.
        return exec_compiled(req);
    }
    let info = read_module(&input.wasm).map_err(|e| Diag::from_anyhow(&e))?;
    if translate::spawns_threads(&info) {
        // Thread-local module state (see `translate::threads`) needs the static
        // executable's TLS, which the JIT does not provide.
        return exec_compiled(req);
    }
    check_entry(&info, &req.entry, &req.input)?;
    // Leaked: the JIT-compiled code lives as long as the process.
    let llcx: &'static Context = Box::leak(Box::new(Context::create()));
    let (module, _tm) = translate::translate_module(llcx, &input.wasm, &info, &opts)
        .map_err(|e| Diag::from_anyhow(&e))?;
    phase("translate", &mut last);

    let rt = RuntimeLib::load()?;
    phase("load runtime", &mut last);
    let engine = module
        .create_jit_execution_engine(codegen_level(req.opt_level))
        .map_err(|e| Diag::new(format!("LLVM JIT: {e}")))?;
    bind_runtime(&engine, &module, &rt)?;
    let image = module_image(&engine)?;
    phase("jit compile", &mut last);
    let entry = rt.symbol(sym::JIT_MAIN).ok_or_else(|| {
        Diag::new(format!(
            "internal error: the runtime library has no {}",
            sym::JIT_MAIN
        ))
    })?;
    // The engine owns the module; both stay alive with the process.
    std::mem::forget(module);
    std::mem::forget(engine);

    let argv = guest_argv(&req.input, &req.args);
    let argc = c_int::try_from(argv.len() - 1)
        .map_err(|_| Diag::new("too many arguments for the module"))?;
    if req.verbose {
        let total = started.elapsed().as_secs_f64() * 1000.0;
        eprintln!("{TIME_PREFIX}{READY_PHASE:<PHASE_WIDTH$} {total:>9.1} ms");
    }
    // SAFETY: `entry` is the runtime library's aotc_rt_jit_main (type JitMainFn); argv
    // holds argc NUL-terminated strings and a null, leaked; the image's pointers are
    // the live JIT-compiled module's; the name is a static C string.
    let status = unsafe {
        let entry: JitMainFn = std::mem::transmute(entry);
        entry(argc, argv.as_ptr(), &image, c"aotc".as_ptr())
    };
    Ok(status)
}

/// Builds the module as an executable in a private temporary directory and executes
/// it in place of aotc (see the module invariants). Returns only on failure.
fn exec_compiled(req: &RunRequest) -> Result<i32> {
    let dir = tempfile::Builder::new()
        .prefix("aotc-run-")
        .tempdir()
        .map_err(|e| Diag::new(format!("cannot create a temporary directory: {e}")))?;
    if req.verbose {
        eprintln!("aotc: run: the module is split into partitions, so it is compiled as an executable and run");
    }
    let exe = dir.path().join("module");
    let mut build = compile_request(req);
    build.output = Some(exe.clone());
    build.verbose = req.verbose;
    build.no_cache = false;
    driver::compile(&build)?;
    let file = std::fs::File::open(&exe)
        .map_err(|e| Diag::new(format!("cannot open the compiled module: {e}")))?;
    // The open file keeps the executable alive; nothing stays on disk.
    drop(dir);
    let argv = guest_argv(&req.input, &req.args);
    let env: Vec<CString> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect();
    let mut envp: Vec<*const c_char> = env.iter().map(|c| c.as_ptr()).collect();
    envp.push(std::ptr::null());
    use std::os::fd::AsRawFd;
    // SAFETY: argv and envp are null-terminated arrays of NUL-terminated strings that
    // outlive the call; on success the process image is replaced.
    unsafe { libc::fexecve(file.as_raw_fd(), argv.as_ptr(), envp.as_ptr()) };
    Err(Diag::new(format!(
        "cannot execute the compiled module: {}",
        std::io::Error::last_os_error()
    )))
}

/// Checks that `wasm` (read from `path`) is a valid WASI command module.
pub fn check_command(wasm: &[u8], path: &Path) -> Result<()> {
    let info = read_module(wasm).map_err(|e| Diag::from_anyhow(&e))?;
    check_entry(&info, &Entry::Start, path)
}

/// Checks that the module read from `path` has what `entry` calls.
fn check_entry(info: &ModuleInfo, entry: &Entry, path: &Path) -> Result<()> {
    translate::check_entry(info, entry)
        .map_err(|e| Diag::from_anyhow(&e).context(quote(&path.display().to_string())))
}

/// The equivalent `aotc` compile request, for the manifest's build facts.
fn compile_request(req: &RunRequest) -> CompileRequest {
    CompileRequest {
        input: req.input.clone(),
        output: None,
        opt_level: req.opt_level,
        emit: EmitKind::Exe,
        entry: req.entry.clone(),
        target_cpu: req.target_cpu.clone(),
        manifest_file: req.manifest_file.clone(),
        caps: req.caps.clone(),
        strip: false,
        verbose: false,
        strict_traps: req.strict_traps,
        jobs: None,
        partitions: None,
        no_cache: true,
        preloads: Vec::new(),
    }
}

/// MCJIT's code generation level for `-O`.
fn codegen_level(opt_level: u8) -> OptimizationLevel {
    match opt_level {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    }
}

/// Binds every function the module declares to the runtime library's definition
/// (see the module invariants).
fn bind_runtime(
    engine: &ExecutionEngine<'static>,
    module: &inkwell::module::Module<'static>,
    rt: &RuntimeLib,
) -> Result<()> {
    for f in module.get_functions() {
        if f.count_basic_blocks() > 0 || f.get_intrinsic_id() != 0 {
            continue;
        }
        let name = f.get_name().to_string_lossy();
        match rt.symbol(&name) {
            Some(addr) => engine.add_global_mapping(&f.as_any_value_enum(), addr),
            None if name.starts_with("aotc_") => {
                return Err(Diag::new(format!(
                    "internal error: the runtime library does not define {name}, which the module calls"
                )));
            }
            None => {}
        }
    }
    Ok(())
}

/// Reads the module image from the JIT-compiled module (this finalises the code).
fn module_image(engine: &ExecutionEngine<'static>) -> Result<ModuleImage> {
    let global = |name: &str| -> Result<usize> {
        let cname = CString::new(name).expect("symbol names have no NUL");
        // SAFETY: a live engine and a NUL-terminated name.
        let addr = unsafe {
            llvm_sys::execution_engine::LLVMGetGlobalValueAddress(
                engine.as_mut_ptr(),
                cname.as_ptr(),
            )
        };
        if addr == 0 {
            return Err(Diag::new(format!(
                "internal error: the JIT-compiled module has no {name}"
            )));
        }
        Ok(addr as usize)
    };
    let function = |name: &str| -> Result<EntryFn> {
        let addr = engine.get_function_address(name).map_err(|e| {
            Diag::new(format!(
                "internal error: the JIT-compiled module has no {name}: {e:?}"
            ))
        })?;
        // SAFETY: the generated entry points have type EntryFn (aotc_abi::sym).
        Ok(unsafe { std::mem::transmute::<usize, EntryFn>(addr) })
    };
    let instantiate = function(sym::INSTANTIATE)?;
    let run_start = function(sym::RUN_START)?;
    // SAFETY: each address is the storage of the global of that name, whose type the
    // contract (aotc_abi::sym) fixes: u8 marker, u32 lengths, a pointer-sized hook.
    unsafe {
        Ok(ModuleImage {
            abi_version: u32::from(*(global(sym::ABI_VERSION_MARKER)? as *const u8)),
            manifest_len: *(global(sym::MANIFEST_LEN)? as *const u32),
            manifest: global(sym::MANIFEST)? as *const u8,
            vmctx: global(sym::VMCTX)? as *mut u8,
            instantiate,
            run_start,
            func_infos: global(sym::FUNC_INFOS)? as *const FuncInfo,
            func_info_count: *(global(sym::FUNC_INFO_COUNT)? as *const u32),
            _pad: 0,
            listen_hook: *(global(sym::LISTEN_HOOK)? as *const *const std::ffi::c_void),
        })
    }
}

/// The guest's argv, NUL-terminated strings and a final null, leaked: argv\[0\] is the
/// module's file name, then `args` as given.
fn guest_argv(module: &Path, args: &[OsString]) -> &'static [*const c_char] {
    let name = module
        .file_name()
        .unwrap_or(module.as_os_str())
        .as_bytes()
        .to_vec();
    let mut ptrs: Vec<*const c_char> = std::iter::once(name)
        .chain(args.iter().map(|a| a.as_bytes().to_vec()))
        .map(|bytes| {
            // Arguments from the OS cannot contain NUL; one that does is cut there.
            let bytes = match bytes.iter().position(|&b| b == 0) {
                Some(n) => bytes[..n].to_vec(),
                None => bytes,
            };
            CString::new(bytes).expect("NUL removed").into_raw() as *const c_char
        })
        .collect();
    ptrs.push(std::ptr::null());
    Box::leak(ptrs.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn argv_starts_with_the_module_file_name() {
        let argv = guest_argv(
            Path::new("some/dir/tool.wasm"),
            &["-x".into(), "two words".into()],
        );
        assert_eq!(argv.len(), 4);
        let s = |i: usize| unsafe { CStr::from_ptr(argv[i]) }.to_str().unwrap();
        assert_eq!((s(0), s(1), s(2)), ("tool.wasm", "-x", "two words"));
        assert!(argv[3].is_null());
    }

    #[test]
    fn codegen_levels() {
        assert_eq!(codegen_level(0), OptimizationLevel::None);
        assert_eq!(codegen_level(3), OptimizationLevel::Aggressive);
    }
}
