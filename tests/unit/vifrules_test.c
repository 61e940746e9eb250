/* Unit tests for setup-vif-rules' rule generator (libexec/setup-vif-rules/
 * vifrules.c): the locked-mode OpenFlow rules compared literally with the
 * lines of spec §3.1 for 0, 1 and 2 allowed IPv4 and IPv6 addresses, no rules
 * for the other modes, every rule accepted by the ovs-ofctl parser
 * (lib/ofp_text) with the fields it names, the ebtables commands, and the
 * validators of MACs, addresses, modes, names and numbers.  Also the Linux
 * bridge backend that applies the ebtables rules (svr_bridge.c), against the
 * lib/lnk fake and the lib/exec recording fake: order, rollback, legacy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../libexec/setup-vif-rules/svr.h"
#include "../../libexec/setup-vif-rules/vifrules.h"
#include "exec.h"
#include "lnk.h"
#include "log.h"
#include "ofp.h"
#include "ofp_text.h"
#include "paths.h"
#include "sbuf.h"

#define MAC "00:16:3e:5a:01:02"

/* The spec's lines with P=5, M=00:16:3e:5a:01:02, A1=10.0.0.2, A2=192.168.1.77, B1=fd00::2,
 * B2=2001:db8::7, written out by hand. */
static const char *const head[] = {
        "cookie=1,in_port=5,priority=8000,dl_type=0x0800,nw_proto=0x11,tp_dst=67,"
        "dl_src=00:16:3e:5a:01:02,idle_timeout=0,action=normal",
        "cookie=1,in_port=5,priority=7000,dl_type=0x0806,dl_src=00:16:3e:5a:01:02,"
        "arp_sha=00:16:3e:5a:01:02,nw_src=0.0.0.0,idle_timeout=0,action=normal",
};
static const char *const v4[2][2] = {
        {"cookie=1,in_port=5,priority=7000,dl_type=0x0806,dl_src=00:16:3e:5a:01:02,"
         "arp_sha=00:16:3e:5a:01:02,nw_src=10.0.0.2,idle_timeout=0,action=normal",
         "cookie=1,in_port=5,priority=6000,dl_type=0x0800,nw_src=10.0.0.2,"
         "dl_src=00:16:3e:5a:01:02,idle_timeout=0,action=normal"},
        {"cookie=1,in_port=5,priority=7000,dl_type=0x0806,dl_src=00:16:3e:5a:01:02,"
         "arp_sha=00:16:3e:5a:01:02,nw_src=192.168.1.77,idle_timeout=0,action=normal",
         "cookie=1,in_port=5,priority=6000,dl_type=0x0800,nw_src=192.168.1.77,"
         "dl_src=00:16:3e:5a:01:02,idle_timeout=0,action=normal"},
};
static const char *const v6[2][5] = {
        {"cookie=1,in_port=5,priority=8000,dl_src=00:16:3e:5a:01:02,icmp6,ipv6_src=fd00::2,"
         "icmp_type=135,nd_sll=00:16:3e:5a:01:02,idle_timeout=0,action=normal",
         "cookie=1,in_port=5,priority=8000,dl_src=00:16:3e:5a:01:02,icmp6,ipv6_src=fd00::2,"
         "icmp_type=136,nd_target=fd00::2,idle_timeout=0,action=normal",
         "cookie=1,in_port=5,priority=5000,dl_src=00:16:3e:5a:01:02,ipv6_src=fd00::2,icmp6,"
         "action=normal",
         "cookie=1,in_port=5,priority=5000,dl_src=00:16:3e:5a:01:02,ipv6_src=fd00::2,tcp6,"
         "action=normal",
         "cookie=1,in_port=5,priority=5000,dl_src=00:16:3e:5a:01:02,ipv6_src=fd00::2,udp6,"
         "action=normal"},
        {"cookie=1,in_port=5,priority=8000,dl_src=00:16:3e:5a:01:02,icmp6,ipv6_src=2001:db8::7,"
         "icmp_type=135,nd_sll=00:16:3e:5a:01:02,idle_timeout=0,action=normal",
         "cookie=1,in_port=5,priority=8000,dl_src=00:16:3e:5a:01:02,icmp6,ipv6_src=2001:db8::7,"
         "icmp_type=136,nd_target=2001:db8::7,idle_timeout=0,action=normal",
         "cookie=1,in_port=5,priority=5000,dl_src=00:16:3e:5a:01:02,ipv6_src=2001:db8::7,icmp6,"
         "action=normal",
         "cookie=1,in_port=5,priority=5000,dl_src=00:16:3e:5a:01:02,ipv6_src=2001:db8::7,tcp6,"
         "action=normal",
         "cookie=1,in_port=5,priority=5000,dl_src=00:16:3e:5a:01:02,ipv6_src=2001:db8::7,udp6,"
         "action=normal"},
};
static const char *const tail[] = {
        "cookie=1,in_port=5,priority=7000,icmp6,icmp_type=135,action=drop",
        "cookie=1,in_port=5,priority=7000,icmp6,icmp_type=136,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=134,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=137,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=146,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=147,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=151,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=152,action=drop",
        "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=153,action=drop",
        "cookie=1,in_port=5,priority=4000,idle_timeout=0,action=drop",
};

