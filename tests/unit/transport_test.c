/* Unit tests for xapi-bindings/transport: URL parsing, the HOST_IS_SLAVE
 * redirect rule, the tracing headers, the fake transport, and libcurl
 * (transport_curl.c) round trips against a small HTTP server that runs in a
 * thread of this test on a unix socket (in a temporary directory) or on
 * 127.0.0.1.  The libcurl-free transport has its own transport_unix_test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

/* ------------------------------------------------------------------ */
/* URL parsing                                                         */

struct url_case {
    const char *url;
    enum xt_scheme scheme;
    const char *host;
    unsigned port;
    const char *socket_path;
};

static void test_url_valid(void **state)
{
    static const struct url_case cases[] = {
            {"http://xs1/", XT_SCHEME_HTTP, "xs1", 80, NULL},
            {"http://xs1", XT_SCHEME_HTTP, "xs1", 80, NULL},
            {"HTTP://Xs1.example.com:8080/", XT_SCHEME_HTTP, "Xs1.example.com", 8080, NULL},
            {"https://xs.example.com/", XT_SCHEME_HTTPS, "xs.example.com", 443, NULL},
            {"https://192.0.2.1:8443", XT_SCHEME_HTTPS, "192.0.2.1", 8443, NULL},
            {"http://[::1]:8080/", XT_SCHEME_HTTP, "::1", 8080, NULL},
            {"https://[2001:db8::1]/", XT_SCHEME_HTTPS, "2001:db8::1", 443, NULL},
            {"http://h:65535/", XT_SCHEME_HTTP, "h", 65535, NULL},
            {"/var/lib/xcp/xapi", XT_SCHEME_UNIX, "_var_lib_xcp_xapi", 0, "/var/lib/xcp/xapi"},
            {"http://_var_lib_xcp_xapi/", XT_SCHEME_UNIX, "_var_lib_xcp_xapi", 0,
             "/var/lib/xcp/xapi"},
            {"http://_var_xapi_xapi", XT_SCHEME_UNIX, "_var_xapi_xapi", 0, "/var/xapi/xapi"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xt_url u;

        assert_int_equal(xt_url_parse(cases[i].url, &u), 0);
        assert_int_equal(u.scheme, cases[i].scheme);
        assert_string_equal(u.host, cases[i].host);
        assert_int_equal(u.port, cases[i].port);
        if (cases[i].socket_path) {
            assert_string_equal(u.socket_path, cases[i].socket_path);
        } else {
            assert_null(u.socket_path);
        }
        xt_url_clear(&u);
        assert_null(u.host);
    }
    xt_url_clear(NULL);
}

static void test_url_invalid(void **state)
{
    char long_path[200];
    const char *bad[] = {
            "",
            "ftp://h/",
            "http://",
            "http:///",
            "http://h/path",
            "http://h/?q=1",
            "http://h#frag",
            "http://user@h/",
            "http://user:pw@h/",
            "http://h:0/",
            "http://h:65536/",
            "http://h:123456/",
            "http://h:abc/",
            "http://h:/",
            "http://[::1/",
            "http://[nothex]/",
            "http://a:b:c/",
            "http://h o/",
            "https://_var_lib_xcp_xapi/",
            "http://_var_lib/xcp/",
            "http://_var lib/",
            "relative/path",
            "/",
            "/path with space",
            long_path,
    };
    struct xt_url u;

    (void)state;
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = '\0';
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = xt_url_parse(bad[i], &u);

        if (r != -EINVAL) {
            fail_msg("URL '%s' gave %d, not -EINVAL", bad[i], r);
        }
        assert_null(u.host);
        assert_null(u.socket_path);
    }
    assert_int_equal(xt_url_parse(NULL, &u), -EINVAL);
}

