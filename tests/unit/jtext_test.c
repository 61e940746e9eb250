/* Unit tests for lib/jtext: it must accept and refuse exactly what
 * json_loadb(text, len, 0, ...) does and build equal values, on hand-made
 * edge cases and on random texts and mutations of them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "jtext.h"
#include "sbuf.h"

#include <jansson.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dumps "v" with both and fails unless the texts are the same bytes. */
static void same_dump(const json_t *v)
{
    struct sbuf ours = SBUF_INIT;
    char *ref = json_dumps(v, JSON_COMPACT);
    int r = jtext_dump(v, &ours);

    if (!ref ? r != -EINVAL : r != 0 || strcmp(ours.data, ref)) {
        fail_msg("jtext_dump gives %s (%d), json_dumps %s", r ? "nothing" : ours.data, r,
                 ref ? ref : "nothing");
    }
    free(ref);
    sbuf_free(&ours);
}

/* Parses text with both and fails unless they agree.  Returns whether it
 * was accepted.  A text holding a NUL byte jtext_parse() must refuse, whatever
 * jansson does (it skips one after a number or a literal). */
static bool agree(const char *text, size_t n)
{
    char err[JTEXT_ERR_LEN];
    json_error_t jerr;
    json_t *ours = jtext_parse(text, n, err), *ref;
    bool ok;

    if (memchr(text, '\0', n)) {
        if (ours) {
            fail_msg("jtext_parse() accepts a text with a NUL byte: \"%.*s\"", (int)n, text);
        }
        assert_true(strstr(err, " at byte ") != NULL);
        return false;
    }
    ref = json_loadb(text, n, 0, &jerr);
    ok = ours && ref && json_equal(ours, ref);
    if (ok) {
        same_dump(ours);
    }

    if (!ours && !ref) {
        assert_true(strstr(err, " at byte ") != NULL);
        return false;
    }
    if (!ok) {
        fail_msg("jtext_parse() and jansson disagree on %zu bytes \"%.*s\": jtext_parse() %s (%s), "
                 "jansson %s "
                 "(%s)",
                 n, (int)(n > 200 ? 200 : n), text, ours ? "accepts" : "refuses", ours ? "" : err,
                 ref ? "accepts" : "refuses", ref ? "" : jerr.text);
    }
    json_decref(ours);
    json_decref(ref);
    return true;
}

static bool agree_s(const char *text)
{
    return agree(text, strlen(text));
}

static void test_edge_cases(void **state)
{
    static const char *const accepted[] = {
            "{}",
            "[]",
            " \t\r\n[ ] ",
            "[0]",
            "[-0]",
            "[1.5e3]",
            "[1E-2]",
            "[-1.0e+2]",
            "[9223372036854775807]",
            "[-9223372036854775808]",
            "[1e-400]",
            "[true,false,null]",
            "{\"a\":1,\"a\":2}",
            "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
            "[\"\\u00e9\\u20ac\"]",
            "[\"\\ud83d\\ude00\"]",
            "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]",
            "{\"k\\u00e9y\":{\"\":[]}}",
            "[\"\\u0001\"]",
            "[[[[[[[[[[]]]]]]]]]]",
            "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\",{\"op\":\"insert\"}],\"id\":1}"};
    static const char *const refused[] = {"",
                                          " ",
                                          "1",
                                          "\"s\"",
                                          "true",
                                          "[",
                                          "]",
                                          "{",
                                          "[1,]",
                                          "[,1]",
                                          "{\"a\"}",
                                          "{\"a\":}",
                                          "{1:2}",
                                          "{\"a\":1,}",
                                          "[01]",
                                          "[-]",
                                          "[1.]",
                                          "[.5]",
                                          "[1e]",
                                          "[+1]",
                                          "[1e400]",
                                          "[-1e400]",
                                          "[9223372036854775808]",
                                          "[-9223372036854775809]",
                                          "[tru]",
                                          "[truex]",
                                          "[nul]",
                                          "[\"\\u0000\"]",
                                          "[\"\\x\"]",
                                          "[\"\\u12\"]",
                                          "[\"\\ud800\"]",
                                          "[\"\\udc00\"]",
                                          "[\"\\ud800\\u0041\"]",
                                          "[\"a\tb\"]",
                                          "[\"\xc0\xaf\"]",
                                          "[\"\xed\xa0\x80\"]",
                                          "[\"\xf4\x90\x80\x80\"]",
                                          "[\"\xe2\x82\"]",
                                          "[\"\x80\"]",
                                          "[\"\xe2\x82\x41\"]",
                                          "[\"\xf0\x9f\x98\x41\"]",
                                          "[\"\xc3\xc3\"]",
                                          "[\"abc",
                                          "[] x",
                                          "[][]",
                                          "{\"a\":1}}",
                                          "[\"\\",
                                          "\xef\xbb\xbf[]"};

    (void)state;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        assert_true(agree_s(accepted[i]));
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_false(agree_s(refused[i]));
    }
    /* NUL bytes (jansson loads the last two), and the nesting limit on
     * both sides. */
    assert_false(agree("[\"a\0b\"]", 7));
    assert_false(agree("[1\0]", 4));
    assert_false(agree("[true\0]", 7));
    for (int depth = 2047; depth <= 2049; depth++) {
        char *deep = malloc((size_t)depth * 2 + 8);
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        assert_int_equal(agree(deep, (size_t)depth * 2), depth <= 2048);
        /* A scalar inside counts as one level more, as jansson counts. */
        memset(deep + depth, '1', 1);
        memset(deep + depth + 1, ']', (size_t)depth);
        assert_int_equal(agree(deep, (size_t)depth * 2 + 1), depth <= 2047);
        free(deep);
    }
}

