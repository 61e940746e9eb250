/* xvs-vsctl's in-memory database view and transaction builder (see vsctl_db.h). */
#include "vsctl_db.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct vdb {
    json_t *schema;  /* Copy of the schema object. */
    json_t *tables;  /* schema "tables" (borrowed from schema). */
    json_t *data;    /* table -> {uuid -> {column -> datum}} */
    json_t *orig;    /* table -> {uuid -> {column -> datum}} as loaded */
    json_t *dirty;   /* table -> {uuid -> {column -> true}} */
    json_t *created; /* uuid -> table, in creation order */
    json_t *deleted; /* table -> {uuid -> true}, loaded rows only */
    json_t *read;    /* table -> {uuid -> {column -> true}}: what the commands looked at */
    json_t *scanned; /* table -> true: tables whose set of rows the commands looked at */
    /* Tables whose ephemeral columns are read (table -> true); the others are selected
     * without them, since those are the big, ever-changing status columns that only
     * queries look at. */
    json_t *ephemeral;
    bool all_ephemeral;
};

int vdb_new(const json_t *schema, struct vdb **out)
{
    struct vdb *db = calloc(1, sizeof(*db));

    *out = NULL;
    if (!db) {
        return -ENOMEM;
    }
    db->schema = json_deep_copy(schema);
    db->tables = db->schema ? json_object_get(db->schema, "tables") : NULL;
    db->data = json_object();
    db->orig = json_object();
    db->scanned = json_object();
    db->ephemeral = json_object();
    db->dirty = json_object();
    db->created = json_object();
    db->deleted = json_object();
    db->read = json_object();
    if (!json_is_object(db->tables) || !db->data || !db->orig || !db->dirty || !db->created ||
        !db->deleted || !db->read || !db->scanned) {
        vdb_free(db);
        return db->schema ? -EINVAL : -ENOMEM;
    }
    *out = db;
    return 0;
}

void vdb_free(struct vdb *db)
{
    if (!db) {
        return;
    }
    json_decref(db->schema);
    json_decref(db->data);
    json_decref(db->orig);
    json_decref(db->scanned);
    json_decref(db->ephemeral);
    json_decref(db->dirty);
    json_decref(db->created);
    json_decref(db->deleted);
    json_decref(db->read);
    free(db);
}

void vdb_load_ephemeral(struct vdb *db, const char *table)
{
    if (!table) {
        db->all_ephemeral = true;
    } else if (db->ephemeral) {
        json_object_set_new(db->ephemeral, table, json_true());
    }
}

json_t *vdb_select_ops(const struct vdb *db)
{
    json_t *ops = json_array();
    const char *name, *cname;
    json_t *t, *cdef;

    json_object_foreach(db->tables, name, t)
    {
        json_t *op = json_pack("{sssss[]}", "op", "select", "table", name, "where");
        if (!db->all_ephemeral && !json_object_get(db->ephemeral, name)) {
            json_t *cols = json_pack("[s]", "_uuid");
            json_object_foreach(json_object_get(t, "columns"), cname, cdef)
            {
                if (!json_is_true(json_object_get(cdef, "ephemeral"))) {
                    json_array_append_new(cols, json_string(cname));
                }
            }
            json_object_set_new(op, "columns", cols);
        }
        json_array_append_new(ops, op);
    }
    return ops;
}

static int load_row(const json_t *cols, const json_t *wire, json_t *rows)
{
    json_t *u = json_object_get(wire, "_uuid");
    json_t *row = json_object();
    const char *cname;
    json_t *cdef;

    if (!row || !json_is_array(u) || !json_is_string(json_array_get(u, 1))) {
        json_decref(row);
        return -EINVAL;
    }
    json_object_foreach((json_t *)cols, cname, cdef)
    {
        struct vval_type t;
        const json_t *w = json_object_get(wire, cname);
        json_t *d;
        if (vval_type_from_schema(json_object_get(cdef, "type"), &t) < 0) {
            json_decref(row);
            return -EINVAL;
        }
        d = w ? vval_from_wire(w, &t) : vval_default(&t);
        if (!d) {
            json_decref(row);
            return -EINVAL;
        }
        json_object_set_new(row, cname, d);
    }
    json_object_set_new(rows, json_string_value(json_array_get(u, 1)), row);
    return 0;
}

