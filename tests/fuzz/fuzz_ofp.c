/* libFuzzer target for the OpenFlow 1.3 decoders in lib/ofp.
 *
 * The input is one message.  It goes to ofp_decode_header() as is, and to
 * every decoder twice: as is, and as a copy whose header is patched to
 * version 4, the decoder's message type and the input's real length, so that
 * mutations reach the bodies instead of dying on the header checks.  Oracles:
 * a decoded flow_mod re-encodes, decodes back to an equal flow and encodes to
 * the same bytes; every flow of a stats reply is a flow the encoder accepts;
 * a failed decoder always gives a reason. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_ofp: %s\n", what);
        abort();
    }
}

static bool flow_eq(const struct ofp_flow *a, const struct ofp_flow *b)
{
    if (a->cookie != b->cookie || a->cookie_mask != b->cookie_mask || a->table_id != b->table_id ||
        a->priority != b->priority || a->idle_timeout != b->idle_timeout ||
        a->hard_timeout != b->hard_timeout || a->flags != b->flags || a->out_port != b->out_port ||
        a->match.n != b->match.n || a->n_actions != b->n_actions) {
        return false;
    }
    for (size_t i = 0; i < a->match.n; i++) {
        const struct ofp_oxm *x = &a->match.f[i], *y = &b->match.f[i];

        if (x->field != y->field || x->len != y->len || x->has_mask != y->has_mask ||
            memcmp(x->value, y->value, x->len) ||
            (x->has_mask && memcmp(x->mask, y->mask, x->len))) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_actions; i++) {
        if (a->actions[i].type != b->actions[i].type || a->actions[i].port != b->actions[i].port ||
            a->actions[i].max_len != b->actions[i].max_len) {
            return false;
        }
    }
    return true;
}

static void check_flow_mod(const uint8_t *buf, size_t len)
{
    struct sbuf one = SBUF_INIT, two = SBUF_INIT;
    struct ofp_flow f, back;
    const char *why = NULL;
    uint8_t cmd, cmd2;

    if (ofp_decode_flow_mod(buf, len, &cmd, &f, &why) < 0) {
        fuzz_check(why != NULL, "flow_mod refused without a reason");
        return;
    }
    fuzz_check(ofp_encode_flow_mod(&one, 1, cmd, &f) == 0, "decoded flow_mod does not encode");
    fuzz_check(ofp_decode_flow_mod((uint8_t *)one.data, one.len, &cmd2, &back, &why) == 0,
               "re-encoded flow_mod does not decode");
    fuzz_check(cmd == cmd2 && flow_eq(&f, &back), "flow_mod round trip changed the flow");
    fuzz_check(ofp_encode_flow_mod(&two, 1, cmd2, &back) == 0 && one.len == two.len &&
                       !memcmp(one.data, two.data, one.len),
               "flow_mod encoding is not stable");
    sbuf_free(&one);
    sbuf_free(&two);
}

static void check_stats_reply(const uint8_t *buf, size_t len)
{
    struct ofp_flow *flows = NULL;
    struct sbuf out = SBUF_INIT;
    const char *why = NULL;
    size_t n = 0;
    bool more;
    int r = ofp_decode_flow_stats_reply(buf, len, &flows, &n, &more, &why);

    if (r == -EINVAL) {
        fuzz_check(why != NULL && flows == NULL && n == 0, "stats reply refused badly");
    }
    for (size_t i = 0; i < n; i++) {
        fuzz_check(ofp_encode_flow_mod(&out, 1, OFPFC_ADD, &flows[i]) == 0,
                   "a flow from a stats reply does not encode");
        sbuf_reset(&out);
    }
    free(flows);
    sbuf_free(&out);
}

static void run_decoders(const uint8_t *buf, size_t len)
{
    const char *why = NULL;
    bool offers;
    uint16_t type, code;
    uint64_t dpid;
    uint8_t n_tables;

    if (ofp_decode_hello(buf, len, &offers, &why) < 0) {
        fuzz_check(why != NULL, "hello refused without a reason");
    }
    why = NULL;
    if (ofp_decode_error(buf, len, &type, &code, &why) == 0) {
        fuzz_check(ofp_error_name(type, code) != NULL, "no error name");
    } else {
        fuzz_check(why != NULL, "error refused without a reason");
    }
    why = NULL;
    if (ofp_decode_features_reply(buf, len, &dpid, &n_tables, &why) < 0) {
        fuzz_check(why != NULL, "features reply refused without a reason");
    }
    check_flow_mod(buf, len);
    check_stats_reply(buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t types[] = {OFPT_HELLO, OFPT_ERROR, OFPT_FEATURES_REPLY, OFPT_FLOW_MOD,
                                    OFPT_MULTIPART_REPLY};
    struct ofp_header h;
    uint8_t *copy;

    if (ofp_decode_header(data, size, &h) == 0) {
        fuzz_check(h.length >= OFP_HEADER_LEN, "header length below 8 accepted");
    }
    run_decoders(data, size);
    if (size < OFP_HEADER_LEN || size > OFP_MAX_MSG) {
        return 0;
    }
    copy = malloc(size);
    fuzz_check(copy != NULL, "out of memory");
    for (size_t i = 0; i < sizeof types; i++) {
        memcpy(copy, data, size);
        copy[0] = OFP13_VERSION;
        copy[1] = types[i];
        copy[2] = (uint8_t)(size >> 8);
        copy[3] = (uint8_t)size;
        run_decoders(copy, size);
    }
    free(copy);
    return 0;
}
