/* The object store of xvs-xapi-sim: tables of wire-form records with hash
 * indexes, the state file, and XAPI's database text of values; see
 * sim_db.h. */
#include "sim_db.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fsutil.h"
#include "sbuf.h"
#include "xmlrpc.h"

/* The largest state file we read, as the XML-RPC decoder's own limit. */
#define SIM_DB_MAX_FILE (64u << 20)

/* Open-addressing hash from a string (borrowed from the table's records)
 * to a record's position. */
struct sim_slot {
    const char *key; /* NULL: empty. */
    size_t pos;
};

struct sim_index {
    size_t cap; /* 0 or a power of two. */
    size_t n;
    struct sim_slot *slots;
};

struct sim_obj {
    char *ref;
    struct xr_value *rec;
};

struct sim_table {
    const struct xapi_class *cls;
    size_t n, cap;
    struct sim_obj *objs;
    struct sim_index by_ref;
    struct sim_index by_uuid;
};

struct sim_db {
    size_t n_tables;
    struct sim_table *tables;
};

/* Hash indexes. */

static size_t index_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

static void index_clear(struct sim_index *ix)
{
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

/* The position stored for "key", or SIZE_MAX. */
static size_t index_find(const struct sim_index *ix, const char *key)
{
    if (!ix->cap || !key) {
        return SIZE_MAX;
    }
    for (size_t i = index_hash(key) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
        if (!ix->slots[i].key) {
            return SIZE_MAX;
        }
        if (!strcmp(ix->slots[i].key, key)) {
            return ix->slots[i].pos;
        }
    }
}

static void index_place(struct sim_slot *slots, size_t cap, const char *key, size_t pos)
{
    size_t i = index_hash(key) & (cap - 1);

    while (slots[i].key) {
        i = (i + 1) & (cap - 1);
    }
    slots[i].key = key;
    slots[i].pos = pos;
}

/* Makes room for "n" keys, so that the next index_put() calls up to that
 * count cannot fail.  Returns 0 or -ENOMEM. */
static int index_reserve(struct sim_index *ix, size_t n)
{
    size_t cap = ix->cap ? ix->cap : 16;
    struct sim_slot *slots;

    /* Kept at most half full, so probes stay short. */
    while (n * 2 > cap) {
        cap *= 2;
    }
    if (cap == ix->cap) {
        return 0;
    }
    slots = calloc(cap, sizeof *slots);
    if (!slots) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < ix->cap; i++) {
        if (ix->slots[i].key) {
            index_place(slots, cap, ix->slots[i].key, ix->slots[i].pos);
        }
    }
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return 0;
}

/* Adds "key" (which must not be there yet) after index_reserve(). */
static void index_put(struct sim_index *ix, const char *key, size_t pos)
{
    index_place(ix->slots, ix->cap, key, pos);
    ix->n++;
}

static const char *record_uuid(const struct xr_value *rec)
{
    return xr_get_string(xr_struct_get(rec, "uuid"));
}

/* Store and tables. */

static void table_clear(struct sim_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->objs[i].ref);
        xr_free(t->objs[i].rec);
    }
    free(t->objs);
    index_clear(&t->by_ref);
    index_clear(&t->by_uuid);
    t->objs = NULL;
    t->n = t->cap = 0;
}

void sim_db_free(struct sim_db *db)
{
    if (!db) {
        return;
    }
    for (size_t i = 0; i < db->n_tables; i++) {
        table_clear(&db->tables[i]);
    }
    free(db->tables);
    free(db);
}

int sim_db_new(struct sim_db **out)
{
    struct sim_db *db = calloc(1, sizeof *db);
    size_t n = 0;

    *out = NULL;
    while (xapi_classes[n]) {
        n++;
    }
    if (db) {
        db->tables = calloc(n, sizeof *db->tables);
    }
    if (!db || !db->tables) {
        free(db);
        return -ENOMEM;
    }
    db->n_tables = n;
    for (size_t i = 0; i < n; i++) {
        db->tables[i].cls = xapi_classes[i];
    }
    *out = db;
    return 0;
}

