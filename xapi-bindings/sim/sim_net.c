/* The write methods of xvs-xapi-sim for networks and PIFs, the
 * other_config maps of the network objects, and the helpers the other
 * network modules share (sim_net.h): PIF plug and unplug run
 * interface-reconfigure with --session and --pif, as XAPI's network manager
 * ran it before xcp-networkd.
 *
 * Conventions of every write method: arguments and state are checked on the
 * live store first, in XAPI's order and with XAPI's error codes; then all
 * changes are made on a copy and committed at once (sim_ctx.h), so nothing
 * is half-applied; programs run outside any copy, because they call back
 * into the simulator. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "records.h"
#include "sbuf.h"
#include "sim_api.h"
#include "sim_ctx.h"
#include "sim_db.h"
#include "sim_methods.h"
#include "sim_net.h"
#include "sim_seed.h"
#include "xmlrpc.h"

#define C_PIF     (&xapi_class_pif)
#define C_NET     (&xapi_class_network)
#define C_BOND    (&xapi_class_bond)
#define C_VLAN    (&xapi_class_vlan)
#define C_TUNNEL  (&xapi_class_tunnel)
#define C_HOST    (&xapi_class_host)
#define C_POOL    (&xapi_class_pool)
#define C_SDN     (&xapi_class_sdn_controller)
#define C_METRICS (&xapi_class_pif_metrics)

#define IR_TIMEOUT_MS 120000

struct xr_value *sim_net_handle_invalid(const char *cls, const char *ref)
{
    return sim_failure("HANDLE_INVALID", 2, cls, ref);
}

struct xr_value *sim_net_type_error(const char *name)
{
    return sim_failure("FIELD_TYPE_ERROR", 1, name);
}

struct xr_value *sim_net_internal(const char *what)
{
    return sim_failure("INTERNAL_ERROR", 1, what);
}

bool sim_net_valid_ipv4(const char *s)
{
    struct in_addr a;

    return s && inet_pton(AF_INET, s, &a) == 1;
}

/* "addr/prefix" with an IPv6 address and a prefix of 0..128. */
static bool valid_ipv6_cidr(const char *s)
{
    char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
    struct in6_addr a;
    long len;

    if (!s || strlen(s) >= sizeof buf) {
        return false;
    }
    strcpy(buf, s);
    slash = strchr(buf, '/');
    if (!slash) {
        return false;
    }
    *slash = '\0';
    len = strtol(slash + 1, &end, 10);
    return slash[1] && !*end && len >= 0 && len <= 128 && inet_pton(AF_INET6, buf, &a) == 1;
}

bool sim_net_valid_mac(const char *s)
{
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return s[17] == '\0';
}

/* A struct of strings argument (a map). */
bool sim_net_is_string_map(const struct xr_value *v)
{
    if (xr_type(v) != XR_STRUCT) {
        return false;
    }
    for (size_t i = 0; i < xr_struct_len(v); i++) {
        if (xr_type(xr_struct_value(v, i)) != XR_STRING) {
            return false;
        }
    }
    return true;
}

/* interface-reconfigure. */

struct xr_value *sim_net_reconfigure(struct sim_ctx *ctx, const char *session, const char *pif,
                                     bool up, bool management)
{
    char *prog = NULL, what[512];
    const char *argv[9];
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = IR_TIMEOUT_MS};
    size_t n = 0;
    int r;

    if (asprintf(&prog, "%s/interface-reconfigure", ctx->cfg.libexec ? ctx->cfg.libexec : ".") <
        0) {
        return NULL;
    }
    argv[n++] = prog;
    argv[n++] = "--session";
    argv[n++] = session;
    argv[n++] = "--pif";
    argv[n++] = pif;
    if (management) {
        argv[n++] = "--management";
    }
    argv[n++] = up ? "up" : "down";
    argv[n] = NULL;
    if (access(prog, X_OK) < 0) {
        /* Never a silent success: the PIF would look plugged and nothing
         * on the host would have changed. */
        snprintf(what, sizeof what, "cannot run %s: %s", prog, strerror(errno));
        xlog_err("%s", what);
        free(prog);
        return sim_net_internal(what);
    }
    r = sim_ctx_run(ctx, &cmd, NULL, 0, NULL);
    if (r == 0) {
        free(prog);
        return NULL;
    }
    if (r < 0) {
        snprintf(what, sizeof what, "cannot run %s: %s", prog, strerror(-r));
    } else if (exec_status_signaled(r)) {
        snprintf(what, sizeof what, "%s %s killed by signal %d", prog, up ? "up" : "down",
                 exec_status_signal(r));
    } else {
        snprintf(what, sizeof what, "%s %s exited with status %d", prog, up ? "up" : "down", r);
    }
    xlog_err("PIF %s: %s", pif, what);
    free(prog);
    return sim_net_internal(what);
}

