/* The VM and VIF write methods of xvs-xapi-sim: records with XAPI's checks
 * and errors, and the lifecycle of guests (sim_guest.h) for VM.start,
 * VM.shutdown, VIF.plug and VIF.unplug. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records.h"
#include "sim_api.h"
#include "sim_ctx.h"
#include "sim_db.h"
#include "sim_guest.h"
#include "sim_methods.h"
#include "sim_net.h"
#include "xmlrpc.h"

#define C_VM  (&xapi_class_vm)
#define C_VIF (&xapi_class_vif)
#define C_NET (&xapi_class_network)

/* Device numbers of VIFs: Xen's limit on a VM's network devices is far
 * lower, but XAPI only requires a small non-negative integer. */
#define VIF_DEVID_MAX 65535

static bool valid_locking_mode(const char *m)
{
    return !strcmp(m, "network_default") || !strcmp(m, "locked") || !strcmp(m, "unlocked") ||
           !strcmp(m, "disabled");
}

static bool valid_ip(const char *s, bool v6)
{
    unsigned char buf[16];

    return s && inet_pton(v6 ? AF_INET6 : AF_INET, s, buf) == 1;
}

/* Checks that "v" is an array of IPv4 (IPv6) addresses: NULL or the
 * failure. */
static struct xr_value *check_ips(const struct xr_value *v, bool v6, const char *name)
{
    if (xr_type(v) != XR_ARRAY) {
        return sim_net_type_error(name);
    }
    for (size_t i = 0; i < xr_array_len(v); i++) {
        const char *s = xr_get_string(xr_array_get(v, i));

        if (!s) {
            return sim_net_type_error(name);
        }
        if (!valid_ip(s, v6)) {
            return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, s);
        }
    }
    return NULL;
}

static bool is_running(struct sim_ctx *ctx, const char *vm)
{
    const char *ps = sim_rec_str(ctx->db, C_VM, vm, "power_state");

    return ps && (!strcmp(ps, "Running") || !strcmp(ps, "Paused"));
}

/* OTHER_OPERATION_IN_PROGRESS when VM "vm" is being started or stopped
 * by a call that is still running programs, else NULL. */
static struct xr_value *check_busy(struct sim_ctx *ctx, const char *vm)
{
    for (size_t i = 0; vm && i < ctx->n_busy; i++) {
        if (!strcmp(ctx->busy[i].ref, vm)) {
            return sim_failure("OTHER_OPERATION_IN_PROGRESS", 2, "VM", vm);
        }
    }
    return NULL;
}

static struct xr_value *bad_power_state(const char *vm, const char *want, const char *have)
{
    char lower[32];
    size_t i;

    for (i = 0; i < sizeof lower - 1 && have[i]; i++) {
        lower[i] = (char)(have[i] >= 'A' && have[i] <= 'Z' ? have[i] + 32 : have[i]);
    }
    lower[i] = '\0';
    return sim_failure("VM_BAD_POWER_STATE", 3, vm, want, lower);
}

/* VM.create(record): the fields the network scripts use; the VM is
 * halted. */
static struct xr_value *vm_create(struct sim_ctx *ctx, const struct xr_value *params)
{
    const struct xr_value *rec = xr_array_get(params, 1), *v;
    struct xapi_vm vm = {0};
    char ref[48], uuid[37];
    struct sim_db *work;
    int r;

    if (xr_type(rec) != XR_STRUCT) {
        return sim_net_type_error("args");
    }
    v = xr_struct_get(rec, "name_label");
    if (v && xr_type(v) != XR_STRING) {
        return sim_net_type_error("name_label");
    }
    vm.name_label = (char *)(v ? xr_get_string(v) : "");
    v = xr_struct_get(rec, "other_config");
    if (v && !sim_net_is_string_map(v)) {
        return sim_net_type_error("other_config");
    }
    r = sim_db_new_ref(ref);
    if (r == 0) {
        r = sim_db_uuid(uuid);
    }
    if (r < 0) {
        return sim_net_internal("no random source");
    }
    vm.ref = ref;
    vm.uuid = uuid;
    vm.power_state = "Halted";
    vm.domid = -1;
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    r = sim_db_insert_typed(work, C_VM, &vm);
    if (r == 0) {
        struct xr_value *oc = v ? xr_copy(v) : xr_struct();
        char seed[37];

        /* As Xapi_vm.create: a mac_seed, from which VIFs created without a
         * MAC get theirs. */
        if (oc && !xr_struct_get(oc, "mac_seed")) {
            r = sim_db_uuid(seed);
            if (r == 0) {
                r = xr_struct_set_string(oc, "mac_seed", seed);
            }
        }
        if (r < 0 || !oc) {
            xr_free(oc);
            r = r < 0 ? r : -ENOMEM;
        } else {
            r = sim_db_set_field(work, C_VM, ref, "other_config", oc);
        }
    }
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    return sim_net_finish_ref(ctx, work, ref);
}

