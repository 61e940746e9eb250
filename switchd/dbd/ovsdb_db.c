/* The in-memory database and its transactions; see ovsdb_db.h. */
#include "ovsdb_db.h"

#include "ovsdb_datum.h"
#include "ovsdb_db_int.h"
#include "ovsdb_mutate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small chained hash map from uuid strings to pointers. */

size_t ovsdb_hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

struct omap_ent **ovsdb_omap_slot(const struct omap *m, const char *key)
{
    struct omap_ent **p;

    if (!m->nb) {
        return NULL;
    }
    for (p = &m->b[ovsdb_hash_str(key) & (m->nb - 1)]; *p; p = &(*p)->next) {
        if (!strcmp((*p)->key, key)) {
            return p;
        }
    }
    return p;
}

void *ovsdb_omap_get(const struct omap *m, const char *key, bool *found)
{
    struct omap_ent **p = ovsdb_omap_slot(m, key);
    bool f = p && *p;

    if (found) {
        *found = f;
    }
    return f ? (*p)->val : NULL;
}

int ovsdb_omap_put(struct omap *m, const char *key, void *val)
{
    struct omap_ent **p, *e;

    if (m->n + 1 > m->nb) {
        size_t nb = m->nb ? m->nb * 2 : 16;
        struct omap_ent **b = calloc(nb, sizeof *b);
        if (!b) {
            return -ENOMEM;
        }
        for (size_t i = 0; i < m->nb; i++) {
            while ((e = m->b[i])) {
                m->b[i] = e->next;
                e->next = b[ovsdb_hash_str(e->key) & (nb - 1)];
                b[ovsdb_hash_str(e->key) & (nb - 1)] = e;
            }
        }
        free(m->b);
        m->b = b;
        m->nb = nb;
    }
    p = ovsdb_omap_slot(m, key);
    if (*p) {
        (*p)->val = val;
        return 0;
    }
    e = calloc(1, sizeof *e);
    if (!e) {
        return -ENOMEM;
    }
    snprintf(e->key, sizeof e->key, "%s", key);
    e->val = val;
    *p = e;
    m->n++;
    return 0;
}

void ovsdb_omap_del(struct omap *m, const char *key)
{
    struct omap_ent **p = ovsdb_omap_slot(m, key), *e;

    if (p && (e = *p)) {
        *p = e->next;
        free(e);
        m->n--;
    }
}

