/* The ovs-ofctl flow syntax, first half (see ofp_text.h): the parser into
 * struct ofp_flow.  The printer, and the value forms both share, are in
 * ofp_text_fmt.c.
 *
 * The parser reads every keyword first and maps the protocol-dependent ones
 * (nw_src, nw_proto, tp_dst, icmp_type, ...) to OXM fields only at the end,
 * once dl_type and nw_proto are known, so keyword order does not matter, as
 * with ovs-ofctl.  Unlike ovs-ofctl, which silently drops a field whose
 * prerequisite is missing ("tp_dst=80" without tcp matches every packet), a
 * missing prerequisite is an error here: a rule that quietly matches more
 * than it says is the worst outcome for anti-spoofing rules. */
#include "ofp_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ofp_text_internal.h"

#define DELIMS " ,\t\r\n"

/* Shorthands: dl_type, and nw_proto when proto >= 0. */
static const struct {
    const char *name;
    uint16_t dl_type;
    int proto;
} shorthands[] = {
        {"ip", ETH_TYPE_IP, -1},
        {"icmp", ETH_TYPE_IP, PROTO_ICMP},
        {"tcp", ETH_TYPE_IP, PROTO_TCP},
        {"udp", ETH_TYPE_IP, PROTO_UDP},
        {"sctp", ETH_TYPE_IP, PROTO_SCTP},
        {"ipv6", ETH_TYPE_IPV6, -1},
        {"icmp6", ETH_TYPE_IPV6, PROTO_ICMPV6},
        {"tcp6", ETH_TYPE_IPV6, PROTO_TCP},
        {"udp6", ETH_TYPE_IPV6, PROTO_UDP},
        {"sctp6", ETH_TYPE_IPV6, PROTO_SCTP},
        {"arp", ETH_TYPE_ARP, -1},
};

/* Match keywords.  Protocol-dependent ones are resolved to an OXM field at the end. */
enum kw {
    KW_IN_PORT,
    KW_DL_SRC,
    KW_DL_DST,
    KW_DL_TYPE,
    KW_DL_VLAN,
    KW_VLAN_PCP,
    KW_VLAN_TCI,
    KW_NW_SRC,
    KW_NW_DST,
    KW_IP_SRC,
    KW_IP_DST,
    KW_NW_PROTO,
    KW_NW_TOS,
    KW_IP_DSCP,
    KW_TP_SRC,
    KW_TP_DST,
    KW_TCP_SRC,
    KW_TCP_DST,
    KW_UDP_SRC,
    KW_UDP_DST,
    KW_ICMP_TYPE,
    KW_ICMP_CODE,
    KW_ICMPV6_TYPE,
    KW_ICMPV6_CODE,
    KW_ARP_OP,
    KW_ARP_SPA,
    KW_ARP_TPA,
    KW_ARP_SHA,
    KW_ARP_THA,
    KW_IPV6_SRC,
    KW_IPV6_DST,
    KW_ND_TARGET,
    KW_ND_SLL,
    KW_ND_TLL,
};

enum vkind {
    VK_PORT,
    VK_MAC,
    VK_IP4,
    VK_IP6,
    VK_INT,
};

struct match_kw {
    const char *name;
    enum kw kw;
    enum vkind kind;
    bool maskable;
    uint32_t max; /* VK_INT only. */
};

