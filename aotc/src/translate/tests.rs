//! Translator unit tests: modules covering every instruction category must produce
//! verified LLVM IR at every optimisation level and a loadable object.

use std::collections::HashMap;

use super::*;

fn opts(opt_level: u8, emit: Emit) -> CodegenOptions {
    CodegenOptions {
        opt_level,
        target_cpu: "x86-64-v2".to_string(),
        manifest: Some(aotc_abi::manifest::Manifest::default().encode()),
        emit,
        embedding: Embedding::Command,
        strict_load_traps: false,
        link: Default::default(),
        entry: Entry::Start,
    }
}

fn compile_wat(src: &str, opt_level: u8, emit: Emit) -> Result<Vec<u8>> {
    let wasm = wat::parse_str(src).expect("test WAT parses");
    compile(&wasm, &opts(opt_level, emit))
}

const KITCHEN_SINK: &str = r#"
(module
  (type $bin (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory 1 10)
  (table 4 funcref)
  (global $g (mut i32) (i32.const 7))
  (global $c i64 (i64.const -1))
  (elem (i32.const 0) $add $sub)
  (elem $passive func $add)
  (data (i32.const 16) "hello")
  (data $pd "passive")
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
  (func $pair (param i32) (result i32 i64) (local.get 0) (i64.const 3))
  (func $math (param f64 f32 i64) (result f64)
    (f64.add (f64.min (local.get 0) (f64.const nan)) (f64.promote_f32 (f32.nearest (local.get 1))))
    (f64.convert_i64_u (i64.rotl (local.get 2) (i64.const 3)))
    f64.copysign
    (i32.trunc_f64_s (local.get 0)) drop
    (i64.trunc_sat_f64_u (local.get 0)) drop
    (i32.div_s (i32.const 1) (i32.const 0)) drop
    (i64.rem_s (local.get 2) (i64.const -1)) drop
    (i32.extend8_s (i32.const 255)) drop)
  (func $ctl (param i32) (result i32)
    (local $acc i32)
    (block $out (result i32)
      (loop $l
        (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $acc) (local.get 0)))
        (br_table 1 1 1 (local.get $acc) (local.get 0)) (i32.const 9) drop)
      (i32.const 5))
    drop
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (unreachable))))
  (func $mem (param i32)
    (i32.store offset=4 (local.get 0) (i32.load8_s (local.get 0)))
    (i64.store32 (local.get 0) (i64.load (i32.const 8)))
    (drop (memory.grow (i32.const 1)))
    (drop (memory.size))
    (memory.fill (i32.const 0) (i32.const 1) (i32.const 8))
    (memory.copy (i32.const 0) (i32.const 8) (i32.const 8))
    (memory.init $pd (i32.const 0) (i32.const 0) (i32.const 3))
    (data.drop $pd))
  (func $tab (result i32)
    (table.set (i32.const 2) (ref.func $add))
    (drop (table.grow (ref.null func) (i32.const 2)))
    (table.fill (i32.const 0) (ref.null func) (i32.const 1))
    (table.copy (i32.const 0) (i32.const 1) (i32.const 1))
    (table.init $passive (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $passive)
    (drop (ref.is_null (table.get (i32.const 1))))
    (call_indirect (type $bin) (i32.const 1) (i32.const 2) (i32.const 0)))
  (func (export "_start")
    (global.set $g (i32.add (global.get $g) (call $tab)))
    (call $pair (i32.const 1)) drop drop
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0)))
    (call $proc_exit (global.get $g)))
)
"#;

#[test]
fn kitchen_sink_translates_at_every_level() {
    for level in 0..=3 {
        let ir = compile_wat(KITCHEN_SINK, level, Emit::LlvmIr).unwrap();
        let ir = String::from_utf8(ir).unwrap();
        assert!(ir.contains("define void @aotc_run_start"), "level {level}");
    }
    let obj = compile_wat(KITCHEN_SINK, 2, Emit::Object).unwrap();
    assert_eq!(&obj[..4], b"\x7fELF");
}

#[test]
fn unknown_imports_are_listed() {
    let err = compile_wat(
        r#"(module (import "env" "a" (func)) (import "env" "m" (memory 1))
             (import "wasi_snapshot_preview1" "nope" (func)) (func (export "_start")))"#,
        0,
        Emit::LlvmIr,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("env.a (function)"), "{err}");
    assert!(err.contains("env.m (memory)"), "{err}");
    assert!(err.contains("wasi_snapshot_preview1.nope"), "{err}");
}

