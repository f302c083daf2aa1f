/* vector_loops: loops the loop vectoriser transforms, run on arrays that overlap at
   every small distance in both directions, so a wrong runtime overlap check, a
   reordered float reduction or a mishandled 32-bit wrap shows up in the printed
   hashes. Built without -msimd128: any vector code is aotc's (LLVM's) own. The test
   compares the output with Wasmtime's. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 1024
static unsigned char arena[4 * N * 8 + 256];

static uint64_t hash_bytes(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

static void fill(void) {
  uint32_t s = 12345;
  /* bytes below 0x40: every float or double view of any 4 or 8 bytes is finite (and
     stays so through the float loops), so no NaN, whose bits wasm leaves open, arises */
  for (size_t i = 0; i < sizeof arena; i++) { s = s * 1103515245u + 12345u; arena[i] = (unsigned char)(s >> 16) & 0x3f; }
}

__attribute__((noinline)) void saxpy(float *y, const float *x, float a, int n) { for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i]; }
__attribute__((noinline)) void daxpy(double *y, const double *x, double a, int n) { for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i]; }
__attribute__((noinline)) void copy8(unsigned char *d, const unsigned char *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }
__attribute__((noinline)) void copy_back16(uint16_t *d, const uint16_t *s, int n) { for (int i = n - 1; i >= 0; i--) d[i] = s[i] + 1; }
__attribute__((noinline)) void add32(uint32_t *d, const uint32_t *a, const uint32_t *b, int n) { for (int i = 0; i < n; i++) d[i] = a[i] + b[i] * 3; }
__attribute__((noinline)) void mix64(uint64_t *d, const uint64_t *s, int n) { for (int i = 0; i < n; i++) d[i] ^= s[i] >> 7 | s[i] << 57; }
__attribute__((noinline)) void clamp32(int32_t *d, int n) { for (int i = 0; i < n; i++) { int32_t v = (int32_t)((uint32_t)d[i] * 7u); d[i] = v > 1000 ? 1000 : (v < -1000 ? -1000 : v); } }
__attribute__((noinline)) float fsum(const float *x, int n) { float s = 0; for (int i = 0; i < n; i++) s += x[i]; return s; }
__attribute__((noinline)) double dsum2(const double *x, const double *y, int n) { double s = 0; for (int i = 0; i < n; i++) s += x[i] * y[i]; return s; }
__attribute__((noinline)) uint32_t isum(const uint32_t *x, int n) { uint32_t s = 0; for (int i = 0; i < n; i++) s += x[i] * x[i]; return s; }
__attribute__((noinline)) void prefix(uint32_t *x, int n) { for (int i = 1; i < n; i++) x[i] += x[i - 1]; }
__attribute__((noinline)) void stencil(float *out, const float *in, int n) { for (int i = 1; i < n - 1; i++) out[i] = 0.25f * in[i - 1] + 0.5f * in[i] + 0.25f * in[i + 1]; }
__attribute__((noinline)) void fminmax(float *d, const float *s, int n) { for (int i = 0; i < n; i++) d[i] = d[i] < s[i] ? s[i] : d[i]; }

/* Row-major matrices with a row stride, as PolyBench passes them: clang unrolls the
   inner j loop by two, and aotc rolls it back before vectorising (one overlap
   check per pair of matrices). */
__attribute__((noinline)) void gemm(double *c, const double *a, const double *b, int n, int stride) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++)
      for (int j = 0; j < n; j++) c[i * stride + j] += 0.5 * a[i * stride + k] * b[k * stride + j];
}
/* Two outputs and one input, all of them unrolled neighbours. */
__attribute__((noinline)) void axpy2(float *y, float *z, const float *x, int n) {
  for (int i = 0; i < n; i++) { y[i] += x[i]; z[i] -= 2.0f * x[i]; }
}

/* A known trip count that is no multiple of the vector loop's 32 elements with
   AVX-512 (8 lanes, interleaved by 4): its last 28 go through a narrower vector
   loop (an epilogue), not one by one. */
__attribute__((noinline)) void scale220(double *a, const double *b) {
  for (int j = 0; j < 220; j++) a[j] += 0.5 * b[j];
}

/* A running value the vectoriser cannot handle (neither an induction nor a
   reduction): aotc versions the unrolled loop by array, the vectoriser declines, and
   the versioning is undone. */
__attribute__((noinline)) void running(uint32_t *y, const uint32_t *x, int n) {
  uint32_t s = 1;
  for (int i = 0; i < n; i++) { s = s * 3 + x[i]; y[i] = s; }
}

static float fglobal_x[N], fglobal_y[N];
static void globals_saxpy(float a) { for (int i = 0; i < N; i++) fglobal_y[i] = a * fglobal_x[i] + fglobal_y[i]; }

