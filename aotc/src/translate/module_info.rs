//! Reads and validates a wasm module into the facts the translator needs.
//!
//! The whole module is validated with wasmparser before anything is translated:
//! section-level errors carry their byte offset, function-body errors also the
//! function index and (when the name section has it) its name. Only features aotc
//! translates are enabled, so an unsupported proposal is a clear validation error
//! rather than a surprise in code generation.

use std::collections::HashMap;

use anyhow::{bail, Result};
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, FuncToValidate, FunctionBody, GlobalType,
    MemoryType, Name, Parser, Payload, RefType, TableType, TypeRef, ValType, Validator,
    ValidatorResources, WasmFeatures,
};

/// The proposals aotc translates: WebAssembly 2.0 (MVP, mutable globals, sign
/// extension, saturating float-to-int, multi-value, bulk memory, reference types,
/// fixed-width SIMD) and, of 3.0, extended constant expressions (`i32`/`i64`
/// `add`, `sub`, `mul` in initialisers and offsets), tail calls (`return_call`,
/// `return_call_indirect`, `return_call_ref`) and exception handling (`try_table`/`throw`/`throw_ref`/
/// `exnref`, and the legacy `try`/`catch`/`delegate` form), relaxed SIMD (one
/// fixed result per operator, `func::simd_relaxed`), multi-memory, memory64,
/// threads (shared memories, atomics, `memory.atomic.wait/notify`) and typed function
/// references (`(ref $t)`, `call_ref`, `return_call_ref`, `br_on_null` …, see
/// `func::typed_refs` and `types`). Proposals not listed here
/// are rejected at validation with wasmparser's message naming the feature.
pub fn supported_features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::LEGACY_EXCEPTIONS
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::MEMORY64
        | WasmFeatures::THREADS
        | WasmFeatures::FUNCTION_REFERENCES
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// An imported function.
#[derive(Debug, Clone)]
pub struct FuncImport {
    pub module: String,
    pub name: String,
    pub type_index: u32,
}

/// Where an imported table, memory or global comes from.
#[derive(Debug, Clone)]
pub struct ImportName {
    pub module: String,
    pub name: String,
}

/// Kinds of imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

/// A global: imported (no initialiser) or defined.
#[derive(Debug, Clone)]
pub struct GlobalDef<'a> {
    pub ty: GlobalType,
    /// `None` for an imported global.
    pub init: Option<ConstExpr<'a>>,
}

/// An export.
#[derive(Debug, Clone)]
pub struct Export {
    pub name: String,
    pub kind: wasmparser::ExternalKind,
    pub index: u32,
}

/// How an element segment is used.
#[derive(Debug, Clone)]
pub enum ElemMode<'a> {
    Passive,
    Active { table: u32, offset: ConstExpr<'a> },
    Declared,
}

/// One element item: a function index or a constant expression.
#[derive(Debug, Clone)]
pub enum ElemItem<'a> {
    Func(u32),
    Expr(ConstExpr<'a>),
}

#[derive(Debug, Clone)]
pub struct ElemSegment<'a> {
    pub mode: ElemMode<'a>,
    pub ty: RefType,
    pub items: Vec<ElemItem<'a>>,
}

#[derive(Debug, Clone)]
pub struct DataSegment<'a> {
    /// `None` for a passive segment, else the memory and offset expression.
    pub active: Option<(u32, ConstExpr<'a>)>,
    pub bytes: &'a [u8],
}

