/* Typed XenAPI records: one field table per class and generic code that
 * decodes, encodes and frees any of them; see records.h.
 *
 * Keeping the wire names next to the struct offsets means a class is
 * described once, and the client, the dbcache and the simulator all agree
 * on what a PIF is. */
#include "records.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmlrpc.h"

#define F(st, wire, type, member)                                                                  \
    {                                                                                              \
        wire, XAPI_F_##type, offsetof(struct st, member)                                           \
    }
#define CLASS(var, wire, st, table)                                                                \
    const struct xapi_class var = {wire, sizeof(struct st), table, sizeof table / sizeof table[0]}

static const struct xapi_field pif_fields[] = {
        F(xapi_pif, "uuid", STRING, uuid),
        F(xapi_pif, "device", STRING, device),
        F(xapi_pif, "network", REF, network),
        F(xapi_pif, "host", REF, host),
        F(xapi_pif, "MAC", STRING, mac),
        F(xapi_pif, "MTU", INT, mtu),
        F(xapi_pif, "VLAN", INT, vlan),
        F(xapi_pif, "physical", BOOL, physical),
        F(xapi_pif, "currently_attached", BOOL, currently_attached),
        F(xapi_pif, "management", BOOL, management),
        F(xapi_pif, "ip_configuration_mode", STRING, ip_configuration_mode),
        F(xapi_pif, "IP", STRING, ip),
        F(xapi_pif, "netmask", STRING, netmask),
        F(xapi_pif, "gateway", STRING, gateway),
        F(xapi_pif, "DNS", STRING, dns),
        F(xapi_pif, "ipv6_configuration_mode", STRING, ipv6_configuration_mode),
        F(xapi_pif, "IPv6", STRV, ipv6),
        F(xapi_pif, "ipv6_gateway", STRING, ipv6_gateway),
        F(xapi_pif, "primary_address_type", STRING, primary_address_type),
        F(xapi_pif, "bond_slave_of", REF, bond_slave_of),
        F(xapi_pif, "bond_master_of", STRV, bond_master_of),
        F(xapi_pif, "VLAN_master_of", REF, vlan_master_of),
        F(xapi_pif, "VLAN_slave_of", STRV, vlan_slave_of),
        F(xapi_pif, "tunnel_access_PIF_of", STRV, tunnel_access_pif_of),
        F(xapi_pif, "tunnel_transport_PIF_of", STRV, tunnel_transport_pif_of),
        F(xapi_pif, "metrics", REF, metrics),
        F(xapi_pif, "other_config", MAP, other_config),
        F(xapi_pif, "managed", BOOL, managed),
        F(xapi_pif, "properties", MAP, properties),
        F(xapi_pif, "capabilities", STRV, capabilities),
        F(xapi_pif, "disallow_unplug", BOOL, disallow_unplug),
};
CLASS(xapi_class_pif, "PIF", xapi_pif, pif_fields);

static const struct xapi_field network_fields[] = {
        F(xapi_network, "uuid", STRING, uuid),
        F(xapi_network, "name_label", STRING, name_label),
        F(xapi_network, "name_description", STRING, name_description),
        F(xapi_network, "bridge", STRING, bridge),
        F(xapi_network, "MTU", INT, mtu),
        F(xapi_network, "PIFs", STRV, pifs),
        F(xapi_network, "VIFs", STRV, vifs),
        F(xapi_network, "managed", BOOL, managed),
        F(xapi_network, "other_config", MAP, other_config),
        F(xapi_network, "default_locking_mode", STRING, default_locking_mode),
        F(xapi_network, "purpose", STRV, purpose),
};
CLASS(xapi_class_network, "network", xapi_network, network_fields);

static const struct xapi_field bond_fields[] = {
        F(xapi_bond, "uuid", STRING, uuid),      F(xapi_bond, "master", REF, master),
        F(xapi_bond, "slaves", STRV, slaves),    F(xapi_bond, "primary_slave", REF, primary_slave),
        F(xapi_bond, "mode", STRING, mode),      F(xapi_bond, "properties", MAP, properties),
        F(xapi_bond, "links_up", INT, links_up), F(xapi_bond, "other_config", MAP, other_config),
};
CLASS(xapi_class_bond, "Bond", xapi_bond, bond_fields);

static const struct xapi_field vlan_fields[] = {
        F(xapi_vlan, "uuid", STRING, uuid),
        F(xapi_vlan, "tagged_PIF", REF, tagged_pif),
        F(xapi_vlan, "untagged_PIF", REF, untagged_pif),
        F(xapi_vlan, "tag", INT, tag),
        F(xapi_vlan, "other_config", MAP, other_config),
};
CLASS(xapi_class_vlan, "VLAN", xapi_vlan, vlan_fields);

