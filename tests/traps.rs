//! Traps in compiled executables: every trap kind of the spec, each from its own
//! named function, must print `wasm trap: <spec message>` as the first stderr line,
//! then a line naming the wasm function (`  in wasm function <name>`), and exit
//! with status 134 — never a signal death or "Segmentation fault". Also the edge
//! cases that must *not* trap (INT_MIN rem -1, masked shift counts, saturating
//! truncation, memory.grow past the maximum, …), checked value by value.
//!
//! The programs are `tests/traps/*.wat` (aotc reads `.wat` directly). Each trap file
//! dispatches case N (N extra arguments) through `call_indirect` on table 0, so no
//! case can be inlined into `_start`; the case names are read back from the module's
//! element segment and name section, so this table cannot drift from the files.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const UNREACHABLE: &str = "unreachable";
const DIV_ZERO: &str = "integer divide by zero";
const OVERFLOW: &str = "integer overflow";
const BAD_CONVERSION: &str = "invalid conversion to integer";
const MEMORY_OOB: &str = "out of bounds memory access";
const TABLE_OOB: &str = "out of bounds table access";
const UNDEFINED: &str = "undefined element";
const UNINITIALIZED: &str = "uninitialized element";
const MISMATCH: &str = "indirect call type mismatch";
const STACK: &str = "call stack exhausted";
const NULL_EXNREF: &str = "null exception reference";
const UNCAUGHT: &str = "uncaught exception";
const UNALIGNED_ATOMIC: &str = "unaligned atomic";
const EXPECTED_SHARED: &str = "expected shared memory";
const NULL_FUNC_REF: &str = "null function reference";
const NULL_REF: &str = "null reference";

/// The spec messages must be the runtime's, word for word (one contract).
#[test]
fn trap_messages_are_the_contracts() {
    use aotc_abi::trap::TrapCode;
    let ours = [
        UNREACHABLE,
        DIV_ZERO,
        OVERFLOW,
        BAD_CONVERSION,
        MEMORY_OOB,
        TABLE_OOB,
        UNDEFINED,
        UNINITIALIZED,
        MISMATCH,
        STACK,
        NULL_EXNREF,
        UNCAUGHT,
        UNALIGNED_ATOMIC,
        EXPECTED_SHARED,
        NULL_FUNC_REF,
        NULL_REF,
    ];
    let theirs: Vec<&str> = TrapCode::ALL.iter().map(|t| t.message()).collect();
    assert_eq!(ours.to_vec(), theirs);
    assert_eq!(aotc_abi::trap::TRAP_EXIT_STATUS, 134);
}

