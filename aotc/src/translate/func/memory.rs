//! Memory instructions (sandbox-critical): loads, stores, `memory.size/grow`, and
//! the bulk operations `memory.fill/copy/init`, `data.drop`, on any memory of the
//! module (multi-memory). Every access, scalar, `v128` (`simd_memory`) or atomic,
//! takes its address from [`FuncTranslator::access_address`], the one place that
//! decides how a memory is protected.
//!
//! 32-bit memories carry no bounds check on loads and stores: the effective address is
//! `base + zext(addr) + offset` with a 32-bit address and a 32-bit offset, so it is
//! below base + 8 GiB, inside the reservation (4 GiB + 4 GiB guard) the runtime maps
//! for every 32-bit memory; touching the inaccessible part faults and the runtime
//! reports "out of bounds memory access".
//!
//! 64-bit memories (memory64) have u64 addresses and offsets, which no guard region
//! covers, so every access is checked before it is made: with `k = offset + bytes`
//! (a compile-time constant; an overflow traps unconditionally), the access traps
//! unless `k <= size && addr <= size - k`, a form that cannot wrap around. The branch
//! is hinted unlikely (`llvm.expect`) and goes to the function's shared trap block.
//!
//! Bulk operations have lengths up to the memory's size, so they are checked
//! explicitly (the same wrap-free form, in 64-bit arithmetic) before any byte is
//! written, for both index types.

