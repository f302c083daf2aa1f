//! Small LLVM helpers inkwell does not offer, in one place: exact float constants
//! from bit patterns (NaN payloads and signalling NaNs preserved), branch hints, and
//! the attributes that turn optimisation off for one function.

use inkwell::context::Context;
use inkwell::types::AsTypeRef;
use inkwell::values::{AsValueRef, FloatValue};

/// An `f32` constant with exactly these bits.
pub(crate) fn f32_from_bits(llcx: &Context, bits: u32) -> FloatValue<'_> {
    let int = llcx.i32_type().const_int(bits as u64, false);
    // SAFETY: bitcast of an i32 constant to float is a valid constant expression of
    // the same context; the result is a float constant.
    unsafe {
        FloatValue::new(llvm_sys::core::LLVMConstBitCast(
            int.as_value_ref(),
            llcx.f32_type().as_type_ref(),
        ))
    }
}

/// An `f64` constant with exactly these bits.
pub(crate) fn f64_from_bits(llcx: &Context, bits: u64) -> FloatValue<'_> {
    let int = llcx.i64_type().const_int(bits, false);
    // SAFETY: as above, for i64 to double.
    unsafe {
        FloatValue::new(llvm_sys::core::LLVMConstBitCast(
            int.as_value_ref(),
            llcx.f64_type().as_type_ref(),
        ))
    }
}

/// A v128 constant with exactly these bits, in the canonical vector type `ty`
/// (little-endian lane order, as wasm stores it).
pub(crate) fn v128_from_bits<'ctx>(
    llcx: &'ctx Context,
    ty: inkwell::types::BasicTypeEnum<'ctx>,
    bits: u128,
) -> inkwell::values::BasicValueEnum<'ctx> {
    let i128t = llcx.i128_type();
    let words = [bits as u64, (bits >> 64) as u64];
    let int = i128t.const_int_arbitrary_precision(&words);
    // SAFETY: bitcast between same-sized first-class types of one context.
    unsafe {
        inkwell::values::BasicValueEnum::new(llvm_sys::core::LLVMConstBitCast(
            int.as_value_ref(),
            ty.as_type_ref(),
        ))
    }
}

/// The value of a float if it is a plain floating-point constant (`ConstantFP`).
/// inkwell's `get_constant` crashes on other constants (constant expressions,
/// poison), so check the kind first.
pub(crate) fn const_float_value(v: FloatValue<'_>) -> Option<f64> {
    // SAFETY: LLVMIsAConstantFP only inspects the value's kind.
    let is_fp = unsafe { !llvm_sys::core::LLVMIsAConstantFP(v.as_value_ref()).is_null() };
    if is_fp {
        v.get_constant().map(|(c, _)| c)
    } else {
        None
    }
}

/// Marks `f` `optnone noinline`: the IR optimisers leave it as translated, and the
/// code generator selects its instructions with the fast, linear-time selector.
pub(crate) fn set_optnone<'ctx>(llcx: &'ctx Context, f: inkwell::values::FunctionValue<'ctx>) {
    use inkwell::attributes::{Attribute, AttributeLoc};
    for name in ["optnone", "noinline"] {
        let kind = Attribute::get_named_enum_kind_id(name);
        f.add_attribute(AttributeLoc::Function, llcx.create_enum_attribute(kind, 0));
    }
}
