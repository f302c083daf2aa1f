/* netprobe.c: test guest for aotc's socket allow-list and socket ABI (loopback tests).
 *
 * Built twice by build.sh: natively (POSIX) and for wasm32-wasi (WasmEdge socket ABI via
 * examples/wasi_socket.h). Each subcommand prints one line per attempt so a test can
 * assert on it; errors are printed as the raw errno number ("err N"): on wasm that is the
 * WASI errno (EACCES = 2, ENOTCAPABLE = 76, ECONNREFUSED = 14, ...), natively Linux's.
 * Addresses print as IP:PORT, IPv6 as [IP]:PORT. Exit status: 0 if every attempt
 * succeeded, 1 if any printed "err", 2 on bad usage.
 *
 *   connect IP PORT          "connect ADDR ok|err N"; on ok sends "ping\n" and prints
 *                            "reply TEXT" (first line back), "reply eof" or "reply err N"
 *   connect-name NAME PORT   resolves NAME ("resolve NAME err N" on failure), then for
 *                            EVERY address: the connect lines above
 *   resolve NAME             "resolve NAME IP" per address, or "resolve NAME err N"
 *   resolve-twice NAME       resolve, print, print "waiting", read one stdin line,
 *                            resolve again, print (DNS rebinding tests)
 *   bind IP PORT             "bind ADDR ok local ADDR2" (after listen; ADDR2 from
 *                            getsockname) or "bind ADDR err N" / "listen ADDR err N"
 *   udp-send IP PORT MSG     "sendto ADDR ok|err N", then recvfrom with a 2 s
 *                            SO_RCVTIMEO: "recvfrom FROM TEXT" or "recvfrom err N"
 *   listen-echo IP PORT N    bind+listen ("listening ADDR", real port), accept N
 *                            connections handled concurrently with poll() (poll_oneoff
 *                            on wasm) on non-blocking sockets, echo until each peer's
 *                            EOF: "accepted K PEER", "closed K BYTES"; then "done N"
 *   nonblock-connect IP PORT non-blocking connect: "connect ADDR inprogress|ok|err N",
 *                            poll for POLLOUT (5 s): "poll revents=0xR" or "poll timeout",
 *                            then "so_error N" (SO_ERROR; 0 = connected)
 *   sockopts IP PORT         connect, then set/get each option: "NAME=VALUE",
 *                            "NAME set err N" or "NAME err N" (TCP_NODELAY is err 50,
 *                            ENOPROTOOPT, on wasm: not in the WasmEdge ABI)
 *   shutdown IP PORT         connect, send "bye\n", shutdown(SHUT_WR) ("shutdown ok|err N"),
 *                            read to EOF: "received N bytes TEXT" then "eof" or "recv err N"
 */
#include "../../../examples/wasi_socket.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int any_error;

static void report(const char *what, const char *subject, int rc) {
    if (rc == 0) {
        printf("%s %s ok\n", what, subject);
    } else {
        printf("%s %s err %d\n", what, subject, rc);
        any_error = 1;
    }
    fflush(stdout);
}

static void set_recv_timeout(int fd, int seconds) {
    struct timeval tv = {seconds, 0};
    if (ws_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
        printf("SO_RCVTIMEO set err %d\n", errno);
        any_error = 1;
    }
}

/* Prints text with control characters escaped, so a line stays a line. */
static void print_text(const char *prefix, const char *text, size_t len) {
    printf("%s", prefix);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') printf("\\n");
        else if (c < 32 || c > 126) printf("\\x%02x", c);
        else putchar(c);
    }
    putchar('\n');
    fflush(stdout);
}

/* Sends "ping\n" and prints the first line that comes back. */
static void ping(int fd) {
    static const char msg[] = "ping\n";
    char buf[512];
    size_t got = 0;
    if (ws_send(fd, msg, sizeof msg - 1, 0) != (ssize_t)(sizeof msg - 1)) {
        printf("reply err %d\n", errno);
        any_error = 1;
        return;
    }
    set_recv_timeout(fd, 2);
    while (got < sizeof buf && memchr(buf, '\n', got) == NULL) {
        ssize_t n = ws_recv(fd, buf + got, sizeof buf - got, 0);
        if (n < 0) {
            printf("reply err %d\n", errno);
            any_error = 1;
            return;
        }
        if (n == 0) break;
        got += (size_t)n;
    }
    if (got == 0) {
        printf("reply eof\n");
        return;
    }
    char *nl = memchr(buf, '\n', got);
    print_text("reply ", buf, nl ? (size_t)(nl - buf) : got);
}

