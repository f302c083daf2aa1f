//! Module-level translation state: the LLVM module, one LLVM function per wasm
//! function, module storage (memory, tables, globals, segments) as LLVM globals, and
//! the runtime functions generated code calls.
//!
//! One executable holds exactly one instance of its module, so every piece of module
//! state is an LLVM global: LLVM sees that wasm globals cannot alias linear memory and
//! the memory base is one load per function. A module that spawns threads
//! (wasi-threads) holds one instance per thread: its per-instance variables are
//! thread-local globals instead (see `threads`). Layouts of shared structs come from
//! `abi_types` (checked against `aotc_abi` by tests).
//!
//! A `ModuleCx` holds either the whole module or one partition of a split one
//! ([`Share`], see `share`): a partition other than the owner declares the module
//! state instead of defining it, and declares only the functions it uses.

use std::cell::RefCell;
use std::collections::HashMap;

use anyhow::{bail, Result};
use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum, FunctionType, VectorType};
use inkwell::values::{BasicValue, BasicValueEnum, FunctionValue, GlobalValue};
use inkwell::AddressSpace;
use inkwell::GlobalVisibility;
use wasmparser::{MemoryType, ValType};

use super::abi_types::AbiTypes;
use super::emit::CpuFeatures;
use super::imports::{unknown_function_imports, unknown_imports_message};
use super::module_info::{ModuleInfo, Signature};
use super::preload::Linking;
pub(crate) use super::share::AliasClass;
use super::share::{state_global, AliasTags, Storage};
pub(crate) use super::share::{Share, SplitModule};
use aotc_abi::sym;

/// A value known when the module is compiled (an embedder's imported global).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstVal {
    I32(u32),
    I64(u64),
    /// Bits of an f32.
    F32(u32),
    /// Bits of an f64.
    F64(u64),
    V128(u128),
    /// A reference: 0 is null, else a `FuncRecord` address or host value.
    Ref(usize),
}

/// How a module is bound to the world.
#[derive(Debug, Clone, Default)]
pub enum Embedding {
    /// A standalone executable: the only imports are WASI preview1 calls, bound to
    /// wasi-rt; entry points, function infos and the manifest are emitted.
    #[default]
    Command,
    /// Loaded in-process by an embedder (the spec harness, a JIT): every import is an
    /// external symbol the embedder maps ([`import_symbol`]), every export is an
    /// external symbol ([`export_symbol`]) and has an array-call trampoline
    /// ([`export_call_symbol`]). Immutable imported globals whose value is given are
    /// compile-time constants.
    Embedded {
        /// Per imported global (in import order): its value, if immutable and known.
        imported_global_values: Vec<Option<ConstVal>>,
    },
}

pub use super::module_info::ImportKind;

/// The external symbol an embedded module uses for the `index`-th import of a kind:
/// a function with the wasm signature, or the address of the exporter's `Table`,
/// `Memory` or global storage.
pub fn import_symbol(kind: ImportKind, index: u32) -> String {
    let k = match kind {
        ImportKind::Func => "func",
        ImportKind::Table => "table",
        ImportKind::Memory => "memory",
        ImportKind::Global => "global",
        ImportKind::Tag => "tag",
    };
    format!("aotc_import_{k}_{index}")
}

/// The external symbol of export `k` (in export order): for a function, the function
/// itself (wasm signature); for a table, memory or global, a pointer-sized constant
/// holding the address of its `Table`, `Memory` or value storage.
pub fn export_symbol(k: usize) -> String {
    format!("aotc_export_{k}")
}

/// The array-call trampoline of function export `k`: `extern "C" fn(*mut [u8; 16])`
/// reading the parameters from consecutive 16-byte slots and writing the results back
/// into the slots from the first.
pub fn export_call_symbol(k: usize) -> String {
    format!("aotc_call_{k}")
}

/// LLVM's `tailcc` calling convention, used by the wasm functions (defined ones and
/// import thunks) whose signature takes part in tail calls
/// (`ModuleInfo::tail_call_types`): with it, a call marked `musttail` is always a
/// jump on x86-64 whatever the two signatures, which `return_call` needs (plain
/// `musttail` requires identical prototypes). Other functions keep the C convention
/// (which LLVM may turn into its faster internal one): `tailcc` costs every call a
/// few bytes of callee-popped stack (`ret $8`), measured at +45 % on `fib_calls`.
/// A call site takes its callee's convention ([`ModuleCx::call_conv`]).
pub(crate) const WASM_TAIL_CALL_CONV: u32 = 18;
/// LLVM's C calling convention.
pub(crate) const C_CALL_CONV: u32 = 0;
/// Set in the signature id of `tailcc` functions, so that a `call_indirect` between
/// instances that disagree on a signature's convention (only the JIT links
/// instances) traps as a type mismatch instead of calling with the wrong one.
/// No canonical id has it (`types::FREE_ID_BIT`).
pub(crate) const TAIL_CALL_TYPE_TAG: u64 = super::types::FREE_ID_BIT;

