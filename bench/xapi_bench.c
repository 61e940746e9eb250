/* Benchmarks of the XAPI bindings at pool scale.
 *
 * Usage: xapi_bench DIR [SIM]
 *
 * Builds a network.dbcache of 1,000 PIFs (each on its own network) in DIR,
 * then times, as medians of repeated runs: parsing it, formatting it and
 * writing it atomically.  With SIM (the xvs-xapi-sim binary) it starts the
 * simulator seeded from that file and times PIF.get_all_records of the
 * 1,000 PIFs over the unix socket, decoded into typed records.  Prints one
 * "name: value unit" line per figure, for bench/run-bench.sh. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbcache.h"
#include "fsutil.h"
#include "log.h"
#include "records.h"
#include "transport.h"
#include "xapi.h"

#define N_PIFS 1000
#define RUNS   21

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Fills "db" with N_PIFS PIFs, one network each, and the pool record. */
static int build_cache(struct dbcache *db)
{
    db->pifs.items = calloc(N_PIFS, sizeof(struct xapi_pif));
    db->networks.items = calloc(N_PIFS, sizeof(struct xapi_network));
    db->pools.items = calloc(1, sizeof(struct xapi_pool));
    if (!db->pifs.items || !db->networks.items || !db->pools.items) {
        return -ENOMEM;
    }
    for (int i = 0; i < N_PIFS; i++) {
        struct xapi_pif *pif = XAPI_LIST_ITEM(&db->pifs, struct xapi_pif, i);
        struct xapi_network *net = XAPI_LIST_ITEM(&db->networks, struct xapi_network, i);
        char buf[64];

        db->pifs.n++;
        db->networks.n++;
        if (asprintf(&pif->ref, "OpaqueRef:pif-%04d", i) < 0 ||
            asprintf(&pif->uuid, "00000000-0000-4000-8000-%012d", i) < 0 ||
            asprintf(&pif->device, "eth%d", i) < 0 ||
            asprintf(&pif->network, "OpaqueRef:net-%04d", i) < 0 ||
            asprintf(&pif->mac, "02:00:00:00:%02x:%02x", i / 256, i % 256) < 0 ||
            !(pif->ip_configuration_mode = strdup(i == 0 ? "DHCP" : "None")) ||
            !(pif->bond_slave_of = strdup(XAPI_NULL_REF)) ||
            !(pif->vlan_master_of = strdup(XAPI_NULL_REF)) ||
            asprintf(&net->ref, "OpaqueRef:net-%04d", i) < 0 ||
            asprintf(&net->uuid, "00000000-0000-4000-9000-%012d", i) < 0 ||
            asprintf(&net->bridge, "xenbr%d", i) < 0) {
            return -ENOMEM;
        }
        pif->vlan = -1;
        pif->management = i == 0;
        net->mtu = 1500;
        snprintf(buf, sizeof buf, "%d", i % 2 ? 9000 : 1500);
        if (xapi_map_set(&pif->other_config, "mtu", buf) < 0 ||
            xapi_map_set(&pif->other_config, "ethtool-tx", "off") < 0 ||
            xapi_strv_append(&net->pifs, pif->ref) < 0) {
            return -ENOMEM;
        }
    }
    db->pools.n = 1;
    struct xapi_pool *pool = db->pools.items;
    if (!(pool->ref = strdup("OpaqueRef:pool")) ||
        xapi_map_set(&pool->other_config, "vswitch-controller-fail-mode", "secure") < 0) {
        return -ENOMEM;
    }
    return 0;
}

