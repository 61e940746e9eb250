/* A single-threaded poll(2) event loop.
 *
 * Registrations live in a flat array; deleting one from a callback only marks
 * it, and the array is compacted after the round, so the dispatch loop never
 * sees freed memory.  Each registration carries a serial number, which tells
 * a descriptor that was deleted and re-added during the round apart from the
 * one that poll(2) reported on.  Timers are a small unsorted array: the loop
 * serves a handful of clients and probes, so linear scans are cheaper than a
 * heap in practice. */
#include "evloop.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct evl_fd {
    int fd;
    short events;
    bool deleted;
    unsigned long serial;
    evl_fd_cb cb;
    void *arg;
};

struct evl_timer {
    long long deadline;
    unsigned long id; /* Increasing, so equal deadlines fire in the order added. */
    evl_timer_cb cb;
    void *arg;
};

struct evl {
    struct evl_fd *fds;
    size_t n_fds, cap_fds;
    size_t n_deleted;
    unsigned long next_serial;

    struct evl_timer *timers;
    size_t n_timers, cap_timers;
    unsigned long next_timer_id;

    struct pollfd *pfds;
    unsigned long *pserials;
    size_t cap_pfds;

    bool stop;
};

long long evl_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int evl_new(struct evl **out)
{
    struct evl *loop = calloc(1, sizeof *loop);

    *out = NULL;
    if (!loop) {
        return -ENOMEM;
    }
    loop->next_serial = 1;
    loop->next_timer_id = 1;
    *out = loop;
    return 0;
}

void evl_free(struct evl *loop)
{
    if (!loop) {
        return;
    }
    free(loop->fds);
    free(loop->timers);
    free(loop->pfds);
    free(loop->pserials);
    free(loop);
}

static struct evl_fd *find_fd(struct evl *loop, int fd)
{
    for (size_t i = 0; i < loop->n_fds; i++) {
        if (loop->fds[i].fd == fd && !loop->fds[i].deleted) {
            return &loop->fds[i];
        }
    }
    return NULL;
}

int evl_add_fd(struct evl *loop, int fd, short events, evl_fd_cb cb, void *arg)
{
    if (fd < 0 || !cb) {
        return -EINVAL;
    }
    if (find_fd(loop, fd)) {
        return -EEXIST;
    }
    if (loop->n_fds == loop->cap_fds) {
        size_t cap = loop->cap_fds ? loop->cap_fds * 2 : 8;
        struct evl_fd *fds = realloc(loop->fds, cap * sizeof *fds);

        if (!fds) {
            return -ENOMEM;
        }
        loop->fds = fds;
        loop->cap_fds = cap;
    }
    loop->fds[loop->n_fds++] = (struct evl_fd){
            .fd = fd,
            .events = events,
            .serial = loop->next_serial++,
            .cb = cb,
            .arg = arg,
    };
    return 0;
}

int evl_set_events(struct evl *loop, int fd, short events)
{
    struct evl_fd *e = find_fd(loop, fd);

    if (!e) {
        return -ENOENT;
    }
    e->events = events;
    return 0;
}

void evl_del_fd(struct evl *loop, int fd)
{
    struct evl_fd *e = find_fd(loop, fd);

    if (e) {
        e->deleted = true;
        loop->n_deleted++;
    }
}

/* Drops the entries marked deleted; only called between dispatches. */
static void compact_fds(struct evl *loop)
{
    size_t j = 0;

    if (!loop->n_deleted) {
        return;
    }
    for (size_t i = 0; i < loop->n_fds; i++) {
        if (!loop->fds[i].deleted) {
            loop->fds[j++] = loop->fds[i];
        }
    }
    loop->n_fds = j;
    loop->n_deleted = 0;
}

int evl_add_timer(struct evl *loop, long ms, evl_timer_cb cb, void *arg, unsigned long *id)
{
    if (!cb) {
        return -EINVAL;
    }
    if (loop->n_timers == loop->cap_timers) {
        size_t cap = loop->cap_timers ? loop->cap_timers * 2 : 8;
        struct evl_timer *t = realloc(loop->timers, cap * sizeof *t);

        if (!t) {
            return -ENOMEM;
        }
        loop->timers = t;
        loop->cap_timers = cap;
    }
    unsigned long tid = loop->next_timer_id++;

    if (!loop->next_timer_id) {
        loop->next_timer_id = 1;
    }
    loop->timers[loop->n_timers++] = (struct evl_timer){
            .deadline = evl_now_ms() + (ms > 0 ? ms : 0),
            .id = tid,
            .cb = cb,
            .arg = arg,
    };
    if (id) {
        *id = tid;
    }
    return 0;
}

