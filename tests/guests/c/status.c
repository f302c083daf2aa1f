/* status.c: exit statuses. argv[1] picks how the program ends after writing a line
 * to stdout (buffered) and one to stderr: "exit3" exit(3), "ret42" returns 42 from
 * main, "ret0" returns 0, "exit1" exit(1), "_Exit7" _Exit(7) (stdout buffer not
 * flushed), "proc_exit125" __wasi_proc_exit(125), "abort" abort() (a trap). */
#include "util.h"

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "ret0";
    printf("ending with %s\n", how);
    fprintf(stderr, "stderr before %s\n", how);
    if (!strcmp(how, "exit3"))
        exit(3);
    if (!strcmp(how, "exit1"))
        exit(1);
    if (!strcmp(how, "ret42"))
        return 42;
    if (!strcmp(how, "_Exit7"))
        _Exit(7);
    if (!strcmp(how, "proc_exit125")) {
        fflush(stdout);
        __wasi_proc_exit(125);
    }
    if (!strcmp(how, "abort")) {
        fflush(stdout);
        abort();
    }
    return 0;
}
