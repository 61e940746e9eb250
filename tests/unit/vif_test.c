/* Unit tests for the vif hotplug program's logic (libexec/vif/vif.c), run
 * against the in-memory xenstore and link fakes, the recording exec fake and
 * vsctl_run's dry run, so every xenstore write, link change, ovs-vsctl line
 * and child command is checked exactly, with no real system touched. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fsutil.h"
#include "lnk.h"
#include "log.h"
#include "paths.h"
#include "sbuf.h"
#include "../../libexec/vif/vif.h"
#include "xsc.h"

#define VMU  "11111111-2222-3333-4444-555555555555"
#define FINU "99999999-8888-7777-6666-555555555555"
#define VIFU "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define NETU "12345678-1234-1234-1234-123456789abc"
#define PRIV "/xapi/" VMU "/private/vif/0"
#define HOTP "/xapi/" VMU "/hotplug/5/vif/0"
#define BACK "/local/domain/0/backend/vif/5/0"

struct fx {
    struct xsc *xs;
    struct lnk *lnk;
    struct sbuf vsctl;
    struct exec_fake ex;
    struct vif_ctx c;
    size_t seed_len; /* xenstore journal bytes written by the seeding */
    char dir[64];    /* temporary root prefix; holds the setup-vif-rules program */
    char prog[128];
    char hook[128];
};

static void put(struct fx *f, const char *path, const char *value)
{
    assert_int_equal(xsc_write(f->xs, path, value), 0);
}

static void write_exe(const char *path)
{
    static const char text[] = "#!/bin/sh\nexit 0\n";

    assert_int_equal(fsu_write_atomic(path, text, sizeof(text) - 1, 0755), 0);
}

/* The keys xenopsd writes for a VIF of domain 5, device 0, in the current layout. */
static void seed_current(struct fx *f)
{
    put(f, "/local/domain/5/vm", "/vm/" VMU);
    put(f, "/vm/" VMU "/uuid", VMU);
    put(f, PRIV "/bridge-MAC", "fe:ff:ff:ff:ff:ff");
    put(f, PRIV "/bridge", "xenbr0");
    put(f, PRIV "/MTU", "1500");
    put(f, PRIV "/trunks", "");
    put(f, PRIV "/xenopsd-backend", "classic");
    put(f, PRIV "/setup-vif-rules", f->prog);
    put(f, PRIV "/vif-uuid", VIFU);
    put(f, PRIV "/network-uuid", NETU);
    put(f, PRIV "/other-config/ethtool-tx", "off");
    put(f, BACK "/mac", "00:16:3e:00:00:01");
}

/* The keys of the old, domid-keyed layout. */
static void seed_legacy(struct fx *f)
{
    put(f, "/local/domain/5/vm", "/vm/" VMU);
    put(f, "/vm/" VMU "/uuid", VMU);
    put(f, "/xapi/5/private/vif/0/bridge-MAC", "fe:ff:ff:ff:ff:ff");
    put(f, "/xapi/5/private/vif/0/bridge", "xenbr0");
    put(f, "/xapi/5/private/vif/0/vif-uuid", VIFU);
    put(f, "/xapi/5/private/vif/0/network-uuid", NETU);
    put(f, "/local/domain/5/device/vif/0/mac", "00:16:3E:00:00:01");
    put(f, BACK "/mac", "00:16:3e:00:00:01");
}

static void mark(struct fx *f)
{
    f->seed_len = strlen(xsc_fake_journal(f->xs));
}

