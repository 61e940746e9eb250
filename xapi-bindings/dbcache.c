/* network.dbcache reader and writer; see dbcache.h and spec §1.3.
 *
 * Each cached class is described by one table of the fields the cache
 * keeps, in the order the writer emits them.  The reader walks the libxml2
 * tree of the document against the same tables, so the two directions
 * cannot drift apart.  The reader follows the original's rules: fields are
 * matched by element name, unknown fields and non-whitelisted other_config
 * keys are skipped, text is whitespace-stripped (so both the inline Python 3
 * layout and the indented Python 2 layout read the same), lists are made of
 * their item elements only.  It is stricter where the original was sloppy:
 * a missing ref, a duplicate ref, a malformed integer or a DOCTYPE is an
 * error, and nothing is returned half-read. */
#include "dbcache.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "fsutil.h"
#include "log.h"
#include "sbuf.h"

/* Far above any real host (a few hundred kilobytes with hundreds of PIFs),
 * low enough that a corrupt or hostile file cannot exhaust memory. */
#define DBC_MAX_SIZE ((size_t)64 << 20)
#define DBC_ROOT     "xenserver-network-configuration"

enum dbc_kind {
    DBC_STRING,    /* char *, written empty when NULL. */
    DBC_REF,       /* char *, written OpaqueRef:NULL when NULL. */
    DBC_BOOL,      /* bool, True/False. */
    DBC_ATTACHED,  /* bool written as is, always read back as false. */
    DBC_INT,       /* int64_t, always written. */
    DBC_MTU,       /* int64_t, 0 means unknown and is not written. */
    DBC_LIST,      /* struct xapi_strv of "item" elements. */
    DBC_MAP,       /* struct xapi_map of whitelisted keys "keys". */
    DBC_OPTSTRING, /* char *, written only when not NULL (absent stays absent). */
    DBC_OPTLIST,   /* struct xapi_strv, written when not empty or when the
                    * string member at "gate" is not NULL. */
};

struct dbc_field {
    const char *name;
    enum dbc_kind kind;
    size_t offset;
    const char *item;             /* DBC_LIST: the item element. */
    const char *const *keys;      /* DBC_MAP: kept keys, in writing order. */
    const char *const *more_keys; /* DBC_MAP: further kept keys, or NULL. */
    size_t gate;                  /* DBC_OPTLIST: offset of the gating char * member. */
};

/* One cached class: its element, record class, fields, and where its list
 * lives in struct dbcache. */
struct dbc_elem {
    const char *tag;
    const struct xapi_class *cls;
    const struct dbc_field *fields;
    size_t n_fields;
    size_t list_offset;
};

/* other_config whitelists (spec §1.2).  The ethtool keys are shared by PIFs
 * and networks. */
static const char *const dbc_ethtool_keys[] = {
        "ethtool-autoneg", "ethtool-speed", "ethtool-duplex", "ethtool-rx",
        "ethtool-tx",      "ethtool-sg",    "ethtool-tso",    "ethtool-ufo",
        "ethtool-gso",     "ethtool-gro",   "ethtool-lro",    NULL,
};
static const char *const dbc_pif_keys[] = {
        "domain",
        "peerdns",
        "defaultroute",
        "mtu",
        "static-routes",
        "bond-mode",
        "bond-miimon",
        "bond-downdelay",
        "bond-updelay",
        "bond-use_carrier",
        "bond-hashing-algorithm",
        "vlan-bug-workaround",
        NULL,
};
static const char *const dbc_network_keys[] = {
        "mtu", "static-routes", "vswitch-controller-fail-mode", "vswitch-disable-in-band", NULL,
};
/* The original copied pool.other_config unfiltered from XAPI and then kept
 * only this key in the file (quirk Q6); we keep the same single key. */
static const char *const dbc_pool_keys[] = {
        "vswitch-controller-fail-mode",
        NULL,
};

/* The name, kind and member of a field; list items and map whitelists are
 * added as designated initialisers. */
#define F(st, fname, fkind, member)                                                                \
    .name = fname, .kind = DBC_##fkind, .offset = offsetof(struct st, member)

