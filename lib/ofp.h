/* OpenFlow 1.3 wire codec: the messages a flow programmer needs (hello,
 * error, echo, features, flow_mod, multipart flow stats and port
 * descriptions, barrier), OXM matches for the fields the XenServer
 * anti-spoofing rules and the management flows use, and output actions.
 * Pure: bytes in, structs out and back; no I/O.
 *
 * A flow is plain data (struct ofp_flow) shared by the codec, the ovs-ofctl
 * text syntax (ofp_text.h) and the connection layer (ofconn.h). */
#ifndef XVS_OFP_H
#define XVS_OFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define OFP13_VERSION  0x04
#define OFP_HEADER_LEN 8
/* Largest message we accept from a peer (OpenFlow's length field is 16 bits). */
#define OFP_MAX_MSG 65535

/* Message types (OpenFlow 1.3.5 section 7.1). */
enum ofp_type {
    OFPT_HELLO = 0,
    OFPT_ERROR = 1,
    OFPT_ECHO_REQUEST = 2,
    OFPT_ECHO_REPLY = 3,
    OFPT_FEATURES_REQUEST = 5,
    OFPT_FEATURES_REPLY = 6,
    OFPT_PORT_STATUS = 12,
    OFPT_FLOW_MOD = 14,
    OFPT_MULTIPART_REQUEST = 18,
    OFPT_MULTIPART_REPLY = 19,
    OFPT_BARRIER_REQUEST = 20,
    OFPT_BARRIER_REPLY = 21,
};

/* flow_mod commands. */
enum ofp_flow_mod_command {
    OFPFC_ADD = 0,
    OFPFC_MODIFY = 1,
    OFPFC_MODIFY_STRICT = 2,
    OFPFC_DELETE = 3,
    OFPFC_DELETE_STRICT = 4,
};

/* Reserved port numbers. */
#define OFPP_MAX        0xffffff00u
#define OFPP_IN_PORT    0xfffffff8u
#define OFPP_TABLE      0xfffffff9u
#define OFPP_NORMAL     0xfffffffau
#define OFPP_FLOOD      0xfffffffbu
#define OFPP_ALL        0xfffffffcu
#define OFPP_CONTROLLER 0xfffffffdu
#define OFPP_LOCAL      0xfffffffeu
#define OFPP_ANY        0xffffffffu
#define OFPTT_ALL       0xff
#define OFPVID_PRESENT  0x1000

/* OXM basic-class field numbers (OpenFlow 1.3.5 section 7.2.3.7). */
enum ofp_oxm_field {
    OFPXMT_IN_PORT = 0,
    OFPXMT_ETH_DST = 3,
    OFPXMT_ETH_SRC = 4,
    OFPXMT_ETH_TYPE = 5,
    OFPXMT_VLAN_VID = 6,
    OFPXMT_VLAN_PCP = 7,
    OFPXMT_IP_DSCP = 8,
    OFPXMT_IP_PROTO = 10,
    OFPXMT_IPV4_SRC = 11,
    OFPXMT_IPV4_DST = 12,
    OFPXMT_TCP_SRC = 13,
    OFPXMT_TCP_DST = 14,
    OFPXMT_UDP_SRC = 15,
    OFPXMT_UDP_DST = 16,
    OFPXMT_ICMPV4_TYPE = 19,
    OFPXMT_ICMPV4_CODE = 20,
    OFPXMT_ARP_OP = 21,
    OFPXMT_ARP_SPA = 22,
    OFPXMT_ARP_TPA = 23,
    OFPXMT_ARP_SHA = 24,
    OFPXMT_ARP_THA = 25,
    OFPXMT_IPV6_SRC = 26,
    OFPXMT_IPV6_DST = 27,
    OFPXMT_ICMPV6_TYPE = 29,
    OFPXMT_ICMPV6_CODE = 30,
    OFPXMT_IPV6_ND_TARGET = 31,
    OFPXMT_IPV6_ND_SLL = 32,
    OFPXMT_IPV6_ND_TLL = 33,
};

