/* xvs-vsctl: ovs-vsctl's command language for the configuration database.
 *
 *   xvs-vsctl [--db=unix:PATH|tcp:IP:PORT] [--timeout=SECS] [--dry-run] [--oneline]
 *             [--root-prefix=DIR] [--wait|--no-wait] [-v...] [CMD-OPTIONS] COMMAND [ARG...]
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
#include "vsctl_run.h"

struct opts {
    const char *db;
    const char *root;
    long timeout;
    bool dry_run;
    bool oneline;
    bool wait;
    char **leading; /* Command options given before the first command. */
    int n_leading;
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
           "  --root-prefix=DIR  --wait  --may-exist  --if-exists  --with-iface  --id=@NAME\n");
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
        } else if (!strcmp(a, "--wait")) {
            o->wait = true;
        } else if (!strcmp(a, "--no-wait") || !strcmp(a, "--no-syslog") || !strncmp(a, "-v", 2) ||
                   !strncmp(a, "--verbose", 9) || !strncmp(a, "--log-file", 10)) {
            /* Accepted for compatibility: xvs-vsctl waits for the switch only when asked
             * (--wait), because xvs-dbd often runs alone; logging goes to stderr. */
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            *exit_code = 0;
            return -1;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("xvs-vsctl (xvs) 1.0\n");
            *exit_code = 0;
            return -1;
        } else if (!strncmp(a, "--", 2) && vcmd_is_command_option(a)) {
            o->leading[o->n_leading++] = argv[i];
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

/* Writes the commands' outputs; --oneline puts each on one line with "\n" escapes. */
static void print_outputs(char **outputs, size_t n, bool oneline)
{
    for (size_t i = 0; i < n; i++) {
        const char *text = outputs[i];
        size_t len = strlen(text);
        if (!oneline) {
            fputs(text, stdout);
            continue;
        }
        if (len && text[len - 1] == '\n') {
            len--;
        }
        for (size_t j = 0; j < len; j++) {
            if (text[j] == '\n') {
                fputs("\\n", stdout);
            } else {
                fputc(text[j], stdout);
            }
        }
        fputc('\n', stdout);
    }
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    struct ovsdbc *conn = NULL;
    struct vrun_opts vo = {.who = "xvs-vsctl", .timeout_ms = -1};
    char **cmd_argv = NULL, **outputs = NULL, *err = NULL;
    size_t n_outputs = 0;
    int rc = 1, first, r, n = 0;

    xlog_open(argv[0], false);
    xlog_set_level(XLOG_WARN);
    cmd_argv = calloc((size_t)argc + 1, sizeof(*cmd_argv));
    if (!cmd_argv) {
        goto out;
    }
    o.leading = cmd_argv;
    first = parse_globals(argc, argv, &o, &rc);
    if (first < 0) {
        goto out;
    }
    /* Command options seen among the global ones belong to the first command. */
    n = o.n_leading;
    for (int i = first; i < argc; i++) {
        cmd_argv[n++] = argv[i];
    }
    if (o.timeout > 0) {
        signal(SIGALRM, on_alarm);
        alarm((unsigned)o.timeout);
        vo.timeout_ms = (int)(o.timeout * 1000);
    }
    if (paths_init(o.root) < 0) {
        fprintf(stderr, "xvs-vsctl: invalid root prefix\n");
        goto out;
    }
    r = vrun_connect(o.db, -1, &conn);
    if (r < 0) {
        goto out;
    }
    vo.no_commit = o.dry_run;
    vo.wait = o.wait;
    r = vrun_exec(conn, n, cmd_argv, &vo, &outputs, &n_outputs, &err);
    if (r < 0) {
        fprintf(stderr, "xvs-vsctl: %s\n", err ? err : strerror(-r));
        goto out;
    }
    print_outputs(outputs, n_outputs, o.oneline);
    rc = r;
out:
    fflush(stdout);
    vrun_free_outputs(outputs, n_outputs);
    ovsdbc_close(conn);
    free(cmd_argv);
    free(err);
    return rc;
}
