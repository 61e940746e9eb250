/* xvs-dbd: the bundled OVSDB server (RFC 7047) for the Open_vSwitch
 * configuration database.  One event loop serves the remotes, the control
 * socket and signals; every commit is on disk before it is acknowledged. */
#include "dbd_server.h"
#include "daemon.h"
#include "unixctl.h"
#include "evloop.h"
#include "fsutil.h"
#include "log.h"
#include "ovsdb_journal.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern const char ovsdb_builtin_schema[];

struct options {
    char *db;
    char *schema;
    char **remotes;
    size_t n_remotes;
    char *unixctl;
    char *pidfile;
    bool detach, monitor, no_syslog;
};

struct daemon {
    struct evl *loop;
    struct ovsdb_db *db;
    struct ovsdb_journal *journal;
    struct dbd_server *srv;
    struct unixctl *ctl;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: xvs-dbd [--db FILE] [--schema FILE] [--remote=REMOTE]...\n"
               "               [--unixctl=PATH] [--pidfile[=FILE]] [--detach] [--monitor]\n"
               "               [--no-syslog] [--root-prefix DIR] [-v LEVEL]\n"
               "REMOTE: punix:PATH ptcp:PORT[:IP] unix:PATH tcp:IP:PORT db:DB,TABLE,COLUMN\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},
            {"schema", required_argument, NULL, 's'},
            {"remote", required_argument, NULL, 'r'},
            {"unixctl", required_argument, NULL, 'u'},
            {"pidfile", optional_argument, NULL, 'p'},
            {"detach", no_argument, NULL, 'D'},
            {"monitor", no_argument, NULL, 'M'},
            {"no-syslog", no_argument, NULL, 'n'},
            {"root-prefix", required_argument, NULL, 'R'},
            {"verbose", required_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *root = NULL;
    enum xlog_level level;
    int c;

    while ((c = getopt_long(argc, argv, "v:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 's':
            o->schema = optarg;
            break;
        case 'r': {
            char **v = realloc(o->remotes, (o->n_remotes + 1) * sizeof *v);
            if (!v) {
                return -ENOMEM;
            }
            o->remotes = v;
            v[o->n_remotes++] = optarg;
            break;
        }
        case 'u':
            o->unixctl = optarg;
            break;
        case 'p':
            o->pidfile = optarg ? optarg : (char *)"";
            break;
        case 'D':
            o->detach = true;
            break;
        case 'M':
            o->monitor = true;
            break;
        case 'n':
            o->no_syslog = true;
            break;
        case 'R':
            root = optarg;
            break;
        case 'v':
            if (xlog_parse_level(optarg, &level)) {
                fprintf(stderr, "xvs-dbd: bad log level %s\n", optarg);
                return -EINVAL;
            }
            xlog_set_level(level);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -EINVAL;
        }
    }
    if (optind < argc) {
        /* Like ovsdb-server, the database may also be given as an argument. */
        o->db = argv[optind++];
    }
    if (optind < argc) {
        usage(stderr);
        return -EINVAL;
    }
    return paths_init(root);
}

/* Makes "path" absolute, so that it survives the daemon's chdir("/"). */
static char *absolute(const char *path)
{
    char *out = NULL, cwd[4096];

    if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) {
        return strdup(path);
    }
    if (asprintf(&out, "%s/%s", cwd, path) < 0) {
        return NULL;
    }
    return out;
}

static void mkdir_parent(const char *path)
{
    char *copy = strdup(path);
    if (copy) {
        fsu_mkdir_p(dirname(copy), 0755);
        free(copy);
    }
}

static int ctl_exit(const json_t *args, struct sbuf *out, void *arg)
{
    struct daemon *d = arg;
    (void)args;
    (void)out;
    evl_stop(d->loop);
    return 0;
}

static int ctl_status(const json_t *args, struct sbuf *out, void *arg)
{
    struct daemon *d = arg;
    (void)args;
    sbuf_addf(out, "pid: %ld\n", (long)getpid());
    dbd_server_status(d->srv, out);
    return 0;
}

static int ctl_compact(const json_t *args, struct sbuf *out, void *arg)
{
    struct daemon *d = arg;
    int r = dbd_server_compact(d->srv);
    (void)args;
    if (r) {
        sbuf_addf(out, "compaction failed: %s", strerror(-r));
    } else {
        sbuf_addf(out, "compacted: %lld bytes\n", ovsdb_journal_size(d->journal));
    }
    return r;
}

/* "vlog/set LEVEL" also accepts OVS's "MODULE:DESTINATION:LEVEL" form, of
 * which only the level matters here. */
static int ctl_vlog_set(const json_t *args, struct sbuf *out, void *arg)
{
    const char *spec = json_string_value(json_array_get(args, 0));
    const char *level_s = spec ? strrchr(spec, ':') : NULL;
    enum xlog_level level;
    (void)arg;

    level_s = level_s ? level_s + 1 : spec;
    if (!level_s ||
        (strcmp(level_s, "dbg") ? xlog_parse_level(level_s, &level) : (level = XLOG_DEBUG, 0))) {
        sbuf_addf(out, "unknown log level \"%s\"", spec ? spec : "");
        return -EINVAL;
    }
    xlog_set_level(level);
    return 0;
}

static void signal_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct signalfd_siginfo si;
    (void)revents;
    (void)arg;

