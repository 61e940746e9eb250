/* interface-reconfigure's Linux bridge backend (spec §1.9). */
#include "ir_bridge.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnk.h"
#include "log.h"
#include "ir_run.h"
#include "records.h"

/* Bond options with the defaults and bond-* overrides of spec §1.8, in the
 * original's dict order. */
struct bond_opts {
    const char *mode, *miimon, *downdelay, *updelay, *use_carrier, *halgo;
};

static void bond_options(const struct xapi_pif *p, struct bond_opts *o)
{
    const char *v;

    o->mode = "balance-slb";
    o->miimon = "100";
    o->downdelay = "200";
    o->updelay = "31000";
    o->use_carrier = "1";
    o->halgo = "src_mac";
    /* Each override read by name: the original's lambda over the items
     * crashed as soon as one was set (Q9). */
    if ((v = xapi_map_get(&p->other_config, "bond-mode"))) {
        o->mode = v;
    }
    if ((v = xapi_map_get(&p->other_config, "bond-miimon"))) {
        o->miimon = v;
    }
    if ((v = xapi_map_get(&p->other_config, "bond-downdelay"))) {
        o->downdelay = v;
    }
    if ((v = xapi_map_get(&p->other_config, "bond-updelay"))) {
        o->updelay = v;
    }
    if ((v = xapi_map_get(&p->other_config, "bond-use_carrier"))) {
        o->use_carrier = v;
    }
    if ((v = xapi_map_get(&p->other_config, "bond-hashing-algorithm"))) {
        o->halgo = v;
    }
}

static void ethtool_lines(struct sbuf *b, const struct xapi_map *oc, bool phys)
{
    struct ir_ethtool et;

    ir_ethtool_settings(oc, phys, &et);
    if (et.n_settings) {
        sbuf_adds(b, "ETHTOOL_OPTS=\"");
        for (size_t i = 0; i < et.n_settings; i++) {
            sbuf_addf(b, "%s%s", i ? " " : "", et.settings[i]);
        }
        sbuf_adds(b, "\"\n");
    }
    if (et.n_offload) {
        sbuf_adds(b, "ETHTOOL_OFFLOAD_OPTS=\"");
        for (size_t i = 0; i < et.n_offload; i++) {
            sbuf_addf(b, "%s%s %s", i ? " " : "", et.offload[i].name,
                      et.offload[i].on ? "on" : "off");
        }
        sbuf_adds(b, "\"\n");
    }
}

static void mtu_line(const struct ir_model *m, const struct xapi_pif *p, struct sbuf *b)
{
    unsigned mtu;

    ir_mtu_setting(m, p->network, "PIF", &p->other_config, &mtu);
    if (mtu) {
        sbuf_addf(b, "MTU=%u\n", mtu);
    }
}

/* The file of one device: "b" holds its body; the header is added here. */
static int add_file(struct ir_files *fs, const char *dev, const char *prog, struct sbuf *body)
{
    struct sbuf b = SBUF_INIT;
    char path[128];
    int r;

    ir_files_header(&b, dev, prog);
    sbuf_adds(&b, sbuf_str(body));
    snprintf(path, sizeof(path), "/etc/sysconfig/network-scripts/ifcfg-%s", dev);
    r = sbuf_error(&b) ? -ENOMEM : ir_files_add(fs, path, sbuf_str(&b));
    sbuf_free(&b);
    return r;
}

static int physdev_body(const struct ir_model *m, const struct xapi_pif *p, struct sbuf *b)
{
    sbuf_addf(b, "TYPE=Ethernet\nHWADDR=%s\n", p->mac ? p->mac : "");
    ethtool_lines(b, &p->other_config, true);
    mtu_line(m, p, b);
    return sbuf_error(b);
}

/* The files of p and what it stands on; the body of p's own file is left in
 * "own" for the caller to finish. */
static int device_files(const struct ir_model *m, const struct xapi_pif *p, const char *prog,
                        struct ir_files *fs, struct sbuf *own, int depth)
{
    char nd[IR_NAME_MAX];
    int r;

