/* http-get.c: a small HTTP/1.1 client on the wasi_socket.h shim.
 *
 * Usage: http-get HOST PORT PATH
 * Resolves HOST (ws_getaddrinfo), connects to each address in turn until one accepts,
 * sends "GET PATH HTTP/1.1" with Host and Connection: close, reads the response until the
 * server closes, prints the status line to stderr and the body (after the header block,
 * de-chunked if Transfer-Encoding: chunked) to stdout. Exit 0 on a 2xx status, 1
 * otherwise; every failure prints one line naming the errno (strerror).
 *
 * Native:  clang-19 -O2 http-get.c -o http-get
 * wasm:    clang-19 --target=wasm32-wasi --sysroot=/usr -O2 http-get.c -o http-get.wasm
 *          aotc http-get.wasm -o http-get --connect 127.0.0.1:8000   (flags: see README)
 * Try:     python3 -m http.server 8000 --bind 127.0.0.1 & ./http-get localhost 8000 /
 */
#include "wasi_socket.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(const char *what, int err) {
    fprintf(stderr, "http-get: %s: %s (errno %d)\n", what, strerror(err), err);
    return 1;
}

/* Appends to a growing buffer; returns 0 or ENOMEM. */
static int append(char **buf, size_t *len, size_t *cap, const char *data, size_t n) {
    if (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap * 2 : 65536;
        while (want < *len + n + 1) want *= 2;
        char *grown = realloc(*buf, want);
        if (grown == NULL) return ENOMEM;
        *buf = grown;
        *cap = want;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* Connects to the first address of HOST:PORT that accepts; returns the fd or -1 with
 * *err set (the last connect error, or the resolver's code). */
static int connect_host(const char *host, const char *port, int *err, int *gai_code) {
    struct addrinfo hints, *list, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    *gai_code = ws_getaddrinfo(host, port, &hints, &list);
    if (*gai_code != 0) return -1;
    int fd = -1;
    *err = ECONNREFUSED;
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        char shown[80];
        fd = ws_socket(ai->ai_family, SOCK_STREAM);
        if (fd < 0) { *err = errno; continue; }
        if (ws_connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        *err = errno;
        fprintf(stderr, "http-get: connect %s: %s\n", ws_format_addr(ai->ai_addr, shown, sizeof shown), strerror(*err));
        ws_close(fd);
        fd = -1;
    }
    ws_freeaddrinfo(list);
    return fd;
}

/* Decodes a chunked body in place; returns its length, or -1 if malformed. */
static long dechunk(char *body, size_t len) {
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        unsigned long size = strtoul(body + in, &end, 16);
        if (end == body + in) return -1;
        char *line_end = strstr(end, "\r\n");
        if (line_end == NULL) return -1;
        in = (size_t)(line_end - body) + 2;
        if (size == 0) return (long)out;
        if (in + size > len) return -1;
        memmove(body + out, body + in, size);
        out += size;
        in += size;
        if (in + 2 > len || body[in] != '\r' || body[in + 1] != '\n') return -1;
        in += 2;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: http-get HOST PORT PATH\n");
        return 2;
    }
    const char *host = argv[1], *port = argv[2], *path = argv[3];
    int err = 0, gai_code = 0;
    int fd = connect_host(host, port, &err, &gai_code);
    if (fd < 0) {
        if (gai_code != 0) {
            fprintf(stderr, "http-get: resolve %s: %s (code %d)\n", host, ws_gai_strerror(gai_code), gai_code);
            return 1;
        }
        return fail("connect", err);
    }

    char request[2048];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: aotc-http-get\r\nAccept: */*\r\n"
                     "Connection: close\r\n\r\n",
                     path, host, port);
    if (n < 0 || (size_t)n >= sizeof request) {
        fprintf(stderr, "http-get: request too long\n");
        return 1;
    }
    for (int sent = 0; sent < n;) {
        ssize_t w = ws_send(fd, request + sent, (size_t)(n - sent), 0);
        if (w < 0) {
            if (errno == EINTR) continue;
            return fail("send", errno);
        }
        sent += (int)w;
    }

    static char chunk[16384]; /* static: keep wasm32's 64 KiB stack for the callees */
    char *resp = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        ssize_t r = ws_recv(fd, chunk, sizeof chunk, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return fail("recv", errno);
        }
        if (r == 0) break;
        if (append(&resp, &len, &cap, chunk, (size_t)r) != 0) return fail("read response", ENOMEM);
    }
    ws_close(fd);
    if (resp == NULL) {
        fprintf(stderr, "http-get: empty response\n");
        return 1;
    }

    char *header_end = strstr(resp, "\r\n\r\n");
    char *status_end = strstr(resp, "\r\n");
    int status = 0;
    if (header_end == NULL || status_end == NULL || sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1) {
        fprintf(stderr, "http-get: malformed response (%zu bytes)\n", len);
        return 1;
    }
    fprintf(stderr, "%.*s\n", (int)(status_end - resp), resp);

    char *body = header_end + 4;
    size_t body_len = len - (size_t)(body - resp);
    /* Header names are case-insensitive; look for chunked transfer encoding. */
    int chunked = 0;
    for (char *line = status_end + 2; line < header_end;) {
        char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
            for (char *p = line + 18; p + 7 <= eol; p++)
                if (strncasecmp(p, "chunked", 7) == 0) chunked = 1;
        }
        line = eol + 2;
    }
    if (chunked) {
        long decoded = dechunk(body, body_len);
        if (decoded < 0) {
            fprintf(stderr, "http-get: malformed chunked body\n");
            return 1;
        }
        body_len = (size_t)decoded;
    }
    fwrite(body, 1, body_len, stdout);
    fflush(stdout);
    free(resp);
    if (status < 200 || status > 299) {
        fprintf(stderr, "http-get: HTTP status %d\n", status);
        return 1;
    }
    return 0;
}
