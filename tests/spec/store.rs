//! Spec-test instances and linking: every module of a .wast file is compiled and
//! instantiated through `aotc::jit` (the translation executables use), registered
//! under names for later imports, and linked by the spec's rules (kinds, function
//! types by structure, global types with reference subtyping, table and memory limits
//! against their current sizes).

use std::collections::HashMap;
use std::rc::Rc;

use aotc::jit::{self, ImportAddr};
use aotc::translate::module_info::{read_module, ModuleInfo};
use aotc::translate::types::is_subtype;
use aotc::translate::{ConstVal, ImportKind};
use aotc_abi::layout::{Memory, Table};
use aotc_abi::trap::TrapCode;
use wasmparser::{ExternalKind, ValType};

use crate::values::Val;

/// The `spectest` host module, itself compiled from WAT by the same path.
const SPECTEST: &str = r#"(module
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2)
  (memory (export "shared_memory") 1 2 shared)
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64)))"#;

pub struct Inst {
    pub jit: jit::Instance,
    pub info: ModuleInfo<'static>,
    pub exports: HashMap<String, usize>,
}

/// How loading a module went.
pub enum Loaded {
    Ok(Rc<Inst>),
    /// Rejected by validation or translation.
    Invalid(String),
    /// An import could not be satisfied.
    Unlinkable(String),
    /// Instantiation trapped.
    Trapped(TrapCode),
}

pub struct Store {
    pub by_id: HashMap<String, Rc<Inst>>,
    pub registered: HashMap<String, Rc<Inst>>,
    pub last: Option<Rc<Inst>>,
}

impl Store {
    pub fn new() -> Store {
        let mut store = Store {
            by_id: HashMap::new(),
            registered: HashMap::new(),
            last: None,
        };
        let wasm = wat::parse_str(SPECTEST).expect("spectest WAT");
        match store.load(wasm) {
            Loaded::Ok(i) => {
                store.registered.insert("spectest".to_string(), i);
            }
            _ => panic!("the spectest module must load"),
        }
        store
    }

    /// Validates, links, compiles and instantiates `wasm`.
    pub fn load(&mut self, wasm: Vec<u8>) -> Loaded {
        let wasm: &'static [u8] = Box::leak(wasm.into_boxed_slice());
        let info = match read_module(wasm) {
            Ok(i) => i,
            Err(e) => return Loaded::Invalid(format!("{e:#}")),
        };
        let imports = match self.link(&info) {
            Ok(i) => i,
            Err(e) => return Loaded::Unlinkable(e),
        };
        match jit::load(wasm, &imports, opt_level()) {
            Err(e) => Loaded::Invalid(format!("{e:#}")),
            Ok(Err(code)) => Loaded::Trapped(code),
            Ok(Ok(jit)) => {
                let exports = info
                    .exports
                    .iter()
                    .enumerate()
                    .map(|(k, e)| (e.name.clone(), k))
                    .collect();
                let inst = Rc::new(Inst { jit, info, exports });
                self.last = Some(inst.clone());
                Loaded::Ok(inst)
            }
        }
    }

