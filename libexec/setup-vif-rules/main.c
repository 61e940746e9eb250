/* setup-vif-rules: puts a VIF's backend interface on its bridge and installs
 * (filter) or removes (clear) the anti-spoofing rules of its locking mode, as
 * XenServer's script of the same name (spec §3):
 *
 *   setup-vif-rules <xenopsd-backend> <vif> <vm-uuid> <devid> clear|filter   (current, §3.1)
 *   setup-vif-rules <vif|tap> <domid> <devid> clear|filter                  (legacy, §3.2)
 *
 * This file: the command line, the configuration (xenopsd's VIF file via
 * xenopsd_vif.c, or xenstore for the legacy form) and the Open vSwitch mode;
 * svr_bridge.c holds the Linux bridge mode, vifrules.c the rules themselves.
 * Open vSwitch: the OVSDB changes go through lib/vsctl_run (in-process, one
 * transaction each) and the flows through lib/ofconn (one OpenFlow batch
 * ended by a barrier) instead of one ovs-vsctl / ovs-ofctl process per step.
 * Deliberate differences from the original, each also noted where it is done:
 * - del-port and add-port with the external ids are ONE transaction that also
 *   asks for the port's OpenFlow number (Interface ofport_request, a free
 *   number on the parent bridge, picked under the transaction's guards), so
 *   the rules go out at once instead of after waiting for the switch to
 *   reconfigure and reading the ofport back (the original raced: add-port,
 *   then an immediate `get ofport`, CA-137468);
 * - the locked rules go as one batch to the PARENT of the VIF's bridge, so
 *   VLAN fake bridges work (the original's create_vswitch_rules used a global
 *   and only worked by accident, spec §10 Q20);
 * - a non-Local xenopsd backend is an error (the original ran
 *   `ovs-vsctl add-port None <vif>`, Q20);
 * - every step's failure is an error (exit 1) and a filter that fails after
 *   the port was added takes back what it added (flows, ofport key, PVS
 *   rules, the port itself), so the VIF is never left on the bridge without
 *   its rules;
 * - clear does not need xenopsd's VIF file (it may already be gone), and a
 *   netback device that is already gone is not an error for clear;
 * - every value read from the VIF file or xenstore (MAC, addresses, names,
 *   uuids, the PVS script path) is validated before use;
 * - the legacy form installs and removes cookie=1 flows like the current one
 *   (the original deleted every flow of the port), and network.conf's old
 *   spelling "vswitch" means openvswitch (Q22). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "lnk.h"
#include "log.h"
#include "netmode.h"
#include "ofconn.h"
#include "ofp.h"
#include "ofp_text.h"
#include "paths.h"
#include "sbuf.h"
#include "svr.h"
#include "vifrules.h"
#include "vifport.h"
#include "vsctl_run.h"
#include "xenopsd_vif.h"
#include "xsc.h"

/* ---- OVSDB ---------------------------------------------------------------------------- */

/* The port changes go through lib/vifport: a small read and one transaction each, with the
 * may-exist/if-exists semantics as transaction operations; in a dry run they print the
 * equivalent ovs-vsctl line. */
static struct sbuf *dry_buf(struct svr *s)
{
    return s->dry_run ? &s->dry : NULL;
}

/* The first line of output i, trimmed, in buf ("" when absent). */
static void output_line(char **outputs, size_t n, size_t i, char *buf, size_t size)
{
    const char *o = i < n && outputs[i] ? outputs[i] : "";

    snprintf(buf, size, "%.*s", (int)strcspn(o, "\r\n"), o);
}

/* Where the VIF is now: its ofport and the parent of its bridge (the bridge that holds the
 * flows when the VIF is on a VLAN fake bridge), read in one go.  *found is false when it has
 * no port or no OpenFlow number yet. */
