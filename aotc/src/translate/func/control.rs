//! Control instructions: blocks, loops, if/else, branches (incl. `br_table`),
//! returns, direct and indirect calls, tail calls (`return_call`,
//! `return_call_indirect`), `select`, `drop`, `unreachable`.
//!
//! A call uses its callee's convention (`tailcc` for signatures that take part in
//! tail calls, see `module_cx::WASM_TAIL_CALL_CONV`); a tail call is a `musttail`
//! `tailcc` call followed by `ret`, which LLVM must lower to a jump (or fail loudly),
//! so tail calls never grow the stack.
//! x86-64 `tailcc` returns at most 3 integer-class and 4 float/vector results in
//! registers; with more, LLVM would return through memory the caller owns, which
//! rules out a jump, so such a tail call is refused at compile time.
//!
//! Block results flow through phis at the continuation block; loop parameters
//! through phis at the loop header. `call_indirect` checks, in order, the index
//! against the table length ("undefined element"), the entry against null
//! ("uninitialized element") and the signature id ("indirect call type mismatch").

use anyhow::{bail, Result};
use inkwell::basic_block::BasicBlock;
use inkwell::values::{
    BasicMetadataValueEnum, BasicValueEnum, CallSiteValue, IntValue, LLVMTailCallKind, PointerValue,
};
use inkwell::IntPredicate;
use wasmparser::{BlockType, Operator, ValType};

use super::{Frame, FrameKind, FuncTranslator};
use crate::translate::abi_types::field;
use aotc_abi::trap::TrapCode;

