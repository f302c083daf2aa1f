//! The global allocator: libc malloc/free/realloc, with posix_memalign for alignments
//! malloc does not guarantee. Never used on the trap or signal paths.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

/// Alignment glibc's malloc guarantees on x86-64.
const MALLOC_ALIGN: usize = 16;

/// Rust allocations served by the C heap.
pub struct LibcAlloc;

// SAFETY: malloc/realloc/free satisfy the GlobalAlloc contract for layouts whose
// alignment is at most MALLOC_ALIGN; larger alignments go through posix_memalign.
unsafe impl GlobalAlloc for LibcAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: plain malloc; null on failure is what GlobalAlloc expects.
            unsafe { libc::malloc(layout.size()).cast() }
        } else {
            let mut p: *mut c_void = core::ptr::null_mut();
            // SAFETY: align is a power of two and a multiple of the pointer size.
            let r = unsafe { libc::posix_memalign(&mut p, layout.align(), layout.size()) };
            if r == 0 {
                p.cast()
            } else {
                core::ptr::null_mut()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: ptr came from malloc/realloc/posix_memalign.
        unsafe { libc::free(ptr.cast()) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: calloc returns zeroed memory or null.
            unsafe { libc::calloc(1, layout.size()).cast() }
        } else {
            // SAFETY: forwards to alloc, then zeroes what it returned.
            unsafe {
                let p = self.alloc(layout);
                if !p.is_null() {
                    core::ptr::write_bytes(p, 0, layout.size());
                }
                p
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: ptr came from malloc/realloc.
            unsafe { libc::realloc(ptr.cast(), new_size).cast() }
        } else {
            // SAFETY: allocate anew with the same alignment, copy, free the old block.
            unsafe {
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let p = self.alloc(new_layout);
                if !p.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                p
            }
        }
    }
}
