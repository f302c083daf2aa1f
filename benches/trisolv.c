/* trisolv: forward substitution L x = b with a dense lower-triangular N×N matrix of
   doubles (PolyBench's trisolv pattern; 128 MiB), REPS right-hand sides. Measures a
   dependent O(n²) sweep over a large array. */
#include "common.h"
#define N 4000
#define REPS 60
#define EXPECT 0x54513d06d918e5f6ULL
static double L[N * N], x[N], b[N];
int main(void) {
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < i; j++) L[i * N + j] = (rngd() - 0.5) / N;
    L[i * N + i] = 1.0 + rngd();
  }
  uint64_t h = 0;
  for (int r = 0; r < REPS; r++) {
    for (int i = 0; i < N; i++) b[i] = rngd();
    for (int i = 0; i < N; i++) {
      double s = b[i];
      for (int j = 0; j < i; j++) s -= L[i * N + j] * x[j];
      x[i] = s / L[i * N + i];
    }
    for (int i = 0; i < N; i += 13) h = mix64(h, dbits(x[i]));
  }
  return bench_check("trisolv", h, EXPECT);
}