#[test]
fn invalid_bodies_name_function_and_offset() {
    let wasm =
        wat::parse_str(r#"(module (func $f) (func $bad (result i32) (i64.const 1)))"#).unwrap();
    let err = compile(&wasm, &opts(0, Emit::LlvmIr))
        .unwrap_err()
        .to_string();
    assert!(err.contains("in function 1 `bad`"), "{err}");
    assert!(err.contains("byte offset 0x"), "{err}");
}

#[test]
fn wasm_names_cannot_capture_libcalls() {
    // LLVM lowers memory.copy to a call to `memcpy`; a wasm function of that name
    // must not receive it (it did once, corrupting every C program's start-up).
    let ir = compile_wat(
        r#"(module (memory 1)
             (func $memcpy (param i32 i32 i32) (result i32) (local.get 0))
             (func (export "_start")
               (memory.copy (i32.const 0) (i32.const 8) (i32.const 64))
               (drop (call $memcpy (i32.const 0) (i32.const 0) (i32.const 0)))))"#,
        2,
        Emit::LlvmIr,
    )
    .unwrap();
    let ir = String::from_utf8(ir).unwrap();
    assert!(ir.contains("@\"wasm:memcpy\""), "{ir}");
    assert!(!ir.contains("define internal i32 @memcpy"), "{ir}");
}

// ----- SIMD -----

