/* The generic commands of every class: <class>-list (filters, params=,
 * --minimal), -param-list, -param-get (param-key= for one map key),
 * -param-set (plain fields through their setters, map keys through
 * add_to_/remove_from_ or the class's set_property), and -param-add,
 * -param-remove, -param-clear for writable sets and maps, as XAPI's CLI
 * server implements them.  Every param-set change is checked before the
 * first call, so a bad one changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbuf.h"
#include "xe_err.h"
#include "xe_run.h"
#include "xmlrpc.h"

static bool is_filter(const char *key)
{
    return !xe_args_is_std(key) && strcmp(key, "params") && strncmp(key, "database:", 9);
}

/* Whether record "rec" passes the class default filter and every filter
 * parameter.  Returns 1, 0 or a negative errno (after a message). */
static int record_selected(struct xe_run *run, const struct xe_class *cls,
                           const struct xr_value *rec, const char *const *skip)
{
    const char *why;
    int r;

    if (cls->filter_key && xe_field_present(xe_class_field(cls, cls->filter_key), rec)) {
        r = xe_filter_match(cls, rec, &run->res, cls->filter_key, cls->filter_value, &why);
        if (r <= 0) {
            return r;
        }
    }
    for (size_t i = 0; i < run->args->n_params; i++) {
        const struct xe_param *p = &run->args->params[i];
        bool skipped = false;

        for (size_t k = 0; skip && skip[k]; k++) {
            skipped = skipped || !strcmp(p->key, skip[k]);
        }
        if (skipped || !is_filter(p->key)) {
            continue;
        }
        r = xe_filter_match(cls, rec, &run->res, p->key, p->value, &why);
        if (r == -EINVAL) {
            return xe_fail_internal(run, "%s '%s'", why, p->key);
        }
        if (r <= 0) {
            return r;
        }
    }
    return 1;
}

/* Checks every filter parameter names something filterable. */
static int check_filters(struct xe_run *run, const struct xe_class *cls, const char *const *skip)
{
    struct xr_value *empty = xr_struct();
    int r = empty ? 0 : -ENOMEM;

    for (size_t i = 0; r == 0 && i < run->args->n_params; i++) {
        const struct xe_param *p = &run->args->params[i];
        const char *why;
        bool skipped = false;

        for (size_t k = 0; skip && skip[k]; k++) {
            skipped = skipped || !strcmp(p->key, skip[k]);
        }
        if (skipped || !is_filter(p->key)) {
            continue;
        }
        if (xe_filter_match(cls, empty, NULL, p->key, p->value, &why) == -EINVAL) {
            r = xe_fail_internal(run, "%s '%s'", why, p->key);
        }
    }
    xr_free(empty);
    return r;
}

int xe_select(struct xe_run *run, const struct xe_class *cls, const char *const *skip,
              struct xr_value **records, struct xr_value **selected)
{
    char method[96];
    struct xr_value *all = NULL, *sel = NULL;
    bool every = xe_args_bool(run->args, "all", false);
    int r = check_filters(run, cls, skip);

    *records = NULL;
    *selected = NULL;
    if (r < 0) {
        return r;
    }
    snprintf(method, sizeof method, "%s.get_all_records", cls->wire);
    r = xe_call(run, method, xe_params(""), &all);
    if (r == 0 && xr_type(all) != XR_STRUCT) {
        r = -EBADMSG;
        xe_cmd_report(NULL, r, run->err);
    }
    sel = r == 0 ? xr_struct() : NULL;
    if (r == 0 && !sel) {
        r = -ENOMEM;
    }
    for (size_t i = 0; r == 0 && i < xr_struct_len(all); i++) {
        const struct xr_value *rec = xr_struct_value(all, i);
        int ok = every ? 1 : record_selected(run, cls, rec, skip);

        if (ok < 0) {
            r = ok;
        } else if (ok) {
            r = xr_struct_set(sel, xr_struct_key(all, i), xr_copy(rec));
        }
    }
    if (r < 0) {
        xr_free(all);
        xr_free(sel);
        return r;
    }
    *records = all;
    *selected = sel;
    return 0;
}

static int print_records(struct xe_run *run, const struct xe_class *cls,
                         const struct xr_value *recs, const char *params, bool all_fields)
{
    size_t n = xr_struct_len(recs);
    struct xe_row *rows = calloc(n ? n : 1, sizeof *rows);
    int r = rows ? 0 : -ENOMEM;

    for (size_t i = 0; r == 0 && i < n; i++) {
        r = xe_row_build(cls, xr_struct_value(recs, i), &run->res, params, all_fields, &rows[i]);
    }
    if (r == 0 && run->minimal) {
        /* xe adds a table to the single --minimal line only when it has rows. */
        for (size_t i = 0; i < n; i++) {
            if (rows[i].n > 0) {
                xe_print_value(run, rows[i].values[0]);
            }
        }
    } else if (r == 0) {
        r = xe_print_rows(rows, n, false, run->out);
    }
    for (size_t i = 0; rows && i < n; i++) {
        xe_row_clear(&rows[i]);
    }
    free(rows);
    if (r < 0) {
        xe_cmd_report(NULL, r, run->err);
    }
    return r;
}

