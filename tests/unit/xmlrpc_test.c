/* Unit tests for xapi-bindings/xmlrpc: the XML-RPC value tree, its encoder
 * and its bounded decoder, including documents shaped like XAPI's replies
 * and a cross-check against Python's xmlrpc.client. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sbuf.h"
#include "xmlrpc.h"

#define PYTHON "/usr/bin/python3"

#define RESP(x)                                                                                    \
    "<?xml version=\"1.0\"?>\n<methodResponse><params><param>" x                                   \
    "</param></params></methodResponse>\n"

/* ------------------------------------------------------------------------
 * Helpers. */

static struct xr_value *dec_value(const char *s)
{
    struct xr_value *v = NULL;
    int r = xr_decode_value(s, strlen(s), NULL, &v);

    if (r != 0) {
        fail_msg("decode of %s failed: %d %s", s, r, xr_last_error());
    }
    assert_non_null(v);
    return v;
}

/* Decodes "s" as a bare value expecting failure; returns the error. */
static int dec_value_err(const char *s)
{
    struct xr_value *v = (struct xr_value *)1;
    int r = xr_decode_value(s, strlen(s), NULL, &v);

    assert_true(r < 0);
    assert_null(v);
    return r;
}

static char *enc_value(const struct xr_value *v)
{
    char *out = NULL;
    size_t len = 0;

    assert_int_equal(xr_encode_value(v, &out, &len), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    return out;
}

/* Encodes "v", decodes the text and checks both trees are equal.  Takes
 * ownership of "v". */
static void roundtrip(struct xr_value *v)
{
    char *text;
    struct xr_value *back;

    assert_non_null(v);
    text = enc_value(v);
    back = dec_value(text);
    if (!xr_equal(v, back)) {
        fail_msg("round trip changed the value: %s", text);
    }
    free(text);
    xr_free(back);
    xr_free(v);
}

/* Decodes a methodResponse expecting a plain result. */
static struct xr_value *dec_resp(const char *s)
{
    struct xr_value *v = NULL;
    struct xr_fault fault = {0, NULL};
    int r = xr_decode_response(s, strlen(s), NULL, &v, &fault);

    if (r != 0) {
        fail_msg("response decode failed: %d %s", r, xr_last_error());
    }
    assert_null(fault.reason);
    return v;
}

/* Decodes a methodResponse expecting failure "err" and a message holding
 * "needle". */
static void resp_fails(const char *s, int err, const char *needle)
{
    struct xr_value *v = (struct xr_value *)1;
    struct xr_fault fault = {0, NULL};
    int r = xr_decode_response(s, strlen(s), NULL, &v, &fault);

    if (r != err) {
        fail_msg("expected %d, got %d (%s) for: %s", err, r, xr_last_error(), s);
    }
    assert_null(v);
    assert_null(fault.reason);
    if (needle && !strstr(xr_last_error(), needle)) {
        fail_msg("message \"%s\" lacks \"%s\"", xr_last_error(), needle);
    }
    assert_null(strchr(xr_last_error(), '\n'));
}

/* ------------------------------------------------------------------------
 * Scalars. */

static void test_scalar_roundtrips(void **state)
{
    static const unsigned char bin[] = {0, 1, 2, 0xff, 0xfe, '<', '&', 0};

    (void)state;
    roundtrip(xr_nil());
    roundtrip(xr_int(0));
    roundtrip(xr_int(-1));
    roundtrip(xr_int(1500));
    roundtrip(xr_bool(true));
    roundtrip(xr_bool(false));
    roundtrip(xr_string(""));
    roundtrip(xr_string("eth0"));
    roundtrip(xr_string("  leading and trailing blanks  "));
    roundtrip(xr_string("line one\nline two\r\nthree\ttab"));
    roundtrip(xr_double(0.1));
    roundtrip(xr_double(-2.5e-300));
    roundtrip(xr_double(1.7976931348623157e308));
    roundtrip(xr_double(4.9406564584124654e-324));
    roundtrip(xr_datetime("20261124T17:29:36Z"));
    roundtrip(xr_datetime("2026-11-24T17:29:36+01:00"));
    roundtrip(xr_base64(bin, sizeof bin));
    roundtrip(xr_base64("", 0));
}

static void test_int_bounds_and_width(void **state)
{
    struct xr_value *v;
    char *text;
    int64_t i;

    (void)state;
    roundtrip(xr_int(INT64_MAX));
    roundtrip(xr_int(INT64_MIN));
    roundtrip(xr_int(INT32_MAX));
    roundtrip(xr_int((int64_t)INT32_MIN - 1));

    v = xr_int(INT32_MAX);
    text = enc_value(v);
    assert_string_equal(text, "<value><int>2147483647</int></value>\n");
    free(text);
    xr_free(v);
    v = xr_int((int64_t)INT32_MAX + 1);
    text = enc_value(v);
    assert_string_equal(text, "<value><i8>2147483648</i8></value>\n");
    free(text);
    xr_free(v);

    v = dec_value("<value><i8>-9223372036854775808</i8></value>");
    assert_int_equal(xr_get_int(v, &i), 0);
    assert_true(i == INT64_MIN);
    xr_free(v);
    v = dec_value("<value><int>9223372036854775807</int></value>");
    assert_int_equal(xr_get_int(v, &i), 0);
    assert_true(i == INT64_MAX);
    xr_free(v);
}

static void test_int_forms(void **state)
{
    static const struct {
        const char *doc;
        int64_t want;
    } ok[] = {
            {"<value><i4>42</i4></value>", 42},
            {"<value><int>-7</int></value>", -7},
            {"<value><i8>12345678901</i8></value>", 12345678901LL},
            {"<value><int>+5</int></value>", 5},
            {"<value><int>007</int></value>", 7},
            {"<value><int> 9\n</int></value>", 9},
            {"<value><int>-0</int></value>", 0},
    };
    static const char *const bad[] = {
            "<value><int>9223372036854775808</int></value>",
            "<value><int>-9223372036854775809</int></value>",
            "<value><int>99999999999999999999999</int></value>",
            "<value><int>12x</int></value>",
            "<value><int>1 2</int></value>",
            "<value><int></int></value>",
            "<value><int>-</int></value>",
            "<value><int>0x10</int></value>",
            "<value><int>1.0</int></value>",
            "<value><i4>--1</i4></value>",
    };

    (void)state;
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        struct xr_value *v = dec_value(ok[k].doc);
        int64_t i;

        assert_int_equal(xr_type(v), XR_INT);
        assert_int_equal(xr_get_int(v, &i), 0);
        assert_true(i == ok[k].want);
        xr_free(v);
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(dec_value_err(bad[k]), -EBADMSG);
        assert_non_null(strstr(xr_last_error(), "value"));
    }
}

static void test_get_int_from_strings(void **state)
{
    static const struct {
        const char *s;
        int ok;
        int64_t want;
    } cases[] = {
            {"1500", 1, 1500},
            {"-1", 1, -1},
            {"0", 1, 0},
            {"9223372036854775807", 1, INT64_MAX},
            {"-9223372036854775808", 1, INT64_MIN},
            {"9223372036854775808", 0, 0},
            {"-9223372036854775809", 0, 0},
            {"+1", 0, 0},
            {" 1", 0, 0},
            {"1 ", 0, 0},
            {"", 0, 0},
            {"-", 0, 0},
            {"1x", 0, 0},
            {"1.5", 0, 0},
    };
    struct xr_value *v;
    int64_t i = 77;

    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        v = xr_string(cases[k].s);
        i = 77;
        if (cases[k].ok) {
            assert_int_equal(xr_get_int(v, &i), 0);
            assert_true(i == cases[k].want);
        } else {
            assert_int_equal(xr_get_int(v, &i), -EINVAL);
            assert_true(i == 77);
        }
        xr_free(v);
    }
    /* A NUL inside the string is junk, not an end. */
    v = xr_string_n("12\0003", 4);
    assert_int_equal(xr_get_int(v, &i), -EINVAL);
    xr_free(v);
    v = xr_bool(true);
    assert_int_equal(xr_get_int(v, &i), -EINVAL);
    xr_free(v);
    assert_int_equal(xr_get_int(NULL, &i), -EINVAL);
}

