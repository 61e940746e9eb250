/* xvs-vsctl: ovs-vsctl's command language for the configuration database.
 *
 *   xvs-vsctl [--db=unix:PATH|tcp:IP:PORT] [--timeout=SECS] [--dry-run] [--oneline]
 *             [--root-prefix=DIR] [--no-wait] [-v...] [CMD-OPTIONS] COMMAND [ARG...]
 *             [-- [CMD-OPTIONS] COMMAND [ARG...]]...
 *
 * Every invocation is one transaction: read a snapshot of the database,
 * run the commands on it, send the changes guarded by "wait" operations on
 * what was read, and start over if another client changed those rows in
 * between, as ovs-vsctl does. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ovsdb_client.h"
#include "paths.h"
#include "sbuf.h"
#include "vsctl_cmd.h"
#include "vsctl_db.h"

#define MAX_ATTEMPTS 100

struct opts {
    const char *db;
    const char *root;
    long timeout;
    bool dry_run;
    bool oneline;
    json_t *leading; /* Command options given before the first command. */
};

static void on_alarm(int sig)
{
    static const char msg[] = "xvs-vsctl: timeout\n";

    (void)sig;
    /* Only async-signal-safe calls here; nothing to do if the message cannot be written. */
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)n;
    _exit(1);
}

static void usage(void)
{
    printf("xvs-vsctl: configures the Open vSwitch database\n"
           "usage: xvs-vsctl [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND [ARG...]]...\n\n"
           "Bridge commands: add-br BRIDGE [PARENT VLAN], del-br, list-br, br-exists,\n"
           "  br-to-vlan, br-to-parent, br-set-external-id BRIDGE KEY [VALUE],\n"
           "  br-get-external-id BRIDGE [KEY]\n"
           "Port commands: list-ports, add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...,\n"
           "  add-bond BRIDGE PORT IFACE... [--fake-iface], del-port [BRIDGE] PORT, port-to-br\n"
           "Interface commands: list-ifaces, iface-to-br\n"
           "Controller/manager/SSL: get-/set-/del-controller, get-/set-/del-fail-mode,\n"
           "  get-/set-/del-manager, get-/set-/del-ssl, emer-reset\n"
           "Database commands: list, find, get, set, add, remove, clear, create, destroy\n"
           "Other: init, show\n\n"
           "Options: --db=unix:PATH|tcp:IP:PORT  --timeout=SECS  --dry-run  --oneline\n"
           "  --root-prefix=DIR  --may-exist  --if-exists  --with-iface  --id=@NAME\n");
}

/* Parses the global options; returns the index of the first command word or -1 to exit. */
static int parse_globals(int argc, char **argv, struct opts *o, int *exit_code)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        if (!strcmp(a, "--")) {
            break;
        } else if (!strncmp(a, "--db=", 5)) {
            o->db = a + 5;
        } else if (!strcmp(a, "--db") && i + 1 < argc) {
            o->db = argv[++i];
        } else if (!strncmp(a, "--timeout=", 10) || !strcmp(a, "-t") || !strcmp(a, "--timeout")) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : "");
            char *end;
            o->timeout = strtol(v, &end, 10);
            if (!*v || *end || o->timeout < 0) {
                fprintf(stderr, "xvs-vsctl: value %s on -t or --timeout is invalid\n", v);
                *exit_code = 1;
                return -1;
            }
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "--oneline")) {
            o->oneline = true;
        } else if (!strncmp(a, "--root-prefix=", 14)) {
            o->root = a + 14;
        } else if (!strcmp(a, "--no-wait") || !strcmp(a, "--no-syslog") || !strncmp(a, "-v", 2) ||
                   !strncmp(a, "--verbose", 9) || !strncmp(a, "--log-file", 10)) {
            /* Accepted for compatibility: there is no switch daemon to wait for, and logging
             * goes to stderr. */
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            *exit_code = 0;
            return -1;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("xvs-vsctl (xvs) 1.0\n");
            *exit_code = 0;
            return -1;
        } else if (!strncmp(a, "--", 2) && vcmd_is_command_option(a)) {
            char *name = eq ? strndup(a, (size_t)(eq - a)) : strdup(a);
            if (name) {
                json_object_set_new(o->leading, name, json_string(eq ? eq + 1 : ""));
            }
            free(name);
        } else if (a[0] == '-') {
            fprintf(stderr, "xvs-vsctl: unrecognized option '%s'\n", a);
            *exit_code = 1;
            return -1;
        } else {
            break;
        }
    }
    return i;
}

/* The error object of a failed transaction, as text. */
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
        const char *err = json_string_value(json_object_get(r, "error"));
        const char *op = json_string_value(json_object_get(json_array_get(ops, i), "op"));
        if (err) {
            return op && !strcmp(op, "wait") && !strcmp(err, "timed out");
        }
    }
    return false;
}

/* Writes the commands' outputs, swapping local uuids of created rows for the server's. */
static void print_outputs(struct vcmd *cmds, size_t n, const json_t *index, const json_t *results,
                          bool oneline)
{
    for (size_t i = 0; i < n; i++) {
        char *text = strdup(sbuf_str(&cmds[i].output));
        const char *local;
        json_t *idx;
        if (!text) {
            continue;
        }
        json_object_foreach((json_t *)index, local, idx)
        {
            const json_t *res = json_array_get(results, (size_t)json_integer_value(idx));
            const char *real = json_string_value(json_array_get(json_object_get(res, "uuid"), 1));
            for (char *p = real ? strstr(text, local) : NULL; p; p = strstr(p + 36, local)) {
                memcpy(p, real, 36);
            }
        }
        if (oneline) {
            size_t len = strlen(text);
            if (len && text[len - 1] == '\n') {
                text[len - 1] = '\0';
            }
            for (char *p = text; *p; p++) {
                if (*p == '\n') {
                    fputs("\\n", stdout);
                } else {
                    fputc(*p, stdout);
                }
            }
            fputc('\n', stdout);
        } else {
            fputs(text, stdout);
        }
        free(text);
    }
}

