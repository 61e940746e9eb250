/* interface-reconfigure's files: the .xapi-new/.xapi-old transaction and the
 * ifcfg, route and sysconfig/network contents (spec §1.4, §1.6). */
#include "ir_files.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "records.h"

void ir_files_init(struct ir_files *fs, bool dry_run, struct sbuf *dry)
{
    memset(fs, 0, sizeof(*fs));
    fs->dry_run = dry_run;
    fs->dry = dry;
}

void ir_files_clear(struct ir_files *fs)
{
    if (!fs) {
        return;
    }
    for (size_t i = 0; i < fs->n; i++) {
        sbuf_free(&fs->f[i].content);
    }
    fs->n = 0;
}

int ir_files_add(struct ir_files *fs, const char *path, const char *content)
{
    struct ir_file *f;

    if (fs->n >= IR_MAX_FILES || strlen(path) >= sizeof(f->path)) {
        return -E2BIG;
    }
    f = &fs->f[fs->n];
    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path);
    sbuf_init(&f->content);
    if (sbuf_adds(&f->content, content) < 0) {
        sbuf_free(&f->content);
        return -ENOMEM;
    }
    fs->n++;
    return 0;
}

int ir_files_add_durable(struct ir_files *fs, const char *path, const char *content)
{
    int r = ir_files_add(fs, path, content);

    if (r == 0) {
        fs->f[fs->n - 1].durable = true;
    }
    return r;
}

/* fsync() of the folder holding "path", so that links made in it last. */
static int sync_dir_of(const char *path)
{
    char *dir = strdup(path), *slash;
    int fd, r = 0;

    if (!dir) {
        return -ENOMEM;
    }
    slash = strrchr(dir, '/');
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
    }
    fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0) {
        r = -errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    free(dir);
    return r;
}

int ir_write_file(const char *path, const char *data, size_t len, bool durable)
{
    return durable ? fsu_write_atomic(path, data, len, 0644) : fsu_replace(path, data, len, 0644);
}

/* The three prefixed names of f: P, dir/.name.xapi-new, dir/.name.xapi-old. */
static int names(const struct ir_file *f, char **p, char **newp, char **oldp)
{
    const char *slash = strrchr(f->path, '/');
    int dlen = (int)(slash - f->path);

    *p = paths_get(f->path);
    *newp = *oldp = NULL;
    if (!*p || asprintf(newp, "%s%.*s/.%s.xapi-new", paths_root(), dlen, f->path, slash + 1) < 0 ||
        asprintf(oldp, "%s%.*s/.%s.xapi-old", paths_root(), dlen, f->path, slash + 1) < 0) {
        free(*p);
        free(*newp);
        *p = *newp = *oldp = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int apply_one(struct ir_file *f)
{
    char *p, *newp, *oldp;
    int r = names(f, &p, &newp, &oldp);

    if (r < 0) {
        return r;
    }
    r = ir_write_file(newp, f->content.data ? f->content.data : "", f->content.len, f->durable);
    if (r < 0) {
        xlog_err("Failed to write %s: %s", newp, strerror(-r));
        goto out;
    }
    xlog_info("Applying changes to %s configuration", f->path);
    if (unlink(oldp) < 0 && errno != ENOENT) {
        r = -errno;
        goto fail;
    }
    if (access(p, F_OK) == 0) {
        if (link(p, oldp) < 0 || unlink(p) < 0) {
            r = -errno;
            goto fail;
        }
    }
    if (link(newp, p) < 0 || unlink(newp) < 0) {
        r = -errno;
        goto fail;
    }
    if (f->durable && (r = sync_dir_of(p)) < 0) {
        goto fail;
    }
    f->state = 1;
    goto out;
fail:
    xlog_err("Failed to apply changes to %s: %s", f->path, strerror(-r));
out:
    free(p);
    free(newp);
    free(oldp);
    return r;
}

int ir_files_apply(struct ir_files *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        struct ir_file *f = &fs->f[i];
        int r;

        if (fs->dry_run) {
            if (fs->dry) {
                sbuf_addf(fs->dry, "write %s:\n", f->path);
                for (const char *l = sbuf_str(&f->content); *l;) {
                    const char *e = strchr(l, '\n');
                    int len = e ? (int)(e - l) : (int)strlen(l);
                    sbuf_addf(fs->dry, "    %.*s\n", len, l);
                    l += len + (e ? 1 : 0);
                }
            }
            continue;
        }
        r = apply_one(f);
        if (r < 0) {
            ir_files_revert(fs);
            return r;
        }
    }
    return 0;
}

void ir_files_revert(struct ir_files *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        struct ir_file *f = &fs->f[i];
        char *p, *newp, *oldp;

        if (f->state != 1 || names(f, &p, &newp, &oldp) < 0) {
            continue;
        }
        xlog_info("Reverting changes to %s configuration", f->path);
        /* The new file is left as .xapi-new for debugging, as the original does. */
        if (access(p, F_OK) == 0) {
            unlink(newp);
            if (link(p, newp) < 0 || unlink(p) < 0) {
                xlog_warn("Failed to move %s aside: %s", p, strerror(errno));
            }
        }
        if (access(oldp, F_OK) == 0) {
            if (link(oldp, p) < 0 || unlink(oldp) < 0) {
                xlog_warn("Failed to restore %s: %s", p, strerror(errno));
            }
        }
        f->state = 3;
        free(p);
        free(newp);
        free(oldp);
    }
}

