/* stencil: 2-D 5-point Jacobi relaxation on a float grid (NxN, two buffers swapped
   each step), ITERS steps. Measures regular streaming float arithmetic with
   neighbour loads (vectorisable, memory-bandwidth sensitive). */
#include "common.h"
#define N 1024
#define ITERS 3000
#define EXPECT 0xc34bcf6dc149a772ULL
static float g0[N * N], g1[N * N];
int main(void) {
  for (int i = 0; i < N * N; i++) g0[i] = (float)(rng32() & 0xffff) / 65536.0f;
  memcpy(g1, g0, sizeof g0);
  float *a = g0, *b = g1;
  for (int t = 0; t < ITERS; t++) {
    for (int y = 1; y < N - 1; y++)
      for (int x = 1; x < N - 1; x++)
        b[y * N + x] = 0.2f * (a[y * N + x] + a[y * N + x - 1] + a[y * N + x + 1] +
                               a[(y - 1) * N + x] + a[(y + 1) * N + x]);
    float *tmp = a; a = b; b = tmp;
  }
  uint64_t h = 0;
  for (int i = 0; i < N * N; i += 97) { uint32_t u; memcpy(&u, &a[i], 4); h = mix64(h, u); }
  return bench_check("stencil", h, EXPECT);
}
