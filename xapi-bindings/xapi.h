/* A XenAPI client session: login, calls with the session ref prepended,
 * decoding of the XenAPI result envelope, and typed calls on the records of
 * records.h.
 *
 * Every XenAPI method returns one struct: {Status: "Success", Value: v} or
 * {Status: "Failure", ErrorDescription: [code, param...]}.  A failure is
 * kept as the session's last error (xapi_last_error()) and returned as a
 * negative errno from this table:
 *
 *   SESSION_INVALID                       -EACCES  (after the re-logins below)
 *   SESSION_AUTHENTICATION_FAILED         -EACCES
 *   HANDLE_INVALID, UUID_INVALID          -ENOENT
 *   MESSAGE_METHOD_UNKNOWN                -ENOSYS
 *   MESSAGE_PARAMETER_COUNT_MISMATCH,
 *   INVALID_VALUE, FIELD_TYPE_ERROR       -EINVAL
 *   any other code                        -EREMOTEIO
 *
 * and logged once: "XenAPI call <method> failed: <code> <params...>".
 * Other errors: an XML-RPC <fault> is -EPROTO; a response that is not
 * XML-RPC or lacks the envelope is -EBADMSG; transport errors are passed on
 * as the transport returns them (already logged there).
 *
 * Like the Python client, a session we logged in ourselves answers
 * SESSION_INVALID by logging in again with the stored credentials and
 * retrying the call, up to XAPI_SESSION_RETRIES times.  A session attached
 * by ref (xapi_session_attach) is never logged in again nor logged out.
 * When login_with_password meets HOST_IS_SLAVE [master], the transport is
 * pointed at the master (xt_redirect_url()) and the login retried once. */
#ifndef XVS_XAPI_H
#define XVS_XAPI_H

#include <stddef.h>

#include "records.h"

struct xr_value;
struct xt_transport;
struct xapi_session;

#define XAPI_SESSION_RETRIES 3

/* The last XenAPI failure of a session.  "code" is NULL when the last call
 * succeeded or failed for another reason (transport, malformed answer). */
struct xapi_error {
    char *code;
    struct xapi_strv params;
};

/* Creates a session over "t", taking ownership of "t" in every case (it is
 * freed on failure).  Nobody is logged in yet.  Returns 0 or -ENOMEM
 * (-EINVAL for a NULL transport). */
int xapi_session_new(struct xt_transport *t, struct xapi_session **out);

/* Frees the session and its transport.  Does not log out (no network I/O
 * here): call xapi_logout() first.  Accepts NULL. */
void xapi_session_free(struct xapi_session *s);

/* session.login_with_password(user, pw[, version[, originator]]).  With
 * "originator" set and "version" NULL, version "1.0" is sent, because the
 * parameters are positional.  A session held before is logged out first.
 * The credentials are kept for re-logins.  Returns 0 or a negative errno as
 * described above. */
int xapi_login_with_password(struct xapi_session *s, const char *user, const char *pw,
                             const char *version, const char *originator);

/* session.slave_local_login_with_password(user, pw): the emergency-mode
 * login a pool slave accepts while its master is unreachable.  Same returns. */
int xapi_slave_local_login_with_password(struct xapi_session *s, const char *user, const char *pw);

/* Uses the existing session "ref" (as interface-reconfigure --session does).
 * It is neither re-logged-in on SESSION_INVALID nor logged out by
 * xapi_logout().  Returns 0, -EINVAL (empty ref) or -ENOMEM. */
int xapi_session_attach(struct xapi_session *s, const char *ref);

/* Ends the session: session.logout for one we logged in, nothing on the
 * wire for an attached one.  Either way the session holds no ref after it;
 * a session the server already forgot (SESSION_INVALID) counts as logged
 * out.  Returns 0 or a negative errno (0 when there was no session). */
int xapi_logout(struct xapi_session *s);

/* The session ref in use, or NULL. */
const char *xapi_session_ref(const struct xapi_session *s);

/* The transport, borrowed (e.g. to read its URL after a redirect). */
struct xt_transport *xapi_session_transport(const struct xapi_session *s);

/* The last failure; see struct xapi_error.  Never NULL for a session. */
const struct xapi_error *xapi_last_error(const struct xapi_session *s);

/* The errno of the table above for error code "code". */
int xapi_errno_from_code(const char *code);

/* Calls "method" with the session ref followed by "params" (an XR_ARRAY,
 * borrowed; NULL for none).  On success "*result" (may be NULL to discard)
 * receives the Value, which the caller frees with xr_free().  Returns 0,
 * -ENOTCONN without a session, or a negative errno as described above. */
int xapi_call(struct xapi_session *s, const char *method, const struct xr_value *params,
              struct xr_value **result);

/* Like xapi_call() but sends "params" as they are, without the session ref
 * and without re-login (for session.* methods). */
int xapi_call_raw(struct xapi_session *s, const char *method, const struct xr_value *params,
                  struct xr_value **result);

/* <cls>.get_all_records(): every record, decoded into "list" (the caller
 * clears it with xapi_record_list_clear()).  A record that does not decode
 * makes the call fail with -EBADMSG.  Returns 0 or a negative errno; "list"
 * is empty on failure. */
int xapi_get_all_records(struct xapi_session *s, const struct xapi_class *cls,
                         struct xapi_record_list *list);

/* <cls>.get_all_records_where(expr), e.g. expr 'field "bridge"="xenbr0"'. */
int xapi_get_all_records_where(struct xapi_session *s, const struct xapi_class *cls,
                               const char *expr, struct xapi_record_list *list);

/* <cls>.get_record(ref) into "rec", a zeroed struct of cls->size bytes that
 * the caller clears with xapi_record_clear(); rec->ref is set to "ref". */
int xapi_get_record(struct xapi_session *s, const struct xapi_class *cls, const char *ref,
                    void *rec);

/* <cls>.get_by_uuid(uuid): the ref, malloc'ed, in "*ref". */
int xapi_get_by_uuid(struct xapi_session *s, const struct xapi_class *cls, const char *uuid,
                     char **ref);

/* <cls>.get_all(): every ref, into "refs" (cleared first; the caller clears
 * it with xapi_strv_clear()). */
int xapi_get_all(struct xapi_session *s, const struct xapi_class *cls, struct xapi_strv *refs);

/* host.call_plugin(host_ref, plugin, fn, args): the plugin's string result,
 * malloc'ed, in "*result".  "args" may be NULL for none. */
int xapi_host_call_plugin(struct xapi_session *s, const char *host_ref, const char *plugin,
                          const char *fn, const struct xapi_map *args, char **result);

#endif
