//! WasmEdge's `sock_getaddrinfo` (sandbox-critical): name lookup for the guest,
//! answered only for names the manifest allows (`crate::net::lookup`, which also pins
//! each name's first answer).
//!
//! The guest hands over a list it allocated: `res` holds the address of the first of
//! `max_res_len` 28-byte `addrinfo` records chained through `ai_next`, each pointing
//! to a 12-byte `sockaddr` `{u8 family, pad, u32 sa_data_len, u32 sa_data}` and a
//! canonical-name buffer. The runtime fills the first `n` records in order, writes
//! `n` to `res_len_out` and leaves the links as they were. Layout of a record:
//! `u16 ai_flags, u8 ai_family, u8 ai_socktype, u8 ai_protocol, pad[3], u32 ai_addrlen,
//! u32 ai_addr, u32 ai_canonname, u32 ai_canonname_len, u32 ai_next`. `sa_data` gets
//! the host sockaddr from its port on: big-endian port and IPv4 address (14 bytes), or
//! port, flow info, IPv6 address and scope id (26 bytes), as WasmEdge writes it; the
//! bytes written must lie in guest memory (EFAULT), whatever `sa_data_len` says (its
//! own Rust crate declares 14 and provides 26).
//!
//! Every record of the chain is checked before the lookup, so a bad pointer is EFAULT
//! with nothing written; the chain is walked for at most [`MAX_RESULTS`] records (no
//! more answers are ever given), so a huge `max_res_len` over a chain that links back
//! to itself costs neither time nor host memory. Errors: an empty node and service is
//! EAI_NONAME; unknown hint flags EAI_BADFLAGS; a family other than 0/1/2 EAI_FAMILY;
//! a socket type or protocol other than 0/1/2 ENOSYS (as WasmEdge); `max_res_len` 0
//! EAI_MEMORY; a name not allowed EACCES; host resolver failures their EAI errno
//! (`net::eai`).

use alloc::vec::Vec;
use aotc_abi::layout::VmCtxHeader;
use core::ffi::c_char;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::errno::{ret, WasiResult, ENOMEM, ENOSYS};
use crate::guest::Guest;
use crate::net::{self, eai};

const RECORD_LEN: u64 = 28;
const SOCKADDR_LEN: u64 = 12;
/// Hint flags the extension defines (AI_PASSIVE … AI_ADDRCONFIG).
const KNOWN_FLAGS: u16 = 0x7f;
const AI_PASSIVE: u16 = 1;
const AI_CANONNAME: u16 = 2;
const AI_NUMERICHOST: u16 = 4;
const AI_NUMERICSERV: u16 = 8;
/// Most records the guest's chain is walked (and answers given) for.
const MAX_RESULTS: u32 = 256;
/// Longest node or service accepted (a DNS name is at most 253 bytes).
const MAX_TEXT: u32 = 1024;

/// One record of the guest's result chain, pointers checked.
struct Slot {
    record: u32,
    sockaddr: u32,
    sa_data: u32,
    canonname: u32,
    canonname_len: u32,
}

/// The first `count` records of the guest's chain (at most [`MAX_RESULTS`]), each
/// record, sockaddr and buffer checked.
fn result_slots(g: &Guest, res: u32, count: u32) -> WasiResult<Vec<Slot>> {
    let count = count.min(MAX_RESULTS);
    let mut slots = Vec::new();
    slots
        .try_reserve_exact(count as usize)
        .map_err(|_| ENOMEM)?;
    let mut record = g.read_u32(res)?;
    for i in 0..count {
        g.range(record, RECORD_LEN)?;
        let sockaddr = g.read_u32(record + 12)?;
        let canonname = g.read_u32(record + 16)?;
        let canonname_len = g.read_u32(record + 20)?;
        g.range(sockaddr, SOCKADDR_LEN)?;
        let sa_data = g.read_u32(sockaddr + 8)?;
        // Room for the longer (IPv6) form, whichever family the answer has.
        g.range(sa_data, 26)?;
        g.range(canonname, u64::from(canonname_len))?;
        slots.try_reserve(1).map_err(|_| ENOMEM)?;
        slots.push(Slot {
            record,
            sockaddr,
            sa_data,
            canonname,
            canonname_len,
        });
        if i + 1 < count {
            record = g.read_u32(record + 24)?;
        }
    }
    Ok(slots)
}

/// A node or service string: up to its first NUL (the crate counts one in).
fn text(g: &Guest, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
    // A range the guest does not own is EFAULT, however long.
    g.range(ptr, u64::from(len))?;
    if len > MAX_TEXT {
        return Err(eai::NONAME);
    }
    let mut bytes = g.read_vec(ptr, len)?;
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        bytes.truncate(nul);
    }
    Ok(bytes)
}

/// The port a service names: a number, or a name in the host's services database.
fn service_port(service: &[u8], numeric_only: bool, socktype: u8) -> WasiResult<u16> {
    if service.is_empty() {
        return Ok(0);
    }
    if let Some(port) = core::str::from_utf8(service)
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
    {
        return Ok(port);
    }
    if numeric_only || !service.iter().all(|b| b.is_ascii_graphic()) {
        return Err(eai::NONAME);
    }
    let name = crate::paths::cstring(service)?;
    // SAFETY: a zeroed addrinfo is valid "no hints"; the fields set are plain.
    let mut hints: libc::addrinfo = unsafe { core::mem::zeroed() };
    hints.ai_flags = libc::AI_PASSIVE;
    hints.ai_family = libc::AF_INET;
    hints.ai_socktype = if socktype == 1 {
        libc::SOCK_DGRAM
    } else {
        libc::SOCK_STREAM
    };
    let mut list: *mut libc::addrinfo = core::ptr::null_mut();
    // SAFETY: no node (the wildcard address), a NUL-terminated service; only the local
    // services database is consulted.
    let rc = unsafe {
        libc::getaddrinfo(
            core::ptr::null(),
            name.as_ptr().cast::<c_char>(),
            &hints,
            &mut list,
        )
    };
    if rc != 0 {
        return Err(net::eai_errno(rc));
    }
    // SAFETY: a successful call returned at least one entry with an AF_INET address.
    let port = unsafe { net::from_sockaddr((*list).ai_addr.cast()) }.map(|(_, p)| p);
    // SAFETY: freed once.
    unsafe { libc::freeaddrinfo(list) };
    port.ok_or(eai::SERVICE)
}

