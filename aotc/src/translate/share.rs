//! How one LLVM module shares a wasm module with the others when the module is
//! split into partitions (see `partition` and `parallel`): which module-level
//! globals it defines or only declares, and the symbol names every partition agrees
//! on.
//!
//! Invariants: in a split module every symbol one partition defines and another
//! uses is external with hidden visibility (one executable, no interposition) and
//! has the same name and type in both; exactly one partition (the owner) defines
//! each piece of module state. A whole module keeps everything internal or private,
//! exactly as before splitting existed.
//!
//! What internal linkage told LLVM for free, a split module says with type-based
//! alias analysis ([`AliasTags`]): a wasm global that is internal and never has its
//! address taken cannot be reached through any pointer, so a store to linear memory
//! leaves it in a register. Made external, any store through a pointer might write
//! it, and CPython ran 25–30 % slower. Linear-memory accesses and wasm-global accesses
//! get distinct TBAA types, which is exact: globals never live in linear memory.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::Result;
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, GlobalValue, InstructionValue, MetadataValue};
use inkwell::GlobalVisibility;

use super::module_cx::symbol_name;
use super::module_info::{ElemItem, ModuleInfo};

/// What one LLVM module holds of the wasm module.
#[derive(Clone, Copy)]
pub(crate) enum Share<'a> {
    /// Everything: functions and module state are internal to the one LLVM module.
    Whole,
    /// One partition of a split module (see `partition`). Every defined wasm function
    /// is an external, hidden symbol with a module-unique name (`split.names`), defined
    /// by the partition that translates it and declared by the others. Module state
    /// (memory and table descriptors, mutable globals, segments and their dropped
    /// flags, function records) is defined, hidden, by the `owner` partition and
    /// declared by the others; import thunks are internal copies in each partition.
    Part { owner: bool, split: &'a SplitModule },
}

impl Share<'_> {
    pub fn is_split(self) -> bool {
        matches!(self, Share::Part { .. })
    }

    /// Whether this LLVM module defines the module state (else it declares it).
    pub fn defines_state(self) -> bool {
        matches!(self, Share::Whole | Share::Part { owner: true, .. })
    }
}

/// What the partitions of a split module agree on, computed once for all of them.
pub(crate) struct SplitModule {
    /// The symbol of every function (imports first): `wasm:<name>`, made unique.
    pub names: Vec<String>,
    /// Functions a `FuncRecord` may be needed for (the spec's C.refs: functions named
    /// in element segments, exports and global initialisers; `ref.func` in a body
    /// can only name these). The owner partition defines their records.
    pub referenced: Vec<u32>,
}

impl SplitModule {
    pub fn new(info: &ModuleInfo) -> Result<SplitModule> {
        Ok(SplitModule {
            names: unique_symbol_names(info),
            referenced: referenced_functions(info)?,
        })
    }
}

/// [`symbol_name`] for every function, with a `.<index>` suffix on names used more
/// than once (the name section does not promise unique names), so every function has
/// its own symbol across partitions.
fn unique_symbol_names(info: &ModuleInfo) -> Vec<String> {
    let count = info.func_types.len() as u32;
    let plain: Vec<String> = (0..count).map(|i| symbol_name(info, i)).collect();
    let mut uses: HashMap<&str, u32> = HashMap::new();
    for n in &plain {
        *uses.entry(n.as_str()).or_default() += 1;
    }
    let mut taken: HashSet<String> = plain
        .iter()
        .filter(|n| uses[n.as_str()] == 1)
        .cloned()
        .collect();
    let mut names = Vec::with_capacity(plain.len());
    for (i, n) in plain.iter().enumerate() {
        if uses[n.as_str()] == 1 {
            names.push(n.clone());
            continue;
        }
        let mut candidate = format!("{n}.{i}");
        while taken.contains(&candidate) {
            candidate.push('_');
        }
        taken.insert(candidate.clone());
        names.push(candidate);
    }
    names
}

