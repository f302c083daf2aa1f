//! WASI preview1 flag and enum values (witx bit positions) and the rights sets the
//! runtime hands out (sandbox-critical: the read-only sets decide what a `:ro` grant
//! can do).
//!
//! Invariant: [`DIR_RO_BASE`] and [`DIR_RO_INHERITING`] contain no right that
//! writes, creates, truncates, removes, renames, links, sets sizes or times, or
//! allocates; everything a guest opens beneath a read-only preopen is bounded by them.
//! [`STDIN`] and [`STDOUT`] contain nothing that seeks or changes the inherited host
//! file or its flags.

/// `rights` bits.
pub const FD_DATASYNC: u64 = 1 << 0;
pub const FD_READ: u64 = 1 << 1;
pub const FD_SEEK: u64 = 1 << 2;
pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub const FD_SYNC: u64 = 1 << 4;
pub const FD_TELL: u64 = 1 << 5;
pub const FD_WRITE: u64 = 1 << 6;
pub const FD_ADVISE: u64 = 1 << 7;
pub const FD_ALLOCATE: u64 = 1 << 8;
pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub const PATH_CREATE_FILE: u64 = 1 << 10;
pub const PATH_LINK_SOURCE: u64 = 1 << 11;
pub const PATH_LINK_TARGET: u64 = 1 << 12;
pub const PATH_OPEN: u64 = 1 << 13;
pub const FD_READDIR: u64 = 1 << 14;
pub const PATH_READLINK: u64 = 1 << 15;
pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
pub const PATH_RENAME_TARGET: u64 = 1 << 17;
pub const PATH_FILESTAT_GET: u64 = 1 << 18;
pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub const FD_FILESTAT_GET: u64 = 1 << 21;
pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub const PATH_SYMLINK: u64 = 1 << 24;
pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub const PATH_UNLINK_FILE: u64 = 1 << 26;
pub const POLL_FD_READWRITE: u64 = 1 << 27;
pub const SOCK_SHUTDOWN: u64 = 1 << 28;
pub const SOCK_ACCEPT: u64 = 1 << 29;
/// Every defined right.
pub const ALL: u64 = (1 << 30) - 1;

/// Rights that read a regular file (or a character device) through its fd.
pub const FILE_READ: u64 = FD_READ
    | FD_SEEK
    | FD_TELL
    | FD_FDSTAT_SET_FLAGS
    | FD_ADVISE
    | FD_FILESTAT_GET
    | POLL_FD_READWRITE;
/// Rights that modify a file through its fd.
pub const FILE_WRITE: u64 =
    FD_DATASYNC | FD_SYNC | FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES;
/// Everything that makes sense on a non-directory fd.
pub const FILE_ALL: u64 = FILE_READ | FILE_WRITE;

/// Rights that look at a directory or beneath it without changing anything.
pub const DIR_READ: u64 = PATH_OPEN
    | FD_READDIR
    | PATH_READLINK
    | PATH_FILESTAT_GET
    | FD_FILESTAT_GET
    | FD_FDSTAT_SET_FLAGS;
/// Rights that change a directory's contents or metadata.
pub const DIR_WRITE: u64 = PATH_CREATE_DIRECTORY
    | PATH_CREATE_FILE
    | PATH_LINK_SOURCE
    | PATH_LINK_TARGET
    | PATH_RENAME_SOURCE
    | PATH_RENAME_TARGET
    | PATH_FILESTAT_SET_SIZE
    | PATH_FILESTAT_SET_TIMES
    | FD_FILESTAT_SET_TIMES
    | PATH_SYMLINK
    | PATH_REMOVE_DIRECTORY
    | PATH_UNLINK_FILE
    | FD_DATASYNC
    | FD_SYNC;
/// Everything that makes sense on a directory fd.
pub const DIR_ALL: u64 = DIR_READ | DIR_WRITE;

