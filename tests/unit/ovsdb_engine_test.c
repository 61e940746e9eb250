/* Unit tests for the xvs-dbd engine: schema parsing, datums, transactions,
 * conditions, mutations, referential integrity and garbage collection. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../switchd/dbd/ovsdb_datum.h"
#include "../../switchd/dbd/ovsdb_db.h"
#include "../../switchd/dbd/ovsdb_exec.h"
#include "../../switchd/dbd/ovsdb_schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small schema with every kind of type the engine handles. */
static const char *test_schema =
        "{\"name\": \"T\", \"version\": \"1.0.0\", \"tables\": {"
        " \"Root\": {\"isRoot\": true, \"maxRows\": 2, \"columns\": {"
        "   \"kids\": {\"type\": {\"key\": {\"type\": \"uuid\", \"refTable\": \"Kid\"},"
        "                        \"min\": 0, \"max\": \"unlimited\"}},"
        "   \"watch\": {\"type\": {\"key\": {\"type\": \"uuid\", \"refTable\": \"Kid\","
        "                        \"refType\": \"weak\"}, \"min\": 0, \"max\": \"unlimited\"}},"
        "   \"n\": {\"type\": \"integer\"},"
        "   \"r\": {\"type\": \"real\"},"
        "   \"ids\": {\"type\": {\"key\": \"string\", \"value\": \"string\", \"min\": 0,"
        "                       \"max\": \"unlimited\"}},"
        "   \"nums\": {\"type\": {\"key\": {\"type\": \"integer\", \"minInteger\": 0,"
        "                        \"maxInteger\": 100}, \"min\": 0, \"max\": 3}},"
        "   \"fixed\": {\"type\": \"string\", \"mutable\": false}}},"
        " \"Kid\": {\"indexes\": [[\"name\"]], \"columns\": {"
        "   \"name\": {\"type\": {\"key\": {\"type\": \"string\", \"maxLength\": 8}}},"
        "   \"mode\": {\"type\": {\"key\": {\"type\": \"string\", \"enum\": [\"set\", [\"a\", "
        "\"b\"]]}, \"min\": 0, \"max\": 1}},"
        "   \"pet\": {\"type\": {\"key\": {\"type\": \"uuid\", \"refTable\": \"Pet\"},"
        "                       \"min\": 0, \"max\": 1}}}},"
        " \"Pet\": {\"columns\": {\"name\": {\"type\": \"string\"}}}}}";

struct fixture {
    struct ovsdb_db *db;
};

