//! Canonical identities of function types, and the subtyping of value types that typed
//! function references bring (WebAssembly 3.0).
//!
//! Invariants (sandbox-critical: `call_indirect` trusts these ids to keep a function
//! from being called with another signature): two function types get the same id
//! exactly when they are structurally equal, whichever module and index they come
//! from. Without the GC proposal (refused at validation) a type refers only to types
//! defined before it, so its structure is a finite tree and ids are built bottom-up:
//! a concrete reference `(ref $t)` contributes the id of `$t`. Signatures of the 2.0
//! alphabet (numbers, `funcref`, `externref`) keep the ABI's exact encoding
//! ([`aotc_abi::layout::signature_id`]); any other (a typed or non-nullable reference,
//! `exnref`) is a 63-bit hash with the top bit set, as the ABI's long signatures are.

use wasmparser::{AbstractHeapType, HeapType, RefType, ValType};

use super::module_info::Signature;

/// A value type with concrete type indices replaced by canonical ids, comparable
/// across modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanonValType {
    /// `i32`, `i64`, `f32`, `f64` or `v128`.
    Num(ValType),
    Ref {
        nullable: bool,
        heap: CanonHeap,
    },
}

/// A heap type with a concrete type index replaced by its canonical id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanonHeap {
    Abstract {
        shared: bool,
        ty: AbstractHeapType,
    },
    /// A function type, by canonical id.
    Func(u64),
}

/// A bit no canonical id has (exact encodings use bits 0..=60; hashed ones lose it),
/// left for `module_cx` to mark the calling convention of a signature.
pub(crate) const FREE_ID_BIT: u64 = 1 << 62;

/// The canonical id of every type of a module, in index order (`types` as read by
/// `module_info`; a concrete reference names an earlier type).
pub fn canonical_type_ids(types: &[Signature]) -> Vec<u64> {
    let mut ids: Vec<u64> = Vec::with_capacity(types.len());
    for sig in types {
        let id = legacy_signature_id(sig).unwrap_or_else(|| hashed_signature_id(&ids, sig));
        ids.push(id & !FREE_ID_BIT);
    }
    ids
}

/// `ty` with its concrete type index (if any) replaced by the id in `ids`.
pub fn canonical(ids: &[u64], ty: ValType) -> CanonValType {
    match ty {
        ValType::Ref(r) => CanonValType::Ref {
            nullable: r.is_nullable(),
            heap: canonical_heap(ids, r),
        },
        num => CanonValType::Num(num),
    }
}

fn canonical_heap(ids: &[u64], r: RefType) -> CanonHeap {
    match r.heap_type() {
        HeapType::Abstract { shared, ty } => CanonHeap::Abstract { shared, ty },
        HeapType::Concrete(i) | HeapType::Exact(i) => {
            // Validated: a module's types name module indices of earlier types.
            let index = i.as_module_index().unwrap_or(u32::MAX) as usize;
            CanonHeap::Func(ids.get(index).copied().unwrap_or(u64::MAX))
        }
    }
}

/// Whether a value of type `a` may be used where `b` is expected (import matching of
/// immutable globals): equal types, or references where `a` is non-nullable or `b`
/// nullable and `a`'s heap type is below `b`'s (a concrete function type below
/// `func`; the bottom types below their hierarchy).
pub fn is_subtype(a: CanonValType, b: CanonValType) -> bool {
    match (a, b) {
        (
            CanonValType::Ref {
                nullable: na,
                heap: ha,
            },
            CanonValType::Ref {
                nullable: nb,
                heap: hb,
            },
        ) => (!na || nb) && heap_subtype(ha, hb),
        _ => a == b,
    }
}

fn heap_subtype(a: CanonHeap, b: CanonHeap) -> bool {
    use AbstractHeapType as A;
    if a == b {
        return true;
    }
    match (a, b) {
        (
            CanonHeap::Func(_),
            CanonHeap::Abstract {
                shared,
                ty: A::Func,
            },
        ) => !shared,
        (CanonHeap::Abstract { shared, ty }, CanonHeap::Func(_)) => !shared && ty == A::NoFunc,
        (
            CanonHeap::Abstract { shared: sa, ty: ta },
            CanonHeap::Abstract { shared: sb, ty: tb },
        ) => {
            sa == sb
                && matches!(
                    (ta, tb),
                    (A::NoFunc, A::Func) | (A::NoExtern, A::Extern) | (A::NoExn, A::Exn)
                )
        }
        _ => false,
    }
}

/// The ABI's exact id, when every type of `sig` is in its 2.0 alphabet.
fn legacy_signature_id(sig: &Signature) -> Option<u64> {
    let abi = |types: &[ValType]| {
        types
            .iter()
            .map(|&t| abi_val_type(t))
            .collect::<Option<Vec<_>>>()
    };
    Some(aotc_abi::layout::signature_id(
        &abi(&sig.params)?,
        &abi(&sig.results)?,
    ))
}

