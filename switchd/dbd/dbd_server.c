/* The xvs-dbd OVSDB server; see dbd_server.h. */
#include "dbd_server.h"

#include "dbd_monitor.h"
#include "jsonrpc.h"
#include "log.h"
#include "ovsdb_exec.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Inactivity probe for TCP sessions, as ovsdb-server's default. */
#define PROBE_MS        5000
#define RECONNECT_MAXMS 8000

struct session;

struct mon_entry {
    json_t *id;
    struct dbd_monitor *mon;
    struct mon_entry *next;
};

struct session {
    struct dbd_server *srv;
    struct jsonrpc *rpc; /* NULL for dbd_server_handle()'s pseudo-session. */
    int fd;
    bool dead;
    bool finished;
    bool probe; /* TCP: send inactivity probes. */
    long long last_rx;
    long long probe_sent;  /* 0: none outstanding. */
    struct remote *remote; /* The active remote that made it, or NULL. */
    struct mon_entry *mons;
    struct session *next;
};

/* A remote: a listener, or an active connection that is kept up. */
struct remote {
    char *name;
    bool from_db; /* Named by a db: remote; dropped when no longer there. */
    bool seen;
    int listen_fd;
    struct session *active;
    long backoff_ms;
    unsigned long timer;
    struct dbd_server *srv;
    struct remote *next;
};

/* Lock requests, oldest first; the first request for a name owns it. */
struct lock_req {
    char *name;
    struct session *s;
    struct lock_req *next;
};

/* A transaction blocked on a "wait" with a timeout, run again after commits. */
struct pending {
    struct dbd_server *srv;
    struct session *s;
    json_t *params;
    json_t *id;
    unsigned long timer;
    struct pending *next;
};

struct dbd_server {
    struct evl *loop;
    struct ovsdb_db *db;
    struct ovsdb_journal *journal;
    struct session *sessions;
    struct remote *remotes;
    struct lock_req *locks;
    char **db_remotes; /* "DB,TABLE,COLUMN" specs. */
    size_t n_db_remotes;
    unsigned long probe_timer;
    unsigned long long n_txn;
    struct pending *pending;
    bool retrying, retry_again;
};

static void session_close(struct session *s);
static void session_cb(struct evl *loop, int fd, short revents, void *arg);
static void remote_connect(struct evl *loop, void *arg);

/* Queues a message; a failed send kills the session. */
static void session_send(struct session *s, json_t *msg)
{
    if (s->rpc && !s->dead && msg) {
        if (jsonrpc_send(s->rpc, msg)) {
            session_close(s);
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
static void session_close(struct session *s)
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
        evl_add_timer(s->srv->loop, s->remote->backoff_ms, remote_connect, s->remote,
                      &s->remote->timer);
        s->remote = NULL;
    }
}

static void session_free(struct session *s)
{
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

static struct session *session_new(struct dbd_server *srv, int fd, bool probe)
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

static void refresh_db_remotes(struct dbd_server *srv);

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

/* Runs a transaction: execute, journal (fsync), apply, notify.  Returns
 * ovsdb_exec()'s status with the result array in *results. */
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
        json_t *rec = json_pack("{s:o}", "txn", ovsdb_txn_record(txn));
        if (comment) {
            json_object_set(rec, "comment", comment);
        }
        if (ovsdb_journal_append(srv->journal, rec)) {
            /* Not on disk: not committed.  The client sees the failure. */
            json_decref(*results);
            *results = json_pack("[o]", ovsdb_error("I/O error", "%s", "cannot write journal"));
            rc = -EIO;
        } else {
            ovsdb_txn_apply(txn);
            srv->n_txn++;
            if (ovsdb_journal_should_compact(srv->journal)) {
                /* A failure is logged; the journal simply keeps growing. */
                ovsdb_journal_compact(srv->journal, srv->db);
            }
            notify_monitors(srv, txn);
            refresh_db_remotes(srv);
        }
        json_decref(rec);
    }
    ovsdb_txn_free(txn);
    json_decref(comment);
    json_decref(ops);
    if (!rc && txn) {
        retry_pending(srv);
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

static void session_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct session *s = arg;
    struct dbd_server *srv = s->srv;
    (void)loop;
    (void)fd;

    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        for (int n = 0; n < 64 && !s->dead; n++) {
            json_t *msg;
            int r = jsonrpc_recv(s->rpc, &msg);
            if (r == -EAGAIN) {
                break;
            }
            if (r) {
                if (r != -EPIPE) {
                    xlog_warn("session: %s, closing", strerror(-r));
                }
                session_close(s);
                break;
            }
            s->last_rx = evl_now_ms();
            s->probe_sent = 0;
            handle_msg(s, msg);
            json_decref(msg);
        }
    }
    if (!s->dead) {
        int r = jsonrpc_flush(s->rpc);
        if (r && r != -EAGAIN) {
            session_close(s);
        } else {
            evl_set_events(srv->loop, s->fd, r == -EAGAIN ? POLLIN | POLLOUT : POLLIN);
        }
    }
    reap(srv);
}