/// Everything the translator needs from a module.
pub struct ModuleInfo<'a> {
    pub types: Vec<Signature>,
    /// Type index of every function, imports first.
    pub func_types: Vec<u32>,
    pub func_imports: Vec<FuncImport>,
    /// Tables, memories and globals in index-space order: the first
    /// `*_imports.len()` of each are imported.
    pub tables: Vec<TableType>,
    /// Per table: the initialiser expression of a defined table that has one
    /// (typed function references: `(table 10 (ref $t) (ref.func $f))`); `None` for
    /// imported tables and tables of null.
    pub table_inits: Vec<Option<ConstExpr<'a>>>,
    pub table_imports: Vec<ImportName>,
    pub memories: Vec<MemoryType>,
    pub memory_imports: Vec<ImportName>,
    pub globals: Vec<GlobalDef<'a>>,
    pub global_imports: Vec<ImportName>,
    /// Type index (a function type without results) of every tag, imports first.
    pub tags: Vec<u32>,
    pub tag_imports: Vec<ImportName>,
    /// (kind, index within the kind) of every import, in import-section order.
    pub import_order: Vec<(ImportKind, u32)>,
    /// Every export, in order.
    pub exports: Vec<Export>,
    /// Exported functions by name.
    pub func_exports: HashMap<String, u32>,
    pub start: Option<u32>,
    pub elements: Vec<ElemSegment<'a>>,
    pub data: Vec<DataSegment<'a>>,
    pub bodies: Vec<FunctionBody<'a>>,
    /// Names from the name section.
    pub func_names: HashMap<u32, String>,
    /// Per type index: whether functions of this signature take part in tail calls
    /// (they contain one, are the target of a direct one, or have the type of a
    /// `return_call_indirect`). Equal signatures agree, so an indirect call knows the
    /// convention from its type alone (see `module_cx::WASM_TAIL_CALL_CONV`).
    pub tail_call_types: Vec<bool>,
    /// Per type index: its canonical id, equal for structurally equal types of any
    /// module (see `types`).
    pub canonical_type_ids: Vec<u64>,
}

impl ModuleInfo<'_> {
    pub fn num_imported_funcs(&self) -> u32 {
        self.func_imports.len() as u32
    }

    pub fn signature_of_func(&self, func_index: u32) -> &Signature {
        &self.types[self.func_types[func_index as usize] as usize]
    }

    /// `ty` comparable across modules (see `types::canonical`).
    pub fn canonical(&self, ty: ValType) -> super::types::CanonValType {
        super::types::canonical(&self.canonical_type_ids, ty)
    }

    /// The name used in messages: the name section's, else `wasm-function[N]`.
    pub fn display_name(&self, func_index: u32) -> String {
        match self.func_names.get(&func_index) {
            Some(n) => n.clone(),
            None => format!("wasm-function[{func_index}]"),
        }
    }
}