/// A 2.0 value type in the ABI's signature alphabet; `None` for the reference types
/// that came later.
fn abi_val_type(ty: ValType) -> Option<aotc_abi::layout::ValType> {
    use aotc_abi::layout::ValType as A;
    Some(match ty {
        ValType::I32 => A::I32,
        ValType::I64 => A::I64,
        ValType::F32 => A::F32,
        ValType::F64 => A::F64,
        ValType::V128 => A::V128,
        ValType::Ref(r) if r == RefType::FUNCREF => A::FuncRef,
        ValType::Ref(r) if r == RefType::EXTERNREF => A::ExternRef,
        ValType::Ref(_) => return None,
    })
}

/// FNV-1a over the signature's structure, top bit set: the two list lengths, then
/// each value type as words (a concrete reference feeds the id of the type it names).
fn hashed_signature_id(ids: &[u64], sig: &Signature) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |word: u64| {
        for byte in word.to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    feed(sig.params.len() as u64);
    feed(sig.results.len() as u64);
    for &ty in sig.params.iter().chain(&sig.results) {
        match canonical(ids, ty) {
            CanonValType::Num(n) => feed(match n {
                ValType::I32 => 1,
                ValType::I64 => 2,
                ValType::F32 => 3,
                ValType::F64 => 4,
                _ => 5,
            }),
            CanonValType::Ref { nullable, heap } => {
                feed(0x10 | u64::from(nullable));
                match heap {
                    CanonHeap::Abstract { shared, ty } => {
                        feed(0x100 | (ty as u64) << 1 | u64::from(shared))
                    }
                    CanonHeap::Func(id) => {
                        feed(0x200);
                        feed(id);
                    }
                }
            }
        }
    }
    h | (1 << 63)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::PackedIndex;

    fn sig(params: &[ValType], results: &[ValType]) -> Signature {
        Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    fn concrete(index: u32, nullable: bool) -> ValType {
        let heap = HeapType::Concrete(PackedIndex::from_module_index(index).unwrap().unpack());
        ValType::Ref(RefType::new(nullable, heap).unwrap())
    }

    #[test]
    fn structurally_equal_types_share_an_id() {
        // $s0 (func (param i32)); two copies of (func (param (ref $s0))) at different
        // indices, and one naming a copy of $s0 defined later.
        let types = [
            sig(&[ValType::I32], &[]),
            sig(&[concrete(0, false)], &[]),
            sig(&[ValType::I32], &[]),
            sig(&[concrete(2, false)], &[]),
            sig(&[concrete(0, true)], &[]),
            sig(&[ValType::Ref(RefType::FUNCREF)], &[]),
        ];
        let ids = canonical_type_ids(&types);
        assert_eq!(ids[0], ids[2]);
        assert_eq!(ids[1], ids[3]);
        assert_ne!(ids[1], ids[4], "nullability is part of the type");
        assert_ne!(ids[4], ids[5], "a typed reference is not funcref");
        assert_ne!(ids[1], ids[0]);
        assert_eq!(
            ids[5],
            aotc_abi::layout::signature_id(&[aotc_abi::layout::ValType::FuncRef], &[]),
            "2.0 signatures keep the ABI's exact ids"
        );
    }

    #[test]
    fn params_and_results_are_told_apart() {
        let r = concrete(0, false);
        let types = [
            sig(&[], &[]),
            sig(&[r], &[]),
            sig(&[], &[r]),
            sig(&[r, r], &[]),
        ];
        let ids = canonical_type_ids(&types);
        assert_ne!(ids[1], ids[2]);
        assert_ne!(ids[1], ids[3]);
        assert!(ids[1..].iter().all(|id| id >> 63 == 1));
    }

    #[test]
    fn reference_subtyping() {
        let ids = canonical_type_ids(&[sig(&[], &[])]);
        let t = |ty| canonical(&ids, ty);
        let funcref = t(ValType::Ref(RefType::FUNCREF));
        let non_null_func = t(ValType::Ref(RefType::new(false, HeapType::FUNC).unwrap()));
        let typed = t(concrete(0, false));
        let typed_null = t(concrete(0, true));
        let externref = t(ValType::Ref(RefType::EXTERNREF));
        assert!(is_subtype(typed, typed_null));
        assert!(is_subtype(typed, non_null_func));
        assert!(is_subtype(typed_null, funcref));
        assert!(is_subtype(non_null_func, funcref));
        assert!(!is_subtype(funcref, non_null_func));
        assert!(!is_subtype(typed_null, typed));
        assert!(!is_subtype(funcref, typed_null));
        assert!(!is_subtype(externref, funcref));
        assert!(!is_subtype(t(ValType::I32), t(ValType::I64)));
    }
}
