/* Unit tests for lib/exec: exit statuses, capture, stdin, timeouts, missing
 * programs, namespaces, the log lines, dry runs and the recording fake. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "fsutil.h"
#include "log.h"
#include "paths.h"

/* Runs "fn(arg)" with file descriptor "fd" (stdout or stderr) sent to a
 * temporary file and returns what was written there (static buffer). */
static char *capture_fd(int fd, void (*fn)(void *), void *arg)
{
    static char text[8192];
    FILE *tmp = tmpfile();
    int saved = dup(fd);
    size_t n;

    assert_non_null(tmp);
    fflush(stdout);
    fflush(stderr);
    dup2(fileno(tmp), fd);
    fn(arg);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, fd);
    close(saved);
    rewind(tmp);
    n = fread(text, 1, sizeof text - 1, tmp);
    text[n] = '\0';
    fclose(tmp);
    return text;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    (void)state;
    xlog_open("exec_test", false);
    xlog_set_level(XLOG_INFO);
    return 0;
}

static void test_exit_codes(void **state)
{
    const char *const t[] = {"/bin/true", NULL};
    const char *const f[] = {"/bin/false", NULL};
    const char *const seven[] = {"sh", "-c", "exit 7", NULL};

    (void)state;
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_argv(t, 0), 0);
    assert_int_equal(exec_argv(f, 0), 1);
    /* A bare name is looked up in $PATH. */
    assert_int_equal(exec_argv(seven, 0), 7);
    xlog_set_level(XLOG_INFO);
}

static void test_capture(void **state)
{
    const char *const argv[] = {"printf", "%s-%s\\n", "a b", "c", NULL};
    const char *const quiet[] = {"/bin/true", NULL};
    struct exec_cmd cmd = {.argv = argv};
    struct exec_output out = {NULL, 0};

    (void)state;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_string_equal(out.data, "a b-c\n");
    assert_int_equal(out.len, 6);
    exec_output_free(&out);
    assert_null(out.data);

    /* No output is an empty string, not NULL. */
    cmd.argv = quiet;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_non_null(out.data);
    assert_int_equal(out.len, 0);
    exec_output_free(&out);
    exec_output_free(NULL);
}

static void test_capture_bound(void **state)
{
    const char *const head[] = {"head", "-c", "100000", "/dev/zero", NULL};
    const char *const yes[] = {"yes", NULL};
    const char *const fits[] = {"head", "-c", "1000", "/dev/zero", NULL};
    struct exec_cmd cmd = {.argv = head, .max_output = 1000};
    struct exec_output out = {NULL, 0};
    int64_t start = now_ms();

    (void)state;
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_run(&cmd, &out), -E2BIG);
    assert_null(out.data);
    /* A producer that never stops is killed once it passes the bound. */
    cmd.argv = yes;
    cmd.max_output = 4096;
    assert_int_equal(exec_run(&cmd, &out), -E2BIG);
    assert_null(out.data);
    assert_true(now_ms() - start < 5000);
    /* Exactly the bound is accepted. */
    cmd.argv = fits;
    cmd.max_output = 1000;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_int_equal(out.len, 1000);
    exec_output_free(&out);
    xlog_set_level(XLOG_INFO);
}

static void test_stdin(void **state)
{
    const char *const cat[] = {"cat", NULL};
    const char *const wc[] = {"wc", "-c", NULL};
    const char *const ignore[] = {"/bin/true", NULL};
    struct exec_cmd cmd = {.argv = cat, .stdin_data = "hello\nworld\n", .stdin_len = 12};
    struct exec_output out = {NULL, 0};
    size_t big_len = 3 * 1024 * 1024;
    char *big = malloc(big_len);

    (void)state;
    assert_non_null(big);
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_string_equal(out.data, "hello\nworld\n");
    exec_output_free(&out);

    /* More than a pipe holds in both directions at once: no deadlock. */
    for (size_t i = 0; i < big_len; i++) {
        big[i] = (char)('a' + i % 26);
    }
    cmd.stdin_data = big;
    cmd.stdin_len = big_len;
    cmd.max_output = 4 * 1024 * 1024;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_int_equal(out.len, big_len);
    assert_memory_equal(out.data, big, big_len);
    exec_output_free(&out);

    cmd.argv = wc;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_int_equal(strtoul(out.data, NULL, 10), big_len);
    exec_output_free(&out);

    /* A child that never reads its stdin must not kill us with SIGPIPE. */
    cmd.argv = ignore;
    assert_int_equal(exec_run(&cmd, NULL), 0);

    /* Empty data still replaces our stdin: the child sees end of file. */
    cmd.argv = wc;
    cmd.stdin_len = 0;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_int_equal(strtoul(out.data, NULL, 10), 0);
    exec_output_free(&out);
    free(big);
}

