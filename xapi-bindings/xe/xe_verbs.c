/* The verbs of xe: each turns its parameters into the XenAPI calls XAPI's
 * own CLI makes, with the same method signatures (uuids resolved through
 * <Class>.get_by_uuid, create commands ending with the new object's uuid). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "xapi.h"
#include "xe_run.h"
#include "xmlrpc.h"

/* Calls "<cls>.<method>(ref)" on the object parameter "param" names. */
static int on_uuid(struct xe_run *run, const char *cls, const char *param, const char *method)
{
    char name[96], *ref = NULL;
    int r = xe_get_ref(run, cls, xe_param(run, param), &ref);

    if (r == 0) {
        snprintf(name, sizeof name, "%s.%s", cls, method);
        r = xe_call(run, name, xe_params("s", ref), NULL);
    }
    free(ref);
    return r;
}

/* Canonical spelling of "text" among "choices" (case-insensitive), or
 * NULL. */
static const char *choose(const char *text, const char *const *choices)
{
    for (size_t i = 0; text && choices[i]; i++) {
        if (!strcasecmp(text, choices[i])) {
            return choices[i];
        }
    }
    return NULL;
}

int xe_verb_pif_plug(struct xe_run *run)
{
    return on_uuid(run, "PIF", "uuid", "plug");
}

int xe_verb_pif_unplug(struct xe_run *run)
{
    return on_uuid(run, "PIF", "uuid", "unplug");
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

int xe_verb_pif_reconfigure_ip(struct xe_run *run)
{
    static const char *const modes[] = {"None", "DHCP", "Static", NULL};
    const char *mode = choose(xe_param(run, "mode"), modes);
    char *ref = NULL;
    int r;

    if (!mode) {
        return xe_fail(run, "Invalid IP configuration mode '%s': expected None, DHCP or Static",
                       xe_param(run, "mode"));
    }
    r = xe_get_ref(run, "PIF", xe_param(run, "uuid"), &ref);
    if (r == 0) {
        r = xe_call(run, "PIF.reconfigure_ip",
                    xe_params("ssssss", ref, mode, or_empty(xe_param_nocase(run, "IP")),
                              or_empty(xe_param(run, "netmask")),
                              or_empty(xe_param(run, "gateway")),
                              or_empty(xe_param_nocase(run, "DNS"))),
                    NULL);
    }
    free(ref);
    return r;
}

int xe_verb_pif_reconfigure_ipv6(struct xe_run *run)
{
    static const char *const modes[] = {"None", "DHCP", "Static", "Autoconf", NULL};
    const char *mode = choose(xe_param(run, "mode"), modes);
    char *ref = NULL;
    int r;

    if (!mode) {
        return xe_fail(run,
                       "Invalid IPv6 configuration mode '%s': expected None, DHCP, Static or "
                       "Autoconf",
                       xe_param(run, "mode"));
    }
    r = xe_get_ref(run, "PIF", xe_param(run, "uuid"), &ref);
    if (r == 0) {
        r = xe_call(run, "PIF.reconfigure_ipv6",
                    xe_params("sssss", ref, mode, or_empty(xe_param_nocase(run, "IPv6")),
                              or_empty(xe_param(run, "gateway")),
                              or_empty(xe_param_nocase(run, "DNS"))),
                    NULL);
    }
    free(ref);
    return r;
}

int xe_verb_network_create(struct xe_run *run)
{
    const char *mtu = xe_param(run, "MTU");
    struct xr_value *rec = xr_struct();
    char *ref = NULL;
    long long n;
    int r = rec ? 0 : -ENOMEM;

    if (mtu && xe_parse_int(mtu, &n) < 0) {
        xr_free(rec);
        return xe_fail(run, "Failed to parse parameter 'MTU': expecting an integer");
    }
    /* network.create takes the record, as every default constructor. */
    if (r == 0) {
        r = xr_struct_set_string(rec, "name_label", xe_param(run, "name-label"));
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "name_description",
                                 or_empty(xe_param(run, "name-description")));
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "MTU", mtu ? mtu : "1500");
    }
    if (r == 0) {
        r = xr_struct_set(rec, "other_config", xr_struct());
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "bridge", or_empty(xe_param(run, "bridge")));
    }
    if (r == 0) {
        r = xr_struct_set_bool(rec, "managed", xe_args_bool(run->args, "managed", true));
    }
    if (r == 0) {
        r = xr_struct_set(rec, "tags", xr_array());
    }
    if (r < 0) {
        xr_free(rec);
        return xe_fail(run, "out of memory");
    }
    r = xe_call_string(run, "network.create", xe_params("v", rec), &ref);
    if (r == 0) {
        r = xe_print_uuid_of(run, "network", ref);
    }
    free(ref);
    return r;
}

