//! Parallel code generation: a generated module with a few hundred functions (direct
//! calls and `call_indirect` across partition boundaries, globals, a memory with
//! many data segments and a passive one, a start function, one function big enough
//! for capped effort, a trap in a late partition) must behave exactly the same
//! compiled with its regular functions as one module (a small module: `-j1`, the
//! giant function apart), as one LLVM module in the JIT (`aotc run`, the giant
//! function `optnone`), and split (`--partitions N`, on one thread or several), and
//! the split build must not depend on the number of threads.

mod common;

use common::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Ordinary functions in the generated module.
const FUNCS: usize = 300;
/// Active data segments (more than `aotc_instantiate`'s straight-line limit).
const DATA_SEGMENTS: usize = 40;
/// Partitions forced for the split builds.
const PARTS: &str = "6";

/// The WAT of the test module. `_start` calls every function, prints a checksum of
/// their results, the globals and memory; with an argument it instead calls
/// `deep_trap` (near the end of the index space, so in the last regular partition),
/// which divides by zero.
fn module_wat() -> String {
    let mut w = String::new();
    w.push_str(
        r#"(module
  (type $t_ii (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (memory 1)
  (global $acc (mut i32) (i32.const 0))
  (global $started (mut i32) (i32.const 0))
  (global $k i32 (i32.const 7))
"#,
    );
    let _ = writeln!(w, "  (table {} funcref)", FUNCS + 1);
    w.push_str("  (elem (i32.const 0)");
    for i in 0..FUNCS {
        let _ = write!(w, " $f{i}");
    }
    w.push_str(" $deep_trap)\n");
    for s in 0..DATA_SEGMENTS {
        let _ = writeln!(
            w,
            "  (data (i32.const {}) \"\\{:02x}\\{:02x}\\{:02x}\\{:02x}\")",
            1024 + 4 * s,
            s + 1,
            (s * 7) & 0xff,
            (s * 13 + 5) & 0xff,
            0x40 | s
        );
    }
    w.push_str("  (data $passive \"passive-segment\")\n");
    w.push_str("  (start $init)\n");
    w.push_str("  (func $init (global.set $started (i32.const 12345)))\n");

    for i in 0..FUNCS {
        let j = (i * 37 + 11) % FUNCS;
        let _ = writeln!(w, "  (func $f{i} (type $t_ii)");
        match i % 5 {
            // A direct call to a later function (chains always end).
            0 if j > i => {
                let _ = writeln!(
                    w,
                    "    (i32.add (call $f{j} (i32.add (local.get 0) (i32.const {i}))) (i32.const 1)))"
                );
            }
            // Through the table, to a later function.
            1 if j > i => {
                let _ = writeln!(
                    w,
                    "    (i32.xor (call_indirect (type $t_ii) (i32.mul (local.get 0) (i32.const 3)) (i32.const {j})) (i32.const {i})))"
                );
            }
            // Memory written by the data segments, and a global.
            2 => {
                let _ = writeln!(
                    w,
                    "    (global.set $acc (i32.add (global.get $acc) (local.get 0)))\n    \
                     (i32.add (i32.load (i32.const {})) (global.get $k)))",
                    1024 + 4 * (i % DATA_SEGMENTS)
                );
            }
            // The passive segment, copied in by a function far from partition 0.
            3 if i > FUNCS / 2 => {
                let _ = writeln!(
                    w,
                    "    (memory.init $passive (i32.const 4096) (i32.const 0) (i32.const 15))\n    \
                     (i32.add (i32.load8_u (i32.const {})) (local.get 0)))",
                    4096 + i % 15
                );
            }
            _ => {
                let _ = writeln!(
                    w,
                    "    (i32.add (i32.mul (local.get 0) (i32.const {})) (i32.const {i})))",
                    2 * i + 1
                );
            }
        }
    }
    // Big enough for capped effort: some real work, padded with `nop`s (one byte
    // each, nothing to compile) past the size limit.
    w.push_str("  (func $giant (param i32) (result i32)\n");
    for r in 0..200 {
        let _ = writeln!(
            w,
            "    (local.set 0 (i32.rotl (i32.xor (local.get 0) (i32.const {})) (i32.const 3)))",
            (r * 7919) % 100_000
        );
    }
    let padding = aotc::translate::complexity::CAPPED_BYTES as usize;
    for _ in 0..padding / 64 + 1 {
        w.push_str("    ");
        w.push_str(&"nop ".repeat(64));
        w.push('\n');
    }
    w.push_str("    (local.get 0))\n");
    w.push_str(
        r#"  (func $deep_trap (type $t_ii)
    (i32.div_u (local.get 0) (i32.sub (local.get 0) (local.get 0))))
  (func $hex (param $v i32) (param $at i32)
    (local $n i32)
    (loop $digits
      (i32.store8 (i32.add (local.get $at) (local.get $n))
        (i32.load8_u offset=256 (i32.and (i32.shr_u (local.get $v) (i32.sub (i32.const 28) (i32.shl (local.get $n) (i32.const 2)))) (i32.const 15))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $digits (i32.lt_u (local.get $n) (i32.const 8)))))
  (data (i32.const 256) "0123456789abcdef")
  (data (i32.const 512) "sum ........ acc ........ start ........\n")
  (func $_start (export "_start")
    (local $sum i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (if (i32.ge_u (i32.load (i32.const 0)) (i32.const 2))
      (then (drop (call_indirect (type $t_ii) (i32.const 7) (i32.const "#,
    );
    let _ = writeln!(w, "{FUNCS})))))");
    for i in 0..FUNCS {
        let _ = writeln!(
            w,
            "    (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (call $f{i} (i32.const {i}))))"
        );
    }
    w.push_str(
        r#"    (local.set $sum (i32.xor (local.get $sum) (call $giant (local.get $sum))))
    ;; "sum ######## acc ######## start ########\n" at 512
    (call $hex (local.get $sum) (i32.const 516))
    (call $hex (global.get $acc) (i32.const 529))
    (call $hex (global.get $started) (i32.const 544))
    (i32.store (i32.const 600) (i32.const 512))
    (i32.store (i32.const 604) (i32.const 41))
    (drop (call $fd_write (i32.const 1) (i32.const 600) (i32.const 1) (i32.const 608)))))
"#,
    );
    w
}

/// The module, written once per test binary.
fn module_path() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let p = scratch_root().join("many-functions.wat");
        write_atomic(&p, module_wat().as_bytes());
        p
    })
    .clone()
}

fn compile(dir: &Path, name: &str, flags: &[&str]) -> (PathBuf, Output) {
    let exe = dir.join(name);
    let mut args: Vec<String> = vec![
        module_path().display().to_string(),
        "-o".into(),
        exe.display().to_string(),
        "--no-cache".into(),
        "-v".into(),
    ];
    args.extend(flags.iter().map(|s| s.to_string()));
    let out = aotc_in(dir, &args);
    assert_success(&out);
    (exe, out)
}

#[test]
fn split_builds_behave_like_one_module() {
    let dir = tempdir();
    let (whole, out) = compile(dir.path(), "whole", &["-j1"]);
    check(
        &out,
        out.stderr()
            .contains("aotc: split into 2 partitions, compiled on 1 threads"),
        "-j1 compiles the regular functions as one module and the giant one apart",
    );
    let (split, out) = compile(dir.path(), "split", &["--partitions", PARTS, "-j2"]);
    let err = out.stderr();
    check(
        &out,
        err.contains("aotc: split into 7 partitions"),
        "6 regular partitions and one for the giant function",
    );
    check(
        &out,
        err.contains("capped"),
        "the giant function gets capped effort",
    );

    let run = |exe: &Path, args: &[&str]| Run::new(exe).args(args).output();
    let expected = run(&whole, &[]);
    assert_success(&expected);
    let text = expected.stdout();
    assert!(
        text.starts_with("sum ") && text.ends_with(" start 00003039\n") && text.len() == 41,
        "unexpected output {text:?}"
    );
    assert!(!text.contains("sum 00000000"), "{text:?}");
    let got = run(&split, &[]);
    assert_success(&got);
    assert_eq!(got.stdout(), text);
    let jit = Run::new(aotc_bin())
        .args(["run".as_ref(), module_path().as_os_str()])
        .output();
    assert_success(&jit);
    assert_eq!(jit.stdout(), text, "aotc run (one module, giant optnone)");

    // The trap is raised in the last regular partition and names its function.
    for exe in [&whole, &split] {
        let out = run(exe, &["trap"]);
        assert_exit(&out, 134);
        let lines = out.stderr_lines();
        check(
            &out,
            lines.first().map(String::as_str) == Some("wasm trap: integer divide by zero"),
            "trap message first",
        );
        check(
            &out,
            lines.get(1).map(|l| l.trim()) == Some("in wasm function deep_trap"),
            "the trapping function's name second",
        );
    }
}

#[test]
fn split_output_does_not_depend_on_threads() {
    let dir = tempdir();
    let (one, _) = compile(dir.path(), "one", &["--partitions", PARTS, "-j1"]);
    let (three, _) = compile(dir.path(), "three", &["--partitions", PARTS, "-j3"]);
    assert!(
        std::fs::read(&one).unwrap() == std::fs::read(&three).unwrap(),
        "the split executable differs between -j1 and -j3"
    );
}

#[test]
fn split_object_is_one_relocatable_file() {
    let dir = tempdir();
    let obj = dir.path().join("m.o");
    let out = aotc_in(
        dir.path(),
        [
            module_path().as_os_str(),
            "--emit".as_ref(),
            "obj".as_ref(),
            "--partitions".as_ref(),
            "3".as_ref(),
            "--no-cache".as_ref(),
            "-o".as_ref(),
            obj.as_os_str(),
        ],
    );
    assert_success(&out);
    let bytes = std::fs::read(&obj).unwrap();
    let elf = goblin::elf::Elf::parse(&bytes).expect("an ELF object");
    assert_eq!(elf.header.e_type, goblin::elf::header::ET_REL);
    let defined: Vec<&str> = elf
        .syms
        .iter()
        .filter(|s| s.st_shndx != 0)
        .filter_map(|s| elf.strtab.get_at(s.st_name))
        .collect();
    for name in [
        aotc_abi::sym::INSTANTIATE,
        aotc_abi::sym::MANIFEST,
        "wasm:f0",
        "wasm:f299",
        "wasm:deep_trap",
        "wasm:giant",
    ] {
        assert!(defined.contains(&name), "{name} not defined in the object");
    }

    // The same object to standard output.
    let out = aotc_in(
        dir.path(),
        [
            module_path().as_os_str(),
            "--emit".as_ref(),
            "obj".as_ref(),
            "--partitions".as_ref(),
            "3".as_ref(),
            "--no-cache".as_ref(),
            "-o".as_ref(),
            "-".as_ref(),
        ],
    );
    assert_success(&out);
    assert!(
        out.stdout == bytes,
        "the object on stdout differs from the file"
    );

    // Textual outputs are one module whatever --partitions says.
    let out = aotc_in(
        dir.path(),
        [
            module_path().as_os_str(),
            "--emit".as_ref(),
            "llvm-ir".as_ref(),
            "--partitions".as_ref(),
            "3".as_ref(),
            "-O0".as_ref(),
            "--no-cache".as_ref(),
            "-o".as_ref(),
            "-".as_ref(),
        ],
    );
    assert_success(&out);
    let ir = out.stdout();
    assert!(
        ir.contains("define internal i32 @\"wasm:f0\""),
        "f0 internal"
    );
    assert!(ir.contains("@\"wasm:deep_trap\""));
}

/// More than 16 active data segments are copied in a loop (`aotc_instantiate`): empty
/// segments are fine, and the first one that does not fit traps during instantiation.
#[test]
fn many_data_segments_copy_in_order_and_trap_when_out_of_bounds() {
    let module = |last_offset: u32| {
        let mut w = String::from(
            "(module\n  (import \"wasi_snapshot_preview1\" \"fd_write\" \
             (func $fd_write (param i32 i32 i32 i32) (result i32)))\n  (memory 1)\n",
        );
        for i in 0..20u32 {
            // Overlapping segments: later ones win, as in the spec's order.
            let _ = writeln!(w, "  (data (i32.const {}) \"seg{i:02}\\n\")", 100 + i);
            let _ = writeln!(w, "  (data (i32.const {}) \"\")", 65536);
        }
        let _ = writeln!(w, "  (data (i32.const {last_offset}) \"tail\")");
        w.push_str(
            "  (func (export \"_start\")\n    (i32.store (i32.const 0) (i32.const 119))\n    \
             (i32.store (i32.const 4) (i32.const 6))\n    \
             (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))\n",
        );
        w
    };
    let dir = tempdir();
    for (name, last, ok) in [("fits", 65532, true), ("overflows", 65533, false)] {
        let wat = dir.path().join(format!("{name}.wat"));
        write_file(&wat, module(last).as_bytes());
        let exe = dir.path().join(name);
        let out = aotc_in(
            dir.path(),
            [
                wat.as_os_str(),
                "-o".as_ref(),
                exe.as_os_str(),
                "--no-cache".as_ref(),
            ],
        );
        assert_success(&out);
        let out = Run::new(&exe).output();
        if ok {
            assert_success(&out);
            assert_eq!(out.stdout(), "seg19\n");
        } else {
            assert_exit(&out, 134);
            check(
                &out,
                out.stderr_lines().first().map(String::as_str)
                    == Some("wasm trap: out of bounds memory access"),
                "the segment past the end traps",
            );
            assert_eq!(out.stdout(), "");
        }
    }
}

/// A C program using much of wasi-libc prints the same compiled as one module and
/// split into eight partitions (with inline copies across them at -O2).
#[test]
fn libc_program_split_prints_the_same() {
    let wasm = wasm_from_c(&tests_path("parallel/libc_mix.c"), &[]);
    let dir = tempdir();
    let mut outputs = Vec::new();
    for (name, flags) in [
        ("whole", &["-j1"][..]),
        ("split", &["--partitions", "8", "-j2"][..]),
        ("split-o1", &["--partitions", "8", "-O1"][..]),
    ] {
        let exe = dir.path().join(name);
        let mut args: Vec<std::ffi::OsString> =
            vec![wasm.clone().into(), "-o".into(), exe.clone().into()];
        args.extend(["--no-cache"].iter().chain(flags).map(Into::into));
        let out = aotc_in(dir.path(), &args);
        assert_success(&out);
        let run = Run::new(&exe).output();
        assert_success(&run);
        outputs.push(run.stdout());
    }
    assert!(outputs[0].starts_with("lightest item-"), "{}", outputs[0]);
    assert_eq!(outputs[1], outputs[0]);
    assert_eq!(outputs[2], outputs[0]);
}
