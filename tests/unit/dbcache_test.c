/* Unit tests for xapi-bindings/dbcache: the network.dbcache reader and
 * writer, against our own fixtures in tests/data/dbcache (the topology of
 * the OVS interface-reconfigure test suite, spec §11 item 1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbcache.h"
#include "fsutil.h"
#include "log.h"
#include "records.h"

/* Refs of the four-scenarios fixture. */
#define REF_ETH0     "OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372"
#define REF_ETH1     "OpaqueRef:e9371073-94d5-5e8d-8e89-6a7de87ba54a"
#define REF_BOND0    "OpaqueRef:f1249a18-a9aa-5927-a64a-186ab95a5d97"
#define REF_BOND0_4  "OpaqueRef:33ca213c-a6d6-5d2c-ae16-30ccf537a408"
#define REF_ETH2     "OpaqueRef:c25bf6d0-92c6-5e60-b603-8e4dc610879c"
#define REF_ETH3     "OpaqueRef:2eae6df2-27e4-548c-8f21-a0b5da5d90b1"
#define REF_ETH3_123 "OpaqueRef:ee427de6-9f40-52e5-b36c-1c17b5bdd57e"
#define REF_ETH4     "OpaqueRef:35fe653d-5566-5bcf-a867-fab1c1ccdb0f"
#define REF_VLAN4    "OpaqueRef:346b014c-f967-5af2-9686-c76c9b3dc8e8"
#define REF_VLAN123  "OpaqueRef:b4670d81-3a67-5340-b361-cb1dcc8a61be"
#define REF_XENBR0   "OpaqueRef:ce668dba-7066-5192-8b33-1635014e6f62"
#define REF_XAPI0    "OpaqueRef:3a75678a-0941-56d3-ba8c-c6233dfaa7dd"
#define REF_XENBR4   "OpaqueRef:b73d9922-5774-5786-b6d7-6169eedff3f6"

#define HEAD "<?xml version=\"1.0\" ?>\n<xenserver-network-configuration>\n"
#define TAIL "</xenserver-network-configuration>\n"

static char *data_path(const char *name)
{
    const char *src = getenv("XVS_SRC");
    char *path;

    assert_true(asprintf(&path, "%s/tests/data/dbcache/%s", src && *src ? src : ".", name) > 0);
    return path;
}

static char *slurp(const char *name, size_t *len)
{
    char *path = data_path(name), *data = NULL;
    int r = fsu_read_file(path, 1 << 20, &data, len);

    free(path);
    assert_int_equal(r, 0);
    return data;
}

static void load(const char *name, struct dbcache *db)
{
    char *path = data_path(name);

    assert_int_equal(dbcache_read(path, db), 0);
    free(path);
}

static int parse_str(const char *s, struct dbcache *db)
{
    return dbcache_parse(s, strlen(s), db);
}

static bool db_empty(const struct dbcache *db)
{
    return db->pifs.n == 0 && db->bonds.n == 0 && db->vlans.n == 0 && db->tunnels.n == 0 &&
           db->networks.n == 0 && db->pools.n == 0;
}

/* Runs parse_str with stderr captured; returns its result and the text. */
static int parse_capture(const char *s, struct dbcache *db, char *log, size_t size)
{
    char tmpl[] = "/tmp/dbcache_test.XXXXXX";
    int fd = mkstemp(tmpl), saved, r;
    ssize_t n;

    assert_true(fd >= 0);
    unlink(tmpl);
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    r = parse_str(s, db);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = pread(fd, log, size - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    return r;
}

static const struct xapi_pif *pif(const struct dbcache *db, const char *ref)
{
    const struct xapi_pif *p = xapi_record_list_find_ref(&db->pifs, ref);

    assert_non_null(p);
    return p;
}

static const struct xapi_network *network_by_bridge(const struct dbcache *db, const char *br)
{
    for (size_t i = 0; i < db->networks.n; i++) {
        const struct xapi_network *n = XAPI_LIST_ITEM(&db->networks, struct xapi_network, i);

        if (n->bridge && !strcmp(n->bridge, br)) {
            return n;
        }
    }
    fail_msg("no network with bridge %s", br);
    return NULL;
}

static void test_four_scenarios_counts(void **state)
{
    struct dbcache db;

    (void)state;
    load("four-scenarios.dbcache", &db);
    assert_int_equal(db.pifs.n, 8);
    assert_int_equal(db.bonds.n, 1);
    assert_int_equal(db.vlans.n, 2);
    assert_int_equal(db.tunnels.n, 0);
    assert_int_equal(db.networks.n, 9);
    assert_int_equal(db.pools.n, 1);
    /* File order is kept. */
    assert_string_equal(XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 0)->ref, REF_ETH0);
    assert_string_equal(XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 7)->ref, REF_ETH4);
    assert_string_equal(XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 0)->uuid,
                        "c5ac2c67-c23f-5858-9541-dc7a1d30b5e2");
    dbcache_clear(&db);
    assert_true(db_empty(&db));
}

