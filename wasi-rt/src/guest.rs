//! Guest linear-memory access for WASI functions (sandbox-critical).
//!
//! This is the only module that turns guest pointers into host pointers. Every range
//! `(ptr, len)` is checked as `ptr + len <= size_bytes` in u64 arithmetic before any
//! host pointer is formed, so no length or pointer value can wrap or reach past the
//! committed memory; a bad range is `EFAULT`, never a host access. A module without a
//! memory has size 0: every non-empty range is `EFAULT`. Empty ranges are accepted
//! and never dereferenced.
//!
//! Copies out of guest memory are bounded (paths by [`PATH_MAX`], iovec lists by
//! [`IOV_MAX`]) and allocated fallibly: a host allocation failure is ENOMEM.
//!
//! Guest memory is never borrowed as a Rust reference (ranges may overlap each other
//! arbitrarily); reads and writes are unaligned raw copies.

use alloc::vec::Vec;
use aotc_abi::layout::VmCtxHeader;

use crate::errno::{WasiResult, EFAULT, ENAMETOOLONG, ENOMEM};

/// Most iovecs handed to one host readv/writev (Linux IOV_MAX); further ones are
/// ignored, which the guest sees as a short read or write.
pub const IOV_MAX: usize = 1024;

/// The host's PATH_MAX: longest path, NUL included, the kernel accepts. A guest path
/// (or symlink target) of this many bytes or more is ENAMETOOLONG before it is copied.
pub const PATH_MAX: usize = libc::PATH_MAX as usize;

/// A view of memory 0 of the calling module, valid for the duration of one WASI call.
#[derive(Clone, Copy)]
pub struct Guest {
    base: *mut u8,
    size: u64,
}

impl Guest {
    /// The memory of the module whose context is `vmctx`.
    ///
    /// # Safety
    /// `vmctx` must be the live context generated code passed in; its `memory`, when
    /// non-null, must point to a `Memory` set up by `aotc_rt_memory_new`.
    pub unsafe fn new(vmctx: *mut VmCtxHeader) -> Guest {
        // SAFETY: guaranteed by the caller; a null context or memory means no memory.
        unsafe {
            if vmctx.is_null() || (*vmctx).memory.is_null() {
                return Guest {
                    base: core::ptr::null_mut(),
                    size: 0,
                };
            }
            let m = (*vmctx).memory;
            // Atomic: another thread may be growing a shared memory.
            let size = core::sync::atomic::AtomicU64::from_ptr(&raw mut (*m).size_bytes);
            Guest {
                base: (*m).base,
                size: size.load(core::sync::atomic::Ordering::Acquire),
            }
        }
    }

    /// Host pointer to `len` bytes at guest address `ptr`, after the bounds check.
    pub fn range(&self, ptr: u32, len: u64) -> WasiResult<*mut u8> {
        if len == 0 {
            return Ok(core::ptr::NonNull::dangling().as_ptr());
        }
        let end = u64::from(ptr).checked_add(len).ok_or(EFAULT)?;
        if end > self.size || self.base.is_null() {
            return Err(EFAULT);
        }
        // SAFETY: ptr + len <= size_bytes, so the result stays inside the committed memory.
        Ok(unsafe { self.base.add(ptr as usize) })
    }

    /// Host pointer to an array of `count` elements of `elem` bytes at `ptr`.
    pub fn array(&self, ptr: u32, count: u32, elem: u64) -> WasiResult<*mut u8> {
        self.range(ptr, u64::from(count) * elem)
    }

    /// Copies `len` guest bytes at `ptr` out of guest memory; ENOMEM when the host
    /// cannot allocate them (never a panic).
    pub fn read_vec(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        let p = self.range(ptr, u64::from(len))?;
        let mut v = Vec::new();
        v.try_reserve_exact(len as usize + 1).map_err(|_| ENOMEM)?;
        // SAFETY: p is valid for len bytes (checked); v has capacity len.
        unsafe {
            core::ptr::copy_nonoverlapping(p, v.as_mut_ptr(), len as usize);
            v.set_len(len as usize);
        }
        Ok(v)
    }

    /// Copies a guest path (or symlink target) of `len` bytes at `ptr`: EFAULT for a
    /// bad range, then ENAMETOOLONG when it could not fit the host's [`PATH_MAX`] with
    /// its NUL, checked before anything is copied, so a path costs the host at most
    /// 4 KiB. The result has room for the NUL the caller appends.
    pub fn read_path(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        self.range(ptr, u64::from(len))?;
        if len as usize >= PATH_MAX {
            return Err(ENAMETOOLONG);
        }
        self.read_vec(ptr, len)
    }

    /// Copies `bytes` into guest memory at `ptr`.
    pub fn write(&self, ptr: u32, bytes: &[u8]) -> WasiResult {
        let p = self.range(ptr, bytes.len() as u64)?;
        // SAFETY: p is valid for bytes.len() bytes (checked); host and guest never overlap.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
        Ok(())
    }

    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        let p = self.range(ptr, 4)?;
        // SAFETY: 4 bytes checked.
        Ok(u32::from_le(unsafe { p.cast::<u32>().read_unaligned() }))
    }

    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        let p = self.range(ptr, 8)?;
        // SAFETY: 8 bytes checked.
        Ok(u64::from_le(unsafe { p.cast::<u64>().read_unaligned() }))
    }

    pub fn write_u32(&self, ptr: u32, v: u32) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&self, ptr: u32, v: u64) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }

    /// Reads a guest iovec array (`{buf: u32, buf_len: u32}` × `count`): the array is
    /// checked, then every iovec in it; returns host iovecs for the first [`IOV_MAX`].
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<libc::iovec>> {
        let arr = self.array(ptr, count, 8)?;
        let mut out = Vec::new();
        out.try_reserve_exact((count as usize).min(IOV_MAX))
            .map_err(|_| ENOMEM)?;
        for i in 0..count as usize {
            // SAFETY: the array of count × 8 bytes was checked above.
            let (buf, len) = unsafe {
                let e = arr.add(i * 8);
                (
                    u32::from_le(e.cast::<u32>().read_unaligned()),
                    u32::from_le(e.add(4).cast::<u32>().read_unaligned()),
                )
            };
            let host = self.range(buf, u64::from(len))?;
            if out.len() < IOV_MAX {
                out.push(libc::iovec {
                    iov_base: host.cast(),
                    iov_len: len as usize,
                });
            }
        }
        Ok(out)
    }
}
