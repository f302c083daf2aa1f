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

/// The helper a function's shortcut calls (`@aotc.copy.checked.<memory>.<kind>.<distance>`),
/// for each one it calls.
fn copy_helpers_called(body: &str) -> Vec<&str> {
    body.match_indices("call preserve_mostcc i1 @aotc.copy.checked.")
        .map(|(at, _)| {
            let name = &body[at + "call preserve_mostcc i1 @".len()..];
            &name[..name.find('(').expect("a call has arguments")]
        })
        .collect()
}

#[test]
fn copy_and_fill_loops_get_the_shortcut_and_other_loops_do_not() {
    let text = optimised_ir(&guest());
    // wasi-libc's own memmove, memcpy and memset (C loops without bulk memory)
    // included; clang itself turns the guest's fill8 into a call of memset.
    for (kernel, kinds) in [
        ("fwd8", &["up"][..]),
        ("back8", &["down"]),
        ("fwd8_plain", &["up"]),
        ("fwd32", &["up"]),
        ("back64", &["down"]),
        ("fwdd", &["up"]),
        ("blocks16", &["up"]),
        ("blocks16_rev", &["up"]),
        ("memmove", &["up", "down"]),
        ("memcpy", &["up"]),
        ("back16", &["down"]),
        ("blocks8_loads_first", &["up"]),
        ("nested", &["up"]),
        ("nested_back", &["down"]),
        ("blocks32_until3", &["up"]),
        ("blocks8_until0", &["up"]),
        ("fill64", &["fill"]),
        ("fillf", &["fill"]),
        ("fill32", &["fill"]),
        ("fill_pair", &["fill"]),
        ("memset", &["fill"]),
    ] {
        let body = function_ir(&text, kernel);
        let helpers = copy_helpers_called(body);
        assert!(!helpers.is_empty(), "{kernel} has no shortcut:\n{body}");
        for kind in kinds {
            assert!(
                helpers.iter().any(|h| h.contains(&format!(".{kind}."))),
                "{kernel} calls no {kind} helper: {helpers:?}"
            );
        }
        // Each helper checks both ranges against the memory's size (loaded from
        // its descriptor) before it moves or fills anything.
        for helper in helpers {
            let definition = definition_ir(&text, &format!("@{helper}("));
            assert!(
                definition.starts_with("define internal preserve_mostcc"),
                "{helper}: {definition}"
            );
            let (call, ranges) = if helper.contains(".fill.") {
                ("@llvm.memset", 2)
            } else {
                ("@llvm.memmove", 4)
            };
            assert!(
                definition.contains(call)
                    && definition.matches("icmp ule").count() >= ranges
                    && definition.contains("%size = load i64"),
                "{helper} does not check its ranges before {call}:\n{definition}"
            );
        }
    }
    let other = function_ir(&text, "not_a_copy");
    assert!(
        copy_helpers_called(other).is_empty(),
        "a loop that changes the bytes it copies got the shortcut:\n{other}"
    );
}

/// wasi-libc's `memcpy` is called for a few bytes at a time by much real code (49
/// million calls in benches/lz.c). Its long-copy checks live in the helper and its
/// misaligned word loops address `s + 4`, `s + 8`, ... from one register (the load
/// at `s` before them proves those sums do not wrap), so it saves no more
/// callee-saved registers than WAMR's build of it (three); with the checks inline
/// and one register per address it saved six and realigned the stack.
#[test]
fn wasi_libc_memcpy_saves_three_registers_at_most() {
    let asm = optimised_asm(&guest());
    let start = asm
        .find("\"wasm:memcpy\":")
        .expect("memcpy in the assembly");
    let saved: Vec<&str> = asm[start..]
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.starts_with('.') && !l.starts_with('#'))
        .take_while(|l| l.starts_with("pushq"))
        .collect();
    assert!(
        saved.len() <= 3,
        "memcpy's prologue saves {} registers: {saved:?}",
        saved.len()
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
