//! Variable instructions: `local.get/set/tee` (allocas promoted to SSA by LLVM) and
//! `global.get/set` (constants for immutable globals, LLVM globals otherwise).

use anyhow::Result;
use inkwell::values::BasicValue;
use wasmparser::Operator;

use super::FuncTranslator;
use crate::translate::module_cx::{AliasClass, GlobalSlot};

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_variable(&mut self, op: &Operator<'a>) -> Result<bool> {
        match *op {
            Operator::LocalGet { local_index } => {
                let (slot, ty) = self.locals[local_index as usize];
                self.local_read[local_index as usize] = true;
                let v = self.b.build_load(ty, slot, "")?;
                if v.is_int_value() {
                    self.address_facts
                        .local_read(local_index, v.into_int_value());
                }
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.note_local_write(local_index, v);
                self.local_writes.push((local_index, v));
                self.b.build_store(self.locals[local_index as usize].0, v)?;
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated: tee operand");
                self.note_local_write(local_index, v);
                self.local_writes.push((local_index, v));
                self.b.build_store(self.locals[local_index as usize].0, v)?;
            }
            Operator::GlobalGet { global_index } => match self.m.note_global_read(global_index) {
                GlobalSlot::Constant(c) => self.push(c),
                GlobalSlot::Variable(g, ty) => {
                    let v = self.b.build_load(ty, g.as_pointer_value(), "")?;
                    self.m
                        .alias_tag(v.as_instruction_value(), AliasClass::WasmGlobal);
                    self.push(v);
                }
            },
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                self.m.note_global_write(global_index, v);
                match self.m.globals[global_index as usize] {
                    GlobalSlot::Variable(g, _) => {
                        let store = self.b.build_store(g.as_pointer_value(), v)?;
                        self.m.alias_tag(Some(store), AliasClass::WasmGlobal);
                    }
                    GlobalSlot::Constant(_) => {
                        unreachable!("validated: global.set of a mutable global")
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Keeps the address facts about `local` in step with a write of `v`.
    fn note_local_write(&mut self, local: u32, v: inkwell::values::BasicValueEnum<'ctx>) {
        if v.is_int_value() {
            self.address_facts.local_written(local, v.into_int_value());
        } else {
            self.address_facts.local_overwritten(local);
        }
    }
}
