/* The ovs-ofctl flow syntax, parsed into and printed from struct ofp_flow:
 * the form that spec §3.1's rules and the management flows are written in
 * (e.g. "cookie=1,in_port=5,priority=8000,dl_type=0x0800,nw_proto=0x11,
 * tp_dst=67,dl_src=fe:ff:ff:ff:ff:ff,idle_timeout=0,action=normal"), so that
 * rules are logged and shown in the form admins know. */
#ifndef XVS_OFP_TEXT_H
#define XVS_OFP_TEXT_H

#include "ofp.h"
#include "sbuf.h"

/* What the text is for: add-flow accepts actions and timeouts; del-flows and dump-flows
 * filters accept "cookie=V/MASK" and no actions, and leave priority unset unless strict. */
enum ofpt_usage {
    OFPT_ADD,
    OFPT_DEL,
    OFPT_DEL_STRICT,
};

/* Parses one flow in ovs-ofctl syntax into f (initialised here with ofp_flow_init()).
 * Keywords: cookie, table, priority, idle_timeout, hard_timeout, in_port (number, LOCAL,
 * or a name when resolve is non-NULL), dl_src, dl_dst (with /mask), dl_type, dl_vlan,
 * nw_src, nw_dst (with /prefix or /mask), nw_proto, tp_src, tp_dst, icmp_type, icmp_code,
 * arp_op, arp_spa, arp_tpa, arp_sha, arp_tha, ipv6_src, ipv6_dst (with /prefix), nd_target,
 * nd_sll, nd_tll, the shorthands ip, arp, icmp, tcp, udp, ipv6, icmp6, tcp6, udp6, and
 * actions=/action= with normal, local, drop, in_port, controller, output:N, N (case
 * insensitive).  Prerequisites are checked as OpenFlow does (tp_dst needs tcp or udp, etc.).
 * resolve (may be NULL) maps a port name to a number: returns 0 or -ENOENT.
 * Returns 0, or -EINVAL with a one-line message in *err (malloc'd, caller frees). */
int ofpt_parse_flow(const char *text, enum ofpt_usage usage,
                    int (*resolve)(const char *name, uint32_t *port, void *arg), void *arg,
                    struct ofp_flow *f, char **err);

/* Output flags for ofpt_format_flow(). */
enum {
    OFPT_FMT_STATS = 1 << 0, /* Prefix "cookie=0x1, duration=1.5s, table=0, n_packets=...". */
};

/* Appends f in ovs-ofctl's dump-flows form ("priority=8000,udp,in_port=5,dl_src=...,tp_dst=67
 * actions=NORMAL"), which ofpt_parse_flow() reads back into an equal flow (with the stats
 * prefix omitted; without OFPT_FMT_STATS a non-zero cookie is printed as "cookie=0x1,").
 * Returns 0 or -ENOMEM. */
int ofpt_format_flow(const struct ofp_flow *f, unsigned flags, struct sbuf *out);

#endif
