/* xvs-ofctl: the flow commands of ovs-ofctl over OpenFlow 1.3, with the same
 * syntax, output and exit status, so scripts and admins can use either:
 *
 *   xvs-ofctl [-O OpenFlow13] [--timeout=SECS] [--strict] COMMAND SWITCH [ARG...]
 *
 * SWITCH is a bridge name (its management socket <rundir>/<bridge>.mgmt) or
 * unix:PATH / tcp:IP:PORT.  Commands: add-flow, add-flows, del-flows,
 * dump-flows, show.  Exit status 0, or 1 with "xvs-ofctl: <reason>" on stderr. */
#include "log.h"
#include "ofconn.h"
#include "ofp.h"
#include "ofp_text.h"
#include "paths.h"
#include "sbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
    int timeout_ms;
    bool strict;
};

static void usage(FILE *f)
{
    fprintf(f, "xvs-ofctl: OpenFlow 1.3 switch management utility\n"
               "usage: xvs-ofctl [OPTIONS] COMMAND SWITCH [ARG...]\n"
               "\n"
               "Commands:\n"
               "  show SWITCH                 show the switch's datapath id\n"
               "  dump-flows SWITCH [FLOW]    print all flows, or those matching FLOW\n"
               "  add-flow SWITCH FLOW        add flow described by FLOW\n"
               "  add-flows SWITCH FILE       add flows from FILE ('-' = stdin), as one batch\n"
               "  del-flows SWITCH [FLOW]     delete all flows, or those matching FLOW\n"
               "\n"
               "SWITCH is a bridge name (<rundir>/<bridge>.mgmt), unix:PATH or tcp:IP:PORT.\n"
               "\n"
               "Options:\n"
               "  -O, --protocols=OpenFlow13  OpenFlow version (only 1.3 is supported)\n"
               "  -t, --timeout=SECS          give up after SECS seconds\n"
               "  --strict                    use strict matching for del-flows\n"
               "  --root-prefix=DIR           resolve the run directory under DIR\n"
               "  -h, --help                  display this help message\n");
}

static void error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void error_msg(const char *fmt, ...)
{
    va_list ap;

    fputs("xvs-ofctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Accepts "OpenFlow13" alone or in a comma-separated list of only that version. */
static int check_protocols(const char *list)
{
    char *copy = strdup(list), *save = NULL, *tok;
    int r = 0;

    if (!copy) {
        return -ENOMEM;
    }
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "OpenFlow13")) {
            error_msg("%s: unsupported OpenFlow version (only OpenFlow13 is supported)", tok);
            r = -EINVAL;
            break;
        }
    }
    free(copy);
    return r;
}

static int open_switch(const char *target, const struct opts *o, struct ofc **c)
{
    int r = ofc_open(target, o->timeout_ms, c);

    if (r < 0) {
        error_msg("%s: cannot open OpenFlow connection (%s)", target, strerror(-r));
    }
    return r;
}

/* Sends mods as one batch; on failure says which. */
static int send_mods(struct ofc *c, const char *target, const struct ofc_mod *mods, size_t n)
{
    int r = ofc_flow_mods(c, mods, n);

    if (r < 0) {
        const char *why = ofc_last_error(c);
        error_msg("%s", *why ? why : target);
    }
    return r;
}

static int parse_one(const char *text, enum ofpt_usage u, struct ofp_flow *f, const char *where)
{
    char *err = NULL;
    int r = ofpt_parse_flow(text, u, NULL, NULL, f, &err);

    if (r) {
        if (where) {
            error_msg("%s: %s", where, err ? err : "invalid flow");
        } else {
            error_msg("%s", err ? err : "invalid flow");
        }
    }
    free(err);
    return r;
}

/* Connects and sends the batch: used once every flow has parsed, so that a syntax error
 * never leaves a half-applied change. */
static int apply(const char *target, const struct opts *o, const struct ofc_mod *mods, size_t n)
{
    struct ofc *c = NULL;
    int r = open_switch(target, o, &c);

    if (r == 0) {
        r = send_mods(c, target, mods, n);
    }
    ofc_close(c);
    return r;
}

