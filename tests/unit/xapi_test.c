/* Unit tests for xapi-bindings/xapi: the XenAPI session over a fake
 * transport that plays XAPI.  The fake decodes every request with the
 * XML-RPC codec, records it, and answers with scripted envelopes, so the
 * tests see the exact requests and control every answer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "records.h"
#include "transport.h"
#include "xapi.h"
#include "xmlrpc.h"

struct fake_xapi;

/* The sentinel of the variadic string lists below, typed as they are. */
#define END ((const char *)NULL)

/* Answers a non-session method with an envelope (owned by the caller). */
typedef struct xr_value *(*respond_fn)(struct fake_xapi *f, const char *method,
                                       const struct xr_value *params);

struct fake_xapi {
    /* What the fake saw. */
    int logins;
    int calls; /* Methods outside session.* */
    int logouts;
    char *method;
    struct xr_value *params;
    char *request;
    size_t request_len;
    char *login_url;
    char *call_session; /* First parameter of the last call. */
    /* How it behaves. */
    int session_invalid;      /* Answer SESSION_INVALID this many times. */
    int fail_logins_from;     /* This login and later ones fail (0: none). */
    const char *slave_master; /* Logins at XT_FAKE_URL answer HOST_IS_SLAVE. */
    bool slave_everywhere;    /* ...and at every URL. */
    const char *raw;          /* Answer these bytes verbatim. */
    int transport_error;      /* Fail the post with this errno. */
    respond_fn respond;
    struct xr_value *value; /* Default Success value (copied). */
};

static struct xr_value *success(struct xr_value *value)
{
    struct xr_value *env = xr_struct();

    assert_int_equal(xr_struct_set_string(env, "Status", "Success"), 0);
    assert_int_equal(xr_struct_set(env, "Value", value), 0);
    return env;
}

/* A Failure envelope: code then NULL-terminated params. */
static struct xr_value *failure(const char *code, ...)
{
    struct xr_value *env = xr_struct(), *desc = xr_array();
    const char *p;
    va_list ap;

    assert_int_equal(xr_array_append(desc, xr_string(code)), 0);
    va_start(ap, code);
    while ((p = va_arg(ap, const char *))) {
        assert_int_equal(xr_array_append(desc, xr_string(p)), 0);
    }
    va_end(ap);
    assert_int_equal(xr_struct_set_string(env, "Status", "Failure"), 0);
    assert_int_equal(xr_struct_set(env, "ErrorDescription", desc), 0);
    return env;
}

static void replace_str(char **dst, const char *src, size_t len)
{
    free(*dst);
    *dst = strndup(src, len);
    assert_non_null(*dst);
}

static struct xr_value *fake_dispatch(struct fake_xapi *f, const char *url, const char *method,
                                      const struct xr_value *params)
{
    char ref[64];

    if (!strncmp(method, "session.", 8) && strstr(method, "login_with_password")) {
        f->logins++;
        replace_str(&f->login_url, url, strlen(url));
        if (f->slave_master && (f->slave_everywhere || !strcmp(url, XT_FAKE_URL))) {
            return failure("HOST_IS_SLAVE", f->slave_master, END);
        }
        if (f->fail_logins_from && f->logins >= f->fail_logins_from) {
            return failure("SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure", END);
        }
        snprintf(ref, sizeof ref, "OpaqueRef:session-%d", f->logins);
        return success(xr_string(ref));
    }
    if (!strcmp(method, "session.logout")) {
        f->logouts++;
        if (f->session_invalid > 0) {
            return failure("SESSION_INVALID", xr_get_string(xr_array_get(params, 0)), END);
        }
        return success(xr_string(""));
    }
    f->calls++;
    replace_str(&f->call_session, xr_get_string(xr_array_get(params, 0)) ?: "",
                strlen(xr_get_string(xr_array_get(params, 0)) ?: ""));
    if (f->session_invalid > 0) {
        f->session_invalid--;
        return failure("SESSION_INVALID", f->call_session, END);
    }
    if (f->respond) {
        return f->respond(f, method, params);
    }
    return success(f->value ? xr_copy(f->value) : xr_string("ok"));
}

