/* common.h: helpers shared by the WASI test programs: WASI errno names and
 * finding a preopened directory by the name the guest sees. Header-only. */
#ifndef AOTC_TESTS_COMMON_H
#define AOTC_TESTS_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

/* The WASI errno names, indexed by value (0..76), as the tests print them. */
static const char *const wasi_errno_names[] = {
    "ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT",
    "EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD",
    "ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ", "EDOM",
    "EDQUOT", "EEXIST", "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM", "EILSEQ",
    "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISCONN", "EISDIR", "ELOOP", "EMFILE",
    "EMLINK", "EMSGSIZE", "EMULTIHOP", "ENAMETOOLONG", "ENETDOWN", "ENETRESET",
    "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV", "ENOENT", "ENOEXEC", "ENOLCK",
    "ENOLINK", "ENOMEM", "ENOMSG", "ENOPROTOOPT", "ENOSPC", "ENOSYS", "ENOTCONN",
    "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP", "ENOTTY", "ENXIO",
    "EOVERFLOW", "EOWNERDEAD", "EPERM", "EPIPE", "EPROTO", "EPROTONOSUPPORT",
    "EPROTOTYPE", "ERANGE", "EROFS", "ESPIPE", "ESRCH", "ESTALE", "ETIMEDOUT",
    "ETXTBSY", "EXDEV", "ENOTCAPABLE",
};

/* The name of a WASI errno ("E#123" for values outside the table). */
static inline const char *errno_name(unsigned e) {
    static char buf[16];
    if (e < sizeof wasi_errno_names / sizeof wasi_errno_names[0])
        return wasi_errno_names[e];
    snprintf(buf, sizeof buf, "E#%u", e);
    return buf;
}

/* The fd of the preopened directory the guest sees as `name`, or -1. Walks the
 * descriptors from 3 until fd_prestat_get fails. */
static inline int find_preopen(const char *name) {
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t ps;
        if (__wasi_fd_prestat_get(fd, &ps) != 0)
            return -1;
        if (ps.tag != __WASI_PREOPENTYPE_DIR)
            continue;
        size_t len = ps.u.dir.pr_name_len;
        char buf[256];
        if (len >= sizeof buf)
            continue;
        if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, len) != 0)
            continue;
        buf[len] = 0;
        if (strcmp(buf, name) == 0)
            return (int)fd;
    }
    return -1;
}

/* Like find_preopen, but exits with status 2 and a message if it is missing. */
static inline __wasi_fd_t need_preopen(const char *name) {
    int fd = find_preopen(name);
    if (fd < 0) {
        fprintf(stderr, "no preopened directory named '%s'\n", name);
        exit(2);
    }
    return (__wasi_fd_t)fd;
}

#endif