static const char *xs_journal(struct fx *f)
{
    return xsc_fake_journal(f->xs) + f->seed_len;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    strcpy(f->dir, "/tmp/vif_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->prog, sizeof(f->prog), "%s/setup-vif-rules", f->dir);
    snprintf(f->hook, sizeof(f->hook), "%s%s", f->dir, PATHS_VIF_HOOK);
    write_exe(f->prog);
    assert_int_equal(paths_init(f->dir), 0);
    assert_int_equal(xsc_fake_new(&f->xs), 0);
    assert_int_equal(lnk_fake_new(&f->lnk), 0);
    assert_int_equal(lnk_fake_add_device(f->lnk, "vif5.0", 17), 0);
    assert_int_equal(lnk_fake_add_device(f->lnk, "tap5.0", 18), 0);
    sbuf_init(&f->vsctl);
    exec_fake_install(&f->ex, NULL, 0);
    f->c.xs = f->xs;
    f->c.lnk = f->lnk;
    f->c.vopts.dry_run = true;
    f->c.vopts.dry_out = &f->vsctl;
    f->c.vopts.timeout_ms = 30000;
    f->c.mode = NETMODE_OPENVSWITCH;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char path[256];

    exec_fake_free(&f->ex);
    xsc_close(f->xs);
    lnk_close(f->lnk);
    sbuf_free(&f->vsctl);
    unlink(f->prog);
    unlink(f->hook);
    snprintf(path, sizeof(path), "%s/etc/xapi.d", f->dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/etc", f->dir);
    rmdir(path);
    rmdir(f->dir);
    paths_init("/");
    free(f);
    return 0;
}

static void install_hook(struct fx *f)
{
    char dir[160];

    snprintf(dir, sizeof(dir), "%s/etc/xapi.d", f->dir);
    assert_int_equal(fsu_mkdir_p(dir, 0755), 0);
    write_exe(f->hook);
}

static void use_rules(struct fx *f, const struct exec_fake_rule *rules, size_t n)
{
    exec_fake_free(&f->ex);
    exec_fake_install(&f->ex, rules, n);
}

/* "<prog> classic <dev> <uuid> 0 <what>\n" */
static char *rules_line(struct fx *f, const char *dev, const char *what)
{
    char *s = NULL;

    assert_true(asprintf(&s, "%s classic %s " VMU " 0 %s\n", f->prog, dev, what) > 0);
    return s;
}

static void assert_exec_log(struct fx *f, const char *l1, const char *l2)
{
    char *a = rules_line(f, "vif5.0", l1), *b = l2 ? rules_line(f, "vif5.0", l2) : strdup("");
    struct sbuf want = SBUF_INIT;

    sbuf_addf(&want, "%s%s", a, b);
    assert_string_equal(sbuf_str(&f->ex.log), sbuf_str(&want));
    sbuf_free(&want);
    free(a);
    free(b);
}

static const char link_prep_vif[] = "ip link set dev vif5.0 down\n"
                                    "ip link set dev vif5.0 arp off\n"
                                    "ip link set dev vif5.0 address fe:ff:ff:ff:ff:ff\n"
                                    "ip addr flush dev vif5.0\n";

static void test_online_ovs(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "write " HOTP "/vif-ifindex 17\n"
                                       "write " HOTP "/vif vif5.0\n"
                                       "write " HOTP "/hotplug online\n"
                                       "write " BACK "/hotplug-status connected\n");
    assert_string_equal(lnk_fake_journal(f->lnk), "ethtool -K vif5.0 tx off\n"
                                                  "ip link set dev vif5.0 mtu 1500\n"
                                                  "ip link set dev vif5.0 down\n"
                                                  "ip link set dev vif5.0 arp off\n"
                                                  "ip link set dev vif5.0 address "
                                                  "fe:ff:ff:ff:ff:ff\n"
                                                  "ip addr flush dev vif5.0\n");
    assert_exec_log(f, "filter", NULL);
    assert_string_equal(sbuf_str(&f->vsctl), "ovs-vsctl --if-exists clear Port vif5.0 trunks\n");
}

static void test_online_bridge(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};
    struct sbuf want = SBUF_INIT;

    seed_current(f);
    put(f, PRIV "/trunks", "10,20");
    put(f, PRIV "/other-config/promiscuous", "on");
    put(f, PRIV "/MTU", "9000");
    mark(f);
    f->c.mode = NETMODE_BRIDGE;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "write " HOTP "/vif-ifindex 17\n"
                                       "write " HOTP "/vif vif5.0\n"
                                       "write " HOTP "/hotplug online\n"
                                       "write " BACK "/hotplug-status connected\n");
    sbuf_addf(&want, "ethtool -K vif5.0 tx off\nip link set dev vif5.0 mtu 9000\n%s%s",
              link_prep_vif, "ip link set dev vif5.0 promisc on\n");
    assert_string_equal(lnk_fake_journal(f->lnk), sbuf_str(&want));
    assert_exec_log(f, "filter", NULL);
    /* Trunks are not supported by the Linux bridge: no database touched. */
    assert_string_equal(sbuf_str(&f->vsctl), "");
    sbuf_free(&want);
}

