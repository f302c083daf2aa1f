/* fs_ops.c: runs filesystem operations named on the command line against one
 * preopened directory, through raw WASI calls (no libc path handling, so the errno
 * printed is exactly the runtime's), and prints one line per case:
 *
 *     <case> -> ok | ok <detail> | <WASI errno name>
 *
 * Usage: fs_ops PREOPEN CASE...   where CASE is op:path or op:path:path2.
 *
 * The basic ops (always built in; their imports are ones every runtime has):
 *   read:P      open (following symlinks) for reading, read it all   -> ok <bytes>
 *   readnf:P    the same without following a final symlink
 *   stat:P      path_filestat_get following symlinks  -> ok file <size> | ok dir | ok symlink
 *   lstat:P     path_filestat_get without following
 *   create:P    open O_CREAT|O_EXCL for writing
 *   creatro:P   open O_CREAT with read rights only (creating is a write anyway)
 *   trunc:P     open O_TRUNC with read rights only (truncating is a write anyway)
 *   write:P     open for writing and write "W" at offset 0
 *   append:P    open for appending and write "A"
 *   opendir:P   open as a directory with readdir rights
 * Op groups, each built only with its -D flag so that a program imports just the
 * WASI functions of that group (a runtime missing one sinks only that group):
 *   -DOPS_SETSIZE   setsize:P    open, fd_filestat_set_size(2)      fd_filestat_set_size
 *   -DOPS_FDTIMES   fdtimes:P    open, fd_filestat_set_times        fd_filestat_set_times
 *   -DOPS_TIMES     times:P      path_filestat_set_times            path_filestat_set_times
 *   -DOPS_UNLINK    unlink:P                                         path_unlink_file
 *   -DOPS_RENAME    rename:P:Q                                       path_rename
 *   -DOPS_MKDIR     mkdir:P                                          path_create_directory
 *   -DOPS_RMDIR     rmdir:P                                          path_remove_directory
 *   -DOPS_SYMLINK   symlink:TARGET:P                                 path_symlink
 *   -DOPS_LINK      link:P:Q                                         path_link
 *   -DOPS_ALLOCATE  allocate:P   open, fd_allocate(0, 4096)          fd_allocate
 * Times set by fdtimes/times: atime 1000000000 s, mtime 1500000000 s.
 * Exit status: 0 when every case ran (whatever its result), 2 on usage errors.
 */
#include "common.h"

#define R(x) ((__wasi_rights_t)(__WASI_RIGHTS_##x))
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define SET_ATIM ((__wasi_timestamp_t)1000000000ull * 1000000000ull)
#define SET_MTIM ((__wasi_timestamp_t)1500000000ull * 1000000000ull)

static __wasi_fd_t dir;

static void result_errno(__wasi_errno_t e) {
    if (e == 0)
        printf("ok\n");
    else
        printf("%s\n", errno_name(e));
}

/* Opens P under the preopen; on failure prints the errno and returns -1. */
static int open_at(const char *p, __wasi_lookupflags_t lf, __wasi_oflags_t of, __wasi_rights_t rights,
                   __wasi_fdflags_t ff) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, lf, p, of, rights, 0, ff, &fd);
    if (e != 0) {
        printf("%s\n", errno_name(e));
        return -1;
    }
    return (int)fd;
}

static void op_read(const char *p, __wasi_lookupflags_t lf) {
    int fd = open_at(p, lf, 0, R(FD_READ), 0);
    if (fd < 0)
        return;
    unsigned long total = 0;
    for (;;) {
        char buf[4096];
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
        __wasi_size_t n;
        __wasi_errno_t e = __wasi_fd_read((__wasi_fd_t)fd, &iov, 1, &n);
        if (e != 0) {
            printf("%s\n", errno_name(e));
            (void)__wasi_fd_close((__wasi_fd_t)fd);
            return;
        }
        if (n == 0)
            break;
        total += n;
    }
    (void)__wasi_fd_close((__wasi_fd_t)fd);
    printf("ok %lu\n", total);
}

static void op_stat(const char *p, __wasi_lookupflags_t lf) {
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(dir, lf, p, &st);
    if (e != 0) {
        printf("%s\n", errno_name(e));
        return;
    }
    switch (st.filetype) {
    case __WASI_FILETYPE_REGULAR_FILE:
        printf("ok file %llu\n", (unsigned long long)st.size);
        break;
    case __WASI_FILETYPE_DIRECTORY:
        printf("ok dir\n");
        break;
    case __WASI_FILETYPE_SYMBOLIC_LINK:
        printf("ok symlink\n");
        break;
    default:
        printf("ok type%u\n", (unsigned)st.filetype);
    }
}

/* Opens with the given flags and rights, optionally writes `data`, closes. */
static void op_open_write(const char *p, __wasi_oflags_t of, __wasi_rights_t rights, __wasi_fdflags_t ff,
                          const char *data) {
    int fd = open_at(p, FOLLOW, of, rights, ff);
    if (fd < 0)
        return;
    __wasi_errno_t e = 0;
    if (data) {
        __wasi_ciovec_t iov = {(const uint8_t *)data, strlen(data)};
        __wasi_size_t n;
        e = __wasi_fd_write((__wasi_fd_t)fd, &iov, 1, &n);
    }
    (void)__wasi_fd_close((__wasi_fd_t)fd);
    result_errno(e);
}

