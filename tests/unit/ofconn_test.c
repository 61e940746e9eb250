/* Unit tests for lib/ofconn against a fake switch: a forked child that
 * listens on <tmpdir>/br0.mgmt (or loopback TCP) and plays one scripted
 * conversation per test, checking what the client sends.  The child reports
 * through its exit status, so every check on either side can fail. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ofconn.h"
#include "ofp.h"
#include "sbuf.h"
#include "stream.h"

#define DPID 0x0000aabbccddeeffull

/* Checks inside the fake switch: print and exit non-zero. */
#define SW_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fake switch: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

struct sw_msg {
    struct ofp_header h;
    uint8_t buf[OFP_MAX_MSG];
};

static void sw_read_exact(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t r;

        SW_CHECK(poll(&pfd, 1, 5000) == 1);
        r = read(fd, p, n);
        SW_CHECK(r > 0);
        p += r;
        n -= (size_t)r;
    }
}

static void sw_read(int fd, struct sw_msg *m)
{
    sw_read_exact(fd, m->buf, OFP_HEADER_LEN);
    SW_CHECK(ofp_decode_header(m->buf, OFP_HEADER_LEN, &m->h) == 0);
    sw_read_exact(fd, m->buf + OFP_HEADER_LEN, m->h.length - OFP_HEADER_LEN);
}

/* Waits until the client closes its end. */
static void sw_wait_close(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    uint8_t b[256];

    for (;;) {
        SW_CHECK(poll(&pfd, 1, 5000) == 1);
        if (read(fd, b, sizeof b) <= 0) {
            return;
        }
    }
}

static void sw_send(int fd, struct sbuf *b)
{
    size_t off = 0;

    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);

        SW_CHECK(w > 0);
        off += (size_t)w;
    }
    sbuf_reset(b);
}

static void sw_features_reply(struct sbuf *b, uint32_t xid)
{
    uint8_t m[32] = {4, OFPT_FEATURES_REPLY, 0, 32};

    m[4] = (uint8_t)(xid >> 24);
    m[5] = (uint8_t)(xid >> 16);
    m[6] = (uint8_t)(xid >> 8);
    m[7] = (uint8_t)xid;
    for (int i = 0; i < 8; i++) {
        m[8 + i] = (uint8_t)(DPID >> (56 - 8 * i));
    }
    m[20] = 254;
    SW_CHECK(sbuf_add(b, m, sizeof m) == 0);
}

/* The switch side of ofc_open(), with an unrelated PORT_STATUS and an echo
 * request thrown in before the features reply. */
static void sw_handshake(int fd)
{
    static const uint8_t port_status[16] = {4, 12, 0, 16, 0, 0, 0, 0, 1};
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    bool offers = false;

    SW_CHECK(m);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_HELLO);
    SW_CHECK(ofp_decode_hello(m->buf, m->h.length, &offers, NULL) == 0 && offers);
    SW_CHECK(ofp_encode_hello(&b, 100) == 0);
    sw_send(fd, &b);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_FEATURES_REQUEST && m->h.version == 4);
    uint32_t xid = m->h.xid;

    SW_CHECK(sbuf_add(&b, port_status, sizeof port_status) == 0);
    SW_CHECK(ofp_encode_simple(&b, OFPT_ECHO_REQUEST, 77, "ping", 4) == 0);
    sw_send(fd, &b);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_ECHO_REPLY && m->h.xid == 77 && m->h.length == 12);
    SW_CHECK(!memcmp(m->buf + 8, "ping", 4));
    sw_features_reply(&b, xid);
    sw_send(fd, &b);
    sbuf_free(&b);
    free(m);
}

struct fake {
    char dir[64];
    char path[128];
    pid_t pid;
};

typedef void (*sw_script)(int fd);

/* Starts the fake switch listening on "listen_name" and running script on
 * the first connection. */