use anyhow::{bail, Result};
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValue, IntValue, PointerValue};
use inkwell::IntPredicate;
use wasmparser::{MemArg, MemArgTarget, Operator};

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
            O::MemorySize { mem, .. } => {
                let size = self.memory_size_bytes(mem)?;
                let pages = self
                    .b
                    .build_right_shift(size, self.i64_const(16), false, "pages")?;
                let pages = self.i64_to_index(mem, pages)?;
                self.push(pages);
            }
            O::MemoryGrow { mem, .. } => {
                let delta = self.pop_int();
                let delta = self.index_to_i64(delta)?;
                let descriptor = self.memory_descriptor(mem)?;
                let old = self
                    .b
                    .build_call(
                        self.m.rt.memory_grow,
                        &[descriptor.into(), delta.into()],
                        "grow",
                    )?
                    .try_as_basic_value()
                    .basic()
                    .expect("memory_grow returns i64")
                    .into_int_value();
                // u64::MAX (failure) truncates to u32::MAX, wasm's -1, for 32-bit memories.
                let old = self.i64_to_index(mem, old)?;
                self.push(old);
            }
            O::MemoryFill { mem } => {
                let len = self.pop_int();
                let value = self.pop_int();
                let dst = self.pop_int();
                let (dst, len) = (self.index_to_i64(dst)?, self.index_to_i64(len)?);
                let dst = self.checked_range(mem, dst, len)?;
                let byte = self
                    .b
                    .build_int_truncate(value, self.m.llcx.i8_type(), "")?;
                self.b.build_memset(dst, 1, byte, len)?;
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let len = self.pop_int();
                let src = self.pop_int();
                let dst = self.pop_int();
                let len = self.index_to_i64(len)?;
                let (dst, src) = (self.index_to_i64(dst)?, self.index_to_i64(src)?);
                let dst = self.checked_range(dst_mem, dst, len)?;
                let src = self.checked_range(src_mem, src, len)?;
                self.b.build_memmove(dst, 1, src, 1, len)?;
            }
            O::MemoryInit { data_index, mem } => {
                let len = self.pop_int();
                let src = self.pop_int();
                let dst = self.pop_int();
                let (len, src) = (self.index_to_i64(len)?, self.index_to_i64(src)?);
                let dst = self.index_to_i64(dst)?;
                let segment = &self.m.data[data_index as usize];
                let seg_len =
                    self.live_segment_len(segment.dropped.as_pointer_value(), segment.len)?;
                // src and len are u32, so their sum cannot wrap in 64 bits.
                let src_end = self.b.build_int_add(src, len, "")?;
                let beyond = self
                    .b
                    .build_int_compare(IntPredicate::UGT, src_end, seg_len, "")?;
                self.trap_if(beyond, TrapCode::OutOfBoundsMemory)?;
                let dst = self.checked_range(mem, dst, len)?;
                if let Some(contents) = self.m.data[data_index as usize].contents {
                    // SAFETY (of the generated code): src + len <= segment length.
                    let from = unsafe {
                        self.b.build_gep(
                            self.m.llcx.i8_type(),
                            contents.as_pointer_value(),
                            &[src],
                            "",
                        )?
                    };
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

    /// An address, length or page count of either index type as i64 (zero-extended
    /// from i32).
    pub(super) fn index_to_i64(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        let i64t = self.m.llcx.i64_type();
        if v.get_type() == i64t {
            return Ok(v);
        }
        Ok(self.b.build_int_z_extend(v, i64t, "")?)
    }

    /// An i64 result (pages) in memory `mem`'s index type.
    fn i64_to_index(&self, mem: u32, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        if self.is_memory64(mem) {
            return Ok(v);
        }
        Ok(self.b.build_int_truncate(v, self.m.llcx.i32_type(), "")?)
    }

    /// The address of a `bytes`-wide access at `addr + offset` in memory `mem`, the
    /// one address computation of every load and store (see the module docs for why
    /// 32-bit memories need no check and 64-bit ones do).
    pub(super) fn access_address(
        &mut self,
        mem: u32,
        addr: IntValue<'ctx>,
        offset: u64,
        bytes: u64,
    ) -> Result<PointerValue<'ctx>> {
        let base = self.memory_base(mem)?;
        let proven = if self.is_memory64(mem) {
            None
        } else {
            self.address_facts.offset_form(addr)
        };
        let (mut index, offset) = match proven {
            // addr == proven_addr + k without wrapping (address_facts): the same
            // number, in a form LLVM can relate to other accesses at `proven_addr`.
            Some((proven_addr, k)) => (self.index_to_i64(proven_addr)?, k + offset),
            None => (self.index_to_i64(addr)?, offset),
        };
        if self.addresses_provable(mem) {
            // Code translated after this access runs only if it did not trap.
            self.address_facts.accessed(addr);
        }
        if self.is_memory64(mem) {
            match offset.checked_add(bytes) {
                Some(end) => {
                    let end = self.i64_const(end);
                    self.trap_unless_within(mem, index, end)?;
                }
                None => {
                    let always = self.m.llcx.bool_type().const_int(1, false);
                    self.trap_if(always, TrapCode::OutOfBoundsMemory)?;
                }
            }
        }
        if offset != 0 {
            // 32-bit: both terms < 4 GiB (or a proven address < 4 GiB - 64 KiB and
            // k + offset < 4 GiB + 32 KiB); 64-bit: addr + offset <= size (checked).
            index = self
                .b
                .build_int_nuw_add(index, self.i64_const(offset), "")?;
        }
        // SAFETY (of the generated code): index < 8 GiB, the reservation's size, for a
        // 32-bit memory; index + bytes <= size for a 64-bit one.
        Ok(unsafe {
            self.b
                .build_in_bounds_gep(self.m.llcx.i8_type(), base, &[index], "addr")?
        })
    }

    /// Traps unless `[start, start + len)` lies within memory `mem`'s current size
    /// (`len <= size && start <= size - len`: no wraparound for any u64 inputs).
    pub(super) fn trap_unless_within(
        &mut self,
        mem: u32,
        start: IntValue<'ctx>,
        len: IntValue<'ctx>,
    ) -> Result<()> {
        let size = self.memory_size_bytes(mem)?;
        let too_long = self.b.build_int_compare(IntPredicate::UGT, len, size, "")?;
        let room = self.b.build_int_sub(size, len, "")?;
        let past = self
            .b
            .build_int_compare(IntPredicate::UGT, start, room, "")?;
        let beyond = self.b.build_or(too_long, past, "oob")?;
        self.trap_if(beyond, TrapCode::OutOfBoundsMemory)
    }

    /// Checks `[start, start + len)` (i64 values) against memory `mem` and returns
    /// the address of `start`.
    fn checked_range(
        &mut self,
        mem: u32,
        start: IntValue<'ctx>,
        len: IntValue<'ctx>,
    ) -> Result<PointerValue<'ctx>> {
        self.trap_unless_within(mem, start, len)?;
        let base = self.memory_base(mem)?;
        // SAFETY (of the generated code): start + len <= size (checked).
        Ok(unsafe {
            self.b
                .build_in_bounds_gep(self.m.llcx.i8_type(), base, &[start], "")?
        })
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
        let bytes = match access {
            Access::Full => value_bytes(ty),
            Access::Narrow { bits, .. } => u64::from(bits / 8),
        };
        let ptr = self.memarg_address(memarg, addr, bytes)?;
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
        let bytes = match access {
            Access::Full => value_bytes(value.get_type()),
            Access::Narrow { bits, .. } => u64::from(bits / 8),
        };
        let ptr = self.memarg_address(memarg, addr, bytes)?;
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

    /// [`Self::access_address`] of a `bytes`-wide access described by `memarg`.
    pub(super) fn memarg_address(
        &mut self,
        memarg: MemArg,
        addr: IntValue<'ctx>,
        bytes: u64,
    ) -> Result<PointerValue<'ctx>> {
        let mem = memarg_memory(memarg)?;
        self.access_address(mem, addr, memarg.offset, bytes)
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

/// Bytes of a full-width value of `ty` (a scalar or v128).
fn value_bytes(ty: BasicTypeEnum) -> u64 {
    match ty {
        BasicTypeEnum::IntType(t) => u64::from(t.get_bit_width() / 8),
        BasicTypeEnum::FloatType(t) if t == t.get_context().f32_type() => 4,
        BasicTypeEnum::FloatType(_) => 8,
        _ => 16,
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

/// The linear memory a `memarg` addresses.
pub(super) fn memarg_memory(memarg: MemArg) -> Result<u32> {
    match memarg.target {
        MemArgTarget::Memory(mem) => Ok(mem),
        _ => bail!("unsupported: memory instructions on GC arrays"),
    }
}
