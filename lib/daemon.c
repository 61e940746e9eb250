/* Daemon start-up helpers; see daemon.h. */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"

#define DAEMON_READY_BYTE 'R'

int daemon_detach(void)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        xlog_err("Cannot detach: pipe: %s", strerror(errno));
        return -errno;
    }
    pid = fork();
    if (pid < 0) {
        int r = -errno;

        xlog_err("Cannot detach: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return r;
    }
    if (pid > 0) {
        char byte = 0;
        ssize_t n;

        close(fds[1]);
        do {
            n = read(fds[0], &byte, 1);
        } while (n < 0 && errno == EINTR);
        _exit(n == 1 && byte == DAEMON_READY_BYTE ? 0 : 1);
    }
    close(fds[0]);
    setsid();
    return fds[1];
}

void daemon_ready(int *ready_fd)
{
    char byte = DAEMON_READY_BYTE;
    int null;

    if (*ready_fd < 0) {
        return;
    }
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    if (chdir("/") < 0) {
        xlog_warn("chdir /: %s", strerror(errno));
    }
    if (write(*ready_fd, &byte, 1) != 1) {
        xlog_warn("Cannot tell the parent process that the daemon is ready: %s", strerror(errno));
    }
    close(*ready_fd);
    *ready_fd = -1;
}

int daemon_write_pidfile(const char *path)
{
    char text[32];
    int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    int r = fsu_write_atomic(path, text, (size_t)len, 0644);

    if (r < 0) {
        xlog_err("Cannot write the pidfile %s: %s", path, strerror(-r));
    }
    return r;
}

void daemon_monitor(void)
{
    for (;;) {
        int status;
        pid_t pid = fork();
        if (pid <= 0) {
            if (pid < 0) {
                xlog_err("fork: %s", strerror(errno));
                exit(1);
            }
            return;
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status) ||
            (WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT ||
                                     WTERMSIG(status) == SIGKILL))) {
            exit(WIFEXITED(status) ? WEXITSTATUS(status) : 0);
        }
        xlog_err("daemon died of signal %d, restarting", WTERMSIG(status));
        sleep(1);
    }
}