/* Appends a random JSON value to "b" (len bytes used, capacity cap). */
static void gen_value(char *b, size_t *len, size_t cap, int depth)
{
    static const char *const atoms[] = {"0",
                                        "-1",
                                        "42",
                                        "3.25",
                                        "-0.5e-3",
                                        "1E+5",
                                        "true",
                                        "false",
                                        "null",
                                        "\"\"",
                                        "\"plain\"",
                                        "\"\\u00e9t\\u00e9\"",
                                        "\"\\n\\t\"",
                                        "\"\xc3\xa9\"",
                                        "\"\\ud834\\udd1e\"",
                                        "\"uuid-name\"",
                                        "123456789012"};
    int k = depth > 4 ? 2 : rand() % 4;

    if (*len + 64 >= cap) {
        return;
    }
    if (k >= 2) {
        const char *a = atoms[rand() % (sizeof atoms / sizeof atoms[0])];
        memcpy(b + *len, a, strlen(a));
        *len += strlen(a);
        return;
    }
    b[(*len)++] = k ? '{' : '[';
    for (int i = 0, n = rand() % 4; i < n && *len + 64 < cap; i++) {
        if (i) {
            b[(*len)++] = ',';
        }
        if (rand() % 3 == 0) {
            b[(*len)++] = ' ';
        }
        if (k) {
            *len += (size_t)snprintf(b + *len, cap - *len, "\"k%d\":", rand() % 5);
        }
        gen_value(b, len, cap, depth + 1);
    }
    b[(*len)++] = k ? '}' : ']';
}

/* Random documents, then random byte changes to them: both parsers must
 * agree on every one (accepted or refused, and equal values). */
static void test_random_agreement(void **state)
{
    static const char noise[] = "\"\\{}[],:0123456789-+eE.utfnl \t\x80\xc3\xa9\xed\xf4\xff\x01";
    char doc[4096], mutated[4096];
    int accepted = 0, refused = 0;

    (void)state;
    srand(11);
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        doc[len++] = '[';
        gen_value(doc, &len, sizeof doc - 2, 0);
        doc[len++] = ']';
        assert_true(agree(doc, len));
        for (int m = 0; m < 20; m++) {
            size_t n = len;
            memcpy(mutated, doc, len);
            for (int k = 0, edits = 1 + rand() % 3; k < edits && n > 0; k++) {
                size_t at = (size_t)rand() % n;
                char c = noise[rand() % (sizeof noise - 1)];
                switch (rand() % 3) {
                case 0: /* Replace a byte. */
                    mutated[at] = c;
                    break;
                case 1: /* Insert one. */
                    if (n + 1 < sizeof mutated) {
                        memmove(mutated + at + 1, mutated + at, n - at);
                        mutated[at] = c;
                        n++;
                    }
                    break;
                default: /* Delete one. */
                    memmove(mutated + at, mutated + at + 1, n - at - 1);
                    n--;
                    break;
                }
            }
            if (agree(mutated, n)) {
                accepted++;
            } else {
                refused++;
            }
        }
    }
    /* The mutations must reach both sides of the fence. */
    assert_true(accepted > 1000);
    assert_true(refused > 1000);
}

/* Values that no parse makes: reals at the edges of their formatting,
 * strings with every control character, bad UTF-8, nesting past the
 * limit, and top-level values json_dumps() refuses. */
static void test_dump_values(void **state)
{
    static const double reals[] = {
            0.0,  -0.0, 1.0,  0.5,  0.1,  1e300,         1e-300, 1e21,
            1e16, 1e15, 3e-5, -2.5, 1e-7, 123456789.125, 5e-324, 1.7976931348623157e308};
    char ctl[40];
    json_t *a = json_array(), *deep, *cur;
    struct sbuf b = SBUF_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_array_append_new(a, json_real(reals[i]));
    }
    json_array_append_new(a, json_integer(INT64_MIN));
    for (int c = 1; c < 0x20; c++) {
        ctl[c - 1] = (char)c;
    }
    memcpy(ctl + 31, "\"\\/\x7f\xc3\xa9", 7);
    json_array_append_new(a, json_stringn(ctl, 37));
    json_array_append_new(a, json_stringn("a\0b", 3));
    json_array_append_new(a, json_object());
    json_object_setn_new(json_array_get(a, json_array_size(a) - 1), "k\0z", 3, json_true());
    same_dump(a); /* A key with a NUL byte is written whole. */
    json_array_append_new(a, json_stringn_nocheck("\xc3(", 2));
    same_dump(a); /* Bad UTF-8: both refuse. */
    json_decref(a);
    a = json_pack("{s:{s:[]}, s:null, s:true, s:false}", "x", "y", "z", "t", "f");
    same_dump(a);
    json_decref(a);
    a = json_string("top");
    same_dump(a); /* Not a container: both refuse. */
    json_decref(a);
    /* 2048 levels are written, 2049 are not. */
    deep = cur = json_array();
    for (int i = 1; i < 2048; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    assert_int_equal(jtext_dump(deep, &b), 0);
    json_array_append_new(cur, json_array());
    sbuf_reset(&b);
    assert_int_equal(jtext_dump(deep, &b), -EINVAL);
    sbuf_free(&b);
    json_decref(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_edge_cases),
            cmocka_unit_test(test_random_agreement),
            cmocka_unit_test(test_dump_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
