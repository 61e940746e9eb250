/* XenAPI client session and typed calls; see xapi.h. */
#include "xapi.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sbuf.h"
#include "transport.h"
#include "xmlrpc.h"

enum login_kind {
    LOGIN_NONE,
    LOGIN_PASSWORD,
    LOGIN_SLAVE_LOCAL,
};

struct xapi_session {
    struct xt_transport *t;
    char *ref;
    bool attached;        /* The ref came from xapi_session_attach(). */
    enum login_kind kind; /* How we logged in, for re-logins. */
    char *user;
    char *pw;
    char *version;
    char *originator;
    struct xapi_error err;
};

static const char *const login_methods[] = {
        [LOGIN_PASSWORD] = "session.login_with_password",
        [LOGIN_SLAVE_LOCAL] = "session.slave_local_login_with_password",
};

static void error_clear(struct xapi_error *e)
{
    free(e->code);
    e->code = NULL;
    xapi_strv_clear(&e->params);
}

static bool error_is(const struct xapi_session *s, const char *code)
{
    return s->err.code && !strcmp(s->err.code, code);
}

static void free_secret(char **p)
{
    if (*p) {
        explicit_bzero(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

static void creds_clear(struct xapi_session *s)
{
    free(s->user);
    free(s->version);
    free(s->originator);
    s->user = s->version = s->originator = NULL;
    free_secret(&s->pw);
    s->kind = LOGIN_NONE;
}

static void ref_clear(struct xapi_session *s)
{
    free(s->ref);
    s->ref = NULL;
    s->attached = false;
}

int xapi_errno_from_code(const char *code)
{
    static const struct {
        const char *code;
        int err;
    } table[] = {
            {"SESSION_INVALID", EACCES},        {"SESSION_AUTHENTICATION_FAILED", EACCES},
            {"HANDLE_INVALID", ENOENT},         {"UUID_INVALID", ENOENT},
            {"MESSAGE_METHOD_UNKNOWN", ENOSYS}, {"MESSAGE_PARAMETER_COUNT_MISMATCH", EINVAL},
            {"INVALID_VALUE", EINVAL},          {"FIELD_TYPE_ERROR", EINVAL},
    };

    for (size_t i = 0; code && i < sizeof table / sizeof table[0]; i++) {
        if (!strcmp(code, table[i].code)) {
            return -table[i].err;
        }
    }
    return -EREMOTEIO;
}

int xapi_session_new(struct xt_transport *t, struct xapi_session **out)
{
    struct xapi_session *s;

    *out = NULL;
    if (!t) {
        return -EINVAL;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        xt_free(t);
        return -ENOMEM;
    }
    s->t = t;
    *out = s;
    return 0;
}

void xapi_session_free(struct xapi_session *s)
{
    if (!s) {
        return;
    }
    ref_clear(s);
    creds_clear(s);
    error_clear(&s->err);
    xt_free(s->t);
    free(s);
}

const char *xapi_session_ref(const struct xapi_session *s)
{
    return s ? s->ref : NULL;
}

struct xt_transport *xapi_session_transport(const struct xapi_session *s)
{
    return s ? s->t : NULL;
}

const struct xapi_error *xapi_last_error(const struct xapi_session *s)
{
    return &s->err;
}

static void log_failure(const char *method, const struct xapi_error *e)
{
    struct sbuf b = SBUF_INIT;

    sbuf_adds(&b, e->code);
    for (size_t i = 0; i < e->params.n; i++) {
        sbuf_addc(&b, ' ');
        sbuf_adds(&b, e->params.v[i]);
    }
    xlog_err("XenAPI call %s failed: %s", method, sbuf_error(&b) ? e->code : sbuf_str(&b));
    sbuf_free(&b);
}

static int malformed(const char *method, const char *why)
{
    xlog_err("XenAPI call %s: malformed response: %s", method, why);
    return -EBADMSG;
}

/* Decodes the result envelope "v".  Returns 0 with "*result" taken out of
 * "v", the errno of a XenAPI failure (kept in s->err, not logged), or
 * -EBADMSG (logged) / -ENOMEM. */
static int envelope(struct xapi_session *s, const char *method, struct xr_value *v,
                    struct xr_value **result)
{
    const struct xr_value *st = xr_struct_get(v, "Status"), *desc;
    const char *status = xr_type(st) == XR_STRING ? xr_get_string(st) : NULL;
    size_t n;

    if (xr_type(v) != XR_STRUCT) {
        return malformed(method, "the result is not a struct");
    }
    if (!status) {
        return malformed(method, "no Status string");
    }
    if (!strcmp(status, "Success")) {
        *result = xr_struct_take(v, "Value");
        return *result ? 0 : malformed(method, "Success without a Value");
    }
    if (strcmp(status, "Failure") != 0) {
        return malformed(method, "Status is neither Success nor Failure");
    }
    desc = xr_struct_get(v, "ErrorDescription");
    n = xr_array_len(desc);
    if (xr_type(desc) != XR_ARRAY || n == 0) {
        return malformed(method, "Failure without an ErrorDescription");
    }
    for (size_t i = 0; i < n; i++) {
        if (xr_type(xr_array_get(desc, i)) != XR_STRING) {
            return malformed(method, "ErrorDescription holds a non-string");
        }
    }
    s->err.code = strdup(xr_get_string(xr_array_get(desc, 0)));
    if (!s->err.code) {
        return -ENOMEM;
    }
    for (size_t i = 1; i < n; i++) {
        if (xapi_strv_append(&s->err.params, xr_get_string(xr_array_get(desc, i))) < 0) {
            error_clear(&s->err);
            return -ENOMEM;
        }
    }
    return xapi_errno_from_code(s->err.code);
}

/* One request/response exchange.  A XenAPI failure is left in s->err for
 * the caller to retry or log; every other error is logged here or by the
 * transport. */
static int rpc(struct xapi_session *s, const char *method, const struct xr_value *params,
               struct xr_value **result)
{
    struct xr_fault fault = {0};
    struct xr_value *v = NULL;
    char *req = NULL, *resp = NULL;
    size_t req_len = 0, resp_len = 0;
    int r;

    *result = NULL;
    error_clear(&s->err);
    xlog_debug("XenAPI call %s", method);
    r = xr_encode_call(method, params, &req, &req_len);
    if (r < 0) {
        if (r != -ENOMEM) {
            xlog_err("XenAPI call %s: cannot encode the request", method);
        }
        goto out;
    }
    r = xt_post(s->t, req, req_len, &resp, &resp_len);
    if (r < 0) {
        goto out;
    }
    r = xr_decode_response(resp, resp_len, NULL, &v, &fault);
    if (r == 1) {
        xlog_err("XenAPI call %s failed: XML-RPC fault %d: %s", method, fault.code,
                 fault.reason ? fault.reason : "");
        r = -EPROTO;
    } else if (r == -ENOMEM) {
        xlog_err("XenAPI call %s: out of memory decoding the response", method);
    } else if (r < 0) {
        xlog_err("XenAPI call %s: malformed response: %s", method, xr_last_error());
        r = r == -E2BIG ? -E2BIG : -EBADMSG;
    } else {
        r = envelope(s, method, v, result);
    }
out:
    xr_fault_clear(&fault);
    xr_free(v);
    free(req);
    free(resp);
    return r;
}

/* An array of "n" strings, or NULL on allocation failure. */
static struct xr_value *string_array(const char *const *strs, size_t n)
{
    struct xr_value *arr = xr_array();

    for (size_t i = 0; arr && i < n; i++) {
        if (xr_array_append(arr, xr_string(strs[i])) < 0) {
            xr_free(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* Logs in with the stored credentials; on HOST_IS_SLAVE points the
 * transport at the master and tries once more. */
static int do_login(struct xapi_session *s)
{
    const char *method = login_methods[s->kind];
    const char *args[] = {s->user, s->pw, s->version, s->originator};
    size_t n = s->kind == LOGIN_PASSWORD ? (s->originator ? 4 : s->version ? 3 : 2) : 2;
    struct xr_value *params = string_array(args, n), *v = NULL;
    char *url = NULL;
    int r;

    if (!params) {
        return -ENOMEM;
    }
    r = rpc(s, method, params, &v);
    if (r < 0 && s->kind == LOGIN_PASSWORD && error_is(s, "HOST_IS_SLAVE")) {
        const char *old = xt_get_url(s->t);
        int rr = xt_redirect_url(old, s->err.params.n ? s->err.params.v[0] : NULL, &url);

        if (rr == 0) {
            xlog_info("XAPI at %s is a pool slave; logging in to the master at %s", old, url);
            rr = xt_set_url(s->t, url);
        }
        if (rr == 0) {
            r = rpc(s, method, params, &v);
        }
    }
    if (r < 0) {
        if (s->err.code) {
            log_failure(method, &s->err);
        }
        goto out;
    }
    if (xr_type(v) != XR_STRING || !*xr_get_string(v)) {
        r = malformed(method, "the Value is not a session ref");
        goto out;
    }
    free(s->ref);
    s->ref = strdup(xr_get_string(v));
    s->attached = false;
    r = s->ref ? 0 : -ENOMEM;
out:
    free(url);
    xr_free(v);
    xr_free(params);
    return r;
}

static int login(struct xapi_session *s, enum login_kind kind, const char *user, const char *pw,
                 const char *version, const char *originator)
{
    int r;

    if (!s || !user || !pw) {
        return -EINVAL;
    }
    if (s->ref) {
        xapi_logout(s);
    }
    creds_clear(s);
    if (originator && !version) {
        version = "1.0";
    }
    s->kind = kind;
    s->user = strdup(user);
    s->pw = strdup(pw);
    s->version = version ? strdup(version) : NULL;
    s->originator = originator ? strdup(originator) : NULL;
    if (!s->user || !s->pw || (version && !s->version) || (originator && !s->originator)) {
        r = -ENOMEM;
    } else {
        r = do_login(s);
    }
    if (r < 0) {
        ref_clear(s);
        creds_clear(s);
    }
    return r;
}

int xapi_login_with_password(struct xapi_session *s, const char *user, const char *pw,
                             const char *version, const char *originator)
{
    return login(s, LOGIN_PASSWORD, user, pw, version, originator);
}

int xapi_slave_local_login_with_password(struct xapi_session *s, const char *user, const char *pw)
{
    return login(s, LOGIN_SLAVE_LOCAL, user, pw, NULL, NULL);
}

int xapi_session_attach(struct xapi_session *s, const char *ref)
{
    char *copy;

    if (!s || !ref || !*ref) {
        return -EINVAL;
    }
    copy = strdup(ref);
    if (!copy) {
        return -ENOMEM;
    }
    if (s->ref) {
        xapi_logout(s);
    }
    creds_clear(s);
    s->ref = copy;
    s->attached = true;
    return 0;
}

int xapi_logout(struct xapi_session *s)
{
    struct xr_value *params;
    int r = 0;

    if (!s || !s->ref) {
        return 0;
    }
    if (!s->attached) {
        params = string_array((const char *const *)&s->ref, 1);
        if (!params) {
            return -ENOMEM;
        }
        r = xapi_call_raw(s, "session.logout", params, NULL);
        xr_free(params);
        /* A session the server already dropped needs no logout. */
        if (r < 0 && error_is(s, "SESSION_INVALID")) {
            r = 0;
        }
    }
    ref_clear(s);
    creds_clear(s);
    return r;
}

/* Ends a call: logs a XenAPI failure once, or hands the Value to the
 * caller (or frees it when the caller does not want it). */
static int finish_call(struct xapi_session *s, const char *method, int r, struct xr_value *v,
                       struct xr_value **result)
{
    if (r < 0) {
        if (s->err.code) {
            log_failure(method, &s->err);
        }
        return r;
    }
    if (result) {
        *result = v;
    } else {
        xr_free(v);
    }
    return 0;
}

/* The session ref followed by a copy of every member of "params". */
static struct xr_value *with_session(const char *ref, const struct xr_value *params)
{
    struct xr_value *arr = string_array(&ref, 1);

    for (size_t i = 0; arr && i < xr_array_len(params); i++) {
        if (xr_array_append(arr, xr_copy(xr_array_get(params, i))) < 0) {
            xr_free(arr);
            arr = NULL;
        }
    }
    return arr;
}

int xapi_call(struct xapi_session *s, const char *method, const struct xr_value *params,
              struct xr_value **result)
{
    struct xr_value *v = NULL;
    int r;

    if (result) {
        *result = NULL;
    }
    if (!s || !method || (params && xr_type(params) != XR_ARRAY)) {
        return -EINVAL;
    }
    error_clear(&s->err);
    if (!s->ref) {
        xlog_err("XenAPI call %s: not logged in", method);
        return -ENOTCONN;
    }
    for (int retry = 0;; retry++) {
        struct xr_value *full = with_session(s->ref, params);

        if (!full) {
            return -ENOMEM;
        }
        r = rpc(s, method, full, &v);
        xr_free(full);
        if (r < 0 && error_is(s, "SESSION_INVALID") && !s->attached && s->kind != LOGIN_NONE &&
            retry < XAPI_SESSION_RETRIES) {
            xlog_info("XenAPI session invalid during %s; logging in again (%d of %d)", method,
                      retry + 1, XAPI_SESSION_RETRIES);
            r = do_login(s);
            if (r < 0) {
                return r; /* do_login() has logged why. */
            }
            continue;
        }
        break;
    }
    return finish_call(s, method, r, v, result);
}

int xapi_call_raw(struct xapi_session *s, const char *method, const struct xr_value *params,
                  struct xr_value **result)
{
    struct xr_value *v = NULL;
    int r;

    if (result) {
        *result = NULL;
    }
    if (!s || !method || (params && xr_type(params) != XR_ARRAY)) {
        return -EINVAL;
    }
    r = rpc(s, method, params, &v);
    return finish_call(s, method, r, v, result);
}

/* ------------------------------------------------------------------ */
/* Typed calls                                                         */

/* "<class>.<suffix>" into "buf". */
static int method_name(char *buf, size_t size, const struct xapi_class *cls, const char *suffix)
{
    int n;

    if (!cls || !cls->name) {
        return -EINVAL;
    }
    n = snprintf(buf, size, "%s.%s", cls->name, suffix);
    return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

/* Calls "method" with string arguments and decodes a record list. */
static int call_records(struct xapi_session *s, const struct xapi_class *cls, const char *suffix,
                        const char *const *args, size_t n, struct xapi_record_list *list)
{
    struct xr_value *params = NULL, *v = NULL;
    char method[128];
    int r;

    memset(list, 0, sizeof *list);
    list->cls = cls;
    r = method_name(method, sizeof method, cls, suffix);
    if (r < 0) {
        return r;
    }
    params = string_array(args, n);
    if (!params) {
        return -ENOMEM;
    }
    r = xapi_call(s, method, params, &v);
    if (r == 0) {
        r = xapi_record_list_decode(cls, v, list);
        if (r == -EINVAL) {
            r = malformed(method, "records that do not decode");
        }
    }
    xr_free(params);
    xr_free(v);
    return r;
}

int xapi_get_all_records(struct xapi_session *s, const struct xapi_class *cls,
                         struct xapi_record_list *list)
{
    return call_records(s, cls, "get_all_records", NULL, 0, list);
}

int xapi_get_all_records_where(struct xapi_session *s, const struct xapi_class *cls,
                               const char *expr, struct xapi_record_list *list)
{
    if (!expr) {
        memset(list, 0, sizeof *list);
        return -EINVAL;
    }
    return call_records(s, cls, "get_all_records_where", &expr, 1, list);
}

/* Calls "<cls>.<suffix>(args...)" and returns its Value. */
static int call_strings(struct xapi_session *s, const struct xapi_class *cls, const char *suffix,
                        const char *const *args, size_t n, char *method, size_t method_size,
                        struct xr_value **v)
{
    struct xr_value *params;
    int r = method_name(method, method_size, cls, suffix);

    *v = NULL;
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = args[i] ? 0 : -EINVAL;
    }
    if (r < 0) {
        return r;
    }
    params = string_array(args, n);
    if (!params) {
        return -ENOMEM;
    }
    r = xapi_call(s, method, params, v);
    xr_free(params);
    return r;
}

int xapi_get_record(struct xapi_session *s, const struct xapi_class *cls, const char *ref,
                    void *rec)
{
    struct xr_value *v = NULL;
    char method[128];
    int r = call_strings(s, cls, "get_record", &ref, 1, method, sizeof method, &v);

    if (r == 0) {
        r = xapi_record_decode(cls, ref, v, rec);
        if (r == -EINVAL) {
            r = malformed(method, "a record that does not decode");
        }
    }
    xr_free(v);
    return r;
}

/* Takes the string Value "v" into "*out". */
static int take_string(const char *method, const struct xr_value *v, char **out)
{
    if (xr_type(v) != XR_STRING) {
        return malformed(method, "the Value is not a string");
    }
    *out = strdup(xr_get_string(v));
    return *out ? 0 : -ENOMEM;
}

int xapi_get_by_uuid(struct xapi_session *s, const struct xapi_class *cls, const char *uuid,
                     char **ref)
{
    struct xr_value *v = NULL;
    char method[128];
    int r;

    *ref = NULL;
    r = call_strings(s, cls, "get_by_uuid", &uuid, 1, method, sizeof method, &v);
    if (r == 0) {
        r = take_string(method, v, ref);
    }
    xr_free(v);
    return r;
}

int xapi_get_all(struct xapi_session *s, const struct xapi_class *cls, struct xapi_strv *refs)
{
    struct xr_value *v = NULL;
    char method[128];
    size_t n;
    int r;

    xapi_strv_clear(refs);
    r = call_strings(s, cls, "get_all", NULL, 0, method, sizeof method, &v);
    if (r < 0) {
        goto out;
    }
    if (xr_type(v) != XR_ARRAY) {
        r = malformed(method, "the Value is not an array");
        goto out;
    }
    n = xr_array_len(v);
    for (size_t i = 0; r == 0 && i < n; i++) {
        const struct xr_value *item = xr_array_get(v, i);

        if (xr_type(item) != XR_STRING) {
            r = malformed(method, "a ref that is not a string");
        } else {
            r = xapi_strv_append(refs, xr_get_string(item));
        }
    }
    if (r < 0) {
        xapi_strv_clear(refs);
    }
out:
    xr_free(v);
    return r;
}

int xapi_host_call_plugin(struct xapi_session *s, const char *host_ref, const char *plugin,
                          const char *fn, const struct xapi_map *args, char **result)
{
    static const char method[] = "host.call_plugin";
    const char *strs[] = {host_ref, plugin, fn};
    struct xr_value *params = NULL, *map = NULL, *v = NULL;
    int r = 0;

    *result = NULL;
    if (!host_ref || !plugin || !fn) {
        return -EINVAL;
    }
    params = string_array(strs, 3);
    map = xr_struct();
    for (size_t i = 0; map && args && i < args->n; i++) {
        if (xr_struct_set_string(map, args->keys[i], args->values[i]) < 0) {
            r = -ENOMEM;
        }
    }
    if (!params || !map || r < 0) {
        xr_free(map);
        r = -ENOMEM;
        goto out;
    }
    r = xr_array_append(params, map) < 0 ? -ENOMEM : 0;
    if (r == 0) {
        r = xapi_call(s, method, params, &v);
    }
    if (r == 0) {
        r = take_string(method, v, result);
    }
out:
    xr_free(params);
    xr_free(v);
    return r;
}
