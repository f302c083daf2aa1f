/* wasi_socket.h: header-only BSD-socket shim for C guests.
 *
 * Job: give one C source TCP/UDP sockets and name resolution both when built natively
 * (plain POSIX calls) and when built with clang --target=wasm32-wasi, where it calls
 * WasmEdge's WASI socket extension (module "wasi_snapshot_preview1"), the ABI aotc
 * implements (see /work/notes/wasmedge-socket-abi.md, sections 0-5).
 *
 * Every function is `static inline` and carries a `ws_` prefix so nothing clashes with
 * wasi-libc's own declarations; a wasm guest imports only the extension functions it
 * actually calls. Conventions, the same on both builds:
 *   - calls return -1 (or NULL) and set errno on failure. On wasm the errno value is the
 *     WASI errno the host returned; wasi-libc's E* constants have the same numbers.
 *   - ws_getaddrinfo returns 0 or a nonzero code (see its comment), as getaddrinfo does.
 *
 * Imports used on wasm, with their exact types (all i32):
 *   sock_open(af, socktype, fd_out*)                                        V1
 *   sock_bind / sock_connect(fd, addr_desc*, port_host_order)               V1
 *   sock_listen(fd, backlog)
 *   sock_accept(fd, fdflags, fd_out*)        3 params: the preview1 type (WasmEdge V2)
 *   sock_recv_from(fd, iovs, iovs_len, addr_desc*, riflags, port_out*(u16 value),
 *                  datalen_out*, roflags_out*)     8 params: WasmEdge V2 (aotc writes the
 *                  port as its value; WasmEdge writes it in network byte order)
 *   sock_send_to(fd, ciovs, ciovs_len, addr_desc*, port_host_order, siflags, len_out*)
 *   sock_getlocaladdr / sock_getpeeraddr(fd, addr_desc*, type_out* (4|6), port_out*)  V1
 *   sock_getsockopt(fd, level, name, optval*, optlen_inout*)
 *   sock_setsockopt(fd, level, name, optval*, optlen)
 *   sock_getaddrinfo(node*, node_len, service*, service_len, hints*, res_pp*,
 *                    max_res_len, res_len_out*)
 * plus, through wasi-libc: sock_send/sock_recv (send/recv), sock_shutdown (shutdown),
 * fd_close (close), fd_fdstat_get/set_flags (fcntl), poll_oneoff (poll).
 * An addr_desc is the 8-byte {u32 buf, u32 buf_len} descriptor; buf points at a raw
 * 4-byte IPv4 or 16-byte IPv6 address (network order), or at the 128-byte V2 storage
 * {u16 LE family (1=INET4, 2=INET6), address from offset 2} for recv_from.
 *
 * Limits on wasm:
 *   - IPv6 scope ids and flow labels are not passed to bind/connect/send_to (the V1
 *     descriptor carries only the 16 address bytes).
 *   - Socket options: level SOL_SOCKET, names mapped to WasmEdge's numbers, and
 *     IPPROTO_TCP/TCP_NODELAY, passed as level 6 option 1 (an aotc addition; WasmEdge
 *     answers EINVAL). Other IPPROTO_TCP options: -1 / ENOPROTOOPT.
 *   - ws_getaddrinfo returns at most WS_GAI_MAX (16) results.
 *   - wasi-libc has no <netdb.h>: this header then defines struct addrinfo and AI_* with
 *     WasmEdge's aiflags bit values.
 */
#ifndef WASI_SOCKET_H
#define WASI_SOCKET_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#ifndef __wasi__
/* ------------------------------------------------------------------ native POSIX */
#include <netdb.h>

