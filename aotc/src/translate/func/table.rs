//! Table and reference instructions (sandbox-critical: table bounds): `table.get/set`
//! (checked inline), `table.size`, `table.grow/fill/copy/init` (runtime calls that
//! return a trap code), `elem.drop`, `ref.null/is_null/func`.
//!
//! A reference is a pointer: null, a `FuncRecord` (funcref) or an opaque host
//! value (externref). Table elements are stored as pointer-sized integers.

use anyhow::Result;
use inkwell::values::{BasicMetadataValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;
use wasmparser::Operator;

use super::FuncTranslator;
use crate::translate::abi_types::field;
use aotc_abi::trap::TrapCode;

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_table(&mut self, op: &Operator<'a>) -> Result<bool> {
        let ptr_t = self.m.llcx.ptr_type(Default::default());
        match *op {
            Operator::RefNull { .. } => self.push(ptr_t.const_null()),
            Operator::RefIsNull => {
                let r = self.pop().into_pointer_value();
                let c = self.b.build_is_null(r, "")?;
                let v = self.bool_to_i32(c)?;
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                let record = self.m.func_record(function_index)?;
                self.push(record.as_pointer_value());
            }
            Operator::TableGet { table } => {
                let index = self.pop_int();
                let slot = self.checked_table_slot(table, index)?;
                let v = self.b.build_load(ptr_t, slot, "ref")?;
                self.push(v);
            }
            Operator::TableSet { table } => {
                let value = self.pop();
                let index = self.pop_int();
                let slot = self.checked_table_slot(table, index)?;
                self.b.build_store(slot, value)?;
            }
            Operator::TableSize { table } => {
                let len = self.table_len(table)?;
                self.push(len);
            }
            Operator::TableGrow { table } => {
                let delta = self.pop_int();
                let init = self.pop().into_pointer_value();
                let init = self.ref_to_word(init)?;
                let t = self.m.tables[table as usize].as_pointer_value();
                let old = self
                    .runtime_call(self.m.rt.table_grow, &[t.into(), init.into(), delta.into()])?;
                self.push(old);
            }
            Operator::TableFill { table } => {
                let len = self.pop_int();
                let value = self.pop().into_pointer_value();
                let value = self.ref_to_word(value)?;
                let dst = self.pop_int();
                let t = self.m.tables[table as usize].as_pointer_value();
                let status = self.runtime_call(
                    self.m.rt.table_fill,
                    &[t.into(), dst.into(), value.into(), len.into()],
                )?;
                self.trap_on_status(status)?;
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let len = self.pop_int();
                let src = self.pop_int();
                let dst = self.pop_int();
                let d = self.m.tables[dst_table as usize].as_pointer_value();
                let s = self.m.tables[src_table as usize].as_pointer_value();
                let status = self.runtime_call(
                    self.m.rt.table_copy,
                    &[d.into(), s.into(), dst.into(), src.into(), len.into()],
                )?;
                self.trap_on_status(status)?;
            }
            Operator::TableInit { elem_index, table } => {
                let len = self.pop_int();
                let src = self.pop_int();
                let dst = self.pop_int();
                let segment = &self.m.elems[elem_index as usize];
                let seg_len =
                    self.live_segment_len(segment.dropped.as_pointer_value(), segment.len)?;
                let seg_len = self
                    .b
                    .build_int_truncate(seg_len, self.m.llcx.i32_type(), "")?;
                let contents = match segment.contents {
                    Some(c) => c.as_pointer_value(),
                    None => ptr_t.const_null(),
                };
                let t = self.m.tables[table as usize].as_pointer_value();
                let status = self.runtime_call(
                    self.m.rt.table_init,
                    &[
                        t.into(),
                        contents.into(),
                        seg_len.into(),
                        dst.into(),
                        src.into(),
                        len.into(),
                    ],
                )?;
                self.trap_on_status(status)?;
            }
            Operator::ElemDrop { elem_index } => {
                let flag = self.m.elems[elem_index as usize].dropped.as_pointer_value();
                self.b
                    .build_store(flag, self.m.llcx.i8_type().const_int(1, false))?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn table_len(&self, table: u32) -> Result<IntValue<'ctx>> {
        let t = self.m.tables[table as usize].as_pointer_value();
        let len_ptr = self
            .b
            .build_struct_gep(self.m.abi.table, t, field::TABLE_LEN, "")?;
        Ok(self
            .b
            .build_load(self.m.llcx.i32_type(), len_ptr, "table_len")?
            .into_int_value())
    }

    /// Address of element `index` after checking it against the table length.
    fn checked_table_slot(
        &mut self,
        table: u32,
        index: IntValue<'ctx>,
    ) -> Result<PointerValue<'ctx>> {
        let ptr_t = self.m.llcx.ptr_type(Default::default());
        let len = self.table_len(table)?;
        let outside = self
            .b
            .build_int_compare(IntPredicate::UGE, index, len, "")?;
        self.trap_if(outside, TrapCode::OutOfBoundsTable)?;
        let t = self.m.tables[table as usize].as_pointer_value();
        let elems_ptr = self
            .b
            .build_struct_gep(self.m.abi.table, t, field::TABLE_ELEMENTS, "")?;
        let elems = self
            .b
            .build_load(ptr_t, elems_ptr, "elements")?
            .into_pointer_value();
        let index = self
            .b
            .build_int_z_extend(index, self.m.llcx.i64_type(), "")?;
        // SAFETY (of the generated code): index < len was checked above.
        Ok(unsafe { self.b.build_gep(ptr_t, elems, &[index], "slot")? })
    }

    fn ref_to_word(&self, r: PointerValue<'ctx>) -> Result<IntValue<'ctx>> {
        Ok(self.b.build_ptr_to_int(r, self.m.llcx.i64_type(), "")?)
    }

    fn runtime_call(
        &self,
        f: inkwell::values::FunctionValue<'ctx>,
        args: &[BasicMetadataValueEnum<'ctx>],
    ) -> Result<IntValue<'ctx>> {
        Ok(self
            .b
            .build_call(f, args, "")?
            .try_as_basic_value()
            .basic()
            .expect("runtime call returns i32")
            .into_int_value())
    }

    /// Runtime table operations return 0 or the trap code (always "out of bounds
    /// table access").
    fn trap_on_status(&mut self, status: IntValue<'ctx>) -> Result<()> {
        let failed = self
            .b
            .build_int_compare(IntPredicate::NE, status, self.i32_const(0), "")?;
        self.trap_if(failed, TrapCode::OutOfBoundsTable)
    }
}
