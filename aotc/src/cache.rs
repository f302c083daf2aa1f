//! The on-disk compile cache: the objects (or IR/assembly text) a compilation
//! produced, stored under a key that hashes everything they depend on, so compiling
//! the same module with the same settings again only links.
//!
//! Where: `$AOTC_CACHE_DIR`, else `$XDG_CACHE_HOME/aotc`, else `$HOME/.cache/aotc`
//! (relative values are ignored, as the XDG spec says); no directory, no cache.
//! Entries are files `v1/<key>.aotc` of format [`MAGIC`], part count, then per part
//! its length and SHA-256, then the parts.
//!
//! Invariants:
//! - The key ([`Key`]) covers the input's wasm bytes, every setting that changes the
//!   generated code (opt level, the CPU with `native` resolved to this machine's CPU
//!   name and features, strict traps, the manifest bytes, the emit kind, the split
//!   mode and the planner's limits) and the compiler itself (version, the build id of
//!   the running `aotc` executable, the LLVM version and the runtime archive's hash).
//! - Writes are atomic: a temporary file in the cache directory renamed over the
//!   entry, so a reader sees a whole entry or none.
//! - A cache never breaks a build: an unreadable, truncated or corrupt entry (any
//!   part whose hash does not match) is a miss and is recompiled and replaced; a
//!   failure to create the directory or to store is ignored (`-v` says so).
//! - Only what the current user alone controls is trusted: the cache directory, its
//!   `v1/` folder and an entry must be owned by the effective user and not writable by
//!   group or others, and `v1/` and entries must not be symlinks; anything else is a
//!   miss (`-v` says why) and nothing is stored into an untrusted folder. Folders the
//!   cache creates are mode 0700, entries 0600.
//! - Size: after each store, entries beyond [`MAX_BYTES`] in total are deleted,
//!   least recently used first (a hit refreshes the entry's modification time).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// First bytes of an entry (format version 1).
pub const MAGIC: &[u8; 8] = b"aotcche1";
/// Subdirectory of the cache directory for this entry format.
const LAYOUT_DIR: &str = "v1";
const ENTRY_SUFFIX: &str = ".aotc";
/// Total size of the entries kept (the least recently used go first).
pub const MAX_BYTES: u64 = 2 << 30;
/// Temporary files older than this are leftovers of an interrupted store.
const STALE_TEMP_SECS: u64 = 3600;

/// The cache directory from the environment (see the module documentation).
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(dir) = absolute("AOTC_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = absolute("XDG_CACHE_HOME") {
        return Some(dir.join("aotc"));
    }
    absolute("HOME").map(|h| h.join(".cache").join("aotc"))
}

/// A cache key under construction: every input is written with its name and length,
/// so no two different sequences of fields hash the same.
pub struct Key {
    hasher: Sha256,
}

impl Default for Key {
    fn default() -> Self {
        Self::new()
    }
}

impl Key {
    pub fn new() -> Key {
        let mut hasher = Sha256::new();
        hasher.update(MAGIC);
        Key { hasher }
    }

    /// Adds a named field.
    pub fn field(mut self, name: &str, value: impl AsRef<[u8]>) -> Key {
        let value = value.as_ref();
        for part in [name.as_bytes(), value] {
            self.hasher.update((part.len() as u64).to_le_bytes());
            self.hasher.update(part);
        }
        self
    }

