/* Unit tests of the xenstore client: path and value checks, the in-memory
 * fake (parents, subtrees, listings, journal, injected failures), and the
 * real libxenstore backend against an xvs-xenstored started in a private
 * temporary folder (found in $XVS_BIN or ./build/bin; those cases are
 * skipped, saying so, when it has not been built). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "xsc.h"

static int fake_setup(void **state)
{
    struct xsc *x;

    xlog_open("xsc_test", false);
    xlog_set_level(XLOG_ERR);
    assert_int_equal(xsc_fake_new(&x), 0);
    *state = x;
    return 0;
}

static int fake_teardown(void **state)
{
    xsc_close(*state);
    return 0;
}

static void want_value(struct xsc *x, const char *path, const char *want)
{
    char *v = NULL;

    assert_int_equal(xsc_read(x, path, &v), 0);
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

static void want_names(struct xsc *x, const char *path, const char *want)
{
    char **names = NULL;
    size_t n = 0, i;
    char joined[512] = "";

    assert_int_equal(xsc_directory(x, path, &names, &n), 0);
    for (i = 0; i < n; i++) {
        strcat(joined, i ? " " : "");
        strcat(joined, names[i]);
    }
    xsc_free_names(names, n);
    assert_string_equal(joined, want);
}

/* Paths are checked the same way by both backends. */
static void test_paths(void **state)
{
    struct xsc *x = *state;
    char *v = NULL;
    char *longp = malloc(3073);

    assert_non_null(longp);
    assert_int_equal(xsc_write(x, "", "v"), -EINVAL);
    assert_int_equal(xsc_write(x, "/a b", "v"), -EINVAL);
    assert_int_equal(xsc_write(x, "/a.b", "v"), -EINVAL);
    assert_int_equal(xsc_write(x, "/a//b", "v"), -EINVAL);
    assert_int_equal(xsc_write(x, "/a/", "v"), -EINVAL);
    assert_int_equal(xsc_read(x, "/a\nb", &v), -EINVAL);
    assert_null(v);
    assert_int_equal(xsc_rm(x, "/x y"), -EINVAL);
    longp[0] = '/';
    memset(longp + 1, 'a', 3071);
    longp[3072] = '\0';
    assert_int_equal(xsc_read(x, longp, &v), -EINVAL);
    longp[3071] = '\0';
    assert_int_equal(xsc_read(x, longp, &v), -ENOENT);
    free(longp);
    /* Every allowed character. */
    assert_int_equal(xsc_write(x, "/Az09-_@/q", "ok"), 0);
    want_value(x, "/Az09-_@/q", "ok");
    assert_string_equal(xsc_fake_journal(x), "write /Az09-_@/q ok\n");
}