static int fake_handler(void *ctx, const char *url, const char *body, size_t len, char **resp,
                        size_t *resp_len)
{
    struct fake_xapi *f = ctx;
    struct xr_value *env;
    char *method = NULL;
    int r;

    replace_str(&f->request, body, len);
    f->request_len = len;
    if (f->transport_error) {
        return f->transport_error;
    }
    xr_free(f->params);
    f->params = NULL;
    assert_int_equal(xr_decode_call(body, len, NULL, &method, &f->params), 0);
    replace_str(&f->method, method, strlen(method));
    free(method);
    if (f->raw) {
        *resp = strdup(f->raw);
        *resp_len = strlen(f->raw);
        return 0;
    }
    env = fake_dispatch(f, url, f->method, f->params);
    r = xr_encode_response(env, resp, resp_len);
    xr_free(env);
    return r;
}

struct fixture {
    struct fake_xapi fake;
    struct xapi_session *s;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct xt_transport *t = xt_fake_new(fake_handler, &fx->fake);

    assert_non_null(t);
    assert_int_equal(xapi_session_new(t, &fx->s), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    xapi_session_free(fx->s);
    free(fx->fake.method);
    free(fx->fake.request);
    free(fx->fake.login_url);
    free(fx->fake.call_session);
    xr_free(fx->fake.params);
    xr_free(fx->fake.value);
    free(fx);
    return 0;
}

/* The array of the given strings (NULL-terminated). */
static struct xr_value *strings(const char *first, ...)
{
    struct xr_value *arr = xr_array();
    const char *p = first;
    va_list ap;

    va_start(ap, first);
    while (p) {
        assert_int_equal(xr_array_append(arr, xr_string(p)), 0);
        p = va_arg(ap, const char *);
    }
    va_end(ap);
    return arr;
}

static void assert_params(const struct fake_xapi *f, struct xr_value *expected)
{
    assert_true(xr_equal(f->params, expected));
    xr_free(expected);
}

/* The request bytes must be exactly what the codec makes of the call. */
static void assert_request_bytes(const struct fake_xapi *f, const char *method,
                                 struct xr_value *params)
{
    char *want = NULL;
    size_t len = 0;

