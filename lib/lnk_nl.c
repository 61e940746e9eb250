/* The netlink backend of lib/lnk: link changes through libnl-route in the
 * calling process's network namespace, ethtool offloads through the
 * SIOCETHTOOL ioctl.
 *
 * libnl folds kernel errors into its own NLE_* codes, losing some (errnos it
 * does not know, ELOOP among them, become a generic NLE_FAILURE), so an error
 * callback on the socket records the kernel's errno for each request
 * and that is what we return.  libnl 3.7 has no setters for a bond's mode or
 * a bridge's forward delay, so those two requests are built by hand as
 * RTM_NEWLINK messages carrying IFLA_LINKINFO/IFLA_INFO_DATA. */
#include <errno.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/route.h>

#include "lnk_internal.h"

struct lnk_nl {
    struct nl_sock *sk;
    int kernel_err; /* The last request's errno from the kernel (positive), or 0. */
};

/* Records the kernel's own errno; NL_STOP keeps libnl's normal error return. */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
    struct lnk_nl *nl = arg;

    (void)who;
    nl->kernel_err = e->error < 0 ? -e->error : e->error;
    return NL_STOP;
}

/* The negative errno for a libnl return code, preferring what the kernel said. */
static int nl_errno(struct lnk_nl *nl, int nlerr)
{
    if (nlerr >= 0) {
        return 0;
    }
    if (nl->kernel_err) {
        return -nl->kernel_err;
    }
    switch (-nlerr) {
    case NLE_NOMEM:
        return -ENOMEM;
    case NLE_EXIST:
        return -EEXIST;
    case NLE_INVAL:
        return -EINVAL;
    case NLE_RANGE:
        return -ERANGE;
    case NLE_OPNOTSUPP:
        return -EOPNOTSUPP;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
        return -ENODEV;
    case NLE_AGAIN:
        return -EAGAIN;
    case NLE_BUSY:
        return -EBUSY;
    case NLE_NOACCESS:
        return -EACCES;
    case NLE_PERM:
        return -EPERM;
    case NLE_NOADDR:
        return -EADDRNOTAVAIL;
    case NLE_MSGSIZE:
        return -EMSGSIZE;
    default:
        return -EIO;
    }
}

int lnk_nl_open(struct lnk_nl **out)
{
    struct lnk_nl *nl = calloc(1, sizeof(*nl));
    int rc;

    *out = NULL;
    if (!nl) {
        return -ENOMEM;
    }
    nl->sk = nl_socket_alloc();
    if (!nl->sk) {
        free(nl);
        return -ENOMEM;
    }
    rc = nl_connect(nl->sk, NETLINK_ROUTE);
    if (rc < 0) {
        rc = nl_errno(nl, rc);
        lnk_nl_close(nl);
        return rc;
    }
    rc = nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
    if (rc < 0) {
        rc = nl_errno(nl, rc);
        lnk_nl_close(nl);
        return rc;
    }
    *out = nl;
    return 0;
}

void lnk_nl_close(struct lnk_nl *nl)
{
    if (!nl) {
        return;
    }
    nl_socket_free(nl->sk);
    free(nl);
}

/* The kernel's view of a device, by name (or by index when dev is NULL). */
static int get_link(struct lnk_nl *nl, const char *dev, int ifindex, struct rtnl_link **link)
{
    int rc;

    nl->kernel_err = 0;
    rc = rtnl_link_get_kernel(nl->sk, dev ? 0 : ifindex, dev, link);
    rc = nl_errno(nl, rc);
    /* The kernel says ENODEV for a missing name; keep that one answer for absence. */
    if (rc == -ENOENT) {
        rc = -ENODEV;
    }
    return rc;
}

int lnk_nl_ifindex(struct lnk_nl *nl, const char *dev, int *ifindex)
{
    struct rtnl_link *link = NULL;
    int rc = get_link(nl, dev, 0, &link);

    if (rc == 0) {
        *ifindex = rtnl_link_get_ifindex(link);
    }
    rtnl_link_put(link);
    return rc;
}

int lnk_nl_get_mtu(struct lnk_nl *nl, const char *dev, unsigned *mtu)
{
    struct rtnl_link *link = NULL;
    int rc = get_link(nl, dev, 0, &link);

    if (rc == 0) {
        *mtu = rtnl_link_get_mtu(link);
    }
    rtnl_link_put(link);
    return rc;
}

int lnk_nl_get_mac(struct lnk_nl *nl, const char *dev, uint8_t mac[6])
{
    struct rtnl_link *link = NULL;
    struct nl_addr *addr;
    int rc = get_link(nl, dev, 0, &link);

    if (rc < 0) {
        goto out;
    }
    addr = rtnl_link_get_addr(link);
    /* Layer-3 devices (tun, some tunnels) have no Ethernet address. */
    if (!addr || nl_addr_get_len(addr) != 6) {
        rc = -ENODATA;
        goto out;
    }
    memcpy(mac, nl_addr_get_binary_addr(addr), 6);
out:
    rtnl_link_put(link);
    return rc;
}