/// Every SIMD instruction of WebAssembly 2.0 as `(name, params, result, body)`:
/// one function each, named after the instruction, so the assembly of each can
/// be found by its symbol `wasm:<name>`.
#[rustfmt::skip]
fn simd_ops() -> Vec<(String, &'static str, &'static str, String)> {
    const BINARY: &[&str] = &[
        "i8x16.swizzle", "i8x16.eq", "i8x16.ne", "i8x16.lt_s", "i8x16.lt_u", "i8x16.gt_s",
        "i8x16.gt_u", "i8x16.le_s", "i8x16.le_u", "i8x16.ge_s", "i8x16.ge_u", "i16x8.eq",
        "i16x8.ne", "i16x8.lt_s", "i16x8.lt_u", "i16x8.gt_s", "i16x8.gt_u", "i16x8.le_s",
        "i16x8.le_u", "i16x8.ge_s", "i16x8.ge_u", "i32x4.eq", "i32x4.ne", "i32x4.lt_s",
        "i32x4.lt_u", "i32x4.gt_s", "i32x4.gt_u", "i32x4.le_s", "i32x4.le_u", "i32x4.ge_s",
        "i32x4.ge_u", "i64x2.eq", "i64x2.ne", "i64x2.lt_s", "i64x2.gt_s", "i64x2.le_s",
        "i64x2.ge_s", "f32x4.eq", "f32x4.ne", "f32x4.lt", "f32x4.gt", "f32x4.le",
        "f32x4.ge", "f64x2.eq", "f64x2.ne", "f64x2.lt", "f64x2.gt", "f64x2.le", "f64x2.ge",
        "v128.and", "v128.andnot", "v128.or", "v128.xor", "i8x16.narrow_i16x8_s",
        "i8x16.narrow_i16x8_u", "i8x16.add", "i8x16.add_sat_s", "i8x16.add_sat_u",
        "i8x16.sub", "i8x16.sub_sat_s", "i8x16.sub_sat_u", "i8x16.min_s", "i8x16.min_u",
        "i8x16.max_s", "i8x16.max_u", "i8x16.avgr_u", "i16x8.q15mulr_sat_s",
        "i16x8.narrow_i32x4_s", "i16x8.narrow_i32x4_u", "i16x8.add", "i16x8.add_sat_s",
        "i16x8.add_sat_u", "i16x8.sub", "i16x8.sub_sat_s", "i16x8.sub_sat_u", "i16x8.mul",
        "i16x8.min_s", "i16x8.min_u", "i16x8.max_s", "i16x8.max_u", "i16x8.avgr_u",
        "i16x8.extmul_low_i8x16_s", "i16x8.extmul_high_i8x16_s", "i16x8.extmul_low_i8x16_u",
        "i16x8.extmul_high_i8x16_u", "i32x4.add", "i32x4.sub", "i32x4.mul", "i32x4.min_s",
        "i32x4.min_u", "i32x4.max_s", "i32x4.max_u", "i32x4.dot_i16x8_s",
        "i32x4.extmul_low_i16x8_s", "i32x4.extmul_high_i16x8_s", "i32x4.extmul_low_i16x8_u",
        "i32x4.extmul_high_i16x8_u", "i64x2.add", "i64x2.sub", "i64x2.mul",
        "i64x2.extmul_low_i32x4_s", "i64x2.extmul_high_i32x4_s", "i64x2.extmul_low_i32x4_u",
        "i64x2.extmul_high_i32x4_u", "f32x4.add", "f32x4.sub", "f32x4.mul", "f32x4.div",
        "f32x4.min", "f32x4.max", "f32x4.pmin", "f32x4.pmax", "f64x2.add", "f64x2.sub",
        "f64x2.mul", "f64x2.div", "f64x2.min", "f64x2.max", "f64x2.pmin", "f64x2.pmax",
    ];
    const UNARY: &[&str] = &[
        "v128.not", "i8x16.abs", "i8x16.neg", "i8x16.popcnt",
        "i16x8.extadd_pairwise_i8x16_s", "i16x8.extadd_pairwise_i8x16_u", "i16x8.abs",
        "i16x8.neg", "i16x8.extend_low_i8x16_s", "i16x8.extend_high_i8x16_s",
        "i16x8.extend_low_i8x16_u", "i16x8.extend_high_i8x16_u",
        "i32x4.extadd_pairwise_i16x8_s", "i32x4.extadd_pairwise_i16x8_u", "i32x4.abs",
        "i32x4.neg", "i32x4.extend_low_i16x8_s", "i32x4.extend_high_i16x8_s",
        "i32x4.extend_low_i16x8_u", "i32x4.extend_high_i16x8_u", "i64x2.abs", "i64x2.neg",
        "i64x2.extend_low_i32x4_s", "i64x2.extend_high_i32x4_s", "i64x2.extend_low_i32x4_u",
        "i64x2.extend_high_i32x4_u", "f32x4.ceil", "f32x4.floor", "f32x4.trunc",
        "f32x4.nearest", "f32x4.abs", "f32x4.neg", "f32x4.sqrt", "f64x2.ceil",
        "f64x2.floor", "f64x2.trunc", "f64x2.nearest", "f64x2.abs", "f64x2.neg",
        "f64x2.sqrt", "i32x4.trunc_sat_f32x4_s", "i32x4.trunc_sat_f32x4_u",
        "f32x4.convert_i32x4_s", "f32x4.convert_i32x4_u", "i32x4.trunc_sat_f64x2_s_zero",
        "i32x4.trunc_sat_f64x2_u_zero", "f64x2.convert_low_i32x4_s",
        "f64x2.convert_low_i32x4_u", "f32x4.demote_f64x2_zero", "f64x2.promote_low_f32x4",
    ];
    const TEST: &[&str] = &[
        "v128.any_true", "i8x16.all_true", "i8x16.bitmask", "i16x8.all_true",
        "i16x8.bitmask", "i32x4.all_true", "i32x4.bitmask", "i64x2.all_true",
        "i64x2.bitmask",
    ];
    const SHIFT: &[&str] = &[
        "i8x16.shl", "i8x16.shr_s", "i8x16.shr_u", "i16x8.shl", "i16x8.shr_s",
        "i16x8.shr_u", "i32x4.shl", "i32x4.shr_s", "i32x4.shr_u", "i64x2.shl",
        "i64x2.shr_s", "i64x2.shr_u",
    ];
    // (shape, scalar type, last lane)
    const LANES: &[(&str, &str, u32)] = &[
        ("i8x16", "i32", 15),
        ("i16x8", "i32", 7),
        ("i32x4", "i32", 3),
        ("i64x2", "i64", 1),
        ("f32x4", "f32", 3),
        ("f64x2", "f64", 1),
    ];
    const LOADS: &[&str] = &[
        "v128.load", "v128.load8x8_s", "v128.load8x8_u", "v128.load16x4_s",
        "v128.load16x4_u", "v128.load32x2_s", "v128.load32x2_u", "v128.load8_splat",
        "v128.load16_splat", "v128.load32_splat", "v128.load64_splat", "v128.load32_zero",
        "v128.load64_zero",
    ];
    const LANE_BITS: &[(u32, u32)] = &[(8, 15), (16, 7), (32, 3), (64, 1)];

    let mut ops = Vec::new();
    let mut op = |name: String, params: &'static str, result: &'static str, body: String| {
        ops.push((name, params, result, body))
    };
    let get = |n: u32| {
        (0..n)
            .map(|i| format!(" (local.get {i})"))
            .collect::<String>()
    };
    for &o in BINARY {
        op(o.into(), "v128 v128", "v128", format!("({o}{})", get(2)));
    }
    for &o in UNARY {
        op(o.into(), "v128", "v128", format!("({o}{})", get(1)));
    }
    for &o in TEST {
        op(o.into(), "v128", "i32", format!("({o}{})", get(1)));
    }
    for &o in SHIFT {
        op(o.into(), "v128 i32", "v128", format!("({o}{})", get(2)));
    }
    for &(shape, scalar, last) in LANES {
        let scalar: &'static str = scalar;
        op(
            format!("{shape}.splat"),
            scalar,
            "v128",
            format!("({shape}.splat{})", get(1)),
        );
        let extracts: &[&str] = if shape.starts_with("i8") || shape.starts_with("i16") {
            &["extract_lane_s", "extract_lane_u"]
        } else {
            &["extract_lane"]
        };
        for e in extracts {
            op(
                format!("{shape}.{e}"),
                "v128",
                scalar,
                format!("({shape}.{e} {last}{})", get(1)),
            );
        }
        let params: &'static str = match scalar {
            "i32" => "v128 i32",
            "i64" => "v128 i64",
            "f32" => "v128 f32",
            _ => "v128 f64",
        };
        op(
            format!("{shape}.replace_lane"),
            params,
            "v128",
            format!("({shape}.replace_lane {last}{})", get(2)),
        );
    }
    op(
        "v128.bitselect".into(),
        "v128 v128 v128",
        "v128",
        format!("(v128.bitselect{})", get(3)),
    );
    op(
        "i8x16.shuffle".into(),
        "v128 v128",
        "v128",
        format!(
            "(i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31{})",
            get(2)
        ),
    );
    op(
        "v128.const".into(),
        "",
        "v128",
        "(v128.const i32x4 1 -2 0x7fffffff 0x80000000)".into(),
    );
    for &o in LOADS {
        op(o.into(), "i32", "v128", format!("({o} offset=3{})", get(1)));
    }
    op(
        "v128.store".into(),
        "i32 v128",
        "",
        format!("(v128.store offset=5{})", get(2)),
    );
    for &(bits, last) in LANE_BITS {
        op(
            format!("v128.load{bits}_lane"),
            "i32 v128",
            "v128",
            format!("(v128.load{bits}_lane offset=7 {last}{})", get(2)),
        );
        op(
            format!("v128.store{bits}_lane"),
            "i32 v128",
            "",
            format!("(v128.store{bits}_lane offset=9 {last}{})", get(2)),
        );
    }
    ops
}

