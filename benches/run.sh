#!/usr/bin/env bash
# Benchmark suite runner: builds every benches/*.c natively (clang-19 -O2 -march=x86-64-v2,
# the baseline) and to wasm32-wasi (clang-19 -O2), compiles the wasm with aotc at -O2 with
# its default target CPU (x86-64-v2), runs each variant RUNS times (median wall time),
# checks every run printed "ok <name> ...", prints a table and writes benches/results.json.
# wasmtime and node (node:wasi via wasi_run.mjs, --single-threaded-gc) columns are added
# when they are on PATH.
#
# usage: bash benches/run.sh [name...]        env: RUNS=3 (runs per variant)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
RUNS="${RUNS:-3}"
CC="${CC:-clang-19}"
NATIVE_FLAGS="-O2 -march=x86-64-v2"
WASM_FLAGS="--target=wasm32-wasi --sysroot=/usr -O2"
AOTC="$root/target/release/aotc"
AOTC_FLAGS="-O2"
build="$here/build"
rundir="$build/run"   # working directory of every run (fileio writes its file here)
mkdir -p "$build" "$rundir"

if [ ! -x "$AOTC" ]; then (cd "$root" && cargo build --release); fi

have_wasmtime=0; have_node=0
command -v wasmtime >/dev/null 2>&1 && have_wasmtime=1
command -v node >/dev/null 2>&1 && have_node=1

if [ $# -gt 0 ]; then names=("$@"); else
  names=(); for f in "$here"/*.c; do names+=("$(basename "${f%.c}")"); done
fi

# grant per program (only fileio needs one)
aotc_grant() { [ "$1" = fileio ] && echo "--allow-dir .:rw" || true; }
wasmtime_grant() { [ "$1" = fileio ] && echo "--dir ." || true; }

echo "building ${#names[@]} programs (native: $CC $NATIVE_FLAGS; wasm: $CC $WASM_FLAGS; aotc $AOTC_FLAGS, default --target-cpu)" >&2
for n in "${names[@]}"; do
  $CC $NATIVE_FLAGS "$here/$n.c" -o "$build/$n.native" -lm
  $CC $WASM_FLAGS "$here/$n.c" -o "$build/$n.wasm"
  # shellcheck disable=SC2046
  "$AOTC" $AOTC_FLAGS $(aotc_grant "$n") "$build/$n.wasm" -o "$build/$n.aotc"
done

# run_median NAME CMD... : prints the median wall time in seconds; exits on a bad result
run_median() {
  local name="$1"; shift
  local times=() i t0 t1 out
  for ((i = 0; i < RUNS; i++)); do
    t0=$EPOCHREALTIME
    if ! out=$(cd "$rundir" && "$@" 2>&1); then echo "error: $name: '$*' failed: $out" >&2; exit 1; fi
    t1=$EPOCHREALTIME
    case "$out" in "ok $name "*) ;; *) echo "error: $name: '$*' printed: $out" >&2; exit 1 ;; esac
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{v[NR]=$1} END{ if (NR%2) print v[(NR+1)/2]; else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2 }'
}

rows=()
for n in "${names[@]}"; do
  echo "running $n" >&2
  tn=$(run_median "$n" "$build/$n.native")
  ta=$(run_median "$n" "$build/$n.aotc")
  tw=-; tj=-
  # shellcheck disable=SC2046
  [ $have_wasmtime = 1 ] && tw=$(run_median "$n" wasmtime run $(wasmtime_grant "$n") "$build/$n.wasm")
  [ $have_node = 1 ] && tj=$(run_median "$n" node --single-threaded-gc --no-warnings "$here/wasi_run.mjs" "$build/$n.wasm")
  rows+=("$n $tn $ta $tw $tj")
done

printf '%s\n' "${rows[@]}" | awk -v hw=$have_wasmtime -v hn=$have_node -v runs="$RUNS" \
  -v json="$here/results.json" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  -v cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" -v nproc="$(nproc)" \
  -v nflags="$NATIVE_FLAGS" -v wflags="$WASM_FLAGS" -v aflags="$AOTC_FLAGS" '
function r(a, b) { return (a == "-" || b == "-") ? "-" : sprintf("%.2f", b / a) }
{ n[NR]=$1; tn[NR]=$2; ta[NR]=$3; tw[NR]=$4; tj[NR]=$5
  la += log($3/$2); if (hw) lw += log($4/$2); if (hn) lj += log($5/$2) }
END {
  hdr = sprintf("| %-12s | %8s | %8s | %10s |", "name", "native s", "aotc s", "aotc/nat")
  sep = "|--------------|---------:|---------:|-----------:|"
  if (hw) { hdr = hdr sprintf(" %10s | %10s |", "wasmtime s", "wt/nat"); sep = sep "-----------:|-----------:|" }
  if (hn) { hdr = hdr sprintf(" %8s | %10s |", "node s", "node/nat"); sep = sep "---------:|-----------:|" }
  print hdr; print sep
  for (i = 1; i <= NR; i++) {
    line = sprintf("| %-12s | %8.3f | %8.3f | %10s |", n[i], tn[i], ta[i], r(tn[i], ta[i]))
    if (hw) line = line sprintf(" %10.3f | %10s |", tw[i], r(tn[i], tw[i]))
    if (hn) line = line sprintf(" %8.3f | %10s |", tj[i], r(tn[i], tj[i]))
    print line
  }
  g = sprintf("| %-12s | %8s | %8s | %10.3f |", "geomean", "", "", exp(la/NR))
  if (hw) g = g sprintf(" %10s | %10.3f |", "", exp(lw/NR))
  if (hn) g = g sprintf(" %8s | %10.3f |", "", exp(lj/NR))
  print g
  printf "{\n  \"date\": \"%s\",\n  \"cpu\": \"%s\",\n  \"nproc\": %d,\n  \"runs\": %d,\n", date, cpu, nproc, runs > json
  printf "  \"native_flags\": \"%s\",\n  \"wasm_flags\": \"%s\",\n  \"aotc_flags\": \"%s (default --target-cpu x86-64-v2)\",\n", nflags, wflags, aflags > json
  printf "  \"geomean_aotc_over_native\": %.4f,\n", exp(la/NR) > json
  if (hw) printf "  \"geomean_wasmtime_over_native\": %.4f,\n", exp(lw/NR) > json
  if (hn) printf "  \"geomean_node_over_native\": %.4f,\n", exp(lj/NR) > json
  printf "  \"benchmarks\": [\n" > json
  for (i = 1; i <= NR; i++) {
    printf "    {\"name\": \"%s\", \"native_s\": %s, \"aotc_s\": %s", n[i], tn[i], ta[i] > json
    if (hw) printf ", \"wasmtime_s\": %s", tw[i] > json
    if (hn) printf ", \"node_s\": %s", tj[i] > json
    printf "}%s\n", (i < NR ? "," : "") > json
  }
  printf "  ]\n}\n" > json
}'
echo "wrote $here/results.json" >&2
