/* The local XAPI transport: XML-RPC as HTTP/1.1 POSTs over a unix stream
 * socket, written on the socket API alone.  The dom0 programs that only ever
 * talk to the local XAPI (interface-reconfigure, ovs-xapi-sync, the
 * openvswitch-cfg-update plugin) use it instead of libcurl, whose shared
 * libraries would cost more start-up time than their whole run may take.
 * See transport.h for the contract, which matches the libcurl transport's. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sbuf.h"

/* The longest response line (status, header or chunk size line) and the
 * largest response head accepted; XAPI's heads are a few hundred bytes. */
#define XU_MAX_LINE  8192
#define XU_MAX_HEAD  65536
#define XU_READ_SIZE 16384

struct xt_unix {
    char *url;            /* As given, for log lines and get_url. */
    struct xt_url parsed; /* The socket path and the pseudo host. */
    long connect_ms;
    long total_ms;
    size_t max_response;
    int fd; /* The kept connection, or -1. */
};

/* One request and its response on one connection. */
struct xu_io {
    int fd;
    int64_t deadline; /* CLOCK_MONOTONIC, in ms. */
    char *buf;        /* Received bytes; [start, end) not consumed yet. */
    size_t start, end, cap;
    size_t received;  /* Bytes received in this exchange. */
    bool peer_closed; /* The server closed or reset the connection. */
    const char *why;  /* What went wrong, for the one log line. */
    int os_err;       /* The errno behind "why", or 0. */
};

/* How the response body is delimited. */
enum xu_framing {
    XU_LENGTH,  /* Content-Length bytes. */
    XU_CHUNKED, /* Transfer-Encoding: chunked. */
    XU_EOF,     /* Up to the end of the connection. */
};

struct xu_head {
    int status;
    enum xu_framing framing;
    size_t length; /* XU_LENGTH: the announced size. */
    bool keep;     /* The connection may serve another request. */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct xu_io *io, int r, const char *why, int os_err)
{
    io->why = why;
    io->os_err = os_err;
    return r;
}

/* Waits until "events" are ready on the connection or the deadline passes. */
static int xu_wait(struct xu_io *io, short events)
{
    for (;;) {
        struct pollfd p = {.fd = io->fd, .events = events};
        int64_t left = io->deadline - now_ms();
        int n;

        if (left <= 0) {
            return fail(io, -ETIMEDOUT, "timed out", 0);
        }
        n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0) {
            return 0;
        }
        if (n < 0 && errno != EINTR) {
            return fail(io, -EIO, "poll", errno);
        }
    }
}

/* Sends the head and the body, waiting for room in the socket buffer as
 * needed.  MSG_NOSIGNAL: a closed peer is an error code, not a SIGPIPE. */