static int current_port(struct svr *s, bool *found, uint32_t *ofport, char parent[16])
{
    struct vifport_where w;
    bool have = false;
    int r;

    *found = false;
    if (!s->db) {
        xlog_warn("dry run: the database is not reachable, so %s is taken to have no port", s->vif);
        return 0;
    }
    r = vifport_find(s->db, s->vif, &have, &w);
    if (r < 0 || !have || !w.ofport) {
        return r;
    }
    if (!vfr_safe_token(w.parent, 15)) {
        xlog_err("%s: unusable parent bridge '%s'", s->vif, w.parent);
        return -EINVAL;
    }
    snprintf(parent, 16, "%s", w.parent);
    *ofport = w.ofport;
    *found = true;
    return 0;
}

/* ---- OpenFlow ------------------------------------------------------------------------- */

static int ofc_for(struct svr *s, const char *bridge, struct ofc **c)
{
    int r;

    if (s->ofc && !strcmp(s->ofc_bridge, bridge)) {
        *c = s->ofc;
        return 0;
    }
    ofc_close(s->ofc);
    s->ofc = NULL;
    r = ofc_open(bridge, SVR_TIMEOUT_MS, &s->ofc);
    if (r < 0) {
        return r;
    }
    snprintf(s->ofc_bridge, sizeof s->ofc_bridge, "%s", bridge);
    *c = s->ofc;
    return 0;
}

/* Removes our flows of one port: cookie 1 (mask all ones) and in_port, in every table, as
 * `ovs-ofctl del-flows <br> in_port=<P>,cookie=1/-1`; other flows of the port are kept. */
static int flows_del(struct svr *s, const char *bridge, const char *port_text, uint32_t ofport)
{
    struct ofc_mod mod;
    struct ofc *c;
    uint32_t be = htonl(ofport);
    int r;

    xlog_info("ovs-ofctl del-flows %s in_port=%s,cookie=%d/-1", bridge, port_text, VFR_COOKIE);
    if (s->dry_run) {
        sbuf_addf(&s->dry, "ovs-ofctl del-flows %s in_port=%s,cookie=%d/-1\n", bridge, port_text,
                  VFR_COOKIE);
        return sbuf_error(&s->dry);
    }
    memset(&mod, 0, sizeof mod);
    mod.command = OFPFC_DELETE;
    ofp_flow_init(&mod.flow);
    mod.flow.table_id = OFPTT_ALL;
    mod.flow.cookie = VFR_COOKIE;
    mod.flow.cookie_mask = UINT64_MAX;
    r = ofp_match_set(&mod.flow.match, OFPXMT_IN_PORT, &be, NULL, sizeof be);
    if (r == 0) {
        r = ofc_for(s, bridge, &c);
    }
    if (r == 0) {
        r = ofc_flow_mods(c, &mod, 1);
    }
    if (r < 0) {
        xlog_err("%s: cannot remove the flows of %s (in_port=%s): %s", bridge, s->vif, port_text,
                 strerror(-r));
    }
    return r;
}

/* Installs the locked-mode rules of s->cfg.lock for port_text on bridge as one batch. */
static int flows_add(struct svr *s, const char *bridge, const char *port_text)
{
    struct vfr_strv rules = {NULL, 0};
    struct ofc_mod *mods = NULL;
    struct ofc *c;
    char *err = NULL;
    int r;

    r = vfr_ovs_rules(&s->cfg.lock, port_text, &rules);
    if (r < 0 || rules.n == 0) {
        goto out;
    }
    mods = calloc(rules.n, sizeof *mods);
    if (!mods) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < rules.n; i++) {
        if (s->dry_run) {
            sbuf_addf(&s->dry, "ovs-ofctl add-flow %s %s\n", bridge, rules.v[i]);
            continue;
        }
        xlog_info("ovs-ofctl add-flow %s %s", bridge, rules.v[i]);
        mods[i].command = OFPFC_ADD;
        r = ofpt_parse_flow(rules.v[i], OFPT_ADD, NULL, NULL, &mods[i].flow, &err);
        if (r < 0) {
            xlog_err("%s: cannot parse rule '%s': %s", bridge, rules.v[i], err ? err : "");
            goto out;
        }
    }
    if (s->dry_run) {
        r = sbuf_error(&s->dry);
        goto out;
    }
    r = ofc_for(s, bridge, &c);
    if (r == 0) {
        r = ofc_flow_mods(c, mods, rules.n);
    }
    if (r < 0) {
        xlog_err("%s: cannot install the %zu rules of %s: %s", bridge, rules.n, s->vif,
                 strerror(-r));
    }
