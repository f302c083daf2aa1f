//! Defects from the outside security review (issue 10), one regression test each:
//! table minimums above the runtime's limit and eagerly filled tables; inputs that are
//! not regular files or too large (`/dev/zero`, FIFOs, sparse giants) for every file
//! aotc reads; `aotc inspect` telling a tampered manifest (`manifest: MODIFIED`, exit
//! 1); and module-controlled function names escaped in trap backtraces. (The compile
//! cache's ownership rule is tested in `compile_cache.rs`.) Every process runs with a
//! timeout, so a regression fails instead of hanging.

mod common;

use common::json::Value;
use common::measured::{run_measured, Measured};
use common::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A command that does nothing.
const EMPTY_START: &str = r#"(module (func (export "_start")))"#;

/// Runs `exe` with no arguments (empty environment), measured.
fn run_exe(exe: &Path) -> Measured {
    run_measured(
        std::process::Command::new(exe)
            .env_clear()
            .stdin(std::process::Stdio::null()),
        TIMEOUT,
    )
}

// ---------------------------------------------------------------------------------
// 2. Table minimums
// ---------------------------------------------------------------------------------

#[test]
fn table_minimum_above_the_limit_is_a_compile_error() {
    let dir = tempdir();
    let wat = dir.path().join("big.wat");
    write_file(
        &wat,
        br#"(module (table 400000000 funcref) (func (export "_start")))"#,
    );
    let out = Run::new(aotc_bin())
        .cwd(dir.path())
        .args(["big.wat", "-o", "big"])
        .timeout(TIMEOUT)
        .output();
    let line = assert_aotc_error(&out);
    for want in [
        "table 0",
        "minimum of 400000000 elements",
        "limit of 10000000",
    ] {
        assert!(line.contains(want), "{want}: {line}");
    }
    assert!(!dir.path().join("big").exists());
}

/// A table at the limit: starting costs neither time nor memory for its untouched
/// slots, its elements work at both ends, growth past the limit fails with -1, and a
/// table grown from 0 (with a non-null init, then null) holds what it should.
const TABLE_AT_LIMIT: &str = r#"(module
  (type $v (func (result i32)))
  (table $big 10000000 funcref)
  (table $small 0 funcref)
  (func $seven (result i32) (i32.const 7))
  (elem (table $big) (i32.const 9999999) func $seven)
  (elem declare func $seven)
  (func (export "_start")
    (if (i32.ne (call_indirect $big (type $v) (i32.const 9999999)) (i32.const 7))
      (then unreachable))
    (if (i32.eqz (ref.is_null (table.get $big (i32.const 5)))) (then unreachable))
    (if (i32.ne (table.grow $big (ref.null func) (i32.const 1)) (i32.const -1))
      (then unreachable))
    (if (i32.ne (table.grow $small (ref.func $seven) (i32.const 3)) (i32.const 0))
      (then unreachable))
    (if (i32.ne (table.grow $small (ref.null func) (i32.const 1000000)) (i32.const 3))
      (then unreachable))
    (if (i32.ne (table.size $small) (i32.const 1000003)) (then unreachable))
    (if (i32.ne (call_indirect $small (type $v) (i32.const 2)) (i32.const 7))
      (then unreachable))
    (if (i32.eqz (ref.is_null (table.get $small (i32.const 1000002)))) (then unreachable))
    (if (i32.ne (table.grow $small (ref.null func) (i32.const 9000000)) (i32.const -1))
      (then unreachable))))
"#;

#[test]
fn table_at_the_limit_starts_fast_and_small() {
    let dir = tempdir();
    let wat = dir.path().join("limit.wat");
    write_file(&wat, TABLE_AT_LIMIT.as_bytes());
    let exe = build_ok(&wat, &[]);
    let m = run_exe(&exe);
    assert_eq!(m.status.code(), Some(0), "{}", m.describe());
    // Before lazy tables: 79 MB (10 M slots × 8 bytes, all written) for `$big` alone.
    assert!(m.max_rss_kib < 40_000, "{}", m.describe());
}

// ---------------------------------------------------------------------------------
// 7. Inputs: regular files only, bounded sizes
// ---------------------------------------------------------------------------------

