/* Unit tests of the xvs-xenstored server over socketpairs: replies, errors,
 * watches and their events, transactions by id, partial input, malformed
 * frames, domain requests and quotas. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsd_proto.h"
#include "xsd_server.h"
#include "log.h"

struct fixture {
    struct xsd_server *srv;
    int dom0;  /* Client end of a dom0 connection. */
    int guest; /* Client end of a domain 4 connection. */
};

struct reply {
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX + 1];
};

static int connect_client(struct xsd_server *srv, uint32_t domid)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(xsd_server_add_client(srv, sv[0], domid), 0);
    return sv[1];
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    xlog_open("xsd_server_test", false);
    xlog_set_level(XLOG_ERR);
    assert_non_null(f);
    assert_int_equal(xsd_server_new(10, 3, &f->srv), 0);
    f->dom0 = connect_client(f->srv, 0);
    f->guest = connect_client(f->srv, 4);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    close(f->dom0);
    close(f->guest);
    xsd_server_free(f->srv);
    free(f);
    return 0;
}

static void send_raw(int fd, const void *data, size_t len)
{
    assert_int_equal(write(fd, data, len), (ssize_t)len);
}

static void send_msg(int fd, uint32_t type, uint32_t tx, const void *payload, size_t len)
{
    struct xsd_sockmsg h = {type, 42, tx, (uint32_t)len};

    send_raw(fd, &h, sizeof(h));
    if (len) {
        send_raw(fd, payload, len);
    }
}

/* Runs the server until a whole message is readable on "fd", then reads it. */
static void recv_msg(struct xsd_server *srv, int fd, struct reply *r)
{
    size_t got = 0, want = XSD_HDR_LEN;
    ssize_t n;
    int i;

    for (i = 0; i < 1000 && got < want; i++) {
        assert_true(xsd_server_run_once(srv, -1, 10) >= 0);
        n = recv(fd, (char *)r + got, want - got, MSG_DONTWAIT);
        if (n > 0) {
            got += (size_t)n;
        }
        if (got == XSD_HDR_LEN && want == XSD_HDR_LEN) {
            assert_true(r->hdr.len <= XENSTORE_PAYLOAD_MAX);
            want += r->hdr.len;
        }
    }
    assert_int_equal(got, want);
    r->body[r->hdr.len] = '\0';
}

/* Sends a request and expects a reply of "type" with exactly "body". */
static void expect(struct fixture *f, int fd, uint32_t type, uint32_t tx, const char *req,
                   size_t req_len, uint32_t rtype, const char *body, size_t body_len)
{
    struct reply r;

    send_msg(fd, type, tx, req, req_len);
    recv_msg(f->srv, fd, &r);
    assert_int_equal(r.hdr.type, rtype);
    assert_int_equal(r.hdr.req_id, 42);
    assert_int_equal(r.hdr.len, body_len);
    assert_memory_equal(r.body, body, body_len);
}

#define OK(f, fd, type, req) expect(f, fd, type, 0, req, sizeof(req) - 1, type, "OK", 3)
#define ERR(f, fd, type, req, e)                                                                   \
    expect(f, fd, type, 0, req, sizeof(req) - 1, XS_ERROR, e, sizeof(e))

static void expect_event(struct fixture *f, int fd, const char *path, const char *token)
{
    struct reply r;

    recv_msg(f->srv, fd, &r);
    assert_int_equal(r.hdr.type, XS_WATCH_EVENT);
    assert_string_equal(r.body, path);
    assert_string_equal(r.body + strlen(path) + 1, token);
}

static void expect_silence(struct fixture *f, int fd)
{
    char c;

    assert_int_equal(xsd_server_run_once(f->srv, -1, 10), 0);
    assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);
}

