/* Unit tests for xapi-bindings/xe/xe_cmd and xe_verbs: each command over a
 * fake transport that plays XAPI.  The fake decodes every request, logs it
 * as "Method(arg, ...)" (without the session ref; strings bare, booleans
 * true/false, arrays [a, b], structs {k=v, ...}) and answers from a small
 * scripted object store, so the tests check the exact XenAPI calls and the
 * exact text xe prints. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "transport.h"
#include "xapi.h"
#include "xe/xe_args.h"
#include "xe/xe_cmd.h"
#include "xmlrpc.h"

/* The sentinel of the variadic lists below, typed as they are. */
#define END ((const char *)NULL)

struct fake {
    struct sbuf log;         /* One line per non-session call. */
    const char *fail_method; /* Answer this method with a failure... */
    const char *fail_code;   /* ...with this code... */
    const char *fail_param;  /* ...and these two parameters. */
    const char *fail_param2;
};

static void render(struct sbuf *b, const struct xr_value *v)
{
    bool flag;

    switch (xr_type(v)) {
    case XR_STRING:
        sbuf_adds(b, xr_get_string(v));
        break;
    case XR_BOOL:
        xr_get_bool(v, &flag);
        sbuf_adds(b, flag ? "true" : "false");
        break;
    case XR_ARRAY:
        sbuf_addc(b, '[');
        for (size_t i = 0; i < xr_array_len(v); i++) {
            sbuf_adds(b, i ? ", " : "");
            render(b, xr_array_get(v, i));
        }
        sbuf_addc(b, ']');
        break;
    case XR_STRUCT:
        sbuf_addc(b, '{');
        for (size_t i = 0; i < xr_struct_len(v); i++) {
            sbuf_addf(b, "%s%s=", i ? ", " : "", xr_struct_key(v, i));
            render(b, xr_struct_value(v, i));
        }
        sbuf_addc(b, '}');
        break;
    default:
        sbuf_adds(b, "?");
        break;
    }
}

static struct xr_value *record(const char *first, ...)
{
    struct xr_value *st = xr_struct();
    va_list ap;

    va_start(ap, first);
    for (const char *k = first; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);

        if (!strcmp(v, "@true") || !strcmp(v, "@false")) {
            xr_struct_set_bool(st, k, v[1] == 't');
        } else if (!strcmp(v, "@[]")) {
            xr_struct_set(st, k, xr_array());
        } else if (!strncmp(v, "@{", 2)) {
            /* "@{}" or a one-key map "@{key=value}". */
            struct xr_value *m = xr_struct();
            const char *eq = strchr(v, '=');

            if (eq) {
                char key[64];

                snprintf(key, sizeof key, "%.*s", (int)(eq - v - 2), v + 2);
                xr_struct_set(m, key, xr_string_n(eq + 1, strlen(eq + 1) - 1));
            }
            xr_struct_set(st, k, m);
        } else {
            xr_struct_set_string(st, k, v);
        }
    }
    va_end(ap);
    return st;
}

/* The objects of the fake: two VMs (one the control domain), a network,
 * a PIF and a host. */
static struct xr_value *all_records(const char *cls)
{
    struct xr_value *all = xr_struct();

    if (!strcmp(cls, "VM")) {
        xr_struct_set(all, "OpaqueRef:dom0",
                      record("uuid", "dom0-uuid", "name_label", "Control domain", "power_state",
                             "Running", "is_control_domain", "@true", "is_a_template", "@false",
                             END));
        xr_struct_set(all, "OpaqueRef:vm1",
                      record("uuid", "vm1-uuid", "name_label", "web", "power_state", "Halted",
                             "is_control_domain", "@false", "is_a_template", "@false", END));
        xr_struct_set(all, "OpaqueRef:vm2",
                      record("uuid", "vm2-uuid", "name_label", "db", "power_state", "Halted",
                             "is_control_domain", "@false", "is_a_template", "@false", END));
        xr_struct_set(all, "OpaqueRef:tmpl",
                      record("uuid", "tmpl-uuid", "name_label", "web", "power_state", "Halted",
                             "is_control_domain", "@false", "is_a_template", "@true", END));
    } else if (!strcmp(cls, "network")) {
        xr_struct_set(all, "OpaqueRef:net0",
                      record("uuid", "net0-uuid", "name_label", "Pool-wide network", "bridge",
                             "xenbr0", "name_description", "", END));
    } else if (!strcmp(cls, "PIF")) {
        xr_struct_set(all, "OpaqueRef:pif0",
                      record("uuid", "pif0-uuid", "device", "eth0", "network", "OpaqueRef:net0",
                             "other_config", "@{mtu=9000}", "disallow_unplug", "@false", END));
        xr_struct_set(
                all, "OpaqueRef:pif1",
                record("uuid", "pif1-uuid", "device", "eth1", "network", "OpaqueRef:NULL", END));
    } else if (!strcmp(cls, "host")) {
        xr_struct_set(all, "OpaqueRef:host0",
                      record("uuid", "host0-uuid", "name_label", "xs1", END));
    }
    return all;
}