/* Connects to sa; prints the result and pings on success. Returns the fd or -1. */
static int connect_and_report(const struct sockaddr *sa, socklen_t len, int do_ping) {
    char shown[80];
    ws_format_addr(sa, shown, sizeof shown);
    int fd = ws_socket(sa->sa_family, SOCK_STREAM);
    if (fd < 0) {
        report("socket", shown, errno);
        return -1;
    }
    if (ws_connect(fd, sa, len) < 0) {
        report("connect", shown, errno);
        ws_close(fd);
        return -1;
    }
    report("connect", shown, 0);
    if (do_ping) ping(fd);
    return fd;
}

static int parse_or_die(const char *ip, const char *port, struct sockaddr_storage *ss) {
    char *end;
    long p = strtol(port, &end, 10);
    socklen_t len = *end == '\0' ? ws_parse_addr(ip, (int)p, ss) : 0;
    if (len == 0) {
        fprintf(stderr, "netprobe: bad address %s port %s\n", ip, port);
        exit(2);
    }
    return (int)len;
}

/* Parses IP PORT into ss (exit 2 if malformed), formats it into shown (80 bytes) and
 * opens a socket of that family; prints "socket ADDR err N" and returns -1 on failure. */
static int open_for(const char *ip, const char *port, int type, struct sockaddr_storage *ss, socklen_t *len,
                    char *shown) {
    *len = (socklen_t)parse_or_die(ip, port, ss);
    ws_format_addr((struct sockaddr *)ss, shown, 80);
    int fd = ws_socket(ss->ss_family, type);
    if (fd < 0) report("socket", shown, errno);
    return fd;
}

/* Resolves name (stream sockets, so each address appears once); prints lines. */
static struct addrinfo *resolve(const char *name, const char *port) {
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = ws_getaddrinfo(name, port, &hints, &list);
    if (rc != 0) {
        printf("resolve %s err %d\n", name, rc);
        fflush(stdout);
        any_error = 1;
        return NULL;
    }
    return list;
}

static void print_resolved(const char *name) {
    struct addrinfo *list = resolve(name, NULL);
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        char ip[INET6_ADDRSTRLEN];
        const void *raw = ai->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                                                    : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        inet_ntop(ai->ai_family, raw, ip, sizeof ip);
        printf("resolve %s %s\n", name, ip);
    }
    fflush(stdout);
    if (list) ws_freeaddrinfo(list);
}

static void cmd_connect_name(const char *name, const char *port) {
    struct addrinfo *list = resolve(name, port);
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        int fd = connect_and_report(ai->ai_addr, ai->ai_addrlen, 1);
        if (fd >= 0) ws_close(fd);
    }
    if (list) ws_freeaddrinfo(list);
}

static void cmd_bind(const char *ip, const char *port) {
    struct sockaddr_storage ss, local;
    socklen_t len, local_len = sizeof local;
    char shown[80], local_shown[80];
    int fd = open_for(ip, port, SOCK_STREAM, &ss, &len, shown);
    if (fd < 0) return;
    if (ws_bind(fd, (struct sockaddr *)&ss, len) < 0) report("bind", shown, errno);
    else if (ws_listen(fd, 16) < 0) report("listen", shown, errno);
    else if (ws_getsockname(fd, (struct sockaddr *)&local, &local_len) < 0) report("getsockname", shown, errno);
    else {
        printf("bind %s ok local %s\n", shown, ws_format_addr((struct sockaddr *)&local, local_shown, sizeof local_shown));
        fflush(stdout);
    }
    ws_close(fd);
}