static const struct dbc_field dbc_pif_fields[] = {
        {F(xapi_pif, "uuid", STRING, uuid)},
        {F(xapi_pif, "management", BOOL, management)},
        {F(xapi_pif, "network", REF, network)},
        {F(xapi_pif, "device", STRING, device)},
        {F(xapi_pif, "bond_master_of", LIST, bond_master_of), .item = "slave"},
        {F(xapi_pif, "bond_slave_of", REF, bond_slave_of)},
        {F(xapi_pif, "VLAN", INT, vlan)},
        {F(xapi_pif, "VLAN_master_of", REF, vlan_master_of)},
        /* The original reader named this list VLAN_slave_Of (quirk Q15), but
         * only the item tag mattered; the element is VLAN_slave_of. */
        {F(xapi_pif, "VLAN_slave_of", LIST, vlan_slave_of), .item = "master"},
        {F(xapi_pif, "tunnel_access_PIF_of", LIST, tunnel_access_pif_of), .item = "pif"},
        {F(xapi_pif, "tunnel_transport_PIF_of", LIST, tunnel_transport_pif_of), .item = "pif"},
        {F(xapi_pif, "ip_configuration_mode", STRING, ip_configuration_mode)},
        {F(xapi_pif, "IP", STRING, ip)},
        {F(xapi_pif, "netmask", STRING, netmask)},
        {F(xapi_pif, "gateway", STRING, gateway)},
        {F(xapi_pif, "DNS", STRING, dns)},
        {F(xapi_pif, "MAC", STRING, mac)},
        /* Beyond the original (which had no IPv6): the PIF's IPv6
         * configuration, so that the management interface comes up at boot
         * with its IPv6 address too.  Written only when the PIF has them, so
         * caches of IPv4-only hosts keep the original's layout byte for byte
         * (and the original's reader, which skips unknown fields, still
         * reads ours). */
        {F(xapi_pif, "ipv6_configuration_mode", OPTSTRING, ipv6_configuration_mode)},
        {F(xapi_pif, "IPv6", OPTLIST, ipv6), .item = "address",
         .gate = offsetof(struct xapi_pif, ipv6_configuration_mode)},
        {F(xapi_pif, "ipv6_gateway", OPTSTRING, ipv6_gateway)},
        {F(xapi_pif, "primary_address_type", OPTSTRING, primary_address_type)},
        {F(xapi_pif, "other_config", MAP, other_config), .keys = dbc_pif_keys,
         .more_keys = dbc_ethtool_keys},
        /* Written with its current value, but a cache is read when XAPI is
         * not running, typically after a reboot, when the value is stale:
         * the original always reads it back as False, and
         * interface-reconfigure's --force down relies on that to tear down
         * shared datapaths and VLAN parents (quirk Q13). */
        {F(xapi_pif, "currently_attached", ATTACHED, currently_attached)},
};

static const struct dbc_field dbc_bond_fields[] = {
        {F(xapi_bond, "uuid", STRING, uuid)},
        {F(xapi_bond, "master", REF, master)},
        {F(xapi_bond, "slaves", LIST, slaves), .item = "slave"},
};

static const struct dbc_field dbc_vlan_fields[] = {
        {F(xapi_vlan, "uuid", STRING, uuid)},
        {F(xapi_vlan, "tagged_PIF", REF, tagged_pif)},
        {F(xapi_vlan, "untagged_PIF", REF, untagged_pif)},
};

static const struct dbc_field dbc_tunnel_fields[] = {
        {F(xapi_tunnel, "uuid", STRING, uuid)},
        {F(xapi_tunnel, "access_PIF", REF, access_pif)},
        {F(xapi_tunnel, "transport_PIF", REF, transport_pif)},
};

static const struct dbc_field dbc_network_fields[] = {
        {F(xapi_network, "uuid", STRING, uuid)},
        {F(xapi_network, "bridge", STRING, bridge)},
        {F(xapi_network, "MTU", MTU, mtu)},
        {F(xapi_network, "PIFs", LIST, pifs), .item = "PIF"},
        {F(xapi_network, "other_config", MAP, other_config), .keys = dbc_network_keys,
         .more_keys = dbc_ethtool_keys},
};