static const struct xapi_field tunnel_fields[] = {
        F(xapi_tunnel, "uuid", STRING, uuid),
        F(xapi_tunnel, "access_PIF", REF, access_pif),
        F(xapi_tunnel, "transport_PIF", REF, transport_pif),
        F(xapi_tunnel, "status", MAP, status),
        F(xapi_tunnel, "protocol", STRING, protocol),
        F(xapi_tunnel, "other_config", MAP, other_config),
};
CLASS(xapi_class_tunnel, "tunnel", xapi_tunnel, tunnel_fields);

static const struct xapi_field vif_fields[] = {
        F(xapi_vif, "uuid", STRING, uuid),
        F(xapi_vif, "device", STRING, device),
        F(xapi_vif, "network", REF, network),
        F(xapi_vif, "VM", REF, vm),
        F(xapi_vif, "MAC", STRING, mac),
        F(xapi_vif, "MTU", INT, mtu),
        F(xapi_vif, "currently_attached", BOOL, currently_attached),
        F(xapi_vif, "locking_mode", STRING, locking_mode),
        F(xapi_vif, "ipv4_allowed", STRV, ipv4_allowed),
        F(xapi_vif, "ipv6_allowed", STRV, ipv6_allowed),
        F(xapi_vif, "other_config", MAP, other_config),
        F(xapi_vif, "metrics", REF, metrics),
};
CLASS(xapi_class_vif, "VIF", xapi_vif, vif_fields);

static const struct xapi_field vm_fields[] = {
        F(xapi_vm, "uuid", STRING, uuid),
        F(xapi_vm, "name_label", STRING, name_label),
        F(xapi_vm, "power_state", STRING, power_state),
        F(xapi_vm, "domid", INT, domid),
        F(xapi_vm, "is_control_domain", BOOL, is_control_domain),
        F(xapi_vm, "resident_on", REF, resident_on),
        F(xapi_vm, "VIFs", STRV, vifs),
        F(xapi_vm, "other_config", MAP, other_config),
};
CLASS(xapi_class_vm, "VM", xapi_vm, vm_fields);

static const struct xapi_field host_fields[] = {
        F(xapi_host, "uuid", STRING, uuid),         F(xapi_host, "name_label", STRING, name_label),
        F(xapi_host, "hostname", STRING, hostname), F(xapi_host, "address", STRING, address),
        F(xapi_host, "PIFs", STRV, pifs),           F(xapi_host, "other_config", MAP, other_config),
};
CLASS(xapi_class_host, "host", xapi_host, host_fields);

static const struct xapi_field pool_fields[] = {
        F(xapi_pool, "uuid", STRING, uuid),
        F(xapi_pool, "name_label", STRING, name_label),
        F(xapi_pool, "master", REF, master),
        F(xapi_pool, "other_config", MAP, other_config),
        F(xapi_pool, "vswitch_controller", STRING, vswitch_controller),
};
CLASS(xapi_class_pool, "pool", xapi_pool, pool_fields);

static const struct xapi_field pif_metrics_fields[] = {
        F(xapi_pif_metrics, "uuid", STRING, uuid),
        F(xapi_pif_metrics, "carrier", BOOL, carrier),
        F(xapi_pif_metrics, "speed", INT, speed),
        F(xapi_pif_metrics, "duplex", BOOL, duplex),
        F(xapi_pif_metrics, "vendor_id", STRING, vendor_id),
        F(xapi_pif_metrics, "vendor_name", STRING, vendor_name),
        F(xapi_pif_metrics, "device_id", STRING, device_id),
        F(xapi_pif_metrics, "device_name", STRING, device_name),
        F(xapi_pif_metrics, "pci_bus_path", STRING, pci_bus_path),
        F(xapi_pif_metrics, "io_read_kbs", DOUBLE, io_read_kbs),
        F(xapi_pif_metrics, "io_write_kbs", DOUBLE, io_write_kbs),
        F(xapi_pif_metrics, "last_updated", DATETIME, last_updated),
        F(xapi_pif_metrics, "other_config", MAP, other_config),
};
CLASS(xapi_class_pif_metrics, "PIF_metrics", xapi_pif_metrics, pif_metrics_fields);