static char *command_comment(int argc, char **argv)
{
    struct sbuf s = SBUF_INIT;

    sbuf_adds(&s, "xvs-vsctl:");
    for (int i = 1; i < argc; i++) {
        sbuf_addf(&s, " %s", argv[i]);
    }
    return sbuf_steal(&s, NULL);
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    struct vcmd *cmds = NULL;
    struct ovsdbc *conn = NULL;
    struct vdb *db = NULL;
    struct vctx ctx = {0};
    json_t *schema = NULL;
    char *err = NULL, *remote = NULL, *comment = NULL;
    size_t n = 0;
    int rc = 1, first, r;

    xlog_open(argv[0], false);
    o.leading = json_object();
    first = parse_globals(argc, argv, &o, &rc);
    if (first < 0) {
        goto out;
    }
    if (vcmd_parse(argc - first, argv + first, o.leading, &cmds, &n, &err) < 0) {
        fprintf(stderr, "xvs-vsctl: %s\n", err ? err : "out of memory");
        goto out;
    }
    if (o.timeout > 0) {
        signal(SIGALRM, on_alarm);
        alarm((unsigned)o.timeout);
    }
    if (paths_init(o.root) < 0) {
        fprintf(stderr, "xvs-vsctl: invalid root prefix\n");
        goto out;
    }
    if (o.db) {
        remote = strdup(o.db);
    } else {
        char *sock = paths_get(PATHS_OVSDB_SOCKET);
        if (sock && asprintf(&remote, "unix:%s", sock) < 0) {
            remote = NULL;
        }
        free(sock);
    }
    if (!remote) {
        goto out;
    }
    r = ovsdbc_open(remote, -1, &conn);
    if (r < 0) {
        fprintf(stderr, "xvs-vsctl: %s: database connection failed (%s)\n", remote, strerror(-r));
        goto out;
    }
    r = ovsdbc_get_schema(conn, "Open_vSwitch", &schema);
    if (r < 0 || vdb_new(schema, &db) < 0) {
        fprintf(stderr, "xvs-vsctl: %s: cannot read the Open_vSwitch schema (%s)\n", remote,
                r < 0 ? ovsdbc_last_error(conn) : "bad schema");
        goto out;
    }
    comment = command_comment(argc, argv);
    for (int attempt = 0;; attempt++) {
        json_t *sel = vdb_select_ops(db), *res = NULL, *ops, *index = NULL;
        r = ovsdbc_transact(conn, "Open_vSwitch", sel, &res);
        json_decref(sel);
        if (r < 0 || vdb_load(db, res) < 0) {
            fprintf(stderr, "xvs-vsctl: reading the database failed (%s)\n",
                    r < 0 ? ovsdbc_last_error(conn) : "malformed reply");
            json_decref(res);
            goto out;
        }
        json_decref(res);
        res = NULL;
        vctx_clear(&ctx);
        if (vcmd_run_all(db, cmds, n, &ctx) < 0) {
            fprintf(stderr, "xvs-vsctl: %s\n", ctx.err ? ctx.err : "out of memory");
            goto out;
        }
        if (!vdb_changed(db)) {
            print_outputs(cmds, n, NULL, NULL, o.oneline);
            break;
        }
        ops = vdb_txn_ops(db, comment, &index);
        if (o.dry_run) {
            char *text = json_dumps(ops, JSON_INDENT(1));
            fprintf(stderr, "%s\n", text ? text : "");
            free(text);
            print_outputs(cmds, n, NULL, NULL, o.oneline);
            json_decref(ops);
            json_decref(index);
            break;
        }
        r = ovsdbc_transact(conn, "Open_vSwitch", ops, &res);
        if (r == -EPROTO && guard_failed(ops, res) && attempt < MAX_ATTEMPTS) {
            /* Somebody changed what we read: start over from a fresh snapshot. */
            xlog_debug("database changed during the transaction, retrying");
            json_decref(ops);
            json_decref(index);
            json_decref(res);
            continue;
        }
        if (r < 0) {
            char *e = res ? txn_error(res) : NULL;
            if (e) {
                fprintf(stderr, "xvs-vsctl: transaction error: %s\n", e);
            } else {
                fprintf(stderr, "xvs-vsctl: transaction failed (%s)\n", ovsdbc_last_error(conn));
            }
            free(e);
            json_decref(ops);
            json_decref(index);
            json_decref(res);
            goto out;
        }
        print_outputs(cmds, n, index, res, o.oneline);
        json_decref(ops);
        json_decref(index);
        json_decref(res);
        break;
    }
    rc = ctx.exit_code;
out:
    fflush(stdout);
    vctx_clear(&ctx);
    vdb_free(db);
    json_decref(schema);
    ovsdbc_close(conn);
    vcmd_free_all(cmds, n);
    json_decref(o.leading);
    free(err);
    free(remote);
    free(comment);
    return rc;
}