/// A module with one function per SIMD instruction, all kept alive (and apart) by
/// a table, plus v128 in locals, globals, blocks, `select`, calls and multi-value.
fn simd_module() -> String {
    let mut wat = String::from(
        r#"(module
  (memory 1)
  (global $gv (mut v128) (v128.const i64x2 1 2))
  (global $gc v128 (v128.const f32x4 1.5 -0 nan inf))
  (type $vv (func (param v128) (result v128)))
  (func $pair (param v128 i32) (result v128 v128 i32)
    (local.get 0) (global.get $gc) (local.get 1))
  (func $misc (param $a v128) (param $c i32) (result v128)
    (local $t v128)
    (local.set $t (select (local.get $a) (global.get $gv) (local.get $c)))
    (local.set $t (select (result v128) (local.get $t) (local.get $a) (local.get $c)))
    (global.set $gv (local.get $t))
    (drop (v128.load (i32.const 65530)))
    (call $pair (local.get $t) (local.get $c))
    drop
    local.get $c
    if (param v128 v128) (result v128)
      i64x2.add
    else
      drop
      block (param v128) (result v128)
        loop (param v128) (result v128)
          br 1
        end
      end
    end
    (call_indirect (type $vv) (i32.const 0)))
  (func $id (type $vv) (local.get 0))
"#,
    );
    let ops = simd_ops();
    for (name, params, result, body) in &ops {
        let params = if params.is_empty() {
            String::new()
        } else {
            format!(" (param {params})")
        };
        let result = if result.is_empty() {
            String::new()
        } else {
            format!(" (result {result})")
        };
        wat.push_str(&format!("  (func ${name}{params}{result} {body})\n"));
    }
    wat.push_str("  (table funcref (elem $id $misc");
    for (name, ..) in &ops {
        wat.push_str(&format!(" ${name}"));
    }
    wat.push_str("))\n  (func (export \"_start\")))\n");
    wat
}