int xe_verb_network_destroy(struct xe_run *run)
{
    return on_uuid(run, "network", "uuid", "destroy");
}

static const char *const bond_modes[] = {"balance-slb", "active-backup", "lacp", NULL};

/* xe's bond mode: empty means balance-slb. */
static const char *bond_mode(struct xe_run *run)
{
    const char *text = or_empty(xe_param(run, "mode"));
    const char *mode = *text ? choose(text, bond_modes) : "balance-slb";

    if (!mode) {
        xe_fail(run, "Invalid bond mode. Got %s", text);
    }
    return mode;
}

int xe_verb_bond_create(struct xe_run *run)
{
    const char *mode = bond_mode(run);
    struct xr_value *members = NULL, *props = NULL;
    char *net = NULL, *ref = NULL, *list = NULL, *save = NULL;
    int r;

    if (!mode) {
        return -EINVAL;
    }
    r = xe_get_ref(run, "network", xe_param(run, "network-uuid"), &net);
    members = r == 0 ? xr_array() : NULL;
    list = r == 0 ? strdup(xe_param(run, "pif-uuids")) : NULL;
    if (r == 0 && (!members || !list)) {
        r = xe_fail(run, "out of memory");
    }
    for (char *tok = r == 0 ? strtok_r(list, ",", &save) : NULL; r == 0 && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *pif = NULL;

        r = xe_get_ref(run, "PIF", tok, &pif);
        if (r == 0 && xr_array_append(members, xr_string(pif)) < 0) {
            r = xe_fail(run, "out of memory");
        }
        free(pif);
    }
    if (r == 0) {
        props = xe_map_params(run, "properties");
        r = props ? 0 : xe_fail(run, "out of memory");
    }
    if (r == 0) {
        r = xe_call_string(
                run, "Bond.create",
                xe_params("svssv", net, members, or_empty(xe_param(run, "mac")), mode, props),
                &ref);
        members = props = NULL;
    }
    if (r == 0) {
        r = xe_print_uuid_of(run, "Bond", ref);
    }
    xr_free(members);
    xr_free(props);
    free(list);
    free(net);
    free(ref);
    return r;
}

int xe_verb_bond_destroy(struct xe_run *run)
{
    return on_uuid(run, "Bond", "uuid", "destroy");
}

int xe_verb_bond_set_mode(struct xe_run *run)
{
    const char *mode = bond_mode(run);
    char *ref = NULL;
    int r;

    if (!mode) {
        return -EINVAL;
    }
    r = xe_get_ref(run, "Bond", xe_param(run, "uuid"), &ref);
    if (r == 0) {
        r = xe_call(run, "Bond.set_mode", xe_params("ss", ref, mode), NULL);
    }
    free(ref);
    return r;
}

/* Prints the uuid of the PIF "<cls>.<getter>(ref)" returns: vlan-create
 * and tunnel-create show the new PIF, not the VLAN or tunnel. */
static int print_pif_of(struct xe_run *run, const char *cls, const char *getter, const char *ref)
{
    char method[96], *pif = NULL;
    int r;

    snprintf(method, sizeof method, "%s.%s", cls, getter);
    r = xe_call_string(run, method, xe_params("s", ref), &pif);
    if (r == 0) {
        r = xe_print_uuid_of(run, "PIF", pif);
    }
    free(pif);
    return r;
}

