/* Unit tests for lib/jsonrpc: the message splitter (byte-at-a-time input,
 * escapes, braces inside strings, bad JSON, oversize), nonblocking send and
 * flush, the blocking call with echo and notifications, and the builders.
 * Connections are socketpair(2)s; the peer of jsonrpc_call() is a forked
 * child that reports through its exit status. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evloop.h"
#include "jsonrpc.h"

/* Two connected nonblocking stream sockets: rpc wraps fds[0], fds[1] is raw. */
static struct jsonrpc *pair(int *peer)
{
    int fds[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    *peer = fds[1];
    struct jsonrpc *rpc = jsonrpc_new(fds[0]);

    assert_non_null(rpc);
    return rpc;
}

static void write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);

        assert_true(n > 0);
        s += n;
        len -= (size_t)n;
    }
}

static const char two_msgs[] = "  {\"method\":\"x\\\"}{[\",\"params\":[1,{\"c\":\"\\\\\"},\"]\"],"
                               "\"id\":7}\n\t\r {\"result\":{\"a\":[[],{}]},\"error\":null,"
                               "\"id\":\"s\\u0041\"}  ";

static void check_two(json_t *m1, json_t *m2)
{
    assert_string_equal(json_string_value(json_object_get(m1, "method")), "x\"}{[");
    json_t *p = json_object_get(m1, "params");

    assert_int_equal(json_array_size(p), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 1), "c")), "\\");
    assert_string_equal(json_string_value(json_array_get(p, 2)), "]");
    assert_int_equal(json_integer_value(json_object_get(m1, "id")), 7);
    assert_string_equal(json_string_value(json_object_get(m2, "id")), "sA");
    assert_true(json_is_null(json_object_get(m2, "error")));
}

static void test_split_byte_at_a_time(void **state)
{
    int peer;
    struct jsonrpc *rpc = pair(&peer);
    json_t *got[2] = {NULL, NULL};
    int n = 0;

    (void)state;
    for (size_t i = 0; i < strlen(two_msgs); i++) {
        json_t *msg;
        int r;

        write_all(peer, two_msgs + i, 1);
        while ((r = jsonrpc_recv(rpc, &msg)) == 0) {
            assert_true(n < 2);
            got[n++] = msg;
        }
        assert_int_equal(r, -EAGAIN);
        /* The first message is complete exactly at its closing brace. */
        if (i <
            strlen("  {\"method\":\"x\\\"}{[\",\"params\":[1,{\"c\":\"\\\\\"},\"]\"],\"id\":7}") -
                    1) {
            assert_int_equal(n, 0);
        }
    }
    assert_int_equal(n, 2);
    check_two(got[0], got[1]);
    json_decref(got[0]);
    json_decref(got[1]);
    close(peer);
    json_t *msg;

    assert_int_equal(jsonrpc_recv(rpc, &msg), -EPIPE);
    assert_null(msg);
    jsonrpc_free(rpc);
}

static void test_split_buffer_all_at_once(void **state)
{
    struct jsonrpc *rpc = jsonrpc_new_buffer();
    json_t *m1, *m2, *m3;

    (void)state;
    assert_int_equal(jsonrpc_feed(rpc, two_msgs, strlen(two_msgs)), 0);
    assert_int_equal(jsonrpc_recv(rpc, &m1), 0);
    assert_int_equal(jsonrpc_recv(rpc, &m2), 0);
    assert_int_equal(jsonrpc_recv(rpc, &m3), -EAGAIN);
    check_two(m1, m2);
    json_decref(m1);
    json_decref(m2);
    assert_string_equal(jsonrpc_last_error(rpc), "");
    jsonrpc_free(rpc);
}

static void expect_bad(const char *input, const char *why_part)
{
    struct jsonrpc *rpc = jsonrpc_new_buffer();
    json_t *msg = NULL;
    int r;

    assert_int_equal(jsonrpc_feed(rpc, input, strlen(input)), 0);
    /* Messages before the bad one come out first. */
    while ((r = jsonrpc_recv(rpc, &msg)) == 0) {
        json_decref(msg);
    }
    assert_int_equal(r, -EBADMSG);
    assert_null(msg);
    assert_non_null(strstr(jsonrpc_last_error(rpc), why_part));
    /* The connection stays unusable. */
    assert_int_equal(jsonrpc_feed(rpc, "{}", 2), 0);
    assert_int_equal(jsonrpc_recv(rpc, &msg), -EBADMSG);
    jsonrpc_free(rpc);
}

