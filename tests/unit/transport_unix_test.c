/* Unit tests for xapi-bindings/transport_unix.c, the libcurl-free transport
 * to the local XAPI: round trips against a small HTTP server that runs in a
 * thread of this test on a unix socket in a temporary directory (framing by
 * Content-Length, chunks and end of connection; keep-alive, reconnects;
 * errors and limits; tracing headers), and, when $XVS_BIN holds it, a login
 * and record listings against the simulator xvs-xapi-sim. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "records.h"
#include "transport.h"
#include "xapi.h"

/* ------------------------------------------------------------------ */
/* A tiny HTTP server in a thread                                      */

enum srv_mode {
    SRV_ECHO,        /* 200, Content-Length, the request body echoed; keep-alive. */
    SRV_CHUNKED,     /* The same, chunked with an extension and a trailer. */
    SRV_CLOSE_IDLE,  /* Like SRV_ECHO, then closes the connection. */
    SRV_DROP_SECOND, /* Answers the first request of a connection, closes on the second. */
    SRV_CONN_CLOSE,  /* Like SRV_ECHO with "Connection: close"; waits for the client to close. */
    SRV_HTTP10,      /* HTTP/1.0 without a length: the body ends with the connection. */
    SRV_RAW,         /* Reads a request, sends server.raw, closes. */
    SRV_SILENT,      /* Reads a request, never answers (until stopped). */
};

struct server {
    enum srv_mode mode;
    int lfd;
    int stop[2];
    char dir[64];
    char path[80];
    pthread_t thread;
    pthread_mutex_t lock;
    int accepts;
    int requests;
    int closes;        /* Connections the server has closed. */
    int client_closed; /* SRV_CONN_CLOSE: connections the client closed first. */
    const char *raw;   /* SRV_RAW: the response. */
    size_t raw_len;
    char request[16384]; /* The last request: head and body. */
};

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w <= 0) {
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Waits until "fd" is readable or the server is stopped (false). */
static bool wait_readable(struct server *s, int fd, int ms)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};

    return poll(p, 2, ms) > 0 && !p[1].revents;
}

/* Reads one request into "buf".  Returns its length, or -1 at EOF/error. */
static ssize_t read_request(struct server *s, int fd, char *buf, size_t size)
{
    size_t len = 0, want = 0;
    char *end = NULL;

    while (!end || len < want) {
        ssize_t n;

        if (len + 1 >= size || !wait_readable(s, fd, 10000)) {
            return -1;
        }
        n = recv(fd, buf + len, size - len - 1, 0);
        if (n <= 0) {
            return -1;
        }
        len += (size_t)n;
        buf[len] = '\0';
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");

            want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        }
    }
    return (ssize_t)len;
}