/* Generic pieces of the write methods. */

/* Commits "work" and returns the empty-string result XAPI gives void
 * methods, or the error. */
struct xr_value *sim_net_finish_void(struct sim_ctx *ctx, struct sim_db *work)
{
    return sim_txn_finish(ctx, work, xr_string(""));
}

struct xr_value *sim_net_finish_status(struct sim_ctx *ctx, struct sim_db *work, int r)
{
    /* sim_txn_finish() drops the working copy when there is no result. */
    return sim_txn_finish(ctx, work, r < 0 ? NULL : xr_string(""));
}

struct xr_value *sim_net_finish_ref(struct sim_ctx *ctx, struct sim_db *work, const char *ref)
{
    return sim_txn_finish(ctx, work, xr_string(ref));
}

/* Checks that params[1] is a ref of "cls" in the live store: NULL, or the
 * failure to return. */
struct xr_value *sim_net_check(struct sim_ctx *ctx, const struct xapi_class *cls,
                               const struct xr_value *params, size_t i, const char *name,
                               const char **ref)
{
    *ref = sim_arg_str(params, i);
    if (!*ref) {
        return sim_net_type_error(name);
    }
    if (!sim_db_get(ctx->db, cls, *ref)) {
        return sim_net_handle_invalid(cls->name, *ref);
    }
    return NULL;
}

/* Map fields: set_<f>, add_to_<f>, remove_from_<f>. */
static struct xr_value *map_set_all(struct sim_ctx *ctx, const struct xapi_class *cls,
                                    const struct xr_value *params, const char *field)
{
    const struct xr_value *map = xr_array_get(params, 2);
    struct xr_value *err, *v;
    struct sim_db *work;
    const char *self;
    int r;

    if ((err = sim_net_check(ctx, cls, params, 1, "self", &self))) {
        return err;
    }
    if (!sim_net_is_string_map(map)) {
        return sim_net_type_error("value");
    }
    v = xr_copy(map);
    if (!v || sim_txn_begin(ctx, &work) < 0) {
        xr_free(v);
        return NULL;
    }
    r = sim_db_set_field(work, cls, self, field, v);
    if (r < 0) {
        sim_db_free(work);
        return r == -ENOMEM ? NULL : sim_net_internal("cannot set the map");
    }
    return sim_net_finish_void(ctx, work);
}

