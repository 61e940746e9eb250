/* The xvs-dbd OVSDB server; see dbd_server.h. */
#include "dbd_server.h"

#include "dbd_monitor.h"
#include "dbd_server_int.h"
#include "jsonrpc.h"
#include "log.h"
#include "ovsdb_exec.h"
#include "ovsdb_text.h"
#include "sbuf.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inactivity probe for TCP sessions, as ovsdb-server's default. */
#define PROBE_MS 5000

/* Journal bytes of one group of transactions above which the freed heap is
 * returned to the system afterwards. */
#define TRIM_AFTER (256 << 10)

static void session_cb(struct evl *loop, int fd, short revents, void *arg);

/* A request or an applied transaction whose freeing waits for the replies. */
struct spent {
    json_t *msg;
    struct ovsdb_txn *txn;
    struct spent *next;
};

/* Frees a handled request and an applied transaction (either may be NULL;
 * both are taken).  While a group waits for its sync, they are freed only
 * after its replies are sent (spent_flush()): freeing a request of
 * thousands of operations, or a bridge's old set of thousands of ports,
 * costs as much as a good part of the transaction, and a waiting client
 * need not wait for it. */
static void dbd_spend(struct dbd_server *srv, json_t *msg, struct ovsdb_txn *txn)
{
    struct spent *sp = NULL;

    if ((msg || txn) && srv->uncommitted && (sp = malloc(sizeof *sp))) {
        sp->msg = msg;
        sp->txn = txn;
        sp->next = srv->spent;
        srv->spent = sp;
        return;
    }
    json_decref(msg);
    ovsdb_txn_free(txn);
}

static void spent_flush(struct dbd_server *srv)
{
    struct spent *sp;

    while ((sp = srv->spent)) {
        srv->spent = sp->next;
        json_decref(sp->msg);
        ovsdb_txn_free(sp->txn);
        free(sp);
    }
}

/* Queues a message (stolen); a failed send kills the session.  While
 * transactions wait for their sync, every message waits behind them, so
 * that no client sees a change before it is durable nor replies out of
 * order. */
static void session_send(struct session *s, json_t *msg)
{
    struct dbd_server *srv = s->srv;

    if (s->rpc && !s->dead && msg && srv->uncommitted) {
        struct held *h = malloc(sizeof *h);
        if (!h) {
            /* Dropping one message would break the session's stream. */
            dbd_session_close(s);
        } else {
            h->s = s;
            h->msg = msg;
            h->next = NULL;
            *srv->held_tail = h;
            srv->held_tail = &h->next;
            return;
        }
    }
    if (s->rpc && !s->dead && msg) {
        if (jsonrpc_send(s->rpc, msg)) {
            dbd_session_close(s);
        } else if (jsonrpc_want_write(s->rpc)) {
            evl_set_events(s->srv->loop, s->fd, POLLIN | POLLOUT);
        }
    }
    json_decref(msg);
}

static struct lock_req *lock_owner(struct dbd_server *srv, const char *name)
{
    for (struct lock_req *l = srv->locks; l; l = l->next) {
        if (!strcmp(l->name, name)) {
            return l;
        }
    }
    return NULL;
}

/* Removes the session's request for "name" (all when name is NULL) and
 * tells the next waiter when ownership passes to it. */
static void lock_release(struct dbd_server *srv, struct session *s, const char *name)
{
    struct lock_req **p = &srv->locks;

    while (*p) {
        struct lock_req *l = *p;
        if (l->s == s && (!name || !strcmp(l->name, name))) {
            bool owned = lock_owner(srv, l->name) == l;
            *p = l->next;
            if (owned) {
                struct lock_req *n = lock_owner(srv, l->name);
                if (n) {
                    session_send(n->s, jsonrpc_notification("locked", json_pack("[s]", n->name)));
                }
            }
            free(l->name);
            free(l);
        } else {
            p = &l->next;
        }
    }
}