static void test_bond_topology(void **state)
{
    struct dbcache db;
    const struct xapi_bond *bond;
    const struct xapi_pif *master;

    (void)state;
    load("four-scenarios.dbcache", &db);
    bond = XAPI_LIST_ITEM(&db.bonds, struct xapi_bond, 0);
    assert_string_equal(bond->ref, REF_BOND0);
    assert_string_equal(bond->master, REF_BOND0);
    assert_int_equal(bond->slaves.n, 2);
    assert_string_equal(bond->slaves.v[0], REF_ETH0);
    assert_string_equal(bond->slaves.v[1], REF_ETH1);
    master = pif(&db, bond->master);
    assert_string_equal(master->device, "bond0");
    assert_int_equal(master->bond_master_of.n, 1);
    assert_string_equal(master->bond_master_of.v[0], REF_BOND0);
    assert_string_equal(master->bond_slave_of, XAPI_NULL_REF);
    assert_string_equal(pif(&db, REF_ETH0)->bond_slave_of, REF_BOND0);
    assert_string_equal(pif(&db, REF_ETH1)->bond_slave_of, REF_BOND0);
    assert_int_equal(pif(&db, REF_ETH0)->bond_master_of.n, 0);
    assert_string_equal(network_by_bridge(&db, "xapi1")->pifs.v[0], REF_BOND0);
    assert_string_equal(xapi_map_get(&master->other_config, "bond-mode"), "active-backup");
    assert_string_equal(xapi_map_get(&master->other_config, "bond-miimon"), "100");
    assert_string_equal(xapi_map_get(&master->other_config, "mtu"), "1500");
    dbcache_clear(&db);
}

static void test_vlan_topology(void **state)
{
    struct dbcache db;
    const struct xapi_vlan *v4, *v123;

    (void)state;
    load("four-scenarios.dbcache", &db);
    v4 = xapi_record_list_find_ref(&db.vlans, REF_VLAN4);
    v123 = xapi_record_list_find_ref(&db.vlans, REF_VLAN123);
    assert_non_null(v4);
    assert_non_null(v123);
    /* VLAN 4 on the bond. */
    assert_string_equal(v4->tagged_pif, REF_BOND0);
    assert_string_equal(v4->untagged_pif, REF_BOND0_4);
    assert_int_equal(pif(&db, REF_BOND0_4)->vlan, 4);
    assert_string_equal(pif(&db, REF_BOND0_4)->device, "bond0");
    assert_string_equal(pif(&db, REF_BOND0_4)->vlan_master_of, REF_VLAN4);
    assert_int_equal(pif(&db, REF_BOND0)->vlan_slave_of.n, 1);
    assert_string_equal(pif(&db, REF_BOND0)->vlan_slave_of.v[0], REF_VLAN4);
    /* VLAN 123 on eth3. */
    assert_string_equal(v123->tagged_pif, REF_ETH3);
    assert_string_equal(v123->untagged_pif, REF_ETH3_123);
    assert_int_equal(pif(&db, REF_ETH3_123)->vlan, 123);
    assert_string_equal(pif(&db, REF_ETH3)->vlan_slave_of.v[0], REF_VLAN123);
    assert_string_equal(pif(&db, REF_ETH3)->vlan_master_of, XAPI_NULL_REF);
    assert_int_equal(pif(&db, REF_ETH3)->vlan, -1);
    assert_string_equal(network_by_bridge(&db, "xapi2")->pifs.v[0], REF_BOND0_4);
    assert_string_equal(network_by_bridge(&db, "xapi3")->pifs.v[0], REF_ETH3_123);
    dbcache_clear(&db);
}

static void test_management_and_ip(void **state)
{
    const struct xapi_pif *mgmt = NULL, *eth4;
    struct dbcache db;

    (void)state;
    load("four-scenarios.dbcache", &db);
    for (size_t i = 0; i < db.pifs.n; i++) {
        const struct xapi_pif *p = XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, i);

        if (p->management) {
            assert_null(mgmt);
            mgmt = p;
        }
    }
    assert_non_null(mgmt);
    assert_string_equal(mgmt->ref, REF_ETH2);
    assert_string_equal(mgmt->device, "eth2");
    assert_string_equal(mgmt->ip_configuration_mode, "DHCP");
    assert_string_equal(mgmt->ip, "");
    assert_string_equal(mgmt->mac, "00:16:3e:4a:10:02");
    assert_string_equal(xapi_map_get(&mgmt->other_config, "ethtool-tx"), "off");
    assert_string_equal(network_by_bridge(&db, "xenbr2")->ref, mgmt->network);
    eth4 = pif(&db, REF_ETH4);
    assert_string_equal(eth4->ip_configuration_mode, "Static");
    assert_string_equal(eth4->ip, "192.168.4.11");
    assert_string_equal(eth4->netmask, "255.255.255.0");
    assert_string_equal(eth4->gateway, "192.168.4.1");
    assert_string_equal(eth4->dns, "192.168.4.2,192.168.4.3");
    assert_string_equal(xapi_map_get(&eth4->other_config, "mtu"), "9000");
    assert_string_equal(pif(&db, REF_ETH0)->ip_configuration_mode, "None");
    dbcache_clear(&db);
}

