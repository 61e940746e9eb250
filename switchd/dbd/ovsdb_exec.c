/* Transact operations and conditions (RFC 7047 §5); see ovsdb_exec.h. */
#include "ovsdb_exec.h"

#include "ovsdb_mutate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cond_fn { C_LT, C_LE, C_EQ, C_NE, C_GE, C_GT, C_INCLUDES, C_EXCLUDES, C_TRUE, C_FALSE };

struct clause {
    enum cond_fn fn;
    size_t col;
    json_t *value; /* Internal datum. */
};

struct ovsdb_cond {
    const struct ovsdb_tschema *ts;
    struct clause *c;
    size_t n;
};

void ovsdb_cond_free(struct ovsdb_cond *cond)
{
    if (!cond) {
        return;
    }
    for (size_t i = 0; i < cond->n; i++) {
        json_decref(cond->c[i].value);
    }
    free(cond->c);
    free(cond);
}

static int parse_fn(const char *s, enum cond_fn *fn)
{
    static const char *const names[] = {"<", "<=", "==", "!=", ">=", ">", "includes", "excludes"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(s, names[i])) {
            *fn = (enum cond_fn)i;
            return 0;
        }
    }
    return -EINVAL;
}

int ovsdb_cond_parse(const struct ovsdb_tschema *ts, const json_t *where, ovsdb_symbol_fn sym,
                     void *sym_arg, struct ovsdb_cond **out, json_t **error)
{
    struct ovsdb_cond *cond;
    const json_t *cl;
    size_t i;

    *out = NULL;
    if (!json_is_array(where)) {
        *error = ovsdb_error("syntax error", "%s", "\"where\" must be an array");
        return -EINVAL;
    }
    cond = calloc(1, sizeof *cond);
    if (!cond || !(cond->c = calloc(json_array_size(where) + 1, sizeof *cond->c))) {
        free(cond);
        *error = ovsdb_error("resources exhausted", "%s", "out of memory");
        return -ENOMEM;
    }
    cond->ts = ts;
    json_array_foreach(where, i, cl)
    {
        struct clause *c = &cond->c[cond->n];
        const struct ovsdb_column *col;
        int ci;

        if (json_is_boolean(cl)) {
            c->fn = json_is_true(cl) ? C_TRUE : C_FALSE;
            cond->n++;
            continue;
        }
        if (!json_is_array(cl) || json_array_size(cl) != 3 ||
            !json_is_string(json_array_get(cl, 0)) || !json_is_string(json_array_get(cl, 1))) {
            *error = ovsdb_error("syntax error", "%s", "a condition is [column, function, value]");
            goto err;
        }
        ci = ovsdb_tschema_column(ts, json_string_value(json_array_get(cl, 0)));
        if (ci < 0) {
            *error = ovsdb_error("syntax error", "no column %s in table %s",
                                 json_string_value(json_array_get(cl, 0)), ts->name);
            goto err;
        }
        col = &ts->cols[ci];
        if (parse_fn(json_string_value(json_array_get(cl, 1)), &c->fn)) {
            *error = ovsdb_error("syntax error", "unknown function %s",
                                 json_string_value(json_array_get(cl, 1)));
            goto err;
        }
        if ((c->fn == C_LT || c->fn == C_LE || c->fn == C_GE || c->fn == C_GT) &&
            (col->type.n_min != 1 || col->type.n_max != 1 || col->type.value.type != OVSDB_VOID ||
             (col->type.key.type != OVSDB_INTEGER && col->type.key.type != OVSDB_REAL))) {
            *error = ovsdb_error("syntax error", "function %s needs an integer or real column",
                                 json_string_value(json_array_get(cl, 1)));
            goto err;
        }
        if (ovsdb_datum_from_json(&col->type, json_array_get(cl, 2), true, sym, sym_arg, &c->value,
                                  error)) {
            goto err;
        }
        c->col = (size_t)ci;
        cond->n++;
    }
    *out = cond;
    return 0;

err:
    ovsdb_cond_free(cond);
    return -EINVAL;
}

