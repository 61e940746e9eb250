/* xvs-vsctl's view of the database: a snapshot of every table (read with one
 * "select" transaction), changed in memory by the commands, then turned into
 * one OVSDB transaction: "wait" guards on what the commands read (each row's
 * columns as read, and "no new rows" for tables they enumerated), so that a
 * concurrent change makes the transaction fail and vsctl retry, as
 * ovs-vsctl's "verify" does; then insert, update and delete operations.
 * Pure: input JSON, output JSON; no I/O.
 *
 * Rows are held as a datum per column (see vsctl_value.h); row uuids are
 * strings.  New rows get a random uuid locally and a "uuid-name" on the wire. */
#ifndef XVS_VSCTL_DB_H
#define XVS_VSCTL_DB_H

#include <jansson.h>
#include <stdbool.h>

#include "vsctl_value.h"

struct vdb;

/* Creates a database view from a schema (the get_schema result, borrowed; it is copied). 0 or
 * -EINVAL / -ENOMEM. */
int vdb_new(const json_t *schema, struct vdb **out);
void vdb_free(struct vdb *db);

/* Asks the next read to include the ephemeral (status) columns of table, or of every table
 * when table is NULL; by default they are left out, since only queries look at them. */
void vdb_load_ephemeral(struct vdb *db, const char *table);
/* The select operations that read every table (new reference), and loading their results
 * (borrowed) into the snapshot, replacing any earlier one.  0 or -EINVAL. */
json_t *vdb_select_ops(const struct vdb *db);
int vdb_load(struct vdb *db, const json_t *results);

/* Schema queries.  vdb_table_name() resolves a table name case-insensitively or by unique
 * prefix; NULL if none.  vdb_column_name() likewise for columns ('-' matches '_'). */
const char *vdb_table_name(const struct vdb *db, const char *name);
const char *vdb_column_name(const struct vdb *db, const char *table, const char *name);
/* Column type; 0 or -ENOENT. */
int vdb_column_type(const struct vdb *db, const char *table, const char *column,
                    struct vval_type *t);
/* All column names of a table, sorted (new reference: JSON array of strings). */
json_t *vdb_columns(const struct vdb *db, const char *table);
/* False for columns the schema marks "mutable": false. */
bool vdb_column_mutable(const struct vdb *db, const char *table, const char *column);
bool vdb_table_is_root(const struct vdb *db, const char *table);

/* The rows of a table: JSON object uuid -> row (borrowed).  Guards the table's set of rows. */
const json_t *vdb_rows(struct vdb *db, const char *table);
/* Sorted array of the row uuids of a table (new reference).  Guards the set of rows. */
json_t *vdb_uuids(struct vdb *db, const char *table);
/* A row or NULL (borrowed).  Guards that row's existence (or, if absent, the table). */
const json_t *vdb_row(struct vdb *db, const char *table, const char *uuid);
/* A column's datum (borrowed) or NULL if the row or column does not exist.  Guards the value. */
const json_t *vdb_get(struct vdb *db, const char *table, const char *uuid, const char *column);
/* Convenience readers for scalar/optional columns: string ("" if empty), integer (dflt if
 * empty), boolean. */
const char *vdb_get_string(struct vdb *db, const char *table, const char *uuid, const char *col);
long long vdb_get_int(struct vdb *db, const char *table, const char *uuid, const char *col,
                      long long dflt);
bool vdb_get_bool(struct vdb *db, const char *table, const char *uuid, const char *col);
/* The uuid strings a reference column holds (datum of ["uuid", x]); NULL if empty. */
const char *vdb_ref_at(const json_t *datum, size_t i);

/* Replaces a column's datum (stolen; normalised here).  0, -ENOENT (no such row/column) or
 * -ENOMEM. */
int vdb_set(struct vdb *db, const char *table, const char *uuid, const char *column, json_t *datum);
/* Inserts a new row with default values; its uuid is written to uuid_out.  0 or -errno. */
int vdb_insert(struct vdb *db, const char *table, char uuid_out[37]);
/* Inserts a row using a given (pre-allocated symbol) uuid. */
int vdb_insert_with_uuid(struct vdb *db, const char *table, const char *uuid);
/* Deletes a row (a no-op if it does not exist). */
void vdb_delete(struct vdb *db, const char *table, const char *uuid);
/* True if uuid is a row created in this transaction. */
bool vdb_is_new(const struct vdb *db, const char *uuid);
/* Fills a fresh random uuid. */
void vdb_new_uuid(char out[37], void *arg);

/* Helpers on datums of references and maps (all return 0 or -ENOMEM). */
int vdb_ref_add(struct vdb *db, const char *table, const char *uuid, const char *column,
                const char *ref);
int vdb_ref_remove(struct vdb *db, const char *table, const char *uuid, const char *column,
                   const char *ref);
/* Sets (value non-NULL) or removes a string key of a string->string map column. */
int vdb_map_set(struct vdb *db, const char *table, const char *uuid, const char *column,
                const char *key, const char *value);
/* The value of a string map key, or NULL. */
const char *vdb_map_get(const json_t *datum, const char *key);

/* True if the commands changed anything. */
bool vdb_changed(const struct vdb *db);
/* Builds the transaction (new reference): comment (if non-NULL), waits, inserts, updates,
 * deletes (of root-table rows only: the server garbage-collects unreferenced others). *insert_index
 * (new reference, may be NULL) receives an object mapping new-row uuid
 * -> index of its insert op in the array. */
json_t *vdb_txn_ops(const struct vdb *db, const char *comment, json_t **insert_index);

#endif
