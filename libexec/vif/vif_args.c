/* Command line and value checks of the vif hotplug program: the two argv
 * forms of XenServer's scripts (the udev wrapper's and vif-real's), the
 * environment they rely on (XENBUS_PATH, INTERFACE), and validators for the
 * values vif reads from xenstore (ids, MAC addresses, uuids, VLAN lists).
 * Pure functions, no I/O. */
#include "vif_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

const char *vif_action_name(enum vif_action a)
{
    switch (a) {
    case VIF_ACT_ONLINE:
        return "online";
    case VIF_ACT_ADD:
        return "add";
    case VIF_ACT_REMOVE:
        return "remove";
    case VIF_ACT_MOVE:
        return "move";
    case VIF_ACT_OFFLINE:
        return "offline";
    case VIF_ACT_BIND:
        return "bind";
    case VIF_ACT_UNBIND:
        return "unbind";
    }
    return "?";
}

static int parse_action(const char *s, enum vif_action *a)
{
    static const enum vif_action all[] = {VIF_ACT_ONLINE, VIF_ACT_ADD,     VIF_ACT_REMOVE,
                                          VIF_ACT_MOVE,   VIF_ACT_OFFLINE, VIF_ACT_BIND,
                                          VIF_ACT_UNBIND};

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!strcmp(s, vif_action_name(all[i]))) {
            *a = all[i];
            return 0;
        }
    }
    return -EINVAL;
}

static int parse_type(const char *s, enum vif_type *t)
{
    if (!strcmp(s, "vif")) {
        *t = VIF_TYPE_VIF;
    } else if (!strcmp(s, "tap")) {
        *t = VIF_TYPE_TAP;
    } else {
        return -EINVAL;
    }
    return 0;
}

int vif_parse_id(const char *s, unsigned max, unsigned *out)
{
    unsigned long v = 0;
    size_t i;

    if (!s || !s[0] || (s[0] == '0' && s[1]) || strlen(s) > 10) {
        return -EINVAL;
    }
    for (i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -EINVAL;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > max) {
        return -EINVAL;
    }
    *out = (unsigned)v;
    return 0;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

int vif_parse_mac(const char *s, unsigned char mac[6])
{
    if (!s || strlen(s) != 17) {
        return -EINVAL;
    }
    for (int i = 0; i < 6; i++) {
        int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':')) {
            return -EINVAL;
        }
        mac[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int vif_check_uuid(const char *s)
{
    if (!s || strlen(s) != 36) {
        return -EINVAL;
    }
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : hexval(s[i]) < 0) {
            return -EINVAL;
        }
    }
    return 0;
}

int vif_parse_trunks(const char *s, char **out)
{
    struct sbuf b = SBUF_INIT;
    const char *p = s, *end;
    size_t n = 0;
    int r = -EINVAL;

    if (!s) {
        return -EINVAL;
    }
    end = s + strlen(s);
    while (p < end && *p == ' ') {
        p++;
    }
    while (end > p && end[-1] == ' ') {
        end--;
    }
    if (p < end && *p == '[') {
        if (end[-1] != ']') {
            goto out;
        }
        p++;
        end--;
    }
    sbuf_addc(&b, '[');
    while (p < end) {
        unsigned v = 0;
        size_t digits = 0;

        while (p < end && *p == ' ') {
            p++;
        }
        while (p < end && *p >= '0' && *p <= '9') {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (++digits > 4) {
                goto out;
            }
        }
        while (p < end && *p == ' ') {
            p++;
        }
        if (!digits || v > 4095 || (p < end && *p != ',')) {
            goto out;
        }
        if (p < end && ++p == end) {
            goto out; /* A trailing comma. */
        }
        sbuf_addf(&b, "%s%u", n++ ? "," : "", v);
    }
    sbuf_addc(&b, ']');
    if (sbuf_error(&b) < 0) {
        r = -ENOMEM;
        goto out;
    }
    *out = n ? sbuf_steal(&b, NULL) : strdup("");
    r = *out ? 0 : -ENOMEM;
out:
    sbuf_free(&b);
    return r;
}

static int set_msg(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int set_msg(char **msg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(msg, fmt, ap) < 0) {
        *msg = NULL;
    }
    va_end(ap);
    return -EINVAL;
}

/* XENBUS_PATH is "backend/vif/<domid>/<devid>", relative to dom0's home, or the same under
 * /local/domain/0/. */
