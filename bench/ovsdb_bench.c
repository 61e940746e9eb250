/* OVSDB server benchmark: the port churn of a XenServer host.
 *
 * Usage: ovsdb_bench [--server-pid PID] REMOTE PORTS
 *        ovsdb_bench [--server-pid PID] --concurrent CLIENTS REMOTE PORTS FIRST
 *        ovsdb_bench --sync-floor DIR
 *
 * The first form, against the server at REMOTE (unix:PATH), whose database
 * must be empty: creates the Open_vSwitch row and bridge xenbr0, adds PORTS
 * ports one transaction each (as the vif script does, one port plus its
 * interface), then PORTS more in a single transaction.
 *
 * The second form, on that database: CLIENTS clients at once (one connection
 * and one process each) add PORTS ports between them, numbered from FIRST,
 * one transaction each; each client waits for the reply to a transaction
 * before it sends the next, as a vif script does, so what the server can
 * overlap is the work of different clients (its group commit).
 *
 * The third form measures the floor that durability puts under a serial
 * client on this disk: the median time of one small pwrite(2) plus
 * fdatasync(2) into space written beforehand, in a file in DIR (removed).
 *
 * With --server-pid, each figure is followed by the CPU time the server
 * spent on it ("<figure>_server_cpu"), read from /proc/PID/schedstat: unlike
 * the elapsed time it counts neither the client's work nor the time the
 * server sleeps waiting for the disk, so it compares the two servers' own
 * work even where one of them syncs and the other does not.
 *
 * Prints "name: value unit" lines for bench/run-bench.sh.  The caller reads
 * the server's memory. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ovsdb_client.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The server whose CPU time is reported, or 0 for none. */
static long server_pid;

/* The CPU time the server has used so far, in ms (its threads included:
 * the first field of /proc/PID/schedstat is the time on a CPU, in ns), or
 * -1 when there is no server PID or it cannot be read. */
static double server_cpu_ms(void)
{
    char path[64];
    unsigned long long ns;
    FILE *f;
    int n;

    if (!server_pid) {
        return -1;
    }
    snprintf(path, sizeof path, "/proc/%ld/schedstat", server_pid);
    f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    n = fscanf(f, "%llu", &ns);
    fclose(f);
    return n == 1 ? ns / 1e6 : -1;
}

/* Prints "<figure>_server_cpu: X ms" for the CPU the server used since
 * "since" (a server_cpu_ms() value), when there is a server to read. */
static void print_server_cpu(const char *figure, double since)
{
    double now = server_cpu_ms();

    if (since >= 0 && now >= 0) {
        printf("%s_server_cpu: %.1f ms\n", figure, now - since);
    }
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

/* Adds ports first, first + step, ... below "end", one transaction each. */
static int add_ports_serially(struct ovsdbc *c, int first, int end, int step)
{
    int r = 0;

    for (int i = first; r == 0 && i < end; i += step) {
        json_t *ops = json_array();
        add_port_ops(ops, i);
        r = run(c, ops, "add port");
    }
    return r;
}

/* Reads exactly n bytes from fd; 0 or -1. */
static int read_all(int fd, char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* One concurrent client (a child process): connects, says it is ready on
 * "ready", waits for the start on "go", adds its share of the ports, and
 * reports 'd' (done) or 'f' (failed) on "ready".  Never returns. */
static void client_main(const char *remote, int first, int end, int step, int ready, int go)
{
    struct ovsdbc *c = NULL;
    char b;
    int r = ovsdbc_open(remote, 10000, &c);

    if (r < 0) {
        fprintf(stderr, "cannot connect to %s: %s\n", remote, strerror(-r));
    }
    b = r < 0 ? 'f' : 'r';
    if (write(ready, &b, 1) != 1 || r < 0 || read_all(go, &b, 1)) {
        _exit(1);
    }
    r = add_ports_serially(c, first, end, step);
    b = r ? 'f' : 'd';
    ovsdbc_close(c);
    _exit(write(ready, &b, 1) == 1 && !r ? 0 : 1);
}

static int concurrent(int clients, const char *remote, int ports, int first)
{
    int ready[2], go[2], failed = 0;
    pid_t *pids = calloc((size_t)clients, sizeof *pids);
    char *buf = calloc((size_t)clients, 1);
    double t0 = 0, cpu0 = -1, ms;
    char figure[64];

    if (!pids || !buf || pipe(ready) || pipe(go)) {
        fprintf(stderr, "concurrent: %s\n", strerror(errno));
        return 1;
    }
    fflush(NULL);
    for (int k = 0; k < clients; k++) {
        pids[k] = fork();
        if (pids[k] < 0) {
            fprintf(stderr, "fork: %s\n", strerror(errno));
            clients = k;
            failed = 1;
            break;
        }
        if (pids[k] == 0) {
            close(ready[0]);
            close(go[1]);
            /* Client k takes ports first + k, first + k + clients, ... */
            client_main(remote, first + k, first + ports, clients, ready[1], go[0]);
        }
    }
    close(ready[1]);
    close(go[0]);
    /* Everyone connected before the clock starts: the figure is the
     * transactions, not the connections. */
    if (!failed && read_all(ready[0], buf, (size_t)clients) == 0 &&
        !memchr(buf, 'f', (size_t)clients)) {
        memset(buf, 'g', (size_t)clients);
        cpu0 = server_cpu_ms();
        t0 = now_ms();
        if (write(go[1], buf, (size_t)clients) != clients ||
            read_all(ready[0], buf, (size_t)clients) || memchr(buf, 'f', (size_t)clients)) {
            failed = 1;
        }
    } else {
        failed = 1;
    }
    ms = now_ms() - t0;
    snprintf(figure, sizeof figure, "ports_concurrent_%d_clients", clients);
    close(go[1]);
    close(ready[0]);
    for (int k = 0; k < clients; k++) {
        int st;
        if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
            failed = 1;
        }
    }
    if (!failed) {
        printf("%s: %.1f ms, %.0f txn/s\n", figure, ms, ports / (ms / 1e3));
        print_server_cpu(figure, cpu0);
    } else {
        fprintf(stderr, "concurrent clients failed\n");
    }
    free(pids);
    free(buf);
    return failed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of ROUNDS pwrite+fdatasync of a 512-byte record into space that
 * was written and synced beforehand, as the journal does. */
static int sync_floor(const char *dir)
{
    enum { ROUNDS = 200, REC = 512 };
    char path[4096], rec[REC], zero[64 * 1024];
    double t[ROUNDS];
    int fd, r = 1;

    snprintf(path, sizeof path, "%s/sync-floor.XXXXXX", dir);
    fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    memset(zero, 0, sizeof zero);
    memset(rec, 'x', sizeof rec);
    for (size_t off = 0; off < (size_t)ROUNDS * REC; off += sizeof zero) {
        if (pwrite(fd, zero, sizeof zero, (off_t)off) != (ssize_t)sizeof zero) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            goto out;
        }
    }
    if (fsync(fd) < 0) {
        fprintf(stderr, "%s: fsync: %s\n", path, strerror(errno));
        goto out;
    }
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = now_ms();
        if (pwrite(fd, rec, sizeof rec, (off_t)i * REC) != (ssize_t)sizeof rec ||
            fdatasync(fd) < 0) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            goto out;
        }
        t[i] = now_ms() - t0;
    }
    qsort(t, ROUNDS, sizeof t[0], cmp_double);
    printf("sync_floor_pwrite_fdatasync: %.0f us\n", t[ROUNDS / 2] * 1e3);
    r = 0;
