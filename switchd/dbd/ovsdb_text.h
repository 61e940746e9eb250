/* Compact JSON text of OVSDB values written straight into a buffer: the
 * journal records of xvs-dbd's transactions, without building a JSON tree
 * first and dumping it (which cost more than the transaction itself).  The
 * text parses to the same JSON as ovsdb_txn_record() and
 * ovsdb_datum_to_json() give. */
#ifndef XVS_OVSDB_TEXT_H
#define XVS_OVSDB_TEXT_H

#include "ovsdb_db.h"
#include "sbuf.h"

#include <jansson.h>
#include <stddef.h>

/* Writes the decimal digits of v (with its sign) at "buf" without a NUL;
 * returns their count. */
size_t ovsdb_text_fmt_int(long long v, char buf[24]);

/* Appends the RFC 7047 JSON notation of an internal datum of "type". */
void ovsdb_text_datum(struct sbuf *b, const struct ovsdb_type *type, const json_t *datum);

/* Appends the journal record of a checked transaction:
 * {"txn": {table: {uuid: row|null}}} plus "comment" when "comment" (a JSON
 * string, may be NULL) is given.  Returns 0 or -ENOMEM (sbuf_error()). */
int ovsdb_text_txn_record(struct sbuf *b, const struct ovsdb_txn *txn, const json_t *comment);

#endif
