/* Simulated Xen hosts in network namespaces; see sandbox.h. */
#include "sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fsutil.h"
#include "log.h"
#include "sbuf.h"

#define SB_RECORD_SUFFIX   ".owner"
#define SB_RECORD_MAX_SIZE (64 * 1024)
#define SB_IFNAME_MAX      15 /* IFNAMSIZ - 1 */
#define SB_NETNS_DIR       "/run/netns"

enum sb_ns_kind {
    SB_NS_DOM0,
    SB_NS_GUEST,
    SB_NS_UPSTREAM,
};

static const char *const sb_kind_names[] = {"dom0", "guest", "upstream"};

struct sb_ns {
    enum sb_ns_kind kind;
    char *name;
};

struct sb_host {
    char *name;
    char *prefix;  /* xvs-PID-NAME */
    char *record;  /* SB_RUN_DIR/xvs-PID-NAME.owner */
    char *dom0_ns; /* xvs-PID-NAME-dom0 */
    char *root;    /* NULL until the folder exists. */
    pid_t owner;
    unsigned long long owner_start; /* Guards against a reused pid. */
    struct sb_ns *ns;
    size_t n_ns;
};

/* The folders every simulated host starts with, relative to its root. */
static const char *const sb_tree[] = {
        "etc/xensource",     "etc/xapi.d/plugins",    "etc/sysconfig/network-scripts",
        "var/xapi",          "var/lib/xcp",           "var/run/openvswitch",
        "var/run/xenstored", "opt/xensource/libexec",
};

/* One lock serialises every change to the records, across processes; the
 * depth lets the public functions call each other while holding it. */
static int sb_lock_fd = -1;
static int sb_lock_depth;

static int sb_lock(void)
{
    int r;

    if (sb_lock_depth > 0) {
        sb_lock_depth++;
        return 0;
    }
    r = fsu_mkdir_p(SB_RUN_DIR, 0755);
    if (r < 0) {
        xlog_err("Cannot create %s: %s", SB_RUN_DIR, strerror(-r));
        return r;
    }
    sb_lock_fd = open(SB_RUN_DIR "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sb_lock_fd < 0) {
        r = -errno;
        xlog_err("Cannot open %s/lock: %s", SB_RUN_DIR, strerror(-r));
        return r;
    }
    while (flock(sb_lock_fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            r = -errno;
            xlog_err("Cannot lock %s/lock: %s", SB_RUN_DIR, strerror(-r));
            close(sb_lock_fd);
            sb_lock_fd = -1;
            return r;
        }
    }
    sb_lock_depth = 1;
    return 0;
}

static void sb_unlock(void)
{
    if (sb_lock_depth > 0 && --sb_lock_depth == 0) {
        close(sb_lock_fd);
        sb_lock_fd = -1;
    }
}

static bool sb_name_chars_ok(const char *name)
{
    if (!name || !*name || name[0] == '-' || !strcmp(name, ".") || !strcmp(name, "..")) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
            return false;
        }
    }
    return true;
}

bool sb_name_valid(const char *name)
{
    return sb_name_chars_ok(name) && strlen(name) <= NAME_MAX;
}

bool sb_ifname_valid(const char *name)
{
    return sb_name_chars_ok(name) && strlen(name) <= SB_IFNAME_MAX;
}

/* Accepts "xx:xx:xx:xx:xx:xx" for a unicast address other than zero, the
 * only kind an interface can take. */
static bool sb_mac_valid(const char *mac)
{
    bool zero = true;

    if (strlen(mac) != 17) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? mac[i] != ':' : !isxdigit((unsigned char)mac[i])) {
            return false;
        }
        if (i % 3 != 2 && mac[i] != '0') {
            zero = false;
        }
    }
    return !zero && !(strtoul((char[]){mac[0], mac[1], '\0'}, NULL, 16) & 1);
}

/* Accepts "A.B.C.D/N" with N from 1 to 32. */
static bool sb_ipv4_valid(const char *s)
{
    const char *slash = strchr(s, '/');
    char addr[INET_ADDRSTRLEN];
    struct in_addr in;
    size_t plen;

    if (!slash || (size_t)(slash - s) >= sizeof addr) {
        return false;
    }
    snprintf(addr, sizeof addr, "%.*s", (int)(slash - s), s);
    plen = strlen(slash + 1);
    return inet_pton(AF_INET, addr, &in) == 1 && plen >= 1 && plen <= 2 &&
           strspn(slash + 1, "0123456789") == plen && atoi(slash + 1) >= 1 && atoi(slash + 1) <= 32;
}

