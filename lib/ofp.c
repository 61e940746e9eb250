/* OpenFlow 1.3 wire codec (see ofp.h): builds and parses the handful of
 * messages a flow programmer exchanges with a switch.  Layouts follow the
 * OpenFlow 1.3.5 specification; every decoder treats its input as hostile
 * and checks each length before reading. */
#include "ofp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wire constants that callers never need, so they stay out of the header. */
#define OFPMT_OXM              1
#define OFPXMC_OPENFLOW_BASIC  0x8000
#define OFPIT_APPLY_ACTIONS    4
#define OFPMP_FLOW             1
#define OFPMP_PORT_DESC        13
#define OFPMPF_REPLY_MORE      1
#define OFPHET_VERSIONBITMAP   1
#define OFP_NO_BUFFER          0xffffffffu
#define OFPG_ANY               0xffffffffu
#define OFP_FLOW_MOD_FIXED     48 /* Header through pad, before the match. */
#define OFP_STATS_REQ_FIXED    48 /* Header, multipart header and flow stats body. */
#define OFP_MP_HEADER          16 /* Header plus multipart type, flags and pad. */
#define OFP_FLOW_STATS_FIXED   48 /* One flow stats entry before its match. */
#define OFP_ACTION_OUTPUT_LEN  16
#define OFP_FEATURES_REPLY_LEN 32
#define OFP_PORT_LEN           64 /* One struct ofp_port on the wire. */

/* Per basic-class field: value length (0 = unknown to us) and whether the
 * specification allows a mask (OpenFlow 1.3.5 table 12). */
static const struct {
    uint8_t len;
    bool maskable;
} oxm_info[] = {
        [OFPXMT_IN_PORT] = {4, false},     [OFPXMT_ETH_DST] = {6, true},
        [OFPXMT_ETH_SRC] = {6, true},      [OFPXMT_ETH_TYPE] = {2, false},
        [OFPXMT_VLAN_VID] = {2, true},     [OFPXMT_VLAN_PCP] = {1, false},
        [OFPXMT_IP_DSCP] = {1, false},     [OFPXMT_IP_PROTO] = {1, false},
        [OFPXMT_IPV4_SRC] = {4, true},     [OFPXMT_IPV4_DST] = {4, true},
        [OFPXMT_TCP_SRC] = {2, false},     [OFPXMT_TCP_DST] = {2, false},
        [OFPXMT_UDP_SRC] = {2, false},     [OFPXMT_UDP_DST] = {2, false},
        [OFPXMT_ICMPV4_TYPE] = {1, false}, [OFPXMT_ICMPV4_CODE] = {1, false},
        [OFPXMT_ARP_OP] = {2, false},      [OFPXMT_ARP_SPA] = {4, true},
        [OFPXMT_ARP_TPA] = {4, true},      [OFPXMT_ARP_SHA] = {6, true},
        [OFPXMT_ARP_THA] = {6, true},      [OFPXMT_IPV6_SRC] = {16, true},
        [OFPXMT_IPV6_DST] = {16, true},    [OFPXMT_ICMPV6_TYPE] = {1, false},
        [OFPXMT_ICMPV6_CODE] = {1, false}, [OFPXMT_IPV6_ND_TARGET] = {16, false},
        [OFPXMT_IPV6_ND_SLL] = {6, false}, [OFPXMT_IPV6_ND_TLL] = {6, false},
};

#define N_OXM_INFO (sizeof oxm_info / sizeof oxm_info[0])

size_t ofp_oxm_len(uint8_t field)
{
    return field < N_OXM_INFO ? oxm_info[field].len : 0;
}

static bool oxm_maskable(uint8_t field)
{
    return field < N_OXM_INFO && oxm_info[field].maskable;
}

void ofp_flow_init(struct ofp_flow *f)
{
    memset(f, 0, sizeof *f);
    f->priority = 0x8000;
    f->out_port = OFPP_ANY;
}

/* Match helpers. */

const struct ofp_oxm *ofp_match_get(const struct ofp_match *m, uint8_t field)
{
    for (size_t i = 0; i < m->n && i < OFP_MATCH_MAX; i++) {
        if (m->f[i].field == field) {
            return &m->f[i];
        }
    }
    return NULL;
}

