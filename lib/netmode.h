/* Which switch this host uses: Open vSwitch or the Linux bridge.  XenServer
 * records it in the first line of /etc/xensource/network.conf ("openvswitch",
 * its old spelling "vswitch", or "bridge"); the current vif and
 * setup-vif-rules look for /sys/module/openvswitch instead.  We read the file
 * first, because it is what the admin chose and it also holds on hosts whose
 * switch runs in userspace without the kernel module; the module test is the
 * fallback when the file is absent.  Both paths honour the root prefix. */
#ifndef XVS_NETMODE_H
#define XVS_NETMODE_H

enum netmode {
    NETMODE_OPENVSWITCH,
    NETMODE_BRIDGE,
};

/* Sets *mode.  Returns 0, or -EINVAL (logged) when network.conf names neither backend. */
int netmode_get(enum netmode *mode);
/* "openvswitch" or "bridge". */
const char *netmode_name(enum netmode mode);

#endif
