/* Running an ovs-vsctl command line in-process as one guarded transaction
 * (see vsctl_run.h). */
#include "vsctl_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "paths.h"
#include "vsctl_cmd.h"
#include "vsctl_db.h"

/* A busy database can trip the guards of a long command line repeatedly; ovs-vsctl retries
 * without bound, we give up after this many fresh reads. */
#define VRUN_MAX_ATTEMPTS 100

char *vrun_default_socket(void)
{
    const char *rundir = getenv("OVS_RUNDIR");
    char *sock = NULL;

    /* As ovs-vsctl: the database socket lives in OVS_RUNDIR when that is set. */
    if (rundir && *rundir) {
        return asprintf(&sock, "%s/db.sock", rundir) < 0 ? NULL : sock;
    }
    return paths_get(PATHS_OVSDB_SOCKET);
}

int vrun_connect(const char *remote, int timeout_ms, struct ovsdbc **out)
{
    char *name = NULL;
    int r;

    *out = NULL;
    if (remote) {
        name = strdup(remote);
    } else {
        char *sock = vrun_default_socket();
        if (sock && asprintf(&name, "unix:%s", sock) < 0) {
            name = NULL;
        }
        free(sock);
    }
    if (!name) {
        return -ENOMEM;
    }
    r = ovsdbc_open(name, timeout_ms, out);
    if (r < 0) {
        xlog_err("%s: database connection failed (%s)", name, strerror(-r));
    }
    free(name);
    return r;
}

/* True for characters a POSIX shell takes literally in a word. */
static bool shell_plain(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "@%+=:,./-_[]",
                    *s)) {
            return false;
        }
    }
    return true;
}

int vrun_format(struct sbuf *out, int argc, char *const *argv)
{
    sbuf_adds(out, "ovs-vsctl");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        sbuf_addc(out, ' ');
        if (shell_plain(a)) {
            sbuf_adds(out, a);
            continue;
        }
        sbuf_addc(out, '\'');
        for (; *a; a++) {
            if (*a == '\'') {
                sbuf_adds(out, "'\\''");
            } else {
                sbuf_addc(out, *a);
            }
        }
        sbuf_addc(out, '\'');
    }
    return sbuf_error(out);
}

void vrun_free_outputs(char **outputs, size_t n)
{
    if (!outputs) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(outputs[i]);
    }
    free(outputs);
}

/* The first error object of a failed transaction, as compact JSON text. */
static char *txn_error(const json_t *results)
{
    size_t i;
    const json_t *r;

    json_array_foreach(results, i, r)
    {
        if (json_object_get(r, "error")) {
            return json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
        }
    }
    return NULL;
}

/* True if the transaction failed only because a guard found changed rows. */
static bool guard_failed(const json_t *ops, const json_t *results)
{
    size_t i;
    const json_t *r;

    json_array_foreach(results, i, r)
    {
        const char *e = json_string_value(json_object_get(r, "error"));
        const char *op = json_string_value(json_object_get(json_array_get(ops, i), "op"));
        if (e) {
            return op && !strcmp(op, "wait") && !strcmp(e, "timed out");
        }
    }
    return false;
}

/* Copies the commands' outputs, swapping the local uuids of created rows for the server's
 * (index maps local uuid -> position of its insert in results; both may be NULL). */
static int collect_outputs(struct vcmd *cmds, size_t n, const json_t *index, const json_t *results,
                           char ***outputs, size_t *n_outputs)
{
    char **v = calloc(n ? n : 1, sizeof(*v));

    if (!v) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const char *local;
        json_t *idx;
        v[i] = strdup(sbuf_str(&cmds[i].output));
        if (!v[i]) {
            vrun_free_outputs(v, i);
            return -ENOMEM;
        }
        json_object_foreach((json_t *)index, local, idx)
        {
            const json_t *res = json_array_get(results, (size_t)json_integer_value(idx));
            const char *real = json_string_value(json_array_get(json_object_get(res, "uuid"), 1));
            if (!real || strlen(real) != 36) {
                continue;
            }
            for (char *p = strstr(v[i], local); p; p = strstr(p + 36, local)) {
                memcpy(p, real, 36);
            }
        }
    }
    *outputs = v;
    *n_outputs = n;
    return 0;
}

static char *make_comment(const struct vrun_opts *o, int argc, char **argv)
{
    struct sbuf s = SBUF_INIT;

    sbuf_addf(&s, "%s:", o->who ? o->who : "xvs");
    for (int i = 0; i < argc; i++) {
        sbuf_addf(&s, " %s", argv[i]);
    }
    return sbuf_steal(&s, NULL);
}