static void match_remove(struct ofp_match *m, uint8_t field)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->f[i].field == field) {
            memmove(&m->f[i], &m->f[i + 1], (m->n - i - 1) * sizeof m->f[0]);
            m->n--;
            memset(&m->f[m->n], 0, sizeof m->f[0]);
            return;
        }
    }
}

/* Stores an entry at its sorted place, replacing one with the same field. */
static int match_insert(struct ofp_match *m, const struct ofp_oxm *e)
{
    size_t i = 0;

    while (i < m->n && m->f[i].field < e->field) {
        i++;
    }
    if (i < m->n && m->f[i].field == e->field) {
        m->f[i] = *e;
        return 0;
    }
    if (m->n >= OFP_MATCH_MAX) {
        return -ENOSPC;
    }
    memmove(&m->f[i + 1], &m->f[i], (m->n - i) * sizeof m->f[0]);
    m->f[i] = *e;
    m->n++;
    return 0;
}

/* Masks are kept canonical, the way switches report them back: value bits
 * outside the mask are cleared, an all-ones mask becomes an exact match and
 * an all-zero mask drops the field (it would match anything).  So a flow
 * built here compares equal to the one a flow-stats reply returns. */
int ofp_match_set(struct ofp_match *m, uint8_t field, const void *value, const void *mask,
                  size_t len)
{
    struct ofp_oxm e;
    bool all_ones = true, all_zero = true;

    if (!value || len == 0 || ofp_oxm_len(field) != len || m->n > OFP_MATCH_MAX) {
        return -EINVAL;
    }
    if (mask && !oxm_maskable(field)) {
        return -EINVAL;
    }
    memset(&e, 0, sizeof e);
    e.field = field;
    e.len = (uint8_t)len;
    memcpy(e.value, value, len);
    if (mask) {
        memcpy(e.mask, mask, len);
        for (size_t i = 0; i < len; i++) {
            e.value[i] &= e.mask[i];
            all_ones = all_ones && e.mask[i] == 0xff;
            all_zero = all_zero && e.mask[i] == 0;
        }
        if (all_zero) {
            match_remove(m, field);
            return 0;
        }
        if (all_ones) {
            memset(e.mask, 0, sizeof e.mask);
        } else {
            e.has_mask = true;
        }
    }
    return match_insert(m, &e);
}

/* Encoding: an append cursor over an sbuf that remembers the first failure
 * and where the message started, so a failed encode leaves nothing behind. */

struct enc {
    struct sbuf *b;
    size_t start;
    int err;
};

static void enc_bytes(struct enc *e, const void *p, size_t n)
{
    if (!e->err && n > 0 && sbuf_add(e->b, p, n) < 0) {
        e->err = -ENOMEM;
    }
}

static void enc_zeros(struct enc *e, size_t n)
{
    static const uint8_t zeros[8];

    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;

        enc_bytes(e, zeros, k);
        n -= k;
    }
}

static void enc_u8(struct enc *e, uint8_t v)
{
    enc_bytes(e, &v, 1);
}

static void enc_u16(struct enc *e, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    enc_bytes(e, p, sizeof p);
}

static void enc_u32(struct enc *e, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    enc_bytes(e, p, sizeof p);
}

static void enc_u64(struct enc *e, uint64_t v)
{
    enc_u32(e, (uint32_t)(v >> 32));
    enc_u32(e, (uint32_t)v);
}

/* Writes a 16-bit value at an absolute offset already appended. */
static void enc_patch16(struct enc *e, size_t at, uint16_t v)
{
    if (!e->err) {
        e->b->data[at] = (char)(v >> 8);
        e->b->data[at + 1] = (char)v;
    }
}

/* Starts a message: the header with a length patched in by enc_end(). */
static void enc_begin(struct enc *e, struct sbuf *b, uint8_t type, uint32_t xid)
{
    e->b = b;
    e->start = b->len;
    e->err = 0;
    enc_u8(e, OFP13_VERSION);
    enc_u8(e, type);
    enc_u16(e, 0);
    enc_u32(e, xid);
}

static int enc_end(struct enc *e)
{
    size_t len = e->b->len - e->start;

    if (!e->err && len > OFP_MAX_MSG) {
        e->err = -EINVAL;
    }
    if (e->err) {
        /* Roll back to the state before this message; sbuf's bytes past len
         * are free space, so truncating is enough. */
        if (e->b->data && e->b->len >= e->start) {
            e->b->len = e->start;
            e->b->data[e->start] = '\0';
        }
        return e->err;
    }
    enc_patch16(e, e->start + 2, (uint16_t)len);
    return 0;
}

