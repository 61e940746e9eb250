/* The vif hotplug program's logic (see vif.h): XenServer's vif-real
 * (spec §2.3) and, with --legacy, the domid-keyed vif of the old scripts
 * (§2.4), written against injected xenstore, link, OVSDB and exec backends.
 *
 * Unlike the originals, a failure is never left half-applied: the first
 * failure is recorded, everything this run had wired is undone (the
 * setup-vif-rules "clear" after a successful "filter", the legacy port, the
 * hotplug keys written so far), and only then is the message written to
 * hotplug-error, so that xenopsd, which watches that key, never sees an
 * error while the port is still being torn down.
 *
 * Bugs of the originals (spec §10) fixed here:
 * - Q18: the OVS copy of vif was "#!/bin/sh" with bash-isms; not applicable to C, and the
 *   legacy behaviour it meant (§2.4) is implemented as intended.
 * - Q19: vif-real read the bridge through a path relative to dom0's home (we use the absolute
 *   /local/domain/0/backend/vif/<domid>/<devid>/bridge); for tap devices it derived
 *   hotplug-status/hotplug-error from an empty XENBUS_PATH, writing "/hotplug-error" (we use
 *   the VIF's backend directory for both twins); its fifth "dummy" argument is accepted and
 *   ignored, as documented.
 * - Failures of setup-vif-rules, ovs-vsctl or xenstore writes after the VIF was partly wired
 *   left it so; they are now undone (see above).
 * - Values from guest-writable paths (/local/domain/<domid>/vm, the frontend MAC) and from
 *   xenstore in general are validated before they reach a command line or a path. */
#include "vif.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"
#include "paths.h"
#include "vifport.h"

/* The offloads vif-real lets XAPI set through other-config:ethtool-<opt>. */
static const char *const vif_ethtool_opts[] = {"rx", "tx", "sg", "tso", "ufo", "gso"};

/* The originals call ovs-vsctl with --timeout=30. */
#define VIF_OVS_TIMEOUT_MS 30000

/* Longest path we build: /xapi/<uuid>/hotplug/<domid>/vif/<devid>/<key>. */
#define VIF_PATH_MAX 256

struct job {
    struct vif_ctx *c;
    const struct vif_req *r;
    const char *type;           /* "vif" or "tap" */
    char dev[16];               /* vif<domid>.<devid> or tap<domid>.<devid> */
    char backend[64];           /* /local/domain/0/backend/vif/<domid>/<devid> */
    char hotplug[VIF_PATH_MAX]; /* $HOTPLUG */
    char priv[VIF_PATH_MAX];    /* $PRIVATE */
    char *vm_uuid;              /* the domain's VM uuid: keys the /xapi paths */
    char *real_uuid;            /* final-uuid while migrating, else vm_uuid */
    char *xenopsd_backend;      /* $PRIVATE/xenopsd-backend */
    char *rules_prog;           /* $PRIVATE/setup-vif-rules */
    char *error;                /* the first failure, for hotplug-error */
    /* What this run has wired, so a failure can undo it. */
    bool filtered;
    bool port_added;
    bool wrote_ifindex;
    bool wrote_keys;
};

/* ---- Effects, each through the injected environment. ---- */

static void dry_flush(struct vif_ctx *c)
{
    if (c->dry_run && c->dry_flush_stdout && c->dry_out && c->dry_out->len) {
        fputs(sbuf_str(c->dry_out), stdout);
        fflush(stdout);
        sbuf_reset(c->dry_out);
    }
}

