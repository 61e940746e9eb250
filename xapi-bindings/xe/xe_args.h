/* The command line of xe: connection options, the command name and its
 * key=value parameters, parsed the way XenServer's xe client and CLI server
 * split them.
 *
 *   xe <command> [-s host] [-p port] [-u user] [-pw pass] [-pwf file]
 *      [--nossl] [--minimal] [--debug] key=value ... --flag ...
 *
 * Connection options may appear anywhere, also in their key=value forms
 * (server=, port=, username=, password=, passwordfile=, nossl=, debug=).
 * Every other "--word" becomes the parameter word=true (--minimal,
 * --force, --multiple); "-word" takes the next argument as in the xe
 * frontend's switch map.  A word with '=' is split at the first '='; a
 * word without one is the command (the first) or a parameter with an empty
 * value.  xvs extensions: --root-prefix DIR (the local socket is
 * DIR/var/lib/xcp/xapi), --ca-file FILE and --insecure for https. */
#ifndef XVS_XE_ARGS_H
#define XVS_XE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

struct xe_param {
    char *key;
    char *value;
};

struct xe_args {
    char *command; /* NULL when none was given. */
    struct xe_param *params;
    size_t n_params;
    char *server;   /* NULL: the local socket. */
    unsigned port;  /* 0: 443, or 80 with --nossl. */
    char *user;     /* NULL: "root". */
    char *password; /* NULL: "". */
    char *password_file;
    char *root_prefix;
    char *ca_file;
    bool nossl;
    bool insecure;
    bool debug;
    bool help;
};

/* Parses argv[1..argc-1] into "out" (zeroed here first).  On a usage error
 * returns -EINVAL with a one-line message in "*err" (malloc'ed, caller
 * frees); -ENOMEM otherwise.  "out" is cleared on failure. */
int xe_args_parse(int argc, char *const argv[], struct xe_args *out, char **err);

/* Frees what "a" holds and zeroes it.  Accepts NULL. */
void xe_args_clear(struct xe_args *a);

/* The value of the last parameter "key", or NULL. */
const char *xe_args_get(const struct xe_args *a, const char *key);

/* Reads parameter "key" as a boolean the way the xe server does:
 * true/t/1/yes/on and false/f/0/no/off, any case; "def" when absent or
 * unrecognised. */
bool xe_args_bool(const struct xe_args *a, const char *key, bool def);

/* True when "key" is a parameter every command accepts (minimal, force,
 * multiple, all, ...): such parameters are never record filters. */
bool xe_args_is_std(const char *key);

/* Reads the first line of "path" as the user and the second as the
 * password, as -pwf does.  Returns 0, -ENOENT/-EACCES (cannot open) or
 * -EINVAL (fewer than two lines), with "a" unchanged on failure. */
int xe_args_read_password_file(struct xe_args *a, const char *path);

#endif
