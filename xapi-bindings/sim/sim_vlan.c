/* The VLAN write methods of xvs-xapi-sim: VLAN.create (a VLAN PIF on the
 * tagged PIF's device, plugged at once as XAPI does), VLAN.destroy and its
 * deprecated form PIF.destroy; see sim_net.c for the conventions. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records.h"
#include "sim_api.h"
#include "sim_ctx.h"
#include "sim_db.h"
#include "sim_methods.h"
#include "sim_net.h"
#include "xmlrpc.h"

#define C_PIF  (&xapi_class_pif)
#define C_NET  (&xapi_class_network)
#define C_VLAN (&xapi_class_vlan)

/* PIF.destroy: only VLAN PIFs may be destroyed this way (the deprecated
 * path of VLAN.destroy). */
static struct xr_value *vlan_destroy_pif(struct sim_ctx *ctx, const char *session,
                                         const char *vlan);

static struct xr_value *pif_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err;
    const char *self, *vlan;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "self", &self))) {
        return err;
    }
    /* As XAPI: only a VLAN PIF may go, through its VLAN. */
    if (sim_rec_int(ctx->db, C_PIF, self, "VLAN") < 0) {
        return sim_failure("PIF_IS_PHYSICAL", 0);
    }
    vlan = sim_rec_str(ctx->db, C_PIF, self, "VLAN_master_of");
    if (!sim_db_get(ctx->db, C_VLAN, vlan)) {
        return sim_net_handle_invalid("VLAN", vlan);
    }
    return vlan_destroy_pif(ctx, sim_arg_str(params, 0), vlan);
}

/* VLAN. */

static struct xr_value *vlan_create(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *tagged, *net, *host, *session = sim_arg_str(params, 0);
    char pif_ref[48], pif_uuid[37], vlan_ref[48], vlan_uuid[37], tag_text[24];
    struct xapi_vlan vlan = {0};
    struct xapi_pif p;
    struct xr_value *err, *res;
    struct sim_db *work;
    int64_t tag;
    int r;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "tagged_PIF", &tagged))) {
        return err;
    }
    /* XAPI's ints travel as decimal strings; XML-RPC ints are taken too. */
    if (xr_get_int(xr_array_get(params, 2), &tag) < 0) {
        return sim_net_type_error("tag");
    }
    if ((err = sim_net_check(ctx, C_NET, params, 3, "network", &net))) {
        return err;
    }
    /* The checks in XAPI's order (Xapi_vlan.create). */
    host = sim_rec_str(ctx->db, C_PIF, tagged, "host");
    if (!sim_rec_bool(ctx->db, C_NET, net, "managed")) {
        return sim_failure("NETWORK_UNMANAGED", 1, net);
    }
    if (sim_net_pif_on_network(ctx->db, net, host)) {
        return sim_failure("NETWORK_ALREADY_CONNECTED", 2, host,
                           sim_net_pif_on_network(ctx->db, net, host));
    }
    if (sim_ref_set(sim_rec_str(ctx->db, C_PIF, tagged, "bond_slave_of"))) {
        return sim_failure("CANNOT_ADD_VLAN_TO_BOND_SLAVE", 1, tagged);
    }
    if (sim_rec_int(ctx->db, C_PIF, tagged, "VLAN") >= 0) {
        return sim_failure("PIF_IS_VLAN", 1, tagged);
    }
    if (xr_array_len(xr_struct_get(sim_db_get(ctx->db, C_PIF, tagged), "tunnel_access_PIF_of"))) {
        return sim_failure("IS_TUNNEL_ACCESS_PIF", 1, tagged);
    }
    snprintf(tag_text, sizeof tag_text, "%" PRId64, tag);
    if (tag < 0 || tag > 4094) {
        return sim_failure("VLAN_TAG_INVALID", 1, tag_text);
    }
    for (size_t i = 0; i < sim_db_count(ctx->db, C_VLAN); i++) {
        const char *ref = sim_db_ref_at(ctx->db, C_VLAN, i);

        if (sim_rec_int(ctx->db, C_VLAN, ref, "tag") == tag &&
            !strcmp(sim_rec_str(ctx->db, C_VLAN, ref, "tagged_PIF"), tagged)) {
            return sim_failure("PIF_VLAN_EXISTS", 1, sim_rec_str(ctx->db, C_PIF, tagged, "device"));
        }
    }
    /* XAPI gives VLAN PIFs a dummy MAC and the tagged PIF's MTU. */
    r = sim_net_new_pif(ctx, &p, pif_ref, pif_uuid, net,
                        sim_rec_str(ctx->db, C_PIF, tagged, "device"), "fe:ff:ff:ff:ff:ff");
    if (r == 0) {
        r = sim_db_new_ref(vlan_ref);
    }
    if (r == 0) {
        r = sim_db_uuid(vlan_uuid);
    }
    if (r < 0) {
        return sim_net_internal("no random source");
    }
    p.host = (char *)host;
    p.mtu = sim_rec_int(ctx->db, C_PIF, tagged, "MTU");
    p.vlan = tag;
    p.vlan_master_of = vlan_ref;
    p.metrics = (char *)sim_rec_str(ctx->db, C_PIF, tagged, "metrics");
    vlan.ref = vlan_ref;
    vlan.uuid = vlan_uuid;
    vlan.tagged_pif = (char *)tagged;
    vlan.untagged_pif = pif_ref;
    vlan.tag = tag;
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    r = sim_net_add_pif(work, &p);
    if (r == 0) {
        r = sim_db_insert_typed(work, C_VLAN, &vlan);
    }
    if (r == 0) {
        r = sim_set_add(work, C_PIF, tagged, "VLAN_slave_of", vlan_ref);
    }
    if (r < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot create the VLAN");
    }
    res = sim_net_finish_ref(ctx, work, vlan_ref);
    if (!sim_net_ok(res)) {
        return res;
    }
    xlog_info("VLAN %s created: tag %s on %s, PIF %s", vlan_ref, tag_text, tagged, pif_ref);
    /* XAPI plugs the new VLAN PIF at once. */
    err = sim_net_plug(ctx, session, pif_ref, false);
    if (err) {
        xr_free(res);
        return err;
    }
    return res;
}

