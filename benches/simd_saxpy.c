/* simd_saxpy: SIMD-friendly loops. saxpy (y = a*x + y), a float dot product in
   8-lane partial sums and an int32 clamp/add loop over L2-resident arrays, REPS
   times. Written so the auto-vectoriser turns them into 128-bit vector code
   (SSE for native x86-64-v2, simd128 if enabled for wasm, otherwise scalar). */
#include "common.h"
#define N 8192
#define REPS 400000
#define EXPECT 0xca8804c643be67ceULL
static float x[N], y[N];
static int32_t ia[N], ib[N];
int main(void) {
  for (int i = 0; i < N; i++) { x[i] = (float)(rng32() % 1000) / 1000.0f; y[i] = 0; ia[i] = (int32_t)(rng32() % 2001) - 1000; ib[i] = 0; }
  uint64_t h = 0;
  for (int r = 0; r < REPS; r++) {
    float a = (float)((r % 13) - 6) * 0.001f;
    for (int i = 0; i < N; i++) y[i] = a * x[i] + y[i];
    if ((r & 255) == 0) {
      float s[8] = {0};
      for (int i = 0; i < N; i += 8)
        for (int k = 0; k < 8; k++) s[k] += x[i + k] * y[i + k];
      float tot = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
      uint32_t u; memcpy(&u, &tot, 4); h = mix64(h, u);
    }
    for (int i = 0; i < N; i++) { int32_t v = ib[i] + ia[i]; ib[i] = v > 100000 ? v - 200000 : (v < -100000 ? v + 200000 : v); }
  }
  for (int i = 0; i < N; i += 61) h = mix64(h, (uint32_t)ib[i]);
  return bench_check("simd_saxpy", h, EXPECT);
}