static int bench_dbcache(const char *path)
{
    struct dbcache db, parsed;
    double t[RUNS];
    char *text = NULL, *again = NULL;
    size_t len, len2;
    int r;

    dbcache_init(&db);
    dbcache_init(&parsed);
    r = build_cache(&db);
    if (r < 0 || (r = dbcache_format(&db, &text, &len)) < 0 ||
        (r = fsu_write_atomic(path, text, len, 0644)) < 0) {
        fprintf(stderr, "cannot build the benchmark dbcache: %s\n", strerror(-r));
        goto out;
    }
    printf("dbcache_size_1000_pifs: %zu bytes\n", len);
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();

        dbcache_clear(&parsed);
        r = dbcache_read(path, &parsed);
        t[i] = now_ms() - t0;
        if (r < 0) {
            goto out;
        }
    }
    printf("dbcache_read_1000_pifs: %.3f ms\n", median(t, RUNS));
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();

        free(again);
        again = NULL;
        r = dbcache_format(&parsed, &again, &len2);
        t[i] = now_ms() - t0;
        if (r < 0) {
            goto out;
        }
    }
    printf("dbcache_format_1000_pifs: %.3f ms\n", median(t, RUNS));
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();

        r = dbcache_write(path, &parsed);
        t[i] = now_ms() - t0;
        if (r < 0) {
            goto out;
        }
    }
    printf("dbcache_write_fsync_1000_pifs: %.3f ms\n", median(t, RUNS));
    if (len2 != len || memcmp(text, again, len)) {
        fprintf(stderr, "dbcache did not round-trip byte-identically\n");
        r = -EPROTO;
    }
out:
    free(text);
    free(again);
    dbcache_clear(&db);
    dbcache_clear(&parsed);
    return r;
}

static int bench_sim(const char *dir, const char *sim, const char *cache)
{
    char root[1024], sock[1100], pidfile[1100], *pidtext = NULL;
    struct xt_transport *t = NULL;
    struct xapi_session *s = NULL;
    double times[RUNS];
    pid_t pid = -1;
    int r, status;

    snprintf(root, sizeof root, "%s/host", dir);
    snprintf(sock, sizeof sock, "%s/var/lib/xcp/xapi", root);
    snprintf(pidfile, sizeof pidfile, "%s/sim.pid", dir);
    pid = fork();
    if (pid == 0) {
        execl(sim, sim, "--root-prefix", root, "--dbcache", cache, "--pidfile", pidfile, "--detach",
              "--no-syslog", (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s did not start\n", sim);
        return -ECHILD;
    }
    pid = -1;
    r = fsu_read_file(pidfile, 64, &pidtext, NULL);
    if (r < 0) {
        goto out;
    }
    pid = (pid_t)atoi(pidtext);
    if ((r = xt_curl_new(sock, NULL, &t)) < 0 || (r = xapi_session_new(t, &s)) < 0) {
        goto out;
    }
    t = NULL;
    r = xapi_login_with_password(s, "root", "", "1.0", "xvs-bench");
    for (int i = 0; r == 0 && i < RUNS; i++) {
        struct xapi_record_list list;
        double t0 = now_ms();

        r = xapi_get_all_records(s, &xapi_class_pif, &list);
        times[i] = now_ms() - t0;
        if (r == 0 && list.n != N_PIFS) {
            fprintf(stderr, "expected %d PIFs, got %zu\n", N_PIFS, list.n);
            r = -EPROTO;
        }
        xapi_record_list_clear(&list);
    }
    if (r == 0) {
        printf("sim_pif_get_all_records_1000: %.3f ms\n", median(times, RUNS));
    }
    xapi_logout(s);
out:
    xapi_session_free(s);
    xt_free(t);
    free(pidtext);
    if (pid > 0) {
        kill(pid, SIGTERM);
    }
    return r;
}

int main(int argc, char **argv)
{
    char cache[1024];
    int r;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DIR [XVS-XAPI-SIM]\n", argv[0]);
        return 2;
    }
    xlog_open(argv[0], false);
    xlog_set_level(XLOG_WARN);
    snprintf(cache, sizeof cache, "%s/network.dbcache", argv[1]);
    r = bench_dbcache(cache);
    if (r == 0 && argc == 3) {
        r = bench_sim(argv[1], argv[2], cache);
    }
    return r < 0 ? 1 : 0;
}
