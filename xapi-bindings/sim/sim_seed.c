/* Seeding xvs-xapi-sim's store: the host's own objects and those of a
 * network.dbcache; see sim_seed.h.
 *
 * The cached records are typed (struct xapi_pif ...).  Each object is built
 * as a typed record that borrows the cached strings, completed with what
 * XAPI derives, and inserted with sim_db_insert_typed(), which copies. */
#include "sim_seed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbcache.h"
#include "records.h"
#include "sim_db.h"

#define SIM_SEED_DEFAULT_MTU 1500

/* Refs and uuids made up for objects the cache does not name. */
struct seed_ids {
    char host_ref[48];
    char uuid_buf[37];
    const char *host_uuid; /* The caller's, or uuid_buf. */
};

/* Inserts a typed record and describes a failure. */
static int seed_insert(struct sim_db *db, const struct xapi_class *cls, const void *rec, char *err,
                       size_t errlen)
{
    const char *ref = *(char *const *)rec;
    int r = sim_db_insert_typed(db, cls, rec);

    if (r == -EEXIST) {
        sim_set_err(err, errlen, "%s %s: duplicate ref or uuid", cls->name, ref ? ref : "");
    } else if (r == -EINVAL) {
        sim_set_err(err, errlen, "%s %s: incomplete record (no ref or uuid)", cls->name,
                    ref ? ref : "");
    } else if (r < 0) {
        sim_set_err(err, errlen, "%s %s: %s", cls->name, ref ? ref : "", strerror(-r));
    }
    return r;
}

static bool ref_set(const char *ref)
{
    return ref && *ref && strcmp(ref, XAPI_NULL_REF) != 0;
}

/* A PIF is a NIC unless it is a bond master, a VLAN PIF or a tunnel
 * access PIF, which XAPI creates as virtual PIFs. */
static bool pif_is_physical(const struct xapi_pif *p)
{
    return p->bond_master_of.n == 0 && p->vlan < 0 && !ref_set(p->vlan_master_of) &&
           p->tunnel_access_pif_of.n == 0;
}

