/* Unit tests for xvs-vsctl's command layer: command-line splitting, and the
 * commands run against a JSON snapshot of a database (as a "select" of every
 * table returns it), checking their output and the OVSDB operations of the
 * resulting transaction.  No server involved. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsctl_cmd.h"
#include "vsctl_db.h"

/* A cut-down Open_vSwitch schema with the columns the commands touch. */
static const char schema_text[] =
        "{\"name\":\"Open_vSwitch\",\"tables\":{"
        "\"Open_vSwitch\":{\"isRoot\":true,\"columns\":{"
        "\"bridges\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Bridge\"},\"min\":0,"
        "\"max\":\"unlimited\"}},"
        "\"manager_options\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Manager\"},"
        "\"min\":0,\"max\":\"unlimited\"}},"
        "\"ssl\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"SSL\"},\"min\":0,\"max\":1}},"
        "\"external_ids\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}},"
        "\"ovs_version\":{\"type\":{\"key\":\"string\",\"min\":0,\"max\":1}}}},"
        "\"Bridge\":{\"columns\":{"
        "\"name\":{\"type\":\"string\",\"mutable\":false},"
        "\"ports\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Port\"},\"min\":0,"
        "\"max\":\"unlimited\"}},"
        "\"controller\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Controller\"},\"min\":"
        "0,"
        "\"max\":\"unlimited\"}},"
        "\"fail_mode\":{\"type\":{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"standalone\","
        "\"secure\"]]},\"min\":0,\"max\":1}},"
        "\"datapath_type\":{\"type\":\"string\"},"
        "\"flood_vlans\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":0,"
        "\"maxInteger\":4095},\"min\":0,\"max\":4096}},"
        "\"other_config\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}},"
        "\"external_ids\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}}}},"
        "\"Port\":{\"columns\":{"
        "\"name\":{\"type\":\"string\",\"mutable\":false},"
        "\"interfaces\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Interface\"},\"min\":"
        "1,"
        "\"max\":\"unlimited\"}},"
        "\"tag\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":0,\"maxInteger\":4095},"
        "\"min\":0,\"max\":1}},"
        "\"trunks\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":0,\"maxInteger\":4095},"
        "\"min\":0,\"max\":4096}},"
        "\"fake_bridge\":{\"type\":\"boolean\"},"
        "\"bond_fake_iface\":{\"type\":\"boolean\"},"
        "\"other_config\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}},"
        "\"external_ids\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}}}},"
        "\"Interface\":{\"columns\":{"
        "\"name\":{\"type\":\"string\",\"mutable\":false},"
        "\"type\":{\"type\":\"string\"},"
        "\"options\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}},"
        "\"error\":{\"type\":{\"key\":\"string\",\"min\":0,\"max\":1}},"
        "\"ingress_policing_rate\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":0}}},"
        "\"ingress_policing_burst\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":0}}}}},"
        "\"Controller\":{\"columns\":{\"target\":{\"type\":\"string\"},"
        "\"is_connected\":{\"type\":\"boolean\"}}},"
        "\"Manager\":{\"columns\":{\"target\":{\"type\":\"string\"},"
        "\"is_connected\":{\"type\":\"boolean\"}}},"
        "\"SSL\":{\"columns\":{\"private_key\":{\"type\":\"string\"},"
        "\"certificate\":{\"type\":\"string\"},\"ca_cert\":{\"type\":\"string\"},"
        "\"bootstrap_ca_cert\":{\"type\":\"boolean\"}}},"
        "\"Mirror\":{\"columns\":{\"name\":{\"type\":\"string\"}}},"
        "\"NetFlow\":{\"columns\":{\"targets\":{\"type\":{\"key\":\"string\",\"min\":1,"
        "\"max\":\"unlimited\"}}}},"
        "\"sFlow\":{\"columns\":{\"targets\":{\"type\":{\"key\":\"string\",\"min\":1,"
        "\"max\":\"unlimited\"}}}},"
        "\"IPFIX\":{\"columns\":{\"targets\":{\"type\":{\"key\":\"string\",\"min\":0,"
        "\"max\":\"unlimited\"}}}}}}";

