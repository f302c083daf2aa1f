//! Atomic memory instructions of the threads proposal (sandbox-critical: they address
//! linear memory): atomic loads and stores, read-modify-write operators in every
//! width, `atomic.fence`, and `memory.atomic.wait32/wait64/notify`.
//!
//! Invariants: every access goes through `address` (the same `base + zext(addr) +
//! offset` as plain loads and stores, inside the memory's reservation, so an access
//! past the memory's size faults into the "out of bounds memory access" trap); a
//! misaligned effective address traps with "unaligned atomic" before memory is
//! touched. Accesses are sequentially consistent LLVM atomics, on shared and unshared
//! memories alike (on an unshared memory they cost what the hardware charges, nothing
//! more). `wait`/`notify` hand a host pointer to the runtime (`aotc_rt_core::wait`),
//! so their range is checked explicitly first: the runtime must never fault.

use anyhow::Result;
use inkwell::values::{BasicValue, BasicValueEnum, IntValue, PointerValue};
use inkwell::{AtomicOrdering, AtomicRMWBinOp, IntPredicate};
use wasmparser::{MemArg, Operator};

use super::memory::memarg_memory;
use super::FuncTranslator;
use aotc_abi::sym;
use aotc_abi::trap::TrapCode;

const SEQ_CST: AtomicOrdering = AtomicOrdering::SequentiallyConsistent;

