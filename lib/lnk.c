/* Network links (see lnk.h): argument checks, error reports, and the three
 * backends behind one handle.  The netlink backend lives in lnk_nl.c; the
 * dry-run printer and the in-memory fake are here.
 *
 * Every change validates its arguments first, the same way for every
 * backend, so a plan printed by --dry-run or checked against the fake fails
 * exactly where the real run would on bad input.  A failure is logged once,
 * here, as "<dev>: cannot <action>: <reason>". */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnk.h"
#include "lnk_internal.h"
#include "log.h"

enum lnk_backend {
    LNK_NETLINK,
    LNK_DRY_RUN,
    LNK_FAKE,
};

enum fake_kind {
    FAKE_PLAIN,
    FAKE_BRIDGE,
    FAKE_VLAN,
    FAKE_BOND,
};

struct fake_dev {
    char name[IFNAMSIZ];
    int ifindex;
    unsigned mtu;
    uint8_t mac[6];
    bool up, noarp, multicast, promisc;
    enum fake_kind kind;
    char master[IFNAMSIZ];
    char parent[IFNAMSIZ]; /* A VLAN's lower device. */
    int fail;              /* Injected error for every change, or 0. */
};

struct lnk {
    enum lnk_backend backend;
    struct lnk_nl *nl; /* Netlink and dry-run (queries). */
    struct sbuf *out;  /* Dry-run: borrowed. */
    struct fake_dev *devs;
    size_t ndevs;
    struct sbuf journal; /* Fake. */
};

static const char *const offload_names[LNK_OFF_COUNT] = {
        [LNK_OFF_RX] = "rx",   [LNK_OFF_TX] = "tx",   [LNK_OFF_SG] = "sg",   [LNK_OFF_TSO] = "tso",
        [LNK_OFF_UFO] = "ufo", [LNK_OFF_GSO] = "gso", [LNK_OFF_GRO] = "gro", [LNK_OFF_LRO] = "lro",
};

/* Linux bonding mode names, indexed by the kernel's BOND_MODE_* numbers. */
static const char *const bond_modes[] = {
        "balance-rr", "active-backup", "balance-xor", "broadcast",
        "802.3ad",    "balance-tlb",   "balance-alb",
};

/* ---- Handles ---- */

static int lnk_new(enum lnk_backend backend, struct lnk **out)
{
    struct lnk *l = calloc(1, sizeof(*l));

    *out = NULL;
    if (!l) {
        return -ENOMEM;
    }
    l->backend = backend;
    sbuf_init(&l->journal);
    *out = l;
    return 0;
}