static int cmd_add_flow(const char *target, const char *text, const struct opts *o)
{
    struct ofc_mod m;

    m.command = OFPFC_ADD;
    if (parse_one(text, OFPT_ADD, &m.flow, NULL)) {
        return -EINVAL;
    }
    return apply(target, o, &m, 1);
}

/* Reads one logical line: "#" starts a comment, a backslash at the end continues the line.
 * Returns 1 with the text in *line, 0 at end of file, or -ENOMEM. */
static int read_line(FILE *in, struct sbuf *line, unsigned *lineno)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    bool any = false;

    sbuf_reset(line);
    while ((len = getline(&buf, &cap, in)) >= 0) {
        char *hash;

        any = true;
        (*lineno)++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
            buf[--len] = '\0';
        }
        hash = strchr(buf, '#');
        if (hash) {
            *hash = '\0';
            len = hash - buf;
        }
        if (len > 0 && buf[len - 1] == '\\') {
            sbuf_add(line, buf, (size_t)len - 1);
            continue;
        }
        sbuf_add(line, buf, (size_t)len);
        break;
    }
    free(buf);
    if (sbuf_error(line)) {
        return -ENOMEM;
    }
    return any ? 1 : 0;
}

static int cmd_add_flows(const char *target, const char *file, const struct opts *o)
{
    FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
    struct sbuf line = SBUF_INIT;
    struct ofc_mod *mods = NULL;
    size_t n = 0, cap = 0;
    unsigned lineno = 0;
    int r;

    if (!in) {
        error_msg("%s: open failed (%s)", file, strerror(errno));
        return -errno;
    }
    while ((r = read_line(in, &line, &lineno)) > 0) {
        const char *s = sbuf_str(&line);
        char where[300];

        if (!s[strspn(s, " \t")]) {
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct ofc_mod *nm = realloc(mods, ncap * sizeof(*mods));
            if (!nm) {
                r = -ENOMEM;
                break;
            }
            mods = nm;
            cap = ncap;
        }
        snprintf(where, sizeof(where), "%s:%u", strcmp(file, "-") ? file : "stdin", lineno);
        mods[n].command = OFPFC_ADD;
        r = parse_one(s, OFPT_ADD, &mods[n].flow, where);
        if (r) {
            break;
        }
        n++;
    }
    if (r == 0 && ferror(in)) {
        error_msg("%s: read failed", file);
        r = -EIO;
    } else if (r == -ENOMEM) {
        error_msg("out of memory");
    }
    if (in != stdin) {
        fclose(in);
    }
    if (r == 0) {
        /* Nothing reaches the switch unless every line parsed: one batch, all or nothing. */
        r = apply(target, o, mods, n);
    }
    free(mods);
    sbuf_free(&line);
    return r;
}

static int cmd_del_flows(const char *target, const char *text, const struct opts *o)
{
    struct ofc_mod m;

    m.command = o->strict ? OFPFC_DELETE_STRICT : OFPFC_DELETE;
    if (parse_one(text ? text : "", o->strict ? OFPT_DEL_STRICT : OFPT_DEL, &m.flow, NULL)) {
        return -EINVAL;
    }
    return apply(target, o, &m, 1);
}

static int cmd_dump_flows(const char *target, const char *text, const struct opts *o)
{
    struct ofp_flow filter, *flows = NULL;
    struct sbuf out = SBUF_INIT;
    struct ofc *c = NULL;
    size_t n = 0;
    int r;

    if (parse_one(text ? text : "", o->strict ? OFPT_DEL_STRICT : OFPT_DEL, &filter, NULL)) {
        return -EINVAL;
    }
    r = open_switch(target, o, &c);
    if (r < 0) {
        return r;
    }
    r = ofc_dump_flows(c, &filter, &flows, &n);
    if (r < 0) {
        const char *why = ofc_last_error(c);
        error_msg("%s", *why ? why : target);
        ofc_close(c);
        return r;
    }
    ofc_close(c);
    /* ovs-ofctl's header; its request is the second message of the session, as ours is. */
    sbuf_adds(&out, "OFPST_FLOW reply (OF1.3) (xid=0x2):\n");
    for (size_t i = 0; i < n; i++) {
        sbuf_addc(&out, ' ');
        ofpt_format_flow(&flows[i], OFPT_FMT_STATS, &out);
        sbuf_addc(&out, '\n');
    }
    r = sbuf_error(&out);
    if (r == 0) {
        fputs(sbuf_str(&out), stdout);
    } else {
        error_msg("out of memory");
    }
    sbuf_free(&out);
    free(flows);
    return r;
}

