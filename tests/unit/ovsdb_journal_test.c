/* Unit tests for the xvs-dbd journal (replay, torn tails, corruption,
 * compaction) and for the server's request handling (methods and errors). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../switchd/dbd/dbd_server.h"
#include "../../switchd/dbd/ovsdb_exec.h"
#include "../../switchd/dbd/ovsdb_journal.h"
#include "evloop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *schema_text =
        "{\"name\": \"J\", \"version\": \"1.2.3\", \"tables\": {"
        " \"R\": {\"isRoot\": true, \"columns\": {"
        "   \"name\": {\"type\": \"string\"},"
        "   \"kids\": {\"type\": {\"key\": {\"type\": \"uuid\", \"refTable\": \"K\"}, \"min\": 0,"
        "                        \"max\": \"unlimited\"}}}},"
        " \"K\": {\"columns\": {\"n\": {\"type\": \"integer\"}}}}}";

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    static struct fixture f;

    snprintf(f.dir, sizeof f.dir, "/tmp/ovsdb_journal_test.XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    snprintf(f.path, sizeof f.path, "%s/conf.db", f.dir);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char tmp[160];

    unlink(f->path);
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    unlink(tmp);
    rmdir(f->dir);
    return 0;
}

/* Executes ops text, journals and applies it.  Returns the exec status. */
static int commit(struct ovsdb_journal *j, struct ovsdb_db *db, const char *ops_text)
{
    json_t *ops = json_loads(ops_text, 0, NULL), *results, *comment, *rec;
    struct ovsdb_txn *txn;
    int r;

    assert_non_null(ops);
    r = ovsdb_exec(db, ops, NULL, NULL, &results, &txn, &comment);
    if (txn) {
        rec = json_pack("{s:o}", "txn", ovsdb_txn_record(txn));
        assert_int_equal(ovsdb_journal_append(j, rec), 0);
        json_decref(rec);
        ovsdb_txn_apply(txn);
        ovsdb_txn_free(txn);
    }
    json_decref(results);
    json_decref(comment);
    json_decref(ops);
    return r;
}

static size_t rows(struct ovsdb_db *db, const char *table)
{
    return ovsdb_db_count(db, (size_t)ovsdb_schema_table(ovsdb_db_schema(db), table));
}

static long long file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long long)st.st_size;
}

static void test_create_replay(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;

    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 0);
    assert_int_equal(commit(j, db,
                            "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"a\","
                            " \"kids\": [\"named-uuid\", \"k\"]}}, {\"op\": \"insert\", \"table\":"
                            " \"K\", \"uuid-name\": \"k\", \"row\": {\"n\": 7}}]"),
                     0);
    assert_int_equal(commit(j, db,
                            "[{\"op\": \"update\", \"table\": \"R\", \"where\": [], \"row\": "
                            "{\"name\": \"b\"}}]"),
                     0);
    /* A second server cannot open the same file. */
    {
        struct ovsdb_journal *j2;
        struct ovsdb_db *db2;
        assert_true(ovsdb_journal_open(f->path, schema_text, &j2, &db2) < 0);
    }
    ovsdb_journal_close(j);
    ovsdb_db_free(db);

    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 1);
    assert_int_equal(rows(db, "K"), 1);
    assert_int_equal(ovsdb_journal_records(j), 2);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
}

static void test_torn_tail(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    long long good;
    int fd;

    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(
            commit(j, db, "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"a\"}}]"),
            0);
    good = ovsdb_journal_size(j);
    assert_int_equal(
            commit(j, db, "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"b\"}}]"),
            0);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    /* Cut the last record short, as a crash in the middle of write(2) would. */
    assert_int_equal(truncate(f->path, (off_t)(file_size(f->path) - 5)), 0);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 1);
    assert_int_equal(file_size(f->path), good);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    /* A corrupt record (bad checksum) is dropped the same way. */
    fd = open(f->path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "XVSJ 2 00000000\n{}\n", 19), 19);
    close(fd);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 1);
    assert_int_equal(file_size(f->path), good);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
}