/* Removes VIF "vif" and its links from "work". */
static int remove_vif(struct sim_db *work, const char *vif)
{
    return sim_net_remove_linked(work, C_VIF, vif, "VIFs", C_VM, "VM");
}

static struct xr_value *vm_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err, *vifs;
    struct sim_db *work;
    const char *self;
    int r = 0;

    if ((err = sim_net_check(ctx, C_VM, params, 1, "self", &self))) {
        return err;
    }
    if (sim_rec_bool(ctx->db, C_VM, self, "is_control_domain")) {
        return sim_failure("OPERATION_NOT_ALLOWED", 1, "the control domain cannot be destroyed");
    }
    if ((err = check_busy(ctx, self))) {
        return err;
    }
    if (is_running(ctx, self)) {
        return bad_power_state(self, "halted, suspended",
                               sim_rec_str(ctx->db, C_VM, self, "power_state"));
    }
    vifs = xr_copy(xr_struct_get(sim_rec(ctx->db, C_VM, self), "VIFs"));
    if (!vifs || sim_txn_begin(ctx, &work) < 0) {
        xr_free(vifs);
        return NULL;
    }
    /* XAPI destroys a VM's VIFs with it. */
    for (size_t i = 0; i < xr_array_len(vifs) && r == 0; i++) {
        const char *vif = xr_get_string(xr_array_get(vifs, i));

        if (sim_rec(work, C_VIF, vif)) {
            r = remove_vif(work, vif);
        }
    }
    xr_free(vifs);
    if (r == 0) {
        r = sim_db_remove(work, C_VM, self);
    }
    return sim_net_finish_status(ctx, work, r);
}

/* The MAC of VIF "device" of a VM with mac_seed "seed": a hash chain like
 * XAPI's gen_mac (XAPI hashes with MD5, the simulator with FNV-1a, so the
 * values differ), locally administered and unicast. */
static void seeded_mac(const char *seed, long device, char out[18])
{
    uint64_t h = 14695981039346656037ull;
    unsigned char b[6];

    for (long round = 0; round <= device; round++) {
        for (const char *p = seed; *p; p++) {
            h ^= (unsigned char)*p;
            h *= 1099511628211ull;
        }
        h ^= (uint64_t)round;
        h *= 1099511628211ull;
    }
    for (size_t i = 0; i < 6; i++) {
        b[i] = (unsigned char)(h >> (8 * i));
    }
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (b[0] | 2) & 0xfe, b[1], b[2], b[3], b[4],
             b[5]);
}

/* VIF.create(record). */
static struct xr_value *vif_create(struct sim_ctx *ctx, const struct xr_value *params)
{
    static const char *const strings[] = {"device", "network", "VM", "MAC", "locking_mode"};
    const struct xr_value *rec = xr_array_get(params, 1), *v;
    const char *s[5], *vifs_vm;
    struct xapi_vif vif = {0};
    char ref[48], uuid[37], mac[18], *end;
    struct xr_value *err;
    struct sim_db *work;
    int64_t mtu = 0;
    long devid;
    int r;

