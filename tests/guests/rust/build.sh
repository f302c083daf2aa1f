#!/bin/sh
# build.sh OUT_DIR: builds every Rust guest of the differential WASI tests
# (tests/guests/rust/*.rs except common.rs, which they include) to OUT_DIR/<name>.wasm
# with Debian's rustc and its wasm32 std, then fetches the prebuilt Rust command modules
# (fetch.sh). Installs the toolchain first (install.sh). Quiet unless something fails.
#
# The programs use std::os::wasi (symlink_path, FileExt, MetadataExt, AsRawFd), which
# rustc 1.63 still marks unstable (feature wasi_ext): RUSTC_BOOTSTRAP=1 lets the stable
# Debian compiler accept that one feature gate.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: build.sh OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
"$here/install.sh"
if [ -d /usr/lib/rustlib/wasm32-wasi ]; then
    target=wasm32-wasi
else
    target=wasm32-wasip1
fi
for src in "$here"/*.rs; do
    name=$(basename "$src" .rs)
    [ "$name" = common ] && continue
    RUSTC_BOOTSTRAP=1 /usr/bin/rustc --target "$target" -C opt-level=2 -C strip=debuginfo \
        --edition 2021 -D warnings "$src" -o "$out/$name.wasm"
done
"$here/fetch.sh" "$out"
