/* The xenstore tree: nodes, permissions, quotas and transactions.
 *
 * Every node carries a generation number, taken from a store-wide counter
 * each time the node is created or changed (a parent also changes when a
 * child is added or removed).  A transaction works on a private copy of the
 * committed tree and remembers, for every path it touched, the generation it
 * saw first (0 for a missing node).  At commit, any such path whose committed
 * generation differs means somebody else changed what the transaction relied
 * on: EAGAIN.  Otherwise the transaction's changes, kept as a log, are
 * replayed on a copy of the committed tree, which then replaces it, so a
 * commit is all or nothing. */
#include "xsd_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

struct node {
    char *name;
    char *value;
    size_t vlen;
    struct xsd_perm *perms;
    size_t nperms;
    uint64_t gen;
    struct node *parent;
    struct node **kids;
    size_t nkids;
};

enum op_type { OP_WRITE, OP_MKDIR, OP_RM, OP_SET_PERMS };

struct txn_op {
    enum op_type type;
    char *path;
    char *value;
    size_t len;
    struct xsd_perm *perms;
    size_t nperms;
};

struct txn_access {
    char *path;
    uint64_t gen;
};

struct xsd_txn {
    uint32_t domid;
    bool broken; /* A change could not be logged: the commit must fail. */
    struct node *root;
    struct txn_access *acc;
    size_t nacc;
    struct txn_op *ops;
    size_t nops;
};

struct xsd_store {
    struct node *root;
    uint64_t gen;
    size_t entry_quota;
    xsd_change_cb cb;
    void *cb_arg;
};

static void node_free(struct node *n)
{
    size_t i;

    if (!n) {
        return;
    }
    for (i = 0; i < n->nkids; i++) {
        node_free(n->kids[i]);
    }
    free(n->kids);
    free(n->name);
    free(n->value);
    free(n->perms);
    free(n);
}

static struct node *node_new(const char *name, size_t name_len, const struct xsd_perm *perms,
                             size_t nperms)
{
    struct node *n = calloc(1, sizeof(*n));

    if (!n) {
        return NULL;
    }
    n->name = strndup(name, name_len);
    n->value = calloc(1, 1);
    n->perms = malloc(nperms * sizeof(*perms));
    if (!n->name || !n->value || !n->perms) {
        node_free(n);
        return NULL;
    }
    memcpy(n->perms, perms, nperms * sizeof(*perms));
    n->nperms = nperms;
    return n;
}

static struct node *node_copy(const struct node *src, struct node *parent)
{
    struct node *n = node_new(src->name, strlen(src->name), src->perms, src->nperms);
    size_t i;

    if (!n) {
        return NULL;
    }
    n->parent = parent;
    n->gen = src->gen;
    free(n->value);
    n->value = malloc(src->vlen + 1);
    if (!n->value) {
        goto fail;
    }
    memcpy(n->value, src->value, src->vlen + 1);
    n->vlen = src->vlen;
    if (src->nkids > 0) {
        n->kids = calloc(src->nkids, sizeof(*n->kids));
        if (!n->kids) {
            goto fail;
        }
        for (i = 0; i < src->nkids; i++) {
            n->kids[i] = node_copy(src->kids[i], n);
            if (!n->kids[i]) {
                goto fail;
            }
            n->nkids = i + 1;
        }
    }
    return n;
fail:
    node_free(n);
    return NULL;
}

static struct node *node_child(const struct node *n, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < n->nkids; i++) {
        if (strlen(n->kids[i]->name) == len && memcmp(n->kids[i]->name, name, len) == 0) {
            return n->kids[i];
        }
    }
    return NULL;
}

/* Walks "path" from the root as far as nodes exist.  Returns the deepest
 * existing node; *rest points at the part of the path below it (without its
 * leading slash), or at the final NUL when the whole path exists. */
