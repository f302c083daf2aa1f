//! Hostile pointers: every WASI preview1 function that takes a guest pointer or a
//! length is called straight from WebAssembly (no libc in between) with ranges the
//! guest does not own, and must answer EFAULT — never crash, never touch memory
//! outside the guest's, never act before failing (no partial write, no file created,
//! renamed or removed, no byte sent).
//!
//! The cases are generated here from the contract table (`aotc_abi::wasi`, parameter
//! names included), so every pointer parameter of every function gets the same hostile
//! values; they are spliced into `tests/hostile/harness.wat`, which calls each through
//! `call_indirect` and prints `<index> <errno>`. Valid fds are used everywhere (a file
//! opened in the read-write grant, stdout, the preopen, an accepted socket), so the
//! pointer check is what answers. Values, for a range the runtime reads or writes:
//!
//! - `END` (the memory size), a range straddling `END`, one ending exactly at 4 GiB
//!   (`4G-k`: a 32-bit `ptr + len` wraps to 0), `0xffffffff`;
//! - a valid pointer with a length of `0xffffffff`, or one whose `ptr + len` wraps to 16;
//! - iovec arrays at `END`, straddling it, with `iovs_len` = 2^29 (times 8 wraps to 0)
//!   and `0xffffffff`, iovecs whose buffer is outside, straddles, wraps, and an array
//!   whose first iovec is good and second bad (nothing may be written);
//! - poll subscriptions likewise, `nsubscriptions` = `0xffffffff` and one whose times 48
//!   wraps.
//!
//! Checks besides the errno: exit status 0 and a clean stderr (a host fault inside the
//! reservation would be reported as a wasm trap), two canaries in guest memory
//! untouched (the bytes just below `END` and the first KiB, where a wrapped address
//! lands), the host tree byte for byte (mtimes included), stdout exactly the result
//! lines, and for sockets exactly the bytes the final valid call sends.
//!
//! Also: a module with no memory at all (every non-empty range is EFAULT; the module
//! exits with the number of the first case that answered otherwise), and a module
//! with the full 4 GiB memory, where ranges ending exactly at 4 GiB must work and one
//! byte more must not.
//!
//! Where the answer is not EFAULT, it is a documented choice (see `Variant::why`):
//! empty ranges are never dereferenced, so an empty range anywhere succeeds (as the
//! runtime's `guest` module promises); `nsubscriptions` = 0 is EINVAL (Wasmtime does
//! the same; nothing could be waited for); fd_prestat_dir_name checks and writes only
//! the name's bytes (Wasmtime too), and a buffer shorter than the name is ENAMETOOLONG
//! before any pointer is looked at; an empty path is ENOENT. WASI preview1 names no
//! other errno for bad pointers (EINVAL and EOVERFLOW are for values, not addresses).

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ---------------------------------------------------------------------------------
// The contract, with parameter names
// ---------------------------------------------------------------------------------

macro_rules! signature_table {
    ($( ($status:ident) $name:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        /// (function, [(parameter, type)], returns an errno)
        const SIGNATURES: &[(&str, &[(&str, &str)], bool)] = &[
            $( (stringify!($name), &[$((stringify!($p), stringify!($t))),*],
                signature_table!(@errno $r)), )*
        ];
    };
    (@errno errno) => { true };
    (@errno never) => { false };
}
aotc_abi::for_each_wasi_function!(signature_table);

fn signature(func: &str) -> &'static [(&'static str, &'static str)] {
    SIGNATURES
        .iter()
        .find(|s| s.0 == func)
        .unwrap_or_else(|| panic!("no WASI function {func}"))
        .1
}

/// What a parameter is, from its name in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Pointer,
    Length,
    Scalar,
}

fn role(param: &str) -> Role {
    const POINTERS: &[&str] = &[
        "argv",
        "argv_buf",
        "environ",
        "environ_buf",
        "iovs",
        "path",
        "buf",
        "old_path",
        "new_path",
        "subscriptions",
        "ri_data",
        "si_data",
    ];
    const SCALARS: &[&str] = &[
        "fd",
        "to",
        "old_fd",
        "new_fd",
        "clock_id",
        "precision",
        "offset",
        "len",
        "advice",
        "flags",
        "rights_base",
        "rights_inheriting",
        "size",
        "atim",
        "mtim",
        "fst_flags",
        "whence",
        "dirflags",
        "oflags",
        "fdflags",
        "old_flags",
        "signal",
        "code",
        "how",
        "ri_flags",
        "si_flags",
        "cookie",
    ];
    if param.ends_with("_out") || POINTERS.contains(&param) {
        Role::Pointer
    } else if param.ends_with("_len") || param == "nsubscriptions" {
        Role::Length
    } else if SCALARS.contains(&param) {
        Role::Scalar
    } else {
        panic!("classify the new WASI parameter `{param}` in tests/hostile.rs")
    }
}

