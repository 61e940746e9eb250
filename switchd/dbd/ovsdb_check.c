/* Commit-time work of a transaction (see ovsdb_db.h): weak references,
 * garbage collection and referential integrity from maintained reference
 * counts, constraints and unique indexes, journal records and apply.  All of
 * it costs in proportion to the rows the transaction changes, not to the
 * size of the database. */
#include "ovsdb_datum.h"
#include "ovsdb_db_int.h"
#include "ovsdb_text.h"
#include "sbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True if the column holds references of the given strength. */
static bool col_refs(const struct ovsdb_column *col, bool weak)
{
    return (col->type.key.ref_table >= 0 && col->type.key.ref_weak == weak) ||
           (col->type.value.ref_table >= 0 && col->type.value.ref_weak == weak);
}

static bool is_scalar(const struct ovsdb_type *type)
{
    return type->n_min == 1 && type->n_max == 1;
}

/* Calls fn(table, uuid) for every reference of strength "weak" in element e. */
static void elem_refs(const struct ovsdb_column *col, const json_t *e, bool weak,
                      void (*fn)(int t, const char *uuid, void *arg), void *arg)
{
    bool map = col->type.value.type != OVSDB_VOID;
    const struct ovsdb_base *bases[2] = {&col->type.key, &col->type.value};

    for (int i = 0; i < (map ? 2 : 1); i++) {
        if (bases[i]->ref_table >= 0 && bases[i]->ref_weak == weak) {
            fn(bases[i]->ref_table, json_string_value(map ? json_array_get(e, (size_t)i) : e), arg);
        }
    }
}

struct exists_ctx {
    struct ovsdb_txn *txn;
    bool missing;
};

static void check_exists(int t, const char *uuid, void *arg)
{
    struct exists_ctx *ctx = arg;
    if (!ovsdb_txn_get(ctx->txn, (size_t)t, uuid)) {
        ctx->missing = true;
    }
}

/* Forgets that column c of changed row "uuid" was checked. */
static void unmark_checked(struct ovsdb_txn *txn, size_t t, const char *uuid, size_t c)
{
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, NULL);

    if (tr && tr->checked) {
        tr->checked[c] = false;
    }
}

/* Drops the weak references of a row to rows that are gone.  "row" must be
 * writable, or NULL to make a writable copy of committed row "uuid" when
 * something changes.  Returns 0 or -ENOMEM. */
static int drop_weak(struct ovsdb_txn *txn, size_t t, const struct ovsdb_row *row,
                     struct ovsdb_row *writable)
{
    const struct ovsdb_tschema *ts = &txn->db->schema->tables[t];

    for (size_t c = 2; c < ts->n_cols; c++) {
        json_t *keep, *e;
        size_t i;
        if (!col_refs(&ts->cols[c], true)) {
            continue;
        }
        keep = json_array();
        json_array_foreach(row->cols[c], i, e)
        {
            struct exists_ctx ctx = {txn, false};
            elem_refs(&ts->cols[c], e, true, check_exists, &ctx);
            if (!ctx.missing) {
                json_array_append(keep, e);
            }
        }
        if (json_array_size(keep) == json_array_size(row->cols[c])) {
            json_decref(keep);
            continue;
        }
        if (!writable) {
            writable = ovsdb_txn_modify(txn, t, ovsdb_row_uuid(row));
            if (!writable) {
                json_decref(keep);
                return -ENOMEM;
            }
            row = writable;
        }
        ovsdb_row_set(writable, c, keep);
        /* Fewer elements may break the column's minimum: check it again. */
        unmark_checked(txn, t, ovsdb_row_uuid(writable), c);
    }
    return 0;
}

/* Weak references: in changed rows, and in any row of a table whose weak
 * columns point at a table that lost rows. */