static void test_online_trunks_and_backend_bridge(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    put(f, PRIV "/trunks", "[10, 20,4095]");
    /* The backend's bridge key wins over $PRIVATE/bridge; a bad one is refused. */
    put(f, BACK "/bridge", "xenbr1");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(sbuf_str(&f->vsctl),
                        "ovs-vsctl --if-exists set Port vif5.0 trunks=[10,20,4095]\n");
    put(f, BACK "/bridge", "bad;name");
    mark(f);
    assert_int_not_equal(vif_run(&f->c, &req), 0);
    assert_non_null(strstr(xs_journal(f), "write " BACK "/hotplug-error Invalid bridge name"));
}

static void test_tap_add(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_TAP, 5, 0, VIF_ACT_ADD};
    char *want;

    seed_current(f);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "write " HOTP "/tap-ifindex 18\n");
    assert_string_equal(lnk_fake_journal(f->lnk), "ip link set dev tap5.0 mtu 1500\n"
                                                  "ip link set dev tap5.0 down\n"
                                                  "ip link set dev tap5.0 arp off\n"
                                                  "ip link set dev tap5.0 address "
                                                  "fe:ff:ff:ff:ff:ff\n"
                                                  "ip addr flush dev tap5.0\n");
    want = rules_line(f, "tap5.0", "filter");
    assert_string_equal(sbuf_str(&f->ex.log), want);
    free(want);
    assert_string_equal(sbuf_str(&f->vsctl), "ovs-vsctl --if-exists clear Port tap5.0 trunks\n");
}

static void test_tap_error_goes_to_vif_backend(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_TAP, 5, 0, VIF_ACT_ADD};

    seed_current(f);
    assert_int_equal(xsc_rm(f->xs, PRIV "/MTU"), 0);
    mark(f);
    assert_int_not_equal(vif_run(&f->c, &req), 0);
    /* Q19: the tap twin's error lands under the VIF's backend, not under "/hotplug-error". */
    assert_string_equal(xs_journal(f),
                        "write " BACK "/hotplug-error Failed to read " PRIV "/MTU from xenstore\n");
}

static void test_remove(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_REMOVE};

    seed_current(f);
    install_hook(f);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "rm " HOTP "/vif-ifindex\n"
                                       "rm " BACK "/hotplug-status\n"
                                       "rm " HOTP "/hotplug\n");
    {
        char *a = rules_line(f, "vif5.0", "clear");
        struct sbuf want = SBUF_INIT;

        sbuf_addf(&want, "%s%s -action remove -vifuuid " VIFU " -vmuuid " VMU "\n", a,
                  PATHS_VIF_HOOK);
        assert_string_equal(sbuf_str(&f->ex.log), sbuf_str(&want));
        sbuf_free(&want);
        free(a);
    }
    assert_string_equal(lnk_fake_journal(f->lnk), "");
    assert_string_equal(sbuf_str(&f->vsctl), "");
}

static void test_remove_domain_gone(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_REMOVE};

    seed_current(f);
    assert_int_equal(xsc_rm(f->xs, "/local/domain/5"), 0);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "");
    assert_int_equal(f->ex.calls, 0);
}

static void test_move(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_MOVE};

    seed_current(f);
    put(f, PRIV "/bridge", "xenbr2");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "write " HOTP "/vif-ifindex 17\n");
    assert_string_equal(lnk_fake_journal(f->lnk), link_prep_vif);
    assert_exec_log(f, "filter", NULL);
    assert_string_equal(sbuf_str(&f->vsctl), "ovs-vsctl --if-exists clear Port vif5.0 trunks\n");
}

static void test_missing_mtu(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    assert_int_equal(xsc_rm(f->xs, PRIV "/MTU"), 0);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -ENOENT);
    assert_string_equal(xs_journal(f),
                        "write " BACK "/hotplug-error Failed to read " PRIV "/MTU from xenstore\n");
    assert_int_equal(f->ex.calls, 0);
}

static void test_missing_bridge(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    assert_int_equal(xsc_rm(f->xs, PRIV "/bridge"), 0);
    mark(f);
    assert_int_not_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "write " BACK "/hotplug-error Failed to read " PRIV
                                       "/bridge from xenstore\n");
    assert_int_equal(f->ex.calls, 0);
    assert_string_equal(sbuf_str(&f->vsctl), "");
}

