/* ovs-xapi-sync's reconciliation (spec §7), apart from its daemon: from the
 * monitored Bridge and Interface rows and XAPI lookups, the OVSDB operations
 * that put XAPI's identities on the switch (bridge-id, fail_mode,
 * disable-in-band, iface-id, vm-id, iface-status, and the vif/tap twins'
 * external ids).  XAPI is reached through a small interface so that unit
 * tests use a fake. */
#ifndef XVS_XSYNC_H
#define XVS_XSYNC_H

#include <jansson.h>

#include "records.h"

/* XAPI lookups.  Each returns 0 (with *found or the outputs set; strings malloc'd, NULL when
 * absent), or a negative errno when XAPI could not answer (then the round is retried later). */
struct xsync_xapi {
    /* The network whose bridge is "bridge": its uuid and other_config (cleared first). */
    int (*network_by_bridge)(void *ctx, const char *bridge, bool *found, char **uuid,
                             struct xapi_map *other_config);
    /* The network of that uuid: its bridge. */
    int (*network_bridge)(void *ctx, const char *uuid, bool *found, char **bridge);
    /* The pool's other_config:vswitch-controller-fail-mode when there is exactly one pool. */
    int (*pool_fail_mode)(void *ctx, char **mode);
    /* other_config:nicira-iface-id of the VIF with this uuid (NULL if the VIF or key is absent). */
    int (*vif_iface_id)(void *ctx, const char *vif_uuid, char **iface_id);
    /* other_config:nicira-vm-id of the VM with this uuid. */
    int (*vm_id)(void *ctx, const char *vm_uuid, char **vm_id);
};

struct xsync;

int xsync_new(const struct xsync_xapi *xapi, void *ctx, struct xsync **out);
void xsync_free(struct xsync *s);

/* Forgets every cached lookup, so the next round asks XAPI again and treats every bridge as
 * new (`flush-cache`). */
void xsync_flush(struct xsync *s);

/* Computes one round from the replicas of Bridge (columns name, external_ids, other_config,
 * fail_mode) and Interface (name, external_ids), both JSON objects uuid -> row in OVSDB wire
 * format (borrowed).  *ops receives the operations to send as one transaction (a JSON array,
 * new reference; empty when nothing changes), commented "ovs-xapi-sync: Updating records from
 * XAPI".  Returns 0, or -EAGAIN when XAPI could not answer (then *ops holds nothing and the
 * caller retries after a back-off), or -ENOMEM. */
int xsync_round(struct xsync *s, const json_t *bridges, const json_t *ifaces, json_t **ops);

/* The XAPI interface on a real session (ctx = struct xapi_session *). */
extern const struct xsync_xapi xsync_xapi_session;

#endif
