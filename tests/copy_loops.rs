//! Loops that only copy or fill memory get a guarded memmove/memset shortcut
//! (`aotc-copy-loops` in aotc/llvm/passes.cpp) and keep wasm's semantics: the guest
//! (tests/guests/loops/copy_loops.c) copies forward and backward between ranges
//! overlapping at every distance from -70 to 70 bytes, with elements of 1 to 8 bytes,
//! unrolled and plain, and fills with values that repeat one byte and values that do
//! not, and copies nested in loops that supply their bounds (Yosys's vector inserts
//! were miscompiled by the first version of the pass: its new blocks were missing from
//! LoopInfo, and the SCEV expander's LCSSA repair then used values that do not
//! dominate them); aotc's output at -O2 and -O3, default and host CPU, must be
//! Wasmtime's. The IR check proves the shortcut is there (so the comparison tests
//! it), and absent from a loop that is no copy; the last tests copy past the end of
//! memory and run loops whose counters wrap, which must trap as the loop would.

mod common;

use common::*;

fn guest() -> std::path::PathBuf {
    wasm_from_c(&tests_path("guests/loops/copy_loops.c"), &[])
}

#[test]
fn copy_and_fill_loops_print_what_wasmtime_prints() {
    assert_optimised_builds_print_what_wasmtime_prints(&guest(), "total ");
}

#[test]
fn copy_and_fill_loops_get_the_shortcut_and_other_loops_do_not() {
    let text = optimised_ir(&guest());
    // wasi-libc's own memmove, memcpy and memset (C loops without bulk memory)
    // included; clang itself turns the guest's fill8 into a call of memset.
    for (kernel, call) in [
        ("fwd8", "@llvm.memmove"),
        ("back8", "@llvm.memmove"),
        ("fwd8_plain", "@llvm.memmove"),
        ("fwd32", "@llvm.memmove"),
        ("back64", "@llvm.memmove"),
        ("fwdd", "@llvm.memmove"),
        ("blocks16", "@llvm.memmove"),
        ("blocks16_rev", "@llvm.memmove"),
        ("memmove", "@llvm.memmove"),
        ("memcpy", "@llvm.memmove"),
        ("back16", "@llvm.memmove"),
        ("blocks8_loads_first", "@llvm.memmove"),
        ("nested", "@llvm.memmove"),
        ("nested_back", "@llvm.memmove"),
        ("blocks32_until3", "@llvm.memmove"),
        ("blocks8_until0", "@llvm.memmove"),
        ("fill64", "@llvm.memset"),
        ("fillf", "@llvm.memset"),
        ("fill32", "@llvm.memset"),
        ("fill_pair", "@llvm.memset"),
        ("memset", "@llvm.memset"),
    ] {
        let body = function_ir(&text, kernel);
        assert!(
            body.contains("aotc.copy.shortcut") && body.contains(call),
            "{kernel} has no {call} shortcut:\n{body}"
        );
    }
    let other = function_ir(&text, "not_a_copy");
    assert!(
        !other.contains("aotc.copy.shortcut"),
        "a loop that changes the bytes it copies got the shortcut:\n{other}"
    );
}

#[test]
fn a_copy_past_the_end_of_memory_traps_as_the_loop_does() {
    let out = assert_traps_out_of_bounds_like_wasmtime(&guest(), "oob");
    // The shortcut checks both ranges against the memory's size, so the fault
    // happens in the loop, in fwd8 (without the check it happened inside the C
    // library's memmove and was reported in fwd8's caller).
    check(
        &out,
        out.stderr_lines().get(1).map(String::as_str) == Some("  in wasm function fwd8"),
        "the trap is the loop's own out-of-bounds access, in fwd8",
    );
}

/// Counters that step past their bound and wrap around (`n > 3` stepping by 32 from
/// 42, `n != 0` stepping by 8 from 76) make the loops copy until they leave memory:
/// the trip counts aotc computes for such loops must see that and keep the loop
/// (each check was removed once to see this test fail).
#[test]
fn copy_loops_whose_counters_wrap_run_until_they_trap() {
    for mode in ["wrap", "nodiv"] {
        assert_traps_out_of_bounds_like_wasmtime(&guest(), mode);
    }
}
