/* Unit tests of lib/lnk: the fake's devices and journal, the dry-run lines
 * for every change, argument checks and the one-line error reports, and the
 * netlink backend for real in a private network namespace (a forked child
 * unshares CLONE_NEWNET, builds veth, tap and bridge devices, changes them
 * through lnk and reads every effect back through its own netlink socket or
 * the ethtool ioctl; the parent asserts the child's verdict).
 *
 * This test host's kernel has neither 8021q nor bonding, so in the namespace
 * VLAN and bond creation are expected to fail with the kernel's EOPNOTSUPP
 * ("Unknown device type") and the test checks that error and its log line;
 * on a kernel that has them, it checks the devices instead. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "lnk.h"
#include "log.h"
#include "sbuf.h"

/* ---- Capturing the log ---- */

/* Runs with stderr sent to a temporary file; returns what was logged (caller frees). */
struct capture {
    int saved;
    FILE *f;
};

static void capture_start(struct capture *c)
{
    fflush(stderr);
    c->f = tmpfile();
    assert_non_null(c->f);
    c->saved = dup(2);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->f), 2) == 2);
}

static char *capture_end(struct capture *c)
{
    long n;
    char *text;

    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    n = ftell(c->f);
    text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    if (text && n > 0) {
        rewind(c->f);
        if (fread(text, 1, (size_t)n, c->f) != (size_t)n) {
            text[0] = '\0';
        }
    }
    fclose(c->f);
    return text;
}

static int setup_log(void **state)
{
    (void)state;
    xlog_open("lnk_test", false);
    xlog_set_level(XLOG_ERR);
    return 0;
}

/* ---- The fake ---- */

