/* First contents of xvs-xapi-sim's store: the objects a freshly installed
 * host has (host, pool, control domain), plus, when a network.dbcache is
 * given, the PIFs, networks, bonds, VLANs and tunnels it describes, with
 * the derived fields XAPI would hold for them. */
#ifndef XVS_SIM_SEED_H
#define XVS_SIM_SEED_H

#include <stddef.h>

struct dbcache;
struct sim_db;

struct sim_seed_info {
    const char *host_uuid; /* INSTALLATION_UUID; NULL: a new uuid. */
    const char *dom0_uuid; /* CONTROL_DOMAIN_UUID; NULL: a new uuid. */
    const char *hostname;  /* host.hostname and name_label; NULL: "localhost". */
};

/* Fills the empty "db": one host, one pool mastered by it, the host's
 * control domain VM, and everything in "cache" (may be NULL):
 * - PIFs keep their ref, uuid and cached fields; host = the host;
 *   physical unless a bond master, VLAN PIF or tunnel access PIF;
 *   currently_attached false; MTU from their network (1500 if unset);
 *   each gets a PIF_metrics.
 * - networks keep ref, uuid, bridge, MTU (1500 if unset), PIFs and
 *   other_config, and are named as XAPI names them: "Pool-wide network
 *   associated with <dev>" for a physical NIC's network, "... with <dev>
 *   on VLAN<tag>" for a VLAN's, else "Network <n>" (n counts from 0).
 * - Bonds keep master and slaves (mode and hashing from the master's
 *   bond-* other_config), VLANs take their tag from the VLAN PIF, tunnels
 *   keep their PIFs (protocol gre, status active=false).
 * - the pool takes the first cached pool's ref and other_config.
 * Returns 0, or a negative errno with a one-line reason in "err": -EINVAL
 * when "db" is not empty or the cache refers to objects it lacks in a way
 * that leaves a field undefined, -EEXIST for duplicate refs or uuids,
 * -ENOMEM.  On failure "db" may hold part of the objects: discard it. */
int sim_seed(struct sim_db *db, const struct dbcache *cache, const struct sim_seed_info *info,
             char *err, size_t errlen);

/* The ref of the host the store describes (the first host), or NULL. */
const char *sim_seed_host_ref(const struct sim_db *db);

#endif
