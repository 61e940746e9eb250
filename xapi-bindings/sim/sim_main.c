/* xvs-xapi-sim: a XenAPI XML-RPC server for simulated hosts.
 *
 * Start-up: parse argv, load the state file (or seed it from a
 * network.dbcache and the inventory when it does not exist yet), create the
 * listening sockets, detach if asked (only once the sockets listen, so that
 * clients can connect as soon as the parent exits), write the pidfile and
 * serve until SIGTERM or SIGINT, then remove the socket and the pidfile.
 *
 * Paths given on the command line are used as they are; the defaults live
 * under the root prefix (--root-prefix or XVS_ROOT). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbcache.h"
#include "daemon.h"
#include "fsutil.h"
#include "inventory.h"
#include "log.h"
#include "paths.h"
#include "sim_api.h"
#include "sim_db.h"
#include "sim_http.h"
#include "sim_seed.h"

#define PROG              "xvs-xapi-sim"
#define SIM_STATE_DEFAULT "/var/lib/xcp/xvs-xapi-sim.state"

/* Exit codes: 2 for a bad command line, 1 for a failure to start. */
#define EXIT_USAGE 2

struct sim_opts {
    char *state;
    char *dbcache;
    char *unix_path;
    char *listen;
    char *root;
    char *pidfile;
    char *password;
    char *libexec;
    char *plugins;
    char *guest_ns_prefix;
    bool allow_remote;
    bool detach;
    bool no_syslog;
    bool verbose;
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: " PROG " [OPTION]...\n"
            "Serve the XenAPI (XML-RPC over HTTP) for a simulated XenServer host.\n"
            "\n"
            "  --state FILE        objects of the host (default <root>" SIM_STATE_DEFAULT ")\n"
            "  --dbcache FILE      seed a new state from this network.dbcache\n"
            "  --unix PATH         XAPI's unix socket (default <root>" PATHS_XAPI_SOCKET ")\n"
            "  --listen IP:PORT    also serve on TCP ([IPv6]:PORT); loopback only unless\n"
            "  --allow-remote      is given\n"
            "  --password PW       password of user root for TCP logins (default: any\n"
            "                      credentials log in; the unix socket never asks)\n"
            "  --root-prefix DIR   root of the simulated host's files (default $XVS_ROOT or /)\n"
            "  --libexec DIR       interface-reconfigure, vif, setup-vif-rules (default\n"
            "                      <root>" PATHS_LIBEXEC " if it exists, else " PATHS_LIBEXEC ")\n"
            "  --plugins DIR       XAPI plugins not found in <root>" PATHS_XAPI_PLUGIN_DIR "\n"
            "  --guest-ns-prefix P network namespace of a started VM: P<VM name>\n"
            "                      (default xvs-<pid>-)\n"
            "  --pidfile FILE      write the server's PID here\n"
            "  --detach            run in the background once the sockets listen\n"
            "  --no-syslog         log to stderr instead of syslog\n"
            "  --verbose           log every request\n"
            "  --help              show this help\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
    return EXIT_USAGE;
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct sim_opts *o, struct sim_http_addr *tcp)
{
    enum {
        O_STATE = 256,
        O_DBCACHE,
        O_UNIX,
        O_LISTEN,
        O_ALLOW_REMOTE,
        O_ROOT,
        O_PIDFILE,
        O_DETACH,
        O_NO_SYSLOG,
        O_VERBOSE,
        O_PASSWORD,
        O_LIBEXEC,
        O_PLUGINS,
        O_GUEST_NS_PREFIX,
        O_HELP,
    };
    static const struct option longopts[] = {
            {"state", required_argument, NULL, O_STATE},
            {"dbcache", required_argument, NULL, O_DBCACHE},
            {"unix", required_argument, NULL, O_UNIX},
            {"listen", required_argument, NULL, O_LISTEN},
            {"allow-remote", no_argument, NULL, O_ALLOW_REMOTE},
            {"root-prefix", required_argument, NULL, O_ROOT},
            {"pidfile", required_argument, NULL, O_PIDFILE},
            {"detach", no_argument, NULL, O_DETACH},
            {"no-syslog", no_argument, NULL, O_NO_SYSLOG},
            {"verbose", no_argument, NULL, O_VERBOSE},
            {"password", required_argument, NULL, O_PASSWORD},
            {"libexec", required_argument, NULL, O_LIBEXEC},
            {"plugins", required_argument, NULL, O_PLUGINS},
            {"guest-ns-prefix", required_argument, NULL, O_GUEST_NS_PREFIX},
            {"help", no_argument, NULL, O_HELP},
            {NULL, 0, NULL, 0},
    };
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_STATE:
            o->state = optarg;
            break;
        case O_DBCACHE:
            o->dbcache = optarg;
            break;
        case O_UNIX:
            o->unix_path = optarg;
            break;
        case O_LISTEN:
            o->listen = optarg;
            break;
        case O_ALLOW_REMOTE:
            o->allow_remote = true;
            break;
        case O_ROOT:
            o->root = optarg;
            break;
        case O_PIDFILE:
            o->pidfile = optarg;
            break;
        case O_DETACH:
            o->detach = true;
            break;
        case O_NO_SYSLOG:
            o->no_syslog = true;
            break;
        case O_VERBOSE:
            o->verbose = true;
            break;
        case O_PASSWORD:
            o->password = optarg;
            break;
        case O_LIBEXEC:
            o->libexec = optarg;
            break;
        case O_PLUGINS:
            o->plugins = optarg;
            break;
        case O_GUEST_NS_PREFIX:
            o->guest_ns_prefix = optarg;
            break;
        case O_HELP:
            usage(stdout);
            return 0;
        default:
            if (optopt) {
                return usage_error("option '%s' needs an argument", argv[optind - 1]);
            }
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    {
        const char *paths[] = {o->state, o->dbcache, o->unix_path, o->pidfile,
                               o->root,  o->libexec, o->plugins};

        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            if (paths[i] && !*paths[i]) {
                return usage_error("an empty path was given");
            }
        }
    }
    if (o->listen) {
        if (sim_http_parse_addr(o->listen, tcp) < 0) {
            return usage_error("--listen wants IP:PORT or [IPv6]:PORT, not '%s'", o->listen);
        }
        if (!tcp->loopback && !o->allow_remote) {
            return usage_error("%s is not a loopback address (add --allow-remote)", o->listen);
        }
    }
    if (o->guest_ns_prefix &&
        (strlen(o->guest_ns_prefix) > 200 || strchr(o->guest_ns_prefix, '/'))) {
        return usage_error("--guest-ns-prefix must be a namespace name without '/'");
    }
    return -1;
}

