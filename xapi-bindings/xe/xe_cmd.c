/* The commands of xe: table, dispatch, help and the helpers the command
 * implementations share (XenAPI calls, error reports, printing, the ref
 * resolver); see xe_cmd.h.  The generic class commands are in xe_objects.c,
 * the verbs in xe_verbs.c. */
#include "xe_cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "records.h"
#include "sbuf.h"
#include "xapi.h"
#include "xe_err.h"
#include "xe_run.h"
#include "xmlrpc.h"

#define USAGE_HINT "For usage run: 'xe help'\n"

/* ------------------------------------------------------------------ */
/* Helpers shared with xe_verbs.c                                      */

struct xr_value *xe_params(const char *fmt, ...)
{
    struct xr_value *arr = xr_array();
    va_list ap;

    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        struct xr_value *v = NULL;

        if (*f == 's') {
            v = xr_string(va_arg(ap, const char *));
        } else if (*f == 'b') {
            v = xr_bool(va_arg(ap, int) != 0);
        } else if (*f == 'v') {
            v = va_arg(ap, struct xr_value *);
        }
        if (!arr) {
            xr_free(v);
        } else if (xr_array_append(arr, v) < 0) {
            xr_free(arr);
            arr = NULL;
        }
    }
    va_end(ap);
    return arr;
}

/* "uuid (name-label)" of the object "ref" of class "cls" (xe's ref_convert),
 * malloc'ed, or NULL when it cannot be found. */
static char *describe_ref(struct xapi_session *s, const char *cls, const char *ref)
{
    char method[96], *text = NULL;
    struct xr_value *params = xr_array(), *rec = NULL;
    const char *uuid, *name;

    snprintf(method, sizeof method, "%s.get_record", cls);
    if (params && xr_array_append(params, xr_string(ref)) == 0 &&
        xapi_call(s, method, params, &rec) == 0 &&
        (uuid = xr_get_string(xr_struct_get(rec, "uuid")))) {
        name = xr_get_string(xr_struct_get(rec, "name_label"));
        if (asprintf(&text, "%s%s%s%s", uuid, name ? " (" : "", name ? name : "", name ? ")" : "") <
            0) {
            text = NULL;
        }
    }
    xr_free(params);
    xr_free(rec);
    return text;
}

/* Prints XenAPI error "code" with "params", showing the references of
 * parameters named after a class as xe does: by uuid and name. */
static void report_error(struct xapi_session *s, const char *code, const struct xapi_strv *params,
                         struct sbuf *err)
{
    const char *const *names = NULL;
    char **shown = calloc(params->n + 1, sizeof *shown);
    size_t n_names = 0;

    xe_err_doc(code, &names);
    while (names && names[n_names]) {
        n_names++;
    }
    for (size_t i = 0; shown && i < params->n; i++) {
        const struct xe_class *cls = NULL;

        for (size_t c = 0; i < n_names && xe_classes[c]; c++) {
            if (!strcasecmp(xe_classes[c]->wire, names[i])) {
                cls = xe_classes[c];
            }
        }
        if (cls && !strncmp(params->v[i], "OpaqueRef:", 10)) {
            shown[i] = describe_ref(s, cls->wire, params->v[i]);
        }
        if (!shown[i]) {
            shown[i] = strdup(params->v[i]);
        }
        if (!shown[i]) {
            for (size_t k = 0; k < i; k++) {
                free(shown[k]);
            }
            free(shown);
            shown = NULL;
        }
    }
    if (shown) {
        xe_err_format(code, (const char *const *)shown, params->n, err);
        for (size_t i = 0; i < params->n; i++) {
            free(shown[i]);
        }
        free(shown);
    } else {
        xe_err_format(code, (const char *const *)params->v, params->n, err);
    }
}