static void test_strings_bare_and_empty(void **state)
{
    static const struct {
        const char *doc;
        const char *want;
    } cases[] = {
            {"<value>bare text</value>", "bare text"},
            {"<value/>", ""},
            {"<value></value>", ""},
            {"<value>  </value>", "  "},
            {"<value><string/></value>", ""},
            {"<value>\n  <string>inner</string>\n</value>", "inner"},
            {"<value><string>a<!-- comment -->b</string></value>", "ab"},
            {"<value><string><![CDATA[<not> & markup]]></string></value>", "<not> & markup"},
            {"<value>&lt;&amp;&gt;&quot;&apos;&#233;&#x1F600;</value>",
             "<&>\"'\xc3\xa9\xf0\x9f\x98\x80"},
    };

    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct xr_value *v = dec_value(cases[k].doc);

        assert_int_equal(xr_type(v), XR_STRING);
        assert_string_equal(xr_get_string(v), cases[k].want);
        xr_free(v);
    }
}

static void test_booleans(void **state)
{
    struct xr_value *v;
    bool b = false;

    (void)state;
    v = dec_value("<value><boolean>1</boolean></value>");
    assert_int_equal(xr_get_bool(v, &b), 0);
    assert_true(b);
    xr_free(v);
    v = dec_value("<value><boolean>0</boolean></value>");
    assert_int_equal(xr_get_bool(v, &b), 0);
    assert_false(b);
    xr_free(v);
    assert_int_equal(dec_value_err("<value><boolean>2</boolean></value>"), -EBADMSG);
    assert_non_null(strstr(xr_last_error(), "boolean"));
    assert_int_equal(dec_value_err("<value><boolean>true</boolean></value>"), -EBADMSG);
    assert_int_equal(dec_value_err("<value><boolean></boolean></value>"), -EBADMSG);
    assert_int_equal(dec_value_err("<value><boolean>01</boolean></value>"), -EBADMSG);
}

static void test_doubles(void **state)
{
    static const char *const bad[] = {
            "<value><double>nan</double></value>",       "<value><double>inf</double></value>",
            "<value><double>-Infinity</double></value>", "<value><double>1e400</double></value>",
            "<value><double>0x10</double></value>",      "<value><double>1.5.3</double></value>",
            "<value><double>1e</double></value>",        "<value><double>.</double></value>",
            "<value><double></double></value>",          "<value><double>1,5</double></value>",
    };
    struct xr_value *v;
    char *out = (char *)1;
    size_t len = 9;
    double d = 0;

    (void)state;
    v = dec_value("<value><double>1.32621e+09</double></value>");
    assert_int_equal(xr_get_double(v, &d), 0);
    assert_true(d == 1.32621e+09);
    xr_free(v);
    v = dec_value("<value><double>-.5</double></value>");
    assert_int_equal(xr_get_double(v, &d), 0);
    assert_true(d == -0.5);
    xr_free(v);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(dec_value_err(bad[k]), -EBADMSG);
    }
    v = xr_double(NAN);
    assert_int_equal(xr_encode_value(v, &out, &len), -EINVAL);
    assert_null(out);
    assert_int_equal(len, 0);
    xr_free(v);
    v = xr_double(-INFINITY);
    assert_int_equal(xr_encode_response(v, &out, &len), -EINVAL);
    xr_free(v);
}

static void test_datetimes(void **state)
{
    static const char *const good[] = {
            "20261124T17:29:36Z",  "20261124T17:29:36",       "2026-11-24T17:29:36Z",
            "19700101T00:00:00Z",  "20261124T17:29:36+05:30", "20261124T17:29:36-08:00",
            "2026-11-24T23:59:60",
    };
    static const char *const bad[] = {
            "",
            "2026112T17:29:36Z",
            "20261124 17:29:36Z",
            "20261124T17:29Z",
            "20261324T17:29:36Z",
            "20261100T17:29:36Z",
            "20261124T24:00:00Z",
            "20261124T17:60:00Z",
            "20261124T17:29:36ZZ",
            "20261124T17:29:36+0530",
            "20261124T17:29:36+05:3",
            "2026-1124T17:29:36Z",
            "20261124T17:29:36.123Z",
            "yesterday",
    };
    char doc[128];

    (void)state;
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        struct xr_value *v = xr_datetime(good[k]);

        assert_non_null(v);
        assert_int_equal(xr_type(v), XR_DATETIME);
        assert_string_equal(xr_get_string(v), good[k]);
        roundtrip(v);
        snprintf(doc, sizeof doc, "<value><dateTime.iso8601>%s</dateTime.iso8601></value>",
                 good[k]);
        v = dec_value(doc);
        assert_string_equal(xr_get_string(v), good[k]);
        xr_free(v);
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_null(xr_datetime(bad[k]));
        snprintf(doc, sizeof doc, "<value><dateTime.iso8601>%s</dateTime.iso8601></value>", bad[k]);
        assert_int_equal(dec_value_err(doc), -EBADMSG);
        assert_non_null(strstr(xr_last_error(), "dateTime.iso8601"));
    }
    assert_null(xr_datetime(NULL));
}

static void test_base64(void **state)
{
    static const struct {
        const char *text;
        const char *want;
        size_t len;
    } good[] = {
            {"", "", 0},
            {"QQ==", "A", 1},
            {"QUI=", "AB", 2},
            {"QUJD", "ABC", 3},
            {"\n  QUJD\n  REVG\n", "ABCDEF", 6},
            {"Q U I =", "AB", 2},
            {"AAEC/w==", "\x00\x01\x02\xff", 4},
            {"+/+/", "\xfb\xff\xbf", 3},
    };
    static const char *const bad[] = {"QQ",   "Q===", "====", "QQ=A",  "QUJD=", "QQ==QQ==",
                                      "QU*D", "QUJ-", "QUJ_", "QQ===", "Q"};
    char doc[128];

    (void)state;
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        struct xr_value *v;
        const void *bytes;
        size_t len = 99;

        snprintf(doc, sizeof doc, "<value><base64>%s</base64></value>", good[k].text);
        v = dec_value(doc);
        assert_int_equal(xr_type(v), XR_BASE64);
        bytes = xr_get_bytes(v, &len);
        assert_int_equal(len, good[k].len);
        assert_memory_equal(bytes, good[k].want, len);
        assert_null(xr_get_string(v));
        xr_free(v);
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(doc, sizeof doc, "<value><base64>%s</base64></value>", bad[k]);
        assert_int_equal(dec_value_err(doc), -EBADMSG);
        assert_non_null(strstr(xr_last_error(), "base64"));
    }
}