/// The wasm value type of an atomic operator, by width in bits.
#[derive(Clone, Copy)]
enum Wide {
    I32,
    I64,
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_atomics(&mut self, op: &Operator<'a>) -> Result<bool> {
        use AtomicRMWBinOp as R;
        use Operator as O;
        use Wide::{I32, I64};
        match *op {
            O::AtomicFence { .. } => {
                self.b.build_fence(SEQ_CST, false, "")?;
            }
            O::I32AtomicLoad { memarg } => self.atomic_load(memarg, I32, 32)?,
            O::I64AtomicLoad { memarg } => self.atomic_load(memarg, I64, 64)?,
            O::I32AtomicLoad8U { memarg } => self.atomic_load(memarg, I32, 8)?,
            O::I32AtomicLoad16U { memarg } => self.atomic_load(memarg, I32, 16)?,
            O::I64AtomicLoad8U { memarg } => self.atomic_load(memarg, I64, 8)?,
            O::I64AtomicLoad16U { memarg } => self.atomic_load(memarg, I64, 16)?,
            O::I64AtomicLoad32U { memarg } => self.atomic_load(memarg, I64, 32)?,
            O::I32AtomicStore { memarg } => self.atomic_store(memarg, 32)?,
            O::I64AtomicStore { memarg } => self.atomic_store(memarg, 64)?,
            O::I32AtomicStore8 { memarg } | O::I64AtomicStore8 { memarg } => {
                self.atomic_store(memarg, 8)?
            }
            O::I32AtomicStore16 { memarg } | O::I64AtomicStore16 { memarg } => {
                self.atomic_store(memarg, 16)?
            }
            O::I64AtomicStore32 { memarg } => self.atomic_store(memarg, 32)?,

            O::I32AtomicRmwAdd { memarg } => self.atomic_rmw(memarg, I32, 32, R::Add)?,
            O::I64AtomicRmwAdd { memarg } => self.atomic_rmw(memarg, I64, 64, R::Add)?,
            O::I32AtomicRmw8AddU { memarg } => self.atomic_rmw(memarg, I32, 8, R::Add)?,
            O::I32AtomicRmw16AddU { memarg } => self.atomic_rmw(memarg, I32, 16, R::Add)?,
            O::I64AtomicRmw8AddU { memarg } => self.atomic_rmw(memarg, I64, 8, R::Add)?,
            O::I64AtomicRmw16AddU { memarg } => self.atomic_rmw(memarg, I64, 16, R::Add)?,
            O::I64AtomicRmw32AddU { memarg } => self.atomic_rmw(memarg, I64, 32, R::Add)?,

            O::I32AtomicRmwSub { memarg } => self.atomic_rmw(memarg, I32, 32, R::Sub)?,
            O::I64AtomicRmwSub { memarg } => self.atomic_rmw(memarg, I64, 64, R::Sub)?,
            O::I32AtomicRmw8SubU { memarg } => self.atomic_rmw(memarg, I32, 8, R::Sub)?,
            O::I32AtomicRmw16SubU { memarg } => self.atomic_rmw(memarg, I32, 16, R::Sub)?,
            O::I64AtomicRmw8SubU { memarg } => self.atomic_rmw(memarg, I64, 8, R::Sub)?,
            O::I64AtomicRmw16SubU { memarg } => self.atomic_rmw(memarg, I64, 16, R::Sub)?,
            O::I64AtomicRmw32SubU { memarg } => self.atomic_rmw(memarg, I64, 32, R::Sub)?,

            O::I32AtomicRmwAnd { memarg } => self.atomic_rmw(memarg, I32, 32, R::And)?,
            O::I64AtomicRmwAnd { memarg } => self.atomic_rmw(memarg, I64, 64, R::And)?,
            O::I32AtomicRmw8AndU { memarg } => self.atomic_rmw(memarg, I32, 8, R::And)?,
            O::I32AtomicRmw16AndU { memarg } => self.atomic_rmw(memarg, I32, 16, R::And)?,
            O::I64AtomicRmw8AndU { memarg } => self.atomic_rmw(memarg, I64, 8, R::And)?,
            O::I64AtomicRmw16AndU { memarg } => self.atomic_rmw(memarg, I64, 16, R::And)?,
            O::I64AtomicRmw32AndU { memarg } => self.atomic_rmw(memarg, I64, 32, R::And)?,

            O::I32AtomicRmwOr { memarg } => self.atomic_rmw(memarg, I32, 32, R::Or)?,
            O::I64AtomicRmwOr { memarg } => self.atomic_rmw(memarg, I64, 64, R::Or)?,
            O::I32AtomicRmw8OrU { memarg } => self.atomic_rmw(memarg, I32, 8, R::Or)?,
            O::I32AtomicRmw16OrU { memarg } => self.atomic_rmw(memarg, I32, 16, R::Or)?,
            O::I64AtomicRmw8OrU { memarg } => self.atomic_rmw(memarg, I64, 8, R::Or)?,
            O::I64AtomicRmw16OrU { memarg } => self.atomic_rmw(memarg, I64, 16, R::Or)?,
            O::I64AtomicRmw32OrU { memarg } => self.atomic_rmw(memarg, I64, 32, R::Or)?,

            O::I32AtomicRmwXor { memarg } => self.atomic_rmw(memarg, I32, 32, R::Xor)?,
            O::I64AtomicRmwXor { memarg } => self.atomic_rmw(memarg, I64, 64, R::Xor)?,
            O::I32AtomicRmw8XorU { memarg } => self.atomic_rmw(memarg, I32, 8, R::Xor)?,
            O::I32AtomicRmw16XorU { memarg } => self.atomic_rmw(memarg, I32, 16, R::Xor)?,
            O::I64AtomicRmw8XorU { memarg } => self.atomic_rmw(memarg, I64, 8, R::Xor)?,
            O::I64AtomicRmw16XorU { memarg } => self.atomic_rmw(memarg, I64, 16, R::Xor)?,
            O::I64AtomicRmw32XorU { memarg } => self.atomic_rmw(memarg, I64, 32, R::Xor)?,

            O::I32AtomicRmwXchg { memarg } => self.atomic_rmw(memarg, I32, 32, R::Xchg)?,
            O::I64AtomicRmwXchg { memarg } => self.atomic_rmw(memarg, I64, 64, R::Xchg)?,
            O::I32AtomicRmw8XchgU { memarg } => self.atomic_rmw(memarg, I32, 8, R::Xchg)?,
            O::I32AtomicRmw16XchgU { memarg } => self.atomic_rmw(memarg, I32, 16, R::Xchg)?,
            O::I64AtomicRmw8XchgU { memarg } => self.atomic_rmw(memarg, I64, 8, R::Xchg)?,
            O::I64AtomicRmw16XchgU { memarg } => self.atomic_rmw(memarg, I64, 16, R::Xchg)?,
            O::I64AtomicRmw32XchgU { memarg } => self.atomic_rmw(memarg, I64, 32, R::Xchg)?,

            O::I32AtomicRmwCmpxchg { memarg } => self.atomic_cmpxchg(memarg, I32, 32)?,
            O::I64AtomicRmwCmpxchg { memarg } => self.atomic_cmpxchg(memarg, I64, 64)?,
            O::I32AtomicRmw8CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I32, 8)?,
            O::I32AtomicRmw16CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I32, 16)?,
            O::I64AtomicRmw8CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 8)?,
            O::I64AtomicRmw16CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 16)?,
            O::I64AtomicRmw32CmpxchgU { memarg } => self.atomic_cmpxchg(memarg, I64, 32)?,

            O::MemoryAtomicNotify { memarg } => self.atomic_notify(memarg)?,
            O::MemoryAtomicWait32 { memarg } => self.atomic_wait(memarg, 32)?,
            O::MemoryAtomicWait64 { memarg } => self.atomic_wait(memarg, 64)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The address of a `bits`-wide atomic access, after the alignment check.
    fn atomic_address(
        &mut self,
        addr: IntValue<'ctx>,
        memarg: MemArg,
        bits: u32,
    ) -> Result<PointerValue<'ctx>> {
        let bytes = u64::from(bits / 8);
        if bytes > 1 {
            // The effective address (addr + offset) must be a multiple of the access
            // size; adding the offset's low bits to the index suffices.
            let index = self.index_to_i64(addr)?;
            let low =
                self.b
                    .build_int_add(index, self.i64_const(memarg.offset & (bytes - 1)), "")?;
            let misaligned = self
                .b
                .build_and(low, self.i64_const(bytes - 1), "misaligned")?;
            let misaligned =
                self.b
                    .build_int_compare(IntPredicate::NE, misaligned, self.i64_const(0), "")?;
            self.trap_if(misaligned, TrapCode::UnalignedAtomic)?;
        }
        self.memarg_address(memarg, addr, bytes)
    }

    /// Marks an atomic access: naturally aligned (checked), sequentially consistent.
    fn mark_atomic(&self, inst: Option<inkwell::values::InstructionValue<'ctx>>, bits: u32) {
        if let Some(i) = inst {
            i.set_alignment(bits / 8)
                .expect("atomic accesses take an alignment");
            i.set_atomic_ordering(SEQ_CST)
                .expect("loads and stores can be atomic");
        }
    }

    fn zero_extend_to(&self, v: IntValue<'ctx>, wide: Wide) -> Result<IntValue<'ctx>> {
        let ty = match wide {
            Wide::I32 => self.m.llcx.i32_type(),
            Wide::I64 => self.m.llcx.i64_type(),
        };
        Ok(if v.get_type() == ty {
            v
        } else {
            self.b.build_int_z_extend(v, ty, "")?
        })
    }

    fn wrap_to(&self, v: IntValue<'ctx>, bits: u32) -> Result<IntValue<'ctx>> {
        let ty = self.int_type(bits);
        Ok(if v.get_type() == ty {
            v
        } else {
            self.b.build_int_truncate(v, ty, "")?
        })
    }

    fn atomic_load(&mut self, memarg: MemArg, wide: Wide, bits: u32) -> Result<()> {
        let addr = self.pop_int();
        let ptr = self.atomic_address(addr, memarg, bits)?;
        let v = self.b.build_load(self.int_type(bits), ptr, "atomic")?;
        self.mark_atomic(v.as_instruction_value(), bits);
        let v = self.zero_extend_to(v.into_int_value(), wide)?;
        self.push(v);
        Ok(())
    }

    fn atomic_store(&mut self, memarg: MemArg, bits: u32) -> Result<()> {
        let value = self.pop_int();
        let addr = self.pop_int();
        let ptr = self.atomic_address(addr, memarg, bits)?;
        let value = self.wrap_to(value, bits)?;
        let store = self.b.build_store(ptr, value)?;
        self.mark_atomic(Some(store), bits);
        Ok(())
    }

    fn atomic_rmw(
        &mut self,
        memarg: MemArg,
        wide: Wide,
        bits: u32,
        op: AtomicRMWBinOp,
    ) -> Result<()> {
        let value = self.pop_int();
        let addr = self.pop_int();
        let ptr = self.atomic_address(addr, memarg, bits)?;
        let value = self.wrap_to(value, bits)?;
        let old = self.b.build_atomicrmw(op, ptr, value, SEQ_CST)?;
        // LLVMBuildAtomicRMW gives the natural alignment (the width, checked above).
        let old = self.zero_extend_to(old, wide)?;
        self.push(old);
        Ok(())
    }

    /// `cmpxchg`: the narrow forms compare the loaded value with the expected value
    /// wrapped to the access width (as the proposal's overview and every engine do).
    fn atomic_cmpxchg(&mut self, memarg: MemArg, wide: Wide, bits: u32) -> Result<()> {
        let replacement = self.pop_int();
        let expected = self.pop_int();
        let addr = self.pop_int();
        let ptr = self.atomic_address(addr, memarg, bits)?;
        let expected = self.wrap_to(expected, bits)?;
        let replacement = self.wrap_to(replacement, bits)?;
        let pair = self
            .b
            .build_cmpxchg(ptr, expected, replacement, SEQ_CST, SEQ_CST)?;
        // LLVMBuildAtomicCmpXchg gives the natural alignment (checked above).
        let old = self.b.build_extract_value(pair, 0, "old")?.into_int_value();
        let old = self.zero_extend_to(old, wide)?;
        self.push(old);
        Ok(())
    }

    /// The host pointer for `wait`/`notify` on `bytes` bytes at `addr + offset`: in
    /// bounds (checked against the current size, the runtime must not fault) and
    /// aligned.
    fn checked_wait_address(
        &mut self,
        addr: IntValue<'ctx>,
        memarg: MemArg,
        bits: u32,
    ) -> Result<PointerValue<'ctx>> {
        let index = self.index_to_i64(addr)?;
        match memarg.offset.checked_add(u64::from(bits / 8)) {
            Some(len) => {
                let len = self.i64_const(len);
                self.trap_unless_within(memarg_memory(memarg)?, index, len)?;
            }
            None => self.trap_now(TrapCode::OutOfBoundsMemory)?,
        }
        self.atomic_address(addr, memarg, bits)
    }

    fn memory_is_shared(&self, mem: u32) -> bool {
        self.m
            .info
            .memories
            .get(mem as usize)
            .is_some_and(|m| m.shared)
    }

    fn atomic_notify(&mut self, memarg: MemArg) -> Result<()> {
        let count = self.pop_int();
        let addr = self.pop_int();
        let ptr = self.checked_wait_address(addr, memarg, 32)?;
        if !self.memory_is_shared(memarg_memory(memarg)?) {
            // Nobody can wait on an unshared memory.
            self.push(self.i32_const(0));
            return Ok(());
        }
        let notify = self.runtime_fn(sym::ATOMIC_NOTIFY, |llcx| {
            let i32t = llcx.i32_type();
            i32t.fn_type(
                &[llcx.ptr_type(Default::default()).into(), i32t.into()],
                false,
            )
        });
        let woken = self
            .b
            .build_call(notify, &[ptr.into(), count.into()], "woken")?
            .try_as_basic_value()
            .basic()
            .expect("notify returns i32");
        self.push(woken);
        Ok(())
    }

    fn atomic_wait(&mut self, memarg: MemArg, bits: u32) -> Result<()> {
        let timeout = self.pop_int();
        let expected = self.pop_int();
        let addr = self.pop_int();
        let ptr = self.checked_wait_address(addr, memarg, bits)?;
        if !self.memory_is_shared(memarg_memory(memarg)?) {
            self.trap_now(TrapCode::ExpectedSharedMemory)?;
            return Ok(());
        }
        let name = if bits == 32 {
            sym::ATOMIC_WAIT32
        } else {
            sym::ATOMIC_WAIT64
        };
        let value_type = self.int_type(bits);
        let wait = self.runtime_fn(name, |llcx| {
            llcx.i32_type().fn_type(
                &[
                    llcx.ptr_type(Default::default()).into(),
                    value_type.into(),
                    llcx.i64_type().into(),
                ],
                false,
            )
        });
        let args: [BasicValueEnum<'ctx>; 3] = [ptr.into(), expected.into(), timeout.into()];
        let args: Vec<_> = args.iter().map(|&a| a.into()).collect();
        let result = self
            .b
            .build_call(wait, &args, "wait")?
            .try_as_basic_value()
            .basic()
            .expect("wait returns i32");
        self.push(result);
        Ok(())
    }
}
