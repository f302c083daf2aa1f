/* raw_misc.c: process-level WASI calls made directly through <wasi/api.h>: every
 * preopen (fd_prestat_get / fd_prestat_dir_name, with a short buffer), args and
 * environ sizes against their contents, random_get, sched_yield, clock_res_get and
 * clock_time_get for every clock id, and poll_oneoff: relative and absolute clock
 * subscriptions on both clocks, the earliest of two timeouts, a past deadline, no
 * subscriptions, fd_read on stdin (given input), fd_write on stdout, fd_read on a
 * file, a bad descriptor. Times are printed only as relations. */
#include "util.h"

static void prestats(void) {
    __wasi_fd_t fd;
    for (fd = 3; fd < 20; fd++) {
        __wasi_prestat_t ps;
        __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
        if (e) {
            printf("prestat %u: %s\n", fd, errno_name(e));
            break;
        }
        char name[256] = {0};
        size_t len = ps.u.dir.pr_name_len;
        e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len < 255 ? len : 255);
        printf("prestat %u: tag %u name \"%s\" (%zu) %s\n", fd, ps.tag, name, len, e ? errno_name(e) : "ok");
        char shorter[4] = {0};
        if (len > 1) {
            e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)shorter, 1);
            printf("prestat_dir_name %u into 1 byte: %s\n", fd, e ? errno_name(e) : "ok");
        }
        char longer[300];
        memset(longer, '#', sizeof longer);
        e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)longer, len + 5);
        printf("prestat_dir_name %u into len+5: %s, byte after name untouched: %s\n", fd,
               e ? errno_name(e) : "ok", longer[len] == '#' ? "yes" : "no");
    }
    __wasi_prestat_t ps;
    wrep("prestat 0", __wasi_fd_prestat_get(0, &ps));
    wrep("prestat 1000", __wasi_fd_prestat_get(1000, &ps));
}