static void test_basic_requests(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    size_t len;

    OK(f, f->dom0, XS_WRITE, "/a/b\0hello");
    expect(f, f->dom0, XS_READ, 0, "/a/b", 5, XS_READ, "hello", 5);
    expect(f, f->dom0, XS_DIRECTORY, 0, "/a", 3, XS_DIRECTORY, "b", 2);
    OK(f, f->dom0, XS_MKDIR, "/a/c\0");
    OK(f, f->dom0, XS_MKDIR, "/a/c\0");
    expect(f, f->dom0, XS_DIRECTORY, 0, "/a", 3, XS_DIRECTORY, "b\0c", 4);
    /* DIRECTORY_PART: the generation, the names from the offset, and an
     * empty string at the end of the list. */
    send_msg(f->dom0, XS_DIRECTORY_PART, 0,
             "/a\0"
             "2",
             5);
    recv_msg(f->srv, f->dom0, &r);
    assert_int_equal(r.hdr.type, XS_DIRECTORY_PART);
    len = strlen(r.body) + 1;
    assert_true(len > 1);
    assert_int_equal(r.hdr.len, len + 3);
    assert_memory_equal(r.body + len, "c\0", 3);
    OK(f, f->dom0, XS_RM, "/a\0");
    ERR(f, f->dom0, XS_RM, "/a/b/c\0", "ENOENT");
    ERR(f, f->dom0, XS_RM, "/\0", "EINVAL");
    expect(f, f->dom0, XS_GET_PERMS, 0, "/local", 7, XS_GET_PERMS, "n0", 3);
}

static void test_errors(void **state)
{
    struct fixture *f = *state;

    ERR(f, f->dom0, XS_READ, "/nope\0", "ENOENT");
    ERR(f, f->dom0, XS_READ, "/bad path\0", "EINVAL");
    ERR(f, f->dom0, XS_READ, "/a", "EINVAL");
    ERR(f, f->dom0, XS_WRITE, "/novalue", "EINVAL");
    ERR(f, f->dom0, XS_READ, "/x\0", "ENOENT");
    ERR(f, f->dom0, XS_TRANSACTION_END, "T\0", "ENOENT");
    ERR(f, f->guest, XS_WRITE, "/tool/x\0v", "EACCES");
    ERR(f, f->guest, XS_INTRODUCE,
        "5\0"
        "1\0"
        "2\0",
        "EACCES");
    ERR(f, f->dom0, XS_SET_PERMS, "/local\0q1\0", "EINVAL");
    ERR(f, f->dom0, XS_CONTROL, "print\0", "ENOSYS");
    ERR(f, f->dom0, XS_WATCH_EVENT, "/a\0b\0", "EINVAL");
    expect(f, f->dom0, XS_READ, 7, "/local", 7, XS_ERROR, "ENOENT", 7);
}

static void test_watch_events(void **state)
{
    struct fixture *f = *state;

    OK(f, f->dom0, XS_WATCH, "/w\0tok\0");
    expect_event(f, f->dom0, "/w", "tok");
    ERR(f, f->dom0, XS_WATCH, "/w\0tok\0", "EEXIST");
    OK(f, f->dom0, XS_WRITE, "/w/x\0v");
    expect_event(f, f->dom0, "/w/x", "tok");
    OK(f, f->dom0, XS_WRITE, "/wx\0v");
    expect_silence(f, f->dom0);
    /* Removing an ancestor tells watches below it, with their own path. */
    OK(f, f->dom0, XS_WATCH, "/w/x/deep\0t2\0");
    expect_event(f, f->dom0, "/w/x/deep", "t2");
    OK(f, f->dom0, XS_RM, "/w\0");
    expect_event(f, f->dom0, "/w", "tok");
    expect_event(f, f->dom0, "/w/x/deep", "t2");
    OK(f, f->dom0, XS_UNWATCH, "/w\0tok\0");
    ERR(f, f->dom0, XS_UNWATCH, "/w\0tok\0", "ENOENT");
    OK(f, f->dom0, XS_RESET_WATCHES, "\0");
    OK(f, f->dom0, XS_WRITE, "/w/x/deep\0v");
    expect_silence(f, f->dom0);
}