    /// The key as 64 lower-case hex digits.
    pub fn finish(self) -> String {
        hex(&self.hasher.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The GNU build id of the running executable (a hash the linker computes over its
/// contents), read from the program headers in memory; `None` when it has none.
pub fn own_build_id() -> Option<Vec<u8>> {
    struct Found(Option<Vec<u8>>);
    unsafe extern "C" fn visit(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: called by dl_iterate_phdr with a valid info; data is our &mut Found.
        let (info, found) = unsafe { (&*info, &mut *(data as *mut Found)) };
        // The first object reported is the main program.
        // SAFETY: dlpi_phdr points to dlpi_phnum program headers.
        let headers =
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
        for h in headers.iter().filter(|h| h.p_type == libc::PT_NOTE) {
            let start = (info.dlpi_addr + h.p_vaddr) as *const u8;
            // SAFETY: a PT_NOTE segment is mapped (it lies in a PT_LOAD segment).
            let notes = unsafe { std::slice::from_raw_parts(start, h.p_memsz as usize) };
            if let Some(id) = find_build_id(notes) {
                found.0 = Some(id.to_vec());
                break;
            }
        }
        1 // stop after the main program
    }
    let mut found = Found(None);
    // SAFETY: visit matches the callback type and only reads what it is given.
    unsafe { libc::dl_iterate_phdr(Some(visit), (&raw mut found).cast()) };
    found.0
}

/// The descriptor of the `NT_GNU_BUILD_ID` note in an ELF note segment.
fn find_build_id(mut notes: &[u8]) -> Option<&[u8]> {
    const NT_GNU_BUILD_ID: u32 = 3;
    let word = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let align4 = |n: usize| n.div_ceil(4) * 4;
    while notes.len() >= 12 {
        let namesz = word(notes, 0)? as usize;
        let descsz = word(notes, 4)? as usize;
        let kind = word(notes, 8)?;
        let name_end = 12 + align4(namesz);
        let desc_end = name_end + align4(descsz);
        let name = notes.get(12..12 + namesz)?;
        let desc = notes.get(name_end..name_end + descsz)?;
        if kind == NT_GNU_BUILD_ID && name == b"GNU\0" {
            return Some(desc);
        }
        notes = notes.get(desc_end..)?;
    }
    None
}

/// What identifies this compiler build: the build id, or failing that the
/// executable's size and modification time (a rebuilt compiler then never reuses
/// entries of the old one).
pub fn compiler_identity() -> Vec<u8> {
    if let Some(id) = own_build_id() {
        return id;
    }
    let meta = std::env::current_exe().and_then(fs::metadata);
    match meta {
        Ok(m) => {
            use std::os::unix::fs::MetadataExt;
            format!("size={} mtime={}.{}", m.size(), m.mtime(), m.mtime_nsec()).into_bytes()
        }
        Err(_) => b"unknown".to_vec(),
    }
}

/// An opened cache directory.
pub struct Cache {
    dir: PathBuf,
}

/// Why a lookup missed (for `-v`).
#[derive(Debug, PartialEq, Eq)]
pub enum Miss {
    /// No entry under the key.
    Absent,
    /// An entry exists but cannot be used (corrupt, or not trusted: see the module
    /// documentation); it will be replaced if its folder is trusted.
    Corrupt(String),
}

/// Why `meta` (of `what`, at `path`) is not trusted: not owned by the effective user,
/// or writable by group or others.
fn distrust(what: &str, path: &Path, meta: &fs::Metadata) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        Some(format!(
            "untrusted: {what} {} is owned by uid {}, not by the current user (uid {me})",
            path.display(),
            meta.uid()
        ))
    } else if meta.mode() & 0o022 != 0 {
        Some(format!(
            "untrusted: {what} {} is writable by group or others (mode {:o})",
            path.display(),
            meta.mode() & 0o7777
        ))
    } else {
        None
    }
}

impl Cache {
    /// The cache in `dir` (created when something is stored).
    pub fn new(dir: &Path) -> Cache {
        Cache {
            dir: dir.join(LAYOUT_DIR),
        }
    }

    /// Where the entry of `key` lives.
    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}{ENTRY_SUFFIX}"))
    }

    /// Why the cache folders cannot be trusted, if they exist and cannot (the root may
    /// be reached through a symlink, e.g. a moved `~/.cache`; `v1/` may not).
    fn distrust_dirs(&self) -> Option<String> {
        if let Some(root) = self.dir.parent() {
            if let Ok(meta) = fs::metadata(root) {
                if let Some(why) = distrust("cache directory", root, &meta) {
                    return Some(why);
                }
            }
        }
        match fs::symlink_metadata(&self.dir) {
            Ok(meta) if !meta.is_dir() => Some(format!(
                "untrusted: {} is not a directory",
                self.dir.display()
            )),
            Ok(meta) => distrust("cache directory", &self.dir, &meta),
            Err(_) => None,
        }
    }

