//! SIMD (`v128`) instructions: the dispatcher and the lane-shape helpers shared by
//! the emitters `simd_memory` (loads, stores), `simd_lanes` (constants, splat,
//! lanes, shuffles, bitwise), `simd_int` (integer lanes) and `simd_float` (float
//! lanes and conversions), and `simd_relaxed` (relaxed SIMD, one fixed result).
//!
//! Representation: every `v128` is the canonical `<2 x i64>` (`module_cx::v128_type`)
//! wherever wasm can see it; an operation bitcasts its operands to the lane shape it
//! needs (`<16 x i8>` … `<2 x double>`) and its result back.
//!
//! Lowering strategy: plain LLVM vector IR whenever LLVM's x86 back end turns it
//! into the SSE/AVX instruction (add → `paddd`, sext of a half → `pmovsxbw`, clamp +
//! trunc → `packsswb`, `(a + b + 1) >> 1` → `pavgb`, …), so it stays visible to the
//! optimiser; x86 intrinsics only where no portable IR reaches the instruction:
//! `pshufb`, `pmulhrsw`, `pmaddubsw` (SSSE3, called only when the CPU has it, else
//! portable IR), and `pmaddwd`, `cvttps2dq`, `cvttpd2dq`, `minps`/`maxps` (SSE and
//! SSE2, present on every x86-64).
//!
//! Semantics that differ from LLVM's defaults are spelled out where they are
//! emitted: shift counts are taken modulo the lane width, out-of-range swizzle
//! indices give 0, float min and max are `llvm.minimum/maximum` with signalling
//! NaNs quieted, saturating conversions never reach a poison-producing `fpto[su]i`,
//! and no fast-math flag is ever set.

use anyhow::Result;
use inkwell::types::{BasicTypeEnum, VectorType};
use inkwell::values::{BasicValue, BasicValueEnum, IntValue, VectorValue};
use wasmparser::Operator;

use super::FuncTranslator;
use crate::translate::module_cx::v128_type;

/// How an operation views the 128 bits: lane type and count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

impl Shape {
    pub fn lanes(self) -> u32 {
        128 / self.lane_bits()
    }

    pub fn lane_bits(self) -> u32 {
        match self {
            Shape::I8x16 => 8,
            Shape::I16x8 => 16,
            Shape::I32x4 | Shape::F32x4 => 32,
            Shape::I64x2 | Shape::F64x2 => 64,
        }
    }

    /// The integer shape with the same lanes (a float comparison's mask).
    pub fn as_int(self) -> Shape {
        match self {
            Shape::F32x4 => Shape::I32x4,
            Shape::F64x2 => Shape::I64x2,
            s => s,
        }
    }

    /// The integer shape with lanes twice as wide (and half as many).
    pub fn widened(self) -> Shape {
        match self {
            Shape::I8x16 => Shape::I16x8,
            Shape::I16x8 => Shape::I32x4,
            Shape::I32x4 => Shape::I64x2,
            s => unreachable!("{s:?} has no wider integer shape"),
        }
    }
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    /// Hands a SIMD operator to its emitter; `false` when `op` is not SIMD.
    pub(super) fn translate_simd(&mut self, op: &Operator<'a>) -> Result<bool> {
        Ok(self.translate_simd_memory(op)?
            || self.translate_simd_lanes(op)?
            || self.translate_simd_int(op)?
            || self.translate_simd_float(op)?
            || self.translate_simd_relaxed(op)?)
    }

