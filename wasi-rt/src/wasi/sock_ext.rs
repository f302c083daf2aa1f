//! WasmEdge's socket extension (sandbox-critical): sockets the guest opens itself,
//! TCP and UDP over IPv4 and IPv6, gated by the manifest's allow-list (`crate::net`).
//!
//! Each function is its own `aotc_wasi_<symbol>` (see `aotc_abi::wasi`'s
//! `for_each_socket_extension_function!` for the import names and types, including
//! WasmEdge's V1/V2 forms), so an executable that imports none of them links none of
//! this. Conventions, as WasmEdge's: addresses are passed as an 8-byte descriptor
//! `{buf, buf_len}` whose buffer is a raw 4-byte IPv4 or 16-byte IPv6 address or a
//! 128-byte `{u16 family (1 = IPv4, 2 = IPv6), address at offset 2}`; ports are values
//! (host order) wherever they are passed or returned.
//!
//! Policy: `sock_open` needs some `--connect` or `--bind` rule; connect and send_to
//! need a `--connect` rule for the destination (or for a name the runtime resolved to
//! it); bind, and listen on a socket not bound yet (the kernel would pick a port),
//! need a `--bind` rule. A refusal is EACCES, before any host call. IPv6 sockets are
//! IPv6-only (no IPv4-mapped traffic), so an IPv6 grant never opens IPv4. Unix-domain
//! sockets are not offered (ENOSYS, as WasmEdge without `--allow-af-unix`).
//!
//! Every guest pointer is checked before the host call that uses it (EFAULT), and out
//! parameters are checked before anything irreversible (a socket created, data
//! received) so a bad pointer never loses a resource or data; so is the room of
//! `recv_from`'s address buffer on a datagram socket (ENOMEM, datagram kept).

use aotc_abi::layout::VmCtxHeader;
use core::ffi::c_int;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::errno::{
    self, ret, WasiResult, EAFNOSUPPORT, EINVAL, ENOMEM, ENOPROTOOPT, ENOSYS, ENOTSOCK,
};
use crate::fdtable::{FdEntry, Kind};
use crate::guest::Guest;
use crate::net;
use crate::rights::{self, filetype};

/// Address family values of the extension.
const FAMILY_INET4: u16 = 1;
const FAMILY_INET6: u16 = 2;
const FAMILY_UNIX: u16 = 3;
/// Size of the extension's family-tagged address buffer.
const TAGGED_ADDRESS_LEN: u32 = 128;

/// The host fd and WASI filetype of socket `fd`, which must carry `rights` (EBADF,
/// then ENOTSOCK for anything but a socket, then ENOTCAPABLE).
fn socket_host(fd: u32, rights: u64) -> WasiResult<(c_int, u8)> {
    let mut table = super::fds();
    let e = table.get_kind(fd, super::sock::is_socket, |_| ENOTSOCK, rights)?;
    Ok((e.host, e.filetype))
}

/// A guest address descriptor: where its buffer is and how long, range-checked.
#[derive(Clone, Copy)]
struct AddressBuf {
    ptr: u32,
    len: u32,
}

fn address_buf(g: &Guest, desc: u32) -> WasiResult<AddressBuf> {
    g.range(desc, 8)?;
    let ptr = g.read_u32(desc)?;
    let len = g.read_u32(desc + 4)?;
    g.range(ptr, u64::from(len))?;
    Ok(AddressBuf { ptr, len })
}

/// The IP address in a guest address descriptor.
fn read_address(g: &Guest, desc: u32) -> WasiResult<IpAddr> {
    let buf = address_buf(g, desc)?;
    let bytes = |at: u32, n: u32| g.read_vec(buf.ptr.wrapping_add(at), n);
    match buf.len {
        4 => Ok(IpAddr::V4(ipv4(&bytes(0, 4)?))),
        16 => Ok(IpAddr::V6(ipv6(&bytes(0, 16)?))),
        TAGGED_ADDRESS_LEN => {
            let family = bytes(0, 2)?;
            match u16::from_le_bytes([family[0], family[1]]) {
                FAMILY_INET4 => Ok(IpAddr::V4(ipv4(&bytes(2, 4)?))),
                FAMILY_INET6 => Ok(IpAddr::V6(ipv6(&bytes(2, 16)?))),
                FAMILY_UNIX => Err(ENOSYS),
                _ => Err(EAFNOSUPPORT),
            }
        }
        _ => Err(EINVAL),
    }
}