int xe_cmd_list(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    struct xr_value *all = NULL, *sel = NULL;
    int r = xe_select(run, cls, NULL, &all, &sel);

    if (r == 0) {
        r = print_records(run, cls, sel, xe_param(run, "params"), false);
    }
    xr_free(sel);
    if (all) {
        xe_cache_prime(run, cls->wire, all);
    }
    return r;
}

/* The record of the object "uuid" names, with its ref. */
static int get_record(struct xe_run *run, const struct xe_class *cls, char **ref,
                      struct xr_value **rec)
{
    char method[96];
    int r = xe_get_ref(run, cls->wire, xe_param(run, "uuid"), ref);

    *rec = NULL;
    if (r < 0) {
        return r;
    }
    snprintf(method, sizeof method, "%s.get_record", cls->wire);
    r = xe_call(run, method, xe_params("s", *ref), rec);
    if (r == 0 && xr_type(*rec) != XR_STRUCT) {
        r = -EBADMSG;
        xe_cmd_report(NULL, r, run->err);
    }
    if (r < 0) {
        free(*ref);
        *ref = NULL;
        xr_free(*rec);
        *rec = NULL;
    }
    return r;
}

int xe_cmd_param_list(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    struct xr_value *rec = NULL, *one = NULL;
    char *ref = NULL;
    int r = get_record(run, cls, &ref, &rec);

    if (r == 0) {
        one = xr_struct();
        r = one ? xr_struct_set(one, ref, rec) : -ENOMEM;
        rec = NULL;
    }
    if (r == 0) {
        r = print_records(run, cls, one, NULL, true);
    }
    xr_free(rec);
    xr_free(one);
    free(ref);
    return r;
}

int xe_cmd_param_get(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    const char *name = xe_param(run, "param-name");
    const char *key = xe_param(run, "param-key");
    const struct xe_field *f = xe_class_field(cls, name);
    struct xr_value *rec = NULL;
    struct sbuf text = SBUF_INIT;
    char *ref = NULL;
    int r = get_record(run, cls, &ref, &rec);

    if (r < 0) {
        return r;
    }
    if (!f || !xe_field_present(f, rec)) {
        const char *v[1] = {name};

        xe_err_format("Missing parameter", v, 1, run->err);
        r = -EINVAL;
    } else if (key && f->kind == XE_K_MAP) {
        const char *s = xr_get_string(xr_struct_get(xr_struct_get(rec, f->wire), key));

        if (s) {
            xe_print_value(run, s);
        } else {
            r = xe_fail_internal(run, "Key %s not found in map", key);
        }
    } else {
        r = xe_field_text(f, rec, &run->res, &text);
        if (r == 0) {
            xe_print_value(run, sbuf_str(&text));
        } else {
            xe_cmd_report(NULL, r, run->err);
        }
    }
    sbuf_free(&text);
    xr_free(rec);
    free(ref);
    return r;
}

/* The value of settable field "f" as its setter takes it, or NULL after a
 * message. */
static struct xr_value *setter_value(struct xe_run *run, const struct xe_field *f, const char *text)
{
    long long i;
    struct xr_value *arr;
    char *copy, *save = NULL;

    switch (f->vtype) {
    case XE_V_INT:
        if (xe_parse_int(text, &i) < 0) {
            xe_fail(run, "Failed to parse parameter '%s': expecting an integer", f->name);
            return NULL;
        }
        return xr_string(text);
    case XE_V_BOOL:
        if (strcasecmp(text, "true") && strcasecmp(text, "false")) {
            xe_fail(run, "Failed to parse parameter '%s': expecting a boolean (true or false)",
                    f->name);
            return NULL;
        }
        return xr_bool(!strcasecmp(text, "true"));
    case XE_V_LIST:
        arr = xr_array();
        copy = strdup(text);
        for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; arr && tok;
             tok = strtok_r(NULL, ",", &save)) {
            if (xr_array_append(arr, xr_string(tok)) < 0) {
                xr_free(arr);
                arr = NULL;
            }
        }
        if (!copy) {
            xr_free(arr);
            arr = NULL;
        }
        free(copy);
        return arr;
    case XE_V_STRING:
        break;
    }
    return xr_string(text);
}

/* One change of param-set, checked before any is made. */
struct change {
    const struct xe_field *f;
    const char *key; /* Map key, or NULL for a plain field. */
    const char *value;
};

