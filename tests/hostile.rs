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
//! WasmEdge's socket extension gets the same treatment, import by import (both forms
//! of a name that comes in two types, as `sock_recv_from/v1` and `sock_recv_from`),
//! in a module built with `--bind 127.0.0.1:*` and `--connect 127.0.0.1:*` that opens
//! its own sockets on loopback: UDP sockets bound to ports the kernel picks (a
//! datagram waits on one for the receive cases), a listener with a connection
//! accepted and one pending. New kinds of pointer: the 8-byte address descriptor
//! `{buf, buf_len}` (hostile itself, or pointing at a hostile buffer), getsockopt's
//! value (its capacity read through `value_len_inout`), getaddrinfo's hints and its
//! result chain (`res` holds the first record's address; each record, its sockaddr,
//! the sockaddr's 26-byte `sa_data` and the canonical-name buffer are made hostile in
//! turn, and a good record followed by a bad one). Controls after the cases: the next
//! socket gets the fd it would have had (nothing was created), the datagram is still
//! queued (and nothing more), the destination of the send_to cases got only the
//! empty datagrams of the documented empty-iovec controls, the connection's peer got
//! nothing, the pending connection is still pending, the sockets the bind and
//! connect cases used are still unbound and unconnected, an option still has its
//! value, and every input the cases read (descriptors, names, hints, records) is
//! byte for byte as it was.
//!
//! In every module, each case starts with the valid output area filled with 0x55; a
//! case answering EFAULT must leave it so (the harness reports 1021 otherwise).
//!
//! Where the answer is not EFAULT, it is a documented choice (see `Variant::why`):
//! empty ranges are never dereferenced, so an empty range anywhere succeeds (as the
//! runtime's `guest` module promises); `nsubscriptions` = 0 is EINVAL (Wasmtime does
//! the same; nothing could be waited for); fd_prestat_dir_name checks and writes only
//! the name's bytes (Wasmtime too), and a buffer shorter than the name is ENAMETOOLONG
//! before any pointer is looked at; an empty path is ENOENT. WASI preview1 names no
//! other errno for bad pointers (EINVAL and EOVERFLOW are for values, not addresses).
//! In the socket extension, as in WasmEdge: an address buffer of a length the call
//! does not take is EINVAL (and one too short for a datagram's sender ENOMEM, before
//! the datagram is taken), an option value shorter than the option EINVAL, and
//! `max_res_len` = 0 EAI_MEMORY, each wherever the pointer points.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

// ---------------------------------------------------------------------------------
// The contract, with parameter names
// ---------------------------------------------------------------------------------

macro_rules! signature_table {
    ($( ($status:ident) $name:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        /// Preview1: (function, [(parameter, type)], returns an errno)
        const PREVIEW1: &[(&str, &[(&str, &str)], bool)] = &[
            $( (stringify!($name), &[$((stringify!($p), stringify!($t))),*],
                signature_table!(@errno $r)), )*
        ];
    };
    (@errno errno) => { true };
    (@errno never) => { false };
}
aotc_abi::for_each_wasi_function!(signature_table);

macro_rules! extension_table {
    ($( ($status:ident) $name:ident = $symbol:ident($($p:ident: $t:ident),*) -> $r:ident; )*) => {
        /// WasmEdge's socket extension: (import, runtime symbol, [(parameter, type)],
        /// returns an errno)
        const EXTENSION: &[(&str, &str, &[(&str, &str)], bool)] = &[
            $( (stringify!($name), stringify!($symbol),
                &[$((stringify!($p), stringify!($t))),*], signature_table!(@errno $r)), )*
        ];
    };
}
aotc_abi::for_each_socket_extension_function!(extension_table);

/// A function a module may import from `wasi_snapshot_preview1`.
struct Func {
    /// Its WAT name, and the start of its case names: the import name, with `/v1`
    /// for WasmEdge's V1 form of a name that comes in two types.
    id: &'static str,
    import: &'static str,
    params: &'static [(&'static str, &'static str)],
    errno: bool,
    extension: bool,
}

/// Preview1's 46 functions, then every import of the socket extension.
fn functions() -> &'static [Func] {
    static ALL: OnceLock<Vec<Func>> = OnceLock::new();
    ALL.get_or_init(|| {
        let preview1 = PREVIEW1.iter().map(|&(name, params, errno)| Func {
            id: name,
            import: name,
            params,
            errno,
            extension: false,
        });
        let extension = EXTENSION.iter().map(|&(name, symbol, params, errno)| Func {
            id: if symbol.ends_with("_v1") {
                Box::leak(format!("{name}/v1").into_boxed_str())
            } else {
                name
            },
            import: name,
            params,
            errno,
            extension: true,
        });
        preview1.chain(extension).collect()
    })
}