int xe_verb_vlan_create(struct xe_run *run)
{
    const char *tag = xe_param(run, "vlan");
    char *net = NULL, *pif = NULL, *ref = NULL;
    long long n;
    int r = xe_get_ref(run, "network", xe_param(run, "network-uuid"), &net);

    if (r == 0) {
        r = xe_get_ref(run, "PIF", xe_param(run, "pif-uuid"), &pif);
    }
    if (r == 0 && xe_parse_int(tag, &n) < 0) {
        r = xe_fail_internal(run, "Failed to parse parameter 'vlan': expecting an integer");
    }
    if (r == 0) {
        char text[32];

        /* int64 travels as a decimal string in XenAPI's XML-RPC. */
        snprintf(text, sizeof text, "%lld", n);
        r = xe_call_string(run, "VLAN.create", xe_params("sss", pif, text, net), &ref);
    }
    if (r == 0) {
        r = print_pif_of(run, "VLAN", "get_untagged_PIF", ref);
    }
    free(net);
    free(pif);
    free(ref);
    return r;
}

int xe_verb_vlan_destroy(struct xe_run *run)
{
    const char *uuid = xe_param(run, "uuid");
    struct sbuf first = SBUF_INIT, *err = run->err;
    const struct xapi_error *e;
    char *ref = NULL;
    int r;

    /* Like xe: a VLAN uuid, or (as Rio allowed) the uuid of the VLAN's PIF.
     * The first error is the one reported when neither works. */
    run->err = &first;
    r = on_uuid(run, "VLAN", "uuid", "destroy");
    run->err = err;
    e = xapi_last_error(run->s);
    if (r < 0 &&
        !(e->code && (!strcmp(e->code, "HANDLE_INVALID") || !strcmp(e->code, "HOST_OFFLINE")))) {
        struct sbuf ignored = SBUF_INIT;

        run->err = &ignored;
        if (xe_get_ref(run, "PIF", uuid, &ref) == 0) {
            run->err = err;
            sbuf_reset(&first);
            r = xe_call(run, "PIF.destroy", xe_params("s", ref), NULL);
        }
        run->err = err;
        sbuf_free(&ignored);
    }
    sbuf_adds(err, sbuf_str(&first));
    sbuf_free(&first);
    free(ref);
    return r;
}

int xe_verb_tunnel_create(struct xe_run *run)
{
    static const char *const protocols[] = {"gre", "vxlan", NULL};
    const char *text = xe_param(run, "protocol");
    const char *protocol = text ? choose(text, protocols) : "gre";
    char *net = NULL, *pif = NULL, *ref = NULL;
    int r;

    if (!protocol) {
        return xe_fail(run, "Invalid tunnel protocol '%s': expected gre or vxlan", text);
    }
    r = xe_get_ref(run, "network", xe_param(run, "network-uuid"), &net);
    if (r == 0) {
        r = xe_get_ref(run, "PIF", xe_param(run, "pif-uuid"), &pif);
    }
    if (r == 0) {
        r = xe_call_string(run, "tunnel.create", xe_params("sss", pif, net, protocol), &ref);
    }
    if (r == 0) {
        r = print_pif_of(run, "tunnel", "get_access_PIF", ref);
    }
    free(net);
    free(pif);
    free(ref);
    return r;
}

int xe_verb_tunnel_destroy(struct xe_run *run)
{
    return on_uuid(run, "tunnel", "uuid", "destroy");
}

/* A random locally administered unicast MAC, as mac=random asks. */
static int random_mac(char out[18])
{
    unsigned char b[6];

    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        return -EIO;
    }
    b[0] = (unsigned char)((b[0] & 0xfe) | 0x02);
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return 0;
}