static void fake_start_on(struct fake *fk, const char *listen_name, int lfd, sw_script script)
{
    (void)listen_name;
    fk->pid = fork();
    assert_true(fk->pid >= 0);
    if (fk->pid == 0) {
        struct pollfd pfd = {.fd = lfd, .events = POLLIN};
        int fd;

        alarm(20);
        SW_CHECK(poll(&pfd, 1, 5000) == 1);
        fd = accept(lfd, NULL, NULL);
        SW_CHECK(fd >= 0);
        SW_CHECK(fcntl(fd, F_SETFL, 0) == 0);
        script(fd);
        close(fd);
        _exit(0);
    }
    close(lfd);
}

static void fake_start(struct fake *fk, sw_script script)
{
    char name[160];
    int lfd;

    strcpy(fk->dir, "/tmp/ofconn_test.XXXXXX");
    assert_non_null(mkdtemp(fk->dir));
    snprintf(fk->path, sizeof fk->path, "%s/br0.mgmt", fk->dir);
    snprintf(name, sizeof name, "punix:%s", fk->path);
    lfd = stream_listen(name);
    assert_true(lfd >= 0);
    setenv("OVS_RUNDIR", fk->dir, 1);
    fake_start_on(fk, name, lfd, script);
}

/* Waits for the fake switch and checks that all its checks passed. */
static void fake_finish(struct fake *fk)
{
    int status = 0;

    assert_int_equal(waitpid(fk->pid, &status, 0), fk->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    if (fk->dir[0]) {
        unlink(fk->path);
        rmdir(fk->dir);
    }
}

/* Test: handshake over the bridge's management socket. */
static void script_hello(int fd)
{
    sw_handshake(fd);
    sw_wait_close(fd);
}

static void test_open_bridge(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;

    (void)state;
    fake_start(&fk, script_hello);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_non_null(c);
    assert_int_equal(ofc_datapath_id(c), DPID);
    assert_string_equal(ofc_last_error(c), "");
    ofc_close(c);
    fake_finish(&fk);
}

static void test_open_tcp(void **state)
{
    struct fake fk = {.dir = ""};
    struct ofc *c = NULL;
    char target[64];
    int lfd = stream_listen("ptcp:0:127.0.0.1");

    (void)state;
    assert_true(lfd >= 0);
    snprintf(target, sizeof target, "tcp:127.0.0.1:%d", stream_local_port(lfd));
    fake_start_on(&fk, NULL, lfd, script_hello);
    assert_int_equal(ofc_open(target, 5000, &c), 0);
    assert_int_equal(ofc_datapath_id(c), DPID);
    ofc_close(c);
    fake_finish(&fk);
}

/* Test: a switch that speaks OpenFlow 1.0 only is refused with an error. */
static void script_v10(int fd)
{
    static const uint8_t hello10[8] = {1, 0, 0, 8, 0, 0, 0, 5};
    struct sw_msg *m = malloc(sizeof *m);
    uint16_t type = 9, code = 9;

    SW_CHECK(m);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_HELLO);
    SW_CHECK(write(fd, hello10, sizeof hello10) == sizeof hello10);
    /* The features request travels with the hello; the error follows it. */
    sw_read(fd, m);
    if (m->h.type == OFPT_FEATURES_REQUEST) {
        sw_read(fd, m);
    }
    SW_CHECK(m->h.type == OFPT_ERROR);
    SW_CHECK(ofp_decode_error(m->buf, m->h.length, &type, &code, NULL) == 0);
    SW_CHECK(type == 0 && code == 0); /* HELLO_FAILED/INCOMPATIBLE */
    sw_wait_close(fd);
    free(m);
}

static void test_open_refuses_v10(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;

    (void)state;
    fake_start(&fk, script_v10);
    assert_int_equal(ofc_open("br0", 5000, &c), -EPROTONOSUPPORT);
    assert_null(c);
    fake_finish(&fk);
}