static void test_bad_json(void **state)
{
    (void)state;
    expect_bad("{\"a\":1,}", "invalid JSON");
    expect_bad("{\"id\":1} {\"a\" 1}", "invalid JSON");
    expect_bad("{\"a\":[1}]", "invalid JSON");
    expect_bad("{\"a\":tru}", "invalid JSON");
    expect_bad("{\"a\":\"\x01\"}", "invalid JSON");
    expect_bad("[1,2]", "not an object");
    expect_bad("\"str\"", "not an object");
    expect_bad("42", "not an object");
    expect_bad("{} x", "not an object");
}

static void test_bad_json_over_socket(void **state)
{
    int peer;
    struct jsonrpc *rpc = pair(&peer);
    json_t *msg;

    (void)state;
    write_all(peer, "{\"a\":}", 6);
    assert_int_equal(jsonrpc_recv(rpc, &msg), -EBADMSG);
    close(peer);
    assert_int_equal(jsonrpc_recv(rpc, &msg), -EBADMSG);
    jsonrpc_free(rpc);
}

static void test_oversize(void **state)
{
    struct jsonrpc *rpc = jsonrpc_new_buffer();
    size_t chunk = 1 << 20;
    char *buf = malloc(chunk);
    json_t *msg;
    int r = -EAGAIN;

    (void)state;
    assert_non_null(buf);
    memset(buf, 'x', chunk);
    assert_int_equal(jsonrpc_feed(rpc, "{\"a\":\"", 6), 0);
    for (size_t total = 0; total <= JSONRPC_MAX_MSG + chunk && r == -EAGAIN; total += chunk) {
        assert_int_equal(jsonrpc_feed(rpc, buf, chunk), 0);
        r = jsonrpc_recv(rpc, &msg);
    }
    assert_int_equal(r, -EBADMSG);
    assert_non_null(strstr(jsonrpc_last_error(rpc), "longer than"));
    free(buf);
    jsonrpc_free(rpc);
}

/* A message just under the limit still goes through, in pieces. */
static void test_large_message_round_trip(void **state)
{
    int peer;
    struct jsonrpc *tx = pair(&peer);
    struct jsonrpc *rx = jsonrpc_new(peer);
    size_t len = 4 << 20;
    char *big = malloc(len + 1);
    json_t *msg = NULL;
    int r;

    (void)state;
    assert_non_null(big);
    memset(big, 'y', len);
    big[len] = '\0';
    json_t *req = jsonrpc_request("big", json_pack("[s]", big), json_integer(1));

    assert_int_equal(jsonrpc_send(tx, req), 0);
    /* 4 MiB cannot fit in a socket buffer: some must still be queued. */
    assert_true(jsonrpc_want_write(tx));
    while ((r = jsonrpc_recv(rx, &msg)) == -EAGAIN) {
        r = jsonrpc_flush(tx);
        assert_true(r == 0 || r == -EAGAIN);
    }
    assert_int_equal(r, 0);
    assert_false(jsonrpc_want_write(tx));
    assert_true(json_equal(msg, req));
    json_decref(msg);
    json_decref(req);
    free(big);
    jsonrpc_free(tx);
    jsonrpc_free(rx);
}

static void test_builders(void **state)
{
    json_t *id = json_string("x");
    char *s;

    (void)state;
    json_t *req = jsonrpc_request("transact", json_pack("[s]", "db"), json_integer(3));

    s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"id\":3,\"method\":\"transact\",\"params\":[\"db\"]}");
    free(s);
    json_decref(req);

    req = jsonrpc_request("list_dbs", NULL, NULL);
    s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"id\":null,\"method\":\"list_dbs\",\"params\":[]}");
    free(s);
    json_decref(req);

    json_t *n = jsonrpc_notification("update", json_pack("[i]", 1));

    s = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"id\":null,\"method\":\"update\",\"params\":[1]}");
    free(s);
    json_decref(n);

    json_t *rep = jsonrpc_reply(json_pack("{s:b}", "ok", 1), id);

    s = json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"error\":null,\"id\":\"x\",\"result\":{\"ok\":true}}");
    free(s);
    json_decref(rep);

    json_t *err = jsonrpc_error_reply(json_string("unknown method"), id);

    s = json_dumps(err, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"error\":\"unknown method\",\"id\":\"x\",\"result\":null}");
    free(s);
    json_decref(err);
    /* The id was borrowed, never stolen. */
    assert_int_equal(id->refcount, 1);
    json_decref(id);
    /* A NULL method fails cleanly and releases what was stolen. */
    assert_null(jsonrpc_request(NULL, json_array(), json_integer(1)));
}

