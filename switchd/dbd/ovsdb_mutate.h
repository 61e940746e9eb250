/* The "mutate" operation's mutators (RFC 7047 §5.1, <mutation>): arithmetic
 * on integer and real columns, insert and delete on sets and maps. */
#ifndef XVS_OVSDB_MUTATE_H
#define XVS_OVSDB_MUTATE_H

#include "ovsdb_datum.h"
#include "ovsdb_db.h"

#include <jansson.h>

/* Applies the array of mutations "muts" to the writable row "row" of table
 * "ts" (row NULL: only parse and type-check them).  Returns 0, or -EINVAL
 * with a new RFC error object in *error ("constraint violation", "domain
 * error", "range error" or "syntax error"); the row is then in an
 * unspecified state and the transaction must be dropped. */
int ovsdb_mutate_row(const struct ovsdb_tschema *ts, struct ovsdb_row *row, const json_t *muts,
                     ovsdb_symbol_fn sym, void *sym_arg, json_t **error);

#endif