/* The Value of a successful "method" with "params" (session ref first). */
static struct xr_value *answer(const char *method, const struct xr_value *params)
{
    const char *arg = xr_get_string(xr_array_get(params, 1));
    const char *dot = strchr(method, '.');
    char cls[32], text[128];

    snprintf(cls, sizeof cls, "%.*s", (int)(dot - method), method);
    if (!strcmp(dot, ".get_by_uuid")) {
        snprintf(text, sizeof text, "OpaqueRef:%s", arg);
        return xr_string(text);
    }
    if (!strcmp(dot, ".get_uuid")) {
        return xr_string(arg + strlen("OpaqueRef:"));
    }
    if (!strcmp(dot, ".get_all_records")) {
        return all_records(cls);
    }
    if (!strcmp(dot, ".get_record")) {
        struct xr_value *all = all_records(cls);
        struct xr_value *rec = xr_struct_take(all, arg);

        xr_free(all);
        return rec ? rec : record("uuid", arg + strlen("OpaqueRef:"), "other_config", "@{}", END);
    }
    if (!strcmp(method, "network.get_MTU")) {
        return xr_string("9000");
    }
    if (!strcmp(method, "host.call_plugin")) {
        return xr_string("True");
    }
    if (!strcmp(dot, ".create") || !strcmp(dot, ".introduce")) {
        snprintf(text, sizeof text, "OpaqueRef:new-%s", cls);
        return xr_string(text);
    }
    if (!strcmp(method, "VLAN.get_untagged_PIF") || !strcmp(method, "tunnel.get_access_PIF")) {
        return xr_string("OpaqueRef:new-PIF");
    }
    return xr_string("");
}

static int handler(void *ctx, const char *url, const char *body, size_t len, char **resp,
                   size_t *resp_len)
{
    struct fake *f = ctx;
    struct xr_value *params = NULL, *env = xr_struct();
    char *method = NULL;

    (void)url;
    assert_int_equal(xr_decode_call(body, len, NULL, &method, &params), 0);
    if (!strncmp(method, "session.", 8)) {
        xr_struct_set_string(env, "Status", "Success");
        xr_struct_set_string(env, "Value",
                             strcmp(method, "session.logout") ? "OpaqueRef:session" : "");
    } else if (f->fail_method && !strcmp(method, f->fail_method)) {
        struct xr_value *desc = xr_array();

        xr_array_append(desc, xr_string(f->fail_code));
        xr_array_append(desc, xr_string(f->fail_param));
        if (f->fail_param2) {
            xr_array_append(desc, xr_string(f->fail_param2));
        }
        xr_struct_set_string(env, "Status", "Failure");
        xr_struct_set(env, "ErrorDescription", desc);
    } else {
        xr_struct_set_string(env, "Status", "Success");
        xr_struct_set(env, "Value", answer(method, params));
    }
    if (strncmp(method, "session.", 8) && !strstr(method, ".get_all_records")) {
        assert_string_equal(xr_get_string(xr_array_get(params, 0)), "OpaqueRef:session");
        sbuf_addf(&f->log, "%s(", method);
        for (size_t i = 1; i < xr_array_len(params); i++) {
            sbuf_adds(&f->log, i > 1 ? ", " : "");
            render(&f->log, xr_array_get(params, i));
        }
        sbuf_adds(&f->log, ")\n");
    }
    assert_int_equal(xr_encode_response(env, resp, resp_len), 0);
    xr_free(env);
    xr_free(params);
    free(method);
    return 0;
}

struct result {
    int status;
    struct sbuf out;
    struct sbuf err;
    struct fake fake;
};

/* Runs "xe ARGS..." against the fake; "f" sets up failures (may be NULL). */
static void run_xe(struct result *res, const struct fake *f, int argc, char *const argv[])
{
    struct xe_args args;
    struct xe_command cmd;
    struct xapi_session *s = NULL;
    char *err = NULL;

    memset(res, 0, sizeof *res);
    if (f) {
        res->fake = *f;
    }
    sbuf_init(&res->fake.log);
    assert_int_equal(xe_args_parse(argc, argv, &args, &err), 0);
    if (xe_cmd_find(args.command, &cmd) < 0) {
        xe_cmd_unknown(args.command, &res->err);
        res->status = 1;
    } else if (xe_cmd_check(&cmd, &args, &res->err) < 0) {
        res->status = 1;
    } else {
        assert_int_equal(xapi_session_new(xt_fake_new(handler, &res->fake), &s), 0);
        assert_int_equal(xapi_login_with_password(s, "root", "", NULL, NULL), 0);
        res->status = xe_cmd_run(&cmd, &args, s, &res->out, &res->err);
        xapi_logout(s);
        xapi_session_free(s);
    }
    xe_args_clear(&args);
}

