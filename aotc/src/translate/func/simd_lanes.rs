//! SIMD lane and bit instructions: `v128.const`, `i8x16.shuffle`, `i8x16.swizzle`,
//! `*.splat`, `*.extract_lane*`, `*.replace_lane`, and the whole-vector bitwise
//! operations `v128.not/and/andnot/or/xor/bitselect/any_true`.
//!
//! `i8x16.swizzle` gives 0 for indices ≥ 16, where x86 `pshufb` gives 0 only when
//! bit 7 is set and otherwise uses the low four bits. A saturating add of 0x70
//! bridges the two: 0..=15 become 0x70..=0x7f (bit 7 clear, low bits kept), 16..=255
//! become ≥ 0x80; so swizzle is `paddusb` + `pshufb` on SSSE3 CPUs. Without SSSE3
//! it is one lane-by-lane select (x86 has no variable byte shuffle there).

use anyhow::Result;
use inkwell::types::VectorType;
use inkwell::values::{BasicValueEnum, VectorValue};
use inkwell::IntPredicate;
use wasmparser::Operator;

use super::simd::Shape;
use super::FuncTranslator;

/// A whole-vector bitwise operation.
#[derive(Clone, Copy)]
enum Bitwise {
    And,
    AndNot,
    Or,
    Xor,
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_simd_lanes(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        use Shape::*;
        match *op {
            O::V128Const { value } => {
                let bits = u128::from(value);
                let i64t = self.m.llcx.i64_type();
                let v = VectorType::const_vector(&[
                    i64t.const_int(bits as u64, false),
                    i64t.const_int((bits >> 64) as u64, false),
                ]);
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => {
                let b = self.pop_vec(I8x16)?;
                let a = self.pop_vec(I8x16)?;
                let v = self.shuffle(a, b, lanes.iter().map(|&l| l as u32))?;
                self.push_vec(v)?;
            }
            O::I8x16Swizzle => {
                let indices = self.pop_vec(I8x16)?;
                let a = self.pop_vec(I8x16)?;
                let v = self.swizzle(a, indices)?;
                self.push_vec(v)?;
            }
            O::I8x16Splat => self.splat_op(I8x16)?,
            O::I16x8Splat => self.splat_op(I16x8)?,
            O::I32x4Splat => self.splat_op(I32x4)?,
            O::I64x2Splat => self.splat_op(I64x2)?,
            O::F32x4Splat => self.splat_op(F32x4)?,
            O::F64x2Splat => self.splat_op(F64x2)?,
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8x16, lane, true)?,
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8x16, lane, false)?,
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16x8, lane, true)?,
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16x8, lane, false)?,
            O::I32x4ExtractLane { lane } => self.extract_lane(I32x4, lane, false)?,
            O::I64x2ExtractLane { lane } => self.extract_lane(I64x2, lane, false)?,
            O::F32x4ExtractLane { lane } => self.extract_lane(F32x4, lane, false)?,
            O::F64x2ExtractLane { lane } => self.extract_lane(F64x2, lane, false)?,
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8x16, lane)?,
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16x8, lane)?,
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32x4, lane)?,
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64x2, lane)?,
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32x4, lane)?,
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64x2, lane)?,
            O::V128Not => {
                let a = self.pop_vec(I64x2)?;
                let v = self.b.build_not(a, "")?;
                self.push_vec(v)?;
            }
            O::V128And => self.bitwise(Bitwise::And)?,
            O::V128AndNot => self.bitwise(Bitwise::AndNot)?,
            O::V128Or => self.bitwise(Bitwise::Or)?,
            O::V128Xor => self.bitwise(Bitwise::Xor)?,
            O::V128Bitselect => {
                let mask = self.pop_vec(I64x2)?;
                let if_zero = self.pop_vec(I64x2)?;
                let if_one = self.pop_vec(I64x2)?;
                let ones = self.b.build_and(if_one, mask, "")?;
                let not_mask = self.b.build_not(mask, "")?;
                let zeros = self.b.build_and(if_zero, not_mask, "")?;
                let v = self.b.build_or(ones, zeros, "bitselect")?;
                self.push_vec(v)?;
            }
            O::V128AnyTrue => {
                let a = self.pop();
                let i128t = self.m.llcx.i128_type();
                let wide = self.b.build_bit_cast(a, i128t, "")?.into_int_value();
                let nonzero =
                    self.b
                        .build_int_compare(IntPredicate::NE, wide, i128t.const_zero(), "")?;
                let v = self.bool_to_i32(nonzero)?;
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn swizzle(
        &mut self,
        a: VectorValue<'ctx>,
        indices: VectorValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        let ty = self.vec_type(Shape::I8x16);
        if self.m.cpu.ssse3 {
            let bias = self.const_splat(Shape::I8x16, 0x70);
            let biased =
                self.call_vec_intrinsic("llvm.uadd.sat", &[ty.into()], &[indices, bias])?;
            return self.call_vec_intrinsic("llvm.x86.ssse3.pshuf.b.128", &[], &[a, biased]);
        }
        // Each lane picks a[index & 15]; lanes whose index is ≥ 16 are then zeroed.
        let i8t = self.m.llcx.i8_type();
        let mut picked = ty.get_poison();
        for lane in 0..16 {
            let at = self.lane_index(lane);
            let index = self
                .b
                .build_extract_element(indices, at, "")?
                .into_int_value();
            let index = self.b.build_and(index, i8t.const_int(15, false), "")?;
            let byte = self.b.build_extract_element(a, index, "")?;
            picked = self.b.build_insert_element(picked, byte, at, "")?;
        }
        let limit = self.const_splat(Shape::I8x16, 16);
        let in_range = self
            .b
            .build_int_compare(IntPredicate::ULT, indices, limit, "")?;
        Ok(self
            .b
            .build_select(in_range, picked, ty.const_zero(), "swizzle")?
            .into_vector_value())
    }

    fn splat_op(&mut self, shape: Shape) -> Result<()> {
        let x = self.pop();
        let x: BasicValueEnum = match shape {
            Shape::I8x16 | Shape::I16x8 => {
                let lane = self.int_type(shape.lane_bits());
                self.b
                    .build_int_truncate(x.into_int_value(), lane, "")?
                    .into()
            }
            _ => x,
        };
        let v = self.splat(x, shape)?;
        self.push_vec(v)
    }

    fn extract_lane(&mut self, shape: Shape, lane: u8, signed: bool) -> Result<()> {
        let v = self.pop_vec(shape)?;
        let x = self
            .b
            .build_extract_element(v, self.lane_index(lane as u32), "")?;
        let x: BasicValueEnum = match shape {
            Shape::I8x16 | Shape::I16x8 => {
                let i32t = self.m.llcx.i32_type();
                let x = x.into_int_value();
                if signed {
                    self.b.build_int_s_extend(x, i32t, "")?.into()
                } else {
                    self.b.build_int_z_extend(x, i32t, "")?.into()
                }
            }
            _ => x,
        };
        self.push(x);
        Ok(())
    }

    fn replace_lane(&mut self, shape: Shape, lane: u8) -> Result<()> {
        let x = self.pop();
        let v = self.pop_vec(shape)?;
        let x: BasicValueEnum = match shape {
            Shape::I8x16 | Shape::I16x8 => {
                let lane_ty = self.int_type(shape.lane_bits());
                self.b
                    .build_int_truncate(x.into_int_value(), lane_ty, "")?
                    .into()
            }
            _ => x,
        };
        let v = self
            .b
            .build_insert_element(v, x, self.lane_index(lane as u32), "")?;
        self.push_vec(v)
    }

    fn bitwise(&mut self, k: Bitwise) -> Result<()> {
        let b = self.pop_vec(Shape::I64x2)?;
        let a = self.pop_vec(Shape::I64x2)?;
        let v = match k {
            Bitwise::And => self.b.build_and(a, b, "")?,
            Bitwise::AndNot => {
                let not_b = self.b.build_not(b, "")?;
                self.b.build_and(a, not_b, "")?
            }
            Bitwise::Or => self.b.build_or(a, b, "")?,
            Bitwise::Xor => self.b.build_xor(a, b, "")?,
        };
        self.push_vec(v)
    }
}
