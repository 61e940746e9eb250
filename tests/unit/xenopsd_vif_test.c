/* Unit tests for setup-vif-rules' reader of xenopsd's VIF files
 * (libexec/setup-vif-rules/xenopsd_vif.c): the sample files of
 * tests/data/xenopsd/ for every locking mode, and malformed ones (wrong types,
 * bad MAC, bad addresses, a backend other than Local, oversized, path
 * traversal in the backend name or VM uuid), each a clean -EINVAL (or -E2BIG)
 * with a one-line reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../libexec/setup-vif-rules/xenopsd_vif.h"
#include "fsutil.h"
#include "paths.h"

#define VM "0b6a0e8c-2f5b-4f0e-9a59-6c1c3b2a1f01"

static char root[64];

static char *data_path(const char *name)
{
    const char *src = getenv("XVS_SRC");
    char *p = NULL;

    assert_true(asprintf(&p, "%s/tests/data/xenopsd/%s", src && *src ? src : ".", name) > 0);
    return p;
}

/* Parses one sample file; returns what xov_parse() returns, *err kept for the caller. */
static int parse_sample(const char *name, struct xov_vif *v, char **err)
{
    char *path = data_path(name), *text = NULL;
    size_t len = 0;
    int r;

    assert_int_equal(fsu_read_file(path, XOV_MAX_FILE, &text, &len), 0);
    *err = NULL;
    r = xov_parse(text, len, v, err);
    free(text);
    free(path);
    return r;
}

static void test_locked(void **state)
{
    struct xov_vif *v = malloc(sizeof *v);
    char *err = NULL;
    (void)state;

    assert_non_null(v);
    assert_int_equal(parse_sample("locked.json", v, &err), 0);
    assert_null(err);
    assert_string_equal(v->bridge, "xenbr0");
    assert_string_equal(v->lock.mac, "00:16:3e:5a:01:02");
    assert_int_equal(v->lock.mode, VFR_LOCKED);
    assert_int_equal(v->lock.n_ipv4, 2);
    assert_string_equal(v->lock.ipv4[0], "10.0.0.2");
    assert_string_equal(v->lock.ipv4[1], "10.0.0.3");
    assert_int_equal(v->lock.n_ipv6, 2);
    assert_string_equal(v->lock.ipv6[0], "fd00::2");
    assert_string_equal(v->lock.ipv6[1], "fd00::3");
    assert_string_equal(v->vif_uuid, "5f1c0d7e-1b7a-4b5d-8e1f-2a3b4c5d6e7f");
    assert_string_equal(v->network_uuid, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");

    assert_int_equal(parse_sample("locked-empty.json", v, &err), 0);
    assert_int_equal(v->lock.mode, VFR_LOCKED);
    assert_int_equal(v->lock.n_ipv4 + v->lock.n_ipv6, 0);

    assert_int_equal(parse_sample("locked-vlan.json", v, &err), 0);
    assert_string_equal(v->bridge, "xapi1");
    assert_int_equal(v->lock.n_ipv4, 1);
    assert_string_equal(v->lock.ipv4[0], "10.1.2.3");
    assert_int_equal(v->lock.n_ipv6, 0);
    free(v);
}

static void test_other_modes(void **state)
{
    static const struct {
        const char *file;
        enum vfr_locking mode;
    } cases[] = {
            {"unlocked.json", VFR_UNLOCKED},
            {"disabled.json", VFR_DISABLED},
            {"network_default.json", VFR_UNLOCKED},
            {"no-locking-mode.json", VFR_UNLOCKED},
    };
    struct xov_vif *v = malloc(sizeof *v);
    char *err = NULL;
    (void)state;

    assert_non_null(v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse_sample(cases[i].file, v, &err), 0);
        assert_int_equal(v->lock.mode, cases[i].mode);
        assert_int_equal(v->lock.n_ipv4 + v->lock.n_ipv6, 0);
        assert_string_equal(v->bridge, "xenbr0");
    }
    assert_int_equal(parse_sample("no-ids.json", v, &err), 0);
    assert_string_equal(v->vif_uuid, "");
    assert_string_equal(v->network_uuid, "");
    free(v);
}

