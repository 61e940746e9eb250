/* xe: XenServer's command line for the network verbs, over XenAPI.
 *
 *   xe <command> [-s host] [-p port] [-u user] [-pw pass] [-pwf file]
 *      [--nossl] [--minimal] [--debug] [key=value ...]
 *
 * Without -s it talks to the local XAPI on its unix socket,
 * <root>/var/lib/xcp/xapi (root from --root-prefix or XVS_ROOT); with -s to
 * https://host:port/ (443), or http:// with --nossl (port 80).  It logs in
 * with session.login_with_password (default user root, empty password),
 * runs the command (xe_cmd.h), logs out, and prints what xe prints.  Exit
 * status 0 on success, 1 on any failure.  XenAPI call logs go to syslog, or
 * to stderr with --debug. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paths.h"
#include "sbuf.h"
#include "transport.h"
#include "xapi.h"
#include "xe_args.h"
#include "xe_cmd.h"

static void usage(const char *argv0)
{
    fprintf(stderr,
            "Usage:\n"
            "  %s <command>\n"
            "    [ -s <server> ]            XenServer host\n"
            "    [ -p <port> ]              XenServer port number\n"
            "    [ -u <username> -pw <password> | -pwf <password file> ]\n"
            "                               User authentication (password or file)\n"
            "    [ --nossl ]                Disable SSL/TLS\n"
            "    [ --debug ]                Enable debug output\n"
            "    [ --minimal ]              Output only values in a comma-separated lists\n"
            "    [ --root-prefix <dir> ]    Root of the local XAPI socket (xvs)\n"
            "    [ --ca-file <file> ]       CA bundle to verify the server with (xvs)\n"
            "    [ --insecure ]             Do not verify the server's certificate (xvs)\n"
            "    [ <other arguments> ... ]  Command-specific options\n"
            "\n"
            "A full list of commands can be obtained by running\n"
            "  %s help\n",
            argv0, argv0);
}

/* The URL of the XAPI to talk to, malloc'ed; NULL on allocation failure. */
static char *server_url(const struct xe_args *a)
{
    char *url = NULL;
    unsigned port = a->port ? a->port : a->nossl ? 80 : 443;
    bool v6 = strchr(a->server, ':') != NULL;

    if (asprintf(&url, "%s://%s%s%s:%u/", a->nossl ? "http" : "https", v6 ? "[" : "", a->server,
                 v6 ? "]" : "", port) < 0) {
        return NULL;
    }
    return url;
}

static int flush(struct sbuf *b, FILE *f)
{
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len) {
        return -EIO;
    }
    return fflush(f) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
    struct xe_args args;
    struct xe_command cmd;
    struct xt_options opts = {0};
    struct xt_transport *t = NULL;
    struct xapi_session *s = NULL;
    struct sbuf out = SBUF_INIT, err = SBUF_INIT;
    char *msg = NULL, *url = NULL;
    int r, status = 1;

    xlog_open(argv[0], true);
    r = xe_args_parse(argc, argv, &args, &msg);
    if (r < 0) {
        fprintf(stderr, "%s\nFor usage run: 'xe help'\n", msg ? msg : strerror(-r));
        free(msg);
        return 1;
    }
    if (args.debug) {
        xlog_open(argv[0], false);
        xlog_set_level(XLOG_DEBUG);
    }
    if (args.help || !args.command) {
        usage(argv[0]);
        xe_args_clear(&args);
        return 0;
    }
    if (xe_cmd_find(args.command, &cmd) < 0) {
        xe_cmd_unknown(args.command, &err);
        goto out;
    }
    if (xe_cmd_check(&cmd, &args, &err) < 0) {
        goto out;
    }
    if (cmd.no_session) {
        status = xe_cmd_run(&cmd, &args, NULL, &out, &err);
        goto out;
    }
    if (args.password_file && (r = xe_args_read_password_file(&args, args.password_file)) < 0) {
        sbuf_addf(&err,
                  r == -EINVAL ? "Error: password file format: expecting username on "
                                 "the first line, password on the second line\n"
                               : "Error opening password file '%s'\n",
                  args.password_file);
        goto out;
    }
    if (args.root_prefix && paths_init(args.root_prefix) < 0) {
        sbuf_addf(&err, "Error: bad --root-prefix '%s'\n", args.root_prefix);
        goto out;
    }
    url = args.server ? server_url(&args) : paths_get(PATHS_XAPI_SOCKET);
    opts.ca_file = args.ca_file;
    opts.insecure = args.insecure;
    r = url ? xt_curl_new(url, &opts, &t) : -ENOMEM;
    if (r == 0) {
        r = xapi_session_new(t, &s);
    }
    if (r < 0) {
        sbuf_addf(&err, "Error: cannot talk to '%s': %s\n", url ? url : "?", strerror(-r));
        goto out;
    }
    r = xapi_login_with_password(s, args.user ? args.user : "root",
                                 args.password ? args.password : "", NULL, NULL);
    if (r < 0) {
        xe_cmd_report(s, r, &err);
        goto out;
    }
    status = xe_cmd_run(&cmd, &args, s, &out, &err);
    /* A failed logout does not change the verdict on the command. */
    xapi_logout(s);
out:
    if (flush(&out, stdout) < 0 && status == 0) {
        status = 1;
    }
    flush(&err, stderr);
    sbuf_free(&out);
    sbuf_free(&err);
    xapi_session_free(s);
    free(url);
    xe_args_clear(&args);
    return status;
}
