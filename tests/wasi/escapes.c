/* escapes.c: an attacker holding two grants, `ro` (read-only) and `rw` (read-write),
 * trying to get out of them or to write where it may not, through raw WASI calls
 * (no libc path handling: the errno printed is exactly the runtime's). One line per
 * case:
 *
 *     <case> -> ok | ok <detail> | <WASI errno name> | <several key=value results>
 *
 * Usage: escapes CASE...   Both preopens are looked up once at start (cases below
 * renumber them). D is `ro` or `rw`; P, Q are paths beneath D.
 *
 *   read:D:P            open (following symlinks), read all          -> ok <content>
 *   stat:D:P            path_filestat_get following                  -> ok <size>
 *   readlink:D:P        path_readlink                                -> ok <target>
 *   create:D:P          open O_CREAT (write)           createexcl:D:P   O_CREAT|O_EXCL
 *   excl:D:P            open O_EXCL alone (read)       creattrunc:D:P   O_CREAT|O_TRUNC (read)
 *   times:D:P           path_filestat_set_times following, atime/mtime set
 *   timesnf:D:P         the same without following     timesnow:D:P     with ATIM_NOW|MTIM_NOW
 *   symlink:D:T:P       path_symlink T at P            unlink:D:P       path_unlink_file
 *   rmdir:D:P           path_remove_directory          mkdir:D:P        path_create_directory
 *   rename:D:P:E:Q      path_rename from D/P to E/Q
 *   link:D:P:E:Q        path_link D/P -> E/Q           linkf:D:P:E:Q    the same, following P
 *   openrights:D:P:BASE:INH[:FDFLAGS]   path_open with these rights (hex) -> ok base=<hex>
 *   fd:OP:D:P           open P read-only asking every right but the write-mode ones
 *                       (which beneath `ro` fail outright), then OP on it: write pwrite
 *                       allocate setsize settimes settimesnow datasync sync append
 *                       (fdstat_set_flags) read advise rights (-> ok nowrite when the
 *                       fd holds no write right)
 *   sub:OP:D:S:P        open directory S beneath D asking every right, then OP through
 *                       it on P: create unlink mkdir rmdir rename symlink link times
 *                       trunc
 *   renumber_file_over_preopen:D:P:E   open D/P (read|write), renumber it over the
 *                       preopen E; if that succeeds (as in Wasmtime), use the
 *                       number: prestat, path_open, mkdir, fd_write
 *   renumber_preopen_over_preopen:D:E  renumber preopen D over preopen E; if that
 *                       succeeds, try to create, write and unlink through E's number
 *   renumber_far:D:P    renumber an open file to unopened numbers (1000, 0xfffffff0)
 *   widen:D:P           open P with fd_read only, try to add fd_write, then write
 *   narrow:D:P          open P read|write, drop fd_read, read, try to add it back
 *   narrow_preopen:D:P  drop path_create_file and inherited fd_write from preopen D,
 *                       then create P, open P for writing, widen back
 *   widen_preopen:D:P   try to give preopen D every right, then create P
 *   nulpath:D:P         path_open of "P\0../../secret.txt" with the NUL inside the length
 *   longname:D          path_open of a 4000-byte component
 *   race:D:P:N          N times and for at least 100 ms: open P following symlinks,
 *                       read, classify: inside
 *                       (content starts with "inside"), leak (contains SECRET-MARKER),
 *                       refused (an errno) -> in=.. refused=.. leak=..
 *   racestat:D:P:N      the same with path_filestat_get (leak: the secret's size)
 *   racetrunc:D:P:N     the same with open O_TRUNC|write and path_filestat_set_times,
 *                       counting successes (the host checks the secret is intact)
 * Exit status: 0 when every case ran (whatever its result), 2 on usage errors.
 */
#include "common.h"