/* Reads the start time of "pid" (field 22 of /proc/PID/stat).  Returns 0, or
 * -ESRCH when the process is gone or a zombie. */
static int sb_proc_start(pid_t pid, unsigned long long *start)
{
    char path[64], *stat = NULL, *p, *save = NULL;
    int r = -ESRCH;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (pid <= 0 || fsu_read_file(path, 4096, &stat, NULL) < 0) {
        return -ESRCH;
    }
    /* The command name may hold spaces and parentheses: skip to the last
     * ')', after which come the state (field 3) and the rest. */
    p = strrchr(stat, ')');
    if (!p) {
        goto out;
    }
    p = strtok_r(p + 1, " ", &save);
    if (!p || *p == 'Z' || *p == 'X') {
        goto out;
    }
    for (int field = 4; field <= 22; field++) {
        p = strtok_r(NULL, " ", &save);
        if (!p) {
            goto out;
        }
    }
    *start = strtoull(p, NULL, 10);
    r = 0;
out:
    free(stat);
    return r;
}

static bool sb_owner_alive(const struct sb_host *h)
{
    unsigned long long start;

    return sb_proc_start(h->owner, &start) == 0 && start == h->owner_start;
}

/* Only folders this module makes may ever be removed: a record that says
 * otherwise is corrupt. */
static bool sb_root_valid(const char *root)
{
    size_t plen = strlen(SB_ROOT_PREFIX);

    return !strncmp(root, SB_ROOT_PREFIX, plen) && sb_name_chars_ok(root + plen);
}

static void sb_ns_list_free(struct sb_ns *ns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ns[i].name);
    }
    free(ns);
}

void sb_host_close(struct sb_host *h)
{
    if (!h) {
        return;
    }
    free(h->name);
    free(h->prefix);
    free(h->record);
    free(h->dom0_ns);
    free(h->root);
    sb_ns_list_free(h->ns, h->n_ns);
    free(h);
}

/* Builds "<prefix>-<suffix>" and checks it fits a namespace name. */
static int sb_ns_name(const struct sb_host *h, const char *suffix, char **out)
{
    if (asprintf(out, "%s-%s", h->prefix, suffix) < 0) {
        *out = NULL;
        return -ENOMEM;
    }
    if (strlen(*out) > NAME_MAX) {
        xlog_err("Namespace name %s is longer than %d characters", *out, NAME_MAX);
        free(*out);
        *out = NULL;
        return -ENAMETOOLONG;
    }
    return 0;
}

/* A handle with the derived names of host "name" of "owner"; no ns yet. */
static int sb_host_new(const char *name, pid_t owner, unsigned long long start,
                       struct sb_host **out)
{
    struct sb_host *h = calloc(1, sizeof *h);
    int r = -ENOMEM;

    *out = NULL;
    if (!h) {
        return -ENOMEM;
    }
    h->owner = owner;
    h->owner_start = start;
    if (!(h->name = strdup(name)) || asprintf(&h->prefix, "xvs-%d-%s", (int)owner, name) < 0) {
        h->prefix = NULL;
        goto out;
    }
    if (strlen(h->prefix) + strlen(SB_RECORD_SUFFIX) > NAME_MAX) {
        xlog_err("Sandbox host name %s is too long", name);
        r = -ENAMETOOLONG;
        goto out;
    }
    if (asprintf(&h->record, "%s/%s%s", SB_RUN_DIR, h->prefix, SB_RECORD_SUFFIX) < 0) {
        h->record = NULL;
        goto out;
    }
    r = sb_ns_name(h, "dom0", &h->dom0_ns);
    if (r < 0) {
        goto out;
    }
    *out = h;
    h = NULL;
out:
    sb_host_close(h);
    return r;
}

static int sb_ns_append(struct sb_host *h, enum sb_ns_kind kind, const char *name)
{
    struct sb_ns *ns = realloc(h->ns, (h->n_ns + 1) * sizeof *ns);

    if (!ns) {
        return -ENOMEM;
    }
    h->ns = ns;
    ns[h->n_ns].kind = kind;
    ns[h->n_ns].name = strdup(name);
    if (!ns[h->n_ns].name) {
        return -ENOMEM;
    }
    h->n_ns++;
    return 0;
}