static bool clause_match(const struct ovsdb_cond *cond, const struct clause *c,
                         const struct ovsdb_row *row)
{
    const struct ovsdb_type *type;
    const json_t *d;
    int cmp;

    if (c->fn == C_TRUE || c->fn == C_FALSE) {
        return c->fn == C_TRUE;
    }
    type = &cond->ts->cols[c->col].type;
    d = row->cols[c->col];
    switch (c->fn) {
    case C_EQ:
        return !ovsdb_datum_cmp(type, d, c->value);
    case C_NE:
        return ovsdb_datum_cmp(type, d, c->value) != 0;
    case C_INCLUDES:
        return ovsdb_datum_includes(type, d, c->value);
    case C_EXCLUDES:
        return ovsdb_datum_excludes(type, d, c->value);
    default:
        break;
    }
    if (json_array_size(c->value) != 1) {
        return false;
    }
    cmp = ovsdb_atom_cmp(json_array_get(d, 0), json_array_get(c->value, 0), type->key.type);
    switch (c->fn) {
    case C_LT:
        return cmp < 0;
    case C_LE:
        return cmp <= 0;
    case C_GE:
        return cmp >= 0;
    case C_GT:
        return cmp > 0;
    default:
        return false;
    }
}

bool ovsdb_cond_match(const struct ovsdb_cond *cond, const struct ovsdb_row *row, bool any)
{
    if (any && !cond->n) {
        return true;
    }
    for (size_t i = 0; i < cond->n; i++) {
        bool m = clause_match(cond, &cond->c[i], row);
        if (m == any) {
            return any;
        }
    }
    return !any;
}

/* The uuid that a "_uuid == X" clause pins the rows to, or NULL. */
static const char *cond_uuid(const struct ovsdb_cond *cond)
{
    for (size_t i = 0; i < cond->n; i++) {
        const struct clause *c = &cond->c[i];
        if (c->fn == C_EQ && c->col == OVSDB_COL_UUID && json_array_size(c->value) == 1) {
            return json_string_value(json_array_get(c->value, 0));
        }
    }
    return NULL;
}

/* State of one transact call. */
struct exec {
    struct ovsdb_db *db;
    struct ovsdb_txn *txn;
    json_t *inserted; /* uuid-names already used by an insert. */
    json_t *comment;
    bool blocked; /* A "wait" with a timeout failed: the caller may retry. */
};

/* Named uuids may be used before the insert that defines them (the stock IDL
 * emits operations in hash order), so an unknown name gets a fresh uuid that
 * the later insert adopts. */
static const char *sym_lookup(const char *name, void *arg)
{
    struct exec *ex = arg;
    json_t *symtab = ovsdb_txn_symtab(ex->txn);
    json_t *u = json_object_get(symtab, name);

    if (!u) {
        char buf[37];
        ovsdb_uuid_generate(buf);
        json_object_set_new(symtab, name, json_string(buf));
        u = json_object_get(symtab, name);
    }
    return json_string_value(u);
}

static int get_table(struct exec *ex, const json_t *op, const struct ovsdb_tschema **ts, size_t *t,
                     json_t **error)
{
    const char *name = json_string_value(json_object_get(op, "table"));
    int i;

    if (!name) {
        *error = ovsdb_error("syntax error", "%s", "operation needs \"table\"");
        return -EINVAL;
    }
    i = ovsdb_schema_table(ovsdb_db_schema(ex->db), name);
    if (i < 0) {
        *error = ovsdb_error("syntax error", "unknown table %s", name);
        return -EINVAL;
    }
    *t = (size_t)i;
    *ts = &ovsdb_db_schema(ex->db)->tables[i];
    return 0;
}

/* Parses a "row" object into (column, datum) pairs, applied to "row" if
 * given.  When "uuid" is given, "row" is that row of table t in the
 * transaction, whose columns are then known to be checked. */
static int apply_row(struct exec *ex, const struct ovsdb_tschema *ts, const json_t *rj, bool update,
                     struct ovsdb_row *row, size_t t, const char *uuid, json_t **error)
{
    const char *cname;
    json_t *v;