/* The VIF record of vif-create, with xe's defaults. */
static struct xr_value *vif_record(struct xe_run *run, const char *vm, const char *net,
                                   const char *mac, const char *mtu)
{
    struct xr_value *rec = xr_struct();
    int r = rec ? 0 : -ENOMEM;

    if (r == 0) {
        r = xr_struct_set_string(rec, "device", xe_param(run, "device"));
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "network", net);
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "VM", vm);
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "MAC", mac);
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "MTU", mtu);
    }
    if (r == 0) {
        r = xr_struct_set(rec, "other_config", xr_struct());
    }
    if (r == 0) {
        r = xr_struct_set_bool(rec, "currently_attached", false);
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "qos_algorithm_type", "");
    }
    if (r == 0) {
        r = xr_struct_set(rec, "qos_algorithm_params", xr_struct());
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "locking_mode", "network_default");
    }
    if (r == 0) {
        r = xr_struct_set(rec, "ipv4_allowed", xr_array());
    }
    if (r == 0) {
        r = xr_struct_set(rec, "ipv6_allowed", xr_array());
    }
    if (r < 0) {
        xr_free(rec);
        return NULL;
    }
    return rec;
}

int xe_verb_vif_create(struct xe_run *run)
{
    const char *mac = or_empty(xe_param(run, "mac"));
    struct xr_value *mtu = NULL, *rec = NULL;
    char *vm = NULL, *net = NULL, *ref = NULL, random[18];
    char mtu_text[32];
    int64_t n = 0;
    int r;

    if (!strcmp(mac, "random")) {
        if (random_mac(random) < 0) {
            return xe_fail(run, "cannot read random bytes for mac=random");
        }
        mac = random;
    }
    r = xe_get_ref(run, "VM", xe_param(run, "vm-uuid"), &vm);
    if (r == 0) {
        r = xe_get_ref(run, "network", xe_param(run, "network-uuid"), &net);
    }
    if (r == 0) {
        r = xe_call(run, "network.get_MTU", xe_params("s", net), &mtu);
    }
    if (r == 0 && xr_get_int(mtu, &n) < 0) {
        r = xe_fail(run, "network.get_MTU did not return an integer");
    }
    if (r == 0) {
        snprintf(mtu_text, sizeof mtu_text, "%" PRId64, n);
        rec = vif_record(run, vm, net, mac, mtu_text);
        r = rec ? 0 : xe_fail(run, "out of memory");
    }
    if (r == 0) {
        r = xe_call_string(run, "VIF.create", xe_params("v", rec), &ref);
    }
    if (r == 0) {
        r = xe_print_uuid_of(run, "VIF", ref);
    }
    xr_free(mtu);
    free(vm);
    free(net);
    free(ref);
    return r;
}

int xe_verb_vif_destroy(struct xe_run *run)
{
    return on_uuid(run, "VIF", "uuid", "destroy");
}

int xe_verb_vif_plug(struct xe_run *run)
{
    return on_uuid(run, "VIF", "uuid", "plug");
}

int xe_verb_vif_unplug(struct xe_run *run)
{
    bool force = xe_args_bool(run->args, "force", false);

    return on_uuid(run, "VIF", "uuid", force ? "unplug_force" : "unplug");
}

int xe_verb_vm_create(struct xe_run *run)
{
    struct xr_value *rec = xr_struct();
    char *ref = NULL;
    int r = rec ? 0 : -ENOMEM;

    if (r == 0) {
        r = xr_struct_set_string(rec, "name_label", xe_param(run, "name-label"));
    }
    if (r == 0) {
        r = xr_struct_set_string(rec, "name_description",
                                 or_empty(xe_param(run, "name-description")));
    }
    if (r == 0) {
        r = xr_struct_set_bool(rec, "is_a_template", false);
    }
    if (r == 0) {
        r = xr_struct_set(rec, "other_config", xr_struct());
    }
    if (r < 0) {
        xr_free(rec);
        return xe_fail(run, "out of memory");
    }
    r = xe_call_string(run, "VM.create", xe_params("v", rec), &ref);
    if (r == 0) {
        r = xe_print_uuid_of(run, "VM", ref);
    }
    free(ref);
    return r;
}

