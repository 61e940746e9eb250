/* The ovs-ofctl flow syntax, second half (see ofp_text.h): the printer of
 * struct ofp_flow in the form "ovs-ofctl dump-flows" uses, and the value
 * forms (numbers, Ethernet and IPv4 addresses, prefix masks, port names)
 * that the parser in ofp_text.c reads and this printer writes, kept side by
 * side so that each form is read and written in one place. */
#include "ofp_text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ofp_text_internal.h"

/* Flow-mod flags of OpenFlow 1.3, in the order ovs-ofctl prints them. */
const struct ofpt_flag_name ofpt_flag_names[] = {
        {"send_flow_rem", 1 << 0},    {"check_overlap", 1 << 1},  {"reset_counts", 1 << 2},
        {"no_packet_counts", 1 << 3}, {"no_byte_counts", 1 << 4},
};

const size_t ofpt_n_flag_names = sizeof(ofpt_flag_names) / sizeof(ofpt_flag_names[0]);

/* Reserved port names, as ovs-ofctl spells them. */
static const struct {
    const char *name;
    uint32_t port;
} port_names[] = {
        {"IN_PORT", OFPP_IN_PORT}, {"TABLE", OFPP_TABLE}, {"NORMAL", OFPP_NORMAL},
        {"FLOOD", OFPP_FLOOD},     {"ALL", OFPP_ALL},     {"CONTROLLER", OFPP_CONTROLLER},
        {"LOCAL", OFPP_LOCAL},     {"ANY", OFPP_ANY},     {"NONE", OFPP_ANY},
};

/* ---- Value forms ---- */

/* Parses a decimal or 0x-hexadecimal number up to max.  Returns 0, -EINVAL or -ERANGE. */
int ofpt_parse_num(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10, d;
    const char *p = s;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p) {
        return -EINVAL;
    }
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            d = (unsigned)(*p - '0');
        } else if (base == 16 && isxdigit((unsigned char)*p)) {
            d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
        } else {
            return -EINVAL;
        }
        if (v > (UINT64_MAX - d) / base) {
            return -ERANGE;
        }
        v = v * base + d;
    }
    if (v > max) {
        return -ERANGE;
    }
    *out = v;
    return 0;
}

bool ofpt_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int digits = 0;
        unsigned v = 0;

        while (isxdigit((unsigned char)*s) && digits < 3) {
            v = v * 16 + (unsigned)(isdigit((unsigned char)*s)
                                            ? *s - '0'
                                            : tolower((unsigned char)*s) - 'a' + 10);
            s++;
            digits++;
        }
        if (digits < 1 || digits > 2) {
            return false;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *s++ != ':') {
            return false;
        }
    }
    return *s == '\0';
}

/* Strict dotted quad: four decimal numbers 0-255, nothing else. */
bool ofpt_parse_ip4(const char *s, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0;
        int digits = 0;

        while (isdigit((unsigned char)*s) && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits < 1 || digits > 3 || v > 255) {
            return false;
        }
        ip[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.') {
            return false;
        }
    }
    return *s == '\0';
}

/* A prefix length as a mask of len bytes. */
void ofpt_prefix_mask(unsigned bits, uint8_t *mask, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned b = bits > 8 ? 8 : bits;

        mask[i] = (uint8_t)(b ? 0xff << (8 - b) : 0);
        bits -= b;
    }
}

/* The prefix length of a CIDR mask, or -1 if the mask is not contiguous. */
static int mask_prefix(const uint8_t *mask, size_t len)
{
    int bits = 0;
    size_t i = 0;

    for (; i < len && mask[i] == 0xff; i++) {
        bits += 8;
    }
    if (i < len) {
        uint8_t b = mask[i];
        while (b & 0x80) {
            bits++;
            b = (uint8_t)(b << 1);
        }
        if (b) {
            return -1;
        }
        for (i++; i < len; i++) {
            if (mask[i]) {
                return -1;
            }
        }
    }
    return bits;
}

/* Port: a number, a reserved name (any case), or a name the caller resolves. */
int ofpt_parse_port(const char *s, int (*resolve)(const char *, uint32_t *, void *), void *arg,
                    uint32_t *port)
{
    uint64_t v;

    for (size_t i = 0; i < sizeof(port_names) / sizeof(port_names[0]); i++) {
        if (!strcasecmp(s, port_names[i].name)) {
            *port = port_names[i].port;
            return 0;
        }
    }
    if (isdigit((unsigned char)s[0])) {
        int r = ofpt_parse_num(s, UINT32_MAX, &v);

        if (r == 0 && (v <= OFPP_MAX || v >= OFPP_IN_PORT)) {
            *port = (uint32_t)v;
            return 0;
        }
        return r == -EINVAL ? -ENOENT : -ERANGE;
    }
    if (resolve && *s && resolve(s, port, arg) == 0) {
        return 0;
    }
    return -ENOENT;
}

