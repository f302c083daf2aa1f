//! Directories through their fds: fd_prestat_get and fd_prestat_dir_name (the granted
//! directories the guest discovers at startup) and fd_readdir.
//!
//! fd_readdir cookies are entry indices (cookie n = "after the first n entries"), not
//! the host's `d_off`: ext4's offsets are 63-bit hashes, and wasi-libc's `telldir`
//! returns a 32-bit `long` on wasm32, so host offsets would not survive a
//! telldir/seekdir round trip. Each fd remembers where its last listing stopped
//! (index and host offset), so sequential reads resume without rescanning; any other
//! cookie rescans from the start. The output is a sequence of WASI dirents (24-byte
//! header + name); if the buffer ends inside one, that entry is truncated, as the
//! spec asks.

use aotc_abi::layout::VmCtxHeader;
use core::ffi::c_int;

use crate::errno::{self, ret, WasiResult, EBADF, ENAMETOOLONG, ENOTDIR};
use crate::fdtable::{FdEntry, Kind};
use crate::rights::{filetype, FD_READDIR};

/// A host fd on which data calls (getdents, fsync) work: directories held as O_PATH
/// get a readable fd opened on first use and kept with the entry.
pub(crate) fn io_fd(e: &mut FdEntry) -> WasiResult<c_int> {
    if e.kind != Kind::Dir {
        return Ok(e.host);
    }
    if e.reader >= 0 {
        return Ok(e.reader);
    }
    // SAFETY: F_GETFL on an fd we own.
    let fl = errno::check(|| unsafe { libc::fcntl(e.host, libc::F_GETFL) })?;
    if fl & libc::O_PATH == 0 {
        return Ok(e.host);
    }
    // SAFETY: "." relative to our own directory fd.
    let r = errno::check(|| unsafe {
        libc::openat(
            e.host,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })?;
    e.reader = r;
    Ok(r)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_prestat_get(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    prestat_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let e = table.get(fd, 0)?;
        let name = e.preopen.as_ref().ok_or(EBADF)?;
        let mut b = [0u8; 8];
        b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
        g.write(prestat_out, &b)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_prestat_dir_name(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    path: u32,
    path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let e = table.get(fd, 0)?;
        // An open fd that is not a granted directory: ENOTDIR, as in Wasmtime.
        let name = e.preopen.as_ref().ok_or(ENOTDIR)?;
        if (path_len as usize) < name.len() {
            return Err(ENAMETOOLONG);
        }
        g.write(path, name)
    })())
}

/// Header of a host `linux_dirent64` record.
const D_RECLEN: usize = 16;
const D_TYPE: usize = 18;
const D_NAME: usize = 19;

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_fd_readdir(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let e = table.get_kind(fd, |e| e.kind == Kind::Dir, |_| EBADF, FD_READDIR)?;
        let host = io_fd(e)?;
        let out = g.range(buf, u64::from(buf_len))?;
        g.range(bufused_out, 4)?;
        // Resume where the last call stopped, or rescan from the start and skip.
        let (mut index, start) = if cookie == e.dir_resume.0 {
            e.dir_resume
        } else {
            (0, 0)
        };
        // SAFETY: lseek on a directory fd we own.
        errno::check(|| unsafe { libc::lseek(host, start, libc::SEEK_SET) })?;

        let cap = buf_len as usize;
        let mut used = 0usize;
        // Host offset where the entry `index` starts.
        let mut entry_start = start;
        // u64 storage keeps the records 8-aligned.
        let mut hbuf = [0u64; 1024];
        'outer: while used < cap {
            // SAFETY: hbuf is writable for its whole size.
            let n = errno::check(|| unsafe {
                libc::syscall(
                    libc::SYS_getdents64,
                    host,
                    hbuf.as_mut_ptr(),
                    core::mem::size_of_val(&hbuf),
                )
            })? as usize;
            if n == 0 {
                break;
            }
            // SAFETY: the kernel filled n bytes of hbuf.
            let bytes = unsafe { core::slice::from_raw_parts(hbuf.as_ptr().cast::<u8>(), n) };
            let mut at = 0usize;
            while at + D_NAME <= n {
                let rec = &bytes[at..];
                let reclen = usize::from(u16::from_ne_bytes([rec[D_RECLEN], rec[D_RECLEN + 1]]));
                if reclen == 0 || at + reclen > n {
                    break;
                }
                let ino = u64::from_ne_bytes(rec[0..8].try_into().unwrap_or([0; 8]));
                let next_start = i64::from_ne_bytes(rec[8..16].try_into().unwrap_or([0; 8]));
                at += reclen;
                if index < cookie {
                    // Skipping entries before the cookie.
                    index += 1;
                    entry_start = next_start;
                    continue;
                }
                let name_area = &rec[D_NAME..reclen];
                let namlen = name_area
                    .iter()
                    .position(|&c| c == 0)
                    .unwrap_or(name_area.len());
                let mut head = [0u8; 24];
                head[0..8].copy_from_slice(&(index + 1).to_le_bytes());
                head[8..16].copy_from_slice(&ino.to_le_bytes());
                head[16..20].copy_from_slice(&(namlen as u32).to_le_bytes());
                head[20] = filetype::from_dtype(rec[D_TYPE]);
                let before = used;
                for part in [&head[..], &name_area[..namlen]] {
                    let take = part.len().min(cap - used);
                    // SAFETY: used + take ≤ cap = buf_len, inside the checked range.
                    unsafe { core::ptr::copy_nonoverlapping(part.as_ptr(), out.add(used), take) };
                    used += take;
                }
                if used - before < head.len() + namlen {
                    // Truncated: the guest will ask again from this entry's cookie.
                    e.dir_resume = (index, entry_start);
                    break 'outer;
                }
                index += 1;
                entry_start = next_start;
                e.dir_resume = (index, entry_start);
                if used >= cap {
                    break 'outer;
                }
            }
        }
        g.write_u32(bufused_out, used as u32)
    })())
}
