/* xvs-vsctl's bridge, port, interface, controller, manager, fail-mode, SSL and
 * emer-reset commands, with ovs-vsctl's semantics and error texts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vsctl_cmd.h"
#include "vsctl_model.h"

static int set_str(struct vctx *ctx, const char *table, const char *uuid, const char *col,
                   const char *value)
{
    return vdb_set(ctx->db, table, uuid, col, json_pack("[s]", value));
}

static int set_ref(struct vctx *ctx, const char *table, const char *uuid, const char *col,
                   const char *ref)
{
    return vdb_set(ctx->db, table, uuid, col,
                   ref ? json_pack("[[ss]]", "uuid", ref) : json_array());
}

/* Prints the strings of a JSON array, sorted, one per line. */
static void print_sorted(struct vctx *ctx, json_t *names)
{
    size_t n = json_array_size(names);

    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0; j--) {
            const char *a = json_string_value(json_array_get(names, j - 1));
            const char *b = json_string_value(json_array_get(names, j));
            if (strcmp(a, b) <= 0) {
                break;
            }
            json_t *t = json_incref(json_array_get(names, j));
            json_array_set(names, j, json_array_get(names, j - 1));
            json_array_set_new(names, j - 1, t);
        }
    }
    for (size_t i = 0; i < n; i++) {
        sbuf_addf(&ctx->cmd->output, "%s\n", json_string_value(json_array_get(names, i)));
    }
}

static int build(struct vctx *ctx, struct vmodel *m)
{
    if (vmodel_build(ctx->db, ctx->ovs_uuid, m) < 0) {
        return vctx_fail(ctx, "out of memory");
    }
    return 0;
}

/* Like ovs-vsctl, a bridge's own port and interface do not count as ports or interfaces. */
static struct vm_port *find_port(const struct vmodel *m, const char *name)
{
    struct vm_port *p = vmodel_port(m, name);
    return p && strcmp(name, p->bridge->name) ? p : NULL;
}

static struct vm_iface *find_iface(const struct vmodel *m, const char *name)
{
    struct vm_iface *f = vmodel_iface(m, name);
    return f && strcmp(name, f->port->bridge->name) ? f : NULL;
}

static struct vm_bridge *need_bridge(struct vctx *ctx, struct vmodel *m, const char *name)
{
    struct vm_bridge *b = vmodel_bridge(m, name);

    if (!b) {
        vctx_fail(ctx, "no bridge named %s", name);
    }
    return b;
}

int vcmd_init(struct vctx *ctx)
{
    /* vcmd_run_all() already created the Open_vSwitch row if it was missing. */
    (void)ctx;
    return 0;
}

static int check_conflicts(struct vctx *ctx, struct vmodel *m, const char *name, const char *what)
{
    struct vm_port *p;
    struct vm_iface *f;

    if (vmodel_bridge(m, name)) {
        return vctx_fail(ctx, "%s because a bridge named %s already exists", what, name);
    }
    p = vmodel_port(m, name);
    if (p) {
        return vctx_fail(ctx, "%s because a port named %s already exists on bridge %s", what, name,
                         p->bridge->name);
    }
    f = vmodel_iface(m, name);
    if (f) {
        return vctx_fail(ctx, "%s because an interface named %s already exists on bridge %s", what,
                         name, f->port->bridge->name);
    }
    return 0;
}

static int may_exist_br(struct vctx *ctx, const struct vm_bridge *br, const char *parent, int vlan)
{
    const char *n = br->name;

    if (!parent) {
        if (br->parent) {
            return vctx_fail(ctx, "\"--may-exist add-br %s\" but %s is a VLAN bridge for VLAN %d",
                             n, n, br->vlan);
        }
    } else if (!br->parent) {
        return vctx_fail(ctx, "\"--may-exist add-br %s %s %d\" but %s is not a VLAN bridge", n,
                         parent, vlan, n);
    } else if (strcmp(br->parent->name, parent)) {
        return vctx_fail(ctx, "\"--may-exist add-br %s %s %d\" but %s has the wrong parent %s", n,
                         parent, vlan, n, br->parent->name);
    } else if (br->vlan != vlan) {
        return vctx_fail(ctx,
                         "\"--may-exist add-br %s %s %d\" but %s is a VLAN bridge for the wrong "
                         "VLAN %d",
                         n, parent, vlan, n, br->vlan);
    }
    return 0;
}

