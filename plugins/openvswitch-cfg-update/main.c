/* openvswitch-cfg-update: the XAPI plugin that points the switch at the
 * pool's SDN controller (spec §6).
 *
 * Plugin protocol (spec §9): XAPI runs /etc/xapi.d/plugins/openvswitch-cfg-update
 * with exactly one argument, an XML-RPC <methodCall> whose method is the
 * function and whose parameters are the session ref and a struct of string
 * arguments.  We print one <methodResponse> on stdout — {Status: Success,
 * Value: <string>} or {Status: Failure, ErrorDescription: [code, params...]}
 * — and exit 0; nothing else ever goes to stdout.  Logs go to syslog with
 * the ident "openvswitch-cfg-update".
 *
 * For sandboxes the root prefix comes from the XVS_ROOT environment variable
 * (XAPI gives a plugin no options).  `--help` prints this summary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgupd.h"
#include "log.h"
#include "paths.h"
#include "transport.h"
#include "vsctl_run.h"
#include "xmlrpc.h"

#define PLUGIN_DB_TIMEOUT_MS 5000

/* Prints the response; returns the exit status (0, or 1 if even that failed). */
static int respond(const char *value, const struct xapi_strv *failure)
{
    struct xr_value *st = xr_struct(), *desc = NULL;
    char *xml = NULL;
    int r = st ? 0 : -ENOMEM;

    if (r == 0 && value) {
        r = xr_struct_set_string(st, "Status", "Success");
        r = r ?: xr_struct_set_string(st, "Value", value);
    } else if (r == 0) {
        desc = xr_array();
        r = desc ? xr_struct_set_string(st, "Status", "Failure") : -ENOMEM;
        for (size_t i = 0; r == 0 && i < failure->n; i++) {
            r = xr_array_append(desc, xr_string(failure->v[i]));
        }
        r = r ?: xr_struct_set(st, "ErrorDescription", desc);
        desc = r ? desc : NULL;
    }
    r = r ?: xr_encode_response(st, &xml, NULL);
    if (r == 0) {
        fputs(xml, stdout);
        r = fflush(stdout) == 0 ? 0 : -EIO;
    }
    free(xml);
    xr_free(desc);
    xr_free(st);
    if (r < 0) {
        xlog_err("cannot write the plugin response (%s)", strerror(-r));
        return 1;
    }
    return 0;
}

static int fail(struct xapi_strv *failure, const char *code, const char *a, const char *b,
                const char *c)
{
    xapi_strv_clear(failure);
    xapi_strv_append(failure, code);
    for (const char *p[] = {a, b, c}, **q = p; q < p + 3 && *q; q++) {
        xapi_strv_append(failure, *q);
    }
    return respond(NULL, failure);
}

int main(int argc, char **argv)
{
    struct xapi_strv failure = {0};
    struct xt_transport *t = NULL;
    struct cfgupd_env env = {.timeout_ms = PLUGIN_DB_TIMEOUT_MS};
    struct xr_value *params = NULL;
    char *method = NULL, *value = NULL, *url = NULL;
    const char *session;
    int r, rc;

    xlog_open(argv[0], true);
    if (argc == 2 && !strcmp(argv[1], "--help")) {
        printf("usage: openvswitch-cfg-update '<methodCall>...</methodCall>'\n"
               "A XAPI plugin: functions update and emergency_reset (see `xe host-call-plugin`).\n"
               "XVS_ROOT=DIR runs it against a sandbox host.\n");
        return 0;
    }
    if (argc != 2) {
        xlog_err("expected one argument (an XML-RPC methodCall), got %d", argc - 1);
        return fail(&failure, "XENAPI_PLUGIN_FAILURE", "argv", "usage",
                    "expected one XML-RPC methodCall");
    }
    if (paths_init(NULL) < 0) {
        return fail(&failure, "XENAPI_PLUGIN_FAILURE", "init", "paths", "bad XVS_ROOT");
    }
    r = xr_decode_call(argv[1], strlen(argv[1]), NULL, &method, &params);
    if (r < 0) {
        xlog_err("malformed methodCall: %s", xr_last_error());
        rc = fail(&failure, "XENAPI_PLUGIN_FAILURE", "parse", "XMLRPCError", xr_last_error());
        goto out;
    }
    session = xr_get_string(xr_array_get(params, 0));
    if (strcmp(method, "update") && strcmp(method, "emergency_reset")) {
        rc = fail(&failure, "UNKNOWN_XENAPI_PLUGIN_FUNCTION", method, NULL, NULL);
        goto out;
    }
    if (!session || !*session) {
        rc = fail(&failure, "XENAPI_PLUGIN_FAILURE", method, "TypeError",
                  "the first parameter must be the session ref");
        goto out;
    }
    url = paths_get(PATHS_XAPI_SOCKET);
    r = url ? xt_unix_new(url, NULL, &t) : -ENOMEM;
    r = r ?: xapi_session_new(t, &env.xapi);
    r = r ?: xapi_session_attach(env.xapi, session);
    r = r ?: vrun_connect(NULL, PLUGIN_DB_TIMEOUT_MS, &env.db);
    if (r < 0) {
        rc = fail(&failure, "XENAPI_PLUGIN_FAILURE", method, "IOError", strerror(-r));
        goto out;
    }
    r = !strcmp(method, "update") ? cfgupd_update(&env, &value, &failure)
                                  : cfgupd_emergency_reset(&env, &value, &failure);
    if (r == 0) {
        xlog_info("%s: %s", method, value);
        rc = respond(value, NULL);
    } else if (r == 1) {
        rc = respond(NULL, &failure);
    } else {
        const struct xapi_error *e = xapi_last_error(env.xapi);
        rc = fail(&failure, "XENAPI_PLUGIN_FAILURE", method, e->code ? "XenAPI.Failure" : "Error",
                  e->code ? e->code : strerror(-r));
    }
out:
    ovsdbc_close(env.db);
    xapi_session_free(env.xapi);
    xr_free(params);
    xapi_strv_clear(&failure);
    free(method);
    free(value);
    free(url);
    return rc;
}
