/* OVSDB types and values for xvs-vsctl: schema types, the command-line value
 * syntax and ovs-vsctl's printed form (see vsctl_value.h). */
#include "vsctl_value.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static char *fmt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_err(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    return s;
}

static enum vval_atype atype_from_name(const char *n)
{
    if (!strcmp(n, "integer")) {
        return VVAL_INTEGER;
    } else if (!strcmp(n, "real")) {
        return VVAL_REAL;
    } else if (!strcmp(n, "boolean")) {
        return VVAL_BOOLEAN;
    } else if (!strcmp(n, "string")) {
        return VVAL_STRING;
    } else if (!strcmp(n, "uuid")) {
        return VVAL_UUID;
    }
    return VVAL_VOID;
}

static int base_from_schema(const json_t *j, struct vval_base *b)
{
    memset(b, 0, sizeof(*b));
    b->min_int = LLONG_MIN;
    b->max_int = LLONG_MAX;
    if (json_is_string(j)) {
        b->type = atype_from_name(json_string_value(j));
        return b->type == VVAL_VOID ? -EINVAL : 0;
    }
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "type"))) {
        return -EINVAL;
    }
    b->type = atype_from_name(json_string_value(json_object_get(j, "type")));
    if (b->type == VVAL_VOID) {
        return -EINVAL;
    }
    const json_t *e = json_object_get(j, "enum");
    if (e) {
        /* Enums are a set in wire form: ["set", [...]] or one atom. */
        b->enums = e;
    }
    if (json_is_integer(json_object_get(j, "minInteger"))) {
        b->min_int = json_integer_value(json_object_get(j, "minInteger"));
    }
    if (json_is_integer(json_object_get(j, "maxInteger"))) {
        b->max_int = json_integer_value(json_object_get(j, "maxInteger"));
    }
    if (json_is_string(json_object_get(j, "refTable"))) {
        b->ref_table = json_string_value(json_object_get(j, "refTable"));
    }
    return 0;
}

int vval_type_from_schema(const json_t *tj, struct vval_type *t)
{
    memset(t, 0, sizeof(*t));
    t->min = 1;
    t->max = 1;
    if (json_is_string(tj)) {
        return base_from_schema(tj, &t->key);
    }
    if (!json_is_object(tj) || base_from_schema(json_object_get(tj, "key"), &t->key) < 0) {
        return -EINVAL;
    }
    if (json_object_get(tj, "value") &&
        base_from_schema(json_object_get(tj, "value"), &t->value) < 0) {
        return -EINVAL;
    }
    const json_t *mn = json_object_get(tj, "min");
    const json_t *mx = json_object_get(tj, "max");
    if (json_is_integer(mn)) {
        t->min = (unsigned)json_integer_value(mn);
    }
    if (json_is_integer(mx)) {
        t->max = (unsigned)json_integer_value(mx);
    } else if (json_is_string(mx) && !strcmp(json_string_value(mx), "unlimited")) {
        t->max = UINT_MAX;
    }
    return 0;
}

static int type_rank(const json_t *a)
{
    if (json_is_integer(a)) {
        return 1;
    } else if (json_is_real(a)) {
        return 2;
    } else if (json_is_boolean(a)) {
        return 3;
    } else if (json_is_string(a)) {
        return 4;
    }
    return 5;
}

static const char *uuid_of(const json_t *a)
{
    if (json_is_array(a) && json_array_size(a) == 2 && json_is_string(json_array_get(a, 1))) {
        return json_string_value(json_array_get(a, 1));
    }
    return "";
}