static const struct dbc_field dbc_pool_fields[] = {
        {F(xapi_pool, "other_config", MAP, other_config), .keys = dbc_pool_keys},
};

#define ELEM(tag, cls, fields, member)                                                             \
    tag, &cls, fields, sizeof fields / sizeof fields[0], offsetof(struct dbcache, member)

/* Also the writing order of the groups. */
static const struct dbc_elem dbc_elems[] = {
        {ELEM("pif", xapi_class_pif, dbc_pif_fields, pifs)},
        {ELEM("bond", xapi_class_bond, dbc_bond_fields, bonds)},
        {ELEM("vlan", xapi_class_vlan, dbc_vlan_fields, vlans)},
        {ELEM("tunnel", xapi_class_tunnel, dbc_tunnel_fields, tunnels)},
        {ELEM("network", xapi_class_network, dbc_network_fields, networks)},
        {ELEM("pool", xapi_class_pool, dbc_pool_fields, pools)},
};

#define N_ELEMS (sizeof dbc_elems / sizeof dbc_elems[0])

#define DBC_MEMBER(rec, f, type)  ((type *)((char *)(rec) + (f)->offset))
#define DBC_CMEMBER(rec, f, type) ((const type *)((const char *)(rec) + (f)->offset))

static struct xapi_record_list *dbc_list(struct dbcache *db, const struct dbc_elem *el)
{
    return (struct xapi_record_list *)((char *)db + el->list_offset);
}

static const struct xapi_record_list *dbc_clist(const struct dbcache *db, const struct dbc_elem *el)
{
    return (const struct xapi_record_list *)((const char *)db + el->list_offset);
}

static bool dbc_in(const char *const *keys, const char *key)
{
    for (size_t i = 0; keys && keys[i]; i++) {
        if (!strcmp(keys[i], key)) {
            return true;
        }
    }
    return false;
}

static bool dbc_key_kept(const struct dbc_field *f, const char *key)
{
    return dbc_in(f->keys, key) || dbc_in(f->more_keys, key);
}

int dbcache_pif_key_kept(const char *key)
{
    return key && (dbc_in(dbc_pif_keys, key) || dbc_in(dbc_ethtool_keys, key));
}

int dbcache_network_key_kept(const char *key)
{
    return key && (dbc_in(dbc_network_keys, key) || dbc_in(dbc_ethtool_keys, key));
}

void dbcache_init(struct dbcache *db)
{
    memset(db, 0, sizeof *db);
    for (size_t i = 0; i < N_ELEMS; i++) {
        dbc_list(db, &dbc_elems[i])->cls = dbc_elems[i].cls;
    }
}

void dbcache_clear(struct dbcache *db)
{
    if (!db) {
        return;
    }
    for (size_t i = 0; i < N_ELEMS; i++) {
        struct xapi_record_list *list = dbc_list(db, &dbc_elems[i]);

        list->cls = dbc_elems[i].cls;
        xapi_record_list_clear(list);
    }
    dbcache_init(db);
}

/* ------------------------------------------------------------------------
 * Reading. */

struct dbc_reader {
    const char *name; /* The path, or a generic name, for messages. */
    bool saw_dtd;
    xmlHashTablePtr refs[N_ELEMS]; /* Refs seen per class, to refuse duplicates. */
};

/* Logs "fmt" as one error line: control characters, which may come from
 * quoted file contents or from libxml2's multi-line messages, are replaced
 * so that the log line stays one line. */
static void dbc_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void dbc_log_line(const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r') {
            *p = ' ';
        } else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
    for (size_t n = strlen(msg); n > 0 && msg[n - 1] == ' '; n--) {
        msg[n - 1] = '\0';
    }
    xlog_err("%s", msg);
}

/* Logs "<name>: line N: <message>" for a problem at "node" (or without the
 * line when "node" is NULL). */