static void test_bad_targets(void **state)
{
    static const char *const bad[] = {"", ".", "..", "a/b", "0123456789abcdef", "br 0", "ssl:x"};
    struct ofc *c = NULL;
    char dir[] = "/tmp/ofconn_test.XXXXXX";

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ofc_open(bad[i], 100, &c), -EINVAL);
        assert_null(c);
    }
    assert_non_null(mkdtemp(dir));
    setenv("OVS_RUNDIR", dir, 1);
    assert_int_equal(ofc_open("0123456789abcde", 100, &c), -ENOENT);
    assert_null(c);
    rmdir(dir);
}

/* Flows of a batch: three distinct rules. */
static void batch_flows(struct ofc_mod *mods)
{
    for (int i = 0; i < 3; i++) {
        uint8_t port[4] = {0, 0, 0, (uint8_t)(10 + i)};

        mods[i].command = i == 2 ? OFPFC_DELETE_STRICT : OFPFC_ADD;
        ofp_flow_init(&mods[i].flow);
        mods[i].flow.cookie = 1;
        mods[i].flow.priority = (uint16_t)(4000 + i);
        assert_int_equal(ofp_match_set(&mods[i].flow.match, OFPXMT_IN_PORT, port, NULL, 4), 0);
        mods[i].flow.actions[0].type = OFPAT_OUTPUT;
        mods[i].flow.actions[0].port = OFPP_NORMAL;
        mods[i].flow.n_actions = i == 2 ? 0 : 1;
    }
}

/* Test: batch with an error on flow 2 of 3 and an echo request mid-batch;
 * then a clean second batch on the same connection. */
static void script_batch(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    uint32_t xids[3], barrier = 0;
    bool echoed = false;

    SW_CHECK(m);
    sw_handshake(fd);
    for (int i = 0; i < 3; i++) {
        struct ofp_flow f;
        uint8_t cmd;
        const char *why = NULL;

        sw_read(fd, m);
        SW_CHECK(m->h.type == OFPT_FLOW_MOD);
        SW_CHECK(ofp_decode_flow_mod(m->buf, m->h.length, &cmd, &f, &why) == 0);
        SW_CHECK(f.priority == 4000 + i && cmd == (i == 2 ? OFPFC_DELETE_STRICT : OFPFC_ADD));
        xids[i] = m->h.xid;
        if (i == 0) {
            SW_CHECK(ofp_encode_simple(&b, OFPT_ECHO_REQUEST, 555, NULL, 0) == 0);
            sw_send(fd, &b);
        }
    }
    SW_CHECK(xids[1] == xids[0] + 1 && xids[2] == xids[1] + 1);
    /* The barrier, and (in some order) the echo reply. */
    for (int k = 0; k < 2; k++) {
        sw_read(fd, m);
        if (m->h.type == OFPT_ECHO_REPLY) {
            SW_CHECK(m->h.xid == 555);
            echoed = true;
        } else {
            SW_CHECK(m->h.type == OFPT_BARRIER_REQUEST);
            barrier = m->h.xid;
        }
    }
    SW_CHECK(echoed);
    SW_CHECK(ofp_encode_error(&b, xids[1], 4, 9, "x", 1) == 0);
    SW_CHECK(ofp_encode_error(&b, 9999, 5, 0, NULL, 0) == 0); /* Unrelated: ignored. */
    SW_CHECK(ofp_encode_simple(&b, OFPT_BARRIER_REPLY, barrier, NULL, 0) == 0);
    sw_send(fd, &b);

    /* Second batch: one flow, no error. */
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_FLOW_MOD && m->h.xid > barrier);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_BARRIER_REQUEST);
    SW_CHECK(ofp_encode_simple(&b, OFPT_BARRIER_REPLY, m->h.xid, NULL, 0) == 0);
    sw_send(fd, &b);
    sw_wait_close(fd);
    sbuf_free(&b);
    free(m);
}