int vcmd_add_br(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *name = c->argv[1], *parent_name = NULL;
    struct vmodel m;
    char iface[37], port[37], br[37], what[512];
    int vlan = 0, r;

    if (c->argc != 2 && c->argc != 4) {
        return vctx_fail(ctx, "'add-br' command takes exactly 1 or 3 arguments");
    }
    if (c->argc == 4) {
        parent_name = c->argv[2];
        vlan = atoi(c->argv[3]);
        if (vlan < 0 || vlan > 4095) {
            return vctx_fail(ctx, "%s: vlan must be between 0 and 4095", c->argv[0]);
        }
    }
    if (build(ctx, &m) < 0) {
        return -EINVAL;
    }
    struct vm_bridge *old = vmodel_bridge(&m, name);
    if (vctx_opt(ctx, "--may-exist") && old) {
        r = may_exist_br(ctx, old, parent_name, vlan);
        goto out;
    }
    snprintf(what, sizeof(what), "cannot create a bridge named %s", name);
    r = check_conflicts(ctx, &m, name, what);
    if (r < 0) {
        goto out;
    }
    struct vm_bridge *parent = parent_name ? vmodel_bridge(&m, parent_name) : NULL;
    if (parent_name && parent && parent->parent) {
        r = vctx_fail(ctx, "cannot create bridge with fake bridge as parent");
        goto out;
    } else if (parent_name && !parent) {
        r = vctx_fail(ctx, "parent bridge %s does not exist", parent_name);
        goto out;
    }
    r = vdb_insert(ctx->db, "Interface", iface);
    r = r ?: set_str(ctx, "Interface", iface, "name", name);
    r = r ?: set_str(ctx, "Interface", iface, "type", "internal");
    r = r ?: vdb_insert(ctx->db, "Port", port);
    r = r ?: set_str(ctx, "Port", port, "name", name);
    r = r ?: set_ref(ctx, "Port", port, "interfaces", iface);
    if (!parent) {
        r = r ?: vdb_insert(ctx->db, "Bridge", br);
        r = r ?: set_str(ctx, "Bridge", br, "name", name);
        r = r ?: set_ref(ctx, "Bridge", br, "ports", port);
        r = r ?: vdb_ref_add(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "bridges", br);
    } else {
        r = r ?: vdb_set(ctx->db, "Port", port, "fake_bridge", json_pack("[b]", 1));
        r = r ?: vdb_set(ctx->db, "Port", port, "tag", json_pack("[i]", vlan));
        r = r ?: vdb_ref_add(ctx->db, "Bridge", parent->br_uuid, "ports", port);
    }
out:
    vmodel_free(&m);
    return r;
}

static void del_port(struct vctx *ctx, const struct vm_port *p)
{
    const json_t *ifs = vdb_get(ctx->db, "Port", p->uuid, "interfaces");
    json_t *keep = json_incref((json_t *)ifs);

    vdb_ref_remove(ctx->db, "Bridge", vmodel_real(p->bridge)->br_uuid, "ports", p->uuid);
    for (size_t i = 0; i < json_array_size(keep); i++) {
        vdb_delete(ctx->db, "Interface", vdb_ref_at(keep, i));
    }
    json_decref(keep);
    vdb_delete(ctx->db, "Port", p->uuid);
}

static void del_bridge(struct vctx *ctx, struct vmodel *m, const struct vm_bridge *br)
{
    for (size_t i = 0; i < m->n_bridges; i++) {
        if (m->bridges[i].parent == br) {
            del_bridge(ctx, m, &m->bridges[i]);
        }
    }
    for (size_t i = 0; i < m->n_ports; i++) {
        if (m->ports[i].bridge == br) {
            del_port(ctx, &m->ports[i]);
        }
    }
    if (br->br_uuid) {
        vdb_ref_remove(ctx->db, "Open_vSwitch", ctx->ovs_uuid, "bridges", br->br_uuid);
        vdb_delete(ctx->db, "Bridge", br->br_uuid);
    }
}

int vcmd_del_br(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_bridge *b;
    int r = 0;

    if (build(ctx, &m) < 0) {
        return -EINVAL;
    }
    b = vmodel_bridge(&m, ctx->cmd->argv[1]);
    if (b) {
        del_bridge(ctx, &m, b);
    } else if (!vctx_opt(ctx, "--if-exists")) {
        r = vctx_fail(ctx, "no bridge named %s", ctx->cmd->argv[1]);
    }
    vmodel_free(&m);
    return r;
}

