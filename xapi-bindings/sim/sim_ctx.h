/* What the write methods of xvs-xapi-sim share: the configuration of the
 * simulated host's side effects, transactions over the store, running
 * programs while still serving XenAPI calls, and helpers to read call
 * arguments and edit wire-form records.
 *
 * Transactions: a write method clones the store, changes the clone, and
 * commits it, which saves the clone to the state file (atomically, by
 * rename) and only then swaps it in.  A method that fails before the commit
 * leaves the store and the file as they were, so nothing is half-applied.
 *
 * Programs (interface-reconfigure, plugins, vif) call back into the
 * simulator with the session they were given, while the simulator waits
 * for them.  sim_ctx_run() therefore runs the program on a thread and keeps
 * answering calls on the main thread through the "serve" hook until it
 * ends; no transaction may be open meanwhile. */
#ifndef XVS_SIM_CTX_H
#define XVS_SIM_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "exec.h"

struct sim_db;
struct xr_value;
struct xapi_class;

/* Options of the simulated host; strings borrowed for the ctx's lifetime. */
struct sim_config {
    const char *state_path;      /* NULL: changes are kept in memory only. */
    const char *libexec;         /* Folder of interface-reconfigure, vif, setup-vif-rules. */
    const char *plugins;         /* Second folder searched for plugins, or NULL. */
    const char *guest_ns_prefix; /* Guest namespace = prefix + VM name. */
    unsigned hotplug_timeout_ms; /* Wait for hotplug-status; 0: 30 s. */
};

/* Serves XenAPI calls until "done_fd" becomes readable.  Returns 0 or a
 * negative errno. */
typedef int (*sim_serve_fn)(void *arg, int done_fd);

/* VMs being started or shut down: calls served meanwhile must not touch
 * them, and their domids are taken. */
#define SIM_CTX_MAX_BUSY 32
struct sim_busy {
    char ref[48];
    unsigned domid;
};

struct sim_ctx {
    struct sim_db *db; /* The live store (borrowed). */
    struct sim_busy busy[SIM_CTX_MAX_BUSY];
    size_t n_busy;
    struct sim_config cfg;
    sim_serve_fn serve; /* NULL: programs run without serving calls. */
    void *serve_arg;
    unsigned depth; /* Programs running (nested calls may run more). */
};

/* Clones the live store into "*work".  Returns 0 or -ENOMEM. */
int sim_txn_begin(struct sim_ctx *ctx, struct sim_db **work);

/* Saves "work" to the state file and makes it the live store; "work" is
 * freed in every case.  Returns 0 or a negative errno (logged), in which
 * case the live store is unchanged. */
int sim_txn_commit(struct sim_ctx *ctx, struct sim_db *work);

/* The commit as a call result: "result" (taken) wrapped in a success
 * envelope, or an INTERNAL_ERROR envelope when the commit fails.  NULL
 * only when out of memory. */
struct xr_value *sim_txn_finish(struct sim_ctx *ctx, struct sim_db *work, struct xr_value *result);

/* One environment variable for a program run by sim_ctx_run(). */
struct sim_env {
    const char *name;
    const char *value;
};

/* Runs "cmd" as exec_run() does, with the variables "env" (n of them)
 * added to the environment, serving XenAPI calls meanwhile.  Returns what
 * exec_run() returns. */
int sim_ctx_run(struct sim_ctx *ctx, const struct exec_cmd *cmd, const struct sim_env *env,
                size_t n_env, struct exec_output *out);

/* Marks VM "ref" busy with "domid" / clears it.  sim_ctx_busy_add()
 * returns 0, or -EBUSY when it already is (or too many are). */
int sim_ctx_busy_add(struct sim_ctx *ctx, const char *ref, unsigned domid);
void sim_ctx_busy_del(struct sim_ctx *ctx, const char *ref);
/* Whether domid "domid" is held by a busy VM. */
bool sim_ctx_domid_busy(const struct sim_ctx *ctx, unsigned domid);

/* Arguments: the string argument "i" of "args", or NULL when it is not a
 * string. */
const char *sim_arg_str(const struct xr_value *args, size_t i);

/* Record helpers on a store (usually a transaction's copy).  Getters
 * return borrowed values, NULL/false/-1 when absent. */
const struct xr_value *sim_rec(const struct sim_db *db, const struct xapi_class *cls,
                               const char *ref);
const char *sim_rec_str(const struct sim_db *db, const struct xapi_class *cls, const char *ref,
                        const char *field);
bool sim_rec_bool(const struct sim_db *db, const struct xapi_class *cls, const char *ref,
                  const char *field);
long long sim_rec_int(const struct sim_db *db, const struct xapi_class *cls, const char *ref,
                      const char *field);

/* Setters: each returns 0 or a negative errno as sim_db_set_field(). */
int sim_set_str(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *value);
int sim_set_bool(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                 const char *field, bool value);
int sim_set_int(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                long long value);
/* Adds "item" to set "field" unless it is there / removes it if it is. */
int sim_set_add(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *item);
int sim_set_remove(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                   const char *field, const char *item);
/* Sets / removes key "key" of map "field". */
int sim_map_put(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *key, const char *value);
int sim_map_del(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *key);

/* Whether "ref" names a record (not empty, not OpaqueRef:NULL). */
bool sim_ref_set(const char *ref);

#endif
