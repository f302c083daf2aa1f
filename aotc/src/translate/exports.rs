//! Exports of an embedded module (see `Embedding::Embedded`): each export `k` becomes
//! the external symbol `aotc_export_<k>` (a function with the wasm signature, or a
//! pointer constant to the table/memory/global storage), and each exported function
//! also gets `aotc_call_<k>`, an array-call trampoline an embedder can call without
//! knowing the signature at compile time.

use anyhow::Result;
use inkwell::module::Linkage;
use inkwell::values::{BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue};
use inkwell::AddressSpace;
use wasmparser::ExternalKind;

use super::module_cx::{enum_attr, export_call_symbol, export_symbol, GlobalSlot, ModuleCx};

/// Bytes per value slot of an array call (enough for a v128).
pub const CALL_SLOT_BYTES: u64 = 16;

/// Symbol of a pointer to a null-terminated array of an embedded module's own (not
/// imported) memory descriptors: lets an embedder release the memories when it drops
/// the instance.
pub const OWNED_MEMORIES_SYMBOL: &str = "aotc_owned_memories";

pub(crate) fn emit_exports(cx: &ModuleCx) -> Result<()> {
    let ptr = cx.llcx.ptr_type(AddressSpace::default());
    let mut owned: Vec<_> = cx
        .memories
        .iter()
        .skip(cx.info.memory_imports.len())
        .map(|m| m.as_pointer_value())
        .collect();
    owned.push(ptr.const_null());
    let owned = cx.private_constant("aotc.owned_memories", &ptr.const_array(&owned));
    let owned_symbol = cx.module.add_global(ptr, None, OWNED_MEMORIES_SYMBOL);
    owned_symbol.set_constant(true);
    owned_symbol.set_initializer(&owned.as_pointer_value());
    for (k, export) in cx.info.exports.iter().enumerate() {
        let name = export_symbol(k);
        let target = match export.kind {
            ExternalKind::Func => {
                let f = cx.function(export.index)?;
                let exported = forwarding_function(cx, &name, f)?;
                emit_array_call(cx, &export_call_symbol(k), exported, export.index)?;
                continue;
            }
            ExternalKind::Memory => cx.memories[export.index as usize].as_pointer_value(),
            ExternalKind::Table => cx.tables[export.index as usize].as_pointer_value(),
            ExternalKind::Tag => cx.tags[export.index as usize].as_pointer_value(),
            ExternalKind::Global => match cx.globals[export.index as usize] {
                GlobalSlot::Variable(g, _) => g.as_pointer_value(),
                GlobalSlot::Constant(c) => cx
                    .private_constant(&format!("aotc.export{k}.value"), &c)
                    .as_pointer_value(),
            },
            _ => continue,
        };
        let g = cx.module.add_global(ptr, None, &name);
        g.set_constant(true);
        g.set_initializer(&target);
    }
    Ok(())
}

/// A preloaded provider's exports (see `preload`): `aotc_export_<k>` for each
/// exported function `k` (prefixed with the provider's symbols), which the modules
/// importing it call.
pub(crate) fn emit_provider_exports(cx: &ModuleCx) -> Result<()> {
    for (k, export) in cx.info.exports.iter().enumerate() {
        if export.kind == ExternalKind::Func {
            // The callee keeps a frame of its own: a trap in it is attributed to it,
            // and backtraces show it.
            let forwarder = forwarding_function(cx, &export_symbol(k), cx.function(export.index)?)?;
            for call in forwarder
                .get_first_basic_block()
                .into_iter()
                .flat_map(|bb| bb.get_instructions())
                .filter(|i| i.get_opcode() == inkwell::values::InstructionOpcode::Call)
            {
                if let Ok(site) = inkwell::values::CallSiteValue::try_from(call) {
                    site.add_attribute(
                        inkwell::attributes::AttributeLoc::Function,
                        enum_attr(cx.llcx, "noinline", 0),
                    );
                }
            }
        }
    }
    Ok(())
}

/// An external function with `f`'s signature that calls `f`.
fn forwarding_function<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    name: &str,
    f: FunctionValue<'ctx>,
) -> Result<FunctionValue<'ctx>> {
    let g = cx
        .module
        .add_function(name, f.get_type(), Some(Linkage::External));
    cx.set_wasm_function_attributes(g);
    let b = cx.llcx.create_builder();
    b.position_at_end(cx.llcx.append_basic_block(g, "entry"));
    let args: Vec<BasicMetadataValueEnum> = g.get_param_iter().map(Into::into).collect();
    let call = b.build_call(f, &args, "")?;
    call.set_call_convention(f.get_call_conventions());
    match call.try_as_basic_value().basic() {
        Some(v) => b.build_return(Some(&v))?,
        None => b.build_return(None)?,
    };
    Ok(g)
}

/// `extern "C" fn(slots: *mut [u8; 16])`: parameters from slots 0.., results to 0...
fn emit_array_call<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    name: &str,
    f: FunctionValue<'ctx>,
    func_index: u32,
) -> Result<()> {
    let llcx = cx.llcx;
    let ptr = llcx.ptr_type(AddressSpace::default());
    let tramp = cx.module.add_function(
        name,
        llcx.void_type().fn_type(&[ptr.into()], false),
        Some(Linkage::External),
    );
    tramp.add_attribute(
        inkwell::attributes::AttributeLoc::Function,
        enum_attr(llcx, "nounwind", 0),
    );
    let b = llcx.create_builder();
    b.position_at_end(llcx.append_basic_block(tramp, "entry"));
    let slots = tramp
        .get_nth_param(0)
        .expect("slots param")
        .into_pointer_value();
    let slot = |i: usize| -> Result<inkwell::values::PointerValue<'ctx>> {
        // SAFETY (of the generated code): the caller passes enough slots.
        Ok(unsafe {
            b.build_gep(
                llcx.i8_type(),
                slots,
                &[llcx.i64_type().const_int(i as u64 * CALL_SLOT_BYTES, false)],
                "slot",
            )?
        })
    };
    let sig = cx.info.signature_of_func(func_index);
    let mut args: Vec<BasicMetadataValueEnum> = Vec::new();
    for (i, &t) in sig.params.iter().enumerate() {
        let ty = super::module_cx::llvm_type(llcx, t)?;
        let v = b.build_load(ty, slot(i)?, "arg")?;
        if let Some(load) = v.as_instruction_value() {
            let _ = load.set_alignment(1);
        }
        args.push(v.into());
    }
    let call = b.build_call(f, &args, "")?;
    let results: Vec<BasicValueEnum> = match sig.results.len() {
        0 => vec![],
        1 => vec![call.try_as_basic_value().basic().expect("one result")],
        n => {
            let agg = call
                .try_as_basic_value()
                .basic()
                .expect("results")
                .into_struct_value();
            (0..n)
                .map(|i| b.build_extract_value(agg, i as u32, "").map_err(Into::into))
                .collect::<Result<Vec<_>>>()?
        }
    };
    for (i, v) in results.into_iter().enumerate() {
        let st = b.build_store(slot(i)?, v)?;
        let _ = st.set_alignment(1);
    }
    b.build_return(None)?;
    Ok(())
}
