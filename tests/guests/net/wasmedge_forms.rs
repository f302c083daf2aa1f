//! A Rust guest (Debian's rustc, wasm32-wasi std) calling WasmEdge's socket extension
//! with the import forms the `wasmedge_wasi_socket` crate uses, which the C shim does
//! not: the 2-parameter V1 `sock_accept`, the 4-parameter V1 `sock_getlocaladdr` /
//! `sock_getpeeraddr` (raw 4/16-byte buffers, address type 4 or 6), the 8-parameter V2
//! `sock_recv_from` with a 128-byte tagged buffer, `sock_getaddrinfo` with the crate's
//! 14-byte `sa_data_len` over 26-byte buffers, and the preview1 `sock_send`/`sock_recv`.
//!
//! Run with `--bind 127.0.0.1:*` and `--connect 127.0.0.1:*` (and `--resolve
//! localhost`); prints one line per step, `NAME ok ...` or `NAME err N`, and exits 1 on
//! the first failure. Steps: a TCP listener on 127.0.0.1:0, a client connecting to it,
//! accept, both ends' addresses, a message each way; two UDP sockets exchanging a
//! datagram (the sender's port must come back as its value); a lookup of localhost.

use std::process::exit;

#[repr(C)]
struct Address {
    buf: *mut u8,
    buf_len: u32,
}

#[repr(C)]
struct IoVec {
    buf: *mut u8,
    len: u32,
}

#[repr(C)]
struct SockAddr {
    family: u8,
    sa_data_len: u32,
    sa_data: *mut u8,
}

#[repr(C)]
struct AddrInfo {
    flags: u16,
    family: u8,
    socktype: u8,
    protocol: u8,
    addrlen: u32,
    addr: *mut SockAddr,
    canonname: *mut u8,
    canonname_len: u32,
    next: *mut AddrInfo,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn sock_open(af: u32, socktype: u32, fd: *mut u32) -> u32;
    fn sock_bind(fd: u32, addr: *mut Address, port: u32) -> u32;
    fn sock_listen(fd: u32, backlog: u32) -> u32;
    fn sock_connect(fd: u32, addr: *mut Address, port: u32) -> u32;
    fn sock_accept(fd: u32, new_fd: *mut u32) -> u32;
    fn sock_getlocaladdr(fd: u32, addr: *mut Address, addr_type: *mut u32, port: *mut u32) -> u32;
    fn sock_getpeeraddr(fd: u32, addr: *mut Address, addr_type: *mut u32, port: *mut u32) -> u32;
    fn sock_send(fd: u32, data: *const IoVec, data_len: u32, flags: u16, sent: *mut u32) -> u32;
    fn sock_recv(fd: u32, data: *mut IoVec, data_len: u32, flags: u16, got: *mut u32, oflags: *mut u16) -> u32;
    fn sock_send_to(fd: u32, data: *const IoVec, data_len: u32, addr: *const Address, port: u32, flags: u16, sent: *mut u32) -> u32;
    fn sock_recv_from(fd: u32, data: *mut IoVec, data_len: u32, addr: *mut Address, flags: u16, port: *mut u32, got: *mut u32, oflags: *mut u16) -> u32;
    fn sock_getaddrinfo(node: *const u8, node_len: u32, service: *const u8, service_len: u32, hints: *const AddrInfo, res: *mut *mut AddrInfo, max: u32, res_len: *mut u32) -> u32;
}

fn check(step: &str, errno: u32) {
    if errno != 0 {
        println!("{step} err {errno}");
        exit(1);
    }
}

const INET4: u32 = 1;
const DGRAM: u32 = 1;
const STREAM: u32 = 2;

fn open(kind: u32) -> u32 {
    let mut fd = 0;
    check("sock_open", unsafe { sock_open(INET4, kind, &mut fd) });
    fd
}

/// 127.0.0.1 in a static buffer, so the descriptor never points at a moved value.
static mut LOOPBACK: [u8; 4] = [127, 0, 0, 1];

fn loopback() -> Address {
    Address {
        // SAFETY: the host only reads the buffer.
        buf: unsafe { LOOPBACK.as_mut_ptr() },
        buf_len: 4,
    }
}

/// (address bytes, type, port) of a socket's local or remote end (V1 form).
fn name(fd: u32, peer: bool) -> ([u8; 16], u32, u32) {
    let mut bytes = [0u8; 16];
    let mut addr = Address {
        buf: bytes.as_mut_ptr(),
        buf_len: 16,
    };
    let (mut kind, mut port) = (0, 0);
    let rc = unsafe {
        if peer {
            sock_getpeeraddr(fd, &mut addr, &mut kind, &mut port)
        } else {
            sock_getlocaladdr(fd, &mut addr, &mut kind, &mut port)
        }
    };
    check(if peer { "sock_getpeeraddr" } else { "sock_getlocaladdr" }, rc);
    (bytes, kind, port)
}

fn send(fd: u32, text: &[u8]) {
    let iov = IoVec {
        buf: text.as_ptr() as *mut u8,
        len: text.len() as u32,
    };
    let mut sent = 0;
    check("sock_send", unsafe { sock_send(fd, &iov, 1, 0, &mut sent) });
    assert_eq!(sent as usize, text.len());
}

