/* OVSDB schema parsing (RFC 7047 §3.2); see ovsdb_schema.h. */
#include "ovsdb_schema.h"

#include "fsutil.h"
#include "log.h"
#include "ovsdb_datum.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *ovsdb_error(const char *tag, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return json_pack("{s:s, s:s}", "error", tag, "details", buf);
}

static int fail(json_t **error, const char *fmt, const char *arg)
{
    *error = ovsdb_error("syntax error", fmt, arg);
    return -EINVAL;
}

/* Identifiers are [_a-zA-Z][_a-zA-Z0-9]*. */
static bool valid_id(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_')) {
        return false;
    }
    for (s++; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '_') {
            return false;
        }
    }
    return true;
}

static int parse_atype(const char *s, enum ovsdb_atype *t)
{
    static const char *const names[] = {"", "integer", "real", "boolean", "string", "uuid"};
    for (size_t i = 1; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(s, names[i])) {
            *t = (enum ovsdb_atype)i;
            return 0;
        }
    }
    return -EINVAL;
}

static void base_init(struct ovsdb_base *b, enum ovsdb_atype t)
{
    memset(b, 0, sizeof *b);
    b->type = t;
    b->min_int = INT64_MIN;
    b->max_int = INT64_MAX;
    b->min_real = -DBL_MAX;
    b->max_real = DBL_MAX;
    b->max_len = SIZE_MAX;
    b->ref_table = -1;
}

static void base_free(struct ovsdb_base *b)
{
    json_decref(b->enum_set);
    free(b->ref_table_name);
}

static int parse_base(const json_t *j, struct ovsdb_base *b, json_t **error)
{
    enum ovsdb_atype t;
    const json_t *v;

    if (json_is_string(j)) {
        if (parse_atype(json_string_value(j), &t)) {
            return fail(error, "unknown atomic type %s", json_string_value(j));
        }
        base_init(b, t);
        return 0;
    }
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "type"))) {
        return fail(error, "%s", "base type must be a string or an object with \"type\"");
    }
    if (parse_atype(json_string_value(json_object_get(j, "type")), &t)) {
        return fail(error, "unknown atomic type %s", json_string_value(json_object_get(j, "type")));
    }
    base_init(b, t);
    if ((v = json_object_get(j, "minInteger")) && json_is_integer(v)) {
        b->min_int = json_integer_value(v);
    }
    if ((v = json_object_get(j, "maxInteger")) && json_is_integer(v)) {
        b->max_int = json_integer_value(v);
    }
    if ((v = json_object_get(j, "minReal")) && json_is_number(v)) {
        b->min_real = json_number_value(v);
    }
    if ((v = json_object_get(j, "maxReal")) && json_is_number(v)) {
        b->max_real = json_number_value(v);
    }
    if ((v = json_object_get(j, "minLength")) && json_is_integer(v) && json_integer_value(v) >= 0) {
        b->min_len = (size_t)json_integer_value(v);
    }
    if ((v = json_object_get(j, "maxLength")) && json_is_integer(v) && json_integer_value(v) >= 0) {
        b->max_len = (size_t)json_integer_value(v);
    }
    if ((v = json_object_get(j, "refTable"))) {
        if (t != OVSDB_UUID || !json_is_string(v)) {
            base_free(b);
            return fail(error, "%s", "refTable only applies to uuid strings");
        }
        b->ref_table_name = strdup(json_string_value(v));
        if ((v = json_object_get(j, "refType"))) {
            if (json_is_string(v) && !strcmp(json_string_value(v), "weak")) {
                b->ref_weak = true;
            } else if (!json_is_string(v) || strcmp(json_string_value(v), "strong")) {
                base_free(b);
                return fail(error, "%s", "refType must be \"strong\" or \"weak\"");
            }
        }
    }
    if ((v = json_object_get(j, "enum"))) {
        struct ovsdb_type et;
        memset(&et, 0, sizeof et);
        et.key = *b;
        et.key.enum_set = NULL;
        et.value.type = OVSDB_VOID;
        et.n_min = 0;
        et.n_max = OVSDB_UNLIMITED;
        if (ovsdb_datum_from_json(&et, v, true, NULL, NULL, &b->enum_set, error)) {
            base_free(b);
            return -EINVAL;
        }
    }
    return 0;
}

