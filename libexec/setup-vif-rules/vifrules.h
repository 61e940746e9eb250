/* setup-vif-rules: the pure part.  Validation of the values a VIF's locking
 * configuration is made of (MAC, IPv4/IPv6 addresses, locking mode, names
 * that end up in paths), and the generator of the anti-spoofing rules of
 * spec §3.1: OpenFlow rules as ovs-ofctl text and ebtables command lines.
 * No I/O and no logging here, so every rule can be unit-tested literally. */
#ifndef XVS_VIFRULES_H
#define XVS_VIFRULES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>

/* "xx:xx:xx:xx:xx:xx" and its NUL. */
#define VFR_MAC_LEN 18
/* At most this many allowed addresses per family: far more than a VIF has, and it bounds the
 * flow batch (2 flows per IPv4 address, 5 per IPv6 address). */
#define VFR_MAX_ADDRS 256
/* The cookie of every flow we install, so clear removes only ours (CP-18476). */
#define VFR_COOKIE 1

enum vfr_locking {
    VFR_UNLOCKED, /* Also "" and "network_default": normal switching, no rules. */
    VFR_LOCKED,   /* Anti-spoofing rules for the MAC and the allowed addresses. */
    VFR_DISABLED, /* The port is not put on the bridge at all. */
};

/* A VIF's locking configuration, validated and in canonical text form. */
struct vfr_lock {
    enum vfr_locking mode;
    char mac[VFR_MAC_LEN]; /* Lower case. */
    size_t n_ipv4, n_ipv6;
    char ipv4[VFR_MAX_ADDRS][INET_ADDRSTRLEN];
    char ipv6[VFR_MAX_ADDRS][INET6_ADDRSTRLEN];
};

/* A NULL-terminated vector of malloc'd strings: a list of rules, or one command's argv. */
struct vfr_strv {
    char **v; /* v[n] is NULL once anything was added. */
    size_t n;
};

/* A list of command lines (each an argv vector). */
struct vfr_cmds {
    struct vfr_strv *cmd;
    size_t n;
};

/* Frees the vector's strings and array and empties it.  Accepts NULL. */
void vfr_strv_free(struct vfr_strv *s);
/* Appends a copy of str.  0 or -ENOMEM. */
int vfr_strv_add(struct vfr_strv *s, const char *str);
/* Frees every command and empties the list.  Accepts NULL. */
void vfr_cmds_free(struct vfr_cmds *c);

/* Checks a MAC address "xx:xx:xx:xx:xx:xx" (hex digits of either case) and stores it in lower
 * case in out.  Returns 0 or -EINVAL. */
int vfr_parse_mac(const char *text, char out[VFR_MAC_LEN]);

/* Parses a locking mode as the scripts spell it, case-insensitively: "locked", "unlocked",
 * "disabled", "network_default" or "" (the last two mean unlocked: neither xenopsd's VIF file
 * nor the legacy xenstore key carries the network's default, and the originals install no
 * rules for them).  Returns 0 or -EINVAL. */
int vfr_parse_locking(const char *text, enum vfr_locking *mode);
/* "locked", "unlocked" or "disabled". */
const char *vfr_locking_name(enum vfr_locking mode);

/* Adds one allowed address after checking it with inet_pton(); the canonical inet_ntop() form
 * is stored.  Returns 0, -EINVAL (not an address of that family) or -E2BIG (too many). */
int vfr_add_ipv4(struct vfr_lock *l, const char *text);
int vfr_add_ipv6(struct vfr_lock *l, const char *text);
/* Adds a comma-separated list (the legacy xenstore ipv4-allowed / ipv6-allowed form; blanks
 * around items and empty items are ignored).  af is AF_INET or AF_INET6.  On -EINVAL the
 * offending item (truncated) is copied to bad_item when it is not NULL.  Returns 0, -EINVAL or
 * -E2BIG. */
int vfr_add_list(struct vfr_lock *l, int af, const char *csv, char bad_item[64]);

/* True if s is a safe name to put in a path or an OVSDB value: 1..max bytes of letters,
 * digits, '_', '-' and '.', not starting with '.' (so neither "." nor ".." nor '/'). */
bool vfr_safe_token(const char *s, size_t max);

/* Splits a backend interface name "vif<domid>.<devid>" or "tap<domid>.<devid>" (decimal
 * numbers, at most IFNAMSIZ-1 bytes in all) into its type ("vif"/"tap"), domid and devid.
 * Returns 0 or -EINVAL. */
int vfr_parse_vif_name(const char *name, char type[4], unsigned *domid, unsigned *devid);
/* Parses a decimal number 0..UINT32_MAX without sign or blanks.  0 or -EINVAL. */
int vfr_parse_uint(const char *s, unsigned *out);

/* The locked-mode OpenFlow rules of spec §3.1, in order, as ovs-ofctl add-flow text, each
 * starting "cookie=1,in_port=<port>,".  port is the OpenFlow port number as text (or, in a
 * dry run that does not know it, the interface name).  Only a VFR_LOCKED lock yields rules;
 * the others yield none.  Appends to *out.  Returns 0 or -ENOMEM. */
int vfr_ovs_rules(const struct vfr_lock *l, const char *port, struct vfr_strv *out);

/* The name of the ebtables chain of a VIF ("FORWARD_<vif>"), in buf (at least 32 bytes). */
void vfr_ebtables_chain(const char *vif, char buf[32]);
/* The locked-mode ebtables commands of spec §3.1 for vif (argv vectors, each starting with
 * "ebtables").  Only a VFR_LOCKED lock yields commands.  Appends to *out.  0 or -ENOMEM. */
int vfr_ebtables_rules(const struct vfr_lock *l, const char *vif, struct vfr_cmds *out);
/* The commands that remove vif's chain and the jumps to it (after `ebtables -L <chain>`
 * succeeded): -D FORWARD -i, -D FORWARD -o, -F, -X.  Appends to *out.  0 or -ENOMEM. */
int vfr_ebtables_clear(const char *vif, struct vfr_cmds *out);

#endif