int lnk_nl_get_master(struct lnk_nl *nl, const char *dev, char master[16])
{
    struct rtnl_link *link = NULL, *m = NULL;
    int idx, rc = get_link(nl, dev, 0, &link);

    if (rc < 0) {
        goto out;
    }
    master[0] = '\0';
    idx = rtnl_link_get_master(link);
    if (idx <= 0) {
        goto out;
    }
    rc = get_link(nl, NULL, idx, &m);
    if (rc < 0) {
        goto out;
    }
    snprintf(master, 16, "%s", rtnl_link_get_name(m));
out:
    rtnl_link_put(m);
    rtnl_link_put(link);
    return rc;
}

/* Applies "change" (a partial link) to dev. */
static int change_link(struct lnk_nl *nl, const char *dev, struct rtnl_link *change)
{
    struct rtnl_link *orig = NULL;
    int rc = get_link(nl, dev, 0, &orig);

    if (rc < 0) {
        goto out;
    }
    nl->kernel_err = 0;
    rc = nl_errno(nl, rtnl_link_change(nl->sk, orig, change, 0));
out:
    rtnl_link_put(orig);
    return rc;
}

int lnk_nl_set_flag(struct lnk_nl *nl, const char *dev, unsigned flag, bool set)
{
    struct rtnl_link *change = rtnl_link_alloc();
    int rc;

    if (!change) {
        return -ENOMEM;
    }
    if (set) {
        rtnl_link_set_flags(change, flag);
    } else {
        rtnl_link_unset_flags(change, flag);
    }
    rc = change_link(nl, dev, change);
    rtnl_link_put(change);
    return rc;
}

int lnk_nl_set_mtu(struct lnk_nl *nl, const char *dev, unsigned mtu)
{
    struct rtnl_link *change = rtnl_link_alloc();
    int rc;

    if (!change) {
        return -ENOMEM;
    }
    rtnl_link_set_mtu(change, mtu);
    rc = change_link(nl, dev, change);
    rtnl_link_put(change);
    return rc;
}

int lnk_nl_set_mac(struct lnk_nl *nl, const char *dev, const uint8_t mac[6])
{
    struct rtnl_link *change = rtnl_link_alloc();
    struct nl_addr *addr = nl_addr_build(AF_LLC, mac, 6);
    int rc = -ENOMEM;

    if (change && addr) {
        rtnl_link_set_addr(change, addr);
        rc = change_link(nl, dev, change);
    }
    nl_addr_put(addr);
    rtnl_link_put(change);
    return rc;
}

int lnk_nl_flush_addrs(struct lnk_nl *nl, const char *dev)
{
    struct nl_cache *cache = NULL;
    struct nl_object *obj;
    int ifindex = 0, rc;

    rc = lnk_nl_ifindex(nl, dev, &ifindex);
    if (rc < 0) {
        return rc;
    }
    nl->kernel_err = 0;
    rc = nl_errno(nl, rtnl_addr_alloc_cache(nl->sk, &cache));
    if (rc < 0) {
        return rc;
    }
    for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
        struct rtnl_addr *a = (struct rtnl_addr *)obj;
        int err;

        if (rtnl_addr_get_ifindex(a) != ifindex) {
            continue;
        }
        nl->kernel_err = 0;
        err = nl_errno(nl, rtnl_addr_delete(nl->sk, a, 0));
        /* Removing a primary IPv4 address takes its secondaries with it, so a later
         * entry of the cache may already be gone. */
        if (err < 0 && err != -EADDRNOTAVAIL && rc == 0) {
            rc = err;
        }
    }
    nl_cache_free(cache);
    return rc;
}

int lnk_nl_add_addr(struct lnk_nl *nl, const char *dev, int family, const void *addr,
                    unsigned prefix)
{
    struct rtnl_addr *a = rtnl_addr_alloc();
    struct nl_addr *local = NULL;
    int ifindex = 0, rc;

    if (!a) {
        return -ENOMEM;
    }
    rc = lnk_nl_ifindex(nl, dev, &ifindex);
    if (rc == 0) {
        local = nl_addr_build(family, addr, family == AF_INET ? 4 : 16);
        rc = local ? 0 : -ENOMEM;
    }
    if (rc == 0) {
        nl_addr_set_prefixlen(local, (int)prefix);
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_family(a, family);
        rc = nl_errno(nl, rtnl_addr_set_local(a, local));
    }
    if (rc == 0) {
        nl->kernel_err = 0;
        rc = nl_errno(nl, rtnl_addr_add(nl->sk, a, NLM_F_EXCL));
    }
    nl_addr_put(local);
    rtnl_addr_put(a);
    return rc;
}