static struct node *walk(struct node *root, const char *path, const char **rest)
{
    struct node *n = root, *kid;
    const char *p = path + 1;

    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);

        kid = node_child(n, p, len);
        if (!kid) {
            break;
        }
        n = kid;
        p += len;
        if (*p == '/') {
            p++;
        }
    }
    *rest = p;
    return n;
}

static struct node *lookup(struct node *root, const char *path)
{
    const char *rest;
    struct node *n = walk(root, path, &rest);

    return *rest ? NULL : n;
}

static unsigned perm_of(const struct node *n, uint32_t domid)
{
    size_t i;

    if (domid == 0 || n->perms[0].domid == domid) {
        return XSD_PERM_BOTH;
    }
    for (i = 1; i < n->nperms; i++) {
        if (n->perms[i].domid == domid) {
            return n->perms[i].mode;
        }
    }
    return n->perms[0].mode;
}

static size_t count_owned(const struct node *n, uint32_t domid)
{
    size_t i, c = n->perms[0].domid == domid ? 1 : 0;

    for (i = 0; i < n->nkids; i++) {
        c += count_owned(n->kids[i], domid);
    }
    return c;
}

static int kids_reserve(struct node *n)
{
    struct node **k = realloc(n->kids, (n->nkids + 1) * sizeof(*k));

    if (!k) {
        return -ENOMEM;
    }
    n->kids = k;
    return 0;
}

/* Creates or updates "path" in the tree under "root".  *changed tells
 * whether anything changed (mkdir of an existing node changes nothing). */
static int tree_write(struct xsd_store *st, struct node *root, uint32_t domid, const char *path,
                      const void *value, size_t len, bool is_mkdir, bool *changed)
{
    const char *rest, *p;
    struct node *anc = walk(root, path, &rest);
    struct node *top = NULL, *cur = NULL, *n;
    char *copy;
    size_t missing = 0;
    int rc;

    *changed = false;
    if (len > XENSTORE_PAYLOAD_MAX) {
        return -E2BIG;
    }
    if (*rest == '\0') {
        if (is_mkdir) {
            return 0;
        }
        if (!(perm_of(anc, domid) & XSD_PERM_WRITE)) {
            return -EACCES;
        }
        copy = malloc(len + 1);
        if (!copy) {
            return -ENOMEM;
        }
        memcpy(copy, value, len);
        copy[len] = '\0';
        free(anc->value);
        anc->value = copy;
        anc->vlen = len;
        anc->gen = ++st->gen;
        *changed = true;
        return 0;
    }
    if (!(perm_of(anc, domid) & XSD_PERM_WRITE)) {
        return -EACCES;
    }
    for (p = rest; p; p = strchr(p + 1, '/')) {
        missing++;
    }
    if (domid != 0 && count_owned(root, domid) + missing > st->entry_quota) {
        return -ENOSPC;
    }
    rc = kids_reserve(anc);
    if (rc < 0) {
        return rc;
    }
    /* Build the missing chain detached, then link it in one step. */
    for (p = rest; *p;) {
        const char *slash = strchr(p, '/');
        size_t nlen = slash ? (size_t)(slash - p) : strlen(p);
        const struct node *par = cur ? cur : anc;

        n = node_new(p, nlen, par->perms, par->nperms);
        if (!n || (cur && kids_reserve(cur) < 0)) {
            node_free(n);
            node_free(top);
            return -ENOMEM;
        }
        if (domid != 0) {
            n->perms[0].domid = domid;
        }
        n->gen = ++st->gen;
        if (cur) {
            n->parent = cur;
            cur->kids[cur->nkids++] = n;
        } else {
            top = n;
        }
        cur = n;
        p += nlen;
        if (*p == '/') {
            p++;
        }
    }
    if (!is_mkdir && len > 0) {
        copy = malloc(len + 1);
        if (!copy) {
            node_free(top);
            return -ENOMEM;
        }
        memcpy(copy, value, len);
        copy[len] = '\0';
        free(cur->value);
        cur->value = copy;
        cur->vlen = len;
    }
    top->parent = anc;
    anc->kids[anc->nkids++] = top;
    anc->gen = ++st->gen;
    *changed = true;
    return 0;
}

