/* Unit tests for the write side of xvs-xapi-sim (sim_net, sim_vlan,
 * sim_bond, sim_vm, sim_plugin, sim_guest, sim_ctx, and sim_db's remove
 * and clone): calls go through sim_api_call() on a store seeded from
 * four-scenarios.dbcache, with a state file in a temporary folder, an empty
 * libexec folder (so plugging fails as it must without
 * interface-reconfigure) and a plugin folder holding small shell scripts.
 * Nothing here needs root, xenstored or network namespaces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbcache.h"
#include "exec.h"
#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "records.h"
#include "xmlrpc.h"
#include "sim/sim_api.h"
#include "sim/sim_db.h"
#include "sim/sim_guest.h"
#include "sim/sim_plugin.h"
#include "sim/sim_seed.h"

#define HOST_UUID "0c6e3e32-8d9b-4f4e-9d0a-5f0b7d6b1a01"
#define ETH0_REF  "OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372"
#define ETH4_REF  "OpaqueRef:35fe653d-5566-5bcf-a867-fab1c1ccdb0f"

struct fixture {
    struct sim_db *db;
    struct sim_api *api;
    char dir[64];
    char state[128];
    char libexec[128];
    char plugins[128];
    char session[64];
};

static char *data_path(const char *rel)
{
    const char *src = getenv("XVS_SRC");
    char *path = NULL;

    assert_true(asprintf(&path, "%s/%s", src && *src ? src : ".", rel) > 0);
    return path;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct sim_seed_info info = {HOST_UUID, NULL, "simhost"};
    char *path = data_path("tests/data/dbcache/four-scenarios.dbcache");
    struct sim_config cfg = {0};
    struct dbcache cache;
    struct xr_value *params, *res;
    char err[256] = "";

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sim_write_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->state, sizeof f->state, "%s/state", f->dir);
    snprintf(f->libexec, sizeof f->libexec, "%s/libexec", f->dir);
    snprintf(f->plugins, sizeof f->plugins, "%s/plugins", f->dir);
    assert_int_equal(mkdir(f->libexec, 0755), 0);
    assert_int_equal(mkdir(f->plugins, 0755), 0);
    snprintf(err, sizeof err, "%s/etc/xensource", f->dir);
    assert_int_equal(fsu_mkdir_p(err, 0755), 0);
    snprintf(err, sizeof err, "%s/etc/xensource/network.conf", f->dir);
    assert_int_equal(fsu_write_atomic(err, "openvswitch\n", 12, 0644), 0);
    /* The root prefix points xenstore at a socket that is not there. */
    unsetenv("XENSTORED_PATH");
    assert_int_equal(paths_init(f->dir), 0);
    dbcache_init(&cache);
    assert_int_equal(dbcache_read(path, &cache), 0);
    assert_int_equal(sim_db_new(&f->db), 0);
    if (sim_seed(f->db, &cache, &info, err, sizeof err) != 0) {
        fail_msg("seed failed: %s", err);
    }
    dbcache_clear(&cache);
    free(path);
    assert_int_equal(sim_db_save(f->db, f->state), 0);
    assert_int_equal(sim_api_new(f->db, NULL, &f->api), 0);
    cfg.state_path = f->state;
    cfg.libexec = f->libexec;
    cfg.plugins = f->plugins;
    cfg.guest_ns_prefix = "xvs-unit-";
    sim_api_configure(f->api, &cfg, NULL, NULL);
    params = xr_array();
    xr_array_append(params, xr_string("root"));
    xr_array_append(params, xr_string(""));
    res = sim_api_call(f->api, "session.login_with_password", params, SIM_ORIGIN_UNIX);
    snprintf(f->session, sizeof f->session, "%s", xr_get_string(xr_struct_get(res, "Value")));
    xr_free(params);
    xr_free(res);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];

    sim_api_free(f->api);
    sim_db_free(f->db);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Calls "method" with the session and the given arguments (taken). */
static struct xr_value *call(struct fixture *f, const char *method, int n, ...)
{
    struct xr_value *params = xr_array(), *res;
    va_list ap;

    xr_array_append(params, xr_string(f->session));
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        xr_array_append(params, va_arg(ap, struct xr_value *));
    }
    va_end(ap);
    res = sim_api_call(f->api, method, params, SIM_ORIGIN_UNIX);
    xr_free(params);
    assert_non_null(res);
    return res;
}

