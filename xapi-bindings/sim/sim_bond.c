/* The write methods of xvs-xapi-sim for bonds, tunnels, the management
 * interface, the vswitch controller and SDN controllers, with XAPI's checks,
 * error codes and side effects (see sim_net.c for the conventions). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "log.h"
#include "netmode.h"
#include "paths.h"
#include "records.h"
#include "sbuf.h"
#include "sim_api.h"
#include "sim_ctx.h"
#include "sim_db.h"
#include "sim_methods.h"
#include "sim_net.h"
#include "sim_plugin.h"
#include "xmlrpc.h"

#define C_PIF    (&xapi_class_pif)
#define C_NET    (&xapi_class_network)
#define C_BOND   (&xapi_class_bond)
#define C_TUNNEL (&xapi_class_tunnel)
#define C_HOST   (&xapi_class_host)
#define C_POOL   (&xapi_class_pool)
#define C_SDN    (&xapi_class_sdn_controller)

/* The plugin XAPI calls on every host when the controller changes. */
#define VSWITCH_PLUGIN "openvswitch-config-update"

static bool valid_bond_mode(const char *m)
{
    return !strcmp(m, "balance-slb") || !strcmp(m, "active-backup") || !strcmp(m, "lacp");
}

/* Copies the IP configuration fields and the management flag of PIF
 * "from" to PIF "to" in "work", and clears them on "from". */
static int move_ip_config(struct sim_db *work, const char *from, const char *to)
{
    static const char *const fields[] = {"ip_configuration_mode",
                                         "IP",
                                         "netmask",
                                         "gateway",
                                         "DNS",
                                         "ipv6_configuration_mode",
                                         "ipv6_gateway",
                                         "primary_address_type"};
    bool mgmt = sim_rec_bool(work, C_PIF, from, "management");
    int r = 0;

    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && r == 0; i++) {
        char *v = strdup(sim_rec_str(work, C_PIF, from, fields[i]));

        r = v ? sim_set_str(work, C_PIF, to, fields[i], v) : -ENOMEM;
        free(v);
    }
    if (r == 0) {
        struct xr_value *v6 = xr_copy(xr_struct_get(sim_rec(work, C_PIF, from), "IPv6"));

        r = v6 ? sim_db_set_field(work, C_PIF, to, "IPv6", v6) : -ENOMEM;
    }
    if (r == 0) {
        r = sim_set_bool(work, C_PIF, to, "management", mgmt);
    }
    if (r == 0) {
        r = sim_set_bool(work, C_PIF, from, "management", false);
    }
    if (r == 0) {
        r = sim_set_str(work, C_PIF, from, "ip_configuration_mode", "None");
    }
    if (r == 0) {
        r = sim_set_str(work, C_PIF, from, "ipv6_configuration_mode", "None");
    }
    return r;
}

/* The properties XAPI allows per mode (Xapi_bond.requirements_of_mode):
 * only lacp has any. */
struct bond_prop {
    const char *key;
    const char *dflt;          /* NULL: no default. */
    const char *const *values; /* NULL: an integer. */
};

static const char *const hashing_values[] = {"src_mac", "tcpudp_ports", NULL};
static const char *const lacp_time_values[] = {"fast", "slow", NULL};
static const char *const bool_values[] = {"true", "false", NULL};
static const struct bond_prop lacp_props[] = {
        {"hashing_algorithm", "tcpudp_ports", hashing_values},
        {"lacp-time", "slow", lacp_time_values},
        {"lacp-aggregation-key", NULL, NULL},
        {"lacp-fallback-ab", "true", bool_values},
};

static bool prop_valid(const struct bond_prop *p, const char *value)
{
    char *end;

    if (!p->values) {
        strtol(value, &end, 10);
        return *value && !*end;
    }
    for (size_t i = 0; p->values[i]; i++) {
        if (!strcmp(p->values[i], value)) {
            return true;
        }
    }
    return false;
}

/* INVALID_VALUE ["properties", "k = v"] for a property the mode does not
 * take or a bad value, else NULL. */
static struct xr_value *check_properties(const char *mode, const struct xr_value *props)
{
    bool lacp = !strcmp(mode, "lacp");

