/* clocks.c: checks the WASI clocks from inside the guest and prints one
 * "name=value" line per fact (1 = holds); the realtime clock is printed in seconds
 * for the test to compare with the host's.
 *   mono_res_ok        0 < clock_res_get(MONOTONIC) <= 1 s
 *   real_res_ok        0 < clock_res_get(REALTIME) <= 1 s
 *   mono_nondecreasing 10000 consecutive readings never go backwards
 *   mono_advances      spinning, the monotonic clock moves within 10^9 readings
 *   rate_ok            while monotonic advances 50 ms, realtime advances 25 ms..5 s
 *                      (both clocks count nanoseconds)
 *   realtime_s         realtime in whole seconds since the epoch
 *   bad_clock          clock_time_get with clock id 99 (expect EINVAL)
 */
#include "common.h"

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0) {
        printf("clock_time_get(%u) failed\n", (unsigned)id);
        exit(1);
    }
    return t;
}

int main(void) {
    __wasi_timestamp_t res;
    printf("mono_res_ok=%d\n", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res) == 0 && res > 0 &&
                                   res <= 1000000000ull);
    printf("real_res_ok=%d\n", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res) == 0 && res > 0 &&
                                   res <= 1000000000ull);

    int ok = 1;
    __wasi_timestamp_t prev = now(__WASI_CLOCKID_MONOTONIC);
    for (int i = 0; i < 10000; i++) {
        __wasi_timestamp_t t = now(__WASI_CLOCKID_MONOTONIC);
        if (t < prev)
            ok = 0;
        prev = t;
    }
    printf("mono_nondecreasing=%d\n", ok);

    __wasi_timestamp_t start = now(__WASI_CLOCKID_MONOTONIC);
    int advanced = 0;
    for (long i = 0; i < 1000000000L; i++) {
        if (now(__WASI_CLOCKID_MONOTONIC) > start) {
            advanced = 1;
            break;
        }
    }
    printf("mono_advances=%d\n", advanced);

    __wasi_timestamp_t m0 = now(__WASI_CLOCKID_MONOTONIC), r0 = now(__WASI_CLOCKID_REALTIME);
    while (now(__WASI_CLOCKID_MONOTONIC) - m0 < 50000000ull) {
    }
    __wasi_timestamp_t r1 = now(__WASI_CLOCKID_REALTIME);
    printf("rate_ok=%d\n", r1 >= r0 && r1 - r0 >= 25000000ull && r1 - r0 <= 5000000000ull);

    printf("realtime_s=%llu\n", (unsigned long long)(now(__WASI_CLOCKID_REALTIME) / 1000000000ull));

    __wasi_timestamp_t t;
    printf("bad_clock=%s\n", errno_name(__wasi_clock_time_get(99, 1, &t)));
    return 0;
}