static const char *value_str(const struct xr_value *res)
{
    const char *status = xr_get_string(xr_struct_get(res, "Status"));

    if (!status || strcmp(status, "Success") != 0) {
        const struct xr_value *d = xr_struct_get(res, "ErrorDescription");

        fail_msg("call failed: %s %s", xr_get_string(xr_array_get(d, 0)),
                 xr_get_string(xr_array_get(d, 1)) ? xr_get_string(xr_array_get(d, 1)) : "");
    }
    return xr_get_string(xr_struct_get(res, "Value"));
}

/* Checks that "res" failed with "code" and, when given, parameters p1, p2. */
static void assert_error(struct xr_value *res, const char *code, const char *p1, const char *p2)
{
    const struct xr_value *d = xr_struct_get(res, "ErrorDescription");

    assert_string_equal(xr_get_string(xr_struct_get(res, "Status")), "Failure");
    assert_string_equal(xr_get_string(xr_array_get(d, 0)), code);
    if (p1) {
        assert_string_equal(xr_get_string(xr_array_get(d, 1)), p1);
    }
    if (p2) {
        assert_string_equal(xr_get_string(xr_array_get(d, 2)), p2);
    }
    xr_free(res);
}

/* The state file equals the live store. */
static void assert_saved(struct fixture *f)
{
    struct sim_db *disk = NULL;
    char err[256];

    assert_int_equal(sim_db_load(f->state, &disk, err, sizeof err), 0);
    assert_true(sim_db_equal(disk, f->db));
    sim_db_free(disk);
}

static struct xr_value *net_record(const char *label, const char *mtu)
{
    struct xr_value *rec = xr_struct(), *oc = xr_struct();

    xr_struct_set_string(rec, "name_label", label);
    if (mtu) {
        xr_struct_set_string(rec, "MTU", mtu);
    }
    xr_struct_set_string(oc, "k", "v");
    xr_struct_set(rec, "other_config", oc);
    return rec;
}

static void test_network_create_destroy(void **state)
{
    struct fixture *f = *state;
    struct xr_value *res = call(f, "network.create", 1, net_record("n1", "9000"));
    char ref[64];
    const struct xr_value *rec;

    snprintf(ref, sizeof ref, "%s", value_str(res));
    xr_free(res);
    rec = sim_db_get(f->db, &xapi_class_network, ref);
    assert_non_null(rec);
    assert_string_equal(xr_get_string(xr_struct_get(rec, "name_label")), "n1");
    assert_string_equal(xr_get_string(xr_struct_get(rec, "MTU")), "9000");
    assert_string_equal(xr_get_string(xr_struct_get(rec, "bridge")), "xapi4");
    assert_string_equal(xr_get_string(xr_struct_get(xr_struct_get(rec, "other_config"), "k")), "v");
    assert_saved(f);
    res = call(f, "network.add_to_other_config", 3, xr_string(ref), xr_string("k"), xr_string("w"));
    assert_error(res, "MAP_DUPLICATE_KEY", "network", "other_config");
    xr_free(call(f, "network.remove_from_other_config", 2, xr_string(ref), xr_string("k")));
    rec = sim_db_get(f->db, &xapi_class_network, ref);
    assert_int_equal(xr_struct_len(xr_struct_get(rec, "other_config")), 0);
    value_str(res = call(f, "network.destroy", 1, xr_string(ref)));
    xr_free(res);
    assert_null(sim_db_get(f->db, &xapi_class_network, ref));
    assert_saved(f);
}

