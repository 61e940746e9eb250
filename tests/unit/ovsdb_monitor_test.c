/* Unit tests for xvs-dbd monitors ("update" and "update2" contents, column
 * selection, conditions) and for datum diffs as update2 and the journal use
 * them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../switchd/dbd/dbd_monitor.h"
#include "../../switchd/dbd/ovsdb_exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *schema_text =
        "{\"name\": \"M\", \"version\": \"1.0.0\", \"tables\": {"
        " \"T\": {\"isRoot\": true, \"columns\": {"
        "   \"name\": {\"type\": \"string\"},"
        "   \"n\": {\"type\": \"integer\"},"
        "   \"tags\": {\"type\": {\"key\": \"string\", \"min\": 0, \"max\": \"unlimited\"}},"
        "   \"ids\": {\"type\": {\"key\": \"string\", \"value\": \"string\", \"min\": 0,"
        "                       \"max\": \"unlimited\"}}}}}}";

static struct ovsdb_db *db;

static int setup(void **state)
{
    struct ovsdb_schema *s;
    json_t *j = json_loads(schema_text, 0, NULL), *err = NULL;

    (void)state;
    assert_int_equal(ovsdb_schema_from_json(j, &s, &err), 0);
    json_decref(j);
    assert_int_equal(ovsdb_db_new(s, &db), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ovsdb_db_free(db);
    return 0;
}

/* Runs ops; returns the changes monitor "m" reports (NULL if none). */
static json_t *commit(struct dbd_monitor *m, const char *ops_text)
{
    json_t *ops = json_loads(ops_text, 0, NULL), *results, *comment, *u = NULL;
    struct ovsdb_txn *txn;

    assert_non_null(ops);
    assert_int_equal(ovsdb_exec(db, ops, NULL, NULL, &results, &txn, &comment), 0);
    if (txn) {
        u = dbd_monitor_changes(m, txn);
        ovsdb_txn_apply(txn);
        ovsdb_txn_free(txn);
    }
    json_decref(results);
    json_decref(comment);
    json_decref(ops);
    return u;
}

/* The single row update of table T in a <table-updates>. */
static json_t *only_row(json_t *updates)
{
    json_t *tab = json_object_get(updates, "T");
    void *it = json_object_iter(tab);

    assert_non_null(it);
    assert_int_equal(json_object_size(tab), 1);
    return json_object_iter_value(it);
}

static bool jeq(const json_t *a, const char *text)
{
    json_t *b = json_loads(text, 0, NULL);
    bool eq = b && json_equal(a, b);
    if (!eq) {
        char *s = json_dumps(a, JSON_ENCODE_ANY);
        fprintf(stderr, "got %s, want %s\n", s, text);
        free(s);
    }
    json_decref(b);
    return eq;
}

static struct dbd_monitor *monitor(const char *req, int version)
{
    json_t *j = json_loads(req, 0, NULL), *err = NULL;
    struct dbd_monitor *m;

    assert_non_null(j);
    assert_int_equal(dbd_monitor_new(db, j, version, &m, &err), 0);
    json_decref(j);
    return m;
}

static void test_update2(void **state)
{
    struct dbd_monitor *m = monitor("{\"T\": [{\"columns\": [\"name\", \"n\", \"tags\", "
                                    "\"ids\"], \"where\": [[\"n\", \"<\", 10]]}]}",
                                    2);
    json_t *u;

    (void)state;
    assert_string_equal(dbd_monitor_method(m), "update2");
    u = commit(m, "[{\"op\": \"insert\", \"table\": \"T\", \"row\": {\"name\": \"a\", \"n\": 1,"
                  " \"tags\": [\"set\", [\"x\", \"y\"]], \"ids\": [\"map\", [[\"k\", \"v\"]]]}}]");
    assert_true(jeq(only_row(u), "{\"insert\": {\"name\": \"a\", \"n\": 1, \"tags\": [\"set\", "
                                 "[\"x\", \"y\"]], \"ids\": [\"map\", [[\"k\", \"v\"]]]}}"));
    json_decref(u);
    u = commit(m, "[{\"op\": \"mutate\", \"table\": \"T\", \"where\": [], \"mutations\": ["
                  "[\"tags\", \"delete\", \"x\"], [\"tags\", \"insert\", \"z\"],"
                  "[\"ids\", \"insert\", [\"map\", [[\"k2\", \"v2\"]]]], [\"n\", \"+=\", 2]]}]");
    assert_true(jeq(only_row(u), "{\"modify\": {\"n\": 3, \"tags\": [\"set\", [\"x\", \"z\"]],"
                                 " \"ids\": [\"map\", [[\"k2\", \"v2\"]]]}}"));
    json_decref(u);
    /* Leaving the condition is a delete for this monitor. */
    u = commit(m, "[{\"op\": \"update\", \"table\": \"T\", \"where\": [], \"row\": {\"n\": 50}}]");
    assert_true(jeq(only_row(u), "{\"delete\": null}"));
    json_decref(u);
    u = commit(m, "[{\"op\": \"update\", \"table\": \"T\", \"where\": [], \"row\": {\"n\": 60}}]");
    assert_null(u);
    u = dbd_monitor_initial(m, db);
    assert_int_equal(json_object_size(u), 0);
    json_decref(u);
    dbd_monitor_free(m);
}