static int parse_type(const json_t *j, struct ovsdb_type *type, json_t **error)
{
    const json_t *v;

    memset(type, 0, sizeof *type);
    type->n_min = type->n_max = 1;
    if (json_is_string(j)) {
        base_init(&type->value, OVSDB_VOID);
        return parse_base(j, &type->key, error);
    }
    if (!json_is_object(j) || !json_object_get(j, "key")) {
        return fail(error, "%s", "type must be a string or an object with \"key\"");
    }
    if (parse_base(json_object_get(j, "key"), &type->key, error)) {
        return -EINVAL;
    }
    if ((v = json_object_get(j, "value"))) {
        if (parse_base(v, &type->value, error)) {
            base_free(&type->key);
            return -EINVAL;
        }
    } else {
        base_init(&type->value, OVSDB_VOID);
    }
    if ((v = json_object_get(j, "min"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1) {
            goto bad_count;
        }
        type->n_min = (unsigned)json_integer_value(v);
    }
    if ((v = json_object_get(j, "max"))) {
        if (json_is_string(v) && !strcmp(json_string_value(v), "unlimited")) {
            type->n_max = OVSDB_UNLIMITED;
        } else if (json_is_integer(v) && json_integer_value(v) >= 1 &&
                   json_integer_value(v) < OVSDB_UNLIMITED) {
            type->n_max = (unsigned)json_integer_value(v);
        } else {
            goto bad_count;
        }
    }
    if (type->n_min > type->n_max) {
        goto bad_count;
    }
    return 0;

bad_count:
    base_free(&type->key);
    base_free(&type->value);
    return fail(error, "%s", "bad min or max in type");
}

static void column_free(struct ovsdb_column *c)
{
    json_decref(c->default_datum);
    free(c->name);
    base_free(&c->type.key);
    base_free(&c->type.value);
}

static void tschema_free(struct ovsdb_tschema *t)
{
    for (size_t i = 0; i < t->n_cols; i++) {
        column_free(&t->cols[i]);
    }
    free(t->cols);
    for (size_t i = 0; i < t->n_indexes; i++) {
        free(t->indexes[i]);
    }
    free(t->indexes);
    free(t->index_len);
    free(t->name);
}

void ovsdb_schema_free(struct ovsdb_schema *schema)
{
    if (!schema) {
        return;
    }
    for (size_t i = 0; i < schema->n_tables; i++) {
        tschema_free(&schema->tables[i]);
    }
    free(schema->tables);
    free(schema->name);
    free(schema->version);
    json_decref(schema->json);
    free(schema);
}

int ovsdb_schema_table(const struct ovsdb_schema *schema, const char *name)
{
    for (size_t i = 0; i < schema->n_tables; i++) {
        if (!strcmp(schema->tables[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

int ovsdb_tschema_column(const struct ovsdb_tschema *table, const char *name)
{
    for (size_t i = 0; i < table->n_cols; i++) {
        if (!strcmp(table->cols[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

static void pseudo_column(struct ovsdb_column *c, const char *name)
{
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->type.n_min = c->type.n_max = 1;
    base_init(&c->type.key, OVSDB_UUID);
    base_init(&c->type.value, OVSDB_VOID);
}

static int parse_indexes(const json_t *j, struct ovsdb_tschema *t, json_t **error)
{
    size_t i, k;
    json_t *idx;

    if (!json_is_array(j)) {
        return fail(error, "%s", "indexes must be an array");
    }
    t->indexes = calloc(json_array_size(j) + 1, sizeof *t->indexes);
    t->index_len = calloc(json_array_size(j) + 1, sizeof *t->index_len);
    if (!t->indexes || !t->index_len) {
        return fail(error, "%s", "out of memory");
    }
    json_array_foreach(j, i, idx)
    {
        if (!json_is_array(idx) || !json_array_size(idx)) {
            return fail(error, "%s", "an index must be a non-empty array of column names");
        }
        t->indexes[i] = calloc(json_array_size(idx), sizeof(size_t));
        t->n_indexes++;
        if (!t->indexes[i]) {
            return fail(error, "%s", "out of memory");
        }
        for (k = 0; k < json_array_size(idx); k++) {
            const json_t *n = json_array_get(idx, k);
            int c = json_is_string(n) ? ovsdb_tschema_column(t, json_string_value(n)) : -1;
            if (c < 0) {
                return fail(error, "index refers to unknown column in table %s", t->name);
            }
            t->indexes[i][k] = (size_t)c;
        }
        t->index_len[i] = k;
    }
    return 0;
}

static int parse_table(const char *name, const json_t *j, struct ovsdb_tschema *t, json_t **error)
{
    const json_t *cols, *v;
    const char *cname;
    json_t *cj;

    t->name = strdup(name);
    t->max_rows = OVSDB_UNLIMITED;
    if (!valid_id(name) || !json_is_object(j)) {
        return fail(error, "bad table %s", name);
    }
    cols = json_object_get(j, "columns");
    if (!json_is_object(cols) || !json_object_size(cols)) {
        return fail(error, "table %s needs columns", name);
    }
    t->cols = calloc(json_object_size(cols) + 2, sizeof *t->cols);
    if (!t->cols) {
        return fail(error, "%s", "out of memory");
    }
    pseudo_column(&t->cols[0], "_uuid");
    pseudo_column(&t->cols[1], "_version");
    t->n_cols = 2;
    json_object_foreach((json_t *)cols, cname, cj)
    {
        struct ovsdb_column *c = &t->cols[t->n_cols];
        if (!valid_id(cname) || cname[0] == '_' || !json_is_object(cj)) {
            return fail(error, "bad column name %s", cname);
        }
        if (parse_type(json_object_get(cj, "type"), &c->type, error)) {
            return -EINVAL;
        }
        c->name = strdup(cname);
        t->n_cols++;
        v = json_object_get(cj, "mutable");
        c->is_mutable = !json_is_false(v);
        c->ephemeral = json_is_true(json_object_get(cj, "ephemeral"));
        /* Datums are never modified in place, so rows can share this one. */
        c->default_datum = ovsdb_datum_default(&c->type);
        if (c->type.key.ref_table_name || c->type.value.ref_table_name) {
            t->has_refs = true;
        }
    }
    v = json_object_get(j, "isRoot");
    t->is_root = json_is_true(v);
    v = json_object_get(j, "maxRows");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            return fail(error, "bad maxRows in table %s", name);
        }
        t->max_rows = (unsigned)json_integer_value(v);
    }
    v = json_object_get(j, "indexes");
    if (v && parse_indexes(v, t, error)) {
        return -EINVAL;
    }
    return 0;
}

static int resolve_ref(struct ovsdb_schema *s, struct ovsdb_base *b, json_t **error)
{
    if (!b->ref_table_name) {
        return 0;
    }
    b->ref_table = ovsdb_schema_table(s, b->ref_table_name);
    if (b->ref_table < 0) {
        return fail(error, "refTable %s is not a table", b->ref_table_name);
    }
    return 0;
}

int ovsdb_schema_from_json(const json_t *json, struct ovsdb_schema **out, json_t **error)
{
    struct ovsdb_schema *s;
    const json_t *tables, *v;
    const char *tname;
    json_t *tj;
    bool any_root = false;

    *out = NULL;
    *error = NULL;
    s = calloc(1, sizeof *s);
    if (!s) {
        return fail(error, "%s", "out of memory");
    }
    v = json_object_get(json, "name");
    tables = json_object_get(json, "tables");
    if (!json_is_string(v) || !valid_id(json_string_value(v)) || !json_is_object(tables)) {
        fail(error, "%s", "schema needs a valid \"name\" and \"tables\"");
        goto err;
    }
    s->name = strdup(json_string_value(v));
    v = json_object_get(json, "version");
    s->version = strdup(json_is_string(v) ? json_string_value(v) : "0.0.0");
    s->tables = calloc(json_object_size(tables) + 1, sizeof *s->tables);
    if (!s->tables) {
        goto err;
    }
    json_object_foreach((json_t *)tables, tname, tj)
    {
        s->n_tables++;
        if (parse_table(tname, tj, &s->tables[s->n_tables - 1], error)) {
            goto err;
        }
        any_root |= s->tables[s->n_tables - 1].is_root;
    }
    for (size_t i = 0; i < s->n_tables; i++) {
        struct ovsdb_tschema *t = &s->tables[i];
        /* RFC 7047: a schema without any isRoot makes every table a root. */
        if (!any_root) {
            t->is_root = true;
        }
        for (size_t c = 0; c < t->n_cols; c++) {
            if (resolve_ref(s, &t->cols[c].type.key, error) ||
                resolve_ref(s, &t->cols[c].type.value, error)) {
                goto err;
            }
        }
    }
    s->json = json_deep_copy(json);
    *out = s;
    return 0;

err:
    if (!*error) {
        *error = ovsdb_error("syntax error", "bad schema");
    }
    ovsdb_schema_free(s);
    return -EINVAL;
}

int ovsdb_schema_load(const char *path, struct ovsdb_schema **out)
{
    json_error_t jerr;
    json_t *json, *error = NULL;
    int r;

    json = json_load_file(path, 0, &jerr);
    if (!json) {
        xlog_err("%s: %s", path, jerr.text);
        return -EINVAL;
    }
    r = ovsdb_schema_from_json(json, out, &error);
    if (r) {
        xlog_err("%s: %s", path, json_string_value(json_object_get(error, "details")));
    }
    json_decref(error);
    json_decref(json);
    return r;
}
