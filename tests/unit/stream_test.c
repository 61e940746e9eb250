/* Unit tests for lib/stream: remote name parsing errors, a punix listener
 * with a unix connect in a temporary directory, and ptcp:0 on loopback with a
 * tcp connect. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream.h"

static void test_bad_names(void **state)
{
    (void)state;
    static const char *const active[] = {
            "",
            "unix:",
            "tcp:",
            "tcp:127.0.0.1",
            "tcp:127.0.0.1:",
            "tcp::80",
            "tcp:1.2.3.4:0",
            "tcp:1.2.3.4:x",
            "tcp:1.2.3.4:70000",
            "tcp:host:1",
            "ssl:1.2.3.4:1",
            "punix:/tmp/x",
            "tcp:::1:80",
            "tcp:[::1:80",
            "tcp:1.2.3.4:-1",
    };
    static const char *const passive[] = {
            "",           "punix:",        "ptcp:",       "ptcp:x", "ptcp:70000",
            "ptcp:1:bad", "ptcp::1.2.3.4", "unix:/tmp/x", "pssl:1", "ptcp:123456789",
    };

    for (size_t i = 0; i < sizeof active / sizeof active[0]; i++) {
        assert_int_equal(stream_connect(active[i], 100), -EINVAL);
    }
    for (size_t i = 0; i < sizeof passive / sizeof passive[0]; i++) {
        assert_int_equal(stream_listen(passive[i]), -EINVAL);
    }
    assert_int_equal(stream_connect(NULL, 100), -EINVAL);
    assert_int_equal(stream_listen(NULL), -EINVAL);

    /* A path longer than sun_path is refused, not truncated. */
    char longname[200] = "unix:/tmp/";

    memset(longname + 10, 'a', 150);
    longname[160] = '\0';
    assert_int_equal(stream_connect(longname, 100), -EINVAL);

    assert_true(stream_is_passive("punix:/x"));
    assert_true(stream_is_passive("ptcp:6640"));
    assert_false(stream_is_passive("unix:/x"));
    assert_false(stream_is_passive("tcp:1.2.3.4:5"));
    assert_false(stream_is_passive(NULL));
}

/* Accepts one connection on "lfd" and checks a byte each way with "cfd". */
static void round_trip(int lfd, int cfd)
{
    struct pollfd pfd = {.fd = lfd, .events = POLLIN};
    char c = 0;

    assert_int_equal(poll(&pfd, 1, 2000), 1);
    int afd = accept(lfd, NULL, NULL);

    assert_true(afd >= 0);
    /* The connected fd is nonblocking and close-on-exec. */
    assert_true(fcntl(cfd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(lfd, F_GETFL) & O_NONBLOCK);
    assert_int_equal(write(cfd, "q", 1), 1);
    assert_int_equal(read(afd, &c, 1), 1);
    assert_int_equal(c, 'q');
    assert_int_equal(write(afd, "r", 1), 1);
    pfd = (struct pollfd){.fd = cfd, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 2000), 1);
    assert_int_equal(read(cfd, &c, 1), 1);
    assert_int_equal(c, 'r');
    close(afd);
}

static void test_punix_round_trip(void **state)
{
    char dir[] = "/tmp/xvs-stream-XXXXXX";
    char name[160], path[128];
    struct stat st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db.sock", dir);
    snprintf(name, sizeof name, "unix:%s", path);
    /* Nobody listening yet. */
    int r = stream_connect(name, 500);

    assert_true(r == -ENOENT || r == -ECONNREFUSED);

    snprintf(name, sizeof name, "punix:%s", path);
    int lfd = stream_listen(name);

    assert_true(lfd >= 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660);

    snprintf(name, sizeof name, "unix:%s", path);
    int cfd = stream_connect(name, 1000);

    assert_true(cfd >= 0);
    round_trip(lfd, cfd);
    close(cfd);
    assert_int_equal(stream_local_port(lfd), -EAFNOSUPPORT);
    /* A live listener is not taken over by a second one (its probe
     * connection is left in the first one's backlog, which is why this comes
     * after the round trip). */
    snprintf(name, sizeof name, "punix:%s", path);
    assert_int_equal(stream_listen(name), -EADDRINUSE);
    close(lfd);

    /* The socket file is now stale: listening again removes and reuses it. */
    snprintf(name, sizeof name, "punix:%s", path);
    lfd = stream_listen(name);
    assert_true(lfd >= 0);
    close(lfd);

    /* A regular file in the way is never removed. */
    unlink(path);
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fclose(f);
    assert_int_equal(stream_listen(name), -EADDRINUSE);
    unlink(path);
    rmdir(dir);
}

static void test_ptcp_round_trip(void **state)
{
    char name[64];

    (void)state;
    int lfd = stream_listen("ptcp:0:127.0.0.1");

    assert_true(lfd >= 0);
    int port = stream_local_port(lfd);

    assert_true(port > 0 && port < 65536);
    snprintf(name, sizeof name, "tcp:127.0.0.1:%d", port);
    int cfd = stream_connect(name, 1000);

    assert_true(cfd >= 0);
    round_trip(lfd, cfd);
    close(cfd);
    close(lfd);

    /* The default listen address is loopback. */
    lfd = stream_listen("ptcp:0");
    assert_true(lfd >= 0);
    port = stream_local_port(lfd);
    snprintf(name, sizeof name, "tcp:127.0.0.1:%d", port);
    cfd = stream_connect(name, 1000);
    assert_true(cfd >= 0);
    round_trip(lfd, cfd);
    close(cfd);
    close(lfd);

    /* After the listener is gone the port refuses. */
    assert_int_equal(stream_connect(name, 1000), -ECONNREFUSED);
}

static void test_ptcp_ipv6_loopback(void **state)
{
    char name[64];

    (void)state;
    int lfd = stream_listen("ptcp:0:[::1]");

    if (lfd == -EADDRNOTAVAIL || lfd == -EAFNOSUPPORT) {
        skip();
    }
    assert_true(lfd >= 0);
    snprintf(name, sizeof name, "tcp:[::1]:%d", stream_local_port(lfd));
    int cfd = stream_connect(name, 1000);

    assert_true(cfd >= 0);
    round_trip(lfd, cfd);
    close(cfd);
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bad_names),
            cmocka_unit_test(test_punix_round_trip),
            cmocka_unit_test(test_ptcp_round_trip),
            cmocka_unit_test(test_ptcp_ipv6_loopback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