static int tree_rm(struct xsd_store *st, struct node *root, uint32_t domid, const char *path,
                   bool *changed)
{
    const char *rest;
    struct node *n = walk(root, path, &rest), *par;
    size_t i;

    *changed = false;
    if (strcmp(path, "/") == 0) {
        return -EINVAL;
    }
    if (*rest) {
        /* Only the last component missing: already gone, which is fine. */
        return strchr(rest, '/') ? -ENOENT : 0;
    }
    if (!(perm_of(n, domid) & XSD_PERM_WRITE)) {
        return -EACCES;
    }
    par = n->parent;
    for (i = 0; i < par->nkids && par->kids[i] != n; i++) {
    }
    memmove(&par->kids[i], &par->kids[i + 1], (par->nkids - i - 1) * sizeof(*par->kids));
    par->nkids--;
    par->gen = ++st->gen;
    node_free(n);
    *changed = true;
    return 0;
}

static int tree_set_perms(struct xsd_store *st, struct node *root, uint32_t domid, const char *path,
                          const struct xsd_perm *perms, size_t nperms)
{
    struct node *n = lookup(root, path);
    struct xsd_perm *copy;

    if (nperms == 0) {
        return -EINVAL;
    }
    if (!n) {
        return -ENOENT;
    }
    if (!(perm_of(n, domid) & XSD_PERM_WRITE)) {
        return -EACCES;
    }
    if (domid != 0 && perms[0].domid != n->perms[0].domid) {
        return -EPERM;
    }
    copy = malloc(nperms * sizeof(*copy));
    if (!copy) {
        return -ENOMEM;
    }
    memcpy(copy, perms, nperms * sizeof(*copy));
    free(n->perms);
    n->perms = copy;
    n->nperms = nperms;
    n->gen = ++st->gen;
    return 0;
}

/* Remembers the generation the transaction first saw at "path". */
static int txn_note(struct xsd_txn *txn, const char *path)
{
    struct txn_access *acc;
    const struct node *n;
    size_t i;

    for (i = 0; i < txn->nacc; i++) {
        if (strcmp(txn->acc[i].path, path) == 0) {
            return 0;
        }
    }
    acc = realloc(txn->acc, (txn->nacc + 1) * sizeof(*acc));
    if (!acc) {
        return -ENOMEM;
    }
    txn->acc = acc;
    acc[txn->nacc].path = strdup(path);
    if (!acc[txn->nacc].path) {
        return -ENOMEM;
    }
    n = lookup(txn->root, path);
    acc[txn->nacc].gen = n ? n->gen : 0;
    txn->nacc++;
    return 0;
}

/* Notes "path" and, when it is missing, every missing ancestor and the
 * deepest existing one, since creating the path depends on all of them. */
static int txn_note_create(struct xsd_txn *txn, const char *path)
{
    char *p = strdup(path), *slash;
    int rc = 0;

    if (!p) {
        return -ENOMEM;
    }
    rc = txn_note(txn, p);
    while (rc == 0 && !lookup(txn->root, p) && strcmp(p, "/") != 0) {
        slash = strrchr(p, '/');
        if (slash == p) {
            slash[1] = '\0';
        } else {
            *slash = '\0';
        }
        rc = txn_note(txn, p);
    }
    free(p);
    return rc;
}

static int txn_note_parent(struct xsd_txn *txn, const char *path)
{
    char *p = strdup(path), *slash;
    int rc;

    if (!p) {
        return -ENOMEM;
    }
    slash = strrchr(p, '/');
    if (slash == p) {
        slash[1] = '\0';
    } else if (slash) {
        *slash = '\0';
    }
    rc = txn_note(txn, p);
    free(p);
    return rc;
}

static void op_clear(struct txn_op *op)
{
    free(op->path);
    free(op->value);
    free(op->perms);
}

