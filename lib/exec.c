/* Running external programs: fork, optional setns, exec; see exec.h. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"

extern char **environ;

/* Used when $PATH is unset, as execvp() would, plus the sbin folders where
 * the network tools live. */
#define EXEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* How often to look for the child's exit when pidfd_open() is unavailable. */
#define EXEC_POLL_TICK_MS 10

static int exec_real_run(void *ctx, const struct exec_cmd *cmd, struct exec_output *out);

static const struct exec_ops exec_real = {exec_real_run, NULL};
static const struct exec_ops *exec_ops = &exec_real;

int exec_join_argv(struct sbuf *buf, const char *const *argv)
{
    for (size_t i = 0; argv && argv[i]; i++) {
        if (i > 0) {
            sbuf_addc(buf, ' ');
        }
        sbuf_adds(buf, argv[i]);
    }
    return sbuf_error(buf);
}

void exec_output_free(struct exec_output *out)
{
    if (out) {
        free(out->data);
        out->data = NULL;
        out->len = 0;
    }
}

const struct exec_ops *exec_set_ops(const struct exec_ops *ops)
{
    const struct exec_ops *old = exec_ops;

    exec_ops = ops ? ops : &exec_real;
    return old;
}

const struct exec_ops *exec_real_ops(void)
{
    return &exec_real;
}

/* A namespace name is one file name under /run/netns. */
static bool exec_netns_name_ok(const char *name)
{
    size_t len = strlen(name);

    return len > 0 && len <= NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

/* Finds "name" in $PATH like execvp() does, but in the parent, so that a
 * missing program is reported without forking.  Returns 0 with a new string in
 * "*path", or -ENOENT / -EACCES / -ENOMEM. */
static int exec_search_path(const char *name, char **path)
{
    const char *dirs = getenv("PATH");
    int r = -ENOENT;

    if (!dirs || !*dirs) {
        dirs = EXEC_DEFAULT_PATH;
    }
    while (*dirs) {
        size_t dlen = strcspn(dirs, ":");
        struct stat st;
        char *cand;

        /* An empty entry means the current folder, as in execvp(). */
        if (asprintf(&cand, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? dirs : ".", name) < 0) {
            return -ENOMEM;
        }
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(cand, X_OK) == 0) {
                *path = cand;
                return 0;
            }
            r = -EACCES;
        }
        free(cand);
        dirs += dlen;
        if (*dirs == ':') {
            dirs++;
        }
    }
    return r;
}

/* Moves a new descriptor above the standard three, so that the child's
 * dup2() calls onto 0 and 1 can never clobber another pipe end when the
 * caller runs with stdin or stdout closed. */
static int exec_fd_high(int fd)
{
    int high;

    if (fd > STDERR_FILENO) {
        return fd;
    }
    high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (high < 0) {
        high = -errno;
    }
    close(fd);
    return high;
}

static int exec_pipe(int fds[2])
{
    int r;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        return -errno;
    }
    for (int i = 0; i < 2; i++) {
        r = exec_fd_high(fds[i]);
        if (r < 0) {
            /* fds[i] is gone; the other end (moved or not) is still open. */
            close(fds[1 - i]);
            fds[0] = fds[1] = -1;
            return r;
        }
        fds[i] = r;
    }
    return 0;
}

static void exec_close(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Runs in the forked child: only async-signal-safe calls from here on.  On
 * failure the errno goes back through "err_fd" and the child exits 127. */
static void exec_child(const char *path, const struct exec_cmd *cmd, int ns_fd, int in_fd,
                       int out_fd, int err_fd)
{
    struct sigaction dfl;
    sigset_t none;
    int e;

    /* A process group of its own lets a timeout kill the grandchildren too. */
    if (cmd->timeout_ms && setpgid(0, 0) < 0) {
        goto fail;
    }
    /* The program should not inherit our blocked signals or an ignored
     * SIGPIPE: it expects the defaults, as after a login. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, NULL);
    if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) < 0) {
        goto fail;
    }
    if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0) {
        goto fail;
    }
    if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0) {
        goto fail;
    }
    execve(path, (char *const *)cmd->argv, environ);
fail:
    e = errno;
    if (write(err_fd, &e, sizeof e) < 0) {
        /* Nothing left to report it through. */
    }
    _exit(127);
}