    if (xr_type(rec) != XR_STRUCT) {
        return sim_net_type_error("args");
    }
    for (size_t i = 0; i < 5; i++) {
        v = xr_struct_get(rec, strings[i]);
        if (v && xr_type(v) != XR_STRING) {
            return sim_net_type_error(strings[i]);
        }
        s[i] = v ? xr_get_string(v) : "";
    }
    if (!sim_db_get(ctx->db, C_VM, s[2])) {
        return sim_net_handle_invalid("VM", s[2]);
    }
    if (!sim_db_get(ctx->db, C_NET, s[1])) {
        return sim_net_handle_invalid("network", s[1]);
    }
    errno = 0;
    devid = strtol(s[0], &end, 10);
    if (!*s[0] || *end || errno || devid < 0 || devid > VIF_DEVID_MAX) {
        return sim_failure("INVALID_DEVICE", 1, s[0]);
    }
    vifs_vm = s[2];
    for (size_t i = 0; i < sim_db_count(ctx->db, C_VIF); i++) {
        const char *other = sim_db_ref_at(ctx->db, C_VIF, i);

        if (!strcmp(sim_rec_str(ctx->db, C_VIF, other, "VM"), vifs_vm) &&
            strtol(sim_rec_str(ctx->db, C_VIF, other, "device"), NULL, 10) == devid) {
            return sim_failure("DEVICE_ALREADY_EXISTS", 1, s[0]);
        }
    }
    if (!*s[3]) {
        const char *seed = xr_get_string(xr_struct_get(
                xr_struct_get(sim_rec(ctx->db, C_VM, s[2]), "other_config"), "mac_seed"));

        if (seed) {
            seeded_mac(seed, devid, mac);
            s[3] = mac;
        }
    }
    if (!sim_net_valid_mac(s[3])) {
        return sim_failure("MAC_INVALID", 1, s[3]);
    }
    if (!*s[4]) {
        s[4] = "network_default";
    }
    if (!valid_locking_mode(s[4])) {
        return sim_failure("INVALID_VALUE", 2, "locking_mode", s[4]);
    }
    v = xr_struct_get(rec, "MTU");
    if (v && xr_get_int(v, &mtu) < 0) {
        return sim_net_type_error("MTU");
    }
    if (!v || mtu == 0) {
        mtu = sim_rec_int(ctx->db, C_NET, s[1], "MTU");
    }
    if (mtu < 68 || mtu > 65535) {
        char text[24];

        snprintf(text, sizeof text, "%" PRId64, mtu);
        return sim_failure("MTU_RANGE", 3, text, "68", "65535");
    }
    v = xr_struct_get(rec, "other_config");
    if (v && !sim_net_is_string_map(v)) {
        return sim_net_type_error("other_config");
    }
    if (xr_struct_get(rec, "ipv4_allowed") &&
        (err = check_ips(xr_struct_get(rec, "ipv4_allowed"), false, "ipv4_allowed"))) {
        return err;
    }
    if (xr_struct_get(rec, "ipv6_allowed") &&
        (err = check_ips(xr_struct_get(rec, "ipv6_allowed"), true, "ipv6_allowed"))) {
        return err;
    }
    r = sim_db_new_ref(ref);
    if (r == 0) {
        r = sim_db_uuid(uuid);
    }
    if (r < 0) {
        return sim_net_internal("no random source");
    }
    vif.ref = ref;
    vif.uuid = uuid;
    vif.device = (char *)s[0];
    vif.network = (char *)s[1];
    vif.vm = (char *)s[2];
    vif.mac = (char *)s[3];
    vif.mtu = mtu;
    vif.locking_mode = (char *)s[4];
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    r = sim_db_insert_typed(work, C_VIF, &vif);
    for (size_t i = 0; i < 3 && r == 0; i++) {
        static const char *const copied[] = {"other_config", "ipv4_allowed", "ipv6_allowed"};
        struct xr_value *c;

        if (!xr_struct_get(rec, copied[i])) {
            continue;
        }
        c = xr_copy(xr_struct_get(rec, copied[i]));
        r = c ? sim_db_set_field(work, C_VIF, ref, copied[i], c) : -ENOMEM;
    }
    if (r == 0) {
        r = sim_set_add(work, C_VM, s[2], "VIFs", ref);
    }
    if (r == 0) {
        r = sim_set_add(work, C_NET, s[1], "VIFs", ref);
    }
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    return sim_net_finish_ref(ctx, work, ref);
}

