/* XML-RPC transports: URL parsing, the libcurl transport and the fake one
 * used by unit tests.  See transport.h. */
#include "transport.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include <curl/curl.h>

#include "log.h"
#include "sbuf.h"

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
/* libcurl transport                                                   */

struct xt_curl {
    CURL *curl;
    char *url; /* As given, for log lines and get_url. */
    struct xt_url parsed;
    char *curl_url; /* What curl connects to. */
    char *ca_file;
    size_t max_response;
    struct sbuf resp; /* The body being received. */
    bool too_big;
    bool nomem;
    char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_global_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t curl_on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xt_curl *c = userdata;
    size_t n = size * nmemb;

    /* Returning less than "n" makes curl abort the transfer with
     * CURLE_WRITE_ERROR; the flags tell the caller why. */
    if (n > c->max_response - c->resp.len) {
        c->too_big = true;
        return 0;
    }
    if (sbuf_add(&c->resp, data, n) < 0) {
        c->nomem = true;
        return 0;
    }
    return n;
}

/* Points the handle at "url"; on failure the handle keeps its old target. */
static int curl_apply_url(struct xt_curl *c, const char *url)
{
    struct xt_url u = {0};
    char *copy = NULL, *curl_url = NULL;
    bool v6;
    int r = xt_url_parse(url, &u);

    if (r < 0) {
        return r;
    }
    v6 = u.host && strchr(u.host, ':');
    copy = strdup(url);
    if (u.scheme == XT_SCHEME_UNIX) {
        /* The Host header carries the pseudo host; the URL host is a
         * placeholder curl never resolves. */
        curl_url = strdup("http://localhost/");
    } else if (asprintf(&curl_url, "%s://%s%s%s:%u/",
                        u.scheme == XT_SCHEME_HTTPS ? "https" : "http", v6 ? "[" : "", u.host,
                        v6 ? "]" : "", u.port) < 0) {
        curl_url = NULL;
    }
    if (!copy || !curl_url) {
        r = -ENOMEM;
        goto out;
    }
    if (curl_easy_setopt(c->curl, CURLOPT_URL, curl_url) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, u.socket_path) != CURLE_OK) {
        xlog_err("Cannot use XenAPI URL '%s' with libcurl", url);
        r = -EINVAL;
        goto out;
    }
    free(c->url);
    free(c->curl_url);
    xt_url_clear(&c->parsed);
    c->url = copy;
    c->curl_url = curl_url;
    c->parsed = u;
    return 0;
out:
    free(copy);
    free(curl_url);
    xt_url_clear(&u);
    return r;
}

static int curl_set_url(void *ctx, const char *url)
{
    return curl_apply_url(ctx, url);
}

static const char *curl_get_url(const void *ctx)
{
    return ((const struct xt_curl *)ctx)->url;
}

static void curl_free_ctx(void *ctx)
{
    struct xt_curl *c = ctx;

    if (!c) {
        return;
    }
    if (c->curl) {
        curl_easy_cleanup(c->curl);
    }
    free(c->url);
    free(c->curl_url);
    free(c->ca_file);
    xt_url_clear(&c->parsed);
    sbuf_free(&c->resp);
    free(c);
}

static int add_header(struct curl_slist **list, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int add_header(struct curl_slist **list, const char *fmt, ...)
{
    struct curl_slist *l;
    char *line;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -ENOMEM;
    }
    l = curl_slist_append(*list, line);
    free(line);
    if (!l) {
        return -ENOMEM;
    }
    *list = l;
    return 0;
}

/* The request headers: the content type, no "Expect: 100-continue" (XAPI
 * does not answer it), the pseudo host on unix sockets, and the tracing
 * headers taken from the environment. */
static int build_headers(const struct xt_curl *c, struct curl_slist **out)
{
    static const char *const trace[][2] = {
            {"TRACEPARENT", "traceparent"},
            {"BAGGAGE", "baggage"},
            {"ORIGINATOR", "originator"},
    };
    struct curl_slist *h = NULL;
    int r = add_header(&h, "Content-Type: text/xml");

    if (r == 0) {
        r = add_header(&h, "Expect:");
    }
    if (r == 0 && c->parsed.scheme == XT_SCHEME_UNIX) {
        r = add_header(&h, "Host: %s", c->parsed.host);
    }
    for (size_t i = 0; r == 0 && i < sizeof trace / sizeof trace[0]; i++) {
        const char *v = getenv(trace[i][0]);

        if (!v || !*v) {
            continue;
        }
        if (strpbrk(v, "\r\n")) {
            /* A line break would let the variable inject headers. */
            xlog_warn("Ignoring %s: it contains a line break", trace[i][0]);
            continue;
        }
        r = add_header(&h, "%s: %s", trace[i][1], v);
    }
    if (r < 0) {
        curl_slist_free_all(h);
        h = NULL;
    }
    *out = h;
    return r;
}

