#!/usr/bin/env python3
"""Writes a C file defining aotc_manifest / aotc_manifest_len (section .aotc.manifest)
encoded exactly as aotc_abi::manifest::Manifest::encode does, for the selftest shim.

usage: mkmanifest.py OUT.c [--dir HOST::GUEST:ro|rw]... [--env K=V]... [--allow-env NAME]...
                            [--listen ADDR]... [--max-threads N] [--connect RULE]...
                            [--bind RULE]... [--resolve NAME]... [--corrupt]
"""
import struct
import sys


def s(b):
    b = b.encode()
    return struct.pack("<I", len(b)) + b


def main():
    out, args = sys.argv[1], sys.argv[2:]
    dirs, env, allow, listen, corrupt = [], [], [], [], False
    net = {"--connect": [], "--bind": [], "--resolve": []}
    max_threads = 64  # aotc_abi::threads::DEFAULT_MAX_THREADS
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--corrupt":
            corrupt = True
            i += 1
            continue
        v = args[i + 1]
        i += 2
        if a == "--dir":
            hg, mode = v.rsplit(":", 1)
            host, guest = hg.split("::") if "::" in hg else (hg, hg)
            dirs.append((host, guest, 0 if mode == "ro" else 1))
        elif a == "--env":
            env.append(tuple(v.split("=", 1)))
        elif a == "--allow-env":
            allow.append(v)
        elif a == "--listen":
            listen.append(v)
        elif a == "--max-threads":
            max_threads = int(v)
        elif a in net:
            net[a].append(v)
        else:
            sys.exit("unknown option " + a)
    m = b"AOTCMAN\x02" + struct.pack("<I", 2)  # aotc_abi::manifest::MAGIC, ABI_VERSION
    m += struct.pack("<I", len(dirs))
    for host, guest, mode in dirs:
        m += s(host) + s(guest) + bytes([mode])
    m += struct.pack("<I", len(env))
    for k, v in env:
        m += s(k) + s(v)
    m += struct.pack("<I", len(allow))
    for n in allow:
        m += s(n)
    m += struct.pack("<I", len(listen))
    for n in listen:
        m += s(n)
    m += struct.pack("<I", max_threads)
    for key in ("--connect", "--bind", "--resolve"):
        m += struct.pack("<I", len(net[key]))
        for n in net[key]:
            m += s(n)
    m += struct.pack("<I", 1) + s("selftest") + s("1")
    if corrupt:
        m = m[:-3]
    body = ",".join(str(b) for b in m)
    with open(out, "w") as f:
        f.write('__attribute__((section(".aotc.manifest"), used)) const unsigned char aotc_manifest[] = {%s};\n' % body)
        f.write("const unsigned int aotc_manifest_len = %d;\n" % len(m))


main()
