//! Reading the module to compile: a `.wasm` binary or WebAssembly text (`.wat`),
//! recognised by content first and by extension second, converted to binary with the
//! `wat` crate. Also the one function every file aotc reads goes through
//! ([`read_bounded`]: modules, `--manifest` files, `aotc inspect`'s executables), the
//! SHA-256 of the input file and the default output name.
//!
//! Invariants (sandbox-relevant: inputs may be hostile): only regular files are read
//! (a FIFO, device or socket is refused before anything blocks on it), each kind of
//! file has a size limit checked before and while reading, so `/dev/zero` or a growing
//! file cannot exhaust memory; the returned bytes are a core-module binary (magic and
//! version 1 checked; components are refused here with a clear message; a defined
//! table whose minimum exceeds the runtime's table limit is refused; everything else
//! is left to the validator in `translate`); every failure is one line naming the
//! file, and text errors carry `file:line:col`.

use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diag::{quote, Diag, Result};

/// A module read from disk.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given.
    pub path: PathBuf,
    /// The wasm binary to compile.
    pub wasm: Vec<u8>,
    /// Whether the file was WebAssembly text.
    pub was_text: bool,
    /// Lower-case hex SHA-256 of the file as read (what `sha256sum` prints).
    pub sha256: String,
}

const WASM_MAGIC: &[u8; 4] = b"\0asm";
const CORE_VERSION: [u8; 4] = [1, 0, 0, 0];

/// Largest module file aotc reads (binary or text): 1 GiB. The binary format allows
/// up to 4 GiB, but real modules are tens of MB (CPython 26 MB, Yosys 31 MB) and
/// compiling a module needs many times its size in memory.
pub const MAX_MODULE_BYTES: u64 = 1 << 30;
/// Largest `--manifest` file: 4 MiB of TOML.
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Largest executable `aotc inspect` reads: 4 GiB.
pub const MAX_EXECUTABLE_BYTES: u64 = 4 << 30;

/// What a file read by [`read_bounded`] is, for its messages and its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A module to compile (`input 'm.wasm' …`).
    Module,
    /// A `--manifest` capability file (`manifest 'caps.toml' …`).
    Manifest,
    /// An executable for `aotc inspect` (`'tool' …`).
    Executable,
}

impl FileKind {
    fn limit(self) -> u64 {
        match self {
            FileKind::Module => MAX_MODULE_BYTES,
            FileKind::Manifest => MAX_MANIFEST_BYTES,
            FileKind::Executable => MAX_EXECUTABLE_BYTES,
        }
    }

    /// `input 'x'`, `manifest 'x'` or `'x'`.
    fn name(self, shown: &str) -> String {
        match self {
            FileKind::Module => format!("input {shown}"),
            FileKind::Manifest => format!("manifest {shown}"),
            FileKind::Executable => shown.to_string(),
        }
    }
}

