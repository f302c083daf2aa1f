#!/bin/sh
# install.sh: makes sure the Rust toolchain for tests/guests/rust is present: Debian's
# rustc (at /usr/bin/rustc, never the rustup one that builds aotc) with its wasm32 std
# (target wasm32-wasi on Debian 12, wasm32-wasip1 on later releases) and lld, from apt.
# Idempotent: does nothing when they are already installed.
set -eu
have() {
    [ -x /usr/bin/rustc ] &&
        { [ -d /usr/lib/rustlib/wasm32-wasi ] || [ -d /usr/lib/rustlib/wasm32-wasip1 ]; }
}
if have; then
    exit 0
fi
SUDO=
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
fi
$SUDO apt-get update -qq >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc libstd-rust-dev-wasm32 lld >/dev/null
have || { echo "install.sh: /usr/bin/rustc or its wasm32 std still missing after apt-get" >&2; exit 1; }
