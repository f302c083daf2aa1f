#!/bin/sh
# Builds every Zig guest program (*.zig in this folder) to OUT_DIR/<name>.wasm for the
# differential WASI tests (tests/wasi_diff.rs). Quiet unless something fails.
# Usage: build.sh OUT_DIR
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
"$here/install.sh"
# Zig's caches go under the git-ignored target/ tree, never next to the sources.
root=$(cd "$here/../../.." && pwd)
cache=$root/target/guest-tools/zig-cache
mkdir -p "$cache/local" "$cache/global"
for src in "$here"/*.zig; do
    name=$(basename "$src" .zig)
    if ! log=$(cd "$here" && python3 -m ziglang build-exe -target wasm32-wasi -O ReleaseSafe \
            --cache-dir "$cache/local" --global-cache-dir "$cache/global" \
            "$src" -femit-bin="$out/$name.wasm" 2>&1); then
        printf '%s\n' "$log" >&2
        echo "build.sh: building $name.zig failed" >&2
        exit 1
    fi
done
