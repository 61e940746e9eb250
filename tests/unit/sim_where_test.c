/* Unit tests for xapi-bindings/sim/sim_where: XAPI's get_all_records_where
 * expression language (parser, precedence, escapes, errors, evaluation).
 *
 * The simulator's modules are not part of libxapi.a, so the module under
 * test is compiled into this program directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "sim/sim_where.h"

/* A record for the tests: a PIF-like row, values in XAPI's database form. */
static const char *const test_row[][2] = {
        {"device", "eth0"},      {"bridge", "xenbr0"},
        {"management", "true"},  {"physical", "false"},
        {"VLAN", "-1"},          {"name_label", "Pool-wide network associated with eth0"},
        {"other", "say \"hi\""}, {"empty", ""},
};

struct lookup_ctx {
    unsigned calls;
};

static int row_lookup(void *ctx, const char *field, struct sbuf *out)
{
    struct lookup_ctx *lc = ctx;

    if (lc) {
        lc->calls++;
    }
    for (size_t i = 0; i < sizeof test_row / sizeof test_row[0]; i++) {
        if (!strcmp(test_row[i][0], field)) {
            return sbuf_adds(out, test_row[i][1]);
        }
    }
    return -ENOENT;
}

/* Parses and evaluates "expr"; fails the test on any error. */
static bool matches(const char *expr)
{
    char err[128];
    struct sim_where *w = NULL;
    bool m = false;
    int r = sim_where_parse(expr, &w, err, sizeof err);

    if (r != 0) {
        fail_msg("parse of '%s' failed (%d): %s", expr, r, err);
    }
    assert_int_equal(sim_where_eval(w, row_lookup, NULL, &m, NULL), 0);
    sim_where_free(w);
    return m;
}

/* Expects "expr" to be rejected with "code"; returns the message. */
static void rejects(const char *expr, int code, const char *needle)
{
    char err[128];
    struct sim_where *w = NULL;
    int r = sim_where_parse(expr, &w, err, sizeof err);

    if (r != code) {
        fail_msg("parse of '%s' returned %d, wanted %d", expr, r, code);
    }
    assert_null(w);
    assert_non_null(strstr(err, needle));
    assert_null(strchr(err, '\n'));
}

static void test_field_equals(void **state)
{
    (void)state;
    assert_true(matches("field \"bridge\"=\"xenbr0\""));
    assert_false(matches("field \"bridge\"=\"xenbr1\""));
    assert_true(matches("field \"VLAN\"=\"-1\""));
    assert_true(matches("field \"empty\"=\"\""));
}

static void test_bool_fields_compare_lower_case(void **state)
{
    (void)state;
    assert_true(matches("field \"management\"=\"true\""));
    assert_false(matches("field \"management\"=\"True\""));
    assert_true(matches("field \"physical\"=\"false\""));
}

static void test_literal_and_field_sides(void **state)
{
    (void)state;
    /* Either side may be a literal or a field, as in XAPI's grammar. */
    assert_true(matches("\"xenbr0\"=field \"bridge\""));
    assert_true(matches("\"a\"=\"a\""));
    assert_false(matches("\"a\"=\"b\""));
    assert_false(matches("field \"device\"=field \"bridge\""));
    assert_true(matches("field \"device\"=field \"device\""));
}

static void test_constants(void **state)
{
    (void)state;
    assert_true(matches("true"));
    assert_false(matches("false"));
    assert_true(matches("not false"));
}

static void test_and(void **state)
{
    (void)state;
    assert_true(matches("field \"device\"=\"eth0\" and field \"management\"=\"true\""));
    assert_false(matches("field \"device\"=\"eth0\" and field \"management\"=\"false\""));
    assert_false(matches("false and true"));
}

static void test_or(void **state)
{
    (void)state;
    assert_true(matches("field \"device\"=\"eth1\" or field \"device\"=\"eth0\""));
    assert_false(matches("field \"device\"=\"eth1\" or field \"device\"=\"eth2\""));
    assert_true(matches("false or false or false or true"));
}