static bool session_has_lock(const char *name, void *arg)
{
    struct session *s = arg;
    struct lock_req *l = lock_owner(s->srv, name);
    return l && l->s == s;
}

/* Marks a session closed; reap() finishes the job where no pointer to it is in use. */
void dbd_session_close(struct session *s)
{
    if (s->dead) {
        return;
    }
    s->dead = true;
    if (s->rpc) {
        evl_del_fd(s->srv->loop, s->fd);
    }
}

/* Releases what a closed session held: its locks (telling the next waiters)
 * and its active remote (which reconnects after a pause). */
static void pending_drop(struct dbd_server *srv, struct session *s);

static void session_finish(struct session *s)
{
    s->finished = true;
    pending_drop(s->srv, s);
    lock_release(s->srv, s, NULL);
    if (s->remote) {
        s->remote->active = NULL;
        evl_add_timer(s->srv->loop, s->remote->backoff_ms, dbd_remote_connect, s->remote,
                      &s->remote->timer);
        s->remote = NULL;
    }
}

static void session_free(struct session *s)
{
    struct dbd_server *srv = s->srv;

    /* Messages held for it go with it. */
    for (struct held **p = &srv->held; *p;) {
        struct held *h = *p;
        if (h->s == s) {
            *p = h->next;
            json_decref(h->msg);
            free(h);
        } else {
            p = &h->next;
        }
    }
    srv->held_tail = &srv->held;
    while (*srv->held_tail) {
        srv->held_tail = &(*srv->held_tail)->next;
    }
    if (s->resume_timer) {
        evl_cancel_timer(srv->loop, s->resume_timer);
    }
    while (s->mons) {
        struct mon_entry *m = s->mons;
        s->mons = m->next;
        json_decref(m->id);
        dbd_monitor_free(m->mon);
        free(m);
    }
    jsonrpc_free(s->rpc);
    free(s);
}

/* Frees closed sessions; called where no session pointer is in use. */
static void reap(struct dbd_server *srv)
{
    struct session **p = &srv->sessions;
    bool again = true;

    /* Releasing locks notifies other sessions, which may die in turn. */
    while (again) {
        again = false;
        for (struct session *s = srv->sessions; s; s = s->next) {
            if (s->dead && !s->finished) {
                session_finish(s);
                again = true;
            }
        }
    }

    while (*p) {
        struct session *s = *p;
        if (s->dead) {
            *p = s->next;
            session_free(s);
        } else {
            p = &s->next;
        }
    }
}

struct session *dbd_session_new(struct dbd_server *srv, int fd, bool probe)
{
    struct session *s = calloc(1, sizeof *s);

    if (!s) {
        close(fd);
        return NULL;
    }
    s->rpc = jsonrpc_new(fd);
    if (!s->rpc) {
        free(s);
        return NULL;
    }
    s->srv = srv;
    s->fd = fd;
    s->probe = probe;
    s->last_rx = evl_now_ms();
    if (evl_add_fd(srv->loop, fd, POLLIN, session_cb, s)) {
        jsonrpc_free(s->rpc);
        free(s);
        return NULL;
    }
    s->next = srv->sessions;
    srv->sessions = s;
    return s;
}

static json_t *err_reply(const char *text, const json_t *id)
{
    return jsonrpc_error_reply(json_string(text), id);
}

static bool db_ok(struct dbd_server *srv, const json_t *name)
{
    return json_is_string(name) && !strcmp(json_string_value(name), ovsdb_db_schema(srv->db)->name);
}

/* Sends each session's monitor updates for a committed transaction. */
static void notify_monitors(struct dbd_server *srv, const struct ovsdb_txn *txn)
{
    for (struct session *s = srv->sessions; s; s = s->next) {
        for (struct mon_entry *m = s->mons; m && !s->dead; m = m->next) {
            json_t *u = dbd_monitor_changes(m->mon, txn);
            if (u) {
                session_send(s, jsonrpc_notification(dbd_monitor_method(m->mon),
                                                     json_pack("[Oo]", m->id, u)));
            }
        }
    }
}

