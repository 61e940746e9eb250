/* interface-reconfigure's configuration files: the ConfigurationFile scheme
 * of spec §1.4 (content staged as .<name>.xapi-new, the old file kept as
 * .<name>.xapi-old until commit, revert restoring it) and the files `up`
 * writes (spec §1.6): ifcfg-<ipdev>, route-<ipdev> and the DNSDEV /
 * GATEWAYDEV lines of /etc/sysconfig/network. */
#ifndef XVS_IR_FILES_H
#define XVS_IR_FILES_H

#include <stdbool.h>

#include "ir_model.h"
#include "sbuf.h"

#define IR_MAX_FILES 8

/* The files of one action, in apply order (children before parents). */
struct ir_files {
    size_t n;
    struct ir_file {
        char path[256]; /* As logged, without the root prefix. */
        struct sbuf content;
        int state;    /* 0 staged, 1 applied, 2 committed, 3 reverted. */
        bool durable; /* fsync()ed: see ir_files_add_durable(). */
    } f[IR_MAX_FILES];
    /* Dry run: apply() prints each file's content to "dry" and touches nothing. */
    bool dry_run;
    struct sbuf *dry;
};

/* Starts an empty set; with dry_run, apply() prints to "dry" (borrowed). */
void ir_files_init(struct ir_files *fs, bool dry_run, struct sbuf *dry);
/* Frees the contents (the files on disk stay as they are).  Accepts NULL. */
void ir_files_clear(struct ir_files *fs);

/* Adds a file for "path" (absolute, unprefixed) with "content" (copied).
 * 0, -E2BIG or -ENOMEM.  The file is replaced atomically but not fsync()ed:
 * the ifcfg, route and sysconfig files are written again from the dbcache
 * by every `up`, at boot included, so a crash cannot leave a stale one that
 * matters, and each fsync() costs milliseconds (the original did none). */
int ir_files_add(struct ir_files *fs, const char *path, const char *content);
/* The same for a file that must survive a crash once applied (the dbcache
 * of a forced rewrite): its content and its link are fsync()ed. */
int ir_files_add_durable(struct ir_files *fs, const char *path, const char *content);

/* Writes "len" bytes of "data" to "path" through a temporary file renamed
 * over it, so readers see the old or the new content; with "durable" the
 * data and the folder are fsync()ed as well (fsu_write_atomic).  0 or a
 * negative errno (not logged). */
int ir_write_file(const char *path, const char *data, size_t len, bool durable);

/* Writes every .xapi-new and applies them in order, logging "Applying changes
 * to <path> configuration".  On failure the files applied so far are
 * reverted.  0 or a negative errno (logged). */
int ir_files_apply(struct ir_files *fs);
/* Restores the old files of every applied file ("Reverting changes to ..."). */
void ir_files_revert(struct ir_files *fs);
/* Removes the .xapi-old and .xapi-new files ("Committing changes to ..."). */
void ir_files_commit(struct ir_files *fs);

/* Builds the files of `up` for "pif" (spec §1.6 steps 3-4) into fs: the
 * route file, /etc/sysconfig/network when this PIF is the DNS or gateway
 * PIF, and ifcfg-<ipdev>.  "bridge_mode" selects the Linux bridge backend's
 * type lines (TYPE=Bridge, DELAY=0, STP=off, PIFDEV= for a bridged PIF),
 * else TYPE=Ethernet.  "prog" is the program name in the header comment.
 * "mgmt" is the management PIF (may be NULL).  0 or a negative errno
 * (logged). */
int ir_files_plan_up(const struct ir_model *m, const struct xapi_pif *pif,
                     const struct xapi_pif *mgmt, bool bridge_mode, const char *prog,
                     struct ir_files *fs);

/* The DNS and gateway PIFs of spec §1.6 step 4 for an `up` of "pif": the
 * first local PIF (bond masters of pif and bond slaves left out) with
 * other_config:peerdns=true / defaultroute=true, else "mgmt".  "warn" logs
 * a second peerdns PIF. */
void ir_dns_gateway_pifs(const struct ir_model *m, const struct xapi_pif *pif,
                         const struct xapi_pif *mgmt, bool warn, const struct xapi_pif **peerdns,
                         const struct xapi_pif **defroute);

/* Appends one per-device ifcfg header (spec §1.9: as ifcfg-<ipdev>'s but
 * without NOZEROCONF) for "dev" to "b". */
void ir_files_header(struct sbuf *b, const char *dev, const char *prog);

#endif
