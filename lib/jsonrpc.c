/* JSON-RPC 1.0 over a byte stream, as OVSDB uses it (RFC 7047 §4).
 *
 * Messages are JSON objects sent back to back with no delimiter, so the
 * receiver must find where each one ends before parsing it.  The splitter
 * below tracks only string/escape state and bracket depth, which is enough to
 * find the closing brace of the top-level object; jtext_parse() then parses exactly
 * that slice, so it sees a complete document and reports real syntax errors.
 * The scan position survives between reads, so a message arriving one byte
 * at a time costs linear, not quadratic, work. */
#include "jsonrpc.h"

#include "jtext.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"

#define READ_CHUNK 65536

struct jsonrpc {
    int fd; /* -1 for a buffer-only connection (tests, fuzzing). */

    /* Input: bytes [in_start, in_len) of "in" are unconsumed. */
    char *in;
    size_t in_len, in_cap, in_start;
    size_t scan;      /* Next byte to examine (absolute offset in "in"). */
    size_t depth;     /* Bracket depth inside the current value; 0 between values. */
    bool in_string;   /* Inside a JSON string of the current value. */
    bool escape;      /* The previous string byte was a backslash. */
    size_t msg_start; /* Offset of the current value's '{' when depth > 0. */

    /* Output: bytes [out_pos, out.len) of "out" are still to be written. */
    struct sbuf out;
    size_t out_pos;

    int broken;    /* 0, or the -errno every later call returns. */
    char err[160]; /* Why it broke. */

    unsigned long next_id;
    void (*notify_cb)(const json_t *msg, void *arg);
    void *notify_arg;
};