/* With our own stdin and stdout closed, new pipes get descriptors 0 and 1;
 * the child must still see its stdin and stdout the right way round. */
static void test_closed_std_fds(void **state)
{
    const char *const cat[] = {"cat", NULL};
    struct exec_cmd cmd = {.argv = cat, .stdin_data = "swap?\n", .stdin_len = 6};
    struct exec_output out = {NULL, 0};
    int saved_in = dup(STDIN_FILENO), saved_out = dup(STDOUT_FILENO), r;

    (void)state;
    fflush(stdout);
    close(STDIN_FILENO);
    close(STDOUT_FILENO);
    r = exec_run(&cmd, &out);
    dup2(saved_in, STDIN_FILENO);
    dup2(saved_out, STDOUT_FILENO);
    close(saved_in);
    close(saved_out);
    assert_int_equal(r, 0);
    assert_string_equal(out.data, "swap?\n");
    exec_output_free(&out);
}

static void test_timeout(void **state)
{
    const char *const argv[] = {"sleep", "5", NULL};
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = 200};
    int64_t start = now_ms(), took;

    (void)state;
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_run(&cmd, NULL), -ETIMEDOUT);
    took = now_ms() - start;
    assert_true(took >= 190);
    assert_true(took < 2000);
    xlog_set_level(XLOG_INFO);
}

/* True while "pid" exists and is not a zombie. */
static int pid_running(pid_t pid)
{
    char path[64], *stat = NULL, *p;
    int running;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (fsu_read_file(path, 4096, &stat, NULL) < 0) {
        return 0;
    }
    p = strrchr(stat, ')');
    running = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
    free(stat);
    return running;
}

static void test_timeout_kills_group(void **state)
{
    char dir[] = "/tmp/exec_test.XXXXXX", pidfile[PATH_MAX], script[PATH_MAX + 64];
    const char *argv[] = {"sh", "-c", script, NULL};
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = 300};
    struct exec_output out = {NULL, 0};
    char *text = NULL;
    int64_t start;
    pid_t grandchild;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
    /* The grandchild keeps our stdout pipe open: only a kill of the whole
     * group ends the wait. */
    snprintf(script, sizeof script, "sleep 30 & echo $! > %s; wait", pidfile);
    xlog_set_level(XLOG_ERR);
    start = now_ms();
    assert_int_equal(exec_run(&cmd, &out), -ETIMEDOUT);
    assert_true(now_ms() - start < 3000);
    assert_null(out.data);
    assert_int_equal(fsu_read_file(pidfile, 64, &text, NULL), 0);
    grandchild = (pid_t)strtol(text, NULL, 10);
    assert_true(grandchild > 0);
    for (int i = 0; i < 100 && pid_running(grandchild); i++) {
        usleep(10000);
    }
    assert_false(pid_running(grandchild));
    free(text);
    unlink(pidfile);
    rmdir(dir);
    xlog_set_level(XLOG_INFO);
}

static void test_signal_status(void **state)
{
    const char *const argv[] = {"sh", "-c", "kill -9 $$", NULL};
    int r;

    (void)state;
    xlog_set_level(XLOG_ERR);
    r = exec_argv(argv, 0);
    assert_true(exec_status_signaled(r));
    assert_int_equal(exec_status_signal(r), SIGKILL);
    assert_int_equal(r, EXEC_STATUS_SIGNAL(SIGKILL));
    assert_false(exec_status_signaled(0));
    assert_false(exec_status_signaled(255));
    xlog_set_level(XLOG_INFO);
}