static const struct match_kw match_kws[] = {
        {"in_port", KW_IN_PORT, VK_PORT, false, 0},
        {"dl_src", KW_DL_SRC, VK_MAC, true, 0},
        {"eth_src", KW_DL_SRC, VK_MAC, true, 0},
        {"dl_dst", KW_DL_DST, VK_MAC, true, 0},
        {"eth_dst", KW_DL_DST, VK_MAC, true, 0},
        {"dl_type", KW_DL_TYPE, VK_INT, false, 0xffff},
        {"eth_type", KW_DL_TYPE, VK_INT, false, 0xffff},
        {"dl_vlan", KW_DL_VLAN, VK_INT, false, 0xffff},
        {"dl_vlan_pcp", KW_VLAN_PCP, VK_INT, false, 7},
        {"vlan_pcp", KW_VLAN_PCP, VK_INT, false, 7},
        {"vlan_tci", KW_VLAN_TCI, VK_INT, true, 0xffff},
        {"nw_src", KW_NW_SRC, VK_IP4, true, 0},
        {"nw_dst", KW_NW_DST, VK_IP4, true, 0},
        {"ip_src", KW_IP_SRC, VK_IP4, true, 0},
        {"ip_dst", KW_IP_DST, VK_IP4, true, 0},
        {"nw_proto", KW_NW_PROTO, VK_INT, false, 0xff},
        {"ip_proto", KW_NW_PROTO, VK_INT, false, 0xff},
        {"nw_tos", KW_NW_TOS, VK_INT, false, 0xff},
        {"ip_dscp", KW_IP_DSCP, VK_INT, false, 63},
        {"tp_src", KW_TP_SRC, VK_INT, false, 0xffff},
        {"tp_dst", KW_TP_DST, VK_INT, false, 0xffff},
        {"tcp_src", KW_TCP_SRC, VK_INT, false, 0xffff},
        {"tcp_dst", KW_TCP_DST, VK_INT, false, 0xffff},
        {"udp_src", KW_UDP_SRC, VK_INT, false, 0xffff},
        {"udp_dst", KW_UDP_DST, VK_INT, false, 0xffff},
        {"icmp_type", KW_ICMP_TYPE, VK_INT, false, 0xff},
        {"icmp_code", KW_ICMP_CODE, VK_INT, false, 0xff},
        {"icmpv4_type", KW_ICMP_TYPE, VK_INT, false, 0xff},
        {"icmpv4_code", KW_ICMP_CODE, VK_INT, false, 0xff},
        {"icmpv6_type", KW_ICMPV6_TYPE, VK_INT, false, 0xff},
        {"icmpv6_code", KW_ICMPV6_CODE, VK_INT, false, 0xff},
        {"arp_op", KW_ARP_OP, VK_INT, false, 0xffff},
        {"arp_spa", KW_ARP_SPA, VK_IP4, true, 0},
        {"arp_tpa", KW_ARP_TPA, VK_IP4, true, 0},
        {"arp_sha", KW_ARP_SHA, VK_MAC, true, 0},
        {"arp_tha", KW_ARP_THA, VK_MAC, true, 0},
        {"ipv6_src", KW_IPV6_SRC, VK_IP6, true, 0},
        {"ipv6_dst", KW_IPV6_DST, VK_IP6, true, 0},
        {"nd_target", KW_ND_TARGET, VK_IP6, false, 0},
        {"nd_sll", KW_ND_SLL, VK_MAC, false, 0},
        {"nd_tll", KW_ND_TLL, VK_MAC, false, 0},
};

/* One match keyword as read, waiting for the prerequisites to be known.  Values and masks are
 * in network byte order; VK_INT and VK_PORT values are kept as numbers. */
struct item {
    const struct match_kw *kw;
    const char *key, *val;
    uint8_t v[16], m[16];
    size_t len;
    bool masked;
    uint32_t num, nmask;
};

#define MAX_ITEMS 48

struct parse {
    char **err;
    /* The caller's port-name resolver, for the flow-level out_port keyword. */
    int (*resolve)(const char *, uint32_t *, void *);
    void *arg;
    struct item items[MAX_ITEMS];
    size_t n;
    /* dl_type and the generic nw_proto (arp_op on ARP), with the token that set them. */
    bool have_dl, have_proto;
    uint16_t dl;
    uint8_t proto;
    char dl_tok[160], proto_tok[160];
    /* VLAN: OXM vlan_vid value and mask (13 bits), and vlan_pcp. */
    bool have_vid, have_pcp;
    uint16_t vid, vid_mask;
    uint8_t pcp;
    uint64_t fields_set; /* Bit per OXM field already put in the match. */
};

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets *err to a one-line message and returns -EINVAL.  Messages quote the
 * input, and tokens may hold control characters other than the delimiters
 * (a DEL byte, a terminal escape sequence): those become '?', so that a
 * message stays one harmless log line. */
static int fail(char **err, const char *fmt, ...)
{
    va_list ap;

    if (err && !*err) {
        va_start(ap, fmt);
        if (vasprintf(err, fmt, ap) < 0) {
            *err = NULL;
        }
        va_end(ap);
        for (char *p = *err; p && *p; p++) {
            if ((unsigned char)*p < ' ' || *p == 0x7f) {
                *p = '?';
            }
        }
    }
    return -EINVAL;
}

/* Parses "key=value" number value for a flow-level keyword, with messages naming the token. */
static int num_value(struct parse *ps, const char *key, const char *val, uint64_t max,
                     uint64_t *out)
{
    int r;

    if (!val) {
        return fail(ps->err, "%s: missing value", key);
    }
    r = ofpt_parse_num(val, max, out);
    if (r == -ERANGE) {
        return fail(ps->err, "%s=%s: value out of range (0 to %" PRIu64 ")", key, val, max);
    }
    if (r) {
        return fail(ps->err, "%s=%s: invalid number", key, val);
    }
    return 0;
}

