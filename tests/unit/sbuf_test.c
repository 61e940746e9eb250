/* Unit tests for lib/sbuf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static void test_append_and_steal(void **state)
{
    struct sbuf b = SBUF_INIT;
    size_t len;

    (void)state;
    assert_string_equal(sbuf_str(&b), "");
    assert_int_equal(sbuf_adds(&b, "abc"), 0);
    assert_int_equal(sbuf_addc(&b, '-'), 0);
    assert_int_equal(sbuf_addf(&b, "%d/%s", 42, "x"), 0);
    assert_string_equal(sbuf_str(&b), "abc-42/x");
    char *s = sbuf_steal(&b, &len);
    assert_string_equal(s, "abc-42/x");
    assert_int_equal(len, 8);
    assert_null(b.data);
    free(s);
}

static void test_grows_past_many_doublings(void **state)
{
    struct sbuf b = SBUF_INIT;

    (void)state;
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(sbuf_addc(&b, (char)('a' + i % 26)), 0);
    }
    assert_int_equal(b.len, 100000);
    assert_int_equal(strlen(b.data), 100000);
    assert_int_equal(b.data[99999], 'a' + 99999 % 26);
    sbuf_free(&b);
}

static void test_xml_escape(void **state)
{
    struct sbuf b = SBUF_INIT;
    const char *in = "a<b>&\"c\"\r";

    (void)state;
    assert_int_equal(sbuf_add_xml_escaped(&b, in, strlen(in)), 0);
    assert_string_equal(sbuf_str(&b), "a&lt;b&gt;&amp;&quot;c&quot;&#13;");
    sbuf_free(&b);
}

static void test_steal_empty_and_reset(void **state)
{
    struct sbuf b = SBUF_INIT;
    size_t len = 99;

    (void)state;
    char *s = sbuf_steal(&b, &len);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    sbuf_adds(&b, "xyz");
    sbuf_reset(&b);
    assert_string_equal(sbuf_str(&b), "");
    assert_int_equal(sbuf_error(&b), 0);
    sbuf_free(&b);
    sbuf_free(NULL);
}

static void test_overflow_is_an_error(void **state)
{
    struct sbuf b = SBUF_INIT;

    (void)state;
    sbuf_adds(&b, "kept");
    assert_int_equal(sbuf_reserve(&b, (size_t)-1), -12);
    assert_int_equal(sbuf_error(&b), -12);
    /* The buffer keeps what it had; a failed buffer is not handed out. */
    assert_string_equal(sbuf_str(&b), "kept");
    assert_null(sbuf_steal(&b, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_append_and_steal),
            cmocka_unit_test(test_grows_past_many_doublings),
            cmocka_unit_test(test_xml_escape),
            cmocka_unit_test(test_steal_empty_and_reset),
            cmocka_unit_test(test_overflow_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
