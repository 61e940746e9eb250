/* interface-reconfigure's vswitch backend: planning `up`, `down` and
 * `rewrite` as the original's ovs-vsctl command list, link changes and
 * management flows (spec §1.8). */
#include "ir_vswitch.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records.h"

void ir_vplan_init(struct ir_vplan *p)
{
    memset(p, 0, sizeof(*p));
}

/* ir_vplan_clear() keeps the datapath type the caller chose. */
static void vplan_reset(struct ir_vplan *p)
{
    char dpt[sizeof(p->datapath_type)];

    memcpy(dpt, p->datapath_type, sizeof(dpt));
    ir_vplan_init(p);
    memcpy(p->datapath_type, dpt, sizeof(dpt));
}

void ir_vplan_clear(struct ir_vplan *p)
{
    if (!p) {
        return;
    }
    for (int i = 0; i < p->argc; i++) {
        free(p->argv[i]);
    }
    free(p->argv);
    vplan_reset(p);
}

static int push(struct ir_vplan *p, const char *s)
{
    if ((size_t)p->argc + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        char **v = realloc(p->argv, cap * sizeof(*v));
        if (!v) {
            return -ENOMEM;
        }
        p->argv = v;
        p->cap = cap;
    }
    if (!(p->argv[p->argc] = strdup(s))) {
        return -ENOMEM;
    }
    p->argc++;
    p->argv[p->argc] = NULL;
    return 0;
}

/* Queues one command: its words, NULL-terminated. */
static int cmd(struct ir_vplan *p, ...)
{
    va_list ap;
    const char *w;
    int r = 0;

    if (p->n_cmds > 0 && (r = push(p, "--")) < 0) {
        return r;
    }
    va_start(ap, p);
    while ((w = va_arg(ap, const char *)) != NULL) {
        if ((r = push(p, w)) < 0) {
            break;
        }
    }
    va_end(ap);
    p->n_cmds++;
    return r;
}

/* cmd() with its NULL terminator typed, as variadic functions need. */
#define CMD(p, ...) cmd(p, __VA_ARGS__, (const char *)NULL)

/* The words of the last queued command get one more word. */
static int cmd_add(struct ir_vplan *p, const char *w)
{
    return push(p, w);
}

int ir_vsctl_escape(struct sbuf *out, const char *s)
{
    bool alnum = *s != '\0';

    for (const char *c = s; *c; c++) {
        if (!isalnum((unsigned char)*c)) {
            alnum = false;
            break;
        }
    }
    if (alnum) {
        return sbuf_adds(out, s);
    }
    sbuf_addc(out, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"':
            sbuf_adds(out, "\\\"");
            break;
        case '\\':
            sbuf_adds(out, "\\\\");
            break;
        case '\n':
            sbuf_adds(out, "\\n");
            break;
        case '\r':
            sbuf_adds(out, "\\r");
            break;
        case '\t':
            sbuf_adds(out, "\\t");
            break;
        case '\b':
            sbuf_adds(out, "\\b");
            break;
        case '\a':
            sbuf_adds(out, "\\a");
            break;
        default:
            if (*c < 0x20) {
                sbuf_addf(out, "\\x%02x", *c);
            } else {
                sbuf_addc(out, (char)*c);
            }
        }
    }
    sbuf_addc(out, '"');
    return sbuf_error(out);
}

/* "<prefix><escaped value>" as one word. */
static int escaped_word(const char *prefix, const char *value, char **out)
{
    struct sbuf b = SBUF_INIT;

    sbuf_adds(&b, prefix);
    ir_vsctl_escape(&b, value ? value : "");
    if (sbuf_error(&b)) {
        sbuf_free(&b);
        return -ENOMEM;
    }
    *out = sbuf_steal(&b, NULL);
    return *out ? 0 : -ENOMEM;
}

static int need_bridge(const struct ir_model *m, const struct xapi_pif *p, const char **br)
{
    *br = ir_bridge(m, p);
    if (!*br) {
        xlog_err("PIF %s does not have a bridge name", p->uuid ? p->uuid : "?");
        return -EINVAL;
    }
    return 0;
}