static void test_networks_and_pool(void **state)
{
    static const char *const bridges[] = {"xenbr0", "xenbr1", "xapi1",  "xapi2", "xenbr2",
                                          "xenbr3", "xapi3",  "xenbr4", "xapi0"};
    const struct xapi_network *xenbr0, *xapi0, *xenbr4;
    const struct xapi_pool *pool;
    struct dbcache db;

    (void)state;
    load("four-scenarios.dbcache", &db);
    for (size_t i = 0; i < db.networks.n; i++) {
        const struct xapi_network *n = XAPI_LIST_ITEM(&db.networks, struct xapi_network, i);

        assert_string_equal(n->bridge, bridges[i]);
        /* Every PIF listed by a network points back at it. */
        for (size_t j = 0; j < n->pifs.n; j++) {
            assert_string_equal(pif(&db, n->pifs.v[j])->network, n->ref);
        }
    }
    xenbr0 = network_by_bridge(&db, "xenbr0");
    assert_string_equal(xenbr0->ref, REF_XENBR0);
    assert_string_equal(xenbr0->pifs.v[0], REF_ETH0);
    assert_int_equal(xenbr0->mtu, 1500);
    assert_string_equal(xapi_map_get(&xenbr0->other_config, "vswitch-disable-in-band"), "true");
    xapi0 = network_by_bridge(&db, "xapi0");
    assert_string_equal(xapi0->ref, REF_XAPI0);
    assert_int_equal(xapi0->pifs.n, 0);
    assert_int_equal(xapi0->mtu, 0); /* No MTU element: unknown. */
    assert_int_equal(xapi0->other_config.n, 0);
    xenbr4 = network_by_bridge(&db, "xenbr4");
    assert_string_equal(xenbr4->ref, REF_XENBR4);
    assert_int_equal(xenbr4->mtu, 9000);
    assert_string_equal(xapi_map_get(&xenbr4->other_config, "mtu"), "9000");
    pool = XAPI_LIST_ITEM(&db.pools, struct xapi_pool, 0);
    assert_string_equal(pool->ref, "OpaqueRef:a8dfcdbb-85ec-588f-bf30-ce0308793ffd");
    assert_null(pool->uuid);
    assert_string_equal(xapi_map_get(&pool->other_config, "vswitch-controller-fail-mode"),
                        "secure");
    dbcache_clear(&db);
}

static void test_currently_attached_reads_false(void **state)
{
    struct dbcache db;
    static const char key[] = "<currently_attached>False";
    size_t len, n = 0;
    char *text;

    (void)state;
    /* The fixture is in our writer's post-read form (all False); turn every
     * PIF's value to True, as written while XAPI had them plugged. */
    text = slurp("four-scenarios.dbcache", &len);
    for (size_t i = 0; i + sizeof key - 1 <= len; i++) {
        if (!memcmp(text + i, key, sizeof key - 1)) {
            memcpy(text + i + sizeof key - 6, "True ", 5);
            n++;
        }
    }
    assert_int_equal(n, 8);
    assert_int_equal(dbcache_parse(text, len, &db), 0);
    /* A cached value is stale by the time the cache is read (after a
     * reboot), so it always reads False, as in the original (quirk Q13). */
    for (size_t i = 0; i < db.pifs.n; i++) {
        assert_false(XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, i)->currently_attached);
    }
    dbcache_clear(&db);
    free(text);
    /* The old indented fixture says True for six PIFs. */
    load("indented.dbcache", &db);
    for (size_t i = 0; i < db.pifs.n; i++) {
        assert_false(XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, i)->currently_attached);
    }
    dbcache_clear(&db);
}

static void test_round_trip_byte_identical(void **state)
{
    static const char *const files[] = {"four-scenarios.dbcache", "tunnel.dbcache"};

    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct dbcache db;
        char *orig, *out;
        size_t olen, len;

        orig = slurp(files[i], &olen);
        assert_int_equal(dbcache_parse(orig, olen, &db), 0);
        assert_int_equal(dbcache_format(&db, &out, &len), 0);
        assert_int_equal(len, olen);
        assert_string_equal(out, orig);
        free(out);
        free(orig);
        dbcache_clear(&db);
    }
}

static void test_indented_equals_inline(void **state)
{
    struct dbcache a, b;
    char *fa, *fb;
    size_t la, lb;

    (void)state;
    load("four-scenarios.dbcache", &a);
    load("indented.dbcache", &b);
    assert_int_equal(b.pifs.n, 8);
    assert_int_equal(b.networks.n, 9);
    assert_string_equal(pif(&b, REF_ETH2)->ip_configuration_mode, "DHCP");
    assert_string_equal(pif(&b, REF_ETH0)->ip, "");
    assert_int_equal(pif(&b, REF_ETH3_123)->vlan, 123);
    assert_int_equal(dbcache_format(&a, &fa, &la), 0);
    assert_int_equal(dbcache_format(&b, &fb, &lb), 0);
    assert_string_equal(fa, fb);
    free(fa);
    free(fb);
    dbcache_clear(&a);
    dbcache_clear(&b);
}