static struct xr_value *vif_destroy(struct sim_ctx *ctx, const struct xr_value *params)
{
    struct xr_value *err;
    struct sim_db *work;
    const char *self;

    if ((err = sim_net_check(ctx, C_VIF, params, 1, "self", &self))) {
        return err;
    }
    if ((err = check_busy(ctx, sim_rec_str(ctx->db, C_VIF, self, "VM")))) {
        return err;
    }
    if (sim_rec_bool(ctx->db, C_VIF, self, "currently_attached")) {
        return sim_failure("OPERATION_NOT_ALLOWED", 1, "VIF is currently attached");
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    return sim_net_finish_status(ctx, work, remove_vif(work, self));
}

/* The runtime description of VIF "vif" (strings borrowed from the live
 * store).  Returns false when its network is gone. */
static bool guest_vif(struct sim_ctx *ctx, const char *vif, struct sim_guest_vif *g)
{
    const struct xr_value *rec = sim_rec(ctx->db, C_VIF, vif);
    const char *vm = sim_rec_str(ctx->db, C_VIF, vif, "VM");
    const char *net = sim_rec_str(ctx->db, C_VIF, vif, "network");
    const char *mode = sim_rec_str(ctx->db, C_VIF, vif, "locking_mode");

    if (!rec || !sim_rec(ctx->db, C_NET, net) || !sim_rec(ctx->db, C_VM, vm)) {
        return false;
    }
    memset(g, 0, sizeof *g);
    g->vm_uuid = sim_rec_str(ctx->db, C_VM, vm, "uuid");
    g->vif_uuid = sim_rec_str(ctx->db, C_VIF, vif, "uuid");
    g->network_uuid = sim_rec_str(ctx->db, C_NET, net, "uuid");
    g->bridge = sim_rec_str(ctx->db, C_NET, net, "bridge");
    g->mac = sim_rec_str(ctx->db, C_VIF, vif, "MAC");
    /* network_default takes the network's default_locking_mode. */
    if (!mode || !strcmp(mode, "network_default")) {
        mode = sim_rec_str(ctx->db, C_NET, net, "default_locking_mode");
        mode = mode && !strcmp(mode, "disabled") ? "disabled" : "unlocked";
    }
    g->locking_mode = mode;
    g->ipv4_allowed = xr_struct_get(rec, "ipv4_allowed");
    g->ipv6_allowed = xr_struct_get(rec, "ipv6_allowed");
    g->other_config = xr_struct_get(rec, "other_config");
    g->devid = (unsigned)strtoul(sim_rec_str(ctx->db, C_VIF, vif, "device"), NULL, 10);
    g->mtu = sim_rec_int(ctx->db, C_VIF, vif, "MTU");
    return true;
}

/* Sets currently_attached of the VIFs in "vifs" (and, when "vm" is not
 * NULL, the VM's power fields) in one transaction. */
static int commit_state(struct sim_ctx *ctx, const char *vm, const char *power, long long domid,
                        const char *resident, const struct xr_value *vifs, bool attached)
{
    struct sim_db *work;
    int r = sim_txn_begin(ctx, &work);

    for (size_t i = 0; r == 0 && i < xr_array_len(vifs); i++) {
        const char *vif = xr_get_string(xr_array_get(vifs, i));

        if (sim_rec(work, C_VIF, vif)) {
            r = sim_set_bool(work, C_VIF, vif, "currently_attached", attached);
        }
    }
    if (r == 0 && vm && sim_rec(work, C_VM, vm)) {
        r = sim_set_str(work, C_VM, vm, "power_state", power);
        if (r == 0) {
            r = sim_set_int(work, C_VM, vm, "domid", domid);
        }
        if (r == 0) {
            r = sim_set_str(work, C_VM, vm, "resident_on", resident);
        }
    }
    if (r < 0) {
        sim_db_free(work);
        return r;
    }
    return sim_txn_commit(ctx, work);
}

static unsigned new_domid(struct sim_ctx *ctx)
{
    long long max = 0;

    for (size_t i = 0; i < sim_db_count(ctx->db, C_VM); i++) {
        const char *vm = sim_db_ref_at(ctx->db, C_VM, i);
        long long d = sim_rec_int(ctx->db, C_VM, vm, "domid");

        if (is_running(ctx, vm) && d > max) {
            max = d;
        }
    }
    while (sim_ctx_domid_busy(ctx, (unsigned)max + 1)) {
        max++;
    }
    return (unsigned)max + 1;
}

/* Unplugs the attached VIFs among "vifs" of domain "domid". */
static void unplug_all(struct sim_ctx *ctx, const char *vm_uuid, unsigned domid,
                       const struct xr_value *vifs, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        const char *vif = xr_get_string(xr_array_get(vifs, i));
        const char *dev = sim_rec_str(ctx->db, C_VIF, vif, "device");

        if (dev) {
            sim_guest_vif_unplug(ctx, vm_uuid, domid, (unsigned)strtoul(dev, NULL, 10));
        }
    }
}