static int setup(void **state)
{
    static struct fixture f;
    struct ovsdb_schema *s;
    json_t *j = json_loads(test_schema, 0, NULL), *err = NULL;

    assert_non_null(j);
    assert_int_equal(ovsdb_schema_from_json(j, &s, &err), 0);
    json_decref(j);
    assert_int_equal(ovsdb_db_new(s, &f.db), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ovsdb_db_free(f->db);
    return 0;
}

/* Runs a transaction given as JSON text; applies it on success.  Returns the
 * result array (caller frees) and the exec return code in *rc. */
static json_t *run(struct ovsdb_db *db, const char *ops_text, int *rc)
{
    json_error_t jerr;
    json_t *ops = json_loads(ops_text, 0, &jerr), *results, *comment;
    struct ovsdb_txn *txn;

    if (!ops) {
        fail_msg("bad test JSON: %s: %s", jerr.text, ops_text);
    }
    *rc = ovsdb_exec(db, ops, NULL, NULL, &results, &txn, &comment);
    if (txn) {
        ovsdb_txn_apply(txn);
        ovsdb_txn_free(txn);
    }
    json_decref(comment);
    json_decref(ops);
    return results;
}

/* True if "a" equals the JSON text "text". */
static bool jeq(const json_t *a, const char *text)
{
    json_t *b = json_loads(text, 0, NULL);
    bool eq = b && json_equal(a, b);

    json_decref(b);
    return eq;
}

static const char *err_of(const json_t *results, size_t i)
{
    return json_string_value(json_object_get(json_array_get(results, i), "error"));
}

static size_t count(struct ovsdb_db *db, const char *table)
{
    return ovsdb_db_count(db, (size_t)ovsdb_schema_table(ovsdb_db_schema(db), table));
}

static void test_builtin_schema(void **state)
{
    const char *src = getenv("XVS_SRC");
    char path[4096];
    struct ovsdb_schema *s = NULL;
    int t;

    (void)state;
    snprintf(path, sizeof path, "%s/switchd/vswitch.ovsschema", src ? src : ".");
    assert_int_equal(ovsdb_schema_load(path, &s), 0);
    assert_string_equal(s->name, "Open_vSwitch");
    t = ovsdb_schema_table(s, "Bridge");
    assert_true(t >= 0);
    assert_false(s->tables[t].is_root);
    assert_true(s->tables[ovsdb_schema_table(s, "Open_vSwitch")].is_root);
    assert_int_equal(s->tables[ovsdb_schema_table(s, "Open_vSwitch")].max_rows, 1);
    assert_int_equal(s->tables[t].n_indexes, 1);
    assert_true(ovsdb_tschema_column(&s->tables[t], "ports") > 1);
    ovsdb_schema_free(s);
}

static void test_bad_schemas(void **state)
{
    static const char *bad[] = {
            "{\"tables\": {}}",
            "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {\"_c\": {\"type\": "
            "\"integer\"}}}}}",
            "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {\"c\": {\"type\": \"int\"}}}}}",
            "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {\"c\": {\"type\": {\"key\": "
            "{\"type\": \"uuid\", \"refTable\": \"Nope\"}}}}}}}",
            "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {\"c\": {\"type\": {\"key\": "
            "\"integer\", \"min\": 2}}}}}}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i], 0, NULL), *err = NULL;
        struct ovsdb_schema *s = NULL;
        assert_non_null(j);
        assert_int_equal(ovsdb_schema_from_json(j, &s, &err), -EINVAL);
        assert_null(s);
        assert_string_equal(json_string_value(json_object_get(err, "error")), "syntax error");
        json_decref(err);
        json_decref(j);
    }
}

static void test_datum_notation(void **state)
{
    struct ovsdb_type t;
    json_t *in, *d = NULL, *err = NULL, *out;

    (void)state;
    memset(&t, 0, sizeof t);
    t.key.type = OVSDB_STRING;
    t.key.max_len = SIZE_MAX;
    t.value.type = OVSDB_STRING;
    t.value.max_len = SIZE_MAX;
    t.n_max = OVSDB_UNLIMITED;
    in = json_loads("[\"map\", [[\"b\", \"2\"], [\"a\", \"1\"]]]", 0, NULL);
    assert_int_equal(ovsdb_datum_from_json(&t, in, false, NULL, NULL, &d, &err), 0);
    out = ovsdb_datum_to_json(&t, d);
    assert_true(jeq(out, "[\"map\", [[\"a\", \"1\"], [\"b\", \"2\"]]]"));
    json_decref(out);
    json_decref(d);
    json_decref(in);
    /* Duplicate keys are rejected. */
    in = json_loads("[\"map\", [[\"a\", \"2\"], [\"a\", \"1\"]]]", 0, NULL);
    assert_int_equal(ovsdb_datum_from_json(&t, in, false, NULL, NULL, &d, &err), -EINVAL);
    json_decref(err);
    json_decref(in);
    /* A set given as a single atom. */
    t.value.type = OVSDB_VOID;
    t.key.type = OVSDB_UUID;
    in = json_loads("[\"uuid\", \"0123ABCD-0000-4000-8000-000000000000\"]", 0, NULL);
    assert_int_equal(ovsdb_datum_from_json(&t, in, false, NULL, NULL, &d, &err), 0);
    assert_string_equal(json_string_value(json_array_get(d, 0)),
                        "0123abcd-0000-4000-8000-000000000000");
    json_decref(d);
    json_decref(in);
    in = json_loads("[\"uuid\", \"not-a-uuid\"]", 0, NULL);
    assert_int_equal(ovsdb_datum_from_json(&t, in, false, NULL, NULL, &d, &err), -EINVAL);
    assert_string_equal(json_string_value(json_object_get(err, "error")), "syntax error");
    json_decref(err);
    json_decref(in);
}

static void test_insert_select(void **state)
{
    struct fixture *f = *state;
    json_t *res;
    int rc;

    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\", \"uuid-name\": \"r\","
              "  \"row\": {\"n\": 5, \"kids\": [\"named-uuid\", \"k\"],"
              "           \"ids\": [\"map\", [[\"x\", \"y\"]]]}},"
              " {\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\","
              "  \"row\": {\"name\": \"k1\", \"mode\": \"a\"}},"
              " {\"op\": \"select\", \"table\": \"Root\", \"where\": [[\"n\", \"==\", 5]],"
              "  \"columns\": [\"n\", \"ids\"]}]",
              &rc);
    assert_int_equal(rc, 0);
    /* Forward reference to "k": the insert adopted the uuid given to the name. */
    assert_int_equal(json_array_size(json_object_get(json_array_get(res, 2), "rows")), 1);
    json_decref(res);
    assert_int_equal(count(f->db, "Root"), 1);
    assert_int_equal(count(f->db, "Kid"), 1);
    res = run(f->db,
              "[{\"op\": \"select\", \"table\": \"Root\", \"where\": [[\"n\", \">=\", 5],"
              "  [\"ids\", \"includes\", [\"map\", [[\"x\", \"y\"]]]]], \"columns\": [\"n\"]}]",
              &rc);
    assert_int_equal(rc, 0);
    assert_true(jeq(json_array_get(res, 0), "{\"rows\": [{\"n\": 5}]}"));
    json_decref(res);
}

