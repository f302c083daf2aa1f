# CPython workload for benches/realworld.sh: an integer loop, string building and
# splitting, a dict of words and a sort. Prints one checksum line so every runtime's
# output can be compared.
def loop(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s

def strings(n):
    parts = []
    for i in range(n):
        parts.append(f"item-{i:06d}-{'abcdefgh'[i % 8] * (i % 5)}")
    text = ",".join(parts)
    words = text.split(",")
    counts = {}
    for w in words:
        key = w.split("-")[2] if w.count("-") >= 2 else ""
        counts[key] = counts.get(key, 0) + 1
    return len(text), sorted(counts.items())[:3], text.upper().count("ITEM")

def sort_work(n):
    xs = [(i * 2654435761) % 1000003 for i in range(n)]
    xs.sort()
    return xs[n // 2]

print(loop(3_000_000), strings(300_000), sort_work(400_000))
