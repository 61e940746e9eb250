/* Lookup of the write methods of xvs-xapi-sim over the modules' tables;
 * see sim_methods.h. */
#include "sim_methods.h"

#include <string.h>

const struct sim_method *sim_method_find(const char *cls, const char *name)
{
    static const struct sim_method *const tables[] = {sim_net_methods, sim_vlan_methods,
                                                      sim_bond_methods, sim_vm_methods,
                                                      sim_plugin_methods};

    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (const struct sim_method *m = tables[t]; m->cls; m++) {
            if (!strcmp(m->cls, cls) && !strcmp(m->name, name)) {
                return m;
            }
        }
    }
    return NULL;
}
