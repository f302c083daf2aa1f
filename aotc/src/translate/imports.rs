//! Imported functions: each import is a thunk (an LLVM function with the wasm
//! signature) whose body calls what the import is bound to: the runtime's
//! `aotc_wasi_<name>` with the module context for a command, or the external symbol
//! an embedder maps for an embedded module.
//!
//! Invariant: a command's function imports are WASI preview1 calls with exactly the
//! contract's signature (`aotc_abi::wasi`), or wasi-threads' `thread-spawn` (see
//! `threads`); anything else is an error naming the
//! import (unknown ones are listed together by `ModuleCx::new`). A module may import
//! the same call several times (AssemblyScript does): every thunk calls the one
//! declaration of the runtime function. An embedded module's imports are external
//! symbols named by kind and index, so duplicates never share a name.

use anyhow::{bail, Result};
use inkwell::attributes::AttributeLoc;
use inkwell::module::Linkage;
use inkwell::types::BasicMetadataTypeEnum;
use inkwell::values::FunctionValue;
use inkwell::AddressSpace;
use wasmparser::ValType;

use super::module_cx::{enum_attr, import_symbol, Embedding, ImportKind, ModuleCx};
use super::module_info::{ModuleInfo, Signature};
use super::preload::Linking;
use aotc_abi::sym;
use aotc_abi::wasi::{WasiResult, WasiType, WASI_MODULE};

impl<'ctx> ModuleCx<'_, 'ctx> {
    /// Defines the body of `thunk`, the function of import `index`.
    pub(super) fn bind_import(&self, index: u32, thunk: FunctionValue<'ctx>) -> Result<()> {
        let info = self.info;
        let import = &info.func_imports[index as usize];
        let sig = &info.types[import.type_index as usize];
        if let Embedding::Embedded { .. } = self.embedding {
            self.bind_to_symbol(&import_symbol(ImportKind::Func, index), thunk);
            return Ok(());
        }
        if let Some(provided) = self.link.bound_import(index) {
            self.bind_to_symbol(provided, thunk);
            return Ok(());
        }
        if super::threads::is_thread_spawn(&import.module, &import.name) {
            return super::threads::bind_thread_spawn(self, thunk, sig);
        }
        match self.bind_wasi_import(thunk, &import.module, &import.name, sig) {
            Err(ImportProblem::WrongType(expected)) => {
                let preview1 = aotc_abi::wasi::WASI_FUNCTIONS
                    .iter()
                    .any(|f| f.name == import.name);
                let extension = aotc_abi::wasi::SOCKET_EXTENSION
                    .iter()
                    .any(|f| f.name == import.name);
                let (definer, note) = match (preview1, extension) {
                    (true, false) => ("WASI preview1 defines", ""),
                    (true, true) => ("WASI preview1 and WasmEdge's socket extension define", ""),
                    _ => (
                        "WasmEdge's socket extension defines",
                        " (aotc implements WasmEdge's socket extension; WAMR's, which uses some of the same names, is not supported)",
                    ),
                };
                bail!(
                    "import {}.{} has type {} but {definer} it as {expected}{note}",
                    import.module,
                    import.name,
                    describe_signature(sig),
                )
            }
            // Reported by `ModuleCx::new` (unknown imports are listed together).
            Err(ImportProblem::Unknown | ImportProblem::NotYet) | Ok(()) => Ok(()),
        }
    }

    /// An imported function provided by another module: its thunk calls `symbol`,
    /// the exporting function (an embedded module's import symbol, which the embedder
    /// maps, or a preloaded provider's export, see `preload`).
    fn bind_to_symbol(&self, symbol: &str, thunk: FunctionValue<'ctx>) {
        // Two imports of one export share the declaration (a second `add_function`
        // would be renamed `….1`, which nothing defines).
        let target = self.module.get_function(symbol).unwrap_or_else(|| {
            self.module
                .add_function(symbol, thunk.get_type(), Some(Linkage::External))
        });
        let b = self.llcx.create_builder();
        b.position_at_end(self.llcx.append_basic_block(thunk, "entry"));
        let args: Vec<inkwell::values::BasicMetadataValueEnum> = thunk
            .get_param_iter()
            .map(inkwell::values::BasicMetadataValueEnum::from)
            .collect();
        let call = b.build_call(target, &args, "").expect("builder positioned");
        match call.try_as_basic_value().basic() {
            Some(v) => b.build_return(Some(&v)),
            None => b.build_return(None),
        }
        .expect("builder positioned");
    }

    /// Defines the body of an imported function's thunk: a direct call to the
    /// runtime's `aotc_wasi_<name>` with the module context.
    fn bind_wasi_import(
        &self,
        thunk: FunctionValue<'ctx>,
        module: &str,
        name: &str,
        sig: &Signature,
    ) -> std::result::Result<(), ImportProblem> {
        if module != WASI_MODULE {
            return Err(ImportProblem::Unknown);
        }
        let params: Vec<WasiType> = sig
            .params
            .iter()
            .map(|t| match t {
                ValType::I64 => WasiType::I64,
                _ => WasiType::I32,
            })
            .collect();
        let plain = sig
            .params
            .iter()
            .all(|t| matches!(t, ValType::I32 | ValType::I64));
        let result = match sig.results.as_slice() {
            [ValType::I32] => Some(WasiResult::Errno),
            [] => Some(WasiResult::Never),
            _ => None,
        };
        let found = match result {
            Some(result) if plain => aotc_abi::wasi::find_typed(name, &params, result),
            _ => Err(aotc_abi::wasi::all_functions()
                .filter(|f| f.name == name)
                .collect()),
        };
        let wasi = match found {
            Ok(f) => f,
            Err(forms) if forms.is_empty() => return Err(ImportProblem::Unknown),
            Err(forms) => {
                let expected: Vec<String> = forms
                    .iter()
                    .map(|f| describe_signature(&contract_signature(f)))
                    .collect();
                return Err(ImportProblem::WrongType(expected.join(" or ")));
            }
        };
        if !wasi.ready {
            return Err(ImportProblem::NotYet);
        }

        let llcx = self.llcx;
        let ptr = llcx.ptr_type(AddressSpace::default());
        let mut params: Vec<BasicMetadataTypeEnum> = vec![ptr.into()];
        for t in wasi.params {
            params.push(match t {
                WasiType::I32 => llcx.i32_type().into(),
                WasiType::I64 => llcx.i64_type().into(),
            });
        }
        let host_name = format!("{}{}", sym::WASI_PREFIX, wasi.symbol);
        let host = match wasi.result {
            WasiResult::Errno => llcx.i32_type().fn_type(&params, false),
            WasiResult::Never => llcx.void_type().fn_type(&params, false),
        };
        // One declaration per runtime function, however many imports name it (a
        // second `add_function` would be renamed `aotc_wasi_fd_write.1`, which no
        // object defines). The signature was checked equal to the contract's above.
        let host = match self.module.get_function(&host_name) {
            Some(declared) => declared,
            None => {
                let f = self
                    .module
                    .add_function(&host_name, host, Some(Linkage::External));
                f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "nounwind", 0));
                if wasi.result == WasiResult::Never {
                    f.add_attribute(AttributeLoc::Function, enum_attr(llcx, "noreturn", 0));
                }
                f
            }
        };

        let b = llcx.create_builder();
        b.position_at_end(llcx.append_basic_block(thunk, "entry"));
        let mut args = vec![self.vmctx.as_pointer_value().into()];
        args.extend(
            thunk
                .get_param_iter()
                .map(inkwell::values::BasicMetadataValueEnum::from),
        );
        let call = b.build_call(host, &args, "").expect("builder positioned");
        match wasi.result {
            WasiResult::Errno => {
                let v = call.try_as_basic_value().basic().expect("errno result");
                b.build_return(Some(&v)).expect("builder positioned");
            }
            WasiResult::Never => {
                b.build_unreachable().expect("builder positioned");
            }
        }
        Ok(())
    }
}

