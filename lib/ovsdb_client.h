/* A synchronous OVSDB client (RFC 7047) for tools: xvs-vsctl, the VIF
 * scripts and boot.  Calls block with a timeout; a monitor keeps a local
 * replica of the monitored tables, refreshed by ovsdbc_run(), which also
 * reconnects with exponential back-off (100 ms doubling to 8 s) and
 * re-issues the monitor when the connection drops. */
#ifndef XVS_OVSDB_CLIENT_H
#define XVS_OVSDB_CLIENT_H

#include <jansson.h>

struct ovsdbc;

/* Connects to "remote" ("unix:PATH" or "tcp:IP:PORT"), waiting at most
 * timeout_ms (<0 = forever), which also becomes the timeout of later calls.
 * Returns 0 with *out (free with ovsdbc_close()) or -errno (-EINVAL bad
 * remote). */
int ovsdbc_open(const char *remote, int timeout_ms, struct ovsdbc **out);

/* Closes the connection and frees the replica.  NULL is fine. */
void ovsdbc_close(struct ovsdbc *c);

/* get_schema: *schema receives the schema object of "db" (new reference; the caller must not
 * modify it: the last one is cached for the life of the connection).
 * Returns 0, -EPROTO if the server answered with an error, or -errno. */
int ovsdbc_get_schema(struct ovsdbc *c, const char *db, json_t **schema);

/* transact: ops is a JSON array of operations (borrowed); *results = the
 * result array (new reference).  Returns 0 when every op succeeded, -EPROTO
 * when an operation or the transaction failed (results still set, so callers
 * can show the RFC error; an error reply to the whole request, such as an
 * unknown database, comes as a one-element array holding that error
 * object), -EINVAL when ops is not an array, -EBADMSG when the reply's result
 * is not an array, or -errno for I/O (*results NULL). */
int ovsdbc_transact(struct ovsdbc *c, const char *db, const json_t *ops, json_t **results);

/* monitor: requests (borrowed) as in RFC 7047 §4.1.5 (table name -> monitor
 * request or array of them); the initial contents are applied to a local
 * replica, replacing any earlier monitor.  Returns 0, -EPROTO on an error
 * reply, or -errno. */
int ovsdbc_monitor(struct ovsdbc *c, const char *db, const json_t *requests);

/* The replica of "table": a json object uuid -> row (borrowed, valid until
 * the next call on c), or NULL if the table is not monitored.  Rows hold
 * the monitored columns in OVSDB wire format. */
const json_t *ovsdbc_replica_table(const struct ovsdbc *c, const char *table);

/* Processes pending "update" notifications and echo requests, waiting at
 * most timeout_ms (0 = only what is already there, <0 = forever) for the
 * first one, reconnecting with back-off (and re-monitoring, rebuilding the
 * replica) when the connection drops.  Returns 0 (also when it is still
 * disconnected and waiting for the next attempt) or -errno for a fatal
 * error (-ENOMEM). */
int ovsdbc_run(struct ovsdbc *c, int timeout_ms);

/* The socket to poll for input while connected, or -1 while disconnected.  It changes across
 * reconnects, so event loops look it up again after every ovsdbc_run(). */
int ovsdbc_fd(const struct ovsdbc *c);

/* Milliseconds until the next reconnection attempt is due (0 if now), or -1 while connected:
 * the longest an event loop may sleep before calling ovsdbc_run() again. */
int ovsdbc_next_attempt_ms(const struct ovsdbc *c);

/* Error text of the last failed call (one line; "" if none). */
const char *ovsdbc_last_error(const struct ovsdbc *c);

#endif
