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
/* Name-derived OpenFlow numbers start here (see first_ofport()). */
#define VIFPORT_OFPORT_HASHED 0x1000
/* A plug whose ofport guard trips this often in a row gives up; after half as many, it stops
 * probing near the name-derived number and scans for a free one. */
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

/* What a plug or lookup needs to know, read by name so the cost does not grow with the number
 * of ports on the switch. */
struct layout {
    json_t *res;             /* The read by name. */
    json_t *holder_res;      /* The read of the Bridge row holding a port, or NULL. */
    const char *old_port;    /* The Port named iface (its uuid), or NULL. */
    const json_t *own_iface; /* The Interface row named iface, or NULL. */
    const json_t *bridge;    /* The Bridge row named like the plug's bridge, or NULL. */
    const json_t *fake;      /* The Port row named like the plug's bridge, or NULL. */
    const json_t *holder;    /* The Bridge row read by read_holder(), or NULL. */
};

static void layout_free(struct layout *l)
{
    json_decref(l->res);
    json_decref(l->holder_res);
    memset(l, 0, sizeof(*l));
}

/* Reads the port and interface named iface and, for a plug, the bridge and fake-bridge port
 * named bridge: four selects by name in one transaction. */
static int read_named(struct ovsdbc *c, const char *bridge, const char *iface, struct layout *l)
{
    json_t *ops = json_pack("[{s:s, s:s, s:o, s:[s]}, {s:s, s:s, s:o, s:[s, s, s]}]", "op",
                            "select", "table", "Port", "where", where_name(iface), "columns",
                            "_uuid", "op", "select", "table", "Interface", "where",
                            where_name(iface), "columns", "name", "ofport", "ofport_request");
    int r;

    memset(l, 0, sizeof(*l));
    if (ops && bridge) {
        json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[s, s]}", "op", "select", "table",
                                             "Bridge", "where", where_name(bridge), "columns",
                                             "_uuid", "name"));
        json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[s, s, s]}", "op", "select",
                                             "table", "Port", "where", where_name(bridge),
                                             "columns", "_uuid", "tag", "fake_bridge"));
    }
    r = transact(c, ops, &l->res);
    if (r < 0) {
        xlog_err("reading the switch's ports failed (%s)", ovsdbc_last_error(c));
        layout_free(l);
        return r;
    }
    l->old_port = row_uuid(json_array_get(rows_of(l->res, 0), 0));
    l->own_iface = json_array_get(rows_of(l->res, 1), 0);
    if (bridge) {
        l->bridge = json_array_get(rows_of(l->res, 2), 0);
        l->fake = json_array_get(rows_of(l->res, 3), 0);
    }
    return 0;
}

/* Reads the Bridge row whose ports include port (a uuid) into l->holder (NULL when none). */
static int read_holder(struct ovsdbc *c, const char *port, struct layout *l)
{
    json_t *ops =
            json_pack("[{s:s, s:s, s:[[s, s, o]], s:[s, s]}]", "op", "select", "table", "Bridge",
                      "where", "ports", "includes", uuid_atom(port), "columns", "_uuid", "name");
    int r = transact(c, ops, &l->holder_res);

    if (r < 0) {
        xlog_err("reading the switch's bridges failed (%s)", ovsdbc_last_error(c));
        return r;
    }
    l->holder = json_array_get(rows_of(l->holder_res, 0), 0);
    return 0;
}

/* An integer column's value when it is a usable OpenFlow port number, else 0. */
static uint32_t ofport_of(const json_t *row, const char *column)
{
    long long v = opt_int(json_object_get(row, column), -1);

    return v >= 1 && v <= VIFPORT_OFPORT_LAST ? (uint32_t)v : 0;
}

/* The first number to ask for: the one the interface already had (a re-plug keeps its
 * number), else one derived from the name.  A name-derived number spreads VIFs over a range
 * the switch daemon's own allocation (upwards from 1, for ports that ask for nothing) rarely
 * reaches, and a number freed by one VIF's unplug goes to the next VIF only by a collision of
 * names, not because it was the highest (a plug racing an unplug's flow removal could
 * otherwise lose its rules). */
