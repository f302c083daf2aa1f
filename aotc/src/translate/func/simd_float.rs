//! SIMD float-lane instructions: arithmetic, `min/max` (`llvm.minimum/maximum`:
//! NaN-propagating, -0 < +0, plus a fix-up that quiets a signalling NaN result),
//! `pmin/pmax`, rounding, comparisons, and the conversions between float and
//! integer lanes.
//!
//! `pmin`/`pmax` are the spec's asymmetric selects, `b < a ? b : a` and
//! `a < b ? b : a`: exactly x86 `minps`/`maxps` with the operands swapped (they
//! return their second operand on NaN or equal zeros).
//!
//! Known deviation (shared with the scalar instructions): LLVM folds `x + -0.0`,
//! `x - 0.0`, `x * 1.0` and `x / 1.0` to `x` when it sees the constant, so a
//! signalling NaN `x` comes out unquieted where wasm wants an arithmetic NaN.
//! Quieting after every arithmetic operation would cost three instructions each.
//!
//! Saturating float→int conversions must give 0 for NaN and the nearest bound when
//! out of range, while LLVM's `fptosi` is poison out of range and its vector
//! `fptosi.sat` is scalarised by the x86 back end. So they are built on
//! `cvttps2dq`/`cvttpd2dq` (SSE2), which return 0x80000000 for NaN and every
//! out-of-range input, with fix-ups derived at each emitter.

use anyhow::Result;
use inkwell::values::VectorValue;
use inkwell::FloatPredicate;
use wasmparser::Operator;

use super::simd::Shape;
use super::FuncTranslator;

#[derive(Clone, Copy)]
enum FloatBinary {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    PMin,
    PMax,
}

#[derive(Clone, Copy)]
enum FloatUnary {
    Abs,
    Neg,
    Sqrt,
    Ceil,
    Floor,
    Trunc,
    Nearest,
}

enum FloatOp {
    Binary(Shape, FloatBinary),
    Unary(Shape, FloatUnary),
    Compare(Shape, FloatPredicate),
    /// `i32x4.trunc_sat_f32x4_{s,u}`.
    TruncSatF32x4(bool),
    /// `i32x4.trunc_sat_f64x2_{s,u}_zero`.
    TruncSatF64x2Zero(bool),
    /// `f32x4.convert_i32x4_{s,u}`.
    ConvertI32x4(bool),
    /// `f64x2.convert_low_i32x4_{s,u}`.
    ConvertLowI32x4(bool),
    /// `f32x4.demote_f64x2_zero`.
    Demote,
    /// `f64x2.promote_low_f32x4`.
    Promote,
}

