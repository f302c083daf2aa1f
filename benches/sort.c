/* sort: hand-written quicksort (median of three, insertion sort for small ranges) and
   bottom-up merge sort on arrays of N random uint32 values, ROUNDS times each; each
   result is checked to be sorted. Measures compares, unpredictable branches and
   memory traffic. */
#include "common.h"
#define N (1 << 20)
#define ROUNDS 8
#define EXPECT 0x4c070423526f0a6bULL
static uint32_t a[N], b[N], tmp[N];
static void isort(uint32_t *x, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) { uint32_t v = x[i]; long j = i - 1; while (j >= lo && x[j] > v) { x[j + 1] = x[j]; j--; } x[j + 1] = v; }
}
static void qsort_u32(uint32_t *x, long lo, long hi) {
  while (hi - lo > 16) {
    long mid = lo + (hi - lo) / 2;
    uint32_t p1 = x[lo], p2 = x[mid], p3 = x[hi];
    uint32_t piv = p1 < p2 ? (p2 < p3 ? p2 : (p1 < p3 ? p3 : p1)) : (p1 < p3 ? p1 : (p2 < p3 ? p3 : p2));
    long i = lo, j = hi;
    while (i <= j) {
      while (x[i] < piv) i++;
      while (x[j] > piv) j--;
      if (i <= j) { uint32_t t = x[i]; x[i] = x[j]; x[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { qsort_u32(x, lo, j); lo = i; } else { qsort_u32(x, i, hi); hi = j; }
  }
  isort(x, lo, hi);
}
static void msort(uint32_t *x, uint32_t *t, long n) {
  uint32_t *s = x, *d = t;
  for (long w = 1; w < n; w *= 2) {
    for (long lo = 0; lo < n; lo += 2 * w) {
      long m = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n, i = lo, j = m, k = lo;
      while (i < m && j < hi) d[k++] = s[i] <= s[j] ? s[i++] : s[j++];
      while (i < m) d[k++] = s[i++];
      while (j < hi) d[k++] = s[j++];
    }
    uint32_t *q = s; s = d; d = q;
  }
  if (s != x) memcpy(x, s, n * sizeof *x);
}
int main(void) {
  uint64_t h = 0;
  for (int r = 0; r < ROUNDS; r++) {
    for (long i = 0; i < N; i++) { a[i] = rng32(); b[i] = a[i] ^ (uint32_t)(i * 2654435761u); }
    qsort_u32(a, 0, N - 1);
    msort(b, tmp, N);
    for (long i = 1; i < N; i++) if (a[i - 1] > a[i] || b[i - 1] > b[i]) { printf("FAIL sort unsorted\n"); return 1; }
    for (long i = 0; i < N; i += 1023) h = mix64(h, (uint64_t)a[i] << 32 | b[i]);
  }
  return bench_check("sort", h, EXPECT);
}