#define R(x) ((__wasi_rights_t)(__WASI_RIGHTS_##x))
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define ALL_RIGHTS ((__wasi_rights_t)((1ull << 30) - 1))
/* The rights path_open refuses outright beneath a read-only grant. */
#define WRITE_MODE (R(FD_WRITE) | R(FD_DATASYNC) | R(FD_ALLOCATE) | R(FD_FILESTAT_SET_SIZE))
#define ANY_WRITE                                                                                \
    (WRITE_MODE | R(FD_SYNC) | R(FD_FILESTAT_SET_TIMES) | R(PATH_CREATE_DIRECTORY) |             \
     R(PATH_CREATE_FILE) | R(PATH_LINK_SOURCE) | R(PATH_LINK_TARGET) | R(PATH_RENAME_SOURCE) |   \
     R(PATH_RENAME_TARGET) | R(PATH_FILESTAT_SET_SIZE) | R(PATH_FILESTAT_SET_TIMES) |            \
     R(PATH_SYMLINK) | R(PATH_REMOVE_DIRECTORY) | R(PATH_UNLINK_FILE))
/* The raw import, to pass a path length that covers a NUL byte. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
              int64_t base, int64_t inheriting, int32_t fdflags, int32_t fd_out);

/* Every race loop runs at least this long, so that the host's flips interleave
 * with it even on a busy machine. */
#define RACE_MIN_NS 100000000ull
#define SET_ATIM ((__wasi_timestamp_t)1000000000ull * 1000000000ull)
#define SET_MTIM ((__wasi_timestamp_t)1500000000ull * 1000000000ull)
#define TIMES_SET (__WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM)
#define TIMES_NOW (__WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW)

static __wasi_fd_t fd_ro, fd_rw;

static void put(__wasi_errno_t e) {
    if (e == 0)
        printf("ok");
    else
        printf("%s", errno_name(e));
}

static __wasi_fd_t dir_of(const char *d) {
    if (!strcmp(d, "ro"))
        return fd_ro;
    if (!strcmp(d, "rw"))
        return fd_rw;
    fprintf(stderr, "unknown grant '%s'\n", d);
    exit(2);
}

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *p, __wasi_lookupflags_t lf,
                              __wasi_oflags_t of, __wasi_rights_t base, __wasi_rights_t inh,
                              __wasi_fdflags_t ff, __wasi_fd_t *fd) {
    return __wasi_path_open(dir, lf, p, of, base, inh, ff, fd);
}

/* Reads up to cap-1 bytes of fd into buf (NUL-terminated); returns the errno. */
static __wasi_errno_t read_some(__wasi_fd_t fd, char *buf, size_t cap) {
    size_t total = 0;
    while (total < cap - 1) {
        __wasi_iovec_t iov = {(uint8_t *)buf + total, cap - 1 - total};
        __wasi_size_t n;
        __wasi_errno_t e = __wasi_fd_read(fd, &iov, 1, &n);
        if (e != 0)
            return e;
        if (n == 0)
            break;
        total += n;
    }
    buf[total] = 0;
    return 0;
}

/* Prints bytes with newlines as \n. */
static void put_text(const char *s) {
    for (; *s; s++) {
        if (*s == '\n')
            printf("\\n");
        else
            putchar(*s);
    }
}

static void op_read(__wasi_fd_t dir, const char *p) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, R(FD_READ), 0, 0, &fd);
    if (e != 0) {
        put(e);
        return;
    }
    char buf[256];
    e = read_some(fd, buf, sizeof buf);
    (void)__wasi_fd_close(fd);
    if (e != 0) {
        put(e);
        return;
    }
    printf("ok ");
    put_text(buf);
}

static void op_create(__wasi_fd_t dir, const char *p, __wasi_oflags_t of, __wasi_rights_t rights) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, of, rights, 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
}

/* Opens P beneath D read-only, asking every right that is not refused outright. */
static __wasi_errno_t open_all_but_write(__wasi_fd_t dir, const char *p, __wasi_fd_t *fd) {
    return open_at(dir, p, FOLLOW, 0, ALL_RIGHTS & ~WRITE_MODE, ALL_RIGHTS & ~WRITE_MODE, 0, fd);
}

