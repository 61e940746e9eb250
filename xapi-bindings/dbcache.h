/* network.dbcache: XAPI's network configuration saved for boot time.
 *
 * interface-reconfigure writes this file after every change and reads it
 * when XAPI is not up yet (management interface at boot, --force).  The
 * format is spec §1.3: root <xenserver-network-configuration>, children
 * pif, bond, vlan, tunnel, network, pool, each with a ref attribute, fields
 * as child elements, lists as item elements, other_config as one element
 * per whitelisted key.
 *
 * Differences from the original, on purpose:
 * - <tunnel> elements are kept as tunnels (the original stored them into
 *   the VLAN table and lost them, quirk Q4);
 * - the file is written temp + fsync + rename inside the root prefix given
 *   by the caller (the original ignored --root-prefix, quirk Q3);
 * - a bad boolean or an unknown top-level element is an error that names
 *   the offending text, and nothing is returned half-read;
 * - a PIF's IPv6 configuration (ipv6_configuration_mode, IPv6 as <address>
 *   items, ipv6_gateway, primary_address_type) is kept after MAC when the
 *   PIF has it, and not written otherwise, so IPv4-only caches keep the
 *   original's layout. */
#ifndef XVS_DBCACHE_H
#define XVS_DBCACHE_H

#include <stddef.h>

#include "records.h"

/* The cached objects, each list in file order.  Records carry only the
 * fields and other_config keys the cache keeps (spec §1.2); other fields
 * keep their defaults. */
struct dbcache {
    struct xapi_record_list pifs;     /* struct xapi_pif */
    struct xapi_record_list bonds;    /* struct xapi_bond */
    struct xapi_record_list vlans;    /* struct xapi_vlan */
    struct xapi_record_list tunnels;  /* struct xapi_tunnel */
    struct xapi_record_list networks; /* struct xapi_network */
    struct xapi_record_list pools;    /* struct xapi_pool */
};

/* Sets every list empty with its class. */
void dbcache_init(struct dbcache *db);

/* Frees every record.  Accepts NULL.  Leaves "db" initialised and empty. */
void dbcache_clear(struct dbcache *db);

/* Parses a dbcache document.  Accepts both the inline (Python 3) and the
 * indented (Python 2 minidom) layouts.  Returns 0, -EBADMSG (malformed;
 * the reason is logged, naming the element or value), -E2BIG (larger than
 * 64 MiB) or -ENOMEM.  On failure "db" is empty. */
int dbcache_parse(const char *buf, size_t len, struct dbcache *db);

/* Reads and parses the file at "path" (already root-prefixed). */
int dbcache_read(const char *path, struct dbcache *db);

/* Serialises "db" in the writer's layout: tabs, whitelist field order,
 * elements grouped pifs, bonds, vlans, tunnels, networks, pools.  Only the
 * whitelisted other_config keys are written; others are logged as
 * "Unknown other-config attribute: <key>" and skipped.  The output of
 * dbcache_format() on a parsed document that it wrote is byte-identical.
 * Returns 0 or -ENOMEM; "*out" is freed by the caller. */
int dbcache_format(const struct dbcache *db, char **out, size_t *len);

/* Formats and writes "db" to "path" (already root-prefixed) atomically. */
int dbcache_write(const char *path, const struct dbcache *db);

/* Whether "key" is a PIF / network other_config key the cache keeps. */
int dbcache_pif_key_kept(const char *key);
int dbcache_network_key_kept(const char *key);

#endif