#define OFP_MATCH_MAX   20
#define OFP_ACTIONS_MAX 16

/* One match field: value and (if has_mask) mask, in network byte order, len bytes each. */
struct ofp_oxm {
    uint8_t field; /* enum ofp_oxm_field */
    uint8_t len;   /* Value length: 1, 2, 4, 6 or 16. */
    bool has_mask;
    uint8_t value[16];
    uint8_t mask[16];
};

/* A match: at most one entry per field, kept sorted by field number (which is also an order
 * that puts every prerequisite before the fields that need it). */
struct ofp_match {
    size_t n;
    struct ofp_oxm f[OFP_MATCH_MAX];
};

/* Actions: output to a port (including NORMAL, LOCAL, IN_PORT, CONTROLLER); "drop" is an
 * empty action list. */
enum ofp_action_type {
    OFPAT_OUTPUT = 0,
};

struct ofp_action {
    uint16_t type;    /* enum ofp_action_type */
    uint32_t port;    /* OFPAT_OUTPUT */
    uint16_t max_len; /* OFPAT_OUTPUT to CONTROLLER: bytes to send; 0xffff = whole packet. */
};

/* A flow: what a flow_mod carries and what a flow-stats reply returns. */
struct ofp_flow {
    uint64_t cookie;
    uint64_t cookie_mask; /* flow_mod delete / stats request only. */
    uint8_t table_id;
    uint16_t priority;
    uint16_t idle_timeout, hard_timeout;
    uint16_t flags;
    uint32_t out_port; /* delete / stats request filter; OFPP_ANY when unused. */
    struct ofp_match match;
    size_t n_actions;
    struct ofp_action actions[OFP_ACTIONS_MAX];
    /* Filled by flow-stats replies only. */
    uint32_t duration_sec, duration_nsec;
    uint64_t packet_count, byte_count;
};

/* A port as an OFPMP_PORT_DESC reply describes it (OpenFlow 1.3.5 section 7.2.1). */
#define OFP_PORT_NAME_LEN 16

/* Port config bits. */
#define OFPPC_PORT_DOWN    (1u << 0)
#define OFPPC_NO_RECV      (1u << 2)
#define OFPPC_NO_FWD       (1u << 5)
#define OFPPC_NO_PACKET_IN (1u << 6)
/* Port state bits. */
#define OFPPS_LINK_DOWN (1u << 0)
#define OFPPS_BLOCKED   (1u << 1)
#define OFPPS_LIVE      (1u << 2)

struct ofp_port {
    uint32_t port_no; /* A number up to OFPP_MAX, or OFPP_LOCAL for the bridge's own port. */
    uint8_t hw_addr[6];
    char name[OFP_PORT_NAME_LEN]; /* NUL-terminated. */
    uint32_t config;              /* OFPPC_* bits. */
    uint32_t state;               /* OFPPS_* bits. */
    /* OFPPF_* feature bits (1.3.5 section 7.2.1): current, advertised, supported, peer's. */
    uint32_t curr, advertised, supported, peer;
    uint32_t curr_speed, max_speed; /* kbps. */
};

/* The fixed header of every message. */
struct ofp_header {
    uint8_t version;
    uint8_t type;
    uint16_t length;
    uint32_t xid;
};

/* Initialises a flow with OpenFlow's defaults: priority 0x8000, table 0, no timeouts, no
 * match, no actions (drop), out_port OFPP_ANY. */
void ofp_flow_init(struct ofp_flow *f);

/* Match helpers.  ofp_match_set() adds or replaces one field (mask NULL = exact), keeping the
 * fields sorted; returns 0, -EINVAL (len wrong for the field) or -ENOSPC.  ofp_match_get()
 * returns the entry or NULL. */
int ofp_match_set(struct ofp_match *m, uint8_t field, const void *value, const void *mask,
                  size_t len);