static inline int ws_socket(int domain, int type) { return socket(domain, type, 0); }
static inline int ws_bind(int fd, const struct sockaddr *sa, socklen_t len) { return bind(fd, sa, len); }
static inline int ws_connect(int fd, const struct sockaddr *sa, socklen_t len) { return connect(fd, sa, len); }
static inline int ws_listen(int fd, int backlog) { return listen(fd, backlog); }
static inline int ws_accept(int fd, struct sockaddr *sa, socklen_t *len) { return accept(fd, sa, len); }
static inline ssize_t ws_send(int fd, const void *buf, size_t len, int flags) {
    return send(fd, buf, len, flags | MSG_NOSIGNAL);
}
static inline ssize_t ws_recv(int fd, void *buf, size_t len, int flags) { return recv(fd, buf, len, flags); }
static inline ssize_t ws_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
                                socklen_t salen) {
    return sendto(fd, buf, len, flags | MSG_NOSIGNAL, sa, salen);
}
static inline ssize_t ws_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *salen) {
    return recvfrom(fd, buf, len, flags, sa, salen);
}
static inline int ws_setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
    return setsockopt(fd, level, name, val, len);
}
static inline int ws_getsockopt(int fd, int level, int name, void *val, socklen_t *len) {
    return getsockopt(fd, level, name, val, len);
}
static inline int ws_getsockname(int fd, struct sockaddr *sa, socklen_t *len) { return getsockname(fd, sa, len); }
static inline int ws_getpeername(int fd, struct sockaddr *sa, socklen_t *len) { return getpeername(fd, sa, len); }
static inline int ws_shutdown(int fd, int how) { return shutdown(fd, how); }
/* Returns 0 or getaddrinfo's EAI_* code (negative on glibc; EAI_SYSTEM leaves errno). */
static inline int ws_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                                 struct addrinfo **res) {
    return getaddrinfo(node, service, hints, res);
}
static inline void ws_freeaddrinfo(struct addrinfo *ai) { freeaddrinfo(ai); }
static inline const char *ws_gai_strerror(int code) { return gai_strerror(code); }

#else
/* ------------------------------------------------------------------ wasm32-wasi */
#include <poll.h>

#define WS_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

WS_IMPORT("sock_open") int32_t ws__sock_open(int32_t af, int32_t socktype, int32_t *fd_out);
WS_IMPORT("sock_bind") int32_t ws__sock_bind(int32_t fd, const void *addr_desc, int32_t port);
WS_IMPORT("sock_connect") int32_t ws__sock_connect(int32_t fd, const void *addr_desc, int32_t port);
WS_IMPORT("sock_listen") int32_t ws__sock_listen(int32_t fd, int32_t backlog);
WS_IMPORT("sock_accept") int32_t ws__sock_accept(int32_t fd, int32_t fdflags, int32_t *fd_out);
WS_IMPORT("sock_recv_from")
int32_t ws__sock_recv_from(int32_t fd, const void *iovs, int32_t iovs_len, void *addr_desc, int32_t riflags,
                           uint16_t *port_out, uint32_t *datalen_out, uint16_t *roflags_out);
WS_IMPORT("sock_send_to")
int32_t ws__sock_send_to(int32_t fd, const void *ciovs, int32_t ciovs_len, const void *addr_desc, int32_t port,
                         int32_t siflags, uint32_t *datalen_out);
WS_IMPORT("sock_getlocaladdr")
int32_t ws__sock_getlocaladdr(int32_t fd, void *addr_desc, uint32_t *type_out, uint32_t *port_out);
WS_IMPORT("sock_getpeeraddr")
int32_t ws__sock_getpeeraddr(int32_t fd, void *addr_desc, uint32_t *type_out, uint32_t *port_out);
WS_IMPORT("sock_getsockopt")
int32_t ws__sock_getsockopt(int32_t fd, int32_t level, int32_t name, void *optval, uint32_t *optlen_inout);
WS_IMPORT("sock_setsockopt")
int32_t ws__sock_setsockopt(int32_t fd, int32_t level, int32_t name, const void *optval, int32_t optlen);
WS_IMPORT("sock_getaddrinfo")
int32_t ws__sock_getaddrinfo(const char *node, int32_t node_len, const char *service, int32_t service_len,
                             const void *hints, uint32_t *res_pp, int32_t max_res_len, uint32_t *res_len_out);