int vval_atom_cmp(const json_t *a, const json_t *b)
{
    int ra = type_rank(a), rb = type_rank(b);

    if (ra != rb) {
        return ra < rb ? -1 : 1;
    }
    switch (ra) {
    case 1: {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    case 2: {
        double x = json_real_value(a), y = json_real_value(b);
        return x < y ? -1 : x > y;
    }
    case 3:
        return (int)json_is_true(a) - (int)json_is_true(b);
    case 4:
        return strcmp(json_string_value(a), json_string_value(b));
    default:
        return strcmp(uuid_of(a), uuid_of(b));
    }
}

static int cmp_keyed(const json_t *a, const json_t *b, bool is_map)
{
    if (is_map) {
        return vval_atom_cmp(json_array_get(a, 0), json_array_get(b, 0));
    }
    return vval_atom_cmp(a, b);
}

void vval_normalize(json_t *datum, bool is_map)
{
    size_t n = json_array_size(datum);

    /* Insertion sort keeps the first of equal keys first; data sets are small. */
    for (size_t i = 1; i < n; i++) {
        json_t *x = json_incref(json_array_get(datum, i));
        size_t j = i;
        while (j > 0 && cmp_keyed(json_array_get(datum, j - 1), x, is_map) > 0) {
            json_array_set(datum, j, json_array_get(datum, j - 1));
            j--;
        }
        json_array_set_new(datum, j, x);
    }
    for (size_t i = 1; i < json_array_size(datum);) {
        if (!cmp_keyed(json_array_get(datum, i - 1), json_array_get(datum, i), is_map)) {
            json_array_remove(datum, i);
        } else {
            i++;
        }
    }
}

static bool is_atom(const json_t *j)
{
    if (json_is_array(j)) {
        return json_array_size(j) == 2 && json_is_string(json_array_get(j, 0)) &&
               (!strcmp(json_string_value(json_array_get(j, 0)), "uuid") ||
                !strcmp(json_string_value(json_array_get(j, 0)), "named-uuid"));
    }
    return json_is_number(j) || json_is_boolean(j) || json_is_string(j);
}

json_t *vval_from_wire(const json_t *wire, const struct vval_type *t)
{
    json_t *d = json_array();
    bool map = vval_is_map(t);

    if (!d) {
        return NULL;
    }
    const char *tag = json_is_array(wire) ? json_string_value(json_array_get(wire, 0)) : NULL;
    if (tag && (!strcmp(tag, "set") || !strcmp(tag, "map"))) {
        const json_t *elems = json_array_get(wire, 1);
        size_t i;
        const json_t *e;
        if (!json_is_array(elems)) {
            goto bad;
        }
        json_array_foreach(elems, i, e)
        {
            if (map ? !(json_is_array(e) && json_array_size(e) == 2) : !is_atom(e)) {
                goto bad;
            }
            json_array_append(d, (json_t *)e);
        }
    } else if (!map && is_atom(wire)) {
        json_array_append(d, (json_t *)wire);
    } else {
        goto bad;
    }
    vval_normalize(d, map);
    return d;
bad:
    json_decref(d);
    return NULL;
}

json_t *vval_to_wire(const json_t *datum, const struct vval_type *t)
{
    if (vval_is_map(t)) {
        return json_pack("[sO]", "map", datum);
    }
    if (json_array_size(datum) == 1) {
        return json_incref(json_array_get(datum, 0));
    }
    return json_pack("[sO]", "set", datum);
}

bool vval_is_uuid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};

    if (strlen(s) != 36) {
        return false;
    }
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-') {
                return false;
            }
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

static bool enum_contains(const json_t *enums, const json_t *atom)
{
    const json_t *list = enums;
    size_t i;
    const json_t *e;

    if (json_is_array(enums) && json_is_string(json_array_get(enums, 0)) &&
        !strcmp(json_string_value(json_array_get(enums, 0)), "set")) {
        list = json_array_get(enums, 1);
    } else {
        return vval_atom_cmp(enums, atom) == 0;
    }
    json_array_foreach(list, i, e)
    {
        if (!vval_atom_cmp(e, atom)) {
            return true;
        }
    }
    return false;
}