#define U_OVS  "11111111-0000-4000-8000-000000000001"
#define U_BR0  "22222222-0000-4000-8000-000000000001"
#define U_PBR0 "33333333-0000-4000-8000-000000000001"
#define U_IBR0 "44444444-0000-4000-8000-000000000001"
#define U_PETH "33333333-0000-4000-8000-000000000002"
#define U_IETH "44444444-0000-4000-8000-000000000002"
#define U_PVL  "33333333-0000-4000-8000-000000000003"
#define U_IVL  "44444444-0000-4000-8000-000000000003"
#define U_CTL  "55555555-0000-4000-8000-000000000001"
#define U_MGR  "66666666-0000-4000-8000-000000000001"
#define V(n)   "[\"uuid\",\"99999999-0000-4000-8000-00000000000" #n "\"]"
#define REF(u) "[\"uuid\",\"" u "\"]"

/* Select results, one per table in schema order: br0 with eth0 and the fake bridge vl10 (VLAN
 * 10), a controller, a manager, other_config with hwaddr and disable-in-band. */
static const char
        snapshot_text
                [] = "["
                     "{\"rows\":[{\"_uuid\":" REF(U_OVS) ",\"_version\":" V(1) ",\"bridges\":" REF(U_BR0) ",\"manager_options\":" REF(
                             U_MGR) ",\"ovs_version\":\"3.1.0\"}]},"
                                    "{\"rows\":[{\"_uuid\":" REF(U_BR0) ",\"_version\":" V(
                                            2) ",\"name\":\"br0\","
                                               "\"ports\":[\"set\",[" REF(U_PBR0) "," REF(U_PETH) "," REF(U_PVL) "]],"
                                                                                                                 "\"controller\":" REF(U_CTL) ",\"fail_mode\":\"secure\","
                                                                                                                                              "\"other_config\":[\"map\",[[\"hwaddr\",\"00:11:22:33:44:55\"],[\"disable-in-band\","
                                                                                                                                              "\"true\"]]]}]},"
                                                                                                                                              "{\"rows\":["
                                                                                                                                              "{\"_uuid\":" REF(U_PBR0) ",\"_version\":" V(
                                                                                                                                                      3) ",\"name\":\"br0\",\"interfaces\":" REF(U_IBR0) "},"
                                                                                                                                                                                                         "{\"_uuid\":" REF(
                                                                                                                                                                                                                 U_PETH) ",\"_version\":" V(4) ",\"name\":\"eth0\",\"interfaces\":" REF(U_IETH) ",\"other_config\":[\"map\",[[\"bond-detect-mode\",\"carrier\"]]]},"
                                                                                                                                                                                                                                                                                                "{\"_uuid\":" REF(
                                                                                                                                                                                                                                                                                                        U_PVL) ",\"_version\":" V(5) ",\"name\":\"vl10\",\"interfaces\":" REF(U_IVL) ",\"fake_bridge\":true,\"tag\":10}]},"
                                                                                                                                                                                                                                                                                                                                                                                     "{\"rows\":["
                                                                                                                                                                                                                                                                                                                                                                                     "{\"_uuid\":" REF(U_IBR0) ",\"_version\":" V(
                                                                                                                                                                                                                                                                                                                                                                                             6) ",\"name\":\"br0\",\"type\":\"internal\"},"
                                                                                                                                                                                                                                                                                                                                                                                                "{\"_uuid\":" REF(U_IETH) ",\"_version\":" V(7) ",\"name\":\"eth0\","
                                                                                                                                                                                                                                                                                                                                                                                                                                                "\"ingress_policing_rate\":100},"
                                                                                                                                                                                                                                                                                                                                                                                                                                                "{\"_uuid\":" REF(
                                                                                                                                                                                                                                                                                                                                                                                                                                                        U_IVL) ",\"_version\":" V(8) ",\"name\":\"vl10\",\"type\":\"internal\"}]},"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                     "{\"rows\":[{\"_uuid\":" REF(U_CTL) ",\"_version\":" V(9) ",\"target\":\"tcp:1.2.3.4:6633\"}]},"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               "{\"rows\":[{\"_uuid\":" REF(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       U_MGR) ",\"_version\":" V(9) ",\"target\":\"ptcp:6640\","
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "\"is_connected\":true}]},"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "{\"rows\":[]},{\"rows\":[]},{\"rows\":[]},{\"rows\":[]},{\"rows\":[]}"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    "]";

struct run {
    struct vdb *db;
    struct vcmd *cmds;
    size_t n;
    struct vctx ctx;
    int rc;
    char *err;
    json_t *ops;
    char out[4096];
};