static int curl_map_error(struct xt_curl *c, CURLcode res)
{
    const char *msg = c->errbuf[0] ? c->errbuf : curl_easy_strerror(res);
    int r;

    switch (res) {
    case CURLE_COULDNT_CONNECT:
        r = -ECONNREFUSED;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        r = -ETIMEDOUT;
        break;
    case CURLE_FILESIZE_EXCEEDED:
        r = -E2BIG;
        break;
    case CURLE_OUT_OF_MEMORY:
        r = -ENOMEM;
        break;
    case CURLE_WRITE_ERROR:
        r = c->too_big ? -E2BIG : c->nomem ? -ENOMEM : -EIO;
        break;
    default:
        r = -EIO;
        break;
    }
    if (r == -E2BIG) {
        xlog_err("XenAPI request to %s failed: response larger than %zu bytes", c->url,
                 c->max_response);
    } else if (res == CURLE_COULDNT_CONNECT && c->parsed.scheme == XT_SCHEME_UNIX) {
        long os_errno = 0;

        /* curl's own message names the placeholder host "localhost port 80",
         * which would only confuse whoever reads the log. */
        curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
        xlog_err("XenAPI request to %s failed: cannot connect to the socket: %s", c->url,
                 os_errno ? strerror((int)os_errno) : msg);
    } else {
        xlog_err("XenAPI request to %s failed: %s", c->url, msg);
    }
    return r;
}

static int curl_post(void *ctx, const char *body, size_t len, char **resp, size_t *resp_len)
{
    struct xt_curl *c = ctx;
    struct curl_slist *headers = NULL;
    long status = 0;
    CURLcode res;
    int r;

    sbuf_free(&c->resp);
    c->too_big = false;
    c->nomem = false;
    c->errbuf[0] = '\0';
    r = build_headers(c, &headers);
    if (r < 0) {
        goto out;
    }
    if (curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK) {
        r = -ENOMEM;
        goto out;
    }
    res = curl_easy_perform(c->curl);
    if (res != CURLE_OK) {
        r = curl_map_error(c, res);
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        xlog_err("XenAPI request to %s failed: HTTP status %ld", c->url, status);
        r = -EPROTO;
        goto out;
    }
    r = sbuf_error(&c->resp);
    if (r == 0) {
        *resp = sbuf_steal(&c->resp, resp_len);
        r = *resp ? 0 : -ENOMEM;
    }
out:
    /* The header list and the body are freed or borrowed by the caller, so
     * the handle must not keep pointers to them past this call. */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(headers);
    sbuf_free(&c->resp);
    if (r < 0) {
        *resp = NULL;
        *resp_len = 0;
    }
    return r;
}

static const struct xt_ops curl_ops = {
        .post = curl_post,
        .set_url = curl_set_url,
        .get_url = curl_get_url,
        .free = curl_free_ctx,
};

static int curl_setup(struct xt_curl *c, const struct xt_options *o)
{
    long connect_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : XT_CONNECT_TIMEOUT_MS;
    long total_ms = o->timeout_ms > 0 ? o->timeout_ms : XT_TIMEOUT_MS;
    CURL *h = c->curl;
    CURLcode e = CURLE_OK;

    /* Each option is set in turn; the first failure stops the chain. */
    e = e ? e : curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    e = e ? e : curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    e = e ? e : curl_easy_setopt(h, CURLOPT_POST, 1L);
    e = e ? e : curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_on_write);
    e = e ? e : curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    e = e ? e : curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    e = e ? e : curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
    e = e ? e : curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response);
    e = e ? e : curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    e = e ? e : curl_easy_setopt(h, CURLOPT_USERAGENT, "xvs-xapi/1.0");
    e = e ? e : curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    /* XAPI is reached directly, as the Python client does: an http_proxy
     * variable in dom0's environment must not divert management calls. */
    e = e ? e : curl_easy_setopt(h, CURLOPT_PROXY, "");
#if LIBCURL_VERSION_NUM >= 0x075500
    e = e ? e : curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    e = e ? e : curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    e = e ? e : curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    e = e ? e : curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (c->ca_file) {
        e = e ? e : curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    }
    if (e != CURLE_OK) {
        xlog_err("Cannot configure libcurl: %s", curl_easy_strerror(e));
        return e == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
    }
    return 0;
}

int xt_curl_new(const char *url, const struct xt_options *opts, struct xt_transport **out)
{
    static const struct xt_options defaults = {0};
    const struct xt_options *o = opts ? opts : &defaults;
    struct xt_curl *c;
    int r;

    *out = NULL;
    pthread_once(&curl_once, curl_global_once);
    if (curl_init_result != CURLE_OK) {
        xlog_err("Cannot initialise libcurl: %s", curl_easy_strerror(curl_init_result));
        return -ENOMEM;
    }
    if (o->connect_timeout_ms < 0 || o->timeout_ms < 0) {
        xlog_err("Invalid XenAPI timeout");
        return -EINVAL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        return -ENOMEM;
    }
    sbuf_init(&c->resp);
    c->max_response = o->max_response ? o->max_response : XT_MAX_RESPONSE;
    c->curl = curl_easy_init();
    if (!c->curl || (o->ca_file && !(c->ca_file = strdup(o->ca_file)))) {
        r = -ENOMEM;
        goto fail;
    }
    r = curl_setup(c, o);
    if (r == 0) {
        r = curl_apply_url(c, url);
    }
    if (r < 0) {
        goto fail;
    }
    *out = xt_new(&curl_ops, c);
    return *out ? 0 : -ENOMEM;
fail:
    curl_free_ctx(c);
    return r;
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
