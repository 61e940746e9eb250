/* openvswitch-cfg-update's `update` and `emergency_reset` (spec §6).
 *
 * Differences from the original, on purpose:
 * - The controller comes from the SDN_controller class when XAPI has one (the
 *   successor plugin's source, ssl and pssl), else from the pool's
 *   vswitch_controller (the OVS copy's source).
 * - emer-reset, the manager and SSL change, and the fail_mode/disable-in-band
 *   reconciliation go to the switch as ONE transaction, so a failure leaves the
 *   old configuration whole instead of a reset switch without a manager.
 * - Bridges XAPI does not know are skipped with a log line instead of failing
 *   the whole call (Q17, as the successor does).
 * - The OVS copy's first step, `interface-reconfigure rewrite`, is not run: XAPI
 *   refreshes the bridges' external ids itself (CA-78639). */
#include "cfgupd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"
#include "ofconn.h"
#include "ofp_text.h"
#include "paths.h"
#include "vsctl_run.h"

#define CFGUPD_MANAGER_PORT 6640
#define CFGUPD_CACERT       "/etc/openvswitch/vswitchd.cacert"
#define CFGUPD_XAPI_PEM     "/etc/xensource/xapi-ssl.pem"
#define CFGUPD_PSSL_CA      "/etc/stunnel/certs/sdn-controller-ca.pem"
#define CFGUPD_FIREWALL     "/etc/xapi.d/plugins/firewall-port"
#define CFGUPD_MAX_ARGS     4096

/* A growing argv for one ovs-vsctl line; strings are owned. */
struct line {
    char *argv[CFGUPD_MAX_ARGS];
    int argc;
    bool oom;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    if (!s || l->argc >= CFGUPD_MAX_ARGS - 1) {
        free(s);
        l->oom = true;
        return;
    }
    l->argv[l->argc++] = s;
}

static void line_clear(struct line *l)
{
    for (int i = 0; i < l->argc; i++) {
        free(l->argv[i]);
    }
    l->argc = 0;
}

static int set_failure(struct xapi_strv *failure, const char *code, const char *p1, const char *p2)
{
    xapi_strv_clear(failure);
    if (xapi_strv_append(failure, code) < 0 || (p1 && xapi_strv_append(failure, p1) < 0) ||
        (p2 && xapi_strv_append(failure, p2) < 0)) {
        return -ENOMEM;
    }
    return 1;
}

/* Runs a read-only line and returns its outputs. */
static int query(const struct cfgupd_env *env, struct line *l, char ***out, size_t *n)
{
    struct vrun_opts o = {.timeout_ms = env->timeout_ms, .who = "openvswitch-cfg-update"};

    if (l->oom) {
        return -ENOMEM;
    }
    return vrun_exec(env->db, l->argc, l->argv, &o, out, n, NULL);
}

/* A value as `ovs-vsctl get` prints it, without the quotes and brackets the original strips. */
static char *strip_value(const char *s)
{
    char *v = malloc(strlen(s) + 1), *p = v;

    if (!v) {
        return NULL;
    }
    for (; *s; s++) {
        if (!strchr("\"[]\n", *s)) {
            *p++ = *s;
        }
    }
    *p = '\0';
    return v;
}

/* The manager target XAPI wants, or NULL for none; *pssl tells which SSL settings go with it. */
static int wanted_manager(const struct cfgupd_env *env, const struct xapi_pool *pool, char **target,
                          bool *pssl)
{
    struct xapi_record_list sdn = {0};
    int r;

    *target = NULL;
    *pssl = false;
    r = xapi_get_all_records(env->xapi, &xapi_class_sdn_controller, &sdn);
    if (r == 0 && sdn.n > 0) {
        const struct xapi_sdn_controller *c = XAPI_LIST_ITEM(&sdn, struct xapi_sdn_controller, 0);
        long port = c->port > 0 && c->port < 65536 ? (long)c->port : CFGUPD_MANAGER_PORT;
        if (c->protocol && !strcmp(c->protocol, "pssl")) {
            *pssl = true;
            r = asprintf(target, "pssl:%ld", port) < 0 ? -ENOMEM : 0;
        } else if (c->address && *c->address &&
                   strcspn(c->address, " \t\n\"") == strlen(c->address)) {
            r = asprintf(target, "ssl:%s:%ld", c->address, port) < 0 ? -ENOMEM : 0;
        } else {
            xlog_err("SDN_controller %s has no usable address", c->uuid ? c->uuid : "?");
            r = -EINVAL;
        }
        xapi_record_list_clear(&sdn);
        return r;
    }
    xapi_record_list_clear(&sdn);
    /* Hosts without the SDN_controller class use the pool's field. */
    if (pool->vswitch_controller && *pool->vswitch_controller) {
        if (strcspn(pool->vswitch_controller, " \t\n\":") != strlen(pool->vswitch_controller)) {
            xlog_err("pool vswitch_controller '%s' is not an address", pool->vswitch_controller);
            return -EINVAL;
        }
        return asprintf(target, "ssl:%s:%d", pool->vswitch_controller, CFGUPD_MANAGER_PORT) < 0
                       ? -ENOMEM
                       : 0;
    }
    return 0;
}