static void test_base64_all_lengths(void **state)
{
    unsigned char data[64];
    struct xr_value *v;
    char *text;

    (void)state;
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (unsigned char)(i * 37 + 11);
    }
    for (size_t n = 0; n <= sizeof data; n++) {
        roundtrip(xr_base64(data, n));
    }
    /* Standard alphabet, padded, no line breaks. */
    v = xr_base64("\xfb\xff\xbf\x00", 4);
    text = enc_value(v);
    assert_string_equal(text, "<value><base64>+/+/AA==</base64></value>\n");
    free(text);
    xr_free(v);
}

/* ------------------------------------------------------------------------
 * Text escaping and validity. */

static void test_escaping(void **state)
{
    static const char nasty[] =
            "a & b < c > d \" e ' f \r g ]]> h \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    struct xr_value *st = xr_struct();
    char *text;

    (void)state;
    assert_int_equal(xr_struct_set_string(st, "k&<>\"", nasty), 0);
    text = enc_value(st);
    assert_non_null(strstr(text, "<name>k&amp;&lt;&gt;&quot;</name>"));
    assert_non_null(strstr(text, "a &amp; b &lt; c &gt; d &quot; e ' f &#13; g ]]&gt; h "
                                 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    free(text);
    roundtrip(st);
}

static void test_encode_rejects_bad_text(void **state)
{
    static const char *const bad[] = {
            "bell\x07",       "nul inside? no: \x01", "esc \x1b[0m",  "\xff",
            "\xc0\x80",       "\xe0\x80\x80",         "\xed\xa0\x80", "\xf4\x90\x80\x80",
            "truncated \xc3", "\xef\xbf\xbe",         "\xef\xbf\xbf", "\x0b",
    };
    char *out = (char *)1;
    size_t len = 5;

    (void)state;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct xr_value *v = xr_string(bad[k]);
        struct xr_value *st = xr_struct();
        struct xr_value *params = xr_array();

        assert_int_equal(xr_encode_value(v, &out, &len), -EINVAL);
        assert_null(out);
        assert_int_equal(len, 0);
        assert_null(strchr(xr_last_error(), '\n'));
        assert_int_equal(xr_struct_set_int(st, bad[k], 1), 0);
        assert_int_equal(xr_encode_value(st, &out, &len), -EINVAL);
        assert_int_equal(xr_encode_call(bad[k], NULL, &out, &len), -EINVAL);
        assert_int_equal(xr_encode_fault(1, bad[k], &out, &len), -EINVAL);
        assert_int_equal(xr_array_append(params, v), 0);
        assert_int_equal(xr_encode_call("m", params, &out, &len), -EINVAL);
        assert_null(out);
        xr_free(st);
        xr_free(params);
    }
    /* An embedded NUL is a control character too. */
    {
        struct xr_value *v = xr_string_n("a\0b", 3);

        assert_int_equal(xr_encode_value(v, &out, &len), -EINVAL);
        xr_free(v);
    }
}

static void test_last_error_is_one_clean_line(void **state)
{
    const char *doc = "<value><int>12\n\x01\xc3</int></value>";
    struct xr_value *v = NULL;
    const unsigned char *p;

    (void)state;
    /* Raw \x01 is not XML: libxml2 refuses it and its message is kept. */
    assert_int_equal(xr_decode_value(doc, strlen(doc), NULL, &v), -EBADMSG);
    assert_non_null(strstr(xr_last_error(), "malformed XML: line"));
    assert_null(strchr(xr_last_error(), '\n'));
    doc = "<value><int>1\n2\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
          "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "</int></value>";
    assert_int_equal(xr_decode_value(doc, strlen(doc), NULL, &v), -EBADMSG);
    assert_non_null(strstr(xr_last_error(), "bad <int> value \"1 2"));
    for (p = (const unsigned char *)xr_last_error(); *p; p++) {
        assert_true(*p >= 0x20 && *p != 0x7f);
    }
    /* The clipped quote must not end inside a UTF-8 sequence. */
    v = xr_string(xr_last_error());
    {
        char *out = NULL;

        assert_int_equal(xr_encode_value(v, &out, NULL), 0);
        free(out);
    }
    xr_free(v);
}

/* ------------------------------------------------------------------------
 * Containers. */

static struct xr_value *sample_tree(void)
{
    struct xr_value *root = xr_struct(), *arr = xr_array(), *inner = xr_struct();

    assert_non_null(root);
    assert_int_equal(xr_array_append(arr, xr_int(1)), 0);
    assert_int_equal(xr_array_append(arr, xr_string("two")), 0);
    assert_int_equal(xr_array_append(arr, xr_array()), 0);
    assert_int_equal(xr_array_append(arr, xr_nil()), 0);
    assert_int_equal(xr_struct_set_bool(inner, "deep", true), 0);
    assert_int_equal(xr_struct_set(inner, "empty", xr_struct()), 0);
    assert_int_equal(xr_array_append(arr, inner), 0);
    assert_int_equal(xr_struct_set(root, "list", arr), 0);
    assert_int_equal(xr_struct_set(root, "when", xr_datetime("20261124T17:29:36Z")), 0);
    assert_int_equal(xr_struct_set(root, "blob", xr_base64("\0\1", 2)), 0);
    assert_int_equal(xr_struct_set(root, "pi", xr_double(3.141592653589793)), 0);
    return root;
}

static void test_nested_roundtrip(void **state)
{
    struct xr_value *v = sample_tree(), *arr;

    (void)state;
    arr = xr_struct_get(v, "list");
    assert_int_equal(xr_array_len(arr), 5);
    assert_int_equal(xr_type(xr_array_get(arr, 2)), XR_ARRAY);
    assert_null(xr_array_get(arr, 5));
    roundtrip(v);
}

static void test_struct_order_replace_remove(void **state)
{
    struct xr_value *st = xr_struct(), *taken;

    (void)state;
    assert_int_equal(xr_struct_set_string(st, "b", "1"), 0);
    assert_int_equal(xr_struct_set_string(st, "a", "2"), 0);
    assert_int_equal(xr_struct_set_string(st, "c", "3"), 0);
    assert_int_equal(xr_struct_set_int(st, "a", 9), 0);
    assert_int_equal(xr_struct_len(st), 3);
    assert_string_equal(xr_struct_key(st, 0), "b");
    assert_string_equal(xr_struct_key(st, 1), "a");
    assert_string_equal(xr_struct_key(st, 2), "c");
    assert_int_equal(xr_type(xr_struct_value(st, 1)), XR_INT);
    assert_null(xr_struct_key(st, 3));
    assert_null(xr_struct_value(st, 3));
    assert_true(xr_struct_remove(st, "b"));
    assert_false(xr_struct_remove(st, "b"));
    assert_string_equal(xr_struct_key(st, 0), "a");
    taken = xr_struct_take(st, "c");
    assert_string_equal(xr_get_string(taken), "3");
    xr_free(taken);
    assert_null(xr_struct_take(st, "zz"));
    assert_int_equal(xr_struct_len(st), 1);
    assert_null(xr_struct_get(st, "c"));
    xr_free(st);
}

static void test_struct_large_index(void **state)
{
    struct xr_value *st = xr_struct();
    char key[32];
    int64_t i;

    (void)state;
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "key%d", k);
        assert_int_equal(xr_struct_set_int(st, key, k), 0);
    }
    for (int k = 0; k < 1000; k += 3) {
        snprintf(key, sizeof key, "key%d", k);
        assert_int_equal(xr_struct_set_int(st, key, -k), 0);
    }
    assert_int_equal(xr_struct_len(st), 1000);
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "key%d", k);
        assert_int_equal(xr_get_int(xr_struct_get(st, key), &i), 0);
        assert_true(i == (k % 3 == 0 ? -k : k));
        assert_string_equal(xr_struct_key(st, (size_t)k), key);
    }
    /* Removing shifts members; lookups must follow, down to a small struct. */
    for (int k = 0; k < 990; k++) {
        snprintf(key, sizeof key, "key%d", k);
        assert_true(xr_struct_remove(st, key));
        if (k % 97 == 0) {
            snprintf(key, sizeof key, "key%d", k + 1);
            assert_int_equal(xr_get_int(xr_struct_get(st, key), &i), 0);
            assert_true(i == ((k + 1) % 3 == 0 ? -(k + 1) : k + 1));
        }
    }
    assert_int_equal(xr_struct_len(st), 10);
    assert_int_equal(xr_get_int(xr_struct_get(st, "key995"), &i), 0);
    assert_true(i == 995);
    for (int k = 0; k < 40; k++) {
        snprintf(key, sizeof key, "again%d", k);
        assert_int_equal(xr_struct_set_int(st, key, k), 0);
    }
    assert_int_equal(xr_get_int(xr_struct_get(st, "again39"), &i), 0);
    assert_true(i == 39);
    assert_int_equal(xr_get_int(xr_struct_get(st, "key998"), &i), 0);
    assert_true(i == 998);
    roundtrip(st);
}

