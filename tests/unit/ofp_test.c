/* Unit tests for lib/ofp: byte-exact messages checked against layouts worked
 * out by hand from the OpenFlow 1.3.5 specification, round trips of every
 * message and every OXM field, and malformed input of every kind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ofp.h"
#include "sbuf.h"

static bool oxm_eq(const struct ofp_oxm *a, const struct ofp_oxm *b)
{
    return a->field == b->field && a->len == b->len && a->has_mask == b->has_mask &&
           !memcmp(a->value, b->value, a->len) &&
           (!a->has_mask || !memcmp(a->mask, b->mask, a->len));
}

/* Field-wise comparison (struct padding is never compared). */
static bool flow_eq(const struct ofp_flow *a, const struct ofp_flow *b, bool stats)
{
    if (a->cookie != b->cookie || a->table_id != b->table_id || a->priority != b->priority ||
        a->idle_timeout != b->idle_timeout || a->hard_timeout != b->hard_timeout ||
        a->flags != b->flags || a->match.n != b->match.n || a->n_actions != b->n_actions) {
        return false;
    }
    if (!stats && (a->cookie_mask != b->cookie_mask || a->out_port != b->out_port)) {
        return false;
    }
    if (stats && (a->duration_sec != b->duration_sec || a->duration_nsec != b->duration_nsec ||
                  a->packet_count != b->packet_count || a->byte_count != b->byte_count)) {
        return false;
    }
    for (size_t i = 0; i < a->match.n; i++) {
        if (!oxm_eq(&a->match.f[i], &b->match.f[i])) {
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

static void set_u8(struct ofp_flow *f, uint8_t field, uint8_t v)
{
    assert_int_equal(ofp_match_set(&f->match, field, &v, NULL, 1), 0);
}

static void set_u16(struct ofp_flow *f, uint8_t field, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    assert_int_equal(ofp_match_set(&f->match, field, b, NULL, 2), 0);
}

static void set_u32(struct ofp_flow *f, uint8_t field, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    assert_int_equal(ofp_match_set(&f->match, field, b, NULL, 4), 0);
}

static void add_output(struct ofp_flow *f, uint32_t port, uint16_t max_len)
{
    f->actions[f->n_actions].type = OFPAT_OUTPUT;
    f->actions[f->n_actions].port = port;
    f->actions[f->n_actions].max_len = max_len;
    f->n_actions++;
}

/* The DHCP rule of spec section 3.1: cookie=1, in_port=5, priority=8000,
 * udp, tp_dst=67, dl_src=fe:ff:ff:ff:ff:ff, action=normal. */
static void dhcp_flow(struct ofp_flow *f)
{
    static const uint8_t mac[6] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff};

    ofp_flow_init(f);
    f->cookie = 1;
    f->priority = 8000;
    set_u16(f, OFPXMT_UDP_DST, 67);
    set_u32(f, OFPXMT_IN_PORT, 5);
    set_u8(f, OFPXMT_IP_PROTO, 17);
    set_u16(f, OFPXMT_ETH_TYPE, 0x0800);
    assert_int_equal(ofp_match_set(&f->match, OFPXMT_ETH_SRC, mac, NULL, 6), 0);
    add_output(f, OFPP_NORMAL, 0);
}

static const uint8_t dhcp_flow_mod_bytes[] = {
        /* ofp_header: version 4, OFPT_FLOW_MOD, length 112, xid. */
        0x04,
        0x0e,
        0x00,
        0x70,
        0x11,
        0x22,
        0x33,
        0x44,
        /* cookie, cookie_mask. */
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        /* table 0, OFPFC_ADD, idle 0, hard 0, priority 8000. */
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x1f,
        0x40,
        /* buffer_id OFP_NO_BUFFER, out_port OFPP_ANY, out_group OFPG_ANY. */
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        /* flags, pad. */
        0x00,
        0x00,
        0x00,
        0x00,
        /* ofp_match: OFPMT_OXM, length 4 + 35 = 39. */
        0x00,
        0x01,
        0x00,
        0x27,
        /* IN_PORT = 5. */
        0x80,
        0x00,
        0x00,
        0x04,
        0x00,
        0x00,
        0x00,
        0x05,
        /* ETH_SRC. */
        0x80,
        0x00,
        0x08,
        0x06,
        0xfe,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        /* ETH_TYPE = IPv4. */
        0x80,
        0x00,
        0x0a,
        0x02,
        0x08,
        0x00,
        /* IP_PROTO = UDP. */
        0x80,
        0x00,
        0x14,
        0x01,
        0x11,
        /* UDP_DST = 67, then one byte of padding to 40. */
        0x80,
        0x00,
        0x20,
        0x02,
        0x00,
        0x43,
        0x00,
        /* OFPIT_APPLY_ACTIONS, length 24, pad. */
        0x00,
        0x04,
        0x00,
        0x18,
        0x00,
        0x00,
        0x00,
        0x00,
        /* OFPAT_OUTPUT, length 16, port NORMAL, max_len 0, pad. */
        0x00,
        0x00,
        0x00,
        0x10,
        0xff,
        0xff,
        0xff,
        0xfa,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
};

static void test_flow_mod_bytes(void **state)
{
    struct sbuf b = SBUF_INIT;
    struct ofp_flow f, back;
    uint8_t cmd = 99;
    const char *why = NULL;

    (void)state;
    dhcp_flow(&f);
    assert_int_equal(ofp_encode_flow_mod(&b, 0x11223344, OFPFC_ADD, &f), 0);
    assert_int_equal(b.len, sizeof dhcp_flow_mod_bytes);
    assert_memory_equal(b.data, dhcp_flow_mod_bytes, sizeof dhcp_flow_mod_bytes);
    assert_int_equal(
            ofp_decode_flow_mod(dhcp_flow_mod_bytes, sizeof dhcp_flow_mod_bytes, &cmd, &back, &why),
            0);
    assert_int_equal(cmd, OFPFC_ADD);
    assert_true(flow_eq(&f, &back, false));
    sbuf_free(&b);
}

static void test_hello_and_simple_bytes(void **state)
{
    static const uint8_t hello[] = {0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x07,
                                    0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x10};
    static const uint8_t echo[] = {0x04, 0x02, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x09, 'a', 'b', 'c'};
    static const uint8_t barrier[] = {0x04, 0x14, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef};
    struct sbuf b = SBUF_INIT;
    bool offers = false;

    (void)state;
    assert_int_equal(ofp_encode_hello(&b, 7), 0);
    assert_int_equal(b.len, sizeof hello);
    assert_memory_equal(b.data, hello, sizeof hello);
    assert_int_equal(ofp_decode_hello(hello, sizeof hello, &offers, NULL), 0);
    assert_true(offers);
    sbuf_reset(&b);
    assert_int_equal(ofp_encode_simple(&b, OFPT_ECHO_REQUEST, 9, "abc", 3), 0);
    assert_memory_equal(b.data, echo, sizeof echo);
    sbuf_reset(&b);
    assert_int_equal(ofp_encode_simple(&b, OFPT_BARRIER_REQUEST, 0xdeadbeef, NULL, 0), 0);
    assert_int_equal(b.len, sizeof barrier);
    assert_memory_equal(b.data, barrier, sizeof barrier);
    assert_int_equal(ofp_encode_simple(&b, OFPT_ECHO_REQUEST, 1, NULL, 4), -EINVAL);
    assert_int_equal(b.len, sizeof barrier);
    sbuf_free(&b);
}

static void test_stats_request_bytes(void **state)
{
    static const uint8_t want[] = {
            0x04, 0x12, 0x00, 0x40, 0x00, 0x00, 0x00, 0x03, /* header, length 64 */
            0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* OFPMP_FLOW, flags, pad */
            0xff, 0x00, 0x00, 0x00,                         /* table all, pad */
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* out_port, out_group any */
            0x00, 0x00, 0x00, 0x00,                         /* pad */
            0,    0,    0,    0,    0,    0,    0,    1,    0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, /* match with IN_PORT
                                                                                 = 2 */
            0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    };
    struct sbuf b = SBUF_INIT;
    struct ofp_flow f;

    (void)state;
    ofp_flow_init(&f);
    f.table_id = OFPTT_ALL;
    f.cookie = 1;
    f.cookie_mask = UINT64_MAX;
    set_u32(&f, OFPXMT_IN_PORT, 2);
    assert_int_equal(ofp_encode_flow_stats_request(&b, 3, &f), 0);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    sbuf_free(&b);
}

/* Two flows that between them use every OXM field, masked where allowed. */
static void every_field_flows(struct ofp_flow *a, struct ofp_flow *b)
{
    uint8_t v[16], m[16];

    ofp_flow_init(a);
    ofp_flow_init(b);
    for (uint8_t field = 0; field < 40; field++) {
        size_t len = ofp_oxm_len(field);
        struct ofp_flow *f = field < OFPXMT_ARP_OP ? a : b;

        if (len == 0) {
            continue;
        }
        for (size_t i = 0; i < len; i++) {
            v[i] = (uint8_t)(0x11 * (i + 1) + field);
            m[i] = i % 2 ? 0xff : 0xf0;
        }
        /* Try a mask first; fields that refuse one get an exact match. */
        if (ofp_match_set(&f->match, field, v, m, len) < 0) {
            assert_int_equal(ofp_match_set(&f->match, field, v, NULL, len), 0);
        } else {
            const struct ofp_oxm *x = ofp_match_get(&f->match, field);

            assert_non_null(x);
            assert_true(x->has_mask);
            assert_int_equal(x->value[0], v[0] & 0xf0);
        }
    }
    a->cookie = 0x0102030405060708ull;
    a->cookie_mask = 0xffff;
    a->table_id = 3;
    a->priority = 12345;
    a->idle_timeout = 60;
    a->hard_timeout = 600;
    a->flags = 1;
    a->out_port = 7;
    add_output(a, 1, 0);
    add_output(a, OFPP_CONTROLLER, 0xffff);
    add_output(a, OFPP_LOCAL, 0);
    add_output(b, OFPP_IN_PORT, 0);
}

static void test_round_trip_every_field(void **state)
{
    struct ofp_flow a, b, back;
    struct sbuf buf = SBUF_INIT;
    const char *why = NULL;
    uint8_t cmd;

    (void)state;
    every_field_flows(&a, &b);
    assert_int_equal(a.match.n + b.match.n, 28);
    for (uint8_t c = OFPFC_ADD; c <= OFPFC_DELETE_STRICT; c++) {
        const struct ofp_flow *fl[2] = {&a, &b};

        for (int i = 0; i < 2; i++) {
            sbuf_reset(&buf);
            assert_int_equal(ofp_encode_flow_mod(&buf, 5, c, fl[i]), 0);
            assert_int_equal(buf.len % 8, 0);
            assert_int_equal(ofp_decode_flow_mod((uint8_t *)buf.data, buf.len, &cmd, &back, &why),
                             0);
            assert_int_equal(cmd, c);
            assert_true(flow_eq(fl[i], &back, false));
        }
    }
    /* A drop flow (no actions) has no instruction at all. */
    ofp_flow_init(&a);
    sbuf_reset(&buf);
    assert_int_equal(ofp_encode_flow_mod(&buf, 5, OFPFC_ADD, &a), 0);
    assert_int_equal(buf.len, 56);
    assert_int_equal(ofp_decode_flow_mod((uint8_t *)buf.data, buf.len, &cmd, &back, &why), 0);
    assert_true(flow_eq(&a, &back, false));
    assert_int_equal(ofp_encode_flow_mod(&buf, 5, 5, &a), -EINVAL);
    assert_int_equal(buf.len, 56);
    sbuf_free(&buf);
}

/* Builds a flow stats reply the way a switch does: each entry's match and
 * instructions are those of the flow's own flow_mod. */
static void build_stats_reply(struct sbuf *out, uint32_t xid, bool more,
                              const struct ofp_flow *flows, size_t n)
{
    struct sbuf fm = SBUF_INIT;
    uint8_t hdr[16] = {4, OFPT_MULTIPART_REPLY, 0, 0, 0, 0, 0, 0, 0, 1, 0, more ? 1 : 0};
    size_t start = out->len;

    hdr[4] = (uint8_t)(xid >> 24);
    hdr[5] = (uint8_t)(xid >> 16);
    hdr[6] = (uint8_t)(xid >> 8);
    hdr[7] = (uint8_t)xid;
    assert_int_equal(sbuf_add(out, hdr, sizeof hdr), 0);
    for (size_t i = 0; i < n; i++) {
        const struct ofp_flow *f = &flows[i];
        uint8_t e[48] = {0};
        size_t body;

        sbuf_reset(&fm);
        assert_int_equal(ofp_encode_flow_mod(&fm, 0, OFPFC_ADD, f), 0);
        body = fm.len - 48;
        e[0] = (uint8_t)((48 + body) >> 8);
        e[1] = (uint8_t)(48 + body);
        e[2] = f->table_id;
        for (int k = 0; k < 4; k++) {
            e[4 + k] = (uint8_t)(f->duration_sec >> (24 - 8 * k));
            e[8 + k] = (uint8_t)(f->duration_nsec >> (24 - 8 * k));
        }
        e[12] = (uint8_t)(f->priority >> 8);
        e[13] = (uint8_t)f->priority;
        e[14] = (uint8_t)(f->idle_timeout >> 8);
        e[15] = (uint8_t)f->idle_timeout;
        e[16] = (uint8_t)(f->hard_timeout >> 8);
        e[17] = (uint8_t)f->hard_timeout;
        e[18] = (uint8_t)(f->flags >> 8);
        e[19] = (uint8_t)f->flags;
        for (int k = 0; k < 8; k++) {
            e[24 + k] = (uint8_t)(f->cookie >> (56 - 8 * k));
            e[32 + k] = (uint8_t)(f->packet_count >> (56 - 8 * k));
            e[40 + k] = (uint8_t)(f->byte_count >> (56 - 8 * k));
        }
        assert_int_equal(sbuf_add(out, e, sizeof e), 0);
        assert_int_equal(sbuf_add(out, fm.data + 48, body), 0);
    }
    out->data[start + 2] = (char)((out->len - start) >> 8);
    out->data[start + 3] = (char)(out->len - start);
    sbuf_free(&fm);
}

static void test_stats_reply(void **state)
{
    struct ofp_flow in[3], *got = NULL;
    struct sbuf b = SBUF_INIT;
    size_t n = 0;
    bool more = false;
    const char *why = NULL;

    (void)state;
    every_field_flows(&in[0], &in[1]);
    dhcp_flow(&in[2]);
    in[0].duration_sec = 10;
    in[0].duration_nsec = 999999999;
    in[1].packet_count = 1ull << 40;
    in[2].byte_count = 12345678901ull;
    build_stats_reply(&b, 9, true, in, 2);
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     0);
    assert_true(more);
    assert_int_equal(n, 2);
    sbuf_reset(&b);
    build_stats_reply(&b, 9, false, in + 2, 1);
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     0);
    assert_false(more);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(flow_eq(&in[i], &got[i], true));
    }
    /* An empty reply adds nothing. */
    sbuf_reset(&b);
    build_stats_reply(&b, 9, false, NULL, 0);
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     0);
    assert_int_equal(n, 3);

    /* A bad second entry leaves the caller's array untouched. */
    sbuf_reset(&b);
    build_stats_reply(&b, 9, false, in, 2);
    b.data[b.len - 16 + 3] = 8; /* Last action's length: 16 -> 8. */
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     -EINVAL);
    assert_non_null(why);
    assert_int_equal(n, 3);
    /* Wrong multipart type. */
    sbuf_reset(&b);
    build_stats_reply(&b, 9, false, in, 1);
    b.data[9] = 2;
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     -EINVAL);
    /* Entry length not a multiple of 8, or past the end. */
    b.data[9] = 1;
    b.data[17] = (char)(b.data[17] + 1);
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     -EINVAL);
    b.data[17] = (char)(b.data[17] + 7);
    assert_int_equal(ofp_decode_flow_stats_reply((uint8_t *)b.data, b.len, &got, &n, &more, &why),
                     -EINVAL);
    /* Every truncation (with a consistent header length) fails cleanly. */
    sbuf_reset(&b);
    build_stats_reply(&b, 9, false, in + 2, 1);
    for (size_t len = 8; len < b.len; len++) {
        uint8_t *copy = malloc(len);

        assert_non_null(copy);
        memcpy(copy, b.data, len);
        copy[2] = (uint8_t)(len >> 8);
        copy[3] = (uint8_t)len;
        if (len != 16) {
            assert_int_equal(ofp_decode_flow_stats_reply(copy, len, &got, &n, &more, &why),
                             -EINVAL);
        }
        free(copy);
    }
    assert_int_equal(n, 3);
    free(got);
    sbuf_free(&b);
}