static void make_lock(struct vfr_lock *l, enum vfr_locking mode, size_t n4, size_t n6)
{
    /* The second addresses are given in non-canonical spellings on purpose. */
    static const char *const a4[] = {"10.0.0.2", "192.168.1.77"};
    static const char *const a6[] = {"FD00::2", "2001:0db8:0:0:0:0:0:7"};

    memset(l, 0, sizeof *l);
    l->mode = mode;
    assert_int_equal(vfr_parse_mac("00:16:3E:5A:01:02", l->mac), 0);
    for (size_t i = 0; i < n4; i++) {
        assert_int_equal(vfr_add_ipv4(l, a4[i]), 0);
    }
    for (size_t i = 0; i < n6; i++) {
        assert_int_equal(vfr_add_ipv6(l, a6[i]), 0);
    }
}

static void test_locked_rules_literal(void **state)
{
    (void)state;
    for (size_t n4 = 0; n4 <= 2; n4++) {
        for (size_t n6 = 0; n6 <= 2; n6++) {
            struct vfr_lock *l = malloc(sizeof *l);
            struct vfr_strv rules = {NULL, 0};
            size_t k = 0;

            assert_non_null(l);
            make_lock(l, VFR_LOCKED, n4, n6);
            assert_int_equal(vfr_ovs_rules(l, "5", &rules), 0);
            assert_int_equal(rules.n, 2 + 2 * n4 + 5 * n6 + 10);
            for (size_t i = 0; i < 2; i++) {
                assert_string_equal(rules.v[k++], head[i]);
            }
            for (size_t a = 0; a < n4; a++) {
                assert_string_equal(rules.v[k++], v4[a][0]);
                assert_string_equal(rules.v[k++], v4[a][1]);
            }
            for (size_t b = 0; b < n6; b++) {
                for (size_t i = 0; i < 5; i++) {
                    assert_string_equal(rules.v[k++], v6[b][i]);
                }
            }
            for (size_t i = 0; i < 10; i++) {
                assert_string_equal(rules.v[k++], tail[i]);
            }
            assert_null(rules.v[k]);
            vfr_strv_free(&rules);
            free(l);
        }
    }
}

static void test_other_modes_no_rules(void **state)
{
    static const enum vfr_locking modes[] = {VFR_UNLOCKED, VFR_DISABLED};
    struct vfr_lock *l = malloc(sizeof *l);
    (void)state;

    assert_non_null(l);
    for (size_t i = 0; i < 2; i++) {
        struct vfr_strv rules = {NULL, 0};
        struct vfr_cmds cmds = {NULL, 0};

        make_lock(l, modes[i], 2, 2);
        assert_int_equal(vfr_ovs_rules(l, "5", &rules), 0);
        assert_int_equal(rules.n, 0);
        assert_int_equal(vfr_ebtables_rules(l, "vif1.0", &cmds), 0);
        assert_int_equal(cmds.n, 0);
    }
    free(l);
}

/* The dry run's form: in_port is the interface name. */
static void test_rules_with_port_name(void **state)
{
    struct vfr_lock *l = malloc(sizeof *l);
    struct vfr_strv rules = {NULL, 0};
    (void)state;

    assert_non_null(l);
    make_lock(l, VFR_LOCKED, 0, 0);
    assert_int_equal(vfr_ovs_rules(l, "vif7.1", &rules), 0);
    assert_int_equal(rules.n, 12);
    assert_string_equal(rules.v[11], "cookie=1,in_port=vif7.1,priority=4000,idle_timeout=0,"
                                     "action=drop");
    vfr_strv_free(&rules);
    free(l);
}