static struct xr_value *map_add(struct sim_ctx *ctx, const struct xapi_class *cls,
                                const struct xr_value *params, const char *field)
{
    const char *self, *key = sim_arg_str(params, 2), *value = sim_arg_str(params, 3);
    const struct xr_value *map;
    struct xr_value *err;
    struct sim_db *work;

    if ((err = sim_net_check(ctx, cls, params, 1, "self", &self))) {
        return err;
    }
    if (!key || !value) {
        return sim_net_type_error(key ? "value" : "key");
    }
    map = xr_struct_get(sim_db_get(ctx->db, cls, self), field);
    if (xr_struct_get(map, key)) {
        return sim_failure("MAP_DUPLICATE_KEY", 4, cls->name, field, self, key);
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    return sim_net_finish_status(ctx, work, sim_map_put(work, cls, self, field, key, value));
}

static struct xr_value *map_remove(struct sim_ctx *ctx, const struct xapi_class *cls,
                                   const struct xr_value *params, const char *field)
{
    const char *self, *key = sim_arg_str(params, 2);
    struct xr_value *err;
    struct sim_db *work;

    if ((err = sim_net_check(ctx, cls, params, 1, "self", &self))) {
        return err;
    }
    if (!key) {
        return sim_net_type_error("key");
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    return sim_net_finish_status(ctx, work, sim_map_del(work, cls, self, field, key));
}

/* A string field setter: set_<field>(self, value). */
static struct xr_value *str_set(struct sim_ctx *ctx, const struct xapi_class *cls,
                                const struct xr_value *params, const char *field)
{
    const char *self, *value = sim_arg_str(params, 2);
    struct xr_value *err;
    struct sim_db *work;

    if ((err = sim_net_check(ctx, cls, params, 1, "self", &self))) {
        return err;
    }
    if (!value) {
        return sim_net_type_error("value");
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    return sim_net_finish_status(ctx, work, sim_set_str(work, cls, self, field, value));
}

#define MAP_METHODS(fn_prefix, cls, field)                                                         \
    static struct xr_value *fn_prefix##_set(struct sim_ctx *ctx, const struct xr_value *p)         \
    {                                                                                              \
        return map_set_all(ctx, cls, p, field);                                                    \
    }                                                                                              \
    static struct xr_value *fn_prefix##_add(struct sim_ctx *ctx, const struct xr_value *p)         \
    {                                                                                              \
        return map_add(ctx, cls, p, field);                                                        \
    }                                                                                              \
    static struct xr_value *fn_prefix##_remove(struct sim_ctx *ctx, const struct xr_value *p)      \
    {                                                                                              \
        return map_remove(ctx, cls, p, field);                                                     \
    }

MAP_METHODS(net_oc, C_NET, "other_config")
MAP_METHODS(pif_oc, C_PIF, "other_config")
MAP_METHODS(bond_oc, C_BOND, "other_config")
MAP_METHODS(vlan_oc, C_VLAN, "other_config")
MAP_METHODS(tunnel_oc, C_TUNNEL, "other_config")
MAP_METHODS(pool_oc, C_POOL, "other_config")
MAP_METHODS(host_oc, C_HOST, "other_config")

static struct xr_value *net_set_name_label(struct sim_ctx *ctx, const struct xr_value *p)
{
    return str_set(ctx, C_NET, p, "name_label");
}

static struct xr_value *net_set_name_description(struct sim_ctx *ctx, const struct xr_value *p)
{
    return str_set(ctx, C_NET, p, "name_description");
}

/* Helpers over the live store. */

const char *sim_net_host_ref(struct sim_ctx *ctx)
{
    return sim_seed_host_ref(ctx->db);
}

/* The PIF of "host" on network "net", or NULL. */
const char *sim_net_pif_on_network(const struct sim_db *db, const char *net, const char *host)
{
    for (size_t i = 0; i < sim_db_count(db, C_PIF); i++) {
        const char *ref = sim_db_ref_at(db, C_PIF, i);

        if (!strcmp(sim_rec_str(db, C_PIF, ref, "network"), net) &&
            !strcmp(sim_rec_str(db, C_PIF, ref, "host"), host)) {
            return ref;
        }
    }
    return NULL;
}

/* The first "<prefix><n>" that no PIF of the store uses as device, or
 * network as bridge. */
void sim_net_free_name(const struct sim_db *db, const char *prefix, bool bridge, char *out,
                       size_t size)
{
    for (unsigned n = 0;; n++) {
        bool used = false;

        snprintf(out, size, "%s%u", prefix, n);
        if (bridge) {
            for (size_t i = 0; i < sim_db_count(db, C_NET) && !used; i++) {
                const char *b =
                        xr_get_string(xr_struct_get(sim_db_record_at(db, C_NET, i), "bridge"));

                used = b && !strcmp(b, out);
            }
        } else {
            for (size_t i = 0; i < sim_db_count(db, C_PIF) && !used; i++) {
                const char *d =
                        xr_get_string(xr_struct_get(sim_db_record_at(db, C_PIF, i), "device"));

                used = d && !strcmp(d, out);
            }
        }
        if (!used) {
            return;
        }
    }
}

/* Adds a new virtual PIF to "work" and links it into its network and
 * host.  "pif" is the filled record (ref and uuid set by the caller). */
int sim_net_add_pif(struct sim_db *work, const struct xapi_pif *pif)
{
    int r = sim_db_insert_typed(work, C_PIF, pif);

    if (r == 0) {
        r = sim_set_add(work, C_NET, pif->network, "PIFs", pif->ref);
    }
    if (r == 0) {
        r = sim_set_add(work, C_HOST, pif->host, "PIFs", pif->ref);
    }
    return r;
}

int sim_net_remove_linked(struct sim_db *work, const struct xapi_class *cls, const char *ref,
                          const char *set, const struct xapi_class *owner_cls,
                          const char *owner_field)
{
    const char *net = sim_rec_str(work, cls, ref, "network");
    const char *owner = sim_rec_str(work, cls, ref, owner_field);
    int r = 0;

    if (sim_rec(work, C_NET, net)) {
        r = sim_set_remove(work, C_NET, net, set, ref);
    }
    if (r == 0 && sim_rec(work, owner_cls, owner)) {
        r = sim_set_remove(work, owner_cls, owner, set, ref);
    }
    return r == 0 ? sim_db_remove(work, cls, ref) : r;
}

int sim_net_remove_pif(struct sim_db *work, const char *pif)
{
    return sim_net_remove_linked(work, C_PIF, pif, "PIFs", C_HOST, "host");
}

/* A new virtual PIF record on "net" of the host, device "device", MAC
 * "mac"; refs and uuid filled.  Strings are borrowed, except the ref and
 * uuid buffers "ref"/"uuid". */
int sim_net_new_pif(struct sim_ctx *ctx, struct xapi_pif *p, char ref[48], char uuid[37],
                    const char *net, const char *device, const char *mac)
{
    int r = sim_db_new_ref(ref);

    if (r == 0) {
        r = sim_db_uuid(uuid);
    }
    memset(p, 0, sizeof *p);
    p->ref = ref;
    p->uuid = uuid;
    p->device = (char *)device;
    p->network = (char *)net;
    p->host = (char *)sim_net_host_ref(ctx);
    p->mac = (char *)mac;
    p->mtu = sim_rec_int(ctx->db, C_NET, net, "MTU");
    if (p->mtu <= 0) {
        p->mtu = 1500;
    }
    p->vlan = -1;
    p->ip_configuration_mode = "None";
    p->ipv6_configuration_mode = "None";
    p->primary_address_type = "IPv4";
    p->managed = true;
    return r;
}

/* network. */

static struct xr_value *network_create(struct sim_ctx *ctx, const struct xr_value *params)
{
    static const char *const strings[] = {"name_label", "name_description", "bridge",
                                          "default_locking_mode"};
    const struct xr_value *rec = xr_array_get(params, 1), *v;
    struct xapi_network net = {0};
    char ref[48], uuid[37], bridge[16];
    struct sim_db *work = NULL;
    int64_t mtu = 1500;
    int r;

    if (xr_type(rec) != XR_STRUCT) {
        return sim_net_type_error("args");
    }
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        v = xr_struct_get(rec, strings[i]);
        if (v && xr_type(v) != XR_STRING) {
            return sim_net_type_error(strings[i]);
        }
    }
    v = xr_struct_get(rec, "MTU");
    if (v && xr_get_int(v, &mtu) < 0) {
        return sim_net_type_error("MTU");
    }
    if (mtu < 68 || mtu > 65535) {
        char text[24];

        snprintf(text, sizeof text, "%" PRId64, mtu);
        return sim_failure("MTU_RANGE", 3, text, "68", "65535");
    }
    v = xr_struct_get(rec, "other_config");
    if (v && !sim_net_is_string_map(v)) {
        return sim_net_type_error("other_config");
    }
    net.other_config = (struct xapi_map){0};
    net.default_locking_mode = "unlocked";
    v = xr_struct_get(rec, "default_locking_mode");
    if (v && *xr_get_string(v)) {
        net.default_locking_mode = (char *)xr_get_string(v);
        if (strcmp(net.default_locking_mode, "unlocked") != 0 &&
            strcmp(net.default_locking_mode, "disabled") != 0) {
            return sim_failure("INVALID_VALUE", 2, "default_locking_mode",
                               net.default_locking_mode);
        }
    }
    v = xr_struct_get(rec, "bridge");
    if (v && *xr_get_string(v)) {
        const char *b = xr_get_string(v);

        /* XAPI reserves the xapi<N> names for the bridges it picks. */
        if (strlen(b) > 15 || !strncmp(b, "xapi", 4)) {
            return sim_failure("INVALID_VALUE", 2, "bridge", b);
        }
        for (size_t i = 0; i < sim_db_count(ctx->db, C_NET); i++) {
            const char *other =
                    xr_get_string(xr_struct_get(sim_db_record_at(ctx->db, C_NET, i), "bridge"));

            if (other && !strcmp(other, b)) {
                return sim_failure("BRIDGE_NAME_EXISTS", 1, b);
            }
        }
        snprintf(bridge, sizeof bridge, "%s", b);
    } else {
        sim_net_free_name(ctx->db, "xapi", true, bridge, sizeof bridge);
    }
    r = sim_db_new_ref(ref);
    if (r == 0) {
        r = sim_db_uuid(uuid);
    }
    if (r < 0) {
        return sim_net_internal("no random source");
    }
    net.ref = ref;
    net.uuid = uuid;
    net.bridge = bridge;
    net.mtu = mtu;
    net.managed = true;
    v = xr_struct_get(rec, "managed");
    if (v && xr_get_bool(v, &net.managed) < 0) {
        return sim_net_type_error("managed");
    }
    v = xr_struct_get(rec, "name_label");
    net.name_label = (char *)(v ? xr_get_string(v) : "");
    v = xr_struct_get(rec, "name_description");
    net.name_description = (char *)(v ? xr_get_string(v) : "");
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    r = sim_db_insert_typed(work, C_NET, &net);
    v = xr_struct_get(rec, "other_config");
    if (r == 0 && v) {
        struct xr_value *oc = xr_copy(v);

        r = oc ? sim_db_set_field(work, C_NET, ref, "other_config", oc) : -ENOMEM;
    }
    if (r < 0) {
        sim_db_free(work);
        return r == -ENOMEM ? NULL : sim_net_internal("cannot create the network");
    }
    xlog_info("network %s created: bridge %s", ref, bridge);
    return sim_net_finish_ref(ctx, work, ref);
}

static struct xr_value *network_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    const struct xr_value *pifs, *vifs;
    struct xr_value *err;
    struct sim_db *work;
    const char *self;

    if ((err = sim_net_check(ctx, C_NET, params, 1, "self", &self))) {
        return err;
    }
    pifs = xr_struct_get(sim_db_get(ctx->db, C_NET, self), "PIFs");
    vifs = xr_struct_get(sim_db_get(ctx->db, C_NET, self), "VIFs");
    if (xr_array_len(pifs)) {
        return sim_failure("NETWORK_CONTAINS_PIF", 1, xr_get_string(xr_array_get(pifs, 0)));
    }
    if (xr_array_len(vifs)) {
        return sim_failure("NETWORK_CONTAINS_VIF", 1, xr_get_string(xr_array_get(vifs, 0)));
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    if (sim_db_remove(work, C_NET, self) < 0) {
        sim_db_free(work);
        return sim_net_internal("cannot remove the network");
    }
    return sim_net_finish_void(ctx, work);
}

/* PIF plug and unplug. */

/* Plugs "pif" unless it is attached: interface-reconfigure up, then
 * currently_attached.  NULL on success, else the failure. */
struct xr_value *sim_net_plug(struct sim_ctx *ctx, const char *session, const char *pif, bool force)
{
    const struct xr_value *tunnels;
    struct xr_value *err;
    struct sim_db *work;
    int r;

    if (!force && sim_rec_bool(ctx->db, C_PIF, pif, "currently_attached")) {
        return NULL;
    }
    /* A tunnel needs its transport PIF configured and up (Xapi_pif.plug). */
    tunnels = xr_struct_get(sim_rec(ctx->db, C_PIF, pif), "tunnel_access_PIF_of");
    if (xr_array_len(tunnels)) {
        const char *transport =
                sim_rec_str(ctx->db, &xapi_class_tunnel, xr_get_string(xr_array_get(tunnels, 0)),
                            "transport_PIF");
        char t[48];

        if (transport &&
            !strcmp(sim_rec_str(ctx->db, C_PIF, transport, "ip_configuration_mode"), "None")) {
            return sim_failure("TRANSPORT_PIF_NOT_CONFIGURED", 1, transport);
        }
        if (transport) {
            snprintf(t, sizeof t, "%s", transport);
            err = sim_net_plug(ctx, session, t, false);
            if (err) {
                return err;
            }
        }
    }
    err = sim_net_reconfigure(ctx, session, pif, true,
                              sim_rec_bool(ctx->db, C_PIF, pif, "management"));
    if (err) {
        return err;
    }
    if (!sim_db_get(ctx->db, C_PIF, pif)) {
        /* Destroyed by a call made while the program ran. */
        return NULL;
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return sim_net_internal("out of memory");
    }
    r = sim_set_bool(work, C_PIF, pif, "currently_attached", true);
    if (r == 0) {
        r = sim_txn_commit(ctx, work);
    } else {
        sim_db_free(work);
    }
    return r < 0 ? sim_net_internal("cannot save the state file") : NULL;
}

struct xr_value *sim_net_unplug(struct sim_ctx *ctx, const char *session, const char *pif)
{
    struct xr_value *err;
    struct sim_db *work;
    int r;

    if (!sim_rec_bool(ctx->db, C_PIF, pif, "currently_attached")) {
        return NULL;
    }
    err = sim_net_reconfigure(ctx, session, pif, false, false);
    if (err) {
        return err;
    }
    if (!sim_db_get(ctx->db, C_PIF, pif)) {
        return NULL;
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return sim_net_internal("out of memory");
    }
    r = sim_set_bool(work, C_PIF, pif, "currently_attached", false);
    if (r == 0) {
        r = sim_txn_commit(ctx, work);
    } else {
        sim_db_free(work);
    }
    return r < 0 ? sim_net_internal("cannot save the state file") : NULL;
}

bool sim_net_ok(const struct xr_value *env)
{
    const char *status = xr_get_string(xr_struct_get(env, "Status"));

    return status && !strcmp(status, "Success");
}

struct xr_value *sim_net_void_or(struct xr_value *err)
{
    return err ? err : sim_success(xr_string(""));
}

static struct xr_value *pif_plug(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err;
    const char *self;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "self", &self))) {
        return err;
    }
    if (sim_ref_set(sim_rec_str(ctx->db, C_PIF, self, "bond_slave_of"))) {
        return sim_failure("CANNOT_PLUG_BOND_SLAVE", 1, self);
    }
    return sim_net_void_or(sim_net_plug(ctx, sim_arg_str(params, 0), self, false));
}