int vcmd_list_br(struct vctx *ctx)
{
    bool real = vctx_opt(ctx, "--real"), fake = vctx_opt(ctx, "--fake");
    json_t *names = json_array();
    struct vmodel m;

    if (build(ctx, &m) < 0) {
        json_decref(names);
        return -EINVAL;
    }
    for (size_t i = 0; i < m.n_bridges; i++) {
        bool is_fake = m.bridges[i].parent != NULL;
        if ((!real && !fake) || (real && !is_fake) || (fake && is_fake)) {
            json_array_append_new(names, json_string(m.bridges[i].name));
        }
    }
    print_sorted(ctx, names);
    json_decref(names);
    vmodel_free(&m);
    return 0;
}

/* Runs the common part of the single-bridge queries. */
static int with_bridge(struct vctx *ctx, struct vmodel *m, struct vm_bridge **b)
{
    if (build(ctx, m) < 0) {
        return -EINVAL;
    }
    *b = need_bridge(ctx, m, ctx->cmd->argv[1]);
    if (!*b) {
        vmodel_free(m);
        return -EINVAL;
    }
    return 0;
}

int vcmd_br_exists(struct vctx *ctx)
{
    struct vmodel m;

    if (build(ctx, &m) < 0) {
        return -EINVAL;
    }
    if (!vmodel_bridge(&m, ctx->cmd->argv[1])) {
        ctx->exit_code = 2;
    }
    vmodel_free(&m);
    return 0;
}

int vcmd_br_to_vlan(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_bridge *b;

    if (with_bridge(ctx, &m, &b) < 0) {
        return -EINVAL;
    }
    sbuf_addf(&ctx->cmd->output, "%d\n", b->vlan);
    vmodel_free(&m);
    return 0;
}

int vcmd_br_to_parent(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_bridge *b;

    if (with_bridge(ctx, &m, &b) < 0) {
        return -EINVAL;
    }
    sbuf_addf(&ctx->cmd->output, "%s\n", vmodel_real(b)->name);
    vmodel_free(&m);
    return 0;
}

int vcmd_br_set_external_id(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    struct vmodel m;
    struct vm_bridge *b;
    int r;

    if (with_bridge(ctx, &m, &b) < 0) {
        return -EINVAL;
    }
    const char *value = c->argc > 3 ? c->argv[3] : NULL;
    if (b->br_uuid) {
        r = vdb_map_set(ctx->db, "Bridge", b->br_uuid, "external_ids", c->argv[2], value);
    } else {
        /* Fake bridges keep their ids on their Port, prefixed, as ovs-vsctl does. */
        char *key = NULL;
        if (asprintf(&key, "fake-bridge-%s", c->argv[2]) < 0) {
            vmodel_free(&m);
            return -ENOMEM;
        }
        r = vdb_map_set(ctx->db, "Port", b->port_uuid, "external_ids", key, value);
        free(key);
    }
    vmodel_free(&m);
    return r;
}

int vcmd_br_get_external_id(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    struct vmodel m;
    struct vm_bridge *b;

    if (with_bridge(ctx, &m, &b) < 0) {
        return -EINVAL;
    }
    const char *prefix = b->br_uuid ? "" : "fake-bridge-";
    const json_t *ids = b->br_uuid ? vdb_get(ctx->db, "Bridge", b->br_uuid, "external_ids")
                                   : vdb_get(ctx->db, "Port", b->port_uuid, "external_ids");
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *k = json_string_value(json_array_get(json_array_get(ids, i), 0));
        const char *v = json_string_value(json_array_get(json_array_get(ids, i), 1));
        if (!k || !v || strncmp(k, prefix, plen)) {
            continue;
        }
        if (c->argc > 2) {
            if (!strcmp(k + plen, c->argv[2])) {
                sbuf_addf(&c->output, "%s\n", v);
            }
        } else {
            sbuf_addf(&c->output, "%s=%s\n", k + plen, v);
        }
    }
    vmodel_free(&m);
    return 0;
}