    if (depth > 4) {
        return -ELOOP;
    }
    if (ir_pif_is_vlan(p)) {
        const struct xapi_pif *slave = ir_vlan_slave(m, p);
        struct sbuf sb = SBUF_INIT;

        if (!slave) {
            xlog_err("VLAN PIF %s has no slave", p->uuid ? p->uuid : "?");
            return -EINVAL;
        }
        r = device_files(m, slave, prog, fs, &sb, depth + 1);
        if (r == 0 && (r = ir_netdev(slave, nd)) == 0) {
            r = add_file(fs, nd, prog, &sb);
        }
        sbuf_free(&sb);
        if (r < 0) {
            return r;
        }
        sbuf_adds(own, "VLAN=yes\n");
        ethtool_lines(own, &p->other_config, false);
        mtu_line(m, p, own);
        return sbuf_error(own);
    }
    if (ir_pif_is_bond(p)) {
        struct ir_pifv slaves;
        struct bond_opts o;
        char bond[IR_NAME_MAX];

        if ((r = ir_bond_slaves(m, p, &slaves)) < 0 || (r = ir_netdev(p, bond)) < 0) {
            return r;
        }
        for (size_t i = 0; i < slaves.n; i++) {
            struct sbuf sb = SBUF_INIT;
            r = physdev_body(m, slaves.v[i], &sb);
            sbuf_addf(&sb, "MASTER=%s\nSLAVE=yes\n", bond);
            if (r == 0 && (r = ir_netdev(slaves.v[i], nd)) == 0) {
                r = add_file(fs, nd, prog, &sb);
            }
            sbuf_free(&sb);
            if (r < 0) {
                return r;
            }
        }
        if (p->mac && *p->mac) {
            sbuf_addf(own, "MACADDR=%s\n", p->mac);
        }
        ethtool_lines(own, &p->other_config, false);
        mtu_line(m, p, own);
        bond_options(p, &o);
        /* Written as the original wrote them, OVS-only modes included (Q10). */
        sbuf_addf(own,
                  "BONDING_OPTS=\"mode=%s miimon=%s downdelay=%s updelay=%s use_carrier=%s "
                  "hashing-algorithm=%s \"\n",
                  o.mode, o.miimon, o.downdelay, o.updelay, o.use_carrier, o.halgo);
        return sbuf_error(own);
    }
    return physdev_body(m, p, own);
}

int ir_bridge_files(const struct ir_model *m, const struct xapi_pif *pif, const char *prog,
                    struct ir_files *fs)
{
    struct sbuf own = SBUF_INIT;
    const char *br = ir_bridge(m, pif);
    char nd[IR_NAME_MAX];
    int r;

    if (ir_pif_is_tunnel(pif)) {
        xlog_err("Tunnel PIFs are not supported in Bridge mode");
        return -EINVAL;
    }
    if (!br) {
        /* A bridgeless PIF is configured by its own ifcfg-<netdev>. */
        return 0;
    }
    r = device_files(m, pif, prog, fs, &own, 0);
    if (r == 0) {
        sbuf_addf(&own, "BRIDGE=%s\n", br);
        r = (r = ir_netdev(pif, nd)) < 0 ? r : add_file(fs, nd, prog, &own);
    }
    sbuf_free(&own);
    return r;
}

/* The Linux bonding mode for a XenServer bond mode: the original relied on a
 * patched kernel for balance-slb; the stock driver's closest mode that needs
 * no switch support is balance-alb. */
static const char *linux_bond_mode(const char *mode)
{
    if (!strcmp(mode, "active-backup")) {
        return "active-backup";
    }
    if (!strcmp(mode, "lacp")) {
        return "802.3ad";
    }
    return "balance-alb";
}

static unsigned num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    return *s && !*end && v >= 0 && v < 1000000 ? (unsigned)v : 0;
}

