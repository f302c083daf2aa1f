//! wasi-threads: the `wasi` `thread-spawn` import of `wasm32-wasip1-threads`
//! programs, and how a module that imports it runs one instance per OS thread.
//!
//! The proposal's model is instance-per-thread: `thread-spawn(start_arg)` instantiates
//! the module again, importing the same (shared) memories, and calls the new
//! instance's export `wasi_thread_start(tid, start_arg)` on a new thread. An
//! executable holds its instance's state in LLVM globals (see `module_cx`), so here
//! a thread's instance *is* its copy of those globals:
//!
//! - **Per-thread state.** In a module that imports `thread-spawn` (and only there:
//!   other modules get exactly the code they always got), the per-instance variables —
//!   mutable wasm globals (`__stack_pointer`, `__tls_base` …), table descriptors and the
//!   dropped flags of data and element segments — are `thread_local` (local-exec TLS of
//!   the static executable: one `%fs`-relative access, no call). A new thread's copies
//!   start from the initializers, which are the instance's initial values.
//! - **Shared state.** Memory descriptors (every memory of such a module must be
//!   shared), tags, the module context (`aotc_vmctx`, whose header only points at
//!   memory 0) and constants (segment contents, function records) are one per
//!   process. Function records carry no context: code reaches its state through the
//!   thread, so a `funcref` means the same function in every thread.
//! - **Instantiation per thread.** The spawned thread runs [`sym::THREAD_ENTRY`]:
//!   `aotc_instantiate` again (tables, element segments, active data segments, start
//!   function — as Wasmtime instantiates each thread's instance; wasm-ld's threaded
//!   output keeps its data passive and initialises it once, under an atomic flag, in
//!   its start function), except that a memory already created is not created again;
//!   then `wasi_thread_start(tid, start_arg)`; then it releases the thread's tables.
//!   Dropped flags of segments that instantiation drops start set (nothing observes
//!   them earlier: a trap during instantiation ends the process), since a thread-local
//!   address cannot sit in the constant table the data-segment loop reads.
//! - **The import.** Its thunk calls the runtime's [`sym::THREAD_SPAWN`] with the
//!   context, `start_arg` and the address of [`sym::THREAD_ENTRY`], so the runtime
//!   needs no symbol of the module (and links no thread code when nothing spawns).
//!
//! Checked when compiling: the import's type is `(i32) -> i32`; the module exports
//! `wasi_thread_start` of type `(i32, i32) -> ()`; every memory is shared; no module
//! is preloaded (providers are instantiated once, into process-wide state).

use anyhow::{bail, Result};
use inkwell::attributes::AttributeLoc;
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::module::Linkage;
use inkwell::values::{FunctionValue, PointerValue};
use inkwell::AddressSpace;
use wasmparser::ValType;

use super::abi_types::field;
use super::entry::{call_wasm, runtime_function};
use super::module_cx::{enum_attr, Embedding, ModuleCx};
use super::module_info::{ModuleInfo, Signature};
use aotc_abi::{sym, threads};

/// Whether an import names `wasi` `thread-spawn`.
pub(crate) fn is_thread_spawn(module: &str, name: &str) -> bool {
    module == threads::MODULE && name == threads::SPAWN
}

/// Whether a command imports `thread-spawn` (its instances are then per thread).
pub(crate) fn spawns_threads(info: &ModuleInfo, embedding: &Embedding) -> bool {
    matches!(embedding, Embedding::Command)
        && info
            .func_imports
            .iter()
            .any(|i| is_thread_spawn(&i.module, &i.name))
}

/// The compile-time requirements of a module that spawns threads (see the module
/// documentation); `preloading` says whether other modules are linked with it.
pub(crate) fn check_module(info: &ModuleInfo, preloading: bool) -> Result<()> {
    let i32_only = |n: usize| vec![ValType::I32; n];
    let start_type = Signature {
        params: i32_only(2),
        results: Vec::new(),
    };
    match info.func_exports.get(threads::START_EXPORT) {
        None => bail!(
            "the module imports {}.{} but exports no function {}: it cannot start threads",
            threads::MODULE,
            threads::SPAWN,
            threads::START_EXPORT
        ),
        Some(&f) if *info.signature_of_func(f) != start_type => bail!(
            "export {} has type {} but wasi-threads calls it as (i32, i32) -> ()",
            threads::START_EXPORT,
            super::describe_signature(info.signature_of_func(f))
        ),
        Some(_) => {}
    }
    if let Some(i) = info.memories.iter().position(|m| !m.shared) {
        bail!(
            "the module imports {}.{} but its memory {i} is not shared: threads can only share shared memories",
            threads::MODULE,
            threads::SPAWN
        );
    }
    if preloading {
        bail!(
            "--preload cannot be combined with a module that imports {}.{}: preloaded modules are instantiated once, not per thread",
            threads::MODULE,
            threads::SPAWN
        );
    }
    Ok(())
}