static const struct xapi_field sdn_controller_fields[] = {
        F(xapi_sdn_controller, "uuid", STRING, uuid),
        F(xapi_sdn_controller, "protocol", STRING, protocol),
        F(xapi_sdn_controller, "address", STRING, address),
        F(xapi_sdn_controller, "port", INT, port),
};
CLASS(xapi_class_sdn_controller, "SDN_controller", xapi_sdn_controller, sdn_controller_fields);

const struct xapi_class *const xapi_classes[] = {
        &xapi_class_pif,         &xapi_class_network,        &xapi_class_bond,
        &xapi_class_vlan,        &xapi_class_tunnel,         &xapi_class_vif,
        &xapi_class_vm,          &xapi_class_host,           &xapi_class_pool,
        &xapi_class_pif_metrics, &xapi_class_sdn_controller, NULL,
};

const struct xapi_class *xapi_class_find(const char *name)
{
    for (size_t i = 0; xapi_classes[i]; i++) {
        if (!strcmp(xapi_classes[i]->name, name)) {
            return xapi_classes[i];
        }
    }
    return NULL;
}

const struct xapi_field *xapi_class_field(const struct xapi_class *cls, const char *name)
{
    for (size_t i = 0; i < cls->n_fields; i++) {
        if (!strcmp(cls->fields[i].name, name)) {
            return &cls->fields[i];
        }
    }
    return NULL;
}

/* Helpers for the value types. */

const char *xapi_map_get(const struct xapi_map *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!strcmp(m->keys[i], key)) {
            return m->values[i];
        }
    }
    return NULL;
}

int xapi_map_set(struct xapi_map *m, const char *key, const char *value)
{
    char *v = strdup(value), *k = NULL;
    char **keys, **values;

    if (!v) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!strcmp(m->keys[i], key)) {
            free(m->values[i]);
            m->values[i] = v;
            return 0;
        }
    }
    k = strdup(key);
    keys = k ? realloc(m->keys, (m->n + 1) * sizeof *keys) : NULL;
    if (keys) {
        m->keys = keys;
    }
    values = keys ? realloc(m->values, (m->n + 1) * sizeof *values) : NULL;
    if (!values) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    m->values = values;
    m->keys[m->n] = k;
    m->values[m->n] = v;
    m->n++;
    return 0;
}

void xapi_map_clear(struct xapi_map *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        free(m->keys[i]);
        free(m->values[i]);
    }
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

int xapi_strv_append(struct xapi_strv *sv, const char *s)
{
    char *copy = strdup(s);
    char **v = copy ? realloc(sv->v, (sv->n + 1) * sizeof *v) : NULL;

    if (!v) {
        free(copy);
        return -ENOMEM;
    }
    sv->v = v;
    sv->v[sv->n++] = copy;
    return 0;
}

bool xapi_strv_contains(const struct xapi_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++) {
        if (!strcmp(sv->v[i], s)) {
            return true;
        }
    }
    return false;
}

void xapi_strv_clear(struct xapi_strv *sv)
{
    if (!sv) {
        return;
    }
    for (size_t i = 0; i < sv->n; i++) {
        free(sv->v[i]);
    }
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

/* Generic record code. */

#define MEMBER(rec, f, type)  ((type *)((char *)(rec) + (f)->offset))
#define CMEMBER(rec, f, type) ((const type *)((const char *)(rec) + (f)->offset))

/* XAPI sends bools as XML-RPC booleans, but maps and state files of older
 * tools carry them as "true"/"false" strings; both are accepted. */
static int record_get_bool(const struct xr_value *v, bool *out)
{
    const char *s;

    if (xr_get_bool(v, out) == 0) {
        return 0;
    }
    s = xr_type(v) == XR_STRING ? xr_get_string(v) : NULL;
    if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
        *out = !strcmp(s, "true");
        return 0;
    }
    return -EINVAL;
}

