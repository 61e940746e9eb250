/* xvs-vsctl's database commands (get, list, find, set, add, remove, clear,
 * create, destroy) on `TABLE RECORD COLUMN[:KEY]=VALUE` arguments, the record
 * names ovs-vsctl accepts, and `show`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vsctl_cmd.h"

/* How a record name is found: rows of "table" whose "name_col" equals the name, then (when
 * ref_col is set) the row that column points to.  Like ovs-vsctl's row ids. */
struct row_id {
    const char *target, *table, *name_col, *ref_col;
};

static const struct row_id row_ids[] = {
        {"Bridge", "Bridge", "name", NULL},         {"Port", "Port", "name", NULL},
        {"Interface", "Interface", "name", NULL},   {"Controller", "Bridge", "name", "controller"},
        {"Manager", "Manager", "target", NULL},     {"Mirror", "Mirror", "name", NULL},
        {"NetFlow", "Bridge", "name", "netflow"},   {"sFlow", "Bridge", "name", "sflow"},
        {"IPFIX", "Bridge", "name", "ipfix"},       {"QoS", "Port", "name", "qos"},
        {"Flow_Table", "Flow_Table", "name", NULL}, {"AutoAttach", "Bridge", "name", "auto_attach"},
        {"SSL", "Open_vSwitch", NULL, "ssl"},
};

static const char *need_table(struct vctx *ctx, const char *name)
{
    const char *t = vdb_table_name(ctx->db, name);

    if (!t) {
        vctx_fail(ctx, "unknown table \"%s\"", name);
    }
    return t;
}

/* Finds a record; writes its uuid to out.  Returns 0, -ENOENT (not found, no error set), or
 * -EINVAL (ambiguous, error set). */
static int find_row(struct vctx *ctx, const char *table, const char *record, char out[37])
{
    int found = 0;

    if (!strcmp(table, "Open_vSwitch") && !strcmp(record, ".")) {
        snprintf(out, 37, "%s", ctx->ovs_uuid);
        return 0;
    }
    if (vval_is_uuid(record) && vdb_row(ctx->db, table, record)) {
        snprintf(out, 37, "%s", record);
        return 0;
    }
    for (size_t i = 0; i < sizeof(row_ids) / sizeof(row_ids[0]); i++) {
        const struct row_id *id = &row_ids[i];
        if (strcmp(id->target, table)) {
            continue;
        }
        const json_t *rows = vdb_rows(ctx->db, id->table);
        const char *uuid;
        json_t *row;
        json_object_foreach((json_t *)rows, uuid, row)
        {
            const char *name = id->name_col ? json_string_value(json_array_get(
                                                      json_object_get(row, id->name_col), 0))
                                            : ".";
            if (!name || strcmp(name, record)) {
                continue;
            }
            const json_t *refs = id->ref_col ? json_object_get(row, id->ref_col) : NULL;
            /* A name finds a referenced row only when it refers to exactly one. */
            const char *u = !id->ref_col                 ? uuid
                            : json_array_size(refs) == 1 ? vdb_ref_at(refs, 0)
                                                         : NULL;
            if (!u || !vdb_row(ctx->db, table, u)) {
                continue;
            }
            if (found && strcmp(out, u)) {
                return vctx_fail(ctx, "multiple rows in %s match \"%s\"", table, record);
            }
            snprintf(out, 37, "%s", u);
            found = 1;
        }
        if (found) {
            return 0;
        }
    }
    return -ENOENT;
}

/* find_row() that reports a missing row unless must_exist is false. */
static int get_row(struct vctx *ctx, const char *table, const char *record, bool must_exist,
                   char out[37])
{
    int r = find_row(ctx, table, record, out);

    if (r == -ENOENT && must_exist) {
        return vctx_fail(ctx, "no row \"%s\" in table %s", record, table);
    }
    return r;
}

static const char *need_column(struct vctx *ctx, const char *table, const char *name,
                               struct vval_type *t)
{
    const char *c = vdb_column_name(ctx->db, table, name);