static void listen_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct remote *r = arg;
    (void)loop;
    (void)revents;

    for (int i = 0; i < 16; i++) {
        int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            break;
        }
        session_new(r->srv, c, !strncmp(r->name, "ptcp:", 5));
    }
}

static void remote_connect(struct evl *loop, void *arg)
{
    struct remote *r = arg;
    int fd;
    (void)loop;

    r->timer = 0;
    fd = stream_connect(r->name, 1000);
    if (fd < 0) {
        r->backoff_ms = r->backoff_ms * 2 > RECONNECT_MAXMS ? RECONNECT_MAXMS : r->backoff_ms * 2;
        evl_add_timer(r->srv->loop, r->backoff_ms, remote_connect, r, &r->timer);
        return;
    }
    r->backoff_ms = 1000;
    r->active = session_new(r->srv, fd, !strncmp(r->name, "tcp:", 4));
    if (r->active) {
        r->active->remote = r;
    }
    xlog_info("%s: connected", r->name);
}

static void remote_free(struct dbd_server *srv, struct remote *r)
{
    if (r->listen_fd >= 0) {
        evl_del_fd(srv->loop, r->listen_fd);
        close(r->listen_fd);
        if (!strncmp(r->name, "punix:", 6)) {
            unlink(r->name + 6);
        }
    }
    if (r->timer) {
        evl_cancel_timer(srv->loop, r->timer);
    }
    if (r->active) {
        r->active->remote = NULL;
        session_close(r->active);
    }
    free(r->name);
    free(r);
}

static struct remote *find_remote(struct dbd_server *srv, const char *name)
{
    for (struct remote *r = srv->remotes; r; r = r->next) {
        if (!strcmp(r->name, name)) {
            return r;
        }
    }
    return NULL;
}

static int open_remote(struct dbd_server *srv, const char *name, bool from_db)
{
    struct remote *r = find_remote(srv, name);

    if (r) {
        r->seen = true;
        return 0;
    }
    r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name))) {
        free(r);
        return -ENOMEM;
    }
    r->srv = srv;
    r->from_db = from_db;
    r->seen = true;
    r->listen_fd = -1;
    r->backoff_ms = 1000;
    if (stream_is_passive(name)) {
        r->listen_fd = stream_listen(name);
        if (r->listen_fd < 0) {
            int e = r->listen_fd;
            xlog_err("%s: cannot listen: %s", name, strerror(-e));
            free(r->name);
            free(r);
            return e;
        }
        evl_add_fd(srv->loop, r->listen_fd, POLLIN, listen_cb, r);
    } else if (!strncmp(name, "unix:", 5) || !strncmp(name, "tcp:", 4)) {
        evl_add_timer(srv->loop, 0, remote_connect, r, &r->timer);
    } else {
        xlog_err("%s: unknown remote type", name);
        free(r->name);
        free(r);
        return -EINVAL;
    }
    r->next = srv->remotes;
    srv->remotes = r;
    xlog_info("%s: remote added", name);
    return 0;
}