    assert_int_equal(xr_encode_call(method, params, &want, &len), 0);
    assert_int_equal(f->request_len, len);
    assert_memory_equal(f->request, want, len);
    free(want);
    xr_free(params);
}

/* Logs in; the fake numbers its sessions by login count. */
static void login(struct fixture *fx)
{
    char want[64];

    assert_int_equal(xapi_login_with_password(fx->s, "root", "secret", NULL, NULL), 0);
    snprintf(want, sizeof want, "OpaqueRef:session-%d", fx->fake.logins);
    assert_string_equal(xapi_session_ref(fx->s), want);
}

/* ------------------------------------------------------------------ */

static void test_login_request(void **state)
{
    struct fixture *fx = *state;

    login(fx);
    assert_string_equal(xapi_session_ref(fx->s), "OpaqueRef:session-1");
    assert_string_equal(fx->fake.method, "session.login_with_password");
    assert_request_bytes(&fx->fake, "session.login_with_password", strings("root", "secret", END));
    /* The bytes Python's xmlrpc.client sends for the same call. */
    assert_string_equal(fx->fake.request,
                        "<?xml version='1.0'?>\n"
                        "<methodCall>\n"
                        "<methodName>session.login_with_password</methodName>\n"
                        "<params>\n"
                        "<param>\n<value><string>root</string></value>\n</param>\n"
                        "<param>\n<value><string>secret</string></value>\n</param>\n"
                        "</params>\n"
                        "</methodCall>\n");
    assert_null(xapi_last_error(fx->s)->code);
}

static void test_login_version_originator(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", "1.2", "xvs-test"), 0);
    assert_request_bytes(&fx->fake, "session.login_with_password",
                         strings("root", "pw", "1.2", "xvs-test", END));
    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", NULL, "xvs-test"), 0);
    assert_params(&fx->fake, strings("root", "pw", "1.0", "xvs-test", END));
    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", "1.0", NULL), 0);
    assert_params(&fx->fake, strings("root", "pw", "1.0", END));
    /* Each new login logged the previous session out. */
    assert_int_equal(fx->fake.logouts, 2);
}

static void test_slave_local_login(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(xapi_slave_local_login_with_password(fx->s, "root", "pw"), 0);
    assert_string_equal(fx->fake.method, "session.slave_local_login_with_password");
    assert_params(&fx->fake, strings("root", "pw", END));
    assert_string_equal(xapi_session_ref(fx->s), "OpaqueRef:session-1");
}

static void test_login_failure(void **state)
{
    struct fixture *fx = *state;
    const struct xapi_error *e;

    fx->fake.fail_logins_from = 1;
    assert_int_equal(xapi_login_with_password(fx->s, "root", "wrong", NULL, NULL), -EACCES);
    e = xapi_last_error(fx->s);
    assert_string_equal(e->code, "SESSION_AUTHENTICATION_FAILED");
    assert_int_equal(e->params.n, 2);
    assert_string_equal(e->params.v[0], "root");
    assert_null(xapi_session_ref(fx->s));
    assert_int_equal(xapi_call(fx->s, "PIF.get_all", NULL, NULL), -ENOTCONN);
}

static struct xr_value *respond_pif_record(struct fake_xapi *f, const char *method,
                                           const struct xr_value *params)
{
    const char *ref = xr_get_string(xr_array_get(params, 1));
    struct xr_value *rec;

    (void)f;
    if (strcmp(method, "PIF.get_record") != 0) {
        return failure("MESSAGE_METHOD_UNKNOWN", method, END);
    }
    if (!ref || strcmp(ref, "OpaqueRef:pif-eth0") != 0) {
        return failure("HANDLE_INVALID", "PIF", ref ? ref : "", END);
    }
    rec = xr_struct();
    xr_struct_set_string(rec, "uuid", "0b4f8a06-1111-4c3a-8f5e-7d9c2e6b0a01");
    xr_struct_set_string(rec, "device", "eth0");
    xr_struct_set_string(rec, "VLAN", "-1");
    xr_struct_set_string(rec, "MTU", "1500");
    xr_struct_set_bool(rec, "management", true);
    xr_struct_set_string(rec, "network", "OpaqueRef:net-0");
    return success(rec);
}

static void test_call_prepends_session(void **state)
{
    struct fixture *fx = *state;
    struct xr_value *params = strings("OpaqueRef:pif-eth0", END), *result = NULL;

    login(fx);
    fx->fake.respond = respond_pif_record;
    assert_int_equal(xapi_call(fx->s, "PIF.get_record", params, &result), 0);
    assert_request_bytes(&fx->fake, "PIF.get_record",
                         strings("OpaqueRef:session-1", "OpaqueRef:pif-eth0", END));
    assert_int_equal(xr_type(result), XR_STRUCT);
    assert_string_equal(xr_get_string(xr_struct_get(result, "device")), "eth0");
    xr_free(result);
    /* The caller's parameters are borrowed, not consumed. */
    assert_int_equal(xr_array_len(params), 1);
    xr_free(params);
    /* No parameters at all: the session ref alone goes out. */
    assert_int_equal(xapi_call(fx->s, "PIF.get_record", NULL, NULL), -ENOENT);
    assert_params(&fx->fake, strings("OpaqueRef:session-1", END));
}

/* Runs "fn" with stderr captured into a buffer the caller frees. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
    char path[] = "/tmp/xvs-xapi-test.XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    char *buf = calloc(1, 4096);

    assert_true(fd >= 0 && saved >= 0 && buf);
    fflush(stderr);
    dup2(fd, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_true(pread(fd, buf, 4095, 0) >= 0);
    close(fd);
    unlink(path);
    return buf;
}

static void call_bad_handle(void *arg)
{
    struct fixture *fx = arg;
    struct xr_value *params = strings("OpaqueRef:missing", END);

    assert_int_equal(xapi_call(fx->s, "PIF.get_record", params, NULL), -ENOENT);
    xr_free(params);
}

static void test_failure_envelope(void **state)
{
    struct fixture *fx = *state;
    const struct xapi_error *e;
    char *log;

    login(fx);
    fx->fake.respond = respond_pif_record;
    log = capture_stderr(call_bad_handle, fx);
    assert_string_equal(log, "XenAPI call PIF.get_record failed: HANDLE_INVALID PIF "
                             "OpaqueRef:missing\n");
    free(log);
    e = xapi_last_error(fx->s);
    assert_string_equal(e->code, "HANDLE_INVALID");
    assert_int_equal(e->params.n, 2);
    assert_string_equal(e->params.v[0], "PIF");
    assert_string_equal(e->params.v[1], "OpaqueRef:missing");
    /* Unknown methods map to ENOSYS; a later success clears the error. */
    assert_int_equal(xapi_call(fx->s, "PIF.frobnicate", NULL, NULL), -ENOSYS);
    fx->fake.respond = NULL;
    assert_int_equal(xapi_call(fx->s, "PIF.get_all", NULL, NULL), 0);
    assert_null(xapi_last_error(fx->s)->code);
    assert_int_equal(xapi_last_error(fx->s)->params.n, 0);
}

