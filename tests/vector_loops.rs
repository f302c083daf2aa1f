//! Loops the loop vectoriser transforms keep wasm's semantics: the guest
//! (tests/guests/loops/vector_loops.c, built without SIMD) runs saxpy, copies, integer
//! and float reductions, stencils and recurrences on arrays overlapping at every
//! distance from -20 to 20 elements, under aotc at -O2 and -O3 with the default and
//! the host CPU, and must print exactly what Wasmtime prints. The IR check proves the
//! loops were in fact vectorised (the unrolled gemm, axpy2 and Jacobi step after
//! aotc rolled them back, the stencil after aotc's loop versioning by array, the
//! Jacobi step after aotc moved its carried load), so the comparison tests vector
//! code.

mod common;

use common::*;

fn guest() -> std::path::PathBuf {
    wasm_from_c(&tests_path("guests/loops/vector_loops.c"), &[])
}

#[test]
fn vectorised_loops_print_what_wasmtime_prints() {
    assert_optimised_builds_print_what_wasmtime_prints(&guest(), "total ");
}

#[test]
fn the_guest_loops_are_vectorised_at_the_default_cpu() {
    let text = optimised_ir(&guest());
    let vector_loops = text
        .lines()
        .filter(|l| l.starts_with("vector.body"))
        .count();
    // 13 loop kernels, several inlined more than once: 18 vector bodies when this
    // test was written (14 with LLVM's plain default<O2>).
    assert!(
        vector_loops >= 13,
        "only {vector_loops} vectorised loop bodies in the guest's IR"
    );
    // clang unrolls gemm's, axpy2's and jacobi_globals's loops by two in the wasm;
    // vectorised as they are, every access strides by two elements and pays
    // shuffles. aotc rolls them back (one element per iteration) first, so their
    // vector loops load and store contiguous vectors, as native code does.
    for kernel in ["gemm", "axpy2", "jacobi_globals"] {
        let body = function_ir(&text, kernel);
        assert!(
            body.contains("vector.body")
                && !body.contains("strided.vec")
                && !body.contains("interleaved.vec"),
            "{kernel} was not rolled back and vectorised with contiguous vectors:\n{body}"
        );
    }
    // The 3-point stencil's loads are neighbours in one array, which LLVM alone
    // checks against each other (a check that always fails): aotc versions its loop
    // by array (the stencil is inlined into main).
    assert!(
        has_versioning_scope(&text, &text),
        "no loop of the guest was versioned by array and vectorised"
    );
    // jacobi_globals's loop carries a[i+1] into the next iteration, loaded after the
    // store to b[i]: vectorised only once aotc moves that load above the store.
    let jacobi = function_ir(&text, "jacobi_globals");
    assert!(
        jacobi.contains("vector.body"),
        "jacobi_globals was not vectorised:\n{jacobi}"
    );
    // `running`'s loop is versioned too, but the vectoriser cannot use it (its
    // running value is no reduction): the versioning must be gone again.
    let running = function_ir(&text, "running");
    assert!(
        !has_versioning_scope(&text, running) && !running.contains("vector.body"),
        "running keeps a versioning the vectoriser did not use:\n{running}"
    );
}

/// With AVX2 the vector byte copy takes 128 bytes per iteration, and a shorter
/// copy would run aotc's by-array checks (a few dozen instructions) only to take
/// the scalar loop: the trip count is tested first (`aotc.short.trip`). The guest
/// runs copy8 with 0 to 69 bytes at every overlap, compared with Wasmtime above.
#[test]
fn short_trips_skip_the_versioning_checks_with_wide_vectors() {
    let text = optimised_ir_for(&guest(), "x86-64-v3");
    let copy8 = function_ir(&text, "copy8");
    assert!(
        copy8.contains("vector.body")
            && has_versioning_scope(&text, copy8)
            && copy8.contains("%aotc.short.trip = icmp ult"),
        "copy8 does not test its trip count before the versioning's checks:\n{copy8}"
    );
}

/// With 512-bit vectors (Zen 4) a loop of doubles runs 8 lanes interleaved by 4,
/// 32 elements per iteration; the 28 left of a 220-element loop would run one by
/// one (`gemm`'s rows spent 13 % of their elements so). aotc lets LLVM vectorise
/// such a remainder with a narrower vector loop from 8 lanes up (LLVM's own
/// threshold is 16; `emit::LLVM_OPTIONS`). The guest runs `scale220` on the host
/// CPU in the comparison with Wasmtime above.
#[test]
fn remainders_of_eight_lane_loops_are_vectorised() {
    let text = optimised_ir_for(&guest(), "znver4");
    let scale = function_ir(&text, "scale220");
    assert!(
        scale.contains("vec.epilog."),
        "scale220's remainder is not vectorised:\n{scale}"
    );
}

/// Whether an access in `body` carries an alias scope of aotc's versioning (one
/// whose domain is named `aotc.memory.versioning`; LLVM's own runtime checks use
/// other domains).
fn has_versioning_scope(ir: &str, body: &str) -> bool {
    let nodes: std::collections::HashMap<&str, &str> = ir
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .filter(|(id, _)| id.starts_with('!'))
        .collect();
    // Metadata references in `text`, e.g. `!12` in `!alias.scope !12`.
    let references = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c == '!' || c.is_ascii_alphanumeric() || c == '.'))
            .filter(|t| {
                t.len() > 1 && t.starts_with('!') && t[1..].bytes().all(|b| b.is_ascii_digit())
            })
            .map(str::to_string)
            .collect()
    };
    let mut pending: Vec<String> = body
        .split("!alias.scope ")
        .skip(1)
        .filter_map(|rest| references(rest).into_iter().next())
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = pending.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(node) = nodes.get(id.as_str()) else {
            continue;
        };
        if node.contains("\"aotc.memory.versioning\"") {
            return true;
        }
        pending.extend(references(node));
    }
    false
}
