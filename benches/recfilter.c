/* recfilter: a recursive (IIR) smoothing filter run causally and anti-causally along
   every row, then every column, of a W×H float image (PolyBench's deriche pattern; 64 MiB
   per buffer), REPS times. Measures dependent recurrences over large arrays, the column
   pass striding through memory. */
#include "common.h"
#define W 4096
#define H 2048
#define REPS 3
#define EXPECT 0x1901280b7b96984aULL
static float img[W * H], out1[W * H], out2[W * H];
int main(void) {
  for (int i = 0; i < W * H; i++) img[i] = (float)(rng32() & 0xffff) / 65536.0f;
  const float a0 = 0.25f, a1 = 0.15f, b1 = 0.55f, b2 = -0.1f;
  for (int r = 0; r < REPS; r++) {
    for (int y = 0; y < H; y++) {
      float ym1 = 0, ym2 = 0, xm1 = 0;
      for (int x = 0; x < W; x++) {
        float v = a0 * img[y * W + x] + a1 * xm1 + b1 * ym1 + b2 * ym2;
        xm1 = img[y * W + x]; ym2 = ym1; ym1 = v; out1[y * W + x] = v;
      }
      float yp1 = 0, yp2 = 0, xp1 = 0;
      for (int x = W - 1; x >= 0; x--) {
        float v = a1 * xp1 + b1 * yp1 + b2 * yp2;
        xp1 = img[y * W + x]; yp2 = yp1; yp1 = v; out1[y * W + x] += v;
      }
    }
    for (int x = 0; x < W; x++) {
      float ym1 = 0, ym2 = 0, xm1 = 0;
      for (int y = 0; y < H; y++) {
        float v = a0 * out1[y * W + x] + a1 * xm1 + b1 * ym1 + b2 * ym2;
        xm1 = out1[y * W + x]; ym2 = ym1; ym1 = v; out2[y * W + x] = v;
      }
    }
    for (int i = 0; i < W * H; i++) img[i] = 0.5f * (img[i] + out2[i]);
  }
  uint64_t h = 0;
  for (int i = 0; i < W * H; i += 1009) { uint32_t u; memcpy(&u, &img[i], 4); h = mix64(h, u); }
  return bench_check("recfilter", h, EXPECT);
}