static void retry_pending(struct dbd_server *srv);
static void reap(struct dbd_server *srv);

/* Ends a group: syncs the journal once for every transaction written since
 * the last sync, then sends what was held back (replies, monitor updates).
 * When the sync fails nothing is acknowledged: the sessions are closed and
 * the server stops, so that a restart reloads what is really on disk. */
static void group_commit(struct dbd_server *srv)
{
    struct held *h;

    if (srv->commit_timer) {
        evl_cancel_timer(srv->loop, srv->commit_timer);
        srv->commit_timer = 0;
    }
    if (!srv->uncommitted) {
        return;
    }
    srv->uncommitted = false;
    if (ovsdb_journal_sync(srv->journal)) {
        xlog_err("cannot make committed transactions durable: stopping without acknowledging "
                 "them");
        srv->failed = true;
        for (struct session *s = srv->sessions; s; s = s->next) {
            dbd_session_close(s);
        }
        evl_stop(srv->loop);
    }
    if (!srv->failed && ovsdb_journal_size(srv->journal) - srv->group_start > TRIM_AFTER) {
        /* A big group leaves the heap full of request and record JSON:
         * free it and give it back rather than keep it resident (before the
         * replies, so that a client never sees the server still bloated). */
        spent_flush(srv);
        malloc_trim(0);
    }
    while ((h = srv->held)) {
        srv->held = h->next;
        if (srv->failed) {
            json_decref(h->msg);
        } else {
            session_send(h->s, h->msg);
        }
        free(h);
    }
    srv->held_tail = &srv->held;
    spent_flush(srv);
    if (!srv->failed && ovsdb_journal_should_compact(srv->journal)) {
        /* A failure is logged; the journal simply keeps growing. */
        ovsdb_journal_compact(srv->journal, srv->db);
    }
    if (!srv->failed) {
        ovsdb_journal_reserve(srv->journal);
    }
}

static void commit_cb(struct evl *loop, void *arg)
{
    struct dbd_server *srv = arg;
    (void)loop;

    srv->commit_timer = 0;
    group_commit(srv);
    reap(srv);
}

/* Runs a transaction: execute, journal (written now, synced with its group
 * at the end of the round), apply, notify.  Returns ovsdb_exec()'s status
 * with the result array in *results. */
static int run_transact(struct dbd_server *srv, struct session *s, const json_t *params,
                        json_t **results)
{
    json_t *ops = json_array(), *comment = NULL;
    struct ovsdb_txn *txn = NULL;
    size_t i;
    int rc;

    for (i = 1; i < json_array_size(params); i++) {
        json_array_append(ops, json_array_get(params, i));
    }
    rc = ovsdb_exec(srv->db, ops, session_has_lock, s, results, &txn, &comment);
    if (!rc && txn) {
        /* The record goes straight to text: building it as JSON and dumping
         * that cost more than the rest of a transaction. */
        struct sbuf rec = SBUF_INIT;
        long long journal_before = ovsdb_journal_size(srv->journal);
        if (srv->failed || ovsdb_text_txn_record(&rec, txn, comment) ||
            ovsdb_journal_write_text(srv->journal, sbuf_str(&rec), rec.len)) {
            /* Not on disk: not committed.  The client sees the failure. */
            json_decref(*results);
            *results = json_pack("[o]", ovsdb_error("I/O error", "%s", "cannot write journal"));
            rc = -EIO;
        } else {
            ovsdb_txn_apply(txn);
            srv->n_txn++;
            if (!srv->uncommitted) {
                srv->group_start = journal_before;
            }
            srv->uncommitted = true;
            if (!srv->commit_timer) {
                /* Due in the next round, after the sessions that are ready
                 * by then have added their transactions to the group. */
                evl_add_timer(srv->loop, 0, commit_cb, srv, &srv->commit_timer);
            }
            notify_monitors(srv, txn);
            dbd_refresh_db_remotes(srv);
        }
        sbuf_free(&rec);
    }
    json_decref(comment);
    json_decref(ops);
    if (!rc && txn) {
        dbd_spend(srv, NULL, txn);
        retry_pending(srv);
    } else {
        ovsdb_txn_free(txn);
    }
    return rc;
}

