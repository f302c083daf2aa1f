//! The contract of executables whose entry is an exported function instead of `_start`
//! (`aotc --invoke NAME`, `aotc --invoke-main NAME`): the runtime calls generated code
//! makes, how parameters and results travel between them, and the text form of wasm
//! values on the executable's command line and standard output.
//!
//! `--invoke NAME`: the generated `aotc_run_start` passes [`sym_invoke::ARGS`] the
//! export's name, its parameter types ([`InvokeType`] codes, one byte each) and a
//! buffer of [`SLOT_BYTES`]-byte slots; the runtime parses the executable's arguments
//! (argv\[1..\]) into the slots, or prints one error line and exits with
//! [`USAGE_STATUS`]. An export without parameters makes no such call: its arguments
//! are not parsed, only seen by the module through `args_get` (as under
//! `wasmtime run --invoke`). After `_initialize` and the call, generated code stores the
//! results into the slots and passes them with their types to
//! [`sym_invoke::RESULTS`], which prints one per line on stdout.
//!
//! `--invoke-main NAME`: generated code copies the arguments into guest memory itself
//! with the module's `malloc` and the runtime's own `args_sizes_get`/`args_get`; when
//! that fails it calls [`sym_invoke::MAIN_FAILED`] with a [`MainFailure`] code.
//!
//! Invariants: a slot holds a value's bits little-endian from its first byte (an i32 in
//! bytes 0..4, a v128 in all 16); the text form ([`parse`], [`format`]) round-trips
//! every value bit for bit, NaN payloads and signs included.

use core::fmt::Write as _;

/// Bytes per value slot (enough for a v128).
pub const SLOT_BYTES: usize = 16;

/// Exit status of an `--invoke` executable given the wrong number of arguments or an
/// argument that does not parse (the usual status of a usage error).
pub const USAGE_STATUS: i32 = 2;

/// Runtime symbols generated code calls for these entries.
pub mod sym_invoke {
    /// Runtime: `extern "C" fn(name: *const u8, types: *const u8, count: u32,
    /// slots: *mut u8)`. `name` is NUL-terminated (for messages); `types` holds `count`
    /// [`super::InvokeType`] codes; `slots` has room for `count` slots. Fills the slots
    /// from argv\[1..\] or exits with [`super::USAGE_STATUS`].
    pub const ARGS: &str = "aotc_rt_invoke_args";
    /// Runtime: `extern "C" fn(types: *const u8, count: u32, slots: *const u8)`.
    /// Prints each value on its own line on stdout, in the text form of
    /// [`super::format`].
    pub const RESULTS: &str = "aotc_rt_invoke_results";
    /// Runtime: `extern "C" fn(name: *const u8, failure: u32, detail: u32) -> !`.
    /// `--invoke-main` could not pass the arguments (`failure` is a
    /// [`super::MainFailure`]); prints one line and exits with the start-up error
    /// status (125).
    pub const MAIN_FAILED: &str = "aotc_rt_invoke_main_failed";
}

/// What went wrong copying the arguments for `--invoke-main`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MainFailure {
    /// The module's `malloc` returned 0; `detail` is the size asked for.
    Malloc = 1,
    /// `args_sizes_get` or `args_get` failed; `detail` is the WASI errno.
    Args = 2,
}

impl MainFailure {
    pub const fn from_u32(v: u32) -> Option<MainFailure> {
        match v {
            1 => Some(MainFailure::Malloc),
            2 => Some(MainFailure::Args),
            _ => None,
        }
    }
}

/// The value types an invoked function may take and return.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeType {
    I32 = 1,
    I64 = 2,
    F32 = 3,
    F64 = 4,
    V128 = 5,
}

impl InvokeType {
    pub const fn from_u8(v: u8) -> Option<InvokeType> {
        match v {
            1 => Some(InvokeType::I32),
            2 => Some(InvokeType::I64),
            3 => Some(InvokeType::F32),
            4 => Some(InvokeType::F64),
            5 => Some(InvokeType::V128),
            _ => None,
        }
    }