static struct sim_table *db_table(const struct sim_db *db, const struct xapi_class *cls)
{
    for (size_t i = 0; db && cls && i < db->n_tables; i++) {
        if (db->tables[i].cls == cls || !strcmp(db->tables[i].cls->name, cls->name)) {
            return &db->tables[i];
        }
    }
    return NULL;
}

size_t sim_db_count(const struct sim_db *db, const struct xapi_class *cls)
{
    const struct sim_table *t = db_table(db, cls);

    return t ? t->n : 0;
}

const struct xr_value *sim_db_record_at(const struct sim_db *db, const struct xapi_class *cls,
                                        size_t i)
{
    const struct sim_table *t = db_table(db, cls);

    return t && i < t->n ? t->objs[i].rec : NULL;
}

const char *sim_db_ref_at(const struct sim_db *db, const struct xapi_class *cls, size_t i)
{
    const struct sim_table *t = db_table(db, cls);

    return t && i < t->n ? t->objs[i].ref : NULL;
}

const struct xr_value *sim_db_get(const struct sim_db *db, const struct xapi_class *cls,
                                  const char *ref)
{
    const struct sim_table *t = db_table(db, cls);
    size_t pos = t ? index_find(&t->by_ref, ref) : SIZE_MAX;

    return pos == SIZE_MAX ? NULL : t->objs[pos].rec;
}

const char *sim_db_find_uuid(const struct sim_db *db, const struct xapi_class *cls,
                             const char *uuid)
{
    const struct sim_table *t = db_table(db, cls);
    size_t pos = t ? index_find(&t->by_uuid, uuid) : SIZE_MAX;

    return pos == SIZE_MAX ? NULL : t->objs[pos].ref;
}

/* Type checks. */

void sim_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Whether every element (array) or member value (struct) is a string. */
static bool all_strings(const struct xr_value *v)
{
    size_t n = xr_type(v) == XR_ARRAY ? xr_array_len(v) : xr_struct_len(v);

    for (size_t i = 0; i < n; i++) {
        const struct xr_value *e =
                xr_type(v) == XR_ARRAY ? xr_array_get(v, i) : xr_struct_value(v, i);

        if (xr_type(e) != XR_STRING) {
            return false;
        }
    }
    return true;
}

int sim_db_check_member(const struct xapi_class *cls, const char *field, const struct xr_value *v,
                        char *err, size_t errlen)
{
    const struct xapi_field *f = xapi_class_field(cls, field);
    enum xr_type t = xr_type(v);
    const char *want = NULL;
    int64_t i;

    if (!v) {
        sim_set_err(err, errlen, "%s.%s has no value", cls->name, field);
        return -EINVAL;
    }
    if (!f) {
        return 0;
    }
    switch (f->type) {
    case XAPI_F_STRING:
    case XAPI_F_REF:
        want = t == XR_STRING ? NULL : "a string";
        break;
    case XAPI_F_DATETIME:
        want = t == XR_DATETIME || t == XR_STRING ? NULL : "a dateTime.iso8601";
        break;
    case XAPI_F_INT:
        /* The wire form of XAPI ints is a decimal string. */
        want = t == XR_STRING && xr_get_int(v, &i) == 0 ? NULL : "an int as a decimal string";
        break;
    case XAPI_F_BOOL:
        want = t == XR_BOOL ? NULL : "a boolean";
        break;
    case XAPI_F_DOUBLE:
        want = t == XR_DOUBLE ? NULL : "a double";
        break;
    case XAPI_F_STRV:
        want = t == XR_ARRAY && all_strings(v) ? NULL : "an array of strings";
        break;
    case XAPI_F_MAP:
        want = t == XR_STRUCT && all_strings(v) ? NULL : "a struct of strings";
        break;
    }
    if (want) {
        sim_set_err(err, errlen, "%s.%s must be %s (found %s)", cls->name, field, want,
                    xr_type_name(t));
        return -EINVAL;
    }
    return 0;
}