/// Parses and validates `wasm`.
pub fn read_module(wasm: &[u8]) -> Result<ModuleInfo<'_>> {
    let mut validator = Validator::new_with_features(supported_features());
    let mut info = ModuleInfo {
        types: Vec::new(),
        func_types: Vec::new(),
        func_imports: Vec::new(),
        tables: Vec::new(),
        table_inits: Vec::new(),
        table_imports: Vec::new(),
        memories: Vec::new(),
        memory_imports: Vec::new(),
        globals: Vec::new(),
        global_imports: Vec::new(),
        tags: Vec::new(),
        tag_imports: Vec::new(),
        import_order: Vec::new(),
        exports: Vec::new(),
        func_exports: HashMap::new(),
        start: None,
        elements: Vec::new(),
        data: Vec::new(),
        bodies: Vec::new(),
        func_names: HashMap::new(),
        tail_call_types: Vec::new(),
        canonical_type_ids: Vec::new(),
    };
    let mut to_validate: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'_>)> = Vec::new();
    let section_error = |e: wasmparser::BinaryReaderError| {
        anyhow::anyhow!(
            "{} (at byte offset {:#x})",
            validation_message(e.message()),
            e.offset()
        )
    };

    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(section_error)?;
        if let wasmparser::ValidPayload::Func(func, body) =
            validator.payload(&payload).map_err(section_error)?
        {
            to_validate.push((func, body));
        }
        match payload {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty.map_err(section_error)?;
                    info.types.push(Signature {
                        params: ty.params().to_vec(),
                        results: ty.results().to_vec(),
                    });
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(section_error)?;
                    let from = ImportName {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                    };
                    match import.ty {
                        TypeRef::Func(type_index) => {
                            info.import_order
                                .push((ImportKind::Func, info.func_imports.len() as u32));
                            info.func_types.push(type_index);
                            info.func_imports.push(FuncImport {
                                module: from.module,
                                name: from.name,
                                type_index,
                            });
                        }
                        TypeRef::Table(t) => {
                            info.import_order
                                .push((ImportKind::Table, info.table_imports.len() as u32));
                            info.tables.push(t);
                            info.table_inits.push(None);
                            info.table_imports.push(from);
                        }
                        TypeRef::Memory(m) => {
                            info.import_order
                                .push((ImportKind::Memory, info.memory_imports.len() as u32));
                            info.memories.push(m);
                            info.memory_imports.push(from);
                        }
                        TypeRef::Global(g) => {
                            info.import_order
                                .push((ImportKind::Global, info.global_imports.len() as u32));
                            info.globals.push(GlobalDef { ty: g, init: None });
                            info.global_imports.push(from);
                        }
                        TypeRef::Tag(t) => {
                            info.import_order
                                .push((ImportKind::Tag, info.tag_imports.len() as u32));
                            info.tags.push(t.func_type_idx);
                            info.tag_imports.push(from);
                        }
                        _ => bail!(
                            "unsupported import kind of {}.{} (a newer proposal)",
                            from.module,
                            from.name
                        ),
                    }
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    info.tags.push(tag.map_err(section_error)?.func_type_idx);
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    info.func_types.push(ty.map_err(section_error)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(section_error)?;
                    info.tables.push(table.ty);
                    info.table_inits.push(match table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(init) => Some(init),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                let r = reader.range();
                check_memory_limit_encoding(
                    &wasm[r.start as usize..r.end as usize],
                    r.start as usize,
                )?;
                for memory in reader {
                    info.memories.push(memory.map_err(section_error)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global.map_err(section_error)?;
                    info.globals.push(GlobalDef {
                        ty: global.ty,
                        init: Some(global.init_expr),
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(section_error)?;
                    info.exports.push(Export {
                        name: export.name.to_string(),
                        kind: export.kind,
                        index: export.index,
                    });
                    if export.kind == wasmparser::ExternalKind::Func {
                        info.func_exports
                            .insert(export.name.to_string(), export.index);
                    }
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::ElementSection(reader) => {
                for element in reader {
                    let element = element.map_err(section_error)?;
                    info.elements.push(read_element(element)?);
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(section_error)?;
                    let active = match data.kind {
                        DataKind::Passive => None,
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => Some((memory_index, offset_expr)),
                    };
                    info.data.push(DataSegment {
                        active,
                        bytes: data.data,
                    });
                }
            }
            Payload::CodeSectionEntry(body) => info.bodies.push(body),
            Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                    // A malformed name section is ignored, as the spec allows.
                    read_function_names(names, &mut info.func_names);
                }
            }
            _ => {}
        }
    }

    // Bodies are validated last so errors can name the function. The same pass
    // notes the signatures that take part in tail calls.
    let mut allocs = wasmparser::FuncValidatorAllocations::default();
    let mut tail_typed = vec![false; info.types.len()];
    for (func, body) in to_validate {
        let index = func.index;
        let mut v = func.into_validator(allocs);
        if let Err(e) = validate_body(&mut v, &body, &info.func_types, index, &mut tail_typed) {
            let name = match info.func_names.get(&index) {
                Some(n) => format!(" `{n}`"),
                None => String::new(),
            };
            bail!(
                "{} (at byte offset {:#x}, in function {index}{name})",
                validation_message(e.message()),
                e.offset()
            );
        }
        allocs = v.into_allocations();
    }
    // Conventions follow canonical types, so structurally equal types (which
    // `call_indirect` and `call_ref` treat as one) agree.
    info.canonical_type_ids = super::types::canonical_type_ids(&info.types);
    let ids = &info.canonical_type_ids;
    let tail_ids: std::collections::HashSet<u64> = (ids.iter().zip(&tail_typed))
        .filter(|&(_, &tail)| tail)
        .map(|(&id, _)| id)
        .collect();
    info.tail_call_types = ids.iter().map(|id| tail_ids.contains(id)).collect();
    Ok(info)
}

/// Validates one body operator by operator, marking in `tail_typed` the types of
/// the function (`func_index`) and of the callee of each tail call in it.
fn validate_body(
    v: &mut wasmparser::FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
    func_types: &[u32],
    func_index: u32,
    tail_typed: &mut [bool],
) -> wasmparser::Result<()> {
    let mut reader = body.get_binary_reader();
    v.read_locals(&mut reader)?;
    reader.set_features(*v.features());
    while !reader.eof() {
        let offset = reader.original_position();
        let mut op_bytes = reader.clone();
        reader.visit_operator(&mut v.visitor(offset))??;
        // Validated, so the indices read back here are in range.
        let callee_type = match op_bytes.read_u8()? {
            RETURN_CALL => func_types[op_bytes.read_var_u32()? as usize],
            RETURN_CALL_INDIRECT | RETURN_CALL_REF => op_bytes.read_var_u32()?,
            _ => continue,
        };
        tail_typed[callee_type as usize] = true;
        tail_typed[func_types[func_index as usize] as usize] = true;
    }
    reader.finish_expression(&v.visitor(reader.original_position()))
}

/// Opcodes of `return_call` (then a function index), `return_call_indirect` and
/// `return_call_ref` (then a type index): one byte, no prefix.
const RETURN_CALL: u8 = 0x12;
const RETURN_CALL_INDIRECT: u8 = 0x13;
const RETURN_CALL_REF: u8 = 0x15;

/// What a validation error tells the user: `invalid module: <wasmparser's message>`,
/// except for a module that needs the GC proposal (valid WebAssembly 3.0 that aotc
/// does not compile), which says so and names what it uses.
fn validation_message(message: &str) -> String {
    let lower = message.to_lowercase();
    let mentions_gc = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word == "gc");
    if !mentions_gc {
        return format!("invalid module: {}", one_line(message));
    }
    let uses = [
        ("struct", "struct types"),
        ("array", "array types"),
        ("heap type", "anyref/eqref/i31ref references"),
        ("rec group", "recursive type groups"),
        ("subtype", "declared subtypes"),
        ("type index out of bounds", "recursive types"),
        ("support is not enabled", "GC instructions"),
    ]
    .iter()
    .find(|(needle, _)| lower.contains(needle))
    .map_or("GC types", |&(_, what)| what);
    format!(
        "this module uses the WebAssembly GC proposal ({uses}), which aotc does not compile yet"
    )
}

/// A validator message on one line: some (a bad magic number) are pretty-printed
/// over several.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read_function_names(names: wasmparser::NameSectionReader<'_>, out: &mut HashMap<u32, String>) {
    for name in names {
        let Ok(Name::Function(map)) = name else {
            continue;
        };
        for naming in map {
            match naming {
                Ok(n) => {
                    out.insert(n.index, n.name.to_string());
                }
                Err(_) => return,
            }
        }
    }
}