/* Reads one match keyword's value (with its optional /mask) into a new item. */
static int read_item(struct parse *ps, const struct match_kw *kw, const char *key, const char *val,
                     int (*resolve)(const char *, uint32_t *, void *), void *arg)
{
    struct item *it;
    char buf[128];
    char *slash;
    const char *mask;
    uint64_t v;
    int r;

    if (!val || !*val) {
        return fail(ps->err, "%s: missing value", key);
    }
    if (ps->n == MAX_ITEMS) {
        return fail(ps->err, "%s=%s: too many match fields", key, val);
    }
    if (strlen(val) >= sizeof(buf)) {
        return fail(ps->err, "%s=%.40s...: value too long", key, val);
    }
    strcpy(buf, val);
    slash = strchr(buf, '/');
    mask = NULL;
    if (slash) {
        if (!kw->maskable) {
            return fail(ps->err, "%s=%s: %s cannot be masked", key, val, kw->name);
        }
        *slash = '\0';
        mask = slash + 1;
    }
    it = &ps->items[ps->n];
    memset(it, 0, sizeof(*it));
    it->kw = kw;
    it->key = key;
    it->val = val;
    it->masked = mask != NULL;

    switch (kw->kind) {
    case VK_PORT:
        r = ofpt_parse_port(buf, resolve, arg, &it->num);
        if (r == -ERANGE) {
            return fail(ps->err, "%s=%s: port number out of range", key, val);
        }
        if (r) {
            return fail(ps->err, "%s=%s: invalid or unknown port", key, val);
        }
        break;
    case VK_MAC:
        it->len = 6;
        if (!ofpt_parse_mac(buf, it->v)) {
            return fail(ps->err, "%s=%s: invalid Ethernet address", key, val);
        }
        if (mask && !ofpt_parse_mac(mask, it->m)) {
            return fail(ps->err, "%s=%s: invalid Ethernet mask", key, val);
        }
        break;
    case VK_IP4:
    case VK_IP6:
        it->len = kw->kind == VK_IP4 ? 4 : 16;
        if (kw->kind == VK_IP4 ? !ofpt_parse_ip4(buf, it->v)
                               : inet_pton(AF_INET6, buf, it->v) != 1) {
            return fail(ps->err, "%s=%s: invalid IPv%d address", key, val,
                        kw->kind == VK_IP4 ? 4 : 6);
        }
        if (mask && strpbrk(mask, kw->kind == VK_IP4 ? "." : ":")) {
            if (kw->kind == VK_IP4 ? !ofpt_parse_ip4(mask, it->m)
                                   : inet_pton(AF_INET6, mask, it->m) != 1) {
                return fail(ps->err, "%s=%s: invalid mask", key, val);
            }
        } else if (mask) {
            if (ofpt_parse_num(mask, it->len * 8, &v) || (mask[0] == '0' && mask[1] == 'x')) {
                return fail(ps->err, "%s=%s: prefix length not between 0 and %zu", key, val,
                            it->len * 8);
            }
            ofpt_prefix_mask((unsigned)v, it->m, it->len);
        }
        break;
    case VK_INT:
        r = ofpt_parse_num(buf, kw->max, &v);
        if (r == -ERANGE) {
            return fail(ps->err, "%s=%s: value out of range (0 to %" PRIu32 ")", key, val, kw->max);
        }
        if (r) {
            return fail(ps->err, "%s=%s: invalid number", key, val);
        }
        it->num = (uint32_t)v;
        it->nmask = kw->max;
        if (mask) {
            r = ofpt_parse_num(mask, kw->max, &v);
            if (r) {
                return fail(ps->err, "%s=%s: invalid mask", key, val);
            }
            it->nmask = (uint32_t)v;
        }
        it->num &= it->nmask;
        break;
    }
    if (it->len && !mask) {
        memset(it->m, 0xff, it->len);
    }
    for (size_t i = 0; i < it->len; i++) {
        it->v[i] &= it->m[i];
    }
    ps->n++;
    return 0;
}

static int set_dl_type(struct parse *ps, uint16_t dl, const char *tok)
{
    if (ps->have_dl && ps->dl != dl) {
        return fail(ps->err, "%s: conflicts with %s", tok, ps->dl_tok);
    }
    ps->have_dl = true;
    ps->dl = dl;
    snprintf(ps->dl_tok, sizeof(ps->dl_tok), "%s", tok);
    return 0;
}

static int set_proto(struct parse *ps, uint8_t proto, const char *tok)
{
    if (ps->have_proto && ps->proto != proto) {
        return fail(ps->err, "%s: conflicts with %s", tok, ps->proto_tok);
    }
    ps->have_proto = true;
    ps->proto = proto;
    snprintf(ps->proto_tok, sizeof(ps->proto_tok), "%s", tok);
    return 0;
}

static int set_vid(struct parse *ps, uint16_t vid, uint16_t mask, const char *tok)
{
    if (ps->have_vid && (ps->vid != vid || ps->vid_mask != mask)) {
        return fail(ps->err, "%s: conflicts with another VLAN match", tok);
    }
    ps->have_vid = true;
    ps->vid = vid;
    ps->vid_mask = mask;
    return 0;
}