out:
    free(err);
    free(mods);
    vfr_strv_free(&rules);
    return r;
}

/* ---- xenstore ------------------------------------------------------------------------- */

static int xs_put(struct svr *s, const char *path, const char *value)
{
    int r;

    if (s->dry_run) {
        sbuf_addf(&s->dry, "xenstore-write %s %s\n", path, value);
        return sbuf_error(&s->dry);
    }
    r = xsc_write(s->xs, path, value);
    if (r < 0) {
        xlog_err("xenstore-write %s %s failed: %s", path, value, strerror(-r));
    }
    return r;
}

static int xs_del(struct svr *s, const char *path)
{
    int r;

    if (s->dry_run) {
        sbuf_addf(&s->dry, "xenstore-rm %s\n", path);
        return sbuf_error(&s->dry);
    }
    r = xsc_rm(s->xs, path);
    if (r < 0) {
        xlog_err("xenstore-rm %s failed: %s", path, strerror(-r));
    }
    return r;
}

/* Reads a key; -ENOENT when absent (or when a dry run has no xenstore). */
static int xs_get(struct svr *s, const char *path, char **value)
{
    *value = NULL;
    if (!s->xs) {
        return -ENOENT;
    }
    return xsc_read(s->xs, path, value);
}

/* The PVS proxy hook (spec §3.1): run only when $PRIVATE/pvs-interface exists, and only a
 * script named by an absolute path without "." or ".." components. */
static bool valid_script(const char *p)
{
    if (p[0] != '/' || strlen(p) >= SVR_PATH_MAX) {
        return false;
    }
    for (const char *c = p; *c; c++) {
        if (*c <= ' ' || *c == 0x7f) {
            return false;
        }
        if (c[0] == '/' && c[1] == '.' &&
            (c[2] == '/' || !c[2] || (c[2] == '.' && (c[3] == '/' || !c[3])))) {
            return false;
        }
    }
    return true;
}

static int pvs_config(struct svr *s)
{
    char path[SVR_PATH_MAX + 32], *v = NULL;
    int r;

    snprintf(path, sizeof path, "%s/pvs-interface", s->private_);
    r = xs_get(s, path, &v);
    free(v);
    v = NULL;
    if (r == -ENOENT) {
        return 0;
    }
    if (r < 0) {
        xlog_err("cannot read %s: %s", path, strerror(-r));
        return r;
    }
    snprintf(path, sizeof path, "%s/setup-pvs-proxy-rules", s->private_);
    r = xs_get(s, path, &v);
    if (r < 0 || !valid_script(v)) {
        xlog_err("%s: %s is not an absolute script path", path, r < 0 ? strerror(-r) : v);
        free(v);
        return r < 0 ? r : -EINVAL;
    }
    snprintf(s->pvs_script, sizeof s->pvs_script, "%s", v);
    s->pvs = true;
    free(v);
    return 0;
}

/* Runs `<script> add|remove <vif|tap> <vif> <private> <hotplug>`.  The script is a host path,
 * so it runs under the root prefix. */
static int pvs_hook(struct svr *s, const char *action)
{
    const char *argv[] = {s->pvs_script, action, s->type, s->vif, s->private_, s->hotplug, NULL};
    int r;

    if (!s->pvs) {
        return 0;
    }
    svr_dry_flush(s);
    r = exec_argv(argv, EXEC_ROOT_PREFIX | (s->dry_run ? EXEC_DRY_RUN : 0));
    if (r != 0) {
        xlog_err("PVS proxy hook %s %s for %s failed (%d)", s->pvs_script, action, s->vif, r);
        return r < 0 ? r : -EIO;
    }
    return 0;
}

