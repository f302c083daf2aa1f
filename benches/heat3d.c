/* heat3d: 3-D 7-point heat equation on an N³ double grid, two buffers, ITERS steps
   (PolyBench's heat-3d pattern). Measures three-dimensional neighbour loads. */
#include "common.h"
#define N 120
#define ITERS 200
#define EXPECT 0x136dc73967670cb7ULL
#define AT(g, i, j, k) g[((i) * N + (j)) * N + (k)]
static double A[N * N * N], B[N * N * N];
int main(void) {
  for (int i = 0; i < N * N * N; i++) { A[i] = rngd(); B[i] = A[i]; }
  for (int t = 0; t < ITERS; t++) {
    for (int i = 1; i < N - 1; i++)
      for (int j = 1; j < N - 1; j++)
        for (int k = 1; k < N - 1; k++)
          AT(B, i, j, k) = 0.125 * (AT(A, i + 1, j, k) - 2.0 * AT(A, i, j, k) + AT(A, i - 1, j, k)) +
                           0.125 * (AT(A, i, j + 1, k) - 2.0 * AT(A, i, j, k) + AT(A, i, j - 1, k)) +
                           0.125 * (AT(A, i, j, k + 1) - 2.0 * AT(A, i, j, k) + AT(A, i, j, k - 1)) +
                           AT(A, i, j, k);
    for (int i = 1; i < N - 1; i++)
      for (int j = 1; j < N - 1; j++)
        for (int k = 1; k < N - 1; k++)
          AT(A, i, j, k) = 0.125 * (AT(B, i + 1, j, k) - 2.0 * AT(B, i, j, k) + AT(B, i - 1, j, k)) +
                           0.125 * (AT(B, i, j + 1, k) - 2.0 * AT(B, i, j, k) + AT(B, i, j - 1, k)) +
                           0.125 * (AT(B, i, j, k + 1) - 2.0 * AT(B, i, j, k) + AT(B, i, j, k - 1)) +
                           AT(B, i, j, k);
  }
  uint64_t h = 0;
  for (int i = 0; i < N * N * N; i += 997) h = mix64(h, dbits(A[i]));
  return bench_check("heat3d", h, EXPECT);
}
