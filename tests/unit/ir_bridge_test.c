/* interface-reconfigure's Linux bridge backend (spec §1.9) on the four
 * scenarios of four-scenarios.dbcache: the per-device and ipdev ifcfg files
 * and commands of the dry-run plan compared with tests/data/ir/bridge-*.plan,
 * and the netlink changes (lnk fake journal) with bridge-*.links.
 * XVS_IR_WRITE_FIXTURES=1 rewrites the fixtures (review the diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../libexec/interface-reconfigure/ir_bridge.h"
#include "../../libexec/interface-reconfigure/ir_run.h"
#include "fsutil.h"
#include "lnk.h"
#include "log.h"
#include "paths.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("XVS_SRC");
    char *p = NULL;

    assert_true(asprintf(&p, "%s/%s", src && *src ? src : ".", rel) > 0);
    return p;
}

static void check_fixture(const char *name, const char *got)
{
    char rel[128];
    char *path, *want = NULL;
    size_t len;

    snprintf(rel, sizeof(rel), "tests/data/ir/%s", name);
    path = src_path(rel);
    if (getenv("XVS_IR_WRITE_FIXTURES")) {
        assert_int_equal(fsu_write_atomic(path, got, strlen(got), 0644), 0);
    }
    if (fsu_read_file(path, 1 << 20, &want, &len) < 0 || strcmp(want, got)) {
        print_error("fixture %s differs; got:\n%s", name, got);
    }
    assert_non_null(want);
    assert_string_equal(want, got);
    free(want);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    xlog_open("interface-reconfigure", false);
    xlog_set_level(XLOG_ERR);
    return paths_init("/nonexistent-ir-root");
}

static void scenario(const char *bridge, bool up)
{
    static const char *const devs[] = {"eth0", "eth1", "eth2", "eth3", "eth4"};
    struct ir_args a = {
            .action = up ? IR_ACTION_UP : IR_ACTION_DOWN, .force = bridge, .dry_run = true};
    struct sbuf dry = SBUF_INIT;
    struct lnk *l = NULL;
    const struct xapi_pif *pif;
    struct ir_ctx c;
    char name[64], *path;

    assert_int_equal(lnk_fake_new(&l), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(lnk_fake_add_device(l, devs[i], i + 2), 0);
    }
    ir_ctx_init(&c, &a, l, &dry);
    c.bridge_mode = true;
    path = src_path("tests/data/dbcache/four-scenarios.dbcache");
    assert_int_equal(ir_model_load_cache(&c.model, path), 0);
    free(path);
    assert_int_equal(ir_pif_by_bridge(&c.model, bridge, &pif), 0);
    if (up) {
        assert_int_equal(ir_action_up(&c, pif), 0);
    } else {
        /* Down after up: the devices up made are there. */
        assert_int_equal(ir_action_up(&c, pif), 0);
        sbuf_reset(&dry);
        lnk_close(l);
        l = NULL;
        assert_int_equal(lnk_fake_new(&l), 0);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(lnk_fake_add_device(l, devs[i], i + 2), 0);
        }
        c.lnk = l;
        assert_int_equal(lnk_add_bridge(l, bridge), 0);
        assert_int_equal(ir_action_down(&c, pif), 0);
    }
    snprintf(name, sizeof(name), "bridge-%s-%s.plan", bridge, up ? "up" : "down");
    check_fixture(name, sbuf_str(&dry));
    snprintf(name, sizeof(name), "bridge-%s-%s.links", bridge, up ? "up" : "down");
    check_fixture(name, lnk_fake_journal(l));
    ir_ctx_clear(&c);
    lnk_close(l);
    sbuf_free(&dry);
}

static void test_xenbr2(void **state)
{
    (void)state;
    scenario("xenbr2", true);
    scenario("xenbr2", false);
}

static void test_xapi3(void **state)
{
    (void)state;
    scenario("xapi3", true);
}

static void test_xapi1(void **state)
{
    (void)state;
    scenario("xapi1", true);
}

static void test_xapi2(void **state)
{
    (void)state;
    scenario("xapi2", true);
}

/* Bond overrides are read (the original crashed on any, Q9), and a tunnel
 * is refused. */
static void test_bond_overrides_and_tunnel(void **state)
{
    struct ir_model m;
    struct ir_files fs;
    struct xapi_pif *bond;
    char *path = src_path("tests/data/dbcache/four-scenarios.dbcache");
    bool found = false;

    (void)state;
    ir_model_init(&m);
    assert_int_equal(ir_model_load_cache(&m, path), 0);
    free(path);
    assert_int_equal(ir_pif_by_bridge(&m, "xapi1", (const struct xapi_pif **)&bond), 0);
    assert_int_equal(xapi_map_set(&bond->other_config, "bond-updelay", "500"), 0);
    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_bridge_files(&m, bond, "interface-reconfigure", &fs), 0);
    for (size_t i = 0; i < fs.n; i++) {
        if (strstr(sbuf_str(&fs.f[i].content),
                   "BONDING_OPTS=\"mode=active-backup miimon=100 downdelay=200 updelay=500 "
                   "use_carrier=1 hashing-algorithm=src_mac \"\n")) {
            found = true;
        }
    }
    assert_true(found);
    ir_files_clear(&fs);
    assert_int_equal(xapi_strv_append(&bond->tunnel_access_pif_of, "OpaqueRef:t"), 0);
    ir_files_init(&fs, false, NULL);
    assert_int_equal(ir_bridge_files(&m, bond, "interface-reconfigure", &fs), -EINVAL);
    ir_files_clear(&fs);
    ir_model_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_xenbr2),
            cmocka_unit_test(test_xapi3),
            cmocka_unit_test(test_xapi1),
            cmocka_unit_test(test_xapi2),
            cmocka_unit_test(test_bond_overrides_and_tunnel),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