/* The successor opens or closes the manager port in the host firewall when the helper plugin
 * exists.  Its output is captured: a plugin's stdout must carry only the response (CA-248125). */
static void firewall_port(bool open)
{
    char *prog = paths_get(CFGUPD_FIREWALL);
    const char *argv[] = {prog, open ? "open" : "close", "6640", NULL};
    struct exec_cmd cmd = {.argv = argv, .timeout_ms = 30000};
    struct exec_output out = {0};

    if (prog && access(prog, X_OK) == 0) {
        exec_run(&cmd, &out);
        exec_output_free(&out);
    }
    free(prog);
}

static void remove_cacert(void)
{
    char *path = paths_get(CFGUPD_CACERT);

    if (path && unlink(path) < 0 && errno != ENOENT) {
        xlog_warn("%s: cannot remove (%s)", path, strerror(errno));
    }
    free(path);
}

/* State of one parent bridge as read before the change. */
struct bridge_state {
    char *name;
    char *dib;       /* other_config:disable-in-band, "" if absent. */
    char *fail_mode; /* "" if unset. */
    char *hwaddr;
    bool dib_done, fail_done;
};

static const struct xapi_network *network_of(const struct xapi_record_list *nets, const char *br)
{
    for (size_t i = 0; i < nets->n; i++) {
        const struct xapi_network *n = XAPI_LIST_ITEM(nets, struct xapi_network, i);
        if (n->bridge && !strcmp(n->bridge, br)) {
            return n;
        }
    }
    return NULL;
}

/* The four priority-0 flows that keep management traffic flowing on a secure bridge
 * (spec §1.8, non-bond form), on the bridge's management socket as one batch. */
static int add_management_flows(const struct cfgupd_env *env, const char *bridge, const char *mac,
                                const char *dev)
{
    struct line l = {0};
    char **out = NULL, *err = NULL, *text[4] = {0};
    size_t n = 0;
    struct ofc_mod mods[4];
    struct ofc *c = NULL;
    long ofport;
    int r;

    line_add(&l, "get");
    line_add(&l, "Interface");
    line_add(&l, "%s", dev);
    line_add(&l, "ofport");
    r = query(env, &l, &out, &n);
    ofport = r == 0 && n == 1 ? strtol(out[0], NULL, 10) : -1;
    vrun_free_outputs(out, n);
    line_clear(&l);
    if (ofport <= 0) {
        xlog_err("%s: no OpenFlow port number for %s", bridge, dev);
        return -ENODEV;
    }
    if (asprintf(&text[0], "idle_timeout=0,priority=0,in_port=%ld,arp,nw_proto=1,actions=local",
                 ofport) < 0 ||
        asprintf(&text[1], "idle_timeout=0,priority=0,in_port=local,arp,dl_src=%s,actions=%ld", mac,
                 ofport) < 0 ||
        asprintf(&text[2], "idle_timeout=0,priority=0,in_port=%ld,dl_dst=%s,actions=local", ofport,
                 mac) < 0 ||
        asprintf(&text[3], "idle_timeout=0,priority=0,in_port=local,dl_src=%s,actions=%ld", mac,
                 ofport) < 0) {
        r = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < 4; i++) {
        mods[i].command = OFPFC_ADD;
        r = ofpt_parse_flow(text[i], OFPT_ADD, NULL, NULL, &mods[i].flow, &err);
        if (r < 0) {
            xlog_err("%s: %s", text[i], err ? err : "cannot parse");
            goto out;
        }
    }
    r = ofc_open(bridge, env->timeout_ms, &c);
    if (r == 0) {
        r = ofc_flow_mods(c, mods, 4);
    }
out:
    ofc_close(c);
    free(err);
    for (int i = 0; i < 4; i++) {
        free(text[i]);
    }
    return r;
}

