/* The xvs-xenstored server: listeners, connections, requests and watches.
 *
 * Input is collected per connection until a whole message is there (at most
 * one maximal message is buffered); a header that announces an oversized
 * payload or an impossible type closes the connection with a log line, while
 * a well-framed but wrong request gets an XS_ERROR reply.  Replies and watch
 * events are queued per connection and written as the socket accepts them. */
#include "xsd_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "xsd_proto.h"

/* Stop reading from a client whose replies pile up past this, and drop a
 * client that lets its queue grow past the hard limit (a watch storm). */
#define OUT_PAUSE (256u * 1024u)
#define OUT_LIMIT (16u * 1024u * 1024u)
#define MAX_ARGS  XENSTORE_PAYLOAD_MAX

struct watch {
    char *path; /* Canonical path or "@name". */
    char *token;
    bool relative; /* Events report paths relative to the domain's home. */
};

struct conn_txn {
    uint32_t id;
    struct xsd_txn *txn;
};

struct conn {
    int fd;
    uint32_t domid;
    unsigned char in[XSD_MSG_MAX];
    size_t in_len;
    struct sbuf out;
    size_t out_off;
    struct watch *watches;
    size_t nwatches;
    struct conn_txn txns[XSD_MAX_TXNS_PER_CONN];
    size_t ntxns;
    bool dead;
    struct conn *next;
};

struct listener {
    int fd;
    char *path;
    uint32_t domid;
};

struct xsd_server {
    struct xsd_store *st;
    struct conn *conns;
    struct listener *lis;
    size_t nlis;
    uint32_t next_txid;
    uint32_t *introduced;
    size_t nintroduced;
    size_t watch_quota;
    struct pollfd *pfds;
    size_t pfd_cap;
    /* Changes made while handling a request fire after its reply is
     * queued, so a client sees OK before the events its request caused. */
    bool in_request;
    struct pending *pending;
    size_t npending;
};

struct pending {
    char *path;
    bool removed;
};

static void fire(struct xsd_server *srv, const char *path, bool removed);

static void store_changed(void *arg, const char *path, bool removed)
{
    struct xsd_server *srv = arg;
    struct pending *p;
    char *copy;

    if (srv->in_request) {
        p = realloc(srv->pending, (srv->npending + 1) * sizeof(*p));
        copy = strdup(path);
        if (p && copy) {
            srv->pending = p;
            p[srv->npending].path = copy;
            p[srv->npending].removed = removed;
            srv->npending++;
            return;
        }
        srv->pending = p ? p : srv->pending;
        free(copy);
    }
    fire(srv, path, removed);
}

static void fire_pending(struct xsd_server *srv)
{
    size_t i;

    for (i = 0; i < srv->npending; i++) {
        fire(srv, srv->pending[i].path, srv->pending[i].removed);
        free(srv->pending[i].path);
    }
    srv->npending = 0;
}

int xsd_server_new(size_t entry_quota, size_t watch_quota, struct xsd_server **out)
{
    struct xsd_server *srv = calloc(1, sizeof(*srv));
    int rc;

    *out = NULL;
    if (!srv) {
        return -ENOMEM;
    }
    rc = xsd_store_new(entry_quota, &srv->st);
    if (rc < 0) {
        free(srv);
        return rc;
    }
    xsd_store_set_change_cb(srv->st, store_changed, srv);
    srv->watch_quota = watch_quota ? watch_quota : XSD_DEFAULT_WATCH_QUOTA;
    srv->next_txid = 1;
    *out = srv;
    return 0;
}

static void conn_free(struct xsd_server *srv, struct conn *c)
{
    size_t i;

    if (c->fd >= 0) {
        close(c->fd);
    }
    for (i = 0; i < c->ntxns; i++) {
        xsd_txn_end(srv->st, c->txns[i].txn, false);
    }
    for (i = 0; i < c->nwatches; i++) {
        free(c->watches[i].path);
        free(c->watches[i].token);
    }
    free(c->watches);
    sbuf_free(&c->out);
    free(c);
}