static void test_errors(void **state)
{
    struct fixture *f = *state;
    struct xr_value *params = xr_array(), *res;

    assert_error(call(f, "network.destroy", 1, xr_string("OpaqueRef:x")), "HANDLE_INVALID",
                 "network", "OpaqueRef:x");
    assert_error(call(f, "VLAN.create", 2, xr_string(ETH4_REF), xr_string("5")),
                 "MESSAGE_PARAMETER_COUNT_MISMATCH", "VLAN.create", "3");
    assert_error(call(f, "VLAN.create", 3, xr_string(ETH4_REF), xr_string("4095"),
                      xr_string("OpaqueRef:nope")),
                 "HANDLE_INVALID", "network", "OpaqueRef:nope");
    assert_error(call(f, "network.create", 1, xr_string("x")), "FIELD_TYPE_ERROR", "args", NULL);
    assert_error(call(f, "network.create", 1, net_record("m", "20")), "MTU_RANGE", "20", "68");
    res = call(f, "PIF.destroy", 1, xr_string(ETH0_REF));
    assert_int_equal(xr_array_len(xr_struct_get(res, "ErrorDescription")), 1);
    assert_error(res, "PIF_IS_PHYSICAL", NULL, NULL);
    assert_error(call(f, "PIF.plug", 1, xr_string(ETH0_REF)), "CANNOT_PLUG_BOND_SLAVE", ETH0_REF,
                 NULL);
    assert_error(call(f, "PIF.reconfigure_ip", 6, xr_string(ETH4_REF), xr_string("Static"),
                      xr_string("1.2.3.4"), xr_string("255.0.0"), xr_string(""), xr_string("")),
                 "INVALID_IP_ADDRESS_SPECIFIED", "netmask", NULL);
    assert_error(call(f, "pool.set_vswitch_controller", 1, xr_int(5)), "FIELD_TYPE_ERROR",
                 "address", NULL);
    assert_error(
            call(f, "SDN_controller.introduce", 3, xr_string("tcp"), xr_string(""), xr_string("0")),
            "INVALID_VALUE", "protocol", "tcp");
    /* The vswitch controller needs the vswitch. */
    {
        char conf[160];

        snprintf(conf, sizeof conf, "%s/etc/xensource/network.conf", f->dir);
        assert_int_equal(fsu_write_atomic(conf, "bridge\n", 7, 0644), 0);
        assert_error(call(f, "pool.set_vswitch_controller", 1, xr_string("10.0.0.1")),
                     "OPERATION_NOT_ALLOWED", NULL, NULL);
    }
    /* A bad session is refused before anything runs. */
    xr_array_append(params, xr_string("OpaqueRef:stale"));
    xr_array_append(params, xr_string(ETH4_REF));
    res = sim_api_call(f->api, "PIF.plug", params, SIM_ORIGIN_UNIX);
    assert_error(res, "SESSION_INVALID", "OpaqueRef:stale", NULL);
    xr_free(params);
}

static void test_failed_call_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct xr_value *res = call(f, "network.create", 1, net_record("t", NULL));
    char *before = NULL, *after = NULL, net[64];
    size_t lb = 0, la = 0;

    snprintf(net, sizeof net, "%s", value_str(res));
    xr_free(res);
    assert_int_equal(fsu_read_file(f->state, 1 << 24, &before, &lb), 0);
    assert_error(call(f, "VLAN.create", 3, xr_string(ETH4_REF), xr_string("9999"), xr_string(net)),
                 "VLAN_TAG_INVALID", "9999", NULL);
    assert_error(call(f, "network.set_other_config", 2, xr_string(net), xr_int(1)),
                 "FIELD_TYPE_ERROR", "value", NULL);
    assert_int_equal(fsu_read_file(f->state, 1 << 24, &after, &la), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(before, after, la);
    assert_saved(f);
    free(before);
    free(after);
}

/* VLAN.create plugs the new PIF; without interface-reconfigure the call
 * fails loudly, the VLAN exists and its PIF is not attached. */
static void test_vlan_create_without_ir(void **state)
{
    struct fixture *f = *state;
    struct xr_value *res = call(f, "network.create", 1, net_record("v", NULL));
    const struct xr_value *d, *vlan, *pif;
    char net[64];

    snprintf(net, sizeof net, "%s", value_str(res));
    xr_free(res);
    res = call(f, "VLAN.create", 3, xr_string(ETH4_REF), xr_string("12"), xr_string(net));
    d = xr_struct_get(res, "ErrorDescription");
    assert_string_equal(xr_get_string(xr_array_get(d, 0)), "INTERNAL_ERROR");
    assert_non_null(strstr(xr_get_string(xr_array_get(d, 1)), "cannot run"));
    assert_non_null(strstr(xr_get_string(xr_array_get(d, 1)), "interface-reconfigure"));
    xr_free(res);
    assert_int_equal(sim_db_count(f->db, &xapi_class_vlan), 3);
    vlan = sim_db_record_at(f->db, &xapi_class_vlan, 2);
    assert_string_equal(xr_get_string(xr_struct_get(vlan, "tag")), "12");
    pif = sim_db_get(f->db, &xapi_class_pif, xr_get_string(xr_struct_get(vlan, "untagged_PIF")));
    assert_non_null(pif);
    assert_string_equal(xr_get_string(xr_struct_get(pif, "VLAN")), "12");
    assert_string_equal(xr_get_string(xr_struct_get(pif, "device")), "eth4");
    {
        bool att = true;

        assert_int_equal(xr_get_bool(xr_struct_get(pif, "currently_attached"), &att), 0);
        assert_false(att);
    }
    assert_saved(f);
}