/// `aotc ARGS` in `dir` must fail quickly with one error line containing `want`.
#[track_caller]
fn refused(dir: &Path, args: &[&str], want: &str) {
    let out = Run::new(aotc_bin())
        .cwd(dir)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output();
    let line = assert_aotc_error(&out);
    assert!(line.contains(want), "aotc {args:?}: {line}");
}

#[test]
fn non_regular_inputs_are_refused_without_reading() {
    let dir = tempdir();
    write_file(&dir.path().join("m.wat"), EMPTY_START.as_bytes());
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let dev = "is a character device; only regular files can be read";
    let pipe = "is a FIFO; only regular files can be read";
    let d = dir.path();
    refused(
        d,
        &["/dev/zero", "-o", "x"],
        &format!("input `/dev/zero` {dev}"),
    );
    refused(d, &["inspect", "/dev/zero"], &format!("`/dev/zero` {dev}"));
    refused(
        d,
        &["run", "/dev/zero"],
        &format!("input `/dev/zero` {dev}"),
    );
    refused(
        d,
        &["m.wat", "--manifest", "/dev/zero", "-o", "x"],
        &format!("manifest `/dev/zero` {dev}"),
    );
    refused(d, &["fifo", "-o", "x"], &format!("input `fifo` {pipe}"));
    refused(d, &["inspect", "fifo"], &format!("`fifo` {pipe}"));
    refused(d, &["run", "fifo"], &format!("input `fifo` {pipe}"));
    refused(
        d,
        &["m.wat", "--manifest", "fifo", "-o", "x"],
        &format!("manifest `fifo` {pipe}"),
    );
    refused(d, &[".", "-o", "x"], "input `.` is a directory");
    assert!(!d.join("x").exists());
}

/// A sparse file of `len` bytes starting with `head`.
fn sparse(path: &Path, head: &[u8], len: u64) -> PathBuf {
    write_file(path, head);
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(len).unwrap();
    path.to_path_buf()
}

#[test]
fn oversized_inputs_are_refused_before_reading() {
    let dir = tempdir();
    let d = dir.path();
    write_file(&d.join("m.wat"), EMPTY_START.as_bytes());
    sparse(&d.join("huge.wasm"), b"\0asm\x01\0\0\0", (1 << 30) + 1);
    sparse(&d.join("huge.toml"), b"dirs = []\n", (4 << 20) + 1);
    sparse(&d.join("huge.elf"), b"\x7fELF", (4 << 30) + 1);
    let limit = "larger than the";
    refused(
        d,
        &["huge.wasm", "-o", "x"],
        &format!("{limit} 1 GiB limit"),
    );
    refused(d, &["run", "huge.wasm"], &format!("{limit} 1 GiB limit"));
    refused(
        d,
        &["m.wat", "--manifest", "huge.toml", "-o", "x"],
        &format!("{limit} 4 MiB limit"),
    );
    refused(d, &["inspect", "huge.elf"], &format!("{limit} 4 GiB limit"));
}

// ---------------------------------------------------------------------------------
// 8. Manifest integrity
// ---------------------------------------------------------------------------------

/// The byte range of the `.aotc.manifest` section in `elf`.
fn manifest_range(elf: &[u8]) -> std::ops::Range<usize> {
    let parsed = goblin::elf::Elf::parse(elf).expect("ELF");
    let sh = parsed
        .section_headers
        .iter()
        .find(|sh| parsed.shdr_strtab.get_at(sh.sh_name) == Some(".aotc.manifest"))
        .expect("manifest section");
    sh.sh_offset as usize..(sh.sh_offset + sh.sh_size) as usize
}