static int sb_ns_find(const struct sb_host *h, const char *name)
{
    for (size_t i = 0; i < h->n_ns; i++) {
        if (!strcmp(h->ns[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

static int sb_record_write(const struct sb_host *h)
{
    struct sbuf b = SBUF_INIT;
    int r;

    sbuf_addf(&b, "owner %d %llu\nname %s\nroot %s\n", (int)h->owner, h->owner_start, h->name,
              h->root ? h->root : "");
    for (size_t i = 0; i < h->n_ns; i++) {
        sbuf_addf(&b, "ns %s %s\n", sb_kind_names[h->ns[i].kind], h->ns[i].name);
    }
    r = sbuf_error(&b);
    if (r == 0) {
        r = fsu_write_atomic(h->record, sbuf_str(&b), b.len, 0644);
    }
    if (r < 0) {
        xlog_err("Cannot write sandbox record %s: %s", h->record, strerror(-r));
    }
    sbuf_free(&b);
    return r;
}

/* Parses one "ns KIND NAME" line into "h", checking that NAME belongs to the
 * host: only such namespaces may ever be deleted. */
static int sb_record_ns(struct sb_host *h, char *value)
{
    char *name = strchr(value, ' ');
    size_t plen = strlen(h->prefix);
    int kind = -1;

    if (!name) {
        return -EBADMSG;
    }
    *name++ = '\0';
    for (size_t i = 0; i < sizeof sb_kind_names / sizeof sb_kind_names[0]; i++) {
        if (!strcmp(value, sb_kind_names[i])) {
            kind = (int)i;
        }
    }
    if (kind < 0 || strncmp(name, h->prefix, plen) != 0 || name[plen] != '-' ||
        !sb_name_valid(name + plen + 1) || strlen(name) > NAME_MAX ||
        (kind == SB_NS_DOM0) != !strcmp(name, h->dom0_ns) || sb_ns_find(h, name) >= 0) {
        return -EBADMSG;
    }
    return sb_ns_append(h, (enum sb_ns_kind)kind, name);
}

/* Loads record file "path".  Returns 0 with a new handle, -ENOENT, or
 * -EBADMSG for a file that is not a valid record of its own name. */
static int sb_record_load(const char *path, struct sb_host **out)
{
    char *text = NULL, *line, *save = NULL, *name = NULL, *root = NULL, *base;
    struct sb_host *h = NULL;
    unsigned long long start = 0;
    long owner = 0;
    int r;

    *out = NULL;
    r = fsu_read_file(path, SB_RECORD_MAX_SIZE, &text, NULL);
    if (r < 0) {
        return r == -E2BIG ? -EBADMSG : r;
    }
    r = -EBADMSG;
    /* The first three lines, in order: owner, name, root. */
    line = strtok_r(text, "\n", &save);
    if (!line || sscanf(line, "owner %ld %llu", &owner, &start) != 2 || owner <= 0 ||
        owner > INT_MAX) {
        goto out;
    }
    line = strtok_r(NULL, "\n", &save);
    if (!line || strncmp(line, "name ", 5) != 0 || !sb_name_valid(line + 5)) {
        goto out;
    }
    name = line + 5;
    line = strtok_r(NULL, "\n", &save);
    if (!line || strncmp(line, "root ", 5) != 0) {
        goto out;
    }
    root = line + 5;
    if (*root && !sb_root_valid(root)) {
        goto out;
    }
    r = sb_host_new(name, (pid_t)owner, start, &h);
    if (r < 0) {
        r = r == -ENOMEM ? r : -EBADMSG;
        goto out;
    }
    base = strrchr(path, '/');
    if (strcmp(base ? base + 1 : path, h->record + strlen(SB_RUN_DIR) + 1) != 0) {
        r = -EBADMSG;
        goto out;
    }
    if (*root && !(h->root = strdup(root))) {
        r = -ENOMEM;
        goto out;
    }
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (strncmp(line, "ns ", 3) != 0) {
            r = -EBADMSG;
            goto out;
        }
        r = sb_record_ns(h, line + 3);
        if (r < 0) {
            goto out;
        }
    }
    r = 0;
    *out = h;
    h = NULL;
out:
    sb_host_close(h);
    free(text);
    return r;
}

/* Reads the record again: another process may have added namespaces, or
 * destroyed the host, since this handle was made.  Returns 0, -ENOENT
 * (destroyed; not logged, as that is no error for sb_host_destroy()) or
 * another negative errno. */
static int sb_reload(struct sb_host *h)
{
    struct sb_host *fresh = NULL;
    struct sb_ns *ns;
    size_t n_ns;
    char *root;
    int r = sb_record_load(h->record, &fresh);

    if (r == -ENOENT) {
        return r;
    }
    if (r < 0) {
        xlog_err("Cannot read sandbox record %s: %s", h->record, strerror(-r));
        return r;
    }
    if (fresh->owner_start != h->owner_start) {
        xlog_err("Sandbox host %s was replaced by another process", h->name);
        sb_host_close(fresh);
        return -ESTALE;
    }
    /* Take the fresh lists and let the old ones go with "fresh". */
    ns = h->ns;
    n_ns = h->n_ns;
    root = h->root;
    h->ns = fresh->ns;
    h->n_ns = fresh->n_ns;
    h->root = fresh->root;
    fresh->ns = ns;
    fresh->n_ns = n_ns;
    fresh->root = root;
    sb_host_close(fresh);
    return 0;
}

/* sb_reload() for the functions that add to a host, which must exist. */
static int sb_reload_existing(struct sb_host *h)
{
    int r = sb_reload(h);

    if (r == -ENOENT) {
        xlog_err("Sandbox host %s of process %d no longer exists", h->name, (int)h->owner);
    }
    return r;
}

/* Runs "argv" (an `ip` command line), inside namespace "netns" when not
 * NULL, with a timeout and its stdout swallowed (the CLI's stdout is for
 * shell assignments).  When "report" is set a failure is logged as an error.
 * Returns 0, -EIO when ip failed, or the negative errno of exec_run(). */
static int sb_ip_argv(bool report, const char *netns, const char *const *argv)
{
    struct exec_cmd cmd = {
            .argv = argv, .flags = EXEC_QUIET, .netns = netns, .timeout_ms = SB_IP_TIMEOUT_MS};
    struct exec_output out = {NULL, 0};
    struct sbuf line = SBUF_INIT;
    int r;

    r = exec_run(&cmd, &out);
    exec_output_free(&out);
    if (r == 0) {
        return 0;
    }
    if (report) {
        char why[64];

        if (r < 0) {
            snprintf(why, sizeof why, "%s", strerror(-r));
        } else if (exec_status_signaled(r)) {
            snprintf(why, sizeof why, "signal %d", exec_status_signal(r));
        } else {
            snprintf(why, sizeof why, "status %d", r);
        }
        exec_join_argv(&line, argv);
        xlog_err("Sandbox command failed (%s)%s%s: %s", why, netns ? " in namespace " : "",
                 netns ? netns : "", sbuf_str(&line));
        sbuf_free(&line);
    }
    return r > 0 ? -EIO : r;
}

/* sb_ip(report, netns, "link", "set", ...): the arguments after "ip". */
#define sb_ip(report, netns, ...)                                                                  \
    sb_ip_argv(report, netns, (const char *const[]){"ip", __VA_ARGS__, NULL})

static bool sb_netns_exists(const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/%s", SB_NETNS_DIR, name);
    return access(path, F_OK) == 0;
}

/* Kills what still runs in namespace "name": while a process is inside it,
 * the namespace and its veths outlive `ip netns delete`. */
static void sb_kill_ns_procs(const char *name)
{
    char path[PATH_MAX];
    struct stat ns_st, st;
    struct dirent *de;
    DIR *proc;

    snprintf(path, sizeof path, "%s/%s", SB_NETNS_DIR, name);
    if (stat(path, &ns_st) < 0 || !(proc = opendir("/proc"))) {
        return;
    }
    while ((de = readdir(proc))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);

        if (*end || pid <= 0 || pid == getpid()) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
        if (stat(path, &st) == 0 && st.st_dev == ns_st.st_dev && st.st_ino == ns_st.st_ino) {
            xlog_info("Killing process %ld left in namespace %s", pid, name);
            kill((pid_t)pid, SIGKILL);
        }
    }
    closedir(proc);
}

static int sb_ns_delete(const char *name)
{
    if (!sb_netns_exists(name)) {
        return 0;
    }
    sb_kill_ns_procs(name);
    return sb_ip(true, NULL, "netns", "delete", name);
}

/* Adds namespace "<prefix>-<suffix>" of "kind" to the record, then makes it
 * with lo up.  "*idx" is its index once it is recorded (else -1), so that the
 * caller can undo it even when a later step fails. */
static int sb_ns_create(struct sb_host *h, enum sb_ns_kind kind, const char *suffix, int *idx)
{
    char *name = NULL;
    int r;

    *idx = -1;
    r = sb_ns_name(h, suffix, &name);
    if (r < 0) {
        return r;
    }
    if (sb_ns_find(h, name) >= 0 || sb_netns_exists(name)) {
        xlog_err("Namespace %s already exists", name);
        r = -EEXIST;
        goto out;
    }
    r = sb_ns_append(h, kind, name);
    if (r < 0) {
        goto out;
    }
    /* Recorded before it exists, so that a crash right after is reaped. */
    r = sb_record_write(h);
    if (r < 0) {
        free(h->ns[--h->n_ns].name);
        goto out;
    }
    *idx = (int)h->n_ns - 1;
    r = sb_ip(true, NULL, "netns", "add", name);
    if (r == 0) {
        r = sb_ip(true, name, "link", "set", "lo", "up");
    }
out:
    free(name);
    return r;
}

/* Deletes namespace number "idx" and drops it from the record. */
static int sb_ns_remove(struct sb_host *h, int idx)
{
    int r = sb_ns_delete(h->ns[idx].name);

    if (r < 0) {
        return r;
    }
    free(h->ns[idx].name);
    memmove(&h->ns[idx], &h->ns[idx + 1], (h->n_ns - (size_t)idx - 1) * sizeof h->ns[0]);
    h->n_ns--;
    return sb_record_write(h);
}

static int sb_rm_errno;

static int sb_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    if (remove(path) < 0 && errno != ENOENT && !sb_rm_errno) {
        sb_rm_errno = errno;
        xlog_err("Cannot remove %s: %s", path, strerror(errno));
    }
    return 0;
}

/* Removes folder "root" and everything below it, without following
 * symbolic links or entering other file systems mounted inside. */
static int sb_rmtree(const char *root)
{
    sb_rm_errno = 0;
    if (nftw(root, sb_rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT) {
        xlog_err("Cannot remove %s: %s", root, strerror(errno));
        return -errno;
    }
    return -sb_rm_errno;
}

/* Deletes everything the record lists, newest first, then the record.
 * Called with the lock held. */
static int sb_teardown(struct sb_host *h)
{
    int r = 0, e;

    for (size_t i = h->n_ns; i-- > 0;) {
        e = sb_ns_delete(h->ns[i].name);
        r = r ? r : e;
    }
    if (h->root) {
        e = sb_rmtree(h->root);
        r = r ? r : e;
    }
    if (r == 0 && unlink(h->record) < 0 && errno != ENOENT) {
        r = -errno;
        xlog_err("Cannot remove %s: %s", h->record, strerror(-r));
    }
    if (r == 0) {
        xlog_info("Destroyed simulated host %s of process %d", h->name, (int)h->owner);
    }
    return r;
}

/* Calls "fn" on each record in SB_RUN_DIR (the handle is the callee's to
 * close) and removes the temporary files of writers that died.  Stops at the
 * first negative return.  Called with the lock held. */
static int sb_for_each_record(int (*fn)(struct sb_host *h, const char *path, void *ctx), void *ctx)
{
    char path[PATH_MAX];
    struct dirent *de;
    DIR *dir = opendir(SB_RUN_DIR);
    int r = 0;

    if (!dir) {
        return errno == ENOENT ? 0 : -errno;
    }
    while (r >= 0 && (de = readdir(dir))) {
        const char *tmp = strstr(de->d_name, SB_RECORD_SUFFIX ".tmp.");
        size_t len = strlen(de->d_name), slen = strlen(SB_RECORD_SUFFIX);
        struct sb_host *h = NULL;

        snprintf(path, sizeof path, "%s/%s", SB_RUN_DIR, de->d_name);
        if (tmp) {
            long pid = strtol(tmp + slen + 5, NULL, 10);

            if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
                unlink(path);
            }
            continue;
        }
        if (len <= slen || strcmp(de->d_name + len - slen, SB_RECORD_SUFFIX) != 0) {
            continue;
        }
        r = sb_record_load(path, &h);
        if (r == -ENOENT) {
            r = 0;
            continue;
        }
        if (r < 0) {
            xlog_warn("Ignoring sandbox record %s: %s", path, strerror(-r));
            r = r == -ENOMEM ? r : 0;
            continue;
        }
        r = fn(h, path, ctx);
    }
    closedir(dir);
    return r;
}

static int sb_reap_one(struct sb_host *h, const char *path, void *ctx)
{
    int *count = ctx;

    (void)path;
    if (!sb_owner_alive(h)) {
        xlog_info("Reaping simulated host %s: its owner process %d has exited", h->name,
                  (int)h->owner);
        if (sb_teardown(h) == 0) {
            ++*count;
        }
    }
    sb_host_close(h);
    return 0;
}

int sb_reap_stale(void)
{
    int count = 0, r = sb_lock();

    if (r < 0) {
        return r;
    }
    r = sb_for_each_record(sb_reap_one, &count);
    sb_unlock();
    return r < 0 ? r : count;
}

static int sb_mkdirs(const char *root)
{
    char path[PATH_MAX];
    int r;

    /* mkdtemp() made it 0700; daemons that drop root must still reach in. */
    if (chmod(root, 0755) < 0) {
        return -errno;
    }
    for (size_t i = 0; i < sizeof sb_tree / sizeof sb_tree[0]; i++) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", root, sb_tree[i]) >= sizeof path) {
            return -ENAMETOOLONG;
        }
        r = fsu_mkdir_p(path, 0755);
        if (r < 0) {
            xlog_err("Cannot create %s: %s", path, strerror(-r));
            return r;
        }
    }
    return 0;
}