fn signature(func: &str) -> &'static [(&'static str, &'static str)] {
    functions()
        .iter()
        .find(|f| f.id == func)
        .unwrap_or_else(|| panic!("no WASI function {func}"))
        .params
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
        "addr",
        "value",
        "node",
        "service",
        "hints",
        "res",
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
        "af",
        "socktype",
        "port",
        "backlog",
        "level",
        "name",
    ];
    if param.ends_with("_out") || param.ends_with("_inout") || POINTERS.contains(&param) {
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
    functions()
        .iter()
        .map(|f| {
            (
                f.id,
                f.params
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
const EAGAIN: u32 = 6;
const EFAULT: u32 = 21;
const EINVAL: u32 = 28;
const ENAMETOOLONG: u32 = 37;
const ENOENT: u32 = 44;
const ENOMEM: u32 = 48;
/// WasmEdge's errno for getaddrinfo's EAI_MEMORY.
const EAI_MEMORY: u32 = 82;
/// What the harness reports for a case that answered EFAULT after writing to the
/// valid output area.
const EFAULT_AFTER_WRITING: u32 = 1021;

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

/// The 8 bytes of an iovec (or address descriptor) `{buf, len}`, escaped for WAT.
fn iov_bytes(buf: u64, len: u64) -> String {
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

/// Data segments of the one-page modules.
fn layout_data() -> String {
    let iov = iov_bytes;
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

/// What an empty range answers, and why.
#[derive(Debug, Clone, Copy)]
struct Empty(u32, &'static str);

/// How a pointer parameter is used by the runtime.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `k` bytes, written (or read: getaddrinfo's hints).
    Out(u64),
    /// A (pointer, length) buffer read or written whole; an empty one answers `empty`.
    Buf { len: &'static str, empty: Empty },
    /// An 8-byte address descriptor `{buf, len}` (valid: these), whose buffer is a
    /// range too; an empty buffer answers `empty`.
    Addr { buf: u64, len: u64, empty: Empty },
    /// getsockopt's value: a buffer whose capacity the parameter `capacity` points to.
    OptionValue { capacity: &'static str },
    /// getaddrinfo's `res` (a u32 holding the first record's address) and its count.
    Res { count: &'static str },
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
const WHY_ADDRESS_LEN: &str =
    "an address buffer of a length the call does not take (4, 16 or 128 bytes) \
     is EINVAL, as in WasmEdge, wherever it points";
const WHY_SENDER_ROOM: &str = "an address buffer too short for a datagram's sender is ENOMEM, \
     before the datagram is taken off the queue";
const WHY_OPTION_SHORT: &str =
    "a value shorter than the option is EINVAL, as in WasmEdge, wherever it points";
const WHY_NO_RESULTS: &str =
    "max_res_len 0 leaves no room for an answer: EAI_MEMORY (as WasmEdge) before any record is looked at";
const WHY_SELF_LOOP: &str =
    "the chain is walked for at most 256 records (no more answers are given): \
     a record linking to itself is filled, not walked 4 billion times";
const WHY_OVERLAP: &str = "records overlapping each other are filled through the pointers checked \
     before the lookup (a pointer re-read after filling the record over it would land in the low canary)";

const EMPTY_OK: Empty = Empty(ESUCCESS, WHY_EMPTY);
const EMPTY_PATH: Empty = Empty(ENOENT, WHY_EMPTY_PATH);
const EMPTY_ADDRESS: Empty = Empty(EINVAL, WHY_ADDRESS_LEN);
const EMPTY_SENDER: Empty = Empty(ENOMEM, WHY_SENDER_ROOM);
const EMPTY_OPTION: Empty = Empty(EINVAL, WHY_OPTION_SHORT);

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
            empty_case.expect = empty.0;
            empty_case.why = Some(empty.1);
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
        Kind::Addr { buf, len, empty } => {
            let mut out = vec![
                v("END", vec![(p, END)]),
                v("END-4", vec![(p, END - 4)]),
                v("4G-8", vec![(p, FOUR_G - 8)]),
                v("max", vec![(p, 0xffff_ffff)]),
            ];
            for (label, b, n) in hostile_buffers(buf, len) {
                let mut var = v(format!("buf={label}"), vec![(p, descriptor(b, n))]);
                if n == 0 {
                    var.expect = empty.0;
                    var.why = Some(empty.1);
                }
                out.push(var);
            }
            out
        }
        Kind::OptionValue { capacity } => {
            let mut zero = v("END,capacity=0", vec![(p, END), (capacity, CAP_ZERO)]);
            zero.expect = EINVAL;
            zero.why = Some(WHY_OPTION_SHORT);
            vec![
                v("END", vec![(p, END)]),
                v("END-1", vec![(p, END - 1)]),
                v(
                    "4G-16,capacity=32",
                    vec![(p, FOUR_G - 16), (capacity, CAP_32)],
                ),
                v("capacity=max", vec![(capacity, CAP_MAX)]),
                v("capacity-wraps-to-16", vec![(capacity, CAP_WRAP)]),
                zero,
            ]
        }
        Kind::Res { count } => {
            let mut out = vec![
                v("END", vec![(p, END)]),
                v("END-3", vec![(p, END - 3)]),
                v("4G-4", vec![(p, FOUR_G - 4)]),
                v("max", vec![(p, 0xffff_ffff)]),
            ];
            for chain in &ext_data().chains {
                let mut var = v(chain.label, vec![(p, chain.cell)]);
                if let Some(n) = chain.count {
                    var.set.push((count, n));
                }
                var.expect = chain.expect;
                var.why = chain.why;
                out.push(var);
            }
            // The valid chain's last record links to address 0 (the low canary, whose
            // 0xAA bytes point nowhere): a count beyond the chain meets it.
            out.push(v("max_res_len=max", vec![(count, 0xffff_ffff)]));
            let mut zero = v("max_res_len=0", vec![(count, 0)]);
            zero.expect = EAI_MEMORY;
            zero.why = Some(WHY_NO_RESULTS);
            out.push(zero);
            out
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
    Kind::Buf {
        len,
        empty: EMPTY_PATH,
    }
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
                        empty: EMPTY_OK,
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
                        empty: EMPTY_OK,
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
                    empty: EMPTY_OK,
                },
            )],
        ),
    ]
}

/// preview1's `sock_recv` (and `sock_recv_v2`) on `fd`, into `IOV_RECV`.
fn recv_template(func: &'static str, fd: &'static str) -> Template {
    t(
        func,
        "",
        &[
            ("ri_data", IOV_RECV),
            ("ri_data_len", 1),
            ("ri_flags", 0),
            ("ro_datalen_out", OUT),
            ("ro_flags_out", OUT + 8),
        ],
        &[("fd", fd)],
        &[
            ("ri_data", Kind::Iovs { len: "ri_data_len" }),
            ("ro_datalen_out", out(4)),
            ("ro_flags_out", out(2)),
        ],
    )
}

/// preview1's `sock_send` (and `sock_send_v2`) on `fd`, of `IOV_OK` (whose bytes must
/// never arrive).
fn send_template(func: &'static str, fd: &'static str) -> Template {
    t(
        func,
        "",
        &[
            ("si_data", IOV_OK),
            ("si_data_len", 1),
            ("si_flags", 0),
            ("so_datalen_out", OUT),
        ],
        &[("fd", fd)],
        &[
            ("si_data", Kind::Iovs { len: "si_data_len" }),
            ("so_datalen_out", out(4)),
        ],
    )
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
        recv_template("sock_recv", SOCK),
        send_template("sock_send", SOCK),
    ]
}

// ---------------------------------------------------------------------------------
// The socket extension module: its data and templates
// ---------------------------------------------------------------------------------

/// Scratch of `$setup` and the controls (setup's out values, a descriptor, buffers).
const SCRATCH: u64 = 10240;
/// "dgram" and the iovec {DGRAM_TEXT, 5} setup sends it with.
const DGRAM_TEXT: u64 = 10496;
const DGRAM_IOV: u64 = 10504;
/// {RECV_BUF, 16}, for the controls' receives.
const RECV_IOV: u64 = 10512;
const RECV_BUF: u64 = 10528;
/// A 128-byte address buffer of setup and the controls.
const SCRATCH_ADDRESS: u64 = 10624;

/// Inputs the cases only read: compared byte for byte with `PRISTINE`, a copy made
/// by a second data segment, after the cases.
const EXT_RO: u64 = 12288;
const EXT_RO_LEN: u64 = 2048;
const PRISTINE: u64 = EXT_RO + EXT_RO_LEN;
/// Address descriptors, 8 bytes each (see `descriptors`).
const DESCRIPTORS: u64 = EXT_RO;
const IP_LO: u64 = EXT_RO + 256; // 127.0.0.1
/// getsockopt capacities (u32 cells) and setsockopt's value.
const CAP_OK: u64 = EXT_RO + 272; // 4
const CAP_32: u64 = EXT_RO + 276;
const CAP_MAX: u64 = EXT_RO + 280;
const CAP_WRAP: u64 = EXT_RO + 284; // OPT_OUT + it wraps to 16
const CAP_ZERO: u64 = EXT_RO + 288;
const OPT_ONE: u64 = EXT_RO + 292; // int 1
/// getaddrinfo's inputs: "127.0.0.1", "80", hints (numeric host and service, IPv4).
const NODE: (u64, u64) = (EXT_RO + 304, 9);
const SERVICE: (u64, u64) = (EXT_RO + 320, 2);
const HINTS: u64 = EXT_RO + 336;
/// u32 cells holding the first record of each result chain (`res` values).
const RES_CELLS: u64 = EXT_RO + 384;
const RES_OK: u64 = RES_CELLS;
/// The hostile records, their sockaddrs, and good parts they share.
const RO_RECORDS: u64 = EXT_RO + 512;
const RO_SOCKADDRS: u64 = EXT_RO + 1024;
const GOOD_SA_DATA: u64 = EXT_RO + 1104;
const GOOD_CANON: u64 = EXT_RO + 1136;

/// Structures valid calls write: the valid chain A -> B (B links to 0), and the
/// records of the documented successful variants.
const EXT_RW: u64 = 16384;
const REC_A: u64 = EXT_RW;
const REC_B: u64 = EXT_RW + 32;
const SA_A: u64 = EXT_RW + 64;
const SA_B: u64 = EXT_RW + 80;
const SA_DATA_A: u64 = EXT_RW + 96;
const SA_DATA_B: u64 = EXT_RW + 128;
const CANON_A: u64 = EXT_RW + 160;
const CANON_B: u64 = EXT_RW + 192;

/// Output buffers of the templates (in the valid output area).
const ADDR16_OUT: u64 = OUT + 1024;
const ADDR128_OUT: u64 = OUT + 1280;
const OPT_OUT: u64 = OUT + 2048;

/// The valid address descriptors: the loopback address to read, and 16- and 128-byte
/// buffers to write.
const VALID_DESCRIPTORS: [(u64, u64); 3] = [(IP_LO, 4), (ADDR16_OUT, 16), (ADDR128_OUT, 128)];

/// The hostile buffers of a descriptor whose valid contents are `{buf, len}`, the
/// same variants as `Kind::Buf`'s: (label, buf, len).
fn hostile_buffers(buf: u64, len: u64) -> Vec<(&'static str, u64, u64)> {
    vec![
        ("END", END, len),
        ("END-1", END - 1, len),
        ("{4G-16,32}", FOUR_G - 16, 32),
        ("{buf,max}", buf, 0xffff_ffff),
        ("{buf,len-wraps-to-16}", buf, FOUR_G - buf + 16),
        ("{END,0}", END, 0),
    ]
}

/// Every descriptor the extension module holds, valid ones first.
fn descriptors() -> Vec<(u64, u64)> {
    let mut all: Vec<(u64, u64)> = VALID_DESCRIPTORS.to_vec();
    for (buf, len) in VALID_DESCRIPTORS {
        for (_, b, n) in hostile_buffers(buf, len) {
            if !all.contains(&(b, n)) {
                all.push((b, n));
            }
        }
    }
    assert!(all.len() * 8 <= 256, "too many descriptors for their area");
    all
}

/// The address of descriptor `{buf, len}`.
fn descriptor(buf: u64, len: u64) -> u64 {
    let i = descriptors()
        .iter()
        .position(|d| *d == (buf, len))
        .unwrap_or_else(|| panic!("no descriptor {{{buf:#x}, {len:#x}}}"));
    DESCRIPTORS + 8 * i as u64
}

/// Bytes of guest memory from `base`, emitted as a data segment.
struct Image {
    base: u64,
    bytes: Vec<u8>,
}

impl Image {
    fn new(base: u64, len: u64) -> Image {
        Image {
            base,
            bytes: vec![0; len as usize],
        }
    }

    fn put(&mut self, at: u64, bytes: &[u8]) {
        let i = (at - self.base) as usize;
        self.bytes[i..i + bytes.len()].copy_from_slice(bytes);
    }

    fn u32(&mut self, at: u64, v: u64) {
        let v = u32::try_from(v).expect("a u32");
        self.put(at, &v.to_le_bytes());
    }

    /// A 28-byte addrinfo record: ai_addr, ai_canonname, ai_canonname_len, ai_next.
    fn record(&mut self, at: u64, sockaddr: u64, canon: (u64, u64), next: u64) {
        self.u32(at + 12, sockaddr);
        self.u32(at + 16, canon.0);
        self.u32(at + 20, canon.1);
        self.u32(at + 24, next);
    }

    /// A 12-byte sockaddr: sa_data_len 26 and sa_data.
    fn sockaddr(&mut self, at: u64, sa_data: u64) {
        self.u32(at + 4, 26);
        self.u32(at + 8, sa_data);
    }

    fn segment(&self, at: u64) -> String {
        let mut s = format!("(data (i32.const {at}) \"");
        for b in &self.bytes {
            let _ = write!(s, "\\{b:02x}");
        }
        s.push_str("\")");
        s
    }
}

/// One result chain getaddrinfo's `res` may point to.
struct Chain {
    label: &'static str,
    /// The u32 cell holding its first record.
    cell: u64,
    /// `max_res_len`, when not the template's.
    count: Option<u64>,
    expect: u32,
    why: Option<&'static str>,
}

/// The extension module's data: the read-only inputs, their pristine copy, the
/// written structures, and the result chains.
struct ExtData {
    segments: String,
    chains: Vec<Chain>,
}

fn ext_data() -> &'static ExtData {
    static DATA: OnceLock<ExtData> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut ro = Image::new(EXT_RO, EXT_RO_LEN);
        let mut rw = Image::new(EXT_RW, 1024);
        for (i, (buf, len)) in descriptors().into_iter().enumerate() {
            let at = DESCRIPTORS + 8 * i as u64;
            ro.u32(at, buf);
            ro.u32(at + 4, len);
        }
        ro.put(IP_LO, &[127, 0, 0, 1]);
        ro.u32(CAP_OK, 4);
        ro.u32(CAP_32, 32);
        ro.u32(CAP_MAX, 0xffff_ffff);
        ro.u32(CAP_WRAP, FOUR_G - OPT_OUT + 16);
        ro.u32(CAP_ZERO, 0);
        ro.u32(OPT_ONE, 1);
        ro.put(NODE.0, b"127.0.0.1");
        ro.put(SERVICE.0, b"80");
        // AI_NUMERICHOST | AI_NUMERICSERV, IPv4, any socket type and protocol.
        ro.put(HINTS, &[12, 0, 1, 0, 0]);

        // The valid chain: two records (a stream and a datagram answer).
        rw.record(REC_A, SA_A, (CANON_A, 32), REC_B);
        rw.record(REC_B, SA_B, (CANON_B, 32), 0);
        rw.sockaddr(SA_A, SA_DATA_A);
        rw.sockaddr(SA_B, SA_DATA_B);

        // Good parts the hostile records share, and sockaddrs with a bad sa_data.
        let good_sa = RO_SOCKADDRS;
        ro.sockaddr(good_sa, GOOD_SA_DATA);
        let good_canon = (GOOD_CANON, 32);
        let bad_sa_data = |i: u64| RO_SOCKADDRS + 12 * (i + 1);
        for (i, sa_data) in [END, END - 25, 0xffff_ffff].into_iter().enumerate() {
            ro.sockaddr(bad_sa_data(i as u64), sa_data);
        }

        ro.u32(RES_OK, REC_A);
        let mut chains = Vec::new();
        let mut cell = RES_OK + 4;
        let mut add = |ro: &mut Image, label, first: u64, count, expect, why| {
            ro.u32(cell, first);
            chains.push(Chain {
                label,
                cell,
                count,
                expect,
                why,
            });
            cell += 4;
        };
        for (label, first) in [
            ("record=END", END),
            ("record=END-27", END - 27),
            ("record=4G-28", FOUR_G - 28),
            ("record=max", 0xffff_ffff),
        ] {
            add(&mut ro, label, first, None, EFAULT, None);
        }
        // (label, ai_addr, canonical-name buffer, ai_next)
        let hostile_records: [(&str, u64, (u64, u64), u64); 12] = [
            ("ai_addr=END", END, good_canon, 0),
            ("ai_addr=END-11", END - 11, good_canon, 0),
            ("ai_addr=max", 0xffff_ffff, good_canon, 0),
            ("sa_data=END", bad_sa_data(0), good_canon, 0),
            ("sa_data=END-25", bad_sa_data(1), good_canon, 0),
            ("sa_data=max", bad_sa_data(2), good_canon, 0),
            ("canonname=END", good_sa, (END, 32), 0),
            ("canonname=END-16", good_sa, (END - 16, 32), 0),
            ("canonname={4G-16,32}", good_sa, (FOUR_G - 16, 32), 0),
            ("canonname_len=max", good_sa, (GOOD_CANON, 0xffff_ffff), 0),
            // A good record first: nothing may be written to it.
            ("records=good,END", good_sa, good_canon, END),
            ("records=good,END-27", good_sa, good_canon, END - 27),
        ];
        for (i, (label, sockaddr, canon, next)) in hostile_records.into_iter().enumerate() {
            let at = RO_RECORDS + 28 * i as u64;
            ro.record(at, sockaddr, canon, next);
            add(&mut ro, label, at, None, EFAULT, None);
        }

        // An empty canonical-name buffer outside memory: never dereferenced.
        let (rec_e, sa_e, data_e) = (EXT_RW + 256, EXT_RW + 288, EXT_RW + 304);
        rw.record(rec_e, sa_e, (END, 0), REC_B);
        rw.sockaddr(sa_e, data_e);
        add(
            &mut ro,
            "canonname={END,0}",
            rec_e,
            None,
            ESUCCESS,
            Some(WHY_EMPTY),
        );

        // Two records overlapping: Y = X - 4, so X's ai_addrlen (written when X is
        // filled) is Y's ai_addr. X's ai_addr is Y's canonical-name buffer, X's
        // canonical-name buffer ({32, 0}: empty) is Y's length, X's length (0) is Y's
        // link (never read: Y is last).
        let (x, y) = (EXT_RW + 400, EXT_RW + 396);
        let (sa_x, sa_y) = (EXT_RW + 448, EXT_RW + 496);
        rw.u32(y + 12, sa_y);
        rw.u32(x + 12, sa_x);
        rw.u32(x + 16, 32);
        rw.u32(x + 20, 0);
        rw.u32(x + 24, y);
        rw.sockaddr(sa_x, EXT_RW + 464);
        rw.sockaddr(sa_y, EXT_RW + 512);
        add(
            &mut ro,
            "overlapping-records",
            x,
            None,
            ESUCCESS,
            Some(WHY_OVERLAP),
        );

        // A record linking to itself, with a count of 0xffffffff.
        let (z, sa_z) = (EXT_RW + 560, EXT_RW + 592);
        rw.record(z, sa_z, (END, 0), z);
        rw.sockaddr(sa_z, EXT_RW + 608);
        add(
            &mut ro,
            "record-links-to-itself,max_res_len=max",
            z,
            Some(0xffff_ffff),
            ESUCCESS,
            Some(WHY_SELF_LOOP),
        );
        assert!(RO_RECORDS + 28 * 12 <= RO_SOCKADDRS && cell <= RO_RECORDS);

        let segments = format!(
            "{}\n  {}\n  {}\n  {}\n  \
             (data (i32.const {DGRAM_TEXT}) \"dgram\")\n  \
             (data (i32.const {DGRAM_IOV}) \"{}\")\n  \
             (data (i32.const {RECV_IOV}) \"{}\")",
            layout_data(),
            ro.segment(EXT_RO),
            ro.segment(PRISTINE),
            rw.segment(EXT_RW),
            iov_bytes(DGRAM_TEXT, 5),
            iov_bytes(RECV_BUF, 16),
        );
        ExtData { segments, chains }
    })
}

const UDP: &str = "(global.get $udp)";
const UDP2: &str = "(global.get $udp2)";
const TCP: &str = "(global.get $tcp)";
const LISTENER: &str = "(global.get $lis)";
const FRESH_UDP: &str = "(global.get $fresh_udp)";
const FRESH_TCP: &str = "(global.get $fresh_tcp)";
const LISTENER_PORT: &str = "(global.get $lis_port)";
const SINK_PORT: &str = "(global.get $sink_port)";

/// Templates of the socket extension module, for every import of the extension that
/// takes a pointer (`$setup` there: `$udp` bound with a datagram queued, `$udp2` the
/// sender, `$sink` the send_to destination, `$lis` with `$tcp` connected and
/// accepted, and one connection pending, `$fresh_udp` and `$fresh_tcp` unused).
fn extension_templates() -> Vec<Template> {
    let d_in = descriptor(IP_LO, 4);
    let d_out16 = descriptor(ADDR16_OUT, 16);
    let d_out128 = descriptor(ADDR128_OUT, 128);
    let in_addr = Kind::Addr {
        buf: IP_LO,
        len: 4,
        empty: EMPTY_ADDRESS,
    };
    let out_addr = |buf, len, empty| Kind::Addr { buf, len, empty };
    let ri_data = Kind::Iovs { len: "ri_data_len" };
    let si_data = Kind::Iovs { len: "si_data_len" };
    let mut out = Vec::new();
    for f in ["sock_open", "sock_open_v2"] {
        out.push(t(
            f,
            "",
            &[("af", 1), ("socktype", 1), ("fd_out", OUT)],
            &[],
            &[("fd_out", Kind::Out(4))],
        ));
    }
    for f in ["sock_bind", "sock_bind_v2"] {
        out.push(t(
            f,
            "",
            &[("addr", d_in), ("port", 0)],
            &[("fd", FRESH_UDP)],
            &[("addr", in_addr)],
        ));
    }
    for f in ["sock_connect", "sock_connect_v2"] {
        out.push(t(
            f,
            "",
            &[("addr", d_in)],
            &[("fd", FRESH_TCP), ("port", LISTENER_PORT)],
            &[("addr", in_addr)],
        ));
    }
    out.push(t(
        "sock_accept/v1",
        "",
        &[("fd_out", OUT)],
        &[("fd", LISTENER)],
        &[("fd_out", Kind::Out(4))],
    ));
    out.push(t(
        "sock_accept_v2",
        "",
        &[("flags", 0), ("fd_out", OUT)],
        &[("fd", LISTENER)],
        &[("fd_out", Kind::Out(4))],
    ));
    // The same receive and send as preview1's, on a UDP socket and a connection.
    out.push(recv_template("sock_recv_v2", UDP));
    out.push(send_template("sock_send_v2", TCP));
    // V1: a raw 16-byte buffer and no port; V2: a 128-byte tagged buffer and the port.
    for (f, buf, len, port) in [
        ("sock_recv_from/v1", ADDR16_OUT, 16, false),
        ("sock_recv_from", ADDR128_OUT, 128, true),
        ("sock_recv_from_v2", ADDR128_OUT, 128, true),
    ] {
        let mut args = vec![
            ("ri_data", IOV_RECV),
            ("ri_data_len", 1),
            ("addr", descriptor(buf, len)),
            ("ri_flags", 0),
            ("ro_datalen_out", OUT),
            ("ro_flags_out", OUT + 8),
        ];
        let mut ptrs = vec![
            ("ri_data", ri_data),
            ("addr", out_addr(buf, len, EMPTY_SENDER)),
            ("ro_datalen_out", Kind::Out(4)),
            ("ro_flags_out", Kind::Out(2)),
        ];
        if port {
            args.push(("port_out", OUT + 16));
            ptrs.push(("port_out", Kind::Out(2)));
        }
        out.push(t(f, "", &args, &[("fd", UDP)], &ptrs));
    }
    for f in ["sock_send_to", "sock_send_to_v2"] {
        out.push(t(
            f,
            "",
            &[
                ("si_data", IOV_OK),
                ("si_data_len", 1),
                ("addr", d_in),
                ("si_flags", 0),
                ("so_datalen_out", OUT),
            ],
            &[("fd", UDP2), ("port", SINK_PORT)],
            &[
                ("si_data", si_data),
                ("addr", in_addr),
                ("so_datalen_out", Kind::Out(4)),
            ],
        ));
    }
    for (v1, v2s, fd) in [
        (
            "sock_getlocaladdr/v1",
            ["sock_getlocaladdr", "sock_getlocaladdr_v2"],
            UDP,
        ),
        (
            "sock_getpeeraddr/v1",
            ["sock_getpeeraddr", "sock_getpeeraddr_v2"],
            TCP,
        ),
    ] {
        out.push(t(
            v1,
            "",
            &[
                ("addr", d_out16),
                ("addr_type_out", OUT),
                ("port_out", OUT + 8),
            ],
            &[("fd", fd)],
            &[
                ("addr", out_addr(ADDR16_OUT, 16, EMPTY_ADDRESS)),
                ("addr_type_out", Kind::Out(4)),
                ("port_out", Kind::Out(4)),
            ],
        ));
        for name in v2s {
            out.push(t(
                name,
                "",
                &[("addr", d_out128), ("port_out", OUT)],
                &[("fd", fd)],
                &[
                    ("addr", out_addr(ADDR128_OUT, 128, EMPTY_ADDRESS)),
                    ("port_out", Kind::Out(4)),
                ],
            ));
        }
    }
    out.push(t(
        "sock_getsockopt",
        "",
        // SOL_SOCKET, SO_RCVBUF
        &[
            ("level", 0),
            ("name", 6),
            ("value", OPT_OUT),
            ("value_len_inout", CAP_OK),
        ],
        &[("fd", UDP)],
        &[
            (
                "value",
                Kind::OptionValue {
                    capacity: "value_len_inout",
                },
            ),
            ("value_len_inout", Kind::Out(4)),
        ],
    ));
    out.push(t(
        "sock_setsockopt",
        "",
        // SOL_SOCKET, SO_REUSEADDR, 1: a case that set it would show in the control.
        &[
            ("level", 0),
            ("name", 0),
            ("value", OPT_ONE),
            ("value_len", 4),
        ],
        &[("fd", UDP)],
        &[(
            "value",
            Kind::Buf {
                len: "value_len",
                empty: EMPTY_OPTION,
            },
        )],
    ));
    out.push(t(
        "sock_getaddrinfo",
        "",
        &[
            ("node", NODE.0),
            ("node_len", NODE.1),
            ("service", SERVICE.0),
            ("service_len", SERVICE.1),
            ("hints", HINTS),
            ("res", RES_OK),
            ("max_res_len", 2),
            ("res_len_out", OUT),
        ],
        &[],
        &[
            (
                "node",
                Kind::Buf {
                    len: "node_len",
                    empty: EMPTY_OK,
                },
            ),
            (
                "service",
                Kind::Buf {
                    len: "service_len",
                    empty: EMPTY_OK,
                },
            ),
            ("hints", Kind::Out(28)),
            (
                "res",
                Kind::Res {
                    count: "max_res_len",
                },
            ),
            ("res_len_out", Kind::Out(4)),
        ],
    ));
    out
}

/// `$setup` of the socket extension module and the controls' helpers. Each helper
/// returns 0, or the errno of a call that failed, or a code of 1000 and up naming
/// what it found (see each).
fn ext_setup() -> String {
    let d_in = descriptor(IP_LO, 4);
    let (a, b, desc, c) = (SCRATCH, SCRATCH + 4, SCRATCH + 8, SCRATCH + 16);
    let buf = SCRATCH_ADDRESS;
    format!(
        r#"(global $udp (mut i32) (i32.const -1))
  (global $udp2 (mut i32) (i32.const -1))
  (global $sink (mut i32) (i32.const -1))
  (global $lis (mut i32) (i32.const -1))
  (global $tcp (mut i32) (i32.const -1))
  (global $conn (mut i32) (i32.const -1))
  (global $pending (mut i32) (i32.const -1))
  (global $fresh_udp (mut i32) (i32.const -1))
  (global $fresh_tcp (mut i32) (i32.const -1))
  (global $next_fd (mut i32) (i32.const -1))
  (global $udp_port (mut i32) (i32.const 0))
  (global $udp2_port (mut i32) (i32.const 0))
  (global $sink_port (mut i32) (i32.const 0))
  (global $lis_port (mut i32) (i32.const 0))

  ;; Exits with $code when $e is not 0 (setup failed).
  (func $ok (param $e i32) (param $code i32)
    (if (local.get $e) (then (call $proc_exit (local.get $code)))))

  ;; A new IPv4 socket (1: datagram, 2: stream).
  (func $open (param $type i32) (result i32)
    (call $ok (call $sock_open (i32.const 1) (local.get $type) (i32.const {a})) (i32.const 3))
    (i32.load (i32.const {a})))

  ;; Points the scratch descriptor at the scratch 128-byte address buffer.
  (func $scratch_address
    (i32.store (i32.const {desc}) (i32.const {buf}))
    (i32.store (i32.const {desc_len}) (i32.const 128)))

  ;; Binds to 127.0.0.1 and a port the kernel picks; returns that port.
  (func $bind_lo (param $fd i32) (result i32)
    (call $ok (call $sock_bind (local.get $fd) (i32.const {d_in}) (i32.const 0)) (i32.const 4))
    (call $scratch_address)
    (call $ok (call $sock_getlocaladdr (local.get $fd) (i32.const {desc}) (i32.const {a}))
      (i32.const 5))
    (i32.load (i32.const {a})))

  (func $nonblocking (param $fd i32)
    (call $ok (call $fd_fdstat_set_flags (local.get $fd) (i32.const 4)) (i32.const 6)))

  (func $setup
    (global.set $udp (call $open (i32.const 1)))
    (global.set $udp_port (call $bind_lo (global.get $udp)))
    (call $nonblocking (global.get $udp))
    (global.set $udp2 (call $open (i32.const 1)))
    (global.set $udp2_port (call $bind_lo (global.get $udp2)))
    (global.set $sink (call $open (i32.const 1)))
    (global.set $sink_port (call $bind_lo (global.get $sink)))
    (call $nonblocking (global.get $sink))
    (global.set $lis (call $open (i32.const 2)))
    (global.set $lis_port (call $bind_lo (global.get $lis)))
    (call $ok (call $sock_listen (global.get $lis) (i32.const 8)) (i32.const 7))
    (global.set $tcp (call $open (i32.const 2)))
    (call $ok (call $sock_connect (global.get $tcp) (i32.const {d_in}) (global.get $lis_port))
      (i32.const 8))
    ;; $tcp's connection, non-blocking (blocking accept: it is surely there).
    (call $ok (call $sock_accept (global.get $lis) (i32.const 4) (i32.const {a})) (i32.const 9))
    (global.set $conn (i32.load (i32.const {a})))
    (call $nonblocking (global.get $lis))
    ;; A second connection stays pending for the accept cases.
    (global.set $pending (call $open (i32.const 2)))
    (call $ok (call $sock_connect (global.get $pending) (i32.const {d_in}) (global.get $lis_port))
      (i32.const 8))
    ;; One datagram, "dgram", from $udp2 to $udp, for the receive cases to leave queued.
    (call $ok (call $sock_send_to (global.get $udp2) (i32.const {DGRAM_IOV}) (i32.const 1)
      (i32.const {d_in}) (global.get $udp_port) (i32.const 0) (i32.const {a})) (i32.const 10))
    (global.set $fresh_udp (call $open (i32.const 1)))
    (global.set $fresh_tcp (call $open (i32.const 2)))
    ;; The fd the next socket gets.
    (global.set $next_fd (call $open (i32.const 1)))
    (call $ok (call $fd_close (global.get $next_fd)) (i32.const 11)))

  ;; The next socket gets $next_fd (1000 + the fd it got otherwise).
  (func $ctl_next_fd (result i32) (local $fd i32)
    (local.set $fd (call $open (i32.const 1)))
    (drop (call $fd_close (local.get $fd)))
    (if (result i32) (i32.eq (local.get $fd) (global.get $next_fd))
      (then (i32.const 0))
      (else (i32.add (i32.const 1000) (local.get $fd)))))

  ;; A receive on $udp into the scratch buffers (recv_from, V2).
  (func $recv_udp (result i32)
    (call $scratch_address)
    (call $sock_recv_from (global.get $udp) (i32.const {RECV_IOV}) (i32.const 1)
      (i32.const {desc}) (i32.const 0) (i32.const {a}) (i32.const {b}) (i32.const {c})))

  ;; $udp holds exactly one datagram, "dgram" from 127.0.0.1:$udp2_port: 1000 wrong
  ;; length, 1001 wrong bytes, 1002 wrong port, 1003 wrong family, 1004 wrong
  ;; address, 2000 + errno when a second receive is not EAGAIN.
  (func $ctl_datagram_kept (result i32) (local $e i32)
    (local.set $e (call $recv_udp))
    (if (local.get $e) (then (return (local.get $e))))
    (if (i32.ne (i32.load (i32.const {b})) (i32.const 5)) (then (return (i32.const 1000))))
    (if (i32.ne (i32.load (i32.const {RECV_BUF})) (i32.const 0x61726764))
      (then (return (i32.const 1001))))
    (if (i32.ne (i32.load16_u (i32.const {a})) (global.get $udp2_port))
      (then (return (i32.const 1002))))
    (if (i32.ne (i32.load16_u (i32.const {buf})) (i32.const 1)) (then (return (i32.const 1003))))
    (if (i32.ne (i32.load (i32.const {buf_ip})) (i32.const 0x0100007f))
      (then (return (i32.const 1004))))
    (local.set $e (call $recv_udp))
    (if (i32.ne (local.get $e) (i32.const 6))
      (then (return (i32.add (i32.const 2000) (local.get $e)))))
    (i32.const 0))

  ;; $sink received exactly $k datagrams, all empty: 1000 + errno of a failed
  ;; receive, 2000 for a datagram with bytes, 3000 + the count otherwise.
  (func $ctl_sink (param $k i32) (result i32) (local $e i32) (local $n i32)
    (block $drained
      (loop $next
        (local.set $e (call $sock_recv (global.get $sink) (i32.const {RECV_IOV}) (i32.const 1)
          (i32.const 0) (i32.const {a}) (i32.const {b})))
        (br_if $drained (i32.eq (local.get $e) (i32.const 6)))
        (if (local.get $e) (then (return (i32.add (i32.const 1000) (local.get $e)))))
        (if (i32.load (i32.const {a})) (then (return (i32.const 2000))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (if (result i32) (i32.eq (local.get $n) (local.get $k))
      (then (i32.const 0))
      (else (i32.add (i32.const 3000) (local.get $n)))))

  ;; SO_REUSEADDR of $udp is still off (1000 otherwise).
  (func $ctl_option_kept (result i32) (local $e i32)
    (i32.store (i32.const {a}) (i32.const 4))
    (local.set $e (call $sock_getsockopt (global.get $udp) (i32.const 0) (i32.const 0)
      (i32.const {b}) (i32.const {a})))
    (if (local.get $e) (then (return (local.get $e))))
    (if (result i32) (i32.load (i32.const {b})) (then (i32.const 1000)) (else (i32.const 0))))

  ;; The template's lookup fills the valid chain: 2 answers (1000), the first IPv4
  ;; (1001), its sa_data port 80 big-endian (1002) and 127.0.0.1 (1003), its
  ;; sockaddr's family (1004).
  (func $ctl_lookup (result i32) (local $e i32)
    (memory.fill (i32.const {SA_DATA_A}) (i32.const 0) (i32.const 26))
    (i32.store8 (i32.const {rec_a_family}) (i32.const 0))
    (local.set $e (call $sock_getaddrinfo (i32.const {node}) (i32.const {node_len})
      (i32.const {service}) (i32.const {service_len}) (i32.const {HINTS}) (i32.const {RES_OK})
      (i32.const 2) (i32.const {a})))
    (if (local.get $e) (then (return (local.get $e))))
    (if (i32.ne (i32.load (i32.const {a})) (i32.const 2)) (then (return (i32.const 1000))))
    (if (i32.ne (i32.load8_u (i32.const {rec_a_family})) (i32.const 1))
      (then (return (i32.const 1001))))
    (if (i32.ne (i32.load16_u (i32.const {SA_DATA_A})) (i32.const 0x5000))
      (then (return (i32.const 1002))))
    (if (i32.ne (i32.load (i32.const {sa_data_a_ip})) (i32.const 0x0100007f))
      (then (return (i32.const 1003))))
    (if (i32.ne (i32.load8_u (i32.const {SA_A})) (i32.const 1)) (then (return (i32.const 1004))))
    (i32.const 0))

  ;; [$a, $a+$n) and [$b, $b+$n) hold the same bytes (1000 + the first offset that
  ;; differs otherwise).
  (func $ctl_unchanged (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $i i32)
    (block $same
      (loop $byte
        (br_if $same (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                    (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.add (i32.const 1000) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (i32.const 0))"#,
        desc_len = desc + 4,
        buf_ip = buf + 2,
        rec_a_family = REC_A + 2,
        sa_data_a_ip = SA_DATA_A + 2,
        node = NODE.0,
        node_len = NODE.1,
        service = SERVICE.0,
        service_len = SERVICE.1,
    )
}

/// The controls that run after the extension's cases (see the file's doc);
/// `empty_sends`: how many send_to cases sent an empty datagram (documented).
fn extension_controls(empty_sends: usize) -> Vec<Case> {
    let control = |name: &str, func: &'static str, wat: String, expect: u32, why| Case {
        name: format!("{func}:control:{name}"),
        func,
        param: "",
        wat,
        expect,
        why: Some(why),
    };
    let accept = call(
        "sock_accept_v2",
        &[
            ("fd", LISTENER.into()),
            ("flags", "0".into()),
            ("fd_out", OUT.to_string()),
        ],
    );
    vec![
        control(
            "no-socket-created",
            "sock_open",
            "(call $ctl_next_fd)".into(),
            ESUCCESS,
            "control: the next socket gets the fd it would have had before the cases",
        ),
        control(
            "datagram-kept",
            "sock_recv_from",
            "(call $ctl_datagram_kept)".into(),
            ESUCCESS,
            "control: the datagram is still queued, whole, and nothing else",
        ),
        control(
            "nothing-sent",
            "sock_send_to",
            format!("(call $ctl_sink (i32.const {empty_sends}))"),
            ESUCCESS,
            "control: the destination got only the empty datagrams of the empty-iovec controls",
        ),
        control(
            "nothing-sent",
            "sock_send_v2",
            call(
                "sock_recv",
                &[
                    ("fd", "(global.get $conn)".into()),
                    ("ri_data", IOV_RECV.to_string()),
                    ("ri_data_len", "1".into()),
                    ("ri_flags", "0".into()),
                    ("ro_datalen_out", OUT.to_string()),
                    ("ro_flags_out", (OUT + 8).to_string()),
                ],
            ),
            EAGAIN,
            "control: the connection's peer has nothing to read",
        ),
        control(
            "connection-kept",
            "sock_accept_v2",
            accept.clone(),
            ESUCCESS,
            "control: the pending connection is still pending",
        ),
        control(
            "only-one-connection",
            "sock_accept_v2",
            accept,
            EAGAIN,
            "control: and it was the only one",
        ),
        control(
            "still-unbound",
            "sock_bind",
            call(
                "sock_bind",
                &[
                    ("fd", FRESH_UDP.into()),
                    ("addr", descriptor(IP_LO, 4).to_string()),
                    ("port", "0".into()),
                ],
            ),
            ESUCCESS,
            "control: the socket of the bind cases was not bound by them",
        ),
        control(
            "still-unconnected",
            "sock_connect",
            call(
                "sock_connect",
                &[
                    ("fd", FRESH_TCP.into()),
                    ("addr", descriptor(IP_LO, 4).to_string()),
                    ("port", LISTENER_PORT.into()),
                ],
            ),
            ESUCCESS,
            "control: the socket of the connect cases was not connected by them",
        ),
        control(
            "option-kept",
            "sock_setsockopt",
            "(call $ctl_option_kept)".into(),
            ESUCCESS,
            "control: the option the setsockopt cases name is still off",
        ),
        control(
            "lookup",
            "sock_getaddrinfo",
            "(call $ctl_lookup)".into(),
            ESUCCESS,
            "control: the template's lookup, valid, fills the chain",
        ),
        control(
            "inputs-unchanged",
            "sock_getaddrinfo",
            format!("(call $ctl_unchanged (i32.const {EXT_RO}) (i32.const {PRISTINE}) (i32.const {EXT_RO_LEN}))"),
            ESUCCESS,
            "control: descriptors, names, hints and hostile records are as they were",
        ),
    ]
}

const EXTENSION_FLAGS: &[&str] = &["--bind", "127.0.0.1:*", "--connect", "127.0.0.1:*"];

/// Every hostile variant of every pointer parameter of every template.
fn expand(templates: &[Template]) -> Vec<Case> {
    let mut cases = Vec::new();
    for tpl in templates {
        for (p, kind) in &tpl.ptrs {
            assert_eq!(role(p), Role::Pointer, "{}: {p} is not a pointer", tpl.func);
            for var in variants(p, *kind, &tpl.args) {
                // A variant that succeeds on a receive would block, or take the data
                // the controls look for: skipped for receives.
                if tpl.func.starts_with("sock_recv") && var.expect == ESUCCESS {
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

/// Imports of all 46 preview1 functions and every socket extension import, from the
/// contract (one name may be imported twice, with two types).
fn imports() -> String {
    let mut s = String::new();
    for f in functions() {
        let ps: Vec<&str> = f.params.iter().map(|p| p.1).collect();
        let params = if ps.is_empty() {
            String::new()
        } else {
            format!(" (param {})", ps.join(" "))
        };
        let result = if f.errno { " (result i32)" } else { "" };
        let _ = write!(
            s,
            "(import \"wasi_snapshot_preview1\" \"{}\" (func ${}{params}{result}))\n  ",
            f.import, f.id
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
        EAGAIN => "EAGAIN".into(),
        ENOMEM => "ENOMEM".into(),
        EAI_MEMORY => "EAI_MEMORY".into(),
        EFAULT_AFTER_WRITING => "EFAULT after writing to the valid output area".into(),
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
    cases.extend(expand(&extension_templates()));
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
    // The tables read here are the contract's, import by import.
    let preview1: Vec<&Func> = functions().iter().filter(|f| !f.extension).collect();
    assert_eq!(preview1.len(), 46);
    let extension: Vec<&Func> = functions().iter().filter(|f| f.extension).collect();
    assert_eq!(extension.len(), aotc_abi::wasi::SOCKET_EXTENSION.len());
    for (f, real) in extension.iter().zip(aotc_abi::wasi::SOCKET_EXTENSION) {
        assert_eq!((f.import, f.params.len()), (real.name, real.params.len()));
    }
    let ids: BTreeSet<&str> = functions().iter().map(|f| f.id).collect();
    assert_eq!(
        ids.len(),
        functions().len(),
        "two functions share a WAT name"
    );
    let with_pointers = |ext: bool| {
        want.keys()
            .filter(|id| {
                functions()
                    .iter()
                    .any(|f| f.id == **id && f.extension == ext)
            })
            .count()
    };
    assert_eq!(
        with_pointers(false),
        32,
        "32 of the 46 preview1 functions take pointers: {want:?}"
    );
    // All but sock_listen and sock_listen_v2.
    assert_eq!(
        with_pointers(true),
        extension.len() - 2,
        "every socket extension import but the two listens takes pointers: {want:?}"
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

/// Every import of the socket extension that takes a pointer, on real sockets.
#[test]
fn hostile_socket_extension_pointers_are_efault_and_change_nothing() {
    let mut cases = expand(&extension_templates());
    let empty_sends = cases
        .iter()
        .filter(|c| c.func.starts_with("sock_send_to") && c.expect == ESUCCESS)
        .count();
    cases.extend(extension_controls(empty_sends));
    let wat = module(
        "extension",
        "1 1",
        &ext_data().segments,
        &ext_setup(),
        &cases,
    );
    let tmp = tempdir();
    let (out, got) = run_cases(&wat, EXTENSION_FLAGS, &cases, tmp.path());
    let failures = compare(&cases, &got);
    let imports: BTreeSet<&str> = cases.iter().map(|c| c.func).collect();
    let efault = cases.iter().filter(|c| c.expect == EFAULT).count();
    println!(
        "hostile socket extension pointers: {} cases over {} imports ({efault} EFAULT, {} \
         documented controls), {} wrong",
        cases.len(),
        imports.len(),
        cases.len() - efault,
        failures.len()
    );
    for c in cases.iter().filter(|c| c.expect != EFAULT) {
        println!(
            "  control {}: {} ({})",
            c.name,
            errno_name(c.expect),
            c.why.unwrap_or("")
        );
    }
    check(
        &out,
        failures.is_empty(),
        &format!(
            "{} case(s) wrong (module {}):\n{}",
            failures.len(),
            wat.display(),
            failures.join("\n")
        ),
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
        func: functions()
            .iter()
            .map(|f| f.id)
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

/// Unreachable without memory: sock_recv/sock_send (and the extension's receives
/// and sends) need a socket that may read or write, and the positioned calls an fd
/// holding fd_seek/fd_tell (stdio holds neither, and is ESPIPE for seek and tell),
/// which a module without memory can never get (sock_accept, sock_open and path_open
/// must write the new fd somewhere; the listener preopen may only accept).
const NO_MEMORY_UNREACHABLE: &[&str] = &[
    "sock_recv",
    "sock_send",
    "sock_recv_v2",
    "sock_send_v2",
    "sock_recv_from",
    "sock_recv_from/v1",
    "sock_recv_from_v2",
    "sock_send_to",
    "sock_send_to_v2",
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
    for tpl in pointer_templates()
        .into_iter()
        .chain(socket_templates())
        .chain(extension_templates())
    {
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
                    // The listener comes after the one preopen here; every socket
                    // call that takes a pointer accepts it.
                    _ if tpl.func == "sock_accept" && *n == "fd" => "4".to_string(),
                    (_, global) if global.starts_with("(global.get") && *n == "fd" => {
                        "4".to_string()
                    }
                    // Ports (no global here).
                    (_, global) if global.starts_with("(global.get") => "0".to_string(),
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
