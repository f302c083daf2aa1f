#!/usr/bin/env python3
"""Generates the compile-stress modules of benches/stress (and of tests/stress.rs).

Each is a valid WASI command (`_start` calls the stressing code once and exits with
a value computed from it), written straight as wasm binary so a million functions or
br_table targets take seconds, not a text parser's minutes.

    gen.py KIND N OUT.wasm

prints the exit status the module must end with (computed here, independently of
any compiler), so tests and benchmarks can check the compiled code.

KIND:
  locals    one function with N i64 locals, each set from the argument, then all
            pushed on the operand stack and added: N values live at once
  nested    one function with N nested `if`s around one increment
  brtable   one `br_table` with N targets spread over 16 blocks
  funcs     N functions in all (the import and `_start` included, so N = 1000000 is
            the format's limit): tiny ones, each `x + k`; `_start` calls the first
            and the last
  blocks    one function with N sequential blocks, each ending in a `br_if` (many
            basic blocks and edges, little nesting)
"""

import sys


def leb_u(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def leb_s(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        done = (n == 0 and not b & 0x40) or (n == -1 and b & 0x40)
        out.append(b if done else b | 0x80)
        if done:
            return bytes(out)


def vec(items):
    return leb_u(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + leb_u(len(payload)) + payload


def name(s):
    b = s.encode()
    return leb_u(len(b)) + b


I32, I64 = 0x7F, 0x7E


def functype(params, results):
    return b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])


def body(locals_decl, code):
    """A function body: `locals_decl` = [(count, type)], `code` without the final end."""
    payload = vec([leb_u(n) + bytes([t]) for n, t in locals_decl]) + code + b"\x0b"
    return leb_u(len(payload)) + payload


def module(types, imports, funcs, exports, bodies):
    """`funcs` = type index of each defined function; `exports` = [(name, func index)]."""
    out = b"\0asm\x01\0\0\0"
    out += section(1, vec(types))
    out += section(2, vec(imports))
    out += section(3, leb_u(len(funcs)) + b"".join(leb_u(t) for t in funcs))
    out += section(5, vec([b"\x00\x01"]))  # one page: WASI hosts want a memory export
    exported = [name(n) + b"\x00" + leb_u(i) for n, i in exports]
    out += section(7, vec(exported + [name("memory") + b"\x02\x00"]))
    out += section(10, leb_u(len(bodies)) + b"".join(bodies))
    return out


def command(stress_type, stress_body, call_args):
    """A command whose `_start` calls the one stress function and exits with its
    result (low 6 bits, as Wasmtime refuses statuses of 126 and up) through proc_exit."""
    types = [functype([I32], []), functype([], []), stress_type]
    imports = [name("wasi_snapshot_preview1") + name("proc_exit") + b"\x00" + leb_u(0)]
    result_i64 = stress_type.endswith(b"\x01" + bytes([I64]))
    start = call_args + b"\x10" + leb_u(2)  # call the stress function (index 2)
    if result_i64:
        start += b"\xa7"  # i32.wrap_i64
    start += b"\x41" + leb_s(63) + b"\x71"  # i32.and 63
    start += b"\x10" + leb_u(0)  # proc_exit
    return module(types, imports, [1, 2], [("_start", 1)], [body([], start), stress_body])


def gen_locals(n):
    code = bytearray()
    for i in range(1, n + 1):
        # local[i] = rotl(arg, i) ^ (i * 0x9E3779B9)
        code += b"\x20\x00" + b"\x42" + leb_s(i % 63) + b"\x89"
        code += b"\x42" + leb_s((i * 0x9E3779B9) & 0x7FFFFFFF) + b"\x85"
        code += b"\x21" + leb_u(i)
    # Every local pushed on the operand stack, then folded: N values live at once.
    for i in range(1, n + 1):
        code += b"\x20" + leb_u(i)
    code += b"\x7c" * (n - 1)  # i64.add
    return command(functype([I64], [I64]), body([(n, I64)], bytes(code)), b"\x42\x07")


def gen_nested(n):
    code = bytearray()
    code += b"\x20\x00\x04\x40" * n  # local.get 0; if (empty)
    code += b"\x20\x00\x41\x01\x6a\x21\x00"  # local 0 += 1
    code += b"\x0b" * n
    code += b"\x20\x00"
    return command(functype([I32], [I32]), body([], bytes(code)), b"\x41\x01")


def gen_brtable(n):
    depth = 16
    code = bytearray(b"\x02\x40" * depth)  # 16 nested blocks
    targets = b"".join(leb_u((i * 7) % depth) for i in range(n))
    code += b"\x20\x00\x0e" + leb_u(n) + targets + leb_u(0)
    for k in range(depth):
        code += b"\x0b" + b"\x41" + leb_s(k) + b"\x0f"  # end; i32.const k; return
    code += b"\x41\x00"
    return command(functype([I32], [I32]), body([], bytes(code)), b"\x41" + leb_s(12345))


def gen_blocks(n):
    code = bytearray()
    for _ in range(n):
        # block; local 0 += 3; local 0 & 1; br_if 0; local 0 ^= 6; end
        code += b"\x02\x40\x20\x00\x41\x03\x6a\x21\x00\x20\x00\x41\x01\x71\x0d\x00"
        code += b"\x20\x00\x41\x06\x73\x21\x00\x0b"
    code += b"\x20\x00"
    return command(functype([I32], [I32]), body([], bytes(code)), b"\x41\x01")


def gen_funcs(total):
    n = total - 2
    types = [functype([I32], []), functype([], []), functype([I32], [I32])]
    imports = [name("wasi_snapshot_preview1") + name("proc_exit") + b"\x00" + leb_u(0)]
    first, last = 2, 1 + n
    start = b"\x41\x01\x10" + leb_u(first) + b"\x10" + leb_u(last)
    start += b"\x41" + leb_s(63) + b"\x71\x10\x00"
    bodies = [body([], start)]
    for k in range(n):
        bodies.append(body([], b"\x20\x00\x41" + leb_s(k % 1000) + b"\x6a"))
    return module(types, imports, [1] + [2] * n, [("_start", 1)], bodies)


def expected_status(kind, n):
    """The status `_start` exits with, computed in Python."""
    m64, m32 = (1 << 64) - 1, (1 << 32) - 1
    if kind == "locals":
        acc = 0
        for i in range(1, n + 1):
            r = i % 63
            rot = ((7 << r) | (7 >> (64 - r))) & m64 if r else 7
            acc = (acc + (rot ^ ((i * 0x9E3779B9) & 0x7FFFFFFF))) & m64
        return acc & m32 & 63
    if kind == "nested":
        return (2 if n else 1) & 63
    if kind == "brtable":
        return ((12345 * 7) % 16 if 12345 < n else 0) & 63
    if kind == "funcs":
        return (1 + (n - 3) % 1000) & 63
    if kind == "blocks":
        x = 1
        for _ in range(n):
            x = (x + 3) & m32
            if not x & 1:
                x ^= 6
        return x & 63
    raise ValueError(kind)


KINDS = {
    "locals": gen_locals,
    "nested": gen_nested,
    "brtable": gen_brtable,
    "funcs": gen_funcs,
    "blocks": gen_blocks,
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in KINDS:
        sys.exit(f"usage: gen.py {{{','.join(KINDS)}}} N OUT.wasm")
    kind, n = sys.argv[1], int(sys.argv[2])
    data = KINDS[kind](n)
    with open(sys.argv[3], "wb") as f:
        f.write(data)
    print(expected_status(kind, n))


if __name__ == "__main__":
    main()