static int check_match(const struct ofp_match *m)
{
    if (m->n > OFP_MATCH_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < m->n; i++) {
        const struct ofp_oxm *x = &m->f[i];

        if (ofp_oxm_len(x->field) == 0 || x->len != ofp_oxm_len(x->field)) {
            return -EINVAL;
        }
        if (x->has_mask && !oxm_maskable(x->field)) {
            return -EINVAL;
        }
        if (i > 0 && m->f[i - 1].field >= x->field) {
            return -EINVAL; /* Unsorted or duplicated: the switch would refuse it. */
        }
    }
    return 0;
}

static void enc_match(struct enc *e, const struct ofp_match *m)
{
    size_t len = 4;

    for (size_t i = 0; i < m->n; i++) {
        len += 4 + (size_t)m->f[i].len * (m->f[i].has_mask ? 2 : 1);
    }
    enc_u16(e, OFPMT_OXM);
    enc_u16(e, (uint16_t)len);
    for (size_t i = 0; i < m->n; i++) {
        const struct ofp_oxm *x = &m->f[i];
        uint8_t plen = (uint8_t)(x->len * (x->has_mask ? 2 : 1));

        enc_u16(e, OFPXMC_OPENFLOW_BASIC);
        enc_u8(e, (uint8_t)(x->field << 1 | (x->has_mask ? 1 : 0)));
        enc_u8(e, plen);
        enc_bytes(e, x->value, x->len);
        if (x->has_mask) {
            enc_bytes(e, x->mask, x->len);
        }
    }
    enc_zeros(e, (len + 7) / 8 * 8 - len);
}

int ofp_encode_hello(struct sbuf *out, uint32_t xid)
{
    struct enc e;

    enc_begin(&e, out, OFPT_HELLO, xid);
    /* One version-bitmap element (4-byte header plus one 32-bit bitmap): bit
     * 4 stands for wire version 0x04, OpenFlow 1.3.  Its length, 8, is
     * already a multiple of 8, so it needs no padding. */
    enc_u16(&e, OFPHET_VERSIONBITMAP);
    enc_u16(&e, 8);
    enc_u32(&e, 1u << OFP13_VERSION);
    return enc_end(&e);
}

int ofp_encode_simple(struct sbuf *out, uint8_t type, uint32_t xid, const void *data, size_t len)
{
    struct enc e;

    if (len > 0 && !data) {
        return -EINVAL;
    }
    enc_begin(&e, out, type, xid);
    enc_bytes(&e, data, len);
    return enc_end(&e);
}

int ofp_encode_flow_mod(struct sbuf *out, uint32_t xid, uint8_t command, const struct ofp_flow *f)
{
    struct enc e;

    if (command > OFPFC_DELETE_STRICT || check_match(&f->match) < 0 ||
        f->n_actions > OFP_ACTIONS_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < f->n_actions; i++) {
        if (f->actions[i].type != OFPAT_OUTPUT) {
            return -EINVAL;
        }
    }
    enc_begin(&e, out, OFPT_FLOW_MOD, xid);
    enc_u64(&e, f->cookie);
    enc_u64(&e, f->cookie_mask);
    enc_u8(&e, f->table_id);
    enc_u8(&e, command);
    enc_u16(&e, f->idle_timeout);
    enc_u16(&e, f->hard_timeout);
    enc_u16(&e, f->priority);
    enc_u32(&e, OFP_NO_BUFFER);
    enc_u32(&e, f->out_port);
    enc_u32(&e, OFPG_ANY);
    enc_u16(&e, f->flags);
    enc_zeros(&e, 2);
    enc_match(&e, &f->match);
    if (f->n_actions > 0) {
        enc_u16(&e, OFPIT_APPLY_ACTIONS);
        enc_u16(&e, (uint16_t)(8 + OFP_ACTION_OUTPUT_LEN * f->n_actions));
        enc_zeros(&e, 4);
        for (size_t i = 0; i < f->n_actions; i++) {
            enc_u16(&e, OFPAT_OUTPUT);
            enc_u16(&e, OFP_ACTION_OUTPUT_LEN);
            enc_u32(&e, f->actions[i].port);
            enc_u16(&e, f->actions[i].max_len);
            enc_zeros(&e, 6);
        }
    }
    return enc_end(&e);
}