static void op_fd(const char *op, __wasi_fd_t dir, const char *p) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_all_but_write(dir, p, &fd);
    if (e != 0) {
        printf("open:");
        put(e);
        return;
    }
    char data[] = "X";
    __wasi_ciovec_t ciov = {(const uint8_t *)data, 1};
    __wasi_size_t n = 0;
    if (!strcmp(op, "write"))
        e = __wasi_fd_write(fd, &ciov, 1, &n);
    else if (!strcmp(op, "pwrite"))
        e = __wasi_fd_pwrite(fd, &ciov, 1, 0, &n);
    else if (!strcmp(op, "allocate"))
        e = __wasi_fd_allocate(fd, 0, 1 << 20);
    else if (!strcmp(op, "setsize"))
        e = __wasi_fd_filestat_set_size(fd, 0);
    else if (!strcmp(op, "settimes"))
        e = __wasi_fd_filestat_set_times(fd, SET_ATIM, SET_MTIM, TIMES_SET);
    else if (!strcmp(op, "settimesnow"))
        e = __wasi_fd_filestat_set_times(fd, 0, 0, TIMES_NOW);
    else if (!strcmp(op, "datasync"))
        e = __wasi_fd_datasync(fd);
    else if (!strcmp(op, "sync"))
        e = __wasi_fd_sync(fd);
    else if (!strcmp(op, "append"))
        e = __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND);
    else if (!strcmp(op, "advise"))
        e = __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_SEQUENTIAL);
    else if (!strcmp(op, "read")) {
        char buf[64];
        e = read_some(fd, buf, sizeof buf);
    } else if (!strcmp(op, "rights")) {
        __wasi_fdstat_t st;
        e = __wasi_fd_fdstat_get(fd, &st);
        if (e == 0) {
            (void)__wasi_fd_close(fd);
            printf("ok %s", (st.fs_rights_base | st.fs_rights_inheriting) & ANY_WRITE ? "WRITE-RIGHTS" : "nowrite");
            return;
        }
    } else {
        printf("unsupported-op");
        (void)__wasi_fd_close(fd);
        return;
    }
    (void)__wasi_fd_close(fd);
    put(e);
}

static void op_sub(const char *op, __wasi_fd_t dir, const char *s, const char *p) {
    __wasi_fd_t sub;
    __wasi_errno_t e = open_at(dir, s, FOLLOW, __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS & ~WRITE_MODE,
                               ALL_RIGHTS & ~WRITE_MODE, 0, &sub);
    if (e != 0) {
        printf("open:");
        put(e);
        return;
    }
    __wasi_fd_t fd;
    if (!strcmp(op, "create")) {
        e = open_at(sub, p, FOLLOW, __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd);
        if (e == 0)
            (void)__wasi_fd_close(fd);
    } else if (!strcmp(op, "trunc")) {
        e = open_at(sub, p, FOLLOW, __WASI_OFLAGS_TRUNC, R(FD_READ), 0, 0, &fd);
        if (e == 0)
            (void)__wasi_fd_close(fd);
    } else if (!strcmp(op, "unlink"))
        e = __wasi_path_unlink_file(sub, p);
    else if (!strcmp(op, "mkdir"))
        e = __wasi_path_create_directory(sub, p);
    else if (!strcmp(op, "rmdir"))
        e = __wasi_path_remove_directory(sub, p);
    else if (!strcmp(op, "rename"))
        e = __wasi_path_rename(sub, p, sub, "renamed");
    else if (!strcmp(op, "symlink"))
        e = __wasi_path_symlink(p, sub, "newlink");
    else if (!strcmp(op, "link"))
        e = __wasi_path_link(sub, 0, p, sub, "newhard");
    else if (!strcmp(op, "times"))
        e = __wasi_path_filestat_set_times(sub, FOLLOW, p, SET_ATIM, SET_MTIM, TIMES_SET);
    else {
        printf("unsupported-op");
        (void)__wasi_fd_close(sub);
        return;
    }
    (void)__wasi_fd_close(sub);
    put(e);
}