static void test_missing_program(void **state)
{
    const char *const abs[] = {"/nonexistent/xvs-no-such-program", NULL};
    const char *const bare[] = {"xvs-no-such-program-in-path", NULL};
    const char *const empty[] = {NULL};
    const char *const blank[] = {"", NULL};
    struct exec_output out = {NULL, 0};
    struct exec_cmd cmd = {.argv = abs};

    (void)state;
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_run(&cmd, &out), -ENOENT);
    assert_null(out.data);
    assert_int_equal(exec_argv(bare, 0), -ENOENT);
    assert_int_equal(exec_argv(empty, 0), -EINVAL);
    assert_int_equal(exec_argv(blank, 0), -EINVAL);
    assert_int_equal(exec_run(NULL, NULL), -EINVAL);
    xlog_set_level(XLOG_INFO);
}

static void test_not_executable(void **state)
{
    char dir[] = "/tmp/exec_test.XXXXXX", path[PATH_MAX];
    const char *argv[] = {path, NULL};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/plain", dir);
    assert_int_equal(fsu_write_atomic(path, "#!/bin/sh\n", 10, 0644), 0);
    xlog_set_level(XLOG_ERR);
    /* Even root gets EACCES: the kernel wants an x bit to exec. */
    assert_int_equal(exec_argv(argv, 0), -EACCES);
    xlog_set_level(XLOG_INFO);
    unlink(path);
    rmdir(dir);
}

static void test_root_prefix(void **state)
{
    char dir[] = "/tmp/exec_test.XXXXXX", bin[PATH_MAX], prog[PATH_MAX];
    const char *const argv[] = {"/sbin/xvs-hello", "there", NULL};
    const char script[] = "#!/bin/sh\necho \"hello $1\"\n";
    struct exec_cmd cmd = {.argv = argv, .flags = EXEC_ROOT_PREFIX};
    struct exec_output out = {NULL, 0};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(bin, sizeof bin, "%s/sbin", dir);
    snprintf(prog, sizeof prog, "%s/sbin/xvs-hello", dir);
    assert_int_equal(fsu_mkdir_p(bin, 0755), 0);
    assert_int_equal(fsu_write_atomic(prog, script, strlen(script), 0755), 0);
    assert_int_equal(paths_init(dir), 0);
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_string_equal(out.data, "hello there\n");
    exec_output_free(&out);
    /* Without the flag the real /sbin is used, where it does not exist. */
    cmd.flags = 0;
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_run(&cmd, &out), -ENOENT);
    xlog_set_level(XLOG_INFO);
    assert_int_equal(paths_init("/"), 0);
    unlink(prog);
    rmdir(bin);
    rmdir(dir);
}

static void run_failing(void *arg)
{
    const char *const argv[] = {"sh", "-c", "exit 3", NULL};
    const char *const ok[] = {"/bin/true", NULL};
    const char *const killed[] = {"sh", "-c", "kill -KILL $$", NULL};

    (void)arg;
    assert_int_equal(exec_argv(argv, 0), 3);
    assert_int_equal(exec_argv(ok, 0), 0);
    assert_int_equal(exec_status_signal(exec_argv(killed, 0)), SIGKILL);
}

static void run_quiet(void *arg)
{
    const char *const argv[] = {"/bin/false", NULL};

    (void)arg;
    assert_int_equal(exec_argv(argv, EXEC_QUIET), 1);
}

static void run_timeout(void *arg)
{
    const char *const argv[] = {"sleep", "5", NULL};
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = 100};

    (void)arg;
    assert_int_equal(exec_run(&cmd, NULL), -ETIMEDOUT);
}

