/* XenAPI method dispatch of xvs-xapi-sim; see sim_api.h.
 *
 * Error order follows XAPI's generated server: unknown method first, then
 * the parameter count (expected and received exclude the session, so a
 * session call with no parameters at all reports "-1" received, as XAPI
 * does), then parameter types, then the session. */
#include "sim_api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records.h"
#include "sbuf.h"
#include "sim_ctx.h"
#include "sim_db.h"
#include "sim_methods.h"
#include "sim_seed.h"
#include "sim_where.h"
#include "xmlrpc.h"

/* XML-RPC fault code for a body that is no valid <methodCall>. */
#define SIM_FAULT_PARSE (-32700)

struct sim_session {
    char ref[48];
    bool local; /* From slave_local_login_with_password. */
};

struct sim_api {
    struct sim_db *db;
    struct sim_ctx ctx;
    char *password;
    struct sim_session *sessions; /* Oldest first. */
    size_t n_sessions;
};

static const char *origin_name(enum sim_origin origin)
{
    return origin == SIM_ORIGIN_UNIX ? "unix" : "tcp";
}

int sim_api_new(struct sim_db *db, const char *password, struct sim_api **out)
{
    struct sim_api *api = calloc(1, sizeof *api);

    *out = NULL;
    if (!api) {
        return -ENOMEM;
    }
    api->db = db;
    api->ctx.db = db;
    if (password) {
        api->password = strdup(password);
        if (!api->password) {
            free(api);
            return -ENOMEM;
        }
    }
    *out = api;
    return 0;
}

void sim_api_free(struct sim_api *api)
{
    if (!api) {
        return;
    }
    free(api->password);
    free(api->sessions);
    free(api);
}

void sim_api_configure(struct sim_api *api, const struct sim_config *cfg, sim_serve_fn serve,
                       void *serve_arg)
{
    if (cfg) {
        api->ctx.cfg = *cfg;
    }
    api->ctx.serve = serve;
    api->ctx.serve_arg = serve_arg;
}

size_t sim_api_session_count(const struct sim_api *api)
{
    return api->n_sessions;
}

/* Envelopes. */

/* {Status: Success, Value: v}, taking "v"; NULL if "v" is NULL. */
struct xr_value *sim_success(struct xr_value *v)
{
    struct xr_value *env;

    if (!v) {
        return NULL;
    }
    env = xr_struct();
    if (!env || xr_struct_set_string(env, "Status", "Success") < 0) {
        xr_free(v);
        xr_free(env);
        return NULL;
    }
    if (xr_struct_set(env, "Value", v) < 0) {
        xr_free(env);
        return NULL;
    }
    return env;
}

/* {Status: Failure, ErrorDescription: [code, params...]}; the parameters
 * are "n" strings. */
struct xr_value *sim_failure(const char *code, int n, ...)
{
    struct xr_value *env = xr_struct(), *desc = xr_array();
    va_list ap;
    int r;

    r = env && desc ? xr_array_append(desc, xr_string(code)) : -ENOMEM;
    va_start(ap, n);
    for (int i = 0; i < n && r == 0; i++) {
        const char *s = va_arg(ap, const char *);

        r = xr_array_append(desc, xr_string(s ? s : ""));
    }
    va_end(ap);
    if (r == 0) {
        r = xr_struct_set_string(env, "Status", "Failure");
    }
    if (r == 0) {
        r = xr_struct_set(env, "ErrorDescription", desc);
        desc = NULL;
    }
    xr_free(desc);
    if (r < 0) {
        xr_free(env);
        return NULL;
    }
    xlog_debug("result: %s", code);
    return env;
}

struct xr_value *sim_failure_list(const char *code, const char *const *params, size_t n)
{
    struct xr_value *env = xr_struct(), *desc = xr_array();
    int r = env && desc ? xr_array_append(desc, xr_string(code)) : -ENOMEM;

    for (size_t i = 0; i < n && r == 0; i++) {
        r = xr_array_append(desc, xr_string(params[i] ? params[i] : ""));
    }
    if (r == 0) {
        r = xr_struct_set_string(env, "Status", "Failure");
    }
    if (r == 0) {
        r = xr_struct_set(env, "ErrorDescription", desc);
        desc = NULL;
    }
    xr_free(desc);
    if (r < 0) {
        xr_free(env);
        return NULL;
    }
    xlog_debug("result: %s", code);
    return env;
}

static struct xr_value *count_mismatch(const char *method, size_t expected, long received)
{
    char e[24], g[24];

    snprintf(e, sizeof e, "%zu", expected);
    snprintf(g, sizeof g, "%ld", received);
    return sim_failure("MESSAGE_PARAMETER_COUNT_MISMATCH", 3, method, e, g);
}

