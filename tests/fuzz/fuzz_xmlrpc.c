/* libFuzzer target for the XML-RPC decoder and encoder.
 *
 * The input is decoded as a methodResponse, a methodCall and a bare value,
 * each of which must either be refused cleanly or succeed.  Whatever
 * decodes must encode (the decoder accepts only text the encoder can
 * carry), the encoded document must decode to an equal tree, and encoding
 * that second tree must give the same bytes again.  A deep copy must equal
 * its original.  The bare value is also decoded under tiny limits, to walk
 * the over-limit paths. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_xmlrpc: %s (last error: %s)\n", what, xr_last_error());
        abort();
    }
}

static bool same_text(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Checks that "v" survives encode + decode, and that the encoding is a
 * fixed point of decode-then-encode. */
static void check_value(const struct xr_value *v)
{
    struct xr_value *back = NULL, *copy = xr_copy(v);
    char *first = NULL, *second = NULL;
    size_t first_len = 0, second_len = 0;

    fuzz_check(copy && xr_equal(v, copy), "xr_copy differs from its original");
    xr_free(copy);
    fuzz_check(xr_encode_value(v, &first, &first_len) == 0, "decoded value does not encode");
    fuzz_check(xr_decode_value(first, first_len, NULL, &back) == 0,
               "encoded value does not decode");
    fuzz_check(xr_equal(v, back), "value changed across encode and decode");
    fuzz_check(xr_encode_value(back, &second, &second_len) == 0, "second encode failed");
    fuzz_check(same_text(first, first_len, second, second_len), "encoding is not stable");
    free(first);
    free(second);
    xr_free(back);
}

static void check_response(const char *buf, size_t len)
{
    struct xr_value *v = NULL, *back = NULL;
    struct xr_fault fault = {0, NULL}, again = {0, NULL};
    char *text = NULL;
    size_t text_len = 0;
    int r = xr_decode_response(buf, len, NULL, &v, &fault);

    fuzz_check(r <= 1, "decode_response returned an unknown code");
    if (r == 1) {
        fuzz_check(!v && fault.reason, "fault without a reason");
        fuzz_check(xr_encode_fault(fault.code, fault.reason, &text, &text_len) == 0,
                   "decoded fault does not encode");
        fuzz_check(xr_decode_response(text, text_len, NULL, &back, &again) == 1,
                   "encoded fault does not decode as a fault");
        fuzz_check(again.code == fault.code && strcmp(again.reason, fault.reason) == 0,
                   "fault changed across encode and decode");
    } else if (r == 0) {
        fuzz_check(v && !fault.reason, "response without a result");
        check_value(v);
        fuzz_check(xr_encode_response(v, &text, &text_len) == 0, "response does not encode");
        fuzz_check(xr_decode_response(text, text_len, NULL, &back, &again) == 0,
                   "encoded response does not decode");
        fuzz_check(xr_equal(v, back), "response changed across encode and decode");
    } else {
        fuzz_check(!v && !fault.reason, "failed decode left output behind");
    }
    free(text);
    xr_free(v);
    xr_free(back);
    xr_fault_clear(&fault);
    xr_fault_clear(&again);
}

static void check_call(const char *buf, size_t len)
{
    struct xr_value *params = NULL, *back = NULL;
    char *method = NULL, *method2 = NULL, *text = NULL;
    size_t text_len = 0;
    int r = xr_decode_call(buf, len, NULL, &method, &params);

    if (r < 0) {
        fuzz_check(!method && !params, "failed decode left output behind");
        return;
    }
    fuzz_check(r == 0 && method && *method && params, "call decode gave no method or params");
    fuzz_check(xr_encode_call(method, params, &text, &text_len) == 0, "call does not encode");
    fuzz_check(xr_decode_call(text, text_len, NULL, &method2, &back) == 0,
               "encoded call does not decode");
    fuzz_check(strcmp(method, method2) == 0, "method name changed across encode and decode");
    fuzz_check(xr_equal(params, back), "params changed across encode and decode");
    free(method);
    free(method2);
    free(text);
    xr_free(params);
    xr_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct xr_limits tiny = {.max_size = 4096, .max_depth = 3, .max_values = 24};
    const char *buf = (const char *)data;
    struct xr_value *v = NULL;

    check_response(buf, size);
    check_call(buf, size);
    if (xr_decode_value(buf, size, NULL, &v) == 0) {
        check_value(v);
        xr_free(v);
    } else {
        fuzz_check(!v, "failed decode left a value behind");
    }
    v = NULL;
    if (xr_decode_value(buf, size, &tiny, &v) == 0) {
        check_value(v);
        xr_free(v);
    }
    return 0;
}
