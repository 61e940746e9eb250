/* OVSDB monitors for xvs-dbd (RFC 7047 §4.1.5-4.1.7 and the monitor_cond
 * extension): which tables, columns, rows and kinds of change a client
 * follows, its initial contents and the updates each commit produces. */
#ifndef XVS_DBD_MONITOR_H
#define XVS_DBD_MONITOR_H

#include "ovsdb_db.h"

#include <jansson.h>
#include <stdbool.h>

struct dbd_monitor;

/* Parses the monitor requests object ("requests", borrowed) for "db".
 * "version" is 1 for "monitor" ("update" notifications) or 2 for
 * "monitor_cond" ("update2", with "where" conditions).  Returns 0 with *out,
 * or -EINVAL with a new RFC error object in *error. */
int dbd_monitor_new(const struct ovsdb_db *db, const json_t *requests, int version,
                    struct dbd_monitor **out, json_t **error);

/* Frees a monitor; NULL is fine. */
void dbd_monitor_free(struct dbd_monitor *m);

/* The monitor's notification method, "update" or "update2". */
const char *dbd_monitor_method(const struct dbd_monitor *m);

/* The <table-updates> of the current contents, for the monitor's reply (new reference). */
json_t *dbd_monitor_initial(const struct dbd_monitor *m, const struct ovsdb_db *db);

/* The <table-updates> a committed transaction causes, or NULL when it
 * changes nothing the monitor follows (new reference). */
json_t *dbd_monitor_changes(const struct dbd_monitor *m, const struct ovsdb_txn *txn);

#endif
