/* A VIF's port on the switch as direct OVSDB operations (see vifport.h). */
#include "vifport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vsctl_run.h"

#define VIFPORT_DB "Open_vSwitch"
/* The highest OpenFlow port number a switch assigns (0xff00 is the first reserved one). */
#define VIFPORT_OFPORT_LAST 0xfeff
/* A plug whose ofport guard trips this often in a row gives up. */
#define VIFPORT_ATTEMPTS 20
#define VIFPORT_MAX_IDS  16

static json_t *uuid_atom(const char *uuid)
{
    return json_pack("[s, s]", "uuid", uuid);
}

static json_t *where_name(const char *name)
{
    return json_pack("[[s, s, s]]", "name", "==", name);
}

/* The rows of result i of a transaction (borrowed). */
static const json_t *rows_of(const json_t *res, size_t i)
{
    return json_object_get(json_array_get(res, i), "rows");
}

static const char *row_uuid(const json_t *row)
{
    return json_string_value(json_array_get(json_object_get(row, "_uuid"), 1));
}

/* An optional integer column's value ([] when empty), or dflt. */
static long long opt_int(const json_t *v, long long dflt)
{
    if (json_is_integer(v)) {
        return json_integer_value(v);
    }
    return dflt;
}

/* True if a set-of-uuids column (wire format) holds uuid. */
static bool set_has_uuid(const json_t *set, const char *uuid)
{
    const json_t *items;
    size_t i;
    json_t *a;

    if (json_is_array(set) && json_is_string(json_array_get(set, 0)) &&
        !strcmp(json_string_value(json_array_get(set, 0)), "uuid")) {
        return !strcmp(json_string_value(json_array_get(set, 1)), uuid);
    }
    items = json_array_get(set, 1);
    json_array_foreach(items, i, a)
    {
        const char *u = json_string_value(json_array_get(a, 1));
        if (u && !strcmp(u, uuid)) {
            return true;
        }
    }
    return false;
}

static int transact(struct ovsdbc *c, json_t *ops, json_t **res)
{
    int r = ops ? ovsdbc_transact(c, VIFPORT_DB, ops, res) : -ENOMEM;

    json_decref(ops);
    return r;
}

/* ovs-vsctl's handshake with the switch daemon: the change bumps Open_vSwitch next_cfg and
 * reads it back (the last operation's result), so the caller can wait for cur_cfg. */
static void append_bump(json_t *ops)
{
    json_array_append_new(ops,
                          json_pack("{s:s, s:s, s:[], s:[[s, s, i]]}", "op", "mutate", "table",
                                    "Open_vSwitch", "where", "mutations", "next_cfg", "+=", 1));
    json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[s]}", "op", "select", "table",
                                         "Open_vSwitch", "where", "columns", "next_cfg"));
}

static long long bumped_cfg(const json_t *res)
{
    const json_t *last = json_array_get(res, json_array_size(res) - 1);

    return json_integer_value(
            json_object_get(json_array_get(json_object_get(last, "rows"), 0), "next_cfg"));
}

int vifport_wait_applied(struct ovsdbc *c, long long cfg, int timeout_ms)
{
    char *err = NULL;
    int r;

    if (cfg <= 0) {
        return 0;
    }
    r = vrun_wait_applied(c, cfg, timeout_ms, &err);
    if (r < 0) {
        xlog_err("the switch did not apply the change (%s)", err ? err : strerror(-r));
    }
    free(err);
    return r;
}

/* Appends the ovs-vsctl line equivalent to a change to the dry-run buffer. */
static int dry_line(struct sbuf *dry, int argc, char **argv)
{
    vrun_format(dry, argc, argv);
    return sbuf_addc(dry, '\n');
}

