/* The in-memory OVSDB database of xvs-dbd: tables of rows, and transactions
 * that stage changes in an overlay, then check referential integrity, collect
 * garbage, enforce constraints and indexes, and apply all or nothing. */
#ifndef XVS_OVSDB_DB_H
#define XVS_OVSDB_DB_H

#include "ovsdb_datum.h"
#include "ovsdb_schema.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A row: one internal datum per schema column (cols[0] = _uuid, cols[1] = _version). */
struct ovsdb_row {
    json_t **cols;
    long n_refs; /* Strong references from committed rows (maintained on apply). */
};

struct ovsdb_db;
struct ovsdb_txn;

/* Creates an empty database for "schema" (ownership of the schema passes to
 * the database).  Returns 0 or -ENOMEM. */
int ovsdb_db_new(struct ovsdb_schema *schema, struct ovsdb_db **out);

/* Frees the database, its rows and its schema; NULL is fine. */
void ovsdb_db_free(struct ovsdb_db *db);

/* The database's schema (owned by the database). */
const struct ovsdb_schema *ovsdb_db_schema(const struct ovsdb_db *db);

/* The uuid of a row (borrowed string). */
const char *ovsdb_row_uuid(const struct ovsdb_row *row);

/* Committed row "uuid" of table index t, or NULL. */
const struct ovsdb_row *ovsdb_db_get(const struct ovsdb_db *db, size_t t, const char *uuid);

/* Number of committed rows of table t. */
size_t ovsdb_db_count(const struct ovsdb_db *db, size_t t);

/* Calls cb for each committed row of table t (the database must not change meanwhile). */
void ovsdb_db_foreach(const struct ovsdb_db *db, size_t t,
                      void (*cb)(const struct ovsdb_row *row, void *arg), void *arg);

/* The row as a JSON object of column name -> JSON notation, with only the
 * columns set in "cols" (NULL = all, including _uuid and _version). */
json_t *ovsdb_row_to_json(const struct ovsdb_tschema *ts, const struct ovsdb_row *row,
                          const bool *cols);

/* The whole database as a journal snapshot: {table: {uuid: row}} (new reference). */
json_t *ovsdb_db_snapshot(const struct ovsdb_db *db);

/* Applies a journal record {table: {uuid: row-or-null}} without checks (the
 * records were checked when first committed).  Returns 0 or -EINVAL. */
int ovsdb_db_replay(struct ovsdb_db *db, const json_t *record);

/* Applies one transaction record of an Open vSwitch (ovsdb-server
 * "standalone" format) database file, so that an existing conf.db can be
 * taken over.  Returns 0 or -EINVAL. */
int ovsdb_db_replay_ovs(struct ovsdb_db *db, const json_t *record);

/* Recomputes reference counts and indexes after ovsdb_db_replay() calls.
 * Returns 0 or -ENOMEM. */
int ovsdb_db_reindex(struct ovsdb_db *db);

/* Starts a transaction.  Returns NULL on allocation failure. */
struct ovsdb_txn *ovsdb_txn_new(struct ovsdb_db *db);

/* Frees a transaction; committed changes stay in the database, others are
 * dropped.  NULL is fine. */
void ovsdb_txn_free(struct ovsdb_txn *txn);

/* The database a transaction works on. */
struct ovsdb_db *ovsdb_txn_db(const struct ovsdb_txn *txn);

/* The row as the transaction sees it, or NULL. */
const struct ovsdb_row *ovsdb_txn_get(struct ovsdb_txn *txn, size_t t, const char *uuid);

/* Every row of table t as the transaction sees it: a new array in *rows (the
 * rows are borrowed until the next change).  Returns the count. */
size_t ovsdb_txn_rows(struct ovsdb_txn *txn, size_t t, const struct ovsdb_row ***rows);

/* Inserts a row with uuid "uuid" and default values; returns it writable, or NULL. */
struct ovsdb_row *ovsdb_txn_insert(struct ovsdb_txn *txn, size_t t, const char *uuid);

/* Returns a writable copy of row "uuid" (made on first use), or NULL. */
struct ovsdb_row *ovsdb_txn_modify(struct ovsdb_txn *txn, size_t t, const char *uuid);

/* Applies the array of mutations "muts" (RFC 7047 <mutation>s, see
 * ovsdb_mutate_row()) to row "uuid" of table t, which must exist, keeping
 * the diff of each set or map column they change up to date element by
 * element, so that adding a port to a bridge of thousands costs no walk over
 * all of them.  Returns 0, or a negative errno with a new RFC error object
 * in *error (then the transaction must be dropped). */
int ovsdb_txn_mutate(struct ovsdb_txn *txn, size_t t, const char *uuid, const json_t *muts,
                     ovsdb_symbol_fn sym, void *sym_arg, json_t **error);

/* Replaces column c of a writable row with "datum" (stolen). */
void ovsdb_row_set(struct ovsdb_row *row, size_t c, json_t *datum);

/* Records that column c of the transaction's writable row "uuid" of table t
 * now holds a datum already checked against the column's constraints (its
 * count and every element), so that ovsdb_txn_check() need not check it
 * again: a bridge's thousands of ports, say, after a mutation that checked
 * the one port it added.  Does nothing for a row the transaction did not
 * insert or modify, or when out of memory (the check then simply runs). */
void ovsdb_txn_mark_checked(struct ovsdb_txn *txn, size_t t, const char *uuid, size_t c);

/* Deletes row "uuid".  Returns 0 or -ENOENT. */
int ovsdb_txn_delete(struct ovsdb_txn *txn, size_t t, const char *uuid);

/* Validates the transaction: weak references, garbage collection, dangling
 * strong references, counts, maxRows, indexes; then stamps new _version
 * uuids.  Returns 0, or -EINVAL with a new error object in *error. */
int ovsdb_txn_check(struct ovsdb_txn *txn, json_t **error);

/* True if the checked transaction changes nothing. */
bool ovsdb_txn_is_empty(const struct ovsdb_txn *txn);

/* The checked transaction as a journal record (new reference). */
json_t *ovsdb_txn_record(const struct ovsdb_txn *txn);

/* Applies a checked transaction to the database.  The transaction must not
 * change between its check and its apply. */
void ovsdb_txn_apply(struct ovsdb_txn *txn);

/* Calls cb(table, old, new) for each changed row (old NULL = inserted, new NULL = deleted). */
void ovsdb_txn_foreach_change(const struct ovsdb_txn *txn,
                              void (*cb)(size_t t, const struct ovsdb_row *old,
                                         const struct ovsdb_row *new_, void *arg),
                              void *arg);

/* For a checked transaction that modified row "uuid" of table t: the
 * update2 diff (ovsdb_datum_diff()) of its set or map column c, computed
 * once per transaction for the journal record and monitors alike
 * (borrowed, valid until the transaction is freed).  NULL when the row was
 * not modified, for a scalar column, or when out of memory. */
const json_t *ovsdb_txn_diff(const struct ovsdb_txn *txn, size_t t, const char *uuid, size_t c);

/* The transaction's named-uuid symbol table: name -> uuid string (borrowed). */
json_t *ovsdb_txn_symtab(struct ovsdb_txn *txn);

#endif
