/* Unit tests for lib/paths: root-prefix resolution. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

static void test_default_root(void **state)
{
    (void)state;
    unsetenv("XVS_ROOT");
    assert_int_equal(paths_init(NULL), 0);
    assert_string_equal(paths_root(), "");
    char *p = paths_get(PATHS_DBCACHE);
    assert_string_equal(p, "/var/xapi/network.dbcache");
    free(p);
}

static void test_explicit_root_strips_slashes(void **state)
{
    (void)state;
    assert_int_equal(paths_init("/tmp/host1//"), 0);
    assert_string_equal(paths_root(), "/tmp/host1");
    char *p = paths_get(PATHS_XAPI_SOCKET);
    assert_string_equal(p, "/tmp/host1/var/lib/xcp/xapi");
    free(p);
}

static void test_env_root(void **state)
{
    (void)state;
    setenv("XVS_ROOT", "/srv/sandbox", 1);
    assert_int_equal(paths_init(NULL), 0);
    char *p = paths_get("/etc/xensource-inventory");
    assert_string_equal(p, "/srv/sandbox/etc/xensource-inventory");
    free(p);
    /* An explicit prefix wins over the environment. */
    assert_int_equal(paths_init("/other"), 0);
    assert_string_equal(paths_root(), "/other");
    unsetenv("XVS_ROOT");
}

static void test_relative_root_rejected(void **state)
{
    (void)state;
    assert_int_equal(paths_init("/kept"), 0);
    assert_int_equal(paths_init("relative/dir"), -EINVAL);
    /* A rejected prefix leaves the previous one in place. */
    assert_string_equal(paths_root(), "/kept");
}

static void test_relative_path_joined(void **state)
{
    (void)state;
    assert_int_equal(paths_init("/r"), 0);
    char *p = paths_get("etc/x");
    assert_string_equal(p, "/r/etc/x");
    free(p);
}

static void test_too_long(void **state)
{
    (void)state;
    char *big = malloc(8192);
    memset(big, 'a', 8191);
    big[0] = '/';
    big[8191] = '\0';
    assert_int_equal(paths_init(big), -ENAMETOOLONG);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_default_root),
            cmocka_unit_test(test_explicit_root_strips_slashes),
            cmocka_unit_test(test_env_root),
            cmocka_unit_test(test_relative_root_rejected),
            cmocka_unit_test(test_relative_path_joined),
            cmocka_unit_test(test_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