/* VM.start(vm, start_paused, force). */
static struct xr_value *vm_start(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *name;
    bool paused = false, force = false;
    char uuid[37], vm[48], err_text[512], *ns = NULL;
    struct xr_value *err, *vifs = NULL, *res = NULL;
    unsigned domid;
    size_t done = 0;

    if ((err = sim_net_check(ctx, C_VM, params, 1, "vm", &self))) {
        return err;
    }
    if (xr_get_bool(xr_array_get(params, 2), &paused) < 0) {
        return sim_net_type_error("start_paused");
    }
    if (xr_get_bool(xr_array_get(params, 3), &force) < 0) {
        return sim_net_type_error("force");
    }
    if (sim_rec_bool(ctx->db, C_VM, self, "is_control_domain")) {
        return sim_failure("OPERATION_NOT_ALLOWED", 1, "the control domain is always running");
    }
    if (is_running(ctx, self)) {
        return bad_power_state(self, "halted", sim_rec_str(ctx->db, C_VM, self, "power_state"));
    }
    snprintf(uuid, sizeof uuid, "%s", sim_rec_str(ctx->db, C_VM, self, "uuid"));
    snprintf(vm, sizeof vm, "%s", self);
    name = sim_rec_str(ctx->db, C_VM, self, "name_label");
    domid = new_domid(ctx);
    if (sim_ctx_busy_add(ctx, vm, domid) < 0) {
        return sim_failure("OTHER_OPERATION_IN_PROGRESS", 2, "VM", vm);
    }
    if (sim_guest_start(ctx, uuid, name ? name : "", domid, &ns, err_text, sizeof err_text) < 0) {
        sim_ctx_busy_del(ctx, vm);
        return sim_net_internal(err_text);
    }
    vifs = xr_copy(xr_struct_get(sim_rec(ctx->db, C_VM, self), "VIFs"));
    if (!vifs) {
        goto undo;
    }
    for (; done < xr_array_len(vifs); done++) {
        struct sim_guest_vif g;
        const char *vif = xr_get_string(xr_array_get(vifs, done));

        if (!guest_vif(ctx, vif, &g)) {
            snprintf(err_text, sizeof err_text, "VIF %s: its network is gone", vif);
            res = sim_net_internal(err_text);
            goto undo;
        }
        if (sim_guest_vif_plug(ctx, domid, ns, &g, err_text, sizeof err_text) < 0) {
            res = sim_net_internal(err_text);
            goto undo;
        }
    }
    if (!sim_rec(ctx->db, C_VM, vm) || commit_state(ctx, vm, paused ? "Paused" : "Running", domid,
                                                    sim_net_host_ref(ctx), vifs, true) < 0) {
        res = sim_net_internal("cannot save the state file");
        goto undo;
    }
    xlog_info("VM %s started as domain %u in namespace %s", uuid, domid, ns);
    sim_ctx_busy_del(ctx, vm);
    xr_free(vifs);
    free(ns);
    return sim_success(xr_string(""));
undo:
    unplug_all(ctx, uuid, domid, vifs, done);
    sim_guest_stop(ctx, uuid, domid);
    sim_ctx_busy_del(ctx, vm);
    xr_free(vifs);
    free(ns);
    return res ? res : sim_net_internal("out of memory");
}

/* VM.shutdown, clean_shutdown, hard_shutdown (vm).  XAPI's allowed power
 * states: clean_shutdown needs a running VM, the others take a paused one
 * too (and a suspended one, which the simulator never has). */