static void result_clear(struct result *res)
{
    sbuf_free(&res->out);
    sbuf_free(&res->err);
    sbuf_free(&res->fake.log);
}

#define XE(res, f, ...)                                                                            \
    run_xe(res, f, (int)(sizeof((char *[]){"xe", __VA_ARGS__}) / sizeof(char *)),                  \
           (char *const[]){"xe", __VA_ARGS__, NULL})

static void expect(struct result *res, int status, const char *log, const char *out,
                   const char *err)
{
    assert_string_equal(sbuf_str(&res->fake.log), log);
    assert_string_equal(sbuf_str(&res->out), out);
    assert_string_equal(sbuf_str(&res->err), err);
    assert_int_equal(res->status, status);
    result_clear(res);
}

static void test_pif_verbs(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "pif-plug", "uuid=u1");
    expect(&r, 0, "PIF.get_by_uuid(u1)\nPIF.plug(OpaqueRef:u1)\n", "", "");
    XE(&r, NULL, "pif-unplug", "uuid=u1");
    expect(&r, 0, "PIF.get_by_uuid(u1)\nPIF.unplug(OpaqueRef:u1)\n", "", "");
    XE(&r, NULL, "pif-reconfigure-ip", "uuid=u1", "mode=static", "ip=10.0.0.2",
       "netmask=255.255.255.0", "gateway=10.0.0.1", "dns=10.0.0.53");
    expect(&r, 0,
           "PIF.get_by_uuid(u1)\n"
           "PIF.reconfigure_ip(OpaqueRef:u1, Static, 10.0.0.2, 255.255.255.0, 10.0.0.1, "
           "10.0.0.53)\n",
           "", "");
    XE(&r, NULL, "pif-reconfigure-ip", "uuid=u1", "mode=DHCP");
    expect(&r, 0, "PIF.get_by_uuid(u1)\nPIF.reconfigure_ip(OpaqueRef:u1, DHCP, , , , )\n", "", "");
    XE(&r, NULL, "pif-reconfigure-ip", "uuid=u1", "mode=bogus");
    expect(&r, 1, "", "",
           "Error: Invalid IP configuration mode 'bogus': expected None, DHCP or Static\n");
    XE(&r, NULL, "pif-reconfigure-ipv6", "uuid=u1", "mode=autoconf", "IPv6=fd00::2/64");
    expect(&r, 0,
           "PIF.get_by_uuid(u1)\nPIF.reconfigure_ipv6(OpaqueRef:u1, Autoconf, fd00::2/64, , )\n",
           "", "");
    XE(&r, NULL, "host-management-reconfigure", "pif-uuid=u1");
    expect(&r, 0, "PIF.get_by_uuid(u1)\nhost.management_reconfigure(OpaqueRef:u1)\n", "", "");
}

static void test_network_verbs(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "network-create", "name-label=storage");
    expect(&r, 0,
           "network.create({name_label=storage, name_description=, MTU=1500, other_config={}, "
           "bridge=, managed=true, tags=[]})\n"
           "network.get_uuid(OpaqueRef:new-network)\n",
           "new-network\n", "");
    XE(&r, NULL, "network-create", "name-label=jumbo", "MTU=9000", "bridge=xapi9", "managed=false",
       "--minimal");
    expect(&r, 0,
           "network.create({name_label=jumbo, name_description=, MTU=9000, other_config={}, "
           "bridge=xapi9, managed=false, tags=[]})\n"
           "network.get_uuid(OpaqueRef:new-network)\n",
           "new-network\n", "");
    XE(&r, NULL, "network-create", "name-label=x", "MTU=big");
    expect(&r, 1, "", "", "Error: Failed to parse parameter 'MTU': expecting an integer\n");
    XE(&r, NULL, "network-destroy", "uuid=n1");
    expect(&r, 0, "network.get_by_uuid(n1)\nnetwork.destroy(OpaqueRef:n1)\n", "", "");
    XE(&r, NULL, "pool-set-vswitch-controller", "address=192.0.2.10");
    expect(&r, 0, "pool.set_vswitch_controller(192.0.2.10)\n", "", "");
}