static void test_log_lines(void **state)
{
    (void)state;
    xlog_set_level(XLOG_INFO);
    assert_string_equal(capture_fd(STDERR_FILENO, run_failing, NULL),
                        "Running command: sh -c exit 3\n"
                        "Command failed 3: sh -c exit 3\n"
                        "Running command: /bin/true\n"
                        "Running command: sh -c kill -KILL $$\n"
                        "Command failed -9: sh -c kill -KILL $$\n");
    /* EXEC_QUIET moves both lines to debug. */
    assert_string_equal(capture_fd(STDERR_FILENO, run_quiet, NULL), "");
    xlog_set_level(XLOG_DEBUG);
    assert_string_equal(capture_fd(STDERR_FILENO, run_quiet, NULL),
                        "Running command: /bin/false\nCommand failed 1: /bin/false\n");
    xlog_set_level(XLOG_INFO);
    assert_string_equal(capture_fd(STDERR_FILENO, run_timeout, NULL),
                        "Running command: sleep 5\nCommand timed out after 100 ms: sleep 5\n");
}

static void run_dry(void *arg)
{
    const char *touch[] = {"touch", arg, NULL};
    struct exec_cmd cmd = {.argv = touch, .flags = EXEC_DRY_RUN};
    struct exec_output out = {NULL, 0};

    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_string_equal(out.data, "");
    exec_output_free(&out);
}

static void test_dry_run(void **state)
{
    char dir[] = "/tmp/exec_test.XXXXXX", file[PATH_MAX], expect[PATH_MAX + 16];
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/touched", dir);
    snprintf(expect, sizeof expect, "touch %s\n", file);
    assert_string_equal(capture_fd(STDOUT_FILENO, run_dry, file), expect);
    assert_int_equal(stat(file, &st), -1);
    assert_int_equal(errno, ENOENT);
    rmdir(dir);
}

static void test_netns(void **state)
{
    char name[64], path[PATH_MAX];
    const char *const bad[] = {"/bin/true", NULL};
    struct exec_cmd cmd = {.argv = bad, .netns = "a/b"};
    const char *add[] = {"ip", "netns", "add", name, NULL};
    const char *del[] = {"ip", "netns", "del", name, NULL};
    const char *const links[] = {"ip", "-o", "link", "show", NULL};
    struct exec_output out = {NULL, 0};
    int r;

    (void)state;
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_run(&cmd, NULL), -EINVAL);
    cmd.netns = "..";
    assert_int_equal(exec_run(&cmd, NULL), -EINVAL);
    cmd.netns = "xvs-exec-test-no-such-namespace";
    assert_int_equal(exec_run(&cmd, NULL), -ENOENT);
    xlog_set_level(XLOG_INFO);

    /* Entering a real namespace needs root and iproute2. */
    snprintf(name, sizeof name, "xvs-exec-test-%d", (int)getpid());
    snprintf(path, sizeof path, "/run/netns/%s", name);
    if (geteuid() != 0 || exec_argv(add, EXEC_QUIET) != 0) {
        skip();
    }
    cmd.argv = links;
    cmd.netns = name;
    cmd.timeout_ms = 10000;
    r = exec_run(&cmd, &out);
    exec_argv(del, EXEC_QUIET);
    assert_int_equal(r, 0);
    /* A new namespace holds only its own loopback. */
    assert_non_null(strstr(out.data, ": lo:"));
    assert_null(strchr(strchr(out.data, '\n') + 1, '\n'));
    exec_output_free(&out);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_fake(void **state)
{
    static const struct exec_fake_rule rules[] = {
            {"/usr/bin/ovs-vsctl get", 0, "5\n"},
            {"/sbin/ifup", 1, NULL},
            {"/sbin/crash", EXEC_STATUS_SIGNAL(SIGSEGV), NULL},
            {"/sbin/missing", -ENOENT, NULL},
    };
    const char *const get[] = {"/usr/bin/ovs-vsctl", "get", "interface", "eth2", "ofport", NULL};
    const char *const up[] = {"/sbin/ifup", "xenbr2", NULL};
    const char *const other[] = {"/sbin/ip", "link", "set", "eth0", "up", NULL};
    const char *const crash[] = {"/sbin/crash", NULL};
    const char *const missing[] = {"/sbin/missing", NULL};
    const char *const t[] = {"/bin/false", NULL};
    struct exec_cmd cmd = {.argv = get, .flags = EXEC_ROOT_PREFIX, .netns = "dom0"};
    struct exec_output out = {NULL, 0};
    struct exec_fake fake;

    (void)state;
    exec_fake_install(&fake, rules, sizeof rules / sizeof rules[0]);
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_string_equal(out.data, "5\n");
    exec_output_free(&out);
    assert_int_equal(exec_argv(up, EXEC_ROOT_PREFIX), 1);
    cmd.argv = other;
    cmd.netns = NULL;
    assert_int_equal(exec_run(&cmd, &out), 0);
    assert_string_equal(out.data, "");
    exec_output_free(&out);
    assert_int_equal(exec_argv(crash, 0), EXEC_STATUS_SIGNAL(SIGSEGV));
    assert_int_equal(exec_run(&(struct exec_cmd){.argv = missing}, &out), -ENOENT);
    assert_null(out.data);
    /* Dry runs never reach the operations. */
    assert_int_equal(exec_argv(t, EXEC_DRY_RUN | EXEC_QUIET), 0);
    xlog_set_level(XLOG_INFO);
    assert_int_equal(fake.calls, 5);
    assert_string_equal(sbuf_str(&fake.log),
                        "netns dom0: /usr/bin/ovs-vsctl get interface eth2 ofport\n"
                        "/sbin/ifup xenbr2\n"
                        "/sbin/ip link set eth0 up\n"
                        "/sbin/crash\n"
                        "/sbin/missing\n");
    exec_fake_free(&fake);
    exec_fake_free(NULL);
    /* The real operations are back. */
    assert_ptr_equal(exec_set_ops(NULL), exec_real_ops());
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_argv(t, 0), 1);
    xlog_set_level(XLOG_INFO);
}