struct xr_value *sim_net_unplug_checks(struct sim_ctx *ctx, const char *pif)
{
    const char *net = sim_rec_str(ctx->db, C_PIF, pif, "network");
    const struct xr_value *vifs = xr_struct_get(sim_rec(ctx->db, C_NET, net), "VIFs");

    if (sim_rec_bool(ctx->db, C_PIF, pif, "management")) {
        return sim_failure("PIF_IS_MANAGEMENT_IFACE", 1, pif);
    }
    /* Guests still plugged into the bridge keep it. */
    for (size_t i = 0; i < xr_array_len(vifs); i++) {
        const char *vif = xr_get_string(xr_array_get(vifs, i));

        if (sim_rec_bool(ctx->db, &xapi_class_vif, vif, "currently_attached")) {
            return sim_failure("VIF_IN_USE", 2, net, vif);
        }
    }
    if (sim_rec_bool(ctx->db, C_PIF, pif, "disallow_unplug")) {
        return sim_failure("PIF_DOES_NOT_ALLOW_UNPLUG", 1, pif);
    }
    return NULL;
}

static struct xr_value *pif_unplug(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err;
    const char *self;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "self", &self)) ||
        (err = sim_net_unplug_checks(ctx, self))) {
        return err;
    }
    return sim_net_void_or(sim_net_unplug(ctx, sim_arg_str(params, 0), self));
}