void ovsdb_omap_clear(struct omap *m)
{
    for (size_t i = 0; i < m->nb; i++) {
        struct omap_ent *e = m->b[i], *next;
        for (; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(m->b);
    memset(m, 0, sizeof *m);
}

struct ovsdb_row *ovsdb_row_alloc(size_t n_cols)
{
    struct ovsdb_row *r = calloc(1, sizeof *r);
    if (r) {
        r->cols = calloc(n_cols, sizeof *r->cols);
        if (!r->cols) {
            free(r);
            r = NULL;
        }
    }
    return r;
}

void ovsdb_row_free(struct ovsdb_row *r, size_t n_cols)
{
    if (r) {
        for (size_t i = 0; i < n_cols; i++) {
            json_decref(r->cols[i]);
        }
        free(r->cols);
        free(r);
    }
}

struct ovsdb_row *ovsdb_row_clone(const struct ovsdb_row *src, size_t n_cols)
{
    struct ovsdb_row *r = ovsdb_row_alloc(n_cols);
    if (r) {
        for (size_t i = 0; i < n_cols; i++) {
            r->cols[i] = json_incref(src->cols[i]);
        }
        r->n_refs = src->n_refs;
    }
    return r;
}

const char *ovsdb_row_uuid(const struct ovsdb_row *row)
{
    return json_string_value(json_array_get(row->cols[OVSDB_COL_UUID], 0));
}

void ovsdb_row_set(struct ovsdb_row *row, size_t c, json_t *datum)
{
    json_decref(row->cols[c]);
    row->cols[c] = datum;
}

int ovsdb_db_new(struct ovsdb_schema *schema, struct ovsdb_db **out)
{
    struct ovsdb_db *db = calloc(1, sizeof *db);

    *out = NULL;
    if (!db || !(db->tables = calloc(schema->n_tables + 1, sizeof *db->tables)) ||
        !(db->indexes = calloc(schema->n_tables + 1, sizeof *db->indexes))) {
        if (db) {
            free(db->tables);
        }
        free(db);
        return -ENOMEM;
    }
    db->schema = schema;
    for (size_t t = 0; t < schema->n_tables; t++) {
        db->indexes[t] = json_array();
        for (size_t x = 0; x < schema->tables[t].n_indexes; x++) {
            json_array_append_new(db->indexes[t], json_object());
        }
    }
    *out = db;
    return 0;
}

void ovsdb_db_free(struct ovsdb_db *db)
{
    if (!db) {
        return;
    }
    for (size_t t = 0; t < db->schema->n_tables; t++) {
        OMAP_FOREACH(e, &db->tables[t])
        {
            ovsdb_row_free(e->val, db->schema->tables[t].n_cols);
        }
        ovsdb_omap_clear(&db->tables[t]);
        json_decref(db->indexes[t]);
    }
    free(db->indexes);
    free(db->tables);
    ovsdb_schema_free(db->schema);
    ovsdb_atom_pool_trim();
    free(db);
}

const struct ovsdb_schema *ovsdb_db_schema(const struct ovsdb_db *db)
{
    return db->schema;
}

const struct ovsdb_row *ovsdb_db_get(const struct ovsdb_db *db, size_t t, const char *uuid)
{
    return ovsdb_omap_get(&db->tables[t], uuid, NULL);
}

size_t ovsdb_db_count(const struct ovsdb_db *db, size_t t)
{
    return db->tables[t].n;
}

void ovsdb_db_foreach(const struct ovsdb_db *db, size_t t,
                      void (*cb)(const struct ovsdb_row *row, void *arg), void *arg)
{
    OMAP_FOREACH(e, &db->tables[t])
    {
        cb(e->val, arg);
    }
}

json_t *ovsdb_row_to_json(const struct ovsdb_tschema *ts, const struct ovsdb_row *row,
                          const bool *cols)
{
    json_t *obj = json_object();

    for (size_t c = 0; c < ts->n_cols; c++) {
        if (!cols || cols[c]) {
            json_object_set_new(obj, ts->cols[c].name,
                                ovsdb_datum_to_json(&ts->cols[c].type, row->cols[c]));
        }
    }
    return obj;
}

/* Journal form of a row: non-default columns plus _version, without _uuid. */
json_t *ovsdb_row_record(const struct ovsdb_tschema *ts, const struct ovsdb_row *row)
{
    json_t *obj = json_object();

    for (size_t c = OVSDB_COL_VERSION; c < ts->n_cols; c++) {
        if (c == OVSDB_COL_VERSION || !ovsdb_datum_is_default(&ts->cols[c].type, row->cols[c])) {
            json_object_set_new(obj, ts->cols[c].name,
                                ovsdb_datum_to_json(&ts->cols[c].type, row->cols[c]));
        }
    }
    return obj;
}

json_t *ovsdb_db_snapshot(const struct ovsdb_db *db)
{
    json_t *rec = json_object();

    for (size_t t = 0; t < db->schema->n_tables; t++) {
        json_t *tab;
        if (!db->tables[t].n) {
            continue;
        }
        tab = json_object();
        OMAP_FOREACH(e, &db->tables[t])
        {
            json_object_set_new(tab, e->key, ovsdb_row_record(&db->schema->tables[t], e->val));
        }
        json_object_set_new(rec, db->schema->tables[t].name, tab);
    }
    return rec;
}

struct ovsdb_row *ovsdb_new_default_row(const struct ovsdb_tschema *ts, const char *uuid)
{
    struct ovsdb_row *r = ovsdb_row_alloc(ts->n_cols);

    if (!r) {
        return NULL;
    }
    /* The uuid atom is the pooled one that references to this row share; the
     * first _version is the same datum until ovsdb_txn_check() stamps one. */
    r->cols[OVSDB_COL_UUID] = json_array();
    if (!r->cols[OVSDB_COL_UUID] ||
        json_array_append_new(r->cols[OVSDB_COL_UUID], ovsdb_atom_string(uuid, strlen(uuid)))) {
        ovsdb_row_free(r, ts->n_cols);
        return NULL;
    }
    r->cols[OVSDB_COL_VERSION] = json_incref(r->cols[OVSDB_COL_UUID]);
    for (size_t c = 2; c < ts->n_cols; c++) {
        r->cols[c] = json_incref(ts->cols[c].default_datum);
    }
    return r;
}

/* How a record's rows are written: our journal (new rows whole, changed rows
 * as "_diff"), or Open vSwitch's own file format (changed rows with the new
 * values of their changed columns, or with diffs when "_is_diff" is set). */
enum replay_mode { REPLAY_XVS, REPLAY_OVS_FULL, REPLAY_OVS_DIFF };

static int replay(struct ovsdb_db *db, const json_t *record, enum replay_mode mode)
{
    const char *tname, *uuid, *cname;
    json_t *tab, *rj, *v, *diff, *err = NULL;

    if (!json_is_object(record)) {
        return -EINVAL;
    }
    json_object_foreach((json_t *)record, tname, tab)
    {
        int t = ovsdb_schema_table(db->schema, tname);
        const struct ovsdb_tschema *ts;
        if (mode != REPLAY_XVS && tname[0] == '_') {
            /* "_date", "_comment", "_is_diff". */
            continue;
        }
        if (t < 0 || !json_is_object(tab)) {
            return -EINVAL;
        }
        ts = &db->schema->tables[t];
        json_object_foreach(tab, uuid, rj)
        {
            struct ovsdb_row *old = ovsdb_omap_get(&db->tables[t], uuid, NULL), *r;
            bool merge, as_diff;
            if (!ovsdb_uuid_valid(uuid)) {
                return -EINVAL;
            }
            if (json_is_null(rj)) {
                ovsdb_omap_del(&db->tables[t], uuid);
                ovsdb_row_free(old, ts->n_cols);
                continue;
            }
            if (!json_is_object(rj)) {
                return -EINVAL;
            }
            /* Our modified rows carry diffs of their changed columns in "_diff". */
            diff = mode == REPLAY_XVS ? json_object_get(rj, "_diff") : NULL;
            if (diff && !old) {
                return -EINVAL;
            }
            merge = diff || (mode != REPLAY_XVS && old);
            as_diff = diff || (mode == REPLAY_OVS_DIFF && old);
            r = merge ? ovsdb_row_clone(old, ts->n_cols) : ovsdb_new_default_row(ts, uuid);
            if (!r) {
                return -ENOMEM;
            }
            json_object_foreach(diff ? diff : rj, cname, v)
            {
                int c = ovsdb_tschema_column(ts, cname);
                json_t *d;
                if (!strcmp(cname, "_diff") || (mode != REPLAY_XVS && cname[0] == '_')) {
                    continue;
                }
                if (c < 1 ||
                    ovsdb_datum_from_json(&ts->cols[c].type, v, true, NULL, NULL, &d, &err)) {
                    json_decref(err);
                    ovsdb_row_free(r, ts->n_cols);
                    return -EINVAL;
                }
                if (as_diff) {
                    json_t *n = ovsdb_datum_apply_diff(&ts->cols[c].type, r->cols[c], d);
                    json_decref(d);
                    d = n;
                }
                ovsdb_row_set(r, (size_t)c, d);
            }
            v = json_object_get(rj, "_version");
            if (diff && v) {
                json_t *d;
                if (ovsdb_datum_from_json(&ts->cols[OVSDB_COL_VERSION].type, v, true, NULL, NULL,
                                          &d, &err)) {
                    json_decref(err);
                    ovsdb_row_free(r, ts->n_cols);
                    return -EINVAL;
                }
                ovsdb_row_set(r, OVSDB_COL_VERSION, d);
            } else if (merge && mode != REPLAY_XVS) {
                char ver[37];
                ovsdb_uuid_generate(ver);
                ovsdb_row_set(r, OVSDB_COL_VERSION, json_pack("[s]", ver));
            }
            if (ovsdb_omap_put(&db->tables[t], uuid, r)) {
                ovsdb_row_free(r, ts->n_cols);
                return -ENOMEM;
            }
            ovsdb_row_free(old, ts->n_cols);
        }
    }
    return 0;
}

int ovsdb_db_replay(struct ovsdb_db *db, const json_t *record)
{
    return replay(db, record, REPLAY_XVS);
}

int ovsdb_db_replay_ovs(struct ovsdb_db *db, const json_t *record)
{
    return replay(db, record,
                  json_is_true(json_object_get(record, "_is_diff")) ? REPLAY_OVS_DIFF
                                                                    : REPLAY_OVS_FULL);
}

struct ovsdb_txn *ovsdb_txn_new(struct ovsdb_db *db)
{
    struct ovsdb_txn *txn = calloc(1, sizeof *txn);

    if (!txn) {
        return NULL;
    }
    txn->db = db;
    txn->changes = calloc(db->schema->n_tables + 1, sizeof *txn->changes);
    txn->symtab = json_object();
    if (!txn->changes || !txn->symtab) {
        free(txn->changes);
        json_decref(txn->symtab);
        free(txn);
        return NULL;
    }
    return txn;
}

void ovsdb_txn_free(struct ovsdb_txn *txn)
{
    if (!txn) {
        return;
    }
    for (size_t t = 0; t < txn->db->schema->n_tables; t++) {
        size_t n = txn->db->schema->tables[t].n_cols;
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            /* After apply the database owns the new rows and the old ones are ours. */
            ovsdb_row_free(txn->applied ? tr->old : tr->new_, n);
            ovsdb_txn_row_free(tr, n);
        }
        ovsdb_omap_clear(&txn->changes[t]);
    }
    ovsdb_txn_free_delta(txn);
    free(txn->changes);
    json_decref(txn->symtab);
    free(txn);
}

struct ovsdb_db *ovsdb_txn_db(const struct ovsdb_txn *txn)
{
    return txn->db;
}

json_t *ovsdb_txn_symtab(struct ovsdb_txn *txn)
{
    return txn->symtab;
}

const struct ovsdb_row *ovsdb_txn_get(struct ovsdb_txn *txn, size_t t, const char *uuid)
{
    bool found;
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, &found);

    if (found) {
        return tr->new_;
    }
    return ovsdb_omap_get(&txn->db->tables[t], uuid, NULL);
}

