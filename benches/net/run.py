#!/usr/bin/env python3
"""Loopback TCP echo benchmark: aotc executable against the same C program built natively.

Builds benches/net/echo.c twice (clang-19 -O2 natively; clang-19 --target=wasm32-wasi,
then aotc with AOTC_FLAGS), then measures, in one run, for each workload:
  native server + native client   (the baseline)
  aotc server   + native client   (aotc's accept/recv/send/poll path)
  native server + aotc client     (aotc's connect/send/recv/poll path)
Workloads: "small" (64-byte round trips: requests/s and latency) and "large" (64 KiB round
trips: throughput). Each cell is the median of --runs runs (by requests/s); the table gives
requests/s, MB/s (payload echoed per second, one direction), median and p99 round-trip
latency in microseconds, and requests/s relative to native/native.

Environment: AOTC = path of aotc (default: target/release/aotc of this checkout);
CC = C compiler (default clang-19). If aotc is missing or refuses the module (e.g. a
socket flag it does not know yet), the aotc rows are reported as skipped with aotc's error
and the native rows still run; the exit status is then 1.

Usage: benches/net/run.py [--runs N] [--scale F] [--json PATH]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = HERE / "echo.c"

CC = os.environ.get("CC", "clang-19")
NATIVE_CFLAGS = ["-O2"]
WASM_CFLAGS = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2"]
# The capability manifest the aotc build gets: the server binds/listens on 127.0.0.1 and
# the client connects to 127.0.0.1, on whatever port the runner picks.
AOTC_FLAGS = ["-O2", "--bind", "127.0.0.1:*", "--connect", "127.0.0.1:*"]

# name, message size in bytes, connections, round trips (before --scale)
WORKLOADS = [
    ("small", 64, 4, 40000),
    ("large", 65536, 4, 4000),
]
# (label, server build, client build)
PAIRS = [
    ("native server + native client", "native", "native"),
    ("aotc server + native client", "aotc", "native"),
    ("native server + aotc client", "native", "aotc"),
]


def die(msg):
    print(f"run.py: {msg}", file=sys.stderr)
    sys.exit(2)


def run_checked(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        die(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}{proc.stderr}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(exe, port):
    """Starts `exe server PORT` and waits for its "listening" line."""
    proc = subprocess.Popen([str(exe), "server", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening"):
        proc.kill()
        _, err = proc.communicate()
        raise RuntimeError(f"server {exe} did not start: {line.strip()} {err.strip()}")
    return proc


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_client(exe, port, conns, requests, size):
    """Runs one client; returns its RESULT fields as floats."""
    proc = subprocess.run([str(exe), "client", str(port), str(conns), str(requests), str(size)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"client {exe} failed: {proc.stdout.strip()} {proc.stderr.strip()}")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return {k: int(v) if k == "requests" else float(v) for k, v in (f.split("=") for f in line.split()[1:])}
    raise RuntimeError(f"client {exe} printed no RESULT line: {proc.stdout.strip()}")


def measure(server_exe, client_exe, conns, requests, size, runs):
    """Median run (by requests/s) of `runs` client runs against one fresh server."""
    port = free_port()
    server = start_server(server_exe, port)
    try:
        results = [run_client(client_exe, port, conns, requests, size) for _ in range(runs)]
    finally:
        stop_server(server)
    results.sort(key=lambda r: r["rps"])
    return results[len(results) // 2]


def build(build_dir):
    """Returns {"native": path, "aotc": path or None} and the reason aotc is missing."""
    native = build_dir / "echo.native"
    wasm = build_dir / "echo.wasm"
    run_checked([CC, *NATIVE_CFLAGS, str(SOURCE), "-o", str(native)])
    run_checked([CC, *WASM_CFLAGS, str(SOURCE), "-o", str(wasm)])
    aotc = Path(os.environ.get("AOTC", ROOT / "target" / "release" / "aotc"))
    if not aotc.exists():
        return {"native": native, "aotc": None}, f"{aotc} not found (set AOTC or cargo build --release)"
    out = build_dir / "echo.aotc"
    proc = subprocess.run([str(aotc), *AOTC_FLAGS, str(wasm), "-o", str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        first = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        return {"native": native, "aotc": None}, f"aotc {' '.join(AOTC_FLAGS)} failed: {first[0] if first else '?'}"
    return {"native": native, "aotc": out}, None


def main():
    ap = argparse.ArgumentParser(description="Loopback TCP echo: aotc vs native.")
    ap.add_argument("--runs", type=int, default=3, help="client runs per cell; the median is shown")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every workload's round trips")
    ap.add_argument("--json", help="also write the results as JSON to this path")
    args = ap.parse_args()
    if args.runs < 1 or args.scale <= 0:
        die("--runs must be >= 1 and --scale > 0")

    with tempfile.TemporaryDirectory(prefix="aotc-netbench-") as tmp:
        exes, aotc_missing = build(Path(tmp))
        if aotc_missing:
            print(f"note: aotc rows skipped: {aotc_missing}", file=sys.stderr)
        rows, failed = [], False
        for name, size, conns, requests in WORKLOADS:
            requests = max(conns, int(requests * args.scale))
            baseline = None
            for label, server, client in PAIRS:
                row = {"workload": name, "size": size, "conns": conns, "requests": requests, "pair": label}
                if exes[server] is None or exes[client] is None:
                    row["skipped"] = aotc_missing
                    failed = True
                else:
                    try:
                        row.update(measure(exes[server], exes[client], conns, requests, size, args.runs))
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        row["skipped"] = str(e).splitlines()[0]
                        failed = True
                if baseline is None and "rps" in row:
                    baseline = row["rps"]
                if "rps" in row and baseline:
                    row["vs_native"] = row["rps"] / baseline
                rows.append(row)

    header = f"{'workload':<22} {'pair':<31} {'req/s':>10} {'MB/s':>9} {'p50 us':>9} {'p99 us':>9} {'vs native':>9}"
    print(f"loopback TCP echo, {time.strftime('%Y-%m-%d %H:%M')}, median of {args.runs} runs")
    print(header)
    print("-" * len(header))
    for r in rows:
        workload = f"{r['workload']} ({r['size']} B x{r['conns']})"
        if "skipped" in r:
            print(f"{workload:<22} {r['pair']:<31} skipped: {r['skipped']}")
            continue
        print(f"{workload:<22} {r['pair']:<31} {r['rps']:>10.0f} {r['mbps']:>9.1f} {r['p50_us']:>9.1f} "
              f"{r['p99_us']:>9.1f} {r['vs_native']:>8.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"aotc_flags": AOTC_FLAGS, "rows": rows}, indent=2) + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