static void test_errno_table(void **state)
{
    (void)state;
    assert_int_equal(xapi_errno_from_code("SESSION_INVALID"), -EACCES);
    assert_int_equal(xapi_errno_from_code("SESSION_AUTHENTICATION_FAILED"), -EACCES);
    assert_int_equal(xapi_errno_from_code("HANDLE_INVALID"), -ENOENT);
    assert_int_equal(xapi_errno_from_code("UUID_INVALID"), -ENOENT);
    assert_int_equal(xapi_errno_from_code("MESSAGE_METHOD_UNKNOWN"), -ENOSYS);
    assert_int_equal(xapi_errno_from_code("MESSAGE_PARAMETER_COUNT_MISMATCH"), -EINVAL);
    assert_int_equal(xapi_errno_from_code("INVALID_VALUE"), -EINVAL);
    assert_int_equal(xapi_errno_from_code("FIELD_TYPE_ERROR"), -EINVAL);
    assert_int_equal(xapi_errno_from_code("PIF_IS_PHYSICAL"), -EREMOTEIO);
    assert_int_equal(xapi_errno_from_code("session_invalid"), -EREMOTEIO);
    assert_int_equal(xapi_errno_from_code(NULL), -EREMOTEIO);
}

static void test_session_invalid_relogin(void **state)
{
    struct fixture *fx = *state;
    struct xr_value *result = NULL;

    login(fx);
    fx->fake.session_invalid = 1;
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, &result), 0);
    assert_string_equal(xr_get_string(result), "ok");
    xr_free(result);
    assert_int_equal(fx->fake.logins, 2);
    assert_int_equal(fx->fake.calls, 2);
    /* The retry used the new session, and so do later calls. */
    assert_string_equal(fx->fake.call_session, "OpaqueRef:session-2");
    assert_string_equal(xapi_session_ref(fx->s), "OpaqueRef:session-2");
    /* The re-login repeated the original credentials. */
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), 0);
    assert_int_equal(fx->fake.logins, 2);
}

static void test_session_invalid_forever(void **state)
{
    struct fixture *fx = *state;

    login(fx);
    fx->fake.session_invalid = 1000;
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), -EACCES);
    assert_int_equal(fx->fake.calls, 1 + XAPI_SESSION_RETRIES);
    assert_int_equal(fx->fake.logins, 1 + XAPI_SESSION_RETRIES);
    assert_string_equal(xapi_last_error(fx->s)->code, "SESSION_INVALID");
}

static void test_session_invalid_relogin_fails(void **state)
{
    struct fixture *fx = *state;

    login(fx);
    fx->fake.fail_logins_from = 2;
    fx->fake.session_invalid = 1;
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), -EACCES);
    assert_int_equal(fx->fake.calls, 1);
    assert_int_equal(fx->fake.logins, 2);
    assert_string_equal(xapi_last_error(fx->s)->code, "SESSION_AUTHENTICATION_FAILED");
}

static void test_attached_session(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(xapi_session_attach(fx->s, ""), -EINVAL);
    assert_int_equal(xapi_session_attach(fx->s, "OpaqueRef:given"), 0);
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), 0);
    assert_string_equal(fx->fake.call_session, "OpaqueRef:given");
    fx->fake.session_invalid = 1;
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), -EACCES);
    assert_int_equal(fx->fake.logins, 0);
    assert_int_equal(fx->fake.calls, 2);
    /* Not ours: logout forgets it without telling XAPI. */
    assert_int_equal(xapi_logout(fx->s), 0);
    assert_int_equal(fx->fake.logouts, 0);
    assert_null(xapi_session_ref(fx->s));
}

static void test_host_is_slave_redirect(void **state)
{
    struct fixture *fx = *state;

    fx->fake.slave_master = "192.0.2.10";
    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", NULL, NULL), 0);
    assert_int_equal(fx->fake.logins, 2);
    assert_string_equal(fx->fake.login_url, "https://192.0.2.10/");
    assert_string_equal(xt_get_url(xapi_session_transport(fx->s)), "https://192.0.2.10/");
    assert_string_equal(xapi_session_ref(fx->s), "OpaqueRef:session-2");
    /* Later calls go to the master too. */
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), 0);
}

