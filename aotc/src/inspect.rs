//! `aotc inspect BINARY`: reads the capability manifest back out of an executable
//! built by aotc (ELF section `.aotc.manifest`, see `aotc_abi::sym::MANIFEST_SECTION`)
//! and prints what it may touch and how it was built, as text or JSON.
//!
//! Invariants: the binary is untrusted input. It is only parsed (goblin) and never
//! executed; a section that does not decode exactly is reported as corrupt, never
//! partially shown; strings are escaped before they reach the terminal so a crafted
//! manifest cannot inject control sequences. Every failure is one line. The report
//! says whether the manifest still matches the digest recorded when it was built
//! (`manifest: ok` / `MODIFIED`), and `aotc inspect` exits 1 unless it is ok.

use std::io::Write;
use std::path::Path;

use aotc_abi::manifest::{DirMode, Manifest};
use aotc_abi::sym::MANIFEST_SECTION;
use goblin::elf::{section_header::SHT_NOBITS, Elf};
use serde_json::json;

use crate::diag::{quote, Diag, Result};
use crate::manifest::{integrity, Integrity};

/// Reads the manifest embedded in the executable at `path`.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    let shown = quote(&path.display().to_string());
    let bytes = crate::input::read_bounded(path, crate::input::FileKind::Executable)?;
    manifest_from_elf(&bytes).map_err(|d| d.context(shown))
}

/// Finds and decodes the manifest section in an ELF image.
pub fn manifest_from_elf(bytes: &[u8]) -> Result<Manifest> {
    if !bytes.starts_with(b"\x7fELF") {
        let d = Diag::new("not an ELF executable");
        return Err(if bytes.starts_with(b"\0asm") {
            d.with_help("this is a wasm module; compile it first: `aotc module.wasm -o tool`")
        } else {
            d
        });
    }
    let elf = Elf::parse(bytes).map_err(|e| Diag::new(format!("malformed ELF file: {e}")))?;
    let section = elf
        .section_headers
        .iter()
        .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(MANIFEST_SECTION))
        .ok_or_else(|| {
            Diag::new(format!(
                "not an aotc executable (no {MANIFEST_SECTION} section)"
            ))
        })?;
    if section.sh_type == SHT_NOBITS {
        return Err(Diag::new(format!(
            "corrupt aotc executable: {MANIFEST_SECTION} holds no data"
        )));
    }
    let data = usize::try_from(section.sh_offset)
        .ok()
        .zip(usize::try_from(section.sh_size).ok())
        .and_then(|(off, len)| bytes.get(off..off.checked_add(len)?))
        .ok_or_else(|| {
            Diag::new(format!(
                "corrupt aotc executable: {MANIFEST_SECTION} lies outside the file"
            ))
        })?;
    Manifest::decode(data).map_err(|e| {
        let why = match e {
            aotc_abi::manifest::DecodeError::BadMagic => {
                "bad magic or ABI version (built by an incompatible aotc?)"
            }
            aotc_abi::manifest::DecodeError::Truncated => "truncated",
            aotc_abi::manifest::DecodeError::BadUtf8 => "a string is not UTF-8",
            aotc_abi::manifest::DecodeError::BadMode => "unknown directory mode",
            aotc_abi::manifest::DecodeError::TrailingBytes => "unexpected bytes after the manifest",
        };
        Diag::new(format!("corrupt capability manifest: {why}"))
    })
}

fn mode_words(mode: DirMode) -> &'static str {
    match mode {
        DirMode::ReadOnly => "ro (read-only)",
        DirMode::ReadWrite => "rw (read-write)",
    }
}

/// A manifest string for the terminal: as is when plain, quoted and escaped otherwise.
fn show(s: &str) -> String {
    if !s.is_empty() && !s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}

