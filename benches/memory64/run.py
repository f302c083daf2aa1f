#!/usr/bin/env python3
"""What memory64's explicit bounds checks cost: one source, 32-bit vs 64-bit memory.

Builds benches/memory64/kernels.c (freestanding, no libc) twice with clang-19 -O2:
for wasm32 (a 32-bit memory: aotc reserves 4 GiB + guard, so no access needs a
check) and for wasm64 (a 64-bit memory: every access is checked explicitly against
the current size). Each kernel is an export; `aotc -O2 --invoke KERNEL` makes one
executable per kernel and target. The runs are round-robin, the figure is the median
wall time, and the two targets must return the same checksum, else the runner stops.
With AOTC_WASMTIME (or `wasmtime` on PATH) the same modules also run under
`wasmtime run -W memory64=y --invoke` for reference.

Usage: python3 benches/memory64/run.py [--runs N] [KERNEL ...]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = ROOT / "benches" / "build" / "memory64"
KERNELS = ["gather", "crc32", "matmul", "sort"]
TARGETS = ["wasm32", "wasm64"]


def run(cmd):
    """Runs cmd; returns (seconds, stdout) or stops the runner naming the command."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"memory64 bench: `{' '.join(map(str, cmd))}` exited {done.returncode}: {done.stderr.strip()}")
    return seconds, done.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("kernels", nargs="*", default=KERNELS)
    args = parser.parse_args()
    BUILD.mkdir(parents=True, exist_ok=True)
    aotc = os.environ.get("AOTC", str(ROOT / "target" / "release" / "aotc"))
    wasmtime = os.environ.get("AOTC_WASMTIME") or shutil.which("wasmtime")

    modules = {}
    for target in TARGETS:
        modules[target] = BUILD / f"kernels.{target}.wasm"
        run(["clang-19", f"--target={target}", "-O2", "-mbulk-memory", "-nostdlib",
             "-Wl,--no-entry", str(HERE / "kernels.c"), "-o", str(modules[target])])

    variants = {}  # (kernel, column) -> command
    for kernel in args.kernels:
        for target in TARGETS:
            exe = BUILD / f"{kernel}.{target}"
            run([aotc, str(modules[target]), "-O2", "--no-cache", "--invoke", kernel, "-o", str(exe)])
            variants[(kernel, f"aotc {target}")] = [str(exe)]
            if wasmtime:
                variants[(kernel, f"wasmtime {target}")] = [
                    wasmtime, "run", "-W", "memory64=y", "--invoke", kernel, str(modules[target])]

    times = {key: [] for key in variants}
    outputs = {}
    for _ in range(args.runs):
        for key, cmd in variants.items():
            seconds, out = run(cmd)
            times[key].append(seconds)
            outputs.setdefault(key[0], {})[key[1]] = out
    for kernel, by_column in outputs.items():
        if len(set(by_column.values())) != 1:
            sys.exit(f"memory64 bench: {kernel} checksums differ: {by_column}")

    columns = [c for c in ["aotc wasm32", "aotc wasm64", "wasmtime wasm32", "wasmtime wasm64"]
               if any(key[1] == c for key in variants)]
    print(f"median of {args.runs} runs, seconds (wasm64/wasm32 ratio per runtime)")
    print(f"{'kernel':<8}" + "".join(f"{c:>17}" for c in columns) + f"{'aotc ratio':>12}" +
          (f"{'wasmtime ratio':>16}" if wasmtime else ""))
    for kernel in args.kernels:
        med = {c: statistics.median(times[(kernel, c)]) for c in columns}
        line = f"{kernel:<8}" + "".join(f"{med[c]:>17.3f}" for c in columns)
        line += f"{med['aotc wasm64'] / med['aotc wasm32']:>12.2f}"
        if wasmtime:
            line += f"{med['wasmtime wasm64'] / med['wasmtime wasm32']:>16.2f}"
        print(line)


if __name__ == "__main__":
    main()
