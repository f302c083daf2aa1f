//! The network allow-list (sandbox-critical): the grammar of `--connect`, `--bind` and
//! `--resolve` entries and the one matcher both sides use. `aotc` parses each entry
//! with [`Endpoint::parse`] / [`NamePattern::parse`] to refuse bad ones and to store
//! their canonical spelling in the manifest; the runtime parses that spelling again
//! with the same functions and asks [`Policy`] before every connect, bind, send_to and
//! name lookup.
//!
//! Grammar: `HOST:PORTS`, where HOST is an IPv4 address, an IPv6 address in brackets,
//! either with a `/prefix` (a CIDR range: `10.0.0.0/8`, `[fd00::]/8`), a DNS name
//! (`example.com`), a name with every name below it (`*.example.com`), or `*` (every
//! address); PORTS is a port, a range `first-last`, or `*`.
//!
//! Invariants:
//! - Deny by default: an empty policy allows nothing; only a rule that matches allows.
//! - Strict parsing: a range with host bits set (`10.0.0.1/8`), a prefix beyond the
//!   family's width, an empty or reversed port range and a malformed name are errors,
//!   never rounded or "fixed".
//! - An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it carries:
//!   an IPv6 socket reaching IPv4 through it is matched against the IPv4 rules, so no
//!   IPv4 range is reachable around its rule.
//! - Names are compared in lower case without a trailing dot; a name rule matches
//!   names, never addresses: an address is reachable through a name only once the
//!   runtime itself resolved that name to it (see the runtime's `net::policy`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A port range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange {
        first: 0,
        last: u16::MAX,
    };

    pub fn contains(&self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }

    fn parse(text: &str) -> Result<PortRange, &'static str> {
        if text == "*" {
            return Ok(PortRange::ALL);
        }
        let port = |t: &str| {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(
                    "the port is not a number from 0 to 65535, a range `first-last` or `*`",
                );
            }
            t.parse::<u16>()
                .map_err(|_| "the port is not a number from 0 to 65535")
        };
        match text.split_once('-') {
            Some((a, b)) => {
                let (first, last) = (port(a)?, port(b)?);
                if first > last {
                    return Err("the port range is reversed (write `first-last`)");
                }
                Ok(PortRange { first, last })
            }
            None => {
                let p = port(text)?;
                Ok(PortRange { first: p, last: p })
            }
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ALL {
            f.write_str("*")
        } else if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// A DNS name, or every name below one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    /// Lower case, no trailing dot.
    pub name: String,
    /// `*.name`: names strictly below `name` (not `name` itself).
    pub below: bool,
}

impl NamePattern {
    /// Parses `name` or `*.name`.
    pub fn parse(text: &str) -> Result<NamePattern, &'static str> {
        let (below, rest) = match text.strip_prefix("*.") {
            Some(r) => (true, r),
            None => (false, text),
        };
        let name = normalize_name(rest).ok_or(
            "not a DNS name (letters, digits, `-` and `_` in dot-separated labels of 1 to 63 characters)",
        )?;
        if name.parse::<Ipv4Addr>().is_ok() {
            return Err("an IP address, not a name");
        }
        Ok(NamePattern { name, below })
    }

    /// Whether the (already normalised) `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        if self.below {
            name.len() > self.name.len() + 1
                && name.ends_with(self.name.as_str())
                && name.as_bytes()[name.len() - self.name.len() - 1] == b'.'
        } else {
            name == self.name
        }
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.below {
            f.write_str("*.")?;
        }
        f.write_str(&self.name)
    }
}

/// `name` in lower case without a trailing dot, if it is a well-formed DNS name
/// (at most 253 characters; labels of 1 to 63 letters, digits, `-` or `_`, not
/// starting or ending with `-`).
pub fn normalize_name(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return None;
    }
    for label in name.split('.') {
        let b = label.as_bytes();
        if b.is_empty()
            || b.len() > 63
            || b[0] == b'-'
            || b[b.len() - 1] == b'-'
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        {
            return None;
        }
    }
    Some(name.to_ascii_lowercase())
}

