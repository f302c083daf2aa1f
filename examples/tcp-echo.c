/* tcp-echo.c: a small TCP echo server on a listening socket granted at compile time.
 * For each connection it reads one line, answers "echo: <line>\n", shuts the
 * connection down and logs one line to stdout.
 *
 * Build and run (from the examples/ directory):
 *   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 tcp-echo.c -o tcp-echo.wasm
 *   aotc tcp-echo.wasm -o tcp-echo --listen 127.0.0.1:7878
 *   ./tcp-echo 2            # serve two connections, then exit 0
 * In another terminal (with bash's /dev/tcp):
 *   bash -c 'exec 3<>/dev/tcp/127.0.0.1/7878; echo hello >&3; cat <&3'   # echo: hello
 *   bash -c 'exec 3<>/dev/tcp/127.0.0.1/7878; echo world >&3; cat <&3'   # echo: world
 * The server prints:
 *   tcp-echo: accepting connections on fd 3
 *   conn 1: "hello" -> "echo: hello"
 *   conn 2: "world" -> "echo: world"
 *   tcp-echo: served 2 connections
 *
 * Usage: tcp-echo [COUNT [FD]]
 *   COUNT  connections to serve before exiting 0; 0 or absent: serve forever.
 *   FD     the listening socket's fd. Absent: the first fd from 3 on that is a socket
 *          (fd_fdstat_get says SOCKET_STREAM). The runtime numbers fds 0-2 stdio,
 *          then one per --allow-dir in order, then one per --listen in order;
 *          fd_prestat_get answers EBADF for a socket, as for a closed fd, so it
 *          alone cannot tell a socket from the end of the table.
 *
 * Per connection: the line is everything up to the first "\n" (a "\r" before it is
 * dropped), at most 1000 bytes (longer lines are cut), or what arrived before the
 * client shut its side down. Anything after the line is ignored. A client that closes
 * without sending a byte, or stays silent for 10 seconds before its line is complete,
 * gets no answer; the connection still counts. Log lines:
 *   conn N: "<line>" -> "echo: <line>"
 *   conn N: closed without a line
 *   conn N: error: <recv|send|shutdown>: <strerror of the WASI errno>
 * In the log, bytes outside printable ASCII are written \xHH, and " and \ as \" and \\.
 *
 * Exit status: 0 after COUNT connections; 1 if accepting fails (e.g. FD is not a
 * listening socket: "tcp-echo: sock_accept(fd 3): errno 8 (Bad file descriptor)");
 * 2 for a bad argument or when no socket was granted.
 *
 * It talks to the sockets through the WASI preview1 calls themselves (wasi-libc has
 * no accept()): __wasi_sock_accept, __wasi_sock_recv, __wasi_sock_send and
 * __wasi_sock_shutdown from <wasi/api.h>. WASI errno values are wasi-libc's errno
 * values, so strerror() names them.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#define MAX_LINE 1000
#define IDLE_TIMEOUT_MS 10000

/* Parses a non-negative decimal number; returns -1 if s is not one. */
static long parse_count(const char *s) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0x7fffffff)
        return -1;
    return v;
}

/* The first fd from 3 on that is a stream socket, or -1 when the table ends first. */
static int find_listener(void) {
    for (__wasi_fd_t fd = 3; fd < 1024; fd++) {
        __wasi_prestat_t pre;
        if (__wasi_fd_prestat_get(fd, &pre) == 0)
            continue; /* a granted directory */
        __wasi_fdstat_t st;
        __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
        if (e == __WASI_ERRNO_BADF)
            return -1; /* past the last preopen */
        if (e == 0 && st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM)
            return (int)fd;
    }
    return -1;
}

/* Appends s to the log line, quoting bytes outside printable ASCII. */
static void put_quoted(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    putchar('"');
}

/* Reads one line from sock into line (NUL-terminated, no "\n" or "\r\n").
 * Returns its length, -1 when the client closed before sending a byte, or
 * -2 - errno on failure (-2 - ETIMEDOUT after IDLE_TIMEOUT_MS of silence). */
