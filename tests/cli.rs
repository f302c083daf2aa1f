//! The `aotc` command line: every flag and every error path. Errors must be one
//! `aotc: error:` line on stderr with exit status 1 (clap usage errors: exit 2), no
//! panic and no backtrace; invalid modules name the byte offset (and the function
//! index for body errors), a module needing the GC proposal says so in its one line,
//! malformed WAT the line:column, unknown imports every
//! `module.name`. Also `--emit` kinds, `-O0..-O3`, `--target-cpu`, `--strip`, `-v`,
//! the default output name, `--help`, and `aotc inspect` round-tripping the manifest
//! (text and `--json`).

mod common;

use common::json;
use common::*;
use std::path::{Path, PathBuf};

/// A WASI command printing "hi\n" from a function named `say_hi`.
const HELLO_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func $say_hi (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
)
"#;

/// A temp dir holding hello.wat (and hello.wasm).
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempdir();
        std::fs::write(dir.path().join("hello.wat"), HELLO_WAT).expect("write wat");
        let wasm = wat::parse_str(HELLO_WAT).expect("valid wat");
        std::fs::write(dir.path().join("hello.wasm"), wasm).expect("write wasm");
        Fixture { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    /// Runs aotc in the fixture directory.
    fn aotc(&self, args: &[&str]) -> Output {
        aotc_in(self.dir.path(), args)
    }

    /// Compiles hello.wat to `out` with extra flags; must succeed.
    fn hello(&self, out: &str, flags: &[&str]) -> PathBuf {
        let mut args = vec!["hello.wat", "-o", out];
        args.extend_from_slice(flags);
        let o = self.aotc(&args);
        assert_no_crash_text(&o);
        assert_success(&o);
        let p = self.path(out);
        check(&o, p.is_file(), "the output file must exist");
        p
    }
}

/// Runs a produced hello executable and checks it prints "hi".
#[track_caller]
fn assert_says_hi(exe: &Path) {
    let out = Run::new(exe).output();
    assert_clean_exit(&out);
    assert_success(&out);
    assert_stdout(&out, "hi\n");
}

/// `n` occurs in `line` as a whole number, in decimal or as 0x-hex.
fn has_number(line: &str, n: u64) -> bool {
    let tokens: Vec<&str> = line
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    tokens
        .iter()
        .any(|t| *t == n.to_string() || t.eq_ignore_ascii_case(&format!("0x{n:x}")))
}

/// The line names byte offset `off`: it says "offset" and has the number.
#[track_caller]
fn assert_mentions_offset(out: &Output, line: &str, off: u64) {
    check(
        out,
        line.to_lowercase().contains("offset") && has_number(line, off),
        &format!("the error must mention byte offset {off} (decimal or 0x{off:x})"),
    );
}