void xsd_server_free(struct xsd_server *srv)
{
    struct conn *c, *next;
    size_t i;

    if (!srv) {
        return;
    }
    for (c = srv->conns; c; c = next) {
        next = c->next;
        conn_free(srv, c);
    }
    for (i = 0; i < srv->nlis; i++) {
        close(srv->lis[i].fd);
        unlink(srv->lis[i].path);
        free(srv->lis[i].path);
    }
    free(srv->lis);
    free(srv->introduced);
    free(srv->pfds);
    free(srv->pending);
    xsd_store_free(srv->st);
    free(srv);
}

struct xsd_store *xsd_server_store(struct xsd_server *srv)
{
    return srv->st;
}

size_t xsd_server_nclients(const struct xsd_server *srv)
{
    const struct conn *c;
    size_t n = 0;

    for (c = srv->conns; c; c = c->next) {
        n++;
    }
    return n;
}

/* Gives a guest the home a toolstack would make: /local/domain/<domid>,
 * owned by the guest, unreadable to other guests. */
static int make_guest_home(struct xsd_server *srv, uint32_t domid)
{
    struct xsd_perm perm = {domid, XSD_PERM_NONE};
    char path[64];
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    rc = xsd_mkdir(srv->st, NULL, 0, path);
    if (rc == 0) {
        rc = xsd_set_perms(srv->st, NULL, 0, path, &perm, 1);
    }
    return rc;
}

int xsd_server_listen(struct xsd_server *srv, const char *path, uint32_t domid)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct listener *lis;
    struct stat sb;
    int fd = -1, rc;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        xlog_err("Socket path %s is too long", path);
        return -ENAMETOOLONG;
    }
    strcpy(addr.sun_path, path);
    lis = realloc(srv->lis, (srv->nlis + 1) * sizeof(*lis));
    if (!lis) {
        return -ENOMEM;
    }
    srv->lis = lis;
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
        rc = -errno;
        xlog_err("Cannot listen on %s: %s", path, strerror(-rc));
        goto fail;
    }
    if (domid != 0) {
        rc = make_guest_home(srv, domid);
        if (rc < 0) {
            xlog_err("Cannot create the home of domain %u: %s", domid, strerror(-rc));
            unlink(path);
            goto fail;
        }
    }
    lis[srv->nlis].fd = fd;
    lis[srv->nlis].domid = domid;
    lis[srv->nlis].path = strdup(path);
    if (!lis[srv->nlis].path) {
        unlink(path);
        rc = -ENOMEM;
        goto fail;
    }
    srv->nlis++;
    return 0;
fail:
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

int xsd_server_add_client(struct xsd_server *srv, int fd, uint32_t domid)
{
    struct conn *c = calloc(1, sizeof(*c));
    int flags;

    if (!c) {
        close(fd);
        return -ENOMEM;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
    c->fd = fd;
    c->domid = domid;
    sbuf_init(&c->out);
    c->next = srv->conns;
    srv->conns = c;
    return 0;
}

static void conn_kill(struct conn *c, const char *why)
{
    if (!c->dead) {
        xlog_warn("Closing connection of domain %u: %s", c->domid, why);
        c->dead = true;
    }
}

static void queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
                  size_t len)
{
    int rc;

    if (c->dead) {
        return;
    }
    rc = xsd_msg_encode(&c->out, type, req_id, tx_id, data, len);
    if (rc == -E2BIG) {
        rc = xsd_msg_encode(&c->out, XS_ERROR, req_id, tx_id, "E2BIG", 6);
    }
    if (rc < 0) {
        conn_kill(c, "out of memory queueing a reply");
    } else if (c->out.len - c->out_off > OUT_LIMIT) {
        conn_kill(c, "it does not read its replies and events");
    }
}

