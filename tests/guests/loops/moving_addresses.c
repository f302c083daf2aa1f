/* moving_addresses: loops whose wasm addresses move by a constant step each
   iteration, which aotc's address widening (aotc-widen-addresses) computes in 64
   bits, run where the 64-bit form must equal wasm's 32-bit one and where the 32-bit
   address wraps around: ascending and descending scans with data-dependent exits
   (their trip counts are unknown), the quicksort partition, strides from 1 byte to
   32 KiB and one beyond (left 32-bit), accesses that do not run in every iteration
   (left 32-bit; one of them runs only after its address has wrapped to 0),
   pointers that leave a loop and are used after it, descending accesses with a
   constant offset (left 32-bit), and 3-point stencils whose addresses LLVM has
   turned into masks of a 64-bit counter. Addresses are unsigned 32-bit integers turned into
   pointers, so their wrapping is wasm's and no C undefined behaviour. The test
   compares everything printed with Wasmtime.
   With an argument it runs one loop that leaves memory and must trap:
     "up_end"     scans upwards past the end of memory;
     "up_top"     starts at 0xfffffff0, far above the end;
     "down_zero"  scans downwards through address 0, wrapping to 0xfffffffc;
     "down_off"   the same through a load at offset 8 (wasm: 0xfffffffc + 8 = 4 GiB
                  + 4, out of bounds, even though 4 is a valid address);
     "down_far"   descends by 32 KiB through 0 (the 64-bit form goes 32 KiB below
                  the base, into the runtime's guard). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define ARENA (1 << 18)
static uint32_t arena[ARENA / 4];

static uint32_t addr_of(const void *p) { return (uint32_t)(uintptr_t)p; }
static uint32_t at(uint32_t a) { return *(volatile uint32_t *)(uintptr_t)a; }

/* The first address from `a` upwards (step S bytes) holding `v`, and downwards. */
#define FIND(S)                                                                  \
  NOINLINE uint32_t find_up##S(uint32_t a, uint32_t v) {                         \
    while (*(const uint32_t *)(uintptr_t)a != v) a += S;                         \
    return a;                                                                    \
  }                                                                              \
  NOINLINE uint32_t find_down##S(uint32_t a, uint32_t v) {                       \
    while (*(const uint32_t *)(uintptr_t)a != v) a -= S;                         \
    return a;                                                                    \
  }
FIND(4)
FIND(32768)
/* Downwards through a load at a constant offset: the 64-bit form would be wrong
   here, so the loop keeps its 32-bit address. */
NOINLINE uint32_t find_down_offset(uint32_t a, uint32_t v) {
  const uint32_t *p = (const uint32_t *)(uintptr_t)a;
  while (p[2] != v) p--;
  return addr_of(p);
}
/* Byte scans: strlen's shape, up and down. */
NOINLINE uint32_t scan_bytes_up(uint32_t a, unsigned char stop) {
  while (*(const unsigned char *)(uintptr_t)a != stop) a++;
  return a;
}
NOINLINE uint32_t scan_bytes_down(uint32_t a, unsigned char stop) {
  while (*(const unsigned char *)(uintptr_t)a != stop) a--;
  return a;
}
/* The access runs only in some iterations: left 32-bit. */
NOINLINE uint32_t sum_every_other(uint32_t a, int n) {
  uint32_t sum = 0;
  for (int i = 0; i < n; i++, a += 4)
    if (i & 1) sum += *(const uint32_t *)(uintptr_t)a;
  return sum;
}
/* The access runs only while the address is low: from 0xfffffff0 upwards the
   address wraps to 0 before the first access. A 64-bit address would be 4 GiB. */
NOINLINE uint32_t find_low_after_wrap(uint32_t a, uint32_t v) {
  for (;; a += 4)
    if (a < 65536 && *(const uint32_t *)(uintptr_t)a == v) return a;
}
/* Counted loops with strides of 1 byte to 32 KiB, and 32 KiB + 4 (left 32-bit). */
#define STRIDED(S)                                                               \
  NOINLINE uint64_t strided_up##S(uint32_t a, int n) {                           \
    uint64_t sum = 0;                                                            \
    for (int i = 0; i < n; i++, a += S) sum = sum * 31 + *(const unsigned char *)(uintptr_t)a; \
    return sum;                                                                  \
  }                                                                              \
  NOINLINE uint64_t strided_down##S(uint32_t a, int n) {                         \
    uint64_t sum = 0;                                                            \
    for (int i = 0; i < n; i++, a -= S) sum = sum * 31 + *(const unsigned char *)(uintptr_t)a; \
    return sum;                                                                  \
  }
