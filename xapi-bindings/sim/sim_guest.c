/* Running guests for xvs-xapi-sim: namespaces, veths, xenstore keys, the
 * xenopsd VIF file and the hotplug script; see sim_guest.h. */
#include "sim_guest.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "sbuf.h"
#include "sim_ctx.h"
#include "sim_db.h"
#include "xmlrpc.h"
#include "xsc.h"

#define IP_TIMEOUT_MS      10000
#define HOTPLUG_DEFAULT_MS 30000
#define POLL_MS            50
#define NETNS_DIR          "/run/netns"
#define RUN_DIR            "/var/run/nonpersistent/xvs-xapi-sim"
#define XENOPSD_BACKEND    "classic"
#define BRIDGE_MAC         "fe:ff:ff:ff:ff:ff"

/* Runs `ip ARGS` (inside "netns" when not NULL).  Returns 0, -EIO when ip
 * failed (logged), or exec_run()'s negative errno. */
static int run_ip(const char *netns, const char *const *argv)
{
    struct exec_cmd cmd = {
            .argv = argv, .flags = EXEC_QUIET, .netns = netns, .timeout_ms = IP_TIMEOUT_MS};
    struct exec_output out = {0};
    int r = exec_run(&cmd, &out);

    exec_output_free(&out);
    if (r != 0) {
        struct sbuf line = SBUF_INIT;

        exec_join_argv(&line, argv);
        xlog_err("Command failed (%d)%s%s: %s", r, netns ? " in namespace " : "",
                 netns ? netns : "", sbuf_str(&line));
        sbuf_free(&line);
    }
    return r > 0 ? -EIO : r;
}

#define IP(netns, ...) run_ip(netns, (const char *const[]){"ip", __VA_ARGS__, NULL})

