//! Translation of one wasm function body to LLVM IR: the operand stack, the control
//! stack, locals, trap blocks, and a thin dispatcher handing each operator to the
//! emitter of its category (control, variable, memory, atomics, table, numeric,
//! conversion, simd, exceptions, typed function references).
//!
//! Invariants: the operand stack mirrors wasm's (validated) stack exactly while code
//! is reachable; while it is not (after `br`, `return`, `unreachable` …) operators are
//! skipped, counting nested blocks, until the `else`/`end` that makes code reachable
//! again. Traps never use LLVM `unreachable` as a stand-in: each trap kind has one cold
//! block calling the runtime's `noreturn` trap function with the code and this
//! function's index.

mod address_facts;
mod atomics;
mod control;
mod conversion;
mod dead_loads;
mod exceptions;
mod memory;
mod numeric;
mod simd;
mod simd_float;
mod simd_int;
mod simd_lanes;
mod simd_memory;
mod simd_relaxed;
mod table;
mod typed_refs;
mod variable;

use std::collections::HashMap;

use anyhow::{bail, Context as _, Result};
use inkwell::basic_block::BasicBlock;
use inkwell::builder::Builder;
use inkwell::intrinsics::Intrinsic;
use inkwell::types::BasicTypeEnum;
use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PhiValue, PointerValue};
use wasmparser::{FunctionBody, Operator, ValType};

use super::abi_types::field;
use super::module_cx::{llvm_type, ModuleCx};
use aotc_abi::trap::TrapCode;

/// What kind of construct a control frame is.
pub(crate) enum FrameKind<'ctx> {
    Function,
    Block,
    Loop {
        header: BasicBlock<'ctx>,
        param_phis: Vec<PhiValue<'ctx>>,
    },
    If {
        else_block: BasicBlock<'ctx>,
        /// Parameter values, replayed at `else` (or passed through without one).
        params: Vec<BasicValueEnum<'ctx>>,
        seen_else: bool,
    },
    /// A `try_table`: its handler's landing pad and catch clauses.
    TryTable {
        landing_pad: BasicBlock<'ctx>,
        catches: Vec<wasmparser::Catch>,
    },
    /// A legacy `try`.
    Try(exceptions::LegacyTry<'ctx>),
}

pub(crate) struct Frame<'ctx> {
    pub kind: FrameKind<'ctx>,
    pub param_types: Vec<ValType>,
    pub result_types: Vec<ValType>,
    /// Where control continues after `end`; its phis receive the results.
    pub next: BasicBlock<'ctx>,
    pub result_phis: Vec<PhiValue<'ctx>>,
    /// Operand stack height below the frame's parameters.
    pub height: usize,
    /// Whether anything branches to or falls through to `next`.
    pub next_reached: bool,
    /// Number of exception handlers in force where the frame opened.
    pub outer_handlers: usize,
}

impl<'ctx> Frame<'ctx> {
    /// Arity of a branch to this frame: a loop's params, else the results.
    pub fn branch_arity(&self) -> usize {
        match self.kind {
            FrameKind::Loop { .. } => self.param_types.len(),
            _ => self.result_types.len(),
        }
    }
}

pub(crate) struct FuncTranslator<'c, 'a, 'ctx> {
    pub m: &'c ModuleCx<'a, 'ctx>,
    pub b: Builder<'ctx>,
    pub func: FunctionValue<'ctx>,
    pub func_index: u32,
    pub locals: Vec<(PointerValue<'ctx>, BasicTypeEnum<'ctx>)>,
    pub stack: Vec<BasicValueEnum<'ctx>>,
    pub frames: Vec<Frame<'ctx>>,
    /// False after an unconditional transfer of control.
    pub reachable: bool,
    /// Blocks opened inside unreachable code (skipped).
    dead_depth: u32,
    /// Entry block: allocas and loads hoisted to function entry.
    prologue: BasicBlock<'ctx>,
    trap_blocks: HashMap<u32, BasicBlock<'ctx>>,
    /// Base address of each memory used so far, loaded in the prologue.
    memory_bases: HashMap<u32, PointerValue<'ctx>>,
    /// Which locals some `local.get` reads, and the values written to each local:
    /// values written to never-read locals are discarded (see `dead_loads`).
    local_read: Vec<bool>,
    local_writes: Vec<(u32, BasicValueEnum<'ctx>)>,
    /// Try blocks whose handlers are in force, innermost last (see `exceptions`).
    handlers: Vec<exceptions::Handler<'ctx>>,
    /// Addresses proven not to wrap in the current straight-line region.
    address_facts: address_facts::AddressFacts<'ctx>,
}

