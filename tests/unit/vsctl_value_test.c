/* Unit tests for lib/vsctl_value.c: schema types, the command-line
 * value syntax, constraint checks and ovs-vsctl's printed form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "vsctl_value.h"

/* Types keep pointers into their schema JSON, so those stay alive until the group ends. */
static json_t *schemas;

static int setup(void **state)
{
    (void)state;
    schemas = json_array();
    return schemas ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(schemas);
    return 0;
}

static struct vval_type type_of(const char *json)
{
    struct vval_type t;
    json_error_t e;
    json_t *j = json_loads(json, JSON_DECODE_ANY, &e);

    assert_non_null(j);
    json_array_append_new(schemas, j);
    assert_int_equal(vval_type_from_schema(j, &t), 0);
    return t;
}

static char *fmt_datum(const json_t *d, const struct vval_type *t)
{
    struct sbuf s = SBUF_INIT;
    vval_datum_format(d, t, &s);
    return sbuf_steal(&s, NULL);
}

/* Parses s as type t and returns the printed form (or "ERR: message"). */
static char *roundtrip(const struct vval_type *t, const char *s)
{
    char *err = NULL;
    json_t *d = vval_parse_datum(t, s, false, NULL, &err);
    char *out;

    if (!d) {
        if (asprintf(&out, "ERR: %s", err ? err : "?") < 0) {
            out = NULL;
        }
        free(err);
        return out;
    }
    out = fmt_datum(d, t);
    json_decref(d);
    return out;
}

static void check_rt(const struct vval_type *t, const char *in, const char *want)
{
    char *got = roundtrip(t, in);
    assert_string_equal(got, want);
    free(got);
}

static void test_scalars(void **state)
{
    (void)state;
    struct vval_type str = type_of("\"string\"");
    struct vval_type i = type_of("\"integer\"");
    struct vval_type b = type_of("\"boolean\"");
    struct vval_type r = type_of("\"real\"");

    check_rt(&str, "br0", "br0");
    check_rt(&str, "\"00:11:22:33:44:55\"", "\"00:11:22:33:44:55\"");
    check_rt(&str, "\"a b\"", "\"a b\"");
    check_rt(&str, "\"true\"", "\"true\"");
    check_rt(&str, "\"\"", "\"\"");
    check_rt(&str, "_x-y.z9", "_x-y.z9");
    check_rt(&str, "9abc", "\"9abc\"");
    check_rt(&i, "42", "42");
    check_rt(&i, "-7", "-7");
    check_rt(&i, "4x", "ERR: \"4x\" is not a valid integer");
    check_rt(&b, "true", "true");
    check_rt(&b, "maybe", "ERR: \"maybe\" is not a valid boolean (use \"true\" or \"false\")");
    check_rt(&r, "1.5", "1.5");
    check_rt(&str, "", "ERR: use \"[]\" to specify the empty set");
}

static void test_sets_and_maps(void **state)
{
    (void)state;
    struct vval_type set = type_of("{\"key\":{\"type\":\"integer\",\"minInteger\":0,"
                                   "\"maxInteger\":4095},\"min\":0,\"max\":4096}");
    struct vval_type opt = type_of("{\"key\":\"integer\",\"min\":0,\"max\":1}");
    struct vval_type map = type_of("{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
                                   "\"max\":\"unlimited\"}");

    check_rt(&set, "[3, 1,2]", "[1, 2, 3]");
    check_rt(&set, "3,1", "[1, 3]");
    check_rt(&set, "[]", "[]");
    check_rt(&set, "5000",
             "ERR: constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)");
    check_rt(&set, "[1,1]", "ERR: [1,1]: contains duplicate value");
    check_rt(&opt, "[]", "[]");
    check_rt(&opt, "7", "7");
    check_rt(&opt, "[7,8]",
             "ERR: \"[7,8]\" is not a valid value for a column that takes 0 to 1 "
             "values");
    check_rt(&map, "{b=2, a=\"x y\"}", "{a=\"x y\", b=\"2\"}");
    check_rt(&map, "{}", "{}");
    check_rt(&map, "hwaddr=\"00:11\"", "{hwaddr=\"00:11\"}");
    check_rt(&map, "{a=1", "ERR: {a=1: missing \"}\" at end of data");
    check_rt(&map, "{a}", "ERR: {a}: syntax error at \"}\"");
    check_rt(&map, "{a=\"unterminated}",
             "ERR: \"unterminated}: missing quote at end of quoted "
             "string");
}