/// Integer-class (i32, i64, reference) results x86-64 `tailcc` returns in registers.
const MAX_TAIL_CALL_INT_RESULTS: usize = 3;
/// Float and vector results x86-64 `tailcc` returns in registers.
const MAX_TAIL_CALL_FLOAT_RESULTS: usize = 4;

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_control(&mut self, op: &Operator<'a>) -> Result<bool> {
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => self.trap_now(TrapCode::Unreachable)?,
            Operator::Block { blockty } => {
                self.open_block(blockty, FrameKind::Block, "block_end")?
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let header = self.m.llcx.append_basic_block(self.func, "loop");
                let next = self.m.llcx.append_basic_block(self.func, "loop_end");
                let param_phis = self.make_phis(header, &params)?;
                let result_phis = self.make_phis(next, &results)?;
                let entry_values = self.pop_n(params.len());
                let here = self.current_block();
                for (phi, v) in param_phis.iter().zip(&entry_values) {
                    phi.add_incoming(&[(v, here)]);
                }
                self.b.build_unconditional_branch(header)?;
                self.b.position_at_end(header);
                let height = self.stack.len();
                for phi in &param_phis {
                    self.push(phi.as_basic_value());
                }
                self.frames.push(Frame {
                    kind: FrameKind::Loop { header, param_phis },
                    param_types: params,
                    result_types: results,
                    next,
                    result_phis,
                    height,
                    next_reached: false,
                    outer_handlers: self.handlers.len(),
                });
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let cond = self.pop_int();
                let cond = self.is_nonzero(cond)?;
                let then_block = self.m.llcx.append_basic_block(self.func, "then");
                let else_block = self.m.llcx.append_basic_block(self.func, "else");
                let next = self.m.llcx.append_basic_block(self.func, "if_end");
                let result_phis = self.make_phis(next, &results)?;
                self.b
                    .build_conditional_branch(cond, then_block, else_block)?;
                self.b.position_at_end(then_block);
                let param_values = self.peek_n(params.len());
                let height = self.stack.len() - params.len();
                self.frames.push(Frame {
                    kind: FrameKind::If {
                        else_block,
                        params: param_values,
                        seen_else: false,
                    },
                    param_types: params,
                    result_types: results,
                    next,
                    result_phis,
                    height,
                    next_reached: false,
                    outer_handlers: self.handlers.len(),
                });
            }
            Operator::Else => self.translate_else()?,
            Operator::End => self.translate_end()?,
            Operator::Br { relative_depth } => {
                self.discard_on_branch(&[relative_depth]);
                self.branch_to(relative_depth)?;
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop_int();
                let cond = self.is_nonzero(cond)?;
                let cont = self.m.llcx.append_basic_block(self.func, "br_if_cont");
                let target = self.branch_target(relative_depth)?;
                self.b.build_conditional_branch(cond, target, cont)?;
                self.b.position_at_end(cont);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop_int();
                let default_depth = targets.default();
                let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
                let mut all = depths.clone();
                all.push(default_depth);
                self.discard_on_branch(&all);
                let default_block = self.branch_target(default_depth)?;
                let mut cases = Vec::with_capacity(depths.len());
                for (i, &depth) in depths.iter().enumerate() {
                    // Each switch edge needs its own phi entry, so add one per case.
                    let block = self.branch_target(depth)?;
                    cases.push((self.i32_const(i as u64), block));
                }
                self.b.build_switch(index, default_block, &cases)?;
                self.reachable = false;
            }
            Operator::Return => {
                self.discard_on_branch(&[self.frames.len() as u32 - 1]);
                self.build_return()?;
                self.reachable = false;
            }
            Operator::Call { function_index } => {
                let callee = self.m.function(function_index)?;
                let sig = self.m.info.signature_of_func(function_index);
                let args = self.call_args(sig.params.len());
                let call = self.call_maybe_invoke(
                    callee.get_type(),
                    callee.as_global_value().as_pointer_value(),
                    &args,
                )?;
                call.set_call_convention(callee.get_call_conventions());
                self.push_call_results(call, &sig.results.clone())?;
            }
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                let code = self.indirect_callee(type_index, table_index)?;
                let sig = &self.m.info.types[type_index as usize];
                let args = self.call_args(sig.params.len());
                let call =
                    self.call_maybe_invoke(self.m.fn_types[type_index as usize], code, &args)?;
                call.set_call_convention(self.m.call_conv(type_index));
                self.push_call_results(call, &sig.results.clone())?;
            }
            Operator::ReturnCall { function_index } => {
                let type_index = self.m.info.func_types[function_index as usize];
                self.check_tail_call_results(type_index)?;
                let callee = self.m.function(function_index)?;
                let n = self.m.info.types[type_index as usize].params.len();
                let args = self.call_args(n);
                self.discard_for_tail_call();
                let call = self.b.build_call(callee, &args, "")?;
                self.finish_tail_call(call, type_index)?;
            }
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                self.check_tail_call_results(type_index)?;
                let code = self.indirect_callee(type_index, table_index)?;
                let n = self.m.info.types[type_index as usize].params.len();
                let args = self.call_args(n);
                self.discard_for_tail_call();
                let call = self.b.build_indirect_call(
                    self.m.fn_types[type_index as usize],
                    code,
                    &args,
                    "",
                )?;
                self.finish_tail_call(call, type_index)?;
            }
            Operator::Drop => {
                let value = self.pop();
                super::preserve_loads(value);
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let cond = self.pop_int();
                let b = self.pop();
                let a = self.pop();
                let cond = self.is_nonzero(cond)?;
                let v = self.b.build_select(cond, a, b, "select")?;
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A branch discards the operand-stack values above its target's height other
    /// than the values it carries; keep the traps of loads among them (see
    /// `dead_loads`). With several targets, a value discarded on any path counts.
    pub(super) fn discard_on_branch(&self, depths: &[u32]) {
        let Some(deepest) = depths.iter().max() else {
            return;
        };
        let target = &self.frames[self.frames.len() - 1 - *deepest as usize];
        let keep = depths
            .iter()
            .map(|&d| self.frames[self.frames.len() - 1 - d as usize].branch_arity())
            .max()
            .unwrap_or(0);
        let end = self.stack.len().saturating_sub(keep);
        for &v in self.stack.get(target.height..end).unwrap_or(&[]) {
            super::preserve_loads(v);
        }
    }

    pub(super) fn block_signature(&self, blockty: BlockType) -> (Vec<ValType>, Vec<ValType>) {
        match blockty {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![t]),
            BlockType::FuncType(i) => {
                let s = &self.m.info.types[i as usize];
                (s.params.clone(), s.results.clone())
            }
        }
    }

    fn current_block(&self) -> BasicBlock<'ctx> {
        self.b.get_insert_block().expect("builder is positioned")
    }

    pub(super) fn is_nonzero(&self, v: IntValue<'ctx>) -> Result<IntValue<'ctx>> {
        Ok(self
            .b
            .build_int_compare(IntPredicate::NE, v, v.get_type().const_zero(), "")?)
    }

    /// Records the branch's values at the target of a branch to `depth` and returns
    /// the block to jump to. The values stay on the operand stack.
    fn branch_target(&mut self, depth: u32) -> Result<BasicBlock<'ctx>> {
        let index = self.frames.len() - 1 - depth as usize;
        let arity = self.frames[index].branch_arity();
        let values = self.peek_n(arity);
        self.branch_target_with(depth, &values)
    }

    /// Records `values` as the branch's values at the target of a branch to `depth`
    /// from the current block and returns the block to jump to.
    pub(super) fn branch_target_with(
        &mut self,
        depth: u32,
        values: &[BasicValueEnum<'ctx>],
    ) -> Result<BasicBlock<'ctx>> {
        let here = self.current_block();
        let index = self.frames.len() - 1 - depth as usize;
        let frame = &mut self.frames[index];
        let (target, phis) = match &frame.kind {
            FrameKind::Loop { header, param_phis } => (*header, param_phis),
            _ => {
                frame.next_reached = true;
                (frame.next, &frame.result_phis)
            }
        };
        for (phi, v) in phis.iter().zip(values) {
            phi.add_incoming(&[(v, here)]);
        }
        Ok(target)
    }

    fn branch_to(&mut self, depth: u32) -> Result<()> {
        let target = self.branch_target(depth)?;
        self.b.build_unconditional_branch(target)?;
        Ok(())
    }

    /// Falls through from the end of the current frame's body into `next`.
    pub(super) fn fall_through(&mut self) -> Result<()> {
        let depth = 0;
        let frame = self.frames.last().expect("frame");
        if let FrameKind::Loop { .. } = frame.kind {
            // Falling off a loop's end goes to its continuation, not its header.
            let here = self.current_block();
            let values = self.peek_n(frame.result_types.len());
            let frame = self.frames.last_mut().expect("frame");
            frame.next_reached = true;
            for (phi, v) in frame.result_phis.iter().zip(&values) {
                phi.add_incoming(&[(v, here)]);
            }
            let next = frame.next;
            self.b.build_unconditional_branch(next)?;
            return Ok(());
        }
        self.branch_to(depth)
    }

    pub(super) fn translate_else(&mut self) -> Result<()> {
        if self.reachable {
            self.fall_through()?;
        }
        let frame = self.frames.last_mut().expect("validated: else inside if");
        let FrameKind::If {
            else_block,
            params,
            seen_else,
        } = &mut frame.kind
        else {
            unreachable!("validated: else inside if");
        };
        *seen_else = true;
        let else_block = *else_block;
        let params = params.clone();
        let height = frame.height;
        self.stack.truncate(height);
        self.stack.extend(params);
        self.b.position_at_end(else_block);
        self.reachable = true;
        Ok(())
    }

    pub(super) fn translate_end(&mut self) -> Result<()> {
        if self.reachable {
            self.fall_through()?;
        }
        let frame = self.frames.pop().expect("validated: end matches a frame");
        match &frame.kind {
            FrameKind::TryTable {
                landing_pad,
                catches,
            } => {
                self.handlers.pop();
                self.emit_try_table_dispatch(*landing_pad, catches)?;
            }
            FrameKind::Try(state) => self.finish_legacy_try(state)?,
            _ => {}
        }
        self.finish_frame(frame)
    }

    /// The continuation of a popped frame: results, or the function's return.
    pub(super) fn finish_frame(&mut self, frame: super::Frame<'ctx>) -> Result<()> {
        if let FrameKind::If {
            else_block,
            params,
            seen_else: false,
        } = &frame.kind
        {
            // No else: the false branch passes the parameters through as results.
            self.b.position_at_end(*else_block);
            for (phi, v) in frame.result_phis.iter().zip(params) {
                phi.add_incoming(&[(v, *else_block)]);
            }
            self.b.build_unconditional_branch(frame.next)?;
        }
        let next_reached = frame.next_reached
            || matches!(
                frame.kind,
                FrameKind::If {
                    seen_else: false,
                    ..
                }
            );
        self.stack.truncate(frame.height);
        if let FrameKind::Function = frame.kind {
            self.b.position_at_end(frame.next);
            if next_reached {
                let values: Vec<BasicValueEnum> = frame
                    .result_phis
                    .iter()
                    .map(|p| p.as_basic_value())
                    .collect();
                self.stack.extend(values);
                self.build_return()?;
            } else {
                // Nothing returns normally (e.g. the body ends in `unreachable`).
                for phi in &frame.result_phis {
                    phi.as_instruction().erase_from_basic_block();
                }
                self.b.build_unreachable()?;
            }
            self.reachable = false;
            return Ok(());
        }
        if next_reached {
            self.b.position_at_end(frame.next);
            for phi in &frame.result_phis {
                self.stack.push(phi.as_basic_value());
            }
            self.reachable = true;
        } else {
            // Nothing reaches the continuation: drop it and stay unreachable.
            for phi in &frame.result_phis {
                phi.as_instruction().erase_from_basic_block();
            }
            // SAFETY-free: the block has no uses once its phis are gone.
            let _ = frame.next.remove_from_function();
            self.reachable = false;
        }
        Ok(())
    }

    /// Returns the top values as the function's results.
    fn build_return(&mut self) -> Result<()> {
        let n = self.m.info.signature_of_func(self.func_index).results.len();
        let values = self.peek_n(n);
        match values.as_slice() {
            [] => self.b.build_return(None)?,
            [v] => self.b.build_return(Some(v))?,
            many => self.b.build_aggregate_return(many)?,
        };
        Ok(())
    }

    pub(super) fn call_args(&mut self, n: usize) -> Vec<BasicMetadataValueEnum<'ctx>> {
        self.pop_n(n).into_iter().map(Into::into).collect()
    }

    fn push_call_results(&mut self, call: CallSiteValue<'ctx>, results: &[ValType]) -> Result<()> {
        let values = self.call_results(call, results.len())?;
        self.stack.extend(values);
        Ok(())
    }

    /// The `n` wasm results of `call`, in order.
    pub(super) fn call_results(
        &self,
        call: CallSiteValue<'ctx>,
        n: usize,
    ) -> Result<Vec<BasicValueEnum<'ctx>>> {
        Ok(match n {
            0 => Vec::new(),
            1 => vec![call
                .try_as_basic_value()
                .basic()
                .expect("call returns a value")],
            n => {
                let agg = call
                    .try_as_basic_value()
                    .basic()
                    .expect("call returns a struct")
                    .into_struct_value();
                (0..n)
                    .map(|i| Ok(self.b.build_extract_value(agg, i as u32, "")?))
                    .collect::<Result<_>>()?
            }
        })
    }

    /// Refuses a tail call whose results x86-64 `tailcc` cannot return in registers
    /// (see the module doc): LLVM could not make it a jump.
    pub(super) fn check_tail_call_results(&self, type_index: u32) -> Result<()> {
        let results = &self.m.info.types[type_index as usize].results;
        let floats = results
            .iter()
            .filter(|t| matches!(t, ValType::F32 | ValType::F64 | ValType::V128))
            .count();
        let ints = results.len() - floats;
        if ints > MAX_TAIL_CALL_INT_RESULTS || floats > MAX_TAIL_CALL_FLOAT_RESULTS {
            bail!(
                "a tail call to a function with {ints} integer or reference and {floats} \
                 float or vector results is not supported (at most \
                 {MAX_TAIL_CALL_INT_RESULTS} and {MAX_TAIL_CALL_FLOAT_RESULTS} are returned in \
                 registers, which a guaranteed tail call needs)"
            );
        }
        Ok(())
    }

    /// The values under a tail call's arguments are dropped with the frame: keep
    /// the traps of loads among them, as a `return` does.
    pub(super) fn discard_for_tail_call(&self) {
        for &v in &self.stack[self.frames[0].height..] {
            super::preserve_loads(v);
        }
    }

    /// Makes `call` a guaranteed tail call: `tailcc`, `musttail`, its result returned.
    pub(super) fn finish_tail_call(
        &mut self,
        call: CallSiteValue<'ctx>,
        type_index: u32,
    ) -> Result<()> {
        call.set_call_convention(self.m.call_conv(type_index));
        call.set_tail_call_kind(LLVMTailCallKind::LLVMTailCallKindMustTail);
        match call.try_as_basic_value().basic() {
            Some(v) => self.b.build_return(Some(&v))?,
            None => self.b.build_return(None)?,
        };
        self.reachable = false;
        Ok(())
    }

    /// The code pointer of table `table_index`'s entry at the index on the stack,
    /// after the checks of `call_indirect` (bounds, null, signature).
    fn indirect_callee(&mut self, type_index: u32, table_index: u32) -> Result<PointerValue<'ctx>> {
        let m = self.m;
        let ptr_t = m.llcx.ptr_type(Default::default());
        let index = self.pop_int();
        let table = m.tables[table_index as usize].as_pointer_value();
        let len_ptr = self
            .b
            .build_struct_gep(m.abi.table, table, field::TABLE_LEN, "")?;
        let len = self
            .b
            .build_load(m.llcx.i32_type(), len_ptr, "table_len")?
            .into_int_value();
        let out_of_range = self
            .b
            .build_int_compare(IntPredicate::UGE, index, len, "")?;
        self.trap_if(out_of_range, TrapCode::UndefinedElement)?;
        let elems_ptr = self
            .b
            .build_struct_gep(m.abi.table, table, field::TABLE_ELEMENTS, "")?;
        let elems = self
            .b
            .build_load(ptr_t, elems_ptr, "elements")?
            .into_pointer_value();
        let index64 = self.b.build_int_z_extend(index, m.llcx.i64_type(), "")?;
        // SAFETY (of the generated code): index < len was checked above.
        let slot = unsafe { self.b.build_gep(ptr_t, elems, &[index64], "slot")? };
        let record = self
            .b
            .build_load(ptr_t, slot, "funcref")?
            .into_pointer_value();
        let is_null = self.b.build_is_null(record, "")?;
        self.trap_if(is_null, TrapCode::UninitializedElement)?;
        let type_id = self.record_type_id(record)?;
        let expected = self.i64_const(m.type_ids[type_index as usize]);
        let mismatch = self
            .b
            .build_int_compare(IntPredicate::NE, type_id, expected, "")?;
        self.trap_if(mismatch, TrapCode::IndirectCallTypeMismatch)?;
        self.record_code(record)
    }

    /// The signature id of the `FuncRecord` a non-null reference points to.
    pub(super) fn record_type_id(&self, record: PointerValue<'ctx>) -> Result<IntValue<'ctx>> {
        let i64t = self.m.llcx.i64_type().into();
        Ok(self
            .record_field(record, field::RECORD_TYPE_ID, i64t)?
            .into_int_value())
    }

    /// The code pointer of the `FuncRecord` a non-null reference points to.
    pub(super) fn record_code(&self, record: PointerValue<'ctx>) -> Result<PointerValue<'ctx>> {
        let ptr_t = self.m.llcx.ptr_type(Default::default()).into();
        Ok(self
            .record_field(record, field::RECORD_CODE, ptr_t)?
            .into_pointer_value())
    }

    fn record_field(
        &self,
        record: PointerValue<'ctx>,
        index: u32,
        ty: inkwell::types::BasicTypeEnum<'ctx>,
    ) -> Result<BasicValueEnum<'ctx>> {
        let m = self.m;
        let ptr = self
            .b
            .build_struct_gep(m.abi.func_record, record, index, "")?;
        Ok(self.b.build_load(ty, ptr, "")?)
    }
}