static void test_malformed_files(void **state)
{
    static const struct {
        const char *file;
        const char *why; /* A part of the expected message. */
    } cases[] = {
            {"bad-backend-remote.json", "backend 'Remote' is not supported"},
            {"bad-backend-null.json", "backend is not"},
            {"bad-backend-bridge.json", "not a valid interface name"},
            {"bad-mac.json", "mac"},
            {"bad-mac-type.json", "mac"},
            {"bad-ipv4.json", "ipv4[1] '10.0.0.256' is not an IPv4 address"},
            {"bad-ipv4-type.json", "ipv4[1] is not a string"},
            {"bad-ipv4-not-array.json", "ipv4 is not an array"},
            {"bad-ipv6.json", "ipv6[0] 'fd00::2::3' is not an IPv6 address"},
            {"bad-locking-mode.json", "unknown locking_mode 'sometimes'"},
            {"bad-locking-type.json", "locking_mode is neither"},
            {"bad-locking-variant.json", "locking_mode is neither"},
            {"bad-vif-uuid.json", "vif-uuid is not a valid uuid"},
            {"bad-keys-type.json", "extra_private_keys is not an object"},
            {"bad-not-object.json", "not a JSON object"},
            {"bad-truncated.json", "not valid JSON"},
    };
    struct xov_vif *v = malloc(sizeof *v);
    (void)state;

    assert_non_null(v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        int r = parse_sample(cases[i].file, v, &err);

        if (r != -EINVAL || !err || !strstr(err, cases[i].why) || strchr(err, '\n')) {
            fail_msg("%s: r=%d err='%s', want -EINVAL with '%s'", cases[i].file, r,
                     err ? err : "(null)", cases[i].why);
        }
        free(err);
    }
    free(v);
}

static void test_malformed_text(void **state)
{
    static const char *const texts[] = {
            "",
            "{}",
            "{\"backend\": [\"Local\"], \"mac\": \"00:16:3e:00:00:01\"}",
            "{\"backend\": [\"Local\", \"xenbr0\", \"x\"], \"mac\": \"00:16:3e:00:00:01\"}",
            "{\"backend\": [\"Local\", 5], \"mac\": \"00:16:3e:00:00:01\"}",
            "{\"backend\": [\"Local\", \"a-bridge-name-too-long\"], \"mac\": "
            "\"00:16:3e:00:00:01\"}",
            "{\"backend\": [\"Local\", \"\"], \"mac\": \"00:16:3e:00:00:01\"}",
            "{\"backend\": [\"Local\", \"xenbr0\"]}",
            "{\"backend\": [\"Local\", \"xenbr0\"], \"mac\": \"00:16:3e:00:00:01\", "
            "\"locking_mode\": [\"Locked\", []]}",
            "{\"backend\": [\"Local\", \"xenbr0\"], \"mac\": \"00:16:3e:00:00:01\", "
            "\"locking_mode\": [\"Locked\", {\"ipv4\": [\"1.2.3.4/8\"]}]}",
            "{\"backend\": [\"Local\", \"xenbr0\"], \"mac\": \"00:16:3e:00:00:01\", "
            "\"extra_private_keys\": {\"network-uuid\": \"../x\"}}",
            /* Duplicate keys would make the meaning depend on the parser. */
            "{\"backend\": [\"Local\", \"xenbr0\"], \"mac\": \"00:16:3e:00:00:01\", "
            "\"mac\": \"00:16:3e:00:00:02\"}",
    };
    struct xov_vif *v = malloc(sizeof *v);
    (void)state;

    assert_non_null(v);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *err = NULL;
        int r = xov_parse(texts[i], strlen(texts[i]), v, &err);

        if (r != -EINVAL || !err || !*err) {
            fail_msg("text %zu: r=%d err='%s'", i, r, err ? err : "(null)");
        }
        free(err);
    }
    /* A minimal valid one, and NUL bytes inside the buffer. */
    {
        const char *ok = "{\"backend\": [\"Local\", \"br-1\"], \"mac\": \"00:16:3e:00:00:01\"}";

        assert_int_equal(xov_parse(ok, strlen(ok), v, NULL), 0);
        assert_string_equal(v->bridge, "br-1");
        assert_int_equal(v->lock.mode, VFR_UNLOCKED);
    }
    assert_int_equal(xov_parse("{\"mac\"\0}", 8, v, NULL), -EINVAL);
    free(v);
}

static int setup_root(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/xov-test-XXXXXX");
    assert_non_null(mkdtemp(root));
    assert_int_equal(paths_init(root), 0);
    return 0;
}