    if (!json_is_object(rj)) {
        *error = ovsdb_error("syntax error", "%s", "\"row\" must be an object");
        return -EINVAL;
    }
    json_object_foreach((json_t *)rj, cname, v)
    {
        int c = ovsdb_tschema_column(ts, cname);
        json_t *d;
        if (c < 0) {
            *error = ovsdb_error("syntax error", "no column %s in table %s", cname, ts->name);
            return -EINVAL;
        }
        if (c < 2 || (update && !ts->cols[c].is_mutable)) {
            *error = ovsdb_error("constraint violation", "cannot modify column %s of table %s",
                                 cname, ts->name);
            return -EINVAL;
        }
        if (ovsdb_datum_from_json(&ts->cols[c].type, v, false, sym_lookup, ex, &d, error)) {
            return -EINVAL;
        }
        if (row) {
            /* Parsed strictly: the count and every element are checked. */
            ovsdb_row_set(row, (size_t)c, d);
            if (uuid) {
                ovsdb_txn_mark_checked(ex->txn, t, uuid, (size_t)c);
            }
        } else {
            json_decref(d);
        }
    }
    return 0;
}

static int op_insert(struct exec *ex, const json_t *op, json_t **result, json_t **error)
{
    const struct ovsdb_tschema *ts;
    const char *name = json_string_value(json_object_get(op, "uuid-name"));
    const json_t *given = json_object_get(op, "uuid");
    const json_t *rj = json_object_get(op, "row");
    struct ovsdb_row *row;
    char uuid[37];
    size_t t;

    if (get_table(ex, op, &ts, &t, error)) {
        return -EINVAL;
    }
    if (name) {
        if (json_object_get(ex->inserted, name)) {
            *error = ovsdb_error("duplicate uuid-name", "uuid-name %s used twice", name);
            return -EINVAL;
        }
        json_object_set_new(ex->inserted, name, json_true());
        snprintf(uuid, sizeof uuid, "%s", sym_lookup(name, ex));
    } else {
        ovsdb_uuid_generate(uuid);
    }
    if (given) {
        const char *u = json_is_array(given) ? json_string_value(json_array_get(given, 1)) : NULL;
        if (!ovsdb_uuid_valid(u)) {
            *error = ovsdb_error("syntax error", "%s", "bad \"uuid\"");
            return -EINVAL;
        }
        for (int i = 0; i < 37; i++) {
            uuid[i] = (char)(u[i] >= 'A' && u[i] <= 'F' ? u[i] + 32 : u[i]);
        }
        if (name) {
            json_object_set_new(ovsdb_txn_symtab(ex->txn), name, json_string(uuid));
        }
    }
    row = ovsdb_txn_insert(ex->txn, t, uuid);
    if (!row) {
        *error = ovsdb_error("duplicate uuid", "row %s already exists", uuid);
        return -EINVAL;
    }
    if (rj && apply_row(ex, ts, rj, false, row, t, uuid, error)) {
        return -EINVAL;
    }
    *result = json_pack("{s:[ss]}", "uuid", "uuid", uuid);
    return 0;
}

/* The rows of table t that match the op's "where": a new array of uuid strings. */
static int match_rows(struct exec *ex, const json_t *op, size_t t, const struct ovsdb_tschema *ts,
                      json_t **uuids, json_t **error)
{
    const json_t *where = json_object_get(op, "where");
    const struct ovsdb_row **rows;
    struct ovsdb_cond *cond;
    const char *pinned;
    size_t n;

    *uuids = NULL;
    if (!where) {
        *error = ovsdb_error("syntax error", "%s", "operation needs \"where\"");
        return -EINVAL;
    }
    if (ovsdb_cond_parse(ts, where, sym_lookup, ex, &cond, error)) {
        return -EINVAL;
    }
    *uuids = json_array();
    pinned = cond_uuid(cond);
    if (pinned) {
        /* Clients name rows by uuid almost always: no table scan then. */
        const struct ovsdb_row *row = ovsdb_txn_get(ex->txn, t, pinned);
        rows = NULL;
        if (row && ovsdb_cond_match(cond, row, false)) {
            json_array_append_new(*uuids, json_string(pinned));
        }
        ovsdb_cond_free(cond);
        return 0;
    }
    n = ovsdb_txn_rows(ex->txn, t, &rows);
    for (size_t i = 0; rows && i < n; i++) {
        if (ovsdb_cond_match(cond, rows[i], false)) {
            json_array_append_new(*uuids, json_string(ovsdb_row_uuid(rows[i])));
        }
    }
    free(rows);
    ovsdb_cond_free(cond);
    return 0;
}