static void test_tunnels_kept(void **state)
{
    const struct xapi_tunnel *t;
    struct dbcache db;

    (void)state;
    load("tunnel.dbcache", &db);
    /* The original stored tunnels into the VLAN table (quirk Q4). */
    assert_int_equal(db.tunnels.n, 1);
    assert_int_equal(db.vlans.n, 0);
    t = XAPI_LIST_ITEM(&db.tunnels, struct xapi_tunnel, 0);
    assert_string_equal(t->ref, "OpaqueRef:a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
    assert_string_equal(t->uuid, "2f1a0b9c-8d7e-4f6a-8b43-2c3d4e5f6a73");
    assert_string_equal(pif(&db, t->access_pif)->device, "tunnel0");
    assert_string_equal(pif(&db, t->transport_pif)->device, "eth5");
    assert_string_equal(pif(&db, t->access_pif)->tunnel_access_pif_of.v[0], t->ref);
    assert_string_equal(pif(&db, t->transport_pif)->tunnel_transport_pif_of.v[0], t->ref);
    assert_string_equal(xapi_map_get(&network_by_bridge(&db, "xapi7")->other_config,
                                     "vswitch-controller-fail-mode"),
                        "standalone");
    dbcache_clear(&db);
}

static void test_bad_boolean(void **state)
{
    struct dbcache db;
    char log[1024];

    (void)state;
    assert_int_equal(parse_capture(HEAD "<pif ref=\"OpaqueRef:p\"><uuid>u</uuid>"
                                        "<management>yes</management></pif>" TAIL,
                                   &db, log, sizeof log),
                     -EBADMSG);
    assert_true(db_empty(&db));
    assert_non_null(strstr(log, "management"));
    assert_non_null(strstr(log, "'yes'"));
    assert_int_equal(parse_str(HEAD "<pif ref=\"OpaqueRef:p\"><management>true</management>"
                                    "</pif>" TAIL,
                               &db),
                     -EBADMSG);
    /* currently_attached is ignored on read, but it must still be a bool. */
    assert_int_equal(parse_str(HEAD "<pif ref=\"OpaqueRef:p\"><currently_attached>1"
                                    "</currently_attached></pif>" TAIL,
                               &db),
                     -EBADMSG);
    assert_true(db_empty(&db));
}

static void test_unknown_element(void **state)
{
    struct dbcache db;
    char log[1024];

    (void)state;
    assert_int_equal(parse_capture(HEAD
                                   "<pif ref=\"OpaqueRef:p\"/><host ref=\"OpaqueRef:h\"/>" TAIL,
                                   &db, log, sizeof log),
                     -EBADMSG);
    assert_true(db_empty(&db));
    assert_non_null(strstr(log, "line 3: Unknown XML element host"));
    assert_ptr_equal(strchr(log, '\n'), log + strlen(log) - 1);
    /* A namespaced record element is not a record either. */
    assert_int_equal(parse_capture(HEAD "<x:pif xmlns:x=\"urn:x\" ref=\"OpaqueRef:p\"/>" TAIL, &db,
                                   log, sizeof log),
                     -EBADMSG);
    assert_non_null(strstr(log, "Unknown XML element x:pif"));
}

static void test_missing_or_duplicate_ref(void **state)
{
    struct dbcache db;

    (void)state;
    assert_int_equal(parse_str(HEAD "<network><uuid>u</uuid></network>" TAIL, &db), -EBADMSG);
    assert_true(db_empty(&db));
    assert_int_equal(parse_str(HEAD "<bond ref=\"\"/>" TAIL, &db), -EBADMSG);
    assert_int_equal(
            parse_str(HEAD "<vlan ref=\"OpaqueRef:v\"/><vlan ref=\"OpaqueRef:v\"/>" TAIL, &db),
            -EBADMSG);
    assert_true(db_empty(&db));
    /* The same ref in two classes is two objects. */
    assert_int_equal(
            parse_str(HEAD "<vlan ref=\"OpaqueRef:v\"/><tunnel ref=\"OpaqueRef:v\"/>" TAIL, &db),
            0);
    assert_int_equal(db.vlans.n, 1);
    assert_int_equal(db.tunnels.n, 1);
    dbcache_clear(&db);
}

static void test_bad_integers(void **state)
{
    static const char *const docs[] = {
            HEAD "<pif ref=\"OpaqueRef:p\"><VLAN>four</VLAN></pif>" TAIL,
            HEAD "<pif ref=\"OpaqueRef:p\"><VLAN/></pif>" TAIL,
            HEAD "<pif ref=\"OpaqueRef:p\"><VLAN>4x</VLAN></pif>" TAIL,
            HEAD "<pif ref=\"OpaqueRef:p\"><VLAN>99999999999999999999</VLAN></pif>" TAIL,
            HEAD "<network ref=\"OpaqueRef:n\"><MTU>1500.0</MTU></network>" TAIL,
            HEAD "<network ref=\"OpaqueRef:n\"><MTU>- 1</MTU></network>" TAIL,
    };
    struct dbcache db;

    (void)state;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        assert_int_equal(parse_str(docs[i], &db), -EBADMSG);
        assert_true(db_empty(&db));
    }
    assert_int_equal(parse_str(HEAD "<network ref=\"OpaqueRef:n\"><MTU>\n\t9000\n</MTU>"
                                    "</network>" TAIL,
                               &db),
                     0);
    assert_int_equal(XAPI_LIST_ITEM(&db.networks, struct xapi_network, 0)->mtu, 9000);
    dbcache_clear(&db);
}