static int weak_pass(struct ovsdb_txn *txn)
{
    const struct ovsdb_schema *s = txn->db->schema;
    bool *lost = calloc(s->n_tables + 1, sizeof *lost);
    int r = 0;

    if (!lost) {
        return -ENOMEM;
    }
    for (size_t t = 0; t < s->n_tables; t++) {
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            lost[t] |= !tr->new_;
            if (tr->new_ && s->tables[t].has_refs && !r) {
                r = drop_weak(txn, t, tr->new_, tr->new_);
            }
        }
    }
    for (size_t t = 0; !r && t < s->n_tables; t++) {
        const struct ovsdb_tschema *ts = &s->tables[t];
        bool scan = false;
        for (size_t c = 2; c < ts->n_cols; c++) {
            const struct ovsdb_type *ty = &ts->cols[c].type;
            scan |= (ty->key.ref_weak && ty->key.ref_table >= 0 && lost[ty->key.ref_table]) ||
                    (ty->value.ref_weak && ty->value.ref_table >= 0 && lost[ty->value.ref_table]);
        }
        if (scan) {
            const struct ovsdb_row **rows;
            size_t n = ovsdb_txn_rows(txn, t, &rows);
            for (size_t i = 0; rows && i < n && !r; i++) {
                r = drop_weak(txn, t, rows[i], NULL);
            }
            free(rows);
        }
    }
    free(lost);
    return r;
}

struct delta_ctx {
    struct omap *delta;
    int sign;
    int err;
};

static void add_delta(int t, const char *uuid, void *arg)
{
    struct delta_ctx *ctx = arg;
    intptr_t v = (intptr_t)ovsdb_omap_get(&ctx->delta[t], uuid, NULL) + ctx->sign;

    if (ovsdb_omap_put(&ctx->delta[t], uuid, (void *)v)) {
        ctx->err = -ENOMEM;
    }
}

/* Calls fn(element, sign) for each element of column c that is only in
 * "old" (sign -1) or only in "new_" (sign +1).  Both datums are sorted, so
 * one merge walk finds them; unchanged columns cost nothing. */
static void diff_elems(const struct ovsdb_column *col, const json_t *old, const json_t *new_,
                       void (*fn)(const struct ovsdb_column *col, const json_t *e, int sign,
                                  void *arg),
                       void *arg)
{
    const struct ovsdb_type *type = &col->type;
    bool map = type->value.type != OVSDB_VOID;
    size_t i = 0, j = 0, no = json_array_size(old), nn = json_array_size(new_);

    if (old == new_) {
        return;
    }
    while (i < no || j < nn) {
        const json_t *a = i < no ? json_array_get(old, i) : NULL;
        const json_t *b = j < nn ? json_array_get(new_, j) : NULL;
        int c;
        if (a == b) {
            /* The same pooled element in both: the common case, no change. */
            i++;
            j++;
            continue;
        }
        if (!a) {
            c = 1;
        } else if (!b) {
            c = -1;
        } else {
            c = ovsdb_atom_cmp(map ? json_array_get(a, 0) : a, map ? json_array_get(b, 0) : b,
                               type->key.type);
        }
        if (c < 0) {
            fn(col, a, -1, arg);
            i++;
        } else if (c > 0) {
            fn(col, b, 1, arg);
            j++;
        } else {
            if (map &&
                ovsdb_atom_cmp(json_array_get(a, 1), json_array_get(b, 1), type->value.type)) {
                fn(col, a, -1, arg);
                fn(col, b, 1, arg);
            }
            i++;
            j++;
        }
    }
}

static void delta_elem(const struct ovsdb_column *col, const json_t *e, int sign, void *arg)
{
    struct delta_ctx *ctx = arg;
    ctx->sign = sign;
    elem_refs(col, e, false, add_delta, ctx);
}

/* Adds the reference changes between two versions of a row (either may be NULL). */
static void row_deltas(const struct ovsdb_tschema *ts, const struct ovsdb_row *old,
                       const struct ovsdb_row *new_, struct delta_ctx *ctx)
{
    for (size_t c = 2; c < ts->n_cols; c++) {
        /* A missing row counts as empty columns (json_array_size(NULL) is 0). */
        if (col_refs(&ts->cols[c], false)) {
            diff_elems(&ts->cols[c], old ? old->cols[c] : NULL, new_ ? new_->cols[c] : NULL,
                       delta_elem, ctx);
        }
    }
}

/* Adds the reference changes of a set or map column from its diff: each
 * element of the diff is a key only in old (removed), only in new (added),
 * or, for maps, in both with a new value (the old entry goes, the new one
 * comes), as diff_elems() would find them with a walk over both. */