static void test_host_is_slave_twice(void **state)
{
    struct fixture *fx = *state;

    fx->fake.slave_master = "192.0.2.10";
    fx->fake.slave_everywhere = true;
    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", NULL, NULL), -EREMOTEIO);
    assert_int_equal(fx->fake.logins, 2);
    assert_string_equal(xapi_last_error(fx->s)->code, "HOST_IS_SLAVE");
    assert_null(xapi_session_ref(fx->s));
}

static void test_host_is_slave_bad_master(void **state)
{
    struct fixture *fx = *state;

    fx->fake.slave_master = "not a host/";
    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", NULL, NULL), -EREMOTEIO);
    assert_int_equal(fx->fake.logins, 1);
    assert_string_equal(xt_get_url(xapi_session_transport(fx->s)), XT_FAKE_URL);
}

/* Sends one call with the fake answering "raw" and returns the result. */
static int call_with_raw(struct fixture *fx, const char *raw)
{
    struct xr_value *result = (struct xr_value *)fx;
    int r;

    fx->fake.raw = raw;
    r = xapi_call(fx->s, "pool.get_all", NULL, &result);
    fx->fake.raw = NULL;
    if (r < 0) {
        assert_null(result);
        assert_null(xapi_last_error(fx->s)->code);
    }
    xr_free(r < 0 ? NULL : result);
    return r;
}

#define RESPONSE(v)                                                                                \
    "<?xml version=\"1.0\"?><methodResponse><params><param><value>" v                              \
    "</value></param></params></methodResponse>"

static void test_malformed_responses(void **state)
{
    struct fixture *fx = *state;

    login(fx);
    assert_int_equal(call_with_raw(fx, "not xml at all <<<"), -EBADMSG);
    assert_int_equal(call_with_raw(fx, ""), -EBADMSG);
    assert_int_equal(call_with_raw(fx, "<?xml version=\"1.0\"?><methodResponse><params>"),
                     -EBADMSG);
    assert_int_equal(call_with_raw(fx, RESPONSE("<string>just a string</string>")), -EBADMSG);
    assert_int_equal(call_with_raw(fx, RESPONSE("<array><data/></array>")), -EBADMSG);
    /* A well-formed envelope still works through the same path. */
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<string>Success</string></value></member>"
                                                "<member><name>Value</name><value><string>x"
                                                "</string></value></member></struct>")),
                     0);
}

static void test_envelope_status(void **state)
{
    struct fixture *fx = *state;

    login(fx);
    /* Missing Status. */
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Value</name><value>"
                                                "<string>x</string></value></member></struct>")),
                     -EBADMSG);
    /* Status of the wrong type. */
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<int>1</int></value></member></struct>")),
                     -EBADMSG);
    /* Status neither Success nor Failure. */
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<string>Maybe</string></value></member>"
                                                "<member><name>Value</name><value><string>x"
                                                "</string></value></member></struct>")),
                     -EBADMSG);
    /* Success without Value. */
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<string>Success</string></value></member>"
                                                "</struct>")),
                     -EBADMSG);
    /* Failure with an empty or non-string ErrorDescription. */
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<string>Failure</string></value></member>"
                                                "<member><name>ErrorDescription</name><value>"
                                                "<array><data/></array></value></member>"
                                                "</struct>")),
                     -EBADMSG);
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<string>Failure</string></value></member>"
                                                "<member><name>ErrorDescription</name><value>"
                                                "<array><data><value><int>7</int></value>"
                                                "</data></array></value></member></struct>")),
                     -EBADMSG);
    assert_int_equal(call_with_raw(fx, RESPONSE("<struct><member><name>Status</name><value>"
                                                "<string>Failure</string></value></member>"
                                                "</struct>")),
                     -EBADMSG);
}

static void test_xmlrpc_fault(void **state)
{
    struct fixture *fx = *state;
    char *fault = NULL;
    size_t len = 0;

    login(fx);
    assert_int_equal(xr_encode_fault(500, "internal error", &fault, &len), 0);
    assert_int_equal(call_with_raw(fx, fault), -EPROTO);
    free(fault);
}