static bool in_use(const struct ir_model *m, const struct xapi_pif *p, int depth)
{
    struct ir_pifv v;

    if (p->currently_attached) {
        return true;
    }
    if (depth > 8) {
        return false;
    }
    if (ir_bond_masters(m, p, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            if (in_use(m, v.v[i], depth + 1)) {
                return true;
            }
        }
    }
    if (ir_vlan_masters(m, p, &v) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            if (in_use(m, v.v[i], depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

static void log_names(const char *what, const struct ir_pifv *v)
{
    struct sbuf b = SBUF_INIT;
    char nd[IR_NAME_MAX];

    sbuf_addc(&b, '[');
    for (size_t i = 0; i < v->n; i++) {
        if (ir_netdev(v->v[i], nd) == 0) {
            sbuf_addf(&b, "%s'%s'", i ? ", " : "", nd);
        }
    }
    sbuf_addc(&b, ']');
    xlog_info("configure_datapath: %s - %s", what, sbuf_str(&b));
    sbuf_free(&b);
}

/* br-set-external-id <bridge(pif)> xs-network-uuids <u;u;...>: the networks
 * of every local PIF on the same device, attached or not (Q14, kept), the
 * non-VLAN ones first. */
static int set_br_external_ids(const struct ir_model *m, const struct xapi_pif *pif,
                               struct ir_vplan *p)
{
    const char *uuids[IR_PIFV_MAX * 2];
    size_t n = 0;
    struct sbuf b = SBUF_INIT;
    const char *br;
    int r = need_bridge(m, pif, &br);

    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < m->db.pifs.n && n < IR_PIFV_MAX * 2; i++) {
        const struct xapi_pif *q = XAPI_LIST_ITEM(&m->db.pifs, struct xapi_pif, i);
        const struct xapi_network *nw;

        if (!q->device || !pif->device || strcmp(q->device, pif->device)) {
            continue;
        }
        nw = ir_pif_network(m, q);
        if (!nw || !nw->uuid) {
            continue;
        }
        if (ir_pif_is_vlan(q)) {
            uuids[n++] = nw->uuid;
        } else {
            memmove(&uuids[1], &uuids[0], n * sizeof(uuids[0]));
            uuids[0] = nw->uuid;
            n++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        sbuf_addf(&b, "%s%s", i ? ";" : "", uuids[i]);
    }
    r = sbuf_error(&b) ? -ENOMEM
                       : CMD(p, "br-set-external-id", br, "xs-network-uuids", sbuf_str(&b));
    sbuf_free(&b);
    return r;
}

static int parse_nonneg(const char *v, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(v, &end, 10);
    return !errno && end != v && !*end && *out >= 0 ? 0 : -EINVAL;
}

/* add-bond and the Port options of spec §1.8 step 7. */
static int configure_bond(const struct xapi_pif *dp, const char *bridge, const char *bond,
                          const struct ir_pifv *phys, struct ir_vplan *p)
{
    /* Defaults, then other_config bond-* overrides; names sorted. */
    const char *names[16] = {"downdelay", "hashing-algorithm", "miimon",
                             "mode",      "updelay",           "use_carrier"};
    const char *values[16] = {"200", "src_mac", "100", "balance-slb", "31000", "1"};
    size_t n = 6;
    const char *mode = NULL, *halgo = NULL;
    char nd[IR_NAME_MAX];
    char *w = NULL;
    int r;

    for (size_t i = 0; i < dp->other_config.n; i++) {
        const char *k = dp->other_config.keys[i];
        size_t j;

        if (strncmp(k, "bond-", 5)) {
            continue;
        }
        for (j = 0; j < n && strcmp(names[j], k + 5); j++) {
        }
        if (j == n) {
            if (n == 16) {
                continue;
            }
            /* Insert sorted. */
            for (j = 0; j < n && strcmp(names[j], k + 5) < 0; j++) {
            }
            memmove(&names[j + 1], &names[j], (n - j) * sizeof(names[0]));
            memmove(&values[j + 1], &values[j], (n - j) * sizeof(values[0]));
            n++;
            names[j] = k + 5;
        }
        values[j] = dp->other_config.values[i];
    }
    if ((r = CMD(p, "--fake-iface", "add-bond", bridge, bond)) < 0) {
        return r;
    }
    for (size_t i = 0; i < phys->n; i++) {
        if ((r = ir_netdev(phys->v[i], nd)) < 0 || (r = cmd_add(p, nd)) < 0) {
            return r;
        }
    }
    if ((r = CMD(p, "set", "Port", bond)) < 0) {
        return r;
    }
    if (dp->mac && *dp->mac) {
        if ((r = escaped_word("MAC=", dp->mac, &w)) < 0 || (r = cmd_add(p, w)) < 0) {
            goto out;
        }
        free(w);
        w = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char buf[96];
        long v;

        if (!strcmp(names[i], "mode")) {
            mode = values[i];
        } else if (!strcmp(names[i], "hashing-algorithm")) {
            halgo = values[i];
        } else if (!strcmp(names[i], "downdelay") || !strcmp(names[i], "updelay")) {
            if (parse_nonneg(values[i], &v) < 0) {
                xlog_info("bond %s has invalid %s '%s'", bridge, names[i], values[i]);
                continue;
            }
            snprintf(buf, sizeof(buf), "bond_%s=%ld", names[i], v);
            if ((r = cmd_add(p, buf)) < 0) {
                goto out;
            }
        } else if (!strcmp(names[i], "miimon")) {
            if (parse_nonneg(values[i], &v) < 0) {
                /* The original's message named an unbound variable here (Q12). */
                xlog_info("bond %s has invalid miimon '%s'", bridge, values[i]);
                continue;
            }
            snprintf(buf, sizeof(buf), "other-config:bond-miimon-interval=%ld", v);
            if ((r = cmd_add(p, buf)) < 0) {
                goto out;
            }
        } else if (!strcmp(names[i], "use_carrier")) {
            if (parse_nonneg(values[i], &v) < 0) {
                xlog_info("bond %s has invalid use_carrier '%s'", bridge, values[i]);
                continue;
            }
            if ((r = cmd_add(p, v ? "other-config:bond-detect-mode=carrier"
                                  : "other-config:bond-detect-mode=miimon")) < 0) {
                goto out;
            }
        } else {
            snprintf(buf, sizeof(buf), "other-config:bond-%s=", names[i]);
            if ((r = escaped_word(buf, values[i], &w)) < 0 || (r = cmd_add(p, w)) < 0) {
                goto out;
            }
            free(w);
            w = NULL;
        }
    }
    if (mode && !strcmp(mode, "lacp")) {
        const char *bm = "bond_mode=balance-slb";
        if (halgo && !strcmp(halgo, "tcpudp_ports")) {
            bm = "bond_mode=balance-tcp";
        } else if (!halgo || strcmp(halgo, "src_mac")) {
            xlog_info("bond %s has invalid bond-hashing-algorithm '%s'", bridge,
                      halgo ? halgo : "");
        }
        if ((r = cmd_add(p, "lacp=active")) < 0 || (r = cmd_add(p, bm)) < 0) {
            goto out;
        }
    } else if (mode && (!strcmp(mode, "balance-slb") || !strcmp(mode, "active-backup"))) {
        char buf[64];
        snprintf(buf, sizeof(buf), "bond_mode=%s", mode);
        if ((r = cmd_add(p, "lacp=off")) < 0 || (r = cmd_add(p, buf)) < 0) {
            goto out;
        }
    } else {
        xlog_info("bond %s has invalid bond-mode '%s'", bridge, mode ? mode : "");
        if ((r = cmd_add(p, "lacp=off")) < 0 || (r = cmd_add(p, "bond_mode=balance-slb")) < 0) {
            goto out;
        }
    }
out:
    free(w);
    return r;
}

static const struct xapi_network *network_by_bridge(const struct ir_model *m, const char *br)
{
    for (size_t i = 0; i < m->db.networks.n; i++) {
        const struct xapi_network *n = XAPI_LIST_ITEM(&m->db.networks, struct xapi_network, i);
        if (n->bridge && !strcmp(n->bridge, br)) {
            return n;
        }
    }
    return NULL;
}

static int add_down(struct ir_vplan *p, const char *dev)
{
    if (p->n_down >= IR_PIFV_MAX) {
        return -E2BIG;
    }
    snprintf(p->down[p->n_down++], IR_NAME_MAX, "%s", dev);
    return 0;
}

static void add_flow(struct ir_vplan *p, const char *fmt, const char *mac)
{
    if (p->n_flows < IR_MAX_FLOWS) {
        char body[128];
        snprintf(body, sizeof(body), fmt, mac);
        snprintf(p->flows[p->n_flows++], sizeof(p->flows[0]), "idle_timeout=0,priority=0,%s", body);
    }
}

/* configure_datapath (spec §1.8 steps 1-11). */
static int configure_datapath(const struct ir_model *m, const struct xapi_pif *dp, bool is_mgmt,
                              struct ir_vplan *p)
{
    struct ir_pifv phys, extra_ports = {0}, extra_bonds = {0}, v, all = {0};
    const char *bridge, *fail_mode = NULL;
    const struct xapi_network *nw;
    char nd[IR_NAME_MAX];
    char *w = NULL;
    int r;

    if ((r = need_bridge(m, dp, &bridge)) < 0 || (r = ir_physical(m, dp, &phys)) < 0) {
        return r;
    }
    for (size_t i = 0; i < phys.n; i++) {
        if ((r = ir_bond_masters(m, phys.v[i], &v)) < 0) {
            return r;
        }
        for (size_t j = 0; j < v.n; j++) {
            const struct xapi_pif *b = v.v[j];
            struct ir_pifv slaves;

            if (b == dp) {
                ir_netdev(b, nd);
                xlog_info("configure_datapath: leaving bond %s up", nd);
                continue;
            }
            if (ir_pifv_has(&extra_bonds, b)) {
                continue;
            }
            if (b->currently_attached) {
                ir_netdev(b, nd);
                xlog_info("configure_datapath: implicitly tearing down currently-attached bond %s",
                          nd);
            }
            if ((r = ir_pifv_add(&extra_bonds, b)) < 0 || (r = ir_bond_slaves(m, b, &slaves)) < 0) {
                return r;
            }
            for (size_t k = 0; k < slaves.n; k++) {
                const struct xapi_pif *s = slaves.v[k];
                if (!ir_pifv_has(&phys, s) && !ir_pifv_has(&extra_ports, s) && !in_use(m, s, 0) &&
                    (r = ir_pifv_add(&extra_ports, s)) < 0) {
                    return r;
                }
            }
        }
    }
    xlog_info("configure_datapath: bridge      - %s", bridge);
    log_names("physical   ", &phys);
    log_names("extra ports", &extra_ports);
    log_names("extra bonds", &extra_bonds);

    for (size_t i = 0; i < phys.n; i++) {
        all.v[all.n++] = phys.v[i];
    }
    for (size_t i = 0; i < extra_ports.n && all.n < IR_PIFV_MAX; i++) {
        all.v[all.n++] = extra_ports.v[i];
    }
    for (size_t i = 0; i < extra_bonds.n && all.n < IR_PIFV_MAX; i++) {
        all.v[all.n++] = extra_bonds.v[i];
    }
    for (size_t i = 0; i < all.n; i++) {
        const char *b;
        if (all.v[i] == dp) {
            continue;
        }
        if ((r = need_bridge(m, all.v[i], &b)) < 0 || (r = add_down(p, b)) < 0 ||
            (r = CMD(p, "--if-exists", "del-br", b)) < 0) {
            return r;
        }
    }
    for (size_t i = 0; i < extra_ports.n + extra_bonds.n; i++) {
        const struct xapi_pif *x =
                i < extra_ports.n ? extra_ports.v[i] : extra_bonds.v[i - extra_ports.n];
        if ((r = ir_netdev(x, nd)) < 0 ||
            (r = CMD(p, "--with-iface", "--if-exists", "del-port", nd)) < 0 ||
            (r = add_down(p, nd)) < 0) {
            return r;
        }
    }
    for (size_t i = 0; i < phys.n; i++) {
        if ((r = ir_netdev(phys.v[i], nd)) < 0 ||
            (r = CMD(p, "--with-iface", "--if-exists", "del-port", nd)) < 0) {
            return r;
        }
    }
    if ((r = CMD(p, "--may-exist", "add-br", bridge)) < 0) {
        return r;
    }
    /* In the same transaction as add-br, so the switch never opens the
     * bridge with the wrong datapath (fake bridges have none of their own). */
    if (p->datapath_type[0]) {
        char col[sizeof(p->datapath_type) + 16];
        snprintf(col, sizeof(col), "datapath_type=%s", p->datapath_type);
        if ((r = CMD(p, "set", "Bridge", bridge, col)) < 0) {
            return r;
        }
    }
    if (phys.n > 1) {
        if ((r = ir_netdev(dp, nd)) < 0 ||
            (r = CMD(p, "--with-iface", "--if-exists", "del-port", nd)) < 0 ||
            (r = configure_bond(dp, bridge, nd, &phys, p)) < 0) {
            return r;
        }
        snprintf(p->bond_up, sizeof(p->bond_up), "%s", nd);
    } else if (phys.n == 1) {
        if ((r = ir_netdev(phys.v[0], nd)) < 0 ||
            (r = CMD(p, "--may-exist", "add-port", bridge, nd)) < 0) {
            return r;
        }
    }
    if ((r = escaped_word("other-config:hwaddr=", dp->mac, &w)) < 0 ||
        (r = CMD(p, "set", "Bridge", bridge, w)) < 0) {
        goto out;
    }

    nw = network_by_bridge(m, bridge);
    if (nw) {
        fail_mode = xapi_map_get(&nw->other_config, "vswitch-controller-fail-mode");
    }
    if ((!fail_mode || (strcmp(fail_mode, "standalone") && strcmp(fail_mode, "secure"))) &&
        m->db.pools.n > 0) {
        const struct xapi_pool *pool = XAPI_LIST_ITEM(&m->db.pools, struct xapi_pool, 0);
        fail_mode = xapi_map_get(&pool->other_config, "vswitch-controller-fail-mode");
        if (fail_mode && !strcmp(fail_mode, "secure") && (dp->management || is_mgmt)) {
            /* Flows that keep the management traffic flowing once the bridge
             * turns secure; added only if it was not secure before (Q8). */
            p->want_flows = true;
            snprintf(p->flow_bridge, sizeof(p->flow_bridge), "%s", bridge);
            if (phys.n > 1) {
                add_flow(p, "in_port=local,arp,dl_src=%s,actions=NORMAL", dp->mac);
                add_flow(p, "in_port=local,dl_src=%s,actions=NORMAL", dp->mac);
                add_flow(p, "in_port=%%P,arp,nw_proto=1,actions=local", dp->mac);
                add_flow(p, "in_port=%%P,dl_dst=%s,actions=local", dp->mac);
                for (size_t i = 0; i < phys.n; i++) {
                    ir_netdev(phys.v[i], p->flow_ports[p->n_flow_ports++]);
                }
            } else {
                add_flow(p, "in_port=%%P,arp,nw_proto=1,actions=local", dp->mac);
                add_flow(p, "in_port=local,arp,dl_src=%s,actions=%%P", dp->mac);
                add_flow(p, "in_port=%%P,dl_dst=%s,actions=local", dp->mac);
                add_flow(p, "in_port=local,dl_src=%s,actions=%%P", dp->mac);
                ir_netdev(dp, p->flow_ports[p->n_flow_ports++]);
            }
        }
    }
    if (!fail_mode || (strcmp(fail_mode, "standalone") && strcmp(fail_mode, "secure"))) {
        fail_mode = "standalone";
    }
    {
        char buf[64];
        snprintf(buf, sizeof(buf), "fail_mode=%s", fail_mode);
        if ((r = CMD(p, "set", "Bridge", bridge, buf)) < 0) {
            goto out;
        }
    }
    if (nw) {
        const char *dib = xapi_map_get(&nw->other_config, "vswitch-disable-in-band");
        if (!dib || !*dib) {
            r = CMD(p, "remove", "Bridge", bridge, "other_config", "disable-in-band");
        } else if (!strcmp(dib, "true") || !strcmp(dib, "false")) {
            char buf[64];
            snprintf(buf, sizeof(buf), "other_config:disable-in-band=%s", dib);
            r = CMD(p, "set", "Bridge", bridge, buf);
        } else {
            xlog_info("\"%s\" isn't a valid setting for other_config:disable-in-band on %s", dib,
                      bridge);
        }
        if (r < 0) {
            goto out;
        }
    }
    r = set_br_external_ids(m, dp, p);
out:
    free(w);
    return r;
}

static int plan_phys(const struct ir_model *m, const struct xapi_pif *dp, struct ir_vplan *p)
{
    struct ir_pifv phys;
    unsigned bond_mtu = 0;
    int r;

    if ((r = ir_physical(m, dp, &phys)) < 0) {
        return r;
    }
    if (ir_pif_is_bond(dp)) {
        ir_mtu_setting(m, dp->network, "PIF", &dp->other_config, &bond_mtu);
    }
    for (size_t i = 0; i < phys.n; i++) {
        struct ir_phys *ph = &p->phys[p->n_phys++];
        if ((r = ir_netdev(phys.v[i], ph->dev)) < 0) {
            return r;
        }
        if (bond_mtu) {
            ph->mtu = bond_mtu;
        } else {
            ir_mtu_setting(m, phys.v[i]->network, "PIF", &phys.v[i]->other_config, &ph->mtu);
        }
        ir_ethtool_settings(&phys.v[i]->other_config, true, &ph->ethtool);
    }
    return 0;
}

int ir_vswitch_check(const struct ir_model *m, const struct xapi_pif *pif)
{
    if (!ir_datapath(m, pif)) {
        if (ir_pif_is_vlan(pif)) {
            xlog_err("Unbridged VLAN devices not implemented yet");
        } else {
            xlog_err("PIF %s does not have a bridge name", pif->uuid ? pif->uuid : "?");
        }
        return -EINVAL;
    }
    xlog_info("Configured for Vswitch datapath");
    return 0;
}

int ir_vswitch_plan_up(const struct ir_model *m, const struct xapi_pif *pif, bool is_mgmt,
                       struct ir_vplan *p)
{
    const struct xapi_pif *dp = ir_datapath(m, pif);
    const char *bridge, *dpname;
    char ipdev[IR_NAME_MAX], buf[32];
    char *w = NULL;
    int r;

    if (!dp) {
        return ir_vswitch_check(m, pif);
    }
    if ((r = need_bridge(m, pif, &bridge)) < 0 || (r = need_bridge(m, dp, &dpname)) < 0 ||
        (r = ir_ipdev(m, pif, ipdev)) < 0) {
        return r;
    }
    if ((r = configure_datapath(m, dp, is_mgmt && dp == pif, p)) < 0) {
        return r;
    }
    if (ir_pif_is_vlan(pif)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)pif->vlan);
        if ((r = CMD(p, "--if-exists", "del-br", bridge)) < 0 ||
            (r = CMD(p, "--may-exist", "add-br", bridge, dpname, buf)) < 0 ||
            (r = set_br_external_ids(m, pif, p)) < 0) {
            return r;
        }
    }
    if (strcmp(ipdev, bridge)) {
        if ((r = CMD(p, "--with-iface", "--if-exists", "del-port", ipdev)) < 0 ||
            (r = CMD(p, "add-port", bridge, ipdev)) < 0) {
            return r;
        }
    }
    if (strcmp(ipdev, dpname)) {
        if ((r = escaped_word("MAC=", dp->mac, &w)) < 0 ||
            (r = CMD(p, "set", "Interface", ipdev, w)) < 0) {
            free(w);
            return r;
        }
        free(w);
    }
    return plan_phys(m, dp, p);
}

int ir_vswitch_plan_down(const struct ir_model *m, const struct xapi_pif *pif, struct ir_vplan *p)
{
    const struct xapi_pif *dp = ir_datapath(m, pif);
    const char *bridge, *dpname;
    char ipdev[IR_NAME_MAX];
    struct ir_pifv v;
    bool keep = false;
    int r;

    if (!dp) {
        return ir_vswitch_check(m, pif);
    }
    if ((r = need_bridge(m, pif, &bridge)) < 0 || (r = need_bridge(m, dp, &dpname)) < 0 ||
        (r = ir_ipdev(m, pif, ipdev)) < 0) {
        return r;
    }
    xlog_info("deconfigure ipdev %s on %s", ipdev, dpname);
    if ((r = CMD(p, "--with-iface", "--if-exists", "del-port", ipdev)) < 0) {
        return r;
    }
    if (ir_pif_is_vlan(pif)) {
        const struct xapi_pif *slave = ir_vlan_slave(m, pif);

        xlog_info("deconfigure_bridge: bridge           - %s", bridge);
        if ((r = CMD(p, "--if-exists", "del-br", bridge)) < 0) {
            return r;
        }
        if (slave && slave->currently_attached) {
            xlog_info("action_down: vlan slave is currently attached");
            keep = true;
        }
        if (slave && (r = ir_vlan_masters(m, slave, &v)) == 0) {
            for (size_t i = 0; i < v.n; i++) {
                char nd[IR_NAME_MAX];
                if (v.v[i] != pif && v.v[i]->currently_attached && ir_netdev(v.v[i], nd) == 0) {
                    xlog_info("action_down: vlan slave has other master: %s", nd);
                    keep = true;
                }
            }
        }
        if (!keep) {
            xlog_info("action_down: no more masters, bring down slave %s", dpname);
        }
    } else if ((r = ir_vlan_masters(m, pif, &v)) == 0) {
        for (size_t i = 0; i < v.n; i++) {
            if (v.v[i]->currently_attached) {
                xlog_info("Leaving datapath %s up due to currently attached VLAN masters", dpname);
                keep = true;
                break;
            }
        }
    }
    if (!keep) {
        struct ir_pifv phys;
        struct sbuf names = SBUF_INIT;

        xlog_info("deconfigure_bridge: bridge           - %s", dpname);
        if ((r = CMD(p, "--if-exists", "del-br", dpname)) < 0 ||
            (r = ir_physical(m, dp, &phys)) < 0) {
            return r;
        }
        for (size_t i = 0; i < phys.n; i++) {
            char nd[IR_NAME_MAX];
            if ((r = ir_netdev(phys.v[i], nd)) < 0 || (r = add_down(p, nd)) < 0) {
                sbuf_free(&names);
                return r;
            }
            sbuf_addf(&names, "%s'%s'", i ? ", " : "", nd);
        }
        xlog_info("action_down: bring down physical devices - [%s]", sbuf_str(&names));
        sbuf_free(&names);
    }
    return 0;
}

int ir_vswitch_plan_rewrite(const struct ir_model *m, struct ir_vplan *p)
{
    int r;

    for (size_t i = 0; i < m->db.pifs.n; i++) {
        const struct xapi_pif *q = XAPI_LIST_ITEM(&m->db.pifs, struct xapi_pif, i);
        if (!ir_pif_is_vlan(q) && q->currently_attached && ir_bridge(m, q) &&
            (r = set_br_external_ids(m, q, p)) < 0) {
            return r;
        }
    }
    return 0;
}

int ir_vplan_format_cmds(const struct ir_vplan *p, struct sbuf *out)
{
    bool start = true;

    for (int i = 0; i < p->argc; i++) {
        if (!strcmp(p->argv[i], "--")) {
            sbuf_addc(out, '\n');
            start = true;
            continue;
        }
        sbuf_addf(out, "%s%s", start ? "" : " ", p->argv[i]);
        start = false;
    }
    if (p->argc > 0) {
        sbuf_addc(out, '\n');
    }
    return sbuf_error(out);
}