static int teardown_root(void **state)
{
    char *cmd = NULL;
    (void)state;

    assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

/* Installs sample "name" as vif.<devid> of VM in backend "classic" under the test root. */
static void install(const char *name, unsigned devid)
{
    char *src = data_path(name), *dir = NULL, *dst = NULL, *text = NULL;
    size_t len = 0;

    assert_true(asprintf(&dir, "%s/var/run/nonpersistent/xenopsd/classic/VM/" VM, root) > 0);
    assert_int_equal(fsu_mkdir_p(dir, 0755), 0);
    assert_true(asprintf(&dst, "%s/vif.%u", dir, devid) > 0);
    assert_int_equal(fsu_read_file(src, XOV_MAX_FILE, &text, &len), 0);
    assert_int_equal(fsu_write_atomic(dst, text, len, 0644), 0);
    free(text);
    free(dst);
    free(dir);
    free(src);
}

static void test_load(void **state)
{
    struct xov_vif *v = malloc(sizeof *v);
    char *err = NULL, *path = NULL;
    (void)state;

    assert_non_null(v);
    install("locked.json", 3);
    assert_int_equal(xov_load("classic", VM, 3, v, &err), 0);
    assert_null(err);
    assert_int_equal(v->lock.mode, VFR_LOCKED);
    assert_string_equal(v->bridge, "xenbr0");

    assert_int_equal(xov_path("classic", VM, 3, &path, &err), 0);
    assert_true(strncmp(path, root, strlen(root)) == 0);
    assert_string_equal(path + strlen(root),
                        "/var/run/nonpersistent/xenopsd/classic/VM/" VM "/vif.3");
    free(path);

    /* A missing file, and a malformed one with the path in the message. */
    assert_int_equal(xov_load("classic", VM, 4, v, &err), -ENOENT);
    assert_non_null(strstr(err, "vif.4: cannot read"));
    free(err);
    err = NULL;
    install("bad-mac.json", 5);
    assert_int_equal(xov_load("classic", VM, 5, v, &err), -EINVAL);
    assert_non_null(strstr(err, "vif.5: mac"));
    free(err);
    free(v);
}

static void test_path_traversal(void **state)
{
    static const char *const bad[][2] = {
            {"..", VM},         {"../classic", VM}, {"classic", "../" VM},
            {"classic/VM", VM}, {"classic", ".."},  {"", VM},
            {"classic", ""},    {"classic", "a b"}, {".classic", VM},
    };
    struct xov_vif *v = malloc(sizeof *v);
    (void)state;

    assert_non_null(v);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL, *path = NULL;

        assert_int_equal(xov_path(bad[i][0], bad[i][1], 0, &path, &err), -EINVAL);
        assert_null(path);
        assert_non_null(err);
        free(err);
        err = NULL;
        assert_int_equal(xov_load(bad[i][0], bad[i][1], 0, v, &err), -EINVAL);
        assert_non_null(err);
        free(err);
    }
    free(v);
}

static void test_oversized(void **state)
{
    char *dir = NULL, *dst = NULL, *big, *err = NULL;
    struct xov_vif *v = malloc(sizeof *v);
    size_t n = XOV_MAX_FILE + 100, len;
    (void)state;

    assert_non_null(v);
    /* Valid JSON, but far bigger than any VIF file: padded with blanks. */
    big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    len = (size_t)sprintf(big, "{\"backend\": [\"Local\", \"xenbr0\"], \"mac\": "
                               "\"00:16:3e:00:00:01\"}");
    big[len] = ' ';
    big[n] = '\0';
    assert_true(asprintf(&dir, "%s/var/run/nonpersistent/xenopsd/classic/VM/" VM, root) > 0);
    assert_int_equal(fsu_mkdir_p(dir, 0755), 0);
    assert_true(asprintf(&dst, "%s/vif.9", dir) > 0);
    assert_int_equal(fsu_write_atomic(dst, big, n, 0644), 0);
    assert_int_equal(xov_load("classic", VM, 9, v, &err), -E2BIG);
    assert_non_null(strstr(err, "larger than"));
    /* The same text, parsed directly, is fine: only the file size is bounded. */
    assert_int_equal(xov_parse(big, n, v, NULL), 0);
    free(err);
    free(big);
    free(dst);
    free(dir);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_locked),
            cmocka_unit_test(test_other_modes),
            cmocka_unit_test(test_malformed_files),
            cmocka_unit_test(test_malformed_text),
            cmocka_unit_test(test_load),
            cmocka_unit_test(test_path_traversal),
            cmocka_unit_test(test_oversized),
    };

    return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