static void diff_deltas(const struct ovsdb_column *col, const json_t *old, const json_t *new_,
                        const json_t *diff, struct delta_ctx *ctx)
{
    bool map = col->type.value.type != OVSDB_VOID;
    const json_t *d;
    size_t i;

    json_array_foreach(diff, i, d)
    {
        const json_t *key = map ? json_array_get(d, 0) : d;
        long a = ovsdb_datum_find(&col->type, old, key);
        long b = ovsdb_datum_find(&col->type, new_, key);
        if (a >= 0) {
            delta_elem(col, json_array_get(old, (size_t)a), -1, ctx);
        }
        if (b >= 0) {
            delta_elem(col, json_array_get(new_, (size_t)b), 1, ctx);
        }
    }
}

/* The reference changes of one staged row. */
static void txn_row_deltas(const struct ovsdb_tschema *ts, struct txn_row *tr,
                           struct delta_ctx *ctx)
{
    if (!tr->old || !tr->new_) {
        row_deltas(ts, tr->old, tr->new_, ctx);
        return;
    }
    for (size_t c = 2; c < ts->n_cols; c++) {
        const struct ovsdb_column *col = &ts->cols[c];
        const json_t *d;
        if (!col_refs(col, false) || tr->old->cols[c] == tr->new_->cols[c]) {
            continue;
        }
        d = is_scalar(&col->type) ? NULL : ovsdb_txn_row_diff(ts, tr, c);
        if (d) {
            diff_deltas(col, tr->old->cols[c], tr->new_->cols[c], d, ctx);
        } else {
            diff_elems(col, tr->old->cols[c], tr->new_->cols[c], delta_elem, ctx);
        }
    }
}

/* The change in strong reference counts the transaction makes, per table. */
static struct omap *compute_deltas(const struct ovsdb_txn *txn, int *err)
{
    const struct ovsdb_schema *s = txn->db->schema;
    struct delta_ctx ctx = {calloc(s->n_tables + 1, sizeof(struct omap)), 0, 0};

    if (!ctx.delta) {
        *err = -ENOMEM;
        return NULL;
    }
    for (size_t t = 0; t < s->n_tables; t++) {
        if (!s->tables[t].has_refs) {
            continue;
        }
        OMAP_FOREACH(e, &txn->changes[t])
        {
            txn_row_deltas(&s->tables[t], e->val, &ctx);
        }
    }
    *err = ctx.err;
    return ctx.delta;
}

static void free_deltas(const struct ovsdb_schema *s, struct omap *delta)
{
    for (size_t t = 0; delta && t < s->n_tables; t++) {
        ovsdb_omap_clear(&delta[t]);
    }
    free(delta);
}

/* Strong references a row of table t will have after the transaction. */
static long refs_after(const struct ovsdb_txn *txn, const struct omap *delta, size_t t,
                       const char *uuid)
{
    const struct ovsdb_row *committed = ovsdb_omap_get(&txn->db->tables[t], uuid, NULL);
    return (committed ? committed->n_refs : 0) + (intptr_t)ovsdb_omap_get(&delta[t], uuid, NULL);
}

void ovsdb_txn_free_delta(struct ovsdb_txn *txn)
{
    free_deltas(txn->db->schema, txn->delta);
    txn->delta = NULL;
}

/* Deletes unreferenced rows of non-root tables: those inserted by the
 * transaction and those that lost references.  Sets *deleted.  When nothing
 * is deleted, the reference deltas stay in txn->delta: they are final, and
 * the integrity check and the apply use them rather than walk every changed
 * reference column (a bridge's thousands of ports) again. */
