/* fileio: file I/O through WASI. Writes a generated file of FILESZ bytes to
   ./fileio_bench.tmp in the working directory with fwrite (8 KiB chunks), reads it
   back with fread, then with fseek+fread at scattered offsets, checksums, deletes
   it; ROUNDS times. Measures fd_write/fd_read/fd_seek/path_open through libc.
   Grant needed: the working directory, writable — aotc: `--allow-dir .:rw`;
   wasmtime: `--dir .`; node runner: preopens {".": "."}. */
#include "common.h"
#define FILESZ (32 << 20)
#define ROUNDS 24
#define CHUNK 8192
#define EXPECT 0x29b6427f8393abdeULL
static uint8_t chunk[CHUNK], rbuf[CHUNK];
int main(void) {
  const char *path = "fileio_bench.tmp";
  uint64_t h = 0;
  for (int r = 0; r < ROUNDS; r++) {
    FILE *f = fopen(path, "wb");
    if (!f) { printf("FAIL fileio cannot create %s\n", path); return 1; }
    uint64_t wsum = 0;
    for (size_t off = 0; off < FILESZ; off += CHUNK) {
      for (int i = 0; i < CHUNK; i += 8) { uint64_t v = rng64(); memcpy(chunk + i, &v, 8); }
      for (int i = 0; i < CHUNK; i += 512) wsum = mix64(wsum, chunk[i]);
      if (fwrite(chunk, 1, CHUNK, f) != CHUNK) { printf("FAIL fileio write\n"); return 1; }
    }
    fclose(f);
    f = fopen(path, "rb");
    if (!f) { printf("FAIL fileio cannot open %s\n", path); return 1; }
    uint64_t rsum = 0; size_t total = 0, n;
    while ((n = fread(rbuf, 1, CHUNK, f)) > 0) {
      for (size_t i = 0; i < n; i += 512) rsum = mix64(rsum, rbuf[i]);
      total += n;
    }
    if (total != FILESZ || rsum != wsum) { printf("FAIL fileio read back\n"); fclose(f); return 1; }
    for (int k = 0; k < 2000; k++) {
      long off = (long)(rng32() % (FILESZ - 64));
      fseek(f, off, SEEK_SET);
      if (fread(rbuf, 1, 64, f) != 64) { printf("FAIL fileio seek read\n"); return 1; }
      h = mix64(h, rbuf[0] ^ (uint64_t)rbuf[63] << 8);
    }
    fclose(f);
    if (remove(path) != 0) { printf("FAIL fileio remove\n"); return 1; }
    h = mix64(h, wsum);
  }
  return bench_check("fileio", h, EXPECT);
}
