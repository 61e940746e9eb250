/* interface-reconfigure's actions (spec §1.6-1.8), executed or printed. */
#include "ir_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbcache.h"
#include "exec.h"
#include "fsutil.h"
#include "ir_bridge.h"
#include "ir_files.h"
#include "ir_ipcfg.h"
#include "ir_vswitch.h"
#include "lnk.h"
#include "log.h"
#include "ofconn.h"
#include "ofp_text.h"
#include "paths.h"
#include "vsctl_run.h"

void ir_ctx_init(struct ir_ctx *c, const struct ir_args *args, struct lnk *lnk, struct sbuf *dry)
{
    memset(c, 0, sizeof(*c));
    c->args = args;
    c->prog = "interface-reconfigure";
    ir_model_init(&c->model);
    c->lnk = lnk;
    c->timeout_ms = 20000;
    c->dry_run = args && args->dry_run;
    c->dry = dry;
}

void ir_ctx_clear(struct ir_ctx *c)
{
    if (!c) {
        return;
    }
    ovsdbc_close(c->conn);
    c->conn = NULL;
    ir_model_clear(&c->model);
}

/* Runs an external command the way the original did (root-prefixed argv[0],
 * "Running command" logs); its status is only logged, as there. */
void ir_run_cmd(struct ir_ctx *c, const char *const *argv)
{
    if (c->dry_run) {
        struct sbuf line = SBUF_INIT;
        exec_join_argv(&line, argv);
        sbuf_addf(c->dry, "%s\n", sbuf_str(&line));
        sbuf_free(&line);
        return;
    }
    exec_argv(argv, EXEC_ROOT_PREFIX);
}

static int connect_db(struct ir_ctx *c)
{
    if (c->dry_run || c->conn) {
        return 0;
    }
    return vrun_connect(c->db_remote, c->timeout_ms, &c->conn);
}

/* One ovs-vsctl line as one transaction; the first command's output (trimmed)
 * goes to *out when out is not NULL.  With "quiet", a command error (such as
 * get-fail-mode on a bridge that does not exist yet) is not logged and
 * yields an empty output, as the original's queries saw it. */
static int vsctl_run(struct ir_ctx *c, int argc, char **argv, bool wait, char **out, bool quiet)
{
    struct vrun_opts o = {
            .dry_run = c->dry_run,
            .dry_out = c->dry,
            .wait = wait && !(c->args && c->args->no_wait),
            .timeout_ms = c->timeout_ms,
            .who = "interface-reconfigure",
    };
    char **outputs = NULL;
    char *err = NULL;
    size_t n_out = 0;
    int r;

    if (out) {
        *out = NULL;
    }
    if ((r = connect_db(c)) < 0) {
        return r;
    }
    r = vrun_exec(c->conn, argc, argv, &o, out ? &outputs : NULL, out ? &n_out : NULL,
                  quiet ? &err : NULL);
    free(err);
    if (quiet && r == -EINVAL) {
        r = 0;
    }
    if (r == 0 && out && n_out > 0 && outputs[0]) {
        char *s = outputs[0];
        size_t len = strlen(s);
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' ')) {
            s[--len] = '\0';
        }
        *out = strdup(s);
        if (!*out) {
            r = -ENOMEM;
        }
    }
    vrun_free_outputs(outputs, n_out);
    return r;
}

int ir_ifup(struct ir_ctx *c, const struct xapi_pif *pif, const char *dev)
{
    const struct xapi_pif *mgmt;
    char *fb;

    if (!ir_ipcfg_have("/sbin/ifup")) {
        mgmt = c->args && c->args->management ? pif : ir_management_pif(&c->model);
        return ir_ipcfg_up(c, pif, mgmt, dev);
    }
    /* During first boot DHCP gets four minutes, as the original arranged. */
    fb = paths_get("/etc/firstboot.d/data/firstboot_in_progress");
    if (fb && access(fb, F_OK) == 0 && !c->dry_run) {
        const char *old = getenv("DHCLIENTARGS");
        char *v = NULL;
        if (asprintf(&v, "%s -T 240 ", old ? old : "") > 0) {
            setenv("DHCLIENTARGS", v, 1);
            free(v);
        }
    }
    free(fb);
    ir_run_cmd(c, (const char *const[]){"/sbin/ifup", dev, NULL});
    return 0;
}

