/* echo.c: loopback TCP echo benchmark, one source for native and wasm32-wasi builds.
 *
 * All socket calls go through examples/wasi_socket.h, so the wasm build uses only the
 * WasmEdge socket ABI (plus poll -> poll_oneoff). Both modes are single-threaded and
 * drive every connection with poll() on non-blocking sockets.
 *
 *   echo server PORT
 *       listens on 127.0.0.1:PORT, prints "listening PORT" once ready, then echoes every
 *       byte back on every connection until killed. Connections come and go freely.
 *   echo client PORT CONNS REQUESTS SIZE
 *       opens CONNS connections to 127.0.0.1:PORT and performs REQUESTS round trips in
 *       total, spread evenly over the connections (each connection has one request in
 *       flight: send SIZE bytes, wait until all SIZE bytes came back and match). Prints a
 *       human line and one machine line:
 *         RESULT requests=N seconds=S rps=R mbps=M p50_us=A p99_us=B
 *       rps = round trips per second; mbps = payload megabytes (10^6) echoed per second,
 *       one direction (REQUESTS*SIZE/seconds); latencies are per round trip, from the
 *       first byte sent to the last byte received.
 * Neither side sets TCP_NODELAY: the WasmEdge ABI has no TCP-level options, so both
 * builds run with the same kernel defaults.
 */
#include "../../examples/wasi_socket.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what, int err) {
    fprintf(stderr, "echo: %s: %s (errno %d)\n", what, strerror(err), err);
    exit(1);
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static socklen_t loopback(int port, struct sockaddr_storage *ss) {
    socklen_t len = ws_parse_addr("127.0.0.1", port, ss);
    if (len == 0) {
        fprintf(stderr, "echo: bad port %d\n", port);
        exit(2);
    }
    return len;
}

/* ---------------------------------------------------------------- server */

#define SERVER_BUF 65536
#define MAX_CONNS 4096

struct server_conn {
    int fd;
    size_t pending, offset; /* bytes in buf not yet written back, starting at offset */
    char buf[SERVER_BUF];
};

static void close_conn(struct server_conn **slot) {
    ws_close((*slot)->fd);
    free(*slot);
    *slot = NULL;
}

static int run_server(int port) {
    struct sockaddr_storage ss;
    socklen_t len = loopback(port, &ss);
    int lfd = ws_socket(AF_INET, SOCK_STREAM);
    if (lfd < 0) die("socket", errno);
    int one = 1;
    if (ws_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("SO_REUSEADDR", errno);
    if (ws_bind(lfd, (struct sockaddr *)&ss, len) < 0) die("bind", errno);
    if (ws_listen(lfd, 1024) < 0) die("listen", errno);
    if (ws_set_nonblocking(lfd, 1) < 0) die("nonblocking listener", errno);
    printf("listening %d\n", port);
    fflush(stdout);

    static struct server_conn *conns[MAX_CONNS];
    static struct pollfd fds[MAX_CONNS + 1];
    static int slot_of[MAX_CONNS + 1]; /* fds index -> conns index */
    int nconns = 0;                    /* conns[0..nconns) may hold NULL holes */
    for (;;) {
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < nconns; i++) {
            if (conns[i] == NULL) continue;
            slot_of[n] = i;
            fds[n++] = (struct pollfd){.fd = conns[i]->fd, .events = conns[i]->pending ? POLLOUT : POLLIN};
        }
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll", errno);
        }
        for (nfds_t k = 1; k < n; k++) {
            if (fds[k].revents == 0) continue;
            struct server_conn **slot = &conns[slot_of[k]];
            struct server_conn *c = *slot;
            if (c->pending == 0) {
                ssize_t r = ws_recv(c->fd, c->buf, SERVER_BUF, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                    close_conn(slot);
                    continue;
                }
                if (r < 0) continue;
                c->pending = (size_t)r;
                c->offset = 0;
            }
            /* Write back right away: usually the socket is writable, saving a poll. */
            while (c->pending) {
                ssize_t w = ws_send(c->fd, c->buf + c->offset, c->pending, 0);
                if (w < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK) close_conn(slot);
                    break;
                }
                c->offset += (size_t)w;
                c->pending -= (size_t)w;
            }
        }
        if (fds[0].revents) {
            for (;;) {
                int fd = ws_accept(lfd, NULL, NULL);
                if (fd < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) die("accept", errno);
                    break;
                }
                int slot = 0;
                while (slot < nconns && conns[slot] != NULL) slot++;
                if (slot == MAX_CONNS) {
                    ws_close(fd); /* full: refuse by closing */
                    continue;
                }
                struct server_conn *c = malloc(sizeof *c);
                if (c == NULL) die("malloc", ENOMEM);
                if (ws_set_nonblocking(fd, 1) < 0) die("nonblocking connection", errno);
                c->fd = fd;
                c->pending = c->offset = 0;
                conns[slot] = c;
                if (slot == nconns) nconns++;
            }
        }
    }
}

