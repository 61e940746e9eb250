/* The XenAPI methods of xvs-xapi-sim that change the host: one table per
 * module, looked up by class and method name.
 *
 * sim_api checks the parameter count, the session's type and the session
 * before calling a method; the method checks its own arguments (the
 * params array still holds the session at index 0, so the first argument
 * is at index 1) and returns the whole envelope. */
#ifndef XVS_SIM_METHODS_H
#define XVS_SIM_METHODS_H

#include <stddef.h>

struct sim_ctx;
struct xr_value;

typedef struct xr_value *(*sim_method_fn)(struct sim_ctx *ctx, const struct xr_value *params);

struct sim_method {
    const char *cls; /* NULL ends a table. */
    const char *name;
    size_t nargs; /* Arguments after the session. */
    sim_method_fn fn;
};

/* network, PIF, and the other_config maps of the network objects
 * (sim_net.c). */
extern const struct sim_method sim_net_methods[];
/* VLAN and PIF.destroy (sim_vlan.c). */
extern const struct sim_method sim_vlan_methods[];
/* Bond, tunnel, host.management_reconfigure, pool.set_vswitch_controller,
 * SDN_controller (sim_bond.c). */
extern const struct sim_method sim_bond_methods[];
/* VM and VIF (sim_vm.c). */
extern const struct sim_method sim_vm_methods[];
/* host.call_plugin (sim_plugin.c). */
extern const struct sim_method sim_plugin_methods[];

/* The method "name" of class "cls", or NULL. */
const struct sim_method *sim_method_find(const char *cls, const char *name);

#endif
