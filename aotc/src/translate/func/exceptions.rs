//! Exception handling: `throw`, `throw_ref`, `try_table` (WebAssembly 3.0) and the
//! legacy `try`/`catch`/`catch_all`/`rethrow`/`delegate`, lowered to native
//! unwinding (see `aotc_rt_core::exn` for the runtime half).
//!
//! Zero cost when nothing is thrown: a try block emits no code of its own. While one
//! is open, calls are LLVM `invoke`s whose unwind edge goes to the block's landing
//! pad ([`FuncTranslator::handlers`], innermost last); outside any, calls stay plain
//! calls and an exception unwinds straight through the frame. A landing pad catches
//! every wasm exception (`catch ptr null`); the code after it compares the tag
//! identity with each clause in order and, when none matches, raises the same object
//! again from there, covered by the enclosing handler (or unwinding to the caller).
//!
//! Exception values (`exnref`) are pointers to the runtime's exception object; the
//! payload is read and written at the offsets of `aotc_abi::exn`. A `try_table`
//! `catch`/`catch_all` (no reference kept) frees the object; anything that may still
//! refer to it (`catch_ref`, `catch_all_ref`, a legacy `catch` that `rethrow` may
//! name) leaves it allocated.

use anyhow::Result;
use inkwell::basic_block::BasicBlock;
use inkwell::module::Linkage;
use inkwell::types::{BasicTypeEnum, FunctionType};
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum, CallSiteValue};
use inkwell::values::{FunctionValue, PointerValue};
use inkwell::IntPredicate;
use wasmparser::{Catch, Operator, TryTable};

use super::{Frame, FrameKind, FuncTranslator};
use crate::translate::module_cx::{enum_attr, llvm_type};
use aotc_abi::exn;
use aotc_abi::sym;
use aotc_abi::trap::TrapCode;

/// A try block whose handler is in force: calls unwind to `landing_pad`.
pub(crate) struct Handler<'ctx> {
    pub landing_pad: BasicBlock<'ctx>,
}

