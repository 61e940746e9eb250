/* interface-reconfigure's vswitch backend on the four scenarios of spec §11
 * item 1 (plain xenbr2, VLAN xapi3, bond xapi1, VLAN on bond xapi2), up and
 * down from tests/data/dbcache/four-scenarios.dbcache: the ovs-vsctl command
 * list and the whole dry-run plan compared with tests/data/ir/ fixtures, the
 * link changes through the lnk fake; plus the file transaction, the saved
 * cache (Q3), the forced rewrite (Q2), currently_attached honoured (Q13) and
 * a missing device changing nothing.
 *
 * XVS_IR_WRITE_FIXTURES=1 rewrites the fixtures instead of comparing (for a
 * deliberate change; review the diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../libexec/interface-reconfigure/ir_files.h"
#include "../../libexec/interface-reconfigure/ir_run.h"
#include "../../libexec/interface-reconfigure/ir_vswitch.h"
#include "dbcache.h"
#include "fsutil.h"
#include "lnk.h"
#include "log.h"
#include "paths.h"
#include "vsctl_run.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("XVS_SRC");
    char *p = NULL;

    assert_true(asprintf(&p, "%s/%s", src && *src ? src : ".", rel) > 0);
    return p;
}

static char *read_text(const char *path)
{
    char *data = NULL;
    size_t len = 0;

    if (fsu_read_file(path, 1 << 20, &data, &len) < 0) {
        return NULL;
    }
    return data;
}

/* Compares "got" with fixture tests/data/ir/<name>, or rewrites it. */
static void check_fixture(const char *name, const char *got)
{
    char rel[128];
    char *path, *want;

    snprintf(rel, sizeof(rel), "tests/data/ir/%s", name);
    path = src_path(rel);
    if (getenv("XVS_IR_WRITE_FIXTURES")) {
        assert_int_equal(fsu_write_atomic(path, got, strlen(got), 0644), 0);
    }
    want = read_text(path);
    if (!want || strcmp(want, got)) {
        print_error("fixture %s differs; got:\n%s", name, got);
    }
    assert_non_null(want);
    assert_string_equal(want, got);
    free(want);
    free(path);
}

static char root[64];

static int setup(void **state)
{
    (void)state;
    xlog_open("interface-reconfigure", false);
    xlog_set_level(XLOG_ERR);
    snprintf(root, sizeof(root), "/tmp/ir_test.XXXXXX");
    assert_non_null(mkdtemp(root));
    assert_int_equal(paths_init(root), 0);
    return 0;
}

