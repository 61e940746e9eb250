/* Unit tests for xvs-dbd's fast paths: journal records written straight to
 * text (ovsdb_text), mutations that change a row's own datum in place and
 * check only what they add, columns checked once, the diffs a transaction
 * keeps, index keys, the binary search of datums, batched uuids and the
 * in-place default test.  Each fast path must give what the plain way gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../switchd/dbd/ovsdb_datum.h"
#include "../../switchd/dbd/ovsdb_db.h"
#include "../../switchd/dbd/ovsdb_exec.h"
#include "../../switchd/dbd/ovsdb_schema.h"
#include "../../switchd/dbd/ovsdb_text.h"
#include "jtext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *test_schema =
        "{\"name\": \"T\", \"version\": \"1.0.0\", \"tables\": {"
        " \"Root\": {\"isRoot\": true, \"columns\": {"
        "   \"kids\": {\"type\": {\"key\": {\"type\": \"uuid\", \"refTable\": \"Kid\"},"
        "                        \"min\": 0, \"max\": \"unlimited\"}},"
        "   \"watch1\": {\"type\": {\"key\": {\"type\": \"uuid\", \"refTable\": \"Kid\","
        "                        \"refType\": \"weak\"}, \"min\": 1, \"max\": \"unlimited\"}},"
        "   \"n\": {\"type\": \"integer\"},"
        "   \"r\": {\"type\": \"real\"},"
        "   \"b\": {\"type\": \"boolean\"},"
        "   \"s\": {\"type\": \"string\"},"
        "   \"ids\": {\"type\": {\"key\": \"string\", \"value\": \"string\", \"min\": 0,"
        "                       \"max\": \"unlimited\"}},"
        "   \"tags\": {\"type\": {\"key\": {\"type\": \"string\", \"maxLength\": 6},"
        "                        \"min\": 0, \"max\": 40}},"
        "   \"need\": {\"type\": {\"key\": {\"type\": \"integer\", \"minInteger\": 1},"
        "                        \"min\": 1, \"max\": 3}}}},"
        " \"Kid\": {\"indexes\": [[\"name\"]], \"columns\": {"
        "   \"name\": {\"type\": \"string\"}}},"
        " \"Num\": {\"isRoot\": true, \"indexes\": [[\"n\", \"s\"]], \"columns\": {"
        "   \"n\": {\"type\": \"integer\"}, \"s\": {\"type\": \"string\"}}}}}";

static int setup(void **state)
{
    struct ovsdb_schema *s;
    struct ovsdb_db *db;
    json_t *j = json_loads(test_schema, 0, NULL), *err = NULL;

    assert_non_null(j);
    assert_int_equal(ovsdb_schema_from_json(j, &s, &err), 0);
    json_decref(j);
    assert_int_equal(ovsdb_db_new(s, &db), 0);
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    ovsdb_db_free(*state);
    return 0;
}

/* Executes a transaction given as JSON text; returns its results (caller
 * frees), the exec status in *rc and the checked transaction in *txn (NULL
 * when it failed or changed nothing), not applied. */
static json_t *exec_text(struct ovsdb_db *db, const char *ops_text, int *rc, struct ovsdb_txn **txn,
                         json_t **comment)
{
    json_error_t jerr;
    json_t *ops = json_loads(ops_text, 0, &jerr), *results, *c = NULL;

    if (!ops) {
        fail_msg("bad test JSON: %s: %s", jerr.text, ops_text);
    }
    *rc = ovsdb_exec(db, ops, NULL, NULL, &results, txn, comment ? comment : &c);
    json_decref(c);
    json_decref(ops);
    return results;
}

/* Executes and applies; fails the test unless it succeeds. */
static void commit(struct ovsdb_db *db, const char *ops_text)
{
    struct ovsdb_txn *txn;
    int rc;
    json_t *res = exec_text(db, ops_text, &rc, &txn, NULL);

    if (rc) {
        char *s = json_dumps(res, 0);
        fail_msg("transaction failed: %s", s);
    }
    if (txn) {
        ovsdb_txn_apply(txn);
        ovsdb_txn_free(txn);
    }
    json_decref(res);
}

static const char *err_of(const json_t *results, size_t i)
{
    return json_string_value(json_object_get(json_array_get(results, i), "error"));
}