static uint32_t first_ofport(const struct layout *l, const char *iface)
{
    uint32_t h = 2166136261u, span = VIFPORT_OFPORT_LAST - VIFPORT_OFPORT_HASHED + 1;
    uint32_t own = ofport_of(l->own_iface, "ofport_request");

    if (!own) {
        own = ofport_of(l->own_iface, "ofport");
    }
    if (own) {
        return own;
    }
    for (const unsigned char *p = (const unsigned char *)iface; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    return VIFPORT_OFPORT_HASHED + h % span;
}

static uint32_t next_ofport(uint32_t n)
{
    return n >= VIFPORT_OFPORT_LAST ? VIFPORT_OFPORT_HASHED : n + 1;
}

/* When the numbers near the name-derived one keep being taken: one above the highest number in
 * use or requested on the whole switch, or after a wrap the lowest free one; 0 if none is free.
 * This reads every Interface row, so it is the fallback, not the rule. */
static int scan_free_ofport(struct ovsdbc *c, uint32_t *out)
{
    json_t *res = NULL,
           *ops = json_pack("[{s:s, s:s, s:[], s:[s, s]}]", "op", "select", "table", "Interface",
                            "where", "columns", "ofport", "ofport_request");
    unsigned char *used = calloc(VIFPORT_OFPORT_LAST + 1, 1);
    const json_t *rows, *row;
    uint32_t n;
    size_t i;
    int r;

    *out = 0;
    if (!used) {
        json_decref(ops);
        return -ENOMEM;
    }
    r = transact(c, ops, &res);
    if (r < 0) {
        xlog_err("reading the switch's interfaces failed (%s)", ovsdbc_last_error(c));
        goto out;
    }
    rows = rows_of(res, 0);
    json_array_foreach(rows, i, row)
    {
        used[ofport_of(row, "ofport")] = 1;
        used[ofport_of(row, "ofport_request")] = 1;
    }
    for (n = VIFPORT_OFPORT_LAST; n >= 1 && !used[n]; n--) {
    }
    if (n < VIFPORT_OFPORT_LAST) {
        *out = n + 1;
    }
    for (n = 1; !*out && n <= VIFPORT_OFPORT_LAST; n++) {
        *out = used[n] ? 0 : n;
    }
out:
    json_decref(res);
    free(used);
    return r;
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

/* Finds the bridge that takes the port: the bridge itself, or the parent of a VLAN fake
 * bridge, whose tag the port gets.  -ENOENT (logged) when there is neither. */
static int plug_parent(struct ovsdbc *c, const char *bridge, const char *iface, struct layout *l,
                       const json_t **parent, struct vifport_where *w)
{
    int r;

    if (l->bridge) {
        *parent = l->bridge;
        return 0;
    }
    if (l->fake && json_is_true(json_object_get(l->fake, "fake_bridge"))) {
        r = read_holder(c, row_uuid(l->fake), l);
        if (r < 0) {
            return r;
        }
        w->tag = (int)opt_int(json_object_get(l->fake, "tag"), -1);
        *parent = l->holder;
    }
    if (!*parent) {
        xlog_err("%s: no bridge named %s", iface, bridge);
        return -ENOENT;
    }
    return 0;
}

/* The plug transaction: replace any port named iface by one on parent asking for OpenFlow
 * number w->ofport, guarded so that it fails (and is tried again) if another interface asks
 * for or has that number, or the parent is gone or renamed. */
static json_t *plug_ops(const struct layout *l, const json_t *parent, const char *iface,
                        const char *const *external_ids, const struct vifport_where *w)
{
    const char *parent_uuid = row_uuid(parent);
    json_t *ops = json_array(), *iface_row, *port_row;

    if (l->old_port) {
        /* --if-exists del-port: off whichever bridge has it; the server collects it. */
        json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[[s, s, [s, [o]]]]}", "op",
                                             "mutate", "table", "Bridge", "where", "mutations",
                                             "ports", "delete", "set", uuid_atom(l->old_port)));
    }
    /* The interface being replaced is left out of the guards: a re-plug keeps its number. */
    for (int k = 0; k < 2; k++) {
        json_array_append_new(
                ops, json_pack("{s:s, s:s, s:i, s:[[s, s, I], [s, s, s]], s:[s], s:s, s:[]}", "op",
                               "wait", "table", "Interface", "timeout", 0, "where",
                               k ? "ofport" : "ofport_request", "==", (json_int_t)w->ofport, "name",
                               "!=", iface, "columns", "_uuid", "until", "==", "rows"));
    }
    json_array_append_new(ops, json_pack("{s:s, s:s, s:i, s:[[s, s, o]], s:[s], s:s, s:[{s:s}]}",
                                         "op", "wait", "table", "Bridge", "timeout", 0, "where",
                                         "_uuid", "==", uuid_atom(parent_uuid), "columns", "name",
                                         "until", "==", "rows", "name", w->parent));
    iface_row = json_pack("{s:s, s:o, s:I}", "name", iface, "external_ids", ids_map(external_ids),
                          "ofport_request", (json_int_t)w->ofport);
    port_row = json_pack("{s:s, s:[s, s]}", "name", iface, "interfaces", "named-uuid", "iface");
    if (w->tag >= 0) {
        json_object_set_new(port_row, "tag", json_integer(w->tag));
    }
    json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:o}", "op", "insert", "table",
                                         "Interface", "uuid-name", "iface", "row", iface_row));
    json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:o}", "op", "insert", "table", "Port",
                                         "uuid-name", "port", "row", port_row));
    json_array_append_new(ops, json_pack("{s:s, s:s, s:[[s, s, o]], s:[[s, s, [s, s]]]}", "op",
                                         "mutate", "table", "Bridge", "where", "_uuid",
                                         "==", uuid_atom(parent_uuid), "mutations", "ports",
                                         "insert", "named-uuid", "port"));
    json_array_append_new(ops,
                          json_pack("{s:s, s:s}", "op", "comment", "comment", "vif: plug port"));
    append_bump(ops);
    return ops;
}