/* Parses an optional "columns" array into a column mask (all when absent). */
static int parse_columns(const struct ovsdb_tschema *ts, const json_t *cols, bool *mask,
                         json_t **error)
{
    const json_t *c;
    size_t i;

    for (i = 0; i < ts->n_cols; i++) {
        mask[i] = !cols;
    }
    if (cols && !json_is_array(cols)) {
        *error = ovsdb_error("syntax error", "%s", "\"columns\" must be an array");
        return -EINVAL;
    }
    json_array_foreach(cols, i, c)
    {
        int ci = json_is_string(c) ? ovsdb_tschema_column(ts, json_string_value(c)) : -1;
        if (ci < 0) {
            *error = ovsdb_error("syntax error", "unknown column in table %s", ts->name);
            return -EINVAL;
        }
        mask[ci] = true;
    }
    return 0;
}

static int op_select(struct exec *ex, const json_t *op, json_t **result, json_t **error)
{
    const struct ovsdb_tschema *ts;
    json_t *uuids = NULL, *rows, *u;
    bool *mask = NULL;
    size_t t, i;
    int r = -EINVAL;

    if (get_table(ex, op, &ts, &t, error) || match_rows(ex, op, t, ts, &uuids, error)) {
        goto out;
    }
    mask = calloc(ts->n_cols, sizeof *mask);
    if (!mask || parse_columns(ts, json_object_get(op, "columns"), mask, error)) {
        goto out;
    }
    rows = json_array();
    json_array_foreach(uuids, i, u)
    {
        json_array_append_new(
                rows, ovsdb_row_to_json(ts, ovsdb_txn_get(ex->txn, t, json_string_value(u)), mask));
    }
    *result = json_pack("{s:o}", "rows", rows);
    r = 0;
out:
    free(mask);
    json_decref(uuids);
    return r;
}

static int op_update(struct exec *ex, const json_t *op, json_t **result, json_t **error)
{
    const struct ovsdb_tschema *ts;
    const json_t *rj = json_object_get(op, "row");
    json_t *uuids = NULL, *u;
    size_t t, i;
    int r = -EINVAL;

    if (get_table(ex, op, &ts, &t, error) || apply_row(ex, ts, rj, true, NULL, t, NULL, error) ||
        match_rows(ex, op, t, ts, &uuids, error)) {
        goto out;
    }
    json_array_foreach(uuids, i, u)
    {
        struct ovsdb_row *row = ovsdb_txn_modify(ex->txn, t, json_string_value(u));
        if (!row || apply_row(ex, ts, rj, true, row, t, json_string_value(u), error)) {
            goto out;
        }
    }
    *result = json_pack("{s:I}", "count", (json_int_t)json_array_size(uuids));
    r = 0;
out:
    json_decref(uuids);
    return r;
}

static int op_delete(struct exec *ex, const json_t *op, json_t **result, json_t **error)
{
    const struct ovsdb_tschema *ts;
    json_t *uuids = NULL, *u;
    size_t t, i;

    if (get_table(ex, op, &ts, &t, error) || match_rows(ex, op, t, ts, &uuids, error)) {
        json_decref(uuids);
        return -EINVAL;
    }
    json_array_foreach(uuids, i, u)
    {
        ovsdb_txn_delete(ex->txn, t, json_string_value(u));
    }
    *result = json_pack("{s:I}", "count", (json_int_t)json_array_size(uuids));
    json_decref(uuids);
    return 0;
}