static int set_pcp(struct parse *ps, uint8_t pcp, const char *tok)
{
    if (ps->have_pcp && ps->pcp != pcp) {
        return fail(ps->err, "%s: conflicts with another VLAN priority match", tok);
    }
    ps->have_pcp = true;
    ps->pcp = pcp;
    return 0;
}

/* The keywords that need dl_type, nw_proto or VLAN state are folded in as soon as read;
 * the rest wait in items[].  tok is "key=value" for messages. */
static int read_special(struct parse *ps, struct item *it, const char *tok)
{
    uint16_t tci = (uint16_t)it->num, m = (uint16_t)it->nmask;
    int r;

    switch (it->kw->kw) {
    case KW_DL_TYPE:
        return set_dl_type(ps, (uint16_t)it->num, tok);
    case KW_NW_PROTO:
        return set_proto(ps, (uint8_t)it->num, tok);
    case KW_DL_VLAN:
        if (it->num == 0xffff) {
            return set_vid(ps, 0, 0x1fff, tok);
        }
        if (it->num > VLAN_VID_BITS) {
            return fail(ps->err, "%s: VLAN id out of range (0 to 4095, or 0xffff for none)", tok);
        }
        return set_vid(ps, (uint16_t)(VLAN_CFI | it->num), 0x1fff, tok);
    case KW_VLAN_PCP:
        return set_pcp(ps, (uint8_t)it->num, tok);
    case KW_VLAN_TCI:
        if ((m & VLAN_PCP_BITS) && (m & VLAN_PCP_BITS) != VLAN_PCP_BITS) {
            return fail(ps->err, "%s: the priority bits must be matched all or none", tok);
        }
        if ((m & VLAN_PCP_BITS) && !(m & tci & VLAN_CFI)) {
            return fail(ps->err, "%s: a priority match needs the CFI bit (0x1000) set", tok);
        }
        if (m & 0x1fff) {
            r = set_vid(ps, tci & 0x1fff, m & 0x1fff, tok);
            if (r) {
                return r;
            }
        }
        if (m & VLAN_PCP_BITS) {
            return set_pcp(ps, (uint8_t)(tci >> 13), tok);
        }
        return 0;
    default:
        return 1;
    }
}

/* Puts one field into the match, refusing a second, different match on the same field. */
static int put_field(struct parse *ps, struct ofp_flow *f, uint8_t field, const uint8_t *v,
                     const uint8_t *m, size_t len, const char *key, const char *val)
{
    bool exact = true;
    const struct ofp_oxm *old;
    int r;

    for (size_t i = 0; i < len; i++) {
        exact = exact && m[i] == 0xff;
    }
    old = ofp_match_get(&f->match, field);
    if (old && (ps->fields_set & (1ULL << field))) {
        if (old->has_mask == !exact && !memcmp(old->value, v, len) &&
            (exact || !memcmp(old->mask, m, len))) {
            return 0;
        }
        return fail(ps->err, "%s=%s: conflicts with another match on the same field", key, val);
    }
    r = ofp_match_set(&f->match, field, v, exact ? NULL : m, len);
    if (r) {
        return fail(ps->err, "%s=%s: %s", key, val,
                    r == -ENOSPC ? "too many match fields" : "this field cannot be masked");
    }
    ps->fields_set |= 1ULL << field;
    return 0;
}

static void put_be(uint8_t *b, uint32_t v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        b[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
    }
}

static int put_num(struct parse *ps, struct ofp_flow *f, uint8_t field, uint32_t v, uint32_t m,
                   const char *key, const char *val)
{
    uint8_t vb[4], mb[4];
    size_t len = ofp_oxm_len(field);

    put_be(vb, v, len);
    put_be(mb, m, len);
    return put_field(ps, f, field, vb, mb, len, key, val);
}

/* The ICMPv6 type the flow matches exactly, or -1. */
static int icmp6_type(const struct parse *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        enum kw k = ps->items[i].kw->kw;
        if (k == KW_ICMP_TYPE || k == KW_ICMPV6_TYPE) {
            return (int)ps->items[i].num;
        }
    }
    return -1;
}

