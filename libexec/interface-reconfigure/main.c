/* interface-reconfigure: brings a XenServer PIF's network up or down, or
 * rewrites the saved configuration (spec §1).  This file is the program's
 * entry: argv, logging, where the model comes from (XAPI or the dbcache),
 * and the exit codes 0 (done), 1 (failed, one log line says why) and 2
 * (usage error). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "ir_args.h"
#include "ir_model.h"
#include "ir_run.h"
#include "lnk.h"
#include "log.h"
#include "netmode.h"
#include "paths.h"
#include "records.h"
#include "sbuf.h"
#include "transport.h"
#include "xapi.h"

static void log_called_as(int argc, char **argv)
{
    struct sbuf b = SBUF_INIT;

    for (int i = 0; i < argc; i++) {
        sbuf_addf(&b, "%s%s", i ? " " : "", argv[i]);
    }
    xlog_info("Called as %s", sbuf_str(&b));
    sbuf_free(&b);
}

/* Force mode: the model from the dbcache, the PIF of the bridge. */
static int run_forced(struct ir_ctx *c)
{
    const struct ir_args *a = c->args;
    const struct xapi_pif *pif;
    char *path;
    int r;

    if (a->action == IR_ACTION_REWRITE) {
        return ir_action_force_rewrite(c);
    }
    xlog_info("Force interface %s %s", a->force, a->action == IR_ACTION_UP ? "up" : "down");
    if (!(path = paths_get(PATHS_DBCACHE))) {
        return -ENOMEM;
    }
    r = ir_model_load_cache(&c->model, path);
    free(path);
    if (r < 0 || (r = ir_pif_by_bridge(&c->model, a->force, &pif)) < 0) {
        return r;
    }
    if (ir_pvs_skip(pif)) {
        return 0;
    }
    return a->action == IR_ACTION_UP ? ir_action_up(c, pif) : ir_action_down(c, pif);
}

/* XAPI mode: the local XAPI over its unix socket, the cache saved afterwards. */
static int run_xapi(struct ir_ctx *c)
{
    const struct ir_args *a = c->args;
    struct inv inv = INV_INIT;
    struct xt_transport *t = NULL;
    struct xapi_session *s = NULL;
    const struct xapi_pif *pif = NULL;
    char *path = NULL, *host_ref = NULL, *pif_ref = NULL;
    const char *host_uuid;
    int r;

    if (!(path = paths_get(PATHS_INVENTORY))) {
        return -ENOMEM;
    }
    r = inv_read(path, &inv);
    free(path);
    path = NULL;
    if (r < 0) {
        goto out;
    }
    host_uuid = inv_get(&inv, "INSTALLATION_UUID");
    if (!host_uuid || !*host_uuid) {
        xlog_err("INSTALLATION_UUID missing from the inventory");
        r = -EINVAL;
        goto out;
    }
    xlog_info("host uuid is %s", host_uuid);
    if (!(path = paths_get(PATHS_XAPI_SOCKET))) {
        r = -ENOMEM;
        goto out;
    }
    if ((r = xt_unix_new(path, NULL, &t)) < 0 || (r = xapi_session_new(t, &s)) < 0) {
        goto out;
    }
    if (a->session) {
        r = xapi_session_attach(s, a->session);
    } else {
        r = xapi_login_with_password(s, "root", "", "1.0", "xen-api-scripts-interface-reconfigure");
    }
    if (r < 0 || (r = xapi_get_by_uuid(s, &xapi_class_host, host_uuid, &host_ref)) < 0 ||
        (r = ir_model_load_xapi(&c->model, s, host_ref)) < 0) {
        goto out;
    }
    if (a->pif_uuid) {
        /* The original crashed here under Python 3 (Q1). */
        if ((r = xapi_get_by_uuid(s, &xapi_class_pif, a->pif_uuid, &pif_ref)) < 0) {
            goto out;
        }
    } else if (a->pif && !(pif_ref = strdup(a->pif))) {
        r = -ENOMEM;
        goto out;
    }
    if (pif_ref && !(pif = ir_pif(&c->model, pif_ref))) {
        xlog_err("PIF %s is not a PIF of this host", pif_ref);
        r = -ENOENT;
        goto out;
    }
    if (pif) {
        char nd[IR_NAME_MAX];
        if (ir_netdev(pif, nd) == 0) {
            xlog_info("%s PIF %s: %s configured as %s",
                      a->action == IR_ACTION_UP ? "Bring up" : "Bring down",
                      pif->uuid ? pif->uuid : "", nd,
                      pif->ip_configuration_mode ? pif->ip_configuration_mode : "None");
        }
    }
    if (pif && ir_pvs_skip(pif)) {
        r = 0;
        goto out;
    }
    switch (a->action) {
    case IR_ACTION_UP:
        r = ir_action_up(c, pif);
        break;
    case IR_ACTION_DOWN:
        r = ir_action_down(c, pif);
        break;
    default:
        r = ir_action_rewrite(c);
        break;
    }
    if (r == 0) {
        r = ir_save_cache(c);
    }
out:
    if (s) {
        xapi_logout(s);
        xapi_session_free(s);
    } else {
        xt_free(t);
    }
    free(host_ref);
    free(pif_ref);
    free(path);
    inv_clear(&inv);
    return r;
}

int main(int argc, char **argv)
{
    struct ir_args a;
    char msg[256];
    struct sbuf dry = SBUF_INIT;
    struct lnk *lnk = NULL;
    struct ir_ctx c;
    enum netmode mode;
    int r;

    if (ir_args_parse(argc, argv, &a, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "%s\nFor help use --help.\n", msg);
        return 2;
    }
    if (a.help) {
        fputs(ir_args_usage, stdout);
        return 0;
    }
    xlog_open(argv[0], !a.no_syslog);
    if (!a.no_syslog) {
        log_called_as(argc, argv);
    }
    if (paths_init(a.root_prefix) < 0) {
        xlog_err("Bad --root-prefix %s: must be an absolute path", a.root_prefix);
        return 1;
    }
    ir_ctx_init(&c, &a, NULL, &dry);
    r = netmode_get(&mode);
    c.bridge_mode = r == 0 && mode == NETMODE_BRIDGE;
    if (r == 0) {
        r = a.dry_run ? lnk_dry_run_new(&dry, &lnk) : lnk_open(&lnk);
        if (r < 0) {
            xlog_err("Cannot open the link layer: %s", strerror(-r));
        }
    }
    if (r == 0) {
        c.lnk = lnk;
        r = a.force ? run_forced(&c) : run_xapi(&c);
    }
    if (a.dry_run) {
        fputs(sbuf_str(&dry), stdout);
    }
    ir_ctx_clear(&c);
    lnk_close(lnk);
    sbuf_free(&dry);
    return r < 0 ? 1 : 0;
}