pub(crate) use dead_loads::preserve_loads;

/// Translates the body of defined function `func_index`.
pub(crate) fn translate_function<'a, 'ctx>(
    m: &ModuleCx<'a, 'ctx>,
    func_index: u32,
    body: &FunctionBody<'a>,
) -> Result<()> {
    let func = m.function(func_index)?;
    let llcx = m.llcx;
    let prologue = llcx.append_basic_block(func, "prologue");
    let start = llcx.append_basic_block(func, "start");
    let b = llcx.create_builder();
    b.position_at_end(prologue);
    let mut t = FuncTranslator {
        m,
        b,
        func,
        func_index,
        locals: Vec::new(),
        stack: Vec::new(),
        frames: Vec::new(),
        reachable: true,
        dead_depth: 0,
        prologue,
        trap_blocks: HashMap::new(),
        memory_bases: HashMap::new(),
        local_read: Vec::new(),
        local_writes: Vec::new(),
        handlers: Vec::new(),
        address_facts: Default::default(),
    };
    t.declare_locals(body)?;
    t.b.build_unconditional_branch(start)?;
    t.b.position_at_end(start);

    let sig = m.info.signature_of_func(func_index);
    let ret = llcx.append_basic_block(func, "return");
    let result_phis = t.make_phis(ret, &sig.results)?;
    t.frames.push(Frame {
        kind: FrameKind::Function,
        param_types: Vec::new(),
        result_types: sig.results.clone(),
        next: ret,
        result_phis,
        height: 0,
        next_reached: false,
        outer_handlers: 0,
    });

    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read()?;
        t.translate_operator(&op).with_context(|| {
            format!(
                "in function {} `{}` at byte offset {offset:#x}",
                func_index,
                m.info.display_name(func_index)
            )
        })?;
    }
    for &(local, value) in &t.local_writes {
        if !t.local_read[local as usize] {
            preserve_loads(value);
        }
    }
    Ok(())
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    fn declare_locals(&mut self, body: &FunctionBody<'a>) -> Result<()> {
        let sig = self.m.info.signature_of_func(self.func_index);
        for (i, &ty) in sig.params.iter().enumerate() {
            let llty = llvm_type(self.m.llcx, ty)?;
            let slot = self.b.build_alloca(llty, "param")?;
            let value = self.func.get_nth_param(i as u32).expect("param exists");
            self.b.build_store(slot, value)?;
            self.locals.push((slot, llty));
        }
        for local in body.get_locals_reader()? {
            let (count, ty) = local?;
            let llty = llvm_type(self.m.llcx, ty)?;
            for _ in 0..count {
                let slot = self.b.build_alloca(llty, "local")?;
                self.b.build_store(slot, llty.const_zero())?;
                self.locals.push((slot, llty));
            }
        }
        self.local_read = vec![false; self.locals.len()];
        Ok(())
    }

    /// Hands `op` to its category's emitter.
    fn translate_operator(&mut self, op: &Operator<'a>) -> Result<()> {
        if starts_or_ends_a_block(op) {
            self.address_facts.clear();
        }
        if !self.reachable {
            return self.skip_unreachable(op);
        }
        if self.translate_control(op)?
            || self.translate_variable(op)?
            || self.translate_numeric(op)?
            || self.translate_conversion(op)?
            || self.translate_memory(op)?
            || self.translate_atomics(op)?
            || self.translate_table(op)?
            || self.translate_simd(op)?
            || self.translate_exceptions(op)?
            || self.translate_typed_refs(op)?
        {
            return Ok(());
        }
        bail!("unsupported instruction {op:?}")
    }

    /// Skips operators in unreachable code, tracking nesting so the matching
    /// `else`/`end` is still handled.
    fn skip_unreachable(&mut self, op: &Operator<'a>) -> Result<()> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => {
                self.dead_depth += 1;
                Ok(())
            }
            Operator::Else if self.dead_depth == 0 => self.translate_else(),
            Operator::Catch { .. } | Operator::CatchAll | Operator::Delegate { .. }
                if self.dead_depth == 0 =>
            {
                self.reachable = false;
                self.translate_exceptions(op).map(|_| ())
            }
            Operator::Delegate { .. } => {
                self.dead_depth -= 1;
                Ok(())
            }
            Operator::End if self.dead_depth == 0 => self.translate_end(),
            Operator::End => {
                self.dead_depth -= 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----- operand stack -----

    pub fn push(&mut self, v: impl Into<BasicValueEnum<'ctx>>) {
        self.stack.push(v.into());
    }

    pub fn pop(&mut self) -> BasicValueEnum<'ctx> {
        self.stack
            .pop()
            .expect("validated: operand stack underflow")
    }

    pub fn pop_int(&mut self) -> IntValue<'ctx> {
        self.pop().into_int_value()
    }

    /// Pops `n` values, returned in stack order (deepest first).
    pub fn pop_n(&mut self, n: usize) -> Vec<BasicValueEnum<'ctx>> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// The top `n` values, in stack order, without popping.
    pub fn peek_n(&self, n: usize) -> Vec<BasicValueEnum<'ctx>> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    // ----- helpers shared by the emitters -----

    /// One phi per type at the start of `block`.
    pub fn make_phis(
        &self,
        block: BasicBlock<'ctx>,
        types: &[ValType],
    ) -> Result<Vec<PhiValue<'ctx>>> {
        let here = self.b.get_insert_block();
        let b = &self.b;
        match block.get_first_instruction() {
            Some(i) => b.position_before(&i),
            None => b.position_at_end(block),
        }
        let phis = types
            .iter()
            .map(|&t| Ok(b.build_phi(llvm_type(self.m.llcx, t)?, "")?))
            .collect::<Result<Vec<_>>>();
        if let Some(here) = here {
            b.position_at_end(here);
        }
        phis
    }

    /// Branches to the trap block for `code` when `cond` is true (hinted unlikely);
    /// continues in a fresh block otherwise.
    pub fn trap_if(&mut self, cond: IntValue<'ctx>, code: TrapCode) -> Result<()> {
        if cond.get_zero_extended_constant() == Some(1) {
            // Certain to trap: values on the stack are never used.
            self.keep_stack_loads();
        }
        let trap = self.trap_block(code)?;
        let cont = self.m.llcx.append_basic_block(self.func, "ok");
        let expect = self.intrinsic("llvm.expect", &[self.m.llcx.bool_type().into()])?;
        let hinted = self
            .b
            .build_call(
                expect,
                &[cond.into(), self.m.llcx.bool_type().const_zero().into()],
                "unlikely",
            )?
            .try_as_basic_value()
            .basic()
            .expect("expect returns a value")
            .into_int_value();
        self.b.build_conditional_branch(hinted, trap, cont)?;
        self.b.position_at_end(cont);
        Ok(())
    }

    /// Keeps the traps of the loads behind every operand-stack value, when none of
    /// them will be used (see `dead_loads`).
    pub(super) fn keep_stack_loads(&self) {
        for &v in &self.stack {
            preserve_loads(v);
        }
    }

    /// Traps unconditionally; code after this is unreachable.
    pub fn trap_now(&mut self, code: TrapCode) -> Result<()> {
        // Everything on the operand stack is discarded.
        self.keep_stack_loads();
        let trap = self.trap_block(code)?;
        self.b.build_unconditional_branch(trap)?;
        self.reachable = false;
        Ok(())
    }

    fn trap_block(&mut self, code: TrapCode) -> Result<BasicBlock<'ctx>> {
        if let Some(b) = self.trap_blocks.get(&(code as u32)) {
            return Ok(*b);
        }
        let block = self.m.llcx.append_basic_block(self.func, "trap");
        let here = self.b.get_insert_block();
        self.b.position_at_end(block);
        emit_trap_call(&self.b, self.m, code, self.func_index)?;
        if let Some(here) = here {
            self.b.position_at_end(here);
        }
        self.trap_blocks.insert(code as u32, block);
        Ok(block)
    }

    /// An overloaded LLVM intrinsic, declared on first use.
    pub fn intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
    ) -> Result<FunctionValue<'ctx>> {
        intrinsic(self.m, name, types)
    }

    /// Calls an intrinsic and returns its single result.
    pub fn call_intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicValueEnum<'ctx>],
    ) -> Result<BasicValueEnum<'ctx>> {
        let f = self.intrinsic(name, types)?;
        let args: Vec<_> = args.iter().map(|&a| a.into()).collect();
        Ok(self
            .b
            .build_call(f, &args, "")?
            .try_as_basic_value()
            .basic()
            .expect("intrinsic returns a value"))
    }

    /// Base address of linear memory `mem`, loaded once at function entry (the base
    /// never moves, see `aotc_abi::layout::Memory`).
    pub fn memory_base(&mut self, mem: u32) -> Result<PointerValue<'ctx>> {
        if let Some(&base) = self.memory_bases.get(&mem) {
            return Ok(base);
        }
        let memory = self.memory_descriptor(mem)?;
        let here = self.b.get_insert_block();
        let terminator = self
            .prologue
            .get_terminator()
            .expect("prologue ends in a branch");
        self.b.position_before(&terminator);
        let field_ptr =
            self.b
                .build_struct_gep(self.m.abi.memory, memory, field::MEMORY_BASE, "")?;
        let base = self
            .b
            .build_load(
                self.m.llcx.ptr_type(Default::default()),
                field_ptr,
                "membase",
            )?
            .into_pointer_value();
        if let Some(here) = here {
            self.b.position_at_end(here);
        }
        self.memory_bases.insert(mem, base);
        Ok(base)
    }

    /// The `Memory` descriptor of memory `mem`.
    pub fn memory_descriptor(&self, mem: u32) -> Result<PointerValue<'ctx>> {
        Ok(self
            .m
            .memories
            .get(mem as usize)
            .context("validated: memory index in range")?
            .as_pointer_value())
    }

    /// Current size of memory `mem` in bytes (i64); an atomic read for a shared memory.
    pub fn memory_size_bytes(&self, mem: u32) -> Result<IntValue<'ctx>> {
        let memory = self.memory_descriptor(mem)?;
        let field_ptr =
            self.b
                .build_struct_gep(self.m.abi.memory, memory, field::MEMORY_SIZE_BYTES, "")?;
        let size = self
            .b
            .build_load(self.m.llcx.i64_type(), field_ptr, "memsize")?;
        if self
            .m
            .info
            .memories
            .get(mem as usize)
            .is_some_and(|m| m.shared)
        {
            // Another thread may be growing it (`aotc_rt_memory_grow`).
            let load = inkwell::values::BasicValue::as_instruction_value(&size)
                .expect("a load instruction");
            load.set_atomic_ordering(inkwell::AtomicOrdering::Acquire)
                .expect("loads can be atomic");
            load.set_alignment(8).expect("loads take an alignment");
        }
        Ok(size.into_int_value())
    }

    /// Whether a completed access of memory `mem` proves its address is below
    /// 4 GiB - 64 KiB (see `address_facts` and [`super::module_cx::addresses_provable`]).
    pub fn addresses_provable(&self, mem: u32) -> bool {
        super::module_cx::addresses_provable(self.m.info, mem)
    }

    /// Whether memory `mem` has 64-bit indices (memory64).
    pub fn is_memory64(&self, mem: u32) -> bool {
        self.m
            .info
            .memories
            .get(mem as usize)
            .is_some_and(|m| m.memory64)
    }

    /// The integer type of `bits` (8, 16, 32 or 64).
    pub fn int_type(&self, bits: u32) -> inkwell::types::IntType<'ctx> {
        let llcx = self.m.llcx;
        match bits {
            8 => llcx.i8_type(),
            16 => llcx.i16_type(),
            32 => llcx.i32_type(),
            _ => llcx.i64_type(),
        }
    }

    pub fn i32_const(&self, v: u64) -> IntValue<'ctx> {
        self.m.llcx.i32_type().const_int(v, false)
    }

    pub fn i64_const(&self, v: u64) -> IntValue<'ctx> {
        self.m.llcx.i64_type().const_int(v, false)
    }

    /// Converts an `i1` to a wasm boolean `i32`.
    pub fn bool_to_i32(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        Ok(self.b.build_int_z_extend(v, self.m.llcx.i32_type(), "")?)
    }
}

