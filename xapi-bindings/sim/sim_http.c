/* HTTP transport of xvs-xapi-sim on libmicrohttpd; see sim_http.h. */
#include "sim_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "sbuf.h"
#include "sim_api.h"

/* Seconds an idle client connection is kept. */
#define SIM_HTTP_IDLE_TIMEOUT 60
/* Connections served at once per listener. */
#define SIM_HTTP_MAX_CONNECTIONS 512

struct sim_listener {
    int fd; /* -1 when not used. */
    enum sim_origin origin;
    struct MHD_Daemon *daemon;
    struct sim_http *owner;
};

struct sim_http {
    char *unix_path;
    struct sim_listener unix_l;
    struct sim_listener tcp_l;
    struct sockaddr_storage tcp_addr;
    bool has_tcp;
    struct sim_api *api;
    int unix_fd; /* The unix listening socket, also after MHD took it. */
};

/* Per-request state, kept in MHD's connection-class pointer. */
struct sim_request {
    struct sbuf body;
    bool too_large;
};

/* Addresses. */

static bool addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
    }
    return false;
}

int sim_http_parse_addr(const char *text, struct sim_http_addr *out)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon, *port_text;
    unsigned long port;
    char *end;
    size_t hlen;

    memset(out, 0, sizeof *out);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (!close || close[1] != ':') {
            return -EINVAL;
        }
        hlen = (size_t)(close - text - 1);
        if (hlen >= sizeof host) {
            return -EINVAL;
        }
        memcpy(host, text + 1, hlen);
        port_text = close + 2;
    } else {
        colon = strrchr(text, ':');
        if (!colon || strchr(text, ':') != colon) {
            return -EINVAL;
        }
        hlen = (size_t)(colon - text);
        if (hlen >= sizeof host) {
            return -EINVAL;
        }
        memcpy(host, text, hlen);
        port_text = colon + 1;
    }
    host[hlen] = '\0';
    errno = 0;
    port = strtoul(port_text, &end, 10);
    if (!*port_text || *end || errno || port > 65535 || port_text[0] == '-' ||
        port_text[0] == '+') {
        return -EINVAL;
    }
    if (text[0] != '[') {
        struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
            return -EINVAL;
        }
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        out->len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
            return -EINVAL;
        }
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        out->len = sizeof *sin6;
    }
    out->loopback = addr_is_loopback(&out->ss);
    return 0;
}

void sim_http_format_addr(const struct sockaddr *sa, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
        snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
    } else {
        snprintf(buf, size, "(address family %d)", sa->sa_family);
    }
}

/* Sockets. */

/* Replaces a stale socket file at "path": one nobody answers on.  A live
 * socket or a file of another kind is left alone and refused. */
static int unix_clear_stale(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct stat st;
    int fd, r;

    if (lstat(path, &st) < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    if (!S_ISSOCK(st.st_mode)) {
        xlog_err("%s exists and is not a socket; not replacing it", path);
        return -EEXIST;
    }
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
    close(fd);
    if (r == 0) {
        xlog_err("Another server is listening on %s", path);
        return -EADDRINUSE;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        r = -errno;
        xlog_err("Cannot remove the stale socket %s: %s", path, strerror(-r));
        return r;
    }
    xlog_debug("Removed the stale socket %s", path);
    return 0;
}

static int unix_listen(const char *path, int *out)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    char *dir = strdup(path), *slash;
    int fd = -1, r = 0;

    *out = -1;
    if (!dir) {
        return -ENOMEM;
    }
    if (strlen(path) >= sizeof sun.sun_path) {
        xlog_err("Socket path %s is longer than %zu bytes", path, sizeof sun.sun_path - 1);
        r = -ENAMETOOLONG;
        goto out;
    }
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        r = fsu_mkdir_p(dir, 0755);
        if (r < 0) {
            xlog_err("Cannot create %s: %s", dir, strerror(-r));
            goto out;
        }
    }
    r = unix_clear_stale(path);
    if (r < 0) {
        goto out;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        r = -errno;
        xlog_err("Cannot bind %s: %s", path, strerror(-r));
        goto out;
    }
    /* Root and the group may talk to it, as to XAPI's own socket. */
    if (chmod(path, 0660) < 0 || listen(fd, SOMAXCONN) < 0) {
        r = -errno;
        xlog_err("Cannot listen on %s: %s", path, strerror(-r));
        unlink(path);
        goto out;
    }
    *out = fd;
    fd = -1;