static int teardown(void **state)
{
    char *cmd = NULL;

    (void)state;
    assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

static struct lnk *fake_host(bool with_eth2)
{
    static const char *const devs[] = {"eth0", "eth1", "eth2", "eth3", "eth4", "bond0"};
    struct lnk *l = NULL;

    assert_int_equal(lnk_fake_new(&l), 0);
    for (int i = 0; i < 6; i++) {
        if (with_eth2 || strcmp(devs[i], "eth2")) {
            assert_int_equal(lnk_fake_add_device(l, devs[i], i + 2), 0);
        }
    }
    return l;
}

static void load(struct ir_model *m)
{
    char *path = src_path("tests/data/dbcache/four-scenarios.dbcache");
    assert_int_equal(ir_model_load_cache(m, path), 0);
    free(path);
}

/* One scenario: the command list (fixture <br>-<act>.vsctl), the dry-run plan
 * (<br>-<act>.plan), the engine's acceptance of the line, and the links. */
static void scenario(const char *bridge, bool up, const char *want_journal)
{
    struct ir_args a = {
            .action = up ? IR_ACTION_UP : IR_ACTION_DOWN, .force = bridge, .dry_run = true};
    struct sbuf dry = SBUF_INIT, cmds = SBUF_INIT, line = SBUF_INIT;
    struct lnk *l = fake_host(true);
    const struct xapi_pif *pif;
    struct ir_vplan p;

    /* The bridge's own device, which the switch has made by the time of ifup. */
    assert_int_equal(lnk_fake_add_device(l, bridge, 20), 0);
    struct ir_ctx c;
    char name[64];

    ir_ctx_init(&c, &a, l, &dry);
    load(&c.model);
    assert_int_equal(ir_pif_by_bridge(&c.model, bridge, &pif), 0);

    ir_vplan_init(&p);
    assert_int_equal(up ? ir_vswitch_plan_up(&c.model, pif, false, &p)
                        : ir_vswitch_plan_down(&c.model, pif, &p),
                     0);
    assert_int_equal(ir_vplan_format_cmds(&p, &cmds), 0);
    snprintf(name, sizeof(name), "%s-%s.vsctl", bridge, up ? "up" : "down");
    check_fixture(name, sbuf_str(&cmds));

    /* The engine accepts the line as one transaction's commands. */
    struct vrun_opts o = {.dry_run = true, .dry_out = &line};
    char *err = NULL;
    assert_int_equal(vrun_exec(NULL, p.argc, p.argv, &o, NULL, NULL, &err), 0);
    assert_null(err);
    assert_non_null(strstr(sbuf_str(&line), "ovs-vsctl "));
    ir_vplan_clear(&p);

    assert_int_equal(up ? ir_action_up(&c, pif) : ir_action_down(&c, pif), 0);
    snprintf(name, sizeof(name), "%s-%s.plan", bridge, up ? "up" : "down");
    check_fixture(name, sbuf_str(&dry));
    assert_string_equal(lnk_fake_journal(l), want_journal);

    ir_ctx_clear(&c);
    lnk_close(l);
    sbuf_free(&dry);
    sbuf_free(&cmds);
    sbuf_free(&line);
}

static void test_xenbr2(void **state)
{
    (void)state;
    scenario("xenbr2", true,
             "ip link set dev eth2 mtu 1500\n"
             "ip link set dev eth2 up\n"
             "ethtool -K eth2 tx off\n"
             "ethtool -K eth2 gro off\n"
             "ethtool -K eth2 lro off\n"
             "ip link set dev xenbr2 up\n");
    scenario("xenbr2", false, "ip link set dev xenbr2 down\nip link set dev eth2 down\n");
}

static void test_xapi3(void **state)
{
    (void)state;
    scenario("xapi3", true,
             "ip link set dev eth3 mtu 1500\n"
             "ip link set dev eth3 up\n"
             "ethtool -K eth3 gro off\n"
             "ethtool -K eth3 lro off\n"
             "ip link set dev xapi3 up\n");
    scenario("xapi3", false, "ip link set dev xapi3 down\nip link set dev eth3 down\n");
}

/* The bond's slaves, then the bridge (ifup without /sbin/ifup), then the bond. */
#define BOND_UP_LINKS(br)                                                                          \
    "ip link set dev eth0 mtu 1500\n"                                                              \
    "ip link set dev eth0 up\n"                                                                    \
    "ethtool -K eth0 gro off\n"                                                                    \
    "ethtool -K eth0 lro off\n"                                                                    \
    "ip link set dev eth1 mtu 1500\n"                                                              \
    "ip link set dev eth1 up\n"                                                                    \
    "ethtool -K eth1 gro off\n"                                                                    \
    "ethtool -K eth1 lro off\n"                                                                    \
    "ip link set dev " br " up\n"                                                                  \
    "ip link set dev bond0 up\n"

static void test_xapi1(void **state)
{
    (void)state;
    scenario("xapi1", true, BOND_UP_LINKS("xapi1"));
    scenario("xapi1", false,
             "ip link set dev xapi1 down\nip link set dev eth0 down\nip link set dev eth1 down\n");
}

static void test_xapi2(void **state)
{
    (void)state;
    scenario("xapi2", true, BOND_UP_LINKS("xapi2"));
    scenario("xapi2", false,
             "ip link set dev xapi2 down\nip link set dev eth0 down\nip link set dev eth1 down\n");
}

static bool exists(const char *rel)
{
    char *p = paths_get(rel);
    bool ok = access(p, F_OK) == 0;
    free(p);
    return ok;
}

/* A missing physical device is reported before anything changes. */
static void test_missing_device(void **state)
{
    struct ir_args a = {.action = IR_ACTION_UP, .force = "xenbr2"};
    struct lnk *l = fake_host(false);
    const struct xapi_pif *pif;
    struct ir_ctx c;

    (void)state;
    ir_ctx_init(&c, &a, l, NULL);
    load(&c.model);
    assert_int_equal(ir_pif_by_bridge(&c.model, "xenbr2", &pif), 0);
    assert_int_equal(ir_action_up(&c, pif), -ENODEV);
    assert_string_equal(lnk_fake_journal(l), "");
    assert_false(exists("/etc/sysconfig/network-scripts/ifcfg-xenbr2"));
    assert_false(exists("/etc/sysconfig/network-scripts/.ifcfg-xenbr2.xapi-new"));
    ir_ctx_clear(&c);
    lnk_close(l);
}

/* Q13: a VLAN found attached (from XAPI, or from the switch in force mode)
 * keeps its datapath when the parent's bridge is taken down. */
static void test_attached_vlan_keeps_datapath(void **state)
{
    struct ir_model m;
    const struct xapi_pif *pif, *vlan;
    struct ir_vplan p;
    struct sbuf cmds = SBUF_INIT;

    (void)state;
    ir_model_init(&m);
    load(&m);
    assert_int_equal(ir_pif_by_bridge(&m, "xapi3", &vlan), 0);
    ((struct xapi_pif *)vlan)->currently_attached = true;
    assert_int_equal(ir_pif_by_bridge(&m, "xenbr3", &pif), 0);
    ir_vplan_init(&p);
    assert_int_equal(ir_vswitch_plan_down(&m, pif, &p), 0);
    assert_int_equal(ir_vplan_format_cmds(&p, &cmds), 0);
    assert_string_equal(sbuf_str(&cmds), "--with-iface --if-exists del-port xenbr3\n");
    assert_int_equal(p.n_down, 0);
    ir_vplan_clear(&p);
    sbuf_free(&cmds);
    ir_model_clear(&m);
}

static void test_files_transaction(void **state)
{
    struct ir_files fs;
    char *p, *data;

    (void)state;
    p = paths_get("/etc/sysconfig");
    assert_int_equal(fsu_mkdir_p(p, 0755), 0);
    free(p);
    p = paths_get("/etc/sysconfig/network");
    assert_int_equal(fsu_write_atomic(p, "OLD\n", 4, 0644), 0);

    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_files_add(&fs, "/etc/sysconfig/network", "NEW\n"), 0);
    assert_int_equal(ir_files_apply(&fs), 0);
    data = read_text(p);
    assert_string_equal(data, "NEW\n");
    free(data);
    assert_true(exists("/etc/sysconfig/.network.xapi-old"));
    ir_files_revert(&fs);
    data = read_text(p);
    assert_string_equal(data, "OLD\n");
    free(data);
    assert_true(exists("/etc/sysconfig/.network.xapi-new"));
    assert_false(exists("/etc/sysconfig/.network.xapi-old"));
    ir_files_clear(&fs);

    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_files_add(&fs, "/etc/sysconfig/network", "NEWER\n"), 0);
    assert_int_equal(ir_files_apply(&fs), 0);
    ir_files_commit(&fs);
    data = read_text(p);
    assert_string_equal(data, "NEWER\n");
    free(data);
    assert_false(exists("/etc/sysconfig/.network.xapi-old"));
    assert_false(exists("/etc/sysconfig/.network.xapi-new"));
    ir_files_clear(&fs);
    free(p);
}

