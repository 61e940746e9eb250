/* OVS-style remote names turned into sockets.
 *
 * Connects block (with a timeout) because the callers are tools that have
 * nothing else to do meanwhile; the returned descriptors are nonblocking so
 * that jsonrpc can serve them from an event loop. */
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool stream_is_passive(const char *name)
{
    return name && (has_prefix(name, "punix:") || has_prefix(name, "ptcp:"));
}

/* Fills a sockaddr_un; paths too long for sun_path are refused rather than
 * truncated, since a truncated path would name another socket. */
static int make_unix_addr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof sun->sun_path) {
        return -EINVAL;
    }
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, n + 1);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

static int parse_port(const char *s, int *port)
{
    char *end;
    long v;

    if (!*s || strspn(s, "0123456789") != strlen(s)) {
        return -EINVAL;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 65535) {
        return -EINVAL;
    }
    *port = (int)v;
    return 0;
}

/* Parses a numeric IPv4 or IPv6 address (IPv6 optionally in brackets). */
static int parse_ip(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    char buf[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(s);

    memset(ss, 0, sizeof *ss);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        if (n - 2 >= sizeof buf) {
            return -EINVAL;
        }
        memcpy(buf, s + 1, n - 2);
        buf[n - 2] = '\0';
        s = buf;
    }
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof *sin;
        return 0;
    }
    if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof *sin6;
        return 0;
    }
    return -EINVAL;
}

/* "IP:PORT" with IP possibly "[v6]": splits at the last colon. */
static int parse_tcp_active(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    const char *colon = strrchr(spec, ':');
    char host[INET6_ADDRSTRLEN + 2];
    int port, r;

    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host) {
        return -EINVAL;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (strchr(host, ':') && host[0] != '[') {
        /* A bare IPv6 address is ambiguous with the port separator. */
        return -EINVAL;
    }
    r = parse_port(colon + 1, &port);
    if (r < 0 || port == 0) {
        return -EINVAL;
    }
    return parse_ip(host, port, ss, len);
}

/* "PORT[:IP]": the port comes first, so the IP may be a bare IPv6 address. */
static int parse_tcp_passive(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    const char *colon = strchr(spec, ':');
    char portbuf[8];
    int port;
    size_t plen = colon ? (size_t)(colon - spec) : strlen(spec);

    if (plen == 0 || plen >= sizeof portbuf) {
        return -EINVAL;
    }
    memcpy(portbuf, spec, plen);
    portbuf[plen] = '\0';
    if (parse_port(portbuf, &port) < 0) {
        return -EINVAL;
    }
    return parse_ip(colon ? colon + 1 : "127.0.0.1", port, ss, len);
}

static int set_nonblock_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        return -errno;
    }
    fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
        return -errno;
    }
    return 0;
}

/* Nonblocking connect, then waits for completion with poll(2) so that the
 * timeout also covers a TCP peer that never answers. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
    long long deadline = timeout_ms >= 0 ? evl_now_ms() + timeout_ms : 0;
    int err = 0;
    socklen_t elen = sizeof err;

    if (connect(fd, sa, len) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS && errno != EINTR) {
        /* A unix socket whose backlog is full answers EAGAIN; report it as a
         * refused connection, as a blocking connect would eventually. */
        return errno == EAGAIN ? -ECONNREFUSED : -errno;
    }
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int wait = -1;

        if (timeout_ms >= 0) {
            long long left = deadline - evl_now_ms();

            if (left <= 0) {
                return -ETIMEDOUT;
            }
            wait = (int)left;
        }
        int r = poll(&pfd, 1, wait);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -errno;
        }
        if (r == 0) {
            return -ETIMEDOUT;
        }
        break;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
        return -errno;
    }
    return err ? -err : 0;
}

int stream_connect(const char *name, int timeout_ms)
{
    struct sockaddr_storage ss;
    struct sockaddr_un sun;
    const struct sockaddr *sa;
    socklen_t len;
    int family, fd, r;

    if (!name) {
        return -EINVAL;
    }
    if (has_prefix(name, "unix:")) {
        r = make_unix_addr(name + 5, &sun, &len);
        sa = (const struct sockaddr *)&sun;
        family = AF_UNIX;
    } else if (has_prefix(name, "tcp:")) {
        r = parse_tcp_active(name + 4, &ss, &len);
        sa = (const struct sockaddr *)&ss;
        family = ss.ss_family;
    } else {
        return -EINVAL;
    }
    if (r < 0) {
        return r;
    }
    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    r = connect_timeout(fd, sa, len, timeout_ms);
    if (r < 0) {
        goto out;
    }
    if (family != AF_UNIX) {
        int one = 1;

        /* JSON-RPC is request/response; Nagle would only add latency. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    r = set_nonblock_cloexec(fd);
out:
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

/* Removes "path" only if it is a socket nobody listens on, so that a second
 * server started on the same path fails instead of stealing it. */
static int remove_stale_socket(const char *path, const struct sockaddr_un *sun, socklen_t len)
{
    struct stat st;
    int fd, r;

    if (lstat(path, &st) < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    if (!S_ISSOCK(st.st_mode)) {
        return -EADDRINUSE;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    r = connect(fd, (const struct sockaddr *)sun, len);
    close(fd);
    if (r == 0) {
        return -EADDRINUSE;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        return -errno;
    }
    return 0;
}

int stream_listen(const char *name)
{
    struct sockaddr_storage ss;
    struct sockaddr_un sun;
    const char *path = NULL;
    const struct sockaddr *sa;
    socklen_t len;
    int family, fd, r;

    if (!name) {
        return -EINVAL;
    }
    if (has_prefix(name, "punix:")) {
        path = name + 6;
        r = make_unix_addr(path, &sun, &len);
        if (r == 0) {
            r = remove_stale_socket(path, &sun, len);
        }
        sa = (const struct sockaddr *)&sun;
        family = AF_UNIX;
    } else if (has_prefix(name, "ptcp:")) {
        r = parse_tcp_passive(name + 5, &ss, &len);
        sa = (const struct sockaddr *)&ss;
        family = ss.ss_family;
    } else {
        return -EINVAL;
    }
    if (r < 0) {
        return r;
    }
    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (family != AF_UNIX) {
        int one = 1;

        /* Lets a restarted server bind while old connections sit in
         * TIME_WAIT. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (bind(fd, sa, len) < 0) {
        r = -errno;
        goto out;
    }
    if (path && chmod(path, 0660) < 0) {
        r = -errno;
        unlink(path);
        goto out;
    }
    if (listen(fd, 64) < 0) {
        r = -errno;
        if (path) {
            unlink(path);
        }
        goto out;
    }
    r = 0;
out:
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int stream_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        return -errno;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return -EAFNOSUPPORT;
}