static int collect_garbage(struct ovsdb_txn *txn, bool *deleted)
{
    const struct ovsdb_schema *s = txn->db->schema;
    struct omap *delta;
    json_t *doomed = json_array(), *d;
    size_t i;
    int r;

    *deleted = false;
    ovsdb_txn_free_delta(txn);
    delta = compute_deltas(txn, &r);
    for (size_t t = 0; !r && t < s->n_tables; t++) {
        if (s->tables[t].is_root) {
            continue;
        }
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            if (tr->new_ && !tr->old && refs_after(txn, delta, t, e->key) <= 0) {
                json_array_append_new(doomed, json_pack("[Is]", (json_int_t)t, e->key));
            }
        }
        OMAP_FOREACH(e, &delta[t])
        {
            if ((intptr_t)e->val < 0 && ovsdb_txn_get(txn, t, e->key) &&
                refs_after(txn, delta, t, e->key) <= 0) {
                json_array_append_new(doomed, json_pack("[Is]", (json_int_t)t, e->key));
            }
        }
    }
    json_array_foreach(doomed, i, d)
    {
        if (!ovsdb_txn_delete(txn, (size_t)json_integer_value(json_array_get(d, 0)),
                              json_string_value(json_array_get(d, 1)))) {
            *deleted = true;
        }
    }
    json_decref(doomed);
    if (r || *deleted) {
        free_deltas(s, delta);
    } else {
        txn->delta = delta;
    }
    return r;
}

struct added_ctx {
    struct ovsdb_txn *txn;
    bool missing;
};

static void check_added(const struct ovsdb_column *col, const json_t *e, int sign, void *arg)
{
    struct added_ctx *ctx = arg;
    struct exists_ctx ex = {ctx->txn, false};

    if (sign > 0) {
        elem_refs(col, e, false, check_exists, &ex);
        ctx->missing |= ex.missing;
    }
}

/* Changed rows must not refer strongly to missing rows, and deleted rows
 * must not be referred to any more. */
static int check_integrity(struct ovsdb_txn *txn, json_t **error)
{
    const struct ovsdb_schema *s = txn->db->schema;
    const struct omap *delta = txn->delta;
    bool dangling = false;
    int r = 0;

    /* A reference the transaction adds to a row that does not exist leaves
     * that row with a positive delta; when no such row is missing, no added
     * reference can dangle and the walks over the changed columns below are
     * not needed.  (A reference added to a row the transaction deletes also
     * fails the deletion check.) */
    for (size_t t = 0; t < s->n_tables && !dangling; t++) {
        OMAP_FOREACH(e, &delta[t])
        {
            if ((intptr_t)e->val > 0 && !ovsdb_txn_get(txn, t, e->key)) {
                dangling = true;
                break;
            }
        }
    }
    for (size_t t = 0; !r && t < s->n_tables; t++) {
        const struct ovsdb_tschema *ts = &s->tables[t];
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            long n;
            if (!tr->new_ && (n = refs_after(txn, delta, t, e->key)) > 0) {
                *error = ovsdb_error("referential integrity violation",
                                     "cannot delete %s row %s because of %ld remaining "
                                     "reference(s)",
                                     ts->name, e->key, n);
                r = -EINVAL;
                break;
            }
            for (size_t c = 2; dangling && tr->new_ && ts->has_refs && c < ts->n_cols; c++) {
                struct added_ctx ctx = {txn, false};
                if (!col_refs(&ts->cols[c], false)) {
                    continue;
                }
                /* Only references the transaction adds can dangle here;
                 * kept ones to deleted rows fail the deletion check above. */
                diff_elems(&ts->cols[c], tr->old ? tr->old->cols[c] : NULL, tr->new_->cols[c],
                           check_added, &ctx);
                if (ctx.missing) {
                    *error = ovsdb_error("referential integrity violation",
                                         "table %s column %s row %s references a row that "
                                         "does not exist",
                                         ts->name, ts->cols[c].name, e->key);
                    r = -EINVAL;
                    break;
                }
            }
            if (r) {
                break;
            }
        }
    }
    return r;
}

/* Appends the key form of one atom: a type letter, then for strings their
 * length before their bytes, so that no two different atoms (or sequences
 * of atoms) give the same text. */
static void key_atom(struct sbuf *b, enum ovsdb_atype type, const json_t *atom)
{
    char num[40];
    size_t n;

    switch (type) {
    case OVSDB_INTEGER:
        num[0] = 'i';
        n = ovsdb_text_fmt_int((long long)json_integer_value(atom), num + 1) + 1;
        num[n++] = ';';
        sbuf_add(b, num, n);
        break;
    case OVSDB_REAL:
        sbuf_addf(b, "r%.17g;", json_number_value(atom));
        break;
    case OVSDB_BOOLEAN:
        sbuf_add(b, json_is_true(atom) ? "t" : "f", 1);
        break;
    case OVSDB_UUID:
        sbuf_addc(b, 'u');
        sbuf_add(b, json_string_value(atom), json_string_length(atom));
        break;
    case OVSDB_STRING:
        num[0] = 's';
        n = ovsdb_text_fmt_int((long long)json_string_length(atom), num + 1) + 1;
        num[n++] = ':';
        sbuf_add(b, num, n);
        sbuf_add(b, json_string_value(atom), json_string_length(atom));
        break;
    case OVSDB_VOID:
        break;
    }
}

