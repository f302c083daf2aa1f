/* selftest.c: plays the role of aotc-generated code so wasi-rt can be tested without
 * the compiler. It defines the symbols generated objects define (ABI marker, vmctx,
 * function infos, instantiate/run_start; the manifest comes from a separate generated
 * file) and a fake module whose "_start" picks a scenario from its own argv[1] (read
 * through args_get, like a real guest) and drives aotc_wasi_* calls on guest memory
 * made by aotc_rt_memory_new. Each check prints "ok <name>" or "FAIL <name> ...";
 * the scenario ends with "N passed, M failed".
 *
 * Host-side knobs (test shim only, never seen by the runtime):
 *   SELFTEST_NOMEM=1       instantiate without a memory (header.memory stays null)
 *   SELFTEST_NO_OPENAT2=1  seccomp makes openat2 fail with ENOSYS on the guest thread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* ---- the contract (aotc-abi layout.rs) ---- */
typedef struct { uint8_t *base; uint64_t size_bytes; uint64_t max_pages; uint64_t reserved_bytes; } Memory;
typedef struct { uintptr_t *elements; uint32_t len, max, capacity, pad; } Table;
typedef struct { uint8_t *memory_base; Memory *memory; } VmCtxHeader;
typedef struct { const void *code; const char *name; } FuncInfo;

unsigned char aotc_abi_version_2 = 2;
/* The shim grants listen sockets, so it wires the runtime's listener set-up in the way
 * generated code does (aotc_abi::sym::LISTEN_HOOK). */
void aotc_rt_open_listeners(const void *manifest, void *fds);
void (*const aotc_listen_hook)(const void *, void *) = aotc_rt_open_listeners;
_Alignas(16) unsigned char aotc_vmctx[256];
uint64_t aotc_vmctx_size = sizeof aotc_vmctx;

/* (memory, initial pages, maximum pages, is memory64) */
void aotc_rt_memory_new(Memory *, uint64_t, uint64_t, uint32_t);
uint64_t aotc_rt_memory_grow(Memory *, uint64_t);
void aotc_rt_table_new(Table *, uint32_t, uint32_t, uintptr_t);
uint32_t aotc_rt_table_grow(Table *, uintptr_t, uint32_t);
uint32_t aotc_rt_table_fill(Table *, uint32_t, uintptr_t, uint32_t);
uint32_t aotc_rt_table_copy(Table *, Table *, uint32_t, uint32_t, uint32_t);
uint32_t aotc_rt_table_init(Table *, const uintptr_t *, uint32_t, uint32_t, uint32_t, uint32_t);
_Noreturn void aotc_rt_trap(uint32_t, uint32_t);

