/* interface-reconfigure's argv parsing and validation (spec §1.1). */
#include "ir_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char ir_args_usage[] =
        "Usage:\n"
        "    interface-reconfigure --session <SESSION-REF> --pif <PIF-REF> [up|down]\n"
        "    interface-reconfigure --pif-uuid <PIF-UUID> [up|down]\n"
        "    interface-reconfigure rewrite\n"
        "    interface-reconfigure --force <BRIDGE> [up|down|rewrite <CONFIG>]\n"
        "    interface-reconfigure --force <BRIDGE> rewrite --device=<INTERFACE> "
        "--mac=<MAC-ADDRESS> "
        "<CONFIG>\n"
        "\n"
        "    Where <CONFIG> is one of:\n"
        "        --mode=dhcp\n"
        "        --mode=static --ip=<IPADDR> --netmask=<NM> [--gateway=<GW>]\n"
        "\n"
        "  Options:\n"
        "    -h, --help          display this message\n"
        "    --management        treat the PIF being brought up as the management PIF\n"
        "    --root-prefix=DIR   prefix for every file and program used (testing)\n"
        "    --no-syslog         log to standard error instead of syslog\n"
        "    --dry-run           print the plan (ovs-vsctl, ovs-ofctl and ip lines, files)\n"
        "                        and change nothing\n"
        "    --no-wait           do not wait for the switch to apply the OVSDB change\n";

enum opt_id {
    O_SESSION,
    O_PIF,
    O_PIF_UUID,
    O_FORCE,
    O_FORCE_IF,
    O_MANAGEMENT,
    O_MAC,
    O_DEVICE,
    O_MODE,
    O_IP,
    O_NETMASK,
    O_GATEWAY,
    O_ROOT,
    O_NO_SYSLOG,
    O_HELP,
    O_DRY_RUN,
    O_NO_WAIT,
};

struct opt_def {
    const char *name;
    bool has_arg;
    enum opt_id id;
};

static const struct opt_def opts[] = {
        {"session", true, O_SESSION},
        {"pif", true, O_PIF},
        {"pif-uuid", true, O_PIF_UUID},
        {"force", true, O_FORCE},
        {"force-interface", true, O_FORCE_IF},
        {"management", false, O_MANAGEMENT},
        {"mac", true, O_MAC},
        {"device", true, O_DEVICE},
        {"mode", true, O_MODE},
        {"ip", true, O_IP},
        {"netmask", true, O_NETMASK},
        {"gateway", true, O_GATEWAY},
        {"root-prefix", true, O_ROOT},
        {"no-syslog", false, O_NO_SYSLOG},
        {"help", false, O_HELP},
        {"dry-run", false, O_DRY_RUN},
        {"no-wait", false, O_NO_WAIT},
};

static int usage_err(char *msg, unsigned size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int usage_err(char *msg, unsigned size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    return 2;
}

/* Finds the long option "name" (length len) as getopt does: an exact match,
 * else the only option it is a prefix of. */
static const struct opt_def *find_opt(const char *name, size_t len, bool *ambiguous)
{
    const struct opt_def *found = NULL;

    *ambiguous = false;
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len)) {
            return &opts[i];
        }
    }
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (!strncmp(opts[i].name, name, len)) {
            if (found) {
                *ambiguous = true;
                return NULL;
            }
            found = &opts[i];
        }
    }
    return found;
}

static void set_opt(struct ir_args *a, enum opt_id id, const char *val, bool *rewrite_cfg)
{
    switch (id) {
    case O_SESSION:
        a->session = val;
        break;
    case O_PIF:
        a->pif = val;
        break;
    case O_PIF_UUID:
        a->pif_uuid = val;
        break;
    case O_FORCE:
    case O_FORCE_IF:
        a->force = val;
        break;
    case O_MANAGEMENT:
        a->management = true;
        break;
    case O_MAC:
        a->mac = val;
        *rewrite_cfg = true;
        break;
    case O_DEVICE:
        a->device = val;
        *rewrite_cfg = true;
        break;
    case O_MODE:
        a->mode = val;
        *rewrite_cfg = true;
        break;
    case O_IP:
        a->ip = val;
        *rewrite_cfg = true;
        break;
    case O_NETMASK:
        a->netmask = val;
        *rewrite_cfg = true;
        break;
    case O_GATEWAY:
        a->gateway = val;
        *rewrite_cfg = true;
        break;
    case O_ROOT:
        a->root_prefix = val;
        break;
    case O_NO_SYSLOG:
        a->no_syslog = true;
        break;
    case O_HELP:
        a->help = true;
        break;
    case O_DRY_RUN:
        a->dry_run = true;
        break;
    case O_NO_WAIT:
        a->no_wait = true;
        break;
    }
}