/// Defines the body of the `thread-spawn` import's thunk: the runtime's
/// [`sym::THREAD_SPAWN`] with the context, the start argument and the thread entry.
pub(super) fn bind_thread_spawn<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    thunk: FunctionValue<'ctx>,
    sig: &Signature,
) -> Result<()> {
    let expected = Signature {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    if *sig != expected {
        bail!(
            "import {}.{} has type {} but wasi-threads defines it as (i32) -> (i32)",
            threads::MODULE,
            threads::SPAWN,
            super::describe_signature(sig)
        );
    }
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let i32t = llcx.i32_type();
    let spawn = runtime_function(
        cx,
        sym::THREAD_SPAWN,
        i32t.fn_type(&[ptr.into(), i32t.into(), ptr.into()], false),
        false,
    );
    let b = llcx.create_builder();
    b.position_at_end(llcx.append_basic_block(thunk, "entry"));
    let start_arg = thunk.get_nth_param(0).expect("(i32) -> i32");
    let result = b
        .build_call(
            spawn,
            &[
                cx.vmctx.as_pointer_value().into(),
                start_arg.into(),
                thread_entry(cx).as_global_value().as_pointer_value().into(),
            ],
            "tid",
        )?
        .try_as_basic_value()
        .basic()
        .expect("thread_spawn returns i32");
    b.build_return(Some(&result))?;
    Ok(())
}

/// [`sym::THREAD_ENTRY`], declared once per LLVM module (defined by
/// [`emit_thread_entry`] in the one that defines `aotc_instantiate`).
fn thread_entry<'ctx>(cx: &ModuleCx<'_, 'ctx>) -> FunctionValue<'ctx> {
    if let Some(f) = cx.module.get_function(sym::THREAD_ENTRY) {
        return f;
    }
    let llcx = cx.llcx;
    let i32t = llcx.i32_type();
    let f = cx.module.add_function(
        sym::THREAD_ENTRY,
        llcx.void_type().fn_type(&[i32t.into(), i32t.into()], false),
        Some(Linkage::External),
    );
    f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "nounwind", 0));
    f
}

/// Defines [`sym::THREAD_ENTRY`]`(tid, start_arg)`: instantiates the module into the
/// calling thread's state, calls `wasi_thread_start(tid, start_arg)`, then releases
/// the thread's tables (nothing refers to them once the thread's instance is done).
pub(super) fn emit_thread_entry<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    instantiate: FunctionValue<'ctx>,
) -> Result<()> {
    let llcx = cx.llcx;
    let f = thread_entry(cx);
    // Unwind tables, so a trap's backtrace walks through the entry.
    f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "uwtable", 2));
    let b = llcx.create_builder();
    b.position_at_end(llcx.append_basic_block(f, "entry"));
    b.build_call(instantiate, &[cx.vmctx.as_pointer_value().into()], "")?;
    let start = *cx
        .info
        .func_exports
        .get(threads::START_EXPORT)
        .expect("checked by check_module");
    let args: Vec<_> = f.get_param_iter().map(Into::into).collect();
    call_wasm(cx, &b, start, &args)?;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let release = runtime_function(
        cx,
        sym::TABLE_RELEASE,
        llcx.void_type().fn_type(&[ptr.into()], false),
        false,
    );
    for table in cx.tables.iter().skip(cx.info.table_imports.len()) {
        b.build_call(release, &[table.as_pointer_value().into()], "")?;
    }
    b.build_return(None)?;
    Ok(())
}

/// In `aotc_instantiate` (builder `b` of function `f`): branches past the creation
/// of `memory` when it exists already (a spawned thread's instance) and leaves `b`
/// where the creation goes; returns the block to continue in once it is created.
pub(super) fn skip_if_created<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &Builder<'ctx>,
    f: FunctionValue<'ctx>,
    memory: PointerValue<'ctx>,
) -> Result<BasicBlock<'ctx>> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let base_ptr = b.build_struct_gep(cx.abi.memory, memory, field::MEMORY_BASE, "")?;
    let base = b.build_load(ptr, base_ptr, "base")?.into_pointer_value();
    let absent = b.build_is_null(base, "absent")?;
    let create = llcx.append_basic_block(f, "memory_create");
    let created = llcx.append_basic_block(f, "memory_created");
    b.build_conditional_branch(absent, create, created)?;
    b.position_at_end(create);
    Ok(created)
}
