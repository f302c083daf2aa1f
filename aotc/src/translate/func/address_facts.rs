//! Address facts (sandbox-critical: they change how load and store addresses are
//! computed). A wasm address `x + k` (an `i32.add` of a constant) wraps around 2^32,
//! so it is translated as `zext((x + k) mod 2^32)`; LLVM then cannot relate it to
//! `zext(x)`, and two neighbouring accesses `p` and `p + 8` look unrelated to its loop
//! vectoriser. This module proves, within straight-line code, that a sum cannot wrap
//! and lets [`FuncTranslator::access_address`] compute it as `zext(x) + k` instead,
//! which is the same number.
//!
//! The proof: once an access of a memory that can never reach 4 GiB (see
//! [`FuncTranslator::addresses_provable`]; the runtime caps such memories at
//! `aotc_abi::WASM32_GROWABLE_PAGES`) has used `x` as its address without trapping,
//! `x < 4 GiB - 64 KiB`, so `x + k` for `k <= PROVEN_ADDRESS_SLACK` (32 KiB) is below
//! 2^32. Code after the access in the same straight-line region runs only if the
//! access did, so the fact holds there. It also holds for a local's value until the
//! local is written, and for sums `x + k1 + k2` while the total stays within the
//! slack.
//!
//! Invariants: facts are dropped at every block boundary (`clear`, called for every
//! structured-control and branch operator), so a fact is only used where the access
//! that proved it dominates; a fact names the exact SSA value or local version it is
//! about; the 64-bit form is used only for 32-bit memories, where
//! `x + slack + memarg offset + width` stays inside the 8 GiB reservation.

use std::collections::{HashMap, HashSet};

use inkwell::values::{AsValueRef, IntValue};
use llvm_sys::prelude::LLVMValueRef;

use aotc_abi::PROVEN_ADDRESS_SLACK;

/// What is known in the current straight-line region.
#[derive(Default)]
pub(super) struct AddressFacts<'ctx> {
    /// i32 values a completed access used as its address.
    accessed: HashSet<LLVMValueRef>,
    /// Locals whose current value is in `accessed`.
    accessed_locals: HashSet<u32>,
    /// The locals (with their write counts at the time) holding a value: the one a
    /// `local.get` read it from, those a `local.set/tee` wrote it to.
    held_by: HashMap<LLVMValueRef, Vec<(u32, u32)>>,
    /// Writes to each local in this region.
    writes: HashMap<u32, u32>,
    /// Values known to equal `base + k` without wrapping, `base` accessed.
    offsets: HashMap<LLVMValueRef, (IntValue<'ctx>, u64)>,
    /// The same for a local's current value.
    local_offsets: HashMap<u32, (IntValue<'ctx>, u64)>,
}

impl<'ctx> AddressFacts<'ctx> {
    /// Forgets everything: control may arrive here from elsewhere.
    pub fn clear(&mut self) {
        self.accessed.clear();
        self.accessed_locals.clear();
        self.held_by.clear();
        self.writes.clear();
        self.offsets.clear();
        self.local_offsets.clear();
    }

    /// `value` was just read from `local`.
    pub fn local_read(&mut self, local: u32, value: IntValue<'ctx>) {
        let key = value.as_value_ref();
        self.note_holder(key, local);
        if self.accessed_locals.contains(&local) {
            self.accessed.insert(key);
        }
        if let Some(&form) = self.local_offsets.get(&local) {
            self.offsets.insert(key, form);
        }
    }

    /// `local` was just given a value nothing is known about.
    pub fn local_overwritten(&mut self, local: u32) {
        *self.writes.entry(local).or_insert(0) += 1;
        self.accessed_locals.remove(&local);
        self.local_offsets.remove(&local);
    }

    /// `value` was just written to `local`.
    pub fn local_written(&mut self, local: u32, value: IntValue<'ctx>) {
        let key = value.as_value_ref();
        self.local_overwritten(local);
        self.note_holder(key, local);
        if self.accessed.contains(&key) {
            self.accessed_locals.insert(local);
        }
        if let Some(&form) = self.offsets.get(&key) {
            self.local_offsets.insert(local, form);
        }
    }

    /// An access of a provable memory used `addr` and did not trap.
    pub fn accessed(&mut self, addr: IntValue<'ctx>) {
        let key = addr.as_value_ref();
        self.accessed.insert(key);
        for &(local, version) in self.held_by.get(&key).into_iter().flatten() {
            if self.version(local) == version {
                self.accessed_locals.insert(local);
            }
        }
    }

    fn version(&self, local: u32) -> u32 {
        self.writes.get(&local).copied().unwrap_or(0)
    }

    fn note_holder(&mut self, key: LLVMValueRef, local: u32) {
        let version = self.version(local);
        self.held_by.entry(key).or_default().push((local, version));
    }

    /// `sum = lhs + rhs` (i32) was just built.
    pub fn added(&mut self, sum: IntValue<'ctx>, lhs: IntValue<'ctx>, rhs: IntValue<'ctx>) {
        let (value, k) = match (
            lhs.get_zero_extended_constant(),
            rhs.get_zero_extended_constant(),
        ) {
            (None, Some(k)) => (lhs, k),
            (Some(k), None) => (rhs, k),
            _ => return,
        };
        let form = if self.accessed.contains(&value.as_value_ref()) {
            Some((value, k))
        } else {
            self.offsets
                .get(&value.as_value_ref())
                .map(|&(base, k0)| (base, k0 + k))
        };
        if let Some((base, total)) = form.filter(|&(_, total)| total <= PROVEN_ADDRESS_SLACK) {
            self.offsets.insert(sum.as_value_ref(), (base, total));
        }
    }

    /// `(base, k)` if `addr` is known to equal `base + k` without wrapping.
    pub fn offset_form(&self, addr: IntValue<'ctx>) -> Option<(IntValue<'ctx>, u64)> {
        self.offsets.get(&addr.as_value_ref()).copied()
    }
}