static void test_batch_error_index(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_mod mods[3];

    (void)state;
    batch_flows(mods);
    fake_start(&fk, script_batch);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_flow_mods(c, mods, 3), -EPROTO);
    assert_non_null(strstr(ofc_last_error(c), "br0: flow 2 ("));
    assert_non_null(strstr(ofc_last_error(c), "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ"));
    assert_int_equal(ofc_flow_mods(c, mods, 1), 0);
    assert_int_equal(ofc_flow_mods(c, mods, 0), 0);
    ofc_close(c);
    fake_finish(&fk);
}

/* Test: the switch never answers the barrier. */
static void script_silent(int fd)
{
    sw_handshake(fd);
    sw_wait_close(fd);
}

static void test_timeout(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_mod mods[3];
    struct ofp_flow *flows = NULL;
    size_t n = 1;

    (void)state;
    batch_flows(mods);
    fake_start(&fk, script_silent);
    assert_int_equal(ofc_open("br0", 1000, &c), 0);
    assert_int_equal(ofc_flow_mods(c, mods, 3), -ETIMEDOUT);
    assert_non_null(strstr(ofc_last_error(c), "no answer"));
    /* The connection is dropped: nothing of a timed-out batch goes later. */
    assert_int_equal(ofc_flow_mods(c, mods, 3), -ECONNRESET);
    assert_int_equal(ofc_dump_flows(c, NULL, &flows, &n), -ECONNRESET);
    assert_null(flows);
    assert_int_equal(n, 0);
    ofc_close(c);
    fake_finish(&fk);
}

/* Test: the switch hangs up in the middle of a batch. */
static void script_hangup(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);

    SW_CHECK(m);
    sw_handshake(fd);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_FLOW_MOD);
    free(m);
}

static void test_hangup(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_mod mods[3];

    (void)state;
    batch_flows(mods);
    fake_start(&fk, script_hangup);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_flow_mods(c, mods, 3), -ECONNRESET);
    ofc_close(c);
    fake_finish(&fk);
}

/* A flow stats reply built from the flows' own flow_mod encodings. */
static void sw_stats_reply(struct sbuf *out, uint32_t xid, bool more, const struct ofp_flow *flows,
                           size_t n)
{
    struct sbuf fm = SBUF_INIT;
    uint8_t hdr[16] = {4, OFPT_MULTIPART_REPLY, 0, 0, 0, 0, 0, 0, 0, 1, 0, more ? 1 : 0};
    size_t start = out->len;

    for (int k = 0; k < 4; k++) {
        hdr[4 + k] = (uint8_t)(xid >> (24 - 8 * k));
    }
    SW_CHECK(sbuf_add(out, hdr, sizeof hdr) == 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t e[48] = {0};
        size_t body;

        sbuf_reset(&fm);
        SW_CHECK(ofp_encode_flow_mod(&fm, 0, OFPFC_ADD, &flows[i]) == 0);
        body = fm.len - 48;
        e[0] = (uint8_t)((48 + body) >> 8);
        e[1] = (uint8_t)(48 + body);
        e[12] = (uint8_t)(flows[i].priority >> 8);
        e[13] = (uint8_t)flows[i].priority;
        e[31] = (uint8_t)flows[i].cookie;
        e[39] = (uint8_t)(i + 1); /* packet_count */
        SW_CHECK(sbuf_add(out, e, sizeof e) == 0);
        SW_CHECK(sbuf_add(out, fm.data + 48, body) == 0);
    }
    out->data[start + 2] = (char)((out->len - start) >> 8);
    out->data[start + 3] = (char)(out->len - start);
    sbuf_free(&fm);
}