static int resolve_vif(const char *name, uint32_t *port, void *arg)
{
    (void)arg;
    if (!strcmp(name, "vif7.1")) {
        *port = 42;
        return 0;
    }
    return -ENOENT;
}

static uint32_t oxm_u32(const struct ofp_flow *f, uint8_t field)
{
    const struct ofp_oxm *o = ofp_match_get(&f->match, field);
    uint32_t v;

    assert_non_null(o);
    assert_int_equal(o->len, 4);
    memcpy(&v, o->value, 4);
    return ntohl(v);
}

static unsigned oxm_u8(const struct ofp_flow *f, uint8_t field)
{
    const struct ofp_oxm *o = ofp_match_get(&f->match, field);

    assert_non_null(o);
    return o->value[0];
}

/* Every rule is valid ovs-ofctl syntax for lib/ofp_text, and means what it says. */
static void test_rules_parse(void **state)
{
    static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x5a, 0x01, 0x02};
    struct vfr_lock *l = malloc(sizeof *l);
    struct vfr_strv rules = {NULL, 0};
    struct ofp_flow f;
    char *err = NULL;
    (void)state;

    assert_non_null(l);
    make_lock(l, VFR_LOCKED, 2, 2);
    assert_int_equal(vfr_ovs_rules(l, "5", &rules), 0);
    for (size_t i = 0; i < rules.n; i++) {
        int r = ofpt_parse_flow(rules.v[i], OFPT_ADD, NULL, NULL, &f, &err);

        if (r != 0) {
            fail_msg("rule %zu '%s' does not parse: %s", i, rules.v[i], err ? err : "?");
        }
        assert_true(f.cookie == 1);
        assert_int_equal(oxm_u32(&f, OFPXMT_IN_PORT), 5);
        assert_int_equal(f.idle_timeout, 0);
        assert_int_equal(f.hard_timeout, 0);
        free(err);
        err = NULL;
    }
    /* Rule 0: DHCP, output NORMAL. */
    assert_int_equal(ofpt_parse_flow(rules.v[0], OFPT_ADD, NULL, NULL, &f, &err), 0);
    assert_int_equal(f.priority, 8000);
    assert_int_equal(oxm_u8(&f, OFPXMT_IP_PROTO), 17);
    assert_non_null(ofp_match_get(&f.match, OFPXMT_UDP_DST));
    assert_memory_equal(ofp_match_get(&f.match, OFPXMT_ETH_SRC)->value, mac, 6);
    assert_int_equal(f.n_actions, 1);
    assert_int_equal(f.actions[0].port, OFPP_NORMAL);
    /* Rule 2: ARP from 10.0.0.2 — nw_src of an ARP flow is the ARP sender address. */
    assert_int_equal(ofpt_parse_flow(rules.v[2], OFPT_ADD, NULL, NULL, &f, &err), 0);
    assert_int_equal(oxm_u32(&f, OFPXMT_ARP_SPA), 0x0a000002);
    assert_memory_equal(ofp_match_get(&f.match, OFPXMT_ARP_SHA)->value, mac, 6);
    /* Neighbour advertisement for fd00::2: the target is matched. */
    assert_int_equal(ofpt_parse_flow(rules.v[7], OFPT_ADD, NULL, NULL, &f, &err), 0);
    assert_int_equal(oxm_u8(&f, OFPXMT_ICMPV6_TYPE), 136);
    assert_non_null(ofp_match_get(&f.match, OFPXMT_IPV6_ND_TARGET));
    /* The last rule drops everything else: no actions. */
    assert_int_equal(ofpt_parse_flow(rules.v[rules.n - 1], OFPT_ADD, NULL, NULL, &f, &err), 0);
    assert_int_equal(f.priority, 4000);
    assert_int_equal(f.n_actions, 0);
    assert_int_equal(f.match.n, 1);
    vfr_strv_free(&rules);

    /* With the interface name, a resolver turns it into the port number. */
    make_lock(l, VFR_LOCKED, 1, 0);
    assert_int_equal(vfr_ovs_rules(l, "vif7.1", &rules), 0);
    assert_int_equal(ofpt_parse_flow(rules.v[0], OFPT_ADD, resolve_vif, NULL, &f, &err), 0);
    assert_int_equal(oxm_u32(&f, OFPXMT_IN_PORT), 42);
    vfr_strv_free(&rules);
    free(l);
}

