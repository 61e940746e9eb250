/* interface-reconfigure's own ifup/ifdown for hosts without the Red Hat
 * network-scripts; see ir_ipcfg.h. */
#include "ir_ipcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "ir_files.h"
#include "lnk.h"
#include "log.h"
#include "paths.h"

bool ir_ipcfg_have(const char *prog)
{
    char *p = paths_get(prog);
    bool ok = p && access(p, X_OK) == 0;

    free(p);
    return ok;
}

int ir_ipcfg_prefix(const char *netmask)
{
    struct in_addr a;
    uint32_t m;
    char *end;
    int n = 0;

    if (!netmask || !*netmask) {
        return -EINVAL;
    }
    if (!strchr(netmask, '.')) {
        long v = strtol(netmask, &end, 10);
        return *end || v < 0 || v > 32 ? -EINVAL : (int)v;
    }
    if (inet_pton(AF_INET, netmask, &a) != 1) {
        return -EINVAL;
    }
    m = ntohl(a.s_addr);
    while (m & 0x80000000u) {
        n++;
        m <<= 1;
    }
    /* Anything left after the leading ones is not a netmask. */
    return m ? -EINVAL : n;
}

/* Device names become file names below: no '/' and no dot names, so that
 * none leads out of its folder. */
static bool dev_name_ok(const char *dev)
{
    return dev && dev[0] && dev[0] != '.' && !strchr(dev, '/');
}

static const char *const dhclient_paths[] = {"/sbin/dhclient", "/usr/sbin/dhclient", NULL};

static const char *dhclient_prog(void)
{
    for (size_t i = 0; dhclient_paths[i]; i++) {
        if (ir_ipcfg_have(dhclient_paths[i])) {
            return dhclient_paths[i];
        }
    }
    return NULL;
}

/* <root>/var/run/dhclient[6]-<dev>.pid and <root>/var/lib/dhclient/dhclient[6]-<dev>.leases,
 * the names the network-scripts' ifup-eth gives them. */
static int dhclient_files(const char *dev, bool v6, char **pidfile, char **leases)
{
    char *rel = NULL;
    int r = 0;

    *pidfile = *leases = NULL;
    if (!dev_name_ok(dev)) {
        xlog_err("\"%.32s\" is not a device name", dev ? dev : "");
        return -EINVAL;
    }
    if (asprintf(&rel, "/var/run/dhclient%s-%s.pid", v6 ? "6" : "", dev) < 0) {
        return -ENOMEM;
    }
    *pidfile = paths_get(rel);
    free(rel);
    if (asprintf(&rel, "/var/lib/dhclient/dhclient%s-%s.leases", v6 ? "6" : "", dev) < 0) {
        rel = NULL;
    }
    *leases = rel ? paths_get(rel) : NULL;
    free(rel);
    if (!*pidfile || !*leases) {
        free(*pidfile);
        free(*leases);
        *pidfile = *leases = NULL;
        r = -ENOMEM;
    }
    return r;
}

/* Starts dhclient on dev for one lease (-1: it gives up rather than retrying
 * for ever, so a boot without a DHCP server does not hang). */
static int start_dhclient(struct ir_ctx *c, const char *dev, bool v6)
{
    const char *prog = dhclient_prog();
    char *pidfile, *leases, *dir, *fb, *conf = NULL;
    const char *cf = NULL, *argv[12];
    size_t n = 0;
    int r;

    if (!prog) {
        xlog_warn("%s: DHCP%s requested but dhclient is not installed: the device has no "
                  "address",
                  dev, v6 ? "v6" : "");
        if (c->dry_run) {
            sbuf_addf(c->dry, "# no dhclient: DHCP%s on %s not started\n", v6 ? "v6" : "", dev);
        }
        return 0;
    }
    if ((r = dhclient_files(dev, v6, &pidfile, &leases)) < 0) {
        return r;
    }
    if (!c->dry_run && (dir = paths_get("/var/lib/dhclient"))) {
        fsu_mkdir_p(dir, 0755);
        free(dir);
    }
    /* During first boot DHCP gets four minutes, the way the xapi copy of
     * the original arranged it for dhclient: a configuration file with
     * "timeout 240;". */
    fb = paths_get("/etc/firstboot.d/data/firstboot_in_progress");
    if (fb && access(fb, F_OK) == 0 && (conf = paths_get("/tmp/default_dhclient.conf"))) {
        static const char text[] = "timeout 240;\n";
        char *tmpdir = paths_get("/tmp");

        /* Only a fresh root tree lacks it. */
        if (tmpdir && !c->dry_run) {
            fsu_mkdir_p(tmpdir, 01777);
        }
        free(tmpdir);
        if (c->dry_run || ir_write_file(conf, text, sizeof(text) - 1, false) == 0) {
            cf = conf;
        } else {
            xlog_warn("Cannot write %s: DHCP keeps dhclient's own timeout", conf);
        }
    }
    argv[n++] = prog;
    argv[n++] = v6 ? "-6" : "-4";
    argv[n++] = "-1";
    argv[n++] = "-pf";
    argv[n++] = pidfile;
    argv[n++] = "-lf";
    argv[n++] = leases;
    if (cf) {
        argv[n++] = "-cf";
        argv[n++] = cf;
    }
    argv[n++] = dev;
    argv[n] = NULL;
    ir_run_cmd(c, argv);
    free(fb);
    free(conf);
    free(pidfile);
    free(leases);
    return 0;
}