static void test_transport_error(void **state)
{
    struct fixture *fx = *state;

    login(fx);
    fx->fake.transport_error = -ECONNREFUSED;
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), -ECONNREFUSED);
    assert_null(xapi_last_error(fx->s)->code);
    assert_int_equal(xapi_login_with_password(fx->s, "root", "pw", NULL, NULL), -ECONNREFUSED);
    assert_null(xapi_session_ref(fx->s));
}

static void test_get_record_ints_as_strings(void **state)
{
    struct fixture *fx = *state;
    struct xapi_pif pif = {0};

    login(fx);
    fx->fake.respond = respond_pif_record;
    assert_int_equal(xapi_get_record(fx->s, &xapi_class_pif, "OpaqueRef:pif-eth0", &pif), 0);
    assert_string_equal(fx->fake.method, "PIF.get_record");
    assert_string_equal(pif.ref, "OpaqueRef:pif-eth0");
    assert_string_equal(pif.device, "eth0");
    assert_int_equal(pif.vlan, -1);
    assert_int_equal(pif.mtu, 1500);
    assert_true(pif.management);
    assert_string_equal(pif.network, "OpaqueRef:net-0");
    xapi_record_clear(&xapi_class_pif, &pif);
    assert_int_equal(xapi_get_record(fx->s, &xapi_class_pif, "OpaqueRef:gone", &pif), -ENOENT);
    assert_null(pif.ref);
}

static struct xr_value *pif_wire(const char *uuid, const char *device, const char *vlan,
                                 const char *mtu)
{
    struct xr_value *rec = xr_struct();

    xr_struct_set_string(rec, "uuid", uuid);
    xr_struct_set_string(rec, "device", device);
    xr_struct_set_string(rec, "VLAN", vlan);
    xr_struct_set_string(rec, "MTU", mtu);
    xr_struct_set_bool(rec, "physical", !strcmp(vlan, "-1"));
    return rec;
}

static struct xr_value *respond_two_pifs(struct fake_xapi *f, const char *method,
                                         const struct xr_value *params)
{
    struct xr_value *all = xr_struct();

    (void)f;
    (void)params;
    assert_string_equal(method, "PIF.get_all_records");
    xr_struct_set(all, "OpaqueRef:pif-a", pif_wire("uuid-a", "eth0", "-1", "1500"));
    xr_struct_set(all, "OpaqueRef:pif-b", pif_wire("uuid-b", "eth0", "42", "9000"));
    return success(all);
}

static void test_get_all_records(void **state)
{
    struct fixture *fx = *state;
    struct xapi_record_list list;
    const struct xapi_pif *a, *b;

    login(fx);
    fx->fake.respond = respond_two_pifs;
    assert_int_equal(xapi_get_all_records(fx->s, &xapi_class_pif, &list), 0);
    assert_params(&fx->fake, strings("OpaqueRef:session-1", END));
    assert_int_equal(list.n, 2);
    a = xapi_record_list_find_ref(&list, "OpaqueRef:pif-a");
    b = xapi_record_list_find_uuid(&list, "uuid-b");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->vlan, -1);
    assert_true(a->physical);
    assert_int_equal(b->vlan, 42);
    assert_int_equal(b->mtu, 9000);
    assert_string_equal(b->ref, "OpaqueRef:pif-b");
    xapi_record_list_clear(&list);
}

static void test_get_all_records_bad_record(void **state)
{
    struct fixture *fx = *state;
    struct xapi_record_list list;
    struct xr_value *all = xr_struct();

    login(fx);
    xr_struct_set(all, "OpaqueRef:pif-a", pif_wire("uuid-a", "eth0", "minus one", "1500"));
    fx->fake.value = all;
    assert_int_equal(xapi_get_all_records(fx->s, &xapi_class_pif, &list), -EBADMSG);
    assert_int_equal(list.n, 0);
    assert_null(list.items);
    /* Not a struct at all. */
    xr_free(fx->fake.value);
    fx->fake.value = xr_string("nope");
    assert_int_equal(xapi_get_all_records(fx->s, &xapi_class_pif, &list), -EBADMSG);
    assert_int_equal(list.n, 0);
}