int lnk_nl_set_default_route(struct lnk_nl *nl, const char *dev, int family, const void *gw)
{
    struct rtnl_route *route = rtnl_route_alloc();
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    struct nl_addr *dst = NULL, *via = NULL;
    int ifindex = 0, rc;

    if (!route || !nh) {
        /* libnl's free functions do not accept NULL. */
        if (route) {
            rtnl_route_put(route);
        }
        if (nh) {
            rtnl_route_nh_free(nh);
        }
        return -ENOMEM;
    }
    rc = lnk_nl_ifindex(nl, dev, &ifindex);
    if (rc == 0) {
        /* An all-zero destination of length 0: the default route. */
        static const uint8_t any[16];
        dst = nl_addr_build(family, any, family == AF_INET ? 4 : 16);
        via = nl_addr_build(family, gw, family == AF_INET ? 4 : 16);
        rc = dst && via ? 0 : -ENOMEM;
    }
    if (rc == 0) {
        nl_addr_set_prefixlen(dst, 0);
        rtnl_route_set_family(route, (uint8_t)family);
        rtnl_route_set_dst(route, dst);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_STATIC);
        rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_nh_set_gateway(nh, via);
        rtnl_route_add_nexthop(route, nh);
        nh = NULL; /* Owned by the route now. */
        nl->kernel_err = 0;
        rc = nl_errno(nl, rtnl_route_add(nl->sk, route, NLM_F_REPLACE));
    }
    if (nh) {
        rtnl_route_nh_free(nh);
    }
    nl_addr_put(dst);
    nl_addr_put(via);
    rtnl_route_put(route);
    return rc;
}

/* ---- ethtool ---- */

static int ethtool_ioctl(int fd, const char *dev, void *data)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
    ifr.ifr_data = data;
    return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int lnk_nl_set_offload(struct lnk_nl *nl, const char *dev, enum lnk_offload feature, bool on)
{
    /* The legacy one-feature commands, as ethtool -K falls back to them. */
    static const uint32_t set_cmd[LNK_OFF_COUNT] = {
            [LNK_OFF_RX] = ETHTOOL_SRXCSUM, [LNK_OFF_TX] = ETHTOOL_STXCSUM,
            [LNK_OFF_SG] = ETHTOOL_SSG,     [LNK_OFF_TSO] = ETHTOOL_STSO,
            [LNK_OFF_UFO] = ETHTOOL_SUFO,   [LNK_OFF_GSO] = ETHTOOL_SGSO,
            [LNK_OFF_GRO] = ETHTOOL_SGRO,
    };
    struct ethtool_value ev;
    int fd, rc;

    (void)nl;
    if ((unsigned)feature >= LNK_OFF_COUNT) {
        return -EINVAL;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (feature == LNK_OFF_LRO) {
        /* LRO has no command of its own: it is a bit of the device flags. */
        memset(&ev, 0, sizeof(ev));
        ev.cmd = ETHTOOL_GFLAGS;
        rc = ethtool_ioctl(fd, dev, &ev);
        if (rc < 0) {
            goto out;
        }
        ev.cmd = ETHTOOL_SFLAGS;
        ev.data = on ? (ev.data | ETH_FLAG_LRO) : (ev.data & ~(uint32_t)ETH_FLAG_LRO);
        rc = ethtool_ioctl(fd, dev, &ev);
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.cmd = set_cmd[feature];
    ev.data = on ? 1 : 0;
    rc = ethtool_ioctl(fd, dev, &ev);
out:
    /* Keep absence distinct from a driver's refusal, as the other calls do. */
    if (rc == -ENODEV || rc == -ENXIO) {
        rc = -ENODEV;
    }
    close(fd);
    return rc;
}

/* ---- Devices ---- */

/* Adds "link" (named, typed) as a new device. */
static int add_link(struct lnk_nl *nl, struct rtnl_link *link, const char *name)
{
    rtnl_link_set_name(link, name);
    nl->kernel_err = 0;
    return nl_errno(nl, rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL));
}

int lnk_nl_add_bridge(struct lnk_nl *nl, const char *name)
{
    struct rtnl_link *link = rtnl_link_bridge_alloc();
    int rc;

    if (!link) {
        return -ENOMEM;
    }
    rc = add_link(nl, link, name);
    rtnl_link_put(link);
    return rc;
}

int lnk_nl_add_vlan(struct lnk_nl *nl, const char *name, const char *parent, unsigned vid)
{
    struct rtnl_link *link = NULL;
    int pidx = 0, rc;

    rc = lnk_nl_ifindex(nl, parent, &pidx);
    if (rc < 0) {
        return rc;
    }
    link = rtnl_link_vlan_alloc();
    if (!link) {
        return -ENOMEM;
    }
    rtnl_link_set_link(link, pidx);
    rc = rtnl_link_vlan_set_id(link, (uint16_t)vid);
    if (rc < 0) {
        rc = nl_errno(nl, rc);
        goto out;
    }
    rc = add_link(nl, link, name);
out:
    rtnl_link_put(link);
    return rc;
}

/* Sends a hand-built RTM_NEWLINK with IFLA_LINKINFO {kind, data}, "fill" adding the data. */
static int send_linkinfo(struct lnk_nl *nl, int flags, int ifindex, const char *name,
                         const char *kind, int (*fill)(struct nl_msg *, const void *),
                         const void *arg)
{
    struct ifinfomsg ifi;
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, flags);
    struct nlattr *info, *data;
    int rc = -EMSGSIZE;

    if (!msg) {
        return -ENOMEM;
    }
    memset(&ifi, 0, sizeof(ifi));
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
        goto out;
    }
    if (name && nla_put_string(msg, IFLA_IFNAME, name) < 0) {
        goto out;
    }
    info = nla_nest_start(msg, IFLA_LINKINFO);
    if (!info || nla_put_string(msg, IFLA_INFO_KIND, kind) < 0) {
        goto out;
    }
    data = nla_nest_start(msg, IFLA_INFO_DATA);
    if (!data || fill(msg, arg) < 0) {
        goto out;
    }
    nla_nest_end(msg, data);
    nla_nest_end(msg, info);
    nl->kernel_err = 0;
    /* nl_send_sync() frees the message whatever happens. */
    rc = nl_errno(nl, nl_send_sync(nl->sk, msg));
    msg = NULL;
