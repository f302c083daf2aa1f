//! Building the capability manifest — SANDBOX-CRITICAL.
//!
//! This module turns what the user asked for (`--allow-dir`, `--env`, `--allow-env`,
//! `--listen`, `--connect`, `--bind`, `--resolve`, `--max-threads` and a
//! `--manifest caps.toml` file) into the
//! [`aotc_abi::manifest::Manifest`] that is embedded in the executable and is the
//! only authority the runtime honours. A mistake here widens the sandbox of every
//! binary built afterwards, so:
//!
//! - Deny by default: the manifest holds exactly the grants that were written, nothing
//!   is inferred or added (no default directory, no inherited environment).
//! - Every entry is validated before it is accepted: empty names, NUL bytes, `=` in
//!   variable names, malformed socket addresses and unknown TOML keys are errors, never
//!   silently skipped or "fixed".
//! - Ambiguity is an error: the same guest directory granted twice with different
//!   settings, a variable both baked (`--env`) and passed through (`--allow-env`), or
//!   any entry repeated within one source. The only tolerated repetition is the very
//!   same grant coming from both the file and the flags (flags add to the file).
//! - Host directory paths are stored exactly as written; a relative one is resolved
//!   by the runtime against its working directory when the executable starts.
//! - The order is deterministic (file entries first, in file order, `[env]` sorted by
//!   name; then flags in command-line order), so identical inputs give identical
//!   binaries.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aotc_abi::manifest::{DirGrant, DirMode, Manifest};
use aotc_abi::net::{self, RuleUse};
use aotc_abi::threads;
use serde::Deserialize;

use crate::diag::{quote, Diag, Result};

/// Build fact holding the SHA-256 (lower-case hex) of the manifest without this fact:
/// the grants and the other build facts. `aotc inspect` recomputes it to tell an
/// accidentally or naively edited manifest (`manifest: MODIFIED`); it is no protection
/// against someone who rewrites the binary, who can recompute it too (sign the file).
pub const DIGEST_FACT: &str = "manifest-sha256";

/// The digest [`DIGEST_FACT`] records: SHA-256 of `m` encoded without any
/// [`DIGEST_FACT`] entry. Deterministic, so builds stay reproducible.
pub fn manifest_digest(m: &Manifest) -> String {
    let mut covered = m.clone();
    covered.build.retain(|(k, _)| k != DIGEST_FACT);
    crate::input::sha256_hex(&covered.encode())
}

/// Whether an embedded manifest still matches the digest recorded at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integrity {
    /// Exactly one digest, and it matches.
    Ok,
    /// The digest is missing a partner, repeated, or does not match: the manifest was
    /// changed after the build.
    Modified,
    /// No digest at all (built by an aotc older than the digest).
    Unverified,
}

/// Checks `m` against its [`DIGEST_FACT`].
pub fn integrity(m: &Manifest) -> Integrity {
    let mut digests = m.build.iter().filter(|(k, _)| k == DIGEST_FACT);
    match (digests.next(), digests.next()) {
        (None, _) => Integrity::Unverified,
        (Some((_, d)), None) if *d == manifest_digest(m) => Integrity::Ok,
        _ => Integrity::Modified,
    }
}

/// Where one grant was written, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag such as `--allow-dir`.
    Flag(&'static str),
    /// An entry of a capability file: the file and the key (`dirs[1]`, `env.LANG`).
    File { path: PathBuf, key: String },
}

impl Origin {
    fn same_source(&self, other: &Origin) -> bool {
        matches!(
            (self, other),
            (Origin::Flag(_), Origin::Flag(_)) | (Origin::File { .. }, Origin::File { .. })
        )
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => f.write_str(flag),
            Origin::File { path, key } => write!(f, "{} {key}", path.display()),
        }
    }
}

