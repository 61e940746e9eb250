/* xvs-vsctl's command table, command-line splitting and the loop that runs
 * the commands of one transaction (see vsctl_cmd.h). */
#include "vsctl_cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The options each command takes, as ovs-vsctl(8) lists them. */
static const struct vcmd_def defs[] = {
        {"init", 0, 0, "", vcmd_init, true},
        {"show", 0, 0, "", vcmd_show, false},
        {"emer-reset", 0, 0, "", vcmd_emer_reset, true},
        {"add-br", 1, 3, "--may-exist", vcmd_add_br, true},
        {"del-br", 1, 1, "--if-exists", vcmd_del_br, true},
        {"list-br", 0, 0, "--real,--fake", vcmd_list_br, false},
        {"br-exists", 1, 1, "", vcmd_br_exists, false},
        {"br-to-vlan", 1, 1, "", vcmd_br_to_vlan, false},
        {"br-to-parent", 1, 1, "", vcmd_br_to_parent, false},
        {"br-set-external-id", 2, 3, "", vcmd_br_set_external_id, true},
        {"br-get-external-id", 1, 2, "", vcmd_br_get_external_id, false},
        {"list-ports", 1, 1, "", vcmd_list_ports, false},
        {"add-port", 2, -1, "--may-exist", vcmd_add_port, true},
        {"add-bond", 4, -1, "--may-exist,--fake-iface", vcmd_add_bond, true},
        {"del-port", 1, 2, "--if-exists,--with-iface", vcmd_del_port, true},
        {"port-to-br", 1, 1, "", vcmd_port_to_br, false},
        {"list-ifaces", 1, 1, "", vcmd_list_ifaces, false},
        {"iface-to-br", 1, 1, "", vcmd_iface_to_br, false},
        {"get-controller", 1, 1, "", vcmd_get_controller, false},
        {"del-controller", 1, 1, "", vcmd_del_controller, true},
        {"set-controller", 1, -1, "", vcmd_set_controller, true},
        {"get-fail-mode", 1, 1, "", vcmd_get_fail_mode, false},
        {"del-fail-mode", 1, 1, "", vcmd_del_fail_mode, true},
        {"set-fail-mode", 2, 2, "", vcmd_set_fail_mode, true},
        {"get-manager", 0, 0, "", vcmd_get_manager, false},
        {"del-manager", 0, 0, "", vcmd_del_manager, true},
        {"set-manager", 1, -1, "", vcmd_set_manager, true},
        {"get-ssl", 0, 0, "", vcmd_get_ssl, false},
        {"del-ssl", 0, 0, "", vcmd_del_ssl, true},
        {"set-ssl", 3, 3, "--bootstrap", vcmd_set_ssl, true},
        {"get", 2, -1, "--if-exists,--id=", vcmd_get, false},
        {"list", 1, -1, "--if-exists,--columns=", vcmd_list, false},
        {"find", 1, -1, "--columns=", vcmd_find, false},
        {"set", 3, -1, "--if-exists", vcmd_set, true},
        {"add", 4, -1, "--if-exists", vcmd_add, true},
        {"remove", 4, -1, "--if-exists", vcmd_remove, true},
        {"clear", 3, -1, "--if-exists", vcmd_clear, true},
        {"create", 2, -1, "--id=", vcmd_create, true},
        {"destroy", 1, -1, "--if-exists,--all", vcmd_destroy, true},
};

static const struct vcmd_def *find_def(const char *name)
{
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        if (!strcmp(defs[i].name, name)) {
            return &defs[i];
        }
    }
    return NULL;
}

/* True if "list" (comma-separated, entries ending in '=' take a value) names option "name". */
static bool list_has(const char *list, const char *name, size_t len, bool *takes_value)
{
    const char *p = list;

    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool val = n && p[n - 1] == '=';
        if ((val ? n - 1 : n) == len && !strncmp(p, name, len)) {
            *takes_value = val;
            return true;
        }
        p += n + (e ? 1 : 0);
    }
    return false;
}

bool vcmd_is_command_option(const char *opt)
{
    size_t len = strcspn(opt, "=");
    bool v;

    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        if (list_has(defs[i].options, opt, len, &v)) {
            return true;
        }
    }
    return false;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    return s;
}