/// Writes the human-readable report.
pub fn write_text(out: &mut dyn Write, name: &str, m: &Manifest) -> std::io::Result<()> {
    writeln!(out, "{}: aotc executable", show(name))?;
    writeln!(out, "manifest: {}", integrity_words(integrity(m)))?;
    writeln!(out, "capabilities (everything not listed is denied):")?;
    if m.dirs.is_empty() {
        writeln!(out, "  directories: none")?;
    } else {
        writeln!(out, "  directories (guest <- host):")?;
        let rows: Vec<(String, String)> = m
            .dirs
            .iter()
            .map(|d| (show(&d.guest), show(&d.host)))
            .collect();
        let gw = rows
            .iter()
            .map(|(g, _)| g.chars().count())
            .max()
            .unwrap_or(0);
        let hw = rows
            .iter()
            .map(|(_, h)| h.chars().count())
            .max()
            .unwrap_or(0);
        for ((guest, host), d) in rows.iter().zip(&m.dirs) {
            writeln!(
                out,
                "    {guest:<gw$}  <- {host:<hw$}  {}",
                mode_words(d.mode)
            )?;
        }
    }
    if m.env.is_empty() {
        writeln!(out, "  environment: none set")?;
    } else {
        writeln!(out, "  environment (set):")?;
        for (k, v) in &m.env {
            writeln!(out, "    {}={}", show(k), show(v))?;
        }
    }
    if m.allow_env.is_empty() {
        writeln!(out, "  environment passed through: none")?;
    } else {
        let names: Vec<String> = m.allow_env.iter().map(|n| show(n)).collect();
        writeln!(out, "  environment passed through: {}", names.join(", "))?;
    }
    if m.listen.is_empty() {
        writeln!(out, "  listen sockets: none")?;
    } else {
        let addrs: Vec<String> = m.listen.iter().map(|a| show(a)).collect();
        writeln!(out, "  listen sockets (TCP): {}", addrs.join(", "))?;
    }
    for (list, what) in [
        (&m.connect, "connect to (TCP, UDP)"),
        (&m.bind, "bind to (own listeners, UDP)"),
        (&m.resolve, "resolve names"),
    ] {
        if list.is_empty() {
            writeln!(out, "  {what}: none")?;
        } else {
            let rules: Vec<String> = list.iter().map(|a| show(a)).collect();
            writeln!(out, "  {what}: {}", rules.join(", "))?;
        }
    }
    match m.max_threads {
        0 => writeln!(out, "  threads (wasi-threads): none")?,
        n => writeln!(out, "  threads (wasi-threads): at most {n} at once")?,
    }
    if !m.build.is_empty() {
        writeln!(out, "build:")?;
        let width = m
            .build
            .iter()
            .map(|(k, _)| show(k).chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &m.build {
            // Facts are prose ("native (znver3)"): escape, but do not quote.
            writeln!(out, "  {:<width$}  {}", show(k), v.escape_debug())?;
        }
    }
    Ok(())
}

/// The `manifest:` line's verdict.
fn integrity_words(i: Integrity) -> &'static str {
    match i {
        Integrity::Ok => "ok",
        Integrity::Modified => {
            "MODIFIED (it does not match the manifest-sha256 recorded at build time)"
        }
        Integrity::Unverified => {
            "UNVERIFIED (no manifest-sha256: built by an older aotc, or the digest was removed)"
        }
    }
}

/// The `manifest` value of the JSON report.
fn integrity_key(i: Integrity) -> &'static str {
    match i {
        Integrity::Ok => "ok",
        Integrity::Modified => "MODIFIED",
        Integrity::Unverified => "UNVERIFIED",
    }
}

/// Fails (one line naming `shown`) unless the manifest matches its recorded digest;
/// `aotc inspect` calls it after printing the report, so the report is still shown.
pub fn check_integrity(shown: &str, m: &Manifest) -> Result<()> {
    match integrity(m) {
        Integrity::Ok => Ok(()),
        Integrity::Modified => Err(Diag::new(format!(
            "{}: the capability manifest was modified after the build (manifest-sha256 does not match)",
            show(shown)
        ))
        .with_help("rebuild the executable with aotc; to protect a binary against deliberate rewriting, sign it")),
        Integrity::Unverified => Err(Diag::new(format!(
            "{}: the capability manifest carries no manifest-sha256, so it cannot be checked",
            show(shown)
        ))
        .with_help("rebuild the executable with this aotc")),
    }
}

