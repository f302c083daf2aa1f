//! Spec-test values: wast arguments into 16-byte call slots, call slots back into
//! values, and the spec's matching rules for expected results (NaN patterns, v128
//! lanes, references).

use wasmparser::ValType;
use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// Bytes per call slot (see `aotc::translate::CALL_SLOT_BYTES`).
pub const SLOT: usize = 16;

/// Host references (`ref.extern N`) are passed as the pointer value N + 1, so that
/// `ref.extern 0` is not null.
fn extern_ref(n: u32) -> u64 {
    n as u64 + 1
}

/// A value as the harness sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
    V128(u128),
    Ref(u64),
}

impl Val {
    pub fn to_slot(self) -> [u8; SLOT] {
        let mut s = [0u8; SLOT];
        match self {
            Val::I32(v) | Val::F32(v) => s[..4].copy_from_slice(&v.to_le_bytes()),
            Val::I64(v) | Val::F64(v) | Val::Ref(v) => s[..8].copy_from_slice(&v.to_le_bytes()),
            Val::V128(v) => s.copy_from_slice(&v.to_le_bytes()),
        }
        s
    }

    pub fn from_slot(ty: ValType, s: &[u8]) -> Val {
        let u32_ = || u32::from_le_bytes(s[..4].try_into().unwrap());
        let u64_ = || u64::from_le_bytes(s[..8].try_into().unwrap());
        match ty {
            ValType::I32 => Val::I32(u32_()),
            ValType::I64 => Val::I64(u64_()),
            ValType::F32 => Val::F32(u32_()),
            ValType::F64 => Val::F64(u64_()),
            ValType::V128 => Val::V128(u128::from_le_bytes(s[..16].try_into().unwrap())),
            ValType::Ref(_) => Val::Ref(u64_()),
        }
    }
}

pub fn arg_value(arg: &WastArg) -> Result<Val, String> {
    let WastArg::Core(core) = arg else {
        return Err(format!("unsupported argument {arg:?}"));
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v as u32),
        WastArgCore::I64(v) => Val::I64(*v as u64),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(_) => Val::Ref(0),
        WastArgCore::RefExtern(n) => Val::Ref(extern_ref(*n)),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

/// Whether `got` satisfies `expected`.
pub fn matches(got: Val, expected: &WastRet) -> bool {
    match expected {
        WastRet::Core(core) => matches_core(got, core),
        _ => false,
    }
}

fn matches_core(got: Val, expected: &WastRetCore) -> bool {
    match (expected, got) {
        (WastRetCore::I32(e), Val::I32(g)) => *e as u32 == g,
        (WastRetCore::I64(e), Val::I64(g)) => *e as u64 == g,
        (WastRetCore::F32(p), Val::F32(g)) => f32_matches(p, g),
        (WastRetCore::F64(p), Val::F64(g)) => f64_matches(p, g),
        (WastRetCore::V128(p), Val::V128(g)) => v128_matches(p, g),
        (WastRetCore::RefNull(_), Val::Ref(g)) => g == 0,
        (WastRetCore::RefExtern(None), Val::Ref(g)) => g != 0,
        (WastRetCore::RefExtern(Some(n)), Val::Ref(g)) => g == extern_ref(*n),
        (WastRetCore::RefFunc(_), Val::Ref(g)) => g != 0,
        (WastRetCore::Either(options), _) => options.iter().any(|o| matches_core(got, o)),
        _ => false,
    }
}

fn f32_matches(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    let exp = 0x7f80_0000;
    let is_nan = bits & exp == exp && bits & 0x007f_ffff != 0;
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => is_nan && bits & 0x0040_0000 != 0,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    let exp = 0x7ff0_0000_0000_0000;
    let is_nan = bits & exp == exp && bits & 0x000f_ffff_ffff_ffff != 0;
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => is_nan && bits & 0x0008_0000_0000_0000 != 0,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    let b = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, &x)| b[i] == x as u8),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, &x)| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]) == x as u16),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, &x)| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()) == x as u32),
        V128Pattern::I64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, &x)| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap()) == x as u64),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, p)| {
            f32_matches(
                p,
                u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()),
            )
        }),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, p)| {
            f64_matches(
                p,
                u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap()),
            )
        }),
    }
}

/// Readable form of a result for failure messages.
pub fn show(v: Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{}", x as i32),
        Val::I64(x) => format!("i64:{}", x as i64),
        Val::F32(x) => format!("f32:{:#010x}({})", x, f32::from_bits(x)),
        Val::F64(x) => format!("f64:{:#018x}({})", x, f64::from_bits(x)),
        Val::V128(x) => format!("v128:{x:#034x}"),
        Val::Ref(x) => format!("ref:{x:#x}"),
    }
}
