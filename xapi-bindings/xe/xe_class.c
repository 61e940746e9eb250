/* How xe shows XenAPI objects; see xe_class.h.  The field lists follow the
 * records of XenServer's CLI server (names, order, access marks and list
 * defaults), limited to the classes of the network verbs and to fields read
 * straight from the object's record or its metrics. */
#include "xe_class.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbuf.h"
#include "xmlrpc.h"

/* What xe prints for a reference to nothing. */
#define XE_NID "<not in database>"

/* Field constructors, one per shape, to keep the tables readable. */
#define RO(n, w)                                                                                   \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_SCALAR, .access = XE_RO                                 \
    }
#define RW(n, w, set, vt)                                                                          \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_SCALAR, .access = XE_RW, .setter = set, .vtype = vt     \
    }
#define REF(n, w, cls)                                                                             \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_REF_UUID, .target = cls, .access = XE_RO                \
    }
#define NAME(n, w, cls)                                                                            \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_REF_NAME, .target = cls, .access = XE_RO                \
    }
#define REFS(n, w, cls, acc)                                                                       \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_REFS_UUID, .target = cls, .access = acc                 \
    }
#define SET(n, w, acc)                                                                             \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_SET, .access = acc                                      \
    }
#define SETW(n, w, set)                                                                            \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_SET, .access = XE_SRW, .setter = set,                   \
        .vtype = XE_V_LIST                                                                         \
    }
#define MAP(n, w)                                                                                  \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_MAP, .access = XE_MRO                                   \
    }
#define MAPW(n, w)                                                                                 \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_MAP, .access = XE_MRW, .setter = w                      \
    }
#define MAPP(n, w, set)                                                                            \
    {                                                                                              \
        .name = n, .wire = w, .kind = XE_K_MAP, .access = XE_MRO, .setter = set                    \
    }
#define METRIC(n, w, k)                                                                            \
    {                                                                                              \
        .name = n, .wire = w, .kind = k, .target = "PIF_metrics", .access = XE_RO                  \
    }

static const struct xe_field pif_fields[] = {
        RO("uuid", "uuid"),
        RO("device", "device"),
        {.name = "MAC",
         .wire = "MAC",
         .kind = XE_K_SCALAR,
         .access = XE_RO,
         .case_insensitive = true},
        RO("physical", "physical"),
        RO("managed", "managed"),
        RO("currently-attached", "currently_attached"),
        RO("MTU", "MTU"),
        RO("VLAN", "VLAN"),
        REF("vlan-master-of", "VLAN_master_of", "VLAN"),
        REFS("vlan-slave-of", "VLAN_slave_of", "VLAN", XE_RO),
        REFS("bond-master-of", "bond_master_of", "Bond", XE_RO),
        REF("bond-slave-of", "bond_slave_of", "Bond"),
        REFS("sriov-physical-PIF-of", "sriov_physical_PIF_of", "network_sriov", XE_RO),
        REFS("sriov-logical-PIF-of", "sriov_logical_PIF_of", "network_sriov", XE_RO),
        REFS("tunnel-access-PIF-of", "tunnel_access_PIF_of", "tunnel", XE_RO),
        REFS("tunnel-transport-PIF-of", "tunnel_transport_PIF_of", "tunnel", XE_RO),
        RO("management", "management"),
        REF("network-uuid", "network", "network"),
        NAME("network-name-label", "network", "network"),
        REF("host-uuid", "host", "host"),
        NAME("host-name-label", "host", "host"),
        RO("IP-configuration-mode", "ip_configuration_mode"),
        RO("IP", "IP"),
        RO("netmask", "netmask"),
        RO("gateway", "gateway"),
        RO("IPv6-configuration-mode", "ipv6_configuration_mode"),
        SET("IPv6", "IPv6", XE_RO),
        RO("IPv6-gateway", "ipv6_gateway"),
        RO("primary-address-type", "primary_address_type"),
        RO("DNS", "DNS"),
        MAPP("properties", "properties", "set_property"),
        SET("capabilities", "capabilities", XE_SRO),
        METRIC("carrier", "carrier", XE_K_METRIC),
        METRIC("vendor-id", "vendor_id", XE_K_METRIC),
        METRIC("vendor-name", "vendor_name", XE_K_METRIC),
        METRIC("device-id", "device_id", XE_K_METRIC),
        METRIC("device-name", "device_name", XE_K_METRIC),
        METRIC("speed", "speed", XE_K_METRIC_SPEED),
        METRIC("duplex", "duplex", XE_K_METRIC_DUPLEX),
        RW("disallow-unplug", "disallow_unplug", "set_disallow_unplug", XE_V_BOOL),
        METRIC("pci-bus-path", "pci_bus_path", XE_K_METRIC),
        MAPW("other-config", "other_config"),
        RO("igmp-snooping-status", "igmp_snooping_status"),
};