out:
    if (fd >= 0) {
        close(fd);
    }
    free(dir);
    return r;
}

static int tcp_listen(const struct sim_http_addr *addr, struct sockaddr_storage *bound, int *out)
{
    socklen_t len = sizeof *bound;
    char text[INET6_ADDRSTRLEN + 16];
    int fd, one = 1, r;

    *out = -1;
    sim_http_format_addr((const struct sockaddr *)&addr->ss, text, sizeof text);
    fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        r = -errno;
        xlog_err("Cannot create a socket for %s: %s", text, strerror(-r));
        return r;
    }
    /* A restarted simulator must not wait for TIME_WAIT to pass. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr->ss.ss_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0 || listen(fd, SOMAXCONN) < 0 ||
        getsockname(fd, (struct sockaddr *)bound, &len) < 0) {
        r = -errno;
        xlog_err("Cannot listen on %s: %s", text, strerror(-r));
        close(fd);
        return r;
    }
    *out = fd;
    return 0;
}

int sim_http_listen(const char *unix_path, const struct sim_http_addr *tcp, struct sim_http **out)
{
    struct sim_http *h = calloc(1, sizeof *h);
    int r;

    *out = NULL;
    if (!h) {
        return -ENOMEM;
    }
    h->unix_l = (struct sim_listener){.fd = -1, .origin = SIM_ORIGIN_UNIX, .owner = h};
    h->tcp_l = (struct sim_listener){.fd = -1, .origin = SIM_ORIGIN_TCP, .owner = h};
    h->unix_path = strdup(unix_path);
    if (!h->unix_path) {
        free(h);
        return -ENOMEM;
    }
    if (tcp) {
        r = tcp_listen(tcp, &h->tcp_addr, &h->tcp_l.fd);
        if (r < 0) {
            goto fail;
        }
        h->has_tcp = true;
    }
    r = unix_listen(unix_path, &h->unix_l.fd);
    if (r < 0) {
        goto fail;
    }
    h->unix_fd = h->unix_l.fd;
    *out = h;
    return 0;
fail:
    /* The unix socket was not created (it comes last), so nothing to unlink. */
    sim_http_close(h, false);
    return r;
}

const struct sockaddr *sim_http_tcp_addr(const struct sim_http *h)
{
    return h->has_tcp ? (const struct sockaddr *)&h->tcp_addr : NULL;
}

/* Requests. */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             void *body, size_t len, bool owned)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
            len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (!resp) {
        if (owned) {
            free(body);
        }
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
    }
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    return reply(conn, status, "text/plain", (void *)msg, strlen(msg), false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct sim_listener *l = cls;
    struct sim_request *req = *con_cls;
    char *out = NULL;
    size_t out_len = 0;

    (void)version;
    if (!req) {
        const char *clen =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

        xlog_debug("%s %s %s", l->origin == SIM_ORIGIN_UNIX ? "unix" : "tcp", method, url);
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "XML-RPC requests must be POSTed\n");
        }
        /* A declared oversized body is refused before it is read. */
        if (clen && strtoull(clen, NULL, 10) > SIM_HTTP_MAX_BODY) {
            xlog_info("Refused a request body of %s bytes", clen);
            return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "Request body too large\n");
        }
        req = calloc(1, sizeof *req);
        if (!req) {
            return MHD_NO;
        }
        sbuf_init(&req->body);
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Chunked bodies have no declared length: count as they come. */
        if (!req->too_large && req->body.len + *upload_data_size > SIM_HTTP_MAX_BODY) {
            req->too_large = true;
            sbuf_free(&req->body);
            xlog_info("Refusing a request body over %zu bytes", SIM_HTTP_MAX_BODY);
        }
        if (!req->too_large && sbuf_add(&req->body, upload_data, *upload_data_size) < 0) {
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "Request body too large\n");
    }
    if (sim_api_handle(l->owner->api, sbuf_str(&req->body), req->body.len, l->origin, &out,
                       &out_len) < 0) {
        xlog_err("Out of memory while handling a request");
        return MHD_NO;
    }
    return reply(conn, MHD_HTTP_OK, "text/xml", out, out_len, true);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sim_request *req = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (req) {
        sbuf_free(&req->body);
        free(req);
        *con_cls = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[256];
    size_t len;

    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    len = strlen(line);
    while (len && line[len - 1] == '\n') {
        line[--len] = '\0';
    }
    xlog_info("libmicrohttpd: %s", line);
}

