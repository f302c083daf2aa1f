/* copy_loops: loops that only copy or fill memory, which aotc's copy-loop pass gives
   a guarded memmove/memset shortcut, run where the shortcut must and must not be
   taken: sources and destinations overlapping at every distance from -70 to 70 bytes
   in both copy directions (a forward byte copy onto a later address replicates, as
   LZ77 does, and must keep doing so), element widths 1 to 8 and floats, unrolled and
   plain loops, counters ending on zero or on a bound, fill values that repeat one byte
   and ones that do not, a copy that ends exactly at the end of memory, and the loops'
   final pointers and counters. The test compares everything printed with Wasmtime.
   With the argument "oob" it copies past the end of memory, with "wrap" and "nodiv"
   it runs copy loops whose counters wrap around; all three must trap. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ARENA 8192
static unsigned char arena[ARENA];

static uint64_t hash_bytes(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

static void fill_arena(uint32_t seed) {
  for (size_t i = 0; i < ARENA; i++) { seed = seed * 1103515245u + 12345u; arena[i] = (unsigned char)(seed >> 16); }
}

#define NOINLINE __attribute__((noinline))
NOINLINE unsigned char *fwd8(unsigned char *d, const unsigned char *s, int n) { while (n--) *d++ = *s++; return d; }
NOINLINE void back8(unsigned char *d, const unsigned char *s, int n) { for (int i = n - 1; i >= 0; i--) d[i] = s[i]; }
NOINLINE int fwd8_plain(unsigned char *d, const unsigned char *s, int n) {
  int i = 0;
#pragma clang loop unroll(disable)
  for (; i < n; i++) d[i] = s[i];
  return i;
}
NOINLINE void fwd16(uint16_t *d, const uint16_t *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
NOINLINE void back16(uint16_t *d, const uint16_t *s, int n) { for (int i = n - 1; i >= 0; i--) d[i] = s[i]; }
NOINLINE void fwd32(uint32_t *d, const uint32_t *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
NOINLINE void fwd64(uint64_t *d, const uint64_t *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
NOINLINE void back64(uint64_t *d, const uint64_t *s, int n) { for (int i = n - 1; i >= 0; i--) d[i] = s[i]; }
NOINLINE void fwdf(float *d, const float *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
NOINLINE void fwdd(double *d, const double *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
/* musl's shape: whole blocks while at least a block is left, the counter stepping down. */
NOINLINE size_t blocks16(unsigned char *d, const unsigned char *s, size_t n) {
  for (; n >= 16; s += 16, d += 16, n -= 16) {
    *(uint32_t *)(d + 0) = *(const uint32_t *)(s + 0);
    *(uint32_t *)(d + 4) = *(const uint32_t *)(s + 4);
    *(uint32_t *)(d + 8) = *(const uint32_t *)(s + 8);
    *(uint32_t *)(d + 12) = *(const uint32_t *)(s + 12);
  }
  return n;
}
/* The same block, stored in reverse order within an iteration. */
NOINLINE void blocks16_rev(unsigned char *d, const unsigned char *s, size_t n) {
  for (; n >= 16; s += 16, d += 16, n -= 16) {
    *(uint32_t *)(d + 12) = *(const uint32_t *)(s + 12);
    *(uint32_t *)(d + 8) = *(const uint32_t *)(s + 8);
    *(uint32_t *)(d + 4) = *(const uint32_t *)(s + 4);
    *(uint32_t *)(d + 0) = *(const uint32_t *)(s + 0);
  }
}
/* Loads first, then stores: a store can clobber a later-loaded word only across
   iterations. */
NOINLINE void blocks8_loads_first(unsigned char *d, const unsigned char *s, size_t n) {
  for (; n >= 8; s += 8, d += 8, n -= 8) {
    uint32_t a = *(const uint32_t *)(s + 0), b = *(const uint32_t *)(s + 4);
    *(uint32_t *)(d + 4) = b;
    *(uint32_t *)(d + 0) = a;
  }
}
/* Counters that never meet their bound exactly: with n = 42 the first loop steps
   n from 10 past 3 to 2^32 - 22, and the second, with n = 76, steps n from 4 past 0;
   both then copy on until they leave memory. A count that ignores the wrap (or the
   divisibility) would stop them after 64 and 72 bytes. */
NOINLINE void blocks32_until3(unsigned char *d, const unsigned char *s, uint32_t n) {
  for (; n > 3; n -= 32, d += 32, s += 32)
    for (int k = 0; k < 32; k += 4) *(uint32_t *)(d + k) = *(const uint32_t *)(s + k);
}
NOINLINE void blocks8_until0(unsigned char *d, const unsigned char *s, uint32_t n) {
  for (; n != 0; n -= 8, d += 8, s += 8) {
    *(uint32_t *)(d + 0) = *(const uint32_t *)(s + 0);
    *(uint32_t *)(d + 4) = *(const uint32_t *)(s + 4);
  }
}
/* A copy nested in a loop whose values give its start, length and direction, and
   whose result (the final pointer) the outer loop uses. */