static void test_bond_vlan_tunnel(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "bond-create", "network-uuid=n1", "pif-uuids=p1,p2", "mode=lacp",
       "properties:hashing_algorithm=tcpudp_ports");
    expect(&r, 0,
           "network.get_by_uuid(n1)\nPIF.get_by_uuid(p1)\nPIF.get_by_uuid(p2)\n"
           "Bond.create(OpaqueRef:n1, [OpaqueRef:p1, OpaqueRef:p2], , lacp, "
           "{hashing_algorithm=tcpudp_ports})\n"
           "Bond.get_uuid(OpaqueRef:new-Bond)\n",
           "new-Bond\n", "");
    XE(&r, NULL, "bond-create", "network-uuid=n1", "pif-uuids=p1,p2");
    assert_non_null(strstr(sbuf_str(&r.fake.log), ", , balance-slb, {})\n"));
    result_clear(&r);
    XE(&r, NULL, "bond-create", "network-uuid=n1", "pif-uuids=p1,p2", "mode=fast");
    expect(&r, 1, "", "", "Error: Invalid bond mode. Got fast\n");
    XE(&r, NULL, "bond-set-mode", "uuid=b1", "mode=active-backup");
    expect(&r, 0, "Bond.get_by_uuid(b1)\nBond.set_mode(OpaqueRef:b1, active-backup)\n", "", "");
    XE(&r, NULL, "bond-destroy", "uuid=b1");
    expect(&r, 0, "Bond.get_by_uuid(b1)\nBond.destroy(OpaqueRef:b1)\n", "", "");
    XE(&r, NULL, "vlan-create", "network-uuid=n1", "pif-uuid=p1", "vlan=42");
    expect(&r, 0,
           "network.get_by_uuid(n1)\nPIF.get_by_uuid(p1)\n"
           "VLAN.create(OpaqueRef:p1, 42, OpaqueRef:n1)\n"
           "VLAN.get_untagged_PIF(OpaqueRef:new-VLAN)\nPIF.get_uuid(OpaqueRef:new-PIF)\n",
           "new-PIF\n", "");
    XE(&r, NULL, "vlan-create", "network-uuid=n1", "pif-uuid=p1", "vlan=x");
    expect(&r, 1, "network.get_by_uuid(n1)\nPIF.get_by_uuid(p1)\n", "",
           "The server failed to handle your request, due to an internal error. The given "
           "message may give details useful for debugging the problem.\n"
           "message: Failure: Failed to parse parameter 'vlan': expecting an integer\n");
    XE(&r, NULL, "vlan-destroy", "uuid=v1");
    expect(&r, 0, "VLAN.get_by_uuid(v1)\nVLAN.destroy(OpaqueRef:v1)\n", "", "");
    XE(&r, NULL, "tunnel-create", "network-uuid=n1", "pif-uuid=p1");
    expect(&r, 0,
           "network.get_by_uuid(n1)\nPIF.get_by_uuid(p1)\n"
           "tunnel.create(OpaqueRef:p1, OpaqueRef:n1, gre)\n"
           "tunnel.get_access_PIF(OpaqueRef:new-tunnel)\nPIF.get_uuid(OpaqueRef:new-PIF)\n",
           "new-PIF\n", "");
    XE(&r, NULL, "tunnel-destroy", "uuid=t1");
    expect(&r, 0, "tunnel.get_by_uuid(t1)\ntunnel.destroy(OpaqueRef:t1)\n", "", "");
}

static void test_vlan_destroy_by_pif(void **state)
{
    struct fake f = {.fail_method = "VLAN.get_by_uuid",
                     .fail_code = "UUID_INVALID",
                     .fail_param = "VLAN",
                     .fail_param2 = "p9"};
    struct result r;

    (void)state;
    /* Rio's form: the uuid of the VLAN's PIF. */
    XE(&r, &f, "vlan-destroy", "uuid=p9");
    expect(&r, 0, "VLAN.get_by_uuid(p9)\nPIF.get_by_uuid(p9)\nPIF.destroy(OpaqueRef:p9)\n", "", "");
    /* A HANDLE_INVALID is final. */
    f.fail_method = "VLAN.destroy";
    f.fail_code = "HANDLE_INVALID";
    f.fail_param = "VLAN";
    XE(&r, &f, "vlan-destroy", "uuid=v1");
    assert_string_equal(sbuf_str(&r.fake.log),
                        "VLAN.get_by_uuid(v1)\nVLAN.destroy(OpaqueRef:v1)\n");
    assert_non_null(strstr(sbuf_str(&r.err), "You gave an invalid object reference."));
    assert_int_equal(r.status, 1);
    result_clear(&r);
}