/// The capability flags exactly as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct CapabilityFlags {
    pub allow_dir: Vec<String>,
    pub env: Vec<String>,
    pub allow_env: Vec<String>,
    pub listen: Vec<String>,
    pub connect: Vec<String>,
    pub bind: Vec<String>,
    pub resolve: Vec<String>,
    pub max_threads: Option<u32>,
}

/// The network grants: listen sockets and the allow-lists, each entry in its
/// canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NetList {
    Listen,
    Connect,
    Bind,
    Resolve,
}

impl NetList {
    fn noun(self) -> &'static str {
        match self {
            NetList::Listen => "listen address",
            NetList::Connect => "connect destination",
            NetList::Bind => "bind address",
            NetList::Resolve => "name to resolve",
        }
    }

    /// The canonical spelling of `entry`, or why it is not one.
    fn canonical(self, entry: &str) -> Result<String, String> {
        let parsed = match self {
            NetList::Listen => return parse_listen(entry),
            NetList::Connect => net::canonical_endpoint(entry, RuleUse::Connect),
            NetList::Bind => net::canonical_endpoint(entry, RuleUse::Bind),
            NetList::Resolve => net::NamePattern::parse(entry).map(|n| n.to_string()),
        };
        parsed.map_err(str::to_string)
    }
}

/// Validated capabilities, each entry remembering where it came from.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    dirs: Vec<(DirGrant, Origin)>,
    env: Vec<(String, String, Origin)>,
    allow_env: Vec<(String, Origin)>,
    listen: Vec<(String, Origin)>,
    connect: Vec<(String, Origin)>,
    bind: Vec<(String, Origin)>,
    resolve: Vec<(String, Origin)>,
    /// Limit on threads running at once (`None`: [`threads::DEFAULT_MAX_THREADS`]).
    max_threads: Option<(u32, Origin)>,
}

/// The `--manifest` file. Unknown keys are refused so a typo (`dir = [...]`) cannot
/// silently drop a restriction or a grant.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CapsFile {
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default)]
    allow_env: Vec<String>,
    #[serde(default)]
    listen: Vec<String>,
    #[serde(default)]
    connect: Vec<String>,
    #[serde(default)]
    bind: Vec<String>,
    #[serde(default)]
    resolve: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    max_threads: Option<u32>,
}

