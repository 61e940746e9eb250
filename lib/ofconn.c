/* OpenFlow 1.3 connection to a switch (see ofconn.h): blocking requests
 * over a nonblocking socket, each bounded by poll() timeouts.  One loop both
 * drains queued output and reads input, so a big batch can never deadlock
 * against a switch that is itself blocked writing replies to us, and echo
 * requests are answered whenever they arrive.  The port description is kept
 * per connection and dropped whenever the switch reports a port change. */
#include "ofconn.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ofp_text.h"
#include "paths.h"
#include "sbuf.h"
#include "stream.h"

/* Longest Linux interface name plus its NUL (IFNAMSIZ). */
#define OFC_IFNAMSIZ        16
#define OFC_READ_CHUNK      65536
#define OFPET_HELLO_FAILED  0
#define OFPHFC_INCOMPATIBLE 0

struct ofc {
    int fd;         /* -1 once the connection is lost. */
    int timeout_ms; /* Per request; < 0 = no limit. */
    char *name;     /* Bridge name or target, for log lines. */
    uint64_t dpid;
    uint32_t next_xid;
    uint8_t *in; /* Received bytes not yet consumed. */
    size_t in_len, in_cap;
    size_t in_msg;   /* Length of the message last returned, consumed on the next read. */
    struct sbuf out; /* Queued output; out_off bytes of it are already sent. */
    size_t out_off;
    /* The port description, once asked for; ports_valid goes false when the
     * switch reports a port change (PORT_STATUS), so the next use asks again. */
    struct ofp_port *ports;
    size_t n_ports;
    bool ports_valid;
    char last_error[512];
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t deadline_of(const struct ofc *c)
{
    return c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
}

/* Records (and logs, once) a failure of this connection. */
static void ofc_fail(struct ofc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ofc_fail(struct ofc *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof c->last_error, fmt, ap);
    va_end(ap);
    xlog_err("%s", c->last_error);
}

/* Drops the socket after an I/O failure or timeout: the stream's state is
 * unknown then, and queued requests must not reach the switch later. */
static void ofc_drop(struct ofc *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    sbuf_reset(&c->out);
    c->out_off = 0;
    c->in_len = 0;
    c->in_msg = 0;
}

static int queue_status(struct ofc *c, int r)
{
    if (r < 0) {
        ofc_fail(c, "%s: cannot encode an OpenFlow message: %s", c->name, strerror(-r));
    }
    return r;
}

/* Sends as much queued output as the socket takes without blocking. */
static int write_some(struct ofc *c)
{
    while (c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0;
            }
            return -errno;
        }
        c->out_off += (size_t)w;
    }
    sbuf_reset(&c->out);
    c->out_off = 0;
    return 0;
}

static int read_some(struct ofc *c)
{
    if (c->in_cap - c->in_len < OFC_READ_CHUNK) {
        uint8_t *p = realloc(c->in, c->in_len + OFC_READ_CHUNK);

        if (!p) {
            return -ENOMEM;
        }
        c->in = p;
        c->in_cap = c->in_len + OFC_READ_CHUNK;
    }
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
        }
        if (r == 0) {
            return -ECONNRESET;
        }
        c->in_len += (size_t)r;
        return 0;
    }
}

/* Returns the next whole message in *msg (valid until the next call), after
 * answering any echo requests before it.  Queued output is sent meanwhile.
 * Returns 0, -ETIMEDOUT, -ECONNRESET or -EPROTO (logged here). */
static int next_msg(struct ofc *c, int64_t deadline, bool hello_done, const uint8_t **msg,
                    struct ofp_header *h)
{
    int r;