/* Collects the remote names that a db:DB,TABLE,COLUMN spec points at. */
static void db_remote_names(struct dbd_server *srv, const char *spec, json_t *names)
{
    const struct ovsdb_schema *sc = ovsdb_db_schema(srv->db);
    char db[64], table[64], column[64];
    const struct ovsdb_tschema *ts;
    const struct ovsdb_row **rows;
    struct ovsdb_txn *txn;
    int t, c;
    size_t n;

    if (sscanf(spec, "%63[^,],%63[^,],%63s", db, table, column) != 3 || strcmp(db, sc->name) ||
        (t = ovsdb_schema_table(sc, table)) < 0 ||
        (c = ovsdb_tschema_column(&sc->tables[t], column)) < 0) {
        return;
    }
    ts = &sc->tables[t];
    txn = ovsdb_txn_new(srv->db);
    if (!txn) {
        return;
    }
    n = ovsdb_txn_rows(txn, (size_t)t, &rows);
    for (size_t i = 0; rows && i < n; i++) {
        const struct ovsdb_base *key = &ts->cols[c].type.key;
        json_t *e;
        size_t k;
        json_array_foreach(rows[i]->cols[c], k, e)
        {
            if (key->type == OVSDB_STRING) {
                json_array_append(names, e);
            } else if (key->ref_table >= 0) {
                const struct ovsdb_tschema *rt = &sc->tables[key->ref_table];
                int tc = ovsdb_tschema_column(rt, "target");
                const struct ovsdb_row *row =
                        ovsdb_db_get(srv->db, (size_t)key->ref_table, json_string_value(e));
                if (row && tc >= 0 && json_array_size(row->cols[tc]) == 1) {
                    json_array_append(names, json_array_get(row->cols[tc], 0));
                }
            }
        }
    }
    free(rows);
    ovsdb_txn_free(txn);
}

/* Re-reads the db: remotes and opens or closes remotes to match. */
static void refresh_db_remotes(struct dbd_server *srv)
{
    json_t *names;
    size_t i;
    json_t *n;

    if (!srv->n_db_remotes) {
        return;
    }
    names = json_array();
    for (i = 0; i < srv->n_db_remotes; i++) {
        db_remote_names(srv, srv->db_remotes[i], names);
    }
    for (struct remote *r = srv->remotes; r; r = r->next) {
        r->seen = false;
    }
    json_array_foreach(names, i, n)
    {
        open_remote(srv, json_string_value(n), true);
    }
    for (struct remote **p = &srv->remotes; *p;) {
        struct remote *r = *p;
        if (r->from_db && !r->seen) {
            *p = r->next;
            xlog_info("%s: remote removed", r->name);
            remote_free(srv, r);
        } else {
            p = &r->next;
        }
    }
    json_decref(names);
}

int dbd_server_add_remote(struct dbd_server *srv, const char *remote)
{
    if (!strncmp(remote, "db:", 3)) {
        char **v = realloc(srv->db_remotes, (srv->n_db_remotes + 1) * sizeof *v);
        if (!v) {
            return -ENOMEM;
        }
        srv->db_remotes = v;
        v[srv->n_db_remotes] = strdup(remote + 3);
        if (!v[srv->n_db_remotes]) {
            return -ENOMEM;
        }
        srv->n_db_remotes++;
        refresh_db_remotes(srv);
        return 0;
    }
    return open_remote(srv, remote, false);
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
            session_close(s);
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
    evl_add_timer(loop, 1000, probe_cb, srv, &srv->probe_timer);
    *out = srv;
    return 0;
}

void dbd_server_free(struct dbd_server *srv)
{
    if (!srv) {
        return;
    }
    while (srv->remotes) {
        struct remote *r = srv->remotes;
        srv->remotes = r->next;
        remote_free(srv, r);
    }
    for (struct session *s = srv->sessions; s; s = s->next) {
        session_close(s);
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
    sbuf_addf(out, "journal: %lld bytes, %lu records; %llu transactions committed\n",
              ovsdb_journal_size(srv->journal), ovsdb_journal_records(srv->journal), srv->n_txn);
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