static void test_fake_tree(void **state)
{
    struct xsc *x = *state;
    char *v = NULL;
    char **names = (char **)1;
    size_t n = 9;

    assert_int_equal(xsc_read(x, "/local/domain/1/name", &v), -ENOENT);
    assert_int_equal(xsc_write(x, "/local/domain/1/name", "vm1"), 0);
    want_value(x, "/local/domain/1/name", "vm1");
    /* Parents were created, empty. */
    want_value(x, "/local/domain/1", "");
    want_value(x, "/local", "");
    assert_int_equal(xsc_write(x, "/local/domain/1/device/vif/0/state", "4"), 0);
    assert_int_equal(xsc_write(x, "/local/domain/1/device/vif/1/state", "1"), 0);
    assert_int_equal(xsc_write(x, "/local/domain/10/name", "vm10"), 0);
    want_names(x, "/local/domain", "1 10");
    want_names(x, "/local/domain/1", "device name");
    want_names(x, "/local/domain/1/device/vif", "0 1");
    want_names(x, "/local/domain/1/name", "");
    want_names(x, "/", "local");
    assert_int_equal(xsc_directory(x, "/nope", &names, &n), -ENOENT);
    assert_null(names);
    assert_int_equal(n, 0);
    /* Overwrite. */
    assert_int_equal(xsc_write(x, "/local/domain/1/name", ""), 0);
    want_value(x, "/local/domain/1/name", "");
    /* Relative paths live under dom0's home. */
    assert_int_equal(xsc_write(x, "vm", "/vm/x"), 0);
    want_value(x, "/local/domain/0/vm", "/vm/x");
    want_names(x, "/local/domain", "0 1 10");
    /* rm takes the subtree, not siblings sharing a prefix. */
    assert_int_equal(xsc_rm(x, "/local/domain/1"), 0);
    assert_int_equal(xsc_read(x, "/local/domain/1/device/vif/0/state", &v), -ENOENT);
    assert_int_equal(xsc_read(x, "/local/domain/1", &v), -ENOENT);
    want_value(x, "/local/domain/10/name", "vm10");
    /* Absent is not an error. */
    assert_int_equal(xsc_rm(x, "/local/domain/1"), 0);
    assert_int_equal(xsc_rm(x, "/"), -EINVAL);
    assert_string_equal(xsc_fake_journal(x), "write /local/domain/1/name vm1\n"
                                             "write /local/domain/1/device/vif/0/state 4\n"
                                             "write /local/domain/1/device/vif/1/state 1\n"
                                             "write /local/domain/10/name vm10\n"
                                             "write /local/domain/1/name \n"
                                             "write vm /vm/x\n"
                                             "rm /local/domain/1\n"
                                             "rm /local/domain/1\n");
}

static void test_fake_values(void **state)
{
    struct xsc *x = *state;
    char *big = malloc(XSC_VALUE_MAX + 2);
    char *v = NULL;
    size_t fits = XSC_VALUE_MAX - strlen("/k") - 1;

    assert_non_null(big);
    memset(big, 'x', XSC_VALUE_MAX + 1);
    big[XSC_VALUE_MAX + 1] = '\0';
    assert_int_equal(xsc_write(x, "/k", big), -EINVAL);
    big[XSC_VALUE_MAX] = '\0';
    /* A 4096-byte value is a legal value, but with its path it no longer fits in one
     * xenstored message: the same -E2BIG the real store gives. */
    assert_int_equal(xsc_write(x, "/k", big), -E2BIG);
    big[fits] = '\0';
    assert_int_equal(xsc_write(x, "/k", big), 0);
    assert_int_equal(xsc_read(x, "/k", &v), 0);
    assert_int_equal(strlen(v), fits);
    free(v);
    assert_int_equal(xsc_write(x, "/k", NULL), -EINVAL);
    free(big);
}

static void test_fake_failures(void **state)
{
    struct xsc *x = *state;
    char *v = NULL;
    char **names = NULL;
    size_t n = 0;

    assert_int_equal(xsc_write(x, "/a/b", "1"), 0);
    xsc_fake_fail(x, "/a/b", -EACCES);
    xsc_fake_fail(x, "/a", -EIO);
    assert_int_equal(xsc_read(x, "/a/b", &v), -EACCES);
    assert_null(v);
    assert_int_equal(xsc_write(x, "/a/b", "2"), -EACCES);
    assert_int_equal(xsc_rm(x, "/a/b"), -EACCES);
    assert_int_equal(xsc_directory(x, "/a", &names, &n), -EIO);
    xsc_fake_fail(x, "/a/b", -EPERM);
    assert_int_equal(xsc_read(x, "/a/b", &v), -EPERM);
    xsc_fake_fail(x, "/a/b", 0);
    want_value(x, "/a/b", "1");
    xsc_fake_fail(x, "/a", 0);
    want_names(x, "/a", "b");
    /* Failed changes are not journaled. */
    assert_string_equal(xsc_fake_journal(x), "write /a/b 1\n");
}

/* ---- The real backend, against xvs-xenstored. ---- */

struct real {
    char dir[64];
    char *sock;
    char *pidfile;
    pid_t pid;
    struct xsc *x;
};