static int xs_writef(struct xsc *xs, const char *value, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int xs_writef(struct xsc *xs, const char *value, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    int r;

    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    r = xsc_write(xs, path, value);
    if (r < 0) {
        xlog_err("Cannot write xenstore key %s: %s", path, strerror(-r));
    }
    return r;
}

static void xs_rmf(struct xsc *xs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xs_rmf(struct xsc *xs, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    int r;

    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    r = xsc_rm(xs, path);
    if (r < 0) {
        xlog_warn("Cannot remove xenstore key %s: %s", path, strerror(-r));
    }
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The xenopsd VIF file. */

static json_t *string_array(const struct xr_value *arr)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < xr_array_len(arr); i++) {
        const char *s = xr_get_string(xr_array_get(arr, i));

        if (s && json_array_append_new(a, json_string(s)) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int sim_guest_vif_json(const struct sim_guest_vif *v, char **out)
{
    json_t *o = json_object(), *oc = json_object(), *lock, *keys;
    char devid[16];
    int r = 0;

    *out = NULL;
    snprintf(devid, sizeof devid, "%u", v->devid);
    if (!strcmp(v->locking_mode, "locked")) {
        json_t *params = json_pack("{s:o?,s:o?}", "ipv4", string_array(v->ipv4_allowed), "ipv6",
                                   string_array(v->ipv6_allowed));

        lock = params ? json_pack("[s,o]", "Locked", params) : NULL;
    } else {
        lock = json_string(!strcmp(v->locking_mode, "disabled") ? "Disabled" : "Unlocked");
    }
    for (size_t i = 0; oc && i < xr_struct_len(v->other_config); i++) {
        const char *s = xr_get_string(xr_struct_value(v->other_config, i));

        if (s && json_object_set_new(oc, xr_struct_key(v->other_config, i), json_string(s)) < 0) {
            r = -ENOMEM;
        }
    }
    keys = json_pack("{s:s,s:s}", "vif-uuid", v->vif_uuid, "network-uuid", v->network_uuid);
    if (!o || !oc || !lock || !keys || r < 0 ||
        json_object_set_new(o, "id", json_pack("[s,s]", v->vm_uuid, devid)) < 0 ||
        json_object_set_new(o, "position", json_integer(v->devid)) < 0 ||
        json_object_set_new(o, "mac", json_string(v->mac)) < 0 ||
        json_object_set_new(o, "carrier", json_true()) < 0 ||
        json_object_set_new(o, "mtu", json_integer(v->mtu)) < 0 ||
        json_object_set_new(o, "rate", json_null()) < 0 ||
        json_object_set_new(o, "backend", json_pack("[s,s]", "Local", v->bridge)) < 0 ||
        json_object_set(o, "other_config", oc) < 0 ||
        json_object_set(o, "locking_mode", lock) < 0 ||
        json_object_set(o, "extra_private_keys", keys) < 0 ||
        json_object_set_new(o, "ipv4_configuration", json_string("Unspecified_ipv4")) < 0 ||
        json_object_set_new(o, "ipv6_configuration", json_string("Unspecified_ipv6")) < 0 ||
        json_object_set_new(o, "pvs_proxy", json_null()) < 0 ||
        json_object_set_new(o, "vlan", json_null()) < 0) {
        r = -ENOMEM;
    }
    if (r == 0) {
        *out = json_dumps(o, JSON_COMPACT);
        r = *out ? 0 : -ENOMEM;
    }
    json_decref(o);
    json_decref(oc);
    json_decref(lock);
    json_decref(keys);
    return r;
}

static char *vif_json_path(const char *vm_uuid, unsigned devid)
{
    char rel[256];

    snprintf(rel, sizeof rel, "%s/%s/VM/%s/vif.%u", PATHS_XENOPSD_DIR, XENOPSD_BACKEND, vm_uuid,
             devid);
    return paths_get(rel);
}

static int write_vif_json(const struct sim_guest_vif *v)
{
    char *path = vif_json_path(v->vm_uuid, v->devid), *text = NULL, *slash;
    int r = path ? sim_guest_vif_json(v, &text) : -ENOMEM;

    if (r == 0) {
        slash = strrchr(path, '/');
        *slash = '\0';
        r = fsu_mkdir_p(path, 0755);
        *slash = '/';
    }
    if (r == 0) {
        r = fsu_write_atomic(path, text, strlen(text), 0644);
    }
    if (r < 0) {
        xlog_err("Cannot write %s: %s", path ? path : "the xenopsd VIF file", strerror(-r));
    }
    free(text);
    free(path);
    return r;
}

/* Guests. */

static char *record_path(const char *vm_uuid)
{
    char rel[256];

    snprintf(rel, sizeof rel, "%s/%s.netns", RUN_DIR, vm_uuid);
    return paths_get(rel);
}

char *sim_guest_ns(const char *vm_uuid)
{
    char *path = record_path(vm_uuid), *data = NULL;
    size_t len = 0;

    if (!path || fsu_read_file(path, 256, &data, &len) < 0) {
        free(path);
        return NULL;
    }
    free(path);
    data[strcspn(data, "\n")] = '\0';
    return data;
}

static bool netns_exists(const char *ns)
{
    char path[512];

    snprintf(path, sizeof path, NETNS_DIR "/%s", ns);
    return access(path, F_OK) == 0;
}

int sim_guest_start(struct sim_ctx *ctx, const char *vm_uuid, const char *name, unsigned domid,
                    char **ns, char *err, size_t errlen)
{
    const char *prefix = ctx->cfg.guest_ns_prefix ? ctx->cfg.guest_ns_prefix : "xvs-";
    char *rec = record_path(vm_uuid), *dir = NULL, *slash, clean[65], domtext[16], vm_path[128];
    struct xsc *xs = NULL;
    size_t n = 0;
    bool made = false;
    int r;

    *ns = NULL;
    /* A namespace name is a file name: the VM name is kept to safe
     * characters and a bounded length. */
    for (const char *p = name; *p && n < sizeof clean - 1; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';

        clean[n++] = ok ? *p : '-';
    }
    clean[n] = '\0';
    if (!n || clean[0] == '.' || asprintf(ns, "%s%s", prefix, clean) < 0 || netns_exists(*ns)) {
        free(*ns);
        if (asprintf(ns, "%sdom%u", prefix, domid) < 0) {
            *ns = NULL;
        }
    }
    if (!*ns || !rec) {
        r = -ENOMEM;
        sim_set_err(err, errlen, "out of memory");
        goto fail;
    }
    r = xsc_open(&xs);
    if (r < 0) {
        sim_set_err(err, errlen, "cannot connect to xenstored: %s", strerror(-r));
        goto fail;
    }
    r = IP(NULL, "netns", "add", *ns);
    if (r < 0) {
        sim_set_err(err, errlen, "cannot create namespace %s", *ns);
        goto fail;
    }
    made = true;
    r = IP(*ns, "link", "set", "lo", "up");
    dir = strdup(rec);
    slash = dir ? strrchr(dir, '/') : NULL;
    if (r == 0 && slash) {
        *slash = '\0';
        r = fsu_mkdir_p(dir, 0755);
    }
    if (r == 0) {
        r = fsu_write_atomic(rec, *ns, strlen(*ns), 0644);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "cannot set up namespace %s", *ns);
        goto fail;
    }
    snprintf(domtext, sizeof domtext, "%u", domid);
    snprintf(vm_path, sizeof vm_path, "/vm/%s", vm_uuid);
    r = xs_writef(xs, vm_path, "/local/domain/%u/vm", domid);
    if (r == 0) {
        r = xs_writef(xs, name, "/local/domain/%u/name", domid);
    }
    if (r == 0) {
        r = xs_writef(xs, domtext, "/local/domain/%u/domid", domid);
    }
    if (r == 0) {
        r = xs_writef(xs, vm_uuid, "/vm/%s/uuid", vm_uuid);
    }
    if (r == 0) {
        r = xs_writef(xs, name, "/vm/%s/name", vm_uuid);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "cannot write the domain's xenstore keys: %s", strerror(-r));
        goto fail;
    }
    xlog_info("Domain %u of VM %s: namespace %s", domid, vm_uuid, *ns);
    xsc_close(xs);
    free(rec);
    free(dir);
    return 0;
fail:
    xsc_close(xs);
    if (made) {
        sim_guest_stop(ctx, vm_uuid, domid);
    }
    free(*ns);
    *ns = NULL;
    free(rec);
    free(dir);
    return r;
}

void sim_guest_stop(struct sim_ctx *ctx, const char *vm_uuid, unsigned domid)
{
    char *ns = sim_guest_ns(vm_uuid), *rec = record_path(vm_uuid), rel[256], *dir;
    struct xsc *xs = NULL;

    (void)ctx;
    if (xsc_open(&xs) == 0) {
        xs_rmf(xs, "/local/domain/%u", domid);
        xs_rmf(xs, "/vm/%s", vm_uuid);
        xs_rmf(xs, "/xapi/%s", vm_uuid);
        xs_rmf(xs, "/local/domain/0/backend/vif/%u", domid);
        xsc_close(xs);
    }
    if (ns && netns_exists(ns)) {
        IP(NULL, "netns", "delete", ns);
    }
    snprintf(rel, sizeof rel, "%s/%s/VM/%s", PATHS_XENOPSD_DIR, XENOPSD_BACKEND, vm_uuid);
    dir = paths_get(rel);
    if (dir) {
        /* The VIF files were removed with their VIFs; only the folder is
         * left, unless a VIF's removal failed. */
        rmdir(dir);
    }
    if (rec) {
        unlink(rec);
    }
    free(dir);
    free(rec);
    free(ns);
}

/* VIFs. */

static int write_private_keys(struct xsc *xs, struct sim_ctx *ctx, const struct sim_guest_vif *v)
{
    char base[256], mtu[24], *rules = NULL;
    struct sbuf v4 = SBUF_INIT, v6 = SBUF_INIT;
    int r;

    snprintf(base, sizeof base, "/xapi/%s/private/vif/%u", v->vm_uuid, v->devid);
    snprintf(mtu, sizeof mtu, "%lld", v->mtu);
    if (asprintf(&rules, "%s/setup-vif-rules", ctx->cfg.libexec ? ctx->cfg.libexec : ".") < 0) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < xr_array_len(v->ipv4_allowed); i++) {
        sbuf_addf(&v4, "%s%s", i ? "," : "", xr_get_string(xr_array_get(v->ipv4_allowed, i)));
    }
    for (size_t i = 0; i < xr_array_len(v->ipv6_allowed); i++) {
        sbuf_addf(&v6, "%s%s", i ? "," : "", xr_get_string(xr_array_get(v->ipv6_allowed, i)));
    }
    r = sbuf_error(&v4) || sbuf_error(&v6) ? -ENOMEM : 0;
    if (r == 0) {
        r = xs_writef(xs, v->bridge, "%s/bridge", base);
    }
    if (r == 0) {
        r = xs_writef(xs, BRIDGE_MAC, "%s/bridge-MAC", base);
    }
    if (r == 0) {
        r = xs_writef(xs, mtu, "%s/MTU", base);
    }
    if (r == 0) {
        r = xs_writef(xs, v->network_uuid, "%s/network-uuid", base);
    }
    if (r == 0) {
        r = xs_writef(xs, v->vif_uuid, "%s/vif-uuid", base);
    }
    if (r == 0) {
        r = xs_writef(xs, rules, "%s/setup-vif-rules", base);
    }
    if (r == 0) {
        r = xs_writef(xs, XENOPSD_BACKEND, "%s/xenopsd-backend", base);
    }
    if (r == 0) {
        r = xs_writef(xs, "", "%s/trunks", base);
    }
    if (r == 0) {
        r = xs_writef(xs, v->locking_mode, "%s/locking-mode", base);
    }
    if (r == 0) {
        r = xs_writef(xs, sbuf_str(&v4), "%s/ipv4-allowed", base);
    }
    if (r == 0) {
        r = xs_writef(xs, sbuf_str(&v6), "%s/ipv6-allowed", base);
    }
    for (size_t i = 0; r == 0 && i < xr_struct_len(v->other_config); i++) {
        const char *key = xr_struct_key(v->other_config, i);

        /* A key is one path element. */
        if (strchr(key, '/') || !*key) {
            continue;
        }
        r = xs_writef(xs, xr_get_string(xr_struct_value(v->other_config, i)), "%s/other-config/%s",
                      base, key);
    }
    sbuf_free(&v4);
    sbuf_free(&v6);
    free(rules);
    return r;
}

/* Runs `<libexec>/vif ACTION type_if=vif` with udev's environment. */
static int run_hotplug(struct sim_ctx *ctx, unsigned domid, unsigned devid, const char *action,
                       unsigned timeout_ms)
{
    char *prog = NULL, xenbus[64], dev[32];
    const char *argv[4];
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = timeout_ms};
    struct sim_env env[5];
    size_t n = 0;
    int r;

    if (asprintf(&prog, "%s/vif", ctx->cfg.libexec ? ctx->cfg.libexec : ".") < 0) {
        return -ENOMEM;
    }
    snprintf(xenbus, sizeof xenbus, "backend/vif/%u/%u", domid, devid);
    snprintf(dev, sizeof dev, "vif%u.%u", domid, devid);
    argv[0] = prog;
    argv[1] = action;
    argv[2] = "type_if=vif";
    argv[3] = NULL;
    env[n++] = (struct sim_env){"XENBUS_PATH", xenbus};
    env[n++] = (struct sim_env){"XENBUS_TYPE", "vif"};
    env[n++] = (struct sim_env){"XENBUS_BASE_PATH", "backend"};
    env[n++] = (struct sim_env){"vif", dev};
    env[n++] = (struct sim_env){"ACTION", action};
    r = sim_ctx_run(ctx, &cmd, env, n, NULL);
    free(prog);
    return r;
}

