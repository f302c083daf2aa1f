#!/bin/sh
# install.sh: makes sure the C toolchain for tests/guests/c is present: clang-19 with
# the wasm32-wasi sysroot (wasi-libc) and compiler-rt builtins, from Debian apt.
# Idempotent: does nothing when they are already installed.
set -eu
have() {
    command -v clang-19 >/dev/null 2>&1 &&
        [ -f /usr/lib/wasm32-wasi/libc.a ] &&
        ls /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1
}
if have; then
    exit 0
fi
SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi
$SUDO apt-get update -qq >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 >/dev/null
have || { echo "install.sh: clang-19 / wasi-libc still missing after apt-get" >&2; exit 1; }