static void test_error_and_features(void **state)
{
    static const uint8_t features[] = {
            0x04, 0x06, 0x00, 0x20, 0,    0,    0,    2,    /* header */
            0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, /* datapath_id */
            0x00, 0x00, 0x01, 0x00, 0xfe, 0x00, 0x00, 0x00, /* n_buffers, n_tables, aux, pad */
            0x00, 0x00, 0x00, 0x4f, 0x00, 0x00, 0x00, 0x00, /* capabilities, reserved */
    };
    struct sbuf b = SBUF_INIT;
    uint16_t type = 0, code = 0;
    uint64_t dpid = 0;
    uint8_t n_tables = 0;
    const char *why = NULL;

    (void)state;
    assert_int_equal(ofp_encode_error(&b, 4, 4, 9, "xyz", 3), 0);
    assert_int_equal(b.len, 15);
    assert_int_equal(ofp_decode_error((uint8_t *)b.data, b.len, &type, &code, &why), 0);
    assert_int_equal(type, 4);
    assert_int_equal(code, 9);
    assert_string_equal(ofp_error_name(type, code), "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ");
    assert_int_equal(ofp_decode_error((uint8_t *)b.data, 11, &type, &code, &why), -EINVAL);
    assert_string_equal(ofp_error_name(0, 0), "OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE");
    assert_string_equal(ofp_error_name(1, 6), "OFPET_BAD_REQUEST/OFPBRC_BAD_LEN");
    assert_string_equal(ofp_error_name(2, 4), "OFPET_BAD_ACTION/OFPBAC_BAD_OUT_PORT");
    assert_string_equal(ofp_error_name(3, 1), "OFPET_BAD_INSTRUCTION/OFPBIC_UNSUP_INST");
    assert_string_equal(ofp_error_name(5, 3), "OFPET_FLOW_MOD_FAILED/OFPFMFC_OVERLAP");
    assert_string_equal(ofp_error_name(5, 77), "OFPET_FLOW_MOD_FAILED/77");
    assert_string_equal(ofp_error_name(12, 1), "OFPET_METER_MOD_FAILED/1");
    assert_string_equal(ofp_error_name(0xffff, 2), "OFPET_EXPERIMENTER/2");
    assert_string_equal(ofp_error_name(300, 2), "error type 300 code 2");

    assert_int_equal(ofp_decode_features_reply(features, sizeof features, &dpid, &n_tables, &why),
                     0);
    assert_int_equal(dpid, 0x123456789abcull);
    assert_int_equal(n_tables, 254);
    assert_int_equal(ofp_decode_features_reply(features, 24, &dpid, &n_tables, &why), -EINVAL);
    sbuf_free(&b);
}

