//! Path calls that change a directory's contents (sandbox-critical): path_create_directory,
//! path_remove_directory, path_unlink_file, path_rename, path_symlink, path_link.
//!
//! Each needs its right on the directory fd (none of them exists beneath a read-only
//! grant: ENOTCAPABLE), resolves the parent beneath the directory with `paths::parent`
//! and acts with one `*at()` syscall on the last component relative to that parent fd.
//! Symlinks are created only with relative targets (an absolute one could never be
//! followed inside the sandbox and would point outside it for anyone else).

use aotc_abi::layout::VmCtxHeader;

use crate::errno::{self, ret, WasiResult, EINVAL, EISDIR, ENOENT, ENOTCAPABLE, ENOTDIR};
use crate::paths::{self, Parent};
use crate::rights;

use super::path_stat::{dir_and_path, dir_fd};

/// What `path_link` links: the object a followed path names (held open), or the
/// entry itself.
enum LinkSource {
    Followed(paths::OwnedFd),
    Entry(Parent),
}

fn lstat_is_dir(p: &Parent) -> WasiResult<bool> {
    let mut st = core::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: single-component name relative to a beneath-resolved parent.
    errno::check(|| unsafe {
        libc::fstatat(
            p.fd(),
            p.name_ptr(),
            st.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    // SAFETY: fstatat succeeded.
    Ok(unsafe { st.assume_init() }.st_mode & libc::S_IFMT == libc::S_IFDIR)
}

/// A trailing `/` on an object that must then be a directory: ENOTDIR if it is not.
fn slash_requires_dir(p: &Parent) -> WasiResult {
    if p.trailing_slash && !lstat_is_dir(p)? {
        return Err(ENOTDIR);
    }
    Ok(())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_create_directory(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    path: u32,
    path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (dirfd, p) = dir_and_path(&g, fd, rights::PATH_CREATE_DIRECTORY, path, path_len)?;
        let parent = paths::parent(dirfd, &p)?;
        // SAFETY: single-component name relative to a beneath-resolved parent.
        errno::check(|| unsafe { libc::mkdirat(parent.fd(), parent.name_ptr(), 0o777) }).map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_remove_directory(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    path: u32,
    path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (dirfd, p) = dir_and_path(&g, fd, rights::PATH_REMOVE_DIRECTORY, path, path_len)?;
        let parent = paths::parent(dirfd, &p)?;
        // SAFETY: single-component name relative to a beneath-resolved parent.
        errno::check(|| unsafe {
            libc::unlinkat(parent.fd(), parent.name_ptr(), libc::AT_REMOVEDIR)
        })
        .map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_unlink_file(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    path: u32,
    path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (dirfd, p) = dir_and_path(&g, fd, rights::PATH_UNLINK_FILE, path, path_len)?;
        let parent = paths::parent(dirfd, &p)?;
        if parent.trailing_slash {
            // "x/" names a directory, which unlink_file never removes.
            return Err(if lstat_is_dir(&parent)? {
                EISDIR
            } else {
                ENOTDIR
            });
        }
        // SAFETY: single-component name relative to a beneath-resolved parent.
        errno::check(|| unsafe { libc::unlinkat(parent.fd(), parent.name_ptr(), 0) }).map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_rename(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let old_dir = dir_fd(fd, rights::PATH_RENAME_SOURCE)?;
        let new_dir = dir_fd(new_fd, rights::PATH_RENAME_TARGET)?;
        // The old path is resolved before the new one is read, as Wasmtime orders them.
        let op = paths::guest_path(g.read_path(old_path, old_path_len)?)?;
        let from = paths::parent(old_dir, &op)?;
        let np = paths::guest_path(g.read_path(new_path, new_path_len)?)?;
        let to = paths::parent(new_dir, &np)?;
        if from.trailing_slash || to.trailing_slash {
            // Only directories may be named with a trailing slash.
            if !lstat_is_dir(&from)? {
                return Err(ENOTDIR);
            }
        }
        // SAFETY: single-component names relative to beneath-resolved parents.
        errno::check(|| unsafe {
            libc::renameat(from.fd(), from.name_ptr(), to.fd(), to.name_ptr())
        })
        .map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_symlink(
    vmctx: *mut VmCtxHeader,
    old_path: u32,
    old_path_len: u32,
    fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        // As Wasmtime orders the checks: an absolute or malformed target first, then
        // the new path, then an empty target.
        let dirfd = dir_fd(fd, rights::PATH_SYMLINK)?;
        let mut target = g.read_path(old_path, old_path_len)?;
        if target.contains(&0) {
            return Err(EINVAL);
        }
        if target.first() == Some(&b'/') {
            return Err(ENOTCAPABLE);
        }
        let np = paths::guest_path(g.read_path(new_path, new_path_len)?)?;
        let parent = paths::parent(dirfd, &np)?;
        if target.is_empty() {
            return Err(ENOENT);
        }
        target.push(0);
        if parent.trailing_slash {
            // A symlink is never a directory: "new/" cannot be created as one.
            return Err(if lstat_is_dir(&parent).is_ok() {
                errno::EEXIST
            } else {
                ENOENT
            });
        }
        // SAFETY: target is NUL-terminated; single-component name relative to a
        // beneath-resolved parent.
        errno::check(|| unsafe {
            libc::symlinkat(target.as_ptr().cast(), parent.fd(), parent.name_ptr())
        })
        .map(|_| ())
    })())
}

/// Hard links `old` to `new`. With lookupflags symlink_follow the link's target
/// (resolved beneath the directory) is linked instead of the link itself.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_path_link(
    vmctx: *mut VmCtxHeader,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let old_dir = dir_fd(old_fd, rights::PATH_LINK_SOURCE)?;
        let new_dir = dir_fd(new_fd, rights::PATH_LINK_TARGET)?;
        // The old path is resolved before the new one is read, as Wasmtime orders them.
        let op = paths::guest_path(g.read_path(old_path, old_path_len)?)?;
        let source = if old_flags & rights::lookupflags::SYMLINK_FOLLOW != 0 {
            LinkSource::Followed(paths::open_beneath(old_dir, &op, libc::O_PATH, 0, true)?)
        } else {
            let from = paths::parent(old_dir, &op)?;
            slash_requires_dir(&from)?;
            LinkSource::Entry(from)
        };
        let np = paths::guest_path(g.read_path(new_path, new_path_len)?)?;
        let to = paths::parent(new_dir, &np)?;
        if to.trailing_slash {
            return Err(if lstat_is_dir(&to).is_ok() {
                errno::EEXIST
            } else {
                ENOENT
            });
        }
        let from = match source {
            LinkSource::Followed(src) => {
                // Link the opened object itself through its /proc/self/fd entry, which
                // linkat follows (AT_SYMLINK_FOLLOW) to exactly that inode.
                let mut proc_path = [0u8; 40];
                let mut num = [0u8; 20];
                let num = crate::sys::fmt_u64(src.0 as u64, &mut num);
                let prefix = b"/proc/self/fd/";
                proc_path[..prefix.len()].copy_from_slice(prefix);
                proc_path[prefix.len()..prefix.len() + num.len()].copy_from_slice(num);
                // SAFETY: NUL-terminated paths; the new name is relative to a beneath parent.
                return errno::check(|| unsafe {
                    libc::linkat(
                        libc::AT_FDCWD,
                        proc_path.as_ptr().cast(),
                        to.fd(),
                        to.name_ptr(),
                        libc::AT_SYMLINK_FOLLOW,
                    )
                })
                .map(|_| ());
            }
            LinkSource::Entry(from) => from,
        };
        // SAFETY: single-component names relative to beneath-resolved parents; no
        // AT_SYMLINK_FOLLOW, so a symlink is linked as itself.
        errno::check(|| unsafe {
            libc::linkat(from.fd(), from.name_ptr(), to.fd(), to.name_ptr(), 0)
        })
        .map(|_| ())
    })())
}