static void vif_cleanup(const char *vm_uuid, unsigned domid, unsigned devid, bool device)
{
    char dev[32], *json = vif_json_path(vm_uuid, devid);
    struct xsc *xs = NULL;

    snprintf(dev, sizeof dev, "vif%u.%u", domid, devid);
    if (device) {
        /* Deleting the dom0 end deletes the pair. */
        IP(NULL, "link", "delete", dev);
    }
    if (xsc_open(&xs) == 0) {
        xs_rmf(xs, "/local/domain/0/backend/vif/%u/%u", domid, devid);
        xs_rmf(xs, "/local/domain/%u/device/vif/%u", domid, devid);
        xs_rmf(xs, "/xapi/%s/private/vif/%u", vm_uuid, devid);
        xs_rmf(xs, "/xapi/%s/hotplug/%u/vif/%u", vm_uuid, domid, devid);
        xsc_close(xs);
    }
    if (json) {
        unlink(json);
    }
    free(json);
}

int sim_guest_vif_plug(struct sim_ctx *ctx, unsigned domid, const char *ns,
                       const struct sim_guest_vif *v, char *err, size_t errlen)
{
    unsigned timeout =
            ctx->cfg.hotplug_timeout_ms ? ctx->cfg.hotplug_timeout_ms : HOTPLUG_DEFAULT_MS;
    char dev[32], guest_if[32], be[128], fe[128], text[32], mtu[24], *status = NULL;
    char st_path[160], er_path[160], vm_uuid[64], bridge[64];
    struct xsc *xs = NULL;
    bool device = false;
    long long deadline;
    int r;

    snprintf(dev, sizeof dev, "vif%u.%u", domid, v->devid);
    snprintf(guest_if, sizeof guest_if, "eth%u", v->devid);
    snprintf(be, sizeof be, "/local/domain/0/backend/vif/%u/%u", domid, v->devid);
    snprintf(fe, sizeof fe, "/local/domain/%u/device/vif/%u", domid, v->devid);
    snprintf(mtu, sizeof mtu, "%lld", v->mtu);
    /* Calls served while the script runs may change the store, which owns
     * the strings of "v": what is needed afterwards is copied. */
    snprintf(vm_uuid, sizeof vm_uuid, "%s", v->vm_uuid);
    snprintf(bridge, sizeof bridge, "%s", v->bridge);
    snprintf(st_path, sizeof st_path, "%s/hotplug-status", be);
    snprintf(er_path, sizeof er_path, "%s/hotplug-error", be);
    r = xsc_open(&xs);
    if (r < 0) {
        sim_set_err(err, errlen, "VIF %s: cannot connect to xenstored: %s", dev, strerror(-r));
        return r;
    }
    /* What xenopsd writes before the device appears. */
    r = write_vif_json(v);
    if (r == 0) {
        r = write_private_keys(xs, ctx, v);
    }
    snprintf(text, sizeof text, "%u", domid);
    if (r == 0) {
        r = xs_writef(xs, fe, "%s/frontend", be);
    }
    if (r == 0) {
        r = xs_writef(xs, text, "%s/frontend-id", be);
    }
    if (r == 0) {
        r = xs_writef(xs, v->mac, "%s/mac", be);
    }
    if (r == 0) {
        r = xs_writef(xs, v->bridge, "%s/bridge", be);
    }
    snprintf(text, sizeof text, "%u", v->devid);
    if (r == 0) {
        r = xs_writef(xs, text, "%s/handle", be);
    }
    if (r == 0) {
        r = xs_writef(xs, "1", "%s/online", be);
    }
    if (r == 0) {
        r = xs_writef(xs, "1", "%s/state", be);
    }
    if (r == 0) {
        r = xs_writef(xs, be, "%s/backend", fe);
    }
    if (r == 0) {
        r = xs_writef(xs, "0", "%s/backend-id", fe);
    }
    if (r == 0) {
        r = xs_writef(xs, text, "%s/handle", fe);
    }
    if (r == 0) {
        r = xs_writef(xs, v->mac, "%s/mac", fe);
    }
    if (r == 0) {
        r = xs_writef(xs, "1", "%s/state", fe);
    }
    if (r < 0) {
        sim_set_err(err, errlen, "VIF %s: cannot write its xenstore keys", dev);
        goto fail;
    }
    /* The device, as netback and the guest's netfront make it. */
    r = IP(NULL, "link", "add", dev, "type", "veth", "peer", "name", guest_if, "netns", ns);
    if (r == 0) {
        device = true;
        r = IP(NULL, "link", "set", dev, "address", BRIDGE_MAC);
    }
    if (r == 0) {
        r = IP(ns, "link", "set", guest_if, "address", v->mac, "mtu", mtu);
    }
    if (r == 0) {
        r = IP(ns, "link", "set", guest_if, "up");
    }
    if (r < 0) {
        sim_set_err(err, errlen, "VIF %s: cannot create the device", dev);
        goto fail;
    }
    deadline = now_ms() + timeout;
    r = run_hotplug(ctx, domid, v->devid, "online", timeout);
    for (;;) {
        char *hp_err = NULL;
        int rs;

        free(status);
        status = NULL;
        rs = xsc_read(xs, st_path, &status);
        if (rs == 0 && !strcmp(status, "connected")) {
            break;
        }
        if (xsc_read(xs, er_path, &hp_err) == 0) {
            sim_set_err(err, errlen, "VIF %s: hotplug failed: %s", dev, hp_err);
            free(hp_err);
            r = -EIO;
            goto fail;
        }
        if (r != 0) {
            /* The script ended without saying why. */
            if (r < 0) {
                sim_set_err(err, errlen, "VIF %s: hotplug failed: cannot run %s/vif: %s", dev,
                            ctx->cfg.libexec ? ctx->cfg.libexec : ".", strerror(-r));
            } else {
                sim_set_err(err, errlen, "VIF %s: hotplug failed: vif exited with status %d", dev,
                            r);
            }
            r = -EIO;
            goto fail;
        }
        if (now_ms() >= deadline) {
            sim_set_err(err, errlen, "VIF %s: hotplug failed: no hotplug-status after %u ms", dev,
                        timeout);
            r = -ETIMEDOUT;
            goto fail;
        }
        usleep(POLL_MS * 1000);
    }
    xs_writef(xs, "4", "%s/state", be);
    xs_writef(xs, "4", "%s/state", fe);
    xlog_info("VIF %s plugged on %s", dev, bridge);
    free(status);
    xsc_close(xs);
    return 0;
fail:
    xlog_err("%s", err ? err : "VIF plug failed");
    free(status);
    xsc_close(xs);
    if (device) {
        /* The script may have added the port already: let it undo that. */
        run_hotplug(ctx, domid, v->devid, "remove", timeout);
    }
    vif_cleanup(vm_uuid, domid, v->devid, device);
    return r < 0 ? r : -EIO;
}