void xe_cmd_report(struct xapi_session *s, int r, struct sbuf *err)
{
    const struct xapi_error *e = s ? xapi_last_error(s) : NULL;

    if (e && e->code) {
        struct xapi_strv params = {0};
        char *code = strdup(e->code);
        bool ok = code != NULL;

        if (!strcmp(e->code, "SESSION_AUTHENTICATION_FAILED")) {
            free(code);
            sbuf_adds(err, "Authentication failed\n" USAGE_HINT);
            return;
        }
        /* Copied: looking references up below replaces the last error. */
        for (size_t i = 0; ok && i < e->params.n; i++) {
            ok = xapi_strv_append(&params, e->params.v[i]) == 0;
        }
        if (ok) {
            report_error(s, code, &params, err);
        } else {
            xe_err_format(e->code, (const char *const *)e->params.v, e->params.n, err);
        }
        xapi_strv_clear(&params);
        free(code);
        return;
    }
    switch (r) {
    case -ECONNREFUSED:
        sbuf_adds(err, "Unable to contact server. Please check server and port settings.\n");
        break;
    case -ETIMEDOUT:
        sbuf_adds(err, "Error: the server did not answer in time.\n");
        break;
    case -EPROTO:
        sbuf_adds(err, "Error: the server answered with an HTTP error or an XML-RPC fault.\n");
        break;
    case -EIO:
        sbuf_adds(err, "Error: the connection to the server failed (TLS or transfer error; "
                       "--debug shows why).\n");
        break;
    case -EBADMSG:
        sbuf_adds(err, "Error: the server's answer is not a XenAPI response.\n");
        break;
    default:
        sbuf_addf(err, "Error: %s.\n", strerror(-r));
        break;
    }
}

int xe_call(struct xe_run *run, const char *method, struct xr_value *params,
            struct xr_value **result)
{
    int r;

    if (!params) {
        /* A parameter list that could not be built. */
        xe_cmd_report(NULL, -ENOMEM, run->err);
        return -ENOMEM;
    }
    r = xapi_call(run->s, method, params, result);
    xr_free(params);
    if (r < 0) {
        xe_cmd_report(run->s, r, run->err);
    }
    return r;
}

int xe_call_string(struct xe_run *run, const char *method, struct xr_value *params, char **out)
{
    struct xr_value *v = NULL;
    int r = xe_call(run, method, params, &v);

    *out = NULL;
    if (r == 0) {
        const char *s = xr_get_string(v);

        if (!s) {
            r = -EBADMSG;
            xe_cmd_report(NULL, r, run->err);
        } else if (!(*out = strdup(s))) {
            r = -ENOMEM;
            xe_cmd_report(NULL, r, run->err);
        }
    }
    xr_free(v);
    return r;
}

int xe_get_ref(struct xe_run *run, const char *cls, const char *uuid, char **ref)
{
    char method[96];

    snprintf(method, sizeof method, "%s.get_by_uuid", cls);
    return xe_call_string(run, method, xe_params("s", uuid), ref);
}

void xe_print_value(struct xe_run *run, const char *value)
{
    if (!run->minimal) {
        sbuf_addf(run->out, "%s\n", value);
        return;
    }
    if (run->minimal_used) {
        sbuf_addc(&run->minimal_line, ',');
    }
    for (const char *p = value; *p; p++) {
        if (*p == ',' || *p == '\\') {
            sbuf_addc(&run->minimal_line, '\\');
        }
        sbuf_addc(&run->minimal_line, *p);
    }
    run->minimal_used = true;
}

int xe_print_uuid_of(struct xe_run *run, const char *cls, const char *ref)
{
    char method[96], *uuid = NULL;
    int r;

    snprintf(method, sizeof method, "%s.get_uuid", cls);
    r = xe_call_string(run, method, xe_params("s", ref), &uuid);
    if (r == 0) {
        xe_print_value(run, uuid);
    }
    free(uuid);
    return r;
}

int xe_fail(struct xe_run *run, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    sbuf_addf(run->err, "Error: %s\n", msg ? msg : "out of memory");
    free(msg);
    return -EINVAL;
}

int xe_fail_internal(struct xe_run *run, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL, *param = NULL;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    if (msg && asprintf(&param, "Failure: %s", msg) < 0) {
        param = NULL;
    }
    if (param) {
        const char *v[1] = {param};

        xe_err_format("INTERNAL_ERROR", v, 1, run->err);
    } else {
        sbuf_adds(run->err, "Error: out of memory\n");
    }
    free(msg);
    free(param);
    return -EINVAL;
}