int sb_host_create_owned(const char *name, pid_t owner, struct sb_host **out)
{
    struct sb_host *h = NULL;
    unsigned long long start;
    char *root = NULL;
    bool locked = false, recorded = false;
    int idx, reaped = 0, r;

    *out = NULL;
    if (!sb_name_valid(name)) {
        xlog_err("Invalid sandbox host name \"%s\": use letters, digits, '-', '_', '.'",
                 name ? name : "");
        return -EINVAL;
    }
    owner = owner ? owner : getpid();
    if (sb_proc_start(owner, &start) < 0) {
        xlog_err("Sandbox owner process %d does not exist", (int)owner);
        return -ESRCH;
    }
    r = sb_host_new(name, owner, start, &h);
    if (r < 0) {
        goto out;
    }
    r = sb_lock();
    if (r < 0) {
        goto out;
    }
    locked = true;
    r = sb_for_each_record(sb_reap_one, &reaped);
    if (r < 0) {
        goto out;
    }
    if (access(h->record, F_OK) == 0 || sb_netns_exists(h->dom0_ns)) {
        xlog_err("Sandbox host %s of process %d already exists", name, (int)owner);
        r = -EEXIST;
        goto out;
    }
    if (asprintf(&root, "%s%s.XXXXXX", SB_ROOT_PREFIX, name) < 0) {
        root = NULL;
        r = -ENOMEM;
        goto out;
    }
    if (strlen(root) - strlen("/tmp/") > NAME_MAX) {
        xlog_err("Sandbox host name %s is too long", name);
        r = -ENAMETOOLONG;
        goto out;
    }
    if (!mkdtemp(root)) {
        r = -errno;
        xlog_err("Cannot create %s: %s", root, strerror(-r));
        goto out;
    }
    h->root = root;
    root = NULL;
    r = sb_record_write(h);
    if (r < 0) {
        rmdir(h->root);
        goto out;
    }
    recorded = true;
    r = sb_mkdirs(h->root);
    if (r == 0) {
        r = sb_ns_create(h, SB_NS_DOM0, "dom0", &idx);
    }
    if (r == 0) {
        xlog_info("Created simulated host %s: root %s, namespace %s", name, h->root, h->dom0_ns);
        *out = h;
        h = NULL;
    }
out:
    if (r < 0 && recorded) {
        sb_teardown(h);
    }
    if (locked) {
        sb_unlock();
    }
    free(root);
    sb_host_close(h);
    return r;
}