static int txn_log(struct xsd_txn *txn, enum op_type type, const char *path, const void *value,
                   size_t len, const struct xsd_perm *perms, size_t nperms)
{
    struct txn_op *ops = realloc(txn->ops, (txn->nops + 1) * sizeof(*ops));
    struct txn_op op = {type, NULL, NULL, len, NULL, nperms};

    if (!ops) {
        return -ENOMEM;
    }
    txn->ops = ops;
    op.path = strdup(path);
    op.value = malloc(len + 1);
    op.perms = malloc((nperms ? nperms : 1) * sizeof(*perms));
    if (!op.path || !op.value || !op.perms) {
        op_clear(&op);
        return -ENOMEM;
    }
    if (len) {
        memcpy(op.value, value, len);
    }
    if (nperms) {
        memcpy(op.perms, perms, nperms * sizeof(*perms));
    }
    ops[txn->nops++] = op;
    return 0;
}

static bool path_ok(const char *path)
{
    return path && path[0] == '/';
}

static void notify(struct xsd_store *st, const char *path, bool removed)
{
    if (st->cb) {
        st->cb(st->cb_arg, path, removed);
    }
}

/* Applies one change to the committed tree or, inside a transaction, to its
 * copy (noting what it depends on and logging it for the commit). */
static int apply(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const struct txn_op *op)
{
    struct node *root = txn ? txn->root : st->root;
    bool changed = false;
    int rc;

    if (!path_ok(op->path)) {
        return -EINVAL;
    }
    if (txn) {
        rc = op->type == OP_WRITE || op->type == OP_MKDIR ? txn_note_create(txn, op->path)
                                                          : txn_note(txn, op->path);
        if (rc == 0 && op->type == OP_RM) {
            rc = txn_note_parent(txn, op->path);
        }
        if (rc < 0) {
            return rc;
        }
    }
    switch (op->type) {
    case OP_WRITE:
    case OP_MKDIR:
        rc = tree_write(st, root, domid, op->path, op->value, op->len, op->type == OP_MKDIR,
                        &changed);
        break;
    case OP_RM:
        rc = tree_rm(st, root, domid, op->path, &changed);
        break;
    default:
        rc = tree_set_perms(st, root, domid, op->path, op->perms, op->nperms);
        changed = rc == 0;
        break;
    }
    if (rc < 0 || !changed) {
        return rc;
    }
    if (txn) {
        /* The log only fails on memory; the copy is then out of step with
         * the log, so the transaction can no longer commit correctly. */
        rc = txn_log(txn, op->type, op->path, op->value, op->len, op->perms, op->nperms);
        if (rc < 0) {
            txn->broken = true;
        }
        return rc;
    }
    notify(st, op->path, op->type == OP_RM);
    return 0;
}

int xsd_store_new(size_t entry_quota, struct xsd_store **out)
{
    static const struct xsd_perm root_perm = {0, XSD_PERM_NONE};
    struct xsd_store *st = calloc(1, sizeof(*st));
    bool changed;
    int rc = -ENOMEM;

    *out = NULL;
    if (!st) {
        return -ENOMEM;
    }
    st->entry_quota = entry_quota ? entry_quota : XSD_DEFAULT_ENTRY_QUOTA;
    st->root = node_new("", 0, &root_perm, 1);
    if (!st->root) {
        goto fail;
    }
    rc = tree_write(st, st->root, 0, "/local/domain", NULL, 0, true, &changed);
    if (rc < 0) {
        goto fail;
    }
    *out = st;
    return 0;
fail:
    xsd_store_free(st);
    return rc;
}

void xsd_store_free(struct xsd_store *st)
{
    if (!st) {
        return;
    }
    node_free(st->root);
    free(st);
}

void xsd_store_set_change_cb(struct xsd_store *st, xsd_change_cb cb, void *arg)
{
    st->cb = cb;
    st->cb_arg = arg;
}

static bool valid_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/' || c == '_' || c == '@';
}