static int record_decode_field(const struct xapi_field *f, const struct xr_value *v, void *rec)
{
    switch (f->type) {
    case XAPI_F_STRING:
    case XAPI_F_REF:
    case XAPI_F_DATETIME: {
        const char *s = xr_get_string(v);

        if (!s) {
            return -EINVAL;
        }
        free(*MEMBER(rec, f, char *));
        *MEMBER(rec, f, char *) = strdup(s);
        return *MEMBER(rec, f, char *) ? 0 : -ENOMEM;
    }
    case XAPI_F_INT:
        return xr_get_int(v, MEMBER(rec, f, int64_t));
    case XAPI_F_BOOL:
        return record_get_bool(v, MEMBER(rec, f, bool));
    case XAPI_F_DOUBLE: {
        /* Copied byte-wise: the record is addressed through its field
         * table, and memcpy keeps that free of type-punned pointers. */
        double d;
        int64_t i;

        if (xr_get_double(v, &d) < 0) {
            if (xr_get_int(v, &i) < 0) {
                return -EINVAL;
            }
            d = (double)i;
        }
        memcpy((char *)rec + f->offset, &d, sizeof d);
        return 0;
    }
    case XAPI_F_STRV: {
        struct xapi_strv *sv = MEMBER(rec, f, struct xapi_strv);

        if (xr_type(v) != XR_ARRAY) {
            return -EINVAL;
        }
        xapi_strv_clear(sv);
        for (size_t i = 0; i < xr_array_len(v); i++) {
            const char *s = xr_get_string(xr_array_get(v, i));
            int r;

            if (!s) {
                return -EINVAL;
            }
            r = xapi_strv_append(sv, s);
            if (r < 0) {
                return r;
            }
        }
        return 0;
    }
    case XAPI_F_MAP: {
        struct xapi_map *m = MEMBER(rec, f, struct xapi_map);

        if (xr_type(v) != XR_STRUCT) {
            return -EINVAL;
        }
        xapi_map_clear(m);
        for (size_t i = 0; i < xr_struct_len(v); i++) {
            const char *s = xr_get_string(xr_struct_value(v, i));
            int r;

            if (!s) {
                return -EINVAL;
            }
            r = xapi_map_set(m, xr_struct_key(v, i), s);
            if (r < 0) {
                return r;
            }
        }
        return 0;
    }
    }
    return -EINVAL;
}

int xapi_record_decode(const struct xapi_class *cls, const char *ref, const struct xr_value *v,
                       void *rec)
{
    int r = 0;

    if (xr_type(v) != XR_STRUCT) {
        xlog_err("%s record%s%s is a %s, not a struct", cls->name, ref ? " " : "", ref ? ref : "",
                 v ? xr_type_name(xr_type(v)) : "missing value");
        return -EINVAL;
    }
    if (ref) {
        *(char **)rec = strdup(ref);
        if (!*(char **)rec) {
            r = -ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < cls->n_fields; i++) {
        const struct xapi_field *f = &cls->fields[i];
        const struct xr_value *fv = xr_struct_get(v, f->name);

        if (!fv) {
            continue;
        }
        r = record_decode_field(f, fv, rec);
        if (r == -EINVAL) {
            xlog_err("%s record %s: field %s has an unexpected %s value", cls->name, ref ? ref : "",
                     f->name, xr_type_name(xr_type(fv)));
        }
        if (r < 0) {
            goto out;
        }
    }
out:
    if (r < 0) {
        xapi_record_clear(cls, rec);
    }
    return r;
}

static struct xr_value *record_encode_field(const struct xapi_field *f, const void *rec)
{
    switch (f->type) {
    case XAPI_F_STRING:
        return xr_string(*CMEMBER(rec, f, char *) ? *CMEMBER(rec, f, char *) : "");
    case XAPI_F_DATETIME: {
        const char *text = *CMEMBER(rec, f, char *);
        struct xr_value *dt = xr_datetime(text && *text ? text : XAPI_NEVER);

        /* Text that is not ISO 8601 (from a hand-edited file) is kept as
         * the string it is rather than lost. */
        return dt ? dt : xr_string(text);
    }
    case XAPI_F_REF:
        return xr_string(*CMEMBER(rec, f, char *) ? *CMEMBER(rec, f, char *) : XAPI_NULL_REF);
    case XAPI_F_INT: {
        char buf[24];

        /* XAPI's wire form for int fields is a decimal string. */
        snprintf(buf, sizeof buf, "%" PRId64, *CMEMBER(rec, f, int64_t));
        return xr_string(buf);
    }
    case XAPI_F_BOOL:
        return xr_bool(*CMEMBER(rec, f, bool));
    case XAPI_F_DOUBLE: {
        double d;

        memcpy(&d, (const char *)rec + f->offset, sizeof d);
        return xr_double(d);
    }
    case XAPI_F_STRV: {
        const struct xapi_strv *sv = CMEMBER(rec, f, struct xapi_strv);
        struct xr_value *arr = xr_array();

        for (size_t i = 0; arr && i < sv->n; i++) {
            if (xr_array_append(arr, xr_string(sv->v[i])) < 0) {
                xr_free(arr);
                return NULL;
            }
        }
        return arr;
    }
    case XAPI_F_MAP: {
        const struct xapi_map *m = CMEMBER(rec, f, struct xapi_map);
        struct xr_value *st = xr_struct();

        for (size_t i = 0; st && i < m->n; i++) {
            if (xr_struct_set_string(st, m->keys[i], m->values[i]) < 0) {
                xr_free(st);
                return NULL;
            }
        }
        return st;
    }
    }
    return NULL;
}

int xapi_record_encode(const struct xapi_class *cls, const void *rec, struct xr_value **out)
{
    struct xr_value *st = xr_struct();

    *out = NULL;
    if (!st) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < cls->n_fields; i++) {
        if (xr_struct_set(st, cls->fields[i].name, record_encode_field(&cls->fields[i], rec)) < 0) {
            xr_free(st);
            return -ENOMEM;
        }
    }
    *out = st;
    return 0;
}