const char *xe_param(const struct xe_run *run, const char *key)
{
    return xe_args_get(run->args, key);
}

const char *xe_param_nocase(const struct xe_run *run, const char *key)
{
    for (size_t i = run->args->n_params; i > 0; i--) {
        if (!strcasecmp(run->args->params[i - 1].key, key)) {
            return run->args->params[i - 1].value;
        }
    }
    return NULL;
}

int xe_parse_int(const char *text, long long *out)
{
    char *end;

    errno = 0;
    *out = strtoll(text, &end, 10);
    return errno || end == text || *end ? -EINVAL : 0;
}

struct xr_value *xe_map_params(const struct xe_run *run, const char *prefix)
{
    struct xr_value *st = xr_struct();
    size_t len = strlen(prefix);

    for (size_t i = 0; st && i < run->args->n_params; i++) {
        const struct xe_param *p = &run->args->params[i];

        if (!strncmp(p->key, prefix, len) && p->key[len] == ':' && p->key[len + 1] &&
            xr_struct_set_string(st, p->key + len + 1, p->value) < 0) {
            xr_free(st);
            st = NULL;
        }
    }
    return st;
}

/* The resolver: get_all_records of each class met, once per run. */
static const struct xr_value *cache_lookup(void *ctx, const char *cls, const char *ref)
{
    struct xe_run *run = ctx;
    struct xe_cache_entry *e = NULL;
    char method[96];

    for (size_t i = 0; i < run->n_cache; i++) {
        if (!strcmp(run->cache[i].cls, cls)) {
            e = &run->cache[i];
        }
    }
    if (!e) {
        struct xr_value *v = NULL;

        if (run->n_cache == XE_CACHE_MAX) {
            return NULL;
        }
        snprintf(method, sizeof method, "%s.get_all_records", cls);
        /* A class the server does not know resolves nothing, quietly: xe
         * shows such references as "<not in database>". */
        if (xapi_call(run->s, method, NULL, &v) < 0 || xr_type(v) != XR_STRUCT) {
            xr_free(v);
            v = xr_struct();
        }
        e = &run->cache[run->n_cache];
        e->cls = strdup(cls);
        e->records = v;
        if (!e->cls || !v) {
            free(e->cls);
            xr_free(v);
            return NULL;
        }
        run->n_cache++;
    }
    return xr_struct_get(e->records, ref);
}

void xe_cache_prime(struct xe_run *run, const char *cls, struct xr_value *records)
{
    char *name = strdup(cls);

    if (!name || run->n_cache == XE_CACHE_MAX) {
        free(name);
        xr_free(records);
        return;
    }
    run->cache[run->n_cache].cls = name;
    run->cache[run->n_cache].records = records;
    run->n_cache++;
}

/* ------------------------------------------------------------------ */
/* Table                                                               */

static int cmd_help(struct xe_run *run);

struct verb {
    const char *name;
    const char *reqd;
    const char *optn;
    const char *help;
    xe_handler handler;
};

