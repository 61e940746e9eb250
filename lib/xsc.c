/* xenstore client: the real backend over libxenstore and an in-memory fake
 * with the same semantics (see xsc.h).
 *
 * Both backends check paths the same way before doing anything, so a caller
 * tested against the fake gets the same -EINVAL from the real store.  The
 * fake keeps a flat array of nodes sorted by absolute path; parents are
 * created on write as xenstored does, and removal takes the subtree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "log.h"
#include "paths.h"
#include "xsc.h"

/* xenstored's own path limits (XENSTORE_ABS_PATH_MAX / XENSTORE_REL_PATH_MAX). */
#define XSC_ABS_PATH_MAX 3072
#define XSC_REL_PATH_MAX 2048
/* Relative paths resolve under dom0's home, as the real xenstored does for us. */
#define XSC_HOME "/local/domain/0"

struct xsc_node {
    char *path; /* Absolute, canonical. */
    char *value;
};

struct xsc_fail {
    char *path; /* Absolute, canonical. */
    int err;
};

struct xsc {
    struct xs_handle *xs; /* Real backend; NULL for the fake. */
    /* Fake backend. */
    struct xsc_node *nodes;
    size_t nnodes, cap;
    struct sbuf journal;
    struct xsc_fail *fails;
    size_t nfails;
};

/* Checks "path" as xenstored would: not empty, shorter than the limit, only
 * letters, digits and "-/_@", no empty component and no trailing "/" (except
 * the root itself).  Returns 0 or -EINVAL (logged). */