int ovsdb_index_key(const struct ovsdb_tschema *ts, size_t x, const struct ovsdb_row *row,
                    struct sbuf *out)
{
    sbuf_reset(out);
    for (size_t k = 0; k < ts->index_len[x]; k++) {
        const struct ovsdb_type *type = &ts->cols[ts->indexes[x][k]].type;
        const json_t *d = row->cols[ts->indexes[x][k]], *e;
        bool map = type->value.type != OVSDB_VOID;
        size_t i;

        /* A column's datum: its single atom, or its element count first. */
        if (json_array_size(d) != 1) {
            char num[32];
            num[0] = 'n';
            size_t n = ovsdb_text_fmt_int((long long)json_array_size(d), num + 1) + 1;
            num[n++] = ':';
            sbuf_add(out, num, n);
        }
        json_array_foreach(d, i, e)
        {
            key_atom(out, type->key.type, map ? json_array_get(e, 0) : e);
            if (map) {
                key_atom(out, type->value.type, json_array_get(e, 1));
            }
        }
        sbuf_addc(out, '|');
    }
    return sbuf_error(out);
}

/* Counts, maxRows and unique indexes of the changed tables. */
static int check_constraints(struct ovsdb_txn *txn, json_t **error)
{
    const struct ovsdb_schema *s = txn->db->schema;

    for (size_t t = 0; t < s->n_tables; t++) {
        const struct ovsdb_tschema *ts = &s->tables[t];
        long rows = (long)txn->db->tables[t].n;

        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            rows += (tr->new_ != NULL) - (tr->old != NULL);
            for (size_t c = 2; tr->new_ && c < ts->n_cols; c++) {
                /* A column the transaction left alone shares the committed
                 * (checked) datum, and one it set may have been checked
                 * then: only the other changed columns need the check. */
                if ((tr->old && tr->old->cols[c] == tr->new_->cols[c]) ||
                    (tr->checked && tr->checked[c])) {
                    continue;
                }
                if (ovsdb_datum_check(&ts->cols[c].type, tr->new_->cols[c], error)) {
                    return -EINVAL;
                }
            }
        }
        if (txn->changes[t].n && rows > (long)ts->max_rows) {
            *error = ovsdb_error("constraint violation",
                                 "transaction causes \"%s\" table to contain %ld rows, greater "
                                 "than the schema-defined limit of %u row(s)",
                                 ts->name, rows, ts->max_rows);
            return -EINVAL;
        }
        for (size_t x = 0; x < ts->n_indexes && txn->changes[t].n; x++) {
            const json_t *committed = json_array_get(txn->db->indexes[t], x);
            json_t *seen = json_object();
            struct sbuf key = SBUF_INIT;
            int r = 0;
            OMAP_FOREACH(e, &txn->changes[t])
            {
                struct txn_row *tr = e->val;
                const char *owner;
                if (!tr->new_ || r) {
                    continue;
                }
                if (ovsdb_index_key(ts, x, tr->new_, &key) || !seen) {
                    r = -ENOMEM;
                    break;
                }
                owner = json_string_value(json_object_get(committed, sbuf_str(&key)));
                if (json_object_get(seen, sbuf_str(&key))) {
                    r = -EINVAL;
                } else if (owner && strcmp(owner, e->key)) {
                    /* The committed owner conflicts unless this transaction
                     * deleted it or changed its key (then "seen" decides). */
                    bool found;
                    ovsdb_omap_get(&txn->changes[t], owner, &found);
                    r = found ? 0 : -EINVAL;
                }
                json_object_set_new(seen, sbuf_str(&key), json_true());
            }
            json_decref(seen);
            sbuf_free(&key);
            if (r == -ENOMEM) {
                return r;
            }
            if (r) {
                *error = ovsdb_error("constraint violation",
                                     "transaction causes multiple rows in \"%s\" table to have "
                                     "identical values for index on column \"%s\"",
                                     ts->name, ts->cols[ts->indexes[x][0]].name);
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* True if the transaction's new version of a modified row equals the old. */
static bool rows_equal(const struct ovsdb_tschema *ts, struct txn_row *tr)
{
    for (size_t c = 2; c < ts->n_cols; c++) {
        const struct ovsdb_type *type = &ts->cols[c].type;
        const json_t *a = tr->old->cols[c], *b = tr->new_->cols[c], *d;
        if (a == b) {
            continue;
        }
        /* A set or map: equal when its diff is empty (the diff is kept
         * for the journal record). */
        d = is_scalar(type) ? NULL : ovsdb_txn_row_diff(ts, tr, c);
        if (d ? json_array_size(d) > 0 : ovsdb_datum_cmp(type, a, b) != 0) {
            return false;
        }
    }
    return true;
}

/* Drops updates that change nothing and stamps a new _version on the rest. */
static void finish_rows(struct ovsdb_txn *txn)
{
    const struct ovsdb_schema *s = txn->db->schema;

    for (size_t t = 0; t < s->n_tables; t++) {
        for (size_t i = 0; i < txn->changes[t].nb; i++) {
            struct omap_ent **p = &txn->changes[t].b[i];
            while (*p) {
                struct txn_row *tr = (*p)->val;
                if (tr->old && tr->new_ && rows_equal(&s->tables[t], tr)) {
                    struct omap_ent *dead = *p;
                    *p = dead->next;
                    ovsdb_row_free(tr->new_, s->tables[t].n_cols);
                    ovsdb_txn_row_free(tr, s->tables[t].n_cols);
                    free(dead);
                    txn->changes[t].n--;
                    continue;
                }
                if (tr->new_) {
                    char v[37];
                    ovsdb_uuid_generate(v);
                    ovsdb_row_set(tr->new_, OVSDB_COL_VERSION, json_pack("[s]", v));
                }
                p = &(*p)->next;
            }
        }
    }
}

int ovsdb_txn_check(struct ovsdb_txn *txn, json_t **error)
{
    bool deleted = true;
    int r = 0;

    *error = NULL;
    /* Deleting garbage drops references, which can make more garbage. */
    while (deleted && !r) {
        r = weak_pass(txn);
        if (!r) {
            r = collect_garbage(txn, &deleted);
        }
    }
    if (!r) {
        r = check_integrity(txn, error);
    }
    if (!r) {
        r = check_constraints(txn, error);
    }
    if (!r) {
        finish_rows(txn);
    }
    if (r && !*error) {
        *error = ovsdb_error("resources exhausted", "%s", "out of memory");
    }
    return r ? -EINVAL : 0;
}

bool ovsdb_txn_is_empty(const struct ovsdb_txn *txn)
{
    for (size_t t = 0; t < txn->db->schema->n_tables; t++) {
        if (txn->changes[t].n) {
            return false;
        }
    }
    return true;
}

/* Journal form of a modified row: diffs of the changed columns. */
static json_t *diff_record(const struct ovsdb_tschema *ts, const struct ovsdb_row *old,
                           const struct ovsdb_row *new_)
{
    json_t *diff = json_object();

    for (size_t c = 2; c < ts->n_cols; c++) {
        const struct ovsdb_type *type = &ts->cols[c].type;
        json_t *d;
        if (old->cols[c] == new_->cols[c]) {
            continue;
        }
        /* One walk: an empty diff of a set or map means no change. */
        d = ovsdb_datum_diff(type, old->cols[c], new_->cols[c]);
        if (type->n_min == 1 && type->n_max == 1 ? !ovsdb_datum_cmp(type, old->cols[c], d)
                                                 : !json_array_size(d)) {
            json_decref(d);
            continue;
        }
        json_object_set_new(diff, ts->cols[c].name, ovsdb_datum_to_json(type, d));
        json_decref(d);
    }
    return json_pack(
            "{s:o, s:o}", "_diff", diff, "_version",
            ovsdb_datum_to_json(&ts->cols[OVSDB_COL_VERSION].type, new_->cols[OVSDB_COL_VERSION]));
}

json_t *ovsdb_txn_record(const struct ovsdb_txn *txn)
{
    json_t *rec = json_object();

    for (size_t t = 0; t < txn->db->schema->n_tables; t++) {
        const struct ovsdb_tschema *ts = &txn->db->schema->tables[t];
        json_t *tab;
        if (!txn->changes[t].n) {
            continue;
        }
        tab = json_object();
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            json_t *row = !tr->new_ ? json_null()
                          : tr->old ? diff_record(ts, tr->old, tr->new_)
                                    : ovsdb_row_record(ts, tr->new_);
            json_object_set_new(tab, e->key, row);
        }
        json_object_set_new(rec, ts->name, tab);
    }
    return rec;
}

static void index_update(struct ovsdb_db *db, size_t t, const struct ovsdb_row *row, bool add)
{
    const struct ovsdb_tschema *ts = &db->schema->tables[t];

    struct sbuf key = SBUF_INIT;

    for (size_t x = 0; x < ts->n_indexes; x++) {
        json_t *map = json_array_get(db->indexes[t], x);
        const char *k;
        if (ovsdb_index_key(ts, x, row, &key)) {
            /* Out of memory half way through an apply cannot be undone. */
            abort();
        }
        k = sbuf_str(&key);
        if (add) {
            json_object_set(map, k, json_array_get(row->cols[OVSDB_COL_UUID], 0));
        } else if (json_is_string(json_object_get(map, k)) &&
                   !strcmp(json_string_value(json_object_get(map, k)), ovsdb_row_uuid(row))) {
            json_object_del(map, k);
        }
    }
    sbuf_free(&key);
}

static void apply_deltas(struct ovsdb_db *db, struct omap *delta)
{
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        OMAP_FOREACH(e, &delta[t])
        {
            struct ovsdb_row *row = ovsdb_omap_get(&db->tables[t], e->key, NULL);
            if (row) {
                row->n_refs += (intptr_t)e->val;
            }
        }
    }
}

void ovsdb_txn_apply(struct ovsdb_txn *txn)
{
    struct ovsdb_db *db = txn->db;
    struct omap *delta;
    int err;

    /* The deltas of the check, or computed now, before the rows move: they
     * read old and new. */
    delta = txn->delta;
    txn->delta = NULL;
    if (!delta) {
        delta = compute_deltas(txn, &err);
        if (err) {
            /* Out of memory half way through an apply cannot be undone. */
            abort();
        }
    }
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            if (tr->old) {
                index_update(db, t, tr->old, false);
            }
        }
    }
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            if (tr->new_) {
                index_update(db, t, tr->new_, true);
                if (ovsdb_omap_put(&db->tables[t], e->key, tr->new_)) {
                    abort();
                }
            } else {
                ovsdb_omap_del(&db->tables[t], e->key);
            }
        }
    }
    apply_deltas(db, delta);
    free_deltas(db->schema, delta);
    txn->applied = true;
}