static void test_errors_change_nothing(void **state)
{
    struct fixture *f = *state;
    json_t *res;
    int rc;

    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"n\": 1}},"
              " {\"op\": \"insert\", \"table\": \"Nope\", \"row\": {}},"
              " {\"op\": \"comment\", \"comment\": \"x\"}]",
              &rc);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_of(res, 1), "syntax error");
    assert_true(json_is_null(json_array_get(res, 2)));
    json_decref(res);
    assert_int_equal(count(f->db, "Root"), 0);
    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"nums\": [\"set\", [1, "
              "200]]}}]",
              &rc);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    res = run(f->db, "[{\"op\": \"insert\", \"table\": \"Kid\", \"row\": {\"mode\": \"c\"}}]", &rc);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    res = run(f->db, "[{\"op\": \"abort\"}]", &rc);
    assert_string_equal(err_of(res, 0), "aborted");
    json_decref(res);
    res = run(f->db, "[{\"op\": \"frob\"}]", &rc);
    assert_string_equal(err_of(res, 0), "syntax error");
    json_decref(res);
    res = run(f->db, "[{\"op\": \"assert\", \"lock\": \"l\"}]", &rc);
    assert_string_equal(err_of(res, 0), "not owner");
    json_decref(res);
    assert_int_equal(count(f->db, "Root"), 0);
}