/* Test: a dump that spans two replies, with an echo request between them. */
static void script_dump(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    struct ofc_mod mods[3];
    struct ofp_flow fl[3];
    uint32_t xid;

    SW_CHECK(m);
    batch_flows(mods);
    sw_handshake(fd);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_MULTIPART_REQUEST && m->h.length == 56);
    SW_CHECK(m->buf[8] == 0 && m->buf[9] == 1); /* OFPMP_FLOW */
    SW_CHECK(m->buf[16] == OFPTT_ALL);
    xid = m->h.xid;
    for (int i = 0; i < 3; i++) {
        fl[i] = mods[i].flow;
    }
    sw_stats_reply(&b, xid, true, &fl[0], 1);
    SW_CHECK(ofp_encode_simple(&b, OFPT_ECHO_REQUEST, 42, NULL, 0) == 0);
    sw_stats_reply(&b, xid + 1000, false, &fl[2], 1); /* Not ours: ignored. */
    sw_stats_reply(&b, xid, false, &fl[1], 2);
    sw_send(fd, &b);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_ECHO_REPLY && m->h.xid == 42);
    sw_wait_close(fd);
    sbuf_free(&b);
    free(m);
}

static void test_dump_reply_more(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_mod mods[3];
    struct ofp_flow *flows = NULL;
    size_t n = 0;

    (void)state;
    batch_flows(mods);
    fake_start(&fk, script_dump);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_dump_flows(c, NULL, &flows, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(flows[i].priority, mods[i].flow.priority);
        assert_int_equal(flows[i].cookie, 1);
        assert_int_equal(flows[i].match.n, 1);
        assert_memory_equal(flows[i].match.f[0].value, mods[i].flow.match.f[0].value, 4);
        assert_int_equal(flows[i].n_actions, mods[i].flow.n_actions);
    }
    assert_int_equal(flows[0].packet_count, 1);
    assert_int_equal(flows[2].packet_count, 2);
    free(flows);
    ofc_close(c);
    fake_finish(&fk);
}

/* Test: a malformed stats reply fails the dump cleanly. */
static void script_bad_dump(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    struct ofc_mod mods[3];

    SW_CHECK(m);
    batch_flows(mods);
    sw_handshake(fd);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_MULTIPART_REQUEST);
    sw_stats_reply(&b, m->h.xid, true, &mods[0].flow, 1);
    sw_stats_reply(&b, m->h.xid, false, &mods[1].flow, 1);
    b.data[b.len - 16 + 1] = 25; /* Second reply's action becomes SET_FIELD. */
    sw_send(fd, &b);
    sw_wait_close(fd);
    sbuf_free(&b);
    free(m);
}

static void test_dump_malformed(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofp_flow *flows = NULL;
    size_t n = 0;

    (void)state;
    fake_start(&fk, script_bad_dump);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_dump_flows(c, NULL, &flows, &n), -EPROTO);
    assert_null(flows);
    assert_int_equal(n, 0);
    assert_non_null(strstr(ofc_last_error(c), "unsupported action type"));
    ofc_close(c);
    fake_finish(&fk);
}

/* The switch's ports for the port-description tests. */
static void sw_port(struct ofp_port *p, uint32_t no, const char *name)
{
    memset(p, 0, sizeof *p);
    p->port_no = no;
    snprintf(p->name, sizeof p->name, "%s", name);
    for (int i = 0; i < 6; i++) {
        p->hw_addr[i] = (uint8_t)(0x10 * (i + 1) + (no & 0xf));
    }
    p->config = no == OFPP_LOCAL ? OFPPC_PORT_DOWN : 0;
    p->state = OFPPS_LIVE;
    p->curr_speed = 10000000;
    p->max_speed = 0;
}

/* Reads the next message, which must be a port-description request, and returns its xid. */
static uint32_t sw_expect_port_desc(int fd, struct sw_msg *m)
{
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_MULTIPART_REQUEST && m->h.length == 16);
    SW_CHECK(m->buf[8] == 0 && m->buf[9] == 13); /* OFPMP_PORT_DESC */
    return m->h.xid;
}

