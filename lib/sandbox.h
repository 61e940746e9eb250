/* Simulated Xen hosts for tests: a root folder plus network namespaces.
 *
 * A host is a folder made with mkdtemp() under /tmp that holds the standard
 * XenServer tree (etc/xensource, var/xapi, var/run/openvswitch, ...; pass it
 * as the root prefix) and a "dom0" network namespace.  Guests are further
 * namespaces joined to dom0 by a veth pair whose dom0 end is named like a Xen
 * VIF ("vif1.0") and whose guest end is "eth0"; "physical NICs" are veth pairs
 * from dom0 to an "upstream" namespace.  Every namespace of host NAME owned by
 * process PID is called "xvs-PID-NAME-<suffix>" (suffix "dom0", the guest
 * name or the upstream name); no interface is ever made in the caller's own
 * namespace.
 *
 * So that nothing outlives a crashed test, each host is recorded in
 * /run/xvs-sandbox/xvs-PID-NAME.owner with its owner process, its folder and
 * its namespaces, written before each thing is made.  sb_reap_stale() (also
 * run by every sb_host_create()) tears down every host whose owner process is
 * gone.  The record file is the state: another process (the xvs-sandbox CLI)
 * can reopen a host by name.  Record changes are serialised by a lock file.
 *
 * Needs root and iproute2's `ip`, which is run through lib/exec with a
 * timeout.  Names (host, guest, upstream) are letters, digits, '-', '_' and
 * '.', not starting with '-'; interface names are the same and at most 15
 * characters (IFNAMSIZ); namespace names at most 255. */
#ifndef XVS_SANDBOX_H
#define XVS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SB_RUN_DIR       "/run/xvs-sandbox"
#define SB_ROOT_PREFIX   "/tmp/xvs-sb-"      /* Host folders are SB_ROOT_PREFIX NAME.XXXXXX */
#define SB_IP_TIMEOUT_MS 10000               /* Each `ip` command is killed after this. */
#define SB_VIF_MAC       "fe:ff:ff:ff:ff:ff" /* What netback gives every dom0 VIF end. */
#define SB_GUEST_IFNAME  "eth0"

struct sb_host;

/* A guest: the VIF name in dom0 is required; mac and ipv4 ("A.B.C.D/N") are
 * set on the guest's eth0 when not NULL. */
struct sb_guest_config {
    const char *vif;
    const char *mac;
    const char *ipv4;
};

/* A physical NIC: "dev" is its name in dom0 and also in the upstream
 * namespace "upstream" (a suffix, created on first use and shared by the NICs
 * that name it).  mac is set on the dom0 end, ipv4 on the upstream end, when
 * not NULL. */
struct sb_nic_config {
    const char *dev;
    const char *upstream;
    const char *mac;
    const char *upstream_ipv4;
};

/* Creates host "name" owned by the calling process: reaps stale hosts, makes
 * the folder and its tree, the dom0 namespace with lo up, and records it all.
 * On success "*host" is a new handle the caller releases with
 * sb_host_destroy() or sb_host_close().  Returns 0, -EINVAL (bad name),
 * -ENAMETOOLONG, -EEXIST (this owner already has a host of that name), -EIO
 * (an `ip` command failed) or another negative errno; on failure nothing is
 * left behind. */
int sb_host_create(const char *name, struct sb_host **host);

/* Like sb_host_create(), on behalf of the live process "owner" (0: the
 * caller).  The host is reaped once that process is gone.  -ESRCH when
 * "owner" does not exist. */
int sb_host_create_owned(const char *name, pid_t owner, struct sb_host **host);

/* Opens the recorded host "name" (of owner "owner", or of any owner when 0).
 * Returns 0 with a new handle, -ENOENT when there is none, -EEXIST when
 * several owners have a host of that name and "owner" is 0. */
int sb_host_open(const char *name, pid_t owner, struct sb_host **host);

/* Adds guest "guest": namespace xvs-PID-NAME-GUEST with lo up, and a veth
 * pair from cfg->vif in dom0 (MAC SB_VIF_MAC, up) to eth0 in the guest (with
 * cfg->mac and cfg->ipv4, up).  "*ns" (may be NULL) receives the namespace
 * name, owned by "host".  Returns 0 or a negative errno (-EINVAL for a bad
 * name/MAC/address, -EEXIST for a guest that is already there, -EIO when `ip`
 * fails, e.g. on a VIF name dom0 already has); nothing is left half-made. */
int sb_guest_add(struct sb_host *host, const char *guest, const struct sb_guest_config *cfg,
                 const char **ns);

/* Adds a physical NIC as described by "cfg".  "*upstream_ns" (may be NULL)
 * receives the upstream namespace name, owned by "host".  Returns as
 * sb_guest_add(). */
int sb_nic_add(struct sb_host *host, const struct sb_nic_config *cfg, const char **upstream_ns);

/* Tears the host down (kills the processes left in its namespaces, deletes
 * the namespaces, which removes their veths, removes the folder and the
 * record) and frees the handle.  Accepts NULL.  Returns 0 or the first
 * negative errno; the record is kept when something could not be removed, so
 * that a later sb_reap_stale() tries again. */
int sb_host_destroy(struct sb_host *host);

/* Frees the handle only: the host stays for another process.  Accepts NULL. */
void sb_host_close(struct sb_host *host);

/* Tears down every recorded host whose owner process has exited.  Returns
 * the number of hosts removed, or a negative errno. */
int sb_reap_stale(void);

/* Accessors; the strings belong to the handle. */
const char *sb_host_name(const struct sb_host *host);
const char *sb_host_root(const struct sb_host *host);
const char *sb_host_dom0_ns(const struct sb_host *host);
pid_t sb_host_owner(const struct sb_host *host);

/* Checks a host, guest or upstream name.  Returns true when it is valid. */
bool sb_name_valid(const char *name);

/* Checks an interface name (sb_name_valid() and at most 15 characters). */
bool sb_ifname_valid(const char *name);

#endif