/* "path" made absolute against the current folder, so that it still
 * names the same file after the daemon's chdir("/").  NULL on ENOMEM. */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];
    char *out = NULL;

    if (path[0] == '/') {
        return strdup(path);
    }
    if (!getcwd(cwd, sizeof cwd)) {
        return strdup(path);
    }
    if (asprintf(&out, "%s/%s", cwd, path) < 0) {
        return NULL;
    }
    return out;
}

/* Seeds a new store: host identity from the inventory when it exists. */
static int seed_new_state(const struct sim_opts *o, const char *state_path, struct sim_db **out)
{
    struct sim_seed_info info = {0};
    struct inv inv = INV_INIT;
    struct dbcache cache;
    struct sim_db *db = NULL;
    char *inv_path = paths_get(PATHS_INVENTORY), *dir = NULL, *slash;
    char hostname[256] = "";
    bool have_cache = false;
    char err[256];
    int r;

    dbcache_init(&cache);
    if (!inv_path) {
        r = -ENOMEM;
        goto out;
    }
    if (access(inv_path, F_OK) == 0) {
        /* inv_read() logs what is wrong with the file. */
        r = inv_read(inv_path, &inv);
        if (r < 0) {
            goto out;
        }
        info.host_uuid = inv_get(&inv, "INSTALLATION_UUID");
        info.dom0_uuid = inv_get(&inv, "CONTROL_DOMAIN_UUID");
    }
    if (gethostname(hostname, sizeof hostname - 1) == 0) {
        info.hostname = hostname;
    }
    if (o->dbcache) {
        /* dbcache_read() logs what is wrong with the file. */
        r = dbcache_read(o->dbcache, &cache);
        if (r < 0) {
            goto out;
        }
        have_cache = true;
    }
    r = sim_db_new(&db);
    if (r == 0) {
        r = sim_seed(db, have_cache ? &cache : NULL, &info, err, sizeof err);
        if (r < 0) {
            xlog_err("Cannot seed the state from %s: %s", o->dbcache ? o->dbcache : "nothing", err);
            goto out;
        }
    }
    if (r < 0) {
        goto out;
    }
    dir = strdup(state_path);
    slash = dir ? strrchr(dir, '/') : NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        r = fsu_mkdir_p(dir, 0755);
    }
    if (r == 0) {
        r = sim_db_save(db, state_path);
    }
    if (r < 0) {
        xlog_err("Cannot write the state file %s: %s", state_path, strerror(-r));
        goto out;
    }
    xlog_info("Seeded %s: host %s, %zu PIFs, %zu networks%s%s", state_path, sim_seed_host_ref(db),
              sim_db_count(db, &xapi_class_pif), sim_db_count(db, &xapi_class_network),
              o->dbcache ? " from " : "", o->dbcache ? o->dbcache : "");
    *out = db;
    db = NULL;