static void test_equal_and_copy(void **state)
{
    struct xr_value *a = xr_struct(), *b = xr_struct(), *c, *x, *y;

    (void)state;
    assert_int_equal(xr_struct_set_int(a, "x", 1), 0);
    assert_int_equal(xr_struct_set_string(a, "y", "s"), 0);
    assert_int_equal(xr_struct_set_string(b, "y", "s"), 0);
    assert_int_equal(xr_struct_set_int(b, "x", 1), 0);
    assert_true(xr_equal(a, b));
    assert_int_equal(xr_struct_set_string(b, "x", "1"), 0);
    assert_false(xr_equal(a, b));
    assert_int_equal(xr_struct_set_int(b, "x", 1), 0);
    assert_int_equal(xr_struct_set_int(b, "z", 1), 0);
    assert_false(xr_equal(a, b));
    assert_true(xr_equal(NULL, NULL));
    assert_false(xr_equal(a, NULL));

    x = xr_array();
    y = xr_array();
    assert_int_equal(xr_array_append(x, xr_int(1)), 0);
    assert_int_equal(xr_array_append(x, xr_int(2)), 0);
    assert_int_equal(xr_array_append(y, xr_int(2)), 0);
    assert_int_equal(xr_array_append(y, xr_int(1)), 0);
    assert_false(xr_equal(x, y));
    xr_free(x);
    xr_free(y);
    x = xr_double(NAN);
    assert_true(xr_equal(x, x));
    y = xr_copy(x);
    assert_true(xr_equal(x, y));
    xr_free(x);
    xr_free(y);
    x = xr_string_n("a\0b", 3);
    y = xr_string_n("a\0c", 3);
    assert_false(xr_equal(x, y));
    xr_free(x);
    xr_free(y);

    c = sample_tree();
    x = xr_copy(c);
    assert_true(xr_equal(c, x));
    /* The copy is deep: changing it leaves the original alone. */
    assert_int_equal(xr_array_append(xr_struct_get(x, "list"), xr_int(6)), 0);
    assert_int_equal(xr_array_len(xr_struct_get(c, "list")), 5);
    assert_false(xr_equal(c, x));
    assert_null(xr_copy(NULL));
    xr_free(c);
    xr_free(x);
    xr_free(a);
    xr_free(b);
}

static void test_accessors_and_ownership(void **state)
{
    struct xr_value *v = xr_int(3), *arr = xr_array();
    bool b;
    double d;
    size_t len;

    (void)state;
    assert_int_equal(xr_get_bool(v, &b), -EINVAL);
    assert_int_equal(xr_get_double(v, &d), -EINVAL);
    assert_null(xr_get_string(v));
    assert_null(xr_get_bytes(v, &len));
    assert_int_equal(xr_array_len(v), 0);
    assert_int_equal(xr_struct_len(v), 0);
    assert_null(xr_struct_get(v, "a"));
    assert_int_equal(xr_type(NULL), XR_NIL);
    assert_string_equal(xr_type_name(XR_STRUCT), "struct");
    assert_string_equal(xr_type_name(XR_DATETIME), "dateTime.iso8601");
    assert_string_equal(xr_type_name((enum xr_type)99), "unknown");
    /* Ownership passes in every case; ASan's leak check verifies it. */
    assert_int_equal(xr_array_append(v, xr_string("leak?")), -EINVAL);
    assert_int_equal(xr_array_append(arr, NULL), -EINVAL);
    assert_int_equal(xr_struct_set(v, "k", xr_string("leak?")), -EINVAL);
    assert_int_equal(xr_struct_set(NULL, "k", xr_string("leak?")), -EINVAL);
    assert_int_equal(xr_struct_set_string(arr, NULL, "x"), -EINVAL);
    assert_int_equal(xr_struct_set_string(arr, "k", NULL), -EINVAL);
    assert_false(xr_struct_remove(arr, "k"));
    assert_null(xr_string(NULL));
    assert_null(xr_string_n(NULL, 3));
    xr_free(v);
    xr_free(arr);
    xr_free(NULL);
    v = xr_string("hi");
    assert_memory_equal(xr_get_bytes(v, &len), "hi", 2);
    assert_int_equal(len, 2);
    xr_free(v);
}

/* ------------------------------------------------------------------------
 * Documents. */

static void test_call_roundtrip_and_layout(void **state)
{
    struct xr_value *params = xr_array(), *got = NULL;
    char *text = NULL, *method = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(xr_array_append(params, xr_string("OpaqueRef:abc")), 0);
    assert_int_equal(xr_array_append(params, xr_int(7)), 0);
    assert_int_equal(xr_encode_call("PIF.get_record", params, &text, &len), 0);
    assert_string_equal(text, "<?xml version='1.0'?>\n<methodCall>\n"
                              "<methodName>PIF.get_record</methodName>\n<params>\n"
                              "<param>\n<value><string>OpaqueRef:abc</string></value>\n</param>\n"
                              "<param>\n<value><int>7</int></value>\n</param>\n"
                              "</params>\n</methodCall>\n");
    assert_int_equal(xr_decode_call(text, len, NULL, &method, &got), 0);
    assert_string_equal(method, "PIF.get_record");
    assert_true(xr_equal(params, got));
    free(method);
    free(text);
    xr_free(got);
    xr_free(params);

    /* Bad arguments. */
    params = xr_struct();
    assert_int_equal(xr_encode_call("m", params, &text, &len), -EINVAL);
    assert_int_equal(xr_encode_call("", NULL, &text, &len), -EINVAL);
    assert_int_equal(xr_encode_call(NULL, NULL, &text, &len), -EINVAL);
    assert_int_equal(xr_encode_value(NULL, &text, &len), -EINVAL);
    assert_int_equal(xr_encode_response(NULL, &text, &len), -EINVAL);
    xr_free(params);
}

