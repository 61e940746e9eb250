/* interface-reconfigure's model: loading from XAPI or the dbcache, and the
 * derived names of spec §1.5. */
#include "ir_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records.h"
#include "xapi.h"

void ir_model_init(struct ir_model *m)
{
    dbcache_init(&m->db);
}

void ir_model_clear(struct ir_model *m)
{
    if (m) {
        dbcache_clear(&m->db);
    }
}

int ir_model_load_cache(struct ir_model *m, const char *path)
{
    xlog_info("Loading xapi database cache from %s", path);
    dbcache_clear(&m->db);
    return dbcache_read(path, &m->db);
}

static bool is_null_ref(const char *ref)
{
    return !ref || !*ref || !strcmp(ref, XAPI_NULL_REF);
}

/* Keeps only the keys of "mp" for which keep() holds. */
static void map_filter(struct xapi_map *mp, int (*keep)(const char *))
{
    size_t j = 0;

    for (size_t i = 0; i < mp->n; i++) {
        if (keep(mp->keys[i])) {
            mp->keys[j] = mp->keys[i];
            mp->values[j] = mp->values[i];
            j++;
        } else {
            free(mp->keys[i]);
            free(mp->values[i]);
        }
    }
    mp->n = j;
}

static int pool_key_kept(const char *key)
{
    return !strcmp(key, "vswitch-controller-fail-mode");
}

/* Removes from "list" (records of its class) those for which keep() fails. */
static void list_filter(struct xapi_record_list *list, bool (*keep)(const void *, const void *),
                        const void *arg)
{
    size_t sz = list->cls->size;
    size_t j = 0;
    char *items = list->items;

    for (size_t i = 0; i < list->n; i++) {
        void *rec = items + i * sz;
        if (keep(rec, arg)) {
            if (i != j) {
                memcpy(items + j * sz, rec, sz);
            }
            j++;
        } else {
            xapi_record_clear(list->cls, rec);
        }
    }
    list->n = j;
}

static bool pif_on_host(const void *rec, const void *host)
{
    const struct xapi_pif *p = rec;
    return p->host && !strcmp(p->host, host);
}

static bool local_ref(const struct ir_model *m, const char *ref)
{
    return !is_null_ref(ref) && ir_pif(m, ref) != NULL;
}

static bool tunnel_local(const void *rec, const void *m)
{
    return local_ref(m, ((const struct xapi_tunnel *)rec)->transport_pif);
}

static bool vlan_local(const void *rec, const void *m)
{
    return local_ref(m, ((const struct xapi_vlan *)rec)->untagged_pif);
}

static bool bond_local(const void *rec, const void *m)
{
    return local_ref(m, ((const struct xapi_bond *)rec)->master);
}

int ir_model_load_xapi(struct ir_model *m, struct xapi_session *s, const char *host_ref)
{
    struct dbcache *db = &m->db;
    int r;

    dbcache_clear(db);
    r = xapi_get_all_records(s, &xapi_class_pif, &db->pifs);
    if (r < 0) {
        goto out;
    }
    list_filter(&db->pifs, pif_on_host, host_ref);
    r = xapi_get_all_records(s, &xapi_class_pool, &db->pools);
    if (r < 0) {
        goto out;
    }
    r = xapi_get_all_records(s, &xapi_class_tunnel, &db->tunnels);
    if (r < 0) {
        goto out;
    }
    list_filter(&db->tunnels, tunnel_local, m);
    r = xapi_get_all_records(s, &xapi_class_vlan, &db->vlans);
    if (r < 0) {
        goto out;
    }
    list_filter(&db->vlans, vlan_local, m);
    r = xapi_get_all_records(s, &xapi_class_bond, &db->bonds);
    if (r < 0) {
        goto out;
    }
    list_filter(&db->bonds, bond_local, m);
    r = xapi_get_all_records(s, &xapi_class_network, &db->networks);
    if (r < 0) {
        goto out;
    }
    /* Keep what the cache keeps, so that the XAPI and dbcache paths see the
     * same model and saving logs no "Unknown other-config attribute". */
    for (size_t i = 0; i < db->pifs.n; i++) {
        map_filter(&XAPI_LIST_ITEM(&db->pifs, struct xapi_pif, i)->other_config,
                   dbcache_pif_key_kept);
    }
    for (size_t i = 0; i < db->pools.n; i++) {
        map_filter(&XAPI_LIST_ITEM(&db->pools, struct xapi_pool, i)->other_config, pool_key_kept);
    }
    for (size_t i = 0; i < db->networks.n; i++) {
        struct xapi_network *n = XAPI_LIST_ITEM(&db->networks, struct xapi_network, i);
        size_t j = 0;

        map_filter(&n->other_config, dbcache_network_key_kept);
        for (size_t k = 0; k < n->pifs.n; k++) {
            if (ir_pif(m, n->pifs.v[k])) {
                n->pifs.v[j++] = n->pifs.v[k];
            } else {
                free(n->pifs.v[k]);
            }
        }
        n->pifs.n = j;
    }
out:
    if (r < 0) {
        xlog_err("Failed to read the network configuration from XAPI");
        dbcache_clear(db);
    }
    return r;
}