fn recv(fd: u32) -> String {
    let mut buf = [0u8; 64];
    let mut iov = IoVec {
        buf: buf.as_mut_ptr(),
        len: 64,
    };
    let (mut got, mut oflags) = (0, 0);
    check("sock_recv", unsafe { sock_recv(fd, &mut iov, 1, 0, &mut got, &mut oflags) });
    String::from_utf8_lossy(&buf[..got as usize]).into_owned()
}

fn tcp() {
    let listener = open(STREAM);
    let mut addr = loopback();
    check("sock_bind", unsafe { sock_bind(listener, &mut addr, 0) });
    check("sock_listen", unsafe { sock_listen(listener, 8) });
    let (bytes, kind, port) = name(listener, false);
    println!("listener ok {}.{}.{}.{} type {kind}", bytes[0], bytes[1], bytes[2], bytes[3]);
    let client = open(STREAM);
    let mut addr = loopback();
    check("sock_connect", unsafe { sock_connect(client, &mut addr, port) });
    let mut conn = 0;
    check("sock_accept", unsafe { sock_accept(listener, &mut conn) });
    let (_, _, client_port) = name(client, false);
    let (peer, peer_kind, peer_port) = name(conn, true);
    println!(
        "accept ok peer {}.{}.{}.{} type {peer_kind} port matches client: {}",
        peer[0],
        peer[1],
        peer[2],
        peer[3],
        peer_port == client_port
    );
    let (_, _, server_port) = name(client, true);
    println!("client peer port matches listener: {}", server_port == port);
    send(client, b"ping");
    println!("server got {}", recv(conn));
    send(conn, b"pong");
    println!("client got {}", recv(client));
}

fn udp() {
    let a = open(DGRAM);
    let b = open(DGRAM);
    for fd in [a, b] {
        let mut addr = loopback();
        check("sock_bind", unsafe { sock_bind(fd, &mut addr, 0) });
    }
    let (_, _, a_port) = name(a, false);
    let (_, _, b_port) = name(b, false);
    let text = b"datagram";
    let iov = IoVec {
        buf: text.as_ptr() as *mut u8,
        len: text.len() as u32,
    };
    let to = loopback();
    let mut sent = 0;
    check("sock_send_to", unsafe { sock_send_to(a, &iov, 1, &to, b_port, 0, &mut sent) });
    let mut buf = [0u8; 64];
    let mut riov = IoVec {
        buf: buf.as_mut_ptr(),
        len: 64,
    };
    let mut from = [0u8; 128];
    let mut from_addr = Address {
        buf: from.as_mut_ptr(),
        buf_len: 128,
    };
    let (mut port, mut got, mut oflags) = (0u32, 0, 0);
    check("sock_recv_from", unsafe {
        sock_recv_from(b, &mut riov, 1, &mut from_addr, 0, &mut port, &mut got, &mut oflags)
    });
    let family = u16::from_le_bytes([from[0], from[1]]);
    println!(
        "udp got {} from family {family} {}.{}.{}.{} sender port matches: {}",
        String::from_utf8_lossy(&buf[..got as usize]),
        from[2],
        from[3],
        from[4],
        from[5],
        port as u16 as u32 == a_port
    );
}

fn resolve() {
    const MAX: usize = 4;
    let mut data = [[0u8; 26]; MAX];
    let mut names = [[0u8; 30]; MAX];
    let mut addrs: Vec<SockAddr> = data
        .iter_mut()
        .map(|d| SockAddr {
            family: 0,
            sa_data_len: 14,
            sa_data: d.as_mut_ptr(),
        })
        .collect();
    let mut infos: Vec<AddrInfo> = (0..MAX)
        .map(|i| AddrInfo {
            flags: 0,
            family: 0,
            socktype: 0,
            protocol: 0,
            addrlen: 0,
            addr: &mut addrs[i],
            canonname: names[i].as_mut_ptr(),
            canonname_len: 30,
            next: std::ptr::null_mut(),
        })
        .collect();
    for i in 0..MAX - 1 {
        infos[i].next = &mut infos[i + 1] as *mut AddrInfo;
    }
    let hints = AddrInfo {
        flags: 0,
        family: 1,
        socktype: 2,
        protocol: 0,
        addrlen: 0,
        addr: std::ptr::null_mut(),
        canonname: std::ptr::null_mut(),
        canonname_len: 0,
        next: std::ptr::null_mut(),
    };
    let node = b"localhost\0";
    let service = b"80\0";
    let mut first = infos.as_mut_ptr();
    let mut count = 0;
    check("sock_getaddrinfo", unsafe {
        sock_getaddrinfo(
            node.as_ptr(),
            node.len() as u32,
            service.as_ptr(),
            service.len() as u32,
            &hints,
            &mut first,
            MAX as u32,
            &mut count,
        )
    });
    let d = &data[0];
    println!(
        "resolve localhost ok {count} first {}.{}.{}.{} port {} family {} socktype {} len {}",
        d[2],
        d[3],
        d[4],
        d[5],
        u16::from_be_bytes([d[0], d[1]]),
        addrs[0].family,
        infos[0].socktype,
        addrs[0].sa_data_len
    );
}

fn main() {
    tcp();
    udp();
    resolve();
}