fn ipv4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn ipv6(b: &[u8]) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&b[..16]);
    Ipv6Addr::from(octets)
}

fn raw_octets(ip: &IpAddr) -> ([u8; 16], usize) {
    let mut out = [0u8; 16];
    match ip {
        IpAddr::V4(v4) => {
            out[..4].copy_from_slice(&v4.octets());
            (out, 4)
        }
        IpAddr::V6(v6) => (v6.octets(), 16),
    }
}

/// Writes `ip` into a descriptor's buffer: family-tagged into a 128-byte buffer, raw
/// into any other that holds it (ENOMEM when it does not).
fn write_address(g: &Guest, buf: AddressBuf, ip: &IpAddr) -> WasiResult {
    let (octets, n) = raw_octets(ip);
    if buf.len == TAGGED_ADDRESS_LEN {
        let family = if ip.is_ipv4() {
            FAMILY_INET4
        } else {
            FAMILY_INET6
        };
        g.write(buf.ptr, &family.to_le_bytes())?;
        return g.write(buf.ptr.wrapping_add(2), &octets[..n]);
    }
    if (buf.len as usize) < n {
        return Err(ENOMEM);
    }
    g.write(buf.ptr, &octets[..n])
}

/// A port passed by value: 0 to 65535 (a larger value is EINVAL, not truncated).
fn port_value(port: u32) -> WasiResult<u16> {
    u16::try_from(port).map_err(|_| EINVAL)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_open(
    vmctx: *mut VmCtxHeader,
    af: u32,
    socktype: u32,
    fd_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let family = match af {
            1 => libc::AF_INET,
            2 => libc::AF_INET6,
            3 => return Err(ENOSYS),
            _ => return Err(EINVAL),
        };
        let (kind, ft) = match socktype {
            1 => (libc::SOCK_DGRAM, filetype::SOCKET_DGRAM),
            2 => (libc::SOCK_STREAM, filetype::SOCKET_STREAM),
            _ => return Err(EINVAL),
        };
        g.range(fd_out, 4)?;
        net::require(net::may_open_sockets())?;
        // SAFETY: plain socket creation.
        let s = errno::check(|| unsafe { libc::socket(family, kind | libc::SOCK_CLOEXEC, 0) })?;
        if family == libc::AF_INET6 {
            let one: c_int = 1;
            // SAFETY: a 4-byte int option on the socket just created.
            let rc = unsafe {
                libc::setsockopt(
                    s,
                    libc::IPPROTO_IPV6,
                    libc::IPV6_V6ONLY,
                    (&raw const one).cast(),
                    4,
                )
            };
            if rc != 0 {
                let e = errno::last();
                crate::sys::close(s);
                return Err(e);
            }
        }
        let fd = super::fds().insert(FdEntry::new(
            s,
            Kind::Socket,
            ft,
            rights::GUEST_SOCKET,
            rights::SOCKET,
        ))?;
        g.write_u32(fd_out, fd)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_bind(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    addr: u32,
    port: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (host, _) = socket_host(fd, 0)?;
        let ip = read_address(&g, addr)?;
        let port = port_value(port)?;
        net::require(net::may_bind(ip, port))?;
        let (sa, len) = net::to_sockaddr(ip, port);
        // SAFETY: a socket address of `len` bytes.
        errno::check(|| unsafe { libc::bind(host, (&raw const sa).cast(), len) }).map(|_| ())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_connect(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    addr: u32,
    port: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (host, _) = socket_host(fd, 0)?;
        let ip = read_address(&g, addr)?;
        let port = port_value(port)?;
        net::require(net::may_connect(ip, port))?;
        let (sa, len) = net::to_sockaddr(ip, port);
        // Once, not retried on EINTR: a second connect would report EALREADY.
        // SAFETY: a socket address of `len` bytes.
        if unsafe { libc::connect(host, (&raw const sa).cast(), len) } != 0 {
            return Err(errno::last());
        }
        Ok(())
    })())
}

