//! The guest's fd table (sandbox-critical): which host fd each guest fd names, what
//! kind of object it is, and the WASI rights it carries.
//!
//! Invariants: a guest fd only reaches the host through the entry's `host` fd; every
//! operation first looks the fd up with [`FdTable::get`] or [`FdTable::get_kind`]
//! naming the rights it needs, which fails with EBADF (no such fd), then with the
//! call's wrong-kind errno (as Wasmtime orders them: `sock_shutdown` on stdio is
//! ENOTSOCK, not a missing right), then ENOTCAPABLE (right missing); rights only ever
//! shrink (`fd_fdstat_set_rights` may only drop bits). What is opened beneath a
//! directory is bounded by its `ceiling`, the inheriting rights of the grant it came
//! from (read-only or read-write), which nothing can change; the directory's own
//! `inheriting` set is reported but bounds nothing (as in Wasmtime: Zig's std opens
//! directories with inheriting rights that exclude reading and writing files, then
//! writes files in them).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::c_int;

use crate::errno::{Errno, WasiResult, EBADF, EMFILE, ENOTCAPABLE};

/// What a guest fd refers to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Inherited stdin/stdout/stderr: its type is asked of the host when needed.
    Stdio,
    /// A non-directory opened by `path_open`.
    File,
    /// A directory: a preopen or one opened by `path_open`.
    Dir,
    /// A connected stream socket (accepted from a listener).
    Socket,
    /// A listening socket preopen.
    Listener,
}

/// One open guest fd.
pub struct FdEntry {
    /// The host fd; owned by this entry (closed with it).
    pub host: c_int,
    pub kind: Kind,
    /// WASI filetype, known for everything but stdio.
    pub filetype: u8,
    /// Rights of this fd.
    pub base: u64,
    /// Rights of what is opened through this fd, as the guest asked (reported only).
    pub inheriting: u64,
    /// The most that may be opened beneath this fd: its grant's inheriting rights,
    /// carried unchanged to every directory opened beneath it.
    pub ceiling: u64,
    /// For preopened directories: the name the guest sees.
    pub preopen: Option<Box<[u8]>>,
    /// For directories whose host fd is O_PATH: a readable fd for fd_readdir, opened
    /// on first use (-1 until then). Owned by this entry.
    pub reader: c_int,
    /// fd_readdir resume point: (entry index, host directory offset where that entry
    /// starts), so reading on from the last cookie needs no rescan.
    pub dir_resume: (u64, i64),
}

impl FdEntry {
    pub fn new(host: c_int, kind: Kind, filetype: u8, base: u64, inheriting: u64) -> FdEntry {
        FdEntry {
            host,
            kind,
            filetype,
            base,
            inheriting,
            ceiling: inheriting,
            preopen: None,
            reader: -1,
            dir_resume: (0, 0),
        }
    }

    /// Whether this is a stream the guest can read: a file, a connected socket, or
    /// inherited stdin (host fd 0).
    pub fn readable_kind(&self) -> bool {
        match self.kind {
            Kind::File | Kind::Socket => true,
            Kind::Stdio => self.host == 0,
            Kind::Dir | Kind::Listener => false,
        }
    }

    /// Whether this is a stream the guest can write: a file, a connected socket, or
    /// inherited stdout or stderr (host fds 1 and 2).
    pub fn writable_kind(&self) -> bool {
        match self.kind {
            Kind::File | Kind::Socket => true,
            Kind::Stdio => self.host == 1 || self.host == 2,
            Kind::Dir | Kind::Listener => false,
        }
    }

    /// Fails with ENOTCAPABLE unless this fd carries every right in `rights`.
    pub fn require(&self, rights: u64) -> WasiResult<&FdEntry> {
        if self.base & rights == rights {
            Ok(self)
        } else {
            Err(ENOTCAPABLE)
        }
    }

    /// Closes the host fds this entry owns.
    pub fn close(self) {
        crate::sys::close(self.reader);
        crate::sys::close(self.host);
    }
}

/// Guest fd → entry.
#[derive(Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

/// Highest number of guest fds (the host's RLIMIT_NOFILE usually binds first).
const MAX_FDS: usize = 1 << 20;

impl FdTable {
    /// The entry for `fd` if it is open and has all of `rights`.
    pub fn get(&mut self, fd: u32, rights: u64) -> WasiResult<&mut FdEntry> {
        let e = self
            .slots
            .get_mut(fd as usize)
            .and_then(|s| s.as_mut())
            .ok_or(EBADF)?;
        if e.base & rights != rights {
            return Err(ENOTCAPABLE);
        }
        Ok(e)
    }

    /// The entry for `fd` if it is open (else EBADF), of a kind `fits` accepts (else
    /// `wrong(entry)`), and has all of `rights` (else ENOTCAPABLE), checked in that
    /// order.
    pub fn get_kind(
        &mut self,
        fd: u32,
        fits: impl Fn(&FdEntry) -> bool,
        wrong: impl Fn(&FdEntry) -> Errno,
        rights: u64,
    ) -> WasiResult<&mut FdEntry> {
        let e = self.get(fd, 0)?;
        if !fits(e) {
            return Err(wrong(e));
        }
        if e.base & rights != rights {
            return Err(ENOTCAPABLE);
        }
        Ok(e)
    }

    /// Places `entry` at guest fd `fd` (used at startup for fixed numbers).
    pub fn set(&mut self, fd: u32, entry: FdEntry) {
        let i = fd as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        if let Some(old) = self.slots[i].replace(entry) {
            old.close();
        }
    }

    /// Places `entry` at the lowest free guest fd. On failure the entry is closed.
    pub fn insert(&mut self, entry: FdEntry) -> WasiResult<u32> {
        if let Some(i) = self.slots.iter().position(|s| s.is_none()) {
            self.slots[i] = Some(entry);
            return Ok(i as u32);
        }
        if self.slots.len() >= MAX_FDS {
            entry.close();
            return Err(EMFILE);
        }
        self.slots.push(Some(entry));
        Ok((self.slots.len() - 1) as u32)
    }

    /// Removes and returns the entry at `fd`.
    pub fn take(&mut self, fd: u32) -> WasiResult<FdEntry> {
        self.slots
            .get_mut(fd as usize)
            .and_then(|s| s.take())
            .ok_or(EBADF)
    }

    /// Whether `fd` is open.
    pub fn contains(&self, fd: u32) -> bool {
        matches!(self.slots.get(fd as usize), Some(Some(_)))
    }
}
