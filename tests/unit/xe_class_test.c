/* Unit tests for xapi-bindings/xe/xe_class and xe_err: how xe computes,
 * selects, filters and prints record fields, and how it prints XenAPI
 * errors.  Records are built by hand; a small resolver plays the other
 * classes' records. */
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
#include "xe/xe_class.h"
#include "xe/xe_err.h"
#include "xmlrpc.h"

/* The sentinel of the variadic lists below, typed as they are. */
#define END ((const char *)NULL)

struct world {
    struct xr_value *pif;     /* A PIF record. */
    struct xr_value *network; /* Its network. */
    struct xr_value *host;    /* Its host. */
    struct xr_value *bond;    /* The bond it is a slave of. */
    struct xr_value *metrics; /* Its metrics. */
    struct xe_resolver res;
    int lookups;
};

static const struct xr_value *lookup(void *ctx, const char *cls, const char *ref)
{
    struct world *w = ctx;

    w->lookups++;
    if (!strcmp(cls, "network") && !strcmp(ref, "OpaqueRef:net0")) {
        return w->network;
    }
    if (!strcmp(cls, "host") && !strcmp(ref, "OpaqueRef:host0")) {
        return w->host;
    }
    if (!strcmp(cls, "Bond") && !strcmp(ref, "OpaqueRef:bond0")) {
        return w->bond;
    }
    if (!strcmp(cls, "PIF_metrics") && !strcmp(ref, "OpaqueRef:m0")) {
        return w->metrics;
    }
    return NULL;
}

static struct xr_value *strings(const char *first, ...)
{
    struct xr_value *arr = xr_array();
    va_list ap;

    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        assert_int_equal(xr_array_append(arr, xr_string(s)), 0);
    }
    va_end(ap);
    return arr;
}

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    struct xr_value *oc = xr_struct();

    w->pif = xr_struct();
    xr_struct_set_string(w->pif, "uuid", "c5ac2c67-0000-0000-0000-000000000001");
    xr_struct_set_string(w->pif, "device", "eth0");
    xr_struct_set_string(w->pif, "MAC", "00:16:3E:4A:10:00");
    xr_struct_set_bool(w->pif, "physical", true);
    xr_struct_set_bool(w->pif, "currently_attached", false);
    xr_struct_set_string(w->pif, "MTU", "1500");
    xr_struct_set_string(w->pif, "VLAN", "-1");
    xr_struct_set_string(w->pif, "VLAN_master_of", "OpaqueRef:NULL");
    xr_struct_set(w->pif, "VLAN_slave_of", xr_array());
    xr_struct_set_string(w->pif, "bond_slave_of", "OpaqueRef:bond0");
    xr_struct_set(w->pif, "bond_master_of", strings("OpaqueRef:bond0", "OpaqueRef:gone", END));
    xr_struct_set_string(w->pif, "network", "OpaqueRef:net0");
    xr_struct_set_string(w->pif, "host", "OpaqueRef:host0");
    xr_struct_set(w->pif, "IPv6", strings("fd00::1/64", "fd00::2/64", END));
    xr_struct_set(w->pif, "capabilities", strings("fcoe", END));
    xr_struct_set_string(oc, "ethtool-tx", "off");
    xr_struct_set_string(oc, "mtu", "9000");
    xr_struct_set(w->pif, "other_config", oc);
    xr_struct_set_string(w->pif, "metrics", "OpaqueRef:m0");
    w->network = xr_struct();
    xr_struct_set_string(w->network, "uuid", "net-uuid");
    xr_struct_set_string(w->network, "name_label", "Pool-wide network associated with eth0");
    w->host = xr_struct();
    xr_struct_set_string(w->host, "uuid", "host-uuid");
    xr_struct_set_string(w->host, "name_label", "xs1");
    w->bond = xr_struct();
    xr_struct_set_string(w->bond, "uuid", "bond-uuid");
    w->metrics = xr_struct();
    xr_struct_set_bool(w->metrics, "carrier", true);
    xr_struct_set_bool(w->metrics, "duplex", false);
    xr_struct_set_string(w->metrics, "speed", "10000");
    xr_struct_set_string(w->metrics, "vendor_name", "Intel");
    w->res.lookup = lookup;
    w->res.ctx = w;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    xr_free(w->pif);
    xr_free(w->network);
    xr_free(w->host);
    xr_free(w->bond);
    xr_free(w->metrics);
    free(w);
    return 0;
}

/* The text of field "name" of the PIF. */
static char *pif_text(struct world *w, const char *name)
{
    const struct xe_class *cls = xe_class_find("pif");
    const struct xe_field *f = xe_class_field(cls, name);
    struct sbuf b = SBUF_INIT;

    assert_non_null(f);
    assert_int_equal(xe_field_text(f, w->pif, &w->res, &b), 0);
    return sbuf_steal(&b, NULL);
}