int ofp_encode_flow_stats_request(struct sbuf *out, uint32_t xid, const struct ofp_flow *f)
{
    struct enc e;

    if (check_match(&f->match) < 0) {
        return -EINVAL;
    }
    enc_begin(&e, out, OFPT_MULTIPART_REQUEST, xid);
    enc_u16(&e, OFPMP_FLOW);
    enc_u16(&e, 0);
    enc_zeros(&e, 4);
    enc_u8(&e, f->table_id);
    enc_zeros(&e, 3);
    enc_u32(&e, f->out_port);
    enc_u32(&e, OFPG_ANY);
    enc_zeros(&e, 4);
    enc_u64(&e, f->cookie);
    enc_u64(&e, f->cookie_mask);
    enc_match(&e, &f->match);
    return enc_end(&e);
}

int ofp_encode_port_desc_request(struct sbuf *out, uint32_t xid)
{
    struct enc e;

    enc_begin(&e, out, OFPT_MULTIPART_REQUEST, xid);
    enc_u16(&e, OFPMP_PORT_DESC);
    enc_u16(&e, 0);
    enc_zeros(&e, 4);
    return enc_end(&e);
}

int ofp_encode_port_desc_reply(struct sbuf *out, uint32_t xid, const struct ofp_port *ports,
                               size_t n, bool more)
{
    struct enc e;

    if (n > 0 && !ports) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!memchr(ports[i].name, '\0', sizeof ports[i].name)) {
            return -EINVAL;
        }
    }
    enc_begin(&e, out, OFPT_MULTIPART_REPLY, xid);
    enc_u16(&e, OFPMP_PORT_DESC);
    enc_u16(&e, more ? OFPMPF_REPLY_MORE : 0);
    enc_zeros(&e, 4);
    for (size_t i = 0; i < n && !e.err; i++) {
        const struct ofp_port *p = &ports[i];
        char name[OFP_PORT_NAME_LEN];

        /* Whatever follows the NUL in the caller's buffer stays private. */
        memset(name, 0, sizeof name);
        memcpy(name, p->name, strlen(p->name));
        enc_u32(&e, p->port_no);
        enc_zeros(&e, 4);
        enc_bytes(&e, p->hw_addr, sizeof p->hw_addr);
        enc_zeros(&e, 2);
        enc_bytes(&e, name, sizeof name);
        enc_u32(&e, p->config);
        enc_u32(&e, p->state);
        enc_u32(&e, p->curr);
        enc_u32(&e, p->advertised);
        enc_u32(&e, p->supported);
        enc_u32(&e, p->peer);
        enc_u32(&e, p->curr_speed);
        enc_u32(&e, p->max_speed);
    }
    return enc_end(&e);
}

int ofp_encode_error(struct sbuf *out, uint32_t xid, uint16_t type, uint16_t code, const void *data,
                     size_t len)
{
    struct enc e;

    if (len > 0 && !data) {
        return -EINVAL;
    }
    enc_begin(&e, out, OFPT_ERROR, xid);
    enc_u16(&e, type);
    enc_u16(&e, code);
    enc_bytes(&e, data, len);
    return enc_end(&e);
}

/* Decoding.  Offsets are always checked against the message length before a
 * read; the getters themselves assume the caller did so. */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static int fail(const char **why, const char *reason)
{
    if (why) {
        *why = reason;
    }
    return -EINVAL;
}

int ofp_decode_header(const uint8_t *buf, size_t len, struct ofp_header *h)
{
    if (!buf || len < OFP_HEADER_LEN) {
        return -EINVAL;
    }
    h->version = buf[0];
    h->type = buf[1];
    h->length = get16(buf + 2);
    h->xid = get32(buf + 4);
    return h->length < OFP_HEADER_LEN ? -EINVAL : 0;
}

/* Common checks of a whole message: header, exact length, type, and (when
 * version_any is false) OpenFlow 1.3. */
static int check_msg(const uint8_t *buf, size_t len, uint8_t type, size_t min_len, bool version_any,
                     const char **why)
{
    struct ofp_header h;

    if (ofp_decode_header(buf, len, &h) < 0) {
        return fail(why, "message shorter than an OpenFlow header");
    }
    if (h.length != len) {
        return fail(why, "message length field disagrees with its size");
    }
    if (h.type != type) {
        return fail(why, "unexpected message type");
    }
    if (!version_any && h.version != OFP13_VERSION) {
        return fail(why, "message is not OpenFlow 1.3");
    }
    if (len < min_len) {
        return fail(why, "message too short for its type");
    }
    return 0;
}

