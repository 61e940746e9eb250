/* The bridge/port/interface view of ovs-vsctl's bridge commands (see vsctl_model.h). */
#include "vsctl_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool port_is_fake_bridge(struct vdb *db, const char *port, long long *tag)
{
    *tag = vdb_get_int(db, "Port", port, "tag", -1);
    return vdb_get_bool(db, "Port", port, "fake_bridge") && *tag >= 0 && *tag <= 4095;
}

/* The model keeps a reference to every datum its strings point into, so that they stay valid
 * while commands replace columns. */
static const json_t *keep(struct vmodel *m, const json_t *d)
{
    if (d) {
        json_array_append(m->keep, (json_t *)d);
    }
    return d;
}

static const char *name_of(struct vmodel *m, struct vdb *db, const char *table, const char *uuid)
{
    const char *s = json_string_value(json_array_get(keep(m, vdb_get(db, table, uuid, "name")), 0));
    return s ? s : "";
}

int vmodel_build(struct vdb *db, const char *ovs_uuid, struct vmodel *m)
{
    const json_t *brs;
    size_t n_ports = 0, n_ifaces = 0;

    memset(m, 0, sizeof(*m));
    m->keep = json_array();
    if (!m->keep) {
        return -ENOMEM;
    }
    brs = keep(m, vdb_get(db, "Open_vSwitch", ovs_uuid, "bridges"));
    /* Count first: the arrays must not move once bridges point at their parents. */
    for (size_t i = 0; i < json_array_size(brs); i++) {
        const json_t *ports = vdb_get(db, "Bridge", vdb_ref_at(brs, i), "ports");
        n_ports += json_array_size(ports);
        for (size_t k = 0; k < json_array_size(ports); k++) {
            n_ifaces += json_array_size(vdb_get(db, "Port", vdb_ref_at(ports, k), "interfaces"));
        }
    }
    m->bridges = calloc(json_array_size(brs) + n_ports + 1, sizeof(*m->bridges));
    m->ports = calloc(n_ports + 1, sizeof(*m->ports));
    m->ifaces = calloc(n_ifaces + 1, sizeof(*m->ifaces));
    if (!m->bridges || !m->ports || !m->ifaces) {
        vmodel_free(m);
        return -ENOMEM;
    }
    for (size_t i = 0; i < json_array_size(brs); i++) {
        const char *bu = vdb_ref_at(brs, i);
        if (!vdb_row(db, "Bridge", bu)) {
            continue;
        }
        struct vm_bridge *b = &m->bridges[m->n_bridges++];
        b->name = name_of(m, db, "Bridge", bu);
        b->br_uuid = bu;
    }
    size_t n_real = m->n_bridges;
    for (size_t i = 0; i < n_real; i++) {
        const json_t *ports = keep(m, vdb_get(db, "Bridge", m->bridges[i].br_uuid, "ports"));
        for (size_t k = 0; k < json_array_size(ports); k++) {
            const char *pu = vdb_ref_at(ports, k);
            long long tag;
            if (vdb_row(db, "Port", pu) && port_is_fake_bridge(db, pu, &tag)) {
                struct vm_bridge *fb = &m->bridges[m->n_bridges++];
                fb->name = name_of(m, db, "Port", pu);
                fb->port_uuid = pu;
                fb->parent = &m->bridges[i];
                fb->vlan = (int)tag;
            }
        }
    }
    for (size_t i = 0; i < n_real; i++) {
        struct vm_bridge *real = &m->bridges[i];
        const json_t *ports = vdb_get(db, "Bridge", real->br_uuid, "ports");
        for (size_t k = 0; k < json_array_size(ports); k++) {
            const char *pu = vdb_ref_at(ports, k);
            const char *pname = name_of(m, db, "Port", pu);
            if (!vdb_row(db, "Port", pu) || vmodel_port(m, pname)) {
                continue;
            }
            struct vm_port *p = &m->ports[m->n_ports++];
            long long tag = vdb_get_int(db, "Port", pu, "tag", -1);
            p->name = pname;
            p->uuid = pu;
            p->bridge = real;
            for (size_t f = n_real; tag >= 0 && tag <= 4095 && f < m->n_bridges; f++) {
                if (m->bridges[f].parent == real && m->bridges[f].vlan == tag) {
                    p->bridge = &m->bridges[f];
                    break;
                }
            }
            const json_t *ifs = keep(m, vdb_get(db, "Port", pu, "interfaces"));
            for (size_t j = 0; j < json_array_size(ifs); j++) {
                const char *iu = vdb_ref_at(ifs, j);
                const char *iname = name_of(m, db, "Interface", iu);
                if (!vdb_row(db, "Interface", iu) || vmodel_iface(m, iname)) {
                    continue;
                }
                struct vm_iface *f = &m->ifaces[m->n_ifaces++];
                f->name = iname;
                f->uuid = iu;
                f->port = p;
            }
        }
    }
    return 0;
}

void vmodel_free(struct vmodel *m)
{
    free(m->bridges);
    free(m->ports);
    free(m->ifaces);
    json_decref(m->keep);
    memset(m, 0, sizeof(*m));
}

struct vm_bridge *vmodel_bridge(const struct vmodel *m, const char *name)
{
    for (size_t i = 0; i < m->n_bridges; i++) {
        if (!strcmp(m->bridges[i].name, name)) {
            return &m->bridges[i];
        }
    }
    return NULL;
}

struct vm_port *vmodel_port(const struct vmodel *m, const char *name)
{
    for (size_t i = 0; i < m->n_ports; i++) {
        if (!strcmp(m->ports[i].name, name)) {
            return &m->ports[i];
        }
    }
    return NULL;
}

struct vm_iface *vmodel_iface(const struct vmodel *m, const char *name)
{
    for (size_t i = 0; i < m->n_ifaces; i++) {
        if (!strcmp(m->ifaces[i].name, name)) {
            return &m->ifaces[i];
        }
    }
    return NULL;
}