/* Splits "line" at spaces (no quoting needed by these tests) and runs it on the snapshot. */
static void run(struct run *r, const char *line)
{
    json_error_t e;
    json_t *schema = json_loads(schema_text, 0, &e);
    json_t *snap = json_loads(snapshot_text, 0, &e);
    char *copy = strdup(line), *save = NULL;
    char *argv[64];
    int argc = 0;

    memset(r, 0, sizeof(*r));
    assert_non_null(schema);
    assert_non_null(snap);
    assert_int_equal(vdb_new(schema, &r->db), 0);
    assert_int_equal(vdb_load(r->db, snap), 0);
    json_decref(schema);
    json_decref(snap);
    for (char *t = strtok_r(copy, " ", &save); t && argc < 63; t = strtok_r(NULL, " ", &save)) {
        argv[argc++] = t;
    }
    r->rc = vcmd_parse(argc, argv, NULL, &r->cmds, &r->n, &r->err);
    if (r->rc == 0) {
        r->rc = vcmd_run_all(r->db, r->cmds, r->n, &r->ctx);
        for (size_t i = 0; i < r->n; i++) {
            strncat(r->out, sbuf_str(&r->cmds[i].output), sizeof(r->out) - strlen(r->out) - 1);
        }
        if (r->rc == 0) {
            r->ops = vdb_txn_ops(r->db, NULL, NULL);
        }
        /* argv points into copy: drop the commands before it goes. */
        vcmd_free_all(r->cmds, r->n);
        r->cmds = NULL;
    }
    free(copy);
}

static void done(struct run *r)
{
    vctx_clear(&r->ctx);
    vcmd_free_all(r->cmds, r->n);
    vdb_free(r->db);
    json_decref(r->ops);
    free(r->err);
}

/* Counts the ops of a kind on a table. */
static int count_ops(const json_t *ops, const char *op, const char *table)
{
    size_t i;
    const json_t *o;
    int n = 0;

    json_array_foreach(ops, i, o)
    {
        if (!strcmp(json_string_value(json_object_get(o, "op")), op) &&
            !strcmp(json_string_value(json_object_get(o, "table")), table)) {
            n++;
        }
    }
    return n;
}

static const json_t *find_op(const json_t *ops, const char *op, const char *table)
{
    size_t i;
    const json_t *o;

    json_array_foreach(ops, i, o)
    {
        if (!strcmp(json_string_value(json_object_get(o, "op")), op) &&
            !strcmp(json_string_value(json_object_get(o, "table")), table)) {
            return o;
        }
    }
    return NULL;
}

static void test_parse(void **state)
{
    (void)state;
    char *a1[] = {"--", "--may-exist", "add-br", "br1", "--", "list-br"};
    char *a2[] = {"add-br"};
    char *a3[] = {"frob"};
    char *a4[] = {"--bogus", "list-br"};
    char *a5[] = {"list-br", "--real"};
    struct vcmd *c;
    size_t n;
    char *err;

    assert_int_equal(vcmd_parse(6, a1, NULL, &c, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].argv[0], "add-br");
    assert_non_null(json_object_get(c[0].options, "--may-exist"));
    assert_string_equal(c[1].argv[0], "list-br");
    vcmd_free_all(c, n);
    assert_int_equal(vcmd_parse(1, a2, NULL, &c, &n, &err), -EINVAL);
    assert_string_equal(err, "'add-br' command requires at least 1 arguments");
    free(err);
    assert_int_equal(vcmd_parse(1, a3, NULL, &c, &n, &err), -EINVAL);
    assert_string_equal(err, "unknown command 'frob'; use --help for help");
    free(err);
    assert_int_equal(vcmd_parse(2, a4, NULL, &c, &n, &err), -EINVAL);
    assert_string_equal(err, "'list-br' command has no '--bogus' option");
    free(err);
    assert_int_equal(vcmd_parse(2, a5, NULL, &c, &n, &err), -EINVAL);
    assert_non_null(strstr(err, "options must precede command names"));
    free(err);
    assert_true(vcmd_is_command_option("--with-iface"));
    assert_true(vcmd_is_command_option("--id=@x"));
    assert_false(vcmd_is_command_option("--db"));
}

