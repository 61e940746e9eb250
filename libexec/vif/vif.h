/* The vif hotplug program's logic: wiring a Xen VIF (or its emulated tap
 * twin) to the host switch when udev or xenopsd calls `vif`, as XenServer's
 * vif/vif-real scripts do (spec §2.2-2.4), with every external effect going
 * through an injected environment (xenstore client, link backend, OVSDB
 * connection, lib/exec for child programs) so that unit tests run it against
 * fakes and --dry-run prints instead of changing anything. */
#ifndef XVS_VIF_H
#define XVS_VIF_H

#include <stdbool.h>

#include "lnk.h"
#include "netmode.h"
#include "ovsdb_client.h"
#include "sbuf.h"
#include "vif_args.h"
#include "vsctl_run.h"
#include "xsc.h"

/* The injected environment.  Everything is borrowed; the caller owns and closes it. */
struct vif_ctx {
    struct xsc *xs;
    struct lnk *lnk;
    /* OVSDB connection; when NULL it is opened on first use (to ovs_remote, NULL meaning
     * <root>/var/run/openvswitch/db.sock) unless vopts.dry_run, and then owned by the caller,
     * who closes it with ovsdbc_close(). */
    struct ovsdbc *ovs;
    const char *ovs_remote;
    struct vrun_opts vopts;
    /* Print xenstore changes ("xenstore-write PATH VALUE", "xenstore-rm PATH") to dry_out and
     * run child programs with EXEC_DRY_RUN; reads still happen. */
    bool dry_run;
    struct sbuf *dry_out;
    /* In dry-run, copy dry_out to stdout (and empty it) before each child command and at the
     * end, so the printed plan keeps its order. */
    bool dry_flush_stdout;
    enum netmode mode;
    /* The domid-keyed layout and behaviour of the old scripts (spec §2.4). */
    bool legacy;
    /* UDEV_CALL was set: honour /local/domain/0/libxl/disable_udev. */
    bool udev_call;
};

/* Runs the request.  Returns 0, or a negative errno after logging the failure, writing it to
 * the backend's hotplug-error key and undoing what this run had wired. */
int vif_run(struct vif_ctx *c, const struct vif_req *req);

/* Writes msg to the backend's hotplug-error key (or prints it in dry-run) and logs it, for
 * failures found before vif_run() (e.g. an unreadable network.conf).  Returns 0 or a negative
 * errno. */
int vif_report_error(struct vif_ctx *c, const struct vif_req *req, const char *msg);

#endif