static void test_get_all_records_where(void **state)
{
    struct fixture *fx = *state;
    struct xapi_record_list list;
    struct xr_value *all = xr_struct(), *net = xr_struct();
    const struct xapi_network *n;

    login(fx);
    xr_struct_set_string(net, "uuid", "net-uuid-2");
    xr_struct_set_string(net, "bridge", "xenbr2");
    xr_struct_set_string(net, "MTU", "1500");
    xr_struct_set(all, "OpaqueRef:net-2", net);
    fx->fake.value = all;
    assert_int_equal(xapi_get_all_records_where(fx->s, &xapi_class_network,
                                                "field \"bridge\"=\"xenbr2\"", &list),
                     0);
    assert_string_equal(fx->fake.method, "network.get_all_records_where");
    assert_params(&fx->fake, strings("OpaqueRef:session-1", "field \"bridge\"=\"xenbr2\"", END));
    assert_int_equal(list.n, 1);
    n = XAPI_LIST_ITEM(&list, struct xapi_network, 0);
    assert_string_equal(n->bridge, "xenbr2");
    assert_int_equal(n->mtu, 1500);
    assert_string_equal(n->ref, "OpaqueRef:net-2");
    xapi_record_list_clear(&list);
    assert_int_equal(xapi_get_all_records_where(fx->s, &xapi_class_network, NULL, &list), -EINVAL);
}

static struct xr_value *respond_by_uuid(struct fake_xapi *f, const char *method,
                                        const struct xr_value *params)
{
    const char *uuid = xr_get_string(xr_array_get(params, 1));

    (void)f;
    assert_string_equal(method, "VIF.get_by_uuid");
    if (uuid && !strcmp(uuid, "6c2b5e8e-0d6e-4bd1-9f77-0c8b53d0ad31")) {
        return success(xr_string("OpaqueRef:vif-1"));
    }
    if (uuid && !strcmp(uuid, "int-instead")) {
        return success(xr_int(5));
    }
    return failure("UUID_INVALID", "VIF", uuid ? uuid : "", END);
}

static void test_get_by_uuid(void **state)
{
    struct fixture *fx = *state;
    char *ref = NULL;

    login(fx);
    fx->fake.respond = respond_by_uuid;
    assert_int_equal(
            xapi_get_by_uuid(fx->s, &xapi_class_vif, "6c2b5e8e-0d6e-4bd1-9f77-0c8b53d0ad31", &ref),
            0);
    assert_string_equal(ref, "OpaqueRef:vif-1");
    assert_params(&fx->fake,
                  strings("OpaqueRef:session-1", "6c2b5e8e-0d6e-4bd1-9f77-0c8b53d0ad31", END));
    free(ref);
    assert_int_equal(xapi_get_by_uuid(fx->s, &xapi_class_vif, "no-such-uuid", &ref), -ENOENT);
    assert_null(ref);
    assert_string_equal(xapi_last_error(fx->s)->code, "UUID_INVALID");
    assert_int_equal(xapi_get_by_uuid(fx->s, &xapi_class_vif, "int-instead", &ref), -EBADMSG);
    assert_null(ref);
    assert_int_equal(xapi_get_by_uuid(fx->s, &xapi_class_vif, NULL, &ref), -EINVAL);
}

static void test_get_all(void **state)
{
    struct fixture *fx = *state;
    struct xapi_strv refs = {0};

    login(fx);
    fx->fake.value = strings("OpaqueRef:pool-0", END);
    assert_int_equal(xapi_get_all(fx->s, &xapi_class_pool, &refs), 0);
    assert_string_equal(fx->fake.method, "pool.get_all");
    assert_int_equal(refs.n, 1);
    assert_string_equal(refs.v[0], "OpaqueRef:pool-0");
    xr_free(fx->fake.value);
    fx->fake.value = xr_array();
    xr_array_append(fx->fake.value, xr_int(3));
    assert_int_equal(xapi_get_all(fx->s, &xapi_class_pool, &refs), -EBADMSG);
    assert_int_equal(refs.n, 0);
    xapi_strv_clear(&refs);
}