static const struct verb verbs[] = {
        {"pif-plug", "uuid", "", "Attempt to bring up a network interface.", xe_verb_pif_plug},
        {"pif-unplug", "uuid", "", "Attempt to bring down a network interface.",
         xe_verb_pif_unplug},
        {"pif-reconfigure-ip", "uuid,mode", "IP,netmask,gateway,DNS",
         "Reconfigure the IP address settings on a PIF.", xe_verb_pif_reconfigure_ip},
        {"pif-reconfigure-ipv6", "uuid,mode", "IPv6,gateway,DNS",
         "Reconfigure the IPv6 address settings on a PIF.", xe_verb_pif_reconfigure_ipv6},
        {"network-create", "name-label", "name-description,MTU,bridge,managed",
         "Create a new network.", xe_verb_network_create},
        {"network-destroy", "uuid", "", "Delete an existing network.", xe_verb_network_destroy},
        {"bond-create", "network-uuid,pif-uuids", "mac,mode,properties:",
         "Create a bonded interface from a list of existing PIF objects.", xe_verb_bond_create},
        {"bond-destroy", "uuid", "", "Destroy a bonded interface.", xe_verb_bond_destroy},
        {"bond-set-mode", "uuid,mode", "", "Change the bond mode.", xe_verb_bond_set_mode},
        {"vlan-create", "pif-uuid,vlan,network-uuid", "", "Create a new VLAN on a host.",
         xe_verb_vlan_create},
        {"vlan-destroy", "uuid", "", "Destroy a VLAN.", xe_verb_vlan_destroy},
        {"tunnel-create", "pif-uuid,network-uuid", "protocol", "Create a new tunnel on a host.",
         xe_verb_tunnel_create},
        {"tunnel-destroy", "uuid", "", "Destroy a tunnel.", xe_verb_tunnel_destroy},
        {"vif-create", "device,network-uuid,vm-uuid", "mac",
         "Create a VIF. mac=random picks a random locally administered address.",
         xe_verb_vif_create},
        {"vif-destroy", "uuid", "", "Destroy a VIF.", xe_verb_vif_destroy},
        {"vif-plug", "uuid", "", "Attempt to attach the VIF while the VM is in the running state.",
         xe_verb_vif_plug},
        {"vif-unplug", "uuid", "force",
         "Attempt to detach the VIF while the VM is in the running state.", xe_verb_vif_unplug},
        {"vm-create", "name-label", "name-description",
         "Create an empty VM record (xvs extension; XAPI calls VM.create).", xe_verb_vm_create},
        {"vm-start", "", "vm,force,on,paused,<vm filters>",
         "Start the selected VM(s): vm=<name or uuid>, or filters on VM fields.", xe_verb_vm_start},
        {"vm-shutdown", "", "vm,force,<vm filters>",
         "Shutdown the selected VM(s); --force shuts down forcibly.", xe_verb_vm_shutdown},
        {"host-management-reconfigure", "pif-uuid", "",
         "Reconfigure the management interface of this node.", xe_verb_host_management_reconfigure},
        {"pool-set-vswitch-controller", "address", "",
         "Set the IP address of the vswitch controller.", xe_verb_pool_set_vswitch_controller},
        {"sdn-controller-introduce", "", "address,protocol,tcp-port", "Introduce an SDN controller",
         xe_verb_sdn_controller_introduce},
        {"sdn-controller-forget", "uuid", "", "Remove an SDN controller",
         xe_verb_sdn_controller_forget},
        {"host-call-plugin", "host-uuid,plugin,fn",
         "args:", "Calls the function within the plugin on the given host with optional arguments.",
         xe_verb_host_call_plugin},
        {"help", "", "", "Print help.", cmd_help},
};

static const struct {
    const char *suffix;
    const char *reqd;
    const char *optn;
    const char *help;
    xe_handler handler;
} generic[] = {
        {"-list", "", "params,<field>=<value>,<map>:<key>=<value>,<set>:contains=<value>",
         "Lists the objects, filtering on the optional arguments.", xe_cmd_list},
        {"-param-list", "uuid", "", "Lists all the parameters of the object.", xe_cmd_param_list},
        {"-param-get", "uuid,param-name", "param-key",
         "Gets the parameter of the object (param-key: one key of a map).", xe_cmd_param_get},
        {"-param-set", "uuid", "<field>=<value>,<map>:<key>=<value>",
         "Sets parameters of the object.", xe_cmd_param_set},
        {"-param-add", "uuid,param-name", "param-key,<key>=<value>",
         "Adds to a set parameter (param-key) or a map parameter (key=value...).",
         xe_cmd_param_add},
        {"-param-remove", "uuid,param-name,param-key", "",
         "Removes a key from a set or map parameter.", xe_cmd_param_remove},
        {"-param-clear", "uuid,param-name", "", "Empties a set or map parameter.",
         xe_cmd_param_clear},
};