static void test_fake_devices(void **state)
{
    struct lnk *l;
    const uint8_t mac[6] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t got[6];
    char master[16];
    unsigned mtu = 0;
    int idx = 0;

    (void)state;
    assert_int_equal(lnk_fake_new(&l), 0);
    assert_int_equal(lnk_fake_add_device(l, "eth0", 2), 0);
    assert_int_equal(lnk_fake_add_device(l, "vif1.0", 7), 0);
    assert_int_equal(lnk_fake_add_device(l, "eth0", 3), -EEXIST);
    assert_int_equal(lnk_fake_add_device(l, "eth1", 7), -EEXIST);
    assert_int_equal(lnk_exists(l, "eth0"), 0);
    assert_int_equal(lnk_exists(l, "eth9"), -ENODEV);
    assert_int_equal(lnk_ifindex(l, "vif1.0", &idx), 0);
    assert_int_equal(idx, 7);
    assert_int_equal(lnk_get_mtu(l, "vif1.0", &mtu), 0);
    assert_int_equal(mtu, 1500);
    assert_int_equal(lnk_get_mac(l, "vif1.0", got), 0);
    assert_int_equal(got[0], 0x02);
    assert_int_equal(got[5], 7);

    assert_int_equal(lnk_set_up(l, "vif1.0", true), 0);
    assert_int_equal(lnk_set_up(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_mtu(l, "vif1.0", 9000), 0);
    assert_int_equal(lnk_get_mtu(l, "vif1.0", &mtu), 0);
    assert_int_equal(mtu, 9000);
    assert_int_equal(lnk_set_mac(l, "vif1.0", mac), 0);
    assert_int_equal(lnk_get_mac(l, "vif1.0", got), 0);
    assert_memory_equal(got, mac, 6);
    assert_int_equal(lnk_set_arp(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_multicast(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_promisc(l, "vif1.0", true), 0);
    assert_int_equal(lnk_flush_addrs(l, "vif1.0"), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "tso", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "lro", true), 0);
    assert_int_equal(lnk_add_bridge(l, "xenbr0"), 0);
    assert_int_equal(lnk_add_bridge(l, "xenbr0"), -EEXIST);
    assert_int_equal(lnk_set_bridge_fd(l, "xenbr0", 0), 0);
    assert_int_equal(lnk_set_bridge_fd(l, "eth0", 15), -EOPNOTSUPP);
    assert_int_equal(lnk_set_master(l, "vif1.0", "xenbr0"), 0);
    assert_int_equal(lnk_get_master(l, "vif1.0", master), 0);
    assert_string_equal(master, "xenbr0");
    assert_int_equal(lnk_set_brport_promisc(l, "vif1.0", true), 0);
    assert_int_equal(lnk_set_master(l, "vif1.0", "eth0"), -EOPNOTSUPP);
    assert_int_equal(lnk_set_master(l, "vif1.0", "nobr"), -ENODEV);
    assert_int_equal(lnk_add_vlan(l, "eth0.5", "eth0", 5), 0);
    assert_int_equal(lnk_add_vlan(l, "eth9.5", "eth9", 5), -ENODEV);
    assert_int_equal(lnk_add_bond(l, "bond0", "active-backup", 100, 31000, 200), 0);
    assert_int_equal(lnk_add_bond(l, "bond1", "balance-slb", 0, 0, 0), -EINVAL);
    assert_int_equal(lnk_set_master(l, "eth0", "bond0"), 0);
    assert_int_equal(lnk_set_master(l, "vif1.0", NULL), 0);
    assert_int_equal(lnk_get_master(l, "vif1.0", master), 0);
    assert_string_equal(master, "");
    /* Deleting the bond releases eth0; deleting eth0 takes its VLAN along. */
    assert_int_equal(lnk_del(l, "bond0"), 0);
    assert_int_equal(lnk_get_master(l, "eth0", master), 0);
    assert_string_equal(master, "");
    assert_int_equal(lnk_ifindex(l, "xenbr0", &idx), 0);
    assert_int_equal(idx, 8);
    assert_int_equal(lnk_del(l, "eth0"), 0);
    assert_int_equal(lnk_exists(l, "eth0.5"), -ENODEV);
    assert_int_equal(lnk_del(l, "eth0"), -ENODEV);
    assert_string_equal(lnk_fake_journal(l),
                        "ip link set dev vif1.0 up\n"
                        "ip link set dev vif1.0 down\n"
                        "ip link set dev vif1.0 mtu 9000\n"
                        "ip link set dev vif1.0 address fe:ff:ff:ff:ff:ff\n"
                        "ip link set dev vif1.0 arp off\n"
                        "ip link set dev vif1.0 multicast off\n"
                        "ip link set dev vif1.0 promisc on\n"
                        "ip addr flush dev vif1.0\n"
                        "ethtool -K vif1.0 tso off\n"
                        "ethtool -K vif1.0 lro on\n"
                        "ip link add xenbr0 type bridge\n"
                        "ip link set dev xenbr0 type bridge forward_delay 0\n"
                        "ip link set dev vif1.0 master xenbr0\n"
                        "ip link set dev vif1.0 promisc on\n"
                        "ip link add link eth0 name eth0.5 type vlan id 5\n"
                        "ip link add bond0 type bond mode active-backup miimon 100 updelay 31000 "
                        "downdelay 200\n"
                        "ip link set dev eth0 master bond0\n"
                        "ip link set dev vif1.0 nomaster\n"
                        "ip link del bond0\n"
                        "ip link del eth0\n");
    lnk_close(l);
}

static void test_fake_failures(void **state)
{
    struct lnk *l;
    struct capture c;
    char *logged;
    int rcs[3];

    (void)state;
    assert_int_equal(lnk_fake_new(&l), 0);
    assert_int_equal(lnk_fake_add_device(l, "vif1.0", 5), 0);
    lnk_fake_fail(l, "vif1.0", -EINVAL);
    capture_start(&c);
    rcs[0] = lnk_set_mtu(l, "vif1.0", 9000);
    rcs[1] = lnk_set_up(l, "vif1.0", true);
    rcs[2] = lnk_set_mtu(l, "vif9.0", 1500);
    logged = capture_end(&c);
    assert_int_equal(rcs[0], -EINVAL);
    assert_int_equal(rcs[1], -EINVAL);
    assert_int_equal(rcs[2], -ENODEV);
    assert_non_null(logged);
    assert_string_equal(logged, "vif1.0: cannot set MTU 9000: Invalid argument\n"
                                "vif1.0: cannot bring the link up: Invalid argument\n"
                                "vif9.0: cannot set MTU 1500: No such device\n");
    free(logged);
    /* Queries are not changes: they still answer. */
    assert_int_equal(lnk_exists(l, "vif1.0"), 0);
    lnk_fake_fail(l, "vif1.0", 0);
    assert_int_equal(lnk_set_mtu(l, "vif1.0", 1400), 0);
    /* The fake keeps the kernel's rules. */
    assert_int_equal(lnk_set_mtu(l, "vif1.0", 60), -EINVAL);
    assert_int_equal(lnk_set_mac(l, "vif1.0", (const uint8_t[6]){1, 0, 0, 0, 0, 1}),
                     -EADDRNOTAVAIL);
    assert_int_equal(lnk_set_master(l, "vif1.0", "vif1.0"), -EOPNOTSUPP);
    assert_string_equal(lnk_fake_journal(l), "ip link set dev vif1.0 mtu 1400\n");
    lnk_close(l);
}

/* Bad names and arguments are refused by every backend before anything happens. */
static void test_validation(void **state)
{
    static const char *const bad[] = {
            "", ".", "..", "a/b", "a b", "a\tb", "a:b", "sixteen-chars-xx", "new\nline"};
    struct sbuf out = SBUF_INIT;
    struct lnk *ls[2];
    struct capture c;
    char *logged;
    int rcs[3];
    size_t i, k;

    (void)state;
    assert_int_equal(lnk_fake_new(&ls[0]), 0);
    assert_int_equal(lnk_dry_run_new(&out, &ls[1]), 0);
    assert_int_equal(lnk_fake_add_device(ls[0], "eth0", 2), 0);
    for (k = 0; k < 2; k++) {
        struct lnk *l = ls[k];

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            assert_int_equal(lnk_set_up(l, bad[i], true), -EINVAL);
            assert_int_equal(lnk_exists(l, bad[i]), -EINVAL);
            assert_int_equal(lnk_add_bridge(l, bad[i]), -EINVAL);
            assert_int_equal(lnk_set_master(l, "eth0", bad[i]), -EINVAL);
        }
        assert_int_equal(lnk_set_up(l, NULL, true), -EINVAL);
        assert_int_equal(lnk_set_offload(l, "eth0", NULL, false), -EINVAL);
        assert_int_equal(lnk_add_bond(l, "bond0", "round-robin", 0, 0, 0), -EINVAL);
        assert_int_equal(lnk_set_bridge_fd(l, "eth0", 50000000), -ERANGE);
        /* The one-line reports, captured around the calls only, so that a failed assertion
         * is never hidden in the capture. */
        capture_start(&c);
        rcs[0] = lnk_set_up(l, "new\nline", true);
        rcs[1] = lnk_set_offload(l, "eth0", "tcp", false);
        rcs[2] = lnk_add_vlan(l, "eth0.4095", "eth0", 4095);
        logged = capture_end(&c);
        assert_int_equal(rcs[0], -EINVAL);
        assert_int_equal(rcs[1], -EINVAL);
        assert_int_equal(rcs[2], -EINVAL);
        assert_non_null(logged);
        assert_string_equal(logged, "cannot bring the link up: invalid device name \"new?line\"\n"
                                    "eth0: cannot set offload: unknown feature \"tcp\"\n"
                                    "eth0.4095: cannot add VLAN 4095 on eth0: Invalid argument\n");
        free(logged);
    }
    /* The longest legal name. */
    assert_int_equal(lnk_add_bridge(ls[0], "fifteen-chars-x"), 0);
    assert_string_equal(lnk_fake_journal(ls[0]), "ip link add fifteen-chars-x type bridge\n");
    assert_string_equal(sbuf_str(&out), "");
    lnk_close(ls[0]);
    lnk_close(ls[1]);
    sbuf_free(&out);
    /* Fake-only calls refuse other backends. */
    assert_int_equal(lnk_open(&ls[0]), 0);
    assert_int_equal(lnk_fake_add_device(ls[0], "x0", 1), -EINVAL);
    lnk_close(ls[0]);
}

static void test_dry_run(void **state)
{
    struct sbuf out = SBUF_INIT;
    const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c};
    struct lnk *l;
    unsigned mtu = 0;
    int idx = 0;

    (void)state;
    assert_int_equal(lnk_dry_run_new(&out, &l), 0);
    /* Queries read the real kernel. */
    assert_int_equal(lnk_ifindex(l, "lo", &idx), 0);
    assert_int_equal(idx, 1);
    assert_int_equal(lnk_get_mtu(l, "lo", &mtu), 0);
    assert_true(mtu > 0);
    assert_int_equal(lnk_exists(l, "no-such-dev0"), -ENODEV);
    /* Changes print, whether the devices exist or not (earlier steps of a plan make them). */
    assert_int_equal(lnk_set_up(l, "vif1.0", true), 0);
    assert_int_equal(lnk_set_up(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_mtu(l, "vif1.0", 1500), 0);
    assert_int_equal(lnk_set_mac(l, "vif1.0", mac), 0);
    assert_int_equal(lnk_set_arp(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_arp(l, "vif1.0", true), 0);
    assert_int_equal(lnk_set_multicast(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_promisc(l, "vif1.0", true), 0);
    assert_int_equal(lnk_set_promisc(l, "vif1.0", false), 0);
    assert_int_equal(lnk_set_brport_promisc(l, "vif1.0", true), 0);
    assert_int_equal(lnk_flush_addrs(l, "vif1.0"), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "rx", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "tx", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "sg", true), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "tso", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "ufo", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "gso", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "gro", false), 0);
    assert_int_equal(lnk_set_offload(l, "vif1.0", "lro", false), 0);
    assert_int_equal(lnk_add_bridge(l, "xenbr0"), 0);
    assert_int_equal(lnk_add_vlan(l, "eth0.5", "eth0", 5), 0);
    assert_int_equal(lnk_add_bond(l, "bond0", "balance-slb", 0, 0, 0), -EINVAL);
    assert_int_equal(lnk_add_bond(l, "bond0", "802.3ad", 100, 31000, 200), 0);
    assert_int_equal(lnk_add_bond(l, "bond1", "balance-alb", 0, 0, 0), 0);
    assert_int_equal(lnk_del(l, "bond1"), 0);
    assert_int_equal(lnk_set_master(l, "vif1.0", "xenbr0"), 0);
    assert_int_equal(lnk_set_master(l, "vif1.0", NULL), 0);
    assert_int_equal(lnk_set_bridge_fd(l, "xenbr0", 15), 0);
    assert_int_equal(lnk_add_addr(l, "xenbr0", "10.0.0.2/24"), 0);
    assert_int_equal(lnk_set_default_route(l, "xenbr0", "10.0.0.1"), 0);
    assert_int_equal(lnk_set_default_route(l, "xenbr0", "fe80::1"), 0);
    assert_int_equal(lnk_add_addr(l, "xenbr0", "10.0.0.2/33"), -EINVAL);
    assert_string_equal(sbuf_str(&out),
                        "ip link set dev vif1.0 up\n"
                        "ip link set dev vif1.0 down\n"
                        "ip link set dev vif1.0 mtu 1500\n"
                        "ip link set dev vif1.0 address 00:16:3e:0a:0b:0c\n"
                        "ip link set dev vif1.0 arp off\n"
                        "ip link set dev vif1.0 arp on\n"
                        "ip link set dev vif1.0 multicast off\n"
                        "ip link set dev vif1.0 promisc on\n"
                        "ip link set dev vif1.0 promisc off\n"
                        "ip link set dev vif1.0 promisc on\n"
                        "ip addr flush dev vif1.0\n"
                        "ethtool -K vif1.0 rx off\n"
                        "ethtool -K vif1.0 tx off\n"
                        "ethtool -K vif1.0 sg on\n"
                        "ethtool -K vif1.0 tso off\n"
                        "ethtool -K vif1.0 ufo off\n"
                        "ethtool -K vif1.0 gso off\n"
                        "ethtool -K vif1.0 gro off\n"
                        "ethtool -K vif1.0 lro off\n"
                        "ip link add xenbr0 type bridge\n"
                        "ip link add link eth0 name eth0.5 type vlan id 5\n"
                        "ip link add bond0 type bond mode 802.3ad miimon 100 updelay 31000 "
                        "downdelay 200\n"
                        "ip link add bond1 type bond mode balance-alb\n"
                        "ip link del bond1\n"
                        "ip link set dev vif1.0 master xenbr0\n"
                        "ip link set dev vif1.0 nomaster\n"
                        "ip link set dev xenbr0 type bridge forward_delay 1500\n"
                        "ip addr add 10.0.0.2/24 dev xenbr0\n"
                        "ip route replace default via 10.0.0.1 dev xenbr0\n"
                        "ip -6 route replace default via fe80::1 dev xenbr0\n");
    /* Nothing is created for real. */
    assert_int_equal(lnk_add_bridge(l, "xvsdry0"), 0);
    assert_int_equal(lnk_exists(l, "xvsdry0"), -ENODEV);
    lnk_close(l);
    sbuf_free(&out);
}

/* ---- The netlink backend, in a private network namespace ---- */

/* In the child, a failed check prints where and exits 1; cmocka is not usable there. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "lnk_test child: %s:%d: check failed: %s\n", __FILE__, __LINE__,       \
                    #cond);                                                                        \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)
#define CHECK_RC(expr, want)                                                                       \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != (want)) {                                                                       \
            fprintf(stderr, "lnk_test child: %s:%d: %s returned %d (%s), want %d\n", __FILE__,     \
                    __LINE__, #expr, rc_, strerror(rc_ < 0 ? -rc_ : 0), (want));                   \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

/* The kernel's view of a link through our own socket. */
static struct rtnl_link *kernel_link(struct nl_sock *sk, const char *name)
{
    struct rtnl_link *link = NULL;

    CHECK_RC(rtnl_link_get_kernel(sk, 0, name, &link), 0);
    return link;
}

static unsigned kernel_flags(struct nl_sock *sk, const char *name)
{
    struct rtnl_link *link = kernel_link(sk, name);
    unsigned flags = rtnl_link_get_flags(link);

    rtnl_link_put(link);
    return flags;
}

static int count_addrs(struct nl_sock *sk, int ifindex)
{
    struct nl_cache *cache = NULL;
    struct nl_object *obj;
    int n = 0;

    CHECK_RC(rtnl_addr_alloc_cache(sk, &cache), 0);
    for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
        if (rtnl_addr_get_ifindex((struct rtnl_addr *)obj) == ifindex) {
            n++;
        }
    }
    nl_cache_free(cache);
    return n;
}