static const struct xe_field network_fields[] = {
        RO("uuid", "uuid"),
        RW("name-label", "name_label", "set_name_label", XE_V_STRING),
        RW("name-description", "name_description", "set_name_description", XE_V_STRING),
        REFS("VIF-uuids", "VIFs", "VIF", XE_SRO),
        REFS("PIF-uuids", "PIFs", "PIF", XE_SRO),
        RW("MTU", "MTU", "set_MTU", XE_V_INT),
        RO("bridge", "bridge"),
        RO("managed", "managed"),
        MAPW("other-config", "other_config"),
        SET("tags", "tags", XE_SRW),
        RW("default-locking-mode", "default_locking_mode", "set_default_locking_mode", XE_V_STRING),
        SET("purpose", "purpose", XE_SRW),
};

static const struct xe_field bond_fields[] = {
        RO("uuid", "uuid"),
        REF("master", "master", "PIF"),
        REFS("slaves", "slaves", "PIF", XE_RO),
        RO("mode", "mode"),
        MAPP("properties", "properties", "set_property"),
        REF("primary-slave", "primary_slave", "PIF"),
        RO("links-up", "links_up"),
        RO("auto-update-mac", "auto_update_mac"),
};

static const struct xe_field vlan_fields[] = {
        RO("uuid", "uuid"),
        REF("tagged-PIF", "tagged_PIF", "PIF"),
        REF("untagged-PIF", "untagged_PIF", "PIF"),
        RO("tag", "tag"),
};

static const struct xe_field tunnel_fields[] = {
        RO("uuid", "uuid"),
        REF("access-PIF", "access_PIF", "PIF"),
        REF("transport-PIF", "transport_PIF", "PIF"),
        MAP("status", "status"),
        MAPW("other-config", "other_config"),
        RO("protocol", "protocol"),
};

static const struct xe_field vif_fields[] = {
        RO("uuid", "uuid"),
        REF("vm-uuid", "VM", "VM"),
        NAME("vm-name-label", "VM", "VM"),
        SET("allowed-operations", "allowed_operations", XE_SRO),
        RO("device", "device"),
        {.name = "MAC",
         .wire = "MAC",
         .kind = XE_K_SCALAR,
         .access = XE_RO,
         .case_insensitive = true},
        RO("MAC-autogenerated", "MAC_autogenerated"),
        RO("MTU", "MTU"),
        RO("currently-attached", "currently_attached"),
        RW("qos_algorithm_type", "qos_algorithm_type", "set_qos_algorithm_type", XE_V_STRING),
        MAPW("qos_algorithm_params", "qos_algorithm_params"),
        SET("qos_supported_algorithms", "qos_supported_algorithms", XE_SRO),
        MAPW("other-config", "other_config"),
        REF("network-uuid", "network", "network"),
        NAME("network-name-label", "network", "network"),
        RW("locking-mode", "locking_mode", "set_locking_mode", XE_V_STRING),
        SETW("ipv4-allowed", "ipv4_allowed", "set_ipv4_allowed"),
        SETW("ipv6-allowed", "ipv6_allowed", "set_ipv6_allowed"),
        RO("ipv4-configuration-mode", "ipv4_configuration_mode"),
        SET("ipv4-addresses", "ipv4_addresses", XE_RO),
        RO("ipv4-gateway", "ipv4_gateway"),
        RO("ipv6-configuration-mode", "ipv6_configuration_mode"),
        SET("ipv6-addresses", "ipv6_addresses", XE_RO),
        RO("ipv6-gateway", "ipv6_gateway"),
};