/* Adds "rec" to "t" under "ref" (taking "rec"). */
static int table_insert(struct sim_table *t, const char *ref, struct xr_value *rec, char *err,
                        size_t errlen)
{
    struct xr_value *defaults = NULL;
    void *blank = NULL;
    const char *uuid;
    char *ref_copy = NULL;
    int r = 0;

    if (xr_type(rec) != XR_STRUCT) {
        sim_set_err(err, errlen, "%s record %s is not a struct", t->cls->name, ref);
        r = -EINVAL;
        goto out;
    }
    if (!ref || !*ref) {
        sim_set_err(err, errlen, "%s record with an empty ref", t->cls->name);
        r = -EINVAL;
        goto out;
    }
    for (size_t i = 0; i < xr_struct_len(rec); i++) {
        r = sim_db_check_member(t->cls, xr_struct_key(rec, i), xr_struct_value(rec, i), err,
                                errlen);
        if (r < 0) {
            goto out;
        }
    }
    uuid = record_uuid(rec);
    if (!uuid || !*uuid) {
        sim_set_err(err, errlen, "%s record %s has no uuid", t->cls->name, ref);
        r = -EINVAL;
        goto out;
    }
    if (index_find(&t->by_ref, ref) != SIZE_MAX) {
        sim_set_err(err, errlen, "duplicate %s ref %s", t->cls->name, ref);
        r = -EEXIST;
        goto out;
    }
    if (index_find(&t->by_uuid, uuid) != SIZE_MAX) {
        sim_set_err(err, errlen, "duplicate %s uuid %s", t->cls->name, uuid);
        r = -EEXIST;
        goto out;
    }
    /* Fields the record lacks (a state file from before a field was
     * modelled) get their defaults, so every record is complete. */
    for (size_t i = 0; i < t->cls->n_fields && r == 0; i++) {
        const char *name = t->cls->fields[i].name;

        if (xr_struct_get(rec, name)) {
            continue;
        }
        if (!defaults) {
            blank = calloc(1, t->cls->size);
            r = blank ? xapi_record_encode(t->cls, blank, &defaults) : -ENOMEM;
            if (r < 0) {
                break;
            }
        }
        r = xr_struct_set(rec, name, xr_copy(xr_struct_get(defaults, name)));
    }
    if (r < 0) {
        goto out;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct sim_obj *objs = realloc(t->objs, cap * sizeof *objs);

        if (!objs) {
            r = -ENOMEM;
            goto out;
        }
        t->objs = objs;
        t->cap = cap;
    }
    ref_copy = strdup(ref);
    if (!ref_copy) {
        r = -ENOMEM;
        goto out;
    }
    r = index_reserve(&t->by_ref, t->n + 1);
    if (r == 0) {
        r = index_reserve(&t->by_uuid, t->n + 1);
    }
    if (r < 0) {
        goto out;
    }
    index_put(&t->by_ref, ref_copy, t->n);
    index_put(&t->by_uuid, record_uuid(rec), t->n);
    t->objs[t->n].ref = ref_copy;
    t->objs[t->n].rec = rec;
    t->n++;
    ref_copy = NULL;
    rec = NULL;
out:
    if (r == -ENOMEM) {
        sim_set_err(err, errlen, "out of memory");
    }
    free(ref_copy);
    xr_free(rec);
    xr_free(defaults);
    free(blank);
    return r;
}

int sim_db_insert(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                  struct xr_value *rec)
{
    struct sim_table *t = db_table(db, cls);

    if (!t) {
        xr_free(rec);
        return -EINVAL;
    }
    return table_insert(t, ref, rec, NULL, 0);
}

int sim_db_insert_typed(struct sim_db *db, const struct xapi_class *cls, const void *rec)
{
    struct xr_value *v = NULL;
    int r = xapi_record_encode(cls, rec, &v);

    if (r < 0) {
        return r;
    }
    return sim_db_insert(db, cls, *(char *const *)rec, v);
}