int vval_check_atom(const struct vval_base *b, const json_t *atom, char **err)
{
    if (b->enums && !enum_contains(b->enums, atom)) {
        struct sbuf s = SBUF_INIT;
        json_t *all = json_is_array(b->enums) && json_array_size(b->enums) == 2 &&
                                      json_is_array(json_array_get(b->enums, 1))
                              ? json_deep_copy(json_array_get(b->enums, 1))
                              : json_pack("[O]", b->enums);
        if (all) {
            vval_normalize(all, false);
        }
        vval_atom_format(atom, &s);
        sbuf_adds(&s, " is not one of the allowed values ([");
        for (size_t i = 0; all && i < json_array_size(all); i++) {
            sbuf_adds(&s, i ? ", " : "");
            vval_atom_format(json_array_get(all, i), &s);
        }
        sbuf_adds(&s, "])");
        json_decref(all);
        *err = fmt_err("constraint violation: %s", sbuf_str(&s));
        sbuf_free(&s);
        return -EINVAL;
    }
    if (b->type == VVAL_INTEGER) {
        long long v = json_integer_value(atom);
        if (v < b->min_int || v > b->max_int) {
            if (b->max_int == LLONG_MAX) {
                *err = fmt_err("constraint violation: %lld is less than minimum allowed value %lld",
                               v, b->min_int);
            } else if (b->min_int == LLONG_MIN) {
                *err = fmt_err(
                        "constraint violation: %lld is greater than maximum allowed value %lld", v,
                        b->max_int);
            } else {
                *err = fmt_err("constraint violation: %lld is not in the valid range %lld to %lld "
                               "(inclusive)",
                               v, b->min_int, b->max_int);
            }
            return -EINVAL;
        }
    }
    return 0;
}

static json_t *parse_atom_raw(const struct vval_base *b, const char *s, struct vval_symtab *syms,
                              char **err)
{
    char *end = NULL;

    switch (b->type) {
    case VVAL_INTEGER: {
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (!*s || *end || errno) {
            *err = fmt_err("\"%s\" is not a valid integer", s);
            return NULL;
        }
        return json_integer(v);
    }
    case VVAL_REAL: {
        errno = 0;
        double v = strtod(s, &end);
        if (!*s || *end || errno || !isfinite(v)) {
            *err = fmt_err("\"%s\" is not a valid real number", s);
            return NULL;
        }
        return json_real(v);
    }
    case VVAL_BOOLEAN:
        if (!strcmp(s, "true")) {
            return json_true();
        } else if (!strcmp(s, "false")) {
            return json_false();
        }
        *err = fmt_err("\"%s\" is not a valid boolean (use \"true\" or \"false\")", s);
        return NULL;
    case VVAL_STRING:
        return json_string(s);
    case VVAL_UUID:
        if (*s == '@' && syms) {
            json_t *sym = json_object_get(syms->symbols, s);
            if (!sym) {
                char u[37];
                syms->new_uuid(u, syms->arg);
                sym = json_pack("{sssb}", "uuid", u, "created", 0);
                if (!sym || json_object_set_new(syms->symbols, s, sym) < 0) {
                    *err = fmt_err("out of memory");
                    return NULL;
                }
            }
            return json_pack("[sO]", "uuid", json_object_get(sym, "uuid"));
        }
        if (!vval_is_uuid(s)) {
            *err = fmt_err("\"%s\" is not a valid UUID", s);
            return NULL;
        }
        return json_pack("[ss]", "uuid", s);
    default:
        *err = fmt_err("invalid type");
        return NULL;
    }
}

/* Unquotes a JSON-style quoted string (with the quotes) into a new string. */
static char *unquote(const char *s, size_t len, char **err)
{
    char *buf = malloc(len + 3);
    json_error_t je;

    if (!buf) {
        return NULL;
    }
    /* Wrap in brackets so jansson decodes a bare string. */
    buf[0] = '[';
    memcpy(buf + 1, s, len);
    buf[len + 1] = ']';
    buf[len + 2] = '\0';
    json_t *j = json_loads(buf, 0, &je);
    free(buf);
    if (!j || !json_is_string(json_array_get(j, 0))) {
        json_decref(j);
        *err = fmt_err("%.*s: invalid quoted string", (int)len, s);
        return NULL;
    }
    char *out = strdup(json_string_value(json_array_get(j, 0)));
    json_decref(j);
    return out;
}

