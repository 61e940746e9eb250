/* Command line and value checks of the vif hotplug program (vif_args.c):
 * what to do (type, domid, devid, action) parsed from either argv form, and
 * the validators for values read from xenstore. */
#ifndef XVS_VIF_ARGS_H
#define XVS_VIF_ARGS_H

#include <stdbool.h>

/* Xen reserves domain ids from 0x7FF0 up; dom0 has no VIFs. */
#define VIF_DOMID_MAX 0x7FEF
#define VIF_DEVID_MAX 65535

enum vif_type {
    VIF_TYPE_VIF,
    VIF_TYPE_TAP,
};

enum vif_action {
    VIF_ACT_ONLINE,
    VIF_ACT_ADD,
    VIF_ACT_REMOVE,
    VIF_ACT_MOVE,
    VIF_ACT_OFFLINE,
    VIF_ACT_BIND,
    VIF_ACT_UNBIND,
};

/* What to do, parsed from the command line and environment. */
struct vif_req {
    enum vif_type type;
    unsigned domid;
    unsigned devid;
    enum vif_action action;
};

/* Parses the positional arguments (after the options): either the udev form
 * `ACTION type_if=vif|tap` (domid/devid from xenbus_path for vif, from interface for tap) or
 * the vif-real form `TYPE DOMID DEVID ACTION [dummy]`.  xenbus_path and interface are the
 * environment values (NULL when unset).  For type vif, a non-empty xenbus_path must name the
 * same device ("backend/vif/D/N" or "/local/domain/0/backend/vif/D/N").  Returns 0 with *req,
 * or -EINVAL with a one-line message in *msg (malloc'd, caller frees). */
int vif_parse_args(int argc, char *const *argv, const char *xenbus_path, const char *interface,
                   struct vif_req *req, char **msg);

/* True for the actions that have nothing to do for this type (bind, unbind, offline; online
 * for a tap, add for a vif; move for a tap), as vif-real ignores them. */
bool vif_is_noop(const struct vif_req *req);

/* "online", "add", ... */
const char *vif_action_name(enum vif_action a);

/* Validators.  Each returns 0 or -EINVAL (vif_parse_trunks also -ENOMEM). */
/* A decimal id without sign or leading zeros, at most max. */
int vif_parse_id(const char *s, unsigned max, unsigned *out);
/* "xx:xx:xx:xx:xx:xx", hex digits in either case. */
int vif_parse_mac(const char *s, unsigned char mac[6]);
/* 8-4-4-4-12 hex digits. */
int vif_check_uuid(const char *s);
/* A VLAN list "1,2,3" or "[1, 2, 3]" (ids 0..4095); *out (malloc'd) becomes "[1,2,3]"
 * and "" for an empty list. */
int vif_parse_trunks(const char *s, char **out);

#endif
