/* Logging to syslog or stderr; see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static char log_ident[64] = "xvs";
static bool log_to_syslog;
static enum xlog_level log_level = XLOG_INFO;

void xlog_open(const char *argv0, bool use_syslog)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;

    base = base ? base + 1 : argv0;
    if (base && *base) {
        snprintf(log_ident, sizeof log_ident, "%s", base);
    }
    if (log_to_syslog) {
        closelog();
    }
    log_to_syslog = use_syslog;
    if (use_syslog) {
        /* openlog() keeps the pointer, so it must stay valid: it is static. */
        openlog(log_ident, LOG_PID, LOG_DAEMON);
    }
}

void xlog_set_level(enum xlog_level level)
{
    log_level = level;
}

enum xlog_level xlog_get_level(void)
{
    return log_level;
}

int xlog_parse_level(const char *name, enum xlog_level *level)
{
    static const char *const names[] = {"err", "warn", "info", "debug"};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (name && !strcmp(name, names[i])) {
            *level = (enum xlog_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *xlog_ident(void)
{
    return log_ident;
}

void xlog(enum xlog_level level, const char *fmt, ...)
{
    static const int priorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    int saved_errno = errno;
    va_list ap;

    if (level > log_level) {
        return;
    }
    va_start(ap, fmt);
    if (log_to_syslog) {
        vsyslog(priorities[level], fmt, ap);
    } else {
        /* Plain lines on stderr, as the originals print with --no-syslog,
         * so transcript tests can compare them exactly. */
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
    errno = saved_errno;
}
