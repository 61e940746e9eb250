/* Unit tests for xapi-bindings/sim/sim_db and sim_seed: the simulator's
 * object store, its state file, and seeding from a network.dbcache.
 *
 * The simulator's modules are not part of libxapi.a, so the modules under
 * test are compiled into this program directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbcache.h"
#include "fsutil.h"
#include "log.h"
#include "records.h"
#include "sbuf.h"
#include "xmlrpc.h"
#include "sim/sim_db.h"
#include "sim/sim_seed.h"

#define HOST_UUID "0c6e3e32-8d9b-4f4e-9d0a-5f0b7d6b1a01"
#define DOM0_UUID "7a1f3c55-2b1e-4c8f-9e4e-2d6a0b9c8d02"

/* PIF refs of four-scenarios.dbcache. */
#define ETH0_REF  "OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372"
#define ETH0_UUID "c5ac2c67-c23f-5858-9541-dc7a1d30b5e2"
#define BOND0_REF "OpaqueRef:f1249a18-a9aa-5927-a64a-186ab95a5d97"
#define VLAN4_REF "OpaqueRef:33ca213c-a6d6-5d2c-ae16-30ccf537a408"
#define ETH4_REF  "OpaqueRef:35fe653d-5566-5bcf-a867-fab1c1ccdb0f"
#define POOL_REF  "OpaqueRef:a8dfcdbb-85ec-588f-bf30-ce0308793ffd"

struct fixture {
    struct sim_db *db;
    char dir[64];
};