/* Waits for the client to close, checking that it sent nothing more. */
static void sw_expect_nothing_more(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    uint8_t b[64];

    SW_CHECK(poll(&pfd, 1, 5000) == 1);
    SW_CHECK(read(fd, b, sizeof b) == 0);
}

/* Test: a port description in two parts, an echo and an unrelated reply in
 * between; name lookups then come from the cache (one request only). */
static void script_port_desc(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    struct ofp_port ports[3];
    uint32_t xid;

    SW_CHECK(m);
    sw_port(&ports[0], 1, "p1");
    sw_port(&ports[1], 5, "vif1.0");
    sw_port(&ports[2], OFPP_LOCAL, "br0");
    sw_handshake(fd);
    xid = sw_expect_port_desc(fd, m);
    SW_CHECK(ofp_encode_port_desc_reply(&b, xid, ports, 2, true) == 0);
    SW_CHECK(ofp_encode_simple(&b, OFPT_ECHO_REQUEST, 43, NULL, 0) == 0);
    SW_CHECK(ofp_encode_port_desc_reply(&b, xid + 7, ports, 1, false) == 0); /* Not ours. */
    SW_CHECK(ofp_encode_port_desc_reply(&b, xid, ports + 2, 1, false) == 0);
    sw_send(fd, &b);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_ECHO_REPLY && m->h.xid == 43);
    sw_expect_nothing_more(fd);
    sbuf_free(&b);
    free(m);
}

static void test_port_desc(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_port *ports = NULL;
    size_t n = 0;
    uint32_t port = 0;

    (void)state;
    fake_start(&fk, script_port_desc);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_port_desc(c, &ports, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ports[0].port_no, 1);
    assert_string_equal(ports[0].name, "p1");
    assert_int_equal(ports[1].port_no, 5);
    assert_string_equal(ports[1].name, "vif1.0");
    assert_int_equal(ports[1].hw_addr[0], 0x15);
    assert_int_equal(ports[1].hw_addr[5], 0x65);
    assert_int_equal(ports[1].state, OFPPS_LIVE);
    assert_int_equal(ports[1].curr_speed, 10000000);
    assert_int_equal(ports[2].port_no, OFPP_LOCAL);
    assert_string_equal(ports[2].name, "br0");
    assert_int_equal(ports[2].config, OFPPC_PORT_DOWN);
    free(ports);
    /* From the cache: the fake switch fails if a second request arrives. */
    assert_int_equal(ofc_port_by_name(c, "vif1.0", &port), 0);
    assert_int_equal(port, 5);
    assert_int_equal(ofc_port_by_name(c, "br0", &port), 0);
    assert_int_equal(port, OFPP_LOCAL);
    assert_int_equal(ofc_port_by_name(c, "P1", &port), -ENOENT);
    assert_int_equal(ofc_port_by_name(c, "vif1", &port), -ENOENT);
    assert_int_equal(ofc_port_by_name(c, "", &port), -ENOENT);
    assert_int_equal(ofc_port_desc(c, &ports, &n), 0);
    assert_int_equal(n, 3);
    free(ports);
    ofc_close(c);
    fake_finish(&fk);
}

/* Test: a PORT_STATUS seen during a later request makes the next lookup ask again. */
static void script_port_status(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    struct ofp_port ports[2];
    uint8_t port_status[80] = {4, OFPT_PORT_STATUS, 0, 80};
    uint32_t xid;

    SW_CHECK(m);
    sw_port(&ports[0], 1, "p1");
    sw_port(&ports[1], 2, "p2");
    sw_handshake(fd);
    xid = sw_expect_port_desc(fd, m);
    SW_CHECK(ofp_encode_port_desc_reply(&b, xid, ports, 1, false) == 0);
    sw_send(fd, &b);
    /* A one-flow batch; p2 is added meanwhile. */
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_FLOW_MOD);
    sw_read(fd, m);
    SW_CHECK(m->h.type == OFPT_BARRIER_REQUEST);
    SW_CHECK(sbuf_add(&b, port_status, sizeof port_status) == 0);
    SW_CHECK(ofp_encode_simple(&b, OFPT_BARRIER_REPLY, m->h.xid, NULL, 0) == 0);
    sw_send(fd, &b);
    xid = sw_expect_port_desc(fd, m);
    SW_CHECK(ofp_encode_port_desc_reply(&b, xid, ports, 2, false) == 0);
    sw_send(fd, &b);
    sw_expect_nothing_more(fd);
    sbuf_free(&b);
    free(m);
}

