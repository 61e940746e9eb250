/* OVSDB atoms and datums (RFC 7047 §5.1); see ovsdb_datum.h. */
#include "ovsdb_datum.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/random.h>

bool ovsdb_uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36) {
        return false;
    }
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return false;
            }
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* The atom pools.  Rows of one database repeat the same values many times:
 * map keys such as "iface-id", uuids that are both a row's _uuid and the
 * target of references and indexes, whole map entries such as a VM's "vm-id"
 * on each of its interfaces.  So every string atom is shared, one json_t per
 * distinct text, and so is every map entry [key, value] whose key and value
 * are both pooled strings (found by the identity of the two).  A pool holds
 * one reference to each entry; entries that only the pool still references
 * are dropped whenever the pool would grow, and by ovsdb_atom_pool_trim().
 * Open addressing with linear probing; the capacity is a power of two and at
 * least twice the count.  The server is single-threaded, as is the whole
 * in-memory database. */
struct atom_pool {
    json_t **slots;
    size_t cap, n;
    size_t (*hash)(const json_t *entry);
};

static size_t fnv_bytes(size_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ULL;
    }
    return h;
}

#define FNV_SEED 14695981039346656037ULL

static size_t pair_hash_of(const json_t *k, const json_t *v)
{
    return fnv_bytes(fnv_bytes(FNV_SEED, &k, sizeof k), &v, sizeof v);
}

static size_t string_hash(const json_t *s)
{
    return fnv_bytes(FNV_SEED, json_string_value(s), json_string_length(s));
}

static size_t pair_hash(const json_t *p)
{
    return pair_hash_of(json_array_get(p, 0), json_array_get(p, 1));
}

static struct atom_pool strings = {.hash = string_hash};
static struct atom_pool pairs = {.hash = pair_hash};

/* Rebuilds pool "p" with capacity "cap" (0 only when nothing is in use),
 * dropping the entries nobody else holds.  Returns 0 or -ENOMEM (then the
 * pool is unchanged). */
static int pool_rebuild(struct atom_pool *p, size_t cap)
{
    json_t **slots = cap ? calloc(cap, sizeof *slots) : NULL;
    size_t n = 0;

    if (cap && !slots) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < p->cap; i++) {
        json_t *e = p->slots[i];
        if (!e) {
            continue;
        }
        if (e->refcount == 1 || !cap) {
            json_decref(e);
            continue;
        }
        size_t j = p->hash(e) & (cap - 1);
        while (slots[j]) {
            j = (j + 1) & (cap - 1);
        }
        slots[j] = e;
        n++;
    }
    free(p->slots);
    p->slots = slots;
    p->cap = cap;
    p->n = n;
    return 0;
}

/* Makes room in "p" for one more entry.  Returns 0 or -ENOMEM. */
static int pool_reserve(struct atom_pool *p)
{
    size_t live = 0, cap;

    if ((p->n + 1) * 2 <= p->cap) {
        return 0;
    }
    for (size_t i = 0; i < p->cap; i++) {
        live += p->slots[i] && p->slots[i]->refcount > 1;
    }
    cap = p->cap ? p->cap : 256;
    while ((live + 1) * 4 > cap) {
        cap *= 2;
    }
    return pool_rebuild(p, cap);
}

/* Drops the unused entries of "p"; frees its table when nothing is left. */
static void pool_trim(struct atom_pool *p)
{
    size_t live = 0, cap = 256;

    for (size_t i = 0; i < p->cap; i++) {
        live += p->slots[i] && p->slots[i]->refcount > 1;
    }
    while (live * 4 > cap) {
        cap *= 2;
    }
    /* On allocation failure the old table simply stays. */
    (void)pool_rebuild(p, live ? cap : 0);
}

json_t *ovsdb_atom_string(const char *s, size_t n)
{
    json_t *str;
    size_t j;

    if (pool_reserve(&strings)) {
        return json_stringn_nocheck(s, n);
    }
    j = fnv_bytes(FNV_SEED, s, n) & (strings.cap - 1);
    for (; strings.slots[j]; j = (j + 1) & (strings.cap - 1)) {
        str = strings.slots[j];
        if (json_string_length(str) == n && !memcmp(json_string_value(str), s, n)) {
            return json_incref(str);
        }
    }
    str = json_stringn_nocheck(s, n);
    if (str) {
        strings.slots[j] = json_incref(str);
        strings.n++;
    }
    return str;
}

