//! Module-level code: `aotc_instantiate` (memory, tables, element and data segments,
//! start function, in the spec's order), `aotc_run_start` (its body comes from
//! `entry`: `_start`, or the `--invoke` function),
//! the function-info table for trap messages, the manifest (embedded, or in an object
//! of its own made by [`manifest_symbols`] at link time) and the ABI version marker.
//! Symbol names and layouts come from `aotc_abi`.

use anyhow::{bail, Result};
use inkwell::module::Linkage;
use inkwell::values::{BasicValueEnum, FunctionValue, GlobalValue};
use inkwell::AddressSpace;

use super::abi_types::field;
use super::const_expr::{evaluate, evaluate_offset};
use super::entry::Entry;
use super::func::emit_trap_call;
use super::module_cx::{defines_memory, enum_attr, Embedding, ModuleCx};
use super::module_info::ElemMode;
use aotc_abi::trap::TrapCode;
use aotc_abi::{sym, WASM_MAX_PAGES};

/// Function index reported for traps raised while instantiating.
const DURING_INSTANTIATION: u32 = u32::MAX;

/// With more active data segments than this, `aotc_instantiate` copies them in a
/// loop over a constant table instead of with straight-line code per segment: C
/// toolchains can emit tens of thousands (CPython: 24,171), and one basic block
/// each made `aotc_instantiate` the most expensive function of the module to
/// optimise and compile.
const DATA_LOOP_MIN: usize = 16;

/// Emits every module-level symbol the runtime expects; the manifest's symbols only
/// when `manifest` is given (else an object of [`manifest_symbols`] defines them).
pub(crate) fn emit_module_symbols(
    cx: &ModuleCx,
    manifest: Option<&[u8]>,
    entry: &Entry,
) -> Result<()> {
    if let Embedding::Embedded { .. } = cx.embedding {
        emit_instantiate(cx, None)?;
        return super::exports::emit_exports(cx);
    }
    let infos = emit_func_infos(cx)?;
    emit_instantiate(cx, Some(infos))?;
    if cx.link.is_provider() {
        // Instantiated and entered through the main module (see `preload`).
        return super::exports::emit_provider_exports(cx);
    }
    super::entry::emit_run_start(cx, entry_function(cx, sym::RUN_START), entry)?;
    if cx.per_thread {
        let instantiate = cx
            .module
            .get_function(sym::INSTANTIATE)
            .expect("aotc_instantiate is emitted above");
        super::threads::emit_thread_entry(cx, instantiate)?;
    }
    if let Some(manifest) = manifest {
        manifest_symbols(cx.llcx, &cx.module, manifest);
    }
    let llcx = cx.llcx;
    let marker = cx
        .module
        .add_global(llcx.i8_type(), None, sym::ABI_VERSION_MARKER);
    marker.set_initializer(
        &llcx
            .i8_type()
            .const_int(aotc_abi::ABI_VERSION as u64, false),
    );
    marker.set_constant(true);
    let size = cx.module.add_global(llcx.i64_type(), None, sym::VMCTX_SIZE);
    size.set_initializer(&llcx.i64_type().const_int(
        std::mem::size_of::<aotc_abi::layout::VmCtxHeader>() as u64,
        false,
    ));
    size.set_constant(true);
    Ok(())
}

pub(super) fn entry_function<'ctx>(cx: &ModuleCx<'_, 'ctx>, name: &str) -> FunctionValue<'ctx> {
    let llcx = cx.llcx;
    let ty = llcx
        .void_type()
        .fn_type(&[llcx.ptr_type(AddressSpace::default()).into()], false);
    let f = cx.module.add_function(name, ty, Some(Linkage::External));
    f.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(llcx, "nounwind", 0),
    );
    f
}