void ir_files_commit(struct ir_files *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        struct ir_file *f = &fs->f[i];
        char *p, *newp, *oldp;

        if (f->state != 1 || names(f, &p, &newp, &oldp) < 0) {
            continue;
        }
        xlog_info("Committing changes to %s configuration", f->path);
        unlink(oldp);
        unlink(newp);
        f->state = 2;
        free(p);
        free(newp);
        free(oldp);
    }
}

static bool oc_true(const struct xapi_pif *p, const char *key)
{
    const char *v = xapi_map_get(&p->other_config, key);
    return v && !strcmp(v, "true");
}

void ir_dns_gateway_pifs(const struct ir_model *m, const struct xapi_pif *pif,
                         const struct xapi_pif *mgmt, bool warn, const struct xapi_pif **peerdns,
                         const struct xapi_pif **defroute)
{
    struct ir_pifv masters;

    *peerdns = *defroute = NULL;
    if (ir_bond_masters(m, pif, &masters) < 0) {
        masters.n = 0;
    }
    for (size_t i = 0; i < m->db.pifs.n; i++) {
        const struct xapi_pif *q = XAPI_LIST_ITEM(&m->db.pifs, struct xapi_pif, i);
        struct ir_pifv qm;

        if (ir_pifv_has(&masters, q) || (ir_bond_masters(m, q, &qm) == 0 && qm.n > 0)) {
            continue;
        }
        if (oc_true(q, "peerdns")) {
            if (*peerdns) {
                if (warn) {
                    xlog_warn("Multiple PIFs with other-config:peerdns=true, using %s",
                              (*peerdns)->device ? (*peerdns)->device : "?");
                }
            } else {
                *peerdns = q;
            }
        }
        if (oc_true(q, "defaultroute") && !*defroute) {
            *defroute = q;
        }
    }
    if (!*peerdns) {
        *peerdns = mgmt;
    }
    if (!*defroute) {
        *defroute = mgmt;
    }
}