/* Sessions. */

static struct sim_session *session_find(struct sim_api *api, const char *ref)
{
    for (size_t i = 0; ref && i < api->n_sessions; i++) {
        if (!strcmp(api->sessions[i].ref, ref)) {
            return &api->sessions[i];
        }
    }
    return NULL;
}

static void session_drop(struct sim_api *api, struct sim_session *s)
{
    size_t i = (size_t)(s - api->sessions);

    memmove(&api->sessions[i], &api->sessions[i + 1],
            (api->n_sessions - i - 1) * sizeof *api->sessions);
    api->n_sessions--;
}

static struct xr_value *session_create(struct sim_api *api, bool local, const char *user,
                                       const char *originator, enum sim_origin origin)
{
    struct sim_session s = {.local = local};
    int r = sim_db_new_ref(s.ref);

    if (r < 0) {
        xlog_err("Cannot create a session ref: %s", strerror(-r));
        return sim_failure("INTERNAL_ERROR", 1, "no random source");
    }
    if (!api->sessions) {
        api->sessions = calloc(SIM_API_MAX_SESSIONS, sizeof *api->sessions);
        if (!api->sessions) {
            return NULL;
        }
    }
    if (api->n_sessions == SIM_API_MAX_SESSIONS) {
        xlog_info("Too many sessions: dropping the oldest, %s", api->sessions[0].ref);
        session_drop(api, &api->sessions[0]);
    }
    api->sessions[api->n_sessions++] = s;
    xlog_info("Session %s created for %s%s%s over %s%s", s.ref, user,
              originator ? ", originator " : "", originator ? originator : "", origin_name(origin),
              local ? " (slave-local)" : "");
    return sim_success(xr_string(s.ref));
}

/* Constant-time comparison, so that response times tell nothing about
 * how much of a password was right. */
static bool secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;

    for (size_t i = 0; i < la; i++) {
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    }
    return diff == 0 && la == lb;
}

/* The string parameter "i", or NULL when it is another type. */
static const char *param_str(const struct xr_value *params, size_t i)
{
    const struct xr_value *v = xr_array_get(params, i);

    return xr_type(v) == XR_STRING ? xr_get_string(v) : NULL;
}

static struct xr_value *session_login(struct sim_api *api, const char *method,
                                      const struct xr_value *params, enum sim_origin origin,
                                      bool local)
{
    static const char *const names[] = {"uname", "pwd", "version", "originator"};
    size_t n = xr_array_len(params), max = local ? 2 : 4;
    const char *user, *pwd, *originator = NULL;

    /* version and originator have defaults, so XAPI expects 2. */
    if (n < 2 || n > max) {
        return count_mismatch(method, 2, (long)n);
    }
    for (size_t i = 0; i < n; i++) {
        if (!param_str(params, i)) {
            return sim_failure("FIELD_TYPE_ERROR", 1, names[i]);
        }
    }
    user = param_str(params, 0);
    pwd = param_str(params, 1);
    if (n == 4) {
        originator = param_str(params, 3);
    }
    /* On the unix socket any credentials log in, as on a real host. */
    if (origin == SIM_ORIGIN_TCP && api->password &&
        (strcmp(user, "root") != 0 || !secret_equal(pwd, api->password))) {
        xlog_info("Login of %s over %s refused: bad credentials", user, origin_name(origin));
        return sim_failure("SESSION_AUTHENTICATION_FAILED", 2, user, "Authentication failure");
    }
    return session_create(api, local, user, originator, origin);
}

static struct xr_value *session_call(struct sim_api *api, const char *method, const char *name,
                                     const struct xr_value *params, enum sim_origin origin)
{
    size_t n = xr_array_len(params);
    size_t want = !strcmp(name, "get_this_host") ? 1 : 0;
    const char *sref;
    struct sim_session *s;

    if (!strcmp(name, "login_with_password")) {
        return session_login(api, method, params, origin, false);
    }
    if (!strcmp(name, "slave_local_login_with_password")) {
        return session_login(api, method, params, origin, true);
    }
    if (strcmp(name, "logout") != 0 && strcmp(name, "local_logout") != 0 &&
        strcmp(name, "get_this_host") != 0) {
        return sim_failure("MESSAGE_METHOD_UNKNOWN", 1, method);
    }
    if (n != want + 1) {
        return count_mismatch(method, want, (long)n - 1);
    }
    for (size_t i = 0; i < n; i++) {
        if (!param_str(params, i)) {
            return sim_failure("FIELD_TYPE_ERROR", 1, i ? "self" : "session_id");
        }
    }
    sref = param_str(params, 0);
    s = session_find(api, sref);
    if (!s || (!strcmp(name, "local_logout") && !s->local)) {
        return sim_failure("SESSION_INVALID", 1, sref);
    }
    if (!strcmp(name, "get_this_host")) {
        const char *host = sim_seed_host_ref(api->db);

        if (!session_find(api, param_str(params, 1))) {
            return sim_failure("HANDLE_INVALID", 2, "session", param_str(params, 1));
        }
        return sim_success(xr_string(host ? host : XAPI_NULL_REF));
    }
    xlog_info("Session %s logged out", s->ref);
    session_drop(api, s);
    return sim_success(xr_string(""));
}