/* The text record of "txn" must read back as the JSON record. */
static void assert_record_matches(const struct ovsdb_txn *txn, const json_t *comment)
{
    struct sbuf b = SBUF_INIT;
    json_error_t jerr;
    json_t *parsed, *want = json_pack("{s:o}", "txn", ovsdb_txn_record(txn));

    if (comment) {
        json_object_set(want, "comment", (json_t *)comment);
    }
    assert_int_equal(ovsdb_text_txn_record(&b, txn, comment), 0);
    parsed = json_loads(sbuf_str(&b), 0, &jerr);
    if (!parsed) {
        fail_msg("record text does not parse: %s: %s", jerr.text, sbuf_str(&b));
    }
    if (!json_equal(parsed, want)) {
        char *w = json_dumps(want, JSON_SORT_KEYS), *g = json_dumps(parsed, JSON_SORT_KEYS);
        fail_msg("record differs:\nwant %s\ngot  %s", w, g);
    }
    json_decref(parsed);
    json_decref(want);
    sbuf_free(&b);
}

static void test_string_escapes(void **state)
{
    static const char *const cases[] = {
            "",
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\ncr\rtab\tbs\bff\f",
            "\x01\x1f\x7f",
            "caf\xc3\xa9 \xe2\x9c\x93",
            "a/b",
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sbuf b = SBUF_INIT;
        json_t *j;
        assert_int_equal(jtext_dump_string(cases[i], strlen(cases[i]), &b), 0);
        j = json_loads(sbuf_str(&b), JSON_DECODE_ANY, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(j), cases[i]);
        json_decref(j);
        sbuf_free(&b);
    }
}

static void test_datum_text(void **state)
{
    struct ovsdb_db *db = *state;
    const struct ovsdb_schema *s = ovsdb_db_schema(db);
    const struct ovsdb_tschema *ts = &s->tables[ovsdb_schema_table(s, "Root")];
    static const char *const cols[] = {"n", "r", "b", "s", "ids", "tags", "kids", "need"};
    static const char *const values[] = {
            "-9223372036854775807",
            "2.0",
            "true",
            "\"x\\\"y\"",
            "[\"map\", [[\"k\", \"v\\n\"], [\"a\", \"\"]]]",
            "[\"set\", [\"b\", \"a\"]]",
            "[\"set\", [[\"uuid\", \"00000000-0000-4000-8000-000000000001\"],"
            " [\"uuid\", \"00000000-0000-4000-8000-000000000002\"]]]",
            "[\"set\", []]",
    };

    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        const struct ovsdb_type *type = &ts->cols[ovsdb_tschema_column(ts, cols[i])].type;
        json_t *in = json_loads(values[i], JSON_DECODE_ANY, NULL), *d = NULL, *err = NULL;
        json_t *want, *got;
        struct sbuf b = SBUF_INIT;
        assert_non_null(in);
        assert_int_equal(ovsdb_datum_from_json(type, in, true, NULL, NULL, &d, &err), 0);
        ovsdb_text_datum(&b, type, d);
        want = ovsdb_datum_to_json(type, d);
        got = json_loads(sbuf_str(&b), JSON_DECODE_ANY, NULL);
        assert_non_null(got);
        assert_true(json_equal(want, got));
        json_decref(in);
        json_decref(d);
        json_decref(want);
        json_decref(got);
        sbuf_free(&b);
    }
}

