//! In-process execution of wasm modules with LLVM's MCJIT, through exactly the
//! translation that builds executables (`translate::translate_module` in
//! `Embedding::Embedded` form) and the same memory and table runtime
//! (`aotc-rt-core`). Used by the spec test harness and the differential tests.
//!
//! Traps unwind to the caller of [`call`]: the calling thread saves its state with
//! `sigsetjmp` in a small JIT-compiled trampoline; the trap function and the SIGSEGV
//! handler (out-of-bounds access, stack guard) `siglongjmp` back to it with the trap
//! code. Generated code has no destructors and runtime code between the trampoline
//! and a trap holds no locks, so nothing is skipped that must run.
//!
//! A wasm exception no wasm handler catches ends the call the same way, as
//! [`TrapCode::UncaughtException`] (see `jit_throw`).
//!
//! An [`Instance`] owns its LLVM context, code and (unless imported) its linear
//! memory, and frees them when dropped; the embedder must keep it alive while other
//! instances import from it or hold its functions in their tables.

use std::cell::Cell;
use std::ffi::{c_int, c_void, CString};
use std::sync::Once;

use anyhow::{anyhow, Result};
use inkwell::context::Context;
use inkwell::execution_engine::ExecutionEngine;
use inkwell::module::Linkage;
use inkwell::values::AnyValue;
use inkwell::OptimizationLevel;

use crate::translate::module_info::{read_module, ModuleInfo};
use crate::translate::{self, CodegenOptions, ConstVal, Embedding, Emit, ImportKind};
use aotc_abi::sym;
use aotc_abi::trap::TrapCode;

/// What an import of a module being loaded is bound to.
#[derive(Debug, Clone, Copy)]
pub enum ImportAddr {
    /// A function with the wasm signature (another module's export).
    Func(usize),
    /// Address of a `Table`, `Memory` or global storage.
    Storage(usize),
}

/// A loaded and instantiated module.
pub struct Instance {
    /// Dropped before `context`, which it borrows.
    engine: std::mem::ManuallyDrop<ExecutionEngine<'static>>,
    context: *mut Context,
    /// The module's own memory descriptors, released on drop.
    owned_memories: Vec<usize>,
    /// Export symbols' values, in export order: a function's address, or the address
    /// of the table, memory or global storage.
    pub exports: Vec<usize>,
    /// Array-call trampolines of function exports (None for other kinds).
    pub calls: Vec<Option<usize>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        for &memory in &self.owned_memories {
            // SAFETY: the memory belongs to this instance, whose code is going away.
            unsafe { aotc_rt_core::memory::release(memory as *mut aotc_abi::layout::Memory) };
        }
        // SAFETY: the engine (and the module it owns) goes first, then the context it
        // borrowed, which `load_with` leaked from a Box for exactly this lifetime.
        unsafe {
            std::mem::ManuallyDrop::drop(&mut self.engine);
            drop(Box::from_raw(self.context));
        }
    }
}

impl Instance {
    /// Address of an `extern "C"` symbol of the module, if defined.
    pub fn symbol(&self, name: &str) -> Option<usize> {
        self.engine.get_function_address(name).ok()
    }
}

/// Compiles `wasm` (already validated by the caller through [`read_module`] if it
/// needs the shape) with imports bound to `imports` (one per import, in import
/// order; immutable globals also carry their value), then runs its instantiation
/// (segments, start function). A trap during instantiation is `Ok(Err(code))`.
pub fn load(
    wasm: &[u8],
    imports: &[(ImportAddr, Option<ConstVal>)],
    opt_level: u8,
) -> Result<std::result::Result<Instance, TrapCode>> {
    load_with(wasm, imports, opt_level, false)
}