/* Class methods. */

enum class_op {
    OP_GET_ALL,
    OP_GET_ALL_RECORDS,
    OP_GET_ALL_RECORDS_WHERE,
    OP_GET_RECORD,
    OP_GET_BY_UUID,
    OP_GET_FIELD,
};

struct where_ctx {
    const char *ref;
    const struct xr_value *rec;
};

/* Field values for get_all_records_where, as XAPI's database holds them. */
static int where_lookup(void *ctx, const char *field, struct sbuf *out)
{
    const struct where_ctx *wc = ctx;
    const struct xr_value *v;

    /* XAPI's rows also carry the object's own reference. */
    if (!strcmp(field, "_ref")) {
        return sbuf_adds(out, wc->ref);
    }
    v = xr_struct_get(wc->rec, field);
    if (!v && strstr(field, "__")) {
        /* XAPI's column names spell namespaced fields with "__"
         * (name__label); the wire name has one "_". */
        struct sbuf wire = SBUF_INIT;

        for (const char *p = field; *p; p++) {
            sbuf_addc(&wire, *p);
            if (p[0] == '_' && p[1] == '_') {
                p++;
            }
        }
        v = sbuf_error(&wire) ? NULL : xr_struct_get(wc->rec, sbuf_str(&wire));
        sbuf_free(&wire);
    }
    if (!v) {
        return -ENOENT;
    }
    return sim_db_value_text(v, out);
}

static struct xr_value *records_where(struct sim_api *api, const struct xapi_class *cls,
                                      const char *expr)
{
    struct xr_value *result = NULL, *ret = NULL;
    struct sim_where *w = NULL;
    char err[160];
    int r = sim_where_parse(expr, &w, err, sizeof err);

    if (r == -ENOMEM) {
        return NULL;
    }
    if (r < 0) {
        return sim_failure("INVALID_VALUE", 2, expr, err);
    }
    result = xr_struct();
    for (size_t i = 0; result && i < sim_db_count(api->db, cls); i++) {
        struct where_ctx wc = {sim_db_ref_at(api->db, cls, i), sim_db_record_at(api->db, cls, i)};
        const char *missing = NULL;
        bool match = false;

        r = sim_where_eval(w, where_lookup, &wc, &match, &missing);
        if (r == -ENOENT) {
            /* XAPI's database raises DBCache_NotFound("missing field"),
             * which reaches the client as this INTERNAL_ERROR. */
            ret = sim_failure("INTERNAL_ERROR", 3, "missing field", missing, "");
            goto out;
        }
        if (r < 0 || (match && xr_struct_set(result, wc.ref, xr_copy(wc.rec)) < 0)) {
            goto out;
        }
    }
    ret = sim_success(result);
    result = NULL;
out:
    xr_free(result);
    sim_where_free(w);
    return ret;
}

/* A method with side effects (sim_methods.h): the count, the session's
 * type and the session are checked here, the arguments by the method. */
static struct xr_value *method_call(struct sim_api *api, const struct sim_method *wm,
                                    const char *method, const struct xr_value *params)
{
    size_t n = xr_array_len(params);

    if (n != wm->nargs + 1) {
        return count_mismatch(method, wm->nargs, (long)n - 1);
    }
    if (!param_str(params, 0)) {
        return sim_failure("FIELD_TYPE_ERROR", 1, "session_id");
    }
    if (!session_find(api, param_str(params, 0))) {
        return sim_failure("SESSION_INVALID", 1, param_str(params, 0));
    }
    xlog_info("%s", method);
    return wm->fn(&api->ctx, params);
}

