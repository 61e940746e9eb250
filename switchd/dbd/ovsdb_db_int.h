/* Internals shared by the database modules (ovsdb_db.c, ovsdb_check.c):
 * the uuid hash map, the database and transaction structures. */
#ifndef XVS_OVSDB_DB_INT_H
#define XVS_OVSDB_DB_INT_H

#include "ovsdb_db.h"

struct sbuf;

#include <stdbool.h>
#include <stddef.h>

/* A chained hash map from uuid strings to pointers. */
struct omap_ent {
    char key[37];
    void *val;
    struct omap_ent *next;
};
struct omap {
    struct omap_ent **b;
    size_t nb, n;
};

#define OMAP_FOREACH(E, M)                                                                         \
    for (size_t i_##E = 0; i_##E < (M)->nb; i_##E++)                                               \
        for (struct omap_ent *E = (M)->b[i_##E]; E; E = E->next)

/* FNV-1a hash of a string. */
size_t ovsdb_hash_str(const char *s);

/* The slot where "key" is or would go (NULL for an empty map). */
struct omap_ent **ovsdb_omap_slot(const struct omap *m, const char *key);

/* The value for "key" or NULL; *found (may be NULL) tells whether it exists. */
void *ovsdb_omap_get(const struct omap *m, const char *key, bool *found);

/* Sets "key" to "val".  Returns 0 or -ENOMEM. */
int ovsdb_omap_put(struct omap *m, const char *key, void *val);

/* Removes "key" if present (the value is not freed). */
void ovsdb_omap_del(struct omap *m, const char *key);

/* Frees the entries (not the values). */
void ovsdb_omap_clear(struct omap *m);

struct ovsdb_db {
    struct ovsdb_schema *schema;
    struct omap *tables;
    json_t **indexes; /* Per table: array of objects, index key -> uuid. */
};

/* One staged change: old is the committed row (or NULL), new the staged one. */
struct txn_row {
    struct ovsdb_row *old;
    struct ovsdb_row *new_;
    /* Per column of new_, or NULL: its datum was checked against the
     * column's constraints when it was set (ovsdb_txn_mark_checked()). */
    bool *checked;
    /* Per column, or NULL: the diff from old to new_ (diff[c], computed
     * for the datum diff_of[c], both held), see ovsdb_txn_row_diff(). */
    json_t **diff, **diff_of;
};

/* The update2 diff (ovsdb_datum_diff()) of set or map column c of a row the
 * transaction modified (tr->old and tr->new_ set), computed once for the
 * datum the column holds and kept: the reference counts, the dropping of
 * unchanged rows and the journal record all need it, and a bridge's set of
 * thousands of ports is then walked once instead of three times.  Returns
 * it (borrowed), or NULL when out of memory. */
const json_t *ovsdb_txn_row_diff(const struct ovsdb_tschema *ts, struct txn_row *tr, size_t c);

/* Frees a staged change's own data and the change (not its rows). */
void ovsdb_txn_row_free(struct txn_row *tr, size_t n_cols);

struct ovsdb_txn {
    struct ovsdb_db *db;
    struct omap *changes; /* Per table: uuid -> struct txn_row. */
    json_t *symtab;
    /* Per table: uuid -> change in strong references (intptr_t), as of the
     * last check; ovsdb_txn_apply() reuses it.  NULL until then. */
    struct omap *delta;
    bool applied;
};

/* Frees the per-table reference deltas of a transaction (NULL is fine). */
void ovsdb_txn_free_delta(struct ovsdb_txn *txn);

/* Row helpers: a row with n_cols empty slots (NULL on allocation failure);
 * freeing a row and its datum references (NULL is fine); a copy sharing the
 * datums (NULL on allocation failure). */
struct ovsdb_row *ovsdb_row_alloc(size_t n_cols);
void ovsdb_row_free(struct ovsdb_row *r, size_t n_cols);
struct ovsdb_row *ovsdb_row_clone(const struct ovsdb_row *src, size_t n_cols);

/* A new row of table "ts" with default values and uuid (and _version) "uuid". */
struct ovsdb_row *ovsdb_new_default_row(const struct ovsdb_tschema *ts, const char *uuid);

/* Journal form of an inserted row: non-default columns plus _version. */
json_t *ovsdb_row_record(const struct ovsdb_tschema *ts, const struct ovsdb_row *row);

/* Replaces the contents of "out" with the key text of index x of a row (a
 * text that two rows share exactly when their indexed columns are equal).
 * Returns 0 or -ENOMEM. */
int ovsdb_index_key(const struct ovsdb_tschema *ts, size_t x, const struct ovsdb_row *row,
                    struct sbuf *out);

#endif