json_t *vval_parse_atom(const struct vval_base *b, const char *s, struct vval_symtab *syms,
                        char **err)
{
    json_t *atom;

    *err = NULL;
    if (*s == '\0' && b->type == VVAL_STRING) {
        *err = fmt_err("An empty string is not valid as input; use \"\" to represent the empty "
                       "string");
        return NULL;
    }
    if (*s == '"') {
        size_t n = strlen(s);
        if (n < 2 || s[n - 1] != '"') {
            *err = fmt_err("%s: missing quote at end of quoted string", s);
            return NULL;
        }
        char *u = unquote(s, n, err);
        if (!u) {
            return NULL;
        }
        atom = b->type == VVAL_STRING ? json_string(u) : parse_atom_raw(b, u, syms, err);
        free(u);
    } else {
        atom = parse_atom_raw(b, s, syms, err);
    }
    if (atom && vval_check_atom(b, atom, err) < 0) {
        json_decref(atom);
        return NULL;
    }
    return atom;
}

static bool is_delim(char c)
{
    return c == '\0' || strchr(":=, []{}!<>", c) || isspace((unsigned char)c);
}

/* Returns the raw token (quoted form kept) so that vval_parse_atom() decides. */
static char *raw_token(const char **pp, char **err)
{
    const char *p = *pp;
    const char *start = p;

    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1]) {
                p++;
            }
            p++;
        }
        if (*p != '"') {
            *err = fmt_err("%s: missing quote at end of quoted string", start);
            return NULL;
        }
        p++;
    } else {
        while (!is_delim(*p)) {
            p++;
        }
        if (p == start) {
            *err = fmt_err("%s: syntax error at \"%c\"", *pp, *p ? *p : ' ');
            return NULL;
        }
    }
    *pp = p;
    return strndup(start, (size_t)(p - start));
}

char *vval_token(const char **p, char **err)
{
    char *raw = raw_token(p, err);

    if (raw && raw[0] == '"') {
        char *u = unquote(raw, strlen(raw), err);
        free(raw);
        return u;
    }
    return raw;
}

static const char *skip_ws(const char *p)
{
    while (isspace((unsigned char)*p)) {
        p++;
    }
    return p;
}

static json_t *parse_elem(const struct vval_base *b, const char **p, struct vval_symtab *syms,
                          char **err)
{
    char *tok = raw_token(p, err);
    json_t *a;

    if (!tok) {
        return NULL;
    }
    a = vval_parse_atom(b, tok, syms, err);
    free(tok);
    return a;
}

json_t *vval_parse_datum(const struct vval_type *t, const char *s, bool loose,
                         struct vval_symtab *syms, char **err)
{
    bool map = vval_is_map(t);
    json_t *d = json_array();
    const char *p = skip_ws(s);
    char close = 0;

    *err = NULL;
    if (!d) {
        return NULL;
    }
    if (*p == (map ? '{' : '[')) {
        close = map ? '}' : ']';
        p = skip_ws(p + 1);
    } else if (!*p) {
        *err = fmt_err(map ? "use \"{}\" to specify the empty map"
                           : "use \"[]\" to specify the empty set");
        goto bad;
    }
    while (*p && *p != close) {
        json_t *k = parse_elem(&t->key, &p, syms, err);
        if (!k) {
            goto bad;
        }
        if (map) {
            p = skip_ws(p);
            if (*p != '=') {
                json_decref(k);
                *err = fmt_err("%s: syntax error at \"%c\"", s, *p ? *p : ' ');
                goto bad;
            }
            p = skip_ws(p + 1);
            json_t *v = parse_elem(&t->value, &p, syms, err);
            if (!v) {
                json_decref(k);
                goto bad;
            }
            json_array_append_new(d, json_pack("[oo]", k, v));
        } else {
            json_array_append_new(d, k);
        }
        p = skip_ws(p);
        if (*p == ',') {
            p = skip_ws(p + 1);
        } else if (*p && *p != close) {
            *err = fmt_err("%s: syntax error at \"%c\"", s, *p);
            goto bad;
        }
    }
    if (close) {
        if (*p != close) {
            *err = fmt_err("%s: missing \"%c\" at end of data", s, close);
            goto bad;
        }
        p = skip_ws(p + 1);
    }
    if (*p) {
        *err = fmt_err("%s: trailing garbage after data", s);
        goto bad;
    }
    size_t n = json_array_size(d);
    vval_normalize(d, map);
    if (json_array_size(d) != n) {
        *err = fmt_err("%s: contains duplicate %s", s, map ? "key" : "value");
        goto bad;
    }
    if (!loose && (n < t->min || n > t->max)) {
        *err = fmt_err("\"%s\" is not a valid value for a column that takes %u to %u values", s,
                       t->min, t->max);
        goto bad;
    }
    return d;
bad:
    json_decref(d);
    return NULL;
}