void ir_update_issue(struct ir_ctx *c)
{
    /* Spawning a missing program costs a fork (milliseconds for a process
     * of this size) for nothing, so it is looked for first. */
    if (!ir_ipcfg_have("/sbin/update-issue")) {
        if (c->dry_run) {
            sbuf_adds(c->dry, "# no /sbin/update-issue\n");
        }
        xlog_debug("/sbin/update-issue is not installed");
        return;
    }
    ir_run_cmd(c, (const char *const[]){"/sbin/update-issue", NULL});
}

int ir_datapath_type(char out[16])
{
    char *path = paths_get("/etc/sysconfig/openvswitch");
    char *data = NULL;
    size_t len = 0;
    int r = 0;

    out[0] = '\0';
    if (!path) {
        return -ENOMEM;
    }
    if (fsu_read_file(path, 1 << 20, &data, &len) < 0) {
        /* No file: the switch's default datapath. */
        goto out;
    }
    /* KEY=value lines as the init script reads them; the last one counts. */
    for (char *l = data; l && *l;) {
        char *e = strchr(l, '\n'), *v;
        size_t n;

        if (e) {
            *e = '\0';
        }
        l += strspn(l, " \t");
        if (!strncmp(l, "XVS_DATAPATH_TYPE=", 18)) {
            v = l + 18;
            n = strlen(v);
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r')) {
                v[--n] = '\0';
            }
            if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
                v[n - 1] = '\0';
                v++;
            }
            if (strcmp(v, "netdev") && strcmp(v, "system") && *v) {
                xlog_err("%s: XVS_DATAPATH_TYPE must be netdev or system, not \"%.32s\"", path, v);
                r = -EINVAL;
                goto out;
            }
            /* "system" is the switch's default: nothing to set. */
            snprintf(out, 16, "%s", strcmp(v, "netdev") ? "" : v);
        }
        l = e ? e + 1 : NULL;
    }
out:
    free(data);
    free(path);
    return r;
}

bool ir_pvs_skip(const struct xapi_pif *pif)
{
    char *path = paths_get("/proc/ardence");
    char *data = NULL;
    size_t len = 0;
    bool skip = false;

    /* The original's test crashed under Python 3 (Q11); this is what it meant. */
    if (path && pif->mac && *pif->mac && fsu_read_file(path, 1 << 20, &data, &len) == 0) {
        for (char *l = data; l && *l;) {
            char *e = strchr(l, '\n');
            if (e) {
                *e = '\0';
            }
            if (strstr(l, "HWaddr:") && strcasestr(l, pif->mac)) {
                char nd[IR_NAME_MAX];
                xlog_info("Skipping PVS device %s (%s)", ir_netdev(pif, nd) == 0 ? nd : "?",
                          pif->mac);
                skip = true;
                break;
            }
            l = e ? e + 1 : NULL;
        }
    }
    free(data);
    free(path);
    return skip;
}

static int vsctl(struct ir_ctx *c, int argc, char **argv, bool wait, char **out)
{
    return vsctl_run(c, argc, argv, wait, out, false);
}

static void link_down(struct ir_ctx *c, const char *dev)
{
    if (lnk_exists(c->lnk, dev) < 0) {
        xlog_info("netdev: down: device %s does not exist, ignoring", dev);
        return;
    }
    if (!c->dry_run) {
        xlog_info("ip link set %s down", dev);
    }
    lnk_set_up(c->lnk, dev, false);
}

bool ir_ifcfg_exists(const char *dev)
{
    char *path = NULL;
    bool ok;

    if (asprintf(&path, "%s/etc/sysconfig/network-scripts/ifcfg-%s", paths_root(), dev) < 0) {
        return false;
    }
    ok = access(path, F_OK) == 0;
    free(path);
    return ok;
}

void ir_ifdown(struct ir_ctx *c, const char *dev)
{
    if (lnk_exists(c->lnk, dev) < 0) {
        xlog_info("ifdown: device %s does not exist, ignoring", dev);
        return;
    }
    if (!ir_ifcfg_exists(dev)) {
        xlog_info("ifdown: device %s exists but ifcfg-%s does not", dev, dev);
        lnk_set_up(c->lnk, dev, false);
        return;
    }
    if (!ir_ipcfg_have("/sbin/ifdown")) {
        ir_ipcfg_down(c, dev);
        return;
    }
    ir_run_cmd(c, (const char *const[]){"/sbin/ifdown", dev, NULL});
}