    for (size_t i = 0; i < xr_struct_len(props); i++) {
        const char *key = xr_struct_key(props, i);
        const char *value = xr_get_string(xr_struct_value(props, i));
        bool ok = false;

        for (size_t j = 0; lacp && j < sizeof lacp_props / sizeof lacp_props[0]; j++) {
            if (!strcmp(lacp_props[j].key, key)) {
                ok = prop_valid(&lacp_props[j], value);
            }
        }
        if (!ok) {
            char text[256];

            snprintf(text, sizeof text, "%s = %s", key, value);
            return sim_failure("INVALID_VALUE", 2, "properties", text);
        }
    }
    return NULL;
}

/* A copy of "props" with the mode's defaults added. */
static struct xr_value *with_defaults(const char *mode, const struct xr_value *props)
{
    struct xr_value *v = xr_copy(props);

    for (size_t j = 0; v && !strcmp(mode, "lacp") && j < sizeof lacp_props / sizeof lacp_props[0];
         j++) {
        if (lacp_props[j].dflt && !xr_struct_get(v, lacp_props[j].key) &&
            xr_struct_set_string(v, lacp_props[j].key, lacp_props[j].dflt) < 0) {
            xr_free(v);
            v = NULL;
        }
    }
    return v;
}

/* XAPI's checks of bond members; sets "*primary" to the primary slave:
 * the management PIF, else the first with an IP configuration, else the
 * first. */
static struct xr_value *check_members(struct sim_ctx *ctx, const struct xr_value *members,
                                      const char **primary)
{
    const char *mgmt = NULL, *with_ip = NULL, *host = NULL;
    size_t n_ip = 0;

    if (xr_array_len(members) == 0) {
        return sim_failure("PIF_BOND_NEEDS_MORE_MEMBERS", 0);
    }
    for (size_t i = 0; i < xr_array_len(members); i++) {
        const char *m = xr_get_string(xr_array_get(members, i));
        bool v6 = !strcmp(sim_rec_str(ctx->db, C_PIF, m, "primary_address_type"), "IPv6");
        const char *mode = sim_rec_str(ctx->db, C_PIF, m,
                                       v6 ? "ipv6_configuration_mode" : "ip_configuration_mode");

        if (sim_ref_set(sim_rec_str(ctx->db, C_PIF, m, "bond_slave_of"))) {
            return sim_failure("PIF_ALREADY_BONDED", 1, m);
        }
        if (sim_rec_int(ctx->db, C_PIF, m, "VLAN") >= 0) {
            return sim_failure("PIF_VLAN_EXISTS", 1, sim_rec_str(ctx->db, C_PIF, m, "device"));
        }
        if (xr_array_len(xr_struct_get(sim_db_get(ctx->db, C_PIF, m), "tunnel_access_PIF_of"))) {
            return sim_failure("IS_TUNNEL_ACCESS_PIF", 1, m);
        }
        /* XAPI moves the VLANs and tunnels of members to the bond; the
         * simulator does not, and says so. */
        if (xr_array_len(xr_struct_get(sim_db_get(ctx->db, C_PIF, m), "VLAN_slave_of")) ||
            xr_array_len(xr_struct_get(sim_db_get(ctx->db, C_PIF, m), "tunnel_transport_PIF_of"))) {
            return sim_failure("OPERATION_NOT_ALLOWED", 1,
                               "the simulator cannot move VLANs or tunnels of bond members");
        }
        if (host && strcmp(host, sim_rec_str(ctx->db, C_PIF, m, "host")) != 0) {
            return sim_failure("PIF_CANNOT_BOND_CROSS_HOST", 0);
        }
        host = sim_rec_str(ctx->db, C_PIF, m, "host");
        if (sim_rec_bool(ctx->db, C_PIF, m, "management") && !mgmt) {
            mgmt = m;
        }
        if (mode && strcmp(mode, "None") != 0) {
            n_ip++;
            with_ip = with_ip ? with_ip : m;
        }
    }
    if (n_ip > 1) {
        return sim_failure("PIF_BOND_MORE_THAN_ONE_IP", 0);
    }
    *primary = mgmt ? mgmt : with_ip ? with_ip : xr_get_string(xr_array_get(members, 0));
    return NULL;
}

