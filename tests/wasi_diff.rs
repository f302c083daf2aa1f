//! The differential WASI tests across guest toolchains (issue 11): every program in
//! `tests/guests/<toolchain>/` is built by that folder's `build.sh` (which installs its
//! toolchain from the registries when missing), then every case of its `cases.toml`
//! runs as an aotc executable and under Wasmtime with the same grants, arguments,
//! environment and stdin (`common::wasi_diff`). Exit status, stdout, stderr (unless the
//! case says `stderr = "ignore"`) and the working directory afterwards must agree.
//!
//! A case may instead name `rules`: places where aotc deliberately differs from
//! Wasmtime. Such a case must differ (so the rules stay tested), and each rule must be
//! a row of the README's table of differences. Anything else that differs fails.
//!
//! Each toolchain's test prints one summary line: programs, cases, the WASI functions
//! its programs import, and divergences; with `AOTC_DIFF_CALLS=1` a second one counts
//! the WASI calls its cases make (from Wasmtime's trace log, one more run per case). Built modules are cached under
//! `target/guests/<toolchain>/`, keyed by the hash of the toolchain's folder.

mod common;

use common::wasi_diff::{compare, count_calls, readme_rules, readme_rules_table, Case, Grant};
use common::{fnv64, function_imports, root, tests_path};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Every toolchain folder in `tests/guests/` with a test below.
const TOOLCHAINS: &[&str] = &["as", "c", "go", "rust", "zig"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(rename = "case", default)]
    cases: Vec<CaseSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    name: String,
    wasm: String,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    stdin: String,
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default = "compare_by_default")]
    stderr: String,
    status: Option<i32>,
    /// The README rules under which aotc differs here.
    #[serde(default)]
    rules: Vec<String>,
}

fn compare_by_default() -> String {
    "compare".into()
}