    if (c->fd < 0) {
        ofc_fail(c, "%s: connection already lost", c->name);
        return -ECONNRESET;
    }
    if (c->in_msg > 0) {
        memmove(c->in, c->in + c->in_msg, c->in_len - c->in_msg);
        c->in_len -= c->in_msg;
        c->in_msg = 0;
    }
    for (;;) {
        if (c->in_len >= OFP_HEADER_LEN) {
            if (ofp_decode_header(c->in, c->in_len, h) < 0) {
                ofc_fail(c, "%s: OpenFlow message with a length below 8", c->name);
                r = -EPROTO;
                goto fail;
            }
            if (hello_done && h->version != OFP13_VERSION) {
                ofc_fail(c, "%s: message of OpenFlow version %u after 1.3 was agreed", c->name,
                         h->version);
                r = -EPROTO;
                goto fail;
            }
            if (c->in_len >= h->length) {
                if (hello_done && h->type == OFPT_ECHO_REQUEST) {
                    r = ofp_encode_simple(&c->out, OFPT_ECHO_REPLY, h->xid, c->in + OFP_HEADER_LEN,
                                          h->length - OFP_HEADER_LEN);
                    if (queue_status(c, r) < 0) {
                        goto fail;
                    }
                    memmove(c->in, c->in + h->length, c->in_len - h->length);
                    c->in_len -= h->length;
                    continue;
                }
                if (h->type == OFPT_PORT_STATUS) {
                    /* A port came, went or changed: the cached description is stale.  The
                     * message itself is still returned, for callers to skip. */
                    c->ports_valid = false;
                }
                c->in_msg = h->length;
                *msg = c->in;
                /* Flush what is ready (an echo reply, say) without waiting. */
                r = write_some(c);
                if (r < 0) {
                    ofc_fail(c, "%s: send failed: %s", c->name, strerror(-r));
                    r = -ECONNRESET;
                    goto fail;
                }
                return 0;
            }
        }

        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int wait_ms = -1;

        if (c->out.len > c->out_off) {
            pfd.events |= POLLOUT;
        }
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();

            wait_ms = left > 0 ? (int)(left < INT32_MAX ? left : INT32_MAX) : 0;
        }
        r = poll(&pfd, 1, wait_ms);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            r = -errno;
            ofc_fail(c, "%s: poll failed: %s", c->name, strerror(-r));
            goto fail;
        }
        if (r == 0) {
            ofc_fail(c, "%s: no answer from the switch within %d ms", c->name, c->timeout_ms);
            r = -ETIMEDOUT;
            goto fail;
        }
        if (pfd.revents & POLLOUT) {
            r = write_some(c);
            if (r < 0) {
                ofc_fail(c, "%s: send failed: %s", c->name, strerror(-r));
                r = -ECONNRESET;
                goto fail;
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            r = read_some(c);
            if (r == -ENOMEM) {
                ofc_fail(c, "%s: out of memory reading from the switch", c->name);
                goto fail;
            }
            if (r < 0) {
                ofc_fail(c, "%s: connection to the switch lost (%s)", c->name,
                         r == -ECONNRESET ? "closed by peer" : strerror(-r));
                r = -ECONNRESET;
                goto fail;
            }
        }
    }
fail:
    ofc_drop(c);
    return r;
}

/* Flushes queued output, best effort, before giving up on a peer. */
static void flush_quietly(struct ofc *c)
{
    int64_t deadline = now_ms() + 200;

    while (c->fd >= 0 && c->out.len > c->out_off && now_ms() < deadline) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};

        if (poll(&pfd, 1, 50) <= 0 || write_some(c) < 0) {
            return;
        }
    }
}

/* Accepts the bare bridge names Linux would accept as interface names. */
static bool valid_bridge(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len >= OFC_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, "..")) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

/* Resolves target into a stream name (malloc'd) and a display name. */
static int resolve_target(const char *target, char **stream, char **display)
{
    const char *env;
    char *dir = NULL;
    int r = 0;

    *stream = NULL;
    *display = NULL;
    if (!strncmp(target, "unix:", 5) || !strncmp(target, "tcp:", 4)) {
        *stream = strdup(target);
        *display = strdup(target);
        r = *stream && *display ? 0 : -ENOMEM;
        goto out;
    }
    if (!valid_bridge(target)) {
        xlog_err("invalid bridge name or OpenFlow target \"%s\"", target);
        r = -EINVAL;
        goto out;
    }
    env = getenv("OVS_RUNDIR");
    dir = env && *env ? strdup(env) : paths_get(PATHS_OVS_RUNDIR);
    if (!dir || asprintf(stream, "unix:%s/%s.mgmt", dir, target) < 0) {
        *stream = NULL;
        r = -ENOMEM;
        goto out;
    }
    *display = strdup(target);
    r = *display ? 0 : -ENOMEM;
out:
    free(dir);
    if (r == -ENOMEM) {
        xlog_err("out of memory opening OpenFlow target \"%s\"", target);
    }
    if (r < 0) {
        free(*stream);
        free(*display);
        *stream = *display = NULL;
    }
    return r;
}

