//! Memory instructions (sandbox-critical): loads, stores, `memory.size/grow`, and
//! the bulk operations `memory.fill/copy/init`, `data.drop`. The `v128` loads and
//! stores (`simd_memory`) use the same `address` computation.
//!
//! Loads and stores carry no bounds check: the effective address is
//! `base + zext(addr) + offset` with a 32-bit address and a 32-bit offset, so it is
//! below base + 8 GiB, inside the reservation (4 GiB + 4 GiB guard) the runtime maps
//! for every memory; touching the inaccessible part faults and the runtime reports
//! "out of bounds memory access". Bulk operations have lengths up to 4 GiB, so they
//! are checked explicitly (in 64-bit arithmetic) before any byte is written.

use anyhow::Result;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValue, IntValue, PointerValue};
use inkwell::IntPredicate;
use wasmparser::{MemArg, Operator};

use super::FuncTranslator;
use crate::translate::module_cx::AliasClass;
use aotc_abi::trap::TrapCode;

/// Width and extension of a load, or width of a store.
#[derive(Clone, Copy)]
enum Access {
    /// Full-width access of the value type.
    Full,
    /// `bits`-wide access, sign- or zero-extended on load.
    Narrow { bits: u32, signed: bool },
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_memory(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        let llcx = self.m.llcx;
        let (i32t, i64t, f32t, f64t) = (
            llcx.i32_type().into(),
            llcx.i64_type().into(),
            llcx.f32_type().into(),
            llcx.f64_type().into(),
        );
        let narrow = |bits, signed| Access::Narrow { bits, signed };
        match *op {
            O::I32Load { memarg } => self.load(memarg, i32t, Access::Full)?,
            O::I64Load { memarg } => self.load(memarg, i64t, Access::Full)?,
            O::F32Load { memarg } => self.load(memarg, f32t, Access::Full)?,
            O::F64Load { memarg } => self.load(memarg, f64t, Access::Full)?,
            O::I32Load8S { memarg } => self.load(memarg, i32t, narrow(8, true))?,
            O::I32Load8U { memarg } => self.load(memarg, i32t, narrow(8, false))?,
            O::I32Load16S { memarg } => self.load(memarg, i32t, narrow(16, true))?,
            O::I32Load16U { memarg } => self.load(memarg, i32t, narrow(16, false))?,
            O::I64Load8S { memarg } => self.load(memarg, i64t, narrow(8, true))?,
            O::I64Load8U { memarg } => self.load(memarg, i64t, narrow(8, false))?,
            O::I64Load16S { memarg } => self.load(memarg, i64t, narrow(16, true))?,
            O::I64Load16U { memarg } => self.load(memarg, i64t, narrow(16, false))?,
            O::I64Load32S { memarg } => self.load(memarg, i64t, narrow(32, true))?,
            O::I64Load32U { memarg } => self.load(memarg, i64t, narrow(32, false))?,
            O::I32Store { memarg }
            | O::I64Store { memarg }
            | O::F32Store { memarg }
            | O::F64Store { memarg } => self.store(memarg, Access::Full)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.store(memarg, narrow(8, false))?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(memarg, narrow(16, false))?
            }
            O::I64Store32 { memarg } => self.store(memarg, narrow(32, false))?,
            O::MemorySize { .. } => {
                let size = self.memory_size_bytes()?;
                let pages = self
                    .b
                    .build_right_shift(size, self.i64_const(16), false, "")?;
                let pages = self
                    .b
                    .build_int_truncate(pages, self.m.llcx.i32_type(), "pages")?;
                self.push(pages);
            }
            O::MemoryGrow { .. } => {
                let delta = self.pop_int();
                let memory = self.m.memory.expect("validated: module has a memory");
                let old = self
                    .b
                    .build_call(
                        self.m.rt.memory_grow,
                        &[memory.as_pointer_value().into(), delta.into()],
                        "grow",
                    )?
                    .try_as_basic_value()
                    .basic()
                    .expect("memory_grow returns i32");
                self.push(old);
            }
            O::MemoryFill { .. } => {
                let len = self.pop_int();
                let value = self.pop_int();
                let dst = self.pop_int();
                self.check_memory_range(dst, len)?;
                let dst = self.address(dst, 0)?;
                let byte = self
                    .b
                    .build_int_truncate(value, self.m.llcx.i8_type(), "")?;
                let len = self.zext64(len)?;
                self.b.build_memset(dst, 1, byte, len)?;
            }
            O::MemoryCopy { .. } => {
                let len = self.pop_int();
                let src = self.pop_int();
                let dst = self.pop_int();
                self.check_memory_range(dst, len)?;
                self.check_memory_range(src, len)?;
                let dst = self.address(dst, 0)?;
                let src = self.address(src, 0)?;
                let len = self.zext64(len)?;
                self.b.build_memmove(dst, 1, src, 1, len)?;
            }
            O::MemoryInit { data_index, .. } => {
                let len = self.pop_int();
                let src = self.pop_int();
                let dst = self.pop_int();
                let segment = &self.m.data[data_index as usize];
                let seg_len =
                    self.live_segment_len(segment.dropped.as_pointer_value(), segment.len)?;
                let src_end = self
                    .b
                    .build_int_add(self.zext64(src)?, self.zext64(len)?, "")?;
                let beyond = self
                    .b
                    .build_int_compare(IntPredicate::UGT, src_end, seg_len, "")?;
                self.trap_if(beyond, TrapCode::OutOfBoundsMemory)?;
                self.check_memory_range(dst, len)?;
                if let Some(contents) = self.m.data[data_index as usize].contents {
                    let dst = self.address(dst, 0)?;
                    let src64 = self.zext64(src)?;
                    // SAFETY (of the generated code): src + len <= segment length.
                    let from = unsafe {
                        self.b.build_gep(
                            self.m.llcx.i8_type(),
                            contents.as_pointer_value(),
                            &[src64],
                            "",
                        )?
                    };
                    let len = self.zext64(len)?;
                    self.b.build_memcpy(dst, 1, from, 1, len)?;
                }
            }
            O::DataDrop { data_index } => {
                let flag = self.m.data[data_index as usize].dropped.as_pointer_value();
                self.b
                    .build_store(flag, self.m.llcx.i8_type().const_int(1, false))?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn zext64(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        Ok(self.b.build_int_z_extend(v, self.m.llcx.i64_type(), "")?)
    }

    /// `base + zext(addr) + offset`: always inside the memory's reservation.
    pub(super) fn address(
        &mut self,
        addr: IntValue<'ctx>,
        offset: u64,
    ) -> Result<PointerValue<'ctx>> {
        let base = self.memory_base()?;
        let mut index = self.zext64(addr)?;
        if offset != 0 {
            index = self
                .b
                .build_int_nuw_add(index, self.i64_const(offset), "")?;
        }
        // SAFETY (of the generated code): index < 8 GiB, the reservation's size.
        Ok(unsafe {
            self.b
                .build_in_bounds_gep(self.m.llcx.i8_type(), base, &[index], "addr")?
        })
    }

    /// Traps unless `[start, start + len)` lies within the current memory size.
    fn check_memory_range(&mut self, start: IntValue<'ctx>, len: IntValue<'ctx>) -> Result<()> {
        let end = self
            .b
            .build_int_add(self.zext64(start)?, self.zext64(len)?, "")?;
        let size = self.memory_size_bytes()?;
        let beyond = self.b.build_int_compare(IntPredicate::UGT, end, size, "")?;
        self.trap_if(beyond, TrapCode::OutOfBoundsMemory)
    }

    /// A segment's length as i64: 0 once dropped.
    pub(super) fn live_segment_len(
        &self,
        dropped: PointerValue<'ctx>,
        len: u32,
    ) -> Result<IntValue<'ctx>> {
        let i8t = self.m.llcx.i8_type();
        let flag = self.b.build_load(i8t, dropped, "dropped")?.into_int_value();
        let is_dropped = self
            .b
            .build_int_compare(IntPredicate::NE, flag, i8t.const_zero(), "")?;
        Ok(self
            .b
            .build_select(
                is_dropped,
                self.i64_const(0),
                self.i64_const(len as u64),
                "seg_len",
            )?
            .into_int_value())
    }

