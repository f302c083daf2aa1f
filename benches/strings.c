/* strings: string processing. Generates a text of random words, then per round:
   tokenises it, counts words in an open-addressing hash table keyed by string (FNV-1a,
   strcmp on collision), upper-cases a copy, and counts occurrences of a pattern with
   a naive strstr-style scan. Measures byte loops, libc string calls and hashing. */
#include "common.h"
#define TEXT (4 << 20)
#define ROUNDS 40
#define HSIZE (1 << 16)
#define EXPECT 0x1b30f7c84b387e4aULL
static char text[TEXT + 1], upper[TEXT + 1], wordbuf[TEXT + 1];
static const char *keys[HSIZE];
static uint32_t counts[HSIZE];
int main(void) {
  size_t p = 0;
  while (p < TEXT - 16) {
    uint32_t r = rng32(), len = 2 + (r & 7);
    uint32_t base = (r >> 3) % 3000; /* limited vocabulary: word determined by base */
    uint64_t st = base * 0x9E3779B97F4A7C15ULL + 1;
    for (uint32_t k = 0; k < len; k++) { st ^= st >> 13; st *= 0xff51afd7ed558ccdULL; text[p++] = 'a' + (char)((st >> 40) % 26); }
    text[p++] = (r >> 28) == 0 ? '\n' : ' ';
  }
  text[p] = 0;
  uint64_t h = 0;
  for (int r = 0; r < ROUNDS; r++) {
    memset(keys, 0, sizeof keys); memset(counts, 0, sizeof counts);
    memcpy(wordbuf, text, p + 1);
    size_t distinct = 0, words = 0;
    char *q = wordbuf;
    while (*q) {
      while (*q == ' ' || *q == '\n') q++;
      if (!*q) break;
      char *w = q;
      while (*q && *q != ' ' && *q != '\n') q++;
      if (*q) *q++ = 0;
      uint32_t fh = 2166136261u;
      for (char *c = w; *c; c++) fh = (fh ^ (uint8_t)*c) * 16777619u;
      uint32_t slot = fh & (HSIZE - 1);
      while (keys[slot] && strcmp(keys[slot], w) != 0) slot = (slot + 1) & (HSIZE - 1);
      if (!keys[slot]) { keys[slot] = w; distinct++; }
      counts[slot]++; words++;
    }
    for (size_t i = 0; i < p; i++) { char c = text[i]; upper[i] = (c >= 'a' && c <= 'z') ? c - 32 : c; }
    upper[p] = 0;
    char pat[4] = {'A' + r, 'E', 0, 0};
    size_t hits = 0;
    for (const char *s = upper; (s = strstr(s, pat)) != NULL; s++) hits++;
    uint64_t cs = 0;
    for (int i = 0; i < HSIZE; i++) if (keys[i]) cs += (uint64_t)counts[i] * (strlen(keys[i]) + i);
    h = mix64(h, distinct); h = mix64(h, words); h = mix64(h, hits); h = mix64(h, cs);
    text[r * 131] = 'q';
  }
  return bench_check("strings", h, EXPECT);
}