STRIDED(1)
STRIDED(2)
STRIDED(3)
STRIDED(8)
STRIDED(4096)
STRIDED(32768)
STRIDED(32772)
#define PRINT_STRIDED(S)                                                         \
  do {                                                                           \
    int n = (ARENA - 1) / S > 500 ? 500 : (ARENA - 1) / S;                       \
    printf("stride %u: %llu %llu\n", S, (unsigned long long)strided_up##S(base, n), \
           (unsigned long long)strided_down##S(base + ARENA - 1, n));            \
  } while (0)

/* Hoare partition (sort.c's): both scans, the swap after them uses the addresses. */
NOINLINE long partition(uint32_t *x, long lo, long hi, uint32_t piv) {
  long i = lo, j = hi;
  while (i <= j) {
    while (x[i] < piv) i++;
    while (x[j] > piv) j--;
    if (i <= j) { uint32_t t = x[i]; x[i] = x[j]; x[j] = t; i++; j--; }
  }
  return i;
}
/* Stores ascending and descending, with the final address used after the loop. */
NOINLINE uint32_t fill_up(uint32_t a, int n, uint32_t v) {
  for (int i = 0; i < n; i++, a += 4) *(uint32_t *)(uintptr_t)a = v + (uint32_t)i;
  *(uint32_t *)(uintptr_t)a = 0xfeedu;
  return a;
}
NOINLINE uint32_t fill_down(uint32_t a, int n, uint32_t v) {
  for (int i = 0; i < n; i++, a -= 4) *(uint32_t *)(uintptr_t)a = v ^ (uint32_t)i;
  *(uint32_t *)(uintptr_t)a = 0xbeefu;
  return a;
}

/* 3-point stencils over static arrays (jacobi-1d's shape), up and down: clang
   counts the wasm index towards 0 at constant offsets from the arrays, and LLVM's
   IndVarSimplify widens that counter and masks the low bits it knows, so the
   addresses reach the widening as `(iv + k) & 0xfffffff0`, not as zero extensions.
   The two-array relax_* loops are vectorised (aotc moves their carried loads); the
   in-place seidel_* sweeps stay scalar, and seidel_up is the masked loop widened. */
#define RELAX_N 3001
static double relax_a[RELAX_N], relax_b[RELAX_N];
NOINLINE void relax_up(void) {
  for (int i = 1; i < RELAX_N - 1; i++)
    relax_b[i] = 0.33333 * (relax_a[i - 1] + relax_a[i] + relax_a[i + 1]);
  for (int i = 1; i < RELAX_N - 1; i++)
    relax_a[i] = 0.33333 * (relax_b[i - 1] + relax_b[i] + relax_b[i + 1]);
}
NOINLINE void relax_down(void) {
  for (int i = RELAX_N - 2; i >= 1; i--)
    relax_b[i] = 0.25 * (relax_a[i - 1] + 2.0 * relax_a[i] + relax_a[i + 1]);
  for (int i = RELAX_N - 2; i >= 1; i--)
    relax_a[i] = 0.25 * (relax_b[i - 1] + 2.0 * relax_b[i] + relax_b[i + 1]);
}
/* In-place sweeps (Gauss-Seidel): each a[i] uses the a[i-1] just written, so the
   loops stay scalar and keep the masked addresses, which must be widened. */
NOINLINE void seidel_up(void) {
  for (int i = 1; i < RELAX_N - 1; i++)
    relax_a[i] = 0.33333 * (relax_a[i - 1] + relax_a[i] + relax_a[i + 1]);
}
NOINLINE void seidel_down(void) {
  for (int i = RELAX_N - 2; i >= 1; i--)
    relax_a[i] = 0.25 * (relax_a[i - 1] + 2.0 * relax_a[i] + relax_a[i + 1]);
}
static uint64_t hash_relaxed(void) {
  uint64_t h = 1469598103934665603ULL;
  for (int i = 0; i < RELAX_N; i++) {
    uint64_t bits;
    memcpy(&bits, &relax_a[i], sizeof bits);
    h = (h ^ bits) * 1099511628211ULL;
  }
  return h;
}

static uint64_t hash_arena(void) {
  uint64_t h = 1469598103934665603ULL;
  const unsigned char *b = (const unsigned char *)arena;
  for (size_t i = 0; i < sizeof arena; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

static uint32_t memory_end(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }

int main(int argc, char **argv) {
  uint32_t base = addr_of(arena);
  for (uint32_t i = 0; i < ARENA / 4; i++) arena[i] = i * 2654435761u >> 7;
  if (argc > 1) {
    const char *mode = argv[1];
    uint32_t never = 0xdeadbeefu;
    for (uint32_t i = 0; i < ARENA / 4; i++)
      if (arena[i] == never) arena[i] = 0;
    /* Each scan finds no marker on its way and must trap where wasm does. */
    if (!strcmp(mode, "up_end")) printf("%u\n", find_up4(memory_end() - 4096, never));
    if (!strcmp(mode, "up_top")) printf("%u\n", find_up4(0xfffffff0u, never));
    if (!strcmp(mode, "down_zero")) printf("%u\n", find_down4(64, never));
    if (!strcmp(mode, "down_off")) printf("%u\n", find_down_offset(64, never));
    if (!strcmp(mode, "down_far")) printf("%u\n", find_down32768(3 * 32768 + 8, never));
    printf("no trap\n");
    return 0;
  }

  /* Scans that stop inside the arena, at every alignment. */
  for (uint32_t k = 0; k < 64; k++) {
    uint32_t target = base + 4 * (1000 + 37 * k);
    uint32_t saved = at(target);
    *(uint32_t *)(uintptr_t)target = 0xa5a5a5a5u;
    printf("up %u: %u\n", k, find_up4(base + 4 * k, 0xa5a5a5a5u) - base);
    printf("down %u: %u\n", k, find_down4(base + ARENA - 4 - 4 * k, 0xa5a5a5a5u) - base);
    printf("down_offset %u: %u\n", k, find_down_offset(base + ARENA - 12 - 4 * k, 0xa5a5a5a5u) - base);
    *(uint32_t *)(uintptr_t)target = saved;
    unsigned char *bytes = (unsigned char *)arena;
    unsigned char keep = bytes[5000 + k];
    bytes[5000 + k] = 0;
    printf("bytes %u: %u %u\n", k, scan_bytes_up(base + k, 0) - base,
           scan_bytes_down(base + 9000 - k, 0) - base);
    bytes[5000 + k] = keep;
  }
  /* Strides, up and down, including the largest widened one and one beyond. */
  PRINT_STRIDED(1);
  PRINT_STRIDED(2);
  PRINT_STRIDED(3);
  PRINT_STRIDED(8);
  PRINT_STRIDED(4096);
  PRINT_STRIDED(32768);
  PRINT_STRIDED(32772);
  /* A 32 KiB step that stops inside the arena. */
  arena[ARENA / 4 - 1 - 8192 * 3] = 0x5a5a5a5au;
  printf("far: %u\n", find_down32768(base + ARENA - 4, 0x5a5a5a5au) - base);
  printf("far up: %u\n", find_up32768(base + ARENA - 4 - 3 * 32768, 0x5a5a5a5au) - base);
  printf("every other: %u\n", sum_every_other(base + 12, 999));
  *(volatile uint32_t *)(uintptr_t)16 = 0x600df00du;
  printf("after wrap: %u\n", find_low_after_wrap(0xfffffff0u, 0x600df00du));
  /* Partition the arena's first 20000 words around several pivots. */
  uint64_t parts = 0;
  for (uint32_t p = 1; p < 8; p++) {
    long cut = partition(arena, 0, 19999, p * 0x01000000u);
    parts = parts * 1000003 + (uint64_t)cut;
  }
  printf("partition: %llu\n", (unsigned long long)parts);
  printf("fill: %u %u\n", fill_up(base + 40, 3000, 7) - base, fill_down(base + ARENA - 8, 2000, 9) - base);
  for (int i = 0; i < RELAX_N; i++) relax_a[i] = relax_b[i] = (double)(arena[i] % 1000);
  for (int t = 0; t < 20; t++) relax_up();
  printf("relax up: %016llx\n", (unsigned long long)hash_relaxed());
  for (int t = 0; t < 20; t++) relax_down();
  printf("relax down: %016llx\n", (unsigned long long)hash_relaxed());
  for (int t = 0; t < 20; t++) seidel_up();
  printf("seidel up: %016llx\n", (unsigned long long)hash_relaxed());
  for (int t = 0; t < 20; t++) seidel_down();
  printf("seidel down: %016llx\n", (unsigned long long)hash_relaxed());
  /* Reaching down to address 0 and back up to the arena without wrapping. */
  uint32_t zero_word = at(0);
  printf("to zero: %u\n", find_down4(base, zero_word) <= base);
  printf("arena %016llx\n", (unsigned long long)hash_arena());
  return 0;
}