static void add_addr(struct nl_sock *sk, int ifindex, const char *cidr, int family)
{
    struct rtnl_addr *a = rtnl_addr_alloc();
    struct nl_addr *local = NULL;

    CHECK(a);
    CHECK_RC(nl_addr_parse(cidr, family, &local), 0);
    rtnl_addr_set_ifindex(a, ifindex);
    CHECK_RC(rtnl_addr_set_local(a, local), 0);
    CHECK_RC(rtnl_addr_add(sk, a, 0), 0);
    nl_addr_put(local);
    rtnl_addr_put(a);
}

/* Reads one ethtool value (ETHTOOL_G*). */
static unsigned ethtool_get(const char *dev, uint32_t cmd)
{
    struct ethtool_value ev = {cmd, 0};
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    CHECK(fd >= 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
    ifr.ifr_data = (void *)&ev;
    CHECK(ioctl(fd, SIOCETHTOOL, &ifr) == 0);
    close(fd);
    return ev.data;
}

struct fd_query {
    int ifindex;
    long fd; /* -1 until found. */
};

static int fd_parse(struct nl_msg *msg, void *arg)
{
    struct fd_query *q = arg;
    struct nlmsghdr *h = nlmsg_hdr(msg);
    struct ifinfomsg *ifi = nlmsg_data(h);
    struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *br[IFLA_BR_MAX + 1];

    if (h->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != q->ifindex ||
        nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_LINKINFO] ||
        nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 || !li[IFLA_INFO_DATA] ||
        nla_parse_nested(br, IFLA_BR_MAX, li[IFLA_INFO_DATA], NULL) < 0 ||
        !br[IFLA_BR_FORWARD_DELAY]) {
        return NL_OK;
    }
    q->fd = nla_get_u32(br[IFLA_BR_FORWARD_DELAY]);
    return NL_OK;
}

