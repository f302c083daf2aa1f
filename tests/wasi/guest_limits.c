/* guest_limits.c: raw WASI calls on the inherited stdio fds and with oversized
 * arguments, for tests/guest_limits.rs. No grants are needed. Every result goes to
 * stderr (fd 2) as `key=value` lines, errnos as numbers, so stdout (fd 1) stays free
 * for the file the test redirected it to.
 *
 * Usage: guest_limits CASE
 *
 *   rights            fd_fdstat_get of 0, 1, 2: rights<N>=<base hex>/<inheriting hex>
 *   truncate_stdout   fd_filestat_set_size(1, 0)
 *   rewrite_stdout    fd_fdstat_set_flags(1, 0) (clear APPEND), fd_seek(1, 0, SET),
 *                     fd_tell(1), then fd_write(1, "OVERWRITE\n")
 *   allocate_stdout   fd_allocate(1, 0, 1 MiB)
 *   sync_stdout       fd_sync(1), fd_datasync(1)
 *   times_stdin       fd_filestat_set_times(0, 0, 0, ATIM|MTIM) (the epoch)
 *   nonblock_stdin    fd_fdstat_set_flags(0, NONBLOCK), then the flags it reports
 *   stdin_reads       fgets from stdin, echoed to stdout with puts/printf
 *   huge_path:N       path_open beneath fd 3 with an N-byte path ("./" repeated, then
 *                     "f"; left all zeros when N > 64 MiB): path=<errno>
 *   open_follow:P     path_open beneath fd 3 following symlinks: open=<errno>
 *   huge_poll:N       poll_oneoff with N clock subscriptions (0 ns): poll=<errno>
 *                     nevents=<n>
 *   reset_write       sock_accept on fd 3 (a listener), read 2 bytes, then fd_write
 *                     "x" every 10 ms until it fails (at most 200 times):
 *                     first=<errno of the first write> failed=<errno> (or failed=none),
 *                     then alive=1 (the process survived)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

/* path_open with an explicit length (wasi-libc's wrapper takes a C string). */
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len,
                      int32_t oflags, int64_t base, int64_t inheriting, int32_t fdflags,
                      int32_t fd_out)
    __attribute__((__import_module__("wasi_snapshot_preview1"),
                   __import_name__("path_open")));

static void fact(const char *key, unsigned long long v) {
    fprintf(stderr, "%s=%llu\n", key, v);
}

static void rights(void) {
    for (int fd = 0; fd < 3; fd++) {
        __wasi_fdstat_t st;
        __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
        if (e) {
            fprintf(stderr, "rights%d=errno%u\n", fd, e);
            continue;
        }
        fprintf(stderr, "rights%d=%llx/%llx\n", fd,
                (unsigned long long)st.fs_rights_base,
                (unsigned long long)st.fs_rights_inheriting);
    }
}

static void rewrite_stdout(void) {
    fact("clear_append", __wasi_fd_fdstat_set_flags(1, 0));
    __wasi_filesize_t pos = 0;
    fact("seek", __wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &pos));
    fact("tell", __wasi_fd_tell(1, &pos));
    const char msg[] = "OVERWRITE\n";
    __wasi_ciovec_t iov = {(const uint8_t *)msg, sizeof msg - 1};
    __wasi_size_t n = 0;
    fact("write", __wasi_fd_write(1, &iov, 1, &n));
}

static void nonblock_stdin(void) {
    fact("nonblock", __wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_NONBLOCK));
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(0, &st) == 0)
        fact("flags0", st.fs_flags);
}

static void stdin_reads(void) {
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        printf("got: ");
        fputs(line, stdout);
    }
    puts("eof");
}

static void huge_path(const char *spec) {
    unsigned long n = strtoul(spec, 0, 10);
    char *p = malloc(n ? n : 1);
    if (!p) {
        fact("malloc_failed", n);
        return;
    }
    if (n <= (64ul << 20)) {
        for (unsigned long i = 0; i + 1 < n; i += 2) {
            p[i] = '.';
            p[i + 1] = '/';
        }
        p[n - 1] = 'f';
    }
    __wasi_fd_t fd;
    fact("path", raw_path_open(3, 0, (int32_t)p, (int32_t)n, 0, __WASI_RIGHTS_FD_READ, 0, 0,
                               (int32_t)&fd));
}

static void huge_poll(unsigned long n) {
    __wasi_subscription_t *subs = calloc(n, sizeof *subs);
    __wasi_event_t *evs = malloc(n * sizeof *evs);
    if (!subs || !evs) {
        fact("malloc_failed", n);
        return;
    }
    for (unsigned long i = 0; i < n; i++) {
        subs[i].userdata = i;
        subs[i].u.tag = __WASI_EVENTTYPE_CLOCK;
        subs[i].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    }
    __wasi_size_t got = 0;
    fact("poll", __wasi_poll_oneoff(subs, evs, n, &got));
    fact("nevents", got);
}

static void sleep_ms(unsigned ms) {
    __wasi_subscription_t sub = {0};
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub.u.u.clock.timeout = (__wasi_timestamp_t)ms * 1000000;
    __wasi_event_t ev;
    __wasi_size_t n;
    (void)__wasi_poll_oneoff(&sub, &ev, 1, &n);
}

static void reset_write(void) {
    __wasi_fd_t conn;
    __wasi_errno_t e = __wasi_sock_accept(3, 0, &conn);
    if (e) {
        fact("accept", e);
        return;
    }
    char buf[2];
    __wasi_iovec_t in = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n = 0;
    fact("read", __wasi_fd_read(conn, &in, 1, &n));
    const char x[] = "x";
    __wasi_ciovec_t out = {(const uint8_t *)x, 1};
    for (int i = 0; i < 200; i++) {
        e = __wasi_fd_write(conn, &out, 1, &n);
        if (i == 0)
            fact("first", e);
        if (e) {
            fact("failed", e);
            break;
        }
        sleep_ms(10);
    }
    if (!e)
        fprintf(stderr, "failed=none\n");
    fact("alive", 1);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: guest_limits CASE\n");
        return 2;
    }
    const char *c = argv[1];
    if (!strcmp(c, "rights"))
        rights();
    else if (!strcmp(c, "truncate_stdout"))
        fact("set_size", __wasi_fd_filestat_set_size(1, 0));
    else if (!strcmp(c, "rewrite_stdout"))
        rewrite_stdout();
    else if (!strcmp(c, "allocate_stdout"))
        fact("allocate", __wasi_fd_allocate(1, 0, 1 << 20));
    else if (!strcmp(c, "sync_stdout")) {
        fact("sync", __wasi_fd_sync(1));
        fact("datasync", __wasi_fd_datasync(1));
    } else if (!strcmp(c, "times_stdin"))
        fact("set_times", __wasi_fd_filestat_set_times(
                              0, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    else if (!strcmp(c, "nonblock_stdin"))
        nonblock_stdin();
    else if (!strcmp(c, "stdin_reads"))
        stdin_reads();
    else if (!strncmp(c, "huge_path:", 10))
        huge_path(c + 10);
    else if (!strncmp(c, "open_follow:", 12)) {
        __wasi_fd_t fd;
        fact("open", raw_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, (int32_t)(c + 12),
                                   (int32_t)strlen(c + 12), 0, __WASI_RIGHTS_FD_READ, 0, 0,
                                   (int32_t)&fd));
    } else if (!strcmp(c, "reset_write"))
        reset_write();
    else if (!strncmp(c, "huge_poll:", 10))
        huge_poll(strtoul(c + 10, 0, 10));
    else {
        fprintf(stderr, "unknown case %s\n", c);
        return 2;
    }
    return 0;
}