out:
    close(fd);
    unlink(path);
    return r;
}

int main(int argc, char **argv)
{
    struct ovsdbc *c = NULL;
    int ports, r;
    double t0, cpu0;
    json_t *ops;

    if (argc > 3 && !strcmp(argv[1], "--server-pid")) {
        char *end;
        server_pid = strtol(argv[2], &end, 10);
        if (*end || server_pid <= 0) {
            fprintf(stderr, "%s: --server-pid: not a process ID: %s\n", argv[0], argv[2]);
            return 2;
        }
        /* The program's name stays first for the messages below. */
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    if (argc == 3 && !strcmp(argv[1], "--sync-floor")) {
        return sync_floor(argv[2]);
    }
    if (argc == 6 && !strcmp(argv[1], "--concurrent")) {
        int clients = atoi(argv[2]), first = atoi(argv[5]);
        ports = atoi(argv[4]);
        if (clients <= 0 || ports < clients || first < 0) {
            fprintf(stderr, "usage: %s --concurrent CLIENTS REMOTE PORTS FIRST\n", argv[0]);
            return 2;
        }
        xlog_open(argv[0], false);
        return concurrent(clients, argv[3], ports, first);
    }
    if (argc != 3 || (ports = atoi(argv[2])) <= 0) {
        fprintf(stderr,
                "usage: %s [--server-pid PID] REMOTE PORTS | [--server-pid PID] --concurrent "
                "CLIENTS REMOTE PORTS FIRST | --sync-floor DIR\n",
                argv[0]);
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
    cpu0 = server_cpu_ms();
    t0 = now_ms();
    if (r == 0) {
        r = add_ports_serially(c, 0, ports, 1);
    }
    if (r == 0) {
        double ms = now_ms() - t0;

        printf("ports_one_txn_each: %.1f ms\n", ms);
        printf("txn_per_s: %.0f txn/s\n", ports / (ms / 1e3));
        print_server_cpu("ports_one_txn_each", cpu0);
        ops = json_array();
        for (int i = ports; i < 2 * ports; i++) {
            add_port_ops(ops, i);
        }
        cpu0 = server_cpu_ms();
        t0 = now_ms();
        r = run(c, ops, "add ports in one transaction");
        printf("ports_one_txn_all: %.1f ms\n", now_ms() - t0);
        print_server_cpu("ports_one_txn_all", cpu0);
    }
    ovsdbc_close(c);
    return r < 0 ? 1 : 0;
}