static void log_peer_error(struct ofc *c, const uint8_t *msg, size_t len, const char *during)
{
    uint16_t type, code;
    const char *why = NULL;

    if (ofp_decode_error(msg, len, &type, &code, &why) < 0) {
        ofc_fail(c, "%s: malformed error message during %s: %s", c->name, during, why);
    } else {
        ofc_fail(c, "%s: switch refused %s: %s", c->name, during, ofp_error_name(type, code));
    }
}

/* HELLO exchange and FEATURES_REQUEST/REPLY. */
static int handshake(struct ofc *c)
{
    int64_t deadline = deadline_of(c);
    const uint8_t *msg;
    struct ofp_header h;
    const char *why = NULL;
    bool offers_13 = false;
    uint32_t xid;
    uint8_t n_tables;
    int r;

    /* HELLO and FEATURES_REQUEST leave together: a switch takes requests queued behind its
     * hello, so the handshake costs one round trip, not two (on a busy ovs-vswitchd a round
     * trip is what a VIF plug waits for). */
    r = queue_status(c, ofp_encode_hello(&c->out, c->next_xid++));
    if (r < 0) {
        return r;
    }
    xid = c->next_xid++;
    r = queue_status(c, ofp_encode_simple(&c->out, OFPT_FEATURES_REQUEST, xid, NULL, 0));
    if (r < 0) {
        return r;
    }
    r = next_msg(c, deadline, false, &msg, &h);
    if (r < 0) {
        return r;
    }
    if (h.type == OFPT_ERROR) {
        log_peer_error(c, msg, h.length, "the OpenFlow hello");
        return -EPROTO;
    }
    if (h.type != OFPT_HELLO) {
        ofc_fail(c, "%s: switch sent message type %u instead of hello", c->name, h.type);
        return -EPROTO;
    }
    if (ofp_decode_hello(msg, h.length, &offers_13, &why) < 0) {
        ofc_fail(c, "%s: malformed hello: %s", c->name, why);
        return -EPROTO;
    }
    if (!offers_13) {
        static const char text[] = "xvs speaks OpenFlow 1.3 only";

        /* Tell the switch why, as the specification asks, then give up. */
        if (ofp_encode_error(&c->out, h.xid, OFPET_HELLO_FAILED, OFPHFC_INCOMPATIBLE, text,
                             sizeof text - 1) == 0) {
            flush_quietly(c);
        }
        ofc_fail(c, "%s: switch does not offer OpenFlow 1.3 (hello version %u)", c->name,
                 h.version);
        return -EPROTONOSUPPORT;
    }

    for (;;) {
        r = next_msg(c, deadline, true, &msg, &h);
        if (r < 0) {
            return r;
        }
        if (h.type == OFPT_ERROR && h.xid == xid) {
            log_peer_error(c, msg, h.length, "the features request");
            return -EPROTO;
        }
        if (h.type == OFPT_FEATURES_REPLY && h.xid == xid) {
            if (ofp_decode_features_reply(msg, h.length, &c->dpid, &n_tables, &why) < 0) {
                ofc_fail(c, "%s: malformed features reply: %s", c->name, why);
                return -EPROTO;
            }
            return 0;
        }
        /* Anything else (port status, packet-in, ...) is not ours to handle. */
    }
}

int ofc_open(const char *target, int timeout_ms, struct ofc **out)
{
    struct ofc *c = NULL;
    char *stream = NULL;
    int r;

    *out = NULL;
    if (!target) {
        xlog_err("no OpenFlow target given");
        return -EINVAL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        xlog_err("out of memory opening OpenFlow target \"%s\"", target);
        return -ENOMEM;
    }
    c->fd = -1;
    c->timeout_ms = timeout_ms;
    c->next_xid = 1;
    sbuf_init(&c->out);
    r = resolve_target(target, &stream, &c->name);
    if (r < 0) {
        goto out;
    }
    r = stream_connect(stream, timeout_ms);
    if (r < 0) {
        ofc_fail(c, "%s: cannot connect to %s: %s", c->name, stream, strerror(-r));
        goto out;
    }
    c->fd = r;
    r = handshake(c);
out:
    free(stream);
    if (r < 0) {
        ofc_close(c);
        return r;
    }
    *out = c;
    return 0;
}

void ofc_close(struct ofc *c)
{
    if (!c) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    sbuf_free(&c->out);
    free(c->in);
    free(c->name);
    free(c->ports);
    free(c);
}

unsigned long long ofc_datapath_id(const struct ofc *c)
{
    return c->dpid;
}

const char *ofc_last_error(const struct ofc *c)
{
    return c->last_error;
}

