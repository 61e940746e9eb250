/* xvs-xenstored: a xenstored for sandboxes and tests.
 *
 * It speaks the xenstored wire protocol on a unix socket (the one
 * libxenstore and the xenstore-* tools reach through XENSTORED_PATH), keeps
 * the tree in memory, and can act as guest domains on extra sockets given
 * with --guest-socket DOMID:PATH, so permissions can be exercised without
 * real domains.  SIGTERM or SIGINT shut it down cleanly, removing its
 * sockets and pidfile. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "xsd_proto.h"
#include "xsd_server.h"

struct guest_sock {
    uint32_t domid;
    char *path;
};

struct options {
    const char *socket;
    const char *pidfile;
    const char *root;
    bool detach;
    bool syslog;
    size_t entry_quota;
    size_t watch_quota;
    struct guest_sock *guests;
    size_t nguests;
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xvs-xenstored [OPTION]...\n"
            "A xenstored for sandboxes: the xenstore wire protocol on a unix socket.\n"
            "\n"
            "  --socket PATH              listen here (default <root>%s)\n"
            "  --guest-socket DOMID:PATH  also listen on PATH for clients acting as\n"
            "                             domain DOMID (may repeat)\n"
            "  --pidfile FILE             write the daemon's pid to FILE\n"
            "  --detach                   run in the background once listening\n"
            "  --no-syslog                log to stderr instead of syslog\n"
            "  --root-prefix DIR          resolve default paths under DIR\n"
            "  --entry-quota N            nodes a guest domain may own (default %d)\n"
            "  --watch-quota N            watches a guest domain may hold (default %d)\n"
            "  --log-level LEVEL          err, warn, info or debug\n"
            "  --help                     show this help\n",
            PATHS_XENSTORED_SOCK, XSD_DEFAULT_ENTRY_QUOTA, XSD_DEFAULT_WATCH_QUOTA);
}

static int parse_count(const char *s, size_t *out)
{
    uint32_t v;

    if (xsd_parse_u32(s, &v) < 0 || v == 0) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int add_guest(struct options *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    struct guest_sock *g;
    char num[16];
    uint32_t domid;

    if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(num) || colon[1] == '\0') {
        return -EINVAL;
    }
    memcpy(num, arg, (size_t)(colon - arg));
    num[colon - arg] = '\0';
    if (xsd_parse_u32(num, &domid) < 0 || domid == 0 || domid >= 0x7FF0) {
        return -EINVAL;
    }
    g = realloc(o->guests, (o->nguests + 1) * sizeof(*g));
    if (!g) {
        return -ENOMEM;
    }
    o->guests = g;
    g[o->nguests].domid = domid;
    g[o->nguests].path = strdup(colon + 1);
    if (!g[o->nguests].path) {
        return -ENOMEM;
    }
    o->nguests++;
    return 0;
}

/* Returns 0 to run, 1 after --help, -1 on a usage error (reported). */
static int parse_args(int argc, char **argv, struct options *o)
{
    enum {
        O_SOCKET = 256,
        O_PIDFILE,
        O_DETACH,
        O_NOSYSLOG,
        O_ROOT,
        O_GUEST,
        O_EQUOTA,
        O_WQUOTA,
        O_LEVEL,
        O_HELP
    };
    static const struct option longopts[] = {
            {"socket", required_argument, NULL, O_SOCKET},
            {"pidfile", required_argument, NULL, O_PIDFILE},
            {"detach", no_argument, NULL, O_DETACH},
            {"no-syslog", no_argument, NULL, O_NOSYSLOG},
            {"root-prefix", required_argument, NULL, O_ROOT},
            {"guest-socket", required_argument, NULL, O_GUEST},
            {"entry-quota", required_argument, NULL, O_EQUOTA},
            {"watch-quota", required_argument, NULL, O_WQUOTA},
            {"log-level", required_argument, NULL, O_LEVEL},
            {"help", no_argument, NULL, O_HELP},
            {NULL, 0, NULL, 0},
    };
    enum xlog_level level;
    int c;

    o->syslog = true;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_SOCKET:
            o->socket = optarg;
            break;
        case O_PIDFILE:
            o->pidfile = optarg;
            break;
        case O_DETACH:
            o->detach = true;
            break;
        case O_NOSYSLOG:
            o->syslog = false;
            break;
        case O_ROOT:
            o->root = optarg;
            break;
        case O_GUEST:
            if (add_guest(o, optarg) < 0) {
                fprintf(stderr, "xvs-xenstored: bad --guest-socket %s (want DOMID:PATH)\n", optarg);
                return -1;
            }
            break;
        case O_EQUOTA:
        case O_WQUOTA:
            if (parse_count(optarg, c == O_EQUOTA ? &o->entry_quota : &o->watch_quota) < 0) {
                fprintf(stderr, "xvs-xenstored: bad quota %s\n", optarg);
                return -1;
            }
            break;
        case O_LEVEL:
            if (xlog_parse_level(optarg, &level) < 0) {
                fprintf(stderr, "xvs-xenstored: bad log level %s\n", optarg);
                return -1;
            }
            xlog_set_level(level);
            break;
        case O_HELP:
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "xvs-xenstored: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    return 0;
}