NOINLINE uint64_t nested(unsigned char *buf, int rows, int n) {
  uint64_t h = 0;
  for (int r = 0; r < rows; r++) {
    unsigned char *d = buf + 2048 + r * 3, *s = buf + 2048 - r * 5 + (r & 1) * 40;
    int k = n + r;
    while (k--) *d++ = *s++;
    h = h * 31 + (uint64_t)(d - buf) + buf[2048 + r];
  }
  return h;
}
/* Insertion into a growing array (as a vector insert does): each round moves the
   tail up by one element, a backward copy whose bounds are the outer loop's values. */
NOINLINE uint64_t nested_back(uint32_t *v, int rounds) {
  uint32_t *begin = v, *end = v + 8;
  for (int r = 0; r < rounds; r++) {
    uint32_t *at = begin + (r * 7) % (int)(end - begin + 1);
    for (uint32_t *p = end; p != at; p--) *p = p[-1];
    *at = (uint32_t)r;
    end++;
  }
  return hash_bytes(v, (size_t)(end - begin) * 4);
}
NOINLINE void fill8(unsigned char *d, unsigned char v, int n) { for (int i = 0; i < n; i++) d[i] = v; }
NOINLINE void fill32(uint32_t *d, uint32_t v, int n) { for (int i = 0; i < n; i++) d[i] = v; }
NOINLINE void fill64(uint64_t *d, uint64_t v, int n) { for (int i = 0; i < n; i++) d[i] = v; }
NOINLINE void fillf(float *d, float v, int n) { for (int i = 0; i < n; i++) d[i] = v; }
NOINLINE void fill_pair(uint32_t *d, uint32_t a, uint32_t b, int n) { for (int i = 0; i < n; i += 2) { d[i] = a; d[i + 1] = b; } }
NOINLINE void not_a_copy(unsigned char *d, const unsigned char *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i] + 1; }

static const int sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 257, 1000};
#define NSIZES (int)(sizeof sizes / sizeof sizes[0])
#define BASE 3000 /* room for -70 .. +70 distances and 1000 elements of 2 bytes */

typedef void (*kernel)(int dist, int n);
static uint64_t extra;
static void k_fwd8(int dist, int n) { unsigned char *end = fwd8(arena + BASE + dist, arena + BASE, n); extra += (uint64_t)(end - arena); }
static void k_back8(int dist, int n) { back8(arena + BASE + dist, arena + BASE, n); }
static void k_fwd8_plain(int dist, int n) { extra += fwd8_plain(arena + BASE + dist, arena + BASE, n); }
static void k_fwd16(int dist, int n) { fwd16((uint16_t *)(arena + BASE + dist), (uint16_t *)(arena + BASE), n); }
static void k_back16(int dist, int n) { back16((uint16_t *)(arena + BASE + dist), (uint16_t *)(arena + BASE), n); }
static void k_fwd32(int dist, int n) { fwd32((uint32_t *)(arena + BASE + dist), (uint32_t *)(arena + BASE), n); }
static void k_fwd64(int dist, int n) { fwd64((uint64_t *)(arena + BASE + dist), (uint64_t *)(arena + BASE), n / 2); }
static void k_back64(int dist, int n) { back64((uint64_t *)(arena + BASE + dist), (uint64_t *)(arena + BASE), n / 2); }
static void k_fwdf(int dist, int n) { fwdf((float *)(arena + BASE + dist), (float *)(arena + BASE), n); }
static void k_fwdd(int dist, int n) { fwdd((double *)(arena + BASE + dist), (double *)(arena + BASE), n / 2); }
static void k_blocks16(int dist, int n) { extra += blocks16(arena + BASE + dist, arena + BASE, (size_t)n + 5); }
static void k_blocks16_rev(int dist, int n) { blocks16_rev(arena + BASE + dist, arena + BASE, (size_t)n); }
static void k_blocks8_loads_first(int dist, int n) { blocks8_loads_first(arena + BASE + dist, arena + BASE, (size_t)n); }
static void k_memmove(int dist, int n) { memmove(arena + BASE + dist, arena + BASE, (size_t)n); }
static void k_memmove_from(int dist, int n) { memmove(arena + BASE, arena + BASE + dist, (size_t)n); }
static void k_memcpy(int dist, int n) { if (dist >= n || -dist >= n) memcpy(arena + BASE + dist, arena + BASE, (size_t)n); }
static void k_memset(int dist, int n) { memset(arena + BASE + dist, dist * 7, (size_t)n); }
static void k_fill8(int dist, int n) { fill8(arena + BASE + dist, (unsigned char)(dist * 3), n); }
static void k_fill32(int dist, int n) {
  static const uint32_t values[] = {0, 0x01010101u, 1, 0x7f7f7f7fu, 0xffffffffu, 0x01010100u, 0x80808080u};
  fill32((uint32_t *)(arena + BASE + dist), values[(dist + 70) % 7], n);
}
static void k_fill64(int dist, int n) {
  static const uint64_t values[] = {0, 0x0101010101010101ull, 0x0101010101010100ull, ~0ull, 0x4242424242424242ull};
  fill64((uint64_t *)(arena + BASE + dist), values[(dist + 70) % 5], n / 2);
}
static void k_fillf(int dist, int n) {
  static const float values[] = {0.0f, -0.0f, 1.0f};
  fillf((float *)(arena + BASE + dist), values[(dist + 70) % 3], n);
}
static void k_fill_pair(int dist, int n) { fill_pair((uint32_t *)(arena + BASE + dist), 0x05050505u, (dist & 1) ? 0x05050505u : 0x05050506u, n & ~1); }
static void k_not_a_copy(int dist, int n) { not_a_copy(arena + BASE + dist, arena + BASE, n); }