/* Maps every item to its OXM field, checking prerequisites as OpenFlow defines them. */
static int resolve_items(struct parse *ps, struct ofp_flow *f)
{
    bool ip4 = ps->have_dl && ps->dl == ETH_TYPE_IP;
    bool ip6 = ps->have_dl && ps->dl == ETH_TYPE_IPV6;
    bool arp = ps->have_dl && ps->dl == ETH_TYPE_ARP;
    int proto = ps->have_proto && !arp ? ps->proto : -1;
    uint8_t vb[2], mb[2];
    int r;

    if (ps->have_dl) {
        r = put_num(ps, f, OFPXMT_ETH_TYPE, ps->dl, UINT32_MAX, "dl_type", ps->dl_tok);
        if (r) {
            return r;
        }
    }
    if (ps->have_proto) {
        if (!ip4 && !ip6 && !arp) {
            return fail(ps->err, "%s: needs ip, ipv6 or arp (dl_type=0x0800, 0x86dd or 0x0806)",
                        ps->proto_tok);
        }
        r = put_num(ps, f, arp ? OFPXMT_ARP_OP : OFPXMT_IP_PROTO, ps->proto, UINT32_MAX, "nw_proto",
                    ps->proto_tok);
        if (r) {
            return r;
        }
    }
    if (ps->have_pcp && !ps->have_vid) {
        ps->have_vid = true;
        ps->vid = VLAN_CFI;
        ps->vid_mask = VLAN_CFI;
    }
    if (ps->have_pcp && !(ps->vid & ps->vid_mask & VLAN_CFI)) {
        return fail(ps->err, "dl_vlan_pcp=%u: needs a VLAN header, not dl_vlan=0xffff", ps->pcp);
    }
    if (ps->have_vid && ps->vid_mask) {
        put_be(vb, ps->vid, 2);
        put_be(mb, ps->vid_mask == 0x1fff ? 0xffff : ps->vid_mask, 2);
        r = put_field(ps, f, OFPXMT_VLAN_VID, vb, mb, 2, "vlan_tci", "");
        if (r) {
            return r;
        }
    }
    if (ps->have_pcp) {
        r = put_num(ps, f, OFPXMT_VLAN_PCP, ps->pcp, UINT32_MAX, "dl_vlan_pcp", "");
        if (r) {
            return r;
        }
    }

    for (size_t i = 0; i < ps->n; i++) {
        struct item *it = &ps->items[i];
        const char *need = NULL;
        int field = -1;
        bool zero = true;

        for (size_t j = 0; j < it->len; j++) {
            zero = zero && it->m[j] == 0;
        }
        if ((it->len && zero) || (it->kw->kind == VK_INT && !it->nmask)) {
            /* A zero mask is a wildcard: no match at all, as in ovs-ofctl. */
            continue;
        }
        switch (it->kw->kw) {
        case KW_IN_PORT:
            field = OFPXMT_IN_PORT;
            break;
        case KW_DL_SRC:
            field = OFPXMT_ETH_SRC;
            break;
        case KW_DL_DST:
            field = OFPXMT_ETH_DST;
            break;
        case KW_NW_SRC:
        case KW_NW_DST:
            if (arp) {
                field = it->kw->kw == KW_NW_SRC ? OFPXMT_ARP_SPA : OFPXMT_ARP_TPA;
            } else if (ip4) {
                field = it->kw->kw == KW_NW_SRC ? OFPXMT_IPV4_SRC : OFPXMT_IPV4_DST;
            } else {
                need = "ip or arp (dl_type=0x0800 or 0x0806)";
            }
            break;
        case KW_IP_SRC:
        case KW_IP_DST:
            field = it->kw->kw == KW_IP_SRC ? OFPXMT_IPV4_SRC : OFPXMT_IPV4_DST;
            need = ip4 ? NULL : "ip (dl_type=0x0800)";
            break;
        case KW_NW_TOS:
            if (it->num & 3) {
                return fail(ps->err, "%s=%s: the low 2 bits (ECN) must be 0; use ip_dscp", it->key,
                            it->val);
            }
            it->num >>= 2;
            /* fall through */
        case KW_IP_DSCP:
            field = OFPXMT_IP_DSCP;
            need = ip4 || ip6 ? NULL : "ip or ipv6 (dl_type=0x0800 or 0x86dd)";
            break;
        case KW_TP_SRC:
        case KW_TP_DST:
            if ((ip4 || ip6) && (proto == PROTO_TCP || proto == PROTO_UDP)) {
                field = proto == PROTO_TCP
                                ? (it->kw->kw == KW_TP_SRC ? OFPXMT_TCP_SRC : OFPXMT_TCP_DST)
                                : (it->kw->kw == KW_TP_SRC ? OFPXMT_UDP_SRC : OFPXMT_UDP_DST);
            } else {
                need = "tcp or udp (nw_proto=6 or 17)";
            }
            break;
        case KW_TCP_SRC:
        case KW_TCP_DST:
            field = it->kw->kw == KW_TCP_SRC ? OFPXMT_TCP_SRC : OFPXMT_TCP_DST;
            need = (ip4 || ip6) && proto == PROTO_TCP ? NULL : "tcp or tcp6";
            break;
        case KW_UDP_SRC:
        case KW_UDP_DST:
            field = it->kw->kw == KW_UDP_SRC ? OFPXMT_UDP_SRC : OFPXMT_UDP_DST;
            need = (ip4 || ip6) && proto == PROTO_UDP ? NULL : "udp or udp6";
            break;
        case KW_ICMP_TYPE:
        case KW_ICMP_CODE:
            if (ip4 && proto == PROTO_ICMP) {
                field = it->kw->kw == KW_ICMP_TYPE ? OFPXMT_ICMPV4_TYPE : OFPXMT_ICMPV4_CODE;
            } else if (ip6 && proto == PROTO_ICMPV6) {
                field = it->kw->kw == KW_ICMP_TYPE ? OFPXMT_ICMPV6_TYPE : OFPXMT_ICMPV6_CODE;
            } else {
                need = "icmp or icmp6";
            }
            break;
        case KW_ICMPV6_TYPE:
        case KW_ICMPV6_CODE:
            field = it->kw->kw == KW_ICMPV6_TYPE ? OFPXMT_ICMPV6_TYPE : OFPXMT_ICMPV6_CODE;
            need = ip6 && proto == PROTO_ICMPV6 ? NULL : "icmp6";
            break;
        case KW_ARP_OP:
            field = OFPXMT_ARP_OP;
            need = arp ? NULL : "arp (dl_type=0x0806)";
            break;
        case KW_ARP_SPA:
        case KW_ARP_TPA:
        case KW_ARP_SHA:
        case KW_ARP_THA:
            field = it->kw->kw == KW_ARP_SPA   ? OFPXMT_ARP_SPA
                    : it->kw->kw == KW_ARP_TPA ? OFPXMT_ARP_TPA
                    : it->kw->kw == KW_ARP_SHA ? OFPXMT_ARP_SHA
                                               : OFPXMT_ARP_THA;
            need = arp ? NULL : "arp (dl_type=0x0806)";
            break;
        case KW_IPV6_SRC:
        case KW_IPV6_DST:
            field = it->kw->kw == KW_IPV6_SRC ? OFPXMT_IPV6_SRC : OFPXMT_IPV6_DST;
            need = ip6 ? NULL : "ipv6 (dl_type=0x86dd)";
            break;
        case KW_ND_TARGET:
            field = OFPXMT_IPV6_ND_TARGET;
            need = ip6 && proto == PROTO_ICMPV6 && (icmp6_type(ps) == 135 || icmp6_type(ps) == 136)
                           ? NULL
                           : "icmp6 with icmp_type=135 or 136";
            break;
        case KW_ND_SLL:
            field = OFPXMT_IPV6_ND_SLL;
            need = ip6 && proto == PROTO_ICMPV6 && icmp6_type(ps) == 135
                           ? NULL
                           : "icmp6 with icmp_type=135";
            break;
        case KW_ND_TLL:
            field = OFPXMT_IPV6_ND_TLL;
            need = ip6 && proto == PROTO_ICMPV6 && icmp6_type(ps) == 136
                           ? NULL
                           : "icmp6 with icmp_type=136";
            break;
        default:
            break;
        }
        if (need) {
            return fail(ps->err, "%s=%s: needs %s", it->key, it->val, need);
        }
        if (field < 0) {
            continue;
        }
        r = it->len ? put_field(ps, f, (uint8_t)field, it->v, it->m, it->len, it->key, it->val)
                    : put_num(ps, f, (uint8_t)field, it->num,
                              it->kw->kind == VK_PORT    ? UINT32_MAX
                              : it->nmask == it->kw->max ? UINT32_MAX
                                                         : it->nmask,
                              it->key, it->val);
        if (r) {
            return r;
        }
    }
    return 0;
}

