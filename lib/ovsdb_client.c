/* A synchronous OVSDB client (RFC 7047) with a monitored local replica.
 *
 * Every call is a blocking jsonrpc_call() with the timeout given at open
 * time.  "update" notifications that arrive while a call waits for its reply
 * are applied through the jsonrpc notification callback, so the replica is
 * current whenever a call returns.  When the connection fails, the client
 * forgets it and ovsdbc_run() (or the next call) reconnects; ovsdbc_run()
 * spaces its attempts with exponential back-off.  After a reconnect the
 * monitor is issued again and the replica is rebuilt from the fresh initial
 * contents, because updates missed while disconnected cannot be replayed. */
#include "ovsdb_client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "jsonrpc.h"
#include "log.h"
#include "stream.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 8000

struct ovsdbc {
    char *remote;
    int timeout_ms;
    struct jsonrpc *rpc; /* NULL while disconnected. */

    /* The monitor to re-issue after a reconnect (NULL if none). */
    char *mon_db;
    json_t *mon_requests;
    json_t *mon_id;        /* Id of the current monitor on the current connection. */
    unsigned long mon_seq; /* Makes every monitor id unique, so a late update of a
                            * cancelled monitor is recognised and ignored. */
    json_t *replica;       /* table name -> {uuid -> row}. */
    /* The last schema read, kept per connection: tools call get_schema before every
     * command line, and a schema does not change while a server runs. */
    char *schema_db;
    json_t *schema;
    bool resync; /* A malformed update arrived: reconnect to rebuild. */

    int backoff_ms;
    long long next_attempt;
    char err[512];
};