fn read_element(element: wasmparser::Element<'_>) -> Result<ElemSegment<'_>> {
    let mode = match element.kind {
        ElementKind::Passive => ElemMode::Passive,
        ElementKind::Declared => ElemMode::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => ElemMode::Active {
            table: table_index.unwrap_or(0),
            offset: offset_expr,
        },
    };
    let mut items = Vec::new();
    let ty = match element.items {
        ElementItems::Functions(funcs) => {
            for f in funcs {
                items.push(ElemItem::Func(f?));
            }
            RefType::FUNCREF
        }
        ElementItems::Expressions(ty, exprs) => {
            for e in exprs {
                items.push(ElemItem::Expr(e?));
            }
            ty
        }
    };
    Ok(ElemSegment { mode, ty, items })
}

/// wasmparser reads memory limits as u64 LEB128 whatever the memory kind; a 32-bit
/// memory's limits are u32 and may take at most 5 bytes ("integer representation too
/// long" otherwise), which this checks on the raw memory section.
fn check_memory_limit_encoding(section: &[u8], offset: usize) -> Result<()> {
    let mut pos = 0usize;
    let leb = |pos: &mut usize| -> Option<usize> {
        let start = *pos;
        loop {
            let b = *section.get(*pos)?;
            *pos += 1;
            if b & 0x80 == 0 {
                return Some(*pos - start);
            }
        }
    };
    let Some(_) = leb(&mut pos) else {
        return Ok(());
    };
    while pos < section.len() {
        let flags = section[pos];
        pos += 1;
        let memory64 = flags & 0x04 != 0;
        let limits = if flags & 0x01 != 0 { 2 } else { 1 };
        for _ in 0..limits {
            let at = pos;
            let Some(len) = leb(&mut pos) else {
                return Ok(());
            };
            if !memory64 && len > 5 {
                bail!(
                    "invalid module: integer representation too long (at byte offset {:#x})",
                    offset + at
                );
            }
        }
        if flags & 0x08 != 0 {
            // Custom page size exponent (not enabled; validation reports it).
            let Some(_) = leb(&mut pos) else {
                return Ok(());
            };
        }
    }
    Ok(())
}