int vdb_load(struct vdb *db, const json_t *results)
{
    const char *name;
    json_t *t;
    size_t i = 0;

    json_object_clear(db->data);
    json_object_clear(db->orig);
    json_object_clear(db->scanned);
    json_object_clear(db->dirty);
    json_object_clear(db->created);
    json_object_clear(db->deleted);
    json_object_clear(db->read);
    json_object_foreach(db->tables, name, t)
    {
        const json_t *res = json_array_get(results, i++);
        const json_t *wrows = json_object_get(res, "rows");
        const json_t *cols = json_object_get(t, "columns");
        json_t *rows = json_object();
        size_t k;
        const json_t *w;

        if (!json_is_array(wrows) || !json_is_object(cols) || !rows) {
            json_decref(rows);
            return -EINVAL;
        }
        json_object_set_new(db->data, name, rows);
        json_array_foreach(wrows, k, w)
        {
            if (load_row(cols, w, rows) < 0) {
                return -EINVAL;
            }
        }
        /* The commands replace datums in "data"; the guards need the values as read. */
        json_object_set_new(db->orig, name, json_deep_copy(rows));
    }
    return 0;
}

/* Compares names ignoring case and treating '-' like '_'; returns 0 for equal, and in *prefix
 * whether "want" is a proper prefix of "have". */
static bool name_match(const char *have, const char *want, bool *prefix)
{
    size_t i;

    for (i = 0; want[i]; i++) {
        char a = (char)tolower((unsigned char)have[i]), b = (char)tolower((unsigned char)want[i]);
        a = a == '-' ? '_' : a;
        b = b == '-' ? '_' : b;
        if (!have[i] || a != b) {
            return false;
        }
    }
    *prefix = have[i] != '\0';
    return true;
}

static const char *resolve(const json_t *obj, const char *name)
{
    const char *key, *found = NULL;
    json_t *v;
    int n_prefix = 0;
    bool prefix;

    if (json_object_get(obj, name)) {
        json_object_foreach((json_t *)obj, key, v)
        {
            if (!strcmp(key, name)) {
                return key;
            }
        }
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        (void)v;
        if (name_match(key, name, &prefix)) {
            if (!prefix) {
                return key;
            }
            found = key;
            n_prefix++;
        }
    }
    return n_prefix == 1 ? found : NULL;
}

const char *vdb_table_name(const struct vdb *db, const char *name)
{
    return resolve(db->tables, name);
}

static const json_t *table_columns(const struct vdb *db, const char *table)
{
    return json_object_get(json_object_get(db->tables, table), "columns");
}

const char *vdb_column_name(const struct vdb *db, const char *table, const char *name)
{
    const json_t *cols = table_columns(db, table);

    if (!cols) {
        return NULL;
    }
    if (!strcmp(name, "_uuid")) {
        return "_uuid";
    }
    return resolve(cols, name);
}

int vdb_column_type(const struct vdb *db, const char *table, const char *column,
                    struct vval_type *t)
{
    const json_t *c = json_object_get(table_columns(db, table), column);