/* Carried loads: aotc moves a load whose value the next iteration reuses (clang
   keeps a[i+1] of an unrolled loop in a register to serve as the next a[i]) above
   the stores before it when they provably write other bytes, so the loop can
   vectorise. A Jacobi step between two global arrays (vectorises after the move) and
   an in-place Gauss-Seidel sweep, whose store is adjacent to the next load (the load
   moves; the loop's true dependence keeps it scalar). Overlapping stores and loads:
   tests/spec/aotc/carried_loads.wast. */
static double jglobal_a[N], jglobal_b[N];
__attribute__((noinline)) void jacobi_globals(void) {
  for (int i = 1; i < N - 1; i++) jglobal_b[i] = 0.33333 * (jglobal_a[i - 1] + jglobal_a[i] + jglobal_a[i + 1]);
}
__attribute__((noinline)) void seidel_globals(void) {
  for (int i = 1; i < N - 1; i++) jglobal_a[i] = 0.33333 * (jglobal_a[i - 1] + jglobal_a[i] + jglobal_a[i + 1]);
}

int main(void) {
  uint64_t total = 0;
  /* every distance from -20 to 20 elements between destination and source */
  for (int dist = -20; dist <= 20; dist++) {
    fill();
    unsigned char *mid = arena + 2 * N * 8 / 2;
    /* each element type on freshly filled bytes, so every float view is finite */
    float *fy = (float *)mid; saxpy(fy, fy + dist, 1.5f, N / 2);
    stencil((float *)mid, (float *)mid + dist, N / 2);
    fminmax((float *)mid, (float *)mid + dist, N / 2);
    float fs = fsum((const float *)mid + 1, N / 2 - 3);
    uint64_t h = hash_bytes(arena, sizeof arena);
    fill();
    double *dy = (double *)mid; daxpy(dy, dy + dist, -0.75, N / 4);
    double ds = dsum2((const double *)mid + 1, (const double *)mid + 1 + dist, N / 8);
    copy8(mid, mid + dist, N);
    /* short copies: below one vector iteration aotc skips the versioning's checks */
    for (int n = 0; n <= 70; n += 3) copy8(mid + 5 * n, mid + 5 * n + dist, n);
    copy_back16((uint16_t *)mid, (uint16_t *)mid + dist, N / 2);
    uint32_t *iy = (uint32_t *)mid; add32(iy, iy + dist, iy - dist, N / 2);
    mix64((uint64_t *)mid, (uint64_t *)mid + dist, N / 8);
    clamp32((int32_t *)iy + (dist & 7), N / 2 - 8);
    uint32_t is = isum((const uint32_t *)mid, N / 2 + dist);
    h = h * 31 + hash_bytes(arena, sizeof arena);
    fill();
    double *dc = (double *)mid;
    gemm(dc, dc + 3 * 20 + dist, dc + dist, 16, 20);
    gemm(dc, dc + 2000, dc + 1000 + dist, 12, 20); /* disjoint matrices: the vector path */
    float *fx = (float *)mid;
    axpy2(fx, fx + 2 * N + dist, fx + dist, N);
    axpy2(fx, fx + 2 * N, fx - N + dist, N / 2);
    running((uint32_t *)mid, (uint32_t *)mid + dist, N / 2);
    scale220((double *)mid, (double *)mid + dist);
    h = h * 31 + hash_bytes(arena, sizeof arena);
    uint32_t fb; memcpy(&fb, &fs, 4);
    uint64_t db; memcpy(&db, &ds, 8);
    printf("dist %3d: %016llx %08x %016llx %08x\n", dist, (unsigned long long)h, fb, (unsigned long long)db, is);
    total ^= h + fb + db + is;
  }
  fill();
  uint32_t *px = (uint32_t *)arena; prefix(px, N);
  printf("prefix %016llx\n", (unsigned long long)hash_bytes(px, N * 4));
  for (int i = 0; i < N; i++) { fglobal_x[i] = (float)i / 7.0f; fglobal_y[i] = (float)(N - i); }
  for (int r = 0; r < 9; r++) globals_saxpy((float)(r - 4) * 0.125f);
  printf("globals %016llx\n", (unsigned long long)hash_bytes(fglobal_y, sizeof fglobal_y));
  for (int i = 0; i < N; i++) { jglobal_a[i] = (double)((i * 37) % 101) / 8.0; jglobal_b[i] = 0; }
  for (int r = 0; r < 5; r++) { jacobi_globals(); seidel_globals(); }
  printf("jacobi %016llx %016llx\n", (unsigned long long)hash_bytes(jglobal_a, sizeof jglobal_a),
         (unsigned long long)hash_bytes(jglobal_b, sizeof jglobal_b));
  printf("total %016llx\n", (unsigned long long)total);
  return 0;
}