/// The local (or, with `peer`, remote) address of a host socket.
fn socket_name(host: c_int, peer: bool) -> WasiResult<(IpAddr, u16)> {
    // SAFETY: sockaddr_storage is plain data.
    let mut ss: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
    let mut len = core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: storage and its length for the kernel to fill.
    errno::check(|| unsafe {
        if peer {
            libc::getpeername(host, (&raw mut ss).cast(), &mut len)
        } else {
            libc::getsockname(host, (&raw mut ss).cast(), &mut len)
        }
    })?;
    // SAFETY: the kernel wrote a socket address of the socket's family.
    unsafe { net::from_sockaddr(&ss) }.ok_or(EAFNOSUPPORT)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_listen(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    backlog: u32,
) -> u32 {
    ret((|| {
        let (host, _) = socket_host(fd, 0)?;
        let (ip, port) = socket_name(host, false)?;
        if port == 0 {
            // Not bound yet: listen would bind to the wildcard address and a port the
            // kernel picks, which needs that grant.
            let any = if ip.is_ipv4() {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            };
            net::require(net::may_bind(any, 0))?;
        }
        // SAFETY: listen on our socket.
        errno::check(|| unsafe { libc::listen(host, backlog as c_int) }).map(|_| ())
    })())
}

/// WasmEdge's V1 `sock_accept(fd, fd_out)`: preview1's with no flags.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_accept_v1(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    fd_out: u32,
) -> u32 {
    // SAFETY: the same contract.
    unsafe { super::sock::aotc_wasi_sock_accept(vmctx, fd, 0, fd_out) }
}

/// Where `recv_from` reports the sender: the address buffer and, in the V2 form,
/// the port (a u16 value).
struct Sender {
    address: u32,
    port_out: Option<u32>,
}

#[allow(clippy::too_many_arguments)]
fn recv_from(
    g: &Guest,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    ri_flags: u32,
    sender: Sender,
    ro_datalen_out: u32,
    ro_flags_out: u32,
) -> WasiResult {
    let (host, ft) = socket_host(fd, rights::FD_READ)?;
    let datagram = ft == filetype::SOCKET_DGRAM;
    let flags = super::sock::recv_flags(ri_flags)?;
    let mut iov = g.iovecs(ri_data, ri_data_len)?;
    let address = address_buf(g, sender.address)?;
    if let Some(p) = sender.port_out {
        g.range(p, 2)?;
    }
    g.range(ro_datalen_out, 4)?;
    g.range(ro_flags_out, 2)?;
    if datagram && address.len != TAGGED_ADDRESS_LEN && address.len < 16 {
        // A datagram always names its sender (of the socket's family): a buffer that
        // cannot hold it is refused before the datagram is taken off the queue. Only
        // a buffer too short for IPv6 needs the family (one getsockname), not every
        // receive.
        let (local, _) = socket_name(host, false)?;
        let need = if local.is_ipv4() { 4 } else { 16 };
        if address.len < need {
            return Err(ENOMEM);
        }
    }
    // SAFETY: sockaddr_storage is plain data.
    let mut ss: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
    let (n, truncated) = super::sock::receive(host, &mut iov, flags, Some(&mut ss))?;
    g.write_u32(ro_datalen_out, n as u32)?;
    g.write(ro_flags_out, &truncated.to_le_bytes())?;
    // A connected stream names no sender: the buffer and port are left alone.
    // SAFETY: the kernel wrote msg_namelen bytes of a socket address (or nothing:
    // family 0).
    if let Some((ip, port)) = unsafe { net::from_sockaddr(&ss) } {
        write_address(g, address, &ip)?;
        if let Some(p) = sender.port_out {
            g.write(p, &port.to_le_bytes())?;
        }
    }
    Ok(())
}

/// WasmEdge's V2 `sock_recv_from`, with the sender's port. The port is written as its
/// value (WasmEdge writes the network byte order there, which its own Rust crate
/// reads as a value, byte-swapped); aotc gives the port the guest can send back to.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn aotc_wasi_sock_recv_from(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    addr: u32,
    ri_flags: u32,
    port_out: u32,
    ro_datalen_out: u32,
    ro_flags_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    let sender = Sender {
        address: addr,
        port_out: Some(port_out),
    };
    ret(recv_from(
        &g,
        fd,
        ri_data,
        ri_data_len,
        ri_flags,
        sender,
        ro_datalen_out,
        ro_flags_out,
    ))
}