static bool path_under(const char *path, const char *top)
{
    size_t len = strlen(top);

    if (strcmp(top, "/") == 0) {
        return path[0] == '/';
    }
    return strncmp(path, top, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

static void send_event(struct conn *c, const struct watch *w, const char *path)
{
    struct sbuf ev = SBUF_INIT;
    char home[48];
    size_t hlen;

    if (w->relative) {
        hlen = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", c->domid);
        if (strncmp(path, home, hlen) == 0) {
            path += hlen;
        }
    }
    sbuf_add(&ev, path, strlen(path) + 1);
    sbuf_add(&ev, w->token, strlen(w->token) + 1);
    if (sbuf_error(&ev) < 0) {
        conn_kill(c, "out of memory queueing a watch event");
    } else {
        queue(c, XS_WATCH_EVENT, 0, 0, ev.data, ev.len);
    }
    sbuf_free(&ev);
}

/* Tells every watch that covers "path" (or, for a removal, lies below it)
 * about the change, if its domain may read the node. */
static void fire(struct xsd_server *srv, const char *path, bool removed)
{
    struct conn *c;
    size_t i;

    for (c = srv->conns; c; c = c->next) {
        for (i = 0; i < c->nwatches; i++) {
            const struct watch *w = &c->watches[i];
            const char *ev;

            if (w->path[0] == '@' || path[0] == '@') {
                ev = strcmp(w->path, path) == 0 ? path : NULL;
            } else if (path_under(path, w->path)) {
                ev = path;
            } else if (removed && path_under(w->path, path)) {
                ev = w->path;
            } else {
                ev = NULL;
            }
            if (!ev) {
                continue;
            }
            if (!removed && ev[0] == '/' && !xsd_can_read(srv->st, c->domid, ev)) {
                continue;
            }
            send_event(c, w, ev);
        }
    }
}

static void reply_error(struct conn *c, const struct xsd_sockmsg *hdr, int err)
{
    const char *name = xsd_error_name(err < 0 ? -err : err);

    queue(c, XS_ERROR, hdr->req_id, hdr->tx_id, name, strlen(name) + 1);
}

static void reply_ok(struct conn *c, const struct xsd_sockmsg *hdr)
{
    queue(c, hdr->type, hdr->req_id, hdr->tx_id, "OK", 3);
}

static struct conn_txn *find_txn(struct conn *c, uint32_t id)
{
    size_t i;

    for (i = 0; i < c->ntxns; i++) {
        if (c->txns[i].id == id) {
            return &c->txns[i];
        }
    }
    return NULL;
}

static size_t domain_watches(const struct xsd_server *srv, uint32_t domid)
{
    const struct conn *c;
    size_t n = 0;

    for (c = srv->conns; c; c = c->next) {
        if (c->domid == domid) {
            n += c->nwatches;
        }
    }
    return n;
}

static int do_watch(struct xsd_server *srv, struct conn *c, const struct xsd_sockmsg *hdr,
                    const char *path, const char *token)
{
    struct watch *ws, w = {NULL, NULL, path[0] != '/' && path[0] != '@'};
    size_t i;
    int rc = xsd_path_canon(path, c->domid, true, &w.path);

    if (rc < 0) {
        return rc;
    }
    for (i = 0; i < c->nwatches; i++) {
        if (strcmp(c->watches[i].path, w.path) == 0 && strcmp(c->watches[i].token, token) == 0) {
            free(w.path);
            return -EEXIST;
        }
    }
    if (c->domid != 0 && domain_watches(srv, c->domid) >= srv->watch_quota) {
        free(w.path);
        return -E2BIG;
    }
    w.token = strdup(token);
    ws = realloc(c->watches, (c->nwatches + 1) * sizeof(*ws));
    if (!w.token || !ws) {
        free(w.path);
        free(w.token);
        return -ENOMEM;
    }
    c->watches = ws;
    ws[c->nwatches++] = w;
    reply_ok(c, hdr);
    /* xenstored fires every new watch once, so clients can read the
     * current state without a race. */
    send_event(c, &ws[c->nwatches - 1], w.path);
    return 0;
}

static int do_unwatch(struct conn *c, const char *path, const char *token)
{
    char *abs;
    size_t i;
    int rc = xsd_path_canon(path, c->domid, true, &abs);

    if (rc < 0) {
        return rc;
    }
    for (i = 0; i < c->nwatches; i++) {
        if (strcmp(c->watches[i].path, abs) == 0 && strcmp(c->watches[i].token, token) == 0) {
            break;
        }
    }
    free(abs);
    if (i == c->nwatches) {
        return -ENOENT;
    }
    free(c->watches[i].path);
    free(c->watches[i].token);
    memmove(&c->watches[i], &c->watches[i + 1], (c->nwatches - i - 1) * sizeof(*c->watches));
    c->nwatches--;
    return 0;
}

static void reset_conn(struct xsd_server *srv, struct conn *c)
{
    size_t i;

    for (i = 0; i < c->nwatches; i++) {
        free(c->watches[i].path);
        free(c->watches[i].token);
    }
    c->nwatches = 0;
    for (i = 0; i < c->ntxns; i++) {
        xsd_txn_end(srv->st, c->txns[i].txn, false);
    }
    c->ntxns = 0;
}

static int do_txn_start(struct xsd_server *srv, struct conn *c, const struct xsd_sockmsg *hdr)
{
    struct conn_txn *t;
    char id[16];
    int rc;

    if (c->ntxns == XSD_MAX_TXNS_PER_CONN) {
        return -ENOSPC;
    }
    t = &c->txns[c->ntxns];
    rc = xsd_txn_start(srv->st, c->domid, &t->txn);
    if (rc < 0) {
        return rc;
    }
    /* Ids are unique per connection; skip 0 (no transaction) on wrap. */
    do {
        t->id = srv->next_txid++;
    } while (t->id == 0 || find_txn(c, t->id));
    c->ntxns++;
    snprintf(id, sizeof(id), "%u", t->id);
    queue(c, hdr->type, hdr->req_id, hdr->tx_id, id, strlen(id) + 1);
    return 0;
}

static int do_txn_end(struct xsd_server *srv, struct conn *c, const struct xsd_sockmsg *hdr,
                      const char *arg)
{
    struct conn_txn *t = find_txn(c, hdr->tx_id);
    struct xsd_txn *txn;
    int rc;

    if (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0) {
        return -EINVAL;
    }
    if (!t) {
        return -ENOENT;
    }
    txn = t->txn;
    *t = c->txns[--c->ntxns];
    rc = xsd_txn_end(srv->st, txn, arg[0] == 'T');
    if (rc == 0) {
        reply_ok(c, hdr);
    }
    return rc;
}

static bool is_introduced(const struct xsd_server *srv, uint32_t domid)
{
    size_t i;

    for (i = 0; i < srv->nintroduced; i++) {
        if (srv->introduced[i] == domid) {
            return true;
        }
    }
    return domid == 0;
}

static int do_introduce(struct xsd_server *srv, struct conn *c, const char *const *argv,
                        size_t argc)
{
    uint32_t domid, mfn, port;
    uint32_t *list;

    if (c->domid != 0) {
        return -EACCES;
    }
    if (argc != 3 || xsd_parse_u32(argv[0], &domid) < 0 || xsd_parse_u32(argv[1], &mfn) < 0 ||
        xsd_parse_u32(argv[2], &port) < 0 || domid == 0) {
        return -EINVAL;
    }
    if (!is_introduced(srv, domid)) {
        list = realloc(srv->introduced, (srv->nintroduced + 1) * sizeof(*list));
        if (!list) {
            return -ENOMEM;
        }
        srv->introduced = list;
        list[srv->nintroduced++] = domid;
        xlog_info("Domain %u introduced (mfn %u, event channel %u)", domid, mfn, port);
        store_changed(srv, "@introduceDomain", false);
    }
    return 0;
}

static int do_release(struct xsd_server *srv, struct conn *c, uint32_t domid)
{
    size_t i;

    if (c->domid != 0) {
        return -EACCES;
    }
    for (i = 0; i < srv->nintroduced && srv->introduced[i] != domid; i++) {
    }
    if (i == srv->nintroduced) {
        return -ENOENT;
    }
    srv->introduced[i] = srv->introduced[--srv->nintroduced];
    xlog_info("Domain %u released", domid);
    store_changed(srv, "@releaseDomain", false);
    return 0;
}

static int do_directory_part(struct xsd_server *srv, struct conn *c, struct xsd_txn *txn,
                             const struct xsd_sockmsg *hdr, const char *path, const char *offset_s)
{
    struct sbuf names = SBUF_INIT, reply = SBUF_INIT;
    uint64_t gen = 0;
    uint32_t off;
    size_t room, take;
    int rc = xsd_parse_u32(offset_s, &off);

    if (rc < 0) {
        return rc;
    }
    rc = xsd_directory(srv->st, txn, c->domid, path, &names, &gen);
    if (rc < 0) {
        goto out;
    }
    if (off > names.len) {
        rc = -EINVAL;
        goto out;
    }
    sbuf_addf(&reply, "%llu", (unsigned long long)gen);
    sbuf_addc(&reply, '\0');
    room = XENSTORE_PAYLOAD_MAX - reply.len - 1;
    take = names.len - off;
    if (take > room) {
        take = room;
    }
    sbuf_add(&reply, sbuf_str(&names) + off, take);
    if (off + take == names.len) {
        /* An empty string ends the list. */
        sbuf_addc(&reply, '\0');
    }
    rc = sbuf_error(&reply);
    if (rc == 0) {
        queue(c, hdr->type, hdr->req_id, hdr->tx_id, reply.data, reply.len);
    }
out:
    sbuf_free(&names);
    sbuf_free(&reply);
    return rc;
}

/* Handles requests on one path ("argv[0]"); "txn" may be NULL. */
static int do_path_op(struct xsd_server *srv, struct conn *c, struct xsd_txn *txn,
                      const struct xsd_sockmsg *hdr, const char *payload, const char *const *argv,
                      size_t argc)
{
    struct sbuf out = SBUF_INIT;
    struct xsd_perm *perms = NULL;
    char *path = NULL, *value = NULL;
    size_t len, i;
    int rc = xsd_path_canon(argv[0], c->domid, false, &path);

    if (rc < 0) {
        return rc;
    }
    switch (hdr->type) {
    case XS_READ:
        rc = argc == 1 ? xsd_read(srv->st, txn, c->domid, path, &value, &len) : -EINVAL;
        if (rc == 0) {
            queue(c, hdr->type, hdr->req_id, hdr->tx_id, value, len);
        }
        break;
    case XS_WRITE:
        len = strlen(argv[0]) + 1;
        rc = xsd_write(srv->st, txn, c->domid, path, payload + len, hdr->len - len);
        break;
    case XS_MKDIR:
        rc = argc == 1 ? xsd_mkdir(srv->st, txn, c->domid, path) : -EINVAL;
        break;
    case XS_RM:
        rc = argc == 1 ? xsd_rm(srv->st, txn, c->domid, path) : -EINVAL;
        break;
    case XS_DIRECTORY:
        rc = argc == 1 ? xsd_directory(srv->st, txn, c->domid, path, &out, NULL) : -EINVAL;
        if (rc == 0) {
            queue(c, hdr->type, hdr->req_id, hdr->tx_id, out.data, out.len);
        }
        break;
    case XS_DIRECTORY_PART:
        rc = argc == 2 ? do_directory_part(srv, c, txn, hdr, path, argv[1]) : -EINVAL;
        break;
    case XS_GET_PERMS:
        rc = argc == 1 ? xsd_get_perms(srv->st, txn, c->domid, path, &out) : -EINVAL;
        if (rc == 0) {
            queue(c, hdr->type, hdr->req_id, hdr->tx_id, out.data, out.len);
        }
        break;
    case XS_SET_PERMS:
        rc = argc >= 2 ? 0 : -EINVAL;
        perms = rc == 0 ? calloc(argc - 1, sizeof(*perms)) : NULL;
        if (rc == 0 && !perms) {
            rc = -ENOMEM;
        }
        for (i = 1; rc == 0 && i < argc; i++) {
            rc = xsd_perm_parse(argv[i], &perms[i - 1]);
        }
        if (rc == 0) {
            rc = xsd_set_perms(srv->st, txn, c->domid, path, perms, argc - 1);
        }
        break;
    default:
        rc = -EINVAL;
        break;
    }
    if (rc == 0 && (hdr->type == XS_WRITE || hdr->type == XS_MKDIR || hdr->type == XS_RM ||
                    hdr->type == XS_SET_PERMS)) {
        reply_ok(c, hdr);
    }
    free(path);
    free(value);
    free(perms);
    sbuf_free(&out);
    return rc;
}

/* Answers one well-framed request.  Errors become XS_ERROR replies. */
static void handle(struct xsd_server *srv, struct conn *c, const struct xsd_sockmsg *hdr,
                   const char *payload)
{
    static const char *argv[MAX_ARGS];
    struct xsd_txn *txn = NULL;
    struct conn_txn *t;
    char dompath[48];
    size_t argc = 0;
    uint32_t domid;
    int rc;

    argv[0] = "";
    rc = hdr->len ? xsd_split_strings(payload, hdr->len, argv, MAX_ARGS, &argc) : 0;
    if (hdr->type == XS_WRITE) {
        /* WRITE is a path and a raw value that need not end with a NUL. */
        rc = memchr(payload, '\0', hdr->len) ? 0 : -EINVAL;
        argv[0] = payload;
        argc = 2;
    }
    if (rc < 0) {
        goto out;
    }
    xlog_debug("Domain %u: %s %s (tx %u)", c->domid, xsd_type_name(hdr->type), argv[0], hdr->tx_id);
    switch (hdr->type) {
    case XS_READ:
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_DIRECTORY:
    case XS_DIRECTORY_PART:
    case XS_GET_PERMS:
    case XS_SET_PERMS:
        if (hdr->tx_id != 0) {
            t = find_txn(c, hdr->tx_id);
            if (!t) {
                rc = -ENOENT;
                break;
            }
            txn = t->txn;
        }
        rc = do_path_op(srv, c, txn, hdr, payload, argv, argc);
        break;
    case XS_WATCH:
        rc = argc == 2 ? do_watch(srv, c, hdr, argv[0], argv[1]) : -EINVAL;
        break;
    case XS_UNWATCH:
        rc = argc == 2 ? do_unwatch(c, argv[0], argv[1]) : -EINVAL;
        if (rc == 0) {
            reply_ok(c, hdr);
        }
        break;
    case XS_TRANSACTION_START:
        rc = do_txn_start(srv, c, hdr);
        break;
    case XS_TRANSACTION_END:
        rc = argc == 1 ? do_txn_end(srv, c, hdr, argv[0]) : -EINVAL;
        break;
    case XS_RESET_WATCHES:
        reset_conn(srv, c);
        reply_ok(c, hdr);
        break;
    case XS_GET_DOMAIN_PATH:
        rc = argc == 1 ? xsd_parse_u32(argv[0], &domid) : -EINVAL;
        if (rc == 0) {
            snprintf(dompath, sizeof(dompath), "/local/domain/%u", domid);
            queue(c, hdr->type, hdr->req_id, hdr->tx_id, dompath, strlen(dompath) + 1);
        }
        break;
    case XS_INTRODUCE:
        rc = do_introduce(srv, c, argv, argc);
        if (rc == 0) {
            reply_ok(c, hdr);
        }
        break;
    case XS_RELEASE:
        rc = argc == 1 ? xsd_parse_u32(argv[0], &domid) : -EINVAL;
        if (rc == 0) {
            rc = do_release(srv, c, domid);
        }
        if (rc == 0) {
            reply_ok(c, hdr);
        }
        break;
    case XS_IS_DOMAIN_INTRODUCED:
        rc = argc == 1 ? xsd_parse_u32(argv[0], &domid) : -EINVAL;
        if (rc == 0) {
            queue(c, hdr->type, hdr->req_id, hdr->tx_id, is_introduced(srv, domid) ? "T" : "F", 2);
        }
        break;
    case XS_RESUME:
        rc = argc == 1 ? xsd_parse_u32(argv[0], &domid) : -EINVAL;
        if (rc == 0) {
            rc = c->domid != 0 ? -EACCES : is_introduced(srv, domid) ? 0 : -ENOENT;
        }
        if (rc == 0) {
            reply_ok(c, hdr);
        }
        break;
    case XS_CONTROL:
    case XS_SET_TARGET:
        rc = -ENOSYS;
        break;
    default:
        rc = -EINVAL;
        break;
    }
out:
    if (rc < 0) {
        reply_error(c, hdr, rc);
    }
}

static void conn_read(struct xsd_server *srv, struct conn *c)
{
    struct xsd_sockmsg hdr;
    const char *payload;
    size_t used;
    ssize_t n;
    int rc;

    while (!c->dead && c->out.len - c->out_off <= OUT_PAUSE) {
        n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
        if (n == 0) {
            c->dead = true; /* The client hung up: nothing worth logging. */
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                conn_kill(c, strerror(errno));
            }
            return;
        }
        c->in_len += (size_t)n;
        while (!c->dead && (rc = xsd_msg_parse(c->in, c->in_len, &hdr, &payload)) != 0) {
            if (rc < 0) {
                xlog_warn("Malformed message from domain %u: type %u, length %u", c->domid,
                          hdr.type, hdr.len);
                conn_kill(c, "malformed message header");
                return;
            }
            srv->in_request = true;
            handle(srv, c, &hdr, payload);
            srv->in_request = false;
            fire_pending(srv);
            used = XSD_HDR_LEN + hdr.len;
            memmove(c->in, c->in + used, c->in_len - used);
            c->in_len -= used;
        }
    }
}

static void conn_write(struct conn *c)
{
    ssize_t n;

    while (!c->dead && c->out_off < c->out.len) {
        n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                conn_kill(c, strerror(errno));
            }
            break;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out.len) {
        sbuf_reset(&c->out);
        c->out_off = 0;
    } else if (c->out_off > c->out.len / 2) {
        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off + 1);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
}

