/* setup-vif-rules: reading and validating xenopsd's VIF file (see
 * xenopsd_vif.h).  The file is written by xenopsd from the VIF's XenAPI
 * record, but nothing read from disk is trusted: every value that reaches a
 * path, an OVSDB row or a flow is checked here first. */
#include "xenopsd_vif.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"
#include "paths.h"

/* Sets *err to a malloc'd message (left NULL if even that fails) and returns r. */
static int fail(char **err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char **err, int r, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        free(*err);
        *err = NULL;
        va_start(ap, fmt);
        if (vasprintf(err, fmt, ap) < 0) {
            *err = NULL;
        }
        va_end(ap);
    }
    return r;
}

int xov_path(const char *backend, const char *vm_uuid, unsigned devid, char **path, char **err)
{
    char *rel = NULL;

    *path = NULL;
    if (!vfr_safe_token(backend, XOV_TOKEN_MAX)) {
        return fail(err, -EINVAL, "invalid xenopsd backend name '%.64s'", backend ? backend : "");
    }
    if (!vfr_safe_token(vm_uuid, XOV_TOKEN_MAX)) {
        return fail(err, -EINVAL, "invalid VM uuid '%.64s'", vm_uuid ? vm_uuid : "");
    }
    if (asprintf(&rel, "%s/%s/VM/%s/vif.%u", PATHS_XENOPSD_DIR, backend, vm_uuid, devid) < 0) {
        return fail(err, -ENOMEM, "out of memory");
    }
    *path = paths_get(rel);
    free(rel);
    return *path ? 0 : fail(err, -ENOMEM, "out of memory");
}

/* A Linux interface name: 1..15 bytes of letters, digits, '_', '-' and '.', not "."/"..". */
static bool valid_ifname(const char *s)
{
    return vfr_safe_token(s, 15);
}

/* backend: the xenopsd Network.t variant, serialised as ["Local", "<bridge>"].  Other variants
 * (a driver domain's "Remote", "Sriov") have no bridge in dom0; the original then ran
 * `ovs-vsctl add-port None <vif>` (spec §10 Q20); we refuse them. */
static int parse_backend(const json_t *b, struct xov_vif *v, char **err)
{
    const char *kind, *bridge;

    if (!json_is_array(b) || json_array_size(b) < 1 || !json_is_string(json_array_get(b, 0))) {
        return fail(err, -EINVAL, "backend is not a [\"Local\", bridge] variant");
    }
    kind = json_string_value(json_array_get(b, 0));
    if (strcmp(kind, "Local") != 0) {
        return fail(err, -EINVAL, "backend '%.32s' is not supported (only Local bridges)", kind);
    }
    if (json_array_size(b) != 2 || !json_is_string(json_array_get(b, 1))) {
        return fail(err, -EINVAL, "backend Local must name one bridge");
    }
    bridge = json_string_value(json_array_get(b, 1));
    if (!valid_ifname(bridge)) {
        return fail(err, -EINVAL, "backend bridge '%.32s' is not a valid interface name", bridge);
    }
    snprintf(v->bridge, sizeof v->bridge, "%s", bridge);
    return 0;
}

/* An array of address strings for one family. */
static int parse_addrs(const json_t *list, const char *name, struct vfr_lock *l, char **err)
{
    size_t i;
    const json_t *a;

    if (!list) {
        return 0;
    }
    if (!json_is_array(list)) {
        return fail(err, -EINVAL, "locking_mode %s is not an array", name);
    }
    json_array_foreach(list, i, a)
    {
        const char *s = json_string_value(a);
        int r;

        if (!s) {
            return fail(err, -EINVAL, "locking_mode %s[%zu] is not a string", name, i);
        }
        r = !strcmp(name, "ipv4") ? vfr_add_ipv4(l, s) : vfr_add_ipv6(l, s);
        if (r == -E2BIG) {
            return fail(err, -EINVAL, "locking_mode %s has more than %d addresses", name,
                        VFR_MAX_ADDRS);
        }
        if (r < 0) {
            return fail(err, -EINVAL, "locking_mode %s[%zu] '%.64s' is not an %s address", name, i,
                        s, !strcmp(name, "ipv4") ? "IPv4" : "IPv6");
        }
    }
    return 0;
}

/* locking_mode: absent (unlocked, as the original's ""), a plain string, or
 * ["Locked", {"ipv4": [...], "ipv6": [...]}]. */