static void test_hello_variants(void **state)
{
    /* OpenFlow 1.0 hello without elements. */
    static const uint8_t v10[] = {0x01, 0x00, 0x00, 0x08, 0, 0, 0, 1};
    /* 1.3 hello without elements. */
    static const uint8_t v13[] = {0x04, 0x00, 0x00, 0x08, 0, 0, 0, 1};
    /* 1.5 hello offering 1.0 and 1.5 only, then an unknown element. */
    static const uint8_t v15_no13[] = {0x06, 0x00, 0x00, 0x18, 0,    0,    0,    1,
                                       0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x42,
                                       0x00, 0x07, 0x00, 0x05, 0xaa, 0,    0,    0};
    /* 1.5 hello offering 1.0 to 1.5 (as Open vSwitch sends). */
    static const uint8_t v15[] = {0x06, 0x00, 0x00, 0x10, 0,    0,    0,    1,
                                  0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x7e};
    static const uint8_t bad_elen[] = {0x04, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0x00, 0x01, 0x00, 0x02};
    static const uint8_t long_elen[] = {0x04, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0x00, 0x01, 0x00, 0x10};
    static const uint8_t odd_bitmap[] = {0x04, 0x00, 0x00, 0x10, 0,    0,    0,    1,
                                         0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00};
    bool offers = true;
    const char *why = NULL;

    (void)state;
    assert_int_equal(ofp_decode_hello(v10, sizeof v10, &offers, &why), 0);
    assert_false(offers);
    assert_int_equal(ofp_decode_hello(v13, sizeof v13, &offers, &why), 0);
    assert_true(offers);
    assert_int_equal(ofp_decode_hello(v15_no13, sizeof v15_no13, &offers, &why), 0);
    assert_false(offers);
    assert_int_equal(ofp_decode_hello(v15, sizeof v15, &offers, &why), 0);
    assert_true(offers);
    assert_int_equal(ofp_decode_hello(bad_elen, sizeof bad_elen, &offers, &why), -EINVAL);
    assert_int_equal(ofp_decode_hello(long_elen, sizeof long_elen, &offers, &why), -EINVAL);
    assert_int_equal(ofp_decode_hello(odd_bitmap, sizeof odd_bitmap, &offers, &why), -EINVAL);
    assert_int_equal(ofp_decode_hello(v13, 7, &offers, &why), -EINVAL);
    assert_int_equal(ofp_decode_hello(v15, 12, &offers, &why), -EINVAL); /* length disagrees */
    assert_int_equal(ofp_decode_hello(v13 + 0, sizeof v13, &offers, NULL), 0);
}

