/* sockets.c: the socket calls on the one listen grant (fd 3, no directories granted):
 * with the listener made non-blocking (fd_fdstat_set_flags), an accept before anyone
 * connects; then, blocking again, a real one; receive the 4
 * bytes the peer sends ("ping"), peek first; send "pong"; shut the write side down
 * (the peer must see end-of-stream while this process still runs), then wait for the
 * peer to close (a receive returning 0 bytes). One "name=value" line each:
 *
 *   accept_nonblock   errno of sock_accept on the non-blocking listener with no pending
 *                     connection (EAGAIN). sock_accept's own flags are the new fd's
 *                     flags (as accept4's), they do not make the accept non-blocking.
 *   accept            errno of the blocking accept
 *   filetype          "<filetype> <fdflags>" of the accepted fd (6: socket stream;
 *                     accepted with flags 0: blocking)
 *   peek              "<errno> <bytes> <data>" with RECV_PEEK|RECV_WAITALL
 *   recv              "<errno> <bytes> <data>" with RECV_WAITALL
 *   send              "<errno> <bytes>"
 *   shutdown          errno of sock_shutdown(WR)
 *   shutdown_bad      errno of sock_shutdown with how = 0 (EINVAL)
 *   eof               "<errno> <bytes>" of the receive after the peer closed
 *   shutdown_stdout   errno of sock_shutdown on stdout (not a socket: ENOTSOCK)
 */
#include "common.h"

int main(void) {
    __wasi_fd_t c = 0;
    __wasi_errno_t e = __wasi_fd_fdstat_set_flags(3, __WASI_FDFLAGS_NONBLOCK);
    if (e == 0)
        e = __wasi_sock_accept(3, 0, &c);
    printf("accept_nonblock=%s\n", errno_name(e));
    (void)__wasi_fd_fdstat_set_flags(3, 0);
    fflush(stdout);
    e = __wasi_sock_accept(3, 0, &c);
    printf("accept=%s\n", errno_name(e));
    if (e != 0)
        return 1;
    __wasi_fdstat_t st;
    (void)__wasi_fd_fdstat_get(c, &st);
    printf("filetype=%u %u\n", (unsigned)st.fs_filetype, (unsigned)st.fs_flags);

    char buf[16] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, 4};
    __wasi_size_t n = 0;
    __wasi_roflags_t ro;
    e = __wasi_sock_recv(c, &iov, 1, __WASI_RIFLAGS_RECV_PEEK | __WASI_RIFLAGS_RECV_WAITALL, &n, &ro);
    printf("peek=%s %u %.4s\n", errno_name(e), (unsigned)n, buf);
    memset(buf, 0, sizeof buf);
    e = __wasi_sock_recv(c, &iov, 1, __WASI_RIFLAGS_RECV_WAITALL, &n, &ro);
    printf("recv=%s %u %.4s\n", errno_name(e), (unsigned)n, buf);

    __wasi_ciovec_t out = {(const uint8_t *)"pong", 4};
    e = __wasi_sock_send(c, &out, 1, 0, &n);
    printf("send=%s %u\n", errno_name(e), (unsigned)n);
    printf("shutdown=%s\n", errno_name(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR)));
    printf("shutdown_bad=%s\n", errno_name(__wasi_sock_shutdown(c, 0)));
    fflush(stdout);

    e = __wasi_sock_recv(c, &iov, 1, 0, &n, &ro);
    printf("eof=%s %u\n", errno_name(e), (unsigned)n);
    printf("shutdown_stdout=%s\n", errno_name(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR)));
    return 0;
}