/// Where a wasm global lives.
#[derive(Clone, Copy)]
pub(crate) enum GlobalSlot<'ctx> {
    /// Immutable with a constant initializer: used as a constant.
    Constant(BasicValueEnum<'ctx>),
    /// Stored in an LLVM global of this type.
    Variable(GlobalValue<'ctx>, BasicTypeEnum<'ctx>),
}

/// A data or element segment: its contents, length and dropped flag.
pub(crate) struct SegmentSlot<'ctx> {
    /// Constant bytes (data) or array of reference values (elements); `None` when empty.
    pub contents: Option<GlobalValue<'ctx>>,
    pub len: u32,
    /// `i8` flag set by `data.drop`/`elem.drop` and after active initialisation.
    pub dropped: GlobalValue<'ctx>,
}

/// Runtime functions called from generated code.
pub(crate) struct RuntimeFns<'ctx> {
    pub trap: FunctionValue<'ctx>,
    pub memory_new: FunctionValue<'ctx>,
    pub memory_grow: FunctionValue<'ctx>,
    pub table_new: FunctionValue<'ctx>,
    pub table_grow: FunctionValue<'ctx>,
    pub table_fill: FunctionValue<'ctx>,
    pub table_copy: FunctionValue<'ctx>,
    pub table_init: FunctionValue<'ctx>,
}

pub(crate) struct ModuleCx<'a, 'ctx> {
    /// The module spawns threads (`wasi` `thread-spawn`): every thread runs an
    /// instance of its own, so per-instance state is thread-local (see `threads`).
    pub per_thread: bool,
    pub embedding: Embedding,
    /// Links to preloaded modules (see `preload`); default for a standalone command.
    pub link: Linking,
    /// Whole module or one partition of a split one.
    pub share: Share<'a>,
    /// Every memory load volatile (see `CodegenOptions::strict_load_traps`).
    pub strict_load_traps: bool,
    pub llcx: &'ctx Context,
    pub module: Module<'ctx>,
    pub info: &'a ModuleInfo<'a>,
    pub abi: AbiTypes<'ctx>,
    /// LLVM function type per wasm type index.
    pub fn_types: Vec<FunctionType<'ctx>>,
    /// Canonical signature id per wasm type index.
    pub type_ids: Vec<u64>,
    /// One LLVM function per wasm function index (imports are thunks to the runtime);
    /// see [`ModuleCx::function`].
    functions: RefCell<Vec<Option<FunctionValue<'ctx>>>>,
    pub globals: Vec<GlobalSlot<'ctx>>,
    /// The module's header context, `aotc_vmctx`.
    pub vmctx: GlobalValue<'ctx>,
    /// Every memory's descriptor (`aotc_abi::layout::Memory`), imports first
    /// (multi-memory). Memory 0 is the one the vmctx header points to and the one WASI
    /// calls read and write.
    pub memories: Vec<GlobalValue<'ctx>>,
    /// Table descriptors (`aotc_abi::layout::Table`).
    pub tables: Vec<GlobalValue<'ctx>>,
    /// One `i8` global per tag, imports first: its address is the tag's identity,
    /// compared by catch clauses (an imported tag is the exporter's global).
    pub tags: Vec<GlobalValue<'ctx>>,
    pub data: Vec<SegmentSlot<'ctx>>,
    pub elems: Vec<SegmentSlot<'ctx>>,
    pub rt: RuntimeFns<'ctx>,
    /// The target CPU's features the SIMD emitters ask about.
    pub cpu: CpuFeatures,
    /// Alias tags for memory accesses: split modules only (see `share`).
    alias_tags: Option<AliasTags<'ctx>>,
    /// `FuncRecord` constants, created on first reference.
    func_records: RefCell<HashMap<u32, GlobalValue<'ctx>>>,
    /// Globals some `global.get` reads, and values written by `global.set`: values
    /// written to never-read globals are discarded (see `func::preserve_loads`).
    global_read: RefCell<Vec<bool>>,
    global_writes: RefCell<Vec<(u32, BasicValueEnum<'ctx>)>>,
}

/// The LLVM type of a wasm value type.
pub(crate) fn llvm_type<'ctx>(llcx: &'ctx Context, ty: ValType) -> Result<BasicTypeEnum<'ctx>> {
    Ok(match ty {
        ValType::I32 => llcx.i32_type().into(),
        ValType::I64 => llcx.i64_type().into(),
        ValType::F32 => llcx.f32_type().into(),
        ValType::F64 => llcx.f64_type().into(),
        ValType::Ref(_) => llcx.ptr_type(AddressSpace::default()).into(),
        ValType::V128 => v128_type(llcx).into(),
    })
}