/* Logs one error the switch reported for flow i (0-based) of a batch; the
 * log line numbers flows from 1, as people count them. */
static void report_flow_error(struct ofc *c, const struct ofc_mod *m, size_t i, uint16_t type,
                              uint16_t code, bool first)
{
    struct sbuf text = SBUF_INIT;
    char line[sizeof c->last_error];
    const char *ftext = ofpt_format_flow(&m->flow, 0, &text) == 0 ? sbuf_str(&text) : "?";

    snprintf(line, sizeof line, "%s: flow %zu (%s): %s", c->name, i + 1, ftext,
             ofp_error_name(type, code));
    xlog_err("%s", line);
    if (first) {
        memcpy(c->last_error, line, sizeof line);
    }
    sbuf_free(&text);
}

int ofc_flow_mods(struct ofc *c, const struct ofc_mod *mods, size_t n)
{
    int64_t deadline = deadline_of(c);
    uint32_t base = c->next_xid, barrier;
    size_t n_errors = 0;
    const uint8_t *msg;
    struct ofp_header h;
    int r;

    if (n == 0) {
        return 0;
    }
    if (c->fd < 0) {
        ofc_fail(c, "%s: connection already lost", c->name);
        return -ECONNRESET;
    }
    if (n > UINT32_MAX / 2) {
        ofc_fail(c, "%s: batch of %zu flows is too large", c->name, n);
        return -EINVAL;
    }
    /* Encode the whole batch first: a flow that cannot be encoded fails the
     * call before anything reaches the switch. */
    for (size_t i = 0; i < n; i++) {
        r = ofp_encode_flow_mod(&c->out, base + (uint32_t)i, mods[i].command, &mods[i].flow);
        if (r < 0) {
            sbuf_reset(&c->out);
            ofc_fail(c, "%s: flow %zu of %zu cannot be encoded: %s", c->name, i + 1, n,
                     r == -ENOMEM ? "out of memory" : "invalid flow");
            return r;
        }
    }
    barrier = base + (uint32_t)n;
    c->next_xid = barrier + 1;
    r = ofp_encode_simple(&c->out, OFPT_BARRIER_REQUEST, barrier, NULL, 0);
    if (r < 0) {
        sbuf_reset(&c->out);
        return queue_status(c, r);
    }

    for (;;) {
        r = next_msg(c, deadline, true, &msg, &h);
        if (r < 0) {
            return r;
        }
        if (h.type == OFPT_BARRIER_REPLY && h.xid == barrier) {
            break;
        }
        if (h.type != OFPT_ERROR) {
            continue;
        }
        uint16_t type, code;
        const char *why = NULL;

        if (ofp_decode_error(msg, h.length, &type, &code, &why) < 0) {
            ofc_fail(c, "%s: malformed error message: %s", c->name, why);
            ofc_drop(c);
            return -EPROTO;
        }
        if (h.xid >= base && h.xid < barrier) {
            size_t i = h.xid - base;

            report_flow_error(c, &mods[i], i, type, code, n_errors == 0);
            n_errors++;
        } else if (h.xid == barrier) {
            ofc_fail(c, "%s: switch refused the barrier request: %s", c->name,
                     ofp_error_name(type, code));
            ofc_drop(c);
            return -EPROTO;
        } else {
            xlog_warn("%s: error for an earlier request (xid %u): %s", c->name, h.xid,
                      ofp_error_name(type, code));
        }
    }
    return n_errors ? -EPROTO : 0;
}

/* The next part of the multipart reply to request xid: returns 0 with *msg / *h, or a negative
 * errno (an ERROR for xid is logged as the failure of "what").  Other messages are skipped. */
static int next_part(struct ofc *c, int64_t deadline, uint32_t xid, const char *what,
                     const uint8_t **msg, struct ofp_header *h)
{
    for (;;) {
        int r = next_msg(c, deadline, true, msg, h);
        if (r < 0) {
            return r;
        }
        if (h->xid != xid) {
            continue;
        }
        if (h->type == OFPT_ERROR) {
            log_peer_error(c, *msg, h->length, what);
            return -EPROTO;
        }
        if (h->type == OFPT_MULTIPART_REPLY) {
            return 0;
        }
    }
}

/* A part that would not decode: the rest of the reply may still be on its way, so the stream
 * is no longer in a known state. */
