/* libFuzzer target for the xvs-dbd transaction engine.
 *
 * The input is the JSON array of operations of a "transact" request, run
 * against a fresh Open_vSwitch database that already holds a bridge with a
 * port.  Any input must be answered without a crash; a transaction that
 * fails must leave the database exactly as it was (all or nothing); one that
 * succeeds must produce a journal record that, replayed onto the old
 * contents, gives exactly the new contents (what a restart would load).
 *
 * The Makefile links fuzz targets with lib/ only, so the engine's modules
 * are compiled into this file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ovsdb_db.h"
#include "ovsdb_exec.h"
#include "ovsdb_schema.h"
#include "ovsdb_datum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *seed_ops =
        "[{\"op\": \"insert\", \"table\": \"Open_vSwitch\", \"row\": {\"bridges\": "
        "[\"named-uuid\", \"b\"]}}, {\"op\": \"insert\", \"table\": \"Bridge\", \"uuid-name\": "
        "\"b\", \"row\": {\"name\": \"xenbr0\", \"ports\": [\"named-uuid\", \"p\"]}},"
        " {\"op\": \"insert\", \"table\": \"Port\", \"uuid-name\": \"p\", \"row\": {\"name\": "
        "\"xenbr0\", \"interfaces\": [\"named-uuid\", \"i\"]}}, {\"op\": \"insert\", \"table\": "
        "\"Interface\", \"uuid-name\": \"i\", \"row\": {\"name\": \"xenbr0\", \"type\": "
        "\"internal\"}}]";

static void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_ovsdb_txn: %s\n", what);
        abort();
    }
}

static struct ovsdb_db *new_db(const json_t *schema_json)
{
    struct ovsdb_schema *schema;
    struct ovsdb_db *db;
    json_t *err = NULL;

    fuzz_check(!ovsdb_schema_from_json(schema_json, &schema, &err), "schema does not parse");
    fuzz_check(!ovsdb_db_new(schema, &db), "out of memory");
    return db;
}

static json_t *load_schema(void)
{
    const char *src = getenv("XVS_SRC");
    char path[4096];
    json_t *j;

    snprintf(path, sizeof path, "%s/switchd/vswitch.ovsschema", src ? src : ".");
    j = json_load_file(path, 0, NULL);
    fuzz_check(j != NULL, "cannot read switchd/vswitch.ovsschema (run from the repo root)");
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *schema_json;
    struct ovsdb_db *db, *copy;
    struct ovsdb_txn *txn;
    json_t *ops, *seed, *results, *comment, *before, *after, *rec, *again;
    int r;

    if (!schema_json) {
        xlog_set_level(XLOG_ERR);
        schema_json = load_schema();
    }
    ops = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!ops) {
        return 0;
    }
    db = new_db(schema_json);
    seed = json_loads(seed_ops, 0, NULL);
    fuzz_check(!ovsdb_exec(db, seed, NULL, NULL, &results, &txn, &comment) && txn,
               "seed transaction failed");
    ovsdb_txn_apply(txn);
    ovsdb_txn_free(txn);
    json_decref(results);
    json_decref(comment);
    json_decref(seed);

    before = ovsdb_db_snapshot(db);
    r = ovsdb_exec(db, ops, NULL, NULL, &results, &txn, &comment);
    fuzz_check(json_is_array(results), "no result array");
    if (r) {
        fuzz_check(txn == NULL, "failed transaction returned changes");
        after = ovsdb_db_snapshot(db);
        fuzz_check(json_equal(before, after), "failed transaction changed the database");
        json_decref(after);
    } else if (txn) {
        rec = ovsdb_txn_record(txn);
        ovsdb_txn_apply(txn);
        ovsdb_txn_free(txn);
        after = ovsdb_db_snapshot(db);
        copy = new_db(schema_json);
        fuzz_check(!ovsdb_db_replay(copy, before) && !ovsdb_db_replay(copy, rec) &&
                           !ovsdb_db_reindex(copy),
                   "journal record does not replay");
        again = ovsdb_db_snapshot(copy);
        fuzz_check(json_equal(after, again), "replayed journal differs from the database");
        json_decref(again);
        json_decref(after);
        json_decref(rec);
        ovsdb_db_free(copy);
    }
    json_decref(results);
    json_decref(comment);
    json_decref(before);
    json_decref(ops);
    ovsdb_db_free(db);
    return 0;
}
