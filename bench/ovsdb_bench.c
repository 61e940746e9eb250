/* OVSDB server benchmark: the port churn of a XenServer host.
 *
 * Usage: ovsdb_bench REMOTE PORTS
 *
 * Against the server at REMOTE (unix:PATH), whose database must be empty:
 * creates the Open_vSwitch row and bridge xenbr0, adds PORTS ports one
 * transaction each (as the vif script does, one port plus its interface),
 * then PORTS more in a single transaction, then deletes them all in one.
 * Prints "name: value unit" lines for bench/run-bench.sh.  The caller reads
 * the server's memory, since only it knows the server's PID. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "ovsdb_client.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Appends to "ops" the operations that add port "name" with one interface
 * of the same name to bridge xenbr0, with vif-style external-ids. */
static void add_port_ops(json_t *ops, int n)
{
    char name[32], iface_id[32], port_id[32];

    snprintf(name, sizeof name, "vif%d.0", n);
    snprintf(iface_id, sizeof iface_id, "i%d", n);
    snprintf(port_id, sizeof port_id, "p%d", n);
    json_array_append_new(
            ops, json_pack("{s:s, s:s, s:{s:s, s:[s, [[s,s],[s,s],[s,s],[s,s]]]}, s:s}", "op",
                           "insert", "table", "Interface", "row", "name", name, "external_ids",
                           "map", "attached-mac", "fe:ff:ff:ff:ff:ff", "iface-id", name, "vm-id",
                           "b3e4f1c2-0000-4000-8000-000000000001", "xs-network-uuid",
                           "0f0e0d0c-0000-4000-8000-000000000002", "uuid-name", iface_id));
    json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:[s,s]}, s:s}", "op", "insert",
                                         "table", "Port", "row", "name", name, "interfaces",
                                         "named-uuid", iface_id, "uuid-name", port_id));
    json_array_append_new(ops,
                          json_pack("{s:s, s:s, s:[[s,s,s]], s:[[s,s,[s,[[s,s]]]]]}", "op",
                                    "mutate", "table", "Bridge", "where", "name", "==", "xenbr0",
                                    "mutations", "ports", "insert", "set", "named-uuid", port_id));
}

static int run(struct ovsdbc *c, json_t *ops, const char *what)
{
    json_t *results = NULL;
    int r = ovsdbc_transact(c, "Open_vSwitch", ops, &results);

    if (r < 0) {
        fprintf(stderr, "%s failed: %s\n", what, ovsdbc_last_error(c));
    }
    json_decref(results);
    json_decref(ops);
    return r;
}

int main(int argc, char **argv)
{
    struct ovsdbc *c = NULL;
    int ports, r;
    double t0;
    json_t *ops;

    if (argc != 3 || (ports = atoi(argv[2])) <= 0) {
        fprintf(stderr, "usage: %s REMOTE PORTS\n", argv[0]);
        return 2;
    }
    xlog_open(argv[0], false);
    r = ovsdbc_open(argv[1], 10000, &c);
    if (r < 0) {
        fprintf(stderr, "cannot connect to %s: %s\n", argv[1], strerror(-r));
        return 1;
    }
    ops = json_pack("[{s:s, s:s, s:{s:s}, s:s}, {s:s, s:s, s:{s:[s,[[s,s]]]}}]", "op", "insert",
                    "table", "Bridge", "row", "name", "xenbr0", "uuid-name", "br", "op", "insert",
                    "table", "Open_vSwitch", "row", "bridges", "set", "named-uuid", "br");
    r = run(c, ops, "setup");
    t0 = now_ms();
    for (int i = 0; r == 0 && i < ports; i++) {
        ops = json_array();
        add_port_ops(ops, i);
        r = run(c, ops, "add port");
    }
    if (r == 0) {
        double ms = now_ms() - t0;

        printf("ports_one_txn_each: %.1f ms\n", ms);
        printf("txn_per_s: %.0f txn/s\n", ports / (ms / 1e3));
        ops = json_array();
        for (int i = ports; i < 2 * ports; i++) {
            add_port_ops(ops, i);
        }
        t0 = now_ms();
        r = run(c, ops, "add ports in one transaction");
        printf("ports_one_txn_all: %.1f ms\n", now_ms() - t0);
    }
    ovsdbc_close(c);
    return r < 0 ? 1 : 0;
}
