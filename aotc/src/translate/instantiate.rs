//! Module-level code: `aotc_instantiate` (memory, tables, element and data segments,
//! start function, in the spec's order), `aotc_run_start` (its body comes from
//! `entry`: `_start`, or the `--invoke` function),
//! the function-info table for trap messages, the embedded manifest and the ABI
//! version marker. Symbol names and layouts come from `aotc_abi`.

use anyhow::{bail, Result};
use inkwell::module::Linkage;
use inkwell::values::{BasicValueEnum, FunctionValue};
use inkwell::AddressSpace;

use super::abi_types::field;
use super::const_expr::evaluate_offset;
use super::entry::Entry;
use super::func::emit_trap_call;
use super::module_cx::{enum_attr, Embedding, ModuleCx};
use super::module_info::ElemMode;
use aotc_abi::trap::TrapCode;
use aotc_abi::{sym, WASM_MAX_PAGES};

/// Function index reported for traps raised while instantiating.
const DURING_INSTANTIATION: u32 = u32::MAX;

/// Emits every module-level symbol the runtime expects.
pub(crate) fn emit_module_symbols(cx: &ModuleCx, manifest: &[u8], entry: &Entry) -> Result<()> {
    emit_instantiate(cx)?;
    if let Embedding::Embedded { .. } = cx.embedding {
        return super::exports::emit_exports(cx);
    }
    super::entry::emit_run_start(cx, entry_function(cx, sym::RUN_START), entry)?;
    emit_func_infos(cx);
    emit_manifest(cx, manifest);
    emit_listen_hook(cx, manifest);
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

fn entry_function<'ctx>(cx: &ModuleCx<'_, 'ctx>, name: &str) -> FunctionValue<'ctx> {
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

fn emit_instantiate(cx: &ModuleCx) -> Result<()> {
    let llcx = cx.llcx;
    let info = cx.info;
    let f = entry_function(cx, sym::INSTANTIATE);
    cx.set_wasm_function_attributes(f);
    let b = llcx.create_builder();
    b.position_at_end(llcx.append_basic_block(f, "entry"));
    let i32t = llcx.i32_type();
    let i64t = llcx.i64_type();
    let ptr = llcx.ptr_type(AddressSpace::default());
    let one = llcx.i8_type().const_int(1, false);

    // Memory: create it unless imported, then publish its (fixed) base.
    let mut memory_base = None;
    if let (Some(mem), Some(ty)) = (cx.memory, info.memories.first()) {
        if info.memory_imports.is_empty() {
            let max = ty.maximum.unwrap_or(WASM_MAX_PAGES).min(WASM_MAX_PAGES);
            b.build_call(
                cx.rt.memory_new,
                &[
                    mem.as_pointer_value().into(),
                    i32t.const_int(ty.initial, false).into(),
                    i32t.const_int(max, false).into(),
                ],
                "",
            )?;
        }
        let base_ptr = b.build_struct_gep(
            cx.abi.memory,
            mem.as_pointer_value(),
            field::MEMORY_BASE,
            "",
        )?;
        let base = b.build_load(ptr, base_ptr, "base")?.into_pointer_value();
        let header_base = b.build_struct_gep(
            cx.abi.vmctx_header,
            cx.vmctx.as_pointer_value(),
            field::VMCTX_MEMORY_BASE,
            "",
        )?;
        b.build_store(header_base, base)?;
        memory_base = Some(base);
    }
    let imported_tables = info.table_imports.len();
    for (table, ty) in cx.tables.iter().zip(&info.tables).skip(imported_tables) {
        let max = ty.maximum.unwrap_or(u32::MAX as u64).min(u32::MAX as u64);
        b.build_call(
            cx.rt.table_new,
            &[
                table.as_pointer_value().into(),
                i32t.const_int(ty.initial, false).into(),
                i32t.const_int(max, false).into(),
                i64t.const_zero().into(),
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
                let offset = evaluate_offset(cx, offset)?;
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
        b.build_store(slot.dropped.as_pointer_value(), one)?;
    }
    for (i, seg) in info.data.iter().enumerate() {
        let slot = &cx.data[i];
        let Some((_, offset)) = &seg.active else {
            continue;
        };
        let (Some(mem), Some(base)) = (cx.memory, memory_base) else {
            bail!("data segment {i} has no memory to initialise");
        };
        let offset = evaluate_offset(cx, offset)? as u64;
        // Checked against the memory's size now: an imported memory may be larger
        // than declared.
        let size_ptr = b.build_struct_gep(
            cx.abi.memory,
            mem.as_pointer_value(),
            field::MEMORY_SIZE_BYTES,
            "",
        )?;
        let size = b.build_load(i64t, size_ptr, "size")?.into_int_value();
        let end = i64t.const_int(offset + slot.len as u64, false);
        let ok = b.build_int_compare(inkwell::IntPredicate::ULE, end, size, "")?;
        trap_unless(ok, TrapCode::OutOfBoundsMemory)?;
        if let Some(contents) = slot.contents {
            // SAFETY (of the generated code): offset + len <= memory size (checked).
            let dst = unsafe {
                b.build_in_bounds_gep(llcx.i8_type(), base, &[i64t.const_int(offset, false)], "")?
            };
            b.build_memcpy(
                dst,
                1,
                contents.as_pointer_value(),
                1,
                i64t.const_int(slot.len as u64, false),
            )?;
        }
        b.build_store(slot.dropped.as_pointer_value(), one)?;
    }
    if let Some(start) = info.start {
        call_not_inlined(cx, &b, cx.functions[start as usize])?;
    }
    b.build_return(None)?;
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
    call.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(cx.llcx, "noinline", 0),
    );
    Ok(())
}

fn emit_func_infos(cx: &ModuleCx) {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let imported = cx.info.num_imported_funcs();
    let mut entries = Vec::with_capacity(cx.functions.len());
    for (index, f) in cx.functions.iter().enumerate() {
        let index = index as u32;
        let name = if index < imported {
            let i = &cx.info.func_imports[index as usize];
            format!("{}.{}", i.module, i.name)
        } else {
            cx.info.display_name(index)
        };
        let bytes = llcx.const_string(name.as_bytes(), true);
        let g = cx.private_constant("aotc.fname", &bytes);
        g.set_unnamed_addr(true);
        let code: BasicValueEnum = if index < imported {
            ptr.const_null().into()
        } else {
            f.as_global_value().as_pointer_value().into()
        };
        entries.push(
            cx.abi
                .func_info
                .const_named_struct(&[code, g.as_pointer_value().into()]),
        );
    }
    let array = cx.abi.func_info.const_array(&entries);
    let infos = cx
        .module
        .add_global(array.get_type(), None, sym::FUNC_INFOS);
    infos.set_constant(true);
    infos.set_initializer(&array);
    let count = cx
        .module
        .add_global(llcx.i32_type(), None, sym::FUNC_INFO_COUNT);
    count.set_constant(true);
    count.set_initializer(&llcx.i32_type().const_int(entries.len() as u64, false));
}

/// `aotc_listen_hook`: the runtime's listener set-up when the manifest grants
/// sockets, else null (see `aotc_abi::sym::LISTEN_HOOK`).
fn emit_listen_hook(cx: &ModuleCx, manifest: &[u8]) {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let grants_sockets = aotc_abi::manifest::Manifest::decode(manifest)
        .map(|m| !m.listen.is_empty())
        .unwrap_or(false);
    let hook = cx.module.add_global(ptr, None, sym::LISTEN_HOOK);
    hook.set_constant(true);
    if grants_sockets {
        let f = cx.module.add_function(
            sym::OPEN_LISTENERS,
            llcx.void_type().fn_type(&[ptr.into(), ptr.into()], false),
            Some(Linkage::External),
        );
        hook.set_initializer(&f.as_global_value().as_pointer_value());
    } else {
        hook.set_initializer(&ptr.const_null());
    }
}

fn emit_manifest(cx: &ModuleCx, manifest: &[u8]) {
    let llcx = cx.llcx;
    let bytes = llcx.const_string(manifest, false);
    let g = cx.module.add_global(bytes.get_type(), None, sym::MANIFEST);
    g.set_constant(true);
    g.set_initializer(&bytes);
    g.set_section(Some(sym::MANIFEST_SECTION));
    g.set_alignment(1);
    let len = cx
        .module
        .add_global(llcx.i32_type(), None, sym::MANIFEST_LEN);
    len.set_constant(true);
    len.set_initializer(&llcx.i32_type().const_int(manifest.len() as u64, false));
}
