/* The bridge/port/interface view that ovs-vsctl's bridge commands work on,
 * built from the database view: real bridges (Bridge rows referenced by the
 * Open_vSwitch row), fake bridges (Ports with fake_bridge=true and a tag
 * 0..4095, whose VLAN's ports they own), ports and interfaces. */
#ifndef XVS_VSCTL_MODEL_H
#define XVS_VSCTL_MODEL_H

#include <stddef.h>

#include "vsctl_db.h"

struct vm_bridge {
    const char *name;
    const char *br_uuid;   /* Bridge row (real bridges). */
    const char *port_uuid; /* Port row (fake bridges). */
    struct vm_bridge *parent;
    int vlan;
};

struct vm_port {
    const char *name;
    const char *uuid;
    struct vm_bridge *bridge; /* The fake bridge for a port on its VLAN, else the real one. */
};

struct vm_iface {
    const char *name;
    const char *uuid;
    struct vm_port *port;
};

struct vmodel {
    struct vm_bridge *bridges;
    size_t n_bridges;
    struct vm_port *ports;
    size_t n_ports;
    struct vm_iface *ifaces;
    size_t n_ifaces;
    json_t *keep; /* Datums the strings above point into. */
};

/* Builds the view from db's current contents (strings borrowed from db: valid until db changes).
 * 0 or -ENOMEM. */
int vmodel_build(struct vdb *db, const char *ovs_uuid, struct vmodel *m);
void vmodel_free(struct vmodel *m);

struct vm_bridge *vmodel_bridge(const struct vmodel *m, const char *name);
struct vm_port *vmodel_port(const struct vmodel *m, const char *name);
struct vm_iface *vmodel_iface(const struct vmodel *m, const char *name);
/* The real bridge a (possibly fake) bridge lives on. */
static inline const struct vm_bridge *vmodel_real(const struct vm_bridge *b)
{
    return b->parent ? b->parent : b;
}

#endif
