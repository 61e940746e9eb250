/* A VIF's port on the switch, as direct OVSDB operations: what the vif and
 * setup-vif-rules originals did with `ovs-vsctl --if-exists del-port X --
 * add-port BR X -- set interface X external-ids:...`, `del-port`, `get
 * interface X ofport`, `br-to-parent` and `set/clear Port X trunks`.
 *
 * Each change is a small read of the rows it names (a second one for the
 * bridge holding a port, or the parent of a VLAN fake bridge) and one
 * transaction whose operations carry the may-exist/if-exists semantics, so a
 * plug costs the same with 10 ports or 1,000 (the general ovs-vsctl engine in
 * vsctl_run.h reads whole tables).  A plug also asks for the port's OpenFlow
 * number (Interface ofport_request), so its rules can be installed without
 * waiting for the switch daemon to reconfigure: the number the interface had
 * before, else one derived from its name (4096 and up), guarded in the
 * transaction against any other interface asking for or having it; a taken
 * number is retried with the next one, and after several tries with a free
 * number found by reading every interface.  VLAN fake bridges are resolved to
 * their parent bridge and the port gets the fake bridge's tag, as ovs-vsctl
 * does.
 *
 * With a dry-run buffer, each call appends the equivalent ovs-vsctl line and
 * changes nothing (reads still happen when a connection is given). */
#ifndef XVS_VIFPORT_H
#define XVS_VIFPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ovsdb_client.h"
#include "sbuf.h"

/* Where a port is. */
struct vifport_where {
    char parent[16]; /* The Bridge row holding the port (the parent of a fake bridge). */
    uint32_t ofport; /* Its OpenFlow number: assigned, else requested; 0 if neither. */
    int tag;         /* VLAN tag of the port, -1 for none. */
    /* The configuration number the change bumped Open_vSwitch next_cfg to (0 if it made no
     * change): pass it to vifport_wait_applied() before relying on the switch daemon
     * having applied the change (e.g. before bringing the link up). */
    long long cfg;
};

/* Replaces any port named iface with a new one on bridge (a bridge or fake bridge) whose
 * interface carries the external ids (NULL-terminated key, value, key, value...; may be NULL)
 * and a requested OpenFlow number.  *where (may be NULL) receives the parent bridge and that
 * number.  Returns 0; -ENOENT when there is no such bridge; -EBUSY when concurrent changes kept
 * defeating the guard; -EPROTO when the server refused (reason logged); another negative errno
 * for I/O.  dry (may be NULL) makes it a dry run. */
int vifport_plug(struct ovsdbc *c, const char *bridge, const char *iface,
                 const char *const *external_ids, struct sbuf *dry, struct vifport_where *where);

/* Removes the port named iface from whichever bridge has it; absent is not an error.  *cfg (may
 * be NULL) receives the configuration number to wait for, 0 when nothing changed. */
int vifport_unplug(struct ovsdbc *c, const char *iface, struct sbuf *dry, long long *cfg);

/* Waits until the switch daemon has applied configuration cfg (ovs-vsctl's wait); cfg 0 returns
 * at once.  0, or -ETIMEDOUT / another negative errno (logged). */
int vifport_wait_applied(struct ovsdbc *c, long long cfg, int timeout_ms);

/* Where the port named iface is: 0 with *found set (and *where filled when found), or a
 * negative errno. */
int vifport_find(struct ovsdbc *c, const char *iface, bool *found, struct vifport_where *where);

/* Sets the port's trunks to a list like "[1,2,3]" or "1,2,3" of VLAN ids (0..4095), or clears
 * them when trunks is NULL or empty; a missing port is not an error (--if-exists).  -EINVAL for
 * a malformed list. */
int vifport_set_trunks(struct ovsdbc *c, const char *iface, const char *trunks, struct sbuf *dry);

#endif
