#!/bin/sh
# Installs the AssemblyScript toolchain (compiler + WASI shim, pinned) from the npm
# registry into target/guest-tools/as, unless it is already there.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
prefix=$root/target/guest-tools/as
if [ -x "$prefix/node_modules/.bin/asc" ] &&
   [ -f "$prefix/node_modules/@assemblyscript/wasi-shim/asconfig.json" ] &&
   grep -q '"version": "0.28.20"' "$prefix/node_modules/assemblyscript/package.json"; then
    exit 0
fi
command -v npm >/dev/null || { echo "install.sh: npm (Node.js) is required" >&2; exit 1; }
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --silent \
    assemblyscript@0.28.20 @assemblyscript/wasi-shim@0.1.0 >&2