static void accept_clients(struct xsd_server *srv, const struct listener *l)
{
    int fd;

    for (;;) {
        fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                xlog_warn("Cannot accept a client on %s: %s", l->path, strerror(errno));
            }
            return;
        }
        if (xsd_server_add_client(srv, fd, l->domid) < 0) {
            xlog_err("Out of memory: refusing a client on %s", l->path);
        }
    }
}

static void reap(struct xsd_server *srv)
{
    struct conn **pc = &srv->conns, *c;

    while ((c = *pc)) {
        if (c->dead) {
            *pc = c->next;
            conn_free(srv, c);
        } else {
            pc = &c->next;
        }
    }
}

int xsd_server_run_once(struct xsd_server *srv, int stop_fd, int timeout_ms)
{
    size_t n = 0, need = srv->nlis + xsd_server_nclients(srv) + 1, i;
    struct pollfd *p;
    struct conn *c, *next;
    int rc;

    if (need > srv->pfd_cap) {
        p = realloc(srv->pfds, need * sizeof(*p));
        if (!p) {
            return -ENOMEM;
        }
        srv->pfds = p;
        srv->pfd_cap = need;
    }
    p = srv->pfds;
    p[n++] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
    for (i = 0; i < srv->nlis; i++) {
        p[n++] = (struct pollfd){.fd = srv->lis[i].fd, .events = POLLIN};
    }
    for (c = srv->conns; c; c = c->next) {
        short ev = c->out.len - c->out_off <= OUT_PAUSE ? POLLIN : 0;

        if (c->out_off < c->out.len) {
            ev |= POLLOUT;
        }
        p[n++] = (struct pollfd){.fd = c->fd, .events = ev};
    }
    rc = poll(p, n, timeout_ms);
    if (rc < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (stop_fd >= 0 && (p[0].revents & POLLIN)) {
        return 1;
    }
    /* Connections accepted below go to the head of the list, after the
     * slots polled, so walk the ones that were polled by position. */
    i = 1 + srv->nlis;
    for (c = srv->conns; c && i < n; c = next, i++) {
        next = c->next;
        if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
            conn_read(srv, c);
        }
        if (p[i].revents & POLLNVAL) {
            conn_kill(c, "invalid descriptor");
        }
    }
    for (i = 0; i < srv->nlis; i++) {
        if (p[1 + i].revents & POLLIN) {
            accept_clients(srv, &srv->lis[i]);
        }
    }
    /* Replies and the events other clients' requests caused go out now. */
    for (c = srv->conns; c; c = c->next) {
        conn_write(c);
    }
    reap(srv);
    return 0;
}

int xsd_server_run(struct xsd_server *srv, int stop_fd)
{
    int rc;

    do {
        rc = xsd_server_run_once(srv, stop_fd, -1);
    } while (rc == 0);
    return rc < 0 ? rc : 0;
}