static void dbc_fail(const struct dbc_reader *rd, const xmlNode *node, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void dbc_fail(const struct dbc_reader *rd, const xmlNode *node, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (node) {
        dbc_log_line("%s: line %ld: %s", rd->name, xmlGetLineNo(node), msg);
    } else {
        dbc_log_line("%s: %s", rd->name, msg);
    }
}

/* An element's name as written, with its namespace prefix if any, for
 * messages. */
static const char *dbc_node_name(const xmlNode *node, char *buf, size_t size)
{
    if (node->ns && node->ns->prefix) {
        snprintf(buf, size, "%.100s:%.100s", (const char *)node->ns->prefix,
                 (const char *)node->name);
    } else {
        snprintf(buf, size, "%.200s", (const char *)node->name);
    }
    return buf;
}

/* Whether "node" is an element named exactly "name" without a namespace,
 * which is how the original's minidom nodeName comparison behaved. */
static bool dbc_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && !node->ns && !strcmp((const char *)node->name, name);
}

static bool dbc_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The text directly inside "node" (its text and CDATA children, not those
 * of nested elements, as the original's getText), stripped of surrounding
 * whitespace.  Returns a new string or NULL on allocation failure. */
static char *dbc_text(const xmlNode *node)
{
    struct sbuf b = SBUF_INIT;
    size_t start = 0, end;
    char *s;

    for (const xmlNode *c = node->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            sbuf_adds(&b, (const char *)c->content);
        }
    }
    s = sbuf_steal(&b, &end);
    if (!s) {
        return NULL;
    }
    while (start < end && dbc_space(s[start])) {
        start++;
    }
    while (end > start && dbc_space(s[end - 1])) {
        end--;
    }
    memmove(s, s + start, end - start);
    s[end - start] = '\0';
    return s;
}

