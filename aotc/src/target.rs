//! The `--target-cpu` value: checked against the x86-64 CPUs LLVM 19 knows before
//! it reaches LLVM.
//!
//! Why here: LLVM does not reject a CPU name. An unknown one is ignored with a warning
//! on stderr (silently producing a baseline build), and a 32-bit-only CPU (`i686`,
//! `pentium4`, …) makes LLVM abort the whole process when it emits 64-bit code. Both
//! become one-line errors here.
//!
//! Invariant: [`X86_64_CPUS`] is exactly the list `llc-19 -mtriple=x86_64 -mcpu=help`
//! prints minus the CPUs that cannot run 64-bit code (checked by compiling a function
//! with each); update it together with the LLVM version.
//!
//! Also the two CPU features the translator asks about ([`has_ssse3`], [`has_sse41`]).

use crate::diag::{quote, Diag, Result};

/// The default: x86-64 with SSE4.2 and POPCNT, every x86-64 server since 2009.
pub const DEFAULT_CPU: &str = "x86-64-v2";

/// LLVM target features aotc adds for `cpu` (empty: none). The x86-64 psABI levels
/// (`x86-64`, `x86-64-v2`/`v3`/`v4`) name feature sets for code that runs on any
/// vendor's cores, yet LLVM tunes them like Intel cores of their time, which rotate
/// with `shld` (its `fast-shld-rotate` tuning). On AMD Zen `shld` is micro-coded:
/// SHA-256 and xxHash took 1.7–2 × as long there (Zen 4: 2.10 s against 1.24 s with
/// `rol`/`ror`; clang's own `-march=x86-64-v2` build is as slow). So the levels
/// rotate with `rol`/`ror`, a single fast instruction on every x86-64 core; the rest
/// of their tuning stays LLVM's (`-mtune=generic` instead changed code everywhere;
/// in one A/B run MVP `gemm` took 19 % longer).
/// `native` and named CPUs keep LLVM's tuning for that CPU.
pub fn extra_features(cpu: &str) -> &'static str {
    if matches!(cpu, "x86-64" | "x86-64-v2" | "x86-64-v3" | "x86-64-v4") {
        "-fast-shld-rotate"
    } else {
        ""
    }
}

/// x86-64 CPU names accepted by LLVM 19 for 64-bit code.
pub const X86_64_CPUS: &[&str] = &[
    "alderlake",
    "amdfam10",
    "arrowlake",
    "arrowlake-s",
    "arrowlake_s",
    "athlon-fx",
    "athlon64",
    "athlon64-sse3",
    "atom",
    "atom_sse4_2",
    "atom_sse4_2_movbe",
    "barcelona",
    "bdver1",
    "bdver2",
    "bdver3",
    "bdver4",
    "bonnell",
    "broadwell",
    "btver1",
    "btver2",
    "cannonlake",
    "cascadelake",
    "clearwaterforest",
    "cooperlake",
    "core-avx-i",
    "core-avx2",
    "core2",
    "core_2_duo_sse4_1",
    "core_2_duo_ssse3",
    "core_2nd_gen_avx",
    "core_3rd_gen_avx",
    "core_4th_gen_avx",
    "core_4th_gen_avx_tsx",
    "core_5th_gen_avx",
    "core_5th_gen_avx_tsx",
    "core_aes_pclmulqdq",
    "core_i7_sse4_2",
    "corei7",
    "corei7-avx",
    "emeraldrapids",
    "generic",
    "goldmont",
    "goldmont-plus",
    "goldmont_plus",
    "gracemont",
    "grandridge",
    "graniterapids",
    "graniterapids-d",
    "graniterapids_d",
    "haswell",
    "icelake-client",
    "icelake-server",
    "icelake_client",
    "icelake_server",
    "ivybridge",
    "k8",
    "k8-sse3",
    "knl",
    "knm",
    "lunarlake",
    "meteorlake",
    "mic_avx512",
    "nehalem",
    "nocona",
    "opteron",
    "opteron-sse3",
    "pantherlake",
    "penryn",
    "raptorlake",
    "rocketlake",
    "sandybridge",
    "sapphirerapids",
    "sierraforest",
    "silvermont",
    "skx",
    "skylake",
    "skylake-avx512",
    "skylake_avx512",
    "slm",
    "tigerlake",
    "tremont",
    "westmere",
    "x86-64",
    "x86-64-v2",
    "x86-64-v3",
    "x86-64-v4",
    "znver1",
    "znver2",
    "znver3",
    "znver4",
    "znver5",
];

/// CPUs LLVM knows that cannot execute 64-bit code.
const CPUS_32_BIT: &[&str] = &[
    "athlon",
    "athlon-4",
    "athlon-mp",
    "athlon-tbird",
    "athlon-xp",
    "c3",
    "c3-2",
    "geode",
    "i386",
    "i486",
    "i586",
    "i686",
    "k6",
    "k6-2",
    "k6-3",
    "lakemont",
    "pentium",
    "pentium-m",
    "pentium-mmx",
    "pentium2",
    "pentium3",
    "pentium3m",
    "pentium4",
    "pentium4m",
    "pentium_4",
    "pentium_4_sse3",
    "pentium_ii",
    "pentium_iii",
    "pentium_iii_no_xmm_regs",
    "pentium_m",
    "pentium_mmx",
    "pentium_pro",
    "pentiumpro",
    "prescott",
    "winchip-c6",
    "winchip2",
    "yonah",
];

