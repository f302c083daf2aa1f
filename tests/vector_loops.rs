//! Loops the loop vectoriser transforms keep wasm's semantics: the guest
//! (tests/guests/loops/vector_loops.c, built without SIMD) runs saxpy, copies, integer
//! and float reductions, stencils and recurrences on arrays overlapping at every
//! distance from -20 to 20 elements, under aotc at -O2 and -O3 with the default and
//! the host CPU, and must print exactly what Wasmtime prints. The IR check proves the
//! loops were in fact vectorised, so the comparison tests vector code.

mod common;

use common::wasi_diff::wasmtime;
use common::*;

fn guest() -> std::path::PathBuf {
    wasm_from_c(&tests_path("guests/loops/vector_loops.c"), &[])
}

#[test]
fn vectorised_loops_print_what_wasmtime_prints() {
    let wasm = guest();
    let oracle = Run::new(wasmtime()).arg(&wasm).output();
    assert_success(&oracle);
    assert!(oracle.stdout().contains("total "), "{}", oracle.describe());
    let dir = tempdir();
    for level in ["-O2", "-O3"] {
        for cpu in ["x86-64-v2", "native"] {
            let exe = dir.path().join(format!("loops{level}-{cpu}"));
            let built = aotc([
                wasm.as_os_str(),
                level.as_ref(),
                "--target-cpu".as_ref(),
                cpu.as_ref(),
                "-o".as_ref(),
                exe.as_os_str(),
            ]);
            assert_success(&built);
            let ran = Run::new(&exe).output();
            assert_success(&ran);
            assert_eq!(
                ran.stdout(),
                oracle.stdout(),
                "aotc {level} --target-cpu {cpu} differs from Wasmtime"
            );
        }
    }
}

#[test]
fn the_guest_loops_are_vectorised_at_the_default_cpu() {
    let wasm = guest();
    let dir = tempdir();
    let ir = dir.path().join("loops.ll");
    let built = aotc([
        wasm.as_os_str(),
        "-O2".as_ref(),
        "--emit".as_ref(),
        "llvm-ir".as_ref(),
        "-o".as_ref(),
        ir.as_os_str(),
    ]);
    assert_success(&built);
    let text = std::fs::read_to_string(&ir).expect("IR written");
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
}
