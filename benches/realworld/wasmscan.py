#!/usr/bin/env python3
"""Small wasm feature scanner: sections, memories (shared/memory64), imports outside
wasi_snapshot_preview1, exports, target_features/producers custom sections, and
(optionally, --code) a full opcode walk counting EH / atomics / tail-call / SIMD / GC ops.

usage: wasmscan.py [--code] [--json] FILE.wasm...
"""
import sys, json, hashlib, collections

SEC_NAMES = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
             6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data",
             12: "datacount", 13: "tag"}


class R:
    __slots__ = ("b", "p")

    def __init__(self, b, p=0):
        self.b = b
        self.p = p

    def byte(self):
        v = self.b[self.p]
        self.p += 1
        return v

    def u(self):
        b = self.b
        p = self.p
        r = 0
        s = 0
        while True:
            x = b[p]
            p += 1
            r |= (x & 0x7F) << s
            s += 7
            if x < 0x80:
                break
        self.p = p
        return r

    def s(self, bits=64):
        b = self.b
        p = self.p
        r = 0
        s = 0
        while True:
            x = b[p]
            p += 1
            r |= (x & 0x7F) << s
            s += 7
            if x < 0x80:
                break
        self.p = p
        if x & 0x40:
            r -= 1 << s
        return r

    def skipleb(self):
        b = self.b
        p = self.p
        while b[p] & 0x80:
            p += 1
        self.p = p + 1

    def name(self):
        n = self.u()
        v = self.b[self.p:self.p + n].decode("utf-8", "replace")
        self.p += n
        return v


def heaptype(r):
    r.s()


def valtype(r):
    t = r.byte()
    if t in (0x63, 0x64):
        heaptype(r)
    return t


VT = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref",
      0x6F: "externref", 0x69: "exnref", 0x74: "nullexnref", 0x63: "ref null", 0x64: "ref"}


def limits(r):
    flags = r.byte()
    mn = r.u()
    mx = r.u() if flags & 1 else None
    if flags & 8:  # custom page size
        r.u()
    return {"flags": flags, "min": mn, "max": mx, "shared": bool(flags & 2),
            "memory64": bool(flags & 4)}


def blocktype(r):
    b = r.b[r.p]
    if b in (0x63, 0x64):
        r.p += 1
        heaptype(r)
    else:
        r.s()


def memarg(r):
    a = r.u()
    if a & 0x40:
        r.u()
    r.u()


NOIMM = set([0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1, 0xD3, 0xD4]) | set(range(0x45, 0xC5))
IDX1 = set([0x07, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x18, 0x20, 0x21, 0x22, 0x23, 0x24,
            0x25, 0x26, 0x3F, 0x40, 0xD2, 0xD5, 0xD6])
OPNAMES = {0x06: "try(legacy)", 0x07: "catch(legacy)", 0x08: "throw", 0x09: "rethrow(legacy)",
           0x0A: "throw_ref", 0x18: "delegate(legacy)", 0x19: "catch_all(legacy)",
           0x1F: "try_table", 0x12: "return_call", 0x13: "return_call_indirect",
           0x14: "call_ref", 0x15: "return_call_ref", 0xD0: "ref.null", 0xD2: "ref.func",
           0xD5: "br_on_null", 0xD6: "br_on_non_null", 0x1C: "select_t"}
INTERESTING = set(OPNAMES)


def scan_body(r, end, cnt):
    # locals
    n = r.u()
    for _ in range(n):
        r.u()
        valtype(r)
    b = r.b
    while r.p < end:
        op = b[r.p]
        r.p += 1
        if op in INTERESTING:
            cnt[OPNAMES[op]] += 1
        if op in NOIMM:
            continue
        if op in IDX1:
            r.skipleb()
        elif 0x28 <= op <= 0x3E:
            memarg(r)
        elif op == 0x41 or op == 0x42:
            r.skipleb()
        elif op == 0x43:
            r.p += 4
        elif op == 0x44:
            r.p += 8
        elif op in (0x02, 0x03, 0x04, 0x06):
            blocktype(r)
        elif op == 0x0E:
            k = r.u()
            for _ in range(k + 1):
                r.skipleb()
        elif op in (0x11, 0x13):
            r.skipleb()
            r.skipleb()
        elif op == 0x1C:
            k = r.u()
            for _ in range(k):
                valtype(r)
        elif op == 0x1F:
            blocktype(r)
            k = r.u()
            for _ in range(k):
                kind = r.byte()
                cnt["try_table.catch_kind_%d" % kind] += 1
                if kind in (0, 1):
                    r.skipleb()
                r.skipleb()
        elif op == 0xD0:
            heaptype(r)
        elif op == 0xFC:
            sub = r.u()
            if sub <= 7:
                cnt["sat_trunc"] += 1
            else:
                cnt["bulk/table(0xFC)"] += 1
                if sub in (8, 10, 12, 14):
                    r.skipleb(); r.skipleb()
                elif sub in (9, 11, 13, 15, 16, 17):
                    r.skipleb()
                else:
                    raise ValueError("unknown 0xFC sub %d" % sub)
        elif op == 0xFD:
            sub = r.u()
            cnt["simd(0xFD)"] += 1
            if sub >= 0x100:
                cnt["relaxed_simd"] += 1
            elif sub <= 11 or sub in (92, 93):
                memarg(r)
            elif sub in (12, 13):
                r.p += 16
            elif 21 <= sub <= 34:
                r.p += 1
            elif 84 <= sub <= 91:
                memarg(r)
                r.p += 1
        elif op == 0xFE:
            sub = r.u()
            cnt["atomics(0xFE)"] += 1
            cnt["atomic_sub_0x%02x" % sub] += 1
            if sub == 3:
                r.p += 1
                cnt["atomic.fence"] += 1
            else:
                if sub in (0, 1, 2):
                    cnt[["memory.atomic.notify", "memory.atomic.wait32", "memory.atomic.wait64"][sub]] += 1
                memarg(r)
        elif op == 0xFB:
            cnt["gc(0xFB)"] += 1
            raise ValueError("GC opcode, body skipped")
        else:
            raise ValueError("unknown opcode 0x%02x at %d" % (op, r.p - 1))