static void cmd_udp_send(const char *ip, const char *port, const char *msg) {
    struct sockaddr_storage ss, from;
    socklen_t len, from_len = sizeof from;
    char shown[80], buf[2048];
    int fd = open_for(ip, port, SOCK_DGRAM, &ss, &len, shown);
    if (fd < 0) return;
    size_t msg_len = strlen(msg);
    if (ws_sendto(fd, msg, msg_len, 0, (struct sockaddr *)&ss, len) != (ssize_t)msg_len) {
        report("sendto", shown, errno);
        ws_close(fd);
        return;
    }
    report("sendto", shown, 0);
    set_recv_timeout(fd, 2);
    ssize_t n = ws_recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
    if (n < 0) {
        printf("recvfrom err %d\n", errno);
        any_error = 1;
    } else {
        char prefix[100];
        snprintf(prefix, sizeof prefix, "recvfrom %s ", ws_format_addr((struct sockaddr *)&from, shown, sizeof shown));
        print_text(prefix, buf, (size_t)n);
    }
    fflush(stdout);
    ws_close(fd);
}

/* One accepted connection: data received but not yet echoed back. */
struct conn {
    int fd;
    int id;
    char pending[16384];
    size_t pending_len;
    unsigned long total;
    int peer_done; /* EOF seen; close once pending is flushed */
};

static void cmd_listen_echo(const char *ip, const char *port, long want) {
    struct sockaddr_storage ss, local;
    socklen_t len, local_len = sizeof local;
    char shown[80];
    if (want <= 0 || want > 4096) {
        fprintf(stderr, "netprobe: N must be 1..4096\n");
        exit(2);
    }
    int lfd = open_for(ip, port, SOCK_STREAM, &ss, &len, shown);
    if (lfd < 0) return;
    int one = 1;
    ws_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* best effort */
    if (ws_bind(lfd, (struct sockaddr *)&ss, len) < 0) return report("bind", shown, errno);
    if (ws_listen(lfd, 128) < 0) return report("listen", shown, errno);
    if (ws_getsockname(lfd, (struct sockaddr *)&local, &local_len) < 0) return report("getsockname", shown, errno);
    if (ws_set_nonblocking(lfd, 1) < 0) return report("nonblock", shown, errno);
    printf("listening %s\n", ws_format_addr((struct sockaddr *)&local, shown, sizeof shown));
    fflush(stdout);

    struct conn **conns = calloc((size_t)want, sizeof *conns);
    struct pollfd *fds = calloc((size_t)want + 1, sizeof *fds);
    if (conns == NULL || fds == NULL) return report("alloc", shown, ENOMEM);
    long accepted = 0, open = 0;
    while (accepted < want || open > 0) {
        nfds_t nfds = 0;
        if (accepted < want) fds[nfds++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (long i = 0; i < accepted; i++) {
            struct conn *c = conns[i];
            if (c == NULL) continue;
            fds[nfds++] = (struct pollfd){.fd = c->fd, .events = c->pending_len ? POLLOUT : POLLIN};
        }
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR) continue;
            return report("poll", shown, errno);
        }
        nfds_t k = 0;
        if (accepted < want) {
            if (fds[k].revents & (POLLIN | POLLERR | POLLHUP)) {
                for (;;) { /* drain every pending connection */
                    struct sockaddr_storage peer;
                    socklen_t peer_len = sizeof peer;
                    int fd = ws_accept(lfd, (struct sockaddr *)&peer, &peer_len);
                    if (fd < 0) {
                        if (errno != EAGAIN && errno != EWOULDBLOCK) report("accept", shown, errno);
                        break;
                    }
                    struct conn *c = calloc(1, sizeof *c);
                    if (c == NULL || ws_set_nonblocking(fd, 1) < 0) {
                        report("accept-setup", shown, c ? errno : ENOMEM);
                        ws_close(fd);
                        free(c);
                        break;
                    }
                    char peer_shown[80];
                    c->fd = fd;
                    c->id = (int)accepted + 1;
                    conns[accepted++] = c;
                    open++;
                    printf("accepted %d %s\n", c->id, ws_format_addr((struct sockaddr *)&peer, peer_shown, sizeof peer_shown));
                    fflush(stdout);
                    if (accepted == want) break;
                }
            }
            k++;
        }
        /* The connection list was walked in the same order when building fds; new
         * connections accepted above were not polled and are skipped this round. */
        for (long i = 0; i < accepted && k < nfds; i++) {
            struct conn *c = conns[i];
            if (c == NULL || fds[k].fd != c->fd) continue;
            short rev = fds[k++].revents;
            if (rev == 0) continue;
            if (c->pending_len) {
                ssize_t n = ws_send(c->fd, c->pending, c->pending_len, 0);
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    printf("send %d err %d\n", c->id, errno);
                    any_error = 1;
                    c->peer_done = 1;
                    c->pending_len = 0;
                } else if (n > 0) {
                    memmove(c->pending, c->pending + n, c->pending_len - (size_t)n);
                    c->pending_len -= (size_t)n;
                }
            } else {
                ssize_t n = ws_recv(c->fd, c->pending, sizeof c->pending, 0);
                if (n > 0) {
                    c->pending_len = (size_t)n;
                    c->total += (unsigned long)n;
                } else if (n == 0) {
                    c->peer_done = 1;
                } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    printf("recv %d err %d\n", c->id, errno);
                    any_error = 1;
                    c->peer_done = 1;
                }
            }
            if (c->peer_done && c->pending_len == 0) {
                printf("closed %d %lu\n", c->id, c->total);
                fflush(stdout);
                ws_close(c->fd);
                free(c);
                conns[i] = NULL;
                open--;
            }
        }
    }
    printf("done %ld\n", accepted);
    fflush(stdout);
    ws_close(lfd);
    free(conns);
    free(fds);
}

