#!/usr/bin/env bash
# Builds libwasi_rt.a, links the selftest shim (fake generated code) against it with the
# flags aotc must use, and checks every scenario's output and exit status.
# Usage: wasi-rt/selftest/run.sh   (from anywhere; needs cc and python3)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
(cd "$root" && cargo build -q -p wasi-rt --profile rt) || { echo "build failed"; exit 1; }
rt="$root/target/rt/libwasi_rt.a"

# The link line aotc must use (see the runtime's final report / README).
LINK_FLAGS=(-static-libgcc -Wl,--gc-sections ${EXTRA_LDFLAGS:-})
CFLAGS=(-O1 -g0 -fno-optimize-sibling-calls -fno-inline -fasynchronous-unwind-tables -w)

T="$(mktemp -d /tmp/wasi-rt-selftest.XXXXXX)"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "$2" | sed 's/^/     | /'; }

build() { # name manifest-args...
  local name=$1; shift
  python3 "$here/mkmanifest.py" "$T/$name.manifest.c" "$@" || exit 1
  ${CC:-cc} "${CFLAGS[@]}" -o "$T/$name" "$here/selftest.c" "$T/$name.manifest.c" "$rt" "${LINK_FLAGS[@]}" \
    || { echo "link of $name failed"; exit 1; }
}

# Fixtures: run from $T so relative grants resolve against the cwd.
mkdir -p "$T/data/sub" "$T/rwdir"
printf 'hello from data\n' >"$T/data/hello.txt"
printf 'inner\n' >"$T/data/sub/inner.txt"
printf 'top secret\n' >"$T/secret.txt"
ln -s hello.txt "$T/data/inside"
ln -s .. "$T/data/sub/up_dir"
ln -s /etc/passwd "$T/data/escape_abs"
ln -s ../secret.txt "$T/data/escape_rel"
ln -s .. "$T/data/escape_dir"
ln -s loop "$T/data/loop"
ln -s sub "$T/data/dirlink"
printf 'keep\n' >"$T/rwdir/keep.txt"
ln -s .. "$T/rwdir/out"
ln -s /tmp/wasi-rt-selftest-must-not-exist "$T/rwdir/dangle"

build ro --dir data::data:ro --env BAKED=yes --env EMPTY= --allow-env SELFTEST_PASS --allow-env SELFTEST_UNSET
build rw --dir rwdir::data:rw
build none
build missing --dir data:ro --dir no-such-dir::guestname:ro
build corrupt --dir data:ro --corrupt
build listen --listen 127.0.0.1:0

cd "$T"
expect() { # name expected-status command... ; output in $out
  local name=$1 want=$2; shift 2
  out="$("$@" 2>&1)"; st=$?
  if [ "$st" = "$want" ]; then ok "$name (exit $st)"; else bad "$name: exit $st, want $want" "$out"; fi
}
contains() { # name needle
  if grep -qF -- "$2" <<<"$out"; then ok "$1"; else bad "$1: missing '$2'" "$out"; fi
}
lacks() {
  if grep -qF -- "$2" <<<"$out"; then bad "$1: unexpected '$2'" "$out"; else ok "$1"; fi
}
scenario() { # name binary args... : runs a self-checking scenario
  local name=$1; shift
  expect "$name" 0 "$@"
  lacks "$name: no failed checks" "FAIL"
  contains "$name: summary" " passed, 0 failed"
}

# args and environment
SELFTEST_PASS=passed HOME=/should/not/leak expect "args/env" 0 ./ro args "two words" ""
contains "argv[0] passed through" "arg: ./ro"
contains "argv[1]" "arg: args"
contains "argv with space" "arg: two words"
contains "empty argv entry kept" "arg: "$'\n'
contains "baked env" "env: BAKED=yes"
contains "baked empty env" "env: EMPTY="
contains "allowed env passed" "env: SELFTEST_PASS=passed"
lacks "unset allowed env absent" "SELFTEST_UNSET"
lacks "host env not leaked" "HOME="
env_order="$(grep '^env:' <<<"$out" | tr '\n' ' ')"
[ "$env_order" = "env: BAKED=yes env: EMPTY= env: SELFTEST_PASS=passed " ] && ok "env order" || bad "env order: $env_order"
SELFTEST_PASS=1 expect "no env leak without grant" 0 ./none args
lacks "none: no env" "env: "

scenario misc ./ro misc
scenario "read-only grant" ./ro ro
SELFTEST_NO_OPENAT2=1 scenario "read-only grant, openat2 unavailable (walk fallback)" ./ro ro
scenario efault ./ro efault
scenario "read-write grant" ./rw rw
[ -f "$T/rwdir/keep.txt" ] && [ ! -e "$T/evil.txt" ] && [ ! -e "$T/evil" ] && [ ! -e /tmp/wasi-rt-selftest-must-not-exist ] \
  && ok "nothing created outside the grant" || bad "something was created outside the grant"
rm -rf "$T/rwdir"/{f.txt,d,d2}
SELFTEST_NO_OPENAT2=1 scenario "read-write grant, walk fallback" ./rw rw
[ ! -e "$T/evil.txt" ] && [ ! -e /tmp/wasi-rt-selftest-must-not-exist ] && ok "walk: nothing created outside" \
  || bad "walk: something created outside"