static void test_refs_and_gc(void **state)
{
    struct fixture *f = *state;
    json_t *res;
    int rc;

    /* An unreferenced row of a non-root table is collected at once. */
    res = run(f->db, "[{\"op\": \"insert\", \"table\": \"Kid\", \"row\": {\"name\": \"lone\"}}]",
              &rc);
    assert_int_equal(rc, 0);
    json_decref(res);
    assert_int_equal(count(f->db, "Kid"), 0);
    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"n\": 1,"
              "  \"kids\": [\"set\", [[\"named-uuid\", \"a\"], [\"named-uuid\", \"b\"]]],"
              "  \"watch\": [\"named-uuid\", \"a\"]}},"
              " {\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"a\","
              "  \"row\": {\"name\": \"a\", \"pet\": [\"named-uuid\", \"p\"]}},"
              " {\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"b\", \"row\": {\"name\": "
              "\"b\"}},"
              " {\"op\": \"insert\", \"table\": \"Pet\", \"uuid-name\": \"p\", \"row\": {}}]",
              &rc);
    assert_int_equal(rc, 0);
    json_decref(res);
    assert_int_equal(count(f->db, "Kid"), 2);
    assert_int_equal(count(f->db, "Pet"), 1);
    /* Deleting a strongly referenced row is a referential integrity violation. */
    res = run(f->db,
              "[{\"op\": \"delete\", \"table\": \"Kid\", \"where\": [[\"name\", \"==\", "
              "\"b\"]]}]",
              &rc);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_of(res, 1), "referential integrity violation");
    json_decref(res);
    assert_int_equal(count(f->db, "Kid"), 2);
    /* Dropping the reference collects Kid a, then its Pet; the weak ref goes. */
    res = run(f->db,
              "[{\"op\": \"select\", \"table\": \"Kid\", \"where\": [[\"name\", \"==\", \"a\"]], "
              "\"columns\": [\"_uuid\"]}]",
              &rc);
    {
        char ops[512];
        const char *u = json_string_value(json_array_get(
                json_object_get(json_array_get(json_object_get(json_array_get(res, 0), "rows"), 0),
                                "_uuid"),
                1));
        snprintf(ops, sizeof ops,
                 "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], \"mutations\": "
                 "[[\"kids\", \"delete\", [\"uuid\", \"%s\"]]]}]",
                 u);
        json_decref(res);
        res = run(f->db, ops, &rc);
    }
    assert_int_equal(rc, 0);
    json_decref(res);
    assert_int_equal(count(f->db, "Kid"), 1);
    assert_int_equal(count(f->db, "Pet"), 0);
    res = run(f->db,
              "[{\"op\": \"select\", \"table\": \"Root\", \"where\": [[\"watch\", \"==\", "
              "[\"set\", []]]], \"columns\": [\"n\"]}]",
              &rc);
    assert_int_equal(json_array_size(json_object_get(json_array_get(res, 0), "rows")), 1);
    json_decref(res);
    /* Unique index on Kid.name. */
    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"c\", \"row\": "
              "{\"name\": \"b\"}}, {\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], "
              "\"mutations\": [[\"kids\", \"insert\", [\"named-uuid\", \"c\"]]]}]",
              &rc);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_of(res, 2), "constraint violation");
    json_decref(res);
    /* maxRows. */
    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\", \"row\": {}},"
              " {\"op\": \"insert\", \"table\": \"Root\", \"row\": {}}]",
              &rc);
    assert_string_equal(err_of(res, 2), "constraint violation");
    json_decref(res);
    res = run(f->db, "[{\"op\": \"delete\", \"table\": \"Root\", \"where\": []}]", &rc);
    assert_int_equal(rc, 0);
    json_decref(res);
    assert_int_equal(count(f->db, "Kid"), 0);
}

static void test_mutate_update(void **state)
{
    struct fixture *f = *state;
    json_t *res;
    int rc;

    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"n\": 10, \"r\": 1.5,"
              " \"fixed\": \"f\", \"nums\": [\"set\", [1, 2]], \"ids\": [\"map\", [[\"a\", \"1\"],"
              " [\"b\", \"2\"]]]}}]",
              &rc);
    assert_int_equal(rc, 0);
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], \"mutations\": ["
              " [\"n\", \"*=\", 3], [\"n\", \"-=\", 2], [\"n\", \"%=\", 7], [\"r\", \"/=\", 2],"
              " [\"nums\", \"+=\", 10], [\"ids\", \"delete\", [\"set\", [\"a\"]]],"
              " [\"ids\", \"delete\", [\"map\", [[\"b\", \"9\"]]]],"
              " [\"ids\", \"insert\", [\"map\", [[\"b\", \"3\"], [\"c\", \"4\"]]]]]},"
              " {\"op\": \"select\", \"table\": \"Root\", \"where\": [], \"columns\": [\"n\", "
              "\"r\", \"nums\", \"ids\"]}]",
              &rc);
    assert_int_equal(rc, 0);
    assert_true(jeq(json_object_get(json_array_get(res, 1), "rows"),
                    "[{\"n\": 0, \"r\": 0.75, \"nums\": [\"set\", [11, 12]],"
                    " \"ids\": [\"map\", [[\"b\", \"2\"], [\"c\", \"4\"]]]}]"));
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], \"mutations\": "
              "[[\"n\", \"/=\", 0]]}]",
              &rc);
    assert_string_equal(err_of(res, 0), "domain error");
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], \"mutations\": "
              "[[\"n\", \"+=\", 9223372036854775807], [\"n\", \"+=\", 1]]}]",
              &rc);
    assert_string_equal(err_of(res, 0), "range error");
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], \"mutations\": "
              "[[\"nums\", \"+=\", 95]]}]",
              &rc);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [], \"mutations\": "
              "[[\"nums\", \"insert\", [\"set\", [1, 2]]]]}]",
              &rc);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"update\", \"table\": \"Root\", \"where\": [], \"row\": "
              "{\"fixed\": \"g\"}}]",
              &rc);
    assert_string_equal(err_of(res, 0), "constraint violation");
    json_decref(res);
    res = run(f->db,
              "[{\"op\": \"update\", \"table\": \"Root\", \"where\": [[\"n\", \"<\", 1]], \"row\": "
              "{\"n\": 42}}, {\"op\": \"wait\", \"table\": \"Root\", \"where\": [], \"timeout\": 0,"
              " \"columns\": [\"n\"], \"until\": \"==\", \"rows\": [{\"n\": 42}]},"
              " {\"op\": \"wait\", \"table\": \"Root\", \"where\": [], \"timeout\": 0,"
              " \"columns\": [\"n\"], \"until\": \"!=\", \"rows\": [{\"n\": 42}]}]",
              &rc);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 0), "count")), 1);
    assert_true(json_is_object(json_array_get(res, 1)));
    assert_string_equal(err_of(res, 2), "timed out");
    json_decref(res);
    /* A wait without a timeout (or a non-zero one) may block: -EAGAIN. */
    res = run(f->db,
              "[{\"op\": \"wait\", \"table\": \"Root\", \"where\": [], \"columns\": [\"n\"],"
              " \"until\": \"==\", \"rows\": []}]",
              &rc);
    assert_int_equal(rc, -EAGAIN);
    assert_string_equal(err_of(res, 0), "timed out");
    json_decref(res);
    res = run(f->db, "[{\"op\": \"delete\", \"table\": \"Root\", \"where\": [[\"n\", \"!=\", 3]]}]",
              &rc);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(res, 0), "count")), 1);
    json_decref(res);
}