/// The line names function index `idx`: a word starting with "func" ("func",
/// "function", ...), then optionally "index" and one of `#[(:=`, then the number.
#[track_caller]
fn assert_mentions_function(out: &Output, line: &str, idx: u64) {
    let lower = line.to_lowercase();
    let found = lower.match_indices("func").any(|(i, _)| {
        let rest = lower[i..].trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let rest = rest.trim_start_matches([' ', '\t', ':']);
        let rest = rest.strip_prefix("index").unwrap_or(rest);
        let rest = rest.trim_start_matches([' ', '\t', '#', '[', '(', ':', '=']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits == idx.to_string()
    });
    check(
        out,
        found,
        &format!("the error must name function index {idx}"),
    );
}

/// wasmparser's offset for the first validation error of `bytes`.
fn validation_offset(bytes: &[u8]) -> u64 {
    match wasmparser::Validator::new().validate_all(bytes) {
        Ok(_) => panic!("fixture unexpectedly valid"),
        Err(e) => e.offset(),
    }
}

// ---------------------------------------------------------------------------------
// Input errors
// ---------------------------------------------------------------------------------

#[test]
fn no_arguments_is_a_usage_error() {
    let out = aotc(Vec::<&str>::new());
    assert_usage_error(&out);
    check(
        &out,
        out.stderr().contains("Usage"),
        "usage errors show the usage",
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let f = Fixture::new();
    let out = f.aotc(&["hello.wat", "--no-such-flag"]);
    assert_usage_error(&out);
    check(
        &out,
        !f.path("hello").exists(),
        "no output on a usage error",
    );
}

#[test]
fn missing_input_file() {
    let f = Fixture::new();
    let out = f.aotc(&["does-not-exist.wasm", "-o", "x"]);
    assert_aotc_error_mentions(&out, &["does-not-exist.wasm"]);
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn input_is_a_directory() {
    let f = Fixture::new();
    std::fs::create_dir(f.path("adir.wasm")).expect("mkdir");
    let out = f.aotc(&["adir.wasm", "-o", "x"]);
    assert_aotc_error_mentions(&out, &["adir.wasm"]);
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn empty_file_is_rejected() {
    let f = Fixture::new();
    f.write("empty.wasm", b"");
    let out = f.aotc(&["empty.wasm", "-o", "x"]);
    assert_aotc_error(&out);
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn garbage_bytes_are_rejected_with_offset() {
    let f = Fixture::new();
    let bytes = b"this is not a wasm module at all\n";
    f.write("garbage.wasm", bytes);
    let out = f.aotc(&["garbage.wasm", "-o", "x"]);
    let line = assert_aotc_error(&out);
    assert_mentions_offset(&out, &line, validation_offset(bytes));
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn truncated_module_is_rejected_with_offset() {
    let f = Fixture::new();
    let full = std::fs::read(f.path("hello.wasm")).expect("read");
    // Cut inside the code section.
    let cut = &full[..full.len() - 7];
    f.write("cut.wasm", cut);
    let out = f.aotc(&["cut.wasm", "-o", "x"]);
    let line = assert_aotc_error(&out);
    assert_mentions_offset(&out, &line, validation_offset(cut));
    // Only the header.
    f.write("header.wasm", b"\0asm\x01\0\0\0\x01");
    let out = f.aotc(&["header.wasm", "-o", "x"]);
    assert_aotc_error(&out);
}

#[test]
fn type_error_in_function_body_names_offset_and_function() {
    let f = Fixture::new();
    // Functions 0 and 1 are fine; function 2 returns an i64 where i32 is declared.
    let wasm = wat::parse_str(
        r#"(module
             (func $ok0)
             (func $ok1 (result i32) (i32.const 1))
             (func $bad (result i32) (i64.const 1))
             (func (export "_start")))"#,
    )
    .expect("wat syntax is fine; the types are not");
    f.write("typeerr.wasm", &wasm);
    let out = f.aotc(&["typeerr.wasm", "-o", "x"]);
    let line = assert_aotc_error(&out);
    assert_mentions_offset(&out, &line, validation_offset(&wasm));
    assert_mentions_function(&out, &line, 2);
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn type_error_behind_imports_uses_the_absolute_function_index() {
    let f = Fixture::new();
    // One import, so the bad body is function 3 (defined function 2).
    let wasm = wat::parse_str(
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
             (func $ok0)
             (func $ok1)
             (func $bad (result i32) (i64.const 1))
             (func (export "_start")))"#,
    )
    .expect("wat");
    f.write("typeerr2.wasm", &wasm);
    let out = f.aotc(&["typeerr2.wasm", "-o", "x"]);
    let line = assert_aotc_error(&out);
    assert_mentions_offset(&out, &line, validation_offset(&wasm));
    assert_mentions_function(&out, &line, 3);
}

/// The offset of the first error aotc's validator (its feature set) reports.
fn aotc_validation_offset(bytes: &[u8]) -> u64 {
    let features = aotc::translate::module_info::supported_features();
    match wasmparser::Validator::new_with_features(features).validate_all(bytes) {
        Ok(_) => panic!("fixture unexpectedly valid for aotc"),
        Err(e) => e.offset(),
    }
}

#[test]
fn gc_modules_are_one_line_naming_the_proposal() {
    let f = Fixture::new();
    // GC types in the type section, and a GC instruction in the body of function 1.
    let cases = [
        (
            "struct.wasm",
            r#"(module
                 (type $point (struct (field i32) (field (mut i64))))
                 (func (export "_start")))"#,
            "struct types",
            None,
        ),
        (
            "array.wasm",
            r#"(module
                 (type $bytes (array (mut i8)))
                 (func (export "_start")))"#,
            "array types",
            None,
        ),
        (
            "i31.wasm",
            r#"(module
                 (func $fine)
                 (func (export "_start") (drop (ref.i31 (i32.const 7)))))"#,
            "GC instructions",
            Some(1),
        ),
    ];
    for (file, wat, what, function) in cases {
        let wasm = wat::parse_str(wat).expect("valid GC module");
        f.write(file, &wasm);
        let out = f.aotc(&[file, "-o", "x"]);
        let line = assert_aotc_error_mentions(
            &out,
            &["WebAssembly GC proposal", what, "does not compile yet"],
        );
        check(
            &out,
            !line.contains("invalid module"),
            "a GC module is valid WebAssembly 3.0, not an invalid one",
        );
        assert_mentions_offset(&out, &line, aotc_validation_offset(&wasm));
        if let Some(index) = function {
            assert_mentions_function(&out, &line, index);
        }
        check(&out, !f.path("x").exists(), "no output file on error");
    }
}

#[test]
fn malformed_wat_reports_line_and_column() {
    let f = Fixture::new();
    f.write("bad.wat", "(module\n  (func\n    (i32.bogus)))\n");
    let out = f.aotc(&["bad.wat", "-o", "x"]);
    assert_aotc_error_mentions(&out, &["bad.wat", "3:6"]);
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn unknown_imports_are_all_listed() {
    let f = Fixture::new();
    f.write(
        "imports.wat",
        r#"(module
             (import "env" "foo" (func (param i32)))
             (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
             (import "env" "bar" (func (result i64)))
             (import "wasi_snapshot_preview1" "no_such_call" (func))
             (memory (export "memory") 1)
             (func (export "_start")))"#,
    );
    let out = f.aotc(&["imports.wat", "-o", "x"]);
    let line = assert_aotc_error_mentions(
        &out,
        &["env.foo", "env.bar", "wasi_snapshot_preview1.no_such_call"],
    );
    check(
        &out,
        !line.contains("fd_write"),
        "a known, implemented import is not an error",
    );
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn non_function_imports_are_rejected_by_name() {
    let f = Fixture::new();
    f.write(
        "memimport.wat",
        r#"(module
             (import "env" "memory" (memory 1))
             (import "env" "g" (global i32))
             (func (export "_start")))"#,
    );
    let out = f.aotc(&["memimport.wat", "-o", "x"]);
    assert_aotc_error_mentions(&out, &["env.memory", "env.g"]);
}

#[test]
fn wasi_import_with_wrong_signature_is_rejected() {
    let f = Fixture::new();
    f.write(
        "badsig.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func (param i64) (result i32)))
             (memory (export "memory") 1)
             (func (export "_start")))"#,
    );
    let out = f.aotc(&["badsig.wat", "-o", "x"]);
    assert_aotc_error_mentions(&out, &["wasi_snapshot_preview1.fd_write"]);
}

/// Every WASI function the runtime does not implement yet is refused at compile
/// time, all of them named in the one error line (none is silently linked to a
/// stub). When the runtime implements them all this asserts that a module importing
/// every preview1 function compiles.
#[test]
fn unimplemented_wasi_functions_are_compile_errors() {
    use aotc_abi::wasi::{WasiResult, WasiType, WASI_FUNCTIONS, WASI_MODULE};
    let f = Fixture::new();
    let mut wat = String::from("(module\n");
    for func in WASI_FUNCTIONS {
        let params: Vec<&str> = func
            .params
            .iter()
            .map(|t| match t {
                WasiType::I32 => "i32",
                WasiType::I64 => "i64",
            })
            .collect();
        let result = match func.result {
            WasiResult::Errno => " (result i32)",
            WasiResult::Never => "",
        };
        wat.push_str(&format!(
            "  (import \"{WASI_MODULE}\" \"{}\" (func (param {}){result}))\n",
            func.name,
            params.join(" ")
        ));
    }
    wat.push_str("  (memory (export \"memory\") 1)\n  (func (export \"_start\")))\n");
    f.write("all.wat", &wat);
    let out = f.aotc(&["all.wat", "-o", "all"]);
    let later: Vec<String> = WASI_FUNCTIONS
        .iter()
        .filter(|f| !f.ready)
        .map(|f| format!("{WASI_MODULE}.{}", f.name))
        .collect();
    if later.is_empty() {
        assert_no_crash_text(&out);
        assert_success(&out);
        return;
    }
    let needles: Vec<&str> = later.iter().map(String::as_str).collect();
    let line = assert_aotc_error_mentions(&out, &needles);
    for func in WASI_FUNCTIONS.iter().filter(|f| f.ready) {
        check(
            &out,
            !line.contains(&format!("{WASI_MODULE}.{}", func.name)),
            &format!("{} is implemented and must not be listed", func.name),
        );
    }
}

// ---------------------------------------------------------------------------------
// Capability flag and manifest errors
// ---------------------------------------------------------------------------------

/// Each bad value must be refused with one error line naming it; no output file.
fn assert_each_refused(flag: &str, values: &[&str]) {
    let f = Fixture::new();
    for v in values {
        let out = f.aotc(&["hello.wat", "-o", "x", flag, v]);
        let line = assert_aotc_error(&out);
        if !v.is_empty() {
            check(
                &out,
                line.contains(v),
                &format!("the error for {flag} {v:?} must quote the value"),
            );
        }
        check(&out, !f.path("x").exists(), "no output file on error");
    }
}

#[test]
fn bad_allow_dir_forms_are_refused() {
    // Empty, empty host, empty guest, unknown modes (a typo must not silently become
    // a directory named `data:rwx` or a different mode).
    assert_each_refused(
        "--allow-dir",
        &[
            "",
            ":ro",
            "::g",
            "::g:rw",
            "data::",
            "data::/g:xx",
            "data:rwx",
            "data:readonly",
            "data:RW",
        ],
    );
}

#[test]
fn bad_env_forms_are_refused() {
    assert_each_refused("--env", &["NOEQUALS", "=value", ""]);
}

#[test]
fn bad_allow_env_forms_are_refused() {
    assert_each_refused("--allow-env", &["", "A=B"]);
}

#[test]
fn bad_listen_forms_are_refused() {
    assert_each_refused(
        "--listen",
        &["notanaddr", "127.0.0.1", "127.0.0.1:99999", ":80"],
    );
}

#[test]
fn bad_manifests_are_refused() {
    let f = Fixture::new();
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown-key.toml",
            "dirs = [\"data:ro\"]\nfrobnicate = true\n",
            "frobnicate",
        ),
        ("bad-toml.toml", "dirs = [\"data:ro\"\n", "bad-toml.toml"),
        ("bad-mode.toml", "dirs = [\"data:rwx\"]\n", "data:rwx"),
        ("wrong-type.toml", "dirs = \"data:ro\"\n", "wrong-type.toml"),
        (
            "env-not-table.toml",
            "env = [\"A=1\"]\n",
            "env-not-table.toml",
        ),
        (
            "env-not-string.toml",
            "[env]\nA = 1\n",
            "env-not-string.toml",
        ),
        ("unknown-env-key.toml", "[envv]\nA = \"1\"\n", "envv"),
    ];
    for (name, text, needle) in cases {
        f.write(name, text);
        let out = f.aotc(&["hello.wat", "-o", "x", "--manifest", name]);
        let line = assert_aotc_error(&out);
        check(
            &out,
            line.contains(needle) || line.contains(name),
            &format!("the error for {name} must name the manifest or the bad key/value"),
        );
        check(&out, !f.path("x").exists(), "no output file on error");
    }
    let out = f.aotc(&["hello.wat", "-o", "x", "--manifest", "no-such.toml"]);
    assert_aotc_error_mentions(&out, &["no-such.toml"]);
}