static void dry_print(struct vif_ctx *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void dry_print(struct vif_ctx *c, const char *fmt, ...)
{
    va_list ap;
    char *line = NULL;

    va_start(ap, fmt);
    if (vasprintf(&line, fmt, ap) < 0) {
        line = NULL;
    }
    va_end(ap);
    if (!line) {
        return;
    }
    if (c->dry_out) {
        sbuf_adds(c->dry_out, line);
    } else {
        fputs(line, stdout);
    }
    free(line);
}

/* Records the first failure (later ones are only logged) and returns err. */
static int fail(struct job *j, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct job *j, int err, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    xlog_err("%s: %s", j->dev, msg ? msg : "out of memory");
    if (!j->error) {
        j->error = msg;
    } else {
        free(msg);
    }
    return err < 0 ? err : -EIO;
}

static int path_of(char *buf, size_t size, const char *base, const char *key)
{
    int n = snprintf(buf, size, "%s/%s", base, key);

    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Reads an optional key: 0 with *val, -ENOENT when absent, another negative errno on failure
 * (recorded). */
static int xs_get(struct job *j, const char *path, char **val)
{
    int r;

    *val = NULL;
    r = xsc_read(j->c->xs, path, val);
    if (r < 0) {
        *val = NULL;
    }
    if (r < 0 && r != -ENOENT) {
        return fail(j, r, "Failed to read %s from xenstore (%s)", path, strerror(-r));
    }
    return r;
}

/* Reads a key that must exist and be non-empty. */
static int xs_need(struct job *j, const char *path, char **val)
{
    int r = xs_get(j, path, val);

    if (r == -ENOENT || (r == 0 && !**val)) {
        free(*val);
        *val = NULL;
        return fail(j, -ENOENT, "Failed to read %s from xenstore", path);
    }
    return r;
}

static int xs_put(struct job *j, const char *path, const char *value)
{
    int r;

    if (j->c->dry_run) {
        dry_print(j->c, "xenstore-write %s %s\n", path, value);
        return 0;
    }
    xlog_debug("xenstore-write %s %s", path, value);
    r = xsc_write(j->c->xs, path, value);
    if (r < 0) {
        return fail(j, r, "Failed to write %s to xenstore (%s)", path, strerror(-r));
    }
    return 0;
}

/* Removes a key; failures are recorded but the caller usually carries on cleaning up. */
static int xs_del(struct job *j, const char *path)
{
    int r;

    if (j->c->dry_run) {
        dry_print(j->c, "xenstore-rm %s\n", path);
        return 0;
    }
    xlog_debug("xenstore-rm %s", path);
    r = xsc_rm(j->c->xs, path);
    if (r < 0) {
        return fail(j, r, "Failed to remove %s from xenstore (%s)", path, strerror(-r));
    }
    return 0;
}

static int xs_put_key(struct job *j, const char *base, const char *key, const char *value)
{
    char path[VIF_PATH_MAX];

    if (path_of(path, sizeof(path), base, key) < 0) {
        return fail(j, -ENAMETOOLONG, "xenstore path too long");
    }
    return xs_put(j, path, value);
}

static int xs_del_key(struct job *j, const char *base, const char *key)
{
    char path[VIF_PATH_MAX];

    if (path_of(path, sizeof(path), base, key) < 0) {
        return fail(j, -ENAMETOOLONG, "xenstore path too long");
    }
    return xs_del(j, path);
}

/* Reads $PRIVATE/<key>: optional (-ENOENT) unless need. */
static int priv_get(struct job *j, const char *key, bool need, char **val)
{
    char path[VIF_PATH_MAX];

    *val = NULL;
    if (path_of(path, sizeof(path), j->priv, key) < 0) {
        return fail(j, -ENAMETOOLONG, "xenstore path too long");
    }
    return need ? xs_need(j, path, val) : xs_get(j, path, val);
}

/* The switch database, connected on first use (not in a dry run). */
static int ovs_connect(struct job *j)
{
    struct vif_ctx *c = j->c;
    int r;

    if (!c->vopts.dry_run && !c->ovs) {
        r = vrun_connect(c->ovs_remote, c->vopts.timeout_ms, &c->ovs);
        if (r < 0) {
            return fail(j, r, "Cannot connect to the switch database (%s)", strerror(-r));
        }
    }
    return 0;
}

/* Runs an ovs-vsctl command line as one transaction. */
static int ovs_run(struct job *j, int argc, char **argv)
{
    struct vif_ctx *c = j->c;
    char *err = NULL;
    int r = ovs_connect(j);

    if (r < 0) {
        return r;
    }
    r = vrun_exec(c->ovs, argc, argv, &c->vopts, NULL, NULL, &err);
    if (r < 0) {
        struct sbuf line = SBUF_INIT;

        vrun_format(&line, argc, argv);
        r = fail(j, r, "%s failed: %s", sbuf_str(&line), err ? err : strerror(-r));
        sbuf_free(&line);
    }
    free(err);
    return r;
}

/* Runs a child program (already logged as "Running command:" by lib/exec).  Returns 0 for
 * exit status 0, else a negative errno (-EIO for a non-zero exit). */
static int run_cmd(struct job *j, const char *const *argv, unsigned flags)
{
    int r;

    dry_flush(j->c);
    r = exec_argv(argv, flags | (j->c->dry_run ? EXEC_DRY_RUN : 0));
    if (r > 0) {
        return -EIO;
    }
    return r;
}

/* ---- The steps of vif-real. ---- */

/* /local/domain/<domid>/vm -> <vm>/uuid, and <vm>/final-uuid while migrating.  Both
 * /local/domain/<domid> and what it points to are validated: the guest owns its home. */
static int resolve_vm(struct job *j, bool need)
{
    char path[VIF_PATH_MAX], *vm = NULL, *final = NULL;
    int r;

    snprintf(path, sizeof(path), "/local/domain/%u/vm", j->r->domid);
    r = need ? xs_need(j, path, &vm) : xs_get(j, path, &vm);
    if (r < 0) {
        goto out;
    }
    if (strncmp(vm, "/vm/", 4) != 0 || strlen(vm) > 128 || strchr(vm + 4, '/') || !vm[4]) {
        r = fail(j, -EINVAL, "Refusing the invalid VM path in %s", path);
        goto out;
    }
    snprintf(path, sizeof(path), "%s/uuid", vm);
    r = need ? xs_need(j, path, &j->vm_uuid) : xs_get(j, path, &j->vm_uuid);
    if (r < 0) {
        goto out;
    }
    if (vif_check_uuid(j->vm_uuid) < 0) {
        r = fail(j, -EINVAL, "Refusing the invalid VM uuid in %s", path);
        goto out;
    }
    snprintf(path, sizeof(path), "%s/final-uuid", vm);
    r = xs_get(j, path, &final);
    if (r == -ENOENT || (r == 0 && !*final)) {
        free(final);
        final = NULL;
        r = 0;
    } else if (r < 0) {
        goto out;
    } else if (vif_check_uuid(final) < 0) {
        r = fail(j, -EINVAL, "Refusing the invalid final uuid in %s", path);
        goto out;
    } else {
        xlog_info("%s: VM %s is migrating; its final uuid is %s", j->dev, j->vm_uuid, final);
    }
    j->real_uuid = strdup(final ? final : j->vm_uuid);
    if (!j->real_uuid) {
        r = -ENOMEM;
    }
out:
    if (r < 0 && !need) {
        /* Optional (legacy external-ids): go on without a VM uuid, but not after a refusal. */
        free(j->vm_uuid);
        j->vm_uuid = NULL;
        if (r == -ENOENT) {
            r = 0;
        }
    }
    free(vm);
    free(final);
    return r;
}

static void handle_ethtool(struct job *j)
{
    for (size_t i = 0; i < sizeof(vif_ethtool_opts) / sizeof(vif_ethtool_opts[0]); i++) {
        const char *opt = vif_ethtool_opts[i];
        char key[64], *v = NULL;

        snprintf(key, sizeof(key), "other-config/ethtool-%s", opt);
        if (priv_get(j, key, false, &v) < 0) {
            continue;
        }
        if (!strcmp(v, "true") || !strcmp(v, "on")) {
            lnk_set_offload(j->c->lnk, j->dev, opt, true);
        } else if (!strcmp(v, "false") || !strcmp(v, "off")) {
            lnk_set_offload(j->c->lnk, j->dev, opt, false);
        } else {
            xlog_warn("%s: unknown ethtool-%s value (want true, on, false or off)", j->dev, opt);
        }
        free(v);
    }
}

static int handle_mtu(struct job *j, bool need)
{
    char *v = NULL;
    unsigned mtu;
    int r = priv_get(j, "MTU", need, &v);

    if (r == -ENOENT && !need) {
        return 0;
    }
    if (r < 0) {
        return r;
    }
    if (vif_parse_id(v, 65535, &mtu) < 0 || mtu < 68) {
        r = fail(j, -EINVAL, "Invalid MTU in %s/MTU", j->priv);
        goto out;
    }
    xlog_info("%s: setting MTU %u", j->dev, mtu);
    r = lnk_set_mtu(j->c->lnk, j->dev, mtu);
    if (r < 0) {
        r = fail(j, r, "Failed to set the MTU of %s to %u (%s)", j->dev, mtu, strerror(-r));
    }
out:
    free(v);
    return r;
}

static bool bridge_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, "..")) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.')) {
            return false;
        }
    }
    return true;
}