/// WasmEdge's V1 `sock_recv_from`: the sender's address without its port.
///
/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_recv_from_v1(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    addr: u32,
    ri_flags: u32,
    ro_datalen_out: u32,
    ro_flags_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    let sender = Sender {
        address: addr,
        port_out: None,
    };
    ret(recv_from(
        &g,
        fd,
        ri_data,
        ri_data_len,
        ri_flags,
        sender,
        ro_datalen_out,
        ro_flags_out,
    ))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn aotc_wasi_sock_send_to(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    si_data: u32,
    si_data_len: u32,
    addr: u32,
    port: u32,
    si_flags: u32,
    so_datalen_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (host, _) = socket_host(fd, rights::FD_WRITE)?;
        if si_flags != 0 {
            return Err(EINVAL);
        }
        let ip = read_address(&g, addr)?;
        let port = port_value(port)?;
        let iov = g.iovecs(si_data, si_data_len)?;
        g.range(so_datalen_out, 4)?;
        net::require(net::may_connect(ip, port))?;
        let (sa, len) = net::to_sockaddr(ip, port);
        let n = super::sock::send(host, &iov, Some((&sa, len)))?;
        g.write_u32(so_datalen_out, n as u32)
    })())
}

/// V2 `sock_getlocaladdr` / `sock_getpeeraddr`: a 128-byte tagged buffer and the port.
fn socket_address_v2(g: &Guest, fd: u32, addr: u32, port_out: u32, peer: bool) -> WasiResult {
    let (host, _) = socket_host(fd, 0)?;
    let buf = address_buf(g, addr)?;
    if buf.len != TAGGED_ADDRESS_LEN {
        return Err(EINVAL);
    }
    g.range(port_out, 4)?;
    let (ip, port) = socket_name(host, peer)?;
    write_address(g, buf, &ip)?;
    g.write_u32(port_out, u32::from(port))
}