/* The VMs a VM operation acts on: vm=<uuid or name-label> and filters on
 * VM fields, never the control domain nor templates.  Fills "vms" (struct
 * ref -> record).  Returns 0 or a negative errno after a message. */
static int select_vms(struct xe_run *run, struct xr_value **vms)
{
    static const char *const skip[] = {"vm", "on", "paused", "progress", NULL};
    const struct xe_class *cls = xe_class_find("vm");
    const char *vm = xe_param(run, "vm");
    struct xr_value *all = NULL, *sel = NULL;
    int r = xe_select(run, cls, skip, &all, &sel);

    *vms = NULL;
    if (r < 0) {
        return r;
    }
    for (size_t i = xr_struct_len(sel); i > 0; i--) {
        const struct xr_value *rec = xr_struct_value(sel, i - 1);
        const char *uuid = xr_get_string(xr_struct_get(rec, "uuid"));
        const char *name = xr_get_string(xr_struct_get(rec, "name_label"));
        bool dom0 = false;

        xr_get_bool(xr_struct_get(rec, "is_control_domain"), &dom0);
        if (dom0 || (vm && !(uuid && !strcmp(uuid, vm)) && !(name && !strcmp(name, vm)))) {
            char *key = strdup(xr_struct_key(sel, i - 1));

            if (!key) {
                r = xe_fail(run, "out of memory");
                break;
            }
            xr_struct_remove(sel, key);
            free(key);
        }
    }
    xr_free(all);
    if (r == 0 && xr_struct_len(sel) == 0) {
        r = xe_fail_internal(run, "No matching VMs found");
    } else if (r == 0 && xr_struct_len(sel) > 1 && !xe_args_bool(run->args, "multiple", false)) {
        r = xe_fail_internal(run, "Multiple matches VMs found. --multiple required to complete "
                                  "the operation");
    }
    if (r < 0) {
        xr_free(sel);
        return r;
    }
    *vms = sel;
    return 0;
}

/* The host "on=" names, by uuid or name-label. */
static int host_named(struct xe_run *run, const char *text, char **ref)
{
    struct xr_value *hosts = NULL;
    int r = xe_call(run, "host.get_all_records", xe_params(""), &hosts);

    *ref = NULL;
    for (size_t i = 0; r == 0 && !*ref && i < xr_struct_len(hosts); i++) {
        const struct xr_value *rec = xr_struct_value(hosts, i);
        const char *uuid = xr_get_string(xr_struct_get(rec, "uuid"));
        const char *name = xr_get_string(xr_struct_get(rec, "name_label"));

        if ((uuid && !strcmp(uuid, text)) || (name && !strcmp(name, text))) {
            *ref = strdup(xr_struct_key(hosts, i));
            r = *ref ? 0 : xe_fail(run, "out of memory");
        }
    }
    xr_free(hosts);
    if (r == 0 && !*ref) {
        r = xe_fail_internal(run, "No matching hosts found");
    }
    return r;
}

/* Runs "op" on each selected VM; with several, every one is tried and the
 * failures are listed as xe does. */
static int each_vm(struct xe_run *run, int (*op)(struct xe_run *, const char *, const void *),
                   const void *arg)
{
    struct xr_value *vms = NULL;
    int r = select_vms(run, &vms), status = 0;
    size_t n = xr_struct_len(vms);

    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        struct sbuf err = SBUF_INIT, *saved = run->err;

        if (n > 1) {
            run->err = &err;
        }
        r = op(run, xr_struct_key(vms, i), arg);
        run->err = saved;
        if (r < 0 && n > 1) {
            const char *uuid = xr_get_string(xr_struct_get(xr_struct_value(vms, i), "uuid"));
            size_t len = err.len;

            while (len > 0 && err.data[len - 1] == '\n') {
                len--;
            }
            sbuf_addf(run->out, "operation failed on %s: %.*s\n", uuid ? uuid : "?", (int)len,
                      sbuf_str(&err));
        }
        if (r < 0) {
            status = r;
        }
        sbuf_free(&err);
    }
    xr_free(vms);
    return status;
}

