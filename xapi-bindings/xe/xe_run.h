/* What the command implementations of xe share (internal to xe): the state
 * of one run and the helpers that call XAPI, report failures as xe does and
 * print results. */
#ifndef XVS_XE_RUN_H
#define XVS_XE_RUN_H

#include <stdbool.h>

#include "sbuf.h"
#include "xe_cmd.h"

struct xr_value;

#define XE_CACHE_MAX 16

/* The get_all_records of one class, kept to turn refs into uuids. */
struct xe_cache_entry {
    char *cls;
    struct xr_value *records; /* Struct ref -> record; empty when the call failed. */
};

struct xe_run {
    const struct xe_command *cmd;
    const struct xe_args *args;
    struct xapi_session *s;
    struct sbuf *out;
    struct sbuf *err;
    bool minimal;
    bool minimal_used;
    struct sbuf minimal_line; /* --minimal: the values printed so far. */
    struct xe_cache_entry cache[XE_CACHE_MAX];
    size_t n_cache;
    struct xe_resolver res;
};

/* Builds an XR_ARRAY of parameters from "fmt": 's' a string (const char *),
 * 'b' a boolean (int), 'v' a value (struct xr_value *, taken in every
 * case).  NULL on allocation failure. */
struct xr_value *xe_params(const char *fmt, ...);

/* Calls "method" with the session ref and "params" (taken; NULL, as from a
 * failed xe_params(), is reported as out of memory).
 * On failure the error is appended to run->err as xe prints it.  Returns 0
 * or the negative errno of xapi_call(). */
int xe_call(struct xe_run *run, const char *method, struct xr_value *params,
            struct xr_value **result);

/* Like xe_call() for a method whose Value is a string, returned malloc'ed
 * in "*out". */
int xe_call_string(struct xe_run *run, const char *method, struct xr_value *params, char **out);

/* <cls>.get_by_uuid(uuid) into "*ref" (malloc'ed). */
int xe_get_ref(struct xe_run *run, const char *cls, const char *uuid, char **ref);

/* Prints <cls>.get_uuid(ref), as create commands end. */
int xe_print_uuid_of(struct xe_run *run, const char *cls, const char *ref);

/* Prints one value the way xe prints a list item: a line, or with
 * --minimal an item of the single comma-separated line. */
void xe_print_value(struct xe_run *run, const char *value);

/* Reports a client-side failure as xe does ("Error: <message>") and
 * returns -EINVAL. */
int xe_fail(struct xe_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports a failure the xe server raises as an internal error
 * ("Failure: <message>" under INTERNAL_ERROR's sentence); -EINVAL. */
int xe_fail_internal(struct xe_run *run, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* The value of parameter "key", or NULL. */
const char *xe_param(const struct xe_run *run, const char *key);

/* Same, comparing the key without case (pif-reconfigure-ip's IP=, DNS=). */
const char *xe_param_nocase(const struct xe_run *run, const char *key);

/* Parses "text" as a decimal int64 into "*out".  Returns 0 or -EINVAL. */
int xe_parse_int(const char *text, long long *out);

/* The struct of the "prefix:key=value" parameters (args:, properties:), or
 * NULL on allocation failure. */
struct xr_value *xe_map_params(const struct xe_run *run, const char *prefix);

/* Fetches every record of "cls" (<cls>.get_all_records) into "*records"
 * and copies those the filter parameters select (all but the keys in the
 * NULL-terminated "skip", which may be NULL) into "*selected", a struct
 * ref -> record.  The caller frees both.  Returns 0 or a negative errno
 * after a message. */
int xe_select(struct xe_run *run, const struct xe_class *cls, const char *const *skip,
              struct xr_value **records, struct xr_value **selected);

/* Keeps "records" (a get_all_records result, taken) as the resolver's
 * cache of class "cls" when there is room, else frees it. */
void xe_cache_prime(struct xe_run *run, const char *cls, struct xr_value *records);

/* The generic class commands (xe_objects.c) and the verbs (xe_verbs.c).
 * Each runs its command with run->args, prints its result through run->out
 * (or the --minimal line) and returns 0, or a negative errno after writing
 * xe's message for the failure to run->err. */
int xe_cmd_list(struct xe_run *run);
int xe_cmd_param_list(struct xe_run *run);
int xe_cmd_param_get(struct xe_run *run);
int xe_cmd_param_set(struct xe_run *run);
int xe_cmd_param_add(struct xe_run *run);
int xe_cmd_param_remove(struct xe_run *run);
int xe_cmd_param_clear(struct xe_run *run);

int xe_verb_pif_plug(struct xe_run *run);
int xe_verb_pif_unplug(struct xe_run *run);
int xe_verb_pif_reconfigure_ip(struct xe_run *run);
int xe_verb_pif_reconfigure_ipv6(struct xe_run *run);
int xe_verb_network_create(struct xe_run *run);
int xe_verb_network_destroy(struct xe_run *run);
int xe_verb_bond_create(struct xe_run *run);
int xe_verb_bond_destroy(struct xe_run *run);
int xe_verb_bond_set_mode(struct xe_run *run);
int xe_verb_vlan_create(struct xe_run *run);
int xe_verb_vlan_destroy(struct xe_run *run);
int xe_verb_tunnel_create(struct xe_run *run);
int xe_verb_tunnel_destroy(struct xe_run *run);
int xe_verb_vif_create(struct xe_run *run);
int xe_verb_vif_destroy(struct xe_run *run);
int xe_verb_vif_plug(struct xe_run *run);
int xe_verb_vif_unplug(struct xe_run *run);
int xe_verb_vm_create(struct xe_run *run);
int xe_verb_vm_start(struct xe_run *run);
int xe_verb_vm_shutdown(struct xe_run *run);
int xe_verb_host_management_reconfigure(struct xe_run *run);
int xe_verb_pool_set_vswitch_controller(struct xe_run *run);
int xe_verb_sdn_controller_introduce(struct xe_run *run);
int xe_verb_sdn_controller_forget(struct xe_run *run);
int xe_verb_host_call_plugin(struct xe_run *run);

#endif