/// Builds the toolchain's programs unless the cached build matches its folder.
fn build_toolchain(toolchain: &str) -> PathBuf {
    let src = tests_path(&format!("guests/{toolchain}"));
    let out = root().join("target/guests").join(toolchain);
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(&src, &mut files);
    files.sort();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for f in &files {
        parts.push(
            f.strip_prefix(&src)
                .unwrap()
                .as_os_str()
                .as_encoded_bytes()
                .to_vec(),
        );
        parts.push(std::fs::read(f).expect("read guest source"));
    }
    parts.push(std::fs::read(tests_path("guests/fixture.sh")).expect("fixture.sh"));
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let stamp = format!("{:016x}\n", fnv64(&refs));
    let stamp_file = out.join(".stamp");
    if std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        return out;
    }
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("create guest output dir");
    let result = std::process::Command::new("bash")
        .arg(src.join("build.sh"))
        .arg(&out)
        .current_dir(root())
        .output()
        .expect("run build.sh");
    assert!(
        result.status.success(),
        "tests/guests/{toolchain}/build.sh failed ({}):\n{}\n{}",
        result.status,
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::write(&stamp_file, stamp).expect("write stamp");
    out
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Runs every case of one toolchain; fails on any difference not covered by a rule.
fn check_toolchain(toolchain: &str) {
    let out = build_toolchain(toolchain);
    let text = std::fs::read_to_string(tests_path(&format!("guests/{toolchain}/cases.toml")))
        .expect("cases.toml");
    let file: CaseFile = toml::from_str(&text)
        .unwrap_or_else(|e| panic!("tests/guests/{toolchain}/cases.toml: {e}"));
    assert!(!file.cases.is_empty(), "{toolchain}: no cases");
    let rules = readme_rules();

    let cases: Vec<(Case, Vec<String>)> = file
        .cases
        .iter()
        .map(|spec| {
            let case = Case {
                name: format!("{toolchain}/{}", spec.name),
                wasm: out.join(&spec.wasm),
                args: spec.args.clone(),
                env: spec.env.clone().into_iter().collect(),
                stdin: spec.stdin.clone().into_bytes(),
                grants: spec.dirs.iter().map(|d| Grant::parse(d)).collect(),
                compare_stderr: match spec.stderr.as_str() {
                    "compare" => true,
                    "ignore" => false,
                    other => panic!("{}: stderr = {other:?}: use compare or ignore", spec.name),
                },
                status: spec.status,
            };
            for rule in &spec.rules {
                assert!(
                    rules.contains(rule),
                    "{}: rule `{rule}` is not in the README's table of differences ({rules:?})",
                    case.name
                );
            }
            (case, spec.rules.clone())
        })
        .collect();

    let programs: BTreeSet<&PathBuf> = cases.iter().map(|(c, _)| &c.wasm).collect();
    let mut imports = BTreeSet::new();
    for wasm in &programs {
        for (module, name) in function_imports(wasm) {
            if module == "wasi_snapshot_preview1" {
                imports.insert(name);
            }
        }
    }

    // Two workers: the machine has two cores, and each case runs two processes.
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    let by_rule = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some((case, rule)) = cases.get(i) else {
                    break;
                };
                let cmp = compare(case);
                match (rule.is_empty(), cmp.differences.is_empty()) {
                    (true, true) => {}
                    (false, false) => {
                        // Shown with --nocapture, so what a rule covers stays visible.
                        println!("under rules {rule:?}: {}", cmp.report(case));
                        *by_rule.lock().unwrap() += 1
                    }
                    (true, false) => failures.lock().unwrap().push(cmp.report(case)),
                    (false, true) => failures.lock().unwrap().push(format!(
                        "=== {} ===\n  names rules {rule:?} but behaves exactly like Wasmtime: \
                         drop them from the case (or fix the case)\n",
                        case.name
                    )),
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let by_rule = by_rule.into_inner().unwrap();
    // AOTC_DIFF_CALLS=1: count the WASI calls the cases make (from Wasmtime's trace).
    if std::env::var_os("AOTC_DIFF_CALLS").is_some_and(|v| v == "1") {
        let mut total: BTreeMap<String, usize> = BTreeMap::new();
        for (case, _) in &cases {
            for (name, n) in count_calls(case) {
                *total.entry(name).or_insert(0) += n;
            }
        }
        println!(
            "wasi-diff {toolchain}: {} WASI calls made, to {} functions ({})",
            total.values().sum::<usize>(),
            total.len(),
            total
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "wasi-diff {toolchain}: {} programs, {} cases, {} WASI functions imported ({}); \
         {} divergent ({} under README rules, {} unexplained)",
        programs.len(),
        cases.len(),
        imports.len(),
        imports.iter().cloned().collect::<Vec<_>>().join(" "),
        failures.len() + by_rule,
        by_rule,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{toolchain}: {} of {} cases differ from Wasmtime:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_toolchain_folder_has_a_test() {
    let mut found: Vec<String> = std::fs::read_dir(tests_path("guests"))
        .expect("tests/guests")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("cases.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(
        found, TOOLCHAINS,
        "toolchain folders with a cases.toml vs this file's tests"
    );
}

#[test]
fn c_wasi_libc() {
    check_toolchain("c");
}

#[test]
fn zig_std() {
    check_toolchain("zig");
}

#[test]
fn assemblyscript() {
    check_toolchain("as");
}

#[test]
fn rust_std() {
    check_toolchain("rust");
}

#[test]
fn go_wasip1() {
    check_toolchain("go");
}

/// Every rule of the README's table is tested: named by some toolchain case (which
/// must then differ from Wasmtime), or, where the differential cannot show it (the
/// Wasmtime CLI has no read-only grants), citing a `file::test` that exists.
#[test]
fn every_readme_rule_is_tested() {
    let mut named = BTreeSet::new();
    for toolchain in TOOLCHAINS {
        let text = std::fs::read_to_string(tests_path(&format!("guests/{toolchain}/cases.toml")))
            .expect("cases.toml");
        let file: CaseFile = toml::from_str(&text).expect("cases.toml parses");
        for case in file.cases {
            named.extend(case.rules);
        }
    }
    let table = readme_rules_table();
    let mut untested = Vec::new();
    for rule in readme_rules() {
        if named.contains(&rule) {
            continue;
        }
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| `{rule}`")))
            .expect("row");
        let cited = row.split('`').any(|t| {
            t.split_once("::").is_some_and(|(file, test)| {
                std::fs::read_to_string(tests_path(&format!("{file}.rs")))
                    .is_ok_and(|src| src.contains(&format!("fn {test}()")))
            })
        });
        if !cited {
            untested.push(rule);
        }
    }
    assert!(
        untested.is_empty(),
        "README rules no case names and no test cites: {untested:?}"
    );
}
