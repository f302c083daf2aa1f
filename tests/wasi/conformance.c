/* conformance.c: the preview1 calls no other test program asserts a result for, each
 * called raw and reported as one "name=value" line (tests/conformance.rs compares).
 * Needs the read-write grant `rw` holding "target.txt" and "link" -> "target.txt",
 * and "hello\n" on stdin.
 *
 *   sched_yield            errno
 *   proc_raise             errno of proc_raise(SIGTERM) (the runtime: ENOTSUP)
 *   clock_res_<id>         ok when 0 < resolution <= 1 s, for the four clocks
 *   clock_res_bad          errno for clock id 4
 *   cpu_clocks             ok when the process and thread CPU clocks read > 0 and
 *                          advance while spinning
 *   random                 ok when two 16-byte draws differ
 *   poll_clock             "<errno> <nevents> <userdata> <type> <error>" for one
 *                          relative 10 ms monotonic timeout
 *   poll_clock_waited      ok when at least 10 ms passed (monotonic)
 *   poll_abs               the same for an absolute monotonic deadline 10 ms ahead
 *   poll_abs_waited        ok when it was reached
 *   poll_first             userdata of the event when a 5 ms and a 5 s timeout race
 *   poll_stdin             "<errno> <nevents> <userdata> <type> <error>" for fd_read on
 *                          stdin next to a 10 s timeout (stdin has data: fd wins)
 *   poll_stdin_nbytes_ok   ok when the event's nbytes > 0
 *   stdin                  what stdin then holds
 *   poll_stdout            the same line for fd_write on stdout
 *   poll_badfd             the same line for fd_read on fd 99 (error EBADF)
 *   advise                 errnos of fd_advise: sequential, willneed, dontneed, bad advice 9
 *   allocate               "<errno> <size>" after fd_allocate(0, 4096) on an empty file
 *   set_size               errno of fd_filestat_set_size(0) after that
 *   datasync / sync        errno after writing "first\n"
 *   set_flags_append       "<errno> <content>": APPEND set, write at offset 0 appends
 *   get_flags              fdflags after setting append|nonblock
 *   set_flags_bad          errno for an unknown flag bit (EINVAL)
 *   rights_narrowed        "<errno> <fd_read?> <fd_write?>" after dropping fd_write
 *   rights_write           errno of fd_write after that (ENOTCAPABLE)
 *   renumber               "<errno> <old fd close errno> <content read via new fd>"
 *   renumber_bad           errno renumbering a closed fd (EBADF)
 *   readlink               "<errno> <target> <bufused>"
 *   readlink_short         "<errno> <bytes> <bufused>" with a 3-byte buffer (truncated)
 *   readlink_file          errno of path_readlink on a regular file (EINVAL)
 */
#include "common.h"

#define R(x) ((__wasi_rights_t)(__WASI_RIGHTS_##x))

/* Not in this wasi-libc's api.h any more: the raw import. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int32_t
raw_proc_raise(int32_t sig);

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(id, 1, &t);
    return t;
}

static const char *ok(int b) { return b ? "ok" : "FAILED"; }

static void poll_line(const char *name, const __wasi_subscription_t *subs, size_t n,
                      __wasi_event_t *ev) {
    __wasi_size_t nev = 0;
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, n, &nev);
    printf("%s=%s %u %llu %u %s\n", name, errno_name(e), (unsigned)nev,
           nev ? (unsigned long long)ev[0].userdata : 0ull, nev ? (unsigned)ev[0].type : 99u,
           nev ? errno_name(ev[0].error) : "-");
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud, __wasi_clockid_t id, __wasi_timestamp_t t,
                                       __wasi_subclockflags_t flags) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = t;
    s.u.u.clock.flags = flags;
    return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t ud, __wasi_eventtype_t type, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = type;
    if (type == __WASI_EVENTTYPE_FD_READ)
        s.u.u.fd_read.file_descriptor = fd;
    else
        s.u.u.fd_write.file_descriptor = fd;
    return s;
}

static __wasi_fd_t open_rw(__wasi_fd_t dir, const char *p, __wasi_oflags_t of, __wasi_rights_t rights) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, 0, p, of, rights, 0, 0, &fd);
    if (e != 0) {
        printf("open %s failed: %s\n", p, errno_name(e));
        exit(1);
    }
    return fd;
}

static __wasi_errno_t write_str(__wasi_fd_t fd, const char *s) {
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    __wasi_size_t n;
    return __wasi_fd_write(fd, &iov, 1, &n);
}

/* Reads fd from offset 0 into buf (NUL-terminated). */
static void pread_all(__wasi_fd_t fd, char *buf, size_t cap) {
    __wasi_iovec_t iov = {(uint8_t *)buf, cap - 1};
    __wasi_size_t n = 0;
    if (__wasi_fd_pread(fd, &iov, 1, 0, &n) != 0)
        n = 0;
    buf[n] = 0;
    for (char *c = buf; *c; c++)
        if (*c == '\n')
            *c = '|';
}

