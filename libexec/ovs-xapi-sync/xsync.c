/* ovs-xapi-sync's reconciliation (see xsync.h).
 *
 * Desired state first: for each row, the external ids (and for new bridges
 * the fail mode and disable-in-band) it should have; then one update per row
 * whose columns differ, all in one transaction. */
#include "xsync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xapi.h"

#define XSYNC_COMMENT "ovs-xapi-sync: Updating records from XAPI"

struct xsync {
    const struct xsync_xapi *xapi;
    void *ctx;
    /* bridge name -> bridge-id (JSON string, or null for none): bridges already handled. */
    json_t *bridges;
    /* xs-vif-uuid -> iface-id and xs-vm-uuid -> vm-id, as XAPI last answered. */
    json_t *iface_ids;
    json_t *vm_ids;
};

int xsync_new(const struct xsync_xapi *xapi, void *ctx, struct xsync **out)
{
    struct xsync *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (!s) {
        return -ENOMEM;
    }
    s->xapi = xapi;
    s->ctx = ctx;
    s->bridges = json_object();
    s->iface_ids = json_object();
    s->vm_ids = json_object();
    if (!s->bridges || !s->iface_ids || !s->vm_ids) {
        xsync_free(s);
        return -ENOMEM;
    }
    *out = s;
    return 0;
}

void xsync_free(struct xsync *s)
{
    if (!s) {
        return;
    }
    json_decref(s->bridges);
    json_decref(s->iface_ids);
    json_decref(s->vm_ids);
    free(s);
}

void xsync_flush(struct xsync *s)
{
    json_object_clear(s->bridges);
    json_object_clear(s->iface_ids);
    json_object_clear(s->vm_ids);
}

/* A wire-format map ["map", [[k, v], ...]] as a JSON object k -> v (new reference). */
static json_t *map_to_object(const json_t *datum)
{
    json_t *obj = json_object();
    const json_t *pairs = json_array_get(datum, 1), *pair;
    size_t i;

    if (!obj || !json_is_string(json_array_get(datum, 0)) ||
        strcmp(json_string_value(json_array_get(datum, 0)), "map")) {
        return obj;
    }
    json_array_foreach(pairs, i, pair)
    {
        json_t *k = json_array_get(pair, 0), *v = json_array_get(pair, 1);
        if (json_is_string(k) && json_is_string(v)) {
            json_object_set(obj, json_string_value(k), v);
        }
    }
    return obj;
}