static int start_one(struct xe_run *run, const char *vm, const void *arg)
{
    const char *host = arg;
    bool paused = xe_args_bool(run->args, "paused", false);
    bool force = xe_args_bool(run->args, "force", false);

    if (host) {
        return xe_call(run, "VM.start_on", xe_params("ssbb", vm, host, paused, force), NULL);
    }
    return xe_call(run, "VM.start", xe_params("sbb", vm, paused, force), NULL);
}

int xe_verb_vm_start(struct xe_run *run)
{
    const char *on = xe_param(run, "on");
    char *host = NULL;
    int r = 0;

    if (on) {
        r = host_named(run, on, &host);
    }
    if (r == 0) {
        r = each_vm(run, start_one, host);
    }
    free(host);
    return r;
}

static int shutdown_one(struct xe_run *run, const char *vm, const void *arg)
{
    (void)arg;
    return xe_call(
            run, xe_args_bool(run->args, "force", false) ? "VM.hard_shutdown" : "VM.clean_shutdown",
            xe_params("s", vm), NULL);
}

int xe_verb_vm_shutdown(struct xe_run *run)
{
    return each_vm(run, shutdown_one, NULL);
}

int xe_verb_host_management_reconfigure(struct xe_run *run)
{
    char *pif = NULL;
    int r = xe_get_ref(run, "PIF", xe_param(run, "pif-uuid"), &pif);

    if (r == 0) {
        r = xe_call(run, "host.management_reconfigure", xe_params("s", pif), NULL);
    }
    free(pif);
    return r;
}

int xe_verb_pool_set_vswitch_controller(struct xe_run *run)
{
    return xe_call(run, "pool.set_vswitch_controller", xe_params("s", xe_param(run, "address")),
                   NULL);
}

int xe_verb_sdn_controller_introduce(struct xe_run *run)
{
    static const char *const protocols[] = {"ssl", "pssl", NULL};
    const char *text = xe_param(run, "protocol");
    const char *protocol = text ? choose(text, protocols) : "ssl";
    const char *port = xe_param(run, "tcp-port");
    char port_text[32], *ref = NULL;
    long long n = 0;
    int r;

    if (!protocol) {
        return xe_fail(run, "Invalid SDN controller protocol '%s': expected ssl or pssl", text);
    }
    if (port && xe_parse_int(port, &n) < 0) {
        return xe_fail_internal(run, "port field should be an integer");
    }
    snprintf(port_text, sizeof port_text, "%lld", n);
    r = xe_call_string(run, "SDN_controller.introduce",
                       xe_params("sss", protocol, or_empty(xe_param(run, "address")), port_text),
                       &ref);
    if (r == 0) {
        r = xe_print_uuid_of(run, "SDN_controller", ref);
    }
    free(ref);
    return r;
}

int xe_verb_sdn_controller_forget(struct xe_run *run)
{
    return on_uuid(run, "SDN_controller", "uuid", "forget");
}

int xe_verb_host_call_plugin(struct xe_run *run)
{
    struct xr_value *args = xe_map_params(run, "args");
    char *host = NULL, *result = NULL;
    int r;

    if (!args) {
        return xe_fail(run, "out of memory");
    }
    r = xe_get_ref(run, "host", xe_param(run, "host-uuid"), &host);
    if (r == 0) {
        r = xe_call_string(
                run, "host.call_plugin",
                xe_params("sssv", host, xe_param(run, "plugin"), xe_param(run, "fn"), args),
                &result);
        args = NULL;
    }
    if (r == 0) {
        xe_print_value(run, result);
    }
    xr_free(args);
    free(host);
    free(result);
    return r;
}