static void test_redirect_url(void **state)
{
    static const char *const cases[][3] = {
            {"/var/lib/xcp/xapi", "192.0.2.10", "https://192.0.2.10/"},
            {"http://_var_lib_xcp_xapi/", "master.example", "https://master.example/"},
            {"http://10.0.0.1:8080/", "10.0.0.2", "http://10.0.0.2:8080/"},
            {"http://10.0.0.1/", "10.0.0.2", "http://10.0.0.2/"},
            {"https://10.0.0.1/", "10.0.0.2", "https://10.0.0.2/"},
            {"https://10.0.0.1:80/", "10.0.0.2", "https://10.0.0.2:80/"},
            {"https://h/", "2001:db8::2", "https://[2001:db8::2]/"},
            {"https://h/", "[2001:db8::2]", "https://[2001:db8::2]/"},
    };
    const char *bad_masters[] = {"", "a/b", "_x", "1.2.3.4:8443", "h o", "u@h"};
    char *out;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(xt_redirect_url(cases[i][0], cases[i][1], &out), 0);
        assert_string_equal(out, cases[i][2]);
        free(out);
    }
    for (size_t i = 0; i < sizeof bad_masters / sizeof bad_masters[0]; i++) {
        out = (char *)"unchanged";
        assert_int_equal(xt_redirect_url("/var/lib/xcp/xapi", bad_masters[i], &out), -EINVAL);
        assert_null(out);
    }
    assert_int_equal(xt_redirect_url("/var/lib/xcp/xapi", NULL, &out), -EINVAL);
    assert_int_equal(xt_redirect_url("ftp://x/", "10.0.0.2", &out), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Tracing headers                                                     */

struct trace_seen {
    char names[3][16];
    char values[3][80];
    int n;
    int fail_at; /* Returns -ENOMEM for this call (1-based); 0: never. */
};

static int trace_collect(void *ctx, const char *name, const char *value)
{
    struct trace_seen *seen = ctx;

    if (++seen->n == seen->fail_at) {
        return -ENOMEM;
    }
    assert_true(seen->n <= 3);
    snprintf(seen->names[seen->n - 1], sizeof seen->names[0], "%s", name);
    snprintf(seen->values[seen->n - 1], sizeof seen->values[0], "%s", value);
    return 0;
}

static void test_trace_headers_fn(void **state)
{
    struct trace_seen seen = {0};

    (void)state;
    unsetenv("TRACEPARENT");
    unsetenv("BAGGAGE");
    unsetenv("ORIGINATOR");
    assert_int_equal(xt_trace_headers(trace_collect, &seen), 0);
    assert_int_equal(seen.n, 0);
    /* In a fixed order; empty and multi-line values are left out. */
    setenv("ORIGINATOR", "o", 1);
    setenv("BAGGAGE", "", 1);
    setenv("TRACEPARENT", "00-1-2-01", 1);
    assert_int_equal(xt_trace_headers(trace_collect, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.names[0], "traceparent");
    assert_string_equal(seen.values[0], "00-1-2-01");
    assert_string_equal(seen.names[1], "originator");
    assert_string_equal(seen.values[1], "o");
    memset(&seen, 0, sizeof seen);
    setenv("BAGGAGE", "a=b\nc", 1);
    assert_int_equal(xt_trace_headers(trace_collect, &seen), 0);
    assert_int_equal(seen.n, 2);
    /* The first failure of the callback stops the walk. */
    memset(&seen, 0, sizeof seen);
    seen.fail_at = 1;
    assert_int_equal(xt_trace_headers(trace_collect, &seen), -ENOMEM);
    assert_int_equal(seen.n, 1);
    unsetenv("TRACEPARENT");
    unsetenv("BAGGAGE");
    unsetenv("ORIGINATOR");
}

/* ------------------------------------------------------------------ */
/* Fake transport                                                      */

struct fake_seen {
    char url[64];
    char body[64];
    int calls;
    int fail_with;
};

static int fake_echo(void *ctx, const char *url, const char *body, size_t len, char **resp,
                     size_t *resp_len)
{
    struct fake_seen *seen = ctx;

    seen->calls++;
    snprintf(seen->url, sizeof seen->url, "%s", url);
    snprintf(seen->body, sizeof seen->body, "%.*s", (int)len, body);
    if (seen->fail_with) {
        return seen->fail_with;
    }
    /* Without a NUL: the transport must add one. */
    *resp = malloc(len);
    memcpy(*resp, body, len);
    *resp_len = len;
    return 0;
}

static void test_fake_transport(void **state)
{
    struct fake_seen seen = {0};
    struct xt_transport *t = xt_fake_new(fake_echo, &seen);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_non_null(t);
    assert_string_equal(xt_get_url(t), XT_FAKE_URL);
    assert_int_equal(xt_post(t, "hello", 5, &resp, &len), 0);
    assert_int_equal(len, 5);
    assert_string_equal(resp, "hello");
    assert_string_equal(seen.url, XT_FAKE_URL);
    free(resp);

    assert_int_equal(xt_set_url(t, "https://192.0.2.7/"), 0);
    assert_string_equal(xt_get_url(t), "https://192.0.2.7/");
    assert_int_equal(xt_set_url(t, "bogus://"), -EINVAL);
    assert_string_equal(xt_get_url(t), "https://192.0.2.7/");
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), 0);
    assert_string_equal(seen.url, "https://192.0.2.7/");
    free(resp);

    seen.fail_with = -ECONNREFUSED;
    resp = (char *)"unchanged";
    assert_int_equal(xt_post(t, "y", 1, &resp, &len), -ECONNREFUSED);
    assert_null(resp);
    assert_int_equal(seen.calls, 3);
    assert_int_equal(xt_post(NULL, "y", 1, &resp, &len), -EINVAL);
    xt_free(t);
    xt_free(NULL);
    assert_null(xt_fake_new(NULL, NULL));
}