static void op_renumber_file_over_preopen(__wasi_fd_t dir, const char *p, __wasi_fd_t target) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, R(FD_READ) | R(FD_WRITE) | R(FD_SEEK), 0, 0, &fd);
    if (e != 0) {
        printf("open:");
        put(e);
        return;
    }
    printf("renumber=");
    e = __wasi_fd_renumber(fd, target);
    put(e);
    if (e != 0) {
        /* Refused: the grant is untouched; only close our own file. */
        printf(" old=");
        put(__wasi_fd_close(fd));
        return;
    }
    __wasi_prestat_t ps;
    printf(" prestat=");
    put(__wasi_fd_prestat_get(target, &ps));
    __wasi_fd_t other;
    printf(" open=");
    e = open_at(target, "input.txt", FOLLOW, 0, R(FD_READ), 0, 0, &other);
    if (e == 0)
        (void)__wasi_fd_close(other);
    put(e);
    printf(" mkdir=");
    put(__wasi_path_create_directory(target, "newdir"));
    char data[] = "R";
    __wasi_ciovec_t ciov = {(const uint8_t *)data, 1};
    __wasi_size_t n;
    printf(" write=");
    put(__wasi_fd_write(target, &ciov, 1, &n));
    printf(" old=");
    put(__wasi_fd_close(fd));
}

static void op_renumber_preopen_over_preopen(__wasi_fd_t from, __wasi_fd_t to) {
    printf("renumber=");
    __wasi_errno_t refused = __wasi_fd_renumber(from, to);
    put(refused);
    if (refused != 0)
        return;
    char name[64] = {0};
    __wasi_prestat_t ps;
    __wasi_errno_t e = __wasi_fd_prestat_get(to, &ps);
    if (e == 0 && ps.u.dir.pr_name_len < sizeof name)
        e = __wasi_fd_prestat_dir_name(to, (uint8_t *)name, ps.u.dir.pr_name_len);
    printf(" name=");
    if (e == 0)
        printf("%s", name);
    else
        put(e);
    __wasi_fd_t fd;
    printf(" create=");
    e = open_at(to, "created.txt", FOLLOW, __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
    printf(" write=");
    e = open_at(to, "victim.txt", FOLLOW, 0, R(FD_WRITE), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
    printf(" unlink=");
    put(__wasi_path_unlink_file(to, "victim.txt"));
    printf(" old=");
    __wasi_fdstat_t st;
    put(__wasi_fd_fdstat_get(from, &st));
}

static void op_renumber_far(__wasi_fd_t dir, const char *p) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, R(FD_READ), 0, 0, &fd);
    if (e != 0) {
        printf("open:");
        put(e);
        return;
    }
    printf("to1000=");
    put(__wasi_fd_renumber(fd, 1000));
    printf(" tohuge=");
    put(__wasi_fd_renumber(fd, 0xfffffff0u));
    printf(" self=");
    put(__wasi_fd_renumber(fd, fd));
    printf(" still=");
    put(__wasi_fd_close(fd));
}

static void op_widen(__wasi_fd_t dir, const char *p) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, R(FD_READ), 0, 0, &fd);
    if (e != 0) {
        printf("open:");
        put(e);
        return;
    }
    printf("widen=");
    put(__wasi_fd_fdstat_set_rights(fd, R(FD_READ) | R(FD_WRITE), 0));
    printf(" inheriting=");
    put(__wasi_fd_fdstat_set_rights(fd, R(FD_READ), R(FD_WRITE)));
    char data[] = "W";
    __wasi_ciovec_t ciov = {(const uint8_t *)data, 1};
    __wasi_size_t n;
    printf(" write=");
    put(__wasi_fd_write(fd, &ciov, 1, &n));
    (void)__wasi_fd_close(fd);
}

