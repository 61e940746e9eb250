/* interface-reconfigure's command line: the forms and validation rules of
 * spec §1.1, parsed the way Python's getopt.gnu_getopt does it (options
 * anywhere, "--opt=value" or "--opt value", unique prefixes of long
 * options), so that every usage message and exit code matches the original. */
#ifndef XVS_IR_ARGS_H
#define XVS_IR_ARGS_H

#include <stdbool.h>

enum ir_action {
    IR_ACTION_NONE,
    IR_ACTION_UP,
    IR_ACTION_DOWN,
    IR_ACTION_REWRITE,
};

struct ir_args {
    enum ir_action action;
    const char *session;  /* --session */
    const char *pif;      /* --pif */
    const char *pif_uuid; /* --pif-uuid */
    const char *force;    /* --force / --force-interface: the bridge */
    bool management;
    /* Force-rewrite settings (NULL when absent). */
    const char *mac, *device, *mode, *ip, *netmask, *gateway;
    const char *root_prefix;
    bool no_syslog;
    bool help;
    /* Beyond the original: print the plan, change nothing. */
    bool dry_run;
    /* Beyond the original: do not wait for the switch daemon to apply the
     * OVSDB change (ovs-vsctl --no-wait), for a database without a switch. */
    bool no_wait;
};

/* Parses argv[1..argc) into "a" (strings borrowed from argv).  Returns 0 on
 * success (also for --help: a->help set), or 2 with the usage error message
 * (without "For help use --help.") in "msg" (msg_size bytes). */
int ir_args_parse(int argc, char **argv, struct ir_args *a, char *msg, unsigned msg_size);

/* The --help text. */
extern const char ir_args_usage[];

#endif