static int64_t exec_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int exec_reap(pid_t pid, int *status, bool block)
{
    for (;;) {
        pid_t r = waitpid(pid, status, block ? 0 : WNOHANG);

        if (r >= 0) {
            return r == pid;
        }
        if (errno != EINTR) {
            return -errno;
        }
    }
}

/* The state of one running child while we feed and drain it. */
struct exec_child_io {
    pid_t pid;
    bool own_group;
    int in_fd, out_fd, pid_fd;
    const char *in_data;
    size_t in_left;
    size_t max_output;
    struct sbuf out;
    bool reaped, overflow, epipe;
    int status;
};

/* Kills the child, or its whole group when it has one.  A reaped child
 * without a group of its own is left alone: its pid may already be reused. */
static void exec_kill(const struct exec_child_io *io)
{
    if (io->own_group) {
        kill(-io->pid, SIGKILL);
    } else if (!io->reaped) {
        kill(io->pid, SIGKILL);
    }
}

/* Writes what the pipe takes now; closes it when all is written or the child
 * has stopped reading. */
static void exec_feed(struct exec_child_io *io)
{
    while (io->in_left > 0) {
        ssize_t n = write(io->in_fd, io->in_data, io->in_left);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                return;
            }
            /* EPIPE: the child exited or closed stdin; it is its choice. */
            io->epipe = errno == EPIPE;
            break;
        }
        io->in_data += n;
        io->in_left -= (size_t)n;
    }
    exec_close(&io->in_fd);
}

/* Reads what is there.  Returns 0, or -errno on a read error. */
static int exec_drain(struct exec_child_io *io)
{
    char buf[16384];

    for (;;) {
        ssize_t n = read(io->out_fd, buf, sizeof buf);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN ? 0 : -errno;
        }
        if (n == 0) {
            exec_close(&io->out_fd);
            return 0;
        }
        if (io->out.len + (size_t)n > io->max_output) {
            /* Stop a runaway producer at once instead of reading for ever. */
            io->overflow = true;
            exec_kill(io);
            exec_close(&io->out_fd);
            return 0;
        }
        if (sbuf_add(&io->out, buf, (size_t)n) < 0) {
            return -ENOMEM;
        }
    }
}

/* Feeds stdin, drains stdout and waits for the child, until it has exited
 * and closed stdout, or the deadline passes.  Returns 0 or -errno. */
static int exec_wait_io(struct exec_child_io *io, unsigned timeout_ms)
{
    int64_t deadline = timeout_ms ? exec_now_ms() + timeout_ms : 0;
    int r;

    while (!io->reaped || io->out_fd >= 0) {
        struct pollfd pfd[3];
        int n = 0, wait_ms = -1;

        if (io->in_fd >= 0) {
            pfd[n++] = (struct pollfd){.fd = io->in_fd, .events = POLLOUT};
        }
        if (io->out_fd >= 0) {
            pfd[n++] = (struct pollfd){.fd = io->out_fd, .events = POLLIN};
        }
        if (!io->reaped && io->pid_fd >= 0) {
            pfd[n++] = (struct pollfd){.fd = io->pid_fd, .events = POLLIN};
        } else if (!io->reaped) {
            wait_ms = EXEC_POLL_TICK_MS;
        }
        if (deadline) {
            int64_t left = deadline - exec_now_ms();

            if (left <= 0) {
                return -ETIMEDOUT;
            }
            if (wait_ms < 0 || left < wait_ms) {
                wait_ms = (int)left;
            }
        }
        if (poll(pfd, (nfds_t)n, wait_ms) < 0 && errno != EINTR) {
            return -errno;
        }
        if (io->in_fd >= 0) {
            exec_feed(io);
        }
        if (io->out_fd >= 0) {
            r = exec_drain(io);
            if (r < 0) {
                return r;
            }
        }
        if (!io->reaped) {
            r = exec_reap(io->pid, &io->status, false);
            if (r < 0) {
                return r;
            }
            io->reaped = r > 0;
        }
    }
    return 0;
}

/* Opens the namespace in the parent so that a missing one is reported
 * cleanly.  Returns the descriptor or -errno. */
static int exec_open_netns(const char *name)
{
    char path[PATH_MAX];
    int fd;

    if (!exec_netns_name_ok(name)) {
        xlog_warn("Invalid network namespace name \"%s\"", name);
        return -EINVAL;
    }
    snprintf(path, sizeof path, "/run/netns/%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;

        xlog_warn("Cannot open network namespace %s: %s", name, strerror(e));
        return -e;
    }
    return fd;
}

