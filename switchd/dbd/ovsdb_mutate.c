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

/* Arguments with at most this many elements are merged into a datum by a
 * binary search and an insertion or removal each; longer ones by a merge
 * walk over both datums. */
#define FEW_ELEMS 16

/* A datum that may be changed in place: "*datum" itself when nothing but the
 * writable row holds it (a copy this transaction made earlier), else a new
 * copy that replaces it.  Returns NULL on allocation failure.  Datums are
 * shared by reference count and never changed otherwise, so the copy is what
 * keeps the committed row intact; the in-place case is what keeps many
 * mutations of one row in one transaction (ports added to a bridge) from
 * copying the whole set each time. */
static json_t *unshare(json_t **datum)
{
    json_t *copy;

    if ((*datum)->refcount == 1) {
        return *datum;
    }
    copy = json_array();
    if (!copy || json_array_extend(copy, *datum)) {
        json_decref(copy);
        return NULL;
    }
    json_decref(*datum);
    *datum = copy;
    return copy;
}

/* Set or map union: adds the elements of "arg" whose keys are not present
 * (on equal keys the present element, and its map value, stays).  Both are
 * sorted datums.  Appends each added element to "added".  Returns 0 or
 * -ENOMEM. */
static int do_insert(const struct ovsdb_type *type, const json_t *arg, json_t **datum,
                     json_t *added)
{
    bool map = type->value.type != OVSDB_VOID;
    size_t i = 0, j = 0, n = json_array_size(*datum), na = json_array_size(arg);
    json_t *out, *e;

    if (na <= FEW_ELEMS) {
        json_array_foreach(arg, j, e)
        {
            bool found;
            size_t pos =
                    ovsdb_datum_lower_bound(type, *datum, map ? json_array_get(e, 0) : e, &found);
            if (found) {
                continue;
            }
            /* Copied only when something really comes. */
            out = unshare(datum);
            if (!out || json_array_insert(out, pos, e) || json_array_append(added, e)) {
                return -ENOMEM;
            }
        }
        return 0;
    }
    out = json_array();
    if (!out) {
        return -ENOMEM;
    }
    while (i < n || j < na) {
        json_t *a = i < n ? json_array_get(*datum, i) : NULL;
        json_t *b = j < na ? json_array_get(arg, j) : NULL;
        int c = !a   ? 1
                : !b ? -1
                     : ovsdb_atom_cmp(map ? json_array_get(a, 0) : a,
                                      map ? json_array_get(b, 0) : b, type->key.type);
        json_array_append(out, c <= 0 ? a : b);
        if (c > 0) {
            json_array_append(added, b);
        }
        i += c <= 0;
        j += c >= 0;
    }
    json_decref(*datum);
    *datum = out;
    return 0;
}

/* Removes elements equal to those of "arg"; for a map, "arg" is either a map
 * (pairs must match) or a set of keys ("keys_only").  Appends each removed
 * element to "removed".  Returns 0 or -ENOMEM. */
static int do_delete(const struct ovsdb_type *type, const json_t *arg, bool keys_only,
                     json_t **datum, json_t *removed)
{
    bool map = type->value.type != OVSDB_VOID;
    json_t *out, *e;
    size_t i;

    if (json_array_size(arg) <= FEW_ELEMS) {
        json_array_foreach(arg, i, e)
        {
            const json_t *key = map && !keys_only ? json_array_get(e, 0) : e;
            bool found;
            size_t pos = ovsdb_datum_lower_bound(type, *datum, key, &found);
            if (!found || (map && !keys_only &&
                           ovsdb_atom_cmp(json_array_get(json_array_get(*datum, pos), 1),
                                          json_array_get(e, 1), type->value.type))) {
                continue;
            }
            /* Copied only when something really goes. */
            out = unshare(datum);
            if (!out || json_array_append(removed, json_array_get(out, pos))) {
                return -ENOMEM;
            }
            json_array_remove(out, pos);
        }
        return 0;
    }
    out = json_array();
    if (!out) {
        return -ENOMEM;
    }
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
        if (json_array_append(j < 0 ? out : removed, e)) {
            json_decref(out);
            return -ENOMEM;
        }
    }
    json_decref(*datum);
    *datum = out;
    return 0;
}