static void test_vif_verbs(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "vif-create", "vm-uuid=vm1", "network-uuid=n1", "device=0",
       "mac=00:16:3e:00:00:01");
    expect(&r, 0,
           "VM.get_by_uuid(vm1)\nnetwork.get_by_uuid(n1)\nnetwork.get_MTU(OpaqueRef:n1)\n"
           "VIF.create({device=0, network=OpaqueRef:n1, VM=OpaqueRef:vm1, MAC=00:16:3e:00:00:01, "
           "MTU=9000, other_config={}, currently_attached=false, qos_algorithm_type=, "
           "qos_algorithm_params={}, locking_mode=network_default, ipv4_allowed=[], "
           "ipv6_allowed=[]})\n"
           "VIF.get_uuid(OpaqueRef:new-VIF)\n",
           "new-VIF\n", "");
    XE(&r, NULL, "vif-create", "vm-uuid=vm1", "network-uuid=n1", "device=1", "mac=random");
    assert_non_null(strstr(sbuf_str(&r.fake.log), "MAC="));
    assert_null(strstr(sbuf_str(&r.fake.log), "MAC=random"));
    result_clear(&r);
    XE(&r, NULL, "vif-plug", "uuid=v1");
    expect(&r, 0, "VIF.get_by_uuid(v1)\nVIF.plug(OpaqueRef:v1)\n", "", "");
    XE(&r, NULL, "vif-unplug", "uuid=v1", "--force");
    expect(&r, 0, "VIF.get_by_uuid(v1)\nVIF.unplug_force(OpaqueRef:v1)\n", "", "");
    XE(&r, NULL, "vif-destroy", "uuid=v1");
    expect(&r, 0, "VIF.get_by_uuid(v1)\nVIF.destroy(OpaqueRef:v1)\n", "", "");
    /* vif-param-set: a plain setter, a set setter, a map key. */
    XE(&r, NULL, "vif-param-set", "uuid=v1", "locking-mode=locked",
       "ipv4-allowed=10.0.0.5,10.0.0.6", "other-config:promiscuous=on");
    expect(&r, 0,
           "VIF.get_by_uuid(v1)\nVIF.get_record(OpaqueRef:v1)\n"
           "VIF.set_locking_mode(OpaqueRef:v1, locked)\n"
           "VIF.set_ipv4_allowed(OpaqueRef:v1, [10.0.0.5, 10.0.0.6])\n"
           "VIF.add_to_other_config(OpaqueRef:v1, promiscuous, on)\n",
           "", "");
    /* Nothing is changed when one of the settings is wrong. */
    XE(&r, NULL, "vif-param-set", "uuid=v1", "locking-mode=locked", "MAC=00:00:00:00:00:01");
    expect(&r, 1, "", "",
           "The server failed to handle your request, due to an internal error. The given "
           "message may give details useful for debugging the problem.\n"
           "message: Failure: Field 'MAC' is read-only.\n");
}

static void test_param_set_maps(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "network-param-set", "uuid=net0",
       "other-config:vswitch-controller-fail-mode=secure", "name-label=Storage", "MTU=9000");
    expect(&r, 0,
           "network.get_by_uuid(net0)\nnetwork.get_record(OpaqueRef:net0)\n"
           "network.add_to_other_config(OpaqueRef:net0, vswitch-controller-fail-mode, secure)\n"
           "network.set_name_label(OpaqueRef:net0, Storage)\n"
           "network.set_MTU(OpaqueRef:net0, 9000)\n",
           "", "");
    XE(&r, NULL, "network-param-set", "uuid=net0", "MTU=huge");
    expect(&r, 1, "network.get_by_uuid(net0)\nnetwork.get_record(OpaqueRef:net0)\n", "",
           "Error: Failed to parse parameter 'MTU': expecting an integer\n");
    XE(&r, NULL, "network-param-set", "uuid=net0", "other-config=x");
    assert_non_null(strstr(sbuf_str(&r.err), "Field 'other-config' is a map or set. use the "
                                             "'name:key=value' syntax."));
    result_clear(&r);
    XE(&r, NULL, "pif-param-set", "uuid=pif0", "disallow-unplug=true", "properties:gro=on");
    expect(&r, 0,
           "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n"
           "PIF.set_disallow_unplug(OpaqueRef:pif0, true)\n"
           "PIF.set_property(OpaqueRef:pif0, gro, on)\n",
           "", "");
    XE(&r, NULL, "pif-param-set", "uuid=pif0", "nosuch=1");
    assert_non_null(strstr(sbuf_str(&r.err), "message: Failure: Unknown field 'nosuch'\n"));
    assert_int_equal(r.status, 1);
    result_clear(&r);
}