static int xu_send(struct xu_io *io, const char *head, size_t head_len, const char *body,
                   size_t body_len)
{
    struct iovec iov[2] = {{(void *)head, head_len}, {(void *)body, body_len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

    while (msg.msg_iovlen) {
        ssize_t n = sendmsg(io->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        int r;

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                io->peer_closed = errno == EPIPE || errno == ECONNRESET;
                return fail(io, -EIO, "cannot send the request", errno);
            }
            r = xu_wait(io, POLLOUT);
            if (r < 0) {
                return r;
            }
            continue;
        }
        /* Drops what was sent from the front of the vector. */
        while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
            n -= (ssize_t)msg.msg_iov->iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen) {
            msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
            msg.msg_iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* Receives more bytes into the buffer.  Returns the count, 0 at the end of
 * the connection, or a negative errno. */
static int xu_fill(struct xu_io *io)
{
    ssize_t n;
    int r;

    if (io->start > 0) {
        memmove(io->buf, io->buf + io->start, io->end - io->start);
        io->end -= io->start;
        io->start = 0;
    }
    if (io->cap - io->end < XU_READ_SIZE) {
        char *p = realloc(io->buf, io->end + XU_READ_SIZE);

        if (!p) {
            return fail(io, -ENOMEM, "out of memory", 0);
        }
        io->buf = p;
        io->cap = io->end + XU_READ_SIZE;
    }
    for (;;) {
        n = recv(io->fd, io->buf + io->end, io->cap - io->end, MSG_DONTWAIT);
        if (n >= 0) {
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            io->peer_closed = errno == ECONNRESET;
            return fail(io, -EIO, "cannot receive the response", errno);
        }
        r = xu_wait(io, POLLIN);
        if (r < 0) {
            return r;
        }
    }
    if (n == 0) {
        io->peer_closed = true;
    }
    io->end += (size_t)n;
    io->received += (size_t)n;
    return (int)n;
}

/* Returns the next line of the response in "*line", NUL-terminated, without
 * its "\r\n" (or bare "\n").  The pointer stays valid until the next read. */
static int xu_line(struct xu_io *io, char **line)
{
    for (;;) {
        char *s = io->buf ? io->buf + io->start : NULL;
        char *nl = s ? memchr(s, '\n', io->end - io->start) : NULL;
        int r;

        if (nl) {
            *nl = '\0';
            if (nl > s && nl[-1] == '\r') {
                nl[-1] = '\0';
            }
            io->start = (size_t)(nl + 1 - io->buf);
            *line = s;
            return 0;
        }
        if (io->end - io->start >= XU_MAX_LINE) {
            return fail(io, -EIO, "response line too long", 0);
        }
        r = xu_fill(io);
        if (r == 0) {
            return fail(io, -EIO, "connection closed before the end of the response", 0);
        }
        if (r < 0) {
            return r;
        }
    }
}

/* Appends exactly "n" bytes of the response to "out". */
static int xu_read_exact(struct xu_io *io, size_t n, struct sbuf *out)
{
    while (n) {
        size_t have = io->end - io->start, take = have < n ? have : n;
        int r;

        if (take) {
            if (sbuf_add(out, io->buf + io->start, take) < 0) {
                return fail(io, -ENOMEM, "out of memory", 0);
            }
            io->start += take;
            n -= take;
            continue;
        }
        r = xu_fill(io);
        if (r == 0) {
            return fail(io, -EIO, "connection closed before the end of the body", 0);
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* Appends the rest of the connection's bytes to "out", at most "max". */
static int xu_read_eof(struct xu_io *io, size_t max, struct sbuf *out)
{
    for (;;) {
        size_t have = io->end - io->start;
        int r;

        if (have > max - out->len) {
            return fail(io, -E2BIG, NULL, 0);
        }
        if (have && sbuf_add(out, io->buf + io->start, have) < 0) {
            return fail(io, -ENOMEM, "out of memory", 0);
        }
        io->start = io->end;
        r = xu_fill(io);
        if (r <= 0) {
            return r;
        }
    }
}

/* Parses a chunk size line: hexadecimal digits, then optional extensions. */
static int parse_chunk_size(const char *s, size_t *size)
{
    size_t v = 0;
    const char *p = s;

    for (; *p; p++) {
        int d = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                         : -1;

        if (d < 0) {
            break;
        }
        if (v > (SIZE_MAX - (size_t)d) / 16) {
            return -1;
        }
        v = v * 16 + (size_t)d;
    }
    p += strspn(p, " \t");
    if (p == s || (*p && *p != ';')) {
        return -1;
    }
    *size = v;
    return 0;
}

/* Reads a chunked body into "out", at most "max" bytes, and its trailer. */
static int xu_read_chunked(struct xu_io *io, size_t max, struct sbuf *out)
{
    char *line;
    size_t size;
    int r;

    for (;;) {
        r = xu_line(io, &line);
        if (r < 0) {
            return r;
        }
        if (parse_chunk_size(line, &size) < 0) {
            return fail(io, -EIO, "bad chunk size", 0);
        }
        if (size == 0) {
            break;
        }
        if (size > max - out->len) {
            return fail(io, -E2BIG, NULL, 0);
        }
        r = xu_read_exact(io, size, out);
        if (r == 0) {
            r = xu_line(io, &line);
        }
        if (r < 0) {
            return r;
        }
        if (*line) {
            return fail(io, -EIO, "chunk longer than announced", 0);
        }
    }
    /* The trailer: header lines up to an empty one, ignored. */
    for (size_t head = 0;;) {
        r = xu_line(io, &line);
        if (r < 0) {
            return r;
        }
        if (!*line) {
            return 0;
        }
        head += strlen(line) + 2;
        if (head > XU_MAX_HEAD) {
            return fail(io, -EIO, "response trailer too long", 0);
        }
    }
}

/* True if the comma-separated list "v" holds "token" (any case). */
static bool has_token(const char *v, const char *token)
{
    size_t n = strlen(token);

    while (*v) {
        size_t len;

        v += strspn(v, " \t,");
        len = strcspn(v, ",");
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) {
            len--;
        }
        if (len == n && !strncasecmp(v, token, n)) {
            return true;
        }
        v += strcspn(v, ",");
    }
    return false;
}

/* Parses "HTTP/1.x NNN reason" into the status and the protocol's default
 * for keep-alive. */
static int parse_status(struct xu_io *io, const char *line, struct xu_head *h)
{
    if (strncmp(line, "HTTP/1.", 7) || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
        line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
        line[11] > '9' || (line[12] && line[12] != ' ')) {
        return fail(io, -EIO, "not an HTTP/1.x response", 0);
    }
    h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    h->keep = line[7] == '1';
    return 0;
}

/* Applies one header line to "h"; "*length_seen" tracks Content-Length. */
static int parse_header(struct xu_io *io, char *line, struct xu_head *h, bool *length_seen)
{
    char *colon = strchr(line, ':'), *v, *e;
    unsigned long long n;

    if (line[0] == ' ' || line[0] == '\t' || !colon || colon == line) {
        return fail(io, -EIO, "malformed response header", 0);
    }
    *colon = '\0';
    v = colon + 1 + strspn(colon + 1, " \t");
    for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--) {
        e[-1] = '\0';
    }
    if (!strcasecmp(line, "Content-Length")) {
        if (*v < '0' || *v > '9') {
            return fail(io, -EIO, "bad Content-Length", 0);
        }
        errno = 0;
        n = strtoull(v, &e, 10);
        if (*e || errno || n > SIZE_MAX || (*length_seen && h->length != (size_t)n)) {
            return fail(io, -EIO, "bad Content-Length", 0);
        }
        *length_seen = true;
        h->length = (size_t)n;
        if (h->framing == XU_EOF) {
            h->framing = XU_LENGTH;
        }
    } else if (!strcasecmp(line, "Transfer-Encoding")) {
        /* No TE header was sent, so chunked is the only coding to expect. */
        if (strcasecmp(v, "chunked")) {
            return fail(io, -EIO, "unsupported Transfer-Encoding", 0);
        }
        h->framing = XU_CHUNKED;
    } else if (!strcasecmp(line, "Connection")) {
        if (has_token(v, "close")) {
            h->keep = false;
        } else if (has_token(v, "keep-alive")) {
            h->keep = true;
        }
    }
    return 0;
}

/* Reads one response head; interim 1xx responses are skipped. */
static int xu_read_head(struct xu_io *io, struct xu_head *h)
{
    bool length_seen;
    char *line;
    int r;

    do {
        size_t total = 0;

        length_seen = false;
        memset(h, 0, sizeof *h);
        h->framing = XU_EOF;
        r = xu_line(io, &line);
        if (r == 0) {
            r = parse_status(io, line, h);
        }
        while (r == 0) {
            r = xu_line(io, &line);
            if (r < 0 || !*line) {
                break;
            }
            total += strlen(line) + 2;
            r = total > XU_MAX_HEAD ? fail(io, -EIO, "response head too long", 0)
                                    : parse_header(io, line, h, &length_seen);
        }
        if (r < 0) {
            return r;
        }
    } while (h->status >= 100 && h->status < 200 && h->status != 101);
    if (h->framing == XU_CHUNKED && length_seen) {
        /* RFC 9112 6.3: chunked wins, but the connection cannot be trusted. */
        h->keep = false;
    }
    if (h->framing == XU_EOF) {
        h->keep = false;
    }
    return 0;
}

/* One request and its response on io->fd.  "*status" gets the HTTP status
 * (0 until known) and "*keep" whether the connection may be reused. */
static int xu_exchange(struct xt_unix *u, struct xu_io *io, const struct sbuf *head,
                       const char *body, size_t len, struct sbuf *out, int *status, bool *keep)
{
    struct xu_head h;
    int r = xu_send(io, head->data, head->len, body, len);

    *keep = false;
    if (r == 0) {
        r = xu_read_head(io, &h);
    }
    if (r < 0) {
        return r;
    }
    *status = h.status;
    if (h.status != 200) {
        /* The body of an error is not needed; dropping the connection
         * saves reading it. */
        return -EPROTO;
    }
    switch (h.framing) {
    case XU_LENGTH:
        r = h.length > u->max_response ? fail(io, -E2BIG, NULL, 0)
                                       : xu_read_exact(io, h.length, out);
        break;
    case XU_CHUNKED:
        r = xu_read_chunked(io, u->max_response, out);
        break;
    case XU_EOF:
        r = xu_read_eof(io, u->max_response, out);
        break;
    }
    /* Bytes beyond the response mean the two ends disagree on framing. */
    *keep = r == 0 && h.keep && io->start == io->end;
    return r;
}

/* Opens a connection to the socket.  AF_UNIX has no asynchronous connect
 * (a full backlog gives EAGAIN, not EINPROGRESS, and poll() cannot wait for
 * room), so the connect blocks with SO_SNDTIMEO as its time limit, which
 * Linux applies to connect(); the socket turns non-blocking afterwards. */
static int xu_connect(struct xt_unix *u, struct xu_io *io)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd, r;

    snprintf(a.sun_path, sizeof a.sun_path, "%s", u->parsed.socket_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return fail(io, errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : -EIO, "socket", errno);
    }
    for (;;) {
        int64_t left = io->deadline - now_ms();
        int64_t ms = left < u->connect_ms ? left : u->connect_ms;
        struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (long)(ms % 1000) * 1000};

        if (ms <= 0) {
            r = fail(io, -ETIMEDOUT, "timed out", 0);
            goto out;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
            r = fail(io, -EIO, "setsockopt", errno);
            goto out;
        }
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EINPROGRESS) {
            r = fail(io, -ETIMEDOUT, "connect timed out", 0);
        } else {
            r = fail(io, -ECONNREFUSED, "cannot connect to the socket", errno);
        }
        goto out;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        r = fail(io, -EIO, "fcntl", errno);
        goto out;
    }
    u->fd = fd;
    return 0;
out:
    close(fd);
    return r;
}

static void xu_disconnect(struct xt_unix *u)
{
    if (u->fd >= 0) {
        close(u->fd);
        u->fd = -1;
    }
}

/* A kept connection the server has closed (or written to unasked) meanwhile
 * is readable; such a connection is dropped before it is used. */
static bool xu_stale(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    return poll(&p, 1, 0) != 0;
}

static int add_trace_header(void *ctx, const char *name, const char *value)
{
    return sbuf_addf(ctx, "%s: %s\r\n", name, value);
}

static int build_head(const struct xt_unix *u, size_t len, struct sbuf *head)
{
    sbuf_addf(head,
              "POST / HTTP/1.1\r\nHost: %s\r\nUser-Agent: xvs-xapi/1.0\r\n"
              "Content-Type: text/xml\r\nContent-Length: %zu\r\n",
              u->parsed.host, len);
    if (xt_trace_headers(add_trace_header, head) < 0) {
        return -ENOMEM;
    }
    sbuf_adds(head, "\r\n");
    return sbuf_error(head);
}

static void log_failure(const struct xt_unix *u, const struct xu_io *io, int r, int status)
{
    if (r == -EPROTO) {
        xlog_err("XenAPI request to %s failed: HTTP status %d", u->url, status);
    } else if (r == -E2BIG) {
        xlog_err("XenAPI request to %s failed: response larger than %zu bytes", u->url,
                 u->max_response);
    } else if (io->os_err) {
        xlog_err("XenAPI request to %s failed: %s: %s", u->url, io->why, strerror(io->os_err));
    } else {
        xlog_err("XenAPI request to %s failed: %s", u->url, io->why ? io->why : strerror(-r));
    }
}

static int unix_post(void *ctx, const char *body, size_t len, char **resp, size_t *resp_len)
{
    struct xt_unix *u = ctx;
    struct sbuf head = SBUF_INIT, out = SBUF_INIT;
    struct xu_io io = {.deadline = now_ms() + u->total_ms};
    int status = 0, r = build_head(u, len, &head);

    for (int attempt = 0; r == 0; attempt++) {
        bool reused = u->fd >= 0, keep = false;

        if (reused && xu_stale(u->fd)) {
            xu_disconnect(u);
            reused = false;
        }
        if (u->fd < 0 && (r = xu_connect(u, &io)) < 0) {
            break;
        }
        io.fd = u->fd;
        r = xu_exchange(u, &io, &head, body, len, &out, &status, &keep);
        if (!keep) {
            xu_disconnect(u);
        }
        /* The server may close a kept connection at any time; when it did
         * so before answering, the request was not processed, and a new
         * connection gets it through. */
        if (r < 0 && reused && attempt == 0 && io.peer_closed && io.received == 0) {
            xlog_debug("XAPI at %s closed the kept connection; reconnecting", u->url);
            sbuf_reset(&out);
            io.start = io.end = 0;
            io.peer_closed = false;
            io.why = NULL;
            io.os_err = 0;
            r = 0;
            continue;
        }
        break;
    }
    if (r == 0) {
        *resp = sbuf_steal(&out, resp_len);
        r = *resp ? 0 : -ENOMEM;
    }
    if (r < 0) {
        log_failure(u, &io, r, status);
        *resp = NULL;
        *resp_len = 0;
    }
    free(io.buf);
    sbuf_free(&head);
    sbuf_free(&out);
    return r;
}

static int unix_set_url(void *ctx, const char *url)
{
    struct xt_unix *u = ctx;
    struct xt_url parsed = {0};
    char *copy;
    int r = xt_url_parse(url, &parsed);

    if (r < 0) {
        return r;
    }
    if (parsed.scheme != XT_SCHEME_UNIX) {
        xlog_err("Cannot use XenAPI URL '%s': this transport reaches only the local XAPI's "
                 "unix socket",
                 url);
        xt_url_clear(&parsed);
        return -EINVAL;
    }
    copy = strdup(url);
    if (!copy) {
        xt_url_clear(&parsed);
        return -ENOMEM;
    }
    xu_disconnect(u);
    free(u->url);
    xt_url_clear(&u->parsed);
    u->url = copy;
    u->parsed = parsed;
    return 0;
}

static const char *unix_get_url(const void *ctx)
{
    return ((const struct xt_unix *)ctx)->url;
}

static void unix_free(void *ctx)
{
    struct xt_unix *u = ctx;

    if (u) {
        xu_disconnect(u);
        free(u->url);
        xt_url_clear(&u->parsed);
        free(u);
    }
}

static const struct xt_ops unix_ops = {
        .post = unix_post,
        .set_url = unix_set_url,
        .get_url = unix_get_url,
        .free = unix_free,
};

int xt_unix_new(const char *url_or_path, const struct xt_options *opts, struct xt_transport **out)
{
    static const struct xt_options defaults = {0};
    const struct xt_options *o = opts ? opts : &defaults;
    struct xt_unix *u;
    int r;

    *out = NULL;
    if (o->connect_timeout_ms < 0 || o->timeout_ms < 0) {
        xlog_err("Invalid XenAPI timeout");
        return -EINVAL;
    }
    u = calloc(1, sizeof *u);
    if (!u) {
        return -ENOMEM;
    }
    u->fd = -1;
    u->connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : XT_CONNECT_TIMEOUT_MS;
    u->total_ms = o->timeout_ms > 0 ? o->timeout_ms : XT_TIMEOUT_MS;
    u->max_response = o->max_response ? o->max_response : XT_MAX_RESPONSE;
    r = unix_set_url(u, url_or_path ? url_or_path : "");
    if (r < 0) {
        unix_free(u);
        return r;
    }
    *out = xt_new(&unix_ops, u);
    return *out ? 0 : -ENOMEM;
}