#ifdef OPS_SETSIZE
static void op_setsize(const char *p) {
    /* fd_write too: without it the file is read-only on the host, as in Wasmtime */
    int fd = open_at(p, FOLLOW, 0, R(FD_READ) | R(FD_WRITE) | R(FD_FILESTAT_SET_SIZE), 0);
    if (fd < 0)
        return;
    __wasi_errno_t e = __wasi_fd_filestat_set_size((__wasi_fd_t)fd, 2);
    (void)__wasi_fd_close((__wasi_fd_t)fd);
    result_errno(e);
}
#endif

#ifdef OPS_FDTIMES
static void op_fdtimes(const char *p) {
    int fd = open_at(p, FOLLOW, 0, R(FD_READ) | R(FD_FILESTAT_SET_TIMES), 0);
    if (fd < 0)
        return;
    __wasi_errno_t e = __wasi_fd_filestat_set_times((__wasi_fd_t)fd, SET_ATIM, SET_MTIM,
                                                    __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
    (void)__wasi_fd_close((__wasi_fd_t)fd);
    result_errno(e);
}
#endif

#ifdef OPS_ALLOCATE
static void op_allocate(const char *p) {
    int fd = open_at(p, FOLLOW, 0, R(FD_READ) | R(FD_ALLOCATE), 0);
    if (fd < 0)
        return;
    __wasi_errno_t e = __wasi_fd_allocate((__wasi_fd_t)fd, 0, 4096);
    (void)__wasi_fd_close((__wasi_fd_t)fd);
    result_errno(e);
}
#endif

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fs_ops PREOPEN CASE...\n");
        return 2;
    }
    dir = need_preopen(argv[1]);
    for (int i = 2; i < argc; i++) {
        char spec[1024];
        if (strlen(argv[i]) >= sizeof spec) {
            fprintf(stderr, "case too long\n");
            return 2;
        }
        strcpy(spec, argv[i]);
        /* op:a[:b] — split at the first two colons. */
        char *op = spec, *a = strchr(spec, ':'), *b = NULL;
        if (!a) {
            fprintf(stderr, "bad case '%s'\n", argv[i]);
            return 2;
        }
        *a++ = 0;
        b = strchr(a, ':');
        if (b)
            *b++ = 0;
        printf("%s -> ", argv[i]);
        if (!strcmp(op, "read"))
            op_read(a, FOLLOW);
        else if (!strcmp(op, "readnf"))
            op_read(a, 0);
        else if (!strcmp(op, "stat"))
            op_stat(a, FOLLOW);
        else if (!strcmp(op, "lstat"))
            op_stat(a, 0);
        else if (!strcmp(op, "create"))
            op_open_write(a, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, R(FD_WRITE), 0, NULL);
        else if (!strcmp(op, "creatro"))
            op_open_write(a, __WASI_OFLAGS_CREAT, R(FD_READ), 0, NULL);
        else if (!strcmp(op, "trunc"))
            op_open_write(a, __WASI_OFLAGS_TRUNC, R(FD_READ), 0, NULL);
        else if (!strcmp(op, "write"))
            op_open_write(a, 0, R(FD_WRITE), 0, "W");
        else if (!strcmp(op, "append"))
            op_open_write(a, 0, R(FD_WRITE), __WASI_FDFLAGS_APPEND, "A");
        else if (!strcmp(op, "opendir")) {
            int fd = open_at(a, FOLLOW, __WASI_OFLAGS_DIRECTORY, R(FD_READDIR), 0);
            if (fd >= 0) {
                (void)__wasi_fd_close((__wasi_fd_t)fd);
                printf("ok\n");
            }
        }
#ifdef OPS_SETSIZE
        else if (!strcmp(op, "setsize"))
            op_setsize(a);
#endif
#ifdef OPS_FDTIMES
        else if (!strcmp(op, "fdtimes"))
            op_fdtimes(a);
#endif
#ifdef OPS_TIMES
        else if (!strcmp(op, "times"))
            result_errno(__wasi_path_filestat_set_times(dir, FOLLOW, a, SET_ATIM, SET_MTIM,
                                                        __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
#endif
#ifdef OPS_UNLINK
        else if (!strcmp(op, "unlink"))
            result_errno(__wasi_path_unlink_file(dir, a));
#endif
#ifdef OPS_RENAME
        else if (!strcmp(op, "rename") && b)
            result_errno(__wasi_path_rename(dir, a, dir, b));
#endif
#ifdef OPS_MKDIR
        else if (!strcmp(op, "mkdir"))
            result_errno(__wasi_path_create_directory(dir, a));
#endif
#ifdef OPS_RMDIR
        else if (!strcmp(op, "rmdir"))
            result_errno(__wasi_path_remove_directory(dir, a));
#endif
#ifdef OPS_SYMLINK
        else if (!strcmp(op, "symlink") && b)
            result_errno(__wasi_path_symlink(a, dir, b));
#endif
#ifdef OPS_LINK
        else if (!strcmp(op, "link") && b)
            result_errno(__wasi_path_link(dir, 0, a, dir, b));
#endif
#ifdef OPS_ALLOCATE
        else if (!strcmp(op, "allocate"))
            op_allocate(a);
#endif
        else {
            printf("unsupported-op\n");
        }
    }
    return 0;
}