/* A JSON object k -> string as a wire-format map, keys sorted (new reference). */
static json_t *object_to_map(const json_t *obj)
{
    json_t *pairs = json_array();
    const char **keys = calloc(json_object_size(obj) + 1, sizeof(*keys));
    const char *k;
    json_t *v;
    size_t n = 0;

    if (!pairs || !keys) {
        json_decref(pairs);
        free(keys);
        return NULL;
    }
    json_object_foreach((json_t *)obj, k, v)
    {
        keys[n++] = k;
    }
    qsort(keys, n, sizeof(*keys), (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(pairs, json_pack("[s, O]", keys[i], json_object_get(obj, keys[i])));
    }
    free(keys);
    return json_pack("[s, o]", "map", pairs);
}

/* The value of an optional string column ("x" or ["set", []]), or "". */
static const char *opt_string(const json_t *datum)
{
    return json_is_string(datum) ? json_string_value(datum) : "";
}

static void set_or_remove(json_t *obj, const char *key, const char *value)
{
    if (value) {
        json_object_set_new(obj, key, json_string(value));
    } else {
        json_object_del(obj, key);
    }
}

static json_t *update_op(const char *table, const char *uuid, json_t *row)
{
    return json_pack("{s:s, s:s, s:[[s, s, [s, s]]], s:o}", "op", "update", "table", table, "where",
                     "_uuid", "==", "uuid", uuid, "row", row);
}

/* bridge-id: nicira-bridge-id, else the only xs-network-uuid, else the one of this bridge. */
static int bridge_id(struct xsync *s, const char *name, const struct xapi_map *oc,
                     const char *uuids, char **id)
{
    const char *nicira = oc ? xapi_map_get(oc, "nicira-bridge-id") : NULL;
    char *copy, *save = NULL;
    int r = 0, count = 0;

    *id = NULL;
    if (nicira) {
        *id = strdup(nicira);
        return *id ? 0 : -ENOMEM;
    }
    if (!uuids || !*uuids) {
        return 0;
    }
    if (!strchr(uuids, ';')) {
        *id = strdup(uuids);
        return *id ? 0 : -ENOMEM;
    }
    copy = strdup(uuids);
    for (char *u = copy ? strtok_r(copy, ";", &save) : NULL; u && r == 0;
         u = strtok_r(NULL, ";", &save)) {
        bool found = false;
        char *br = NULL;
        r = s->xapi->network_bridge(s->ctx, u, &found, &br);
        if (r == 0 && found && br && !strcmp(br, name)) {
            free(*id);
            *id = strdup(u);
            count++;
        }
        free(br);
    }
    free(copy);
    if (r < 0) {
        free(*id);
        *id = NULL;
        return -EAGAIN;
    }
    if (!*id) {
        xlog_warn("bridge %s: none of the networks %s uses it, cannot set its bridge-id", name,
                  uuids);
        return -EAGAIN;
    }
    if (count > 1) {
        xlog_warn("bridge %s: several networks of %s use it, taking %s", name, uuids, *id);
    }
    return 0;
}

/* A bridge seen for the first time: fail mode, disable-in-band and bridge-id. */
static int new_bridge(struct xsync *s, const char *uuid, const json_t *row, json_t *ops)
{
    const char *name = json_string_value(json_object_get(row, "name"));
    json_t *ext = map_to_object(json_object_get(row, "external_ids"));
    json_t *oc = map_to_object(json_object_get(row, "other_config"));
    json_t *want_ext = json_deep_copy(ext), *want_oc = json_deep_copy(oc), *upd = json_object();
    struct xapi_map net_oc = {0};
    char *net_uuid = NULL, *pool_mode = NULL, *id = NULL;
    const char *mode = NULL, *dib;
    bool found = false;
    int r;

    if (!ext || !oc || !want_ext || !want_oc || !upd) {
        r = -ENOMEM;
        goto out;
    }
    r = s->xapi->network_by_bridge(s->ctx, name, &found, &net_uuid, &net_oc);
    if (r == 0) {
        r = s->xapi->pool_fail_mode(s->ctx, &pool_mode);
    }
    if (r < 0) {
        r = -EAGAIN;
        goto out;
    }
    if (found) {
        mode = xapi_map_get(&net_oc, "vswitch-controller-fail-mode");
    }
    if (!mode) {
        mode = pool_mode;
    }
    mode = mode && !strcmp(mode, "secure") ? "secure" : "standalone";
    if (strcmp(opt_string(json_object_get(row, "fail_mode")), mode)) {
        json_object_set_new(upd, "fail_mode", json_string(mode));
    }
    if (found) {
        dib = xapi_map_get(&net_oc, "vswitch-disable-in-band");
        if (!dib || !strcmp(dib, "true") || !strcmp(dib, "false")) {
            set_or_remove(want_oc, "disable-in-band", dib);
        } else {
            xlog_warn("network %s: invalid vswitch-disable-in-band '%s'", net_uuid, dib);
        }
    }
    r = bridge_id(s, name, found ? &net_oc : NULL,
                  json_string_value(json_object_get(ext, "xs-network-uuids")), &id);
    if (r < 0) {
        goto out;
    }
    set_or_remove(want_ext, "bridge-id", id);
    if (!json_equal(want_ext, ext)) {
        json_object_set_new(upd, "external_ids", object_to_map(want_ext));
    }
    if (!json_equal(want_oc, oc)) {
        json_object_set_new(upd, "other_config", object_to_map(want_oc));
    }
    if (json_object_size(upd)) {
        json_array_append_new(ops, update_op("Bridge", uuid, json_incref(upd)));
    }
    json_object_set_new(s->bridges, name, id ? json_string(id) : json_null());
out:
    json_decref(ext);
    json_decref(oc);
    json_decref(want_ext);
    json_decref(want_oc);
    json_decref(upd);
    xapi_map_clear(&net_oc);
    free(net_uuid);
    free(pool_mode);
    free(id);
    return r;
}

/* A cached XAPI answer for key, looked up on a miss; *out is borrowed from the cache (NULL when
 * XAPI has no value). */
static int cached(struct xsync *s, json_t *cache, const char *key,
                  int (*lookup)(void *ctx, const char *key, char **value), const char **out)
{
    json_t *hit = json_object_get(cache, key);
    char *value = NULL;
    int r;

    if (!hit) {
        r = lookup(s->ctx, key, &value);
        if (r < 0) {
            return -EAGAIN;
        }
        json_object_set_new(cache, key, value ? json_string(value) : json_null());
        free(value);
        hit = json_object_get(cache, key);
    }
    *out = json_string_value(hit);
    return 0;
}

/* "vif<domid>.<devid>" -> "tap<domid>.<devid>" and back: the two faces of one VIF. */
static const char *twin_name(const char *name, char buf[32])
{
    if (strncmp(name, "vif", 3) && strncmp(name, "tap", 3)) {
        return NULL;
    }
    snprintf(buf, 32, "%s%s", strncmp(name, "vif", 3) ? "vif" : "tap", name + 3);
    return buf;
}

static int interface(struct xsync *s, const char *uuid, const json_t *row, const json_t *by_name,
                     json_t *ops)
{
    static const char *const copied[] = {"attached-mac", "xs-network-uuid", "xs-vif-uuid",
                                         "xs-vm-uuid"};
    const char *name = json_string_value(json_object_get(row, "name"));
    json_t *ext = map_to_object(json_object_get(row, "external_ids")), *want = json_deep_copy(ext);
    const json_t *twin = NULL;
    const char *vif_uuid, *vm_uuid, *iface_id = NULL, *vm_id = NULL, *status = NULL;
    char buf[32];
    int r = 0;

    if (!ext || !want || !name) {
        r = name ? -ENOMEM : 0;
        goto out;
    }
    if (twin_name(name, buf)) {
        twin = json_object_get(by_name, buf);
    }
    if (!strncmp(name, "tap", 3) && twin) {
        /* The tap face carries the same identity as its vif. */
        json_t *vext = map_to_object(json_object_get(twin, "external_ids"));
        for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
            set_or_remove(want, copied[i], json_string_value(json_object_get(vext, copied[i])));
        }
        json_decref(vext);
    }
    vif_uuid = json_string_value(json_object_get(want, "xs-vif-uuid"));
    vm_uuid = json_string_value(json_object_get(want, "xs-vm-uuid"));
    if (vif_uuid && (!strncmp(name, "vif", 3) || !strncmp(name, "tap", 3))) {
        r = cached(s, s->iface_ids, vif_uuid, s->xapi->vif_iface_id, &iface_id);
        iface_id = iface_id ? iface_id : vif_uuid;
    } else {
        iface_id = vif_uuid;
    }
    if (r == 0 && vm_uuid) {
        r = cached(s, s->vm_ids, vm_uuid, s->xapi->vm_id, &vm_id);
        vm_id = vm_id ? vm_id : vm_uuid;
    }
    if (r < 0) {
        goto out;
    }
    set_or_remove(want, "iface-id", iface_id);
    set_or_remove(want, "vm-id", vm_id);
    if (!strncmp(name, "tap", 3) && twin) {
        status = "active";
    } else if (!strncmp(name, "vif", 3)) {
        status = twin ? "inactive" : "active";
    }
    set_or_remove(want, "iface-status", status);
    if (!json_equal(want, ext)) {
        json_array_append_new(ops,
                              update_op("Interface", uuid,
                                        json_pack("{s:o}", "external_ids", object_to_map(want))));
    }
out:
    json_decref(ext);
    json_decref(want);
    return r;
}