#define W(name, ...) uint32_t aotc_wasi_##name(VmCtxHeader *, ##__VA_ARGS__)
W(args_get, uint32_t, uint32_t); W(args_sizes_get, uint32_t, uint32_t);
W(environ_get, uint32_t, uint32_t); W(environ_sizes_get, uint32_t, uint32_t);
W(clock_res_get, uint32_t, uint32_t); W(clock_time_get, uint32_t, uint64_t, uint32_t);
W(fd_advise, uint32_t, uint64_t, uint64_t, uint32_t); W(fd_allocate, uint32_t, uint64_t, uint64_t);
W(fd_close, uint32_t); W(fd_datasync, uint32_t); W(fd_sync, uint32_t);
W(fd_fdstat_get, uint32_t, uint32_t); W(fd_fdstat_set_flags, uint32_t, uint32_t);
W(fd_fdstat_set_rights, uint32_t, uint64_t, uint64_t);
W(fd_filestat_get, uint32_t, uint32_t); W(fd_filestat_set_size, uint32_t, uint64_t);
W(fd_filestat_set_times, uint32_t, uint64_t, uint64_t, uint32_t);
W(fd_pread, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t);
W(fd_pwrite, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t);
W(fd_prestat_get, uint32_t, uint32_t); W(fd_prestat_dir_name, uint32_t, uint32_t, uint32_t);
W(fd_read, uint32_t, uint32_t, uint32_t, uint32_t); W(fd_write, uint32_t, uint32_t, uint32_t, uint32_t);
W(fd_readdir, uint32_t, uint32_t, uint32_t, uint64_t, uint32_t);
W(fd_renumber, uint32_t, uint32_t); W(fd_seek, uint32_t, uint64_t, uint32_t, uint32_t);
W(fd_tell, uint32_t, uint32_t);
W(path_create_directory, uint32_t, uint32_t, uint32_t);
W(path_filestat_get, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(path_filestat_set_times, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t, uint32_t);
W(path_link, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(path_open, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t, uint32_t, uint32_t);
W(path_readlink, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(path_remove_directory, uint32_t, uint32_t, uint32_t);
W(path_rename, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(path_symlink, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(path_unlink_file, uint32_t, uint32_t, uint32_t);
W(poll_oneoff, uint32_t, uint32_t, uint32_t, uint32_t);
W(proc_raise, uint32_t); W(random_get, uint32_t, uint32_t); W(sched_yield);
W(sock_accept, uint32_t, uint32_t, uint32_t);
W(sock_recv, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(sock_send, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
W(sock_shutdown, uint32_t, uint32_t);
_Noreturn void aotc_wasi_proc_exit(VmCtxHeader *, uint32_t);

/* ---- WASI values (witx) ---- */
enum { ESUCCESS = 0, WBADF = 8, EEXIST_ = 20, EFAULT_ = 21, EINVAL_ = 28, EISDIR_ = 31, ELOOP_ = 32,
       ENAMETOOLONG_ = 37, ENOENT_ = 44, ENOTDIR_ = 54, ENOTEMPTY_ = 55, ENOTSUP_ = 58, ESPIPE_ = 70, ENOTCAPABLE = 76 };
#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ALLOCATE (1ull << 8)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_FD_READDIR (1ull << 14)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define R_WRITE_ANY ((1ull << 0) | (1ull << 4) | (1ull << 6) | (1ull << 8) | (1ull << 9) | (1ull << 10) | \
                     (1ull << 11) | (1ull << 12) | (1ull << 16) | (1ull << 17) | (1ull << 19) | (1ull << 20) | \
                     (1ull << 22) | (1ull << 23) | (1ull << 24) | (1ull << 25) | (1ull << 26))
#define R_READ_FILE (R_FD_READ | R_FD_SEEK | (1ull << 5) | (1ull << 21))
#define O_CREAT_ 1
#define O_DIRECTORY_ 2
#define O_EXCL_ 4
#define O_TRUNC_ 8
#define F_APPEND 1
#define F_DSYNC 2
#define FOLLOW 1

/* ---- the fake module ---- */
#define VM ((VmCtxHeader *)aotc_vmctx)
#define MEMO ((Memory *)(aotc_vmctx + 64))
static uint8_t *M; /* memory 0 base */
static int passed, failed;

/* guest addresses */
enum { IOV = 0x100, OUT = 0x200, OUT2 = 0x240, PATH = 0x1000, PATH2 = 0x1800, BUF = 0x10000, BIG = 0x20000 };

static uint32_t put(uint32_t at, const char *s) { size_t n = strlen(s); memcpy(M + at, s, n); return (uint32_t)n; }
static uint32_t rd32(uint32_t at) { uint32_t v; memcpy(&v, M + at, 4); return v; }
static uint64_t rd64(uint32_t at) { uint64_t v; memcpy(&v, M + at, 8); return v; }
static void wr32(uint32_t at, uint32_t v) { memcpy(M + at, &v, 4); }

#include <unistd.h>
static void out(uint32_t fd, const char *s) {
  size_t n = strlen(s);
  if (!M) { write((int)fd, s, n); return; }
  memcpy(M + 0x400, s, n);
  wr32(IOV, 0x400); wr32(IOV + 4, (uint32_t)n);
  aotc_wasi_fd_write(VM, fd, IOV, 1, OUT2);
}
static void outn(uint64_t v) { char b[24]; int i = 23; b[i] = 0; do { b[--i] = '0' + v % 10; v /= 10; } while (v); out(1, b + i); }

static void check(const char *name, uint64_t got, uint64_t want) {
  if (got == want) { passed++; out(1, "ok "); out(1, name); out(1, "\n"); }
  else { failed++; out(1, "FAIL "); out(1, name); out(1, ": got "); outn(got); out(1, " want "); outn(want); out(1, "\n"); }
}

/* path_open fd 'dir' path 's' with oflags/rights/fdflags; returns errno, fd in *fd */
static uint32_t open_(uint32_t dir, uint32_t lookup, const char *s, uint32_t of, uint64_t base, uint32_t ff, uint32_t *fd) {
  uint32_t n = put(PATH, s);
  uint32_t e = aotc_wasi_path_open(VM, dir, lookup, PATH, n, of, base, base, ff, OUT);
  if (fd) *fd = e ? 0xffffffff : rd32(OUT);
  return e;
}
static uint32_t read_all(uint32_t fd, char *dst, uint32_t cap) {
  wr32(IOV, BUF); wr32(IOV + 4, cap);
  uint32_t e = aotc_wasi_fd_read(VM, fd, IOV, 1, OUT);
  if (e) return 0;
  uint32_t n = rd32(OUT);
  memcpy(dst, M + BUF, n); dst[n] = 0;
  return n;
}
static uint32_t write_str(uint32_t fd, const char *s) {
  uint32_t n = put(BUF, s);
  wr32(IOV, BUF); wr32(IOV + 4, n);
  return aotc_wasi_fd_write(VM, fd, IOV, 1, OUT);
}
#define P(s) PATH, put(PATH, s)
#define P2(s) PATH2, put(PATH2, s)

/* ---- scenarios ---- */
static void t_args(void) {
  check("args_sizes_get", aotc_wasi_args_sizes_get(VM, OUT, OUT + 4), 0);
  uint32_t argc = rd32(OUT);
  check("args_get", aotc_wasi_args_get(VM, BUF, BIG), 0);
  for (uint32_t i = 0; i < argc; i++) { out(1, "arg: "); out(1, (char *)M + rd32(BUF + 4 * i)); out(1, "\n"); }
  check("environ_sizes_get", aotc_wasi_environ_sizes_get(VM, OUT, OUT + 4), 0);
  uint32_t envc = rd32(OUT);
  check("environ_get", aotc_wasi_environ_get(VM, BUF, BIG), 0);
  for (uint32_t i = 0; i < envc; i++) { out(1, "env: "); out(1, (char *)M + rd32(BUF + 4 * i)); out(1, "\n"); }
}

static void t_misc(void) {
  for (uint32_t id = 0; id < 4; id++) {
    check("clock_time_get", aotc_wasi_clock_time_get(VM, id, 0, OUT), 0);
    check("clock_time_get nonzero", rd64(OUT) != 0, 1);
    check("clock_res_get", aotc_wasi_clock_res_get(VM, id, OUT), 0);
  }
  check("clock_time_get bad id", aotc_wasi_clock_time_get(VM, 4, 0, OUT), EINVAL_);
  memset(M + BUF, 0, 64);
  check("random_get", aotc_wasi_random_get(VM, BUF, 64), 0);
  int nz = 0; for (int i = 0; i < 64; i++) nz |= M[BUF + i];
  check("random_get filled", nz != 0, 1);
  check("sched_yield", aotc_wasi_sched_yield(VM), 0);
  check("proc_raise", aotc_wasi_proc_raise(VM, 6), ENOTSUP_);
  check("fdstat stdout", aotc_wasi_fd_fdstat_get(VM, 1, OUT), 0);
  out(1, "stdout filetype "); outn(M[OUT]); out(1, "\n");
  check("fdstat bad fd", aotc_wasi_fd_fdstat_get(VM, 99, OUT), WBADF);
  check("prestat on stdio", aotc_wasi_fd_prestat_get(VM, 1, OUT), WBADF);
  /* Stdio is never seekable (issue 10), and that is checked before the whence. */
  check("seek stdin", aotc_wasi_fd_seek(VM, 0, 0, 9, OUT), ESPIPE_);
  /* memory.grow */
  check("grow 0", aotc_rt_memory_grow(MEMO, 0), 4);
  check("grow 1", aotc_rt_memory_grow(MEMO, 1), 4);
  check("size after grow", MEMO->size_bytes, 5 * 65536);
  M[5 * 65536 - 1] = 7; /* committed */
  check("grow past max", aotc_rt_memory_grow(MEMO, 100), UINT64_MAX);
  /* poll_oneoff: one relative clock of 1 ms */
  uint8_t *s = M + BUF; memset(s, 0, 48);
  uint64_t ud = 42, to = 1000000; memcpy(s, &ud, 8); s[8] = 0; memcpy(s + 24, &to, 8);
  check("poll clock", aotc_wasi_poll_oneoff(VM, BUF, BUF + 0x100, 1, OUT), 0);
  check("poll nevents", rd32(OUT), 1);
  check("poll userdata", rd64(BUF + 0x100), 42);
  check("poll zero subs", aotc_wasi_poll_oneoff(VM, BUF, BUF + 0x100, 0, OUT), EINVAL_);
  /* tables */
  Table t, t2; uintptr_t seg[3] = {11, 12, 13};
  aotc_rt_table_new(&t, 2, 10, 5);
  check("table new", t.len == 2 && t.elements[1] == 5, 1);
  check("table grow", aotc_rt_table_grow(&t, 9, 3), 2);
  check("table grown", t.len == 5 && t.elements[4] == 9, 1);
  check("table grow past max", aotc_rt_table_grow(&t, 0, 6), 0xffffffff);
  check("table fill", aotc_rt_table_fill(&t, 1, 3, 4), 0);
  check("table fill oob", aotc_rt_table_fill(&t, 2, 3, 4), 6);
  check("table fill n=0 at end", aotc_rt_table_fill(&t, 5, 3, 0), 0);
  check("table fill n=0 past end", aotc_rt_table_fill(&t, 6, 3, 0), 6);
  check("table init", aotc_rt_table_init(&t, seg, 3, 0, 1, 2), 0);
  check("table init vals", t.elements[0] == 12 && t.elements[1] == 13, 1);
  check("table init oob", aotc_rt_table_init(&t, seg, 3, 0, 2, 2), 6);
  check("table init huge", aotc_rt_table_init(&t, seg, 3, 0xffffffff, 0, 2), 6);
  check("table copy overlap", aotc_rt_table_copy(&t, &t, 1, 0, 4), 0);
  check("table copy vals", t.elements[1] == 12 && t.elements[2] == 13, 1);
  aotc_rt_table_new(&t2, 0, 0, 0);
  check("table copy oob", aotc_rt_table_copy(&t2, &t, 0, 0, 1), 6);
}

static void t_efault(void) {
  uint32_t size = (uint32_t)MEMO->size_bytes;
  check("args_sizes_get out of memory", aotc_wasi_args_sizes_get(VM, size, OUT), EFAULT_);
  check("args_sizes_get straddling", aotc_wasi_args_sizes_get(VM, size - 2, OUT), EFAULT_);
  check("args_get argv out of memory", aotc_wasi_args_get(VM, size - 4, BUF), EFAULT_);
  wr32(IOV, size - 4); wr32(IOV + 4, 8);
  check("fd_write iovec past end", aotc_wasi_fd_write(VM, 1, IOV, 1, OUT), EFAULT_);
  wr32(IOV, 0xfffffff0u); wr32(IOV + 4, 0x20);
  check("fd_write iovec near 4GiB wraps", aotc_wasi_fd_write(VM, 1, IOV, 1, OUT), EFAULT_);
  wr32(IOV, BUF); wr32(IOV + 4, 0xffffffffu);
  check("fd_read iovec len huge", aotc_wasi_fd_read(VM, 0, IOV, 1, OUT), EFAULT_);
  check("fd_write iovs array past end", aotc_wasi_fd_write(VM, 1, size - 8, 2, OUT), EFAULT_);
  check("fd_write iovs count huge", aotc_wasi_fd_write(VM, 1, IOV, 0x40000000u, OUT), EFAULT_);
  wr32(IOV, BUF); wr32(IOV + 4, 1); M[BUF] = '\n';
  check("fd_write nwritten out of memory", aotc_wasi_fd_write(VM, 1, IOV, 1, 0xfffffffeu), EFAULT_);
  check("random_get past end", aotc_wasi_random_get(VM, size - 10, 11), EFAULT_);
  check("random_get near 4GiB", aotc_wasi_random_get(VM, 0xffffff00u, 0x200), EFAULT_);
  check("clock_time_get out", aotc_wasi_clock_time_get(VM, 0, 0, size - 4), EFAULT_);
  check("random_get empty at end ok", aotc_wasi_random_get(VM, size, 0), 0);
  check("path_open path out of memory", aotc_wasi_path_open(VM, 3, 0, size - 2, 10, 0, R_FD_READ, 0, 0, OUT), EFAULT_);
  check("fd_prestat_dir_name out", aotc_wasi_fd_prestat_dir_name(VM, 3, size - 1, 4), EFAULT_);
}

static void t_nomem(void) {
  check("nomem args_sizes_get", aotc_wasi_args_sizes_get(VM, 0, 4), EFAULT_);
  check("nomem fd_write", aotc_wasi_fd_write(VM, 1, 0, 1, 8), EFAULT_);
  check("nomem random_get", aotc_wasi_random_get(VM, 0, 1), EFAULT_);
  check("nomem random_get empty", aotc_wasi_random_get(VM, 0, 0), 0);
  check("nomem fd_close bad", aotc_wasi_fd_close(VM, 77), WBADF);
}

/* collects readdir names into dst ("a,b,c,") using a buffer of bufsize bytes */
static uint32_t list_dir(uint32_t fd, uint32_t bufsize, char *dst, int *calls) {
  uint64_t cookie = 0; strcpy(dst, ","); *calls = 0;
  for (;;) {
    (*calls)++;
    uint32_t e = aotc_wasi_fd_readdir(VM, fd, BIG, bufsize, cookie, OUT);
    if (e) return e;
    uint32_t used = rd32(OUT), at = 0;
    int progressed = 0;
    while (at + 24 <= used) {
      uint64_t next = rd64(BIG + at); uint32_t nl = rd32(BIG + at + 16);
      if (at + 24 + nl > used) break; /* truncated entry: re-read from its cookie */
      strncat(dst, (char *)M + BIG + at + 24, nl); strcat(dst, ",");
      cookie = next; at += 24 + nl; progressed = 1;
    }
    if (used < bufsize) return 0;
    if (!progressed) return 999; /* buffer too small for one entry */
  }
}
static int has(const char *list, const char *name) {
  char pat[64]; strcpy(pat, ","); strcat(pat, name); strcat(pat, ",");
  return strstr(list, pat) != 0;
}

static void t_ro(void) {
  char b[4096];
  uint32_t fd;
  check("prestat 3", aotc_wasi_fd_prestat_get(VM, 3, OUT), 0);
  check("prestat tag dir", M[OUT], 0);
  check("prestat name len", rd32(OUT + 4), 4);
  check("prestat_dir_name short buf", aotc_wasi_fd_prestat_dir_name(VM, 3, BUF, 3), ENAMETOOLONG_);
  check("prestat_dir_name", aotc_wasi_fd_prestat_dir_name(VM, 3, BUF, 4), 0);
  check("prestat name is data", memcmp(M + BUF, "data", 4), 0);
  check("prestat 4 is EBADF", aotc_wasi_fd_prestat_get(VM, 4, OUT), WBADF);
  check("fdstat preopen", aotc_wasi_fd_fdstat_get(VM, 3, OUT), 0);
  check("preopen filetype dir", M[OUT], 3);
  check("ro base has no write rights", rd64(OUT + 8) & R_WRITE_ANY, 0);
  check("ro inheriting has no write rights", rd64(OUT + 16) & R_WRITE_ANY, 0);

  check("open hello.txt", open_(3, 0, "hello.txt", 0, R_READ_FILE, 0, &fd), 0);
  read_all(fd, b, 100);
  check("read hello.txt", strcmp(b, "hello from data\n"), 0);
  check("fdstat file rights: no write", aotc_wasi_fd_fdstat_get(VM, fd, OUT) == 0 && (rd64(OUT + 8) & R_WRITE_ANY) == 0, 1);
  check("file filetype regular", M[OUT], 4);
  check("fd_write on ro file", write_str(fd, "x"), ENOTCAPABLE);
  check("fd_pwrite on ro file", aotc_wasi_fd_pwrite(VM, fd, IOV, 1, 0, OUT), ENOTCAPABLE);
  check("set_size on ro file", aotc_wasi_fd_filestat_set_size(VM, fd, 0), ENOTCAPABLE);
  check("set_times on ro file", aotc_wasi_fd_filestat_set_times(VM, fd, 0, 0, 2), ENOTCAPABLE);
  check("allocate on ro file", aotc_wasi_fd_allocate(VM, fd, 0, 10), ENOTCAPABLE);
  check("datasync on ro file", aotc_wasi_fd_datasync(VM, fd), ENOTCAPABLE);
  check("set_flags append on ro file", aotc_wasi_fd_fdstat_set_flags(VM, fd, F_APPEND), ENOTCAPABLE);
  wr32(IOV, BUF); wr32(IOV + 4, 100);
  check("pread", aotc_wasi_fd_pread(VM, fd, IOV, 1, 6, OUT), 0);
  check("pread count", rd32(OUT), 10);
  check("seek end", aotc_wasi_fd_seek(VM, fd, (uint64_t)-5, 2, OUT), 0);
  check("seek pos", rd64(OUT), 11);
  check("tell", aotc_wasi_fd_tell(VM, fd, OUT) == 0 && rd64(OUT) == 11, 1);
  check("filestat size", aotc_wasi_fd_filestat_get(VM, fd, BUF) == 0 && rd64(BUF + 32) == 16, 1);
  check("set_rights drop", aotc_wasi_fd_fdstat_set_rights(VM, fd, R_FD_READ, 0), 0);
  check("set_rights widen", aotc_wasi_fd_fdstat_set_rights(VM, fd, R_FD_READ | R_FD_SEEK, 0), ENOTCAPABLE);
  check("seek after drop", aotc_wasi_fd_seek(VM, fd, 0, 0, OUT), ENOTCAPABLE);
  uint32_t fd2;
  check("open again", open_(3, 0, "sub/inner.txt", 0, R_READ_FILE, 0, &fd2), 0);
  check("renumber", aotc_wasi_fd_renumber(VM, fd2, fd), 0);
  check("closed old number", aotc_wasi_fd_close(VM, fd2), WBADF);
  check("renumbered reads other file", read_all(fd, b, 100) > 0 && strcmp(b, "inner\n") == 0, 1);
  check("renumber to closed", aotc_wasi_fd_renumber(VM, fd, 77), WBADF);
  check("close", aotc_wasi_fd_close(VM, fd), 0);
  check("close again", aotc_wasi_fd_close(VM, fd), WBADF);
}

static void t_ro_refusals(void) {
  uint32_t fd;
  check("O_CREAT refused", open_(3, 0, "new.txt", O_CREAT_, R_READ_FILE, 0, &fd), ENOTCAPABLE);
  check("O_TRUNC alone refused", open_(3, 0, "hello.txt", O_TRUNC_, R_READ_FILE, 0, &fd), ENOTCAPABLE);
  check("O_EXCL refused", open_(3, 0, "hello.txt", O_EXCL_, R_READ_FILE, 0, &fd), ENOTCAPABLE);
  check("O_CREAT|O_EXCL refused", open_(3, 0, "x", O_CREAT_ | O_EXCL_, R_READ_FILE, 0, &fd), ENOTCAPABLE);
  check("write right refused", open_(3, 0, "hello.txt", 0, R_FD_READ | R_FD_WRITE, 0, &fd), ENOTCAPABLE);
  check("set_size right refused", open_(3, 0, "hello.txt", 0, R_FD_READ | R_FD_FILESTAT_SET_SIZE, 0, &fd), ENOTCAPABLE);
  check("allocate right refused", open_(3, 0, "hello.txt", 0, R_FD_ALLOCATE, 0, &fd), ENOTCAPABLE);
  check("append refused", open_(3, 0, "hello.txt", 0, R_FD_READ, F_APPEND, &fd), ENOTCAPABLE);
  check("dsync refused", open_(3, 0, "hello.txt", 0, R_FD_READ, F_DSYNC, &fd), ENOTCAPABLE);
  /* Rust's std asks for every non-write right on a read-only open: granted, trimmed */
  check("std-style read open", open_(3, 0, "hello.txt", 0, ((1ull << 30) - 1) & ~(R_FD_WRITE | R_FD_DATASYNC | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE), 0, &fd), 0);
  check("std-style fd has no write rights", aotc_wasi_fd_fdstat_get(VM, fd, OUT) == 0 && (rd64(OUT + 8) & R_WRITE_ANY) == 0, 1);
  check("std-style fd inheriting has no write rights", (rd64(OUT + 16) & R_WRITE_ANY) == 0, 1);
  aotc_wasi_fd_close(VM, fd);
  check("mkdir refused", aotc_wasi_path_create_directory(VM, 3, P("newdir")), ENOTCAPABLE);
  check("rmdir refused", aotc_wasi_path_remove_directory(VM, 3, P("sub")), ENOTCAPABLE);
  check("unlink refused", aotc_wasi_path_unlink_file(VM, 3, P("hello.txt")), ENOTCAPABLE);
  check("rename refused", aotc_wasi_path_rename(VM, 3, P("hello.txt"), 3, P2("moved.txt")), ENOTCAPABLE);
  check("symlink refused", aotc_wasi_path_symlink(VM, P2("hello.txt"), 3, P("ln")), ENOTCAPABLE);
  check("link refused", aotc_wasi_path_link(VM, 3, 0, P("hello.txt"), 3, P2("hard")), ENOTCAPABLE);
  check("path set_times refused", aotc_wasi_path_filestat_set_times(VM, 3, 0, P("hello.txt"), 0, 0, 2), ENOTCAPABLE);
  check("preopen set_times refused", aotc_wasi_fd_filestat_set_times(VM, 3, 0, 0, 2), ENOTCAPABLE);
  check("preopen datasync refused", aotc_wasi_fd_datasync(VM, 3), ENOTCAPABLE);
}

static void t_escapes(void) {
  uint32_t fd;
  check("../ refused", open_(3, 0, "../secret.txt", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check(".. refused", open_(3, 0, "..", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check("sub/../../ refused", open_(3, 0, "sub/../../secret.txt", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check("absolute refused", open_(3, 0, "/etc/passwd", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check("absolute symlink refused", open_(3, FOLLOW, "escape_abs", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check("escaping symlink refused", open_(3, FOLLOW, "escape_rel", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check("symlink to .. then file refused", open_(3, 0, "escape_dir/secret.txt", 0, R_FD_READ, 0, &fd), ENOTCAPABLE);
  check("no-follow on symlink is ELOOP", open_(3, 0, "inside", 0, R_FD_READ, 0, &fd), ELOOP_);
  check("symlink loop", open_(3, FOLLOW, "loop", 0, R_FD_READ, 0, &fd), ELOOP_);
  check("inside symlink followed", open_(3, FOLLOW, "inside", 0, R_FD_READ, 0, &fd), 0);
  aotc_wasi_fd_close(VM, fd);
  check("symlink in the middle stays inside", open_(3, 0, "sub/up_dir/hello.txt", 0, R_FD_READ, 0, &fd), 0);
  aotc_wasi_fd_close(VM, fd);
  check("dirlink/inner.txt", open_(3, 0, "dirlink/inner.txt", 0, R_FD_READ, 0, &fd), 0);
  aotc_wasi_fd_close(VM, fd);
  check("sub/../hello.txt inside", open_(3, 0, "sub/../hello.txt", 0, R_FD_READ, 0, &fd), 0);
  aotc_wasi_fd_close(VM, fd);
  check("missing file", open_(3, 0, "nope.txt", 0, R_FD_READ, 0, &fd), ENOENT_);
  check("empty path", open_(3, 0, "", 0, R_FD_READ, 0, &fd), ENOENT_);
  check("O_DIRECTORY on file", open_(3, 0, "hello.txt", O_DIRECTORY_, R_FD_READ, 0, &fd), ENOTDIR_);
  check("filestat ../ refused", aotc_wasi_path_filestat_get(VM, 3, 0, P("../secret.txt"), BUF), ENOTCAPABLE);
  check("filestat .. refused", aotc_wasi_path_filestat_get(VM, 3, 0, P(".."), BUF), ENOTCAPABLE);
  check("filestat abs symlink follow refused", aotc_wasi_path_filestat_get(VM, 3, FOLLOW, P("escape_abs"), BUF), ENOTCAPABLE);
  check("filestat abs symlink trailing slash refused", aotc_wasi_path_filestat_get(VM, 3, 0, P("escape_dir/"), BUF), ENOTCAPABLE);
  check("filestat symlink nofollow", aotc_wasi_path_filestat_get(VM, 3, 0, P("escape_abs"), BUF), 0);
  check("filestat symlink type", M[BUF + 16], 7);
  check("filestat follow inside", aotc_wasi_path_filestat_get(VM, 3, FOLLOW, P("inside"), BUF), 0);
  check("filestat follow type", M[BUF + 16], 4);
  check("filestat size", rd64(BUF + 32), 16);
  check("readlink", aotc_wasi_path_readlink(VM, 3, P("inside"), BUF, 100, OUT), 0);
  check("readlink value", rd32(OUT) == 9 && memcmp(M + BUF, "hello.txt", 9) == 0, 1);
  check("readlink truncated", aotc_wasi_path_readlink(VM, 3, P("inside"), BUF, 4, OUT) == 0 && rd32(OUT) == 4, 1);
  check("readlink ../ refused", aotc_wasi_path_readlink(VM, 3, P("../x"), BUF, 100, OUT), ENOTCAPABLE);
  /* The descriptor's kind before its rights, as Wasmtime: stdio is no directory. */
  check("path_open on stdin", open_(0, 0, "x", 0, R_FD_READ, 0, &fd), WBADF);
}

static void t_readdir(void) {
  uint32_t fd; char l1[4096], l2[4096]; int calls1, calls2;
  check("readdir on preopen", list_dir(3, 4096, l1, &calls1), 0);
  check("readdir has hello.txt", has(l1, "hello.txt"), 1);
  check("readdir has sub", has(l1, "sub"), 1);
  check("readdir has .", has(l1, "."), 1);
  check("readdir small buffer", list_dir(3, 40, l2, &calls2), 0);
  check("readdir small buffer same listing", strcmp(l1, l2), 0);
  check("readdir small buffer took several calls", calls2 > 3, 1);
  /* truncated last entry: a buffer that ends inside an entry is filled completely */
  check("readdir 30", aotc_wasi_fd_readdir(VM, 3, BIG, 30, 0, OUT), 0);
  check("readdir 30 bufused == buf_len", rd32(OUT), 30);
  check("open sub dir", open_(3, 0, "sub", O_DIRECTORY_, R_FD_READDIR | R_FD_READ, 0, &fd), 0);
  check("readdir sub", list_dir(fd, 4096, l1, &calls1), 0);
  check("readdir sub has inner.txt", has(l1, "inner.txt"), 1);
  check("readdir on file", aotc_wasi_fd_readdir(VM, 0, BIG, 100, 0, OUT) == 0, 0);
}

static void t_rw(void) {
  uint32_t fd; char b[256];
  check("rw fdstat", aotc_wasi_fd_fdstat_get(VM, 3, OUT), 0);
  check("rw base has write rights", (rd64(OUT + 8) & R_WRITE_ANY) != 0, 1);
  check("create file", open_(3, 0, "f.txt", O_CREAT_ | O_TRUNC_, (1ull << 30) - 1, 0, &fd), 0);
  check("write", write_str(fd, "written\n"), 0);
  check("nwritten", rd32(OUT), 8);
  check("seek 0", aotc_wasi_fd_seek(VM, fd, 0, 0, OUT), 0);
  read_all(fd, b, 100);
  check("read back", strcmp(b, "written\n"), 0);
  check("set_size", aotc_wasi_fd_filestat_set_size(VM, fd, 3), 0);
  check("filestat size 3", aotc_wasi_fd_filestat_get(VM, fd, BUF) == 0 && rd64(BUF + 32) == 3, 1);
  check("allocate", aotc_wasi_fd_allocate(VM, fd, 0, 100), 0);
  check("advise", aotc_wasi_fd_advise(VM, fd, 0, 0, 1), 0);
  check("advise bad", aotc_wasi_fd_advise(VM, fd, 0, 0, 9), EINVAL_);
  check("datasync", aotc_wasi_fd_datasync(VM, fd), 0);
  check("sync", aotc_wasi_fd_sync(VM, fd), 0);
  check("set_times fd", aotc_wasi_fd_filestat_set_times(VM, fd, 1000000000ull, 2000000000ull, 1 | 4), 0);
  check("mtime set", aotc_wasi_fd_filestat_get(VM, fd, BUF) == 0 && rd64(BUF + 48) == 2000000000ull, 1);
  check("set_times both flags", aotc_wasi_fd_filestat_set_times(VM, fd, 0, 0, 1 | 2), EINVAL_);
  check("set_flags append", aotc_wasi_fd_fdstat_set_flags(VM, fd, F_APPEND), 0);
  check("flags now append", aotc_wasi_fd_fdstat_get(VM, fd, OUT) == 0 && (rd32(OUT) >> 16 & 1), 1);
  check("close", aotc_wasi_fd_close(VM, fd), 0);
  check("O_EXCL on existing", open_(3, 0, "f.txt", O_CREAT_ | O_EXCL_, R_FD_WRITE, 0, &fd), EEXIST_);
  check("mkdir", aotc_wasi_path_create_directory(VM, 3, P("d")), 0);
  check("mkdir again", aotc_wasi_path_create_directory(VM, 3, P("d")), EEXIST_);
  check("mkdir trailing slash", aotc_wasi_path_create_directory(VM, 3, P("d2/")), 0);
  check("rename file", aotc_wasi_path_rename(VM, 3, P("f.txt"), 3, P2("d/g.txt")), 0);
  check("renamed exists", aotc_wasi_path_filestat_get(VM, 3, 0, P("d/g.txt"), BUF), 0);
  check("symlink", aotc_wasi_path_symlink(VM, P2("g.txt"), 3, P("d/s")), 0);
  check("symlink absolute target refused", aotc_wasi_path_symlink(VM, P2("/etc/passwd"), 3, P("d/abs")), ENOTCAPABLE);
  check("readlink", aotc_wasi_path_readlink(VM, 3, P("d/s"), BUF, 100, OUT) == 0 && rd32(OUT) == 5, 1);
  check("open via symlink", open_(3, FOLLOW, "d/s", 0, R_FD_READ, 0, &fd), 0);
  aotc_wasi_fd_close(VM, fd);
  check("link", aotc_wasi_path_link(VM, 3, 0, P("d/g.txt"), 3, P2("d/h.txt")), 0);
  check("nlink 2", aotc_wasi_path_filestat_get(VM, 3, 0, P("d/h.txt"), BUF) == 0 && rd64(BUF + 24) == 2, 1);
  check("link follow", aotc_wasi_path_link(VM, 3, FOLLOW, P("d/s"), 3, P2("d/i.txt")), 0);
  check("nlink 3", aotc_wasi_path_filestat_get(VM, 3, 0, P("d/i.txt"), BUF) == 0 && rd64(BUF + 24) == 3, 1);
  check("path set_times", aotc_wasi_path_filestat_set_times(VM, 3, 0, P("d/g.txt"), 0, 5000000000ull, 4), 0);
  check("path mtime", aotc_wasi_path_filestat_get(VM, 3, 0, P("d/g.txt"), BUF) == 0 && rd64(BUF + 48) == 5000000000ull, 1);
  check("rmdir non-empty", aotc_wasi_path_remove_directory(VM, 3, P("d")), ENOTEMPTY_);
  check("unlink dir", aotc_wasi_path_unlink_file(VM, 3, P("d")), EISDIR_);
  check("unlink trailing slash", aotc_wasi_path_unlink_file(VM, 3, P("d/g.txt/")), ENOTDIR_);
  check("unlink", aotc_wasi_path_unlink_file(VM, 3, P("d/g.txt")), 0);
  check("unlink symlink", aotc_wasi_path_unlink_file(VM, 3, P("d/s")), 0);
  check("unlink h", aotc_wasi_path_unlink_file(VM, 3, P("d/h.txt")), 0);
  check("unlink i", aotc_wasi_path_unlink_file(VM, 3, P("d/i.txt")), 0);
  check("rmdir", aotc_wasi_path_remove_directory(VM, 3, P("d")), 0);
  check("rmdir d2", aotc_wasi_path_remove_directory(VM, 3, P("d2")), 0);
  /* escapes are refused in rw too */
  check("rw create ../ refused", open_(3, 0, "../evil.txt", O_CREAT_, R_FD_WRITE, 0, &fd), ENOTCAPABLE);
  check("rw mkdir ../ refused", aotc_wasi_path_create_directory(VM, 3, P("../evil")), ENOTCAPABLE);
  check("rw mkdir .. refused", aotc_wasi_path_create_directory(VM, 3, P("..")), ENOTCAPABLE);
  check("rw unlink ../ refused", aotc_wasi_path_unlink_file(VM, 3, P("../secret.txt")), ENOTCAPABLE);
  check("rw rename out refused", aotc_wasi_path_rename(VM, 3, P("keep.txt"), 3, P2("../keep.txt")), ENOTCAPABLE);
  check("rw symlink at ../ refused", aotc_wasi_path_symlink(VM, P2("x"), 3, P("../evil")), ENOTCAPABLE);
  check("rw absolute mkdir refused", aotc_wasi_path_create_directory(VM, 3, P("/tmp/evil")), ENOTCAPABLE);
  check("rw set_times .. refused", aotc_wasi_path_filestat_set_times(VM, 3, 0, P(".."), 0, 0, 2), ENOTCAPABLE);
  check("rw create via escaping symlink refused", open_(3, FOLLOW, "out/evil.txt", O_CREAT_, R_FD_WRITE, 0, &fd), ENOTCAPABLE);
  check("rw create through dangling abs symlink refused", open_(3, FOLLOW, "dangle", O_CREAT_, R_FD_WRITE, 0, &fd), ENOTCAPABLE);
  check("rw O_CREAT on symlink nofollow", open_(3, 0, "dangle", O_CREAT_, R_FD_WRITE, 0, &fd), ELOOP_);
}

/* ---- "wasm functions" (listed in aotc_func_infos) ---- */
__attribute__((noinline)) void w_trap(void) { aotc_rt_trap(1, 2); }
__attribute__((noinline)) void w_outer(void) { w_trap(); __asm__ volatile(""); }
__attribute__((noinline)) void w_oob(void) { volatile uint8_t *p = M + 0x80000000ull; *p = 1; }
__attribute__((noinline)) uint64_t w_recurse(uint64_t n) {
  volatile char pad[128];
  pad[n % 128] = (char)n;
  return w_recurse(n + 1) + pad[n % 128];
}
__attribute__((noinline)) void w_start(void);

const FuncInfo aotc_func_infos[] = {
  {0, "wasi_snapshot_preview1.fd_write"},
  {(const void *)w_start, "w_start"},
  {(const void *)w_trap, "w_trap"},
  {(const void *)w_outer, "w_outer"},
  {(const void *)w_oob, "w_oob"},
  {(const void *)w_recurse, "w_recurse"},
};
const unsigned int aotc_func_info_count = sizeof aotc_func_infos / sizeof aotc_func_infos[0];

static void no_openat2(void) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) abort();
}

void aotc_instantiate(unsigned char *vmctx) {
  if (getenv("SELFTEST_NO_OPENAT2")) no_openat2();
  if (getenv("SELFTEST_TRAP_INIT")) aotc_rt_trap(5, 0xffffffffu);
  if (getenv("SELFTEST_NOMEM")) return;
  aotc_rt_memory_new(MEMO, 4, 6, 0);
  VM->memory = MEMO;
  VM->memory_base = MEMO->base;
  M = MEMO->base;
}

__attribute__((noinline)) void w_start(void) {
  if (!M) { t_nomem(); goto done; }
  /* argv[1] selects the scenario */
  aotc_wasi_args_sizes_get(VM, OUT, OUT + 4);
  aotc_wasi_args_get(VM, 0x8000, 0xC000);
  const char *what = rd32(OUT) > 1 ? (char *)M + rd32(0x8004) : "";
  if (!strcmp(what, "args")) t_args();
  else if (!strcmp(what, "misc")) t_misc();
  else if (!strcmp(what, "efault")) t_efault();
  else if (!strcmp(what, "ro")) { t_escapes(); t_readdir(); t_ro_refusals(); t_ro(); }
  else if (!strcmp(what, "rw")) t_rw();
  else if (!strcmp(what, "trap")) w_outer();
  else if (!strcmp(what, "oob")) w_oob();
  else if (!strcmp(what, "stack")) w_recurse(0);
  else if (!strcmp(what, "exit7")) aotc_wasi_proc_exit(VM, 7);
  else if (!strcmp(what, "listen")) {
    check("prestat on listener is EBADF", aotc_wasi_fd_prestat_get(VM, 3, OUT), WBADF);
    check("fdstat listener", aotc_wasi_fd_fdstat_get(VM, 3, OUT) == 0 && M[OUT] == 6, 1);
    check("set nonblock", aotc_wasi_fd_fdstat_set_flags(VM, 3, 4), 0);
    check("accept would block", aotc_wasi_sock_accept(VM, 3, 0, OUT), 6);
    /* connect from the host side (the shim knows guest fd 3 is host fd 3 here) */
    struct sockaddr_in sa; socklen_t sl = sizeof sa;
    getsockname(3, (struct sockaddr *)&sa, &sl);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    check("host connect", connect(c, (struct sockaddr *)&sa, sl), 0);
    check("accept", aotc_wasi_sock_accept(VM, 3, 0, OUT), 0);
    uint32_t s = rd32(OUT);
    check("accepted fdstat socket", aotc_wasi_fd_fdstat_get(VM, s, OUT) == 0 && M[OUT] == 6, 1);
    write(c, "ping", 4);
    wr32(IOV, BUF); wr32(IOV + 4, 100);
    check("sock_recv", aotc_wasi_sock_recv(VM, s, IOV, 1, 0, OUT, OUT + 8), 0);
    check("sock_recv data", rd32(OUT) == 4 && memcmp(M + BUF, "ping", 4) == 0, 1);
    put(BUF, "pong"); wr32(IOV, BUF); wr32(IOV + 4, 4);
    check("sock_send", aotc_wasi_sock_send(VM, s, IOV, 1, 0, OUT), 0);
    char rb[8] = {0};
    check("host got pong", read(c, rb, 4) == 4 && memcmp(rb, "pong", 4) == 0, 1);
    /* poll: fd_read on the socket becomes ready when the peer writes */
    write(c, "x", 1);
    uint8_t *sub = M + BIG; memset(sub, 0, 96);
    uint64_t ud = 7; memcpy(sub, &ud, 8); sub[8] = 1; memcpy(sub + 16, &s, 4);
    uint64_t ud2 = 8, to = 5000000000ull; memcpy(sub + 48, &ud2, 8); sub[56] = 0; memcpy(sub + 48 + 24, &to, 8);
    check("poll fd_read + clock", aotc_wasi_poll_oneoff(VM, BIG, BIG + 0x200, 2, OUT), 0);
    check("poll one event", rd32(OUT), 1);
    check("poll event is the socket", rd64(BIG + 0x200) == 7 && M[BIG + 0x200 + 10] == 1, 1);
    check("poll nbytes", rd64(BIG + 0x200 + 16), 1);
    check("sock_shutdown", aotc_wasi_sock_shutdown(VM, s, 2), 0);
    check("host sees EOF", read(c, rb, 4), 0);
    check("sock_recv on file fd", aotc_wasi_sock_recv(VM, 0, IOV, 1, 0, OUT, OUT + 8), 57);
    check("close socket", aotc_wasi_fd_close(VM, s), 0);
    close(c);
  } else { out(2, "unknown scenario\n"); aotc_wasi_proc_exit(VM, 2); }
done:
  outn(passed); out(1, " passed, "); outn(failed); out(1, " failed\n");
  if (failed) aotc_wasi_proc_exit(VM, 1);
}

void aotc_run_start(unsigned char *vmctx) { w_start(); }