static void test_enum(void **state)
{
    (void)state;
    struct vval_type t = type_of("{\"key\":{\"type\":\"string\",\"enum\":[\"set\",[\"standalone\","
                                 "\"secure\"]]},\"min\":0,\"max\":1}");

    check_rt(&t, "secure", "secure");
    check_rt(&t, "bogus",
             "ERR: constraint violation: bogus is not one of the allowed values "
             "([secure, standalone])");
}

static void fixed_uuid(char out[37], void *arg)
{
    int *n = arg;
    snprintf(out, 37, "00000000-0000-4000-8000-%012d", ++*n);
}

static void test_symbols_and_uuids(void **state)
{
    (void)state;
    struct vval_type t = type_of("{\"key\":{\"type\":\"uuid\",\"refTable\":\"Port\"},\"min\":0,"
                                 "\"max\":\"unlimited\"}");
    int n = 0;
    struct vval_symtab syms = {json_object(), fixed_uuid, &n};
    char *err = NULL;
    json_t *d = vval_parse_datum(&t, "[@p, @p, 5bd3b2f6-9c11-4b2c-9f6e-3bb5b4a2f2d1]", false, &syms,
                                 &err);

    /* "@p" twice is the same symbol: a duplicate. */
    assert_null(d);
    assert_non_null(strstr(err, "duplicate"));
    free(err);
    d = vval_parse_datum(&t, "[@p,5bd3b2f6-9c11-4b2c-9f6e-3bb5b4a2f2d1]", false, &syms, &err);
    assert_non_null(d);
    assert_int_equal(json_array_size(d), 2);
    assert_int_equal(json_object_size(syms.symbols), 1);
    char *s = fmt_datum(d, &t);
    assert_string_equal(s, "[00000000-0000-4000-8000-000000000001, "
                           "5bd3b2f6-9c11-4b2c-9f6e-3bb5b4a2f2d1]");
    free(s);
    json_decref(d);
    d = vval_parse_datum(&t, "not-a-uuid", false, &syms, &err);
    assert_null(d);
    assert_string_equal(err, "\"not-a-uuid\" is not a valid UUID");
    free(err);
    json_decref(syms.symbols);
}

static void test_wire(void **state)
{
    (void)state;
    struct vval_type map = type_of("{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
                                   "\"max\":\"unlimited\"}");
    struct vval_type opt = type_of("{\"key\":\"string\",\"min\":0,\"max\":1}");
    json_error_t e;
    json_t *w = json_loads("[\"map\",[[\"b\",\"2\"],[\"a\",\"1\"]]]", 0, &e);
    json_t *d = vval_from_wire(w, &map);
    json_t *back;

    assert_non_null(d);
    assert_string_equal(json_string_value(json_array_get(json_array_get(d, 0), 0)), "a");
    back = vval_to_wire(d, &map);
    assert_string_equal(json_string_value(json_array_get(back, 0)), "map");
    json_decref(back);
    json_decref(d);
    json_decref(w);

    w = json_loads("[\"set\",[]]", 0, &e);
    d = vval_from_wire(w, &opt);
    assert_int_equal(json_array_size(d), 0);
    assert_true(vval_is_default(d, &opt));
    json_decref(d);
    json_decref(w);
    w = json_string("x");
    d = vval_from_wire(w, &opt);
    back = vval_to_wire(d, &opt);
    assert_true(json_equal(back, w));
    json_decref(back);
    json_decref(d);
    json_decref(w);
    /* Malformed wire values are rejected, not crashed on. */
    w = json_loads("[\"set\",7]", 0, &e);
    assert_null(vval_from_wire(w, &opt));
    json_decref(w);
    w = json_loads("{\"a\":1}", 0, &e);
    assert_null(vval_from_wire(w, &opt));
    json_decref(w);
}

static void test_tokens(void **state)
{
    (void)state;
    const char *p = "other-config:\"a:b\"=c";
    char *err = NULL;
    char *t = vval_token(&p, &err);

    assert_string_equal(t, "other-config");
    free(t);
    assert_int_equal(*p, ':');
    p++;
    t = vval_token(&p, &err);
    assert_string_equal(t, "a:b");
    free(t);
    assert_string_equal(p, "=c");
    p = "=x";
    assert_null(vval_token(&p, &err));
    assert_non_null(err);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_scalars), cmocka_unit_test(test_sets_and_maps),
            cmocka_unit_test(test_enum),    cmocka_unit_test(test_symbols_and_uuids),
            cmocka_unit_test(test_wire),    cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