static long read_line(__wasi_fd_t sock, char *line) {
    size_t len = 0;
    while (len < MAX_LINE) {
        struct pollfd p = {.fd = (int)sock, .events = POLLIN};
        int r = poll(&p, 1, IDLE_TIMEOUT_MS);
        if (r < 0)
            return -2 - errno;
        if (r == 0)
            return -2 - ETIMEDOUT;
        __wasi_iovec_t iov = {.buf = (uint8_t *)line + len, .buf_len = MAX_LINE - len};
        __wasi_size_t got;
        __wasi_roflags_t roflags;
        __wasi_errno_t e = __wasi_sock_recv(sock, &iov, 1, 0, &got, &roflags);
        if (e != 0)
            return -2 - (long)e;
        if (got == 0) { /* the client shut down its side */
            if (len == 0)
                return -1;
            break;
        }
        char *nl = memchr(line + len, '\n', got);
        len += got;
        if (nl) {
            len = (size_t)(nl - line);
            break;
        }
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return (long)len;
}

/* Sends all n bytes of buf; returns 0 or a WASI errno. */
static __wasi_errno_t send_all(__wasi_fd_t sock, const char *buf, size_t n) {
    while (n > 0) {
        __wasi_ciovec_t iov = {.buf = (const uint8_t *)buf, .buf_len = n};
        __wasi_size_t sent;
        __wasi_errno_t e = __wasi_sock_send(sock, &iov, 1, 0, &sent);
        if (e != 0)
            return e;
        buf += sent;
        n -= sent;
    }
    return 0;
}

/* Serves one accepted connection and logs one line about it. */
static void serve(long n, __wasi_fd_t sock) {
    static char line[MAX_LINE + 1];
    static char reply[MAX_LINE + 8];
    printf("conn %ld: ", n);
    long len = read_line(sock, line);
    if (len == -1) {
        printf("closed without a line\n");
        return;
    }
    if (len < 0) {
        int e = (int)(-2 - len);
        printf("error: recv: %s\n", strerror(e));
        return;
    }
    int rlen = snprintf(reply, sizeof reply, "echo: %s\n", line);
    __wasi_errno_t e = send_all(sock, reply, (size_t)rlen);
    if (e != 0) {
        printf("error: send: %s\n", strerror(e));
        return;
    }
    e = __wasi_sock_shutdown(sock, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR);
    if (e != 0) {
        printf("error: shutdown: %s\n", strerror(e));
        return;
    }
    put_quoted(line, (size_t)len);
    printf(" -> ");
    put_quoted(reply, (size_t)rlen - 1);
    putchar('\n');
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    long count = 0;
    int fd = -1;
    if (argc > 3 || (argc >= 2 && (count = parse_count(argv[1])) < 0) ||
        (argc == 3 && (fd = (int)parse_count(argv[2])) < 0)) {
        fprintf(stderr, "usage: tcp-echo [COUNT [FD]]\n");
        return 2;
    }
    if (fd < 0) {
        fd = find_listener();
        if (fd < 0) {
            fprintf(stderr, "tcp-echo: no listening socket (compile with --listen IP:PORT)\n");
            return 2;
        }
    }
    printf("tcp-echo: accepting connections on fd %d\n", fd);
    long served = 0;
    while (count == 0 || served < count) {
        __wasi_fd_t sock;
        __wasi_errno_t e = __wasi_sock_accept((__wasi_fd_t)fd, 0, &sock);
        if (e == __WASI_ERRNO_CONNABORTED || e == __WASI_ERRNO_INTR)
            continue; /* the client gave up before we got to it */
        if (e != 0) {
            fprintf(stderr, "tcp-echo: sock_accept(fd %d): errno %d (%s)\n", fd, e,
                    strerror(e));
            return 1;
        }
        served++;
        serve(served, sock);
        close((int)sock);
    }
    printf("tcp-echo: served %ld connection%s\n", served, served == 1 ? "" : "s");
    return 0;
}
