#!/bin/sh
# build.sh OUT_DIR: builds every C guest of the differential WASI tests
# (tests/guests/c/*.c) to OUT_DIR/<name>.wasm with clang-19 and wasi-libc.
# Installs the toolchain first (install.sh). Quiet unless something fails.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: build.sh OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
"$here/install.sh"
for src in "$here"/*.c; do
    name=$(basename "$src" .c)
    clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror -Wno-unused-result \
        "$src" -o "$out/$name.wasm"
done