fn classify(op: &Operator) -> Option<FloatOp> {
    use FloatBinary as B;
    use FloatOp::*;
    use FloatPredicate as P;
    use FloatUnary as U;
    use Operator as O;
    use Shape::*;
    Some(match op {
        O::F32x4Eq => Compare(F32x4, P::OEQ),
        O::F32x4Ne => Compare(F32x4, P::UNE),
        O::F32x4Lt => Compare(F32x4, P::OLT),
        O::F32x4Gt => Compare(F32x4, P::OGT),
        O::F32x4Le => Compare(F32x4, P::OLE),
        O::F32x4Ge => Compare(F32x4, P::OGE),
        O::F64x2Eq => Compare(F64x2, P::OEQ),
        O::F64x2Ne => Compare(F64x2, P::UNE),
        O::F64x2Lt => Compare(F64x2, P::OLT),
        O::F64x2Gt => Compare(F64x2, P::OGT),
        O::F64x2Le => Compare(F64x2, P::OLE),
        O::F64x2Ge => Compare(F64x2, P::OGE),

        O::F32x4Abs => Unary(F32x4, U::Abs),
        O::F32x4Neg => Unary(F32x4, U::Neg),
        O::F32x4Sqrt => Unary(F32x4, U::Sqrt),
        O::F32x4Ceil => Unary(F32x4, U::Ceil),
        O::F32x4Floor => Unary(F32x4, U::Floor),
        O::F32x4Trunc => Unary(F32x4, U::Trunc),
        O::F32x4Nearest => Unary(F32x4, U::Nearest),
        O::F64x2Abs => Unary(F64x2, U::Abs),
        O::F64x2Neg => Unary(F64x2, U::Neg),
        O::F64x2Sqrt => Unary(F64x2, U::Sqrt),
        O::F64x2Ceil => Unary(F64x2, U::Ceil),
        O::F64x2Floor => Unary(F64x2, U::Floor),
        O::F64x2Trunc => Unary(F64x2, U::Trunc),
        O::F64x2Nearest => Unary(F64x2, U::Nearest),

        O::F32x4Add => Binary(F32x4, B::Add),
        O::F32x4Sub => Binary(F32x4, B::Sub),
        O::F32x4Mul => Binary(F32x4, B::Mul),
        O::F32x4Div => Binary(F32x4, B::Div),
        O::F32x4Min => Binary(F32x4, B::Min),
        O::F32x4Max => Binary(F32x4, B::Max),
        O::F32x4PMin => Binary(F32x4, B::PMin),
        O::F32x4PMax => Binary(F32x4, B::PMax),
        O::F64x2Add => Binary(F64x2, B::Add),
        O::F64x2Sub => Binary(F64x2, B::Sub),
        O::F64x2Mul => Binary(F64x2, B::Mul),
        O::F64x2Div => Binary(F64x2, B::Div),
        O::F64x2Min => Binary(F64x2, B::Min),
        O::F64x2Max => Binary(F64x2, B::Max),
        O::F64x2PMin => Binary(F64x2, B::PMin),
        O::F64x2PMax => Binary(F64x2, B::PMax),

        O::I32x4TruncSatF32x4S => TruncSatF32x4(true),
        O::I32x4TruncSatF32x4U => TruncSatF32x4(false),
        O::I32x4TruncSatF64x2SZero => TruncSatF64x2Zero(true),
        O::I32x4TruncSatF64x2UZero => TruncSatF64x2Zero(false),
        O::F32x4ConvertI32x4S => ConvertI32x4(true),
        O::F32x4ConvertI32x4U => ConvertI32x4(false),
        O::F64x2ConvertLowI32x4S => ConvertLowI32x4(true),
        O::F64x2ConvertLowI32x4U => ConvertLowI32x4(false),
        O::F32x4DemoteF64x2Zero => Demote,
        O::F64x2PromoteLowF32x4 => Promote,
        _ => return None,
    })
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_simd_float(&mut self, op: &Operator<'a>) -> Result<bool> {
        let Some(kind) = classify(op) else {
            return Ok(false);
        };
        let v = match kind {
            FloatOp::Binary(shape, k) => {
                let b = self.pop_vec(shape)?;
                let a = self.pop_vec(shape)?;
                self.float_binary_lanes(shape, k, a, b)?
            }
            FloatOp::Unary(shape, k) => {
                let a = self.pop_vec(shape)?;
                let name = match k {
                    FloatUnary::Neg => {
                        let v = self.b.build_float_neg(a, "")?;
                        self.push_vec(v)?;
                        return Ok(true);
                    }
                    FloatUnary::Abs => "llvm.fabs",
                    FloatUnary::Sqrt => "llvm.sqrt",
                    FloatUnary::Ceil => "llvm.ceil",
                    FloatUnary::Floor => "llvm.floor",
                    FloatUnary::Trunc => "llvm.trunc",
                    FloatUnary::Nearest => "llvm.roundeven",
                };
                let r = self.call_vec_intrinsic(name, &[self.vec_type(shape).into()], &[a])?;
                let rounding = !matches!(k, FloatUnary::Abs | FloatUnary::Sqrt);
                if rounding && !self.m.cpu.sse41 {
                    // Lowered to libm calls, which return a signalling NaN as is.
                    self.quiet_nans(r, shape)?
                } else {
                    r
                }
            }
            FloatOp::Compare(shape, p) => {
                let b = self.pop_vec(shape)?;
                let a = self.pop_vec(shape)?;
                let c = self.b.build_float_compare(p, a, b, "")?;
                self.b
                    .build_int_s_extend(c, self.vec_type(shape.as_int()), "")?
            }
            FloatOp::TruncSatF32x4(signed) => {
                let a = self.pop_vec(Shape::F32x4)?;
                if signed {
                    self.trunc_sat_f32x4_s(a)?
                } else {
                    self.trunc_sat_f32x4_u(a)?
                }
            }
            FloatOp::TruncSatF64x2Zero(signed) => {
                let a = self.pop_vec(Shape::F64x2)?;
                if signed {
                    self.trunc_sat_f64x2_s_zero(a)?
                } else {
                    self.trunc_sat_f64x2_u_zero(a)?
                }
            }
            FloatOp::ConvertI32x4(signed) => {
                let a = self.pop_vec(Shape::I32x4)?;
                self.int_lanes_to_float(a, self.vec_type(Shape::F32x4), signed)?
            }
            FloatOp::ConvertLowI32x4(signed) => {
                let a = self.pop_vec(Shape::I32x4)?;
                let low = self.half(a, false)?;
                self.int_lanes_to_float(low, self.vec_type(Shape::F64x2), signed)?
            }
            FloatOp::Demote => {
                let a = self.pop_vec(Shape::F64x2)?;
                let f32x2 = self.m.llcx.f32_type().vec_type(2);
                let narrow = self.b.build_float_trunc(a, f32x2, "")?;
                self.shuffle(narrow, f32x2.const_zero(), 0..4)?
            }
            FloatOp::Promote => {
                let a = self.pop_vec(Shape::F32x4)?;
                let low = self.half(a, false)?;
                self.b
                    .build_float_ext(low, self.vec_type(Shape::F64x2), "")?
            }
        };
        self.push_vec(v)?;
        Ok(true)
    }

    fn float_binary_lanes(
        &self,
        shape: Shape,
        k: FloatBinary,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        let ty = self.vec_type(shape).into();
        Ok(match k {
            FloatBinary::Add => self.b.build_float_add(a, b, "")?,
            FloatBinary::Sub => self.b.build_float_sub(a, b, "")?,
            FloatBinary::Mul => self.b.build_float_mul(a, b, "")?,
            FloatBinary::Div => self.b.build_float_div(a, b, "")?,
            FloatBinary::Min => {
                let r = self.call_vec_intrinsic("llvm.minimum", &[ty], &[a, b])?;
                self.quiet_nans(r, shape)?
            }
            FloatBinary::Max => {
                let r = self.call_vec_intrinsic("llvm.maximum", &[ty], &[a, b])?;
                self.quiet_nans(r, shape)?
            }
            // x86 `minps dst, src` is `dst < src ? dst : src` (src on NaN or equal
            // zeros), so pmin(a, b) = `b < a ? b : a` is exactly minps(b, a), and
            // pmax(a, b) = `a < b ? b : a` = `b > a ? b : a` is maxps(b, a). Called
            // directly (SSE/SSE2): as fcmp + select, LLVM moves the f64 select onto
            // the i64 vectors and no longer recognises minpd.
            FloatBinary::PMin | FloatBinary::PMax => {
                let name = match (k, shape) {
                    (FloatBinary::PMin, Shape::F32x4) => "llvm.x86.sse.min.ps",
                    (FloatBinary::PMin, _) => "llvm.x86.sse2.min.pd",
                    (_, Shape::F32x4) => "llvm.x86.sse.max.ps",
                    _ => "llvm.x86.sse2.max.pd",
                };
                self.call_vec_intrinsic(name, &[], &[b, a])?
            }
        })
    }

    /// Sets the quiet bit of every NaN lane. `llvm.minimum/maximum` may return a NaN
    /// operand unchanged (x86's lowering blends the input back in, and so does the
    /// constant folder), and so do libm's rounding functions, but wasm wants an
    /// arithmetic (quiet) NaN from a signalling input; canonical NaNs stay canonical. Integer operations, so LLVM's own NaN
    /// latitude cannot undo it: three instructions (`cmpunordps`, `andps`, `orps`).
    fn quiet_nans(&self, v: VectorValue<'ctx>, shape: Shape) -> Result<VectorValue<'ctx>> {
        let ints = self.vec_type(shape.as_int());
        let is_nan = self.b.build_float_compare(FloatPredicate::UNO, v, v, "")?;
        let is_nan = self.b.build_int_s_extend(is_nan, ints, "")?;
        // The top mantissa bit.
        let quiet_bit: u64 = if shape == Shape::F32x4 {
            1 << 22
        } else {
            1 << 51
        };
        let quiet = self
            .b
            .build_and(is_nan, self.const_splat(shape.as_int(), quiet_bit), "")?;
        let bits = self.view(v, shape.as_int())?;
        let bits = self.b.build_or(bits, quiet, "")?;
        self.view(bits, shape)
    }

    /// Per lane: `x < y ? then : otherwise` (false when unordered).
    fn select_lt(
        &self,
        x: VectorValue<'ctx>,
        y: VectorValue<'ctx>,
        then: VectorValue<'ctx>,
        otherwise: VectorValue<'ctx>,
    ) -> Result<VectorValue<'ctx>> {
        let lt = self.b.build_float_compare(FloatPredicate::OLT, x, y, "")?;
        Ok(self
            .b
            .build_select(lt, then, otherwise, "")?
            .into_vector_value())
    }

    fn int_lanes_to_float(
        &self,
        a: VectorValue<'ctx>,
        to: inkwell::types::VectorType<'ctx>,
        signed: bool,
    ) -> Result<VectorValue<'ctx>> {
        Ok(if signed {
            self.b.build_signed_int_to_float(a, to, "")?
        } else {
            self.b.build_unsigned_int_to_float(a, to, "")?
        })
    }

    /// Per lane: `a` where it is above 0 (with `positive_only`; x86 `maxps a, 0`)
    /// or where it is not NaN (without), else +0.
    fn zero_unless(&self, a: VectorValue<'ctx>, positive_only: bool) -> Result<VectorValue<'ctx>> {
        let zero = a.get_type().const_zero();
        let keep = if positive_only {
            self.b
                .build_float_compare(FloatPredicate::OGT, a, zero, "")?
        } else {
            self.b.build_float_compare(FloatPredicate::ORD, a, a, "")?
        };
        Ok(self.b.build_select(keep, a, zero, "")?.into_vector_value())
    }

    /// All-ones lanes (`<N x iK>`) where `x >= bound`, ordered.
    fn lanes_at_least(
        &self,
        x: VectorValue<'ctx>,
        bound: f64,
        mask_shape: Shape,
    ) -> Result<VectorValue<'ctx>> {
        let shape = if x.get_type().get_size() == 4 {
            Shape::F32x4
        } else {
            Shape::F64x2
        };
        let c = self.b.build_float_compare(
            FloatPredicate::OGE,
            x,
            self.const_float_splat(shape, bound),
            "",
        )?;
        Ok(self
            .b
            .build_int_s_extend(c, self.vec_type(mask_shape), "")?)
    }

    /// NaN → 0; then `cvttps2dq` is right except that it gives 0x80000000 for
    /// x ≥ 2^31 too, where the answer is 0x7fffffff: flip those lanes.
    fn trunc_sat_f32x4_s(&self, a: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        let a = self.zero_unless(a, false)?;
        let r = self.call_vec_intrinsic("llvm.x86.sse2.cvttps2dq", &[], &[a])?;
        let too_big = self.lanes_at_least(a, 2147483648.0, Shape::I32x4)?;
        Ok(self.b.build_xor(r, too_big, "trunc_sat")?)
    }

    /// With x = max(a, 0) (NaN → 0): `lo = cvttps2dq(x)` is right below 2^31 and
    /// 0x80000000 above. `hi = cvttps2dq(x - 2^31)` (exact subtraction there) adds
    /// the rest for 2^31 ≤ x < 2^32; it is 0x80000000 for x ≥ 2^32, flipped to
    /// 0x7fffffff so the sum saturates at 0xffffffff, and negative below 2^31,
    /// clamped to 0.
    fn trunc_sat_f32x4_u(&self, a: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        let x = self.zero_unless(a, true)?;
        let lo = self.call_vec_intrinsic("llvm.x86.sse2.cvttps2dq", &[], &[x])?;
        let two31 = self.const_float_splat(Shape::F32x4, 2147483648.0);
        let rest = self.b.build_float_sub(x, two31, "")?;
        let hi = self.call_vec_intrinsic("llvm.x86.sse2.cvttps2dq", &[], &[rest])?;
        let too_big = self.lanes_at_least(rest, 2147483648.0, Shape::I32x4)?;
        let hi = self.b.build_xor(hi, too_big, "")?;
        let i32x4 = self.vec_type(Shape::I32x4);
        let hi =
            self.call_vec_intrinsic("llvm.smax", &[i32x4.into()], &[hi, i32x4.const_zero()])?;
        Ok(self.b.build_int_add(lo, hi, "trunc_sat")?)
    }

    /// NaN → 0, clamp above at 2^31 - 1 (exact in f64); `cvttpd2dq` then gives
    /// 0x80000000 for everything below -2^31, the right answer, and zeroes the
    /// upper two lanes.
    fn trunc_sat_f64x2_s_zero(&self, a: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        let a = self.zero_unless(a, false)?;
        let max = self.const_float_splat(Shape::F64x2, 2147483647.0);
        let a = self.select_lt(a, max, a, max)?;
        self.call_vec_intrinsic("llvm.x86.sse2.cvttpd2dq", &[], &[a])
    }

    /// NaN and negatives → 0, clamp above at 2^32 - 1; then every lane converts
    /// exactly and `fptoui` is defined.
    fn trunc_sat_f64x2_u_zero(&self, a: VectorValue<'ctx>) -> Result<VectorValue<'ctx>> {
        let a = self.zero_unless(a, true)?;
        let max = self.const_float_splat(Shape::F64x2, 4294967295.0);
        let a = self.select_lt(a, max, a, max)?;
        let i32x2 = self.m.llcx.i32_type().vec_type(2);
        let r = self.b.build_float_to_unsigned_int(a, i32x2, "")?;
        self.shuffle(r, i32x2.const_zero(), 0..4)
    }
}
