//! The text table of `aotc bench`: a title line, one aligned row per runtime (text
//! columns left-aligned, numbers right-aligned), then the explanations: what differs
//! for each mismatch, what the compile column means, and the bench's notes.

use std::io::Write;

use super::measure::describe_status;
use super::{Report, RuntimeResult};

fn fmt_ms(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(v) if v < 10.0 => format!("{v:.2} ms"),
        Some(v) if v < 1000.0 => format!("{v:.1} ms"),
        Some(v) => format!("{:.3} s", v / 1000.0),
    }
}

fn fmt_rss(kib: Option<u64>) -> String {
    match kib {
        None => "-".to_string(),
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
    }
}

/// `w` as one shell word (quoted when it needs to be), for the table's header.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The aligned table (and notes) of `aotc bench`.
pub(super) fn write_table(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let args: String = r
        .args
        .iter()
        .map(|a| format!(" {}", shell_word(a)))
        .collect();
    writeln!(
        out,
        "aotc bench: {}{args} ({} run{} each; aotc -O{}, --target-cpu {})",
        shell_word(&r.module),
        r.runs,
        if r.runs == 1 { "" } else { "s" },
        r.opt_level,
        r.target_cpu
    )?;
    writeln!(out)?;
    let reference = r
        .results
        .iter()
        .find(|x| x.runtime == r.reference)
        .and_then(|x| x.median_ms);
    let header = [
        "runtime", "version", "compile", "start-up", "median", "min", "vs aotc", "peak RSS",
        "exit", "output",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for x in &r.results {
        if let Some(e) = &x.error {
            rows.push(vec![
                x.runtime.to_string(),
                x.version.clone(),
                format!("not measured: {e}"),
            ]);
            continue;
        }
        let ratio = match (x.median_ms, reference) {
            (Some(m), Some(base)) if base > 0.0 => format!("{:.2}x", m / base),
            _ => "-".to_string(),
        };
        let output = if x.runtime == r.reference {
            match &x.mismatch {
                None => "reference".to_string(),
                Some(_) => "reference (runs differ)".to_string(),
            }
        } else if x.matches_reference {
            "same".to_string()
        } else {
            "DIFFERS".to_string()
        };
        rows.push(vec![
            x.runtime.to_string(),
            x.version.clone(),
            fmt_ms(x.compile_ms),
            fmt_ms(x.startup_ms),
            fmt_ms(x.median_ms),
            fmt_ms(x.min_ms),
            ratio,
            fmt_rss(x.peak_rss_kib),
            describe_status(x.exit_status, x.signal)
                .trim_start_matches("exit ")
                .to_string(),
            output,
        ]);
    }
    let columns = header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter(|row| row.len() == columns)
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Text columns left-aligned, numbers right-aligned.
    let numeric = |c: usize| (2..=7).contains(&c);
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let w = if row.len() == columns { widths[c] } else { 0 };
            if numeric(c) {
                line.push_str(&format!("{cell:>w$}"));
            } else {
                line.push_str(&format!("{cell:<w$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    let mismatches: Vec<&RuntimeResult> =
        r.results.iter().filter(|x| x.mismatch.is_some()).collect();
    if !mismatches.is_empty() || !r.notes.is_empty() {
        writeln!(out)?;
    }
    for x in mismatches {
        writeln!(
            out,
            "{}: output differs from {}: {}",
            x.runtime,
            if x.runtime == r.reference {
                "its first run"
            } else {
                "aotc's"
            },
            x.mismatch.as_deref().unwrap_or("")
        )?;
    }
    writeln!(
        out,
        "compile: aotc = compile and link; aotc-jit = translation and JIT before the module \
         starts (in every run); wasmtime = `wasmtime compile`; node compiles in every run"
    )?;
    for n in &r.notes {
        writeln!(out, "{n}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(runtime: &'static str, median: f64, mismatch: Option<&str>) -> RuntimeResult {
        RuntimeResult {
            runtime,
            version: "1.0".into(),
            command: vec![],
            error: None,
            compile_ms: Some(12.5),
            startup_ms: Some(0.75),
            median_ms: Some(median),
            min_ms: Some(median),
            max_ms: Some(median),
            peak_rss_kib: Some(2048),
            exit_status: Some(0),
            signal: None,
            matches_reference: mismatch.is_none(),
            mismatch: mismatch.map(str::to_string),
        }
    }

    #[test]
    fn table_rows_are_aligned_and_mismatches_explained() {
        let mut failed = result("node", 1.0, None);
        failed.error = Some("cannot run node: gone".into());
        let report = Report {
            module: "m.wasm".into(),
            args: vec!["a b".into()],
            runs: 3,
            opt_level: 2,
            target_cpu: "x86-64-v2".into(),
            reference: "aotc",
            results: vec![
                result("aotc", 10.0, None),
                result("aotc-jit", 25.0, None),
                result("wasmtime", 12.0, Some("stdout differs at line 1")),
                failed,
            ],
            notes: vec!["a note".into()],
        };
        let mut out = Vec::new();
        write_table(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "aotc bench: m.wasm 'a b' (3 runs each; aotc -O2, --target-cpu x86-64-v2)"
        );
        let header = lines[2];
        let end = header.find("vs aotc").unwrap() + "vs aotc".len();
        // The ratio column is right-aligned under its header: every ratio ends there.
        for row in &lines[3..6] {
            assert_eq!(&row[end - 1..=end], "x ", "{row}");
        }
        assert!(lines[3].ends_with("reference"));
        assert!(lines[4].ends_with("same") && lines[4].contains("2.50x"));
        assert!(lines[5].ends_with("DIFFERS"));
        assert!(
            lines[6].starts_with("node ")
                && lines[6].contains("not measured: cannot run node: gone")
        );
        assert!(text.contains("wasmtime: output differs from aotc's: stdout differs at line 1"));
        assert!(text.ends_with("a note\n"));
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_ms(Some(1.234)), "1.23 ms");
        assert_eq!(fmt_ms(Some(123.45)), "123.5 ms");
        assert_eq!(fmt_ms(Some(2500.0)), "2.500 s");
        assert_eq!(fmt_ms(None), "-");
        assert_eq!(fmt_rss(Some(2048)), "2.0 MiB");
        assert_eq!(describe_status(None, Some(9)), "signal 9");
        assert_eq!(shell_word("a/b.wasm"), "a/b.wasm");
        assert_eq!(shell_word("two words"), "'two words'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