static void test_header(void **state)
{
    static const uint8_t h8[] = {0x04, 0x13, 0x01, 0x02, 0xa, 0xb, 0xc, 0xd};
    static const uint8_t h7[] = {0x04, 0x13, 0x00, 0x07, 0, 0, 0, 0};
    struct ofp_header h;

    (void)state;
    assert_int_equal(ofp_decode_header(h8, sizeof h8, &h), 0);
    assert_int_equal(h.version, 4);
    assert_int_equal(h.type, OFPT_MULTIPART_REPLY);
    assert_int_equal(h.length, 0x102);
    assert_int_equal(h.xid, 0x0a0b0c0d);
    assert_int_equal(ofp_decode_header(h8, 7, &h), -EINVAL);
    assert_int_equal(ofp_decode_header(h7, sizeof h7, &h), -EINVAL);
}

static void test_match_set(void **state)
{
    static const uint8_t ip[4] = {10, 1, 2, 3}, m24[4] = {255, 255, 255, 0};
    static const uint8_t ones[4] = {255, 255, 255, 255}, zeros[4] = {0};
    struct ofp_match m;
    const struct ofp_oxm *x;
    uint8_t two[2] = {0, 1};

    (void)state;
    memset(&m, 0, sizeof m);
    assert_int_equal(ofp_match_set(&m, OFPXMT_IPV4_SRC, ip, m24, 4), 0);
    x = ofp_match_get(&m, OFPXMT_IPV4_SRC);
    assert_non_null(x);
    assert_true(x->has_mask);
    assert_int_equal(x->value[3], 0); /* Bits outside the mask are cleared. */
    assert_int_equal(ofp_match_set(&m, OFPXMT_IPV4_SRC, ip, ones, 4), 0);
    x = ofp_match_get(&m, OFPXMT_IPV4_SRC);
    assert_false(x->has_mask);
    assert_int_equal(x->value[3], 3);
    assert_int_equal(m.n, 1);
    assert_int_equal(ofp_match_set(&m, OFPXMT_IN_PORT, ip, NULL, 4), 0);
    assert_int_equal(m.f[0].field, OFPXMT_IN_PORT);
    assert_int_equal(m.f[1].field, OFPXMT_IPV4_SRC);
    assert_int_equal(ofp_match_set(&m, OFPXMT_IPV4_SRC, ip, zeros, 4), 0);
    assert_null(ofp_match_get(&m, OFPXMT_IPV4_SRC));
    assert_int_equal(m.n, 1);
    /* Wrong lengths, unknown fields, masks where none are allowed. */
    assert_int_equal(ofp_match_set(&m, OFPXMT_IPV4_SRC, ip, NULL, 2), -EINVAL);
    assert_int_equal(ofp_match_set(&m, 1, ip, NULL, 4), -EINVAL);
    assert_int_equal(ofp_match_set(&m, 200, ip, NULL, 4), -EINVAL);
    assert_int_equal(ofp_match_set(&m, OFPXMT_IN_PORT, ip, ones, 4), -EINVAL);
    assert_int_equal(ofp_match_set(&m, OFPXMT_TCP_DST, two, two, 2), -EINVAL);
    assert_int_equal(ofp_oxm_len(OFPXMT_IPV6_ND_TARGET), 16);
    assert_int_equal(ofp_oxm_len(2), 0);
    /* Full: the 21st distinct field does not fit. */
    memset(&m, 0, sizeof m);
    {
        uint8_t v[16] = {0};
        int added = 0;

        for (uint8_t f = 0; f < 40; f++) {
            if (ofp_oxm_len(f) && added < OFP_MATCH_MAX) {
                assert_int_equal(ofp_match_set(&m, f, v, NULL, ofp_oxm_len(f)), 0);
                added++;
            } else if (ofp_oxm_len(f)) {
                assert_int_equal(ofp_match_set(&m, f, v, NULL, ofp_oxm_len(f)), -ENOSPC);
            }
        }
        assert_int_equal(m.n, OFP_MATCH_MAX);
    }
}

