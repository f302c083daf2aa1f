//! LLVM types of the structs shared with the runtime (`aotc_abi::layout`), built
//! in one place. The test at the bottom compares their LLVM layout (sizes and field
//! offsets on the x86-64 target) with the Rust definitions, so the two cannot drift.

use inkwell::context::Context;
use inkwell::types::StructType;
use inkwell::AddressSpace;

pub(crate) struct AbiTypes<'ctx> {
    /// `Memory { base: ptr, size_bytes: u64, max_pages: u64, reserved_bytes: u64 }`
    pub memory: StructType<'ctx>,
    /// `Table { elements: ptr, len: u32, max: u32, capacity: u32, _pad: u32 }`
    pub table: StructType<'ctx>,
    /// `FuncRecord { code: ptr, vmctx: ptr, type_id: u64 }`
    pub func_record: StructType<'ctx>,
    /// `VmCtxHeader { memory_base: ptr, memory: ptr }`
    pub vmctx_header: StructType<'ctx>,
    /// `FuncInfo { code: ptr, name: ptr }`
    pub func_info: StructType<'ctx>,
}

/// Field numbers used by generated code.
pub(crate) mod field {
    pub const MEMORY_BASE: u32 = 0;
    pub const MEMORY_SIZE_BYTES: u32 = 1;
    pub const TABLE_ELEMENTS: u32 = 0;
    pub const TABLE_LEN: u32 = 1;
    pub const RECORD_CODE: u32 = 0;
    pub const RECORD_TYPE_ID: u32 = 2;
    pub const VMCTX_MEMORY_BASE: u32 = 0;
}

impl<'ctx> AbiTypes<'ctx> {
    /// Byte offset of `Memory::size_bytes` (the test below checks LLVM agrees).
    pub fn memory_size_offset(&self) -> u64 {
        core::mem::offset_of!(aotc_abi::layout::Memory, size_bytes) as u64
    }

    pub fn new(llcx: &'ctx Context) -> Self {
        let ptr = llcx.ptr_type(AddressSpace::default());
        let i32t = llcx.i32_type();
        let i64t = llcx.i64_type();
        AbiTypes {
            memory: llcx.struct_type(&[ptr.into(), i64t.into(), i64t.into(), i64t.into()], false),
            table: llcx.struct_type(
                &[
                    ptr.into(),
                    i32t.into(),
                    i32t.into(),
                    i32t.into(),
                    i32t.into(),
                ],
                false,
            ),
            func_record: llcx.struct_type(&[ptr.into(), ptr.into(), i64t.into()], false),
            vmctx_header: llcx.struct_type(&[ptr.into(), ptr.into()], false),
            func_info: llcx.struct_type(&[ptr.into(), ptr.into()], false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aotc_abi::layout::{FuncInfo, FuncRecord, Memory, Table, VmCtxHeader};
    use core::mem::{offset_of, size_of};
    use inkwell::targets::{InitializationConfig, Target, TargetData};

    fn check(td: &TargetData, ty: StructType, size: usize, offsets: &[usize]) {
        assert_eq!(td.get_abi_size(&ty) as usize, size, "size of {ty:?}");
        for (i, &off) in offsets.iter().enumerate() {
            assert_eq!(
                td.offset_of_element(&ty, i as u32).unwrap() as usize,
                off,
                "field {i} of {ty:?}"
            );
        }
    }

    #[test]
    fn llvm_layouts_match_the_abi_crate() {
        Target::initialize_x86(&InitializationConfig::default());
        let td = TargetData::create(
            "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128",
        );
        let llcx = Context::create();
        let t = AbiTypes::new(&llcx);
        check(
            &td,
            t.memory,
            size_of::<Memory>(),
            &[
                offset_of!(Memory, base),
                offset_of!(Memory, size_bytes),
                offset_of!(Memory, max_pages),
                offset_of!(Memory, reserved_bytes),
            ],
        );
        check(
            &td,
            t.table,
            size_of::<Table>(),
            &[
                offset_of!(Table, elements),
                offset_of!(Table, len),
                offset_of!(Table, max),
                offset_of!(Table, capacity),
                offset_of!(Table, _pad),
            ],
        );
        check(
            &td,
            t.func_record,
            size_of::<FuncRecord>(),
            &[
                offset_of!(FuncRecord, code),
                offset_of!(FuncRecord, vmctx),
                offset_of!(FuncRecord, type_id),
            ],
        );
        check(
            &td,
            t.vmctx_header,
            size_of::<VmCtxHeader>(),
            &[
                offset_of!(VmCtxHeader, memory_base),
                offset_of!(VmCtxHeader, memory),
            ],
        );
        check(
            &td,
            t.func_info,
            size_of::<FuncInfo>(),
            &[offset_of!(FuncInfo, code), offset_of!(FuncInfo, name)],
        );
        assert_eq!(field::MEMORY_SIZE_BYTES, 1);
    }
}