/* ---- Open vSwitch --------------------------------------------------------------------- */

/* Removes the VIF's flows, PVS rules and ofport key, as the first half of both actions. */
static int ovs_clear(struct svr *s, char *ofport_key)
{
    char parent[16], port_text[16];
    uint32_t ofport = 0;
    bool found;
    int r;

    r = current_port(s, &found, &ofport, parent);
    if (r == 0 && found) {
        snprintf(port_text, sizeof port_text, "%u", ofport);
        r = flows_del(s, parent, port_text, ofport);
    }
    if (r == 0 && !s->legacy) {
        /* The hook's own failure on removal must not keep the port: logged in pvs_hook(). */
        pvs_hook(s, "remove");
        r = xs_del(s, ofport_key);
    }
    return r;
}

/* Takes back a filter that failed after its port was added: flows, PVS rules, ofport key and
 * the port.  Each failure is logged; the first error of the filter is what is returned. */
static void ovs_rollback(struct svr *s, const char *parent, const char *port_text, uint32_t ofport,
                         bool flows, bool pvs, const char *ofport_key)
{
    xlog_warn("%s: taking back the port and rules added so far", s->vif);
    /* A fresh OpenFlow connection: the failure may have been the old one's. */
    ofc_close(s->ofc);
    s->ofc = NULL;
    if (flows) {
        flows_del(s, parent, port_text, ofport);
    }
    if (pvs) {
        pvs_hook(s, "remove");
    }
    xs_del(s, ofport_key);
    vifport_unplug(s->db, s->vif, dry_buf(s), NULL);
}

/* A dry run has not added the port, so its ofport is unknown: the rules name the interface
 * (in_port=<vif>), and go to the parent of the bridge when the database can tell it. */
static int dry_run_target(struct svr *s, char *port_text, size_t port_size, char *parent,
                          size_t parent_size)
{
    char **out = NULL, line[64];
    char *argv[] = {"br-to-parent", s->cfg.bridge};
    struct vrun_opts o = {.timeout_ms = SVR_TIMEOUT_MS, .who = "setup-vif-rules"};
    size_t n = 0;

    snprintf(port_text, port_size, "%s", s->vif);
    snprintf(parent, parent_size, "%s", s->cfg.bridge);
    if (s->db && vrun_exec(s->db, 2, argv, &o, &out, &n, NULL) == 0) {
        output_line(out, n, 0, line, sizeof line);
        if (vfr_safe_token(line, 15)) {
            snprintf(parent, parent_size, "%s", line);
        }
    }
    vrun_free_outputs(out, n);
    return 0;
}