    if (!c || vdb_column_type(ctx->db, table, c, t) < 0) {
        vctx_fail(ctx, "%s does not contain a column whose name matches \"%s\"", table, name);
        return NULL;
    }
    return c;
}

/* The datum of a column, including the synthetic _uuid column (new reference). */
static json_t *column_datum(struct vctx *ctx, const char *table, const char *uuid, const char *c)
{
    if (!strcmp(c, "_uuid")) {
        return json_pack("[[ss]]", "uuid", uuid);
    }
    return json_incref((json_t *)vdb_get(ctx->db, table, uuid, c));
}

int vcmd_get(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *table = need_table(ctx, c->argv[1]);
    const char *id = vctx_opt_value(ctx, "--id");
    bool if_exists = vctx_opt(ctx, "--if-exists");
    char uuid[37];
    int r;

    if (!table) {
        return -EINVAL;
    }
    r = get_row(ctx, table, c->argv[2], !if_exists, uuid);
    if (r == -ENOENT) {
        return 0;
    } else if (r < 0) {
        return r;
    }
    if (id) {
        json_t *sym = json_object_get(ctx->syms.symbols, id);
        if (id[0] != '@') {
            return vctx_fail(ctx, "row id \"%s\" does not begin with \"@\"", id);
        }
        if (sym) {
            return vctx_fail(ctx,
                             "row id \"%s\" specified on \"get\" command was used before it "
                             "was defined",
                             id);
        }
        json_object_set_new(ctx->syms.symbols, id, json_pack("{sssb}", "uuid", uuid, "created", 1));
    }
    for (int i = 3; i < c->argc; i++) {
        const char *p = c->argv[i];
        char *err = NULL, *cname = vval_token(&p, &err), *key = NULL;
        struct vval_type t;
        const char *col = cname ? need_column(ctx, table, cname, &t) : NULL;
        if (!cname) {
            vctx_fail(ctx, "%s", err ? err : "out of memory");
        }
        if (col && *p == ':') {
            p++;
            key = vval_token(&p, &err);
            if (!key) {
                vctx_fail(ctx, "%s", err ? err : "out of memory");
                col = NULL;
            }
        }
        if (col && *p) {
            vctx_fail(ctx, "%s: trailing garbage \"%s\" in argument", c->argv[i], p);
            col = NULL;
        }
        free(err);
        err = NULL;
        json_t *d = col ? column_datum(ctx, table, uuid, col) : NULL;
        if (d && key) {
            json_t *k = vval_is_map(&t) ? vval_parse_atom(&t.key, key, &ctx->syms, &err) : NULL;
            const json_t *v = NULL;
            if (!vval_is_map(&t)) {
                vctx_fail(ctx, "cannot specify key to get for non-map column %s", col);
            } else if (!k) {
                vctx_fail(ctx, "%s", err ? err : "out of memory");
            }
            for (size_t j = 0; k && j < json_array_size(d); j++) {
                if (!vval_atom_cmp(json_array_get(json_array_get(d, j), 0), k)) {
                    v = json_array_get(json_array_get(d, j), 1);
                }
            }
            if (v) {
                vval_atom_format(v, &c->output);
                sbuf_addc(&c->output, '\n');
            } else if (k && !if_exists) {
                vctx_fail(ctx, "no key \"%s\" in %s record \"%s\" column %s", key, table,
                          c->argv[2], col);
            } else if (k) {
                sbuf_addc(&c->output, '\n');
            }
            json_decref(k);
        } else if (d) {
            vval_datum_format(d, &t, &c->output);
            sbuf_addc(&c->output, '\n');
        }
        json_decref(d);
        free(err);
        free(cname);
        free(key);
        if (ctx->err) {
            return -EINVAL;
        }
    }
    return 0;
}