/// The `sa_data` bytes of `ip:port`, as the host sockaddr from its port field on.
fn sa_data(ip: &IpAddr, port: u16) -> ([u8; 26], usize) {
    let mut out = [0u8; 26];
    out[..2].copy_from_slice(&port.to_be_bytes());
    match ip {
        IpAddr::V4(v4) => {
            out[2..6].copy_from_slice(&v4.octets());
            (out, 14)
        }
        IpAddr::V6(v6) => {
            out[6..22].copy_from_slice(&v6.octets());
            (out, 26)
        }
    }
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn aotc_wasi_sock_getaddrinfo(
    vmctx: *mut VmCtxHeader,
    node: u32,
    node_len: u32,
    service: u32,
    service_len: u32,
    hints: u32,
    res: u32,
    max_res_len: u32,
    res_len_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let node = text(&g, node, node_len)?;
        let service = text(&g, service, service_len)?;
        let hint = g.read_vec(hints, RECORD_LEN as u32)?;
        let flags = u16::from_le_bytes([hint[0], hint[1]]);
        let (family, socktype, protocol) = (hint[2], hint[3], hint[4]);
        if node.is_empty() && service.is_empty() {
            return Err(eai::NONAME);
        }
        if flags & !KNOWN_FLAGS != 0 || (flags & AI_CANONNAME != 0 && node.is_empty()) {
            return Err(eai::BADFLAGS);
        }
        if family > 2 {
            return Err(eai::FAMILY);
        }
        if socktype > 2 || protocol > 2 {
            return Err(ENOSYS);
        }
        if max_res_len == 0 {
            return Err(eai::MEMORY);
        }
        g.range(res_len_out, 4)?;
        let slots = result_slots(&g, res, max_res_len)?;
        let port = service_port(&service, flags & AI_NUMERICSERV != 0, socktype)?;

        let node = core::str::from_utf8(&node).map_err(|_| eai::NONAME)?;
        let addresses = if node.is_empty() {
            // No node: the wildcard (AI_PASSIVE) or loopback addresses, as POSIX says.
            if flags & AI_PASSIVE != 0 {
                alloc::vec![
                    IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                ]
            } else {
                alloc::vec![
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(Ipv6Addr::LOCALHOST)
                ]
            }
        } else if flags & AI_NUMERICHOST != 0 {
            alloc::vec![node.parse::<IpAddr>().map_err(|_| eai::NONAME)?]
        } else {
            net::lookup(node)?
        };
        // (family, socket type, protocol) of each answer, in the host's order:
        // stream before datagram.
        let kinds: &[(u8, u8)] = match socktype {
            1 => &[(1, 2)],
            2 => &[(2, 1)],
            _ => &[(2, 1), (1, 2)],
        };
        let mut written = 0u32;
        let mut slot_iter = slots.iter();
        'fill: for ip in addresses.iter().filter(|ip| match family {
            1 => ip.is_ipv4(),
            2 => ip.is_ipv6(),
            _ => true,
        }) {
            for &(ty, proto) in kinds {
                if protocol != 0 && protocol != proto {
                    continue;
                }
                let Some(slot) = slot_iter.next() else {
                    break 'fill;
                };
                let (data, data_len) = sa_data(ip, port);
                let (wasi_family, host_len): (u8, u32) =
                    if ip.is_ipv4() { (1, 16) } else { (2, 28) };
                let mut head = [0u8; 12];
                head[..2].copy_from_slice(&(flags & AI_CANONNAME).to_le_bytes());
                head[2] = wasi_family;
                head[3] = ty;
                head[4] = proto;
                head[8..12].copy_from_slice(&host_len.to_le_bytes());
                g.write(slot.record, &head)?;
                // The canonical name (the node as asked, normalised) goes with the
                // first answer when asked for and when it fits with its NUL.
                let mut canon_len = 0u32;
                if written == 0 && flags & AI_CANONNAME != 0 {
                    let canon = aotc_abi::net::normalize_name(node)
                        .unwrap_or_else(|| alloc::string::String::from(node));
                    if (canon.len() as u32) < slot.canonname_len {
                        g.write(slot.canonname, canon.as_bytes())?;
                        g.write(slot.canonname + canon.len() as u32, &[0])?;
                        canon_len = canon.len() as u32;
                    }
                }
                g.write_u32(slot.record + 20, canon_len)?;
                // The pointers checked before the lookup, not re-read: records may
                // overlap, and filling one may have rewritten another's.
                g.write(slot.sockaddr, &[wasi_family])?;
                g.write_u32(slot.sockaddr + 4, data_len as u32)?;
                g.write(slot.sa_data, &data[..data_len])?;
                written += 1;
            }
        }
        if written == 0 {
            return Err(eai::NODATA);
        }
        g.write_u32(res_len_out, written)
    })())
}