// ---------------------------------------------------------------------------------
// Output and emit
// ---------------------------------------------------------------------------------

#[test]
fn unwritable_output_is_an_error() {
    let f = Fixture::new();
    let out = f.aotc(&["hello.wat", "-o", "/nonexistent-dir/x"]);
    assert_aotc_error_mentions(&out, &["/nonexistent-dir/x"]);
    std::fs::create_dir(f.path("outdir")).expect("mkdir");
    let out = f.aotc(&["hello.wat", "-o", "outdir"]);
    assert_aotc_error_mentions(&out, &["outdir"]);
}

#[test]
fn wat_and_wasm_inputs_build_the_same_program() {
    let f = Fixture::new();
    assert_says_hi(&f.hello("from-wat", &[]));
    let out = f.aotc(&["hello.wasm", "-o", "from-wasm"]);
    assert_success(&out);
    assert_says_hi(&f.path("from-wasm"));
    // Compiling twice over an existing output replaces it.
    assert_says_hi(&f.hello("from-wat", &[]));
}

#[test]
fn default_output_name_is_the_input_stem() {
    let f = Fixture::new();
    let out = f.aotc(&["hello.wat"]);
    assert_no_crash_text(&out);
    assert_success(&out);
    assert_says_hi(&f.path("hello"));
}