/// [`load`], optionally with every memory load volatile
/// (`CodegenOptions::strict_load_traps`).
pub fn load_with(
    wasm: &[u8],
    imports: &[(ImportAddr, Option<ConstVal>)],
    opt_level: u8,
    strict_load_traps: bool,
) -> Result<std::result::Result<Instance, TrapCode>> {
    let info = read_module(wasm)?;
    let context: *mut Context = Box::into_raw(Box::new(Context::create()));
    // SAFETY: the context lives until the Instance (or this function, on error)
    // frees it, after everything borrowing it.
    let llcx: &'static Context = unsafe { &*context };
    let global_values = global_import_values(&info, imports);
    let opts = CodegenOptions {
        opt_level,
        target_cpu: "x86-64-v2".to_string(),
        manifest: None,
        emit: Emit::Object,
        embedding: Embedding::Embedded {
            imported_global_values: global_values,
        },
        strict_load_traps,
        link: Default::default(),
        entry: Default::default(),
    };
    let built = translate::translate_module(llcx, wasm, &info, &opts).and_then(|(module, _tm)| {
        let engine = module
            .create_jit_execution_engine(OptimizationLevel::Default)
            .map_err(|e| anyhow!("LLVM JIT: {e}"))?;
        Ok((module, engine))
    });
    let (module, engine) = match built {
        Ok(b) => b,
        Err(e) => {
            // SAFETY: nothing borrows the context any more.
            drop(unsafe { Box::from_raw(context) });
            return Err(e);
        }
    };
    map_runtime(&engine, &module);
    map_imports(&engine, &module, &info, imports);
    let exports: Vec<usize> = (0..info.exports.len())
        .map(|k| export_value(&engine, &info, k))
        .collect::<Result<_>>()?;
    let calls = info
        .exports
        .iter()
        .enumerate()
        .map(|(k, e)| {
            (e.kind == wasmparser::ExternalKind::Func)
                .then(|| {
                    engine
                        .get_function_address(&translate::export_call_symbol(k))
                        .ok()
                })
                .flatten()
        })
        .collect();
    let instantiate = engine
        .get_function_address(sym::INSTANTIATE)
        .map_err(|e| anyhow!("LLVM JIT: no {}: {e:?}", sym::INSTANTIATE))?;
    let owned_memories = owned_memories(&engine);
    // The engine owns the module now and frees it with itself.
    std::mem::forget(module);
    let instance = Instance {
        engine: std::mem::ManuallyDrop::new(engine),
        context,
        owned_memories,
        exports,
        calls,
    };
    let mut slots = [0u8; 16];
    Ok(match call(instantiate, slots.as_mut_ptr()) {
        Ok(()) => Ok(instance),
        Err(code) => Err(code),
    })
}

/// The given values of imported globals, indexed by global import.
fn global_import_values(
    info: &ModuleInfo,
    imports: &[(ImportAddr, Option<ConstVal>)],
) -> Vec<Option<ConstVal>> {
    let mut values = vec![None; info.global_imports.len()];
    for (&(kind, index), (_, value)) in info.import_order.iter().zip(imports) {
        if kind == ImportKind::Global {
            values[index as usize] = *value;
        }
    }
    values
}

fn map_imports(
    engine: &ExecutionEngine<'static>,
    module: &inkwell::module::Module<'static>,
    info: &ModuleInfo,
    imports: &[(ImportAddr, Option<ConstVal>)],
) {
    for (&(kind, index), (addr, _)) in info.import_order.iter().zip(imports) {
        let name = translate::import_symbol(kind, index);
        let addr = match *addr {
            ImportAddr::Func(a) | ImportAddr::Storage(a) => a,
        };
        if let Some(f) = module.get_function(&name) {
            engine.add_global_mapping(&f.as_any_value_enum(), addr);
        } else if let Some(g) = module.get_global(&name) {
            engine.add_global_mapping(&g.as_any_value_enum(), addr);
        }
    }
}

