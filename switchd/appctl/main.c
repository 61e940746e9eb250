/* xvs-appctl: sends one command to a running xvs daemon's control socket
 * (JSON-RPC over a unix socket, as ovs-appctl does) and prints the answer.
 *
 *   xvs-appctl [-t TARGET] [--timeout SECS] COMMAND [ARG...]
 *
 * TARGET is a socket path, or a daemon name resolved to
 * <root>/var/run/openvswitch/NAME.ctl; the default is xvs-dbd.  Exit status:
 * 0 success, 2 the daemon reported an error, 1 it could not be reached. */
#include "jsonrpc.h"
#include "log.h"
#include "paths.h"
#include "stream.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: xvs-appctl [-t TARGET] [-T SECS] [--root-prefix DIR] COMMAND [ARG...]\n"
               "commands of xvs-dbd: exit, status, compact, vlog/set LEVEL\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
            {"target", required_argument, NULL, 't'},
            {"timeout", required_argument, NULL, 'T'},
            {"root-prefix", required_argument, NULL, 'R'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *target = "xvs-dbd", *root = NULL;
    char *path = NULL, *name = NULL;
    struct jsonrpc *rpc = NULL;
    json_t *params, *req = NULL, *reply = NULL;
    int timeout_ms = 30000, c, fd, r, rc = 1;

    while ((c = getopt_long(argc, argv, "+t:T:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            target = optarg;
            break;
        case 'T':
            timeout_ms = atoi(optarg) * 1000;
            break;
        case 'R':
            root = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 1;
    }
    xlog_open(argv[0], false);
    if (paths_init(root)) {
        fprintf(stderr, "xvs-appctl: bad root prefix\n");
        return 1;
    }
    if (strchr(target, '/')) {
        path = strdup(target);
    } else {
        char *rel = NULL;
        if (asprintf(&rel, PATHS_OVS_RUNDIR "/%s.ctl", target) >= 0) {
            path = paths_get(rel);
        }
        free(rel);
    }
    if (!path || asprintf(&name, "unix:%s", path) < 0) {
        goto out;
    }
    fd = stream_connect(name, timeout_ms);
    if (fd < 0) {
        fprintf(stderr, "xvs-appctl: cannot connect to \"%s\" (%s)\n", path, strerror(-fd));
        goto out;
    }
    rpc = jsonrpc_new(fd);
    params = json_array();
    for (int i = optind + 1; i < argc; i++) {
        json_array_append_new(params, json_string(argv[i]));
    }
    req = jsonrpc_request(argv[optind], params, json_integer(0));
    if (!rpc || !req) {
        goto out;
    }
    r = jsonrpc_call(rpc, req, &reply, timeout_ms);
    if (r) {
        fprintf(stderr, "xvs-appctl: %s: transaction error (%s)\n", path, strerror(-r));
        goto out;
    }
    if (json_object_get(reply, "error") && !json_is_null(json_object_get(reply, "error"))) {
        const json_t *e = json_object_get(reply, "error");
        fprintf(stderr, "%s\nxvs-appctl: %s: server returned an error\n",
                json_is_string(e) ? json_string_value(e) : "error", path);
        rc = 2;
        goto out;
    }
    if (json_is_string(json_object_get(reply, "result"))) {
        fputs(json_string_value(json_object_get(reply, "result")), stdout);
    }
    rc = 0;
out:
    json_decref(req);
    json_decref(reply);
    jsonrpc_free(rpc);
    free(name);
    free(path);
    return rc;
}