static int ovs_current(struct svr *s)
{
    char ofport_key[SVR_PATH_MAX + 16], parent[64], port_text[64];
    struct vifport_where where;
    uint32_t ofport = 0;
    bool pvs_added = false, flows_tried = false;
    int r;

    snprintf(ofport_key, sizeof ofport_key, "%s/%s-ofport", s->hotplug, s->type);
    r = svr_link_set(s, false);
    if (r == 0) {
        r = ovs_clear(s, ofport_key);
    }
    if (r < 0) {
        return r;
    }
    if (!s->filter || s->cfg.lock.mode == VFR_DISABLED) {
        /* clear, or a disabled VIF, which stays off the bridge (CA-226099). */
        long long cfg = 0;

        r = vifport_unplug(s->db, s->vif, dry_buf(s), &cfg);
        /* As ovs-vsctl did for the original: the link comes up only once the switch has
         * let go of the port, or its own teardown could take the link down again. */
        if (r == 0 && !s->dry_run) {
            r = vifport_wait_applied(s->db, cfg, SVR_TIMEOUT_MS);
        }
        return r < 0 ? r : svr_link_set(s, true);
    }
    /* One transaction replaces any old port and adds the new one with its external ids and a
     * requested OpenFlow number, so the rules can go out at once (the original's separate
     * del-port / add-port / get raced with the switch, CA-137468). */
    {
        /* Ids the VIF file does not carry are left out, as the original does. */
        const char *ids[10];
        int k = 0;

        ids[k++] = "xs-vm-uuid";
        ids[k++] = s->xs_vm_uuid;
        if (s->cfg.vif_uuid[0]) {
            ids[k++] = "xs-vif-uuid";
            ids[k++] = s->cfg.vif_uuid;
        }
        if (s->cfg.network_uuid[0]) {
            ids[k++] = "xs-network-uuid";
            ids[k++] = s->cfg.network_uuid;
        }
        ids[k++] = "attached-mac";
        ids[k++] = s->cfg.lock.mac;
        ids[k] = NULL;
        r = vifport_plug(s->db, s->cfg.bridge, s->vif, ids, dry_buf(s), &where);
    }
    if (r < 0) {
        xlog_err("FATAL: cannot add %s to %s", s->vif, s->cfg.bridge);
        return r;
    }
    if (s->dry_run) {
        r = dry_run_target(s, port_text, sizeof port_text, parent, sizeof parent);
    } else {
        ofport = where.ofport;
        snprintf(port_text, sizeof port_text, "%u", ofport);
        snprintf(parent, sizeof parent, "%s", where.parent);
        if (!vfr_safe_token(parent, 15)) {
            xlog_err("%s: unusable parent bridge '%s'", s->cfg.bridge, parent);
            r = -EINVAL;
        }
    }
    if (r == 0) {
        r = xs_put(s, ofport_key, port_text);
    }
    if (r == 0) {
        /* A hook that failed half-way is asked to remove what it did, too. */
        pvs_added = s->pvs;
        r = pvs_hook(s, "add");
    }
    if (r == 0 && s->cfg.lock.mode == VFR_LOCKED) {
        flows_tried = true;
        r = flows_add(s, parent, port_text);
    }
    if (r == 0 && !s->dry_run) {
        /* The rules went out at once with the requested port number; the link comes up
         * only once the switch has the port, as after the original's waiting ovs-vsctl. */
        r = vifport_wait_applied(s->db, where.cfg, SVR_TIMEOUT_MS);
    }
    if (r < 0) {
        if (!s->dry_run) {
            ovs_rollback(s, parent, port_text, ofport, flows_tried, pvs_added, ofport_key);
        }
        return r;
    }
    return svr_link_set(s, true);
}

/* The legacy form: the vif script has put the port on its bridge; only the flows change. */
static int ovs_legacy(struct svr *s)
{
    char parent[16], port_text[16];
    uint32_t ofport = 0;
    bool found;
    int r;

    r = svr_link_set(s, false);
    if (r == 0) {
        r = current_port(s, &found, &ofport, parent);
    }
    if (r < 0) {
        return r;
    }
    if (found) {
        snprintf(port_text, sizeof port_text, "%u", ofport);
        r = flows_del(s, parent, port_text, ofport);
        if (r < 0) {
            return r;
        }
    }
    if (s->filter && s->cfg.lock.mode == VFR_LOCKED) {
        if (!found) {
            xlog_err("%s is on no bridge, so its rules cannot be installed", s->vif);
            return -ENODEV;
        }
        r = flows_add(s, parent, port_text);
        if (r < 0) {
            if (!s->dry_run) {
                ofc_close(s->ofc);
                s->ofc = NULL;
                flows_del(s, parent, port_text, ofport);
            }
            return r;
        }
    }
    /* The legacy script leaves a disabled VIF down. */
    if (s->filter && s->cfg.lock.mode == VFR_DISABLED) {
        return 0;
    }
    return svr_link_set(s, true);
}

/* ---- configuration -------------------------------------------------------------------- */