/* /etc/sysconfig/network with DNSDEV / GATEWAYDEV set to ipdev as needed. */
static int sysconfig_network(bool dns, bool gw, const char *ipdev, struct sbuf *out)
{
    char *path = paths_get("/etc/sysconfig/network");
    char *data = NULL;
    size_t len = 0;
    bool seen_dns = false, seen_gw = false;
    int r;

    if (!path) {
        return -ENOMEM;
    }
    r = fsu_read_file(path, 1 << 20, &data, &len);
    free(path);
    if (r < 0 && r != -ENOENT) {
        xlog_err("Cannot read /etc/sysconfig/network: %s", strerror(-r));
        return r;
    }
    for (char *l = data, *e; l && *l; l = e ? e + 1 : l + strlen(l)) {
        e = strchr(l, '\n');
        int n = e ? (int)(e - l) : (int)strlen(l);
        if (dns && !strncmp(l, "DNSDEV=", 7)) {
            sbuf_addf(out, "DNSDEV=%s\n", ipdev);
            seen_dns = true;
        } else if (gw && !strncmp(l, "GATEWAYDEV=", 11)) {
            sbuf_addf(out, "GATEWAYDEV=%s\n", ipdev);
            seen_gw = true;
        } else {
            sbuf_addf(out, "%.*s\n", n, l);
        }
        if (!e) {
            break;
        }
    }
    if (dns && !seen_dns) {
        sbuf_addf(out, "DNSDEV=%s\n", ipdev);
    }
    if (gw && !seen_gw) {
        sbuf_addf(out, "GATEWAYDEV=%s\n", ipdev);
    }
    free(data);
    return sbuf_error(out);
}

/* route-<ipdev>: one line per net/masklen/gw of static-routes.  Returns 1
 * when an entry is malformed (the file is then not attached). */
static int route_file(const char *ipdev, const struct xapi_map *oc, const char *prog,
                      struct sbuf *out)
{
    const char *routes = xapi_map_get(oc, "static-routes");
    char *copy, *save = NULL;
    int bad = 0;

    sbuf_addf(out, "# DO NOT EDIT: This file (route-%s) was autogenerated by %s\n", ipdev, prog);
    if (!routes || !*routes) {
        return sbuf_error(out);
    }
    if (!(copy = strdup(routes))) {
        return -ENOMEM;
    }
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *net = t, *len = strchr(net, '/'), *gw = len ? strchr(len + 1, '/') : NULL;
        if (!len || !gw || strchr(gw + 1, '/')) {
            xlog_warn("Static route should be of format net/masklen/gw. Failed to set route %s", t);
            bad = 1;
            continue;
        }
        *len++ = '\0';
        *gw++ = '\0';
        sbuf_addf(out, "%s/%s via %s dev %s\n", net, len, gw, ipdev);
    }
    free(copy);
    return sbuf_error(out) ? -ENOMEM : bad;
}

void ir_files_header(struct sbuf *b, const char *dev, const char *prog)
{
    sbuf_addf(b, "# DO NOT EDIT: This file (ifcfg-%s) was autogenerated by %s\n", dev, prog);
    sbuf_addf(b, "XEMANAGED=yes\nDEVICE=%s\nONBOOT=no\n", dev);
}

/* Whether "v" can go into a file that a shell sources: no control
 * characters, quotes, backslashes or expansions. */
static bool shell_safe(const char *v)
{
    for (const unsigned char *c = (const unsigned char *)(v ? v : ""); *c; c++) {
        if (*c < 0x20 || *c == 0x7f || strchr("'\"`$\\", *c)) {
            return false;
        }
    }
    return true;
}

static int check_values(const struct xapi_pif *pif)
{
    const char *names[] = {"IP", "netmask", "gateway", "DNS", "other_config:domain"};
    const char *values[] = {pif->ip, pif->netmask, pif->gateway, pif->dns,
                            xapi_map_get(&pif->other_config, "domain")};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!shell_safe(values[i])) {
            xlog_err("PIF %s: bad value for %s", pif->uuid ? pif->uuid : "?", names[i]);
            return -EINVAL;
        }
    }
    return 0;
}

/* Whether "v" is an IPv6 address, with "/prefix" when with_prefix. */
static bool ipv6_ok(const char *v, bool with_prefix)
{
    char buf[INET6_ADDRSTRLEN + 8];
    struct in6_addr a;
    char *slash, *end;

    if (strlen(v) >= sizeof(buf)) {
        return false;
    }
    strcpy(buf, v);
    slash = strchr(buf, '/');
    if (with_prefix != (slash != NULL)) {
        return false;
    }
    if (slash) {
        long n;
        *slash = '\0';
        n = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || n < 0 || n > 128) {
            return false;
        }
    }
    return inet_pton(AF_INET6, buf, &a) == 1;
}