/* The bridge-MAC (required) and the bridge: the backend's "bridge" key, else $PRIVATE/bridge
 * (the original read the backend key through a path relative to dom0's home, Q19; we use the
 * absolute path).  The legacy layout takes both from $PRIVATE. */
static int read_bridge(struct job *j, char **bridge, unsigned char mac[6])
{
    char path[VIF_PATH_MAX], *m = NULL;
    int r;

    *bridge = NULL;
    r = priv_get(j, "bridge-MAC", true, &m);
    if (r < 0) {
        goto out;
    }
    if (vif_parse_mac(m, mac) < 0) {
        r = fail(j, -EINVAL, "Invalid MAC address in %s/bridge-MAC", j->priv);
        goto out;
    }
    r = -ENOENT;
    if (!j->c->legacy) {
        snprintf(path, sizeof(path), "%s/bridge", j->backend);
        r = xs_get(j, path, bridge);
        if (r == 0 && !**bridge) {
            free(*bridge);
            *bridge = NULL;
            r = -ENOENT;
        }
    }
    if (r == -ENOENT) {
        r = priv_get(j, "bridge", true, bridge);
    }
    if (r < 0) {
        goto out;
    }
    if (!bridge_name_ok(*bridge)) {
        r = fail(j, -EINVAL, "Invalid bridge name for %s", j->dev);
        goto out;
    }
out:
    if (r < 0) {
        free(*bridge);
        *bridge = NULL;
    }
    free(m);
    return r;
}

