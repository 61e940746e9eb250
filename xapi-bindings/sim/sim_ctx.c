/* Transactions, program runs and record helpers of xvs-xapi-sim's write
 * methods; see sim_ctx.h. */
#include "sim_ctx.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "records.h"
#include "sim_api.h"
#include "sim_db.h"
#include "xmlrpc.h"

int sim_txn_begin(struct sim_ctx *ctx, struct sim_db **work)
{
    return sim_db_clone(ctx->db, work);
}

int sim_txn_commit(struct sim_ctx *ctx, struct sim_db *work)
{
    int r = 0;

    if (ctx->cfg.state_path) {
        r = sim_db_save(work, ctx->cfg.state_path);
        if (r < 0) {
            xlog_err("Cannot save the state to %s: %s", ctx->cfg.state_path, strerror(-r));
        }
    }
    if (r == 0) {
        sim_db_swap(ctx->db, work);
    }
    sim_db_free(work);
    return r;
}

struct xr_value *sim_txn_finish(struct sim_ctx *ctx, struct sim_db *work, struct xr_value *result)
{
    int r;

    if (!result) {
        sim_db_free(work);
        return NULL;
    }
    r = sim_txn_commit(ctx, work);
    if (r < 0) {
        xr_free(result);
        return sim_failure("INTERNAL_ERROR", 1, "cannot save the state file");
    }
    return sim_success(result);
}

/* Program runs. */

struct run_job {
    const struct exec_cmd *cmd;
    struct exec_output *out;
    int result;
    int done_fd;
};

static void *run_thread(void *arg)
{
    struct run_job *job = arg;
    uint64_t one = 1;

    job->result = exec_run(job->cmd, job->out);
    if (write(job->done_fd, &one, sizeof one) < 0) {
        /* The main thread then waits for the join instead. */
        xlog_warn("Cannot signal the end of a program: %s", strerror(errno));
    }
    return NULL;
}

/* Saved values of the variables a run overrides. */
struct env_saved {
    char *value; /* NULL: was not set. */
};

/* Sets the "n" variables of "env", saving the old values; "*applied"
 * counts those set (and to be restored), also on failure. */
static int env_apply(const struct sim_env *env, size_t n, struct env_saved *saved, size_t *applied)
{
    for (*applied = 0; *applied < n; (*applied)++) {
        size_t i = *applied;
        const char *old = getenv(env[i].name);

        saved[i].value = old ? strdup(old) : NULL;
        if (old && !saved[i].value) {
            return -ENOMEM;
        }
        if (setenv(env[i].name, env[i].value, 1) < 0) {
            (*applied)++;
            return -ENOMEM;
        }
    }
    return 0;
}

static void env_restore(const struct sim_env *env, size_t n, struct env_saved *saved)
{
    for (size_t i = 0; i < n; i++) {
        if (saved[i].value) {
            setenv(env[i].name, saved[i].value, 1);
        } else {
            unsetenv(env[i].name);
        }
        free(saved[i].value);
        saved[i].value = NULL;
    }
}

int sim_ctx_run(struct sim_ctx *ctx, const struct exec_cmd *cmd, const struct sim_env *env,
                size_t n_env, struct exec_output *out)
{
    struct env_saved *saved = calloc(n_env + 1, sizeof *saved);
    struct sim_env *all = calloc(n_env + 1, sizeof *all);
    struct run_job job = {cmd, out, -EIO, -1};
    size_t n_all = 0, applied = 0;
    pthread_t tid;
    int r;

    if (!saved || !all) {
        free(saved);
        free(all);
        return -ENOMEM;
    }
    /* Every program finds the simulated host's files through XVS_ROOT. */
    if (paths_root()[0]) {
        all[n_all++] = (struct sim_env){"XVS_ROOT", paths_root()};
    }
    for (size_t i = 0; i < n_env; i++) {
        all[n_all++] = env[i];
    }
    /* The environment is only touched here, on the main thread, before the
     * program's thread forks and after it is joined, so the child sees
     * exactly these variables and nothing else races with setenv(). */
    r = env_apply(all, n_all, saved, &applied);
    if (r < 0) {
        goto out;
    }
    if (!ctx->serve) {
        r = exec_run(cmd, out);
        goto out;
    }
    job.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (job.done_fd < 0) {
        r = -errno;
        goto out;
    }
    r = pthread_create(&tid, NULL, run_thread, &job);
    if (r != 0) {
        r = -r;
        goto out;
    }
    ctx->depth++;
    if (ctx->serve(ctx->serve_arg, job.done_fd) < 0) {
        xlog_warn("Cannot serve calls while %s runs", cmd->argv[0]);
    }
    ctx->depth--;
    pthread_join(tid, NULL);
    r = job.result;
out:
    env_restore(all, applied, saved);
    free(saved);
    free(all);
    if (job.done_fd >= 0) {
        close(job.done_fd);
    }
    return r;
}

int sim_ctx_busy_add(struct sim_ctx *ctx, const char *ref, unsigned domid)
{
    for (size_t i = 0; i < ctx->n_busy; i++) {
        if (!strcmp(ctx->busy[i].ref, ref)) {
            return -EBUSY;
        }
    }
    if (ctx->n_busy == SIM_CTX_MAX_BUSY || strlen(ref) >= sizeof ctx->busy[0].ref) {
        return -EBUSY;
    }
    snprintf(ctx->busy[ctx->n_busy].ref, sizeof ctx->busy[0].ref, "%s", ref);
    ctx->busy[ctx->n_busy++].domid = domid;
    return 0;
}