/* Rebuilds the uuid index of "t" from its records, in place: the number
 * of keys is unchanged, so this needs no memory. */
static void table_reindex_uuids(struct sim_table *t)
{
    memset(t->by_uuid.slots, 0, t->by_uuid.cap * sizeof *t->by_uuid.slots);
    t->by_uuid.n = 0;
    for (size_t i = 0; i < t->n; i++) {
        index_put(&t->by_uuid, record_uuid(t->objs[i].rec), i);
    }
}

int sim_db_set_field(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                     const char *field, struct xr_value *v)
{
    struct sim_table *t = db_table(db, cls);
    size_t pos = t ? index_find(&t->by_ref, ref) : SIZE_MAX;
    bool is_uuid = !strcmp(field, "uuid");
    int r = 0;

    if (pos == SIZE_MAX) {
        r = t ? -ENOENT : -EINVAL;
        goto out;
    }
    if (!xapi_class_field(cls, field) || sim_db_check_member(cls, field, v, NULL, 0) < 0) {
        r = -EINVAL;
        goto out;
    }
    if (is_uuid) {
        const char *uuid = xr_get_string(v);
        size_t owner = index_find(&t->by_uuid, uuid);

        if (!*uuid) {
            r = -EINVAL;
            goto out;
        }
        if (owner != SIZE_MAX && owner != pos) {
            r = -EEXIST;
            goto out;
        }
    }
    r = xr_struct_set(t->objs[pos].rec, field, v);
    v = NULL;
    if (r == 0 && is_uuid) {
        /* The index borrowed the old uuid string, which is gone now. */
        table_reindex_uuids(t);
    }
out:
    xr_free(v);
    return r;
}

int sim_db_remove(struct sim_db *db, const struct xapi_class *cls, const char *ref)
{
    struct sim_table *t = db_table(db, cls);
    size_t pos = t ? index_find(&t->by_ref, ref) : SIZE_MAX;

    if (pos == SIZE_MAX) {
        return t ? -ENOENT : -EINVAL;
    }
    free(t->objs[pos].ref);
    xr_free(t->objs[pos].rec);
    memmove(&t->objs[pos], &t->objs[pos + 1], (t->n - pos - 1) * sizeof *t->objs);
    t->n--;
    /* Positions after "pos" moved down by one, and the removed keys are
     * gone: both indexes are rebuilt in place (fewer keys, no memory). */
    memset(t->by_ref.slots, 0, t->by_ref.cap * sizeof *t->by_ref.slots);
    t->by_ref.n = 0;
    for (size_t i = 0; i < t->n; i++) {
        index_put(&t->by_ref, t->objs[i].ref, i);
    }
    table_reindex_uuids(t);
    return 0;
}

int sim_db_clone(const struct sim_db *db, struct sim_db **out)
{
    struct sim_db *copy = NULL;
    int r = sim_db_new(&copy);

    for (size_t i = 0; r == 0 && i < db->n_tables; i++) {
        const struct sim_table *t = &db->tables[i];

        for (size_t j = 0; r == 0 && j < t->n; j++) {
            struct xr_value *rec = xr_copy(t->objs[j].rec);

            r = rec ? sim_db_insert(copy, t->cls, t->objs[j].ref, rec) : -ENOMEM;
        }
    }
    if (r < 0) {
        sim_db_free(copy);
        copy = NULL;
    }
    *out = copy;
    return r;
}

void sim_db_swap(struct sim_db *a, struct sim_db *b)
{
    struct sim_db tmp = *a;

    *a = *b;
    *b = tmp;
}

bool sim_db_equal(const struct sim_db *a, const struct sim_db *b)
{
    for (size_t i = 0; xapi_classes[i]; i++) {
        const struct sim_table *ta = db_table(a, xapi_classes[i]);
        const struct sim_table *tb = db_table(b, xapi_classes[i]);

        if (!ta || !tb || ta->n != tb->n) {
            return false;
        }
        for (size_t j = 0; j < ta->n; j++) {
            const struct xr_value *other = sim_db_get(b, ta->cls, ta->objs[j].ref);

            if (!other || !xr_equal(ta->objs[j].rec, other)) {
                return false;
            }
        }
    }
    return true;
}