/* Link down, ARP off (and multicast off in the legacy layout), the bridge MAC, addresses
 * flushed.  As in the originals, each failure is only logged (by lnk). */
static void prepare_link(struct job *j, const unsigned char mac[6])
{
    struct lnk *l = j->c->lnk;

    lnk_set_up(l, j->dev, false);
    lnk_set_arp(l, j->dev, false);
    if (j->c->legacy) {
        lnk_set_multicast(l, j->dev, false);
    }
    lnk_set_mac(l, j->dev, mac);
    lnk_flush_addrs(l, j->dev);
}

/* Reads $PRIVATE/setup-vif-rules and $PRIVATE/xenopsd-backend once. */
static int rules_prepare(struct job *j)
{
    int r;

    if (j->rules_prog) {
        return 0;
    }
    r = priv_get(j, "xenopsd-backend", true, &j->xenopsd_backend);
    if (r < 0) {
        return r;
    }
    for (const char *p = j->xenopsd_backend; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_') ||
            p - j->xenopsd_backend >= 64) {
            return fail(j, -EINVAL, "Invalid xenopsd backend name in %s/xenopsd-backend", j->priv);
        }
    }
    r = priv_get(j, "setup-vif-rules", true, &j->rules_prog);
    if (r < 0) {
        return r;
    }
    if (j->rules_prog[0] != '/' || access(j->rules_prog, X_OK) != 0) {
        free(j->rules_prog);
        j->rules_prog = NULL;
        return fail(j, -EACCES, "%s/setup-vif-rules does not name an executable program", j->priv);
    }
    return 0;
}

/* setup-vif-rules <xenopsd-backend> <dev> <vm-uuid> <devid> filter|clear. */
static int run_rules(struct job *j, const char *what)
{
    char devid[16];
    const char *argv[7];
    int r = rules_prepare(j);

    if (r < 0) {
        return r;
    }
    snprintf(devid, sizeof(devid), "%u", j->r->devid);
    argv[0] = j->rules_prog;
    argv[1] = j->xenopsd_backend;
    argv[2] = j->dev;
    argv[3] = j->vm_uuid;
    argv[4] = devid;
    argv[5] = what;
    argv[6] = NULL;
    r = run_cmd(j, argv, 0);
    if (r < 0) {
        return fail(j, r, "%s %s %s failed", j->rules_prog, j->dev, what);
    }
    return 0;
}

static int write_ifindex(struct job *j)
{
    char key[16], val[16];
    int ifindex = 0, r;

    r = lnk_ifindex(j->c->lnk, j->dev, &ifindex);
    if (r < 0) {
        return fail(j, r, "Cannot read the ifindex of %s (%s)", j->dev, strerror(-r));
    }
    snprintf(key, sizeof(key), "%s-ifindex", j->type);
    snprintf(val, sizeof(val), "%d", ifindex);
    r = xs_put_key(j, j->hotplug, key, val);
    if (r == 0) {
        j->wrote_ifindex = true;
    }
    return r;
}