/// `aotc_instantiate`; `func_infos` is the command's function-info table (a main
/// module with providers instantiates them first, see `preload`).
fn emit_instantiate<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    func_infos: Option<GlobalValue<'ctx>>,
) -> Result<()> {
    let llcx = cx.llcx;
    let info = cx.info;
    let f = entry_function(cx, sym::INSTANTIATE);
    cx.set_wasm_function_attributes(f);
    let b = llcx.create_builder();
    b.position_at_end(llcx.append_basic_block(f, "entry"));
    if let Some(infos) = func_infos {
        super::preload::emit_provider_instantiation(cx, &b, infos)?;
    }
    let i32t = llcx.i32_type();
    let i64t = llcx.i64_type();
    let ptr = llcx.ptr_type(AddressSpace::default());
    let one = llcx.i8_type().const_int(1, false);

    // Memories: create the module's own (and a command's imported shared memory), then read every (fixed) base; memory 0's
    // is published in the header.
    let mut memory_bases = Vec::new();
    for (i, (mem, ty)) in cx.memories.iter().zip(&info.memories).enumerate() {
        if defines_memory(info, &cx.embedding, i as u32) {
            // A spawned thread's instance shares the memory the main one created.
            let created = if cx.per_thread {
                Some(super::threads::skip_if_created(
                    cx,
                    &b,
                    f,
                    mem.as_pointer_value(),
                )?)
            } else {
                None
            };
            let limit = if ty.memory64 {
                u64::MAX
            } else {
                WASM_MAX_PAGES
            };
            let max = ty.maximum.unwrap_or(limit).min(limit);
            b.build_call(
                cx.rt.memory_new,
                &[
                    mem.as_pointer_value().into(),
                    i64t.const_int(ty.initial, false).into(),
                    i64t.const_int(max, false).into(),
                    i32t.const_int(u64::from(ty.memory64), false).into(),
                ],
                "",
            )?;
            if let Some(created) = created {
                b.build_unconditional_branch(created)?;
                b.position_at_end(created);
            }
        }
        let base_ptr = b.build_struct_gep(
            cx.abi.memory,
            mem.as_pointer_value(),
            field::MEMORY_BASE,
            "",
        )?;
        let base = b.build_load(ptr, base_ptr, "base")?.into_pointer_value();
        if i == 0 {
            let header_base = b.build_struct_gep(
                cx.abi.vmctx_header,
                cx.vmctx.as_pointer_value(),
                field::VMCTX_MEMORY_BASE,
                "",
            )?;
            b.build_store(header_base, base)?;
        }
        memory_bases.push(base);
    }
    let imported_tables = info.table_imports.len();
    for ((table, ty), init) in
        (cx.tables.iter().zip(&info.tables).zip(&info.table_inits)).skip(imported_tables)
    {
        let max = ty.maximum.unwrap_or(u32::MAX as u64).min(u32::MAX as u64);
        // Every element starts as the initialiser's value (typed function
        // references), else null.
        let init = match init {
            Some(expr) => evaluate(cx, expr)?.into_pointer_value().const_to_int(i64t),
            None => i64t.const_zero(),
        };
        b.build_call(
            cx.rt.table_new,
            &[
                table.as_pointer_value().into(),
                i32t.const_int(ty.initial, false).into(),
                i32t.const_int(max, false).into(),
                init.into(),
            ],
            "",
        )?;
    }

    // Element segments, then data segments, in order; the first failure traps and
    // the writes before it stay (observable through imported tables and memories).
    let trap_unless = |ok: inkwell::values::IntValue, code: TrapCode| -> Result<()> {
        let trap = llcx.append_basic_block(f, "init_trap");
        let cont = llcx.append_basic_block(f, "init_ok");
        b.build_conditional_branch(ok, cont, trap)?;
        b.position_at_end(trap);
        emit_trap_call(&b, cx, code, DURING_INSTANTIATION)?;
        b.position_at_end(cont);
        Ok(())
    };
    for (i, seg) in info.elements.iter().enumerate() {
        let slot = &cx.elems[i];
        match &seg.mode {
            ElemMode::Passive => continue,
            ElemMode::Declared => {}
            ElemMode::Active { table, offset } => {
                let offset = evaluate_offset(cx, offset)? as u32;
                let contents = match slot.contents {
                    Some(c) => c.as_pointer_value(),
                    None => ptr.const_null(),
                };
                let status = b
                    .build_call(
                        cx.rt.table_init,
                        &[
                            cx.tables[*table as usize].as_pointer_value().into(),
                            contents.into(),
                            i32t.const_int(slot.len as u64, false).into(),
                            i32t.const_int(offset as u64, false).into(),
                            i32t.const_zero().into(),
                            i32t.const_int(slot.len as u64, false).into(),
                        ],
                        "",
                    )?
                    .try_as_basic_value()
                    .basic()
                    .expect("table_init returns a status")
                    .into_int_value();
                let ok =
                    b.build_int_compare(inkwell::IntPredicate::EQ, status, i32t.const_zero(), "")?;
                trap_unless(ok, TrapCode::OutOfBoundsTable)?;
            }
        }
        if cx.instantiation_writes_dropped_flags() {
            b.build_store(slot.dropped.as_pointer_value(), one)?;
        }
    }
    let active = info.data.iter().filter(|s| s.active.is_some()).count();
    if active > DATA_LOOP_MIN {
        init_data_in_a_loop(cx, &b, f)?;
    } else {
        for (i, seg) in info.data.iter().enumerate() {
            let slot = &cx.data[i];
            let Some((memory, offset)) = &seg.active else {
                continue;
            };
            let (Some(mem), Some(&base)) = (
                cx.memories.get(*memory as usize),
                memory_bases.get(*memory as usize),
            ) else {
                bail!("data segment {i} has no memory to initialise");
            };
            let offset = evaluate_offset(cx, offset)?;
            // Checked against the memory's size now: an imported memory may be larger
            // than declared. A sum past u64 (memory64 offsets) can never fit.
            let size_ptr = b.build_struct_gep(
                cx.abi.memory,
                mem.as_pointer_value(),
                field::MEMORY_SIZE_BYTES,
                "",
            )?;
            let size = b.build_load(i64t, size_ptr, "size")?.into_int_value();
            let end = i64t.const_int(offset.saturating_add(u64::from(slot.len)), false);
            let ok = b.build_int_compare(inkwell::IntPredicate::ULE, end, size, "")?;
            trap_unless(ok, TrapCode::OutOfBoundsMemory)?;
            if let Some(contents) = slot.contents {
                // SAFETY (of the generated code): offset + len <= memory size (checked).
                let dst = unsafe {
                    b.build_in_bounds_gep(
                        llcx.i8_type(),
                        base,
                        &[i64t.const_int(offset, false)],
                        "",
                    )?
                };
                b.build_memcpy(
                    dst,
                    1,
                    contents.as_pointer_value(),
                    1,
                    i64t.const_int(slot.len as u64, false),
                )?;
            }
            if cx.instantiation_writes_dropped_flags() {
                b.build_store(slot.dropped.as_pointer_value(), one)?;
            }
        }
    }
    if let Some(start) = info.start {
        call_not_inlined(cx, &b, cx.function(start)?)?;
    }
    if cx.link.is_provider() {
        // A preloaded reactor is initialised as part of its instantiation.
        if let Some(&init) = info.func_exports.get("_initialize") {
            call_not_inlined(cx, &b, cx.function(init)?)?;
        }
    }
    b.build_return(None)?;
    Ok(())
}

