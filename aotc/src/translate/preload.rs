//! Several modules in one executable: `aotc main.wasm --preload NAME=provider.wasm`,
//! as `wasmtime run --preload` links them.
//!
//! Every module (the main one and each provider) is compiled as a command, each to
//! objects of its own (split into partitions or not, cached under its own key), and
//! all are linked into one executable with one runtime. What makes that work:
//!
//! - **Symbols.** A provider's module-level symbols (functions `wasm:…`, state
//!   `aotc.…`, `aotc_vmctx`, `aotc_instantiate`, `aotc_func_infos`, its exports …)
//!   get the prefix [`Linking::symbol_prefix`] (`aotc_preN.`) once its LLVM module is
//!   built (`rename_module_symbols`), in every partition alike, so two modules never
//!   collide; runtime (`aotc_rt_*`, `aotc_wasi_*`), libc/libm and LLVM symbols are
//!   left alone. The main module keeps the names the runtime links against.
//! - **Imports.** A provider emits `aotc_export_<k>` (prefixed) for each exported
//!   function `k`, a forwarder with the wasm signature. An import bound to it
//!   ([`Linking::bound_imports`]) is a thunk calling that symbol directly: a plain
//!   native call, no runtime in between. Signatures are checked before compiling (by
//!   the driver), so the call is well typed. Only functions are linked; imports of
//!   memories, tables, globals and tags from a provider are rejected with a message.
//! - **WASI.** A provider's own WASI imports are bound as for any command: they get
//!   the provider's module context, so they read and write the provider's memory.
//! - **Instantiation.** The main module's `aotc_instantiate` first instantiates the
//!   providers, in command-line order: each one's `aotc_instantiate` (memory, tables,
//!   segments, start function) then its `_initialize` if exported (a provider is a
//!   reactor or a library; a command exporting `_start` is refused by the driver).
//! - **Trap messages.** The runtime knows one function-info table (`aotc_func_infos`).
//!   With providers, the main module's table has room after its own functions for
//!   every provider's, which its instantiation copies in from each provider's own
//!   (prefixed) table before anything can trap; a provider reports its function
//!   indices offset by [`Linking::func_index_base`], so traps and backtraces name
//!   provider functions too.
//!
//! Invariant: the main module's [`Linking::providers`] and each provider's prefix and
//! base are computed by one function (`crate::preload::plan_links`) from the same
//! module list, so the symbols the main module refers to are the ones the providers
//! define.

use anyhow::Result;
use inkwell::module::{Linkage, Module};
use inkwell::values::GlobalValue;
use inkwell::AddressSpace;

use super::module_cx::{export_symbol, ModuleCx};
use aotc_abi::sym;

/// How one module of a multi-module executable is linked to the others. The
/// default is a standalone command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linking {
    /// Prefix of this module's own symbols: empty for the main module.
    pub symbol_prefix: String,
    /// Added to the function indices this module reports to the runtime (its place
    /// in the main module's function-info table).
    pub func_index_base: u32,
    /// Per function import (in import order): the symbol a non-WASI import calls,
    /// a provider's [`export_symbol`] with that provider's prefix.
    pub bound_imports: Vec<Option<String>>,
    /// Main module only: the providers to instantiate first, in order.
    pub providers: Vec<ProviderLink>,
}

/// What the main module needs to know about one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLink {
    pub symbol_prefix: String,
    /// Entries of its function-info table (its function count, imports included).
    pub func_count: u32,
}

impl Linking {
    /// Whether this module is a preloaded provider (not the main module).
    pub fn is_provider(&self) -> bool {
        !self.symbol_prefix.is_empty()
    }

    /// The symbol import `index` is bound to, if a provider provides it.
    pub fn bound_import(&self, index: u32) -> Option<&str> {
        self.bound_imports
            .get(index as usize)
            .and_then(|s| s.as_deref())
    }
}

/// The symbol prefix of the `n`-th provider (0-based, command-line order). Not a
/// module symbol itself (see `is_module_symbol`), so a provider's references to an
/// earlier provider's exports are not renamed again.
pub fn provider_prefix(n: usize) -> String {
    format!("aotc_pre{n}.")
}