/* A random mutation of Root's "ids" map (small keys and values, so that keys
 * meet again and values differ) or "nums" set, as JSON text in "buf". */
static void random_mutation(char *buf, size_t size)
{
    int k1 = rand() % 6, k2 = rand() % 6, v1 = rand() % 3, v2 = rand() % 3;

    switch (rand() % 5) {
    case 0:
        snprintf(buf, size,
                 "[\"ids\", \"insert\", [\"map\", [[\"k%d\", \"%d\"], [\"k%d\", \"%d\"]]]]", k1, v1,
                 k1 == k2 ? (k2 + 1) % 6 : k2, v2);
        break;
    case 1:
        snprintf(buf, size, "[\"ids\", \"delete\", [\"set\", [\"k%d\"]]]", k1);
        break;
    case 2:
        snprintf(buf, size, "[\"ids\", \"delete\", [\"map\", [[\"k%d\", \"%d\"]]]]", k1, v1);
        break;
    case 3:
        snprintf(buf, size, "[\"nums\", \"insert\", [\"set\", [%d]]]", k1);
        break;
    default:
        snprintf(buf, size, "[\"nums\", \"delete\", %d]", k1);
        break;
    }
}

/* The diff a transaction keeps for a mutated set or map column, element by
 * element (ovsdb_txn_mutate()), is exactly the one a walk over the committed
 * and the new datum gives, whatever the sequence of mutations, updates and
 * transactions: random sequences against ovsdb_datum_diff(). */
