/* The xenstored wire protocol: framing, encoding and payload splitting. */
#include "xsd_proto.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

int xsd_msg_parse(const void *buf, size_t len, struct xsd_sockmsg *hdr, const char **payload)
{
    if (len < XSD_HDR_LEN) {
        return 0;
    }
    memcpy(hdr, buf, XSD_HDR_LEN);
    /* Reject the header before waiting for its payload, so a peer cannot
     * make us buffer an arbitrary amount. */
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        return -E2BIG;
    }
    if (hdr->type >= XS_TYPE_COUNT) {
        return -EINVAL;
    }
    if (len - XSD_HDR_LEN < hdr->len) {
        return 0;
    }
    *payload = (const char *)buf + XSD_HDR_LEN;
    return 1;
}

int xsd_msg_encode(struct sbuf *out, uint32_t type, uint32_t req_id, uint32_t tx_id,
                   const void *payload, size_t len)
{
    struct xsd_sockmsg hdr;
    size_t old = out->len;
    int rc;

    if (len > XENSTORE_PAYLOAD_MAX) {
        return -E2BIG;
    }
    hdr.type = type;
    hdr.req_id = req_id;
    hdr.tx_id = tx_id;
    hdr.len = (uint32_t)len;
    rc = sbuf_reserve(out, XSD_HDR_LEN + len);
    if (rc < 0) {
        return rc;
    }
    rc = sbuf_add(out, &hdr, XSD_HDR_LEN);
    if (rc == 0 && len > 0) {
        rc = sbuf_add(out, payload, len);
    }
    if (rc < 0) {
        /* Never leave half a message queued. */
        out->len = old;
        if (out->data) {
            out->data[old] = '\0';
        }
    }
    return rc;
}

int xsd_split_strings(const char *payload, size_t len, const char **argv, size_t max, size_t *argc)
{
    size_t n = 0, i = 0;

    *argc = 0;
    if (len == 0 || payload[len - 1] != '\0') {
        return -EINVAL;
    }
    while (i < len) {
        if (n == max) {
            return -EINVAL;
        }
        argv[n++] = payload + i;
        i += strlen(payload + i) + 1;
    }
    *argc = n;
    return 0;
}

const char *xsd_error_name(int err)
{
    size_t i;

    for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
        if (xsd_errors[i].errnum == err) {
            return xsd_errors[i].errstring;
        }
    }
    return "EINVAL";
}

const char *xsd_type_name(uint32_t type)
{
    static const char *const names[] = {
            [XS_CONTROL] = "CONTROL",
            [XS_DIRECTORY] = "DIRECTORY",
            [XS_READ] = "READ",
            [XS_GET_PERMS] = "GET_PERMS",
            [XS_WATCH] = "WATCH",
            [XS_UNWATCH] = "UNWATCH",
            [XS_TRANSACTION_START] = "TRANSACTION_START",
            [XS_TRANSACTION_END] = "TRANSACTION_END",
            [XS_INTRODUCE] = "INTRODUCE",
            [XS_RELEASE] = "RELEASE",
            [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
            [XS_WRITE] = "WRITE",
            [XS_MKDIR] = "MKDIR",
            [XS_RM] = "RM",
            [XS_SET_PERMS] = "SET_PERMS",
            [XS_WATCH_EVENT] = "WATCH_EVENT",
            [XS_ERROR] = "ERROR",
            [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
            [XS_RESUME] = "RESUME",
            [XS_SET_TARGET] = "SET_TARGET",
            [XS_RESET_WATCHES] = "RESET_WATCHES",
            [XS_DIRECTORY_PART] = "DIRECTORY_PART",
    };

    if (type < sizeof(names) / sizeof(names[0]) && names[type]) {
        return names[type];
    }
    return "UNKNOWN";
}

int xsd_parse_u32(const char *s, uint32_t *out)
{
    unsigned long long v = 0;

    if (*s == '\0') {
        return -EINVAL;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return -EINVAL;
        }
        v = v * 10 + (unsigned)(*s - '0');
        if (v > UINT32_MAX) {
            return -EINVAL;
        }
    }
    *out = (uint32_t)v;
    return 0;
}