/* Records go into zeros the file was grown by ahead of time: they load
 * back, a record torn inside the zeros is dropped, leftovers of unsynced
 * records behind the zeros are dropped, and a clean close trims the zeros. */
static void test_reserve(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    long long good, end;
    int fd;

    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    ovsdb_journal_reserve(j);
    assert_true(file_size(f->path) >= ovsdb_journal_size(j) + (256 << 10));
    for (int i = 0; i < 3; i++) {
        char ops[128];
        snprintf(ops, sizeof ops,
                 "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"r%d\"}}]", i);
        assert_int_equal(commit(j, db, ops), 0);
        ovsdb_journal_reserve(j);
    }
    good = ovsdb_journal_size(j);
    assert_true(file_size(f->path) > good);
    end = file_size(f->path);
    /* A crash now: the file keeps its zeros (no clean close). */
    fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);
    ovsdb_db_free(db);
    {
        /* Simulate the crash by copying the file before the close trims it. */
        char copy[160], buf[4096];
        ssize_t n;
        int out;
        snprintf(copy, sizeof copy, "%s.crash", f->path);
        out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(out >= 0);
        while ((n = read(fd, buf, sizeof buf)) > 0) {
            assert_int_equal(write(out, buf, (size_t)n), n);
        }
        close(out);
        close(fd);
        ovsdb_journal_close(j);
        assert_int_equal(file_size(f->path), good);
        assert_int_equal(rename(copy, f->path), 0);
    }
    assert_int_equal(file_size(f->path), end);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 3);
    assert_int_equal(ovsdb_journal_size(j), good);
    /* Appends go right after the last record, into the zeros. */
    assert_int_equal(
            commit(j, db, "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"z\"}}]"),
            0);
    good = ovsdb_journal_size(j);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    assert_int_equal(file_size(f->path), good);

    /* A record torn inside the zeros: its start is there, its end is not. */
    assert_int_equal(truncate(f->path, (off_t)(good + 4096)), 0);
    fd = open(f->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "XVSJ 40 0badc0de\n{\"txn\"", 24, (off_t)good), 24);
    close(fd);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 4);
    assert_int_equal(file_size(f->path), good);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);

    /* Zeros, then bytes of records that never reached the disk in order:
     * dropped, so that later records cannot run into them. */
    assert_int_equal(truncate(f->path, (off_t)(good + 8192)), 0);
    fd = open(f->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "XVSJ 2 00000000\n{}\n", 19, (off_t)(good + 4096)), 19);
    close(fd);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 4);
    assert_int_equal(file_size(f->path), good);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
}

static void test_not_a_database(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "garbage\n", 8), 8);
    close(fd);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), -EINVAL);
    assert_null(db);
}

/* An Open vSwitch database file (ovsdb-server's standalone format, with a
 * full-value record and an "_is_diff" record) is loaded and rewritten in
 * the journal format. */
static void test_ovs_format(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    const char *u = "11111111-2222-4333-8444-555555555555";
    char rec1[512], rec2[512];
    FILE *fp;

    snprintf(rec1, sizeof rec1,
             "{\"_date\": 1, \"R\": {\"%s\": {\"name\": \"a\", \"kids\": [\"uuid\", "
             "\"%s\"]}}, \"K\": {\"%s\": {\"n\": 4}}}",
             u, "aaaaaaaa-2222-4333-8444-555555555555", "aaaaaaaa-2222-4333-8444-555555555555");
    snprintf(rec2, sizeof rec2, "{\"_is_diff\": true, \"R\": {\"%s\": {\"name\": \"b\"}}}", u);
    fp = fopen(f->path, "w");
    assert_non_null(fp);
    fprintf(fp, "OVSDB JSON %zu 0000000000000000000000000000000000000000\n%s\n",
            strlen(schema_text), schema_text);
    fprintf(fp, "OVSDB JSON %zu 0000000000000000000000000000000000000000\n%s\n", strlen(rec1),
            rec1);
    fprintf(fp, "OVSDB JSON %zu 0000000000000000000000000000000000000000\n%s\n", strlen(rec2),
            rec2);
    fprintf(fp, "OVSDB JSON 400 0000000000000000000000000000000000000000\n{\"tor");
    fclose(fp);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 1);
    assert_int_equal(rows(db, "K"), 1);
    {
        size_t rt = (size_t)ovsdb_schema_table(ovsdb_db_schema(db), "R");
        const struct ovsdb_row *r = ovsdb_db_get(db, rt, u);
        int c = ovsdb_tschema_column(&ovsdb_db_schema(db)->tables[rt], "name");
        assert_non_null(r);
        assert_string_equal(json_string_value(json_array_get(r->cols[c], 0)), "b");
    }
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    /* The file is now ours and loads again. */
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 1);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
}