/* ovs-vsctl's way of waiting for the switch: bump Open_vSwitch:next_cfg in the same
 * transaction and read the new value back, then wait for ovs-vswitchd to copy it to
 * cur_cfg once it has applied the configuration. */
static int append_next_cfg(json_t *ops, const char *ovs_uuid)
{
    json_t *where = json_pack("[[s, s, [s, s]]]", "_uuid", "==", "uuid", ovs_uuid);
    json_t *mut = json_pack("{s:s, s:s, s:O, s:[[s, s, i]]}", "op", "mutate", "table",
                            "Open_vSwitch", "where", where, "mutations", "next_cfg", "+=", 1);
    json_t *sel = json_pack("{s:s, s:s, s:O, s:[s]}", "op", "select", "table", "Open_vSwitch",
                            "where", where, "columns", "next_cfg");
    int r = (mut && sel && !json_array_append_new(ops, mut) && !json_array_append_new(ops, sel))
                    ? 0
                    : -ENOMEM;

    if (r < 0) {
        json_decref(mut);
        json_decref(sel);
    }
    json_decref(where);
    return r;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vrun_wait_applied(struct ovsdbc *conn, long long next_cfg, int timeout_ms, char **err)
{
    json_t *req = json_pack("{s:{s:[s]}}", "Open_vSwitch", "columns", "cur_cfg");
    long long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
    int r;

    if (!req) {
        return -ENOMEM;
    }
    r = ovsdbc_monitor(conn, "Open_vSwitch", req);
    json_decref(req);
    if (r < 0) {
        *err = strdup(ovsdbc_last_error(conn));
        return r;
    }
    for (;;) {
        const json_t *rows = ovsdbc_replica_table(conn, "Open_vSwitch");
        const char *uuid;
        json_t *row;
        int left;
        json_object_foreach((json_t *)rows, uuid, row)
        {
            if (json_integer_value(json_object_get(row, "cur_cfg")) >= next_cfg) {
                return 0;
            }
        }
        left = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && left <= 0) {
            *err = strdup("timed out waiting for the switch to apply the change");
            return -ETIMEDOUT;
        }
        r = ovsdbc_run(conn, left);
        if (r < 0) {
            *err = strdup(ovsdbc_last_error(conn));
            return r;
        }
    }
}

/* One read-run-commit round.  Returns 0 when done, 1 to retry from a fresh read, or -errno
 * with *err set. */
static int attempt(struct ovsdbc *conn, struct vdb *db, struct vcmd *cmds, size_t n,
                   const struct vrun_opts *o, const char *comment, bool last, struct vctx *ctx,
                   char ***outputs, size_t *n_outputs, char **err)
{
    json_t *sel = vdb_select_ops(db), *res = NULL, *ops = NULL, *index = NULL;
    long long next_cfg = -1;
    size_t n_ops;
    int r;

    r = sel ? ovsdbc_transact(conn, "Open_vSwitch", sel, &res) : -ENOMEM;
    json_decref(sel);
    if (r < 0 || vdb_load(db, res) < 0) {
        if (asprintf(err, "reading the database failed (%s)",
                     r < 0 ? ovsdbc_last_error(conn) : "malformed reply") < 0) {
            *err = NULL;
        }
        r = r < 0 ? r : -EBADMSG;
        goto out;
    }
    json_decref(res);
    res = NULL;
    vctx_clear(ctx);
    r = vcmd_run_all(db, cmds, n, ctx);
    if (r < 0) {
        *err = ctx->err ? strdup(ctx->err) : NULL;
        goto out;
    }
    if (!vdb_changed(db)) {
        r = outputs ? collect_outputs(cmds, n, NULL, NULL, outputs, n_outputs) : 0;
        goto out;
    }
    ops = vdb_txn_ops(db, comment, &index);
    if (!ops) {
        r = -ENOMEM;
        goto out;
    }
    if (o->no_commit) {
        char *text = json_dumps(ops, JSON_INDENT(1));
        if (o->dry_out) {
            sbuf_addf(o->dry_out, "%s\n", text ? text : "");
        } else {
            fprintf(stderr, "%s\n", text ? text : "");
        }
        free(text);
        r = outputs ? collect_outputs(cmds, n, NULL, NULL, outputs, n_outputs) : 0;
        goto out;
    }
    n_ops = json_array_size(ops);
    if (o->wait && ctx->ovs_uuid[0] && !vdb_is_new(db, ctx->ovs_uuid)) {
        r = append_next_cfg(ops, ctx->ovs_uuid);
        if (r < 0) {
            goto out;
        }
    }
    r = ovsdbc_transact(conn, "Open_vSwitch", ops, &res);
    if (r == -EPROTO && guard_failed(ops, res) && !last) {
        xlog_debug("database changed during the transaction, retrying");
        r = 1;
        goto out;
    }
    if (r < 0) {
        char *e = res ? txn_error(res) : NULL;
        if (asprintf(err, "transaction error: %s", e ? e : ovsdbc_last_error(conn)) < 0) {
            *err = NULL;
        }
        free(e);
        goto out;
    }
    if (json_array_size(ops) > n_ops) {
        const json_t *rows = json_object_get(json_array_get(res, n_ops + 1), "rows");
        next_cfg = json_integer_value(json_object_get(json_array_get(rows, 0), "next_cfg"));
    }
    if (outputs) {
        r = collect_outputs(cmds, n, index, res, outputs, n_outputs);
        if (r < 0) {
            goto out;
        }
    }
    if (next_cfg > 0) {
        r = vrun_wait_applied(conn, next_cfg, o->timeout_ms, err);
        if (r < 0 && outputs) {
            vrun_free_outputs(*outputs, *n_outputs);
            *outputs = NULL;
            *n_outputs = 0;
        }
    }
out:
    json_decref(res);
    json_decref(ops);
    json_decref(index);
    return r;
}