static void test_call_plugin(void **state)
{
    struct fixture *fx = *state;
    struct xapi_map args = {0};
    struct xr_value *expected, *map = xr_struct();
    char *out = NULL;

    login(fx);
    assert_int_equal(xapi_map_set(&args, "bridge", "xenbr0"), 0);
    assert_int_equal(xapi_map_set(&args, "action", "update"), 0);
    fx->fake.value = xr_string("no change");
    assert_int_equal(xapi_host_call_plugin(fx->s, "OpaqueRef:host-0", "openvswitch-cfg-update",
                                           "update", &args, &out),
                     0);
    assert_string_equal(out, "no change");
    free(out);
    assert_string_equal(fx->fake.method, "host.call_plugin");
    expected = strings("OpaqueRef:session-1", "OpaqueRef:host-0", "openvswitch-cfg-update",
                       "update", END);
    xr_struct_set_string(map, "bridge", "xenbr0");
    xr_struct_set_string(map, "action", "update");
    xr_array_append(expected, map);
    assert_params(&fx->fake, expected);
    /* No args: an empty struct; a non-string result is malformed. */
    xr_free(fx->fake.value);
    fx->fake.value = xr_int(1);
    assert_int_equal(xapi_host_call_plugin(fx->s, "OpaqueRef:host-0", "p", "f", NULL, &out),
                     -EBADMSG);
    assert_null(out);
    assert_int_equal(xr_struct_len(xr_array_get(fx->fake.params, 4)), 0);
    assert_int_equal(xr_type(xr_array_get(fx->fake.params, 4)), XR_STRUCT);
    xapi_map_clear(&args);
}

static void test_logout(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(xapi_logout(fx->s), 0); /* Nothing to do. */
    assert_int_equal(fx->fake.logouts, 0);
    login(fx);
    assert_int_equal(xapi_logout(fx->s), 0);
    assert_int_equal(fx->fake.logouts, 1);
    assert_request_bytes(&fx->fake, "session.logout", strings("OpaqueRef:session-1", END));
    assert_null(xapi_session_ref(fx->s));
    assert_int_equal(xapi_logout(fx->s), 0);
    assert_int_equal(fx->fake.logouts, 1);
    /* A session the server already dropped counts as logged out. */
    login(fx);
    fx->fake.session_invalid = 1;
    assert_int_equal(xapi_logout(fx->s), 0);
    assert_null(xapi_session_ref(fx->s));
    assert_int_equal(xapi_call(fx->s, "pool.get_all", NULL, NULL), -ENOTCONN);
}

static void test_bad_arguments(void **state)
{
    struct fixture *fx = *state;
    struct xapi_session *s = (struct xapi_session *)fx;
    struct xr_value *not_array = xr_string("x");

    assert_int_equal(xapi_session_new(NULL, &s), -EINVAL);
    assert_null(s);
    login(fx);
    assert_int_equal(xapi_call(fx->s, "pool.get_all", not_array, NULL), -EINVAL);
    assert_int_equal(xapi_call(fx->s, NULL, NULL, NULL), -EINVAL);
    assert_int_equal(xapi_call_raw(fx->s, "x", not_array, NULL), -EINVAL);
    assert_int_equal(xapi_login_with_password(fx->s, NULL, "pw", NULL, NULL), -EINVAL);
    xr_free(not_array);
    xapi_session_free(NULL);
}

static void test_call_raw(void **state)
{
    struct fixture *fx = *state;
    struct xr_value *params = strings("a", "b", END), *result = NULL;

    assert_int_equal(xapi_call_raw(fx->s, "session.get_all_subject_identifiers", params, &result),
                     0);
    assert_string_equal(xr_get_string(result), "ok");
    assert_request_bytes(&fx->fake, "session.get_all_subject_identifiers", params);
    xr_free(result);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
            T(test_login_request),
            T(test_login_version_originator),
            T(test_slave_local_login),
            T(test_login_failure),
            T(test_call_prepends_session),
            T(test_failure_envelope),
            T(test_errno_table),
            T(test_session_invalid_relogin),
            T(test_session_invalid_forever),
            T(test_session_invalid_relogin_fails),
            T(test_attached_session),
            T(test_host_is_slave_redirect),
            T(test_host_is_slave_twice),
            T(test_host_is_slave_bad_master),
            T(test_malformed_responses),
            T(test_envelope_status),
            T(test_xmlrpc_fault),
            T(test_transport_error),
            T(test_get_record_ints_as_strings),
            T(test_get_all_records),
            T(test_get_all_records_bad_record),
            T(test_get_all_records_where),
            T(test_get_by_uuid),
            T(test_get_all),
            T(test_call_plugin),
            T(test_logout),
            T(test_bad_arguments),
            T(test_call_raw),
    };

    xlog_open("xapi_test", false);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
