//! path_open (sandbox-critical): what may be opened beneath a directory fd, and how.
//!
//! Checks, in order: the fd exists (EBADF) and is a directory (a file: ENOTDIR, as in
//! Wasmtime; stdio or a socket: EBADF), then holds `path_open`; flag bits are known;
//! creating (O_CREAT, O_EXCL) needs `path_create_file` and truncating (O_TRUNC, also
//! alone) needs `path_filestat_set_size` on the directory; write-ish rights
//! (fd_write, fd_datasync, fd_allocate, fd_filestat_set_size) requested beyond the
//! directory's ceiling (its grant's inheriting rights) are ENOTCAPABLE, as are fdflags
//! append/dsync/sync/rsync without the matching right there. Beneath a read-only grant
//! all of these fail. The directory's own inheriting rights bound nothing (see
//! `fdtable`): Zig's std narrows them to directory rights and then creates files.
//!
//! Other requested rights beyond the ceiling are dropped silently (the spec lets an
//! implementation grant fewer rights; Rust's std asks for many it never uses), so the
//! new fd never holds more than its grant hands down.
//!
//! The host open mode follows the rights as in Wasmtime: written if `fd_write` is
//! granted or the open creates or truncates, read if `fd_read` is or if nothing is
//! written. Syncing rights never open for writing, so re-opening a directory with its
//! own rights (Rust's std does, for `"."`) works, while asking `fd_write` of a
//! directory is EISDIR from the host, as in Wasmtime. Sizing or allocating rights without `fd_write` leave the file read-only
//! on the host, so those calls then fail as POSIX says (as in Wasmtime; Go's std asks
//! for `fd_filestat_set_size` on read-only opens and expects EINVAL from truncating).
//! A directory is never opened for writing on the host.

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{ret, EBADF, EINVAL, ELOOP, ENOTCAPABLE, ENOTDIR};
use crate::fdtable::{FdEntry, Kind};
use crate::paths;
use crate::rights::{self, fdflags, filetype, lookupflags, oflags};

/// Write-ish rights: requesting one beyond the directory's ceiling is
/// ENOTCAPABLE (the others are dropped silently).
const WRITE_ISH: u64 =
    rights::FD_WRITE | rights::FD_DATASYNC | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE;

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_open(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    oflags_in: u32,
    rights_base: u64,
    rights_inheriting: u64,
    fdflags_in: u32,
    fd_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let dir = table.get_kind(
            fd,
            |e| e.kind == Kind::Dir,
            |e| if e.kind == Kind::File { ENOTDIR } else { EBADF },
            rights::PATH_OPEN,
        )?;
        if oflags_in & !u32::from(oflags::ALL) != 0 || fdflags_in & !u32::from(fdflags::ALL) != 0 {
            return Err(EINVAL);
        }
        let (of, ff) = (oflags_in as u16, fdflags_in as u16);
        // A directory can be neither created, made exclusively nor truncated: EINVAL
        // before anything else, as in Wasmtime.
        if of & oflags::DIRECTORY != 0 && of & (oflags::CREAT | oflags::TRUNC | oflags::EXCL) != 0 {
            return Err(EINVAL);
        }

        let mut need = 0;
        if of & (oflags::CREAT | oflags::EXCL) != 0 {
            need |= rights::PATH_CREATE_FILE;
        }
        if of & oflags::TRUNC != 0 {
            need |= rights::PATH_FILESTAT_SET_SIZE;
        }
        dir.require(need)?;
        let inh = dir.ceiling;
        if (rights_base | rights_inheriting) & WRITE_ISH & !inh != 0 {
            return Err(ENOTCAPABLE);
        }
        let mut flag_need = 0;
        if ff & fdflags::APPEND != 0 {
            flag_need |= rights::FD_WRITE;
        }
        if ff & fdflags::DSYNC != 0 {
            flag_need |= rights::FD_DATASYNC;
        }
        if ff & (fdflags::SYNC | fdflags::RSYNC) != 0 {
            flag_need |= rights::FD_SYNC;
        }
        if flag_need & !inh != 0 {
            return Err(ENOTCAPABLE);
        }
        let base = rights_base & inh;
        let inheriting = rights_inheriting & inh;

        let p = paths::guest_path(g.read_path(path, path_len)?)?;
        g.range(fd_out, 4)?;

        // Written through with fd_write, or when the open creates or truncates, as in
        // Wasmtime: a file opened otherwise is read-only on the host, so sizing or
        // allocating it fails as POSIX says (EINVAL, EBADF) even when the rights allow
        // the call (Go's std asks for fd_filestat_set_size on every read-only open).
        let write = base & rights::FD_WRITE != 0 || of & (oflags::CREAT | oflags::TRUNC) != 0;
        let read = base & rights::FD_READ != 0 || !write;
        let mut flags = match (read, write) {
            (true, true) => libc::O_RDWR,
            (false, true) => libc::O_WRONLY,
            _ => libc::O_RDONLY,
        } | libc::O_NOCTTY;
        if of & oflags::CREAT != 0 {
            flags |= libc::O_CREAT;
        }
        if of & oflags::EXCL != 0 {
            flags |= libc::O_EXCL;
        }
        if of & oflags::TRUNC != 0 {
            flags |= libc::O_TRUNC;
        }
        if of & oflags::DIRECTORY != 0 {
            flags |= libc::O_DIRECTORY;
        }
        if ff & fdflags::APPEND != 0 {
            flags |= libc::O_APPEND;
        }
        if ff & fdflags::DSYNC != 0 {
            flags |= libc::O_DSYNC;
        }
        if ff & (fdflags::SYNC | fdflags::RSYNC) != 0 {
            flags |= libc::O_SYNC;
        }
        if ff & fdflags::NONBLOCK != 0 {
            flags |= libc::O_NONBLOCK;
        }
        let follow = dirflags & lookupflags::SYMLINK_FOLLOW != 0;
        let dirfd = dir.host;
        let file = match paths::open_beneath(dirfd, &p, flags, 0o666, follow) {
            // O_DIRECTORY|O_NOFOLLOW on a symlink: Linux says ENOTDIR, Wasmtime (and
            // O_NOFOLLOW alone) ELOOP. Answer as Wasmtime when the last component is a
            // symlink.
            Err(ENOTDIR) if !follow && of & oflags::DIRECTORY != 0 => {
                let link = paths::open_beneath(dirfd, &p, libc::O_PATH, 0, false)?;
                if super::fstat(link.0)?.st_mode & libc::S_IFMT == libc::S_IFLNK {
                    return Err(ELOOP);
                }
                return Err(ENOTDIR);
            }
            r => r?,
        };
        let ft = filetype::from_mode(super::fstat(file.0)?.st_mode);
        let entry = if ft == filetype::DIRECTORY {
            FdEntry::new(
                file.into_raw(),
                Kind::Dir,
                ft,
                base & rights::DIR_ALL,
                inheriting,
            )
        } else {
            FdEntry::new(
                file.into_raw(),
                Kind::File,
                ft,
                base & rights::FILE_ALL,
                inheriting,
            )
        };
        let new_fd = table.insert(FdEntry {
            ceiling: inh,
            ..entry
        })?;
        g.write_u32(fd_out, new_fd)
    })())
}
