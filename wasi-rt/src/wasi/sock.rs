//! Sockets: the listen preopens the manifest grants (opened at startup) and the
//! preview1 calls on socket fds: sock_accept, sock_recv, sock_send, sock_shutdown.
//!
//! Every call checks the kind before the rights: anything but a socket is ENOTSOCK
//! (stdio too, as in Wasmtime); a listener lacks the data rights (ENOTCAPABLE) and a
//! connection lacks `sock_accept`.
//!
//! Only listeners named in the manifest exist; the guest can accept connections on
//! them and talk over the accepted fds, nothing else (no connect, no new listeners).

use aotc_abi::layout::VmCtxHeader;
use core::ffi::c_int;
use core::net::{IpAddr, Ipv4Addr};

use crate::errno::{self, ret, WasiResult, EINVAL, ENOTSOCK};
use crate::fdtable::{FdEntry, Kind};
use crate::rights::{self, fdflags, filetype};

/// A socket of either kind (what is not is ENOTSOCK).
pub(super) fn is_socket(e: &FdEntry) -> bool {
    matches!(e.kind, Kind::Socket | Kind::Listener)
}

/// Opens a listening TCP socket on `addr` (`IPv4:port`, `[IPv6]:port` or
/// `localhost:port`). Err(None): not an address; Err(Some(e)): host errno.
pub fn listen(addr: &str) -> Result<c_int, Option<c_int>> {
    let (host, port) = addr.rsplit_once(':').ok_or(None)?;
    let port: u16 = port.parse().map_err(|_| None)?;
    let ip = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(h) => IpAddr::V6(h.parse().map_err(|_| None)?),
        None if host == "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        None => IpAddr::V4(host.parse().map_err(|_| None)?),
    };
    let v6 = ip.is_ipv6();
    let (ss, len) = crate::net::to_sockaddr(ip, port);
    // SAFETY: socket/bind/listen on a socket we create, with a socket address of `len`
    // bytes.
    unsafe {
        let family = if v6 { libc::AF_INET6 } else { libc::AF_INET };
        let fd = libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(Some(crate::sys::errno()));
        }
        let one: c_int = 1;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&raw const one).cast(),
            4,
        );
        if v6 {
            // An IPv6 grant is exactly that address: no IPv4-mapped clients
            // (whatever the host's bindv6only default is).
            libc::setsockopt(
                fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_V6ONLY,
                (&raw const one).cast(),
                4,
            );
        }
        if libc::bind(fd, (&raw const ss).cast(), len) != 0 || libc::listen(fd, 128) != 0 {
            let e = crate::sys::errno();
            libc::close(fd);
            return Err(Some(e));
        }
        Ok(fd)
    }
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_accept(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    flags: u32,
    fd_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let l = table.get_kind(fd, is_socket, |_| ENOTSOCK, rights::SOCK_ACCEPT)?;
        if flags & !u32::from(fdflags::NONBLOCK) != 0 {
            return Err(EINVAL);
        }
        g.range(fd_out, 4)?;
        let mut f = libc::SOCK_CLOEXEC;
        if flags != 0 {
            f |= libc::SOCK_NONBLOCK;
        }
        let host = l.host;
        // Rights only ever shrink: the connection gets at most what the listener
        // hands down (its inheriting rights, which fd_fdstat_set_rights may narrow).
        let inherited = rights::SOCKET & l.inheriting;
        // Unlocked while accept4 may block; locked again to insert.
        drop(table);
        // SAFETY: accept4 on our listener, discarding the peer address.
        let s = errno::check(|| unsafe {
            libc::accept4(host, core::ptr::null_mut(), core::ptr::null_mut(), f)
        })?;
        let new_fd = super::fds().insert(FdEntry::new(
            s,
            Kind::Socket,
            filetype::SOCKET_STREAM,
            inherited,
            0,
        ))?;
        g.write_u32(fd_out, new_fd)
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_recv(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    ri_flags: u32,
    ro_datalen_out: u32,
    ro_flags_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let e = table.get_kind(fd, is_socket, |_| ENOTSOCK, rights::FD_READ)?;
        let flags = recv_flags(ri_flags)?;
        let mut iov = g.iovecs(ri_data, ri_data_len)?;
        g.range(ro_datalen_out, 4)?;
        g.range(ro_flags_out, 2)?;
        let host = e.host;
        drop(table); // recvmsg may block
        let (n, ro) = receive(host, &mut iov, flags, None)?;
        g.write_u32(ro_datalen_out, n as u32)?;
        g.write(ro_flags_out, &ro.to_le_bytes())
    })())
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_send(
    vmctx: *mut VmCtxHeader,
    fd: u32,
    si_data: u32,
    si_data_len: u32,
    _si_flags: u32,
    so_datalen_out: u32,
) -> u32 {
    // SAFETY: see the function contract.
    let g = unsafe { super::mem(vmctx) };
    ret((|| {
        let mut table = super::fds();
        let e = table.get_kind(fd, is_socket, |_| ENOTSOCK, rights::FD_WRITE)?;
        let iov = g.iovecs(si_data, si_data_len)?;
        g.range(so_datalen_out, 4)?;
        let host = e.host;
        drop(table); // sendmsg may block
        let n = send(host, &iov, None)?;
        g.write_u32(so_datalen_out, n as u32)
    })())
}