/// The one LLVM type of every `v128` value on the operand stack, in locals,
/// parameters, results and globals: `<2 x i64>` (clang's `__m128i`, one XMM
/// register). SIMD emitters bitcast it to the lane shape an operation needs and
/// back; the bitcasts cost nothing.
pub(crate) fn v128_type(llcx: &Context) -> VectorType<'_> {
    llcx.i64_type().vec_type(2)
}

fn fn_type_of<'ctx>(llcx: &'ctx Context, sig: &Signature) -> Result<FunctionType<'ctx>> {
    let params = sig
        .params
        .iter()
        .map(|&t| llvm_type(llcx, t).map(BasicMetadataTypeEnum::from))
        .collect::<Result<Vec<_>>>()?;
    let results = sig
        .results
        .iter()
        .map(|&t| llvm_type(llcx, t))
        .collect::<Result<Vec<_>>>()?;
    Ok(match results.as_slice() {
        [] => llcx.void_type().fn_type(&params, false),
        [one] => one.fn_type(&params, false),
        many => llcx.struct_type(many, false).fn_type(&params, false),
    })
}

/// The ELF symbol of function `index`: `wasm:` and its name-section name, so perf,
/// gdb and backtraces show real names. The prefix matters: LLVM lowers intrinsics
/// to libcalls by name (`memcpy`, `memset`, `fmod` …), and an unprefixed wasm
/// function called `memcpy` would capture those calls.
pub(super) fn symbol_name(info: &ModuleInfo, index: u32) -> String {
    match info.func_names.get(&index) {
        Some(n) if !n.is_empty() => format!("wasm:{n}"),
        _ => format!("wasm:function[{index}]"),
    }
}