static void test_other_config_whitelists_on_read(void **state)
{
    const struct xapi_pif *p;
    const struct xapi_network *n;
    const struct xapi_pool *pool;
    struct dbcache db;

    (void)state;
    assert_int_equal(
            parse_str(HEAD "<pif ref=\"OpaqueRef:p\"><other_config><mtu>9000</mtu>"
                           "<nicira-iface-id>x</nicira-iface-id><ethtool-gro>off</ethtool-gro>"
                           "<bond-mode>lacp</bond-mode></other_config></pif>"
                           "<network ref=\"OpaqueRef:n\"><other_config><bond-mode>lacp</bond-mode>"
                           "<vswitch-disable-in-band>true</vswitch-disable-in-band>"
                           "<nicira-bridge-id>b</nicira-bridge-id></other_config></network>"
                           "<pool ref=\"OpaqueRef:o\"><other_config><vswitch-controller-fail-mode>"
                           "standalone</vswitch-controller-fail-mode><memory-ratio-hvm>0.25"
                           "</memory-ratio-hvm></other_config></pool>" TAIL,
                      &db),
            0);
    p = XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 0);
    assert_int_equal(p->other_config.n, 3);
    assert_null(xapi_map_get(&p->other_config, "nicira-iface-id"));
    assert_string_equal(xapi_map_get(&p->other_config, "ethtool-gro"), "off");
    n = XAPI_LIST_ITEM(&db.networks, struct xapi_network, 0);
    assert_int_equal(n->other_config.n, 1);
    assert_null(xapi_map_get(&n->other_config, "bond-mode")); /* PIF-only key. */
    assert_null(xapi_map_get(&n->other_config, "nicira-bridge-id"));
    pool = XAPI_LIST_ITEM(&db.pools, struct xapi_pool, 0);
    assert_int_equal(pool->other_config.n, 1);
    assert_string_equal(xapi_map_get(&pool->other_config, "vswitch-controller-fail-mode"),
                        "standalone");
    dbcache_clear(&db);
}

static void test_other_config_whitelists_on_write(void **state)
{
    struct xapi_pool *pool;
    struct dbcache db;
    char *out, log[1024];
    size_t len;
    int fd, saved;
    char tmpl[] = "/tmp/dbcache_test.XXXXXX";
    ssize_t n;

    (void)state;
    assert_int_equal(parse_str(HEAD "<pool ref=\"OpaqueRef:o\"/>" TAIL, &db), 0);
    pool = XAPI_LIST_ITEM(&db.pools, struct xapi_pool, 0);
    /* As XAPI hands it over: unfiltered (quirk Q6). */
    assert_int_equal(xapi_map_set(&pool->other_config, "memory-ratio-hvm", "0.25"), 0);
    assert_int_equal(xapi_map_set(&pool->other_config, "vswitch-controller-fail-mode", "secure"),
                     0);
    fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    unlink(tmpl);
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = pread(fd, log, sizeof log - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    assert_non_null(strstr(log, "Unknown other-config attribute: memory-ratio-hvm"));
    assert_string_equal(out, HEAD "\t<pool ref=\"OpaqueRef:o\">\n\t\t<other_config>\n"
                                  "\t\t\t<vswitch-controller-fail-mode>secure"
                                  "</vswitch-controller-fail-mode>\n"
                                  "\t\t</other_config>\n\t</pool>\n" TAIL);
    free(out);
    dbcache_clear(&db);
    assert_true(dbcache_pif_key_kept("bond-hashing-algorithm"));
    assert_true(dbcache_pif_key_kept("ethtool-lro"));
    assert_false(dbcache_pif_key_kept("vswitch-disable-in-band"));
    assert_true(dbcache_network_key_kept("vswitch-disable-in-band"));
    assert_true(dbcache_network_key_kept("ethtool-autoneg"));
    assert_false(dbcache_network_key_kept("bond-mode"));
    assert_false(dbcache_network_key_kept(NULL));
}

static void test_defaults_and_empty_forms(void **state)
{
    const struct xapi_pif *p;
    struct dbcache db;
    char *out;
    size_t len;

    (void)state;
    /* A minimal PIF, as the --force rewrite writes: absent fields keep
     * their defaults, VLAN defaults to "not a VLAN"; both empty forms of an
     * element read as the empty string; a repeated field replaces. */
    assert_int_equal(parse_str(HEAD "<pif ref=\"OpaqueRef:p\"><uuid>old</uuid><uuid>eth0Pif</uuid>"
                                    "<IP></IP><netmask/><DNS>  </DNS><gateway><![CDATA[10.0.0.1]]>"
                                    "</gateway><device>eth0<!-- c --></device>"
                                    "<future_field>x</future_field></pif>" TAIL,
                               &db),
                     0);
    p = XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 0);
    assert_string_equal(p->uuid, "eth0Pif");
    assert_string_equal(p->ip, "");
    assert_string_equal(p->netmask, "");
    assert_string_equal(p->dns, "");
    assert_string_equal(p->gateway, "10.0.0.1");
    assert_string_equal(p->device, "eth0");
    assert_int_equal(p->vlan, -1);
    assert_null(p->network);
    assert_null(p->mac);
    assert_false(p->management);
    assert_int_equal(p->bond_master_of.n, 0);
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    /* NULL refs are written as XAPI's null ref, NULL strings as empty. */
    assert_non_null(strstr(out, "\t\t<network>OpaqueRef:NULL</network>\n"));
    assert_non_null(strstr(out, "\t\t<MAC/>\n"));
    assert_non_null(strstr(out, "\t\t<VLAN>-1</VLAN>\n"));
    assert_non_null(strstr(out, "\t\t<bond_master_of/>\n"));
    assert_non_null(strstr(out, "\t\t<currently_attached>False</currently_attached>\n"));
    assert_null(strstr(out, "future_field"));
    free(out);
    dbcache_clear(&db);
}

