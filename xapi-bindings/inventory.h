/* /etc/xensource-inventory: the host's identity, as KEY='value' lines.
 *
 * The installer writes it; interface-reconfigure and the OVS scripts read
 * INSTALLATION_UUID (this host's uuid in XAPI) and MANAGEMENT_INTERFACE from
 * it.  The format is a shell fragment: KEY='value', also KEY="value" and
 * KEY=value, with blank lines and # comments.  The original stripped the
 * quotes with a split on "="; we accept the same files and refuse anything
 * that is not one of those forms, naming the line. */
#ifndef XVS_INVENTORY_H
#define XVS_INVENTORY_H

#include <stddef.h>

struct inv_entry {
    char *key;
    char *value;
};

/* The keys in file order; a repeated key keeps its first place and its
 * last value, as when the file is sourced by a shell. */
struct inv {
    size_t n;
    struct inv_entry *entries;
};

/* clang-format off */
#define INV_INIT {0, NULL}
/* clang-format on */

/* Parses the "len" bytes at "buf" into "inv" (whose previous contents are
 * not freed: pass a struct set to INV_INIT or cleared).  Returns 0,
 * -EBADMSG for a malformed line (logged with its line number), -E2BIG when
 * larger than 64 KiB, or -ENOMEM.  On failure "inv" is empty. */
int inv_parse(const char *buf, size_t len, struct inv *inv);

/* Reads and parses the file at "path" (already root-prefixed, normally
 * paths_get(PATHS_INVENTORY)).  Returns what inv_parse() returns, or the
 * negative errno of reading the file (logged). */
int inv_read(const char *path, struct inv *inv);

/* The value of "key", owned by "inv", or NULL when the key is absent. */
const char *inv_get(const struct inv *inv, const char *key);

/* Frees every entry and empties "inv".  Accepts NULL. */
void inv_clear(struct inv *inv);

#endif