static void test_compact_serialisation(void **state)
{
    int peer;
    struct jsonrpc *rpc = pair(&peer);
    char buf[256];
    json_t *msg = json_pack("{s:[i,i]}", "a", 1, 2);

    (void)state;
    assert_int_equal(jsonrpc_send(rpc, msg), 0);
    assert_false(jsonrpc_want_write(rpc));
    ssize_t n = read(peer, buf, sizeof buf - 1);

    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"a\":[1,2]}");
    json_decref(msg);
    close(peer);
    jsonrpc_free(rpc);
}

/* The child side of test_call_with_echo: reads the request, then sends an
 * echo request, a notification and a reply for another id before the real
 * reply, and checks the echo answer.  Exit status 0 means all went right. */
static int call_peer(int fd)
{
    struct jsonrpc *rpc = jsonrpc_new(fd);
    json_t *msg = NULL, *req = NULL;
    int r;

    while ((r = jsonrpc_recv(rpc, &req)) == -EAGAIN) {
        poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 5000);
    }
    if (r < 0 || strcmp(json_string_value(json_object_get(req, "method")), "get") != 0) {
        return 1;
    }
    json_t *echo = jsonrpc_request("echo", json_pack("[s,i]", "ping", 5), json_string("e1"));
    json_t *note = jsonrpc_notification("update", json_pack("[s]", "n"));
    json_t *other = jsonrpc_reply(json_string("wrong"), json_object_get(echo, "id"));

    if (jsonrpc_send(rpc, echo) || jsonrpc_send(rpc, note) || jsonrpc_send(rpc, other)) {
        return 2;
    }
    while ((r = jsonrpc_recv(rpc, &msg)) == -EAGAIN) {
        poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 5000);
    }
    if (r < 0) {
        return 3;
    }
    char *s = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);

    if (!s || strcmp(s, "{\"error\":null,\"id\":\"e1\",\"result\":[\"ping\",5]}") != 0) {
        return 4;
    }
    free(s);
    json_t *reply = jsonrpc_reply(json_string("answer"), json_object_get(req, "id"));

    if (jsonrpc_send(rpc, reply) || jsonrpc_flush(rpc)) {
        return 5;
    }
    /* Wait for the parent to close, so nothing is lost in flight. */
    while ((r = jsonrpc_recv(rpc, &msg)) == -EAGAIN) {
        poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 5000);
    }
    return r == -EPIPE ? 0 : 6;
}

static int n_notes;

static void note_cb(const json_t *msg, void *arg)
{
    assert_ptr_equal(arg, &n_notes);
    assert_string_equal(json_string_value(json_object_get(msg, "method")), "update");
    n_notes++;
}

static void test_call_with_echo(void **state)
{
    int peer, status;
    struct jsonrpc *rpc = pair(&peer);
    json_t *reply;

    (void)state;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        jsonrpc_free(rpc);
        _exit(call_peer(peer));
    }
    close(peer);
    jsonrpc_set_notify_cb(rpc, note_cb, &n_notes);
    json_t *req = jsonrpc_request("get", NULL, NULL);

    assert_int_equal(jsonrpc_call(rpc, req, &reply, 5000), 0);
    assert_string_equal(json_string_value(json_object_get(reply, "result")), "answer");
    /* The internal counter supplied the id, leaving the request untouched. */
    assert_true(json_is_integer(json_object_get(reply, "id")));
    assert_true(json_is_null(json_object_get(req, "id")));
    assert_int_equal(n_notes, 1);
    json_decref(reply);
    json_decref(req);
    jsonrpc_free(rpc);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_call_timeout_and_eof(void **state)
{
    int peer;
    struct jsonrpc *rpc = pair(&peer);
    json_t *reply;

    (void)state;
    json_t *req = jsonrpc_request("get", NULL, json_integer(99));
    long long t0 = evl_now_ms();

    assert_int_equal(jsonrpc_call(rpc, req, &reply, 150), -ETIMEDOUT);
    assert_null(reply);
    assert_true(evl_now_ms() - t0 >= 140);
    close(peer);
    assert_int_equal(jsonrpc_call(rpc, req, &reply, 1000), -EPIPE);
    assert_int_equal(
            jsonrpc_call(rpc, json_array_get(json_object_get(req, "params"), 0), &reply, 10),
            -EINVAL);
    json_decref(req);
    jsonrpc_free(rpc);
    jsonrpc_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_split_byte_at_a_time),
            cmocka_unit_test(test_split_buffer_all_at_once),
            cmocka_unit_test(test_bad_json),
            cmocka_unit_test(test_bad_json_over_socket),
            cmocka_unit_test(test_oversize),
            cmocka_unit_test(test_large_message_round_trip),
            cmocka_unit_test(test_builders),
            cmocka_unit_test(test_compact_serialisation),
            cmocka_unit_test(test_call_with_echo),
            cmocka_unit_test(test_call_timeout_and_eof),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