/* The longest "timeout" of the wait operations in ms, or -1 for none (forever). */
static long wait_timeout(const json_t *params)
{
    long longest = 0;
    const json_t *op;
    size_t i;

    json_array_foreach(params, i, op)
    {
        const json_t *t = json_object_get(op, "timeout");
        const char *name = json_string_value(json_object_get(op, "op"));
        if (!name || strcmp(name, "wait")) {
            continue;
        }
        if (!json_is_number(t)) {
            return -1;
        }
        if (json_number_value(t) > (double)longest) {
            longest = json_number_value(t) > 86400000.0 ? 86400000 : (long)json_number_value(t);
        }
    }
    return longest;
}

static void pending_free(struct dbd_server *srv, struct pending *p)
{
    if (p->timer) {
        evl_cancel_timer(srv->loop, p->timer);
    }
    json_decref(p->params);
    json_decref(p->id);
    free(p);
}

static void pending_unlink(struct dbd_server *srv, struct pending *p)
{
    for (struct pending **pp = &srv->pending; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            return;
        }
    }
}

static void pending_drop(struct dbd_server *srv, struct session *s)
{
    struct pending **pp = &srv->pending;

    while (*pp) {
        struct pending *p = *pp;
        if (!s || p->s == s) {
            *pp = p->next;
            pending_free(srv, p);
        } else {
            pp = &p->next;
        }
    }
}

/* The timeout passed: one last try, then the "timed out" results go out. */
static void pending_expire(struct evl *loop, void *arg)
{
    struct pending *p = arg;
    struct dbd_server *srv = p->srv;
    json_t *results;
    (void)loop;

    p->timer = 0;
    pending_unlink(srv, p);
    if (!p->s->dead) {
        run_transact(srv, p->s, p->params, &results);
        session_send(p->s, jsonrpc_reply(results, p->id));
    }
    pending_free(srv, p);
    reap(srv);
}

/* After a commit, runs the blocked transactions again; those that no
 * longer block are answered. */
static void retry_pending(struct dbd_server *srv)
{
    if (srv->retrying) {
        srv->retry_again = true;
        return;
    }
    srv->retrying = true;
    do {
        struct pending **pp = &srv->pending;
        srv->retry_again = false;
        while (*pp) {
            struct pending *p = *pp;
            json_t *results = NULL;
            if (p->s->dead || run_transact(srv, p->s, p->params, &results) == -EAGAIN) {
                json_decref(results);
                pp = &p->next;
                continue;
            }
            *pp = p->next;
            session_send(p->s, jsonrpc_reply(results, p->id));
            pending_free(srv, p);
        }
    } while (srv->retry_again);
    srv->retrying = false;
}

/* Answers "transact"; returns NULL when the transaction waits. */
static json_t *do_transact(struct dbd_server *srv, struct session *s, const json_t *params,
                           const json_t *id)
{
    json_t *results;
    struct pending *p;
    long timeout;

    if (run_transact(srv, s, params, &results) != -EAGAIN || !s->rpc || !id || json_is_null(id) ||
        !(p = calloc(1, sizeof *p))) {
        return jsonrpc_reply(results, id);
    }
    json_decref(results);
    p->srv = srv;
    p->s = s;
    p->params = json_incref((json_t *)params);
    p->id = json_incref((json_t *)id);
    timeout = wait_timeout(params);
    if (timeout >= 0) {
        evl_add_timer(srv->loop, timeout, pending_expire, p, &p->timer);
    }
    p->next = srv->pending;
    srv->pending = p;
    return NULL;
}