#[test]
fn emit_exe_is_the_default_and_runs() {
    let f = Fixture::new();
    let exe = f.hello("hello-exe", &["--emit", "exe"]);
    let bytes = std::fs::read(&exe).expect("read");
    assert_eq!(&bytes[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([bytes[16], bytes[17]]) & 0xfffe,
        2,
        "ET_EXEC or ET_DYN"
    );
    assert_says_hi(&exe);
}

#[test]
fn emit_obj_writes_a_relocatable_elf_object() {
    let f = Fixture::new();
    let p = f.hello("hello.o", &["--emit", "obj"]);
    let bytes = std::fs::read(&p).expect("read");
    assert_eq!(&bytes[..4], b"\x7fELF", "ELF magic");
    assert_eq!(bytes[4], 2, "64-bit");
    assert_eq!(u16::from_le_bytes([bytes[16], bytes[17]]), 1, "ET_REL");
    assert_eq!(u16::from_le_bytes([bytes[18], bytes[19]]), 62, "EM_X86_64");
}

#[test]
fn emit_llvm_ir_writes_text_ir() {
    let f = Fixture::new();
    let p = f.hello("hello.ll", &["--emit", "llvm-ir"]);
    let text = std::fs::read_to_string(&p).expect("IR is text");
    assert!(text.contains("define"), "IR must define functions:\n{text}");
    assert!(text.contains("target triple"), "IR must name its target");
}

#[test]
fn emit_asm_writes_assembly() {
    let f = Fixture::new();
    let p = f.hello("hello.s", &["--emit", "asm"]);
    let text = std::fs::read_to_string(&p).expect("assembly is text");
    assert!(
        text.contains(".text"),
        "assembly must have a .text section:\n{text}"
    );
}

#[test]
fn bad_emit_and_opt_values_are_refused() {
    let f = Fixture::new();
    for args in [["--emit", "bogus"], ["-O4", ""], ["-Ofast", ""]] {
        let args: Vec<&str> = ["hello.wat", "-o", "x"]
            .into_iter()
            .chain(args.into_iter().filter(|a| !a.is_empty()))
            .collect();
        let out = f.aotc(&args);
        assert_no_crash_text(&out);
        // A clap usage error (2) or an aotc error (1, one line): both refuse.
        check(
            &out,
            matches!(out.code(), Some(1) | Some(2)),
            "must be refused",
        );
        if out.code() == Some(1) {
            assert_aotc_error(&out);
        }
        check(&out, !f.path("x").exists(), "no output file on error");
    }
}

/// Every optimisation level builds a program whose semantics are the same: the
/// no-trap edge cases print the same lines at -O0, -O1, -O2 and -O3.
#[test]
fn every_opt_level_works() {
    let f = Fixture::new();
    let wat = tests_path("traps/no_trap.wat");
    let wat = wat.to_str().expect("utf-8");
    let mut outputs = Vec::new();
    for opt in ["-O0", "-O1", "-O2", "-O3"] {
        assert_says_hi(&f.hello(&format!("hello{opt}"), &[opt]));
        let exe = format!("no_trap{opt}");
        let out = f.aotc(&[wat, "-o", &exe, opt]);
        assert_success(&out);
        let run = Run::new(f.path(&exe)).output();
        assert_clean_exit(&run);
        assert_success(&run);
        outputs.push((opt, run.stdout()));
    }
    let (_, first) = &outputs[0];
    assert!(
        first.lines().count() > 50,
        "no_trap printed too little:\n{first}"
    );
    for (opt, o) in &outputs[1..] {
        assert_eq!(o, first, "{opt} differs from -O0");
    }
}

#[test]
fn target_cpu_values() {
    let f = Fixture::new();
    for cpu in ["x86-64", "x86-64-v2", "native"] {
        assert_says_hi(&f.hello(&format!("hello-{cpu}"), &["--target-cpu", cpu]));
    }
    let out = f.aotc(&["hello.wat", "-o", "x", "--target-cpu", "not-a-cpu"]);
    assert_aotc_error_mentions(&out, &["not-a-cpu"]);
    check(&out, !f.path("x").exists(), "no output file on error");
}

#[test]
fn strip_removes_symbols_and_keeps_the_program() {
    let f = Fixture::new();
    let full = f.hello("hello-full", &[]);
    let stripped = f.hello("hello-stripped", &["--strip"]);
    let short = f.hello("hello-s", &["-s"]);
    for exe in [&full, &stripped, &short] {
        assert_says_hi(exe);
    }
    let full_bytes = std::fs::read(&full).expect("read");
    let stripped_bytes = std::fs::read(&stripped).expect("read");
    assert!(
        stripped_bytes.len() < full_bytes.len(),
        "stripped ({}) must be smaller than unstripped ({})",
        stripped_bytes.len(),
        full_bytes.len()
    );
    let elf = goblin::elf::Elf::parse(&full_bytes).expect("ELF");
    let names: Vec<&str> = elf
        .syms
        .iter()
        .filter_map(|s| elf.strtab.get_at(s.st_name))
        .collect();
    // DESIGN §3: generated functions carry their names from the wasm name section.
    assert!(
        names.iter().any(|n| n.contains("say_hi")),
        "the unstripped binary must have a symbol for wasm function `say_hi`"
    );
    let elf = goblin::elf::Elf::parse(&stripped_bytes).expect("ELF");
    assert!(elf.syms.is_empty(), "--strip must drop .symtab");
    // The manifest is not a symbol: inspect still reads a stripped binary.
    let out = f.aotc(&["inspect", "hello-stripped"]);
    assert_no_crash_text(&out);
    assert_success(&out);
}

#[test]
fn verbose_says_something_and_still_builds() {
    let f = Fixture::new();
    let out = f.aotc(&["hello.wat", "-o", "hello-v", "-v"]);
    assert_no_crash_text(&out);
    assert_success(&out);
    check(
        &out,
        !out.stderr.is_empty(),
        "-v must report what it does on stderr",
    );
    assert_says_hi(&f.path("hello-v"));
    // Without -v a successful build is silent.
    let out = f.aotc(&["hello.wat", "-o", "hello-q"]);
    assert_success(&out);
    check(
        &out,
        out.stderr.is_empty() && out.stdout.is_empty(),
        "a plain build is silent",
    );
}

#[test]
fn help_mentions_every_flag() {
    let out = aotc(["--help"]);
    assert_success(&out);
    let text = out.stdout();
    for flag in [
        "-o",
        "-O",
        "--emit",
        "--target-cpu",
        "--allow-dir",
        "--env",
        "--allow-env",
        "--listen",
        "--manifest",
        "--strip",
        "-s",
        "-v",
        "inspect",
    ] {
        assert!(
            text.contains(flag),
            "--help does not mention {flag}:\n{text}"
        );
    }
    for kind in ["exe", "obj", "llvm-ir", "asm"] {
        assert!(
            text.contains(kind),
            "--help does not list --emit {kind}:\n{text}"
        );
    }
    let out = aotc(["inspect", "--help"]);
    assert_success(&out);
    assert!(
        out.stdout().contains("--json"),
        "inspect --help must mention --json"
    );
}

// ---------------------------------------------------------------------------------
// inspect
// ---------------------------------------------------------------------------------

/// Builds hello with a manifest file plus CLI flags; both must be in the binary.
fn inspected_fixture() -> (Fixture, PathBuf) {
    let f = Fixture::new();
    f.write(
        "caps.toml",
        "dirs = [\"data:ro\", \"out::/out:rw\"]\nallow_env = [\"HOME\"]\nlisten = [\"127.0.0.1:8080\"]\n\n[env]\nLANG = \"C\"\n",
    );
    let exe = f.hello(
        "hello-caps",
        &[
            "--manifest",
            "caps.toml",
            "--allow-dir",
            "extra:rw",
            "--env",
            "GREETING=bonjour",
            "--allow-env",
            "TERM",
        ],
    );
    (f, exe)
}

#[test]
fn inspect_prints_the_manifest() {
    let (f, exe) = inspected_fixture();
    let out = f.aotc(&["inspect", exe.to_str().expect("utf-8")]);
    assert_no_crash_text(&out);
    assert_success(&out);
    let text = out.stdout();
    let line_with = |a: &str, b: &str| text.lines().any(|l| l.contains(a) && l.contains(b));
    assert!(
        line_with("data", "ro"),
        "inspect must show data as ro:\n{text}"
    );
    assert!(
        line_with("/out", "rw"),
        "inspect must show out::/out as rw:\n{text}"
    );
    assert!(
        line_with("extra", "rw"),
        "inspect must show the CLI grant extra:rw:\n{text}"
    );
    assert!(line_with("LANG", "C"), "inspect must show LANG=C:\n{text}");
    assert!(
        line_with("GREETING", "bonjour"),
        "inspect must show GREETING=bonjour:\n{text}"
    );
    assert!(
        text.contains("HOME") && text.contains("TERM"),
        "inspect must show allow-env:\n{text}"
    );
    assert!(
        text.contains("127.0.0.1:8080"),
        "inspect must show listen:\n{text}"
    );
    assert!(
        !line_with("data", "rw"),
        "data must not be shown read-write:\n{text}"
    );
}

#[test]
fn inspect_json_is_valid_and_complete() {
    let (f, exe) = inspected_fixture();
    let out = f.aotc(&["inspect", exe.to_str().expect("utf-8"), "--json"]);
    assert_no_crash_text(&out);
    assert_success(&out);
    let v = json::parse(&out.stdout())
        .unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{}", out.stdout()));
    assert!(
        matches!(v, json::Value::Object(_)),
        "top level must be an object"
    );
    // The schema is the tool's; what must be in it, as a string or as a part of one
    // split at `=`, `:` and spaces (so "data:ro" or {"mode": "ro"} both count).
    let strings = v.all_strings();
    let tokens: Vec<&str> = strings
        .iter()
        .flat_map(|x| x.split(['=', ':', ' ']))
        .collect();
    for s in [
        "data", "out", "/out", "extra", "ro", "rw", "LANG", "C", "GREETING", "bonjour", "HOME",
        "TERM",
    ] {
        assert!(
            strings.iter().any(|x| x == s) || tokens.contains(&s),
            "--json output lacks {s:?}:\n{}",
            out.stdout()
        );
    }
    assert!(
        strings.iter().any(|x| x.contains("127.0.0.1:8080")),
        "--json output lacks the listen address:\n{}",
        out.stdout()
    );
}

#[test]
fn inspect_of_an_ungranted_binary_shows_no_grants() {
    let f = Fixture::new();
    let exe = f.hello("plain", &[]);
    let out = f.aotc(&["inspect", exe.to_str().expect("utf-8"), "--json"]);
    assert_success(&out);
    let v = json::parse(&out.stdout())
        .unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{}", out.stdout()));
    let strings = v.all_strings();
    let tokens: Vec<&str> = strings
        .iter()
        .flat_map(|x| x.split(['=', ':', ' ']))
        .collect();
    for s in ["ro", "rw"] {
        assert!(
            !tokens.contains(&s),
            "no directory grant expected:\n{}",
            out.stdout()
        );
    }
}

#[test]
fn inspect_rejects_files_aotc_did_not_build() {
    let f = Fixture::new();
    // An ELF that is not an aotc output (this test binary), a text file, nothing.
    let me = std::env::current_exe().expect("current exe");
    let out = f.aotc(&["inspect", me.to_str().expect("utf-8")]);
    assert_aotc_error(&out);
    f.write("notes.txt", "just text\n");
    let out = f.aotc(&["inspect", "notes.txt"]);
    assert_aotc_error_mentions(&out, &["notes.txt"]);
    let out = f.aotc(&["inspect", "missing-binary"]);
    assert_aotc_error_mentions(&out, &["missing-binary"]);
}

#[test]
fn inspect_rejects_a_corrupted_manifest() {
    let f = Fixture::new();
    let exe = f.hello("to-corrupt", &["--allow-dir", "data:ro"]);
    let mut bytes = std::fs::read(&exe).expect("read");
    let at = {
        let elf = goblin::elf::Elf::parse(&bytes).expect("ELF");
        let sh = elf
            .section_headers
            .iter()
            .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(aotc_abi::sym::MANIFEST_SECTION))
            .expect("the binary must have a manifest section");
        sh.sh_offset as usize
    };
    let magic = aotc_abi::manifest::MAGIC;
    assert_eq!(
        &bytes[at..at + magic.len()],
        magic,
        "the manifest section starts with MAGIC"
    );
    // Flip the mode byte of the one directory grant into an invalid value: the
    // decoder must refuse (a corrupted manifest grants nothing).
    // Layout: magic, version u32, dir count u32, host (len+bytes), guest (len+bytes), mode.
    let mode_at = at + magic.len() + 4 + 4 + (4 + 4) + (4 + 4);
    assert_eq!(bytes[mode_at], 0, "expected the ro mode byte at {mode_at}");
    bytes[mode_at] = 7;
    let bad = f.write("corrupted", &bytes);
    let out = f.aotc(&["inspect", bad.to_str().expect("utf-8")]);
    assert_aotc_error(&out);
}

