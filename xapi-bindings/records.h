/* Typed records for the XenAPI classes the network scripts use (spec §12).
 *
 * Each class is described once by a field table (struct xapi_class); the
 * generic functions below decode an XML-RPC struct into the C struct, encode
 * it back, and free it.  Fields missing from the wire keep their defaults
 * (NULL/empty/0/false), because older XAPIs lack some (network.MTU).  Ints
 * are accepted both as XML-RPC ints and as decimal strings, the form XAPI
 * sends.  Every record struct starts with "ref", the object's reference,
 * which is not a field on the wire. */
#ifndef XVS_RECORDS_H
#define XVS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xr_value;

#define XAPI_NULL_REF "OpaqueRef:NULL"

/* XAPI's value for a datetime that was never set: the epoch. */
#define XAPI_NEVER "19700101T00:00:00Z"

/* A set of strings or refs. */
struct xapi_strv {
    size_t n;
    char **v;
};

/* A map(string, string), in wire order. */
struct xapi_map {
    size_t n;
    char **keys;
    char **values;
};

enum xapi_ftype {
    XAPI_F_STRING,
    XAPI_F_REF,
    XAPI_F_INT,
    XAPI_F_BOOL,
    XAPI_F_DOUBLE,
    XAPI_F_DATETIME, /* Kept as its ISO-8601 text. */
    XAPI_F_STRV,
    XAPI_F_MAP,
};

struct xapi_field {
    const char *name; /* As on the wire: "VLAN", "bond_master_of". */
    enum xapi_ftype type;
    size_t offset;
};

struct xapi_class {
    const char *name; /* As in method names: "PIF", "network", "Bond". */
    size_t size;      /* sizeof the record struct. */
    const struct xapi_field *fields;
    size_t n_fields;
};

struct xapi_pif {
    char *ref;
    char *uuid;
    char *device;
    char *network;
    char *host;
    char *mac;
    int64_t mtu;
    int64_t vlan; /* -1 when not a VLAN PIF. */
    bool physical;
    bool currently_attached;
    bool management;
    char *ip_configuration_mode; /* None, DHCP, Static. */
    char *ip;
    char *netmask;
    char *gateway;
    char *dns;
    char *ipv6_configuration_mode; /* None, DHCP, Static, Autoconf. */
    struct xapi_strv ipv6;
    char *ipv6_gateway;
    char *primary_address_type; /* IPv4, IPv6. */
    char *bond_slave_of;
    struct xapi_strv bond_master_of;
    char *vlan_master_of;
    struct xapi_strv vlan_slave_of;
    struct xapi_strv tunnel_access_pif_of;
    struct xapi_strv tunnel_transport_pif_of;
    char *metrics;
    struct xapi_map other_config;
    bool managed;
    struct xapi_map properties;
    struct xapi_strv capabilities;
    bool disallow_unplug;
};

struct xapi_network {
    char *ref;
    char *uuid;
    char *name_label;
    char *name_description;
    char *bridge;
    int64_t mtu;
    struct xapi_strv pifs;
    struct xapi_strv vifs;
    bool managed;
    struct xapi_map other_config;
    char *default_locking_mode; /* unlocked, disabled. */
    struct xapi_strv purpose;
};

struct xapi_bond {
    char *ref;
    char *uuid;
    char *master;
    struct xapi_strv slaves;
    char *primary_slave;
    char *mode; /* balance-slb, active-backup, lacp. */
    struct xapi_map properties;
    int64_t links_up;
    struct xapi_map other_config;
};

struct xapi_vlan {
    char *ref;
    char *uuid;
    char *tagged_pif;
    char *untagged_pif;
    int64_t tag;
    struct xapi_map other_config;
};

struct xapi_tunnel {
    char *ref;
    char *uuid;
    char *access_pif;
    char *transport_pif;
    struct xapi_map status;
    char *protocol; /* gre, vxlan. */
    struct xapi_map other_config;
};

struct xapi_vif {
    char *ref;
    char *uuid;
    char *device;
    char *network;
    char *vm;
    char *mac;
    int64_t mtu;
    bool currently_attached;
    char *locking_mode; /* network_default, locked, unlocked, disabled. */
    struct xapi_strv ipv4_allowed;
    struct xapi_strv ipv6_allowed;
    struct xapi_map other_config;
    char *metrics;
};