static void set_error(struct ovsdbc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(struct ovsdbc *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

const char *ovsdbc_last_error(const struct ovsdbc *c)
{
    return c->err;
}

/* Checks a <table-updates> object before anything is applied, so that a
 * malformed notification never leaves the replica half-updated. */
static bool valid_table_updates(const json_t *updates)
{
    const char *table, *uuid;
    json_t *rows, *ru;

    if (!json_is_object(updates)) {
        return false;
    }
    json_object_foreach((json_t *)updates, table, rows)
    {
        if (!json_is_object(rows)) {
            return false;
        }
        json_object_foreach(rows, uuid, ru)
        {
            json_t *old = json_object_get(ru, "old");
            json_t *new = json_object_get(ru, "new");

            if (!json_is_object(ru) || (old && !json_is_object(old)) ||
                (new && !json_is_object(new))) {
                return false;
            }
        }
    }
    return true;
}

/* Applies a validated <table-updates>: "new" replaces the row (it holds every
 * monitored column), "old" alone deletes it.  Tables that were not monitored
 * are ignored.  Returns 0 or -ENOMEM. */
static int apply_table_updates(json_t *replica, const json_t *updates)
{
    const char *table, *uuid;
    json_t *rows, *ru;

    json_object_foreach((json_t *)updates, table, rows)
    {
        json_t *t = json_object_get(replica, table);

        if (!t) {
            continue;
        }
        json_object_foreach(rows, uuid, ru)
        {
            json_t *new = json_object_get(ru, "new");

            if (new) {
                if (json_object_set_new(t, uuid, json_deep_copy(new)) < 0) {
                    return -ENOMEM;
                }
            } else if (json_object_get(ru, "old")) {
                json_object_del(t, uuid);
            }
        }
    }
    return 0;
}

static void disconnect(struct ovsdbc *c, const char *why)
{
    if (!c->rpc) {
        return;
    }
    xlog_warn("%s: connection lost (%s); reconnecting", c->remote, why);
    jsonrpc_free(c->rpc);
    c->rpc = NULL;
    json_decref(c->mon_id);
    c->mon_id = NULL;
    /* The server may come back with another schema. */
    json_decref(c->schema);
    c->schema = NULL;
    c->next_attempt = evl_now_ms() + c->backoff_ms;
}

/* Handles a server-initiated message: echo and our monitor's updates. */
static void handle_notification(const json_t *msg, void *arg)
{
    struct ovsdbc *c = arg;
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *params = json_object_get(msg, "params");

    if (!method || strcmp(method, "update") != 0 || !c->mon_id || !c->replica) {
        return;
    }
    if (!json_is_array(params) || json_array_size(params) != 2 ||
        !json_equal(json_array_get(params, 0), c->mon_id)) {
        return;
    }
    json_t *updates = json_array_get(params, 1);

    if (!valid_table_updates(updates)) {
        /* The replica can no longer be trusted; a reconnect rebuilds it.
         * The connection cannot be dropped here, since jsonrpc_call() may be
         * running this callback, so the callers check the flag. */
        c->resync = true;
        return;
    }
    if (apply_table_updates(c->replica, updates) < 0) {
        xlog_err("%s: out of memory applying an update", c->remote);
    }
}

/* Drops the connection after a malformed update (see handle_notification). */
static void check_resync(struct ovsdbc *c)
{
    if (c->resync) {
        c->resync = false;
        set_error(c, "%s: malformed update notification", c->remote);
        disconnect(c, "malformed update notification");
    }
}

static int connect_rpc(struct ovsdbc *c)
{
    int fd = stream_connect(c->remote, c->timeout_ms);

    if (fd < 0) {
        set_error(c, "%s: connection failed (%s)", c->remote, strerror(-fd));
        return fd;
    }
    c->rpc = jsonrpc_new(fd);
    if (!c->rpc) {
        set_error(c, "out of memory");
        return -ENOMEM;
    }
    jsonrpc_set_notify_cb(c->rpc, handle_notification, c);
    return 0;
}

static int issue_monitor(struct ovsdbc *c);

/* Connects and re-issues the stored monitor, if any.  Returns 0 or -errno
 * (then disconnected again). */
static int reconnect_now(struct ovsdbc *c)
{
    int r = connect_rpc(c);

    if (r == 0 && c->mon_requests) {
        r = issue_monitor(c);
    }
    if (r < 0 && c->rpc) {
        jsonrpc_free(c->rpc);
        c->rpc = NULL;
        json_decref(c->mon_id);
        c->mon_id = NULL;
    }
    return r;
}

/* One request on the current connection (connecting first if needed).
 * Returns 0 with *result (new reference), -EPROTO with *error (new
 * reference, may be NULL) when the server answered with an error, or -errno
 * (the connection is then dropped, except on a timeout). */
static int call(struct ovsdbc *c, const char *method, json_t *params, json_t **result,
                json_t **error)
{
    json_t *req = params ? jsonrpc_request(method, params, NULL) : NULL;
    json_t *reply = NULL;
    int r;

    *result = NULL;
    if (error) {
        *error = NULL;
    }
    /* params NULL here means a failed json_pack(), never "no params", so
     * it must not become an empty array. */
    if (!req) {
        set_error(c, "%s: out of memory", method);
        return -ENOMEM;
    }
    if (!c->rpc) {
        r = reconnect_now(c);
        if (r < 0) {
            goto out;
        }
    }
    r = jsonrpc_call(c->rpc, req, &reply, c->timeout_ms);
    if (r == 0 && c->resync) {
        check_resync(c);
        r = -EBADMSG;
        goto out;
    }
    if (r < 0) {
        if (r == -ETIMEDOUT) {
            set_error(c, "%s: %s timed out", c->remote, method);
        } else {
            const char *why = c->rpc ? jsonrpc_last_error(c->rpc) : "";

            if (!*why) {
                why = strerror(-r);
            }
            set_error(c, "%s: %s failed (%s)", c->remote, method, why);
            disconnect(c, why);
        }
        goto out;
    }
    json_t *err = json_object_get(reply, "error");

    if (err && !json_is_null(err)) {
        char *text = json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY);

        set_error(c, "%s: %s", method, text ? text : "error");
        free(text);
        if (error) {
            *error = json_incref(err);
        }
        r = -EPROTO;
        goto out;
    }
    json_t *res = json_object_get(reply, "result");

    *result = json_incref(res ? res : json_null());
out:
    json_decref(reply);
    json_decref(req);
    return r;
}

int ovsdbc_open(const char *remote, int timeout_ms, struct ovsdbc **out)
{
    struct ovsdbc *c;
    int r;

    *out = NULL;
    if (!remote || stream_is_passive(remote)) {
        return -EINVAL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        return -ENOMEM;
    }
    c->remote = strdup(remote);
    c->timeout_ms = timeout_ms;
    c->backoff_ms = BACKOFF_MIN_MS;
    if (!c->remote) {
        r = -ENOMEM;
        goto out;
    }
    r = connect_rpc(c);
out:
    if (r < 0) {
        ovsdbc_close(c);
        return r;
    }
    *out = c;
    return 0;
}

void ovsdbc_close(struct ovsdbc *c)
{
    if (!c) {
        return;
    }
    jsonrpc_free(c->rpc);
    free(c->remote);
    free(c->mon_db);
    json_decref(c->mon_requests);
    json_decref(c->mon_id);
    json_decref(c->replica);
    json_decref(c->schema);
    free(c->schema_db);
    free(c);
}

int ovsdbc_get_schema(struct ovsdbc *c, const char *db, json_t **schema)
{
    *schema = NULL;
    if (!db) {
        set_error(c, "get_schema: no database name");
        return -EINVAL;
    }
    if (c->schema && c->rpc && !strcmp(c->schema_db, db)) {
        *schema = json_incref(c->schema);
        return 0;
    }
    int r = call(c, "get_schema", json_pack("[s]", db), schema, NULL);
    if (r == 0) {
        char *name = strdup(db);
        if (name) {
            json_decref(c->schema);
            free(c->schema_db);
            c->schema_db = name;
            c->schema = json_incref(*schema);
        }
    }
    return r;
}

/* Describes the first failed operation of a transact result for
 * last_error: "error: details". */
static bool first_op_error(struct ovsdbc *c, const json_t *results)
{
    size_t i;
    json_t *res;

    json_array_foreach(results, i, res)
    {
        const char *e = json_string_value(json_object_get(res, "error"));

        if (e) {
            const char *d = json_string_value(json_object_get(res, "details"));

            set_error(c, "transaction failed at operation %zu: %s%s%s", i, e, d ? ": " : "",
                      d ? d : "");
            return true;
        }
    }
    return false;
}

int ovsdbc_transact(struct ovsdbc *c, const char *db, const json_t *ops, json_t **results)
{
    json_t *params, *error = NULL;
    size_t i;
    json_t *op;
    int r;

    *results = NULL;
    if (!db) {
        set_error(c, "transact: no database name");
        return -EINVAL;
    }
    if (!json_is_array(ops)) {
        set_error(c, "transact: operations must be a JSON array");
        return -EINVAL;
    }
    params = json_pack("[s]", db);
    json_array_foreach(ops, i, op)
    {
        if (params && json_array_append(params, op) < 0) {
            json_decref(params);
            params = NULL;
        }
    }
    r = call(c, "transact", params, results, &error);
    if (r == -EPROTO) {
        /* A whole-request error (such as an unknown database) is handed back
         * as a one-element result array, so callers print every failure the
         * same way. */
        *results = json_pack("[O]", error ? error : json_null());
        json_decref(error);
        return -EPROTO;
    }
    if (r < 0) {
        return r;
    }
    if (!json_is_array(*results)) {
        set_error(c, "transact: the reply's result is not an array");
        json_decref(*results);
        *results = NULL;
        return -EBADMSG;
    }
    return first_op_error(c, *results) ? -EPROTO : 0;
}

/* Sends the stored monitor on the current connection and rebuilds the
 * replica from its initial contents (all or nothing). */
static int issue_monitor(struct ovsdbc *c)
{
    char idbuf[32];
    const char *table;
    json_t *req, *result = NULL, *error = NULL;
    json_t *replica = json_object();
    json_t *id;
    int r;

    snprintf(idbuf, sizeof idbuf, "xvs-mon-%lu", ++c->mon_seq);
    id = json_string(idbuf);
    if (!replica || !id) {
        r = -ENOMEM;
        goto out;
    }
    json_object_foreach(c->mon_requests, table, req)
    {
        if (json_object_set_new(replica, table, json_object()) < 0) {
            r = -ENOMEM;
            goto out;
        }
    }
    /* Set before the call: updates may not arrive before the reply in
     * theory, but matching the id early costs nothing. */
    json_decref(c->mon_id);
    c->mon_id = json_incref(id);
    r = call(c, "monitor", json_pack("[sOO]", c->mon_db, id, c->mon_requests), &result, &error);
    if (r < 0) {
        goto out;
    }
    if (!valid_table_updates(result)) {
        set_error(c, "monitor: malformed initial contents");
        r = -EBADMSG;
        goto out;
    }
    r = apply_table_updates(replica, result);
    if (r < 0) {
        goto out;
    }
    json_decref(c->replica);
    c->replica = replica;
    replica = NULL;
out:
    if (r < 0 && c->mon_id == id) {
        json_decref(c->mon_id);
        c->mon_id = NULL;
    }
    json_decref(id);
    json_decref(replica);
    json_decref(result);
    json_decref(error);
    return r;
}

int ovsdbc_monitor(struct ovsdbc *c, const char *db, const json_t *requests)
{
    char *mon_db;
    json_t *mon_requests;
    int r;

    if (!db || !json_is_object(requests)) {
        set_error(c, "monitor: requests must be a JSON object");
        return -EINVAL;
    }
    mon_db = strdup(db);
    mon_requests = json_deep_copy(requests);
    if (!mon_db || !mon_requests) {
        free(mon_db);
        json_decref(mon_requests);
        return -ENOMEM;
    }
    if (c->rpc && c->mon_id) {
        json_t *res = NULL;

        /* Best effort: the old monitor's updates are ignored by id anyway. */
        if (call(c, "monitor_cancel", json_pack("[O]", c->mon_id), &res, NULL) == 0) {
            json_decref(res);
        }
    }
    free(c->mon_db);
    json_decref(c->mon_requests);
    c->mon_db = mon_db;
    c->mon_requests = mon_requests;
    /* When disconnected, reconnecting issues the new monitor. */
    r = c->rpc ? issue_monitor(c) : reconnect_now(c);
    if (r < 0) {
        /* A failed monitor is not re-issued on reconnect, and the earlier
         * replica, whose monitor was cancelled, would only go stale. */
        free(c->mon_db);
        json_decref(c->mon_requests);
        json_decref(c->replica);
        c->mon_db = NULL;
        c->mon_requests = NULL;
        c->replica = NULL;
    }
    return r;
}

const json_t *ovsdbc_replica_table(const struct ovsdbc *c, const char *table)
{
    return c->replica ? json_object_get(c->replica, table) : NULL;
}

/* One reconnect attempt; on failure the next one is scheduled with a doubled
 * delay. */
static int try_reconnect(struct ovsdbc *c)
{
    int r = reconnect_now(c);

    if (r < 0) {
        c->next_attempt = evl_now_ms() + c->backoff_ms;
        xlog_debug("%s: reconnect failed (%s); next attempt in %d ms", c->remote, c->err,
                   c->backoff_ms);
        c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
        return r == -ENOMEM ? r : 0;
    }
    xlog_info("%s: reconnected", c->remote);
    c->backoff_ms = BACKOFF_MIN_MS;
    return 0;
}

/* Sleeps until "until" (monotonic ms) or the deadline, whichever is first. */
static void sleep_until(long long until)
{
    long long left = until - evl_now_ms();

    if (left > 0) {
        poll(NULL, 0, left > 60000 ? 60000 : (int)left);
    }
}

int ovsdbc_fd(const struct ovsdbc *c)
{
    return c->rpc ? jsonrpc_fd(c->rpc) : -1;
}

int ovsdbc_next_attempt_ms(const struct ovsdbc *c)
{
    long long left;

    if (c->rpc) {
        return -1;
    }
    left = c->next_attempt - evl_now_ms();
    return left > 0 ? (int)left : 0;
}

int ovsdbc_run(struct ovsdbc *c, int timeout_ms)
{
    long long deadline = timeout_ms >= 0 ? evl_now_ms() + timeout_ms : 0;
    int handled = 0;

    for (;;) {
        long long now = evl_now_ms();

        if (!c->rpc) {
            if (now >= c->next_attempt) {
                int r = try_reconnect(c);

                if (r < 0) {
                    return r;
                }
                if (c->rpc) {
                    /* The fresh replica counts as news for the caller. */
                    return 0;
                }
                continue;
            }
            if (timeout_ms >= 0 && now >= deadline) {
                return 0;
            }
            sleep_until(timeout_ms >= 0 && deadline < c->next_attempt ? deadline : c->next_attempt);
            continue;
        }

        json_t *msg;
        int r = jsonrpc_recv(c->rpc, &msg);

        if (r == 0) {
            if (!jsonrpc_handle_echo(c->rpc, msg)) {
                handle_notification(msg, c);
            }
            json_decref(msg);
            handled++;
            check_resync(c);
            continue;
        }
        if (r == -EAGAIN) {
            r = jsonrpc_flush(c->rpc);
        }
        if (r < 0 && r != -EAGAIN) {
            const char *why = jsonrpc_last_error(c->rpc);

            if (!*why) {
                why = strerror(-r);
            }
            set_error(c, "%s: %s", c->remote, why);
            disconnect(c, why);
            continue;
        }
        if (handled) {
            return 0;
        }
        struct pollfd pfd = {
                .fd = jsonrpc_fd(c->rpc),
                .events = (short)(POLLIN | (jsonrpc_want_write(c->rpc) ? POLLOUT : 0)),
        };
        int wait = -1;

        if (timeout_ms >= 0) {
            if (now >= deadline) {
                return 0;
            }
            wait = (int)(deadline - now);
        }
        if (poll(&pfd, 1, wait) == 0) {
            return 0;
        }
    }
}