static int listener_start(struct sim_listener *l)
{
    if (l->fd < 0) {
        return 0;
    }
    l->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, l,
                                 MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                                 MHD_OPTION_LISTEN_SOCKET, l->fd, MHD_OPTION_NOTIFY_COMPLETED,
                                 on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)SIM_HTTP_IDLE_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT,
                                 (unsigned)SIM_HTTP_MAX_CONNECTIONS, MHD_OPTION_END);
    if (!l->daemon) {
        xlog_err("Cannot start the HTTP server on the %s socket",
                 l->origin == SIM_ORIGIN_UNIX ? "unix" : "TCP");
        return -EIO;
    }
    /* The daemon owns the socket from now on and closes it when stopped. */
    l->fd = -1;
    return 0;
}

int sim_http_start(struct sim_http *h, struct sim_api *api)
{
    int r;

    h->api = api;
    r = listener_start(&h->unix_l);
    if (r == 0) {
        r = listener_start(&h->tcp_l);
    }
    return r;
}

/* Event loop. */

int sim_http_run(struct sim_http *h, int stop_fd)
{
    struct sim_listener *ls[] = {&h->unix_l, &h->tcp_l};

    for (;;) {
        struct pollfd pfd[3];
        nfds_t n = 0;
        int timeout = -1;

        pfd[n++] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        for (size_t i = 0; i < 2; i++) {
            const union MHD_DaemonInfo *info;
            MHD_UNSIGNED_LONG_LONG ms;

            if (!ls[i]->daemon) {
                continue;
            }
            info = MHD_get_daemon_info(ls[i]->daemon, MHD_DAEMON_INFO_EPOLL_FD);
            if (!info) {
                xlog_err("libmicrohttpd gives no epoll descriptor");
                return -EIO;
            }
            pfd[n++] = (struct pollfd){.fd = info->epoll_fd, .events = POLLIN};
            if (MHD_get_timeout(ls[i]->daemon, &ms) == MHD_YES) {
                int t = ms > INT_MAX ? INT_MAX : (int)ms;

                timeout = timeout < 0 || t < timeout ? t : timeout;
            }
        }
        if (poll(pfd, n, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            xlog_err("poll failed: %s", strerror(errno));
            return -errno;
        }
        if (pfd[0].revents) {
            return 0;
        }
        for (size_t i = 0; i < 2; i++) {
            if (ls[i]->daemon) {
                MHD_run(ls[i]->daemon);
            }
        }
    }
}

/* Nested serving: while a program the simulator runs (interface-
 * reconfigure, a plugin) calls back, MHD is inside a request handler and
 * cannot run, so new connections on the unix socket are served here, one
 * request per connection (answered with Connection: close). */

/* Seconds a nested client may take to send its request. */
#define NESTED_IO_TIMEOUT_MS 10000
#define NESTED_MAX_HEADER    (64 * 1024)

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of "buf" to the non-blocking "fd" before "deadline". */
static int nested_write(int fd, const char *buf, size_t len, long long deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return -errno;
        }
        if (now_ms() >= deadline) {
            return -ETIMEDOUT;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        poll(&p, 1, (int)(deadline - now_ms()));
    }
    return 0;
}

/* The value of header "name" in the header block "hdr", or NULL; the
 * value is copied into "out". */