static int add_output(struct parse *ps, struct ofp_flow *f, uint32_t port, uint16_t max_len,
                      const char *tok)
{
    if (port == OFPP_ANY) {
        return fail(ps->err, "%s: cannot output to port ANY", tok);
    }
    if (f->n_actions == OFP_ACTIONS_MAX) {
        return fail(ps->err, "%s: too many actions (at most %d)", tok, OFP_ACTIONS_MAX);
    }
    f->actions[f->n_actions].type = OFPAT_OUTPUT;
    f->actions[f->n_actions].port = port;
    f->actions[f->n_actions].max_len = port == OFPP_CONTROLLER ? max_len : 0;
    f->n_actions++;
    return 0;
}

/* Parses the action list (text is modified in place). */
static int parse_actions(struct parse *ps, char *text,
                         int (*resolve)(const char *, uint32_t *, void *), void *arg,
                         struct ofp_flow *f)
{
    static const struct {
        const char *name;
        uint32_t port;
    } simple[] = {
            {"normal", OFPP_NORMAL}, {"local", OFPP_LOCAL},     {"flood", OFPP_FLOOD},
            {"all", OFPP_ALL},       {"in_port", OFPP_IN_PORT},
    };
    bool drop = false;
    char *p = text;

    while (*p) {
        char *key, *val = NULL, sep;
        uint32_t port;
        uint64_t v;
        bool done = false;
        int r;

        p += strspn(p, DELIMS);
        if (!*p) {
            break;
        }
        key = p;
        p += strcspn(p, ":=" DELIMS);
        sep = *p;
        if (*p == ':' || *p == '=') {
            *p++ = '\0';
            val = p;
            p += strcspn(p, DELIMS);
        }
        if (*p) {
            *p++ = '\0';
        }
        if (!strcasecmp(key, "drop") && !val) {
            drop = true;
            continue;
        }
        for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]) && !val; i++) {
            if (!strcasecmp(key, simple[i].name)) {
                r = add_output(ps, f, simple[i].port, 0, key);
                if (r) {
                    return r;
                }
                done = true;
                break;
            }
        }
        if (done) {
            continue;
        }
        if (!strcasecmp(key, "controller")) {
            v = 0xffff;
            if (val && ofpt_parse_num(val, 0xffff, &v)) {
                return fail(ps->err, "controller:%s: invalid max_len (0 to 65535)", val);
            }
            r = add_output(ps, f, OFPP_CONTROLLER, (uint16_t)v, key);
        } else if (!strcasecmp(key, "output")) {
            if (!val || !*val) {
                return fail(ps->err, "output: missing port");
            }
            r = ofpt_parse_port(val, resolve, arg, &port);
            if (r) {
                return fail(ps->err, "output:%s: %s port", val,
                            r == -ERANGE ? "out of range" : "invalid or unknown");
            }
            r = add_output(ps, f, port, 0xffff, val);
        } else if (!val && ofpt_parse_port(key, resolve, arg, &port) == 0) {
            r = add_output(ps, f, port, 0xffff, key);
        } else {
            if (val) {
                return fail(ps->err, "%s%c%s: unknown action", key, sep, val);
            }
            return fail(ps->err, "%s: unknown action", key);
        }
        if (r) {
            return r;
        }
    }
    if (drop && f->n_actions) {
        return fail(ps->err, "drop: must not be accompanied by any other action");
    }
    return 0;
}