/// The symbol of exported function `export_index` of a provider.
pub fn provider_export_symbol(prefix: &str, export_index: usize) -> String {
    format!("{prefix}{}", export_symbol(export_index))
}

/// Symbols generated for every command that the runtime looks up by name: a
/// provider's copies must be renamed like the rest of its symbols.
const GENERATED_SYMBOLS: &[&str] = &[
    sym::INSTANTIATE,
    sym::RUN_START,
    sym::VMCTX,
    sym::VMCTX_SIZE,
    sym::FUNC_INFOS,
    sym::FUNC_INFO_COUNT,
    sym::ABI_VERSION_MARKER,
];

/// Whether `name` belongs to the module being compiled (rather than to the runtime,
/// libc or LLVM): its functions and state, its generated entry points and exports.
fn is_module_symbol(name: &str) -> bool {
    name.starts_with("wasm:")
        || name.starts_with("aotc.")
        || name.starts_with("aotc_export_")
        || GENERATED_SYMBOLS.contains(&name)
}

/// Prefixes every symbol of `module` that belongs to the wasm module (see
/// [`is_module_symbol`]), defined here or declared (another partition's).
pub(crate) fn rename_module_symbols(module: &Module, prefix: &str) {
    let rename = |name: &str| -> Option<String> {
        (is_module_symbol(name) && !name.starts_with(prefix)).then(|| format!("{prefix}{name}"))
    };
    for f in module.get_functions() {
        if let Some(new) = rename(&f.get_name().to_string_lossy()) {
            f.as_global_value().set_name(&new);
        }
    }
    for g in module.get_globals() {
        if let Some(new) = rename(&g.get_name().to_string_lossy()) {
            g.set_name(&new);
        }
    }
}

/// The main module's function-info table with providers: its own entries, then zeroed
/// room for each provider's ([`emit_provider_instantiation`] copies them in).
pub(crate) fn provider_info_slots(cx: &ModuleCx) -> u32 {
    cx.link.providers.iter().map(|p| p.func_count).sum()
}

/// Code at the start of the main module's `aotc_instantiate`: for each provider in
/// order, copy its function infos into `infos` (the main table) and instantiate it
/// (its `aotc_instantiate` ends with its `_initialize`, see `instantiate`).
pub(crate) fn emit_provider_instantiation<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &inkwell::builder::Builder<'ctx>,
    infos: GlobalValue<'ctx>,
) -> Result<()> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let i64t = llcx.i64_type();
    let entry_ty = llcx.void_type().fn_type(&[ptr.into()], false);
    let info_bytes = std::mem::size_of::<aotc_abi::layout::FuncInfo>() as u64;
    let mut base = cx.info.func_types.len() as u64;
    for p in &cx.link.providers {
        let declare_global = |name: &str| {
            let g = cx.module.add_global(llcx.i8_type(), None, name);
            g.set_linkage(Linkage::External);
            g
        };
        let their_infos = declare_global(&format!("{}{}", p.symbol_prefix, sym::FUNC_INFOS));
        // SAFETY (of the generated code): the main table has `base + func_count`
        // entries (see `provider_info_slots`).
        let dst = unsafe {
            infos
                .as_pointer_value()
                .const_gep(llcx.i8_type(), &[i64t.const_int(base * info_bytes, false)])
        };
        b.build_memcpy(
            dst,
            8,
            their_infos.as_pointer_value(),
            8,
            i64t.const_int(u64::from(p.func_count) * info_bytes, false),
        )?;
        base += u64::from(p.func_count);

        let vmctx = declare_global(&format!("{}{}", p.symbol_prefix, sym::VMCTX));
        let instantiate = cx.module.add_function(
            &format!("{}{}", p.symbol_prefix, sym::INSTANTIATE),
            entry_ty,
            Some(Linkage::External),
        );
        b.build_call(instantiate, &[vmctx.as_pointer_value().into()], "")?;
    }
    Ok(())
}

impl ModuleCx<'_, '_> {
    /// The index a trap or exception of function `func_index` reports to the runtime:
    /// its entry in the executable's function-info table. `u32::MAX` (during
    /// instantiation) stays as it is.
    pub(crate) fn reported_func_index(&self, func_index: u32) -> u32 {
        if func_index == u32::MAX {
            return func_index;
        }
        func_index + self.link.func_index_base
    }
}