/* xs-vm-uuid: a migration target's /vm/<uuid>/final-uuid when present (spec §2.5). */
static int vm_uuid_for_ids(struct svr *s)
{
    char path[SVR_PATH_MAX], *v = NULL;
    int r;

    snprintf(s->xs_vm_uuid, sizeof s->xs_vm_uuid, "%s", s->vm_uuid);
    snprintf(path, sizeof path, "/vm/%s/final-uuid", s->vm_uuid);
    r = xs_get(s, path, &v);
    if (r == -ENOENT) {
        return 0;
    }
    if (r == 0 && !vfr_safe_token(v, XOV_TOKEN_MAX)) {
        xlog_err("%s holds an invalid uuid", path);
        r = -EINVAL;
    } else if (r == 0) {
        xlog_info("This is a migration target VM, so fix value of 'xs-vm-uuid' from %s to %s",
                  s->vm_uuid, v);
        snprintf(s->xs_vm_uuid, sizeof s->xs_vm_uuid, "%s", v);
    } else {
        xlog_err("cannot read %s: %s", path, strerror(-r));
    }
    free(v);
    return r;
}

/* Legacy configuration from xenstore (spec §3.2).  The MAC and lists are validated here. */
static int legacy_config(struct svr *s)
{
    static const char *const keys[] = {"locking-mode", "ipv4-allowed", "ipv6-allowed"};
    char path[SVR_PATH_MAX + 32], *v = NULL, bad[64];
    int r;

    snprintf(path, sizeof path, "/local/domain/0/backend/vif/%u/%u/mac", s->domid, s->devid);
    r = xs_get(s, path, &v);
    if (r < 0 || vfr_parse_mac(v, s->cfg.lock.mac) < 0) {
        xlog_err("%s: %s", path, r < 0 ? strerror(-r) : "not a MAC address");
        free(v);
        return r < 0 ? r : -EINVAL;
    }
    for (size_t i = 0; i < 3; i++) {
        free(v);
        v = NULL;
        snprintf(path, sizeof path, "%s/%s", s->private_, keys[i]);
        r = xs_get(s, path, &v);
        if (r == -ENOENT) {
            r = 0;
            continue;
        }
        if (r == 0 && i == 0 && vfr_parse_locking(v, &s->cfg.lock.mode) < 0) {
            xlog_err("%s: unknown locking mode '%s'", path, v);
            r = -EINVAL;
        } else if (r == 0 && i > 0) {
            r = vfr_add_list(&s->cfg.lock, i == 1 ? AF_INET : AF_INET6, v, bad);
            if (r == -EINVAL) {
                xlog_err("%s: '%s' is not an %s address", path, bad, i == 1 ? "IPv4" : "IPv6");
            } else if (r < 0) {
                xlog_err("%s: more than %d addresses", path, VFR_MAX_ADDRS);
            }
        } else if (r < 0) {
            xlog_err("cannot read %s: %s", path, strerror(-r));
        }
        if (r < 0) {
            break;
        }
    }
    free(v);
    return r;
}

static int load_config(struct svr *s)
{
    char *err = NULL;
    int r;

    if (s->legacy) {
        snprintf(s->hotplug, sizeof s->hotplug, "/xapi/%u/hotplug/vif/%u", s->domid, s->devid);
        snprintf(s->private_, sizeof s->private_, "/xapi/%u/private/vif/%u", s->domid, s->devid);
        return s->filter ? legacy_config(s) : 0;
    }
    snprintf(s->hotplug, sizeof s->hotplug, "/xapi/%s/hotplug/%u/vif/%u", s->vm_uuid, s->domid,
             s->devid);
    snprintf(s->private_, sizeof s->private_, "/xapi/%s/private/vif/%u", s->vm_uuid, s->devid);
    r = s->mode == NETMODE_OPENVSWITCH ? pvs_config(s) : 0;
    if (r < 0 || !s->filter) {
        /* clear needs nothing from the VIF file, which xenopsd may already have removed. */
        return r;
    }
    r = xov_load(s->backend, s->vm_uuid, s->devid, &s->cfg, &err);
    if (r < 0) {
        xlog_err("%s", err ? err : "cannot read the VIF file");
        free(err);
        return r;
    }
    xlog_info("Got locking config: mode %s, mac %s, %zu IPv4 and %zu IPv6 addresses, bridge %s",
              vfr_locking_name(s->cfg.lock.mode), s->cfg.lock.mac, s->cfg.lock.n_ipv4,
              s->cfg.lock.n_ipv6, s->cfg.bridge);
    return s->mode == NETMODE_OPENVSWITCH ? vm_uuid_for_ids(s) : 0;
}

