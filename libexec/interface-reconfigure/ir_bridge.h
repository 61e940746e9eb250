/* interface-reconfigure's Linux bridge backend (spec §1.9): the per-device
 * ifcfg files the original wrote for the ifup scripts, and the devices
 * themselves made through netlink (lib/lnk.h) instead of brctl, vconfig and
 * /sys/class/net/bonding_masters: the bridge, the VLAN device, the bond with
 * its slaves, MTUs, offloads, up and down.  IP configuration stays with
 * /sbin/ifup <ipdev>, as in the original. */
#ifndef XVS_IR_BRIDGE_H
#define XVS_IR_BRIDGE_H

#include "ir_files.h"
#include "ir_model.h"

struct ir_ctx;

/* Adds the per-device ifcfg files of "pif" to fs (children first: a VLAN's
 * slave, a bond's slaves, then the PIF's own netdev, which ends with
 * BRIDGE=<bridge>).  0 or a negative errno (logged; tunnels are refused). */
int ir_bridge_files(const struct ir_model *m, const struct xapi_pif *pif, const char *prog,
                    struct ir_files *fs);

/* `up` and `down` with the Linux bridge backend.  0 or a negative errno. */
int ir_bridge_up(struct ir_ctx *c, const struct xapi_pif *pif);
int ir_bridge_down(struct ir_ctx *c, const struct xapi_pif *pif);

#endif