/* WasmEdge enumerations (ABI section 2). */
enum { WS_AF_INET4 = 1, WS_AF_INET6 = 2 };
enum { WS_SOCK_DGRAM = 1, WS_SOCK_STREAM = 2 };
enum { WS_PROTO_IP = 0, WS_PROTO_TCP = 1, WS_PROTO_UDP = 2 };
enum { WS_SOL_SOCKET = 0 };
enum {
    WS_SO_REUSEADDR = 0, WS_SO_TYPE = 1, WS_SO_ERROR = 2, WS_SO_DONTROUTE = 3, WS_SO_BROADCAST = 4,
    WS_SO_SNDBUF = 5, WS_SO_RCVBUF = 6, WS_SO_KEEPALIVE = 7, WS_SO_OOBINLINE = 8, WS_SO_LINGER = 9,
    WS_SO_RCVLOWAT = 10, WS_SO_RCVTIMEO = 11, WS_SO_SNDTIMEO = 12, WS_SO_ACCEPTCONN = 13,
    WS_SO_BINDTODEVICE = 14
};
#define WS_FDFLAG_NONBLOCK 4

/* wasi-libc defines SOL_SOCKET and SO_TYPE only; the rest get Linux's numbers so code
 * written for POSIX compiles unchanged. ws_[gs]etsockopt maps them to WasmEdge's. */
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#endif
#ifndef SO_TYPE
#define SO_TYPE 3
#endif
#ifndef SO_ERROR
#define SO_ERROR 4
#endif
#ifndef SO_DONTROUTE
#define SO_DONTROUTE 5
#endif
#ifndef SO_BROADCAST
#define SO_BROADCAST 6
#endif
#ifndef SO_SNDBUF
#define SO_SNDBUF 7
#endif
#ifndef SO_RCVBUF
#define SO_RCVBUF 8
#endif
#ifndef SO_KEEPALIVE
#define SO_KEEPALIVE 9
#endif
#ifndef SO_OOBINLINE
#define SO_OOBINLINE 10
#endif
#ifndef SO_LINGER
#define SO_LINGER 13
#endif
#ifndef SO_RCVLOWAT
#define SO_RCVLOWAT 18
#endif
#ifndef SO_RCVTIMEO
#define SO_RCVTIMEO 20
#endif
#ifndef SO_SNDTIMEO
#define SO_SNDTIMEO 21
#endif
#ifndef SO_BINDTODEVICE
#define SO_BINDTODEVICE 25
#endif
#ifndef SO_ACCEPTCONN
#define SO_ACCEPTCONN 30
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* the host already sends with MSG_NOSIGNAL */
#endif

/* wasi-libc (this sysroot) has no <netdb.h>; a __has_include test would find the host's
 * glibc header through --sysroot=/usr, so the struct is always defined here. */
struct addrinfo {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    socklen_t ai_addrlen;
    struct sockaddr *ai_addr;
    char *ai_canonname;
    struct addrinfo *ai_next;
};
/* WasmEdge's aiflags bits, so the mapping below is the identity. */
#define AI_PASSIVE 0x01
#define AI_CANONNAME 0x02
#define AI_NUMERICHOST 0x04
#define AI_NUMERICSERV 0x08
#define AI_V4MAPPED 0x10
#define AI_ALL 0x20
#define AI_ADDRCONFIG 0x40

/* Guest-side layouts the host reads and writes (ABI section 3). */
typedef struct { uint32_t buf, buf_len; } ws_addr_desc;
typedef struct { uint32_t buf, buf_len; } ws_iovec;
typedef struct {
    uint8_t sa_family;
    uint8_t pad[3];
    uint32_t sa_data_len;
    uint32_t sa_data;
} ws_wasi_sockaddr;
typedef struct {
    uint16_t ai_flags;
    uint8_t ai_family, ai_socktype, ai_protocol;
    uint8_t pad[3];
    uint32_t ai_addrlen, ai_addr, ai_canonname, ai_canonname_len, ai_next;
} ws_wasi_addrinfo;
_Static_assert(sizeof(ws_addr_desc) == 8, "address descriptor is 8 bytes");
_Static_assert(sizeof(ws_wasi_sockaddr) == 12, "__wasi_sockaddr_t is 12 bytes");
_Static_assert(sizeof(ws_wasi_addrinfo) == 28, "__wasi_addrinfo_t is 28 bytes");
_Static_assert(offsetof(ws_wasi_addrinfo, ai_next) == 24, "ai_next at offset 24");
_Static_assert(sizeof(struct timeval) == 16, "SO_*TIMEO passes the host's 16-byte timeval");

