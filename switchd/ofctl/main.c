/* xvs-ofctl: the flow commands of ovs-ofctl over OpenFlow 1.3, with the same
 * syntax, output and exit status, so scripts and admins can use either:
 *
 *   xvs-ofctl [-O OpenFlow13] [--timeout=SECS] [--strict] COMMAND SWITCH [ARG...]
 *
 * SWITCH is a bridge name (its management socket <rundir>/<bridge>.mgmt) or
 * unix:PATH / tcp:IP:PORT.  Commands: add-flow, add-flows, del-flows,
 * dump-flows, show.  Port names work where port numbers do ("in_port=vif1.0",
 * "output:vif1.0"), looked up in the switch's port description as ovs-ofctl
 * does.  Exit status 0, or 1 with "xvs-ofctl: <reason>" on stderr. */
#include "log.h"
#include "ofconn.h"
#include "ofp.h"
#include "ofp_text.h"
#include "paths.h"
#include "sbuf.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
    int timeout_ms;
    bool strict;
};

/* One command's connection to the switch, opened on first need: to resolve a port name while
 * parsing, or to send what parsed.  A failure to open is reported once and remembered. */
struct session {
    const char *target;
    const struct opts *o;
    struct ofc *c;
    int err; /* < 0 once opening or a port lookup failed (already reported). */
};