/// The matchers above accept the usual spellings and reject near misses, and the
/// JSON reader is strict (so the inspect tests cannot pass on garbage).
#[test]
fn test_helpers_self_check() {
    assert!(has_number("at offset 0x25", 37));
    assert!(has_number("at offset 37)", 37));
    assert!(!has_number("at offset 370", 37));
    let out = aotc(["--help"]);
    for good in [
        "error in func 2 at offset 0x10",
        "function index 2: type mismatch",
        "in func[2]",
        "function #2",
    ] {
        assert_mentions_function(&out, good, 2);
    }
    for bad in ["function 12", "func 0 ... 2 bytes", "offset 2"] {
        let r = std::panic::catch_unwind(|| assert_mentions_function(&out, bad, 2));
        assert!(r.is_err(), "{bad:?} must not count as naming function 2");
    }
    let v =
        json::parse(r#" {"a": [1, -2.5e3, "x\u00e9", {"b": null}], "c": true} "#).expect("valid");
    assert_eq!(v.get("c"), Some(&json::Value::Bool(true)));
    assert!(v.all_strings().contains(&"xé".to_string()));
    for bad in ["{", "[1,]", "{'a':1}", "{} x", "01", "\"\u{1}\""] {
        assert!(json::parse(bad).is_err(), "{bad:?} must be rejected");
    }
}

/// DESIGN §3 "modular surface": an executable carries the host code its module
/// imports and nothing more; each WASI call is its own symbol, so the linker drops
/// the rest. hello imports only fd_write and has no grant.
#[test]
fn binary_carries_only_imported_wasi_functions() {
    let f = Fixture::new();
    let exe = f.hello("hello-nm", &[]);
    let bytes = std::fs::read(&exe).expect("read");
    let elf = goblin::elf::Elf::parse(&bytes).expect("ELF");
    let names: Vec<&str> = elf
        .syms
        .iter()
        .filter_map(|s| elf.strtab.get_at(s.st_name))
        .collect();
    let prefix = aotc_abi::sym::WASI_PREFIX;
    assert!(
        names.contains(&format!("{prefix}fd_write").as_str()),
        "{prefix}fd_write must be linked in"
    );
    for absent in ["path_open", "fd_readdir", "path_filestat_get", "random_get"] {
        let sym = format!("{prefix}{absent}");
        assert!(
            !names.contains(&sym.as_str()),
            "{sym} is not imported and must not be in the binary"
        );
    }
}

/// The dynamic symbols an executable imports (functions it needs from libc).
fn imported_libc_functions(exe: &std::path::Path) -> Vec<String> {
    let bytes = std::fs::read(exe).expect("read");
    let elf = goblin::elf::Elf::parse(&bytes).expect("ELF");
    elf.dynsyms
        .iter()
        .filter(|s| s.is_import())
        .filter_map(|s| elf.dynstrtab.get_at(s.st_name).map(str::to_string))
        .collect()
}

/// DESIGN §3 "modular surface", sockets: without a `--listen` grant an executable
/// links no socket code at all; with one it does.
#[test]
fn socket_code_only_with_a_listen_grant() {
    let f = Fixture::new();
    let plain = imported_libc_functions(&f.hello("hello-nosock", &[]));
    for sym in ["socket", "bind", "listen", "accept4", "accept"] {
        assert!(
            !plain.iter().any(|s| s == sym),
            "{sym} linked without a listen grant: {plain:?}"
        );
    }
    let granted = imported_libc_functions(&f.hello("hello-sock", &["--listen", "127.0.0.1:8431"]));
    for sym in ["socket", "bind", "listen"] {
        assert!(
            granted.iter().any(|s| s == sym),
            "{sym} missing with a listen grant: {granted:?}"
        );
    }
}