/// State of a legacy `try` frame.
pub(crate) struct LegacyTry<'ctx> {
    pub landing_pad: BasicBlock<'ctx>,
    /// Still in the `do` body (its handler in force), before any `catch`.
    pub in_body: bool,
    /// The caught exception, in `catch` bodies (what `rethrow` raises again).
    pub caught: Option<PointerValue<'ctx>>,
    /// Where the test of the next clause goes; `None` after `catch_all`.
    pub next_test: Option<BasicBlock<'ctx>>,
}

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_exceptions(&mut self, op: &Operator<'a>) -> Result<bool> {
        match op {
            Operator::Throw { tag_index } => self.throw(*tag_index)?,
            Operator::ThrowRef => {
                let exn = self.pop().into_pointer_value();
                let is_null = self.b.build_is_null(exn, "")?;
                self.trap_if(is_null, TrapCode::NullExnRef)?;
                self.raise(exn)?;
            }
            Operator::TryTable { try_table } => self.open_try_table(try_table)?,
            Operator::Try { blockty } => {
                let landing_pad = self.m.llcx.append_basic_block(self.func, "try_pad");
                self.open_block(
                    *blockty,
                    FrameKind::Try(LegacyTry {
                        landing_pad,
                        in_body: true,
                        caught: None,
                        next_test: None,
                    }),
                    "try_end",
                )?;
                self.handlers.push(Handler { landing_pad });
            }
            Operator::Catch { tag_index } => self.translate_catch(Some(*tag_index))?,
            Operator::CatchAll => self.translate_catch(None)?,
            Operator::Rethrow { relative_depth } => {
                let index = self.frames.len() - 1 - *relative_depth as usize;
                let FrameKind::Try(LegacyTry {
                    caught: Some(exn), ..
                }) = self.frames[index].kind
                else {
                    unreachable!("validated: rethrow names a catch");
                };
                self.raise(exn)?;
            }
            Operator::Delegate { relative_depth } => self.translate_delegate(*relative_depth)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A call to a wasm function (or the runtime's raise): an `invoke` unwinding to
    /// the innermost handler when a try block is open, else a plain call.
    pub(super) fn call_maybe_invoke(
        &mut self,
        fn_type: FunctionType<'ctx>,
        callee: PointerValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> Result<CallSiteValue<'ctx>> {
        let Some(handler) = self.handlers.last() else {
            return Ok(self.b.build_indirect_call(fn_type, callee, args, "")?);
        };
        let landing_pad = handler.landing_pad;
        let cont = self.m.llcx.append_basic_block(self.func, "invoke_cont");
        let args: Vec<BasicValueEnum<'ctx>> = args
            .iter()
            .map(|a| BasicValueEnum::try_from(*a).expect("wasm arguments are basic values"))
            .collect();
        let call = self
            .b
            .build_indirect_invoke(fn_type, callee, &args, cont, landing_pad, "")?;
        self.b.position_at_end(cont);
        Ok(call)
    }

    /// `throw tag`: a new exception object with the tag's parameters as payload.
    fn throw(&mut self, tag_index: u32) -> Result<()> {
        let ty = self.m.info.tags[tag_index as usize];
        let params = self.m.info.types[ty as usize].params.clone();
        let values = self.pop_n(params.len());
        let i32t = self.m.llcx.i32_type();
        let exn_new = self.runtime_fn(sym::EXN_NEW, |llcx| {
            let ptr = llcx.ptr_type(Default::default());
            ptr.fn_type(&[ptr.into(), i32t.into(), i32t.into(), i32t.into()], false)
        });
        let args = [
            self.m.tags[tag_index as usize].as_pointer_value().into(),
            i32t.const_int(u64::from(tag_index), false).into(),
            i32t.const_int(
                u64::from(self.m.reported_func_index(self.func_index)),
                false,
            )
            .into(),
            i32t.const_int(params.len() as u64, false).into(),
        ];
        let exn = self
            .b
            .build_call(exn_new, &args, "exn")?
            .try_as_basic_value()
            .basic()
            .expect("exn_new returns a pointer")
            .into_pointer_value();
        for (i, v) in values.iter().enumerate() {
            let slot = self.payload_slot(exn, i)?;
            self.b.build_store(slot, *v)?;
        }
        self.raise(exn)
    }

    /// Raises `exn` (a non-null exception object); code after it is unreachable.
    fn raise(&mut self, exn: PointerValue<'ctx>) -> Result<()> {
        let throw = self.throw_fn();
        let ptr = throw.as_global_value().as_pointer_value();
        self.call_maybe_invoke(throw.get_type(), ptr, &[exn.into()])?;
        self.keep_stack_loads();
        self.b.build_unreachable()?;
        self.reachable = false;
        Ok(())
    }

    /// Address of payload slot `i` of `exn`.
    fn payload_slot(&self, exn: PointerValue<'ctx>, i: usize) -> Result<PointerValue<'ctx>> {
        let offset = exn::PAYLOAD_OFFSET + i as u64 * exn::SLOT_SIZE;
        // SAFETY (of the generated code): the object has a slot per tag parameter.
        Ok(unsafe {
            self.b.build_gep(
                self.m.llcx.i8_type(),
                exn,
                &[self.i64_const(offset)],
                "slot",
            )?
        })
    }

    /// Loads the payload of `exn`, thrown with tag `tag_index`.
    fn payload(
        &self,
        exn: PointerValue<'ctx>,
        tag_index: u32,
    ) -> Result<Vec<BasicValueEnum<'ctx>>> {
        let ty = self.m.info.tags[tag_index as usize];
        let params = &self.m.info.types[ty as usize].params;
        let mut values = Vec::with_capacity(params.len());
        for (i, &t) in params.iter().enumerate() {
            let llty: BasicTypeEnum = llvm_type(self.m.llcx, t)?;
            let slot = self.payload_slot(exn, i)?;
            values.push(self.b.build_load(llty, slot, "payload")?);
        }
        Ok(values)
    }

    /// Branches to `matched` when `exn` carries tag `tag_index`, else to a new block,
    /// which is returned (the builder stays where it was, at the test's block end).
    fn test_tag(
        &self,
        exn: PointerValue<'ctx>,
        tag_index: u32,
        matched: BasicBlock<'ctx>,
    ) -> Result<BasicBlock<'ctx>> {
        let ptr = self.m.llcx.ptr_type(Default::default());
        // SAFETY (of the generated code): every exception object has a tag field.
        let tag_field = unsafe {
            self.b.build_gep(
                self.m.llcx.i8_type(),
                exn,
                &[self.i64_const(exn::TAG_OFFSET)],
                "tag_field",
            )?
        };
        let tag = self
            .b
            .build_load(ptr, tag_field, "tag")?
            .into_pointer_value();
        let wanted = self.m.tags[tag_index as usize].as_pointer_value();
        let is = self
            .b
            .build_int_compare(IntPredicate::EQ, tag, wanted, "is_tag")?;
        let other = self.m.llcx.append_basic_block(self.func, "catch_next");
        self.b.build_conditional_branch(is, matched, other)?;
        Ok(other)
    }

    /// Positions at `landing_pad` and emits the `landingpad` instruction catching
    /// every wasm exception; returns the exception object.
    fn begin_landing_pad(&self, landing_pad: BasicBlock<'ctx>) -> Result<PointerValue<'ctx>> {
        let llcx = self.m.llcx;
        let ptr = llcx.ptr_type(Default::default());
        let personality = self.personality_fn();
        self.func.set_personality_function(personality);
        self.b.position_at_end(landing_pad);
        let pad_type = llcx.struct_type(&[ptr.into(), llcx.i32_type().into()], false);
        let pad = self.b.build_landing_pad(
            pad_type,
            personality,
            &[ptr.const_null().into()],
            false,
            "pad",
        )?;
        Ok(self
            .b
            .build_extract_value(pad.into_struct_value(), 0, "exn")?
            .into_pointer_value())
    }

    fn open_try_table(&mut self, try_table: &TryTable) -> Result<()> {
        let landing_pad = self.m.llcx.append_basic_block(self.func, "try_table_pad");
        self.open_block(
            try_table.ty,
            FrameKind::TryTable {
                landing_pad,
                catches: try_table.catches.clone(),
            },
            "try_end",
        )?;
        self.handlers.push(Handler { landing_pad });
        Ok(())
    }

    /// At a `try_table`'s `end` (its frame popped, its handler no longer in force):
    /// the clauses, tried in order, each a branch to its label.
    pub(super) fn emit_try_table_dispatch(
        &mut self,
        landing_pad: BasicBlock<'ctx>,
        catches: &[Catch],
    ) -> Result<()> {
        let here = self.b.get_insert_block();
        let was_reachable = self.reachable;
        let exn = self.begin_landing_pad(landing_pad)?;
        let mut exhaustive = false;
        for catch in catches {
            let (tag, label, keep_ref) = match *catch {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let matched = self.m.llcx.append_basic_block(self.func, "catch");
            let next = match tag {
                Some(tag) => Some(self.test_tag(exn, tag, matched)?),
                None => {
                    self.b.build_unconditional_branch(matched)?;
                    None
                }
            };
            self.b.position_at_end(matched);
            let mut values = match tag {
                Some(tag) => self.payload(exn, tag)?,
                None => Vec::new(),
            };
            if keep_ref {
                values.push(exn.into());
            } else {
                let free = self.runtime_fn(sym::EXN_FREE, |llcx| {
                    let ptr = llcx.ptr_type(Default::default());
                    llcx.void_type().fn_type(&[ptr.into()], false)
                });
                self.b.build_call(free, &[exn.into()], "")?;
            }
            let target = self.branch_target_with(label, &values)?;
            self.b.build_unconditional_branch(target)?;
            match next {
                Some(next) => self.b.position_at_end(next),
                None => {
                    exhaustive = true;
                    break;
                }
            }
        }
        if !exhaustive {
            self.raise(exn)?;
        }
        if let Some(here) = here {
            self.b.position_at_end(here);
        }
        self.reachable = was_reachable;
        Ok(())
    }

    /// A legacy `catch tag` (`Some`) or `catch_all` (`None`) clause begins.
    fn translate_catch(&mut self, tag: Option<u32>) -> Result<()> {
        if self.reachable {
            self.fall_through()?;
        }
        let index = self.frames.len() - 1;
        let FrameKind::Try(state) = &self.frames[index].kind else {
            unreachable!("validated: catch inside try");
        };
        let (in_body, landing_pad, caught, next_test) = (
            state.in_body,
            state.landing_pad,
            state.caught,
            state.next_test,
        );
        let exn = if in_body {
            self.handlers.pop();
            self.begin_landing_pad(landing_pad)?
        } else {
            let test = next_test.expect("validated: nothing follows catch_all");
            self.b.position_at_end(test);
            caught.expect("a clause before this one caught")
        };
        let body = self.m.llcx.append_basic_block(self.func, "catch");
        let next_test = match tag {
            Some(tag) => Some(self.test_tag(exn, tag, body)?),
            None => {
                self.b.build_unconditional_branch(body)?;
                None
            }
        };
        self.b.position_at_end(body);
        let height = self.frames[index].height;
        self.stack.truncate(height);
        if let Some(tag) = tag {
            let values = self.payload(exn, tag)?;
            self.stack.extend(values);
        }
        let FrameKind::Try(state) = &mut self.frames[index].kind else {
            unreachable!("checked above");
        };
        state.in_body = false;
        state.caught = Some(exn);
        state.next_test = next_test;
        self.reachable = true;
        Ok(())
    }

    /// At the `end` of a legacy `try` (frame popped): an exception no clause took
    /// goes on to the enclosing handler.
    pub(super) fn finish_legacy_try(&mut self, state: &LegacyTry<'ctx>) -> Result<()> {
        let here = self.b.get_insert_block();
        let was_reachable = self.reachable;
        if state.in_body {
            self.handlers.pop();
            let exn = self.begin_landing_pad(state.landing_pad)?;
            self.raise(exn)?;
        } else if let (Some(test), Some(exn)) = (state.next_test, state.caught) {
            self.b.position_at_end(test);
            self.raise(exn)?;
        }
        if let Some(here) = here {
            self.b.position_at_end(here);
        }
        self.reachable = was_reachable;
        Ok(())
    }

    /// `delegate l`: ends a legacy `try` whose exceptions go to the handler in force at
    /// label `l` (that try's own, if `l` is a try still in its body), or to the caller.
    fn translate_delegate(&mut self, depth: u32) -> Result<()> {
        if self.reachable {
            self.fall_through()?;
        }
        let frame = self.frames.pop().expect("validated: delegate ends a try");
        let FrameKind::Try(state) = &frame.kind else {
            unreachable!("validated: delegate ends a try");
        };
        self.handlers.pop();
        let here = self.b.get_insert_block();
        let was_reachable = self.reachable;
        let exn = self.begin_landing_pad(state.landing_pad)?;
        let target = &self.frames[self.frames.len() - 1 - depth as usize];
        // The handlers in force at the target: none at the function's label; a try
        // still in its body adds its own (pushed right after it opened).
        let keep = match &target.kind {
            FrameKind::Function => 0,
            FrameKind::Try(LegacyTry { in_body: true, .. }) => target.outer_handlers + 1,
            _ => target.outer_handlers,
        };
        let rest = self.handlers.split_off(keep.min(self.handlers.len()));
        self.raise(exn)?;
        self.handlers.extend(rest);
        if let Some(here) = here {
            self.b.position_at_end(here);
        }
        self.reachable = was_reachable;
        self.finish_frame(frame)
    }

    /// Opens a block-like frame of `kind` (`block`, `try`, `try_table`: the operand
    /// values stay where they are) whose end is the basic block `end_name`.
    pub(super) fn open_block(
        &mut self,
        blockty: wasmparser::BlockType,
        kind: FrameKind<'ctx>,
        end_name: &str,
    ) -> Result<()> {
        let (params, results) = self.block_signature(blockty);
        let next = self.m.llcx.append_basic_block(self.func, end_name);
        let result_phis = self.make_phis(next, &results)?;
        let height = self.stack.len() - params.len();
        let outer_handlers = self.handlers.len();
        self.frames.push(Frame {
            kind,
            param_types: params,
            result_types: results,
            next,
            result_phis,
            height,
            next_reached: false,
            outer_handlers,
        });
        Ok(())
    }

    /// A runtime function, declared on first use (so modules without exceptions
    /// reference none of them; `atomics` declares its wait/notify calls the same way).
    pub(super) fn runtime_fn(
        &self,
        name: &str,
        ty: impl FnOnce(&'ctx inkwell::context::Context) -> FunctionType<'ctx>,
    ) -> FunctionValue<'ctx> {
        if let Some(f) = self.m.module.get_function(name) {
            return f;
        }
        let llcx = self.m.llcx;
        let f = self
            .m
            .module
            .add_function(name, ty(llcx), Some(Linkage::External));
        f.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            enum_attr(llcx, "nounwind", 0),
        );
        f
    }

    /// `aotc_rt_throw`: unwinds (so not `nounwind`), never returns.
    fn throw_fn(&self) -> FunctionValue<'ctx> {
        if let Some(f) = self.m.module.get_function(sym::THROW) {
            return f;
        }
        let llcx = self.m.llcx;
        let ptr = llcx.ptr_type(Default::default());
        let f = self.m.module.add_function(
            sym::THROW,
            llcx.void_type().fn_type(&[ptr.into()], false),
            Some(Linkage::External),
        );
        f.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            enum_attr(llcx, "noreturn", 0),
        );
        f.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            enum_attr(llcx, "cold", 0),
        );
        f
    }

    fn personality_fn(&self) -> FunctionValue<'ctx> {
        if let Some(f) = self.m.module.get_function(sym::PERSONALITY) {
            return f;
        }
        let llcx = self.m.llcx;
        self.m.module.add_function(
            sym::PERSONALITY,
            llcx.i32_type().fn_type(&[], true),
            Some(Linkage::External),
        )
    }
}