static int plan_change(struct xe_run *run, const struct xe_class *cls, const struct xe_param *p,
                       struct change *c)
{
    const struct xe_field *f = xe_class_field(cls, p->key);
    const char *colon = strchr(p->key, ':');

    c->key = NULL;
    c->value = p->value;
    if (f) {
        c->f = f;
        if (f->setter && f->kind != XE_K_MAP) {
            return 0;
        }
        if (f->kind == XE_K_MAP && f->setter) {
            return xe_fail_internal(
                    run, "Field '%s' is a map or set. use the 'name:key=value' syntax.", p->key);
        }
        return xe_fail_internal(run, "Field '%s' is read-only.", p->key);
    }
    if (colon) {
        char name[128];

        snprintf(name, sizeof name, "%.*s", (int)(colon - p->key), p->key);
        f = xe_class_field(cls, name);
        c->f = f;
        c->key = colon + 1;
        if (f && f->kind == XE_K_MAP) {
            return f->setter ? 0 : xe_fail_internal(run, "Map field '%s' is read-only.", name);
        }
        if (f && (f->kind == XE_K_SET || f->kind == XE_K_REFS_UUID)) {
            return xe_fail_internal(run, "Cannot param-set on set fields");
        }
        if (f) {
            return xe_fail_internal(run, "Field '%s' is not a set or map", name);
        }
    }
    return xe_fail_internal(run, "Unknown field '%s'", p->key);
}

static int apply_change(struct xe_run *run, const struct xe_class *cls, const char *ref,
                        const struct xr_value *rec, const struct change *c)
{
    char method[128];
    struct xr_value *v;

    if (!c->key) {
        v = setter_value(run, c->f, c->value);
        if (!v) {
            return -EINVAL;
        }
        snprintf(method, sizeof method, "%s.%s", cls->wire, c->f->setter);
        return xe_call(run, method, xe_params("sv", ref, v), NULL);
    }
    if (c->f->access == XE_MRO) {
        /* A map changed one key at a time by a dedicated setter
         * (PIF.set_property, Bond.set_property). */
        snprintf(method, sizeof method, "%s.%s", cls->wire, c->f->setter);
        return xe_call(run, method, xe_params("sss", ref, c->key, c->value), NULL);
    }
    if (xr_struct_get(xr_struct_get(rec, c->f->wire), c->key)) {
        snprintf(method, sizeof method, "%s.remove_from_%s", cls->wire, c->f->setter);
        if (xe_call(run, method, xe_params("ss", ref, c->key), NULL) < 0) {
            return -EREMOTEIO;
        }
    }
    snprintf(method, sizeof method, "%s.add_to_%s", cls->wire, c->f->setter);
    return xe_call(run, method, xe_params("sss", ref, c->key, c->value), NULL);
}

int xe_cmd_param_set(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    struct change *changes = calloc(run->args->n_params + 1, sizeof *changes);
    struct xr_value *rec = NULL;
    size_t n = 0;
    char *ref = NULL;
    int r = changes ? 0 : -ENOMEM;

    for (size_t i = 0; r == 0 && i < run->args->n_params; i++) {
        const struct xe_param *p = &run->args->params[i];

        if (!strcmp(p->key, "uuid") || xe_args_is_std(p->key)) {
            continue;
        }
        r = plan_change(run, cls, p, &changes[n]);
        n++;
    }
    if (r == 0) {
        r = get_record(run, cls, &ref, &rec);
    }
    /* Values are checked before the first call, so that a bad one changes
     * nothing. */
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (!changes[i].key) {
            struct xr_value *v = setter_value(run, changes[i].f, changes[i].value);

            r = v ? 0 : -EINVAL;
            xr_free(v);
        }
    }
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = apply_change(run, cls, ref, rec, &changes[i]);
    }
    if (r == -ENOMEM) {
        xe_cmd_report(NULL, r, run->err);
    }
    free(changes);
    xr_free(rec);
    free(ref);
    return r;
}

/* Whether "f" is a map xe can add keys to and remove keys from. */
static bool map_writable(const struct xe_field *f)
{
    return f->kind == XE_K_MAP && f->access == XE_MRW;
}

/* Whether "f" is a set with add_<set> / remove_<set> methods. */
static bool set_writable(const struct xe_field *f)
{
    return f->kind == XE_K_SET && f->access == XE_SRW;
}

/* The field "param-name" names, or NULL after xe's message. */
static const struct xe_field *named_field(struct xe_run *run, const struct xe_class *cls)
{
    const char *name = xe_param(run, "param-name");
    const struct xe_field *f = xe_class_field(cls, name);

    if (!f) {
        const char *v[1] = {name};

        xe_err_format("Missing parameter", v, 1, run->err);
    }
    return f;
}

