/* udp-echo.c: UDP echo server and client on the wasi_socket.h shim.
 *
 * Usage:
 *   udp-echo server IP PORT COUNT      bind IP:PORT, echo COUNT datagrams back to their
 *                                      senders, printing "from ADDR: N bytes" for each
 *   udp-echo client IP PORT MESSAGE... send each MESSAGE to IP:PORT, wait (5 s at most)
 *                                      for its echo, print "echo from ADDR: MESSAGE"
 * IP is numeric, IPv4 or IPv6. Exit 0 on success; 1 on an error (one line naming the
 * errno) or, in the client, on an echo that does not match what was sent.
 *
 * Native: clang-19 -O2 udp-echo.c -o udp-echo
 * wasm:   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 udp-echo.c -o udp-echo.wasm
 *         aotc udp-echo.wasm -o udp-echo --bind 127.0.0.1:9000 ...   (flags: see README)
 */
#include "wasi_socket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest UDP payload plus one for a NUL. Static: on the stack it would overflow the
 * default 64 KiB stack of a wasm32 module. */
static char buf[65536];

static int fail(const char *what, int err) {
    fprintf(stderr, "udp-echo: %s: %s (errno %d)\n", what, strerror(err), err);
    return 1;
}

static int serve(int fd, const struct sockaddr *local, socklen_t local_len, long count) {
    char shown[80];
    if (ws_bind(fd, local, local_len) < 0) return fail("bind", errno);
    printf("udp-echo: serving %ld datagrams on %s\n", count, ws_format_addr(local, shown, sizeof shown));
    fflush(stdout);
    for (long i = 0; i < count; i++) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = ws_recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &peer_len);
        if (n < 0) return fail("recvfrom", errno);
        printf("from %s: %zd bytes\n", ws_format_addr((struct sockaddr *)&peer, shown, sizeof shown), n);
        fflush(stdout);
        if (ws_sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, peer_len) != n)
            return fail("sendto", errno);
    }
    return 0;
}

static int client(int fd, const struct sockaddr *server, socklen_t server_len, char **messages, int count) {
    struct timeval timeout = {5, 0};
    char shown[80];
    if (ws_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0) return fail("SO_RCVTIMEO", errno);
    for (int i = 0; i < count; i++) {
        size_t len = strlen(messages[i]);
        if (ws_sendto(fd, messages[i], len, 0, server, server_len) != (ssize_t)len) return fail("sendto", errno);
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = ws_recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&peer, &peer_len);
        if (n < 0) return fail("recvfrom", errno);
        buf[n] = '\0';
        printf("echo from %s: %s\n", ws_format_addr((struct sockaddr *)&peer, shown, sizeof shown), buf);
        fflush(stdout);
        if ((size_t)n != len || memcmp(buf, messages[i], len) != 0) {
            fprintf(stderr, "udp-echo: echo mismatch: sent \"%s\", got \"%s\"\n", messages[i], buf);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    int is_server = argc == 5 && strcmp(argv[1], "server") == 0;
    int is_client = argc >= 5 && strcmp(argv[1], "client") == 0;
    if (!is_server && !is_client) {
        fprintf(stderr, "usage: udp-echo server IP PORT COUNT | udp-echo client IP PORT MESSAGE...\n");
        return 2;
    }
    struct sockaddr_storage addr;
    socklen_t addr_len = ws_parse_addr(argv[2], atoi(argv[3]), &addr);
    if (addr_len == 0) {
        fprintf(stderr, "udp-echo: bad address %s port %s\n", argv[2], argv[3]);
        return 2;
    }
    int fd = ws_socket(addr.ss_family, SOCK_DGRAM);
    if (fd < 0) return fail("socket", errno);
    int rc = is_server ? serve(fd, (struct sockaddr *)&addr, addr_len, atol(argv[4]))
                       : client(fd, (struct sockaddr *)&addr, addr_len, argv + 4, argc - 4);
    ws_close(fd);
    return rc;
}