static json_t *do_monitor(struct session *s, const json_t *params, const json_t *id, int version)
{
    struct dbd_server *srv = s->srv;
    struct dbd_monitor *mon;
    struct mon_entry *e;
    json_t *error = NULL;

    if (json_array_size(params) != 3 || !db_ok(srv, json_array_get(params, 0))) {
        return err_reply(json_array_size(params) == 3 ? "unknown database" : "invalid parameters",
                         id);
    }
    for (e = s->mons; e; e = e->next) {
        if (json_equal(e->id, json_array_get(params, 1))) {
            return err_reply("duplicate monitor ID", id);
        }
    }
    if (dbd_monitor_new(srv->db, json_array_get(params, 2), version, &mon, &error)) {
        return jsonrpc_error_reply(error, id);
    }
    e = calloc(1, sizeof *e);
    if (!e) {
        dbd_monitor_free(mon);
        return err_reply("out of memory", id);
    }
    e->id = json_incref(json_array_get(params, 1));
    e->mon = mon;
    e->next = s->mons;
    s->mons = e;
    return jsonrpc_reply(dbd_monitor_initial(mon, srv->db), id);
}

static json_t *do_monitor_cancel(struct session *s, const json_t *params, const json_t *id)
{
    for (struct mon_entry **p = &s->mons; *p; p = &(*p)->next) {
        struct mon_entry *e = *p;
        if (json_equal(e->id, json_array_get(params, 0))) {
            *p = e->next;
            json_decref(e->id);
            dbd_monitor_free(e->mon);
            free(e);
            return jsonrpc_reply(json_object(), id);
        }
    }
    return err_reply("unknown monitor", id);
}

static json_t *do_lock(struct session *s, const char *method, const json_t *params,
                       const json_t *id)
{
    struct dbd_server *srv = s->srv;
    const char *name = json_string_value(json_array_get(params, 0));
    struct lock_req *l, *owner;

    if (!name || json_array_size(params) != 1) {
        return err_reply("invalid parameters", id);
    }
    if (!strcmp(method, "unlock")) {
        lock_release(srv, s, name);
        return jsonrpc_reply(json_object(), id);
    }
    for (l = srv->locks; l; l = l->next) {
        if (l->s == s && !strcmp(l->name, name) && !strcmp(method, "lock")) {
            return err_reply("duplicate lock", id);
        }
    }
    if (!strcmp(method, "steal")) {
        owner = lock_owner(srv, name);
        lock_release(srv, s, name);
        if (owner && owner->s != s) {
            struct session *victim = owner->s;
            /* The previous owner loses the lock and is told so. */
            for (struct lock_req **p = &srv->locks; *p; p = &(*p)->next) {
                if (*p == owner) {
                    *p = owner->next;
                    break;
                }
            }
            free(owner->name);
            free(owner);
            session_send(victim, jsonrpc_notification("stolen", json_pack("[s]", name)));
        }
    }
    l = calloc(1, sizeof *l);
    if (!l || !(l->name = strdup(name))) {
        free(l);
        return err_reply("out of memory", id);
    }
    l->s = s;
    if (!strcmp(method, "steal")) {
        l->next = srv->locks;
        srv->locks = l;
    } else {
        struct lock_req **p = &srv->locks;
        while (*p) {
            p = &(*p)->next;
        }
        *p = l;
    }
    return jsonrpc_reply(json_pack("{s:b}", "locked", lock_owner(srv, name) == l), id);
}