#[test]
fn inspect_tells_a_tampered_manifest() {
    let dir = tempdir();
    let d = dir.path();
    write_file(&d.join("m.wat"), EMPTY_START.as_bytes());
    let build = |out: &str| {
        let o = Run::new(aotc_bin())
            .cwd(d)
            .args(["m.wat", "-o", out, "--allow-dir", "data:ro", "--no-cache"])
            .timeout(TIMEOUT)
            .output();
        assert_success(&o);
        std::fs::read(d.join(out)).unwrap()
    };
    let bytes = build("tool");
    // Reproducible: the digest depends only on the manifest.
    assert!(bytes == build("again"), "two builds differ");
    let inspect = |args: &[&str]| {
        Run::new(aotc_bin())
            .cwd(d)
            .arg("inspect")
            .args(args)
            .timeout(TIMEOUT)
            .output()
    };
    let ok = inspect(&["tool"]);
    assert_success(&ok);
    assert!(
        ok.stdout().contains("\nmanifest: ok\n"),
        "{}",
        ok.describe()
    );
    assert!(ok.stdout().contains("manifest-sha256"), "{}", ok.describe());

    // The grant `data <- data ro` as encoded: host, guest, then the mode byte (0: ro).
    let grant = [
        &4u32.to_le_bytes()[..],
        b"data",
        &4u32.to_le_bytes(),
        b"data",
        &[0],
    ]
    .concat();
    let range = manifest_range(&bytes);
    let at = bytes[range.clone()]
        .windows(grant.len())
        .position(|w| w == grant.as_slice())
        .expect("the grant in the manifest section");
    let mut tampered = bytes.clone();
    tampered[range.start + at + grant.len() - 1] = 1; // ro -> rw
    write_file(&d.join("tampered"), &tampered);

    let out = inspect(&["tampered"]);
    assert_no_crash_text(&out);
    assert_exit(&out, 1);
    let text = out.stdout();
    assert!(text.contains("\nmanifest: MODIFIED"), "{}", out.describe());
    assert!(text.contains("rw (read-write)"), "{}", out.describe());
    assert!(
        out.stderr()
            .starts_with("aotc: error: tampered: the capability manifest was modified"),
        "{}",
        out.describe()
    );
    let out = inspect(&["--json", "tampered"]);
    assert_exit(&out, 1);
    let v = common::json::parse(&out.stdout()).expect("JSON");
    assert_eq!(v.get("manifest"), Some(&Value::String("MODIFIED".into())));
    let out = inspect(&["--json", "tool"]);
    assert_success(&out);
    let v = common::json::parse(&out.stdout()).expect("JSON");
    assert_eq!(v.get("manifest"), Some(&Value::String("ok".into())));
}

// ---------------------------------------------------------------------------------
// 9. Trap backtraces escape module-controlled names
// ---------------------------------------------------------------------------------

fn leb(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// `wasm` (which must have no name section) with one naming functions 0..count all
/// `name` (raw bytes).
fn with_function_names(mut wasm: Vec<u8>, count: usize, name: &[u8]) -> Vec<u8> {
    let mut map = Vec::new();
    leb(count, &mut map);
    for index in 0..count {
        leb(index, &mut map);
        leb(name.len(), &mut map);
        map.extend_from_slice(name);
    }
    let mut body = Vec::new();
    leb(4, &mut body);
    body.extend_from_slice(b"name");
    body.push(1); // function names
    leb(map.len(), &mut body);
    body.extend_from_slice(&map);
    wasm.push(0);
    leb(body.len(), &mut wasm);
    wasm.extend_from_slice(&body);
    wasm
}

#[test]
fn trap_backtraces_escape_function_names() {
    let dir = tempdir();
    // No `$id`s: `wat` would add a name section of its own.
    let wasm = wat::parse_str(
        r#"(module
  (func unreachable)
  (func (export "_start") (call 0)))"#,
    )
    .unwrap();
    // Both functions get the name, so the test does not depend on inlining.
    // Name-section strings are UTF-8 (wasmparser drops a section that is not), so the
    // attack is with control characters: ESC, newline, and U+009B (the 8-bit CSI).
    let evil: &[u8] = b"\x1b[31mred\nfake line\\ \xc2\x9b ok\xc3\xa9";
    let wasm = with_function_names(wasm, 2, evil);
    let input = dir.path().join("evil.wasm");
    write_file(&input, &wasm);
    let exe = build_ok(&input, &[]);
    let out = Run::new(&exe).timeout(TIMEOUT).output();
    assert_exit(&out, 134);
    let err = &out.stderr;
    assert!(!err.contains(&0x1b), "raw ESC in {}", out.describe());
    assert!(!err.windows(2).any(|w| w == b"\xc2\x9b"), "raw C1 CSI");
    let text = out.stderr();
    let shown = r"\x1b[31mred\x0afake line\\ \x9b ok".to_string() + "\u{e9}";
    assert!(
        text.contains(&format!("  in wasm function {shown}\n")),
        "{}",
        out.describe()
    );
    assert!(
        text.contains(&format!("  #0 {shown}\n")),
        "{}",
        out.describe()
    );
}