void sim_guest_vif_unplug(struct sim_ctx *ctx, const char *vm_uuid, unsigned domid, unsigned devid)
{
    unsigned timeout =
            ctx->cfg.hotplug_timeout_ms ? ctx->cfg.hotplug_timeout_ms : HOTPLUG_DEFAULT_MS;
    char path[160], *status = NULL;
    struct xsc *xs = NULL;
    long long deadline = now_ms() + timeout;
    int r;

    r = run_hotplug(ctx, domid, devid, "remove", timeout);
    if (r != 0) {
        xlog_warn("vif remove of vif%u.%u ended with %d", domid, devid, r);
    }
    snprintf(path, sizeof path, "/local/domain/0/backend/vif/%u/%u/hotplug-status", domid, devid);
    if (xsc_open(&xs) == 0) {
        /* The removal of hotplug-status tells that the script is done. */
        while (xsc_read(xs, path, &status) == 0) {
            free(status);
            status = NULL;
            if (r != 0 || now_ms() >= deadline) {
                xlog_warn("vif%u.%u: hotplug-status still there after the removal", domid, devid);
                break;
            }
            usleep(POLL_MS * 1000);
        }
        xsc_close(xs);
    }
    vif_cleanup(vm_uuid, domid, devid, true);
    xlog_info("VIF vif%u.%u unplugged", domid, devid);
}

