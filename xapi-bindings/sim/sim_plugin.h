/* host.call_plugin for xvs-xapi-sim, with XAPI's plugin protocol (spec §9):
 * the plugin <root>/etc/xapi.d/plugins/<name> (else the --plugins folder)
 * runs with exactly one argument, the text of an XML-RPC <methodCall> whose
 * method is the function and whose params are the session ref and the
 * struct of string arguments; its stdin is empty and it prints a
 * <methodResponse> holding {Status, Value} or {Status, ErrorDescription}. */
#ifndef XVS_SIM_PLUGIN_H
#define XVS_SIM_PLUGIN_H

#include <stddef.h>

struct sim_ctx;
struct xr_value;

/* The call result for a plugin run that ended with "status" (as
 * exec_run() returns it: exit status, signal, or negative errno) and
 * printed "output" ("len" bytes):
 * - Success with a string Value: {Status: Success, Value};
 * - Failure: ErrorDescription [code, params...] becomes that error;
 * - a non-zero exit: XENAPI_PLUGIN_FAILURE ["non-zero exit", output, ""];
 * - an XML-RPC fault: XENAPI_PLUGIN_FAILURE ["fault", code, reason];
 * - anything else: XENAPI_PLUGIN_FAILURE ["failed to parse plugin output",
 *   output].
 * "name" is the plugin (for XENAPI_MISSING_PLUGIN when it could not be run
 * at all).  NULL only when out of memory. */
struct xr_value *sim_plugin_result(const char *name, int status, const char *output, size_t len);

/* Runs function "fn" of plugin "name" with "args" (a struct of strings;
 * NULL for none) as session "session", serving calls meanwhile.  Returns
 * the call result as sim_plugin_result(), or XENAPI_MISSING_PLUGIN [name]
 * when neither folder holds an executable of that name. */
struct xr_value *sim_plugin_call(struct sim_ctx *ctx, const char *session, const char *name,
                                 const char *fn, const struct xr_value *args);

#endif