static void test_format_escaping_and_stability(void **state)
{
    struct dbcache db, again;
    char *out, *out2;
    size_t len, len2;
    struct xapi_network *n;

    (void)state;
    assert_int_equal(parse_str(HEAD "<network ref=\"OpaqueRef:a&amp;b&#9;c\"><bridge>x&lt;y&gt;"
                                    "&quot;z&quot;&#13;</bridge><MTU>0</MTU><PIFs><PIF/>"
                                    "<PIF>r</PIF><other>ignored</other></PIFs></network>" TAIL,
                               &db),
                     0);
    n = XAPI_LIST_ITEM(&db.networks, struct xapi_network, 0);
    assert_string_equal(n->ref, "OpaqueRef:a&b\tc");
    assert_string_equal(n->bridge, "x<y>\"z\""); /* The CR is trailing space. */
    assert_int_equal(n->pifs.n, 2);
    assert_string_equal(n->pifs.v[0], "");
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    assert_non_null(strstr(out, "ref=\"OpaqueRef:a&amp;b&#9;c\""));
    assert_non_null(strstr(out, "<bridge>x&lt;y&gt;&quot;z&quot;</bridge>"));
    assert_null(strstr(out, "<MTU>")); /* 0: unknown, not written. */
    assert_non_null(strstr(out, "\t\t\t<PIF/>\n\t\t\t<PIF>r</PIF>\n"));
    assert_int_equal(dbcache_parse(out, len, &again), 0);
    assert_int_equal(dbcache_format(&again, &out2, &len2), 0);
    assert_string_equal(out, out2);
    free(out);
    free(out2);
    dbcache_clear(&again);
    /* Text XML cannot carry is refused rather than written unreadable. */
    free(n->bridge);
    n->bridge = strdup("bad\001");
    assert_int_equal(dbcache_format(&db, &out, &len), -EINVAL);
    assert_null(out);
    free(n->bridge);
    n->bridge = strdup("bad\xc3");
    assert_int_equal(dbcache_format(&db, &out, &len), -EINVAL);
    dbcache_clear(&db);
}

static void test_empty_cache(void **state)
{
    struct dbcache db;
    char *out;
    size_t len;

    (void)state;
    dbcache_init(&db);
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    assert_string_equal(out, "<?xml version=\"1.0\" ?>\n<xenserver-network-configuration/>\n");
    assert_int_equal(dbcache_parse(out, len, &db), 0);
    assert_true(db_empty(&db));
    free(out);
    dbcache_clear(NULL);
}

static void test_malformed_documents(void **state)
{
    static const char *const docs[] = {
            "",
            "   \n",
            "garbage",
            "\x89PNG\r\n\x1a\n\x00\x00",
            "<?xml version=\"1.0\" ?>\n<xenserver-network-configuration>\n\t<pif ref=\"x\">",
            "<?xml version=\"1.0\" ?>\n<network-configuration/>\n",
            "<?xml version=\"1.0\" ?>\n<x:xenserver-network-configuration xmlns:x=\"urn:x\"/>\n",
            HEAD "<pif ref=\"OpaqueRef:p\"><uuid>&undeclared;</uuid></pif>" TAIL,
            HEAD "<pif ref=\"OpaqueRef:p\"><uuid>\xff\xfe</uuid></pif>" TAIL,
            HEAD TAIL "<trailing/>",
    };
    struct dbcache db;
    char log[2048];

    (void)state;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        assert_int_equal(parse_capture(docs[i], &db, log, sizeof log), -EBADMSG);
        assert_true(db_empty(&db));
        /* One clean line, no libxml2 noise. */
        assert_non_null(strstr(log, "network.dbcache: "));
        assert_ptr_equal(strchr(log, '\n'), log + strlen(log) - 1);
    }
}

static void test_truncated_fixture(void **state)
{
    struct dbcache db;
    size_t len;
    char *text;

    (void)state;
    text = slurp("four-scenarios.dbcache", &len);
    for (size_t cut = 1; cut < len; cut += len / 7) {
        assert_int_equal(dbcache_parse(text, cut, &db), -EBADMSG);
        assert_true(db_empty(&db));
    }
    assert_int_equal(dbcache_parse(text, len - 2, &db), -EBADMSG);
    free(text);
}

static void test_doctype_rejected(void **state)
{
    static const char *const docs[] = {
            ("<?xml version=\"1.0\"?>\n<!DOCTYPE xenserver-network-configuration [\n"
             "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
             "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
             "<xenserver-network-configuration>&c;</xenserver-network-configuration>"),
            ("<!DOCTYPE xenserver-network-configuration SYSTEM \"file:///etc/passwd\">\n"
             "<xenserver-network-configuration/>"),
            ("<!DOCTYPE xenserver-network-configuration>\n<xenserver-network-configuration/>"),
    };
    struct dbcache db;
    char log[1024];

    (void)state;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        assert_int_equal(parse_capture(docs[i], &db, log, sizeof log), -EBADMSG);
        assert_true(db_empty(&db));
        assert_non_null(strstr(log, "DOCTYPE"));
    }
}

static void test_too_big(void **state)
{
    size_t len = ((size_t)64 << 20) + 1;
    char *big = calloc(1, len);
    struct dbcache db;

    (void)state;
    assert_non_null(big);
    assert_int_equal(dbcache_parse(big, len, &db), -E2BIG);
    assert_true(db_empty(&db));
    free(big);
}