/* Flow-level keywords (not match fields).  Returns 1 if key is not one of them. */
static int read_flow_key(struct parse *ps, enum ofpt_usage usage, const char *key, const char *val,
                         struct ofp_flow *f)
{
    bool add = usage == OFPT_ADD;
    uint64_t v = 0;
    int r;

    for (size_t i = 0; i < ofpt_n_flag_names; i++) {
        if (!strcmp(key, ofpt_flag_names[i].name)) {
            if (val) {
                return fail(ps->err, "%s=%s: takes no value", key, val);
            }
            if (!add) {
                return fail(ps->err, "%s: only for adding flows", key);
            }
            f->flags |= ofpt_flag_names[i].bit;
            return 0;
        }
    }
    if (!strcmp(key, "duration") || !strcmp(key, "n_packets") || !strcmp(key, "n_bytes") ||
        !strcmp(key, "idle_age") || !strcmp(key, "hard_age")) {
        /* Statistics from dump-flows output: ignored, so that dumps can be fed back. */
        return val ? 0 : fail(ps->err, "%s: missing value", key);
    }
    if (!strcmp(key, "cookie")) {
        char buf[64];
        char *slash;

        if (!val || strlen(val) >= sizeof(buf)) {
            return fail(ps->err, "cookie%s%s: invalid cookie", val ? "=" : "", val ? val : "");
        }
        strcpy(buf, val);
        slash = strchr(buf, '/');
        if (slash) {
            *slash = '\0';
        }
        if (ofpt_parse_num(buf, UINT64_MAX, &v)) {
            return fail(ps->err, "cookie=%s: invalid cookie", val);
        }
        f->cookie = v;
        if (slash && add) {
            return fail(ps->err, "cookie=%s: flow additions cannot use a cookie mask", val);
        }
        if (!slash && !add) {
            return fail(ps->err,
                        "cookie=%s: cannot set a cookie here (to match on a cookie, give a "
                        "mask, e.g. cookie=%s/-1)",
                        val, val);
        }
        if (slash) {
            if (!strcmp(slash + 1, "-1")) {
                v = UINT64_MAX;
            } else if (ofpt_parse_num(slash + 1, UINT64_MAX, &v)) {
                return fail(ps->err, "cookie=%s: invalid cookie mask", val);
            }
            f->cookie_mask = v;
            f->cookie &= v;
        }
        return 0;
    }
    if (!strcmp(key, "table")) {
        r = num_value(ps, key, val, add ? 254 : 255, &v);
        f->table_id = (uint8_t)v;
        return r;
    }
    if (!strcmp(key, "priority")) {
        if (usage == OFPT_DEL) {
            return fail(ps->err, "%s%s%s: only allowed when adding, or deleting with --strict", key,
                        val ? "=" : "", val ? val : "");
        }
        r = num_value(ps, key, val, 0xffff, &v);
        f->priority = (uint16_t)v;
        return r;
    }
    if (!strcmp(key, "idle_timeout") || !strcmp(key, "hard_timeout")) {
        if (!add) {
            return fail(ps->err, "%s%s%s: only allowed when adding flows", key, val ? "=" : "",
                        val ? val : "");
        }
        r = num_value(ps, key, val, 0xffff, &v);
        if (key[0] == 'i') {
            f->idle_timeout = (uint16_t)v;
        } else {
            f->hard_timeout = (uint16_t)v;
        }
        return r;
    }
    if (!strcmp(key, "out_port")) {
        if (add) {
            return fail(ps->err, "out_port: not allowed when adding flows");
        }
        if (!val || ofpt_parse_port(val, ps->resolve, ps->arg, &f->out_port)) {
            return fail(ps->err, "out_port%s%s: invalid port", val ? "=" : "", val ? val : "");
        }
        return 0;
    }
    return 1;
}

