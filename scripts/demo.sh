#!/usr/bin/env bash
# scripts/demo.sh — README command 1: build aotc, compile two C programs from
# examples/ to wasm32-wasi, turn each into one native executable whose capabilities
# are fixed at compile time, show them with `aotc inspect`, and run them.
#
#   1. wc.c           counts lines/words/bytes of a file; `--allow-dir data:ro`
#   2. sandbox-demo.c reads its granted file, then tries to write into it and to
#                     escape it (.., absolute paths, a symlink); the grant comes from
#                     examples/sandbox-demo.toml
#
# Everything is built in a temporary directory, removed at the end; the exit status
# is 0 only if every program behaved as expected.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
root=$PWD

if [[ -t 1 ]]; then bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'; else bold='' dim='' off=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
run() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }
fail() { echo "demo: $*" >&2; exit 1; }

for f in examples/wc.c examples/sandbox-demo.c examples/sandbox-demo.toml examples/data/input.txt; do
    [[ -f $f ]] || fail "$f is missing (the examples live in examples/)"
done

step "Build aotc (release)"
run cargo build --release --quiet
aotc=$root/target/release/aotc

work=$(mktemp -d "${TMPDIR:-/tmp}/aotc-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
cp -r "$root/examples/data" data
wasm_cc=(clang-19 --target=wasm32-wasi --sysroot=/usr -O2)

step "1. wc: C -> wasm -> native, with read-only access to data/"
run "${wasm_cc[@]}" "$root/examples/wc.c" -o wc.wasm
run "$aotc" wc.wasm -o wc --allow-dir data:ro
run ls -l wc
run ./wc data/input.txt
printf '%s$ ./wc /etc/passwd   # not granted%s\n' "$dim" "$off"
status=0
./wc /etc/passwd || status=$?
echo "exit status $status"
((status != 0)) || fail "wc could read /etc/passwd, which was never granted"

step "2. sandbox-demo: capabilities from examples/sandbox-demo.toml"
run cat "$root/examples/sandbox-demo.toml"
run "${wasm_cc[@]}" "$root/examples/sandbox-demo.c" -o sandbox-demo.wasm
run "$aotc" sandbox-demo.wasm -o sandbox-demo --manifest "$root/examples/sandbox-demo.toml"
run "$aotc" inspect sandbox-demo

# A host secret next to data/, and a symlink inside data/ pointing at it.
echo 'host secret' > secret.txt
ln -s ../secret.txt data/link-out
before=$(cd data && ls -la --time-style=+%s . && sha256sum input.txt)
printf '%s$ ./sandbox-demo%s\n' "$dim" "$off"
status=0
./sandbox-demo || status=$?
echo "exit status $status"
after=$(cd data && ls -la --time-style=+%s . && sha256sum input.txt)
((status == 7)) || fail "sandbox-demo exited with $status, expected 7 (its proc_exit code)"
[[ $before == "$after" ]] || fail "data/ changed although it was granted read-only"
echo "data/ is unchanged; the secret next to it was not readable."

step "Done"
echo "aotc: $("$aotc" --version)"