    fn load(&mut self, memarg: MemArg, ty: BasicTypeEnum<'ctx>, access: Access) -> Result<()> {
        let addr = self.pop_int();
        let ptr = self.address(addr, memarg.offset)?;
        let strict = self.m.strict_load_traps;
        let value = match access {
            Access::Full => {
                let v = self.b.build_load(ty, ptr, "load")?;
                self.linear_memory_access(v.as_instruction_value(), strict);
                v
            }
            Access::Narrow { bits, signed } => {
                let narrow = self.int_type(bits);
                let v = self.b.build_load(narrow, ptr, "load")?;
                self.linear_memory_access(v.as_instruction_value(), strict);
                let v = v.into_int_value();
                let wide = ty.into_int_type();
                if signed {
                    self.b.build_int_s_extend(v, wide, "")?.into()
                } else {
                    self.b.build_int_z_extend(v, wide, "")?.into()
                }
            }
        };
        self.push(value);
        Ok(())
    }

    fn store(&mut self, memarg: MemArg, access: Access) -> Result<()> {
        let value = self.pop();
        let addr = self.pop_int();
        let ptr = self.address(addr, memarg.offset)?;
        let value = match access {
            Access::Full => value,
            Access::Narrow { bits, .. } => {
                let narrow = self.int_type(bits);
                self.b
                    .build_int_truncate(value.into_int_value(), narrow, "")?
                    .into()
            }
        };
        let store = self.b.build_store(ptr, value)?;
        self.linear_memory_access(Some(store), false);
        Ok(())
    }

    /// Marks a linear-memory load or store: possibly unaligned, volatile if asked
    /// (strict load traps), tagged for alias analysis in a split module.
    pub(super) fn linear_memory_access(
        &self,
        inst: Option<inkwell::values::InstructionValue<'ctx>>,
        volatile: bool,
    ) {
        set_unaligned(inst, volatile);
        self.m.alias_tag(inst, AliasClass::LinearMemory);
    }
}

/// wasm alignment is only a hint: every access is emitted as possibly unaligned;
/// `volatile` for strict load traps.
fn set_unaligned(inst: Option<inkwell::values::InstructionValue>, volatile: bool) {
    if let Some(i) = inst {
        i.set_alignment(1)
            .expect("loads and stores take an alignment");
        if volatile {
            i.set_volatile(true).expect("loads can be volatile");
        }
    }
}