int sb_host_create(const char *name, struct sb_host **host)
{
    return sb_host_create_owned(name, 0, host);
}

struct sb_open_ctx {
    const char *name;
    pid_t owner;
    struct sb_host *found;
    bool ambiguous;
};

static int sb_open_one(struct sb_host *h, const char *path, void *ctx)
{
    struct sb_open_ctx *c = ctx;

    (void)path;
    if (strcmp(h->name, c->name) != 0 || (c->owner && h->owner != c->owner)) {
        sb_host_close(h);
        return 0;
    }
    if (c->found) {
        c->ambiguous = true;
        sb_host_close(h);
        return 0;
    }
    c->found = h;
    return 0;
}

int sb_host_open(const char *name, pid_t owner, struct sb_host **out)
{
    struct sb_open_ctx c = {name, owner, NULL, false};
    int r;

    *out = NULL;
    if (!sb_name_valid(name)) {
        xlog_err("Invalid sandbox host name \"%s\"", name ? name : "");
        return -EINVAL;
    }
    r = sb_lock();
    if (r < 0) {
        return r;
    }
    r = sb_for_each_record(sb_open_one, &c);
    sb_unlock();
    if (r == 0 && !c.found) {
        xlog_err("No sandbox host %s", name);
        r = -ENOENT;
    } else if (r == 0 && c.ambiguous) {
        xlog_err("Several processes own a sandbox host %s; name the owner", name);
        r = -EEXIST;
    }
    if (r < 0) {
        sb_host_close(c.found);
        return r;
    }
    *out = c.found;
    return 0;
}