/* Answers one request; returns the reply (new reference). */
static json_t *dispatch(struct session *s, const char *method, const json_t *params,
                        const json_t *id)
{
    struct dbd_server *srv = s->srv;

    if (!json_is_array(params)) {
        return err_reply("invalid parameters", id);
    }
    if (!strcmp(method, "echo")) {
        return jsonrpc_reply(json_incref((json_t *)params), id);
    } else if (!strcmp(method, "list_dbs")) {
        return jsonrpc_reply(json_pack("[s]", ovsdb_db_schema(srv->db)->name), id);
    } else if (!strcmp(method, "get_schema")) {
        if (!db_ok(srv, json_array_get(params, 0))) {
            return err_reply("unknown database", id);
        }
        return jsonrpc_reply(json_incref(ovsdb_db_schema(srv->db)->json), id);
    } else if (!strcmp(method, "transact")) {
        if (!db_ok(srv, json_array_get(params, 0))) {
            return err_reply("unknown database", id);
        }
        return do_transact(srv, s, params, id);
    } else if (!strcmp(method, "monitor")) {
        return do_monitor(s, params, id, 1);
    } else if (!strcmp(method, "monitor_cond")) {
        return do_monitor(s, params, id, 2);
    } else if (!strcmp(method, "monitor_cancel")) {
        return do_monitor_cancel(s, params, id);
    } else if (!strcmp(method, "lock") || !strcmp(method, "steal") || !strcmp(method, "unlock")) {
        return do_lock(s, method, params, id);
    } else if (!strcmp(method, "set_db_change_aware")) {
        return jsonrpc_reply(json_object(), id);
    }
    /* monitor_cond_since and monitor_cond_change are not offered; clients
     * such as the stock IDL fall back to monitor_cond on this answer. */
    return err_reply("unknown method", id);
}

static void handle_msg(struct session *s, const json_t *msg)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    const json_t *id = json_object_get(msg, "id");
    json_t *reply;

    if (!method) {
        /* A reply, e.g. to our inactivity probe. */
        return;
    }
    reply = dispatch(s, method, json_object_get(msg, "params"), id);
    if (!reply) {
        /* A transaction waiting for its "wait" operations. */
        return;
    }
    if (id && !json_is_null(id)) {
        session_send(s, reply);
    } else {
        json_decref(reply);
    }
}

static void session_resume(struct evl *loop, void *arg)
{
    struct session *s = arg;

    s->resume_timer = 0;
    session_cb(loop, s->fd, POLLIN, s);
}

static void session_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct session *s = arg;
    struct dbd_server *srv = s->srv;
    (void)loop;
    (void)fd;

    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        int n;
        for (n = 0; n < 64 && !s->dead; n++) {
            json_t *msg;
            int r = jsonrpc_recv(s->rpc, &msg);
            if (r == -EAGAIN) {
                break;
            }
            if (r) {
                if (r != -EPIPE) {
                    xlog_warn("session: %s, closing", strerror(-r));
                }
                dbd_session_close(s);
                break;
            }
            s->last_rx = evl_now_ms();
            s->probe_sent = 0;
            handle_msg(s, msg);
            dbd_spend(srv, msg, NULL);
        }
        if (n == 64 && !s->dead && !s->resume_timer) {
            /* Other sessions get their turn; the requests still in this
             * one's buffer would not wake poll(2), so come back next round. */
            evl_add_timer(srv->loop, 0, session_resume, s, &s->resume_timer);
        }
    }
    if (!s->dead) {
        int r = jsonrpc_flush(s->rpc);
        if (r && r != -EAGAIN) {
            dbd_session_close(s);
        } else {
            evl_set_events(srv->loop, s->fd, r == -EAGAIN ? POLLIN | POLLOUT : POLLIN);
        }
    }
    reap(srv);
}

/* Sends echo probes on idle TCP sessions and drops those that stay silent. */
static void probe_cb(struct evl *loop, void *arg)
{
    struct dbd_server *srv = arg;
    long long now = evl_now_ms();

    for (struct session *s = srv->sessions; s; s = s->next) {
        if (!s->probe || s->dead) {
            continue;
        }
        if (s->probe_sent && now - s->probe_sent >= PROBE_MS) {
            xlog_warn("session: no reply to inactivity probe, closing");
            dbd_session_close(s);
        } else if (!s->probe_sent && now - s->last_rx >= PROBE_MS) {
            s->probe_sent = now;
            session_send(s, jsonrpc_request("echo", json_array(), json_string("echo")));
        }
    }
    reap(srv);
    evl_add_timer(loop, 1000, probe_cb, srv, &srv->probe_timer);
}

