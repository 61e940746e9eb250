/* Every file path an xvs program touches is resolved here, under one root
 * prefix, so that tests and the demo run whole simulated hosts without
 * touching the machine's real /etc or /var.
 *
 * The prefix comes from --root-prefix (paths_init()), else from the XVS_ROOT
 * environment variable, else "/". */
#ifndef XVS_PATHS_H
#define XVS_PATHS_H

/* Well-known absolute paths on a XenServer host, before prefixing. */
#define PATHS_DBCACHE         "/var/xapi/network.dbcache"
#define PATHS_XAPI_SOCKET     "/var/lib/xcp/xapi"
#define PATHS_INVENTORY       "/etc/xensource-inventory"
#define PATHS_NETWORK_CONF    "/etc/xensource/network.conf"
#define PATHS_OVS_RUNDIR      "/var/run/openvswitch"
#define PATHS_OVSDB_SOCKET    "/var/run/openvswitch/db.sock"
#define PATHS_XENSTORED_SOCK  "/var/run/xenstored/socket"
#define PATHS_XAPI_PLUGIN_DIR "/etc/xapi.d/plugins"
#define PATHS_XENOPSD_DIR     "/var/run/nonpersistent/xenopsd"
#define PATHS_EBTABLES_LOCK   "/var/lock/ebtables.lock"
#define PATHS_VIF_HOOK        "/etc/xapi.d/vif-hotplug"
#define PATHS_OVS_MODULE      "/sys/module/openvswitch"
#define PATHS_LIBEXEC         "/opt/xensource/libexec"

/* Sets the root prefix.  "root" NULL or empty means: take XVS_ROOT from the
 * environment, or "/".  The prefix must be an absolute path.  Returns 0 or
 * -EINVAL (relative path) or -ENAMETOOLONG. */
int paths_init(const char *root);

/* The root prefix without a trailing slash ("" for "/").  Calls paths_init(NULL)
 * first if nobody has. */
const char *paths_root(void);

/* Returns a newly allocated string: the root prefix followed by "path", which
 * must be absolute.  The caller frees it.  NULL on allocation failure. */
char *paths_get(const char *path);

#endif