/* Beyond the original, which ignored IPv6: the initscripts keys for the
 * PIF's ipv6_configuration_mode (Static: IPV6ADDR, IPV6ADDR_SECONDARIES,
 * IPV6_DEFAULTGW; DHCP: DHCPV6C; Autoconf: IPV6_AUTOCONF).  Addresses are
 * checked, since the file is read by a shell. */
static int ipv6_lines(const struct xapi_pif *pif, struct sbuf *b)
{
    const char *mode = pif->ipv6_configuration_mode;

    if (!mode || !*mode || !strcmp(mode, "None")) {
        return 0;
    }
    if (!strcmp(mode, "Static")) {
        if (pif->ipv6.n == 0) {
            xlog_err("PIF %s: IPv6 mode Static without an address", pif->uuid ? pif->uuid : "?");
            return -EINVAL;
        }
        for (size_t i = 0; i < pif->ipv6.n; i++) {
            if (!ipv6_ok(pif->ipv6.v[i], true)) {
                xlog_err("PIF %s: bad IPv6 address %s", pif->uuid ? pif->uuid : "?",
                         pif->ipv6.v[i]);
                return -EINVAL;
            }
        }
        if (pif->ipv6_gateway && *pif->ipv6_gateway && !ipv6_ok(pif->ipv6_gateway, false)) {
            xlog_err("PIF %s: bad IPv6 gateway %s", pif->uuid ? pif->uuid : "?", pif->ipv6_gateway);
            return -EINVAL;
        }
        sbuf_addf(b, "IPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=%s\n", pif->ipv6.v[0]);
        if (pif->ipv6.n > 1) {
            sbuf_adds(b, "IPV6ADDR_SECONDARIES=\"");
            for (size_t i = 1; i < pif->ipv6.n; i++) {
                sbuf_addf(b, "%s%s", i > 1 ? " " : "", pif->ipv6.v[i]);
            }
            sbuf_adds(b, "\"\n");
        }
        if (pif->ipv6_gateway && *pif->ipv6_gateway) {
            sbuf_addf(b, "IPV6_DEFAULTGW=%s\n", pif->ipv6_gateway);
        }
    } else if (!strcmp(mode, "DHCP")) {
        sbuf_adds(b, "IPV6INIT=yes\nIPV6_AUTOCONF=no\nDHCPV6C=yes\n");
    } else if (!strcmp(mode, "Autoconf")) {
        sbuf_adds(b, "IPV6INIT=yes\nIPV6_AUTOCONF=yes\n");
    } else {
        xlog_err("Unknown ipv6-configuration-mode %s", mode);
        return -EINVAL;
    }
    return sbuf_error(b);
}

int ir_files_plan_up(const struct ir_model *m, const struct xapi_pif *pif,
                     const struct xapi_pif *mgmt, bool bridge_mode, const char *prog,
                     struct ir_files *fs)
{
    const struct xapi_network *nw = ir_pif_network(m, pif);
    const struct xapi_pif *peerdns, *defroute;
    const char *mode = pif->ip_configuration_mode ? pif->ip_configuration_mode : "None";
    struct sbuf b = SBUF_INIT;
    char ipdev[IR_NAME_MAX], path[128];
    struct ir_ethtool et;
    unsigned mtu = 0;
    int r;