static void cmd_nonblock_connect(const char *ip, const char *port) {
    struct sockaddr_storage ss;
    socklen_t len;
    char shown[80];
    int fd = open_for(ip, port, SOCK_STREAM, &ss, &len, shown);
    if (fd < 0) return;
    if (ws_set_nonblocking(fd, 1) < 0) return report("nonblock", shown, errno);
    if (ws_connect(fd, (struct sockaddr *)&ss, len) == 0) {
        report("connect", shown, 0);
    } else if (errno == EINPROGRESS) {
        printf("connect %s inprogress\n", shown);
    } else {
        report("connect", shown, errno);
        ws_close(fd);
        return;
    }
    fflush(stdout);
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int ready = poll(&p, 1, 5000);
    if (ready < 0) {
        printf("poll err %d\n", errno);
        any_error = 1;
    } else if (ready == 0) {
        printf("poll timeout\n");
        any_error = 1;
    } else {
        printf("poll revents=0x%x\n", (unsigned)p.revents);
    }
    int so_error = -1;
    socklen_t so_len = sizeof so_error;
    if (ws_getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) < 0) {
        printf("so_error err %d\n", errno);
        any_error = 1;
    } else {
        printf("so_error %d\n", so_error);
        if (so_error != 0) any_error = 1;
    }
    fflush(stdout);
    ws_close(fd);
}

/* Sets an int option (unless set_value < 0), reads it back, prints NAME=VALUE. */
static void int_option(int fd, int level, int name, const char *label, int set_value) {
    if (set_value >= 0 && ws_setsockopt(fd, level, name, &set_value, sizeof set_value) < 0) {
        printf("%s set err %d\n", label, errno);
        any_error = 1;
        return;
    }
    int value = -1;
    socklen_t len = sizeof value;
    if (ws_getsockopt(fd, level, name, &value, &len) < 0) {
        printf("%s err %d\n", label, errno);
        any_error = 1;
        return;
    }
    if (name == SO_TYPE && level == SOL_SOCKET)
        printf("%s=%s\n", label, value == SOCK_STREAM ? "stream" : value == SOCK_DGRAM ? "dgram" : "other");
    else
        printf("%s=%d\n", label, value);
}

static void timeout_option(int fd, int name, const char *label, long sec, long usec) {
    struct timeval tv = {sec, usec};
    if (ws_setsockopt(fd, SOL_SOCKET, name, &tv, sizeof tv) < 0) {
        printf("%s set err %d\n", label, errno);
        any_error = 1;
        return;
    }
    memset(&tv, 0, sizeof tv);
    socklen_t len = sizeof tv;
    if (ws_getsockopt(fd, SOL_SOCKET, name, &tv, &len) < 0) {
        printf("%s err %d\n", label, errno);
        any_error = 1;
        return;
    }
    printf("%s=%ld.%06ld\n", label, (long)tv.tv_sec, (long)tv.tv_usec);
}

