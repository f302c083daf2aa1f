/* fib_calls: recursion and function calls. Naive doubly-recursive fib, the Takeuchi
   function and a mutually recursive even/odd pair, with noinline to keep real calls.
   Measures call/return overhead and the wasm shadow stack / stack-pointer global. */
#include "common.h"
#define FIB_N 42
#define TAK_REPS 20
#define EXPECT 0x75c1aaa8f7c1e758ULL
__attribute__((noinline)) static uint64_t fib(int n) { return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2); }
__attribute__((noinline)) static int tak(int x, int y, int z) { return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z; }
__attribute__((noinline)) static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n) { volatile char pad[16]; pad[n & 15] = 1; return n == 0 ? 1 : is_odd(n - 1) + pad[0] * 0; }
__attribute__((noinline)) static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
int main(void) {
  uint64_t h = fib(FIB_N);
  for (int i = 0; i < TAK_REPS; i++) h = mix64(h, (uint64_t)tak(18 + (i & 1), 12, 6));
  for (unsigned i = 0; i < 3000; i++) h = mix64(h, (uint64_t)is_even(5000 + i));
  return bench_check("fib_calls", h, EXPECT);
}
