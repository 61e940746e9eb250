/* Unit tests for lib/ovsdb_client against stock ovsdb-server (Open vSwitch),
 * run in a private directory: get_schema, transact, a failing transaction,
 * monitor with a replica that follows later changes, and reconnection after
 * the server is killed and restarted on the same socket.  Each test gets a
 * fresh database and server; when ovsdb-server is not installed, those tests
 * are skipped with a printed reason.  A scripted fake server covers echo
 * during ovsdbc_run() and the resync after a malformed update. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evloop.h"
#include "jsonrpc.h"
#include "ovsdb_client.h"
#include "stream.h"

#define SCHEMA  "/usr/share/openvswitch/vswitch.ovsschema"
#define TIMEOUT 5000

struct env {
    bool skip;
    char dir[64];
    char remote[128];
};

/* True if "prog" is an executable in $PATH or in /usr/sbin (where Debian
 * puts ovsdb-server, often outside a user's PATH). */
static bool have_program(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096], file[4200];

    snprintf(buf, sizeof buf, "%s:/usr/sbin:/usr/local/sbin", path ? path : "/usr/bin");
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(file, sizeof file, "%s/%s", d, prog);
        if (access(file, X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/* Runs argv with the private OVS directories and waits; returns its exit
 * status (or -1).  Output goes to DIR/cmd.log for diagnosis. */
static int run(const struct env *e, char *const argv[])
{
    char log[128];
    int status;
    pid_t pid = fork();

    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        snprintf(log, sizeof log, "%s/cmd.log", e->dir);
        if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr)) {
            _exit(126);
        }
        setenv("OVS_RUNDIR", e->dir, 1);
        setenv("OVS_DBDIR", e->dir, 1);
        setenv("OVS_LOGDIR", e->dir, 1);
        setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int start_server(const struct env *e)
{
    char db[128], remote[160], pidfile[128], logfile[128];

    snprintf(db, sizeof db, "%s/conf.db", e->dir);
    snprintf(remote, sizeof remote, "--remote=punix:%s/db.sock", e->dir);
    snprintf(pidfile, sizeof pidfile, "--pidfile=%s/ovsdb-server.pid", e->dir);
    snprintf(logfile, sizeof logfile, "--log-file=%s/ovsdb-server.log", e->dir);
    char *argv[] = {"ovsdb-server", db, remote, pidfile, "--detach", "--no-chdir", logfile, NULL};

    return run(e, argv);
}

static pid_t server_pid(const struct env *e)
{
    char path[128];
    long pid = 0;

    snprintf(path, sizeof path, "%s/ovsdb-server.pid", e->dir);
    FILE *f = fopen(path, "r");

    if (!f) {
        return 0;
    }
    if (fscanf(f, "%ld", &pid) != 1) {
        pid = 0;
    }
    fclose(f);
    return (pid_t)pid;
}

/* Stops the server we started, by the PID in its pidfile. */
static void stop_server(const struct env *e)
{
    pid_t pid = server_pid(e);

    if (pid <= 0) {
        return;
    }
    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
        poll(NULL, 0, 50);
    }
    if (kill(pid, 0) == 0) {
        kill(pid, SIGKILL);
        for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
            poll(NULL, 0, 50);
        }
    }
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    char db[128];

    if (!e) {
        return -1;
    }
    *state = e;
    if (!have_program("ovsdb-server") || !have_program("ovsdb-tool") || access(SCHEMA, R_OK) != 0) {
        printf("SKIP: ovsdb_client: ovsdb-server not installed\n");
        e->skip = true;
        return 0;
    }
    snprintf(e->dir, sizeof e->dir, "/tmp/xvs-ovsdbc-XXXXXX");
    if (!mkdtemp(e->dir)) {
        return -1;
    }
    snprintf(db, sizeof db, "%s/conf.db", e->dir);
    snprintf(e->remote, sizeof e->remote, "unix:%s/db.sock", e->dir);
    char *argv[] = {"ovsdb-tool", "create", db, SCHEMA, NULL};

    if (run(e, argv) != 0 || start_server(e) != 0) {
        fprintf(stderr, "cannot start ovsdb-server in %s\n", e->dir);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    if (!e->skip) {
        stop_server(e);
        char *argv[] = {"rm", "-rf", e->dir, NULL};

        run(e, argv);
    }
    free(e);
    return 0;
}

