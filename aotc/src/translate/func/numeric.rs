//! Numeric instructions: constants, integer and float arithmetic, comparisons.
//!
//! About 110 opcodes fold into a few emitters through small operation enums.
//! Semantics that differ from LLVM's defaults are spelled out: division traps on
//! zero and on signed overflow instead of being undefined, `rem_s` of MIN by -1 is
//! 0, shift counts are taken modulo the width, `clz`/`ctz` of zero are defined,
//! min/max use `llvm.minimum/maximum` (NaN-propagating, -0 < +0), `nearest` is
//! `llvm.roundeven`, and no fast-math flags are ever set.

use anyhow::Result;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, IntValue};
use inkwell::{FloatPredicate, IntPredicate};
use wasmparser::Operator;

use super::FuncTranslator;
use crate::translate::llvm_util::{f32_from_bits, f64_from_bits};
use aotc_abi::trap::TrapCode;

#[derive(Clone, Copy)]
enum IntBinary {
    Add,
    Sub,
    Mul,
    DivS,
    DivU,
    RemS,
    RemU,
    And,
    Or,
    Xor,
    Shl,
    ShrS,
    ShrU,
    Rotl,
    Rotr,
}

#[derive(Clone, Copy)]
enum IntUnary {
    Clz,
    Ctz,
    Popcnt,
    Eqz,
}

#[derive(Clone, Copy)]
enum FloatBinary {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    Copysign,
}

#[derive(Clone, Copy)]
enum FloatUnary {
    Abs,
    Neg,
    Ceil,
    Floor,
    Trunc,
    Nearest,
    Sqrt,
}

enum NumOp {
    IntBinary(IntBinary),
    IntUnary(IntUnary),
    IntCompare(IntPredicate),
    FloatBinary(FloatBinary),
    FloatUnary(FloatUnary),
    FloatCompare(FloatPredicate),
}