/// Names of the functions in the first element segment (the case dispatch table),
/// in order, from the module's name section.
fn dispatch_names(wat: &Path) -> Vec<String> {
    use wasmparser::{ElementItems, KnownCustom, Name, Operator, Parser, Payload};
    let bytes = wasm_bytes(wat);
    let mut indices: Option<Vec<u32>> = None;
    let mut names = std::collections::HashMap::new();
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.expect("parse") {
            Payload::ElementSection(reader) if indices.is_none() => {
                let first = reader
                    .into_iter()
                    .next()
                    .expect("an element segment")
                    .expect("element");
                indices = Some(match first.items {
                    ElementItems::Functions(f) => {
                        f.into_iter().map(|i| i.expect("index")).collect()
                    }
                    ElementItems::Expressions(_, exprs) => exprs
                        .into_iter()
                        .map(|e| {
                            let e = e.expect("expr");
                            match e.get_operators_reader().read().expect("op") {
                                Operator::RefFunc { function_index } => function_index,
                                op => panic!("unexpected element {op:?}"),
                            }
                        })
                        .collect(),
                });
            }
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(reader) = c.as_known() {
                    for n in reader {
                        if let Name::Function(map) = n.expect("name") {
                            for naming in map {
                                let naming = naming.expect("naming");
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    indices
        .expect("no element segment")
        .iter()
        .map(|i| {
            names
                .get(i)
                .cloned()
                .unwrap_or_else(|| panic!("function {i} has no name"))
        })
        .collect()
}

/// Asserts the trap convention on one run: exit 134 (a normal exit, not a signal),
/// stderr line 1 `wasm trap: <msg>`, line 2 `in wasm function <one of names>`,
/// nothing on stdout, no crash text.
#[track_caller]
fn assert_trap(out: &Output, msg: &str, names: &[&str]) {
    check(
        out,
        out.status.code().is_some(),
        "killed by a signal instead of trapping",
    );
    assert_exit(out, 134);
    let err = out.stderr();
    check(out, !err.contains("Segmentation fault"), "segfault text");
    let lines: Vec<&str> = err.lines().collect();
    check(
        out,
        lines.first() == Some(&format!("wasm trap: {msg}").as_str()),
        &format!("first stderr line must be `wasm trap: {msg}`"),
    );
    let second = lines.get(1).copied().unwrap_or("");
    let named = names.iter().any(|n| {
        second.starts_with(char::is_whitespace) && second.trim() == format!("in wasm function {n}")
    });
    check(
        out,
        named,
        &format!("second stderr line must be `  in wasm function <name>` with name in {names:?}"),
    );
    check(
        out,
        out.stdout.is_empty(),
        "a trapping case prints nothing on stdout",
    );
}

/// Runs every case of one trap file: (function name, message, other acceptable
/// names for the reported function).
fn run_trap_file(file: &str, cases: &[(&str, &str, &[&str])]) {
    let wat = tests_path(&format!("traps/{file}"));
    let names = dispatch_names(&wat);
    // Every function in the dispatch table is covered, and nothing else.
    let mut listed: Vec<&str> = cases.iter().map(|c| c.0).collect();
    listed.sort_unstable();
    let mut in_file: Vec<&str> = names.iter().map(String::as_str).collect();
    in_file.sort_unstable();
    assert_eq!(
        listed, in_file,
        "{file}: the case table and the file disagree"
    );

    let exe = build_ok(&wat, &[]);
    let mut failures = Vec::new();
    for (name, msg, also) in cases {
        let n = names.iter().position(|x| x == name).expect("listed");
        let out = Run::new(&exe).args(std::iter::repeat_n("x", n)).output();
        let mut ok_names = vec![*name];
        ok_names.extend_from_slice(also);
        if let Err(e) = std::panic::catch_unwind(|| assert_trap(&out, msg, &ok_names)) {
            let text = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "assertion failed".to_string());
            failures.push(format!("=== {file} case {n} `{name}`:\n{text}"));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn unreachable_traps() {
    run_trap_file(
        "unreachable.wat",
        &[
            ("unreachable_direct", UNREACHABLE, &[]),
            ("unreachable_after_work", UNREACHABLE, &[]),
            // The trap happens in the callee; naming the callee is the point.
            ("unreachable_in_callee", UNREACHABLE, &["callee_that_traps"]),
        ],
    );
}

#[test]
fn integer_division_traps() {
    run_trap_file(
        "int_div.wat",
        &[
            ("i32_div_s_by_zero", DIV_ZERO, &[]),
            ("i32_div_u_by_zero", DIV_ZERO, &[]),
            ("i32_rem_s_by_zero", DIV_ZERO, &[]),
            ("i32_rem_u_by_zero", DIV_ZERO, &[]),
            ("i64_div_s_by_zero", DIV_ZERO, &[]),
            ("i64_div_u_by_zero", DIV_ZERO, &[]),
            ("i64_rem_s_by_zero", DIV_ZERO, &[]),
            ("i64_rem_u_by_zero", DIV_ZERO, &[]),
            ("i32_div_u_by_zero_const", DIV_ZERO, &[]),
            ("i64_rem_s_by_zero_const", DIV_ZERO, &[]),
            ("i32_div_s_overflow", OVERFLOW, &[]),
            ("i64_div_s_overflow", OVERFLOW, &[]),
            ("i32_div_s_overflow_const", OVERFLOW, &[]),
            ("i64_div_s_overflow_const", OVERFLOW, &[]),
        ],
    );
}

#[test]
fn float_to_int_truncation_traps() {
    run_trap_file(
        "trunc.wat",
        &[
            ("i32_trunc_f32_s_nan", BAD_CONVERSION, &[]),
            ("i32_trunc_f64_u_nan", BAD_CONVERSION, &[]),
            ("i64_trunc_f64_s_nan", BAD_CONVERSION, &[]),
            ("i64_trunc_f32_u_nan", BAD_CONVERSION, &[]),
            ("i32_trunc_f32_s_nan_const", BAD_CONVERSION, &[]),
            ("i32_trunc_f64_s_too_big", OVERFLOW, &[]),
            ("i32_trunc_f64_s_too_small", OVERFLOW, &[]),
            ("i32_trunc_f32_u_negative", OVERFLOW, &[]),
            ("i32_trunc_f64_u_too_big", OVERFLOW, &[]),
            ("i64_trunc_f64_s_too_big", OVERFLOW, &[]),
            ("i64_trunc_f64_u_too_big", OVERFLOW, &[]),
            ("i64_trunc_f32_s_infinity", OVERFLOW, &[]),
            ("i32_trunc_f64_s_too_big_const", OVERFLOW, &[]),
        ],
    );
}

#[test]
fn memory_out_of_bounds_traps() {
    run_trap_file(
        "memory_oob.wat",
        &[
            ("load_i32_at_end", MEMORY_OOB, &[]),
            ("load_i32_straddling_end", MEMORY_OOB, &[]),
            ("load_i64_straddling_end", MEMORY_OOB, &[]),
            ("load8_one_past_end", MEMORY_OOB, &[]),
            ("store_i32_at_end", MEMORY_OOB, &[]),
            ("store_i64_straddling_end", MEMORY_OOB, &[]),
            ("store8_one_past_end", MEMORY_OOB, &[]),
            ("load_offset_past_end", MEMORY_OOB, &[]),
            ("load_offset_max_plus_one", MEMORY_OOB, &[]),
            ("load_address_near_4gib", MEMORY_OOB, &[]),
            ("load_max_address_max_offset", MEMORY_OOB, &[]),
            ("store_offset_max", MEMORY_OOB, &[]),
            ("load_negative_address", MEMORY_OOB, &[]),
            ("load_past_grown_end", MEMORY_OOB, &[]),
            ("fill_past_end", MEMORY_OOB, &[]),
            ("fill_length_wraps", MEMORY_OOB, &[]),
            ("fill_empty_beyond_end", MEMORY_OOB, &[]),
            ("copy_source_past_end", MEMORY_OOB, &[]),
            ("copy_destination_past_end", MEMORY_OOB, &[]),
            ("copy_empty_beyond_end", MEMORY_OOB, &[]),
            ("init_past_segment_end", MEMORY_OOB, &[]),
            ("init_destination_past_end", MEMORY_OOB, &[]),
            ("init_dropped_segment", MEMORY_OOB, &[]),
        ],
    );
}

/// Loops whose address moves by a constant step, which aotc computes in 64 bits,
/// running out of memory upwards or wrapping downwards through address 0 (see
/// tests/widen_addresses.rs, which checks these loops are the widened ones).
#[test]
fn moving_addresses_trap_where_wasm_does() {
    run_trap_file(
        "moving_addresses.wat",
        &[
            ("up_past_end", MEMORY_OOB, &[]),
            ("up_from_top", MEMORY_OOB, &[]),
            ("up_past_end_of_largest_memory", MEMORY_OOB, &[]),
            ("down_through_zero", MEMORY_OOB, &[]),
            ("down_32k_through_zero", MEMORY_OOB, &[]),
            ("down_offset_through_zero", MEMORY_OOB, &[]),
            ("down_offset_before_plain_load", MEMORY_OOB, &[]),
        ],
    );
}

#[test]
fn table_out_of_bounds_traps() {
    run_trap_file(
        "table_oob.wat",
        &[
            ("table_get_past_end", TABLE_OOB, &[]),
            ("table_get_far_past_end", TABLE_OOB, &[]),
            ("table_set_past_end", TABLE_OOB, &[]),
            ("table_fill_past_end", TABLE_OOB, &[]),
            ("table_copy_past_end", TABLE_OOB, &[]),
            ("table_init_past_end", TABLE_OOB, &[]),
            ("table_init_past_segment_end", TABLE_OOB, &[]),
            ("table_init_dropped_segment", TABLE_OOB, &[]),
        ],
    );
}

#[test]
fn call_indirect_traps() {
    run_trap_file(
        "call_indirect.wat",
        &[
            ("call_past_end", UNDEFINED, &[]),
            ("call_far_past_end", UNDEFINED, &[]),
            ("call_null_entry", UNINITIALIZED, &[]),
            ("call_with_wrong_params", MISMATCH, &[]),
            ("call_with_wrong_results", MISMATCH, &[]),
            ("call_with_wrong_arity", MISMATCH, &[]),
        ],
    );
}

#[test]
fn stack_exhaustion_traps() {
    run_trap_file(
        "stack.wat",
        &[
            // The trap is raised in the recursing function, whichever frame it is.
            ("start_recursion", STACK, &["recurse"]),
            ("start_mutual_recursion", STACK, &["ping", "pong"]),
        ],
    );
}

/// A recursive function with about `n` i64 values live across its call: each native
/// frame is several KiB, more than a guard page, so a stack check that only probes
/// one page below the stack pointer would jump over the guard.
fn big_frame_wat(n: usize) -> String {
    let mut s = String::from(
        "(module\n  (memory (export \"memory\") 1)\n  (func $start (export \"_start\")\n    (drop (call $big_frame (i64.const 1))))\n  (func $big_frame (param $x i64) (result i64)\n",
    );
    s.push_str("    (local");
    for _ in 0..n {
        s.push_str(" i64");
    }
    s.push_str(")\n");
    // Locals 1..=n: loads from memory (opaque), kept live across the call.
    for i in 1..=n {
        s.push_str(&format!(
            "    (local.set {i} (i64.add (local.get $x) (i64.load offset={} (i32.const 0))))\n",
            (i * 8) % 60000
        ));
    }
    s.push_str(
        "    (i64.store (i32.const 0) (call $big_frame (i64.add (local.get $x) (i64.const 1))))\n",
    );
    s.push_str("    (i64.load (i32.const 0))\n");
    for i in 1..=n {
        s.push_str(&format!("    (local.get {i})\n    i64.add\n"));
    }
    s.push_str("  )\n)\n");
    s
}

#[test]
fn stack_exhaustion_with_large_frames_traps() {
    let path = scratch_root().join("big_frame.wat");
    write_atomic(&path, big_frame_wat(1200).as_bytes());
    let exe = build_ok(&path, &[]);
    let out = Run::new(&exe).output();
    assert_trap(&out, STACK, &["big_frame"]);
}

/// The expected stdout lines of no_trap.wat, with what each checks.
const NO_TRAP: &[(i64, &str)] = &[
    (0, "i32.rem_s INT_MIN -1"),
    (0, "i32.rem_s INT_MIN -1 (const)"),
    (0, "i64.rem_s INT64_MIN -1"),
    (0, "i64.rem_s INT64_MIN -1 (const)"),
    (-7, "i32.rem_s -7 33"),
    (-2, "i32.div_s -70 33 truncates toward zero"),
    (30, "i32.rem_u 4294967289 33"),
    (1, "i32.div_u -1 -1"),
    (2, "i32.shl 1 33 (count mod 32)"),
    (2, "i32.shl 1 33 (const)"),
    (1, "i32.shr_u 0x80000000 63"),
    (-2147483648, "i32.shr_s INT_MIN 32"),
    (2, "i64.shl 1 65"),
    (-1, "i64.shr_s INT64_MIN 127"),
    (3, "i32.rotl 0x80000001 33"),
    (0, "i32.trunc_sat_f32_s NaN"),
    (2147483647, "i32.trunc_sat_f32_s +inf"),
    (-2147483648, "i32.trunc_sat_f64_s -inf"),
    (0, "i32.trunc_sat_f64_u -1.5"),
    (4294967295, "i32.trunc_sat_f64_u 1e10"),
    (i64::MAX, "i64.trunc_sat_f64_s 1e19"),
    (i64::MIN, "i64.trunc_sat_f64_s -1e19"),
    (0, "i64.trunc_sat_f64_u NaN"),
    (-1, "i64.trunc_sat_f32_u 1e20 (u64 max)"),
    (-2147483648, "i32.trunc_f64_s -2147483648.9"),
    (2147483647, "i32.trunc_f64_s 2147483647.9"),
    (0, "i32.trunc_f64_u -0.9"),
    (4294967295, "i32.trunc_f64_u 4294967295.9"),
    (i64::MIN, "i64.trunc_f64_s -2^63"),
    (-1, "memory.grow 3 past max 3"),
    (1, "memory.size unchanged"),
    (1, "memory.grow 2 returns old size"),
    (3, "memory.size after grow"),
    (0, "new page reads zero"),
    (0x1234_5678, "last word of grown memory"),
    (3, "memory.grow 0"),
    (-1, "memory.grow 1 at max"),
    (-1, "memory.grow 0xffffffff"),
    (1, "memory.fill len 0 at end"),
    (1, "memory.copy len 0 at end"),
    (1, "memory.init len 0 at end"),
    (-1, "table.grow past max"),
    (1, "table.grow returns old size"),
    (2, "table.size after grow"),
    (-2147483648, "f32.min -0 0 is -0 (bits)"),
    (0, "f32.max -0 0 is +0 (bits)"),
    (1, "f64.max NaN 1 is NaN"),
    (2, "f64.nearest 2.5"),
    (i64::MIN, "f64.nearest -0.5 is -0 (bits)"),
    (-1, "f32.copysign 1 -0"),
    (5, "i32.wrap_i64 0x100000005"),
    (-128, "i32.extend8_s 0x80"),
    (4294967295, "i64.extend_i32_u -1"),
    (5000, "5000 nested calls"),
];

#[test]
fn edge_cases_that_must_not_trap() {
    let exe = build_ok(&tests_path("traps/no_trap.wat"), &[]);
    let out = Run::new(&exe).output();
    assert_clean_exit(&out);
    assert_success(&out);
    check(&out, out.stderr.is_empty(), "nothing on stderr");
    let got: Vec<String> = out.stdout().lines().map(str::to_string).collect();
    let mut failures = Vec::new();
    for (i, (want, what)) in NO_TRAP.iter().enumerate() {
        let line = format!("{i}={want}");
        match got.get(i) {
            Some(g) if *g == line => {}
            Some(g) => failures.push(format!("case {i} ({what}): expected `{line}`, got `{g}`")),
            None => failures.push(format!("case {i} ({what}): missing")),
        }
    }
    if got.len() > NO_TRAP.len() {
        failures.push(format!("{} extra lines", got.len() - NO_TRAP.len()));
    }
    check(&out, failures.is_empty(), &failures.join("\n"));
}

/// Trap reporting must not depend on the optimisation level.
#[test]
fn traps_are_the_same_at_every_opt_level() {
    let wat = tests_path("traps/int_div.wat");
    let names = dispatch_names(&wat);
    let n = names
        .iter()
        .position(|x| x == "i32_div_s_overflow")
        .expect("case");
    for opt in ["-O0", "-O1", "-O2", "-O3"] {
        let exe: PathBuf = build_ok(&wat, &[opt]);
        let out = Run::new(&exe).args(std::iter::repeat_n("x", n)).output();
        assert_trap(&out, OVERFLOW, &["i32_div_s_overflow"]);
    }
    let wat = tests_path("traps/memory_oob.wat");
    let names = dispatch_names(&wat);
    let n = names
        .iter()
        .position(|x| x == "load_offset_max_plus_one")
        .expect("case");
    for opt in ["-O0", "-O3"] {
        let exe = build_ok(&wat, &[opt]);
        let out = Run::new(&exe).args(std::iter::repeat_n("x", n)).output();
        assert_trap(&out, MEMORY_OOB, &["load_offset_max_plus_one"]);
    }
}

/// A load whose value is overwritten before any use is dead to LLVM, which may delete
/// it and its out-of-bounds trap (the documented limit of the default mode);
/// `--strict-traps` keeps every load, so the trap happens.
#[test]
fn strict_traps_keep_dead_out_of_bounds_loads() {
    let path = scratch_root().join("dead_load.wat");
    write_atomic(
        &path,
        br#"(module
  (memory 1)
  (func $overwritten (export "_start")
    (local $x i32)
    (local.set $x (i32.load (i32.const 70000)))
    (local.set $x (i32.const 1))
    (i32.store (i32.const 0) (local.get $x))))
"#,
    );
    let exe = build_ok(&path, &["--strict-traps"]);
    let out = Run::new(&exe).output();
    assert_trap(&out, "out of bounds memory access", &["overwritten"]);
}
