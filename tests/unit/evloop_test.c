/* Unit tests for lib/evloop: timer order and cancellation, descriptor
 * callbacks, deleting registrations from inside callbacks, and stop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"

struct rec {
    char log[64];
    size_t n;
};

struct targ {
    struct rec *rec;
    char tag;
};

static void record(struct rec *r, char c)
{
    assert_true(r->n + 1 < sizeof r->log);
    r->log[r->n++] = c;
    r->log[r->n] = '\0';
}

static void timer_cb(struct evl *loop, void *arg)
{
    struct targ *t = arg;

    (void)loop;
    record(t->rec, t->tag);
}

static void test_timers_fire_in_deadline_order(void **state)
{
    struct evl *loop;
    struct rec rec = {{0}, 0};
    struct targ a = {&rec, 'a'}, b = {&rec, 'b'}, c = {&rec, 'c'}, d = {&rec, 'd'};
    unsigned long id_c;

    (void)state;
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_timer(loop, 60, timer_cb, &a, NULL), 0);
    assert_int_equal(evl_add_timer(loop, 20, timer_cb, &b, NULL), 0);
    assert_int_equal(evl_add_timer(loop, 40, timer_cb, &c, &id_c), 0);
    /* Same deadline as b within a millisecond or so: added later, fires later. */
    assert_int_equal(evl_add_timer(loop, 20, timer_cb, &d, NULL), 0);
    assert_true(id_c != 0);
    evl_cancel_timer(loop, id_c);
    evl_cancel_timer(loop, 12345);

    long long t0 = evl_now_ms();

    while (rec.n < 3) {
        assert_true(evl_run_once(loop, 1000) >= 0);
        assert_true(evl_now_ms() - t0 < 2000);
    }
    assert_string_equal(rec.log, "bda");
    assert_true(evl_now_ms() - t0 >= 55);
    /* Nothing left: a bounded round runs no callback. */
    assert_int_equal(evl_run_once(loop, 10), 0);
    evl_free(loop);
    evl_free(NULL);
}

static void test_zero_timers_same_ms_keep_order(void **state)
{
    struct evl *loop;
    struct rec rec = {{0}, 0};
    struct targ t[5];

    (void)state;
    assert_int_equal(evl_new(&loop), 0);
    for (int i = 0; i < 5; i++) {
        t[i] = (struct targ){&rec, (char)('0' + i)};
        assert_int_equal(evl_add_timer(loop, 0, timer_cb, &t[i], NULL), 0);
    }
    assert_int_equal(evl_run_once(loop, 0), 5);
    assert_string_equal(rec.log, "01234");
    evl_free(loop);
}

struct fdctx {
    int fds[2];
    int calls;
    short revents;
    bool del_self;
    bool del_other;
    int other_fd;
};

static void fd_cb(struct evl *loop, int fd, short revents, void *arg)
{
    struct fdctx *c = arg;
    char buf[16];

    c->calls++;
    c->revents = revents;
    if (revents & POLLIN) {
        assert_true(read(fd, buf, sizeof buf) > 0);
    }
    if (c->del_self) {
        evl_del_fd(loop, fd);
    }
    if (c->del_other) {
        evl_del_fd(loop, c->other_fd);
    }
}

static void test_fd_callbacks(void **state)
{
    struct evl *loop;
    struct fdctx c = {0};

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c.fds), 0);
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_fd(loop, c.fds[0], POLLIN, fd_cb, &c), 0);
    assert_int_equal(evl_add_fd(loop, c.fds[0], POLLIN, fd_cb, &c), -EEXIST);
    assert_int_equal(evl_add_fd(loop, -1, POLLIN, fd_cb, &c), -EINVAL);
    assert_int_equal(evl_set_events(loop, 99999, POLLIN), -ENOENT);

    /* Nothing to read: the round times out. */
    assert_int_equal(evl_run_once(loop, 20), 0);
    assert_int_equal(c.calls, 0);

    assert_int_equal(write(c.fds[1], "x", 1), 1);
    assert_int_equal(evl_run_once(loop, 1000), 1);
    assert_int_equal(c.calls, 1);
    assert_true(c.revents & POLLIN);

    /* POLLOUT is ready at once on an empty socket. */
    assert_int_equal(evl_set_events(loop, c.fds[0], POLLOUT), 0);
    assert_int_equal(evl_run_once(loop, 1000), 1);
    assert_true(c.revents & POLLOUT);

    /* Deleting itself from the callback: called once, then never again. */
    assert_int_equal(evl_set_events(loop, c.fds[0], POLLIN), 0);
    c.del_self = true;
    assert_int_equal(write(c.fds[1], "xy", 2), 2);
    assert_int_equal(evl_run_once(loop, 1000), 1);
    assert_int_equal(c.calls, 3);
    assert_int_equal(write(c.fds[1], "z", 1), 1);
    assert_int_equal(evl_run_once(loop, 20), 0);
    assert_int_equal(c.calls, 3);
    /* Re-adding after deletion works. */
    c.del_self = false;
    assert_int_equal(evl_add_fd(loop, c.fds[0], POLLIN, fd_cb, &c), 0);
    assert_int_equal(evl_run_once(loop, 1000), 1);
    assert_int_equal(c.calls, 4);
    evl_del_fd(loop, 424242);
    evl_free(loop);
    close(c.fds[0]);
    close(c.fds[1]);
}