static void test_compact(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    long long before;

    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    for (int i = 0; i < 20; i++) {
        char ops[256];
        snprintf(ops, sizeof ops,
                 "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"r%d\"}},"
                 " {\"op\": \"delete\", \"table\": \"R\", \"where\": [[\"name\", \"==\", "
                 "\"r%d\"]]}]",
                 i, i - 1);
        assert_int_equal(commit(j, db, ops), 0);
    }
    before = ovsdb_journal_size(j);
    assert_int_equal(ovsdb_journal_compact(j, db), 0);
    assert_true(ovsdb_journal_size(j) < before);
    assert_int_equal(file_size(f->path), ovsdb_journal_size(j));
    /* Appends go to the new file. */
    assert_int_equal(
            commit(j, db, "[{\"op\": \"insert\", \"table\": \"R\", \"row\": {\"name\": \"z\"}}]"),
            0);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 2);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
}

/* Sends one request to the server and returns the reply (caller frees). */
static json_t *call(struct dbd_server *srv, const char *text)
{
    json_t *msg = json_loads(text, 0, NULL), *reply;

    assert_non_null(msg);
    reply = dbd_server_handle(srv, msg);
    json_decref(msg);
    return reply;
}

static const char *error_of(const json_t *reply)
{
    const json_t *e = json_object_get(reply, "error");
    return json_is_string(e) ? json_string_value(e) : NULL;
}

