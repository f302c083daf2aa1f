/* lz: LZ77-style compressor (hash of 4 bytes -> last position, greedy matching,
   literal runs + (offset,length) tokens) and its decompressor, over a 2 MiB
   generated text with repetition, ROUNDS round trips, each verified byte for byte.
   Measures unpredictable branches, hash-table lookups and byte copies. */
#include "common.h"
#define N (2 << 20)
#define ROUNDS 80
#define HBITS 16
#define EXPECT 0xb112195a5fa0bac5ULL
static uint8_t src[N], comp[N + N / 8 + 64], dec[N];
static uint32_t htab[1 << HBITS];
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static size_t put_len(uint8_t *o, size_t n) { size_t k = 0; while (n >= 255) { o[k++] = 255; n -= 255; } o[k++] = (uint8_t)n; return k; }
static size_t compress(const uint8_t *in, size_t n, uint8_t *out) {
  memset(htab, 0xff, sizeof htab);
  size_t ip = 0, op = 0, lit = 0;
  while (ip + 8 < n) {
    uint32_t seq = rd32(in + ip), hsh = (seq * 2654435761u) >> (32 - HBITS);
    uint32_t cand = htab[hsh];
    htab[hsh] = (uint32_t)ip;
    if (cand != 0xffffffffu && ip - cand < 65536 && rd32(in + cand) == seq) {
      size_t len = 4;
      while (ip + len < n && in[cand + len] == in[ip + len] && len < 4096) len++;
      size_t nl = ip - lit;
      out[op++] = 1; op += put_len(out + op, nl); memcpy(out + op, in + lit, nl); op += nl;
      uint32_t off = (uint32_t)(ip - cand);
      out[op++] = off & 0xff; out[op++] = off >> 8; op += put_len(out + op, len - 4);
      ip += len; lit = ip;
    } else ip++;
  }
  size_t nl = n - lit;
  out[op++] = 0; op += put_len(out + op, nl); memcpy(out + op, in + lit, nl); op += nl;
  return op;
}
static size_t get_len(const uint8_t *in, size_t *ip) { size_t n = 0, b; do { b = in[(*ip)++]; n += b; } while (b == 255); return n; }
static size_t decompress(const uint8_t *in, size_t n, uint8_t *out) {
  size_t ip = 0, op = 0;
  while (ip < n) {
    int more = in[ip++];
    size_t nl = get_len(in, &ip);
    memcpy(out + op, in + ip, nl); ip += nl; op += nl;
    if (!more) break;
    size_t off = in[ip] | (size_t)in[ip + 1] << 8; ip += 2;
    size_t len = get_len(in, &ip) + 4;
    for (size_t k = 0; k < len; k++) out[op + k] = out[op - off + k];
    op += len;
  }
  return op;
}
int main(void) {
  static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "and ",
                                "compiler ", "webassembly ", "memory ", "function ", "table ", "\n", "x", "42 "};
  size_t p = 0;
  while (p < N) {
    uint32_t r = rng32();
    if ((r & 15) == 0) { src[p++] = (uint8_t)(r >> 8); continue; }
    const char *w = words[(r >> 4) % 17];
    while (*w && p < N) src[p++] = (uint8_t)*w++;
  }
  uint64_t h = 0;
  for (int r = 0; r < ROUNDS; r++) {
    src[(r * 7919) % N] ^= (uint8_t)r;
    size_t c = compress(src, N, comp);
    size_t d = decompress(comp, c, dec);
    if (d != N || memcmp(dec, src, N) != 0) { printf("FAIL lz round trip\n"); return 1; }
    h = mix64(h, c);
  }
  return bench_check("lz", h, EXPECT);
}