/// Reads a whole regular file of at most `kind`'s size limit. Anything else — a
/// directory, a FIFO, a device, a socket, a file over the limit (also one that grows
/// past it while being read) — is a one-line error naming the file and why. The file
/// is opened non-blocking, so a FIFO without a writer is refused instead of waited on.
pub fn read_bounded(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    let shown = quote(&path.display().to_string());
    let name = kind.name(&shown);
    let cannot = |e: &io::Error| Diag::new(format!("cannot read {name}: {}", io_reason(e)));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| cannot(&e))?;
    let meta = file.metadata().map_err(|e| cannot(&e))?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let what = if ft.is_dir() {
            "a directory"
        } else if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_char_device() {
            "a character device"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(Diag::new(format!(
            "{name} is {what}; only regular files can be read"
        )));
    }
    let limit = kind.limit();
    let too_big = || {
        Diag::new(format!(
            "{name} is larger than the {} limit for this kind of file",
            size_words(limit)
        ))
    };
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// `1 GiB`, `4 MiB` or `N bytes`.
fn size_words(n: u64) -> String {
    if n >= 1 << 30 && n % (1 << 30) == 0 {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// Reads and, if needed, converts the input module.
pub fn read_input(path: &Path) -> Result<Input> {
    let shown = quote(&path.display().to_string());
    let bytes = read_bounded(path, FileKind::Module)?;
    let sha256 = sha256_hex(&bytes);
    if bytes.is_empty() {
        return Err(Diag::new(format!("input {shown} is empty")));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let (wasm, was_text) = match wat::Detect::from_bytes(&bytes) {
        wat::Detect::WasmBinary => (bytes, false),
        wat::Detect::WasmText => (parse_text(&bytes, path)?, true),
        wat::Detect::Unknown if ext == "wat" || ext == "wast" => (parse_text(&bytes, path)?, true),
        wat::Detect::Unknown => {
            let d = Diag::new(format!(
                "input {shown} is not WebAssembly: no `\\0asm` magic number at byte offset 0, and not WebAssembly text"
            ));
            return Err(if bytes.starts_with(b"\x7fELF") {
                d.with_help("this is an ELF file; to see what an aotc executable may access, run `aotc inspect`")
            } else {
                d
            });
        }
    };
    check_core_module(&wasm, &shown)?;
    check_table_minimums(&wasm, &shown)?;
    Ok(Input {
        path: path.to_path_buf(),
        wasm,
        was_text,
        sha256,
    })
}

fn parse_text(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    match wat::parse_bytes(bytes) {
        Ok(wasm) => Ok(wasm.into_owned()),
        Err(mut e) => {
            e.set_path(path);
            Err(Diag::new(wat_error_line(&e.to_string())))
        }
    }
}

/// `wat` renders errors as `message\n --> file:line:col\n | snippet...`; this makes
/// that `file:line:col: message`.
fn wat_error_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let message = lines.next().unwrap_or("invalid WebAssembly text");
    let location = lines.find_map(|l| l.trim_start().strip_prefix("--> "));
    match location {
        Some(loc) => format!("{}: {message}", loc.trim()),
        None => message.to_string(),
    }
}

fn check_core_module(wasm: &[u8], shown: &str) -> Result<()> {
    if wasm.len() < 8 || &wasm[..4] != WASM_MAGIC {
        return Err(Diag::new(format!(
            "input {shown} is truncated: no complete wasm header"
        )));
    }
    let version = [wasm[4], wasm[5], wasm[6], wasm[7]];
    if version == CORE_VERSION {
        return Ok(());
    }
    // Component-model binaries use version 0x0d with layer 1.
    if version[2..] == [1, 0] {
        return Err(Diag::new(format!(
            "input {shown} is a WebAssembly component, not a core module"
        ))
        .with_help(
            "aotc compiles core wasm32 modules using WASI preview1 (e.g. built for wasm32-wasip1)",
        ));
    }
    Err(Diag::new(format!(
        "input {shown} has unsupported WebAssembly binary version {}",
        u32::from_le_bytes(version)
    )))
}

/// Refuses a module defining a table whose minimum exceeds the runtime's limit
/// (`MAX_TABLE_ELEMENTS`): it could only fail at instantiation. Sections that do not
/// parse are left to the validator.
fn check_table_minimums(wasm: &[u8], shown: &str) -> Result<()> {
    use wasmparser::{Parser, Payload, TypeRef};
    let limit = aotc_rt_core::table::MAX_TABLE_ELEMENTS;
    let mut imported = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(reader)) => {
                for import in reader.into_imports().flatten() {
                    if matches!(import.ty, TypeRef::Table(_)) {
                        imported += 1;
                    }
                }
            }
            Ok(Payload::TableSection(reader)) => {
                for (i, table) in reader.into_iter().enumerate() {
                    let Ok(table) = table else { return Ok(()) };
                    if table.ty.initial > limit {
                        return Err(Diag::new(format!(
                            "input {shown}: table {} declares a minimum of {} elements, above aotc's limit of {limit}",
                            u64::from(imported) + i as u64,
                            table.ty.initial
                        )));
                    }
                }
                return Ok(());
            }
            Ok(Payload::CodeSectionStart { .. }) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// An I/O error's reason without Rust's `(os error N)` suffix, lower-case first, e.g.
/// `no such file or directory`.
pub fn io_reason(e: &io::Error) -> String {
    let s = e.to_string();
    // `tempfile` appends ` at path "…"` after the code; the path is named by the caller.
    let s = match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => s,
    }
}

/// The output path used without `-o`: the input's file stem in the working directory,
/// plus `extension` when it is not empty.
pub fn default_output(input: &Path, extension: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_else(|| "a.out".into());
    let mut name = stem;
    if !extension.is_empty() {
        name.push(".");
        name.push(extension);
    }
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn reads_binary_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let bin = write(dir.path(), "m.wasm", b"\0asm\x01\0\0\0");
        let input = read_input(&bin).unwrap();
        assert!(!input.was_text);
        assert_eq!(input.wasm, b"\0asm\x01\0\0\0");
        assert_eq!(input.sha256.len(), 64);

        // Text is recognised by content, whatever the extension.
        let txt = write(dir.path(), "m.bin", b";; hi\n(module)");
        let input = read_input(&txt).unwrap();
        assert!(input.was_text);
        assert_eq!(&input.wasm[..8], b"\0asm\x01\0\0\0");
    }

    #[test]
    fn text_errors_have_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "bad.wat",
            b"(module\n  (func (result i32) i32.const nope))",
        );
        let err = read_input(&p).unwrap_err();
        assert!(err.message().contains("bad.wat:2:"), "{}", err.message());
        assert!(!err.message().contains('\n'));
        // Not text by content, but the extension says it should be.
        let p = write(dir.path(), "junk.wat", b"hello");
        let err = read_input(&p).unwrap_err();
        assert!(err.message().contains("junk.wat:1:1"), "{}", err.message());
    }

    #[test]
    fn rejects_non_wasm_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(&str, &[u8], &str)] = &[
            ("empty.wasm", b"", "is empty"),
            ("elf.wasm", b"\x7fELF\x02\x01", "is not WebAssembly"),
            ("short.wasm", b"\0asm\x01", "truncated"),
            ("comp.wasm", b"\0asm\x0d\0\x01\0", "component"),
            ("v2.wasm", b"\0asm\x02\0\0\0", "version 2"),
        ];
        for (name, bytes, want) in cases {
            let p = write(dir.path(), name, bytes);
            let err = read_input(&p).unwrap_err();
            assert!(err.message().contains(want), "{name}: {}", err.message());
        }
        let err = read_input(&dir.path().join("missing.wasm")).unwrap_err();
        assert!(
            err.message().contains("no such file or directory"),
            "{}",
            err.message()
        );
        let err = read_input(dir.path()).unwrap_err();
        assert!(err.message().contains("is a directory"));
    }

    #[test]
    fn default_output_names() {
        assert_eq!(
            default_output(Path::new("dir/hello.wasm"), ""),
            PathBuf::from("hello")
        );
        assert_eq!(
            default_output(Path::new("hello.wat"), "o"),
            PathBuf::from("hello.o")
        );
        assert_eq!(
            default_output(Path::new("a.b.wasm"), "ll"),
            PathBuf::from("a.b.ll")
        );
        assert_eq!(default_output(Path::new("x"), "s"), PathBuf::from("x.s"));
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn io_reason_is_clean() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "no such file or directory");
        let e = io::Error::new(
            io::ErrorKind::NotFound,
            "No such file (os error 2) at path \"/x\"",
        );
        assert_eq!(io_reason(&e), "no such file");
    }
}