int vrun_exec(struct ovsdbc *conn, int argc, char **argv, const struct vrun_opts *o,
              char ***outputs, size_t *n_outputs, char **err)
{
    static const struct vrun_opts defaults = {.timeout_ms = -1};
    struct vcmd *cmds = NULL;
    struct vdb *db = NULL;
    struct vctx ctx = {0};
    struct sbuf line = SBUF_INIT;
    json_t *schema = NULL;
    char *msg = NULL, *comment = NULL;
    size_t n = 0;
    int r;

    if (!o) {
        o = &defaults;
    }
    if (outputs) {
        *outputs = NULL;
        *n_outputs = 0;
    }
    if (err) {
        *err = NULL;
    }
    r = vrun_format(&line, argc, argv);
    if (r < 0) {
        goto out;
    }
    r = vcmd_parse(argc, argv, NULL, &cmds, &n, &msg);
    if (r < 0) {
        goto out;
    }
    if (o->dry_run) {
        /* Print what would run; reading nothing keeps --dry-run usable without a switch. */
        if (o->dry_out) {
            sbuf_addf(o->dry_out, "%s\n", sbuf_str(&line));
        } else {
            printf("%s\n", sbuf_str(&line));
        }
        r = outputs ? collect_outputs(cmds, n, NULL, NULL, outputs, n_outputs) : 0;
        goto out;
    }
    xlog_info("%s", sbuf_str(&line));
    if (!conn) {
        r = -ENOTCONN;
        msg = strdup("no database connection");
        goto out;
    }
    r = ovsdbc_get_schema(conn, "Open_vSwitch", &schema);
    if (r < 0 || vdb_new(schema, &db) < 0) {
        if (asprintf(&msg, "cannot read the Open_vSwitch schema (%s)",
                     r < 0 ? ovsdbc_last_error(conn) : "bad schema") < 0) {
            msg = NULL;
        }
        r = r < 0 ? r : -EINVAL;
        goto out;
    }
    /* Only queries look at the status columns: fetch them for the tables they name. */
    for (size_t i = 0; i < n; i++) {
        const char *name = cmds[i].argv[0];
        if (!strcmp(name, "show")) {
            vdb_load_ephemeral(db, NULL);
        } else if ((!strcmp(name, "list") || !strcmp(name, "find") || !strcmp(name, "get") ||
                    !strcmp(name, "wait-until")) &&
                   cmds[i].argc > 1 && vdb_table_name(db, cmds[i].argv[1])) {
            vdb_load_ephemeral(db, vdb_table_name(db, cmds[i].argv[1]));
        }
    }
    comment = make_comment(o, argc, argv);
    for (int i = 0;; i++) {
        r = attempt(conn, db, cmds, n, o, comment, i + 1 >= VRUN_MAX_ATTEMPTS, &ctx, outputs,
                    n_outputs, &msg);
        if (r != 1) {
            break;
        }
    }
    if (r == 0) {
        r = ctx.exit_code;
    }
out:
    if (r < 0) {
        if (!msg) {
            msg = strdup(strerror(-r));
        }
        if (err) {
            *err = msg;
            msg = NULL;
        } else {
            xlog_err("%s: %s", sbuf_str(&line), msg ? msg : "out of memory");
        }
    }
    free(msg);
    free(comment);
    sbuf_free(&line);
    vctx_clear(&ctx);
    vdb_free(db);
    json_decref(schema);
    vcmd_free_all(cmds, n);
    return r;
}