/* ---------------------------------------------------------------- client */

struct client_conn {
    int fd;
    long remaining;     /* round trips still to start on this connection */
    size_t sent, received;
    double started_us;
    int active;         /* a round trip is in flight */
    char *reply;
};

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run_client(int port, int nconns, long requests, size_t size) {
    struct sockaddr_storage ss;
    socklen_t len = loopback(port, &ss);
    if (nconns < 1 || nconns > MAX_CONNS || requests < nconns || size < 1 || size > (64u << 20)) {
        fprintf(stderr, "echo: need 1 <= CONNS <= %d, REQUESTS >= CONNS, 1 <= SIZE <= 64 MiB\n", MAX_CONNS);
        return 2;
    }
    char *payload = malloc(size);
    double *latency = malloc(sizeof(double) * (size_t)requests);
    struct client_conn *conns = calloc((size_t)nconns, sizeof *conns);
    struct pollfd *fds = calloc((size_t)nconns, sizeof *fds);
    if (!payload || !latency || !conns || !fds) die("malloc", ENOMEM);
    for (size_t i = 0; i < size; i++) payload[i] = (char)('a' + i % 26);

    for (int i = 0; i < nconns; i++) {
        struct client_conn *c = &conns[i];
        c->fd = ws_socket(AF_INET, SOCK_STREAM);
        if (c->fd < 0) die("socket", errno);
        if (ws_connect(c->fd, (struct sockaddr *)&ss, len) < 0) die("connect", errno);
        if (ws_set_nonblocking(c->fd, 1) < 0) die("nonblocking", errno);
        c->remaining = requests / nconns + (i < requests % nconns);
        c->reply = malloc(size);
        if (c->reply == NULL) die("malloc", ENOMEM);
    }

    long done = 0;
    double start = now_us();
    for (int i = 0; i < nconns; i++) {
        conns[i].active = 1;
        conns[i].remaining--;
        conns[i].started_us = now_us();
    }
    while (done < requests) {
        for (int i = 0; i < nconns; i++) {
            struct client_conn *c = &conns[i];
            short events = 0;
            if (c->active) events = (short)(POLLIN | (c->sent < size ? POLLOUT : 0));
            fds[i] = (struct pollfd){.fd = c->active ? c->fd : -1, .events = events};
        }
        if (poll(fds, (nfds_t)nconns, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll", errno);
        }
        for (int i = 0; i < nconns; i++) {
            struct client_conn *c = &conns[i];
            if (!c->active || fds[i].revents == 0) continue;
            while (c->sent < size) {
                ssize_t w = ws_send(c->fd, payload + c->sent, size - c->sent, 0);
                if (w < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                    die("send", errno);
                }
                c->sent += (size_t)w;
            }
            while (c->received < size) {
                ssize_t r = ws_recv(c->fd, c->reply + c->received, size - c->received, 0);
                if (r < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                    die("recv", errno);
                }
                if (r == 0) die("recv", ECONNRESET); /* server closed mid-request */
                c->received += (size_t)r;
            }
            if (c->received == size) {
                latency[done++] = now_us() - c->started_us;
                if (memcmp(c->reply, payload, size) != 0) {
                    fprintf(stderr, "echo: reply on connection %d differs from the request\n", i);
                    return 1;
                }
                c->sent = c->received = 0;
                if (c->remaining > 0) {
                    c->remaining--;
                    c->started_us = now_us();
                } else {
                    c->active = 0;
                }
            }
        }
    }
    double seconds = (now_us() - start) / 1e6;
    for (int i = 0; i < nconns; i++) ws_close(conns[i].fd);
    qsort(latency, (size_t)requests, sizeof *latency, compare_double);
    double p50 = latency[(size_t)(requests - 1) / 2];
    double p99 = latency[(size_t)((double)(requests - 1) * 0.99)];
    double rps = (double)requests / seconds;
    double mbps = (double)requests * (double)size / seconds / 1e6;
    printf("%ld round trips of %zu bytes over %d connections in %.3f s: %.0f requests/s, %.1f MB/s, "
           "median %.1f us, p99 %.1f us\n",
           requests, size, nconns, seconds, rps, mbps, p50, p99);
    printf("RESULT requests=%ld seconds=%.6f rps=%.1f mbps=%.3f p50_us=%.2f p99_us=%.2f\n", requests, seconds, rps,
           mbps, p50, p99);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return run_server(atoi(argv[2]));
    if (argc == 6 && strcmp(argv[1], "client") == 0)
        return run_client(atoi(argv[2]), atoi(argv[3]), atol(argv[4]), (size_t)atol(argv[5]));
    fprintf(stderr, "usage: echo server PORT | echo client PORT CONNS REQUESTS SIZE\n");
    return 2;
}