size_t ovsdb_txn_rows(struct ovsdb_txn *txn, size_t t, const struct ovsdb_row ***rows)
{
    size_t n = 0, cap = txn->db->tables[t].n + txn->changes[t].n + 1;
    const struct ovsdb_row **v = malloc(cap * sizeof *v);

    *rows = v;
    if (!v) {
        return 0;
    }
    OMAP_FOREACH(e, &txn->db->tables[t])
    {
        bool changed;
        ovsdb_omap_get(&txn->changes[t], e->key, &changed);
        if (!changed) {
            v[n++] = e->val;
        }
    }
    OMAP_FOREACH(e, &txn->changes[t])
    {
        struct txn_row *tr = e->val;
        if (tr->new_) {
            v[n++] = tr->new_;
        }
    }
    return n;
}

static struct txn_row *add_change(struct ovsdb_txn *txn, size_t t, const char *uuid,
                                  struct ovsdb_row *old, struct ovsdb_row *new_)
{
    struct txn_row *tr = calloc(1, sizeof *tr);

    if (!tr || ovsdb_omap_put(&txn->changes[t], uuid, tr)) {
        free(tr);
        return NULL;
    }
    tr->old = old;
    tr->new_ = new_;
    return tr;
}

struct ovsdb_row *ovsdb_txn_insert(struct ovsdb_txn *txn, size_t t, const char *uuid)
{
    const struct ovsdb_tschema *ts = &txn->db->schema->tables[t];
    struct ovsdb_row *r;
    bool found;