static int cmd_show(const char *target, const struct opts *o)
{
    struct ofc *c = NULL;
    int r = open_switch(target, o, &c);

    if (r == 0) {
        printf("OFPT_FEATURES_REPLY (OF1.3): dpid:%016llx\n", ofc_datapath_id(c));
    }
    ofc_close(c);
    return r;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
            {"protocols", required_argument, NULL, 'O'},
            {"timeout", required_argument, NULL, 't'},
            {"strict", no_argument, NULL, 'S'},
            {"root-prefix", required_argument, NULL, 'R'},
            {"no-syslog", no_argument, NULL, 'N'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    static const struct {
        const char *name;
        int min_args, max_args; /* After SWITCH. */
    } commands[] = {
            {"show", 0, 0},      {"dump-flows", 0, 1}, {"add-flow", 1, 1},
            {"add-flows", 1, 1}, {"del-flows", 0, 1},
    };
    struct opts o = {-1, false};
    const char *root = NULL, *cmd, *target, *arg;
    int ch, nargs, r;
    size_t i;

    xlog_open(argv[0], false);
    while ((ch = getopt_long(argc, argv, "+O:t:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'O':
            if (check_protocols(optarg)) {
                return 1;
            }
            break;
        case 't': {
            char *end;
            long secs = strtol(optarg, &end, 10);
            if (*end || end == optarg || secs < 0 || secs > 86400) {
                error_msg("value %s on -t or --timeout is invalid", optarg);
                return 1;
            }
            o.timeout_ms = secs ? (int)secs * 1000 : -1;
            break;
        }
        case 'S':
            o.strict = true;
            break;
        case 'R':
            root = optarg;
            break;
        case 'N':
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            error_msg("use --help for help");
            return 1;
        }
    }
    if (paths_init(root)) {
        error_msg("%s: invalid root prefix", root ? root : "");
        return 1;
    }
    if (optind >= argc) {
        error_msg("missing command name; use --help for help");
        return 1;
    }
    cmd = argv[optind];
    nargs = argc - optind - 1;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (!strcmp(cmd, commands[i].name)) {
            break;
        }
    }
    if (i == sizeof(commands) / sizeof(commands[0])) {
        error_msg("unknown command '%s'; use --help for help", cmd);
        return 1;
    }
    if (nargs < 1 + commands[i].min_args) {
        error_msg("'%s' command requires at least %d arguments", cmd, 1 + commands[i].min_args);
        return 1;
    }
    if (nargs > 1 + commands[i].max_args) {
        error_msg("'%s' command takes at most %d arguments", cmd, 1 + commands[i].max_args);
        return 1;
    }
    target = argv[optind + 1];
    arg = nargs > 1 ? argv[optind + 2] : NULL;

    if (!strcmp(cmd, "show")) {
        r = cmd_show(target, &o);
    } else if (!strcmp(cmd, "dump-flows")) {
        r = cmd_dump_flows(target, arg, &o);
    } else if (!strcmp(cmd, "add-flow")) {
        r = cmd_add_flow(target, arg, &o);
    } else if (!strcmp(cmd, "add-flows")) {
        r = cmd_add_flows(target, arg, &o);
    } else {
        r = cmd_del_flows(target, arg, &o);
    }
    if (fflush(stdout) != 0) {
        error_msg("write to standard output failed");
        return 1;
    }
    return r < 0 ? 1 : 0;
}