static void test_call_without_params(void **state)
{
    static const char *const docs[] = {
            "<methodCall><methodName>session.logout</methodName></methodCall>",
            "<methodCall><methodName>session.logout</methodName><params/></methodCall>",
            ("<?xml version=\"1.0\"?>\n<methodCall>\n  <methodName>session.logout</methodName>\n"
             "  <params>\n  </params>\n</methodCall>\n"),
    };
    char *text = NULL, *method = NULL;
    struct xr_value *params = NULL;
    size_t len = 0;

    (void)state;
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        assert_int_equal(xr_decode_call(docs[k], strlen(docs[k]), NULL, &method, &params), 0);
        assert_string_equal(method, "session.logout");
        assert_int_equal(xr_type(params), XR_ARRAY);
        assert_int_equal(xr_array_len(params), 0);
        free(method);
        xr_free(params);
    }
    assert_int_equal(xr_encode_call("session.logout", NULL, &text, &len), 0);
    assert_int_equal(xr_decode_call(text, len, NULL, &method, &params), 0);
    assert_int_equal(xr_array_len(params), 0);
    free(method);
    free(text);
    xr_free(params);
}

static void test_response_roundtrip(void **state)
{
    struct xr_value *v = sample_tree(), *got = NULL;
    struct xr_fault fault = {0, NULL};
    char *text = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(xr_encode_response(v, &text, &len), 0);
    assert_int_equal(xr_decode_response(text, len, NULL, &got, &fault), 0);
    assert_true(xr_equal(v, got));
    assert_null(fault.reason);
    free(text);
    xr_free(got);
    xr_free(v);
}

static void test_fault_roundtrip(void **state)
{
    struct xr_value *got = (struct xr_value *)1;
    struct xr_fault fault = {0, NULL};
    char *text = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(xr_encode_fault(-32700, "parse error: <bad> & \"worse\"", &text, &len), 0);
    assert_int_equal(xr_decode_response(text, len, NULL, &got, &fault), 1);
    assert_null(got);
    assert_int_equal(fault.code, -32700);
    assert_string_equal(fault.reason, "parse error: <bad> & \"worse\"");
    xr_fault_clear(&fault);
    assert_null(fault.reason);
    xr_fault_clear(&fault);
    xr_fault_clear(NULL);
    /* A NULL fault pointer is allowed: only the return value says fault. */
    assert_int_equal(xr_decode_response(text, len, NULL, &got, NULL), 1);
    free(text);

    /* XAPI-style fault with a string code and extra members. */
    text = "<methodResponse><fault><value><struct>"
           "<member><name>faultString</name><value>No such method</value></member>"
           "<member><name>faultCode</name><value>-1</value></member>"
           "<member><name>extra</name><value><nil/></value></member>"
           "</struct></value></fault></methodResponse>";
    assert_int_equal(xr_decode_response(text, strlen(text), NULL, &got, &fault), 1);
    assert_int_equal(fault.code, -1);
    assert_string_equal(fault.reason, "No such method");
    xr_fault_clear(&fault);
    assert_int_equal(xr_encode_fault(0, NULL, &text, &len), 0);
    free(text);
}

static void test_fault_malformed(void **state)
{
    (void)state;
    resp_fails("<methodResponse><fault><value><string>x</string></value></fault>"
               "</methodResponse>",
               -EBADMSG, "not a struct");
    resp_fails("<methodResponse><fault><value><struct><member><name>faultString</name>"
               "<value>x</value></member></struct></value></fault></methodResponse>",
               -EBADMSG, "faultCode");
    resp_fails("<methodResponse><fault><value><struct><member><name>faultCode</name>"
               "<value><int>4</int></value></member></struct></value></fault></methodResponse>",
               -EBADMSG, "faultString");
    resp_fails("<methodResponse><fault><value><struct><member><name>faultCode</name>"
               "<value><i8>4294967296</i8></value></member><member><name>faultString</name>"
               "<value>x</value></member></struct></value></fault></methodResponse>",
               -EBADMSG, "faultCode");
    resp_fails("<methodResponse><fault><value><struct><member><name>faultCode</name>"
               "<value><int>1</int></value></member><member><name>faultString</name>"
               "<value><int>2</int></value></member></struct></value></fault></methodResponse>",
               -EBADMSG, "faultString");
    resp_fails("<methodResponse><fault></fault></methodResponse>", -EBADMSG, "<fault> without");
    resp_fails("<methodResponse><fault><value><struct/></value><value/></fault>"
               "</methodResponse>",
               -EBADMSG, "unexpected element <value> in <fault>");
}

static void test_malformed_documents(void **state)
{
    static const struct {
        const char *doc;
        const char *needle;
    } cases[] = {
            {"", "empty document"},
            {"   ", "malformed XML"},
            {"not xml at all", "malformed XML"},
            {RESP("<value><int>1</int></value>") "<extra/>", "malformed XML"},
            {"<methodResponse><params><param><value><int>1</int></value></param>", "malformed XML"},
            {"<methodResponse><params><param><value><int>1</int></val", "malformed XML"},
            {"<methodCall><methodName>x</methodName></methodCall>",
             "unexpected root element <methodCall>, expected <methodResponse>"},
            {"<value><int>1</int></value>", "unexpected root element <value>"},
            {"<methodResponse/>", "without <params> or <fault>"},
            {"<methodResponse><params/></methodResponse>", "must hold one <param>"},
            {"<methodResponse><params></params></methodResponse>", "must hold one <param>"},
            {RESP("<value>1</value></param><param><value>2</value>"),
             "unexpected element <param> in <params>"},
            {"<methodResponse><params><param/></params></methodResponse>",
             "<param> without <value>"},
            {"<methodResponse><params><value>x</value></params></methodResponse>",
             "unexpected element <value> in <params>"},
            {"<methodResponse><params><param><value>x</value></param></params><fault/>"
             "</methodResponse>",
             "unexpected element <fault> in <methodResponse>"},
            {RESP("<value><int>1</int><int>2</int></value>"), "more than one element"},
            {RESP("<value>text<int>2</int></value>"), "both text and an element"},
            {RESP("<value><int>2</int>tail</value>"), "unexpected text \"tail\" in <value>"},
            {RESP("<value><foo>1</foo></value>"), "unexpected element <foo> in <value>"},
            {RESP("<value><struct><foo/></struct></value>"),
             "unexpected element <foo> in <struct>"},
            {RESP("<value><struct>junk</struct></value>"), "unexpected text \"junk\" in <struct>"},
            {RESP("<value><struct><member><value>1</value></member></struct></value>"),
             "unexpected element <value> in <member>"},
            {RESP("<value><struct><member></member></struct></value>"),
             "struct member without <name>"},
            {RESP("<value><struct><member><name>a</name></member></struct></value>"),
             "struct member \"a\" without <value>"},
            {RESP("<value><struct><member><name>a</name><name>b</name></member></struct>"
                  "</value>"),
             "unexpected element <name> in <member>"},
            {RESP("<value><struct><member><name>a<b/></name><value/></member></struct>"
                  "</value>"),
             "unexpected element <b> in <name>"},
            {RESP("<value><array><value>1</value></array></value>"),
             "unexpected element <value> in <array>"},
            {RESP("<value><array><data/><data/></array></value>"),
             "unexpected element <data> in <array>"},
            {RESP("<value><array><data><int>1</int></data></array></value>"),
             "unexpected element <int> in <data>"},
            {RESP("<value><int><int>1</int></int></value>"), "unexpected element <int> in <int>"},
            {RESP("<value><nil>x</nil></value>"), "unexpected text \"x\" in <nil>"},
            {RESP("<value><ex:nil xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/"
                  "extensions\"/></value>"),
             "unexpected element <ex:nil> in <value>"},
            {RESP("<value xmlns=\"urn:x\">1</value>"), "unexpected element <value> in <param>"},
            {RESP("<value>&undefined;</value>"), "malformed XML"},
            {"<methodResponse><params><param><value>\xff</value></param></params>"
             "</methodResponse>",
             "malformed XML"},
    };

    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        resp_fails(cases[k].doc, -EBADMSG, cases[k].needle);
    }
}