static void test_update1(void **state)
{
    struct dbd_monitor *m;
    json_t *u;

    (void)state;
    m = monitor("{\"T\": {}}", 1);
    u = commit(m, "[{\"op\": \"insert\", \"table\": \"T\", \"row\": {\"name\": \"b\"}}]");
    /* Without "columns" every column but _uuid and _version is monitored. */
    assert_true(jeq(only_row(u), "{\"new\": {\"name\": \"b\", \"n\": 0, \"tags\": [\"set\", []],"
                                 " \"ids\": [\"map\", []]}}"));
    json_decref(u);
    dbd_monitor_free(m);
    m = monitor("{\"T\": {\"columns\": [\"name\"], \"select\": {\"initial\": true, \"insert\": "
                "false, \"modify\": true, \"delete\": true}}}",
                1);
    assert_string_equal(dbd_monitor_method(m), "update");
    u = dbd_monitor_initial(m, db);
    assert_true(jeq(only_row(u), "{\"new\": {\"name\": \"b\"}}"));
    json_decref(u);
    /* Columns outside the monitor do not produce updates. */
    assert_null(commit(m, "[{\"op\": \"update\", \"table\": \"T\", \"where\": [], \"row\": "
                          "{\"n\": 5}}]"));
    u = commit(m, "[{\"op\": \"update\", \"table\": \"T\", \"where\": [], \"row\": {\"name\": "
                  "\"c\"}}]");
    assert_true(jeq(only_row(u), "{\"old\": {\"name\": \"b\"}, \"new\": {\"name\": \"c\"}}"));
    json_decref(u);
    assert_null(commit(m, "[{\"op\": \"insert\", \"table\": \"T\", \"row\": {}}, {\"op\": "
                          "\"delete\", \"table\": \"T\", \"where\": [[\"name\", \"==\", \"\"]]}]"));
    u = commit(m, "[{\"op\": \"delete\", \"table\": \"T\", \"where\": []}]");
    assert_true(jeq(only_row(u), "{\"old\": {\"name\": \"c\"}}"));
    json_decref(u);
    dbd_monitor_free(m);
}

static void test_bad_requests(void **state)
{
    static const char *bad[] = {"[]", "{\"Nope\": {}}", "{\"T\": {\"columns\": [\"nope\"]}}",
                                "{\"T\": {\"columns\": 5}}",
                                "{\"T\": [{\"where\": [[\"n\", \"~\", 1]]}]}"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL), *err = NULL;
        struct dbd_monitor *m = NULL;
        assert_int_equal(dbd_monitor_new(db, j, 2, &m, &err), -EINVAL);
        assert_null(m);
        assert_string_equal(json_string_value(json_object_get(err, "error")), "syntax error");
        json_decref(err);
        json_decref(j);
    }
}

static void test_diff_roundtrip(void **state)
{
    const struct ovsdb_tschema *ts = &ovsdb_db_schema(db)->tables[0];
    static const char *pairs[][2] = {
            {"[\"set\", [\"a\", \"b\", \"c\"]]", "[\"set\", [\"b\", \"d\"]]"},
            {"[\"set\", []]", "\"q\""},
            {"[\"map\", [[\"a\", \"1\"], [\"b\", \"2\"]]]", "[\"map\", [[\"b\", \"3\"], [\"c\", "
                                                            "\"4\"]]]"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int c = ovsdb_tschema_column(ts, i < 2 ? "tags" : "ids");
        const struct ovsdb_type *type = &ts->cols[c].type;
        json_t *a = json_loads(pairs[i][0], JSON_DECODE_ANY, NULL);
        json_t *b = json_loads(pairs[i][1], JSON_DECODE_ANY, NULL);
        json_t *da, *db_, *diff, *applied, *err = NULL;
        assert_int_equal(ovsdb_datum_from_json(type, a, false, NULL, NULL, &da, &err), 0);
        assert_int_equal(ovsdb_datum_from_json(type, b, false, NULL, NULL, &db_, &err), 0);
        diff = ovsdb_datum_diff(type, da, db_);
        applied = ovsdb_datum_apply_diff(type, da, diff);
        assert_int_equal(ovsdb_datum_cmp(type, applied, db_), 0);
        json_decref(applied);
        json_decref(diff);
        json_decref(da);
        json_decref(db_);
        json_decref(a);
        json_decref(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_update2, setup, teardown),
            cmocka_unit_test_setup_teardown(test_update1, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
            cmocka_unit_test_setup_teardown(test_diff_roundtrip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