/* Calls <cls>.<verb>_<wire>(ref, args...) for a set or map "f": "add_to",
 * "remove_from" for maps, "add", "remove" for sets. */
static int member_call(struct xe_run *run, const struct xe_class *cls, const struct xe_field *f,
                       const char *verb, const char *ref, const char *key, const char *value)
{
    char method[128];

    snprintf(method, sizeof method, "%s.%s_%s", cls->wire, verb, f->wire);
    if (value) {
        return xe_call(run, method, xe_params("sss", ref, key, value), NULL);
    }
    return xe_call(run, method, xe_params("ss", ref, key), NULL);
}

int xe_cmd_param_add(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    const struct xe_field *f = named_field(run, cls);
    const char *key = xe_param(run, "param-key");
    char *ref = NULL;
    int r;

    if (!f) {
        return -EINVAL;
    }
    if (set_writable(f) && !key) {
        return xe_fail_internal(run, "When adding a key to a set, use the syntax: *-param-add "
                                     "param-name=<name> param-key=<key>");
    }
    if (!set_writable(f) && !map_writable(f)) {
        return xe_fail_internal(run, "%s",
                                f->kind == XE_K_MAP || f->kind == XE_K_SET ||
                                                f->kind == XE_K_REFS_UUID
                                        ? "Parameter is read-only"
                                        : "Can only add to parameters of type Set or "
                                          "Map");
    }
    r = xe_get_ref(run, cls->wire, xe_param(run, "uuid"), &ref);
    if (r == 0 && set_writable(f)) {
        r = member_call(run, cls, f, "add", ref, key, NULL);
    }
    for (size_t i = 0; r == 0 && map_writable(f) && i < run->args->n_params; i++) {
        const struct xe_param *p = &run->args->params[i];

        if (strcmp(p->key, "uuid") && strcmp(p->key, "param-name") && strcmp(p->key, "param-key") &&
            !xe_args_is_std(p->key)) {
            r = member_call(run, cls, f, "add_to", ref, p->key, p->value);
        }
    }
    free(ref);
    return r;
}

/* Whether the set or map "f" of "rec" holds "key". */
static bool holds(const struct xe_field *f, const struct xr_value *rec, const char *key)
{
    const struct xr_value *v = xr_struct_get(rec, f->wire);

    if (f->kind == XE_K_MAP) {
        return xr_struct_get(v, key) != NULL;
    }
    for (size_t i = 0; i < xr_array_len(v); i++) {
        const char *s = xr_get_string(xr_array_get(v, i));

        if (s && !strcmp(s, key)) {
            return true;
        }
    }
    return false;
}

int xe_cmd_param_remove(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    const struct xe_field *f = named_field(run, cls);
    const char *key = xe_param(run, "param-key");
    struct xr_value *rec = NULL;
    char *ref = NULL;
    int r;

    if (!f) {
        return -EINVAL;
    }
    if (!set_writable(f) && !map_writable(f)) {
        return xe_fail_internal(run, "%s",
                                f->kind == XE_K_MAP || f->kind == XE_K_SET ||
                                                f->kind == XE_K_REFS_UUID
                                        ? "Cannot remove parameters from read-only "
                                          "map"
                                        : "Can only remove from parameters of type "
                                          "Set or Map");
    }
    r = get_record(run, cls, &ref, &rec);
    if (r == 0 && !holds(f, rec, key)) {
        r = xe_fail_internal(
                run, f->kind == XE_K_MAP ? "Key %s is not in map" : "Key %s is not in the set",
                key);
    } else if (r == 0) {
        r = member_call(run, cls, f, f->kind == XE_K_MAP ? "remove_from" : "remove", ref, key,
                        NULL);
    }
    xr_free(rec);
    free(ref);
    return r;
}

int xe_cmd_param_clear(struct xe_run *run)
{
    const struct xe_class *cls = run->cmd->cls;
    const struct xe_field *f = named_field(run, cls);
    struct xr_value *rec = NULL;
    const struct xr_value *v;
    char *ref = NULL;
    int r;

    if (!f) {
        return -EINVAL;
    }
    if (!set_writable(f) && !map_writable(f)) {
        return xe_fail_internal(run, "Can only clear RW parameters");
    }
    r = get_record(run, cls, &ref, &rec);
    v = xr_struct_get(rec, f->wire);
    if (f->kind == XE_K_MAP) {
        for (size_t i = 0; r == 0 && i < xr_struct_len(v); i++) {
            r = member_call(run, cls, f, "remove_from", ref, xr_struct_key(v, i), NULL);
        }
    } else {
        for (size_t i = 0; r == 0 && i < xr_array_len(v); i++) {
            const char *s = xr_get_string(xr_array_get(v, i));

            r = s ? member_call(run, cls, f, "remove", ref, s, NULL) : 0;
        }
    }
    xr_free(rec);
    free(ref);
    return r;
}