static void cmd_sockopts(const char *ip, const char *port) {
    struct sockaddr_storage ss;
    socklen_t len = (socklen_t)parse_or_die(ip, port, &ss);
    int fd = connect_and_report((struct sockaddr *)&ss, len, 0);
    if (fd < 0) return;
    int_option(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1);
    int_option(fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1);
    int_option(fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", 65536);
    int_option(fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", 65536);
    timeout_option(fd, SO_RCVTIMEO, "SO_RCVTIMEO", 1, 500000);
    timeout_option(fd, SO_SNDTIMEO, "SO_SNDTIMEO", 2, 0);
    int_option(fd, SOL_SOCKET, SO_TYPE, "SO_TYPE", -1);
    int_option(fd, SOL_SOCKET, SO_ERROR, "SO_ERROR", -1);
    int_option(fd, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 1);
    fflush(stdout);
    ws_close(fd);
}

static void cmd_shutdown(const char *ip, const char *port) {
    struct sockaddr_storage ss;
    socklen_t len = (socklen_t)parse_or_die(ip, port, &ss);
    int fd = connect_and_report((struct sockaddr *)&ss, len, 0);
    if (fd < 0) return;
    static const char msg[] = "bye\n";
    if (ws_send(fd, msg, sizeof msg - 1, 0) != (ssize_t)(sizeof msg - 1)) {
        printf("send err %d\n", errno);
        any_error = 1;
    }
    if (ws_shutdown(fd, SHUT_WR) < 0) {
        printf("shutdown err %d\n", errno);
        any_error = 1;
    } else {
        printf("shutdown ok\n");
    }
    fflush(stdout);
    set_recv_timeout(fd, 5);
    char buf[4096];
    size_t got = 0;
    for (;;) {
        ssize_t n = ws_recv(fd, buf + got, sizeof buf - got, 0);
        if (n < 0) {
            printf("recv err %d\n", errno);
            any_error = 1;
            break;
        }
        if (n == 0 || got + (size_t)n == sizeof buf) {
            got += (size_t)n;
            char prefix[64];
            snprintf(prefix, sizeof prefix, "received %zu bytes ", got);
            print_text(prefix, buf, got);
            if (n == 0) printf("eof\n");
            break;
        }
        got += (size_t)n;
    }
    fflush(stdout);
    ws_close(fd);
}

static void usage(void) {
    fprintf(stderr, "usage: netprobe connect IP PORT | connect-name NAME PORT | resolve NAME | resolve-twice NAME |\n"
                    "       bind IP PORT | udp-send IP PORT MSG | listen-echo IP PORT N |\n"
                    "       nonblock-connect IP PORT | sockopts IP PORT | shutdown IP PORT\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 3) usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "connect") == 0 && argc == 4) {
        struct sockaddr_storage ss;
        socklen_t len = (socklen_t)parse_or_die(argv[2], argv[3], &ss);
        int fd = connect_and_report((struct sockaddr *)&ss, len, 1);
        if (fd >= 0) ws_close(fd);
    } else if (strcmp(cmd, "connect-name") == 0 && argc == 4) {
        cmd_connect_name(argv[2], argv[3]);
    } else if (strcmp(cmd, "resolve") == 0 && argc == 3) {
        print_resolved(argv[2]);
    } else if (strcmp(cmd, "resolve-twice") == 0 && argc == 3) {
        char line[256];
        print_resolved(argv[2]);
        printf("waiting\n");
        fflush(stdout);
        if (fgets(line, sizeof line, stdin) == NULL) {
            printf("stdin eof\n");
            any_error = 1;
        }
        print_resolved(argv[2]);
    } else if (strcmp(cmd, "bind") == 0 && argc == 4) {
        cmd_bind(argv[2], argv[3]);
    } else if (strcmp(cmd, "udp-send") == 0 && argc == 5) {
        cmd_udp_send(argv[2], argv[3], argv[4]);
    } else if (strcmp(cmd, "listen-echo") == 0 && argc == 5) {
        cmd_listen_echo(argv[2], argv[3], atol(argv[4]));
    } else if (strcmp(cmd, "nonblock-connect") == 0 && argc == 4) {
        cmd_nonblock_connect(argv[2], argv[3]);
    } else if (strcmp(cmd, "sockopts") == 0 && argc == 4) {
        cmd_sockopts(argv[2], argv[3]);
    } else if (strcmp(cmd, "shutdown") == 0 && argc == 4) {
        cmd_shutdown(argv[2], argv[3]);
    } else {
        usage();
    }
    return any_error ? 1 : 0;
}