/// What a rule's host part names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// `*`: every address of either family.
    AnyAddress,
    /// An address range (a single address is a /32 or /128).
    Range { net: IpAddr, prefix: u8 },
    /// A DNS name or the names below one.
    Name(NamePattern),
}

/// The IPv4 address an IPv4-mapped IPv6 address carries; any other address as is.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

fn in_range(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (canonical_ip(ip), net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n)
        }
        _ => false,
    }
}

/// One `HOST:PORTS` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: HostPattern,
    pub ports: PortRange,
}

/// What a rule is for: `--bind` rules take no names (a socket binds to an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleUse {
    Connect,
    Bind,
}

impl Endpoint {
    /// Parses `HOST:PORTS` (see the module documentation).
    pub fn parse(text: &str, rule_use: RuleUse) -> Result<Endpoint, &'static str> {
        let (host, ports) = text
            .rsplit_once(':')
            .ok_or("missing `:PORT` (write HOST:PORT; the port may be `*` or a range)")?;
        let ports = PortRange::parse(ports)?;
        let host = parse_host(host)?;
        if rule_use == RuleUse::Bind && matches!(host, HostPattern::Name(_)) {
            return Err("a socket binds to an address, not a name (write an IP address, a CIDR range or `*`)");
        }
        Ok(Endpoint { host, ports })
    }

    /// Whether this rule allows `ip:port` by address (name rules never do).
    pub fn allows_address(&self, ip: IpAddr, port: u16) -> bool {
        self.ports.contains(port)
            && match &self.host {
                HostPattern::AnyAddress => true,
                HostPattern::Range { net, prefix } => in_range(ip, *net, *prefix),
                HostPattern::Name(_) => false,
            }
    }

    /// Whether this is a name rule matching `name` (normalised) and `port`.
    pub fn allows_name(&self, name: &str, port: u16) -> bool {
        self.ports.contains(port) && matches!(&self.host, HostPattern::Name(p) if p.matches(name))
    }
}

fn parse_host(host: &str) -> Result<HostPattern, &'static str> {
    if host == "*" {
        return Ok(HostPattern::AnyAddress);
    }
    if host.is_empty() {
        return Err("the host is empty");
    }
    // `[v6]`, `[v6]/n` or `[v6/n]`.
    if let Some(inner) = host.strip_prefix('[') {
        let (bracketed, after) = inner.split_once(']').ok_or("`[` without `]`")?;
        let (addr, prefix) = match (bracketed.split_once('/'), after) {
            (Some((a, p)), "") => (a, Some(p)),
            (None, "") => (bracketed, None),
            (None, a) => match a.strip_prefix('/') {
                Some(p) => (bracketed, Some(p)),
                None => return Err("unexpected text after `]`"),
            },
            (Some(_), _) => return Err("unexpected text after `]`"),
        };
        let v6: Ipv6Addr = addr.parse().map_err(|_| "not an IPv6 address")?;
        return range(IpAddr::V6(v6), prefix);
    }
    if host.contains(':') {
        return Err("an IPv6 address goes in brackets: `[::1]:PORT`");
    }
    let (addr, prefix) = match host.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (host, None),
    };
    if let Ok(v4) = addr.parse::<Ipv4Addr>() {
        return range(IpAddr::V4(v4), prefix);
    }
    if prefix.is_some() {
        return Err("a `/prefix` range needs an IP address");
    }
    if addr.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err("not an IPv4 address");
    }
    NamePattern::parse(addr).map(HostPattern::Name)
}