    fn link(&self, info: &ModuleInfo) -> Result<Vec<(ImportAddr, Option<ConstVal>)>, String> {
        let mut out = Vec::new();
        for &(kind, index) in &info.import_order {
            let i = index as usize;
            let (module, name) = match kind {
                ImportKind::Func => (&info.func_imports[i].module, &info.func_imports[i].name),
                ImportKind::Table => (&info.table_imports[i].module, &info.table_imports[i].name),
                ImportKind::Memory => {
                    (&info.memory_imports[i].module, &info.memory_imports[i].name)
                }
                ImportKind::Global => {
                    (&info.global_imports[i].module, &info.global_imports[i].name)
                }
                ImportKind::Tag => (&info.tag_imports[i].module, &info.tag_imports[i].name),
            };
            let unknown = || format!("unknown import {module}.{name}");
            let exporter = self.registered.get(module).ok_or_else(unknown)?;
            let &k = exporter.exports.get(name).ok_or_else(unknown)?;
            let export = &exporter.info.exports[k];
            let addr = exporter.jit.exports[k];
            let incompatible = || format!("incompatible import type for {module}.{name}");
            let bound = match (kind, export.kind) {
                (ImportKind::Func, ExternalKind::Func) => {
                    // Function types match when structurally equal (canonical ids).
                    let want = info.canonical_type_ids[info.func_imports[i].type_index as usize];
                    let have_type = exporter.info.func_types[export.index as usize];
                    if exporter.info.canonical_type_ids[have_type as usize] != want {
                        return Err(incompatible());
                    }
                    (ImportAddr::Func(addr), None)
                }
                (ImportKind::Table, ExternalKind::Table) => {
                    let want = info.tables[i];
                    let have = exporter.info.tables[export.index as usize];
                    // SAFETY: the export is the address of a live Table.
                    let len = unsafe { (*(addr as *const Table)).len } as u64;
                    // Table element types are invariant.
                    if info.canonical(want.element_type.into())
                        != exporter.info.canonical(have.element_type.into())
                        || want.table64 != have.table64
                        || !limits_fit(len, have.maximum, want.initial, want.maximum)
                    {
                        return Err(incompatible());
                    }
                    (ImportAddr::Storage(addr), None)
                }
                (ImportKind::Memory, ExternalKind::Memory) => {
                    let want = info.memories[i];
                    let have = exporter.info.memories[export.index as usize];
                    // SAFETY: the export is the address of a live Memory.
                    let pages = unsafe { (*(addr as *const Memory)).size_bytes } >> 16;
                    if want.shared != have.shared
                        || want.memory64 != have.memory64
                        || !limits_fit(pages, have.maximum, want.initial, want.maximum)
                    {
                        return Err(incompatible());
                    }
                    (ImportAddr::Storage(addr), None)
                }
                (ImportKind::Global, ExternalKind::Global) => {
                    let want = info.globals[i].ty;
                    let have = exporter.info.globals[export.index as usize].ty;
                    let (want_ty, have_ty) = (
                        info.canonical(want.content_type),
                        exporter.info.canonical(have.content_type),
                    );
                    // A mutable global's type is invariant, an immutable one's covariant.
                    let fits = if want.mutable {
                        want_ty == have_ty
                    } else {
                        is_subtype(have_ty, want_ty)
                    };
                    if want.mutable != have.mutable || want.shared != have.shared || !fits {
                        return Err(incompatible());
                    }
                    let value =
                        (!want.mutable).then(|| const_val(read_global(addr, want.content_type)));
                    (ImportAddr::Storage(addr), value)
                }
                (ImportKind::Tag, ExternalKind::Tag) => {
                    let want = info.canonical_type_ids[info.tags[i] as usize];
                    let have = exporter.info.canonical_type_ids
                        [exporter.info.tags[export.index as usize] as usize];
                    if want != have {
                        return Err(incompatible());
                    }
                    (ImportAddr::Storage(addr), None)
                }
                _ => return Err(incompatible()),
            };
            out.push(bound);
        }
        Ok(out)
    }

    /// The instance a directive names (or the last one).
    pub fn instance(&self, id: Option<&str>) -> Option<Rc<Inst>> {
        match id {
            Some(id) => self.by_id.get(id).cloned(),
            None => self.last.clone(),
        }
    }
}

/// Import subtyping of limits: the provided minimum (current size) covers the wanted
/// one, and a wanted maximum is respected by a provided maximum.
fn limits_fit(have_min: u64, have_max: Option<u64>, want_min: u64, want_max: Option<u64>) -> bool {
    have_min >= want_min
        && match (want_max, have_max) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(w), Some(h)) => h <= w,
        }
}

/// The current value of a global's storage.
pub fn read_global(addr: usize, ty: ValType) -> Val {
    let size = match ty {
        ValType::I32 | ValType::F32 => 4,
        ValType::V128 => 16,
        _ => 8,
    };
    // SAFETY: addr is the storage of a live global of type `ty` (size bytes).
    let bytes = unsafe { std::slice::from_raw_parts(addr as *const u8, size) };
    let mut slot = [0u8; crate::values::SLOT];
    slot[..size].copy_from_slice(&bytes[..size]);
    Val::from_slot(ty, &slot)
}

fn const_val(v: Val) -> ConstVal {
    match v {
        Val::I32(x) => ConstVal::I32(x),
        Val::I64(x) => ConstVal::I64(x),
        Val::F32(x) => ConstVal::F32(x),
        Val::F64(x) => ConstVal::F64(x),
        Val::V128(x) => ConstVal::V128(x),
        Val::Ref(x) => ConstVal::Ref(x as usize),
    }
}

/// The optimisation level modules are compiled at: `AOTC_SPEC_OPT` (0–3), default 2,
/// the level executables are built at by default.
fn opt_level() -> u8 {
    std::env::var("AOTC_SPEC_OPT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}
