/* Running external programs the way the XenServer network scripts do.
 *
 * The originals spawn argv directly (no shell), optionally at root_prefix +
 * argv[0], and log "Running command: <argv>" before and "Command failed <rc>:
 * <argv>" after a non-zero exit.  This module does the same and adds what the
 * simulated hosts need: stdout capture with a size bound, stdin data, a
 * timeout that kills the child's whole process group, and running the child
 * inside a named network namespace (/run/netns/NAME, as `ip netns` makes).
 *
 * The actual spawning goes through a replaceable "struct exec_ops", so unit
 * tests of the modules above can record the commands they would run and feed
 * back canned results (see struct exec_fake) instead of touching the host. */
#ifndef XVS_EXEC_H
#define XVS_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "sbuf.h"

/* Flags for exec_cmd.flags. */
#define EXEC_ROOT_PREFIX (1u << 0) /* Run paths_root() + argv[0] (argv[0] unchanged). */
#define EXEC_DRY_RUN     (1u << 1) /* Print the command line on stdout, run nothing. */
#define EXEC_QUIET       (1u << 2) /* Log the two command lines at debug, not info. */

/* Captured output larger than this fails with -E2BIG unless max_output says
 * otherwise. */
#define EXEC_DEFAULT_MAX_OUTPUT (1024 * 1024)

/* exec_run() returns 0..255 for a normal exit and EXEC_STATUS_SIGNAL(sig) for
 * a child killed by signal "sig", so that neither can be mistaken for the
 * other nor for a negative errno. */
#define EXEC_STATUS_SIGNAL_BASE 256
#define EXEC_STATUS_SIGNAL(sig) (EXEC_STATUS_SIGNAL_BASE + (sig))

/* True when status "rc" from exec_run() means death by a signal. */
static inline bool exec_status_signaled(int rc)
{
    return rc > EXEC_STATUS_SIGNAL_BASE;
}

/* The signal number of a status for which exec_status_signaled() holds. */
static inline int exec_status_signal(int rc)
{
    return rc - EXEC_STATUS_SIGNAL_BASE;
}

/* One command to run.  Zero-initialise it and fill what you need. */
struct exec_cmd {
    const char *const *argv; /* NULL-terminated; argv[0] is the program. */
    unsigned flags;          /* EXEC_* flags. */
    /* Without EXEC_ROOT_PREFIX, an argv[0] without '/' is searched in $PATH. */
    const char *netns;      /* Enter /run/netns/<netns> before exec, or NULL.  Note
                             * that /sys still shows the caller's namespace. */
    unsigned timeout_ms;    /* 0: wait for ever.  Else SIGKILL the child's process
                             * group once it has run this long: -ETIMEDOUT. */
    const void *stdin_data; /* NULL: the child inherits our stdin.  Else it
                             * reads these bytes, then end of file. */
    size_t stdin_len;
    size_t max_output; /* Capture bound in bytes; 0 means EXEC_DEFAULT_MAX_OUTPUT. */
};

/* Captured standard output. */
struct exec_output {
    char *data; /* NUL-terminated (the NUL is not counted in len); owned. */
    size_t len;
};

/* Runs "cmd".  When "out" is not NULL, the child's stdout is captured into it
 * (the child's stderr is always inherited); otherwise stdout is inherited.
 *
 * Returns the exit status (0..255), EXEC_STATUS_SIGNAL(sig) when the child was
 * killed by a signal, or a negative errno: -EINVAL (empty argv, bad netns
 * name), -ENOENT/-EACCES/... (program or namespace not there, exec failed),
 * -ETIMEDOUT (killed after cmd->timeout_ms), -E2BIG (output over the bound;
 * the child is killed), -ENOMEM.  On a negative return "out" is left empty.
 * The caller frees "out" with exec_output_free() in every case.
 *
 * Logs "Running command: <argv joined by spaces>" first and "Command failed
 * <rc>: <argv>" after a non-zero exit (rc negative for a signal, as the
 * originals' os.spawn reports it), at info (debug with EXEC_QUIET); failures
 * to start, timeouts and oversize output are logged as warnings. */
int exec_run(const struct exec_cmd *cmd, struct exec_output *out);

/* Shorthand: runs "argv" with "flags" and no capture, stdin or timeout.
 * Returns what exec_run() returns. */
int exec_argv(const char *const *argv, unsigned flags);

/* Frees the captured data and empties "out".  Accepts NULL. */
void exec_output_free(struct exec_output *out);

/* Appends argv joined by single spaces (no quoting, like the originals' log
 * lines) to "buf".  Returns 0 or -ENOMEM. */
int exec_join_argv(struct sbuf *buf, const char *const *argv);

/* How exec_run() spawns.  "run" does the work of exec_run() after logging:
 * it returns what exec_run() returns and fills "out" when it is not NULL.
 * It must not log the "Running command"/"Command failed" lines itself. */
struct exec_ops {
    int (*run)(void *ctx, const struct exec_cmd *cmd, struct exec_output *out);
    void *ctx;
};

/* Replaces the spawning operations with "ops" (which must outlive their use);
 * NULL restores the real ones.  Returns the previous operations.  Not
 * thread-safe: meant for test setup. */
const struct exec_ops *exec_set_ops(const struct exec_ops *ops);

/* The real operations (fork, setns, exec), for fakes that want to delegate. */
const struct exec_ops *exec_real_ops(void);

/* A ready-made fake for unit tests: records each command and answers from a
 * table of canned results. */
struct exec_fake_rule {
    const char *prefix; /* Matches command lines starting with this; NULL: any. */
    int status;         /* Returned as is: exit status, EXEC_STATUS_SIGNAL() or -errno. */
    const char *output; /* Captured stdout to hand back, or NULL for none. */
};

struct exec_fake {
    struct exec_ops ops;
    const struct exec_fake_rule *rules; /* First match wins; no match: status 0. */
    size_t n_rules;
    /* One line per command: "<argv joined>\n", preceded by "netns <name>: "
     * when the command asked for a namespace. */
    struct sbuf log;
    unsigned calls;
    const struct exec_ops *saved; /* What exec_fake_install() replaced. */
    bool installed;
};

/* Prepares "fake" with "rules" (not copied; they must outlive the fake) and
 * makes exec_run() use it until exec_fake_free(). */
void exec_fake_install(struct exec_fake *fake, const struct exec_fake_rule *rules, size_t n_rules);

/* Restores the operations that were in place before exec_fake_install() and
 * frees the log.  Accepts NULL. */
void exec_fake_free(struct exec_fake *fake);

#endif
