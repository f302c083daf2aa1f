#!/bin/sh
# build.sh: builds the socket test guest twice, into the directory given as $1:
#   $1/netprobe.wasm    clang-19 --target=wasm32-wasi (WasmEdge socket ABI, via
#                       examples/wasi_socket.h), for aotc
#   $1/netprobe.native  the same source against the host's POSIX sockets, for comparison
# Usage: tests/guests/net/build.sh OUT_DIR
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
CC=${CC:-clang-19}
"$CC" --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror "$here/netprobe.c" -o "$out/netprobe.wasm"
"$CC" -O2 -Wall -Wextra -Werror "$here/netprobe.c" -o "$out/netprobe.native"