/* Q3: the cache is saved inside the root prefix, atomically, and reads back. */
static void test_save_cache(void **state)
{
    struct ir_args a = {.action = IR_ACTION_REWRITE};
    struct ir_ctx c;
    struct dbcache back;
    char *p;

    (void)state;
    p = paths_get("/var/xapi");
    assert_int_equal(fsu_mkdir_p(p, 0755), 0);
    free(p);
    ir_ctx_init(&c, &a, NULL, NULL);
    load(&c.model);
    assert_int_equal(ir_save_cache(&c), 0);
    p = paths_get(PATHS_DBCACHE);
    dbcache_init(&back);
    assert_int_equal(dbcache_read(p, &back), 0);
    assert_int_equal(back.pifs.n, 8);
    assert_int_equal(back.networks.n, 9);
    dbcache_clear(&back);
    free(p);
    ir_ctx_clear(&c);
}

/* Q2: the forced rewrite writes real uuids in its refs. */
static void test_force_rewrite(void **state)
{
    struct ir_args a = {.action = IR_ACTION_REWRITE,
                        .force = "xenbr0",
                        .device = "eth0",
                        .mac = "00:11:22:33:44:55",
                        .mode = "static",
                        .ip = "10.0.0.2",
                        .netmask = "255.0.0.0",
                        .gateway = "10.0.0.1"};
    struct ir_ctx c;
    struct dbcache back;
    const struct xapi_pif *pif;
    const struct xapi_network *nw;
    char *p;

    (void)state;
    p = paths_get("/var/xapi");
    assert_int_equal(fsu_mkdir_p(p, 0755), 0);
    free(p);
    ir_ctx_init(&c, &a, NULL, NULL);
    assert_int_equal(ir_action_force_rewrite(&c), 0);
    p = paths_get(PATHS_DBCACHE);
    dbcache_init(&back);
    assert_int_equal(dbcache_read(p, &back), 0);
    assert_int_equal(back.pifs.n, 1);
    assert_int_equal(back.networks.n, 1);
    pif = XAPI_LIST_ITEM(&back.pifs, struct xapi_pif, 0);
    nw = XAPI_LIST_ITEM(&back.networks, struct xapi_network, 0);
    assert_int_equal(strlen(pif->ref), strlen("OpaqueRef:") + 36);
    assert_null(strchr(pif->ref, '\''));
    assert_string_equal(pif->uuid, "eth0Pif");
    assert_true(pif->management);
    assert_string_equal(pif->ip_configuration_mode, "Static");
    assert_string_equal(pif->ip, "10.0.0.2");
    assert_string_equal(pif->gateway, "10.0.0.1");
    assert_string_equal(pif->mac, "00:11:22:33:44:55");
    assert_string_equal(nw->uuid, "InitialManagementNetwork");
    assert_string_equal(nw->bridge, "xenbr0");
    assert_int_equal(nw->pifs.n, 1);
    assert_string_equal(nw->pifs.v[0], pif->ref);
    assert_string_equal(pif->network, nw->ref);
    assert_false(exists("/var/xapi/.network.dbcache.xapi-old"));
    dbcache_clear(&back);
    free(p);
    ir_ctx_clear(&c);
}

