/* The remotes of the xvs-dbd server (see dbd_server.h): listeners, active
 * connections kept up with back-off, and remotes named by the database. */
#include "dbd_server.h"

#include "dbd_server_int.h"
#include "log.h"
#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Longest pause between attempts to reach an active remote. */
#define RECONNECT_MAXMS 8000

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
        dbd_session_new(r->srv, c, !strncmp(r->name, "ptcp:", 5));
    }
}

void dbd_remote_connect(struct evl *loop, void *arg)
{
    struct remote *r = arg;
    int fd;
    (void)loop;

    r->timer = 0;
    fd = stream_connect(r->name, 1000);
    if (fd < 0) {
        r->backoff_ms = r->backoff_ms * 2 > RECONNECT_MAXMS ? RECONNECT_MAXMS : r->backoff_ms * 2;
        evl_add_timer(r->srv->loop, r->backoff_ms, dbd_remote_connect, r, &r->timer);
        return;
    }
    r->backoff_ms = 1000;
    r->active = dbd_session_new(r->srv, fd, !strncmp(r->name, "tcp:", 4));
    if (r->active) {
        r->active->remote = r;
    }
    xlog_info("%s: connected", r->name);
}

void dbd_remote_free(struct dbd_server *srv, struct remote *r)
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
        dbd_session_close(r->active);
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
        evl_add_timer(srv->loop, 0, dbd_remote_connect, r, &r->timer);
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
void dbd_refresh_db_remotes(struct dbd_server *srv)
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
            dbd_remote_free(srv, r);
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
        dbd_refresh_db_remotes(srv);
        return 0;
    }
    return open_remote(srv, remote, false);
}