int ofp_decode_hello(const uint8_t *buf, size_t len, bool *offers_13, const char **why)
{
    bool have_bitmap = false, bit13 = false;
    size_t off = OFP_HEADER_LEN;
    int r = check_msg(buf, len, OFPT_HELLO, OFP_HEADER_LEN, true, why);

    if (r < 0) {
        return r;
    }
    while (off < len) {
        uint16_t type, elen;

        if (len - off < 4) {
            return fail(why, "truncated hello element header");
        }
        type = get16(buf + off);
        elen = get16(buf + off + 2);
        if (elen < 4 || elen > len - off) {
            return fail(why, "hello element length out of range");
        }
        if (type == OFPHET_VERSIONBITMAP) {
            if ((elen - 4) % 4 != 0) {
                return fail(why, "version bitmap length not a multiple of 4");
            }
            have_bitmap = true;
            /* Bit 4 of the first 32-bit word stands for wire version 4. */
            if (elen >= 8 && (get32(buf + off + 4) & (1u << OFP13_VERSION))) {
                bit13 = true;
            }
        }
        /* Elements are padded to 8 bytes; the last one's padding may be cut. */
        size_t padded = ((size_t)elen + 7) / 8 * 8;

        off += padded < len - off ? padded : len - off;
    }
    /* Without a bitmap, the classic rule applies: both sides use the lower
     * of the two versions, which is 1.3 exactly when the peer's is >= 4. */
    *offers_13 = have_bitmap ? bit13 : buf[0] >= OFP13_VERSION;
    return 0;
}

int ofp_decode_error(const uint8_t *buf, size_t len, uint16_t *type, uint16_t *code,
                     const char **why)
{
    /* Errors about version mismatches may carry the peer's own version. */
    int r = check_msg(buf, len, OFPT_ERROR, OFP_HEADER_LEN + 4, true, why);

    if (r < 0) {
        return r;
    }
    *type = get16(buf + 8);
    *code = get16(buf + 10);
    return 0;
}

int ofp_decode_features_reply(const uint8_t *buf, size_t len, uint64_t *dpid, uint8_t *n_tables,
                              const char **why)
{
    int r = check_msg(buf, len, OFPT_FEATURES_REPLY, OFP_FEATURES_REPLY_LEN, false, why);

    if (r < 0) {
        return r;
    }
    if (len != OFP_FEATURES_REPLY_LEN) {
        return fail(why, "features reply has the wrong length");
    }
    *dpid = get64(buf + 8);
    *n_tables = buf[20];
    return 0;
}

/* Parses an ofp_match at buf[off..end) into m; *next is the offset after its
 * padding. */
static int decode_match(const uint8_t *buf, size_t off, size_t end, struct ofp_match *m,
                        size_t *next, const char **why)
{
    size_t mlen, padded, p;

    memset(m, 0, sizeof *m);
    if (end < off || end - off < 4) {
        return fail(why, "truncated match");
    }
    if (get16(buf + off) != OFPMT_OXM) {
        return fail(why, "match type is not OXM");
    }
    mlen = get16(buf + off + 2);
    if (mlen < 4) {
        return fail(why, "match length below 4");
    }
    padded = (mlen + 7) / 8 * 8;
    if (padded > end - off) {
        return fail(why, "match runs past its container");
    }
    p = off + 4;
    while (p < off + mlen) {
        struct ofp_oxm x;
        uint8_t field, plen;
        bool hasmask;

        if (off + mlen - p < 4) {
            return fail(why, "truncated OXM header");
        }
        if (get16(buf + p) != OFPXMC_OPENFLOW_BASIC) {
            return fail(why, "unknown OXM class");
        }
        field = buf[p + 2] >> 1;
        hasmask = buf[p + 2] & 1;
        plen = buf[p + 3];
        if (ofp_oxm_len(field) == 0) {
            return fail(why, "unknown OXM field");
        }
        if (hasmask && !oxm_maskable(field)) {
            return fail(why, "mask on an OXM field that cannot be masked");
        }
        if (plen != ofp_oxm_len(field) * (hasmask ? 2 : 1)) {
            return fail(why, "wrong OXM length for its field");
        }
        if (off + mlen - p - 4 < plen) {
            return fail(why, "OXM runs past the match");
        }
        if (ofp_match_get(m, field)) {
            return fail(why, "duplicate OXM field");
        }
        memset(&x, 0, sizeof x);
        x.field = field;
        x.len = (uint8_t)ofp_oxm_len(field);
        x.has_mask = hasmask;
        memcpy(x.value, buf + p + 4, x.len);
        if (hasmask) {
            memcpy(x.mask, buf + p + 4 + x.len, x.len);
            for (size_t i = 0; i < x.len; i++) {
                if (x.value[i] & ~x.mask[i]) {
                    return fail(why, "OXM value has bits outside its mask");
                }
            }
        }
        if (match_insert(m, &x) < 0) {
            return fail(why, "too many match fields");
        }
        p += 4 + plen;
    }
    *next = off + padded;
    return 0;
}

