/* xvs-sandbox: command-line access to lib/sandbox for shell tests.
 *
 * Each invocation is one step; the host's record under /run/xvs-sandbox
 * carries the state between them.  A host belongs to the process that runs
 * the test (by default our parent, the shell) and is reaped once that
 * process is gone.  Results are printed as shell assignments for `eval`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#define EXIT_USAGE 2

static const char usage_text[] =
        "Usage: xvs-sandbox [OPTIONS] COMMAND ARGS...\n"
        "Simulated Xen hosts (a root folder plus network namespaces) for tests.\n"
        "\n"
        "Commands:\n"
        "  create NAME                 make host NAME; prints XVS_ROOT=... DOM0_NS=...\n"
        "  guest NAME GUEST VIFNAME    add a guest namespace joined to dom0 by a veth\n"
        "                              whose dom0 end is VIFNAME; prints GUEST_NS=...\n"
        "  nic NAME DEV UPSTREAM       add NIC DEV in dom0, joined to the upstream\n"
        "                              namespace UPSTREAM; prints UPSTREAM_NS=...\n"
        "  destroy NAME                tear host NAME down\n"
        "  reap                        tear down every host whose owner has exited\n"
        "\n"
        "Options:\n"
        "  --owner PID    the process that owns the host (default: our parent);\n"
        "                 with guest, nic and destroy it picks among same-named hosts\n"
        "  --mac MAC      guest: MAC of the guest's eth0; nic: MAC of DEV in dom0\n"
        "  --ip A.B.C.D/N guest: address of the guest's eth0; nic: of the upstream end\n"
        "  -v, --verbose  log every step and command on stderr\n"
        "  -h, --help     print this help\n";

/* A host made by this invocation that nobody has been told about yet: it is
 * torn down if we exit or are interrupted before printing it. */
static struct sb_host *pending_host;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static void destroy_pending(void)
{
    if (pending_host) {
        struct sb_host *h = pending_host;

        pending_host = NULL;
        sb_host_destroy(h);
    }
}

/* SIGINT/SIGTERM/SIGHUP only set a flag (without SA_RESTART, so waits
 * return early); the sandbox step in progress finishes or rolls back, then
 * main() cleans up and exits. */
static void install_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    atexit(destroy_pending);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("xvs-sandbox: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see --help)\n", stderr);
    return EXIT_USAGE;
}

static int parse_pid(const char *s, pid_t *pid)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v > 0x7fffffff) {
        return -EINVAL;
    }
    *pid = (pid_t)v;
    return 0;
}

/* Exits like a shell does for a signal, after the step has been undone. */
static int interrupted_exit(void)
{
    fprintf(stderr, "xvs-sandbox: interrupted by signal %d\n", (int)interrupted);
    return 128 + (int)interrupted;
}

static int cmd_create(const char *name, pid_t owner)
{
    struct sb_host *h = NULL;

    if (!owner) {
        owner = getppid();
    }
    if (sb_host_create_owned(name, owner, &h) < 0) {
        return EXIT_FAILURE;
    }
    pending_host = h;
    if (interrupted) {
        destroy_pending();
        return interrupted_exit();
    }
    printf("XVS_ROOT='%s'\nDOM0_NS='%s'\n", sb_host_root(h), sb_host_dom0_ns(h));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "xvs-sandbox: cannot write the result: %s\n", strerror(errno));
        destroy_pending();
        return EXIT_FAILURE;
    }
    pending_host = NULL;
    sb_host_close(h);
    return EXIT_SUCCESS;
}

