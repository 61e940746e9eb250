/* OVSDB schemas (RFC 7047 §3.2): the parsed form of an .ovsschema file that the
 * datum, database and server modules of xvs-dbd check every value against. */
#ifndef XVS_OVSDB_SCHEMA_H
#define XVS_OVSDB_SCHEMA_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ovsdb_atype {
    OVSDB_VOID, /* No value: the "value" of a type that is not a map. */
    OVSDB_INTEGER,
    OVSDB_REAL,
    OVSDB_BOOLEAN,
    OVSDB_STRING,
    OVSDB_UUID,
};

#define OVSDB_UNLIMITED UINT_MAX

/* One <base-type>, with its constraints. */
struct ovsdb_base {
    enum ovsdb_atype type;
    json_t *enum_set; /* Sorted internal datum (array of atoms) or NULL. */
    int64_t min_int, max_int;
    double min_real, max_real;
    size_t min_len, max_len;
    char *ref_table_name; /* For uuids: the referenced table, or NULL. */
    int ref_table;        /* Its index in the schema, or -1. */
    bool ref_weak;
};

/* One <type>: a scalar, a set (value.type == OVSDB_VOID) or a map. */
struct ovsdb_type {
    struct ovsdb_base key, value;
    unsigned n_min, n_max;
};

struct ovsdb_column {
    char *name;
    struct ovsdb_type type;
    bool is_mutable;
    bool ephemeral;
    json_t *default_datum; /* Shared by every row that holds the default. */
};

/* Columns 0 and 1 of every table are the _uuid and _version pseudo-columns. */
#define OVSDB_COL_UUID    0
#define OVSDB_COL_VERSION 1

struct ovsdb_tschema {
    char *name;
    struct ovsdb_column *cols;
    size_t n_cols;
    bool is_root;
    unsigned max_rows; /* OVSDB_UNLIMITED when not set. */
    size_t n_indexes;
    size_t **indexes; /* Each: column indexes, index_len[i] of them. */
    size_t *index_len;
    bool has_refs; /* Some column holds uuids that reference a table. */
};

struct ovsdb_schema {
    char *name;
    char *version;
    struct ovsdb_tschema *tables;
    size_t n_tables;
    json_t *json; /* The schema as given, for get_schema. */
};

/* Parses "json" (borrowed) into a new schema in *out.  On failure returns
 * -EINVAL and sets *error to a new RFC error object ("syntax error" with
 * details) that the caller owns. */
int ovsdb_schema_from_json(const json_t *json, struct ovsdb_schema **out, json_t **error);

/* Reads and parses a schema file.  Returns 0 or a negative errno (logged). */
int ovsdb_schema_load(const char *path, struct ovsdb_schema **out);

/* Frees a schema; NULL is fine. */
void ovsdb_schema_free(struct ovsdb_schema *schema);

/* The index of table "name", or -1. */
int ovsdb_schema_table(const struct ovsdb_schema *schema, const char *name);

/* The index of column "name" in "table" (including _uuid and _version), or -1. */
int ovsdb_tschema_column(const struct ovsdb_tschema *table, const char *name);

/* A new RFC 7047 error object {"error": tag, "details": ...}. */
json_t *ovsdb_error(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