const struct xapi_pif *ir_pif(const struct ir_model *m, const char *ref)
{
    if (is_null_ref(ref)) {
        return NULL;
    }
    return xapi_record_list_find_ref(&m->db.pifs, ref);
}

const struct xapi_network *ir_pif_network(const struct ir_model *m, const struct xapi_pif *p)
{
    if (!p || is_null_ref(p->network)) {
        return NULL;
    }
    return xapi_record_list_find_ref(&m->db.networks, p->network);
}

const struct xapi_pif *ir_management_pif(const struct ir_model *m)
{
    for (size_t i = 0; i < m->db.pifs.n; i++) {
        const struct xapi_pif *p = XAPI_LIST_ITEM(&m->db.pifs, struct xapi_pif, i);
        if (p->management) {
            return p;
        }
    }
    return NULL;
}

int ir_pif_by_bridge(const struct ir_model *m, const char *bridge, const struct xapi_pif **out)
{
    const struct xapi_pif *answer = NULL;
    bool found = false;

    *out = NULL;
    for (size_t i = 0; i < m->db.networks.n; i++) {
        const struct xapi_network *n = XAPI_LIST_ITEM(&m->db.networks, struct xapi_network, i);
        if (!n->bridge || strcmp(n->bridge, bridge)) {
            continue;
        }
        found = true;
        for (size_t k = 0; k < n->pifs.n; k++) {
            const struct xapi_pif *p = ir_pif(m, n->pifs.v[k]);
            if (!p) {
                continue;
            }
            if (answer) {
                xlog_err("Multiple PIFs on host for network %s", bridge);
                return -EINVAL;
            }
            answer = p;
        }
    }
    if (!found) {
        xlog_err("No matching network \"%s\"", bridge);
        return -ENOENT;
    }
    if (!answer) {
        xlog_err("No PIF on host for network %s", bridge);
        return -ENOENT;
    }
    *out = answer;
    return 0;
}

bool ir_pif_is_vlan(const struct xapi_pif *p)
{
    return p->vlan != -1;
}

bool ir_pif_is_bond(const struct xapi_pif *p)
{
    return p->bond_master_of.n > 0;
}

bool ir_pif_is_tunnel(const struct xapi_pif *p)
{
    return p->tunnel_access_pif_of.n > 0;
}

int ir_netdev(const struct xapi_pif *p, char buf[IR_NAME_MAX])
{
    int n;

    if (ir_pif_is_vlan(p)) {
        n = snprintf(buf, IR_NAME_MAX, "%s.%lld", p->device ? p->device : "", (long long)p->vlan);
    } else {
        n = snprintf(buf, IR_NAME_MAX, "%s", p->device ? p->device : "");
    }
    if (n < 0 || n >= IR_NAME_MAX) {
        xlog_err("PIF %s: device name too long", p->uuid ? p->uuid : "?");
        return -ENAMETOOLONG;
    }
    return 0;
}