/// Active data segments, in order, by a loop over a private table of
/// `{ offset: i64, len: i64, contents: ptr, dropped: ptr, memory: ptr }`: each is
/// checked against its memory's size (`len <= size && offset <= size - len`, no
/// wraparound for memory64 offsets; the first that does not fit traps, the ones before
/// it stay written), copied, and marked dropped (unless its flag starts set: a
/// thread-local flag's address is no constant, so `dropped` is null then).
fn init_data_in_a_loop<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &inkwell::builder::Builder<'ctx>,
    f: FunctionValue<'ctx>,
) -> Result<()> {
    let llcx = cx.llcx;
    let i64t = llcx.i64_type();
    let ptr = llcx.ptr_type(AddressSpace::default());
    let entry_ty = llcx.struct_type(
        &[i64t.into(), i64t.into(), ptr.into(), ptr.into(), ptr.into()],
        false,
    );
    let mut entries = Vec::new();
    for (i, seg) in cx.info.data.iter().enumerate() {
        let Some((memory, offset)) = &seg.active else {
            continue;
        };
        let Some(mem) = cx.memories.get(*memory as usize) else {
            bail!("data segment {i} has no memory to initialise");
        };
        let slot = &cx.data[i];
        let offset = evaluate_offset(cx, offset)?;
        let dropped = if cx.instantiation_writes_dropped_flags() {
            slot.dropped.as_pointer_value()
        } else {
            ptr.const_null()
        };
        // Contents of an empty segment: any valid address (nothing is read from it).
        let contents = slot
            .contents
            .map_or(mem.as_pointer_value(), |c| c.as_pointer_value());
        entries.push(entry_ty.const_named_struct(&[
            i64t.const_int(offset, false).into(),
            i64t.const_int(slot.len as u64, false).into(),
            contents.into(),
            dropped.into(),
            mem.as_pointer_value().into(),
        ]));
    }
    let count = entries.len() as u64;
    let table = cx.private_constant("aotc.data_init", &entry_ty.const_array(&entries));

    let before = b.get_insert_block().expect("builder positioned");
    let body = llcx.append_basic_block(f, "data_init");
    let copy = llcx.append_basic_block(f, "data_copy");
    let trap = llcx.append_basic_block(f, "data_trap");
    let done = llcx.append_basic_block(f, "data_done");
    b.build_unconditional_branch(body)?;

    b.position_at_end(body);
    let i = b.build_phi(i64t, "i")?;
    // SAFETY (of the generated code): i < count.
    let entry = unsafe {
        b.build_in_bounds_gep(
            entry_ty.array_type(count as u32),
            table.as_pointer_value(),
            &[i64t.const_zero(), i.as_basic_value().into_int_value()],
            "entry",
        )?
    };
    let field = |n: u32, ty: inkwell::types::BasicTypeEnum<'ctx>, name: &str| -> Result<_> {
        let p = b.build_struct_gep(entry_ty, entry, n, "")?;
        Ok(b.build_load(ty, p, name)?)
    };
    let offset = field(0, i64t.into(), "offset")?.into_int_value();
    let len = field(1, i64t.into(), "len")?.into_int_value();
    let contents = field(2, ptr.into(), "contents")?.into_pointer_value();
    let dropped = field(3, ptr.into(), "dropped")?.into_pointer_value();
    let mem = field(4, ptr.into(), "memory")?.into_pointer_value();
    let size_ptr = b.build_struct_gep(cx.abi.memory, mem, field::MEMORY_SIZE_BYTES, "")?;
    let size = b.build_load(i64t, size_ptr, "size")?.into_int_value();
    let base_ptr = b.build_struct_gep(cx.abi.memory, mem, field::MEMORY_BASE, "")?;
    let base = b.build_load(ptr, base_ptr, "base")?.into_pointer_value();
    let len_fits = b.build_int_compare(inkwell::IntPredicate::ULE, len, size, "")?;
    let room = b.build_int_sub(size, len, "")?;
    let offset_fits = b.build_int_compare(inkwell::IntPredicate::ULE, offset, room, "")?;
    let fits = b.build_and(len_fits, offset_fits, "fits")?;
    b.build_conditional_branch(fits, copy, trap)?;

    b.position_at_end(trap);
    emit_trap_call(b, cx, TrapCode::OutOfBoundsMemory, DURING_INSTANTIATION)?;

    b.position_at_end(copy);
    // SAFETY (of the generated code): offset + len <= memory size (checked).
    let dst = unsafe { b.build_in_bounds_gep(llcx.i8_type(), base, &[offset], "")? };
    b.build_memcpy(dst, 1, contents, 1, len)?;
    if cx.instantiation_writes_dropped_flags() {
        b.build_store(dropped, llcx.i8_type().const_int(1, false))?;
    }
    let next = b.build_int_add(
        i.as_basic_value().into_int_value(),
        i64t.const_int(1, false),
        "",
    )?;
    let more = b.build_int_compare(
        inkwell::IntPredicate::ULT,
        next,
        i64t.const_int(count, false),
        "",
    )?;
    b.build_conditional_branch(more, body, done)?;
    i.add_incoming(&[(&i64t.const_zero(), before), (&next, copy)]);

    b.position_at_end(done);
    Ok(())
}