void vcmd_free_all(struct vcmd *cmds, size_t n)
{
    for (size_t i = 0; cmds && i < n; i++) {
        json_decref(cmds[i].options);
        free(cmds[i].argv);
        sbuf_free(&cmds[i].output);
    }
    free(cmds);
}

static int finish_cmd(struct vcmd *c, char **err)
{
    const struct vcmd_def *d;
    const char *key;
    json_t *v;

    if (!c->argc) {
        *err = fmt("missing command name (use --help for help)");
        return -EINVAL;
    }
    d = find_def(c->argv[0]);
    if (!d) {
        *err = fmt("unknown command '%s'; use --help for help", c->argv[0]);
        return -EINVAL;
    }
    json_object_foreach(c->options, key, v)
    {
        bool takes;
        if (!list_has(d->options, key, strlen(key), &takes)) {
            *err = fmt("'%s' command has no '%s' option", d->name, key);
            return -EINVAL;
        }
        if (takes && !json_string_length(v)) {
            *err = fmt("missing argument to '%s' option on '%s' command", key, d->name);
            return -EINVAL;
        }
    }
    if (c->argc - 1 < d->min_args) {
        *err = fmt("'%s' command requires at least %d arguments", d->name, d->min_args);
        return -EINVAL;
    }
    if (d->max_args >= 0 && c->argc - 1 > d->max_args) {
        bool opt = false;
        for (int i = d->max_args + 1; i < c->argc; i++) {
            opt = opt || !strncmp(c->argv[i], "--", 2);
        }
        *err = fmt("'%s' command takes at most %d arguments%s", d->name, d->max_args,
                   opt ? " (note that options must precede command names and follow a \"--\" "
                         "argument)"
                       : "");
        return -EINVAL;
    }
    c->def = d;
    return 0;
}

int vcmd_parse(int argc, char **argv, const json_t *leading, struct vcmd **cmds, size_t *n,
               char **err)
{
    struct vcmd *v = calloc((size_t)argc + 1, sizeof(*v));
    size_t nc = 0;
    int i = 0;

    *err = NULL;
    *cmds = NULL;
    *n = 0;
    if (!v) {
        return -ENOMEM;
    }
    while (i < argc) {
        struct vcmd *c = &v[nc];
        if (!strcmp(argv[i], "--")) {
            i++;
            continue;
        }
        nc++;
        c->options = (nc == 1 && leading) ? json_deep_copy(leading) : json_object();
        c->argv = calloc((size_t)argc + 1, sizeof(char *));
        sbuf_init(&c->output);
        if (!c->options || !c->argv) {
            vcmd_free_all(v, nc);
            return -ENOMEM;
        }
        for (; i < argc && !strncmp(argv[i], "--", 2) && strcmp(argv[i], "--"); i++) {
            const char *eq = strchr(argv[i], '=');
            char *name = eq ? strndup(argv[i], (size_t)(eq - argv[i])) : strdup(argv[i]);
            if (!name) {
                vcmd_free_all(v, nc);
                return -ENOMEM;
            }
            json_object_set_new(c->options, name, json_string(eq ? eq + 1 : ""));
            free(name);
        }
        for (; i < argc && strcmp(argv[i], "--"); i++) {
            c->argv[c->argc++] = argv[i];
        }
        if (finish_cmd(c, err) < 0) {
            vcmd_free_all(v, nc);
            return -EINVAL;
        }
    }
    if (!nc) {
        *err = fmt("missing command name (use --help for help)");
        vcmd_free_all(v, nc);
        return -EINVAL;
    }
    *cmds = v;
    *n = nc;
    return 0;
}

int vctx_fail(struct vctx *ctx, const char *f, ...)
{
    va_list ap;
    char *s = NULL;

    if (ctx->err) {
        return -EINVAL;
    }
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    ctx->err = s ? s : strdup("out of memory");
    return -EINVAL;
}

bool vctx_opt(const struct vctx *ctx, const char *name)
{
    return json_object_get(ctx->cmd->options, name) != NULL;
}

const char *vctx_opt_value(const struct vctx *ctx, const char *name)
{
    return json_string_value(json_object_get(ctx->cmd->options, name));
}

static int take_err(struct vctx *ctx, char *err)
{
    int r = vctx_fail(ctx, "%s", err ? err : "out of memory");
    free(err);
    return r;
}