    ovsdb_omap_get(&txn->changes[t], uuid, &found);
    if (found || ovsdb_omap_get(&txn->db->tables[t], uuid, NULL)) {
        return NULL;
    }
    r = ovsdb_new_default_row(ts, uuid);
    if (r && !add_change(txn, t, uuid, NULL, r)) {
        ovsdb_row_free(r, ts->n_cols);
        r = NULL;
    }
    return r;
}

struct ovsdb_row *ovsdb_txn_modify(struct ovsdb_txn *txn, size_t t, const char *uuid)
{
    size_t n = txn->db->schema->tables[t].n_cols;
    struct ovsdb_row *old, *r;
    bool found;
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, &found);

    if (found) {
        return tr->new_;
    }
    old = ovsdb_omap_get(&txn->db->tables[t], uuid, NULL);
    if (!old || !(r = ovsdb_row_clone(old, n))) {
        return NULL;
    }
    if (!add_change(txn, t, uuid, old, r)) {
        ovsdb_row_free(r, n);
        return NULL;
    }
    return r;
}

int ovsdb_txn_delete(struct ovsdb_txn *txn, size_t t, const char *uuid)
{
    size_t n = txn->db->schema->tables[t].n_cols;
    bool found;
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, &found);
    struct ovsdb_row *old;

    if (found) {
        if (!tr->new_) {
            return -ENOENT;
        }
        ovsdb_row_free(tr->new_, n);
        tr->new_ = NULL;
        free(tr->checked);
        tr->checked = NULL;
        if (!tr->old) {
            /* Inserted and deleted in the same transaction: no change at all. */
            ovsdb_omap_del(&txn->changes[t], uuid);
            ovsdb_txn_row_free(tr, n);
        }
        return 0;
    }
    old = ovsdb_omap_get(&txn->db->tables[t], uuid, NULL);
    if (!old) {
        return -ENOENT;
    }
    return add_change(txn, t, uuid, old, NULL) ? 0 : -ENOMEM;
}