/* The bridge-level facts a plug or lookup needs, from one read. */
struct layout {
    json_t *res;
    const json_t *bridges;   /* Bridge rows: _uuid, name, ports. */
    const char *old_port;    /* The port named iface, or NULL. */
    const json_t *fake;      /* The Port row named like the bridge, or NULL. */
    const json_t *ifaces;    /* Interface rows (ofport, ofport_request), or NULL. */
    const json_t *own_iface; /* The Interface row named iface, or NULL. */
};

static int read_layout(struct ovsdbc *c, const char *bridge, const char *iface, bool ofports,
                       struct layout *l)
{
    json_t *ops =
            json_pack("[{s:s, s:s, s:[], s:[s, s, s]}, {s:s, s:s, s:o, s:[s]}]", "op", "select",
                      "table", "Bridge", "where", "columns", "_uuid", "name", "ports", "op",
                      "select", "table", "Port", "where", where_name(iface), "columns", "_uuid");
    int r;

    memset(l, 0, sizeof(*l));
    if (ops && bridge) {
        json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[s, s, s]}", "op", "select",
                                             "table", "Port", "where", where_name(bridge),
                                             "columns", "_uuid", "tag", "fake_bridge"));
    }
    if (ops && ofports) {
        json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[s, s, s]}", "op", "select",
                                             "table", "Interface", "where", "columns", "name",
                                             "ofport", "ofport_request"));
    } else if (ops) {
        json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[s, s, s]}", "op", "select",
                                             "table", "Interface", "where", where_name(iface),
                                             "columns", "name", "ofport", "ofport_request"));
    }
    r = transact(c, ops, &l->res);
    if (r < 0) {
        xlog_err("reading the switch's ports failed (%s)", ovsdbc_last_error(c));
        json_decref(l->res);
        l->res = NULL;
        return r;
    }
    l->bridges = rows_of(l->res, 0);
    l->old_port = row_uuid(json_array_get(rows_of(l->res, 1), 0));
    l->fake = bridge ? json_array_get(rows_of(l->res, 2), 0) : NULL;
    l->ifaces = rows_of(l->res, bridge ? 3 : 2);
    for (size_t i = 0; i < json_array_size(l->ifaces); i++) {
        const json_t *row = json_array_get(l->ifaces, i);
        if (!strcmp(json_string_value(json_object_get(row, "name")) ?: "", iface)) {
            l->own_iface = row;
        }
    }
    return 0;
}

/* The Bridge row that holds port uuid, or NULL. */
static const json_t *bridge_holding(const struct layout *l, const char *port)
{
    for (size_t i = 0; i < json_array_size(l->bridges); i++) {
        const json_t *b = json_array_get(l->bridges, i);
        if (set_has_uuid(json_object_get(b, "ports"), port)) {
            return b;
        }
    }
    return NULL;
}

static const json_t *bridge_named(const struct layout *l, const char *name)
{
    for (size_t i = 0; i < json_array_size(l->bridges); i++) {
        const json_t *b = json_array_get(l->bridges, i);
        if (!strcmp(json_string_value(json_object_get(b, "name")) ?: "", name)) {
            return b;
        }
    }
    return NULL;
}

/* One above the highest OpenFlow number in use or requested, so a number freed by an unplug is
 * not handed to the next VIF at once; after a wrap, the lowest free one.  0 if none is free. */
static uint32_t pick_ofport(const struct layout *l)
{
    unsigned char *used = calloc(VIFPORT_OFPORT_LAST + 1, 1);
    uint32_t best = 0, n;

    if (!used) {
        return 0;
    }
    for (size_t i = 0; i < json_array_size(l->ifaces); i++) {
        const json_t *row = json_array_get(l->ifaces, i);
        long long a = opt_int(json_object_get(row, "ofport"), -1);
        long long b = opt_int(json_object_get(row, "ofport_request"), -1);
        if (a >= 1 && a <= VIFPORT_OFPORT_LAST) {
            used[a] = 1;
        }
        if (b >= 1 && b <= VIFPORT_OFPORT_LAST) {
            used[b] = 1;
        }
    }
    for (n = VIFPORT_OFPORT_LAST; n >= 1 && !used[n]; n--) {
    }
    if (n < VIFPORT_OFPORT_LAST) {
        best = n + 1;
    }
    for (n = 1; !best && n <= VIFPORT_OFPORT_LAST; n++) {
        best = used[n] ? 0 : n;
    }
    free(used);
    return best;
}