static int listen_on(struct xsd_server *srv, const char *path, uint32_t domid)
{
    char *dir = strdup(path);
    int rc;

    if (!dir) {
        return -ENOMEM;
    }
    rc = fsu_mkdir_p(dirname(dir), 0755);
    if (rc < 0) {
        xlog_err("Cannot create the folder of %s: %s", path, strerror(-rc));
    } else {
        rc = xsd_server_listen(srv, path, domid);
    }
    free(dir);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct xsd_server *srv = NULL;
    char *sock = NULL, *pidfile = NULL;
    int sfd = -1, ready_fd = -1, rc, status = 1;
    bool wrote_pidfile = false;
    sigset_t mask;
    size_t i;

    rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        status = rc > 0 ? 0 : 2;
        goto out;
    }
    xlog_open(argv[0], o.syslog);
    rc = paths_init(o.root);
    if (rc < 0) {
        xlog_err("Bad --root-prefix %s: it must be an absolute path", o.root);
        goto out;
    }
    sock = o.socket ? strdup(o.socket) : paths_get(PATHS_XENSTORED_SOCK);
    pidfile = o.pidfile ? realpath(".", NULL) : NULL;
    if (o.pidfile && pidfile && o.pidfile[0] != '/') {
        /* The daemon changes to "/" when detaching, so keep the path whole. */
        char *abs = NULL;

        if (asprintf(&abs, "%s/%s", pidfile, o.pidfile) < 0) {
            abs = NULL;
        }
        free(pidfile);
        pidfile = abs;
    } else if (o.pidfile) {
        free(pidfile);
        pidfile = strdup(o.pidfile);
    }
    if (!sock || (o.pidfile && !pidfile)) {
        xlog_err("Out of memory");
        goto out;
    }
    rc = xsd_server_new(o.entry_quota, o.watch_quota, &srv);
    if (rc < 0) {
        xlog_err("Cannot create the store: %s", strerror(-rc));
        goto out;
    }
    if (listen_on(srv, sock, 0) < 0) {
        goto out;
    }
    for (i = 0; i < o.nguests; i++) {
        if (listen_on(srv, o.guests[i].path, o.guests[i].domid) < 0) {
            goto out;
        }
    }
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sfd < 0) {
        xlog_err("Cannot create a signalfd: %s", strerror(errno));
        goto out;
    }
    if (o.detach && (ready_fd = daemon_detach()) < 0) {
        goto out;
    }
    if (pidfile) {
        if (daemon_write_pidfile(pidfile) < 0) {
            goto out;
        }
        wrote_pidfile = true;
    }
    daemon_ready(&ready_fd);
    xlog_info("Listening on %s", sock);
    rc = xsd_server_run(srv, sfd);
    if (rc < 0) {
        xlog_err("Event loop failed: %s", strerror(-rc));
        goto out;
    }
    xlog_info("Shutting down");
    status = 0;
out:
    if (ready_fd >= 0) {
        close(ready_fd);
    }
    xsd_server_free(srv);
    if (wrote_pidfile) {
        unlink(pidfile);
    }
    if (sfd >= 0) {
        close(sfd);
    }
    for (i = 0; i < o.nguests; i++) {
        free(o.guests[i].path);
    }
    free(o.guests);
    free(sock);
    free(pidfile);
    return status;
}
