/* The "mutate" operation's mutators (RFC 7047 §5.1, <mutation>): arithmetic
 * on integer and real columns, insert and delete on sets and maps. */
#ifndef XVS_OVSDB_MUTATE_H
#define XVS_OVSDB_MUTATE_H

#include "ovsdb_datum.h"
#include "ovsdb_db.h"

#include <jansson.h>

/* Told of each change that insert and delete mutations make to a set or map
 * column c, in order: elem(c, e, true) for an element e that came in,
 * elem(c, e, false) for an element e of the datum that went out, and
 * elem(c, NULL, false) when the column changed in a way not told element by
 * element (arithmetic).  With it a transaction keeps a column's diff up to
 * date without walking the whole datum (a bridge's thousands of ports). */
struct ovsdb_mutate_watch {
    void (*elem)(size_t c, const json_t *e, bool added, void *arg);
    void *arg;
};

/* Applies the array of mutations "muts" to the writable row "row" of table
 * "ts" (row NULL: only parse and type-check them), telling "watch" (may be
 * NULL) what changed.  Returns 0, or -EINVAL with a new RFC error object in
 * *error ("constraint violation", "domain error", "range error" or "syntax
 * error"); the row is then in an unspecified state and the transaction must
 * be dropped. */
int ovsdb_mutate_row(const struct ovsdb_tschema *ts, struct ovsdb_row *row, const json_t *muts,
                     ovsdb_symbol_fn sym, void *sym_arg, const struct ovsdb_mutate_watch *watch,
                     json_t **error);

#endif