static void test_queries(void **state)
{
    (void)state;
    struct run r;

    run(&r, "list-br -- list-ports br0 -- list-ports vl10 -- br-to-vlan vl10 -- br-to-parent vl10 "
            "-- iface-to-br eth0 -- get-fail-mode vl10 -- get-controller br0 -- get-manager");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "br0\nvl10\neth0\n10\nbr0\nbr0\nsecure\ntcp:1.2.3.4:6633\n"
                               "ptcp:6640\n");
    /* Pure queries change nothing, so there is nothing to commit. */
    assert_false(vdb_changed(r.db));
    done(&r);

    run(&r, "get Bridge br0 other_config:hwaddr fail_mode flood_vlans -- get Port eth0 tag");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "\"00:11:22:33:44:55\"\nsecure\n[]\n[]\n");
    done(&r);

    run(&r, "port-to-br br0");
    assert_int_equal(r.rc, -EINVAL);
    assert_string_equal(r.ctx.err, "no port named br0");
    done(&r);

    run(&r, "br-exists nobr");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.ctx.exit_code, 2);
    done(&r);
}

static void test_show(void **state)
{
    (void)state;
    struct run r;

    run(&r, "show");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, U_OVS "\n"
                                     "    Manager \"ptcp:6640\"\n"
                                     "        is_connected: true\n"
                                     "    Bridge br0\n"
                                     "        Controller \"tcp:1.2.3.4:6633\"\n"
                                     "        fail_mode: secure\n"
                                     "        Port br0\n"
                                     "            Interface br0\n"
                                     "                type: internal\n"
                                     "        Port eth0\n"
                                     "            Interface eth0\n"
                                     "        Port vl10\n"
                                     "            tag: 10\n"
                                     "            Interface vl10\n"
                                     "                type: internal\n"
                                     "    ovs_version: \"3.1.0\"\n");
    done(&r);
}

static void test_add_port_ops(void **state)
{
    (void)state;
    struct run r;
    const json_t *ins, *upd;

    run(&r, "add-port vl10 vif1.0 other_config:x=y");
    assert_int_equal(r.rc, 0);
    assert_non_null(r.ops);
    /* Guards on what was read, inserts for the new rows, one update of the bridge. */
    assert_int_equal(count_ops(r.ops, "wait", "Bridge"), 1);
    assert_int_equal(count_ops(r.ops, "wait", "Port"), 3);
    assert_int_equal(count_ops(r.ops, "wait", "Interface"), 3);
    assert_int_equal(count_ops(r.ops, "insert", "Interface"), 1);
    assert_int_equal(count_ops(r.ops, "insert", "Port"), 1);
    assert_int_equal(count_ops(r.ops, "update", "Bridge"), 1);
    assert_int_equal(count_ops(r.ops, "update", "Open_vSwitch"), 0);
    ins = find_op(r.ops, "insert", "Port");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ins, "row"), "name")),
                        "vif1.0");
    /* Ports on a fake bridge get its VLAN tag. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ins, "row"), "tag")), 10);
    const json_t *ifref = json_object_get(json_object_get(ins, "row"), "interfaces");
    assert_string_equal(json_string_value(json_array_get(ifref, 0)), "named-uuid");
    upd = find_op(r.ops, "update", "Bridge");
    const json_t *ports = json_object_get(json_object_get(upd, "row"), "ports");
    assert_string_equal(json_string_value(json_array_get(ports, 0)), "set");
    assert_int_equal(json_array_size(json_array_get(ports, 1)), 4);
    /* Each guard pins one row's columns as read, like ovs-vsctl's "verify". */
    const json_t *wait = find_op(r.ops, "wait", "Bridge");
    assert_int_equal(json_integer_value(json_object_get(wait, "timeout")), 0);
    assert_string_equal(
            json_string_value(json_array_get(json_array_get(json_object_get(wait, "where"), 0), 0)),
            "_uuid");
    const json_t *wrow = json_array_get(json_object_get(wait, "rows"), 0);
    assert_int_equal(json_array_size(json_object_get(wait, "columns")), json_object_size(wrow));
    assert_int_equal(json_array_size(json_array_get(json_object_get(wrow, "ports"), 1)), 3);
    assert_string_equal(json_string_value(json_object_get(wrow, "name")), "br0");
    /* The Open_vSwitch table was enumerated: no other row may appear meanwhile. */
    const json_t *scan = find_op(r.ops, "wait", "Open_vSwitch");
    assert_non_null(scan);
    done(&r);

    run(&r, "add-port br0 eth0");
    assert_int_equal(r.rc, -EINVAL);
    assert_string_equal(r.ctx.err, "cannot create a port named eth0 because a port named eth0 "
                                   "already exists on bridge br0");
    done(&r);

    run(&r, "--may-exist add-port br0 eth0");
    assert_int_equal(r.rc, 0);
    assert_false(vdb_changed(r.db));
    done(&r);
}