static void check_result(struct xr_value *res, const char *status, const char *first,
                         const char *second)
{
    assert_non_null(res);
    assert_string_equal(xr_get_string(xr_struct_get(res, "Status")), status);
    if (!strcmp(status, "Success")) {
        assert_string_equal(xr_get_string(xr_struct_get(res, "Value")), first);
    } else {
        const struct xr_value *d = xr_struct_get(res, "ErrorDescription");

        assert_string_equal(xr_get_string(xr_array_get(d, 0)), first);
        if (second) {
            assert_string_equal(xr_get_string(xr_array_get(d, 1)), second);
        }
    }
    xr_free(res);
}

static void test_plugin_result(void **state)
{
    static const char ok[] = "<?xml version='1.0'?><methodResponse><params><param><value><struct>"
                             "<member><name>Status</name><value><string>Success</string></value>"
                             "</member><member><name>Value</name><value><string>yes</string>"
                             "</value></member></struct></value></param></params></methodResponse>";
    static const char bad[] = "<?xml version='1.0'?><methodResponse><params><param><value><struct>"
                              "<member><name>Status</name><value>Failure</value></member>"
                              "<member><name>ErrorDescription</name><value><array><data>"
                              "<value>E_X</value><value>p</value></data></array></value>"
                              "</member></struct></value></param></params></methodResponse>";
    static const char intval[] = "<methodResponse><params><param><value><struct>"
                                 "<member><name>Status</name><value>Success</value></member>"
                                 "<member><name>Value</name><value><int>1</int></value></member>"
                                 "</struct></value></param></params></methodResponse>";
    static const char fault[] = "<methodResponse><fault><value><struct><member><name>faultCode"
                                "</name><value><int>3</int></value></member><member><name>"
                                "faultString</name><value>boom</value></member></struct></value>"
                                "</fault></methodResponse>";

    (void)state;
    check_result(sim_plugin_result("p", 0, ok, strlen(ok)), "Success", "yes", NULL);
    check_result(sim_plugin_result("p", 0, bad, strlen(bad)), "Failure", "E_X", "p");
    check_result(sim_plugin_result("p", 0, intval, strlen(intval)), "Failure",
                 "XENAPI_PLUGIN_FAILURE", "failed to parse plugin output");
    check_result(sim_plugin_result("p", 0, "junk", 4), "Failure", "XENAPI_PLUGIN_FAILURE",
                 "failed to parse plugin output");
    check_result(sim_plugin_result("p", 0, fault, strlen(fault)), "Failure",
                 "XENAPI_PLUGIN_FAILURE", "fault");
    check_result(sim_plugin_result("p", 2, ok, strlen(ok)), "Failure", "XENAPI_PLUGIN_FAILURE",
                 "non-zero exit");
    check_result(sim_plugin_result("p", EXEC_STATUS_SIGNAL(9), "", 0), "Failure",
                 "XENAPI_PLUGIN_FAILURE", "non-zero exit");
    check_result(sim_plugin_result("p", -ENOENT, "", 0), "Failure", "XENAPI_MISSING_PLUGIN", "p");
}

static void write_script(const char *path, const char *text)
{
    assert_int_equal(fsu_write_atomic(path, text, strlen(text), 0755), 0);
}

