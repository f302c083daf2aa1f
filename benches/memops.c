/* memops: memcpy/memset/memmove heavy code. Copies, fills and overlapping moves of
   blocks of mixed sizes (8 B .. 64 KiB) within a 16 MiB arena, plus memcmp. Measures
   bulk-memory lowering (memory.copy/memory.fill in wasm vs glibc's tuned routines). */
#include "common.h"
#define ARENA (16 << 20)
#define OPS 2000000
#define EXPECT 0x94c3bfb5a9432f0aULL
static uint8_t arena[ARENA];
int main(void) {
  for (int i = 0; i < ARENA; i += 8) { uint64_t v = rng64(); memcpy(arena + i, &v, 8); }
  uint64_t h = 0;
  for (int i = 0; i < OPS; i++) {
    uint32_t r = rng32(), r2 = rng32();
    size_t sz = (size_t)8 << (r & 13); /* 8 .. 64 KiB */
    size_t a = (r2 % (ARENA - sz)), b = ((r2 * 2654435761u) >> 3) % (ARENA - sz);
    switch ((r >> 4) & 3) {
    case 0: if (a + sz <= b || b + sz <= a) memcpy(arena + a, arena + b, sz); else memmove(arena + a, arena + b, sz); break;
    case 1: memset(arena + a, (int)(r >> 8), sz); break;
    case 2: memmove(arena + a, arena + (a + 3 < ARENA - sz ? a + 3 : a), sz); break;
    case 3: h = mix64(h, (uint64_t)(memcmp(arena + a, arena + b, sz) > 0)); break;
    }
    if ((i & 1023) == 0) h = mix64(h, arena[a] | (uint64_t)arena[b] << 8);
  }
  for (int i = 0; i < ARENA; i += 4099) h = mix64(h, arena[i]);
  return bench_check("memops", h, EXPECT);
}
