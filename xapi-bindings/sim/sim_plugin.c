/* host.call_plugin of xvs-xapi-sim; see sim_plugin.h. */
#include "sim_plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"
#include "paths.h"
#include "records.h"
#include "sim_api.h"
#include "sim_ctx.h"
#include "sim_methods.h"
#include "sim_net.h"
#include "xmlrpc.h"

/* A plugin that has not answered after this long is killed. */
#define PLUGIN_TIMEOUT_MS 300000
/* What a plugin may print. */
#define PLUGIN_MAX_OUTPUT (16u << 20)

static struct xr_value *plugin_failure(const char *what, const char *a, const char *b)
{
    const char *params[] = {what, a, b};

    return sim_failure_list("XENAPI_PLUGIN_FAILURE", params, b ? 3 : 2);
}

struct xr_value *sim_plugin_result(const char *name, int status, const char *output, size_t len)
{
    struct xr_value *result = NULL, *env = NULL;
    struct xr_fault fault = {0};
    const struct xr_value *desc, *value;
    const char *st;
    char text[64];
    int r;

    if (status == -ENOENT || status == -EACCES) {
        return sim_failure("XENAPI_MISSING_PLUGIN", 1, name);
    }
    if (status < 0) {
        snprintf(text, sizeof text, "cannot run the plugin: %s", strerror(-status));
        return plugin_failure(text, output ? output : "", "");
    }
    if (status != 0) {
        return plugin_failure("non-zero exit", output ? output : "", "");
    }
    r = xr_decode_response(output ? output : "", len, NULL, &result, &fault);
    if (r == -ENOMEM) {
        return NULL;
    }
    if (r == 1) {
        snprintf(text, sizeof text, "%d", fault.code);
        env = plugin_failure("fault", text, fault.reason ? fault.reason : "");
        xr_fault_clear(&fault);
        return env;
    }
    st = r == 0 ? xr_get_string(xr_struct_get(result, "Status")) : NULL;
    value = xr_struct_get(result, "Value");
    desc = xr_struct_get(result, "ErrorDescription");
    if (st && !strcmp(st, "Success") && xr_type(value) == XR_STRING) {
        env = sim_success(xr_copy(value));
    } else if (st && !strcmp(st, "Failure") && xr_array_len(desc) > 0) {
        size_t n = xr_array_len(desc);
        const char **params = calloc(n, sizeof *params);
        bool strings = params != NULL;

        for (size_t i = 0; strings && i < n; i++) {
            params[i] = xr_get_string(xr_array_get(desc, i));
            strings = params[i] != NULL;
        }
        if (strings) {
            env = sim_failure_list(params[0], params + 1, n - 1);
        } else if (params) {
            env = plugin_failure("failed to parse plugin output", output, NULL);
        }
        free(params);
    } else {
        env = plugin_failure("failed to parse plugin output", output ? output : "", NULL);
    }
    xr_free(result);
    return env;
}

/* The executable of plugin "name", or NULL (caller frees). */
static char *plugin_path(struct sim_ctx *ctx, const char *name)
{
    char *dirs[2] = {paths_get(PATHS_XAPI_PLUGIN_DIR), NULL}, *found = NULL;

    if (ctx->cfg.plugins) {
        dirs[1] = strdup(ctx->cfg.plugins);
    }
    for (size_t i = 0; i < 2 && !found; i++) {
        struct stat st;
        char *p = NULL;

        if (!dirs[i] || asprintf(&p, "%s/%s", dirs[i], name) < 0) {
            continue;
        }
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
            found = p;
        } else {
            free(p);
        }
    }
    free(dirs[0]);
    free(dirs[1]);
    return found;
}

struct xr_value *sim_plugin_call(struct sim_ctx *ctx, const char *session, const char *name,
                                 const char *fn, const struct xr_value *args)
{
    struct xr_value *params = xr_array(), *env = NULL;
    struct exec_output out = {0};
    char *path = NULL, *call = NULL;
    const char *argv[3];
    struct exec_cmd cmd = {.argv = argv,
                           .timeout_ms = PLUGIN_TIMEOUT_MS,
                           .stdin_data = "",
                           .stdin_len = 0,
                           .max_output = PLUGIN_MAX_OUTPUT};
    int r;

    /* A plugin name is a file name in the plugin folder, nothing else. */
    if (!*name || strchr(name, '/') || name[0] == '.') {
        env = sim_failure("XENAPI_MISSING_PLUGIN", 1, name);
        goto out;
    }
    path = plugin_path(ctx, name);
    if (!path) {
        xlog_warn("Plugin %s not found", name);
        env = sim_failure("XENAPI_MISSING_PLUGIN", 1, name);
        goto out;
    }
    if (!params || xr_array_append(params, xr_string(session)) < 0 ||
        xr_array_append(params, args ? xr_copy(args) : xr_struct()) < 0 ||
        xr_encode_call(fn, params, &call, NULL) < 0) {
        goto out;
    }
    argv[0] = path;
    argv[1] = call;
    argv[2] = NULL;
    /* The methodCall is a long argument; the log shows its name only. */
    xlog_info("Calling plugin %s function %s", path, fn);
    cmd.flags = EXEC_QUIET;
    r = sim_ctx_run(ctx, &cmd, NULL, 0, &out);
    env = sim_plugin_result(name, r, out.data ? out.data : "", out.len);
    if (env && !sim_net_ok(env)) {
        xlog_warn("Plugin %s %s failed: %s", name, fn,
                  xr_get_string(xr_array_get(xr_struct_get(env, "ErrorDescription"), 0)));
    }
out:
    exec_output_free(&out);
    xr_free(params);
    free(call);
    free(path);
    return env;
}

/* host.call_plugin(host, plugin, fn, args). */
static struct xr_value *host_call_plugin(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *host, *plugin = sim_arg_str(params, 2), *fn = sim_arg_str(params, 3);
    const struct xr_value *args = xr_array_get(params, 4);
    struct xr_value *err;

    if ((err = sim_net_check(ctx, &xapi_class_host, params, 1, "host", &host))) {
        return err;
    }
    if (!plugin || !fn) {
        return sim_net_type_error(plugin ? "fn" : "plugin");
    }
    if (!sim_net_is_string_map(args)) {
        return sim_net_type_error("args");
    }
    return sim_plugin_call(ctx, sim_arg_str(params, 0), plugin, fn, args);
}

const struct sim_method sim_plugin_methods[] = {
        {"host", "call_plugin", 4, host_call_plugin},
        {NULL, NULL, 0, NULL},
};
