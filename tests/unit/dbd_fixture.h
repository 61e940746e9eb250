/* A private xvs-dbd for unit tests that need a real OVSDB server: started in
 * a temporary folder before a group, stopped after it.  When the program is
 * not built the group's state is NULL and its tests skip. */
#ifndef XVS_TEST_DBD_FIXTURE_H
#define XVS_TEST_DBD_FIXTURE_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct dbd {
    char dir[64];
    char remote[128];
    pid_t pid;
};

static int dbd_start(void **state)
{
    struct dbd *d = calloc(1, sizeof(*d));
    const char *bin = getenv("XVS_BIN");
    char prog[512], db[128], listen[160];

    assert_non_null(d);
    snprintf(d->dir, sizeof(d->dir), "/tmp/vrun-test.XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    snprintf(prog, sizeof(prog), "%s/xvs-dbd", bin ? bin : "build/bin");
    snprintf(db, sizeof(db), "--db=%s/conf.db", d->dir);
    snprintf(listen, sizeof(listen), "--remote=punix:%s/db.sock", d->dir);
    snprintf(d->remote, sizeof(d->remote), "unix:%s/db.sock", d->dir);
    if (access(prog, X_OK) != 0) {
        fprintf(stderr, "SKIP: %s not built\n", prog);
        free(d);
        *state = NULL;
        return 0;
    }
    d->pid = fork();
    assert_true(d->pid >= 0);
    if (d->pid == 0) {
        execl(prog, prog, db, listen, "--no-syslog", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        char sock[128];
        struct stat st;
        snprintf(sock, sizeof(sock), "%s/db.sock", d->dir);
        if (stat(sock, &st) == 0) {
            break;
        }
        usleep(20000);
    }
    *state = d;
    return 0;
}

static int dbd_stop(void **state)
{
    struct dbd *d = *state;
    char cmd[128];

    if (!d) {
        return 0;
    }
    kill(d->pid, SIGTERM);
    waitpid(d->pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", d->dir);
    }
    free(d);
    return 0;
}

#endif