/// The functions with at least one pointer parameter, and those parameters.
fn pointer_params() -> BTreeMap<&'static str, Vec<&'static str>> {
    SIGNATURES
        .iter()
        .map(|(f, params, _)| {
            (
                *f,
                params
                    .iter()
                    .map(|p| p.0)
                    .filter(|p| role(p) == Role::Pointer)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, ps)| !ps.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------
// Errnos and the memory layout (the same as tests/hostile/harness.wat)
// ---------------------------------------------------------------------------------

const ESUCCESS: u32 = 0;
const EFAULT: u32 = 21;
const EINVAL: u32 = 28;
const ENAMETOOLONG: u32 = 37;
const ENOENT: u32 = 44;

/// The memory size of the one-page module (and the first address it does not own).
const END: u64 = 65536;
const FOUR_G: u64 = 1 << 32;

/// iovec arrays (8 bytes each: buf, len).
const IOV_OK: u64 = 1024; // {BUF, 16}
const IOV_MIXED: u64 = 1032; // {BUF, 16}, {END, 1}
const IOV_BUF_END: u64 = 1048; // {END, 1}
const IOV_BUF_STRADDLE: u64 = 1056; // {END - 6, 16}
const IOV_BUF_WRAP: u64 = 1064; // {4G - 16, 32}
const IOV_BUF_MAX: u64 = 1072; // {0xffffffff, 0xffffffff}
const IOV_BUF_HUGE: u64 = 1080; // {0, 0xffffffff}
const IOV_EMPTY_FAR: u64 = 1088; // {4G - 16, 0}
const IOV_PONG: u64 = 1096; // {PONG, 4}
const IOV_RECV: u64 = 1104; // {OUT + 512, 4}
/// 16 bytes that must never reach a file, stdout or a socket.
const BUF: u64 = 2048;
const PONG: u64 = 2112;
/// Path strings.
const P_FILE: (u64, u64) = (3072, 11); // "hostile.txt"
const P_NEW: (u64, u64) = (3104, 7); // "created"
const P_LINK: (u64, u64) = (3136, 4); // "link"
const P_SUB: (u64, u64) = (3168, 3); // "sub"
/// One poll subscription: userdata 7, clock, monotonic, timeout 0, relative.
const SUB: u64 = 3584;
/// The valid output area.
const OUT: u64 = 4096;

/// Data segments of the one-page modules.
fn layout_data() -> String {
    fn iov(buf: u64, len: u64) -> String {
        let mut s = String::new();
        for b in (buf as u32)
            .to_le_bytes()
            .iter()
            .chain((len as u32).to_le_bytes().iter())
        {
            let _ = write!(s, "\\{b:02x}");
        }
        s
    }
    let iovs = [
        iov(BUF, 16),
        iov(BUF, 16),
        iov(END, 1),
        iov(END, 1),
        iov(END - 6, 16),
        iov(FOUR_G - 16, 32),
        iov(0xffff_ffff, 0xffff_ffff),
        iov(0, 0xffff_ffff),
        iov(FOUR_G - 16, 0),
        iov(PONG, 4),
        iov(OUT + 512, 4),
    ]
    .concat();
    let mut sub = String::new();
    for b in 7u64.to_le_bytes() {
        let _ = write!(sub, "\\{b:02x}");
    }
    sub.push_str(&"\\00".repeat(8)); // tag 0 (clock) + padding
    sub.push_str("\\01\\00\\00\\00\\00\\00\\00\\00"); // clock id 1 (monotonic) + padding
    sub.push_str(&"\\00".repeat(24)); // timeout 0, precision 0, flags 0 (relative)
    format!(
        "(data (i32.const {IOV_OK}) \"{iovs}\")\n  \
         (data (i32.const {BUF}) \"LEAKED-PARTIAL!!\")\n  \
         (data (i32.const {PONG}) \"pong\")\n  \
         (data (i32.const {}) \"hostile.txt\")\n  \
         (data (i32.const {}) \"created\")\n  \
         (data (i32.const {}) \"link\")\n  \
         (data (i32.const {}) \"sub\")\n  \
         (data (i32.const {SUB}) \"{sub}\")",
        P_FILE.0, P_NEW.0, P_LINK.0, P_SUB.0
    )
}

// ---------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------

/// One generated call.
#[derive(Debug, Clone)]
struct Case {
    /// `function@template:parameter=variant`, also the WAT function's name.
    name: String,
    func: &'static str,
    /// The pointer parameter made hostile (for coverage).
    param: &'static str,
    /// WAT expression returning the errno.
    wat: String,
    expect: u32,
    /// Why the answer is not EFAULT.
    why: Option<&'static str>,
}

/// A WAT call of `func` with arguments named as in the contract: numbers, or WAT
/// expressions starting with `(`. Every parameter must be given, nothing else.
fn call(func: &'static str, args: &[(&str, String)]) -> String {
    let sig = signature(func);
    for (name, _) in args {
        assert!(
            sig.iter().any(|(p, _)| p == name),
            "{func} has no parameter {name}"
        );
    }
    let mut s = format!("(call ${func}");
    for (p, ty) in sig {
        let v = &args
            .iter()
            .find(|(n, _)| n == p)
            .unwrap_or_else(|| panic!("{func}: no value for {p}"))
            .1;
        if v.starts_with('(') {
            let _ = write!(s, " {v}");
        } else {
            let n: u64 = v.parse().unwrap_or_else(|_| panic!("{func}.{p}: {v}"));
            if *ty == "i32" {
                assert!(n <= u64::from(u32::MAX), "{func}.{p} = {n} is not an i32");
                let _ = write!(s, " (i32.const {n:#x})");
            } else {
                let _ = write!(s, " (i64.const {n:#x})");
            }
        }
    }
    s.push(')');
    s
}

/// How a pointer parameter is used by the runtime.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Written: `k` bytes.
    Out(u64),
    /// A (pointer, length) buffer read or written whole; an empty one answers `empty`.
    Buf { len: &'static str, empty: u32 },
    /// An iovec array and its count.
    Iovs { len: &'static str },
    /// poll_oneoff's subscriptions and their count.
    Subs { len: &'static str },
    /// fd_prestat_dir_name's buffer (only the name's 2 bytes are written).
    Name { len: &'static str },
}

/// One hostile value (or a documented control) for a pointer parameter.
struct Variant {
    label: String,
    set: Vec<(&'static str, u64)>,
    expect: u32,
    why: Option<&'static str>,
}

fn v(label: impl Into<String>, set: Vec<(&'static str, u64)>) -> Variant {
    Variant {
        label: label.into(),
        set,
        expect: EFAULT,
        why: None,
    }
}

const WHY_EMPTY: &str = "an empty range is never dereferenced, wherever it points";
const WHY_NSUBS_0: &str = "no subscription: nothing to wait for (EINVAL, as Wasmtime)";
const WHY_NAME: &str =
    "only the name's bytes are checked and written, as Wasmtime does; the rest of the buffer is never touched";
const WHY_NAME_SHORT: &str =
    "a buffer shorter than the name is ENAMETOOLONG before any pointer is looked at";
const WHY_EMPTY_PATH: &str = "an empty path names nothing (ENOENT), whatever its pointer";

fn variants(p: &'static str, kind: Kind, template: &[(&'static str, String)]) -> Vec<Variant> {
    let valid = |name: &str| -> u64 {
        template
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or_else(|| panic!("template value of {name}"))
    };
    match kind {
        Kind::Out(k) => {
            let mut out = vec![v("END", vec![(p, END)])];
            if k > 1 {
                out.push(v(format!("END-{}", k - 1), vec![(p, END - k + 1)]));
            }
            out.push(v(format!("4G-{k}"), vec![(p, FOUR_G - k)]));
            out.push(v("max", vec![(p, 0xffff_ffff)]));
            out
        }
        Kind::Buf { len, empty } => {
            let (ptr, n) = (valid(p), valid(len));
            assert!(n >= 2, "{p}: the valid length must be at least 2");
            let mut empty_case = v("END,len=0", vec![(p, END), (len, 0)]);
            empty_case.expect = empty;
            empty_case.why = Some(if empty == ENOENT {
                WHY_EMPTY_PATH
            } else {
                WHY_EMPTY
            });
            vec![
                v("END", vec![(p, END)]),
                v("END-1", vec![(p, END - 1)]),
                v("4G-16,len=32", vec![(p, FOUR_G - 16), (len, 32)]),
                v("len=max", vec![(len, 0xffff_ffff)]),
                v("len-wraps-to-16", vec![(len, FOUR_G - ptr + 16)]),
                empty_case,
            ]
        }
        Kind::Iovs { len } => {
            let mut empty_far = v("iov={4G-16,0}", vec![(p, IOV_EMPTY_FAR), (len, 1)]);
            empty_far.expect = ESUCCESS;
            empty_far.why = Some(WHY_EMPTY);
            vec![
                v("END", vec![(p, END), (len, 1)]),
                v("END-4", vec![(p, END - 4), (len, 1)]),
                v("4G-8", vec![(p, FOUR_G - 8), (len, 1)]),
                v("len=2^29", vec![(p, IOV_OK), (len, 1 << 29)]),
                v("len=max", vec![(p, IOV_OK), (len, 0xffff_ffff)]),
                v("iov={END,1}", vec![(p, IOV_BUF_END), (len, 1)]),
                v("iov={END-6,16}", vec![(p, IOV_BUF_STRADDLE), (len, 1)]),
                v("iov={4G-16,32}", vec![(p, IOV_BUF_WRAP), (len, 1)]),
                v("iov={max,max}", vec![(p, IOV_BUF_MAX), (len, 1)]),
                v("iov={0,max}", vec![(p, IOV_BUF_HUGE), (len, 1)]),
                v("iovs=good,bad", vec![(p, IOV_MIXED), (len, 2)]),
                empty_far,
            ]
        }
        Kind::Subs { len } => {
            let mut zero = v("nsubscriptions=0", vec![(p, END), (len, 0)]);
            zero.expect = EINVAL;
            zero.why = Some(WHY_NSUBS_0);
            vec![
                v("END", vec![(p, END)]),
                v("END-24", vec![(p, END - 24)]),
                v("4G-48", vec![(p, FOUR_G - 48)]),
                v("nsubscriptions=max", vec![(len, 0xffff_ffff)]),
                // 89478486 * 48 = 2^32 + 32
                v("nsubscriptions*48-wraps", vec![(len, 89_478_486)]),
                zero,
            ]
        }
        Kind::Name { len } => {
            let mut long = v("len=max", vec![(len, 0xffff_ffff)]);
            long.expect = ESUCCESS;
            long.why = Some(WHY_NAME);
            let mut short = v("END,len=1", vec![(p, END), (len, 1)]);
            short.expect = ENAMETOOLONG;
            short.why = Some(WHY_NAME_SHORT);
            vec![
                v("END", vec![(p, END)]),
                v("END-1", vec![(p, END - 1)]),
                v("4G-1", vec![(p, FOUR_G - 1)]),
                v("max", vec![(p, 0xffff_ffff)]),
                long,
                short,
            ]
        }
    }
}

/// A valid call of a function and how each of its pointer parameters is used.
struct Template {
    func: &'static str,
    /// Distinguishes two templates of one function (`fd_write@stdout`).
    label: &'static str,
    args: Vec<(&'static str, String)>,
    ptrs: Vec<(&'static str, Kind)>,
}

fn t(
    func: &'static str,
    label: &'static str,
    args: &[(&'static str, u64)],
    exprs: &[(&'static str, &str)],
    ptrs: &[(&'static str, Kind)],
) -> Template {
    let mut a: Vec<(&'static str, String)> =
        args.iter().map(|(n, v)| (*n, v.to_string())).collect();
    a.extend(exprs.iter().map(|(n, e)| (*n, e.to_string())));
    Template {
        func,
        label,
        args: a,
        ptrs: ptrs.to_vec(),
    }
}

const FILE: &str = "(global.get $file)";
const SOCK: &str = "(global.get $sock)";
/// The read-write preopen of the one-page modules.
const PREOPEN: u64 = 3;

fn out(k: u64) -> Kind {
    Kind::Out(k)
}

fn path(len: &'static str) -> Kind {
    Kind::Buf { len, empty: ENOENT }
}

/// Templates of the one-page pointer module (grant `rw`, fd 3, holding hostile.txt,
/// link -> hostile.txt and sub/).
fn pointer_templates() -> Vec<Template> {
    let iovs = Kind::Iovs { len: "iovs_len" };
    vec![
        t(
            "args_get",
            "",
            &[("argv", OUT), ("argv_buf", OUT + 64)],
            &[],
            &[("argv", out(4)), ("argv_buf", out(2))],
        ),
        t(
            "args_sizes_get",
            "",
            &[("argc_out", OUT), ("argv_buf_size_out", OUT + 8)],
            &[],
            &[("argc_out", out(4)), ("argv_buf_size_out", out(4))],
        ),
        t(
            "environ_get",
            "",
            &[("environ", OUT), ("environ_buf", OUT + 64)],
            &[],
            &[("environ", out(4)), ("environ_buf", out(2))],
        ),
        t(
            "environ_sizes_get",
            "",
            &[("count_out", OUT), ("buf_size_out", OUT + 8)],
            &[],
            &[("count_out", out(4)), ("buf_size_out", out(4))],
        ),
        t(
            "clock_res_get",
            "",
            &[("clock_id", 1), ("resolution_out", OUT)],
            &[],
            &[("resolution_out", out(8))],
        ),
        t(
            "clock_time_get",
            "",
            &[("clock_id", 1), ("precision", 0), ("time_out", OUT)],
            &[],
            &[("time_out", out(8))],
        ),
        t(
            "fd_fdstat_get",
            "",
            &[("fd", 1), ("stat_out", OUT)],
            &[],
            &[("stat_out", out(24))],
        ),
        t(
            "fd_filestat_get",
            "",
            &[("stat_out", OUT)],
            &[("fd", FILE)],
            &[("stat_out", out(64))],
        ),
        t(
            "fd_pread",
            "",
            &[
                ("iovs", IOV_OK),
                ("iovs_len", 1),
                ("offset", 0),
                ("nread_out", OUT),
            ],
            &[("fd", FILE)],
            &[("iovs", iovs), ("nread_out", out(4))],
        ),
        t(
            "fd_prestat_get",
            "",
            &[("fd", PREOPEN), ("prestat_out", OUT)],
            &[],
            &[("prestat_out", out(8))],
        ),
        t(
            "fd_prestat_dir_name",
            "",
            &[("fd", PREOPEN), ("path", OUT), ("path_len", 16)],
            &[],
            &[("path", Kind::Name { len: "path_len" })],
        ),
        t(
            "fd_pwrite",
            "",
            &[
                ("iovs", IOV_OK),
                ("iovs_len", 1),
                ("offset", 0),
                ("nwritten_out", OUT),
            ],
            &[("fd", FILE)],
            &[("iovs", iovs), ("nwritten_out", out(4))],
        ),
        t(
            "fd_read",
            "",
            &[("iovs", IOV_OK), ("iovs_len", 1), ("nread_out", OUT)],
            &[("fd", FILE)],
            &[("iovs", iovs), ("nread_out", out(4))],
        ),
        t(
            "fd_readdir",
            "",
            &[
                ("fd", PREOPEN),
                ("buf", OUT),
                ("buf_len", 256),
                ("cookie", 0),
                ("bufused_out", OUT + 512),
            ],
            &[],
            &[
                (
                    "buf",
                    Kind::Buf {
                        len: "buf_len",
                        empty: ESUCCESS,
                    },
                ),
                ("bufused_out", out(4)),
            ],
        ),
        t(
            "fd_seek",
            "",
            &[("offset", 0), ("whence", 0), ("newoffset_out", OUT)],
            &[("fd", FILE)],
            &[("newoffset_out", out(8))],
        ),
        t(
            "fd_tell",
            "",
            &[("offset_out", OUT)],
            &[("fd", FILE)],
            &[("offset_out", out(8))],
        ),
        t(
            "fd_write",
            "file",
            &[("iovs", IOV_OK), ("iovs_len", 1), ("nwritten_out", OUT)],
            &[("fd", FILE)],
            &[("iovs", iovs), ("nwritten_out", out(4))],
        ),
        t(
            "fd_write",
            "stdout",
            &[
                ("fd", 1),
                ("iovs", IOV_OK),
                ("iovs_len", 1),
                ("nwritten_out", OUT),
            ],
            &[],
            &[("iovs", iovs), ("nwritten_out", out(4))],
        ),
        t(
            "path_create_directory",
            "",
            &[("fd", PREOPEN), ("path", P_NEW.0), ("path_len", P_NEW.1)],
            &[],
            &[("path", path("path_len"))],
        ),
        t(
            "path_filestat_get",
            "",
            &[
                ("fd", PREOPEN),
                ("flags", 0),
                ("path", P_FILE.0),
                ("path_len", P_FILE.1),
                ("stat_out", OUT),
            ],
            &[],
            &[("path", path("path_len")), ("stat_out", out(64))],
        ),
        t(
            "path_filestat_set_times",
            "",
            &[
                ("fd", PREOPEN),
                ("flags", 0),
                ("path", P_FILE.0),
                ("path_len", P_FILE.1),
                ("atim", 0),
                ("mtim", 0),
                ("fst_flags", 5),
            ],
            &[],
            &[("path", path("path_len"))],
        ),
        t(
            "path_link",
            "",
            &[
                ("old_fd", PREOPEN),
                ("old_flags", 0),
                ("old_path", P_FILE.0),
                ("old_path_len", P_FILE.1),
                ("new_fd", PREOPEN),
                ("new_path", P_NEW.0),
                ("new_path_len", P_NEW.1),
            ],
            &[],
            &[
                ("old_path", path("old_path_len")),
                ("new_path", path("new_path_len")),
            ],
        ),
        t(
            "path_open",
            "",
            &[
                ("fd", PREOPEN),
                ("dirflags", 0),
                ("path", P_NEW.0),
                ("path_len", P_NEW.1),
                ("oflags", 1), // O_CREAT: a case that opened before checking would create
                ("rights_base", 0x42), // fd_read | fd_write
                ("rights_inheriting", 0),
                ("fdflags", 0),
                ("fd_out", OUT),
            ],
            &[],
            &[("path", path("path_len")), ("fd_out", out(4))],
        ),
        t(
            "path_readlink",
            "",
            &[
                ("fd", PREOPEN),
                ("path", P_LINK.0),
                ("path_len", P_LINK.1),
                ("buf", OUT),
                ("buf_len", 64),
                ("bufused_out", OUT + 512),
            ],
            &[],
            &[
                ("path", path("path_len")),
                (
                    "buf",
                    Kind::Buf {
                        len: "buf_len",
                        empty: ESUCCESS,
                    },
                ),
                ("bufused_out", out(4)),
            ],
        ),
        t(
            "path_remove_directory",
            "",
            &[("fd", PREOPEN), ("path", P_SUB.0), ("path_len", P_SUB.1)],
            &[],
            &[("path", path("path_len"))],
        ),
        t(
            "path_rename",
            "",
            &[
                ("fd", PREOPEN),
                ("old_path", P_FILE.0),
                ("old_path_len", P_FILE.1),
                ("new_fd", PREOPEN),
                ("new_path", P_NEW.0),
                ("new_path_len", P_NEW.1),
            ],
            &[],
            &[
                ("old_path", path("old_path_len")),
                ("new_path", path("new_path_len")),
            ],
        ),
        t(
            "path_symlink",
            "",
            &[
                ("old_path", P_FILE.0),
                ("old_path_len", P_FILE.1),
                ("fd", PREOPEN),
                ("new_path", P_NEW.0),
                ("new_path_len", P_NEW.1),
            ],
            &[],
            &[
                ("old_path", path("old_path_len")),
                ("new_path", path("new_path_len")),
            ],
        ),
        t(
            "path_unlink_file",
            "",
            &[("fd", PREOPEN), ("path", P_FILE.0), ("path_len", P_FILE.1)],
            &[],
            &[("path", path("path_len"))],
        ),
        t(
            "poll_oneoff",
            "",
            &[
                ("subscriptions", SUB),
                ("events_out", OUT),
                ("nsubscriptions", 1),
                ("nevents_out", OUT + 256),
            ],
            &[],
            &[
                (
                    "subscriptions",
                    Kind::Subs {
                        len: "nsubscriptions",
                    },
                ),
                ("events_out", out(32)),
                ("nevents_out", out(4)),
            ],
        ),
        t(
            "random_get",
            "",
            &[("buf", OUT), ("buf_len", 64)],
            &[],
            &[(
                "buf",
                Kind::Buf {
                    len: "buf_len",
                    empty: ESUCCESS,
                },
            )],
        ),
    ]
}

/// Templates of the socket module (a listener at fd 3, `$sock` accepted from it).
fn socket_templates() -> Vec<Template> {
    vec![
        t(
            "sock_accept",
            "",
            &[("fd", 3), ("flags", 0), ("fd_out", OUT)],
            &[],
            &[("fd_out", out(4))],
        ),
        t(
            "sock_recv",
            "",
            &[
                ("ri_data", IOV_RECV),
                ("ri_data_len", 1),
                ("ri_flags", 0),
                ("ro_datalen_out", OUT),
                ("ro_flags_out", OUT + 8),
            ],
            &[("fd", SOCK)],
            &[
                ("ri_data", Kind::Iovs { len: "ri_data_len" }),
                ("ro_datalen_out", out(4)),
                ("ro_flags_out", out(2)),
            ],
        ),
        t(
            "sock_send",
            "",
            &[
                ("si_data", IOV_OK),
                ("si_data_len", 1),
                ("si_flags", 0),
                ("so_datalen_out", OUT),
            ],
            &[("fd", SOCK)],
            &[
                ("si_data", Kind::Iovs { len: "si_data_len" }),
                ("so_datalen_out", out(4)),
            ],
        ),
    ]
}

/// Every hostile variant of every pointer parameter of every template.
fn expand(templates: &[Template]) -> Vec<Case> {
    let mut cases = Vec::new();
    for tpl in templates {
        for (p, kind) in &tpl.ptrs {
            assert_eq!(role(p), Role::Pointer, "{}: {p} is not a pointer", tpl.func);
            for var in variants(p, *kind, &tpl.args) {
                // A variant empty on a receive would block: skip it for sockets.
                if tpl.func == "sock_recv" && var.expect == ESUCCESS {
                    continue;
                }
                let mut args = tpl.args.clone();
                for (n, val) in &var.set {
                    let slot = args
                        .iter_mut()
                        .find(|(a, _)| a == n)
                        .unwrap_or_else(|| panic!("{}: no parameter {n}", tpl.func));
                    slot.1 = val.to_string();
                }
                let at = if tpl.label.is_empty() {
                    String::new()
                } else {
                    format!("@{}", tpl.label)
                };
                cases.push(Case {
                    name: format!("{}{at}:{p}:{}", tpl.func, var.label),
                    func: tpl.func,
                    param: p,
                    wat: call(tpl.func, &args),
                    expect: var.expect,
                    why: var.why,
                });
            }
        }
    }
    cases
}

// ---------------------------------------------------------------------------------
// Modules
// ---------------------------------------------------------------------------------

/// Imports of all 46 functions, from the contract.
fn imports() -> String {
    let mut s = String::new();
    for (name, params, errno) in SIGNATURES {
        let ps: Vec<&str> = params.iter().map(|p| p.1).collect();
        let params = if ps.is_empty() {
            String::new()
        } else {
            format!(" (param {})", ps.join(" "))
        };
        let result = if *errno { " (result i32)" } else { "" };
        let _ = write!(
            s,
            "(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name}{params}{result}))\n  "
        );
    }
    s
}

/// A WAT identifier for a case name (the name section shows it in trap backtraces).
fn ident(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-./:<=>?@\\^_`|~".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The harness with its marked lines filled in; written beside the scratch
/// executables so a failure can point at it.
fn module(name: &str, memory: &str, data: &str, setup: &str, cases: &[Case]) -> PathBuf {
    let harness = std::fs::read_to_string(tests_path("hostile/harness.wat")).expect("harness");
    let mut funcs = String::new();
    let mut elems = String::new();
    for (i, c) in cases.iter().enumerate() {
        let id = format!("${i}:{}", ident(&c.name));
        let _ = write!(funcs, "(func {id} (type $case)\n    {})\n  ", c.wat);
        let _ = write!(elems, "\n    {id}");
    }
    let _ = write!(funcs, "(table $cases funcref (elem{elems}))");
    let mut text = String::new();
    let mut filled = BTreeSet::new();
    for line in harness.lines() {
        let marker = line.trim();
        let fill = match marker {
            ";; @IMPORTS" => Some(imports()),
            ";; @MEMORY" => Some(format!("(memory (export \"memory\") {memory})")),
            ";; @DATA" => Some(data.to_string()),
            ";; @SETUP" => Some(setup.to_string()),
            ";; @CASES" => Some(funcs.clone()),
            _ => None,
        };
        match fill {
            Some(f) => {
                filled.insert(marker.to_string());
                let _ = writeln!(text, "  {f}");
            }
            None => {
                let _ = writeln!(text, "{line}");
            }
        }
    }
    assert_eq!(filled.len(), 5, "harness.wat lost a marker: {filled:?}");
    let dir = scratch_root().join("wat");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let key = fnv64(&[text.as_bytes()]);
    let path = dir.join(format!("{name}-{key:016x}.wat"));
    if !path.exists() {
        write_atomic(&path, text.as_bytes());
    }
    path
}

/// `$setup` of the pointer modules: opens hostile.txt in the grant as `$file`.
const SETUP_FILE: &str = r#"(func $setup
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 3072) (i32.const 11)
          (i32.const 0) (i64.const 0x3fffffff) (i64.const 0) (i32.const 0) (i32.const 4096))
      (then (call $proc_exit (i32.const 3))))
    (global.set $file (i32.load (i32.const 4096))))"#;

/// `$setup` of the socket module: accepts the test's connection as `$sock`; and the
/// two valid calls run last: receive the 4 bytes the test sent (0 when they are
/// "ping", untouched by the hostile receives before), send "pong".
const SETUP_SOCKET: &str = r#"(func $setup
    (if (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 4096))
      (then (call $proc_exit (i32.const 3))))
    (global.set $sock (i32.load (i32.const 4096))))
  (func $recv_ping (result i32) (local $e i32)
    ;; ri_flags 2: MSG_WAITALL, so all 4 bytes arrive in one call.
    (local.set $e (call $sock_recv (global.get $sock) (i32.const 1104) (i32.const 1)
      (i32.const 2) (i32.const 4096) (i32.const 4104)))
    (if (local.get $e) (then (return (local.get $e))))
    (if (i32.ne (i32.load (i32.const 4096)) (i32.const 4)) (then (return (i32.const 1000))))
    (if (i32.ne (i32.load (i32.const 4608)) (i32.const 0x676e6970)) (then (return (i32.const 1001))))
    (i32.const 0))"#;

/// Runs a module of cases; returns one `(case, got)` per case, after checking the
/// run itself (exit 0, nothing on stderr, every line, canaries intact).
fn run_cases(wat: &Path, flags: &[&str], cases: &[Case], cwd: &Path) -> (Output, Vec<u32>) {
    let exe = build_ok(wat, flags);
    let out = Run::new(&exe)
        .cwd(cwd)
        .timeout(Duration::from_secs(30))
        .output();
    assert_clean_exit(&out);
    check(
        &out,
        out.code() == Some(0),
        &format!(
            "the module must run to the end (exit 0); module: {}",
            wat.display()
        ),
    );
    check(
        &out,
        out.stderr.is_empty(),
        "nothing on stderr (a host fault would show as a wasm trap)",
    );
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    check(
        &out,
        lines.len() == cases.len() + 2,
        &format!("{} result lines, the canaries and done", cases.len()),
    );
    let mut got = Vec::new();
    for (i, line) in lines[..cases.len()].iter().enumerate() {
        let (idx, e) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("bad line {line:?}\n{}", out.describe()));
        assert_eq!(idx, i.to_string(), "line {i}: {line:?}\n{}", out.describe());
        got.push(e.parse().expect("errno"));
    }
    check(
        &out,
        lines[cases.len()] == "canaries 1 1",
        "guest memory outside the valid areas changed: a runtime wrote after a failed check \
         (low canary: a wrapped address; high: a straddling range)",
    );
    check(&out, lines[cases.len() + 1] == "done", "done");
    (out, got)
}

/// Compares results with expectations; returns the failures.
fn compare(cases: &[Case], got: &[u32]) -> Vec<String> {
    cases
        .iter()
        .zip(got)
        .filter(|(c, g)| c.expect != **g)
        .map(|(c, g)| {
            format!(
                "{}: expected {} got {}   [{}]",
                c.name,
                errno_name(c.expect),
                errno_name(*g),
                c.wat
            )
        })
        .collect()
}

fn errno_name(e: u32) -> String {
    match e {
        ESUCCESS => "ESUCCESS".into(),
        EFAULT => "EFAULT".into(),
        EINVAL => "EINVAL".into(),
        ENAMETOOLONG => "ENAMETOOLONG".into(),
        ENOENT => "ENOENT".into(),
        8 => "EBADF".into(),
        76 => "ENOTCAPABLE".into(),
        e => format!("errno {e}"),
    }
}

/// The host tree of the pointer modules: `rw/` (granted) and a secret beside it.
fn pointer_tree() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempdir();
    let top = tmp.path().canonicalize().expect("canonicalize");
    write_file(&top.join("secret.txt"), b"secret\n");
    write_file(&top.join("rw/hostile.txt"), b"hostile file contents\n");
    symlink("hostile.txt", &top.join("rw/link"));
    std::fs::create_dir(top.join("rw/sub")).expect("mkdir sub");
    (tmp, top)
}

const POINTER_FLAGS: &[&str] = &["--allow-dir", "rw:rw", "--env", "HOSTILE=1"];

// ---------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------

/// Every pointer parameter of every function in the contract has hostile cases here
/// (one-page module or socket module), and the no-memory module calls every
/// pointer-taking function but the two that need a connected socket.
#[test]
fn every_pointer_parameter_is_covered() {
    let want = pointer_params();
    let mut cases = expand(&pointer_templates());
    cases.extend(expand(&socket_templates()));
    let mut have: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &cases {
        have.entry(c.func).or_default().insert(c.param);
    }
    let mut missing = Vec::new();
    for (f, ps) in &want {
        for p in ps {
            if !have.get(f).is_some_and(|s| s.contains(p)) {
                missing.push(format!("{f}.{p}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "pointer parameters without hostile cases: {missing:?}"
    );
    assert_eq!(SIGNATURES.len(), 46);
    assert_eq!(
        want.len(),
        32,
        "32 of the 46 functions take pointers: {want:?}"
    );
    let no_memory: BTreeSet<&str> = no_memory_cases().iter().map(|c| c.func).collect();
    for f in want.keys() {
        assert!(
            no_memory.contains(f) || NO_MEMORY_UNREACHABLE.contains(f),
            "{f} is missing from the no-memory module"
        );
    }
    // Names are unique (they become WAT identifiers).
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "duplicate case names");
}

#[test]
fn hostile_pointers_are_efault_and_change_nothing() {
    let (_tmp, top) = pointer_tree();
    let before = snapshot(&top);
    let cases = expand(&pointer_templates());
    let wat = module("pointers", "1 1", &layout_data(), SETUP_FILE, &cases);
    let (out, got) = run_cases(&wat, POINTER_FLAGS, &cases, &top);
    let mut failures = compare(&cases, &got);
    let diff = snapshot_diff(&before, &snapshot(&top));
    if !diff.is_empty() {
        failures.push(format!("the host tree changed:\n{diff}"));
    }
    check(
        &out,
        !out.stdout().contains("LEAKED"),
        "a failed fd_write to stdout wrote part of its iovecs",
    );
    let functions: BTreeSet<&str> = cases.iter().map(|c| c.func).collect();
    let efault = cases.iter().filter(|c| c.expect == EFAULT).count();
    println!(
        "hostile pointers: {} cases over {} functions ({efault} EFAULT, {} documented controls), \
         {} wrong",
        cases.len(),
        functions.len(),
        cases.len() - efault,
        failures.len()
    );
    for c in cases.iter().filter(|c| c.why.is_some()) {
        println!(
            "  control {}: {} ({})",
            c.name,
            errno_name(c.expect),
            c.why.unwrap_or("")
        );
    }
    assert!(
        failures.is_empty(),
        "{} case(s) wrong (module {}):\n{}",
        failures.len(),
        wat.display(),
        failures.join("\n")
    );
}

/// A TCP port on 127.0.0.1 that is free now, taken below the kernel's ephemeral range:
/// a port inside it could be handed to some other socket meanwhile, or make the
/// test's own connect attempts connect to themselves (TCP simultaneous open).
fn free_port() -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .unwrap_or_else(|_| "32768 60999".into());
    let low: u16 = range
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32768);
    let base = low.saturating_sub(10_000).max(1024);
    let start = (std::process::id() as u16) % 9_000;
    for i in 0..9_000u16 {
        let port = base + (start + i) % 9_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free TCP port below {low}");
}

/// Connects to the executable's listener, retrying until it is up.
fn connect(port: u16) -> std::net::TcpStream {
    let start = std::time::Instant::now();
    loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) if s.local_addr().ok() != s.peer_addr().ok() => return s,
            Ok(_) => {} // connected to itself: not the executable
            Err(e) if start.elapsed() > Duration::from_secs(20) => {
                panic!("cannot connect to the executable's listener: {e}")
            }
            Err(_) => {}
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn hostile_socket_pointers_are_efault_and_send_nothing() {
    let mut cases = expand(&socket_templates());
    cases.push(Case {
        name: "sock_recv:valid-after-hostile".into(),
        func: "sock_recv",
        param: "ri_data",
        wat: "(call $recv_ping)".into(),
        expect: ESUCCESS,
        why: Some("control: the 4 bytes sent are all still there"),
    });
    cases.push(Case {
        name: "sock_send:valid-after-hostile".into(),
        func: "sock_send",
        param: "si_data",
        wat: call(
            "sock_send",
            &[
                ("fd", SOCK.into()),
                ("si_data", IOV_PONG.to_string()),
                ("si_data_len", "1".into()),
                ("si_flags", "0".into()),
                ("so_datalen_out", OUT.to_string()),
            ],
        ),
        expect: ESUCCESS,
        why: Some("control: the only bytes the peer may receive"),
    });
    let wat = module("sockets", "1 1", &layout_data(), SETUP_SOCKET, &cases);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let tmp = tempdir();
    let flags = ["--listen", listen.as_str()];
    build_ok(&wat, &flags); // before connecting: the listener exists once it runs
    let peer = std::thread::spawn(move || {
        let mut s = connect(port);
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        s.write_all(b"ping").expect("send ping");
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        got
    });
    let (out, got) = run_cases(&wat, &flags, &cases, tmp.path());
    let received = peer.join().expect("peer thread");
    let mut failures = compare(&cases, &got);
    if received != b"pong" {
        failures.push(format!(
            "the peer must receive exactly \"pong\", got {:?}",
            String::from_utf8_lossy(&received)
        ));
    }
    println!(
        "hostile socket pointers: {} cases, {} wrong",
        cases.len(),
        failures.len()
    );
    check(
        &out,
        failures.is_empty(),
        &format!("module {}:\n{}", wat.display(), failures.join("\n")),
    );
}

/// The full 4 GiB memory: a range ending exactly at 4 GiB is valid (the check is
/// exact), one byte more is EFAULT (the check does not wrap).
#[test]
fn ranges_at_the_top_of_a_4_gib_memory() {
    // "hostile.txt", ending exactly at 4 GiB.
    const TOP_PATH: u64 = FOUR_G - 11;
    // Two iovecs, {4G-32, 32} and {4G-32, 33}, below the 256 bytes random_get fills.
    const TOP_IOVS: u64 = FOUR_G - 512;
    let data = format!(
        "{}\n  (data (i32.const {TOP_PATH:#x}) \"hostile.txt\")\n  \
         (data (i32.const {TOP_IOVS:#x}) \"\\e0\\ff\\ff\\ff\\20\\00\\00\\00\\e0\\ff\\ff\\ff\\21\\00\\00\\00\")",
        layout_data()
    );
    let mk = |name: &str, param: &'static str, wat: String, expect: u32| Case {
        name: name.into(),
        func: SIGNATURES
            .iter()
            .map(|s| s.0)
            .find(|f| name.split(':').next() == Some(*f))
            .expect("case names start with the function"),
        param,
        wat,
        expect,
        why: None,
    };
    let stat = |p: u64, len: u64, out: u64| {
        call(
            "path_filestat_get",
            &[
                ("fd", "3".into()),
                ("flags", "0".into()),
                ("path", p.to_string()),
                ("path_len", len.to_string()),
                ("stat_out", out.to_string()),
            ],
        )
    };
    let read = |iovs: u64, n: u64, out: u64| {
        call(
            "fd_read",
            &[
                ("fd", FILE.into()),
                ("iovs", iovs.to_string()),
                ("iovs_len", n.to_string()),
                ("nread_out", out.to_string()),
            ],
        )
    };
    let random = |p: u64, n: u64| {
        call(
            "random_get",
            &[("buf", p.to_string()), ("buf_len", n.to_string())],
        )
    };
    let time = |p: u64| {
        call(
            "clock_time_get",
            &[
                ("clock_id", "1".into()),
                ("precision", "0".into()),
                ("time_out", p.to_string()),
            ],
        )
    };
    // Order matters: the path at the top is used before reads overwrite it.
    let cases = vec![
        mk(
            "path_filestat_get:path-ends-at-4G",
            "path",
            stat(TOP_PATH, 11, OUT),
            ESUCCESS,
        ),
        mk(
            "path_filestat_get:path-4G+1",
            "path",
            stat(TOP_PATH, 12, OUT),
            EFAULT,
        ),
        mk(
            "path_filestat_get:stat_out-ends-at-4G",
            "stat_out",
            stat(P_FILE.0, P_FILE.1, FOUR_G - 64),
            ESUCCESS,
        ),
        mk(
            "path_filestat_get:stat_out-4G+1",
            "stat_out",
            stat(P_FILE.0, P_FILE.1, FOUR_G - 63),
            EFAULT,
        ),
        mk(
            "clock_time_get:time_out-ends-at-4G",
            "time_out",
            time(FOUR_G - 8),
            ESUCCESS,
        ),
        mk(
            "clock_time_get:time_out-4G+1",
            "time_out",
            time(FOUR_G - 7),
            EFAULT,
        ),
        mk(
            "clock_time_get:time_out=max",
            "time_out",
            time(FOUR_G - 1),
            EFAULT,
        ),
        mk(
            "random_get:buf-ends-at-4G",
            "buf",
            random(FOUR_G - 256, 256),
            ESUCCESS,
        ),
        mk(
            "random_get:buf-4G+1",
            "buf",
            random(FOUR_G - 256, 257),
            EFAULT,
        ),
        mk("random_get:max,len=2", "buf", random(FOUR_G - 1, 2), EFAULT),
        mk(
            "fd_read:iov-ends-at-4G",
            "iovs",
            read(TOP_IOVS, 1, OUT),
            ESUCCESS,
        ),
        mk(
            "fd_read:iov-4G+1",
            "iovs",
            read(TOP_IOVS + 8, 1, OUT),
            EFAULT,
        ),
        mk("fd_read:good,bad", "iovs", read(TOP_IOVS, 2, OUT), EFAULT),
        mk(
            "fd_read:iovs-array-4G+4",
            "iovs",
            read(FOUR_G - 4, 1, OUT),
            EFAULT,
        ),
        mk(
            "fd_read:nread_out-ends-at-4G",
            "nread_out",
            read(IOV_OK, 1, FOUR_G - 4),
            ESUCCESS,
        ),
        mk(
            "fd_read:nread_out-4G+1",
            "nread_out",
            read(IOV_OK, 1, FOUR_G - 3),
            EFAULT,
        ),
    ];
    let (_tmp, top) = pointer_tree();
    let before = snapshot(&top);
    let wat = module("full-memory", "65536", &data, SETUP_FILE, &cases);
    let (out, got) = run_cases(&wat, POINTER_FLAGS, &cases, &top);
    let mut failures = compare(&cases, &got);
    let diff = snapshot_diff(&before, &snapshot(&top));
    if !diff.is_empty() {
        failures.push(format!("the host tree changed:\n{diff}"));
    }
    check(
        &out,
        failures.is_empty(),
        &format!("module {}:\n{}", wat.display(), failures.join("\n")),
    );
}

/// Unreachable without memory: sock_recv/sock_send need a connected socket and the
/// positioned calls an fd holding fd_seek/fd_tell (stdio holds neither, and is ESPIPE
/// for seek and tell), which a module without memory can never get (sock_accept and
/// path_open must write the new fd somewhere).
const NO_MEMORY_UNREACHABLE: &[&str] = &[
    "sock_recv",
    "sock_send",
    "fd_pread",
    "fd_pwrite",
    "fd_seek",
    "fd_tell",
];

/// One call per pointer-taking function, every pointer 0 and every length as in the
/// valid template (non-empty): with no memory, every range is outside.
fn no_memory_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut seen = BTreeSet::new();
    for tpl in pointer_templates().into_iter().chain(socket_templates()) {
        if NO_MEMORY_UNREACHABLE.contains(&tpl.func) || !seen.insert(tpl.func) {
            continue;
        }
        let args: Vec<(&str, String)> = tpl
            .args
            .iter()
            .map(|(n, val)| {
                let val = match (role(n), val.as_str()) {
                    (Role::Pointer, _) => "0".to_string(),
                    (_, FILE) if tpl.func.contains("write") => "1".to_string(),
                    (_, FILE) => "0".to_string(),
                    // The listener comes after the one preopen here.
                    _ if tpl.func == "sock_accept" && *n == "fd" => "4".to_string(),
                    _ => val.clone(),
                };
                (*n, val)
            })
            .collect();
        cases.push(Case {
            name: format!("{}:no-memory", tpl.func),
            func: tpl.func,
            param: "",
            wat: call(tpl.func, &args),
            expect: EFAULT,
            why: None,
        });
    }
    cases.push(Case {
        name: "random_get:no-memory,empty".into(),
        func: "random_get",
        param: "",
        wat: call(
            "random_get",
            &[("buf", "0".into()), ("buf_len", "0".into())],
        ),
        expect: ESUCCESS,
        why: Some(WHY_EMPTY),
    });
    cases
}

/// A module without memory: `_start` runs `cases` and exits with 1 + the index of the
/// first that answers otherwise than expected, or 0; with `report`, it exits with
/// the errno of the first case instead.
fn no_memory_module(cases: &[Case], report: bool) -> PathBuf {
    let mut body = String::new();
    for (i, c) in cases.iter().enumerate() {
        if report {
            let _ = write!(body, "\n    (call $proc_exit {})", c.wat);
            break;
        }
        let _ = write!(
            body,
            "\n    (if (i32.ne {} (i32.const {})) (then (call $proc_exit (i32.const {}))))",
            c.wat,
            c.expect,
            i + 1
        );
    }
    let text = format!(
        ";; tests/hostile.rs: WASI calls from a module without memory.\n(module\n  {}\n  (func (export \"_start\"){body}\n    (call $proc_exit (i32.const 0))))\n",
        imports()
    );
    let dir = scratch_root().join("wat");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let key = fnv64(&[text.as_bytes()]);
    let path = dir.join(format!("no-memory-{key:016x}.wat"));
    if !path.exists() {
        write_atomic(&path, text.as_bytes());
    }
    path
}

#[test]
fn module_without_memory_gets_efault_everywhere() {
    let (_tmp, top) = pointer_tree();
    let before = snapshot(&top);
    let cases = no_memory_cases();
    // A free loopback port for the listening socket (aotc refuses port 0).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let flags = [
        "--allow-dir",
        "rw:rw",
        "--env",
        "HOSTILE=1",
        "--listen",
        listen.as_str(),
    ];
    let wat = no_memory_module(&cases, false);
    let out = Run::new(build_ok(&wat, &flags))
        .cwd(&top)
        .timeout(Duration::from_secs(30))
        .output();
    assert_clean_exit(&out);
    check(&out, out.stderr.is_empty(), "nothing on stderr");
    let code = out.code().expect("exit code");
    if code != 0 {
        let c = &cases[code as usize - 1];
        let one = no_memory_module(std::slice::from_ref(c), true);
        let got = Run::new(build_ok(&one, &flags)).cwd(&top).output();
        panic!(
            "{}: expected {}, got {} ({})\n{}",
            c.name,
            errno_name(c.expect),
            got.code()
                .map_or("a signal".to_string(), |e| errno_name(e as u32)),
            c.wat,
            out.describe()
        );
    }
    assert_tree_unchanged(&top, &before, &out);
    println!(
        "no memory: {} calls, every pointer-taking function but {NO_MEMORY_UNREACHABLE:?}",
        cases.len()
    );
}