void xapi_record_clear(const struct xapi_class *cls, void *rec)
{
    if (!rec) {
        return;
    }
    free(*(char **)rec);
    for (size_t i = 0; i < cls->n_fields; i++) {
        const struct xapi_field *f = &cls->fields[i];

        switch (f->type) {
        case XAPI_F_STRING:
        case XAPI_F_REF:
        case XAPI_F_DATETIME:
            free(*MEMBER(rec, f, char *));
            break;
        case XAPI_F_STRV:
            xapi_strv_clear(MEMBER(rec, f, struct xapi_strv));
            break;
        case XAPI_F_MAP:
            xapi_map_clear(MEMBER(rec, f, struct xapi_map));
            break;
        case XAPI_F_INT:
        case XAPI_F_BOOL:
        case XAPI_F_DOUBLE:
            break;
        }
    }
    memset(rec, 0, cls->size);
}

int xapi_record_list_decode(const struct xapi_class *cls, const struct xr_value *v,
                            struct xapi_record_list *list)
{
    size_t n = xr_struct_len(v);
    int r = 0;

    list->cls = cls;
    list->n = 0;
    list->items = NULL;
    if (xr_type(v) != XR_STRUCT) {
        xlog_err("%s.get_all_records returned a %s, not a struct", cls->name,
                 v ? xr_type_name(xr_type(v)) : "missing value");
        return -EINVAL;
    }
    if (n == 0) {
        return 0;
    }
    list->items = calloc(n, cls->size);
    if (!list->items) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        r = xapi_record_decode(cls, xr_struct_key(v, i), xr_struct_value(v, i),
                               (char *)list->items + i * cls->size);
        if (r < 0) {
            xapi_record_list_clear(list);
            list->cls = cls;
            return r;
        }
        list->n++;
    }
    return 0;
}

void xapi_record_list_clear(struct xapi_record_list *list)
{
    if (!list) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        xapi_record_clear(list->cls, (char *)list->items + i * list->cls->size);
    }
    free(list->items);
    list->n = 0;
    list->items = NULL;
}

static void *record_list_find(const struct xapi_record_list *list, size_t offset, const char *key)
{
    for (size_t i = 0; key && i < list->n; i++) {
        char *rec = (char *)list->items + i * list->cls->size;
        const char *value = *(char **)(rec + offset);

        if (value && !strcmp(value, key)) {
            return rec;
        }
    }
    return NULL;
}

void *xapi_record_list_find_ref(const struct xapi_record_list *list, const char *ref)
{
    return record_list_find(list, 0, ref);
}

#define UUID_FOLLOWS_REF(st)                                                                       \
    _Static_assert(offsetof(struct st, ref) == 0 && offsetof(struct st, uuid) == sizeof(char *),   \
                   #st " must start with ref then uuid")
UUID_FOLLOWS_REF(xapi_pif);
UUID_FOLLOWS_REF(xapi_network);
UUID_FOLLOWS_REF(xapi_bond);
UUID_FOLLOWS_REF(xapi_vlan);
UUID_FOLLOWS_REF(xapi_tunnel);
UUID_FOLLOWS_REF(xapi_vif);
UUID_FOLLOWS_REF(xapi_vm);
UUID_FOLLOWS_REF(xapi_host);
UUID_FOLLOWS_REF(xapi_pool);
UUID_FOLLOWS_REF(xapi_pif_metrics);
UUID_FOLLOWS_REF(xapi_sdn_controller);

void *xapi_record_list_find_uuid(const struct xapi_record_list *list, const char *uuid)
{
    /* Every record struct has "uuid" right after "ref" (asserted above). */
    return record_list_find(list, sizeof(char *), uuid);
}