static struct xr_value *class_call(struct sim_api *api, const struct xapi_class *cls,
                                   const char *method, const char *name,
                                   const struct xr_value *params)
{
    const struct xapi_field *field = NULL;
    const struct sim_method *wm;
    const struct xr_value *rec = NULL;
    const char *arg = NULL, *arg_name = "self", *ref;
    size_t n = xr_array_len(params), want = 1;
    struct xr_value *v;
    enum class_op op;

    if (!strcmp(name, "get_all")) {
        op = OP_GET_ALL;
        want = 0;
    } else if (!strcmp(name, "get_all_records")) {
        op = OP_GET_ALL_RECORDS;
        want = 0;
    } else if (!strcmp(name, "get_all_records_where")) {
        op = OP_GET_ALL_RECORDS_WHERE;
        arg_name = "expr";
    } else if (!strcmp(name, "get_record")) {
        op = OP_GET_RECORD;
    } else if (!strcmp(name, "get_by_uuid")) {
        op = OP_GET_BY_UUID;
        arg_name = "uuid";
    } else if (!strncmp(name, "get_", 4) && (field = xapi_class_field(cls, name + 4))) {
        op = OP_GET_FIELD;
    } else if ((wm = sim_method_find(cls->name, name))) {
        return method_call(api, wm, method, params);
    } else {
        return sim_failure("MESSAGE_METHOD_UNKNOWN", 1, method);
    }
    if (n != want + 1) {
        return count_mismatch(method, want, (long)n - 1);
    }
    if (!param_str(params, 0)) {
        return sim_failure("FIELD_TYPE_ERROR", 1, "session_id");
    }
    if (want && !(arg = param_str(params, 1))) {
        return sim_failure("FIELD_TYPE_ERROR", 1, arg_name);
    }
    if (!session_find(api, param_str(params, 0))) {
        return sim_failure("SESSION_INVALID", 1, param_str(params, 0));
    }
    if (op == OP_GET_RECORD || op == OP_GET_FIELD) {
        rec = sim_db_get(api->db, cls, arg);
        if (!rec) {
            return sim_failure("HANDLE_INVALID", 2, cls->name, arg);
        }
    }
    switch (op) {
    case OP_GET_ALL:
        v = xr_array();
        for (size_t i = 0; v && i < sim_db_count(api->db, cls); i++) {
            if (xr_array_append(v, xr_string(sim_db_ref_at(api->db, cls, i))) < 0) {
                xr_free(v);
                v = NULL;
            }
        }
        return sim_success(v);
    case OP_GET_ALL_RECORDS:
        v = xr_struct();
        for (size_t i = 0; v && i < sim_db_count(api->db, cls); i++) {
            if (xr_struct_set(v, sim_db_ref_at(api->db, cls, i),
                              xr_copy(sim_db_record_at(api->db, cls, i))) < 0) {
                xr_free(v);
                v = NULL;
            }
        }
        return sim_success(v);
    case OP_GET_ALL_RECORDS_WHERE:
        return records_where(api, cls, arg);
    case OP_GET_RECORD:
        return sim_success(xr_copy(rec));
    case OP_GET_BY_UUID:
        ref = sim_db_find_uuid(api->db, cls, arg);
        if (!ref) {
            return sim_failure("UUID_INVALID", 2, cls->name, arg);
        }
        return sim_success(xr_string(ref));
    case OP_GET_FIELD:
        return sim_success(xr_copy(xr_struct_get(rec, field->name)));
    }
    return NULL;
}

struct xr_value *sim_api_call(struct sim_api *api, const char *method,
                              const struct xr_value *params, enum sim_origin origin)
{
    const struct xapi_class *cls = NULL;
    const char *dot = strchr(method, '.');
    char cls_name[64];

    xlog_debug("%s request: %s", origin_name(origin), method);
    if (dot && !strncmp(method, "session.", 8)) {
        return session_call(api, method, dot + 1, params, origin);
    }
    if (dot && (size_t)(dot - method) < sizeof cls_name) {
        snprintf(cls_name, sizeof cls_name, "%.*s", (int)(dot - method), method);
        cls = xapi_class_find(cls_name);
    }
    if (!cls) {
        return sim_failure("MESSAGE_METHOD_UNKNOWN", 1, method);
    }
    return class_call(api, cls, method, dot + 1, params);
}

int sim_api_handle(struct sim_api *api, const char *body, size_t len, enum sim_origin origin,
                   char **out, size_t *out_len)
{
    struct xr_value *params = NULL, *result = NULL;
    char *method = NULL;
    int r;

    *out = NULL;
    *out_len = 0;
    r = xr_decode_call(body, len, NULL, &method, &params);
    if (r == -ENOMEM) {
        return r;
    }
    if (r < 0) {
        xlog_debug("%s request is not an XML-RPC call: %s", origin_name(origin), xr_last_error());
        r = xr_encode_fault(SIM_FAULT_PARSE, xr_last_error(), out, out_len);
        goto out;
    }
    result = sim_api_call(api, method, params, origin);
    r = result ? xr_encode_response(result, out, out_len) : -ENOMEM;
out:
    free(method);
    xr_free(params);
    xr_free(result);
    return r < 0 ? -ENOMEM : 0;
}
