/* Unit tests of the xvs-xenstored tree: read/write/mkdir/rm/directory,
 * permissions, quotas, path rules, and transaction conflicts. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "xsd_store.h"

struct changes {
    char log[1024];
};

static void record(void *arg, const char *path, bool removed)
{
    struct changes *c = arg;
    size_t len = strlen(c->log);

    snprintf(c->log + len, sizeof(c->log) - len, "%s%s ", removed ? "-" : "+", path);
}

static int setup(void **state)
{
    struct xsd_store *st;

    assert_int_equal(xsd_store_new(5, &st), 0);
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    xsd_store_free(*state);
    return 0;
}

static void assert_value(struct xsd_store *st, struct xsd_txn *txn, const char *path,
                         const char *want)
{
    char *v = NULL;
    size_t len = 0;

    assert_int_equal(xsd_read(st, txn, 0, path, &v, &len), 0);
    assert_int_equal(len, strlen(want));
    assert_string_equal(v, want);
    free(v);
}

static char *dir_of(struct xsd_store *st, uint32_t domid, const char *path, int *rc)
{
    struct sbuf b = SBUF_INIT;
    size_t i;

    *rc = xsd_directory(st, NULL, domid, path, &b, NULL);
    for (i = 0; i < b.len; i++) {
        if (b.data[i] == '\0') {
            b.data[i] = ' ';
        }
    }
    return sbuf_steal(&b, NULL);
}

static void test_write_read_rm(void **state)
{
    struct xsd_store *st = *state;
    struct changes ch = {""};
    char *v, *d;
    size_t len;
    int rc;

    xsd_store_set_change_cb(st, record, &ch);
    assert_int_equal(xsd_write(st, NULL, 0, "/a/b/c", "x\0y", 3), 0);
    assert_int_equal(xsd_read(st, NULL, 0, "/a/b/c", &v, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "x\0y", 3);
    free(v);
    assert_value(st, NULL, "/a/b", "");
    assert_int_equal(xsd_read(st, NULL, 0, "/a/nope", &v, &len), -ENOENT);
    assert_int_equal(xsd_write(st, NULL, 0, "/a/d", "1", 1), 0);
    d = dir_of(st, 0, "/a", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(d, "b d ");
    free(d);
    /* mkdir leaves an existing node alone and creates a missing one. */
    assert_int_equal(xsd_mkdir(st, NULL, 0, "/a/d"), 0);
    assert_value(st, NULL, "/a/d", "1");
    assert_int_equal(xsd_mkdir(st, NULL, 0, "/m/n"), 0);
    assert_value(st, NULL, "/m/n", "");
    assert_int_equal(xsd_rm(st, NULL, 0, "/a/b"), 0);
    assert_int_equal(xsd_read(st, NULL, 0, "/a/b/c", &v, &len), -ENOENT);
    /* Removing a missing leaf is fine, a missing parent is not. */
    assert_int_equal(xsd_rm(st, NULL, 0, "/a/b"), 0);
    assert_int_equal(xsd_rm(st, NULL, 0, "/a/b/c"), -ENOENT);
    assert_int_equal(xsd_rm(st, NULL, 0, "/"), -EINVAL);
    assert_string_equal(ch.log, "+/a/b/c +/a/d +/m/n -/a/b ");
    assert_int_equal(xsd_write(st, NULL, 0, "relative", "", 0), -EINVAL);
}

static void test_value_limit(void **state)
{
    struct xsd_store *st = *state;
    char *big = calloc(1, XENSTORE_PAYLOAD_MAX + 1);

    assert_non_null(big);
    assert_int_equal(xsd_write(st, NULL, 0, "/big", big, XENSTORE_PAYLOAD_MAX + 1), -E2BIG);
    assert_int_equal(xsd_write(st, NULL, 0, "/big", big, XENSTORE_PAYLOAD_MAX), 0);
    free(big);
}