/* ---- command line --------------------------------------------------------------------- */

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "Usage:\n"
            "  %s [OPTIONS] xenopsd_backend interface uuid devid action\n"
            "  %s [OPTIONS] vif|tap domid devid action        (legacy, xenstore-driven)\n"
            "\n"
            "interface:\n"
            "    The name of the network interface connecting to the guest.\n"
            "uuid:\n"
            "    The UUID of the guest.\n"
            "devid:\n"
            "    The number of the network to which the interface is connected.\n"
            "action: [clear|filter]\n"
            "    Specifies whether to create filtering rules for the interface, or to clear all\n"
            "    rules associated with the interface.\n"
            "\n"
            "Options:\n"
            "  --root-prefix=DIR  resolve every host path under DIR\n"
            "  --no-syslog        log to stderr instead of syslog (also: XVS_NO_SYSLOG=1)\n"
            "  --dry-run          print the changes (ovs-vsctl, ovs-ofctl, ip, ebtables,\n"
            "                     xenstore lines) instead of making them\n"
            "  --help             show this text\n",
            prog, prog);
}

/* Fills s from the positional arguments.  Returns 0 or -EINVAL (logged). */
static int parse_args(struct svr *s, int argc, char **argv)
{
    const char *action;
    unsigned devid_in_name;

    if (argc == 5) {
        s->backend = argv[0];
        s->vm_uuid = argv[2];
        action = argv[4];
        if (vfr_parse_vif_name(argv[1], s->type, &s->domid, &devid_in_name) < 0) {
            xlog_err("'%s' is not a vif<domid>.<devid> or tap<domid>.<devid> name", argv[1]);
            return -EINVAL;
        }
        snprintf(s->vif, sizeof s->vif, "%s", argv[1]);
        if (vfr_parse_uint(argv[3], &s->devid) < 0 || s->devid != devid_in_name) {
            xlog_err("devid '%s' does not match interface %s", argv[3], s->vif);
            return -EINVAL;
        }
        if (!vfr_safe_token(s->backend, XOV_TOKEN_MAX) ||
            !vfr_safe_token(s->vm_uuid, XOV_TOKEN_MAX)) {
            xlog_err("invalid xenopsd backend '%s' or VM uuid '%s'", s->backend, s->vm_uuid);
            return -EINVAL;
        }
    } else {
        s->legacy = true;
        action = argv[3];
        if ((strcmp(argv[0], "vif") && strcmp(argv[0], "tap")) ||
            vfr_parse_uint(argv[1], &s->domid) < 0 || vfr_parse_uint(argv[2], &s->devid) < 0) {
            xlog_err("expected vif|tap <domid> <devid>, got '%s %s %s'", argv[0], argv[1], argv[2]);
            return -EINVAL;
        }
        snprintf(s->type, sizeof s->type, "%s", argv[0]);
        if (snprintf(s->vif, sizeof s->vif, "%s%u.%u", s->type, s->domid, s->devid) >=
            (int)sizeof s->vif) {
            xlog_err("interface name %s%u.%u is too long", s->type, s->domid, s->devid);
            return -EINVAL;
        }
    }
    if (strcmp(action, "clear") && strcmp(action, "filter")) {
        xlog_err("unknown action '%s' (clear or filter)", action);
        return -EINVAL;
    }
    s->filter = !strcmp(action, "filter");
    return 0;
}