/* Whether "s" is an address of the family AF_INET6 ("v6") or AF_INET. */
static bool is_family(const char *s, bool v6)
{
    unsigned char buf[16];

    return inet_pton(v6 ? AF_INET6 : AF_INET, s, buf) == 1;
}

/* Appends to "out" the comma-separated entries of "list" that are addresses
 * of one family, as XAPI's restrict_to keeps them. */
static void restrict_to(struct sbuf *out, const char *list, bool v6)
{
    char *copy = strdup(list ? list : ""), *save = NULL;

    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
        if (is_family(t, v6)) {
            sbuf_addf(out, "%s%s", out->len ? "," : "", t);
        }
    }
    free(copy);
}

/* The DNS field after a reconfiguration of one family: the new servers of
 * that family from "dns", then the old servers of the other family. */
static char *merged_dns(const char *dns, const char *old, bool v6)
{
    struct sbuf out = SBUF_INIT;
    char *text = NULL;

    restrict_to(&out, dns, v6);
    restrict_to(&out, old, !v6);
    if (!sbuf_error(&out)) {
        text = strdup(sbuf_str(&out));
    }
    sbuf_free(&out);
    return text;
}

/* After a reconfiguration, XAPI brings an attached PIF up again. */
static struct xr_value *reapply(struct sim_ctx *ctx, const struct xr_value *params,
                                const char *self, struct xr_value *res)
{
    if (sim_net_ok(res) && sim_rec_bool(ctx->db, C_PIF, self, "currently_attached")) {
        struct xr_value *e = sim_net_plug(ctx, sim_arg_str(params, 0), self, true);

        if (e) {
            xr_free(res);
            return e;
        }
    }
    return res;
}