#define WS_GAI_MAX 16
#define WS_SA_DATA_LEN 26  /* the host copies 14 or 26 bytes whatever the capacity says */
#define WS_CANONNAME_LEN 256 /* the host copies strlen+1 unchecked; DNS names are <= 254 */

/* Sets errno from a WASI errno; returns -1 on failure, 0 on success. */
static inline int ws__result(int32_t wasi_errno) {
    if (wasi_errno == 0) return 0;
    errno = wasi_errno;
    return -1;
}

/* Fills `desc` for a sockaddr_in/in6 and returns the host-order port, or -1/EAFNOSUPPORT
 * or -1/EINVAL for an unsupported family or a short length. */
static inline int ws__describe(const struct sockaddr *sa, socklen_t len, ws_addr_desc *desc) {
    if (sa == NULL) { errno = EFAULT; return -1; }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        if (len < sizeof *in4) { errno = EINVAL; return -1; }
        desc->buf = (uint32_t)(uintptr_t)&in4->sin_addr;
        desc->buf_len = 4;
        return ntohs(in4->sin_port);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (len < sizeof *in6) { errno = EINVAL; return -1; }
        desc->buf = (uint32_t)(uintptr_t)&in6->sin6_addr;
        desc->buf_len = 16;
        return ntohs(in6->sin6_port);
    }
    errno = EAFNOSUPPORT;
    return -1;
}

/* Writes an IPv4/IPv6 sockaddr (port already in network order) into sa, truncated to
 * *len as POSIX does; *len gets the full size. */
static inline void ws__store(int is_v6, const uint8_t *ip, uint16_t port_be, struct sockaddr *sa, socklen_t *len) {
    struct sockaddr_storage full;
    socklen_t full_len;
    memset(&full, 0, sizeof full);
    if (is_v6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&full;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = port_be;
        memcpy(&in6->sin6_addr, ip, 16);
        full_len = sizeof *in6;
    } else {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&full;
        in4->sin_family = AF_INET;
        in4->sin_port = port_be;
        memcpy(&in4->sin_addr, ip, 4);
        full_len = sizeof *in4;
    }
    if (sa != NULL && len != NULL) memcpy(sa, &full, *len < full_len ? *len : full_len);
    if (len != NULL) *len = full_len;
}

static inline int ws_set_nonblocking(int fd, int on);

/* type may carry SOCK_NONBLOCK; the protocol is always the default one (ABI 4.1). */
static inline int ws_socket(int domain, int type) {
    int32_t af, kind, fd = -1;
    int nonblock = (type & SOCK_NONBLOCK) != 0;
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain == AF_INET) af = WS_AF_INET4;
    else if (domain == AF_INET6) af = WS_AF_INET6;
    else { errno = EAFNOSUPPORT; return -1; }
    if (type == SOCK_STREAM) kind = WS_SOCK_STREAM;
    else if (type == SOCK_DGRAM) kind = WS_SOCK_DGRAM;
    else { errno = EPROTOTYPE; return -1; }
    if (ws__result(ws__sock_open(af, kind, &fd)) < 0) return -1;
    if (nonblock && ws_set_nonblocking(fd, 1) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static inline int ws_bind(int fd, const struct sockaddr *sa, socklen_t len) {
    ws_addr_desc desc;
    int port = ws__describe(sa, len, &desc);
    if (port < 0) return -1;
    return ws__result(ws__sock_bind(fd, &desc, port));
}

static inline int ws_connect(int fd, const struct sockaddr *sa, socklen_t len) {
    ws_addr_desc desc;
    int port = ws__describe(sa, len, &desc);
    if (port < 0) return -1;
    return ws__result(ws__sock_connect(fd, &desc, port));
}

static inline int ws_listen(int fd, int backlog) { return ws__result(ws__sock_listen(fd, backlog)); }

static inline int ws_getpeername(int fd, struct sockaddr *sa, socklen_t *len);

/* The accepted socket is blocking (Linux does not inherit O_NONBLOCK); the peer address,
 * if asked for, comes from sock_getpeeraddr since sock_accept returns none. */
static inline int ws_accept(int fd, struct sockaddr *sa, socklen_t *len) {
    int32_t newfd = -1;
    if (ws__result(ws__sock_accept(fd, 0, &newfd)) < 0) return -1;
    if (sa != NULL && len != NULL && ws_getpeername(newfd, sa, len) < 0) {
        int saved = errno;
        close(newfd);
        errno = saved;
        return -1;
    }
    return newfd;
}

static inline ssize_t ws_send(int fd, const void *buf, size_t len, int flags) {
    return send(fd, buf, len, flags & ~MSG_NOSIGNAL);
}
static inline ssize_t ws_recv(int fd, void *buf, size_t len, int flags) { return recv(fd, buf, len, flags); }

static inline ssize_t ws_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
                                socklen_t salen) {
    ws_addr_desc desc;
    ws_iovec iov = {(uint32_t)(uintptr_t)buf, (uint32_t)len};
    uint32_t sent = 0;
    int port;
    if (sa == NULL) return ws_send(fd, buf, len, flags);
    if ((flags & ~MSG_NOSIGNAL) != 0) { errno = EOPNOTSUPP; return -1; } /* siflags has no bits */
    port = ws__describe(sa, salen, &desc);
    if (port < 0) return -1;
    if (ws__result(ws__sock_send_to(fd, &iov, 1, &desc, port, 0, &sent)) < 0) return -1;
    return (ssize_t)sent;
}