static int parse_xenbus_path(const char *xp, unsigned *domid, unsigned *devid)
{
    static const char abs_home[] = "/local/domain/0/";
    char buf[64], *d, *n;

    if (!strncmp(xp, abs_home, sizeof(abs_home) - 1)) {
        xp += sizeof(abs_home) - 1;
    }
    if (strncmp(xp, "backend/vif/", 12) != 0 || strlen(xp) >= sizeof(buf)) {
        return -EINVAL;
    }
    strcpy(buf, xp + 12);
    d = buf;
    n = strchr(d, '/');
    if (!n) {
        return -EINVAL;
    }
    *n++ = '\0';
    if (vif_parse_id(d, VIF_DOMID_MAX, domid) < 0 || *domid == 0 ||
        vif_parse_id(n, VIF_DEVID_MAX, devid) < 0) {
        return -EINVAL;
    }
    return 0;
}

/* INTERFACE is "tap<domid>.<devid>". */
static int parse_interface(const char *itf, unsigned *domid, unsigned *devid)
{
    char buf[32], *dot;

    if (strncmp(itf, "tap", 3) != 0 || strlen(itf) >= sizeof(buf)) {
        return -EINVAL;
    }
    strcpy(buf, itf + 3);
    dot = strchr(buf, '.');
    if (!dot) {
        return -EINVAL;
    }
    *dot++ = '\0';
    if (vif_parse_id(buf, VIF_DOMID_MAX, domid) < 0 || *domid == 0 ||
        vif_parse_id(dot, VIF_DEVID_MAX, devid) < 0) {
        return -EINVAL;
    }
    return 0;
}

int vif_parse_args(int argc, char *const *argv, const char *xenbus_path, const char *interface,
                   struct vif_req *req, char **msg)
{
    *msg = NULL;
    if (argc == 2 && !strncmp(argv[1], "type_if=", 8)) {
        /* The udev wrapper form. */
        const char *t = argv[1] + 8;

        if (parse_action(argv[0], &req->action) < 0) {
            return set_msg(msg, "Unknown action: %.32s", argv[0]);
        }
        if (parse_type(t, &req->type) < 0) {
            return set_msg(msg, "Unknown type: %.32s", t);
        }
        if (req->type == VIF_TYPE_VIF) {
            if (!xenbus_path || !*xenbus_path) {
                return set_msg(msg, "XENBUS_PATH is not set");
            }
            if (parse_xenbus_path(xenbus_path, &req->domid, &req->devid) < 0) {
                return set_msg(msg, "XENBUS_PATH is not backend/vif/<domid>/<devid>");
            }
        } else {
            if (!interface || !*interface) {
                return set_msg(msg, "INTERFACE is not set");
            }
            if (parse_interface(interface, &req->domid, &req->devid) < 0) {
                return set_msg(msg, "INTERFACE is not tap<domid>.<devid>");
            }
        }
        return 0;
    }
    if (argc < 4 || argc > 5) {
        return set_msg(msg, "Usage: vif [OPTION]... ACTION type_if=vif|tap, or "
                            "vif [OPTION]... TYPE DOMID DEVID ACTION");
    }
    /* The vif-real form; its fifth "dummy" argument is accepted and ignored (Q19). */
    if (parse_type(argv[0], &req->type) < 0) {
        return set_msg(msg, "Unknown type: %.32s", argv[0]);
    }
    if (vif_parse_id(argv[1], VIF_DOMID_MAX, &req->domid) < 0 || req->domid == 0) {
        return set_msg(msg, "Invalid domid: %.32s", argv[1]);
    }
    if (vif_parse_id(argv[2], VIF_DEVID_MAX, &req->devid) < 0) {
        return set_msg(msg, "Invalid devid: %.32s", argv[2]);
    }
    if (parse_action(argv[3], &req->action) < 0) {
        return set_msg(msg, "Unknown action: %.32s", argv[3]);
    }
    if (req->type == VIF_TYPE_VIF && xenbus_path && *xenbus_path) {
        unsigned d, n;

        if (parse_xenbus_path(xenbus_path, &d, &n) < 0 || d != req->domid || n != req->devid) {
            return set_msg(msg, "XENBUS_PATH does not name backend/vif/%u/%u", req->domid,
                           req->devid);
        }
    }
    return 0;
}

bool vif_is_noop(const struct vif_req *req)
{
    switch (req->action) {
    case VIF_ACT_ONLINE:
    case VIF_ACT_MOVE:
        return req->type != VIF_TYPE_VIF;
    case VIF_ACT_ADD:
        return req->type != VIF_TYPE_TAP;
    case VIF_ACT_REMOVE:
        return false;
    case VIF_ACT_OFFLINE:
    case VIF_ACT_BIND:
    case VIF_ACT_UNBIND:
        return true;
    }
    return true;
}
