/* nbody: gravitational N-body simulation, NB bodies, all-pairs O(N^2) forces with
   sqrt and division in double precision, symplectic Euler, STEPS steps. Measures
   scalar/vector FP latency (sqrt, div) and small-array loops. */
#include "common.h"
#include <math.h>
#define NB 128
#define STEPS 20000
#define EXPECT 0xf2473efa3af549b7ULL
static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], m[NB];
int main(void) {
  for (int i = 0; i < NB; i++) {
    px[i] = rngd() * 10 - 5; py[i] = rngd() * 10 - 5; pz[i] = rngd() * 10 - 5;
    vx[i] = rngd() - 0.5; vy[i] = rngd() - 0.5; vz[i] = rngd() - 0.5;
    m[i] = rngd() * 0.01 + 0.001;
  }
  const double dt = 0.001;
  for (int s = 0; s < STEPS; s++) {
    for (int i = 0; i < NB; i++) {
      double ax = 0, ay = 0, az = 0;
      for (int j = 0; j < NB; j++) {
        double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
        double d2 = dx * dx + dy * dy + dz * dz + 0.01;
        double inv = 1.0 / (d2 * sqrt(d2));
        ax += m[j] * dx * inv; ay += m[j] * dy * inv; az += m[j] * dz * inv;
      }
      vx[i] += ax * dt; vy[i] += ay * dt; vz[i] += az * dt;
    }
    for (int i = 0; i < NB; i++) { px[i] += vx[i] * dt; py[i] += vy[i] * dt; pz[i] += vz[i] * dt; }
  }
  double e = 0;
  for (int i = 0; i < NB; i++) e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
  uint64_t h = dbits(e);
  for (int i = 0; i < NB; i++) h = mix64(h, dbits(px[i]));
  return bench_check("nbody", h, EXPECT);
}