static void test_call_plugin(void **state)
{
    struct fixture *f = *state;
    const char *host = sim_seed_host_ref(f->db);
    char path[256];
    struct xr_value *args;

    /* One argument, the methodCall; empty stdin; XVS_ROOT set. */
    snprintf(path, sizeof path, "%s/t", f->plugins);
    write_script(path, "#!/bin/sh\n"
                       "[ $# -eq 1 ] || exit 3\n"
                       "[ -z \"$(cat)\" ] || exit 4\n"
                       "case \"$1\" in *'<methodName>go</methodName>'*'>a1<'*) ;; *) exit 5;; "
                       "esac\n"
                       "printf '<methodResponse><params><param><value><struct><member><name>"
                       "Status</name><value>Success</value></member><member><name>Value</name>"
                       "<value>%s</value></member></struct></value></param></params>"
                       "</methodResponse>' \"$XVS_ROOT\"\n");
    args = xr_struct();
    xr_struct_set_string(args, "k", "a1");
    check_result(
            call(f, "host.call_plugin", 4, xr_string(host), xr_string("t"), xr_string("go"), args),
            "Success", paths_root(), NULL);
    snprintf(path, sizeof path, "%s/t2", f->plugins);
    write_script(path, "#!/bin/sh\necho half; exit 2\n");
    check_result(call(f, "host.call_plugin", 4, xr_string(host), xr_string("t2"), xr_string("go"),
                      xr_struct()),
                 "Failure", "XENAPI_PLUGIN_FAILURE", "non-zero exit");
    check_result(call(f, "host.call_plugin", 4, xr_string(host), xr_string("none"), xr_string("go"),
                      xr_struct()),
                 "Failure", "XENAPI_MISSING_PLUGIN", "none");
    check_result(call(f, "host.call_plugin", 4, xr_string(host), xr_string("/bin/true"),
                      xr_string("go"), xr_struct()),
                 "Failure", "XENAPI_MISSING_PLUGIN", "/bin/true");
}

static void test_vm_vif_records(void **state)
{
    struct fixture *f = *state;
    struct xr_value *rec = xr_struct(), *vif = xr_struct(), *res, *v4 = xr_array();
    const struct xr_value *r;
    char vm[64], vref[64], net[64];
    bool att = true;

    snprintf(net, sizeof net, "%s", sim_db_ref_at(f->db, &xapi_class_network, 0));
    xr_struct_set_string(rec, "name_label", "g1");
    res = call(f, "VM.create", 1, rec);
    snprintf(vm, sizeof vm, "%s", value_str(res));
    xr_free(res);
    r = sim_db_get(f->db, &xapi_class_vm, vm);
    assert_string_equal(xr_get_string(xr_struct_get(r, "power_state")), "Halted");
    assert_string_equal(xr_get_string(xr_struct_get(r, "domid")), "-1");
    xr_struct_set_string(vif, "device", "0");
    xr_struct_set_string(vif, "network", net);
    xr_struct_set_string(vif, "VM", vm);
    xr_array_append(v4, xr_string("10.0.0.1"));
    xr_struct_set(vif, "ipv4_allowed", v4);
    res = call(f, "VIF.create", 1, vif);
    snprintf(vref, sizeof vref, "%s", value_str(res));
    xr_free(res);
    r = sim_db_get(f->db, &xapi_class_vif, vref);
    assert_string_equal(xr_get_string(xr_struct_get(r, "locking_mode")), "network_default");
    assert_int_equal(strlen(xr_get_string(xr_struct_get(r, "MAC"))), 17);
    assert_string_equal(xr_get_string(xr_struct_get(r, "MTU")), "1500");
    assert_string_equal(xr_get_string(xr_array_get(xr_struct_get(r, "ipv4_allowed"), 0)),
                        "10.0.0.1");
    xr_free(call(f, "VIF.set_locking_mode", 2, xr_string(vref), xr_string("locked")));
    r = sim_db_get(f->db, &xapi_class_vif, vref);
    assert_string_equal(xr_get_string(xr_struct_get(r, "locking_mode")), "locked");
    assert_error(call(f, "VIF.plug", 1, xr_string(vref)), "VM_BAD_POWER_STATE", vm, "running");
    /* No xenstored in the root: the start fails cleanly and the VM stays
     * halted. */
    res = call(f, "VM.start", 3, xr_string(vm), xr_bool(false), xr_bool(false));
    assert_string_equal(xr_get_string(xr_array_get(xr_struct_get(res, "ErrorDescription"), 0)),
                        "INTERNAL_ERROR");
    assert_non_null(strstr(xr_get_string(xr_array_get(xr_struct_get(res, "ErrorDescription"), 1)),
                           "xenstored"));
    xr_free(res);
    r = sim_db_get(f->db, &xapi_class_vm, vm);
    assert_string_equal(xr_get_string(xr_struct_get(r, "power_state")), "Halted");
    r = sim_db_get(f->db, &xapi_class_vif, vref);
    assert_int_equal(xr_get_bool(xr_struct_get(r, "currently_attached"), &att), 0);
    assert_false(att);
    assert_error(call(f, "VM.clean_shutdown", 1, xr_string(vm)), "VM_BAD_POWER_STATE", vm,
                 "running");
    assert_error(call(f, "VM.hard_shutdown", 1, xr_string(vm)), "VM_BAD_POWER_STATE", vm,
                 "paused, suspended, running");
    xr_free(call(f, "VM.destroy", 1, xr_string(vm)));
    assert_null(sim_db_get(f->db, &xapi_class_vif, vref));
    assert_saved(f);
}