/* The current add_to_bridge: the port itself is added by setup-vif-rules. */
static int add_to_bridge(struct job *j)
{
    unsigned char mac[6];
    char *bridge = NULL;
    int r = read_bridge(j, &bridge, mac);

    if (r < 0) {
        return r;
    }
    xlog_info("%s: adding to bridge %s", j->dev, bridge);
    prepare_link(j, mac);
    r = write_ifindex(j);
    if (r == 0) {
        r = rules_prepare(j);
    }
    if (r == 0) {
        /* Set before the run: a failed filter may have left flows or the port behind (the
         * original's setup-vif-rules is not atomic), and "clear" takes them away. */
        j->filtered = true;
        r = run_rules(j, "filter");
    }
    free(bridge);
    return r;
}

/* Appends one "-- set interface <dev> external-ids:<k>=<v>" command to argv. */
static int push_extid(char **argv, int *argc, const char *dev, const char *key, const char *val,
                      char **owned)
{
    if (asprintf(owned, "external-ids:%s=%s", key, val) < 0) {
        *owned = NULL;
        return -ENOMEM;
    }
    xlog_info("%s external-ids:\"%s\"=\"%s\"", dev, key, val);
    argv[(*argc)++] = "--";
    argv[(*argc)++] = "set";
    argv[(*argc)++] = "interface";
    argv[(*argc)++] = (char *)dev;
    argv[(*argc)++] = *owned;
    return 0;
}

/* The guest MAC from the frontend: guest-writable, so validated and re-printed. */
static int read_guest_mac(struct job *j, char out[18])
{
    char path[VIF_PATH_MAX], *v = NULL;
    unsigned char mac[6];
    int r;

    out[0] = '\0';
    snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u/mac", j->r->domid, j->r->devid);
    r = xs_get(j, path, &v);
    if (r == -ENOENT || (r == 0 && !*v)) {
        free(v);
        return 0;
    }
    if (r < 0) {
        return r;
    }
    if (vif_parse_mac(v, mac) < 0) {
        free(v);
        return fail(j, -EINVAL, "Refusing the invalid guest MAC address in %s", path);
    }
    free(v);
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return 0;
}

/* The legacy add_to_bridge (§2.4): the port and its external-ids in one ovs-vsctl line, or
 * the Linux bridge, then the link up. */
static int legacy_add_to_bridge(struct job *j)
{
    unsigned char mac[6];
    char *bridge = NULL, *vif_uuid = NULL, *net_uuid = NULL, *owned[4] = {NULL};
    char gmac[18] = "";
    char *argv[32];
    int argc = 0, nowned = 0, r;

    r = read_bridge(j, &bridge, mac);
    if (r < 0) {
        goto out;
    }
    if (j->r->type == VIF_TYPE_VIF && j->c->mode == NETMODE_OPENVSWITCH) {
        if ((r = priv_get(j, "vif-uuid", false, &vif_uuid)) < 0 && r != -ENOENT) {
            goto out;
        }
        if ((r = priv_get(j, "network-uuid", false, &net_uuid)) < 0 && r != -ENOENT) {
            goto out;
        }
        if ((vif_uuid && *vif_uuid && vif_check_uuid(vif_uuid) < 0) ||
            (net_uuid && *net_uuid && vif_check_uuid(net_uuid) < 0)) {
            r = fail(j, -EINVAL, "Invalid vif-uuid or network-uuid in %s", j->priv);
            goto out;
        }
        r = read_guest_mac(j, gmac);
        if (r < 0) {
            goto out;
        }
    }
    xlog_info("%s: adding to bridge %s", j->dev, bridge);
    prepare_link(j, mac);
    if (j->c->mode == NETMODE_BRIDGE) {
        r = lnk_set_bridge_fd(j->c->lnk, bridge, 0);
        if (r == 0) {
            r = lnk_set_master(j->c->lnk, j->dev, bridge);
        }
        if (r < 0) {
            r = fail(j, r, "Failed to add %s to bridge %s (%s)", j->dev, bridge, strerror(-r));
            goto out;
        }
    } else {
        const char *ids[4][2] = {{"xs-vm-uuid", j->real_uuid},
                                 {"xs-vif-uuid", vif_uuid},
                                 {"xs-network-uuid", net_uuid},
                                 {"attached-mac", gmac}};

        argv[argc++] = "--if-exists";
        argv[argc++] = "del-port";
        argv[argc++] = j->dev;
        argv[argc++] = "--";
        argv[argc++] = "add-port";
        argv[argc++] = bridge;
        argv[argc++] = j->dev;
        for (int i = 0; i < 4 && j->r->type == VIF_TYPE_VIF; i++) {
            if (ids[i][1] && *ids[i][1]) {
                r = push_extid(argv, &argc, j->dev, ids[i][0], ids[i][1], &owned[nowned++]);
                if (r < 0) {
                    goto out;
                }
            }
        }
        r = ovs_run(j, argc, argv);
        if (r < 0) {
            goto out;
        }
    }
    j->port_added = true;
    r = lnk_set_up(j->c->lnk, j->dev, true);
    if (r < 0) {
        r = fail(j, r, "Failed to bring %s up (%s)", j->dev, strerror(-r));
    }
out:
    for (int i = 0; i < nowned; i++) {
        free(owned[i]);
    }
    free(bridge);
    free(vif_uuid);
    free(net_uuid);
    return r;
}