/// The name of every SIMD operator of wasmparser (not relaxed SIMD).
fn wasmparser_simd_operators() -> Vec<&'static str> {
    macro_rules! names {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
            &[$((stringify!($proposal), stringify!($op))),*]
        };
    }
    let all: &[(&str, &str)] = wasmparser::for_each_operator!(names);
    all.iter()
        .filter(|(proposal, _)| *proposal == "simd")
        .map(|(_, op)| *op)
        .collect()
}

#[test]
fn simd_module_covers_every_simd_instruction() {
    let wasm = wat::parse_str(simd_module()).expect("SIMD WAT parses");
    let mut seen = std::collections::HashSet::new();
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut reader = body.get_operators_reader().unwrap();
            while !reader.eof() {
                let op = format!("{:?}", reader.read().unwrap());
                let name = op.split([' ', '{', '(']).next().unwrap().to_string();
                seen.insert(name);
            }
        }
    }
    let all = wasmparser_simd_operators();
    assert_eq!(all.len(), 236, "wasmparser's SIMD list changed");
    let missing: Vec<_> = all.iter().filter(|op| !seen.contains(**op)).collect();
    assert!(missing.is_empty(), "not covered: {missing:?}");
}

#[test]
fn simd_translates_at_every_level() {
    let wat = simd_module();
    for level in 0..=3 {
        let ir = compile_wat(&wat, level, Emit::LlvmIr).unwrap();
        let ir = String::from_utf8(ir).unwrap();
        assert!(ir.contains("define void @aotc_run_start"), "level {level}");
    }
    let obj = compile_wat(&wat, 2, Emit::Object).unwrap();
    assert_eq!(&obj[..4], b"\x7fELF");
}

/// The instructions of each function `wasm:<name>` in assembly text.
fn asm_functions(asm: &str) -> HashMap<String, Vec<String>> {
    let mut functions = HashMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in asm.lines() {
        if let Some(name) = line
            .strip_prefix("\"wasm:")
            .and_then(|l| l.strip_suffix("\":"))
        {
            if let Some((n, body)) = current.take() {
                functions.insert(n, body);
            }
            current = Some((name.to_string(), Vec::new()));
        } else if line.starts_with(".Lfunc_end") {
            if let Some((n, body)) = current.take() {
                functions.insert(n, body);
            }
        } else if let Some((_, body)) = current.as_mut() {
            let inst = line.split('#').next().unwrap_or("").trim();
            if !inst.is_empty() && !inst.starts_with('.') {
                body.push(inst.to_string());
            }
        }
    }
    functions
}

/// The functions of `wat` compiled at -O`level` for `cpu`, as [`asm_functions`].
fn asm_functions_at(wat: &str, level: u8, cpu: &str) -> HashMap<String, Vec<String>> {
    let mut o = opts(level, Emit::Assembly);
    o.target_cpu = cpu.to_string();
    let asm = compile(&wat::parse_str(wat).unwrap(), &o).unwrap();
    asm_functions(&String::from_utf8(asm).unwrap())
}

/// The mnemonic of one instruction of [`asm_functions`] (`movl` of `movl %eax, %ecx`).
fn mnemonic(instruction: &str) -> &str {
    instruction.split_whitespace().next().unwrap_or("")
}