static void sizes(void) {
    __wasi_size_t argc = 0, argsz = 0, envc = 0, envsz = 0;
    wrep("args_sizes_get", __wasi_args_sizes_get(&argc, &argsz));
    printf("args: count %u bytes %u\n", (unsigned)argc, (unsigned)argsz);
    char **argv = calloc(argc + 1, sizeof *argv);
    char *abuf = calloc(argsz + 1, 1);
    wrep("args_get", __wasi_args_get((uint8_t **)argv, (uint8_t *)abuf));
    size_t total = 0;
    for (size_t i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    printf("args bytes match: %s\n", total == argsz ? "yes" : "no");
    wrep("environ_sizes_get", __wasi_environ_sizes_get(&envc, &envsz));
    printf("environ: count %u bytes %u\n", (unsigned)envc, (unsigned)envsz);
    char **env = calloc(envc + 1, sizeof *env);
    char *ebuf = calloc(envsz + 1, 1);
    wrep("environ_get", __wasi_environ_get((uint8_t **)env, (uint8_t *)ebuf));
    total = 0;
    for (size_t i = 0; i < envc; i++)
        total += strlen(env[i]) + 1;
    printf("environ bytes match: %s\n", total == envsz ? "yes" : "no");
}

static void randomness(void) {
    static uint8_t a[70000], b[70000];
    wrep("random_get 0", __wasi_random_get(a, 0));
    wrep("random_get 1", __wasi_random_get(a, 1));
    wrep("random_get 70000", __wasi_random_get(a, sizeof a));
    wrep("random_get 70000 again", __wasi_random_get(b, sizeof b));
    printf("draws differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    size_t zeros = 0;
    for (size_t i = 0; i < sizeof a; i++)
        zeros += a[i] == 0;
    printf("zero bytes plausible: %s\n", zeros > 50 && zeros < 700 ? "yes" : "no");
    wrep("sched_yield", __wasi_sched_yield());
}

/* Clock ids first..last-1: 0 realtime, 1 monotonic, 2 and 3 the CPU-time clocks. */
static void clocks(__wasi_clockid_t first, __wasi_clockid_t last) {
    const char *names[] = {"realtime", "monotonic", "process_cputime", "thread_cputime"};
    for (__wasi_clockid_t c = first; c < last; c++) {
        __wasi_timestamp_t r = 0, t = 0;
        __wasi_errno_t e = __wasi_clock_res_get(c, &r);
        printf("res %s: %s%s\n", names[c], e ? errno_name(e) : "ok",
               e ? "" : (r >= 1 && r <= 1000000 ? " (1ns..1ms)" : " (out of 1ns..1ms)"));
        e = __wasi_clock_time_get(c, 1, &t);
        printf("time %s: %s%s\n", names[c], e ? errno_name(e) : "ok", e ? "" : (t > 0 ? " (nonzero)" : " (zero)"));
    }
}

static __wasi_timestamp_t mono(void) {
    __wasi_timestamp_t t = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    return t;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud, __wasi_clockid_t id, __wasi_timestamp_t timeout,
                                       __wasi_subclockflags_t flags) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.precision = 0;
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

static void show_events(const char *what, __wasi_errno_t e, __wasi_event_t *ev, __wasi_size_t n) {
    if (e) {
        printf("%s: %s\n", what, errno_name(e));
        return;
    }
    printf("%s: %u event(s)", what, (unsigned)n);
    for (__wasi_size_t i = 0; i < n; i++) {
        printf(" [ud %llu type %u error %s", (unsigned long long)ev[i].userdata, ev[i].type,
               errno_name(ev[i].error));
        if (ev[i].type != __WASI_EVENTTYPE_CLOCK && !ev[i].error)
            printf(" nbytes>0 %s hangup %s", ev[i].fd_readwrite.nbytes > 0 ? "yes" : "no",
                   ev[i].fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP ? "yes" : "no");
        printf("]");
    }
    printf("\n");
}

static void polls(void) {
    __wasi_event_t ev[4];
    __wasi_size_t n = 0;
    __wasi_subscription_t s[4];

    __wasi_timestamp_t t0 = mono();
    s[0] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 20000000, 0);
    show_events("relative monotonic 20ms", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
    printf("waited >= 20ms: %s\n", mono() - t0 >= 20000000 ? "yes" : "no");

    t0 = mono();
    s[0] = clock_sub(8, __WASI_CLOCKID_MONOTONIC, t0 + 20000000, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    show_events("absolute monotonic +20ms", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
    printf("deadline reached: %s\n", mono() >= t0 + 20000000 ? "yes" : "no");

    __wasi_timestamp_t r0 = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &r0);
    s[0] = clock_sub(9, __WASI_CLOCKID_REALTIME, r0 + 20000000, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    show_events("absolute realtime +20ms", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
    __wasi_timestamp_t r1 = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &r1);
    printf("realtime deadline reached: %s\n", r1 >= r0 + 20000000 ? "yes" : "no");

    s[0] = clock_sub(10, __WASI_CLOCKID_REALTIME, 20000000, 0);
    show_events("relative realtime 20ms", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);

    s[0] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 1, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    t0 = mono();
    show_events("absolute deadline in the past", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
    printf("returned quickly: %s\n", mono() - t0 < 1000000000ULL ? "yes" : "no");

    s[0] = clock_sub(12, __WASI_CLOCKID_MONOTONIC, 0, 0);
    show_events("relative 0", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);

    s[0] = clock_sub(13, __WASI_CLOCKID_MONOTONIC, 2000000000ULL, 0);
    s[1] = clock_sub(14, __WASI_CLOCKID_MONOTONIC, 15000000, 0);
    t0 = mono();
    show_events("2s and 15ms", __wasi_poll_oneoff(s, ev, 2, &n), ev, n);
    printf("returned before 2s: %s\n", mono() - t0 < 2000000000ULL ? "yes" : "no");

    show_events("no subscriptions", __wasi_poll_oneoff(s, ev, 0, &n), ev, n);

    char buf[64];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t got = 0;
    __wasi_errno_t e = __wasi_fd_read(0, &iov, 1, &got);
    printf("read stdin: %s \"%.*s\"\n", e ? errno_name(e) : "ok", (int)got, buf);

    __wasi_fd_t dir = need_preopen("sandbox"), f;
    e = __wasi_path_open(dir, 0, "digits.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_POLL_FD_READWRITE, 0, 0, &f);
    if (!e) {
        s[0] = fd_sub(23, __WASI_EVENTTYPE_FD_READ, f);
        show_events("file readable", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
        __wasi_fd_close(f);
    } else {
        wrep("open digits.txt", e);
    }
}

/* Group "cputime" (README rule cputime-clocks): the process and thread CPU-time
 * clocks answer under aotc (EBADF under Wasmtime), and a poll_oneoff subscription on
 * one is an EINVAL event under aotc where Wasmtime's fires. */
static void cputime(void) {
    clocks(2, 4);
    __wasi_event_t ev[1];
    __wasi_size_t n = 0;
    __wasi_subscription_t s[1];
    s[0] = clock_sub(15, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1000, 0);
    show_events("process cputime clock", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
}

/* Group "poll-events" (README rule poll-events): stdin whose input is all there (the
 * writer has closed) reports hangup under aotc, not under Wasmtime; write readiness
 * carries 0 bytes under aotc, a byte count under Wasmtime; a subscription on a bad fd
 * or on a directory is an event carrying EBADF / ENOTCAPABLE under aotc, while
 * Wasmtime fails the whole call with EBADF. */
static void poll_events(void) {
    __wasi_event_t ev[2];
    __wasi_size_t n = 0;
    __wasi_subscription_t s[2];
    /* stdin has input in this case; wait for it with a 5 s guard. */
    s[0] = fd_sub(20, __WASI_EVENTTYPE_FD_READ, 0);
    s[1] = clock_sub(21, __WASI_CLOCKID_MONOTONIC, 5000000000ULL, 0);
    show_events("stdin readable", __wasi_poll_oneoff(s, ev, 2, &n), ev, n);
    char buf[64];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t got = 0;
    __wasi_errno_t e = __wasi_fd_read(0, &iov, 1, &got);
    printf("read stdin: %s \"%.*s\"\n", e ? errno_name(e) : "ok", (int)got, buf);

    s[0] = fd_sub(22, __WASI_EVENTTYPE_FD_WRITE, 1);
    show_events("stdout writable", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);

    __wasi_fd_t dir = need_preopen("sandbox"), f;
    e = __wasi_path_open(dir, 0, "digits.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_POLL_FD_READWRITE, 0, 0, &f);
    if (!e) {
        s[0] = fd_sub(24, __WASI_EVENTTYPE_FD_WRITE, f);
        show_events("file (read-only) fd_write subscription", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
        __wasi_fd_close(f);
    } else {
        wrep("open digits.txt", e);
    }
    s[0] = fd_sub(25, __WASI_EVENTTYPE_FD_READ, 77);
    show_events("bad fd", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
    s[0] = fd_sub(26, __WASI_EVENTTYPE_FD_READ, dir);
    show_events("directory fd_read subscription", __wasi_poll_oneoff(s, ev, 1, &n), ev, n);
}

/* argv[1] picks a rule group ("cputime", "poll-events"); any other arguments run the
 * main checks (the main case passes its own arguments to be counted). */
int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "cputime")) {
        cputime();
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "poll-events")) {
        poll_events();
        return 0;
    }
    prestats();
    sizes();
    randomness();
    clocks(0, 2);
    polls();
    return 0;
}