fn classify(op: &Operator) -> Option<NumOp> {
    use FloatBinary as FB;
    use FloatUnary as FU;
    use IntBinary as IB;
    use IntUnary as IU;
    use NumOp as N;
    use Operator as O;
    Some(match op {
        O::I32Eqz | O::I64Eqz => N::IntUnary(IU::Eqz),
        O::I32Clz | O::I64Clz => N::IntUnary(IU::Clz),
        O::I32Ctz | O::I64Ctz => N::IntUnary(IU::Ctz),
        O::I32Popcnt | O::I64Popcnt => N::IntUnary(IU::Popcnt),
        O::I32Eq | O::I64Eq => N::IntCompare(IntPredicate::EQ),
        O::I32Ne | O::I64Ne => N::IntCompare(IntPredicate::NE),
        O::I32LtS | O::I64LtS => N::IntCompare(IntPredicate::SLT),
        O::I32LtU | O::I64LtU => N::IntCompare(IntPredicate::ULT),
        O::I32GtS | O::I64GtS => N::IntCompare(IntPredicate::SGT),
        O::I32GtU | O::I64GtU => N::IntCompare(IntPredicate::UGT),
        O::I32LeS | O::I64LeS => N::IntCompare(IntPredicate::SLE),
        O::I32LeU | O::I64LeU => N::IntCompare(IntPredicate::ULE),
        O::I32GeS | O::I64GeS => N::IntCompare(IntPredicate::SGE),
        O::I32GeU | O::I64GeU => N::IntCompare(IntPredicate::UGE),
        O::I32Add | O::I64Add => N::IntBinary(IB::Add),
        O::I32Sub | O::I64Sub => N::IntBinary(IB::Sub),
        O::I32Mul | O::I64Mul => N::IntBinary(IB::Mul),
        O::I32DivS | O::I64DivS => N::IntBinary(IB::DivS),
        O::I32DivU | O::I64DivU => N::IntBinary(IB::DivU),
        O::I32RemS | O::I64RemS => N::IntBinary(IB::RemS),
        O::I32RemU | O::I64RemU => N::IntBinary(IB::RemU),
        O::I32And | O::I64And => N::IntBinary(IB::And),
        O::I32Or | O::I64Or => N::IntBinary(IB::Or),
        O::I32Xor | O::I64Xor => N::IntBinary(IB::Xor),
        O::I32Shl | O::I64Shl => N::IntBinary(IB::Shl),
        O::I32ShrS | O::I64ShrS => N::IntBinary(IB::ShrS),
        O::I32ShrU | O::I64ShrU => N::IntBinary(IB::ShrU),
        O::I32Rotl | O::I64Rotl => N::IntBinary(IB::Rotl),
        O::I32Rotr | O::I64Rotr => N::IntBinary(IB::Rotr),
        O::F32Eq | O::F64Eq => N::FloatCompare(FloatPredicate::OEQ),
        O::F32Ne | O::F64Ne => N::FloatCompare(FloatPredicate::UNE),
        O::F32Lt | O::F64Lt => N::FloatCompare(FloatPredicate::OLT),
        O::F32Gt | O::F64Gt => N::FloatCompare(FloatPredicate::OGT),
        O::F32Le | O::F64Le => N::FloatCompare(FloatPredicate::OLE),
        O::F32Ge | O::F64Ge => N::FloatCompare(FloatPredicate::OGE),
        O::F32Abs | O::F64Abs => N::FloatUnary(FU::Abs),
        O::F32Neg | O::F64Neg => N::FloatUnary(FU::Neg),
        O::F32Ceil | O::F64Ceil => N::FloatUnary(FU::Ceil),
        O::F32Floor | O::F64Floor => N::FloatUnary(FU::Floor),
        O::F32Trunc | O::F64Trunc => N::FloatUnary(FU::Trunc),
        O::F32Nearest | O::F64Nearest => N::FloatUnary(FU::Nearest),
        O::F32Sqrt | O::F64Sqrt => N::FloatUnary(FU::Sqrt),
        O::F32Add | O::F64Add => N::FloatBinary(FB::Add),
        O::F32Sub | O::F64Sub => N::FloatBinary(FB::Sub),
        O::F32Mul | O::F64Mul => N::FloatBinary(FB::Mul),
        O::F32Div | O::F64Div => N::FloatBinary(FB::Div),
        O::F32Min | O::F64Min => N::FloatBinary(FB::Min),
        O::F32Max | O::F64Max => N::FloatBinary(FB::Max),
        O::F32Copysign | O::F64Copysign => N::FloatBinary(FB::Copysign),
        _ => return None,
    })
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_numeric(&mut self, op: &Operator<'a>) -> Result<bool> {
        let llcx = self.m.llcx;
        match *op {
            Operator::I32Const { value } => {
                self.push(self.i32_const(value as u32 as u64));
                return Ok(true);
            }
            Operator::I64Const { value } => {
                self.push(self.i64_const(value as u64));
                return Ok(true);
            }
            Operator::F32Const { value } => {
                self.push(f32_from_bits(llcx, value.bits()));
                return Ok(true);
            }
            Operator::F64Const { value } => {
                self.push(f64_from_bits(llcx, value.bits()));
                return Ok(true);
            }
            _ => {}
        }
        let Some(kind) = classify(op) else {
            return Ok(false);
        };
        let v: BasicValueEnum = match kind {
            NumOp::IntBinary(k) => {
                let rhs = self.pop_int();
                let lhs = self.pop_int();
                self.int_binary(k, lhs, rhs)?.into()
            }
            NumOp::IntUnary(k) => {
                let x = self.pop_int();
                self.int_unary(k, x)?.into()
            }
            NumOp::IntCompare(p) => {
                let rhs = self.pop_int();
                let lhs = self.pop_int();
                let c = self.b.build_int_compare(p, lhs, rhs, "")?;
                self.bool_to_i32(c)?.into()
            }
            NumOp::FloatCompare(p) => {
                let rhs = self.pop().into_float_value();
                let lhs = self.pop().into_float_value();
                let c = self.b.build_float_compare(p, lhs, rhs, "")?;
                self.bool_to_i32(c)?.into()
            }
            NumOp::FloatBinary(k) => {
                let rhs = self.pop();
                let lhs = self.pop();
                self.float_binary(k, lhs, rhs)?
            }
            NumOp::FloatUnary(k) => {
                let x = self.pop();
                self.float_unary(k, x)?
            }
        };
        self.push(v);
        Ok(true)
    }

    fn int_binary(
        &mut self,
        k: IntBinary,
        a: IntValue<'ctx>,
        b: IntValue<'ctx>,
    ) -> Result<IntValue<'ctx>> {
        let ty = a.get_type();
        let bits = ty.get_bit_width() as u64;
        let bld = &self.b;
        Ok(match k {
            IntBinary::Add => {
                let sum = bld.build_int_add(a, b, "")?;
                if bits == 32 {
                    self.address_facts.added(sum, a, b);
                }
                sum
            }
            IntBinary::Sub => bld.build_int_sub(a, b, "")?,
            IntBinary::Mul => bld.build_int_mul(a, b, "")?,
            IntBinary::And => bld.build_and(a, b, "")?,
            IntBinary::Or => bld.build_or(a, b, "")?,
            IntBinary::Xor => bld.build_xor(a, b, "")?,
            IntBinary::Shl | IntBinary::ShrS | IntBinary::ShrU => {
                // wasm takes the count modulo the width; LLVM would give poison.
                let count = bld.build_and(b, ty.const_int(bits - 1, false), "")?;
                match k {
                    IntBinary::Shl => bld.build_left_shift(a, count, "")?,
                    IntBinary::ShrS => bld.build_right_shift(a, count, true, "")?,
                    _ => bld.build_right_shift(a, count, false, "")?,
                }
            }
            IntBinary::Rotl | IntBinary::Rotr => {
                let name = if matches!(k, IntBinary::Rotl) {
                    "llvm.fshl"
                } else {
                    "llvm.fshr"
                };
                self.call_intrinsic(name, &[ty.into()], &[a.into(), a.into(), b.into()])?
                    .into_int_value()
            }
            IntBinary::DivU | IntBinary::RemU => {
                self.trap_if_zero(b)?;
                if matches!(k, IntBinary::DivU) {
                    self.b.build_int_unsigned_div(a, b, "")?
                } else {
                    self.b.build_int_unsigned_rem(a, b, "")?
                }
            }
            IntBinary::DivS => {
                self.trap_if_zero(b)?;
                let min = ty.const_int(1u64 << (bits - 1), false);
                let minus_one = ty.const_all_ones();
                let a_is_min = self.b.build_int_compare(IntPredicate::EQ, a, min, "")?;
                let b_is_m1 = self
                    .b
                    .build_int_compare(IntPredicate::EQ, b, minus_one, "")?;
                let overflow = self.b.build_and(a_is_min, b_is_m1, "")?;
                self.trap_if(overflow, TrapCode::IntegerOverflow)?;
                self.b.build_int_signed_div(a, b, "")?
            }
            IntBinary::RemS => {
                self.trap_if_zero(b)?;
                // MIN rem -1 is 0 in wasm but undefined in LLVM; x rem 1 is 0 too.
                let minus_one = ty.const_all_ones();
                let b_is_m1 = self
                    .b
                    .build_int_compare(IntPredicate::EQ, b, minus_one, "")?;
                let divisor = self
                    .b
                    .build_select(b_is_m1, ty.const_int(1, false), b, "")?
                    .into_int_value();
                self.b.build_int_signed_rem(a, divisor, "")?
            }
        })
    }

    fn trap_if_zero(&mut self, divisor: IntValue<'ctx>) -> Result<()> {
        let zero = divisor.get_type().const_zero();
        let is_zero = self
            .b
            .build_int_compare(IntPredicate::EQ, divisor, zero, "")?;
        self.trap_if(is_zero, TrapCode::IntegerDivideByZero)
    }

    fn int_unary(&mut self, k: IntUnary, x: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        let ty: BasicTypeEnum = x.get_type().into();
        let no_poison = self.m.llcx.bool_type().const_zero();
        Ok(match k {
            IntUnary::Eqz => {
                let c =
                    self.b
                        .build_int_compare(IntPredicate::EQ, x, x.get_type().const_zero(), "")?;
                self.bool_to_i32(c)?
            }
            IntUnary::Clz => self
                .call_intrinsic("llvm.ctlz", &[ty], &[x.into(), no_poison.into()])?
                .into_int_value(),
            IntUnary::Ctz => self
                .call_intrinsic("llvm.cttz", &[ty], &[x.into(), no_poison.into()])?
                .into_int_value(),
            IntUnary::Popcnt => self
                .call_intrinsic("llvm.ctpop", &[ty], &[x.into()])?
                .into_int_value(),
        })
    }

    fn float_binary(
        &mut self,
        k: FloatBinary,
        a: BasicValueEnum<'ctx>,
        b: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>> {
        let (mut fa, mut fb) = (a.into_float_value(), b.into_float_value());
        let ty: BasicTypeEnum = fa.get_type().into();
        if matches!(
            k,
            FloatBinary::Add | FloatBinary::Sub | FloatBinary::Mul | FloatBinary::Div
        ) {
            fa = self.opaque_if_identity(fa)?;
            fb = self.opaque_if_identity(fb)?;
        }
        Ok(match k {
            FloatBinary::Add => self.b.build_float_add(fa, fb, "")?.into(),
            FloatBinary::Sub => self.b.build_float_sub(fa, fb, "")?.into(),
            FloatBinary::Mul => self.b.build_float_mul(fa, fb, "")?.into(),
            FloatBinary::Div => self.b.build_float_div(fa, fb, "")?.into(),
            FloatBinary::Min | FloatBinary::Max => {
                // llvm.minimum/maximum return a NaN operand as it is; wasm wants an
                // arithmetic (quiet) NaN, which adding the operands produces.
                let name = if matches!(k, FloatBinary::Min) {
                    "llvm.minimum"
                } else {
                    "llvm.maximum"
                };
                let m = self.call_intrinsic(name, &[ty], &[a, b])?;
                let any_nan = self
                    .b
                    .build_float_compare(FloatPredicate::UNO, fa, fb, "")?;
                let quiet = self.b.build_float_add(fa, fb, "")?;
                self.b
                    .build_select(any_nan, quiet, m.into_float_value(), "")?
            }
            FloatBinary::Copysign => self.call_intrinsic("llvm.copysign", &[ty], &[a, b])?,
        })
    }

    /// LLVM folds `x + -0`, `x - 0`, `x * 1`, `x / 1` to `x` and `x * -1`, `x / -1`,
    /// `-0 - x` to `-x`, which lets a signalling NaN through unquieted where wasm
    /// requires an arithmetic NaN. Such constants are passed through an empty inline
    /// asm so the arithmetic instruction stays.
    fn opaque_if_identity(
        &self,
        v: inkwell::values::FloatValue<'ctx>,
    ) -> Result<inkwell::values::FloatValue<'ctx>> {
        let Some(c) = crate::translate::llvm_util::const_float_value(v) else {
            return Ok(v);
        };
        if !(c == 0.0 || c == 1.0 || c == -1.0) {
            return Ok(v);
        }
        self.opaque_float(v)
    }

    /// `v`, hidden from LLVM's folding behind an empty inline asm.
    pub(super) fn opaque_float(
        &self,
        v: inkwell::values::FloatValue<'ctx>,
    ) -> Result<inkwell::values::FloatValue<'ctx>> {
        let ty = v.get_type();
        let fn_type = ty.fn_type(&[ty.into()], false);
        let asm = self.m.llcx.create_inline_asm(
            fn_type,
            String::new(),
            "=x,0".to_string(),
            false,
            false,
            None,
            false,
        );
        Ok(self
            .b
            .build_indirect_call(fn_type, asm, &[v.into()], "opaque")?
            .try_as_basic_value()
            .basic()
            .expect("asm returns the value")
            .into_float_value())
    }

    fn float_unary(
        &mut self,
        k: FloatUnary,
        x: BasicValueEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>> {
        let ty: BasicTypeEnum = x.get_type();
        let name = match k {
            FloatUnary::Neg => return Ok(self.b.build_float_neg(x.into_float_value(), "")?.into()),
            FloatUnary::Abs => "llvm.fabs",
            FloatUnary::Ceil => "llvm.ceil",
            FloatUnary::Floor => "llvm.floor",
            FloatUnary::Trunc => "llvm.trunc",
            FloatUnary::Nearest => "llvm.roundeven",
            FloatUnary::Sqrt => "llvm.sqrt",
        };
        self.call_intrinsic(name, &[ty], &[x])
    }
}