/* bring_down_existing: ifdown the bridges of the PIF's bond masters and slaves. */
static void bring_down_existing(struct ir_ctx *c, const struct xapi_pif *pif)
{
    struct ir_pifv v;

    if (ir_bond_masters(&c->model, pif, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            const char *br = ir_bridge(&c->model, v.v[i]);
            if (br) {
                xlog_info("action_up: bring down bond master %s", br);
                ir_ifdown(c, br);
            }
        }
    }
    if (ir_bond_slaves(&c->model, pif, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            const char *br = ir_bridge(&c->model, v.v[i]);
            if (br) {
                xlog_info("action_up: bring down bond slave %s", br);
                ir_ifdown(c, br);
            }
        }
    }
}

/* Replaces each "%P" of tmpl by port. */
static void subst_port(const char *tmpl, const char *port, char *out, size_t size)
{
    size_t o = 0;

    for (const char *s = tmpl; *s && o + 1 < size; s++) {
        if (s[0] == '%' && s[1] == 'P') {
            o += (size_t)snprintf(out + o, size - o, "%s", port);
            s++;
        } else {
            out[o++] = *s;
        }
    }
    out[o < size ? o : size - 1] = '\0';
}

/* The management flows, after the transaction: ofports read back, then one
 * OpenFlow batch to the bridge.  In dry-run the port names stand for the
 * ofports, which ovs-ofctl accepts too. */
static int add_flows(struct ir_ctx *c, const struct ir_vplan *p)
{
    struct ofc_mod mods[IR_MAX_FLOWS * 4];
    char ports[IR_PIFV_MAX][IR_NAME_MAX];
    size_t n_mods = 0;
    struct ofc *ofc = NULL;
    int r = 0;

    for (size_t i = 0; i < p->n_flow_ports; i++) {
        char *argv[] = {"get", "interface", (char *)p->flow_ports[i], "ofport", NULL};
        char *out = NULL;

        if (c->dry_run) {
            snprintf(ports[i], sizeof(ports[i]), "%s", p->flow_ports[i]);
            continue;
        }
        r = vsctl(c, 4, argv, false, &out);
        if (r < 0 || !out || atoi(out) <= 0) {
            xlog_err("Cannot read the OpenFlow port of %s", p->flow_ports[i]);
            free(out);
            return r < 0 ? r : -ENODEV;
        }
        snprintf(ports[i], sizeof(ports[i]), "%d", atoi(out));
        free(out);
    }
    for (size_t f = 0; f < p->n_flows; f++) {
        bool per_port = strstr(p->flows[f], "%P") != NULL;
        size_t n = per_port ? p->n_flow_ports : 1;

        for (size_t i = 0; i < n; i++) {
            char text[256], *arp, *err = NULL;

            subst_port(p->flows[f], per_port ? ports[i] : "", text, sizeof(text));
            if (c->dry_run) {
                sbuf_addf(c->dry, "ovs-ofctl add-flow %s %s\n", p->flow_bridge, text);
                continue;
            }
            xlog_info("ovs-ofctl add-flow %s %s", p->flow_bridge, text);
            /* For ARP, ovs-ofctl's nw_proto is the ARP opcode. */
            if ((arp = strstr(text, ",arp,nw_proto="))) {
                memcpy(arp + 5, "arp_op  ", 8);
                memmove(arp + 11, arp + 13, strlen(arp + 13) + 1);
            }
            mods[n_mods].command = OFPFC_ADD;
            if (ofpt_parse_flow(text, OFPT_ADD, NULL, NULL, &mods[n_mods].flow, &err) < 0) {
                xlog_err("Bad management flow %s: %s", text, err ? err : "");
                free(err);
                return -EINVAL;
            }
            n_mods++;
        }
    }
    if (c->dry_run || n_mods == 0) {
        return 0;
    }
    r = ofc_open(p->flow_bridge, c->timeout_ms, &ofc);
    if (r == 0) {
        r = ofc_flow_mods(ofc, mods, n_mods);
    }
    if (r < 0) {
        xlog_err("Failed to add the management flows to %s", p->flow_bridge);
    }
    ofc_close(ofc);
    return r;
}