#define ASSERT_TEXT(w, name, want)                                                                 \
    do {                                                                                           \
        char *got_ = pif_text(w, name);                                                            \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

static void test_field_texts(void **state)
{
    struct world *w = *state;

    ASSERT_TEXT(w, "device", "eth0");
    ASSERT_TEXT(w, "physical", "true");
    ASSERT_TEXT(w, "currently-attached", "false");
    ASSERT_TEXT(w, "MTU", "1500");
    ASSERT_TEXT(w, "VLAN", "-1");
    /* References: uuids and names through the resolver, the null ref and
     * a dangling one as xe prints them. */
    ASSERT_TEXT(w, "network-uuid", "net-uuid");
    ASSERT_TEXT(w, "network-name-label", "Pool-wide network associated with eth0");
    ASSERT_TEXT(w, "host-name-label", "xs1");
    ASSERT_TEXT(w, "bond-slave-of", "bond-uuid");
    ASSERT_TEXT(w, "vlan-master-of", "<not in database>");
    ASSERT_TEXT(w, "bond-master-of", "bond-uuid; <not in database>");
    ASSERT_TEXT(w, "vlan-slave-of", "");
    /* Sets and maps. */
    ASSERT_TEXT(w, "IPv6", "fd00::1/64; fd00::2/64");
    ASSERT_TEXT(w, "other-config", "ethtool-tx: off; mtu: 9000");
    /* Metrics. */
    ASSERT_TEXT(w, "carrier", "true");
    ASSERT_TEXT(w, "speed", "10000 Mbit/s");
    ASSERT_TEXT(w, "duplex", "half");
    ASSERT_TEXT(w, "vendor-name", "Intel");
    ASSERT_TEXT(w, "device-id", "<not in database>");
}

static void test_power_state_and_marks(void **state)
{
    const struct xe_class *vm = xe_class_find("vm");
    struct xr_value *rec = xr_struct();
    struct sbuf b = SBUF_INIT;

    (void)state;
    xr_struct_set_string(rec, "power_state", "Running");
    assert_int_equal(xe_field_text(xe_class_field(vm, "power-state"), rec, NULL, &b), 0);
    assert_string_equal(sbuf_str(&b), "running");
    sbuf_free(&b);
    xr_free(rec);
    assert_string_equal(xe_access_mark(XE_RO), " ( RO)");
    assert_string_equal(xe_access_mark(XE_MRW), " (MRW)");
    assert_string_equal(xe_access_mark(XE_SRO), " (SRO)");
    assert_ptr_equal(xe_class_find_wire("SDN_controller"), xe_class_find("sdn-controller"));
    assert_null(xe_class_find("nope"));
}

static void test_row_defaults_and_print(void **state)
{
    struct world *w = *state;
    const struct xe_class *cls = xe_class_find("pif");
    struct xe_row row;
    struct sbuf out = SBUF_INIT;

    /* The default fields of pif-list, in the record's order. */
    assert_int_equal(xe_row_build(cls, w->pif, &w->res, NULL, false, &row), 0);
    assert_int_equal(xe_print_rows(&row, 1, false, &out), 0);
    assert_string_equal(sbuf_str(&out), "uuid ( RO)                  : "
                                        "c5ac2c67-0000-0000-0000-000000000001\n"
                                        "                device ( RO): eth0\n"
                                        "                   MAC ( RO): 00:16:3E:4A:10:00\n"
                                        "    currently-attached ( RO): false\n"
                                        "                  VLAN ( RO): -1\n"
                                        "          network-uuid ( RO): net-uuid\n"
                                        "             host-uuid ( RO): host-uuid\n"
                                        "\n\n");
    xe_row_clear(&row);
    sbuf_reset(&out);

    /* params= picks fields but keeps the record's order; unknown names are
     * ignored; fields the server did not send are left out. */
    assert_int_equal(
            xe_row_build(cls, w->pif, &w->res, "other-config,device,nonsense,IP", false, &row), 0);
    assert_int_equal(row.n, 2);
    assert_int_equal(xe_print_rows(&row, 1, false, &out), 0);
    assert_string_equal(sbuf_str(&out), "device ( RO)          : eth0\n"
                                        "    other-config (MRW): ethtool-tx: off; mtu: 9000\n"
                                        "\n\n");
    xe_row_clear(&row);
    sbuf_free(&out);

    /* params=all and the param-list form take every present field. */
    assert_int_equal(xe_row_build(cls, w->pif, &w->res, "all", false, &row), 0);
    assert_true(row.n > 15);
    assert_string_equal(row.labels[0], "uuid ( RO)");
    xe_row_clear(&row);
}

static void test_hidden_field(void **state)
{
    const struct xe_class *pool = xe_class_find("pool");
    struct xr_value *rec = xr_struct();
    struct xe_row row;

    (void)state;
    xr_struct_set_string(rec, "uuid", "p");
    xr_struct_set_string(rec, "vswitch_controller", "10.0.0.1");
    assert_int_equal(xe_row_build(pool, rec, NULL, "uuid,vswitch-controller", false, &row), 0);
    assert_int_equal(row.n, 1);
    xe_row_clear(&row);
    assert_int_equal(xe_row_build(pool, rec, NULL, NULL, true, &row), 0);
    assert_int_equal(row.n, 1);
    xe_row_clear(&row);
    xr_free(rec);
}

static void test_minimal(void **state)
{
    struct xe_row rows[3] = {{0}};
    char *l0[] = {"uuid ( RO)"}, *v0[] = {"a,b"};
    char *l2[] = {"uuid ( RO)"}, *v2[] = {"c\\d"};
    struct sbuf out = SBUF_INIT;

    (void)state;
    rows[0] = (struct xe_row){1, l0, v0};
    rows[2] = (struct xe_row){1, l2, v2};
    assert_int_equal(xe_print_rows(rows, 3, true, &out), 0);
    assert_string_equal(sbuf_str(&out), "a\\,b,c\\\\d\n");
    sbuf_reset(&out);
    assert_int_equal(xe_print_rows(NULL, 0, true, &out), 0);
    assert_string_equal(sbuf_str(&out), "\n");
    sbuf_reset(&out);
    assert_int_equal(xe_print_rows(NULL, 0, false, &out), 0);
    assert_string_equal(sbuf_str(&out), "");
    sbuf_free(&out);
}

static void test_filters(void **state)
{
    struct world *w = *state;
    const struct xe_class *cls = xe_class_find("pif");
    const char *why;

    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "device", "eth0", &why), 1);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "device", "eth1", &why), 0);
    /* MAC compares without case, other fields with. */
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "MAC", "00:16:3e:4a:10:00", &why), 1);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "device", "ETH0", &why), 0);
    /* On the printed text, so references compare as uuids. */
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "network-uuid", "net-uuid", &why), 1);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "physical", "true", &why), 1);
    /* Maps by key, sets by membership. */
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "other-config:mtu", "9000", &why), 1);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "other-config:mtu", "1500", &why), 0);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "other-config:nokey", "x", &why), 0);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "IPv6:contains", "fd00::2/64", &why), 1);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "IPv6:contains", "fd00::3/64", &why), 0);
    assert_int_equal(
            xe_filter_match(cls, w->pif, &w->res, "bond-master-of:contains", "bond-uuid", &why), 1);
    /* A field the server did not send never matches. */
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "IP", "", &why), 0);
    /* Errors. */
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "bogus", "1", &why), -EINVAL);
    assert_string_equal(why, "Unknown field");
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "bogus:key", "1", &why), -EINVAL);
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "IPv6:has", "1", &why), -EINVAL);
    assert_string_equal(why, "Invalid syntax for set filtering (should be set-param:contains=key)");
    assert_int_equal(xe_filter_match(cls, w->pif, &w->res, "device:x", "1", &why), -EINVAL);
    assert_string_equal(why, "Field is not a set or map");
}

