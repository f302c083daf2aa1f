//! Typed function references (WebAssembly 3.0): `call_ref`, `return_call_ref`,
//! `ref.as_non_null`, `br_on_null` and `br_on_non_null`.
//!
//! A function reference is a pointer to a `FuncRecord` (as for `funcref`, see
//! `table`), so a typed reference costs nothing over an untyped one. `call_ref` needs
//! no signature check (validation guarantees the reference's type), only a null check
//! ("null function reference"); it calls the record's code with the convention of its
//! type (`ModuleCx::call_conv`), and `return_call_ref` is a guaranteed tail call like
//! `return_call_indirect`. Within one module every function of a type shares that
//! convention. Only embedded modules (the JIT, the spec harness) exchange references
//! between separately compiled modules, which may disagree on a type's convention:
//! there the record's type id says which one its code uses (`TAIL_CALL_TYPE_TAG`) and
//! the call follows it; a tail call through such a foreign reference is a plain call
//! and return (LLVM cannot make a jump between conventions).

use anyhow::Result;
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;
use wasmparser::Operator;

use super::FuncTranslator;
use crate::translate::module_cx::{
    Embedding, C_CALL_CONV, TAIL_CALL_TYPE_TAG, WASM_TAIL_CALL_CONV,
};
use aotc_abi::trap::TrapCode;

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_typed_refs(&mut self, op: &Operator<'a>) -> Result<bool> {
        match *op {
            Operator::RefAsNonNull => {
                let r = self.pop().into_pointer_value();
                let is_null = self.b.build_is_null(r, "")?;
                self.trap_if(is_null, TrapCode::NullReference)?;
                self.push(r);
            }
            Operator::BrOnNull { relative_depth } => {
                let r = self.pop().into_pointer_value();
                let is_null = self.b.build_is_null(r, "")?;
                let values = self.peek_n(self.branch_arity_at(relative_depth));
                let target = self.branch_target_with(relative_depth, &values)?;
                let cont = self.m.llcx.append_basic_block(self.func, "non_null");
                self.b.build_conditional_branch(is_null, target, cont)?;
                self.b.position_at_end(cont);
                self.push(r);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // The label's last value is the reference itself.
                let r = self.pop().into_pointer_value();
                let is_null = self.b.build_is_null(r, "")?;
                let mut values = self.peek_n(self.branch_arity_at(relative_depth) - 1);
                values.push(r.into());
                let target = self.branch_target_with(relative_depth, &values)?;
                let cont = self.m.llcx.append_basic_block(self.func, "null");
                self.b.build_conditional_branch(is_null, cont, target)?;
                self.b.position_at_end(cont);
            }
            Operator::CallRef { type_index } => self.call_ref(type_index, false)?,
            Operator::ReturnCallRef { type_index } => self.call_ref(type_index, true)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn branch_arity_at(&self, depth: u32) -> usize {
        self.frames[self.frames.len() - 1 - depth as usize].branch_arity()
    }

    /// `call_ref` (or, with `tail`, `return_call_ref`) of a function of type
    /// `type_index` through the reference on top of the stack.
    fn call_ref(&mut self, type_index: u32, tail: bool) -> Result<()> {
        if tail {
            self.check_tail_call_results(type_index)?;
        }
        let m = self.m;
        let record = self.pop().into_pointer_value();
        let is_null = self.b.build_is_null(record, "")?;
        self.trap_if(is_null, TrapCode::NullFunctionReference)?;
        let code = self.record_code(record)?;
        let args = self.call_args(m.info.types[type_index as usize].params.len());
        if tail {
            self.discard_for_tail_call();
        }
        let own = m.call_conv(type_index);
        let Some(foreign) = self.foreign_convention(record, type_index)? else {
            let results = self.call_code(type_index, code, &args, own, tail)?;
            self.stack.extend(results);
            return Ok(());
        };
        let other = if own == WASM_TAIL_CALL_CONV {
            C_CALL_CONV
        } else {
            WASM_TAIL_CALL_CONV
        };
        let own_block = m.llcx.append_basic_block(self.func, "call_ref");
        let other_block = m.llcx.append_basic_block(self.func, "call_ref_foreign");
        self.b
            .build_conditional_branch(foreign, other_block, own_block)?;
        let mut arms = Vec::with_capacity(2);
        for (block, conv) in [(own_block, own), (other_block, other)] {
            self.b.position_at_end(block);
            let results = self.call_code(type_index, code, &args, conv, tail)?;
            arms.push((results, self.b.get_insert_block().expect("positioned")));
        }
        if tail {
            return Ok(());
        }
        let merge = m.llcx.append_basic_block(self.func, "call_ref_done");
        for &(_, end) in &arms {
            self.b.position_at_end(end);
            self.b.build_unconditional_branch(merge)?;
        }
        let result_types = m.info.types[type_index as usize].results.clone();
        let phis = self.make_phis(merge, &result_types)?;
        self.b.position_at_end(merge);
        for (i, phi) in phis.iter().enumerate() {
            for (results, end) in &arms {
                phi.add_incoming(&[(&results[i], *end)]);
            }
            self.push(phi.as_basic_value());
        }
        Ok(())
    }

    /// Calls `code` (a function of type `type_index`) with calling convention `conv`;
    /// returns its results, or, for a tail call, returns them from this function.
    fn call_code(
        &mut self,
        type_index: u32,
        code: PointerValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
        conv: u32,
        tail: bool,
    ) -> Result<Vec<BasicValueEnum<'ctx>>> {
        let fn_type = self.m.fn_types[type_index as usize];
        if tail {
            let call = self.b.build_indirect_call(fn_type, code, args, "")?;
            if conv == self.m.call_conv(type_index) {
                self.finish_tail_call(call, type_index)?;
            } else {
                call.set_call_convention(conv);
                match call.try_as_basic_value().basic() {
                    Some(v) => self.b.build_return(Some(&v))?,
                    None => self.b.build_return(None)?,
                };
                self.reachable = false;
            }
            return Ok(Vec::new());
        }
        let call = self.call_maybe_invoke(fn_type, code, args)?;
        call.set_call_convention(conv);
        let n = self.m.info.types[type_index as usize].results.len();
        self.call_results(call, n)
    }

    /// In an embedded module, whether the function `record` refers to uses the other
    /// calling convention than this module's for `type_index` (see the module doc);
    /// `None` for a command, whose references are all its own.
    fn foreign_convention(
        &self,
        record: PointerValue<'ctx>,
        type_index: u32,
    ) -> Result<Option<IntValue<'ctx>>> {
        if !matches!(self.m.embedding, Embedding::Embedded { .. }) {
            return Ok(None);
        }
        let m = self.m;
        let id = self.record_type_id(record)?;
        let tag = self
            .b
            .build_and(id, self.i64_const(TAIL_CALL_TYPE_TAG), "")?;
        let own_tag = if m.info.tail_call_types[type_index as usize] {
            TAIL_CALL_TYPE_TAG
        } else {
            0
        };
        Ok(Some(self.b.build_int_compare(
            IntPredicate::NE,
            tag,
            self.i64_const(own_tag),
            "foreign_convention",
        )?))
    }
}