static void test_param_add_remove_clear(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "pif-param-add", "uuid=pif0", "param-name=other-config", "ethtool-gro=off",
       "mtu=9000");
    expect(&r, 0,
           "PIF.get_by_uuid(pif0)\n"
           "PIF.add_to_other_config(OpaqueRef:pif0, ethtool-gro, off)\n"
           "PIF.add_to_other_config(OpaqueRef:pif0, mtu, 9000)\n",
           "", "");
    XE(&r, NULL, "vif-param-add", "uuid=v1", "param-name=ipv4-allowed", "param-key=10.0.0.7");
    expect(&r, 0, "VIF.get_by_uuid(v1)\nVIF.add_ipv4_allowed(OpaqueRef:v1, 10.0.0.7)\n", "", "");
    XE(&r, NULL, "vif-param-add", "uuid=v1", "param-name=ipv4-allowed");
    assert_non_null(strstr(sbuf_str(&r.err), "use the syntax: *-param-add param-name=<name> "
                                             "param-key=<key>\n"));
    result_clear(&r);
    XE(&r, NULL, "pif-param-add", "uuid=pif0", "param-name=device", "x=y");
    assert_non_null(strstr(sbuf_str(&r.err), "Can only add to parameters of type Set or Map\n"));
    result_clear(&r);
    /* The fake's VIF v1 has an empty other_config: removing is refused
     * before any change. */
    XE(&r, NULL, "vif-param-remove", "uuid=v1", "param-name=other-config", "param-key=k");
    expect(&r, 1, "VIF.get_by_uuid(v1)\nVIF.get_record(OpaqueRef:v1)\n", "",
           "The server failed to handle your request, due to an internal error. The given "
           "message may give details useful for debugging the problem.\n"
           "message: Failure: Key k is not in map\n");
    XE(&r, NULL, "pif-param-remove", "uuid=pif0", "param-name=capabilities", "param-key=x");
    assert_non_null(strstr(sbuf_str(&r.err), "Cannot remove parameters from read-only map\n"));
    result_clear(&r);
    XE(&r, NULL, "pif-param-remove", "uuid=pif0", "param-name=other-config", "param-key=mtu");
    expect(&r, 0,
           "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n"
           "PIF.remove_from_other_config(OpaqueRef:pif0, mtu)\n",
           "", "");
    XE(&r, NULL, "pif-param-clear", "uuid=pif0", "param-name=other-config");
    expect(&r, 0,
           "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n"
           "PIF.remove_from_other_config(OpaqueRef:pif0, mtu)\n",
           "", "");
    /* Setting a key that exists replaces it, as xe does. */
    XE(&r, NULL, "pif-param-set", "uuid=pif0", "other-config:mtu=1500");
    expect(&r, 0,
           "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n"
           "PIF.remove_from_other_config(OpaqueRef:pif0, mtu)\n"
           "PIF.add_to_other_config(OpaqueRef:pif0, mtu, 1500)\n",
           "", "");
    XE(&r, NULL, "pif-param-get", "uuid=pif0", "param-name=other-config", "param-key=mtu");
    expect(&r, 0, "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n", "9000\n", "");
    XE(&r, NULL, "pif-param-clear", "uuid=pif0", "param-name=MTU");
    assert_non_null(strstr(sbuf_str(&r.err), "Can only clear RW parameters\n"));
    result_clear(&r);
}

static void test_vm_verbs(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "vm-create", "name-label=guest");
    expect(&r, 0,
           "VM.create({name_label=guest, name_description=, is_a_template=false, "
           "other_config={}})\nVM.get_uuid(OpaqueRef:new-VM)\n",
           "new-VM\n", "");
    /* vm= matches a name-label, never the template or the control domain. */
    XE(&r, NULL, "vm-start", "vm=web");
    expect(&r, 0, "VM.start(OpaqueRef:vm1, false, false)\n", "", "");
    XE(&r, NULL, "vm-start", "uuid=vm2-uuid", "--paused", "on=xs1");
    expect(&r, 0, "VM.start_on(OpaqueRef:vm2, OpaqueRef:host0, true, false)\n", "", "");
    XE(&r, NULL, "vm-shutdown", "vm=vm2-uuid");
    expect(&r, 0, "VM.clean_shutdown(OpaqueRef:vm2)\n", "", "");
    XE(&r, NULL, "vm-shutdown", "vm=db", "--force");
    expect(&r, 0, "VM.hard_shutdown(OpaqueRef:vm2)\n", "", "");
    XE(&r, NULL, "vm-start", "vm=nothing");
    expect(&r, 1, "", "",
           "The server failed to handle your request, due to an internal error. The given "
           "message may give details useful for debugging the problem.\n"
           "message: Failure: No matching VMs found\n");
    XE(&r, NULL, "vm-start", "power-state=halted");
    assert_non_null(strstr(sbuf_str(&r.err), "--multiple required"));
    result_clear(&r);
    XE(&r, NULL, "vm-start", "power-state=halted", "--multiple");
    expect(&r, 0, "VM.start(OpaqueRef:vm1, false, false)\nVM.start(OpaqueRef:vm2, false, false)\n",
           "", "");
}

