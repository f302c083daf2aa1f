//! Evaluates wasm constant expressions (global initialisers, segment offsets,
//! element items) to LLVM constants at compile time.
//!
//! An executable's module has no imported globals, so every constant expression
//! of WebAssembly 2.0 (including `v128.const`, as the canonical `<2 x i64>`, lane 0
//! the low 64 bits) and the extended-constant arithmetic folds to a constant.

use anyhow::{bail, Result};
use inkwell::types::VectorType;
use inkwell::values::BasicValueEnum;
use inkwell::AddressSpace;
use wasmparser::{ConstExpr, Operator};

use super::llvm_util::{f32_from_bits, f64_from_bits};
use super::module_cx::{GlobalSlot, ModuleCx};

/// Evaluates `expr` to an LLVM constant.
pub(crate) fn evaluate<'ctx>(
    cx: &ModuleCx<'_, 'ctx>,
    expr: &ConstExpr<'_>,
) -> Result<BasicValueEnum<'ctx>> {
    let llcx = cx.llcx;
    let mut stack: Vec<BasicValueEnum<'ctx>> = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let op = reader.read()?;
        let v: BasicValueEnum = match op {
            Operator::I32Const { value } => {
                llcx.i32_type().const_int(value as u32 as u64, false).into()
            }
            Operator::I64Const { value } => llcx.i64_type().const_int(value as u64, false).into(),
            Operator::F32Const { value } => f32_from_bits(llcx, value.bits()).into(),
            Operator::F64Const { value } => f64_from_bits(llcx, value.bits()).into(),
            Operator::V128Const { value } => {
                let bits = u128::from(value);
                let i64t = llcx.i64_type();
                let lanes = [
                    i64t.const_int(bits as u64, false),
                    i64t.const_int((bits >> 64) as u64, false),
                ];
                VectorType::const_vector(&lanes).into()
            }
            Operator::RefNull { .. } => llcx.ptr_type(AddressSpace::default()).const_null().into(),
            Operator::RefFunc { function_index } => {
                cx.func_record(function_index)?.as_pointer_value().into()
            }
            Operator::GlobalGet { global_index } => match cx.globals.get(global_index as usize) {
                Some(GlobalSlot::Constant(c)) => *c,
                Some(GlobalSlot::Variable(g, _)) => match g.get_initializer() {
                    Some(init) => init,
                    None => bail!(
                        "constant expression reads global {global_index} before it is defined"
                    ),
                },
                None => {
                    bail!("constant expression reads global {global_index} before it is defined")
                }
            },
            Operator::I32Add
            | Operator::I32Sub
            | Operator::I32Mul
            | Operator::I64Add
            | Operator::I64Sub
            | Operator::I64Mul => {
                let (Some(b), Some(a)) = (stack.pop(), stack.pop()) else {
                    bail!("malformed constant expression");
                };
                let (a, b) = (a.into_int_value(), b.into_int_value());
                let (x, y) = (
                    a.get_zero_extended_constant(),
                    b.get_zero_extended_constant(),
                );
                let (Some(x), Some(y)) = (x, y) else {
                    bail!("constant expression is not constant");
                };
                let r = match op {
                    Operator::I32Add | Operator::I64Add => x.wrapping_add(y),
                    Operator::I32Sub | Operator::I64Sub => x.wrapping_sub(y),
                    _ => x.wrapping_mul(y),
                };
                a.get_type().const_int(r, false).into()
            }
            Operator::End => break,
            other => bail!("unsupported instruction in constant expression: {other:?}"),
        };
        stack.push(v);
    }
    match stack.as_slice() {
        [v] => Ok(*v),
        _ => bail!("malformed constant expression"),
    }
}

/// Evaluates an offset expression (i32, or i64 for a memory64 data segment) to its
/// value, zero-extended.
pub(crate) fn evaluate_offset(cx: &ModuleCx<'_, '_>, expr: &ConstExpr<'_>) -> Result<u64> {
    let v = evaluate(cx, expr)?;
    match v {
        BasicValueEnum::IntValue(i) => match i.get_zero_extended_constant() {
            Some(x) => Ok(x),
            None => bail!("segment offset is not constant"),
        },
        _ => bail!("segment offset is not an integer"),
    }
}