/// Points the module's runtime declarations at this process's runtime.
fn map_runtime(engine: &ExecutionEngine<'static>, module: &inkwell::module::Module<'static>) {
    use aotc_rt_core::{exn, memory, table, wait};
    let bindings: [(&str, usize); 15] = [
        (sym::TRAP, jit_trap as *const () as usize),
        (sym::THROW, jit_throw as *const () as usize),
        (sym::EXN_NEW, exn::aotc_rt_exn_new as *const () as usize),
        (sym::EXN_FREE, exn::aotc_rt_exn_free as *const () as usize),
        (
            sym::PERSONALITY,
            exn::aotc_rt_personality as *const () as usize,
        ),
        (
            sym::MEMORY_NEW,
            memory::aotc_rt_memory_new as *const () as usize,
        ),
        (
            sym::MEMORY_GROW,
            memory::aotc_rt_memory_grow as *const () as usize,
        ),
        (
            sym::ATOMIC_WAIT32,
            wait::aotc_rt_atomic_wait32 as *const () as usize,
        ),
        (
            sym::ATOMIC_WAIT64,
            wait::aotc_rt_atomic_wait64 as *const () as usize,
        ),
        (
            sym::ATOMIC_NOTIFY,
            wait::aotc_rt_atomic_notify as *const () as usize,
        ),
        (
            sym::TABLE_NEW,
            table::aotc_rt_table_new as *const () as usize,
        ),
        (
            sym::TABLE_GROW,
            table::aotc_rt_table_grow as *const () as usize,
        ),
        (
            sym::TABLE_FILL,
            table::aotc_rt_table_fill as *const () as usize,
        ),
        (
            sym::TABLE_COPY,
            table::aotc_rt_table_copy as *const () as usize,
        ),
        (
            sym::TABLE_INIT,
            table::aotc_rt_table_init as *const () as usize,
        ),
    ];
    for (name, addr) in bindings {
        if let Some(f) = module.get_function(name) {
            if f.get_linkage() == Linkage::External && f.count_basic_blocks() == 0 {
                engine.add_global_mapping(&f.as_any_value_enum(), addr);
            }
        }
    }
}

fn export_value(engine: &ExecutionEngine<'static>, info: &ModuleInfo, k: usize) -> Result<usize> {
    let name = translate::export_symbol(k);
    if info.exports[k].kind == wasmparser::ExternalKind::Func {
        return engine
            .get_function_address(&name)
            .map_err(|e| anyhow!("LLVM JIT: export {name}: {e:?}"));
    }
    global_pointer(engine, &name).ok_or_else(|| anyhow!("LLVM JIT: export {name} not found"))
}

/// The pointer value stored in a pointer-sized global of the module.
/// The module's own memory descriptors (see `translate::OWNED_MEMORIES_SYMBOL`).
fn owned_memories(engine: &ExecutionEngine<'static>) -> Vec<usize> {
    let Some(mut at) = global_pointer(engine, translate::OWNED_MEMORIES_SYMBOL) else {
        return Vec::new();
    };
    let mut memories = Vec::new();
    loop {
        // SAFETY: the symbol points to a null-terminated array of pointers.
        let memory = unsafe { *(at as *const usize) };
        if memory == 0 {
            return memories;
        }
        memories.push(memory);
        at += std::mem::size_of::<usize>();
    }
}

fn global_pointer(engine: &ExecutionEngine<'static>, name: &str) -> Option<usize> {
    let cname = CString::new(name).expect("no NUL");
    // SAFETY: the engine is live; the name is a NUL-terminated string.
    let addr = unsafe {
        llvm_sys::execution_engine::LLVMGetGlobalValueAddress(engine.as_mut_ptr(), cname.as_ptr())
    };
    // SAFETY: a nonzero address is the global's storage, a pointer (see
    // translate::exports).
    (addr != 0).then(|| unsafe { *(addr as *const usize) })
}

// ----- calling into generated code with traps caught -----

/// glibc's `jmp_buf` with its saved signal mask is 200 bytes; keep room to spare.
#[repr(C, align(16))]
struct JmpBuf([u8; 256]);

thread_local! {
    /// The innermost active [`call`]'s jump buffer on this thread (null outside).
    static JMP: Cell<*mut JmpBuf> = const { Cell::new(std::ptr::null_mut()) };
    /// Lowest address of this thread's stack (its guard page lies just below).
    static STACK_LOW: Cell<usize> = const { Cell::new(0) };
}

extern "C" {
    fn siglongjmp(env: *mut JmpBuf, val: c_int) -> !;
}