/* Bond.create(network, members, MAC, mode, properties). */
static struct xr_value *bond_create(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *net, *mac = sim_arg_str(params, 3), *mode = sim_arg_str(params, 4);
    const char *host = sim_net_host_ref(ctx), *primary = NULL, *session = sim_arg_str(params, 0);
    struct xr_value *uniq;
    const struct xr_value *members = xr_array_get(params, 2), *props = xr_array_get(params, 5);
    const char *hashing = xr_get_string(xr_struct_get(props, "hashing_algorithm"));
    char pif_ref[48], pif_uuid[37], bond_ref[48], bond_uuid[37], device[16];
    struct xapi_bond bond = {0};
    struct xapi_pif p;
    struct xr_value *err, *res, *v;
    struct sim_db *work;
    size_t n;
    int r;

    if ((err = sim_net_check(ctx, C_NET, params, 1, "network", &net))) {
        return err;
    }
    if (xr_type(members) != XR_ARRAY) {
        return sim_net_type_error("members");
    }
    if (!mac || !mode) {
        return sim_net_type_error(mac ? "mode" : "MAC");
    }
    if (!sim_net_is_string_map(props)) {
        return sim_net_type_error("properties");
    }
    /* The checks in XAPI's order (Xapi_bond.create). */
    for (size_t i = 0; i < xr_array_len(members); i++) {
        const char *m = xr_get_string(xr_array_get(members, i));

        if (!m) {
            return sim_net_type_error("members");
        }
        if (!sim_db_get(ctx->db, C_PIF, m)) {
            return sim_net_handle_invalid("PIF", m);
        }
    }
    if (!sim_rec_bool(ctx->db, C_NET, net, "managed")) {
        return sim_failure("NETWORK_UNMANAGED", 1, net);
    }
    if (xr_array_len(members)) {
        host = sim_rec_str(ctx->db, C_PIF, xr_get_string(xr_array_get(members, 0)), "host");
    }
    if (sim_net_pif_on_network(ctx->db, net, host)) {
        return sim_failure("NETWORK_ALREADY_CONNECTED", 2, host,
                           sim_net_pif_on_network(ctx->db, net, host));
    }
    if (*mac && !sim_net_valid_mac(mac)) {
        return sim_failure("MAC_INVALID", 1, mac);
    }
    if (!valid_bond_mode(mode)) {
        return sim_failure("INVALID_VALUE", 2, "mode", mode);
    }
    if ((err = check_properties(mode, props))) {
        return err;
    }
    /* A member given twice counts once, as XAPI's setify. */
    uniq = xr_array();
    for (size_t i = 0; uniq && i < xr_array_len(members); i++) {
        const char *m = xr_get_string(xr_array_get(members, i));
        bool seen = false;

        for (size_t j = 0; j < xr_array_len(uniq) && !seen; j++) {
            seen = !strcmp(m, xr_get_string(xr_array_get(uniq, j)));
        }
        if (!seen && xr_array_append(uniq, xr_string(m)) < 0) {
            xr_free(uniq);
            uniq = NULL;
        }
    }
    if (!uniq) {
        return NULL;
    }
    n = xr_array_len(uniq);
    err = check_members(ctx, uniq, &primary);
    if (err) {
        xr_free(uniq);
        return err;
    }
    sim_net_free_name(ctx->db, "bond", false, device, sizeof device);
    r = sim_net_new_pif(ctx, &p, pif_ref, pif_uuid, net, device,
                        *mac ? mac : sim_rec_str(ctx->db, C_PIF, primary, "MAC"));
    if (r == 0) {
        r = sim_db_new_ref(bond_ref);
    }
    if (r == 0) {
        r = sim_db_uuid(bond_uuid);
    }
    if (r < 0) {
        xr_free(uniq);
        return sim_net_internal("no random source");
    }
    bond.ref = bond_ref;
    bond.uuid = bond_uuid;
    bond.master = pif_ref;
    bond.primary_slave = (char *)primary;
    bond.mode = (char *)mode;
    if (sim_txn_begin(ctx, &work) < 0) {
        xr_free(uniq);
        return NULL;
    }
    r = sim_net_add_pif(work, &p);
    if (r == 0) {
        r = sim_set_add(work, C_PIF, pif_ref, "bond_master_of", bond_ref);
    }
    if (r == 0) {
        r = sim_db_insert_typed(work, C_BOND, &bond);
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *m = xr_get_string(xr_array_get(uniq, i));

        r = sim_set_add(work, C_BOND, bond_ref, "slaves", m);
        if (r == 0) {
            r = sim_set_str(work, C_PIF, m, "bond_slave_of", bond_ref);
        }
    }
    if (r == 0) {
        v = with_defaults(mode, props);
        r = v ? sim_db_set_field(work, C_BOND, bond_ref, "properties", v) : -ENOMEM;
    }
    if (r == 0) {
        r = sim_set_int(work, C_BOND, bond_ref, "links_up", 0);
    }
    /* interface-reconfigure reads the bond's options from the master's
     * other_config bond-* keys (spec §1.2), so they are kept there too. */
    if (r == 0) {
        r = sim_map_put(work, C_PIF, pif_ref, "other_config", "bond-mode", mode);
    }
    if (r == 0 && hashing) {
        r = sim_map_put(work, C_PIF, pif_ref, "other_config", "bond-hashing-algorithm", hashing);
    }
    if (r == 0) {
        r = move_ip_config(work, primary, pif_ref);
    }
    xr_free(uniq);
    if (r < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot create the bond");
    }
    res = sim_net_finish_ref(ctx, work, bond_ref);
    if (!sim_net_ok(res)) {
        return res;
    }
    xlog_info("Bond %s created: master %s (%s), mode %s", bond_ref, pif_ref, device, mode);
    /* XAPI brings the master up at once; interface-reconfigure takes the
     * slaves along. */
    err = sim_net_plug(ctx, session, pif_ref, false);
    if (err) {
        xr_free(res);
        return err;
    }
    return res;
}