fn range(net: IpAddr, prefix: Option<&str>) -> Result<HostPattern, &'static str> {
    let width: u8 = if net.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => width,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
            .parse::<u8>()
            .ok()
            .filter(|n| *n <= width)
            .ok_or("the prefix length is larger than the address (at most /32 for IPv4, /128 for IPv6)")?,
        Some(_) => return Err("the prefix length is not a number"),
    };
    if let IpAddr::V6(v6) = net {
        if v6.to_ipv4_mapped().is_some() {
            return Err("an IPv4-mapped IPv6 address: write the IPv4 address (it covers both)");
        }
    }
    if !in_range(net, net, prefix) {
        return Err(
            "the address has bits set beyond the prefix (write the first address of the range)",
        );
    }
    Ok(HostPattern::Range { net, prefix })
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostPattern::AnyAddress => f.write_str("*")?,
            HostPattern::Range {
                net: IpAddr::V4(a),
                prefix,
            } => {
                write!(f, "{a}")?;
                if *prefix != 32 {
                    write!(f, "/{prefix}")?;
                }
            }
            HostPattern::Range {
                net: IpAddr::V6(a),
                prefix,
            } => {
                write!(f, "[{a}]")?;
                if *prefix != 128 {
                    write!(f, "/{prefix}")?;
                }
            }
            HostPattern::Name(n) => write!(f, "{n}")?,
        }
        write!(f, ":{}", self.ports)
    }
}

/// The canonical spelling of a rule, as stored in the manifest.
pub fn canonical_endpoint(text: &str, rule_use: RuleUse) -> Result<String, &'static str> {
    Endpoint::parse(text, rule_use).map(|e| e.to_string())
}

/// The allow-list of one executable, parsed from its manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub connect: Vec<Endpoint>,
    pub bind: Vec<Endpoint>,
    pub resolve: Vec<NamePattern>,
}

impl Policy {
    /// Parses the manifest's lists; `Err` names the first entry that does not parse
    /// (the runtime then allows nothing).
    pub fn parse(
        connect: &[String],
        bind: &[String],
        resolve: &[String],
    ) -> Result<Policy, String> {
        let mut p = Policy::default();
        for c in connect {
            p.connect
                .push(Endpoint::parse(c, RuleUse::Connect).map_err(|_| c.to_string())?);
        }
        for b in bind {
            p.bind
                .push(Endpoint::parse(b, RuleUse::Bind).map_err(|_| b.to_string())?);
        }
        for r in resolve {
            p.resolve
                .push(NamePattern::parse(r).map_err(|_| r.to_string())?);
        }
        Ok(p)
    }

    /// Whether the module may open sockets at all: some connect or bind rule.
    pub fn opens_sockets(&self) -> bool {
        !(self.connect.is_empty() && self.bind.is_empty())
    }

    /// Whether connecting (or sending) to `ip:port` is allowed by an address rule.
    pub fn connect_allows_address(&self, ip: IpAddr, port: u16) -> bool {
        self.connect.iter().any(|r| r.allows_address(ip, port))
    }

    /// Whether a connect rule names `name` (normalised) with `port`.
    pub fn connect_allows_name(&self, name: &str, port: u16) -> bool {
        self.connect.iter().any(|r| r.allows_name(name, port))
    }

    /// Whether binding to `ip:port` is allowed (port 0: the kernel picks one).
    pub fn bind_allows(&self, ip: IpAddr, port: u16) -> bool {
        self.bind.iter().any(|r| r.allows_address(ip, port))
    }