/* Parses instructions at buf[off..end) into f's action list. */
static int decode_instructions(const uint8_t *buf, size_t off, size_t end, struct ofp_flow *f,
                               const char **why)
{
    bool seen_apply = false;

    f->n_actions = 0;
    while (off < end) {
        uint16_t type, ilen;

        if (end - off < 8) {
            return fail(why, "truncated instruction");
        }
        type = get16(buf + off);
        ilen = get16(buf + off + 2);
        if (ilen < 8 || ilen % 8 != 0 || ilen > end - off) {
            return fail(why, "bad instruction length");
        }
        if (type != OFPIT_APPLY_ACTIONS) {
            return fail(why, "unsupported instruction type");
        }
        if (seen_apply) {
            return fail(why, "duplicate apply-actions instruction");
        }
        seen_apply = true;
        for (size_t a = off + 8; a < off + ilen;) {
            uint16_t atype, alen;

            if (off + ilen - a < 8) {
                return fail(why, "truncated action");
            }
            atype = get16(buf + a);
            alen = get16(buf + a + 2);
            if (alen < 8 || alen % 8 != 0 || alen > off + ilen - a) {
                return fail(why, "bad action length");
            }
            if (atype != OFPAT_OUTPUT) {
                return fail(why, "unsupported action type");
            }
            if (alen != OFP_ACTION_OUTPUT_LEN) {
                return fail(why, "output action has the wrong length");
            }
            if (f->n_actions >= OFP_ACTIONS_MAX) {
                return fail(why, "too many actions");
            }
            struct ofp_action *act = &f->actions[f->n_actions++];

            act->type = OFPAT_OUTPUT;
            act->port = get32(buf + a + 4);
            act->max_len = get16(buf + a + 8);
            a += alen;
        }
        off += ilen;
    }
    return 0;
}

int ofp_decode_flow_mod(const uint8_t *buf, size_t len, uint8_t *command, struct ofp_flow *f,
                        const char **why)
{
    struct ofp_flow tmp;
    size_t next;
    int r = check_msg(buf, len, OFPT_FLOW_MOD, OFP_FLOW_MOD_FIXED + 8, false, why);

    if (r < 0) {
        return r;
    }
    ofp_flow_init(&tmp);
    tmp.cookie = get64(buf + 8);
    tmp.cookie_mask = get64(buf + 16);
    tmp.table_id = buf[24];
    if (buf[25] > OFPFC_DELETE_STRICT) {
        return fail(why, "unknown flow_mod command");
    }
    tmp.idle_timeout = get16(buf + 26);
    tmp.hard_timeout = get16(buf + 28);
    tmp.priority = get16(buf + 30);
    tmp.out_port = get32(buf + 36);
    tmp.flags = get16(buf + 44);
    r = decode_match(buf, OFP_FLOW_MOD_FIXED, len, &tmp.match, &next, why);
    if (r < 0) {
        return r;
    }
    r = decode_instructions(buf, next, len, &tmp, why);
    if (r < 0) {
        return r;
    }
    *command = buf[25];
    *f = tmp;
    return 0;
}