impl<'a, 'ctx> ModuleCx<'a, 'ctx> {
    /// Declares everything module-level; function bodies are translated afterwards.
    pub fn new(
        llcx: &'ctx Context,
        info: &'a ModuleInfo<'a>,
        name: &str,
        embedding: Embedding,
        link: Linking,
        share: Share<'a>,
        cpu: CpuFeatures,
    ) -> Result<Self> {
        if share.is_split() && !matches!(embedding, Embedding::Command) {
            bail!("internal compiler error: only commands are compiled in partitions");
        }
        let module = llcx.create_module(name);
        let abi = AbiTypes::new(llcx);
        let rt = declare_runtime(llcx, &module, &abi);
        let fn_types = info
            .types
            .iter()
            .map(|s| fn_type_of(llcx, s))
            .collect::<Result<Vec<_>>>()?;
        let type_ids = info
            .canonical_type_ids
            .iter()
            .copied()
            .zip(&info.tail_call_types)
            .map(|(id, &tail)| if tail { id | TAIL_CALL_TYPE_TAG } else { id })
            .collect();

        let per_thread = super::threads::spawns_threads(info, &embedding);
        // Per-instance state (see `threads`): thread-local when threads run instances.
        let instance_storage = if per_thread {
            Storage::PerThread
        } else {
            Storage::Variable
        };
        let vmctx = module.add_global(abi.vmctx_header, None, sym::VMCTX);
        vmctx.set_alignment(16);
        let embedded = matches!(embedding, Embedding::Embedded { .. });
        let memories = (0..info.memories.len() as u32)
            .map(|i| {
                if !defines_memory(info, &embedding, i) {
                    // Only reachable when embedded: commands report the import as unknown.
                    return Ok(module.add_global(
                        abi.memory,
                        None,
                        &import_symbol(ImportKind::Memory, i),
                    ));
                }
                state_global(
                    &module,
                    share,
                    abi.memory.into(),
                    &format!("aotc.memory{i}"),
                    Storage::Variable,
                    || Ok(abi.memory.const_zero().into()),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        for ((descriptor, memory), index) in memories.iter().zip(&info.memories).zip(0..) {
            let below_4gib = addresses_provable(info, index);
            list_linear_memory(llcx, &module, &abi, *descriptor, memory, below_4gib)?;
        }
        if !embedded {
            let unknown_memory_imports: Vec<_> = (info.memory_imports.iter().zip(0..))
                .filter(|&(_, i)| !defines_memory(info, &embedding, i))
                .map(|(import, _)| import.clone())
                .collect();
            let mut unknown: Vec<String> = Vec::new();
            for (list, kind) in [
                (&info.table_imports[..], "table"),
                (&unknown_memory_imports[..], "memory"),
                (&info.global_imports[..], "global"),
                (&info.tag_imports[..], "tag"),
            ] {
                unknown.extend(
                    list.iter()
                        .map(|i| format!("{}.{} ({kind})", i.module, i.name)),
                );
            }
            unknown.extend(unknown_function_imports(info, &link));
            if !unknown.is_empty() {
                bail!("{}", unknown_imports_message(info, &link, &unknown));
            }
        }
        if per_thread {
            super::threads::check_module(info, !link.providers.is_empty() || link.is_provider())?;
        }
        if share.defines_state() {
            let null = llcx.ptr_type(AddressSpace::default()).const_null();
            let memory_ptr = memories.first().map_or(null, |m| m.as_pointer_value());
            vmctx.set_initializer(
                &abi.vmctx_header
                    .const_named_struct(&[null.into(), memory_ptr.into()]),
            );
        }

        let tables = (0..info.tables.len())
            .map(|i| {
                if i < info.table_imports.len() {
                    return Ok(module.add_global(
                        abi.table,
                        None,
                        &import_symbol(ImportKind::Table, i as u32),
                    ));
                }
                state_global(
                    &module,
                    share,
                    abi.table.into(),
                    &format!("aotc.table{i}"),
                    instance_storage,
                    || Ok(abi.table.const_zero().into()),
                )
            })
            .collect::<Result<Vec<_>>>()?;

        let tags = (0..info.tags.len())
            .map(|i| {
                if i < info.tag_imports.len() {
                    let i8t = llcx.i8_type();
                    return Ok(module.add_global(
                        i8t,
                        None,
                        &import_symbol(ImportKind::Tag, i as u32),
                    ));
                }
                // A variable (never written), so no two tags share an address.
                state_global(
                    &module,
                    share,
                    llcx.i8_type().into(),
                    &format!("aotc.tag{i}"),
                    Storage::Variable,
                    || Ok(llcx.i8_type().const_zero().into()),
                )
            })
            .collect::<Result<Vec<_>>>()?;

        let mut cx = ModuleCx {
            per_thread,
            embedding,
            link,
            share,
            strict_load_traps: false,
            llcx,
            module,
            info,
            abi,
            fn_types,
            type_ids,
            functions: RefCell::new(vec![None; info.func_types.len()]),
            globals: Vec::new(),
            vmctx,
            memories,
            tables,
            tags,
            data: Vec::new(),
            elems: Vec::new(),
            rt,
            cpu,
            alias_tags: share.is_split().then(|| AliasTags::new(llcx)),
            func_records: RefCell::new(HashMap::new()),
            global_read: RefCell::new(vec![false; info.globals.len()]),
            global_writes: RefCell::new(Vec::new()),
        };
        if share.defines_state() {
            cx.declare_functions()?;
        }
        cx.define_globals()?;
        cx.define_segments()?;
        if let Share::Part { owner: true, split } = share {
            // Defined here whether or not this partition uses them: other partitions
            // may, and they only declare records.
            for &f in &split.referenced {
                cx.func_record(f)?;
            }
        }
        Ok(cx)
    }

    /// The LLVM function of wasm function `index`. A whole module and the owner
    /// partition declare every function up front, in index order (and check every
    /// import); the other partitions declare only the functions they use, when first
    /// used, which keeps their modules (and the optimiser's module-wide passes) small.
    pub fn function(&self, index: u32) -> Result<FunctionValue<'ctx>> {
        if let Some(f) = self.functions.borrow()[index as usize] {
            return Ok(f);
        }
        let f = self.declare_function(index);
        self.functions.borrow_mut()[index as usize] = Some(f);
        if index < self.info.num_imported_funcs() {
            self.bind_import(index, f)?;
        }
        Ok(f)
    }

    fn declare_functions(&self) -> Result<()> {
        let count = self.info.func_types.len() as u32;
        let mut thunks = Vec::new();
        for index in 0..count {
            let f = self.declare_function(index);
            self.functions.borrow_mut()[index as usize] = Some(f);
            if index < self.info.num_imported_funcs() {
                thunks.push(f);
            }
        }
        for (index, thunk) in thunks.into_iter().enumerate() {
            self.bind_import(index as u32, thunk)?;
        }
        Ok(())
    }

    /// The calling convention of wasm functions of type `type_index` (see
    /// [`WASM_TAIL_CALL_CONV`]); every call to one must use it.
    pub fn call_conv(&self, type_index: u32) -> u32 {
        if self.info.tail_call_types[type_index as usize] {
            WASM_TAIL_CALL_CONV
        } else {
            C_CALL_CONV
        }
    }

    /// Adds the LLVM function of wasm function `index` (no body).
    fn declare_function(&self, index: u32) -> FunctionValue<'ctx> {
        let info = self.info;
        let fn_type = self.fn_types[info.func_types[index as usize] as usize];
        let imported = index < info.num_imported_funcs();
        let f = match self.share {
            Share::Whole => self.module.add_function(
                &symbol_name(info, index),
                fn_type,
                Some(Linkage::Internal),
            ),
            // Import thunks: a private copy per partition.
            Share::Part { split, .. } if imported => self.module.add_function(
                &split.names[index as usize],
                fn_type,
                Some(Linkage::Internal),
            ),
            Share::Part { split, .. } => {
                let f = self.module.add_function(
                    &split.names[index as usize],
                    fn_type,
                    Some(Linkage::External),
                );
                f.as_global_value().set_visibility(GlobalVisibility::Hidden);
                f
            }
        };
        f.set_call_conventions(self.call_conv(info.func_types[index as usize]));
        self.set_wasm_function_attributes(f);
        f
    }

    /// Applies the attributes every generated wasm function carries.
    pub fn set_wasm_function_attributes(&self, f: FunctionValue<'ctx>) {
        let llcx = self.llcx;
        // Large frames are probed page by page so the guard page below the guest
        // stack always catches exhaustion.
        f.add_attribute(
            AttributeLoc::Function,
            llcx.create_string_attribute("probe-stack", "inline-asm"),
        );
        // LLVM's abstract machine has an unbounded stack, so tail-recursion
        // elimination and sibling calls may turn wasm recursion that must end in
        // "call stack exhausted" into an endless loop. wasm 2.0 has no tail calls.
        f.add_attribute(
            AttributeLoc::Function,
            llcx.create_string_attribute("disable-tail-calls", "true"),
        );
        // Unwind tables let the runtime print a wasm backtrace on traps (and unwind
        // wasm exceptions). A module with tags may throw: its functions unwind, so
        // calls to them stay `invoke`s where a handler covers them.
        f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "uwtable", 2));
        if !self.uses_exceptions() {
            f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "nounwind", 0));
        }
    }

    /// Whether wasm exceptions can pass through the module's functions: it defines or
    /// imports a tag, or (embedded) imports functions of another module, which may
    /// throw. Otherwise nothing in it throws, its functions are `nounwind` and a
    /// `try_table` is a plain block.
    pub fn uses_exceptions(&self) -> bool {
        !self.info.tags.is_empty()
            || (matches!(self.embedding, Embedding::Embedded { .. })
                && !self.info.func_imports.is_empty())
    }

    fn define_globals(&mut self) -> Result<()> {
        let info = self.info;
        for (i, g) in info.globals.iter().enumerate() {
            let Some(init) = &g.init else {
                self.globals.push(self.imported_global(i)?);
                continue;
            };
            let init = super::const_expr::evaluate(self, init)?;
            let slot = if !g.ty.mutable {
                GlobalSlot::Constant(init)
            } else {
                let ty = llvm_type(self.llcx, g.ty.content_type)?;
                let gv = state_global(
                    &self.module,
                    self.share,
                    ty,
                    &format!("aotc.global{i}"),
                    self.instance_storage(),
                    || Ok(init),
                )?;
                GlobalSlot::Variable(gv, ty)
            };
            self.globals.push(slot);
        }
        Ok(())
    }

    /// Slot of imported global `i` (embedded modules only).
    fn imported_global(&self, i: usize) -> Result<GlobalSlot<'ctx>> {
        let ty = self.info.globals[i].ty;
        let llty = llvm_type(self.llcx, ty.content_type)?;
        if let Embedding::Embedded {
            imported_global_values,
        } = &self.embedding
        {
            if let (false, Some(Some(v))) = (ty.mutable, imported_global_values.get(i)) {
                return Ok(GlobalSlot::Constant(self.const_value(*v, llty)));
            }
        }
        let g = self
            .module
            .add_global(llty, None, &import_symbol(ImportKind::Global, i as u32));
        Ok(GlobalSlot::Variable(g, llty))
    }

    /// An LLVM constant for a compile-time value.
    pub fn const_value(&self, v: ConstVal, ty: BasicTypeEnum<'ctx>) -> BasicValueEnum<'ctx> {
        let llcx = self.llcx;
        match v {
            ConstVal::I32(x) => llcx.i32_type().const_int(x as u64, false).into(),
            ConstVal::I64(x) => llcx.i64_type().const_int(x, false).into(),
            ConstVal::F32(bits) => super::llvm_util::f32_from_bits(llcx, bits).into(),
            ConstVal::F64(bits) => super::llvm_util::f64_from_bits(llcx, bits).into(),
            ConstVal::V128(bits) => super::llvm_util::v128_from_bits(llcx, ty, bits),
            ConstVal::Ref(0) => llcx.ptr_type(AddressSpace::default()).const_null().into(),
            ConstVal::Ref(addr) => llcx
                .i64_type()
                .const_int(addr as u64, false)
                .const_to_pointer(llcx.ptr_type(AddressSpace::default()))
                .into(),
        }
    }

    fn define_segments(&mut self) -> Result<()> {
        let llcx = self.llcx;
        let info = self.info;
        for (i, seg) in info.data.iter().enumerate() {
            let contents = if seg.bytes.is_empty() {
                None
            } else {
                let ty = llcx.i8_type().array_type(seg.bytes.len() as u32);
                Some(state_global(
                    &self.module,
                    self.share,
                    ty.into(),
                    &format!("aotc.data{i}"),
                    Storage::Constant,
                    || Ok(llcx.const_string(seg.bytes, false).into()),
                )?)
            };
            let dropped =
                self.flag_global(&format!("aotc.data{i}.dropped"), seg.active.is_some())?;
            self.data.push(SegmentSlot {
                contents,
                len: seg.bytes.len() as u32,
                dropped,
            });
        }
        let ptr = llcx.ptr_type(AddressSpace::default());
        for (i, seg) in info.elements.iter().enumerate() {
            let len = seg.items.len() as u32;
            let contents = if seg.items.is_empty() {
                None
            } else {
                let items = || -> Result<BasicValueEnum<'ctx>> {
                    let mut values = Vec::with_capacity(seg.items.len());
                    for item in &seg.items {
                        let v = match item {
                            super::module_info::ElemItem::Func(f) => {
                                self.func_record(*f)?.as_pointer_value()
                            }
                            super::module_info::ElemItem::Expr(e) => {
                                super::const_expr::evaluate(self, e)?.into_pointer_value()
                            }
                        };
                        values.push(v);
                    }
                    Ok(ptr.const_array(&values).into())
                };
                Some(state_global(
                    &self.module,
                    self.share,
                    ptr.array_type(len).into(),
                    &format!("aotc.elem{i}"),
                    Storage::Constant,
                    items,
                )?)
            };
            let dropped = self.flag_global(
                &format!("aotc.elem{i}.dropped"),
                !matches!(seg.mode, super::module_info::ElemMode::Passive),
            )?;
            self.elems.push(SegmentSlot {
                contents,
                len,
                dropped,
            });
        }
        Ok(())
    }

    /// Tags a load or store as touching `class` (a no-op in a whole module, where the
    /// globals' internal linkage already tells LLVM as much).
    pub fn alias_tag(
        &self,
        inst: Option<inkwell::values::InstructionValue<'ctx>>,
        class: AliasClass,
    ) {
        if let (Some(tags), Some(inst)) = (&self.alias_tags, inst) {
            tags.tag(inst, class);
        }
    }

    /// Records a `global.get` and returns the global's slot.
    pub fn note_global_read(&self, index: u32) -> GlobalSlot<'ctx> {
        self.global_read.borrow_mut()[index as usize] = true;
        self.globals[index as usize]
    }

    /// Records a `global.set` of `value`.
    pub fn note_global_write(&self, index: u32, value: BasicValueEnum<'ctx>) {
        self.global_writes.borrow_mut().push((index, value));
    }

    /// After all bodies are translated: keeps the traps of loads whose values only
    /// reach globals nothing reads.
    pub fn preserve_loads_into_unread_globals(&self) {
        if self.share.is_split() {
            // Globals are external symbols there: no store to one is ever deleted,
            // and a global unread here may be read by another partition.
            return;
        }
        let read = self.global_read.borrow();
        for &(index, value) in self.global_writes.borrow().iter() {
            if !read[index as usize] {
                super::func::preserve_loads(value);
            }
        }
    }

    /// A private, constant, module-local global holding `value`.
    pub fn private_constant(&self, name: &str, value: &dyn BasicValue<'ctx>) -> GlobalValue<'ctx> {
        let value = value.as_basic_value_enum();
        let g = self.module.add_global(value.get_type(), None, name);
        g.set_linkage(Linkage::Private);
        g.set_constant(true);
        g.set_initializer(&value);
        g
    }

    /// A segment's dropped flag. Per-thread flags of segments instantiation drops
    /// (active and declared ones) start set: nothing can observe them before
    /// instantiation ends (a trap there ends the process), and a spawned thread's
    /// copy starts from that same image without the instantiation writing it.
    fn flag_global(&self, name: &str, dropped_by_instantiation: bool) -> Result<GlobalValue<'ctx>> {
        let i8t = self.llcx.i8_type();
        let initially = u64::from(self.per_thread && dropped_by_instantiation);
        state_global(
            &self.module,
            self.share,
            i8t.into(),
            name,
            self.instance_storage(),
            || Ok(i8t.const_int(initially, false).into()),
        )
    }

    /// Storage of per-instance variables (tables, mutable globals, dropped flags).
    fn instance_storage(&self) -> Storage {
        if self.per_thread {
            Storage::PerThread
        } else {
            Storage::Variable
        }
    }

    /// Whether instantiation must write a segment's dropped flag (else it starts set,
    /// see [`ModuleCx::flag_global`]).
    pub fn instantiation_writes_dropped_flags(&self) -> bool {
        !self.per_thread
    }

    /// The `FuncRecord` constant of function `index` (a funcref value points to it).
    pub fn func_record(&self, index: u32) -> Result<GlobalValue<'ctx>> {
        if let Some(g) = self.func_records.borrow().get(&index) {
            return Ok(*g);
        }
        let type_index = self.info.func_types[index as usize];
        let ptr = self.llcx.ptr_type(AddressSpace::default());
        let init = || {
            Ok(self
                .abi
                .func_record
                .const_named_struct(&[
                    self.function(index)?
                        .as_global_value()
                        .as_pointer_value()
                        .into(),
                    ptr.const_null().into(),
                    self.llcx
                        .i64_type()
                        .const_int(self.type_ids[type_index as usize], false)
                        .into(),
                ])
                .into())
        };
        let g = state_global(
            &self.module,
            self.share,
            self.abi.func_record.into(),
            &format!("aotc.funcref{index}"),
            Storage::Constant,
            init,
        )?;
        self.func_records.borrow_mut().insert(index, g);
        Ok(g)
    }
}

