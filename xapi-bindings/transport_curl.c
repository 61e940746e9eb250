/* The libcurl transport: XML-RPC over HTTP, HTTPS or HTTP on a unix socket,
 * for the tools that accept remote URLs (xe, xvs-xapi-call).  It lives apart
 * from transport.c so that only programs calling xt_curl_new() link and load
 * libcurl.  See transport.h. */
#include "transport.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "log.h"
#include "sbuf.h"

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

static int add_trace_header(void *ctx, const char *name, const char *value)
{
    return add_header(ctx, "%s: %s", name, value);
}

/* The request headers: the content type, no "Expect: 100-continue" (XAPI
 * does not answer it), the pseudo host on unix sockets, and the tracing
 * headers taken from the environment. */
static int build_headers(const struct xt_curl *c, struct curl_slist **out)
{
    struct curl_slist *h = NULL;
    int r = add_header(&h, "Content-Type: text/xml");

    if (r == 0) {
        r = add_header(&h, "Expect:");
    }
    if (r == 0 && c->parsed.scheme == XT_SCHEME_UNIX) {
        r = add_header(&h, "Host: %s", c->parsed.host);
    }
    if (r == 0) {
        r = xt_trace_headers(add_trace_header, &h);
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