/* A veth pair from dom0 to another namespace of the host: what guests and
 * NICs are made of. */
struct sb_link {
    enum sb_ns_kind kind; /* Of the far namespace. */
    const char *suffix;   /* The far namespace is <prefix>-<suffix>. */
    const char *dom0_if, *dom0_mac;
    const char *peer_if, *peer_mac, *peer_ipv4;
};

/* Makes link "l", creating its far namespace unless it is an upstream one
 * that exists already (NICs naming the same upstream share it, like ports of
 * one switch).  Everything is made from inside dom0 or the far namespace,
 * so that no name can clash with an interface of the caller's namespace.
 * "*ns" receives the far namespace's name.  On failure nothing is left. */
static int sb_link_add(struct sb_host *h, const struct sb_link *l, const char **ns)
{
    const char *peer = NULL;
    char *name = NULL;
    bool veth = false;
    int idx = -1, r;

    r = sb_lock();
    if (r < 0) {
        return r;
    }
    r = sb_reload_existing(h);
    if (r == 0) {
        r = sb_ns_name(h, l->suffix, &name);
    }
    if (r < 0) {
        goto out;
    }
    r = sb_ns_find(h, name);
    if (r >= 0 && (l->kind != SB_NS_UPSTREAM || h->ns[r].kind != SB_NS_UPSTREAM)) {
        xlog_err("Namespace %s already exists", name);
        r = -EEXIST;
        goto out;
    }
    if (r >= 0) {
        peer = h->ns[r].name;
        r = 0;
    } else {
        r = sb_ns_create(h, l->kind, l->suffix, &idx);
        if (r < 0) {
            goto out;
        }
        peer = h->ns[idx].name;
    }
    r = sb_ip(true, h->dom0_ns, "link", "add", l->dom0_if, "type", "veth", "peer", "name",
              l->peer_if, "netns", peer);
    veth = r == 0;
    if (r == 0 && l->dom0_mac) {
        r = sb_ip(true, h->dom0_ns, "link", "set", l->dom0_if, "address", l->dom0_mac);
    }
    if (r == 0 && l->peer_mac) {
        r = sb_ip(true, peer, "link", "set", l->peer_if, "address", l->peer_mac);
    }
    if (r == 0 && l->peer_ipv4) {
        r = sb_ip(true, peer, "addr", "add", l->peer_ipv4, "dev", l->peer_if);
    }
    if (r == 0) {
        r = sb_ip(true, peer, "link", "set", l->peer_if, "up");
    }
    if (r == 0) {
        r = sb_ip(true, h->dom0_ns, "link", "set", l->dom0_if, "up");
    }
    if (r == 0) {
        xlog_info("Host %s: %s in dom0 joined to %s in %s namespace %s", h->name, l->dom0_if,
                  l->peer_if, sb_kind_names[l->kind], peer);
        *ns = peer;
    }
out:
    if (r < 0 && veth) {
        /* Deleting the namespace would free the pair too, but only later, in
         * the kernel's background cleanup; a retry must find the name free. */
        sb_ip(false, h->dom0_ns, "link", "delete", l->dom0_if);
    }
    if (r < 0 && idx >= 0) {
        sb_ns_remove(h, idx);
    }
    sb_unlock();
    free(name);
    return r;
}