/* ------------------------------------------------------------------ */
/* A tiny HTTP server in a thread                                      */

enum srv_mode {
    SRV_ECHO,       /* 200 with the request body as response body. */
    SRV_500,        /* 500 Internal Server Error. */
    SRV_CLOSE,      /* Reads the request, closes without answering. */
    SRV_SILENT,     /* Reads the request, never answers (until stopped). */
    SRV_BIG_LENGTH, /* 200 announcing and sending 10,000 bytes. */
    SRV_BIG_STREAM, /* 200 without Content-Length, 10,000 bytes, close. */
    SRV_GARBAGE,    /* Not HTTP at all. */
};

struct server {
    enum srv_mode mode;
    int lfd;
    int stop[2];
    char dir[64];
    char path[80];
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;
    int accepts;
    int requests;
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

/* Waits until "fd" is readable or the server is stopped.  Returns true for
 * readable. */
static bool wait_readable(struct server *s, int fd)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};

    if (poll(p, 2, 10000) <= 0 || p[1].revents) {
        return false;
    }
    return true;
}

/* Reads one request into "buf".  Returns its length, or -1 at EOF/error. */
static ssize_t read_request(struct server *s, int fd, char *buf, size_t size)
{
    size_t len = 0, want = 0;
    char *end = NULL;

    while (!end || len < want) {
        ssize_t n;

        if (len + 1 >= size || !wait_readable(s, fd)) {
            return -1;
        }
        n = recv(fd, buf + len, size - len - 1, 0);
        if (n <= 0) {
            return -1;
        }
        len += (size_t)n;
        buf[len] = '\0';
        if (buf[0] < 'A' || buf[0] > 'Z') {
            return (ssize_t)len; /* TLS or other non-HTTP bytes. */
        }
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");

            want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        }
    }
    return (ssize_t)len;
}

