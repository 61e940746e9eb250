/* OVSDB atoms and datums: conversion between the RFC 7047 JSON notation and the
 * internal form, type and constraint checks, comparison and update2 diffs.
 *
 * Internal form: a datum is an immutable JSON array, sorted and without
 * duplicates.  For sets and scalars its elements are atoms; for maps they are
 * two-element arrays [key, value] sorted by key.  An atom is a JSON integer,
 * real, boolean or string; a uuid atom is a string in canonical 36-character
 * lowercase form.  Datums are shared by reference count, never modified. */
#ifndef XVS_OVSDB_DATUM_H
#define XVS_OVSDB_DATUM_H

#include "ovsdb_schema.h"

#include <jansson.h>
#include <stdbool.h>

/* Resolves a "named-uuid" to a uuid string, or NULL if unknown. */
typedef const char *(*ovsdb_symbol_fn)(const char *name, void *arg);

/* True if "s" is a valid uuid text (any case). */
bool ovsdb_uuid_valid(const char *s);

/* Writes a new random (version 4) uuid into buf (37 bytes). */
void ovsdb_uuid_generate(char buf[37]);

/* A string atom equal to the n bytes at "s" (valid UTF-8), shared with every
 * other string atom of the same text: a new reference, or NULL on allocation
 * failure.  The result must never be modified. */
json_t *ovsdb_atom_string(const char *s, size_t n);

/* Drops the pooled string atoms and map entries (a datum's [key, value]
 * elements whose key and value are strings are pooled too) that nothing but
 * the pools reference, and frees a pool when it becomes empty (called when a
 * database is freed). */
void ovsdb_atom_pool_trim(void);

/* The number of string atoms and map entries the pools hold, in use or not
 * yet dropped (for tests and diagnostics). */
size_t ovsdb_atom_pool_size(void);

/* Compares two atoms of the same atomic type: <0, 0, >0. */
int ovsdb_atom_cmp(const json_t *a, const json_t *b, enum ovsdb_atype type);

/* Parses the JSON atom "json" of base type "base" into *out (new reference).
 * "check" applies the base constraints (enum, ranges, lengths).  Named uuids
 * are resolved through sym (may be NULL).  Returns 0 or -EINVAL with a new
 * error object in *error. */
int ovsdb_atom_from_json(const struct ovsdb_base *base, const json_t *json, bool check,
                         ovsdb_symbol_fn sym, void *sym_arg, json_t **out, json_t **error);

/* Checks an internal atom against the base constraints.  0 or -EINVAL with *error. */
int ovsdb_atom_check(const struct ovsdb_base *base, const json_t *atom, json_t **error);

/* Parses a datum of "type".  "relaxed" skips the size and base constraints (for
 * condition and mutation values, whose type rules are looser).  Duplicates are
 * an error.  Returns 0 with *out (new reference) or -EINVAL with *error. */
int ovsdb_datum_from_json(const struct ovsdb_type *type, const json_t *json, bool relaxed,
                          ovsdb_symbol_fn sym, void *sym_arg, json_t **out, json_t **error);

/* The JSON notation of an internal datum (new reference). */
json_t *ovsdb_datum_to_json(const struct ovsdb_type *type, const json_t *datum);

/* The default value of "type" (new reference). */
json_t *ovsdb_datum_default(const struct ovsdb_type *type);

/* True if "datum" equals the default of "type". */
bool ovsdb_datum_is_default(const struct ovsdb_type *type, const json_t *datum);

/* Checks the element count and each element's constraints.  0 or -EINVAL with *error. */
int ovsdb_datum_check(const struct ovsdb_type *type, const json_t *datum, json_t **error);

/* Checks only the element count of a datum of "type" with n elements.  0 or
 * -EINVAL with *error. */
int ovsdb_datum_check_count(const struct ovsdb_type *type, size_t n, json_t **error);

/* Checks one element (an atom, or a map's [key, value]) against the base
 * constraints of "type".  0 or -EINVAL with *error. */
int ovsdb_datum_check_elem(const struct ovsdb_type *type, const json_t *elem, json_t **error);

/* Compares datums of the same type; 0 when equal. */
int ovsdb_datum_cmp(const struct ovsdb_type *type, const json_t *a, const json_t *b);

/* Binary search: the index of the element whose key equals "key" (then
 * *found is true), else the index where such an element would go to keep
 * the datum sorted. */
size_t ovsdb_datum_lower_bound(const struct ovsdb_type *type, const json_t *datum,
                               const json_t *key, bool *found);

/* Index of the element whose key equals "key", or -1 (binary search). */
long ovsdb_datum_find(const struct ovsdb_type *type, const json_t *datum, const json_t *key);

/* Sorts an array of elements and rejects duplicate keys.  Takes "arr" (a new,
 * unshared array).  Returns 0, or -EEXIST when two keys are equal. */
int ovsdb_datum_sort(const struct ovsdb_type *type, json_t *arr);

/* For update2: the diff from "old" to "new" (new reference, internal form). */
json_t *ovsdb_datum_diff(const struct ovsdb_type *type, const json_t *old, const json_t *new_);

/* Applies an update2-style diff (see ovsdb_datum_diff()) to "old"; returns
 * the new datum (new reference). */
json_t *ovsdb_datum_apply_diff(const struct ovsdb_type *type, const json_t *old,
                               const json_t *diff);

/* True if "a" holds element "e" (for maps: key and value equal). */
bool ovsdb_datum_holds(const struct ovsdb_type *type, const json_t *a, const json_t *e);

/* True if every element of "b" is in "a" (for maps: key and value equal). */
bool ovsdb_datum_includes(const struct ovsdb_type *type, const json_t *a, const json_t *b);

/* True if no element of "b" is in "a". */
bool ovsdb_datum_excludes(const struct ovsdb_type *type, const json_t *a, const json_t *b);

#endif