static void test_server_methods(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    struct dbd_server *srv;
    struct evl *loop;
    json_t *r;

    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(dbd_server_new(loop, db, j, &srv), 0);

    r = call(srv, "{\"method\": \"list_dbs\", \"params\": [], \"id\": 1}");
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "result"), 0)), "J");
    assert_true(json_is_null(json_object_get(r, "error")));
    json_decref(r);
    r = call(srv, "{\"method\": \"get_schema\", \"params\": [\"_Server\"], \"id\": 2}");
    assert_string_equal(error_of(r), "unknown database");
    json_decref(r);
    r = call(srv, "{\"method\": \"get_schema\", \"params\": [\"J\"], \"id\": 2}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"), "version")),
                        "1.2.3");
    json_decref(r);
    r = call(srv, "{\"method\": \"transact\", \"params\": [\"X\", {\"op\": \"comment\", "
                  "\"comment\": \"c\"}], \"id\": 3}");
    assert_string_equal(error_of(r), "unknown database");
    json_decref(r);
    r = call(srv, "{\"method\": \"transact\", \"params\": [\"J\", {\"op\": \"insert\", \"table\": "
                  "\"R\", \"row\": {\"name\": \"x\"}}, {\"op\": \"comment\", \"comment\": "
                  "\"hello\"}], \"id\": 4}");
    assert_non_null(json_object_get(json_array_get(json_object_get(r, "result"), 0), "uuid"));
    json_decref(r);
    assert_int_equal(ovsdb_journal_records(j), 1);
    r = call(srv, "{\"method\": \"monitor\", \"params\": [\"J\", null, {\"R\": {\"columns\": "
                  "[\"name\"]}}], \"id\": 5}");
    {
        const char *k;
        json_t *v, *tab = json_object_get(json_object_get(r, "result"), "R");
        assert_int_equal(json_object_size(tab), 1);
        json_object_foreach(tab, k, v)
        {
            assert_string_equal(
                    json_string_value(json_object_get(json_object_get(v, "new"), "name")), "x");
        }
    }
    json_decref(r);
    r = call(srv, "{\"method\": \"monitor_cond\", \"params\": [\"J\", 1, {\"R\": [{\"where\": "
                  "[[\"name\", \"==\", \"nope\"]]}]}], \"id\": 6}");
    assert_int_equal(json_object_size(json_object_get(r, "result")), 0);
    json_decref(r);
    r = call(srv, "{\"method\": \"monitor_cond\", \"params\": [\"J\", 1, {\"Nope\": {}}], "
                  "\"id\": 6}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "error")),
                        "syntax error");
    json_decref(r);
    r = call(srv, "{\"method\": \"monitor_cond_since\", \"params\": [\"J\", 1, {}, null], "
                  "\"id\": 7}");
    assert_string_equal(error_of(r), "unknown method");
    json_decref(r);
    r = call(srv, "{\"method\": \"echo\", \"params\": [\"ping\"], \"id\": \"echo\"}");
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "result"), 0)), "ping");
    json_decref(r);
    r = call(srv, "{\"method\": \"lock\", \"params\": [\"l\"], \"id\": 8}");
    assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "locked")));
    json_decref(r);
    r = call(srv, "{\"method\": \"transact\", \"params\": \"bad\", \"id\": 9}");
    assert_string_equal(error_of(r), "invalid parameters");
    json_decref(r);

    dbd_server_free(srv);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    evl_free(loop);
}

/* The server compacts the journal by itself once it has grown past 16 MiB
 * and four times its size after the last compaction. */
static void test_auto_compact(void **state)
{
    struct fixture *f = *state;
    struct ovsdb_journal *j;
    struct ovsdb_db *db;
    struct dbd_server *srv;
    struct evl *loop;
    size_t big = 1u << 20;
    char *name = malloc(big + 1);
    long long last = 0;
    int shrank = 0;

    assert_non_null(name);
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(dbd_server_new(loop, db, j, &srv), 0);
    json_decref(call(srv, "{\"method\": \"transact\", \"params\": [\"J\", {\"op\": "
                          "\"insert\", \"table\": \"R\", \"row\": {}}], \"id\": 1}"));
    for (int i = 0; i < 24; i++) {
        json_t *req, *reply;
        memset(name, 'a' + i % 26, big);
        name[big] = 0;
        req = json_pack("{s:s, s:[s, {s:s, s:s, s:[], s:{s:s}}], s:i}", "method", "transact",
                        "params", "J", "op", "update", "table", "R", "where", "row", "name", name,
                        "id", i);
        reply = dbd_server_handle(srv, req);
        assert_non_null(
                json_object_get(json_array_get(json_object_get(reply, "result"), 0), "count"));
        json_decref(reply);
        json_decref(req);
        /* A commit that makes the file shrink was followed by a compaction. */
        shrank += ovsdb_journal_size(j) < last;
        last = ovsdb_journal_size(j);
    }
    assert_int_equal(shrank, 1);
    assert_true(last < (16ll << 20));
    dbd_server_free(srv);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    /* Whatever was compacted loads back with the last value. */
    assert_int_equal(ovsdb_journal_open(f->path, schema_text, &j, &db), 0);
    assert_int_equal(rows(db, "R"), 1);
    ovsdb_journal_close(j);
    ovsdb_db_free(db);
    evl_free(loop);
    free(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_create_replay, setup, teardown),
            cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
            cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
            cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ovs_format, setup, teardown),
            cmocka_unit_test_setup_teardown(test_server_methods, setup, teardown),
            cmocka_unit_test_setup_teardown(test_auto_compact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