/* Checks a column after an insert or delete mutation.  A datum that the row
 * held before was checked already (committed rows at their commit, values
 * of this transaction when they were set), except a freshly inserted row's
 * default, which the schema does not promise to be valid: then the whole
 * datum is checked, else its count and the elements the mutation added. */
static int check_mutated(const struct ovsdb_column *col, const json_t *datum, bool was_default,
                         const json_t *added, json_t **error)
{
    const json_t *e;
    size_t i;

    if (was_default) {
        return ovsdb_datum_check(&col->type, datum, error);
    }
    if (ovsdb_datum_check_count(&col->type, json_array_size(datum), error)) {
        return -EINVAL;
    }
    json_array_foreach(added, i, e)
    {
        if (ovsdb_datum_check_elem(&col->type, e, error)) {
            return -EINVAL;
        }
    }
    return 0;
}

/* Tells "watch" (may be NULL) what a mutation of column c changed: the
 * elements in "added" came in, those in "removed" went out, or with both
 * NULL, the column changed in a way not told element by element. */
static void tell(const struct ovsdb_mutate_watch *watch, size_t c, const json_t *added,
                 const json_t *removed)
{
    const json_t *e;
    size_t i;

    if (!watch) {
        return;
    }
    if (!added && !removed) {
        watch->elem(c, NULL, false, watch->arg);
        return;
    }
    json_array_foreach(removed, i, e)
    {
        watch->elem(c, e, false, watch->arg);
    }
    json_array_foreach(added, i, e)
    {
        watch->elem(c, e, true, watch->arg);
    }
}

static int one_mutation(const struct ovsdb_tschema *ts, struct ovsdb_row *row, const json_t *mj,
                        ovsdb_symbol_fn sym, void *sym_arg, const struct ovsdb_mutate_watch *watch,
                        json_t **error)
{
    const struct ovsdb_column *col;
    const struct ovsdb_type *type;
    json_t *arg = NULL, *datum = NULL, *added = NULL, *removed = NULL;
    enum mutator m;
    bool keys_only = false, was_default;
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
    if (m < M_INSERT) {
        datum = json_incref(row->cols[c]);
        if (arith(type, m, arg, &datum, error) || ovsdb_datum_check(type, datum, error)) {
            goto out;
        }
        ovsdb_row_set(row, (size_t)c, datum);
        datum = NULL;
        tell(watch, (size_t)c, NULL, NULL);
        r = 0;
        goto out;
    }
    /* Insert and delete work on the row's own datum (see unshare()). */
    was_default = row->cols[c] == col->default_datum;
    added = json_array();
    removed = json_array();
    if (!added || !removed ||
        (m == M_INSERT ? do_insert(type, arg, &row->cols[c], added)
                       : do_delete(type, arg, keys_only, &row->cols[c], removed))) {
        *error = ovsdb_error("resources exhausted", "%s", "out of memory");
        goto out;
    }
    tell(watch, (size_t)c, added, removed);
    if (check_mutated(col, row->cols[c], was_default, added, error)) {
        goto out;
    }
    r = 0;
out:
    json_decref(arg);
    json_decref(datum);
    json_decref(added);
    json_decref(removed);
    return r;
}

int ovsdb_mutate_row(const struct ovsdb_tschema *ts, struct ovsdb_row *row, const json_t *muts,
                     ovsdb_symbol_fn sym, void *sym_arg, const struct ovsdb_mutate_watch *watch,
                     json_t **error)
{
    const json_t *mj;
    size_t i;

    json_array_foreach(muts, i, mj)
    {
        if (one_mutation(ts, row, mj, sym, sym_arg, watch, error)) {
            return -EINVAL;
        }
    }
    return 0;
}
