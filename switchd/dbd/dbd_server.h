/* The xvs-dbd OVSDB server: remotes (listening and active), JSON-RPC
 * sessions, the RFC 7047 methods, monitors, locks and durable commits. */
#ifndef XVS_DBD_SERVER_H
#define XVS_DBD_SERVER_H

#include "evloop.h"
#include "ovsdb_db.h"
#include "ovsdb_journal.h"
#include "sbuf.h"

#include <jansson.h>
#include <stdbool.h>

struct dbd_server;

/* Creates a server on "loop" for "db", journaling commits to "journal"
 * (both stay owned by the caller and must outlive the server).  Returns 0 or
 * -ENOMEM. */
int dbd_server_new(struct evl *loop, struct ovsdb_db *db, struct ovsdb_journal *journal,
                   struct dbd_server **out);

/* Frees the server and closes its sessions and listeners; NULL is fine. */
void dbd_server_free(struct dbd_server *srv);

/* Adds a remote: "punix:PATH", "ptcp:PORT[:IP]" (listen), "unix:PATH",
 * "tcp:IP:PORT" (connect, retried with back-off) or
 * "db:DB,TABLE,COLUMN" (the remotes named by that column, re-read after
 * every commit; references to Manager rows use their "target").  Returns 0
 * or a negative errno (logged). */
int dbd_server_add_remote(struct dbd_server *srv, const char *remote);

/* True when the server stopped its loop because the journal could not be
 * synced (the transactions of that round were not acknowledged). */
bool dbd_server_failed(const struct dbd_server *srv);

/* Compacts the journal.  Returns 0 or -errno. */
int dbd_server_compact(struct dbd_server *srv);

/* Appends a human-readable status (sessions, remotes, journal) to "out". */
void dbd_server_status(const struct dbd_server *srv, struct sbuf *out);

/* Handles one JSON-RPC request "msg" (borrowed) as if a session sent it and
 * returns the reply (new reference), for tests and fuzzing.  Notifications
 * for monitors are dropped. */
json_t *dbd_server_handle(struct dbd_server *srv, const json_t *msg);

#endif