/// The CPUs of [`X86_64_CPUS`] without SSSE3 (SSE2, at most SSE3/SSE4a). Every other
/// one has it. Checked against LLVM by a translator test that compiles `i8x16.abs`
/// for each CPU and looks for `pabsb`; update it together with the list.
const CPUS_WITHOUT_SSSE3: &[&str] = &[
    "amdfam10",
    "athlon-fx",
    "athlon64",
    "athlon64-sse3",
    "barcelona",
    "generic",
    "k8",
    "k8-sse3",
    "nocona",
    "opteron",
    "opteron-sse3",
    "x86-64",
];

/// The CPUs of [`X86_64_CPUS`] with SSSE3 but without SSE4.1. Checked the same way
/// (`f32x4.nearest` must become `roundps` exactly on the CPUs with SSE4.1).
const CPUS_WITHOUT_SSE41: &[&str] = &["atom", "bonnell", "btver1", "core2", "core_2_duo_ssse3"];

/// Whether code for `cpu` (a name [`check_cpu`] accepts) may use SSSE3
/// instructions. The SIMD translator calls three of them by their x86 intrinsics
/// (`pshufb`, `pmulhrsw`, `pmaddubsw`), which LLVM cannot select without the
/// feature (it aborts), so it needs to know; without SSSE3 it emits portable IR.
pub fn has_ssse3(cpu: &str) -> bool {
    if cpu == "native" {
        return host_has("+ssse3");
    }
    !CPUS_WITHOUT_SSSE3.contains(&cpu)
}

/// Whether code for `cpu` may use SSE4.1. Without it LLVM rounds float vectors
/// (`ceil`, `floor`, `trunc`, `nearest`) by calling libm per lane, and libm returns
/// a signalling NaN unchanged, so the SIMD translator quiets NaN results there.
pub fn has_sse41(cpu: &str) -> bool {
    if cpu == "native" {
        return host_has("+sse4.1");
    }
    has_ssse3(cpu) && !CPUS_WITHOUT_SSE41.contains(&cpu)
}

/// Whether this machine's CPU has `feature` (as LLVM spells it, `+ssse3`).
fn host_has(feature: &str) -> bool {
    let features = inkwell::targets::TargetMachine::get_host_cpu_features();
    features.to_string_lossy().split(',').any(|f| f == feature)
}

/// Checks a `--target-cpu` value (`native` or an LLVM x86-64 CPU name).
pub fn check_cpu(cpu: &str) -> Result<()> {
    if cpu == "native" || X86_64_CPUS.contains(&cpu) {
        return Ok(());
    }
    let help = "use x86-64-v2 (the default), x86-64-v3, native, or a CPU such as skylake or znver3";
    if CPUS_32_BIT.contains(&cpu) {
        return Err(Diag::new(format!(
            "invalid --target-cpu {}: a 32-bit CPU cannot run x86-64 code",
            quote(cpu)
        ))
        .with_help(help));
    }
    if cpu.is_empty() {
        return Err(Diag::new("empty --target-cpu").with_help(help));
    }
    let d = Diag::new(format!("unknown --target-cpu {}", quote(cpu)));
    Err(match closest(cpu) {
        Some(near) => d.with_help(format!("did you mean `{near}`? ({help})")),
        None => d.with_help(help),
    })
}

/// What to record as the target CPU in the build facts: the name, and for `native`
/// also what it stands for on this machine.
pub fn describe_cpu(cpu: &str) -> String {
    if cpu == "native" {
        let host = inkwell::targets::TargetMachine::get_host_cpu_name();
        format!("native ({})", host.to_string_lossy())
    } else {
        cpu.to_string()
    }
}

/// The version of the LLVM aotc is linked with, e.g. `19.1.7`.
pub fn llvm_version() -> String {
    let (major, minor, patch) = inkwell::support::get_llvm_version();
    format!("{major}.{minor}.{patch}")
}

/// The known CPU nearest to `cpu` by edit distance, when it is a plausible typo.
fn closest(cpu: &str) -> Option<&'static str> {
    let cpu = cpu.to_ascii_lowercase();
    X86_64_CPUS
        .iter()
        .map(|c| (edit_distance(&cpu, c), *c))
        .filter(|(d, _)| *d <= 2.max(cpu.len() / 4))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_cpus() {
        for cpu in [
            "x86-64-v2",
            "x86-64-v3",
            "native",
            "znver3",
            "skylake-avx512",
            "generic",
        ] {
            check_cpu(cpu).unwrap();
        }
        assert!(X86_64_CPUS.contains(&DEFAULT_CPU));
    }

    #[test]
    fn rejects_32_bit_and_unknown() {
        let e = check_cpu("i686").unwrap_err();
        assert!(e.message().contains("32-bit"));
        let e = check_cpu("znver33").unwrap_err();
        assert_eq!(e.message(), "unknown --target-cpu `znver33`");
        assert!(e.help().unwrap().contains("did you mean `znver3`"));
        let e = check_cpu("x86_64_v3").unwrap_err();
        assert!(e.help().unwrap().contains("`x86-64-v3`"), "{:?}", e.help());
        let e = check_cpu("").unwrap_err();
        assert!(e.help().is_some());
        let e = check_cpu("Skylake").unwrap_err();
        assert!(e.help().unwrap().contains("`skylake`"));
    }

    #[test]
    fn lists_are_disjoint_and_sorted() {
        assert!(X86_64_CPUS.windows(2).all(|w| w[0] < w[1]));
        assert!(CPUS_32_BIT.windows(2).all(|w| w[0] < w[1]));
        assert!(CPUS_32_BIT.iter().all(|c| !X86_64_CPUS.contains(c)));
    }

    #[test]
    fn facts() {
        assert_eq!(describe_cpu("znver3"), "znver3");
        assert!(describe_cpu("native").starts_with("native ("));
        assert!(llvm_version().starts_with("19."));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