static void test_add_br_fake(void **state)
{
    (void)state;
    struct run r;

    run(&r, "add-br vl20 br0 20");
    assert_int_equal(r.rc, 0);
    const json_t *ins = find_op(r.ops, "insert", "Port");
    assert_true(json_is_true(json_object_get(json_object_get(ins, "row"), "fake_bridge")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ins, "row"), "tag")), 20);
    assert_int_equal(count_ops(r.ops, "insert", "Bridge"), 0);
    done(&r);

    run(&r, "--may-exist add-br vl10 br0 11");
    assert_int_equal(r.rc, -EINVAL);
    assert_string_equal(r.ctx.err, "\"--may-exist add-br vl10 br0 11\" but vl10 is a VLAN bridge "
                                   "for the wrong VLAN 10");
    done(&r);

    run(&r, "add-br br1 -- add-port br1 p1 -- list-ports br1");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "p1\n");
    assert_int_equal(count_ops(r.ops, "insert", "Bridge"), 1);
    assert_int_equal(count_ops(r.ops, "update", "Open_vSwitch"), 1);
    done(&r);
}

static void test_del_br(void **state)
{
    (void)state;
    struct run r;

    run(&r, "del-br br0 -- list-br -- --if-exists get Port eth0 name");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "");
    /* Bridge, Port and Interface are not root tables: dropping the references is the change,
     * the server collects the rows (as with the OVS IDL, no explicit deletes). */
    assert_int_equal(count_ops(r.ops, "delete", "Bridge"), 0);
    assert_int_equal(count_ops(r.ops, "delete", "Port"), 0);
    const json_t *upd = find_op(r.ops, "update", "Open_vSwitch");
    assert_non_null(upd);
    assert_int_equal(json_array_size(json_array_get(
                             json_object_get(json_object_get(upd, "row"), "bridges"), 1)),
                     0);
    done(&r);

    run(&r, "del-br vl10 -- list-br -- list-ports br0");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "br0\neth0\n");
    upd = find_op(r.ops, "update", "Bridge");
    assert_int_equal(json_array_size(json_array_get(
                             json_object_get(json_object_get(upd, "row"), "ports"), 1)),
                     2);
    done(&r);

    run(&r, "--if-exists del-br nobr");
    assert_int_equal(r.rc, 0);
    assert_false(vdb_changed(r.db));
    done(&r);

    run(&r, "del-br nobr");
    assert_string_equal(r.ctx.err, "no bridge named nobr");
    done(&r);

    run(&r, "del-port br0");
    assert_string_equal(r.ctx.err, "cannot delete port br0 because it is the local port for "
                                   "bridge br0 (deleting this port requires deleting the entire "
                                   "bridge)");
    done(&r);
}

static void test_emer_reset(void **state)
{
    (void)state;
    struct run r;

    run(&r, "emer-reset");
    assert_int_equal(r.rc, 0);
    const json_t *upd = find_op(r.ops, "update", "Bridge");
    const json_t *oc = json_object_get(json_object_get(upd, "row"), "other_config");
    /* Only hwaddr survives in Bridge other_config. */
    assert_int_equal(json_array_size(json_array_get(oc, 1)), 1);
    assert_string_equal(
            json_string_value(json_array_get(json_array_get(json_array_get(oc, 1), 0), 0)),
            "hwaddr");
    assert_non_null(json_object_get(json_object_get(upd, "row"), "controller"));
    assert_non_null(json_object_get(json_object_get(upd, "row"), "fail_mode"));
    const json_t *ovs = find_op(r.ops, "update", "Open_vSwitch");
    assert_int_equal(json_array_size(json_array_get(
                             json_object_get(json_object_get(ovs, "row"), "manager_options"), 1)),
                     0);
    /* Port other_config is cleared (only eth0 had one); Interface policing zeroed (eth0). */
    assert_int_equal(count_ops(r.ops, "update", "Port"), 1);
    assert_int_equal(count_ops(r.ops, "update", "Interface"), 1);
    assert_int_equal(count_ops(r.ops, "update", "Open_vSwitch"), 1);
    assert_int_equal(count_ops(r.ops, "delete", "Bridge"), 0);
    done(&r);
}