/* A hand-written ops table, as later modules' tests may use directly. */
static int count_run(void *ctx, const struct exec_cmd *cmd, struct exec_output *out)
{
    int *count = ctx;

    (void)cmd;
    (void)out;
    return ++*count;
}

static void test_custom_ops(void **state)
{
    int count = 0;
    const struct exec_ops ops = {count_run, &count};
    const char *const argv[] = {"/whatever", NULL};
    const struct exec_ops *old;

    (void)state;
    old = exec_set_ops(&ops);
    assert_ptr_equal(old, exec_real_ops());
    xlog_set_level(XLOG_ERR);
    assert_int_equal(exec_argv(argv, 0), 1);
    assert_int_equal(exec_argv(argv, 0), 2);
    xlog_set_level(XLOG_INFO);
    assert_ptr_equal(exec_set_ops(old), &ops);
    assert_int_equal(count, 2);
}

static void test_join(void **state)
{
    const char *const argv[] = {"a", "b c", "", "d", NULL};
    struct sbuf b = SBUF_INIT;

    (void)state;
    assert_int_equal(exec_join_argv(&b, argv), 0);
    assert_string_equal(sbuf_str(&b), "a b c  d");
    sbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_exit_codes),
            cmocka_unit_test(test_capture),
            cmocka_unit_test(test_capture_bound),
            cmocka_unit_test(test_stdin),
            cmocka_unit_test(test_closed_std_fds),
            cmocka_unit_test(test_timeout),
            cmocka_unit_test(test_timeout_kills_group),
            cmocka_unit_test(test_signal_status),
            cmocka_unit_test(test_missing_program),
            cmocka_unit_test(test_not_executable),
            cmocka_unit_test(test_root_prefix),
            cmocka_unit_test(test_log_lines),
            cmocka_unit_test(test_dry_run),
            cmocka_unit_test(test_netns),
            cmocka_unit_test(test_fake),
            cmocka_unit_test(test_custom_ops),
            cmocka_unit_test(test_join),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