static void set_broken(struct jsonrpc *rpc, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_broken(struct jsonrpc *rpc, int error, const char *fmt, ...)
{
    va_list ap;

    if (rpc->broken) {
        return;
    }
    rpc->broken = error;
    va_start(ap, fmt);
    vsnprintf(rpc->err, sizeof rpc->err, fmt, ap);
    va_end(ap);
}

static struct jsonrpc *alloc_rpc(int fd)
{
    struct jsonrpc *rpc = calloc(1, sizeof *rpc);

    if (!rpc) {
        return NULL;
    }
    rpc->fd = fd;
    rpc->next_id = 1;
    return rpc;
}

struct jsonrpc *jsonrpc_new(int fd)
{
    struct jsonrpc *rpc = fd >= 0 ? alloc_rpc(fd) : NULL;
    int fl;

    if (!rpc) {
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    /* recv and flush must never block; jsonrpc_call() waits with poll(2). */
    fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) {
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
    return rpc;
}

struct jsonrpc *jsonrpc_new_buffer(void)
{
    return alloc_rpc(-1);
}

void jsonrpc_free(struct jsonrpc *rpc)
{
    if (!rpc) {
        return;
    }
    if (rpc->fd >= 0) {
        close(rpc->fd);
    }
    free(rpc->in);
    sbuf_free(&rpc->out);
    free(rpc);
}

int jsonrpc_fd(const struct jsonrpc *rpc)
{
    return rpc->fd;
}

const char *jsonrpc_last_error(const struct jsonrpc *rpc)
{
    return rpc->err;
}

/* Makes room for "extra" more input bytes, first sliding the unconsumed
 * bytes to the front so that a long-lived connection does not grow. */
static int reserve_in(struct jsonrpc *rpc, size_t extra)
{
    if (rpc->in_start > 0) {
        size_t keep = rpc->in_len - rpc->in_start;

        memmove(rpc->in, rpc->in + rpc->in_start, keep);
        rpc->scan -= rpc->in_start;
        if (rpc->depth > 0) {
            rpc->msg_start -= rpc->in_start;
        }
        rpc->in_len = keep;
        rpc->in_start = 0;
    }
    if (rpc->in_cap - rpc->in_len >= extra) {
        return 0;
    }
    size_t cap = rpc->in_cap ? rpc->in_cap : READ_CHUNK;

    while (cap - rpc->in_len < extra) {
        cap *= 2;
    }
    char *p = realloc(rpc->in, cap);

    if (!p) {
        return -ENOMEM;
    }
    rpc->in = p;
    rpc->in_cap = cap;
    return 0;
}

int jsonrpc_feed(struct jsonrpc *rpc, const void *data, size_t len)
{
    int r = reserve_in(rpc, len);

    if (r < 0) {
        return r;
    }
    memcpy(rpc->in + rpc->in_len, data, len);
    rpc->in_len += len;
    return 0;
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses the complete value in [msg_start, end) into *msg. */
static int parse_message(struct jsonrpc *rpc, size_t end, json_t **msg)
{
    char err[JTEXT_ERR_LEN];
    /* A transaction of thousands of operations is a message of hundreds of
     * kilobytes: jtext_parse() builds it about three times faster than
     * json_loadb(), with the same values and refusals. */
    json_t *v = jtext_parse(rpc->in + rpc->msg_start, end - rpc->msg_start, err);

    rpc->in_start = end;
    if (!v) {
        set_broken(rpc, -EBADMSG, "invalid JSON: %s", err);
        return -EBADMSG;
    }
    if (!json_is_object(v)) {
        /* The splitter only starts values at '{', so this cannot happen;
         * checked anyway so that the contract holds whatever the parser
         * does. */
        json_decref(v);
        set_broken(rpc, -EBADMSG, "JSON-RPC message is not an object");
        return -EBADMSG;
    }
    *msg = v;
    return 0;
}

/* Scans the buffered bytes for the end of the next top-level object.
 * Returns 0 with *msg, -EAGAIN if incomplete, or -EBADMSG. */
static int split_next(struct jsonrpc *rpc, json_t **msg)
{
    while (rpc->scan < rpc->in_len) {
        char c = rpc->in[rpc->scan];

        if (rpc->depth == 0) {
            if (is_json_space(c)) {
                rpc->scan++;
                rpc->in_start = rpc->scan;
                continue;
            }
            if (c != '{') {
                set_broken(rpc, -EBADMSG, "JSON-RPC message is not an object (starts with '%c')",
                           c >= 0x20 && c < 0x7f ? c : '?');
                return -EBADMSG;
            }
            rpc->msg_start = rpc->scan;
            rpc->depth = 1;
            rpc->in_string = false;
            rpc->escape = false;
            rpc->scan++;
            continue;
        }
        rpc->scan++;
        if (rpc->in_string) {
            if (rpc->escape) {
                rpc->escape = false;
            } else if (c == '\\') {
                rpc->escape = true;
            } else if (c == '"') {
                rpc->in_string = false;
            }
        } else if (c == '"') {
            rpc->in_string = true;
        } else if (c == '{' || c == '[') {
            rpc->depth++;
        } else if (c == '}' || c == ']') {
            if (--rpc->depth == 0) {
                return parse_message(rpc, rpc->scan, msg);
            }
        }
    }
    if (rpc->depth > 0 && rpc->in_len - rpc->msg_start > JSONRPC_MAX_MSG) {
        set_broken(rpc, -EBADMSG, "JSON-RPC message longer than %u bytes", JSONRPC_MAX_MSG);
        return -EBADMSG;
    }
    return -EAGAIN;
}

/* One read(2) into the input buffer.  Returns bytes read, -EAGAIN, -EPIPE on
 * EOF or -errno. */
static int read_some(struct jsonrpc *rpc)
{
    int r = reserve_in(rpc, READ_CHUNK);

    if (r < 0) {
        return r;
    }
    for (;;) {
        ssize_t n = read(rpc->fd, rpc->in + rpc->in_len, READ_CHUNK);

        if (n > 0) {
            rpc->in_len += (size_t)n;
            return (int)n;
        }
        if (n == 0) {
            set_broken(rpc, -EPIPE, "connection closed by peer");
            return -EPIPE;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return -EAGAIN;
        }
        r = -errno;
        set_broken(rpc, r, "read failed: %s", strerror(errno));
        return r;
    }
}

int jsonrpc_recv(struct jsonrpc *rpc, json_t **msg)
{
    *msg = NULL;
    for (;;) {
        if (rpc->broken) {
            return rpc->broken;
        }
        int r = split_next(rpc, msg);

        if (r != -EAGAIN || rpc->fd < 0) {
            return r;
        }
        r = read_some(rpc);
        if (r < 0) {
            return r;
        }
    }
}

int jsonrpc_flush(struct jsonrpc *rpc)
{
    if (rpc->broken && rpc->broken != -EBADMSG) {
        return rpc->broken;
    }
    if (rpc->fd < 0) {
        /* Buffer-only connections have nowhere to write: output is dropped. */
        sbuf_reset(&rpc->out);
        rpc->out_pos = 0;
        return 0;
    }
    while (rpc->out_pos < rpc->out.len) {
        const char *p = rpc->out.data + rpc->out_pos;
        size_t n = rpc->out.len - rpc->out_pos;
        /* MSG_NOSIGNAL: a peer that went away must give EPIPE, not kill us. */
        ssize_t w = send(rpc->fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == ENOTSOCK) {
            w = write(rpc->fd, p, n);
        }
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return -EAGAIN;
            }
            int r = -errno;

            set_broken(rpc, r, "write failed: %s", strerror(errno));
            return r;
        }
        rpc->out_pos += (size_t)w;
    }
    sbuf_reset(&rpc->out);
    rpc->out_pos = 0;
    return 0;
}

int jsonrpc_send(struct jsonrpc *rpc, const json_t *msg)
{
    size_t before;
    int r;

    if (rpc->broken && rpc->broken != -EBADMSG) {
        return rpc->broken;
    }
    if (rpc->out_pos > 0 && rpc->out_pos == rpc->out.len) {
        sbuf_reset(&rpc->out);
        rpc->out_pos = 0;
    }
    /* Written straight behind what is still queued; a message that cannot
     * be written whole is taken back, and the buffer stays usable. */
    before = rpc->out.len;
    r = jtext_dump(msg, &rpc->out);
    if (r) {
        rpc->out.len = before;
        if (rpc->out.data) {
            rpc->out.data[before] = '\0';
        }
        rpc->out.failed = false;
        return r;
    }
    r = jsonrpc_flush(rpc);
    return r == -EAGAIN ? 0 : r;
}

bool jsonrpc_want_write(const struct jsonrpc *rpc)
{
    return rpc->out_pos < rpc->out.len;
}

void jsonrpc_set_notify_cb(struct jsonrpc *rpc, void (*cb)(const json_t *msg, void *arg), void *arg)
{
    rpc->notify_cb = cb;
    rpc->notify_arg = arg;
}

bool jsonrpc_handle_echo(struct jsonrpc *rpc, const json_t *msg)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *id = json_object_get(msg, "id");
    json_t *params = json_object_get(msg, "params");

    if (!method || strcmp(method, "echo") != 0 || !id || json_is_null(id)) {
        return false;
    }
    json_t *reply = jsonrpc_reply(params ? json_incref(params) : json_array(), id);

    if (reply) {
        /* A failed send breaks the connection, which the caller sees next. */
        jsonrpc_send(rpc, reply);
        json_decref(reply);
    }
    return true;
}