static int cmd_guest(char **args, pid_t owner, const char *mac, const char *ip)
{
    struct sb_guest_config cfg = {.vif = args[2], .mac = mac, .ipv4 = ip};
    struct sb_host *h = NULL;
    const char *ns = NULL;
    int r;

    if (sb_host_open(args[0], owner, &h) < 0) {
        return EXIT_FAILURE;
    }
    r = sb_guest_add(h, args[1], &cfg, &ns);
    if (r == 0) {
        printf("GUEST_NS='%s'\n", ns);
    }
    sb_host_close(h);
    if (interrupted) {
        return interrupted_exit();
    }
    return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_nic(char **args, pid_t owner, const char *mac, const char *ip)
{
    struct sb_nic_config cfg = {
            .dev = args[1], .upstream = args[2], .mac = mac, .upstream_ipv4 = ip};
    struct sb_host *h = NULL;
    const char *ns = NULL;
    int r;

    if (sb_host_open(args[0], owner, &h) < 0) {
        return EXIT_FAILURE;
    }
    r = sb_nic_add(h, &cfg, &ns);
    if (r == 0) {
        printf("UPSTREAM_NS='%s'\n", ns);
    }
    sb_host_close(h);
    if (interrupted) {
        return interrupted_exit();
    }
    return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_destroy(const char *name, pid_t owner)
{
    struct sb_host *h = NULL;

    if (sb_host_open(name, owner, &h) < 0) {
        return EXIT_FAILURE;
    }
    return sb_host_destroy(h) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_reap(void)
{
    int n = sb_reap_stale();

    if (n < 0) {
        fprintf(stderr, "xvs-sandbox: reap failed: %s\n", strerror(-n));
        return EXIT_FAILURE;
    }
    printf("REAPED=%d\n", n);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
            {"owner", required_argument, NULL, 'o'}, {"mac", required_argument, NULL, 'm'},
            {"ip", required_argument, NULL, 'i'},    {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *mac = NULL, *ip = NULL, *cmd;
    pid_t owner = 0;
    int opt, nargs;
    char **args;

    xlog_open(argv[0], false);
    xlog_set_level(XLOG_WARN);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            if (parse_pid(optarg, &owner) < 0) {
                return usage_error("invalid --owner \"%s\"", optarg);
            }
            break;
        case 'm':
            mac = optarg;
            break;
        case 'i':
            ip = optarg;
            break;
        case 'v':
            xlog_set_level(XLOG_DEBUG);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return EXIT_SUCCESS;
        case ':':
            return usage_error("option %s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return usage_error("%s", "no command given");
    }
    cmd = argv[optind];
    args = argv + optind + 1;
    nargs = argc - optind - 1;
    if ((mac || ip) && strcmp(cmd, "guest") != 0 && strcmp(cmd, "nic") != 0) {
        return usage_error("--mac and --ip go with guest or nic, not %s", cmd);
    }
    if (owner && !strcmp(cmd, "reap")) {
        return usage_error("%s", "--owner does not go with reap");
    }
    install_handlers();
    if (!strcmp(cmd, "create")) {
        if (nargs != 1) {
            return usage_error("%s", "usage: create NAME");
        }
        return cmd_create(args[0], owner);
    }
    if (!strcmp(cmd, "guest")) {
        if (nargs != 3) {
            return usage_error("%s",
                               "usage: guest NAME GUEST VIFNAME [--mac MAC] [--ip A.B.C.D/N]");
        }
        return cmd_guest(args, owner, mac, ip);
    }
    if (!strcmp(cmd, "nic")) {
        if (nargs != 3) {
            return usage_error("%s", "usage: nic NAME DEV UPSTREAM [--mac MAC] [--ip A.B.C.D/N]");
        }
        return cmd_nic(args, owner, mac, ip);
    }
    if (!strcmp(cmd, "destroy")) {
        if (nargs != 1) {
            return usage_error("%s", "usage: destroy NAME");
        }
        return cmd_destroy(args[0], owner);
    }
    if (!strcmp(cmd, "reap")) {
        if (nargs != 0) {
            return usage_error("%s", "usage: reap");
        }
        return cmd_reap();
    }
    return usage_error("unknown command \"%s\"", cmd);
}