/* Persistence. */

int sim_db_format(const struct sim_db *db, char **out, size_t *len)
{
    struct xr_value *root = xr_struct();
    int r = root ? 0 : -ENOMEM;

    *out = NULL;
    for (size_t i = 0; r == 0 && i < db->n_tables; i++) {
        const struct sim_table *t = &db->tables[i];
        struct xr_value *tv = xr_struct();

        for (size_t j = 0; tv && r == 0 && j < t->n; j++) {
            r = xr_struct_set(tv, t->objs[j].ref, xr_copy(t->objs[j].rec));
        }
        /* Empty classes are written too, so a reader sees the whole schema. */
        if (r == 0) {
            r = xr_struct_set(root, t->cls->name, tv);
        } else {
            xr_free(tv);
        }
    }
    if (r == 0) {
        r = xr_encode_value(root, out, len);
    }
    xr_free(root);
    return r < 0 ? -ENOMEM : 0;
}

int sim_db_save(const struct sim_db *db, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int r = sim_db_format(db, &text, &len);

    if (r == 0) {
        r = fsu_write_atomic(path, text, len, 0600);
    }
    free(text);
    return r;
}

int sim_db_parse(const char *buf, size_t len, struct sim_db **out, char *err, size_t errlen)
{
    struct xr_value *root = NULL;
    struct sim_db *db = NULL;
    int r;

    *out = NULL;
    if (len > SIM_DB_MAX_FILE) {
        sim_set_err(err, errlen, "larger than %u bytes", SIM_DB_MAX_FILE);
        return -E2BIG;
    }
    r = xr_decode_value(buf, len, NULL, &root);
    if (r < 0) {
        sim_set_err(err, errlen, "%s", r == -ENOMEM ? "out of memory" : xr_last_error());
        r = r == -ENOMEM || r == -E2BIG ? r : -EBADMSG;
        goto out;
    }
    if (xr_type(root) != XR_STRUCT) {
        sim_set_err(err, errlen, "the document must be a struct of classes (found %s)",
                    xr_type_name(xr_type(root)));
        r = -EBADMSG;
        goto out;
    }
    r = sim_db_new(&db);
    if (r < 0) {
        sim_set_err(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < xr_struct_len(root); i++) {
        const char *name = xr_struct_key(root, i);
        const struct xr_value *tv = xr_struct_value(root, i);
        struct sim_table *t = db_table(db, xapi_class_find(name));

        if (!t) {
            sim_set_err(err, errlen, "unknown class '%s'", name);
            r = -EBADMSG;
            goto out;
        }
        if (xr_type(tv) != XR_STRUCT) {
            sim_set_err(err, errlen, "class %s must be a struct of records (found %s)", name,
                        xr_type_name(xr_type(tv)));
            r = -EBADMSG;
            goto out;
        }
        if (t->n) {
            sim_set_err(err, errlen, "class %s appears twice", name);
            r = -EBADMSG;
            goto out;
        }
        for (size_t j = 0; j < xr_struct_len(tv); j++) {
            struct xr_value *rec = xr_copy(xr_struct_value(tv, j));

            r = rec ? table_insert(t, xr_struct_key(tv, j), rec, err, errlen) : -ENOMEM;
            if (r < 0) {
                r = r == -ENOMEM ? r : -EBADMSG;
                goto out;
            }
        }
    }
    *out = db;
    db = NULL;
out:
    if (r == -ENOMEM) {
        sim_set_err(err, errlen, "out of memory");
    }
    xr_free(root);
    sim_db_free(db);
    return r;
}

int sim_db_load(const char *path, struct sim_db **out, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    int r;

    *out = NULL;
    r = fsu_read_file(path, SIM_DB_MAX_FILE, &buf, &len);
    if (r == -ENOENT) {
        sim_set_err(err, errlen, "%s does not exist", path);
        return r;
    }
    if (r < 0) {
        sim_set_err(err, errlen, "cannot read %s: %s", path,
                    r == -E2BIG ? "larger than 64 MiB" : strerror(-r));
        return r;
    }
    r = sim_db_parse(buf, len, out, err, errlen);
    free(buf);
    return r;
}

/* XAPI's database text of values. */

/* One quoted S-expression atom, as xen-api's SExpr.string_of writes it. */
static void text_atom(struct sbuf *out, const char *s, size_t len)
{
    sbuf_addc(out, '\'');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' || s[i] == '\'') {
            sbuf_addc(out, '\\');
        }
        sbuf_addc(out, s[i]);
    }
    sbuf_addc(out, '\'');
}