static void op_narrow(__wasi_fd_t dir, const char *p) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, R(FD_READ) | R(FD_WRITE) | R(FD_SEEK), 0, 0, &fd);
    if (e != 0) {
        printf("open:");
        put(e);
        return;
    }
    printf("narrow=");
    put(__wasi_fd_fdstat_set_rights(fd, R(FD_WRITE) | R(FD_SEEK), 0));
    char buf[16];
    printf(" read=");
    put(read_some(fd, buf, sizeof buf));
    printf(" back=");
    put(__wasi_fd_fdstat_set_rights(fd, R(FD_READ) | R(FD_WRITE) | R(FD_SEEK), 0));
    printf(" read=");
    put(read_some(fd, buf, sizeof buf));
    (void)__wasi_fd_close(fd);
}

static void op_narrow_preopen(__wasi_fd_t dir, const char *p) {
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(dir, &st);
    if (e != 0) {
        printf("fdstat:");
        put(e);
        return;
    }
    printf("narrow=");
    put(__wasi_fd_fdstat_set_rights(dir, st.fs_rights_base & ~R(PATH_CREATE_FILE),
                                    st.fs_rights_inheriting & ~R(FD_WRITE)));
    __wasi_fd_t fd;
    printf(" create=");
    e = open_at(dir, p, FOLLOW, __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
    printf(" write=");
    e = open_at(dir, "victim.txt", FOLLOW, 0, R(FD_WRITE), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
    printf(" back=");
    put(__wasi_fd_fdstat_set_rights(dir, st.fs_rights_base, st.fs_rights_inheriting));
    printf(" create=");
    e = open_at(dir, p, FOLLOW, __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
}

static void op_widen_preopen(__wasi_fd_t dir, const char *p) {
    printf("widen=");
    put(__wasi_fd_fdstat_set_rights(dir, ALL_RIGHTS, ALL_RIGHTS));
    __wasi_fd_t fd;
    printf(" create=");
    __wasi_errno_t e = open_at(dir, p, FOLLOW, __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
}

static void op_openrights(__wasi_fd_t dir, const char *p, const char *base, const char *inh,
                          const char *ff) {
    __wasi_rights_t b = strtoull(base, NULL, 16), i = strtoull(inh, NULL, 16);
    __wasi_fdflags_t f = ff ? (__wasi_fdflags_t)strtoul(ff, NULL, 16) : 0;
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, b, i, f, &fd);
    if (e != 0) {
        put(e);
        return;
    }
    __wasi_fdstat_t st;
    e = __wasi_fd_fdstat_get(fd, &st);
    (void)__wasi_fd_close(fd);
    if (e != 0) {
        put(e);
        return;
    }
    printf("ok base=%llx inh=%llx", (unsigned long long)st.fs_rights_base,
           (unsigned long long)st.fs_rights_inheriting);
}

static void op_nulpath(__wasi_fd_t dir, const char *p) {
    char path[512];
    size_t n = strlen(p);
    if (n + 20 >= sizeof path) {
        printf("too-long");
        return;
    }
    memcpy(path, p, n);
    memcpy(path + n, "\0../../secret.txt", 17);
    __wasi_fd_t fd;
    __wasi_errno_t e = (__wasi_errno_t)raw_path_open((int32_t)dir, FOLLOW, (int32_t)(intptr_t)path,
                                                     (int32_t)(n + 17), 0, (int64_t)R(FD_READ), 0, 0,
                                                     (int32_t)(intptr_t)&fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
}

static void op_longname(__wasi_fd_t dir) {
    static char name[4001];
    memset(name, 'a', 4000);
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(dir, name, FOLLOW, 0, R(FD_READ), 0, 0, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    put(e);
}

static __wasi_timestamp_t now_ns(void) {
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    return t;
}

static void op_race(const char *kind, __wasi_fd_t dir, const char *p, long n) {
    long in = 0, refused = 0, leak = 0, other = 0;
    __wasi_timestamp_t until = now_ns() + RACE_MIN_NS;
    for (long i = 0; i < n || now_ns() < until; i++) {
        if (!strcmp(kind, "race")) {
            __wasi_fd_t fd;
            __wasi_errno_t e = open_at(dir, p, FOLLOW, 0, R(FD_READ), 0, 0, &fd);
            if (e != 0) {
                refused++;
                continue;
            }
            char buf[128];
            e = read_some(fd, buf, sizeof buf);
            (void)__wasi_fd_close(fd);
            if (e != 0)
                other++;
            else if (strstr(buf, "SECRET-MARKER")) {
                leak++;
                fprintf(stderr, "LEAK at iteration %ld: %s", i, buf);
            } else if (!strncmp(buf, "inside", 6))
                in++;
            else
                other++;
        } else if (!strcmp(kind, "racestat")) {
            __wasi_filestat_t st;
            __wasi_errno_t e = __wasi_path_filestat_get(dir, FOLLOW, p, &st);
            if (e != 0)
                refused++;
            else if (st.size == 7) /* "inside\n" */
                in++;
            else {
                leak++;
                fprintf(stderr, "LEAK at iteration %ld: size %llu\n", i,
                        (unsigned long long)st.size);
            }
        } else { /* racetrunc: writes that must only ever land inside */
            __wasi_fd_t fd;
            __wasi_errno_t e = open_at(dir, p, FOLLOW, __WASI_OFLAGS_TRUNC, R(FD_READ) | R(FD_WRITE), 0,
                                       0, &fd);
            if (e == 0) {
                char data[] = "inside\n";
                __wasi_ciovec_t ciov = {(const uint8_t *)data, 7};
                __wasi_size_t nw;
                (void)__wasi_fd_write(fd, &ciov, 1, &nw);
                (void)__wasi_fd_close(fd);
                in++;
            } else
                refused++;
            e = __wasi_path_filestat_set_times(dir, FOLLOW, p, SET_ATIM, SET_MTIM, TIMES_SET);
            if (e == 0)
                in++;
            else
                refused++;
        }
    }
    printf("in=%ld refused=%ld leak=%ld other=%ld", in, refused, leak, other);
}

int main(int argc, char **argv) {
    int ro = find_preopen("ro"), rw = find_preopen("rw");
    if (ro < 0 || rw < 0) {
        fprintf(stderr, "need preopens ro and rw\n");
        return 2;
    }
    fd_ro = (__wasi_fd_t)ro;
    fd_rw = (__wasi_fd_t)rw;
    for (int i = 1; i < argc; i++) {
        char spec[1024];
        if (strlen(argv[i]) >= sizeof spec) {
            fprintf(stderr, "case too long\n");
            return 2;
        }
        strcpy(spec, argv[i]);
        char *f[7] = {0};
        int nf = 0;
        for (char *s = spec; nf < 7;) {
            f[nf++] = s;
            char *c = strchr(s, ':');
            if (!c)
                break;
            *c = 0;
            s = c + 1;
        }
        const char *op = f[0];
        printf("%s -> ", argv[i]);
        if (nf >= 3 && !strcmp(op, "read"))
            op_read(dir_of(f[1]), f[2]);
        else if (nf >= 3 && !strcmp(op, "stat")) {
            __wasi_filestat_t st;
            __wasi_errno_t e = __wasi_path_filestat_get(dir_of(f[1]), FOLLOW, f[2], &st);
            if (e == 0)
                printf("ok %llu", (unsigned long long)st.size);
            else
                put(e);
        } else if (nf >= 3 && !strcmp(op, "readlink")) {
            char buf[256];
            __wasi_size_t n;
            __wasi_errno_t e = __wasi_path_readlink(dir_of(f[1]), f[2], (uint8_t *)buf, sizeof buf - 1, &n);
            if (e == 0) {
                buf[n] = 0;
                printf("ok %s", buf);
            } else
                put(e);
        } else if (nf >= 3 && !strcmp(op, "create"))
            op_create(dir_of(f[1]), f[2], __WASI_OFLAGS_CREAT, R(FD_READ) | R(FD_WRITE));
        else if (nf >= 3 && !strcmp(op, "createexcl"))
            op_create(dir_of(f[1]), f[2], __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, R(FD_READ));
        else if (nf >= 3 && !strcmp(op, "excl"))
            op_create(dir_of(f[1]), f[2], __WASI_OFLAGS_EXCL, R(FD_READ));
        else if (nf >= 3 && !strcmp(op, "creattrunc"))
            op_create(dir_of(f[1]), f[2], __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, R(FD_READ));
        else if (nf >= 3 && !strcmp(op, "times"))
            put(__wasi_path_filestat_set_times(dir_of(f[1]), FOLLOW, f[2], SET_ATIM, SET_MTIM, TIMES_SET));
        else if (nf >= 3 && !strcmp(op, "timesnf"))
            put(__wasi_path_filestat_set_times(dir_of(f[1]), 0, f[2], SET_ATIM, SET_MTIM, TIMES_SET));
        else if (nf >= 3 && !strcmp(op, "timesnow"))
            put(__wasi_path_filestat_set_times(dir_of(f[1]), FOLLOW, f[2], 0, 0, TIMES_NOW));
        else if (nf >= 4 && !strcmp(op, "symlink"))
            put(__wasi_path_symlink(f[2], dir_of(f[1]), f[3]));
        else if (nf >= 3 && !strcmp(op, "unlink"))
            put(__wasi_path_unlink_file(dir_of(f[1]), f[2]));
        else if (nf >= 3 && !strcmp(op, "rmdir"))
            put(__wasi_path_remove_directory(dir_of(f[1]), f[2]));
        else if (nf >= 3 && !strcmp(op, "mkdir"))
            put(__wasi_path_create_directory(dir_of(f[1]), f[2]));
        else if (nf >= 5 && !strcmp(op, "rename"))
            put(__wasi_path_rename(dir_of(f[1]), f[2], dir_of(f[3]), f[4]));
        else if (nf >= 5 && !strcmp(op, "link"))
            put(__wasi_path_link(dir_of(f[1]), 0, f[2], dir_of(f[3]), f[4]));
        else if (nf >= 5 && !strcmp(op, "linkf"))
            put(__wasi_path_link(dir_of(f[1]), FOLLOW, f[2], dir_of(f[3]), f[4]));
        else if (nf >= 5 && !strcmp(op, "openrights"))
            op_openrights(dir_of(f[1]), f[2], f[3], f[4], nf >= 6 ? f[5] : NULL);
        else if (nf >= 4 && !strcmp(op, "fd"))
            op_fd(f[1], dir_of(f[2]), f[3]);
        else if (nf >= 5 && !strcmp(op, "sub"))
            op_sub(f[1], dir_of(f[2]), f[3], f[4]);
        else if (nf >= 4 && !strcmp(op, "renumber_file_over_preopen"))
            op_renumber_file_over_preopen(dir_of(f[1]), f[2], dir_of(f[3]));
        else if (nf >= 3 && !strcmp(op, "renumber_preopen_over_preopen"))
            op_renumber_preopen_over_preopen(dir_of(f[1]), dir_of(f[2]));
        else if (nf >= 3 && !strcmp(op, "renumber_far"))
            op_renumber_far(dir_of(f[1]), f[2]);
        else if (nf >= 3 && !strcmp(op, "widen"))
            op_widen(dir_of(f[1]), f[2]);
        else if (nf >= 3 && !strcmp(op, "narrow"))
            op_narrow(dir_of(f[1]), f[2]);
        else if (nf >= 3 && !strcmp(op, "narrow_preopen"))
            op_narrow_preopen(dir_of(f[1]), f[2]);
        else if (nf >= 3 && !strcmp(op, "widen_preopen"))
            op_widen_preopen(dir_of(f[1]), f[2]);
        else if (nf >= 3 && !strcmp(op, "nulpath"))
            op_nulpath(dir_of(f[1]), f[2]);
        else if (nf >= 2 && !strcmp(op, "longname"))
            op_longname(dir_of(f[1]));
        else if (nf >= 4 && (!strcmp(op, "race") || !strcmp(op, "racestat") || !strcmp(op, "racetrunc")))
            op_race(op, dir_of(f[1]), f[2], strtol(f[3], NULL, 10));
        else
            printf("unsupported-op");
        printf("\n");
        fflush(stdout);
    }
    return 0;
}
