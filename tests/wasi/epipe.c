/* epipe.c: writes to stdout until a write fails, then reports the errno and exits 3.
 * With the reader gone, WASI programs must see EPIPE (no SIGPIPE death). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    for (long i = 0; i < 100000; i++) {
        if (write(1, buf, sizeof buf) < 0) {
            fprintf(stderr, "write failed: errno %d (%s)\n", errno, strerror(errno));
            return 3;
        }
    }
    return 0;
}