const struct ofp_oxm *ofp_match_get(const struct ofp_match *m, uint8_t field);
/* Value length of a field we know, or 0 for one we do not. */
size_t ofp_oxm_len(uint8_t field);

/* Parses the fixed header of a message.  Returns 0, or -EINVAL if len < 8 or the header's
 * length field is < 8.  A complete message is h->length bytes. */
int ofp_decode_header(const uint8_t *buf, size_t len, struct ofp_header *h);

/* Encoders append one whole message to out; each returns 0 or -ENOMEM / -EINVAL. */
/* HELLO with a version bitmap element that offers OpenFlow 1.3 only. */
int ofp_encode_hello(struct sbuf *out, uint32_t xid);
/* Messages with no body: FEATURES_REQUEST, BARRIER_REQUEST; ECHO_REQUEST/REPLY with payload
 * (data may be NULL when len is 0). */
int ofp_encode_simple(struct sbuf *out, uint8_t type, uint32_t xid, const void *data, size_t len);
/* A flow_mod (command from enum ofp_flow_mod_command) built from f; actions go in one
 * APPLY_ACTIONS instruction (none for an empty list). */
int ofp_encode_flow_mod(struct sbuf *out, uint32_t xid, uint8_t command, const struct ofp_flow *f);
/* A flow-stats multipart request filtered by f's table_id (OFPTT_ALL for all), out_port,
 * cookie/cookie_mask and match. */
int ofp_encode_flow_stats_request(struct sbuf *out, uint32_t xid, const struct ofp_flow *f);
/* A port-description multipart request (OFPMP_PORT_DESC, no body). */
int ofp_encode_port_desc_request(struct sbuf *out, uint32_t xid);
/* A port-description multipart reply listing n ports (used by tests and by the switch side;
 * more sets the REPLY_MORE flag).  -EINVAL if the ports do not fit in one message or a name is
 * not NUL-terminated. */
int ofp_encode_port_desc_reply(struct sbuf *out, uint32_t xid, const struct ofp_port *ports,
                               size_t n, bool more);
/* An ERROR message (used by tests and by the switch side). */
int ofp_encode_error(struct sbuf *out, uint32_t xid, uint16_t type, uint16_t code, const void *data,
                     size_t len);

/* Decoders take one whole message (buf, len = header length).  Each returns 0 or -EINVAL with
 * a one-line reason in *why (static text, may be NULL) for malformed input. */
int ofp_decode_hello(const uint8_t *buf, size_t len, bool *offers_13, const char **why);
int ofp_decode_error(const uint8_t *buf, size_t len, uint16_t *type, uint16_t *code,
                     const char **why);
/* FEATURES_REPLY: datapath id and number of tables. */
int ofp_decode_features_reply(const uint8_t *buf, size_t len, uint64_t *dpid, uint8_t *n_tables,
                              const char **why);
int ofp_decode_flow_mod(const uint8_t *buf, size_t len, uint8_t *command, struct ofp_flow *f,
                        const char **why);
/* A flow-stats multipart reply: appends its flows to *flows (realloc'd; *n updated) and sets
 * *more if the REPLY_MORE flag is set.  Unknown OXM fields or actions make it fail. */
int ofp_decode_flow_stats_reply(const uint8_t *buf, size_t len, struct ofp_flow **flows, size_t *n,
                                bool *more, const char **why);

/* A port-description multipart reply: appends its ports to *ports (realloc'd; *n updated) and
 * sets *more if the REPLY_MORE flag is set.  A port whose name is not NUL-terminated within
 * its 16 bytes makes it fail; a malformed reply leaves *ports and *n as they were. */
int ofp_decode_port_desc_reply(const uint8_t *buf, size_t len, struct ofp_port **ports, size_t *n,
                               bool *more, const char **why);

/* "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ"-style name of an error (static; numeric text for unknown
 * codes is formatted into a per-thread buffer). */
const char *ofp_error_name(uint16_t type, uint16_t code);

#endif
