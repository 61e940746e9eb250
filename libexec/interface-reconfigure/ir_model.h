/* interface-reconfigure's view of the host's network objects: the PIFs,
 * networks, bonds, VLANs, tunnels and pool of this host, loaded either from
 * the local XAPI or from the network.dbcache (spec §1.2-1.3), and the
 * derived names and relations of spec §1.5 (netdev, ipdev, bridge, bond
 * slaves and masters, VLAN slave and masters, datapath, physical PIFs). */
#ifndef XVS_IR_MODEL_H
#define XVS_IR_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "dbcache.h"

struct xapi_session;

/* Interface names are at most 15 bytes; derived names get some slack so
 * that an over-long one is reported rather than truncated. */
#define IR_NAME_MAX 64

/* A list of PIFs borrowed from the model. */
#define IR_PIFV_MAX 64
struct ir_pifv {
    size_t n;
    const struct xapi_pif *v[IR_PIFV_MAX];
};

struct ir_model {
    struct dbcache db;
};

/* Empties "m" (it can then be loaded). */
void ir_model_init(struct ir_model *m);
/* Frees everything.  Accepts NULL. */
void ir_model_clear(struct ir_model *m);

/* Loads the dbcache at "path" (already root-prefixed), logging
 * "Loading xapi database cache from <path>".  0 or a negative errno. */
int ir_model_load_cache(struct ir_model *m, const char *path);

/* Loads this host's objects from XAPI through "s": the PIFs of host
 * "host_ref", the pools, the tunnels / VLANs / bonds whose transport /
 * untagged / master PIF is local, and every network with its PIFs list cut
 * to local PIFs.  Only the fields and other_config keys the dbcache keeps are
 * retained (the pool keeps only vswitch-controller-fail-mode, fixing Q6).
 * 0 or a negative errno (logged). */
int ir_model_load_xapi(struct ir_model *m, struct xapi_session *s, const char *host_ref);

/* Lookups; NULL when absent. */
const struct xapi_pif *ir_pif(const struct ir_model *m, const char *ref);
const struct xapi_network *ir_pif_network(const struct ir_model *m, const struct xapi_pif *p);
/* The first PIF with management=True, or NULL. */
const struct xapi_pif *ir_management_pif(const struct ir_model *m);

/* The single local PIF of the network whose bridge is "bridge" (force mode).
 * Errors logged as the original does; 0 or -ENOENT / -EINVAL. */
int ir_pif_by_bridge(const struct ir_model *m, const char *bridge, const struct xapi_pif **out);

/* A VLAN PIF (VLAN != -1), a bond master (bond_master_of not empty), a
 * tunnel access PIF (tunnel_access_PIF_of not empty). */
bool ir_pif_is_vlan(const struct xapi_pif *p);
bool ir_pif_is_bond(const struct xapi_pif *p);
bool ir_pif_is_tunnel(const struct xapi_pif *p);

/* netdev(PIF): "<device>.<VLAN>" for a VLAN PIF, else "<device>".  0 or -ENAMETOOLONG. */
int ir_netdev(const struct xapi_pif *p, char buf[IR_NAME_MAX]);
/* bridge(PIF): the network's bridge, or NULL (no network or empty bridge). */
const char *ir_bridge(const struct ir_model *m, const struct xapi_pif *p);
/* ipdev(PIF): the bridge when there is one, else netdev.  0 or a negative errno. */
int ir_ipdev(const struct ir_model *m, const struct xapi_pif *p, char buf[IR_NAME_MAX]);

/* Bond slaves of a bond PIF (Bond.slaves of bond_master_of[0]); more than one
 * bond_master_of is -EINVAL (logged).  Slaves missing from the model are skipped. */
int ir_bond_slaves(const struct ir_model *m, const struct xapi_pif *p, struct ir_pifv *out);
/* The bond master PIFs of p (master of its bond_slave_of; NULL ignored). */
int ir_bond_masters(const struct ir_model *m, const struct xapi_pif *p, struct ir_pifv *out);
/* The VLAN slave of a VLAN PIF (tagged_PIF of its VLAN_master_of), or NULL. */
const struct xapi_pif *ir_vlan_slave(const struct ir_model *m, const struct xapi_pif *p);
/* The VLAN PIFs on p (untagged_PIF of each VLAN_slave_of that is in the model). */
int ir_vlan_masters(const struct ir_model *m, const struct xapi_pif *p, struct ir_pifv *out);
/* The datapath PIF of the vswitch backend: a VLAN PIF's VLAN slave's datapath,
 * NULL for a bridgeless PIF, else p itself. */
const struct xapi_pif *ir_datapath(const struct ir_model *m, const struct xapi_pif *p);
/* Physical PIFs of a datapath: none for a tunnel, the slaves for a bond, else dp. */
int ir_physical(const struct ir_model *m, const struct xapi_pif *dp, struct ir_pifv *out);

/* Appends p to v unless already there.  0 or -E2BIG. */
int ir_pifv_add(struct ir_pifv *v, const struct xapi_pif *p);
bool ir_pifv_has(const struct ir_pifv *v, const struct xapi_pif *p);

/* spec §1.10.  The MTU for a device on "network_ref": network.MTU (1500 when
 * the record has none), overridden by other_config:mtu ("kind" names where
 * that came from in the log).  *mtu = 0 when the value is not an integer
 * (logged). */
void ir_mtu_setting(const struct ir_model *m, const char *network_ref, const char *kind,
                    const struct xapi_map *oc, unsigned *mtu);

/* The ethtool settings of other_config "oc": speed/duplex/autoneg pairs
 * into settings (e.g. "speed" "1000"), offloads in the order rx tx sg tso ufo
 * gso gro lro into offload[] with their on/off state; "phys_defaults" adds
 * gro=off lro=off when not set.  Invalid values are logged and skipped. */
struct ir_ethtool {
    size_t n_settings;
    const char *settings[6];
    size_t n_offload;
    struct {
        const char *name;
        bool on;
    } offload[8];
};
void ir_ethtool_settings(const struct xapi_map *oc, bool phys_defaults, struct ir_ethtool *out);

#endif
