/* crc32: CRC-32 (IEEE, reflected 0xEDB88320) with a byte-wise 256-entry table over a
   4 MiB buffer, ROUNDS passes. Measures table lookups in a serial dependency chain
   (integer hashing). Verified against the "123456789" check value 0xCBF43926. */
#include "common.h"
#define BUFSZ (4 << 20)
#define ROUNDS 100
#define EXPECT 0x070c87dfe8efe39eULL
static uint32_t T[256];
static uint8_t buf[BUFSZ];
static uint32_t crc32(uint32_t c, const uint8_t *p, size_t n) {
  c = ~c;
  for (size_t i = 0; i < n; i++) c = T[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}
int main(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    T[i] = c;
  }
  if (crc32(0, (const uint8_t *)"123456789", 9) != 0xCBF43926u) { printf("FAIL crc32 check value\n"); return 1; }
  for (int i = 0; i < BUFSZ; i++) buf[i] = (uint8_t)rng32();
  uint64_t h = 0;
  uint32_t c = 0;
  for (int r = 0; r < ROUNDS; r++) { c = crc32(c, buf, BUFSZ); buf[r] ^= (uint8_t)c; h = mix64(h, c); }
  return bench_check("crc32", h, EXPECT);
}