/// The named metadata `aotc/llvm/passes.cpp` reads: one `!{ptr descriptor, i64
/// size_offset, i1 below_4gib}` per 32-bit, unshared memory, giving the byte offset
/// of the descriptor's size field (its base pointer is at offset 0) and whether the
/// memory can never reach 4 GiB ([`addresses_provable`]). It licenses the copy-loop
/// rewrite there to read the size before a loop and compare addresses with it:
/// nothing but `memory.grow` (a call) changes that field, and no other thread can;
/// and, for memories below 4 GiB, the address widening to reason from accesses that
/// did not trap.
pub(crate) const LINEAR_MEMORIES: &str = "aotc.linear.memories";

fn list_linear_memory<'ctx>(
    llcx: &'ctx Context,
    module: &Module<'ctx>,
    abi: &AbiTypes<'ctx>,
    descriptor: GlobalValue<'ctx>,
    memory: &MemoryType,
    below_4gib: bool,
) -> Result<()> {
    if memory.shared || memory.memory64 {
        return Ok(());
    }
    let size_offset = llcx.i64_type().const_int(abi.memory_size_offset(), false);
    let below_4gib = llcx.bool_type().const_int(u64::from(below_4gib), false);
    let entry = llcx.metadata_node(&[
        descriptor.as_pointer_value().into(),
        size_offset.into(),
        below_4gib.into(),
    ]);
    module
        .add_global_metadata(LINEAR_MEMORIES, &entry)
        .map_err(|e| anyhow::anyhow!("internal compiler error: {e}"))
}