out:
    if (r == -ENOMEM) {
        xlog_err("Out of memory");
    }
    inv_clear(&inv);
    dbcache_clear(&cache);
    sim_db_free(db);
    free(inv_path);
    free(dir);
    return r;
}

static int load_or_seed(const struct sim_opts *o, const char *state_path, struct sim_db **db)
{
    char err[512];
    int r = sim_db_load(state_path, db, err, sizeof err);

    if (r == 0) {
        xlog_info("Loaded %s", state_path);
        if (o->dbcache) {
            xlog_info("The state exists: %s is not used", o->dbcache);
        }
        return 0;
    }
    if (r != -ENOENT) {
        /* The file is left as it is: an operator may want to look at it. */
        xlog_err("Cannot load the state file %s: %s", state_path, err);
        return r;
    }
    return seed_new_state(o, state_path, db);
}

int main(int argc, char **argv)
{
    struct sim_opts o = {0};
    struct sim_http_addr tcp;
    struct sim_db *db = NULL;
    struct sim_api *api = NULL;
    struct sim_http *http = NULL;
    char *state = NULL, *unix_path = NULL, *pidfile = NULL, *dbcache = NULL;
    char *libexec = NULL, *plugins = NULL, *ns_prefix = NULL;
    struct sim_config cfg = {0};
    bool pid_written = false;
    int ready_fd = -1, sfd = -1, status = 1, r;
    sigset_t mask;

    r = parse_args(argc, argv, &o, &tcp);
    if (r >= 0) {
        return r;
    }
    xlog_open(PROG, !o.no_syslog);
    xlog_set_level(o.verbose ? XLOG_DEBUG : XLOG_INFO);
    if (paths_init(o.root) < 0) {
        return usage_error("--root-prefix must be an absolute path, not '%s'", o.root);
    }
    state = o.state ? absolute(o.state) : paths_get(SIM_STATE_DEFAULT);
    unix_path = o.unix_path ? absolute(o.unix_path) : paths_get(PATHS_XAPI_SOCKET);
    pidfile = o.pidfile ? absolute(o.pidfile) : NULL;
    dbcache = o.dbcache ? absolute(o.dbcache) : NULL;
    if (!state || !unix_path || (o.pidfile && !pidfile) || (o.dbcache && !dbcache)) {
        xlog_err("Out of memory");
        goto out;
    }
    o.dbcache = dbcache;
    /* The programs the simulator runs find the simulated host's files
     * through XVS_ROOT, as they would find the real ones at "/". */
    if (paths_root()[0] && setenv("XVS_ROOT", paths_root(), 1) < 0) {
        xlog_err("Cannot set XVS_ROOT: %s", strerror(errno));
        goto out;
    }
    if (o.libexec) {
        libexec = absolute(o.libexec);
    } else {
        struct stat st;

        libexec = paths_get(PATHS_LIBEXEC);
        if (libexec && (stat(libexec, &st) < 0 || !S_ISDIR(st.st_mode))) {
            free(libexec);
            libexec = strdup(PATHS_LIBEXEC);
        }
    }
    plugins = o.plugins ? absolute(o.plugins) : NULL;
    if (!libexec || (o.plugins && !plugins)) {
        xlog_err("Out of memory");
        goto out;
    }
    if (load_or_seed(&o, state, &db) < 0) {
        goto out;
    }
    if (sim_api_new(db, o.password, &api) < 0) {
        xlog_err("Out of memory");
        goto out;
    }
    /* SIGTERM and SIGINT arrive through a signalfd that the event loop
     * polls; SIGPIPE from a client that went away must not kill us. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
        xlog_err("sigprocmask: %s", strerror(errno));
        goto out;
    }
    if (sim_http_listen(unix_path, o.listen ? &tcp : NULL, &http) < 0) {
        goto out;
    }
    if (o.detach) {
        ready_fd = daemon_detach();
        if (ready_fd < 0) {
            goto out;
        }
    }
    sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        xlog_err("signalfd: %s", strerror(errno));
        goto out;
    }
    if (sim_http_start(http, api) < 0) {
        goto out;
    }
    /* The default prefix names the serving process, known only now that
     * it has detached. */
    if (o.guest_ns_prefix) {
        ns_prefix = strdup(o.guest_ns_prefix);
    } else if (asprintf(&ns_prefix, "xvs-%ld-", (long)getpid()) < 0) {
        ns_prefix = NULL;
    }
    if (!ns_prefix) {
        xlog_err("Out of memory");
        goto out;
    }
    cfg.state_path = state;
    cfg.libexec = libexec;
    cfg.plugins = plugins;
    cfg.guest_ns_prefix = ns_prefix;
    sim_api_configure(api, &cfg, sim_http_serve_nested, http);
    if (pidfile) {
        if (daemon_write_pidfile(pidfile) < 0) {
            goto out;
        }
        pid_written = true;
    }
    if (sim_http_tcp_addr(http)) {
        char addr[80];

        sim_http_format_addr(sim_http_tcp_addr(http), addr, sizeof addr);
        xlog_info("Serving XenAPI on %s and on %s", unix_path, addr);
    } else {
        xlog_info("Serving XenAPI on %s", unix_path);
    }
    daemon_ready(&ready_fd);
    if (sim_http_run(http, sfd) == 0) {
        struct signalfd_siginfo si;

        if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
            xlog_info("Signal %u received: shutting down", si.ssi_signo);
        }
        status = 0;
    }
out:
    /* The parent of --detach never gets here; a child that failed before
     * it was ready closes ready_fd unwritten, and the parent exits 1. */
    sim_http_close(http, true);
    if (pid_written) {
        unlink(pidfile);
    }
    if (ready_fd >= 0) {
        close(ready_fd);
    }
    if (sfd >= 0) {
        close(sfd);
    }
    sim_api_free(api);
    sim_db_free(db);
    free(state);
    free(unix_path);
    free(pidfile);
    free(dbcache);
    free(libexec);
    free(plugins);
    free(ns_prefix);
    return status;
}
