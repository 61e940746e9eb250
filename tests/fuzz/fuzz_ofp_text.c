/* libFuzzer target for the ovs-ofctl flow syntax in lib/ofp_text.
 *
 * The input is one flow text (cut at its first NUL byte).  It is parsed for
 * each of the three usages (add, delete, strict delete), with a resolver
 * that knows a few port names.  Oracles:
 *   - a refused text gives -EINVAL (or -ENOMEM), a one-line message and an
 *     empty flow;
 *   - an accepted text prints, and the print parses back into an equal flow
 *     that prints to the same text (the print of a delete filter that has no
 *     cookie mask, out_port or table wildcard is the add form, which names
 *     the same flow, so a print with actions is read back as an add);
 *   - a flow parsed for adding also survives the dump-flows form with
 *     statistics, and every accepted flow is one the wire encoder takes. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp.h"
#include "ofp_text.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok, const char *what, const char *text)
{
    if (!ok) {
        fprintf(stderr, "fuzz_ofp_text: %s\ninput: \"%s\"\n", what, text);
        abort();
    }
}

/* Port names the fuzzer may find, as a switch's port-desc reply would give them. */
static int fake_resolve(const char *name, uint32_t *port, void *arg)
{
    static const struct {
        const char *name;
        uint32_t port;
    } ports[] = {{"vif1.0", 12}, {"p1", 1}, {"br0", OFPP_LOCAL}, {"tap3.1", 0xfeff}};

    (void)arg;
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        if (!strcmp(name, ports[i].name)) {
            *port = ports[i].port;
            return 0;
        }
    }
    return -ENOENT;
}

static bool flow_eq(const struct ofp_flow *a, const struct ofp_flow *b)
{
    if (a->cookie != b->cookie || a->cookie_mask != b->cookie_mask || a->table_id != b->table_id ||
        a->priority != b->priority || a->idle_timeout != b->idle_timeout ||
        a->hard_timeout != b->hard_timeout || a->flags != b->flags || a->out_port != b->out_port ||
        a->match.n != b->match.n || a->n_actions != b->n_actions) {
        return false;
    }
    for (size_t i = 0; i < a->match.n; i++) {
        const struct ofp_oxm *x = &a->match.f[i], *y = &b->match.f[i];

        if (x->field != y->field || x->len != y->len || x->has_mask != y->has_mask ||
            memcmp(x->value, y->value, x->len) ||
            (x->has_mask && memcmp(x->mask, y->mask, x->len))) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_actions; i++) {
        if (a->actions[i].type != b->actions[i].type || a->actions[i].port != b->actions[i].port ||
            a->actions[i].max_len != b->actions[i].max_len) {
            return false;
        }
    }
    return true;
}

/* Prints f (flags as for ofpt_format_flow) into a new string. */
static char *print(const struct ofp_flow *f, unsigned flags, const char *text)
{
    struct sbuf b = SBUF_INIT;
    char *s;

    fuzz_check(ofpt_format_flow(f, flags, &b) == 0, "a parsed flow does not print", text);
    s = sbuf_steal(&b, NULL);
    fuzz_check(s != NULL, "out of memory", text);
    fuzz_check(strchr(s, '\n') == NULL, "the print of a flow has a newline", text);
    return s;
}

/* Parses printed text back; it must be accepted. */
static void reparse(const char *printed, enum ofpt_usage usage, struct ofp_flow *g,
                    const char *text)
{
    char *err = NULL;
    int r = ofpt_parse_flow(printed, usage, NULL, NULL, g, &err);

    if (r != 0) {
        fprintf(stderr, "fuzz_ofp_text: printed \"%s\" does not parse back (usage %d): %s\n",
                printed, (int)usage, err ? err : "?");
    }
    fuzz_check(r == 0, "a printed flow does not parse back", text);
    free(err);
}

static void check_usage(const char *text, enum ofpt_usage usage)
{
    struct ofp_flow f, g, h;
    struct sbuf wire = SBUF_INIT;
    char *err = NULL, *one, *two, *stats;
    enum ofpt_usage back;
    int r = ofpt_parse_flow(text, usage, fake_resolve, NULL, &f, &err);

    if (r != 0) {
        fuzz_check(r == -EINVAL || r == -ENOMEM, "parse failed with an unexpected code", text);
        fuzz_check(err != NULL, "parse failed without a message", text);
        for (const char *p = err; *p; p++) {
            fuzz_check((unsigned char)*p >= ' ' && *p != 0x7f,
                       "error message has a control character", text);
        }
        fuzz_check(f.match.n == 0 && f.n_actions == 0, "failed parse left a non-empty flow", text);
        free(err);
        return;
    }
    fuzz_check(err == NULL, "accepted parse set a message", text);
    if (usage == OFPT_ADD) {
        fuzz_check(ofp_encode_flow_mod(&wire, 1, OFPFC_ADD, &f) == 0,
                   "a flow parsed for adding does not encode", text);
    } else {
        fuzz_check(ofp_encode_flow_mod(&wire, 1,
                                       usage == OFPT_DEL ? OFPFC_DELETE : OFPFC_DELETE_STRICT,
                                       &f) == 0 &&
                           ofp_encode_flow_stats_request(&wire, 2, &f) == 0,
                   "a delete filter does not encode", text);
    }
    sbuf_free(&wire);

    one = print(&f, 0, text);
    back = strstr(one, "actions=") ? OFPT_ADD : usage;
    reparse(one, back, &g, text);
    fuzz_check(flow_eq(&f, &g), "print and parse changed the flow", text);
    two = print(&g, 0, text);
    fuzz_check(!strcmp(one, two), "printing is not stable", text);

    stats = print(&f, OFPT_FMT_STATS, text);
    if (usage == OFPT_ADD) {
        reparse(stats, OFPT_ADD, &h, text);
        fuzz_check(flow_eq(&f, &h), "the dump-flows form changed the flow", text);
    }
    free(one);
    free(two);
    free(stats);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    fuzz_check(text != NULL, "out of memory", "");
    memcpy(text, data, size);
    text[size] = '\0';
    check_usage(text, OFPT_ADD);
    check_usage(text, OFPT_DEL);
    check_usage(text, OFPT_DEL_STRICT);
    free(text);
    return 0;
}