/// Called by generated code on a trap: jump back to the active [`call`].
extern "C" fn jit_trap(code: u32, _func_index: u32) -> ! {
    let buf = JMP.with(|j| j.get());
    if buf.is_null() {
        eprintln!("wasm trap outside aotc::jit::call: {code}");
        std::process::abort();
    }
    // SAFETY: buf was filled by sigsetjmp in the trampoline, whose frame is live.
    unsafe { siglongjmp(buf, code as c_int) }
}

/// Called by generated code to raise a wasm exception. One no wasm frame catches
/// comes back here (the unwinder's search stops at the array-call trampoline, which
/// has no unwind entry): it ends the active [`call`] as
/// [`TrapCode::UncaughtException`]. The object stays allocated (nothing frees an
/// uncaught exception; the spec harness throws a handful).
extern "C-unwind" fn jit_throw(exn: *mut aotc_rt_core::exn::Exception) -> ! {
    // SAFETY: generated code passes a live exception object.
    unsafe { aotc_rt_core::exn::raise(exn) };
    jit_trap(TrapCode::UncaughtException as u32, u32::MAX)
}

/// Calls `f(slots)` (an array-call trampoline or `aotc_instantiate`) catching traps.
pub fn call(f: usize, slots: *mut u8) -> std::result::Result<(), TrapCode> {
    install_signal_handlers();
    prepare_thread();
    let mut buf = JmpBuf([0; 256]);
    let outer = JMP.with(|j| j.replace(&mut buf));
    let tramp = try_call_trampoline();
    // SAFETY: the trampoline is `extern "C" fn(*mut JmpBuf, usize, *mut u8) -> i32`;
    // f is generated code taking one pointer.
    let code = unsafe {
        let tramp: extern "C" fn(*mut JmpBuf, usize, *mut u8) -> c_int = std::mem::transmute(tramp);
        tramp(&mut buf, f, slots)
    };
    JMP.with(|j| j.set(outer));
    match code {
        0 => Ok(()),
        c => Err(TrapCode::from_u32(c as u32).unwrap_or(TrapCode::Unreachable)),
    }
}

/// `i32 aotc_try_call(ptr buf, ptr f, ptr slots)`: `sigsetjmp(buf, 1)`, then `f(slots)`;
/// returns 0, the trap code a `siglongjmp` delivered, or
/// [`TrapCode::UncaughtException`] when a wasm exception unwound out of `f`. Written in IR because
/// `sigsetjmp` returns twice, which Rust cannot express.
fn try_call_trampoline() -> usize {
    static mut ADDR: usize = 0;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let llcx: &'static Context = Box::leak(Box::new(Context::create()));
        let module = llcx.create_module("aotc_try_call");
        let ptr = llcx.ptr_type(Default::default());
        let i32t = llcx.i32_type();
        let setjmp = module.add_function(
            "__sigsetjmp",
            i32t.fn_type(&[ptr.into(), i32t.into()], false),
            None,
        );
        let rt = inkwell::attributes::Attribute::get_named_enum_kind_id("returns_twice");
        setjmp.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            llcx.create_enum_attribute(rt, 0),
        );
        let f = module.add_function(
            "aotc_try_call",
            i32t.fn_type(&[ptr.into(), ptr.into(), ptr.into()], false),
            None,
        );
        let b = llcx.create_builder();
        let entry = llcx.append_basic_block(f, "entry");
        let run = llcx.append_basic_block(f, "run");
        let trapped = llcx.append_basic_block(f, "trapped");
        b.position_at_end(entry);
        let buf = f.get_nth_param(0).expect("buf").into_pointer_value();
        let r = b
            .build_call(setjmp, &[buf.into(), i32t.const_int(1, false).into()], "r")
            .expect("positioned");
        r.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            llcx.create_enum_attribute(rt, 0),
        );
        let r = r
            .try_as_basic_value()
            .basic()
            .expect("int")
            .into_int_value();
        let zero = b
            .build_int_compare(inkwell::IntPredicate::EQ, r, i32t.const_zero(), "")
            .expect("positioned");
        b.build_conditional_branch(zero, run, trapped)
            .expect("positioned");
        b.position_at_end(run);
        let callee = f.get_nth_param(1).expect("f").into_pointer_value();
        let fty = llcx.void_type().fn_type(&[ptr.into()], false);
        // A wasm exception nothing caught stops here (as a trap would), before the
        // unwinder reaches Rust frames, which must not see it.
        let done = llcx.append_basic_block(f, "done");
        let uncaught = llcx.append_basic_block(f, "uncaught");
        b.build_indirect_invoke(
            fty,
            callee,
            &[f.get_nth_param(2).expect("slots")],
            done,
            uncaught,
            "",
        )
        .expect("positioned");
        b.position_at_end(done);
        b.build_return(Some(&i32t.const_zero()))
            .expect("positioned");
        b.position_at_end(uncaught);
        let personality = module.add_function(
            sym::PERSONALITY,
            i32t.fn_type(&[], true),
            Some(Linkage::External),
        );
        f.set_personality_function(personality);
        let pad_type = llcx.struct_type(&[ptr.into(), i32t.into()], false);
        b.build_landing_pad(pad_type, personality, &[ptr.const_null().into()], false, "")
            .expect("positioned");
        let code = i32t.const_int(TrapCode::UncaughtException as u64, false);
        b.build_return(Some(&code)).expect("positioned");
        b.position_at_end(trapped);
        b.build_return(Some(&r)).expect("positioned");
        let engine = module
            .create_jit_execution_engine(OptimizationLevel::None)
            .expect("LLVM JIT for the trap trampoline");
        engine.add_global_mapping(
            &personality.as_any_value_enum(),
            aotc_rt_core::exn::aotc_rt_personality as *const () as usize,
        );
        let addr = engine
            .get_function_address("aotc_try_call")
            .expect("trampoline");
        std::mem::forget(engine);
        // SAFETY: written once under `ONCE`, read only after it completed.
        unsafe { ADDR = addr };
    });
    // SAFETY: see above.
    unsafe { ADDR }
}

