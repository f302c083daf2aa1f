//! Shared data layouts (sandbox-critical): linear memory descriptors, tables, function
//! records and the fixed head of the module context.
//!
//! Invariants: `Memory::base` never moves once set (memory is reserved up front and
//! grown in place), so generated code may treat it as invariant; `Memory::size_bytes` is
//! always a multiple of the page size, ≤ 4 GiB for a 32-bit memory and ≤
//! `Memory::reserved_bytes` for a 64-bit one (whose accesses are bounds-checked
//! against `size_bytes` by generated code, since no guard region covers a u64 index); a table element is either 0 (null)
//! or a pointer to a live [`FuncRecord`] (funcref tables) or an opaque host value
//! (externref tables).

/// A linear memory.
#[repr(C)]
#[derive(Debug)]
pub struct Memory {
    /// Start of the reservation (`reserved_bytes` long).
    pub base: *mut u8,
    /// Currently accessible bytes (pages × 64 KiB).
    pub size_bytes: u64,
    /// Maximum pages the memory may grow to: the module's maximum, clamped to 65536
    /// (32-bit) or to what the reservation holds (64-bit).
    pub max_pages: u64,
    /// Bytes of address space reserved at `base`: [`crate::MEMORY_RESERVATION`] for a
    /// 32-bit memory (4 GiB + 4 GiB guard), at most
    /// [`crate::MEMORY64_RESERVATION_CAP`] for a 64-bit one (no guard).
    pub reserved_bytes: u64,
}

/// A table of references.
#[repr(C)]
#[derive(Debug)]
pub struct Table {
    /// `len` elements; 0 is the null reference.
    pub elements: *mut usize,
    /// Current number of elements.
    pub len: u32,
    /// Maximum number of elements the module allows.
    pub max: u32,
    /// Allocated capacity in elements (runtime bookkeeping).
    pub capacity: u32,
    pub _pad: u32,
}

/// What a funcref points to: everything needed to call the function indirectly.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FuncRecord {
    /// Entry point: `extern fn(vmctx, params...) -> results` in the generated calling
    /// convention.
    pub code: *const u8,
    /// Context to pass as the first argument.
    pub vmctx: *mut u8,
    /// Canonical signature id, see [`signature_id`].
    pub type_id: u64,
}

/// The fixed head of every module context. The rest of the context (table, global
/// and segment slots) is laid out by the compiler for each module.
#[repr(C)]
#[derive(Debug)]
pub struct VmCtxHeader {
    /// Base of memory 0, copied from `*memory` at instantiation (invariant), or null.
    pub memory_base: *mut u8,
    /// Memory 0, or null when the module has none.
    pub memory: *mut Memory,
}

/// Per-function facts for trap messages and backtraces.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FuncInfo {
    /// Address of the generated code.
    pub code: *const u8,
    /// NUL-terminated name (from the name section, or `wasm-function[N]`).
    pub name: *const u8,
}

/// A global's storage cell: large enough for any value type (v128).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy)]
pub struct GlobalCell {
    pub bytes: [u8; 16],
}

/// Value types as they appear in signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}

impl ValType {
    fn code(self) -> u64 {
        match self {
            ValType::I32 => 1,
            ValType::I64 => 2,
            ValType::F32 => 3,
            ValType::F64 => 4,
            ValType::V128 => 5,
            ValType::FuncRef => 6,
            ValType::ExternRef => 7,
        }
    }
}

/// Canonical id of a function signature, compared by `call_indirect`.
///
/// Signatures with at most 19 value types in all are encoded exactly (3 bits a type
/// plus a 1 bit separator per result boundary), so equal ids mean equal signatures.
/// Longer ones fall back to a 63-bit FNV-1a hash with the top bit set; those never
/// collide with the exact encodings.
pub fn signature_id(params: &[ValType], results: &[ValType]) -> u64 {
    let total = params.len() + results.len();
    if total <= 19 {
        // Layout: [param codes][0b000 separator][result codes], each 3 bits, low first,
        // prefixed by a 1 bit so leading empty lists still differ.
        let mut id: u64 = 1;
        for t in params.iter() {
            id = (id << 3) | t.code();
        }
        id <<= 3; // separator (code 0 never names a type)
        for t in results.iter() {
            id = (id << 3) | t.code();
        }
        id
    } else {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |b: u64| {
            h ^= b;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        for t in params.iter() {
            feed(t.code());
        }
        feed(0);
        for t in results.iter() {
            feed(t.code());
        }
        h | (1 << 63)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValType::*;

    #[test]
    fn signature_ids_distinguish_shapes() {
        assert_ne!(signature_id(&[I32], &[]), signature_id(&[], &[I32]));
        assert_ne!(signature_id(&[], &[]), signature_id(&[I32], &[]));
        assert_ne!(
            signature_id(&[I32, I64], &[]),
            signature_id(&[I64, I32], &[])
        );
        assert_eq!(signature_id(&[F32], &[F64]), signature_id(&[F32], &[F64]));
        let long = [I32; 25];
        assert!(signature_id(&long, &[]) >> 63 == 1);
        assert!(signature_id(&[I32; 19], &[]) >> 63 == 0);
    }

    #[test]
    fn header_layout_is_fixed() {
        assert_eq!(core::mem::size_of::<VmCtxHeader>(), 16);
        assert_eq!(core::mem::size_of::<Memory>(), 32);
        assert_eq!(core::mem::size_of::<Table>(), 24);
        assert_eq!(core::mem::size_of::<FuncRecord>(), 24);
        assert_eq!(core::mem::size_of::<FuncInfo>(), 16);
        assert_eq!(core::mem::size_of::<GlobalCell>(), 16);
    }
}
