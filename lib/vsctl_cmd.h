/* xvs-vsctl's command language: the command table, splitting a command line
 * into commands joined by "--" (each with its own --options), and running
 * them against a database view (vsctl_db.h).  Running is pure: the commands
 * read and change the in-memory view and write their output to buffers;
 * main.c turns the result into one transaction. */
#ifndef XVS_VSCTL_CMD_H
#define XVS_VSCTL_CMD_H

#include <jansson.h>
#include <stdbool.h>

#include "sbuf.h"
#include "vsctl_db.h"
#include "vsctl_value.h"

/* One parsed command: its options (JSON object name -> value string, "" when none) and
 * arguments, argv[0] being the command name. */
struct vcmd {
    json_t *options;
    int argc;
    char **argv;
    const struct vcmd_def *def;
    struct sbuf output;
};

/* The state commands share while they run. */
struct vctx {
    struct vdb *db;
    struct vval_symtab syms;
    struct vcmd *cmd;  /* The command running now. */
    char *err;         /* First error (malloc'd); commands return -EINVAL after setting it. */
    int exit_code;     /* Non-error exit status a command asks for (br-exists: 2). */
    char ovs_uuid[37]; /* The Open_vSwitch row. */
};

typedef int (*vcmd_fn)(struct vctx *ctx);

struct vcmd_def {
    const char *name;
    int min_args, max_args; /* Not counting the name; max -1 = unlimited. */
    const char *options;    /* Accepted options, e.g. "--may-exist,--if-exists". */
    vcmd_fn run;
    bool writes; /* False for pure queries. */
};

/* Parses argv (after the global options; argv[0] is the first command or "--") into commands.
 * "leading" are options seen among the global ones that belong to the first command (a JSON
 * object, borrowed, may be NULL).  Returns 0 with *cmds / *n (free with vcmd_free_all) or -EINVAL
 * with *err. */
int vcmd_parse(int argc, char **argv, const json_t *leading, struct vcmd **cmds, size_t *n,
               char **err);
void vcmd_free_all(struct vcmd *cmds, size_t n);
/* True if "opt" (e.g. "--may-exist") is a command option of some command. */
bool vcmd_is_command_option(const char *opt);

/* Runs every command against db (loaded).  Returns 0, or -EINVAL with ctx->err set.  Outputs stay
 * in each cmds[i].output.  ctx is initialised here; free it with vctx_clear(). */
int vcmd_run_all(struct vdb *db, struct vcmd *cmds, size_t n, struct vctx *ctx);
void vctx_clear(struct vctx *ctx);

/* Helpers shared by the command modules. */
int vctx_fail(struct vctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool vctx_opt(const struct vctx *ctx, const char *name);
const char *vctx_opt_value(const struct vctx *ctx, const char *name);
/* Fails (error set, -EINVAL) if a column is read-only for existing rows ("mutable": false). */
int vctx_check_mutable(struct vctx *ctx, const char *table, const char *column);
/* Parses a column[:key]=value setting and applies it to a row, as "set" does. */
int vctx_set_column(struct vctx *ctx, const char *table, const char *uuid, const char *arg);

/* Command handlers (vsctl_bridge.c, vsctl_ctl.c, vsctl_generic.c, vsctl_show.c).  Each runs
 * ctx->cmd against ctx->db, appending output to ctx->cmd->output; returns 0, or -EINVAL (or
 * -ENOMEM) with ctx->err set to ovs-vsctl's message for the failure. */
int vcmd_init(struct vctx *ctx);
int vcmd_add_br(struct vctx *ctx);
int vcmd_del_br(struct vctx *ctx);
int vcmd_list_br(struct vctx *ctx);
int vcmd_br_exists(struct vctx *ctx);
int vcmd_br_to_vlan(struct vctx *ctx);
int vcmd_br_to_parent(struct vctx *ctx);
int vcmd_br_set_external_id(struct vctx *ctx);
int vcmd_br_get_external_id(struct vctx *ctx);
int vcmd_add_port(struct vctx *ctx);
int vcmd_add_bond(struct vctx *ctx);
int vcmd_del_port(struct vctx *ctx);
int vcmd_list_ports(struct vctx *ctx);
int vcmd_list_ifaces(struct vctx *ctx);
int vcmd_iface_to_br(struct vctx *ctx);
int vcmd_port_to_br(struct vctx *ctx);
int vcmd_set_fail_mode(struct vctx *ctx);
int vcmd_get_fail_mode(struct vctx *ctx);
int vcmd_del_fail_mode(struct vctx *ctx);
int vcmd_set_controller(struct vctx *ctx);
int vcmd_get_controller(struct vctx *ctx);
int vcmd_del_controller(struct vctx *ctx);
int vcmd_set_manager(struct vctx *ctx);
int vcmd_get_manager(struct vctx *ctx);
int vcmd_del_manager(struct vctx *ctx);
int vcmd_set_ssl(struct vctx *ctx);
int vcmd_get_ssl(struct vctx *ctx);
int vcmd_del_ssl(struct vctx *ctx);
int vcmd_emer_reset(struct vctx *ctx);
int vcmd_show(struct vctx *ctx);
int vcmd_get(struct vctx *ctx);
int vcmd_list(struct vctx *ctx);
int vcmd_find(struct vctx *ctx);
int vcmd_set(struct vctx *ctx);
int vcmd_add(struct vctx *ctx);
int vcmd_remove(struct vctx *ctx);
int vcmd_clear(struct vctx *ctx);
int vcmd_create(struct vctx *ctx);
int vcmd_destroy(struct vctx *ctx);

#endif
