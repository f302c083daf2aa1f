//! Wasm tables for generated code: creation, growth and the bulk operations, with the
//! spec's bounds rules.
//!
//! Invariants: `elements` holds `capacity` ≥ `len` initialised slots (malloc'd; it may
//! move on growth, so generated code reloads it after `table.grow`); `len ≤ max`;
//! every bulk operation checks its ranges in u64 arithmetic before writing anything and
//! returns `TrapCode::OutOfBoundsTable` instead of writing when a range is out of
//! bounds.

use aotc_abi::layout::Table;
use aotc_abi::trap::TrapCode;

const OOB: u32 = TrapCode::OutOfBoundsTable as u32;
const ELEM: usize = core::mem::size_of::<usize>();

/// Creates a table of `min` elements set to `init`, growable to `max`. Exits with a
/// one-line error if the storage cannot be allocated.
///
/// # Safety
/// `table` must point to writable storage for a `Table`.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_new(table: *mut Table, min: u32, max: u32, init: usize) {
    let elements = if min == 0 {
        core::ptr::null_mut()
    } else {
        // SAFETY: plain allocation of min elements (u32 × 8 cannot overflow usize).
        let p = unsafe { libc::malloc(min as usize * ELEM) }.cast::<usize>();
        if p.is_null() {
            crate::sys::fatal(&[b"cannot allocate a table"]);
        }
        for i in 0..min as usize {
            // SAFETY: i < min, inside the allocation.
            unsafe { p.add(i).write(init) };
        }
        p
    };
    // SAFETY: the caller passes writable storage.
    unsafe {
        table.write(Table {
            elements,
            len: min,
            max: max.max(min),
            capacity: min,
            _pad: 0,
        });
    }
}

/// Resource limit on a table's size (as Wasmtime's default): growing beyond it fails
/// with -1, which wasm allows, instead of committing gigabytes for a runaway
/// `table.grow`.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Grows `table` by `delta` elements set to `init`; returns the old length or
/// `u32::MAX` if the maximum would be exceeded or memory is short.
///
/// # Safety
/// `table` must be a table created by [`aotc_rt_table_new`].
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_grow(table: *mut Table, init: usize, delta: u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    let t = unsafe { &mut *table };
    let old = t.len;
    let new = u64::from(old) + u64::from(delta);
    if new > u64::from(t.max) || new > MAX_TABLE_ELEMENTS {
        return u32::MAX;
    }
    let new = new as u32;
    if new > t.capacity {
        let cap = (u64::from(t.capacity) * 2).clamp(u64::from(new), u64::from(t.max)) as u32;
        // SAFETY: elements is null or a malloc'd block; cap × 8 fits in usize.
        let p = unsafe { libc::realloc(t.elements.cast(), cap as usize * ELEM) }.cast::<usize>();
        if p.is_null() {
            return u32::MAX;
        }
        t.elements = p;
        t.capacity = cap;
    }
    for i in old as usize..new as usize {
        // SAFETY: i < new ≤ capacity.
        unsafe { t.elements.add(i).write(init) };
    }
    t.len = new;
    old
}

/// `table.fill`: sets `len` elements from `dst` to `value`.
///
/// # Safety
/// `table` must be a table created by [`aotc_rt_table_new`].
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_fill(
    table: *mut Table,
    dst: u32,
    value: usize,
    len: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    let t = unsafe { &mut *table };
    if u64::from(dst) + u64::from(len) > u64::from(t.len) {
        return OOB;
    }
    for i in dst as usize..dst as usize + len as usize {
        // SAFETY: i < dst + len ≤ t.len.
        unsafe { t.elements.add(i).write(value) };
    }
    0
}

/// `table.copy`: copies `n` elements from `src[s..]` to `dst[d..]`; the tables may be
/// the same and the ranges may overlap.
///
/// # Safety
/// Both tables must be tables created by [`aotc_rt_table_new`].
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_copy(
    dst: *mut Table,
    src: *mut Table,
    d: u32,
    s: u32,
    n: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller; only lengths and pointers are read here.
    let (dst_len, dst_el, src_len, src_el) =
        unsafe { ((*dst).len, (*dst).elements, (*src).len, (*src).elements) };
    if u64::from(d) + u64::from(n) > u64::from(dst_len)
        || u64::from(s) + u64::from(n) > u64::from(src_len)
    {
        return OOB;
    }
    if n > 0 {
        // SAFETY: both ranges are in bounds (checked); ptr::copy handles overlap.
        unsafe { core::ptr::copy(src_el.add(s as usize), dst_el.add(d as usize), n as usize) };
    }
    0
}

/// `table.init`: copies `n` elements of the segment `seg[s..]` into `table[d..]`.
///
/// # Safety
/// `table` must be a table created by [`aotc_rt_table_new`]; `seg` must point to
/// `seg_len` elements (it may be null when `seg_len` is 0).
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_init(
    table: *mut Table,
    seg: *const usize,
    seg_len: u32,
    d: u32,
    s: u32,
    n: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    let t = unsafe { &mut *table };
    if u64::from(s) + u64::from(n) > u64::from(seg_len)
        || u64::from(d) + u64::from(n) > u64::from(t.len)
    {
        return OOB;
    }
    if n > 0 {
        // SAFETY: both ranges are in bounds (checked); a segment never aliases a table.
        unsafe {
            core::ptr::copy_nonoverlapping(
                seg.add(s as usize),
                t.elements.add(d as usize),
                n as usize,
            )
        };
    }
    0
}