/// Key SIMD instructions become the SSE/AVX instructions made for them, with only
/// the fix-ups wasm's semantics need. Mnemonics match with or without AVX's `v`.
#[test]
fn simd_lowers_to_sse_and_avx_instructions() {
    #[rustfmt::skip]
    const EXPECTED: &[(&str, &[&str])] = &[
        ("i32x4.add", &["paddd"]),
        ("i64x2.sub", &["psubq"]),
        ("i32x4.mul", &["pmulld"]),
        ("i8x16.add_sat_s", &["paddsb"]),
        ("i16x8.sub_sat_u", &["psubusw"]),
        ("i8x16.min_u", &["pminub"]),
        ("i32x4.max_s", &["pmaxsd"]),
        ("i8x16.avgr_u", &["pavgb"]),
        ("i16x8.avgr_u", &["pavgw"]),
        ("i8x16.abs", &["pabsb"]),
        // pshufb zeroes lanes whose index has bit 7 set: a saturating +0x70 first.
        ("i8x16.swizzle", &["paddusb", "pshufb"]),
        // pmulhrsw wraps 0x8000 × 0x8000 to 0x8000: compare and flip to 0x7fff.
        ("i16x8.q15mulr_sat_s", &["pmulhrsw", "pcmpeqw", "pxor"]),
        ("i32x4.dot_i16x8_s", &["pmaddwd"]),
        ("i16x8.extadd_pairwise_i8x16_s", &["pmaddubsw"]),
        ("i16x8.extadd_pairwise_i8x16_u", &["pmaddubsw"]),
        ("i32x4.extadd_pairwise_i16x8_s", &["pmaddwd"]),
        ("i64x2.extmul_low_i32x4_s", &["pmuldq"]),
        ("i64x2.extmul_high_i32x4_u", &["pmuludq"]),
        ("i8x16.narrow_i16x8_s", &["packsswb"]),
        ("i8x16.narrow_i16x8_u", &["packuswb"]),
        ("i16x8.narrow_i32x4_s", &["packssdw"]),
        ("i16x8.narrow_i32x4_u", &["packusdw"]),
        ("i16x8.extend_low_i8x16_s", &["pmovsxbw"]),
        ("i32x4.extend_low_i16x8_u", &["pmovzxwd"]),
        ("i8x16.bitmask", &["pmovmskb"]),
        ("i32x4.bitmask", &["movmskps"]),
        ("i64x2.bitmask", &["movmskpd"]),
        ("v128.any_true", &["ptest"]),
        ("i64x2.gt_s", &["pcmpgtq"]),
        ("i16x8.shl", &["psllw"]),
        ("i32x4.shr_s", &["psrad"]),
        ("i64x2.shr_u", &["psrlq"]),
        ("f32x4.add", &["addps"]),
        ("f64x2.div", &["divpd"]),
        ("f32x4.sqrt", &["sqrtps"]),
        ("f32x4.nearest", &["roundps"]),
        ("f64x2.floor", &["roundpd"]),
        // minps is not NaN-propagating: llvm.minimum's blends, then NaNs quieted.
        ("f32x4.min", &["minps", "cmpunordps"]),
        ("f64x2.max", &["maxpd", "cmpunordpd"]),
        ("f32x4.pmin", &["minps"]),
        ("f64x2.pmax", &["maxpd"]),
        ("f32x4.lt", &["cmpltps"]),
        ("i32x4.trunc_sat_f32x4_s", &["cvttps2dq"]),
        ("i32x4.trunc_sat_f64x2_s_zero", &["cvttpd2dq"]),
        ("f32x4.convert_i32x4_s", &["cvtdq2ps"]),
        ("f64x2.convert_low_i32x4_s", &["cvtdq2pd"]),
        ("f32x4.demote_f64x2_zero", &["cvtpd2ps"]),
        ("f64x2.promote_low_f32x4", &["cvtps2pd"]),
        ("v128.load", &["movups"]),
        ("v128.load8x8_u", &["pmovzxbw"]),
        ("v128.load16_lane", &["pinsrw"]),
        ("v128.store8_lane", &["pextrb"]),
        ("v128.bitselect", &["andnps"]),
    ];
    // Scalar code or calls in these would mean a vector was taken apart.
    const SCALAR: &[&str] = &["call", "cvttss2si", "cvttsd2si", "cvtsi2ss", "cvtsi2sd"];
    let wat = simd_module();
    for cpu in ["x86-64-v2", "x86-64-v3"] {
        let functions = asm_functions_at(&wat, 2, cpu);
        for (name, mnemonics) in EXPECTED {
            let body = functions
                .get(*name)
                .unwrap_or_else(|| panic!("{cpu}: no function {name}"));
            let has = |m: &str| {
                body.iter().any(|i| {
                    let op = mnemonic(i);
                    op == m || op.strip_prefix('v') == Some(m)
                })
            };
            for m in *mnemonics {
                assert!(has(m), "{cpu}: {name} has no {m}:\n{}", body.join("\n"));
            }
        }
        for (name, ..) in simd_ops() {
            let body = &functions[&name];
            for bad in SCALAR {
                assert!(
                    !body.iter().any(|i| i.starts_with(bad)),
                    "{cpu}: {name} uses {bad}:\n{}",
                    body.join("\n")
                );
            }
        }
    }
}