static struct xr_value *bond_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *session = sim_arg_str(params, 0);
    char master[48], primary[48];
    struct xr_value *err, *slaves = NULL, *res;
    struct sim_db *work;
    bool was_up;
    int r = 0;

    if ((err = sim_net_check(ctx, C_BOND, params, 1, "self", &self))) {
        return err;
    }
    snprintf(master, sizeof master, "%s", sim_rec_str(ctx->db, C_BOND, self, "master"));
    snprintf(primary, sizeof primary, "%s", sim_rec_str(ctx->db, C_BOND, self, "primary_slave"));
    if (xr_array_len(xr_struct_get(sim_db_get(ctx->db, C_PIF, master), "VLAN_slave_of"))) {
        return sim_failure("PIF_VLAN_EXISTS", 1, master);
    }
    was_up = sim_rec_bool(ctx->db, C_PIF, master, "currently_attached");
    if (was_up) {
        bool mgmt = sim_rec_bool(ctx->db, C_PIF, master, "management");

        err = sim_net_reconfigure(ctx, session, master, false, mgmt);
        if (err) {
            return err;
        }
    }
    if (!sim_db_get(ctx->db, C_BOND, self)) {
        return sim_success(xr_string(""));
    }
    slaves = xr_copy(xr_struct_get(sim_db_get(ctx->db, C_BOND, self), "slaves"));
    if (!slaves || sim_txn_begin(ctx, &work) < 0) {
        xr_free(slaves);
        return NULL;
    }
    for (size_t i = 0; i < xr_array_len(slaves) && r == 0; i++) {
        const char *s = xr_get_string(xr_array_get(slaves, i));

        if (sim_rec(work, C_PIF, s)) {
            r = sim_set_str(work, C_PIF, s, "bond_slave_of", XAPI_NULL_REF);
        }
    }
    if (r == 0 && sim_rec(work, C_PIF, primary) && sim_rec(work, C_PIF, master)) {
        r = move_ip_config(work, master, primary);
    }
    if (r == 0 && sim_rec(work, C_PIF, master)) {
        r = sim_net_remove_pif(work, master);
    }
    if (r == 0) {
        r = sim_db_remove(work, C_BOND, self);
    }
    xr_free(slaves);
    if (r < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot remove the bond");
    }
    res = sim_net_finish_void(ctx, work);
    if (sim_net_ok(res) && was_up && sim_db_get(ctx->db, C_PIF, primary)) {
        /* The primary slave takes the master's place, as in XAPI. */
        err = sim_net_plug(ctx, session, primary, true);
        if (err) {
            xr_free(res);
            return err;
        }
    }
    return res;
}