static void test_escape(void **state)
{
    struct sbuf b = SBUF_INIT;

    (void)state;
    ir_vsctl_escape(&b, "abc123");
    sbuf_addc(&b, ' ');
    ir_vsctl_escape(&b, "00:15:17:a0:29:80");
    sbuf_addc(&b, ' ');
    ir_vsctl_escape(&b, "a\"b\\c\n\x01");
    sbuf_addc(&b, ' ');
    ir_vsctl_escape(&b, "");
    assert_string_equal(sbuf_str(&b), "abc123 \"00:15:17:a0:29:80\" \"a\\\"b\\\\c\\n\\x01\" \"\"");
    sbuf_free(&b);
}

/* Bond option mapping: lacp with tcpudp_ports, bad values skipped (Q12). */
static void test_bond_options(void **state)
{
    struct ir_model m;
    struct xapi_pif *bond;
    struct ir_vplan p;
    struct sbuf cmds = SBUF_INIT;

    (void)state;
    ir_model_init(&m);
    load(&m);
    assert_int_equal(ir_pif_by_bridge(&m, "xapi1", (const struct xapi_pif **)&bond), 0);
    assert_int_equal(xapi_map_set(&bond->other_config, "bond-mode", "lacp"), 0);
    assert_int_equal(xapi_map_set(&bond->other_config, "bond-hashing-algorithm", "tcpudp_ports"),
                     0);
    assert_int_equal(xapi_map_set(&bond->other_config, "bond-miimon", "x"), 0);
    assert_int_equal(xapi_map_set(&bond->other_config, "bond-use_carrier", "0"), 0);
    ir_vplan_init(&p);
    assert_int_equal(ir_vswitch_plan_up(&m, bond, false, &p), 0);
    assert_int_equal(ir_vplan_format_cmds(&p, &cmds), 0);
    assert_non_null(strstr(sbuf_str(&cmds),
                           "set Port bond0 MAC=\"00:16:3e:4a:10:00\" bond_downdelay=200 "
                           "bond_updelay=31000 other-config:bond-detect-mode=miimon lacp=active "
                           "bond_mode=balance-tcp\n"));
    ir_vplan_clear(&p);
    sbuf_free(&cmds);
    ir_model_clear(&m);
}

static const char *ifcfg_of(const struct ir_files *fs, const char *path)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (!strcmp(fs->f[i].path, path)) {
            return sbuf_str(&fs->f[i].content);
        }
    }
    return NULL;
}

/* ifcfg-<ipdev> of a Static PIF (xenbr4: DNS list, network MTU override),
 * with the IPv6 management configuration beyond the original. */