/* Uses the V2 (8-parameter) recv_from with the 128-byte storage, so the family is known;
 * the port comes back as its value (aotc). */
static inline ssize_t ws_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *salen) {
    _Alignas(4) uint8_t storage[128];
    ws_addr_desc desc = {(uint32_t)(uintptr_t)storage, sizeof storage};
    ws_iovec iov = {(uint32_t)(uintptr_t)buf, (uint32_t)len};
    uint16_t port = 0, roflags = 0;
    uint32_t got = 0;
    uint16_t family;
    int riflags = 0;
    if (flags & MSG_PEEK) riflags |= 1;
    if (flags & MSG_WAITALL) riflags |= 2;
    if ((flags & ~(MSG_PEEK | MSG_WAITALL)) != 0) { errno = EOPNOTSUPP; return -1; }
    memset(storage, 0, sizeof storage);
    if (ws__result(ws__sock_recv_from(fd, &iov, 1, &desc, riflags, &port, &got, &roflags)) < 0) return -1;
    if (sa != NULL || salen != NULL) {
        family = (uint16_t)(storage[0] | (storage[1] << 8));
        if (family == WS_AF_INET4 || family == WS_AF_INET6) {
            ws__store(family == WS_AF_INET6, storage + 2, htons(port), sa, salen);
        } else if (salen != NULL) {
            *salen = 0; /* a peer the ABI cannot name */
        }
    }
    return (ssize_t)got;
}

static inline int ws__name_or_peer(int fd, struct sockaddr *sa, socklen_t *len, int peer) {
    _Alignas(4) uint8_t ip[16];
    ws_addr_desc desc = {(uint32_t)(uintptr_t)ip, sizeof ip};
    uint32_t type = 0, port = 0;
    int32_t rc;
    memset(ip, 0, sizeof ip);
    rc = peer ? ws__sock_getpeeraddr(fd, &desc, &type, &port) : ws__sock_getlocaladdr(fd, &desc, &type, &port);
    if (ws__result(rc) < 0) return -1;
    /* V1 reports 4/6; the Rust crate also accepts the enum values 1/2, and so do we. */
    if (type == 4 || type == WS_AF_INET4) ws__store(0, ip, htons((uint16_t)port), sa, len);
    else if (type == 6 || type == WS_AF_INET6) ws__store(1, ip, htons((uint16_t)port), sa, len);
    else { errno = EAFNOSUPPORT; return -1; }
    return 0;
}
static inline int ws_getsockname(int fd, struct sockaddr *sa, socklen_t *len) {
    return ws__name_or_peer(fd, sa, len, 0);
}
static inline int ws_getpeername(int fd, struct sockaddr *sa, socklen_t *len) {
    return ws__name_or_peer(fd, sa, len, 1);
}

