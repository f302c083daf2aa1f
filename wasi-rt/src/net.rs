//! The network allow-list at run time (sandbox-critical): every connect, send_to,
//! bind, implicit bind and name lookup of the socket extension asks here first.
//!
//! The rules are the manifest's `connect`, `bind` and `resolve` lists, parsed on first
//! use with the same parser aotc validated them with (`aotc_abi::net`); a manifest
//! that does not parse allows nothing. Only the socket extension's functions reach
//! the policy, so executables that import none of them carry none of it; the
//! socket-address conversions at the end also serve the `--listen` preopens.
//!
//! Names and rebinding: a name is resolved by the runtime (never by the guest's own
//! DNS traffic, which needs `--connect` to a resolver like any other destination) and
//! its first successful answer is pinned for the life of the process: later lookups
//! of the name return the same addresses, so a name whose answer changes (DNS
//! rebinding) cannot open a door to a different address. A connect or send_to to an
//! address is allowed when an address rule covers it, or when a pinned name's answer
//! holds it and a `--connect` rule names that name with the port.
//!
//! Invariant: the state sits behind one process-wide mutex, never held across a
//! host call that may block (a DNS lookup runs unlocked; the first answer to be
//! pinned wins, and every caller returns the pinned one).

use alloc::string::String;
use alloc::vec::Vec;
use aotc_abi::manifest::Manifest;
use aotc_abi::net::{canonical_ip, normalize_name, Policy};
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::errno::{Errno, WasiResult, EACCES};

/// WasmEdge's errnos for `getaddrinfo` failures (its extension of the WASI errno
/// numbering, one per host `EAI_*` code).
pub mod eai {
    use crate::errno::Errno;
    pub const ADDRFAMILY: Errno = 77;
    pub const AGAIN: Errno = 78;
    pub const BADFLAGS: Errno = 79;
    pub const FAIL: Errno = 80;
    pub const FAMILY: Errno = 81;
    pub const MEMORY: Errno = 82;
    pub const NODATA: Errno = 83;
    pub const NONAME: Errno = 84;
    pub const SERVICE: Errno = 85;
    pub const SOCKTYPE: Errno = 86;
    pub const SYSTEM: Errno = 87;
}

struct NetState {
    policy: Policy,
    /// Name → the addresses its first answer held (canonical form).
    pins: Vec<(String, Vec<IpAddr>)>,
}

struct Shared {
    lock: UnsafeCell<libc::pthread_mutex_t>,
    state: UnsafeCell<Option<NetState>>,
}

// SAFETY: `state` is only touched with `lock` held (see `with_state`).
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    lock: UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER),
    state: UnsafeCell::new(None),
};

/// The policy of the installed image's manifest; empty (nothing allowed) when there
/// is no image or its manifest does not decode or parse.
fn load_policy() -> Policy {
    let Some(image) = crate::image::get() else {
        return Policy::default();
    };
    if image.manifest.is_null() {
        return Policy::default();
    }
    // SAFETY: the image's invariant: `manifest_len` bytes at `manifest`, alive for the
    // process.
    let bytes = unsafe { core::slice::from_raw_parts(image.manifest, image.manifest_len as usize) };
    match Manifest::decode(bytes) {
        Ok(m) => Policy::parse(&m.connect, &m.bind, &m.resolve).unwrap_or_default(),
        Err(_) => Policy::default(),
    }
}

/// Runs `f` on the state (loading the policy on first use) with the lock held.
fn with_state<R>(f: impl FnOnce(&mut NetState) -> R) -> R {
    // SAFETY: a statically initialised mutex; unlocked below before returning.
    unsafe { libc::pthread_mutex_lock(SHARED.lock.get()) };
    // SAFETY: the lock is held, so this is the only reference to the state.
    let slot = unsafe { &mut *SHARED.state.get() };
    let state = slot.get_or_insert_with(|| NetState {
        policy: load_policy(),
        pins: Vec::new(),
    });
    let r = f(state);
    // SAFETY: locked above by this thread.
    unsafe { libc::pthread_mutex_unlock(SHARED.lock.get()) };
    r
}

/// Whether the manifest grants any connect or bind rule (a module without one may
/// not even create a socket).
pub fn may_open_sockets() -> bool {
    with_state(|s| s.policy.opens_sockets())
}