void ovsdb_txn_mark_checked(struct ovsdb_txn *txn, size_t t, const char *uuid, size_t c)
{
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, NULL);

    if (!tr || !tr->new_) {
        return;
    }
    if (!tr->checked) {
        tr->checked = calloc(txn->db->schema->tables[t].n_cols, sizeof *tr->checked);
        if (!tr->checked) {
            return;
        }
    }
    tr->checked[c] = true;
}

void ovsdb_txn_row_free(struct txn_row *tr, size_t n_cols)
{
    if (!tr) {
        return;
    }
    for (size_t c = 0; tr->diff && c < n_cols; c++) {
        json_decref(tr->diff[c]);
        json_decref(tr->diff_of[c]);
    }
    free(tr->diff);
    free(tr->diff_of);
    free(tr->checked);
    free(tr);
}

/* Gives a staged change its per-column diff slots.  0 or -ENOMEM. */
static int diff_slots(const struct ovsdb_tschema *ts, struct txn_row *tr)
{
    if (!tr->diff) {
        tr->diff = calloc(ts->n_cols, sizeof *tr->diff);
        tr->diff_of = calloc(ts->n_cols, sizeof *tr->diff_of);
        if (!tr->diff || !tr->diff_of) {
            free(tr->diff);
            free(tr->diff_of);
            tr->diff = tr->diff_of = NULL;
            return -ENOMEM;
        }
    }
    return 0;
}

/* Forgets the diff kept for column c. */
static void drop_diff(struct txn_row *tr, size_t c)
{
    json_decref(tr->diff[c]);
    json_decref(tr->diff_of[c]);
    tr->diff[c] = tr->diff_of[c] = NULL;
}

const json_t *ovsdb_txn_row_diff(const struct ovsdb_tschema *ts, struct txn_row *tr, size_t c)
{
    json_t *cur = tr->new_->cols[c];

    if (diff_slots(ts, tr)) {
        return NULL;
    }
    /* A kept diff holds the datum it was made for, which therefore cannot be
     * freed and its address reused: the same pointer means the same value
     * (a mutation that changes it in place lets go first, see
     * ovsdb_txn_mutate()). */
    if (tr->diff_of[c] != cur || !tr->diff[c]) {
        drop_diff(tr, c);
        tr->diff[c] = ovsdb_datum_diff(&ts->cols[c].type, tr->old->cols[c], cur);
        tr->diff_of[c] = json_incref(cur);
    }
    return tr->diff[c];
}

struct mutate_ctx {
    const struct ovsdb_tschema *ts;
    struct txn_row *tr;
};

/* Brings the diff of column c up to date with one element that came in or
 * went out (see struct ovsdb_mutate_watch).  After the change, the diff's
 * entry for the element's key is what ovsdb_datum_diff() would give: none
 * when the key now holds what the committed row holds, else the committed
 * element for a key that went, the new element for a key that came or whose
 * value changed. */