static inline int ws_shutdown(int fd, int how) { return shutdown(fd, how); }

/* Maps a POSIX SOL_SOCKET option name to WasmEdge's number, or -1. */
static inline int ws__so_name(int name) {
    switch (name) {
    case SO_REUSEADDR: return WS_SO_REUSEADDR;
    case SO_TYPE: return WS_SO_TYPE;
    case SO_ERROR: return WS_SO_ERROR;
    case SO_DONTROUTE: return WS_SO_DONTROUTE;
    case SO_BROADCAST: return WS_SO_BROADCAST;
    case SO_SNDBUF: return WS_SO_SNDBUF;
    case SO_RCVBUF: return WS_SO_RCVBUF;
    case SO_KEEPALIVE: return WS_SO_KEEPALIVE;
    case SO_OOBINLINE: return WS_SO_OOBINLINE;
    case SO_LINGER: return WS_SO_LINGER;
    case SO_RCVLOWAT: return WS_SO_RCVLOWAT;
    case SO_RCVTIMEO: return WS_SO_RCVTIMEO;
    case SO_SNDTIMEO: return WS_SO_SNDTIMEO;
    case SO_ACCEPTCONN: return WS_SO_ACCEPTCONN;
    case SO_BINDTODEVICE: return WS_SO_BINDTODEVICE;
    default: return -1;
    }
}

/* SOL_SOCKET options by WasmEdge's numbers; IPPROTO_TCP/TCP_NODELAY is aotc's level 6
 * option 1 (WasmEdge would answer EINVAL); other options give -1/ENOPROTOOPT without a
 * host call. Returns the option number and sets *wire_level. */
#define WS_LEVEL_TCP 6
#define WS_TCP_NODELAY 1
static inline int ws__so_check(int level, int name, int *wire_level) {
    int mapped;
    *wire_level = WS_SOL_SOCKET;
    if (level == IPPROTO_TCP && name == TCP_NODELAY) { *wire_level = WS_LEVEL_TCP; return WS_TCP_NODELAY; }
    if (level != SOL_SOCKET) { errno = ENOPROTOOPT; return -1; }
    mapped = ws__so_name(name);
    if (mapped < 0) errno = ENOPROTOOPT;
    return mapped;
}

static inline int ws_setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
    int wire_level;
    int mapped = ws__so_check(level, name, &wire_level);
    if (mapped < 0) return -1;
    return ws__result(ws__sock_setsockopt(fd, wire_level, mapped, val, (int32_t)len));
}

/* SO_ERROR comes back as a WASI errno (= wasi-libc errno); SO_TYPE as WasmEdge's
 * sock_type, turned back into SOCK_STREAM/SOCK_DGRAM here. */
static inline int ws_getsockopt(int fd, int level, int name, void *val, socklen_t *len) {
    uint32_t optlen;
    int wire_level;
    int mapped = ws__so_check(level, name, &wire_level);
    if (mapped < 0) return -1;
    if (len == NULL) { errno = EFAULT; return -1; }
    optlen = *len;
    if (ws__result(ws__sock_getsockopt(fd, wire_level, mapped, val, &optlen)) < 0) return -1;
    *len = optlen;
    if (wire_level == WS_SOL_SOCKET && mapped == WS_SO_TYPE && optlen >= sizeof(int)) {
        int *kind = (int *)val;
        *kind = *kind == WS_SOCK_DGRAM ? SOCK_DGRAM : *kind == WS_SOCK_STREAM ? SOCK_STREAM : *kind;
    }
    return 0;
}

static inline void ws_freeaddrinfo(struct addrinfo *ai) {
    while (ai != NULL) {
        struct addrinfo *next = ai->ai_next;
        free(ai); /* each node holds its sockaddr and canonical name in one allocation */
        ai = next;
    }
}

