/* bad_enum.c: one WASI call with an out-of-range enum argument, picked by argv[1]:
 * "whence" (fd_seek whence 7), "advice" (fd_advise advice 9), "clock" (clock_time_get
 * clock id 9), "subscription" (poll_oneoff event type 5). Prints the errno if the
 * call returns; an engine may instead stop the program (Wasmtime traps on enum values
 * it cannot decode). */
#include "util.h"

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "whence";
    __wasi_fd_t dir = need_preopen("sandbox"), fd;
    __wasi_errno_t e = __wasi_path_open(dir, 0, "hello.txt", 0, __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_ADVISE, 0, 0, &fd);
    if (e) {
        wrep("open", e);
        return 2;
    }
    printf("calling with a bad %s\n", what);
    fflush(stdout);
    if (!strcmp(what, "whence")) {
        __wasi_filesize_t pos;
        e = __wasi_fd_seek(fd, 0, 7, &pos);
    } else if (!strcmp(what, "advice")) {
        e = __wasi_fd_advise(fd, 0, 0, 9);
    } else if (!strcmp(what, "clock")) {
        __wasi_timestamp_t t;
        e = __wasi_clock_time_get(9, 1, &t);
    } else {
        __wasi_subscription_t s;
        __wasi_event_t ev;
        __wasi_size_t n;
        memset(&s, 0, sizeof s);
        s.u.tag = 5;
        e = __wasi_poll_oneoff(&s, &ev, 1, &n);
        wrep(what, e);
        if (!e)
            printf("events: %u, first: type %u error %s\n", (unsigned)n, ev.type, errno_name(ev.error));
        return 0;
    }
    wrep(what, e);
    return 0;
}
