/* Unit tests for lib/vifport.c against a real xvs-dbd: plug on a bridge and
 * on a VLAN fake bridge, re-plug, requested OpenFlow numbers, find, unplug,
 * trunks, dry runs and errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "log.h"
#include "ovsdb_client.h"
#include "sbuf.h"
#include "vifport.h"
#include "vsctl_run.h"

#include "dbd_fixture.h"

static struct ovsdbc *open_db(void **state)
{
    struct dbd *d = *state;
    struct ovsdbc *c = NULL;

    if (!d) {
        skip();
    }
    assert_int_equal(vrun_connect(d->remote, 5000, &c), 0);
    return c;
}

/* Runs an ovs-vsctl line and returns its first output (static buffer). */
#define VSCTL(c, ...)                                                                              \
    vsctl(c, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)), (char *[]){__VA_ARGS__})
static const char *vsctl(struct ovsdbc *c, int argc, char **argv)
{
    static char buf[4096];
    struct vrun_opts o = {.timeout_ms = 5000};
    char **out = NULL;
    size_t n = 0;

    assert_true(vrun_exec(c, argc, argv, &o, &out, &n, NULL) >= 0);
    snprintf(buf, sizeof(buf), "%s", n ? out[0] : "");
    vrun_free_outputs(out, n);
    return buf;
}

static void test_plug_find_unplug(void **state)
{
    struct ovsdbc *c = open_db(state);
    char *init[] = {"--may-exist", "add-br", "xenbr0", "--", "--may-exist",
                    "add-br",      "xapi1",  "xenbr0", "10"};
    const char *ids[] = {"xs-vm-uuid", "u1", "attached-mac", "00:16:3e:00:00:01", NULL};
    struct vifport_where w, w2;
    long long cfg = -1;
    char num[16];
    bool found;

    vsctl(c, 9, init);
    assert_int_equal(vifport_plug(c, "xenbr0", "vif1.0", ids, NULL, &w), 0);
    assert_string_equal(w.parent, "xenbr0");
    assert_int_equal(w.tag, -1);
    assert_true(w.ofport >= 1);
    assert_true(w.cfg >= 1);
    assert_string_equal(VSCTL(c, "iface-to-br", "vif1.0"), "xenbr0\n");
    assert_string_equal(VSCTL(c, "get", "Interface", "vif1.0", "external_ids"),
                        "{attached-mac=\"00:16:3e:00:00:01\", xs-vm-uuid=u1}\n");
    /* A fake bridge: the port lands on the parent with the VLAN tag, and gets its own number. */
    assert_int_equal(vifport_plug(c, "xapi1", "vif2.0", NULL, NULL, &w2), 0);
    assert_string_equal(w2.parent, "xenbr0");
    assert_int_equal(w2.tag, 10);
    assert_true(w2.ofport >= 4096 && w2.ofport <= 0xfeff);
    assert_int_not_equal(w2.ofport, w.ofport);
    assert_string_equal(VSCTL(c, "get", "Interface", "vif2.0", "ofport_request"),
                        (snprintf(num, sizeof num, "%u\n", w2.ofport), num));
    assert_string_equal(VSCTL(c, "get", "Port", "vif2.0", "tag"), "10\n");
    assert_string_equal(VSCTL(c, "iface-to-br", "vif2.0"), "xapi1\n");
    /* Re-plugging replaces the port (may-exist/if-exists in one transaction). */
    assert_int_equal(vifport_plug(c, "xenbr0", "vif1.0", ids, NULL, &w), 0);
    assert_string_equal(VSCTL(c, "list-ports", "xenbr0"), "vif1.0\n");
    assert_int_equal(vifport_find(c, "vif1.0", &found, &w2), 0);
    assert_true(found);
    assert_string_equal(w2.parent, "xenbr0");
    assert_int_equal(w2.ofport, w.ofport);
    assert_int_equal(vifport_unplug(c, "vif1.0", NULL, &cfg), 0);
    assert_true(cfg > w.cfg);
    assert_int_equal(vifport_unplug(c, "vif1.0", NULL, &cfg), 0);
    assert_int_equal(cfg, 0);
    /* No switch daemon copies next_cfg to cur_cfg here: the wait ends at its bound. */
    assert_int_equal(vifport_wait_applied(c, w.cfg, 200), -ETIMEDOUT);
    assert_int_equal(vifport_wait_applied(c, 0, 200), 0);
    assert_int_equal(vifport_find(c, "vif1.0", &found, &w2), 0);
    assert_false(found);
    assert_int_equal(vifport_plug(c, "nosuchbr", "vif9.0", NULL, NULL, &w), -ENOENT);
    ovsdbc_close(c);
}

/* A number another interface asks for is not handed out again: the plug moves on to the next
 * one, and when the numbers near its own keep being taken, to a free one found by a scan. */