static char *join(const struct vfr_strv *s)
{
    struct sbuf b = SBUF_INIT;

    for (size_t i = 0; i < s->n; i++) {
        sbuf_addf(&b, "%s%s", i ? " " : "", s->v[i]);
    }
    return sbuf_steal(&b, NULL);
}

static void check_cmds(const struct vfr_cmds *c, const char *const *want, size_t n)
{
    assert_int_equal(c->n, n);
    for (size_t i = 0; i < n; i++) {
        char *line = join(&c->cmd[i]);

        assert_string_equal(line, want[i]);
        assert_null(c->cmd[i].v[c->cmd[i].n]);
        free(line);
    }
}

static void test_ebtables(void **state)
{
    static const char *const want[] = {
            "ebtables -N FORWARD_vif3.0",
            "ebtables -A FORWARD -i vif3.0 -j FORWARD_vif3.0",
            "ebtables -A FORWARD -o vif3.0 -j FORWARD_vif3.0",
            "ebtables -P FORWARD_vif3.0 DROP",
            "ebtables -A FORWARD_vif3.0 -o vif3.0 -j ACCEPT",
            "ebtables -A FORWARD_vif3.0 -s ! 00:16:3e:5a:01:02 -i vif3.0 -j DROP",
            "ebtables -A FORWARD_vif3.0 -p IPv4 -i vif3.0 --ip-protocol UDP --ip-dport 67 -j "
            "ACCEPT",
            "ebtables -A FORWARD_vif3.0 -p ARP -i vif3.0 --arp-opcode Request --arp-ip-src "
            "10.0.0.2 "
            "-j ACCEPT",
            "ebtables -A FORWARD_vif3.0 -p ARP -i vif3.0 --arp-opcode Reply --arp-ip-src 10.0.0.2 "
            "--arp-mac-src 00:16:3e:5a:01:02 -j ACCEPT",
            "ebtables -A FORWARD_vif3.0 -p IPv4 -i vif3.0 --ip-src 10.0.0.2 -j ACCEPT",
            "ebtables -A FORWARD_vif3.0 -p IPv6 -i vif3.0 -j ACCEPT",
    };
    static const char *const clear[] = {
            "ebtables -D FORWARD -i vif3.0 -j FORWARD_vif3.0",
            "ebtables -D FORWARD -o vif3.0 -j FORWARD_vif3.0",
            "ebtables -F FORWARD_vif3.0",
            "ebtables -X FORWARD_vif3.0",
    };
    struct vfr_lock *l = malloc(sizeof *l);
    struct vfr_cmds c = {NULL, 0};
    (void)state;

    assert_non_null(l);
    make_lock(l, VFR_LOCKED, 1, 1);
    assert_int_equal(vfr_ebtables_rules(l, "vif3.0", &c), 0);
    check_cmds(&c, want, 11);
    vfr_cmds_free(&c);
    /* Without IPv6 addresses IPv6 stays dropped. */
    make_lock(l, VFR_LOCKED, 1, 0);
    assert_int_equal(vfr_ebtables_rules(l, "vif3.0", &c), 0);
    check_cmds(&c, want, 10);
    vfr_cmds_free(&c);
    assert_int_equal(vfr_ebtables_clear("vif3.0", &c), 0);
    check_cmds(&c, clear, 4);
    vfr_cmds_free(&c);
    vfr_cmds_free(NULL);
    free(l);
}

static void test_mac(void **state)
{
    static const char *const bad[] = {"",
                                      "00:16:3e:5a:01",
                                      "00:16:3e:5a:01:02:03",
                                      "00-16-3e-5a-01-02",
                                      "0:16:3e:5a:01:02:",
                                      "00:16:3e:5a:01:0g",
                                      "00:16:3e:5a:01:02 ",
                                      "001:6:3e:5a:01:02"};
    char out[VFR_MAC_LEN];
    (void)state;

    assert_int_equal(vfr_parse_mac("AA:bb:0C:dd:EE:ff", out), 0);
    assert_string_equal(out, "aa:bb:0c:dd:ee:ff");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(vfr_parse_mac(bad[i], out), -EINVAL);
    }
    assert_int_equal(vfr_parse_mac(NULL, out), -EINVAL);
}