/// The host flags of `sock_recv`'s riflags: PEEK and WAITALL (anything else: EINVAL).
pub(super) fn recv_flags(ri_flags: u32) -> WasiResult<c_int> {
    if ri_flags & !3 != 0 {
        return Err(EINVAL);
    }
    let mut flags = 0;
    if ri_flags & 1 != 0 {
        flags |= libc::MSG_PEEK;
    }
    if ri_flags & 2 != 0 {
        flags |= libc::MSG_WAITALL;
    }
    Ok(flags)
}

/// One `recvmsg` into `iov` (checked guest memory), the sender's address into `from`
/// when given: the byte count and the WASI roflags (1: the datagram was truncated).
/// May block: the caller holds no lock.
pub(super) fn receive(
    host: c_int,
    iov: &mut [libc::iovec],
    flags: c_int,
    from: Option<&mut libc::sockaddr_storage>,
) -> WasiResult<(usize, u16)> {
    // SAFETY: a zeroed msghdr is valid; iov and `from` point to live storage.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    if let Some(ss) = from {
        msg.msg_name = (ss as *mut libc::sockaddr_storage).cast();
        msg.msg_namelen = core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    }
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = iov.len();
    // SAFETY: as above.
    let n = errno::check(|| unsafe { libc::recvmsg(host, &mut msg, flags) })?;
    Ok((n as usize, u16::from(msg.msg_flags & libc::MSG_TRUNC != 0)))
}

/// One `sendmsg` of `iov` (checked guest memory), to `to` when given. MSG_NOSIGNAL: a
/// closed peer is EPIPE, not SIGPIPE. May block: the caller holds no lock.
pub(super) fn send(
    host: c_int,
    iov: &[libc::iovec],
    to: Option<(&libc::sockaddr_storage, libc::socklen_t)>,
) -> WasiResult<usize> {
    // SAFETY: a zeroed msghdr is valid; iov and `to` point to live storage.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    if let Some((sa, len)) = to {
        msg.msg_name = (sa as *const libc::sockaddr_storage).cast_mut().cast();
        msg.msg_namelen = len;
    }
    msg.msg_iov = iov.as_ptr().cast_mut();
    msg.msg_iovlen = iov.len();
    // SAFETY: as above; sendmsg only reads the buffers.
    let n = errno::check(|| unsafe { libc::sendmsg(host, &msg, libc::MSG_NOSIGNAL) })?;
    Ok(n as usize)
}

/// # Safety
/// Called by generated code with its context.
#[no_mangle]
pub unsafe extern "C" fn aotc_wasi_sock_shutdown(
    _vmctx: *mut VmCtxHeader,
    fd: u32,
    how: u32,
) -> u32 {
    ret((|| {
        let mut table = super::fds();
        let e = table.get_kind(fd, is_socket, |_| ENOTSOCK, rights::SOCK_SHUTDOWN)?;
        let h = match how {
            1 => libc::SHUT_RD,
            2 => libc::SHUT_WR,
            3 => libc::SHUT_RDWR,
            _ => return Err(EINVAL),
        };
        let host = e.host;
        // SAFETY: shutdown on a socket we own.
        errno::check(|| unsafe { libc::shutdown(host, h) }).map(|_| ())
    })())
}