/// Whether a completed access of memory `mem` proves its address is below
/// 4 GiB - 64 KiB: a 32-bit memory that can never hold more than
/// `WASM32_GROWABLE_PAGES`. A defined memory's limit is the runtime's
/// (`aotc_abi::wasm32_max_pages`, the same rule `aotc_rt_memory_new` applies); an
/// imported one is bounded only by its declared maximum (whoever provides it).
pub(crate) fn addresses_provable(info: &ModuleInfo<'_>, mem: u32) -> bool {
    let Some(memory) = info.memories.get(mem as usize) else {
        return false;
    };
    if memory.memory64 {
        return false;
    }
    let declared_max = memory.maximum.unwrap_or(aotc_abi::WASM_MAX_PAGES);
    let limit = if (mem as usize) < info.memory_imports.len() {
        declared_max
    } else {
        aotc_abi::wasm32_max_pages(memory.initial, declared_max)
    };
    limit <= aotc_abi::WASM32_GROWABLE_PAGES
}

/// Whether memory `index` is created by the module's own instantiation: defined, or
/// (in a command) an imported shared memory, as a wasm32-wasip1-threads program
/// imports its `env.memory`, which the runtime creates from the import's limits as
/// Wasmtime does.
pub(crate) fn defines_memory(info: &ModuleInfo<'_>, embedding: &Embedding, index: u32) -> bool {
    let index = index as usize;
    index >= info.memory_imports.len()
        || (matches!(embedding, Embedding::Command) && info.memories[index].shared)
}