static void test_locking_names(void **state)
{
    enum vfr_locking m;
    (void)state;

    assert_int_equal(vfr_parse_locking("Locked", &m), 0);
    assert_int_equal(m, VFR_LOCKED);
    assert_int_equal(vfr_parse_locking("DISABLED", &m), 0);
    assert_int_equal(m, VFR_DISABLED);
    assert_int_equal(vfr_parse_locking("network_default", &m), 0);
    assert_int_equal(m, VFR_UNLOCKED);
    m = VFR_LOCKED;
    assert_int_equal(vfr_parse_locking("", &m), 0);
    assert_int_equal(m, VFR_UNLOCKED);
    assert_int_equal(vfr_parse_locking("unlocked", &m), 0);
    assert_int_equal(vfr_parse_locking("lock", &m), -EINVAL);
    assert_int_equal(vfr_parse_locking("locked ", &m), -EINVAL);
    assert_int_equal(vfr_parse_locking(NULL, &m), -EINVAL);
    assert_string_equal(vfr_locking_name(VFR_LOCKED), "locked");
    assert_string_equal(vfr_locking_name(VFR_UNLOCKED), "unlocked");
    assert_string_equal(vfr_locking_name(VFR_DISABLED), "disabled");
}

static void test_addresses(void **state)
{
    struct vfr_lock *l = calloc(1, sizeof *l);
    char bad[64];
    (void)state;

    assert_non_null(l);
    assert_int_equal(vfr_add_ipv4(l, "10.0.0.256"), -EINVAL);
    assert_int_equal(vfr_add_ipv4(l, "10.0.0"), -EINVAL);
    assert_int_equal(vfr_add_ipv4(l, "10.0.0.1/24"), -EINVAL);
    assert_int_equal(vfr_add_ipv4(l, "fd00::1"), -EINVAL);
    assert_int_equal(vfr_add_ipv6(l, "10.0.0.1"), -EINVAL);
    assert_int_equal(vfr_add_ipv6(l, "fd00::1::2"), -EINVAL);
    assert_int_equal(vfr_add_ipv6(l, "fd00::1,in_port=1"), -EINVAL);
    assert_int_equal(l->n_ipv4 + l->n_ipv6, 0);

    /* The legacy comma-separated lists, blanks and empty items ignored. */
    assert_int_equal(vfr_add_list(l, AF_INET, " 10.0.0.1, ,10.0.0.2,", bad), 0);
    assert_int_equal(l->n_ipv4, 2);
    assert_string_equal(l->ipv4[1], "10.0.0.2");
    assert_int_equal(vfr_add_list(l, AF_INET6, "FE80::1", bad), 0);
    assert_string_equal(l->ipv6[0], "fe80::1");
    assert_int_equal(vfr_add_list(l, AF_INET6, "", bad), 0);
    assert_int_equal(vfr_add_list(l, AF_INET, "10.0.0.3,10.0.0.x", bad), -EINVAL);
    assert_string_equal(bad, "10.0.0.x");
    assert_int_equal(vfr_add_list(l, AF_UNIX, "10.0.0.3", bad), -EINVAL);

    /* The bound on addresses. */
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < VFR_MAX_ADDRS; i++) {
        assert_int_equal(vfr_add_ipv4(l, "10.1.1.1"), 0);
    }
    assert_int_equal(vfr_add_ipv4(l, "10.1.1.1"), -E2BIG);
    assert_int_equal(vfr_add_list(l, AF_INET, "10.1.1.2", bad), -E2BIG);
    free(l);
}

