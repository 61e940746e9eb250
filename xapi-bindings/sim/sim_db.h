/* The object store of xvs-xapi-sim: per XenAPI class, ref -> record.
 *
 * Records are kept in their XML-RPC wire form (struct values as
 * xapi_record_encode() builds them: ints as decimal strings, datetimes as
 * dateTime.iso8601), so that get_record and the field getters hand them out
 * unchanged and later write methods can set any member.  Each class keeps
 * its records in insertion order, with hash indexes by ref and by uuid.
 *
 * The whole store persists as one XML document: a bare XML-RPC <value>
 * holding struct class -> struct ref -> record, replaced atomically. */
#ifndef XVS_SIM_DB_H
#define XVS_SIM_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "records.h"

struct sbuf;
struct xr_value;

struct sim_db;

/* Creates an empty store with a table for every class of xapi_classes[].
 * Returns 0 or -ENOMEM. */
int sim_db_new(struct sim_db **out);

/* Frees the store and every record.  Accepts NULL. */
void sim_db_free(struct sim_db *db);

/* Number of records of "cls" (0 for a class the store does not know). */
size_t sim_db_count(const struct sim_db *db, const struct xapi_class *cls);

/* The i-th record of "cls" in insertion order, and its ref; NULL when out
 * of range.  Borrowed from the store: valid until it changes. */
const struct xr_value *sim_db_record_at(const struct sim_db *db, const struct xapi_class *cls,
                                        size_t i);
const char *sim_db_ref_at(const struct sim_db *db, const struct xapi_class *cls, size_t i);

/* The record of "cls" whose ref is "ref", or NULL.  Borrowed. */
const struct xr_value *sim_db_get(const struct sim_db *db, const struct xapi_class *cls,
                                  const char *ref);

/* The ref of the record of "cls" whose uuid is "uuid", or NULL.  Borrowed. */
const char *sim_db_find_uuid(const struct sim_db *db, const struct xapi_class *cls,
                             const char *uuid);

/* Adds record "rec" (an XR_STRUCT with a string "uuid" member) as "ref".
 * Takes ownership of "rec" in every case.  Members of the class table that
 * "rec" lacks are added with their defaults, so every stored record is
 * complete.  Returns 0, -EEXIST (ref or uuid already in the class),
 * -EINVAL (not a struct, no uuid, a member of the wrong type) or -ENOMEM. */
int sim_db_insert(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                  struct xr_value *rec);

/* Encodes the typed record "rec" (a struct of cls->size bytes whose "ref"
 * is set) in wire form and inserts it.  Same returns as sim_db_insert(). */
int sim_db_insert_typed(struct sim_db *db, const struct xapi_class *cls, const void *rec);

/* Replaces member "field" of record "ref" by "v" (taking ownership in
 * every case), keeping the uuid index right.  Returns 0, -ENOENT (no such
 * record), -EINVAL (not a field of the class, or a value of the wrong
 * type), -EEXIST (a uuid another record has) or -ENOMEM. */
int sim_db_set_field(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                     const char *field, struct xr_value *v);

/* Checks that the value of member "field" has the wire type of the
 * class's field of that name (members unknown to the class are accepted).
 * Returns 0 or -EINVAL with a one-line reason in "err". */
int sim_db_check_member(const struct xapi_class *cls, const char *field, const struct xr_value *v,
                        char *err, size_t errlen);

/* Removes record "ref" of "cls".  Returns 0, -ENOENT (no such record) or
 * -EINVAL (a class the store does not know). */
int sim_db_remove(struct sim_db *db, const struct xapi_class *cls, const char *ref);

/* Deep-copies "db" into a new store "*out" (NULL on failure), so that a
 * write method can work on the copy and apply it whole or not at all.
 * Returns 0 or -ENOMEM. */
int sim_db_clone(const struct sim_db *db, struct sim_db **out);

/* Exchanges the contents of "a" and "b" (handles stay valid). */
void sim_db_swap(struct sim_db *a, struct sim_db *b);

/* Whether "a" and "b" hold the same records under the same refs. */
bool sim_db_equal(const struct sim_db *a, const struct sim_db *b);

/* Serialises the store (one <value> document).  Returns 0 or -ENOMEM;
 * the caller frees "*out". */
int sim_db_format(const struct sim_db *db, char **out, size_t *len);

/* Writes the store to "path" atomically (mode 0600).  Returns 0 or a
 * negative errno; the caller logs. */
int sim_db_save(const struct sim_db *db, const char *path);

/* Parses a state document into a new store.  Returns 0, -EBADMSG with a
 * one-line reason in "err" (malformed XML, unknown class, a record of the
 * wrong shape, duplicate refs or uuids), -E2BIG (over 64 MiB) or -ENOMEM. */
int sim_db_parse(const char *buf, size_t len, struct sim_db **out, char *err, size_t errlen);

/* Reads the state file "path".  Returns 0, -ENOENT when it does not exist,
 * or as sim_db_parse() (other errno values from reading the file are
 * described in "err" too).  Never modifies the file. */
int sim_db_load(const char *path, struct sim_db **out, char *err, size_t errlen);

/* Appends the text XAPI's database holds for the wire value "v", which is
 * what get_all_records_where compares: strings as they are, bools
 * "true"/"false", ints in decimal, floats as OCaml's string_of_float,
 * sets as ('a' 'b') and maps as (('k' 'v')) with \ and ' escaped.
 * Returns 0 or -ENOMEM. */
int sim_db_value_text(const struct xr_value *v, struct sbuf *out);

/* Writes a new random (version 4) uuid into "out" (37 bytes).  Returns 0
 * or a negative errno from the random source. */
int sim_db_uuid(char out[37]);

/* Writes a new "OpaqueRef:<uuid>" into "out" (48 bytes).  Returns 0 or a
 * negative errno, as sim_db_uuid(). */
int sim_db_new_ref(char out[48]);

/* Formats a one-line error into "err" (of "errlen" bytes) for the functions
 * of the simulator that report why they failed; a NULL "err" is ignored. */
void sim_set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
