/* interface-reconfigure's actions: `up`, `down`, `rewrite` and the forced
 * rewrite, carried out in the original's order (spec §1.6-1.8): files
 * staged, devices checked before anything changes, links, the single OVSDB
 * transaction, the management flows, ifup, commit; files reverted on error.
 * With dry_run the plan is printed (ip, ovs-vsctl, ovs-ofctl and command
 * lines, file contents) to "dry" and nothing is changed. */
#ifndef XVS_IR_RUN_H
#define XVS_IR_RUN_H

#include <stdbool.h>

#include "ir_args.h"
#include "ir_model.h"
#include "sbuf.h"

struct lnk;
struct ovsdbc;

struct ir_ctx {
    const struct ir_args *args;
    const char *prog; /* Program name for file headers ("interface-reconfigure"). */
    struct ir_model model;
    struct lnk *lnk;       /* Borrowed: netlink, dry-run printer or fake. */
    struct ovsdbc *conn;   /* Opened on first use unless dry-run; owned. */
    const char *db_remote; /* NULL: unix:<root>/var/run/openvswitch/db.sock. */
    int timeout_ms;        /* Each OVSDB / OpenFlow request (the original's --timeout=20). */
    bool dry_run;
    struct sbuf *dry; /* Where the dry-run plan goes (borrowed). */
    bool bridge_mode; /* network.conf says "bridge": the Linux bridge backend. */
};

/* Sets defaults: timeout 20 s, empty model. */
void ir_ctx_init(struct ir_ctx *c, const struct ir_args *args, struct lnk *lnk, struct sbuf *dry);
/* Closes the OVSDB connection and frees the model.  Accepts NULL. */
void ir_ctx_clear(struct ir_ctx *c);

/* The actions on "pif" (a PIF of c->model).  0 or a negative errno, the
 * reason logged once. */
int ir_action_up(struct ir_ctx *c, const struct xapi_pif *pif);
int ir_action_down(struct ir_ctx *c, const struct xapi_pif *pif);
/* Plain rewrite: xs-network-uuids of the attached PIFs, when a switch
 * database socket exists. */
int ir_action_rewrite(struct ir_ctx *c);
/* --force <bridge> rewrite: writes the minimal dbcache of spec §1.3 through
 * the .xapi-new/.xapi-old scheme (refs are real uuids, fixing Q2). */
int ir_action_force_rewrite(struct ir_ctx *c);

/* Saves c->model as the dbcache inside the root prefix, atomically (the
 * original ignored the prefix, Q3).  In dry-run prints what it would write. */
int ir_save_cache(struct ir_ctx *c);

/* Helpers shared with the Linux bridge backend (ir_bridge.c). */

/* Runs argv (argv[0] root-prefixed, "Running command" logged; status only
 * logged, as the original did), or prints it in dry-run. */
void ir_run_cmd(struct ir_ctx *c, const char *const *argv);
/* Whether <root>/etc/sysconfig/network-scripts/ifcfg-<dev> exists. */
bool ir_ifcfg_exists(const char *dev);
/* The original's ifdown(): skipped when the device is absent, `ip link set
 * down` when it has no ifcfg file, else /sbin/ifdown, or without it the
 * direct ir_ipcfg_down(). */
void ir_ifdown(struct ir_ctx *c, const char *dev);

/* The original's ifup(): /sbin/ifup <dev>, with " -T 240 " added to
 * DHCLIENTARGS during first boot.  Without /sbin/ifup (hosts without the
 * network-scripts) the device is configured directly from "pif", the PIF
 * whose ipdev "dev" is (NULL: the link only), see ir_ipcfg_up().  0 or a
 * negative errno (the direct configuration failed; logged). */
int ir_ifup(struct ir_ctx *c, const struct xapi_pif *pif, const char *dev);

/* <root>/sbin/update-issue (the login banner with the new address), when
 * it is installed. */
void ir_update_issue(struct ir_ctx *c);

/* XVS_DATAPATH_TYPE of <root>/etc/sysconfig/openvswitch, an xvs extension for
 * hosts without the openvswitch kernel module: "netdev" puts every bridge
 * `up` adds on the userspace datapath.  out[] gets "netdev", or "" for the
 * switch's default (no file, no key, or "system").  0, or -EINVAL for
 * another value (logged). */
int ir_datapath_type(char out[16]);
/* PVS-booted hosts (/proc/ardence names the PIF's MAC): the PIF is left
 * alone ("Skipping PVS device ..." logged). */
bool ir_pvs_skip(const struct xapi_pif *pif);

#endif
