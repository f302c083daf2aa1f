#!/bin/sh
# Builds every Go guest program of this folder to OUT_DIR/<name>.wasm with GOOS=wasip1.
# Usage: build.sh OUT_DIR. Each <name>.go is one program, compiled together with common.go
# (shared printing helpers and the raw WASI imports the standard library does not reach).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
go=$("$here/install.sh")
tools=$root/target/guest-tools/go
export GOOS=wasip1 GOARCH=wasm GOTOOLCHAIN=local GOPROXY=off GOTELEMETRY=off GOFLAGS= \
    GOCACHE=$tools/cache GOPATH=$tools/gopath GOMODCACHE=$tools/gopath/pkg/mod GO111MODULE=on
cd "$here"
for src in *.go; do
    [ "$src" = common.go ] && continue
    name=${src%.go}
    if ! log=$("$go" build -trimpath -o "$out/$name.wasm" "$src" common.go 2>&1); then
        printf 'go build %s failed:\n%s\n' "$src" "$log" >&2
        exit 1
    fi
done