static char *find_xenstored(void)
{
    const char *bin = getenv("XVS_BIN");
    char *p = NULL;

    if (bin && *bin && asprintf(&p, "%s/xvs-xenstored", bin) >= 0) {
        if (access(p, X_OK) == 0) {
            return p;
        }
        free(p);
        p = NULL;
    }
    if (access("./build/bin/xvs-xenstored", X_OK) == 0) {
        return strdup("./build/bin/xvs-xenstored");
    }
    return NULL;
}

static pid_t read_pid(const char *pidfile)
{
    char *data = NULL;
    size_t len;
    pid_t pid = 0;

    if (fsu_read_file(pidfile, 64, &data, &len) == 0) {
        pid = (pid_t)atoi(data);
    }
    free(data);
    return pid;
}

/* Starts xvs-xenstored at <tmp>/var/run/xenstored/socket, the socket xsc_open() must pick for
 * root prefix <tmp>.  Leaves *state NULL when the program is not built. */
static int real_setup(void **state)
{
    struct real *r;
    char *prog = find_xenstored();
    char *sockdir = NULL;
    pid_t child;
    int status;

    xlog_open("xsc_test", false);
    xlog_set_level(XLOG_ERR);
    *state = NULL;
    if (!prog) {
        fprintf(stderr, "xsc_test: xvs-xenstored not built (no $XVS_BIN/xvs-xenstored or "
                        "./build/bin/xvs-xenstored): real-backend cases SKIPPED\n");
        return 0;
    }
    r = calloc(1, sizeof(*r));
    assert_non_null(r);
    strcpy(r->dir, "/tmp/xsc_test.XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    assert_true(asprintf(&sockdir, "%s/var/run/xenstored", r->dir) > 0);
    assert_int_equal(fsu_mkdir_p(sockdir, 0755), 0);
    assert_true(asprintf(&r->sock, "%s/socket", sockdir) > 0);
    assert_true(asprintf(&r->pidfile, "%s/xenstored.pid", r->dir) > 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        execl(prog, prog, "--socket", r->sock, "--pidfile", r->pidfile, "--detach", "--no-syslog",
              (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    r->pid = read_pid(r->pidfile);
    assert_true(r->pid > 0);
    /* xsc_open() must find the socket through the root prefix alone. */
    unsetenv("XENSTORED_PATH");
    assert_int_equal(paths_init(r->dir), 0);
    assert_int_equal(xsc_open(&r->x), 0);
    assert_non_null(getenv("XENSTORED_PATH"));
    assert_string_equal(getenv("XENSTORED_PATH"), r->sock);
    free(sockdir);
    free(prog);
    *state = r;
    return 0;
}

static int real_teardown(void **state)
{
    struct real *r = *state;
    char *cmd = NULL;
    int i;

    if (!r) {
        return 0;
    }
    xsc_close(r->x);
    kill(r->pid, SIGTERM);
    for (i = 0; i < 200 && kill(r->pid, 0) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
    if (asprintf(&cmd, "rm -rf '%s'", r->dir) > 0 && system(cmd) != 0) {
        fprintf(stderr, "xsc_test: cannot remove %s\n", r->dir);
    }
    free(cmd);
    free(r->sock);
    free(r->pidfile);
    free(r);
    unsetenv("XENSTORED_PATH");
    paths_init("/");
    return 0;
}

static void test_real_ops(void **state)
{
    struct real *r = *state;
    char *v = NULL;
    char **names = NULL;
    size_t n = 0;

    if (!r) {
        skip();
    }
    assert_int_equal(xsc_read(r->x, "/xsc/a/b", &v), -ENOENT);
    assert_int_equal(xsc_write(r->x, "/xsc/a/b", "hello"), 0);
    assert_int_equal(xsc_write(r->x, "/xsc/a/c", ""), 0);
    assert_int_equal(xsc_write(r->x, "/xsc/d", "x"), 0);
    want_value(r->x, "/xsc/a/b", "hello");
    want_value(r->x, "/xsc/a/c", "");
    want_value(r->x, "/xsc/a", "");
    want_names(r->x, "/xsc/a", "b c");
    want_names(r->x, "/xsc/a/b", "");
    assert_int_equal(xsc_directory(r->x, "/xsc/none", &names, &n), -ENOENT);
    assert_null(names);
    /* Relative paths: dom0's home. */
    assert_int_equal(xsc_write(r->x, "xsc-rel", "r"), 0);
    want_value(r->x, "/local/domain/0/xsc-rel", "r");
    assert_int_equal(xsc_rm(r->x, "/xsc/a"), 0);
    assert_int_equal(xsc_read(r->x, "/xsc/a/b", &v), -ENOENT);
    assert_null(v);
    want_names(r->x, "/xsc", "d");
    /* Absent, even with an absent parent, is fine. */
    assert_int_equal(xsc_rm(r->x, "/xsc/a"), 0);
    assert_int_equal(xsc_rm(r->x, "/xsc/a/b/c"), 0);
    /* Invalid paths never reach the store. */
    assert_int_equal(xsc_write(r->x, "/xsc/a b", "v"), -EINVAL);
    assert_int_equal(xsc_read(r->x, "/xsc//d", &v), -EINVAL);
}

static void test_real_values(void **state)
{
    struct real *r = *state;
    char *big, *v = NULL;
    struct xs_handle *xs;
    size_t fits = XSC_VALUE_MAX - strlen("/xsc/big") - 1;

    if (!r) {
        skip();
    }
    big = malloc(XSC_VALUE_MAX + 1);
    assert_non_null(big);
    memset(big, 'v', XSC_VALUE_MAX);
    big[XSC_VALUE_MAX] = '\0';
    /* 4096 bytes of value plus the path exceed xenstored's message: the store says E2BIG,
     * and so do we, before sending. */
    assert_int_equal(xsc_write(r->x, "/xsc/big", big), -E2BIG);
    big[fits] = '\0';
    assert_int_equal(xsc_write(r->x, "/xsc/big", big), 0);
    assert_int_equal(xsc_read(r->x, "/xsc/big", &v), 0);
    assert_int_equal(strlen(v), fits);
    assert_memory_equal(v, big, fits);
    free(v);
    v = NULL;
    /* A value with a NUL inside, written behind our back (a guest could), is refused. */
    xs = xs_open(0);
    assert_non_null(xs);
    assert_true(xs_write(xs, XBT_NULL, "/xsc/nul", "ab\0cd", 5));
    xs_close(xs);
    assert_int_equal(xsc_read(r->x, "/xsc/nul", &v), -EINVAL);
    assert_null(v);
    free(big);
}

/* XENSTORED_PATH, when set, wins over the root prefix; a dead socket is a clean error. */
static void test_real_open_errors(void **state)
{
    struct real *r = *state;
    struct xsc *x = NULL;
    char *dead = NULL;

    if (!r) {
        skip();
    }
    assert_true(asprintf(&dead, "%s/no-such-socket", r->dir) > 0);
    setenv("XENSTORED_PATH", dead, 1);
    assert_true(xsc_open(&x) < 0);
    assert_null(x);
    assert_string_equal(getenv("XENSTORED_PATH"), dead);
    setenv("XENSTORED_PATH", r->sock, 1);
    free(dead);
}

int main(void)
{
    /* One group, so the harness counts every case; each real-backend case starts its own
     * xvs-xenstored. */
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_paths, fake_setup, fake_teardown),
            cmocka_unit_test_setup_teardown(test_fake_tree, fake_setup, fake_teardown),
            cmocka_unit_test_setup_teardown(test_fake_values, fake_setup, fake_teardown),
            cmocka_unit_test_setup_teardown(test_fake_failures, fake_setup, fake_teardown),
            cmocka_unit_test_setup_teardown(test_real_ops, real_setup, real_teardown),
            cmocka_unit_test_setup_teardown(test_real_values, real_setup, real_teardown),
            cmocka_unit_test_setup_teardown(test_real_open_errors, real_setup, real_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