static json_t *ids_map(const char *const *ids)
{
    json_t *pairs = json_array();

    for (size_t i = 0; pairs && ids && ids[i] && ids[i + 1]; i += 2) {
        json_array_append_new(pairs, json_pack("[s, s]", ids[i], ids[i + 1]));
    }
    return json_pack("[s, o]", "map", pairs);
}

static int plug_dry(const char *bridge, const char *iface, const char *const *ids, struct sbuf *dry)
{
    char *argv[8 + VIFPORT_MAX_IDS] = {"--if-exists", "del-port",     (char *)iface, "--",
                                       "add-port",    (char *)bridge, (char *)iface};
    char *owned[VIFPORT_MAX_IDS] = {NULL};
    int argc = 7, n = 0, r;

    if (ids && ids[0]) {
        argv[argc++] = "--";
        argv[argc++] = "set";
        argv[argc++] = "interface";
        argv[argc++] = (char *)iface;
    }
    for (size_t i = 0; ids && ids[i] && ids[i + 1] && n < VIFPORT_MAX_IDS - 1; i += 2) {
        if (asprintf(&owned[n], "external-ids:\"%s\"=\"%s\"", ids[i], ids[i + 1]) < 0) {
            owned[n] = NULL;
            break;
        }
        argv[argc++] = owned[n++];
    }
    r = dry_line(dry, argc, argv);
    for (int i = 0; i < n; i++) {
        free(owned[i]);
    }
    return r;
}

