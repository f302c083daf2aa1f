//! SIMD integer-lane instructions: arithmetic (plain, saturating, min/max, `avgr_u`,
//! `q15mulr_sat_s`, `dot`), `abs/neg/popcnt`, comparisons, shifts, `all_true`,
//! `bitmask`, and the lane-width changes (`narrow`, `extend`, `extmul`,
//! `extadd_pairwise`). About 130 opcodes fold into a few emitters by shape.
//!
//! Where the semantics differ from plain LLVM IR it is said at the emitter: shift
//! counts are taken modulo the lane width (LLVM gives poison), `abs` of the minimum
//! is the minimum (not poison), `q15mulr_sat_s` of -1.0 × -1.0 saturates where x86
//! `pmulhrsw` wraps. Patterns the x86 back end recognises are written as plain IR:
//! `avgr_u` as `(a + b + 1) >> 1` in wider lanes (`pavgb`), `narrow` as a clamp and
//! truncation (`packsswb`/`packuswb`), `bitmask` as a sign test bitcast to an integer
//! (`pmovmskb`/`movmskps`), `extend` of a half (`pmovsx*`/`pmovzx*`).

use std::num::NonZeroU32;

use anyhow::Result;
use inkwell::values::{IntValue, VectorValue};
use inkwell::IntPredicate;
use wasmparser::Operator;

use super::simd::{splat_const, Shape};
use super::FuncTranslator;

#[derive(Clone, Copy)]
enum IntBinary {
    Add,
    Sub,
    Mul,
    AddSatS,
    AddSatU,
    SubSatS,
    SubSatU,
    MinS,
    MinU,
    MaxS,
    MaxU,
    AvgrU,
    Q15MulrSatS,
    /// `i32x4.dot_i16x8_s` (the shape is the operands').
    Dot,
}

#[derive(Clone, Copy)]
enum IntUnary {
    Abs,
    Neg,
    Popcnt,
}

#[derive(Clone, Copy)]
enum ShiftKind {
    Shl,
    ShrS,
    ShrU,
}

/// An integer-lane operation; every `Shape` is the shape of the operands.
enum IntOp {
    Binary(Shape, IntBinary),
    Unary(Shape, IntUnary),
    Compare(Shape, IntPredicate),
    Shift(Shape, ShiftKind),
    AllTrue(Shape),
    Bitmask(Shape),
    /// Two vectors of `Shape` to one of lanes half as wide, saturating.
    Narrow(Shape, bool),
    /// Low or high half of the lanes, extended to twice the width.
    Extend {
        from: Shape,
        high: bool,
        signed: bool,
    },
    /// Product of the extended low or high halves.
    ExtMul {
        from: Shape,
        high: bool,
        signed: bool,
    },
    /// Sums of adjacent lane pairs, in lanes twice as wide.
    ExtAddPairwise(Shape, bool),
}