static void serve_connection(struct server *s, int fd)
{
    char req[sizeof s->request], head[256], big[10000];
    ssize_t n;

    memset(big, 'x', sizeof big);
    while ((n = read_request(s, fd, req, sizeof req)) >= 0) {
        const char *body = strstr(req, "\r\n\r\n");

        pthread_mutex_lock(&s->lock);
        s->requests++;
        memcpy(s->request, req, (size_t)n + 1);
        pthread_mutex_unlock(&s->lock);
        body = body ? body + 4 : req + n;
        if (req[0] < 'A' || req[0] > 'Z' || s->mode == SRV_GARBAGE) {
            send_all(fd, "SSH-2.0-nonsense\r\n\r\n", 20);
            return;
        }
        switch (s->mode) {
        case SRV_ECHO:
            snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n\r\n",
                     strlen(body));
            if (!send_all(fd, head, strlen(head)) || !send_all(fd, body, strlen(body))) {
                return;
            }
            break;
        case SRV_500:
            snprintf(head, sizeof head,
                     "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror");
            if (!send_all(fd, head, strlen(head))) {
                return;
            }
            break;
        case SRV_CLOSE:
            return;
        case SRV_SILENT:
            wait_readable(s, s->stop[0]);
            return;
        case SRV_BIG_LENGTH:
        case SRV_BIG_STREAM:
            snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n%s\r\n",
                     s->mode == SRV_BIG_LENGTH ? "Content-Length: 10000\r\n"
                                               : "Connection: close\r\n");
            send_all(fd, head, strlen(head));
            send_all(fd, big, sizeof big);
            return;
        case SRV_GARBAGE:
            return;
        }
    }
}

static void *server_main(void *arg)
{
    struct server *s = arg;

    while (wait_readable(s, s->lfd)) {
        int fd = accept(s->lfd, NULL, NULL);

        if (fd < 0) {
            continue;
        }
        pthread_mutex_lock(&s->lock);
        s->accepts++;
        pthread_mutex_unlock(&s->lock);
        serve_connection(s, fd);
        close(fd);
    }
    return NULL;
}

/* Starts a server on a unix socket in a new temp dir (tcp false) or on an
 * ephemeral port of 127.0.0.1. */
static struct server *server_start(enum srv_mode mode, bool tcp)
{
    struct server *s = calloc(1, sizeof *s);

    assert_non_null(s);
    s->mode = mode;
    pthread_mutex_init(&s->lock, NULL);
    assert_int_equal(pipe(s->stop), 0);
    snprintf(s->dir, sizeof s->dir, "/tmp/xvs-transport-test.XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    if (tcp) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
        socklen_t alen = sizeof a;

        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->lfd >= 0);
        assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
        assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
        s->port = ntohs(a.sin_port);
    } else {
        struct sockaddr_un a = {.sun_family = AF_UNIX};

        snprintf(s->path, sizeof s->path, "%s/xapi", s->dir);
        snprintf(a.sun_path, sizeof a.sun_path, "%s", s->path);
        s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->lfd >= 0);
        assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    }
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
    if (s->path[0]) {
        unlink(s->path);
    }
    rmdir(s->dir);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static struct xt_transport *transport_for(const char *url, const struct xt_options *o)
{
    struct xt_transport *t = NULL;

    assert_int_equal(xt_curl_new(url, o, &t), 0);
    assert_non_null(t);
    return t;
}

static const char request_body[] = "<?xml version=\"1.0\"?><methodCall/>";

