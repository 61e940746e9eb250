/* Unit tests of the xenstored wire framing: parsing, encoding, splitting. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "xsd_proto.h"

static size_t make(unsigned char *buf, uint32_t type, uint32_t len, const char *payload)
{
    struct xsd_sockmsg h = {type, 7, 9, len};

    memcpy(buf, &h, sizeof(h));
    if (payload) {
        memcpy(buf + sizeof(h), payload, len);
    }
    return sizeof(h) + len;
}

static void test_parse(void **state)
{
    unsigned char buf[XSD_MSG_MAX + 32];
    struct xsd_sockmsg h;
    const char *p = NULL;
    size_t n = make(buf, XS_READ, 3, "/a\0");
    size_t i;
    (void)state;

    /* Every prefix is incomplete; the whole message parses. */
    for (i = 0; i < n; i++) {
        assert_int_equal(xsd_msg_parse(buf, i, &h, &p), 0);
    }
    assert_int_equal(xsd_msg_parse(buf, n + 5, &h, &p), 1);
    assert_int_equal(h.type, XS_READ);
    assert_int_equal(h.req_id, 7);
    assert_int_equal(h.tx_id, 9);
    assert_int_equal(h.len, 3);
    assert_ptr_equal(p, (const char *)buf + XSD_HDR_LEN);

    make(buf, XS_WRITE, XENSTORE_PAYLOAD_MAX + 1, NULL);
    assert_int_equal(xsd_msg_parse(buf, XSD_HDR_LEN, &h, &p), -E2BIG);
    make(buf, XS_TYPE_COUNT, 0, NULL);
    assert_int_equal(xsd_msg_parse(buf, XSD_HDR_LEN, &h, &p), -EINVAL);
    make(buf, XS_INVALID, 0, NULL);
    assert_int_equal(xsd_msg_parse(buf, XSD_HDR_LEN, &h, &p), -EINVAL);
    n = make(buf, XS_WRITE, XENSTORE_PAYLOAD_MAX, NULL);
    assert_int_equal(xsd_msg_parse(buf, n - 1, &h, &p), 0);
    assert_int_equal(xsd_msg_parse(buf, n, &h, &p), 1);
}

static void test_encode(void **state)
{
    static char big[XENSTORE_PAYLOAD_MAX + 1];
    struct sbuf out = SBUF_INIT;
    struct xsd_sockmsg h;
    const char *p;
    (void)state;

    assert_int_equal(xsd_msg_encode(&out, XS_ERROR, 3, 4, "ENOENT", 7), 0);
    assert_int_equal(out.len, XSD_HDR_LEN + 7);
    assert_int_equal(xsd_msg_parse(out.data, out.len, &h, &p), 1);
    assert_int_equal(h.type, XS_ERROR);
    assert_int_equal(h.req_id, 3);
    assert_int_equal(h.tx_id, 4);
    assert_string_equal(p, "ENOENT");
    assert_int_equal(xsd_msg_encode(&out, XS_READ, 1, 0, big, sizeof(big)), -E2BIG);
    assert_int_equal(out.len, XSD_HDR_LEN + 7);
    assert_int_equal(xsd_msg_encode(&out, XS_READ, 1, 0, NULL, 0), 0);
    assert_int_equal(out.len, 2 * XSD_HDR_LEN + 7);
    sbuf_free(&out);
}

static void test_split(void **state)
{
    const char *argv[3];
    size_t argc;
    (void)state;

    assert_int_equal(xsd_split_strings("/a\0tok\0", 7, argv, 3, &argc), 0);
    assert_int_equal(argc, 2);
    assert_string_equal(argv[0], "/a");
    assert_string_equal(argv[1], "tok");
    assert_int_equal(xsd_split_strings("\0", 1, argv, 3, &argc), 0);
    assert_int_equal(argc, 1);
    assert_string_equal(argv[0], "");
    assert_int_equal(xsd_split_strings("/a", 2, argv, 3, &argc), -EINVAL);
    assert_int_equal(xsd_split_strings("", 0, argv, 3, &argc), -EINVAL);
    assert_int_equal(xsd_split_strings("a\0b\0c\0d\0", 8, argv, 3, &argc), -EINVAL);
}

static void test_names(void **state)
{
    uint32_t v;
    (void)state;

    assert_string_equal(xsd_error_name(ENOENT), "ENOENT");
    assert_string_equal(xsd_error_name(EACCES), "EACCES");
    assert_string_equal(xsd_error_name(EAGAIN), "EAGAIN");
    assert_string_equal(xsd_error_name(E2BIG), "E2BIG");
    assert_string_equal(xsd_error_name(ENAMETOOLONG), "EINVAL");
    assert_string_equal(xsd_type_name(XS_TRANSACTION_END), "TRANSACTION_END");
    assert_string_equal(xsd_type_name(999), "UNKNOWN");
    assert_int_equal(xsd_parse_u32("4294967295", &v), 0);
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(xsd_parse_u32("4294967296", &v), -EINVAL);
    assert_int_equal(xsd_parse_u32("", &v), -EINVAL);
    assert_int_equal(xsd_parse_u32("-1", &v), -EINVAL);
    assert_int_equal(xsd_parse_u32("1 ", &v), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse),
            cmocka_unit_test(test_encode),
            cmocka_unit_test(test_split),
            cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