static void test_record_text(void **state)
{
    struct ovsdb_db *db = *state;
    struct ovsdb_txn *txn;
    json_t *res, *comment = NULL;
    int rc;

    /* Inserts: every kind of column, defaults left out. */
    res = exec_text(db,
                    "[{\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\","
                    " \"row\": {\"name\": \"k1\"}},"
                    " {\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k2\","
                    " \"row\": {\"name\": \"k2\"}},"
                    " {\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"n\": 5, \"r\": 2.0,"
                    " \"b\": true, \"s\": \"t\\\"ab\\t\", \"ids\": [\"map\", [[\"a\", \"1\"]]],"
                    " \"tags\": [\"set\", [\"x\", \"y\"]], \"need\": 2,"
                    " \"kids\": [\"set\", [[\"named-uuid\", \"k\"], [\"named-uuid\", \"k2\"]]],"
                    " \"watch1\": [\"named-uuid\", \"k\"]}},"
                    " {\"op\": \"comment\", \"comment\": \"first \\\"one\\\"\"}]",
                    &rc, &txn, &comment);
    assert_int_equal(rc, 0);
    assert_non_null(txn);
    assert_record_matches(txn, comment);
    ovsdb_txn_apply(txn);
    ovsdb_txn_free(txn);
    json_decref(res);
    json_decref(comment);

    /* Modifications (diffs of sets, maps, scalars) and a garbage-collected
     * delete: a kid that loses its only strong reference. */
    res = exec_text(
            db,
            "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
            " \"mutations\": [[\"tags\", \"insert\", [\"set\", [\"z\"]]],"
            " [\"tags\", \"delete\", \"x\"], [\"ids\", \"insert\", [\"map\", [[\"b\", "
            "\"2\"]]]], [\"n\", \"+=\", 1]]},"
            " {\"op\": \"update\", \"table\": \"Root\", \"where\": [],"
            " \"row\": {\"r\": -0.5, \"ids\": [\"map\", [[\"a\", \"9\"], [\"b\", \"2\"]]]}},"
            " {\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
            " \"mutations\": [[\"kids\", \"delete\", [\"set\", []]]]}]",
            &rc, &txn, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(txn);
    assert_record_matches(txn, NULL);
    ovsdb_txn_apply(txn);
    ovsdb_txn_free(txn);
    json_decref(res);
}

/* Many mutations of one row in one transaction work on the row's own copy
 * of a datum: the committed row keeps its value until the apply. */
static void test_mutate_in_place(void **state)
{
    struct ovsdb_db *db = *state;
    const struct ovsdb_schema *s = ovsdb_db_schema(db);
    size_t t = (size_t)ovsdb_schema_table(s, "Root");
    const struct ovsdb_tschema *ts = &s->tables[t];
    size_t tags = (size_t)ovsdb_tschema_column(ts, "tags");
    char ops[8192];
    size_t len;
    struct ovsdb_txn *txn;
    const struct ovsdb_row *committed = NULL;
    json_t *res, *before;
    int rc;

    commit(db, "[{\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\", \"row\": {}},"
               " {\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"tags\": [\"set\", "
               "[\"m\", \"a\"]], \"need\": 1, \"watch1\": [\"named-uuid\", \"k\"],"
               " \"kids\": [\"named-uuid\", \"k\"]}}]");
    /* Find the committed row through a transaction's view. */
    {
        struct ovsdb_txn *probe = ovsdb_txn_new(db);
        const struct ovsdb_row **rows;
        assert_int_equal(ovsdb_txn_rows(probe, t, &rows), 1);
        committed = ovsdb_db_get(db, t, ovsdb_row_uuid(rows[0]));
        free(rows);
        ovsdb_txn_free(probe);
    }
    assert_non_null(committed);
    before = json_incref(committed->cols[tags]);

    len = (size_t)snprintf(ops, sizeof ops,
                           "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
                           " \"mutations\": [");
    for (int i = 0; i < 30; i++) {
        len += (size_t)snprintf(ops + len, sizeof ops - len, "%s[\"tags\", \"insert\", \"t%02d\"]",
                                i ? ", " : "", i);
    }
    len += (size_t)snprintf(ops + len, sizeof ops - len,
                            ", [\"tags\", \"delete\", [\"set\", [\"t03\", \"m\", \"nope\"]]],"
                            " [\"tags\", \"insert\", \"a\"]]},"
                            " {\"op\": \"select\", \"table\": \"Root\", \"where\": [],"
                            " \"columns\": [\"tags\"]}]");
    res = exec_text(db, ops, &rc, &txn, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(txn);
    /* The committed datum is untouched: same object, same value. */
    assert_ptr_equal(committed->cols[tags], before);
    assert_int_equal(json_array_size(before), 2);
    {
        const json_t *set = json_array_get(
                json_object_get(json_array_get(json_object_get(json_array_get(res, 1), "rows"), 0),
                                "tags"),
                1);
        assert_int_equal(json_array_size(set), 30);
        assert_string_equal(json_string_value(json_array_get(set, 0)), "a");
        assert_string_equal(json_string_value(json_array_get(set, 3)), "t02");
        assert_string_equal(json_string_value(json_array_get(set, 4)), "t04");
    }
    assert_record_matches(txn, NULL);
    ovsdb_txn_apply(txn);
    ovsdb_txn_free(txn);
    json_decref(res);
    json_decref(before);
}

/* Mutations check what they add, the count, and a default they start from. */
static void test_mutate_checks(void **state)
{
    struct ovsdb_db *db = *state;
    struct ovsdb_txn *txn;
    json_t *res;
    int rc;

    commit(db, "[{\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\", \"row\": {}},"
               " {\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"need\": 1,"
               " \"watch1\": [\"named-uuid\", \"k\"], \"kids\": [\"named-uuid\", \"k\"]}}]");
    /* An added element breaks its constraint: the mutation fails. */
    res = exec_text(db,
                    "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
                    " \"mutations\": [[\"tags\", \"insert\", \"waytoolong\"]]}]",
                    &rc, &txn, NULL);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    /* Too many elements. */
    res = exec_text(db,
                    "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
                    " \"mutations\": [[\"need\", \"insert\", [\"set\", [2, 3, 4]]]]}]",
                    &rc, &txn, NULL);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    /* Too few. */
    res = exec_text(db,
                    "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
                    " \"mutations\": [[\"need\", \"delete\", 1]]}]",
                    &rc, &txn, NULL);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    /* A new row's default ([0], below minInteger) is checked whole when a
     * mutation starts from it. */
    res = exec_text(db,
                    "[{\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\", \"row\": {}},"
                    " {\"op\": \"insert\", \"table\": \"Root\", \"row\": {"
                    " \"watch1\": [\"named-uuid\", \"k\"], \"kids\": [\"named-uuid\", \"k\"]}},"
                    " {\"op\": \"mutate\", \"table\": \"Root\", \"where\": [[\"need\", \"==\", 0]],"
                    " \"mutations\": [[\"need\", \"insert\", 5]]}]",
                    &rc, &txn, NULL);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_of(res, 2), "constraint violation");
    json_decref(res);
    /* Inserting and deleting the same element changes nothing at all. */
    res = exec_text(db,
                    "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
                    " \"mutations\": [[\"tags\", \"insert\", \"q\"], [\"tags\", \"delete\", "
                    "\"q\"]]}]",
                    &rc, &txn, NULL);
    assert_int_equal(rc, 0);
    assert_null(txn);
    json_decref(res);
}

/* A column checked when it was set is checked again after weak references
 * are dropped from it: here below its minimum of one. */
static void test_weak_drop_rechecked(void **state)
{
    struct ovsdb_db *db = *state;
    struct ovsdb_txn *txn;
    json_t *res;
    int rc;

    /* The kid has no strong reference: it is collected, and with it the
     * root's only weak reference. */
    res = exec_text(db,
                    "[{\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\", \"row\": {}},"
                    " {\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"need\": 1,"
                    " \"watch1\": [\"named-uuid\", \"k\"]}}]",
                    &rc, &txn, NULL);
    assert_int_equal(rc, -EINVAL);
    assert_null(txn);
    assert_int_equal(json_array_size(res), 3);
    assert_string_equal(err_of(res, 2), "constraint violation");
    json_decref(res);
}

static void test_index_keys(void **state)
{
    struct ovsdb_db *db = *state;
    struct ovsdb_txn *txn;
    json_t *res;
    int rc;

    /* Values that a naive concatenation would confuse are distinct keys. */
    commit(db, "[{\"op\": \"insert\", \"table\": \"Num\", \"row\": {\"n\": 1, \"s\": \"2\"}},"
               " {\"op\": \"insert\", \"table\": \"Num\", \"row\": {\"n\": 12, \"s\": \"\"}},"
               " {\"op\": \"insert\", \"table\": \"Num\", \"row\": {\"n\": -1, \"s\": \"|\"}},"
               " {\"op\": \"insert\", \"table\": \"Num\", \"row\": {\"n\": 1, \"s\": \"2|\"}}]");
    res = exec_text(db, "[{\"op\": \"insert\", \"table\": \"Num\", \"row\": {\"n\": 12}}]", &rc,
                    &txn, NULL);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_of(res, 1), "constraint violation");
    json_decref(res);
    /* Swapping two keys in one transaction is fine. */
    commit(db, "[{\"op\": \"update\", \"table\": \"Num\", \"where\": [[\"n\", \"==\", 1],"
               " [\"s\", \"==\", \"2\"]], \"row\": {\"s\": \"tmp\"}},"
               " {\"op\": \"update\", \"table\": \"Num\", \"where\": [[\"s\", \"==\", \"2|\"]],"
               " \"row\": {\"s\": \"2\"}},"
               " {\"op\": \"update\", \"table\": \"Num\", \"where\": [[\"s\", \"==\", \"tmp\"]],"
               " \"row\": {\"s\": \"2|\"}}]");
    res = exec_text(db,
                    "[{\"op\": \"insert\", \"table\": \"Num\", \"row\": {\"n\": 1, \"s\": \"2\"}}]",
                    &rc, &txn, NULL);
    assert_string_equal(err_of(res, 1), "constraint violation");
    json_decref(res);
}

