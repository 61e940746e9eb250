/* Running guests for xvs-xapi-sim: what xenopsd, Xen and netback do when a
 * VM starts or a VIF is plugged, on a plain Linux box.
 *
 * A guest is a network namespace (named by the --guest-ns-prefix and the VM
 * name).  A VIF is a veth pair: the dom0 end vif<domid>.<devid> stays in
 * the simulator's own namespace (the host's dom0) with netback's MAC
 * fe:ff:ff:ff:ff:ff, the guest end eth<devid> gets the VIF's MAC and MTU in
 * the guest namespace.  Before the hotplug script runs, the xenstore keys
 * xenopsd writes (spec §2.5) go to the xenstored of the root prefix, and
 * the xenopsd VIF file goes to <root>/var/run/nonpersistent/xenopsd/
 * classic/VM/<vm-uuid>/vif.<devid>.  The hotplug script is run as udev runs
 * it (`<libexec>/vif online type_if=vif`, XENBUS_PATH etc. in the
 * environment), and the plug waits for hotplug-status=connected.
 *
 * The namespace of a running VM is recorded in
 * <root>/var/run/nonpersistent/xvs-xapi-sim/<vm-uuid>.netns, so that a
 * restarted simulator can still shut it down. */
#ifndef XVS_SIM_GUEST_H
#define XVS_SIM_GUEST_H

#include <stdbool.h>
#include <stddef.h>

struct sim_ctx;
struct xr_value;

/* What the runtime needs to know of one VIF (all borrowed). */
struct sim_guest_vif {
    const char *vm_uuid;
    const char *vif_uuid;
    const char *network_uuid;
    const char *bridge;
    const char *mac;
    const char *locking_mode;            /* Effective: "unlocked", "disabled" or "locked". */
    const struct xr_value *ipv4_allowed; /* Arrays of strings, may be NULL. */
    const struct xr_value *ipv6_allowed;
    const struct xr_value *other_config; /* Struct of strings, may be NULL. */
    unsigned devid;
    long long mtu;
};

/* The xenopsd VIF file of "v" (JSON text, caller frees "*out").  Returns 0
 * or -ENOMEM. */
int sim_guest_vif_json(const struct sim_guest_vif *v, char **out);

/* Creates the guest of VM "vm_uuid" named "name" as domain "domid": the
 * namespace (with lo up) and the domain's xenstore keys.  "*ns" receives
 * the namespace name (caller frees).  Returns 0 or a negative errno with a
 * one-line reason in "err"; nothing is left on failure. */
int sim_guest_start(struct sim_ctx *ctx, const char *vm_uuid, const char *name, unsigned domid,
                    char **ns, char *err, size_t errlen);

/* Removes what sim_guest_start() made (namespace, xenstore keys, xenopsd
 * folder, record).  Errors are logged; goes on with the rest. */
void sim_guest_stop(struct sim_ctx *ctx, const char *vm_uuid, unsigned domid);

/* The namespace recorded for running VM "vm_uuid" (caller frees), or NULL. */
char *sim_guest_ns(const char *vm_uuid);

/* Plugs VIF "v" of domain "domid" whose guest namespace is "ns" (see the
 * top of this file).  Returns 0, or a negative errno with a one-line
 * reason in "err" (the hotplug-error text when the script wrote one);
 * nothing is left of the VIF on failure. */
int sim_guest_vif_plug(struct sim_ctx *ctx, unsigned domid, const char *ns,
                       const struct sim_guest_vif *v, char *err, size_t errlen);

/* Unplugs VIF "devid" of domain "domid": `vif remove type_if=vif`, a wait
 * for hotplug-status to go, then the device, its xenstore keys and its
 * xenopsd file are removed.  Errors are logged. */
void sim_guest_vif_unplug(struct sim_ctx *ctx, const char *vm_uuid, unsigned domid, unsigned devid);

/* Rewrites the xenopsd file and the locking keys of attached VIF "v" and
 * runs `<libexec>/setup-vif-rules classic vif<domid>.<devid> <vm-uuid>
 * <devid> filter`, as xenopsd does when the locking mode changes.  Returns
 * 0 or a negative errno with a reason in "err". */
int sim_guest_vif_refresh(struct sim_ctx *ctx, unsigned domid, const struct sim_guest_vif *v,
                          char *err, size_t errlen);

#endif