/// The manifest as a JSON value with stable keys.
pub fn to_json(m: &Manifest) -> serde_json::Value {
    let dirs: Vec<_> = m
        .dirs
        .iter()
        .map(|d| json!({ "host": d.host, "guest": d.guest, "mode": d.mode.as_str() }))
        .collect();
    // A list, not an object: it shows exactly what the binary holds, in order.
    let env: Vec<_> = m
        .env
        .iter()
        .map(|(k, v)| json!({ "name": k, "value": v }))
        .collect();
    let build: serde_json::Map<String, serde_json::Value> =
        m.build.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    json!({
        "manifest": integrity_key(integrity(m)),
        "dirs": dirs,
        "env": env,
        "allow_env": m.allow_env,
        "listen": m.listen,
        "connect": m.connect,
        "bind": m.bind,
        "resolve": m.resolve,
        "max_threads": m.max_threads,
        "build": build,
    })
}

/// Writes the JSON report followed by a newline.
pub fn write_json(out: &mut dyn Write, m: &Manifest) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(m))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aotc_abi::manifest::DirGrant;

    fn sample() -> Manifest {
        Manifest {
            dirs: vec![
                DirGrant {
                    host: "data".into(),
                    guest: "data".into(),
                    mode: DirMode::ReadOnly,
                },
                DirGrant {
                    host: "out".into(),
                    guest: "/out".into(),
                    mode: DirMode::ReadWrite,
                },
            ],
            env: vec![("LANG".into(), "C".into())],
            allow_env: vec!["HOME".into()],
            listen: vec!["127.0.0.1:8080".into()],
            max_threads: 8,
            connect: vec!["10.0.0.0/8:443".into(), "api.example.com:*".into()],
            bind: vec!["127.0.0.1:0".into()],
            resolve: vec![],
            build: vec![("opt-level".into(), "2".into())],
        }
    }

    #[test]
    fn text_report() {
        let mut out = Vec::new();
        write_text(&mut out, "tool", &sample()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("data  <- data  ro (read-only)"), "{text}");
        assert!(text.contains("/out  <- out   rw (read-write)"), "{text}");
        assert!(text.contains("LANG=C"));
        assert!(text.contains("passed through: HOME"));
        assert!(text.contains("(TCP): 127.0.0.1:8080"));
        assert!(
            text.contains("connect to (TCP, UDP): 10.0.0.0/8:443, api.example.com:*"),
            "{text}"
        );
        assert!(text.contains("bind to (own listeners, UDP): 127.0.0.1:0"));
        assert!(text.contains("resolve names: none"));
        assert!(
            text.contains("threads (wasi-threads): at most 8 at once"),
            "{text}"
        );
        assert!(text.contains("opt-level  2"));
        let mut m = sample();
        m.build = vec![("target-cpu".into(), "native (znver3)\u{1b}".into())];
        let mut out = Vec::new();
        write_text(&mut out, "tool", &m).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("target-cpu  native (znver3)\\u{1b}\n"),
            "{text}"
        );
    }

    #[test]
    fn empty_manifest_says_none() {
        let mut out = Vec::new();
        write_text(&mut out, "t", &Manifest::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("directories: none"));
        assert!(text.contains("listen sockets: none"));
        assert!(text.contains("threads (wasi-threads): none"));
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut m = Manifest::default();
        m.allow_env.push("A\u{1b}[2J".into());
        let mut out = Vec::new();
        write_text(&mut out, "t", &m).unwrap();
        assert!(!out.contains(&0x1b));
    }

    #[test]
    fn json_report() {
        let v = to_json(&sample());
        assert_eq!(v["dirs"][1]["guest"], "/out");
        assert_eq!(v["dirs"][1]["mode"], "rw");
        assert_eq!(v["env"][0]["name"], "LANG");
        assert_eq!(v["env"][0]["value"], "C");
        assert_eq!(v["allow_env"][0], "HOME");
        assert_eq!(v["max_threads"], 8);
        assert_eq!(v["build"]["opt-level"], "2");
    }

    #[test]
    fn integrity_verdicts() {
        use crate::manifest::{manifest_digest, DIGEST_FACT};
        let mut m = sample();
        m.build.push((DIGEST_FACT.into(), manifest_digest(&m)));
        let text = |m: &Manifest| {
            let mut out = Vec::new();
            write_text(&mut out, "t", m).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert!(text(&m).contains("\nmanifest: ok\n"), "{}", text(&m));
        assert_eq!(to_json(&m)["manifest"], "ok");
        assert!(check_integrity("t", &m).is_ok());

        let mut rw = m.clone();
        rw.dirs[0].mode = DirMode::ReadWrite;
        assert!(text(&rw).contains("\nmanifest: MODIFIED"), "{}", text(&rw));
        assert_eq!(to_json(&rw)["manifest"], "MODIFIED");
        let err = check_integrity("t", &rw).unwrap_err();
        assert!(err.message().contains("modified"), "{}", err.message());

        let mut twice = m.clone();
        twice.build.push(m.build.last().unwrap().clone());
        assert_eq!(to_json(&twice)["manifest"], "MODIFIED");
        assert_eq!(to_json(&sample())["manifest"], "UNVERIFIED");
        assert!(check_integrity("t", &sample()).is_err());
    }

    #[test]
    fn rejects_non_elf_and_foreign_elf() {
        let err = manifest_from_elf(b"\0asm\x01\0\0\0").unwrap_err();
        assert_eq!(err.message(), "not an ELF executable");
        assert!(err.help().is_some());
        // The test binary itself is an ELF file without a manifest.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let err = manifest_from_elf(&me).unwrap_err();
        assert!(
            err.message().starts_with("not an aotc executable"),
            "{}",
            err.message()
        );
        let err = manifest_from_elf(&me[..64]).unwrap_err();
        assert!(
            err.message().starts_with("malformed ELF"),
            "{}",
            err.message()
        );
    }

    /// Builds a real executable whose `.aotc.manifest` section holds `bytes`, the way
    /// generated code places it (a byte array alone in the section).
    fn executable_with_section(
        dir: &Path,
        name: &str,
        bytes: &[u8],
        strip: bool,
    ) -> std::path::PathBuf {
        let list: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
        let src = dir.join(format!("{name}.c"));
        std::fs::write(
            &src,
            format!(
                "__attribute__((used, section(\"{MANIFEST_SECTION}\")))\n\
                 static const unsigned char manifest[{}] = {{{}}};\n\
                 int main(void) {{ return 0; }}\n",
                bytes.len(),
                list.join(",")
            ),
        )
        .unwrap();
        let out = dir.join(name);
        let cc = crate::link::find_linker(dir).unwrap();
        let mut cmd = std::process::Command::new(cc);
        cmd.arg("-o").arg(&out).arg(&src);
        if strip {
            cmd.arg("-s");
        }
        assert!(cmd.status().unwrap().success());
        out
    }

    #[test]
    fn reads_the_section_of_an_executable() {
        let dir = tempfile::tempdir().unwrap();
        let m = sample();
        for strip in [false, true] {
            let exe =
                executable_with_section(dir.path(), &format!("tool{strip}"), &m.encode(), strip);
            assert_eq!(read_manifest(&exe).unwrap(), m);
        }
        let mut corrupt = m.encode();
        corrupt.truncate(corrupt.len() - 1);
        let exe = executable_with_section(dir.path(), "corrupt", &corrupt, false);
        let err = read_manifest(&exe).unwrap_err();
        assert!(
            err.message()
                .ends_with("corrupt capability manifest: truncated"),
            "{}",
            err.message()
        );
        let exe = executable_with_section(dir.path(), "magic", b"NOTAMANIFEST", false);
        let err = read_manifest(&exe).unwrap_err();
        assert!(err.message().contains("bad magic"), "{}", err.message());
    }
}
