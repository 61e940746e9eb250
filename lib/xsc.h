/* xenstore, as the host programs use it: read, write, remove, list, one
 * key at a time, through the real libxenstore (so it talks to the real
 * xenstored, or to xvs-xenstored in a sandbox), or through an in-memory fake
 * for unit tests.  Values read here may come from guest-writable paths:
 * callers validate them; this layer only guarantees a NUL-free string of at
 * most XSC_VALUE_MAX bytes. */
#ifndef XVS_XSC_H
#define XVS_XSC_H

#include <stdbool.h>
#include <stddef.h>

#include "sbuf.h"

/* xenstored's limit on a value (XENSTORE_PAYLOAD_MAX). */
#define XSC_VALUE_MAX 4096

struct xsc;

/* Connects with libxenstore.  Socket: XENSTORED_PATH if set; else, when the root prefix
 * (lib/paths) is not "/", <root>/var/run/xenstored/socket; else libxenstore's default.
 * Returns 0 with *out, or a negative errno (logged). */
int xsc_open(struct xsc **out);

/* An empty in-memory store (unit tests).  Every write is also appended to the journal returned
 * by xsc_fake_journal() as "write PATH VALUE" / "rm PATH" lines. */
int xsc_fake_new(struct xsc **out);
const char *xsc_fake_journal(const struct xsc *x);
/* Makes every later operation on path fail with err (a negative errno); err 0 clears. */
void xsc_fake_fail(struct xsc *x, const char *path, int err);

void xsc_close(struct xsc *x);

/* Reads a value: 0 with *value (malloc'd), -ENOENT if absent, -EINVAL if it holds a NUL
 * byte or exceeds XSC_VALUE_MAX, other negative errno on failure. */
int xsc_read(struct xsc *x, const char *path, char **value);
/* Writes a value (parents created as xenstore does).  0 or a negative errno. */
int xsc_write(struct xsc *x, const char *path, const char *value);
/* Removes a key and its children; absent is not an error.  0 or a negative errno. */
int xsc_rm(struct xsc *x, const char *path);
/* Lists a directory's children: *names is a malloc'd array of malloc'd strings (free with
 * xsc_free_names).  0, -ENOENT, or a negative errno. */
int xsc_directory(struct xsc *x, const char *path, char ***names, size_t *n);
void xsc_free_names(char **names, size_t n);

#endif