    /// Whether the runtime may look `name` (normalised) up: a `--resolve` name or a
    /// name some `--connect` rule names.
    pub fn may_resolve(&self, name: &str) -> bool {
        self.resolve.iter().any(|p| p.matches(name))
            || self
                .connect
                .iter()
                .any(|r| matches!(&r.host, HostPattern::Name(p) if p.matches(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(t: &str) -> Result<String, &'static str> {
        canonical_endpoint(t, RuleUse::Connect)
    }

    fn ip(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    #[test]
    fn canonical_spellings() {
        assert_eq!(canon("127.0.0.1:80").unwrap(), "127.0.0.1:80");
        assert_eq!(canon("10.0.0.0/8:*").unwrap(), "10.0.0.0/8:*");
        assert_eq!(canon("[::1]:8000-8100").unwrap(), "[::1]:8000-8100");
        assert_eq!(canon("[fd00::/8]:53").unwrap(), "[fd00::]/8:53");
        assert_eq!(canon("[FD00::]/8:53").unwrap(), "[fd00::]/8:53");
        assert_eq!(canon("Example.COM.:443").unwrap(), "example.com:443");
        assert_eq!(canon("*.example.com:0-65535").unwrap(), "*.example.com:*");
        assert_eq!(canon("*:*").unwrap(), "*:*");
        assert_eq!(canon("1.2.3.4/32:7").unwrap(), "1.2.3.4:7");
    }

    #[test]
    fn malformed_rules_are_refused() {
        for bad in [
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:65536",
            "127.0.0.1:-1",
            "127.0.0.1:90-80",
            "127.0.0.1:8o",
            "10.0.0.1/8:80",
            "10.0.0.0/33:80",
            "10.0.0.0/:80",
            "[::1:80",
            "::1:80",
            "[::1]x:80",
            "[::ffff:10.0.0.1]:80",
            "300.1.1.1:80",
            "exa mple.com:80",
            "-bad.com:80",
            "a..b:80",
            ":80",
            "name.com/8:80",
        ] {
            assert!(canon(bad).is_err(), "{bad} accepted as {:?}", canon(bad));
        }
        assert!(canonical_endpoint("example.com:80", RuleUse::Bind).is_err());
        assert!(canonical_endpoint("*.example.com:80", RuleUse::Bind).is_err());
    }

    #[test]
    fn ranges_ports_and_mapped_addresses() {
        let p = Policy::parse(
            &["10.0.0.0/8:80-90".into(), "[fd00::]/16:*".into()],
            &["127.0.0.1:0".into(), "[::1]:9000".into()],
            &[],
        )
        .unwrap();
        assert!(p.connect_allows_address(ip("10.255.0.1"), 85));
        assert!(!p.connect_allows_address(ip("10.255.0.1"), 91));
        assert!(!p.connect_allows_address(ip("11.0.0.1"), 85));
        // The mapped form of an IPv4 address is that address.
        assert!(p.connect_allows_address(ip("::ffff:10.1.2.3"), 80));
        assert!(!p.connect_allows_address(ip("::ffff:11.1.2.3"), 80));
        assert!(p.connect_allows_address(ip("fd00:1::5"), 1));
        assert!(!p.connect_allows_address(ip("fd01::5"), 1));
        assert!(p.bind_allows(ip("127.0.0.1"), 0));
        assert!(!p.bind_allows(ip("127.0.0.1"), 80));
        assert!(p.bind_allows(ip("::1"), 9000));
        assert!(!p.bind_allows(ip("0.0.0.0"), 0));
    }

    #[test]
    fn names_match_exactly_or_below() {
        let p = Policy::parse(
            &["api.example.com:443".into(), "*.cdn.test:80".into()],
            &[],
            &["only-lookup.test".into()],
        )
        .unwrap();
        assert!(p.connect_allows_name("api.example.com", 443));
        assert!(!p.connect_allows_name("api.example.com", 80));
        assert!(!p.connect_allows_name("example.com", 443));
        assert!(p.connect_allows_name("a.cdn.test", 80));
        assert!(p.connect_allows_name("x.y.cdn.test", 80));
        assert!(!p.connect_allows_name("cdn.test", 80));
        assert!(!p.connect_allows_name("evilcdn.test", 80));
        assert!(p.may_resolve("only-lookup.test"));
        assert!(p.opens_sockets());
        let lookups_only = Policy::parse(&[], &[], &["x.test".into()]).unwrap();
        assert!(!lookups_only.opens_sockets());
        assert!(!p.connect_allows_name("only-lookup.test", 80));
        assert!(p.may_resolve("api.example.com"));
        assert!(!p.may_resolve("other.test"));
        // A name rule never allows an address by itself.
        assert!(!p.connect_allows_address(ip("127.0.0.1"), 443));
        assert_eq!(
            normalize_name("API.Example.com."),
            Some("api.example.com".into())
        );
    }

    #[test]
    fn an_empty_policy_allows_nothing() {
        let p = Policy::default();
        assert!(!p.opens_sockets());
        assert!(!p.connect_allows_address(ip("127.0.0.1"), 80));
        assert!(!p.bind_allows(ip("0.0.0.0"), 0));
        assert!(!p.may_resolve("localhost"));
        assert_eq!(
            Policy::parse(&["nope".into()], &[], &[]),
            Err("nope".into())
        );
    }
}
