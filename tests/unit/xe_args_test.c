/* Unit tests for xapi-bindings/xe/xe_args: how xe splits its command line
 * into connection options, the command and key=value parameters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xe/xe_args.h"

#define ARGV(...)          ((char *const[]){"xe", __VA_ARGS__, NULL})
#define ARGC(...)          ((int)(sizeof((char *[]){"xe", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, err, ...) xe_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, err)

static void test_command_and_params(void **state)
{
    struct xe_args a;
    char *err = NULL;

    (void)state;
    assert_int_equal(PARSE(&a, &err, "pif-list", "device=eth0", "params=uuid,device",
                           "other-config:a=b=c", "flag"),
                     0);
    assert_null(err);
    assert_string_equal(a.command, "pif-list");
    assert_int_equal(a.n_params, 4);
    assert_string_equal(xe_args_get(&a, "device"), "eth0");
    assert_string_equal(xe_args_get(&a, "params"), "uuid,device");
    /* Split at the first '=' only. */
    assert_string_equal(xe_args_get(&a, "other-config:a"), "b=c");
    assert_string_equal(xe_args_get(&a, "flag"), "");
    assert_null(xe_args_get(&a, "missing"));
    assert_null(a.server);
    assert_int_equal(a.port, 0);
    xe_args_clear(&a);
}

static void test_connection_options_anywhere(void **state)
{
    struct xe_args a;
    char *err = NULL;

    (void)state;
    assert_int_equal(PARSE(&a, &err, "-s", "xs1", "vm-list", "-p", "8443", "-u", "admin", "-pw",
                           "secret", "--nossl", "--minimal", "--force"),
                     0);
    assert_string_equal(a.command, "vm-list");
    assert_string_equal(a.server, "xs1");
    assert_int_equal(a.port, 8443);
    assert_string_equal(a.user, "admin");
    assert_string_equal(a.password, "secret");
    assert_true(a.nossl);
    assert_true(xe_args_bool(&a, "minimal", false));
    assert_true(xe_args_bool(&a, "force", false));
    assert_int_equal(a.n_params, 2);
    xe_args_clear(&a);

    /* The key=value forms of the connection keywords. */
    assert_int_equal(PARSE(&a, &err, "network-list", "server=xs2", "port=80", "username=u",
                           "password=p", "nossl=true", "bridge=xenbr0"),
                     0);
    assert_string_equal(a.server, "xs2");
    assert_int_equal(a.port, 80);
    assert_string_equal(a.user, "u");
    assert_string_equal(a.password, "p");
    assert_true(a.nossl);
    assert_int_equal(a.n_params, 1);
    assert_string_equal(xe_args_get(&a, "bridge"), "xenbr0");
    xe_args_clear(&a);
}

static void test_xvs_options(void **state)
{
    struct xe_args a;
    char *err = NULL;

    (void)state;
    assert_int_equal(PARSE(&a, &err, "--root-prefix=/tmp/r", "pif-list", "--ca-file", "/ca.pem",
                           "--insecure", "--debug"),
                     0);
    assert_string_equal(a.root_prefix, "/tmp/r");
    assert_string_equal(a.ca_file, "/ca.pem");
    assert_true(a.insecure);
    assert_true(a.debug);
    xe_args_clear(&a);
    assert_int_equal(PARSE(&a, &err, "pif-list", "--root-prefix", "/r2"), 0);
    assert_string_equal(a.root_prefix, "/r2");
    xe_args_clear(&a);
}

static void test_help_and_empty(void **state)
{
    struct xe_args a;
    char *err = NULL;
    char *const argv[] = {"xe", NULL};

    (void)state;
    assert_int_equal(xe_args_parse(1, argv, &a, &err), 0);
    assert_null(a.command);
    xe_args_clear(&a);
    assert_int_equal(PARSE(&a, &err, "pif-list", "--help"), 0);
    assert_true(a.help);
    xe_args_clear(&a);
}

static void test_errors(void **state)
{
    struct xe_args a;
    char *err = NULL;

    (void)state;
    assert_int_equal(PARSE(&a, &err, "pif-list", "-p", "70000"), -EINVAL);
    assert_string_equal(err, "Port number must be an integer (0-65535)");
    free(err);
    assert_int_equal(PARSE(&a, &err, "pif-list", "-p", "x"), -EINVAL);
    free(err);
    assert_int_equal(PARSE(&a, &err, "pif-list", "-s"), -EINVAL);
    assert_string_equal(err, "Switch -s requires a parameter");
    free(err);
    assert_int_equal(PARSE(&a, &err, "pif-list", "-z", "1"), -EINVAL);
    assert_string_equal(err, "Syntax error: Unknown switch: -z");
    free(err);
    assert_int_equal(PARSE(&a, &err, "uuid=x", "pif-list"), -EINVAL);
    assert_string_equal(err, "Syntax error: command name is missing");
    free(err);
    /* Nothing is left behind on failure. */
    assert_null(a.command);
    assert_null(a.params);
}

static void test_bool_and_std(void **state)
{
    struct xe_args a;
    char *err = NULL;

    (void)state;
    assert_int_equal(PARSE(&a, &err, "vm-start", "force=TRUE", "paused=0", "multiple=maybe"), 0);
    assert_true(xe_args_bool(&a, "force", false));
    assert_false(xe_args_bool(&a, "paused", true));
    assert_true(xe_args_bool(&a, "multiple", true));
    assert_false(xe_args_bool(&a, "multiple", false));
    assert_false(xe_args_bool(&a, "absent", false));
    xe_args_clear(&a);
    assert_true(xe_args_is_std("minimal"));
    assert_true(xe_args_is_std("force"));
    assert_false(xe_args_is_std("device"));
    xe_args_clear(NULL);
}

static void test_password_file(void **state)
{
    struct xe_args a = {0};
    char path[] = "/tmp/xe-args-pwf.XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "alice\nwonder land\n", 18), 18);
    close(fd);
    assert_int_equal(xe_args_read_password_file(&a, path), 0);
    assert_string_equal(a.user, "alice");
    assert_string_equal(a.password, "wonder land");
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "only-user\n", 10), 10);
    close(fd);
    assert_int_equal(xe_args_read_password_file(&a, path), -EINVAL);
    assert_string_equal(a.user, "alice");
    unlink(path);
    assert_int_equal(xe_args_read_password_file(&a, path), -ENOENT);
    xe_args_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_command_and_params),
            cmocka_unit_test(test_connection_options_anywhere),
            cmocka_unit_test(test_xvs_options),
            cmocka_unit_test(test_help_and_empty),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_bool_and_std),
            cmocka_unit_test(test_password_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