static void test_generic(void **state)
{
    (void)state;
    struct run r;

    run(&r, "set Bridge br0 fail_mode=bogus");
    assert_string_equal(r.ctx.err, "constraint violation: bogus is not one of the allowed values "
                                   "([secure, standalone])");
    done(&r);

    run(&r, "set Bridge br0 name=x");
    assert_string_equal(r.ctx.err, "cannot modify read-only column name in table Bridge");
    done(&r);

    run(&r, "remove Bridge br0 other_config disable-in-band -- add Bridge br0 flood_vlans 3 1 "
            "-- get Bridge br0 other_config flood_vlans");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "{hwaddr=\"00:11:22:33:44:55\"}\n[1, 3]\n");
    done(&r);

    run(&r, "clear Port eth0 interfaces");
    assert_non_null(strstr(r.ctx.err, "which is not allowed to be empty"));
    done(&r);

    run(&r, "--columns=name,tag find Port tag=10");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "name                : vl10\ntag                 : 10\n");
    done(&r);

    run(&r, "--columns=name find Port tag!=10");
    assert_string_equal(r.out, "name                : br0\n\nname                : eth0\n");
    done(&r);

    run(&r, "--columns=target list Controller br0 -- get Open_vSwitch . ovs_version");
    assert_string_equal(r.out, "target              : \"tcp:1.2.3.4:6633\"\n\"3.1.0\"\n");
    done(&r);

    run(&r, "get Bridge nobr name");
    assert_string_equal(r.ctx.err, "no row \"nobr\" in table Bridge");
    done(&r);

    run(&r, "get Bridge br0 nocol");
    assert_string_equal(r.ctx.err, "Bridge does not contain a column whose name matches \"nocol\"");
    done(&r);
}

static void test_create_ids(void **state)
{
    (void)state;
    struct run r;

    /* A reference may come before the create that defines it. */
    run(&r, "set Bridge br0 mirrors=@m -- --id=@m create Mirror name=m0");
    /* The cut-down schema has no Bridge mirrors column. */
    assert_int_equal(r.rc, -EINVAL);
    done(&r);

    run(&r, "add Bridge br0 controller @c -- --id=@c create Controller target=\"tcp:9.9.9.9:1\"");
    assert_int_equal(r.rc, 0);
    const json_t *ins = find_op(r.ops, "insert", "Controller");
    const char *name = json_string_value(json_object_get(ins, "uuid-name"));
    assert_non_null(name);
    const json_t *ctl = json_object_get(json_object_get(find_op(r.ops, "update", "Bridge"), "row"),
                                        "controller");
    const json_t *elems = json_array_get(ctl, 1);
    int named = 0;
    for (size_t i = 0; i < json_array_size(elems); i++) {
        const json_t *a = json_array_get(elems, i);
        if (!strcmp(json_string_value(json_array_get(a, 0)), "named-uuid")) {
            assert_string_equal(json_string_value(json_array_get(a, 1)), name);
            named++;
        }
    }
    assert_int_equal(named, 1);
    done(&r);

    run(&r, "add Bridge br0 controller @c");
    assert_string_equal(r.ctx.err, "row id \"@c\" is referenced but never created (e.g. with "
                                   "\"-- --id=@c create ...\")");
    done(&r);
}

static void test_managers_ssl(void **state)
{
    (void)state;
    struct run r;

    run(&r, "del-manager -- set-manager ssl:1.1.1.1:6640 -- --bootstrap set-ssl k c ca -- "
            "get-manager -- get-ssl");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "ssl:1.1.1.1:6640\nPrivate key: k\nCertificate: c\n"
                               "CA Certificate: ca\nBootstrap: true\n");
    assert_int_equal(count_ops(r.ops, "insert", "Manager"), 1);
    assert_int_equal(count_ops(r.ops, "insert", "SSL"), 1);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse),       cmocka_unit_test(test_queries),
            cmocka_unit_test(test_show),        cmocka_unit_test(test_add_port_ops),
            cmocka_unit_test(test_add_br_fake), cmocka_unit_test(test_del_br),
            cmocka_unit_test(test_emer_reset),  cmocka_unit_test(test_generic),
            cmocka_unit_test(test_create_ids),  cmocka_unit_test(test_managers_ssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