/* Strict decimal int64: optional '-', digits only. */
static int dbc_parse_int(const char *s, int64_t *out)
{
    const char *p = s[0] == '-' ? s + 1 : s;
    long long v;
    char *end;

    if (*p < '0' || *p > '9') {
        return -EINVAL;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int dbc_read_field(struct dbc_reader *rd, const struct dbc_elem *el, const char *ref,
                          const struct dbc_field *f, const xmlNode *node, void *rec)
{
    char *text = NULL;
    int r = 0;

    switch (f->kind) {
    case DBC_STRING:
    case DBC_REF:
    case DBC_OPTSTRING:
        text = dbc_text(node);
        if (!text) {
            return -ENOMEM;
        }
        /* A repeated field replaces the earlier one, as in the original. */
        free(*DBC_MEMBER(rec, f, char *));
        *DBC_MEMBER(rec, f, char *) = text;
        return 0;
    case DBC_BOOL:
    case DBC_ATTACHED:
        text = dbc_text(node);
        if (!text) {
            return -ENOMEM;
        }
        if (strcmp(text, "True") && strcmp(text, "False")) {
            dbc_fail(rd, node, "%s %.100s: invalid boolean value '%.64s' for %s", el->tag, ref,
                     text, f->name);
            r = -EBADMSG;
        } else {
            *DBC_MEMBER(rec, f, bool) = f->kind == DBC_BOOL && !strcmp(text, "True");
        }
        break;
    case DBC_INT:
    case DBC_MTU:
        text = dbc_text(node);
        if (!text) {
            return -ENOMEM;
        }
        if (dbc_parse_int(text, DBC_MEMBER(rec, f, int64_t)) < 0) {
            dbc_fail(rd, node, "%s %.100s: invalid integer value '%.64s' for %s", el->tag, ref,
                     text, f->name);
            r = -EBADMSG;
        }
        break;
    case DBC_LIST:
    case DBC_OPTLIST: {
        struct xapi_strv *sv = DBC_MEMBER(rec, f, struct xapi_strv);

        xapi_strv_clear(sv);
        for (const xmlNode *c = node->children; c && r == 0; c = c->next) {
            if (!dbc_is(c, f->item)) {
                continue;
            }
            text = dbc_text(c);
            r = text ? xapi_strv_append(sv, text) : -ENOMEM;
            free(text);
            text = NULL;
        }
        break;
    }
    case DBC_MAP: {
        struct xapi_map *m = DBC_MEMBER(rec, f, struct xapi_map);

        xapi_map_clear(m);
        for (const xmlNode *c = node->children; c && r == 0; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || c->ns || !dbc_key_kept(f, (const char *)c->name)) {
                continue;
            }
            text = dbc_text(c);
            r = text ? xapi_map_set(m, (const char *)c->name, text) : -ENOMEM;
            free(text);
            text = NULL;
        }
        break;
    }
    }
    free(text);
    return r;
}

/* Grows "list" by one zeroed record and returns it.  The array grows to
 * powers of two so that reading n records costs O(n). */
static void *dbc_list_add(struct xapi_record_list *list)
{
    size_t size = list->cls->size;
    char *items = list->items;

    if (list->n == 0 || (list->n & (list->n - 1)) == 0) {
        size_t cap = list->n ? list->n * 2 : 1;

        items = realloc(items, cap * size);
        if (!items) {
            return NULL;
        }
        list->items = items;
    }
    memset(items + list->n * size, 0, size);
    list->n++;
    return items + (list->n - 1) * size;
}

static int dbc_read_record(struct dbc_reader *rd, size_t idx, const xmlNode *node,
                           struct dbcache *db)
{
    const struct dbc_elem *el = &dbc_elems[idx];
    struct xapi_record_list *list = dbc_list(db, el);
    xmlChar *ref = xmlGetNoNsProp(node, (const xmlChar *)"ref");
    void *rec;
    int r = 0;

    if (!ref || !*ref) {
        dbc_fail(rd, node, "<%s> element without a ref attribute", el->tag);
        r = -EBADMSG;
        goto out;
    }
    if (xmlHashLookup(rd->refs[idx], ref)) {
        dbc_fail(rd, node, "duplicate %s ref %.100s", el->tag, (const char *)ref);
        r = -EBADMSG;
        goto out;
    }
    if (xmlHashAddEntry(rd->refs[idx], ref, (void *)rd) < 0) {
        r = -ENOMEM;
        goto out;
    }
    rec = dbc_list_add(list);
    if (!rec) {
        r = -ENOMEM;
        goto out;
    }
    *(char **)rec = strdup((const char *)ref);
    if (!*(char **)rec) {
        r = -ENOMEM;
        goto out;
    }
    if (el->cls == &xapi_class_pif) {
        /* A PIF without a VLAN element is not a VLAN PIF; 0 would be a tag. */
        ((struct xapi_pif *)rec)->vlan = -1;
    }
    for (const xmlNode *c = node->children; c && r == 0; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c->ns) {
            continue;
        }
        for (size_t i = 0; i < el->n_fields; i++) {
            if (!strcmp((const char *)c->name, el->fields[i].name)) {
                r = dbc_read_field(rd, el, (const char *)ref, &el->fields[i], c, rec);
                break;
            }
        }
    }
out:
    xmlFree(ref);
    return r;
}

/* SAX hook: a dbcache never has a DOCTYPE, and refusing it before its
 * internal subset is read keeps entity declarations (and their expansion
 * tricks) out entirely. */
static void dbc_reject_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct dbc_reader *rd = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    if (rd) {
        rd->saw_dtd = true;
    }
    xmlStopParser(ctxt);
}

/* The index in dbc_elems of the record element "node", or N_ELEMS. */
static size_t dbc_elem_index(const xmlNode *node)
{
    size_t i = 0;

    while (i < N_ELEMS && !dbc_is(node, dbc_elems[i].tag)) {
        i++;
    }
    return i;
}

static int dbc_read_doc(struct dbc_reader *rd, const xmlDoc *doc, struct dbcache *db)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    char name[256];
    int r = 0;

    if (!root) {
        dbc_fail(rd, NULL, "no root element");
        return -EBADMSG;
    }
    if (!dbc_is(root, DBC_ROOT)) {
        dbc_fail(rd, root, "root element is <%s>, expected <" DBC_ROOT ">",
                 dbc_node_name(root, name, sizeof name));
        return -EBADMSG;
    }
    /* Text, comments and processing instructions between the records are
     * not records; like the original, only elements count. */
    for (const xmlNode *c = root->children; c && r == 0; c = c->next) {
        size_t i;

        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        i = dbc_elem_index(c);
        if (i == N_ELEMS) {
            /* The original's message, with the element's name as written. */
            dbc_fail(rd, c, "Unknown XML element %s", dbc_node_name(c, name, sizeof name));
            return -EBADMSG;
        }
        r = dbc_read_record(rd, i, c, db);
    }
    return r;
}

