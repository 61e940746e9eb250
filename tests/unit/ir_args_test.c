/* interface-reconfigure's argv validation (spec §1.1): every form, every
 * usage message, the exit code 2 and the GNU getopt conventions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../libexec/interface-reconfigure/ir_args.h"

struct case_ {
    const char *argv[12];
    int rc;
    const char *msg; /* Expected message for rc 2. */
};

static const struct case_ cases[] = {
        {{"--force", "xenbr2", "up"}, 0, NULL},
        {{"--force-interface=xenbr2", "down"}, 0, NULL},
        {{"up", "--force", "xenbr2", "--root-prefix=/tmp/x", "--no-syslog"}, 0, NULL},
        {{"--session", "OpaqueRef:s", "--pif", "OpaqueRef:p", "up"}, 0, NULL},
        {{"--pif-uuid", "u", "down", "--management"}, 0, NULL},
        {{"rewrite"}, 0, NULL},
        {{"rewrite-configuration"}, 0, NULL},
        {{"--force", "xenbr0", "rewrite", "--device=eth0", "--mac=00:11:22:33:44:55",
          "--mode=dhcp"},
         0,
         NULL},
        {{"--force", "xenbr0", "rewrite", "--device=eth0", "--mac=m", "--mode=static",
          "--ip=1.2.3.4", "--netmask=255.0.0.0", "--gateway=1.1.1.1"},
         0,
         NULL},
        {{"--help"}, 0, NULL},
        {{"-h", "bogus", "extra"}, 0, NULL},
        {{"--pif-u=u", "up"}, 0, NULL}, /* A unique prefix, as getopt allows. */
        {{"--forc=xenbr2", "up"}, 2, "option --forc not a unique prefix"},
        {{NULL}, 2, "Required option <action> not present"},
        {{"--force", "xenbr2"}, 2, "Required option <action> not present"},
        {{"up", "down"}, 2, "Too many arguments"},
        {{"sideways"}, 2, "Unknown action \"sideways\""},
        {{"--session", "s", "--pif", "p", "--pif-uuid", "u", "up"},
         2,
         "--session/--pif and --pif-uuid are mutually exclusive."},
        {{"--session", "s", "up"}, 2, "--session and --pif must be used together."},
        {{"--pif", "p", "up"}, 2, "--session and --pif must be used together."},
        {{"--force", "b", "--pif-uuid", "u", "up"},
         2,
         "--force is mutually exclusive with --session, --pif and --pif-uuid"},
        {{"--pif-uuid", "u", "--mode=dhcp", "up"},
         2,
         "\"--force rewrite\" needed for --device, --mode, --ip, --netmask, and --gateway"},
        {{"--force", "b", "--ip=1.2.3.4", "up"},
         2,
         "\"--force rewrite\" needed for --device, --mode, --ip, --netmask, and --gateway"},
        {{"--pif-uuid", "u", "rewrite"}, 2, "rewrite action does not take --pif or --pif-uuid"},
        {{"up"}, 2, "No PIF given"},
        {{"down", "--management"}, 2, "No PIF given"},
        {{"--force", "b", "rewrite", "--mac=m", "--mode=dhcp"},
         2,
         "Please supply --mode, --mac and --device"},
        {{"--force", "b", "rewrite", "--mac=m", "--device=eth0", "--mode=static", "--ip=1.2.3.4"},
         2,
         "Please supply --netmask and --ip"},
        {{"--force", "b", "rewrite", "--mac=m", "--device=eth0", "--mode=bootp"},
         2,
         "--mode must be either static or dhcp"},
        {{"--bogus", "up"}, 2, "option --bogus not recognized"},
        {{"-x", "up"}, 2, "option -x not recognized"},
        {{"--pif"}, 2, "option --pif requires argument"},
        {{"--management=yes", "up"}, 2, "option --management must not have an argument"},
        {{"--p=x", "up"}, 2, "option --p not a unique prefix"},
        {{"--", "--force", "up"}, 2, "Too many arguments"},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[14] = {"interface-reconfigure"};
        int argc = 1;
        struct ir_args a;
        char msg[256] = "";
        int rc;

        for (int k = 0; cases[i].argv[k]; k++) {
            argv[argc++] = (char *)cases[i].argv[k];
        }
        rc = ir_args_parse(argc, argv, &a, msg, sizeof(msg));
        if (rc != cases[i].rc || (cases[i].msg && strcmp(msg, cases[i].msg))) {
            print_error("case %zu: rc %d msg '%s'\n", i, rc, msg);
        }
        assert_int_equal(rc, cases[i].rc);
        if (cases[i].msg) {
            assert_string_equal(msg, cases[i].msg);
        }
    }
}

static void test_values(void **state)
{
    char *argv[] = {"interface-reconfigure", "up",       "--force",     "xenbr2",
                    "--root-prefix",         "/r",       "--no-syslog", "--dry-run",
                    "--management",          "--no-wait"};
    struct ir_args a;
    char msg[128];

    (void)state;
    assert_int_equal(ir_args_parse(10, argv, &a, msg, sizeof(msg)), 0);
    assert_int_equal(a.action, IR_ACTION_UP);
    assert_string_equal(a.force, "xenbr2");
    assert_string_equal(a.root_prefix, "/r");
    assert_true(a.no_syslog && a.dry_run && a.management && a.no_wait);
    assert_null(a.pif);

    char *argv2[] = {"ir",
                     "rewrite-configuration",
                     "--force-interface",
                     "xenbr0",
                     "--device",
                     "eth0",
                     "--mac",
                     "aa",
                     "--mode",
                     "static",
                     "--ip",
                     "1.2.3.4",
                     "--netmask",
                     "255.255.255.0"};
    assert_int_equal(ir_args_parse(14, argv2, &a, msg, sizeof(msg)), 0);
    assert_int_equal(a.action, IR_ACTION_REWRITE);
    assert_string_equal(a.device, "eth0");
    assert_string_equal(a.ip, "1.2.3.4");
    assert_null(a.gateway);
    assert_non_null(strstr(ir_args_usage, "--force <BRIDGE>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table),
            cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