static int bad_part(struct ofc *c, int r, const char *what, const char *why)
{
    if (r == -ENOMEM) {
        ofc_fail(c, "%s: out of memory reading %s", c->name, what);
        return r;
    }
    ofc_fail(c, "%s: bad reply to %s: %s", c->name, what, why);
    ofc_drop(c);
    return -EPROTO;
}

int ofc_dump_flows(struct ofc *c, const struct ofp_flow *filter, struct ofp_flow **flows, size_t *n)
{
    int64_t deadline = deadline_of(c);
    struct ofp_flow all;
    const uint8_t *msg;
    struct ofp_header h;
    uint32_t xid;
    bool more = true;
    int r;

    *flows = NULL;
    *n = 0;
    if (c->fd < 0) {
        ofc_fail(c, "%s: connection already lost", c->name);
        return -ECONNRESET;
    }
    if (!filter) {
        ofp_flow_init(&all);
        all.table_id = OFPTT_ALL;
        filter = &all;
    }
    xid = c->next_xid++;
    r = queue_status(c, ofp_encode_flow_stats_request(&c->out, xid, filter));
    if (r < 0) {
        return r;
    }
    while (more) {
        const char *why = NULL;

        r = next_part(c, deadline, xid, "the flow dump", &msg, &h);
        if (r < 0) {
            goto out;
        }
        r = ofp_decode_flow_stats_reply(msg, h.length, flows, n, &more, &why);
        if (r < 0) {
            r = bad_part(c, r, "the flow dump", why);
            goto out;
        }
    }
    r = 0;
out:
    if (r < 0) {
        free(*flows);
        *flows = NULL;
        *n = 0;
    }
    return r;
}

/* Asks the switch for its ports and replaces the cached description. */
static int fetch_ports(struct ofc *c)
{
    int64_t deadline = deadline_of(c);
    struct ofp_port *got = NULL;
    size_t n_got = 0;
    const uint8_t *msg;
    struct ofp_header h;
    uint32_t xid;
    bool more = true;
    int r;

    if (c->fd < 0) {
        ofc_fail(c, "%s: connection already lost", c->name);
        return -ECONNRESET;
    }
    xid = c->next_xid++;
    r = queue_status(c, ofp_encode_port_desc_request(&c->out, xid));
    if (r < 0) {
        return r;
    }
    while (more) {
        const char *why = NULL;

        r = next_part(c, deadline, xid, "the port description request", &msg, &h);
        if (r < 0) {
            goto out;
        }
        r = ofp_decode_port_desc_reply(msg, h.length, &got, &n_got, &more, &why);
        if (r < 0) {
            r = bad_part(c, r, "the port description request", why);
            goto out;
        }
    }
    free(c->ports);
    c->ports = got;
    c->n_ports = n_got;
    c->ports_valid = true;
    got = NULL;
    r = 0;
out:
    free(got);
    return r;
}

static int ensure_ports(struct ofc *c)
{
    return c->ports_valid ? 0 : fetch_ports(c);
}

int ofc_port_desc(struct ofc *c, struct ofc_port **ports, size_t *n)
{
    struct ofc_port *copy = NULL;
    int r;

    *ports = NULL;
    *n = 0;
    r = ensure_ports(c);
    if (r < 0) {
        return r;
    }
    if (c->n_ports > 0) {
        copy = calloc(c->n_ports, sizeof *copy);
        if (!copy) {
            ofc_fail(c, "%s: out of memory copying the port description", c->name);
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        const struct ofp_port *p = &c->ports[i];

        copy[i].port_no = p->port_no;
        memcpy(copy[i].name, p->name, sizeof copy[i].name);
        memcpy(copy[i].hw_addr, p->hw_addr, sizeof copy[i].hw_addr);
        copy[i].config = p->config;
        copy[i].state = p->state;
        copy[i].curr = p->curr;
        copy[i].advertised = p->advertised;
        copy[i].supported = p->supported;
        copy[i].peer = p->peer;
        copy[i].curr_speed = p->curr_speed;
        copy[i].max_speed = p->max_speed;
    }
    *ports = copy;
    *n = c->n_ports;
    return 0;
}

int ofc_port_by_name(struct ofc *c, const char *name, uint32_t *port)
{
    int r;

    if (!name || !*name) {
        return -ENOENT;
    }
    r = ensure_ports(c);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < c->n_ports; i++) {
        if (!strcmp(c->ports[i].name, name)) {
            *port = c->ports[i].port_no;
            return 0;
        }
    }
    return -ENOENT;
}