static inline int ws__map_ai_flags(int flags) {
    int out = 0;
    if (flags & AI_PASSIVE) out |= 0x01;
    if (flags & AI_CANONNAME) out |= 0x02;
    if (flags & AI_NUMERICHOST) out |= 0x04;
    if (flags & AI_NUMERICSERV) out |= 0x08;
    if (flags & AI_V4MAPPED) out |= 0x10;
    if (flags & AI_ALL) out |= 0x20;
    if (flags & AI_ADDRCONFIG) out |= 0x40;
    return out;
}

/* Resolves through sock_getaddrinfo into a normal malloc'd addrinfo list (free it with
 * ws_freeaddrinfo). Returns 0, or the nonzero WASI errno the host returned (77-87 for
 * the EAI_* family, e.g. 84 = no such name; or a plain errno such as a refusal), and sets
 * errno to the same value. EAI_MEMORY-like failures of the guest itself return ENOMEM. */
static inline int ws_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                                 struct addrinfo **res) {
    ws_wasi_addrinfo *raw;
    ws_wasi_sockaddr *raw_sa;
    uint8_t *sa_data;
    char *canon;
    ws_wasi_addrinfo wasi_hints;
    uint32_t first, count = 0;
    struct addrinfo *head = NULL, **tail = &head;
    int32_t rc;
    uint32_t i;
    size_t block = WS_GAI_MAX * (sizeof *raw + sizeof *raw_sa + WS_SA_DATA_LEN + WS_CANONNAME_LEN);

    *res = NULL;
    memset(&wasi_hints, 0, sizeof wasi_hints);
    if (hints != NULL) {
        wasi_hints.ai_flags = (uint16_t)ws__map_ai_flags(hints->ai_flags);
        wasi_hints.ai_family = hints->ai_family == AF_INET ? WS_AF_INET4 : hints->ai_family == AF_INET6 ? WS_AF_INET6 : 0;
        wasi_hints.ai_socktype =
            hints->ai_socktype == SOCK_STREAM ? WS_SOCK_STREAM : hints->ai_socktype == SOCK_DGRAM ? WS_SOCK_DGRAM : 0;
        wasi_hints.ai_protocol =
            hints->ai_protocol == IPPROTO_TCP ? WS_PROTO_TCP : hints->ai_protocol == IPPROTO_UDP ? WS_PROTO_UDP : 0;
    }
    raw = (ws_wasi_addrinfo *)calloc(1, block);
    if (raw == NULL) { errno = ENOMEM; return ENOMEM; }
    raw_sa = (ws_wasi_sockaddr *)(raw + WS_GAI_MAX);
    sa_data = (uint8_t *)(raw_sa + WS_GAI_MAX);
    canon = (char *)(sa_data + WS_GAI_MAX * WS_SA_DATA_LEN);
    for (i = 0; i < WS_GAI_MAX; i++) { /* the host walks exactly max_res_len pre-linked records */
        raw_sa[i].sa_data = (uint32_t)(uintptr_t)(sa_data + i * WS_SA_DATA_LEN);
        raw_sa[i].sa_data_len = WS_SA_DATA_LEN;
        raw[i].ai_addr = (uint32_t)(uintptr_t)&raw_sa[i];
        raw[i].ai_canonname = (uint32_t)(uintptr_t)(canon + i * WS_CANONNAME_LEN);
        raw[i].ai_canonname_len = WS_CANONNAME_LEN;
        raw[i].ai_next = i + 1 < WS_GAI_MAX ? (uint32_t)(uintptr_t)&raw[i + 1] : 0;
    }
    first = (uint32_t)(uintptr_t)raw;
    /* Strings go with their NUL counted, as the Rust crate sends them; NULL is length 0. */
    rc = ws__sock_getaddrinfo(node, node ? (int32_t)strlen(node) + 1 : 0, service,
                              service ? (int32_t)strlen(service) + 1 : 0, &wasi_hints, &first, WS_GAI_MAX, &count);
    if (rc != 0) {
        free(raw);
        errno = rc;
        return rc;
    }
    if (count > WS_GAI_MAX) count = WS_GAI_MAX;
    for (i = 0; i < count; i++) { /* use the count: records after it are still linked */
        const ws_wasi_addrinfo *r = &raw[i];
        const uint8_t *data = sa_data + i * WS_SA_DATA_LEN;
        const char *name = canon + i * WS_CANONNAME_LEN;
        size_t name_len = r->ai_canonname_len > 0 ? strnlen(name, WS_CANONNAME_LEN - 1) : 0;
        int is_v6 = raw_sa[i].sa_family == WS_AF_INET6;
        size_t sa_len = is_v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        struct addrinfo *ai;
        if (raw_sa[i].sa_family != WS_AF_INET4 && !is_v6) continue; /* not representable */
        ai = (struct addrinfo *)calloc(1, sizeof *ai + sa_len + (name_len ? name_len + 1 : 0));
        if (ai == NULL) {
            ws_freeaddrinfo(head);
            free(raw);
            errno = ENOMEM;
            return ENOMEM;
        }
        ai->ai_flags = hints ? hints->ai_flags : 0;
        ai->ai_family = is_v6 ? AF_INET6 : AF_INET;
        ai->ai_socktype = r->ai_socktype == WS_SOCK_STREAM ? SOCK_STREAM : r->ai_socktype == WS_SOCK_DGRAM ? SOCK_DGRAM : 0;
        ai->ai_protocol = r->ai_protocol == WS_PROTO_TCP ? IPPROTO_TCP : r->ai_protocol == WS_PROTO_UDP ? IPPROTO_UDP : 0;
        ai->ai_addrlen = (socklen_t)sa_len;
        ai->ai_addr = (struct sockaddr *)(ai + 1);
        if (is_v6) { /* sa_data: port BE, flowinfo, address, scope id (sockaddr_in6 from sin6_port on) */
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ai->ai_addr;
            in6->sin6_family = AF_INET6;
            memcpy(&in6->sin6_port, data, 2);
            memcpy(&in6->sin6_flowinfo, data + 2, 4);
            memcpy(&in6->sin6_addr, data + 6, 16);
            memcpy(&in6->sin6_scope_id, data + 22, 4);
        } else { /* sa_data: port BE, IPv4 address */
            struct sockaddr_in *in4 = (struct sockaddr_in *)ai->ai_addr;
            in4->sin_family = AF_INET;
            memcpy(&in4->sin_port, data, 2);
            memcpy(&in4->sin_addr, data + 2, 4);
        }
        if (name_len) {
            ai->ai_canonname = (char *)ai->ai_addr + sa_len;
            memcpy(ai->ai_canonname, name, name_len);
        }
        *tail = ai;
        tail = &ai->ai_next;
    }
    free(raw);
    if (head == NULL) { errno = 84; return 84; } /* AINONAME: nothing usable came back */
    *res = head;
    return 0;
}