static const char *or_default(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

static int seed_pifs(struct sim_db *db, const struct dbcache *cache, const char *host_ref,
                     char *err, size_t errlen)
{
    int r = 0;

    for (size_t i = 0; i < cache->pifs.n && r == 0; i++) {
        const struct xapi_pif *src = XAPI_LIST_ITEM(&cache->pifs, struct xapi_pif, i);
        const struct xapi_network *net = xapi_record_list_find_ref(&cache->networks, src->network);
        struct xapi_pif_metrics m = {0};
        struct xapi_pif p = *src; /* Borrows the cached strings. */
        char metrics_ref[48], metrics_uuid[37];

        r = sim_db_new_ref(metrics_ref);
        if (r == 0) {
            r = sim_db_uuid(metrics_uuid);
        }
        if (r < 0) {
            sim_set_err(err, errlen, "no random source: %s", strerror(-r));
            break;
        }
        p.host = (char *)host_ref;
        p.physical = pif_is_physical(src);
        /* The cache stores currently_attached but it is never trusted. */
        p.currently_attached = false;
        p.mtu = net && net->mtu > 0 ? net->mtu : SIM_SEED_DEFAULT_MTU;
        p.metrics = metrics_ref;
        p.managed = true;
        p.ip_configuration_mode = (char *)or_default(src->ip_configuration_mode, "None");
        p.ipv6_configuration_mode = (char *)or_default(src->ipv6_configuration_mode, "None");
        p.primary_address_type = (char *)or_default(src->primary_address_type, "IPv4");
        p.bond_slave_of = (char *)or_default(src->bond_slave_of, XAPI_NULL_REF);
        p.vlan_master_of = (char *)or_default(src->vlan_master_of, XAPI_NULL_REF);
        r = seed_insert(db, &xapi_class_pif, &p, err, errlen);
        if (r < 0) {
            break;
        }
        m.ref = metrics_ref;
        m.uuid = metrics_uuid;
        r = seed_insert(db, &xapi_class_pif_metrics, &m, err, errlen);
    }
    return r;
}

static const struct xapi_vlan *vlan_of_untagged(const struct dbcache *cache, const char *pif_ref)
{
    for (size_t i = 0; i < cache->vlans.n; i++) {
        const struct xapi_vlan *v = XAPI_LIST_ITEM(&cache->vlans, struct xapi_vlan, i);

        if (v->untagged_pif && !strcmp(v->untagged_pif, pif_ref)) {
            return v;
        }
    }
    return NULL;
}

/* The name XAPI gives the network of a NIC or of a VLAN on one, or NULL. */
static char *network_name(const struct dbcache *cache, const struct xapi_network *net)
{
    char *name = NULL;

    for (size_t i = 0; i < net->pifs.n && !name; i++) {
        const struct xapi_pif *p = xapi_record_list_find_ref(&cache->pifs, net->pifs.v[i]);
        const struct xapi_vlan *v;
        const struct xapi_pif *tagged;

        if (!p || !p->device) {
            continue;
        }
        if (pif_is_physical(p)) {
            if (asprintf(&name, "Pool-wide network associated with %s", p->device) < 0) {
                return NULL;
            }
            return name;
        }
        v = vlan_of_untagged(cache, p->ref);
        tagged = v ? xapi_record_list_find_ref(&cache->pifs, v->tagged_pif) : NULL;
        if (tagged && tagged->device && p->vlan >= 0) {
            if (asprintf(&name, "Pool-wide network associated with %s on VLAN%lld", tagged->device,
                         (long long)p->vlan) < 0) {
                return NULL;
            }
            return name;
        }
    }
    return NULL;
}

static int seed_networks(struct sim_db *db, const struct dbcache *cache, char *err, size_t errlen)
{
    unsigned unnamed = 0;
    int r = 0;

    for (size_t i = 0; i < cache->networks.n && r == 0; i++) {
        const struct xapi_network *src = XAPI_LIST_ITEM(&cache->networks, struct xapi_network, i);
        struct xapi_network n = *src;
        char *name = network_name(cache, src);

        if (!name && asprintf(&name, "Network %u", unnamed++) < 0) {
            sim_set_err(err, errlen, "out of memory");
            return -ENOMEM;
        }
        n.name_label = name;
        n.name_description = (char *)or_default(src->name_description, "");
        n.mtu = src->mtu > 0 ? src->mtu : SIM_SEED_DEFAULT_MTU;
        n.managed = true;
        n.default_locking_mode = (char *)or_default(src->default_locking_mode, "unlocked");
        r = seed_insert(db, &xapi_class_network, &n, err, errlen);
        free(name);
    }
    return r;
}

static int seed_bonds(struct sim_db *db, const struct dbcache *cache, char *err, size_t errlen)
{
    int r = 0;

    for (size_t i = 0; i < cache->bonds.n && r == 0; i++) {
        const struct xapi_bond *src = XAPI_LIST_ITEM(&cache->bonds, struct xapi_bond, i);
        const struct xapi_pif *master = xapi_record_list_find_ref(&cache->pifs, src->master);
        const struct xapi_map *oc = master ? &master->other_config : NULL;
        const char *hashing = oc ? xapi_map_get(oc, "bond-hashing-algorithm") : NULL;
        struct xapi_bond b = *src;

        /* interface-reconfigure configures bonds from the master's bond-*
         * keys; the Bond object mirrors them. */
        b.mode = (char *)or_default(oc ? xapi_map_get(oc, "bond-mode") : NULL, "balance-slb");
        b.primary_slave = (char *)or_default(src->primary_slave,
                                             src->slaves.n ? src->slaves.v[0] : XAPI_NULL_REF);
        memset(&b.properties, 0, sizeof b.properties);
        if (hashing && xapi_map_set(&b.properties, "hashing_algorithm", hashing) < 0) {
            sim_set_err(err, errlen, "out of memory");
            return -ENOMEM;
        }
        b.links_up = 0;
        r = seed_insert(db, &xapi_class_bond, &b, err, errlen);
        xapi_map_clear(&b.properties);
    }
    return r;
}

static int seed_vlans(struct sim_db *db, const struct dbcache *cache, char *err, size_t errlen)
{
    int r = 0;

    for (size_t i = 0; i < cache->vlans.n && r == 0; i++) {
        const struct xapi_vlan *src = XAPI_LIST_ITEM(&cache->vlans, struct xapi_vlan, i);
        const struct xapi_pif *untagged =
                xapi_record_list_find_ref(&cache->pifs, src->untagged_pif);
        struct xapi_vlan v = *src;

        if (!untagged || untagged->vlan < 0) {
            sim_set_err(err, errlen, "VLAN %s: untagged PIF %s is %s", src->ref,
                        src->untagged_pif ? src->untagged_pif : "(none)",
                        untagged ? "not a VLAN PIF" : "not in the cache");
            return -EINVAL;
        }
        v.tag = untagged->vlan;
        r = seed_insert(db, &xapi_class_vlan, &v, err, errlen);
    }
    return r;
}

static int seed_tunnels(struct sim_db *db, const struct dbcache *cache, char *err, size_t errlen)
{
    int r = 0;

    for (size_t i = 0; i < cache->tunnels.n && r == 0; i++) {
        const struct xapi_tunnel *src = XAPI_LIST_ITEM(&cache->tunnels, struct xapi_tunnel, i);
        struct xapi_tunnel t = *src;

        memset(&t.status, 0, sizeof t.status);
        /* XAPI creates tunnels inactive; the vswitch sets active=true. */
        if (xapi_map_set(&t.status, "active", "false") < 0) {
            sim_set_err(err, errlen, "out of memory");
            return -ENOMEM;
        }
        t.protocol = (char *)or_default(src->protocol, "gre");
        r = seed_insert(db, &xapi_class_tunnel, &t, err, errlen);
        xapi_map_clear(&t.status);
    }
    return r;
}

/* The IP of the management PIF, which XAPI keeps as host.address. */
static const char *management_ip(const struct dbcache *cache)
{
    for (size_t i = 0; cache && i < cache->pifs.n; i++) {
        const struct xapi_pif *p = XAPI_LIST_ITEM(&cache->pifs, struct xapi_pif, i);

        if (p->management) {
            return or_default(p->ip, "");
        }
    }
    return "";
}

static int seed_host(struct sim_db *db, const struct dbcache *cache,
                     const struct sim_seed_info *info, const struct seed_ids *ids, char *err,
                     size_t errlen)
{
    const char *hostname = or_default(info ? info->hostname : NULL, "localhost");
    struct xapi_host h = {0};
    struct xapi_vm dom0 = {0};
    char dom0_ref[48], dom0_uuid[37], *dom0_name = NULL;
    const char *dom0_id = dom0_uuid;
    int r = 0;

    h.ref = (char *)ids->host_ref;
    h.uuid = (char *)ids->host_uuid;
    h.name_label = (char *)hostname;
    h.hostname = (char *)hostname;
    h.address = (char *)management_ip(cache);
    for (size_t i = 0; cache && i < cache->pifs.n && r == 0; i++) {
        r = xapi_strv_append(&h.pifs, XAPI_LIST_ITEM(&cache->pifs, struct xapi_pif, i)->ref);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "out of memory");
        goto out;
    }
    r = seed_insert(db, &xapi_class_host, &h, err, errlen);
    if (r < 0) {
        goto out;
    }
    r = sim_db_new_ref(dom0_ref);
    if (r == 0 && info && info->dom0_uuid && *info->dom0_uuid) {
        dom0_id = info->dom0_uuid;
    } else if (r == 0) {
        r = sim_db_uuid(dom0_uuid);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "no random source: %s", strerror(-r));
        goto out;
    }
    /* Every XAPI host has its control domain as a VM object. */
    if (asprintf(&dom0_name, "Control domain on host: %s", hostname) < 0) {
        dom0_name = NULL;
        sim_set_err(err, errlen, "out of memory");
        r = -ENOMEM;
        goto out;
    }
    dom0.ref = dom0_ref;
    dom0.uuid = (char *)dom0_id;
    dom0.name_label = dom0_name;
    dom0.power_state = (char *)"Running";
    dom0.domid = 0;
    dom0.is_control_domain = true;
    dom0.resident_on = (char *)ids->host_ref;
    r = seed_insert(db, &xapi_class_vm, &dom0, err, errlen);
