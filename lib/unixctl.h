/* The control socket of an xvs daemon (what xvs-appctl talks to): JSON-RPC over a
 * unix socket, one request {"method": COMMAND, "params": [ARG...], "id": N}
 * answered with a result string or an error string, as ovs-appctl does. */
#ifndef XVS_UNIXCTL_H
#define XVS_UNIXCTL_H

#include "evloop.h"
#include "sbuf.h"

#include <jansson.h>

struct unixctl;

/* Runs a command: "args" is the params array (borrowed).  Appends the answer
 * text to "out" and returns 0, or returns a negative errno with the error
 * text in "out". */
typedef int (*unixctl_fn)(const json_t *args, struct sbuf *out, void *arg);

/* Listens on unix socket "path" (mode 0660, a stale socket is replaced).
 * Returns 0 or -errno (logged). */
int unixctl_new(struct evl *loop, const char *path, struct unixctl **out);

/* Registers command "name" taking between min_args and max_args arguments.
 * Returns 0 or -ENOMEM. */
int unixctl_register(struct unixctl *u, const char *name, int min_args, int max_args, unixctl_fn fn,
                     void *arg);

/* Closes the socket (and unlinks it) and its connections; NULL is fine. */
void unixctl_free(struct unixctl *u);

#endif