    /// The parts stored under `key`, checked against their hashes. An entry or folder
    /// that is not trusted is a miss.
    pub fn get(&self, key: &str) -> Result<Vec<Vec<u8>>, Miss> {
        let path = self.entry_path(key);
        if let Some(why) = self.distrust_dirs() {
            return Err(Miss::Corrupt(why));
        }
        let file = match fs::File::options()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Miss::Absent),
            Err(e) => return Err(Miss::Corrupt(crate::input::io_reason(&e))),
        };
        let meta = file
            .metadata()
            .map_err(|e| Miss::Corrupt(crate::input::io_reason(&e)))?;
        if !meta.is_file() {
            return Err(Miss::Corrupt("untrusted: not a regular file".into()));
        }
        if let Some(why) = distrust("entry", &path, &meta) {
            return Err(Miss::Corrupt(why));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(&mut &file, &mut bytes)
            .map_err(|e| Miss::Corrupt(crate::input::io_reason(&e)))?;
        let parts = decode(&bytes).map_err(|why| Miss::Corrupt(why.to_string()))?;
        // Least recently used is by modification time: a hit counts as a use.
        if let Ok(f) = fs::File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Ok(parts)
    }

    /// Stores `parts` under `key` atomically, then prunes the cache to [`MAX_BYTES`].
    pub fn put(&self, key: &str, parts: &[Vec<u8>]) -> std::io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        if let Some(why) = self.distrust_dirs() {
            return Err(std::io::Error::other(why));
        }
        let temp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&self.dir)?;
        let mut out = std::io::BufWriter::new(temp);
        write_entry(&mut out, parts)?;
        let temp = out.into_inner().map_err(|e| e.into_error())?;
        temp.persist(self.entry_path(key)).map_err(|e| e.error)?;
        self.prune(MAX_BYTES);
        Ok(())
    }

    /// Deletes the least recently used entries until at most `max` bytes remain,
    /// and temporary files left by interrupted stores.
    pub fn prune(&self, max: u64) {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        for e in dir.flatten() {
            let path = e.path();
            let Ok(meta) = e.metadata() else { continue };
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") {
                let age = now.duration_since(modified).unwrap_or_default();
                if age.as_secs() > STALE_TEMP_SECS {
                    let _ = fs::remove_file(&path);
                }
            } else if name.ends_with(ENTRY_SUFFIX) && meta.is_file() {
                entries.push((modified, meta.len(), path));
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        // Oldest first; ties by name, so pruning is deterministic.
        entries.sort();
        for (_, len, path) in entries {
            if total <= max {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

/// Writes an entry: magic, count (u32 LE), per part its length (u64 LE) and
/// SHA-256, then the parts.
fn write_entry(out: &mut impl Write, parts: &[Vec<u8>]) -> std::io::Result<()> {
    out.write_all(MAGIC)?;
    out.write_all(&(parts.len() as u32).to_le_bytes())?;
    for p in parts {
        out.write_all(&(p.len() as u64).to_le_bytes())?;
        out.write_all(&Sha256::digest(p))?;
    }
    for p in parts {
        out.write_all(p)?;
    }
    out.flush()
}

fn decode(bytes: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not a cache entry")?;
    let count = rest.get(..4).ok_or("truncated")?;
    let count = u32::from_le_bytes(count.try_into().map_err(|_| "truncated")?) as usize;
    let header_len = count.checked_mul(40).ok_or("bad part count")?;
    let headers = rest.get(4..4 + header_len).ok_or("truncated")?;
    let mut body = &rest[4 + header_len..];
    if count == 0 {
        return Err("no parts");
    }
    let mut parts = Vec::with_capacity(count);
    for h in headers.chunks_exact(40) {
        let len = u64::from_le_bytes(h[..8].try_into().map_err(|_| "truncated")?);
        let len = usize::try_from(len).map_err(|_| "bad length")?;
        let part = body.get(..len).ok_or("truncated")?;
        if Sha256::digest(part).as_slice() != &h[8..] {
            return Err("checksum mismatch");
        }
        parts.push(part.to_vec());
        body = &body[len..];
    }
    if !body.is_empty() {
        return Err("trailing bytes");
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_field_and_its_boundaries() {
        let base = || Key::new().field("a", "xy").field("b", "z");
        assert_eq!(base().finish(), base().finish());
        assert_eq!(base().finish().len(), 64);
        // Moving bytes from one field to the next changes the key.
        assert_ne!(
            base().finish(),
            Key::new().field("a", "x").field("b", "yz").finish()
        );
        assert_ne!(
            base().finish(),
            Key::new().field("a", "xy").field("c", "z").finish()
        );
        assert_ne!(base().finish(), Key::new().field("a", "xy").finish());
        assert_ne!(
            base().finish(),
            Key::new().field("b", "z").field("a", "xy").finish()
        );
    }

    #[test]
    fn entries_round_trip_and_corruption_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let key = Key::new().field("k", "1").finish();
        assert_eq!(cache.get(&key), Err(Miss::Absent));
        let parts = vec![b"first object".to_vec(), Vec::new(), vec![7u8; 1000]];
        cache.put(&key, &parts).unwrap();
        assert_eq!(cache.get(&key).unwrap(), parts);
        // Nothing but the entry is left in the directory.
        let names: Vec<_> = fs::read_dir(dir.path().join(LAYOUT_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);

        let path = cache.entry_path(&key);
        let good = fs::read(&path).unwrap();
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        for (bad, why) in [
            (flipped, "checksum mismatch"),
            (good[..good.len() - 1].to_vec(), "truncated"),
            (good[..10].to_vec(), "truncated"),
            ([good.as_slice(), b"x"].concat(), "trailing bytes"),
            (b"garbage".to_vec(), "not a cache entry"),
            (Vec::new(), "not a cache entry"),
        ] {
            fs::write(&path, &bad).unwrap();
            assert_eq!(cache.get(&key), Err(Miss::Corrupt(why.into())));
        }
        // Storing again replaces the corrupt entry.
        cache.put(&key, &parts).unwrap();
        assert_eq!(cache.get(&key).unwrap(), parts);
    }

    #[test]
    fn only_entries_and_folders_of_the_user_alone_are_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("made");
        let cache = Cache::new(&root);
        let key = Key::new().field("k", "trust").finish();
        let parts = vec![b"object".to_vec()];
        cache.put(&key, &parts).unwrap();
        for d in [&root, &root.join(LAYOUT_DIR)] {
            assert_eq!(fs::metadata(d).unwrap().mode() & 0o777, 0o700, "{d:?}");
        }
        let path = cache.entry_path(&key);
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o077, 0);
        assert_eq!(cache.get(&key).unwrap(), parts);

        let chmod =
            |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
        let untrusted = |cache: &Cache, want: &str| match cache.get(&key) {
            Err(Miss::Corrupt(why)) => assert!(why.contains(want), "{why}"),
            other => panic!("expected an untrusted miss, got {other:?}"),
        };
        chmod(&path, 0o666);
        untrusted(&cache, "writable by group or others");
        chmod(&path, 0o600);
        chmod(&root.join(LAYOUT_DIR), 0o777);
        untrusted(&cache, "writable by group or others");
        assert!(
            cache.put(&key, &parts).is_err(),
            "stored into a shared folder"
        );
        chmod(&root.join(LAYOUT_DIR), 0o700);
        chmod(&root, 0o757);
        untrusted(&cache, "cache directory");
        chmod(&root, 0o700);
        // A symlinked entry is not followed.
        let elsewhere = dir.path().join("elsewhere");
        fs::copy(&path, &elsewhere).unwrap();
        fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert!(matches!(cache.get(&key), Err(Miss::Corrupt(_))));
        fs::remove_file(&path).unwrap();
        cache.put(&key, &parts).unwrap();
        // Owned by someone else (only root can arrange that).
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(&path, Some(12345), None).unwrap();
            untrusted(&cache, "owned by uid 12345");
            // Storing replaces the foreign entry with the user's own.
            cache.put(&key, &parts).unwrap();
            assert_eq!(cache.get(&key).unwrap(), parts);
        }
    }

    #[test]
    fn pruning_drops_the_least_recently_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let keys: Vec<String> = (0..4)
            .map(|i| Key::new().field("i", [i]).finish())
            .collect();
        let base = SystemTime::now() - std::time::Duration::from_secs(1000);
        for (i, k) in keys.iter().enumerate() {
            cache.put(k, &[vec![0u8; 1000]]).unwrap();
            let f = fs::File::options()
                .write(true)
                .open(cache.entry_path(k))
                .unwrap();
            f.set_modified(base + std::time::Duration::from_secs(i as u64 * 10))
                .unwrap();
        }
        // Using the oldest makes it the newest.
        cache.get(&keys[0]).unwrap();
        let entry = fs::metadata(cache.entry_path(&keys[0])).unwrap().len();
        cache.prune(2 * entry);
        let alive: Vec<bool> = keys.iter().map(|k| cache.entry_path(k).exists()).collect();
        assert_eq!(alive, [true, false, false, true]);
    }

    #[test]
    fn reads_its_own_build_id() {
        // Test binaries are linked like aotc; either way the identity is not empty.
        assert!(!compiler_identity().is_empty());
        let note = [
            4u32.to_ne_bytes().as_slice(),
            &3u32.to_ne_bytes(),
            &3u32.to_ne_bytes(),
            b"GNU\0",
            &[1, 2, 3, 0],
        ]
        .concat();
        assert_eq!(find_build_id(&note), Some(&[1u8, 2, 3][..]));
        assert_eq!(find_build_id(&note[..15]), None);
    }
}