static void test_missing_trunks_undoes(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    assert_int_equal(xsc_rm(f->xs, PRIV "/trunks"), 0);
    mark(f);
    assert_int_not_equal(vif_run(&f->c, &req), 0);
    /* The filter had succeeded: it is cleared again, the ifindex key removed, and only then
     * is the error written. */
    assert_exec_log(f, "filter", "clear");
    assert_string_equal(xs_journal(f), "write " HOTP "/vif-ifindex 17\n"
                                       "rm " HOTP "/vif-ifindex\n"
                                       "write " BACK "/hotplug-error Failed to read " PRIV
                                       "/trunks from xenstore\n");
}

static void test_bad_trunks(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    put(f, PRIV "/trunks", "1,4096");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -EINVAL);
    assert_non_null(strstr(xs_journal(f), "hotplug-error Invalid VLAN list in " PRIV "/trunks"));
    assert_exec_log(f, "filter", "clear");
    assert_string_equal(sbuf_str(&f->vsctl), "");
}

static void test_rules_fail_undoes(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};
    char *prefix = rules_line(f, "vif5.0", "filter");
    struct exec_fake_rule rules[] = {{prefix, 1, NULL}};

    prefix[strlen(prefix) - 1] = '\0';
    use_rules(f, rules, 1);
    seed_current(f);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -EIO);
    /* Whatever a failed filter left behind is cleared too. */
    assert_exec_log(f, "filter", "clear");
    {
        struct sbuf want = SBUF_INIT;

        sbuf_addf(&want,
                  "write " HOTP "/vif-ifindex 17\n"
                  "rm " HOTP "/vif-ifindex\n"
                  "write " BACK "/hotplug-error %s vif5.0 filter failed\n",
                  f->prog);
        assert_string_equal(xs_journal(f), sbuf_str(&want));
        sbuf_free(&want);
    }
    assert_string_equal(sbuf_str(&f->vsctl), "");
    free(prefix);
}

static void test_status_write_fails_undoes(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    mark(f);
    xsc_fake_fail(f->xs, BACK "/hotplug-status", -EACCES);
    assert_int_equal(vif_run(&f->c, &req), -EACCES);
    assert_exec_log(f, "filter", "clear");
    assert_string_equal(xs_journal(f), "write " HOTP "/vif-ifindex 17\n"
                                       "write " HOTP "/vif vif5.0\n"
                                       "write " HOTP "/hotplug online\n"
                                       "rm " HOTP "/vif-ifindex\n"
                                       "rm " HOTP "/vif\n"
                                       "rm " HOTP "/hotplug\n"
                                       "write " BACK "/hotplug-error Failed to write " BACK
                                       "/hotplug-status to xenstore (Permission denied)\n");
}

static void test_rules_program_checked(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    put(f, PRIV "/setup-vif-rules", "setup-vif-rules");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -EACCES);
    assert_int_equal(f->ex.calls, 0);
    assert_non_null(strstr(xs_journal(f),
                           "hotplug-error " PRIV "/setup-vif-rules does not name an executable"));
    /* Only the ifindex was written; it is taken back. */
    assert_non_null(strstr(xs_journal(f), "rm " HOTP "/vif-ifindex\n"));
}

static void test_hook_and_final_uuid(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};
    struct sbuf want = SBUF_INIT;
    char *a;

    seed_current(f);
    put(f, "/vm/" VMU "/final-uuid", FINU);
    install_hook(f);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), 0);
    /* Paths and setup-vif-rules use the domain's uuid; the hook gets the final one. */
    a = rules_line(f, "vif5.0", "filter");
    sbuf_addf(&want, "%s%s -action online -vifuuid " VIFU " -vmuuid " FINU "\n", a, PATHS_VIF_HOOK);
    assert_string_equal(sbuf_str(&f->ex.log), sbuf_str(&want));
    assert_non_null(strstr(xs_journal(f), "write " BACK "/hotplug-status connected\n"));
    free(a);
    sbuf_free(&want);

    /* A bad final-uuid is refused before anything is done. */
    put(f, "/vm/" VMU "/final-uuid", "not-a-uuid");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -EINVAL);
    assert_string_equal(xs_journal(f), "write " BACK "/hotplug-error Refusing the invalid final "
                                       "uuid in /vm/" VMU "/final-uuid\n");
}