/* Resolves --columns (or every column, _uuid first) into a JSON array of column names. */
static json_t *list_columns(struct vctx *ctx, const char *table)
{
    const char *spec = vctx_opt_value(ctx, "--columns");
    json_t *cols = json_array();

    if (!spec) {
        json_t *all = vdb_columns(ctx->db, table);
        json_array_append_new(cols, json_string("_uuid"));
        json_array_extend(cols, all);
        json_decref(all);
        return cols;
    }
    char *copy = strdup(spec), *save = NULL;
    for (char *tok = copy ? strtok_r(copy, ", ", &save) : NULL; tok;
         tok = strtok_r(NULL, ", ", &save)) {
        struct vval_type t;
        const char *c = need_column(ctx, table, tok, &t);
        if (!c) {
            json_decref(cols);
            cols = NULL;
            break;
        }
        json_array_append_new(cols, json_string(c));
    }
    free(copy);
    return cols;
}

static void list_record(struct vctx *ctx, const char *table, const char *uuid, const json_t *cols,
                        bool *first)
{
    struct sbuf *o = &ctx->cmd->output;

    if (!*first) {
        sbuf_addc(o, '\n');
    }
    *first = false;
    for (size_t i = 0; i < json_array_size(cols); i++) {
        const char *c = json_string_value(json_array_get(cols, i));
        struct vval_type t;
        json_t *d = column_datum(ctx, table, uuid, c);
        vdb_column_type(ctx->db, table, c, &t);
        sbuf_addf(o, "%-20s: ", c);
        vval_datum_format(d, &t, o);
        sbuf_addc(o, '\n');
        json_decref(d);
    }
}

int vcmd_list(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *table = need_table(ctx, c->argv[1]);
    json_t *cols = table ? list_columns(ctx, table) : NULL;
    bool first = true;
    int r = 0;

    if (!cols) {
        return -EINVAL;
    }
    if (c->argc > 2) {
        for (int i = 2; i < c->argc && !r; i++) {
            char uuid[37];
            r = get_row(ctx, table, c->argv[i], !vctx_opt(ctx, "--if-exists"), uuid);
            if (!r) {
                list_record(ctx, table, uuid, cols, &first);
            }
            r = r == -ENOENT ? 0 : r;
        }
    } else {
        json_t *uuids = vdb_uuids(ctx->db, table);
        for (size_t i = 0; i < json_array_size(uuids); i++) {
            list_record(ctx, table, json_string_value(json_array_get(uuids, i)), cols, &first);
        }
        json_decref(uuids);
    }
    json_decref(cols);
    return r;
}