static int check_path(const char *path)
{
    size_t len, i;
    bool abs;

    if (!path || !*path) {
        xlog_err("xenstore: empty path");
        return -EINVAL;
    }
    len = strlen(path);
    abs = path[0] == '/';
    if (len >= (abs ? XSC_ABS_PATH_MAX : XSC_REL_PATH_MAX)) {
        xlog_err("xenstore: path of %zu bytes is too long", len);
        return -EINVAL;
    }
    for (i = 0; i < len; i++) {
        char c = path[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '/' || c == '_' || c == '@';

        if (!ok) {
            /* Only the part before the bad byte: it may be a control character. */
            xlog_err("xenstore: invalid character 0x%02x in path %.*s", (unsigned char)c,
                     (int)(i < 64 ? i : 64), path);
            return -EINVAL;
        }
        if (c == '/' && i + 1 < len && path[i + 1] == '/') {
            xlog_err("xenstore: empty component in path %.64s", path);
            return -EINVAL;
        }
    }
    if (len > 1 && path[len - 1] == '/') {
        xlog_err("xenstore: trailing slash in path %.64s", path);
        return -EINVAL;
    }
    return 0;
}

/* Checks a value given to xsc_write(): NUL-free by construction, so only its size. */
static int check_value(const char *path, const char *value)
{
    size_t len;

    if (!value) {
        xlog_err("xenstore: no value to write at %s", path);
        return -EINVAL;
    }
    len = strlen(value);
    if (len > XSC_VALUE_MAX) {
        xlog_err("xenstore: value of %zu bytes for %s exceeds %d", len, path, XSC_VALUE_MAX);
        return -EINVAL;
    }
    /* The wire payload is the path, a NUL and the value; xenstored refuses more than
     * XSC_VALUE_MAX bytes in all, and the fake must refuse the same writes. */
    if (strlen(path) + 1 + len > XSC_VALUE_MAX) {
        xlog_err("xenstore: write to %s of %zu bytes exceeds the %d-byte message limit", path, len,
                 XSC_VALUE_MAX);
        return -E2BIG;
    }
    return 0;
}

/* Checks a value that came back from the store. */
static int check_read_value(const char *path, const char *value, size_t len)
{
    if (len > XSC_VALUE_MAX) {
        xlog_err("xenstore: value at %s is %zu bytes, over %d", path, len, XSC_VALUE_MAX);
        return -EINVAL;
    }
    if (memchr(value, '\0', len)) {
        xlog_err("xenstore: value at %s holds a NUL byte", path);
        return -EINVAL;
    }
    return 0;
}

/* libxenstore reports failures through errno; keep a negative errno even if it left 0. */
static int xs_errno(void)
{
    return errno ? -errno : -EIO;
}

int xsc_open(struct xsc **out)
{
    struct xsc *x = NULL;
    char *sock = NULL;
    int rc = 0;

    *out = NULL;
    /* libxenstore reads XENSTORED_PATH itself; point it into the root prefix so
     * sandboxed hosts reach their own xvs-xenstored rather than the machine's. */
    if (!getenv("XENSTORED_PATH") && paths_root()[0] != '\0') {
        sock = paths_get(PATHS_XENSTORED_SOCK);
        if (!sock || setenv("XENSTORED_PATH", sock, 1) < 0) {
            rc = -ENOMEM;
            xlog_err("xenstore: cannot set XENSTORED_PATH: %s", strerror(-rc));
            goto out;
        }
    }
    x = calloc(1, sizeof(*x));
    if (!x) {
        rc = -ENOMEM;
        goto out;
    }
    sbuf_init(&x->journal);
    errno = 0;
    x->xs = xs_open(0);
    if (!x->xs) {
        rc = xs_errno();
        xlog_err("xenstore: cannot connect to %s: %s",
                 getenv("XENSTORED_PATH") ? getenv("XENSTORED_PATH") : "xenstored", strerror(-rc));
        goto out;
    }
    *out = x;
    x = NULL;
out:
    free(sock);
    xsc_close(x);
    return rc;
}

int xsc_fake_new(struct xsc **out)
{
    struct xsc *x = calloc(1, sizeof(*x));

    *out = NULL;
    if (!x) {
        return -ENOMEM;
    }
    sbuf_init(&x->journal);
    *out = x;
    return 0;
}

const char *xsc_fake_journal(const struct xsc *x)
{
    return sbuf_str(&x->journal);
}

void xsc_close(struct xsc *x)
{
    size_t i;

    if (!x) {
        return;
    }
    if (x->xs) {
        xs_close(x->xs);
    }
    for (i = 0; i < x->nnodes; i++) {
        free(x->nodes[i].path);
        free(x->nodes[i].value);
    }
    free(x->nodes);
    for (i = 0; i < x->nfails; i++) {
        free(x->fails[i].path);
    }
    free(x->fails);
    sbuf_free(&x->journal);
    free(x);
}

void xsc_free_names(char **names, size_t n)
{
    size_t i;

    if (!names) {
        return;
    }
    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/* ---- The fake. ---- */

/* The absolute form of a checked path (new string), or NULL on allocation failure. */
static char *fake_canon(const char *path)
{
    char *abs = NULL;

    if (path[0] == '/') {
        return strdup(path);
    }
    if (asprintf(&abs, "%s/%s", XSC_HOME, path) < 0) {
        return NULL;
    }
    return abs;
}

/* Binary search: the index of "path", or where it would go with *found false. */
static size_t fake_find(const struct xsc *x, const char *path, bool *found)
{
    size_t lo = 0, hi = x->nnodes;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(x->nodes[mid].path, path);

        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

static int fake_failure(const struct xsc *x, const char *abs)
{
    size_t i;

    for (i = 0; i < x->nfails; i++) {
        if (strcmp(x->fails[i].path, abs) == 0) {
            return x->fails[i].err;
        }
    }
    return 0;
}

void xsc_fake_fail(struct xsc *x, const char *path, int err)
{
    char *abs;
    size_t i;

    if (check_path(path) < 0 || !(abs = fake_canon(path))) {
        return;
    }
    for (i = 0; i < x->nfails; i++) {
        if (strcmp(x->fails[i].path, abs) == 0) {
            break;
        }
    }
    if (i < x->nfails) {
        free(abs);
        if (err) {
            x->fails[i].err = err;
        } else {
            free(x->fails[i].path);
            x->fails[i] = x->fails[--x->nfails];
        }
        return;
    }
    if (err) {
        struct xsc_fail *f = realloc(x->fails, (x->nfails + 1) * sizeof(*f));

        if (!f) {
            free(abs);
            return;
        }
        x->fails = f;
        x->fails[x->nfails].path = abs;
        x->fails[x->nfails].err = err;
        x->nfails++;
        return;
    }
    free(abs);
}

/* Sets "abs" to "value", inserting the node if needed (parents are the caller's job). */
static int fake_set(struct xsc *x, const char *abs, const char *value)
{
    bool found;
    size_t i = fake_find(x, abs, &found);
    char *v = strdup(value), *p = NULL;

    if (!v) {
        return -ENOMEM;
    }
    if (found) {
        free(x->nodes[i].value);
        x->nodes[i].value = v;
        return 0;
    }
    if (x->nnodes == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        struct xsc_node *n = realloc(x->nodes, cap * sizeof(*n));

        if (!n) {
            free(v);
            return -ENOMEM;
        }
        x->nodes = n;
        x->cap = cap;
    }
    p = strdup(abs);
    if (!p) {
        free(v);
        return -ENOMEM;
    }
    memmove(&x->nodes[i + 1], &x->nodes[i], (x->nnodes - i) * sizeof(*x->nodes));
    x->nodes[i].path = p;
    x->nodes[i].value = v;
    x->nnodes++;
    return 0;
}

/* Whether "abs" exists; "/" always does. */
static bool fake_exists(const struct xsc *x, const char *abs)
{
    bool found;

    if (strcmp(abs, "/") == 0) {
        return true;
    }
    fake_find(x, abs, &found);
    return found;
}

static int fake_rm(struct xsc *x, const char *abs);

static int fake_write(struct xsc *x, const char *abs, const char *value)
{
    char *parent = strdup(abs), *slash, *first_new = NULL;
    int rc = 0;

    if (!parent) {
        return -ENOMEM;
    }
    /* Missing ancestors first, each with an empty value, as xenstored makes them. */
    for (slash = strchr(parent + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (!fake_exists(x, parent)) {
            if (!first_new) {
                first_new = strdup(parent);
                if (!first_new) {
                    rc = -ENOMEM;
                    goto out;
                }
            }
            rc = fake_set(x, parent, "");
            if (rc < 0) {
                goto out;
            }
        }
        *slash = '/';
    }
    rc = fake_set(x, abs, value);
out:
    /* Never half-applied: the first missing ancestor's subtree holds only what this call
     * created, so removing it undoes the call. */
    if (rc < 0 && first_new) {
        fake_rm(x, first_new);
    }
    free(first_new);
    free(parent);
    return rc;
}

/* Whether "path" is "dir" or lies below it. */
static bool in_subtree(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (strcmp(dir, "/") == 0) {
        return true;
    }
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int fake_rm(struct xsc *x, const char *abs)
{
    size_t i, j = 0;

    if (strcmp(abs, "/") == 0) {
        return -EINVAL;
    }
    for (i = 0; i < x->nnodes; i++) {
        if (in_subtree(x->nodes[i].path, abs)) {
            free(x->nodes[i].path);
            free(x->nodes[i].value);
        } else {
            x->nodes[j++] = x->nodes[i];
        }
    }
    x->nnodes = j;
    return 0;
}

/* The last component of "path" if it is a direct child of "dir", else NULL. */
static const char *child_name(const char *path, const char *dir)
{
    size_t n = strcmp(dir, "/") == 0 ? 0 : strlen(dir);

    if (strncmp(path, dir, n) != 0 || path[n] != '/' || path[n + 1] == '\0') {
        return NULL;
    }
    if (strchr(path + n + 1, '/')) {
        return NULL;
    }
    return path + n + 1;
}

static int fake_directory(struct xsc *x, const char *abs, char ***names, size_t *n)
{
    char **list = NULL;
    size_t count = 0, i;
    int rc = 0;

    if (!fake_exists(x, abs)) {
        return -ENOENT;
    }
    for (i = 0; i < x->nnodes; i++) {
        const char *name = child_name(x->nodes[i].path, abs);
        char **grown;

        if (!name) {
            continue;
        }
        grown = realloc(list, (count + 1) * sizeof(*list));
        if (!grown) {
            rc = -ENOMEM;
            goto out;
        }
        list = grown;
        list[count] = strdup(name);
        if (!list[count]) {
            rc = -ENOMEM;
            goto out;
        }
        count++;
    }
    *names = list;
    *n = count;
    list = NULL;
    count = 0;
out:
    xsc_free_names(list, count);
    return rc;
}

/* ---- The operations. ---- */

int xsc_read(struct xsc *x, const char *path, char **value)
{
    char *abs = NULL, *v = NULL;
    unsigned int len = 0;
    bool found;
    int rc;

    *value = NULL;
    rc = check_path(path);
    if (rc < 0) {
        return rc;
    }
    if (x->xs) {
        errno = 0;
        v = xs_read(x->xs, XBT_NULL, path, &len);
        if (!v) {
            rc = xs_errno();
            if (rc != -ENOENT) {
                xlog_err("xenstore: cannot read %s: %s", path, strerror(-rc));
            }
            goto out;
        }
        rc = check_read_value(path, v, len);
        if (rc < 0) {
            goto out;
        }
        *value = v;
        v = NULL;
        goto out;
    }
    abs = fake_canon(path);
    if (!abs) {
        rc = -ENOMEM;
        goto out;
    }
    rc = fake_failure(x, abs);
    if (rc < 0) {
        xlog_err("xenstore: cannot read %s: %s", path, strerror(-rc));
        goto out;
    }
    if (strcmp(abs, "/") == 0) {
        *value = strdup("");
        rc = *value ? 0 : -ENOMEM;
        goto out;
    }
    {
        size_t i = fake_find(x, abs, &found);

        if (!found) {
            rc = -ENOENT;
            goto out;
        }
        *value = strdup(x->nodes[i].value);
        rc = *value ? 0 : -ENOMEM;
    }
out:
    free(v);
    free(abs);
    return rc;
}

int xsc_write(struct xsc *x, const char *path, const char *value)
{
    char *abs = NULL;
    int rc;

    rc = check_path(path);
    if (rc < 0) {
        return rc;
    }
    rc = check_value(path, value);
    if (rc < 0) {
        return rc;
    }
    if (x->xs) {
        errno = 0;
        if (!xs_write(x->xs, XBT_NULL, path, value, (unsigned int)strlen(value))) {
            rc = xs_errno();
            xlog_err("xenstore: cannot write %s: %s", path, strerror(-rc));
        }
        return rc;
    }
    abs = fake_canon(path);
    if (!abs) {
        return -ENOMEM;
    }
    rc = fake_failure(x, abs);
    if (rc == 0 && strcmp(abs, "/") == 0) {
        rc = -EINVAL;
    }
    if (rc == 0) {
        rc = fake_write(x, abs, value);
    }
    if (rc < 0) {
        xlog_err("xenstore: cannot write %s: %s", path, strerror(-rc));
        goto out;
    }
    sbuf_addf(&x->journal, "write %s %s\n", path, value);
out:
    free(abs);
    return rc;
}

int xsc_rm(struct xsc *x, const char *path)
{
    char *abs = NULL;
    int rc;

    rc = check_path(path);
    if (rc < 0) {
        return rc;
    }
    if (x->xs) {
        errno = 0;
        if (!xs_rm(x->xs, XBT_NULL, path)) {
            rc = xs_errno();
            /* Absent (or its parent absent) is what the caller wanted anyway. */
            if (rc == -ENOENT) {
                return 0;
            }
            xlog_err("xenstore: cannot remove %s: %s", path, strerror(-rc));
        }
        return rc;
    }
    abs = fake_canon(path);
    if (!abs) {
        return -ENOMEM;
    }
    rc = fake_failure(x, abs);
    if (rc == 0) {
        rc = fake_rm(x, abs);
    }
    if (rc < 0) {
        xlog_err("xenstore: cannot remove %s: %s", path, strerror(-rc));
        goto out;
    }
    sbuf_addf(&x->journal, "rm %s\n", path);
out:
    free(abs);
    return rc;
}

/* Copies libxenstore's single-block array into separately allocated names. */
static int copy_names(char **src, unsigned int num, char ***names, size_t *n)
{
    char **list = NULL;
    size_t i;

    if (num > 0) {
        list = calloc(num, sizeof(*list));
        if (!list) {
            return -ENOMEM;
        }
    }
    for (i = 0; i < num; i++) {
        list[i] = strdup(src[i]);
        if (!list[i]) {
            xsc_free_names(list, i);
            return -ENOMEM;
        }
    }
    *names = list;
    *n = num;
    return 0;
}

int xsc_directory(struct xsc *x, const char *path, char ***names, size_t *n)
{
    char *abs = NULL;
    char **raw;
    unsigned int num = 0;
    int rc;

    *names = NULL;
    *n = 0;
    rc = check_path(path);
    if (rc < 0) {
        return rc;
    }
    if (x->xs) {
        errno = 0;
        raw = xs_directory(x->xs, XBT_NULL, path, &num);
        if (!raw) {
            rc = xs_errno();
            if (rc != -ENOENT) {
                xlog_err("xenstore: cannot list %s: %s", path, strerror(-rc));
            }
            return rc;
        }
        rc = copy_names(raw, num, names, n);
        free(raw);
        return rc;
    }
    abs = fake_canon(path);
    if (!abs) {
        return -ENOMEM;
    }
    rc = fake_failure(x, abs);
    if (rc < 0) {
        xlog_err("xenstore: cannot list %s: %s", path, strerror(-rc));
        goto out;
    }
    rc = fake_directory(x, abs, names, n);
out:
    free(abs);
    return rc;
}