static void test_encode_rejects(void **state)
{
    struct sbuf b = SBUF_INIT;
    struct ofp_flow f;

    (void)state;
    assert_int_equal(sbuf_adds(&b, "keep"), 0);
    dhcp_flow(&f);
    f.match.f[0].len = 2; /* IN_PORT must be 4 bytes. */
    assert_int_equal(ofp_encode_flow_mod(&b, 1, OFPFC_ADD, &f), -EINVAL);
    dhcp_flow(&f);
    f.match.f[1].has_mask = false;
    f.match.f[0].has_mask = true; /* Masked IN_PORT. */
    assert_int_equal(ofp_encode_flow_mod(&b, 1, OFPFC_ADD, &f), -EINVAL);
    dhcp_flow(&f);
    f.match.f[1].field = OFPXMT_IN_PORT; /* Duplicate, unsorted. */
    assert_int_equal(ofp_encode_flow_mod(&b, 1, OFPFC_ADD, &f), -EINVAL);
    dhcp_flow(&f);
    f.n_actions = OFP_ACTIONS_MAX + 1;
    assert_int_equal(ofp_encode_flow_mod(&b, 1, OFPFC_ADD, &f), -EINVAL);
    dhcp_flow(&f);
    f.actions[0].type = 25;
    assert_int_equal(ofp_encode_flow_mod(&b, 1, OFPFC_ADD, &f), -EINVAL);
    assert_int_equal(ofp_encode_flow_stats_request(&b, 1, &f), 0);
    f.match.n = OFP_MATCH_MAX + 1;
    assert_int_equal(ofp_encode_flow_stats_request(&b, 1, &f), -EINVAL);
    assert_int_equal(b.len, 4 + 88);
    assert_memory_equal(b.data, "keep", 4);
    /* A message beyond 64 KiB is refused and rolled back. */
    {
        size_t big = 70000;
        char *p = calloc(1, big);

        assert_non_null(p);
        assert_int_equal(ofp_encode_simple(&b, OFPT_ECHO_REPLY, 1, p, big), -EINVAL);
        assert_int_equal(ofp_encode_error(&b, 1, 1, 1, p, big), -EINVAL);
        assert_int_equal(b.len, 4 + 88);
        free(p);
    }
    sbuf_free(&b);
}