/* Brings up one physical device: MTU, up, offloads. */
static int phys_up(struct ir_ctx *c, const struct xapi_pif *p, unsigned mtu)
{
    struct ir_ethtool et;
    char nd[IR_NAME_MAX];
    int r;

    if ((r = ir_netdev(p, nd)) < 0) {
        return r;
    }
    if (!mtu) {
        ir_mtu_setting(&c->model, p->network, "PIF", &p->other_config, &mtu);
    }
    if ((mtu && (r = lnk_set_mtu(c->lnk, nd, mtu)) < 0) || (r = lnk_set_up(c->lnk, nd, true)) < 0) {
        return r;
    }
    ir_ethtool_settings(&p->other_config, true, &et);
    for (size_t k = 0; k < et.n_offload; k++) {
        if (lnk_set_offload(c->lnk, nd, et.offload[k].name, et.offload[k].on) < 0) {
            xlog_warn("ethtool: %s %s not changed", nd, et.offload[k].name);
        }
    }
    return 0;
}

/* Makes the netdev of p exist and be up: a physical device, a bond with its
 * slaves, or a VLAN on its slave. */
static int netdev_up(struct ir_ctx *c, const struct xapi_pif *p, int depth)
{
    char nd[IR_NAME_MAX];
    unsigned mtu;
    int r;

    if (depth > 4 || (r = ir_netdev(p, nd)) < 0) {
        return depth > 4 ? -ELOOP : r;
    }
    if (ir_pif_is_vlan(p)) {
        const struct xapi_pif *slave = ir_vlan_slave(&c->model, p);
        char sd[IR_NAME_MAX];

        if (!slave || (r = ir_netdev(slave, sd)) < 0 || (r = netdev_up(c, slave, depth + 1)) < 0) {
            return r < 0 ? r : -EINVAL;
        }
        if (lnk_exists(c->lnk, nd) < 0 &&
            (r = lnk_add_vlan(c->lnk, nd, sd, (unsigned)p->vlan)) < 0) {
            return r;
        }
        ir_mtu_setting(&c->model, p->network, "PIF", &p->other_config, &mtu);
        if (mtu && (r = lnk_set_mtu(c->lnk, nd, mtu)) < 0) {
            return r;
        }
        return lnk_set_up(c->lnk, nd, true);
    }
    if (ir_pif_is_bond(p)) {
        struct ir_pifv slaves;
        struct bond_opts o;

        if ((r = ir_bond_slaves(&c->model, p, &slaves)) < 0) {
            return r;
        }
        bond_options(p, &o);
        if (lnk_exists(c->lnk, nd) < 0 &&
            (r = lnk_add_bond(c->lnk, nd, linux_bond_mode(o.mode), num(o.miimon), num(o.updelay),
                              num(o.downdelay))) < 0) {
            return r;
        }
        ir_mtu_setting(&c->model, p->network, "PIF", &p->other_config, &mtu);
        for (size_t i = 0; i < slaves.n; i++) {
            char sd[IR_NAME_MAX];
            /* A device is enslaved while down. */
            if ((r = ir_netdev(slaves.v[i], sd)) < 0 || (r = lnk_set_up(c->lnk, sd, false)) < 0 ||
                (r = lnk_set_master(c->lnk, sd, nd)) < 0 ||
                (r = phys_up(c, slaves.v[i], mtu)) < 0) {
                return r;
            }
        }
        /* MACADDR of ifcfg-<bond>: ifup gave the bond its PIF's MAC, which
         * need not be the MAC the bond took from its first slave. */
        if (p->mac && *p->mac) {
            uint8_t mac[6];
            if (sscanf(p->mac, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1], &mac[2],
                       &mac[3], &mac[4], &mac[5]) != 6) {
                xlog_err("PIF %s: bad MAC \"%.32s\"", p->uuid ? p->uuid : "?", p->mac);
                return -EINVAL;
            }
            if ((r = lnk_set_mac(c->lnk, nd, mac)) < 0) {
                return r;
            }
        }
        if (mtu && (r = lnk_set_mtu(c->lnk, nd, mtu)) < 0) {
            return r;
        }
        return lnk_set_up(c->lnk, nd, true);
    }
    return phys_up(c, p, 0);
}

