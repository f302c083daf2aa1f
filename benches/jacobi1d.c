/* jacobi1d: 1-D 3-point Jacobi relaxation over two double arrays of N elements,
   ITERS steps (PolyBench's jacobi-1d pattern). Measures a simple loop native code
   vectorises. */
#include "common.h"
#define N 400000
#define ITERS 1200
#define EXPECT 0x803fa9e1fef6d96bULL
static double a[N], b[N];
int main(void) {
  for (int i = 0; i < N; i++) { a[i] = rngd(); b[i] = a[i]; }
  for (int t = 0; t < ITERS; t++) {
    for (int i = 1; i < N - 1; i++) b[i] = 0.33333 * (a[i - 1] + a[i] + a[i + 1]);
    for (int i = 1; i < N - 1; i++) a[i] = 0.33333 * (b[i - 1] + b[i] + b[i + 1]);
  }
  uint64_t h = 0;
  for (int i = 0; i < N; i += 101) h = mix64(h, dbits(a[i]));
  return bench_check("jacobi1d", h, EXPECT);
}