static void remove_timer_at(struct evl *loop, size_t i)
{
    /* Order does not matter: the earliest timer is found by a scan. */
    loop->timers[i] = loop->timers[--loop->n_timers];
}

void evl_cancel_timer(struct evl *loop, unsigned long id)
{
    for (size_t i = 0; i < loop->n_timers; i++) {
        if (loop->timers[i].id == id) {
            remove_timer_at(loop, i);
            return;
        }
    }
}

/* Milliseconds until the earliest timer (0 if one is due), or -1 if none. */
static long long next_timer_wait(const struct evl *loop, long long now)
{
    long long best = -1;

    for (size_t i = 0; i < loop->n_timers; i++) {
        long long d = loop->timers[i].deadline - now;

        if (d < 0) {
            d = 0;
        }
        if (best < 0 || d < best) {
            best = d;
        }
    }
    return best;
}

/* Fires the timers due at "now" that existed when the round began (ids up to
 * max_id), earliest deadline first, ties by id.  Timers added by callbacks
 * wait for the next round, so a callback re-arming itself with 0 ms cannot
 * starve the descriptors. */
static int run_timers(struct evl *loop, long long now, unsigned long max_id)
{
    int n = 0;

    for (;;) {
        size_t best = SIZE_MAX;

        for (size_t i = 0; i < loop->n_timers; i++) {
            const struct evl_timer *t = &loop->timers[i];

            if (t->deadline > now || t->id > max_id) {
                continue;
            }
            if (best == SIZE_MAX || t->deadline < loop->timers[best].deadline ||
                (t->deadline == loop->timers[best].deadline && t->id < loop->timers[best].id)) {
                best = i;
            }
        }
        if (best == SIZE_MAX) {
            return n;
        }
        struct evl_timer t = loop->timers[best];

        remove_timer_at(loop, best);
        t.cb(loop, t.arg);
        n++;
    }
}

static int reserve_pfds(struct evl *loop, size_t n)
{
    if (n <= loop->cap_pfds) {
        return 0;
    }
    size_t cap = n < 8 ? 8 : n * 2;
    struct pollfd *p = realloc(loop->pfds, cap * sizeof *p);

    if (!p) {
        return -ENOMEM;
    }
    loop->pfds = p;
    unsigned long *s = realloc(loop->pserials, cap * sizeof *s);

    if (!s) {
        return -ENOMEM;
    }
    loop->pserials = s;
    loop->cap_pfds = cap;
    return 0;
}

int evl_run_once(struct evl *loop, int max_wait_ms)
{
    unsigned long max_timer_id = loop->next_timer_id - 1;
    long long now = evl_now_ms();
    long long wait = next_timer_wait(loop, now);
    int n_cb = 0;
    int r;

    compact_fds(loop);
    r = reserve_pfds(loop, loop->n_fds);
    if (r < 0) {
        return r;
    }
    size_t n = loop->n_fds;

    for (size_t i = 0; i < n; i++) {
        loop->pfds[i] = (struct pollfd){.fd = loop->fds[i].fd, .events = loop->fds[i].events};
        loop->pserials[i] = loop->fds[i].serial;
    }
    if (max_wait_ms >= 0 && (wait < 0 || wait > max_wait_ms)) {
        wait = max_wait_ms;
    }
    if (wait > INT_MAX) {
        wait = INT_MAX;
    }
    r = poll(loop->pfds, n, (int)wait);
    if (r < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    for (size_t i = 0; i < n && r > 0; i++) {
        short revents = loop->pfds[i].revents;

        if (!revents) {
            continue;
        }
        /* Look the registration up again: an earlier callback of this round
         * may have deleted it, or deleted and re-added the same fd. */
        for (size_t j = 0; j < loop->n_fds; j++) {
            struct evl_fd *e = &loop->fds[j];

            if (e->serial == loop->pserials[i]) {
                if (!e->deleted) {
                    e->cb(loop, e->fd, revents, e->arg);
                    n_cb++;
                }
                break;
            }
        }
    }
    n_cb += run_timers(loop, evl_now_ms(), max_timer_id);
    compact_fds(loop);
    return n_cb;
}

int evl_run(struct evl *loop)
{
    while (!loop->stop) {
        int r = evl_run_once(loop, -1);

        if (r < 0) {
            return r;
        }
    }
    loop->stop = false;
    return 0;
}

void evl_stop(struct evl *loop)
{
    loop->stop = true;
}