static void test_mutation_diffs(void **state)
{
    struct fixture *f = *state;
    const struct ovsdb_schema *s = ovsdb_db_schema(f->db);
    size_t t = (size_t)ovsdb_schema_table(s, "Root");
    const struct ovsdb_tschema *ts = &s->tables[t];
    int cols[2] = {ovsdb_tschema_column(ts, "ids"), ovsdb_tschema_column(ts, "nums")};
    json_t *res, *uuid;
    char uuid_text[37];
    int rc, applied = 0;

    res = run(f->db, "[{\"op\": \"insert\", \"table\": \"Root\", \"row\": {\"fixed\": \"f\"}}]",
              &rc);
    assert_int_equal(rc, 0);
    uuid = json_array_get(json_object_get(json_array_get(res, 0), "uuid"), 1);
    snprintf(uuid_text, sizeof uuid_text, "%s", json_string_value(uuid));
    json_decref(res);
    srand(7);
    for (int round = 0; round < 400; round++) {
        char ops[4096], mut[128];
        size_t len = 0;
        int n_ops = 1 + rand() % 4;
        struct ovsdb_txn *txn = NULL;
        json_t *jops, *comment = NULL;

        len += (size_t)snprintf(ops + len, sizeof ops - len, "[");
        for (int o = 0; o < n_ops; o++) {
            if (rand() % 8 == 0) {
                /* An update in between: the kept diff must not survive it. */
                len += (size_t)snprintf(ops + len, sizeof ops - len,
                                        "%s{\"op\": \"update\", \"table\": \"Root\", \"where\": [],"
                                        " \"row\": {\"ids\": [\"map\", [[\"k%d\", \"0\"]]]}}",
                                        o ? ", " : "", rand() % 6);
                continue;
            }
            len += (size_t)snprintf(ops + len, sizeof ops - len,
                                    "%s{\"op\": \"mutate\", \"table\": \"Root\", \"where\": [],"
                                    " \"mutations\": [",
                                    o ? ", " : "");
            for (int m = 0, n_muts = 1 + rand() % 3; m < n_muts; m++) {
                random_mutation(mut, sizeof mut);
                len += (size_t)snprintf(ops + len, sizeof ops - len, "%s%s", m ? ", " : "", mut);
            }
            len += (size_t)snprintf(ops + len, sizeof ops - len, "]}");
        }
        snprintf(ops + len, sizeof ops - len, "]");
        jops = json_loads(ops, 0, NULL);
        assert_non_null(jops);
        rc = ovsdb_exec(f->db, jops, NULL, NULL, &res, &txn, &comment);
        if (rc == 0 && txn) {
            const struct ovsdb_row *old = ovsdb_db_get(f->db, t, uuid_text);
            const struct ovsdb_row *new_ = ovsdb_txn_get(txn, t, uuid_text);
            assert_non_null(old);
            assert_non_null(new_);
            for (int k = 0; k < 2; k++) {
                size_t c = (size_t)cols[k];
                const json_t *kept = ovsdb_txn_diff(txn, t, uuid_text, c);
                json_t *walked = ovsdb_datum_diff(&ts->cols[c].type, old->cols[c], new_->cols[c]);
                if (!kept ? json_array_size(walked) != 0 : !json_equal(kept, walked)) {
                    char *a = kept ? json_dumps(kept, 0) : NULL, *b = json_dumps(walked, 0);
                    fail_msg("round %d, %s: kept diff %s, walked %s, after %s", round,
                             ts->cols[c].name, a ? a : "(none)", b, ops);
                }
                json_decref(walked);
            }
            ovsdb_txn_apply(txn);
            applied++;
        }
        ovsdb_txn_free(txn);
        json_decref(comment);
        json_decref(res);
        json_decref(jops);
    }
    /* Most rounds changed something (a few break the nums limit of 3). */
    assert_true(applied > 200);
}

/* Keeps the one row of "table" in *arg. */
static void take_row(const struct ovsdb_row *row, void *arg)
{
    *(const struct ovsdb_row **)arg = row;
}

/* String atoms are shared: equal texts parsed from different JSON values are
 * one object, references share their target's _uuid atom, and strings that
 * only the pool still holds are dropped by a trim. */