    if (!strcmp(column, "_uuid")) {
        memset(t, 0, sizeof(*t));
        t->key.type = VVAL_UUID;
        t->min = t->max = 1;
        return 0;
    }
    if (!c || vval_type_from_schema(json_object_get(c, "type"), t) < 0) {
        return -ENOENT;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static json_t *sorted_keys(const json_t *obj)
{
    size_t n = json_object_size(obj), i = 0;
    json_t **v = calloc(n ? n : 1, sizeof(*v));
    json_t *arr = json_array();
    const char *key;
    json_t *x;

    if (!v || !arr) {
        free(v);
        json_decref(arr);
        return NULL;
    }
    json_object_foreach((json_t *)obj, key, x)
    {
        (void)x;
        v[i++] = json_string(key);
    }
    qsort(v, n, sizeof(*v), cmp_str);
    for (i = 0; i < n; i++) {
        json_array_append_new(arr, v[i]);
    }
    free(v);
    return arr;
}

json_t *vdb_columns(const struct vdb *db, const char *table)
{
    return sorted_keys(table_columns(db, table));
}

bool vdb_column_mutable(const struct vdb *db, const char *table, const char *column)
{
    const json_t *c = json_object_get(table_columns(db, table), column);
    return !json_is_false(json_object_get(c, "mutable"));
}

bool vdb_table_is_root(const struct vdb *db, const char *table)
{
    return json_is_true(json_object_get(json_object_get(db->tables, table), "isRoot"));
}

const json_t *vdb_rows(struct vdb *db, const char *table)
{
    if (!json_object_get(db->scanned, table)) {
        json_object_set_new(db->scanned, table, json_true());
    }
    return json_object_get(db->data, table);
}

/* Records that the commands read a loaded row (column NULL: only that it exists). */
static void mark_read(struct vdb *db, const char *table, const char *uuid, const char *column)
{
    json_t *t, *r;

    if (!json_object_get(json_object_get(db->orig, table), uuid)) {
        return;
    }
    t = json_object_get(db->read, table);
    if (!t) {
        t = json_object();
        json_object_set_new(db->read, table, t);
    }
    r = json_object_get(t, uuid);
    if (!r) {
        r = json_object();
        json_object_set_new(t, uuid, r);
    }
    if (column && r && !json_object_get(r, column)) {
        json_object_set_new(r, column, json_true());
    }
}

json_t *vdb_uuids(struct vdb *db, const char *table)
{
    return sorted_keys(vdb_rows(db, table));
}

const json_t *vdb_row(struct vdb *db, const char *table, const char *uuid)
{
    const json_t *row = json_object_get(json_object_get(db->data, table), uuid);

    if (row) {
        mark_read(db, table, uuid, NULL);
    } else {
        /* The answer "no such row" depends on the whole table. */
        vdb_rows(db, table);
    }
    return row;
}

const json_t *vdb_get(struct vdb *db, const char *table, const char *uuid, const char *column)
{
    const json_t *row = vdb_row(db, table, uuid);

    if (row && json_object_get(row, column)) {
        mark_read(db, table, uuid, column);
    }
    return json_object_get(row, column);
}

const char *vdb_get_string(struct vdb *db, const char *table, const char *uuid, const char *col)
{
    const char *s = json_string_value(json_array_get(vdb_get(db, table, uuid, col), 0));
    return s ? s : "";
}

long long vdb_get_int(struct vdb *db, const char *table, const char *uuid, const char *col,
                      long long dflt)
{
    const json_t *a = json_array_get(vdb_get(db, table, uuid, col), 0);
    return json_is_integer(a) ? json_integer_value(a) : dflt;
}

bool vdb_get_bool(struct vdb *db, const char *table, const char *uuid, const char *col)
{
    return json_is_true(json_array_get(vdb_get(db, table, uuid, col), 0));
}

const char *vdb_ref_at(const json_t *datum, size_t i)
{
    const json_t *a = json_array_get(datum, i);
    return json_string_value(json_array_get(a, 1));
}

static void mark_dirty(struct vdb *db, const char *table, const char *uuid, const char *column)
{
    json_t *t = json_object_get(db->dirty, table);
    json_t *r;

    if (!t) {
        t = json_object();
        json_object_set_new(db->dirty, table, t);
    }
    r = json_object_get(t, uuid);
    if (!r) {
        r = json_object();
        json_object_set_new(t, uuid, r);
    }
    json_object_set_new(r, column, json_true());
}

int vdb_set(struct vdb *db, const char *table, const char *uuid, const char *column, json_t *datum)
{
    json_t *row = json_object_get(json_object_get(db->data, table), uuid);
    struct vval_type t;

    if (!datum) {
        return -ENOMEM;
    }
    if (!row || vdb_column_type(db, table, column, &t) < 0 || !strcmp(column, "_uuid")) {
        json_decref(datum);
        return -ENOENT;
    }
    vval_normalize(datum, vval_is_map(&t));
    if (json_equal(json_object_get(row, column), datum) && !vdb_is_new(db, uuid)) {
        /* Writing the value a column already has is not a change, as in the OVS IDL. */
        json_decref(datum);
        return 0;
    }
    if (json_object_set_new(row, column, datum) < 0) {
        return -ENOMEM;
    }
    mark_dirty(db, table, uuid, column);
    return 0;
}

void vdb_new_uuid(char out[37], void *arg)
{
    unsigned char b[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;

    (void)arg;
    if (fd >= 0) {
        close(fd);
    }
    if (n != (ssize_t)sizeof(b)) {
        /* Without /dev/urandom, fall back to rand(); the uuid only names a row locally. */
        for (size_t i = 0; i < sizeof(b); i++) {
            b[i] = (unsigned char)rand();
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

int vdb_insert_with_uuid(struct vdb *db, const char *table, const char *uuid)
{
    const json_t *cols = table_columns(db, table);
    json_t *rows = json_object_get(db->data, table);
    json_t *row = json_object();
    const char *cname;
    json_t *cdef;

    if (!cols || !rows || !row) {
        json_decref(row);
        return row ? -ENOENT : -ENOMEM;
    }
    json_object_foreach((json_t *)cols, cname, cdef)
    {
        struct vval_type t;
        if (vval_type_from_schema(json_object_get(cdef, "type"), &t) < 0) {
            json_decref(row);
            return -EINVAL;
        }
        json_object_set_new(row, cname, vval_default(&t));
    }
    json_object_set_new(rows, uuid, row);
    json_object_set_new(db->created, uuid, json_string(table));
    return 0;
}

int vdb_insert(struct vdb *db, const char *table, char uuid_out[37])
{
    vdb_new_uuid(uuid_out, NULL);
    return vdb_insert_with_uuid(db, table, uuid_out);
}

void vdb_delete(struct vdb *db, const char *table, const char *uuid)
{
    json_t *rows = json_object_get(db->data, table);

    if (!json_object_get(rows, uuid)) {
        return;
    }
    json_object_del(rows, uuid);
    if (json_object_get(db->created, uuid)) {
        json_object_del(db->created, uuid);
        return;
    }
    json_t *d = json_object_get(db->deleted, table);
    if (!d) {
        d = json_object();
        json_object_set_new(db->deleted, table, d);
    }
    json_object_set_new(d, uuid, json_true());
}

bool vdb_is_new(const struct vdb *db, const char *uuid)
{
    return json_object_get(db->created, uuid) != NULL;
}

int vdb_ref_add(struct vdb *db, const char *table, const char *uuid, const char *column,
                const char *ref)
{
    const json_t *old = vdb_get(db, table, uuid, column);
    json_t *d = old ? json_copy((json_t *)old) : NULL;

    if (!d) {
        return -ENOENT;
    }
    json_array_append_new(d, json_pack("[ss]", "uuid", ref));
    return vdb_set(db, table, uuid, column, d);
}

int vdb_ref_remove(struct vdb *db, const char *table, const char *uuid, const char *column,
                   const char *ref)
{
    const json_t *old = vdb_get(db, table, uuid, column);
    json_t *d = json_array();

    if (!old || !d) {
        json_decref(d);
        return -ENOENT;
    }
    for (size_t i = 0; i < json_array_size(old); i++) {
        const char *r = vdb_ref_at(old, i);
        if (!r || strcmp(r, ref)) {
            json_array_append(d, json_array_get(old, i));
        }
    }
    return vdb_set(db, table, uuid, column, d);
}

const char *vdb_map_get(const json_t *datum, const char *key)
{
    for (size_t i = 0; i < json_array_size(datum); i++) {
        const json_t *kv = json_array_get(datum, i);
        const char *k = json_string_value(json_array_get(kv, 0));
        if (k && !strcmp(k, key)) {
            return json_string_value(json_array_get(kv, 1));
        }
    }
    return NULL;
}

int vdb_map_set(struct vdb *db, const char *table, const char *uuid, const char *column,
                const char *key, const char *value)
{
    const json_t *old = vdb_get(db, table, uuid, column);
    json_t *d = json_array();

    if (!old || !d) {
        json_decref(d);
        return -ENOENT;
    }
    if (value) {
        json_array_append_new(d, json_pack("[ss]", key, value));
    }
    for (size_t i = 0; i < json_array_size(old); i++) {
        const json_t *kv = json_array_get(old, i);
        const char *k = json_string_value(json_array_get(kv, 0));
        if (!k || strcmp(k, key)) {
            json_array_append(d, (json_t *)kv);
        }
    }
    return vdb_set(db, table, uuid, column, d);
}

bool vdb_changed(const struct vdb *db)
{
    const char *k;
    json_t *v;

    json_object_foreach(db->deleted, k, v)
    {
        if (json_object_size(v)) {
            return true;
        }
    }
    return json_object_size(db->created) || json_object_size(db->dirty);
}

static void row_name(const char *uuid, char out[48])
{
    snprintf(out, 48, "row%s", uuid);
    for (char *p = out; *p; p++) {
        if (*p == '-') {
            *p = '_';
        }
    }
}

/* Wire form of a datum with references to rows created in this transaction named. */
static json_t *to_wire_named(const struct vdb *db, const json_t *datum, const struct vval_type *t)
{
    json_t *copy = json_deep_copy(datum);
    char name[48];

    for (size_t i = 0; copy && i < json_array_size(copy); i++) {
        json_t *e = json_array_get(copy, i);
        for (size_t k = 0; k < (vval_is_map(t) ? 2u : 1u); k++) {
            json_t *a = vval_is_map(t) ? json_array_get(e, k) : e;
            const char *u = json_is_array(a) ? json_string_value(json_array_get(a, 1)) : NULL;
            if (u && vdb_is_new(db, u)) {
                row_name(u, name);
                json_array_set_new(a, 0, json_string("named-uuid"));
                json_array_set_new(a, 1, json_string(name));
            }
        }
    }
    json_t *w = copy ? vval_to_wire(copy, t) : NULL;
    json_decref(copy);
    return w;
}

static json_t *row_wire(const struct vdb *db, const char *table, const json_t *row,
                        const json_t *cols)
{
    json_t *out = json_object();
    const char *c;
    json_t *v;

    json_object_foreach((json_t *)cols, c, v)
    {
        struct vval_type t;
        (void)v;
        if (vdb_column_type(db, table, c, &t) == 0 && json_object_get(row, c)) {
            json_object_set_new(out, c, to_wire_named(db, json_object_get(row, c), &t));
        }
    }
    return out;
}

static json_t *where_uuid(const char *uuid)
{
    return json_pack("[[ss[ss]]]", "_uuid", "==", "uuid", uuid);
}

/* The guards, as ovs-vsctl's "verify": for every loaded row the commands read, a wait that it
 * still exists with the column values read; for every table whose rows were enumerated, a wait
 * that no other row has appeared.  Any concurrent change makes the transaction fail with "timed
 * out" and vsctl start over. */
/* Whether a column came with the last read: ephemeral ones only for the tables that asked. */
static bool column_loaded(const struct vdb *db, const char *table, const char *col)
{
    const json_t *cdef =
            json_object_get(json_object_get(json_object_get(db->tables, table), "columns"), col);

    return db->all_ephemeral || json_object_get(db->ephemeral, table) ||
           !json_is_true(json_object_get(cdef, "ephemeral"));
}

static void guard_ops(const struct vdb *db, json_t *ops)
{
    const char *table, *uuid, *col;
    json_t *v, *x, *y;

    json_object_foreach(db->read, table, v)
    {
        json_object_foreach(v, uuid, x)
        {
            const json_t *orig = json_object_get(json_object_get(db->orig, table), uuid);
            json_t *cols = json_array(), *row = json_object();
            json_object_foreach(x, col, y)
            {
                struct vval_type t;
                if (vdb_column_type(db, table, col, &t) == 0 && json_object_get(orig, col) &&
                    column_loaded(db, table, col)) {
                    json_array_append_new(cols, json_string(col));
                    json_object_set_new(row, col, vval_to_wire(json_object_get(orig, col), &t));
                }
            }
            json_array_append_new(ops, json_pack("{sssssisososss[o]}", "op", "wait", "table", table,
                                                 "timeout", 0, "where", where_uuid(uuid), "columns",
                                                 cols, "until", "==", "rows", row));
        }
    }
    json_object_foreach(db->scanned, table, v)
    {
        json_t *where = json_array();
        json_object_foreach(json_object_get(db->orig, table), uuid, x)
        {
            json_array_append_new(where, json_pack("[ss[ss]]", "_uuid", "!=", "uuid", uuid));
        }
        json_array_append_new(ops, json_pack("{sssssisos[]sss[]}", "op", "wait", "table", table,
                                             "timeout", 0, "where", where, "columns", "until",
                                             "==", "rows"));
    }
}

json_t *vdb_txn_ops(const struct vdb *db, const char *comment, json_t **insert_index)
{
    json_t *ops = json_array();
    json_t *index = json_object();
    const char *table, *uuid;
    json_t *v, *x;
    char name[48];

    if (comment) {
        json_array_append_new(ops, json_pack("{ssss}", "op", "comment", "comment", comment));
    }
    guard_ops(db, ops);
    json_object_foreach(db->created, uuid, v)
    {
        table = json_string_value(v);
        const json_t *row = json_object_get(json_object_get(db->data, table), uuid);
        json_t *cols = json_object_get(json_object_get(db->dirty, table), uuid);
        json_t *empty = json_object();
        row_name(uuid, name);
        json_object_set_new(index, uuid, json_integer((json_int_t)json_array_size(ops)));
        json_array_append_new(ops, json_pack("{sssssoss}", "op", "insert", "table", table, "row",
                                             row_wire(db, table, row, cols ? cols : empty),
                                             "uuid-name", name));
        json_decref(empty);
    }
    json_object_foreach(db->dirty, table, v)
    {
        json_object_foreach(v, uuid, x)
        {
            const json_t *row = json_object_get(json_object_get(db->data, table), uuid);
            if (!row || vdb_is_new(db, uuid)) {
                continue;
            }
            json_array_append_new(ops,
                                  json_pack("{sssssoso}", "op", "update", "table", table, "where",
                                            where_uuid(uuid), "row", row_wire(db, table, row, x)));
        }
    }
    json_object_foreach(db->deleted, table, v)
    {
        /* As the OVS IDL does, rows of non-root tables are not deleted explicitly: once no
         * reference is left the server collects them, and a row still referenced stays. */
        if (!vdb_table_is_root(db, table)) {
            continue;
        }
        json_object_foreach(v, uuid, x)
        {
            json_array_append_new(ops, json_pack("{ssssso}", "op", "delete", "table", table,
                                                 "where", where_uuid(uuid)));
        }
    }
    if (insert_index) {
        *insert_index = index;
    } else {
        json_decref(index);
    }
    return ops;
}