static int exec_resolve(const struct exec_cmd *cmd, char **path)
{
    const char *prog = cmd->argv[0];
    int r;

    if (cmd->flags & EXEC_ROOT_PREFIX) {
        *path = paths_get(prog);
        return *path ? 0 : -ENOMEM;
    }
    if (strchr(prog, '/')) {
        *path = strdup(prog);
        return *path ? 0 : -ENOMEM;
    }
    r = exec_search_path(prog, path);
    if (r < 0 && r != -ENOMEM) {
        xlog_warn("Could not run %s: %s", prog, strerror(-r));
    }
    return r;
}

static int exec_real_run(void *ctx, const struct exec_cmd *cmd, struct exec_output *out)
{
    struct exec_child_io io = {.pid = -1, .in_fd = -1, .out_fd = -1, .pid_fd = -1};
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    sigset_t pipe_set, old_set, pending;
    bool sigpipe_was_pending = false, masked = false;
    char *path = NULL;
    int ns_fd = -1, r, child_errno = 0;
    ssize_t n;

    (void)ctx;
    sbuf_init(&io.out);
    r = exec_resolve(cmd, &path);
    if (r < 0) {
        goto out;
    }
    if (cmd->netns) {
        ns_fd = exec_open_netns(cmd->netns);
        if (ns_fd < 0) {
            r = ns_fd;
            goto out;
        }
    }
    if ((cmd->stdin_data && (r = exec_pipe(in_pipe)) < 0) ||
        (out && (r = exec_pipe(out_pipe)) < 0) || (r = exec_pipe(err_pipe)) < 0) {
        goto out;
    }
    io.pid = fork();
    if (io.pid < 0) {
        r = -errno;
        goto out;
    }
    if (io.pid == 0) {
        exec_child(path, cmd, ns_fd, in_pipe[0], out_pipe[1], err_pipe[1]);
    }
    /* Set the group from both sides so that a kill can never miss it. */
    io.own_group = cmd->timeout_ms > 0;
    if (io.own_group) {
        setpgid(io.pid, io.pid);
    }
    exec_close(&in_pipe[0]);
    exec_close(&out_pipe[1]);
    exec_close(&err_pipe[1]);
    /* The error pipe closes on a successful exec (O_CLOEXEC) or carries the
     * errno of the step that failed. */
    do {
        n = read(err_pipe[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof child_errno) {
        exec_reap(io.pid, &io.status, true);
        io.pid = -1;
        r = -child_errno;
        xlog_warn("Could not run %s: %s", path, strerror(child_errno));
        goto out;
    }

    io.in_fd = in_pipe[1];
    in_pipe[1] = -1;
    io.out_fd = out_pipe[0];
    out_pipe[0] = -1;
    io.in_data = cmd->stdin_data;
    io.in_left = cmd->stdin_len;
    io.max_output = cmd->max_output ? cmd->max_output : EXEC_DEFAULT_MAX_OUTPUT;
    if (io.in_fd >= 0) {
        fcntl(io.in_fd, F_SETFL, O_NONBLOCK);
    }
    if (io.out_fd >= 0) {
        fcntl(io.out_fd, F_SETFL, O_NONBLOCK);
    }
    io.pid_fd = (int)syscall(SYS_pidfd_open, io.pid, 0);

    /* A child that stops reading stdin must not kill us with SIGPIPE: block
     * it here and swallow the one our write raised, if it was not pending. */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    sigpipe_was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    masked = true;

    r = exec_wait_io(&io, cmd->timeout_ms);
    if (r < 0 || io.overflow) {
        exec_kill(&io);
        if (!io.reaped) {
            exec_reap(io.pid, &io.status, true);
        }
        io.reaped = true;
        r = r < 0 ? r : -E2BIG;
        goto out;
    }
    if (WIFSIGNALED(io.status)) {
        r = EXEC_STATUS_SIGNAL(WTERMSIG(io.status));
    } else {
        r = WEXITSTATUS(io.status);
    }
    if (out) {
        /* An empty capture is still an allocated "" for the caller. */
        out->data = sbuf_steal(&io.out, &out->len);
        if (!out->data) {
            r = -ENOMEM;
        }
    }
out:
    if (masked) {
        if (io.epipe && !sigpipe_was_pending) {
            struct timespec zero = {0, 0};

            while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    }
    exec_close(&io.in_fd);
    exec_close(&io.out_fd);
    exec_close(&io.pid_fd);
    exec_close(&in_pipe[0]);
    exec_close(&in_pipe[1]);
    exec_close(&out_pipe[0]);
    exec_close(&out_pipe[1]);
    exec_close(&err_pipe[0]);
    exec_close(&err_pipe[1]);
    exec_close(&ns_fd);
    sbuf_free(&io.out);
    free(path);
    return r;
}

int exec_run(const struct exec_cmd *cmd, struct exec_output *out)
{
    enum xlog_level level = cmd && (cmd->flags & EXEC_QUIET) ? XLOG_DEBUG : XLOG_INFO;
    struct sbuf line = SBUF_INIT;
    int r;

    if (out) {
        out->data = NULL;
        out->len = 0;
    }
    if (!cmd || !cmd->argv || !cmd->argv[0] || !cmd->argv[0][0]) {
        xlog_warn("Cannot run an empty command");
        return -EINVAL;
    }
    if (exec_join_argv(&line, cmd->argv) < 0) {
        r = -ENOMEM;
        goto out;
    }
    if (cmd->flags & EXEC_DRY_RUN) {
        printf("%s\n", sbuf_str(&line));
        fflush(stdout);
        r = 0;
        if (out && !(out->data = strdup(""))) {
            r = -ENOMEM;
        }
        goto out;
    }
    xlog(level, "Running command: %s", sbuf_str(&line));
    r = exec_ops->run(exec_ops->ctx, cmd, out);
    if (exec_status_signaled(r)) {
        /* Python's os.spawn*() reports a signal as its negative number, so
         * the originals log "Command failed -9: ..."; we keep that line. */
        xlog(level, "Command failed %d: %s", -exec_status_signal(r), sbuf_str(&line));
    } else if (r > 0) {
        xlog(level, "Command failed %d: %s", r, sbuf_str(&line));
    } else if (r == -ETIMEDOUT) {
        xlog_warn("Command timed out after %u ms: %s", cmd->timeout_ms, sbuf_str(&line));
    } else if (r == -E2BIG) {
        xlog_warn("Command output exceeded %zu bytes: %s",
                  cmd->max_output ? cmd->max_output : (size_t)EXEC_DEFAULT_MAX_OUTPUT,
                  sbuf_str(&line));
    }
out:
    if (r < 0) {
        exec_output_free(out);
    }
    sbuf_free(&line);
    return r;
}

int exec_argv(const char *const *argv, unsigned flags)
{
    struct exec_cmd cmd = {.argv = argv, .flags = flags};

    return exec_run(&cmd, NULL);
}

/* The fake's spawning operation: records the command line and answers with
 * the first matching rule. */
static int exec_fake_run(void *ctx, const struct exec_cmd *cmd, struct exec_output *out)
{
    struct exec_fake *fake = ctx;
    struct sbuf line = SBUF_INIT;
    const struct exec_fake_rule *rule = NULL;
    int r = 0;

    fake->calls++;
    if (exec_join_argv(&line, cmd->argv) < 0) {
        r = -ENOMEM;
        goto out;
    }
    if (cmd->netns) {
        sbuf_addf(&fake->log, "netns %s: ", cmd->netns);
    }
    sbuf_addf(&fake->log, "%s\n", sbuf_str(&line));
    for (size_t i = 0; i < fake->n_rules && !rule; i++) {
        const char *prefix = fake->rules[i].prefix;

        if (!prefix || !strncmp(sbuf_str(&line), prefix, strlen(prefix))) {
            rule = &fake->rules[i];
        }
    }
    r = rule ? rule->status : 0;
    if (out && r >= 0) {
        out->data = strdup(rule && rule->output ? rule->output : "");
        if (!out->data) {
            r = -ENOMEM;
            goto out;
        }
        out->len = strlen(out->data);
    }
out:
    sbuf_free(&line);
    return r;
}

void exec_fake_install(struct exec_fake *fake, const struct exec_fake_rule *rules, size_t n_rules)
{
    fake->ops.run = exec_fake_run;
    fake->ops.ctx = fake;
    fake->rules = rules;
    fake->n_rules = n_rules;
    sbuf_init(&fake->log);
    fake->calls = 0;
    fake->saved = exec_set_ops(&fake->ops);
    fake->installed = true;
}

void exec_fake_free(struct exec_fake *fake)
{
    if (!fake) {
        return;
    }
    if (fake->installed) {
        exec_set_ops(fake->saved);
        fake->installed = false;
    }
    sbuf_free(&fake->log);
}