    if (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
        xlog_info("signal %u: exiting", si.ssi_signo);
        evl_stop(loop);
    }
}

int main(int argc, char **argv)
{
    struct options o;
    struct daemon d;
    char *db_path = NULL, *ctl_path = NULL, *pid_path = NULL, *schema_text = NULL;
    int ready_fd = -1, sfd = -1, rc = 1;
    sigset_t mask;

    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    /* No fast bins: a big transaction frees a request of some hundred
     * thousand small JSON values, and the heap trim after it (see
     * group_commit()) would first have to consolidate them all, on the path
     * of the reply; freed into the normal bins they coalesce as they go,
     * which costs less in all (and the per-thread cache still serves the
     * small allocations of ordinary transactions). */
    mallopt(M_MXFAST, 0);
    if (parse_args(argc, argv, &o)) {
        return 2;
    }
    xlog_open(argv[0], !o.no_syslog);
    db_path = o.db ? absolute(o.db) : paths_get("/etc/openvswitch/conf.db");
    ctl_path = o.unixctl ? absolute(o.unixctl) : paths_get(PATHS_OVS_RUNDIR "/xvs-dbd.ctl");
    if (o.pidfile) {
        pid_path = *o.pidfile ? absolute(o.pidfile) : paths_get(PATHS_OVS_RUNDIR "/xvs-dbd.pid");
    }
    if (!db_path || !ctl_path || (o.pidfile && !pid_path)) {
        goto out;
    }
    if (o.schema && fsu_read_file(o.schema, 64u << 20, &schema_text, NULL)) {
        xlog_err("%s: cannot read schema", o.schema);
        goto out;
    }
    if (o.detach && (ready_fd = daemon_detach()) < 0) {
        goto out;
    }
    if (o.monitor) {
        daemon_monitor();
    }
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    mkdir_parent(db_path);
    mkdir_parent(ctl_path);
    if (evl_new(&d.loop) || sfd < 0 ||
        ovsdb_journal_open(db_path, schema_text ? schema_text : ovsdb_builtin_schema, &d.journal,
                           &d.db) ||
        dbd_server_new(d.loop, d.db, d.journal, &d.srv)) {
        goto out;
    }
    evl_add_fd(d.loop, sfd, POLLIN, signal_cb, NULL);
    for (size_t i = 0; i < o.n_remotes; i++) {
        if (dbd_server_add_remote(d.srv, o.remotes[i])) {
            goto out;
        }
    }
    if (unixctl_new(d.loop, ctl_path, &d.ctl) ||
        unixctl_register(d.ctl, "exit", 0, 0, ctl_exit, &d) ||
        unixctl_register(d.ctl, "status", 0, 0, ctl_status, &d) ||
        unixctl_register(d.ctl, "compact", 0, 1, ctl_compact, &d) ||
        unixctl_register(d.ctl, "ovsdb-server/compact", 0, 1, ctl_compact, &d) ||
        unixctl_register(d.ctl, "vlog/set", 1, 1, ctl_vlog_set, &d)) {
        goto out;
    }
    if (pid_path) {
        mkdir_parent(pid_path);
        if (daemon_write_pidfile(pid_path) < 0) {
            goto out;
        }
    }
    xlog_info("serving %s", db_path);
    if (ready_fd >= 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

        daemon_ready(&ready_fd);
        /* Unlike the other daemons, xvs-dbd detaches from stderr too, so
         * that a caller capturing its output is not kept waiting. */
        if (null >= 0) {
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    rc = evl_run(d.loop) || dbd_server_failed(d.srv) ? 1 : 0;
    xlog_info("exiting");
out:
    /* Only the daemon itself, after a clean run, removes its pidfile. */
    if (pid_path && d.loop && rc == 0) {
        unlink(pid_path);
    }
    unixctl_free(d.ctl);
    dbd_server_free(d.srv);
    ovsdb_journal_close(d.journal);
    ovsdb_db_free(d.db);
    evl_free(d.loop);
    if (sfd >= 0) {
        close(sfd);
    }
    if (ready_fd >= 0) {
        close(ready_fd);
    }
    free(db_path);
    free(ctl_path);
    free(pid_path);
    free(schema_text);
    free(o.remotes);
    return rc;
}
