/* The openvswitch-cfg-update plugin's two functions (spec §6), apart from
 * the plugin protocol: given a XAPI session and a database connection,
 * reconcile the switch's manager, fail modes and in-band settings with XAPI,
 * or reset the switch's controller configuration. */
#ifndef XVS_CFGUPD_H
#define XVS_CFGUPD_H

#include "ovsdb_client.h"
#include "records.h"
#include "sbuf.h"
#include "xapi.h"

struct cfgupd_env {
    struct xapi_session *xapi;
    struct ovsdbc *db;
    int timeout_ms; /* Each database request; the original used --timeout=5. */
};

/* `update`: the result text goes to *value (malloc'd).  Returns 0 on success; 1 when the
 * plugin must answer with a XenAPI failure, whose code and parameters are put in *failure;
 * a negative errno for an unexpected error (logged). */
int cfgupd_update(const struct cfgupd_env *env, char **value, struct xapi_strv *failure);

/* `emergency_reset`: same conventions. */
int cfgupd_emergency_reset(const struct cfgupd_env *env, char **value, struct xapi_strv *failure);

#endif
