/* gemm: C = alpha*A*B + beta*C on double matrices small enough to stay in L2,
   written as PolyBench writes it (heap arrays passed as fixed-size 2-D array
   parameters that may alias each other; the inner j loop reads A[i][k] every
   time), repeated REPS times. Measures a compute-bound loop native code vectorises
   with a runtime overlap check; nothing is hoisted by hand. */
#include "common.h"
#include <stdlib.h>
#define NI 200
#define NJ 220
#define NK 240
#define REPS 500
#define EXPECT 0x5135863b91de4633ULL
__attribute__((noinline)) static void kernel(int ni, int nj, int nk, double alpha, double beta,
                                             double c[NI][NJ], double a[NI][NK], double b[NK][NJ]) {
  for (int i = 0; i < ni; i++) {
    for (int j = 0; j < nj; j++) c[i][j] *= beta;
    for (int k = 0; k < nk; k++)
      for (int j = 0; j < nj; j++) c[i][j] += alpha * a[i][k] * b[k][j];
  }
}
int main(void) {
  double (*A)[NK] = malloc(sizeof(double[NI][NK])), (*B)[NJ] = malloc(sizeof(double[NK][NJ]));
  double (*C)[NJ] = malloc(sizeof(double[NI][NJ]));
  if (!A || !B || !C) return 1;
  for (int i = 0; i < NI; i++) for (int k = 0; k < NK; k++) A[i][k] = rngd() - 0.5;
  for (int k = 0; k < NK; k++) for (int j = 0; j < NJ; j++) B[k][j] = rngd() - 0.5;
  for (int i = 0; i < NI; i++) for (int j = 0; j < NJ; j++) C[i][j] = rngd() - 0.5;
  uint64_t h = 0;
  for (int r = 0; r < REPS; r++) {
    kernel(NI, NJ, NK, 0.01, 0.25, C, A, B);
    h = mix64(h, dbits(C[(r * 7919) % NI][(r * 104729) % NJ]));
  }
  for (int i = 0; i < NI; i += 3) for (int j = 0; j < NJ; j += 11) h = mix64(h, dbits(C[i][j]));
  return bench_check("gemm", h, EXPECT);
}