static void test_path_canon(void **state)
{
    char *p, *long_path;
    (void)state;

    assert_int_equal(xsd_path_canon("device/vif/0", 5, false, &p), 0);
    assert_string_equal(p, "/local/domain/5/device/vif/0");
    free(p);
    assert_int_equal(xsd_path_canon("/", 0, false, &p), 0);
    assert_string_equal(p, "/");
    free(p);
    assert_int_equal(xsd_path_canon("@releaseDomain", 0, true, &p), 0);
    free(p);
    assert_int_equal(xsd_path_canon("@bad/path", 0, true, &p), -EINVAL);
    assert_int_equal(xsd_path_canon("", 0, false, &p), -EINVAL);
    assert_int_equal(xsd_path_canon("/a//b", 0, false, &p), -EINVAL);
    assert_int_equal(xsd_path_canon("/a/", 0, false, &p), -EINVAL);
    assert_int_equal(xsd_path_canon("/a b", 0, false, &p), -EINVAL);
    assert_int_equal(xsd_path_canon("/a.b", 0, false, &p), -EINVAL);
    long_path = malloc(XENSTORE_ABS_PATH_MAX + 2);
    assert_non_null(long_path);
    memset(long_path, 'a', XENSTORE_ABS_PATH_MAX + 1);
    long_path[0] = '/';
    long_path[XENSTORE_ABS_PATH_MAX + 1] = '\0';
    assert_int_equal(xsd_path_canon(long_path, 0, false, &p), -E2BIG);
    long_path[XENSTORE_ABS_PATH_MAX] = '\0';
    assert_int_equal(xsd_path_canon(long_path, 0, false, &p), 0);
    free(p);
    free(long_path);
}

static void test_perms(void **state)
{
    struct xsd_store *st = *state;
    struct xsd_perm p[2];
    struct sbuf b = SBUF_INIT;
    char *v;
    size_t len;

    assert_int_equal(xsd_write(st, NULL, 0, "/vm/x", "v", 1), 0);
    /* Nodes dom0 creates are private to dom0 by default. */
    assert_int_equal(xsd_read(st, NULL, 3, "/vm/x", &v, &len), -EACCES);
    assert_int_equal(xsd_write(st, NULL, 3, "/vm/x", "w", 1), -EACCES);
    assert_int_equal(xsd_write(st, NULL, 3, "/vm/new", "w", 1), -EACCES);
    assert_int_equal(xsd_perm_parse("n0", &p[0]), 0);
    assert_int_equal(xsd_perm_parse("r3", &p[1]), 0);
    assert_int_equal(xsd_set_perms(st, NULL, 0, "/vm/x", p, 2), 0);
    assert_int_equal(xsd_get_perms(st, NULL, 0, "/vm/x", &b), 0);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "n0\0r3\0", 6);
    sbuf_free(&b);
    assert_int_equal(xsd_read(st, NULL, 3, "/vm/x", &v, &len), 0);
    free(v);
    assert_int_equal(xsd_read(st, NULL, 4, "/vm/x", &v, &len), -EACCES);
    assert_int_equal(xsd_write(st, NULL, 3, "/vm/x", "w", 1), -EACCES);
    assert_int_equal(xsd_rm(st, NULL, 3, "/vm/x"), -EACCES);
    assert_int_equal(xsd_set_perms(st, NULL, 3, "/vm/x", p, 1), -EACCES);

    /* A guest owning a node may write it and create below it; what it
     * creates is its own; it may not give the node away. */
    p[0].domid = 3;
    p[0].mode = XSD_PERM_NONE;
    assert_int_equal(xsd_set_perms(st, NULL, 0, "/vm", p, 1), 0);
    assert_int_equal(xsd_write(st, NULL, 3, "/vm/g/h", "1", 1), 0);
    assert_int_equal(xsd_get_perms(st, NULL, 3, "/vm/g/h", &b), 0);
    assert_memory_equal(b.data, "n3\0", 3);
    sbuf_free(&b);
    p[0].domid = 4;
    assert_int_equal(xsd_set_perms(st, NULL, 3, "/vm/g", p, 1), -EPERM);
    assert_true(xsd_can_read(st, 3, "/vm/g/h"));
    assert_false(xsd_can_read(st, 4, "/vm/g/h"));
    assert_int_equal(xsd_rm(st, NULL, 3, "/vm/g"), 0);
    assert_int_equal(xsd_perm_parse("x1", &p[0]), -EINVAL);
    assert_int_equal(xsd_perm_parse("r", &p[0]), -EINVAL);
    assert_int_equal(xsd_perm_parse("r1a", &p[0]), -EINVAL);
    assert_int_equal(xsd_perm_parse("b99999999999", &p[0]), -EINVAL);
}