    /// The wasm name (`i32`, `f64`, …).
    pub const fn name(self) -> &'static str {
        match self {
            InvokeType::I32 => "i32",
            InvokeType::I64 => "i64",
            InvokeType::F32 => "f32",
            InvokeType::F64 => "f64",
            InvokeType::V128 => "v128",
        }
    }

    /// Bytes of the value in its slot.
    pub const fn size(self) -> usize {
        match self {
            InvokeType::I32 | InvokeType::F32 => 4,
            InvokeType::I64 | InvokeType::F64 => 8,
            InvokeType::V128 => 16,
        }
    }

    /// What [`parse`] accepts for this type, for error messages.
    pub const fn accepted(self) -> &'static str {
        match self {
            InvokeType::I32 => "decimal -2147483648..4294967295 or hex 0x0..0xffffffff",
            InvokeType::I64 => {
                "decimal -9223372036854775808..18446744073709551615 or hex up to 16 digits"
            }
            InvokeType::F32 | InvokeType::F64 => {
                "a decimal number such as 1.5 or -2e-3, inf, -inf, nan, or nan:0xPAYLOAD"
            }
            InvokeType::V128 => "hex 0x... up to 32 digits (lane 0 in the low bits) or decimal",
        }
    }
}

/// Why an argument did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Not a number of this type's syntax.
    Syntax,
    /// A number, but not representable in the type.
    Range,
}

/// Parses the text form of a value of type `ty` into its bits (little-endian in the
/// low bytes of the result).
///
/// Integers: optional sign, then decimal digits or `0x`/`0X` and hex digits. A value
/// fits if it is in the signed or the unsigned range of its width (so `-1` and
/// `4294967295` are the same i32), as in WebAssembly text. Floats: decimal numbers
/// rounded to nearest (`1.5`, `-2e-3`, `.5`), `inf`/`infinity`, `nan` (the canonical
/// quiet NaN), `nan:0xPAYLOAD` (any non-zero payload), each with an optional sign; a
/// finite number too large for the type is a range error, not infinity. v128: an
/// unsigned 128-bit number, hex or decimal.
pub fn parse(ty: InvokeType, text: &str) -> Result<u128, ParseError> {
    match ty {
        InvokeType::I32 => parse_int(text, 32),
        InvokeType::I64 => parse_int(text, 64),
        InvokeType::V128 => {
            if text.starts_with(['-', '+']) {
                return Err(ParseError::Syntax);
            }
            parse_int(text, 128)
        }
        InvokeType::F32 => parse_float(text, FloatFormat::F32),
        InvokeType::F64 => parse_float(text, FloatFormat::F64),
    }
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn strip_hex_prefix(text: &str) -> Option<&str> {
    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
}

/// An unsigned magnitude in decimal or `0x` hex; `None` on a syntax error,
/// `Some(None)` when it exceeds 128 bits.
fn magnitude(text: &str) -> Option<Option<u128>> {
    let (digits, radix) = match strip_hex_prefix(text) {
        Some(h) => (h, 16),
        None => (text, 10),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: Option<u128> = Some(0);
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        v = v
            .and_then(|v| v.checked_mul(u128::from(radix)))
            .and_then(|v| v.checked_add(u128::from(d)));
    }
    Some(v)
}

fn parse_int(text: &str, bits: u32) -> Result<u128, ParseError> {
    let (negative, rest) = split_sign(text);
    let mag = magnitude(rest)
        .ok_or(ParseError::Syntax)?
        .ok_or(ParseError::Range)?;
    let mask = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if negative {
        if mag > 1u128 << (bits - 1) {
            return Err(ParseError::Range);
        }
        Ok(mag.wrapping_neg() & mask)
    } else if mag > mask {
        Err(ParseError::Range)
    } else {
        Ok(mag)
    }
}

#[derive(Clone, Copy)]
enum FloatFormat {
    F32,
    F64,
}

impl FloatFormat {
    const fn mantissa_bits(self) -> u32 {
        match self {
            FloatFormat::F32 => 23,
            FloatFormat::F64 => 52,
        }
    }

    const fn width(self) -> u32 {
        match self {
            FloatFormat::F32 => 32,
            FloatFormat::F64 => 64,
        }
    }

    /// Bits of +infinity (all exponent bits set, mantissa zero).
    const fn infinity(self) -> u128 {
        match self {
            FloatFormat::F32 => 0x7f80_0000,
            FloatFormat::F64 => 0x7ff0_0000_0000_0000,
        }
    }

    const fn sign(self) -> u128 {
        1u128 << (self.width() - 1)
    }

    const fn mantissa_mask(self) -> u128 {
        (1u128 << self.mantissa_bits()) - 1
    }

    /// The canonical NaN's payload: only the quiet bit.
    const fn canonical_payload(self) -> u128 {
        1u128 << (self.mantissa_bits() - 1)
    }
}

fn parse_float(text: &str, f: FloatFormat) -> Result<u128, ParseError> {
    let (negative, rest) = split_sign(text);
    let sign = if negative { f.sign() } else { 0 };
    let nan = rest.get(..3).filter(|p| p.eq_ignore_ascii_case("nan"));
    if nan.is_some() {
        let payload = match &rest[3..] {
            "" => f.canonical_payload(),
            tail => {
                let hex = tail
                    .strip_prefix(':')
                    .and_then(strip_hex_prefix)
                    .ok_or(ParseError::Syntax)?;
                if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(ParseError::Syntax);
                }
                let p = magnitude(&rest[4..])
                    .ok_or(ParseError::Syntax)?
                    .ok_or(ParseError::Range)?;
                if p == 0 || p > f.mantissa_mask() {
                    return Err(ParseError::Range);
                }
                p
            }
        };
        return Ok(sign | f.infinity() | payload);
    }
    // Only the decimal syntax is left to core's parser: no second sign, no hex.
    if rest.starts_with(['-', '+']) || rest.is_empty() {
        return Err(ParseError::Syntax);
    }
    let is_inf = rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity");
    if !is_inf
        && !rest
            .bytes()
            .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
    {
        return Err(ParseError::Syntax);
    }
    let bits = match f {
        FloatFormat::F32 => {
            let v: f32 = rest.parse().map_err(|_| ParseError::Syntax)?;
            if v.is_infinite() && !is_inf {
                return Err(ParseError::Range);
            }
            u128::from(v.to_bits())
        }
        FloatFormat::F64 => {
            let v: f64 = rest.parse().map_err(|_| ParseError::Syntax)?;
            if v.is_infinite() && !is_inf {
                return Err(ParseError::Range);
            }
            u128::from(v.to_bits())
        }
    };
    Ok(sign | bits)
}