/* Decodes a patched copy of the DHCP flow_mod; returns the decoder's result. */
static int decode_patched(size_t at, const uint8_t *bytes, size_t n, const char **why)
{
    uint8_t copy[sizeof dhcp_flow_mod_bytes];
    struct ofp_flow f;
    uint8_t cmd;

    memcpy(copy, dhcp_flow_mod_bytes, sizeof copy);
    memcpy(copy + at, bytes, n);
    *why = NULL;
    return ofp_decode_flow_mod(copy, sizeof copy, &cmd, &f, why);
}

static void test_flow_mod_malformed(void **state)
{
    const char *why = NULL;
    struct ofp_flow f;
    uint8_t cmd;

    (void)state;
    /* Offsets into dhcp_flow_mod_bytes: match at 48, IN_PORT OXM at 52,
     * ETH_SRC at 60, ETH_TYPE at 70, instructions at 88, action at 96. */
    assert_int_equal(decode_patched(52, (const uint8_t[]){0x00, 0x01}, 2, &why), -EINVAL);
    assert_string_equal(why, "unknown OXM class");
    assert_int_equal(decode_patched(54, (const uint8_t[]){0x01}, 1, &why), -EINVAL);
    assert_string_equal(why, "mask on an OXM field that cannot be masked");
    assert_int_equal(decode_patched(73, (const uint8_t[]){0x03}, 1, &why), -EINVAL);
    assert_string_equal(why, "wrong OXM length for its field");
    assert_int_equal(decode_patched(83, (const uint8_t[]){0x0a}, 1, &why), -EINVAL);
    assert_string_equal(why, "duplicate OXM field");
    assert_int_equal(decode_patched(54, (const uint8_t[]){0x02}, 1, &why), -EINVAL);
    assert_string_equal(why, "unknown OXM field");
    assert_int_equal(decode_patched(48, (const uint8_t[]){0x00, 0x00}, 2, &why), -EINVAL);
    assert_string_equal(why, "match type is not OXM");
    assert_int_equal(decode_patched(50, (const uint8_t[]){0x00, 0x02}, 2, &why), -EINVAL);
    assert_int_equal(decode_patched(50, (const uint8_t[]){0x00, 0x70}, 2, &why), -EINVAL);
    assert_string_equal(why, "match runs past its container");
    assert_int_equal(decode_patched(50, (const uint8_t[]){0x00, 0x25}, 2, &why), -EINVAL);
    assert_int_equal(decode_patched(25, (const uint8_t[]){0x07}, 1, &why), -EINVAL);
    assert_string_equal(why, "unknown flow_mod command");
    assert_int_equal(decode_patched(88, (const uint8_t[]){0x00, 0x01}, 2, &why), -EINVAL);
    assert_string_equal(why, "unsupported instruction type");
    assert_int_equal(decode_patched(90, (const uint8_t[]){0x00, 0x14}, 2, &why), -EINVAL);
    assert_int_equal(decode_patched(96, (const uint8_t[]){0x00, 0x19}, 2, &why), -EINVAL);
    assert_string_equal(why, "unsupported action type");
    assert_int_equal(decode_patched(98, (const uint8_t[]){0x00, 0x08}, 2, &why), -EINVAL);
    assert_int_equal(decode_patched(0, (const uint8_t[]){0x01}, 1, &why), -EINVAL);
    assert_string_equal(why, "message is not OpenFlow 1.3");
    assert_int_equal(decode_patched(1, (const uint8_t[]){0x0d}, 1, &why), -EINVAL);
    /* A masked ETH_SRC whose value has bits outside the mask. */
    {
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01},
                             mask[6] = {0xff, 0xff, 0xff, 0, 0, 0};
        struct sbuf b = SBUF_INIT;

        ofp_flow_init(&f);
        assert_int_equal(ofp_match_set(&f.match, OFPXMT_ETH_SRC, mac, mask, 6), 0);
        assert_int_equal(ofp_encode_flow_mod(&b, 1, OFPFC_ADD, &f), 0);
        /* OXM at 52: header 4, value 6 (last byte at 61), mask 6. */
        b.data[61] = 1;
        assert_int_equal(ofp_decode_flow_mod((uint8_t *)b.data, b.len, &cmd, &f, &why), -EINVAL);
        assert_string_equal(why, "OXM value has bits outside its mask");
        sbuf_free(&b);
    }
    /* Every truncation: with the original length field it is inconsistent;
     * with a patched one, only the cut after the match is still valid. */
    for (size_t len = 0; len < sizeof dhcp_flow_mod_bytes; len++) {
        uint8_t *copy = malloc(len ? len : 1);

        assert_non_null(copy);
        memcpy(copy, dhcp_flow_mod_bytes, len);
        assert_int_equal(ofp_decode_flow_mod(copy, len, &cmd, &f, &why), -EINVAL);
        if (len >= 4) {
            copy[2] = (uint8_t)(len >> 8);
            copy[3] = (uint8_t)len;
            assert_int_equal(ofp_decode_flow_mod(copy, len, &cmd, &f, &why),
                             len == 88 ? 0 : -EINVAL);
        }
        free(copy);
    }
}

