/* Running an ovs-vsctl command line in-process, as ONE guarded OVSDB
 * transaction: the engine of xvs-vsctl (vsctl_cmd.h, vsctl_db.h) behind one
 * call, for the host programs (vif, setup-vif-rules, interface-reconfigure,
 * the cfg-update plugin) that the originals wrote as `ovs-vsctl` lines.  The
 * line is also what they log and what --dry-run prints, so an admin reads
 * the familiar form. */
#ifndef XVS_VSCTL_RUN_H
#define XVS_VSCTL_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "ovsdb_client.h"
#include "sbuf.h"

struct vrun_opts {
    /* Print the line (to dry_out, or stdout when NULL) and touch nothing; the database is
     * not even read, so outputs are empty. */
    bool dry_run;
    struct sbuf *dry_out;
    /* After a change, wait until the switch daemon has applied it (Open_vSwitch next_cfg /
     * cur_cfg, as ovs-vsctl does without --no-wait).  Needed before reading an ofport. */
    bool wait;
    /* Bounds the wait and every request (ms, -1 = none). */
    int timeout_ms;
    /* Program name for the transaction's comment (e.g. "vif"); NULL = "xvs". */
    const char *who;
    /* ovs-vsctl's own --dry-run: read the database and run the commands (outputs are set), but
     * send nothing; the transaction that would have been sent goes to dry_out (or stderr) as
     * JSON. */
    bool no_commit;
};

/* Connects to remote ("unix:PATH", "tcp:IP:PORT"), or, when NULL, to ovs-vsctl's default:
 * unix:$OVS_RUNDIR/db.sock when OVS_RUNDIR is set, else unix:<root>/var/run/openvswitch/db.sock.  0
 * with *out or a negative errno (logged). */
int vrun_connect(const char *remote, int timeout_ms, struct ovsdbc **out);

/* The socket vrun_connect(NULL, ...) uses: $OVS_RUNDIR/db.sock when OVS_RUNDIR is set, else
 * <root>/var/run/openvswitch/db.sock.  Malloc'd; NULL when out of memory. */
char *vrun_default_socket(void);

/* Runs argv[0..argc) — commands joined by "--", each with its own options, exactly as after
 * ovs-vsctl's global options — against conn as one transaction, retried from a fresh read
 * when a concurrent change trips its guards.  The line is logged (info) as
 * "ovs-vsctl <args>".  outputs (may be NULL) receives one malloc'd string per command (free
 * with vrun_free_outputs), created rows' uuids already the server's.  Returns 0, or the positive
 * exit status a query asks for (br-exists of a missing bridge: 2); -EINVAL for
 * a command error (ovs-vsctl's message); -EPROTO for a transaction the server refused;
 * -ETIMEDOUT; other negative errno.  On failure the one-line reason goes to *err (malloc'd)
 * when err is non-NULL, else it is logged. */
int vrun_exec(struct ovsdbc *conn, int argc, char **argv, const struct vrun_opts *o,
              char ***outputs, size_t *n_outputs, char **err);
void vrun_free_outputs(char **outputs, size_t n);

/* Waits until the switch daemon has applied configuration number next_cfg (Open_vSwitch
 * cur_cfg >= next_cfg), as ovs-vsctl does after a change; timeout_ms -1 = no bound.  Returns 0,
 * -ETIMEDOUT, or another negative errno, with the reason in *err (malloc'd). */
int vrun_wait_applied(struct ovsdbc *conn, long long next_cfg, int timeout_ms, char **err);

/* Appends "ovs-vsctl" and argv, each argument shell-quoted when it needs it. */
int vrun_format(struct sbuf *out, int argc, char *const *argv);

#endif