static void test_vif_json(void **state)
{
    struct xr_value *v4 = xr_array(), *oc = xr_struct();
    struct sim_guest_vif v = {.vm_uuid = "vm-u",
                              .vif_uuid = "vif-u",
                              .network_uuid = "net-u",
                              .bridge = "xenbr0",
                              .mac = "00:16:3e:00:00:01",
                              .locking_mode = "locked",
                              .devid = 2,
                              .mtu = 1500};
    json_t *j, *lock;
    char *text = NULL;

    (void)state;
    xr_array_append(v4, xr_string("10.0.0.2"));
    xr_struct_set_string(oc, "ethtool-tx", "off");
    v.ipv4_allowed = v4;
    v.other_config = oc;
    assert_int_equal(sim_guest_vif_json(&v, &text), 0);
    j = json_loads(text, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "backend"), 0)),
                        "Local");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "backend"), 1)),
                        "xenbr0");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "id"), 1)), "2");
    assert_int_equal(json_integer_value(json_object_get(j, "mtu")), 1500);
    lock = json_object_get(j, "locking_mode");
    assert_string_equal(json_string_value(json_array_get(lock, 0)), "Locked");
    assert_string_equal(
            json_string_value(json_array_get(json_object_get(json_array_get(lock, 1), "ipv4"), 0)),
            "10.0.0.2");
    assert_int_equal(json_array_size(json_object_get(json_array_get(lock, 1), "ipv6")), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "extra_private_keys"),
                                                          "vif-uuid")),
                        "vif-u");
    assert_string_equal(
            json_string_value(json_object_get(json_object_get(j, "other_config"), "ethtool-tx")),
            "off");
    json_decref(j);
    free(text);
    v.locking_mode = "disabled";
    assert_int_equal(sim_guest_vif_json(&v, &text), 0);
    j = json_loads(text, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "locking_mode")), "Disabled");
    json_decref(j);
    free(text);
    xr_free(v4);
    xr_free(oc);
}

static void test_db_remove_clone(void **state)
{
    struct fixture *f = *state;
    struct sim_db *copy = NULL;
    size_t n = sim_db_count(f->db, &xapi_class_pif);
    const char *last = sim_db_ref_at(f->db, &xapi_class_pif, n - 1);
    char last_ref[64], uuid[64];

    snprintf(last_ref, sizeof last_ref, "%s", last);
    snprintf(uuid, sizeof uuid, "%s",
             xr_get_string(xr_struct_get(sim_db_get(f->db, &xapi_class_pif, last), "uuid")));
    assert_int_equal(sim_db_clone(f->db, &copy), 0);
    assert_true(sim_db_equal(copy, f->db));
    assert_int_equal(sim_db_remove(copy, &xapi_class_pif, ETH0_REF), 0);
    assert_int_equal(sim_db_remove(copy, &xapi_class_pif, ETH0_REF), -ENOENT);
    assert_int_equal(sim_db_count(copy, &xapi_class_pif), n - 1);
    /* The indexes follow the records that moved. */
    assert_non_null(sim_db_get(copy, &xapi_class_pif, last_ref));
    assert_string_equal(sim_db_find_uuid(copy, &xapi_class_pif, uuid), last_ref);
    assert_non_null(sim_db_get(f->db, &xapi_class_pif, ETH0_REF));
    sim_db_swap(copy, f->db);
    assert_null(sim_db_get(f->db, &xapi_class_pif, ETH0_REF));
    sim_db_swap(copy, f->db);
    sim_db_free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_network_create_destroy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failed_call_changes_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_vlan_create_without_ir, setup, teardown),
            cmocka_unit_test(test_plugin_result),
            cmocka_unit_test_setup_teardown(test_call_plugin, setup, teardown),
            cmocka_unit_test_setup_teardown(test_vm_vif_records, setup, teardown),
            cmocka_unit_test(test_vif_json),
            cmocka_unit_test_setup_teardown(test_db_remove_clone, setup, teardown),
    };

    xlog_open("sim_write_test", false);
    xlog_set_level(XLOG_ERR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