static void test_curl_unix_round_trip(void **state)
{
    struct server *s = server_start(SRV_ECHO, false);
    struct xt_transport *t = transport_for(s->path, NULL);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(xt_post(t, request_body, strlen(request_body), &resp, &len), 0);
    assert_int_equal(len, strlen(request_body));
    assert_string_equal(resp, request_body);
    free(resp);
    assert_non_null(strstr(s->request, "POST / HTTP/1.1\r\n"));
    assert_non_null(strstr(s->request, "\r\nContent-Type: text/xml\r\n"));
    assert_null(strcasestr(s->request, "\r\nExpect:"));
    /* The pseudo host of the socket path, as the Python client sends it. */
    {
        char host[160];
        size_t i;

        snprintf(host, sizeof host, "\r\nHost: %s\r\n", s->path);
        for (i = 8; host[i] != '\r'; i++) {
            host[i] = host[i] == '/' ? '_' : host[i];
        }
        assert_non_null(strstr(s->request, host));
    }
    /* Keep-alive: the second request reuses the connection. */
    assert_int_equal(xt_post(t, "second", 6, &resp, &len), 0);
    assert_string_equal(resp, "second");
    free(resp);
    assert_int_equal(s->requests, 2);
    assert_int_equal(s->accepts, 1);
    xt_free(t);
    server_stop(s);
}

static void test_curl_pseudo_url(void **state)
{
    struct server *s = server_start(SRV_ECHO, false);
    char url[200];
    struct xt_transport *t;
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    snprintf(url, sizeof url, "http://%s/", s->path);
    for (char *p = url + 7; *p && p[1]; p++) {
        *p = *p == '/' ? '_' : *p;
    }
    t = transport_for(url, NULL);
    assert_string_equal(xt_get_url(t), url);
    assert_int_equal(xt_post(t, "pseudo", 6, &resp, &len), 0);
    assert_string_equal(resp, "pseudo");
    free(resp);
    xt_free(t);
    server_stop(s);
}

static void test_curl_tcp_and_set_url(void **state)
{
    struct server *a = server_start(SRV_ECHO, true), *b = server_start(SRV_500, false);
    char url[64];
    struct xt_transport *t;
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", a->port);
    t = transport_for(url, NULL);
    assert_int_equal(xt_post(t, "tcp", 3, &resp, &len), 0);
    assert_string_equal(resp, "tcp");
    free(resp);
    assert_non_null(strstr(a->request, "\r\nHost: 127.0.0.1:"));
    /* Switching the URL sends the next request to the other server. */
    assert_int_equal(xt_set_url(t, b->path), 0);
    assert_string_equal(xt_get_url(t), b->path);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -EPROTO);
    assert_int_equal(b->requests, 1);
    assert_int_equal(a->requests, 1);
    assert_int_equal(xt_set_url(t, "nonsense"), -EINVAL);
    assert_string_equal(xt_get_url(t), b->path);
    xt_free(t);
    server_stop(a);
    server_stop(b);
}