/* Every physical device under p must exist before anything changes. */
static int check_devices(struct ir_ctx *c, const struct xapi_pif *p, int depth)
{
    struct ir_pifv phys;
    char nd[IR_NAME_MAX];
    int r;

    if (depth > 4) {
        return -ELOOP;
    }
    if (ir_pif_is_vlan(p)) {
        const struct xapi_pif *slave = ir_vlan_slave(&c->model, p);
        return slave ? check_devices(c, slave, depth + 1) : -EINVAL;
    }
    if ((r = ir_physical(&c->model, p, &phys)) < 0) {
        return r;
    }
    for (size_t i = 0; i < phys.n; i++) {
        if ((r = ir_netdev(phys.v[i], nd)) < 0) {
            return r;
        }
        if (lnk_exists(c->lnk, nd) < 0) {
            if (c->dry_run) {
                sbuf_addf(c->dry, "# netdev: up: device %s does not exist\n", nd);
                continue;
            }
            xlog_err("netdev: up: device %s does not exist", nd);
            return -ENODEV;
        }
    }
    return 0;
}

static void destroy_bridge(struct ir_ctx *c, const struct xapi_pif *p)
{
    const char *br = ir_bridge(&c->model, p);

    if (br && lnk_exists(c->lnk, br) == 0) {
        ir_ifdown(c, br);
        xlog_info("Destroy bridge %s", br);
        lnk_set_up(c->lnk, br, false);
        lnk_del(c->lnk, br);
    }
}

/* bring_down_interface(pif, destroy) of the original, netlink for brctl,
 * vconfig and bonding_masters. */
static void bring_down_interface(struct ir_ctx *c, const struct xapi_pif *pif, bool destroy)
{
    struct ir_pifv v;
    char nd[IR_NAME_MAX];

    if (ir_pif_is_vlan(pif)) {
        const struct xapi_pif *slave = ir_vlan_slave(&c->model, pif);

        if (ir_netdev(pif, nd) < 0) {
            return;
        }
        xlog_info("bring_down_interface: %s is a VLAN", nd);
        ir_ifdown(c, nd);
        if (!destroy) {
            return;
        }
        if (lnk_exists(c->lnk, nd) == 0) {
            lnk_del(c->lnk, nd);
        }
        destroy_bridge(c, pif);
        if (!slave) {
            return;
        }
        if (slave->currently_attached) {
            xlog_info("bring_down_interface: vlan slave is currently attached");
            return;
        }
        if (ir_vlan_masters(&c->model, slave, &v) == 0) {
            for (size_t i = 0; i < v.n; i++) {
                if (v.v[i] != pif && v.v[i]->currently_attached) {
                    xlog_info("bring_down_interface: vlan slave has other masters");
                    return;
                }
            }
        }
        if (ir_netdev(slave, nd) == 0) {
            xlog_info("bring_down_interface: no more masters, bring down vlan slave %s", nd);
        }
        pif = slave;
    } else if (ir_vlan_masters(&c->model, pif, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            if (v.v[i]->currently_attached) {
                xlog_info("Leaving %s up due to currently attached VLAN masters",
                          pif->device ? pif->device : "?");
                return;
            }
        }
    }
    if (ir_bond_slaves(&c->model, pif, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            if (ir_netdev(v.v[i], nd) < 0) {
                continue;
            }
            if (v.v[i]->currently_attached) {
                xlog_info("leave bond slave %s up (currently attached)", nd);
                continue;
            }
            xlog_info("bring down bond slave %s", nd);
            ir_ifdown(c, nd);
            if (lnk_exists(c->lnk, nd) == 0) {
                lnk_set_master(c->lnk, nd, NULL);
            }
            destroy_bridge(c, v.v[i]);
        }
    }
    if (ir_netdev(pif, nd) < 0) {
        return;
    }
    xlog_info("bring down interface %s", nd);
    ir_ifdown(c, nd);
    if (destroy) {
        if (ir_pif_is_bond(pif) && lnk_exists(c->lnk, nd) == 0) {
            lnk_del(c->lnk, nd);
        }
        destroy_bridge(c, pif);
    }
}