static void test_elements(void **state)
{
    struct world *w = *state;
    const struct xe_class *cls = xe_class_find("pif");
    char **items;
    int n = xe_field_elements(xe_class_field(cls, "bond-master-of"), w->pif, &w->res, &items);

    assert_int_equal(n, 2);
    assert_string_equal(items[0], "bond-uuid");
    assert_string_equal(items[1], "<not in database>");
    xe_strings_free(items, n);
}

static void test_errors_format(void **state)
{
    struct sbuf b = SBUF_INIT;
    const char *uuid_invalid[] = {"PIF", "0000"};
    const char *extra[] = {"a", "b", "c"};
    const char *const *names;

    (void)state;
    assert_int_equal(xe_err_format("UUID_INVALID", uuid_invalid, 2, &b), 0);
    assert_string_equal(sbuf_str(&b),
                        "The uuid you supplied was invalid.\ntype: PIF\nuuid: 0000\n");
    sbuf_reset(&b);
    /* Too many and too few parameters, as xe pads them. */
    assert_int_equal(xe_err_format("HANDLE_INVALID", extra, 3, &b), 0);
    assert_non_null(strstr(sbuf_str(&b), "\nclass: a\nhandle: b\n<extra>: c\n"));
    sbuf_reset(&b);
    assert_int_equal(xe_err_format("VLAN_TAG_INVALID", NULL, 0, &b), 0);
    assert_non_null(strstr(sbuf_str(&b), "between 0 and 4094"));
    assert_non_null(strstr(sbuf_str(&b), "\nVLAN: <unknown>\n"));
    sbuf_reset(&b);
    /* A code xe does not document. */
    assert_int_equal(xe_err_format("UNKNOWN_XENAPI_PLUGIN_FUNCTION", extra, 2, &b), 0);
    assert_string_equal(sbuf_str(&b),
                        "Error code: UNKNOWN_XENAPI_PLUGIN_FUNCTION\nError parameters: a, b\n");
    sbuf_free(&b);
    assert_non_null(xe_err_doc("XENAPI_PLUGIN_FAILURE", &names));
    assert_string_equal(names[0], "status");
    assert_null(xe_err_doc("NOPE", &names));
    assert_null(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_field_texts, setup, teardown),
            cmocka_unit_test(test_power_state_and_marks),
            cmocka_unit_test_setup_teardown(test_row_defaults_and_print, setup, teardown),
            cmocka_unit_test(test_hidden_field),
            cmocka_unit_test(test_minimal),
            cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
            cmocka_unit_test_setup_teardown(test_elements, setup, teardown),
            cmocka_unit_test(test_errors_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
