//! Keeps out-of-bounds loads whose value wasm discards (sandbox semantics).
//!
//! Loads carry no bounds check: an out-of-bounds access traps by faulting on the
//! guard region. LLVM, however, deletes a load whose value is unused, and with it the
//! trap wasm requires (`(drop (i32.load <oob>))` must trap). Marking every load
//! volatile would keep them all but costs LICM, CSE and vectorisation, so only values
//! that wasm itself discards are treated: dropped values, values written to locals
//! that are never read, and values written to globals that are never read. The loads
//! feeding such a value (through pure arithmetic, selects, phis and intrinsic calls)
//! become volatile; everything else keeps full optimisation.
//!
//! Known limit: a load that becomes dead only after optimisation for other reasons
//! (e.g. multiplied by zero, or read from a local only on paths never taken) can
//! still lose its trap.

use std::collections::HashSet;

use inkwell::values::{BasicValueEnum, InstructionOpcode, InstructionValue};

/// Operand walks stop at this depth; real discarded expressions are shallow.
const MAX_DEPTH: u32 = 32;

/// Marks the loads that `value` is computed from volatile.
pub(crate) fn preserve_loads(value: BasicValueEnum<'_>) {
    let mut seen = HashSet::new();
    if let Some(inst) = instruction_of(value) {
        walk(inst, 0, &mut seen);
    }
}

fn instruction_of(value: BasicValueEnum<'_>) -> Option<InstructionValue<'_>> {
    match value {
        BasicValueEnum::IntValue(v) => v.as_instruction(),
        BasicValueEnum::FloatValue(v) => v.as_instruction(),
        BasicValueEnum::PointerValue(v) => v.as_instruction(),
        BasicValueEnum::VectorValue(v) => v.as_instruction(),
        BasicValueEnum::StructValue(v) => v.as_instruction(),
        BasicValueEnum::ArrayValue(v) => v.as_instruction(),
        BasicValueEnum::ScalableVectorValue(v) => v.as_instruction(),
    }
}

fn walk<'ctx>(
    inst: InstructionValue<'ctx>,
    depth: u32,
    seen: &mut HashSet<InstructionValue<'ctx>>,
) {
    if depth > MAX_DEPTH || !seen.insert(inst) {
        return;
    }
    match inst.get_opcode() {
        InstructionOpcode::Load => {
            // A local is an alloca that mem2reg turns into SSA values; a volatile
            // load would block that, and it cannot trap anyway.
            let from_local = inst
                .get_operand(0)
                .and_then(|o| o.value())
                .and_then(instruction_of)
                .is_some_and(|p| p.get_opcode() == InstructionOpcode::Alloca);
            if !from_local {
                let _ = inst.set_volatile(true);
            }
            return;
        }
        InstructionOpcode::Call => {
            // A call to a wasm or runtime function is kept anyway; an intrinsic
            // (ctpop, minimum, fptosi.sat …) is pure and can vanish with its inputs.
            let is_intrinsic = inst
                .get_operand(inst.get_num_operands() - 1)
                .and_then(|o| o.value())
                .map(|callee| {
                    callee.is_pointer_value()
                        && callee
                            .into_pointer_value()
                            .get_name()
                            .to_bytes()
                            .starts_with(b"llvm.")
                })
                .unwrap_or(false);
            if !is_intrinsic {
                return;
            }
        }
        InstructionOpcode::Store | InstructionOpcode::Alloca => return,
        _ => {}
    }
    for i in 0..inst.get_num_operands() {
        if let Some(v) = inst.get_operand(i).and_then(|o| o.value()) {
            if let Some(op) = instruction_of(v) {
                walk(op, depth + 1, seen);
            }
        }
    }
}