static void test_names(void **state)
{
    char type[4];
    unsigned domid, devid, v;
    (void)state;

    assert_true(vfr_safe_token("0b6a0e8c-2f5b-4f0e-9a59-6c1c3b2a1f01", 64));
    assert_true(vfr_safe_token("classic", 64));
    assert_true(vfr_safe_token("xenopsd_2.x", 64));
    assert_false(vfr_safe_token("..", 64));
    assert_false(vfr_safe_token(".", 64));
    assert_false(vfr_safe_token(".hidden", 64));
    assert_false(vfr_safe_token("a/b", 64));
    assert_false(vfr_safe_token("../etc", 64));
    assert_false(vfr_safe_token("", 64));
    assert_false(vfr_safe_token(NULL, 64));
    assert_false(vfr_safe_token("a b", 64));
    assert_false(vfr_safe_token("abcdef", 5));

    assert_int_equal(vfr_parse_vif_name("vif12.3", type, &domid, &devid), 0);
    assert_string_equal(type, "vif");
    assert_int_equal(domid, 12);
    assert_int_equal(devid, 3);
    assert_int_equal(vfr_parse_vif_name("tap0.10", type, &domid, &devid), 0);
    assert_string_equal(type, "tap");
    assert_int_equal(devid, 10);
    assert_int_equal(vfr_parse_vif_name("eth0.1", type, &domid, &devid), -EINVAL);
    assert_int_equal(vfr_parse_vif_name("vif.1", type, &domid, &devid), -EINVAL);
    assert_int_equal(vfr_parse_vif_name("vif1.", type, &domid, &devid), -EINVAL);
    assert_int_equal(vfr_parse_vif_name("vif1", type, &domid, &devid), -EINVAL);
    assert_int_equal(vfr_parse_vif_name("vif1.2.3", type, &domid, &devid), -EINVAL);
    assert_int_equal(vfr_parse_vif_name("vif-1.2", type, &domid, &devid), -EINVAL);
    assert_int_equal(vfr_parse_vif_name("vif12345678.8901", type, &domid, &devid), -EINVAL);

    assert_int_equal(vfr_parse_uint("4294967295", &v), 0);
    assert_true(v == 4294967295u);
    assert_int_equal(vfr_parse_uint("4294967296", &v), -EINVAL);
    assert_int_equal(vfr_parse_uint("-1", &v), -EINVAL);
    assert_int_equal(vfr_parse_uint("+1", &v), -EINVAL);
    assert_int_equal(vfr_parse_uint("1 ", &v), -EINVAL);
    assert_int_equal(vfr_parse_uint("", &v), -EINVAL);
}

/* ---- the bridge backend ------------------------------------------------------------- */

static char root[64];

static int setup_root(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/vfr-test-XXXXXX");
    assert_non_null(mkdtemp(root));
    assert_int_equal(paths_init(root), 0);
    xlog_open("vifrules_test", false);
    xlog_set_level(XLOG_ERR);
    return 0;
}