int xe_cmd_find(const char *name, struct xe_command *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    if (strlen(name) >= sizeof cmd->name) {
        return -ENOENT;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (!strcmp(verbs[i].name, name)) {
            strcpy(cmd->name, name);
            cmd->reqd = verbs[i].reqd;
            cmd->optn = verbs[i].optn;
            cmd->help = verbs[i].help;
            cmd->handler = verbs[i].handler;
            cmd->no_session = verbs[i].handler == cmd_help;
            return 0;
        }
    }
    for (size_t c = 0; xe_classes[c]; c++) {
        size_t len = strlen(xe_classes[c]->name);

        if (strncmp(name, xe_classes[c]->name, len)) {
            continue;
        }
        for (size_t g = 0; g < sizeof generic / sizeof generic[0]; g++) {
            if (!strcmp(name + len, generic[g].suffix)) {
                strcpy(cmd->name, name);
                cmd->reqd = generic[g].reqd;
                cmd->optn = generic[g].optn;
                cmd->help = generic[g].help;
                cmd->handler = generic[g].handler;
                cmd->cls = xe_classes[c];
                return 0;
            }
        }
    }
    return -ENOENT;
}

void xe_cmd_unknown(const char *name, struct sbuf *err)
{
    sbuf_addf(err, "Unknown command: %s\n" USAGE_HINT, name);
}

int xe_cmd_check(const struct xe_command *cmd, const struct xe_args *args, struct sbuf *err)
{
    for (const char *p = cmd->reqd; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char key[64];

        snprintf(key, sizeof key, "%.*s", (int)n, p);
        if (!xe_args_get(args, key)) {
            sbuf_addf(err, "Required parameter not found: %s\n" USAGE_HINT, key);
            return -EINVAL;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static void help_command(struct sbuf *out, const struct xe_command *cmd)
{
    sbuf_addf(out, "command name            : %s\n", cmd->name);
    sbuf_addf(out, "        reqd params     : %s\n", cmd->reqd);
    sbuf_addf(out, "        optional params : %s\n", cmd->optn);
    sbuf_addf(out, "        description     : %s\n", cmd->help);
}

static int cmd_help(struct xe_run *run)
{
    struct xe_command cmd;
    const char *which = NULL;

    for (size_t i = 0; i < run->args->n_params; i++) {
        if (!*run->args->params[i].value && !xe_args_is_std(run->args->params[i].key)) {
            which = run->args->params[i].key;
        }
    }
    if (which) {
        if (xe_cmd_find(which, &cmd) < 0) {
            xe_cmd_unknown(which, run->err);
            return -ENOENT;
        }
        help_command(run->out, &cmd);
        return 0;
    }
    sbuf_adds(run->out, "Usage: xe <command> [-s server] [-p port] [-u user] [-pw password] "
                        "[--nossl] [--minimal] [command parameters]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        sbuf_addf(run->out, "    %s\n", verbs[i].name);
    }
    for (size_t c = 0; xe_classes[c]; c++) {
        for (size_t g = 0; g < sizeof generic / sizeof generic[0]; g++) {
            sbuf_addf(run->out, "    %s%s\n", xe_classes[c]->name, generic[g].suffix);
        }
    }
    sbuf_adds(run->out, "\nRun 'xe help <command>' for its parameters.\n");
    return 0;
}

int xe_cmd_run(const struct xe_command *cmd, const struct xe_args *args, struct xapi_session *s,
               struct sbuf *out, struct sbuf *err)
{
    struct xe_run run = {
            .cmd = cmd,
            .args = args,
            .s = s,
            .out = out,
            .err = err,
            .minimal = xe_args_bool(args, "minimal", false),
    };
    int r;

    sbuf_init(&run.minimal_line);
    run.res.lookup = cache_lookup;
    run.res.ctx = &run;
    r = cmd->handler(&run);
    if (run.minimal && r == 0) {
        /* xe prints the --minimal line even when nothing was listed. */
        sbuf_addf(out, "%s\n", sbuf_str(&run.minimal_line));
    }
    if (sbuf_error(out) || sbuf_error(&run.minimal_line)) {
        sbuf_adds(err, "Error: out of memory.\n");
        r = -ENOMEM;
    }
    for (size_t i = 0; i < run.n_cache; i++) {
        free(run.cache[i].cls);
        xr_free(run.cache[i].records);
    }
    sbuf_free(&run.minimal_line);
    return r < 0 ? 1 : 0;
}
