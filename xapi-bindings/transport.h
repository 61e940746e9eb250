/* How XML-RPC requests reach XAPI: an HTTP POST of the request body to "/".
 *
 * A transport is a small object with an ops table, so that the session
 * layer (xapi.c) can run over the real libcurl transport in production and
 * over a fake one in unit tests.  The libcurl transport speaks plain HTTP,
 * HTTPS (peer verified by default) and HTTP over a unix socket, which is how
 * dom0 programs reach the local XAPI.
 *
 * URL forms accepted (xt_url_parse):
 *   http://HOST[:PORT][/]       TCP, port 80 by default.
 *   https://HOST[:PORT][/]      TLS, port 443 by default.  HOST may be an
 *                               IPv6 address in brackets.
 *   /ABS/PATH                   a unix socket, e.g. /var/lib/xcp/xapi.
 *   http://_ABS_PATH[/]         the pseudo-URL of the Python XenAPI.xapi_local():
 *                               a host starting with '_' names a unix socket,
 *                               each '_' standing for a '/', so
 *                               http://_var_lib_xcp_xapi/ is /var/lib/xcp/xapi.
 * For unix sockets the Host header is the pseudo host ("_var_lib_xcp_xapi"),
 * as the Python client sends it.  Any other path, a query, user info or a
 * bad port is rejected with -EINVAL. */
#ifndef XVS_TRANSPORT_H
#define XVS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

/* Operations of one transport kind.  "ctx" is the transport's own state. */
struct xt_ops {
    /* POSTs "body" ("len" bytes) and returns the response body in "*resp"
     * (malloc'ed, NUL-terminated, "*resp_len" bytes without the NUL).
     * Returns 0 or a negative errno; "*resp" is NULL on failure. */
    int (*post)(void *ctx, const char *body, size_t len, char **resp, size_t *resp_len);
    /* Points later requests at "url" (one of the forms above).  Returns 0,
     * -EINVAL or -ENOMEM; the old URL stays in force on failure. */
    int (*set_url)(void *ctx, const char *url);
    /* The current URL as given to creation or set_url. */
    const char *(*get_url)(const void *ctx);
    /* Frees "ctx". */
    void (*free)(void *ctx);
};

struct xt_transport {
    const struct xt_ops *ops;
    void *ctx;
};

/* Wraps "ops" and "ctx" into a transport.  On success the transport owns
 * "ctx"; on allocation failure ops->free(ctx) is called and NULL returned. */
struct xt_transport *xt_new(const struct xt_ops *ops, void *ctx);

/* Calls through the ops table; see struct xt_ops.  xt_post() on a NULL
 * transport returns -EINVAL. */
int xt_post(struct xt_transport *t, const char *body, size_t len, char **resp, size_t *resp_len);
int xt_set_url(struct xt_transport *t, const char *url);
const char *xt_get_url(const struct xt_transport *t);

/* Frees the transport and its state.  Accepts NULL. */
void xt_free(struct xt_transport *t);

/* A parsed URL. */
enum xt_scheme {
    XT_SCHEME_HTTP,
    XT_SCHEME_HTTPS,
    XT_SCHEME_UNIX,
};

struct xt_url {
    enum xt_scheme scheme;
    /* TCP: host name or address (IPv6 without brackets).  Unix: the pseudo
     * host sent as Host header, e.g. "_var_lib_xcp_xapi". */
    char *host;
    unsigned port;     /* TCP: explicit or default port.  Unix: 0. */
    char *socket_path; /* Unix: the socket path.  TCP: NULL. */
};

/* Parses "url" into "out" (which the caller clears with xt_url_clear()).
 * Returns 0, -EINVAL (logged with the reason) or -ENOMEM. */
int xt_url_parse(const char *url, struct xt_url *out);

/* Frees the strings of "u" and zeroes it.  Accepts NULL. */
void xt_url_clear(struct xt_url *u);

/* The URL to use after a pool slave answered HOST_IS_SLAVE [master]: with
 * the current URL on TCP, the same scheme and port with the host replaced
 * by "master"; with the current URL on a unix socket (the local XAPI),
 * https://MASTER/ (port 443), because remote XAPIs only listen with TLS.
 * An IPv6 master address is bracketed.  "*out" is malloc'ed.  Returns 0,
 * -EINVAL (bad current URL or master address) or -ENOMEM. */
int xt_redirect_url(const char *url, const char *master, char **out);

/* Settings of the libcurl transport; zero/NULL fields take the defaults. */
struct xt_options {
    long connect_timeout_ms; /* Default 10 s. */
    long timeout_ms;         /* Whole request, default 120 s. */
    const char *ca_file;     /* HTTPS: CA bundle to verify the peer with;
                              * NULL: the system's bundle.  Copied. */
    bool insecure;           /* HTTPS: skip peer and host name checks. */
    size_t max_response;     /* Default XT_MAX_RESPONSE. */
};

#define XT_CONNECT_TIMEOUT_MS 10000L
#define XT_TIMEOUT_MS         120000L
#define XT_MAX_RESPONSE       ((size_t)64 << 20)

/* Creates a libcurl transport for "url"; "opts" may be NULL.  One CURL
 * handle is kept for the transport's lifetime, so connections are reused
 * (HTTP keep-alive).  When the environment variables TRACEPARENT, BAGGAGE or
 * ORIGINATOR are set at the time of a request, their values are sent as the
 * traceparent, baggage and originator headers, as the Python client does.
 *
 * post() returns 0 on HTTP 200; -EPROTO for another status; -ECONNREFUSED
 * when no connection could be made (refused, socket missing, unreachable);
 * -ETIMEDOUT when a timeout expired; -E2BIG when the response exceeds
 * max_response; -ENOMEM; -EIO for any other failure (TLS, resolution, peer
 * closed early).  Each failure is logged once, naming the URL.
 *
 * Returns 0 with "*out" set, -EINVAL (bad URL or option) or -ENOMEM. */
int xt_curl_new(const char *url, const struct xt_options *opts, struct xt_transport **out);

/* The handler of a fake transport: receives the current URL and the request
 * body, and returns a malloc'ed response body in "*resp" (may be NULL when
 * "*resp_len" is 0) or a negative errno, which post() passes on. */
typedef int (*xt_fake_handler)(void *ctx, const char *url, const char *body, size_t len,
                               char **resp, size_t *resp_len);

/* The URL a fake transport starts with: a unix socket path. */
#define XT_FAKE_URL "/fake/xapi"

/* Creates a fake transport for tests that calls "fn" with "ctx" (borrowed)
 * for each request.  Its URL starts as XT_FAKE_URL and set_url() accepts
 * the same forms as the real one.  NULL on allocation failure. */
struct xt_transport *xt_fake_new(xt_fake_handler fn, void *ctx);

#endif