/// Gives this thread an alternate signal stack (so stack overflows can be handled)
/// and records its stack's low end.
fn prepare_thread() {
    if STACK_LOW.with(|s| s.get()) != 0 {
        return;
    }
    const ALT_SIZE: usize = 256 * 1024;
    let alt = Box::leak(vec![0u8; ALT_SIZE].into_boxed_slice());
    let ss = libc::stack_t {
        ss_sp: alt.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: ALT_SIZE,
    };
    // SAFETY: ss describes leaked memory that lives forever.
    unsafe { libc::sigaltstack(&ss, std::ptr::null_mut()) };
    let mut low = 0usize;
    // SAFETY: pthread attribute queries on the current thread.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0 {
            let mut addr: *mut c_void = std::ptr::null_mut();
            let mut size = 0usize;
            if libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0 {
                low = addr as usize;
            }
            libc::pthread_attr_destroy(&mut attr);
        }
    }
    STACK_LOW.with(|s| s.set(low.max(1)));
}

fn install_signal_handlers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for sig in [libc::SIGSEGV, libc::SIGBUS] {
            // SAFETY: installing a handler with a zeroed, then filled, sigaction.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_fault as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

/// How far below a thread's stack a fault still counts as stack exhaustion.
const STACK_GUARD_SPAN: usize = 1 << 20;

extern "C" fn on_fault(sig: c_int, info: *mut libc::siginfo_t, _uctx: *mut c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let buf = JMP.with(|j| j.get());
    if !buf.is_null() {
        let low = STACK_LOW.with(|s| s.get());
        let code = if aotc_rt_core::memory::in_reservation(addr) {
            Some(TrapCode::OutOfBoundsMemory)
        } else if low > 1 && addr < low + 4096 && addr + STACK_GUARD_SPAN >= low {
            Some(TrapCode::StackExhausted)
        } else {
            None
        };
        if let Some(code) = code {
            // SAFETY: buf belongs to a live trampoline frame on this thread.
            unsafe { siglongjmp(buf, code as c_int) }
        }
    }
    // Not ours: restore the default action; returning re-faults and crashes loudly.
    // SAFETY: resetting a signal to its default disposition.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}