int xsync_round(struct xsync *s, const json_t *bridges, const json_t *ifaces, json_t **ops)
{
    json_t *list = json_array(), *by_name = json_object();
    const char *uuid;
    json_t *row;
    int r = 0;

    *ops = NULL;
    if (!list || !by_name) {
        r = -ENOMEM;
        goto out;
    }
    json_object_foreach((json_t *)bridges, uuid, row)
    {
        const char *name = json_string_value(json_object_get(row, "name"));
        if (name && !json_object_get(s->bridges, name)) {
            r = new_bridge(s, uuid, row, list);
            if (r < 0) {
                goto out;
            }
        }
    }
    json_object_foreach((json_t *)ifaces, uuid, row)
    {
        const char *name = json_string_value(json_object_get(row, "name"));
        if (name) {
            json_object_set(by_name, name, row);
        }
    }
    json_object_foreach((json_t *)ifaces, uuid, row)
    {
        r = interface(s, uuid, row, by_name, list);
        if (r < 0) {
            goto out;
        }
    }
    if (json_array_size(list)) {
        json_array_append_new(list,
                              json_pack("{s:s, s:s}", "op", "comment", "comment", XSYNC_COMMENT));
    }
    *ops = list;
    list = NULL;
out:
    if (r < 0) {
        /* Bridges handled in a failed round are handled again next time. */
        json_object_clear(s->bridges);
    }
    json_decref(list);
    json_decref(by_name);
    return r;
}