/// The functions a function record may be made for, increasing (see [`SplitModule`]).
fn referenced_functions(info: &ModuleInfo) -> Result<Vec<u32>> {
    let mut refs = BTreeSet::new();
    fn from_expr(e: &wasmparser::ConstExpr, refs: &mut BTreeSet<u32>) -> Result<()> {
        let mut r = e.get_operators_reader();
        while !r.eof() {
            if let wasmparser::Operator::RefFunc { function_index } = r.read()? {
                refs.insert(function_index);
            }
        }
        Ok(())
    }
    let table_inits = info.table_inits.iter().flatten();
    for init in info
        .globals
        .iter()
        .filter_map(|g| g.init.as_ref())
        .chain(table_inits)
    {
        from_expr(init, &mut refs)?;
    }
    for seg in &info.elements {
        for item in &seg.items {
            match item {
                ElemItem::Func(f) => {
                    refs.insert(*f);
                }
                ElemItem::Expr(e) => from_expr(e, &mut refs)?,
            }
        }
    }
    for e in &info.exports {
        if e.kind == wasmparser::ExternalKind::Func {
            refs.insert(e.index);
        }
    }
    Ok(refs.into_iter().collect())
}

/// Whether a module-state global holds a constant or a variable, and whether each
/// thread has its own copy (see `threads`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Storage {
    Constant,
    Variable,
    /// A variable of which every thread has its own copy (`thread_local`, local-exec:
    /// the static executable holds every definition), starting from the initializer.
    PerThread,
}

/// Adds a module-state global: private (constants) or internal (variables) in a
/// whole module; in a split one, hidden and defined by the owner partition, declared
/// by the others. `init` is called only where the global is defined.
pub(super) fn state_global<'ctx>(
    module: &Module<'ctx>,
    share: Share,
    ty: BasicTypeEnum<'ctx>,
    name: &str,
    storage: Storage,
    init: impl FnOnce() -> Result<BasicValueEnum<'ctx>>,
) -> Result<GlobalValue<'ctx>> {
    // The initializer first: it may add globals (function records) of its own, which
    // then come first in the module, as they always have.
    let init = if share.defines_state() {
        Some(init()?)
    } else {
        None
    };
    let g = module.add_global(ty, None, name);
    match share {
        Share::Whole => g.set_linkage(match storage {
            Storage::Constant => Linkage::Private,
            Storage::Variable | Storage::PerThread => Linkage::Internal,
        }),
        Share::Part { .. } => g.set_visibility(GlobalVisibility::Hidden),
    }
    if storage == Storage::Constant {
        g.set_constant(true);
    }
    if storage == Storage::PerThread {
        g.set_thread_local_mode(Some(inkwell::ThreadLocalMode::LocalExecTLSModel));
    }
    if let Some(init) = init {
        g.set_initializer(&init);
    }
    Ok(g)
}

/// What a memory access touches, for [`AliasTags`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AliasClass {
    /// A wasm load or store in linear memory.
    LinearMemory,
    /// `global.get` / `global.set` of a mutable wasm global.
    WasmGlobal,
}

/// TBAA access tags of a split module's partitions: one root (`aotc`), one scalar
/// type per [`AliasClass`]. Accesses without a tag (runtime state, tables, bulk
/// memory intrinsics) may alias anything, as before.
#[derive(Clone, Copy)]
pub(crate) struct AliasTags<'ctx> {
    kind: u32,
    linear_memory: MetadataValue<'ctx>,
    wasm_global: MetadataValue<'ctx>,
}

impl<'ctx> AliasTags<'ctx> {
    pub fn new(llcx: &'ctx Context) -> AliasTags<'ctx> {
        let root = llcx.metadata_node(&[llcx.metadata_string("aotc").into()]);
        let zero = llcx.i64_type().const_zero();
        let tag = |name: &str| {
            let ty =
                llcx.metadata_node(&[llcx.metadata_string(name).into(), root.into(), zero.into()]);
            llcx.metadata_node(&[ty.into(), ty.into(), zero.into()])
        };
        AliasTags {
            kind: llcx.get_kind_id("tbaa"),
            linear_memory: tag("wasm linear memory"),
            wasm_global: tag("wasm global"),
        }
    }

    /// Tags a load or store.
    pub fn tag(&self, inst: InstructionValue<'ctx>, class: AliasClass) {
        let tag = match class {
            AliasClass::LinearMemory => self.linear_memory,
            AliasClass::WasmGlobal => self.wasm_global,
        };
        // Only fails for non-instructions; loads and stores always take metadata.
        let _ = inst.set_metadata(tag, self.kind);
    }
}