/// Function imports a command cannot satisfy: anything but a ready WASI call or a
/// function of a preloaded module (`link`).
pub(crate) fn unknown_function_imports(info: &ModuleInfo, link: &Linking) -> Vec<String> {
    info.func_imports
        .iter()
        .enumerate()
        .filter_map(|(index, i)| {
            if link.bound_import(index as u32).is_some()
                || super::threads::is_thread_spawn(&i.module, &i.name)
            {
                return None;
            }
            if i.module != WASI_MODULE {
                return Some(format!("{}.{} (function)", i.module, i.name));
            }
            match aotc_abi::wasi::find(&i.name) {
                None => Some(format!("{}.{} (function)", i.module, i.name)),
                Some(f) if !f.ready => Some(format!(
                    "{}.{} (function; WASI preview1 call not supported by this aotc yet)",
                    i.module, i.name
                )),
                Some(_) => None,
            }
        })
        .collect()
}

/// `unknown imports: a.b (function), …`, listing `unknown`, with a hint to
/// `--preload` when some of them are not WASI (a module could provide them).
pub(crate) fn unknown_imports_message(
    info: &ModuleInfo,
    link: &Linking,
    unknown: &[String],
) -> String {
    let foreign_function = info.func_imports.iter().enumerate().any(|(n, i)| {
        i.module != WASI_MODULE
            && !super::threads::is_thread_spawn(&i.module, &i.name)
            && link.bound_import(n as u32).is_none()
    });
    let hint = if foreign_function {
        "; preload a module that provides them with --preload NAME=FILE"
    } else {
        ""
    };
    format!(
        "unknown import{}: {}{hint}",
        if unknown.len() == 1 { "" } else { "s" },
        unknown.join(", ")
    )
}

/// Why a WASI import cannot be bound.
enum ImportProblem {
    Unknown,
    NotYet,
    WrongType(String),
}

/// The wasm signature of a contract function.
fn contract_signature(f: &aotc_abi::wasi::WasiFunction) -> Signature {
    Signature {
        params: f
            .params
            .iter()
            .map(|t| match t {
                WasiType::I32 => ValType::I32,
                WasiType::I64 => ValType::I64,
            })
            .collect(),
        results: match f.result {
            WasiResult::Errno => vec![ValType::I32],
            WasiResult::Never => vec![],
        },
    }
}

/// `(i32, i64) -> (i32)`.
pub(crate) fn describe_signature(sig: &Signature) -> String {
    let list = |ts: &[ValType]| {
        ts.iter()
            .map(|t| format!("{t}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(&sig.params), list(&sig.results))
}