impl Capabilities {
    /// Loads and validates a capability file.
    pub fn from_file(path: &Path) -> Result<Capabilities> {
        let bytes = crate::input::read_bounded(path, crate::input::FileKind::Manifest)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Diag::new(format!(
                "cannot read manifest {}: stream did not contain valid UTF-8",
                quote(&path.display().to_string())
            ))
            .with_help("a capability manifest is UTF-8 TOML text")
        })?;
        Capabilities::from_toml(&text, path)
    }

    /// Parses and validates capability TOML; `path` names it in error messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<Capabilities> {
        let file: CapsFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (line, col) = line_col(text, s.start);
                    format!(":{line}:{col}")
                })
                .unwrap_or_default();
            Diag::new(format!("{}{at}: {}", path.display(), e.message()))
        })?;
        let origin = |key: String| Origin::File {
            path: path.to_path_buf(),
            key,
        };
        let mut caps = Capabilities::default();
        for (i, spec) in file.dirs.iter().enumerate() {
            caps.add_dir_spec(spec, origin(format!("dirs[{i}]")))?;
        }
        for (name, value) in &file.env {
            caps.add_env(name, value, origin(format!("env.{name}")))?;
        }
        for (i, name) in file.allow_env.iter().enumerate() {
            caps.add_allow_env(name, origin(format!("allow_env[{i}]")))?;
        }
        for (list, key, entries) in [
            (NetList::Listen, "listen", &file.listen),
            (NetList::Connect, "connect", &file.connect),
            (NetList::Bind, "bind", &file.bind),
            (NetList::Resolve, "resolve", &file.resolve),
        ] {
            for (i, entry) in entries.iter().enumerate() {
                caps.add_net(list, entry, origin(format!("{key}[{i}]")))?;
            }
        }
        if let Some(n) = file.max_threads {
            caps.set_max_threads(n, origin("max_threads".to_string()))?;
        }
        Ok(caps)
    }

    /// Validates the command-line capability flags.
    pub fn from_flags(flags: &CapabilityFlags) -> Result<Capabilities> {
        let mut caps = Capabilities::default();
        for spec in &flags.allow_dir {
            caps.add_dir_spec(spec, Origin::Flag("--allow-dir"))?;
        }
        for assignment in &flags.env {
            let (k, v) = parse_env_assignment(assignment)
                .map_err(|why| invalid(&Origin::Flag("--env"), assignment, why))?;
            caps.add_env(&k, &v, Origin::Flag("--env"))?;
        }
        for name in &flags.allow_env {
            caps.add_allow_env(name, Origin::Flag("--allow-env"))?;
        }
        for (list, flag, entries) in [
            (NetList::Listen, "--listen", &flags.listen),
            (NetList::Connect, "--connect", &flags.connect),
            (NetList::Bind, "--bind", &flags.bind),
            (NetList::Resolve, "--resolve", &flags.resolve),
        ] {
            for entry in entries {
                caps.add_net(list, entry, Origin::Flag(flag))?;
            }
        }
        if let Some(n) = flags.max_threads {
            caps.set_max_threads(n, Origin::Flag("--max-threads"))?;
        }
        Ok(caps)
    }

    /// Adds everything in `other` (the flags) to `self` (the file). The same grant in
    /// both is kept once; the same name with different settings is an error.
    pub fn merge(mut self, other: Capabilities) -> Result<Capabilities> {
        for (d, o) in other.dirs {
            self.add_dir(d, o)?;
        }
        for (k, v, o) in other.env {
            self.add_env(&k, &v, o)?;
        }
        for (n, o) in other.allow_env {
            self.add_allow_env(&n, o)?;
        }
        for (list, entries) in [
            (NetList::Listen, other.listen),
            (NetList::Connect, other.connect),
            (NetList::Bind, other.bind),
            (NetList::Resolve, other.resolve),
        ] {
            for (e, o) in entries {
                self.add_net(list, &e, o)?;
            }
        }
        if let Some((n, o)) = other.max_threads {
            self.set_max_threads(n, o)?;
        }
        Ok(self)
    }

    /// The manifest to embed, with `build` facts appended and, last, the
    /// [`DIGEST_FACT`] over everything before it.
    pub fn into_manifest(self, build: Vec<(String, String)>) -> Manifest {
        let mut m = Manifest {
            dirs: self.dirs.into_iter().map(|(d, _)| d).collect(),
            env: self.env.into_iter().map(|(k, v, _)| (k, v)).collect(),
            allow_env: self.allow_env.into_iter().map(|(n, _)| n).collect(),
            listen: self.listen.into_iter().map(|(a, _)| a).collect(),
            connect: self.connect.into_iter().map(|(a, _)| a).collect(),
            bind: self.bind.into_iter().map(|(a, _)| a).collect(),
            resolve: self.resolve.into_iter().map(|(a, _)| a).collect(),
            max_threads: self
                .max_threads
                .map_or(threads::DEFAULT_MAX_THREADS, |(n, _)| n),
            build,
        };
        m.build.retain(|(k, _)| k != DIGEST_FACT);
        let digest = manifest_digest(&m);
        m.build.push((DIGEST_FACT.to_string(), digest));
        m
    }

    fn add_dir_spec(&mut self, spec: &str, origin: Origin) -> Result<()> {
        let grant = parse_dir_spec(spec).map_err(|why| invalid(&origin, spec, why))?;
        self.add_dir(grant, origin)
    }

    fn add_dir(&mut self, grant: DirGrant, origin: Origin) -> Result<()> {
        if let Some((old, old_origin)) = self.dirs.iter().find(|(d, _)| d.guest == grant.guest) {
            if *old == grant && !old_origin.same_source(&origin) {
                return Ok(());
            }
            let what = if *old == grant {
                "is granted twice"
            } else {
                "is granted twice with different settings"
            };
            return Err(Diag::new(format!(
                "guest directory {} {what}: {} ({old_origin}) and {} ({origin})",
                quote(&grant.guest),
                quote(&dir_spec(old)),
                quote(&dir_spec(&grant)),
            ))
            .with_help("grant each guest directory once; HOST::GUEST mounts a host directory under another name"));
        }
        self.dirs.push((grant, origin));
        Ok(())
    }

    fn add_env(&mut self, name: &str, value: &str, origin: Origin) -> Result<()> {
        check_env_name(name).map_err(|why| invalid(&origin, name, why))?;
        if value.contains('\0') {
            return Err(invalid(
                &origin,
                name,
                "the value contains a NUL byte".into(),
            ));
        }
        if let Some((_, o)) = self.allow_env.iter().find(|(n, _)| n == name) {
            return Err(env_both(name, o, &origin));
        }
        if let Some((_, old, old_origin)) = self.env.iter().find(|(k, _, _)| k == name) {
            if old == value && !old_origin.same_source(&origin) {
                return Ok(());
            }
            return Err(Diag::new(format!(
                "environment variable {} is set twice: {} ({old_origin}) and {} ({origin})",
                quote(name),
                quote(&format!("{name}={old}")),
                quote(&format!("{name}={value}")),
            )));
        }
        self.env.push((name.to_string(), value.to_string(), origin));
        Ok(())
    }

    fn add_allow_env(&mut self, name: &str, origin: Origin) -> Result<()> {
        check_env_name(name).map_err(|why| invalid(&origin, name, why))?;
        if let Some((_, _, o)) = self.env.iter().find(|(k, _, _)| k == name) {
            return Err(env_both(name, o, &origin));
        }
        if let Some((_, old_origin)) = self.allow_env.iter().find(|(n, _)| n == name) {
            if !old_origin.same_source(&origin) {
                return Ok(());
            }
            return Err(Diag::new(format!(
                "environment variable {} is passed through twice ({old_origin} and {origin})",
                quote(name)
            )));
        }
        self.allow_env.push((name.to_string(), origin));
        Ok(())
    }

    /// Adds a network grant in its canonical spelling; the same rule
    /// twice from one source is an error, from the file and the flags it is kept once.
    fn add_net(&mut self, list: NetList, entry: &str, origin: Origin) -> Result<()> {
        let canonical = list
            .canonical(entry)
            .map_err(|why| invalid(&origin, entry, why))?;
        let entries = match list {
            NetList::Listen => &mut self.listen,
            NetList::Connect => &mut self.connect,
            NetList::Bind => &mut self.bind,
            NetList::Resolve => &mut self.resolve,
        };
        if let Some((_, old_origin)) = entries.iter().find(|(a, _)| *a == canonical) {
            if !old_origin.same_source(&origin) {
                return Ok(());
            }
            return Err(Diag::new(format!(
                "{} {} is granted twice ({old_origin} and {origin})",
                list.noun(),
                quote(&canonical)
            )));
        }
        entries.push((canonical, origin));
        Ok(())
    }

    /// Sets the thread limit; a second, different limit is an error (the same one
    /// from the file and the flags is kept).
    fn set_max_threads(&mut self, n: u32, origin: Origin) -> Result<()> {
        if n > threads::MAX_MAX_THREADS {
            return Err(invalid(
                &origin,
                &n.to_string(),
                format!(
                    "at most {} threads can be allowed",
                    threads::MAX_MAX_THREADS
                ),
            ));
        }
        if let Some((old, old_origin)) = &self.max_threads {
            if *old == n && !old_origin.same_source(&origin) {
                return Ok(());
            }
            return Err(Diag::new(format!(
                "the thread limit is set twice: {old} ({old_origin}) and {n} ({origin})"
            )));
        }
        self.max_threads = Some((n, origin));
        Ok(())
    }
}

