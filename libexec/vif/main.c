/* vif: the VIF hotplug program udev and xenopsd run when a Xen network
 * backend device (vif<domid>.<devid>) or its emulated twin (tap<domid>.<devid>)
 * comes and goes (spec §2).  It accepts both command lines of XenServer's
 * scripts, the udev wrapper's `vif ACTION type_if=vif|tap` and vif-real's
 * `vif TYPE DOMID DEVID ACTION [dummy]`, and does what vif-real does, through
 * libxenstore, netlink and one OVSDB transaction per ovs-vsctl line instead of
 * child processes.  The logic lives in vif.c; this file parses options and
 * opens the real backends (or the dry-run printers). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnk.h"
#include "log.h"
#include "netmode.h"
#include "paths.h"
#include "sbuf.h"
#include "vif.h"
#include "vsctl_run.h"
#include "xsc.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: vif [OPTION]... ACTION type_if=vif|tap\n"
            "       vif [OPTION]... vif|tap DOMID DEVID ACTION [dummy]\n"
            "Wire a Xen VIF or its tap twin to the host switch (udev/xenopsd hotplug).\n"
            "ACTION is online, add, remove or move (offline, bind and unbind do nothing).\n"
            "The udev form reads XENBUS_PATH (vif) or INTERFACE (tap) from the environment.\n"
            "\n"
            "  --root-prefix=DIR  resolve every host path (xenstored socket, db.sock,\n"
            "                     network.conf, %s) under DIR\n"
            "  --no-syslog        log to stderr instead of syslog\n"
            "  --dry-run          print the changes (xenstore-write, ip, ovs-vsctl and\n"
            "                     command lines) instead of making them\n"
            "  --legacy           the domid-keyed xenstore layout of the old vif script\n"
            "  --help             show this help\n",
            PATHS_VIF_HOOK);
}

struct options {
    const char *root;
    bool syslog;
    bool dry_run;
    bool legacy;
};

/* Returns 0 to run, 1 after --help, -1 on a usage error (reported). */
static int parse_options(int argc, char **argv, struct options *o)
{
    enum { O_ROOT = 256, O_NOSYSLOG, O_DRY, O_LEGACY, O_HELP };
    static const struct option longopts[] = {
            {"root-prefix", required_argument, NULL, O_ROOT},
            {"no-syslog", no_argument, NULL, O_NOSYSLOG},
            {"dry-run", no_argument, NULL, O_DRY},
            {"legacy", no_argument, NULL, O_LEGACY},
            {"help", no_argument, NULL, O_HELP},
            {NULL, 0, NULL, 0},
    };
    int ch;

    o->syslog = true;
    /* "+": options come before the positionals, which getopt must not reorder. */
    while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (ch) {
        case O_ROOT:
            o->root = optarg;
            break;
        case O_NOSYSLOG:
            o->syslog = false;
            break;
        case O_DRY:
            o->dry_run = true;
            break;
        case O_LEGACY:
            o->legacy = true;
            break;
        case O_HELP:
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

static void log_called_as(int argc, char **argv)
{
    struct sbuf line = SBUF_INIT;

    for (int i = 0; i < argc; i++) {
        sbuf_addf(&line, "%s%s", i ? " " : "", argv[i]);
    }
    xlog_info("Called as: %s", sbuf_str(&line));
    sbuf_free(&line);
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct sbuf dry = SBUF_INIT;
    struct vif_ctx c = {0};
    struct vif_req req;
    char *msg = NULL;
    const char *env;
    int r;

    r = parse_options(argc, argv, &o);
    if (r != 0) {
        return r > 0 ? 0 : 1;
    }
    xlog_open("vif", o.syslog);
    r = paths_init(o.root);
    if (r < 0) {
        xlog_err("Invalid root prefix %s (%s)", o.root ? o.root : "", strerror(-r));
        return 1;
    }
    /* setup-vif-rules and the hook, run from here, find the same root through XVS_ROOT, and
     * log where we do through XVS_NO_SYSLOG (their argv is xenopsd's, with no room for
     * options). */
    if ((o.root && *o.root && setenv("XVS_ROOT", o.root, 1) < 0) ||
        (!o.syslog && setenv("XVS_NO_SYSLOG", "1", 1) < 0)) {
        xlog_err("Cannot set the environment of the programs vif runs");
        return 1;
    }
    log_called_as(argc, argv);
    r = vif_parse_args(argc - optind, argv + optind, getenv("XENBUS_PATH"), getenv("INTERFACE"),
                       &req, &msg);
    if (r < 0) {
        /* The wrapper echoes "Unknown type: <t>" on stdout; we do the same for every usage
         * error and also log it. */
        printf("%s\n", msg ? msg : "Invalid arguments");
        xlog_err("%s", msg ? msg : "Invalid arguments");
        free(msg);
        return 1;
    }
    if (vif_is_noop(&req)) {
        xlog_info("%s%u.%u: nothing to do for %s", req.type == VIF_TYPE_VIF ? "vif" : "tap",
                  req.domid, req.devid, vif_action_name(req.action));
        return 0;
    }
    c.dry_run = o.dry_run;
    c.dry_out = &dry;
    c.dry_flush_stdout = true;
    c.legacy = o.legacy;
    env = getenv("UDEV_CALL");
    c.udev_call = env && *env;
    c.vopts.dry_run = o.dry_run;
    c.vopts.dry_out = &dry;
    c.vopts.timeout_ms = 30000;
    c.vopts.who = "vif";
    r = xsc_open(&c.xs);
    if (r < 0) {
        goto out;
    }
    r = o.dry_run ? lnk_dry_run_new(&dry, &c.lnk) : lnk_open(&c.lnk);
    if (r < 0) {
        xlog_err("Cannot open the link backend (%s)", strerror(-r));
        goto out;
    }
    r = netmode_get(&c.mode);
    if (r < 0) {
        vif_report_error(&c, &req, "Cannot tell the network backend from network.conf");
        goto out;
    }
    r = vif_run(&c, &req);
out:
    if (dry.len) {
        fputs(sbuf_str(&dry), stdout);
    }
    ovsdbc_close(c.ovs);
    lnk_close(c.lnk);
    xsc_close(c.xs);
    sbuf_free(&dry);
    return r < 0 ? 1 : 0;
}