static int configure_links(struct ir_ctx *c, const struct ir_vplan *p)
{
    int r;

    for (size_t i = 0; i < p->n_phys; i++) {
        const struct ir_phys *ph = &p->phys[i];

        if (!c->dry_run) {
            if (ph->mtu) {
                xlog_info("ip link set %s up mtu %u", ph->dev, ph->mtu);
            } else {
                xlog_info("ip link set %s up", ph->dev);
            }
        }
        if (ph->mtu && (r = lnk_set_mtu(c->lnk, ph->dev, ph->mtu)) < 0) {
            return r;
        }
        if ((r = lnk_set_up(c->lnk, ph->dev, true)) < 0) {
            xlog_err("netdev: up: device %s does not exist", ph->dev);
            return r;
        }
        if (ph->ethtool.n_settings) {
            const char *argv[10] = {"/sbin/ethtool", "-s", ph->dev};
            size_t n = 3;
            for (size_t k = 0; k < ph->ethtool.n_settings; k++) {
                argv[n++] = ph->ethtool.settings[k];
            }
            argv[n] = NULL;
            ir_run_cmd(c, argv);
        }
        for (size_t k = 0; k < ph->ethtool.n_offload; k++) {
            r = lnk_set_offload(c->lnk, ph->dev, ph->ethtool.offload[k].name,
                                ph->ethtool.offload[k].on);
            if (r < 0) {
                /* The original ran ethtool and ignored its status: a driver
                 * that cannot change an offload is not a reason to fail. */
                xlog_warn("ethtool: %s %s: %s", ph->dev, ph->ethtool.offload[k].name, strerror(-r));
            }
        }
    }
    return 0;
}

int ir_action_up(struct ir_ctx *c, const struct xapi_pif *pif)
{
    const struct xapi_pif *mgmt =
            c->args && c->args->management ? pif : ir_management_pif(&c->model);
    struct ir_vplan p;
    struct ir_files fs;
    char ipdev[IR_NAME_MAX];
    bool forced = c->args && c->args->force;
    int r;

    if (c->bridge_mode) {
        return ir_bridge_up(c, pif);
    }
    ir_vplan_init(&p);
    ir_files_init(&fs, c->dry_run, c->dry);
    if ((r = ir_vswitch_check(&c->model, pif)) < 0 || (r = ir_ipdev(&c->model, pif, ipdev)) < 0 ||
        (r = ir_datapath_type(p.datapath_type)) < 0) {
        goto out;
    }
    xlog_info("action_up: %s", ipdev);
    if ((r = ir_files_plan_up(&c->model, pif, mgmt, false, c->prog, &fs)) < 0 ||
        (r = ir_vswitch_plan_up(&c->model, pif, c->args && c->args->management, &p)) < 0) {
        goto out;
    }
    /* Every physical device must be there before anything changes. */
    for (size_t i = 0; i < p.n_phys; i++) {
        if (lnk_exists(c->lnk, p.phys[i].dev) < 0) {
            if (c->dry_run) {
                sbuf_addf(c->dry, "# netdev: up: device %s does not exist\n", p.phys[i].dev);
                continue;
            }
            xlog_err("netdev: up: device %s does not exist", p.phys[i].dev);
            r = -ENODEV;
            goto out;
        }
    }
    if (p.want_flows && !c->dry_run) {
        char *argv[] = {"get-fail-mode", p.flow_bridge, NULL};
        char *mode = NULL;
        if ((r = vsctl_run(c, 2, argv, false, &mode, true)) < 0) {
            goto out;
        }
        p.want_flows = !mode || strcmp(mode, "secure");
        free(mode);
    }
    for (size_t i = 0; i < p.n_down; i++) {
        link_down(c, p.down[i]);
    }
    if (!forced) {
        ir_ifdown(c, ipdev);
        bring_down_existing(c, pif);
    }
    if ((r = ir_files_apply(&fs)) < 0) {
        goto out;
    }
    if ((r = configure_links(c, &p)) < 0) {
        goto fail;
    }
    if ((r = vsctl(c, p.argc, p.argv, true, NULL)) < 0) {
        xlog_err("Failed to modify vswitch configuration");
        goto fail;
    }
    if (p.want_flows && (r = add_flows(c, &p)) < 0) {
        goto fail;
    }
    if (!c->dry_run && !ir_ifcfg_exists(ipdev)) {
        xlog_err("ifup: device %s does not have an ifcfg file", ipdev);
        r = -ENOENT;
        goto fail;
    }
    if ((r = ir_ifup(c, pif, ipdev)) < 0) {
        goto fail;
    }
    if (p.bond_up[0]) {
        xlog_info("action_up: bring up %s", p.bond_up);
        /* The bond's "fake interface" is a compatibility device some datapaths (the
         * userspace one) never create; the bond itself works without it.  The original
         * reverted the whole action here (spec §10 Q24); we only say so. */
        if (lnk_exists(c->lnk, p.bond_up) < 0 && !c->dry_run) {
            xlog_warn("netdev: up: device %s does not exist, the bond works without it", p.bond_up);
        } else if ((r = lnk_set_up(c->lnk, p.bond_up, true)) < 0 && !c->dry_run) {
            goto fail;
        }
        r = 0;
    }
    ir_update_issue(c);
    ir_files_commit(&fs);
    goto out;
fail:
    xlog_err("failed to apply changes: %s", strerror(-r));
    ir_files_revert(&fs);
out:
    ir_files_clear(&fs);
    ir_vplan_clear(&p);
    return r;
}