/* A scratch folder for the write tests. */
static char *make_tmpdir(void)
{
    char *dir = strdup("/tmp/dbcache_test.XXXXXX");

    assert_non_null(mkdtemp(dir));
    return dir;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            n++;
        }
    }
    closedir(d);
    return n;
}

static void remove_tree(const char *dir, const char *file)
{
    char *p;

    assert_true(asprintf(&p, "%s/%s", dir, file) > 0);
    unlink(p);
    rmdir(p);
    free(p);
    assert_int_equal(rmdir(dir), 0);
}

static void test_write_atomic(void **state)
{
    struct dbcache db, back;
    char *dir = make_tmpdir(), *path, *data, *expect;
    size_t len, elen;
    struct stat st;

    (void)state;
    assert_true(asprintf(&path, "%s/network.dbcache", dir) > 0);
    assert_int_equal(fsu_write_atomic(path, "old", 3, 0600), 0);
    load("four-scenarios.dbcache", &db);
    assert_int_equal(dbcache_write(path, &db), 0);
    assert_int_equal(fsu_read_file(path, 1 << 20, &data, &len), 0);
    expect = slurp("four-scenarios.dbcache", &elen);
    assert_string_equal(data, expect);
    assert_int_equal(count_entries(dir), 1); /* No temporary file left. */
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(dbcache_read(path, &back), 0);
    assert_int_equal(back.pifs.n, 8);
    dbcache_clear(&back);
    dbcache_clear(&db);
    free(data);
    free(expect);
    remove_tree(dir, "network.dbcache");
    free(path);
    free(dir);
}

static void test_write_failure_keeps_old(void **state)
{
    struct dbcache db;
    char *dir = make_tmpdir(), *path, *data;
    size_t len;

    (void)state;
    assert_true(asprintf(&path, "%s/network.dbcache", dir) > 0);
    assert_int_equal(fsu_write_atomic(path, "old", 3, 0644), 0);
    load("four-scenarios.dbcache", &db);
    /* A record the writer refuses: nothing is written at all. */
    free(XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 3)->ref);
    XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 3)->ref = NULL;
    assert_int_equal(dbcache_write(path, &db), -EINVAL);
    assert_int_equal(fsu_read_file(path, 1 << 20, &data, &len), 0);
    assert_string_equal(data, "old");
    free(data);
    assert_int_equal(count_entries(dir), 1);
    dbcache_clear(&db);
    /* Read-only folder (root ignores the mode, so only checked otherwise). */
    if (geteuid() != 0) {
        load("four-scenarios.dbcache", &db);
        assert_int_equal(chmod(dir, 0555), 0);
        assert_int_equal(dbcache_write(path, &db), -EACCES);
        assert_int_equal(chmod(dir, 0755), 0);
        assert_int_equal(fsu_read_file(path, 1 << 20, &data, &len), 0);
        assert_string_equal(data, "old");
        free(data);
        dbcache_clear(&db);
    }
    assert_int_equal(count_entries(dir), 1);
    remove_tree(dir, "network.dbcache");
    free(path);
    free(dir);
}