static const struct { const char *name; kernel run; } kernels[] = {
  {"fwd8", k_fwd8}, {"back8", k_back8}, {"fwd8_plain", k_fwd8_plain}, {"fwd16", k_fwd16},
  {"back16", k_back16}, {"fwd32", k_fwd32}, {"fwd64", k_fwd64}, {"back64", k_back64},
  {"fwdf", k_fwdf}, {"fwdd", k_fwdd}, {"blocks16", k_blocks16}, {"blocks16_rev", k_blocks16_rev},
  {"blocks8_loads_first", k_blocks8_loads_first}, {"memmove", k_memmove},
  {"memmove_from", k_memmove_from}, {"memcpy", k_memcpy}, {"memset", k_memset},
  {"fill8", k_fill8}, {"fill32", k_fill32}, {"fill64", k_fill64}, {"fillf", k_fillf},
  {"fill_pair", k_fill_pair}, {"not_a_copy", k_not_a_copy},
};

int main(int argc, char **argv) {
  unsigned char *memory_end = (unsigned char *)(__builtin_wasm_memory_size(0) * 65536);
  if (argc > 1) {
    printf("%s\n", argv[1]);
    fflush(stdout);
    /* Through a volatile pointer, so that aotc cannot inline fwd8 here and the
       trap's function tells the loop's own access from one in a callee. */
    unsigned char *(*volatile copy_bytes)(unsigned char *, const unsigned char *, int) = fwd8;
    if (strcmp(argv[1], "oob") == 0) copy_bytes(memory_end - 100, arena, 1000);
    if (strcmp(argv[1], "wrap") == 0) blocks32_until3(arena + 4096, arena, 42);
    if (strcmp(argv[1], "nodiv") == 0) blocks8_until0(arena + 4096, arena, 76);
    printf("not reached\n");
    return 1;
  }
  uint64_t total = 0;
  for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
    uint64_t h = 0;
    extra = 0;
    for (int dist = -70; dist <= 70; dist++)
      for (int i = 0; i < NSIZES; i++) {
        fill_arena((uint32_t)(dist * 131 + i));
        kernels[k].run(dist, sizes[i]);
        h = h * 31 + hash_bytes(arena, ARENA);
      }
    printf("%-20s %016llx %llu\n", kernels[k].name, (unsigned long long)h, (unsigned long long)extra);
    total = total * 17 + h + extra;
  }
  for (int n = 0; n < 300; n += 37) {
    fill_arena((uint32_t)n);
    uint64_t h = nested(arena, 40, n);
    total = total * 17 + h + hash_bytes(arena, ARENA);
  }
  fill_arena(99);
  total = total * 17 + nested_back((uint32_t *)arena, 1000);
  printf("nested %016llx\n", (unsigned long long)total);
  /* The last bytes of memory, exactly up to its end. */
  fill_arena(7);
  unsigned char *tail = memory_end - 300;
  memcpy(tail, arena, 300);
  fwd8(tail, tail + 3, 297);
  back8(tail + 5, tail, 295);
  fill8(tail + 200, 0x5a, 100);
  uint64_t t = hash_bytes(tail, 300);
  printf("tail %016llx\n", (unsigned long long)t);
  total = total * 17 + t;
  printf("total %016llx\n", (unsigned long long)total);
  return 0;
}