static struct ovsdbc *open_client(const struct env *e)
{
    struct ovsdbc *c = NULL;

    assert_int_equal(ovsdbc_open(e->remote, TIMEOUT, &c), 0);
    assert_non_null(c);
    return c;
}

/* Runs a transaction that must succeed and returns its results. */
static json_t *transact_ok(struct ovsdbc *c, const char *ops_text)
{
    json_error_t jerr;
    json_t *ops = json_loads(ops_text, 0, &jerr);
    json_t *results = NULL;

    assert_non_null(ops);
    int r = ovsdbc_transact(c, "Open_vSwitch", ops, &results);

    if (r != 0) {
        fprintf(stderr, "transaction failed: %s\n", ovsdbc_last_error(c));
    }
    assert_int_equal(r, 0);
    assert_true(json_is_array(results));
    assert_int_equal(json_array_size(results), json_array_size(ops));
    json_decref(ops);
    return results;
}

static const char init_ops[] =
        "[{\"op\":\"insert\",\"table\":\"Open_vSwitch\",\"row\":{\"ovs_version\":\"xvs-test\"},"
        "\"uuid-name\":\"root\"}]";

static const char add_br_ops[] =
        "[{\"op\":\"insert\",\"table\":\"Bridge\",\"row\":{\"name\":\"%s\"},\"uuid-name\":\"b\"},"
        "{\"op\":\"mutate\",\"table\":\"Open_vSwitch\",\"where\":[],\"mutations\":"
        "[[\"bridges\",\"insert\",[\"set\",[[\"named-uuid\",\"b\"]]]]]}]";

static void add_bridge(struct ovsdbc *c, const char *name)
{
    char ops[512];

    snprintf(ops, sizeof ops, add_br_ops, name);
    json_decref(transact_ok(c, ops));
}

static void test_get_schema(void **state)
{
    struct env *e = *state;
    json_t *schema = NULL;

    if (e->skip) {
        skip();
    }
    struct ovsdbc *c = open_client(e);

    assert_int_equal(ovsdbc_get_schema(c, "Open_vSwitch", &schema), 0);
    assert_string_equal(json_string_value(json_object_get(schema, "name")), "Open_vSwitch");
    assert_non_null(json_object_get(json_object_get(schema, "tables"), "Bridge"));
    json_decref(schema);

    assert_int_equal(ovsdbc_get_schema(c, NULL, &schema), -EINVAL);
    assert_int_equal(ovsdbc_get_schema(c, "NoSuchDb", &schema), -EPROTO);
    assert_null(schema);
    assert_non_null(strstr(ovsdbc_last_error(c), "unknown database"));
    /* The connection survives an error reply. */
    assert_int_equal(ovsdbc_get_schema(c, "Open_vSwitch", &schema), 0);
    json_decref(schema);
    ovsdbc_close(c);
    ovsdbc_close(NULL);
}

static void test_open_errors(void **state)
{
    struct env *e = *state;
    struct ovsdbc *c = (struct ovsdbc *)1;
    char remote[160];

    if (e->skip) {
        skip();
    }
    assert_int_equal(ovsdbc_open("bogus:x", 100, &c), -EINVAL);
    assert_null(c);
    assert_int_equal(ovsdbc_open("punix:/tmp/x", 100, &c), -EINVAL);
    snprintf(remote, sizeof remote, "unix:%s/nosuch.sock", e->dir);
    assert_int_equal(ovsdbc_open(remote, 100, &c), -ENOENT);
}

static void test_transact_insert_select(void **state)
{
    struct env *e = *state;

    if (e->skip) {
        skip();
    }
    struct ovsdbc *c = open_client(e);
    json_t *res = transact_ok(c, init_ops);
    json_t *uuid = json_object_get(json_array_get(res, 0), "uuid");

    assert_string_equal(json_string_value(json_array_get(uuid, 0)), "uuid");
    const char *id = json_string_value(json_array_get(uuid, 1));

    assert_non_null(id);
    assert_int_equal(strlen(id), 36);

    json_t *sel = transact_ok(c, "[{\"op\":\"select\",\"table\":\"Open_vSwitch\",\"where\":[],"
                                 "\"columns\":[\"_uuid\",\"ovs_version\"]}]");
    json_t *rows = json_object_get(json_array_get(sel, 0), "rows");

    assert_int_equal(json_array_size(rows), 1);
    json_t *row = json_array_get(rows, 0);

    assert_string_equal(json_string_value(json_object_get(row, "ovs_version")), "xvs-test");
    assert_string_equal(json_string_value(json_array_get(json_object_get(row, "_uuid"), 1)), id);
    json_decref(sel);
    json_decref(res);
    ovsdbc_close(c);
}