static struct xr_value *bond_set_mode(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *mode = sim_arg_str(params, 2), *master;
    struct xr_value *err, *res;
    struct sim_db *work;
    int r;

    if ((err = sim_net_check(ctx, C_BOND, params, 1, "self", &self))) {
        return err;
    }
    if (!mode) {
        return sim_net_type_error("value");
    }
    if (!valid_bond_mode(mode)) {
        return sim_failure("INVALID_VALUE", 2, "mode", mode);
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    master = sim_rec_str(work, C_BOND, self, "master");
    r = sim_set_str(work, C_BOND, self, "mode", mode);
    if (r == 0 && sim_rec(work, C_PIF, master)) {
        r = sim_map_put(work, C_PIF, master, "other_config", "bond-mode", mode);
    }
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    res = sim_net_finish_void(ctx, work);
    master = sim_rec_str(ctx->db, C_BOND, self, "master");
    if (sim_net_ok(res) && sim_rec_bool(ctx->db, C_PIF, master, "currently_attached")) {
        char m[48];

        snprintf(m, sizeof m, "%s", master);
        err = sim_net_plug(ctx, sim_arg_str(params, 0), m, true);
        if (err) {
            xr_free(res);
            return err;
        }
    }
    return res;
}

/* tunnel.create(transport_PIF, network, protocol). */
static struct xr_value *tunnel_create(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *transport, *net, *protocol = sim_arg_str(params, 3);
    const char *host;
    char pif_ref[48], pif_uuid[37], t_ref[48], t_uuid[37], device[16], mac[18];
    struct xapi_tunnel tunnel = {0};
    unsigned char rnd[5] = {0};
    struct xapi_pif p;
    struct xr_value *err, *res;
    struct sim_db *work;
    int r;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "transport_PIF", &transport)) ||
        (err = sim_net_check(ctx, C_NET, params, 2, "network", &net))) {
        return err;
    }
    if (!protocol) {
        return sim_net_type_error("protocol");
    }
    if (strcmp(protocol, "gre") != 0 && strcmp(protocol, "vxlan") != 0) {
        return sim_failure("INVALID_VALUE", 2, "protocol", protocol);
    }
    /* The checks in XAPI's order (Xapi_tunnel.create); an unconfigured
     * transport PIF makes the plug that follows fail, as in XAPI. */
    host = sim_rec_str(ctx->db, C_PIF, transport, "host");
    if (!sim_rec_bool(ctx->db, C_NET, net, "managed")) {
        return sim_failure("NETWORK_UNMANAGED", 1, net);
    }
    if (sim_net_pif_on_network(ctx->db, net, host)) {
        return sim_failure("NETWORK_ALREADY_CONNECTED", 2, host,
                           sim_net_pif_on_network(ctx->db, net, host));
    }
    if (sim_ref_set(sim_rec_str(ctx->db, C_PIF, transport, "bond_slave_of"))) {
        return sim_failure("CANNOT_ADD_TUNNEL_TO_BOND_SLAVE", 1, transport);
    }
    if (xr_array_len(
                xr_struct_get(sim_db_get(ctx->db, C_PIF, transport), "tunnel_access_PIF_of"))) {
        return sim_failure("IS_TUNNEL_ACCESS_PIF", 1, transport);
    }
    {
        enum netmode nm;

        if (netmode_get(&nm) == 0 && nm != NETMODE_OPENVSWITCH) {
            return sim_failure("OPENVSWITCH_NOT_ACTIVE", 0);
        }
    }
    sim_net_free_name(ctx->db, "tunnel", false, device, sizeof device);
    /* A random locally administered unicast MAC for the access PIF. */
    r = sim_db_uuid(t_uuid);
    for (size_t i = 0; r == 0 && i < 5; i++) {
        rnd[i] = (unsigned char)strtoul((char[]){t_uuid[2 * i], t_uuid[2 * i + 1], 0}, NULL, 16);
    }
    /* Locally administered, unicast, as XAPI's gen_mac makes them. */
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", (rnd[0] | 2) & 0xfe, rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[0] ^ rnd[4]);
    if (r == 0) {
        r = sim_net_new_pif(ctx, &p, pif_ref, pif_uuid, net, device, mac);
    }
    if (r == 0) {
        r = sim_db_new_ref(t_ref);
    }
    if (r == 0) {
        r = sim_db_uuid(t_uuid);
    }
    if (r < 0) {
        return sim_net_internal("no random source");
    }
    p.host = (char *)host;
    p.metrics = (char *)sim_rec_str(ctx->db, C_PIF, transport, "metrics");
    tunnel.ref = t_ref;
    tunnel.uuid = t_uuid;
    tunnel.access_pif = pif_ref;
    tunnel.transport_pif = (char *)transport;
    tunnel.protocol = (char *)protocol;
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    r = sim_net_add_pif(work, &p);
    if (r == 0) {
        r = sim_set_add(work, C_PIF, pif_ref, "tunnel_access_PIF_of", t_ref);
    }
    if (r == 0) {
        r = sim_db_insert_typed(work, C_TUNNEL, &tunnel);
    }
    if (r == 0) {
        r = sim_map_put(work, C_TUNNEL, t_ref, "status", "active", "false");
    }
    if (r == 0) {
        r = sim_set_add(work, C_PIF, transport, "tunnel_transport_PIF_of", t_ref);
    }
    if (r < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot create the tunnel");
    }
    res = sim_net_finish_ref(ctx, work, t_ref);
    if (!sim_net_ok(res)) {
        return res;
    }
    xlog_info("tunnel %s created: %s over %s", t_ref, device, transport);
    err = sim_net_plug(ctx, sim_arg_str(params, 0), pif_ref, false);
    if (err) {
        xr_free(res);
        return err;
    }
    return res;
}