static int legacy_remove_from_bridge(struct job *j)
{
    if (j->c->mode == NETMODE_OPENVSWITCH) {
        char *argv[] = {"--if-exists", "del-port", j->dev};

        return ovs_run(j, 3, argv);
    }
    char master[16] = "";
    int r = lnk_get_master(j->c->lnk, j->dev, master);

    if (r == -ENODEV) {
        return 0; /* Gone with its device. */
    }
    if (r == 0 && master[0]) {
        r = lnk_set_master(j->c->lnk, j->dev, NULL);
    }
    if (r < 0) {
        return fail(j, r, "Failed to remove %s from its bridge (%s)", j->dev, strerror(-r));
    }
    return 0;
}

static int handle_trunks(struct job *j)
{
    char *v = NULL, *list = NULL;
    int r = priv_get(j, "trunks", false, &v);

    if (r == -ENOENT) {
        return fail(j, r, "Failed to read %s/trunks from xenstore", j->priv);
    }
    if (r < 0) {
        return r;
    }
    if (j->c->mode != NETMODE_OPENVSWITCH) {
        if (*v) {
            xlog_info("%s: trunk ports are not supported by the Linux bridge", j->dev);
        }
        goto out;
    }
    if (vif_parse_trunks(v, &list) < 0) {
        r = fail(j, -EINVAL, "Invalid VLAN list in %s/trunks", j->priv);
        goto out;
    }
    /* --if-exists: a VIF in locking mode "disabled" is deliberately not on the bridge
     * (CA-226099), so its Port row may be absent; that is not an error.  One update operation,
     * with no read of the whole database. */
    r = ovs_connect(j);
    if (r == 0) {
        r = vifport_set_trunks(j->c->ovs, j->dev, list,
                               j->c->vopts.dry_run ? j->c->vopts.dry_out : NULL);
        if (r < 0) {
            r = fail(j, r, "Failed to set the trunks of %s", j->dev);
        }
    }
out:
    free(list);
    free(v);
    return r;
}

static void handle_promiscuous(struct job *j)
{
    char *v = NULL;

    if (priv_get(j, "other-config/promiscuous", false, &v) < 0 || !*v) {
        free(v);
        return;
    }
    if (j->c->mode == NETMODE_BRIDGE) {
        bool on = !strcmp(v, "true") || !strcmp(v, "on");

        lnk_set_brport_promisc(j->c->lnk, j->dev, on);
    } else {
        xlog_info("%s: Promiscuous ports are not supported via Open vSwitch", j->dev);
    }
    free(v);
}

/* /etc/xapi.d/vif-hotplug -action <a> -vifuuid <u> -vmuuid <u>, when executable. */
static int call_hook(struct job *j, const char *action)
{
    char *hook = paths_get(PATHS_VIF_HOOK), *vif_uuid = NULL;
    int r = 0;

    if (!hook) {
        return -ENOMEM;
    }
    if (access(hook, X_OK) != 0) {
        goto out;
    }
    if (!j->real_uuid) {
        r = fail(j, -ENOENT, "Cannot call %s: the VM uuid is unknown", PATHS_VIF_HOOK);
        goto out;
    }
    r = priv_get(j, "vif-uuid", true, &vif_uuid);
    if (r < 0) {
        goto out;
    }
    if (vif_check_uuid(vif_uuid) < 0) {
        r = fail(j, -EINVAL, "Invalid VIF uuid in %s/vif-uuid", j->priv);
        goto out;
    }
    xlog_info("Calling VIF hotplug hook for VM %s, VIF %s", j->real_uuid, vif_uuid);
    const char *argv[] = {PATHS_VIF_HOOK, "-action", action,       "-vifuuid",
                          vif_uuid,       "-vmuuid", j->real_uuid, NULL};

    r = run_cmd(j, argv, EXEC_ROOT_PREFIX);
    if (r < 0) {
        r = fail(j, r, "%s -action %s failed", PATHS_VIF_HOOK, action);
    }
out:
    free(vif_uuid);
    free(hook);
    return r;
}

