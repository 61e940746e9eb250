/* How XML-RPC requests reach XAPI: an HTTP POST of the request body to "/".
 *
 * A transport is a small object with an ops table, so that the session
 * layer (xapi.c) can run over a real transport in production and over a
 * fake one in unit tests.  Two real transports exist, each in its own object
 * file so that a program links (and loads) only what it calls:
 *   xt_curl_new (transport_curl.c)  libcurl: plain HTTP, HTTPS (peer verified
 *                                   by default) and HTTP over a unix socket;
 *                                   for tools that accept remote URLs.
 *   xt_unix_new (transport_unix.c)  HTTP/1.1 over the local XAPI's unix socket
 *                                   only, without libcurl, whose ~30 shared
 *                                   libraries cost 10-20 ms at every start of
 *                                   the short-lived dom0 programs.
 * This file (transport.c) holds what both share: the ops wrappers, URL
 * parsing, the HOST_IS_SLAVE redirect rule, the tracing headers and the fake
 * transport; it does not depend on libcurl.
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

/* Settings of the real transports; zero/NULL fields take the defaults.  The
 * unix transport ignores the two TLS fields. */
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

/* Creates a libcurl transport for "url" (any form above); "opts" may be
 * NULL.  One CURL handle is kept for the transport's lifetime, so
 * connections are reused (HTTP keep-alive).  The tracing headers of
 * xt_trace_headers() are sent with each request.
 *
 * post() returns 0 on HTTP 200; -EPROTO for another status; -ECONNREFUSED
 * when no connection could be made (refused, socket missing, unreachable);
 * -ETIMEDOUT when a timeout expired; -E2BIG when the response exceeds
 * max_response; -ENOMEM; -EIO for any other failure (TLS, resolution, peer
 * closed early).  Each failure is logged once, naming the URL.
 *
 * Returns 0 with "*out" set, -EINVAL (bad URL or option) or -ENOMEM.
 * Defined in transport_curl.c: calling it links libcurl. */
int xt_curl_new(const char *url, const struct xt_options *opts, struct xt_transport **out);

/* Creates a transport that speaks HTTP/1.1 over a unix stream socket,
 * without libcurl: "url_or_path" is the socket path ("/var/lib/xcp/xapi") or
 * its pseudo-URL ("http://_var_lib_xcp_xapi/"); "opts" may be NULL.
 *
 * Local-only by design: the dom0 programs that use it only ever talk to the
 * local XAPI, so it neither resolves names nor speaks TLS.  set_url() accepts
 * another unix socket, but an http:// or https:// URL on TCP (as the
 * HOST_IS_SLAVE redirect of xapi.c produces) fails with -EINVAL and a log
 * line; the URL stays unchanged.  Nothing is lost by that: on a pool slave,
 * XAPI itself forwards the calls that arrive on its unix socket to the
 * master (logins are answered locally), which is why the Python originals
 * work there without any redirect handling.
 *
 * The connection is kept open between requests (keep-alive) unless the
 * server asks to close it; when a kept connection turns out to be closed by
 * the server before any byte of the response arrived, the request is sent
 * once more on a new connection.  connect_timeout_ms bounds the connect,
 * timeout_ms the whole request, reconnect included.  Responses may carry a
 * Content-Length, be chunked, or end with the connection.  Requests carry
 * the Host pseudo host, Content-Type text/xml, Content-Length and the
 * tracing headers of xt_trace_headers().
 *
 * post() returns the same codes as the libcurl transport's: 0 on HTTP 200;
 * -EPROTO for another status; -ECONNREFUSED when the socket is missing or
 * refuses; -ETIMEDOUT; -E2BIG when the body exceeds max_response; -ENOMEM;
 * -EIO for anything else (the peer closed early, a malformed response).
 * Each failure is logged once, naming the URL.
 *
 * Returns 0 with "*out" set, -EINVAL (bad or non-local URL, bad option) or
 * -ENOMEM.  Defined in transport_unix.c. */
int xt_unix_new(const char *url_or_path, const struct xt_options *opts, struct xt_transport **out);

/* Receives one tracing header: its name (lower case) and value. */
typedef int (*xt_header_fn)(void *ctx, const char *name, const char *value);

/* The tracing headers real transports add to every request, read from the
 * environment at the time of the call, as the Python client does:
 * TRACEPARENT, BAGGAGE and ORIGINATOR become the traceparent, baggage and
 * originator headers.  Empty variables are skipped, and so are values with a
 * line break (which could inject headers; a warning is logged).  Calls "fn"
 * with "ctx" for each header in that order and stops at the first negative
 * return, which it returns; else 0. */
int xt_trace_headers(xt_header_fn fn, void *ctx);

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