static struct xr_value *tunnel_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *transport;
    char access[48];
    struct xr_value *err;
    struct sim_db *work;
    int r = 0;

    if ((err = sim_net_check(ctx, C_TUNNEL, params, 1, "self", &self))) {
        return err;
    }
    snprintf(access, sizeof access, "%s", sim_rec_str(ctx->db, C_TUNNEL, self, "access_PIF"));
    if (sim_db_get(ctx->db, C_PIF, access)) {
        err = sim_net_unplug(ctx, sim_arg_str(params, 0), access);
        if (err) {
            return err;
        }
    }
    if (!sim_db_get(ctx->db, C_TUNNEL, self)) {
        return sim_success(xr_string(""));
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    transport = sim_rec_str(work, C_TUNNEL, self, "transport_PIF");
    if (sim_rec(work, C_PIF, transport)) {
        r = sim_set_remove(work, C_PIF, transport, "tunnel_transport_PIF_of", self);
    }
    if (r == 0 && sim_rec(work, C_PIF, access)) {
        r = sim_net_remove_pif(work, access);
    }
    if (r == 0) {
        r = sim_db_remove(work, C_TUNNEL, self);
    }
    if (r < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot remove the tunnel");
    }
    return sim_net_finish_void(ctx, work);
}

/* Rewrites MANAGEMENT_INTERFACE in the inventory, as XAPI does when the
 * management interface moves; a missing inventory is left missing. */
static void inventory_set_management(const char *bridge)
{
    char *path = paths_get(PATHS_INVENTORY), *data = NULL;
    struct sbuf out = SBUF_INIT;
    size_t len = 0;
    bool done = false;

    if (!path || fsu_read_file(path, 1 << 20, &data, &len) < 0) {
        goto out;
    }
    for (char *line = data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        if (!strncmp(line, "MANAGEMENT_INTERFACE=", 21)) {
            sbuf_addf(&out, "MANAGEMENT_INTERFACE='%s'\n", bridge);
            done = true;
        } else {
            sbuf_addf(&out, "%s\n", line);
        }
    }
    if (!done) {
        sbuf_addf(&out, "MANAGEMENT_INTERFACE='%s'\n", bridge);
    }
    if (sbuf_error(&out) ||
        fsu_write_atomic(path, sbuf_str(&out), strlen(sbuf_str(&out)), 0644) < 0) {
        xlog_warn("Cannot update MANAGEMENT_INTERFACE in %s", path);
    }
out:
    sbuf_free(&out);
    free(data);
    free(path);
}