int xsd_path_canon(const char *path, uint32_t domid, bool allow_special, char **out)
{
    size_t len = strlen(path), i;
    char *abs;

    *out = NULL;
    if (len == 0) {
        return -EINVAL;
    }
    if (path[0] == '/' || (allow_special && path[0] == '@')) {
        if (len > XENSTORE_ABS_PATH_MAX) {
            return -E2BIG;
        }
        if (asprintf(&abs, "%s", path) < 0) {
            return -ENOMEM;
        }
    } else {
        if (len > XENSTORE_REL_PATH_MAX) {
            return -E2BIG;
        }
        if (asprintf(&abs, "/local/domain/%u/%s", domid, path) < 0) {
            return -ENOMEM;
        }
    }
    len = strlen(abs);
    for (i = 0; i < len; i++) {
        if (!valid_char(abs[i]) || (abs[i] == '/' && abs[i + 1] == '/')) {
            break;
        }
    }
    if (i < len || (len > 1 && abs[len - 1] == '/') || (abs[0] == '@' && strchr(abs, '/'))) {
        free(abs);
        return -EINVAL;
    }
    *out = abs;
    return 0;
}

static struct node *readable(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid,
                             const char *path, int *rc)
{
    struct node *n;

    *rc = 0;
    if (!path_ok(path)) {
        *rc = -EINVAL;
        return NULL;
    }
    if (txn) {
        *rc = txn_note(txn, path);
        if (*rc < 0) {
            return NULL;
        }
    }
    n = lookup(txn ? txn->root : st->root, path);
    if (!n) {
        *rc = -ENOENT;
    } else if (!(perm_of(n, domid) & XSD_PERM_READ)) {
        *rc = -EACCES;
        n = NULL;
    }
    return n;
}

int xsd_read(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
             char **value, size_t *len)
{
    int rc;
    struct node *n = readable(st, txn, domid, path, &rc);

    if (!n) {
        return rc;
    }
    *value = malloc(n->vlen + 1);
    if (!*value) {
        return -ENOMEM;
    }
    memcpy(*value, n->value, n->vlen + 1);
    *len = n->vlen;
    return 0;
}

int xsd_write(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
              const void *value, size_t len)
{
    struct txn_op op = {OP_WRITE, (char *)path, (char *)value, len, NULL, 0};

    if (len > XENSTORE_PAYLOAD_MAX) {
        return -E2BIG;
    }
    return apply(st, txn, domid, &op);
}

int xsd_mkdir(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path)
{
    struct txn_op op = {OP_MKDIR, (char *)path, NULL, 0, NULL, 0};

    return apply(st, txn, domid, &op);
}

int xsd_rm(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path)
{
    struct txn_op op = {OP_RM, (char *)path, NULL, 0, NULL, 0};

    return apply(st, txn, domid, &op);
}

int xsd_set_perms(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
                  const struct xsd_perm *perms, size_t n)
{
    struct txn_op op = {OP_SET_PERMS, (char *)path, NULL, 0, (struct xsd_perm *)perms, n};

    if (n == 0) {
        return -EINVAL;
    }
    return apply(st, txn, domid, &op);
}

int xsd_directory(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
                  struct sbuf *out, uint64_t *gen)
{
    int rc;
    size_t i;
    struct node *n = readable(st, txn, domid, path, &rc);

    if (!n) {
        return rc;
    }
    for (i = 0; i < n->nkids; i++) {
        sbuf_add(out, n->kids[i]->name, strlen(n->kids[i]->name) + 1);
    }
    if (gen) {
        *gen = n->gen;
    }
    return sbuf_error(out);
}

int xsd_get_perms(struct xsd_store *st, struct xsd_txn *txn, uint32_t domid, const char *path,
                  struct sbuf *out)
{
    static const char letters[] = {'n', 'r', 'w', 'b'};
    int rc;
    size_t i;
    struct node *n = readable(st, txn, domid, path, &rc);

    if (!n) {
        return rc;
    }
    for (i = 0; i < n->nperms; i++) {
        sbuf_addf(out, "%c%u", letters[n->perms[i].mode & 3], n->perms[i].domid);
        sbuf_addc(out, '\0');
    }
    return sbuf_error(out);
}