int ir_args_parse(int argc, char **argv, struct ir_args *a, char *msg, unsigned msg_size)
{
    const char *positional[2] = {NULL, NULL};
    int n_pos = 0;
    bool rewrite_cfg = false;
    bool only_args = false;

    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (only_args || arg[0] != '-' || !arg[1]) {
            if (n_pos < 2) {
                positional[n_pos] = arg;
            }
            n_pos++;
            continue;
        }
        if (!strcmp(arg, "--")) {
            only_args = true;
            continue;
        }
        if (arg[1] != '-') {
            /* Short options: only -h exists; "-hh" is two -h. */
            for (const char *c = arg + 1; *c; c++) {
                if (*c != 'h') {
                    return usage_err(msg, msg_size, "option -%c not recognized", *c);
                }
                a->help = true;
            }
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        bool ambiguous;
        const struct opt_def *d = find_opt(name, len, &ambiguous);
        if (!d) {
            return usage_err(msg, msg_size,
                             ambiguous ? "option --%.*s not a unique prefix"
                                       : "option --%.*s not recognized",
                             (int)len, name);
        }
        const char *val = NULL;
        if (d->has_arg) {
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                return usage_err(msg, msg_size, "option --%s requires argument", d->name);
            }
        } else if (eq) {
            return usage_err(msg, msg_size, "option --%s must not have an argument", d->name);
        }
        set_opt(a, d->id, val, &rewrite_cfg);
    }
    if (a->help) {
        return 0;
    }
    if (n_pos < 1) {
        return usage_err(msg, msg_size, "Required option <action> not present");
    }
    if (n_pos > 1) {
        return usage_err(msg, msg_size, "Too many arguments");
    }
    const char *act = positional[0];
    if (!strcmp(act, "up")) {
        a->action = IR_ACTION_UP;
    } else if (!strcmp(act, "down")) {
        a->action = IR_ACTION_DOWN;
    } else if (!strcmp(act, "rewrite") || !strcmp(act, "rewrite-configuration")) {
        a->action = IR_ACTION_REWRITE;
    } else {
        return usage_err(msg, msg_size, "Unknown action \"%s\"", act);
    }
    if ((a->session || a->pif) && a->pif_uuid) {
        return usage_err(msg, msg_size, "--session/--pif and --pif-uuid are mutually exclusive.");
    }
    if ((a->session && !a->pif) || (!a->session && a->pif)) {
        return usage_err(msg, msg_size, "--session and --pif must be used together.");
    }
    if (a->force && (a->session || a->pif || a->pif_uuid)) {
        return usage_err(msg, msg_size,
                         "--force is mutually exclusive with --session, --pif and --pif-uuid");
    }
    if (rewrite_cfg && !(a->force && a->action == IR_ACTION_REWRITE)) {
        return usage_err(msg, msg_size,
                         "\"--force rewrite\" needed for --device, --mode, --ip, --netmask, "
                         "and --gateway");
    }
    if (a->action == IR_ACTION_REWRITE && (a->pif || a->pif_uuid)) {
        return usage_err(msg, msg_size, "rewrite action does not take --pif or --pif-uuid");
    }
    if (a->action != IR_ACTION_REWRITE && !a->force && !a->pif && !a->pif_uuid) {
        return usage_err(msg, msg_size, "No PIF given");
    }
    if (a->force && a->action == IR_ACTION_REWRITE) {
        if (!a->mode || !a->mac || !a->device) {
            return usage_err(msg, msg_size, "Please supply --mode, --mac and --device");
        }
        if (!strcmp(a->mode, "static")) {
            if (!a->netmask || !a->ip) {
                return usage_err(msg, msg_size, "Please supply --netmask and --ip");
            }
        } else if (strcmp(a->mode, "dhcp")) {
            return usage_err(msg, msg_size, "--mode must be either static or dhcp");
        }
    }
    return 0;
}
