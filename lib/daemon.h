/* Start-up of xvs daemons: --detach with a readiness handshake, and the
 * pidfile.
 *
 * With --detach the parent process stays until the child says it serves,
 * so that a script running "daemon --detach && client" never races the
 * daemon's sockets.  The parent exits 0 when the child is ready and 1 when
 * the child failed (closed the pipe without a word). */
#ifndef XVS_DAEMON_H
#define XVS_DAEMON_H

/* Forks.  The parent waits for the child's readiness and exits; it never
 * returns.  In the child (a new session) returns the write end of the
 * readiness pipe, to be passed to daemon_ready(), or a negative errno
 * (logged) when the fork could not happen. */
int daemon_detach(void);

/* Tells the waiting parent that the daemon serves: points stdin and stdout
 * at /dev/null (stderr stays, it carries the log with --no-syslog), moves to
 * "/" so no folder stays busy, writes the readiness byte and closes
 * "*ready_fd", setting it to -1.  Does nothing when "*ready_fd" < 0. */
void daemon_ready(int *ready_fd);

/* Writes this process's PID to "path" atomically.  Returns 0 or a negative
 * errno, after logging why. */
int daemon_write_pidfile(const char *path);

/* --monitor: forks the daemon as a child and restarts it, one second later, each time it dies
 * of a crash signal; a normal exit or SIGTERM/SIGINT/SIGKILL ends the monitor with the child's
 * status.  Returns in the child; the monitor process never returns. */
void daemon_monitor(void);

#endif
