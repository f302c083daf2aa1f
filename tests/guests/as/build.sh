#!/bin/sh
# Builds every AssemblyScript guest in this folder (each top-level *.ts) to OUT_DIR/<name>.wasm
# with the pinned asc and the WASI shim config, at -O3. Quiet unless something fails.
set -eu
[ $# -eq 1 ] || { echo "usage: build.sh OUT_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
"$here/install.sh"
root=$(cd "$here/../../.." && pwd)
prefix=$root/target/guest-tools/as
cd "$here"
# asc resolves the shim's "lib" relative to the config path only when that path is relative.
config=$(realpath --relative-to="$here" "$prefix/node_modules/@assemblyscript/wasi-shim/asconfig.json")
for src in *.ts; do
    name=${src%.ts}
    if ! log=$("$prefix/node_modules/.bin/asc" "$src" --config "$config" -O3 \
            -o "$out/$name.wasm" 2>&1); then
        printf '%s\n' "$log" >&2
        echo "build.sh: asc failed for $src" >&2
        exit 1
    fi
done