/* Stops the dhclient of dev, if one was started (its pid file exists). */
static void stop_dhclient(struct ir_ctx *c, const char *dev, bool v6)
{
    const char *prog = dhclient_prog();
    char *pidfile, *leases;

    if (!prog || dhclient_files(dev, v6, &pidfile, &leases) < 0) {
        return;
    }
    if (access(pidfile, F_OK) == 0) {
        ir_run_cmd(c, (const char *const[]){prog, v6 ? "-6" : "-4", "-r", "-pf", pidfile, "-lf",
                                            leases, dev, NULL});
    }
    free(pidfile);
    free(leases);
}

/* One knob of /proc/sys/net/ipv6/conf/<dev>/ (inside the root prefix). */
static void ipv6_sysctl(struct ir_ctx *c, const char *dev, const char *knob, const char *value)
{
    char *rel = NULL, *path;
    FILE *f;
    int r;

    if (!dev_name_ok(dev)) {
        xlog_warn("%s: not a device name, IPv6 %s not set", dev, knob);
        return;
    }
    if (c->dry_run) {
        sbuf_addf(c->dry, "sysctl -w net.ipv6.conf.%s.%s=%s\n", dev, knob, value);
        return;
    }
    if (asprintf(&rel, "/proc/sys/net/ipv6/conf/%s/%s", dev, knob) < 0) {
        return;
    }
    path = paths_get(rel);
    /* In place: /proc/sys files cannot be replaced by a rename. */
    f = path ? fopen(path, "w") : NULL;
    if (!f) {
        r = path ? -errno : -ENOMEM;
    } else {
        r = fputs(value, f) < 0 ? -EIO : 0;
        if (fclose(f) != 0 && r == 0) {
            r = -errno;
        }
    }
    if (r < 0) {
        xlog_warn("%s: cannot set IPv6 %s: %s", dev, knob, strerror(-r));
    }
    free(path);
    free(rel);
}

/* resolv.conf for the DNSDEV: its servers and other_config:domain as the
 * search list. */
static int write_resolv_conf(struct ir_ctx *c, const struct xapi_pif *pif, const char *dev)
{
    const char *dom = xapi_map_get(&pif->other_config, "domain");
    struct sbuf b = SBUF_INIT;
    char *copy = strdup(pif->dns), *save = NULL, *path = NULL, *dir;
    int r = 0, n = 0;

    if (!copy) {
        return -ENOMEM;
    }
    sbuf_addf(&b, "# Generated by interface-reconfigure for %s\n", dev);
    if (dom && *dom) {
        /* The domain list is comma separated, as the ifcfg DOMAIN line has it. */
        sbuf_adds(&b, "search ");
        for (const char *d = dom; *d; d++) {
            sbuf_addc(&b, *d == ',' ? ' ' : *d);
        }
        sbuf_addc(&b, '\n');
    }
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned char buf[16];
        while (*t == ' ') {
            t++;
        }
        if (inet_pton(AF_INET, t, buf) != 1 && inet_pton(AF_INET6, t, buf) != 1) {
            xlog_warn("%s: ignoring malformed DNS server \"%.48s\"", dev, t);
            continue;
        }
        sbuf_addf(&b, "nameserver %s\n", t);
        n++;
    }
    free(copy);
    if (n == 0) {
        goto out;
    }
    if ((r = sbuf_error(&b)) < 0) {
        goto out;
    }
    if (c->dry_run) {
        sbuf_adds(c->dry, "write /etc/resolv.conf:\n");
        for (const char *l = sbuf_str(&b); *l;) {
            const char *e = strchr(l, '\n');
            int len = e ? (int)(e - l) : (int)strlen(l);
            sbuf_addf(c->dry, "    %.*s\n", len, l);
            l += len + (e ? 1 : 0);
        }
        goto out;
    }
    if (!(path = paths_get("/etc/resolv.conf")) || !(dir = paths_get("/etc"))) {
        r = -ENOMEM;
        goto out;
    }
    fsu_mkdir_p(dir, 0755);
    free(dir);
    xlog_info("Writing %s for %s", path, dev);
    /* Atomic but not fsync()ed: rewritten by every `up` of the DNS PIF. */
    r = ir_write_file(path, sbuf_str(&b), strlen(sbuf_str(&b)), false);
    if (r < 0) {
        xlog_err("Cannot write %s: %s", path, strerror(-r));
    }