/// The longest text [`format`] writes (a v128: `0x` and 32 digits; a float's shortest
/// round-trip form is under 30 bytes).
pub const MAX_TEXT: usize = 40;

/// A small fixed buffer [`format`] writes into.
pub struct TextBuf {
    bytes: [u8; 64],
    len: usize,
}

impl TextBuf {
    pub const fn new() -> TextBuf {
        TextBuf {
            bytes: [0; 64],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn as_str(&self) -> &str {
        // Only whole `&str`s are ever written.
        core::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

impl Default for TextBuf {
    fn default() -> Self {
        TextBuf::new()
    }
}

impl core::fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(core::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes the text form of a value: integers in signed decimal (as `wasmtime run
/// --invoke` prints them); floats in the shortest decimal form that reads back to the
/// same bits (`1.0`, `-0.0`, `0.1`, `1e300`), `inf`, `-inf`, `nan` for the canonical
/// NaN and `nan:0x…` for any other payload, `-` first when the sign bit is set; a v128
/// as `0x` and 32 hex digits. [`parse`] reads every output back to the same bits.
pub fn format(ty: InvokeType, bits: u128) -> TextBuf {
    let mut out = TextBuf::new();
    // The buffer holds the longest form (MAX_TEXT), so writing cannot fail.
    let _ = match ty {
        InvokeType::I32 => write!(out, "{}", bits as u32 as i32),
        InvokeType::I64 => write!(out, "{}", bits as u64 as i64),
        InvokeType::V128 => write!(out, "0x{bits:032x}"),
        InvokeType::F32 => format_float(&mut out, bits & 0xffff_ffff, FloatFormat::F32),
        InvokeType::F64 => format_float(&mut out, bits & u128::from(u64::MAX), FloatFormat::F64),
    };
    out
}

fn format_float(out: &mut TextBuf, bits: u128, f: FloatFormat) -> core::fmt::Result {
    let negative = bits & f.sign() != 0;
    let magnitude = bits & !f.sign();
    if magnitude > f.infinity() {
        let payload = magnitude & f.mantissa_mask();
        if negative {
            out.write_str("-")?;
        }
        return if payload == f.canonical_payload() {
            out.write_str("nan")
        } else {
            write!(out, "nan:0x{payload:x}")
        };
    }
    match f {
        FloatFormat::F32 => write!(out, "{:?}", f32::from_bits(bits as u32)),
        FloatFormat::F64 => write!(out, "{:?}", f64::from_bits(bits as u64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InvokeType::*;

    fn p(ty: InvokeType, s: &str) -> Result<u128, ParseError> {
        parse(ty, s)
    }

    fn f(ty: InvokeType, bits: u128) -> alloc::string::String {
        alloc::string::String::from(format(ty, bits).as_str())
    }

    #[test]
    fn integers_parse_in_signed_or_unsigned_range() {
        assert_eq!(p(I32, "0"), Ok(0));
        assert_eq!(p(I32, "-1"), Ok(0xffff_ffff));
        assert_eq!(p(I32, "4294967295"), Ok(0xffff_ffff));
        assert_eq!(p(I32, "+7"), Ok(7));
        assert_eq!(p(I32, "-2147483648"), Ok(0x8000_0000));
        assert_eq!(p(I32, "0xff"), Ok(255));
        assert_eq!(p(I32, "0XFFFFFFFF"), Ok(0xffff_ffff));
        assert_eq!(p(I32, "-0x1"), Ok(0xffff_ffff));
        assert_eq!(p(I32, "4294967296"), Err(ParseError::Range));
        assert_eq!(p(I32, "-2147483649"), Err(ParseError::Range));
        assert_eq!(p(I32, "0x100000000"), Err(ParseError::Range));
        for bad in [
            "", "-", "0x", "1.0", "12x", " 1", "1 ", "--1", "1_000", "0b1",
        ] {
            assert_eq!(p(I32, bad), Err(ParseError::Syntax), "{bad:?}");
        }
        assert_eq!(p(I64, "-9223372036854775808"), Ok(1 << 63));
        assert_eq!(p(I64, "18446744073709551615"), Ok(u64::MAX as u128));
        assert_eq!(p(I64, "18446744073709551616"), Err(ParseError::Range));
        assert_eq!(
            p(I64, "99999999999999999999999999999999999999999"),
            Err(ParseError::Range)
        );
    }

    #[test]
    fn v128_is_unsigned() {
        assert_eq!(p(V128, "0x1"), Ok(1));
        assert_eq!(
            p(V128, &alloc::format!("0x{}", "f".repeat(32))),
            Ok(u128::MAX)
        );
        assert_eq!(
            p(V128, &alloc::format!("0x1{}", "0".repeat(32))),
            Err(ParseError::Range)
        );
        assert_eq!(p(V128, "-1"), Err(ParseError::Syntax));
        assert_eq!(f(V128, 1), alloc::format!("0x{}1", "0".repeat(31)));
    }

    #[test]
    fn floats_parse() {
        assert_eq!(p(F32, "1.5"), Ok(u128::from(1.5f32.to_bits())));
        assert_eq!(p(F32, "-0"), Ok(0x8000_0000));
        assert_eq!(p(F64, "-2e-3"), Ok(u128::from((-2e-3f64).to_bits())));
        assert_eq!(p(F64, ".5"), Ok(u128::from(0.5f64.to_bits())));
        assert_eq!(p(F32, "inf"), Ok(0x7f80_0000));
        assert_eq!(p(F32, "-Infinity"), Ok(0xff80_0000));
        assert_eq!(p(F32, "nan"), Ok(0x7fc0_0000));
        assert_eq!(p(F32, "-nan"), Ok(0xffc0_0000));
        assert_eq!(p(F32, "nan:0x1"), Ok(0x7f80_0001));
        assert_eq!(p(F64, "NaN"), Ok(0x7ff8_0000_0000_0000));
        assert_eq!(p(F64, "-nan:0xf"), Ok(0xfff0_0000_0000_000f));
        assert_eq!(p(F32, "1e39"), Err(ParseError::Range));
        assert_eq!(p(F32, "nan:0x0"), Err(ParseError::Range));
        assert_eq!(p(F32, "nan:0x800000"), Err(ParseError::Range));
        for bad in [
            "", "x", "1.5f", "0x1p3", "--1", "nan:", "nan:1", "nanx", "+-1", "1,5",
        ] {
            assert_eq!(p(F64, bad), Err(ParseError::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(f(I32, 0xffff_ffff), "-1");
        assert_eq!(f(I32, 0x7fff_ffff), "2147483647");
        assert_eq!(f(I64, u128::from(u64::MAX)), "-1");
        assert_eq!(f(F32, u128::from(1.5f32.to_bits())), "1.5");
        assert_eq!(f(F64, u128::from(1.0f64.to_bits())), "1.0");
        assert_eq!(f(F64, u128::from((-0.0f64).to_bits())), "-0.0");
        assert_eq!(f(F64, u128::from(1e300f64.to_bits())), "1e300");
        assert_eq!(f(F32, u128::from(0.1f32.to_bits())), "0.1");
        assert_eq!(f(F32, 0x7f80_0000), "inf");
        assert_eq!(f(F64, 0xfff0_0000_0000_0000), "-inf");
        assert_eq!(f(F32, 0x7fc0_0000), "nan");
        assert_eq!(f(F32, 0xffc0_0000), "-nan");
        assert_eq!(f(F32, 0x7fa0_0000), "nan:0x200000");
        assert_eq!(f(F64, 0x7ff0_0000_0000_0001), "nan:0x1");
    }

    #[test]
    fn text_round_trips_bit_for_bit() {
        let f32s: [u32; 10] = [
            0,
            0x8000_0000,
            1,
            0x7f7f_ffff,
            0x3dcc_cccd,
            0x7f80_0000,
            0xff80_0000,
            0x7fc0_0000,
            0xffa0_0001,
            0x0080_0000,
        ];
        for b in f32s {
            let text = f(F32, u128::from(b));
            assert!(text.len() <= MAX_TEXT);
            assert_eq!(p(F32, &text), Ok(u128::from(b)), "{text}");
        }
        let f64s: [u64; 8] = [
            0,
            1,
            0x7fef_ffff_ffff_ffff,
            0x8000_0000_0000_0001,
            0x3fb9_9999_9999_999a,
            0x7ff8_0000_0000_0000,
            0xfff4_0000_0000_0000,
            0x0010_0000_0000_0000,
        ];
        for b in f64s {
            let text = f(F64, u128::from(b));
            assert!(text.len() <= MAX_TEXT);
            assert_eq!(p(F64, &text), Ok(u128::from(b)), "{text}");
        }
        for b in [0u128, 1, u128::from(u32::MAX), 0x8000_0000] {
            assert_eq!(p(I32, &f(I32, b)), Ok(b));
        }
        for b in [0u128, u128::from(u64::MAX), 1 << 63] {
            assert_eq!(p(I64, &f(I64, b)), Ok(b));
        }
        assert_eq!(p(V128, &f(V128, u128::MAX)), Ok(u128::MAX));
    }

    #[test]
    fn codes_round_trip() {
        for t in [I32, I64, F32, F64, V128] {
            assert_eq!(InvokeType::from_u8(t as u8), Some(t));
        }
        assert_eq!(InvokeType::from_u8(0), None);
        assert_eq!(MainFailure::from_u32(2), Some(MainFailure::Args));
        assert_eq!(MainFailure::from_u32(9), None);
    }
}
