/* xvs-vsctl's fail-mode, controller, manager, SSL and emer-reset commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsctl_cmd.h"
#include "vsctl_model.h"

/* The real bridge row named by argv[1] (fake bridges resolve to their parent), or NULL with the
 * error set. */
static int real_bridge(struct vctx *ctx, char out[37])
{
    struct vmodel m;
    struct vm_bridge *b;
    int r = 0;

    if (vmodel_build(ctx->db, ctx->ovs_uuid, &m) < 0) {
        return vctx_fail(ctx, "out of memory");
    }
    b = vmodel_bridge(&m, ctx->cmd->argv[1]);
    if (b) {
        snprintf(out, 37, "%s", vmodel_real(b)->br_uuid);
    } else {
        r = vctx_fail(ctx, "no bridge named %s", ctx->cmd->argv[1]);
    }
    vmodel_free(&m);
    return r;
}

/* Prints the "target" of every row a reference column points to, sorted. */
static void print_targets(struct vctx *ctx, const char *table, const json_t *refs)
{
    json_t *names = json_array();

    for (size_t i = 0; i < json_array_size(refs); i++) {
        json_array_append_new(
                names, json_string(vdb_get_string(ctx->db, table, vdb_ref_at(refs, i), "target")));
    }
    vval_normalize(names, false);
    for (size_t i = 0; i < json_array_size(names); i++) {
        sbuf_addf(&ctx->cmd->output, "%s\n", json_string_value(json_array_get(names, i)));
    }
    json_decref(names);
}

/* Deletes the rows a reference column points to and empties the column. */
static int clear_refs(struct vctx *ctx, const char *table, const char *uuid, const char *col,
                      const char *ref_table)
{
    json_t *refs = json_incref((json_t *)vdb_get(ctx->db, table, uuid, col));

    for (size_t i = 0; i < json_array_size(refs); i++) {
        vdb_delete(ctx->db, ref_table, vdb_ref_at(refs, i));
    }
    json_decref(refs);
    return vdb_set(ctx->db, table, uuid, col, json_array());
}

/* Replaces a reference column by new rows of ref_table, one per target in argv[first..]. */
static int set_targets(struct vctx *ctx, const char *table, const char *uuid, const char *col,
                       const char *ref_table, int first)
{
    json_t *refs = json_array();
    int r = clear_refs(ctx, table, uuid, col, ref_table);

    for (int i = first; !r && i < ctx->cmd->argc; i++) {
        char u[37];
        r = vdb_insert(ctx->db, ref_table, u);
        r = r ?: vdb_set(ctx->db, ref_table, u, "target", json_pack("[s]", ctx->cmd->argv[i]));
        json_array_append_new(refs, json_pack("[ss]", "uuid", u));
    }
    if (!r) {
        return vdb_set(ctx->db, table, uuid, col, refs);
    }
    json_decref(refs);
    return r;
}

int vcmd_get_fail_mode(struct vctx *ctx)
{
    char br[37];

    if (real_bridge(ctx, br) < 0) {
        return -EINVAL;
    }
    const char *mode = vdb_get_string(ctx->db, "Bridge", br, "fail_mode");
    if (*mode) {
        sbuf_addf(&ctx->cmd->output, "%s\n", mode);
    }
    return 0;
}

int vcmd_del_fail_mode(struct vctx *ctx)
{
    char br[37];

    if (real_bridge(ctx, br) < 0) {
        return -EINVAL;
    }
    return vdb_set(ctx->db, "Bridge", br, "fail_mode", json_array());
}

int vcmd_set_fail_mode(struct vctx *ctx)
{
    const char *mode = ctx->cmd->argv[2];
    char br[37];

    if (real_bridge(ctx, br) < 0) {
        return -EINVAL;
    }
    if (strcmp(mode, "standalone") && strcmp(mode, "secure")) {
        return vctx_fail(ctx, "fail-mode must be \"standalone\" or \"secure\"");
    }
    return vdb_set(ctx->db, "Bridge", br, "fail_mode", json_pack("[s]", mode));
}

int vcmd_get_controller(struct vctx *ctx)
{
    char br[37];

    if (real_bridge(ctx, br) < 0) {
        return -EINVAL;
    }
    print_targets(ctx, "Controller", vdb_get(ctx->db, "Bridge", br, "controller"));
    return 0;
}

int vcmd_del_controller(struct vctx *ctx)
{
    char br[37];

    if (real_bridge(ctx, br) < 0) {
        return -EINVAL;
    }
    return clear_refs(ctx, "Bridge", br, "controller", "Controller");
}

int vcmd_set_controller(struct vctx *ctx)
{
    char br[37];

    if (real_bridge(ctx, br) < 0) {
        return -EINVAL;
    }
    return set_targets(ctx, "Bridge", br, "controller", "Controller", 2);
}

int vcmd_get_manager(struct vctx *ctx)
{
    print_targets(ctx, "Manager",
                  vdb_get(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "manager_options"));
    return 0;
}

int vcmd_del_manager(struct vctx *ctx)
{
    return clear_refs(ctx, "Open_vSwitch", ctx->ovs_uuid, "manager_options", "Manager");
}

