/* args_env.c: prints what the program was given: its arguments (argv[0] excepted,
 * its form is the runtime's business), how many directories are preopened, and its
 * environment, in this form:
 *
 *     argc=3
 *     arg[1]=--allow-dir
 *     arg[2]=with space
 *     preopens=0
 *     env=1
 *     env[0]=K=V
 *
 * Bytes outside printable ASCII (and backslash) are printed as \xHH, so the output
 * is ASCII and byte-exact comparisons are easy. Also checks that args_sizes_get and
 * environ_sizes_get agree with what argv/environ hold, printing "sizes=ok" or
 * "sizes=bad ...". */
#include "common.h"

extern char **environ;

static void put_escaped(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\')
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
}

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    size_t arg_bytes = 0;
    for (int i = 0; i < argc; i++) {
        arg_bytes += strlen(argv[i]) + 1;
        if (i == 0)
            continue;
        printf("arg[%d]=", i);
        put_escaped(argv[i]);
        putchar('\n');
    }

    int preopens = 0;
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t ps;
        if (__wasi_fd_prestat_get(fd, &ps) != 0)
            break;
        preopens++;
    }
    printf("preopens=%d\n", preopens);

    int n = 0;
    size_t env_bytes = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    printf("env=%d\n", n);
    for (int i = 0; i < n; i++) {
        env_bytes += strlen(environ[i]) + 1;
        printf("env[%d]=", i);
        put_escaped(environ[i]);
        putchar('\n');
    }

    __wasi_size_t c, sz, ec, esz;
    if (__wasi_args_sizes_get(&c, &sz) != 0 || __wasi_environ_sizes_get(&ec, &esz) != 0) {
        printf("sizes=bad call failed\n");
    } else if (c != (__wasi_size_t)argc || sz != arg_bytes || ec != (__wasi_size_t)n || esz != env_bytes) {
        printf("sizes=bad args %u/%u env %u/%u\n", (unsigned)c, (unsigned)sz, (unsigned)ec, (unsigned)esz);
    } else {
        printf("sizes=ok\n");
    }
    return 0;
}