/* The map entry [k, v] (both stolen; new reference, NULL on allocation
 * failure), shared with every equal entry when k and v are pooled strings. */
static json_t *pool_pair(json_t *k, json_t *v)
{
    json_t *pair;
    size_t j = 0;
    bool pooled = json_is_string(k) && json_is_string(v) && !pool_reserve(&pairs);

    if (pooled) {
        j = pair_hash_of(k, v) & (pairs.cap - 1);
        for (; pairs.slots[j]; j = (j + 1) & (pairs.cap - 1)) {
            pair = pairs.slots[j];
            if (json_array_get(pair, 0) == k && json_array_get(pair, 1) == v) {
                json_decref(k);
                json_decref(v);
                return json_incref(pair);
            }
        }
    }
    pair = json_pack("[oo]", k, v);
    if (pair && pooled) {
        pairs.slots[j] = json_incref(pair);
        pairs.n++;
    }
    return pair;
}

void ovsdb_atom_pool_trim(void)
{
    /* Pairs first: dropping them releases their strings. */
    pool_trim(&pairs);
    pool_trim(&strings);
}

size_t ovsdb_atom_pool_size(void)
{
    return strings.n + pairs.n;
}

/* Random bytes for uuids, drawn from getrandom(2) a block at a time: one
 * system call per 256 uuids rather than one each.  A child forked meanwhile
 * (--detach, --monitor) starts with an empty block, so that it never hands
 * out the same uuids as its parent. */
static unsigned char rnd_block[4096];
static size_t rnd_used = sizeof rnd_block;
static bool rnd_atfork;

static void rnd_forget(void)
{
    memset(rnd_block, 0, sizeof rnd_block);
    rnd_used = sizeof rnd_block;
}

static void random_bytes(unsigned char *out, size_t n)
{
    if (!rnd_atfork) {
        /* Without the handler (it cannot fail short of memory), fall back
         * to a system call per request. */
        rnd_atfork = !pthread_atfork(NULL, NULL, rnd_forget);
    }
    if (!rnd_atfork || rnd_used + n > sizeof rnd_block) {
        unsigned char *dst = rnd_atfork ? rnd_block : out;
        size_t want = rnd_atfork ? sizeof rnd_block : n, got = 0;
        while (got < want) {
            ssize_t r = getrandom(dst + got, want - got, 0);
            if (r > 0) {
                got += (size_t)r;
            }
        }
        if (!rnd_atfork) {
            return;
        }
        rnd_used = 0;
    }
    memcpy(out, rnd_block + rnd_used, n);
    /* Used bytes are wiped: nothing left in memory repeats a uuid. */
    memset(rnd_block + rnd_used, 0, n);
    rnd_used += n;
}

void ovsdb_uuid_generate(char buf[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t o = 0;

    random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (size_t i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            buf[o++] = '-';
        }
        buf[o++] = hex[b[i] >> 4];
        buf[o++] = hex[b[i] & 15];
    }
    buf[o] = '\0';
}

