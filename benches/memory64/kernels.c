/* Memory-bound kernels for measuring what memory64's explicit bounds checks cost.
 *
 * Freestanding (no libc), so the same source builds for wasm32 (32-bit memory,
 * bounds covered by guard pages) and wasm64 (64-bit memory, every access checked
 * explicitly). Each export generates its input with splitmix64, does a fixed amount
 * of work and returns a checksum, which must be equal on both targets. */
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define WORDS (1u << 22) /* 16 MiB per u32 array */
#define MATRIX 320

static u32 index_array[WORDS];
static u32 value_array[WORDS];
static u8 byte_array[WORDS * 4];
static double mat_a[MATRIX * MATRIX], mat_b[MATRIX * MATRIX], mat_c[MATRIX * MATRIX];

static u64 rng_state;
static u64 splitmix64(void) {
  u64 z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Random reads: one dependent index load and one scattered value load each. */
__attribute__((export_name("gather"))) u64 gather(void) {
  rng_state = 1;
  for (u32 i = 0; i < WORDS; i++) {
    index_array[i] = (u32)splitmix64() & (WORDS - 1);
    value_array[i] = (u32)splitmix64();
  }
  u64 sum = 0;
  for (u32 round = 0; round < 40; round++)
    for (u32 i = 0; i < WORDS; i++) sum += value_array[index_array[i]] ^ round;
  return sum;
}

/* Table-driven CRC-32: a byte stream load and a table lookup per byte. */
__attribute__((export_name("crc32"))) u64 crc32(void) {
  u32 table[256];
  for (u32 i = 0; i < 256; i++) {
    u32 c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  rng_state = 2;
  for (u32 i = 0; i < WORDS * 4; i++) byte_array[i] = (u8)splitmix64();
  u32 crc = ~0u;
  for (int round = 0; round < 6; round++)
    for (u32 i = 0; i < WORDS * 4; i++) crc = table[(crc ^ byte_array[i]) & 255] ^ (crc >> 8);
  return ~crc;
}

/* Dense double matmul, i-k-j order: sequential loads and stores the optimiser can
 * vectorise and hoist checks out of. */
__attribute__((export_name("matmul"))) u64 matmul(void) {
  rng_state = 3;
  for (u32 i = 0; i < MATRIX * MATRIX; i++) {
    mat_a[i] = (double)(splitmix64() >> 40) / 16777216.0;
    mat_b[i] = (double)(splitmix64() >> 40) / 16777216.0;
  }
  double total = 0;
  for (int round = 0; round < 8; round++) {
    for (u32 i = 0; i < MATRIX * MATRIX; i++) mat_c[i] = 0;
    for (u32 i = 0; i < MATRIX; i++)
      for (u32 k = 0; k < MATRIX; k++) {
        double aik = mat_a[i * MATRIX + k];
        for (u32 j = 0; j < MATRIX; j++) mat_c[i * MATRIX + j] += aik * mat_b[k * MATRIX + j];
      }
    total += mat_c[(round * 7919) % (MATRIX * MATRIX)];
  }
  return (u64)(total * 1e6);
}

static void quicksort(u32 *items, long lo, long hi) {
  while (lo < hi) {
    u32 pivot = items[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (items[i] < pivot) i++;
      while (items[j] > pivot) j--;
      if (i <= j) {
        u32 t = items[i];
        items[i] = items[j];
        items[j] = t;
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quicksort(items, lo, j);
      lo = i;
    } else {
      quicksort(items, i, hi);
      hi = j;
    }
  }
}

/* Quicksort of 4 Mi u32: data-dependent loads and stores through pointers. */
__attribute__((export_name("sort"))) u64 sort(void) {
  rng_state = 4;
  u64 check = 0;
  for (int round = 0; round < 3; round++) {
    for (u32 i = 0; i < WORDS; i++) value_array[i] = (u32)splitmix64();
    quicksort(value_array, 0, WORDS - 1);
    for (u32 i = 1; i < WORDS; i++)
      if (value_array[i - 1] > value_array[i]) return 0;
    check += value_array[WORDS / 2];
  }
  return check;
}