/* A bridge's forward delay in clock_t ticks, read with RTM_GETLINK. */
static long kernel_bridge_fd(const char *name)
{
    struct nl_sock *sk = nl_socket_alloc();
    struct rtnl_link *link;
    struct fd_query q = {0, -1};
    struct ifinfomsg ifi;
    struct nl_msg *msg;

    CHECK(sk);
    CHECK_RC(nl_connect(sk, NETLINK_ROUTE), 0);
    link = kernel_link(sk, name);
    q.ifindex = rtnl_link_get_ifindex(link);
    rtnl_link_put(link);
    CHECK_RC(nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, fd_parse, &q), 0);
    msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
    CHECK(msg);
    memset(&ifi, 0, sizeof(ifi));
    ifi.ifi_index = q.ifindex;
    CHECK_RC(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
    CHECK(nl_send_auto(sk, msg) >= 0);
    nlmsg_free(msg);
    CHECK_RC(nl_recvmsgs_default(sk), 0);
    nl_socket_free(sk);
    return q.fd;
}

/* A persistent tap device made through /dev/net/tun. */
static void make_tap(const char *name)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    CHECK(fd >= 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    CHECK(ioctl(fd, TUNSETIFF, &ifr) == 0);
    CHECK(ioctl(fd, TUNSETPERSIST, 1) == 0);
    close(fd);
}