    if ((r = ir_ipdev(m, pif, ipdev)) < 0 || (r = check_values(pif)) < 0) {
        return r;
    }
    xlog_info("Writing network configuration for %s", ipdev);
    sbuf_addf(&b, "# DO NOT EDIT: This file (ifcfg-%s) was autogenerated by %s\n", ipdev, prog);
    sbuf_addf(&b, "XEMANAGED=yes\nDEVICE=%s\nONBOOT=no\nNOZEROCONF=yes\n", ipdev);
    if (bridge_mode && ir_bridge(m, pif)) {
        char nd[IR_NAME_MAX];
        if ((r = ir_netdev(pif, nd)) < 0) {
            goto out;
        }
        sbuf_addf(&b, "TYPE=Bridge\nDELAY=0\nSTP=off\nPIFDEV=%s\n", nd);
    } else {
        sbuf_adds(&b, "TYPE=Ethernet\n");
    }
    xlog_info("Configuring %s using %s configuration", ipdev, mode);
    if (!strcmp(mode, "DHCP")) {
        sbuf_adds(&b, "BOOTPROTO=dhcp\nPERSISTENT_DHCLIENT=yes\n");
    } else if (!strcmp(mode, "Static")) {
        sbuf_addf(&b, "BOOTPROTO=none\nNETMASK=%s\nIPADDR=%s\nGATEWAY=%s\n",
                  pif->netmask ? pif->netmask : "", pif->ip ? pif->ip : "",
                  pif->gateway ? pif->gateway : "");
    } else if (!strcmp(mode, "None")) {
        sbuf_adds(&b, "BOOTPROTO=none\n");
    } else {
        xlog_err("Unknown ip-configuration-mode %s", mode);
        r = -EINVAL;
        goto out;
    }
    if ((r = ipv6_lines(pif, &b)) < 0) {
        goto out;
    }
    if (nw) {
        struct sbuf route = SBUF_INIT;

        ir_ethtool_settings(&nw->other_config, false, &et);
        if (et.n_settings) {
            sbuf_adds(&b, "ETHTOOL_OPTS=\"");
            for (size_t i = 0; i < et.n_settings; i++) {
                sbuf_addf(&b, "%s%s", i ? " " : "", et.settings[i]);
            }
            sbuf_adds(&b, "\"\n");
        }
        if (et.n_offload) {
            sbuf_adds(&b, "ETHTOOL_OFFLOAD_OPTS=\"");
            for (size_t i = 0; i < et.n_offload; i++) {
                sbuf_addf(&b, "%s%s %s", i ? " " : "", et.offload[i].name,
                          et.offload[i].on ? "on" : "off");
            }
            sbuf_adds(&b, "\"\n");
        }
        r = route_file(ipdev, &nw->other_config, prog, &route);
        snprintf(path, sizeof(path), "/etc/sysconfig/network-scripts/route-%s", ipdev);
        if (r == 0) {
            r = ir_files_add(fs, path, sbuf_str(&route));
        }
        sbuf_free(&route);
        if (r < 0) {
            goto out;
        }
        ir_mtu_setting(m, pif->network, "Network", &nw->other_config, &mtu);
    } else {
        ir_mtu_setting(m, pif->network, "Network", NULL, &mtu);
    }
    ir_dns_gateway_pifs(m, pif, mgmt, true, &peerdns, &defroute);
    if (peerdns == pif || defroute == pif) {
        struct sbuf net = SBUF_INIT;
        r = sysconfig_network(peerdns == pif, defroute == pif, ipdev, &net);
        if (r == 0) {
            r = ir_files_add(fs, "/etc/sysconfig/network", sbuf_str(&net));
        }
        sbuf_free(&net);
        if (r < 0) {
            goto out;
        }
    }
    if (mtu) {
        sbuf_addf(&b, "MTU=%u\n", mtu);
    }
    if (pif->dns && *pif->dns) {
        char *copy = strdup(pif->dns), *save = NULL;
        int i = 1;
        if (!copy) {
            r = -ENOMEM;
            goto out;
        }
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            sbuf_addf(&b, "DNS%d=%s\n", i++, t);
        }
        free(copy);
    }
    {
        const char *dom = xapi_map_get(&pif->other_config, "domain");
        if (dom) {
            sbuf_adds(&b, "DOMAIN='");
            for (const char *c = dom; *c; c++) {
                sbuf_addc(&b, *c == ',' ? ' ' : *c);
            }
            sbuf_adds(&b, "'\n");
        }
    }
    if (sbuf_error(&b)) {
        r = -ENOMEM;
        goto out;
    }
    snprintf(path, sizeof(path), "/etc/sysconfig/network-scripts/ifcfg-%s", ipdev);
    r = ir_files_add(fs, path, sbuf_str(&b));
out:
    sbuf_free(&b);
    return r;
}