/* Connects what this run needs.  A dry run goes on without a database or xenstore that is
 * not there (its plan is then based on the VIF file alone). */
static int open_handles(struct svr *s)
{
    int r;

    r = s->dry_run ? lnk_dry_run_new(&s->dry, &s->lnk) : lnk_open(&s->lnk);
    if (r < 0) {
        xlog_err("cannot open the netlink link backend: %s", strerror(-r));
        return r;
    }
    /* xenstore: the current form's OVS mode (ofport key, final-uuid, PVS) and the legacy
     * form's filter (its configuration); the current bridge mode does not use it. */
    if (s->mode == NETMODE_OPENVSWITCH ? s->legacy && !s->filter : !(s->legacy && s->filter)) {
        r = 0;
    } else {
        r = xsc_open(&s->xs);
    }
    if (r < 0 && s->dry_run) {
        xlog_warn("dry run without xenstore: keys are taken to be absent");
        s->xs = NULL;
        r = 0;
    }
    if (r < 0 || s->mode != NETMODE_OPENVSWITCH) {
        return r;
    }
    {
        char *sock = vrun_default_socket();

        r = sock ? 0 : -ENOMEM;
        if (r == 0 && s->dry_run && access(sock, F_OK) < 0) {
            xlog_warn("dry run: no database at %s; the plan assumes no port exists", sock);
        } else if (r == 0) {
            r = vrun_connect(NULL, SVR_TIMEOUT_MS, &s->db);
            if (r < 0 && s->dry_run) {
                s->db = NULL;
                r = 0;
            }
        }
        free(sock);
    }
    return r;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"root-prefix", required_argument, NULL, 'r'},
                                         {"no-syslog", no_argument, NULL, 'n'},
                                         {"dry-run", no_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *root = NULL, *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    bool use_syslog = true;
    struct svr s;
    int c, r;

    memset(&s, 0, sizeof s);
    sbuf_init(&s.dry);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            root = optarg;
            break;
        case 'n':
            use_syslog = false;
            break;
        case 'd':
            s.dry_run = true;
            break;
        case 'h':
            usage(stdout, prog);
            return 0;
        default:
            usage(stderr, prog);
            return 1;
        }
    }
    /* vif, which runs us with xenopsd's argv, passes its --no-syslog this way. */
    if (getenv("XVS_NO_SYSLOG") && *getenv("XVS_NO_SYSLOG")) {
        use_syslog = false;
    }
    xlog_open(argv[0], use_syslog);
    if (argc - optind != 4 && argc - optind != 5) {
        usage(stderr, prog);
        return 1;
    }
    if (paths_init(root) < 0) {
        xlog_err("invalid --root-prefix '%s'", root ? root : "");
        return 1;
    }
    r = parse_args(&s, argc - optind, argv + optind);
    if (r < 0) {
        usage(stderr, prog);
        return 1;
    }
    r = netmode_get(&s.mode);
    if (r < 0) {
        return 1;
    }
    xlog_info("Called with interface=%s, uuid=%s, devid=%u, network_mode=%s, action=%s", s.vif,
              s.legacy ? "-" : s.vm_uuid, s.devid, netmode_name(s.mode),
              s.filter ? "filter" : "clear");
    r = open_handles(&s);
    if (r == 0) {
        r = load_config(&s);
    }
    if (r == 0) {
        if (s.mode == NETMODE_BRIDGE) {
            r = svr_bridge_mode(&s);
        } else {
            r = s.legacy ? ovs_legacy(&s) : ovs_current(&s);
        }
    }
    svr_dry_flush(&s);
    if (r < 0) {
        xlog_err("%s %s failed: %s", s.filter ? "filter" : "clear", s.vif, strerror(-r));
    }
    ofc_close(s.ofc);
    ovsdbc_close(s.db);
    xsc_close(s.xs);
    lnk_close(s.lnk);
    sbuf_free(&s.dry);
    return r < 0 ? 1 : 0;
}