static const struct xe_field vm_fields[] = {
        RO("uuid", "uuid"),
        RW("name-label", "name_label", "set_name_label", XE_V_STRING),
        RW("name-description", "name_description", "set_name_description", XE_V_STRING),
        RW("user-version", "user_version", "set_user_version", XE_V_INT),
        RW("is-a-template", "is_a_template", "set_is_a_template", XE_V_BOOL),
        RO("is-a-snapshot", "is_a_snapshot"),
        REF("snapshot-of", "snapshot_of", "VM"),
        RO("is-control-domain", "is_control_domain"),
        {.name = "power-state", .wire = "power_state", .kind = XE_K_LOWER, .access = XE_RO},
        RO("memory-static-max", "memory_static_max"),
        RO("memory-dynamic-max", "memory_dynamic_max"),
        RO("memory-dynamic-min", "memory_dynamic_min"),
        RO("memory-static-min", "memory_static_min"),
        RO("VCPUs-max", "VCPUs_max"),
        RO("VCPUs-at-startup", "VCPUs_at_startup"),
        RO("actions-after-shutdown", "actions_after_shutdown"),
        RO("actions-after-reboot", "actions_after_reboot"),
        RO("actions-after-crash", "actions_after_crash"),
        MAPW("platform", "platform"),
        SET("allowed-operations", "allowed_operations", XE_SRO),
        RO("domain-type", "domain_type"),
        RW("PV-args", "PV_args", "set_PV_args", XE_V_STRING),
        REF("resident-on", "resident_on", "host"),
        REF("affinity", "affinity", "host"),
        MAPW("other-config", "other_config"),
        RO("dom-id", "domid"),
        MAPW("xenstore-data", "xenstore_data"),
        SET("tags", "tags", XE_SRW),
};

static const struct xe_field host_fields[] = {
        RO("uuid", "uuid"),
        RW("name-label", "name_label", "set_name_label", XE_V_STRING),
        RW("name-description", "name_description", "set_name_description", XE_V_STRING),
        SET("allowed-operations", "allowed_operations", XE_SRO),
        RO("enabled", "enabled"),
        RO("API-version-major", "API_version_major"),
        RO("API-version-minor", "API_version_minor"),
        RO("API-version-vendor", "API_version_vendor"),
        MAP("software-version", "software_version"),
        SET("capabilities", "capabilities", XE_SRO),
        MAPW("other-config", "other_config"),
        RO("hostname", "hostname"),
        RO("address", "address"),
        SET("tags", "tags", XE_SRW),
        REF("control-domain-uuid", "control_domain", "VM"),
        REFS("resident-vms", "resident_VMs", "VM", XE_SRO),
};

static const struct xe_field pool_fields[] = {
        RO("uuid", "uuid"),
        RW("name-label", "name_label", "set_name_label", XE_V_STRING),
        RW("name-description", "name_description", "set_name_description", XE_V_STRING),
        REF("master", "master", "host"),
        REF("default-SR", "default_SR", "SR"),
        MAPW("other-config", "other_config"),
        SET("allowed-operations", "allowed_operations", XE_SRO),
        RO("ha-enabled", "ha_enabled"),
        {.name = "vswitch-controller",
         .wire = "vswitch_controller",
         .kind = XE_K_SCALAR,
         .access = XE_RO,
         .hidden = true},
        SET("tags", "tags", XE_SRW),
};

static const struct xe_field sdn_fields[] = {
        RO("uuid", "uuid"),
        RO("protocol", "protocol"),
        RO("address", "address"),
        RO("port", "port"),
};

#define CLASS(n, w, f, l)                                                                          \
    {                                                                                              \
        .name = n, .wire = w, .fields = f, .n_fields = sizeof f / sizeof f[0], .list_fields = l    \
    }

static const struct xe_class pif_class =
        CLASS("pif", "PIF", pif_fields,
              "uuid,device,VLAN,MAC,network-uuid,currently-attached,"
              "host-uuid");
static const struct xe_class network_class =
        CLASS("network", "network", network_fields, "uuid,name-label,name-description,bridge");
static const struct xe_class bond_class = CLASS("bond", "Bond", bond_fields, "uuid,master,slaves");
static const struct xe_class vlan_class =
        CLASS("vlan", "VLAN", vlan_fields, "uuid,tagged-PIF,untagged-PIF,tag");
static const struct xe_class tunnel_class =
        CLASS("tunnel", "tunnel", tunnel_fields, "uuid,transport-PIF,access-PIF,status");
static const struct xe_class vif_class =
        CLASS("vif", "VIF", vif_fields, "uuid,device,vm-uuid,network-uuid");