/* Runs "expr", capturing the log, and checks the result and the logged line. */
#define CHECK_LOGGED(expr, want_rc, want_log)                                                      \
    do {                                                                                           \
        struct capture c_;                                                                         \
        char *log_;                                                                                \
        c_.f = tmpfile();                                                                          \
        CHECK(c_.f);                                                                               \
        fflush(stderr);                                                                            \
        c_.saved = dup(2);                                                                         \
        dup2(fileno(c_.f), 2);                                                                     \
        int r_ = (expr);                                                                           \
        log_ = capture_end(&c_);                                                                   \
        CHECK_RC(r_, want_rc);                                                                     \
        CHECK(log_ &&strstr(log_, want_log));                                                      \
        free(log_);                                                                                \
    } while (0)

/* Runs every line the dry-run backend printed with the real ip and ethtool, so the
 * printed plan is proven to be the same change as the netlink backend's. */
static void run_dry_run_lines(const char *text)
{
    char *copy = strdup(text), *line, *save = NULL;

    CHECK(copy);
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char cmd[320];

        snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", line);
        if (system(cmd) != 0) {
            fprintf(stderr, "lnk_test child: dry-run line failed when run: %s\n", line);
            _exit(1);
        }
    }
    free(copy);
}

/* The dry-run plan for a set of changes, executed for real, has their effects. */
static void dry_run_equivalence(struct nl_sock *sk)
{
    const uint8_t mac[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    struct sbuf out = SBUF_INIT;
    struct rtnl_link *link;
    struct nl_addr *a;
    struct lnk *d, *l;
    char master[16];
    unsigned flags;
    int idx;

    if (system("command -v ip >/dev/null && command -v ethtool >/dev/null") != 0) {
        fprintf(stderr, "lnk_test child: ip or ethtool missing: dry-run replay not checked\n");
        return;
    }
    CHECK_RC(lnk_open(&l), 0);
    CHECK_RC(lnk_dry_run_new(&out, &d), 0);
    CHECK_RC(lnk_ifindex(l, "vt0", &idx), 0);
    add_addr(sk, idx, "198.51.100.1/24", AF_INET);
    CHECK_RC(lnk_add_bridge(d, "br1"), 0);
    CHECK_RC(lnk_set_bridge_fd(d, "br1", 3), 0);
    CHECK_RC(lnk_set_mtu(d, "vt0", 1400), 0);
    CHECK_RC(lnk_set_mac(d, "vt0", mac), 0);
    CHECK_RC(lnk_set_arp(d, "vt0", false), 0);
    CHECK_RC(lnk_set_multicast(d, "vt0", false), 0);
    CHECK_RC(lnk_set_promisc(d, "vt0", true), 0);
    CHECK_RC(lnk_flush_addrs(d, "vt0"), 0);
    CHECK_RC(lnk_set_offload(d, "vt0", "tso", false), 0);
    CHECK_RC(lnk_set_master(d, "vt0", "br1"), 0);
    CHECK_RC(lnk_set_up(d, "vt0", true), 0);
    /* Nothing happened yet. */
    CHECK_RC(lnk_exists(l, "br1"), -ENODEV);
    run_dry_run_lines(sbuf_str(&out));
    CHECK(kernel_bridge_fd("br1") == 300);
    link = kernel_link(sk, "vt0");
    flags = rtnl_link_get_flags(link);
    CHECK(rtnl_link_get_mtu(link) == 1400);
    a = rtnl_link_get_addr(link);
    CHECK(a && nl_addr_get_len(a) == 6 && memcmp(nl_addr_get_binary_addr(a), mac, 6) == 0);
    rtnl_link_put(link);
    CHECK((flags & IFF_NOARP) && !(flags & IFF_MULTICAST) && (flags & IFF_PROMISC) &&
          (flags & IFF_UP));
    CHECK(count_addrs(sk, idx) == 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GTSO) == 0);
    CHECK_RC(lnk_get_master(l, "vt0", master), 0);
    CHECK(strcmp(master, "br1") == 0);
    /* And back, through the dry-run lines again. */
    sbuf_reset(&out);
    CHECK_RC(lnk_set_master(d, "vt0", NULL), 0);
    CHECK_RC(lnk_set_arp(d, "vt0", true), 0);
    CHECK_RC(lnk_set_multicast(d, "vt0", true), 0);
    CHECK_RC(lnk_set_promisc(d, "vt0", false), 0);
    CHECK_RC(lnk_set_offload(d, "vt0", "tso", true), 0);
    CHECK_RC(lnk_set_mtu(d, "vt0", 1500), 0);
    CHECK_RC(lnk_set_up(d, "vt0", false), 0);
    CHECK_RC(lnk_del(d, "br1"), 0);
    run_dry_run_lines(sbuf_str(&out));
    CHECK_RC(lnk_exists(l, "br1"), -ENODEV);
    flags = kernel_flags(sk, "vt0");
    CHECK(!(flags & IFF_NOARP) && (flags & IFF_MULTICAST) && !(flags & IFF_PROMISC) &&
          !(flags & IFF_UP));
    CHECK(ethtool_get("vt0", ETHTOOL_GTSO) == 1);
    CHECK_RC(lnk_get_master(l, "vt0", master), 0);
    CHECK(master[0] == '\0');
    lnk_close(d);
    lnk_close(l);
    sbuf_free(&out);
}

