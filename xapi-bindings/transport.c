/* XML-RPC transports, the part every transport shares: the ops wrappers,
 * URL parsing, the HOST_IS_SLAVE redirect rule, the tracing headers and the
 * fake transport used by unit tests.  No libcurl here: a program that never
 * calls xt_curl_new() (transport_curl.c) must not load it.  See transport.h. */
#include "transport.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "log.h"

struct xt_transport *xt_new(const struct xt_ops *ops, void *ctx)
{
    struct xt_transport *t = calloc(1, sizeof *t);

    if (!t) {
        ops->free(ctx);
        return NULL;
    }
    t->ops = ops;
    t->ctx = ctx;
    return t;
}

int xt_post(struct xt_transport *t, const char *body, size_t len, char **resp, size_t *resp_len)
{
    *resp = NULL;
    *resp_len = 0;
    if (!t || !body) {
        return -EINVAL;
    }
    return t->ops->post(t->ctx, body, len, resp, resp_len);
}

int xt_set_url(struct xt_transport *t, const char *url)
{
    if (!t || !url) {
        return -EINVAL;
    }
    return t->ops->set_url(t->ctx, url);
}

const char *xt_get_url(const struct xt_transport *t)
{
    return t ? t->ops->get_url(t->ctx) : NULL;
}

void xt_free(struct xt_transport *t)
{
    if (t) {
        t->ops->free(t->ctx);
        free(t);
    }
}

/* ------------------------------------------------------------------ */
/* URLs                                                                */

void xt_url_clear(struct xt_url *u)
{
    if (u) {
        free(u->host);
        free(u->socket_path);
        memset(u, 0, sizeof *u);
    }
}

/* A unix socket path must fit sockaddr_un and be usable as a Host header
 * once its slashes become underscores, so it may hold no blanks or
 * control characters. */
static const char *check_socket_path(const char *path)
{
    if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        return "socket path too long";
    }
    if (!strcmp(path, "/")) {
        return "no socket path";
    }
    for (const char *p = path; *p; p++) {
        if (!isgraph((unsigned char)*p)) {
            return "blank or control character in socket path";
        }
    }
    return NULL;
}

static int parse_unix(const char *path, bool pseudo, struct xt_url *out, const char **reason)
{
    char *host = strdup(path), *sock = strdup(path);

    if (!host || !sock) {
        free(host);
        free(sock);
        return -ENOMEM;
    }
    /* The pseudo host maps to the path and back by swapping '_' and '/'. */
    for (char *p = pseudo ? sock : host; *p; p++) {
        if (*p == (pseudo ? '_' : '/')) {
            *p = pseudo ? '/' : '_';
        }
    }
    *reason = check_socket_path(sock);
    if (*reason) {
        free(host);
        free(sock);
        return -EINVAL;
    }
    out->scheme = XT_SCHEME_UNIX;
    out->host = host;
    out->socket_path = sock;
    out->port = 0;
    return 0;
}

static bool valid_hostname(const char *h, size_t len)
{
    if (len == 0 || len > 253) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.') {
            return false;
        }
    }
    return true;
}

static bool valid_ipv6(const char *h, size_t len)
{
    char buf[INET6_ADDRSTRLEN];
    struct in6_addr a;

    if (len == 0 || len >= sizeof buf) {
        return false;
    }
    memcpy(buf, h, len);
    buf[len] = '\0';
    return inet_pton(AF_INET6, buf, &a) == 1;
}

/* Parses "[:PORT]" at "p" up to "end" into "*port". */
static const char *parse_port(const char *p, const char *end, unsigned *port)
{
    unsigned long v = 0;

    if (p == end) {
        return NULL;
    }
    if (*p != ':' || p + 1 == end || end - p > 6) {
        return "bad port";
    }
    for (p++; p < end; p++) {
        if (!isdigit((unsigned char)*p)) {
            return "bad port";
        }
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v == 0 || v > 65535) {
        return "port out of range";
    }
    *port = (unsigned)v;
    return NULL;
}

static int parse_tcp(const char *url, struct xt_url *out, const char **reason)
{
    const char *auth, *auth_end, *host, *host_end, *after;
    enum xt_scheme scheme;

    if (!strncasecmp(url, "http://", 7)) {
        scheme = XT_SCHEME_HTTP;
        auth = url + 7;
    } else if (!strncasecmp(url, "https://", 8)) {
        scheme = XT_SCHEME_HTTPS;
        auth = url + 8;
    } else {
        *reason = "expected http://, https:// or an absolute socket path";
        return -EINVAL;
    }
    auth_end = auth + strcspn(auth, "/?#");
    if (*auth_end && strcmp(auth_end, "/") != 0) {
        *reason = "XAPI is served at path \"/\" only";
        return -EINVAL;
    }
    if (auth == auth_end) {
        *reason = "no host";
        return -EINVAL;
    }
    if (memchr(auth, '@', (size_t)(auth_end - auth))) {
        *reason = "user information in URLs is not supported";
        return -EINVAL;
    }
    if (*auth == '_') {
        int r;
        char *pseudo;

        if (scheme != XT_SCHEME_HTTP) {
            *reason = "a unix socket pseudo-host needs http://";
            return -EINVAL;
        }
        for (const char *p = auth; p < auth_end; p++) {
            if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
                *reason = "bad character in socket pseudo-host";
                return -EINVAL;
            }
        }
        pseudo = strndup(auth, (size_t)(auth_end - auth));
        if (!pseudo) {
            return -ENOMEM;
        }
        r = parse_unix(pseudo, true, out, reason);
        free(pseudo);
        return r;
    }
    if (*auth == '[') {
        host = auth + 1;
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        if (!host_end || !valid_ipv6(host, (size_t)(host_end - host))) {
            *reason = "bad IPv6 address";
            return -EINVAL;
        }
        after = host_end + 1;
    } else {
        host = auth;
        host_end = memchr(auth, ':', (size_t)(auth_end - auth));
        host_end = host_end ? host_end : auth_end;
        if (!valid_hostname(host, (size_t)(host_end - host))) {
            *reason = "bad host name";
            return -EINVAL;
        }
        after = host_end;
    }
    out->port = scheme == XT_SCHEME_HTTPS ? 443 : 80;
    *reason = parse_port(after, auth_end, &out->port);
    if (*reason) {
        return -EINVAL;
    }
    out->host = strndup(host, (size_t)(host_end - host));
    if (!out->host) {
        return -ENOMEM;
    }
    out->scheme = scheme;
    return 0;
}