static void test_string_pool(void **state)
{
    struct fixture *f = *state;
    const struct ovsdb_schema *s = ovsdb_db_schema(f->db);
    const struct ovsdb_tschema *root_ts = &s->tables[ovsdb_schema_table(s, "Root")];
    const struct ovsdb_row *root = NULL, *kid = NULL;
    struct ovsdb_base b;
    json_t *j1 = json_string("pool-text"), *j2 = json_string("pool-text");
    json_t *j3 = json_stringn("pool\0text", 9), *a1, *a2, *a3, *err = NULL, *res;
    size_t before;
    int rc;

    memset(&b, 0, sizeof b);
    b.type = OVSDB_STRING;
    b.max_len = SIZE_MAX;
    before = ovsdb_atom_pool_size();
    assert_int_equal(ovsdb_atom_from_json(&b, j1, true, NULL, NULL, &a1, &err), 0);
    assert_int_equal(ovsdb_atom_from_json(&b, j2, true, NULL, NULL, &a2, &err), 0);
    assert_int_equal(ovsdb_atom_from_json(&b, j3, true, NULL, NULL, &a3, &err), 0);
    /* Not the request's own strings, but one shared copy per text. */
    assert_ptr_not_equal(a1, j1);
    assert_ptr_equal(a1, a2);
    assert_ptr_not_equal(a1, a3);
    assert_int_equal(json_string_length(a3), 9);
    assert_int_equal(ovsdb_atom_pool_size(), before + 2);
    json_decref(j1);
    json_decref(j2);
    json_decref(j3);
    json_decref(a1);
    ovsdb_atom_pool_trim();
    assert_int_equal(ovsdb_atom_pool_size(), before + 2);
    json_decref(a2);
    json_decref(a3);
    ovsdb_atom_pool_trim();
    assert_int_equal(ovsdb_atom_pool_size(), before);

    /* Map entries of pooled strings are shared too; others are not. */
    {
        struct ovsdb_type t;
        json_t *in = json_loads("[\"map\", [[\"pk\", \"pv\"], [\"pq\", \"pv\"]]]", 0, NULL);
        json_t *in2 = json_loads("[\"map\", [[\"pk\", \"pv\"]]]", 0, NULL);
        json_t *d1 = NULL, *d2 = NULL;

        memset(&t, 0, sizeof t);
        t.key.type = OVSDB_STRING;
        t.key.max_len = SIZE_MAX;
        t.value.type = OVSDB_STRING;
        t.value.max_len = SIZE_MAX;
        t.n_max = OVSDB_UNLIMITED;
        assert_int_equal(ovsdb_datum_from_json(&t, in, false, NULL, NULL, &d1, &err), 0);
        assert_int_equal(ovsdb_datum_from_json(&t, in2, false, NULL, NULL, &d2, &err), 0);
        assert_ptr_equal(json_array_get(d1, 0), json_array_get(d2, 0));
        assert_ptr_not_equal(json_array_get(d1, 0), json_array_get(d1, 1));
        /* Three strings and two entries. */
        assert_int_equal(ovsdb_atom_pool_size(), before + 5);
        json_decref(in);
        json_decref(in2);
        json_decref(d1);
        json_decref(d2);
        ovsdb_atom_pool_trim();
        assert_int_equal(ovsdb_atom_pool_size(), before);
    }

    res = run(f->db,
              "[{\"op\": \"insert\", \"table\": \"Root\","
              "  \"row\": {\"kids\": [\"named-uuid\", \"k\"], \"fixed\": \"k1\"}},"
              " {\"op\": \"insert\", \"table\": \"Kid\", \"uuid-name\": \"k\","
              "  \"row\": {\"name\": \"k1\"}}]",
              &rc);
    assert_int_equal(rc, 0);
    json_decref(res);
    ovsdb_db_foreach(f->db, (size_t)ovsdb_schema_table(s, "Root"), take_row, &root);
    ovsdb_db_foreach(f->db, (size_t)ovsdb_schema_table(s, "Kid"), take_row, &kid);
    assert_non_null(root);
    assert_non_null(kid);
    assert_ptr_equal(json_array_get(root->cols[ovsdb_tschema_column(root_ts, "kids")], 0),
                     json_array_get(kid->cols[OVSDB_COL_UUID], 0));
    assert_ptr_equal(json_array_get(root->cols[ovsdb_tschema_column(root_ts, "fixed")], 0),
                     json_array_get(kid->cols[ovsdb_tschema_column(
                                            &s->tables[ovsdb_schema_table(s, "Kid")], "name")],
                                    0));
    /* The wire form is unchanged. */
    res = run(f->db,
              "[{\"op\": \"select\", \"table\": \"Kid\", \"where\": [],"
              "  \"columns\": [\"name\"]}]",
              &rc);
    assert_int_equal(rc, 0);
    assert_true(jeq(json_array_get(res, 0), "{\"rows\": [{\"name\": \"k1\"}]}"));
    json_decref(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_builtin_schema),
            cmocka_unit_test(test_bad_schemas),
            cmocka_unit_test(test_datum_notation),
            cmocka_unit_test_setup_teardown(test_insert_select, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errors_change_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_refs_and_gc, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mutate_update, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mutation_diffs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_string_pool, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
