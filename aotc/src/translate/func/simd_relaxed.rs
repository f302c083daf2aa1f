//! Relaxed SIMD (WebAssembly 3.0): every relaxed operator with one deterministic
//! meaning, the same on every x86-64 CPU and at every `--target-cpu`.
//!
//! The proposal lets each operator return any of a few results so that engines can
//! pick whichever instruction the host has. aotc instead fixes one result per
//! operator, chosen so that it never depends on the CPU features the code is
//! compiled for (a program behaves identically on every machine it is run on):
//!
//! | operator | aotc's result |
//! |---|---|
//! | `i8x16.relaxed_swizzle` | `i8x16.swizzle` (index ≥ 16 gives 0) |
//! | `i32x4.relaxed_trunc_f32x4_{s,u}`, `…_f64x2_{s,u}_zero` | the saturating `trunc_sat` form (NaN → 0, out of range → clamped) |
//! | `f32x4/f64x2.relaxed_madd` | unfused: `a * b` rounded, then `+ c` rounded |
//! | `f32x4/f64x2.relaxed_nmadd` | unfused: `-(a * b)` rounded, then `+ c` rounded |
//! | `i8x16/i16x8/i32x4/i64x2.relaxed_laneselect` | `v128.bitselect` (bit by bit) |
//! | `f32x4/f64x2.relaxed_min/max` | `f32x4.min/max` etc. (NaN-propagating, `-0 < +0`) |
//! | `i16x8.relaxed_q15mulr_s` | `i16x8.q15mulr_sat_s` (saturates `-32768 * -32768`) |
//! | `i16x8.relaxed_dot_i8x16_i7x16_s` | both operands signed, each pair's sum wraps to 16 bits |
//! | `i32x4.relaxed_dot_i8x16_i7x16_add_s` | both operands signed, four exact products summed in 32 bits, plus `c` (wrapping) |
//!
//! Invariant: nothing here emits a CPU-specific intrinsic or a fast-math/contract
//! flag, so LLVM may not fuse the multiply-add or pick a CPU-dependent lowering.

use anyhow::Result;
use inkwell::values::VectorValue;
use wasmparser::Operator;

use super::simd::Shape;
use super::FuncTranslator;

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    /// Emits a relaxed SIMD operator; `false` when `op` is not one.
    pub(super) fn translate_simd_relaxed(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        // Operators defined as exactly their non-relaxed counterpart.
        let counterpart = match op {
            O::I8x16RelaxedSwizzle => Some(O::I8x16Swizzle),
            O::I32x4RelaxedTruncF32x4S => Some(O::I32x4TruncSatF32x4S),
            O::I32x4RelaxedTruncF32x4U => Some(O::I32x4TruncSatF32x4U),
            O::I32x4RelaxedTruncF64x2SZero => Some(O::I32x4TruncSatF64x2SZero),
            O::I32x4RelaxedTruncF64x2UZero => Some(O::I32x4TruncSatF64x2UZero),
            O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => Some(O::V128Bitselect),
            O::F32x4RelaxedMin => Some(O::F32x4Min),
            O::F32x4RelaxedMax => Some(O::F32x4Max),
            O::F64x2RelaxedMin => Some(O::F64x2Min),
            O::F64x2RelaxedMax => Some(O::F64x2Max),
            O::I16x8RelaxedQ15mulrS => Some(O::I16x8Q15MulrSatS),
            _ => None,
        };
        if let Some(counterpart) = counterpart {
            let handled = self.translate_simd(&counterpart)?;
            debug_assert!(handled, "{counterpart:?} is a SIMD operator");
            return Ok(true);
        }
        match op {
            O::F32x4RelaxedMadd => self.unfused_multiply_add(Shape::F32x4, false)?,
            O::F32x4RelaxedNmadd => self.unfused_multiply_add(Shape::F32x4, true)?,
            O::F64x2RelaxedMadd => self.unfused_multiply_add(Shape::F64x2, false)?,
            O::F64x2RelaxedNmadd => self.unfused_multiply_add(Shape::F64x2, true)?,
            O::I16x8RelaxedDotI8x16I7x16S => {
                let b = self.pop_vec(Shape::I8x16)?;
                let a = self.pop_vec(Shape::I8x16)?;
                let products = self.signed_byte_products(a, b, Shape::I16x8)?;
                let even = self.alternate(products, false)?;
                let odd = self.alternate(products, true)?;
                let sums = self.b.build_int_add(even, odd, "dot")?;
                self.push_vec(sums)?;
            }
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop_vec(Shape::I32x4)?;
                let b = self.pop_vec(Shape::I8x16)?;
                let a = self.pop_vec(Shape::I8x16)?;
                let products = self.signed_byte_products(a, b, Shape::I32x4)?;
                // Lane i sums products 4i .. 4i+3.
                let mut sum = c;
                for k in 0..4 {
                    let part = self.shuffle(products, products, (0..4).map(|i| 4 * i + k))?;
                    sum = self.b.build_int_add(sum, part, "dot")?;
                }
                self.push_vec(sum)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `a * b + c` (or `-(a * b) + c`) with two roundings, never fused.
    fn unfused_multiply_add(&mut self, shape: Shape, negate: bool) -> Result<()> {
        let c = self.pop_vec(shape)?;
        let b = self.pop_vec(shape)?;
        let a = self.pop_vec(shape)?;
        let product = self.b.build_float_mul(a, b, "")?;
        let sum = if negate {
            self.b.build_float_sub(c, product, "")?
        } else {
            self.b.build_float_add(product, c, "")?
        };
        self.push_vec(sum)
    }

    /// The 16 products of signed bytes `a[i] * b[i]`, exact, as lanes of `wide`'s
    /// lane width (16 lanes).
    fn signed_byte_products(
        &self,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
        wide: Shape,
    ) -> Result<VectorValue<'ctx>> {
        let to = self.int_type(wide.lane_bits()).vec_type(16);
        let a = self.extend_lanes(a, to, true)?;
        let b = self.extend_lanes(b, to, true)?;
        Ok(self.b.build_int_mul(a, b, "")?)
    }
}