int xt_url_parse(const char *url, struct xt_url *out)
{
    const char *reason = "empty";
    int r = -EINVAL;

    memset(out, 0, sizeof *out);
    if (url && url[0] == '/') {
        r = parse_unix(url, false, out, &reason);
    } else if (url && *url) {
        r = parse_tcp(url, out, &reason);
    }
    if (r == -EINVAL) {
        xlog_err("Invalid XenAPI URL '%s': %s", url ? url : "", reason);
    }
    if (r < 0) {
        xt_url_clear(out);
    }
    return r;
}

int xt_redirect_url(const char *url, const char *master, char **out)
{
    struct xt_url cur = {0}, check = {0};
    bool v6 = master && strchr(master, ':') && master[0] != '[';
    char port[8] = "";
    int r;

    *out = NULL;
    if (!master || !*master) {
        xlog_err("HOST_IS_SLAVE named no master address");
        return -EINVAL;
    }
    r = xt_url_parse(url, &cur);
    if (r < 0) {
        return r;
    }
    if (cur.scheme != XT_SCHEME_UNIX && cur.port != (cur.scheme == XT_SCHEME_HTTPS ? 443u : 80u)) {
        snprintf(port, sizeof port, ":%u", cur.port);
    }
    if (asprintf(out, "%s://%s%s%s%s/", cur.scheme == XT_SCHEME_HTTP ? "http" : "https",
                 v6 ? "[" : "", master, v6 ? "]" : "", port) < 0) {
        *out = NULL;
        r = -ENOMEM;
        goto out;
    }
    /* Re-parsing validates the master address with the same rules as any URL;
     * a master that parses as a socket path or brings its own path is refused. */
    r = xt_url_parse(*out, &check);
    if (r == 0 && check.scheme == XT_SCHEME_UNIX) {
        xlog_err("Invalid master address '%s'", master);
        r = -EINVAL;
    }
    if (r < 0) {
        free(*out);
        *out = NULL;
    }
out:
    xt_url_clear(&cur);
    xt_url_clear(&check);
    return r;
}

/* ------------------------------------------------------------------ */
/* Tracing headers                                                     */

int xt_trace_headers(xt_header_fn fn, void *ctx)
{
    static const char *const trace[][2] = {
            {"TRACEPARENT", "traceparent"},
            {"BAGGAGE", "baggage"},
            {"ORIGINATOR", "originator"},
    };

    for (size_t i = 0; i < sizeof trace / sizeof trace[0]; i++) {
        const char *v = getenv(trace[i][0]);
        int r;

        if (!v || !*v) {
            continue;
        }
        if (strpbrk(v, "\r\n")) {
            /* A line break would let the variable inject headers. */
            xlog_warn("Ignoring %s: it contains a line break", trace[i][0]);
            continue;
        }
        r = fn(ctx, trace[i][1], v);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Fake transport                                                      */

struct xt_fake {
    xt_fake_handler fn;
    void *ctx;
    char *url;
};

static int fake_post(void *ctx, const char *body, size_t len, char **resp, size_t *resp_len)
{
    struct xt_fake *f = ctx;
    char *out = NULL, *copy;
    size_t out_len = 0;
    int r = f->fn(f->ctx, f->url, body, len, &out, &out_len);

    if (r < 0) {
        free(out);
        return r;
    }
    /* The copy guarantees the NUL terminator the ops contract promises. */
    copy = malloc(out_len + 1);
    if (!copy) {
        free(out);
        return -ENOMEM;
    }
    if (out_len) {
        memcpy(copy, out, out_len);
    }
    copy[out_len] = '\0';
    free(out);
    *resp = copy;
    *resp_len = out_len;
    return 0;
}

static int fake_set_url(void *ctx, const char *url)
{
    struct xt_fake *f = ctx;
    struct xt_url u = {0};
    char *copy;
    int r = xt_url_parse(url, &u);

    xt_url_clear(&u);
    if (r < 0) {
        return r;
    }
    copy = strdup(url);
    if (!copy) {
        return -ENOMEM;
    }
    free(f->url);
    f->url = copy;
    return 0;
}

static const char *fake_get_url(const void *ctx)
{
    return ((const struct xt_fake *)ctx)->url;
}

static void fake_free(void *ctx)
{
    struct xt_fake *f = ctx;

    if (f) {
        free(f->url);
        free(f);
    }
}

static const struct xt_ops fake_ops = {
        .post = fake_post,
        .set_url = fake_set_url,
        .get_url = fake_get_url,
        .free = fake_free,
};

struct xt_transport *xt_fake_new(xt_fake_handler fn, void *ctx)
{
    struct xt_fake *f = calloc(1, sizeof *f);

    if (!f || !fn || !(f->url = strdup(XT_FAKE_URL))) {
        free(f);
        return NULL;
    }
    f->fn = fn;
    f->ctx = ctx;
    return xt_new(&fake_ops, f);
}
