//! Wasm tables for generated code (sandbox-critical: table bounds and the table size
//! limit): creation, growth and the bulk operations, with the spec's bounds rules.
//!
//! Storage is an anonymous private mapping, so slots that are never written cost no
//! memory (the kernel hands out zero pages on first touch) and a table of null
//! references needs no initialising writes; growth extends the mapping with `mremap`
//! (which may move it, so generated code reloads `elements` after `table.grow`).
//!
//! Invariants: `elements` is null (capacity 0) or a mapping of `capacity` slots
//! (`capacity` ≥ `len`, a whole number of pages); `len ≤ max` and
//! `len ≤ MAX_TABLE_ELEMENTS`; slots at or beyond `len` are always 0 (nothing writes
//! past `len`, and fresh pages are zero), so growing with a null init writes nothing;
//! every bulk operation checks its ranges in u64 arithmetic before writing anything and
//! returns `TrapCode::OutOfBoundsTable` instead of writing when a range is out of
//! bounds.

use aotc_abi::layout::Table;
use aotc_abi::trap::TrapCode;

const OOB: u32 = TrapCode::OutOfBoundsTable as u32;
const ELEM: usize = core::mem::size_of::<usize>();
/// Granularity of table storage (the x86-64 page).
const PAGE: usize = 4096;

/// Resource limit on a table's size (as Wasmtime's default): a table may not be
/// created with more elements (aotc refuses such a module at compile time; the runtime
/// refuses it at instantiation), and growing beyond it fails with -1, which wasm
/// allows, instead of committing gigabytes for a runaway `table.grow`.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Bytes of storage for `slots` elements, rounded up to whole pages.
fn storage_bytes(slots: u32) -> usize {
    (slots as usize * ELEM).div_ceil(PAGE) * PAGE
}

/// A fresh zero-filled mapping of `bytes` bytes, or null.
fn map_zeroed(bytes: usize) -> *mut usize {
    crate::sys::map_anonymous(bytes, libc::PROT_READ | libc::PROT_WRITE)
        .map_or(core::ptr::null_mut(), |p| p.cast())
}

/// Writes `init` into slots `from..to` (nothing when `init` is null: they are zero).
///
/// # Safety
/// `elements` must hold at least `to` slots.
unsafe fn fill_new(elements: *mut usize, from: u32, to: u32, init: usize) {
    if init == 0 {
        return;
    }
    for i in from as usize..to as usize {
        // SAFETY: i < to, inside the storage (guaranteed by the caller).
        unsafe { elements.add(i).write(init) };
    }
}

/// Creates a table of `min` elements set to `init`, growable to `max`. Exits with a
/// one-line error (status 125) if `min` exceeds [`MAX_TABLE_ELEMENTS`] or the storage
/// cannot be mapped.
///
/// # Safety
/// `table` must point to writable storage for a `Table`.
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_new(table: *mut Table, min: u32, max: u32, init: usize) {
    if u64::from(min) > MAX_TABLE_ELEMENTS {
        let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
        crate::sys::fatal(&[
            b"a table's minimum of ",
            crate::sys::fmt_u64(u64::from(min), &mut a),
            b" elements exceeds the limit of ",
            crate::sys::fmt_u64(MAX_TABLE_ELEMENTS, &mut b),
        ]);
    }
    let (elements, capacity) = if min == 0 {
        (core::ptr::null_mut(), 0)
    } else {
        let bytes = storage_bytes(min);
        let p = map_zeroed(bytes);
        if p.is_null() {
            let e = crate::sys::errno();
            crate::sys::fatal(&[b"cannot allocate a table: ", crate::sys::strerror(e)]);
        }
        // SAFETY: the mapping holds bytes / ELEM ≥ min slots.
        unsafe { fill_new(p, 0, min, init) };
        (p, (bytes / ELEM) as u32)
    };
    // SAFETY: the caller passes writable storage.
    unsafe {
        table.write(Table {
            elements,
            len: min,
            max: max.max(min),
            capacity,
            _pad: 0,
        });
    }
}

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
        let limit = u64::from(t.max).min(MAX_TABLE_ELEMENTS);
        let want = (u64::from(t.capacity) * 2).clamp(u64::from(new), limit) as u32;
        let bytes = storage_bytes(want);
        let p = if t.elements.is_null() {
            map_zeroed(bytes)
        } else {
            // SAFETY: elements is our mapping of capacity slots (a whole number of
            // pages); the grown part is fresh zero pages.
            let p = unsafe {
                libc::mremap(
                    t.elements.cast(),
                    t.capacity as usize * ELEM,
                    bytes,
                    libc::MREMAP_MAYMOVE,
                )
            };
            if p == libc::MAP_FAILED {
                core::ptr::null_mut()
            } else {
                p.cast()
            }
        };
        if p.is_null() {
            return u32::MAX;
        }
        t.elements = p;
        t.capacity = (bytes / ELEM) as u32;
    }
    // SAFETY: new ≤ capacity.
    unsafe { fill_new(t.elements, old, new, init) };
    t.len = new;
    old
}

/// Releases a table created by [`aotc_rt_table_new`]: unmaps its storage and zeroes the
/// descriptor. Only for embedders that drop instances (executables never release
/// their tables).
///
/// # Safety
/// `table` must be a table created by [`aotc_rt_table_new`] that no code will touch
/// again.
pub unsafe fn release(table: *mut Table) {
    // SAFETY: the caller passes a live table descriptor.
    let t = unsafe { &mut *table };
    if !t.elements.is_null() {
        // SAFETY: the mapping is ours and no longer used.
        unsafe { libc::munmap(t.elements.cast(), t.capacity as usize * ELEM) };
    }
    t.elements = core::ptr::null_mut();
    t.len = 0;
    t.max = 0;
    t.capacity = 0;
}

/// [`release`] for generated code: a spawned thread's tables once its instance is
/// done (`aotc_abi::sym::TABLE_RELEASE`).
///
/// # Safety
/// As [`release`].
#[no_mangle]
pub unsafe extern "C" fn aotc_rt_table_release(table: *mut Table) {
    // SAFETY: guaranteed by the caller.
    unsafe { release(table) }
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