static inline const char *ws_gai_strerror(int code) {
    static const char *const eai[] = {"address family for name not supported", "temporary failure in name resolution",
                                      "bad flags", "non-recoverable failure in name resolution",
                                      "address family not supported", "memory allocation failure",
                                      "no address associated with name", "name does not resolve",
                                      "service not supported", "socket type not supported", "system error"};
    if (code >= 77 && code <= 87) return eai[code - 77];
    return strerror(code);
}
#endif /* __wasi__ */

/* fcntl works on both: on wasm it is fd_fdstat_get + fd_fdstat_set_flags (ABI 5.1). */
static inline int ws_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags);
}

static inline int ws_close(int fd) { return close(fd); }

/* Formats "IP:PORT" ("[IP6]:PORT" for IPv6) for logs; buf of 64 bytes is enough. */
static inline const char *ws_format_addr(const struct sockaddr *sa, char *buf, size_t size) {
    char ip[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip);
        snprintf(buf, size, "%s:%u", ip, (unsigned)ntohs(in4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(buf, size, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
    } else {
        snprintf(buf, size, "<family %d>", (int)sa->sa_family);
    }
    return buf;
}

/* Parses a numeric IPv4/IPv6 address and port into ss; returns its length or 0. */
static inline socklen_t ws_parse_addr(const char *ip, int port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    if (port < 0 || port > 65535) return 0;
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return sizeof *in4;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return sizeof *in6;
    }
    return 0;
}

#endif /* WASI_SOCKET_H */