int ofp_decode_flow_stats_reply(const uint8_t *buf, size_t len, struct ofp_flow **flows, size_t *n,
                                bool *more, const char **why)
{
    struct ofp_flow *got = NULL, *grown;
    size_t n_got = 0, cap = 0, off = OFP_MP_HEADER;
    int r = check_msg(buf, len, OFPT_MULTIPART_REPLY, OFP_MP_HEADER, false, why);

    if (r < 0) {
        return r;
    }
    if (get16(buf + 8) != OFPMP_FLOW) {
        return fail(why, "multipart reply is not flow stats");
    }
    while (off < len) {
        struct ofp_flow f;
        size_t elen, next;

        if (len - off < OFP_FLOW_STATS_FIXED + 8) {
            r = fail(why, "truncated flow stats entry");
            goto out;
        }
        elen = get16(buf + off);
        if (elen < OFP_FLOW_STATS_FIXED + 8 || elen % 8 != 0 || elen > len - off) {
            r = fail(why, "bad flow stats entry length");
            goto out;
        }
        ofp_flow_init(&f);
        f.table_id = buf[off + 2];
        f.duration_sec = get32(buf + off + 4);
        f.duration_nsec = get32(buf + off + 8);
        f.priority = get16(buf + off + 12);
        f.idle_timeout = get16(buf + off + 14);
        f.hard_timeout = get16(buf + off + 16);
        f.flags = get16(buf + off + 18);
        f.cookie = get64(buf + off + 24);
        f.packet_count = get64(buf + off + 32);
        f.byte_count = get64(buf + off + 40);
        r = decode_match(buf, off + OFP_FLOW_STATS_FIXED, off + elen, &f.match, &next, why);
        if (r == 0) {
            r = decode_instructions(buf, next, off + elen, &f, why);
        }
        if (r < 0) {
            goto out;
        }
        if (n_got == cap) {
            cap = cap ? cap * 2 : 8;
            grown = realloc(got, cap * sizeof *got);
            if (!grown) {
                r = -ENOMEM;
                goto out;
            }
            got = grown;
        }
        got[n_got++] = f;
        off += elen;
    }
    /* Everything parsed: only now touch the caller's array, so a bad reply
     * leaves it as it was. */
    if (n_got > 0) {
        grown = realloc(*flows, (*n + n_got) * sizeof **flows);
        if (!grown) {
            r = -ENOMEM;
            goto out;
        }
        memcpy(grown + *n, got, n_got * sizeof *got);
        *flows = grown;
        *n += n_got;
    }
    *more = (get16(buf + 10) & OFPMPF_REPLY_MORE) != 0;
    r = 0;
out:
    free(got);
    return r;
}

int ofp_decode_port_desc_reply(const uint8_t *buf, size_t len, struct ofp_port **ports, size_t *n,
                               bool *more, const char **why)
{
    struct ofp_port *grown;
    size_t count;
    int r = check_msg(buf, len, OFPT_MULTIPART_REPLY, OFP_MP_HEADER, false, why);

    if (r < 0) {
        return r;
    }
    if (get16(buf + 8) != OFPMP_PORT_DESC) {
        return fail(why, "multipart reply is not a port description");
    }
    if ((len - OFP_MP_HEADER) % OFP_PORT_LEN != 0) {
        return fail(why, "port description reply is not a whole number of ports");
    }
    count = (len - OFP_MP_HEADER) / OFP_PORT_LEN;
    for (size_t i = 0; i < count; i++) {
        if (!memchr(buf + OFP_MP_HEADER + i * OFP_PORT_LEN + 16, '\0', OFP_PORT_NAME_LEN)) {
            return fail(why, "port name is not NUL-terminated");
        }
    }
    /* Everything checked: only now touch the caller's array. */
    if (count > 0) {
        grown = realloc(*ports, (*n + count) * sizeof **ports);
        if (!grown) {
            return -ENOMEM;
        }
        *ports = grown;
        for (size_t i = 0; i < count; i++) {
            const uint8_t *w = buf + OFP_MP_HEADER + i * OFP_PORT_LEN;
            struct ofp_port *p = &grown[*n + i];

            memset(p, 0, sizeof *p);
            p->port_no = get32(w);
            memcpy(p->hw_addr, w + 8, sizeof p->hw_addr);
            memcpy(p->name, w + 16, sizeof p->name);
            p->config = get32(w + 32);
            p->state = get32(w + 36);
            p->curr = get32(w + 40);
            p->advertised = get32(w + 44);
            p->supported = get32(w + 48);
            p->peer = get32(w + 52);
            p->curr_speed = get32(w + 56);
            p->max_speed = get32(w + 60);
        }
        *n += count;
    }
    *more = (get16(buf + 10) & OFPMPF_REPLY_MORE) != 0;
    return 0;
}