int vctx_check_mutable(struct vctx *ctx, const char *table, const char *column)
{
    if (!strcmp(column, "_uuid") || !vdb_column_mutable(ctx->db, table, column)) {
        return vctx_fail(ctx, "cannot modify read-only column %s in table %s", column, table);
    }
    return 0;
}

int vctx_set_column(struct vctx *ctx, const char *table, const char *uuid, const char *arg)
{
    const char *p = arg;
    char *err = NULL, *cname = vval_token(&p, &err), *key = NULL;
    const char *col;
    struct vval_type t;
    json_t *d = NULL;
    int r = -EINVAL;

    if (!cname) {
        return take_err(ctx, err);
    }
    col = vdb_column_name(ctx->db, table, cname);
    if (!col || vdb_column_type(ctx->db, table, col, &t) < 0) {
        r = vctx_fail(ctx, "%s does not contain a column whose name matches \"%s\"", table, cname);
        goto out;
    }
    if (*p == ':') {
        p++;
        key = vval_token(&p, &err);
        if (!key) {
            r = take_err(ctx, err);
            goto out;
        }
    }
    if (*p != '=') {
        r = vctx_fail(ctx, "%s: missing value", arg);
        goto out;
    }
    p++;
    if (!vdb_is_new(ctx->db, uuid) && vctx_check_mutable(ctx, table, col) < 0) {
        goto out;
    }
    if (key) {
        json_t *k, *v;
        if (!vval_is_map(&t)) {
            r = vctx_fail(ctx, "cannot specify key to set for non-map column %s", col);
            goto out;
        }
        k = vval_parse_atom(&t.key, key, &ctx->syms, &err);
        v = k ? vval_parse_atom(&t.value, p, &ctx->syms, &err) : NULL;
        if (!v) {
            json_decref(k);
            r = take_err(ctx, err);
            goto out;
        }
        /* The new pair goes first so that normalising keeps it over the old value. */
        d = json_pack("[[oo]]", k, v);
        json_array_extend(d, (json_t *)vdb_get(ctx->db, table, uuid, col));
    } else {
        d = vval_parse_datum(&t, p, false, &ctx->syms, &err);
        if (!d) {
            r = take_err(ctx, err);
            goto out;
        }
    }
    r = vdb_set(ctx->db, table, uuid, col, d);
    if (r < 0) {
        vctx_fail(ctx, "cannot set %s in %s", col, table);
    }
out:
    free(cname);
    free(key);
    return r;
}

void vctx_clear(struct vctx *ctx)
{
    json_decref(ctx->syms.symbols);
    free(ctx->err);
    memset(ctx, 0, sizeof(*ctx));
}

int vcmd_run_all(struct vdb *db, struct vcmd *cmds, size_t n, struct vctx *ctx)
{
    json_t *ovs;
    const char *key;
    json_t *v;

    memset(ctx, 0, sizeof(*ctx));
    ctx->db = db;
    ctx->syms.symbols = json_object();
    ctx->syms.new_uuid = vdb_new_uuid;
    if (!ctx->syms.symbols) {
        return -ENOMEM;
    }
    /* Like ovs-vsctl, create the Open_vSwitch row when the database has none. */
    ovs = vdb_uuids(db, "Open_vSwitch");
    if (json_array_size(ovs)) {
        snprintf(ctx->ovs_uuid, sizeof(ctx->ovs_uuid), "%s",
                 json_string_value(json_array_get(ovs, 0)));
    } else if (vdb_insert(db, "Open_vSwitch", ctx->ovs_uuid) < 0) {
        json_decref(ovs);
        return vctx_fail(ctx, "database schema has no Open_vSwitch table");
    }
    json_decref(ovs);
    for (size_t i = 0; i < n; i++) {
        sbuf_reset(&cmds[i].output);
        ctx->cmd = &cmds[i];
        if (cmds[i].def->run(ctx) < 0) {
            if (!ctx->err) {
                vctx_fail(ctx, "%s: out of memory", cmds[i].argv[0]);
            }
            return -EINVAL;
        }
    }
    ctx->cmd = NULL;
    json_object_foreach(ctx->syms.symbols, key, v)
    {
        if (!json_is_true(json_object_get(v, "created"))) {
            return vctx_fail(ctx,
                             "row id \"%s\" is referenced but never created (e.g. with \"-- "
                             "--id=%s create ...\")",
                             key, key);
        }
    }
    return 0;
}