static void test_hook_fails_after_connect(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};
    struct exec_fake_rule rules[] = {{PATHS_VIF_HOOK, 3, NULL}};

    use_rules(f, rules, 1);
    seed_current(f);
    install_hook(f);
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -EIO);
    /* The VIF is wired and reported connected: the hook's failure is reported, nothing
     * undone (no "clear"). */
    assert_null(strstr(sbuf_str(&f->ex.log), " clear\n"));
    assert_non_null(strstr(xs_journal(f), "write " BACK "/hotplug-status connected\n"
                                          "write " BACK "/hotplug-error " PATHS_VIF_HOOK
                                          " -action online failed\n"));
}

static void test_missing_vm(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    /* Without a backend directory the error is only logged, not written. */
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -ENOENT);
    assert_string_equal(xs_journal(f), "");
    put(f, BACK "/state", "2");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -ENOENT);
    assert_string_equal(xs_journal(f), "write " BACK "/hotplug-error Failed to read "
                                       "/local/domain/5/vm from xenstore\n");
    put(f, "/local/domain/5/vm", "/local/domain/0");
    mark(f);
    assert_int_equal(vif_run(&f->c, &req), -EINVAL);
    assert_string_equal(xs_journal(f), "write " BACK "/hotplug-error Refusing the invalid VM "
                                       "path in /local/domain/5/vm\n");
}

static void test_legacy_online_ovs(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_legacy(f);
    put(f, "/vm/" VMU "/final-uuid", FINU);
    mark(f);
    f->c.legacy = true;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(sbuf_str(&f->vsctl),
                        "ovs-vsctl --if-exists del-port vif5.0 -- add-port xenbr0 vif5.0"
                        " -- set interface vif5.0 external-ids:xs-vm-uuid=" FINU
                        " -- set interface vif5.0 external-ids:xs-vif-uuid=" VIFU
                        " -- set interface vif5.0 external-ids:xs-network-uuid=" NETU
                        " -- set interface vif5.0 external-ids:attached-mac=00:16:3e:00:00:01\n");
    assert_string_equal(lnk_fake_journal(f->lnk), "ip link set dev vif5.0 down\n"
                                                  "ip link set dev vif5.0 arp off\n"
                                                  "ip link set dev vif5.0 multicast off\n"
                                                  "ip link set dev vif5.0 address "
                                                  "fe:ff:ff:ff:ff:ff\n"
                                                  "ip addr flush dev vif5.0\n"
                                                  "ip link set dev vif5.0 up\n");
    assert_string_equal(xs_journal(f), "write /xapi/5/hotplug/vif/0/vif vif5.0\n"
                                       "write /xapi/5/hotplug/vif/0/hotplug online\n"
                                       "write " BACK "/hotplug-status connected\n");
    assert_int_equal(f->ex.calls, 0);
}

static void test_legacy_online_bridge(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_legacy(f);
    assert_int_equal(lnk_add_bridge(f->lnk, "xenbr0"), 0);
    put(f, "/xapi/5/private/vif/0/MTU", "1400");
    mark(f);
    f->c.legacy = true;
    f->c.mode = NETMODE_BRIDGE;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(sbuf_str(&f->vsctl), "");
    assert_string_equal(lnk_fake_journal(f->lnk), "ip link add xenbr0 type bridge\n"
                                                  "ip link set dev vif5.0 mtu 1400\n"
                                                  "ip link set dev vif5.0 down\n"
                                                  "ip link set dev vif5.0 arp off\n"
                                                  "ip link set dev vif5.0 multicast off\n"
                                                  "ip link set dev vif5.0 address "
                                                  "fe:ff:ff:ff:ff:ff\n"
                                                  "ip addr flush dev vif5.0\n"
                                                  "ip link set dev xenbr0 type bridge "
                                                  "forward_delay 0\n"
                                                  "ip link set dev vif5.0 master xenbr0\n"
                                                  "ip link set dev vif5.0 up\n");
}

static void test_legacy_remove(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_REMOVE};

    seed_legacy(f);
    mark(f);
    f->c.legacy = true;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(sbuf_str(&f->vsctl), "ovs-vsctl --if-exists del-port vif5.0\n");
    assert_string_equal(xs_journal(f), "rm /xapi/5/hotplug/vif/0/hotplug\n");
}