static void test_malformed_calls(void **state)
{
    static const struct {
        const char *doc;
        const char *needle;
    } cases[] = {
            {"<methodCall></methodCall>", "without <methodName>"},
            {"<methodCall><params/></methodCall>", "unexpected element <params> in <methodCall>"},
            {"<methodCall><methodName></methodName></methodCall>", "empty <methodName>"},
            {"<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>",
             "unexpected element <methodName> in <methodCall>"},
            {"<methodCall><methodName>a</methodName><params/><params/></methodCall>",
             "unexpected element <params> in <methodCall>"},
            {"<methodCall><methodName>a</methodName><params><param><value/><value/></param>"
             "</params></methodCall>",
             "unexpected element <value> in <param>"},
            {"<methodCall><methodName>a<x/></methodName></methodCall>",
             "unexpected element <x> in <methodName>"},
            {"<methodResponse><params><param><value/></param></params></methodResponse>",
             "expected <methodCall>"},
    };
    char *method = (char *)1;
    struct xr_value *params = (struct xr_value *)1;

    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int r = xr_decode_call(cases[k].doc, strlen(cases[k].doc), NULL, &method, &params);

        if (r != -EBADMSG || !strstr(xr_last_error(), cases[k].needle)) {
            fail_msg("case %zu: %d \"%s\"", k, r, xr_last_error());
        }
        assert_null(method);
        assert_null(params);
    }
}

static void test_duplicate_members_last_wins(void **state)
{
    struct xr_value *v = dec_value("<value><struct>"
                                   "<member><name>a</name><value>first</value></member>"
                                   "<member><name>b</name><value>bee</value></member>"
                                   "<member><name>a</name><value>last</value></member>"
                                   "</struct></value>");

    (void)state;
    assert_int_equal(xr_struct_len(v), 2);
    assert_string_equal(xr_struct_key(v, 0), "a");
    assert_string_equal(xr_get_string(xr_struct_get(v, "a")), "last");
    xr_free(v);
}

static void test_doctype_and_entities_rejected(void **state)
{
    static const char *const docs[] = {
            "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
            "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
            "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
            "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
            "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
            "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
            "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
            "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
            "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
            "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
            "]>\n<methodResponse><params><param><value>&lol9;</value></param></params>"
            "</methodResponse>\n",
            "<!DOCTYPE methodResponse SYSTEM \"http://127.0.0.1:1/x.dtd\">"
            "<methodResponse><params><param><value/></param></params></methodResponse>",
            "<!DOCTYPE methodResponse [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            "<methodResponse><params><param><value>&xxe;</value></param></params>"
            "</methodResponse>",
            "<!DOCTYPE methodResponse>"
            "<methodResponse><params><param><value/></param></params></methodResponse>",
    };

    (void)state;
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        resp_fails(docs[k], -EBADMSG, "DOCTYPE");
    }
}

static char *nested_arrays(unsigned depth)
{
    struct sbuf b = SBUF_INIT;

    for (unsigned i = 0; i < depth; i++) {
        sbuf_adds(&b, "<value><array><data>");
    }
    sbuf_adds(&b, "<value>leaf</value>");
    for (unsigned i = 0; i < depth; i++) {
        sbuf_adds(&b, "</data></array></value>");
    }
    assert_int_equal(sbuf_error(&b), 0);
    return sbuf_steal(&b, NULL);
}

static void test_depth_limit(void **state)
{
    struct xr_limits lim = xr_default_limits;
    struct xr_value *v = NULL;
    char *doc;

    (void)state;
    doc = nested_arrays(lim.max_depth);
    assert_int_equal(xr_decode_value(doc, strlen(doc), NULL, &v), 0);
    roundtrip(v);
    free(doc);
    doc = nested_arrays(lim.max_depth + 1);
    v = (struct xr_value *)1;
    assert_int_equal(xr_decode_value(doc, strlen(doc), NULL, &v), -E2BIG);
    assert_null(v);
    assert_non_null(strstr(xr_last_error(), "nested deeper than 64"));
    free(doc);

    lim.max_depth = 2;
    doc = "<value><struct><member><name>a</name><value><array><data><value><struct/></value>"
          "</data></array></value></member></struct></value>";
    assert_int_equal(xr_decode_value(doc, strlen(doc), &lim, &v), -E2BIG);
    lim.max_depth = 3;
    assert_int_equal(xr_decode_value(doc, strlen(doc), &lim, &v), 0);
    xr_free(v);
}

static void test_value_count_limit(void **state)
{
    struct xr_limits lim = xr_default_limits;
    const char *doc = RESP("<value><array><data><value>1</value><value>2</value>"
                           "<value>3</value></data></array></value>");
    struct xr_value *v = NULL;
    struct xr_fault fault = {0, NULL};

    (void)state;
    lim.max_values = 4;
    assert_int_equal(xr_decode_response(doc, strlen(doc), &lim, &v, &fault), 0);
    xr_free(v);
    lim.max_values = 3;
    assert_int_equal(xr_decode_response(doc, strlen(doc), &lim, &v, &fault), -E2BIG);
    assert_null(v);
    assert_non_null(strstr(xr_last_error(), "more than 3 values"));
}

static void test_size_limit(void **state)
{
    struct xr_limits lim = xr_default_limits;
    const char *doc = "<value>0123456789</value>";
    struct xr_value *v = NULL;
    char *method = NULL;

    (void)state;
    lim.max_size = strlen(doc);
    assert_int_equal(xr_decode_value(doc, strlen(doc), &lim, &v), 0);
    xr_free(v);
    lim.max_size = strlen(doc) - 1;
    assert_int_equal(xr_decode_value(doc, strlen(doc), &lim, &v), -E2BIG);
    assert_null(v);
    assert_non_null(strstr(xr_last_error(), "limit"));
    /* The default limit is checked before anything is read. */
    assert_int_equal(xr_decode_call(doc, xr_default_limits.max_size + 1, NULL, &method, &v),
                     -E2BIG);
}

static void test_encoding_declaration(void **state)
{
    const char *doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                      "<value><string>caf\xe9</string></value>";
    struct xr_value *v = dec_value(doc);

    (void)state;
    assert_string_equal(xr_get_string(v), "caf\xc3\xa9");
    xr_free(v);
}

/* libxml2 raises some errors, such as bytes that are not in the declared
 * encoding, without a parser context; they must reach our message, not
 * the program's stderr. */
static void test_libxml_prints_nothing(void **state)
{
    static const char doc[] = "<?xml version=\"1.0\" encoding=\"EUC-JP\"?><methodResponse>"
                              "<params><param><value>\x8f\xff\xff</value></param></params>"
                              "</methodResponse>";
    char path[] = "/tmp/xmlrpc_stderr_XXXXXX";
    struct xr_value *v = NULL;
    struct xr_fault fault = {0, NULL};
    int fd = mkstemp(path), saved;
    struct stat st;
    int r;

    (void)state;
    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(2);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    r = xr_decode_response(doc, sizeof doc - 1, NULL, &v, &fault);
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    unlink(path);
    assert_int_equal(r, -EBADMSG);
    assert_non_null(strstr(xr_last_error(), "conversion"));
    assert_int_equal(st.st_size, 0);
}

/* ------------------------------------------------------------------------
 * XAPI-shaped documents. */