static void test_ifcfg_static_ipv6(void **state)
{
    static const char *const path = "/etc/sysconfig/network-scripts/ifcfg-xenbr4";
    struct ir_model m;
    struct xapi_pif *pif;
    struct ir_files fs;

    (void)state;
    ir_model_init(&m);
    load(&m);
    assert_int_equal(ir_pif_by_bridge(&m, "xenbr4", (const struct xapi_pif **)&pif), 0);
    pif->ipv6_configuration_mode = strdup("Static");
    pif->ipv6_gateway = strdup("2001:db8::1");
    assert_int_equal(xapi_strv_append(&pif->ipv6, "2001:db8::11/64"), 0);
    assert_int_equal(xapi_strv_append(&pif->ipv6, "2001:db8::12/64"), 0);
    ir_files_init(&fs, false, NULL);
    assert_int_equal(
            ir_files_plan_up(&m, pif, ir_management_pif(&m), false, "interface-reconfigure", &fs),
            0);
    assert_int_equal(fs.n, 2); /* route-xenbr4, ifcfg-xenbr4: not the DNS/gateway PIF. */
    assert_string_equal(ifcfg_of(&fs, path),
                        "# DO NOT EDIT: This file (ifcfg-xenbr4) was autogenerated by "
                        "interface-reconfigure\n"
                        "XEMANAGED=yes\nDEVICE=xenbr4\nONBOOT=no\nNOZEROCONF=yes\nTYPE=Ethernet\n"
                        "BOOTPROTO=none\nNETMASK=255.255.255.0\nIPADDR=192.168.4.11\n"
                        "GATEWAY=192.168.4.1\n"
                        "IPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=2001:db8::11/64\n"
                        "IPV6ADDR_SECONDARIES=\"2001:db8::12/64\"\nIPV6_DEFAULTGW=2001:db8::1\n"
                        "MTU=9000\nDNS1=192.168.4.2\nDNS2=192.168.4.3\n");
    ir_files_clear(&fs);

    free(pif->ipv6_configuration_mode);
    pif->ipv6_configuration_mode = strdup("Autoconf");
    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_files_plan_up(&m, pif, NULL, false, "interface-reconfigure", &fs), 0);
    assert_non_null(strstr(ifcfg_of(&fs, path), "IPV6INIT=yes\nIPV6_AUTOCONF=yes\nMTU="));
    ir_files_clear(&fs);

    free(pif->ipv6_configuration_mode);
    pif->ipv6_configuration_mode = strdup("DHCP");
    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_files_plan_up(&m, pif, NULL, false, "interface-reconfigure", &fs), 0);
    assert_non_null(strstr(ifcfg_of(&fs, path), "IPV6INIT=yes\nIPV6_AUTOCONF=no\nDHCPV6C=yes\n"));
    ir_files_clear(&fs);

    /* A value that would inject a line into the shell-read file is refused. */
    free(pif->ipv6_configuration_mode);
    pif->ipv6_configuration_mode = strdup("Static");
    free(pif->ipv6.v[1]);
    pif->ipv6.v[1] = strdup("2001:db8::12/64\nONBOOT=yes");
    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_files_plan_up(&m, pif, NULL, false, "interface-reconfigure", &fs), -EINVAL);
    ir_files_clear(&fs);
    free(pif->ipv6_configuration_mode);
    pif->ipv6_configuration_mode = NULL;
    free(pif->gateway);
    pif->gateway = strdup("192.168.4.1\nONBOOT=yes");
    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_files_plan_up(&m, pif, NULL, false, "interface-reconfigure", &fs), -EINVAL);
    assert_int_equal(fs.n, 0);
    ir_files_clear(&fs);
    ir_model_clear(&m);
}

/* Q11: a PIF whose MAC /proc/ardence lists (PVS boot) is skipped. */
static void test_pvs_skip(void **state)
{
    static const char ardence[] = "some line\nNIC eth0 HWaddr: 00:16:3E:4A:10:02\n";
    struct ir_model m;
    const struct xapi_pif *eth2, *eth3;
    char *p;

    (void)state;
    ir_model_init(&m);
    load(&m);
    assert_int_equal(ir_pif_by_bridge(&m, "xenbr2", &eth2), 0);
    assert_int_equal(ir_pif_by_bridge(&m, "xenbr3", &eth3), 0);
    assert_false(ir_pvs_skip(eth2));
    p = paths_get("/proc");
    assert_int_equal(fsu_mkdir_p(p, 0755), 0);
    free(p);
    p = paths_get("/proc/ardence");
    assert_int_equal(fsu_write_atomic(p, ardence, strlen(ardence), 0644), 0);
    assert_true(ir_pvs_skip(eth2));
    assert_false(ir_pvs_skip(eth3));
    unlink(p);
    free(p);
    ir_model_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_xenbr2),
            cmocka_unit_test(test_xapi3),
            cmocka_unit_test(test_xapi1),
            cmocka_unit_test(test_xapi2),
            cmocka_unit_test(test_missing_device),
            cmocka_unit_test(test_attached_vlan_keeps_datapath),
            cmocka_unit_test(test_files_transaction),
            cmocka_unit_test(test_save_cache),
            cmocka_unit_test(test_force_rewrite),
            cmocka_unit_test(test_escape),
            cmocka_unit_test(test_bond_options),
            cmocka_unit_test(test_ifcfg_static_ipv6),
            cmocka_unit_test(test_pvs_skip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
