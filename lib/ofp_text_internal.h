/* Private to lib/ofp_text.c (the parser) and lib/ofp_text_fmt.c (the
 * printer): protocol numbers both sides name, the flow-mod flag table, and
 * the value forms (numbers, Ethernet and IPv4 addresses, prefix masks, port
 * names) that the parser reads and the printer writes.  Not for other
 * modules: use ofp_text.h. */
#ifndef XVS_OFP_TEXT_INTERNAL_H
#define XVS_OFP_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_TYPE_IP   0x0800
#define ETH_TYPE_ARP  0x0806
#define ETH_TYPE_IPV6 0x86dd
#define PROTO_ICMP    1
#define PROTO_TCP     6
#define PROTO_UDP     17
#define PROTO_ICMPV6  58
#define PROTO_SCTP    132
#define VLAN_CFI      0x1000
#define VLAN_VID_BITS 0x0fff
#define VLAN_PCP_BITS 0xe000

/* Flow-mod flags of OpenFlow 1.3, in the order ovs-ofctl prints them. */
struct ofpt_flag_name {
    const char *name;
    uint16_t bit;
};

extern const struct ofpt_flag_name ofpt_flag_names[];
extern const size_t ofpt_n_flag_names;

/* Parses a decimal or 0x-hexadecimal number up to max into *out.  Returns 0, -EINVAL (not a
 * number) or -ERANGE (above max). */
int ofpt_parse_num(const char *s, uint64_t max, uint64_t *out);

/* Parses "xx:xx:xx:xx:xx:xx" (one or two hex digits each) into mac.  Returns true if valid. */
bool ofpt_parse_mac(const char *s, uint8_t mac[6]);

/* Parses a strict dotted quad into ip.  Returns true if valid. */
bool ofpt_parse_ip4(const char *s, uint8_t ip[4]);

/* Writes the mask of a bits-long prefix over len bytes (bits <= 8 * len). */
void ofpt_prefix_mask(unsigned bits, uint8_t *mask, size_t len);

/* Parses a port: a reserved name (any case), a number (0 to OFPP_MAX or a reserved number), or
 * a name that resolve (may be NULL) maps.  Returns 0 with *port, -ERANGE for a number out of
 * range, or -ENOENT. */
int ofpt_parse_port(const char *s, int (*resolve)(const char *, uint32_t *, void *), void *arg,
                    uint32_t *port);

#endif