void sim_ctx_busy_del(struct sim_ctx *ctx, const char *ref)
{
    for (size_t i = 0; i < ctx->n_busy; i++) {
        if (!strcmp(ctx->busy[i].ref, ref)) {
            ctx->busy[i] = ctx->busy[--ctx->n_busy];
            return;
        }
    }
}

bool sim_ctx_domid_busy(const struct sim_ctx *ctx, unsigned domid)
{
    for (size_t i = 0; i < ctx->n_busy; i++) {
        if (ctx->busy[i].domid == domid) {
            return true;
        }
    }
    return false;
}

const char *sim_arg_str(const struct xr_value *args, size_t i)
{
    const struct xr_value *v = xr_array_get(args, i);

    return xr_type(v) == XR_STRING ? xr_get_string(v) : NULL;
}

/* Record helpers. */

const struct xr_value *sim_rec(const struct sim_db *db, const struct xapi_class *cls,
                               const char *ref)
{
    return ref ? sim_db_get(db, cls, ref) : NULL;
}

const char *sim_rec_str(const struct sim_db *db, const struct xapi_class *cls, const char *ref,
                        const char *field)
{
    return xr_get_string(xr_struct_get(sim_rec(db, cls, ref), field));
}

bool sim_rec_bool(const struct sim_db *db, const struct xapi_class *cls, const char *ref,
                  const char *field)
{
    bool b = false;

    xr_get_bool(xr_struct_get(sim_rec(db, cls, ref), field), &b);
    return b;
}

long long sim_rec_int(const struct sim_db *db, const struct xapi_class *cls, const char *ref,
                      const char *field)
{
    int64_t i = -1;

    if (xr_get_int(xr_struct_get(sim_rec(db, cls, ref), field), &i) < 0) {
        return -1;
    }
    return (long long)i;
}

int sim_set_str(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *value)
{
    struct xr_value *v = xr_string(value ? value : "");

    return v ? sim_db_set_field(db, cls, ref, field, v) : -ENOMEM;
}

int sim_set_bool(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                 const char *field, bool value)
{
    struct xr_value *v = xr_bool(value);

    return v ? sim_db_set_field(db, cls, ref, field, v) : -ENOMEM;
}

int sim_set_int(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                long long value)
{
    char text[24];

    /* XAPI's ints travel as decimal strings. */
    snprintf(text, sizeof text, "%lld", value);
    return sim_set_str(db, cls, ref, field, text);
}

/* A copy of set or map "field" of record "ref", or NULL. */
static struct xr_value *field_copy(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                                   const char *field, int *err)
{
    const struct xr_value *rec = sim_rec(db, cls, ref);
    struct xr_value *v;

    if (!rec) {
        *err = -ENOENT;
        return NULL;
    }
    v = xr_copy(xr_struct_get(rec, field));
    *err = v ? 0 : -ENOMEM;
    if (!xr_struct_get(rec, field)) {
        *err = -EINVAL;
    }
    return v;
}

int sim_set_add(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *item)
{
    int r;
    struct xr_value *v = field_copy(db, cls, ref, field, &r);

    if (!v) {
        return r;
    }
    for (size_t i = 0; i < xr_array_len(v); i++) {
        const char *s = xr_get_string(xr_array_get(v, i));

        if (s && !strcmp(s, item)) {
            xr_free(v);
            return 0;
        }
    }
    r = xr_array_append(v, xr_string(item));
    if (r < 0) {
        xr_free(v);
        return r;
    }
    return sim_db_set_field(db, cls, ref, field, v);
}

int sim_set_remove(struct sim_db *db, const struct xapi_class *cls, const char *ref,
                   const char *field, const char *item)
{
    int r;
    struct xr_value *old = field_copy(db, cls, ref, field, &r), *v;

    if (!old) {
        return r;
    }
    v = xr_array();
    for (size_t i = 0; v && i < xr_array_len(old); i++) {
        const char *s = xr_get_string(xr_array_get(old, i));

        if (s && !strcmp(s, item)) {
            continue;
        }
        if (xr_array_append(v, xr_copy(xr_array_get(old, i))) < 0) {
            xr_free(v);
            v = NULL;
        }
    }
    xr_free(old);
    return v ? sim_db_set_field(db, cls, ref, field, v) : -ENOMEM;
}

int sim_map_put(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *key, const char *value)
{
    int r;
    struct xr_value *v = field_copy(db, cls, ref, field, &r);

    if (!v) {
        return r;
    }
    r = xr_struct_set_string(v, key, value);
    if (r < 0) {
        xr_free(v);
        return r;
    }
    return sim_db_set_field(db, cls, ref, field, v);
}

int sim_map_del(struct sim_db *db, const struct xapi_class *cls, const char *ref, const char *field,
                const char *key)
{
    int r;
    struct xr_value *v = field_copy(db, cls, ref, field, &r);

    if (!v) {
        return r;
    }
    xr_struct_remove(v, key);
    return sim_db_set_field(db, cls, ref, field, v);
}

bool sim_ref_set(const char *ref)
{
    return ref && *ref && strcmp(ref, XAPI_NULL_REF) != 0;
}