static const struct xe_class vm_class = {
        .name = "vm",
        .wire = "VM",
        .fields = vm_fields,
        .n_fields = sizeof vm_fields / sizeof vm_fields[0],
        .list_fields = "name-label,uuid,power-state",
        .filter_key = "is-a-template",
        .filter_value = "false",
};
static const struct xe_class host_class =
        CLASS("host", "host", host_fields, "uuid,name-label,name-description");
static const struct xe_class pool_class =
        CLASS("pool", "pool", pool_fields, "uuid,name-label,name-description,master,default-SR");
static const struct xe_class sdn_class =
        CLASS("sdn-controller", "SDN_controller", sdn_fields, "uuid,protocol,address,port");

const struct xe_class *const xe_classes[] = {
        &pif_class, &network_class, &bond_class, &vlan_class, &tunnel_class, &vif_class,
        &vm_class,  &host_class,    &pool_class, &sdn_class,  NULL,
};

const struct xe_class *xe_class_find(const char *name)
{
    for (size_t i = 0; xe_classes[i]; i++) {
        if (!strcmp(xe_classes[i]->name, name)) {
            return xe_classes[i];
        }
    }
    return NULL;
}

const struct xe_class *xe_class_find_wire(const char *wire)
{
    for (size_t i = 0; xe_classes[i]; i++) {
        if (!strcmp(xe_classes[i]->wire, wire)) {
            return xe_classes[i];
        }
    }
    return NULL;
}

const struct xe_field *xe_class_field(const struct xe_class *cls, const char *name)
{
    for (size_t i = 0; i < cls->n_fields; i++) {
        if (!strcmp(cls->fields[i].name, name)) {
            return &cls->fields[i];
        }
    }
    return NULL;
}

const char *xe_access_mark(enum xe_access access)
{
    switch (access) {
    case XE_RO:
        return " ( RO)";
    case XE_RW:
        return " ( RW)";
    case XE_MRO:
        return " (MRO)";
    case XE_MRW:
        return " (MRW)";
    case XE_SRO:
        return " (SRO)";
    case XE_SRW:
        return " (SRW)";
    }
    return "";
}

bool xe_field_present(const struct xe_field *f, const struct xr_value *rec)
{
    const char *member =
            f->kind == XE_K_METRIC || f->kind == XE_K_METRIC_SPEED || f->kind == XE_K_METRIC_DUPLEX
                    ? "metrics"
                    : f->wire;

    return xr_struct_get(rec, member) != NULL;
}

/* Appends a scalar as xe shows it. */
static void add_scalar(struct sbuf *out, const struct xr_value *v)
{
    int64_t i;
    bool b;
    double d;

    switch (xr_type(v)) {
    case XR_INT:
        xr_get_int(v, &i);
        sbuf_addf(out, "%" PRId64, i);
        break;
    case XR_BOOL:
        xr_get_bool(v, &b);
        sbuf_adds(out, b ? "true" : "false");
        break;
    case XR_DOUBLE:
        xr_get_double(v, &d);
        sbuf_addf(out, "%.3f", d);
        break;
    case XR_STRING:
    case XR_DATETIME:
        sbuf_adds(out, xr_get_string(v));
        break;
    case XR_ARRAY:
        for (size_t k = 0; k < xr_array_len(v); k++) {
            if (k) {
                sbuf_adds(out, "; ");
            }
            add_scalar(out, xr_array_get(v, k));
        }
        break;
    case XR_STRUCT:
        for (size_t k = 0; k < xr_struct_len(v); k++) {
            sbuf_addf(out, "%s%s: ", k ? "; " : "", xr_struct_key(v, k));
            add_scalar(out, xr_struct_value(v, k));
        }
        break;
    case XR_NIL:
    case XR_BASE64:
        break;
    }
}

/* The record "ref" points to, or NULL (the null ref, or not found). */
static const struct xr_value *deref(const struct xe_resolver *res, const char *cls,
                                    const struct xr_value *ref)
{
    const char *s = xr_get_string(ref);

    if (!s || !*s || !strcmp(s, "OpaqueRef:NULL") || !res || !res->lookup) {
        return NULL;
    }
    return res->lookup(res->ctx, cls, s);
}

static void add_ref(struct sbuf *out, const struct xe_resolver *res, const char *cls,
                    const struct xr_value *ref, const char *member)
{
    const char *s = xr_get_string(xr_struct_get(deref(res, cls, ref), member));

    sbuf_adds(out, s ? s : XE_NID);
}

