/* Unit tests for lib/fsutil: bounded reads, atomic writes, mkdir -p. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    snprintf(fx->dir, sizeof fx->dir, "/tmp/xvs-fsutil.XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0) {
        return -1;
    }
    free(fx);
    return 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d))) {
        n += e->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static void test_write_then_read(void **state)
{
    struct fixture *fx = *state;
    char path[128], *data;
    size_t len;

    snprintf(path, sizeof path, "%s/file", fx->dir);
    assert_int_equal(fsu_write_atomic(path, "hello\n", 6, 0644), 0);
    assert_int_equal(fsu_read_file(path, 100, &data, &len), 0);
    assert_int_equal(len, 6);
    assert_string_equal(data, "hello\n");
    free(data);
    /* Replacing leaves exactly one file: no temporary is left behind. */
    assert_int_equal(fsu_write_atomic(path, "bye", 3, 0644), 0);
    assert_int_equal(count_entries(fx->dir), 1);
    assert_int_equal(fsu_read_file(path, 100, &data, &len), 0);
    assert_string_equal(data, "bye");
    free(data);
}

static void test_read_limit(void **state)
{
    struct fixture *fx = *state;
    char path[128], *data = (char *)1;
    static char big[10000];

    memset(big, 'x', sizeof big);
    snprintf(path, sizeof path, "%s/big", fx->dir);
    assert_int_equal(fsu_write_atomic(path, big, sizeof big, 0600), 0);
    assert_int_equal(fsu_read_file(path, 9999, &data, NULL), -E2BIG);
    assert_null(data);
    assert_int_equal(fsu_read_file(path, 10000, &data, NULL), 0);
    free(data);
}

static void test_missing_file(void **state)
{
    struct fixture *fx = *state;
    char path[128], *data;

    snprintf(path, sizeof path, "%s/absent", fx->dir);
    assert_int_equal(fsu_read_file(path, 10, &data, NULL), -ENOENT);
}

static void test_failed_write_keeps_old(void **state)
{
    struct fixture *fx = *state;
    char path[128], *data;

    /* Renaming a file over a non-empty directory fails: the directory and
     * its content stay, and the temporary file is removed. */
    snprintf(path, sizeof path, "%s/target", fx->dir);
    assert_int_equal(fsu_mkdir_p(path, 0755), 0);
    snprintf(path, sizeof path, "%s/target/inner", fx->dir);
    assert_int_equal(fsu_write_atomic(path, "old", 3, 0644), 0);
    snprintf(path, sizeof path, "%s/target", fx->dir);
    assert_true(fsu_write_atomic(path, "new", 3, 0644) < 0);
    assert_int_equal(count_entries(fx->dir), 1);
    snprintf(path, sizeof path, "%s/target/inner", fx->dir);
    assert_int_equal(fsu_read_file(path, 10, &data, NULL), 0);
    assert_string_equal(data, "old");
    free(data);
}

static void test_mkdir_p(void **state)
{
    struct fixture *fx = *state;
    char path[128];
    struct stat st;

    snprintf(path, sizeof path, "%s/a/b/c", fx->dir);
    assert_int_equal(fsu_mkdir_p(path, 0755), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(fsu_mkdir_p(path, 0755), 0);
    assert_int_equal(fsu_mkdir_p("", 0755), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_limit, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failed_write_keeps_old, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