/// A read-only preopen: look, list, open for reading.
pub const DIR_RO_BASE: u64 = DIR_READ;
/// What a read-only preopen hands down to what is opened beneath it.
pub const DIR_RO_INHERITING: u64 = DIR_READ | FILE_READ;
/// A read-write preopen.
pub const DIR_RW_BASE: u64 = DIR_ALL;
/// What a read-write preopen hands down.
pub const DIR_RW_INHERITING: u64 = DIR_ALL | FILE_ALL;

/// Stdin as inherited from the parent: read it, poll it, look at it. The host
/// description is shared with the parent (and often with a terminal or a pipe other
/// processes use), so nothing that seeks, truncates, allocates, syncs, sets times or
/// sets flags is granted: no change made through stdio outlives the process beyond the
/// bytes read. `fd_fdstat_get` needs no right.
pub const STDIN: u64 = FD_READ | POLL_FD_READWRITE | FD_FILESTAT_GET;
/// Stdout and stderr as inherited: write, poll, look at; the rest as for [`STDIN`]
/// (`./tool >> log` can append to the log, never truncate or rewrite it).
pub const STDOUT: u64 = FD_WRITE | POLL_FD_READWRITE | FD_FILESTAT_GET;

/// A connected or accepted socket.
pub const SOCKET: u64 =
    FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE | SOCK_SHUTDOWN;
/// A socket the guest opened (socket extension): a connection, a listener or a UDP
/// socket, whichever it becomes; what is accepted from it gets [`SOCKET`].
pub const GUEST_SOCKET: u64 = SOCKET | SOCK_ACCEPT;
/// A listening socket preopen.
pub const LISTENER: u64 = SOCK_ACCEPT | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;

/// Rights that only a writable grant may carry; used by checks and tests.
pub const ANY_WRITE: u64 = FILE_WRITE | DIR_WRITE;

const _: () = assert!(DIR_RO_BASE & ANY_WRITE == 0);
const _: () = assert!(DIR_RO_INHERITING & ANY_WRITE == 0);
/// Stdio carries no right that changes the shared host description or the file.
const STDIO_MUTATING: u64 = FD_SEEK
    | FD_TELL
    | FD_FDSTAT_SET_FLAGS
    | FD_DATASYNC
    | FD_SYNC
    | FD_ALLOCATE
    | FD_FILESTAT_SET_SIZE
    | FD_FILESTAT_SET_TIMES
    | FD_ADVISE;
const _: () = assert!((STDIN | STDOUT) & STDIO_MUTATING == 0);

/// `filetype`.
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_DGRAM: u8 = 5;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;

    /// The WASI filetype of a host `st_mode`.
    pub fn from_mode(mode: u32) -> u8 {
        match mode & libc::S_IFMT {
            libc::S_IFBLK => BLOCK_DEVICE,
            libc::S_IFCHR => CHARACTER_DEVICE,
            libc::S_IFDIR => DIRECTORY,
            libc::S_IFREG => REGULAR_FILE,
            libc::S_IFSOCK => SOCKET_STREAM,
            libc::S_IFLNK => SYMBOLIC_LINK,
            _ => UNKNOWN,
        }
    }

    /// The WASI filetype of a host `d_type`.
    pub fn from_dtype(t: u8) -> u8 {
        match t {
            libc::DT_BLK => BLOCK_DEVICE,
            libc::DT_CHR => CHARACTER_DEVICE,
            libc::DT_DIR => DIRECTORY,
            libc::DT_REG => REGULAR_FILE,
            libc::DT_SOCK => SOCKET_STREAM,
            libc::DT_LNK => SYMBOLIC_LINK,
            _ => UNKNOWN,
        }
    }
}

/// `fdflags`.
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags`.
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags`.
pub mod lookupflags {
    pub const SYMLINK_FOLLOW: u32 = 1 << 0;
}

/// `fstflags`.
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
    pub const ALL: u16 = ATIM | ATIM_NOW | MTIM | MTIM_NOW;
}
