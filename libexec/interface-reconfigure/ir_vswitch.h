/* interface-reconfigure's vswitch backend (spec §1.8): the plan of one
 * action, computed from the model without touching anything.  The OVSDB part
 * is the original's ovs-vsctl command list (commands joined by "--"), which
 * ir_run.c applies as ONE transaction; the link part is what the original
 * did with `ip link` and ethtool; the management flows are the four
 * ovs-ofctl flows of secure mode, with "%P" where an OpenFlow port number
 * goes. */
#ifndef XVS_IR_VSWITCH_H
#define XVS_IR_VSWITCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ir_model.h"
#include "sbuf.h"

/* A physical device to bring up in configure(). */
struct ir_phys {
    char dev[IR_NAME_MAX];
    unsigned mtu; /* 0: leave the MTU alone. */
    struct ir_ethtool ethtool;
};

#define IR_MAX_FLOWS 8

struct ir_vplan {
    /* Set by the caller before planning (kept by ir_vplan_clear): the
     * Bridge datapath_type given to each bridge `up` adds ("netdev" on
     * hosts without the openvswitch kernel module), "" for the switch's
     * default. */
    char datapath_type[16];
    /* The ovs-vsctl arguments after the global options, commands joined by "--". */
    int argc;
    char **argv;
    size_t cap;
    int n_cmds;
    /* Devices brought down before the transaction (missing ones ignored). */
    size_t n_down;
    char down[IR_PIFV_MAX][IR_NAME_MAX];
    /* up: physical devices brought up with their MTU and ethtool settings. */
    size_t n_phys;
    struct ir_phys phys[IR_PIFV_MAX];
    /* up: the bond device to bring up after the transaction ("" for none). */
    char bond_up[IR_NAME_MAX];
    /* up: secure-mode management flows, added only when the bridge "flow_bridge"
     * was not already in fail_mode secure (fixing Q8).  Flows containing "%P"
     * are added once per port of flow_ports, "%P" replaced by its ofport. */
    bool want_flows;
    char flow_bridge[IR_NAME_MAX];
    size_t n_flows;
    char flows[IR_MAX_FLOWS][160];
    size_t n_flow_ports;
    char flow_ports[IR_PIFV_MAX][IR_NAME_MAX];
};

/* Empties "p" (no allocation), datapath_type included. */
void ir_vplan_init(struct ir_vplan *p);
/* Frees the argv and empties the plan, keeping datapath_type.  Accepts NULL. */
void ir_vplan_clear(struct ir_vplan *p);

/* The backend's constructor: logs "Configured for Vswitch datapath", or fails
 * (logged) for an unbridged VLAN or a PIF without a bridge.  0 or -EINVAL. */
int ir_vswitch_check(const struct ir_model *m, const struct xapi_pif *pif);

/* Plans `up` of "pif" (spec §1.8 preconfigure + configure + post).  "is_mgmt"
 * says that the --management flag names this PIF.  0 or a negative errno
 * (logged: no bridge, unbridged VLAN, bad names). */
int ir_vswitch_plan_up(const struct ir_model *m, const struct xapi_pif *pif, bool is_mgmt,
                       struct ir_vplan *p);

/* Plans `down` of "pif" (spec §1.8 bring_down). */
int ir_vswitch_plan_down(const struct ir_model *m, const struct xapi_pif *pif, struct ir_vplan *p);

/* Plans `rewrite`: xs-network-uuids of every attached non-VLAN PIF.  An empty
 * argv means nothing to do. */
int ir_vswitch_plan_rewrite(const struct ir_model *m, struct ir_vplan *p);

/* ovs-vsctl's quoting of a value (vsctl_escape): as is when alphanumeric,
 * else in double quotes with \\ \" \n \r \t \b \a and \xNN escapes.  0 or -ENOMEM. */
int ir_vsctl_escape(struct sbuf *out, const char *s);

/* Appends the commands one per line (the fixture form). */
int ir_vplan_format_cmds(const struct ir_vplan *p, struct sbuf *out);

#endif
