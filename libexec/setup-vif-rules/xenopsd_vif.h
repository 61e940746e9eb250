/* setup-vif-rules: the reader of xenopsd's per-VIF JSON file
 * (<root>/var/run/nonpersistent/xenopsd/<backend>/VM/<vm-uuid>/vif.<devid>),
 * with every field the program uses validated: backend (only
 * ["Local", "<bridge>"]), mac, locking_mode ("Unlocked", "Disabled",
 * "network_default", "Locked" or ["Locked", {"ipv4": [...], "ipv6": [...]}])
 * and extra_private_keys (vif-uuid, network-uuid).  Fields we do not use are
 * ignored. */
#ifndef XVS_XENOPSD_VIF_H
#define XVS_XENOPSD_VIF_H

#include <stddef.h>

#include "vifrules.h"

/* A VIF file bigger than this is not xenopsd's (a real one is well under 2 KiB). */
#define XOV_MAX_FILE (64 * 1024)
/* Longest backend name, VM uuid, VIF uuid or network uuid we accept. */
#define XOV_TOKEN_MAX 64

struct xov_vif {
    char bridge[16];                  /* From backend ["Local", bridge]; a valid ifname. */
    char vif_uuid[XOV_TOKEN_MAX + 1]; /* extra_private_keys; "" when absent. */
    char network_uuid[XOV_TOKEN_MAX + 1];
    struct vfr_lock lock; /* mode, mac and the allowed addresses. */
};

/* The file's path under the root prefix, after checking backend and vm_uuid with
 * vfr_safe_token() (so neither can climb out of the xenopsd folder).  *path is malloc'd.
 * Returns 0, -EINVAL (bad name; *err, malloc'd, says which) or -ENOMEM. */
int xov_path(const char *backend, const char *vm_uuid, unsigned devid, char **path, char **err);

/* Parses a VIF file's text (len bytes, need not be NUL-terminated) into *v.
 * Returns 0, or -EINVAL with a one-line reason in *err (malloc'd, caller frees), or -ENOMEM. */
int xov_parse(const char *text, size_t len, struct xov_vif *v, char **err);

/* xov_path() + read (at most XOV_MAX_FILE bytes) + xov_parse().  Returns 0, or a negative
 * errno (-ENOENT, -E2BIG, -EINVAL, ...) with the reason "<path>: <why>" in *err (malloc'd). */
int xov_load(const char *backend, const char *vm_uuid, unsigned devid, struct xov_vif *v,
             char **err);

#endif