static struct xr_value *host_management_reconfigure(struct sim_ctx *ctx,
                                                    const struct xr_value *params)
{
    const char *pif, *host, *bridge;
    char net_bridge[64];
    struct xr_value *err, *res;
    struct sim_db *work;
    int r = 0;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "pif", &pif))) {
        return err;
    }
    /* Xapi_pif.assert_usable_for_management. */
    if (sim_ref_set(sim_rec_str(ctx->db, C_PIF, pif, "bond_slave_of"))) {
        return sim_failure("CANNOT_PLUG_BOND_SLAVE", 1, pif);
    }
    if (!strcmp(sim_rec_str(ctx->db, C_PIF, pif, "primary_address_type"), "IPv6")) {
        if (!strcmp(sim_rec_str(ctx->db, C_PIF, pif, "ipv6_configuration_mode"), "None")) {
            return sim_failure("PIF_HAS_NO_V6_NETWORK_CONFIGURATION", 1, pif);
        }
    } else if (!strcmp(sim_rec_str(ctx->db, C_PIF, pif, "ip_configuration_mode"), "None")) {
        return sim_failure("PIF_HAS_NO_NETWORK_CONFIGURATION", 1, pif);
    }
    if (sim_rec_bool(ctx->db, C_PIF, pif, "management")) {
        /* XAPI takes no action for the management PIF itself. */
        return sim_success(xr_string(""));
    }
    bridge = sim_rec_str(ctx->db, C_NET, sim_rec_str(ctx->db, C_PIF, pif, "network"), "bridge");
    snprintf(net_bridge, sizeof net_bridge, "%s", bridge ? bridge : "");
    err = sim_net_reconfigure(ctx, sim_arg_str(params, 0), pif, true, true);
    if (err) {
        return err;
    }
    if (!sim_db_get(ctx->db, C_PIF, pif) || sim_txn_begin(ctx, &work) < 0) {
        return sim_net_internal("the PIF went away");
    }
    host = sim_rec_str(work, C_PIF, pif, "host");
    for (size_t i = 0; i < sim_db_count(work, C_PIF) && r == 0; i++) {
        const char *ref = sim_db_ref_at(work, C_PIF, i);

        if (!strcmp(sim_rec_str(work, C_PIF, ref, "host"), host)) {
            r = sim_set_bool(work, C_PIF, ref, "management", !strcmp(ref, pif));
        }
    }
    if (r == 0) {
        r = sim_set_bool(work, C_PIF, pif, "currently_attached", true);
    }
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    res = sim_net_finish_void(ctx, work);
    if (sim_net_ok(res) && *net_bridge) {
        inventory_set_management(net_bridge);
    }
    return res;
}

/* XAPI asks every host to reload the controller through a plugin; it
 * logs the failures and goes on. */
static void update_vswitch_controller(struct sim_ctx *ctx, const char *session)
{
    for (size_t i = 0; i < sim_db_count(ctx->db, C_HOST); i++) {
        struct xr_value *res = sim_plugin_call(ctx, session, VSWITCH_PLUGIN, "update", NULL);

        if (!sim_net_ok(res)) {
            xlog_warn("Failed to update the vswitch controller on host %s",
                      sim_db_ref_at(ctx->db, C_HOST, i));
        }
        xr_free(res);
    }
}

static struct xr_value *not_vswitch(void)
{
    enum netmode mode;

    if (netmode_get(&mode) == 0 && mode != NETMODE_OPENVSWITCH) {
        return sim_failure("OPERATION_NOT_ALLOWED", 1, "host not configured for vswitch operation");
    }
    return NULL;
}

/* Xapi_sdn_controller.db_introduce: checks, then the record.  Returns the
 * success envelope with the new ref, or the failure. */
static struct xr_value *sdn_db_introduce(struct sim_ctx *ctx, const char *protocol,
                                         const char *address, int64_t port)
{
    struct xapi_sdn_controller sdn = {0};
    char ref[48], uuid[37], text[24];
    struct sim_db *work;
    int r;

    if (sim_db_count(ctx->db, C_SDN) > 0) {
        return sim_failure("OPERATION_NOT_ALLOWED", 1,
                           "SDN controller has been configured. Please forget it first.");
    }
    if (strcmp(protocol, "ssl") != 0 && strcmp(protocol, "pssl") != 0) {
        return sim_failure("INVALID_VALUE", 2, "protocol", protocol);
    }
    snprintf(text, sizeof text, "%" PRId64, port);
    if (!strcmp(protocol, "pssl")) {
        /* A passive controller connects to the host: no address, no port. */
        if (*address) {
            return sim_failure("INVALID_VALUE", 2, "address", address);
        }
        if (port != 0) {
            return sim_failure("INVALID_VALUE", 2, "port", text);
        }
    } else if (!*address) {
        return sim_failure("INVALID_VALUE", 2, "address", address);
    } else if (!sim_net_valid_ipv4(address)) {
        return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, "address");
    }
    if (port != 0 && (port < 1 || port > 65535)) {
        return sim_failure("VALUE_NOT_SUPPORTED", 3, "port", text, "Port out of range");
    }
    r = sim_db_new_ref(ref);
    if (r == 0) {
        r = sim_db_uuid(uuid);
    }
    if (r < 0) {
        return sim_net_internal("no random source");
    }
    sdn.ref = ref;
    sdn.uuid = uuid;
    sdn.protocol = (char *)protocol;
    sdn.address = (char *)address;
    sdn.port = !strcmp(protocol, "ssl") && port == 0 ? 6632 : port;
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    if (sim_db_insert_typed(work, C_SDN, &sdn) < 0) {
        sim_db_free(work);
        return NULL;
    }
    return sim_net_finish_ref(ctx, work, ref);
}

