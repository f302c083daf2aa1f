//! SIMD memory instructions: `v128.load/store`, the extending loads
//! (`v128.load8x8_s` …), splat loads, zero-extending loads (`v128.load32_zero`,
//! `load64_zero`) and the single-lane loads and stores (`v128.load8_lane` …).
//!
//! Addresses are computed exactly like scalar accesses
//! (`FuncTranslator::access_address`: guard pages for 32-bit memories, an explicit
//! check for 64-bit ones); every access is emitted with alignment 1
//! (wasm alignment is a hint), so x86 uses `movdqu`/`movups`, and the narrow ones
//! fold into `pmovsxbw (mem)`, `pinsrb $k, (mem)`, `pextrb $k, …, (mem)`.

use anyhow::Result;
use inkwell::values::BasicValue;
use wasmparser::{MemArg, Operator};

use super::simd::Shape;
use super::FuncTranslator;
use crate::translate::module_cx::v128_type;

/// What a v128 load reads and how it fills the vector.
#[derive(Clone, Copy)]
enum Load {
    /// All 16 bytes.
    Full,
    /// 8 bytes: `to.lanes()` lanes half as wide as `to`'s, each extended.
    Extend { to: Shape, signed: bool },
    /// One lane's worth, copied to every lane.
    Splat(Shape),
    /// One lane's worth into lane 0, the others zero.
    Zero(Shape),
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_simd_memory(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        use Shape::*;
        let ext = |to, signed| Load::Extend { to, signed };
        match *op {
            O::V128Load { memarg } => self.v128_load(memarg, Load::Full)?,
            O::V128Load8x8S { memarg } => self.v128_load(memarg, ext(I16x8, true))?,
            O::V128Load8x8U { memarg } => self.v128_load(memarg, ext(I16x8, false))?,
            O::V128Load16x4S { memarg } => self.v128_load(memarg, ext(I32x4, true))?,
            O::V128Load16x4U { memarg } => self.v128_load(memarg, ext(I32x4, false))?,
            O::V128Load32x2S { memarg } => self.v128_load(memarg, ext(I64x2, true))?,
            O::V128Load32x2U { memarg } => self.v128_load(memarg, ext(I64x2, false))?,
            O::V128Load8Splat { memarg } => self.v128_load(memarg, Load::Splat(I8x16))?,
            O::V128Load16Splat { memarg } => self.v128_load(memarg, Load::Splat(I16x8))?,
            O::V128Load32Splat { memarg } => self.v128_load(memarg, Load::Splat(I32x4))?,
            O::V128Load64Splat { memarg } => self.v128_load(memarg, Load::Splat(I64x2))?,
            O::V128Load32Zero { memarg } => self.v128_load(memarg, Load::Zero(I32x4))?,
            O::V128Load64Zero { memarg } => self.v128_load(memarg, Load::Zero(I64x2))?,
            O::V128Store { memarg } => {
                let value = self.pop();
                let addr = self.pop_int();
                let ptr = self.memarg_address(memarg, addr, 16)?;
                let store = self.b.build_store(ptr, value)?;
                self.linear_memory_access(Some(store), false);
            }
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8x16, lane)?,
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16x8, lane)?,
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32x4, lane)?,
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64x2, lane)?,
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8x16, lane)?,
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16x8, lane)?,
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32x4, lane)?,
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64x2, lane)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn v128_load(&mut self, memarg: MemArg, kind: Load) -> Result<()> {
        let addr = self.pop_int();
        let bytes = match kind {
            Load::Full => 16,
            Load::Extend { .. } => 8,
            Load::Splat(shape) | Load::Zero(shape) => u64::from(shape.lane_bits() / 8),
        };
        let ptr = self.memarg_address(memarg, addr, bytes)?;
        let v = match kind {
            Load::Full => {
                let v = self.b.build_load(v128_type(self.m.llcx), ptr, "load")?;
                self.linear_memory_access(v.as_instruction_value(), self.m.strict_load_traps);
                v.into_vector_value()
            }
            Load::Extend { to, signed } => {
                // Half as wide lanes, as many of them: 8 bytes.
                let narrow = self.int_type(to.lane_bits() / 2).vec_type(to.lanes());
                let v = self.b.build_load(narrow, ptr, "load")?;
                self.linear_memory_access(v.as_instruction_value(), self.m.strict_load_traps);
                self.extend_lanes(v.into_vector_value(), self.vec_type(to), signed)?
            }
            Load::Splat(shape) => {
                let v = self.b.build_load(self.lane_type(shape), ptr, "load")?;
                self.linear_memory_access(v.as_instruction_value(), self.m.strict_load_traps);
                self.splat(v, shape)?
            }
            Load::Zero(shape) => {
                let v = self.b.build_load(self.lane_type(shape), ptr, "load")?;
                self.linear_memory_access(v.as_instruction_value(), self.m.strict_load_traps);
                let zero = self.vec_type(shape).const_zero();
                self.b
                    .build_insert_element(zero, v, self.lane_index(0), "")?
            }
        };
        self.push_vec(v)
    }

    /// `v128.loadN_lane`: the vector with lane `lane` replaced by the loaded value.
    fn load_lane(&mut self, memarg: MemArg, shape: Shape, lane: u8) -> Result<()> {
        let v = self.pop_vec(shape)?;
        let addr = self.pop_int();
        let ptr = self.memarg_address(memarg, addr, u64::from(shape.lane_bits() / 8))?;
        let x = self.b.build_load(self.lane_type(shape), ptr, "load")?;
        self.linear_memory_access(x.as_instruction_value(), self.m.strict_load_traps);
        let v = self
            .b
            .build_insert_element(v, x, self.lane_index(lane as u32), "")?;
        self.push_vec(v)
    }

    /// `v128.storeN_lane`: stores lane `lane` of the vector.
    fn store_lane(&mut self, memarg: MemArg, shape: Shape, lane: u8) -> Result<()> {
        let v = self.pop_vec(shape)?;
        let addr = self.pop_int();
        let ptr = self.memarg_address(memarg, addr, u64::from(shape.lane_bits() / 8))?;
        let x = self
            .b
            .build_extract_element(v, self.lane_index(lane as u32), "")?;
        let store = self.b.build_store(ptr, x)?;
        self.linear_memory_access(Some(store), false);
        Ok(())
    }
}