/* The real XAPI behind the interface: ctx is a logged-in struct xapi_session. */

static int sess_network_by_bridge(void *ctx, const char *bridge, bool *found, char **uuid,
                                  struct xapi_map *oc)
{
    struct xapi_record_list list = {0};
    char *expr = NULL;
    int r;

    *found = false;
    *uuid = NULL;
    xapi_map_clear(oc);
    if (asprintf(&expr, "field \"bridge\"=\"%s\"", bridge) < 0) {
        return -ENOMEM;
    }
    r = xapi_get_all_records_where(ctx, &xapi_class_network, expr, &list);
    if (r == 0 && list.n > 0) {
        struct xapi_network *n = XAPI_LIST_ITEM(&list, struct xapi_network, 0);
        *found = true;
        *uuid = n->uuid ? strdup(n->uuid) : NULL;
        *oc = n->other_config;
        memset(&n->other_config, 0, sizeof(n->other_config));
    }
    xapi_record_list_clear(&list);
    free(expr);
    return r;
}

static int sess_network_bridge(void *ctx, const char *uuid, bool *found, char **bridge)
{
    struct xapi_network net = {0};
    char *ref = NULL;
    int r = xapi_get_by_uuid(ctx, &xapi_class_network, uuid, &ref);

    *found = false;
    *bridge = NULL;
    if (r == -ENOENT || r == -ENODEV) {
        return 0;
    }
    if (r == 0) {
        r = xapi_get_record(ctx, &xapi_class_network, ref, &net);
    }
    if (r == 0) {
        *found = true;
        *bridge = net.bridge ? strdup(net.bridge) : NULL;
    }
    xapi_record_clear(&xapi_class_network, &net);
    free(ref);
    return r;
}

static int sess_pool_fail_mode(void *ctx, char **mode)
{
    struct xapi_strv pools = {0};
    struct xapi_pool pool = {0};
    int r = xapi_get_all(ctx, &xapi_class_pool, &pools);

    *mode = NULL;
    if (r == 0 && pools.n == 1) {
        r = xapi_get_record(ctx, &xapi_class_pool, pools.v[0], &pool);
        if (r == 0 && xapi_map_get(&pool.other_config, "vswitch-controller-fail-mode")) {
            *mode = strdup(xapi_map_get(&pool.other_config, "vswitch-controller-fail-mode"));
        }
    }
    xapi_record_clear(&xapi_class_pool, &pool);
    xapi_strv_clear(&pools);
    return r;
}

/* other_config[key] of the record of cls with this uuid; an unknown uuid has no value. */
static int sess_other_config(void *ctx, const struct xapi_class *cls, const char *uuid,
                             const char *key, char **value)
{
    void *rec = calloc(1, cls->size);
    char *ref = NULL;
    int r;

    *value = NULL;
    if (!rec) {
        return -ENOMEM;
    }
    r = xapi_get_by_uuid(ctx, cls, uuid, &ref);
    if (r == 0) {
        r = xapi_get_record(ctx, cls, ref, rec);
    }
    if (r == 0) {
        const struct xapi_map *oc = cls == &xapi_class_vif ? &((struct xapi_vif *)rec)->other_config
                                                           : &((struct xapi_vm *)rec)->other_config;
        const char *v = xapi_map_get(oc, key);
        *value = v ? strdup(v) : NULL;
    } else if (r == -ENOENT || r == -ENODEV) {
        r = 0;
    }
    xapi_record_clear(cls, rec);
    free(rec);
    free(ref);
    return r;
}

static int sess_vif_iface_id(void *ctx, const char *vif_uuid, char **iface_id)
{
    return sess_other_config(ctx, &xapi_class_vif, vif_uuid, "nicira-iface-id", iface_id);
}

static int sess_vm_id(void *ctx, const char *vm_uuid, char **vm_id)
{
    return sess_other_config(ctx, &xapi_class_vm, vm_uuid, "nicira-vm-id", vm_id);
}

const struct xsync_xapi xsync_xapi_session = {
        .network_by_bridge = sess_network_by_bridge,
        .network_bridge = sess_network_bridge,
        .pool_fail_mode = sess_pool_fail_mode,
        .vif_iface_id = sess_vif_iface_id,
        .vm_id = sess_vm_id,
};