static void test_legacy_remove_bridge(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_REMOVE};

    seed_legacy(f);
    assert_int_equal(lnk_add_bridge(f->lnk, "xenbr0"), 0);
    assert_int_equal(lnk_set_master(f->lnk, "vif5.0", "xenbr0"), 0);
    mark(f);
    f->c.legacy = true;
    f->c.mode = NETMODE_BRIDGE;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(sbuf_str(&f->vsctl), "");
    assert_string_equal(lnk_fake_journal(f->lnk), "ip link add xenbr0 type bridge\n"
                                                  "ip link set dev vif5.0 master xenbr0\n"
                                                  "ip link set dev vif5.0 nomaster\n");
    assert_string_equal(xs_journal(f), "rm /xapi/5/hotplug/vif/0/hotplug\n");
}

static void test_report_error(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_TAP, 5, 0, VIF_ACT_ADD};

    put(f, BACK "/state", "2");
    mark(f);
    assert_int_equal(vif_report_error(&f->c, &req, "bad\nnetwork.conf"), 0);
    /* One line, under the VIF's backend even for the tap twin. */
    assert_string_equal(xs_journal(f), "write " BACK "/hotplug-error bad network.conf\n");
}

static void test_legacy_tap_add(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_TAP, 5, 0, VIF_ACT_ADD};

    seed_legacy(f);
    mark(f);
    f->c.legacy = true;
    assert_int_equal(vif_run(&f->c, &req), 0);
    /* External ids are for the vif only. */
    assert_string_equal(sbuf_str(&f->vsctl),
                        "ovs-vsctl --if-exists del-port tap5.0 -- add-port xenbr0 tap5.0\n");
    assert_string_equal(xs_journal(f), "");
}

static void test_bad_guest_mac(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};
    static const char *const bad[] = {"00:16:3e:00:00", "00:16:3e:00:00:01 -- del-br x",
                                      "zz:16:3e:00:00:01", "00-16-3e-00-00-01"};

    seed_legacy(f);
    f->c.legacy = true;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put(f, "/local/domain/5/device/vif/0/mac", bad[i]);
        mark(f);
        assert_int_equal(vif_run(&f->c, &req), -EINVAL);
        assert_string_equal(xs_journal(f), "write " BACK "/hotplug-error Refusing the invalid "
                                           "guest MAC address in "
                                           "/local/domain/5/device/vif/0/mac\n");
        assert_string_equal(sbuf_str(&f->vsctl), "");
        assert_string_equal(lnk_fake_journal(f->lnk), "");
    }
}

static void test_legacy_link_up_fails_undoes(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_legacy(f);
    mark(f);
    f->c.legacy = true;
    lnk_fake_fail(f->lnk, "vif5.0", -EPERM);
    assert_int_equal(vif_run(&f->c, &req), -EPERM);
    /* The port added in the same run is deleted again. */
    assert_non_null(strstr(sbuf_str(&f->vsctl), "add-port xenbr0 vif5.0"));
    assert_non_null(strstr(sbuf_str(&f->vsctl), "\novs-vsctl --if-exists del-port vif5.0\n"));
    assert_non_null(strstr(xs_journal(f), "hotplug-error Failed to bring vif5.0 up"));
}

static void test_noops(void **state)
{
    struct fx *f = *state;
    static const struct vif_req reqs[] = {
            {VIF_TYPE_VIF, 5, 0, VIF_ACT_BIND},    {VIF_TYPE_VIF, 5, 0, VIF_ACT_UNBIND},
            {VIF_TYPE_VIF, 5, 0, VIF_ACT_OFFLINE}, {VIF_TYPE_VIF, 5, 0, VIF_ACT_ADD},
            {VIF_TYPE_TAP, 5, 0, VIF_ACT_ONLINE},  {VIF_TYPE_TAP, 5, 0, VIF_ACT_MOVE},
    };

    mark(f);
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        assert_true(vif_is_noop(&reqs[i]));
        assert_int_equal(vif_run(&f->c, &reqs[i]), 0);
    }
    assert_string_equal(xs_journal(f), "");
    assert_string_equal(lnk_fake_journal(f->lnk), "");
    assert_int_equal(f->ex.calls, 0);
    assert_false(vif_is_noop(&(struct vif_req){VIF_TYPE_TAP, 5, 0, VIF_ACT_REMOVE}));
}