int ir_bridge_up(struct ir_ctx *c, const struct xapi_pif *pif)
{
    const struct xapi_pif *mgmt =
            c->args && c->args->management ? pif : ir_management_pif(&c->model);
    const char *br = ir_bridge(&c->model, pif);
    struct ir_files fs;
    char ipdev[IR_NAME_MAX], nd[IR_NAME_MAX];
    struct ir_pifv v;
    int r;

    ir_files_init(&fs, c->dry_run, c->dry);
    if (ir_pif_is_tunnel(pif)) {
        xlog_err("Tunnel PIFs are not supported in Bridge mode");
        r = -EINVAL;
        goto out;
    }
    xlog_info("Configured for Bridge datapath");
    if ((r = ir_ipdev(&c->model, pif, ipdev)) < 0 || (r = ir_netdev(pif, nd)) < 0) {
        goto out;
    }
    xlog_info("action_up: %s", ipdev);
    if ((r = ir_bridge_files(&c->model, pif, c->prog, &fs)) < 0 ||
        (r = ir_files_plan_up(&c->model, pif, mgmt, true, c->prog, &fs)) < 0 ||
        (r = check_devices(c, pif, 0)) < 0) {
        goto out;
    }
    if (!(c->args && c->args->force)) {
        ir_ifdown(c, ipdev);
        /* bring_down_existing: VLANs on this PIF, its bond masters, itself. */
        if (ir_vlan_masters(&c->model, pif, &v) == 0) {
            for (size_t i = 0; i < v.n; i++) {
                char vd[IR_NAME_MAX];
                if (ir_netdev(v.v[i], vd) == 0) {
                    ir_ifdown(c, vd);
                }
            }
        }
        if (ir_bond_masters(&c->model, pif, &v) == 0) {
            for (size_t i = 0; i < v.n; i++) {
                bring_down_interface(c, v.v[i], true);
            }
        }
        bring_down_interface(c, pif, false);
    }
    if ((r = ir_files_apply(&fs)) < 0) {
        goto out;
    }
    if ((r = netdev_up(c, pif, 0)) < 0) {
        goto fail;
    }
    if (br) {
        if (lnk_exists(c->lnk, br) < 0 && (r = lnk_add_bridge(c->lnk, br)) < 0) {
            goto fail;
        }
        if ((r = lnk_set_bridge_fd(c->lnk, br, 0)) < 0 ||
            (r = lnk_set_master(c->lnk, nd, br)) < 0 || (r = lnk_set_up(c->lnk, br, true)) < 0) {
            goto fail;
        }
    }
    if (!c->dry_run && !ir_ifcfg_exists(ipdev)) {
        xlog_err("ifup: device %s does not have an ifcfg file", ipdev);
        r = -ENOENT;
        goto fail;
    }
    if ((r = ir_ifup(c, pif, ipdev)) < 0) {
        goto fail;
    }
    /* post: the VLANs on this PIF that XAPI has attached come back up. */
    if (ir_vlan_masters(&c->model, pif, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            char vd[IR_NAME_MAX];
            if (v.v[i]->currently_attached && ir_netdev(v.v[i], vd) == 0) {
                ir_ifup(c, NULL, vd);
            }
        }
    }
    ir_update_issue(c);
    ir_files_commit(&fs);
    goto out;
fail:
    xlog_err("failed to apply changes: %s", strerror(-r));
    ir_files_revert(&fs);
out:
    ir_files_clear(&fs);
    return r;
}

int ir_bridge_down(struct ir_ctx *c, const struct xapi_pif *pif)
{
    char ipdev[IR_NAME_MAX];
    int r;

    if (ir_pif_is_tunnel(pif)) {
        xlog_err("Tunnel PIFs are not supported in Bridge mode");
        return -EINVAL;
    }
    xlog_info("Configured for Bridge datapath");
    if ((r = ir_ipdev(&c->model, pif, ipdev)) < 0) {
        return r;
    }
    xlog_info("action_down: %s", ipdev);
    ir_ifdown(c, ipdev);
    bring_down_interface(c, pif, true);
    return 0;
}