fn classify(op: &Operator) -> Option<IntOp> {
    use IntBinary as B;
    use IntOp::*;
    use IntPredicate as P;
    use IntUnary as U;
    use Operator as O;
    use Shape::*;
    let ext = |from, high, signed| Extend { from, high, signed };
    let extmul = |from, high, signed| ExtMul { from, high, signed };
    Some(match op {
        O::I8x16Eq => Compare(I8x16, P::EQ),
        O::I8x16Ne => Compare(I8x16, P::NE),
        O::I8x16LtS => Compare(I8x16, P::SLT),
        O::I8x16LtU => Compare(I8x16, P::ULT),
        O::I8x16GtS => Compare(I8x16, P::SGT),
        O::I8x16GtU => Compare(I8x16, P::UGT),
        O::I8x16LeS => Compare(I8x16, P::SLE),
        O::I8x16LeU => Compare(I8x16, P::ULE),
        O::I8x16GeS => Compare(I8x16, P::SGE),
        O::I8x16GeU => Compare(I8x16, P::UGE),
        O::I16x8Eq => Compare(I16x8, P::EQ),
        O::I16x8Ne => Compare(I16x8, P::NE),
        O::I16x8LtS => Compare(I16x8, P::SLT),
        O::I16x8LtU => Compare(I16x8, P::ULT),
        O::I16x8GtS => Compare(I16x8, P::SGT),
        O::I16x8GtU => Compare(I16x8, P::UGT),
        O::I16x8LeS => Compare(I16x8, P::SLE),
        O::I16x8LeU => Compare(I16x8, P::ULE),
        O::I16x8GeS => Compare(I16x8, P::SGE),
        O::I16x8GeU => Compare(I16x8, P::UGE),
        O::I32x4Eq => Compare(I32x4, P::EQ),
        O::I32x4Ne => Compare(I32x4, P::NE),
        O::I32x4LtS => Compare(I32x4, P::SLT),
        O::I32x4LtU => Compare(I32x4, P::ULT),
        O::I32x4GtS => Compare(I32x4, P::SGT),
        O::I32x4GtU => Compare(I32x4, P::UGT),
        O::I32x4LeS => Compare(I32x4, P::SLE),
        O::I32x4LeU => Compare(I32x4, P::ULE),
        O::I32x4GeS => Compare(I32x4, P::SGE),
        O::I32x4GeU => Compare(I32x4, P::UGE),
        O::I64x2Eq => Compare(I64x2, P::EQ),
        O::I64x2Ne => Compare(I64x2, P::NE),
        O::I64x2LtS => Compare(I64x2, P::SLT),
        O::I64x2GtS => Compare(I64x2, P::SGT),
        O::I64x2LeS => Compare(I64x2, P::SLE),
        O::I64x2GeS => Compare(I64x2, P::SGE),

        O::I8x16Abs => Unary(I8x16, U::Abs),
        O::I16x8Abs => Unary(I16x8, U::Abs),
        O::I32x4Abs => Unary(I32x4, U::Abs),
        O::I64x2Abs => Unary(I64x2, U::Abs),
        O::I8x16Neg => Unary(I8x16, U::Neg),
        O::I16x8Neg => Unary(I16x8, U::Neg),
        O::I32x4Neg => Unary(I32x4, U::Neg),
        O::I64x2Neg => Unary(I64x2, U::Neg),
        O::I8x16Popcnt => Unary(I8x16, U::Popcnt),

        O::I8x16AllTrue => AllTrue(I8x16),
        O::I16x8AllTrue => AllTrue(I16x8),
        O::I32x4AllTrue => AllTrue(I32x4),
        O::I64x2AllTrue => AllTrue(I64x2),
        O::I8x16Bitmask => Bitmask(I8x16),
        O::I16x8Bitmask => Bitmask(I16x8),
        O::I32x4Bitmask => Bitmask(I32x4),
        O::I64x2Bitmask => Bitmask(I64x2),

        O::I8x16NarrowI16x8S => Narrow(I16x8, true),
        O::I8x16NarrowI16x8U => Narrow(I16x8, false),
        O::I16x8NarrowI32x4S => Narrow(I32x4, true),
        O::I16x8NarrowI32x4U => Narrow(I32x4, false),

        O::I16x8ExtendLowI8x16S => ext(I8x16, false, true),
        O::I16x8ExtendHighI8x16S => ext(I8x16, true, true),
        O::I16x8ExtendLowI8x16U => ext(I8x16, false, false),
        O::I16x8ExtendHighI8x16U => ext(I8x16, true, false),
        O::I32x4ExtendLowI16x8S => ext(I16x8, false, true),
        O::I32x4ExtendHighI16x8S => ext(I16x8, true, true),
        O::I32x4ExtendLowI16x8U => ext(I16x8, false, false),
        O::I32x4ExtendHighI16x8U => ext(I16x8, true, false),
        O::I64x2ExtendLowI32x4S => ext(I32x4, false, true),
        O::I64x2ExtendHighI32x4S => ext(I32x4, true, true),
        O::I64x2ExtendLowI32x4U => ext(I32x4, false, false),
        O::I64x2ExtendHighI32x4U => ext(I32x4, true, false),

        O::I8x16Shl => Shift(I8x16, ShiftKind::Shl),
        O::I8x16ShrS => Shift(I8x16, ShiftKind::ShrS),
        O::I8x16ShrU => Shift(I8x16, ShiftKind::ShrU),
        O::I16x8Shl => Shift(I16x8, ShiftKind::Shl),
        O::I16x8ShrS => Shift(I16x8, ShiftKind::ShrS),
        O::I16x8ShrU => Shift(I16x8, ShiftKind::ShrU),
        O::I32x4Shl => Shift(I32x4, ShiftKind::Shl),
        O::I32x4ShrS => Shift(I32x4, ShiftKind::ShrS),
        O::I32x4ShrU => Shift(I32x4, ShiftKind::ShrU),
        O::I64x2Shl => Shift(I64x2, ShiftKind::Shl),
        O::I64x2ShrS => Shift(I64x2, ShiftKind::ShrS),
        O::I64x2ShrU => Shift(I64x2, ShiftKind::ShrU),

        O::I8x16Add => Binary(I8x16, B::Add),
        O::I16x8Add => Binary(I16x8, B::Add),
        O::I32x4Add => Binary(I32x4, B::Add),
        O::I64x2Add => Binary(I64x2, B::Add),
        O::I8x16Sub => Binary(I8x16, B::Sub),
        O::I16x8Sub => Binary(I16x8, B::Sub),
        O::I32x4Sub => Binary(I32x4, B::Sub),
        O::I64x2Sub => Binary(I64x2, B::Sub),
        O::I16x8Mul => Binary(I16x8, B::Mul),
        O::I32x4Mul => Binary(I32x4, B::Mul),
        O::I64x2Mul => Binary(I64x2, B::Mul),
        O::I8x16AddSatS => Binary(I8x16, B::AddSatS),
        O::I8x16AddSatU => Binary(I8x16, B::AddSatU),
        O::I8x16SubSatS => Binary(I8x16, B::SubSatS),
        O::I8x16SubSatU => Binary(I8x16, B::SubSatU),
        O::I16x8AddSatS => Binary(I16x8, B::AddSatS),
        O::I16x8AddSatU => Binary(I16x8, B::AddSatU),
        O::I16x8SubSatS => Binary(I16x8, B::SubSatS),
        O::I16x8SubSatU => Binary(I16x8, B::SubSatU),
        O::I8x16MinS => Binary(I8x16, B::MinS),
        O::I8x16MinU => Binary(I8x16, B::MinU),
        O::I8x16MaxS => Binary(I8x16, B::MaxS),
        O::I8x16MaxU => Binary(I8x16, B::MaxU),
        O::I16x8MinS => Binary(I16x8, B::MinS),
        O::I16x8MinU => Binary(I16x8, B::MinU),
        O::I16x8MaxS => Binary(I16x8, B::MaxS),
        O::I16x8MaxU => Binary(I16x8, B::MaxU),
        O::I32x4MinS => Binary(I32x4, B::MinS),
        O::I32x4MinU => Binary(I32x4, B::MinU),
        O::I32x4MaxS => Binary(I32x4, B::MaxS),
        O::I32x4MaxU => Binary(I32x4, B::MaxU),
        O::I8x16AvgrU => Binary(I8x16, B::AvgrU),
        O::I16x8AvgrU => Binary(I16x8, B::AvgrU),
        O::I16x8Q15MulrSatS => Binary(I16x8, B::Q15MulrSatS),
        O::I32x4DotI16x8S => Binary(I16x8, B::Dot),

        O::I16x8ExtMulLowI8x16S => extmul(I8x16, false, true),
        O::I16x8ExtMulHighI8x16S => extmul(I8x16, true, true),
        O::I16x8ExtMulLowI8x16U => extmul(I8x16, false, false),
        O::I16x8ExtMulHighI8x16U => extmul(I8x16, true, false),
        O::I32x4ExtMulLowI16x8S => extmul(I16x8, false, true),
        O::I32x4ExtMulHighI16x8S => extmul(I16x8, true, true),
        O::I32x4ExtMulLowI16x8U => extmul(I16x8, false, false),
        O::I32x4ExtMulHighI16x8U => extmul(I16x8, true, false),
        O::I64x2ExtMulLowI32x4S => extmul(I32x4, false, true),
        O::I64x2ExtMulHighI32x4S => extmul(I32x4, true, true),
        O::I64x2ExtMulLowI32x4U => extmul(I32x4, false, false),
        O::I64x2ExtMulHighI32x4U => extmul(I32x4, true, false),

        O::I16x8ExtAddPairwiseI8x16S => ExtAddPairwise(I8x16, true),
        O::I16x8ExtAddPairwiseI8x16U => ExtAddPairwise(I8x16, false),
        O::I32x4ExtAddPairwiseI16x8S => ExtAddPairwise(I16x8, true),
        O::I32x4ExtAddPairwiseI16x8U => ExtAddPairwise(I16x8, false),
        _ => return None,
    })
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_simd_int(&mut self, op: &Operator<'a>) -> Result<bool> {
        let Some(kind) = classify(op) else {
            return Ok(false);
        };
        match kind {
            IntOp::Binary(shape, k) => {
                let b = self.pop_vec(shape)?;
                let a = self.pop_vec(shape)?;
                let v = self.int_binary_lanes(shape, k, a, b)?;
                self.push_vec(v)?;
            }
            IntOp::Unary(shape, k) => {
                let a = self.pop_vec(shape)?;
                let ty = self.vec_type(shape).into();
                let v = match k {
                    // `false`: abs of the minimum is the minimum, not poison.
                    IntUnary::Abs => {
                        let no_poison = self.m.llcx.bool_type().const_zero();
                        self.call_intrinsic("llvm.abs", &[ty], &[a.into(), no_poison.into()])?
                            .into_vector_value()
                    }
                    IntUnary::Neg => self.b.build_int_neg(a, "")?,
                    IntUnary::Popcnt => self.call_vec_intrinsic("llvm.ctpop", &[ty], &[a])?,
                };
                self.push_vec(v)?;
            }
            IntOp::Compare(shape, p) => {
                let b = self.pop_vec(shape)?;
                let a = self.pop_vec(shape)?;
                let c = self.b.build_int_compare(p, a, b, "")?;
                let v = self.b.build_int_s_extend(c, self.vec_type(shape), "")?;
                self.push_vec(v)?;
            }
            IntOp::Shift(shape, k) => {
                let count = self.pop_int();
                let a = self.pop_vec(shape)?;
                let v = self.shift_lanes(shape, k, a, count)?;
                self.push_vec(v)?;
            }
            IntOp::AllTrue(shape) => {
                let a = self.pop_vec(shape)?;
                let zero = self.vec_type(shape).const_zero();
                let nonzero = self.b.build_int_compare(IntPredicate::NE, a, zero, "")?;
                let bits = self.lane_mask_bits(nonzero, shape)?;
                let all = bits.get_type().const_all_ones();
                let c = self
                    .b
                    .build_int_compare(IntPredicate::EQ, bits, all, "all_true")?;
                let v = self.bool_to_i32(c)?;
                self.push(v);
            }
            IntOp::Bitmask(shape) => {
                let a = self.pop_vec(shape)?;
                let zero = self.vec_type(shape).const_zero();
                let negative = self.b.build_int_compare(IntPredicate::SLT, a, zero, "")?;
                let bits = self.lane_mask_bits(negative, shape)?;
                let v = self
                    .b
                    .build_int_z_extend(bits, self.m.llcx.i32_type(), "bitmask")?;
                self.push(v);
            }
            IntOp::Narrow(from, signed) => {
                let b = self.pop_vec(from)?;
                let a = self.pop_vec(from)?;
                let v = self.narrow(from, signed, a, b)?;
                self.push_vec(v)?;
            }
            IntOp::Extend { from, high, signed } => {
                let a = self.pop_vec(from)?;
                let half = self.half(a, high)?;
                let v = self.extend_lanes(half, self.vec_type(from.widened()), signed)?;
                self.push_vec(v)?;
            }
            IntOp::ExtMul { from, high, signed } => {
                let b = self.pop_vec(from)?;
                let a = self.pop_vec(from)?;
                let wide = self.vec_type(from.widened());
                let a = self.half(a, high)?;
                let a = self.extend_lanes(a, wide, signed)?;
                let b = self.half(b, high)?;
                let b = self.extend_lanes(b, wide, signed)?;
                let v = self.b.build_int_mul(a, b, "extmul")?;
                self.push_vec(v)?;
            }
            IntOp::ExtAddPairwise(from, signed) => {
                let a = self.pop_vec(from)?;
                let v = self.extadd_pairwise(from, signed, a)?;
                self.push_vec(v)?;
            }
        }
        Ok(true)
    }

    fn int_binary_lanes(
        &self,
        shape: Shape,
        k: IntBinary,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        let ty = self.vec_type(shape).into();
        let intrinsic = |name: &str| self.call_vec_intrinsic(name, &[ty], &[a, b]);
        Ok(match k {
            IntBinary::Add => self.b.build_int_add(a, b, "")?,
            IntBinary::Sub => self.b.build_int_sub(a, b, "")?,
            IntBinary::Mul => self.b.build_int_mul(a, b, "")?,
            IntBinary::AddSatS => intrinsic("llvm.sadd.sat")?,
            IntBinary::AddSatU => intrinsic("llvm.uadd.sat")?,
            IntBinary::SubSatS => intrinsic("llvm.ssub.sat")?,
            IntBinary::SubSatU => intrinsic("llvm.usub.sat")?,
            IntBinary::MinS => intrinsic("llvm.smin")?,
            IntBinary::MinU => intrinsic("llvm.umin")?,
            IntBinary::MaxS => intrinsic("llvm.smax")?,
            IntBinary::MaxU => intrinsic("llvm.umax")?,
            IntBinary::AvgrU => {
                // (a + b + 1) >> 1 without overflow: in lanes twice as wide.
                let wide = self.int_type(2 * shape.lane_bits()).vec_type(shape.lanes());
                let a = self.b.build_int_z_extend(a, wide, "")?;
                let b = self.b.build_int_z_extend(b, wide, "")?;
                let sum = self.b.build_int_add(a, b, "")?;
                let one = splat_const(wide, 1);
                let sum = self.b.build_int_add(sum, one, "")?;
                let avg = self.b.build_right_shift(sum, one, false, "")?;
                self.b
                    .build_int_truncate(avg, self.vec_type(shape), "avgr")?
            }
            IntBinary::Q15MulrSatS => self.q15mulr_sat(a, b)?,
            IntBinary::Dot => {
                // pmaddwd (SSE2): a[2i]*b[2i] + a[2i+1]*b[2i+1] in 32 bits; the only
                // overflow, 2 × (-32768)², wraps to i32::MIN in wasm too.
                self.call_vec_intrinsic("llvm.x86.sse2.pmadd.wd", &[], &[a, b])?
            }
        })
    }

    /// `i16x8.q15mulr_sat_s`: (a × b + 2^14) >> 15, saturated.
    fn q15mulr_sat(&self, a: VectorValue<'ctx>, b: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        if self.m.cpu.ssse3 {
            // pmulhrsw computes exactly this but wraps the one overflow,
            // -32768 × -32768, to 0x8000, a result it cannot otherwise produce
            // (the most negative true result is -32767): flip it to 0x7fff.
            let r = self.call_vec_intrinsic("llvm.x86.ssse3.pmul.hr.sw.128", &[], &[a, b])?;
            let wrapped = self.const_splat(Shape::I16x8, 0x8000);
            let is_wrapped = self.b.build_int_compare(IntPredicate::EQ, r, wrapped, "")?;
            let flip = self
                .b
                .build_int_s_extend(is_wrapped, self.vec_type(Shape::I16x8), "")?;
            return Ok(self.b.build_xor(r, flip, "q15mulr")?);
        }
        let wide = self.m.llcx.i32_type().vec_type(8);
        let a = self.b.build_int_s_extend(a, wide, "")?;
        let b = self.b.build_int_s_extend(b, wide, "")?;
        let product = self.b.build_int_mul(a, b, "")?;
        let rounded = self
            .b
            .build_int_add(product, splat_const(wide, 0x4000), "")?;
        let shifted = self
            .b
            .build_right_shift(rounded, splat_const(wide, 15), true, "")?;
        let max = splat_const(wide, 0x7fff);
        let clamped = self.call_vec_intrinsic("llvm.smin", &[wide.into()], &[shifted, max])?;
        Ok(self
            .b
            .build_int_truncate(clamped, self.vec_type(Shape::I16x8), "q15mulr")?)
    }

    /// A shift of every lane by `count` modulo the lane width.
    fn shift_lanes(
        &self,
        shape: Shape,
        k: ShiftKind,
        a: VectorValue<'ctx>,
        count: IntValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        let bits = shape.lane_bits();
        let masked = self
            .b
            .build_and(count, self.i32_const(bits as u64 - 1), "")?;
        let lane_ty = self.int_type(bits);
        let lane_count = match bits {
            8 | 16 => self.b.build_int_truncate(masked, lane_ty, "")?,
            32 => masked,
            _ => self.b.build_int_z_extend(masked, lane_ty, "")?,
        };
        let counts = self.splat(lane_count.into(), shape)?;
        Ok(match k {
            ShiftKind::Shl => self.b.build_left_shift(a, counts, "")?,
            ShiftKind::ShrS => self.b.build_right_shift(a, counts, true, "")?,
            ShiftKind::ShrU => self.b.build_right_shift(a, counts, false, "")?,
        })
    }

    /// A `<N x i1>` lane mask as an N-bit integer, lane 0 in bit 0.
    fn lane_mask_bits(&self, mask: VectorValue<'ctx>, shape: Shape) -> Result<IntValue<'ctx>> {
        let lanes = NonZeroU32::new(shape.lanes()).expect("a shape has lanes");
        let int = self
            .m
            .llcx
            .custom_width_int_type(lanes)
            .map_err(|e| anyhow::anyhow!("LLVM integer type: {e}"))?;
        Ok(self.b.build_bit_cast(mask, int, "")?.into_int_value())
    }

    /// Saturating narrow of the lanes of `a` then `b` to half the width: clamp to
    /// the narrow range (signed, or unsigned from signed input), then truncate.
    fn narrow(
        &self,
        from: Shape,
        signed: bool,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        let n = from.lanes();
        let both = self.shuffle(a, b, 0..2 * n)?;
        let wide = both.get_type();
        let narrow_bits = from.lane_bits() / 2;
        let (lo, hi): (i64, i64) = if signed {
            (-(1 << (narrow_bits - 1)), (1 << (narrow_bits - 1)) - 1)
        } else {
            (0, (1 << narrow_bits) - 1)
        };
        let lo = splat_const(wide, lo as u64);
        let hi = splat_const(wide, hi as u64);
        let ty = wide.into();
        let v = self.call_vec_intrinsic("llvm.smax", &[ty], &[both, lo])?;
        let v = self.call_vec_intrinsic("llvm.smin", &[ty], &[v, hi])?;
        let to = self.int_type(narrow_bits).vec_type(2 * n);
        Ok(self.b.build_int_truncate(v, to, "narrow")?)
    }

    /// Sums of adjacent lane pairs of `a` (of shape `from`), twice as wide.
    fn extadd_pairwise(
        &self,
        from: Shape,
        signed: bool,
        a: VectorValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        match (from, signed) {
            // pmaddubsw multiplies unsigned bytes of its first operand by signed
            // bytes of its second and adds pairs (saturating, but |sum| ≤ 510 here).
            (Shape::I8x16, _) if self.m.cpu.ssse3 => {
                let ones = self.const_splat(Shape::I8x16, 1);
                let (u, s) = if signed { (ones, a) } else { (a, ones) };
                return self.call_vec_intrinsic("llvm.x86.ssse3.pmadd.ub.sw.128", &[], &[u, s]);
            }
            // pmaddwd (SSE2) with ones: signed pair sums, exact in 32 bits.
            (Shape::I16x8, true) => {
                let ones = self.const_splat(Shape::I16x8, 1);
                return self.call_vec_intrinsic("llvm.x86.sse2.pmadd.wd", &[], &[a, ones]);
            }
            _ => {}
        }
        let wide = self.vec_type(from.widened());
        let even = self.alternate(a, false)?;
        let even = self.extend_lanes(even, wide, signed)?;
        let odd = self.alternate(a, true)?;
        let odd = self.extend_lanes(odd, wide, signed)?;
        Ok(self.b.build_int_add(even, odd, "extadd")?)
    }
}