/* Reads list-br, each bridge's parent, and each parent's settings. */
static int read_bridges(const struct cfgupd_env *env, char ***brs, size_t *n_brs, char ***parents,
                        struct bridge_state **states, size_t *n_states)
{
    struct line l = {0};
    char **out = NULL;
    size_t n = 0;
    int r;

    line_add(&l, "list-br");
    r = query(env, &l, &out, &n);
    line_clear(&l);
    if (r < 0) {
        return r;
    }
    *n_brs = 0;
    *brs = calloc(strlen(out[0]) + 1, sizeof(char *));
    for (char *save = NULL, *b = strtok_r(out[0], "\n", &save); *brs && b;
         b = strtok_r(NULL, "\n", &save)) {
        (*brs)[(*n_brs)++] = strdup(b);
        line_add(&l, "--");
        line_add(&l, "br-to-parent");
        line_add(&l, "%s", b);
    }
    vrun_free_outputs(out, n);
    if (!*brs) {
        return -ENOMEM;
    }
    *parents = calloc(*n_brs + 1, sizeof(char *));
    *states = calloc(*n_brs + 1, sizeof(**states));
    *n_states = 0;
    if (!*parents || !*states) {
        return -ENOMEM;
    }
    if (*n_brs == 0) {
        return 0;
    }
    r = query(env, &l, &out, &n);
    line_clear(&l);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < *n_brs && i < n; i++) {
        size_t j;
        (*parents)[i] = strip_value(out[i]);
        for (j = 0; j < *n_states && strcmp((*states)[j].name, (*parents)[i]); j++) {
        }
        if (j == *n_states) {
            (*states)[(*n_states)++].name = strdup((*parents)[i]);
            line_add(&l, "--");
            line_add(&l, "--if-exists");
            line_add(&l, "get");
            line_add(&l, "Bridge");
            line_add(&l, "%s", (*parents)[i]);
            line_add(&l, "other_config:disable-in-band");
            line_add(&l, "--");
            line_add(&l, "get");
            line_add(&l, "Bridge");
            line_add(&l, "%s", (*parents)[i]);
            line_add(&l, "fail_mode");
            line_add(&l, "--");
            line_add(&l, "--if-exists");
            line_add(&l, "get");
            line_add(&l, "Bridge");
            line_add(&l, "%s", (*parents)[i]);
            line_add(&l, "other_config:hwaddr");
        }
    }
    vrun_free_outputs(out, n);
    r = query(env, &l, &out, &n);
    line_clear(&l);
    if (r < 0) {
        return r;
    }
    for (size_t j = 0; j < *n_states && 3 * j + 2 < n; j++) {
        (*states)[j].dib = strip_value(out[3 * j]);
        (*states)[j].fail_mode = strip_value(out[3 * j + 1]);
        (*states)[j].hwaddr = strip_value(out[3 * j + 2]);
    }
    vrun_free_outputs(out, n);
    return 0;
}

/* The management PIFs' MAC -> device, to find the bridge that carries management. */
static const char *management_device(const struct cfgupd_env *env, const char *mac,
                                     struct xapi_record_list *pifs)
{
    if (!pifs->cls && xapi_get_all_records_where(env->xapi, &xapi_class_pif,
                                                 "field \"management\"=\"true\"", pifs) < 0) {
        return NULL;
    }
    for (size_t i = 0; i < pifs->n; i++) {
        const struct xapi_pif *p = XAPI_LIST_ITEM(pifs, struct xapi_pif, i);
        if (p->mac && !strcasecmp(p->mac, mac)) {
            return p->device;
        }
    }
    return NULL;
}

