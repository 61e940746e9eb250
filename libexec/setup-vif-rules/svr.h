/* setup-vif-rules: the state of one run, shared by main.c (command line,
 * configuration, Open vSwitch mode) and svr_bridge.c (Linux bridge mode),
 * and the helpers both use. */
#ifndef XVS_SVR_H
#define XVS_SVR_H

#include <stdbool.h>

#include "lnk.h"
#include "netmode.h"
#include "ofconn.h"
#include "ovsdb_client.h"
#include "sbuf.h"
#include "xenopsd_vif.h"
#include "xsc.h"

/* The original's `ovs-vsctl --timeout=30`, used for every OVSDB and OpenFlow request. */
#define SVR_TIMEOUT_MS 30000
#define SVR_PATH_MAX   256

/* One run: the command line, the configuration it needs, and the handles it acts through. */
struct svr {
    /* Command line. */
    bool legacy, filter, dry_run;
    const char *backend, *vm_uuid; /* Current form only. */
    char vif[16], type[4];
    unsigned domid, devid;
    enum netmode mode;
    /* Configuration (filter). */
    struct xov_vif cfg;
    char xs_vm_uuid[XOV_TOKEN_MAX + 1];
    char hotplug[SVR_PATH_MAX], private_[SVR_PATH_MAX];
    bool pvs;
    char pvs_script[SVR_PATH_MAX];
    /* Handles. */
    struct sbuf dry;
    struct lnk *lnk;
    struct xsc *xs;    /* NULL in a dry run when xenstore is unreachable. */
    struct ovsdbc *db; /* NULL in a dry run when the database is unreachable. */
    struct ofc *ofc;
    char ofc_bridge[16];
};

/* Writes what a dry run has collected in s->dry so far to stdout, so that it keeps its order
 * with the lines lib/exec prints itself. */
void svr_dry_flush(struct svr *s);

/* `ip link set <vif> up|down` through s->lnk.  For clear, a device that is already gone is
 * not an error.  Returns 0 or a negative errno (logged by lib/lnk). */
int svr_link_set(struct svr *s, bool up);

/* The Linux bridge backend (spec §3.1 bridge mode; §3.2 for s->legacy): under the ebtables
 * lock, link down, the VIF's ebtables chain cleared, the VIF moved to its bridge (current
 * form only; not for a disabled VIF), the locked rules created, link up.  A failure after the
 * VIF was put on the bridge takes back the rules and the bridge membership.  Returns 0 or a
 * negative errno (logged). */
int svr_bridge_mode(struct svr *s);

#endif