static void test_guest_watches(void **state)
{
    struct fixture *f = *state;
    struct reply r;

    /* The guest's home; relative watch paths come back relative. */
    OK(f, f->dom0, XS_MKDIR, "/local/domain/4\0");
    OK(f, f->dom0, XS_SET_PERMS, "/local/domain/4\0n4\0");
    OK(f, f->guest, XS_WATCH, "device\0d\0");
    expect_event(f, f->guest, "device", "d");
    OK(f, f->dom0, XS_WRITE, "/local/domain/4/device/vif\0x");
    expect_event(f, f->guest, "device/vif", "d");
    /* Events for nodes the guest cannot read are not sent. */
    OK(f, f->guest, XS_WATCH, "/secret\0s\0");
    expect_event(f, f->guest, "/secret", "s");
    OK(f, f->dom0, XS_WRITE, "/secret/k\0x");
    expect_silence(f, f->guest);
    /* The quota is three watches. */
    OK(f, f->guest, XS_WATCH, "/x\0s\0");
    expect_event(f, f->guest, "/x", "s");
    ERR(f, f->guest, XS_WATCH, "/y\0s\0", "E2BIG");
    OK(f, f->dom0, XS_WATCH, "@introduceDomain\0i\0");
    expect_event(f, f->dom0, "@introduceDomain", "i");
    OK(f, f->dom0, XS_INTRODUCE,
       "4\0"
       "100\0"
       "7\0");
    expect_event(f, f->dom0, "@introduceDomain", "i");
    expect(f, f->dom0, XS_IS_DOMAIN_INTRODUCED, 0, "4", 2, XS_IS_DOMAIN_INTRODUCED, "T", 2);
    expect(f, f->dom0, XS_IS_DOMAIN_INTRODUCED, 0, "6", 2, XS_IS_DOMAIN_INTRODUCED, "F", 2);
    expect(f, f->guest, XS_GET_DOMAIN_PATH, 0, "4", 2, XS_GET_DOMAIN_PATH, "/local/domain/4", 16);
    OK(f, f->dom0, XS_RELEASE, "4\0");
    send_msg(f->guest, XS_WRITE, 0, "data\0v", 6);
    recv_msg(f->srv, f->guest, &r);
    assert_int_equal(r.hdr.type, XS_WRITE);
    expect(f, f->dom0, XS_READ, 0, "/local/domain/4/data", 21, XS_READ, "v", 1);
}

static void test_transactions(void **state)
{
    struct fixture *f = *state;
    int other = connect_client(f->srv, 0);
    struct reply r;
    uint32_t tx;
    int i;

    OK(f, f->dom0, XS_WRITE, "/t\0v0");
    OK(f, other, XS_WATCH, "/t\0w\0");
    expect_event(f, other, "/t", "w");
    for (i = 0; i < 2; i++) {
        send_msg(f->dom0, XS_TRANSACTION_START, 0, "", 1);
        recv_msg(f->srv, f->dom0, &r);
        assert_int_equal(r.hdr.type, XS_TRANSACTION_START);
        assert_int_equal(xsd_parse_u32(r.body, &tx), 0);
        assert_int_not_equal(tx, 0);
        expect(f, f->dom0, XS_READ, tx, "/t", 3, XS_READ, i ? "v2" : "v0", 2);
        expect(f, f->dom0, XS_WRITE, tx, "/t\0v1", 5, XS_WRITE, "OK", 3);
        expect(f, f->dom0, XS_READ, 0, "/t", 3, XS_READ, i ? "v2" : "v0", 2);
        /* Another transaction id of this connection, or another connection,
         * cannot use it. */
        expect(f, other, XS_READ, tx, "/t", 3, XS_ERROR, "ENOENT", 7);
        if (i == 0) {
            OK(f, other, XS_WRITE, "/t\0v2");
            expect_event(f, other, "/t", "w");
            expect(f, f->dom0, XS_TRANSACTION_END, tx, "T", 2, XS_ERROR, "EAGAIN", 7);
            expect(f, f->dom0, XS_READ, 0, "/t", 3, XS_READ, "v2", 2);
        } else {
            expect(f, f->dom0, XS_TRANSACTION_END, tx, "T", 2, XS_TRANSACTION_END, "OK", 3);
            expect_event(f, other, "/t", "w");
            expect(f, f->dom0, XS_READ, 0, "/t", 3, XS_READ, "v1", 2);
        }
        /* The transaction is gone once ended. */
        expect(f, f->dom0, XS_READ, tx, "/t", 3, XS_ERROR, "ENOENT", 7);
    }
    /* At most XSD_MAX_TXNS_PER_CONN open at once. */
    for (i = 0; i < XSD_MAX_TXNS_PER_CONN; i++) {
        send_msg(f->dom0, XS_TRANSACTION_START, 0, "", 1);
        recv_msg(f->srv, f->dom0, &r);
        assert_int_equal(r.hdr.type, XS_TRANSACTION_START);
    }
    ERR(f, f->dom0, XS_TRANSACTION_START, "\0", "ENOSPC");
    close(other);
}