int vifport_plug(struct ovsdbc *c, const char *bridge, const char *iface,
                 const char *const *external_ids, struct sbuf *dry, struct vifport_where *where)
{
    struct vifport_where w = {.tag = -1};
    int r = -EBUSY;

    if (dry) {
        return plug_dry(bridge, iface, external_ids, dry);
    }
    for (int attempt = 0; attempt < VIFPORT_ATTEMPTS; attempt++) {
        struct layout l;
        const json_t *parent = NULL;
        json_t *ops, *res = NULL, *iface_row, *port_row;
        const char *parent_uuid;

        r = read_layout(c, bridge, iface, true, &l);
        if (r < 0) {
            return r;
        }
        parent = bridge_named(&l, bridge);
        if (!parent && l.fake && json_is_true(json_object_get(l.fake, "fake_bridge"))) {
            /* A VLAN fake bridge: the port goes on its parent, with its tag. */
            parent = bridge_holding(&l, row_uuid(l.fake));
            w.tag = (int)opt_int(json_object_get(l.fake, "tag"), -1);
        }
        if (!parent) {
            xlog_err("%s: no bridge named %s", iface, bridge);
            json_decref(l.res);
            return -ENOENT;
        }
        parent_uuid = row_uuid(parent);
        snprintf(w.parent, sizeof(w.parent), "%s",
                 json_string_value(json_object_get(parent, "name")));
        w.ofport = pick_ofport(&l);
        if (!w.ofport) {
            xlog_err("%s: no free OpenFlow port number", bridge);
            json_decref(l.res);
            return -ENOSPC;
        }
        ops = json_array();
        if (l.old_port) {
            /* --if-exists del-port: off whichever bridge has it; the server collects it. */
            json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[[s, s, [s, [o]]]]}", "op",
                                                 "mutate", "table", "Bridge", "where", "mutations",
                                                 "ports", "delete", "set", uuid_atom(l.old_port)));
        }
        /* Nobody else may have asked for this number meanwhile, and the parent must still be
         * there, or the transaction fails and we start over. */
        json_array_append_new(ops, json_pack("{s:s, s:s, s:i, s:[[s, s, I]], s:[s], s:s, s:[]}",
                                             "op", "wait", "table", "Interface", "timeout", 0,
                                             "where", "ofport_request", "==", (json_int_t)w.ofport,
                                             "columns", "_uuid", "until", "==", "rows"));
        json_array_append_new(ops,
                              json_pack("{s:s, s:s, s:i, s:[[s, s, o]], s:[s], s:s, s:[{s:s}]}",
                                        "op", "wait", "table", "Bridge", "timeout", 0, "where",
                                        "_uuid", "==", uuid_atom(parent_uuid), "columns", "name",
                                        "until", "==", "rows", "name", w.parent));
        iface_row = json_pack("{s:s, s:o, s:I}", "name", iface, "external_ids",
                              ids_map(external_ids), "ofport_request", (json_int_t)w.ofport);
        port_row = json_pack("{s:s, s:[s, s]}", "name", iface, "interfaces", "named-uuid", "iface");
        if (w.tag >= 0) {
            json_object_set_new(port_row, "tag", json_integer(w.tag));
        }
        json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:o}", "op", "insert", "table",
                                             "Interface", "uuid-name", "iface", "row", iface_row));
        json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:o}", "op", "insert", "table",
                                             "Port", "uuid-name", "port", "row", port_row));
        json_array_append_new(ops, json_pack("{s:s, s:s, s:[[s, s, o]], s:[[s, s, [s, s]]]}", "op",
                                             "mutate", "table", "Bridge", "where", "_uuid",
                                             "==", uuid_atom(parent_uuid), "mutations", "ports",
                                             "insert", "named-uuid", "port"));
        json_array_append_new(
                ops, json_pack("{s:s, s:s}", "op", "comment", "comment", "vif: plug port"));
        append_bump(ops);
        json_decref(l.res);
        r = transact(c, ops, &res);
        if (r == -EPROTO) {
            const json_t *e;
            size_t i;
            bool guard = false;
            json_array_foreach(res, i, e)
            {
                const char *err = json_string_value(json_object_get(e, "error"));
                guard = guard || (err && !strcmp(err, "timed out"));
            }
            if (guard) {
                xlog_debug("%s: port changed meanwhile, reading again", iface);
                json_decref(res);
                r = -EBUSY;
                continue;
            }
            xlog_err("%s: adding the port to %s failed (%s)", iface, bridge, ovsdbc_last_error(c));
        } else if (r < 0) {
            xlog_err("%s: adding the port to %s failed (%s)", iface, bridge, ovsdbc_last_error(c));
        } else {
            w.cfg = bumped_cfg(res);
        }
        json_decref(res);
        break;
    }
    if (r == -EBUSY) {
        xlog_err("%s: the switch kept changing, giving up", iface);
    }
    if (r == 0 && where) {
        *where = w;
    }
    return r;
}

int vifport_unplug(struct ovsdbc *c, const char *iface, struct sbuf *dry, long long *cfg)
{
    struct layout l;
    json_t *res = NULL, *ops;
    int r;

    if (cfg) {
        *cfg = 0;
    }
    if (dry) {
        char *argv[] = {"--if-exists", "del-port", (char *)iface};
        return dry_line(dry, 3, argv);
    }
    r = read_layout(c, NULL, iface, false, &l);
    if (r < 0 || !l.old_port) {
        json_decref(l.res);
        return r;
    }
    ops = json_pack("[{s:s, s:s, s:[], s:[[s, s, [s, [o]]]]}, {s:s, s:s}]", "op", "mutate", "table",
                    "Bridge", "where", "mutations", "ports", "delete", "set", uuid_atom(l.old_port),
                    "op", "comment", "comment", "vif: unplug port");
    if (ops) {
        append_bump(ops);
    }
    r = transact(c, ops, &res);
    if (r < 0) {
        xlog_err("%s: removing the port failed (%s)", iface, ovsdbc_last_error(c));
    } else if (cfg) {
        *cfg = bumped_cfg(res);
    }
    json_decref(res);
    json_decref(l.res);
    return r;
}