const char *ir_bridge(const struct ir_model *m, const struct xapi_pif *p)
{
    const struct xapi_network *n = ir_pif_network(m, p);

    return n && n->bridge && *n->bridge ? n->bridge : NULL;
}

int ir_ipdev(const struct ir_model *m, const struct xapi_pif *p, char buf[IR_NAME_MAX])
{
    const char *br = ir_bridge(m, p);

    if (br) {
        if (strlen(br) >= IR_NAME_MAX) {
            return -ENAMETOOLONG;
        }
        strcpy(buf, br);
        return 0;
    }
    return ir_netdev(p, buf);
}

int ir_pifv_add(struct ir_pifv *v, const struct xapi_pif *p)
{
    if (ir_pifv_has(v, p)) {
        return 0;
    }
    if (v->n >= IR_PIFV_MAX) {
        xlog_err("Too many PIFs");
        return -E2BIG;
    }
    v->v[v->n++] = p;
    return 0;
}

bool ir_pifv_has(const struct ir_pifv *v, const struct xapi_pif *p)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->v[i] == p) {
            return true;
        }
    }
    return false;
}

int ir_bond_slaves(const struct ir_model *m, const struct xapi_pif *p, struct ir_pifv *out)
{
    const struct xapi_bond *b;
    int r;

    out->n = 0;
    if (p->bond_master_of.n == 0) {
        return 0;
    }
    if (p->bond_master_of.n > 1) {
        xlog_err("Bond %s has more than one master", p->device ? p->device : "?");
        return -EINVAL;
    }
    b = xapi_record_list_find_ref(&m->db.bonds, p->bond_master_of.v[0]);
    if (!b) {
        return 0;
    }
    for (size_t i = 0; i < b->slaves.n; i++) {
        const struct xapi_pif *s = ir_pif(m, b->slaves.v[i]);
        if (s && (r = ir_pifv_add(out, s)) < 0) {
            return r;
        }
    }
    return 0;
}

int ir_bond_masters(const struct ir_model *m, const struct xapi_pif *p, struct ir_pifv *out)
{
    const struct xapi_bond *b;

    out->n = 0;
    if (is_null_ref(p->bond_slave_of)) {
        return 0;
    }
    b = xapi_record_list_find_ref(&m->db.bonds, p->bond_slave_of);
    if (b && ir_pif(m, b->master)) {
        return ir_pifv_add(out, ir_pif(m, b->master));
    }
    return 0;
}

const struct xapi_pif *ir_vlan_slave(const struct ir_model *m, const struct xapi_pif *p)
{
    const struct xapi_vlan *v;

    if (is_null_ref(p->vlan_master_of)) {
        return NULL;
    }
    v = xapi_record_list_find_ref(&m->db.vlans, p->vlan_master_of);
    return v ? ir_pif(m, v->tagged_pif) : NULL;
}

int ir_vlan_masters(const struct ir_model *m, const struct xapi_pif *p, struct ir_pifv *out)
{
    int r;

    out->n = 0;
    for (size_t i = 0; i < p->vlan_slave_of.n; i++) {
        const struct xapi_vlan *v = xapi_record_list_find_ref(&m->db.vlans, p->vlan_slave_of.v[i]);
        const struct xapi_pif *u = v ? ir_pif(m, v->untagged_pif) : NULL;
        if (u && (r = ir_pifv_add(out, u)) < 0) {
            return r;
        }
    }
    return 0;
}

const struct xapi_pif *ir_datapath(const struct ir_model *m, const struct xapi_pif *p)
{
    /* A VLAN of a VLAN is not a thing XAPI makes; the depth bound keeps a
     * corrupt cache with a VLAN loop from recursing for ever. */
    for (int depth = 0; p && depth < 8; depth++) {
        if (ir_pif_is_vlan(p)) {
            p = ir_vlan_slave(m, p);
            continue;
        }
        return ir_bridge(m, p) ? p : NULL;
    }
    return NULL;
}