/* Error names (OpenFlow 1.3.5 section 7.4.4). */

static const char *const hello_failed[] = {"INCOMPATIBLE", "EPERM"};
static const char *const bad_request[] = {
        "BAD_VERSION",    "BAD_TYPE",
        "BAD_MULTIPART",  "BAD_EXPERIMENTER",
        "BAD_EXP_TYPE",   "EPERM",
        "BAD_LEN",        "BUFFER_EMPTY",
        "BUFFER_UNKNOWN", "BAD_TABLE_ID",
        "IS_SLAVE",       "BAD_PORT",
        "BAD_PACKET",     "MULTIPART_BUFFER_OVERFLOW",
};
static const char *const bad_action[] = {
        "BAD_TYPE",
        "BAD_LEN",
        "BAD_EXPERIMENTER",
        "BAD_EXP_TYPE",
        "BAD_OUT_PORT",
        "BAD_ARGUMENT",
        "EPERM",
        "TOO_MANY",
        "BAD_QUEUE",
        "BAD_OUT_GROUP",
        "MATCH_INCONSISTENT",
        "UNSUPPORTED_ORDER",
        "BAD_TAG",
        "BAD_SET_TYPE",
        "BAD_SET_LEN",
        "BAD_SET_ARGUMENT",
};
static const char *const bad_instruction[] = {
        "UNKNOWN_INST",     "UNSUP_INST",   "BAD_TABLE_ID", "UNSUP_METADATA", "UNSUP_METADATA_MASK",
        "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_LEN",      "EPERM",
};
static const char *const bad_match[] = {
        "BAD_TYPE",         "BAD_LEN",       "BAD_TAG",   "BAD_DL_ADDR_MASK",
        "BAD_NW_ADDR_MASK", "BAD_WILDCARDS", "BAD_FIELD", "BAD_VALUE",
        "BAD_MASK",         "BAD_PREREQ",    "DUP_FIELD", "EPERM",
};
static const char *const flow_mod_failed[] = {
        "UNKNOWN", "TABLE_FULL",  "BAD_TABLE_ID", "OVERLAP",
        "EPERM",   "BAD_TIMEOUT", "BAD_COMMAND",  "BAD_FLAGS",
};

#define TABLE(a) a, sizeof a / sizeof a[0]

static const struct {
    const char *type;
    const char *prefix;
    const char *const *codes;
    size_t n_codes;
} error_types[] = {
        {"HELLO_FAILED", "OFPHFC_", TABLE(hello_failed)},
        {"BAD_REQUEST", "OFPBRC_", TABLE(bad_request)},
        {"BAD_ACTION", "OFPBAC_", TABLE(bad_action)},
        {"BAD_INSTRUCTION", "OFPBIC_", TABLE(bad_instruction)},
        {"BAD_MATCH", "OFPBMC_", TABLE(bad_match)},
        {"FLOW_MOD_FAILED", "OFPFMFC_", TABLE(flow_mod_failed)},
        {"GROUP_MOD_FAILED", NULL, NULL, 0},
        {"PORT_MOD_FAILED", NULL, NULL, 0},
        {"TABLE_MOD_FAILED", NULL, NULL, 0},
        {"QUEUE_OP_FAILED", NULL, NULL, 0},
        {"SWITCH_CONFIG_FAILED", NULL, NULL, 0},
        {"ROLE_REQUEST_FAILED", NULL, NULL, 0},
        {"METER_MOD_FAILED", NULL, NULL, 0},
        {"TABLE_FEATURES_FAILED", NULL, NULL, 0},
};

const char *ofp_error_name(uint16_t type, uint16_t code)
{
    static __thread char buf[80];

    if (type < sizeof error_types / sizeof error_types[0]) {
        if (code < error_types[type].n_codes) {
            snprintf(buf, sizeof buf, "OFPET_%s/%s%s", error_types[type].type,
                     error_types[type].prefix, error_types[type].codes[code]);
        } else {
            snprintf(buf, sizeof buf, "OFPET_%s/%u", error_types[type].type, code);
        }
    } else if (type == 0xffff) {
        snprintf(buf, sizeof buf, "OFPET_EXPERIMENTER/%u", code);
    } else {
        snprintf(buf, sizeof buf, "error type %u code %u", type, code);
    }
    return buf;
}