/* PIF.reconfigure_ip(self, mode, IP, netmask, gateway, DNS), as XAPI's
 * Xapi_pif.reconfigure_ip: addresses are checked when given (IP and
 * netmask required for Static), stored as given, and DNS keeps the IPv4
 * servers given plus the IPv6 ones it had. */
static struct xr_value *pif_reconfigure_ip(struct sim_ctx *ctx, const struct xr_value *params)
{
    static const char *const names[] = {"mode", "IP", "netmask", "gateway", "DNS"};
    static const char *const fields[] = {"ip_configuration_mode", "IP", "netmask", "gateway"};
    const char *self, *a[5];
    struct xr_value *err;
    struct sim_db *work;
    char *dns;
    int r = 0;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "self", &self))) {
        return err;
    }
    for (size_t i = 0; i < 5; i++) {
        a[i] = sim_arg_str(params, i + 2);
        if (!a[i]) {
            return sim_net_type_error(names[i]);
        }
    }
    if (strcmp(a[0], "None") != 0 && strcmp(a[0], "DHCP") != 0 && strcmp(a[0], "Static") != 0) {
        return sim_failure("INVALID_VALUE", 2, "mode", a[0]);
    }
    if (!strcmp(a[0], "Static")) {
        if (!sim_net_valid_ipv4(a[1])) {
            return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, "IP");
        }
        if (!sim_net_valid_ipv4(a[2])) {
            return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, "netmask");
        }
    }
    for (size_t i = 1; i < 4; i++) {
        if (*a[i] && !sim_net_valid_ipv4(a[i])) {
            return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, names[i]);
        }
    }
    if (sim_rec_bool(ctx->db, C_PIF, self, "management") && !strcmp(a[0], "None") &&
        !strcmp(sim_rec_str(ctx->db, C_PIF, self, "primary_address_type"), "IPv4")) {
        return sim_failure("PIF_IS_MANAGEMENT_IFACE", 1, self);
    }
    dns = merged_dns(a[4], sim_rec_str(ctx->db, C_PIF, self, "DNS"), false);
    if (!dns || sim_txn_begin(ctx, &work) < 0) {
        free(dns);
        return NULL;
    }
    for (size_t i = 0; i < 4 && r == 0; i++) {
        r = sim_set_str(work, C_PIF, self, fields[i], a[i]);
    }
    if (r == 0) {
        r = sim_set_str(work, C_PIF, self, "DNS", dns);
    }
    free(dns);
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    return reapply(ctx, params, self, sim_net_finish_void(ctx, work));
}

