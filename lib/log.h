/* One logging API for every xvs program.
 *
 * The originals log to syslog with the program's basename as ident, or to
 * stderr when given --no-syslog; we do the same, so operators find the same
 * lines in the same place.  Messages are plain sentences without a trailing
 * newline. */
#ifndef XVS_LOG_H
#define XVS_LOG_H

#include <stdbool.h>

enum xlog_level {
    XLOG_ERR,
    XLOG_WARN,
    XLOG_INFO,
    XLOG_DEBUG,
};

/* Opens the log for program "argv0" (its basename becomes the ident).  With
 * "use_syslog" false, messages go to stderr.  May be called again to switch. */
void xlog_open(const char *argv0, bool use_syslog);

/* Messages above "level" are dropped.  The default is XLOG_INFO. */
void xlog_set_level(enum xlog_level level);
enum xlog_level xlog_get_level(void);

/* Parses "err", "warn", "info" or "debug".  Returns 0 or -EINVAL. */
int xlog_parse_level(const char *name, enum xlog_level *level);

/* The ident given to xlog_open(), or "xvs" before it. */
const char *xlog_ident(void);

void xlog(enum xlog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define xlog_err(...)   xlog(XLOG_ERR, __VA_ARGS__)
#define xlog_warn(...)  xlog(XLOG_WARN, __VA_ARGS__)
#define xlog_info(...)  xlog(XLOG_INFO, __VA_ARGS__)
#define xlog_debug(...) xlog(XLOG_DEBUG, __VA_ARGS__)

#endif