def scan(path, code=False):
    data = open(path, "rb").read()
    out = {"file": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if data[:4] != b"\0asm":
        out["error"] = "not wasm"
        return out
    ver = int.from_bytes(data[4:8], "little")
    if ver != 1:
        out["error"] = "not a core module (version/layer 0x%x: component?)" % ver
        return out
    r = R(data, 8)
    sections = []
    customs = []
    imports = []
    func_imports = 0
    mems = []
    exports = []
    nfuncs = 0
    ntags = 0
    tags = []
    target_features = []
    producers = {}
    start = None
    code_range = None
    while r.p < len(data):
        sid = r.byte()
        size = r.u()
        body = r.p
        end = body + size
        sections.append(SEC_NAMES.get(sid, str(sid)))
        s = R(data, body)
        if sid == 0:
            nm = s.name()
            customs.append(nm)
            if nm == "target_features":
                for _ in range(s.u()):
                    pre = chr(s.byte())
                    target_features.append(pre + s.name())
            elif nm == "producers":
                try:
                    for _ in range(s.u()):
                        field = s.name()
                        vals = []
                        for _ in range(s.u()):
                            vals.append((s.name() + " " + s.name()).strip())
                        producers[field] = vals
                except Exception:
                    pass
        elif sid == 2:
            for _ in range(s.u()):
                mod = s.name()
                nm = s.name()
                kind = s.byte()
                desc = ""
                if kind == 0:
                    s.u(); func_imports += 1; desc = "func"
                elif kind == 1:
                    valtype(s); lim = limits(s); desc = "table"
                elif kind == 2:
                    lim = limits(s); desc = "memory " + json.dumps(lim); mems.append(dict(lim, imported=mod + "." + nm))
                elif kind == 3:
                    valtype(s); s.byte(); desc = "global"
                elif kind == 4:
                    s.byte(); s.u(); desc = "tag"; ntags += 1
                imports.append((mod, nm, desc))
        elif sid == 3:
            nfuncs = s.u()
        elif sid == 5:
            for _ in range(s.u()):
                mems.append(limits(s))
        elif sid == 7:
            for _ in range(s.u()):
                nm = s.name()
                kind = s.byte()
                s.u()
                exports.append((nm, ["func", "table", "memory", "global", "tag"][kind] if kind < 5 else kind))
        elif sid == 8:
            start = s.u()
        elif sid == 10:
            code_range = (body, end)
        elif sid == 13:
            n = s.u()
            ntags += n
            for _ in range(n):
                s.byte()
                tags.append(s.u())
        r.p = end
    out["sections"] = sections
    out["custom_sections"] = customs
    out["tag_section"] = "tag" in sections
    out["tags_defined"] = len(tags)
    out["funcs_defined"] = nfuncs
    out["func_imports"] = func_imports
    out["memories"] = mems
    other = [i for i in imports if i[0] != "wasi_snapshot_preview1"]
    out["imports_wasi_p1"] = sorted(i[1] for i in imports if i[0] == "wasi_snapshot_preview1")
    out["imports_other"] = other
    exp_f = [e[0] for e in exports if e[1] == "func"]
    out["exports_func_count"] = len(exp_f)
    out["exports_sample"] = exp_f[:25]
    out["exports_nonfunc"] = [e for e in exports if e[1] != "func"]
    out["entry"] = ("_start" if "_start" in exp_f else "") + (" _initialize(reactor)" if "_initialize" in exp_f else "") + (" wasi_thread_start" if "wasi_thread_start" in exp_f else "")
    out["start_section"] = start
    out["target_features"] = target_features
    out["producers"] = producers
    if code and code_range:
        cnt = collections.Counter()
        errs = collections.Counter()
        s = R(data, code_range[0])
        n = s.u()
        for i in range(n):
            sz = s.u()
            e = s.p + sz
            try:
                rr = R(data, s.p)
                scan_body(rr, e, cnt)
            except Exception as ex:
                errs[str(ex)[:60]] += 1
            s.p = e
        out["opcodes"] = dict(cnt)
        if errs:
            out["code_scan_errors"] = dict(errs.most_common(5))
    return out


def main():
    args = sys.argv[1:]
    code = "--code" in args
    js = "--json" in args
    files = [a for a in args if not a.startswith("--")]
    res = []
    for f in files:
        o = scan(f, code)
        res.append(o)
        if not js:
            print("==", f)
            for k, v in o.items():
                if k == "file":
                    continue
                if k == "imports_wasi_p1":
                    v = "%d funcs" % len(v)
                print("  %-18s %s" % (k, v))
    if js:
        print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
