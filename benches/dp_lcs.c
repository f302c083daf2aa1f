/* dp_lcs: dynamic programming. Length of the longest common subsequence of two
   generated strings (lengths N, alphabet 4) with the two-row O(N*M) table, ROUNDS
   pairs. Measures branchy max/compare inner loops with a loop-carried dependency. */
#include "common.h"
#define N 12000
#define ROUNDS 3
#define EXPECT 0xfb58c6021bc37699ULL
static char s[N], t[N];
static int prev[N + 1], cur[N + 1];
int main(void) {
  uint64_t h = 0;
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = 0; i < N; i++) { s[i] = "ACGT"[rng32() & 3]; t[i] = "ACGT"[rng32() & 3]; }
    memset(prev, 0, sizeof prev);
    for (int i = 1; i <= N; i++) {
      cur[0] = 0;
      char c = s[i - 1];
      for (int j = 1; j <= N; j++) {
        int v = c == t[j - 1] ? prev[j - 1] + 1 : (prev[j] > cur[j - 1] ? prev[j] : cur[j - 1]);
        cur[j] = v;
      }
      memcpy(prev, cur, sizeof cur);
    }
    h = mix64(h, (uint64_t)prev[N]);
  }
  return bench_check("dp_lcs", h, EXPECT);
}