/* True for a reply (it has "result" or "error" and no "method"). */
static bool is_reply(const json_t *msg)
{
    return !json_object_get(msg, "method") &&
           (json_object_get(msg, "result") || json_object_get(msg, "error"));
}

int jsonrpc_call(struct jsonrpc *rpc, const json_t *request, json_t **reply, int timeout_ms)
{
    long long deadline = timeout_ms >= 0 ? evl_now_ms() + timeout_ms : 0;
    json_t *req = NULL;
    json_t *id;
    int r;

    *reply = NULL;
    if (!json_is_object(request)) {
        return -EINVAL;
    }
    id = json_object_get(request, "id");
    if (!id || json_is_null(id)) {
        req = json_copy((json_t *)request);
        id = json_integer((json_int_t)rpc->next_id++);
        if (!req || !id || json_object_set_new(req, "id", id) < 0) {
            json_decref(req);
            return -ENOMEM;
        }
        request = req;
    }
    r = jsonrpc_send(rpc, request);
    while (r == 0) {
        json_t *msg;

        r = jsonrpc_recv(rpc, &msg);
        if (r == 0) {
            if (is_reply(msg) && json_equal(json_object_get(msg, "id"), id)) {
                *reply = msg;
                break;
            }
            if (!is_reply(msg) && !jsonrpc_handle_echo(rpc, msg) && rpc->notify_cb) {
                rpc->notify_cb(msg, rpc->notify_arg);
            }
            /* Replies to other ids belong to no one here: dropped. */
            json_decref(msg);
            continue;
        }
        if (r != -EAGAIN) {
            break;
        }
        if (rpc->fd < 0) {
            r = -EPIPE;
            break;
        }
        struct pollfd pfd = {
                .fd = rpc->fd,
                .events = (short)(POLLIN | (jsonrpc_want_write(rpc) ? POLLOUT : 0)),
        };
        int wait = -1;

        if (timeout_ms >= 0) {
            long long left = deadline - evl_now_ms();

            if (left <= 0) {
                r = -ETIMEDOUT;
                break;
            }
            wait = (int)left;
        }
        int n = poll(&pfd, 1, wait);

        if (n < 0 && errno != EINTR) {
            r = -errno;
            break;
        }
        r = 0;
        if (n > 0 && (pfd.revents & POLLOUT)) {
            r = jsonrpc_flush(rpc);
            if (r == -EAGAIN) {
                r = 0;
            }
        }
    }
    json_decref(req);
    return r;
}

/* Builds {"k1": v1, "k2": v2, "k3": v3}, stealing the values, all released
 * on failure. */
static json_t *triple(const char *k1, json_t *v1, const char *k2, json_t *v2, const char *k3,
                      json_t *v3)
{
    json_t *o = json_object();

    if (!o || !v1 || !v2 || !v3) {
        json_decref(o);
        json_decref(v1);
        json_decref(v2);
        json_decref(v3);
        return NULL;
    }
    int r = json_object_set_new(o, k1, v1);

    r |= json_object_set_new(o, k2, v2);
    r |= json_object_set_new(o, k3, v3);
    if (r) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *jsonrpc_request(const char *method, json_t *params, json_t *id)
{
    return triple("method", json_string(method), "params", params ? params : json_array(), "id",
                  id ? id : json_null());
}

json_t *jsonrpc_notification(const char *method, json_t *params)
{
    return jsonrpc_request(method, params, json_null());
}

json_t *jsonrpc_reply(json_t *result, const json_t *id)
{
    return triple("result", result ? result : json_null(), "error", json_null(), "id",
                  id ? json_deep_copy(id) : json_null());
}

json_t *jsonrpc_error_reply(json_t *error, const json_t *id)
{
    return triple("result", json_null(), "error", error ? error : json_null(), "id",
                  id ? json_deep_copy(id) : json_null());
}