static void test_not(void **state)
{
    (void)state;
    assert_false(matches("not field \"device\"=\"eth0\""));
    assert_true(matches("not not field \"device\"=\"eth0\""));
    assert_true(matches("not (field \"device\"=\"eth9\")"));
}

/* XAPI's yacc grammar: "and" and "or" have equal precedence and fold to the
 * left, so `true or false and false` is `(true or false) and false`. */
static void test_and_or_same_precedence_left_assoc(void **state)
{
    (void)state;
    assert_false(matches("true or false and false"));
    assert_true(matches("false and false or true"));
    assert_true(matches("true or (false and false)"));
    assert_false(matches("true and false or false"));
}

/* "not" has the lowest precedence: it covers the rest of the expression. */
static void test_not_binds_loosest(void **state)
{
    (void)state;
    /* not (true and false) is true, (not true) and false is not. */
    assert_true(matches("not true and false"));
    assert_false(matches("(not true) and false"));
    /* true and not (false or true) = false. */
    assert_false(matches("true and not false or true"));
}

static void test_parentheses(void **state)
{
    (void)state;
    assert_true(matches("(field \"device\"=\"eth0\")"));
    assert_true(matches("((true))"));
    assert_false(matches("true and (false or false)"));
    assert_true(matches("(false or true) and (true or false)"));
}

static void test_blanks_and_no_separators(void **state)
{
    (void)state;
    /* XAPI skips space, tab and newline, and needs no blank after a keyword. */
    assert_true(matches("\tfield\n\"bridge\" = \"xenbr0\"\n"));
    assert_true(matches("field\"bridge\"=\"xenbr0\"and(true)"));
    assert_true(matches("  true  "));
}

static void test_escaped_quote(void **state)
{
    (void)state;
    assert_true(matches("field \"other\"=\"say \\\"hi\\\"\""));
    assert_false(matches("field \"other\"=\"say \\\"hi\""));
    /* A backslash before anything else is itself. */
    assert_true(matches("\"a\\b\"=\"a\\b\""));
}

static void test_long_or_list_is_flat(void **state)
{
    struct sbuf b = SBUF_INIT;

    (void)state;
    /* 2,000 alternatives: far more terms than the depth limit, still fine. */
    for (int i = 0; i < 2000; i++) {
        sbuf_addf(&b, "%sfield \"device\"=\"eth%d\"", i ? " or " : "", i + 1);
    }
    assert_false(matches(sbuf_str(&b)));
    sbuf_adds(&b, " or field \"device\"=\"eth0\"");
    assert_true(matches(sbuf_str(&b)));
    sbuf_free(&b);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    rejects("", -EINVAL, "expected an expression");
    rejects("   ", -EINVAL, "the end of the expression");
    rejects("field \"a\"", -EINVAL, "expected '='");
    rejects("field bridge=\"x\"", -EINVAL, "quoted field name");
    rejects("\"a\"=", -EINVAL, "offset 4");
    rejects("field \"a\"=\"b", -EINVAL, "unterminated string");
    rejects("(true", -EINVAL, "expected ')'");
    rejects("true)", -EINVAL, "found ')'");
    rejects("true and", -EINVAL, "expected an expression");
    rejects("field \"a\"<>\"b\"", -EINVAL, "found '<'");
    rejects("field \"a\"==\"b\"", -EINVAL, "found '='");
    rejects("TRUE", -EINVAL, "found 'T'");
    rejects("true true", -EINVAL, "'and', 'or'");
    rejects("field \"a\"=\"b\" \r", -EINVAL, "byte 0x0d");
    rejects("field \"a\"=field", -EINVAL, "quoted field name");
}