static int teardown_root(void **state)
{
    char *cmd = NULL;
    (void)state;

    assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

/* A run of the bridge backend for vif6.0 (on xenbr1 at the start) towards xenbr0. */
struct bridge_run {
    struct svr s;
    size_t journal_start;
};

static void bridge_run_init(struct bridge_run *b, bool filter, enum vfr_locking mode, bool legacy)
{
    memset(b, 0, sizeof *b);
    sbuf_init(&b->s.dry);
    b->s.filter = filter;
    b->s.legacy = legacy;
    b->s.mode = NETMODE_BRIDGE;
    snprintf(b->s.vif, sizeof b->s.vif, "vif6.0");
    snprintf(b->s.type, sizeof b->s.type, "vif");
    snprintf(b->s.cfg.bridge, sizeof b->s.cfg.bridge, "xenbr0");
    make_lock(&b->s.cfg.lock, mode, 1, 1);
    assert_int_equal(lnk_fake_new(&b->s.lnk), 0);
    assert_int_equal(lnk_add_bridge(b->s.lnk, "xenbr0"), 0);
    assert_int_equal(lnk_add_bridge(b->s.lnk, "xenbr1"), 0);
    assert_int_equal(lnk_fake_add_device(b->s.lnk, "vif6.0", 6), 0);
    assert_int_equal(lnk_set_master(b->s.lnk, "vif6.0", "xenbr1"), 0);
    b->journal_start = strlen(lnk_fake_journal(b->s.lnk));
}

/* The link changes the run made. */
static const char *bridge_run_links(const struct bridge_run *b)
{
    return lnk_fake_journal(b->s.lnk) + b->journal_start;
}

static void bridge_run_free(struct bridge_run *b)
{
    lnk_close(b->s.lnk);
    sbuf_free(&b->s.dry);
}

static void test_bridge_filter_locked(void **state)
{
    /* No chain yet: `ebtables -L` fails, so nothing is cleared. */
    static const struct exec_fake_rule rules[] = {{"ebtables -L ", 1, NULL}};
    struct bridge_run *b = malloc(sizeof *b);
    struct exec_fake fake;
    char master[16];
    (void)state;

    assert_non_null(b);
    bridge_run_init(b, true, VFR_LOCKED, false);
    exec_fake_install(&fake, rules, 1);
    assert_int_equal(svr_bridge_mode(&b->s), 0);
    assert_string_equal(bridge_run_links(b), "ip link set dev vif6.0 down\n"
                                             "ip link set dev vif6.0 nomaster\n"
                                             "ip link set dev xenbr0 type bridge forward_delay 0\n"
                                             "ip link set dev vif6.0 master xenbr0\n"
                                             "ip link set dev vif6.0 up\n");
    assert_string_equal(sbuf_str(&fake.log),
                        "ebtables -L FORWARD_vif6.0\n"
                        "ebtables -N FORWARD_vif6.0\n"
                        "ebtables -A FORWARD -i vif6.0 -j FORWARD_vif6.0\n"
                        "ebtables -A FORWARD -o vif6.0 -j FORWARD_vif6.0\n"
                        "ebtables -P FORWARD_vif6.0 DROP\n"
                        "ebtables -A FORWARD_vif6.0 -o vif6.0 -j ACCEPT\n"
                        "ebtables -A FORWARD_vif6.0 -s ! 00:16:3e:5a:01:02 -i vif6.0 -j DROP\n"
                        "ebtables -A FORWARD_vif6.0 -p IPv4 -i vif6.0 --ip-protocol UDP "
                        "--ip-dport 67 -j ACCEPT\n"
                        "ebtables -A FORWARD_vif6.0 -p ARP -i vif6.0 --arp-opcode Request "
                        "--arp-ip-src 10.0.0.2 -j ACCEPT\n"
                        "ebtables -A FORWARD_vif6.0 -p ARP -i vif6.0 --arp-opcode Reply "
                        "--arp-ip-src 10.0.0.2 --arp-mac-src 00:16:3e:5a:01:02 -j ACCEPT\n"
                        "ebtables -A FORWARD_vif6.0 -p IPv4 -i vif6.0 --ip-src 10.0.0.2 -j ACCEPT\n"
                        "ebtables -A FORWARD_vif6.0 -p IPv6 -i vif6.0 -j ACCEPT\n");
    assert_int_equal(lnk_get_master(b->s.lnk, "vif6.0", master), 0);
    assert_string_equal(master, "xenbr0");
    exec_fake_free(&fake);
    bridge_run_free(b);
    free(b);
}

static void test_bridge_clear_and_disabled(void **state)
{
    /* The chain exists: clear removes the jumps, flushes and deletes it. */
    static const struct exec_fake_rule rules[] = {{"ebtables -L ", 0, "chain listing\n"}};
    struct bridge_run *b = malloc(sizeof *b);
    struct exec_fake fake;
    char master[16];
    (void)state;

    assert_non_null(b);
    bridge_run_init(b, false, VFR_UNLOCKED, false);
    exec_fake_install(&fake, rules, 1);
    assert_int_equal(svr_bridge_mode(&b->s), 0);
    assert_string_equal(sbuf_str(&fake.log), "ebtables -L FORWARD_vif6.0\n"
                                             "ebtables -D FORWARD -i vif6.0 -j FORWARD_vif6.0\n"
                                             "ebtables -D FORWARD -o vif6.0 -j FORWARD_vif6.0\n"
                                             "ebtables -F FORWARD_vif6.0\n"
                                             "ebtables -X FORWARD_vif6.0\n");
    assert_string_equal(bridge_run_links(b), "ip link set dev vif6.0 down\n"
                                             "ip link set dev vif6.0 nomaster\n"
                                             "ip link set dev vif6.0 up\n");
    exec_fake_free(&fake);
    bridge_run_free(b);

    /* A disabled VIF is taken off its bridge, not put on another, and still brought up
     * (CA-225971). */
    bridge_run_init(b, true, VFR_DISABLED, false);
    exec_fake_install(&fake, rules, 1);
    assert_int_equal(svr_bridge_mode(&b->s), 0);
    assert_string_equal(bridge_run_links(b), "ip link set dev vif6.0 down\n"
                                             "ip link set dev vif6.0 nomaster\n"
                                             "ip link set dev vif6.0 up\n");
    assert_int_equal(lnk_get_master(b->s.lnk, "vif6.0", master), 0);
    assert_string_equal(master, "");
    exec_fake_free(&fake);
    bridge_run_free(b);

    /* clear of a device that is gone is not an error. */
    bridge_run_init(b, false, VFR_UNLOCKED, false);
    assert_int_equal(lnk_del(b->s.lnk, "vif6.0"), 0);
    exec_fake_install(&fake, rules, 1);
    assert_int_equal(svr_bridge_mode(&b->s), 0);
    exec_fake_free(&fake);
    bridge_run_free(b);
    free(b);
}

static void test_bridge_rollback(void **state)
{
    /* The seventh rule (DHCP) fails: the chain is removed again (the -L probe now finds it) and the
     * VIF leaves the bridge; it stays down. */
    static const struct exec_fake_rule rules[] = {
            {"ebtables -A FORWARD_vif6.0 -p IPv4 -i vif6.0 --ip-protocol", 1, NULL},
            {"ebtables -L ", 1, NULL},
    };
    static const struct exec_fake_rule rules_then[] = {
            {"ebtables -A FORWARD_vif6.0 -p IPv4 -i vif6.0 --ip-protocol", 1, NULL},
            {NULL, 0, NULL},
    };
    struct bridge_run *b = malloc(sizeof *b);
    struct exec_fake fake;
    char master[16];
    const char *log;
    (void)state;

    assert_non_null(b);
    bridge_run_init(b, true, VFR_LOCKED, false);
    exec_fake_install(&fake, rules, 2);
    assert_true(svr_bridge_mode(&b->s) < 0);
    assert_non_null(strstr(bridge_run_links(b), "ip link set dev vif6.0 master xenbr0\n"
                                                "ip link set dev vif6.0 nomaster\n"));
    assert_null(strstr(bridge_run_links(b), " up\n"));
    assert_int_equal(lnk_get_master(b->s.lnk, "vif6.0", master), 0);
    assert_string_equal(master, "");
    /* Nothing after the failed rule but the (failing, so skipped) clean-up probe. */
    log = sbuf_str(&fake.log);
    assert_non_null(strstr(log, "--ip-dport 67 -j ACCEPT\nebtables -L FORWARD_vif6.0\n"));
    assert_null(strstr(log, "--arp-opcode"));
    exec_fake_free(&fake);
    bridge_run_free(b);

    /* Same, with the chain found by the clean-up probe: it is deleted. */
    bridge_run_init(b, true, VFR_LOCKED, false);
    exec_fake_install(&fake, rules_then, 2);
    assert_true(svr_bridge_mode(&b->s) < 0);
    log = sbuf_str(&fake.log);
    assert_non_null(strstr(log, "--ip-dport 67 -j ACCEPT\n"
                                "ebtables -L FORWARD_vif6.0\n"
                                "ebtables -D FORWARD -i vif6.0 -j FORWARD_vif6.0\n"
                                "ebtables -D FORWARD -o vif6.0 -j FORWARD_vif6.0\n"
                                "ebtables -F FORWARD_vif6.0\n"
                                "ebtables -X FORWARD_vif6.0\n"));
    exec_fake_free(&fake);
    bridge_run_free(b);
    free(b);
}

static void test_bridge_legacy(void **state)
{
    static const struct exec_fake_rule rules[] = {{"ebtables -L ", 1, NULL}};
    struct bridge_run *b = malloc(sizeof *b);
    struct exec_fake fake;
    (void)state;

    assert_non_null(b);
    /* The legacy form leaves bridge membership to the vif script, and a disabled VIF down. */
    bridge_run_init(b, true, VFR_DISABLED, true);
    exec_fake_install(&fake, rules, 1);
    assert_int_equal(svr_bridge_mode(&b->s), 0);
    assert_string_equal(bridge_run_links(b), "ip link set dev vif6.0 down\n");
    assert_string_equal(sbuf_str(&fake.log), "ebtables -L FORWARD_vif6.0\n");
    exec_fake_free(&fake);
    bridge_run_free(b);

    bridge_run_init(b, true, VFR_LOCKED, true);
    exec_fake_install(&fake, rules, 1);
    assert_int_equal(svr_bridge_mode(&b->s), 0);
    assert_string_equal(bridge_run_links(b), "ip link set dev vif6.0 down\n"
                                             "ip link set dev vif6.0 up\n");
    assert_int_equal(fake.calls, 1 + 11);
    exec_fake_free(&fake);
    bridge_run_free(b);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_locked_rules_literal),
            cmocka_unit_test(test_other_modes_no_rules),
            cmocka_unit_test(test_rules_with_port_name),
            cmocka_unit_test(test_rules_parse),
            cmocka_unit_test(test_ebtables),
            cmocka_unit_test(test_mac),
            cmocka_unit_test(test_locking_names),
            cmocka_unit_test(test_addresses),
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_bridge_filter_locked),
            cmocka_unit_test(test_bridge_clear_and_disabled),
            cmocka_unit_test(test_bridge_rollback),
            cmocka_unit_test(test_bridge_legacy),
    };

    return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