/* PIF.reconfigure_ipv6(self, mode, IPv6, gateway, DNS), as XAPI's. */
static struct xr_value *pif_reconfigure_ipv6(struct sim_ctx *ctx, const struct xr_value *params)
{
    static const char *const names[] = {"mode", "IPv6", "gateway", "DNS"};
    const char *self, *a[4];
    struct xr_value *err, *set;
    struct sim_db *work;
    char *dns;
    int r;

    if ((err = sim_net_check(ctx, C_PIF, params, 1, "self", &self))) {
        return err;
    }
    for (size_t i = 0; i < 4; i++) {
        a[i] = sim_arg_str(params, i + 2);
        if (!a[i]) {
            return sim_net_type_error(names[i]);
        }
    }
    if (strcmp(a[0], "None") != 0 && strcmp(a[0], "DHCP") != 0 && strcmp(a[0], "Static") != 0 &&
        strcmp(a[0], "Autoconf") != 0) {
        return sim_failure("INVALID_VALUE", 2, "mode", a[0]);
    }
    if (*a[2] && !is_family(a[2], true)) {
        return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, "gateway");
    }
    if (*a[1] && !valid_ipv6_cidr(a[1])) {
        return sim_failure("INVALID_CIDR_ADDRESS_SPECIFIED", 1, "IPv6");
    }
    if (sim_rec_bool(ctx->db, C_PIF, self, "management") && !strcmp(a[0], "None") &&
        !strcmp(sim_rec_str(ctx->db, C_PIF, self, "primary_address_type"), "IPv6")) {
        return sim_failure("PIF_IS_MANAGEMENT_IFACE", 1, self);
    }
    dns = merged_dns(a[3], sim_rec_str(ctx->db, C_PIF, self, "DNS"), true);
    set = xr_array();
    /* XAPI stores the one address given, even an empty one. */
    if (!dns || !set || xr_array_append(set, xr_string(a[1])) < 0 ||
        sim_txn_begin(ctx, &work) < 0) {
        free(dns);
        xr_free(set);
        return NULL;
    }
    r = sim_db_set_field(work, C_PIF, self, "IPv6", set);
    if (r == 0) {
        r = sim_set_str(work, C_PIF, self, "ipv6_configuration_mode", a[0]);
    }
    if (r == 0) {
        r = sim_set_str(work, C_PIF, self, "ipv6_gateway", a[2]);
    }
    if (r == 0) {
        r = sim_set_str(work, C_PIF, self, "DNS", dns);
    }
    free(dns);
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    return reapply(ctx, params, self, sim_net_finish_void(ctx, work));
}

