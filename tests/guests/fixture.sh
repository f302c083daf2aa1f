#!/bin/sh
# The directory tree every differential WASI case starts from (tests/wasi_diff.rs).
# Usage: fixture.sh WORKDIR GRANT...   Each GRANT is a host directory name inside WORKDIR;
# it is created and filled with the same tree. WORKDIR also gets `outside.txt`, which a
# guest must never reach (the `escape` symlink points at it).
set -eu
work=$1
shift
umask 022
printf 'secret outside every grant\n' > "$work/outside.txt"
for grant in "$@"; do
    d=$work/$grant
    mkdir -p "$d/sub/deeper"
    printf 'hello, world\n' > "$d/hello.txt"
    : > "$d/empty.txt"
    printf 'nested\n' > "$d/sub/nested.txt"
    printf '0123456789abcdefghijklmnopqrstuvwxyz\n' > "$d/digits.txt"
    ln -s hello.txt "$d/link-hello"
    ln -s sub "$d/link-sub"
    ln -s no-such-file "$d/dangling"
    ln -s ../outside.txt "$d/escape"
    # Fixed times, so a guest may print them: 2001-09-09T01:46:40Z.
    find "$d" -exec touch -h -d @1000000000 {} +
done
