/* setup-vif-rules: the Linux bridge backend (ebtables rules and bridge
 * membership, spec §3.1 "Bridge mode") and the helpers both backends share.
 * ebtables runs as a child process (there is no library interface to its
 * nf_tables translation), serialised by the lock file the originals use. */
#include "svr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "vifrules.h"

void svr_dry_flush(struct svr *s)
{
    if (s->dry.len) {
        fputs(sbuf_str(&s->dry), stdout);
        fflush(stdout);
    }
    sbuf_reset(&s->dry);
}

/* ---- links ---------------------------------------------------------------------------- */

int svr_link_set(struct svr *s, bool up)
{
    /* clear runs when the netback device may already be gone: that is not an error, and is
     * checked first so that it is not logged as one. */
    if (!s->filter && lnk_exists(s->lnk, s->vif) == -ENODEV) {
        xlog_info("%s does not exist any more; nothing to bring %s", s->vif, up ? "up" : "down");
        return 0;
    }
    return lnk_set_up(s->lnk, s->vif, up);
}

/* ---- Linux bridge --------------------------------------------------------------------- */

/* ebtables is not safe to run concurrently: an exclusive lockf() on the lock file, retried
 * every second as the original does.  Returns the descriptor or a negative errno. */
static int ebtables_lock(void)
{
    char *path = paths_get(PATHS_EBTABLES_LOCK), *dir = NULL, *slash;
    int fd = -ENOMEM;

    if (!path || !(dir = strdup(path))) {
        goto out;
    }
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        fsu_mkdir_p(dir, 0755);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fd = -errno;
        xlog_err("cannot open %s: %s", path, strerror(-fd));
        goto out;
    }
    xlog_info("attempting to acquire lock %s", path);
    while (lockf(fd, F_TLOCK, 0) < 0) {
        xlog_info("failed to acquire lock %s because '%s' - waiting 1 second", path,
                  strerror(errno));
        sleep(1);
    }
    xlog_info("acquired lock %s", path);
out:
    free(dir);
    free(path);
    return fd;
}

/* Runs one ebtables command.  probe: the `-L <chain>` existence test, whose failure is the
 * normal "no such chain" answer, so it is logged at debug and its listing discarded. */
static int ebtables_run(struct svr *s, char *const *argv, bool probe)
{
    struct exec_cmd cmd = {.argv = (const char *const *)argv,
                           .flags = (s->dry_run ? EXEC_DRY_RUN : 0) | (probe ? EXEC_QUIET : 0)};
    struct exec_output out = {NULL, 0};
    int r;

    svr_dry_flush(s);
    r = exec_run(&cmd, probe ? &out : NULL);
    exec_output_free(&out);
    return r;
}

/* Removes the VIF's chain and the jumps to it, if the chain exists. */
static int ebtables_clear(struct svr *s)
{
    struct vfr_cmds cmds = {NULL, 0};
    char chain[32];
    char *list[] = {"ebtables", "-L", chain, NULL};
    int r;

    vfr_ebtables_chain(s->vif, chain);
    if (ebtables_run(s, list, true) != 0) {
        return 0;
    }
    r = vfr_ebtables_clear(s->vif, &cmds);
    for (size_t i = 0; r == 0 && i < cmds.n; i++) {
        int rc = ebtables_run(s, cmds.cmd[i].v, false);

        /* A missing jump is tolerated (a half-made chain from an interrupted run); a chain
         * that cannot be flushed or deleted is an error. */
        if (rc != 0 && i >= 2) {
            xlog_err("cannot remove ebtables chain %s (%d)", chain, rc);
            r = rc < 0 ? rc : -EIO;
        }
    }
    vfr_cmds_free(&cmds);
    return r;
}

static int ebtables_create(struct svr *s)
{
    struct vfr_cmds cmds = {NULL, 0};
    int r = vfr_ebtables_rules(&s->cfg.lock, s->vif, &cmds);

    for (size_t i = 0; r == 0 && i < cmds.n; i++) {
        int rc = ebtables_run(s, cmds.cmd[i].v, false);

        if (rc != 0) {
            xlog_err("ebtables rule %zu of %s failed (%d)", i + 1, s->vif, rc);
            r = rc < 0 ? rc : -EIO;
        }
    }
    vfr_cmds_free(&cmds);
    if (r < 0 && !s->dry_run) {
        ebtables_clear(s);
    }
    return r;
}

int svr_bridge_mode(struct svr *s)
{
    char master[16] = "";
    bool add = s->filter && s->cfg.lock.mode != VFR_DISABLED;
    int fd = -1, r;

    if (!s->dry_run) {
        fd = ebtables_lock();
        if (fd < 0) {
            return fd;
        }
    }
    r = svr_link_set(s, false);
    if (r == 0) {
        r = ebtables_clear(s);
    }
    if (r == 0 && !s->legacy) {
        /* brctl delif <bridge-of-vif> <vif>: start from a VIF on no bridge. */
        r = lnk_get_master(s->lnk, s->vif, master);
        if (r == -ENODEV && !s->filter) {
            r = 0;
        } else if (r == 0 && master[0]) {
            r = lnk_set_master(s->lnk, s->vif, NULL);
        }
    }
    if (r == 0 && add && !s->legacy) {
        r = lnk_set_bridge_fd(s->lnk, s->cfg.bridge, 0);
        if (r == 0) {
            r = lnk_set_master(s->lnk, s->vif, s->cfg.bridge);
        }
    }
    if (r == 0 && s->filter && s->cfg.lock.mode == VFR_LOCKED) {
        r = ebtables_create(s);
        if (r < 0 && !s->legacy && !s->dry_run) {
            lnk_set_master(s->lnk, s->vif, NULL);
        }
    }
    /* Current XenServer brings every netback up (CA-225971); the legacy script left a
     * disabled VIF down. */
    if (r == 0 && !(s->legacy && s->filter && s->cfg.lock.mode == VFR_DISABLED)) {
        r = svr_link_set(s, true);
    }
    if (fd >= 0) {
        close(fd);
    }
    return r;
}