static void test_curl_trace_headers(void **state)
{
    struct server *s = server_start(SRV_ECHO, false);
    struct xt_transport *t = transport_for(s->path, NULL);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    setenv("TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 1);
    setenv("BAGGAGE", "k=v", 1);
    setenv("ORIGINATOR", "evil\r\nX-Injected: 1", 1);
    assert_int_equal(xt_post(t, "t", 1, &resp, &len), 0);
    free(resp);
    assert_non_null(
            strstr(s->request,
                   "\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"));
    assert_non_null(strstr(s->request, "\r\nbaggage: k=v\r\n"));
    assert_null(strstr(s->request, "X-Injected"));
    assert_null(strstr(s->request, "originator"));
    setenv("ORIGINATOR", "xvs-test", 1);
    unsetenv("TRACEPARENT");
    assert_int_equal(xt_post(t, "t", 1, &resp, &len), 0);
    free(resp);
    assert_non_null(strstr(s->request, "\r\noriginator: xvs-test\r\n"));
    assert_null(strstr(s->request, "traceparent"));
    unsetenv("BAGGAGE");
    unsetenv("ORIGINATOR");
    xt_free(t);
    server_stop(s);
}

/* Runs one post against a server in "mode" and returns post()'s result. */
static int post_against(enum srv_mode mode, const struct xt_options *o)
{
    struct server *s = server_start(mode, false);
    struct xt_transport *t = transport_for(s->path, o);
    char *resp = (char *)"unchanged";
    size_t len = 1;
    int r = xt_post(t, request_body, strlen(request_body), &resp, &len);

    if (r < 0) {
        assert_null(resp);
        assert_int_equal(len, 0);
    } else {
        free(resp);
    }
    xt_free(t);
    server_stop(s);
    return r;
}

static void test_curl_http_500(void **state)
{
    (void)state;
    assert_int_equal(post_against(SRV_500, NULL), -EPROTO);
}

static void test_curl_server_closes_early(void **state)
{
    (void)state;
    assert_int_equal(post_against(SRV_CLOSE, NULL), -EIO);
}

static void test_curl_garbage_reply(void **state)
{
    (void)state;
    assert_int_equal(post_against(SRV_GARBAGE, NULL), -EIO);
}

static void test_curl_timeout(void **state)
{
    struct xt_options o = {.timeout_ms = 300};

    (void)state;
    assert_int_equal(post_against(SRV_SILENT, &o), -ETIMEDOUT);
}

static void test_curl_response_too_big(void **state)
{
    struct xt_options o = {.max_response = 1024};

    (void)state;
    assert_int_equal(post_against(SRV_BIG_LENGTH, &o), -E2BIG);
    assert_int_equal(post_against(SRV_BIG_STREAM, &o), -E2BIG);
    o.max_response = 20000;
    assert_int_equal(post_against(SRV_BIG_STREAM, &o), 0);
}

static void test_curl_connection_refused(void **state)
{
    char dir[] = "/tmp/xvs-transport-test.XXXXXX", path[80];
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
    xt_free(t);
    unlink(path);
    rmdir(dir);
}

static void test_curl_https_to_plain_server(void **state)
{
    struct server *s = server_start(SRV_ECHO, true);
    struct xt_options o = {.insecure = true, .timeout_ms = 5000};
    struct xt_transport *t;
    char url[64];
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    /* The TLS handshake meets a plain HTTP server and must fail cleanly. */
    snprintf(url, sizeof url, "https://127.0.0.1:%u/", s->port);
    t = transport_for(url, &o);
    assert_int_equal(xt_post(t, "x", 1, &resp, &len), -EIO);
    assert_null(resp);
    xt_free(t);
    server_stop(s);
}

static void test_curl_bad_arguments(void **state)
{
    struct xt_options o = {.timeout_ms = -1};
    struct xt_transport dummy = {0}, *t = &dummy;

    (void)state;
    assert_int_equal(xt_curl_new("ftp://x/", NULL, &t), -EINVAL);
    assert_null(t);
    t = &dummy;
    assert_int_equal(xt_curl_new("http://x/", &o, &t), -EINVAL);
    assert_null(t);
    o.timeout_ms = 0;
    o.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(xt_curl_new("https://x/", &o, &t), 0);
    assert_string_equal(xt_get_url(t), "https://x/");
    xt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_url_valid),
            cmocka_unit_test(test_url_invalid),
            cmocka_unit_test(test_redirect_url),
            cmocka_unit_test(test_trace_headers_fn),
            cmocka_unit_test(test_fake_transport),
            cmocka_unit_test(test_curl_unix_round_trip),
            cmocka_unit_test(test_curl_pseudo_url),
            cmocka_unit_test(test_curl_tcp_and_set_url),
            cmocka_unit_test(test_curl_trace_headers),
            cmocka_unit_test(test_curl_http_500),
            cmocka_unit_test(test_curl_server_closes_early),
            cmocka_unit_test(test_curl_garbage_reply),
            cmocka_unit_test(test_curl_timeout),
            cmocka_unit_test(test_curl_response_too_big),
            cmocka_unit_test(test_curl_connection_refused),
            cmocka_unit_test(test_curl_https_to_plain_server),
            cmocka_unit_test(test_curl_bad_arguments),
    };

    signal(SIGPIPE, SIG_IGN);
    xlog_open("transport_test", false);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