static bool string_needs_quotes(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (!isalpha(*p) && *p != '_') {
        return true;
    }
    for (p++; *p; p++) {
        if (!isalnum(*p) && *p != '_' && *p != '-' && *p != '.') {
            return true;
        }
    }
    return !strcmp(s, "true") || !strcmp(s, "false") || vval_is_uuid(s);
}

void vval_string_format(const char *s, struct sbuf *out)
{
    if (!string_needs_quotes(s)) {
        sbuf_adds(out, s);
        return;
    }
    json_t *j = json_string(s);
    char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    sbuf_adds(out, q ? q : "\"\"");
    free(q);
    json_decref(j);
}

void vval_atom_format(const json_t *a, struct sbuf *out)
{
    if (json_is_integer(a)) {
        sbuf_addf(out, "%lld", (long long)json_integer_value(a));
    } else if (json_is_real(a)) {
        sbuf_addf(out, "%.*g", DBL_DIG, json_real_value(a));
    } else if (json_is_boolean(a)) {
        sbuf_adds(out, json_is_true(a) ? "true" : "false");
    } else if (json_is_string(a)) {
        vval_string_format(json_string_value(a), out);
    } else {
        sbuf_adds(out, uuid_of(a));
    }
}

void vval_datum_format(const json_t *d, const struct vval_type *t, struct sbuf *out)
{
    bool map = vval_is_map(t);
    bool brackets = t->max > 1 || json_array_size(d) == 0;

    if (brackets) {
        sbuf_addc(out, map ? '{' : '[');
    }
    for (size_t i = 0; i < json_array_size(d); i++) {
        const json_t *e = json_array_get(d, i);
        if (i) {
            sbuf_adds(out, ", ");
        }
        if (map) {
            vval_atom_format(json_array_get(e, 0), out);
            sbuf_addc(out, '=');
            vval_atom_format(json_array_get(e, 1), out);
        } else {
            vval_atom_format(e, out);
        }
    }
    if (brackets) {
        sbuf_addc(out, map ? '}' : ']');
    }
}

static json_t *default_atom(enum vval_atype type)
{
    switch (type) {
    case VVAL_INTEGER:
        return json_integer(0);
    case VVAL_REAL:
        return json_real(0.0);
    case VVAL_BOOLEAN:
        return json_false();
    case VVAL_STRING:
        return json_string("");
    default:
        return json_pack("[ss]", "uuid", "00000000-0000-0000-0000-000000000000");
    }
}

json_t *vval_default(const struct vval_type *t)
{
    json_t *d = json_array();

    if (d && t->min == 1) {
        if (vval_is_map(t)) {
            json_array_append_new(
                    d, json_pack("[oo]", default_atom(t->key.type), default_atom(t->value.type)));
        } else {
            json_array_append_new(d, default_atom(t->key.type));
        }
    }
    return d;
}

bool vval_is_default(const json_t *d, const struct vval_type *t)
{
    json_t *def = vval_default(t);
    bool eq = json_equal((json_t *)d, def);

    json_decref(def);
    return eq;
}
