//! Wasm addresses that move by a constant step through a loop are computed in 64
//! bits (`aotc-widen-addresses` in aotc/llvm/passes.cpp) where the accesses prove
//! that equal to wasm's 32-bit address, and keep wasm's semantics: the guest
//! (tests/guests/loops/moving_addresses.c) scans up and down with data-dependent
//! exits, partitions, fills, and strides from 1 byte to 32 KiB and beyond, and its
//! output at -O2 and -O3, default and host CPU, must be Wasmtime's. The IR checks
//! prove the widening happens in the loops meant (so the comparisons test it) and
//! not where it would be wrong: a descending address read at a constant offset, a
//! step above 32 KiB. Loops that run out of memory upwards, or downwards through
//! address 0 where the 32-bit address wraps, must trap as Wasmtime does; the trap
//! cases of tests/traps/moving_addresses.wat (checked by tests/traps.rs) are
//! checked here to be widened.

mod common;

use common::*;

fn guest() -> std::path::PathBuf {
    wasm_from_c(&tests_path("guests/loops/moving_addresses.c"), &[])
}

/// The functions of `text` (LLVM IR) whose body holds a widened address.
fn widened(text: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|name| function_ir(text, name).contains("aotc.wide"))
        .map(|name| name.to_string())
        .collect()
}

#[test]
fn moving_addresses_print_what_wasmtime_prints() {
    assert_optimised_builds_print_what_wasmtime_prints(&guest(), "arena ");
}

#[test]
fn constant_step_addresses_are_widened_where_accesses_prove_it() {
    let text = optimised_ir(&guest());
    let meant = [
        "find_up4",
        "find_down4",
        "find_up32768",
        "find_down32768",
        "scan_bytes_up",
        "scan_bytes_down",
        "partition",
        "fill_up",
        "strided_up1",
        "strided_down1",
        "strided_up4096",
        "strided_down4096",
        // Addresses IndVarSimplify turned into masks of a 64-bit counter (an
        // in-place sweep, which stays scalar; the two-array relax_up/relax_down of
        // the same shape are vectorised since aotc moves their carried loads).
        "seidel_up",
    ];
    assert_eq!(widened(&text, &meant), meant, "loops left 32-bit");
    // fill_down's loop (unrolled by four in the wasm) is rolled back by aotc and
    // then vectorised, with the vectoriser's own wrap check instead.
    let fill_down = function_ir(&text, "fill_down");
    assert!(
        fill_down.contains("vector.body"),
        "fill_down was neither widened nor vectorised:\n{fill_down}"
    );
    // Steps beyond 32 KiB could skip over the 64 KiB margins the proof needs; an
    // access that does not run in every iteration proves nothing about the others.
    let wrong = [
        "strided_up32772",
        "strided_down32772",
        "find_low_after_wrap",
    ];
    assert_eq!(widened(&text, &wrong), Vec::<String>::new());
}

#[test]
fn the_trap_cases_are_widened_except_descending_offsets() {
    let text = optimised_ir(&tests_path("traps/moving_addresses.wat"));
    let meant = [
        "up_past_end",
        "up_from_top",
        "up_past_end_of_largest_memory",
        "down_through_zero",
        "down_32k_through_zero",
    ];
    assert_eq!(widened(&text, &meant), meant, "trap cases left 32-bit");
    // Below address 0 plus an offset lies valid memory: no guard could catch it.
    let wrong = ["down_offset_through_zero", "down_offset_before_plain_load"];
    assert_eq!(widened(&text, &wrong), Vec::<String>::new());
}

/// Scans that find nothing leave memory, upwards past its end or from far above
/// it, downwards through address 0 (by 4 bytes and by 32 KiB) and through a read
/// at offset 8: aotc -O2 must trap out of bounds where Wasmtime traps.
#[test]
fn scans_that_leave_memory_trap_as_wasmtime_does() {
    let wasm = guest();
    for mode in ["up_end", "up_top", "down_zero", "down_off", "down_far"] {
        assert_traps_out_of_bounds_like_wasmtime(&wasm, mode);
    }
}