static void test_failing_transaction(void **state)
{
    struct env *e = *state;
    json_t *results = NULL;

    if (e->skip) {
        skip();
    }
    struct ovsdbc *c = open_client(e);

    json_decref(transact_ok(c, init_ops));

    /* An operation error: results name it, and nothing was applied. */
    json_t *ops = json_loads("[{\"op\":\"insert\",\"table\":\"Bridge\",\"row\":{\"name\":\"x\"}},"
                             "{\"op\":\"insert\",\"table\":\"NoSuchTable\",\"row\":{}}]",
                             0, NULL);

    assert_int_equal(ovsdbc_transact(c, "Open_vSwitch", ops, &results), -EPROTO);
    assert_true(json_is_array(results));
    assert_string_equal(json_string_value(json_object_get(json_array_get(results, 1), "error")),
                        "syntax error");
    assert_non_null(strstr(ovsdbc_last_error(c), "NoSuchTable"));
    json_decref(results);
    json_decref(ops);

    /* A commit-time error: a second row in a table limited to one. */
    ops = json_loads(init_ops, 0, NULL);
    assert_int_equal(ovsdbc_transact(c, "Open_vSwitch", ops, &results), -EPROTO);
    assert_int_equal(json_array_size(results), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(results, 1), "error")),
                        "constraint violation");
    json_decref(results);

    /* A whole-request error comes back as a one-element result array. */
    assert_int_equal(ovsdbc_transact(c, "NoSuchDb", ops, &results), -EPROTO);
    assert_int_equal(json_array_size(results), 1);
    assert_non_null(json_object_get(json_array_get(results, 0), "error"));
    json_decref(results);
    json_decref(ops);

    /* Not an array: refused locally. */
    json_t *obj = json_object();

    assert_int_equal(ovsdbc_transact(c, "Open_vSwitch", obj, &results), -EINVAL);
    assert_null(results);
    json_decref(obj);

    json_t *sel = transact_ok(c, "[{\"op\":\"select\",\"table\":\"Bridge\",\"where\":[]}]");

    assert_int_equal(json_array_size(json_object_get(json_array_get(sel, 0), "rows")), 0);
    json_decref(sel);
    ovsdbc_close(c);
}

/* Finds the row named "name" in a replica table, or NULL. */
static const json_t *find_named(const json_t *table, const char *name)
{
    const char *uuid;
    json_t *row;

    json_object_foreach((json_t *)table, uuid, row)
    {
        const char *n = json_string_value(json_object_get(row, "name"));

        if (n && strcmp(n, name) == 0) {
            return row;
        }
    }
    return NULL;
}

/* Runs the client until the bridge's presence matches "want", at most 10 s. */
static void wait_bridge(struct ovsdbc *c, const char *name, bool want)
{
    long long deadline = evl_now_ms() + 10000;

    for (;;) {
        const json_t *t = ovsdbc_replica_table(c, "Bridge");

        assert_non_null(t);
        if ((find_named(t, name) != NULL) == want) {
            return;
        }
        assert_true(evl_now_ms() < deadline);
        assert_int_equal(ovsdbc_run(c, 200), 0);
    }
}

static json_t *bridge_monitor(void)
{
    return json_pack("{s:{s:[s,s,s]}}", "Bridge", "columns", "name", "ports", "external_ids");
}