void ovsdb_txn_foreach_change(const struct ovsdb_txn *txn,
                              void (*cb)(size_t t, const struct ovsdb_row *old,
                                         const struct ovsdb_row *new_, void *arg),
                              void *arg)
{
    for (size_t t = 0; t < txn->db->schema->n_tables; t++) {
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            cb(t, tr->old, tr->new_, arg);
        }
    }
}

int ovsdb_db_reindex(struct ovsdb_db *db)
{
    const struct ovsdb_schema *s = db->schema;
    struct delta_ctx ctx = {calloc(s->n_tables + 1, sizeof(struct omap)), 1, 0};

    if (!ctx.delta) {
        return -ENOMEM;
    }
    for (size_t t = 0; t < s->n_tables; t++) {
        for (size_t x = 0; x < s->tables[t].n_indexes; x++) {
            json_object_clear(json_array_get(db->indexes[t], x));
        }
        OMAP_FOREACH(e, &db->tables[t])
        {
            struct ovsdb_row *row = e->val;
            row->n_refs = 0;
            index_update(db, t, row, true);
            if (s->tables[t].has_refs) {
                row_deltas(&s->tables[t], NULL, row, &ctx);
            }
        }
    }
    if (!ctx.err) {
        apply_deltas(db, ctx.delta);
    }
    free_deltas(s, ctx.delta);
    return ctx.err;
}