/// Whether the guest may connect or send to `ip:port`. The unspecified address is
/// judged as the loopback address it reaches on Linux (a connect to 0.0.0.0 or `::`
/// goes to the local host).
pub fn may_connect(ip: IpAddr, port: u16) -> bool {
    let ip = match canonical_ip(ip) {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    with_state(|s| {
        s.policy.connect_allows_address(ip, port)
            || s.pins.iter().any(|(name, addrs)| {
                addrs.contains(&ip) && s.policy.connect_allows_name(name, port)
            })
    })
}

/// Whether the guest may bind a socket to `ip:port` (port 0: the kernel picks).
pub fn may_bind(ip: IpAddr, port: u16) -> bool {
    let ip = canonical_ip(ip);
    with_state(|s| s.policy.bind_allows(ip, port))
}

/// `Ok` when `allowed`, else the refusal every policy check returns.
pub fn require(allowed: bool) -> WasiResult {
    if allowed {
        Ok(())
    } else {
        Err(EACCES)
    }
}

/// The addresses of `node`: an IP literal is itself (nothing to resolve, nothing to
/// allow); a name must be allowed (`--resolve` or a `--connect` name, else EACCES)
/// and is resolved once by the host and pinned (see the module documentation).
/// Host failures are WasmEdge's `EAI` errnos ([`eai`]).
pub fn lookup(node: &str) -> WasiResult<Vec<IpAddr>> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Ok(alloc::vec![ip]);
    }
    let name = normalize_name(node).ok_or(eai::NONAME)?;
    let pinned = with_state(|s| {
        if !s.policy.may_resolve(&name) {
            return Err(EACCES);
        }
        Ok(s.pins
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| a.clone()))
    })?;
    if let Some(addrs) = pinned {
        return Ok(addrs);
    }
    let answer = host_lookup(&name)?;
    Ok(with_state(|s| {
        if let Some((_, earlier)) = s.pins.iter().find(|(n, _)| *n == name) {
            // Another thread pinned the name meanwhile: its answer stands.
            return earlier.clone();
        }
        s.pins.push((name, answer.clone()));
        answer
    }))
}

/// Resolves `name` with the host's resolver (unlocked: it may block on DNS).
fn host_lookup(name: &str) -> WasiResult<Vec<IpAddr>> {
    let cname = crate::paths::cstring(name.as_bytes()).map_err(|_| eai::MEMORY)?;
    // SAFETY: a zeroed addrinfo is a valid "no hints" value; the fields set are plain.
    let mut hints: libc::addrinfo = unsafe { core::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut list: *mut libc::addrinfo = core::ptr::null_mut();
    // SAFETY: NUL-terminated name, valid hints and out-pointer.
    let rc = unsafe {
        libc::getaddrinfo(
            cname.as_ptr().cast::<c_char>(),
            core::ptr::null(),
            &hints,
            &mut list,
        )
    };
    if rc != 0 {
        return Err(eai_errno(rc));
    }
    let mut addrs = Vec::new();
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: a node of the list getaddrinfo returned, freed only below.
        let entry = unsafe { &*cursor };
        // SAFETY: ai_addr points to ai_addrlen bytes of a sockaddr of ai_family.
        if let Some((ip, _)) = unsafe { from_sockaddr(entry.ai_addr.cast()) } {
            let ip = canonical_ip(ip);
            if !addrs.contains(&ip) && addrs.try_reserve(1).is_ok() {
                addrs.push(ip);
            }
        }
        cursor = entry.ai_next;
    }
    // SAFETY: the list getaddrinfo returned, freed once.
    unsafe { libc::freeaddrinfo(list) };
    if addrs.is_empty() {
        return Err(eai::NODATA);
    }
    Ok(addrs)
}

/// The WasmEdge errno of a host `EAI_*` code (glibc's values).
pub fn eai_errno(code: c_int) -> Errno {
    match code {
        -9 => eai::ADDRFAMILY,
        libc::EAI_AGAIN => eai::AGAIN,
        libc::EAI_BADFLAGS => eai::BADFLAGS,
        libc::EAI_FAIL => eai::FAIL,
        libc::EAI_FAMILY => eai::FAMILY,
        libc::EAI_MEMORY => eai::MEMORY,
        -5 => eai::NODATA,
        libc::EAI_NONAME => eai::NONAME,
        libc::EAI_SERVICE => eai::SERVICE,
        libc::EAI_SOCKTYPE => eai::SOCKTYPE,
        libc::EAI_SYSTEM => eai::SYSTEM,
        _ => eai::FAIL,
    }
}

/// A host socket address for `ip:port`, with its length.
pub fn to_sockaddr(ip: IpAddr, port: u16) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all zeroes is a valid value.
    let mut ss: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
    let len = match ip {
        IpAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            let sa = unsafe { &mut *(&raw mut ss).cast::<libc::sockaddr_in>() };
            sa.sin_family = libc::AF_INET as libc::sa_family_t;
            sa.sin_port = port.to_be();
            sa.sin_addr.s_addr = u32::from_ne_bytes(v4.octets());
            core::mem::size_of::<libc::sockaddr_in>()
        }
        IpAddr::V6(v6) => {
            // SAFETY: as above.
            let sa = unsafe { &mut *(&raw mut ss).cast::<libc::sockaddr_in6>() };
            sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sa.sin6_port = port.to_be();
            sa.sin6_addr.s6_addr = v6.octets();
            core::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// The IP address and port of a host IPv4 or IPv6 socket address.
///
/// # Safety
/// `sa` points to a socket address as long as its family says.
pub unsafe fn from_sockaddr(sa: *const libc::sockaddr_storage) -> Option<(IpAddr, u16)> {
    // SAFETY: guaranteed by the caller.
    unsafe {
        match c_int::from((*sa).ss_family) {
            libc::AF_INET => {
                let a = &*sa.cast::<libc::sockaddr_in>();
                let ip = Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes());
                Some((IpAddr::V4(ip), u16::from_be(a.sin_port)))
            }
            libc::AF_INET6 => {
                let a = &*sa.cast::<libc::sockaddr_in6>();
                let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
                Some((IpAddr::V6(ip), u16::from_be(a.sin6_port)))
            }
            _ => None,
        }
    }
}
