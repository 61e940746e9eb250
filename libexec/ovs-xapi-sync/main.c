/* ovs-xapi-sync: keeps XAPI's identities on the switch (spec §7).
 *
 *   ovs-xapi-sync [--root-prefix=DIR] [--pidfile[=FILE]] [--detach] [--monitor]
 *                 [--unixctl=PATH] [--log-file[=FILE]] [-v[LEVEL]] [--no-syslog] DATABASE
 *
 * One event loop: the control socket (`exit`, `flush-cache`), the database
 * connection (a monitor of Bridge and Interface), a one-second timer while
 * waiting for XAPI's init cookie or after XAPI failed to answer.  Each round
 * computes the changes (xsync.c) and sends them as one transaction. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "evloop.h"
#include "log.h"
#include "ovsdb_client.h"
#include "paths.h"
#include "transport.h"
#include "unixctl.h"
#include "xapi.h"
#include "xsync.h"

#define XSYNC_COOKIE        "/var/run/xapi_init_complete.cookie"
#define XSYNC_RETRY_MS      1000
#define XSYNC_DB_TIMEOUT_MS 10000

struct options {
    const char *root, *pidfile, *unixctl, *database;
    bool detach, monitor, no_syslog, want_pidfile;
};

struct app {
    struct options o;
    struct evl *loop;
    struct ovsdbc *db;
    int db_fd;
    bool db_readable, dirty, cookie_seen, exiting;
    long long retry_at;
    struct xapi_session *xapi;
    struct xsync *sync;
    char *cookie;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ovs-xapi-sync [--root-prefix=DIR] [--pidfile[=FILE]] [--detach] "
               "[--monitor]\n"
               "                     [--unixctl=PATH] [--log-file[=FILE]] [-v[LEVEL]] "
               "[--no-syslog] DATABASE\n"
               "Keeps XAPI's network, VIF and VM identities on the switch's Bridge and "
               "Interface rows.\n"
               "DATABASE: unix:PATH or tcp:IP:PORT.  Control commands (xvs-appctl -t "
               "ovs-xapi-sync): exit, flush-cache.\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
            {"root-prefix", required_argument, NULL, 'R'},
            {"pidfile", optional_argument, NULL, 'p'},
            {"detach", no_argument, NULL, 'd'},
            {"monitor", no_argument, NULL, 'm'},
            {"unixctl", required_argument, NULL, 'u'},
            {"log-file", optional_argument, NULL, 'l'},
            {"verbose", optional_argument, NULL, 'v'},
            {"no-syslog", no_argument, NULL, 'n'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "v::h", longopts, NULL)) != -1) {
        switch (c) {
        case 'R':
            o->root = optarg;
            break;
        case 'p':
            o->want_pidfile = true;
            o->pidfile = optarg;
            break;
        case 'd':
            o->detach = true;
            break;
        case 'm':
            o->monitor = true;
            break;
        case 'u':
            o->unixctl = optarg;
            break;
        case 'l':
            /* Accepted for the original's command line; our log goes to syslog. */
            break;
        case 'v': {
            enum xlog_level level = XLOG_DEBUG;
            if (optarg && xlog_parse_level(optarg, &level) < 0) {
                /* OVS's -vMODULE:DEST:LEVEL forms are accepted and mean "more logging". */
                level = XLOG_DEBUG;
            }
            xlog_set_level(level);
            break;
        }
        case 'n':
            o->no_syslog = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "ovs-xapi-sync: exactly one DATABASE argument is required\n");
        usage(stderr);
        return -1;
    }
    o->database = argv[optind];
    return 0;
}

static int cmd_exit(const json_t *args, struct sbuf *out, void *arg)
{
    struct app *a = arg;

    (void)args;
    (void)out;
    a->exiting = true;
    evl_stop(a->loop);
    return 0;
}

static int cmd_flush_cache(const json_t *args, struct sbuf *out, void *arg)
{
    struct app *a = arg;

    (void)args;
    (void)out;
    if (a->sync) {
        xsync_flush(a->sync);
    }
    a->dirty = true;
    a->retry_at = 0;
    xlog_info("cache flushed");
    return 0;
}

static void on_db_fd(struct evl *loop, int fd, short revents, void *arg)
{
    struct app *a = arg;

    (void)loop;
    (void)fd;
    (void)revents;
    a->db_readable = true;
}

/* XAPI is reached lazily and again after any failure, as the original does. */
static int xapi_connect(struct app *a)
{
    struct xt_transport *t = NULL;
    char *sock;
    int r;

    if (a->xapi) {
        return 0;
    }
    sock = paths_get(PATHS_XAPI_SOCKET);
    r = sock ? xt_unix_new(sock, NULL, &t) : -ENOMEM;
    free(sock);
    r = r ?: xapi_session_new(t, &a->xapi);
    r = r ?: xapi_login_with_password(a->xapi, "", "", NULL, "ovs-xapi-sync");
    if (r < 0) {
        xapi_session_free(a->xapi);
        a->xapi = NULL;
        xlog_warn("cannot log in to XAPI (%s), retrying", strerror(-r));
        return r;
    }
    xsync_free(a->sync);
    a->sync = NULL;
    r = xsync_new(&xsync_xapi_session, a->xapi, &a->sync);
    return r;
}