static void test_disable_udev(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};

    seed_current(f);
    put(f, "/local/domain/0/libxl/disable_udev", "1");
    mark(f);
    f->c.udev_call = true;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_string_equal(xs_journal(f), "");
    assert_int_equal(f->ex.calls, 0);
    /* Without UDEV_CALL the key does not matter. */
    f->c.udev_call = false;
    assert_int_equal(vif_run(&f->c, &req), 0);
    assert_int_equal(f->ex.calls, 1);
}

static void test_dry_run(void **state)
{
    struct fx *f = *state;
    struct vif_req req = {VIF_TYPE_VIF, 5, 0, VIF_ACT_ONLINE};
    struct sbuf out = SBUF_INIT;

    seed_current(f);
    mark(f);
    f->c.dry_run = true;
    f->c.dry_out = &out;
    assert_int_equal(vif_run(&f->c, &req), 0);
    /* Nothing written, nothing run (exec's dry run prints on stdout instead). */
    assert_string_equal(xs_journal(f), "");
    assert_int_equal(f->ex.calls, 0);
    assert_string_equal(sbuf_str(&out), "xenstore-write " HOTP "/vif-ifindex 17\n"
                                        "xenstore-write " HOTP "/vif vif5.0\n"
                                        "xenstore-write " HOTP "/hotplug online\n"
                                        "xenstore-write " BACK "/hotplug-status connected\n");
    sbuf_free(&out);
}

static void test_parse_args(void **state)
{
    struct vif_req r;
    char *msg = NULL;
    char *udev_vif[] = {"online", "type_if=vif"};
    char *udev_tap[] = {"add", "type_if=tap"};
    char *udev_bad[] = {"online", "type_if=vbd"};
    char *real[] = {"vif", "7", "3", "remove", "dummy"};
    char *real_bad[][4] = {{"vif", "0", "3", "online"},     {"vif", "07", "3", "online"},
                           {"vif", "7", "65536", "online"}, {"vif", "7", "3", "frob"},
                           {"eth", "7", "3", "online"},     {"vif", "7", "-1", "online"},
                           {"vif", "32752", "0", "online"}};
    char *few[] = {"vif", "7", "3"};

    (void)state;
    assert_int_equal(vif_parse_args(2, udev_vif, "backend/vif/12/1", NULL, &r, &msg), 0);
    assert_int_equal(r.type, VIF_TYPE_VIF);
    assert_int_equal(r.domid, 12);
    assert_int_equal(r.devid, 1);
    assert_int_equal(r.action, VIF_ACT_ONLINE);
    assert_int_equal(
            vif_parse_args(2, udev_vif, "/local/domain/0/backend/vif/12/2", NULL, &r, &msg), 0);
    assert_int_equal(r.devid, 2);
    assert_int_equal(vif_parse_args(2, udev_vif, "backend/vbd/12/1", NULL, &r, &msg), -EINVAL);
    assert_string_equal(msg, "XENBUS_PATH is not backend/vif/<domid>/<devid>");
    free(msg);
    assert_int_equal(vif_parse_args(2, udev_vif, "backend/vif/12/1/x", NULL, &r, &msg), -EINVAL);
    free(msg);
    assert_int_equal(vif_parse_args(2, udev_vif, NULL, NULL, &r, &msg), -EINVAL);
    assert_string_equal(msg, "XENBUS_PATH is not set");
    free(msg);
    assert_int_equal(vif_parse_args(2, udev_tap, NULL, "tap9.4", &r, &msg), 0);
    assert_int_equal(r.type, VIF_TYPE_TAP);
    assert_int_equal(r.domid, 9);
    assert_int_equal(r.devid, 4);
    assert_int_equal(r.action, VIF_ACT_ADD);
    assert_int_equal(vif_parse_args(2, udev_tap, NULL, "tap9.4-emu", &r, &msg), -EINVAL);
    assert_string_equal(msg, "INTERFACE is not tap<domid>.<devid>");
    free(msg);
    assert_int_equal(vif_parse_args(2, udev_bad, "backend/vif/1/0", NULL, &r, &msg), -EINVAL);
    assert_string_equal(msg, "Unknown type: vbd");
    free(msg);
    assert_int_equal(vif_parse_args(5, real, NULL, NULL, &r, &msg), 0);
    assert_int_equal(r.domid, 7);
    assert_int_equal(r.devid, 3);
    assert_int_equal(r.action, VIF_ACT_REMOVE);
    assert_int_equal(vif_parse_args(4, real, "backend/vif/7/3", NULL, &r, &msg), 0);
    assert_int_equal(vif_parse_args(4, real, "backend/vif/7/4", NULL, &r, &msg), -EINVAL);
    assert_string_equal(msg, "XENBUS_PATH does not name backend/vif/7/3");
    free(msg);
    for (size_t i = 0; i < sizeof(real_bad) / sizeof(real_bad[0]); i++) {
        assert_int_equal(vif_parse_args(4, real_bad[i], NULL, NULL, &r, &msg), -EINVAL);
        assert_non_null(msg);
        free(msg);
    }
    assert_int_equal(vif_parse_args(3, few, NULL, NULL, &r, &msg), -EINVAL);
    assert_non_null(strstr(msg, "Usage"));
    free(msg);
}

