/* clocks.c: time through libc: clock_gettime (monotonic nondecreasing, realtime in
 * a sane range and agreeing with time() and gettimeofday()), clock_getres,
 * nanosleep and clock_nanosleep (relative and absolute) sleeping at least as asked,
 * poll() with no descriptors as a timeout, sched_yield, getentropy (only whether calls succeed and draws differ). Only relations
 * are printed, never readings. */
#include "util.h"
#include <poll.h>
#include <sched.h>
#include <sys/time.h>
#include <time.h>

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long now(clockid_t c) {
    struct timespec t;
    if (clock_gettime(c, &t) < 0)
        return -1;
    return ns(t);
}

static void res(const char *what, clockid_t c) {
    struct timespec r;
    if (clock_getres(c, &r) < 0) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    long long v = ns(r);
    printf("%s: between 1ns and 1ms: %s\n", what, v >= 1 && v <= 1000000 ? "yes" : "no");
}

int main(void) {
    res("getres monotonic", CLOCK_MONOTONIC);
    res("getres realtime", CLOCK_REALTIME);

    long long prev = now(CLOCK_MONOTONIC), first = prev;
    int mono = 1;
    for (int i = 0; i < 10000; i++) {
        long long t = now(CLOCK_MONOTONIC);
        if (t < prev)
            mono = 0;
        prev = t;
    }
    printf("monotonic nondecreasing: %s\n", mono ? "yes" : "no");
    printf("monotonic advanced: %s\n", prev > first ? "yes" : "no");

    long long rt = now(CLOCK_REALTIME);
    printf("realtime after 2020: %s\n", rt > 1577836800LL * 1000000000LL ? "yes" : "no");
    printf("realtime before 2100: %s\n", rt < 4102444800LL * 1000000000LL ? "yes" : "no");
    time_t tt = time(NULL);
    printf("time() agrees with realtime: %s\n", llabs((long long)tt - rt / 1000000000LL) <= 1 ? "yes" : "no");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday agrees: %s\n", llabs((long long)tv.tv_sec - rt / 1000000000LL) <= 1 ? "yes" : "no");

    long long t0 = now(CLOCK_MONOTONIC);
    struct timespec d = {0, 30000000};
    rep("nanosleep 30ms", nanosleep(&d, NULL));
    long long el = now(CLOCK_MONOTONIC) - t0;
    printf("slept >= 30ms: %s, < 5s: %s\n", el >= 30000000 ? "yes" : "no", el < 5000000000LL ? "yes" : "no");

    struct timespec zero = {0, 0};
    rep("nanosleep 0", nanosleep(&zero, NULL));
    struct timespec bad = {0, 1000000000};
    rep("nanosleep nsec 1e9", nanosleep(&bad, NULL));
    struct timespec neg = {-1, 0};
    rep("nanosleep negative", nanosleep(&neg, NULL));

    t0 = now(CLOCK_MONOTONIC);
    struct timespec abs_t = {(time_t)((t0 + 25000000) / 1000000000), (long)((t0 + 25000000) % 1000000000)};
    int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs_t, NULL);
    printf("clock_nanosleep abs monotonic: %s\n", e ? errno_name((unsigned)e) : "ok");
    el = now(CLOCK_MONOTONIC) - t0;
    printf("abs sleep reached deadline: %s\n", el >= 25000000 ? "yes" : "no");

    long long r0 = now(CLOCK_REALTIME);
    struct timespec abs_r = {(time_t)((r0 + 20000000) / 1000000000), (long)((r0 + 20000000) % 1000000000)};
    t0 = now(CLOCK_MONOTONIC);
    e = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs_r, NULL);
    printf("clock_nanosleep abs realtime: %s\n", e ? errno_name((unsigned)e) : "ok");
    printf("realtime deadline reached: %s\n", now(CLOCK_REALTIME) >= r0 + 20000000 ? "yes" : "no");

    struct timespec past = {1, 0};
    t0 = now(CLOCK_MONOTONIC);
    e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
    printf("clock_nanosleep abs in the past: %s, quick: %s\n", e ? errno_name((unsigned)e) : "ok",
           now(CLOCK_MONOTONIC) - t0 < 1000000000LL ? "yes" : "no");
    e = clock_nanosleep(CLOCK_REALTIME, 0, &d, NULL);
    printf("clock_nanosleep relative realtime: %s\n", e ? errno_name((unsigned)e) : "ok");

    t0 = now(CLOCK_MONOTONIC);
    int n = poll(NULL, 0, 40);
    el = now(CLOCK_MONOTONIC) - t0;
    printf("poll(no fds, 40ms): %d, waited >= 40ms: %s\n", n, el >= 40000000 ? "yes" : "no");
    struct pollfd pfd = {.fd = 1, .events = POLLOUT};
    n = poll(&pfd, 1, 1000);
    printf("poll stdout POLLOUT: %d revents POLLOUT %s\n", n, pfd.revents & POLLOUT ? "yes" : "no");

    rep("sched_yield", sched_yield());

    unsigned char a[32] = {0}, b[32] = {0};
    rep("getentropy 32", getentropy(a, sizeof a));
    rep("getentropy 32 again", getentropy(b, sizeof b));
    printf("two draws differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    unsigned char big[300];
    rep("getentropy 300 (over 256)", getentropy(big, sizeof big));
    return 0;
}