out:
    nlmsg_free(msg);
    return rc;
}

struct bond_args {
    uint8_t mode;
    uint32_t miimon, updelay, downdelay;
};

static int fill_bond(struct nl_msg *msg, const void *arg)
{
    const struct bond_args *b = arg;

    if (nla_put_u8(msg, IFLA_BOND_MODE, b->mode) < 0) {
        return -EMSGSIZE;
    }
    /* Zero means the kernel's default: leave the attribute out. */
    if (b->miimon && nla_put_u32(msg, IFLA_BOND_MIIMON, b->miimon) < 0) {
        return -EMSGSIZE;
    }
    if (b->updelay && nla_put_u32(msg, IFLA_BOND_UPDELAY, b->updelay) < 0) {
        return -EMSGSIZE;
    }
    if (b->downdelay && nla_put_u32(msg, IFLA_BOND_DOWNDELAY, b->downdelay) < 0) {
        return -EMSGSIZE;
    }
    return 0;
}

int lnk_nl_add_bond(struct lnk_nl *nl, const char *name, unsigned mode, unsigned miimon,
                    unsigned updelay, unsigned downdelay)
{
    struct bond_args b = {(uint8_t)mode, miimon, updelay, downdelay};

    return send_linkinfo(nl, NLM_F_CREATE | NLM_F_EXCL, 0, name, "bond", fill_bond, &b);
}

static int fill_bridge_fd(struct nl_msg *msg, const void *arg)
{
    /* IFLA_BR_FORWARD_DELAY is in clock_t units (USER_HZ, 1/100 s), like sysfs. */
    return nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, *(const uint32_t *)arg * 100) < 0 ? -EMSGSIZE
                                                                                     : 0;
}

int lnk_nl_set_bridge_fd(struct lnk_nl *nl, const char *bridge, unsigned seconds)
{
    uint32_t s = seconds;
    int ifindex = 0, rc;

    rc = lnk_nl_ifindex(nl, bridge, &ifindex);
    if (rc < 0) {
        return rc;
    }
    /* Without NLM_F_CREATE this is a change of the existing bridge; the kernel refuses it
     * (EOPNOTSUPP) when the device is of another kind. */
    return send_linkinfo(nl, 0, ifindex, NULL, "bridge", fill_bridge_fd, &s);
}

int lnk_nl_del(struct lnk_nl *nl, const char *name)
{
    struct rtnl_link *link = NULL;
    int rc = get_link(nl, name, 0, &link);

    if (rc < 0) {
        return rc;
    }
    nl->kernel_err = 0;
    rc = nl_errno(nl, rtnl_link_delete(nl->sk, link));
    rtnl_link_put(link);
    return rc;
}

int lnk_nl_set_master(struct lnk_nl *nl, const char *dev, const char *master)
{
    struct rtnl_link *change;
    int midx = 0, rc;

    if (master) {
        rc = lnk_nl_ifindex(nl, master, &midx);
        if (rc < 0) {
            return rc;
        }
    }
    change = rtnl_link_alloc();
    if (!change) {
        return -ENOMEM;
    }
    rtnl_link_set_master(change, midx);
    rc = change_link(nl, dev, change);
    rtnl_link_put(change);
    return rc;
}