static void test_quota(void **state)
{
    struct xsd_store *st = *state;
    struct xsd_perm p = {9, XSD_PERM_NONE};

    assert_int_equal(xsd_mkdir(st, NULL, 0, "/local/domain/9"), 0);
    assert_int_equal(xsd_set_perms(st, NULL, 0, "/local/domain/9", &p, 1), 0);
    assert_int_equal(xsd_count_entries(st, 9), 1);
    /* The quota is 5 entries (setup); a write that would pass it fails whole. */
    assert_int_equal(xsd_write(st, NULL, 9, "/local/domain/9/a/b/c/d/e", "", 0), -ENOSPC);
    assert_int_equal(xsd_count_entries(st, 9), 1);
    assert_int_equal(xsd_write(st, NULL, 9, "/local/domain/9/a/b/c/d", "", 0), 0);
    assert_int_equal(xsd_count_entries(st, 9), 5);
    assert_int_equal(xsd_write(st, NULL, 9, "/local/domain/9/z", "", 0), -ENOSPC);
    /* Rewriting an existing node needs no new entry; dom0 has no quota. */
    assert_int_equal(xsd_write(st, NULL, 9, "/local/domain/9/a", "v", 1), 0);
    assert_int_equal(xsd_write(st, NULL, 0, "/local/domain/0/1/2/3/4/5/6", "", 0), 0);
    assert_int_equal(xsd_rm(st, NULL, 9, "/local/domain/9/a/b"), 0);
    assert_int_equal(xsd_count_entries(st, 9), 2);
}

static void test_txn_commit_and_abort(void **state)
{
    struct xsd_store *st = *state;
    struct changes ch = {""};
    struct xsd_txn *t;
    char *v;
    size_t len;

    xsd_store_set_change_cb(st, record, &ch);
    assert_int_equal(xsd_write(st, NULL, 0, "/t/a", "1", 1), 0);
    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_write(st, t, 0, "/t/b", "2", 1), 0);
    assert_int_equal(xsd_rm(st, t, 0, "/t/a"), 0);
    /* The transaction sees its own changes, the rest of the world does not. */
    assert_value(st, t, "/t/b", "2");
    assert_int_equal(xsd_read(st, NULL, 0, "/t/b", &v, &len), -ENOENT);
    assert_value(st, NULL, "/t/a", "1");
    assert_string_equal(ch.log, "+/t/a ");
    assert_int_equal(xsd_txn_end(st, t, true), 0);
    assert_string_equal(ch.log, "+/t/a +/t/b -/t/a ");
    assert_value(st, NULL, "/t/b", "2");
    assert_int_equal(xsd_read(st, NULL, 0, "/t/a", &v, &len), -ENOENT);

    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_write(st, t, 0, "/t/b", "3", 1), 0);
    assert_int_equal(xsd_txn_end(st, t, false), 0);
    assert_value(st, NULL, "/t/b", "2");
}

