/* The xvs-xenstored server: unix-socket listeners, client connections, the
 * request dispatcher and watches, all driven by one poll(2) loop.
 *
 * Each listener gives its clients a domain id: the main socket dom0
 * (privileged), an extra socket given by xsd_server_listen() with another
 * domid acts as that guest, which is how tests exercise permissions. */
#ifndef XVS_XSD_SERVER_H
#define XVS_XSD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "xsd_store.h"

/* The default number of watches a domain other than 0 may hold. */
#define XSD_DEFAULT_WATCH_QUOTA 128
/* Open transactions per connection, as xenstored's default. */
#define XSD_MAX_TXNS_PER_CONN 10

struct xsd_server;

/* Creates a server with an empty store.  "entry_quota" and "watch_quota" are
 * per-domain limits (0 = the defaults).  Returns 0 or -ENOMEM; free *out with
 * xsd_server_free(). */
int xsd_server_new(size_t entry_quota, size_t watch_quota, struct xsd_server **out);

/* Closes every connection and listener, removes the listeners' socket files
 * and frees the store.  NULL is fine. */
void xsd_server_free(struct xsd_server *srv);

/* The server's store (owned by the server). */
struct xsd_store *xsd_server_store(struct xsd_server *srv);

/* Listens on the unix socket "path" (a stale socket file there is replaced)
 * for clients acting as domain "domid".  For a guest domid, its home
 * /local/domain/<domid> is created owned by it, as a toolstack would.
 * Returns 0 or a negative errno (logged). */
int xsd_server_listen(struct xsd_server *srv, const char *path, uint32_t domid);

/* Adopts an already connected stream socket as a client of domain "domid"
 * (the server makes it nonblocking and closes it).  Returns 0 or -ENOMEM. */
int xsd_server_add_client(struct xsd_server *srv, int fd, uint32_t domid);

/* Runs one poll round, waiting at most "timeout_ms" (-1: until something
 * happens).  Returns 0, 1 when "stop_fd" (if >= 0) became readable, or a
 * negative errno when poll fails (EINTR counts as 0). */
int xsd_server_run_once(struct xsd_server *srv, int stop_fd, int timeout_ms);

/* Runs rounds until "stop_fd" becomes readable.  Returns 0 or -errno. */
int xsd_server_run(struct xsd_server *srv, int stop_fd);

/* The number of client connections currently open. */
size_t xsd_server_nclients(const struct xsd_server *srv);

#endif