int lnk_open(struct lnk **out)
{
    struct lnk *l;
    int rc = lnk_new(LNK_NETLINK, &l);

    if (rc < 0) {
        return rc;
    }
    rc = lnk_nl_open(&l->nl);
    if (rc < 0) {
        xlog_err("cannot open a route netlink socket: %s", strerror(-rc));
        lnk_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

int lnk_dry_run_new(struct sbuf *out, struct lnk **lnk)
{
    struct lnk *l;
    int rc;

    *lnk = NULL;
    if (!out) {
        return -EINVAL;
    }
    rc = lnk_new(LNK_DRY_RUN, &l);
    if (rc < 0) {
        return rc;
    }
    l->out = out;
    /* Queries still read the kernel, so a plan reflects the real devices. */
    rc = lnk_nl_open(&l->nl);
    if (rc < 0) {
        xlog_err("cannot open a route netlink socket: %s", strerror(-rc));
        lnk_close(l);
        return rc;
    }
    *lnk = l;
    return 0;
}

int lnk_fake_new(struct lnk **out)
{
    return lnk_new(LNK_FAKE, out);
}

void lnk_close(struct lnk *l)
{
    if (!l) {
        return;
    }
    lnk_nl_close(l->nl);
    free(l->devs);
    sbuf_free(&l->journal);
    free(l);
}

const char *lnk_fake_journal(const struct lnk *l)
{
    return sbuf_str(&l->journal);
}

/* ---- Checks and reports ---- */

/* A kernel interface name: 1..15 bytes, no '/', ':' or whitespace, not "." or "..". */
static bool name_ok(const char *dev)
{
    size_t len, i;

    if (!dev) {
        return false;
    }
    len = strlen(dev);
    if (len == 0 || len >= IFNAMSIZ || strcmp(dev, ".") == 0 || strcmp(dev, "..") == 0) {
        return false;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)dev[i];

        if (c <= ' ' || c == '/' || c == ':' || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

/* Checks every name given; logs and returns -EINVAL for the first bad one. */
static int check_names(const char *action, const char *a, const char *b)
{
    const char *bad = !name_ok(a) ? a : (b && !name_ok(b)) ? b : NULL;
    char shown[IFNAMSIZ * 2];
    size_t i;

    if (!a) {
        xlog_err("cannot %s: no device name", action);
        return -EINVAL;
    }
    if (!bad) {
        return 0;
    }
    /* Show a sanitized prefix: the name may hold control characters. */
    for (i = 0; i < sizeof(shown) - 1 && bad[i]; i++) {
        shown[i] = (bad[i] > ' ' && bad[i] < 0x7f) ? bad[i] : '?';
    }
    shown[i] = '\0';
    xlog_err("cannot %s: invalid device name \"%s\"", action, shown);
    return -EINVAL;
}

/* Logs a failed change once: "<dev>: cannot <action>: <reason>". */
static int report(const char *dev, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int report(const char *dev, int rc, const char *fmt, ...)
{
    char action[160];
    va_list ap;

    if (rc >= 0) {
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf(action, sizeof(action), fmt, ap);
    va_end(ap);
    xlog_err("%s: cannot %s: %s", dev, action, strerror(-rc));
    return rc;
}

/* Prints one dry-run line or journals one fake change. */
static int emit(struct lnk *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int emit(struct lnk *l, const char *fmt, ...)
{
    struct sbuf *b = l->backend == LNK_DRY_RUN ? l->out : &l->journal;
    char line[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (sbuf_adds(b, line) < 0 || sbuf_addc(b, '\n') < 0) {
        return -ENOMEM;
    }
    return 0;
}

/* ---- The fake's devices ---- */

static struct fake_dev *fake_find(struct lnk *l, const char *name)
{
    size_t i;

    for (i = 0; i < l->ndevs; i++) {
        if (strcmp(l->devs[i].name, name) == 0) {
            return &l->devs[i];
        }
    }
    return NULL;
}

/* A device for a change: -ENODEV if absent, the injected error if any. */
static int fake_target(struct lnk *l, const char *name, struct fake_dev **d)
{
    *d = fake_find(l, name);
    if (!*d) {
        return -ENODEV;
    }
    return (*d)->fail;
}

static int fake_create(struct lnk *l, const char *name, int ifindex, enum fake_kind kind,
                       struct fake_dev **out)
{
    struct fake_dev *devs, *d;
    size_t i;

    if (fake_find(l, name)) {
        return -EEXIST;
    }
    for (i = 0; ifindex > 0 && i < l->ndevs; i++) {
        if (l->devs[i].ifindex == ifindex) {
            return -EEXIST;
        }
    }
    if (ifindex <= 0) {
        ifindex = 1;
        for (i = 0; i < l->ndevs; i++) {
            if (l->devs[i].ifindex >= ifindex) {
                ifindex = l->devs[i].ifindex + 1;
            }
        }
    }
    devs = realloc(l->devs, (l->ndevs + 1) * sizeof(*devs));
    if (!devs) {
        return -ENOMEM;
    }
    l->devs = devs;
    d = &l->devs[l->ndevs++];
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->ifindex = ifindex;
    d->mtu = 1500;
    d->multicast = true;
    d->kind = kind;
    /* A locally administered address derived from the ifindex, stable across runs. */
    d->mac[0] = 0x02;
    d->mac[4] = (uint8_t)(ifindex >> 8);
    d->mac[5] = (uint8_t)ifindex;
    if (out) {
        *out = d;
    }
    return 0;
}

int lnk_fake_add_device(struct lnk *l, const char *name, int ifindex)
{
    int rc;

    if (l->backend != LNK_FAKE) {
        return -EINVAL;
    }
    rc = check_names("add a fake device", name, NULL);
    if (rc < 0) {
        return rc;
    }
    return fake_create(l, name, ifindex, FAKE_PLAIN, NULL);
}

void lnk_fake_fail(struct lnk *l, const char *dev, int err)
{
    struct fake_dev *d;

    if (l->backend != LNK_FAKE || !dev) {
        return;
    }
    d = fake_find(l, dev);
    if (d) {
        d->fail = err;
    }
}

/* Removes the fake device at index i, as the kernel would: its ports are released and
 * VLANs on it go with it. */
static void fake_remove(struct lnk *l, size_t i)
{
    char name[IFNAMSIZ];
    size_t j;

    snprintf(name, sizeof(name), "%s", l->devs[i].name);
    l->devs[i] = l->devs[--l->ndevs];
    for (j = 0; j < l->ndevs; j++) {
        if (strcmp(l->devs[j].master, name) == 0) {
            l->devs[j].master[0] = '\0';
        }
    }
    for (j = 0; j < l->ndevs;) {
        if (l->devs[j].kind == FAKE_VLAN && strcmp(l->devs[j].parent, name) == 0) {
            fake_remove(l, j);
            j = 0;
        } else {
            j++;
        }
    }
}

/* ---- Queries ---- */

int lnk_ifindex(struct lnk *l, const char *dev, int *ifindex)
{
    struct fake_dev *d;

    if (!name_ok(dev)) {
        return -EINVAL;
    }
    if (l->backend != LNK_FAKE) {
        return lnk_nl_ifindex(l->nl, dev, ifindex);
    }
    d = fake_find(l, dev);
    if (!d) {
        return -ENODEV;
    }
    *ifindex = d->ifindex;
    return 0;
}

int lnk_exists(struct lnk *l, const char *dev)
{
    int ifindex;

    return lnk_ifindex(l, dev, &ifindex);
}

int lnk_get_mtu(struct lnk *l, const char *dev, unsigned *mtu)
{
    struct fake_dev *d;

    if (!name_ok(dev)) {
        return -EINVAL;
    }
    if (l->backend != LNK_FAKE) {
        return lnk_nl_get_mtu(l->nl, dev, mtu);
    }
    d = fake_find(l, dev);
    if (!d) {
        return -ENODEV;
    }
    *mtu = d->mtu;
    return 0;
}

int lnk_get_mac(struct lnk *l, const char *dev, uint8_t mac[6])
{
    struct fake_dev *d;

    if (!name_ok(dev)) {
        return -EINVAL;
    }
    if (l->backend != LNK_FAKE) {
        return lnk_nl_get_mac(l->nl, dev, mac);
    }
    d = fake_find(l, dev);
    if (!d) {
        return -ENODEV;
    }
    memcpy(mac, d->mac, 6);
    return 0;
}

int lnk_get_master(struct lnk *l, const char *dev, char master[16])
{
    struct fake_dev *d;

    if (!name_ok(dev)) {
        return -EINVAL;
    }
    if (l->backend != LNK_FAKE) {
        return lnk_nl_get_master(l->nl, dev, master);
    }
    d = fake_find(l, dev);
    if (!d) {
        return -ENODEV;
    }
    snprintf(master, IFNAMSIZ, "%s", d->master);
    return 0;
}

/* ---- Flag changes ---- */

/* One of IFF_UP, IFF_NOARP, IFF_MULTICAST, IFF_PROMISC set to "set" on dev. */
static int set_flag(struct lnk *l, const char *dev, unsigned flag, bool set, const char *what)
{
    static const struct {
        unsigned flag;
        const char *word;
    } words[] = {
            {IFF_UP, NULL},
            {IFF_NOARP, "arp"},
            {IFF_MULTICAST, "multicast"},
            {IFF_PROMISC, "promisc"},
    };
    /* "ip link set arp off" sets IFF_NOARP: the word's sense is the flag's opposite. */
    bool word_on = flag == IFF_NOARP ? !set : set;
    const char *word = NULL;
    struct fake_dev *d;
    size_t i;
    int rc;

    rc = check_names(what, dev, NULL);
    if (rc < 0) {
        return rc;
    }
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (words[i].flag == flag) {
            word = words[i].word;
        }
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_flag(l->nl, dev, flag, set);
        break;
    case LNK_DRY_RUN:
    case LNK_FAKE:
        if (l->backend == LNK_FAKE) {
            rc = fake_target(l, dev, &d);
            if (rc < 0) {
                break;
            }
            if (flag == IFF_UP) {
                d->up = set;
            } else if (flag == IFF_NOARP) {
                d->noarp = set;
            } else if (flag == IFF_MULTICAST) {
                d->multicast = set;
            } else {
                d->promisc = set;
            }
        }
        if (word) {
            rc = emit(l, "ip link set dev %s %s %s", dev, word, word_on ? "on" : "off");
        } else {
            rc = emit(l, "ip link set dev %s %s", dev, set ? "up" : "down");
        }
        break;
    }
    return report(dev, rc, "%s", what);
}

int lnk_set_up(struct lnk *l, const char *dev, bool up)
{
    return set_flag(l, dev, IFF_UP, up, up ? "bring the link up" : "bring the link down");
}

int lnk_set_arp(struct lnk *l, const char *dev, bool on)
{
    return set_flag(l, dev, IFF_NOARP, !on, on ? "turn ARP on" : "turn ARP off");
}

int lnk_set_multicast(struct lnk *l, const char *dev, bool on)
{
    return set_flag(l, dev, IFF_MULTICAST, on, on ? "turn multicast on" : "turn multicast off");
}

int lnk_set_promisc(struct lnk *l, const char *dev, bool on)
{
    return set_flag(l, dev, IFF_PROMISC, on,
                    on ? "turn promiscuous mode on" : "turn promiscuous mode off");
}

int lnk_set_brport_promisc(struct lnk *l, const char *dev, bool on)
{
    /* The original wrote /sys/class/net/<dev>/brport/promisc, a file only XenServer's
     * patched kernel has.  Mainline bridges put their ports in promiscuous mode through
     * the port's own promiscuity count, so the equivalent is IFF_PROMISC on the port. */
    return set_flag(l, dev, IFF_PROMISC, on,
                    on ? "turn bridge port promiscuous mode on"
                       : "turn bridge port promiscuous mode off");
}

/* ---- Other changes ---- */

int lnk_set_mtu(struct lnk *l, const char *dev, unsigned mtu)
{
    struct fake_dev *d;
    int rc = check_names("set the MTU", dev, NULL);

    if (rc < 0) {
        return rc;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_mtu(l->nl, dev, mtu);
        break;
    case LNK_FAKE:
        rc = fake_target(l, dev, &d);
        /* The kernel's range for Ethernet-like devices. */
        if (rc == 0 && (mtu < 68 || mtu > 65535)) {
            rc = -EINVAL;
        }
        if (rc < 0) {
            break;
        }
        d->mtu = mtu;
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip link set dev %s mtu %u", dev, mtu);
        break;
    }
    return report(dev, rc, "set MTU %u", mtu);
}

int lnk_set_mac(struct lnk *l, const char *dev, const uint8_t mac[6])
{
    char text[18];
    struct fake_dev *d;
    int rc = check_names("set the MAC address", dev, NULL);

    if (rc < 0) {
        return rc;
    }
    snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_mac(l->nl, dev, mac);
        break;
    case LNK_FAKE:
        rc = fake_target(l, dev, &d);
        /* The kernel refuses multicast addresses for a device. */
        if (rc == 0 && (mac[0] & 1)) {
            rc = -EADDRNOTAVAIL;
        }
        if (rc < 0) {
            break;
        }
        memcpy(d->mac, mac, 6);
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip link set dev %s address %s", dev, text);
        break;
    }
    return report(dev, rc, "set MAC address %s", text);
}

int lnk_flush_addrs(struct lnk *l, const char *dev)
{
    struct fake_dev *d;
    int rc = check_names("flush addresses", dev, NULL);

    if (rc < 0) {
        return rc;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_flush_addrs(l->nl, dev);
        break;
    case LNK_FAKE:
        rc = fake_target(l, dev, &d);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip addr flush dev %s", dev);
        break;
    }
    return report(dev, rc, "flush addresses");
}

/* Parses "ADDR" or "ADDR/N" into family, bytes and prefix (N defaults to the full length). */
static int parse_addr(const char *text, bool with_prefix, int *family, uint8_t addr[16],
                      unsigned *prefix)
{
    char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
    unsigned long n;

    if (!text || strlen(text) >= sizeof(buf)) {
        return -EINVAL;
    }
    strcpy(buf, text);
    slash = strchr(buf, '/');
    if (slash && !with_prefix) {
        return -EINVAL;
    }
    if (slash) {
        *slash++ = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = AF_INET6;
    } else {
        return -EINVAL;
    }
    *prefix = *family == AF_INET ? 32 : 128;
    if (slash) {
        n = strtoul(slash, &end, 10);
        if (!*slash || *end || n > *prefix) {
            return -EINVAL;
        }
        *prefix = (unsigned)n;
    }
    return 0;
}

int lnk_add_addr(struct lnk *l, const char *dev, const char *cidr)
{
    struct fake_dev *d;
    uint8_t addr[16];
    unsigned prefix;
    int family, rc = check_names("add an address", dev, NULL);

    if (rc < 0) {
        return rc;
    }
    if (parse_addr(cidr, true, &family, addr, &prefix) < 0) {
        xlog_err("%s: cannot add address: malformed \"%.48s\"", dev, cidr ? cidr : "(null)");
        return -EINVAL;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_add_addr(l->nl, dev, family, addr, prefix);
        break;
    case LNK_FAKE:
        rc = fake_target(l, dev, &d);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip addr add %s dev %s", cidr, dev);
        break;
    }
    return report(dev, rc, "add address %s", cidr);
}

int lnk_set_default_route(struct lnk *l, const char *dev, const char *gateway)
{
    struct fake_dev *d;
    uint8_t gw[16];
    unsigned prefix;
    int family, rc = check_names("set the default route", dev, NULL);

    if (rc < 0) {
        return rc;
    }
    if (parse_addr(gateway, false, &family, gw, &prefix) < 0) {
        xlog_err("%s: cannot set the default route: malformed gateway \"%.48s\"", dev,
                 gateway ? gateway : "(null)");
        return -EINVAL;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_default_route(l->nl, dev, family, gw);
        break;
    case LNK_FAKE:
        rc = fake_target(l, dev, &d);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip %sroute replace default via %s dev %s", family == AF_INET6 ? "-6 " : "",
                  gateway, dev);
        break;
    }
    return report(dev, rc, "set the default route via %s", gateway);
}

int lnk_set_offload(struct lnk *l, const char *dev, const char *feature, bool on)
{
    struct fake_dev *d;
    enum lnk_offload f;
    int rc = check_names("set an offload", dev, NULL);

    if (rc < 0) {
        return rc;
    }
    for (f = 0; f < LNK_OFF_COUNT; f++) {
        if (feature && strcmp(feature, offload_names[f]) == 0) {
            break;
        }
    }
    if (f == LNK_OFF_COUNT) {
        xlog_err("%s: cannot set offload: unknown feature \"%.16s\"", dev,
                 feature ? feature : "(null)");
        return -EINVAL;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_offload(l->nl, dev, f, on);
        break;
    case LNK_FAKE:
        rc = fake_target(l, dev, &d);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ethtool -K %s %s %s", dev, feature, on ? "on" : "off");
        break;
    }
    return report(dev, rc, "turn offload %s %s", feature, on ? "on" : "off");
}

int lnk_add_bridge(struct lnk *l, const char *name)
{
    int rc = check_names("add a bridge", name, NULL);

    if (rc < 0) {
        return rc;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_add_bridge(l->nl, name);
        break;
    case LNK_FAKE:
        rc = fake_create(l, name, 0, FAKE_BRIDGE, NULL);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip link add %s type bridge", name);
        break;
    }
    return report(name, rc, "add bridge");
}

int lnk_add_vlan(struct lnk *l, const char *name, const char *parent, unsigned vid)
{
    struct fake_dev *p, *d;
    int rc = check_names("add a VLAN", name, parent);

    if (rc < 0) {
        return rc;
    }
    /* 4095 is reserved; the kernel takes 0..4094. */
    if (vid > 4094) {
        return report(name, -EINVAL, "add VLAN %u on %s", vid, parent);
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_add_vlan(l->nl, name, parent, vid);
        break;
    case LNK_FAKE:
        p = fake_find(l, parent);
        if (!p) {
            rc = -ENODEV;
            break;
        }
        rc = fake_create(l, name, 0, FAKE_VLAN, &d);
        if (rc < 0) {
            break;
        }
        snprintf(d->parent, sizeof(d->parent), "%s", parent);
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip link add link %s name %s type vlan id %u", parent, name, vid);
        break;
    }
    return report(name, rc, "add VLAN %u on %s", vid, parent);
}

int lnk_add_bond(struct lnk *l, const char *name, const char *mode, unsigned miimon,
                 unsigned updelay, unsigned downdelay)
{
    struct sbuf opts = SBUF_INIT;
    unsigned m;
    int rc = check_names("add a bond", name, NULL);

    if (rc < 0) {
        return rc;
    }
    for (m = 0; m < sizeof(bond_modes) / sizeof(bond_modes[0]); m++) {
        if (mode && strcmp(mode, bond_modes[m]) == 0) {
            break;
        }
    }
    if (m == sizeof(bond_modes) / sizeof(bond_modes[0])) {
        xlog_err("%s: cannot add bond: unknown bonding mode \"%.32s\"", name,
                 mode ? mode : "(null)");
        return -EINVAL;
    }
    /* Zero means the kernel's default, which is what leaving the option out gives. */
    if (miimon) {
        sbuf_addf(&opts, " miimon %u", miimon);
    }
    if (updelay) {
        sbuf_addf(&opts, " updelay %u", updelay);
    }
    if (downdelay) {
        sbuf_addf(&opts, " downdelay %u", downdelay);
    }
    rc = sbuf_error(&opts);
    if (rc < 0) {
        goto out;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_add_bond(l->nl, name, m, miimon, updelay, downdelay);
        break;
    case LNK_FAKE:
        rc = fake_create(l, name, 0, FAKE_BOND, NULL);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip link add %s type bond mode %s%s", name, mode, sbuf_str(&opts));
        break;
    }
out:
    sbuf_free(&opts);
    return report(name, rc, "add bond (mode %s)", mode);
}

int lnk_del(struct lnk *l, const char *name)
{
    struct fake_dev *d;
    int rc = check_names("delete a device", name, NULL);

    if (rc < 0) {
        return rc;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_del(l->nl, name);
        break;
    case LNK_FAKE:
        rc = fake_target(l, name, &d);
        if (rc < 0) {
            break;
        }
        fake_remove(l, (size_t)(d - l->devs));
        /* fall through */
    case LNK_DRY_RUN:
        rc = emit(l, "ip link del %s", name);
        break;
    }
    return report(name, rc, "delete device");
}

/* The fake's rules for enslaving: both exist, the master is a bridge or bond. */
static int fake_set_master(struct lnk *l, const char *dev, const char *master)
{
    struct fake_dev *d, *m = NULL;
    int rc = fake_target(l, dev, &d);

    if (rc < 0) {
        return rc;
    }
    if (master) {
        m = fake_find(l, master);
        if (!m) {
            return -ENODEV;
        }
        if (m->kind != FAKE_BRIDGE && m->kind != FAKE_BOND) {
            return -EOPNOTSUPP;
        }
        /* A bridge or bond cannot be its own port (the kernel's answer). */
        if (m == d) {
            return -ELOOP;
        }
    }
    snprintf(d->master, sizeof(d->master), "%s", master ? master : "");
    return 0;
}

int lnk_set_master(struct lnk *l, const char *dev, const char *master)
{
    int rc = check_names(master ? "enslave a device" : "release a device", dev, master);

    if (rc < 0) {
        return rc;
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_master(l->nl, dev, master);
        break;
    case LNK_FAKE:
        rc = fake_set_master(l, dev, master);
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        if (master) {
            rc = emit(l, "ip link set dev %s master %s", dev, master);
        } else {
            rc = emit(l, "ip link set dev %s nomaster", dev);
        }
        break;
    }
    if (master) {
        return report(dev, rc, "add to %s", master);
    }
    return report(dev, rc, "release from its master");
}

int lnk_set_bridge_fd(struct lnk *l, const char *bridge, unsigned seconds)
{
    struct fake_dev *d;
    int rc = check_names("set a forward delay", bridge, NULL);

    if (rc < 0) {
        return rc;
    }
    /* The kernel keeps the delay in clock_t ticks (1/100 s) in 32 bits. */
    if (seconds > 42949672) {
        return report(bridge, -ERANGE, "set forward delay %u s", seconds);
    }
    switch (l->backend) {
    case LNK_NETLINK:
        rc = lnk_nl_set_bridge_fd(l->nl, bridge, seconds);
        break;
    case LNK_FAKE:
        rc = fake_target(l, bridge, &d);
        if (rc == 0 && d->kind != FAKE_BRIDGE) {
            rc = -EOPNOTSUPP;
        }
        if (rc < 0) {
            break;
        }
        /* fall through */
    case LNK_DRY_RUN:
        /* ip takes the delay in clock_t ticks (1/100 s), as the kernel stores it. */
        rc = emit(l, "ip link set dev %s type bridge forward_delay %u", bridge, seconds * 100);
        break;
    }
    return report(bridge, rc, "set forward delay %u s", seconds);
}