static void usage(FILE *f)
{
    fprintf(f, "xvs-ofctl: OpenFlow 1.3 switch management utility\n"
               "usage: xvs-ofctl [OPTIONS] COMMAND SWITCH [ARG...]\n"
               "\n"
               "Commands:\n"
               "  show SWITCH                 show the switch's datapath id and ports\n"
               "  dump-flows SWITCH [FLOW]    print all flows, or those matching FLOW\n"
               "  add-flow SWITCH FLOW        add flow described by FLOW\n"
               "  add-flows SWITCH FILE       add flows from FILE ('-' = stdin), as one batch\n"
               "  del-flows SWITCH [FLOW]     delete all flows, or those matching FLOW\n"
               "\n"
               "SWITCH is a bridge name (<rundir>/<bridge>.mgmt), unix:PATH or tcp:IP:PORT.\n"
               "Ports in FLOW may be given by name (in_port=vif1.0, output:vif1.0).\n"
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

/* The session's connection, opened now if need be.  Returns 0 or the (reported) error. */
static int session_conn(struct session *s, struct ofc **c)
{
    if (!s->c && s->err == 0) {
        s->err = open_switch(s->target, s->o, &s->c);
    }
    *c = s->c;
    return s->c ? 0 : s->err;
}

/* The parser's port-name resolver: the switch's port description (asked for once). */
static int resolve_port(const char *name, uint32_t *port, void *arg)
{
    struct session *s = arg;
    struct ofc *c;
    int r = session_conn(s, &c);

    if (r < 0) {
        return r;
    }
    r = ofc_port_by_name(c, name, port);
    if (r < 0 && r != -ENOENT) {
        const char *why = ofc_last_error(c);

        error_msg("%s", *why ? why : s->target);
        s->err = r;
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

static int parse_one(struct session *s, const char *text, enum ofpt_usage u, struct ofp_flow *f,
                     const char *where)
{
    char *err = NULL;
    int r = ofpt_parse_flow(text, u, resolve_port, s, f, &err);

    if (r && s->err) {
        /* The switch could not be asked about a port name: that was the reason, and it was
         * reported; "unknown port" would mislead. */
        r = s->err;
    } else if (r) {
        if (where) {
            error_msg("%s: %s", where, err ? err : "invalid flow");
        } else {
            error_msg("%s", err ? err : "invalid flow");
        }
    }
    free(err);
    return r;
}

/* Sends the batch: used once every flow has parsed, so that a syntax error never leaves a
 * half-applied change (a port-name lookup may have opened the connection already). */
static int apply(struct session *s, const struct ofc_mod *mods, size_t n)
{
    struct ofc *c = NULL;
    int r = session_conn(s, &c);

    if (r == 0) {
        r = send_mods(c, s->target, mods, n);
    }
    return r;
}

static int cmd_add_flow(struct session *s, const char *text)
{
    struct ofc_mod m;
    int r;

    m.command = OFPFC_ADD;
    r = parse_one(s, text, OFPT_ADD, &m.flow, NULL);
    if (r) {
        return r;
    }
    return apply(s, &m, 1);
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

static int cmd_add_flows(struct session *s, const char *file)
{
    FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
    struct sbuf line = SBUF_INIT;
    struct ofc_mod *mods = NULL;
    size_t n = 0, cap = 0;
    unsigned lineno = 0;
    int r;

    if (!in) {
        r = -errno;
        error_msg("%s: open failed (%s)", file, strerror(-r));
        return r;
    }
    while ((r = read_line(in, &line, &lineno)) > 0) {
        const char *text = sbuf_str(&line);
        char where[300];

        if (!text[strspn(text, " \t")]) {
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
        r = parse_one(s, text, OFPT_ADD, &mods[n].flow, where);
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
        r = apply(s, mods, n);
    }
    free(mods);
    sbuf_free(&line);
    return r;
}

static int cmd_del_flows(struct session *s, const char *text)
{
    struct ofc_mod m;
    int r;

    m.command = s->o->strict ? OFPFC_DELETE_STRICT : OFPFC_DELETE;
    r = parse_one(s, text ? text : "", s->o->strict ? OFPT_DEL_STRICT : OFPT_DEL, &m.flow, NULL);
    if (r) {
        return r;
    }
    return apply(s, &m, 1);
}

static int cmd_dump_flows(struct session *s, const char *text)
{
    struct ofp_flow filter, *flows = NULL;
    struct sbuf out = SBUF_INIT;
    struct ofc *c = NULL;
    size_t n = 0;
    int r;

    r = parse_one(s, text ? text : "", s->o->strict ? OFPT_DEL_STRICT : OFPT_DEL, &filter, NULL);
    if (r) {
        return r;
    }
    r = session_conn(s, &c);
    if (r < 0) {
        return r;
    }
    r = ofc_dump_flows(c, &filter, &flows, &n);
    if (r < 0) {
        const char *why = ofc_last_error(c);
        error_msg("%s", *why ? why : s->target);
        return r;
    }
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

/* Appends the names of the bits set in v, as ovs-ofctl does: separated by spaces, unknown
 * bits as 0x..., "0" for none; then a newline. */
static void add_bit_names(struct sbuf *out, uint32_t v, const char *const *names, size_t n)
{
    bool first = true;

    if (!v) {
        sbuf_adds(out, "0");
    }
    for (unsigned bit = 0; bit < 32; bit++) {
        uint32_t m = 1u << bit;

        if (!(v & m)) {
            continue;
        }
        if (!first) {
            sbuf_addc(out, ' ');
        }
        first = false;
        if (bit < n && names[bit]) {
            sbuf_adds(out, names[bit]);
        } else {
            sbuf_addf(out, "0x%" PRIx32, m);
        }
    }
    sbuf_addc(out, '\n');
}

static int compare_ports(const void *a, const void *b)
{
    const struct ofc_port *x = a, *y = b;

    return x->port_no < y->port_no ? -1 : x->port_no > y->port_no;
}

/* One port in ovs-ofctl show's form: " 1(p1): addr:...", then config, state, features and
 * speed lines. */
static void add_port(struct sbuf *out, const struct ofc_port *p)
{
    static const char *const config[] = {"PORT_DOWN", NULL,     "NO_RECV",     NULL,
                                         NULL,        "NO_FWD", "NO_PACKET_IN"};
    static const char *const port_state[] = {"LINK_DOWN", "BLOCKED", "LIVE"};
    static const char *const features[] = {"10MB-HD",  "10MB-FD",  "100MB-HD",   "100MB-FD",
                                           "1GB-HD",   "1GB-FD",   "10GB-FD",    "40GB-FD",
                                           "100GB-FD", "1TB-FD",   "OTHER",      "COPPER",
                                           "FIBER",    "AUTO_NEG", "AUTO_PAUSE", "AUTO_PAUSE_ASYM"};
    const struct {
        const char *label;
        uint32_t bits;
    } feats[] = {{"current:    ", p->curr},
                 {"advertised: ", p->advertised},
                 {"supported:  ", p->supported},
                 {"peer:       ", p->peer}};
    char name[sizeof p->name];
    size_t len = 0;

    /* Printable characters only, up to the first other one, as ovs-ofctl shows names. */
    while (len < sizeof name - 1 && p->name[len] && isprint((unsigned char)p->name[len])) {
        name[len] = p->name[len];
        len++;
    }
    name[len] = '\0';
    sbuf_addc(out, ' ');
    if (p->port_no == OFPP_LOCAL) {
        sbuf_adds(out, "LOCAL");
    } else {
        sbuf_addf(out, "%" PRIu32, p->port_no);
    }
    sbuf_addf(out, "(%s): addr:%02x:%02x:%02x:%02x:%02x:%02x\n", name, p->hw_addr[0], p->hw_addr[1],
              p->hw_addr[2], p->hw_addr[3], p->hw_addr[4], p->hw_addr[5]);
    sbuf_adds(out, "     config:     ");
    add_bit_names(out, p->config, config, sizeof config / sizeof config[0]);
    sbuf_adds(out, "     state:      ");
    add_bit_names(out, p->state, port_state, sizeof port_state / sizeof port_state[0]);
    for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++) {
        if (feats[i].bits) {
            sbuf_addf(out, "     %s", feats[i].label);
            add_bit_names(out, feats[i].bits, features, sizeof features / sizeof features[0]);
        }
    }
    sbuf_addf(out, "     speed: %" PRIu32 " Mbps now, %" PRIu32 " Mbps max\n", p->curr_speed / 1000,
              p->max_speed / 1000);
}

static int cmd_show(struct session *s)
{
    struct sbuf out = SBUF_INIT;
    struct ofc_port *ports = NULL;
    struct ofc *c = NULL;
    size_t n = 0;
    int r = session_conn(s, &c);

    if (r < 0) {
        return r;
    }
    r = ofc_port_desc(c, &ports, &n);
    if (r < 0) {
        const char *why = ofc_last_error(c);
        error_msg("%s", *why ? why : s->target);
        return r;
    }
    /* ovs-ofctl lists ports by number, which puts LOCAL last. */
    if (n > 1) {
        qsort(ports, n, sizeof *ports, compare_ports);
    }
    sbuf_addf(&out, "OFPT_FEATURES_REPLY (OF1.3): dpid:%016llx\n", ofc_datapath_id(c));
    sbuf_adds(&out, "OFPST_PORT_DESC reply (OF1.3):\n");
    for (size_t i = 0; i < n; i++) {
        add_port(&out, &ports[i]);
    }
    r = sbuf_error(&out);
    if (r == 0) {
        fputs(sbuf_str(&out), stdout);
    } else {
        error_msg("out of memory");
    }
    sbuf_free(&out);
    free(ports);
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
    struct session sess;
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

    memset(&sess, 0, sizeof sess);
    sess.target = target;
    sess.o = &o;
    if (!strcmp(cmd, "show")) {
        r = cmd_show(&sess);
    } else if (!strcmp(cmd, "dump-flows")) {
        r = cmd_dump_flows(&sess, arg);
    } else if (!strcmp(cmd, "add-flow")) {
        r = cmd_add_flow(&sess, arg);
    } else if (!strcmp(cmd, "add-flows")) {
        r = cmd_add_flows(&sess, arg);
    } else {
        r = cmd_del_flows(&sess, arg);
    }
    ofc_close(sess.c);
    if (fflush(stdout) != 0) {
        error_msg("write to standard output failed");
        return 1;
    }
    return r < 0 ? 1 : 0;
}