const struct sim_method sim_net_methods[] = {
        {"network", "create", 1, network_create},
        {"network", "destroy", 1, network_destroy},
        {"network", "set_other_config", 2, net_oc_set},
        {"network", "add_to_other_config", 3, net_oc_add},
        {"network", "remove_from_other_config", 2, net_oc_remove},
        {"network", "set_name_label", 2, net_set_name_label},
        {"network", "set_name_description", 2, net_set_name_description},
        {"PIF", "set_other_config", 2, pif_oc_set},
        {"PIF", "add_to_other_config", 3, pif_oc_add},
        {"PIF", "remove_from_other_config", 2, pif_oc_remove},
        {"PIF", "plug", 1, pif_plug},
        {"PIF", "unplug", 1, pif_unplug},
        {"PIF", "reconfigure_ip", 6, pif_reconfigure_ip},
        {"PIF", "reconfigure_ipv6", 5, pif_reconfigure_ipv6},
        {"VLAN", "set_other_config", 2, vlan_oc_set},
        {"VLAN", "add_to_other_config", 3, vlan_oc_add},
        {"VLAN", "remove_from_other_config", 2, vlan_oc_remove},
        {"Bond", "set_other_config", 2, bond_oc_set},
        {"Bond", "add_to_other_config", 3, bond_oc_add},
        {"Bond", "remove_from_other_config", 2, bond_oc_remove},
        {"tunnel", "set_other_config", 2, tunnel_oc_set},
        {"tunnel", "add_to_other_config", 3, tunnel_oc_add},
        {"tunnel", "remove_from_other_config", 2, tunnel_oc_remove},
        {"pool", "set_other_config", 2, pool_oc_set},
        {"pool", "add_to_other_config", 3, pool_oc_add},
        {"pool", "remove_from_other_config", 2, pool_oc_remove},
        {"host", "set_other_config", 2, host_oc_set},
        {"host", "add_to_other_config", 3, host_oc_add},
        {"host", "remove_from_other_config", 2, host_oc_remove},
        {NULL, NULL, 0, NULL},
};