/// Calls a wasm function from an entry point without letting LLVM inline it there:
/// entry points are not wasm functions, so a trap inside inlined code could not be
/// attributed to a wasm function.
fn call_not_inlined<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    b: &inkwell::builder::Builder<'ctx>,
    f: FunctionValue<'ctx>,
) -> Result<()> {
    let call = b.build_call(f, &[], "")?;
    call.set_call_convention(f.get_call_conventions());
    call.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(cx.llcx, "noinline", 0),
    );
    Ok(())
}

/// `aotc_func_infos`: code address and name of every function. The names are one
/// blob of NUL-terminated strings (one global, not one per function: a module with
/// a million functions would otherwise spend a gigabyte on LLVM globals). With
/// preloaded providers, zeroed room for theirs follows (filled when instantiating).
fn emit_func_infos<'ctx>(cx: &ModuleCx<'_, 'ctx>) -> Result<GlobalValue<'ctx>> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let imported = cx.info.num_imported_funcs();
    let count = cx.info.func_types.len() as u32;
    let mut names = Vec::new();
    let mut offsets = Vec::with_capacity(count as usize);
    for index in 0..count {
        offsets.push(names.len() as u64);
        let name = if index < imported {
            let i = &cx.info.func_imports[index as usize];
            format!("{}.{}", i.module, i.name)
        } else {
            cx.info.display_name(index)
        };
        // A NUL inside a name would end it early: the runtime prints up to the first.
        names.extend(name.bytes().map(|b| if b == 0 { b'?' } else { b }));
        names.push(0);
    }
    let blob = cx.private_constant("aotc.fnames", &llcx.const_string(&names, false));
    blob.set_unnamed_addr(true);
    let i8t = llcx.i8_type();
    let i64t = llcx.i64_type();
    let mut entries = Vec::with_capacity(count as usize);
    for index in 0..count {
        let code: BasicValueEnum = if index < imported {
            ptr.const_null().into()
        } else {
            cx.function(index)?
                .as_global_value()
                .as_pointer_value()
                .into()
        };
        // SAFETY: the offset is that of a name inside the blob.
        let name = unsafe {
            blob.as_pointer_value()
                .const_gep(i8t, &[i64t.const_int(offsets[index as usize], false)])
        };
        entries.push(cx.abi.func_info.const_named_struct(&[code, name.into()]));
    }
    let provider_slots = super::preload::provider_info_slots(cx);
    entries.extend((0..provider_slots).map(|_| cx.abi.func_info.const_zero()));
    let array = cx.abi.func_info.const_array(&entries);
    let infos = cx
        .module
        .add_global(array.get_type(), None, sym::FUNC_INFOS);
    infos.set_constant(provider_slots == 0);
    infos.set_initializer(&array);
    let count = cx
        .module
        .add_global(llcx.i32_type(), None, sym::FUNC_INFO_COUNT);
    count.set_constant(true);
    count.set_initializer(&llcx.i32_type().const_int(entries.len() as u64, false));
    Ok(infos)
}

