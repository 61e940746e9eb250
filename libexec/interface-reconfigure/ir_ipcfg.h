/* interface-reconfigure's IP configuration of a device on hosts without the
 * Red Hat network-scripts (Debian, simulated hosts): where the original ran
 * /sbin/ifup <ipdev> and /sbin/ifdown <ipdev>, which read the ifcfg file,
 * this applies the PIF's configuration itself through lib/lnk: addresses,
 * the default route on the GATEWAYDEV, resolv.conf for the DNSDEV, dhclient
 * for DHCP.  The ifup/ifdown programs are still used when they exist. */
#ifndef XVS_IR_IPCFG_H
#define XVS_IR_IPCFG_H

#include <stdbool.h>

#include "ir_run.h"

/* Whether <root><prog> (e.g. "/sbin/ifup") exists and is executable. */
bool ir_ipcfg_have(const char *prog);

/* Brings "dev" up and configures it from "pif" (the PIF whose ipdev it is;
 * NULL: only the link, as for a VLAN device enslaved to a bridge):
 * - ip_configuration_mode Static: addresses flushed, IP/prefix (from the
 *   netmask) added; DHCP: `dhclient -4 -1 -pf ... -lf ... <dev>` when
 *   dhclient is installed (during first boot with `-cf` and a 240 s
 *   timeout, as the xapi copy did), else a warning; None: the link only;
 * - ipv6_configuration_mode Static: each IPv6 address added; Autoconf:
 *   accept_ra and autoconf switched on; DHCP: `dhclient -6`;
 * - when pif is the GATEWAYDEV (spec §1.6: other_config:defaultroute, else
 *   the management PIF "mgmt"): the default route via gateway and via
 *   ipv6_gateway;
 * - when pif is the DNSDEV and has DNS servers: <root>/etc/resolv.conf,
 *   written atomically.
 * In dry-run the changes go to the lnk dry-run printer and c->dry.  Returns 0
 * or a negative errno (logged): a malformed address or netmask, a link
 * change refused. */
int ir_ipcfg_up(struct ir_ctx *c, const struct xapi_pif *pif, const struct xapi_pif *mgmt,
                const char *dev);

/* Takes "dev" down: the dhclients started for it stopped (`dhclient -r`),
 * its addresses flushed, the link down.  Failures are logged only, as the
 * original ignored ifdown's status. */
void ir_ipcfg_down(struct ir_ctx *c, const char *dev);

/* The prefix length of a dotted IPv4 netmask ("255.255.255.0" -> 24) or of
 * a plain number 0-32.  -EINVAL when not a contiguous mask. */
int ir_ipcfg_prefix(const char *netmask);

#endif
