/* Execution of OVSDB "transact" operations (RFC 7047 §5.2) and the
 * conditions (§5.1) that both transactions and monitor_cond use. */
#ifndef XVS_OVSDB_EXEC_H
#define XVS_OVSDB_EXEC_H

#include "ovsdb_datum.h"
#include "ovsdb_db.h"

#include <jansson.h>
#include <stdbool.h>

struct ovsdb_cond;

/* Parses a "where" array of conditions for table "ts".  Literal true/false
 * clauses are accepted (monitor_cond uses them).  sym resolves named uuids
 * (may be NULL).  Returns 0 with *out, or -EINVAL with a new *error. */
int ovsdb_cond_parse(const struct ovsdb_tschema *ts, const json_t *where, ovsdb_symbol_fn sym,
                     void *sym_arg, struct ovsdb_cond **out, json_t **error);

/* True if "row" satisfies every clause ("any" false: transactions) or at
 * least one clause ("any" true: monitor_cond, where no clause means true). */
bool ovsdb_cond_match(const struct ovsdb_cond *cond, const struct ovsdb_row *row, bool any);

/* Frees a condition; NULL is fine. */
void ovsdb_cond_free(struct ovsdb_cond *cond);

/* Answers whether the session owns lock "name" (for "assert"). */
typedef bool (*ovsdb_lock_fn)(const char *name, void *arg);

/* Executes the operations "ops" (the transact params after the database name).
 * *results gets the result array (new reference) in every case.  Returns 0
 * when every operation and the final check succeeded; then *txn is the
 * checked transaction for the caller to journal, apply and free (NULL when it
 * changes nothing) and *comment any "comment" text (new reference or NULL).
 * Returns -EINVAL when an operation or the check failed; nothing changed.
 * Returns -EAGAIN (results as for a failure, ending in "timed out") when a
 * "wait" whose timeout is not zero did not hold: the caller may run the
 * same operations again after later commits until that timeout passes. */
int ovsdb_exec(struct ovsdb_db *db, const json_t *ops, ovsdb_lock_fn has_lock, void *lock_arg,
               json_t **results, struct ovsdb_txn **txn, json_t **comment);

#endif