int vcmd_list_ports(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_bridge *b;
    json_t *names = json_array();

    if (with_bridge(ctx, &m, &b) < 0) {
        json_decref(names);
        return -EINVAL;
    }
    for (size_t i = 0; i < m.n_ports; i++) {
        if (m.ports[i].bridge == b && strcmp(m.ports[i].name, b->name)) {
            json_array_append_new(names, json_string(m.ports[i].name));
        }
    }
    print_sorted(ctx, names);
    json_decref(names);
    vmodel_free(&m);
    return 0;
}

int vcmd_list_ifaces(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_bridge *b;
    json_t *names = json_array();

    if (with_bridge(ctx, &m, &b) < 0) {
        json_decref(names);
        return -EINVAL;
    }
    for (size_t i = 0; i < m.n_ifaces; i++) {
        if (m.ifaces[i].port->bridge == b && strcmp(m.ifaces[i].name, b->name)) {
            json_array_append_new(names, json_string(m.ifaces[i].name));
        }
    }
    print_sorted(ctx, names);
    json_decref(names);
    vmodel_free(&m);
    return 0;
}

int vcmd_iface_to_br(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_iface *f;
    int r = 0;

    if (build(ctx, &m) < 0) {
        return -EINVAL;
    }
    f = find_iface(&m, ctx->cmd->argv[1]);
    if (f) {
        sbuf_addf(&ctx->cmd->output, "%s\n", f->port->bridge->name);
    } else {
        r = vctx_fail(ctx, "no interface named %s", ctx->cmd->argv[1]);
    }
    vmodel_free(&m);
    return r;
}

int vcmd_port_to_br(struct vctx *ctx)
{
    struct vmodel m;
    struct vm_port *p;
    int r = 0;

    if (build(ctx, &m) < 0) {
        return -EINVAL;
    }
    p = find_port(&m, ctx->cmd->argv[1]);
    if (p) {
        sbuf_addf(&ctx->cmd->output, "%s\n", p->bridge->name);
    } else {
        r = vctx_fail(ctx, "no port named %s", ctx->cmd->argv[1]);
    }
    vmodel_free(&m);
    return r;
}

/* Checks an existing port for --may-exist: same bridge, same interfaces. */
static int may_exist_port(struct vctx *ctx, struct vmodel *m, const struct vm_port *p,
                          char **ifaces, int n_ifaces)
{
    const char *brn = ctx->cmd->argv[1];
    struct vm_bridge *b = need_bridge(ctx, m, brn);
    json_t *want = json_array(), *have = json_array();
    int r = 0;

    if (!b) {
        r = -EINVAL;
        goto out;
    }
    if (b != p->bridge) {
        r = vctx_fail(ctx, "\"--may-exist add-port %s %s\" but %s is actually attached to %s %s",
                      brn, p->name, p->name, p->bridge->parent == b ? "child bridge" : "bridge",
                      p->bridge->name);
        goto out;
    }
    for (int i = 0; i < n_ifaces; i++) {
        json_array_append_new(want, json_string(ifaces[i]));
    }
    for (size_t i = 0; i < m->n_ifaces; i++) {
        if (m->ifaces[i].port == p) {
            json_array_append_new(have, json_string(m->ifaces[i].name));
        }
    }
    vval_normalize(want, false);
    vval_normalize(have, false);
    if (!json_equal(want, have)) {
        struct sbuf s = SBUF_INIT;
        for (size_t i = 0; i < json_array_size(have); i++) {
            sbuf_addf(&s, "%s%s", i ? ", " : "", json_string_value(json_array_get(have, i)));
        }
        struct sbuf cmd = SBUF_INIT;
        for (int i = 0; i < n_ifaces; i++) {
            sbuf_addf(&cmd, " %s", ifaces[i]);
        }
        r = vctx_fail(ctx, "\"--may-exist add-bond %s %s%s\" but %s actually has interface(s) %s",
                      brn, p->name, sbuf_str(&cmd), p->name, sbuf_str(&s));
        sbuf_free(&cmd);
        sbuf_free(&s);
    }
out:
    json_decref(want);
    json_decref(have);
    return r;
}