#define PIF_MEMBERS(uuid, dev, mac, vlan, mgmt, mode, ip)                                          \
    "<member><name>uuid</name><value>" uuid "</value></member>"                                    \
    "<member><name>device</name><value>" dev "</value></member>"                                   \
    "<member><name>network</name><value>OpaqueRef:3a75678a-0941-56d3-ba8c-c6233dfaa7dd</value>"    \
    "</member>"                                                                                    \
    "<member><name>host</name><value>OpaqueRef:9ea9b1d2-5a3b-4d7d-8e2b-1c0d5e2f4a11</value>"       \
    "</member>"                                                                                    \
    "<member><name>MAC</name><value>" mac "</value></member>"                                      \
    "<member><name>MTU</name><value>1500</value></member>"                                         \
    "<member><name>VLAN</name><value>" vlan "</value></member>"                                    \
    "<member><name>metrics</name><value>OpaqueRef:NULL</value></member>"                           \
    "<member><name>physical</name><value><boolean>1</boolean></value></member>"                    \
    "<member><name>currently_attached</name><value><boolean>1</boolean></value></member>"          \
    "<member><name>ip_configuration_mode</name><value>" mode "</value></member>"                   \
    "<member><name>IP</name><value>" ip "</value></member>"                                        \
    "<member><name>netmask</name><value>255.255.255.0</value></member>"                            \
    "<member><name>gateway</name><value>192.0.2.1</value></member>"                                \
    "<member><name>DNS</name><value>192.0.2.53</value></member>"                                   \
    "<member><name>bond_slave_of</name><value>OpaqueRef:NULL</value></member>"                     \
    "<member><name>bond_master_of</name><value><array><data/></array></value></member>"            \
    "<member><name>VLAN_master_of</name><value>OpaqueRef:NULL</value></member>"                    \
    "<member><name>VLAN_slave_of</name><value><array><data/></array></value></member>"             \
    "<member><name>tunnel_access_PIF_of</name><value><array><data/></array></value></member>"      \
    "<member><name>tunnel_transport_PIF_of</name><value><array><data/></array></value></member>"   \
    "<member><name>management</name><value><boolean>" mgmt "</boolean></value></member>"           \
    "<member><name>other_config</name><value><struct>"                                             \
    "<member><name>ethtool-gso</name><value>off</value></member>"                                  \
    "<member><name>domain</name><value>example.com</value></member>"                               \
    "</struct></value></member>"                                                                   \
    "<member><name>disallow_unplug</name><value><boolean>0</boolean></value></member>"             \
    "<member><name>ipv6_configuration_mode</name><value>None</value></member>"                     \
    "<member><name>IPv6</name><value><array><data><value></value></data></array></value>"          \
    "</member>"                                                                                    \
    "<member><name>ipv6_gateway</name><value></value></member>"                                    \
    "<member><name>primary_address_type</name><value>IPv4</value></member>"                        \
    "<member><name>managed</name><value><boolean>1</boolean></value></member>"                     \
    "<member><name>properties</name><value><struct><member><name>gro</name><value>on</value>"      \
    "</member></struct></value></member>"                                                          \
    "<member><name>capabilities</name><value><array><data><value>fcoe</value></data></array>"      \
    "</value></member>"                                                                            \
    "<member><name>igmp_snooping_status</name><value>unknown</value></member>"                     \
    "<member><name>last_changed</name><value><dateTime.iso8601>20261124T17:29:36Z"                 \
    "</dateTime.iso8601></value></member>"

#define PIF_ETH0                                                                                   \
    "<member><name>OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372</"                               \
    "name><value><struct>" PIF_MEMBERS("bd62a141-091f-3909-e334-0334f67ff3be", "eth0",             \
                                       "fe:ff:ff:ff:ff:01", "-1", "1", "DHCP",                     \
                                       "192.0.2.10") "</struct></value></member>"

#define PIF_ETH1                                                                                   \
    "<member><name>OpaqueRef:346b014c-f967-5af2-9686-c76c9b3dc8e8</"                               \
    "name><value><struct>" PIF_MEMBERS("6e5d3f52-0d3f-4d43-9d44-0f1e3b1c2a90", "eth1",             \
                                       "fe:ff:ff:ff:ff:02", "123", "0", "None",                    \
                                       "") "</struct></value></member>"

static void test_xapi_get_all_records_two_pifs(void **state)
{
    /* Shaped like XAPI's reply: strings as bare <value> text, ints as
     * decimal strings, maps as structs, sets as arrays. */
    static const char doc[] = "<?xml version=\"1.0\"?>"
                              "<methodResponse><params><param><value><struct>"
                              "<member><name>Status</name><value>Success</value></member>"
                              "<member><name>Value</name><value><struct>" PIF_ETH0 PIF_ETH1
                              "</struct></value></member>"
                              "</struct></value></param></params></methodResponse>";
    struct xr_value *v = dec_resp(doc), *val, *pif;
    int64_t mtu, vlan;
    bool mgmt;

    (void)state;
    assert_string_equal(xr_get_string(xr_struct_get(v, "Status")), "Success");
    val = xr_struct_get(v, "Value");
    assert_int_equal(xr_struct_len(val), 2);
    assert_string_equal(xr_struct_key(val, 0), "OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372");
    pif = xr_struct_value(val, 0);
    assert_int_equal(xr_struct_len(pif), 33);
    assert_string_equal(xr_get_string(xr_struct_get(pif, "device")), "eth0");
    assert_int_equal(xr_get_int(xr_struct_get(pif, "MTU"), &mtu), 0);
    assert_true(mtu == 1500);
    assert_int_equal(xr_get_int(xr_struct_get(pif, "VLAN"), &vlan), 0);
    assert_true(vlan == -1);
    assert_int_equal(xr_get_bool(xr_struct_get(pif, "management"), &mgmt), 0);
    assert_true(mgmt);
    assert_string_equal(
            xr_get_string(xr_struct_get(xr_struct_get(pif, "other_config"), "ethtool-gso")), "off");
    assert_int_equal(xr_array_len(xr_struct_get(pif, "bond_master_of")), 0);
    assert_string_equal(xr_get_string(xr_array_get(xr_struct_get(pif, "IPv6"), 0)), "");
    assert_int_equal(xr_type(xr_struct_get(pif, "last_changed")), XR_DATETIME);
    pif = xr_struct_get(val, "OpaqueRef:346b014c-f967-5af2-9686-c76c9b3dc8e8");
    assert_int_equal(xr_get_int(xr_struct_get(pif, "VLAN"), &vlan), 0);
    assert_true(vlan == 123);
    assert_string_equal(xr_get_string(xr_struct_get(pif, "IP")), "");
    assert_int_equal(xr_get_bool(xr_struct_get(pif, "management"), &mgmt), 0);
    assert_false(mgmt);
    roundtrip(v);
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* get_all_records of 1,000 PIFs with 30 members each: decoding must stay
 * linear.  The bound is loose enough for a sanitizer build, tight enough to
 * catch quadratic behaviour (which costs seconds here). */
static void test_large_response_is_fast(void **state)
{
    struct xr_value *recs = xr_struct(), *got = NULL;
    struct xr_fault fault = {0, NULL};
    char key[64], *text = NULL;
    size_t len = 0;
    double t0, ms;

    (void)state;
    for (int p = 0; p < 1000; p++) {
        struct xr_value *pif = xr_struct();

        for (int f = 0; f < 30; f++) {
            snprintf(key, sizeof key, "field_%d", f);
            assert_int_equal(xr_struct_set_string(pif, key, "OpaqueRef:0a1b2c3d-4e5f"), 0);
        }
        snprintf(key, sizeof key, "OpaqueRef:%08d-aaaa-bbbb-cccc-dddddddddddd", p);
        assert_int_equal(xr_struct_set(recs, key, pif), 0);
    }
    assert_int_equal(xr_encode_response(recs, &text, &len), 0);
    t0 = now_ms();
    assert_int_equal(xr_decode_response(text, len, NULL, &got, &fault), 0);
    ms = now_ms() - t0;
    printf("decoded %zu bytes (1000 x 30 members) in %.1f ms\n", len, ms);
    assert_true(ms < 1000.0);
    assert_true(xr_equal(recs, got));
    free(text);
    xr_free(got);
    xr_free(recs);
}

/* ------------------------------------------------------------------------
 * Python's xmlrpc.client as the other peer. */

static int run_python(const char *script, const char *arg, char *out, size_t outlen)
{
    char cmd[4096];
    FILE *p;
    size_t n;

    snprintf(cmd, sizeof cmd, "%s -c '%s' %s", PYTHON, script, arg);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, outlen - 1, p);
    out[n] = '\0';
    return pclose(p);
}