/* The text of a scalar, for atoms inside sets and maps. */
static int text_scalar(const struct xr_value *v, struct sbuf *tmp)
{
    sbuf_reset(tmp);
    return sim_db_value_text(v, tmp);
}

int sim_db_value_text(const struct xr_value *v, struct sbuf *out)
{
    struct sbuf tmp = SBUF_INIT;
    const void *bytes;
    size_t len = 0;
    int64_t i;
    double d;
    bool b;

    switch (xr_type(v)) {
    case XR_NIL:
        break;
    case XR_STRING:
    case XR_BASE64:
        bytes = xr_get_bytes(v, &len);
        sbuf_add(out, bytes, len);
        break;
    case XR_DATETIME:
        sbuf_adds(out, xr_get_string(v));
        break;
    case XR_INT:
        xr_get_int(v, &i);
        sbuf_addf(out, "%" PRId64, i);
        break;
    case XR_BOOL:
        xr_get_bool(v, &b);
        sbuf_adds(out, b ? "true" : "false");
        break;
    case XR_DOUBLE: {
        size_t start = out->len;
        bool plain = true;

        xr_get_double(v, &d);
        /* OCaml's string_of_float: %.12g, plus a "." when the result
         * would read as an integer ("0." for zero). */
        sbuf_addf(out, "%.12g", d);
        for (size_t k = start; k < out->len; k++) {
            char c = sbuf_str(out)[k];

            plain = plain && ((c >= '0' && c <= '9') || c == '-');
        }
        if (plain) {
            sbuf_addc(out, '.');
        }
        break;
    }
    case XR_ARRAY:
        sbuf_addc(out, '(');
        for (size_t k = 0; k < xr_array_len(v); k++) {
            text_scalar(xr_array_get(v, k), &tmp);
            if (k) {
                sbuf_addc(out, ' ');
            }
            text_atom(out, sbuf_str(&tmp), tmp.len);
        }
        sbuf_addc(out, ')');
        break;
    case XR_STRUCT:
        sbuf_addc(out, '(');
        for (size_t k = 0; k < xr_struct_len(v); k++) {
            const char *key = xr_struct_key(v, k);

            text_scalar(xr_struct_value(v, k), &tmp);
            sbuf_adds(out, k ? " (" : "(");
            text_atom(out, key, strlen(key));
            sbuf_addc(out, ' ');
            text_atom(out, sbuf_str(&tmp), tmp.len);
            sbuf_addc(out, ')');
        }
        sbuf_addc(out, ')');
        break;
    }
    if (sbuf_error(&tmp)) {
        sbuf_free(&tmp);
        return -ENOMEM;
    }
    sbuf_free(&tmp);
    return sbuf_error(out);
}

/* Identifiers. */

int sim_db_uuid(char out[37])
{
    unsigned char b[16];
    size_t got = 0;

    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

int sim_db_new_ref(char out[48])
{
    char uuid[37];
    int r = sim_db_uuid(uuid);

    if (r == 0) {
        snprintf(out, 48, "OpaqueRef:%s", uuid);
    }
    return r;
}