static bool send_str(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

static bool send_chunked(int fd, const char *body)
{
    char line[64];
    size_t len = strlen(body);

    if (!send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) {
        return false;
    }
    for (size_t off = 0; off < len; off += 7) {
        size_t n = len - off < 7 ? len - off : 7;

        snprintf(line, sizeof line, "%zx%s\r\n", n, off ? "" : ";ext=1");
        if (!send_all(fd, line, strlen(line)) || !send_all(fd, body + off, n) ||
            !send_all(fd, "\r\n", 2)) {
            return false;
        }
    }
    return send_str(fd, "0\r\nX-Trailer: done\r\n\r\n");
}

/* Serves one connection; returns when the server closes it. */
static void serve_connection(struct server *s, int fd)
{
    char req[sizeof s->request], head[256];
    ssize_t n;
    int on_conn = 0;

    while ((n = read_request(s, fd, req, sizeof req)) >= 0) {
        const char *body = strstr(req, "\r\n\r\n");

        pthread_mutex_lock(&s->lock);
        s->requests++;
        memcpy(s->request, req, (size_t)n + 1);
        pthread_mutex_unlock(&s->lock);
        body = body ? body + 4 : req + n;
        if (++on_conn == 2 && s->mode == SRV_DROP_SECOND) {
            return;
        }
        switch (s->mode) {
        case SRV_ECHO:
        case SRV_CLOSE_IDLE:
        case SRV_DROP_SECOND:
        case SRV_CONN_CLOSE:
            snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n%s"
                     "Content-Length: %zu\r\n\r\n",
                     s->mode == SRV_CONN_CLOSE ? "Connection: close\r\n" : "", strlen(body));
            if (!send_all(fd, head, strlen(head)) || !send_all(fd, body, strlen(body))) {
                return;
            }
            if (s->mode == SRV_CLOSE_IDLE) {
                return;
            }
            if (s->mode == SRV_CONN_CLOSE) {
                char c;

                /* The client must close: EOF arrives well before the timeout. */
                if (wait_readable(s, fd, 5000) && recv(fd, &c, 1, 0) == 0) {
                    pthread_mutex_lock(&s->lock);
                    s->client_closed++;
                    pthread_mutex_unlock(&s->lock);
                }
                return;
            }
            break;
        case SRV_CHUNKED:
            if (!send_chunked(fd, body)) {
                return;
            }
            break;
        case SRV_HTTP10:
            send_str(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n");
            send_str(fd, body);
            return;
        case SRV_RAW:
            send_all(fd, s->raw, s->raw_len);
            return;
        case SRV_SILENT:
            wait_readable(s, s->stop[0], 10000);
            return;
        }
    }
}

static void *server_main(void *arg)
{
    struct server *s = arg;

    while (wait_readable(s, s->lfd, 10000)) {
        int fd = accept(s->lfd, NULL, NULL);

        if (fd < 0) {
            continue;
        }
        pthread_mutex_lock(&s->lock);
        s->accepts++;
        pthread_mutex_unlock(&s->lock);
        serve_connection(s, fd);
        close(fd);
        pthread_mutex_lock(&s->lock);
        s->closes++;
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

static struct server *server_start(enum srv_mode mode)
{
    struct server *s = calloc(1, sizeof *s);
    struct sockaddr_un a = {.sun_family = AF_UNIX};

    assert_non_null(s);
    s->mode = mode;
    pthread_mutex_init(&s->lock, NULL);
    assert_int_equal(pipe(s->stop), 0);
    snprintf(s->dir, sizeof s->dir, "/tmp/xvs-transport-unix.XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/xapi", s->dir);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", s->path);
    s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->lfd >= 0);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 8), 0);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
    return s;
}