    /// The scalar type of one lane.
    pub(super) fn lane_type(&self, shape: Shape) -> BasicTypeEnum<'ctx> {
        let llcx = self.m.llcx;
        match shape {
            Shape::F32x4 => llcx.f32_type().into(),
            Shape::F64x2 => llcx.f64_type().into(),
            s => self.int_type(s.lane_bits()).into(),
        }
    }

    /// The LLVM vector type of a shape.
    pub(super) fn vec_type(&self, shape: Shape) -> VectorType<'ctx> {
        let llcx = self.m.llcx;
        match shape {
            Shape::F32x4 => llcx.f32_type().vec_type(4),
            Shape::F64x2 => llcx.f64_type().vec_type(2),
            s => self.int_type(s.lane_bits()).vec_type(s.lanes()),
        }
    }

    /// Views a 128-bit vector value as `shape` (a free bitcast).
    pub(super) fn view(&self, v: impl BasicValue<'ctx>, shape: Shape) -> Result<VectorValue<'ctx>> {
        Ok(self
            .b
            .build_bit_cast(v, self.vec_type(shape), "")?
            .into_vector_value())
    }

    /// Pops a `v128` viewed as `shape`.
    pub(super) fn pop_vec(&mut self, shape: Shape) -> Result<VectorValue<'ctx>> {
        let v = self.pop();
        self.view(v, shape)
    }

    /// Pushes a 128-bit vector of any shape as the canonical `v128`.
    pub(super) fn push_vec(&mut self, v: VectorValue<'ctx>) -> Result<()> {
        let v = self.b.build_bit_cast(v, v128_type(self.m.llcx), "")?;
        self.push(v);
        Ok(())
    }

    /// An `i32` constant as a lane index or vector element index.
    pub(super) fn lane_index(&self, lane: u32) -> IntValue<'ctx> {
        self.i32_const(lane as u64)
    }

    /// Every lane of `shape` (an integer shape) set to `bits`.
    pub(super) fn const_splat(&self, shape: Shape, bits: u64) -> VectorValue<'ctx> {
        splat_const(self.vec_type(shape), bits)
    }

    /// Every lane of a float shape set to `value`.
    pub(super) fn const_float_splat(&self, shape: Shape, value: f64) -> VectorValue<'ctx> {
        let fty = self.lane_type(shape).into_float_type();
        VectorType::const_vector(&vec![fty.const_float(value); shape.lanes() as usize])
    }

    /// A vector with every lane equal to `scalar` (of the shape's lane type).
    pub(super) fn splat(
        &self,
        scalar: BasicValueEnum<'ctx>,
        shape: Shape,
    ) -> Result<VectorValue<'ctx>> {
        let ty = self.vec_type(shape);
        let one = self
            .b
            .build_insert_element(ty.get_poison(), scalar, self.lane_index(0), "")?;
        let zeros = self.m.llcx.i32_type().vec_type(shape.lanes()).const_zero();
        Ok(self
            .b
            .build_shuffle_vector(one, ty.get_poison(), zeros, "splat")?)
    }

    /// `shufflevector a, b` with constant lane `indices` (into the concatenation).
    pub(super) fn shuffle(
        &self,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
        indices: impl IntoIterator<Item = u32>,
    ) -> Result<VectorValue<'ctx>> {
        let i32t = self.m.llcx.i32_type();
        let mask: Vec<_> = indices
            .into_iter()
            .map(|i| i32t.const_int(i as u64, false))
            .collect();
        Ok(self
            .b
            .build_shuffle_vector(a, b, VectorType::const_vector(&mask), "")?)
    }

    /// The low or high half of the lanes of `v`, as a vector of half the length.
    pub(super) fn half(&self, v: VectorValue<'ctx>, high: bool) -> Result<VectorValue<'ctx>> {
        let n = v.get_type().get_size();
        let start = if high { n / 2 } else { 0 };
        self.shuffle(v, v.get_type().get_poison(), start..start + n / 2)
    }

    /// The even-numbered or odd-numbered lanes of `v`, as a vector of half the length.
    pub(super) fn alternate(&self, v: VectorValue<'ctx>, odd: bool) -> Result<VectorValue<'ctx>> {
        let n = v.get_type().get_size();
        let first = odd as u32;
        self.shuffle(
            v,
            v.get_type().get_poison(),
            (0..n / 2).map(|i| 2 * i + first),
        )
    }

    /// Sign- or zero-extends every lane of an integer vector to `to`.
    pub(super) fn extend_lanes(
        &self,
        v: VectorValue<'ctx>,
        to: VectorType<'ctx>,
        signed: bool,
    ) -> Result<VectorValue<'ctx>> {
        Ok(if signed {
            self.b.build_int_s_extend(v, to, "")?
        } else {
            self.b.build_int_z_extend(v, to, "")?
        })
    }

    /// Calls an intrinsic on vectors and returns the vector result.
    pub(super) fn call_vec_intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[VectorValue<'ctx>],
    ) -> Result<VectorValue<'ctx>> {
        let args: Vec<BasicValueEnum> = args.iter().map(|&a| a.into()).collect();
        Ok(self.call_intrinsic(name, types, &args)?.into_vector_value())
    }
}

/// Every lane of the integer vector type `ty` set to `bits` (truncated to the lane).
pub(super) fn splat_const(ty: VectorType<'_>, bits: u64) -> VectorValue<'_> {
    let lane = ty.get_element_type().into_int_type().const_int(bits, false);
    VectorType::const_vector(&vec![lane; ty.get_size() as usize])
}