static int parse_locking(const json_t *m, struct vfr_lock *l, char **err)
{
    const json_t *params;

    if (!m) {
        l->mode = VFR_UNLOCKED;
        return 0;
    }
    if (json_is_string(m)) {
        if (vfr_parse_locking(json_string_value(m), &l->mode) < 0) {
            return fail(err, -EINVAL, "unknown locking_mode '%.32s'", json_string_value(m));
        }
        return 0;
    }
    if (!json_is_array(m) || json_array_size(m) != 2 || !json_is_string(json_array_get(m, 0)) ||
        strcasecmp(json_string_value(json_array_get(m, 0)), "locked") != 0) {
        return fail(err, -EINVAL, "locking_mode is neither a string nor [\"Locked\", {...}]");
    }
    params = json_array_get(m, 1);
    if (!json_is_object(params)) {
        return fail(err, -EINVAL, "locking_mode Locked parameters are not an object");
    }
    l->mode = VFR_LOCKED;
    if (parse_addrs(json_object_get(params, "ipv4"), "ipv4", l, err) < 0 ||
        parse_addrs(json_object_get(params, "ipv6"), "ipv6", l, err) < 0) {
        return -EINVAL;
    }
    return 0;
}

/* One optional uuid of extra_private_keys. */
static int parse_key(const json_t *keys, const char *name, char out[XOV_TOKEN_MAX + 1], char **err)
{
    const json_t *val = json_object_get(keys, name);

    out[0] = '\0';
    if (!val) {
        return 0;
    }
    if (!json_is_string(val) || !vfr_safe_token(json_string_value(val), XOV_TOKEN_MAX)) {
        return fail(err, -EINVAL, "extra_private_keys %s is not a valid uuid", name);
    }
    snprintf(out, XOV_TOKEN_MAX + 1, "%s", json_string_value(val));
    return 0;
}

int xov_parse(const char *text, size_t len, struct xov_vif *v, char **err)
{
    json_error_t jerr;
    json_t *root, *keys;
    int r;

    memset(v, 0, sizeof *v);
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return fail(err, -EINVAL, "not valid JSON (line %d: %s)", jerr.line, jerr.text);
    }
    if (!json_is_object(root)) {
        r = fail(err, -EINVAL, "not a JSON object");
        goto out;
    }
    if (!json_object_get(root, "backend")) {
        r = fail(err, -EINVAL, "no backend");
        goto out;
    }
    r = parse_backend(json_object_get(root, "backend"), v, err);
    if (r < 0) {
        goto out;
    }
    if (!json_is_string(json_object_get(root, "mac")) ||
        vfr_parse_mac(json_string_value(json_object_get(root, "mac")), v->lock.mac) < 0) {
        r = fail(err, -EINVAL, "mac is missing or not a MAC address");
        goto out;
    }
    r = parse_locking(json_object_get(root, "locking_mode"), &v->lock, err);
    if (r < 0) {
        goto out;
    }
    keys = json_object_get(root, "extra_private_keys");
    if (keys && !json_is_object(keys)) {
        r = fail(err, -EINVAL, "extra_private_keys is not an object");
        goto out;
    }
    if (keys) {
        r = parse_key(keys, "vif-uuid", v->vif_uuid, err);
        if (r == 0) {
            r = parse_key(keys, "network-uuid", v->network_uuid, err);
        }
    }
out:
    json_decref(root);
    return r;
}

int xov_load(const char *backend, const char *vm_uuid, unsigned devid, struct xov_vif *v,
             char **err)
{
    char *path = NULL, *text = NULL, *why = NULL;
    size_t len = 0;
    int r;

    r = xov_path(backend, vm_uuid, devid, &path, err);
    if (r < 0) {
        return r;
    }
    r = fsu_read_file(path, XOV_MAX_FILE, &text, &len);
    if (r == 0 && len > XOV_MAX_FILE) {
        r = -E2BIG;
    }
    if (r == -E2BIG) {
        r = fail(err, r, "%s: larger than %d bytes", path, XOV_MAX_FILE);
        goto out;
    }
    if (r < 0) {
        r = fail(err, r, "%s: cannot read (%s)", path, strerror(-r));
        goto out;
    }
    r = xov_parse(text, len, v, &why);
    if (r < 0) {
        r = fail(err, r, "%s: %s", path, why ? why : "invalid");
    }
out:
    free(why);
    free(text);
    free(path);
    return r;
}