static void test_txn_conflicts(void **state)
{
    struct xsd_store *st = *state;
    struct xsd_txn *t, *u;
    char *v;
    size_t len;

    assert_int_equal(xsd_write(st, NULL, 0, "/c/x", "0", 1), 0);

    /* Read in the transaction, changed outside: EAGAIN, nothing applied. */
    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_read(st, t, 0, "/c/x", &v, &len), 0);
    free(v);
    assert_int_equal(xsd_write(st, t, 0, "/c/y", "t", 1), 0);
    assert_int_equal(xsd_write(st, NULL, 0, "/c/x", "1", 1), 0);
    assert_int_equal(xsd_txn_end(st, t, true), -EAGAIN);
    assert_int_equal(xsd_read(st, NULL, 0, "/c/y", &v, &len), -ENOENT);

    /* Written in both: the second commit loses. */
    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_txn_start(st, 0, &u), 0);
    assert_int_equal(xsd_write(st, t, 0, "/c/x", "t", 1), 0);
    assert_int_equal(xsd_write(st, u, 0, "/c/x", "u", 1), 0);
    assert_int_equal(xsd_txn_end(st, u, true), 0);
    assert_int_equal(xsd_txn_end(st, t, true), -EAGAIN);
    assert_value(st, NULL, "/c/x", "u");

    /* A node the transaction found missing was created meanwhile. */
    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_read(st, t, 0, "/c/new", &v, &len), -ENOENT);
    assert_int_equal(xsd_write(st, NULL, 0, "/c/new", "n", 1), 0);
    assert_int_equal(xsd_txn_end(st, t, true), -EAGAIN);

    /* Removed meanwhile. */
    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_write(st, t, 0, "/c/new", "t", 1), 0);
    assert_int_equal(xsd_rm(st, NULL, 0, "/c/new"), 0);
    assert_int_equal(xsd_txn_end(st, t, true), -EAGAIN);

    /* Unrelated changes do not conflict. */
    assert_int_equal(xsd_txn_start(st, 0, &t), 0);
    assert_int_equal(xsd_read(st, t, 0, "/c/x", &v, &len), 0);
    free(v);
    assert_int_equal(xsd_write(st, t, 0, "/c/x", "ok", 2), 0);
    assert_int_equal(xsd_write(st, NULL, 0, "/elsewhere", "e", 1), 0);
    assert_int_equal(xsd_txn_end(st, t, true), 0);
    assert_value(st, NULL, "/c/x", "ok");
    assert_value(st, NULL, "/elsewhere", "e");
}

static void test_txn_perms_and_quota(void **state)
{
    struct xsd_store *st = *state;
    struct xsd_perm p = {8, XSD_PERM_NONE};
    struct xsd_txn *t;

    assert_int_equal(xsd_mkdir(st, NULL, 0, "/local/domain/8"), 0);
    assert_int_equal(xsd_set_perms(st, NULL, 0, "/local/domain/8", &p, 1), 0);
    assert_int_equal(xsd_txn_start(st, 8, &t), 0);
    assert_int_equal(xsd_write(st, t, 8, "/secret", "x", 1), -EACCES);
    assert_int_equal(xsd_write(st, t, 8, "/local/domain/8/a/b", "x", 1), 0);
    assert_int_equal(xsd_write(st, t, 8, "/local/domain/8/c/d/e", "x", 1), -ENOSPC);
    assert_int_equal(xsd_txn_end(st, t, true), 0);
    assert_int_equal(xsd_count_entries(st, 8), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_write_read_rm, setup, teardown),
            cmocka_unit_test_setup_teardown(test_value_limit, setup, teardown),
            cmocka_unit_test(test_path_canon),
            cmocka_unit_test_setup_teardown(test_perms, setup, teardown),
            cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
            cmocka_unit_test_setup_teardown(test_txn_commit_and_abort, setup, teardown),
            cmocka_unit_test_setup_teardown(test_txn_conflicts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_txn_perms_and_quota, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