static void test_monitor_follows_changes(void **state)
{
    struct env *e = *state;

    if (e->skip) {
        skip();
    }
    struct ovsdbc *c = open_client(e);
    struct ovsdbc *w = open_client(e);
    json_t *req = bridge_monitor();

    json_decref(transact_ok(w, init_ops));
    add_bridge(w, "br0");
    assert_null(ovsdbc_replica_table(c, "Bridge"));
    assert_int_equal(ovsdbc_monitor(c, "Open_vSwitch", req), 0);
    /* Initial contents. */
    const json_t *t = ovsdbc_replica_table(c, "Bridge");

    assert_int_equal(json_object_size(t), 1);
    const json_t *br0 = find_named(t, "br0");

    assert_non_null(br0);
    assert_non_null(json_object_get(br0, "ports"));
    assert_null(json_object_get(br0, "datapath_type"));
    assert_null(ovsdbc_replica_table(c, "Port"));

    /* A later insert by another client arrives through ovsdbc_run(). */
    add_bridge(w, "br1");
    wait_bridge(c, "br1", true);
    assert_int_equal(json_object_size(ovsdbc_replica_table(c, "Bridge")), 2);

    /* A modification replaces the row. */
    json_decref(transact_ok(w, "[{\"op\":\"update\",\"table\":\"Bridge\",\"where\":"
                               "[[\"name\",\"==\",\"br1\"]],\"row\":{\"external_ids\":"
                               "[\"map\",[[\"k\",\"v\"]]]}}]"));
    json_t *want = json_pack("[s,[[s,s]]]", "map", "k", "v");
    long long deadline = evl_now_ms() + 10000;

    while (!json_equal(
            json_object_get(find_named(ovsdbc_replica_table(c, "Bridge"), "br1"), "external_ids"),
            want)) {
        assert_true(evl_now_ms() < deadline);
        assert_int_equal(ovsdbc_run(c, 200), 0);
    }
    json_decref(want);
    assert_non_null(json_object_get(find_named(ovsdbc_replica_table(c, "Bridge"), "br1"), "ports"));

    /* A delete: unreferenced, the bridge is garbage collected. */
    const char *br0_uuid = NULL;
    const char *key;
    json_t *row;
    char ops[512];

    json_object_foreach((json_t *)ovsdbc_replica_table(c, "Bridge"), key, row)
    {
        if (strcmp(json_string_value(json_object_get(row, "name")), "br0") == 0) {
            br0_uuid = key;
        }
    }
    assert_non_null(br0_uuid);
    snprintf(ops, sizeof ops,
             "[{\"op\":\"mutate\",\"table\":\"Open_vSwitch\",\"where\":[],\"mutations\":"
             "[[\"bridges\",\"delete\",[\"uuid\",\"%s\"]]]}]",
             br0_uuid);
    json_decref(transact_ok(w, ops));
    wait_bridge(c, "br0", false);
    assert_int_equal(json_object_size(ovsdbc_replica_table(c, "Bridge")), 1);

    /* Nothing pending: run returns after its timeout. */
    long long t0 = evl_now_ms();

    assert_int_equal(ovsdbc_run(c, 100), 0);
    assert_true(evl_now_ms() - t0 >= 90);

    /* Updates arriving during a call are applied too. */
    add_bridge(w, "br2");
    json_t *schema;

    poll(NULL, 0, 100);
    assert_int_equal(ovsdbc_get_schema(c, "Open_vSwitch", &schema), 0);
    json_decref(schema);
    assert_non_null(find_named(ovsdbc_replica_table(c, "Bridge"), "br2"));

    json_decref(req);
    ovsdbc_close(c);
    ovsdbc_close(w);
}

static void test_monitor_errors(void **state)
{
    struct env *e = *state;

    if (e->skip) {
        skip();
    }
    struct ovsdbc *c = open_client(e);
    json_t *bad = json_pack("{s:{}}", "NoSuchTable");
    json_t *arr = json_array();

    json_t *good = bridge_monitor();

    /* Replacing a monitor cancels the first one; a failed replacement
     * leaves no stale replica behind. */
    assert_int_equal(ovsdbc_monitor(c, "Open_vSwitch", good), 0);
    assert_int_equal(ovsdbc_monitor(c, "Open_vSwitch", good), 0);
    assert_non_null(ovsdbc_replica_table(c, "Bridge"));
    assert_int_equal(ovsdbc_monitor(c, "Open_vSwitch", bad), -EPROTO);
    assert_null(ovsdbc_replica_table(c, "Bridge"));
    assert_int_equal(ovsdbc_monitor(c, "Open_vSwitch", arr), -EINVAL);
    json_decref(good);
    assert_null(ovsdbc_replica_table(c, "NoSuchTable"));
    json_decref(bad);
    json_decref(arr);
    ovsdbc_close(c);
}

