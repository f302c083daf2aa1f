//! Malformed-input fuzzing (bounded smoke mode for CI): seeded mutations of valid
//! modules — bit flips, interesting bytes, huge LEB128 counts, truncations, deleted
//! and duplicated slices — go through everything the compiler does with untrusted
//! bytes before and during translation: the shape scan and partition plan (which
//! read the module *unvalidated*), validation, translation and code generation. Each
//! input must give an object or one error line; a panic or a crash fails the test
//! (the harness dies with it). A sample also goes through the `aotc` binary, which
//! must exit 0 or 1 with at most one `aotc: error:` line and never a backtrace.
//!
//! `AOTC_FUZZ_INPUTS=N` (default 6000) and `AOTC_FUZZ_SEED=S` run it longer or
//! elsewhere; the summary line says how many inputs were valid, refused, compiled.

mod common;

use aotc::translate::{self, CodegenOptions, Embedding, Emit, NoProgress, Split};
use arbitrary::Unstructured;
use common::*;
use std::process::Command;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: deterministic per seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Valid modules to mutate: every example in WebAssembly text, small generated
/// stress modules, and modules from wasm-smith with the features aotc translates.
fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wat") {
            out.push(wat::parse_file(&path).unwrap());
        }
    }
    let dir = tempdir();
    for (kind, n) in [
        ("locals", 40),
        ("nested", 30),
        ("brtable", 50),
        ("blocks", 20),
    ] {
        let path = dir.path().join(format!("{kind}.wasm"));
        let status = Command::new("python3")
            .arg(root().join("benches/stress/gen.py"))
            .args([kind, &n.to_string()])
            .arg(&path)
            .output()
            .expect("python3 runs benches/stress/gen.py")
            .status;
        assert!(status.success());
        out.push(std::fs::read(&path).unwrap());
    }
    let mut rng = Rng(0x5eed);
    for _ in 0..12 {
        let bytes: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
        let config = wasm_smith::Config {
            max_funcs: 8,
            max_instructions: 120,
            simd_enabled: true,
            exceptions_enabled: false,
            gc_enabled: false,
            threads_enabled: false,
            memory64_enabled: false,
            ..Default::default()
        };
        if let Ok(m) = wasm_smith::Module::new(config, &mut Unstructured::new(&bytes)) {
            out.push(m.to_bytes());
        }
    }
    out
}

/// One random mutation of `wasm`.
fn mutate(wasm: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut m = wasm.to_vec();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        if m.is_empty() {
            break;
        }
        let at = rng.below(m.len());
        match rng.below(6) {
            0 => m[at] ^= 1 << rng.below(8),
            1 => m[at] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x40][rng.below(7)],
            // A LEB128 count or size near u32::MAX.
            2 => {
                let end = (at + 5).min(m.len());
                m.splice(at..end, [0xff, 0xff, 0xff, 0xff, 0x0f]);
            }
            3 => m.truncate(at.max(8)),
            4 => {
                let end = (at + 1 + rng.below(16)).min(m.len());
                m.drain(at..end);
            }
            _ => {
                let end = (at + 1 + rng.below(32)).min(m.len());
                let slice = m[at..end].to_vec();
                m.splice(at..at, slice);
            }
        }
    }
    m
}

fn options(embedding: Embedding) -> CodegenOptions {
    CodegenOptions {
        opt_level: 0,
        target_cpu: "x86-64-v2".to_string(),
        manifest: Some(aotc_abi::manifest::Manifest::default().encode()),
        emit: Emit::Object,
        embedding,
        entry: Default::default(),
        strict_load_traps: false,
        link: Default::default(),
    }
}

#[test]
fn mutated_modules_compile_or_fail_with_one_line() {
    let inputs = env_u64("AOTC_FUZZ_INPUTS", 6000);
    let mut rng = Rng(env_u64("AOTC_FUZZ_SEED", 1) | 1);
    let corpus = corpus();
    let (mut valid, mut refused, mut compiled) = (0u64, 0u64, 0u64);
    for i in 0..inputs {
        let seed = &corpus[i as usize % corpus.len()];
        let wasm = mutate(seed, &mut rng);
        // Both embeddings: a command checks imports and `_start` first; an embedded
        // module translates every body whatever it imports.
        let embedding = if i % 2 == 0 {
            Embedding::Command
        } else {
            Embedding::Embedded {
                imported_global_values: Vec::new(),
            }
        };
        let opts = options(embedding);
        let plan = translate::plan(&wasm, &opts, Split::Auto);
        if wasmparser::Validator::new().validate_all(&wasm).is_ok() {
            valid += 1;
        }
        match translate::compile_split(&wasm, &opts, &plan, 1, &NoProgress) {
            Ok(_) => compiled += 1,
            Err(e) => {
                refused += 1;
                let msg = e.to_string();
                assert!(
                    !msg.is_empty() && !msg.contains('\n'),
                    "input {i}: error is not one line: {msg:?}"
                );
                assert!(
                    !msg.contains("internal compiler error"),
                    "input {i}: {msg}\nbytes: {wasm:02x?}"
                );
            }
        }
    }
    println!(
        "fuzz: {inputs} inputs ({valid} valid by wasmparser's defaults), {compiled} compiled, {refused} refused, no panic"
    );
    assert_eq!(compiled + refused, inputs);
}

#[test]
fn mutated_modules_through_the_binary_exit_cleanly() {
    let dir = tempdir();
    let corpus = corpus();
    let mut rng = Rng(env_u64("AOTC_FUZZ_SEED", 1).wrapping_add(7) | 1);
    for i in 0..24 {
        let wasm = mutate(&corpus[i % corpus.len()], &mut rng);
        let path = dir.path().join(format!("m{i}.wasm"));
        std::fs::write(&path, &wasm).unwrap();
        let out = aotc_in(
            dir.path(),
            [path.as_os_str(), "-O0".as_ref(), "--no-cache".as_ref()],
        );
        let code = out.code();
        check(&out, matches!(code, Some(0) | Some(1)), "exit 0 or 1");
        assert_no_crash_text(&out);
        if code == Some(1) {
            assert_aotc_error(&out);
        }
    }
}