/// At the portable levels a wasm rotate is `rol`/`ror`, one fast instruction on
/// every x86-64 core, not LLVM's Intel-tuned `shld`/`shrd` (micro-coded on AMD Zen,
/// where it made SHA-256 1.7 × slower; see `target::extra_features`).
#[test]
fn rotates_are_rol_and_ror_at_the_portable_levels() {
    let wat = r#"(module
      (func $rotl32 (export "rotl32") (param i32) (result i32)
        (i32.rotl (local.get 0) (i32.const 7)))
      (func $rotr32 (export "rotr32") (param i32) (result i32)
        (i32.rotr (local.get 0) (i32.const 13)))
      (func $rotl64 (export "rotl64") (param i64) (result i64)
        (i64.rotl (local.get 0) (i64.const 27)))
      (func $rotr64 (export "rotr64") (param i64) (result i64)
        (i64.rotr (local.get 0) (i64.const 31)))
      (func (export "_start")))"#;
    for cpu in ["x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"] {
        let functions = asm_functions_at(wat, 2, cpu);
        for name in ["rotl32", "rotr32", "rotl64", "rotr64"] {
            let body = functions
                .get(name)
                .unwrap_or_else(|| panic!("{cpu}: no function {name}"));
            let ops: Vec<&str> = body.iter().map(|i| mnemonic(i)).collect();
            assert!(
                ops.iter()
                    .any(|op| op.starts_with("rol") || op.starts_with("ror")),
                "{cpu}: {name} does not rotate with rol/ror:\n{}",
                body.join("\n")
            );
            assert!(
                !ops.iter()
                    .any(|op| op.starts_with("shld") || op.starts_with("shrd")),
                "{cpu}: {name} rotates with a double shift:\n{}",
                body.join("\n")
            );
        }
    }
}

/// A `select` in a loop stays a `cmov` whatever the CPU: the LCS kernel's row
/// (benches/dp_lcs.c as clang emits it: the match is a branch, the `max` a select
/// on the loop-carried value) must not get a signed-compare branch. LLVM's cmov
/// converter made 5 of them at znver4 (the row unrolled five times), 3 at
/// sapphirerapids, 1 at x86-64-v3, and the kernel 2.9 x slower on Zen 4
/// (`emit::LLVM_OPTIONS`).
#[test]
fn loop_selects_stay_cmovs_on_every_cpu() {
    let wat = r#"(module
      (memory 3)
      (func $lcs_row (export "lcs_row") (param $c i32)
        (local $j i32) (local $t i32) (local $left i32) (local $up i32)
        (local.set $j (i32.const -48000))
        (local.set $t (i32.const 16))
        (loop $next
          (block $done
            (block $differ
              (br_if $differ (i32.ne (local.get $c) (i32.load8_u (local.get $t))))
              (local.set $left (i32.add (i32.load offset=75728 (local.get $j)) (i32.const 1)))
              (br $done))
            (local.set $left
              (select (local.tee $up (i32.load offset=75732 (local.get $j))) (local.get $left)
                      (i32.gt_s (local.get $up) (local.get $left)))))
          (i32.store offset=123748 (local.get $j) (local.get $left))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br_if $next (local.tee $j (i32.add (local.get $j) (i32.const 4))))))
      (func (export "_start")))"#;
    for cpu in [
        "x86-64-v2",
        "x86-64-v3",
        "znver3",
        "znver4",
        "sapphirerapids",
    ] {
        let functions = asm_functions_at(wat, 2, cpu);
        let body = &functions["lcs_row"];
        let ops: Vec<&str> = body.iter().map(|i| mnemonic(i)).collect();
        assert!(
            ops.iter().any(|op| op.starts_with("cmov")),
            "{cpu}: the max is not a cmov:\n{}",
            body.join("\n")
        );
        assert!(
            !ops.iter()
                .any(|op| matches!(*op, "jg" | "jge" | "jl" | "jle")),
            "{cpu}: a select became a branch:\n{}",
            body.join("\n")
        );
    }
}

/// `target::has_ssse3`/`has_sse41` must agree with LLVM for every CPU name aotc
/// accepts (the translator calls SSSE3 intrinsics only when told it may), and the
/// SIMD module must compile for the CPUs without them.
#[test]
fn cpu_feature_tables_agree_with_llvm() {
    let probe = r#"(module
      (func $abs (param v128) (result v128) (i8x16.abs (local.get 0)))
      (func $nearest (param v128) (result v128) (f32x4.nearest (local.get 0)))
      (table funcref (elem $abs $nearest))
      (func (export "_start")))"#;
    for cpu in crate::target::X86_64_CPUS {
        let functions = asm_functions_at(probe, 1, cpu);
        let uses = |f: &str, m: &str| functions[f].iter().any(|i| i.contains(m));
        assert_eq!(
            uses("abs", "pabsb"),
            crate::target::has_ssse3(cpu),
            "SSSE3 of {cpu}"
        );
        assert_eq!(
            uses("nearest", "roundps"),
            crate::target::has_sse41(cpu),
            "SSE4.1 of {cpu}"
        );
    }
    let wat = simd_module();
    for cpu in ["x86-64", "core2", "native"] {
        let mut o = opts(2, Emit::Object);
        o.target_cpu = cpu.to_string();
        compile(&wat::parse_str(&wat).unwrap(), &o).unwrap();
    }
}