out:
    free(dom0_name);
    xapi_strv_clear(&h.pifs);
    return r;
}

static int seed_pool(struct sim_db *db, const struct dbcache *cache, const char *host_ref,
                     char *err, size_t errlen)
{
    const struct xapi_pool *cached =
            cache && cache->pools.n ? XAPI_LIST_ITEM(&cache->pools, struct xapi_pool, 0) : NULL;
    struct xapi_pool p = {0};
    char ref[48], uuid[37];
    int r;

    if (cached) {
        p = *cached;
    }
    r = sim_db_new_ref(ref);
    if (r == 0) {
        r = sim_db_uuid(uuid);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "no random source: %s", strerror(-r));
        return r;
    }
    p.ref = ref_set(p.ref) ? p.ref : ref;
    p.uuid = (char *)or_default(p.uuid, uuid);
    p.name_label = (char *)or_default(p.name_label, "");
    p.master = (char *)host_ref;
    p.vswitch_controller = (char *)or_default(p.vswitch_controller, "");
    return seed_insert(db, &xapi_class_pool, &p, err, errlen);
}

int sim_seed(struct sim_db *db, const struct dbcache *cache, const struct sim_seed_info *info,
             char *err, size_t errlen)
{
    struct seed_ids ids;
    int r;

    for (size_t i = 0; xapi_classes[i]; i++) {
        if (sim_db_count(db, xapi_classes[i])) {
            sim_set_err(err, errlen, "the store already holds %s objects", xapi_classes[i]->name);
            return -EINVAL;
        }
    }
    r = sim_db_new_ref(ids.host_ref);
    ids.host_uuid = ids.uuid_buf;
    if (r == 0 && info && info->host_uuid && *info->host_uuid) {
        ids.host_uuid = info->host_uuid;
    } else if (r == 0) {
        r = sim_db_uuid(ids.uuid_buf);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "no random source: %s", strerror(-r));
        return r;
    }
    r = seed_host(db, cache, info, &ids, err, errlen);
    if (r == 0) {
        r = seed_pool(db, cache, ids.host_ref, err, errlen);
    }
    if (r == 0 && cache) {
        r = seed_pifs(db, cache, ids.host_ref, err, errlen);
    }
    if (r == 0 && cache) {
        r = seed_networks(db, cache, err, errlen);
    }
    if (r == 0 && cache) {
        r = seed_bonds(db, cache, err, errlen);
    }
    if (r == 0 && cache) {
        r = seed_vlans(db, cache, err, errlen);
    }
    if (r == 0 && cache) {
        r = seed_tunnels(db, cache, err, errlen);
    }
    return r;
}

const char *sim_seed_host_ref(const struct sim_db *db)
{
    return sim_db_ref_at(db, &xapi_class_host, 0);
}