/* Checks the optional MAC and address of a guest or NIC. */
static int sb_check_addrs(const char *mac, const char *ipv4)
{
    if (mac && !sb_mac_valid(mac)) {
        xlog_err("Invalid MAC address \"%s\": expected a unicast xx:xx:xx:xx:xx:xx", mac);
        return -EINVAL;
    }
    if (ipv4 && !sb_ipv4_valid(ipv4)) {
        xlog_err("Invalid IPv4 address \"%s\": expected A.B.C.D/N", ipv4);
        return -EINVAL;
    }
    return 0;
}

static int sb_check_ifname(const char *what, const char *name)
{
    if (!sb_ifname_valid(name)) {
        xlog_err("Invalid %s name \"%s\": up to %d letters, digits, '-', '_', '.'", what,
                 name ? name : "", SB_IFNAME_MAX);
        return -EINVAL;
    }
    return 0;
}

int sb_guest_add(struct sb_host *h, const char *guest, const struct sb_guest_config *cfg,
                 const char **ns)
{
    const char *dummy = NULL;
    int r;

    ns = ns ? ns : &dummy;
    *ns = NULL;
    if (!h || !cfg) {
        return -EINVAL;
    }
    if (!sb_name_valid(guest) || !strcmp(guest, "dom0")) {
        xlog_err("Invalid guest name \"%s\"", guest ? guest : "");
        return -EINVAL;
    }
    r = sb_check_ifname("VIF", cfg->vif);
    if (r == 0) {
        r = sb_check_addrs(cfg->mac, cfg->ipv4);
    }
    if (r == 0) {
        r = sb_link_add(h,
                        &(struct sb_link){SB_NS_GUEST, guest, cfg->vif, SB_VIF_MAC, SB_GUEST_IFNAME,
                                          cfg->mac, cfg->ipv4},
                        ns);
    }
    return r;
}

