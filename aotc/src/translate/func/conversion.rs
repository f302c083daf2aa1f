//! Conversion instructions: wrap/extend, float↔int (trapping and saturating),
//! promote/demote, reinterpret, sign extension.
//!
//! Trapping truncation checks NaN first ("invalid conversion to integer"), then the
//! range ("integer overflow"), so `fptosi`/`fptoui` only ever see values whose
//! truncation fits: LLVM's out-of-range conversion is poison, never a trap.
//! Saturating truncation is `llvm.fpto[su]i.sat`, which has wasm's semantics.

use anyhow::Result;
use inkwell::types::{BasicTypeEnum, FloatType, IntType};
use inkwell::values::{FloatValue, IntValue};
use inkwell::FloatPredicate;
use wasmparser::Operator;

use super::FuncTranslator;
use aotc_abi::trap::TrapCode;

impl<'c, 'a, 'ctx> FuncTranslator<'c, 'a, 'ctx> {
    pub(super) fn translate_conversion(&mut self, op: &Operator<'a>) -> Result<bool> {
        use Operator as O;
        let llcx = self.m.llcx;
        let (i32t, i64t, f32t, f64t) = (
            llcx.i32_type(),
            llcx.i64_type(),
            llcx.f32_type(),
            llcx.f64_type(),
        );
        match *op {
            O::I32WrapI64 => {
                let x = self.pop_int();
                let v = self.b.build_int_truncate(x, i32t, "")?;
                self.push(v);
            }
            O::I64ExtendI32S | O::I64ExtendI32U => {
                let x = self.pop_int();
                let v = if matches!(op, O::I64ExtendI32S) {
                    self.b.build_int_s_extend(x, i64t, "")?
                } else {
                    self.b.build_int_z_extend(x, i64t, "")?
                };
                self.push(v);
            }
            O::I32TruncF32S | O::I32TruncF64S => self.trunc_trapping(i32t, true)?,
            O::I32TruncF32U | O::I32TruncF64U => self.trunc_trapping(i32t, false)?,
            O::I64TruncF32S | O::I64TruncF64S => self.trunc_trapping(i64t, true)?,
            O::I64TruncF32U | O::I64TruncF64U => self.trunc_trapping(i64t, false)?,
            O::I32TruncSatF32S | O::I32TruncSatF64S => self.trunc_saturating(i32t, true)?,
            O::I32TruncSatF32U | O::I32TruncSatF64U => self.trunc_saturating(i32t, false)?,
            O::I64TruncSatF32S | O::I64TruncSatF64S => self.trunc_saturating(i64t, true)?,
            O::I64TruncSatF32U | O::I64TruncSatF64U => self.trunc_saturating(i64t, false)?,
            O::F32ConvertI32S | O::F32ConvertI64S => self.int_to_float(f32t, true)?,
            O::F32ConvertI32U | O::F32ConvertI64U => self.int_to_float(f32t, false)?,
            O::F64ConvertI32S | O::F64ConvertI64S => self.int_to_float(f64t, true)?,
            O::F64ConvertI32U | O::F64ConvertI64U => self.int_to_float(f64t, false)?,
            O::F32DemoteF64 => {
                let mut x = self.pop().into_float_value();
                // LLVM folds demote(promote(y)) to y, passing a signalling NaN
                // through unquieted; keep the round trip.
                if x.as_instruction()
                    .is_some_and(|i| i.get_opcode() == inkwell::values::InstructionOpcode::FPExt)
                {
                    x = self.opaque_float(x)?;
                }
                let v = self.b.build_float_trunc(x, f32t, "")?;
                self.push(v);
            }
            O::F64PromoteF32 => {
                let x = self.pop().into_float_value();
                let v = self.b.build_float_ext(x, f64t, "")?;
                self.push(v);
            }
            O::I32ReinterpretF32 => self.reinterpret(i32t.into())?,
            O::I64ReinterpretF64 => self.reinterpret(i64t.into())?,
            O::F32ReinterpretI32 => self.reinterpret(f32t.into())?,
            O::F64ReinterpretI64 => self.reinterpret(f64t.into())?,
            O::I32Extend8S | O::I64Extend8S => self.sign_extend_from(8)?,
            O::I32Extend16S | O::I64Extend16S => self.sign_extend_from(16)?,
            O::I64Extend32S => self.sign_extend_from(32)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn trunc_trapping(&mut self, to: IntType<'ctx>, signed: bool) -> Result<()> {
        let x = self.pop().into_float_value();
        let is_nan = self.b.build_float_compare(FloatPredicate::UNO, x, x, "")?;
        self.trap_if(is_nan, TrapCode::BadConversionToInteger)?;
        let in_range = self.trunc_in_range(x, to.get_bit_width(), signed)?;
        let out_of_range = self.b.build_not(in_range, "")?;
        self.trap_if(out_of_range, TrapCode::IntegerOverflow)?;
        let v = if signed {
            self.b.build_float_to_signed_int(x, to, "")?
        } else {
            self.b.build_float_to_unsigned_int(x, to, "")?
        };
        self.push(v);
        Ok(())
    }

    /// `true` when truncating `x` (not NaN) toward zero fits the integer type.
    fn trunc_in_range(
        &self,
        x: FloatValue<'ctx>,
        bits: u32,
        signed: bool,
    ) -> Result<IntValue<'ctx>> {
        let fty: FloatType = x.get_type();
        let is_f64 = fty == self.m.llcx.f64_type();
        let pow2 = |e: u32| 2f64.powi(e as i32);
        // Lower bound: the largest value below the range that is exactly
        // representable (exclusive), or the minimum itself (inclusive).
        let (lower, lower_inclusive) = match (signed, bits, is_f64) {
            (false, _, _) => (-1.0, false),
            (true, 32, true) => (-pow2(31) - 1.0, false),
            (true, _, _) => (-pow2(bits - 1), true),
        };
        let upper = if signed { pow2(bits - 1) } else { pow2(bits) };
        let lower_pred = if lower_inclusive {
            FloatPredicate::OGE
        } else {
            FloatPredicate::OGT
        };
        let above = self
            .b
            .build_float_compare(lower_pred, x, fty.const_float(lower), "")?;
        let below =
            self.b
                .build_float_compare(FloatPredicate::OLT, x, fty.const_float(upper), "")?;
        Ok(self.b.build_and(above, below, "")?)
    }

    fn trunc_saturating(&mut self, to: IntType<'ctx>, signed: bool) -> Result<()> {
        let x = self.pop();
        let name = if signed {
            "llvm.fptosi.sat"
        } else {
            "llvm.fptoui.sat"
        };
        let v = self.call_intrinsic(name, &[to.into(), x.get_type()], &[x])?;
        self.push(v);
        Ok(())
    }

    fn int_to_float(&mut self, to: FloatType<'ctx>, signed: bool) -> Result<()> {
        let x = self.pop_int();
        let v = if signed {
            self.b.build_signed_int_to_float(x, to, "")?
        } else {
            self.b.build_unsigned_int_to_float(x, to, "")?
        };
        self.push(v);
        Ok(())
    }

    fn reinterpret(&mut self, to: BasicTypeEnum<'ctx>) -> Result<()> {
        let x = self.pop();
        let v = self.b.build_bit_cast(x, to, "")?;
        self.push(v);
        Ok(())
    }

    fn sign_extend_from(&mut self, bits: u32) -> Result<()> {
        let x = self.pop_int();
        let narrow = self.int_type(bits);
        let t = self.b.build_int_truncate(x, narrow, "")?;
        let v = self.b.build_int_s_extend(t, x.get_type(), "")?;
        self.push(v);
        Ok(())
    }
}