pub(crate) fn enum_attr(llcx: &Context, name: &str, value: u64) -> Attribute {
    let kind = Attribute::get_named_enum_kind_id(name);
    debug_assert!(kind != 0, "unknown LLVM attribute {name}");
    llcx.create_enum_attribute(kind, value)
}

fn declare_runtime<'ctx>(
    llcx: &'ctx Context,
    module: &Module<'ctx>,
    _abi: &AbiTypes<'ctx>,
) -> RuntimeFns<'ctx> {
    let ptr = llcx.ptr_type(AddressSpace::default());
    let i32t = llcx.i32_type();
    let i64t = llcx.i64_type();
    let void = llcx.void_type();
    let declare = |name: &str, ty: FunctionType<'ctx>| {
        let f = module.add_function(name, ty, Some(Linkage::External));
        f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "nounwind", 0));
        f
    };
    let trap = declare(sym::TRAP, void.fn_type(&[i32t.into(), i32t.into()], false));
    trap.add_attribute(AttributeLoc::Function, enum_attr(llcx, "noreturn", 0));
    trap.add_attribute(AttributeLoc::Function, enum_attr(llcx, "cold", 0));
    RuntimeFns {
        trap,
        memory_new: declare(
            sym::MEMORY_NEW,
            void.fn_type(&[ptr.into(), i64t.into(), i64t.into(), i32t.into()], false),
        ),
        memory_grow: declare(
            sym::MEMORY_GROW,
            i64t.fn_type(&[ptr.into(), i64t.into()], false),
        ),
        table_new: declare(
            sym::TABLE_NEW,
            void.fn_type(&[ptr.into(), i32t.into(), i32t.into(), i64t.into()], false),
        ),
        table_grow: declare(
            sym::TABLE_GROW,
            i32t.fn_type(&[ptr.into(), i64t.into(), i32t.into()], false),
        ),
        table_fill: declare(
            sym::TABLE_FILL,
            i32t.fn_type(&[ptr.into(), i32t.into(), i64t.into(), i32t.into()], false),
        ),
        table_copy: declare(
            sym::TABLE_COPY,
            i32t.fn_type(
                &[
                    ptr.into(),
                    ptr.into(),
                    i32t.into(),
                    i32t.into(),
                    i32t.into(),
                ],
                false,
            ),
        ),
        table_init: declare(
            sym::TABLE_INIT,
            i32t.fn_type(
                &[
                    ptr.into(),
                    ptr.into(),
                    i32t.into(),
                    i32t.into(),
                    i32t.into(),
                    i32t.into(),
                ],
                false,
            ),
        ),
    }
}