static struct xr_value *vm_do_shutdown(struct sim_ctx *ctx, const struct xr_value *params,
                                       bool clean)
{
    const char *self;
    char uuid[37], vm[48];
    struct xr_value *err, *vifs, *attached;
    long long domid;

    if ((err = sim_net_check(ctx, C_VM, params, 1, "vm", &self))) {
        return err;
    }
    if (sim_rec_bool(ctx->db, C_VM, self, "is_control_domain")) {
        return sim_failure("OPERATION_NOT_ALLOWED", 1, "the control domain cannot be shut down");
    }
    if (!is_running(ctx, self) ||
        (clean && strcmp(sim_rec_str(ctx->db, C_VM, self, "power_state"), "Running") != 0)) {
        return bad_power_state(self, clean ? "running" : "paused, suspended, running",
                               sim_rec_str(ctx->db, C_VM, self, "power_state"));
    }
    snprintf(uuid, sizeof uuid, "%s", sim_rec_str(ctx->db, C_VM, self, "uuid"));
    snprintf(vm, sizeof vm, "%s", self);
    domid = sim_rec_int(ctx->db, C_VM, self, "domid");
    vifs = xr_copy(xr_struct_get(sim_rec(ctx->db, C_VM, self), "VIFs"));
    attached = xr_array();
    if (!vifs || !attached) {
        xr_free(vifs);
        xr_free(attached);
        return NULL;
    }
    if (sim_ctx_busy_add(ctx, vm, (unsigned)domid) < 0) {
        xr_free(vifs);
        xr_free(attached);
        return sim_failure("OTHER_OPERATION_IN_PROGRESS", 2, "VM", vm);
    }
    for (size_t i = 0; i < xr_array_len(vifs); i++) {
        const char *vif = xr_get_string(xr_array_get(vifs, i));

        if (sim_rec_bool(ctx->db, C_VIF, vif, "currently_attached") &&
            xr_array_append(attached, xr_string(vif)) < 0) {
            xr_free(vifs);
            xr_free(attached);
            return NULL;
        }
    }
    unplug_all(ctx, uuid, (unsigned)domid, attached, xr_array_len(attached));
    sim_guest_stop(ctx, uuid, (unsigned)domid);
    sim_ctx_busy_del(ctx, vm);
    xr_free(attached);
    if (commit_state(ctx, vm, "Halted", -1, XAPI_NULL_REF, vifs, false) < 0) {
        xr_free(vifs);
        return sim_net_internal("cannot save the state file");
    }
    xr_free(vifs);
    xlog_info("VM %s shut down", uuid);
    return sim_success(xr_string(""));
}

static struct xr_value *vm_shutdown(struct sim_ctx *ctx, const struct xr_value *params)
{
    return vm_do_shutdown(ctx, params, false);
}

static struct xr_value *vm_clean_shutdown(struct sim_ctx *ctx, const struct xr_value *params)
{
    return vm_do_shutdown(ctx, params, true);
}

/* VIF.plug / VIF.unplug (self). */
static struct xr_value *vif_plug(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *vm;
    char err_text[512], vm_ref[48], *ns;
    struct xr_value *err, *one;
    struct sim_guest_vif g;
    unsigned domid;
    int r;

    if ((err = sim_net_check(ctx, C_VIF, params, 1, "self", &self))) {
        return err;
    }
    vm = sim_rec_str(ctx->db, C_VIF, self, "VM");
    if ((err = check_busy(ctx, vm))) {
        return err;
    }
    if (!is_running(ctx, vm)) {
        return bad_power_state(vm, "running", sim_rec_str(ctx->db, C_VM, vm, "power_state"));
    }
    if (sim_rec_bool(ctx->db, C_VIF, self, "currently_attached")) {
        return sim_failure("DEVICE_ALREADY_ATTACHED", 1, self);
    }
    if (!guest_vif(ctx, self, &g)) {
        return sim_net_internal("the VIF's network is gone");
    }
    ns = sim_guest_ns(g.vm_uuid);
    if (!ns) {
        return sim_net_internal("the VM's namespace is not recorded");
    }
    snprintf(vm_ref, sizeof vm_ref, "%s", vm);
    domid = (unsigned)sim_rec_int(ctx->db, C_VM, vm, "domid");
    sim_ctx_busy_add(ctx, vm_ref, domid);
    r = sim_guest_vif_plug(ctx, domid, ns, &g, err_text, sizeof err_text);
    sim_ctx_busy_del(ctx, vm_ref);
    free(ns);
    if (r < 0) {
        return sim_net_internal(err_text);
    }
    one = xr_array();
    if (!one || xr_array_append(one, xr_string(self)) < 0 ||
        commit_state(ctx, NULL, NULL, 0, NULL, one, true) < 0) {
        xr_free(one);
        return sim_net_internal("cannot save the state file");
    }
    xr_free(one);
    return sim_success(xr_string(""));
}