int xsd_perm_parse(const char *s, struct xsd_perm *perm)
{
    unsigned long long v = 0;
    const char *p;

    switch (s[0]) {
    case 'n':
        perm->mode = XSD_PERM_NONE;
        break;
    case 'r':
        perm->mode = XSD_PERM_READ;
        break;
    case 'w':
        perm->mode = XSD_PERM_WRITE;
        break;
    case 'b':
        perm->mode = XSD_PERM_BOTH;
        break;
    default:
        return -EINVAL;
    }
    if (s[1] == '\0') {
        return -EINVAL;
    }
    for (p = s + 1; *p; p++) {
        if (*p < '0' || *p > '9') {
            return -EINVAL;
        }
        v = v * 10 + (unsigned)(*p - '0');
        if (v > UINT32_MAX) {
            return -EINVAL;
        }
    }
    perm->domid = (uint32_t)v;
    return 0;
}

bool xsd_can_read(struct xsd_store *st, uint32_t domid, const char *path)
{
    const struct node *n = path_ok(path) ? lookup(st->root, path) : NULL;

    return n && (perm_of(n, domid) & XSD_PERM_READ);
}

size_t xsd_count_entries(struct xsd_store *st, uint32_t domid)
{
    return count_owned(st->root, domid);
}

int xsd_txn_start(struct xsd_store *st, uint32_t domid, struct xsd_txn **out)
{
    struct xsd_txn *txn = calloc(1, sizeof(*txn));

    *out = NULL;
    if (!txn) {
        return -ENOMEM;
    }
    txn->domid = domid;
    txn->root = node_copy(st->root, NULL);
    if (!txn->root) {
        free(txn);
        return -ENOMEM;
    }
    *out = txn;
    return 0;
}

static void txn_free(struct xsd_txn *txn)
{
    size_t i;

    for (i = 0; i < txn->nacc; i++) {
        free(txn->acc[i].path);
    }
    for (i = 0; i < txn->nops; i++) {
        op_clear(&txn->ops[i]);
    }
    free(txn->acc);
    free(txn->ops);
    node_free(txn->root);
    free(txn);
}

static int txn_commit(struct xsd_store *st, struct xsd_txn *txn)
{
    struct node *copy, *old;
    const struct node *n;
    size_t i;
    int rc = 0;
    bool changed;

    if (txn->broken) {
        return -ENOMEM;
    }
    for (i = 0; i < txn->nacc; i++) {
        n = lookup(st->root, txn->acc[i].path);
        if ((n ? n->gen : 0) != txn->acc[i].gen) {
            return -EAGAIN;
        }
    }
    if (txn->nops == 0) {
        return 0;
    }
    copy = node_copy(st->root, NULL);
    if (!copy) {
        return -ENOMEM;
    }
    for (i = 0; i < txn->nops && rc == 0; i++) {
        const struct txn_op *op = &txn->ops[i];

        switch (op->type) {
        case OP_WRITE:
        case OP_MKDIR:
            rc = tree_write(st, copy, txn->domid, op->path, op->value, op->len,
                            op->type == OP_MKDIR, &changed);
            break;
        case OP_RM:
            rc = tree_rm(st, copy, txn->domid, op->path, &changed);
            break;
        default:
            rc = tree_set_perms(st, copy, txn->domid, op->path, op->perms, op->nperms);
            break;
        }
    }
    if (rc < 0) {
        node_free(copy);
        return rc;
    }
    old = st->root;
    st->root = copy;
    node_free(old);
    for (i = 0; i < txn->nops; i++) {
        notify(st, txn->ops[i].path, txn->ops[i].type == OP_RM);
    }
    return 0;
}

int xsd_txn_end(struct xsd_store *st, struct xsd_txn *txn, bool commit)
{
    int rc = 0;

    if (!txn) {
        return 0;
    }
    if (commit) {
        rc = txn_commit(st, txn);
    }
    txn_free(txn);
    return rc;
}
