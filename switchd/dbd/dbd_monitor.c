/* Monitors: initial contents and per-commit updates; see dbd_monitor.h. */
#include "dbd_monitor.h"

#include "ovsdb_datum.h"
#include "ovsdb_exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What one monitored table asks for. */
struct mon_table {
    size_t t;
    const struct ovsdb_tschema *ts;
    bool *cols;
    bool initial, insert, delete_, modify;
    struct ovsdb_cond *cond; /* NULL: every row. */
};

struct dbd_monitor {
    int version;
    struct mon_table *tables;
    size_t n;
};

void dbd_monitor_free(struct dbd_monitor *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        free(m->tables[i].cols);
        ovsdb_cond_free(m->tables[i].cond);
    }
    free(m->tables);
    free(m);
}

const char *dbd_monitor_method(const struct dbd_monitor *m)
{
    return m->version == 2 ? "update2" : "update";
}

/* Merges one <monitor-request> into mt.  A table may have several requests;
 * their columns and selections add up, and any request without a condition
 * makes the whole table visible. */
static int parse_request(struct mon_table *mt, const json_t *req, int version, bool first,
                         json_t **error)
{
    const json_t *cols = json_object_get(req, "columns"), *sel = json_object_get(req, "select");
    const json_t *where = json_object_get(req, "where"), *c;
    size_t i;

    if (!json_is_object(req)) {
        *error = ovsdb_error("syntax error", "%s", "a monitor request must be an object");
        return -EINVAL;
    }
    if (cols && !json_is_array(cols)) {
        *error = ovsdb_error("syntax error", "%s", "\"columns\" must be an array");
        return -EINVAL;
    }
    if (!cols) {
        for (i = 2; i < mt->ts->n_cols; i++) {
            mt->cols[i] = true;
        }
    }
    json_array_foreach(cols, i, c)
    {
        int ci = json_is_string(c) ? ovsdb_tschema_column(mt->ts, json_string_value(c)) : -1;
        if (ci < 0) {
            *error = ovsdb_error("syntax error", "unknown column in table %s", mt->ts->name);
            return -EINVAL;
        }
        mt->cols[ci] = true;
    }
    if (sel) {
        mt->initial |= !json_is_false(json_object_get(sel, "initial"));
        mt->insert |= !json_is_false(json_object_get(sel, "insert"));
        mt->delete_ |= !json_is_false(json_object_get(sel, "delete"));
        mt->modify |= !json_is_false(json_object_get(sel, "modify"));
    } else {
        mt->initial = mt->insert = mt->delete_ = mt->modify = true;
    }
    if (version == 2 && where && first) {
        return ovsdb_cond_parse(mt->ts, where, NULL, NULL, &mt->cond, error);
    }
    if (!first || !where) {
        ovsdb_cond_free(mt->cond);
        mt->cond = NULL;
    }
    return 0;
}

int dbd_monitor_new(const struct ovsdb_db *db, const json_t *requests, int version,
                    struct dbd_monitor **out, json_t **error)
{
    const struct ovsdb_schema *s = ovsdb_db_schema(db);
    struct dbd_monitor *m;
    const char *tname;
    json_t *req;

    *out = NULL;
    if (!json_is_object(requests)) {
        *error = ovsdb_error("syntax error", "%s", "monitor requests must be an object");
        return -EINVAL;
    }
    m = calloc(1, sizeof *m);
    if (!m || !(m->tables = calloc(json_object_size(requests) + 1, sizeof *m->tables))) {
        free(m);
        *error = ovsdb_error("resources exhausted", "%s", "out of memory");
        return -ENOMEM;
    }
    m->version = version;
    json_object_foreach((json_t *)requests, tname, req)
    {
        int t = ovsdb_schema_table(s, tname);
        struct mon_table *mt = &m->tables[m->n];
        if (t < 0) {
            *error = ovsdb_error("syntax error", "unknown table %s", tname);
            goto err;
        }
        mt->t = (size_t)t;
        mt->ts = &s->tables[t];
        mt->cols = calloc(mt->ts->n_cols, sizeof *mt->cols);
        m->n++;
        if (!mt->cols) {
            *error = ovsdb_error("resources exhausted", "%s", "out of memory");
            goto err;
        }
        if (json_is_array(req)) {
            size_t i;
            json_t *r;
            json_array_foreach(req, i, r)
            {
                if (parse_request(mt, r, version, i == 0, error)) {
                    goto err;
                }
            }
        } else if (parse_request(mt, req, version, true, error)) {
            goto err;
        }
    }
    *out = m;
    return 0;
err:
    dbd_monitor_free(m);
    return -EINVAL;
}

/* The monitored columns of a row; update2 rows leave out default values. */
static json_t *row_json(const struct mon_table *mt, const struct ovsdb_row *row, bool skip_default)
{
    json_t *obj = json_object();

    for (size_t c = 0; c < mt->ts->n_cols; c++) {
        const struct ovsdb_type *type = &mt->ts->cols[c].type;
        if (!mt->cols[c] || (skip_default && ovsdb_datum_is_default(type, row->cols[c]))) {
            continue;
        }
        json_object_set_new(obj, mt->ts->cols[c].name, ovsdb_datum_to_json(type, row->cols[c]));
    }
    return obj;
}

