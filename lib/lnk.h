/* Network links, as the host programs change them: up/down, MTU, MAC, ARP,
 * multicast, promiscuity, addresses flushed, ethtool offloads, and the
 * devices interface-reconfigure's Linux-bridge backend creates (bridges,
 * VLANs, bonds) and enslaves.  Three backends behind one handle:
 * - netlink (libnl-route; ethtool offloads through the SIOCETHTOOL ioctl),
 *   acting in the calling process's network namespace;
 * - dry-run: changes nothing, prints each change as the equivalent `ip`
 *   command line (e.g. "ip link set dev vif1.0 mtu 1500") to a buffer;
 * - fake (unit tests): an in-memory set of devices, every change appended to a
 *   journal in the same `ip` syntax; configurable failures.
 * Queries (exists, ifindex, mtu, mac, master) read the kernel in the netlink
 * backend and the in-memory devices in the fake; dry-run answers queries
 * from the kernel (read-only) so plans are accurate. */
#ifndef XVS_LNK_H
#define XVS_LNK_H

#include <stdbool.h>
#include <stdint.h>

#include "sbuf.h"

struct lnk;

/* Backends.  lnk_open(): netlink.  lnk_dry_run_new(out): prints to out (borrowed).
 * lnk_fake_new(): empty; add devices with lnk_fake_add_device(). 0 or a negative errno. */
int lnk_open(struct lnk **out);
int lnk_dry_run_new(struct sbuf *out, struct lnk **lnk);
int lnk_fake_new(struct lnk **out);
/* Fake only: a device with an ifindex, MTU 1500, a MAC, down. */
int lnk_fake_add_device(struct lnk *l, const char *name, int ifindex);
/* Fake only: every later change to dev fails with err (negative errno; 0 clears). */
void lnk_fake_fail(struct lnk *l, const char *dev, int err);
/* Fake only: the journal of changes, one `ip`-style line each. */
const char *lnk_fake_journal(const struct lnk *l);
void lnk_close(struct lnk *l);

/* Queries.  0 or -ENODEV (no such device) or another negative errno. */
int lnk_exists(struct lnk *l, const char *dev);
int lnk_ifindex(struct lnk *l, const char *dev, int *ifindex);
int lnk_get_mtu(struct lnk *l, const char *dev, unsigned *mtu);
int lnk_get_mac(struct lnk *l, const char *dev, uint8_t mac[6]);
/* The bridge or bond dev is enslaved to: 0 with master[IFNAMSIZ] ("" if none). */
int lnk_get_master(struct lnk *l, const char *dev, char master[16]);

/* Changes.  Each returns 0 or a negative errno (-ENODEV for a missing device); the failure
 * is logged once here with the device and what was tried. */
int lnk_set_up(struct lnk *l, const char *dev, bool up);
int lnk_set_mtu(struct lnk *l, const char *dev, unsigned mtu);
int lnk_set_mac(struct lnk *l, const char *dev, const uint8_t mac[6]);
int lnk_set_arp(struct lnk *l, const char *dev, bool on);
int lnk_set_multicast(struct lnk *l, const char *dev, bool on);
int lnk_set_promisc(struct lnk *l, const char *dev, bool on);
/* Removes every IPv4 and IPv6 address of dev ("ip addr flush dev X"). */
int lnk_flush_addrs(struct lnk *l, const char *dev);
/* One ethtool offload: feature is one of rx, tx, sg, tso, ufo, gso, gro, lro (as
 * `ethtool -K`); -EINVAL for another name, -EOPNOTSUPP if the driver refuses. */
int lnk_set_offload(struct lnk *l, const char *dev, const char *feature, bool on);
/* A bridge port's own "promisc" flag (/sys/class/net/<dev>/brport/promisc in the original). */
int lnk_set_brport_promisc(struct lnk *l, const char *dev, bool on);

/* Adds an address given as "A.B.C.D/N" or "IPV6/N" ("ip addr add CIDR dev X").  -EINVAL for
 * a malformed address, -EEXIST if dev already has it. */
int lnk_add_addr(struct lnk *l, const char *dev, const char *cidr);
/* Sets the default route of the address family of gateway through dev ("ip route replace
 * default via GW dev X"), replacing any earlier one.  -EINVAL for a malformed gateway. */
int lnk_set_default_route(struct lnk *l, const char *dev, const char *gateway);

/* Devices for the Linux-bridge backend.  Creating an existing device of the same kind is
 * -EEXIST; deleting a missing one is -ENODEV. */
int lnk_add_bridge(struct lnk *l, const char *name);
int lnk_add_vlan(struct lnk *l, const char *name, const char *parent, unsigned vid);
/* mode is a Linux bonding mode name (balance-rr, active-backup, balance-xor, broadcast,
 * 802.3ad, balance-tlb, balance-alb); miimon/updelay/downdelay in ms (0 = kernel default). */
int lnk_add_bond(struct lnk *l, const char *name, const char *mode, unsigned miimon,
                 unsigned updelay, unsigned downdelay);
int lnk_del(struct lnk *l, const char *name);
/* Enslaves dev to master (a bridge or bond), or releases it when master is NULL. */
int lnk_set_master(struct lnk *l, const char *dev, const char *master);
/* Sets a bridge's STP forward delay (brctl setfd) in seconds. */
int lnk_set_bridge_fd(struct lnk *l, const char *bridge, unsigned seconds);

#endif