static int op_mutate(struct exec *ex, const json_t *op, json_t **result, json_t **error)
{
    const struct ovsdb_tschema *ts;
    const json_t *muts = json_object_get(op, "mutations");
    json_t *uuids = NULL, *u;
    size_t t, i;
    int r = -EINVAL;

    if (get_table(ex, op, &ts, &t, error)) {
        return -EINVAL;
    }
    if (!json_is_array(muts)) {
        *error = ovsdb_error("syntax error", "%s", "mutate needs \"mutations\"");
        return -EINVAL;
    }
    if (match_rows(ex, op, t, ts, &uuids, error)) {
        goto out;
    }
    json_array_foreach(uuids, i, u)
    {
        const json_t *mj;
        size_t k;
        if (ovsdb_txn_mutate(ex->txn, t, json_string_value(u), muts, sym_lookup, ex, error)) {
            goto out;
        }
        /* A mutated column was checked after the mutation. */
        json_array_foreach(muts, k, mj)
        {
            int c = ovsdb_tschema_column(ts, json_string_value(json_array_get(mj, 0)));
            if (c >= 0) {
                ovsdb_txn_mark_checked(ex->txn, t, json_string_value(u), (size_t)c);
            }
        }
    }
    /* Mutations are checked even when no row matched. */
    if (!json_array_size(uuids) && ovsdb_mutate_row(ts, NULL, muts, sym_lookup, ex, NULL, error)) {
        goto out;
    }
    *result = json_pack("{s:I}", "count", (json_int_t)json_array_size(uuids));
    r = 0;
out:
    json_decref(uuids);
    return r;
}

static int op_wait(struct exec *ex, const json_t *op, json_t **result, json_t **error)
{
    const struct ovsdb_tschema *ts;
    const char *until = json_string_value(json_object_get(op, "until"));
    const json_t *want = json_object_get(op, "rows"), *wr;
    json_t *uuids = NULL, *have = NULL, *u;
    bool *mask = NULL, equal;
    size_t t, i;
    int r = -EINVAL;

    if (get_table(ex, op, &ts, &t, error) || match_rows(ex, op, t, ts, &uuids, error)) {
        goto out;
    }
    if (!until || (strcmp(until, "==") && strcmp(until, "!=")) || !json_is_array(want)) {
        *error = ovsdb_error("syntax error", "%s", "wait needs \"until\" and \"rows\"");
        goto out;
    }
    mask = calloc(ts->n_cols, sizeof *mask);
    if (!mask || parse_columns(ts, json_object_get(op, "columns"), mask, error)) {
        goto out;
    }
    /* Compare as multisets: each wanted row must take one distinct matching row. */
    have = json_array();
    json_array_foreach(uuids, i, u)
    {
        json_array_append_new(
                have, ovsdb_row_to_json(ts, ovsdb_txn_get(ex->txn, t, json_string_value(u)), mask));
    }
    equal = json_array_size(have) == json_array_size(want);
    json_array_foreach(want, i, wr)
    {
        struct ovsdb_row *probe;
        bool found = false;
        if (!equal) {
            break;
        }
        probe = calloc(1, sizeof *probe);
        probe->cols = calloc(ts->n_cols, sizeof *probe->cols);
        for (size_t c = 0; c < ts->n_cols; c++) {
            probe->cols[c] = ovsdb_datum_default(&ts->cols[c].type);
        }
        if (apply_row(ex, ts, wr, false, probe, t, NULL, error)) {
            for (size_t c = 0; c < ts->n_cols; c++) {
                json_decref(probe->cols[c]);
            }
            free(probe->cols);
            free(probe);
            goto out;
        }
        for (size_t k = 0; k < json_array_size(uuids) && !found; k++) {
            const struct ovsdb_row *row;
            if (json_is_null(json_array_get(have, k))) {
                continue;
            }
            row = ovsdb_txn_get(ex->txn, t, json_string_value(json_array_get(uuids, k)));
            found = true;
            for (size_t c = 2; c < ts->n_cols && found; c++) {
                if (mask[c] && ovsdb_datum_cmp(&ts->cols[c].type, row->cols[c], probe->cols[c])) {
                    found = false;
                }
            }
            if (found) {
                json_array_set_new(have, k, json_null());
            }
        }
        for (size_t c = 0; c < ts->n_cols; c++) {
            json_decref(probe->cols[c]);
        }
        free(probe->cols);
        free(probe);
        equal = found;
    }
    if (equal != !strcmp(until, "==")) {
        /* With a timeout the caller may keep the transaction pending and
         * run it again after later commits (ovsdb_exec() returns -EAGAIN). */
        const json_t *timeout = json_object_get(op, "timeout");
        ex->blocked = !timeout || (json_is_number(timeout) && json_number_value(timeout) > 0);
        *error = ovsdb_error("timed out", "%s", "\"wait\" condition not met");
        goto out;
    }
    *result = json_object();
    r = 0;
out:
    free(mask);
    json_decref(uuids);
    json_decref(have);
    return r;
}