int main(void) {
    __wasi_fd_t rw = need_preopen("rw");
    __wasi_event_t ev[4];

    /* --- scheduling, signals, clocks, randomness ----------------------------------- */
    printf("sched_yield=%s\n", errno_name(__wasi_sched_yield()));
    printf("proc_raise=%s\n", errno_name((__wasi_errno_t)raw_proc_raise(15)));
    for (__wasi_clockid_t id = 0; id < 4; id++) {
        __wasi_timestamp_t res = 0;
        __wasi_errno_t e = __wasi_clock_res_get(id, &res);
        printf("clock_res_%u=%s\n", (unsigned)id,
               e ? errno_name(e) : ok(res > 0 && res <= 1000000000ull));
    }
    __wasi_timestamp_t res;
    printf("clock_res_bad=%s\n", errno_name(__wasi_clock_res_get(4, &res)));
    __wasi_timestamp_t p0 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID), t0 = now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
    __wasi_timestamp_t m0 = now(__WASI_CLOCKID_MONOTONIC);
    volatile unsigned long spin = 0;
    while (now(__WASI_CLOCKID_MONOTONIC) - m0 < 20000000ull)
        spin++;
    __wasi_timestamp_t p1 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID), t1 = now(__WASI_CLOCKID_THREAD_CPUTIME_ID);
    printf("cpu_clocks=%s\n", ok(p0 > 0 && t0 > 0 && p1 > p0 && t1 > t0));
    uint8_t a[16], b[16];
    printf("random=%s\n",
           ok(__wasi_random_get(a, sizeof a) == 0 && __wasi_random_get(b, sizeof b) == 0 &&
              memcmp(a, b, sizeof a) != 0));

    /* --- poll_oneoff ------------------------------------------------------------- */
    __wasi_subscription_t subs[2];
    subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 10000000ull, 0);
    __wasi_timestamp_t before = now(__WASI_CLOCKID_MONOTONIC);
    poll_line("poll_clock", subs, 1, ev);
    printf("poll_clock_waited=%s\n", ok(now(__WASI_CLOCKID_MONOTONIC) - before >= 10000000ull));

    before = now(__WASI_CLOCKID_MONOTONIC);
    subs[0] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, before + 10000000ull,
                        __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    poll_line("poll_abs", subs, 1, ev);
    printf("poll_abs_waited=%s\n", ok(now(__WASI_CLOCKID_MONOTONIC) >= before + 10000000ull));

    subs[0] = clock_sub(3, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
    subs[1] = clock_sub(4, __WASI_CLOCKID_MONOTONIC, 5000000ull, 0);
    __wasi_size_t nev = 0;
    (void)__wasi_poll_oneoff(subs, ev, 2, &nev);
    printf("poll_first=%u %llu\n", (unsigned)nev, nev ? (unsigned long long)ev[0].userdata : 0ull);

    subs[0] = fd_sub(5, __WASI_EVENTTYPE_FD_READ, 0);
    subs[1] = clock_sub(6, __WASI_CLOCKID_MONOTONIC, 10000000000ull, 0);
    poll_line("poll_stdin", subs, 2, ev);
    printf("poll_stdin_nbytes_ok=%s\n", ok(ev[0].type == __WASI_EVENTTYPE_FD_READ && ev[0].fd_readwrite.nbytes > 0));
    char in[64] = {0};
    __wasi_iovec_t iov = {(uint8_t *)in, sizeof in - 1};
    __wasi_size_t got = 0;
    (void)__wasi_fd_read(0, &iov, 1, &got);
    in[got] = 0;
    for (char *c = in; *c; c++)
        if (*c == '\n')
            *c = '|';
    printf("stdin=%s\n", in);

    fflush(stdout);
    subs[0] = fd_sub(7, __WASI_EVENTTYPE_FD_WRITE, 1);
    poll_line("poll_stdout", subs, 1, ev);
    subs[0] = fd_sub(8, __WASI_EVENTTYPE_FD_READ, 99);
    poll_line("poll_badfd", subs, 1, ev);

    /* --- fd calls on a file in the read-write grant ---------------------------------- */
    __wasi_rights_t all = R(FD_READ) | R(FD_WRITE) | R(FD_SEEK) | R(FD_TELL) | R(FD_ADVISE) |
                          R(FD_ALLOCATE) | R(FD_DATASYNC) | R(FD_SYNC) | R(FD_FDSTAT_SET_FLAGS) |
                          R(FD_FILESTAT_GET) | R(FD_FILESTAT_SET_SIZE);
    __wasi_fd_t f = open_rw(rw, "data.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, all);
    printf("advise=%s", errno_name(__wasi_fd_advise(f, 0, 0, __WASI_ADVICE_SEQUENTIAL)));
    printf(" %s", errno_name(__wasi_fd_advise(f, 0, 4096, __WASI_ADVICE_WILLNEED)));
    printf(" %s", errno_name(__wasi_fd_advise(f, 0, 0, __WASI_ADVICE_DONTNEED)));
    printf(" %s\n", errno_name(__wasi_fd_advise(f, 0, 0, 9)));
    __wasi_errno_t e = __wasi_fd_allocate(f, 0, 4096);
    __wasi_filestat_t st;
    (void)__wasi_fd_filestat_get(f, &st);
    printf("allocate=%s %llu\n", errno_name(e), (unsigned long long)st.size);
    printf("set_size=%s\n", errno_name(__wasi_fd_filestat_set_size(f, 0)));
    (void)write_str(f, "first\n");
    printf("datasync=%s\n", errno_name(__wasi_fd_datasync(f)));
    printf("sync=%s\n", errno_name(__wasi_fd_sync(f)));
    __wasi_filesize_t pos;
    (void)__wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos);
    e = __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND);
    (void)write_str(f, "second\n");
    char buf[128];
    pread_all(f, buf, sizeof buf);
    printf("set_flags_append=%s %s\n", errno_name(e), buf);
    (void)__wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK);
    __wasi_fdstat_t fs;
    (void)__wasi_fd_fdstat_get(f, &fs);
    printf("get_flags=%u\n", (unsigned)fs.fs_flags);
    printf("set_flags_bad=%s\n", errno_name(__wasi_fd_fdstat_set_flags(f, 1 << 7)));

    e = __wasi_fd_fdstat_set_rights(f, fs.fs_rights_base & ~R(FD_WRITE), 0);
    (void)__wasi_fd_fdstat_get(f, &fs);
    printf("rights_narrowed=%s %d %d\n", errno_name(e), !!(fs.fs_rights_base & R(FD_READ)),
           !!(fs.fs_rights_base & R(FD_WRITE)));
    printf("rights_write=%s\n", errno_name(write_str(f, "x")));

    /* fd_renumber: a second file moved onto f's number. */
    __wasi_fd_t g = open_rw(rw, "target.txt", 0, R(FD_READ) | R(FD_SEEK));
    e = __wasi_fd_renumber(g, f);
    __wasi_errno_t old = __wasi_fd_close(g);
    pread_all(f, buf, sizeof buf);
    printf("renumber=%s %s %s\n", errno_name(e), errno_name(old), buf);
    printf("renumber_bad=%s\n", errno_name(__wasi_fd_renumber(g, f)));
    (void)__wasi_fd_close(f);

    /* --- path_readlink ------------------------------------------------------------- */
    __wasi_size_t used = 0;
    memset(buf, 0, sizeof buf);
    e = __wasi_path_readlink(rw, "link", (uint8_t *)buf, sizeof buf - 1, &used);
    printf("readlink=%s %s %u\n", errno_name(e), buf, (unsigned)used);
    memset(buf, 0, sizeof buf);
    e = __wasi_path_readlink(rw, "link", (uint8_t *)buf, 3, &used);
    printf("readlink_short=%s %s %u\n", errno_name(e), buf, (unsigned)used);
    printf("readlink_file=%s\n", errno_name(__wasi_path_readlink(rw, "target.txt", (uint8_t *)buf, 64, &used)));
    return 0;
}