/// Loops in the shapes clang gives wasm32 code without SIMD: a constant-trip loop over
/// global arrays that counts an i32 from -32768 up to 0 (unrolled twice, as clang's wasm
/// back end does), and a pointer loop over two arrays that may overlap.
const MVP_LOOPS: &str = r#"
(module
  (memory 2)
  (table 2 funcref)
  (elem (i32.const 0) $saxpy_globals $scale_pointers)
  (func $saxpy_globals (param $a f32)
    (local $i i32) (local $y i32)
    (local.set $i (i32.const -32768))
    (loop $l
      (local.tee $y (i32.add (local.get $i) (i32.const 66560)))
      (f32.add (f32.mul (local.get $a) (f32.load (i32.add (local.get $i) (i32.const 33792))))
               (f32.load (local.get $y)))
      f32.store
      (local.tee $y (i32.add (local.get $i) (i32.const 66564)))
      (f32.add (f32.mul (local.get $a) (f32.load (i32.add (local.get $i) (i32.const 33796))))
               (f32.load (local.get $y)))
      f32.store
      (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const 8))))))
  (func $scale_pointers (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (br_if $done (i32.lt_s (local.get $n) (i32.const 1)))
      (loop $l
        (f32.store (local.get $dst) (f32.mul (f32.load (local.get $src)) (f32.const 3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br_if $l (local.tee $n (i32.add (local.get $n) (i32.const -1)))))))
  (func (export "_start")
    (call_indirect (param f32) (f32.const 2) (i32.const 0))))
"#;

/// At -O2 the loop vectoriser turns both MVP loops into SSE code at the default CPU
/// (the early vectoriser run of `emit::pipeline`; before it, LLVM gave up on the first
/// once IndVarSimplify had widened its counter).
#[test]
fn mvp_loops_are_vectorised_at_o2() {
    let asm = compile_wat(MVP_LOOPS, 2, Emit::Assembly).expect("compiles");
    let functions = asm_functions(std::str::from_utf8(&asm).expect("assembly is text"));
    for name in ["saxpy_globals", "scale_pointers"] {
        let body = functions
            .get(name)
            .unwrap_or_else(|| panic!("no function {name} in the assembly"));
        assert!(
            body.iter().any(|i| i.starts_with("mulps")),
            "{name} has no packed multiply:\n{}",
            body.join("\n")
        );
    }
}

/// Text of function `name` in textual IR.
fn ir_function<'t>(ir: &'t str, name: &str) -> &'t str {
    let start = ir
        .find(&format!("@\"wasm:{name}\"("))
        .unwrap_or_else(|| panic!("no function {name} in the IR"));
    let end = ir[start..].find("\n}\n").map_or(ir.len(), |e| start + e);
    &ir[start..end]
}

/// After an access at `p`, `p + 8` is addressed as `zext(p) + 8` (address_facts);
/// without one it stays `zext(p + 16 mod 2^32)`. tests/spec/aotc/address_wrap.wast
/// checks both compute wasm's addresses.
#[test]
fn proven_sums_are_addressed_in_64_bits() {
    let wat = r#"(module
      (memory 1)
      (func $unproven (export "u") (param $p i32) (result i32)
        (i32.load8_u (i32.add (local.get $p) (i32.const 16))))
      (func $proven (export "p") (param $p i32) (result i32)
        (i32.add (i32.load8_u (local.get $p))
                 (i32.load8_u (i32.add (local.get $p) (i32.const 8)))))
      (func (export "_start")))"#;
    let ir = compile_wat(wat, 0, Emit::LlvmIr).expect("compiles");
    let ir = std::str::from_utf8(&ir).expect("IR is text");
    assert!(ir_function(ir, "proven").contains("add nuw i64"));
    assert!(!ir_function(ir, "unproven").contains("add nuw i64"));
    assert!(ir_function(ir, "unproven").contains("add i32"));
}