out:
    free(path);
    sbuf_free(&b);
    return r;
}

static bool is(const char *v, const char *want)
{
    return v && !strcmp(v, want);
}

/* The IPv4 part of Static: the address with its prefix. */
static int static_ipv4(struct ir_ctx *c, const struct xapi_pif *pif, const char *dev)
{
    char cidr[64];
    int prefix;

    if (!pif->ip || !*pif->ip) {
        xlog_warn("%s: ip-configuration-mode Static without an IP address", dev);
        return 0;
    }
    if ((prefix = ir_ipcfg_prefix(pif->netmask)) < 0) {
        xlog_err("PIF %s: bad netmask \"%.48s\"", pif->uuid ? pif->uuid : "?",
                 pif->netmask ? pif->netmask : "");
        return -EINVAL;
    }
    snprintf(cidr, sizeof(cidr), "%.46s/%d", pif->ip, prefix);
    if (!c->dry_run) {
        xlog_info("ip addr add %s dev %s", cidr, dev);
    }
    return lnk_add_addr(c->lnk, dev, cidr);
}

int ir_ipcfg_up(struct ir_ctx *c, const struct xapi_pif *pif, const struct xapi_pif *mgmt,
                const char *dev)
{
    const struct xapi_pif *peerdns = NULL, *defroute = NULL;
    bool v4_static, v6_static;
    int r;

    if (c->dry_run) {
        sbuf_addf(c->dry, "# ifup %s: no /sbin/ifup, configured directly\n", dev);
    } else {
        xlog_info("ifup %s: no /sbin/ifup, configuring the device directly", dev);
    }
    v4_static = pif && is(pif->ip_configuration_mode, "Static");
    v6_static = pif && is(pif->ipv6_configuration_mode, "Static");
    /* Earlier addresses go first, with the link down so that the kernel
     * gives the device a fresh IPv6 link-local address when it comes up. */
    if (v4_static || v6_static) {
        if ((r = lnk_set_up(c->lnk, dev, false)) < 0 || (r = lnk_flush_addrs(c->lnk, dev)) < 0) {
            return r;
        }
    }
    if (pif && is(pif->ipv6_configuration_mode, "Autoconf")) {
        ipv6_sysctl(c, dev, "accept_ra", "1");
        ipv6_sysctl(c, dev, "autoconf", "1");
    }
    if (!c->dry_run) {
        xlog_info("ip link set %s up", dev);
    }
    if ((r = lnk_set_up(c->lnk, dev, true)) < 0 || !pif) {
        return r;
    }
    if (v4_static && (r = static_ipv4(c, pif, dev)) < 0) {
        return r;
    }
    for (size_t i = 0; v6_static && i < pif->ipv6.n; i++) {
        if ((r = lnk_add_addr(c->lnk, dev, pif->ipv6.v[i])) < 0) {
            return r;
        }
    }
    ir_dns_gateway_pifs(&c->model, pif, mgmt, false, &peerdns, &defroute);
    if (defroute == pif) {
        const char *gws[2] = {v4_static ? pif->gateway : NULL,
                              v6_static ? pif->ipv6_gateway : NULL};
        for (int i = 0; i < 2; i++) {
            if (!gws[i] || !*gws[i]) {
                continue;
            }
            if (!c->dry_run) {
                xlog_info("ip route replace default via %s dev %s", gws[i], dev);
            }
            if ((r = lnk_set_default_route(c->lnk, dev, gws[i])) < 0) {
                return r;
            }
        }
    }
    if (peerdns == pif && v4_static && pif->dns && *pif->dns &&
        (r = write_resolv_conf(c, pif, dev)) < 0) {
        return r;
    }
    /* dhclient's own script sets the route and resolv.conf for DHCP. */
    if (is(pif->ip_configuration_mode, "DHCP") && (r = start_dhclient(c, dev, false)) < 0) {
        return r;
    }
    if (is(pif->ipv6_configuration_mode, "DHCP") && (r = start_dhclient(c, dev, true)) < 0) {
        return r;
    }
    return 0;
}

void ir_ipcfg_down(struct ir_ctx *c, const char *dev)
{
    if (c->dry_run) {
        sbuf_addf(c->dry, "# ifdown %s: no /sbin/ifdown, configured directly\n", dev);
    } else {
        xlog_info("ifdown %s: no /sbin/ifdown, taking the device down directly", dev);
    }
    stop_dhclient(c, dev, false);
    stop_dhclient(c, dev, true);
    lnk_flush_addrs(c->lnk, dev);
    lnk_set_up(c->lnk, dev, false);
}