static int add_port(struct vctx *ctx, const char *port_name, char **ifaces, int n_ifaces,
                    char **settings, int n_settings, bool fake_iface)
{
    struct vmodel m;
    struct vm_bridge *b;
    struct vm_port *old;
    char what[512], port[37];
    json_t *refs = json_array();
    int r;

    if (build(ctx, &m) < 0) {
        json_decref(refs);
        return -EINVAL;
    }
    old = vmodel_port(&m, port_name);
    if (vctx_opt(ctx, "--may-exist") && old) {
        r = may_exist_port(ctx, &m, old, ifaces, n_ifaces);
        goto out;
    }
    snprintf(what, sizeof(what), "cannot create a port named %s", port_name);
    r = check_conflicts(ctx, &m, port_name, what);
    for (int i = 0; !r && i < n_ifaces; i++) {
        snprintf(what, sizeof(what), "cannot create an interface named %s", ifaces[i]);
        r = check_conflicts(ctx, &m, ifaces[i], what);
    }
    if (r < 0) {
        goto out;
    }
    b = need_bridge(ctx, &m, ctx->cmd->argv[1]);
    if (!b) {
        r = -EINVAL;
        goto out;
    }
    for (int i = 0; !r && i < n_ifaces; i++) {
        char iface[37];
        r = vdb_insert(ctx->db, "Interface", iface);
        r = r ?: set_str(ctx, "Interface", iface, "name", ifaces[i]);
        json_array_append_new(refs, json_pack("[ss]", "uuid", iface));
    }
    r = r ?: vdb_insert(ctx->db, "Port", port);
    r = r ?: set_str(ctx, "Port", port, "name", port_name);
    r = r ?: vdb_set(ctx->db, "Port", port, "interfaces", json_incref(refs));
    if (!r && fake_iface) {
        r = vdb_set(ctx->db, "Port", port, "bond_fake_iface", json_pack("[b]", 1));
    }
    if (!r && b->parent) {
        r = vdb_set(ctx->db, "Port", port, "tag", json_pack("[i]", b->vlan));
    }
    for (int i = 0; !r && i < n_settings; i++) {
        r = vctx_set_column(ctx, "Port", port, settings[i]);
    }
    r = r ?: vdb_ref_add(ctx->db, "Bridge", vmodel_real(b)->br_uuid, "ports", port);
out:
    json_decref(refs);
    vmodel_free(&m);
    return r;
}

int vcmd_add_port(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    return add_port(ctx, c->argv[2], &c->argv[2], 1, &c->argv[3], c->argc - 3, false);
}

int vcmd_add_bond(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    int i = 3;

    while (i < c->argc && !strchr(c->argv[i], '=')) {
        i++;
    }
    if (i - 3 < 2) {
        return vctx_fail(ctx, "add-bond requires at least 2 interfaces, but only %d were specified",
                         i - 3);
    }
    return add_port(ctx, c->argv[2], &c->argv[3], i - 3, &c->argv[i], c->argc - i,
                    vctx_opt(ctx, "--fake-iface"));
}

int vcmd_del_port(struct vctx *ctx)
{
    struct vcmd *c = ctx->cmd;
    const char *target = c->argv[c->argc - 1];
    bool must_exist = !vctx_opt(ctx, "--if-exists");
    bool with_iface = vctx_opt(ctx, "--with-iface");
    struct vm_bridge *b;
    struct vm_port *p = NULL;
    struct vmodel m;
    int r = 0;

    if (build(ctx, &m) < 0) {
        return -EINVAL;
    }
    if (vmodel_bridge(&m, target)) {
        if (must_exist) {
            r = vctx_fail(ctx,
                          "cannot delete port %s because it is the local port for bridge %s "
                          "(deleting this port requires deleting the entire bridge)",
                          target, target);
        }
        goto out;
    }
    p = find_port(&m, target);
    if (!p && with_iface) {
        struct vm_iface *f = find_iface(&m, target);
        p = f ? f->port : NULL;
    }
    if (!p) {
        if (must_exist) {
            r = vctx_fail(ctx, with_iface ? "no port or interface named %s" : "no port named %s",
                          target);
        }
        goto out;
    }
    if (c->argc == 3) {
        b = need_bridge(ctx, &m, c->argv[1]);
        if (!b) {
            r = -EINVAL;
            goto out;
        }
        if (p->bridge != b) {
            if (p->bridge->parent == b) {
                r = vctx_fail(ctx,
                              "bridge %s does not have a port %s (although its child bridge %s "
                              "does)",
                              c->argv[1], target, p->bridge->name);
            } else {
                r = vctx_fail(ctx, "bridge %s does not have a port %s", c->argv[1], target);
            }
            goto out;
        }
    }
    del_port(ctx, p);
out:
    vmodel_free(&m);
    return r;
}
