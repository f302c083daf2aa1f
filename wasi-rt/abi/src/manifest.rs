//! The capability manifest (sandbox-critical): what an executable may touch, decided at
//! compile time, embedded in the binary, enforced by the runtime.
//!
//! Encoding (all integers little-endian u32, strings length-prefixed UTF-8):
//! `MAGIC`, version, then the dirs, env, allow-env and listen lists, each as a count
//! followed by its entries, the thread limit (one u32), the connect, bind and resolve
//! lists (canonical [`crate::net`] rules), then the build-fact list. Decoding rejects anything malformed, trailing
//! bytes included, so a corrupted manifest denies everything instead of granting.

use alloc::string::String;
use alloc::vec::Vec;

/// First bytes of an encoded manifest.
pub const MAGIC: &[u8; 8] = b"AOTCMAN\x02";

/// Access granted to a preopened directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirMode {
    /// Read and list only: every mutating operation is refused.
    ReadOnly,
    /// Read, write, create, remove and rename beneath the directory.
    ReadWrite,
}

impl DirMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DirMode::ReadOnly => "ro",
            DirMode::ReadWrite => "rw",
        }
    }
}

/// One preopened directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// Host path; a relative one is resolved against the working directory when the
    /// executable starts.
    pub host: String,
    /// The name the guest sees (`fd_prestat_dir_name`).
    pub guest: String,
    pub mode: DirMode,
}

/// Everything an executable is allowed, plus facts about how it was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Preopened directories, guest fds 3, 4, … in this order.
    pub dirs: Vec<DirGrant>,
    /// Environment variables baked in (`KEY`, `VALUE`).
    pub env: Vec<(String, String)>,
    /// Host environment variables passed through when set at run time.
    pub allow_env: Vec<String>,
    /// TCP addresses to listen on, preopened after the directories.
    pub listen: Vec<String>,
    /// Most threads `wasi` `thread-spawn` may run at once (0: it always fails). Only
    /// modules that import `thread-spawn` can start threads at all.
    pub max_threads: u32,
    /// Destinations the module may connect or send to (`--connect`, [`crate::net`]).
    pub connect: Vec<String>,
    /// Addresses the module may bind its own sockets to (`--bind`).
    pub bind: Vec<String>,
    /// Names the module may look up without connecting (`--resolve`).
    pub resolve: Vec<String>,
    /// Build facts (`aotc` version, opt level, target CPU, input hash …) for
    /// `aotc inspect`; not capabilities.
    pub build: Vec<(String, String)>,
}

/// Why a manifest could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    BadMagic,
    Truncated,
    BadUtf8,
    BadMode,
    TrailingBytes,
}

impl Manifest {
    /// Encodes the manifest.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, crate::ABI_VERSION);
        put_u32(&mut out, self.dirs.len() as u32);
        for d in &self.dirs {
            put_str(&mut out, &d.host);
            put_str(&mut out, &d.guest);
            out.push(match d.mode {
                DirMode::ReadOnly => 0,
                DirMode::ReadWrite => 1,
            });
        }
        put_pairs(&mut out, &self.env);
        put_strings(&mut out, &self.allow_env);
        put_strings(&mut out, &self.listen);
        put_u32(&mut out, self.max_threads);
        put_strings(&mut out, &self.connect);
        put_strings(&mut out, &self.bind);
        put_strings(&mut out, &self.resolve);
        put_pairs(&mut out, &self.build);
        out
    }

    /// Decodes a manifest produced by [`Manifest::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Manifest, DecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        if r.u32()? != crate::ABI_VERSION {
            return Err(DecodeError::BadMagic);
        }
        let mut m = Manifest::default();
        for _ in 0..r.u32()? {
            let host = r.string()?;
            let guest = r.string()?;
            let mode = match r.take(1)?[0] {
                0 => DirMode::ReadOnly,
                1 => DirMode::ReadWrite,
                _ => return Err(DecodeError::BadMode),
            };
            m.dirs.push(DirGrant { host, guest, mode });
        }
        m.env = r.pairs()?;
        m.allow_env = r.strings()?;
        m.listen = r.strings()?;
        m.max_threads = r.u32()?;
        m.connect = r.strings()?;
        m.bind = r.strings()?;
        m.resolve = r.strings()?;
        m.build = r.pairs()?;
        if r.pos != bytes.len() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(m)
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn put_strings(out: &mut Vec<u8>, list: &[String]) {
    put_u32(out, list.len() as u32);
    for s in list {
        put_str(out, s);
    }
}

fn put_pairs(out: &mut Vec<u8>, pairs: &[(String, String)]) {
    put_u32(out, pairs.len() as u32);
    for (k, v) in pairs {
        put_str(out, k);
        put_str(out, v);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        core::str::from_utf8(b)
            .map(String::from)
            .map_err(|_| DecodeError::BadUtf8)
    }

    fn strings(&mut self) -> Result<Vec<String>, DecodeError> {
        let mut v = Vec::new();
        for _ in 0..self.u32()? {
            v.push(self.string()?);
        }
        Ok(v)
    }

    fn pairs(&mut self) -> Result<Vec<(String, String)>, DecodeError> {
        let mut v = Vec::new();
        for _ in 0..self.u32()? {
            let k = self.string()?;
            let val = self.string()?;
            v.push((k, val));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn sample() -> Manifest {
        Manifest {
            dirs: vec![DirGrant {
                host: "data".to_string(),
                guest: "data".to_string(),
                mode: DirMode::ReadOnly,
            }],
            env: vec![("K".to_string(), "V=1".to_string())],
            allow_env: vec!["HOME".to_string()],
            listen: vec!["127.0.0.1:8080".to_string()],
            max_threads: 7,
            connect: vec!["10.0.0.0/8:443".to_string()],
            bind: vec!["127.0.0.1:*".to_string()],
            resolve: vec!["example.com".to_string()],
            build: vec![("opt".to_string(), "2".to_string())],
        }
    }

    #[test]
    fn round_trips() {
        let m = sample();
        assert_eq!(Manifest::decode(&m.encode()), Ok(m));
    }

    #[test]
    fn rejects_every_truncation_and_trailing_bytes() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(
                Manifest::decode(&bytes[..n]).is_err(),
                "prefix {n} accepted"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Manifest::decode(&longer), Err(DecodeError::TrailingBytes));
    }
}