static void test_reconnect_after_restart(void **state)
{
    struct env *e = *state;
    char db[128];

    if (e->skip) {
        skip();
    }
    struct ovsdbc *c = open_client(e);
    json_t *req = bridge_monitor();

    json_decref(transact_ok(c, init_ops));
    add_bridge(c, "br0");
    assert_int_equal(ovsdbc_monitor(c, "Open_vSwitch", req), 0);
    assert_non_null(find_named(ovsdbc_replica_table(c, "Bridge"), "br0"));

    stop_server(e);
    /* Disconnected: run notices, keeps the old replica and does not fail. */
    assert_int_equal(ovsdbc_run(c, 300), 0);
    assert_int_equal(ovsdbc_run(c, 300), 0);
    assert_non_null(find_named(ovsdbc_replica_table(c, "Bridge"), "br0"));

    /* Change the database while the server is down, so that only a rebuilt
     * replica can show the change. */
    snprintf(db, sizeof db, "%s/conf.db", e->dir);
    char ops[512], txn[600];

    /* ovsdb-tool wants the database name as the first element. */
    snprintf(ops, sizeof ops, add_br_ops, "br-offline");
    snprintf(txn, sizeof txn, "[\"Open_vSwitch\",%s", ops + 1);
    char *argv[] = {"ovsdb-tool", "transact", db, txn, NULL};

    assert_int_equal(run(e, argv), 0);
    assert_int_equal(start_server(e), 0);
    wait_bridge(c, "br-offline", true);
    assert_non_null(find_named(ovsdbc_replica_table(c, "Bridge"), "br0"));

    /* And updates flow again on the new connection. */
    struct ovsdbc *w = open_client(e);

    add_bridge(w, "br-after");
    wait_bridge(c, "br-after", true);

    /* Calls work on the new connection. */
    json_t *schema;

    assert_int_equal(ovsdbc_get_schema(c, "Open_vSwitch", &schema), 0);
    json_decref(schema);
    json_decref(req);
    ovsdbc_close(w);
    ovsdbc_close(c);
}

/* Blocking receive for the fake server; NULL on EOF or error. */
static json_t *fake_recv(struct jsonrpc *rpc)
{
    json_t *msg;
    int r;

    while ((r = jsonrpc_recv(rpc, &msg)) == -EAGAIN) {
        struct pollfd pfd = {.fd = jsonrpc_fd(rpc), .events = POLLIN};

        if (poll(&pfd, 1, 10000) <= 0) {
            return NULL;
        }
    }
    return r == 0 ? msg : NULL;
}

/* Accepts one connection and answers its monitor request with "initial".
 * Returns the connection and the monitor id (borrowed from *req). */
static struct jsonrpc *fake_accept_monitor(int lfd, const char *initial, json_t **req)
{
    struct pollfd pfd = {.fd = lfd, .events = POLLIN};

    if (poll(&pfd, 1, 10000) != 1) {
        return NULL;
    }
    struct jsonrpc *rpc = jsonrpc_new(accept(lfd, NULL, NULL));

    *req = rpc ? fake_recv(rpc) : NULL;
    const char *method = json_string_value(json_object_get(*req, "method"));

    if (!method || strcmp(method, "monitor") != 0) {
        jsonrpc_free(rpc);
        return NULL;
    }
    json_t *reply = jsonrpc_reply(json_loads(initial, 0, NULL), json_object_get(*req, "id"));

    if (jsonrpc_send(rpc, reply) < 0) {
        jsonrpc_free(rpc);
        rpc = NULL;
    }
    json_decref(reply);
    return rpc;
}

static int send_update(struct jsonrpc *rpc, json_t *mon_id, const char *updates)
{
    json_t *n =
            jsonrpc_notification("update", json_pack("[Oo]", mon_id, json_loads(updates, 0, NULL)));
    int r = n ? jsonrpc_send(rpc, n) : -ENOMEM;

    json_decref(n);
    return r;
}

/* The fake server's script; its exit status tells the parent which step
 * went wrong (0: all as expected). */