static void test_partial_and_malformed(void **state)
{
    struct fixture *f = *state;
    const char req[] = "/p\0value";
    struct xsd_sockmsg h = {XS_WRITE, 42, 0, sizeof(req) - 1};
    unsigned char buf[64];
    struct reply r;
    size_t i, n = sizeof(h) + sizeof(req) - 1;
    char c;

    /* A request trickling in byte by byte is answered once complete. */
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), req, sizeof(req) - 1);
    for (i = 0; i < n; i++) {
        send_raw(f->dom0, buf + i, 1);
        if (i + 1 < n) {
            expect_silence(f, f->dom0);
        }
    }
    recv_msg(f->srv, f->dom0, &r);
    assert_int_equal(r.hdr.type, XS_WRITE);
    assert_int_equal(xsd_server_nclients(f->srv), 2);

    /* An oversized frame closes that connection only. */
    h.len = XENSTORE_PAYLOAD_MAX + 1;
    send_raw(f->dom0, &h, sizeof(h));
    for (i = 0; i < 100 && xsd_server_nclients(f->srv) == 2; i++) {
        assert_true(xsd_server_run_once(f->srv, -1, 10) >= 0);
    }
    assert_int_equal(xsd_server_nclients(f->srv), 1);
    assert_int_equal(recv(f->dom0, &c, 1, 0), 0);
    h.type = XS_TYPE_COUNT;
    h.len = 0;
    send_raw(f->guest, &h, sizeof(h));
    for (i = 0; i < 100 && xsd_server_nclients(f->srv) == 1; i++) {
        assert_true(xsd_server_run_once(f->srv, -1, 10) >= 0);
    }
    assert_int_equal(xsd_server_nclients(f->srv), 0);
}

/* Many large replies to a client that reads late: the server pauses reading
 * while its queue is long, writes what the socket takes, and every reply
 * arrives whole and in order. */
static void test_backpressure(void **state)
{
    struct fixture *f = *state;
    static char value[4000], w[5 + sizeof(value)];
    static unsigned char in[1 << 16], reqs[200 * (sizeof(struct xsd_sockmsg) + 5)];
    struct xsd_sockmsg h;
    size_t have = 0, done = 0, i;
    ssize_t n;
    int rounds;

    memset(value, 'v', sizeof(value));
    memcpy(w, "/big", 5);
    memcpy(w + 5, value, sizeof(value));
    expect(f, f->dom0, XS_WRITE, 0, w, sizeof(w), XS_WRITE, "OK", 3);
    /* One write: many small writes would fill the socket's accounting. */
    for (i = 0; i < 200; i++) {
        h = (struct xsd_sockmsg){XS_READ, (uint32_t)i, 0, 5};
        memcpy(reqs + i * (sizeof(h) + 5), &h, sizeof(h));
        memcpy(reqs + i * (sizeof(h) + 5) + sizeof(h), "/big", 5);
    }
    send_raw(f->dom0, reqs, sizeof(reqs));
    for (rounds = 0; rounds < 5000 && done < 200; rounds++) {
        assert_true(xsd_server_run_once(f->srv, -1, 1) >= 0);
        n = recv(f->dom0, in + have, sizeof(in) - have, MSG_DONTWAIT);
        if (n <= 0) {
            continue;
        }
        have += (size_t)n;
        while (have >= sizeof(h)) {
            memcpy(&h, in, sizeof(h));
            if (have < sizeof(h) + h.len) {
                break;
            }
            assert_int_equal(h.type, XS_READ);
            assert_int_equal(h.req_id, done);
            assert_int_equal(h.len, sizeof(value));
            assert_memory_equal(in + sizeof(h), value, sizeof(value));
            memmove(in, in + sizeof(h) + h.len, have - sizeof(h) - h.len);
            have -= sizeof(h) + h.len;
            done++;
        }
    }
    assert_int_equal(done, 200);
    assert_int_equal(xsd_server_nclients(f->srv), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_basic_requests, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_watch_events, setup, teardown),
            cmocka_unit_test_setup_teardown(test_guest_watches, setup, teardown),
            cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
            cmocka_unit_test_setup_teardown(test_partial_and_malformed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
