/* xxhash: an xxHash64-style hash (4 parallel 64-bit lanes, multiply-rotate rounds,
   avalanche finaliser) written from the published algorithm outline, over a 1 MiB
   buffer, ROUNDS passes with varying seed and length. Measures 64-bit multiplies and
   rotates with instruction-level parallelism. */
#include "common.h"
#define BUFSZ (1 << 20)
#define ROUNDS 14000
#define EXPECT 0x54465b5717f34cfaULL
#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL
static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t round1(uint64_t acc, uint64_t in) { acc += in * P2; acc = rotl(acc, 31); return acc * P1; }
static inline uint64_t merge(uint64_t acc, uint64_t v) { acc ^= round1(0, v); return acc * P1 + P4; }
static uint64_t xxh64(const uint8_t *p, size_t len, uint64_t seed) {
  const uint8_t *end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    const uint8_t *lim = end - 32;
    do {
      v1 = round1(v1, rd64(p)); v2 = round1(v2, rd64(p + 8));
      v3 = round1(v3, rd64(p + 16)); v4 = round1(v4, rd64(p + 24)); p += 32;
    } while (p <= lim);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4);
  } else h = seed + P5;
  h += len;
  while (p + 8 <= end) { h ^= round1(0, rd64(p)); h = rotl(h, 27) * P1 + P4; p += 8; }
  while (p < end) { h ^= (*p) * P5; h = rotl(h, 11) * P1; p++; }
  h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
  return h;
}
static uint8_t buf[BUFSZ];
int main(void) {
  for (int i = 0; i < BUFSZ; i++) buf[i] = (uint8_t)rng32();
  uint64_t h = 0;
  for (int r = 0; r < ROUNDS; r++) h = mix64(h, xxh64(buf + (r & 63), BUFSZ - 64 - (r & 31), h));
  return bench_check("xxhash", h, EXPECT);
}