int sim_guest_vif_refresh(struct sim_ctx *ctx, unsigned domid, const struct sim_guest_vif *v,
                          char *err, size_t errlen)
{
    char *prog = NULL, dev[32], devid[16];
    const char *argv[7];
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = HOTPLUG_DEFAULT_MS};
    struct xsc *xs = NULL;
    int r = write_vif_json(v);

    if (r == 0) {
        r = xsc_open(&xs);
    }
    if (r == 0) {
        r = write_private_keys(xs, ctx, v);
    }
    xsc_close(xs);
    if (r < 0) {
        sim_set_err(err, errlen, "cannot update the VIF's keys: %s", strerror(-r));
        return r;
    }
    if (asprintf(&prog, "%s/setup-vif-rules", ctx->cfg.libexec ? ctx->cfg.libexec : ".") < 0) {
        return -ENOMEM;
    }
    snprintf(dev, sizeof dev, "vif%u.%u", domid, v->devid);
    snprintf(devid, sizeof devid, "%u", v->devid);
    argv[0] = prog;
    argv[1] = XENOPSD_BACKEND;
    argv[2] = dev;
    argv[3] = v->vm_uuid;
    argv[4] = devid;
    argv[5] = "filter";
    argv[6] = NULL;
    r = sim_ctx_run(ctx, &cmd, NULL, 0, NULL);
    if (r != 0) {
        sim_set_err(err, errlen, "%s %s filter failed (%d)", prog, dev, r);
        free(prog);
        return r < 0 ? r : -EIO;
    }
    free(prog);
    return 0;
}