int xe_field_text(const struct xe_field *f, const struct xr_value *rec,
                  const struct xe_resolver *res, struct sbuf *out)
{
    const struct xr_value *v = xr_struct_get(rec, f->wire);
    const struct xr_value *metrics = NULL;
    bool b = false, carrier = false;
    int64_t i;
    size_t start = out->len;

    switch (f->kind) {
    case XE_K_SCALAR:
    case XE_K_SET:
    case XE_K_MAP:
        add_scalar(out, v);
        break;
    case XE_K_LOWER:
        add_scalar(out, v);
        if (out->len > start && out->data[start] >= 'A' && out->data[start] <= 'Z') {
            out->data[start] = (char)(out->data[start] - 'A' + 'a');
        }
        break;
    case XE_K_REF_UUID:
        add_ref(out, res, f->target, v, "uuid");
        break;
    case XE_K_REF_NAME:
        add_ref(out, res, f->target, v, "name_label");
        break;
    case XE_K_REFS_UUID:
        for (size_t k = 0; k < xr_array_len(v); k++) {
            if (k) {
                sbuf_adds(out, "; ");
            }
            add_ref(out, res, f->target, xr_array_get(v, k), "uuid");
        }
        break;
    case XE_K_METRIC:
    case XE_K_METRIC_SPEED:
    case XE_K_METRIC_DUPLEX:
        metrics = deref(res, f->target, xr_struct_get(rec, "metrics"));
        v = xr_struct_get(metrics, f->wire);
        if (!metrics || !v) {
            sbuf_adds(out, XE_NID);
        } else if (f->kind == XE_K_METRIC) {
            add_scalar(out, v);
        } else if (f->kind == XE_K_METRIC_SPEED) {
            if (xr_get_int(v, &i) == 0) {
                sbuf_addf(out, "%" PRId64 " Mbit/s", i);
            } else {
                add_scalar(out, v);
            }
        } else {
            xr_get_bool(v, &b);
            xr_get_bool(xr_struct_get(metrics, "carrier"), &carrier);
            sbuf_adds(out, b ? "full" : carrier ? "half" : "unknown");
        }
        break;
    }
    return sbuf_error(out);
}