int dbd_server_new(struct evl *loop, struct ovsdb_db *db, struct ovsdb_journal *journal,
                   struct dbd_server **out)
{
    struct dbd_server *srv = calloc(1, sizeof *srv);

    *out = NULL;
    if (!srv) {
        return -ENOMEM;
    }
    srv->loop = loop;
    srv->db = db;
    srv->journal = journal;
    srv->held_tail = &srv->held;
    evl_add_timer(loop, 1000, probe_cb, srv, &srv->probe_timer);
    *out = srv;
    return 0;
}

void dbd_server_free(struct dbd_server *srv)
{
    if (!srv) {
        return;
    }
    /* What was written is made durable (nothing of it was acknowledged). */
    group_commit(srv);
    while (srv->remotes) {
        struct remote *r = srv->remotes;
        srv->remotes = r->next;
        dbd_remote_free(srv, r);
    }
    for (struct session *s = srv->sessions; s; s = s->next) {
        dbd_session_close(s);
    }
    reap(srv);
    pending_drop(srv, NULL);
    evl_cancel_timer(srv->loop, srv->probe_timer);
    for (size_t i = 0; i < srv->n_db_remotes; i++) {
        free(srv->db_remotes[i]);
    }
    free(srv->db_remotes);
    free(srv);
}

bool dbd_server_failed(const struct dbd_server *srv)
{
    return srv->failed;
}

int dbd_server_compact(struct dbd_server *srv)
{
    return ovsdb_journal_compact(srv->journal, srv->db);
}

void dbd_server_status(const struct dbd_server *srv, struct sbuf *out)
{
    size_t n_sessions = 0, n_rows = 0;
    const struct ovsdb_schema *s = ovsdb_db_schema(srv->db);

    for (const struct session *x = srv->sessions; x; x = x->next) {
        n_sessions += !x->dead;
    }
    for (size_t t = 0; t < s->n_tables; t++) {
        n_rows += ovsdb_db_count(srv->db, t);
    }
    sbuf_addf(out, "database: %s (schema %s), %zu rows\n", s->name, s->version, n_rows);
    sbuf_addf(out, "journal: %lld bytes, %lu records; %llu transactions committed in %lu syncs\n",
              ovsdb_journal_size(srv->journal), ovsdb_journal_records(srv->journal), srv->n_txn,
              ovsdb_journal_syncs(srv->journal));
    sbuf_addf(out, "sessions: %zu\n", n_sessions);
    for (const struct remote *r = srv->remotes; r; r = r->next) {
        sbuf_addf(out, "remote: %s%s%s\n", r->name, r->from_db ? " (from database)" : "",
                  r->listen_fd >= 0 ? " listening"
                  : r->active       ? " connected"
                                    : " connecting");
    }
}

json_t *dbd_server_handle(struct dbd_server *srv, const json_t *msg)
{
    struct session s = {.srv = srv, .fd = -1};
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *reply;

    if (!method) {
        return err_reply("invalid request", json_object_get(msg, "id"));
    }
    reply = dispatch(&s, method, json_object_get(msg, "params"), json_object_get(msg, "id"));
    group_commit(srv);
    if (srv->failed && reply) {
        /* Not durable, so not acknowledged. */
        json_decref(reply);
        reply = err_reply("I/O error: cannot sync the journal", json_object_get(msg, "id"));
    }
    /* The pseudo-session ends here: its monitors and locks go with it. */
    s.dead = true;
    lock_release(srv, &s, NULL);
    while (s.mons) {
        struct mon_entry *m = s.mons;
        s.mons = m->next;
        json_decref(m->id);
        dbd_monitor_free(m->mon);
        free(m);
    }
    return reply;
}