int ir_physical(const struct ir_model *m, const struct xapi_pif *dp, struct ir_pifv *out)
{
    out->n = 0;
    if (ir_pif_is_tunnel(dp)) {
        return 0;
    }
    if (ir_pif_is_bond(dp)) {
        return ir_bond_slaves(m, dp, out);
    }
    return ir_pifv_add(out, dp);
}

void ir_mtu_setting(const struct ir_model *m, const char *network_ref, const char *kind,
                    const struct xapi_map *oc, unsigned *mtu)
{
    const struct xapi_network *n =
            is_null_ref(network_ref) ? NULL
                                     : xapi_record_list_find_ref(&m->db.networks, network_ref);
    const char *v = oc ? xapi_map_get(oc, "mtu") : NULL;
    char *end;
    long val;

    *mtu = n && n->mtu > 0 ? (unsigned)n->mtu : 1500;
    if (!v) {
        return;
    }
    xlog_info("Override Network.MTU setting on bridge %s from %s.MTU is %s",
              n && n->bridge ? n->bridge : "", kind, v);
    errno = 0;
    val = strtol(v, &end, 10);
    if (errno || end == v || *end || val <= 0 || val > 65535) {
        xlog_info("Invalid value for mtu = %s", v);
        *mtu = 0;
        return;
    }
    *mtu = (unsigned)val;
}

static int on_off(const char *v)
{
    if (!strcmp(v, "true") || !strcmp(v, "on")) {
        return 1;
    }
    if (!strcmp(v, "false") || !strcmp(v, "off")) {
        return 0;
    }
    return -1;
}

void ir_ethtool_settings(const struct xapi_map *oc, bool phys_defaults, struct ir_ethtool *out)
{
    static const char *const offloads[] = {"rx", "tx", "sg", "tso", "ufo", "gso", "gro", "lro"};
    const char *v;

    memset(out, 0, sizeof(*out));
    if ((v = xapi_map_get(oc, "ethtool-speed"))) {
        if (!strcmp(v, "10") || !strcmp(v, "100") || !strcmp(v, "1000")) {
            out->settings[out->n_settings++] = "speed";
            out->settings[out->n_settings++] = v;
        } else {
            xlog_info("Invalid value for ethtool-speed = %s. Must be 10|100|1000.", v);
        }
    }
    if ((v = xapi_map_get(oc, "ethtool-duplex"))) {
        if (!strcmp(v, "half") || !strcmp(v, "full")) {
            out->settings[out->n_settings++] = "duplex";
            out->settings[out->n_settings++] = v;
        } else {
            xlog_info("Invalid value for ethtool-duplex = %s. Must be half|full.", v);
        }
    }
    if ((v = xapi_map_get(oc, "ethtool-autoneg"))) {
        int b = on_off(v);
        if (b >= 0) {
            out->settings[out->n_settings++] = "autoneg";
            out->settings[out->n_settings++] = b ? "on" : "off";
        } else {
            xlog_info("Invalid value for ethtool-autoneg = %s. Must be on|true|off|false.", v);
        }
    }
    for (size_t i = 0; i < sizeof(offloads) / sizeof(offloads[0]); i++) {
        char key[32];
        int b;

        snprintf(key, sizeof(key), "ethtool-%s", offloads[i]);
        v = xapi_map_get(oc, key);
        if (!v && phys_defaults && (!strcmp(offloads[i], "gro") || !strcmp(offloads[i], "lro"))) {
            v = "off";
        }
        if (!v) {
            continue;
        }
        b = on_off(v);
        if (b < 0) {
            xlog_info("Invalid value for ethtool-%s = %s. Must be on|true|off|false.", offloads[i],
                      v);
            continue;
        }
        out->offload[out->n_offload].name = offloads[i];
        out->offload[out->n_offload].on = b;
        out->n_offload++;
    }
}
