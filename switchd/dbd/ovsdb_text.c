/* Compact JSON text of OVSDB values and journal records; see ovsdb_text.h. */
#include "ovsdb_text.h"

#include "ovsdb_datum.h"
#include "ovsdb_db_int.h"

#include "jtext.h"

#include <string.h>

size_t ovsdb_text_fmt_int(long long v, char buf[24])
{
    char tmp[24];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0, len = 0;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        buf[len++] = '-';
    }
    while (n) {
        buf[len++] = tmp[--n];
    }
    return len;
}

/* A string literal as jansson writes it.  A string that is not UTF-8,
 * which no check lets into the database, fails the whole text. */
static void text_string(struct sbuf *b, const char *s, size_t n)
{
    if (jtext_dump_string(s, n, b)) {
        b->failed = true;
    }
}

static void text_atom(struct sbuf *b, enum ovsdb_atype type, const json_t *atom)
{
    char num[40];
    size_t n;

    switch (type) {
    case OVSDB_INTEGER:
        n = ovsdb_text_fmt_int((long long)json_integer_value(atom), num);
        sbuf_add(b, num, n);
        break;
    case OVSDB_REAL:
        jtext_dump_real(json_number_value(atom), b);
        break;
    case OVSDB_BOOLEAN:
        sbuf_adds(b, json_is_true(atom) ? "true" : "false");
        break;
    case OVSDB_STRING:
        text_string(b, json_string_value(atom), json_string_length(atom));
        break;
    case OVSDB_UUID:
        sbuf_add(b, "[\"uuid\",", 8);
        text_string(b, json_string_value(atom), json_string_length(atom));
        sbuf_addc(b, ']');
        break;
    case OVSDB_VOID:
        break;
    }
}

void ovsdb_text_datum(struct sbuf *b, const struct ovsdb_type *type, const json_t *datum)
{
    bool map = type->value.type != OVSDB_VOID;
    size_t i;
    const json_t *e;

    if (!map && json_array_size(datum) == 1) {
        text_atom(b, type->key.type, json_array_get(datum, 0));
        return;
    }
    sbuf_adds(b, map ? "[\"map\",[" : "[\"set\",[");
    json_array_foreach(datum, i, e)
    {
        if (i) {
            sbuf_addc(b, ',');
        }
        if (map) {
            sbuf_addc(b, '[');
            text_atom(b, type->key.type, json_array_get(e, 0));
            sbuf_addc(b, ',');
            text_atom(b, type->value.type, json_array_get(e, 1));
            sbuf_addc(b, ']');
        } else {
            text_atom(b, type->key.type, e);
        }
    }
    sbuf_add(b, "]]", 2);
}

/* Appends "name": (with the comma before it unless it is the first member). */
static void text_member(struct sbuf *b, const char *name, bool *first)
{
    if (!*first) {
        sbuf_addc(b, ',');
    }
    *first = false;
    text_string(b, name, strlen(name));
    sbuf_addc(b, ':');
}

/* An inserted row: its non-default columns plus _version (ovsdb_row_record()). */
static void text_new_row(struct sbuf *b, const struct ovsdb_tschema *ts,
                         const struct ovsdb_row *row)
{
    bool first = true;

    sbuf_addc(b, '{');
    for (size_t c = OVSDB_COL_VERSION; c < ts->n_cols; c++) {
        const struct ovsdb_column *col = &ts->cols[c];
        if (c != OVSDB_COL_VERSION &&
            (row->cols[c] == col->default_datum ||
             !ovsdb_datum_cmp(&col->type, col->default_datum, row->cols[c]))) {
            continue;
        }
        text_member(b, col->name, &first);
        ovsdb_text_datum(b, &col->type, row->cols[c]);
    }
    sbuf_addc(b, '}');
}

/* A modified row: {"_diff": diffs of the changed columns, "_version": ...}. */
static void text_diff_row(struct sbuf *b, const struct ovsdb_tschema *ts, struct txn_row *tr)
{
    const struct ovsdb_row *old = tr->old, *new_ = tr->new_;
    bool first = true;

    sbuf_add(b, "{\"_diff\":{", 10);
    for (size_t c = 2; c < ts->n_cols; c++) {
        const struct ovsdb_type *type = &ts->cols[c].type;
        const json_t *d;
        if (old->cols[c] == new_->cols[c]) {
            continue;
        }
        if (type->n_min == 1 && type->n_max == 1) {
            /* A scalar's diff is its new value. */
            if (ovsdb_datum_cmp(type, old->cols[c], new_->cols[c])) {
                text_member(b, ts->cols[c].name, &first);
                ovsdb_text_datum(b, type, new_->cols[c]);
            }
            continue;
        }
        /* The diff the check kept; an empty one is no change. */
        d = ovsdb_txn_row_diff(ts, tr, c);
        if (!d) {
            b->failed = true;
        } else if (json_array_size(d) > 0) {
            text_member(b, ts->cols[c].name, &first);
            ovsdb_text_datum(b, type, d);
        }
    }
    sbuf_add(b, "},\"_version\":", 13);
    ovsdb_text_datum(b, &ts->cols[OVSDB_COL_VERSION].type, new_->cols[OVSDB_COL_VERSION]);
    sbuf_addc(b, '}');
}

int ovsdb_text_txn_record(struct sbuf *b, const struct ovsdb_txn *txn, const json_t *comment)
{
    const struct ovsdb_schema *s = txn->db->schema;
    bool first_table = true;

    sbuf_add(b, "{\"txn\":{", 8);
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct ovsdb_tschema *ts = &s->tables[t];
        bool first_row = true;
        if (!txn->changes[t].n) {
            continue;
        }
        text_member(b, ts->name, &first_table);
        sbuf_addc(b, '{');
        OMAP_FOREACH(e, &txn->changes[t])
        {
            struct txn_row *tr = e->val;
            text_member(b, e->key, &first_row);
            if (!tr->new_) {
                sbuf_add(b, "null", 4);
            } else if (tr->old) {
                text_diff_row(b, ts, tr);
            } else {
                text_new_row(b, ts, tr->new_);
            }
        }
        sbuf_addc(b, '}');
    }
    sbuf_addc(b, '}');
    if (json_is_string(comment)) {
        sbuf_add(b, ",\"comment\":", 11);
        text_string(b, json_string_value(comment), json_string_length(comment));
    }
    sbuf_addc(b, '}');
    return sbuf_error(b);
}