/// The symbols that carry the capability manifest into `module`: the bytes
/// (`aotc_manifest`, alone in the `.aotc.manifest` section), their length and
/// `aotc_listen_hook`. Nothing else in the module's code refers to the manifest, so
/// these can live in a small object of their own, linked after the cached code.
pub(crate) fn manifest_symbols<'ctx>(
    llcx: &'ctx inkwell::context::Context,
    module: &inkwell::module::Module<'ctx>,
    manifest: &[u8],
) {
    emit_manifest(llcx, module, manifest);
    emit_listen_hook(llcx, module, manifest);
}

/// `aotc_listen_hook`: the runtime's listener set-up when the manifest grants
/// sockets, else null (see `aotc_abi::sym::LISTEN_HOOK`).
fn emit_listen_hook<'ctx>(
    llcx: &'ctx inkwell::context::Context,
    module: &inkwell::module::Module<'ctx>,
    manifest: &[u8],
) {
    let ptr = llcx.ptr_type(AddressSpace::default());
    let grants_sockets = aotc_abi::manifest::Manifest::decode(manifest)
        .map(|m| !m.listen.is_empty())
        .unwrap_or(false);
    let hook = module.add_global(ptr, None, sym::LISTEN_HOOK);
    hook.set_constant(true);
    if grants_sockets {
        let f = module.add_function(
            sym::OPEN_LISTENERS,
            llcx.void_type().fn_type(&[ptr.into(), ptr.into()], false),
            Some(Linkage::External),
        );
        hook.set_initializer(&f.as_global_value().as_pointer_value());
    } else {
        hook.set_initializer(&ptr.const_null());
    }
}

fn emit_manifest<'ctx>(
    llcx: &'ctx inkwell::context::Context,
    module: &inkwell::module::Module<'ctx>,
    manifest: &[u8],
) {
    let bytes = llcx.const_string(manifest, false);
    let g = module.add_global(bytes.get_type(), None, sym::MANIFEST);
    g.set_constant(true);
    g.set_initializer(&bytes);
    g.set_section(Some(sym::MANIFEST_SECTION));
    g.set_alignment(1);
    let len = module.add_global(llcx.i32_type(), None, sym::MANIFEST_LEN);
    len.set_constant(true);
    len.set_initializer(&llcx.i32_type().const_int(manifest.len() as u64, false));
}