int cfgupd_update(const struct cfgupd_env *env, char **value, struct xapi_strv *failure)
{
    struct xapi_strv pools = {0};
    struct xapi_pool pool = {0};
    struct xapi_record_list nets = {0}, mgmt_pifs = {0};
    struct sbuf text = SBUF_INIT;
    struct line l = {0};
    struct bridge_state *states = NULL;
    char **brs = NULL, **parents = NULL, **out = NULL, *target = NULL, *err = NULL;
    char *flow_bridge = NULL, *flow_mac = NULL, *flow_dev = NULL;
    const char *pool_fail_mode;
    size_t n_brs = 0, n_states = 0, n = 0;
    bool pssl = false, reset = false, new_controller = false, dib_changed = false,
         fail_changed = false, have_managers;
    int r;

    *value = NULL;
    r = xapi_get_all(env->xapi, &xapi_class_pool, &pools);
    if (r < 0) {
        goto out;
    }
    if (pools.n != 1) {
        r = set_failure(failure, pools.n ? "MORE_THAN_ONE_POOL_FOR_HOST" : "NO_POOL_FOR_HOST", NULL,
                        NULL);
        goto out;
    }
    r = xapi_get_record(env->xapi, &xapi_class_pool, pools.v[0], &pool);
    if (r < 0 || (r = wanted_manager(env, &pool, &target, &pssl)) < 0) {
        goto out;
    }
    line_add(&l, "get-manager");
    r = query(env, &l, &out, &n);
    line_clear(&l);
    if (r < 0) {
        goto out;
    }
    have_managers = n == 1 && out[0][0];
    if (!target && have_managers) {
        reset = true;
        sbuf_adds(&text, "Successfully removed controller config.  ");
    } else if (target) {
        bool present = false;
        for (char *save = NULL, *m = strtok_r(out[0], "\n", &save); m;
             m = strtok_r(NULL, "\n", &save)) {
            present = present || !strcmp(m, target);
        }
        if (!present) {
            reset = new_controller = true;
            sbuf_addf(&text, "Successfully set controller to %s.  ",
                      pssl ? target
                      : pool.vswitch_controller && *pool.vswitch_controller
                              ? pool.vswitch_controller
                              : target);
        }
    }
    vrun_free_outputs(out, n);
    out = NULL;
    n = 0;
    if (reset) {
        char *pem = paths_get(CFGUPD_XAPI_PEM), *ca = paths_get(CFGUPD_CACERT),
             *pca = paths_get(CFGUPD_PSSL_CA);
        line_add(&l, "emer-reset");
        line_add(&l, "--");
        line_add(&l, "del-manager");
        line_add(&l, "--");
        line_add(&l, "del-ssl");
        if (target) {
            line_add(&l, "--");
            if (!pssl) {
                line_add(&l, "--bootstrap");
            }
            line_add(&l, "set-ssl");
            line_add(&l, "%s", pem ? pem : "");
            line_add(&l, "%s", pem ? pem : "");
            line_add(&l, "%s", pssl ? (pca ? pca : "") : (ca ? ca : ""));
            line_add(&l, "--");
            line_add(&l, "set-manager");
            line_add(&l, "%s", target);
        }
        free(pem);
        free(ca);
        free(pca);
    }
    r = xapi_get_all_records(env->xapi, &xapi_class_network, &nets);
    if (r < 0 || (r = read_bridges(env, &brs, &n_brs, &parents, &states, &n_states)) < 0) {
        goto out;
    }
    pool_fail_mode = xapi_map_get(&pool.other_config, "vswitch-controller-fail-mode");
    for (size_t i = 0; i < n_brs; i++) {
        const struct xapi_network *net = network_of(&nets, brs[i]), *pnet;
        struct bridge_state *st = NULL;
        const char *xdib, *want;
        for (size_t j = 0; j < n_states; j++) {
            st = !strcmp(states[j].name, parents[i]) ? &states[j] : st;
        }
        if (!net || !st) {
            xlog_warn("bridge %s is not known to XAPI, skipping it", brs[i]);
            continue;
        }
        if (reset) {
            /* emer-reset runs first in the same transaction and clears both settings. */
            st->dib[0] = st->fail_mode[0] = '\0';
        }
        xdib = xapi_map_get(&net->other_config, "vswitch-disable-in-band");
        xdib = xdib ? xdib : "";
        if (*xdib && strcmp(xdib, "true") && strcmp(xdib, "false")) {
            sbuf_addf(&text, "\"%s\" is an invalid value for vswitch-disable-in-band on %s  ", xdib,
                      brs[i]);
        } else if (!st->dib_done && strcmp(xdib, st->dib)) {
            line_add(&l, "--");
            if (*xdib) {
                line_add(&l, "set");
                line_add(&l, "Bridge");
                line_add(&l, "%s", st->name);
                line_add(&l, "other_config:disable-in-band=%s", xdib);
            } else {
                line_add(&l, "remove");
                line_add(&l, "Bridge");
                line_add(&l, "%s", st->name);
                line_add(&l, "other_config");
                line_add(&l, "disable-in-band");
            }
            st->dib_done = dib_changed = true;
        }
        /* The fail mode belongs to the parent bridge, so its network decides (Q17 kept). */
        pnet = network_of(&nets, st->name);
        want = pnet ? xapi_map_get(&pnet->other_config, "vswitch-controller-fail-mode") : NULL;
        if (!want || (strcmp(want, "standalone") && strcmp(want, "secure"))) {
            want = pool_fail_mode;
        }
        want = want && !strcmp(want, "secure") ? "secure" : "standalone";
        if (!st->fail_done && strcmp(want, st->fail_mode)) {
            line_add(&l, "--");
            line_add(&l, "set");
            line_add(&l, "Bridge");
            line_add(&l, "%s", st->name);
            line_add(&l, "fail_mode=%s", want);
            st->fail_done = fail_changed = true;
            if (new_controller && pool_fail_mode && !strcmp(pool_fail_mode, "secure") &&
                st->hwaddr[0] && !flow_bridge) {
                const char *dev = management_device(env, st->hwaddr, &mgmt_pifs);
                if (dev) {
                    flow_bridge = strdup(st->name);
                    flow_mac = strdup(st->hwaddr);
                    flow_dev = strdup(dev);
                }
            }
        }
    }
    if (l.argc) {
        struct vrun_opts o = {.timeout_ms = env->timeout_ms, .who = "openvswitch-cfg-update"};
        if (reset) {
            remove_cacert();
        }
        r = l.oom ? -ENOMEM : vrun_exec(env->db, l.argc, l.argv, &o, NULL, NULL, &err);
        if (r < 0) {
            struct sbuf args = SBUF_INIT;
            vrun_format(&args, l.argc, l.argv);
            xlog_err("%s: %s", sbuf_str(&args), err ? err : strerror(-r));
            r = reset ? set_failure(failure, "VSWITCH_EMER_RESET_FAILURE", "1", NULL)
                      : set_failure(failure, "VSWITCH_CONFIG_MOD_FAILURE", "1", sbuf_str(&args));
            sbuf_free(&args);
            goto out;
        }
        if (reset) {
            firewall_port(target && pssl);
        }
    }
    if (flow_bridge && flow_mac && flow_dev &&
        add_management_flows(env, flow_bridge, flow_mac, flow_dev) < 0) {
        r = set_failure(failure, "VSWITCH_ADD_FLOW_FAILURE", NULL, NULL);
        goto out;
    }
    if (dib_changed) {
        sbuf_adds(&text, "Updated in-band management.  ");
    }
    if (fail_changed) {
        sbuf_adds(&text, "Updated fail_mode.  ");
    }
    *value = strdup(text.len ? sbuf_str(&text) : "No change to configuration");
    r = *value ? 0 : -ENOMEM;
out:
    line_clear(&l);
    vrun_free_outputs(out, n);
    for (size_t i = 0; i < n_brs; i++) {
        free(brs[i]);
        free(parents ? parents[i] : NULL);
    }
    for (size_t j = 0; j < n_states; j++) {
        free(states[j].name);
        free(states[j].dib);
        free(states[j].fail_mode);
        free(states[j].hwaddr);
    }
    free(states);
    free(brs);
    free(parents);
    free(target);
    free(err);
    free(flow_bridge);
    free(flow_mac);
    free(flow_dev);
    sbuf_free(&text);
    xapi_record_list_clear(&nets);
    xapi_record_list_clear(&mgmt_pifs);
    xapi_record_clear(&xapi_class_pool, &pool);
    xapi_strv_clear(&pools);
    return r;
}

int cfgupd_emergency_reset(const struct cfgupd_env *env, char **value, struct xapi_strv *failure)
{
    struct vrun_opts o = {.timeout_ms = env->timeout_ms, .who = "openvswitch-cfg-update"};
    char *argv[] = {"emer-reset"};
    char *err = NULL;
    int r;

    *value = NULL;
    r = vrun_exec(env->db, 1, argv, &o, NULL, NULL, &err);
    if (r < 0) {
        xlog_err("ovs-vsctl emer-reset: %s", err ? err : strerror(-r));
        free(err);
        return set_failure(failure, "VSWITCH_EMER_RESET_FAILURE", "1", NULL);
    }
    *value = strdup("Successfully reset configuration");
    return *value ? 0 : -ENOMEM;
}
