/* mvt: matrix-vector products with a large dense matrix, x1 += A*y1 and x2 += A^T*y2
   (PolyBench's mvt pattern), N×N doubles (128 MiB), REPS passes. Measures streaming
   row-wise and strided column-wise reads of an array far larger than the caches: page
   faults and TLB misses matter as much as arithmetic. */
#include "common.h"
#define N 4000
#define REPS 20
#define EXPECT 0x28f82fa3b8294f0bULL
static double A[N * N], x1[N], x2[N], y1v[N], y2v[N];
int main(void) {
  for (int i = 0; i < N * N; i++) A[i] = rngd() - 0.5;
  for (int i = 0; i < N; i++) { y1v[i] = rngd(); y2v[i] = rngd(); }
  for (int r = 0; r < REPS; r++) {
    for (int i = 0; i < N; i++) {
      double s = 0;
      for (int j = 0; j < N; j++) s += A[i * N + j] * y1v[j];
      x1[i] += s;
    }
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) x2[j] += A[i * N + j] * y2v[i];
    for (int i = 0; i < N; i++) { y1v[i] = x1[i] * 1e-3; y2v[i] = x2[i] * 1e-3; }
  }
  uint64_t h = 0;
  for (int i = 0; i < N; i += 7) { h = mix64(h, dbits(x1[i])); h = mix64(h, dbits(x2[i])); }
  return bench_check("mvt", h, EXPECT);
}