/* Port descriptions: the request's bytes, a reply laid out by hand (OpenFlow 1.3.5 sections
 * 7.2.1 and 7.3.5.7), the encoder's round trip, and malformed replies. */
static void test_port_desc(void **state)
{
    static const uint8_t req[] = {0x04, 0x12, 0x00, 0x10, 0x00, 0x00, 0x00, 0x2a,
                                  0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    uint8_t rep[16 + 64] = {0x04, 0x13, 0x00, 0x50, 0x00, 0x00, 0x00, 0x2a,
                            0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t port[64] = {
            0xff, 0xff, 0xff, 0xfe, 0,    0,    0,    0,    0x02, 0x11, 0x22, 0x33, 0x44,
            0x55, 0,    0,    'v',  'i',  'f',  '1',  '.',  '0',  0,    0,    0,    0,
            0,    0,    0,    0,    0,    0,    0,    0,    0,    0x01, 0,    0,    0,
            0x04, 0,    0,    0x08, 0x40, 0,    0,    0,    0x01, 0,    0,    0,    0x02,
            0,    0,    0,    0x03, 0,    0x98, 0x96, 0x80, 0,    0,    0x27, 0x10};
    struct sbuf b = SBUF_INIT;
    struct ofp_port *ports = NULL, in[2];
    const char *why = NULL;
    uint8_t copy[16 + 64];
    size_t n = 0;
    bool more = false;

    (void)state;
    assert_int_equal(ofp_encode_port_desc_request(&b, 42), 0);
    assert_int_equal(b.len, sizeof req);
    assert_memory_equal(b.data, req, sizeof req);

    memcpy(rep + 16, port, sizeof port);
    assert_int_equal(ofp_decode_port_desc_reply(rep, sizeof rep, &ports, &n, &more, &why), 0);
    assert_int_equal(n, 1);
    assert_true(more);
    assert_int_equal(ports[0].port_no, OFPP_LOCAL);
    assert_memory_equal(ports[0].hw_addr, "\x02\x11\x22\x33\x44\x55", 6);
    assert_string_equal(ports[0].name, "vif1.0");
    assert_int_equal(ports[0].config, OFPPC_PORT_DOWN);
    assert_int_equal(ports[0].state, OFPPS_LIVE);
    assert_int_equal(ports[0].curr, 0x840);
    assert_int_equal(ports[0].advertised, 1);
    assert_int_equal(ports[0].supported, 2);
    assert_int_equal(ports[0].peer, 3);
    assert_int_equal(ports[0].curr_speed, 10000000);
    assert_int_equal(ports[0].max_speed, 10000);

    /* The encoder writes the same bytes; a second reply appends. */
    sbuf_reset(&b);
    assert_int_equal(ofp_encode_port_desc_reply(&b, 42, ports, 1, true), 0);
    assert_int_equal(b.len, sizeof rep);
    assert_memory_equal(b.data, rep, sizeof rep);
    memset(in, 0, sizeof in);
    in[0].port_no = 1;
    strcpy(in[0].name, "p1");
    in[1].port_no = 2;
    strcpy(in[1].name, "0123456789abcde");
    sbuf_reset(&b);
    assert_int_equal(ofp_encode_port_desc_reply(&b, 1, in, 2, false), 0);
    assert_int_equal(b.len, 16 + 2 * 64);
    assert_int_equal(ofp_decode_port_desc_reply((uint8_t *)b.data, b.len, &ports, &n, &more, &why),
                     0);
    assert_int_equal(n, 3);
    assert_false(more);
    assert_string_equal(ports[0].name, "vif1.0");
    assert_string_equal(ports[1].name, "p1");
    assert_int_equal(ports[2].port_no, 2);
    assert_string_equal(ports[2].name, "0123456789abcde");
    sbuf_reset(&b);
    assert_int_equal(ofp_encode_port_desc_reply(&b, 1, NULL, 0, false), 0);
    assert_int_equal(b.len, 16);
    assert_int_equal(ofp_decode_port_desc_reply((uint8_t *)b.data, b.len, &ports, &n, &more, &why),
                     0);
    assert_int_equal(n, 3);

    /* A name without its NUL is refused on both sides. */
    memset(in[1].name, 'x', sizeof in[1].name);
    sbuf_reset(&b);
    assert_int_equal(ofp_encode_port_desc_reply(&b, 1, in, 2, false), -EINVAL);
    assert_int_equal(b.len, 0);
    memcpy(copy, rep, sizeof copy);
    memset(copy + 16 + 16, 'x', 16);
    why = NULL;
    assert_int_equal(ofp_decode_port_desc_reply(copy, sizeof copy, &ports, &n, &more, &why),
                     -EINVAL);
    assert_non_null(strstr(why, "NUL"));
    /* A length that is not a whole number of ports, a flow-stats reply, a request. */
    memcpy(copy, rep, sizeof copy);
    copy[3] = 0x4f;
    why = NULL;
    assert_int_equal(ofp_decode_port_desc_reply(copy, sizeof copy - 1, &ports, &n, &more, &why),
                     -EINVAL);
    assert_non_null(why);
    memcpy(copy, rep, sizeof copy);
    copy[9] = 1;
    why = NULL;
    assert_int_equal(ofp_decode_port_desc_reply(copy, sizeof copy, &ports, &n, &more, &why),
                     -EINVAL);
    assert_non_null(strstr(why, "port description"));
    copy[9] = 13;
    copy[1] = OFPT_MULTIPART_REQUEST;
    assert_int_equal(ofp_decode_port_desc_reply(copy, sizeof copy, &ports, &n, &more, &why),
                     -EINVAL);
    /* Failures left the caller's array alone. */
    assert_int_equal(n, 3);
    assert_string_equal(ports[2].name, "0123456789abcde");
    free(ports);
    sbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_flow_mod_bytes),
            cmocka_unit_test(test_hello_and_simple_bytes),
            cmocka_unit_test(test_stats_request_bytes),
            cmocka_unit_test(test_round_trip_every_field),
            cmocka_unit_test(test_stats_reply),
            cmocka_unit_test(test_error_and_features),
            cmocka_unit_test(test_hello_variants),
            cmocka_unit_test(test_header),
            cmocka_unit_test(test_match_set),
            cmocka_unit_test(test_encode_rejects),
            cmocka_unit_test(test_flow_mod_malformed),
            cmocka_unit_test(test_port_desc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
