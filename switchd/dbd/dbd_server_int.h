/* Internals of the xvs-dbd server shared by dbd_server.c (sessions,
 * methods, group commit) and dbd_remote.c (remotes). */
#ifndef XVS_DBD_SERVER_INT_H
#define XVS_DBD_SERVER_INT_H

#include "dbd_server.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct dbd_monitor;
struct jsonrpc;
struct session;

/* A monitor of a session, by its id. */
struct mon_entry {
    json_t *id;
    struct dbd_monitor *mon;
    struct mon_entry *next;
};

/* A JSON-RPC session of a client. */
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
    unsigned long resume_timer; /* More buffered requests to handle next round. */
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

/* A message held back until the transactions before it are on disk. */
struct held {
    struct session *s;
    json_t *msg;
    struct held *next;
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

/* The server: its database, journal, sessions, remotes, locks. */
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
    /* Group commit: transactions are journaled (written, not yet synced) and
     * applied as they come; everything sent meanwhile is held, and one
     * fdatasync at the end of the event-loop round makes the whole group
     * durable before any of it is acknowledged. */
    bool uncommitted;
    long long group_start; /* Journal size when the group began. */
    bool failed;           /* The journal could not be synced: the server stops. */
    unsigned long commit_timer;
    struct held *held, **held_tail;
    /* Requests and applied transactions of the group, freed once its
     * replies are out (see dbd_spend()). */
    struct spent *spent;
};

/* A session on connected socket "fd" (taken; closed on failure), watched
 * by the loop; "probe" sends inactivity probes.  Returns NULL on failure. */
struct session *dbd_session_new(struct dbd_server *srv, int fd, bool probe);

/* Marks a session closed; it is freed later, where no pointer to it is in use. */
void dbd_session_close(struct session *s);

/* Timer callback: connects active remote "arg" (struct remote), retrying
 * with back-off on failure. */
void dbd_remote_connect(struct evl *loop, void *arg);

/* Stops a remote (listener or connection) and frees it. */
void dbd_remote_free(struct dbd_server *srv, struct remote *r);

/* Re-reads the db: remotes and opens or closes remotes to match. */
void dbd_refresh_db_remotes(struct dbd_server *srv);

#endif