static void track_elem(size_t c, const json_t *e, bool added, void *arg)
{
    struct mutate_ctx *ctx = arg;
    const struct ovsdb_type *type = &ctx->ts->cols[c].type;
    const json_t *old = ctx->tr->old->cols[c], *key, *want;
    json_t *d = ctx->tr->diff[c];
    bool map = type->value.type != OVSDB_VOID, found;
    size_t pos;
    int r;

    if (!d || ctx->tr->diff_of[c]) {
        return; /* Not kept element by element for this mutation. */
    }
    if (!e) {
        drop_diff(ctx->tr, c);
        return;
    }
    key = map ? json_array_get(e, 0) : e;
    if (added) {
        want = ovsdb_datum_holds(type, old, e) ? NULL : e;
    } else {
        long o = ovsdb_datum_find(type, old, key);
        want = o >= 0 ? json_array_get(old, (size_t)o) : NULL;
    }
    pos = ovsdb_datum_lower_bound(type, d, key, &found);
    if (!want) {
        r = found ? json_array_remove(d, pos) : 0;
    } else {
        r = found ? json_array_set(d, pos, (json_t *)want)
                  : json_array_insert(d, pos, (json_t *)want);
    }
    if (r) {
        drop_diff(ctx->tr, c); /* Out of memory: the walk will make it. */
    }
}

int ovsdb_txn_mutate(struct ovsdb_txn *txn, size_t t, const char *uuid, const json_t *muts,
                     ovsdb_symbol_fn sym, void *sym_arg, json_t **error)
{
    const struct ovsdb_tschema *ts = &txn->db->schema->tables[t];
    struct ovsdb_row *row = ovsdb_txn_modify(txn, t, uuid);
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, NULL);
    struct mutate_ctx ctx = {ts, tr};
    struct ovsdb_mutate_watch watch = {track_elem, &ctx};
    bool keep = row && tr->old && !diff_slots(ts, tr);
    const json_t *mj;
    size_t i;
    int r;

    if (!row) {
        *error = ovsdb_error("resources exhausted", "%s", "out of memory");
        return -ENOMEM;
    }
    /* Each set or map column the mutations name keeps its diff element by
     * element: one still valid lets go of its datum (so that the mutation
     * can change it in place), one that still holds the committed datum
     * starts empty, any other is dropped and made by a walk when needed. */
    json_array_foreach(keep ? muts : NULL, i, mj)
    {
        const char *name = json_string_value(json_array_get(mj, 0));
        int c = name ? ovsdb_tschema_column(ts, name) : -1;
        const struct ovsdb_type *type = c >= 2 ? &ts->cols[c].type : NULL;
        if (!type || (type->n_min == 1 && type->n_max == 1) || (tr->diff[c] && !tr->diff_of[c])) {
            continue; /* Scalar, invalid (the mutation says so), or done. */
        }
        if (tr->diff[c] && tr->diff_of[c] == row->cols[c]) {
            json_decref(tr->diff_of[c]);
            tr->diff_of[c] = NULL;
        } else {
            drop_diff(tr, c);
            if (row->cols[c] == tr->old->cols[c]) {
                tr->diff[c] = json_array();
            }
        }
    }
    r = ovsdb_mutate_row(ts, row, muts, sym, sym_arg, keep ? &watch : NULL, error);
    for (size_t c = 0; keep && c < ts->n_cols; c++) {
        if (tr->diff[c] && !tr->diff_of[c]) {
            tr->diff_of[c] = json_incref(row->cols[c]);
        }
    }
    return r;
}

const json_t *ovsdb_txn_diff(const struct ovsdb_txn *txn, size_t t, const char *uuid, size_t c)
{
    const struct ovsdb_tschema *ts = &txn->db->schema->tables[t];
    struct txn_row *tr = ovsdb_omap_get(&txn->changes[t], uuid, NULL);

    if (!tr || !tr->old || !tr->new_ ||
        (ts->cols[c].type.n_min == 1 && ts->cols[c].type.n_max == 1)) {
        return NULL;
    }
    return ovsdb_txn_row_diff(ts, tr, c);
}