/* online (vif): offloads, MTU, bridge, trunks, promiscuity, then the keys that tell xenopsd
 * the VIF is connected, then the hook. */
static int do_online(struct job *j)
{
    char status[VIF_PATH_MAX];
    int r;

    handle_ethtool(j);
    r = handle_mtu(j, !j->c->legacy);
    if (r < 0) {
        return r;
    }
    r = j->c->legacy ? legacy_add_to_bridge(j) : add_to_bridge(j);
    if (r < 0) {
        return r;
    }
    if (!j->c->legacy) {
        r = handle_trunks(j);
        if (r < 0) {
            return r;
        }
    }
    handle_promiscuous(j);
    j->wrote_keys = true;
    r = xs_put_key(j, j->hotplug, "vif", j->dev);
    if (r == 0) {
        r = xs_put_key(j, j->hotplug, "hotplug", "online");
    }
    snprintf(status, sizeof(status), "%s/hotplug-status", j->backend);
    if (r == 0) {
        r = xs_put(j, status, "connected");
    }
    if (r < 0) {
        return r;
    }
    /* The VIF is wired and xenopsd told so: a failing hook is reported, nothing undone. */
    j->filtered = j->port_added = j->wrote_ifindex = j->wrote_keys = false;
    return call_hook(j, "online");
}

static int do_tap_add(struct job *j)
{
    int r;

    if (j->c->legacy) {
        return legacy_add_to_bridge(j);
    }
    r = handle_mtu(j, true);
    if (r == 0) {
        r = add_to_bridge(j);
    }
    if (r == 0) {
        r = handle_trunks(j);
    }
    return r;
}

static int do_move(struct job *j)
{
    int r = j->c->legacy ? legacy_add_to_bridge(j) : add_to_bridge(j);

    if (r == 0 && !j->c->legacy) {
        r = handle_trunks(j);
    }
    return r;
}

/* remove: best effort to the end (a VIF being unplugged must not stay half there), the first
 * failure reported.  The removal of $HOTPLUG/hotplug is what tells xenopsd it is done. */
static int do_remove(struct job *j)
{
    char status[VIF_PATH_MAX], key[16];
    bool vif = j->r->type == VIF_TYPE_VIF;
    int r = 0;

    snprintf(status, sizeof(status), "%s/hotplug-status", j->backend);
    if (j->c->legacy) {
        if (vif) {
            r = xs_del_key(j, j->hotplug, "hotplug");
            call_hook(j, "remove");
        }
        legacy_remove_from_bridge(j);
        return j->error ? -EIO : r;
    }
    run_rules(j, "clear");
    snprintf(key, sizeof(key), "%s-ifindex", j->type);
    xs_del_key(j, j->hotplug, key);
    if (vif) {
        call_hook(j, "remove");
        xs_del(j, status);
        xs_del_key(j, j->hotplug, "hotplug");
    }
    return j->error ? -EIO : 0;
}

/* Takes back what a failed run had wired. */
static void undo(struct job *j)
{
    char key[16];

    if (j->c->dry_run) {
        return;
    }
    if (j->filtered) {
        xlog_info("%s: undoing setup-vif-rules filter", j->dev);
        run_rules(j, "clear");
    }
    if (j->port_added) {
        xlog_info("%s: taking the port off its bridge again", j->dev);
        lnk_set_up(j->c->lnk, j->dev, false);
        legacy_remove_from_bridge(j);
    }
    if (j->wrote_ifindex) {
        snprintf(key, sizeof(key), "%s-ifindex", j->type);
        xs_del_key(j, j->hotplug, key);
    }
    if (j->wrote_keys) {
        xs_del_key(j, j->hotplug, "vif");
        xs_del_key(j, j->hotplug, "hotplug");
    }
}