/* Q13: a dbcache says every PIF is detached, so the original's --force down
 * tore down datapaths still carrying other VLANs.  In force mode we ask the
 * switch instead: a VLAN PIF of dp whose fake bridge still hangs off dp's
 * bridge counts as attached. */
static int attached_from_switch(struct ir_ctx *c, const struct xapi_pif *pif)
{
    const struct xapi_pif *dp = ir_datapath(&c->model, pif);
    const char *dpname = dp ? ir_bridge(&c->model, dp) : NULL;
    char *list_argv[] = {"list-br", NULL};
    char *brs = NULL;
    struct ir_pifv v;
    int r;

    if (!dpname || ir_vlan_masters(&c->model, dp, &v) < 0 || v.n == 0) {
        return 0;
    }
    if ((r = vsctl(c, 1, list_argv, false, &brs)) < 0) {
        return r;
    }
    for (size_t i = 0; i < v.n && r == 0; i++) {
        const char *br = ir_bridge(&c->model, v.v[i]);
        char *argv[] = {"br-to-parent", (char *)br, NULL};
        char *parent = NULL;
        size_t len = br ? strlen(br) : 0;
        bool listed = false;

        if (!br || v.v[i] == pif) {
            continue;
        }
        for (const char *l = brs; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
            if (!strncmp(l, br, len) && (l[len] == '\n' || l[len] == '\0')) {
                listed = true;
                break;
            }
        }
        if (!listed) {
            continue;
        }
        r = vsctl(c, 2, argv, false, &parent);
        if (r == 0 && parent && !strcmp(parent, dpname)) {
            ((struct xapi_pif *)v.v[i])->currently_attached = true;
        }
        free(parent);
    }
    free(brs);
    return r;
}

int ir_action_down(struct ir_ctx *c, const struct xapi_pif *pif)
{
    struct ir_vplan p;
    char ipdev[IR_NAME_MAX];
    int r;

    if (c->bridge_mode) {
        return ir_bridge_down(c, pif);
    }
    ir_vplan_init(&p);
    if ((r = ir_vswitch_check(&c->model, pif)) < 0 || (r = ir_ipdev(&c->model, pif, ipdev)) < 0) {
        goto out;
    }
    xlog_info("action_down: %s", ipdev);
    ir_ifdown(c, ipdev);
    if (c->args && c->args->force && !c->dry_run && (r = attached_from_switch(c, pif)) < 0) {
        goto out;
    }
    if ((r = ir_vswitch_plan_down(&c->model, pif, &p)) < 0) {
        goto out;
    }
    for (size_t i = 0; i < p.n_down; i++) {
        link_down(c, p.down[i]);
    }
    if ((r = vsctl(c, p.argc, p.argv, true, NULL)) < 0) {
        xlog_err("Failed to modify vswitch configuration");
    }
out:
    ir_vplan_clear(&p);
    return r;
}