static struct xr_value *vlan_destroy_pif(struct sim_ctx *ctx, const char *session, const char *vlan)
{
    const char *untagged = sim_rec_str(ctx->db, C_VLAN, vlan, "untagged_PIF");
    char pif[48];
    struct xr_value *err;
    struct sim_db *work;
    const char *tagged;
    int r = 0;

    snprintf(pif, sizeof pif, "%s", untagged ? untagged : "");
    /* A VLAN whose PIF is gone is an orphan: only the record goes. */
    if (sim_db_get(ctx->db, C_PIF, pif)) {
        if (sim_ref_set(sim_rec_str(ctx->db, C_PIF, pif, "bond_slave_of"))) {
            return sim_failure("PIF_ALREADY_BONDED", 1, pif);
        }
        if (sim_rec_int(ctx->db, C_PIF, pif, "VLAN") < 0) {
            return sim_failure("PIF_IS_PHYSICAL", 0);
        }
        if ((err = sim_net_unplug_checks(ctx, pif))) {
            return err;
        }
        err = sim_net_unplug(ctx, session, pif);
        if (err) {
            return err;
        }
    }
    if (!sim_db_get(ctx->db, C_VLAN, vlan)) {
        return sim_success(xr_string(""));
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    tagged = sim_rec_str(work, C_VLAN, vlan, "tagged_PIF");
    if (sim_rec(work, C_PIF, tagged)) {
        r = sim_set_remove(work, C_PIF, tagged, "VLAN_slave_of", vlan);
    }
    if (r == 0 && sim_rec(work, C_PIF, pif)) {
        r = sim_net_remove_pif(work, pif);
    }
    if (r == 0) {
        r = sim_db_remove(work, C_VLAN, vlan);
    }
    if (r < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot remove the VLAN");
    }
    return sim_net_finish_void(ctx, work);
}

static struct xr_value *vlan_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err;
    const char *self;

    if ((err = sim_net_check(ctx, C_VLAN, params, 1, "self", &self))) {
        return err;
    }
    return vlan_destroy_pif(ctx, sim_arg_str(params, 0), self);
}

const struct sim_method sim_vlan_methods[] = {
        {"PIF", "destroy", 1, pif_destroy},
        {"VLAN", "create", 3, vlan_create},
        {"VLAN", "destroy", 1, vlan_destroy},
        {NULL, NULL, 0, NULL},
};
