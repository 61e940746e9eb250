/* A single-threaded poll(2) event loop: file descriptor callbacks and one-shot
 * timers.  Daemons (xvs-dbd) drive everything from one loop, so callbacks may
 * add or remove descriptors and timers (including their own) while the loop
 * is dispatching. */
#ifndef XVS_EVLOOP_H
#define XVS_EVLOOP_H

#include <poll.h>
#include <stdbool.h>

struct evl;

/* Called with the poll(2) revents that fired for "fd" (POLLIN, POLLOUT,
 * POLLERR, POLLHUP, POLLNVAL). */
typedef void (*evl_fd_cb)(struct evl *loop, int fd, short revents, void *arg);

/* Called once when a timer expires; the timer is gone by then. */
typedef void (*evl_timer_cb)(struct evl *loop, void *arg);

/* Creates an empty loop in *out.  Returns 0 or -ENOMEM. */
int evl_new(struct evl **out);

/* Frees the loop, its registrations and timers (it does not close the
 * descriptors nor free callback arguments).  NULL is fine. */
void evl_free(struct evl *loop);

/* Watches "fd" for "events" (POLLIN/POLLOUT; 0 = only errors).  Returns 0,
 * -EEXIST if fd is already registered, -EINVAL for fd < 0, -ENOMEM. */
int evl_add_fd(struct evl *loop, int fd, short events, evl_fd_cb cb, void *arg);

/* Changes the events watched for a registered fd.  Returns 0 or -ENOENT. */
int evl_set_events(struct evl *loop, int fd, short events);

/* Stops watching fd (unknown fds are ignored).  Safe to call from inside a
 * callback, also for another fd that is due in the same round: its callback
 * is then not called. */
void evl_del_fd(struct evl *loop, int fd);

/* Arms a one-shot timer "ms" milliseconds from now (ms <= 0: next round).
 * Timers due at the same time fire in the order they were added.  If "id" is
 * not NULL it receives a non-zero id for evl_cancel_timer().  Returns 0 or
 * -ENOMEM. */
int evl_add_timer(struct evl *loop, long ms, evl_timer_cb cb, void *arg, unsigned long *id);

/* Cancels a pending timer; unknown or already fired ids are ignored.  Safe
 * from inside a callback. */
void evl_cancel_timer(struct evl *loop, unsigned long id);

/* One poll round: waits at most max_wait_ms (<0 = until something happens,
 * bounded by the next timer), then runs the due fd callbacks and expired
 * timers.  Returns the number of callbacks run (>= 0) or -errno if poll
 * failed (EINTR counts as 0 callbacks). */
int evl_run_once(struct evl *loop, int max_wait_ms);

/* Runs rounds until evl_stop() is called.  Returns 0, or -errno when poll
 * fails. */
int evl_run(struct evl *loop);

/* Makes evl_run() return after the current round.  Safe from callbacks. */
void evl_stop(struct evl *loop);

/* Milliseconds of CLOCK_MONOTONIC. */
long long evl_now_ms(void);

#endif