static int dbc_parse_named(const char *buf, size_t len, const char *what, struct dbcache *db)
{
    struct dbc_reader rd = {.name = what};
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    struct dbcache tmp;
    int r = 0;

    dbcache_init(&tmp);
    dbcache_init(db);
    if (len > DBC_MAX_SIZE) {
        dbc_fail(&rd, NULL, "%zu bytes is larger than the 64 MiB limit", len);
        return -E2BIG;
    }
    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    for (size_t i = 0; ctxt && i < N_ELEMS; i++) {
        rd.refs[i] = xmlHashCreate(16);
        if (!rd.refs[i]) {
            r = -ENOMEM;
            goto out;
        }
    }
    if (!ctxt || !ctxt->sax) {
        r = -ENOMEM;
        goto out;
    }
    ctxt->_private = &rd;
    ctxt->sax->internalSubset = dbc_reject_dtd;
    /* No network, no entity substitution, no DTD loading; libxml2's own
     * limits (element depth 256, 10 MB text nodes) stay on because
     * XML_PARSE_HUGE is not given.  Errors are reported by us, once. */
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_BIG_LINES);
    if (rd.saw_dtd || (doc && (doc->intSubset || doc->extSubset))) {
        dbc_fail(&rd, NULL, "a DOCTYPE is not allowed in a dbcache");
        r = -EBADMSG;
        goto out;
    }
    if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);

        if (e && e->code == XML_ERR_NO_MEMORY) {
            r = -ENOMEM;
            goto out;
        }
        if (e && e->message) {
            dbc_log_line("%s: line %d: malformed XML: %.200s", rd.name, e->line, e->message);
        } else {
            dbc_fail(&rd, NULL, "malformed XML");
        }
        r = -EBADMSG;
        goto out;
    }
    r = dbc_read_doc(&rd, doc, &tmp);
out:
    if (r == -ENOMEM) {
        dbc_log_line("%s: out of memory", rd.name);
    }
    for (size_t i = 0; i < N_ELEMS; i++) {
        xmlHashFree(rd.refs[i], NULL);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    if (r < 0) {
        dbcache_clear(&tmp);
    } else {
        *db = tmp;
    }
    return r;
}

int dbcache_parse(const char *buf, size_t len, struct dbcache *db)
{
    return dbc_parse_named(buf, len, "network.dbcache", db);
}

int dbcache_read(const char *path, struct dbcache *db)
{
    char *data = NULL;
    size_t len = 0;
    int r;

    dbcache_init(db);
    r = fsu_read_file(path, DBC_MAX_SIZE, &data, &len);
    if (r == -E2BIG) {
        dbc_log_line("%s: larger than the 64 MiB limit", path);
        return r;
    }
    if (r < 0) {
        dbc_log_line("Cannot read %s: %s", path, strerror(-r));
        return r;
    }
    r = dbc_parse_named(data, len, path, db);
    free(data);
    return r;
}

/* ------------------------------------------------------------------------
 * Writing. */

/* Whether "s" is UTF-8 made only of characters XML 1.0 allows (the Char
 * production).  Anything else would give a file that no reader, ours
 * included, accepts, so the writer refuses it up front. */
static bool dbc_xml_text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        uint32_t c;
        int n;

        if (*p < 0x80) {
            c = *p;
            n = 0;
        } else if ((*p & 0xe0) == 0xc0) {
            c = *p & 0x1f;
            n = 1;
        } else if ((*p & 0xf0) == 0xe0) {
            c = *p & 0x0f;
            n = 2;
        } else if ((*p & 0xf8) == 0xf0) {
            c = *p & 0x07;
            n = 3;
        } else {
            return false;
        }
        p++;
        for (int i = 0; i < n; i++, p++) {
            if ((*p & 0xc0) != 0x80) {
                return false;
            }
            c = (c << 6) | (*p & 0x3f);
        }
        /* Overlong forms are invalid UTF-8. */
        if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000)) {
            return false;
        }
        if (!(c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
              (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff))) {
            return false;
        }
    }
    return true;
}

