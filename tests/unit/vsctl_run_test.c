/* Unit tests for lib/vsctl_run.c: the printed line, dry runs, and whole
 * command lines run as one transaction against a real xvs-dbd started in a
 * temporary folder, including ovs-vsctl's wait for the switch (played here by
 * a second client that copies next_cfg to cur_cfg, as ovs-vswitchd does). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ovsdb_client.h"
#include "sbuf.h"
#include "vsctl_run.h"

#include "dbd_fixture.h"

static void test_format_quotes(void **state)
{
    char *argv[] = {"--",   "set", "interface", "vif1.0", "external-ids:\"xs-vm-uuid\"=\"u\"",
                    "it's", ""};
    struct sbuf s = SBUF_INIT;

    (void)state;
    assert_int_equal(vrun_format(&s, 7, argv), 0);
    assert_string_equal(sbuf_str(&s), "ovs-vsctl -- set interface vif1.0 "
                                      "'external-ids:\"xs-vm-uuid\"=\"u\"' 'it'\\''s' ''");
    sbuf_free(&s);
}

static void test_dry_run_touches_nothing(void **state)
{
    char *argv[] = {"--if-exists", "del-port", "vif1.0", "--", "add-port", "xenbr0", "vif1.0"};
    struct vrun_opts o = {.dry_run = true, .timeout_ms = -1};
    struct sbuf out = SBUF_INIT;
    char **outputs = NULL;
    size_t n = 0;

    (void)state;
    o.dry_out = &out;
    assert_int_equal(vrun_exec(NULL, 7, argv, &o, &outputs, &n, NULL), 0);
    assert_string_equal(sbuf_str(&out),
                        "ovs-vsctl --if-exists del-port vif1.0 -- add-port xenbr0 vif1.0\n");
    assert_int_equal(n, 2);
    assert_string_equal(outputs[0], "");
    vrun_free_outputs(outputs, n);
    sbuf_free(&out);
}

static void test_bad_command_line(void **state)
{
    char *argv[] = {"frobnicate", "x"};
    struct vrun_opts o = {.dry_run = true, .timeout_ms = -1};
    struct sbuf out = SBUF_INIT;
    char *err = NULL;

    (void)state;
    o.dry_out = &out;
    assert_int_equal(vrun_exec(NULL, 2, argv, &o, NULL, NULL, &err), -EINVAL);
    assert_non_null(err);
    assert_non_null(strstr(err, "frobnicate"));
    assert_string_equal(sbuf_str(&out), "");
    free(err);
    sbuf_free(&out);
}

static struct ovsdbc *connect_or_skip(struct dbd *d)
{
    struct ovsdbc *c = NULL;

    if (!d) {
        skip();
    }
    assert_int_equal(vrun_connect(d->remote, 5000, &c), 0);
    return c;
}

static void test_one_transaction_and_outputs(void **state)
{
    struct ovsdbc *c = connect_or_skip(*state);
    char *init[] = {"init", "--", "add-br", "xenbr0", "--", "add-br", "xapi1", "xenbr0", "10"};
    char *list[] = {"list-br", "--", "br-to-parent", "xapi1", "--", "br-to-vlan", "xapi1"};
    char *again[] = {"add-br", "xenbr0"};
    char *exists[] = {"br-exists", "nosuch"};
    struct vrun_opts o = {.timeout_ms = 5000, .who = "test"};
    char **out = NULL, *err = NULL;
    size_t n = 0;

    assert_int_equal(vrun_exec(c, 9, init, &o, NULL, NULL, NULL), 0);
    assert_int_equal(vrun_exec(c, 7, list, &o, &out, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_string_equal(out[0], "xapi1\nxenbr0\n");
    assert_string_equal(out[1], "xenbr0\n");
    assert_string_equal(out[2], "10\n");
    vrun_free_outputs(out, n);
    /* A failing command leaves the database as it was. */
    assert_int_equal(vrun_exec(c, 2, again, &o, NULL, NULL, &err), -EINVAL);
    assert_non_null(strstr(err, "already exists"));
    free(err);
    assert_int_equal(vrun_exec(c, 2, exists, &o, NULL, NULL, NULL), 2);
    ovsdbc_close(c);
}

/* Plays ovs-vswitchd: copies next_cfg into cur_cfg whenever they differ. */
struct fake_switch {
    const char *remote;
    volatile int stop;
};

static void *switch_main(void *arg)
{
    struct fake_switch *fs = arg;
    struct ovsdbc *c = NULL;

    if (ovsdbc_open(fs->remote, 2000, &c) < 0) {
        return NULL;
    }
    while (!fs->stop) {
        json_t *sel = json_pack("[{s:s, s:s, s:[], s:[s, s]}]", "op", "select", "table",
                                "Open_vSwitch", "where", "columns", "next_cfg", "cur_cfg");
        json_t *res = NULL;
        if (ovsdbc_transact(c, "Open_vSwitch", sel, &res) == 0) {
            json_t *row = json_array_get(json_object_get(json_array_get(res, 0), "rows"), 0);
            json_int_t next = json_integer_value(json_object_get(row, "next_cfg"));
            if (row && next != json_integer_value(json_object_get(row, "cur_cfg"))) {
                json_t *upd =
                        json_pack("[{s:s, s:s, s:[], s:{s:I}}]", "op", "update", "table",
                                  "Open_vSwitch", "where", "row", "cur_cfg", (json_int_t)next);
                json_t *r2 = NULL;
                ovsdbc_transact(c, "Open_vSwitch", upd, &r2);
                json_decref(upd);
                json_decref(r2);
            }
        }
        json_decref(sel);
        json_decref(res);
        usleep(5000);
    }
    ovsdbc_close(c);
    return NULL;
}

static void test_wait_for_switch(void **state)
{
    struct dbd *d = *state;
    struct ovsdbc *c = connect_or_skip(d);
    char *init[] = {"--may-exist", "add-br", "xenbr0"};
    char *port[] = {"add-port", "xenbr0", "vif7.0"};
    char *port2[] = {"add-port", "xenbr0", "vif8.0"};
    struct vrun_opts o = {.timeout_ms = 5000, .wait = true};
    struct fake_switch fs = {.remote = d->remote};
    pthread_t t;
    char *err = NULL;

    assert_int_equal(
            vrun_exec(c, 3, init, &(struct vrun_opts){.timeout_ms = 5000}, NULL, NULL, NULL), 0);
    assert_int_equal(pthread_create(&t, NULL, switch_main, &fs), 0);
    assert_int_equal(vrun_exec(c, 3, port, &o, NULL, NULL, &err), 0);
    fs.stop = 1;
    pthread_join(t, NULL);
    /* Without a switch the wait ends at the timeout, and says so. */
    o.timeout_ms = 300;
    assert_int_equal(vrun_exec(c, 3, port2, &o, NULL, NULL, &err), -ETIMEDOUT);
    assert_non_null(strstr(err, "timed out"));
    free(err);
    ovsdbc_close(c);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
            cmocka_unit_test(test_format_quotes),
            cmocka_unit_test(test_dry_run_touches_nothing),
            cmocka_unit_test(test_bad_command_line),
    };
    const struct CMUnitTest live[] = {
            cmocka_unit_test(test_one_transaction_and_outputs),
            cmocka_unit_test(test_wait_for_switch),
    };
    int r;

    xlog_open("vsctl_run_test", false);
    xlog_set_level(XLOG_ERR);
    r = cmocka_run_group_tests_name("vsctl_run", pure, NULL, NULL);
    r += cmocka_run_group_tests_name("vsctl_run_live", live, dbd_start, dbd_stop);
    return r;
}
