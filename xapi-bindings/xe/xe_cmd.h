/* The commands of xe: their table (required and optional parameters, help)
 * and their implementations over a XenAPI session.
 *
 * Supported: <class>-list, -param-list, -param-get, -param-set,
 * -param-add, -param-remove and -param-clear for the
 * classes of xe_class.h (pif, network, bond, vlan, tunnel, vif, vm, host,
 * pool, sdn-controller); pif-plug, pif-unplug, pif-reconfigure-ip,
 * pif-reconfigure-ipv6; network-create, network-destroy; bond-create,
 * bond-destroy, bond-set-mode; vlan-create, vlan-destroy; tunnel-create,
 * tunnel-destroy; vif-create, vif-destroy, vif-plug, vif-unplug; vm-start,
 * vm-shutdown and, as an xvs extension, vm-create; host-management-
 * reconfigure; pool-set-vswitch-controller; sdn-controller-introduce,
 * sdn-controller-forget; host-call-plugin; help.
 *
 * A command writes what xe prints on stdout to "out" and on stderr to
 * "err", so that tests can compare both exactly. */
#ifndef XVS_XE_CMD_H
#define XVS_XE_CMD_H

#include <stdbool.h>

#include "xe_args.h"
#include "xe_class.h"

struct sbuf;
struct xapi_session;
struct xe_run;

typedef int (*xe_handler)(struct xe_run *run);

struct xe_command {
    char name[64];
    const char *reqd; /* Comma-separated required parameters. */
    const char *optn; /* Comma-separated optional ones, for help. */
    const char *help;
    xe_handler handler;
    const struct xe_class *cls; /* The class of a generic command. */
    bool no_session;            /* Runs without XAPI (help). */
};

/* Finds command "name" into "*cmd".  Returns 0 or -ENOENT. */
int xe_cmd_find(const char *name, struct xe_command *cmd);

/* Checks the required parameters of "cmd" in "args".  Returns 0, or
 * -EINVAL after appending xe's message for the first missing one to "err"
 * ("Required parameter not found: uuid" and the usage hint). */
int xe_cmd_check(const struct xe_command *cmd, const struct xe_args *args, struct sbuf *err);

/* Appends xe's message for an unknown command "name" to "err". */
void xe_cmd_unknown(const char *name, struct sbuf *err);

/* Runs "cmd" with "args" over the logged-in session "s" (NULL for a
 * no_session command), appending stdout text to "out" and stderr text to
 * "err".  Returns the exit status: 0, or 1 when the command failed (the
 * reason is in "err"). */
int xe_cmd_run(const struct xe_command *cmd, const struct xe_args *args, struct xapi_session *s,
               struct sbuf *out, struct sbuf *err);

/* Appends to "err" what xe prints after the XenAPI call or login on "s"
 * failed with "r": the XenAPI error in xe's form (xe_err.h) when the
 * server answered one, else a sentence about the connection. */
void xe_cmd_report(struct xapi_session *s, int r, struct sbuf *err);

#endif