static int run_op(struct exec *ex, const json_t *op, ovsdb_lock_fn has_lock, void *lock_arg,
                  json_t **result, json_t **error)
{
    const char *name = json_string_value(json_object_get(op, "op"));

    *result = NULL;
    if (!json_is_object(op) || !name) {
        *error = ovsdb_error("syntax error", "%s", "an operation must be an object with \"op\"");
        return -EINVAL;
    }
    if (!strcmp(name, "insert")) {
        return op_insert(ex, op, result, error);
    } else if (!strcmp(name, "select")) {
        return op_select(ex, op, result, error);
    } else if (!strcmp(name, "update")) {
        return op_update(ex, op, result, error);
    } else if (!strcmp(name, "mutate")) {
        return op_mutate(ex, op, result, error);
    } else if (!strcmp(name, "delete")) {
        return op_delete(ex, op, result, error);
    } else if (!strcmp(name, "wait")) {
        return op_wait(ex, op, result, error);
    } else if (!strcmp(name, "commit")) {
        const json_t *d = json_object_get(op, "durable");
        if (!json_is_boolean(d)) {
            *error = ovsdb_error("syntax error", "%s", "commit needs boolean \"durable\"");
            return -EINVAL;
        }
        *result = json_object();
        return 0;
    } else if (!strcmp(name, "abort")) {
        *error = ovsdb_error("aborted", "%s", "aborted by request");
        return -EINVAL;
    } else if (!strcmp(name, "comment")) {
        const json_t *c = json_object_get(op, "comment");
        if (!json_is_string(c)) {
            *error = ovsdb_error("syntax error", "%s", "comment needs a string");
            return -EINVAL;
        }
        if (!ex->comment) {
            ex->comment = json_string(json_string_value(c));
        }
        *result = json_object();
        return 0;
    } else if (!strcmp(name, "assert")) {
        const char *lock = json_string_value(json_object_get(op, "lock"));
        if (!lock) {
            *error = ovsdb_error("syntax error", "%s", "assert needs \"lock\"");
            return -EINVAL;
        }
        if (!has_lock || !has_lock(lock, lock_arg)) {
            *error = ovsdb_error("not owner", "lock %s is not owned by this session", lock);
            return -EINVAL;
        }
        *result = json_object();
        return 0;
    }
    *error = ovsdb_error("syntax error", "unknown operation %s", name);
    return -EINVAL;
}

int ovsdb_exec(struct ovsdb_db *db, const json_t *ops, ovsdb_lock_fn has_lock, void *lock_arg,
               json_t **results, struct ovsdb_txn **txn, json_t **comment)
{
    struct exec ex = {.db = db};
    json_t *error = NULL;
    size_t i, n = json_array_size(ops);
    int r = 0;

    *txn = NULL;
    *comment = NULL;
    *results = json_array();
    ex.txn = ovsdb_txn_new(db);
    ex.inserted = json_object();
    if (!ex.txn || !*results || !ex.inserted) {
        json_array_append_new(*results, ovsdb_error("resources exhausted", "%s", "out of memory"));
        r = -EINVAL;
        goto out;
    }
    for (i = 0; i < n; i++) {
        json_t *result = NULL;
        if (run_op(&ex, json_array_get(ops, i), has_lock, lock_arg, &result, &error)) {
            json_decref(result);
            json_array_append_new(*results, error);
            /* RFC 7047 §4.1.3: the operations after a failed one are not
             * executed and their results are null. */
            for (i++; i < n; i++) {
                json_array_append_new(*results, json_null());
            }
            r = ex.blocked ? -EAGAIN : -EINVAL;
            goto out;
        }
        json_array_append_new(*results, result);
    }
    if (ovsdb_txn_check(ex.txn, &error)) {
        /* A failed commit adds one result past the operations. */
        json_array_append_new(*results, error);
        r = -EINVAL;
        goto out;
    }
    if (!ovsdb_txn_is_empty(ex.txn)) {
        *txn = ex.txn;
        ex.txn = NULL;
    }
    *comment = ex.comment;
    ex.comment = NULL;
out:
    ovsdb_txn_free(ex.txn);
    json_decref(ex.inserted);
    json_decref(ex.comment);
    return r;
}