int sb_nic_add(struct sb_host *h, const struct sb_nic_config *cfg, const char **upstream_ns)
{
    const char *dummy = NULL;
    int r;

    upstream_ns = upstream_ns ? upstream_ns : &dummy;
    *upstream_ns = NULL;
    if (!h || !cfg) {
        return -EINVAL;
    }
    if (!sb_name_valid(cfg->upstream) || !strcmp(cfg->upstream, "dom0")) {
        xlog_err("Invalid upstream name \"%s\"", cfg->upstream ? cfg->upstream : "");
        return -EINVAL;
    }
    r = sb_check_ifname("NIC", cfg->dev);
    if (r == 0) {
        r = sb_check_addrs(cfg->mac, cfg->upstream_ipv4);
    }
    if (r == 0) {
        r = sb_link_add(h,
                        &(struct sb_link){SB_NS_UPSTREAM, cfg->upstream, cfg->dev, cfg->mac,
                                          cfg->dev, NULL, cfg->upstream_ipv4},
                        upstream_ns);
    }
    return r;
}

int sb_host_destroy(struct sb_host *h)
{
    int r;

    if (!h) {
        return 0;
    }
    r = sb_lock();
    if (r == 0) {
        r = sb_reload(h);
        if (r == -ENOENT) {
            /* Someone else destroyed it already: nothing left to do. */
            r = 0;
        } else if (r == 0) {
            r = sb_teardown(h);
        }
        sb_unlock();
    }
    sb_host_close(h);
    return r;
}

const char *sb_host_name(const struct sb_host *h)
{
    return h->name;
}

const char *sb_host_root(const struct sb_host *h)
{
    return h->root;
}

const char *sb_host_dom0_ns(const struct sb_host *h)
{
    return h->dom0_ns;
}

pid_t sb_host_owner(const struct sb_host *h)
{
    return h->owner;
}