/* True when a failed transaction failed on one of its wait operations. */
static bool guard_tripped(const json_t *res)
{
    const json_t *e;
    size_t i;

    json_array_foreach(res, i, e)
    {
        const char *err = json_string_value(json_object_get(e, "error"));
        if (err && !strcmp(err, "timed out")) {
            return true;
        }
    }
    return false;
}

int vifport_plug(struct ovsdbc *c, const char *bridge, const char *iface,
                 const char *const *external_ids, struct sbuf *dry, struct vifport_where *where)
{
    struct vifport_where w = {.tag = -1};
    uint32_t want = 0;
    int r = -EBUSY;

    if (dry) {
        return plug_dry(bridge, iface, external_ids, dry);
    }
    for (int attempt = 0; attempt < VIFPORT_ATTEMPTS; attempt++) {
        struct layout l;
        const json_t *parent = NULL;
        json_t *res = NULL;

        r = read_named(c, bridge, iface, &l);
        if (r == 0) {
            w.tag = -1;
            r = plug_parent(c, bridge, iface, &l, &parent, &w);
        }
        if (r < 0) {
            layout_free(&l);
            return r;
        }
        snprintf(w.parent, sizeof(w.parent), "%s",
                 json_string_value(json_object_get(parent, "name")));
        if (attempt == 0) {
            want = first_ofport(&l, iface);
        } else if (attempt < VIFPORT_ATTEMPTS / 2) {
            want = next_ofport(want);
        } else if ((r = scan_free_ofport(c, &want)) < 0) {
            layout_free(&l);
            return r;
        }
        if (!want) {
            xlog_err("%s: no free OpenFlow port number", bridge);
            layout_free(&l);
            return -ENOSPC;
        }
        w.ofport = want;
        r = transact(c, plug_ops(&l, parent, iface, external_ids, &w), &res);
        layout_free(&l);
        if (r == -EPROTO && guard_tripped(res)) {
            xlog_debug("%s: OpenFlow number %u is taken or the bridge changed, trying again", iface,
                       (unsigned)want);
            json_decref(res);
            r = -EBUSY;
            continue;
        }
        if (r < 0) {
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
    r = read_named(c, NULL, iface, &l);
    if (r < 0 || !l.old_port) {
        layout_free(&l);
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
    layout_free(&l);
    return r;
}

int vifport_find(struct ovsdbc *c, const char *iface, bool *found, struct vifport_where *where)
{
    struct layout l;
    int r;

    *found = false;
    r = read_named(c, NULL, iface, &l);
    if (r == 0 && l.old_port) {
        r = read_holder(c, l.old_port, &l);
    }
    if (r == 0 && l.holder) {
        uint32_t ofport = ofport_of(l.own_iface, "ofport");
        memset(where, 0, sizeof(*where));
        where->tag = -1;
        snprintf(where->parent, sizeof(where->parent), "%s",
                 json_string_value(json_object_get(l.holder, "name")));
        where->ofport = ofport ? ofport : ofport_of(l.own_iface, "ofport_request");
        *found = true;
    }
    layout_free(&l);
    return r;
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
