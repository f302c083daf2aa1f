/* util.h: helpers shared by the C guests of the differential WASI tests
 * (tests/guests/c): one-line reports of libc results (errno by name) and of raw
 * WASI results, and small file helpers. Header-only. */
#ifndef AOTC_GUESTS_C_UTIL_H
#define AOTC_GUESTS_C_UTIL_H

#include "../../wasi/common.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* A libc call's result: "what: ok" or "what: ENAME" (wasi-libc's errno values are
 * WASI's, so common.h's names apply). Returns rc. */
static inline long rep(const char *what, long rc) {
    if (rc < 0)
        printf("%s: %s\n", what, errno_name((unsigned)errno));
    else
        printf("%s: ok\n", what);
    return rc;
}

/* A raw WASI call's result: "what: ok" or "what: ENAME". Returns e. */
static inline __wasi_errno_t wrep(const char *what, __wasi_errno_t e) {
    printf("%s: %s\n", what, e ? errno_name(e) : "ok");
    return e;
}

/* The whole content of a file through libc, printed as "what: <len> \"text\""
 * (non-printable bytes as \xNN), or its errno. */
static inline void show_file(const char *what, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: %s\n", what, errno_name((unsigned)errno));
        return;
    }
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        printf("%s: read %s\n", what, errno_name((unsigned)errno));
        return;
    }
    printf("%s: %zd \"", what, n);
    for (ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n')
            printf("\\n");
        else if (c >= 32 && c < 127 && c != '"' && c != '\\')
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    printf("\"\n");
}

/* Writes `text` to a new (truncated) file; reports failures only. */
static inline void put_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("put %s: %s\n", path, errno_name((unsigned)errno));
        return;
    }
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        printf("put %s: short write\n", path);
    close(fd);
}

/* The file type letter of a stat mode: f d l c b p s ?. */
static inline char type_letter(mode_t m) {
    return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c'
         : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '?';
}

#endif