static struct xr_value *vif_unplug(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *vm;
    struct xr_value *err, *one;
    char uuid[37], vm_ref[48];
    unsigned domid;

    if ((err = sim_net_check(ctx, C_VIF, params, 1, "self", &self))) {
        return err;
    }
    if (!sim_rec_bool(ctx->db, C_VIF, self, "currently_attached")) {
        return sim_failure("DEVICE_ALREADY_DETACHED", 1, self);
    }
    vm = sim_rec_str(ctx->db, C_VIF, self, "VM");
    if ((err = check_busy(ctx, vm))) {
        return err;
    }
    snprintf(uuid, sizeof uuid, "%s", sim_rec_str(ctx->db, C_VM, vm, "uuid"));
    snprintf(vm_ref, sizeof vm_ref, "%s", vm);
    domid = (unsigned)sim_rec_int(ctx->db, C_VM, vm, "domid");
    sim_ctx_busy_add(ctx, vm_ref, domid);
    sim_guest_vif_unplug(ctx, uuid, domid,
                         (unsigned)strtoul(sim_rec_str(ctx->db, C_VIF, self, "device"), NULL, 10));
    sim_ctx_busy_del(ctx, vm_ref);
    one = xr_array();
    if (!one || xr_array_append(one, xr_string(self)) < 0 ||
        commit_state(ctx, NULL, NULL, 0, NULL, one, false) < 0) {
        xr_free(one);
        return sim_net_internal("cannot save the state file");
    }
    xr_free(one);
    return sim_success(xr_string(""));
}

/* Locking: the record changes, then an attached VIF's rules are redone, as
 * XAPI asks xenopsd to. */
static struct xr_value *vif_locking_commit(struct sim_ctx *ctx, const char *self,
                                           struct sim_db *work)
{
    struct xr_value *res = sim_net_finish_void(ctx, work);
    struct sim_guest_vif g;
    char err_text[512];

    if (sim_net_ok(res) && sim_rec_bool(ctx->db, C_VIF, self, "currently_attached") &&
        guest_vif(ctx, self, &g)) {
        const char *vm = sim_rec_str(ctx->db, C_VIF, self, "VM");

        if (sim_guest_vif_refresh(ctx, (unsigned)sim_rec_int(ctx->db, C_VM, vm, "domid"), &g,
                                  err_text, sizeof err_text) < 0) {
            xr_free(res);
            return sim_net_internal(err_text);
        }
    }
    return res;
}

static struct xr_value *vif_set_locking_mode(struct sim_ctx *ctx, const struct xr_value *params)
{
    const char *self, *mode = sim_arg_str(params, 2);
    struct xr_value *err;
    struct sim_db *work;

    if ((err = sim_net_check(ctx, C_VIF, params, 1, "self", &self))) {
        return err;
    }
    if (!mode) {
        return sim_net_type_error("value");
    }
    if (!valid_locking_mode(mode)) {
        return sim_failure("INVALID_VALUE", 2, "locking_mode", mode);
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    if (sim_set_str(work, C_VIF, self, "locking_mode", mode) < 0) {
        sim_db_free(work);
        return NULL;
    }
    return vif_locking_commit(ctx, self, work);
}

/* set_ipv4_allowed / set_ipv6_allowed (self, value set). */
static struct xr_value *vif_set_allowed(struct sim_ctx *ctx, const struct xr_value *params, bool v6)
{
    const char *self, *field = v6 ? "ipv6_allowed" : "ipv4_allowed";
    const struct xr_value *set = xr_array_get(params, 2);
    struct xr_value *err, *c;
    struct sim_db *work;

