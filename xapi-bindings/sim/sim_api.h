/* XenAPI method dispatch of xvs-xapi-sim: sessions and the read side of
 * every class in xapi_classes[].
 *
 * Calls and results follow XAPI's XML-RPC conventions (spec §9): the
 * result is the envelope {Status: "Success", Value: v} or {Status:
 * "Failure", ErrorDescription: [code, params...]}; every call but the
 * login ones takes a session ref first; parameter counts are checked
 * before the session, and errors carry XAPI's codes and parameters
 * (MESSAGE_METHOD_UNKNOWN, MESSAGE_PARAMETER_COUNT_MISMATCH,
 * SESSION_INVALID, HANDLE_INVALID, UUID_INVALID, INVALID_VALUE ...).
 *
 * Methods: session.login_with_password, slave_local_login_with_password,
 * logout, local_logout, get_this_host; for each class C: C.get_all,
 * get_all_records, get_all_records_where, get_record, get_by_uuid and
 * get_<field> for every field of C's table; and the methods with side
 * effects of sim_methods.h.
 *
 * Sessions live in memory only (a restart logs everybody out, which XAPI
 * clients handle by logging in again).  At most SIM_API_MAX_SESSIONS are
 * kept; beyond that the oldest is dropped, as XAPI drops the oldest
 * sessions of a client that never logs out. */
#ifndef XVS_SIM_API_H
#define XVS_SIM_API_H

#include <stdbool.h>
#include <stddef.h>

#include "sim_ctx.h"

struct sim_db;
struct xr_value;

#define SIM_API_MAX_SESSIONS 4096

/* Where a request came from: XAPI's unix socket is root-only on a real
 * host, so any credentials log in there. */
enum sim_origin {
    SIM_ORIGIN_UNIX,
    SIM_ORIGIN_TCP,
};

struct sim_api;

/* Creates a dispatcher over "db" (borrowed; it must outlive the api).
 * "password" (copied; NULL for none) is what TCP logins must give, with
 * user "root"; without it any TCP login succeeds.  Returns 0 or -ENOMEM. */
int sim_api_new(struct sim_db *db, const char *password, struct sim_api **out);

/* Frees "api" and its sessions.  Accepts NULL. */
void sim_api_free(struct sim_api *api);

/* Executes "method" with "params" (an XR_ARRAY).  Returns the envelope,
 * which the caller frees, or NULL when out of memory. */
struct xr_value *sim_api_call(struct sim_api *api, const char *method,
                              const struct xr_value *params, enum sim_origin origin);

/* Handles one HTTP request body: decodes the <methodCall>, executes it and
 * encodes the <methodResponse>.  A body that is not a valid call (malformed,
 * or over the decoder's limits) gets an XML-RPC <fault> with code -32700
 * and the decoder's one-line reason.  "*out" (caller frees) is set in
 * every case but -ENOMEM.  Returns 0 or -ENOMEM. */
int sim_api_handle(struct sim_api *api, const char *body, size_t len, enum sim_origin origin,
                   char **out, size_t *out_len);

/* Sets the options of the host's side effects ("cfg" copied; its strings
 * borrowed) and the hook that serves calls while a program runs (NULL:
 * none, programs then cannot call back).  Without this call, changes are
 * not saved and programs are looked up in the current folder. */
void sim_api_configure(struct sim_api *api, const struct sim_config *cfg, sim_serve_fn serve,
                       void *serve_arg);

/* Envelopes for method results: {Status: Success, Value: v} taking "v"
 * (NULL when "v" is NULL or memory runs out), and {Status: Failure,
 * ErrorDescription: [code, params...]} from "n" strings (NULL means "") or
 * from an array.  NULL only when out of memory. */
struct xr_value *sim_success(struct xr_value *v);
struct xr_value *sim_failure(const char *code, int n, ...);
struct xr_value *sim_failure_list(const char *code, const char *const *params, size_t n);

/* Number of live sessions. */
size_t sim_api_session_count(const struct sim_api *api);

#endif
