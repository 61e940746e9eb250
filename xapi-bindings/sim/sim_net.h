/* Helpers shared by the network write methods of xvs-xapi-sim (sim_net.c,
 * sim_bond.c, sim_vm.c): argument checks, error envelopes, PIF records and
 * plugging.  Envelope-returning helpers return NULL for "no error" where
 * they check something, and NULL only on out-of-memory where they build a
 * result. */
#ifndef XVS_SIM_NET_H
#define XVS_SIM_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "records.h"

struct sim_ctx;
struct sim_db;
struct xr_value;

/* Failure envelopes: HANDLE_INVALID [cls, ref], FIELD_TYPE_ERROR [name],
 * INTERNAL_ERROR [what]. */
struct xr_value *sim_net_handle_invalid(const char *cls, const char *ref);
struct xr_value *sim_net_type_error(const char *name);
struct xr_value *sim_net_internal(const char *what);

/* Argument "i" of "params" must be a string ref of "cls" in the live store:
 * sets "*ref" and returns NULL, else the failure (FIELD_TYPE_ERROR [name]
 * or HANDLE_INVALID). */
struct xr_value *sim_net_check(struct sim_ctx *ctx, const struct xapi_class *cls,
                               const struct xr_value *params, size_t i, const char *name,
                               const char **ref);

/* Value checks. */
bool sim_net_valid_ipv4(const char *s);
bool sim_net_valid_mac(const char *s);
bool sim_net_is_string_map(const struct xr_value *v);

/* Commits "work" with result "" / the string "ref" (sim_txn_finish()). */
struct xr_value *sim_net_finish_void(struct sim_ctx *ctx, struct sim_db *work);
struct xr_value *sim_net_finish_ref(struct sim_ctx *ctx, struct sim_db *work, const char *ref);
/* The change to "work" ended with status r: commits it with result "" when r is 0; drops it
 * (and returns NULL, an internal error) when r is negative. */
struct xr_value *sim_net_finish_status(struct sim_ctx *ctx, struct sim_db *work, int r);
/* "err" (taken) if not NULL, else a success with "". */
struct xr_value *sim_net_void_or(struct xr_value *err);
/* Whether "env" is a success envelope. */
bool sim_net_ok(const struct xr_value *env);

/* The host of the store (borrowed). */
const char *sim_net_host_ref(struct sim_ctx *ctx);
/* The PIF of "host" on network "net", or NULL. */
const char *sim_net_pif_on_network(const struct sim_db *db, const char *net, const char *host);
/* The first "<prefix><n>" no PIF uses as device ("bridge" false) or no
 * network uses as bridge ("bridge" true). */
void sim_net_free_name(const struct sim_db *db, const char *prefix, bool bridge, char *out,
                       size_t size);

/* Fills "p" as a new virtual PIF of the host on "net" (MTU of the network,
 * VLAN -1, no IP configuration), with a new ref and uuid written into
 * "ref" and "uuid"; strings are borrowed.  Returns 0 or a negative errno. */
int sim_net_new_pif(struct sim_ctx *ctx, struct xapi_pif *p, char ref[48], char uuid[37],
                    const char *net, const char *device, const char *mac);
/* Inserts "pif" into "work" and adds it to its network's and host's PIFs /
 * removes it and those links.  0 or a negative errno. */
int sim_net_add_pif(struct sim_db *work, const struct xapi_pif *pif);
int sim_net_remove_pif(struct sim_db *work, const char *pif);
/* Removes record "ref" of "cls" (a PIF or a VIF) from "work" with its links: from the set
 * "set" of its network and of its owner (the record of "owner_cls" named by its field
 * "owner_field", e.g. a VIF's VM).  0 or a negative errno. */
int sim_net_remove_linked(struct sim_db *work, const struct xapi_class *cls, const char *ref,
                          const char *set, const struct xapi_class *owner_cls,
                          const char *owner_field);

/* Runs `<libexec>/interface-reconfigure --session S --pif P [--management]
 * up|down` as XAPI does to plug or unplug a PIF.  Returns NULL when it
 * succeeded, else the failure envelope (INTERNAL_ERROR naming the program
 * and its status, or that it cannot be run). */
struct xr_value *sim_net_reconfigure(struct sim_ctx *ctx, const char *session, const char *pif,
                                     bool up, bool management);

/* Plugs "pif" as XAPI does (interface-reconfigure up, then
 * currently_attached true); an attached PIF is left alone unless "force".
 * Unplug is the reverse.  NULL on success, else the failure. */
struct xr_value *sim_net_plug(struct sim_ctx *ctx, const char *session, const char *pif,
                              bool force);
struct xr_value *sim_net_unplug(struct sim_ctx *ctx, const char *session, const char *pif);
/* XAPI's checks before a PIF is unplugged: not the management interface
 * (PIF_IS_MANAGEMENT_IFACE), no attached VIF on its network (VIF_IN_USE
 * [network, vif]), unplug allowed (PIF_DOES_NOT_ALLOW_UNPLUG).  NULL when
 * it may be unplugged. */
struct xr_value *sim_net_unplug_checks(struct sim_ctx *ctx, const char *pif);

#endif
