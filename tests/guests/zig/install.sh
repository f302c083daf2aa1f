#!/bin/sh
# Installs the Zig toolchain for the zig differential WASI guests (PyPI `ziglang`, pinned)
# unless `python3 -m ziglang` already answers with that version. Idempotent.
set -eu
want=0.17.1
have=$(python3 -m ziglang version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
    python3 -m pip install -q --disable-pip-version-check "ziglang==$want" >/dev/null
    have=$(python3 -m ziglang version)
    if [ "$have" != "$want" ]; then
        echo "install.sh: ziglang reports '$have', expected $want" >&2
        exit 1
    fi
fi