int ofpt_parse_flow(const char *text, enum ofpt_usage usage,
                    int (*resolve)(const char *name, uint32_t *port, void *arg), void *arg,
                    struct ofp_flow *f, char **err)
{
    struct parse *ps = NULL;
    char *copy = NULL, *p, *actions = NULL;
    int r = -EINVAL;

    ofp_flow_init(f);
    *err = NULL;
    if (usage != OFPT_ADD) {
        f->table_id = OFPTT_ALL;
    }
    ps = calloc(1, sizeof(*ps));
    copy = strdup(text ? text : "");
    if (!ps || !copy) {
        r = -ENOMEM;
        goto out;
    }
    ps->err = err;
    ps->resolve = resolve;
    ps->arg = arg;
    p = copy;
    while (*p) {
        char *key, *val = NULL;
        char tok[160];
        bool found = false;

        p += strspn(p, DELIMS);
        if (!*p) {
            break;
        }
        key = p;
        p += strcspn(p, ":=" DELIMS);
        if (*p == '=' || *p == ':') {
            *p++ = '\0';
            val = p;
            if (!strcmp(key, "actions") || !strcmp(key, "action")) {
                /* Everything after "actions=" is the action list. */
                actions = val;
                break;
            }
            p += strcspn(p, DELIMS);
        }
        if (*p) {
            *p++ = '\0';
        }
        if (!strcmp(key, "actions") || !strcmp(key, "action")) {
            r = fail(err, "%s: missing '=' and action list", key);
            goto out;
        }
        r = read_flow_key(ps, usage, key, val, f);
        if (r <= 0) {
            if (r) {
                goto out;
            }
            continue;
        }
        for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++) {
            if (!strcmp(key, shorthands[i].name)) {
                if (val) {
                    r = fail(err, "%s=%s: %s takes no value", key, val, key);
                    goto out;
                }
                r = set_dl_type(ps, shorthands[i].dl_type, key);
                if (!r && shorthands[i].proto >= 0) {
                    r = set_proto(ps, (uint8_t)shorthands[i].proto, key);
                }
                if (r) {
                    goto out;
                }
                found = true;
                break;
            }
        }
        for (size_t i = 0; i < sizeof(match_kws) / sizeof(match_kws[0]) && !found; i++) {
            if (strcmp(key, match_kws[i].name)) {
                continue;
            }
            found = true;
            r = read_item(ps, &match_kws[i], key, val, resolve, arg);
            if (r) {
                goto out;
            }
            snprintf(tok, sizeof(tok), "%s=%s", key, val);
            r = read_special(ps, &ps->items[ps->n - 1], tok);
            if (r <= 0) {
                /* Folded into the parse state rather than kept as an item. */
                ps->n--;
                if (r) {
                    goto out;
                }
            }
            r = 0;
        }
        if (!found) {
            r = fail(err, "%s%s%s: unknown keyword %s", key, val ? "=" : "", val ? val : "", key);
            goto out;
        }
    }
    if (usage == OFPT_ADD && !actions) {
        r = fail(err, "must specify an action (e.g. actions=drop)");
        goto out;
    }
    if (usage != OFPT_ADD && actions) {
        /* Only the empty list that the printer writes for a filter ("actions=drop"). */
        r = parse_actions(ps, actions, resolve, arg, f);
        if (r || f->n_actions) {
            if (!r) {
                r = fail(err, "actions=%s: actions are not allowed when deleting or dumping flows",
                         actions);
            }
            goto out;
        }
        actions = NULL;
    }
    r = resolve_items(ps, f);
    if (r) {
        goto out;
    }
    if (actions) {
        r = parse_actions(ps, actions, resolve, arg, f);
        if (r) {
            goto out;
        }
    }
    r = 0;
out:
    if (r && !*err) {
        fail(err, "%s", r == -ENOMEM ? "out of memory" : "invalid flow");
    }
    if (r) {
        ofp_flow_init(f);
        r = r == -ENOMEM ? r : -EINVAL;
    }
    free(copy);
    free(ps);
    return r;
}
