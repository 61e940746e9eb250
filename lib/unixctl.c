/* The control socket; see unixctl.h. */
#include "unixctl.h"

#include "jsonrpc.h"
#include "log.h"
#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct command {
    char *name;
    int min_args, max_args;
    unixctl_fn fn;
    void *arg;
};

struct conn {
    struct unixctl *u;
    struct jsonrpc *rpc;
    int fd;
    bool dead;
    struct conn *next;
};

struct unixctl {
    struct evl *loop;
    char *path;
    int fd;
    struct command *cmds;
    size_t n_cmds;
    struct conn *conns;
};

static void reap(struct unixctl *u)
{
    struct conn **p = &u->conns;

    while (*p) {
        struct conn *c = *p;
        if (c->dead) {
            *p = c->next;
            jsonrpc_free(c->rpc);
            free(c);
        } else {
            p = &c->next;
        }
    }
}

static void kill_conn(struct conn *c)
{
    if (!c->dead) {
        c->dead = true;
        evl_del_fd(c->u->loop, c->fd);
    }
}

static json_t *run_command(struct unixctl *u, const json_t *msg)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    const json_t *params = json_object_get(msg, "params");
    const json_t *id = json_object_get(msg, "id");
    struct sbuf out = SBUF_INIT;
    json_t *reply;
    int r = -ENOENT;

    if (!method || !json_is_array(params)) {
        return jsonrpc_error_reply(json_string("invalid request"), id);
    }
    for (size_t i = 0; i < u->n_cmds; i++) {
        const struct command *cmd = &u->cmds[i];
        int n = (int)json_array_size(params);
        if (strcmp(cmd->name, method)) {
            continue;
        }
        if (n < cmd->min_args || n > cmd->max_args) {
            sbuf_addf(&out, "\"%s\" command takes %d to %d arguments", method, cmd->min_args,
                      cmd->max_args);
            r = -EINVAL;
        } else {
            r = cmd->fn(params, &out, cmd->arg);
        }
        break;
    }
    if (r == -ENOENT && !out.len) {
        sbuf_addf(&out, "\"%s\" is not a valid command", method);
    }
    reply = r ? jsonrpc_error_reply(json_string(sbuf_str(&out)), id)
              : jsonrpc_reply(json_string(sbuf_str(&out)), id);
    sbuf_free(&out);
    return reply;
}

static void conn_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct conn *c = arg;
    struct unixctl *u = c->u;
    (void)fd;

    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        for (;;) {
            json_t *msg, *reply;
            int r = jsonrpc_recv(c->rpc, &msg);
            if (r == -EAGAIN) {
                break;
            }
            if (r) {
                kill_conn(c);
                break;
            }
            reply = run_command(u, msg);
            json_decref(msg);
            if (jsonrpc_send(c->rpc, reply)) {
                kill_conn(c);
            }
            json_decref(reply);
            if (c->dead) {
                break;
            }
        }
    }
    if (!c->dead) {
        int r = jsonrpc_flush(c->rpc);
        if (r && r != -EAGAIN) {
            kill_conn(c);
        } else {
            evl_set_events(loop, c->fd, r == -EAGAIN ? POLLIN | POLLOUT : POLLIN);
        }
    }
    reap(u);
}

static void accept_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct unixctl *u = arg;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct conn *c;
    (void)revents;

    if (cfd < 0) {
        return;
    }
    c = calloc(1, sizeof *c);
    if (!c || !(c->rpc = jsonrpc_new(cfd))) {
        if (!c) {
            close(cfd);
        }
        free(c);
        return;
    }
    c->u = u;
    c->fd = cfd;
    if (evl_add_fd(loop, cfd, POLLIN, conn_cb, c)) {
        jsonrpc_free(c->rpc);
        free(c);
        return;
    }
    c->next = u->conns;
    u->conns = c;
}

int unixctl_new(struct evl *loop, const char *path, struct unixctl **out)
{
    struct unixctl *u = calloc(1, sizeof *u);
    char *name = NULL;
    int r;

    *out = NULL;
    if (!u || asprintf(&name, "punix:%s", path) < 0) {
        free(u);
        return -ENOMEM;
    }
    u->loop = loop;
    u->path = strdup(path);
    u->fd = stream_listen(name);
    free(name);
    if (u->fd < 0) {
        r = u->fd;
        xlog_err("%s: cannot listen: %s", path, strerror(-r));
        free(u->path);
        free(u);
        return r;
    }
    r = evl_add_fd(loop, u->fd, POLLIN, accept_cb, u);
    if (r) {
        close(u->fd);
        free(u->path);
        free(u);
        return r;
    }
    *out = u;
    return 0;
}

int unixctl_register(struct unixctl *u, const char *name, int min_args, int max_args, unixctl_fn fn,
                     void *arg)
{
    struct command *v = realloc(u->cmds, (u->n_cmds + 1) * sizeof *v);

    if (!v) {
        return -ENOMEM;
    }
    u->cmds = v;
    v[u->n_cmds].name = strdup(name);
    if (!v[u->n_cmds].name) {
        return -ENOMEM;
    }
    v[u->n_cmds].min_args = min_args;
    v[u->n_cmds].max_args = max_args;
    v[u->n_cmds].fn = fn;
    v[u->n_cmds].arg = arg;
    u->n_cmds++;
    return 0;
}

void unixctl_free(struct unixctl *u)
{
    if (!u) {
        return;
    }
    for (struct conn *c = u->conns; c; c = c->next) {
        kill_conn(c);
    }
    reap(u);
    evl_del_fd(u->loop, u->fd);
    close(u->fd);
    unlink(u->path);
    for (size_t i = 0; i < u->n_cmds; i++) {
        free(u->cmds[i].name);
    }
    free(u->cmds);
    free(u->path);
    free(u);
}
