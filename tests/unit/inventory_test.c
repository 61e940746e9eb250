/* Unit tests for xapi-bindings/inventory: the /etc/xensource-inventory
 * reader. */
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

#include "fsutil.h"
#include "inventory.h"
#include "log.h"

/* An inventory as the installer writes it (values invented). */
static const char sample[] = "PRIMARY_DISK='/dev/disk/by-id/scsi-SATA_QEMU_HARDDISK_QM00001'\n"
                             "PRODUCT_VERSION='8.2.1'\n"
                             "BUILD_NUMBER='release/yangtze/master/58'\n"
                             "INSTALLATION_UUID='3f9c1d2e-8a7b-4c6d-9e0f-1a2b3c4d5e6f'\n"
                             "CONTROL_DOMAIN_UUID='a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d'\n"
                             "MANAGEMENT_INTERFACE='xenbr0'\n"
                             "MANAGEMENT_ADDRESS_TYPE='IPv4'\n"
                             "CURRENT_INTERFACES='xenbr0'\n"
                             "DOM0_MEM='4096'\n";

/* Runs inv_parse with stderr captured into "log". */
static int parse_capture(const char *s, size_t len, struct inv *inv, char *log, size_t size)
{
    char tmpl[] = "/tmp/inventory_test.XXXXXX";
    int fd = mkstemp(tmpl), saved, r;
    ssize_t n;

    assert_true(fd >= 0);
    unlink(tmpl);
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    r = inv_parse(s, len, inv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = pread(fd, log, size - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    return r;
}

static void test_read_installer_file(void **state)
{
    char dir[] = "/tmp/inventory_test.XXXXXX", *path;
    struct inv inv = INV_INIT;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_true(asprintf(&path, "%s/xensource-inventory", dir) > 0);
    assert_int_equal(fsu_write_atomic(path, sample, strlen(sample), 0644), 0);
    assert_int_equal(inv_read(path, &inv), 0);
    assert_int_equal(inv.n, 9);
    assert_string_equal(inv_get(&inv, "INSTALLATION_UUID"), "3f9c1d2e-8a7b-4c6d-9e0f-1a2b3c4d5e6f");
    assert_string_equal(inv_get(&inv, "MANAGEMENT_INTERFACE"), "xenbr0");
    assert_string_equal(inv_get(&inv, "PRIMARY_DISK"),
                        "/dev/disk/by-id/scsi-SATA_QEMU_HARDDISK_QM00001");
    assert_string_equal(inv.entries[0].key, "PRIMARY_DISK");
    assert_string_equal(inv.entries[8].key, "DOM0_MEM");
    assert_null(inv_get(&inv, "installation_uuid")); /* Keys are case-sensitive. */
    assert_null(inv_get(&inv, "MISSING"));
    assert_null(inv_get(&inv, NULL));
    inv_clear(&inv);
    assert_int_equal(inv.n, 0);
    assert_null(inv_get(&inv, "DOM0_MEM"));
    unlink(path);
    rmdir(dir);
    free(path);
}

static void test_quoting_forms(void **state)
{
    static const char text[] = "SINGLE='a b \"c\" $HOME # not a comment'\n"
                               "DOUBLE=\"x \\\"y\\\" \\\\ \\$z \\n 'q'\"\n"
                               "BARE=value-1.2:3/4\n"
                               "EMPTY_SINGLE=''\n"
                               "EMPTY_DOUBLE=\"\"\n"
                               "EMPTY=\n"
                               "EQUALS='a=b=c'\n"
                               "_under_score9=ok\n";
    struct inv inv = INV_INIT;

    (void)state;
    assert_int_equal(inv_parse(text, strlen(text), &inv), 0);
    assert_int_equal(inv.n, 8);
    assert_string_equal(inv_get(&inv, "SINGLE"), "a b \"c\" $HOME # not a comment");
    /* Only \", \\, \$ and \` are escapes inside double quotes. */
    assert_string_equal(inv_get(&inv, "DOUBLE"), "x \"y\" \\ $z \\n 'q'");
    assert_string_equal(inv_get(&inv, "BARE"), "value-1.2:3/4");
    assert_string_equal(inv_get(&inv, "EMPTY_SINGLE"), "");
    assert_string_equal(inv_get(&inv, "EMPTY_DOUBLE"), "");
    assert_string_equal(inv_get(&inv, "EMPTY"), "");
    assert_string_equal(inv_get(&inv, "EQUALS"), "a=b=c");
    assert_string_equal(inv_get(&inv, "_under_score9"), "ok");
    inv_clear(&inv);
}

static void test_comments_blanks_and_line_ends(void **state)
{
    static const char text[] = "# written by the installer\n"
                               "\n"
                               "   \t\n"
                               "  INDENTED='yes'  \n"
                               "CRLF='dos'\r\n"
                               "\t# indented comment\n"
                               "TRAILING='v' # a comment after the value\n"
                               "BARE_TRAILING=w\t# another\n"
                               "LAST='no newline'";
    struct inv inv = INV_INIT;

    (void)state;
    assert_int_equal(inv_parse(text, strlen(text), &inv), 0);
    assert_int_equal(inv.n, 5);
    assert_string_equal(inv_get(&inv, "INDENTED"), "yes");
    assert_string_equal(inv_get(&inv, "CRLF"), "dos");
    assert_string_equal(inv_get(&inv, "TRAILING"), "v");
    assert_string_equal(inv_get(&inv, "BARE_TRAILING"), "w");
    assert_string_equal(inv_get(&inv, "LAST"), "no newline");
    inv_clear(&inv);
    /* Nothing at all, or only comments, is a valid empty inventory. */
    assert_int_equal(inv_parse("", 0, &inv), 0);
    assert_int_equal(inv.n, 0);
    assert_int_equal(inv_parse("# only\n\n", 8, &inv), 0);
    assert_int_equal(inv.n, 0);
}

static void test_duplicate_key_last_wins(void **state)
{
    static const char text[] = "A='1'\nB='2'\nA='3'\n";
    struct inv inv = INV_INIT;

    (void)state;
    assert_int_equal(inv_parse(text, strlen(text), &inv), 0);
    assert_int_equal(inv.n, 2);
    assert_string_equal(inv.entries[0].key, "A");
    assert_string_equal(inv_get(&inv, "A"), "3");
    assert_string_equal(inv_get(&inv, "B"), "2");
    inv_clear(&inv);
}

static void test_malformed_lines(void **state)
{
    static const struct {
        const char *text;
        const char *line; /* Expected "line N:" in the message. */
        const char *why;  /* Expected part of the message. */
    } cases[] = {
            {"A='1'\nNO_EQUALS_SIGN\n", "line 2:", "no '='"},
            {"MY-KEY='x'\n", "line 1:", "'-' in key MY"},
            {"1KEY='x'\n", "line 1:", "must start"},
            {"KEY ='x'\n", "line 1:", "0x20 in key KEY"},
            {"export KEY='x'\n", "line 1:", "in key export"},
            {"=value\n", "line 1:", "must start"},
            {"# c\n\nKEY='unterminated\nNEXT='x'\n", "line 3:", "unterminated single quote"},
            {"KEY=\"unterminated \\\"\n", "line 1:", "unterminated double quote"},
            {"KEY='a' b\n", "line 1:", "unexpected text after the value for key KEY"},
            {"KEY=a b\n", "line 1:", "unexpected text"},
            {"KEY='a''b'\n", "line 1:", "unexpected text"},
            {"KEY=a'b'\n", "line 1:", "quote inside an unquoted value"},
    };
    struct inv inv = INV_INIT;
    char log[512];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = parse_capture(cases[i].text, strlen(cases[i].text), &inv, log, sizeof log);

        if (r != -EBADMSG || !strstr(log, cases[i].line) || !strstr(log, cases[i].why)) {
            fail_msg("case %zu: r=%d log=%s", i, r, log);
        }
        assert_non_null(strstr(log, "xensource-inventory: "));
        assert_int_equal(inv.n, 0);
        assert_null(inv.entries);
    }
    /* A NUL byte inside a line. */
    assert_int_equal(parse_capture("A='1'\nB='x\0y'\n", 14, &inv, log, sizeof log), -EBADMSG);
    assert_non_null(strstr(log, "line 2: NUL byte"));
}

static void test_read_errors(void **state)
{
    char dir[] = "/tmp/inventory_test.XXXXXX", *path, *big;
    struct inv inv = INV_INIT;
    size_t big_len = (64 << 10) + 1;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_true(asprintf(&path, "%s/xensource-inventory", dir) > 0);
    assert_int_equal(inv_read(path, &inv), -ENOENT);
    assert_int_equal(inv.n, 0);
    big = malloc(big_len);
    assert_non_null(big);
    memset(big, '#', big_len);
    assert_int_equal(inv_parse(big, big_len, &inv), -E2BIG);
    assert_int_equal(fsu_write_atomic(path, big, big_len, 0644), 0);
    assert_int_equal(inv_read(path, &inv), -E2BIG);
    assert_int_equal(fsu_write_atomic(path, "A='1'\nB\n", 8, 0644), 0);
    assert_int_equal(inv_read(path, &inv), -EBADMSG);
    assert_int_equal(inv.n, 0);
    inv_clear(NULL);
    free(big);
    unlink(path);
    rmdir(dir);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    xlog_open("inventory_test", false);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_read_installer_file),
            cmocka_unit_test(test_quoting_forms),
            cmocka_unit_test(test_comments_blanks_and_line_ends),
            cmocka_unit_test(test_duplicate_key_last_wins),
            cmocka_unit_test(test_malformed_lines),
            cmocka_unit_test(test_read_errors),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