static void test_depth_limit(void **state)
{
    struct sbuf b = SBUF_INIT;
    struct sim_where *w = NULL;

    (void)state;
    for (int i = 0; i < SIM_WHERE_MAX_DEPTH + 5; i++) {
        sbuf_addc(&b, '(');
    }
    rejects(sbuf_str(&b), -E2BIG, "nested deeper");
    sbuf_reset(&b);
    for (int i = 0; i < 100000; i++) {
        sbuf_adds(&b, "not ");
    }
    sbuf_adds(&b, "true");
    rejects(sbuf_str(&b), -E2BIG, "nested deeper");
    /* Alternating operators nest one level per change. */
    sbuf_reset(&b);
    sbuf_adds(&b, "true");
    for (int i = 0; i < 200; i++) {
        sbuf_adds(&b, i % 2 ? " and true" : " or true");
    }
    rejects(sbuf_str(&b), -E2BIG, "nested deeper");
    /* Just under the limit parses. */
    sbuf_reset(&b);
    for (int i = 0; i < SIM_WHERE_MAX_DEPTH - 1; i++) {
        sbuf_addc(&b, '(');
    }
    sbuf_adds(&b, "true");
    for (int i = 0; i < SIM_WHERE_MAX_DEPTH - 1; i++) {
        sbuf_addc(&b, ')');
    }
    assert_int_equal(sim_where_parse(sbuf_str(&b), &w, NULL, 0), 0);
    sim_where_free(w);
    sbuf_free(&b);
}

static void test_missing_field(void **state)
{
    struct sim_where *w = NULL;
    const char *missing = NULL;
    bool m = true;

    (void)state;
    assert_int_equal(sim_where_parse("field \"nope\"=\"x\"", &w, NULL, 0), 0);
    assert_int_equal(sim_where_eval(w, row_lookup, NULL, &m, &missing), -ENOENT);
    assert_false(m);
    assert_string_equal(missing, "nope");
    sim_where_free(w);
}

static void test_short_circuit(void **state)
{
    struct sim_where *w = NULL;
    struct lookup_ctx lc = {0};
    bool m = true;

    (void)state;
    /* As in XAPI, the right operand is not evaluated when the left decides,
     * so its missing field is no error. */
    assert_int_equal(sim_where_parse("false and field \"nope\"=\"x\"", &w, NULL, 0), 0);
    assert_int_equal(sim_where_eval(w, row_lookup, &lc, &m, NULL), 0);
    assert_false(m);
    assert_int_equal(lc.calls, 0);
    sim_where_free(w);
    assert_int_equal(
            sim_where_parse("field \"device\"=\"eth0\" or field \"nope\"=\"x\"", &w, NULL, 0), 0);
    assert_int_equal(sim_where_eval(w, row_lookup, &lc, &m, NULL), 0);
    assert_true(m);
    assert_int_equal(lc.calls, 1);
    sim_where_free(w);
}

static void test_free_null(void **state)
{
    bool m = true;

    (void)state;
    sim_where_free(NULL);
    assert_int_equal(sim_where_eval(NULL, row_lookup, NULL, &m, NULL), -EINVAL);
    assert_false(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_field_equals),
            cmocka_unit_test(test_bool_fields_compare_lower_case),
            cmocka_unit_test(test_literal_and_field_sides),
            cmocka_unit_test(test_constants),
            cmocka_unit_test(test_and),
            cmocka_unit_test(test_or),
            cmocka_unit_test(test_not),
            cmocka_unit_test(test_and_or_same_precedence_left_assoc),
            cmocka_unit_test(test_not_binds_loosest),
            cmocka_unit_test(test_parentheses),
            cmocka_unit_test(test_blanks_and_no_separators),
            cmocka_unit_test(test_escaped_quote),
            cmocka_unit_test(test_long_or_list_is_flat),
            cmocka_unit_test(test_syntax_errors),
            cmocka_unit_test(test_depth_limit),
            cmocka_unit_test(test_missing_field),
            cmocka_unit_test(test_short_circuit),
            cmocka_unit_test(test_free_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