static void netns_child(void)
{
    const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    struct nl_sock *sk;
    struct rtnl_link *link;
    struct nl_addr *a;
    struct lnk *l;
    char master[16];
    uint8_t got[6];
    unsigned mtu;
    int idx, rc;

    sk = nl_socket_alloc();
    CHECK(sk);
    CHECK_RC(nl_connect(sk, NETLINK_ROUTE), 0);
    CHECK_RC(rtnl_link_veth_add(sk, "vt0", "vt1", getpid()), 0);
    make_tap("tap0");
    CHECK_RC(lnk_open(&l), 0);

    /* Queries. */
    CHECK_RC(lnk_exists(l, "vt0"), 0);
    CHECK_RC(lnk_exists(l, "vt9"), -ENODEV);
    CHECK_RC(lnk_ifindex(l, "vt0", &idx), 0);
    link = kernel_link(sk, "vt0");
    CHECK(idx == rtnl_link_get_ifindex(link));
    rtnl_link_put(link);
    CHECK_RC(lnk_get_mtu(l, "vt0", &mtu), 0);
    CHECK(mtu == 1500);

    /* Up and down. */
    CHECK_RC(lnk_set_up(l, "tap0", true), 0);
    CHECK(kernel_flags(sk, "tap0") & IFF_UP);
    CHECK_RC(lnk_set_up(l, "tap0", false), 0);
    CHECK(!(kernel_flags(sk, "tap0") & IFF_UP));
    CHECK_RC(lnk_set_up(l, "nodev0", true), -ENODEV);

    /* MTU, with the kernel's refusal reported. */
    CHECK_RC(lnk_set_mtu(l, "vt0", 9000), 0);
    link = kernel_link(sk, "vt0");
    CHECK(rtnl_link_get_mtu(link) == 9000);
    rtnl_link_put(link);
    CHECK_RC(lnk_get_mtu(l, "vt0", &mtu), 0);
    CHECK(mtu == 9000);
    CHECK_LOGGED(lnk_set_mtu(l, "vt0", 10), -EINVAL, "vt0: cannot set MTU 10: Invalid argument");

    /* MAC. */
    CHECK_RC(lnk_set_mac(l, "tap0", mac), 0);
    link = kernel_link(sk, "tap0");
    a = rtnl_link_get_addr(link);
    CHECK(a && nl_addr_get_len(a) == 6 && memcmp(nl_addr_get_binary_addr(a), mac, 6) == 0);
    rtnl_link_put(link);
    CHECK_RC(lnk_get_mac(l, "tap0", got), 0);
    CHECK(memcmp(got, mac, 6) == 0);

    /* ARP, multicast, promiscuity. */
    CHECK_RC(lnk_set_arp(l, "tap0", false), 0);
    CHECK(kernel_flags(sk, "tap0") & IFF_NOARP);
    CHECK_RC(lnk_set_arp(l, "tap0", true), 0);
    CHECK(!(kernel_flags(sk, "tap0") & IFF_NOARP));
    CHECK(kernel_flags(sk, "tap0") & IFF_MULTICAST);
    CHECK_RC(lnk_set_multicast(l, "tap0", false), 0);
    CHECK(!(kernel_flags(sk, "tap0") & IFF_MULTICAST));
    CHECK_RC(lnk_set_promisc(l, "tap0", true), 0);
    CHECK(kernel_flags(sk, "tap0") & IFF_PROMISC);
    CHECK_RC(lnk_set_promisc(l, "tap0", false), 0);
    CHECK(!(kernel_flags(sk, "tap0") & IFF_PROMISC));

    /* Flushing addresses, IPv4 (with a secondary) and IPv6. */
    CHECK_RC(lnk_set_up(l, "vt0", true), 0);
    CHECK_RC(lnk_ifindex(l, "vt0", &idx), 0);
    add_addr(sk, idx, "192.0.2.1/24", AF_INET);
    add_addr(sk, idx, "192.0.2.2/24", AF_INET);
    add_addr(sk, idx, "2001:db8::1/64", AF_INET6);
    CHECK(count_addrs(sk, idx) >= 3);
    CHECK_RC(lnk_flush_addrs(l, "vt0"), 0);
    CHECK(count_addrs(sk, idx) == 0);
    CHECK_RC(lnk_flush_addrs(l, "vt0"), 0);
    /* Addresses and the default route, as the management interface needs them. */
    CHECK_RC(lnk_add_addr(l, "vt0", "192.0.2.5/24"), 0);
    CHECK_RC(lnk_add_addr(l, "vt0", "2001:db8::5/64"), 0);
    CHECK(count_addrs(sk, idx) >= 2);
    CHECK_LOGGED(lnk_add_addr(l, "vt0", "192.0.2.5/24"), -EEXIST,
                 "vt0: cannot add address 192.0.2.5/24: File exists");
    CHECK_RC(lnk_add_addr(l, "vt0", "192.0.2.300/24"), -EINVAL);
    CHECK_RC(lnk_set_default_route(l, "vt0", "192.0.2.1"), 0);
    CHECK_RC(lnk_set_default_route(l, "vt0", "192.0.2.254"), 0);
    CHECK(system("ip route show default | grep -q '^default via 192.0.2.254 dev vt0'") == 0);
    CHECK(system("[ $(ip route show default | wc -l) -eq 1 ]") == 0);
    CHECK_RC(lnk_set_default_route(l, "vt0", "192.0.2.1/24"), -EINVAL);
    CHECK_RC(lnk_flush_addrs(l, "vt0"), 0);

    /* Bridges: add, forward delay, ports, promiscuity of a port, release, delete. */
    CHECK_RC(lnk_add_bridge(l, "br0"), 0);
    link = kernel_link(sk, "br0");
    CHECK(strcmp(rtnl_link_get_type(link) ? rtnl_link_get_type(link) : "", "bridge") == 0);
    rtnl_link_put(link);
    CHECK_LOGGED(lnk_add_bridge(l, "br0"), -EEXIST, "br0: cannot add bridge: File exists");
    CHECK_RC(lnk_set_bridge_fd(l, "br0", 0), 0);
    CHECK(kernel_bridge_fd("br0") == 0);
    CHECK_RC(lnk_set_bridge_fd(l, "br0", 7), 0);
    CHECK(kernel_bridge_fd("br0") == 700);
    CHECK_RC(lnk_set_bridge_fd(l, "tap0", 7), -EOPNOTSUPP);
    CHECK_RC(lnk_set_master(l, "tap0", "br0"), 0);
    CHECK_RC(lnk_get_master(l, "tap0", master), 0);
    CHECK(strcmp(master, "br0") == 0);
    link = kernel_link(sk, "tap0");
    idx = rtnl_link_get_promiscuity(link);
    rtnl_link_put(link);
    CHECK_RC(lnk_set_brport_promisc(l, "tap0", true), 0);
    link = kernel_link(sk, "tap0");
    CHECK((int)rtnl_link_get_promiscuity(link) == idx + 1);
    rtnl_link_put(link);
    CHECK_RC(lnk_set_brport_promisc(l, "tap0", false), 0);
    link = kernel_link(sk, "tap0");
    CHECK((int)rtnl_link_get_promiscuity(link) == idx);
    rtnl_link_put(link);
    CHECK_RC(lnk_set_master(l, "tap0", NULL), 0);
    CHECK_RC(lnk_get_master(l, "tap0", master), 0);
    CHECK(master[0] == '\0');
    CHECK_RC(lnk_set_master(l, "tap0", "vt1"), -EOPNOTSUPP);
    CHECK_RC(lnk_set_master(l, "tap0", "nobr0"), -ENODEV);
    CHECK_RC(lnk_set_master(l, "vt1", "br0"), 0);
    CHECK_RC(lnk_del(l, "br0"), 0);
    CHECK_RC(lnk_exists(l, "br0"), -ENODEV);
    CHECK_RC(lnk_get_master(l, "vt1", master), 0);
    CHECK(master[0] == '\0');
    CHECK_RC(lnk_del(l, "br0"), -ENODEV);

    /* Offloads on a veth, read back with the ethtool get commands. */
    CHECK_RC(lnk_set_offload(l, "vt0", "tx", false), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GTXCSUM) == 0);
    CHECK_RC(lnk_set_offload(l, "vt0", "tx", true), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GTXCSUM) == 1);
    CHECK_RC(lnk_set_offload(l, "vt0", "sg", false), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GSG) == 0);
    CHECK_RC(lnk_set_offload(l, "vt0", "sg", true), 0);
    CHECK_RC(lnk_set_offload(l, "vt0", "tso", false), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GTSO) == 0);
    CHECK_RC(lnk_set_offload(l, "vt0", "tso", true), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GTSO) == 1);
    CHECK_RC(lnk_set_offload(l, "vt0", "rx", false), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GRXCSUM) == 0);
    CHECK_RC(lnk_set_offload(l, "vt0", "gso", false), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GGSO) == 0);
    CHECK_RC(lnk_set_offload(l, "vt0", "gro", false), 0);
    CHECK(ethtool_get("vt0", ETHTOOL_GGRO) == 0);
    /* LRO is fixed off on veth: turning it off is a no-op, on is the driver's refusal. */
    CHECK_RC(lnk_set_offload(l, "vt0", "lro", false), 0);
    CHECK(!(ethtool_get("vt0", ETHTOOL_GFLAGS) & ETH_FLAG_LRO));
    CHECK_LOGGED(lnk_set_offload(l, "vt0", "lro", true), -EOPNOTSUPP,
                 "vt0: cannot turn offload lro on: Operation not supported");
    /* UFO no longer exists in Linux (4.14 removed it): the kernel refuses the command. */
    rc = lnk_set_offload(l, "vt0", "ufo", false);
    CHECK(rc == -EOPNOTSUPP || rc == 0);
    CHECK_RC(lnk_set_offload(l, "nodev0", "tx", false), -ENODEV);

    /* VLANs and bonds: see the file comment about this host's kernel. */
    CHECK_RC(lnk_add_vlan(l, "vt0.5", "nodev0", 5), -ENODEV);
    CHECK_RC(lnk_ifindex(l, "vt0", &idx), 0);
    rc = lnk_add_vlan(l, "vt0.5", "vt0", 5);
    if (rc == 0) {
        link = kernel_link(sk, "vt0.5");
        CHECK(rtnl_link_get_link(link) == idx);
        rtnl_link_put(link);
        CHECK_RC(lnk_del(l, "vt0.5"), 0);
    } else {
        CHECK_LOGGED(lnk_add_vlan(l, "vt0.5", "vt0", 5), -EOPNOTSUPP,
                     "vt0.5: cannot add VLAN 5 on vt0: Operation not supported");
    }
    rc = lnk_add_bond(l, "bond0", "active-backup", 100, 200, 300);
    if (rc == 0) {
        CHECK_RC(lnk_set_master(l, "tap0", "bond0"), 0);
        CHECK_RC(lnk_get_master(l, "tap0", master), 0);
        CHECK(strcmp(master, "bond0") == 0);
        CHECK_RC(lnk_del(l, "bond0"), 0);
    } else {
        CHECK_LOGGED(lnk_add_bond(l, "bond0", "active-backup", 100, 200, 300), -EOPNOTSUPP,
                     "bond0: cannot add bond (mode active-backup): Operation not supported");
    }

    dry_run_equivalence(sk);
    CHECK_RC(lnk_del(l, "tap0"), 0);
    CHECK_RC(lnk_del(l, "vt0"), 0);
    CHECK_RC(lnk_exists(l, "vt1"), -ENODEV);
    lnk_close(l);
    nl_socket_free(sk);
    _exit(0);
}

static void test_netlink_netns(void **state)
{
    pid_t pid;
    int status;

    (void)state;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) < 0) {
            _exit(errno == EPERM ? 77 : 2);
        }
        netns_child();
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        fprintf(stderr, "lnk_test: unshare(CLONE_NEWNET) not permitted (not root?): netlink "
                        "backend case SKIPPED\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fake_devices),  cmocka_unit_test(test_fake_failures),
            cmocka_unit_test(test_validation),    cmocka_unit_test(test_dry_run),
            cmocka_unit_test(test_netlink_netns),
    };

    return cmocka_run_group_tests(tests, setup_log, NULL);
}