int vcmd_set_manager(struct vctx *ctx)
{
    return set_targets(ctx, "Open_vSwitch", ctx->ovs_uuid, "manager_options", "Manager", 1);
}

int vcmd_get_ssl(struct vctx *ctx)
{
    const char *ssl = vdb_ref_at(vdb_get(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "ssl"), 0);

    if (ssl && vdb_row(ctx->db, "SSL", ssl)) {
        struct sbuf *o = &ctx->cmd->output;
        sbuf_addf(o, "Private key: %s\n", vdb_get_string(ctx->db, "SSL", ssl, "private_key"));
        sbuf_addf(o, "Certificate: %s\n", vdb_get_string(ctx->db, "SSL", ssl, "certificate"));
        sbuf_addf(o, "CA Certificate: %s\n", vdb_get_string(ctx->db, "SSL", ssl, "ca_cert"));
        sbuf_addf(o, "Bootstrap: %s\n",
                  vdb_get_bool(ctx->db, "SSL", ssl, "bootstrap_ca_cert") ? "true" : "false");
    }
    return 0;
}

int vcmd_del_ssl(struct vctx *ctx)
{
    return clear_refs(ctx, "Open_vSwitch", ctx->ovs_uuid, "ssl", "SSL");
}

int vcmd_set_ssl(struct vctx *ctx)
{
    char **a = ctx->cmd->argv;
    char u[37];
    int r = clear_refs(ctx, "Open_vSwitch", ctx->ovs_uuid, "ssl", "SSL");

    r = r ?: vdb_insert(ctx->db, "SSL", u);
    r = r ?: vdb_set(ctx->db, "SSL", u, "private_key", json_pack("[s]", a[1]));
    r = r ?: vdb_set(ctx->db, "SSL", u, "certificate", json_pack("[s]", a[2]));
    r = r ?: vdb_set(ctx->db, "SSL", u, "ca_cert", json_pack("[s]", a[3]));
    r = r
                ?: vdb_set(ctx->db, "SSL", u, "bootstrap_ca_cert",
                           json_pack("[b]", vctx_opt(ctx, "--bootstrap")));
    r = r ?: vdb_set(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "ssl", json_pack("[[ss]]", "uuid", u));
    return r;
}

/* Deletes every row of a table. */
static void delete_all(struct vctx *ctx, const char *table)
{
    json_t *uuids = vdb_uuids(ctx->db, table);

    for (size_t i = 0; i < json_array_size(uuids); i++) {
        vdb_delete(ctx->db, table, json_string_value(json_array_get(uuids, i)));
    }
    json_decref(uuids);
}

/* emer-reset: what ovs-vsctl(8) lists: managers, SSL, per-bridge controller, fail_mode,
 * mirrors, netflow, sflow, ipfix, flood_vlans and other_config except hwaddr; every Port's
 * other_config; Interfaces' ingress policing; and the rows of the tables these point to. */
int vcmd_emer_reset(struct vctx *ctx)
{
    static const char *const br_cols[] = {"controller", "fail_mode", "mirrors",    "netflow",
                                          "sflow",      "ipfix",     "flood_vlans"};
    json_t *uuids;
    int r = 0;

    r = r ?: vdb_set(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "manager_options", json_array());
    r = r ?: vdb_set(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "ssl", json_array());
    uuids = vdb_uuids(ctx->db, "Bridge");
    for (size_t i = 0; !r && i < json_array_size(uuids); i++) {
        const char *br = json_string_value(json_array_get(uuids, i));
        for (size_t k = 0; !r && k < sizeof(br_cols) / sizeof(br_cols[0]); k++) {
            struct vval_type t;
            /* A schema without one of these columns has nothing there to reset. */
            if (vdb_column_type(ctx->db, "Bridge", br_cols[k], &t) == 0) {
                r = vdb_set(ctx->db, "Bridge", br, br_cols[k], json_array());
            }
        }
        const char *hw = vdb_map_get(vdb_get(ctx->db, "Bridge", br, "other_config"), "hwaddr");
        r = r
                    ?: vdb_set(ctx->db, "Bridge", br, "other_config",
                               hw ? json_pack("[[ss]]", "hwaddr", hw) : json_array());
    }
    json_decref(uuids);
    uuids = vdb_uuids(ctx->db, "Port");
    for (size_t i = 0; !r && i < json_array_size(uuids); i++) {
        r = vdb_set(ctx->db, "Port", json_string_value(json_array_get(uuids, i)), "other_config",
                    json_array());
    }
    json_decref(uuids);
    uuids = vdb_uuids(ctx->db, "Interface");
    for (size_t i = 0; !r && i < json_array_size(uuids); i++) {
        const char *u = json_string_value(json_array_get(uuids, i));
        r = vdb_set(ctx->db, "Interface", u, "ingress_policing_rate", json_pack("[i]", 0));
        r = r ?: vdb_set(ctx->db, "Interface", u, "ingress_policing_burst", json_pack("[i]", 0));
    }
    json_decref(uuids);
    static const char *const tables[] = {"Mirror", "Controller", "Manager", "NetFlow",
                                         "SSL",    "sFlow",      "IPFIX"};
    for (size_t k = 0; !r && k < sizeof(tables) / sizeof(tables[0]); k++) {
        delete_all(ctx, tables[k]);
    }
    return r;
}