struct xapi_vm {
    char *ref;
    char *uuid;
    char *name_label;
    char *power_state;
    int64_t domid;
    bool is_control_domain;
    char *resident_on;
    struct xapi_strv vifs;
    struct xapi_map other_config;
};

struct xapi_host {
    char *ref;
    char *uuid;
    char *name_label;
    char *hostname;
    char *address;
    struct xapi_strv pifs;
    struct xapi_map other_config;
};

struct xapi_pool {
    char *ref;
    char *uuid;
    char *name_label;
    char *master;
    struct xapi_map other_config;
    char *vswitch_controller;
};

struct xapi_pif_metrics {
    char *ref;
    char *uuid;
    bool carrier;
    int64_t speed;
    bool duplex;
    char *vendor_id;
    char *vendor_name;
    char *device_id;
    char *device_name;
    char *pci_bus_path;
    double io_read_kbs;
    double io_write_kbs;
    char *last_updated;
    struct xapi_map other_config;
};

struct xapi_sdn_controller {
    char *ref;
    char *uuid;
    char *protocol; /* ssl, pssl. */
    char *address;
    int64_t port;
};

extern const struct xapi_class xapi_class_pif;
extern const struct xapi_class xapi_class_network;
extern const struct xapi_class xapi_class_bond;
extern const struct xapi_class xapi_class_vlan;
extern const struct xapi_class xapi_class_tunnel;
extern const struct xapi_class xapi_class_vif;
extern const struct xapi_class xapi_class_vm;
extern const struct xapi_class xapi_class_host;
extern const struct xapi_class xapi_class_pool;
extern const struct xapi_class xapi_class_pif_metrics;
extern const struct xapi_class xapi_class_sdn_controller;

/* All classes above, NULL-terminated, and lookup by wire name. */
extern const struct xapi_class *const xapi_classes[];
const struct xapi_class *xapi_class_find(const char *name);

/* The field of "cls" named "name", or NULL. */
const struct xapi_field *xapi_class_field(const struct xapi_class *cls, const char *name);

/* Fills "rec" (a zeroed struct of cls->size bytes) from the XML-RPC struct
 * "v".  "ref" (may be NULL) is copied into rec->ref.  Unknown members are
 * ignored; missing ones keep their defaults.  Returns 0, -EINVAL when a
 * member has the wrong type (after logging which), or -ENOMEM.  On failure
 * "rec" is cleared. */
int xapi_record_decode(const struct xapi_class *cls, const char *ref, const struct xr_value *v,
                       void *rec);

/* Builds the XML-RPC struct of "rec" with every field of the class, ints
 * as decimal strings and datetimes as dateTime.iso8601 (XAPI_NEVER when
 * unset), as XAPI sends them.  Returns 0 or -ENOMEM. */
int xapi_record_encode(const struct xapi_class *cls, const void *rec, struct xr_value **out);

/* Frees what "rec" points to and zeroes it; the struct itself is not freed.
 * Accepts NULL. */
void xapi_record_clear(const struct xapi_class *cls, void *rec);

/* A list of records of one class, as returned by get_all_records. */
struct xapi_record_list {
    const struct xapi_class *cls;
    size_t n;
    void *items; /* n structs of cls->size bytes. */
};

#define XAPI_LIST_ITEM(list, type, i) (&((type *)(list)->items)[i])

/* Decodes a get_all_records result (struct ref -> record) into "list".
 * Returns 0, -EINVAL or -ENOMEM; "list" is empty on failure. */
int xapi_record_list_decode(const struct xapi_class *cls, const struct xr_value *v,
                            struct xapi_record_list *list);

/* Frees every record and the array.  Accepts NULL. */
void xapi_record_list_clear(struct xapi_record_list *list);

/* The record whose ref / uuid is "key", or NULL. */
void *xapi_record_list_find_ref(const struct xapi_record_list *list, const char *ref);
void *xapi_record_list_find_uuid(const struct xapi_record_list *list, const char *uuid);

/* Helpers for the value types. */
const char *xapi_map_get(const struct xapi_map *m, const char *key);
int xapi_map_set(struct xapi_map *m, const char *key, const char *value);
void xapi_map_clear(struct xapi_map *m);
int xapi_strv_append(struct xapi_strv *sv, const char *s);
bool xapi_strv_contains(const struct xapi_strv *sv, const char *s);
void xapi_strv_clear(struct xapi_strv *sv);

#endif