static void test_port_status_refreshes(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_mod mods[3];
    uint32_t port = 0;

    (void)state;
    batch_flows(mods);
    fake_start(&fk, script_port_status);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_port_by_name(c, "p2", &port), -ENOENT);
    assert_int_equal(ofc_port_by_name(c, "p1", &port), 0);
    assert_int_equal(port, 1);
    assert_int_equal(ofc_flow_mods(c, mods, 1), 0);
    assert_int_equal(ofc_port_by_name(c, "p2", &port), 0);
    assert_int_equal(port, 2);
    ofc_close(c);
    fake_finish(&fk);
}

/* Test: the switch refuses the request, then sends a malformed reply. */
static void script_port_desc_bad(int fd)
{
    struct sw_msg *m = malloc(sizeof *m);
    struct sbuf b = SBUF_INIT;
    struct ofp_port port;
    uint32_t xid;

    SW_CHECK(m);
    sw_port(&port, 1, "p1");
    sw_handshake(fd);
    xid = sw_expect_port_desc(fd, m);
    SW_CHECK(ofp_encode_error(&b, xid, 1, 2, NULL, 0) == 0); /* BAD_REQUEST/BAD_MULTIPART */
    sw_send(fd, &b);
    xid = sw_expect_port_desc(fd, m);
    SW_CHECK(ofp_encode_port_desc_reply(&b, xid, &port, 1, false) == 0);
    memset(b.data + 16 + 16, 'x', 16); /* The name loses its NUL. */
    sw_send(fd, &b);
    sw_wait_close(fd);
    sbuf_free(&b);
    free(m);
}

static void test_port_desc_errors(void **state)
{
    struct fake fk;
    struct ofc *c = NULL;
    struct ofc_port *ports = NULL;
    size_t n = 7;
    uint32_t port = 0;

    (void)state;
    fake_start(&fk, script_port_desc_bad);
    assert_int_equal(ofc_open("br0", 5000, &c), 0);
    assert_int_equal(ofc_port_desc(c, &ports, &n), -EPROTO);
    assert_null(ports);
    assert_int_equal(n, 0);
    assert_non_null(strstr(ofc_last_error(c), "port description"));
    assert_non_null(strstr(ofc_last_error(c), "OFPBRC_BAD_MULTIPART"));
    assert_int_equal(ofc_port_by_name(c, "p1", &port), -EPROTO);
    assert_non_null(strstr(ofc_last_error(c), "NUL-terminated"));
    /* The stream was dropped with the bad reply. */
    assert_int_equal(ofc_port_by_name(c, "p1", &port), -ECONNRESET);
    ofc_close(c);
    fake_finish(&fk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_open_bridge),
            cmocka_unit_test(test_open_tcp),
            cmocka_unit_test(test_open_refuses_v10),
            cmocka_unit_test(test_bad_targets),
            cmocka_unit_test(test_batch_error_index),
            cmocka_unit_test(test_timeout),
            cmocka_unit_test(test_hangup),
            cmocka_unit_test(test_dump_reply_more),
            cmocka_unit_test(test_dump_malformed),
            cmocka_unit_test(test_port_desc),
            cmocka_unit_test(test_port_status_refreshes),
            cmocka_unit_test(test_port_desc_errors),
    };

    signal(SIGPIPE, SIG_IGN);
    xlog_open("ofconn_test", false);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