static int fake_server(int lfd)
{
    json_t *req, *msg;
    struct jsonrpc *rpc =
            fake_accept_monitor(lfd, "{\"T\":{\"u1\":{\"new\":{\"name\":\"a\"}}}}", &req);

    if (!rpc) {
        return 1;
    }
    json_t *mon_id = json_array_get(json_object_get(req, "params"), 1);
    json_t *echo = jsonrpc_request("echo", json_pack("[s]", "x"), json_string("e"));

    if (jsonrpc_send(rpc, echo) < 0) {
        return 2;
    }
    msg = fake_recv(rpc);
    if (!msg || !json_equal(json_object_get(msg, "result"), json_object_get(echo, "params")) ||
        !json_equal(json_object_get(msg, "id"), json_object_get(echo, "id"))) {
        return 3;
    }
    json_decref(msg);
    json_t *other = json_string("someone-else");

    /* Another monitor's update must be ignored; then a real one.  The echo
     * round trip after it makes sure the client has applied both before the
     * malformed update, which must make the client reconnect, arrives. */
    if (send_update(rpc, other, "{\"T\":{\"u9\":{\"new\":{\"name\":\"z\"}}}}") < 0 ||
        send_update(rpc, mon_id, "{\"T\":{\"u2\":{\"new\":{\"name\":\"b\"}}}}") < 0 ||
        jsonrpc_send(rpc, echo) < 0) {
        return 4;
    }
    msg = fake_recv(rpc);
    if (!msg || !json_equal(json_object_get(msg, "id"), json_object_get(echo, "id"))) {
        return 5;
    }
    json_decref(msg);
    poll(NULL, 0, 500);
    if (send_update(rpc, mon_id, "{\"T\":{\"u1\":{\"old\":{}},\"u3\":5}}") < 0) {
        return 6;
    }
    json_decref(other);
    json_decref(echo);
    msg = fake_recv(rpc);
    if (msg) {
        return 7; /* The client should have closed, not sent anything. */
    }
    jsonrpc_free(rpc);
    json_decref(req);

    rpc = fake_accept_monitor(lfd, "{\"T\":{\"u4\":{\"new\":{\"name\":\"d\"}}}}", &req);
    if (!rpc) {
        return 8;
    }
    msg = fake_recv(rpc);
    int status = msg ? 9 : 0;

    json_decref(msg);
    jsonrpc_free(rpc);
    json_decref(req);
    return status;
}

static void run_until(struct ovsdbc *c, const char *uuid, bool want)
{
    long long deadline = evl_now_ms() + 10000;

    while ((json_object_get(ovsdbc_replica_table(c, "T"), uuid) != NULL) != want) {
        assert_true(evl_now_ms() < deadline);
        assert_int_equal(ovsdbc_run(c, 200), 0);
    }
}

/* Against a scripted fake server, so that it runs without stock OVS too:
 * echo answered from ovsdbc_run(), another monitor's updates ignored, a
 * malformed update causing a reconnect that rebuilds the replica. */
static void test_fake_server_echo_and_resync(void **state)
{
    char dir[] = "/tmp/xvs-ovsdbc-fake-XXXXXX";
    char name[128];
    struct ovsdbc *c;
    int status;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(name, sizeof name, "punix:%s/s", dir);
    int lfd = stream_listen(name);

    assert_true(lfd >= 0);
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(fake_server(lfd));
    }
    close(lfd);
    snprintf(name, sizeof name, "unix:%s/s", dir);
    assert_int_equal(ovsdbc_open(name, TIMEOUT, &c), 0);
    json_t *req = json_pack("{s:{}}", "T");

    assert_int_equal(ovsdbc_monitor(c, "db", req), 0);
    assert_non_null(json_object_get(ovsdbc_replica_table(c, "T"), "u1"));
    run_until(c, "u2", true);
    assert_null(json_object_get(ovsdbc_replica_table(c, "T"), "u9"));
    /* The malformed update changed nothing; the rebuilt replica replaces it. */
    run_until(c, "u4", true);
    assert_int_equal(json_object_size(ovsdbc_replica_table(c, "T")), 1);
    json_decref(req);
    ovsdbc_close(c);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    snprintf(name, sizeof name, "%s/s", dir);
    unlink(name);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_get_schema, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_transact_insert_select, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failing_transaction, setup, teardown),
            cmocka_unit_test_setup_teardown(test_monitor_follows_changes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_monitor_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reconnect_after_restart, setup, teardown),
            cmocka_unit_test(test_fake_server_echo_and_resync),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