int ovsdb_atom_cmp(const json_t *a, const json_t *b, enum ovsdb_atype type)
{
    /* Datums share their atoms, so most comparisons between an old and a new
     * version of a column meet the same object: no need to look inside. */
    if (a == b) {
        return 0;
    }
    switch (type) {
    case OVSDB_INTEGER: {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    case OVSDB_REAL: {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    case OVSDB_BOOLEAN:
        return (int)json_is_true(a) - (int)json_is_true(b);
    case OVSDB_STRING:
    case OVSDB_UUID:
        return strcmp(json_string_value(a), json_string_value(b));
    case OVSDB_VOID:
        break;
    }
    return 0;
}

static const char *type_name(enum ovsdb_atype t)
{
    static const char *const names[] = {"void", "integer", "real", "boolean", "string", "uuid"};
    return names[t];
}

/* Number of UTF-8 characters (continuation bytes do not count). */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

int ovsdb_atom_check(const struct ovsdb_base *base, const json_t *atom, json_t **error)
{
    switch (base->type) {
    case OVSDB_INTEGER: {
        json_int_t v = json_integer_value(atom);
        if (v < base->min_int || v > base->max_int) {
            *error = ovsdb_error("constraint violation",
                                 "%lld is not in the valid range %lld to %lld", (long long)v,
                                 (long long)base->min_int, (long long)base->max_int);
            return -EINVAL;
        }
        break;
    }
    case OVSDB_REAL: {
        double v = json_number_value(atom);
        if (v < base->min_real || v > base->max_real) {
            *error = ovsdb_error("constraint violation", "%g is not in the valid range %g to %g", v,
                                 base->min_real, base->max_real);
            return -EINVAL;
        }
        break;
    }
    case OVSDB_STRING: {
        size_t n = utf8_len(json_string_value(atom));
        if (n < base->min_len || n > base->max_len) {
            *error = ovsdb_error("constraint violation",
                                 "\"%s\" length %zu is not between %zu and %zu",
                                 json_string_value(atom), n, base->min_len, base->max_len);
            return -EINVAL;
        }
        break;
    }
    default:
        break;
    }
    if (base->enum_set) {
        struct ovsdb_type et;
        memset(&et, 0, sizeof et);
        et.key.type = base->type;
        if (ovsdb_datum_find(&et, base->enum_set, atom) < 0) {
            char *s = json_dumps(atom, JSON_ENCODE_ANY);
            *error = ovsdb_error("constraint violation", "%s is not one of the allowed values",
                                 s ? s : "?");
            free(s);
            return -EINVAL;
        }
    }
    return 0;
}

int ovsdb_atom_from_json(const struct ovsdb_base *base, const json_t *json, bool check,
                         ovsdb_symbol_fn sym, void *sym_arg, json_t **out, json_t **error)
{
    json_t *atom = NULL;

    *out = NULL;
    switch (base->type) {
    case OVSDB_INTEGER:
        if (json_is_integer(json)) {
            atom = json_integer(json_integer_value(json));
        }
        break;
    case OVSDB_REAL:
        if (json_is_number(json)) {
            atom = json_real(json_number_value(json));
        }
        break;
    case OVSDB_BOOLEAN:
        if (json_is_boolean(json)) {
            atom = json_boolean(json_is_true(json));
        }
        break;
    case OVSDB_STRING:
        if (json_is_string(json)) {
            atom = ovsdb_atom_string(json_string_value(json), json_string_length(json));
        }
        break;
    case OVSDB_UUID:
        if (json_is_array(json) && json_array_size(json) == 2 &&
            json_is_string(json_array_get(json, 0)) && json_is_string(json_array_get(json, 1))) {
            const char *kind = json_string_value(json_array_get(json, 0));
            const char *val = json_string_value(json_array_get(json, 1));
            if (!strcmp(kind, "uuid") && ovsdb_uuid_valid(val)) {
                char low[37];
                for (int i = 0; i < 37; i++) {
                    low[i] = (char)tolower((unsigned char)val[i]);
                }
                atom = ovsdb_atom_string(low, 36);
            } else if (!strcmp(kind, "named-uuid")) {
                const char *u = sym ? sym(val, sym_arg) : NULL;
                if (!u) {
                    *error = ovsdb_error("syntax error", "unknown named-uuid \"%s\"", val);
                    return -EINVAL;
                }
                atom = ovsdb_atom_string(u, strlen(u));
            }
        }
        break;
    case OVSDB_VOID:
        break;
    }
    if (!atom) {
        char *s = json_dumps(json, JSON_ENCODE_ANY | JSON_COMPACT);
        *error = ovsdb_error("syntax error", "expected %s, got %.200s", type_name(base->type),
                             s ? s : "?");
        free(s);
        return -EINVAL;
    }
    if (check && ovsdb_atom_check(base, atom, error)) {
        json_decref(atom);
        return -EINVAL;
    }
    *out = atom;
    return 0;
}

static bool is_map(const struct ovsdb_type *type)
{
    return type->value.type != OVSDB_VOID;
}

static const json_t *elem_key(const struct ovsdb_type *type, const json_t *e)
{
    return is_map(type) ? json_array_get(e, 0) : e;
}

static int elem_cmp(const struct ovsdb_type *type, const json_t *a, const json_t *b)
{
    return ovsdb_atom_cmp(elem_key(type, a), elem_key(type, b), type->key.type);
}

static const struct ovsdb_type *sort_type;

static int qsort_cmp(const void *a, const void *b)
{
    return elem_cmp(sort_type, *(json_t *const *)a, *(json_t *const *)b);
}

int ovsdb_datum_sort(const struct ovsdb_type *type, json_t *arr)
{
    size_t n = json_array_size(arr), i;
    json_t **v;
    int r = 0;

    if (n < 2) {
        return 0;
    }
    v = malloc(n * sizeof *v);
    if (!v) {
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        v[i] = json_incref(json_array_get(arr, i));
    }
    /* The event loop is single-threaded, so a static comparison context is safe. */
    sort_type = type;
    qsort(v, n, sizeof *v, qsort_cmp);
    for (i = 0; i < n; i++) {
        if (i && !elem_cmp(type, v[i - 1], v[i])) {
            r = -EEXIST;
        }
        json_array_set_new(arr, i, v[i]);
    }
    free(v);
    return r;
}

size_t ovsdb_datum_lower_bound(const struct ovsdb_type *type, const json_t *datum,
                               const json_t *key, bool *found)
{
    size_t lo = 0, hi = json_array_size(datum);

    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ovsdb_atom_cmp(elem_key(type, json_array_get(datum, mid)), key, type->key.type);
        if (!c) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

long ovsdb_datum_find(const struct ovsdb_type *type, const json_t *datum, const json_t *key)
{
    bool found;
    size_t i = ovsdb_datum_lower_bound(type, datum, key, &found);

    return found ? (long)i : -1;
}

int ovsdb_datum_check_count(const struct ovsdb_type *type, size_t n, json_t **error)
{
    if (n < type->n_min || n > type->n_max) {
        *error = ovsdb_error("constraint violation", "%zu values where %u to %u are allowed", n,
                             type->n_min, type->n_max);
        return -EINVAL;
    }
    return 0;
}

int ovsdb_datum_check_elem(const struct ovsdb_type *type, const json_t *elem, json_t **error)
{
    if (ovsdb_atom_check(&type->key, elem_key(type, elem), error)) {
        return -EINVAL;
    }
    if (is_map(type) && ovsdb_atom_check(&type->value, json_array_get(elem, 1), error)) {
        return -EINVAL;
    }
    return 0;
}

int ovsdb_datum_check(const struct ovsdb_type *type, const json_t *datum, json_t **error)
{
    size_t n = json_array_size(datum), i;

    if (ovsdb_datum_check_count(type, n, error)) {
        return -EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (ovsdb_datum_check_elem(type, json_array_get(datum, i), error)) {
            return -EINVAL;
        }
    }
    return 0;
}

static int parse_elem(const struct ovsdb_type *type, const json_t *j, bool check,
                      ovsdb_symbol_fn sym, void *sym_arg, json_t **out, json_t **error)
{
    json_t *k = NULL, *v = NULL;

    if (!is_map(type)) {
        return ovsdb_atom_from_json(&type->key, j, check, sym, sym_arg, out, error);
    }
    if (!json_is_array(j) || json_array_size(j) != 2) {
        *error = ovsdb_error("syntax error", "%s", "a map element must be [key, value]");
        return -EINVAL;
    }
    if (ovsdb_atom_from_json(&type->key, json_array_get(j, 0), check, sym, sym_arg, &k, error) ||
        ovsdb_atom_from_json(&type->value, json_array_get(j, 1), check, sym, sym_arg, &v, error)) {
        json_decref(k);
        return -EINVAL;
    }
    *out = pool_pair(k, v);
    if (!*out) {
        *error = ovsdb_error("syntax error", "%s", "out of memory");
        return -ENOMEM;
    }
    return 0;
}

int ovsdb_datum_from_json(const struct ovsdb_type *type, const json_t *json, bool relaxed,
                          ovsdb_symbol_fn sym, void *sym_arg, json_t **out, json_t **error)
{
    const json_t *elems = NULL;
    json_t *arr, *e;
    const char *tag = json_is_array(json) && json_array_size(json) == 2
                              ? json_string_value(json_array_get(json, 0))
                              : NULL;
    size_t i;

    *out = NULL;
    *error = NULL;
    arr = json_array();
    if (!arr) {
        *error = ovsdb_error("syntax error", "%s", "out of memory");
        return -ENOMEM;
    }
    if (is_map(type)) {
        if (!tag || strcmp(tag, "map") || !json_is_array(json_array_get(json, 1))) {
            *error = ovsdb_error("syntax error", "%s", "expected [\"map\", [...]]");
            goto err;
        }
        elems = json_array_get(json, 1);
    } else if (tag && !strcmp(tag, "set")) {
        elems = json_array_get(json, 1);
        if (!json_is_array(elems)) {
            *error = ovsdb_error("syntax error", "%s", "expected [\"set\", [...]]");
            goto err;
        }
    }
    if (elems) {
        json_array_foreach(elems, i, e)
        {
            json_t *x;
            if (parse_elem(type, e, !relaxed, sym, sym_arg, &x, error)) {
                goto err;
            }
            json_array_append_new(arr, x);
        }
    } else {
        json_t *x;
        if (parse_elem(type, json, !relaxed, sym, sym_arg, &x, error)) {
            goto err;
        }
        json_array_append_new(arr, x);
    }
    if (ovsdb_datum_sort(type, arr)) {
        *error = ovsdb_error("constraint violation", "%s",
                             is_map(type) ? "map has duplicate key" : "set has duplicate value");
        goto err;
    }
    if (!relaxed) {
        size_t n = json_array_size(arr);
        if (n < type->n_min || n > type->n_max) {
            *error = ovsdb_error("constraint violation", "%zu values where %u to %u are allowed", n,
                                 type->n_min, type->n_max);
            goto err;
        }
    }
    *out = arr;
    return 0;

err:
    json_decref(arr);
    return -EINVAL;
}

static json_t *atom_to_json(enum ovsdb_atype t, const json_t *atom)
{
    if (t == OVSDB_UUID) {
        return json_pack("[sO]", "uuid", atom);
    }
    return json_incref((json_t *)atom);
}

json_t *ovsdb_datum_to_json(const struct ovsdb_type *type, const json_t *datum)
{
    json_t *arr, *e;
    size_t i;

    if (is_map(type)) {
        arr = json_array();
        json_array_foreach(datum, i, e)
        {
            json_array_append_new(
                    arr, json_pack("[oo]", atom_to_json(type->key.type, json_array_get(e, 0)),
                                   atom_to_json(type->value.type, json_array_get(e, 1))));
        }
        return json_pack("[so]", "map", arr);
    }
    if (json_array_size(datum) == 1) {
        return atom_to_json(type->key.type, json_array_get(datum, 0));
    }
    arr = json_array();
    json_array_foreach(datum, i, e)
    {
        json_array_append_new(arr, atom_to_json(type->key.type, e));
    }
    return json_pack("[so]", "set", arr);
}

static json_t *default_atom(enum ovsdb_atype t)
{
    switch (t) {
    case OVSDB_INTEGER:
        return json_integer(0);
    case OVSDB_REAL:
        return json_real(0.0);
    case OVSDB_BOOLEAN:
        return json_false();
    case OVSDB_STRING:
        return json_string("");
    default:
        return json_string("00000000-0000-0000-0000-000000000000");
    }
}

json_t *ovsdb_datum_default(const struct ovsdb_type *type)
{
    json_t *arr = json_array();

    if (type->n_min > 0) {
        if (is_map(type)) {
            json_array_append_new(arr, json_pack("[oo]", default_atom(type->key.type),
                                                 default_atom(type->value.type)));
        } else {
            json_array_append_new(arr, default_atom(type->key.type));
        }
    }
    return arr;
}

/* True if "atom" equals default_atom(t), without making one. */
static bool atom_is_default(enum ovsdb_atype t, const json_t *atom)
{
    switch (t) {
    case OVSDB_INTEGER:
        return json_integer_value(atom) == 0;
    case OVSDB_REAL:
        return json_number_value(atom) == 0.0;
    case OVSDB_BOOLEAN:
        return json_is_false(atom);
    case OVSDB_STRING:
        return json_string_length(atom) == 0;
    case OVSDB_UUID:
        return !strcmp(json_string_value(atom), "00000000-0000-0000-0000-000000000000");
    case OVSDB_VOID:
        break;
    }
    return true;
}

bool ovsdb_datum_is_default(const struct ovsdb_type *type, const json_t *datum)
{
    const json_t *e;

    if (type->n_min == 0) {
        return json_array_size(datum) == 0;
    }
    /* The default holds one default atom (map: default key and value).
     * Called for every column of every row that a monitor or a journal
     * snapshot writes, so it compares in place rather than build one. */
    if (json_array_size(datum) != 1) {
        return false;
    }
    e = json_array_get(datum, 0);
    if (is_map(type)) {
        return atom_is_default(type->key.type, json_array_get(e, 0)) &&
               atom_is_default(type->value.type, json_array_get(e, 1));
    }
    return atom_is_default(type->key.type, e);
}

static int full_cmp(const struct ovsdb_type *type, const json_t *a, const json_t *b)
{
    int c = elem_cmp(type, a, b);
    if (!c && is_map(type)) {
        c = ovsdb_atom_cmp(json_array_get(a, 1), json_array_get(b, 1), type->value.type);
    }
    return c;
}

int ovsdb_datum_cmp(const struct ovsdb_type *type, const json_t *a, const json_t *b)
{
    size_t na = json_array_size(a), nb = json_array_size(b), i;

    if (a == b) {
        return 0;
    }
    for (i = 0; i < na && i < nb; i++) {
        const json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        /* Equal atoms and map entries are mostly the same pooled object. */
        int c = x == y ? 0 : full_cmp(type, x, y);
        if (c) {
            return c;
        }
    }
    return na < nb ? -1 : na > nb;
}

bool ovsdb_datum_holds(const struct ovsdb_type *type, const json_t *a, const json_t *e)
{
    long i = ovsdb_datum_find(type, a, elem_key(type, e));
    return i >= 0 && !full_cmp(type, json_array_get(a, (size_t)i), e);
}

bool ovsdb_datum_includes(const struct ovsdb_type *type, const json_t *a, const json_t *b)
{
    size_t i;
    json_t *e;

    json_array_foreach(b, i, e)
    {
        if (!ovsdb_datum_holds(type, a, e)) {
            return false;
        }
    }
    return true;
}

bool ovsdb_datum_excludes(const struct ovsdb_type *type, const json_t *a, const json_t *b)
{
    size_t i;
    json_t *e;

    json_array_foreach(b, i, e)
    {
        if (ovsdb_datum_holds(type, a, e)) {
            return false;
        }
    }
    return true;
}

json_t *ovsdb_datum_diff(const struct ovsdb_type *type, const json_t *old, const json_t *new_)
{
    size_t i = 0, j = 0, no = json_array_size(old), nn = json_array_size(new_);
    json_t *diff;

    /* A scalar column's diff is simply its new value. */
    if (type->n_min == 1 && type->n_max == 1) {
        return json_incref((json_t *)new_);
    }
    diff = json_array();
    /* One merge walk over the two sorted datums, so the diff comes out
     * sorted: a key only in old (removed), a key only in new (added), and
     * for maps a key whose value changed (the new pair). */
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
        c = !a ? 1 : !b ? -1 : elem_cmp(type, a, b);
        if (c < 0) {
            json_array_append(diff, (json_t *)a);
            i++;
        } else if (c > 0) {
            json_array_append(diff, (json_t *)b);
            j++;
        } else {
            if (full_cmp(type, a, b)) {
                json_array_append(diff, (json_t *)b);
            }
            i++;
            j++;
        }
    }
    return diff;
}

json_t *ovsdb_datum_apply_diff(const struct ovsdb_type *type, const json_t *old, const json_t *diff)
{
    size_t i = 0, j = 0, no = json_array_size(old), nd = json_array_size(diff);
    json_t *out;

    if (type->n_min == 1 && type->n_max == 1) {
        return json_incref((json_t *)diff);
    }
    out = json_array();
    /* Merge walk: a key only in old stays, a key only in the diff is added;
     * a key in both goes, unless (maps) the diff gives it a new value. */
    while (i < no || j < nd) {
        const json_t *a = i < no ? json_array_get(old, i) : NULL;
        const json_t *b = j < nd ? json_array_get(diff, j) : NULL;
        int c = !a ? 1 : !b ? -1 : elem_cmp(type, a, b);
        if (c < 0) {
            json_array_append(out, (json_t *)a);
            i++;
        } else if (c > 0) {
            json_array_append(out, (json_t *)b);
            j++;
        } else {
            if (is_map(type) && full_cmp(type, a, b)) {
                json_array_append(out, (json_t *)b);
            }
            i++;
            j++;
        }
    }
    return out;
}