static void test_lower_bound(void **state)
{
    struct ovsdb_type type;
    json_t *d = json_pack("[iii]", 10, 20, 30), *k;
    bool found;
    static const int keys[] = {5, 10, 15, 20, 25, 30, 35};
    static const size_t pos[] = {0, 0, 1, 1, 2, 2, 3};
    static const bool hit[] = {false, true, false, true, false, true, false};
    (void)state;

    memset(&type, 0, sizeof type);
    type.key.type = OVSDB_INTEGER;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        k = json_integer(keys[i]);
        assert_int_equal(ovsdb_datum_lower_bound(&type, d, k, &found), pos[i]);
        assert_int_equal(found, hit[i]);
        assert_int_equal(ovsdb_datum_find(&type, d, k), hit[i] ? (long)pos[i] : -1);
        json_decref(k);
    }
    json_decref(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_uuid_generate(void **state)
{
    enum { N = 2000 };
    static char u[N][37];
    (void)state;

    /* More than one block of random bytes. */
    for (int i = 0; i < N; i++) {
        ovsdb_uuid_generate(u[i]);
        assert_true(ovsdb_uuid_valid(u[i]));
        assert_int_equal(u[i][14], '4');
        assert_non_null(strchr("89ab", u[i][19]));
    }
    qsort(u, N, sizeof u[0], cmp_str);
    for (int i = 1; i < N; i++) {
        assert_true(strcmp(u[i - 1], u[i]) != 0);
    }
}

static void test_is_default(void **state)
{
    struct ovsdb_type type;
    static const enum ovsdb_atype types[] = {OVSDB_INTEGER, OVSDB_REAL, OVSDB_BOOLEAN, OVSDB_STRING,
                                             OVSDB_UUID};
    (void)state;

    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        json_t *d, *other;
        memset(&type, 0, sizeof type);
        type.key.type = types[i];
        type.n_min = type.n_max = 1;
        d = ovsdb_datum_default(&type);
        assert_true(ovsdb_datum_is_default(&type, d));
        other = json_array();
        assert_false(ovsdb_datum_is_default(&type, other));
        json_array_append_new(other, types[i] == OVSDB_INTEGER ? json_integer(1)
                                     : types[i] == OVSDB_REAL  ? json_real(0.5)
                                     : types[i] == OVSDB_BOOLEAN
                                             ? json_true()
                                             : json_string(types[i] == OVSDB_STRING
                                                                   ? "x"
                                                                   : "00000000-0000-4000-8000-"
                                                                     "000000000001"));
        assert_false(ovsdb_datum_is_default(&type, other));
        json_decref(d);
        json_decref(other);
        /* A map with one default entry. */
        type.value.type = types[i];
        d = ovsdb_datum_default(&type);
        assert_true(ovsdb_datum_is_default(&type, d));
        json_decref(d);
        type.n_min = 0;
        type.value.type = OVSDB_VOID;
        d = json_array();
        assert_true(ovsdb_datum_is_default(&type, d));
        json_decref(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_string_escapes),
            cmocka_unit_test_setup_teardown(test_datum_text, setup, teardown),
            cmocka_unit_test_setup_teardown(test_record_text, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mutate_in_place, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mutate_checks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_weak_drop_rechecked, setup, teardown),
            cmocka_unit_test_setup_teardown(test_index_keys, setup, teardown),
            cmocka_unit_test(test_lower_bound),
            cmocka_unit_test(test_uuid_generate),
            cmocka_unit_test(test_is_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