fn invalid(origin: &Origin, value: &str, why: String) -> Diag {
    let d = Diag::new(format!("invalid {origin} {}: {why}", quote(value)));
    match origin {
        Origin::Flag("--allow-dir") => {
            d.with_help("expected HOST[::GUEST][:ro|:rw], e.g. `data:ro` or `out::/out:rw`")
        }
        Origin::File { key, .. } if key.starts_with("dirs") => {
            d.with_help("expected HOST[::GUEST][:ro|:rw], e.g. \"data:ro\" or \"out::/out:rw\"")
        }
        Origin::Flag("--env") => d.with_help("expected KEY=VALUE, e.g. `--env LANG=C`"),
        Origin::Flag("--listen") => {
            d.with_help("expected IP:PORT, e.g. `127.0.0.1:8080` or `[::1]:8080`")
        }
        Origin::File { key, .. } if key.starts_with("listen") => {
            d.with_help("expected IP:PORT, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"")
        }
        Origin::Flag("--connect") => d.with_help(CONNECT_HELP),
        Origin::File { key, .. } if key.starts_with("connect") => d.with_help(CONNECT_HELP),
        Origin::Flag("--bind") => d.with_help(BIND_HELP),
        Origin::File { key, .. } if key.starts_with("bind") => d.with_help(BIND_HELP),
        Origin::Flag("--resolve") => d.with_help(RESOLVE_HELP),
        Origin::File { key, .. } if key.starts_with("resolve") => d.with_help(RESOLVE_HELP),
        _ => d,
    }
}

const CONNECT_HELP: &str = "expected HOST:PORT; HOST an IP, a CIDR range, a DNS name, `*.name` or `*`; PORT a number, `first-last` or `*`, e.g. `10.0.0.0/8:443`, `[::1]:8080`, `api.example.com:443`";
const BIND_HELP: &str = "expected IP:PORT; IP an address, a CIDR range or `*`; PORT a number, `first-last` or `*` (0: the kernel picks), e.g. `127.0.0.1:9000` or `0.0.0.0:*`";
const RESOLVE_HELP: &str = "expected a DNS name or `*.name`, e.g. `example.com`";

fn env_both(name: &str, a: &Origin, b: &Origin) -> Diag {
    let passes = |o: &Origin| match o {
        Origin::Flag(flag) => *flag == "--allow-env",
        Origin::File { key, .. } => key.starts_with("allow_env"),
    };
    let (set, pass) = if passes(a) { (b, a) } else { (a, b) };
    Diag::new(format!(
        "environment variable {} is both set ({set}) and passed through from the host ({pass})",
        quote(name)
    ))
    .with_help("choose one: --env NAME=VALUE bakes a value in, --allow-env NAME passes the host's value through")
}

/// The `HOST[::GUEST][:ro|:rw]` form of a grant (as accepted by [`parse_dir_spec`]).
pub fn dir_spec(d: &DirGrant) -> String {
    if d.host == d.guest {
        format!("{}:{}", d.host, d.mode.as_str())
    } else {
        format!("{}::{}:{}", d.host, d.guest, d.mode.as_str())
    }
}

/// Mode spellings that are not `ro`/`rw` but clearly meant as one; taking them as part
/// of the path would silently grant a different directory than intended.
const MODE_LOOKALIKES: &[&str] = &[
    "ro",
    "rw",
    "readonly",
    "read-only",
    "readwrite",
    "read-write",
    "read",
    "write",
];

/// Parses `HOST[::GUEST][:ro|:rw]`: a trailing `:ro`/`:rw` is the mode (default
/// read-only), then the rest splits on its first `::` into host and guest (guest
/// defaults to the host path as written).
pub fn parse_dir_spec(spec: &str) -> Result<DirGrant, String> {
    if spec.contains('\0') {
        return Err("contains a NUL byte".into());
    }
    let (rest, mode) = if let Some(r) = spec.strip_suffix(":ro") {
        (r, DirMode::ReadOnly)
    } else if let Some(r) = spec.strip_suffix(":rw") {
        (r, DirMode::ReadWrite)
    } else {
        (spec, DirMode::ReadOnly)
    };
    if let Some((before, suffix)) = rest.rsplit_once(':') {
        // Short permission-like suffixes after a single `:` (`:rwx`, `:w`, `:RO`) are
        // mistakes too; after `::` they are a guest name.
        let permission_letters = !before.ends_with(':')
            && !suffix.is_empty()
            && suffix.len() <= 3
            && suffix.chars().all(|c| "rwxoRWXO".contains(c));
        if permission_letters
            || MODE_LOOKALIKES
                .iter()
                .any(|m| m.eq_ignore_ascii_case(suffix))
        {
            return Err(if rest.len() == spec.len() {
                format!("unknown mode `:{suffix}` (the modes are `:ro` and `:rw`)")
            } else {
                "the mode is given twice".to_string()
            });
        }
    }
    let (host, guest) = match rest.split_once("::") {
        Some((h, g)) => (h, g),
        None => (rest, rest),
    };
    if host.is_empty() {
        return Err("the host directory is empty".into());
    }
    if guest.is_empty() {
        return Err("the guest name is empty".into());
    }
    if guest.ends_with(':') {
        return Err(if rest.len() == spec.len() {
            "ends with `:` (the modes are `:ro` and `:rw`)".to_string()
        } else {
            "a `:` before the mode leaves a name empty (write HOST::GUEST:MODE)".to_string()
        });
    }
    Ok(DirGrant {
        host: host.to_string(),
        guest: guest.to_string(),
        mode,
    })
}

/// Parses `KEY=VALUE` (split on the first `=`; the value may contain `=`).
pub fn parse_env_assignment(s: &str) -> Result<(String, String), String> {
    let Some((k, v)) = s.split_once('=') else {
        return Err("missing `=`".into());
    };
    check_env_name(k)?;
    if v.contains('\0') {
        return Err("the value contains a NUL byte".into());
    }
    Ok((k.to_string(), v.to_string()))
}

/// An environment variable name: non-empty, without `=` or NUL.
pub fn check_env_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the variable name is empty".into());
    }
    if name.contains('=') {
        return Err("the variable name contains `=`".into());
    }
    if name.contains('\0') {
        return Err("the variable name contains a NUL byte".into());
    }
    Ok(())
}

/// Validates a listen address `IP:PORT` (IPv6 in brackets) and returns its canonical
/// spelling, which is what the runtime parses.
pub fn parse_listen(addr: &str) -> Result<String, String> {
    match addr.parse::<std::net::SocketAddr>() {
        // Port 0 would let the kernel choose a port that neither the module nor
        // its user can learn.
        Ok(sa) if sa.port() == 0 => {
            Err("port 0 is not allowed: give the port to listen on".to_string())
        }
        // The runtime binds with inet_pton, which takes no scope (`%eth0`).
        Ok(std::net::SocketAddr::V6(v6)) if v6.scope_id() != 0 => {
            Err("IPv6 scope ids (`%...`) are not supported".to_string())
        }
        Ok(sa) => Ok(sa.to_string()),
        Err(_) => {
            let hint = match addr.rsplit_once(':') {
                None => "missing `:PORT`",
                Some((_, port)) if port.parse::<u16>().is_err() => {
                    "the port is not a number from 0 to 65535"
                }
                Some(_) => {
                    "the host must be an IP address (names are not resolved; IPv6 goes in brackets)"
                }
            };
            Err(hint.to_string())
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
