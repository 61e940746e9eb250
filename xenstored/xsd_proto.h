/* The xenstored wire protocol: framing and payload helpers.
 *
 * Every message is a struct xsd_sockmsg header (type, req_id, tx_id, len, in
 * host byte order since the transport is a local unix socket) followed by
 * "len" payload bytes, at most XENSTORE_PAYLOAD_MAX.  Payloads are mostly
 * NUL-terminated strings; WRITE carries a raw value after its path. */
#ifndef XVS_XSD_PROTO_H
#define XVS_XSD_PROTO_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "sbuf.h"

#define XSD_HDR_LEN ((size_t)sizeof(struct xsd_sockmsg))
#define XSD_MSG_MAX (XSD_HDR_LEN + XENSTORE_PAYLOAD_MAX)

/* Looks for one complete message at the start of "buf" ("len" bytes).
 * Returns 1 and fills *hdr (and *payload, pointing into buf) when a whole
 * message is there, 0 when more bytes are needed, -E2BIG when the header
 * announces a payload larger than XENSTORE_PAYLOAD_MAX, or -EINVAL when the
 * type is XS_INVALID or beyond the largest type any client could send.  The
 * message occupies XSD_HDR_LEN + hdr->len bytes. */
int xsd_msg_parse(const void *buf, size_t len, struct xsd_sockmsg *hdr, const char **payload);

/* Appends one message to "out".  Returns 0, -E2BIG when "len" exceeds
 * XENSTORE_PAYLOAD_MAX (nothing is appended), or -ENOMEM. */
int xsd_msg_encode(struct sbuf *out, uint32_t type, uint32_t req_id, uint32_t tx_id,
                   const void *payload, size_t len);

/* Splits "payload" into its NUL-terminated strings: up to "max" pointers
 * (into payload) go to argv, the count to *argc.  Returns 0, or -EINVAL when
 * the payload does not end with a NUL (or is empty) or holds more than "max"
 * strings. */
int xsd_split_strings(const char *payload, size_t len, const char **argv, size_t max, size_t *argc);

/* The xenstored error string for the positive errno "err" ("ENOENT"...); errors
 * the protocol has no name for map to "EINVAL". */
const char *xsd_error_name(int err);

/* The name of a message type ("READ"...) for log lines, "UNKNOWN" otherwise. */
const char *xsd_type_name(uint32_t type);

/* Parses a decimal unsigned integer that fits in 32 bits (no sign, no
 * spaces).  Returns 0 or -EINVAL. */
int xsd_parse_u32(const char *s, uint32_t *out);

#endif
