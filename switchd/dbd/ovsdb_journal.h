/* The on-disk form of an xvs-dbd database: an append-only journal.
 *
 * Each record is a header line "XVSJ <length> <crc32 hex>\n" followed by
 * <length> bytes of compact JSON and "\n".  The first record is
 * {"schema": <schema>}; the others are {"txn": {table: {uuid: row|null}}}
 * (optionally with "comment") or, after compaction, one {"snapshot": ...}.
 * A record is durable once ovsdb_journal_append() returns, or once
 * ovsdb_journal_sync() returns after ovsdb_journal_write() (fdatasync); the
 * server writes a whole round of transactions and syncs them once.  At
 * start-up a torn or corrupt tail record (a crash mid-write) is dropped and
 * the file truncated to the last whole record. */
#ifndef XVS_OVSDB_JOURNAL_H
#define XVS_OVSDB_JOURNAL_H

#include "ovsdb_db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct ovsdb_journal;

/* Opens the journal "path" and loads its database into *db.  When the file
 * does not exist it is created from "schema_json" (borrowed; the text of an
 * .ovsschema).  The file is locked against a second server.  Returns 0, or a
 * negative errno (logged). */
int ovsdb_journal_open(const char *path, const char *schema_json, struct ovsdb_journal **out,
                       struct ovsdb_db **db);

/* Appends a record (borrowed) and syncs it to disk.  Returns 0 or -errno. */
int ovsdb_journal_append(struct ovsdb_journal *j, const json_t *record);

/* Appends a record (borrowed) without syncing it: it is durable only after
 * the next successful ovsdb_journal_sync().  On failure nothing of the
 * record stays in the file.  Returns 0 or -errno (logged). */
int ovsdb_journal_write(struct ovsdb_journal *j, const json_t *record);

/* As ovsdb_journal_write(), for a record already in compact JSON text: the
 * "blen" bytes at "body" (borrowed), one line without a newline. */
int ovsdb_journal_write_text(struct ovsdb_journal *j, const char *body, size_t blen);

/* Makes every record written so far durable (fdatasync; nothing to do when
 * none was written since the last sync).  Returns 0 or -errno (logged); after
 * a failure the written records may or may not be on disk. */
int ovsdb_journal_sync(struct ovsdb_journal *j);

/* Makes sure that the next records fit in zeros the file was already grown
 * by, growing it by a step (written and synced) when little room is left.
 * Records overwriting such zeros need no change of the file's length, so
 * their fdatasync is cheaper; the server calls this after it has sent its
 * replies, off their path.  Failure (a full disk) is ignored: records then
 * extend the file themselves.  The zeros after the last record are not
 * part of the journal: loading stops at them and a clean close trims them. */
void ovsdb_journal_reserve(struct ovsdb_journal *j);

/* Rewrites the file as the schema plus one snapshot of "db", atomically
 * (temporary file, fsync, rename).  Returns 0 or -errno (logged). */
int ovsdb_journal_compact(struct ovsdb_journal *j, const struct ovsdb_db *db);

/* True when the file has grown enough past its last compaction that the
 * server should compact it now. */
bool ovsdb_journal_should_compact(const struct ovsdb_journal *j);

/* Bytes in the file and records appended since the last compaction. */
long long ovsdb_journal_size(const struct ovsdb_journal *j);
unsigned long ovsdb_journal_records(const struct ovsdb_journal *j);

/* Syncs that made appended records durable since the journal was opened
 * (one per group of transactions). */
unsigned long ovsdb_journal_syncs(const struct ovsdb_journal *j);

/* The CRC-32 (IEEE) of a buffer, as the record headers use it. */
unsigned long ovsdb_journal_crc32(const void *data, size_t len);

/* Closes the journal; NULL is fine. */
void ovsdb_journal_close(struct ovsdb_journal *j);

#endif
