/* The xenstore tree of xvs-xenstored: nodes with values and permissions,
 * per-domain entry quotas, and transactions with conflict detection.
 *
 * Paths given to the operations are canonical absolute paths (see
 * xsd_path_canon()).  Every operation acts for a domain id: domain 0 is
 * privileged and may do anything; other domains are checked against the
 * node's permissions (the owner may do anything, then the per-domain entry,
 * then the default mode of the first entry).  Operations either apply fully
 * or not at all, and return 0 or a negative errno: -ENOENT, -EACCES, -EPERM,
 * -EINVAL, -E2BIG, -ENOSPC (quota), -EAGAIN (transaction conflict), -ENOMEM. */
#ifndef XVS_XSD_STORE_H
#define XVS_XSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define XSD_PERM_NONE  0u
#define XSD_PERM_READ  1u
#define XSD_PERM_WRITE 2u
#define XSD_PERM_BOTH  (XSD_PERM_READ | XSD_PERM_WRITE)

/* The default per-domain entry quota. */
#define XSD_DEFAULT_ENTRY_QUOTA 1000

/* One permission entry.  The first entry of a node names its owner and the
 * mode of every domain not listed; later entries give one domain's mode. */
struct xsd_perm {
    uint32_t domid;
    unsigned mode; /* XSD_PERM_* */
};

struct xsd_store;
struct xsd_txn;

/* Called after a change to the committed tree: "path" was written, created,
 * had its permissions changed, or (with "removed" true) was removed with
 * everything below it. */
typedef void (*xsd_change_cb)(void *arg, const char *path, bool removed);

/* Creates a store holding "/", "/local" and "/local/domain" (owned by domain
 * 0, mode none for others).  "entry_quota" is the number of nodes a domain
 * other than 0 may own (0 = XSD_DEFAULT_ENTRY_QUOTA).  Returns 0 or -ENOMEM;
 * the caller frees *out with xsd_store_free(). */
int xsd_store_new(size_t entry_quota, struct xsd_store **out);

/* Frees the store; open transactions must have been ended.  NULL is fine. */
void xsd_store_free(struct xsd_store *st);

/* Sets the function told about committed changes (NULL to stop). */
void xsd_store_set_change_cb(struct xsd_store *st, xsd_change_cb cb, void *arg);

/* Checks "path" and makes it absolute: relative paths resolve under
 * /local/domain/<domid>/.  With "allow_special", "@name" watch paths are
 * accepted as they are.  Returns 0 and a new string in *out (caller frees),
 * -EINVAL for a malformed path (empty, "//", trailing "/", characters other
 * than letters, digits and "-/_@"), -E2BIG when longer than
 * XENSTORE_ABS_PATH_MAX (XENSTORE_REL_PATH_MAX for relative paths), -ENOMEM. */
int xsd_path_canon(const char *path, uint32_t domid, bool allow_special, char **out);

/* Reads a node's value into a new buffer (*value, NUL-terminated for
 * convenience, *len bytes without that NUL; the caller frees).  "txn" NULL
 * means the committed tree. */
int xsd_read(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
             char **value, size_t *len);

/* Writes a value (at most XENSTORE_PAYLOAD_MAX bytes, else -E2BIG), creating
 * the node and missing parents, which inherit their parent's permissions
 * with the caller as owner when it is not domain 0.  Creating needs write
 * access to the deepest existing ancestor. */
int xsd_write(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
              const void *value, size_t len);

/* Like xsd_write() with an empty value, but an existing node is left alone. */
int xsd_mkdir(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path);

/* Removes a node and its subtree.  Removing a missing node whose parent
 * exists succeeds (as xenstored does); "/" gives -EINVAL. */
int xsd_rm(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path);

/* Appends the names of a node's children, each NUL-terminated, to "out", and
 * stores the node's generation in *gen when "gen" is not NULL. */
int xsd_directory(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
                  struct sbuf *out, uint64_t *gen);

/* Appends a node's permissions in wire form ("n0\0r5\0...") to "out". */
int xsd_get_perms(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
                  struct sbuf *out);

/* Replaces a node's permissions ("n" >= 1 entries, copied).  Needs write
 * access; only domain 0 may change the owner (-EPERM). */
int xsd_set_perms(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
                  const struct xsd_perm *perms, size_t n);

/* Parses one wire permission ("r5": a letter n, r, w or b and a domain id)
 * into *perm.  Returns 0 or -EINVAL. */
int xsd_perm_parse(const char *s, struct xsd_perm *perm);

/* True when "domid" may read the committed node "path" (false if missing). */
bool xsd_can_read(struct xsd_store *st, uint32_t domid, const char *path);

/* The number of committed nodes domain "domid" owns. */
size_t xsd_count_entries(struct xsd_store *st, uint32_t domid);

/* Starts a transaction for "domid" on a snapshot of the committed tree.
 * Returns 0 or -ENOMEM; end it with xsd_txn_end(). */
int xsd_txn_start(struct xsd_store *st, uint32_t domid, struct xsd_txn **out);

/* Commits ("commit" true) or aborts a transaction and frees it.  A commit
 * fails with -EAGAIN when a node the transaction read or wrote changed in
 * the committed tree since, or with the error of a change that no longer
 * applies (quota); nothing is applied then.  NULL is fine (returns 0). */
int xsd_txn_end(struct xsd_store *st, struct xsd_txn *txn, bool commit);

#endif