static void test_python_parses_our_call(void **state)
{
    static const char script[] =
            "import sys, xmlrpc.client as x\n"
            "p, m = x.loads(open(sys.argv[1], \"rb\").read())\n"
            "def c(v):\n"
            "    if isinstance(v, x.Binary): return (\"b64\", v.data)\n"
            "    if isinstance(v, x.DateTime): return (\"dt\", v.value)\n"
            "    if isinstance(v, dict): return sorted((k, c(w)) for k, w in v.items())\n"
            "    if isinstance(v, list): return [c(w) for w in v]\n"
            "    return v\n"
            "print(repr(m)); print(repr(c(list(p))))\n";
    char path[] = "/tmp/xmlrpc_test_XXXXXX", out[4096];
    struct xr_value *params, *st;
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int fd;

    (void)state;
    if (access(PYTHON, X_OK) != 0) {
        printf("skipping: %s is missing\n", PYTHON);
        skip();
    }
    params = xr_array();
    st = xr_struct();
    assert_int_equal(xr_array_append(params, xr_string("a&b<c>\"d\" caf\xc3\xa9\r\n")), 0);
    assert_int_equal(xr_array_append(params, xr_int(INT64_MIN)), 0);
    assert_int_equal(xr_array_append(params, xr_int(-5)), 0);
    assert_int_equal(xr_array_append(params, xr_bool(true)), 0);
    assert_int_equal(xr_array_append(params, xr_double(0.1)), 0);
    assert_int_equal(xr_array_append(params, xr_nil()), 0);
    assert_int_equal(xr_array_append(params, xr_datetime("20261124T17:29:36Z")), 0);
    assert_int_equal(xr_array_append(params, xr_base64("\0\xff", 2)), 0);
    assert_int_equal(xr_struct_set(st, "list", xr_array()), 0);
    assert_int_equal(xr_struct_set_string(st, "k", "v"), 0);
    assert_int_equal(xr_array_append(params, st), 0);
    assert_int_equal(xr_encode_call("VM.do_thing", params, &text, &len), 0);
    xr_free(params);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(text);
    assert_int_equal(run_python(script, path, out, sizeof out), 0);
    unlink(path);
    assert_string_equal(out, "'VM.do_thing'\n"
                             "['a&b<c>\"d\" caf\xc3\xa9\\r\\n', -9223372036854775808, -5, True, "
                             "0.1, None, ('dt', '20261124T17:29:36Z'), ('b64', b'\\x00\\xff'), "
                             "[('k', 'v'), ('list', [])]]\n");
}

static void test_we_parse_python_response(void **state)
{
    static const char script[] =
            "import xmlrpc.client as x\n"
            "v = {\"s\": \"\\u00e9 & <\", \"i\": -2**31, \"f\": 1.5, \"b\": False, \"n\": None,\n"
            "     \"a\": [1, [2, {}]], \"bin\": x.Binary(bytes(range(5)))}\n"
            "print(x.dumps((v,), methodresponse=True, allow_none=True), end=\"\")\n";
    char out[4096];
    struct xr_value *v, *a;
    int64_t i;
    double d;
    bool b;
    size_t len;

    (void)state;
    if (access(PYTHON, X_OK) != 0) {
        printf("skipping: %s is missing\n", PYTHON);
        skip();
    }
    assert_int_equal(run_python(script, "", out, sizeof out), 0);
    v = dec_resp(out);
    assert_string_equal(xr_get_string(xr_struct_get(v, "s")), "\xc3\xa9 & <");
    assert_int_equal(xr_get_int(xr_struct_get(v, "i"), &i), 0);
    assert_true(i == INT32_MIN);
    assert_int_equal(xr_get_double(xr_struct_get(v, "f"), &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(xr_get_bool(xr_struct_get(v, "b"), &b), 0);
    assert_false(b);
    assert_int_equal(xr_type(xr_struct_get(v, "n")), XR_NIL);
    a = xr_struct_get(v, "a");
    assert_int_equal(xr_array_len(a), 2);
    assert_int_equal(xr_struct_len(xr_array_get(xr_array_get(a, 1), 1)), 0);
    assert_memory_equal(xr_get_bytes(xr_struct_get(v, "bin"), &len), "\0\1\2\3\4", 5);
    assert_int_equal(len, 5);
    xr_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_scalar_roundtrips),
            cmocka_unit_test(test_int_bounds_and_width),
            cmocka_unit_test(test_int_forms),
            cmocka_unit_test(test_get_int_from_strings),
            cmocka_unit_test(test_strings_bare_and_empty),
            cmocka_unit_test(test_booleans),
            cmocka_unit_test(test_doubles),
            cmocka_unit_test(test_datetimes),
            cmocka_unit_test(test_base64),
            cmocka_unit_test(test_base64_all_lengths),
            cmocka_unit_test(test_escaping),
            cmocka_unit_test(test_encode_rejects_bad_text),
            cmocka_unit_test(test_last_error_is_one_clean_line),
            cmocka_unit_test(test_nested_roundtrip),
            cmocka_unit_test(test_struct_order_replace_remove),
            cmocka_unit_test(test_struct_large_index),
            cmocka_unit_test(test_equal_and_copy),
            cmocka_unit_test(test_accessors_and_ownership),
            cmocka_unit_test(test_call_roundtrip_and_layout),
            cmocka_unit_test(test_call_without_params),
            cmocka_unit_test(test_response_roundtrip),
            cmocka_unit_test(test_fault_roundtrip),
            cmocka_unit_test(test_fault_malformed),
            cmocka_unit_test(test_malformed_documents),
            cmocka_unit_test(test_malformed_calls),
            cmocka_unit_test(test_duplicate_members_last_wins),
            cmocka_unit_test(test_doctype_and_entities_rejected),
            cmocka_unit_test(test_depth_limit),
            cmocka_unit_test(test_value_count_limit),
            cmocka_unit_test(test_size_limit),
            cmocka_unit_test(test_encoding_declaration),
            cmocka_unit_test(test_libxml_prints_nothing),
            cmocka_unit_test(test_xapi_get_all_records_two_pifs),
            cmocka_unit_test(test_large_response_is_fast),
            cmocka_unit_test(test_python_parses_our_call),
            cmocka_unit_test(test_we_parse_python_response),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