int ir_action_rewrite(struct ir_ctx *c)
{
    /* The socket the transaction below would connect to. */
    char *sock = vrun_default_socket();
    struct ir_vplan p;
    int r = 0;

    ir_vplan_init(&p);
    if (!sock) {
        return -ENOMEM;
    }
    if (c->bridge_mode) {
        /* The Linux bridge backend keeps nothing to rewrite. */
        goto out;
    }
    if (!c->db_remote && access(sock, F_OK) < 0 && !c->dry_run) {
        goto out;
    }
    if ((r = ir_vswitch_plan_rewrite(&c->model, &p)) < 0) {
        goto out;
    }
    if (p.argc > 0 && (r = vsctl(c, p.argc, p.argv, true, NULL)) < 0) {
        xlog_err("Failed to modify vswitch configuration");
    }
out:
    free(sock);
    ir_vplan_clear(&p);
    return r;
}

int ir_save_cache(struct ir_ctx *c)
{
    char *path;
    int r;

    if (c->dry_run) {
        sbuf_addf(c->dry, "write %s\n", PATHS_DBCACHE);
        return 0;
    }
    if (!(path = paths_get(PATHS_DBCACHE))) {
        return -ENOMEM;
    }
    r = dbcache_write(path, &c->model.db);
    if (r < 0) {
        xlog_err("Failed to save the network configuration to %s: %s", path, strerror(-r));
    }
    free(path);
    return r;
}

static int new_uuid(char out[37])
{
    char *data = NULL;
    size_t len = 0;
    int r = fsu_read_file("/proc/sys/kernel/random/uuid", 64, &data, &len);

    if (r < 0) {
        return r;
    }
    if (len < 36) {
        free(data);
        return -EIO;
    }
    memcpy(out, data, 36);
    out[36] = '\0';
    free(data);
    return 0;
}

static char *dupf(const char *fmt, const char *a, const char *b)
{
    char *s = NULL;
    return asprintf(&s, fmt, a, b) < 0 ? NULL : s;
}

int ir_action_force_rewrite(struct ir_ctx *c)
{
    const struct ir_args *a = c->args;
    struct dbcache db;
    struct xapi_pif *pif;
    struct xapi_network *nw;
    struct ir_files fs;
    char u1[37], u2[37];
    char *text = NULL;
    size_t len = 0;
    bool is_static = !strcmp(a->mode, "static");
    int r;

    dbcache_init(&db);
    ir_files_init(&fs, c->dry_run, c->dry);
    if ((r = new_uuid(u1)) < 0 || (r = new_uuid(u2)) < 0) {
        xlog_err("Cannot make a uuid: %s", strerror(-r));
        goto out;
    }
    db.pifs.items = pif = calloc(1, sizeof(*pif));
    db.networks.items = nw = calloc(1, sizeof(*nw));
    if (!pif || !nw) {
        r = -ENOMEM;
        goto out;
    }
    db.pifs.n = db.networks.n = 1;
    pif->ref = dupf("OpaqueRef:%s%s", u1, "");
    pif->uuid = dupf("%s%s", a->device, "Pif");
    pif->management = true;
    pif->network = dupf("OpaqueRef:%s%s", u2, "");
    pif->device = strdup(a->device);
    pif->bond_slave_of = strdup(XAPI_NULL_REF);
    pif->vlan = -1;
    pif->vlan_master_of = strdup(XAPI_NULL_REF);
    pif->ip_configuration_mode = strdup(is_static ? "Static" : "DHCP");
    pif->ip = strdup(is_static ? a->ip : "");
    pif->netmask = strdup(is_static ? a->netmask : "");
    pif->gateway = strdup(is_static && a->gateway ? a->gateway : "");
    pif->dns = strdup("");
    pif->mac = strdup(a->mac);
    nw->ref = strdup(pif->network ? pif->network : "");
    nw->uuid = strdup("InitialManagementNetwork");
    nw->bridge = strdup(a->force);
    if (!pif->ref || !pif->uuid || !pif->network || !pif->device || !pif->bond_slave_of ||
        !pif->vlan_master_of || !pif->ip_configuration_mode || !pif->ip || !pif->netmask ||
        !pif->gateway || !pif->dns || !pif->mac || !nw->ref || !nw->uuid || !nw->bridge ||
        xapi_strv_append(&nw->pifs, pif->ref) < 0) {
        r = -ENOMEM;
        goto out;
    }
    if ((r = dbcache_format(&db, &text, &len)) < 0 ||
        (r = ir_files_add_durable(&fs, PATHS_DBCACHE, text)) < 0 || (r = ir_files_apply(&fs)) < 0) {
        goto out;
    }
    ir_files_commit(&fs);
out:
    free(text);
    ir_files_clear(&fs);
    dbcache_clear(&db);
    return r;
}