static void round_once(struct app *a)
{
    json_t *ops = NULL, *res = NULL;
    int r;

    if (xapi_connect(a) < 0) {
        a->retry_at = evl_now_ms() + XSYNC_RETRY_MS;
        return;
    }
    r = xsync_round(a->sync, ovsdbc_replica_table(a->db, "Bridge"),
                    ovsdbc_replica_table(a->db, "Interface"), &ops);
    if (r == -EAGAIN) {
        /* XAPI did not answer: log in afresh next time. */
        xapi_logout(a->xapi);
        xapi_session_free(a->xapi);
        a->xapi = NULL;
        a->retry_at = evl_now_ms() + XSYNC_RETRY_MS;
        return;
    }
    if (r == 0 && json_array_size(ops)) {
        r = ovsdbc_transact(a->db, "Open_vSwitch", ops, &res);
        if (r < 0) {
            char *e = res ? json_dumps(res, JSON_COMPACT) : NULL;
            /* A row that changed meanwhile brings a new update and another round. */
            xlog_warn("updating the database failed: %s", e ? e : ovsdbc_last_error(a->db));
            free(e);
        }
    }
    a->dirty = false;
    json_decref(ops);
    json_decref(res);
}

static int db_connect(struct app *a)
{
    json_t *req;
    int r;

    r = ovsdbc_open(a->o.database, XSYNC_DB_TIMEOUT_MS, &a->db);
    if (r < 0) {
        return r;
    }
    req = json_pack("{s:{s:[s, s, s, s]}, s:{s:[s, s]}}", "Bridge", "columns", "name",
                    "external_ids", "other_config", "fail_mode", "Interface", "columns", "name",
                    "external_ids");
    r = req ? ovsdbc_monitor(a->db, "Open_vSwitch", req) : -ENOMEM;
    json_decref(req);
    if (r < 0) {
        xlog_warn("%s: monitor failed (%s)", a->o.database, ovsdbc_last_error(a->db));
        ovsdbc_close(a->db);
        a->db = NULL;
    }
    return r;
}

static int run(struct app *a)
{
    while (!a->exiting) {
        long long now = evl_now_ms();
        int timeout = -1, fd;

        if (!a->cookie_seen && access(a->cookie, F_OK) == 0) {
            xlog_info("XAPI is up (%s)", a->cookie);
            a->cookie_seen = a->dirty = true;
        }
        if (!a->db && now >= a->retry_at && db_connect(a) < 0) {
            a->retry_at = now + XSYNC_RETRY_MS;
        }
        fd = a->db ? ovsdbc_fd(a->db) : -1;
        if (fd != a->db_fd) {
            if (a->db_fd >= 0) {
                evl_del_fd(a->loop, a->db_fd);
            }
            if (fd >= 0 && evl_add_fd(a->loop, fd, POLLIN, on_db_fd, a) < 0) {
                return -ENOMEM;
            }
            a->db_fd = fd;
        }
        if (a->db && a->cookie_seen && a->dirty && now >= a->retry_at) {
            round_once(a);
            continue;
        }
        if (!a->cookie_seen || !a->db || a->dirty) {
            timeout = XSYNC_RETRY_MS;
        }
        if (a->db && fd < 0) {
            timeout = ovsdbc_next_attempt_ms(a->db);
        }
        if (evl_run_once(a->loop, timeout) < 0) {
            return -EIO;
        }
        if (a->db && (a->db_readable || a->db_fd < 0)) {
            a->db_readable = false;
            if (ovsdbc_run(a->db, 0) < 0) {
                return -ENOMEM;
            }
            a->dirty = true;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct app a = {.db_fd = -1};
    struct unixctl *ctl = NULL;
    char *ctl_path = NULL, *pid_path = NULL;
    int ready_fd = -1, rc = 1;

    if (parse_args(argc, argv, &a.o) < 0) {
        return 1;
    }
    xlog_open(argv[0], !a.o.no_syslog);
    if (paths_init(a.o.root) < 0) {
        xlog_err("invalid root prefix");
        return 1;
    }
    a.cookie = paths_get(XSYNC_COOKIE);
    ctl_path = a.o.unixctl ? strdup(a.o.unixctl) : paths_get(PATHS_OVS_RUNDIR "/ovs-xapi-sync.ctl");
    if (a.o.want_pidfile) {
        pid_path = a.o.pidfile && *a.o.pidfile ? strdup(a.o.pidfile)
                                               : paths_get(PATHS_OVS_RUNDIR "/ovs-xapi-sync.pid");
    }
    if (!a.cookie || !ctl_path || (a.o.want_pidfile && !pid_path)) {
        goto out;
    }
    if (a.o.detach && (ready_fd = daemon_detach()) < 0) {
        goto out;
    }
    if (a.o.monitor) {
        daemon_monitor();
    }
    signal(SIGPIPE, SIG_IGN);
    if (evl_new(&a.loop) < 0 || unixctl_new(a.loop, ctl_path, &ctl) < 0 ||
        unixctl_register(ctl, "exit", 0, 0, cmd_exit, &a) < 0 ||
        unixctl_register(ctl, "flush-cache", 0, 0, cmd_flush_cache, &a) < 0) {
        goto out;
    }
    if (pid_path && daemon_write_pidfile(pid_path) < 0) {
        goto out;
    }
    daemon_ready(&ready_fd);
    xlog_info("started, database %s", a.o.database);
    rc = run(&a) < 0 ? 1 : 0;
out:
    unixctl_free(ctl);
    if (a.db_fd >= 0) {
        evl_del_fd(a.loop, a.db_fd);
    }
    evl_free(a.loop);
    ovsdbc_close(a.db);
    xsync_free(a.sync);
    if (a.xapi) {
        xapi_logout(a.xapi);
    }
    xapi_session_free(a.xapi);
    if (pid_path) {
        unlink(pid_path);
    }
    free(pid_path);
    free(ctl_path);
    free(a.cookie);
    return rc;
}
