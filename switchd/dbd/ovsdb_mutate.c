/* Mutations for the "mutate" operation; see ovsdb_mutate.h. */
#include "ovsdb_mutate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

enum mutator { M_ADD, M_SUB, M_MUL, M_DIV, M_MOD, M_INSERT, M_DELETE };

static int parse_mutator(const char *s, enum mutator *m)
{
    static const char *const names[] = {"+=", "-=", "*=", "/=", "%=", "insert", "delete"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(s, names[i])) {
            *m = (enum mutator)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* Integer arithmetic with overflow and division checks. */
static int int_op(enum mutator m, int64_t a, int64_t b, int64_t *out, json_t **error)
{
    switch (m) {
    case M_ADD:
        if (__builtin_add_overflow(a, b, out)) {
            goto range;
        }
        return 0;
    case M_SUB:
        if (__builtin_sub_overflow(a, b, out)) {
            goto range;
        }
        return 0;
    case M_MUL:
        if (__builtin_mul_overflow(a, b, out)) {
            goto range;
        }
        return 0;
    case M_DIV:
    case M_MOD:
        if (!b) {
            *error = ovsdb_error("domain error", "%s", "division by zero");
            return -EINVAL;
        }
        if (a == INT64_MIN && b == -1) {
            if (m == M_MOD) {
                *out = 0;
                return 0;
            }
            goto range;
        }
        *out = m == M_DIV ? a / b : a % b;
        return 0;
    default:
        break;
    }
range:
    *error = ovsdb_error("range error", "%s", "result does not fit in 64 bits");
    return -EINVAL;
}

static int real_op(enum mutator m, double a, double b, double *out, json_t **error)
{
    switch (m) {
    case M_ADD:
        *out = a + b;
        break;
    case M_SUB:
        *out = a - b;
        break;
    case M_MUL:
        *out = a * b;
        break;
    case M_DIV:
        if (b == 0.0) {
            *error = ovsdb_error("domain error", "%s", "division by zero");
            return -EINVAL;
        }
        *out = a / b;
        break;
    default:
        *error = ovsdb_error("constraint violation", "%s", "%= does not apply to reals");
        return -EINVAL;
    }
    if (!isfinite(*out)) {
        *error = ovsdb_error("range error", "%s", "result is not finite");
        return -EINVAL;
    }
    return 0;
}

static int arith(const struct ovsdb_type *type, enum mutator m, const json_t *arg, json_t **datum,
                 json_t **error)
{
    json_t *out = json_array(), *e;
    size_t i;

    json_array_foreach(*datum, i, e)
    {
        if (type->key.type == OVSDB_INTEGER) {
            int64_t v;
            if (int_op(m, json_integer_value(e), json_integer_value(arg), &v, error)) {
                goto err;
            }
            json_array_append_new(out, json_integer(v));
        } else {
            double v;
            if (real_op(m, json_number_value(e), json_number_value(arg), &v, error)) {
                goto err;
            }
            json_array_append_new(out, json_real(v));
        }
    }
    if (ovsdb_datum_sort(type, out)) {
        *error = ovsdb_error("constraint violation", "%s", "mutation makes set values equal");
        goto err;
    }
    json_decref(*datum);
    *datum = out;
    return 0;
err:
    json_decref(out);
    return -EINVAL;
}

/* Set or map union: adds the elements of "arg" whose keys are not present.
 * Both are sorted datums, so one merge walk builds the result: adding a
 * port to a bridge with thousands costs a copy, not a sort. */
static void do_insert(const struct ovsdb_type *type, const json_t *arg, json_t **datum)
{
    bool map = type->value.type != OVSDB_VOID;
    size_t i = 0, j = 0, n = json_array_size(*datum), na = json_array_size(arg);
    json_t *out = json_array();

    while (i < n || j < na) {
        json_t *a = i < n ? json_array_get(*datum, i) : NULL;
        json_t *b = j < na ? json_array_get(arg, j) : NULL;
        int c = !a   ? 1
                : !b ? -1
                     : ovsdb_atom_cmp(map ? json_array_get(a, 0) : a,
                                      map ? json_array_get(b, 0) : b, type->key.type);
        /* On equal keys the present element (and its map value) stays. */
        json_array_append(out, c <= 0 ? a : b);
        i += c <= 0;
        j += c >= 0;
    }
    json_decref(*datum);
    *datum = out;
}

/* Removes elements equal to those of "arg"; for a map, "arg" is either a map
 * (pairs must match) or a set of keys ("keys_only"). */
static void do_delete(const struct ovsdb_type *type, const json_t *arg, bool keys_only,
                      json_t **datum)
{
    bool map = type->value.type != OVSDB_VOID;
    json_t *out = json_array(), *e;
    size_t i;

    json_array_foreach(*datum, i, e)
    {
        const json_t *key = map ? json_array_get(e, 0) : e;
        struct ovsdb_type kt = *type;
        long j;
        if (keys_only) {
            kt.value.type = OVSDB_VOID;
        }
        j = ovsdb_datum_find(&kt, arg, key);
        if (j >= 0 && map && !keys_only &&
            ovsdb_atom_cmp(json_array_get(json_array_get(arg, (size_t)j), 1), json_array_get(e, 1),
                           type->value.type)) {
            j = -1;
        }
        if (j < 0) {
            json_array_append(out, e);
        }
    }
    json_decref(*datum);
    *datum = out;
}

static int one_mutation(const struct ovsdb_tschema *ts, struct ovsdb_row *row, const json_t *mj,
                        ovsdb_symbol_fn sym, void *sym_arg, json_t **error)
{
    const struct ovsdb_column *col;
    const struct ovsdb_type *type;
    json_t *arg = NULL, *datum = NULL;
    enum mutator m;
    bool keys_only = false;
    int c, r = -EINVAL;

    if (!json_is_array(mj) || json_array_size(mj) != 3 || !json_is_string(json_array_get(mj, 0)) ||
        !json_is_string(json_array_get(mj, 1))) {
        *error = ovsdb_error("syntax error", "%s", "a mutation is [column, mutator, value]");
        return -EINVAL;
    }
    c = ovsdb_tschema_column(ts, json_string_value(json_array_get(mj, 0)));
    if (c < 0) {
        *error = ovsdb_error("syntax error", "no column %s in table %s",
                             json_string_value(json_array_get(mj, 0)), ts->name);
        return -EINVAL;
    }
    col = &ts->cols[c];
    type = &col->type;
    if (c < 2 || !col->is_mutable) {
        *error = ovsdb_error("constraint violation", "cannot mutate column %s", col->name);
        return -EINVAL;
    }
    if (parse_mutator(json_string_value(json_array_get(mj, 1)), &m)) {
        *error = ovsdb_error("syntax error", "unknown mutator %s",
                             json_string_value(json_array_get(mj, 1)));
        return -EINVAL;
    }
    if (m < M_INSERT) {
        if (type->value.type != OVSDB_VOID ||
            (type->key.type != OVSDB_INTEGER && type->key.type != OVSDB_REAL)) {
            *error = ovsdb_error("constraint violation", "arithmetic on non-numeric column %s",
                                 col->name);
            return -EINVAL;
        }
        if (ovsdb_atom_from_json(&type->key, json_array_get(mj, 2), false, sym, sym_arg, &arg,
                                 error)) {
            return -EINVAL;
        }
    } else {
        const json_t *v = json_array_get(mj, 2);
        struct ovsdb_type at = *type;
        if (type->n_max == 1 && type->n_min == 1) {
            *error = ovsdb_error("constraint violation", "%s applies to sets and maps only",
                                 json_string_value(json_array_get(mj, 1)));
            return -EINVAL;
        }
        if (m == M_DELETE && type->value.type != OVSDB_VOID &&
            !(json_is_array(v) && json_is_string(json_array_get(v, 0)) &&
              !strcmp(json_string_value(json_array_get(v, 0)), "map"))) {
            at.value.type = OVSDB_VOID;
            keys_only = true;
        }
        if (ovsdb_datum_from_json(&at, v, true, sym, sym_arg, &arg, error)) {
            return -EINVAL;
        }
    }
    if (!row) {
        r = 0;
        goto out;
    }
    datum = json_incref(row->cols[c]);
    if (m < M_INSERT) {
        if (arith(type, m, arg, &datum, error)) {
            goto out;
        }
    } else if (m == M_INSERT) {
        do_insert(type, arg, &datum);
    } else {
        do_delete(type, arg, keys_only, &datum);
    }
    if (ovsdb_datum_check(type, datum, error)) {
        goto out;
    }
    ovsdb_row_set(row, (size_t)c, datum);
    datum = NULL;
    r = 0;
out:
    json_decref(arg);
    json_decref(datum);
    return r;
}

int ovsdb_mutate_row(const struct ovsdb_tschema *ts, struct ovsdb_row *row, const json_t *muts,
                     ovsdb_symbol_fn sym, void *sym_arg, json_t **error)
{
    const json_t *mj;
    size_t i;

    json_array_foreach(muts, i, mj)
    {
        if (one_mutation(ts, row, mj, sym, sym_arg, error)) {
            return -EINVAL;
        }
    }
    return 0;
}