/* Attribute values: besides the usual escapes, tab and newline are written
 * as character references, because XML readers turn literal ones into
 * spaces, which would change the ref on the next read. */
static void dbc_add_attr(struct sbuf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\t') {
            sbuf_adds(b, "&#9;");
        } else if (*p == '\n') {
            sbuf_adds(b, "&#10;");
        } else {
            sbuf_add_xml_escaped(b, p, 1);
        }
    }
}

/* <tag>text</tag>, or <tag/> for empty text, indented by "depth" tabs. */
static void dbc_add_text_elem(struct sbuf *b, int depth, const char *tag, const char *text)
{
    for (int i = 0; i < depth; i++) {
        sbuf_addc(b, '\t');
    }
    if (!text || !*text) {
        sbuf_addf(b, "<%s/>\n", tag);
        return;
    }
    sbuf_addf(b, "<%s>", tag);
    sbuf_add_xml_escaped(b, text, strlen(text));
    sbuf_addf(b, "</%s>\n", tag);
}

static int dbc_check_text(const struct dbc_elem *el, const char *ref, const char *field,
                          const char *text)
{
    if (text && !dbc_xml_text_ok(text)) {
        dbc_log_line("Cannot save %s %.100s: %s is not valid XML text", el->tag, ref, field);
        return -EINVAL;
    }
    return 0;
}

static int dbc_write_map(struct sbuf *b, const struct dbc_elem *el, const char *ref,
                         const struct dbc_field *f, const struct xapi_map *m)
{
    const char *const *lists[2] = {f->keys, f->more_keys};
    bool any = false;

    for (size_t i = 0; i < m->n; i++) {
        if (!dbc_key_kept(f, m->keys[i])) {
            xlog_info("Unknown other-config attribute: %s", m->keys[i]);
        } else if (m->values[i]) {
            int r = dbc_check_text(el, ref, m->keys[i], m->values[i]);

            if (r < 0) {
                return r;
            }
            any = true;
        }
    }
    if (!any) {
        dbc_add_text_elem(b, 2, f->name, NULL);
        return 0;
    }
    /* Whitelist order rather than the map's order, so that the file does
     * not change when XAPI hands the same keys over in another order. */
    sbuf_addf(b, "\t\t<%s>\n", f->name);
    for (size_t l = 0; l < 2; l++) {
        for (size_t k = 0; lists[l] && lists[l][k]; k++) {
            const char *v = xapi_map_get(m, lists[l][k]);

            if (v) {
                dbc_add_text_elem(b, 3, lists[l][k], v);
            }
        }
    }
    sbuf_addf(b, "\t\t</%s>\n", f->name);
    return 0;
}

static int dbc_write_field(struct sbuf *b, const struct dbc_elem *el, const char *ref,
                           const struct dbc_field *f, const void *rec)
{
    char num[24];
    int r;

    switch (f->kind) {
    case DBC_OPTSTRING:
        if (!*DBC_CMEMBER(rec, f, char *)) {
            return 0;
        }
        /* fall through */
    case DBC_STRING:
    case DBC_REF: {
        const char *s = *DBC_CMEMBER(rec, f, char *);

        if (!s && f->kind == DBC_REF) {
            s = XAPI_NULL_REF;
        }
        r = dbc_check_text(el, ref, f->name, s);
        if (r == 0) {
            dbc_add_text_elem(b, 2, f->name, s);
        }
        return r;
    }
    case DBC_BOOL:
    case DBC_ATTACHED:
        dbc_add_text_elem(b, 2, f->name, *DBC_CMEMBER(rec, f, bool) ? "True" : "False");
        return 0;
    case DBC_INT:
    case DBC_MTU:
        if (f->kind == DBC_MTU && *DBC_CMEMBER(rec, f, int64_t) == 0) {
            return 0;
        }
        snprintf(num, sizeof num, "%" PRId64, *DBC_CMEMBER(rec, f, int64_t));
        dbc_add_text_elem(b, 2, f->name, num);
        return 0;
    case DBC_OPTLIST:
        if (DBC_CMEMBER(rec, f, struct xapi_strv)->n == 0 &&
            !*(char *const *)((const char *)rec + f->gate)) {
            return 0;
        }
        /* fall through */
    case DBC_LIST: {
        const struct xapi_strv *sv = DBC_CMEMBER(rec, f, struct xapi_strv);

        if (sv->n == 0) {
            dbc_add_text_elem(b, 2, f->name, NULL);
            return 0;
        }
        sbuf_addf(b, "\t\t<%s>\n", f->name);
        for (size_t i = 0; i < sv->n; i++) {
            r = dbc_check_text(el, ref, f->name, sv->v[i]);
            if (r < 0) {
                return r;
            }
            dbc_add_text_elem(b, 3, f->item, sv->v[i]);
        }
        sbuf_addf(b, "\t\t</%s>\n", f->name);
        return 0;
    }
    case DBC_MAP:
        return dbc_write_map(b, el, ref, f, DBC_CMEMBER(rec, f, struct xapi_map));
    }
    return -EINVAL;
}