static void test_write_over_directory_and_missing_dir(void **state)
{
    struct dbcache db;
    char *dir = make_tmpdir(), *path, *missing;
    struct stat st;

    (void)state;
    assert_true(asprintf(&path, "%s/network.dbcache", dir) > 0);
    assert_true(asprintf(&missing, "%s/no/such/network.dbcache", dir) > 0);
    assert_int_equal(mkdir(path, 0755), 0);
    load("four-scenarios.dbcache", &db);
    assert_true(dbcache_write(path, &db) < 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(count_entries(dir), 1); /* The temporary file is gone. */
    assert_int_equal(dbcache_write(missing, &db), -ENOENT);
    assert_int_equal(count_entries(dir), 1);
    dbcache_clear(&db);
    remove_tree(dir, "network.dbcache");
    free(missing);
    free(path);
    free(dir);
}

static void test_read_errors(void **state)
{
    struct dbcache db;
    char *dir = make_tmpdir(), *path;

    (void)state;
    assert_true(asprintf(&path, "%s/network.dbcache", dir) > 0);
    assert_int_equal(dbcache_read(path, &db), -ENOENT);
    assert_true(db_empty(&db));
    assert_int_equal(fsu_write_atomic(path, "<x/>", 4, 0644), 0);
    assert_int_equal(dbcache_read(path, &db), -EBADMSG);
    assert_true(db_empty(&db));
    remove_tree(dir, "network.dbcache");
    free(path);
    free(dir);
}

/* The IPv6 fields (beyond the original) are read and written when present,
 * in a stable place after MAC, and a cache without them keeps its layout. */
static void test_ipv6_fields(void **state)
{
    static const char doc[] = HEAD "\t<pif ref=\"OpaqueRef:p6\">\n"
                                   "\t\t<uuid>u6</uuid>\n"
                                   "\t\t<management>True</management>\n"
                                   "\t\t<network>OpaqueRef:n6</network>\n"
                                   "\t\t<device>eth0</device>\n"
                                   "\t\t<bond_master_of/>\n"
                                   "\t\t<bond_slave_of>OpaqueRef:NULL</bond_slave_of>\n"
                                   "\t\t<VLAN>-1</VLAN>\n"
                                   "\t\t<VLAN_master_of>OpaqueRef:NULL</VLAN_master_of>\n"
                                   "\t\t<VLAN_slave_of/>\n"
                                   "\t\t<tunnel_access_PIF_of/>\n"
                                   "\t\t<tunnel_transport_PIF_of/>\n"
                                   "\t\t<ip_configuration_mode>None</ip_configuration_mode>\n"
                                   "\t\t<IP/>\n"
                                   "\t\t<netmask/>\n"
                                   "\t\t<gateway/>\n"
                                   "\t\t<DNS/>\n"
                                   "\t\t<MAC>00:16:3e:00:00:06</MAC>\n"
                                   "\t\t<ipv6_configuration_mode>Static</ipv6_configuration_mode>\n"
                                   "\t\t<IPv6>\n"
                                   "\t\t\t<address>2001:db8::10/64</address>\n"
                                   "\t\t\t<address>2001:db8::11/64</address>\n"
                                   "\t\t</IPv6>\n"
                                   "\t\t<ipv6_gateway>2001:db8::1</ipv6_gateway>\n"
                                   "\t\t<primary_address_type>IPv6</primary_address_type>\n"
                                   "\t\t<other_config/>\n"
                                   "\t\t<currently_attached>False</currently_attached>\n"
                                   "\t</pif>\n" TAIL;
    struct dbcache db;
    struct xapi_pif *p;
    char *out = NULL, *fixture;
    size_t len = 0, flen = 0;

    (void)state;
    assert_int_equal(parse_str(doc, &db), 0);
    p = XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 0);
    assert_string_equal(p->ipv6_configuration_mode, "Static");
    assert_int_equal(p->ipv6.n, 2);
    assert_string_equal(p->ipv6.v[0], "2001:db8::10/64");
    assert_string_equal(p->ipv6.v[1], "2001:db8::11/64");
    assert_string_equal(p->ipv6_gateway, "2001:db8::1");
    assert_string_equal(p->primary_address_type, "IPv6");
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    assert_string_equal(out, doc);
    free(out);

    /* Autoconf without addresses: the empty list is written, as XAPI has it. */
    free(p->ipv6_configuration_mode);
    p->ipv6_configuration_mode = strdup("Autoconf");
    xapi_strv_clear(&p->ipv6);
    free(p->ipv6_gateway);
    p->ipv6_gateway = NULL;
    free(p->primary_address_type);
    p->primary_address_type = NULL;
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    assert_non_null(strstr(out, "</MAC>\n\t\t<ipv6_configuration_mode>Autoconf"
                                "</ipv6_configuration_mode>\n\t\t<IPv6/>\n\t\t<other_config/>"));
    free(out);

    /* None of them: nothing is written, the original's layout. */
    free(p->ipv6_configuration_mode);
    p->ipv6_configuration_mode = NULL;
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    assert_null(strstr(out, "ipv6"));
    assert_null(strstr(out, "IPv6"));
    assert_non_null(strstr(out, "</MAC>\n\t\t<other_config/>"));
    free(out);
    dbcache_clear(&db);

    /* Files without them round-trip byte for byte, and read back NULL. */
    fixture = slurp("four-scenarios.dbcache", &flen);
    assert_int_equal(dbcache_parse(fixture, flen, &db), 0);
    p = XAPI_LIST_ITEM(&db.pifs, struct xapi_pif, 0);
    assert_null(p->ipv6_configuration_mode);
    assert_int_equal(p->ipv6.n, 0);
    assert_null(p->ipv6_gateway);
    assert_null(p->primary_address_type);
    assert_int_equal(dbcache_format(&db, &out, &len), 0);
    assert_int_equal(len, flen);
    assert_memory_equal(out, fixture, flen);
    free(out);
    free(fixture);
    dbcache_clear(&db);
}

static int setup(void **state)
{
    (void)state;
    xlog_open("dbcache_test", false);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_four_scenarios_counts),
            cmocka_unit_test(test_bond_topology),
            cmocka_unit_test(test_vlan_topology),
            cmocka_unit_test(test_management_and_ip),
            cmocka_unit_test(test_networks_and_pool),
            cmocka_unit_test(test_currently_attached_reads_false),
            cmocka_unit_test(test_round_trip_byte_identical),
            cmocka_unit_test(test_indented_equals_inline),
            cmocka_unit_test(test_tunnels_kept),
            cmocka_unit_test(test_bad_boolean),
            cmocka_unit_test(test_unknown_element),
            cmocka_unit_test(test_missing_or_duplicate_ref),
            cmocka_unit_test(test_bad_integers),
            cmocka_unit_test(test_other_config_whitelists_on_read),
            cmocka_unit_test(test_other_config_whitelists_on_write),
            cmocka_unit_test(test_defaults_and_empty_forms),
            cmocka_unit_test(test_format_escaping_and_stability),
            cmocka_unit_test(test_empty_cache),
            cmocka_unit_test(test_malformed_documents),
            cmocka_unit_test(test_truncated_fixture),
            cmocka_unit_test(test_doctype_rejected),
            cmocka_unit_test(test_too_big),
            cmocka_unit_test(test_write_atomic),
            cmocka_unit_test(test_write_failure_keeps_old),
            cmocka_unit_test(test_write_over_directory_and_missing_dir),
            cmocka_unit_test(test_read_errors),
            cmocka_unit_test(test_ipv6_fields),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
