/* matmul: dense linear algebra. Double-precision C = A*B (N x N, i-k-j loop order,
   vectorisable inner loop), repeated REPS times. Measures FP multiply-add throughput
   and streaming loads/stores over arrays bigger than L2. */
#include "common.h"
#define N 640
#define REPS 12
#define EXPECT 0x9df9047e82dad9a7ULL
static double A[N * N], B[N * N], C[N * N];
int main(void) {
  for (int i = 0; i < N * N; i++) { A[i] = rngd() - 0.5; B[i] = rngd() - 0.5; }
  uint64_t h = 0;
  for (int r = 0; r < REPS; r++) {
    memset(C, 0, sizeof C);
    for (int i = 0; i < N; i++)
      for (int k = 0; k < N; k++) {
        double a = A[i * N + k];
        for (int j = 0; j < N; j++) C[i * N + j] += a * B[k * N + j];
      }
    double s = 0;
    for (int i = 0; i < N * N; i++) s += C[i] * (double)((i % 7) + 1);
    h = mix64(h, dbits(s));
    A[r] += 1.0;
  }
  return bench_check("matmul", h, EXPECT);
}