static int dbc_write_record(struct sbuf *b, const struct dbc_elem *el, const void *rec)
{
    const char *ref = *(char *const *)rec;
    int r;

    if (!ref || !*ref || !dbc_xml_text_ok(ref)) {
        xlog_err("Cannot save a %s without a valid ref", el->tag);
        return -EINVAL;
    }
    sbuf_addf(b, "\t<%s ref=\"", el->tag);
    dbc_add_attr(b, ref);
    sbuf_adds(b, "\">\n");
    for (size_t i = 0; i < el->n_fields; i++) {
        r = dbc_write_field(b, el, ref, &el->fields[i], rec);
        if (r < 0) {
            return r;
        }
    }
    sbuf_addf(b, "\t</%s>\n", el->tag);
    return 0;
}

int dbcache_format(const struct dbcache *db, char **out, size_t *len)
{
    struct sbuf b = SBUF_INIT;
    size_t total = 0;
    int r = 0;

    *out = NULL;
    if (len) {
        *len = 0;
    }
    for (size_t i = 0; i < N_ELEMS; i++) {
        total += dbc_clist(db, &dbc_elems[i])->n;
    }
    /* The layout of Python's minidom toprettyxml(indent="\t"), which wrote
     * the original files. */
    sbuf_adds(&b, "<?xml version=\"1.0\" ?>\n");
    if (total == 0) {
        sbuf_adds(&b, "<" DBC_ROOT "/>\n");
    } else {
        sbuf_adds(&b, "<" DBC_ROOT ">\n");
        for (size_t i = 0; i < N_ELEMS && r == 0; i++) {
            const struct xapi_record_list *list = dbc_clist(db, &dbc_elems[i]);

            for (size_t j = 0; j < list->n && r == 0; j++) {
                r = dbc_write_record(&b, &dbc_elems[i],
                                     (const char *)list->items + j * dbc_elems[i].cls->size);
            }
        }
        sbuf_adds(&b, "</" DBC_ROOT ">\n");
    }
    if (r == 0 && sbuf_error(&b) < 0) {
        xlog_err("Cannot save the network dbcache: out of memory");
        r = -ENOMEM;
    }
    if (r < 0) {
        sbuf_free(&b);
        return r;
    }
    *out = sbuf_steal(&b, len);
    if (!*out) {
        xlog_err("Cannot save the network dbcache: out of memory");
        return -ENOMEM;
    }
    return 0;
}

int dbcache_write(const char *path, const struct dbcache *db)
{
    char *data = NULL;
    size_t len = 0;
    int r = dbcache_format(db, &data, &len);

    if (r < 0) {
        return r;
    }
    /* A temporary file in the same folder renamed over the target: the old
     * cache stays whole until the new one is complete on disk. */
    r = fsu_write_atomic(path, data, len, 0644);
    if (r < 0) {
        dbc_log_line("Cannot write %s: %s", path, strerror(-r));
    }
    free(data);
    return r;
}
