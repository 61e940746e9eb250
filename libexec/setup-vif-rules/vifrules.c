/* setup-vif-rules: validation of locking configuration values and the
 * generator of the locked-mode rules (OpenFlow as ovs-ofctl text, ebtables
 * as argv vectors), exactly in the order and form of spec §3.1. */
#include "vifrules.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbuf.h"

void vfr_strv_free(struct vfr_strv *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

int vfr_strv_add(struct vfr_strv *s, const char *str)
{
    char **v;
    char *copy = strdup(str);

    if (!copy) {
        return -ENOMEM;
    }
    /* Room for the new string and the terminating NULL. */
    v = realloc(s->v, (s->n + 2) * sizeof *v);
    if (!v) {
        free(copy);
        return -ENOMEM;
    }
    v[s->n++] = copy;
    v[s->n] = NULL;
    s->v = v;
    return 0;
}

void vfr_cmds_free(struct vfr_cmds *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        vfr_strv_free(&c->cmd[i]);
    }
    free(c->cmd);
    c->cmd = NULL;
    c->n = 0;
}

int vfr_parse_mac(const char *text, char out[VFR_MAC_LEN])
{
    if (!text || strlen(text) != VFR_MAC_LEN - 1) {
        return -EINVAL;
    }
    for (size_t i = 0; i < VFR_MAC_LEN - 1; i++) {
        bool colon = i % 3 == 2;

        if (colon ? text[i] != ':' : !isxdigit((unsigned char)text[i])) {
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < VFR_MAC_LEN; i++) {
        out[i] = (char)tolower((unsigned char)text[i]);
    }
    return 0;
}

int vfr_parse_locking(const char *text, enum vfr_locking *mode)
{
    if (!text) {
        return -EINVAL;
    }
    if (!strcasecmp(text, "locked")) {
        *mode = VFR_LOCKED;
    } else if (!strcasecmp(text, "disabled")) {
        *mode = VFR_DISABLED;
    } else if (!strcasecmp(text, "unlocked") || !strcasecmp(text, "network_default") || !*text) {
        *mode = VFR_UNLOCKED;
    } else {
        return -EINVAL;
    }
    return 0;
}

const char *vfr_locking_name(enum vfr_locking mode)
{
    switch (mode) {
    case VFR_LOCKED:
        return "locked";
    case VFR_DISABLED:
        return "disabled";
    case VFR_UNLOCKED:
    default:
        return "unlocked";
    }
}

int vfr_add_ipv4(struct vfr_lock *l, const char *text)
{
    struct in_addr a;

    if (!text || inet_pton(AF_INET, text, &a) != 1) {
        return -EINVAL;
    }
    if (l->n_ipv4 >= VFR_MAX_ADDRS) {
        return -E2BIG;
    }
    if (!inet_ntop(AF_INET, &a, l->ipv4[l->n_ipv4], sizeof l->ipv4[0])) {
        return -EINVAL;
    }
    l->n_ipv4++;
    return 0;
}

int vfr_add_ipv6(struct vfr_lock *l, const char *text)
{
    struct in6_addr a;

    if (!text || inet_pton(AF_INET6, text, &a) != 1) {
        return -EINVAL;
    }
    if (l->n_ipv6 >= VFR_MAX_ADDRS) {
        return -E2BIG;
    }
    if (!inet_ntop(AF_INET6, &a, l->ipv6[l->n_ipv6], sizeof l->ipv6[0])) {
        return -EINVAL;
    }
    l->n_ipv6++;
    return 0;
}

int vfr_add_list(struct vfr_lock *l, int af, const char *csv, char bad_item[64])
{
    const char *p = csv;

    if (af != AF_INET && af != AF_INET6) {
        return -EINVAL;
    }
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[INET6_ADDRSTRLEN + 1];
        int r;

        /* Blanks around an item are not part of it. */
        while (len && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len && isspace((unsigned char)p[len - 1])) {
            len--;
        }
        if (len >= sizeof item) {
            r = -EINVAL;
        } else if (len == 0) {
            r = 0;
        } else {
            memcpy(item, p, len);
            item[len] = '\0';
            r = af == AF_INET ? vfr_add_ipv4(l, item) : vfr_add_ipv6(l, item);
        }
        if (r < 0) {
            if (r == -EINVAL && bad_item) {
                snprintf(bad_item, 64, "%.*s", (int)(len < 63 ? len : 63), p);
            }
            return r;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

bool vfr_safe_token(const char *s, size_t max)
{
    size_t len;

    if (!s || !*s || *s == '.') {
        return false;
    }
    len = strlen(s);
    if (len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!isalnum(c) && c != '_' && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

int vfr_parse_uint(const char *s, unsigned *out)
{
    unsigned long v;
    char *end;

    if (!s || !isdigit((unsigned char)*s)) {
        return -EINVAL;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v > UINT_MAX) {
        return -EINVAL;
    }
    *out = (unsigned)v;
    return 0;
}

int vfr_parse_vif_name(const char *name, char type[4], unsigned *domid, unsigned *devid)
{
    char num[16];
    const char *dot;
    size_t len;

    /* IFNAMSIZ is 16: a longer name is not an interface. */
    if (!name || strlen(name) > 15 || (strncmp(name, "vif", 3) && strncmp(name, "tap", 3))) {
        return -EINVAL;
    }
    dot = strchr(name + 3, '.');
    if (!dot) {
        return -EINVAL;
    }
    len = (size_t)(dot - (name + 3));
    if (len == 0 || len >= sizeof num) {
        return -EINVAL;
    }
    memcpy(num, name + 3, len);
    num[len] = '\0';
    if (vfr_parse_uint(num, domid) < 0 || vfr_parse_uint(dot + 1, devid) < 0) {
        return -EINVAL;
    }
    memcpy(type, name, 3);
    type[3] = '\0';
    return 0;
}

/* Appends one rule "cookie=1,in_port=<port>,<fmt...>" to out. */
static int add_rule(struct vfr_strv *out, const char *port, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int add_rule(struct vfr_strv *out, const char *port, const char *fmt, ...)
{
    struct sbuf b = SBUF_INIT;
    va_list ap;
    char *tail = NULL;
    int r;

    va_start(ap, fmt);
    r = vasprintf(&tail, fmt, ap);
    va_end(ap);
    if (r < 0) {
        return -ENOMEM;
    }
    sbuf_addf(&b, "cookie=%d,in_port=%s,%s", VFR_COOKIE, port, tail);
    r = sbuf_error(&b);
    if (r == 0) {
        r = vfr_strv_add(out, sbuf_str(&b));
    }
    free(tail);
    sbuf_free(&b);
    return r;
}

int vfr_ovs_rules(const struct vfr_lock *l, const char *port, struct vfr_strv *out)
{
    /* The ICMPv6 types a guest must never send (spec §3.1 step 6): router advertisement,
     * redirect, mobile prefix solicitation/advertisement, multicast router
     * advertisement/solicitation/termination. */
    static const int icmp6_drops[] = {134, 137, 146, 147, 151, 152, 153};
    static const char *const l4[] = {"icmp6", "tcp6", "udp6"};
    const char *m = l->mac;
    int r = 0;

    if (l->mode != VFR_LOCKED) {
        return 0;
    }
    /* DHCP requests from the VIF's own MAC. */
    r |= add_rule(out, port,
                  "priority=8000,dl_type=0x0800,nw_proto=0x11,tp_dst=67,dl_src=%s,"
                  "idle_timeout=0,action=normal",
                  m);
    /* ARP probes (sender address 0.0.0.0) from the VIF's own MAC. */
    r |= add_rule(out, port,
                  "priority=7000,dl_type=0x0806,dl_src=%s,arp_sha=%s,nw_src=0.0.0.0,"
                  "idle_timeout=0,action=normal",
                  m, m);
    for (size_t i = 0; i < l->n_ipv4; i++) {
        const char *a = l->ipv4[i];

        r |= add_rule(out, port,
                      "priority=7000,dl_type=0x0806,dl_src=%s,arp_sha=%s,nw_src=%s,"
                      "idle_timeout=0,action=normal",
                      m, m, a);
        r |= add_rule(out, port,
                      "priority=6000,dl_type=0x0800,nw_src=%s,dl_src=%s,idle_timeout=0,"
                      "action=normal",
                      a, m);
    }
    for (size_t i = 0; i < l->n_ipv6; i++) {
        const char *b = l->ipv6[i];

        /* Neighbour solicitation and advertisement for the allowed address only. */
        r |= add_rule(out, port,
                      "priority=8000,dl_src=%s,icmp6,ipv6_src=%s,icmp_type=135,nd_sll=%s,"
                      "idle_timeout=0,action=normal",
                      m, b, m);
        r |= add_rule(out, port,
                      "priority=8000,dl_src=%s,icmp6,ipv6_src=%s,icmp_type=136,nd_target=%s,"
                      "idle_timeout=0,action=normal",
                      m, b, b);
        for (size_t k = 0; k < sizeof l4 / sizeof l4[0]; k++) {
            r |= add_rule(out, port, "priority=5000,dl_src=%s,ipv6_src=%s,%s,action=normal", m, b,
                          l4[k]);
        }
    }
    /* Every other neighbour discovery message is dropped. */
    r |= add_rule(out, port, "priority=7000,icmp6,icmp_type=135,action=drop");
    r |= add_rule(out, port, "priority=7000,icmp6,icmp_type=136,action=drop");
    for (size_t k = 0; k < sizeof icmp6_drops / sizeof icmp6_drops[0]; k++) {
        r |= add_rule(out, port, "priority=6000,icmp6,icmp_type=%d,action=drop", icmp6_drops[k]);
    }
    /* Everything else from the VIF is dropped. */
    r |= add_rule(out, port, "priority=4000,idle_timeout=0,action=drop");
    /* Each add_rule() returns 0 or -ENOMEM, so any bit set means an allocation failed. */
    return r ? -ENOMEM : 0;
}

void vfr_ebtables_chain(const char *vif, char buf[32])
{
    snprintf(buf, 32, "FORWARD_%s", vif);
}

/* Appends one command: "ebtables" followed by the NULL-terminated arguments. */
static int add_cmd(struct vfr_cmds *out, ...)
{
    struct vfr_strv argv = {NULL, 0};
    struct vfr_strv *cmds;
    const char *a;
    va_list ap;
    int r = vfr_strv_add(&argv, "ebtables");

    va_start(ap, out);
    while (r == 0 && (a = va_arg(ap, const char *)) != NULL) {
        r = vfr_strv_add(&argv, a);
    }
    va_end(ap);
    if (r < 0) {
        vfr_strv_free(&argv);
        return r;
    }
    cmds = realloc(out->cmd, (out->n + 1) * sizeof *cmds);
    if (!cmds) {
        vfr_strv_free(&argv);
        return -ENOMEM;
    }
    cmds[out->n++] = argv;
    out->cmd = cmds;
    return 0;
}

int vfr_ebtables_rules(const struct vfr_lock *l, const char *vif, struct vfr_cmds *out)
{
    char chain[32];
    const char *m = l->mac;
    int r = 0;

    if (l->mode != VFR_LOCKED) {
        return 0;
    }
    vfr_ebtables_chain(vif, chain);
    /* Everything to and from the VIF goes through its own chain, whose policy is DROP. */
    r |= add_cmd(out, "-N", chain, (const char *)NULL);
    r |= add_cmd(out, "-A", "FORWARD", "-i", vif, "-j", chain, (const char *)NULL);
    r |= add_cmd(out, "-A", "FORWARD", "-o", vif, "-j", chain, (const char *)NULL);
    r |= add_cmd(out, "-P", chain, "DROP", (const char *)NULL);
    /* Traffic towards the VM is not filtered. */
    r |= add_cmd(out, "-A", chain, "-o", vif, "-j", "ACCEPT", (const char *)NULL);
    r |= add_cmd(out, "-A", chain, "-s", "!", m, "-i", vif, "-j", "DROP", (const char *)NULL);
    r |= add_cmd(out, "-A", chain, "-p", "IPv4", "-i", vif, "--ip-protocol", "UDP", "--ip-dport",
                 "67", "-j", "ACCEPT", (const char *)NULL);
    for (size_t i = 0; i < l->n_ipv4; i++) {
        const char *a = l->ipv4[i];

        r |= add_cmd(out, "-A", chain, "-p", "ARP", "-i", vif, "--arp-opcode", "Request",
                     "--arp-ip-src", a, "-j", "ACCEPT", (const char *)NULL);
        r |= add_cmd(out, "-A", chain, "-p", "ARP", "-i", vif, "--arp-opcode", "Reply",
                     "--arp-ip-src", a, "--arp-mac-src", m, "-j", "ACCEPT", (const char *)NULL);
        r |= add_cmd(out, "-A", chain, "-p", "IPv4", "-i", vif, "--ip-src", a, "-j", "ACCEPT",
                     (const char *)NULL);
    }
    /* The bridge backend only filters IPv4: any allowed IPv6 address lets all IPv6 through
     * (spec §10 Q21). */
    if (l->n_ipv6) {
        r |= add_cmd(out, "-A", chain, "-p", "IPv6", "-i", vif, "-j", "ACCEPT", (const char *)NULL);
    }
    return r ? -ENOMEM : 0;
}

int vfr_ebtables_clear(const char *vif, struct vfr_cmds *out)
{
    char chain[32];
    int r = 0;

    vfr_ebtables_chain(vif, chain);
    r |= add_cmd(out, "-D", "FORWARD", "-i", vif, "-j", chain, (const char *)NULL);
    r |= add_cmd(out, "-D", "FORWARD", "-o", vif, "-j", chain, (const char *)NULL);
    r |= add_cmd(out, "-F", chain, (const char *)NULL);
    r |= add_cmd(out, "-X", chain, (const char *)NULL);
    return r ? -ENOMEM : 0;
}