/* Is every element of a in b (maps: same key and value)? */
static bool includes_all(const json_t *a, const json_t *b, bool map)
{
    for (size_t i = 0; i < json_array_size(a); i++) {
        bool found = false;
        for (size_t j = 0; !found && j < json_array_size(b); j++) {
            const json_t *x = json_array_get(a, i), *y = json_array_get(b, j);
            found = map ? !vval_atom_cmp(json_array_get(x, 0), json_array_get(y, 0)) &&
                                    !vval_atom_cmp(json_array_get(x, 1), json_array_get(y, 1))
                        : !vval_atom_cmp(x, y);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static int datum_cmp(const json_t *a, const json_t *b, bool map)
{
    size_t na = json_array_size(a), nb = json_array_size(b);

    if (na != nb) {
        return na < nb ? -1 : 1;
    }
    for (size_t i = 0; i < na; i++) {
        const json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        int c = map ? vval_atom_cmp(json_array_get(x, 0), json_array_get(y, 0))
                    : vval_atom_cmp(x, y);
        if (!c && map) {
            c = vval_atom_cmp(json_array_get(x, 1), json_array_get(y, 1));
        }
        if (c) {
            return c;
        }
    }
    return 0;
}

static const char *const relops[] = {"{!=}", "{<=}", "{>=}", "{=}", "{<}", "{>}",
                                     "!=",   "<=",   ">=",   "=",   "<",   ">"};

static bool relop_holds(const char *op, const json_t *a, const json_t *b, bool map)
{
    int c = datum_cmp(a, b, map);

    if (!strcmp(op, "=") || !strcmp(op, "{=}")) {
        return c == 0;
    } else if (!strcmp(op, "!=") || !strcmp(op, "{!=}")) {
        return c != 0;
    } else if (!strcmp(op, "<")) {
        return c < 0;
    } else if (!strcmp(op, ">")) {
        return c > 0;
    } else if (!strcmp(op, "<=")) {
        return c <= 0;
    } else if (!strcmp(op, ">=")) {
        return c >= 0;
    } else if (!strcmp(op, "{<}")) {
        return json_array_size(b) > json_array_size(a) && includes_all(a, b, map);
    } else if (!strcmp(op, "{>}")) {
        return json_array_size(a) > json_array_size(b) && includes_all(b, a, map);
    } else if (!strcmp(op, "{<=}")) {
        return includes_all(a, b, map);
    }
    return includes_all(b, a, map);
}

/* Evaluates one find condition on a row: 1 true, 0 false, -EINVAL error (set). */
static int condition(struct vctx *ctx, const char *table, const char *uuid, const char *arg)
{
    const char *p = arg, *op = NULL;
    char *err = NULL, *cname = vval_token(&p, &err), *key = NULL;
    struct vval_type t;
    const char *col = cname ? need_column(ctx, table, cname, &t) : NULL;
    json_t *have = NULL, *want = NULL;
    int r = -EINVAL;

    if (!cname) {
        vctx_fail(ctx, "%s", err ? err : "out of memory");
        goto out;
    }
    if (!col) {
        goto out;
    }
    if (*p == ':') {
        p++;
        key = vval_token(&p, &err);
        if (!key) {
            vctx_fail(ctx, "%s", err ? err : "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < sizeof(relops) / sizeof(relops[0]) && !op; i++) {
        if (!strncmp(p, relops[i], strlen(relops[i]))) {
            op = relops[i];
        }
    }
    if (!op) {
        vctx_fail(ctx, "%s: missing operator", arg);
        goto out;
    }
    p += strlen(op);
    have = column_datum(ctx, table, uuid, col);
    if (key) {
        struct vval_type vt = {.key = t.value, .min = 0, .max = 1};
        json_t *k;
        if (!vval_is_map(&t)) {
            vctx_fail(ctx, "cannot specify key to check for non-map column %s", col);
            goto out;
        }
        k = vval_parse_atom(&t.key, key, &ctx->syms, &err);
        want = k ? vval_parse_datum(&vt, p, true, &ctx->syms, &err) : NULL;
        if (!want) {
            json_decref(k);
            vctx_fail(ctx, "%s", err ? err : "out of memory");
            goto out;
        }
        json_t *sub = json_array();
        for (size_t j = 0; j < json_array_size(have); j++) {
            if (!vval_atom_cmp(json_array_get(json_array_get(have, j), 0), k)) {
                json_array_append(sub, json_array_get(json_array_get(have, j), 1));
            }
        }
        json_decref(k);
        r = relop_holds(op, sub, want, false);
        json_decref(sub);
    } else {
        want = vval_parse_datum(&t, p, true, &ctx->syms, &err);
        if (!want) {
            vctx_fail(ctx, "%s", err ? err : "out of memory");
            goto out;
        }
        r = relop_holds(op, have, want, vval_is_map(&t));
    }
out:
    json_decref(have);
    json_decref(want);
    free(err);
    free(cname);
    free(key);
    return r;
}

int vcmd_find(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *table = need_table(ctx, c->argv[1]);
    json_t *cols = table ? list_columns(ctx, table) : NULL;
    json_t *uuids;
    bool first = true;

    if (!cols) {
        return -EINVAL;
    }
    uuids = vdb_uuids(ctx->db, table);
    for (size_t i = 0; i < json_array_size(uuids) && !ctx->err; i++) {
        const char *u = json_string_value(json_array_get(uuids, i));
        int ok = 1;
        for (int k = 2; k < c->argc && ok > 0; k++) {
            ok = condition(ctx, table, u, c->argv[k]);
        }
        if (ok > 0) {
            list_record(ctx, table, u, cols, &first);
        }
    }
    json_decref(uuids);
    json_decref(cols);
    return ctx->err ? -EINVAL : 0;
}

/* The common start of set/add/remove/clear: table and record (absent + --if-exists: -ENOENT). */
static int table_and_row(struct vctx *ctx, const char **table, char uuid[37])
{
    *table = need_table(ctx, ctx->cmd->argv[1]);
    if (!*table) {
        return -EINVAL;
    }
    return get_row(ctx, *table, ctx->cmd->argv[2], !vctx_opt(ctx, "--if-exists"), uuid);
}

int vcmd_set(struct vctx *ctx)
{
    const char *table;
    char uuid[37];
    int r = table_and_row(ctx, &table, uuid);

    for (int i = 3; !r && i < ctx->cmd->argc; i++) {
        r = vctx_set_column(ctx, table, uuid, ctx->cmd->argv[i]);
    }
    return r == -ENOENT ? 0 : r;
}

int vcmd_add(struct vctx *ctx)
{
    const char *table, *col;
    struct vval_type t;
    char uuid[37];
    int r = table_and_row(ctx, &table, uuid);

    if (r) {
        return r == -ENOENT ? 0 : r;
    }
    col = need_column(ctx, table, ctx->cmd->argv[3], &t);
    if (!col || vctx_check_mutable(ctx, table, col) < 0) {
        return -EINVAL;
    }
    json_t *d = json_copy((json_t *)vdb_get(ctx->db, table, uuid, col));
    for (int i = 4; d && i < ctx->cmd->argc; i++) {
        char *err = NULL;
        json_t *add = vval_parse_datum(&t, ctx->cmd->argv[i], true, &ctx->syms, &err);
        if (!add) {
            vctx_fail(ctx, "%s", err ? err : "out of memory");
            free(err);
            json_decref(d);
            return -EINVAL;
        }
        /* Existing keys keep their values, as in OVSDB's datum union. */
        json_array_extend(d, add);
        json_decref(add);
        vval_normalize(d, vval_is_map(&t));
    }
    if (d && json_array_size(d) > t.max) {
        r = vctx_fail(ctx,
                      "\"add\" operation would put %zu %s in column %s of table %s but the "
                      "maximum number is %u",
                      json_array_size(d), vval_is_map(&t) ? "pairs" : "values", col, table, t.max);
        json_decref(d);
        return r;
    }
    return vdb_set(ctx->db, table, uuid, col, d);
}

int vcmd_remove(struct vctx *ctx)
{
    const char *table, *col;
    struct vval_type t;
    char uuid[37];
    int r = table_and_row(ctx, &table, uuid);

    if (r) {
        return r == -ENOENT ? 0 : r;
    }
    col = need_column(ctx, table, ctx->cmd->argv[3], &t);
    if (!col || vctx_check_mutable(ctx, table, col) < 0) {
        return -EINVAL;
    }
    json_t *d = json_copy((json_t *)vdb_get(ctx->db, table, uuid, col));
    bool map = vval_is_map(&t);
    for (int i = 4; d && i < ctx->cmd->argc; i++) {
        char *err = NULL;
        json_t *rm = vval_parse_datum(&t, ctx->cmd->argv[i], true, &ctx->syms, &err);
        bool keys_only = false;
        if (!rm && map) {
            /* For maps, a bare key (or set of keys) removes whatever value it has. */
            struct vval_type kt = {.key = t.key, .min = 0, .max = t.max};
            free(err);
            err = NULL;
            rm = vval_parse_datum(&kt, ctx->cmd->argv[i], true, &ctx->syms, &err);
            keys_only = true;
        }
        if (!rm) {
            vctx_fail(ctx, "%s", err ? err : "out of memory");
            free(err);
            json_decref(d);
            return -EINVAL;
        }
        for (size_t j = 0; j < json_array_size(d);) {
            const json_t *e = json_array_get(d, j);
            bool hit = false;
            for (size_t k = 0; !hit && k < json_array_size(rm); k++) {
                const json_t *x = json_array_get(rm, k);
                if (!map) {
                    hit = !vval_atom_cmp(e, x);
                } else if (keys_only) {
                    hit = !vval_atom_cmp(json_array_get(e, 0), x);
                } else {
                    hit = !vval_atom_cmp(json_array_get(e, 0), json_array_get(x, 0)) &&
                          !vval_atom_cmp(json_array_get(e, 1), json_array_get(x, 1));
                }
            }
            if (hit) {
                json_array_remove(d, j);
            } else {
                j++;
            }
        }
        json_decref(rm);
    }
    if (d && json_array_size(d) < t.min) {
        r = vctx_fail(ctx,
                      "\"remove\" operation would put %zu %s in column %s of table %s but the "
                      "minimum number is %u",
                      json_array_size(d), map ? "pairs" : "values", col, table, t.min);
        json_decref(d);
        return r;
    }
    return vdb_set(ctx->db, table, uuid, col, d);
}

int vcmd_clear(struct vctx *ctx)
{
    const char *table;
    char uuid[37];
    int r = table_and_row(ctx, &table, uuid);

    for (int i = 3; !r && i < ctx->cmd->argc; i++) {
        struct vval_type t;
        const char *col = need_column(ctx, table, ctx->cmd->argv[i], &t);
        if (!col || vctx_check_mutable(ctx, table, col) < 0) {
            return -EINVAL;
        }
        if (t.min > 0) {
            return vctx_fail(ctx,
                             "\"clear\" operation cannot be applied to column %s of table %s, "
                             "which is not allowed to be empty",
                             col, table);
        }
        r = vdb_set(ctx->db, table, uuid, col, json_array());
    }
    return r == -ENOENT ? 0 : r;
}

int vcmd_create(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *table = need_table(ctx, c->argv[1]);
    const char *id = vctx_opt_value(ctx, "--id");
    char uuid[37];
    int r;

    if (!table) {
        return -EINVAL;
    }
    if (id) {
        json_t *sym = json_object_get(ctx->syms.symbols, id);
        if (id[0] != '@') {
            return vctx_fail(ctx, "row id \"%s\" does not begin with \"@\"", id);
        }
        if (json_is_true(json_object_get(sym, "created"))) {
            return vctx_fail(ctx, "row id \"%s\" may only be specified on one create command", id);
        }
        if (!sym) {
            vdb_new_uuid(uuid, NULL);
            sym = json_pack("{sssb}", "uuid", uuid, "created", 1);
            json_object_set_new(ctx->syms.symbols, id, sym);
        } else {
            snprintf(uuid, sizeof(uuid), "%s", json_string_value(json_object_get(sym, "uuid")));
            json_object_set_new(sym, "created", json_true());
        }
        r = vdb_insert_with_uuid(ctx->db, table, uuid);
    } else {
        if (!vdb_table_is_root(ctx->db, table)) {
            xlog_warn("applying \"create\" command to table %s without --id option will have no "
                      "effect",
                      table);
        }
        r = vdb_insert(ctx->db, table, uuid);
    }
    for (int i = 2; !r && i < c->argc; i++) {
        r = vctx_set_column(ctx, table, uuid, c->argv[i]);
    }
    if (!r) {
        /* main.c replaces this local uuid by the one the server assigns. */
        sbuf_addf(&c->output, "%s\n", uuid);
    }
    return r;
}

int vcmd_destroy(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *table = need_table(ctx, c->argv[1]);
    int r = 0;

    if (!table) {
        return -EINVAL;
    }
    if (vctx_opt(ctx, "--all")) {
        if (c->argc > 2) {
            return vctx_fail(ctx, "--all and records argument should not be specified together");
        }
        json_t *uuids = vdb_uuids(ctx->db, table);
        for (size_t i = 0; i < json_array_size(uuids); i++) {
            vdb_delete(ctx->db, table, json_string_value(json_array_get(uuids, i)));
        }
        json_decref(uuids);
        return 0;
    }
    if (c->argc < 3) {
        return vctx_fail(ctx, "either --all or records argument should be specified");
    }
    for (int i = 2; i < c->argc && !r; i++) {
        char uuid[37];
        r = get_row(ctx, table, c->argv[i], !vctx_opt(ctx, "--if-exists"), uuid);
        if (!r) {
            vdb_delete(ctx->db, table, uuid);
        }
        r = r == -ENOENT ? 0 : r;
    }
    return r;
}