static void write_error(struct vif_ctx *c, const char *backend, const char *msg)
{
    char path[VIF_PATH_MAX], *v = NULL, *line;
    int r;

    snprintf(path, sizeof(path), "%s/hotplug-error", backend);
    /* A backend directory already removed (udev's late "remove") is not recreated just to
     * hold an error nobody watches any more. */
    r = xsc_read(c->xs, backend, &v);
    free(v);
    if (r == -ENOENT) {
        xlog_info("%s is gone; the error is only logged", backend);
        return;
    }
    /* One line: an ovs-vsctl message quoted in msg could carry control characters. */
    line = strndup(msg, 1024);
    if (!line) {
        return;
    }
    for (char *p = line; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
    if (c->dry_run) {
        dry_print(c, "xenstore-write %s %s\n", path, line);
        free(line);
        return;
    }
    r = xsc_write(c->xs, path, line);
    free(line);
    if (r < 0) {
        xlog_err("Cannot write %s (%s)", path, strerror(-r));
    }
}

/* Whether /local/domain/<domid>/vm exists (read errors other than absence count as known, so
 * that resolve_vm() reports them). */
static bool vm_known(struct job *j)
{
    char path[64], *v = NULL;
    int r;

    snprintf(path, sizeof(path), "/local/domain/%u/vm", j->r->domid);
    r = xsc_read(j->c->xs, path, &v);
    free(v);
    return r != -ENOENT;
}

static void job_init(struct job *j, struct vif_ctx *c, const struct vif_req *req)
{
    memset(j, 0, sizeof(*j));
    j->c = c;
    j->r = req;
    j->type = req->type == VIF_TYPE_VIF ? "vif" : "tap";
    snprintf(j->dev, sizeof(j->dev), "%s%u.%u", j->type, req->domid, req->devid);
    /* Q19: the status and error keys always live under the VIF's backend directory, also for
     * its tap twin, whose udev event carries no XENBUS_PATH. */
    snprintf(j->backend, sizeof(j->backend), "/local/domain/0/backend/vif/%u/%u", req->domid,
             req->devid);
}

int vif_report_error(struct vif_ctx *c, const struct vif_req *req, const char *msg)
{
    struct job j;

    job_init(&j, c, req);
    xlog_err("%s: %s", j.dev, msg);
    write_error(c, j.backend, msg);
    dry_flush(c);
    return 0;
}

int vif_run(struct vif_ctx *c, const struct vif_req *req)
{
    struct job j;
    char *v = NULL;
    int r = 0;

    job_init(&j, c, req);
    if (vif_is_noop(req)) {
        xlog_info("%s: nothing to do for %s", j.dev, vif_action_name(req->action));
        return 0;
    }
    if (c->udev_call) {
        r = xsc_read(c->xs, "/local/domain/0/libxl/disable_udev", &v);
        free(v);
        if (r == 0) {
            xlog_info("%s: udev call ignored: libxl/disable_udev is set", j.dev);
            return 0;
        }
        r = 0;
    }
    if (c->legacy) {
        snprintf(j.hotplug, sizeof(j.hotplug), "/xapi/%u/hotplug/vif/%u", req->domid, req->devid);
        snprintf(j.priv, sizeof(j.priv), "/xapi/%u/private/vif/%u", req->domid, req->devid);
        r = resolve_vm(&j, false);
    } else if (req->action == VIF_ACT_REMOVE && !vm_known(&j)) {
        /* udev's "remove" comes after the domain is destroyed, when xenopsd has already run
         * remove itself: without /local/domain/<domid>/vm the /xapi keys cannot be found, and
         * there is nothing left for us to undo. */
        xlog_info("%s: domain %u is gone; nothing to remove", j.dev, req->domid);
        return 0;
    } else {
        r = resolve_vm(&j, true);
        if (r == 0) {
            snprintf(j.hotplug, sizeof(j.hotplug), "/xapi/%s/hotplug/%u/vif/%u", j.vm_uuid,
                     req->domid, req->devid);
            snprintf(j.priv, sizeof(j.priv), "/xapi/%s/private/vif/%u", j.vm_uuid, req->devid);
        }
    }
    xlog_info("%s: %s (%s mode%s)", j.dev, vif_action_name(req->action), netmode_name(c->mode),
              c->legacy ? ", legacy layout" : "");
    if (r == 0) {
        switch (req->action) {
        case VIF_ACT_ONLINE:
            r = do_online(&j);
            break;
        case VIF_ACT_ADD:
            r = do_tap_add(&j);
            break;
        case VIF_ACT_MOVE:
            r = do_move(&j);
            break;
        case VIF_ACT_REMOVE:
            r = do_remove(&j);
            break;
        default:
            break;
        }
    }
    if (r < 0 || j.error) {
        undo(&j);
        write_error(c, j.backend, j.error ? j.error : "vif failed");
        if (r >= 0) {
            r = -EIO;
        }
    }
    dry_flush(c);
    free(j.vm_uuid);
    free(j.real_uuid);
    free(j.xenopsd_backend);
    free(j.rules_prog);
    free(j.error);
    return r;
}