static bool visible(const struct mon_table *mt, const struct ovsdb_row *row)
{
    return row && (!mt->cond || ovsdb_cond_match(mt->cond, row, true));
}

static void add_update(json_t *updates, const struct mon_table *mt, const char *uuid, json_t *ru)
{
    json_t *tab = json_object_get(updates, mt->ts->name);

    if (!tab) {
        tab = json_object();
        json_object_set_new(updates, mt->ts->name, tab);
    }
    json_object_set_new(tab, uuid, ru);
}

struct initial_ctx {
    const struct dbd_monitor *m;
    const struct mon_table *mt;
    json_t *updates;
};

static void initial_row(const struct ovsdb_row *row, void *arg)
{
    struct initial_ctx *ctx = arg;

    if (!visible(ctx->mt, row)) {
        return;
    }
    add_update(ctx->updates, ctx->mt, ovsdb_row_uuid(row),
               json_pack("{s:o}", ctx->m->version == 2 ? "initial" : "new",
                         row_json(ctx->mt, row, ctx->m->version == 2)));
}

json_t *dbd_monitor_initial(const struct dbd_monitor *m, const struct ovsdb_db *db)
{
    struct initial_ctx ctx = {.m = m, .updates = json_object()};

    for (size_t i = 0; i < m->n; i++) {
        if (m->tables[i].initial) {
            ctx.mt = &m->tables[i];
            ovsdb_db_foreach(db, m->tables[i].t, initial_row, &ctx);
        }
    }
    return ctx.updates;
}

struct change_ctx {
    const struct dbd_monitor *m;
    const struct ovsdb_txn *txn;
    json_t *updates;
};

/* One row's <row-update> (version 1) or <row-update2> (version 2), or NULL. */
static json_t *row_update(const struct dbd_monitor *m, const struct mon_table *mt,
                          const struct ovsdb_txn *txn, const struct ovsdb_row *old,
                          const struct ovsdb_row *new_)
{
    bool was = visible(mt, old), is = visible(mt, new_);
    json_t *diff;
    bool any = false;

    if (!was && is) {
        return mt->insert ? json_pack("{s:o}", m->version == 2 ? "insert" : "new",
                                      row_json(mt, new_, m->version == 2))
                          : NULL;
    }
    if (was && !is) {
        if (!mt->delete_) {
            return NULL;
        }
        return m->version == 2 ? json_pack("{s:n}", "delete")
                               : json_pack("{s:o}", "old", row_json(mt, old, false));
    }
    if (!was || !mt->modify) {
        return NULL;
    }
    diff = json_object();
    for (size_t c = 0; c < mt->ts->n_cols; c++) {
        const struct ovsdb_type *type = &mt->ts->cols[c].type;
        const json_t *kept;
        json_t *d;
        if (!mt->cols[c] || old->cols[c] == new_->cols[c]) {
            continue;
        }
        /* The diff of a set or map that the transaction kept (one walk of
         * a bridge's ports for the journal and every monitor): empty when
         * the column did not really change. */
        kept = m->version == 2 ? ovsdb_txn_diff(txn, mt->t, ovsdb_row_uuid(new_), c) : NULL;
        if (kept ? !json_array_size(kept) : !ovsdb_datum_cmp(type, old->cols[c], new_->cols[c])) {
            continue;
        }
        any = true;
        if (kept) {
            json_object_set_new(diff, mt->ts->cols[c].name, ovsdb_datum_to_json(type, kept));
        } else if (m->version == 2) {
            d = ovsdb_datum_diff(type, old->cols[c], new_->cols[c]);
            json_object_set_new(diff, mt->ts->cols[c].name, ovsdb_datum_to_json(type, d));
            json_decref(d);
        } else {
            json_object_set_new(diff, mt->ts->cols[c].name,
                                ovsdb_datum_to_json(type, old->cols[c]));
        }
    }
    if (!any) {
        json_decref(diff);
        return NULL;
    }
    if (m->version == 2) {
        return json_pack("{s:o}", "modify", diff);
    }
    return json_pack("{s:o, s:o}", "old", diff, "new", row_json(mt, new_, false));
}

static void change_row(size_t t, const struct ovsdb_row *old, const struct ovsdb_row *new_,
                       void *arg)
{
    struct change_ctx *ctx = arg;

    for (size_t i = 0; i < ctx->m->n; i++) {
        const struct mon_table *mt = &ctx->m->tables[i];
        json_t *ru;
        if (mt->t != t) {
            continue;
        }
        ru = row_update(ctx->m, mt, ctx->txn, old, new_);
        if (ru) {
            add_update(ctx->updates, mt, ovsdb_row_uuid(old ? old : new_), ru);
        }
    }
}

json_t *dbd_monitor_changes(const struct dbd_monitor *m, const struct ovsdb_txn *txn)
{
    struct change_ctx ctx = {.m = m, .txn = txn, .updates = json_object()};

    ovsdb_txn_foreach_change(txn, change_row, &ctx);
    if (!json_object_size(ctx.updates)) {
        json_decref(ctx.updates);
        return NULL;
    }
    return ctx.updates;
}