/// Declares an overloaded LLVM intrinsic.
pub(crate) fn intrinsic<'ctx>(
    m: &ModuleCx<'_, 'ctx>,
    name: &str,
    types: &[BasicTypeEnum<'ctx>],
) -> Result<FunctionValue<'ctx>> {
    Intrinsic::find(name)
        .and_then(|i| i.get_declaration(&m.module, types))
        .with_context(|| format!("LLVM intrinsic {name} is not available"))
}

/// Emits the call to the runtime's trap function followed by `unreachable`
/// (which is correct after a `noreturn` call).
pub(crate) fn emit_trap_call<'ctx>(
    b: &Builder<'ctx>,
    m: &ModuleCx<'_, 'ctx>,
    code: TrapCode,
    func_index: u32,
) -> Result<()> {
    let i32t = m.llcx.i32_type();
    b.build_call(
        m.rt.trap,
        &[
            i32t.const_int(code as u64, false).into(),
            i32t.const_int(m.reported_func_index(func_index) as u64, false)
                .into(),
        ],
        "",
    )?;
    b.build_unreachable()?;
    Ok(())
}

/// Operators where control may merge or leave straight-line code: address facts
/// proven before them do not hold after them.
fn starts_or_ends_a_block(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::BrOnNull { .. }
            | O::BrOnNonNull { .. }
            | O::Return
            | O::Unreachable
            | O::Try { .. }
            | O::TryTable { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Rethrow { .. }
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::ReturnCallRef { .. }
    )
}
