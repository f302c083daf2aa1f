/* Shared helpers for the aotc benchmark programs: a small deterministic PRNG and
   the result check. Every program prints "ok <name> <checksum>" and exits 0 when its
   checksum equals the value measured from the native build, else "FAIL ..." and 1. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t bench_rng_state = 0x9E3779B97F4A7C15ULL;
static inline uint64_t rng64(void) { /* splitmix64 */
  uint64_t z = (bench_rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static inline uint32_t rng32(void) { return (uint32_t)(rng64() >> 32); }
static inline double rngd(void) { return (double)(rng64() >> 11) * (1.0 / 9007199254740992.0); }

static int bench_check(const char *name, uint64_t got, uint64_t expect) {
  if (got == expect) { printf("ok %s %016llx\n", name, (unsigned long long)got); return 0; }
  printf("FAIL %s got %016llx expected %016llx\n", name, (unsigned long long)got,
         (unsigned long long)expect);
  return 1;
}
static inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h;
}
static inline uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
#endif