int vifport_find(struct ovsdbc *c, const char *iface, bool *found, struct vifport_where *where)
{
    struct layout l;
    const json_t *b;
    int r;

    *found = false;
    r = read_layout(c, NULL, iface, false, &l);
    if (r < 0) {
        return r;
    }
    b = l.old_port ? bridge_holding(&l, l.old_port) : NULL;
    if (b) {
        long long ofport = opt_int(json_object_get(l.own_iface, "ofport"), -1);
        long long req = opt_int(json_object_get(l.own_iface, "ofport_request"), -1);
        memset(where, 0, sizeof(*where));
        where->tag = -1;
        snprintf(where->parent, sizeof(where->parent), "%s",
                 json_string_value(json_object_get(b, "name")));
        where->ofport = ofport >= 1 && ofport <= VIFPORT_OFPORT_LAST ? (uint32_t)ofport
                        : req >= 1 && req <= VIFPORT_OFPORT_LAST     ? (uint32_t)req
                                                                     : 0;
        *found = true;
    }
    json_decref(l.res);
    return 0;
}

/* Parses "[1,2]", "1,2" or "1, 2" into a JSON array of VLAN ids; NULL if malformed. */
static json_t *parse_trunks(const char *text, struct sbuf *canon)
{
    json_t *ids = json_array();
    const char *p = text;

    if (*p == '[') {
        p++;
    }
    sbuf_addc(canon, '[');
    while (ids && *p && *p != ']') {
        char *end;
        long v;
        while (*p == ' ' || *p == ',') {
            p++;
        }
        if (!*p || *p == ']') {
            break;
        }
        v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 4095) {
            json_decref(ids);
            return NULL;
        }
        sbuf_addf(canon, "%s%ld", json_array_size(ids) ? "," : "", v);
        json_array_append_new(ids, json_integer(v));
        p = end;
    }
    if ((*text == '[') != (*p == ']') || (*p == ']' && p[1])) {
        json_decref(ids);
        return NULL;
    }
    sbuf_addc(canon, ']');
    return ids;
}

int vifport_set_trunks(struct ovsdbc *c, const char *iface, const char *trunks, struct sbuf *dry)
{
    struct sbuf canon = SBUF_INIT, arg = SBUF_INIT;
    json_t *ids = NULL, *res = NULL;
    bool clear = !trunks || !*trunks;
    int r = 0;

    if (!clear) {
        ids = parse_trunks(trunks, &canon);
        if (!ids) {
            xlog_err("%s: invalid trunks '%s'", iface, trunks);
            r = -EINVAL;
            goto out;
        }
    }
    if (dry) {
        char *set[] = {"--if-exists", "set", "Port", (char *)iface, NULL};
        char *clr[] = {"--if-exists", "clear", "Port", (char *)iface, "trunks"};
        sbuf_addf(&arg, "trunks=%s", sbuf_str(&canon));
        set[4] = (char *)sbuf_str(&arg);
        r = clear ? dry_line(dry, 5, clr) : dry_line(dry, 5, set);
        goto out;
    }
    r = transact(c,
                 json_pack("[{s:s, s:s, s:o, s:{s:[s, o]}}]", "op", "update", "table", "Port",
                           "where", where_name(iface), "row", "trunks", "set",
                           ids ? json_incref(ids) : json_array()),
                 &res);
    if (r < 0) {
        xlog_err("%s: setting trunks failed (%s)", iface, ovsdbc_last_error(c));
    }
out:
    json_decref(ids);
    json_decref(res);
    sbuf_free(&canon);
    sbuf_free(&arg);
    return r;
}