static void test_multiple_failures(void **state)
{
    struct fake f = {.fail_method = "VM.start",
                     .fail_code = "VM_BAD_POWER_STATE",
                     .fail_param = "OpaqueRef:x",
                     .fail_param2 = "halted"};
    struct result r;

    (void)state;
    XE(&r, &f, "vm-start", "power-state=halted", "--multiple");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(sbuf_str(&r.out), "operation failed on vm1-uuid: You attempted an "
                                             "operation on a VM"));
    assert_non_null(strstr(sbuf_str(&r.out), "operation failed on vm2-uuid: "));
    result_clear(&r);
}

static void test_sdn_and_plugin(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "sdn-controller-introduce", "address=192.0.2.1", "tcp-port=6653");
    expect(&r, 0,
           "SDN_controller.introduce(ssl, 192.0.2.1, 6653)\n"
           "SDN_controller.get_uuid(OpaqueRef:new-SDN_controller)\n",
           "new-SDN_controller\n", "");
    XE(&r, NULL, "sdn-controller-introduce", "protocol=pssl");
    expect(&r, 0,
           "SDN_controller.introduce(pssl, , 0)\n"
           "SDN_controller.get_uuid(OpaqueRef:new-SDN_controller)\n",
           "new-SDN_controller\n", "");
    XE(&r, NULL, "sdn-controller-forget", "uuid=s1");
    expect(&r, 0, "SDN_controller.get_by_uuid(s1)\nSDN_controller.forget(OpaqueRef:s1)\n", "", "");
    XE(&r, NULL, "host-call-plugin", "host-uuid=h1", "plugin=openvswitch-cfg-update", "fn=update",
       "args:a=1", "args:b=x=y");
    expect(&r, 0,
           "host.get_by_uuid(h1)\n"
           "host.call_plugin(OpaqueRef:h1, openvswitch-cfg-update, update, {a=1, b=x=y})\n",
           "True\n", "");
}

static void test_errors(void **state)
{
    struct fake f = {.fail_method = "PIF.get_by_uuid",
                     .fail_code = "UUID_INVALID",
                     .fail_param = "PIF",
                     .fail_param2 = "nope"};
    struct result r;

    (void)state;
    XE(&r, &f, "pif-plug", "uuid=nope");
    expect(&r, 1, "PIF.get_by_uuid(nope)\n", "",
           "The uuid you supplied was invalid.\ntype: PIF\nuuid: nope\n");
    f.fail_method = "host.call_plugin";
    f.fail_code = "XENAPI_PLUGIN_FAILURE";
    f.fail_param = "non-zero exit";
    f.fail_param2 = "out";
    XE(&r, &f, "host-call-plugin", "host-uuid=h1", "plugin=p", "fn=f");
    expect(&r, 1, "host.get_by_uuid(h1)\nhost.call_plugin(OpaqueRef:h1, p, f, {})\n", "",
           "There was a failure communicating with the plug-in.\nstatus: non-zero exit\n"
           "stdout: out\nstderr: <unknown>\n");
    /* References in error parameters are shown by uuid (and name). */
    f.fail_method = "PIF.plug";
    f.fail_code = "CANNOT_PLUG_BOND_SLAVE";
    f.fail_param = "OpaqueRef:pif0";
    f.fail_param2 = NULL;
    XE(&r, &f, "pif-plug", "uuid=pif0");
    expect(&r, 1,
           "PIF.get_by_uuid(pif0)\nPIF.plug(OpaqueRef:pif0)\nPIF.get_record(OpaqueRef:pif0)\n", "",
           "This PIF is a bond member and cannot be plugged.\nPIF: pif0-uuid\n");
    f.fail_method = "VM.start";
    f.fail_code = "VM_BAD_POWER_STATE";
    f.fail_param = "OpaqueRef:vm1";
    f.fail_param2 = "halted";
    XE(&r, &f, "vm-start", "vm=web");
    assert_non_null(strstr(sbuf_str(&r.err), "\nvm: vm1-uuid (web)\nexpected: halted\n"
                                             "actual: <unknown>\n"));
    result_clear(&r);
    XE(&r, NULL, "pif-frobnicate");
    expect(&r, 1, "", "", "Unknown command: pif-frobnicate\nFor usage run: 'xe help'\n");
    XE(&r, NULL, "vlan-create", "network-uuid=n1");
    expect(&r, 1, "", "", "Required parameter not found: pif-uuid\nFor usage run: 'xe help'\n");
}

