/* Unit tests for lib/log: stderr lines, levels, ident. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs the logging calls with stderr redirected to a temporary file and
 * returns what they printed. */
static char *capture_stderr(void (*fn)(void))
{
    static char out[4096];
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    size_t n;

    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

static void log_some(void)
{
    xlog_info("Running command: %s %s", "/sbin/ip", "link");
    xlog_debug("hidden at info level");
    xlog_err("Command failed %d: %s", 1, "/sbin/ip link");
}

static void test_plain_lines_on_stderr(void **state)
{
    (void)state;
    xlog_open("/opt/xensource/libexec/interface-reconfigure", false);
    xlog_set_level(XLOG_INFO);
    assert_string_equal(xlog_ident(), "interface-reconfigure");
    assert_string_equal(capture_stderr(log_some),
                        "Running command: /sbin/ip link\nCommand failed 1: /sbin/ip link\n");
}

static void test_levels(void **state)
{
    enum xlog_level level;

    (void)state;
    xlog_open("t", false);
    assert_int_equal(xlog_parse_level("debug", &level), 0);
    assert_int_equal(level, XLOG_DEBUG);
    xlog_set_level(level);
    assert_non_null(strstr(capture_stderr(log_some), "hidden at info level"));
    xlog_set_level(XLOG_ERR);
    assert_string_equal(capture_stderr(log_some), "Command failed 1: /sbin/ip link\n");
    assert_int_equal(xlog_parse_level("loud", &level), -EINVAL);
    assert_int_equal(xlog_get_level(), XLOG_ERR);
}

static void keep_errno(void)
{
    errno = EPIPE;
    xlog_err("x");
    assert_int_equal(errno, EPIPE);
}

static void test_errno_preserved(void **state)
{
    (void)state;
    xlog_open("t", false);
    assert_string_equal(capture_stderr(keep_errno), "x\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_lines_on_stderr),
            cmocka_unit_test(test_levels),
            cmocka_unit_test(test_errno_preserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