/* Two readable descriptors: whichever callback runs first deletes the other,
 * whose callback then must not run in the same round. */
static void test_delete_other_from_callback(void **state)
{
    struct evl *loop;
    struct fdctx a = {0}, b = {0};

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a.fds), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b.fds), 0);
    a.del_other = true;
    a.other_fd = b.fds[0];
    b.del_other = true;
    b.other_fd = a.fds[0];
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_fd(loop, a.fds[0], POLLIN, fd_cb, &a), 0);
    assert_int_equal(evl_add_fd(loop, b.fds[0], POLLIN, fd_cb, &b), 0);
    assert_int_equal(write(a.fds[1], "x", 1), 1);
    assert_int_equal(write(b.fds[1], "x", 1), 1);
    assert_int_equal(evl_run_once(loop, 1000), 1);
    assert_int_equal(a.calls + b.calls, 1);
    evl_free(loop);
    close(a.fds[0]);
    close(a.fds[1]);
    close(b.fds[0]);
    close(b.fds[1]);
}

struct stopctx {
    struct evl *loop;
    int ticks;
    unsigned long victim;
    bool victim_ran;
};

static void victim_cb(struct evl *loop, void *arg)
{
    struct stopctx *s = arg;

    (void)loop;
    s->victim_ran = true;
}

static void tick_cb(struct evl *loop, void *arg)
{
    struct stopctx *s = arg;

    if (s->ticks == 0) {
        /* Cancelling another pending timer from a callback. */
        evl_cancel_timer(loop, s->victim);
    }
    if (++s->ticks == 3) {
        evl_stop(loop);
    } else {
        assert_int_equal(evl_add_timer(loop, 5, tick_cb, s, NULL), 0);
    }
}

static void test_run_until_stop(void **state)
{
    struct stopctx s = {0};

    (void)state;
    assert_int_equal(evl_new(&s.loop), 0);
    assert_int_equal(evl_add_timer(s.loop, 1, tick_cb, &s, NULL), 0);
    assert_int_equal(evl_add_timer(s.loop, 8, victim_cb, &s, &s.victim), 0);
    assert_int_equal(evl_run(s.loop), 0);
    assert_int_equal(s.ticks, 3);
    assert_false(s.victim_ran);
    evl_free(s.loop);
}

static void rearm_cb(struct evl *loop, void *arg)
{
    int *n = arg;

    (*n)++;
    assert_int_equal(evl_add_timer(loop, 0, rearm_cb, n, NULL), 0);
}

/* A timer re-arming itself with 0 ms runs once per round, not forever. */
static void test_rearm_does_not_starve(void **state)
{
    struct evl *loop;
    int n = 0;

    (void)state;
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_timer(loop, 0, rearm_cb, &n, NULL), 0);
    assert_int_equal(evl_run_once(loop, 0), 1);
    assert_int_equal(evl_run_once(loop, 0), 1);
    assert_int_equal(n, 2);
    evl_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_timers_fire_in_deadline_order),
            cmocka_unit_test(test_zero_timers_same_ms_keep_order),
            cmocka_unit_test(test_fd_callbacks),
            cmocka_unit_test(test_delete_other_from_callback),
            cmocka_unit_test(test_run_until_stop),
            cmocka_unit_test(test_rearm_does_not_starve),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