static void test_lists(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "vm-list");
    expect(&r, 0, "",
           "uuid ( RO)           : dom0-uuid\n"
           "     name-label ( RW): Control domain\n"
           "    power-state ( RO): running\n\n\n"
           "uuid ( RO)           : vm1-uuid\n"
           "     name-label ( RW): web\n"
           "    power-state ( RO): halted\n\n\n"
           "uuid ( RO)           : vm2-uuid\n"
           "     name-label ( RW): db\n"
           "    power-state ( RO): halted\n\n\n",
           "");
    XE(&r, NULL, "vm-list", "name-label=web", "--minimal");
    expect(&r, 0, "", "vm1-uuid\n", "");
    XE(&r, NULL, "vm-list", "name-label=none", "--minimal");
    expect(&r, 0, "", "\n", "");
    XE(&r, NULL, "pif-list", "network-uuid=net0-uuid", "params=device,network-name-label");
    expect(&r, 0, "",
           "device ( RO)                : eth0\n"
           "    network-name-label ( RO): Pool-wide network\n\n\n",
           "");
    XE(&r, NULL, "pif-list", "params=network-uuid", "device=eth1");
    expect(&r, 0, "", "network-uuid ( RO)    : <not in database>\n\n\n", "");
    XE(&r, NULL, "network-list", "bridge=xenbr0", "params=uuid", "--minimal");
    expect(&r, 0, "", "net0-uuid\n", "");
    XE(&r, NULL, "network-list", "nonsense=1");
    expect(&r, 1, "", "",
           "The server failed to handle your request, due to an internal error. The given "
           "message may give details useful for debugging the problem.\n"
           "message: Failure: Unknown field 'nonsense'\n");
}

static void test_param_get_and_list(void **state)
{
    struct result r;

    (void)state;
    XE(&r, NULL, "pif-param-get", "uuid=pif0", "param-name=network-uuid");
    expect(&r, 0, "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n", "net0-uuid\n", "");
    XE(&r, NULL, "pif-param-get", "uuid=pif0", "param-name=bogus");
    expect(&r, 1, "PIF.get_by_uuid(pif0)\nPIF.get_record(OpaqueRef:pif0)\n", "",
           "Error code: Missing parameter\nError parameters: bogus\n");
    XE(&r, NULL, "pif-param-get", "uuid=pif0", "param-name=other-config", "param-key=absent");
    assert_non_null(strstr(sbuf_str(&r.err), "message: Failure: Key absent not found in map\n"));
    result_clear(&r);
    XE(&r, NULL, "network-param-list", "uuid=net0");
    expect(&r, 0, "network.get_by_uuid(net0)\nnetwork.get_record(OpaqueRef:net0)\n",
           "uuid ( RO)                : net0-uuid\n"
           "          name-label ( RW): Pool-wide network\n"
           "    name-description ( RW): \n"
           "              bridge ( RO): xenbr0\n\n\n",
           "");
}

static void test_help(void **state)
{
    struct xe_command cmd;
    struct xe_args args;
    struct sbuf out = SBUF_INIT, err = SBUF_INIT;
    char *e = NULL;

    (void)state;
    assert_int_equal(xe_cmd_find("help", &cmd), 0);
    assert_true(cmd.no_session);
    assert_int_equal(
            xe_args_parse(3, (char *const[]){"xe", "help", "vlan-create", NULL}, &args, &e), 0);
    assert_int_equal(xe_cmd_run(&cmd, &args, NULL, &out, &err), 0);
    assert_non_null(strstr(sbuf_str(&out), "reqd params     : pif-uuid,vlan,network-uuid\n"));
    xe_args_clear(&args);
    assert_int_equal(xe_cmd_find("pif-param-get", &cmd), 0);
    assert_string_equal(cmd.cls->wire, "PIF");
    assert_int_equal(xe_cmd_find("pif-bogus", &cmd), -ENOENT);
    sbuf_free(&out);
    sbuf_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pif_verbs),
            cmocka_unit_test(test_network_verbs),
            cmocka_unit_test(test_bond_vlan_tunnel),
            cmocka_unit_test(test_vlan_destroy_by_pif),
            cmocka_unit_test(test_vif_verbs),
            cmocka_unit_test(test_param_set_maps),
            cmocka_unit_test(test_param_add_remove_clear),
            cmocka_unit_test(test_vm_verbs),
            cmocka_unit_test(test_multiple_failures),
            cmocka_unit_test(test_sdn_and_plugin),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_lists),
            cmocka_unit_test(test_param_get_and_list),
            cmocka_unit_test(test_help),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