static char *data_path(const char *rel)
{
    const char *src = getenv("XVS_SRC");
    char *path = NULL;

    assert_true(asprintf(&path, "%s/%s", src && *src ? src : ".", rel) > 0);
    return path;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct sim_seed_info info = {HOST_UUID, DOM0_UUID, "simhost"};
    char *path = data_path("tests/data/dbcache/four-scenarios.dbcache");
    struct dbcache cache;
    char err[256] = "";

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sim_db_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    dbcache_init(&cache);
    assert_int_equal(dbcache_read(path, &cache), 0);
    assert_int_equal(sim_db_new(&f->db), 0);
    if (sim_seed(f->db, &cache, &info, err, sizeof err) != 0) {
        fail_msg("seed failed: %s", err);
    }
    dbcache_clear(&cache);
    free(path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    sim_db_free(f->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static const char *member_str(const struct xr_value *rec, const char *name)
{
    const char *s = xr_get_string(xr_struct_get(rec, name));

    if (!s) {
        fail_msg("member %s missing or not a string", name);
    }
    return s;
}

static bool member_bool(const struct xr_value *rec, const char *name)
{
    bool b = false;

    assert_int_equal(xr_get_bool(xr_struct_get(rec, name), &b), 0);
    return b;
}

static const struct xr_value *network_by_bridge(const struct sim_db *db, const char *bridge)
{
    for (size_t i = 0; i < sim_db_count(db, &xapi_class_network); i++) {
        const struct xr_value *n = sim_db_record_at(db, &xapi_class_network, i);

        if (!strcmp(member_str(n, "bridge"), bridge)) {
            return n;
        }
    }
    fail_msg("no network on %s", bridge);
    return NULL;
}

static void test_counts_per_class(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(sim_db_count(f->db, &xapi_class_pif), 8);
    assert_int_equal(sim_db_count(f->db, &xapi_class_pif_metrics), 8);
    assert_int_equal(sim_db_count(f->db, &xapi_class_network), 9);
    assert_int_equal(sim_db_count(f->db, &xapi_class_bond), 1);
    assert_int_equal(sim_db_count(f->db, &xapi_class_vlan), 2);
    assert_int_equal(sim_db_count(f->db, &xapi_class_tunnel), 0);
    assert_int_equal(sim_db_count(f->db, &xapi_class_host), 1);
    assert_int_equal(sim_db_count(f->db, &xapi_class_pool), 1);
    /* The control domain. */
    assert_int_equal(sim_db_count(f->db, &xapi_class_vm), 1);
    assert_int_equal(sim_db_count(f->db, &xapi_class_vif), 0);
    assert_int_equal(sim_db_count(f->db, &xapi_class_sdn_controller), 0);
}

static void test_host_and_pifs_point_at_each_other(void **state)
{
    struct fixture *f = *state;
    const char *host_ref = sim_seed_host_ref(f->db);
    const struct xr_value *host = sim_db_get(f->db, &xapi_class_host, host_ref);
    const struct xr_value *pifs = xr_struct_get(host, "PIFs");

    assert_non_null(host);
    assert_string_equal(member_str(host, "uuid"), HOST_UUID);
    assert_string_equal(member_str(host, "hostname"), "simhost");
    assert_string_equal(sim_db_find_uuid(f->db, &xapi_class_host, HOST_UUID), host_ref);
    assert_int_equal(xr_array_len(pifs), 8);
    for (size_t i = 0; i < 8; i++) {
        const char *ref = xr_get_string(xr_array_get(pifs, i));
        const struct xr_value *pif = sim_db_get(f->db, &xapi_class_pif, ref);

        assert_non_null(pif);
        assert_string_equal(ref, sim_db_ref_at(f->db, &xapi_class_pif, i));
        assert_string_equal(member_str(pif, "host"), host_ref);
        assert_false(member_bool(pif, "currently_attached"));
        assert_non_null(sim_db_get(f->db, &xapi_class_pif_metrics, member_str(pif, "metrics")));
    }
}

static void test_pif_fields(void **state)
{
    struct fixture *f = *state;
    const struct xr_value *eth0 = sim_db_get(f->db, &xapi_class_pif, ETH0_REF);
    const struct xr_value *bond0 = sim_db_get(f->db, &xapi_class_pif, BOND0_REF);
    const struct xr_value *vlan4 = sim_db_get(f->db, &xapi_class_pif, VLAN4_REF);
    const struct xr_value *eth4 = sim_db_get(f->db, &xapi_class_pif, ETH4_REF);

    /* Refs and uuids of the cache are kept. */
    assert_string_equal(member_str(eth0, "uuid"), ETH0_UUID);
    assert_string_equal(sim_db_find_uuid(f->db, &xapi_class_pif, ETH0_UUID), ETH0_REF);
    assert_string_equal(member_str(eth0, "device"), "eth0");
    assert_string_equal(member_str(eth0, "VLAN"), "-1");
    assert_string_equal(member_str(eth0, "MTU"), "1500");
    assert_string_equal(member_str(eth0, "bond_slave_of"), BOND0_REF);
    assert_string_equal(member_str(eth0, "MAC"), "00:16:3e:4a:10:00");
    assert_true(member_bool(eth0, "physical"));
    assert_false(member_bool(bond0, "physical"));
    assert_false(member_bool(vlan4, "physical"));
    assert_string_equal(member_str(vlan4, "VLAN"), "4");
    assert_true(member_bool(eth4, "physical"));
    /* Its network has MTU 9000. */
    assert_string_equal(member_str(eth4, "MTU"), "9000");
    assert_string_equal(member_str(eth0, "ip_configuration_mode"), "None");
    assert_string_equal(member_str(eth0, "primary_address_type"), "IPv4");
    assert_string_equal(
            xr_get_string(xr_struct_get(xr_struct_get(bond0, "other_config"), "bond-mode")),
            "active-backup");
}

static void test_networks_bonds_vlans_pool(void **state)
{
    struct fixture *f = *state;
    const struct xr_value *bond = sim_db_record_at(f->db, &xapi_class_bond, 0);
    const struct xr_value *pool = sim_db_get(f->db, &xapi_class_pool, POOL_REF);
    const struct xr_value *dom0 = sim_db_record_at(f->db, &xapi_class_vm, 0);
    const struct xr_value *slaves = xr_struct_get(bond, "slaves");
    int tags = 0;

    assert_string_equal(member_str(network_by_bridge(f->db, "xenbr0"), "name_label"),
                        "Pool-wide network associated with eth0");
    assert_string_equal(member_str(network_by_bridge(f->db, "xapi2"), "name_label"),
                        "Pool-wide network associated with bond0 on VLAN4");
    assert_string_equal(member_str(network_by_bridge(f->db, "xapi1"), "name_label"), "Network 0");
    assert_string_equal(member_str(network_by_bridge(f->db, "xenbr4"), "MTU"), "9000");
    /* No MTU in the cache: XAPI's default. */
    assert_string_equal(member_str(network_by_bridge(f->db, "xapi0"), "MTU"), "1500");
    assert_string_equal(member_str(bond, "master"), BOND0_REF);
    assert_string_equal(member_str(bond, "mode"), "active-backup");
    assert_int_equal(xr_array_len(slaves), 2);
    assert_string_equal(member_str(bond, "primary_slave"), xr_get_string(xr_array_get(slaves, 0)));
    for (size_t i = 0; i < 2; i++) {
        const char *tag = member_str(sim_db_record_at(f->db, &xapi_class_vlan, i), "tag");

        tags += !strcmp(tag, "4") || !strcmp(tag, "123");
    }
    assert_int_equal(tags, 2);
    assert_non_null(pool);
    assert_string_equal(member_str(pool, "master"), sim_seed_host_ref(f->db));
    assert_string_equal(xr_get_string(xr_struct_get(xr_struct_get(pool, "other_config"),
                                                    "vswitch-controller-fail-mode")),
                        "secure");
    assert_string_equal(member_str(dom0, "uuid"), DOM0_UUID);
    assert_true(member_bool(dom0, "is_control_domain"));
    assert_string_equal(member_str(dom0, "resident_on"), sim_seed_host_ref(f->db));
    /* Datetimes travel as dateTime.iso8601, like XAPI's. */
    assert_int_equal(xr_type(xr_struct_get(sim_db_record_at(f->db, &xapi_class_pif_metrics, 0),
                                           "last_updated")),
                     XR_DATETIME);
}

static void test_save_then_load_gives_equal_db(void **state)
{
    struct fixture *f = *state;
    struct sim_db *loaded = NULL;
    char *path = NULL, *first = NULL, *second = NULL;
    size_t len1 = 0, len2 = 0;
    char err[256];

    assert_true(asprintf(&path, "%s/state", f->dir) > 0);
    assert_int_equal(sim_db_save(f->db, path), 0);
    assert_int_equal(sim_db_load(path, &loaded, err, sizeof err), 0);
    assert_true(sim_db_equal(f->db, loaded));
    assert_true(sim_db_equal(loaded, f->db));
    /* Saving what was loaded gives the same bytes. */
    assert_int_equal(sim_db_format(f->db, &first, &len1), 0);
    assert_int_equal(sim_db_format(loaded, &second, &len2), 0);
    assert_int_equal(len1, len2);
    assert_memory_equal(first, second, len1);
    /* And a change is seen as one. */
    assert_int_equal(sim_db_set_field(loaded, &xapi_class_pif, ETH0_REF, "MTU", xr_string("9000")),
                     0);
    assert_false(sim_db_equal(f->db, loaded));
    sim_db_free(loaded);
    free(first);
    free(second);
    free(path);
}

/* Writes "text" as a state file, checks it is refused with a one-line
 * reason containing "needle", and that the file is left as it was. */
static void check_refused(const struct fixture *f, const char *text, const char *needle)
{
    struct sim_db *db = (struct sim_db *)0x1;
    char *path = NULL, *after = NULL;
    size_t len = 0;
    char err[256] = "";

    assert_true(asprintf(&path, "%s/bad.state", f->dir) > 0);
    assert_int_equal(fsu_write_atomic(path, text, strlen(text), 0600), 0);
    assert_int_equal(sim_db_load(path, &db, err, sizeof err), -EBADMSG);
    assert_null(db);
    if (!strstr(err, needle)) {
        fail_msg("reason '%s' lacks '%s'", err, needle);
    }
    assert_null(strchr(err, '\n'));
    assert_int_equal(fsu_read_file(path, 1 << 20, &after, &len), 0);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(after, text, len);
    free(after);
    free(path);
}

/* State documents for the tests: "<value><struct>" + classes + "</struct></value>". */
#define DOC_HEAD "<value><struct>"
#define DOC_TAIL "</struct></value>"
#define PIF_A(members)                                                                             \
    DOC_HEAD "<member><name>PIF</name><value><struct><member><name>OpaqueRef:a</name>"             \
             "<value><struct>" members                                                             \
             "</struct></value></member></struct></value></member>" DOC_TAIL
#define UUID_U1 "<member><name>uuid</name><value><string>u1</string></value></member>"

static void test_malformed_state_rejected_and_untouched(void **state)
{
    struct fixture *f = *state;

    check_refused(f, "this is not XML", "");
    check_refused(f, "<value><string>a string</string></value>",
                  "must be a struct of classes (found string)");
    check_refused(f,
                  DOC_HEAD
                  "<member><name>Frobnicator</name><value><struct/></value></member>" DOC_TAIL,
                  "unknown class 'Frobnicator'");
    check_refused(f,
                  DOC_HEAD "<member><name>PIF</name><value><array><data/></array></value>"
                           "</member>" DOC_TAIL,
                  "must be a struct of records (found array)");
    check_refused(f,
                  DOC_HEAD "<member><name>PIF</name><value><struct><member><name>OpaqueRef:a"
                           "</name><value><string>x</string></value></member></struct></value>"
                           "</member>" DOC_TAIL,
                  "PIF record OpaqueRef:a is not a struct");
    check_refused(f, PIF_A("<member><name>device</name><value>eth0</value></member>"),
                  "has no uuid");
    check_refused(f,
                  PIF_A(UUID_U1 "<member><name>MTU</name><value><int>1500</int></value>"
                                "</member>"),
                  "PIF.MTU must be an int as a decimal string");
    check_refused(f, PIF_A(UUID_U1 "<member><name>physical</name><value>yes</value></member>"),
                  "PIF.physical must be a boolean");
    check_refused(f,
                  DOC_HEAD "<member><name>network</name><value><struct>"
                           "<member><name>OpaqueRef:a</name><value><struct>" UUID_U1
                           "</struct></value></member>"
                           "<member><name>OpaqueRef:b</name><value><struct>" UUID_U1
                           "</struct></value></member>"
                           "</struct></value></member>" DOC_TAIL,
                  "duplicate network uuid u1");
}

static void test_missing_state_is_enoent(void **state)
{
    struct fixture *f = *state;
    struct sim_db *db = NULL;
    char *path = NULL;
    char err[256];

    assert_true(asprintf(&path, "%s/absent", f->dir) > 0);
    assert_int_equal(sim_db_load(path, &db, err, sizeof err), -ENOENT);
    assert_null(db);
    assert_int_equal(access(path, F_OK), -1);
    free(path);
}

static void test_minimal_record_completed(void **state)
{
    struct fixture *f = *state;
    struct sim_db *loaded = NULL;
    const struct xr_value *pif;
    const char *text = PIF_A(UUID_U1);
    char err[256];

    (void)f;
    assert_int_equal(sim_db_parse(text, strlen(text), &loaded, err, sizeof err), 0);
    pif = sim_db_get(loaded, &xapi_class_pif, "OpaqueRef:a");
    assert_non_null(pif);
    /* Every field of the class table is there, with XAPI's defaults. */
    assert_int_equal(xr_struct_len(pif), xapi_class_pif.n_fields);
    assert_string_equal(member_str(pif, "VLAN"), "0");
    assert_string_equal(member_str(pif, "network"), XAPI_NULL_REF);
    assert_int_equal(xr_type(xr_struct_get(pif, "other_config")), XR_STRUCT);
    sim_db_free(loaded);
}

static void test_set_field_and_uuid_index(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(
            sim_db_set_field(f->db, &xapi_class_pif, ETH0_REF, "uuid", xr_string("new-uuid")), 0);
    assert_null(sim_db_find_uuid(f->db, &xapi_class_pif, ETH0_UUID));
    assert_string_equal(sim_db_find_uuid(f->db, &xapi_class_pif, "new-uuid"), ETH0_REF);
    /* Another PIF's uuid is refused. */
    assert_int_equal(
            sim_db_set_field(f->db, &xapi_class_pif, BOND0_REF, "uuid", xr_string("new-uuid")),
            -EEXIST);
    assert_int_equal(
            sim_db_set_field(f->db, &xapi_class_pif, ETH0_REF, "physical", xr_string("true")),
            -EINVAL);
    assert_int_equal(
            sim_db_set_field(f->db, &xapi_class_pif, ETH0_REF, "no_such_field", xr_string("x")),
            -EINVAL);
    assert_int_equal(
            sim_db_set_field(f->db, &xapi_class_pif, "OpaqueRef:nope", "MTU", xr_string("1")),
            -ENOENT);
    assert_int_equal(sim_db_insert(f->db, &xapi_class_pif, ETH0_REF,
                                   xr_copy(sim_db_get(f->db, &xapi_class_pif, ETH4_REF))),
                     -EEXIST);
}

static void test_value_text(void **state)
{
    struct xr_value *arr = xr_array(), *map = xr_struct();
    struct sbuf b = SBUF_INIT;

    (void)state;
#define CHECK(v, want)                                                                             \
    do {                                                                                           \
        struct xr_value *tmp_ = (v);                                                               \
        sbuf_reset(&b);                                                                            \
        assert_int_equal(sim_db_value_text(tmp_, &b), 0);                                          \
        assert_string_equal(sbuf_str(&b), want);                                                   \
        xr_free(tmp_);                                                                             \
    } while (0)
    CHECK(xr_string("xenbr0"), "xenbr0");
    CHECK(xr_bool(true), "true");
    CHECK(xr_bool(false), "false");
    CHECK(xr_int(-1), "-1");
    CHECK(xr_double(0), "0.");
    CHECK(xr_double(1.5), "1.5");
    CHECK(xr_double(100), "100.");
    CHECK(xr_array(), "()");
    xr_array_append(arr, xr_string("OpaqueRef:a"));
    xr_array_append(arr, xr_string("it's"));
    CHECK(arr, "('OpaqueRef:a' 'it\\'s')");
    xr_struct_set_string(map, "mtu", "9000");
    xr_struct_set_string(map, "path", "a\\b");
    CHECK(map, "(('mtu' '9000') ('path' 'a\\\\b'))");
#undef CHECK
    sbuf_free(&b);
}

static void test_seed_requires_empty_db_and_works_without_cache(void **state)
{
    struct fixture *f = *state;
    struct sim_db *db = NULL;
    char err[256] = "";

    assert_int_equal(sim_seed(f->db, NULL, NULL, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "already holds"));
    assert_int_equal(sim_db_new(&db), 0);
    assert_int_equal(sim_seed(db, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(sim_db_count(db, &xapi_class_host), 1);
    assert_int_equal(sim_db_count(db, &xapi_class_pool), 1);
    assert_int_equal(sim_db_count(db, &xapi_class_vm), 1);
    assert_int_equal(sim_db_count(db, &xapi_class_pif), 0);
    /* A generated uuid has the RFC 4122 form. */
    assert_int_equal(strlen(member_str(sim_db_record_at(db, &xapi_class_host, 0), "uuid")), 36);
    assert_string_equal(member_str(sim_db_record_at(db, &xapi_class_host, 0), "hostname"),
                        "localhost");
    sim_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_counts_per_class, setup, teardown),
            cmocka_unit_test_setup_teardown(test_host_and_pifs_point_at_each_other, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_pif_fields, setup, teardown),
            cmocka_unit_test_setup_teardown(test_networks_bonds_vlans_pool, setup, teardown),
            cmocka_unit_test_setup_teardown(test_save_then_load_gives_equal_db, setup, teardown),
            cmocka_unit_test_setup_teardown(test_malformed_state_rejected_and_untouched, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_missing_state_is_enoent, setup, teardown),
            cmocka_unit_test_setup_teardown(test_minimal_record_completed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_set_field_and_uuid_index, setup, teardown),
            cmocka_unit_test(test_value_text),
            cmocka_unit_test_setup_teardown(test_seed_requires_empty_db_and_works_without_cache,
                                            setup, teardown),
    };

    xlog_open("sim_db_test", false);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
