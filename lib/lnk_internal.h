/* Internal interface between lib/lnk.c (validation, dry-run, fake, logging)
 * and lib/lnk_nl.c (the netlink and ethtool backend).  Nothing here logs:
 * every function returns 0 or a negative errno and lnk.c reports it once. */
#ifndef XVS_LNK_INTERNAL_H
#define XVS_LNK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct lnk_nl;

/* ethtool -K feature names, in the order of lnk_nl_set_offload()'s "feature" index. */
enum lnk_offload {
    LNK_OFF_RX,
    LNK_OFF_TX,
    LNK_OFF_SG,
    LNK_OFF_TSO,
    LNK_OFF_UFO,
    LNK_OFF_GSO,
    LNK_OFF_GRO,
    LNK_OFF_LRO,
    LNK_OFF_COUNT,
};

/* A route netlink socket in the caller's namespace.  0 or a negative errno. */
int lnk_nl_open(struct lnk_nl **out);
void lnk_nl_close(struct lnk_nl *nl);

int lnk_nl_ifindex(struct lnk_nl *nl, const char *dev, int *ifindex);
int lnk_nl_get_mtu(struct lnk_nl *nl, const char *dev, unsigned *mtu);
int lnk_nl_get_mac(struct lnk_nl *nl, const char *dev, uint8_t mac[6]);
int lnk_nl_get_master(struct lnk_nl *nl, const char *dev, char master[16]);

/* Sets or clears one of IFF_UP, IFF_NOARP, IFF_MULTICAST, IFF_PROMISC. */
int lnk_nl_set_flag(struct lnk_nl *nl, const char *dev, unsigned flag, bool set);
int lnk_nl_set_mtu(struct lnk_nl *nl, const char *dev, unsigned mtu);
int lnk_nl_set_mac(struct lnk_nl *nl, const char *dev, const uint8_t mac[6]);
int lnk_nl_flush_addrs(struct lnk_nl *nl, const char *dev);
/* family AF_INET or AF_INET6; addr in network order (4 or 16 bytes). */
int lnk_nl_add_addr(struct lnk_nl *nl, const char *dev, int family, const void *addr,
                    unsigned prefix);
int lnk_nl_set_default_route(struct lnk_nl *nl, const char *dev, int family, const void *gw);
int lnk_nl_set_offload(struct lnk_nl *nl, const char *dev, enum lnk_offload feature, bool on);
int lnk_nl_add_bridge(struct lnk_nl *nl, const char *name);
int lnk_nl_add_vlan(struct lnk_nl *nl, const char *name, const char *parent, unsigned vid);
/* "mode" is the kernel's number for the bonding mode (BOND_MODE_*). */
int lnk_nl_add_bond(struct lnk_nl *nl, const char *name, unsigned mode, unsigned miimon,
                    unsigned updelay, unsigned downdelay);
int lnk_nl_del(struct lnk_nl *nl, const char *name);
/* master NULL releases dev. */
int lnk_nl_set_master(struct lnk_nl *nl, const char *dev, const char *master);
int lnk_nl_set_bridge_fd(struct lnk_nl *nl, const char *bridge, unsigned seconds);

#endif