static const char *header_value(const char *hdr, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);

    for (const char *line = strstr(hdr, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *p = line + 2, *end;
        size_t len;

        if (strncasecmp(p, name, nlen) != 0 || p[nlen] != ':') {
            continue;
        }
        p += nlen + 1;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        end = strstr(p, "\r\n");
        len = end ? (size_t)(end - p) : strlen(p);
        if (len >= size) {
            len = size - 1;
        }
        memcpy(out, p, len);
        out[len] = '\0';
        return out;
    }
    return NULL;
}

static void nested_reply(int fd, int code, const char *reason, const char *body, size_t len,
                         long long deadline)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     code, reason, len);

    if (nested_write(fd, head, (size_t)n, deadline) == 0 && len) {
        nested_write(fd, body, len, deadline);
    }
}

static void nested_serve_one(struct sim_http *h, int fd)
{
    long long deadline = now_ms() + NESTED_IO_TIMEOUT_MS;
    struct sbuf in = SBUF_INIT;
    size_t hdr_len = 0, body_len = 0;
    char value[64], *out = NULL;
    size_t out_len = 0;
    bool continued = false;

    for (;;) {
        char buf[8192];
        ssize_t n;
        const char *data = sbuf_str(&in), *end;

        if (!hdr_len && (end = strstr(data, "\r\n\r\n"))) {
            char *endp;

            hdr_len = (size_t)(end - data) + 4;
            if (strncmp(data, "POST ", 5) != 0) {
                nested_reply(fd, 405, "Method Not Allowed", NULL, 0, deadline);
                goto out;
            }
            if (!header_value(data, "Content-Length", value, sizeof value)) {
                nested_reply(fd, 411, "Length Required", NULL, 0, deadline);
                goto out;
            }
            errno = 0;
            body_len = strtoul(value, &endp, 10);
            if (errno || *endp || body_len > SIM_HTTP_MAX_BODY) {
                nested_reply(fd, 413, "Payload Too Large", NULL, 0, deadline);
                goto out;
            }
            if (!continued && header_value(data, "Expect", value, sizeof value) &&
                !strcasecmp(value, "100-continue")) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

                continued = true;
                nested_write(fd, cont, sizeof cont - 1, deadline);
            }
        }
        if (hdr_len && in.len >= hdr_len + body_len) {
            break;
        }
        if (!hdr_len && in.len > NESTED_MAX_HEADER) {
            goto out;
        }
        n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            sbuf_add(&in, buf, (size_t)n);
            if (sbuf_error(&in)) {
                goto out;
            }
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR) || now_ms() >= deadline) {
            goto out;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, (int)(deadline - now_ms()));
    }
    if (sim_api_handle(h->api, sbuf_str(&in) + hdr_len, body_len, SIM_ORIGIN_UNIX, &out,
                       &out_len) == 0) {
        nested_reply(fd, 200, "OK", out, out_len, now_ms() + NESTED_IO_TIMEOUT_MS);
    } else {
        nested_reply(fd, 500, "Internal Server Error", NULL, 0, deadline);
    }
out:
    free(out);
    sbuf_free(&in);
}

int sim_http_serve_nested(void *arg, int done_fd)
{
    struct sim_http *h = arg;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = done_fd, .events = POLLIN},
                                {.fd = h->unix_fd, .events = POLLIN}};

        if (poll(pfd, h->unix_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (pfd[0].revents) {
            return 0;
        }
        if (pfd[1].revents & POLLIN) {
            int fd = accept4(h->unix_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

            if (fd >= 0) {
                nested_serve_one(h, fd);
                close(fd);
            }
        }
    }
}

static void listener_close(struct sim_listener *l)
{
    if (l->daemon) {
        MHD_stop_daemon(l->daemon);
        l->daemon = NULL;
    }
    if (l->fd >= 0) {
        close(l->fd);
        l->fd = -1;
    }
}

void sim_http_close(struct sim_http *h, bool unlink_socket)
{
    if (!h) {
        return;
    }
    listener_close(&h->unix_l);
    listener_close(&h->tcp_l);
    if (unlink_socket && h->unix_path) {
        unlink(h->unix_path);
    }
    free(h->unix_path);
    free(h);
}
