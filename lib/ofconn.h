/* An OpenFlow 1.3 connection to a switch: a bridge's management socket
 * (<rundir>/<bridge>.mgmt, as ovs-ofctl uses) or any "unix:PATH" or
 * "tcp:IP:PORT" target.  Flow changes go as one batch per call, ended by a
 * barrier, and every error the switch sends for the batch is reported.  The
 * switch's port description is asked for once per connection, for port-name
 * lookups. */
#ifndef XVS_OFCONN_H
#define XVS_OFCONN_H

#include <stddef.h>
#include <stdint.h>

#include "ofp.h"

struct ofc;

/* Opens target: "unix:PATH", "tcp:IP:PORT", or a bare bridge name, which means
 * "unix:<root>/var/run/openvswitch/<bridge>.mgmt" (OVS_RUNDIR, when set, replaces that
 * folder, as for ovs-ofctl).  Exchanges HELLO and requires OpenFlow 1.3.  timeout_ms
 * (-1 = none) bounds the connection and every later request.  Returns 0 with *out, or a
 * negative errno, logging the reason. */
int ofc_open(const char *target, int timeout_ms, struct ofc **out);
void ofc_close(struct ofc *c);

/* One change of a batch. */
struct ofc_mod {
    uint8_t command; /* enum ofp_flow_mod_command */
    struct ofp_flow flow;
};

/* Sends n flow_mods and a barrier, and waits for the barrier reply, answering echo requests
 * meanwhile.  Returns 0 if the switch reported no error; otherwise -EPROTO, with every error
 * logged as "<bridge>: flow <i> (<flow in ovs-ofctl syntax>): <error name>" and the first one
 * kept for ofc_last_error().  Timeout: -ETIMEDOUT; a lost connection: -ECONNRESET. */
int ofc_flow_mods(struct ofc *c, const struct ofc_mod *mods, size_t n);

/* Dumps the flows matching filter (table_id OFPTT_ALL for all tables; cookie/cookie_mask,
 * out_port and match as in a flow-stats request; NULL = every flow).  *flows is malloc'd
 * (caller frees), sorted as the switch returned them.  Returns 0 or a negative errno. */
int ofc_dump_flows(struct ofc *c, const struct ofp_flow *filter, struct ofp_flow **flows,
                   size_t *n);

/* One port of the switch, as its port-description reply gives it. */
struct ofc_port {
    uint32_t port_no; /* OpenFlow port number; OFPP_LOCAL for the bridge's own port. */
    char name[OFP_PORT_NAME_LEN];
    uint8_t hw_addr[6];
    uint32_t config, state;                     /* OFPPC_* and OFPPS_* bits. */
    uint32_t curr, advertised, supported, peer; /* OFPPF_* feature bits. */
    uint32_t curr_speed, max_speed;             /* kbps. */
};

/* The switch's ports (an OFPMP_PORT_DESC request, sent on the first call on this connection;
 * later calls answer from that copy until the switch reports a port change).  *ports is a
 * malloc'd copy (caller frees; NULL when *n is 0), in the switch's order.  Returns 0 or a
 * negative errno (-ETIMEDOUT, -ECONNRESET, -EPROTO, -ENOMEM), logged. */
int ofc_port_desc(struct ofc *c, struct ofc_port **ports, size_t *n);

/* The OpenFlow number of the port called name (exact, case-sensitive, as ovs-ofctl), from the
 * same cached description.  Returns 0 with *port, -ENOENT if the switch has no such port (not
 * logged: the caller decides), or a negative errno from ofc_port_desc(). */
int ofc_port_by_name(struct ofc *c, const char *name, uint32_t *port);

/* The datapath id from the FEATURES_REPLY read at open. */
unsigned long long ofc_datapath_id(const struct ofc *c);

/* Text of the last failure (static storage of c; "" if none). */
const char *ofc_last_error(const struct ofc *c);

#endif