/* ---- Printer ---- */

static uint32_t get_be(const uint8_t *b, size_t len)
{
    uint32_t v = 0;

    for (size_t i = 0; i < len; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

static bool all_ones(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (b[i] != 0xff) {
            return false;
        }
    }
    return true;
}

static void fmt_port(uint32_t port, struct sbuf *out)
{
    for (size_t i = 0; i < sizeof(port_names) / sizeof(port_names[0]); i++) {
        if (port_names[i].port == port) {
            sbuf_adds(out, port_names[i].name);
            return;
        }
    }
    sbuf_addf(out, "%" PRIu32, port);
}

static void fmt_mac(const uint8_t *m, struct sbuf *out)
{
    sbuf_addf(out, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* "name=value[/mask]," for one field, as ovs-ofctl prints it: MACs with a full mask,
 * addresses with a prefix length when the mask is one, 16-bit numbers in hex when masked. */
static void fmt_field(const struct ofp_match *m, uint8_t field, const char *name, struct sbuf *out)
{
    const struct ofp_oxm *x = ofp_match_get(m, field);
    bool masked;
    char addr[INET6_ADDRSTRLEN];
    int bits;

    if (!x) {
        return;
    }
    masked = x->has_mask && !all_ones(x->mask, x->len);
    sbuf_addf(out, "%s=", name);
    switch (field) {
    case OFPXMT_ETH_SRC:
    case OFPXMT_ETH_DST:
    case OFPXMT_ARP_SHA:
    case OFPXMT_ARP_THA:
    case OFPXMT_IPV6_ND_SLL:
    case OFPXMT_IPV6_ND_TLL:
        fmt_mac(x->value, out);
        if (masked) {
            sbuf_addc(out, '/');
            fmt_mac(x->mask, out);
        }
        break;
    case OFPXMT_IPV4_SRC:
    case OFPXMT_IPV4_DST:
    case OFPXMT_ARP_SPA:
    case OFPXMT_ARP_TPA:
    case OFPXMT_IPV6_SRC:
    case OFPXMT_IPV6_DST:
    case OFPXMT_IPV6_ND_TARGET: {
        int af = x->len == 4 ? AF_INET : AF_INET6;

        inet_ntop(af, x->value, addr, sizeof(addr));
        sbuf_adds(out, addr);
        if (masked) {
            bits = mask_prefix(x->mask, x->len);
            if (bits >= 0) {
                sbuf_addf(out, "/%d", bits);
            } else {
                inet_ntop(af, x->mask, addr, sizeof(addr));
                sbuf_addf(out, "/%s", addr);
            }
        }
        break;
    }
    case OFPXMT_IN_PORT:
        fmt_port(get_be(x->value, 4), out);
        break;
    case OFPXMT_IP_DSCP:
        sbuf_addf(out, "%" PRIu32, (get_be(x->value, 1) & 0x3f) << 2);
        break;
    default:
        if (masked) {
            sbuf_addf(out, "0x%" PRIx32 "/0x%" PRIx32, get_be(x->value, x->len),
                      get_be(x->mask, x->len));
        } else {
            sbuf_addf(out, "%" PRIu32, get_be(x->value, x->len));
        }
        break;
    }
    sbuf_addc(out, ',');
}

/* VLAN fields in ovs-ofctl's terms: dl_vlan/dl_vlan_pcp when they say it all, else vlan_tci. */
static void fmt_vlan(const struct ofp_match *m, struct sbuf *out)
{
    const struct ofp_oxm *vid = ofp_match_get(m, OFPXMT_VLAN_VID);
    const struct ofp_oxm *pcp = ofp_match_get(m, OFPXMT_VLAN_PCP);
    uint16_t tci = 0, mask = 0, vid_mask, pcp_mask;

    if (!vid && !pcp) {
        return;
    }
    if (vid) {
        tci = (uint16_t)(get_be(vid->value, 2) & 0x1fff);
        mask = vid->has_mask ? (uint16_t)(get_be(vid->mask, 2) & 0x1fff) : 0x1fff;
    }
    if (pcp) {
        tci |= (uint16_t)((get_be(pcp->value, 1) & 7) << 13);
        mask |= VLAN_PCP_BITS;
    }
    vid_mask = mask & VLAN_VID_BITS;
    pcp_mask = mask & VLAN_PCP_BITS;
    if ((mask & tci & VLAN_CFI) && (!vid_mask || vid_mask == VLAN_VID_BITS) &&
        (vid_mask || pcp_mask)) {
        if (vid_mask) {
            sbuf_addf(out, "dl_vlan=%u,", tci & VLAN_VID_BITS);
        }
        if (pcp_mask) {
            sbuf_addf(out, "dl_vlan_pcp=%u,", tci >> 13);
        }
    } else if (mask == 0xffff) {
        sbuf_addf(out, "vlan_tci=0x%04x,", tci);
    } else {
        sbuf_addf(out, "vlan_tci=0x%04x/0x%04x,", tci, mask);
    }
}

/* The match in ovs-ofctl's order: priority, shorthand, in_port, VLAN, Ethernet, network,
 * transport.  Leaves a trailing comma for the caller to drop. */
static void fmt_match(const struct ofp_match *m, uint16_t priority, struct sbuf *out)
{
    const struct ofp_oxm *dl = ofp_match_get(m, OFPXMT_ETH_TYPE);
    const struct ofp_oxm *proto = ofp_match_get(m, OFPXMT_IP_PROTO);
    uint32_t type = dl ? get_be(dl->value, 2) : 0;
    int p = proto ? (int)get_be(proto->value, 1) : -1;
    bool type_done = false, proto_done = false;
    const char *name = NULL;

    if (priority != 0x8000) {
        sbuf_addf(out, "priority=%u,", priority);
    }
    if (dl && type == ETH_TYPE_IP) {
        name = p == PROTO_ICMP   ? "icmp"
               : p == PROTO_TCP  ? "tcp"
               : p == PROTO_UDP  ? "udp"
               : p == PROTO_SCTP ? "sctp"
                                 : "ip";
    } else if (dl && type == ETH_TYPE_IPV6) {
        name = p == PROTO_ICMPV6 ? "icmp6"
               : p == PROTO_TCP  ? "tcp6"
               : p == PROTO_UDP  ? "udp6"
               : p == PROTO_SCTP ? "sctp6"
                                 : "ipv6";
    } else if (dl && type == ETH_TYPE_ARP) {
        name = "arp";
    }
    if (name) {
        sbuf_addf(out, "%s,", name);
        type_done = true;
        proto_done = strcmp(name, "ip") && strcmp(name, "ipv6");
    }
    fmt_field(m, OFPXMT_IN_PORT, "in_port", out);
    fmt_vlan(m, out);
    fmt_field(m, OFPXMT_ETH_SRC, "dl_src", out);
    fmt_field(m, OFPXMT_ETH_DST, "dl_dst", out);
    if (dl && !type_done) {
        sbuf_addf(out, "dl_type=0x%04" PRIx32 ",", type);
    }
    fmt_field(m, OFPXMT_IPV6_SRC, "ipv6_src", out);
    fmt_field(m, OFPXMT_IPV6_DST, "ipv6_dst", out);
    fmt_field(m, OFPXMT_ARP_SPA, "arp_spa", out);
    fmt_field(m, OFPXMT_ARP_TPA, "arp_tpa", out);
    fmt_field(m, OFPXMT_IPV4_SRC, "nw_src", out);
    fmt_field(m, OFPXMT_IPV4_DST, "nw_dst", out);
    fmt_field(m, OFPXMT_ARP_OP, "arp_op", out);
    if (proto && !proto_done) {
        fmt_field(m, OFPXMT_IP_PROTO, "nw_proto", out);
    }
    fmt_field(m, OFPXMT_ARP_SHA, "arp_sha", out);
    fmt_field(m, OFPXMT_ARP_THA, "arp_tha", out);
    fmt_field(m, OFPXMT_IP_DSCP, "nw_tos", out);
    fmt_field(m, OFPXMT_ICMPV4_TYPE, "icmp_type", out);
    fmt_field(m, OFPXMT_ICMPV4_CODE, "icmp_code", out);
    fmt_field(m, OFPXMT_ICMPV6_TYPE, "icmp_type", out);
    fmt_field(m, OFPXMT_ICMPV6_CODE, "icmp_code", out);
    fmt_field(m, OFPXMT_IPV6_ND_TARGET, "nd_target", out);
    fmt_field(m, OFPXMT_IPV6_ND_SLL, "nd_sll", out);
    fmt_field(m, OFPXMT_IPV6_ND_TLL, "nd_tll", out);
    fmt_field(m, OFPXMT_TCP_SRC, "tp_src", out);
    fmt_field(m, OFPXMT_TCP_DST, "tp_dst", out);
    fmt_field(m, OFPXMT_UDP_SRC, "tp_src", out);
    fmt_field(m, OFPXMT_UDP_DST, "tp_dst", out);
}

/* ovs-ofctl's duration: no decimals for whole seconds, three for whole milliseconds, else as
 * many as the nanoseconds need. */
static void fmt_duration(uint32_t sec, uint32_t nsec, struct sbuf *out)
{
    char frac[16];
    size_t n;

    sbuf_addf(out, "%" PRIu32, sec);
    if (nsec) {
        snprintf(frac, sizeof(frac), "%09" PRIu32, nsec % 1000000000u);
        n = strlen(frac);
        while (n > 3 && frac[n - 1] == '0') {
            n--;
        }
        sbuf_addc(out, '.');
        sbuf_add(out, frac, n);
    }
    sbuf_addc(out, 's');
}

int ofpt_format_flow(const struct ofp_flow *f, unsigned flags, struct sbuf *out)
{
    bool stats = flags & OFPT_FMT_STATS;
    /* A delete or dump filter (which no flow to add can look like) is printed without
     * "table=255" and actions, as one would write it for del-flows. */
    bool filter = !stats && (f->table_id == OFPTT_ALL || f->cookie_mask || f->out_port != OFPP_ANY);
    size_t start;

    if (stats || f->cookie || f->cookie_mask) {
        sbuf_addf(out, "cookie=0x%" PRIx64, f->cookie);
        if (f->cookie_mask == UINT64_MAX) {
            sbuf_adds(out, "/-1");
        } else if (f->cookie_mask) {
            sbuf_addf(out, "/0x%" PRIx64, f->cookie_mask);
        }
        sbuf_adds(out, ", ");
    }
    if (stats) {
        sbuf_adds(out, "duration=");
        fmt_duration(f->duration_sec, f->duration_nsec, out);
        sbuf_adds(out, ", ");
    }
    /* A filter for table 0 must say so: without "table=" a filter means every table. */
    if (stats || (filter ? f->table_id != OFPTT_ALL : f->table_id != 0)) {
        sbuf_addf(out, "table=%u, ", f->table_id);
    }
    if (stats) {
        sbuf_addf(out, "n_packets=%" PRIu64 ", n_bytes=%" PRIu64 ", ", f->packet_count,
                  f->byte_count);
    }
    if (f->out_port != OFPP_ANY) {
        sbuf_adds(out, "out_port=");
        fmt_port(f->out_port, out);
        sbuf_adds(out, ", ");
    }
    if (f->idle_timeout) {
        sbuf_addf(out, "idle_timeout=%u, ", f->idle_timeout);
    }
    if (f->hard_timeout) {
        sbuf_addf(out, "hard_timeout=%u, ", f->hard_timeout);
    }
    for (size_t i = 0; i < ofpt_n_flag_names; i++) {
        if (f->flags & ofpt_flag_names[i].bit) {
            sbuf_addf(out, "%s ", ofpt_flag_names[i].name);
        }
    }
    start = out->len;
    fmt_match(&f->match, f->priority, out);
    if (filter) {
        /* No actions: drop the trailing separator of the match or of the flow keywords. */
        while (out->len && (out->data[out->len - 1] == ',' || out->data[out->len - 1] == ' ')) {
            out->data[--out->len] = '\0';
        }
        return sbuf_error(out);
    }
    if (out->len > start) {
        /* Replace the match's trailing comma by the space before the actions. */
        out->data[out->len - 1] = ' ';
    }
    sbuf_adds(out, "actions=");
    if (!f->n_actions) {
        sbuf_adds(out, "drop");
    }
    for (size_t i = 0; i < f->n_actions; i++) {
        const struct ofp_action *a = &f->actions[i];

        if (i) {
            sbuf_addc(out, ',');
        }
        if (a->type != OFPAT_OUTPUT) {
            sbuf_addf(out, "unknown_action_%u", a->type);
        } else if (a->port == OFPP_CONTROLLER) {
            sbuf_addf(out, "CONTROLLER:%u", a->max_len);
        } else if (a->port >= OFPP_IN_PORT) {
            fmt_port(a->port, out);
        } else {
            sbuf_addf(out, "output:%" PRIu32, a->port);
        }
    }
    return sbuf_error(out);
}