void xe_strings_free(char **v, int n)
{
    for (int i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

int xe_field_elements(const struct xe_field *f, const struct xr_value *rec,
                      const struct xe_resolver *res, char ***out)
{
    const struct xr_value *v = xr_struct_get(rec, f->wire);
    size_t n = xr_array_len(v);
    char **items = calloc(n + 1, sizeof *items);
    int count = 0;

    *out = NULL;
    if (!items) {
        return -ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        struct sbuf b = SBUF_INIT;

        if (f->kind == XE_K_REFS_UUID) {
            add_ref(&b, res, f->target, xr_array_get(v, k), "uuid");
        } else {
            add_scalar(&b, xr_array_get(v, k));
        }
        items[count] = sbuf_error(&b) ? NULL : sbuf_steal(&b, NULL);
        sbuf_free(&b);
        if (!items[count]) {
            xe_strings_free(items, count);
            return -ENOMEM;
        }
        count++;
    }
    *out = items;
    return count;
}

static bool is_set_kind(const struct xe_field *f)
{
    return f->kind == XE_K_SET || f->kind == XE_K_REFS_UUID;
}

static bool text_equal(const struct xe_field *f, const char *a, const char *b)
{
    return f->case_insensitive ? !strcasecmp(a, b) : !strcmp(a, b);
}

int xe_filter_match(const struct xe_class *cls, const struct xr_value *rec,
                    const struct xe_resolver *res, const char *key, const char *value,
                    const char **why)
{
    const struct xe_field *f = xe_class_field(cls, key);
    const char *colon = strchr(key, ':');
    struct sbuf b = SBUF_INIT;
    char name[128];
    int r;

    *why = NULL;
    if (f) {
        if (!xe_field_present(f, rec)) {
            return 0;
        }
        r = xe_field_text(f, rec, res, &b);
        if (r == 0) {
            r = text_equal(f, sbuf_str(&b), value) ? 1 : 0;
        }
        sbuf_free(&b);
        return r;
    }
    if (!colon || (size_t)(colon - key) >= sizeof name) {
        *why = "Unknown field";
        return -EINVAL;
    }
    memcpy(name, key, (size_t)(colon - key));
    name[colon - key] = '\0';
    f = xe_class_field(cls, name);
    if (!f) {
        *why = "Unknown field";
        return -EINVAL;
    }
    if (f->kind == XE_K_MAP) {
        const struct xr_value *m = xr_struct_get(rec, f->wire);
        const char *s = xr_get_string(xr_struct_get(m, colon + 1));

        return s && text_equal(f, s, value) ? 1 : 0;
    }
    if (is_set_kind(f)) {
        char **items;
        int n;

        if (strcmp(colon + 1, "contains")) {
            *why = "Invalid syntax for set filtering (should be set-param:contains=key)";
            return -EINVAL;
        }
        n = xe_field_elements(f, rec, res, &items);
        if (n < 0) {
            return n;
        }
        r = 0;
        for (int k = 0; k < n && !r; k++) {
            r = text_equal(f, items[k], value) ? 1 : 0;
        }
        xe_strings_free(items, n);
        return r;
    }
    *why = "Field is not a set or map";
    return -EINVAL;
}

void xe_row_clear(struct xe_row *row)
{
    if (!row) {
        return;
    }
    for (size_t i = 0; i < row->n; i++) {
        free(row->labels[i]);
        free(row->values[i]);
    }
    free(row->labels);
    free(row->values);
    memset(row, 0, sizeof *row);
}

/* Whether "name" is one of the comma-separated "list". */
static bool in_list(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == len && !strncmp(p, name, n)) {
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

int xe_row_build(const struct xe_class *cls, const struct xr_value *rec,
                 const struct xe_resolver *res, const char *params, bool all_fields,
                 struct xe_row *row)
{
    const char *wanted = params ? params : cls->list_fields;
    bool every = all_fields || !strcmp(wanted, "all");
    int r = 0;

    memset(row, 0, sizeof *row);
    row->labels = calloc(cls->n_fields, sizeof *row->labels);
    row->values = calloc(cls->n_fields, sizeof *row->values);
    if (!row->labels || !row->values) {
        xe_row_clear(row);
        return -ENOMEM;
    }
    for (size_t i = 0; i < cls->n_fields && r == 0; i++) {
        const struct xe_field *f = &cls->fields[i];
        struct sbuf b = SBUF_INIT;

        if (f->hidden || !xe_field_present(f, rec) || (!every && !in_list(wanted, f->name))) {
            continue;
        }
        r = xe_field_text(f, rec, res, &b);
        if (r == 0 &&
            asprintf(&row->labels[row->n], "%s%s", f->name, xe_access_mark(f->access)) < 0) {
            row->labels[row->n] = NULL;
            r = -ENOMEM;
        }
        if (r == 0) {
            row->values[row->n] = sbuf_steal(&b, NULL);
            r = row->values[row->n] ? 0 : -ENOMEM;
            if (r < 0) {
                free(row->labels[row->n]);
            }
        }
        if (r == 0) {
            row->n++;
        }
        sbuf_free(&b);
    }
    if (r < 0) {
        xe_row_clear(row);
    }
    return r;
}

/* Appends "s" with ',' and '\' escaped by a backslash, as --minimal does. */
static void add_escaped(struct sbuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == ',' || *s == '\\') {
            sbuf_addc(out, '\\');
        }
        sbuf_addc(out, *s);
    }
}

int xe_print_rows(const struct xe_row *rows, size_t n, bool minimal, struct sbuf *out)
{
    if (minimal) {
        bool first = true;

        for (size_t i = 0; i < n; i++) {
            if (rows[i].n == 0) {
                continue;
            }
            if (!first) {
                sbuf_addc(out, ',');
            }
            add_escaped(out, rows[i].values[0]);
            first = false;
        }
        sbuf_addc(out, '\n');
        return sbuf_error(out);
    }
    for (size_t i = 0; i < n; i++) {
        const struct xe_row *row = &rows[i];
        size_t width = 0;

        for (size_t k = 0; k < row->n; k++) {
            size_t len = strlen(row->labels[k]);

            width = len > width ? len : width;
        }
        width += 4;
        for (size_t k = 0; k < row->n; k++) {
            if (k == 0) {
                sbuf_addf(out, "%-*s: %s\n", (int)width, row->labels[k], row->values[k]);
            } else {
                sbuf_addf(out, "%*s: %s\n", (int)width, row->labels[k], row->values[k]);
            }
        }
        sbuf_adds(out, "\n\n");
    }
    return sbuf_error(out);
}