static void test_ofport_taken(void **state)
{
    struct ovsdbc *c = open_db(state);
    struct vifport_where w, w2, w3;
    char name[16], req[32];
    char *add[] = {"--may-exist", "add-br", "xenbr0", "--",        "add-port", "xenbr0",
                   name,          "--",     "set",    "Interface", name,       req};
    char *del[] = {"del-port", name};

    assert_int_equal(vifport_plug(c, "xenbr0", "vif7.0", NULL, NULL, &w), 0);
    assert_int_equal(vifport_unplug(c, "vif7.0", NULL, NULL), 0);
    /* Another interface now asks for vif7.0's name-derived number. */
    snprintf(name, sizeof name, "other0");
    snprintf(req, sizeof req, "ofport_request=%u", w.ofport);
    vsctl(c, 12, add);
    assert_int_equal(vifport_plug(c, "xenbr0", "vif7.0", NULL, NULL, &w2), 0);
    assert_int_not_equal(w2.ofport, w.ofport);
    assert_true(w2.ofport >= 4096);
    /* A re-plug keeps the number it has, though it is not the name-derived one. */
    assert_int_equal(vifport_plug(c, "xenbr0", "vif7.0", NULL, NULL, &w3), 0);
    assert_int_equal(w3.ofport, w2.ofport);
    assert_int_equal(vifport_unplug(c, "vif7.0", NULL, NULL), 0);
    /* Twelve numbers from the name-derived one on are taken: the scan finds another. */
    for (unsigned k = 1; k < 12; k++) {
        snprintf(name, sizeof name, "other%u", k);
        snprintf(req, sizeof req, "ofport_request=%u", w.ofport + k);
        vsctl(c, 12, add);
    }
    assert_int_equal(vifport_plug(c, "xenbr0", "vif7.0", NULL, NULL, &w3), 0);
    assert_true(w3.ofport < w.ofport || w3.ofport >= w.ofport + 12);
    assert_int_equal(vifport_unplug(c, "vif7.0", NULL, NULL), 0);
    for (unsigned k = 0; k < 12; k++) {
        snprintf(name, sizeof name, "other%u", k);
        vsctl(c, 2, del);
    }
    ovsdbc_close(c);
}

static void test_trunks(void **state)
{
    struct ovsdbc *c = open_db(state);

    assert_int_equal(vifport_plug(c, "xenbr0", "vif3.0", NULL, NULL, NULL), 0);
    assert_int_equal(vifport_set_trunks(c, "vif3.0", "[1, 2,3]", NULL), 0);
    assert_string_equal(VSCTL(c, "get", "Port", "vif3.0", "trunks"), "[1, 2, 3]\n");
    assert_int_equal(vifport_set_trunks(c, "vif3.0", "", NULL), 0);
    assert_string_equal(VSCTL(c, "get", "Port", "vif3.0", "trunks"), "[]\n");
    assert_int_equal(vifport_set_trunks(c, "vif3.0", "1,5000", NULL), -EINVAL);
    assert_int_equal(vifport_set_trunks(c, "vif3.0", "[1,2", NULL), -EINVAL);
    /* --if-exists: no port, no error. */
    assert_int_equal(vifport_set_trunks(c, "vif99.0", "7", NULL), 0);
    ovsdbc_close(c);
}

static void test_dry_run(void **state)
{
    const char *ids[] = {"xs-vif-uuid", "v", NULL};
    struct sbuf out = SBUF_INIT;

    (void)state;
    assert_int_equal(vifport_plug(NULL, "xenbr0", "vif1.0", ids, &out, NULL), 0);
    assert_int_equal(vifport_unplug(NULL, "vif1.0", &out, NULL), 0);
    assert_int_equal(vifport_set_trunks(NULL, "vif1.0", "1,2", &out), 0);
    assert_int_equal(vifport_set_trunks(NULL, "vif1.0", NULL, &out), 0);
    assert_string_equal(sbuf_str(&out),
                        "ovs-vsctl --if-exists del-port vif1.0 -- add-port xenbr0 vif1.0 -- set "
                        "interface vif1.0 'external-ids:\"xs-vif-uuid\"=\"v\"'\n"
                        "ovs-vsctl --if-exists del-port vif1.0\n"
                        "ovs-vsctl --if-exists set Port vif1.0 trunks=[1,2]\n"
                        "ovs-vsctl --if-exists clear Port vif1.0 trunks\n");
    sbuf_free(&out);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
            cmocka_unit_test(test_dry_run),
    };
    const struct CMUnitTest live[] = {
            cmocka_unit_test(test_plug_find_unplug),
            cmocka_unit_test(test_ofport_taken),
            cmocka_unit_test(test_trunks),
    };
    int r;

    xlog_open("vifport_test", false);
    xlog_set_level(XLOG_ERR);
    r = cmocka_run_group_tests_name("vifport", pure, NULL, NULL);
    r += cmocka_run_group_tests_name("vifport_live", live, dbd_start, dbd_stop);
    return r;
}