SELFTEST_NOMEM=1 scenario "module without memory" ./none
scenario "listen preopen" ./listen listen

# traps
expect "trap exit status" 134 ./ro trap
first="$(head -n1 <<<"$out")"
[ "$first" = "wasm trap: unreachable" ] && ok "trap first line" || bad "trap first line: $first" "$out"
contains "trap function" "  in wasm function w_trap"
contains "trap backtrace header" "wasm backtrace:"
contains "trap backtrace #0" "  #0 w_trap"
contains "trap backtrace #1" "  #1 w_outer"
contains "trap backtrace #2" "  #2 w_start"
SELFTEST_TRAP_INIT=1 expect "trap during instantiation" 134 ./ro args
[ "$(head -n2 <<<"$out")" = $'wasm trap: out of bounds memory access\n  during module instantiation' ] \
  && ok "instantiation trap message" || bad "instantiation trap message" "$out"
expect "out-of-bounds store exit status" 134 ./ro oob
contains "oob message" "wasm trap: out of bounds memory access"
contains "oob function" "  in wasm function w_oob"
contains "oob backtrace" "  #0 w_oob"
expect "stack overflow exit status" 134 ./ro stack
contains "stack overflow message" "wasm trap: call stack exhausted"
contains "stack overflow function" "  in wasm function w_recurse"
lacks "stack overflow is not a segfault" "Segmentation"

# The same through real LLVM code generation (when clang-19 is installed).
if command -v clang-19 >/dev/null; then
  python3 "$here/mkmanifest.py" "$T/ir.manifest.c"
  for entry in trap_outer deep0 oob; do
    sed "s/@ENTRY@/$entry/" "$here/llvm_module.ll.in" >"$T/ir_$entry.ll"
    clang-19 -O2 -Wno-override-module -c "$T/ir_$entry.ll" -o "$T/ir_$entry.o" \
      && cc -o "$T/ir_$entry" "$T/ir_$entry.o" "$T/ir.manifest.c" "$rt" "${LINK_FLAGS[@]}" || bad "llvm $entry build"
  done
  expect "llvm: trap" 134 ./ir_trap_outer
  [ "$out" = $'wasm trap: integer divide by zero\n  in wasm function trap_inner\nwasm backtrace:\n  #0 trap_inner\n  #1 trap_outer' ] \
    && ok "llvm: exact trap report" || bad "llvm: exact trap report" "$out"
  expect "llvm: stack overflow with 16 KiB frames" 134 ./ir_deep0
  contains "llvm: call stack exhausted" $'wasm trap: call stack exhausted\n  in wasm function deep\nwasm backtrace:\n  #0 deep\n  #1 deep'
  contains "llvm: deep backtrace is cut" "  ... (more frames not shown)"
  expect "llvm: out-of-bounds store" 134 ./ir_oob
  [ "$out" = $'wasm trap: out of bounds memory access\n  in wasm function oob\nwasm backtrace:\n  #0 oob' ] \
    && ok "llvm: exact oob report" || bad "llvm: exact oob report" "$out"
else
  echo "skip llvm checks: clang-19 not installed"
fi

# exits and startup errors
expect "proc_exit(7)" 7 ./ro exit7
expect "missing grant" 125 ./missing args
[ "$out" = "./missing: error: cannot open granted directory 'no-such-dir' (seen by the module as 'guestname'): No such file or directory" ] \
  && ok "missing grant message" || bad "missing grant message" "$out"
expect "corrupt manifest" 125 ./corrupt args
[ "$out" = "./corrupt: error: corrupt capability manifest" ] && ok "corrupt manifest message" || bad "corrupt manifest message" "$out"

# --gc-sections keeps only what is used: this shim imports everything, so check a
# minimal program instead.
cat >"$T/min.c" <<'C'
unsigned char aotc_abi_version_2; const void *aotc_listen_hook = 0; _Alignas(16) unsigned char aotc_vmctx[64];
unsigned long aotc_vmctx_size = 64; const void *aotc_func_infos[2]; const unsigned aotc_func_info_count = 0;
void aotc_instantiate(unsigned char *v) {}
void aotc_run_start(unsigned char *v) {}
C
python3 "$here/mkmanifest.py" "$T/min.manifest.c"
cc -O2 -o "$T/min" "$T/min.c" "$T/min.manifest.c" "$rt" "${LINK_FLAGS[@]}" && ok "minimal program links" || bad "minimal link"
expect "minimal program runs" 0 ./min
syms="$(nm "$T/min" | grep -c ' T aotc_wasi_' || true)"
[ "$syms" = 0 ] && ok "no WASI functions linked into a program that imports none" || bad "unused WASI functions linked: $syms"
nm "$T/min" | grep -q 'openat2\|aotc_wasi_path' && bad "path code linked without path imports" || ok "no path code without path imports"
size="$(stat -c %s "$T/min")"; echo "     minimal executable: $size bytes (unstripped)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