    if ((err = sim_net_check(ctx, C_VIF, params, 1, "self", &self)) ||
        (err = check_ips(set, v6, "value"))) {
        return err;
    }
    c = xr_copy(set);
    if (!c || sim_txn_begin(ctx, &work) < 0) {
        xr_free(c);
        return NULL;
    }
    if (sim_db_set_field(work, C_VIF, self, field, c) < 0) {
        sim_db_free(work);
        return NULL;
    }
    return vif_locking_commit(ctx, self, work);
}

/* add_/remove_ipv4_allowed, add_/remove_ipv6_allowed (self, value). */
static struct xr_value *vif_change_allowed(struct sim_ctx *ctx, const struct xr_value *params,
                                           bool v6, bool add)
{
    const char *self, *ip = sim_arg_str(params, 2), *field = v6 ? "ipv6_allowed" : "ipv4_allowed";
    struct xr_value *err;
    struct sim_db *work;
    int r;

    if ((err = sim_net_check(ctx, C_VIF, params, 1, "self", &self))) {
        return err;
    }
    if (!ip) {
        return sim_net_type_error("value");
    }
    if (add && !valid_ip(ip, v6)) {
        return sim_failure("INVALID_IP_ADDRESS_SPECIFIED", 1, ip);
    }
    if (sim_txn_begin(ctx, &work) < 0) {
        return NULL;
    }
    r = add ? sim_set_add(work, C_VIF, self, field, ip)
            : sim_set_remove(work, C_VIF, self, field, ip);
    if (r < 0) {
        sim_db_free(work);
        return NULL;
    }
    return vif_locking_commit(ctx, self, work);
}

static struct xr_value *vif_set_ipv4(struct sim_ctx *ctx, const struct xr_value *p)
{
    return vif_set_allowed(ctx, p, false);
}

static struct xr_value *vif_set_ipv6(struct sim_ctx *ctx, const struct xr_value *p)
{
    return vif_set_allowed(ctx, p, true);
}

static struct xr_value *vif_add_ipv4(struct sim_ctx *ctx, const struct xr_value *p)
{
    return vif_change_allowed(ctx, p, false, true);
}

static struct xr_value *vif_remove_ipv4(struct sim_ctx *ctx, const struct xr_value *p)
{
    return vif_change_allowed(ctx, p, false, false);
}

static struct xr_value *vif_add_ipv6(struct sim_ctx *ctx, const struct xr_value *p)
{
    return vif_change_allowed(ctx, p, true, true);
}

static struct xr_value *vif_remove_ipv6(struct sim_ctx *ctx, const struct xr_value *p)
{
    return vif_change_allowed(ctx, p, true, false);
}

const struct sim_method sim_vm_methods[] = {
        {"VM", "create", 1, vm_create},
        {"VM", "destroy", 1, vm_destroy},
        {"VM", "start", 3, vm_start},
        {"VM", "shutdown", 1, vm_shutdown},
        {"VM", "clean_shutdown", 1, vm_clean_shutdown},
        {"VM", "hard_shutdown", 1, vm_shutdown},
        {"VIF", "create", 1, vif_create},
        {"VIF", "destroy", 1, vif_destroy},
        {"VIF", "plug", 1, vif_plug},
        {"VIF", "unplug", 1, vif_unplug},
        {"VIF", "set_locking_mode", 2, vif_set_locking_mode},
        {"VIF", "set_ipv4_allowed", 2, vif_set_ipv4},
        {"VIF", "set_ipv6_allowed", 2, vif_set_ipv6},
        {"VIF", "add_ipv4_allowed", 2, vif_add_ipv4},
        {"VIF", "remove_ipv4_allowed", 2, vif_remove_ipv4},
        {"VIF", "add_ipv6_allowed", 2, vif_add_ipv6},
        {"VIF", "remove_ipv6_allowed", 2, vif_remove_ipv6},
        {NULL, NULL, 0, NULL},
};