static void test_validators(void **state)
{
    unsigned char mac[6];
    char *s = NULL;

    (void)state;
    assert_int_equal(vif_parse_mac("FE:ff:00:01:a2:3B", mac), 0);
    assert_int_equal(mac[0], 0xfe);
    assert_int_equal(mac[5], 0x3b);
    assert_int_equal(vif_parse_mac("fe:ff:00:01:a2:3", mac), -EINVAL);
    assert_int_equal(vif_parse_mac("fe:ff:00:01:a2:3bb", mac), -EINVAL);
    assert_int_equal(vif_parse_mac("fe:ff:00:01:a2\n3b", mac), -EINVAL);
    assert_int_equal(vif_check_uuid(VMU), 0);
    assert_int_equal(vif_check_uuid("11111111-2222-3333-4444-55555555555g"), -EINVAL);
    assert_int_equal(vif_check_uuid("11111111-2222-3333-4444_555555555555"), -EINVAL);
    assert_int_equal(vif_parse_trunks("", &s), 0);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(vif_parse_trunks("[]", &s), 0);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(vif_parse_trunks(" [1, 2 ,3] ", &s), 0);
    assert_string_equal(s, "[1,2,3]");
    free(s);
    assert_int_equal(vif_parse_trunks("0,4095", &s), 0);
    assert_string_equal(s, "[0,4095]");
    free(s);
    assert_int_equal(vif_parse_trunks("1,", &s), -EINVAL);
    assert_int_equal(vif_parse_trunks("1,,2", &s), -EINVAL);
    assert_int_equal(vif_parse_trunks("[1,2", &s), -EINVAL);
    assert_int_equal(vif_parse_trunks("4096", &s), -EINVAL);
    assert_int_equal(vif_parse_trunks("00001", &s), -EINVAL);
    assert_int_equal(vif_parse_trunks("1;2", &s), -EINVAL);
    assert_int_equal(vif_parse_trunks("1 2", &s), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_online_ovs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_online_bridge, setup, teardown),
            cmocka_unit_test_setup_teardown(test_online_trunks_and_backend_bridge, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tap_add, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tap_error_goes_to_vif_backend, setup, teardown),
            cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
            cmocka_unit_test_setup_teardown(test_remove_domain_gone, setup, teardown),
            cmocka_unit_test_setup_teardown(test_move, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_mtu, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_bridge, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_trunks_undoes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_trunks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rules_fail_undoes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_status_write_fails_undoes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rules_program_checked, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hook_and_final_uuid, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hook_fails_after_connect, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_vm, setup, teardown),
            cmocka_unit_test_setup_teardown(test_legacy_online_ovs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_legacy_online_bridge, setup, teardown),
            cmocka_unit_test_setup_teardown(test_legacy_remove, setup, teardown),
            cmocka_unit_test_setup_teardown(test_legacy_remove_bridge, setup, teardown),
            cmocka_unit_test_setup_teardown(test_report_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_legacy_tap_add, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_guest_mac, setup, teardown),
            cmocka_unit_test_setup_teardown(test_legacy_link_up_fails_undoes, setup, teardown),
            cmocka_unit_test_setup_teardown(test_noops, setup, teardown),
            cmocka_unit_test_setup_teardown(test_disable_udev, setup, teardown),
            cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
            cmocka_unit_test(test_parse_args),
            cmocka_unit_test(test_validators),
    };

    xlog_open("vif_test", false);
    xlog_set_level(XLOG_ERR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