static struct xr_value *sdn_db_forget(struct sim_ctx *ctx, const char *ref)
{
    struct sim_db *work;

    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    return sim_net_finish_status(ctx, work, sim_db_remove(work, C_SDN, ref));
}

/* pool.set_vswitch_controller(address), as Xapi_pool's: the address
 * replaces any SDN controller by an ssl one on port 6632. */
static struct xr_value *pool_set_vswitch_controller(struct sim_ctx *ctx,
                                                    const struct xr_value *params)
{
    const char *address = sim_arg_str(params, 1), *pool, *current;
    const char *session = sim_arg_str(params, 0);
    struct xr_value *err, *res;
    struct sim_db *work;

    if (!address) {
        return sim_net_type_error("address");
    }
    if ((err = not_vswitch())) {
        return err;
    }
    if (sim_db_count(ctx->db, C_POOL) == 0) {
        return sim_net_internal("no pool");
    }
    pool = sim_db_ref_at(ctx->db, C_POOL, 0);
    current = sim_rec_str(ctx->db, C_POOL, pool, "vswitch_controller");
    if (current && !strcmp(current, address)) {
        return sim_success(xr_string(""));
    }
    if (*address && !sim_net_valid_ipv4(address)) {
        return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, "address");
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    if (sim_set_str(work, C_POOL, pool, "vswitch_controller", address) < 0) {
        sim_db_free(work);
        return NULL;
    }
    res = sim_net_finish_void(ctx, work);
    if (sim_net_ok(res) && sim_db_count(ctx->db, C_SDN) > 0) {
        char ref[48];

        snprintf(ref, sizeof ref, "%s", sim_db_ref_at(ctx->db, C_SDN, 0));
        err = sdn_db_forget(ctx, ref);
        if (!sim_net_ok(err)) {
            xr_free(res);
            return err;
        }
        xr_free(err);
        update_vswitch_controller(ctx, session);
    }
    if (sim_net_ok(res) && *address) {
        err = sdn_db_introduce(ctx, "ssl", address, 6632);
        if (!sim_net_ok(err)) {
            xr_free(res);
            return err;
        }
        xr_free(err);
        update_vswitch_controller(ctx, session);
    }
    return res;
}

/* SDN_controller.introduce(protocol, address, port). */
static struct xr_value *sdn_introduce(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *protocol = sim_arg_str(params, 1), *address = sim_arg_str(params, 2);
    struct xr_value *err, *res;
    int64_t port;

    if (!protocol || !address) {
        return sim_net_type_error(protocol ? "address" : "protocol");
    }
    if (xr_get_int(xr_array_get(params, 3), &port) < 0) {
        return sim_net_type_error("port");
    }
    if ((err = not_vswitch())) {
        return err;
    }
    res = sdn_db_introduce(ctx, protocol, address, port);
    if (sim_net_ok(res)) {
        update_vswitch_controller(ctx, sim_arg_str(params, 0));
    }
    return res;
}

static struct xr_value *sdn_forget(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err, *res;
    const char *self;
    enum netmode nm;

    if ((err = sim_net_check(ctx, C_SDN, params, 1, "self", &self))) {
        return err;
    }
    res = sdn_db_forget(ctx, self);
    if (sim_net_ok(res) && netmode_get(&nm) == 0 && nm == NETMODE_OPENVSWITCH) {
        update_vswitch_controller(ctx, sim_arg_str(params, 0));
    }
    return res;
}

const struct sim_method sim_bond_methods[] = {
        {"Bond", "create", 5, bond_create},
        {"Bond", "destroy", 1, bond_destroy},
        {"Bond", "set_mode", 2, bond_set_mode},
        {"tunnel", "create", 3, tunnel_create},
        {"tunnel", "destroy", 1, tunnel_destroy},
        {"host", "management_reconfigure", 1, host_management_reconfigure},
        {"pool", "set_vswitch_controller", 1, pool_set_vswitch_controller},
        {"SDN_controller", "introduce", 3, sdn_introduce},
        {"SDN_controller", "forget", 1, sdn_forget},
        {NULL, NULL, 0, NULL},
};