/// V1 forms: a raw 4- or 16-byte buffer, the address type as 4 or 6, and the port.
fn socket_address_v1(
    g: &Guest,
    fd: u32,
    addr: u32,
    type_out: u32,
    port_out: u32,
    peer: bool,
) -> WasiResult {
    let (host, _) = socket_host(fd, 0)?;
    let buf = address_buf(g, addr)?;
    if buf.len != 4 && buf.len != 16 {
        return Err(EINVAL);
    }
    g.range(type_out, 4)?;
    g.range(port_out, 4)?;
    let (ip, port) = socket_name(host, peer)?;
    write_address(g, buf, &ip)?;
    g.write_u32(type_out, if ip.is_ipv4() { 4 } else { 6 })?;
    g.write_u32(port_out, u32::from(port))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_getlocaladdr(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    addr: u32,
    port_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(socket_address_v2(&g, fd, addr, port_out, false))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_getpeeraddr(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    addr: u32,
    port_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(socket_address_v2(&g, fd, addr, port_out, true))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_getlocaladdr_v1(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    addr: u32,
    type_out: u32,
    port_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(socket_address_v1(&g, fd, addr, type_out, port_out, false))
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_getpeeraddr_v1(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    addr: u32,
    type_out: u32,
    port_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret(socket_address_v1(&g, fd, addr, type_out, port_out, true))
}

/// How an option's value is laid out in guest memory (the host's layout too).
#[derive(Clone, Copy, PartialEq, Eq)]
enum OptionValue {
    /// A 4-byte int (booleans, sizes).
    Int,
    /// `{i64 seconds, i64 microseconds}`, 16 bytes.
    Timeval,
    /// `{i32 on, i32 seconds}`, 8 bytes.
    Linger,
}

impl OptionValue {
    fn size(self) -> usize {
        match self {
            OptionValue::Int => 4,
            OptionValue::Timeval => 16,
            OptionValue::Linger => 8,
        }
    }
}

/// The host level and name of an extension option: level 0 is SOL_SOCKET with
/// WasmEdge's numbering of its options; level 6 (IPPROTO_TCP) option 1 is
/// TCP_NODELAY (an aotc addition with the Linux numbers). SO_BINDTODEVICE is not
/// offered (ENOPROTOOPT); anything else is EINVAL, as in WasmEdge.
fn host_option(level: u32, name: u32) -> WasiResult<(c_int, c_int, OptionValue)> {
    use OptionValue::{Int, Linger, Timeval};
    let sol = |n, v| Ok((libc::SOL_SOCKET, n, v));
    match (level, name) {
        (0, 0) => sol(libc::SO_REUSEADDR, Int),
        (0, 1) => sol(libc::SO_TYPE, Int),
        (0, 2) => sol(libc::SO_ERROR, Int),
        (0, 3) => sol(libc::SO_DONTROUTE, Int),
        (0, 4) => sol(libc::SO_BROADCAST, Int),
        (0, 5) => sol(libc::SO_SNDBUF, Int),
        (0, 6) => sol(libc::SO_RCVBUF, Int),
        (0, 7) => sol(libc::SO_KEEPALIVE, Int),
        (0, 8) => sol(libc::SO_OOBINLINE, Int),
        (0, 9) => sol(libc::SO_LINGER, Linger),
        (0, 10) => sol(libc::SO_RCVLOWAT, Int),
        (0, 11) => sol(libc::SO_RCVTIMEO, Timeval),
        (0, 12) => sol(libc::SO_SNDTIMEO, Timeval),
        (0, 13) => sol(libc::SO_ACCEPTCONN, Int),
        (0, 14) => Err(ENOPROTOOPT),
        (6, 1) => Ok((libc::IPPROTO_TCP, libc::TCP_NODELAY, Int)),
        _ => Err(EINVAL),
    }
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_getsockopt(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    level: u32,
    name: u32,
    value: u32,
    value_len_inout: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (host, _) = socket_host(fd, 0)?;
        let (host_level, host_name, kind) = host_option(level, name)?;
        let capacity = g.read_u32(value_len_inout)?;
        // The whole buffer the guest claims must be its own (as WasmEdge checks),
        // though only the option's bytes are written.
        g.range(value, u64::from(capacity))?;
        if (capacity as usize) < kind.size() {
            return Err(EINVAL);
        }
        let mut buf = [0u8; 16];
        let mut len = kind.size() as libc::socklen_t;
        // SAFETY: a buffer of at least `len` bytes.
        errno::check(|| unsafe {
            libc::getsockopt(
                host,
                host_level,
                host_name,
                buf.as_mut_ptr().cast(),
                &mut len,
            )
        })?;
        if kind == OptionValue::Int {
            let v = c_int::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
            let translated = match (host_level, host_name) {
                // Pending errors are WASI errnos, socket types the extension's.
                (libc::SOL_SOCKET, libc::SO_ERROR) if v != 0 => c_int::from(errno::from_host(v)),
                (libc::SOL_SOCKET, libc::SO_TYPE) => {
                    if v == libc::SOCK_DGRAM {
                        1
                    } else {
                        2
                    }
                }
                _ => v,
            };
            buf[..4].copy_from_slice(&translated.to_le_bytes());
        }
        g.write(value, &buf[..kind.size()])?;
        g.write_u32(value_len_inout, kind.size() as u32)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_setsockopt(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    level: u32,
    name: u32,
    value: u32,
    value_len: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let (host, _) = socket_host(fd, 0)?;
        let (host_level, host_name, kind) = host_option(level, name)?;
        // The whole value the guest claims must be its own, as for getsockopt.
        g.range(value, u64::from(value_len))?;
        if (value_len as usize) < kind.size() {
            return Err(EINVAL);
        }
        let bytes = g.read_vec(value, kind.size() as u32)?;
        // SAFETY: `bytes` holds the option's full size.
        errno::check(|| unsafe {
            libc::setsockopt(
                host,
                host_level,
                host_name,
                bytes.as_ptr().cast(),
                kind.size() as libc::socklen_t,
            )
        })
        .map(|_| ())
    })())
}