static void server_stop(struct server *s)
{
    assert_int_equal(write(s->stop[1], "x", 1), 1);
    pthread_join(s->thread, NULL);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
    unlink(s->path);
    rmdir(s->dir);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Reads a counter of the server under its lock. */
static int counter(struct server *s, const int *c)
{
    int v;

    pthread_mutex_lock(&s->lock);
    v = *c;
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* Waits up to 5 s for counter "c" to reach "want". */
static void wait_counter(struct server *s, const int *c, int want)
{
    for (int i = 0; i < 500 && counter(s, c) < want; i++) {
        usleep(10000);
    }
    assert_int_equal(counter(s, c), want);
}

static struct xt_transport *transport_for(const char *url, const struct xt_options *o)
{
    struct xt_transport *t = NULL;

    assert_int_equal(xt_unix_new(url, o, &t), 0);
    assert_non_null(t);
    return t;
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Posts "body" and checks that the response echoes it. */
static void post_echo(struct xt_transport *t, const char *body)
{
    char *resp = NULL;
    size_t len = 0;

    assert_int_equal(xt_post(t, body, strlen(body), &resp, &len), 0);
    assert_int_equal(len, strlen(body));
    assert_string_equal(resp, body);
    free(resp);
}

static const char request_body[] = "<?xml version=\"1.0\"?><methodCall/>";

/* ------------------------------------------------------------------ */
/* Round trips                                                         */

static void test_round_trip_and_headers(void **state)
{
    struct server *s = server_start(SRV_ECHO);
    struct xt_transport *t = transport_for(s->path, NULL);
    char expect[200];
    size_t i;

    (void)state;
    assert_string_equal(xt_get_url(t), s->path);
    post_echo(t, request_body);
    assert_non_null(strstr(s->request, "POST / HTTP/1.1\r\n"));
    assert_non_null(strstr(s->request, "\r\nContent-Type: text/xml\r\n"));
    snprintf(expect, sizeof expect, "\r\nContent-Length: %zu\r\n\r\n%s", strlen(request_body),
             request_body);
    assert_non_null(strstr(s->request, expect));
    assert_null(strcasestr(s->request, "\r\nExpect:"));
    /* The pseudo host of the socket path, as the Python client sends it. */
    snprintf(expect, sizeof expect, "\r\nHost: %s\r\n", s->path);
    for (i = 8; expect[i] != '\r'; i++) {
        expect[i] = expect[i] == '/' ? '_' : expect[i];
    }
    assert_non_null(strstr(s->request, expect));
    /* Keep-alive: later requests reuse the connection. */
    post_echo(t, "second");
    post_echo(t, "");
    assert_int_equal(counter(s, &s->requests), 3);
    assert_int_equal(counter(s, &s->accepts), 1);
    xt_free(t);
    server_stop(s);
}

static void test_pseudo_url(void **state)
{
    struct server *s = server_start(SRV_ECHO);
    char url[200];
    struct xt_transport *t;

    (void)state;
    snprintf(url, sizeof url, "http://%s/", s->path);
    for (char *p = url + 7; *p && p[1]; p++) {
        *p = *p == '/' ? '_' : *p;
    }
    t = transport_for(url, NULL);
    assert_string_equal(xt_get_url(t), url);
    post_echo(t, "pseudo");
    xt_free(t);
    server_stop(s);
}

static void test_chunked(void **state)
{
    struct server *s = server_start(SRV_CHUNKED);
    struct xt_transport *t = transport_for(s->path, NULL);

    (void)state;
    post_echo(t, request_body);
    post_echo(t, "short");
    post_echo(t, "");
    /* The trailer was consumed: the connection stayed in step. */
    assert_int_equal(counter(s, &s->accepts), 1);
    xt_free(t);
    server_stop(s);
}

static void test_reconnect_after_idle_close(void **state)
{
    struct server *s = server_start(SRV_CLOSE_IDLE);
    struct xt_transport *t = transport_for(s->path, NULL);

    (void)state;
    post_echo(t, "one");
    wait_counter(s, &s->closes, 1);
    post_echo(t, "two");
    assert_int_equal(counter(s, &s->accepts), 2);
    assert_int_equal(counter(s, &s->requests), 2);
    xt_free(t);
    server_stop(s);
}

static void test_retry_when_kept_connection_dropped(void **state)
{
    struct server *s = server_start(SRV_DROP_SECOND);
    struct xt_transport *t = transport_for(s->path, NULL);

    (void)state;
    post_echo(t, "one");
    /* The server reads the second request and closes without a word: the
     * transport sends it again on a new connection, once. */
    post_echo(t, "two");
    assert_int_equal(counter(s, &s->accepts), 2);
    assert_int_equal(counter(s, &s->requests), 3);
    xt_free(t);
    server_stop(s);
}

static void test_connection_close_honoured(void **state)
{
    struct server *s = server_start(SRV_CONN_CLOSE);
    struct xt_transport *t = transport_for(s->path, NULL);

    (void)state;
    post_echo(t, "one");
    wait_counter(s, &s->client_closed, 1);
    post_echo(t, "two");
    wait_counter(s, &s->client_closed, 2);
    assert_int_equal(counter(s, &s->accepts), 2);
    xt_free(t);
    server_stop(s);
}

static void test_http10_body_to_eof(void **state)
{
    struct server *s = server_start(SRV_HTTP10);
    struct xt_transport *t = transport_for(s->path, NULL);

    (void)state;
    post_echo(t, request_body);
    post_echo(t, "again");
    assert_int_equal(counter(s, &s->accepts), 2);
    xt_free(t);
    server_stop(s);
}

static void test_set_url(void **state)
{
    struct server *a = server_start(SRV_ECHO), *b = server_start(SRV_ECHO);
    struct xt_transport *t = transport_for(a->path, NULL);

    (void)state;
    post_echo(t, "a");
    assert_int_equal(xt_set_url(t, b->path), 0);
    assert_string_equal(xt_get_url(t), b->path);
    post_echo(t, "b");
    assert_int_equal(counter(a, &a->requests), 1);
    assert_int_equal(counter(b, &b->requests), 1);
    /* Local only: the HOST_IS_SLAVE redirect's URL is refused, and so is
     * any TCP URL; the old URL stays. */
    assert_int_equal(xt_set_url(t, "https://192.0.2.10/"), -EINVAL);
    assert_int_equal(xt_set_url(t, "http://127.0.0.1:8080/"), -EINVAL);
    assert_int_equal(xt_set_url(t, "nonsense"), -EINVAL);
    assert_string_equal(xt_get_url(t), b->path);
    post_echo(t, "still b");
    assert_int_equal(counter(b, &b->accepts), 1);
    xt_free(t);
    server_stop(a);
    server_stop(b);
}

static void test_trace_headers(void **state)
{
    struct server *s = server_start(SRV_ECHO);
    struct xt_transport *t = transport_for(s->path, NULL);

    (void)state;
    setenv("TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 1);
    setenv("BAGGAGE", "k=v", 1);
    setenv("ORIGINATOR", "evil\r\nX-Injected: 1", 1);
    post_echo(t, "t");
    assert_non_null(
            strstr(s->request,
                   "\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"));
    assert_non_null(strstr(s->request, "\r\nbaggage: k=v\r\n"));
    assert_null(strstr(s->request, "X-Injected"));
    assert_null(strstr(s->request, "originator"));
    setenv("ORIGINATOR", "xvs-test", 1);
    unsetenv("TRACEPARENT");
    setenv("BAGGAGE", "", 1);
    post_echo(t, "t");
    assert_non_null(strstr(s->request, "\r\noriginator: xvs-test\r\n"));
    assert_null(strstr(s->request, "traceparent"));
    assert_null(strstr(s->request, "baggage"));
    unsetenv("BAGGAGE");
    unsetenv("ORIGINATOR");
    xt_free(t);
    server_stop(s);
}

/* ------------------------------------------------------------------ */
/* Errors and limits                                                   */

/* Posts once to a server that answers "raw"; returns post()'s result and,
 * on success, checks the body against "want" (unless NULL). */
static int post_raw(const char *raw, size_t raw_len, const struct xt_options *o, const char *want)
{
    struct server *s = server_start(SRV_RAW);
    struct xt_transport *t;
    char *resp = (char *)"unchanged";
    size_t len = 1;
    int r;

    s->raw = raw;
    s->raw_len = raw_len;
    t = transport_for(s->path, o);
    r = xt_post(t, request_body, strlen(request_body), &resp, &len);
    if (r < 0) {
        assert_null(resp);
        assert_int_equal(len, 0);
    } else {
        assert_int_equal(len, strlen(resp));
        if (want) {
            assert_string_equal(resp, want);
        }
        free(resp);
    }
    /* A failure on a fresh connection is never retried. */
    assert_int_equal(counter(s, &s->requests), 1);
    xt_free(t);
    server_stop(s);
    return r;
}

#define RAW(str, o, want) post_raw(str, sizeof str - 1, o, want)

static void test_responses(void **state)
{
    (void)state;
    assert_int_equal(RAW("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL, ""), 0);
    assert_int_equal(RAW("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", NULL, "ok"), 0);
    assert_int_equal(RAW("HTTP/1.1 100 Continue\r\n\r\n"
                         "HTTP/1.1 200 OK\r\ncontent-length:  5 \r\n\r\nhello",
                         NULL, "hello"),
                     0);
    assert_int_equal(RAW("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                         NULL, "abc"),
                     0);
    assert_int_equal(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 99\r\n"
                         "\r\nA\r\n0123456789\r\n0\r\n\r\n",
                         NULL, "0123456789"),
                     0);
    assert_int_equal(
            RAW("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", NULL, "to the end"), 0);
    assert_int_equal(
            RAW("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror", NULL, NULL),
            -EPROTO);
    assert_int_equal(RAW("HTTP/1.1 404 Not Found\r\n\r\n", NULL, NULL), -EPROTO);
}

static void test_malformed_responses(void **state)
{
    static const char *const bad[] = {
            "",
            "SSH-2.0-nonsense\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n folded\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
            "HTTP/2 200\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 200OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = post_raw(bad[i], strlen(bad[i]), NULL, NULL);

        if (r != -EIO) {
            fail_msg("response %zu gave %d, not -EIO", i, r);
        }
    }
}

static void test_response_limits(void **state)
{
    static char big[20000], head_line[20000];
    struct xt_options o = {.max_response = 1024};
    char *p = big;
    size_t n;

    (void)state;
    /* 10,000 bytes announced, chunked, and up to the end of the connection. */
    n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n");
    memset(big + n, 'x', 10000);
    assert_int_equal(post_raw(big, n + 10000, &o, NULL), -E2BIG);

    p += sprintf(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 10; i++) {
        p += sprintf(p, "3e8\r\n");
        memset(p, 'y', 1000);
        p += 1000;
        p += sprintf(p, "\r\n");
    }
    p += sprintf(p, "0\r\n\r\n");
    assert_int_equal(post_raw(big, (size_t)(p - big), &o, NULL), -E2BIG);
    o.max_response = 10000;
    assert_int_equal(post_raw(big, (size_t)(p - big), &o, NULL), 0);

    o.max_response = 1024;
    n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    memset(big + n, 'z', 10000);
    assert_int_equal(post_raw(big, n + 10000, &o, NULL), -E2BIG);
    o.max_response = 10000;
    assert_int_equal(post_raw(big, n + 10000, &o, NULL), 0);

    /* An endless header line is a malformed response, not a memory hog. */
    n = (size_t)sprintf(head_line, "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(head_line + n, 'h', sizeof head_line - n);
    assert_int_equal(post_raw(head_line, sizeof head_line, NULL, NULL), -EIO);
}

static void test_timeout(void **state)
{
    struct server *s = server_start(SRV_SILENT);
    struct xt_options o = {.timeout_ms = 300};
    struct xt_transport *t = transport_for(s->path, &o);
    struct timespec t0;
    char *resp = NULL;
    size_t len = 0;
    long ms;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -ETIMEDOUT);
    ms = elapsed_ms(&t0);
    assert_true(ms >= 250 && ms < 3000);
    assert_null(resp);
    xt_free(t);
    server_stop(s);
}

static void test_connect_timeout(void **state)
{
    char dir[] = "/tmp/xvs-transport-unix.XXXXXX", path[80];
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct xt_options o = {.connect_timeout_ms = 200};
    struct xt_transport *t;
    struct timespec t0;
    int lfd, fds[16], n = 0;
    char *resp = NULL;
    size_t len = 0;
    long ms;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/xapi", dir);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 0), 0);
    /* Fills the backlog of a listener that never accepts. */
    while (n < 16) {
        fds[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(fds[n], (struct sockaddr *)&a, sizeof a) < 0) {
            assert_int_equal(errno, EAGAIN);
            close(fds[n]);
            break;
        }
        n++;
    }
    assert_true(n < 16);
    t = transport_for(path, &o);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -ETIMEDOUT);
    ms = elapsed_ms(&t0);
    assert_true(ms >= 150 && ms < 3000);
    xt_free(t);
    while (n--) {
        close(fds[n]);
    }
    close(lfd);
    unlink(path);
    rmdir(dir);
}

static void test_connection_refused(void **state)
{
    char dir[] = "/tmp/xvs-transport-unix.XXXXXX", path[80];
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    struct xt_transport *t;
    char *resp = NULL;
    size_t len = 0;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/xapi", dir);
    /* A missing socket. */
    t = transport_for(path, NULL);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -ECONNREFUSED);
    /* A socket nobody listens on any more. */
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    close(fd);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -ECONNREFUSED);
    assert_null(resp);
    unlink(path);
    /* Not a socket at all. */
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -ECONNREFUSED);
    xt_free(t);
    unlink(path);
    rmdir(dir);
}

static void test_bad_arguments(void **state)
{
    struct xt_options o = {.timeout_ms = -1};
    struct xt_transport dummy = {0}, *t = &dummy;

    (void)state;
    assert_int_equal(xt_unix_new("https://xs.example/", NULL, &t), -EINVAL);
    assert_null(t);
    t = &dummy;
    assert_int_equal(xt_unix_new("http://127.0.0.1/", NULL, &t), -EINVAL);
    assert_null(t);
    assert_int_equal(xt_unix_new("relative/path", NULL, &t), -EINVAL);
    assert_int_equal(xt_unix_new(NULL, NULL, &t), -EINVAL);
    assert_int_equal(xt_unix_new("/var/lib/xcp/xapi", &o, &t), -EINVAL);
    assert_null(t);
    o.timeout_ms = 0;
    o.connect_timeout_ms = -5;
    assert_int_equal(xt_unix_new("/var/lib/xcp/xapi", &o, &t), -EINVAL);
    /* The TLS options mean nothing here and are accepted. */
    o.connect_timeout_ms = 0;
    o.ca_file = "/nonexistent/ca.pem";
    o.insecure = true;
    assert_int_equal(xt_unix_new("http://_var_lib_xcp_xapi/", &o, &t), 0);
    assert_string_equal(xt_get_url(t), "http://_var_lib_xcp_xapi/");
    xt_free(t);
}

/* ------------------------------------------------------------------ */
/* End to end: the simulator                                           */

static void test_simulator(void **state)
{
    const char *bin = getenv("XVS_BIN"), *src = getenv("XVS_SRC");
    char sim[512], fixture[512], dir[] = "/tmp/xvs-transport-unix.XXXXXX", sock[128], pidfile[128],
                                 state_file[128], pidbuf[32] = "";
    struct xapi_record_list pifs = {0};
    struct xapi_session *s = NULL;
    struct xt_transport *t;
    pid_t child, pid = 0;
    int status, fd;

    (void)state;
    snprintf(sim, sizeof sim, "%s/xvs-xapi-sim", bin ? bin : "build/bin");
    snprintf(fixture, sizeof fixture, "%s/tests/data/dbcache/four-scenarios.dbcache",
             src ? src : ".");
    if (access(sim, X_OK) != 0 || access(fixture, R_OK) != 0) {
        skip();
    }
    assert_non_null(mkdtemp(dir));
    snprintf(sock, sizeof sock, "%s/xapi", dir);
    snprintf(pidfile, sizeof pidfile, "%s/sim.pid", dir);
    snprintf(state_file, sizeof state_file, "%s/sim.state", dir);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        execl(sim, sim, "--root-prefix", dir, "--state", state_file, "--dbcache", fixture, "--unix",
              sock, "--pidfile", pidfile, "--detach", "--no-syslog", (char *)NULL);
        _exit(127);
    }
    /* --detach returns once the socket listens. */
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fd = open(pidfile, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(read(fd, pidbuf, sizeof pidbuf - 1) > 0);
    close(fd);
    pid = (pid_t)atoi(pidbuf);
    assert_true(pid > 0);
    for (int i = 0; i < 250 && access(sock, F_OK) != 0; i++) {
        usleep(20000);
    }

    t = transport_for(sock, NULL);
    assert_int_equal(xapi_session_new(t, &s), 0);
    assert_int_equal(xapi_login_with_password(s, "root", "", "1.0", "transport_unix_test"), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(xapi_get_all_records(s, &xapi_class_pif, &pifs), 0);
        assert_int_equal(pifs.n, 8);
        xapi_record_list_clear(&pifs);
    }
    assert_int_equal(xapi_logout(s), 0);
    xapi_session_free(s);

    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
        usleep(20000);
    }
    unlink(sock);
    unlink(pidfile);
    unlink(state_file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_round_trip_and_headers),
            cmocka_unit_test(test_pseudo_url),
            cmocka_unit_test(test_chunked),
            cmocka_unit_test(test_reconnect_after_idle_close),
            cmocka_unit_test(test_retry_when_kept_connection_dropped),
            cmocka_unit_test(test_connection_close_honoured),
            cmocka_unit_test(test_http10_body_to_eof),
            cmocka_unit_test(test_set_url),
            cmocka_unit_test(test_trace_headers),
            cmocka_unit_test(test_responses),
            cmocka_unit_test(test_malformed_responses),
            cmocka_unit_test(test_response_limits),
            cmocka_unit_test(test_timeout),
            cmocka_unit_test(test_connect_timeout),
            cmocka_unit_test(test_connection_refused),
            cmocka_unit_test(test_bad_arguments),
            cmocka_unit_test(test_simulator),
    };

    signal(SIGPIPE, SIG_IGN);
    xlog_open("transport_unix_test", false);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
