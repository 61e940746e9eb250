/* Unit tests for xapi-bindings/records: typed decode/encode of XenAPI records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "records.h"
#include "xmlrpc.h"

/* A PIF record as XAPI sends it: ints as decimal strings. */
static struct xr_value *wire_pif(const char *vlan)
{
    struct xr_value *st = xr_struct(), *arr = xr_array(), *oc = xr_struct();

    xr_struct_set_string(st, "uuid", "5e3f0a52-7f4c-4a8e-9d1b-2c0f6e9a1b11");
    xr_struct_set_string(st, "device", "eth0");
    xr_struct_set_string(st, "network", "OpaqueRef:net0");
    xr_struct_set_string(st, "VLAN", vlan);
    xr_struct_set_string(st, "MTU", "1500");
    xr_struct_set_bool(st, "management", true);
    xr_struct_set_bool(st, "physical", true);
    xr_array_append(arr, xr_string("OpaqueRef:bond0"));
    xr_struct_set(st, "bond_master_of", arr);
    xr_struct_set_string(oc, "mtu", "9000");
    xr_struct_set_string(oc, "ethtool-tx", "off");
    xr_struct_set(st, "other_config", oc);
    xr_struct_set_string(st, "field_from_a_newer_xapi", "ignored");
    return st;
}

static void test_decode_pif_from_wire(void **state)
{
    struct xapi_pif pif = {0};
    struct xr_value *v = wire_pif("-1");

    (void)state;
    assert_int_equal(xapi_record_decode(&xapi_class_pif, "OpaqueRef:pif0", v, &pif), 0);
    assert_string_equal(pif.ref, "OpaqueRef:pif0");
    assert_string_equal(pif.device, "eth0");
    assert_int_equal(pif.vlan, -1);
    assert_int_equal(pif.mtu, 1500);
    assert_true(pif.management);
    assert_false(pif.currently_attached);
    assert_null(pif.ip);
    assert_int_equal(pif.bond_master_of.n, 1);
    assert_string_equal(pif.bond_master_of.v[0], "OpaqueRef:bond0");
    assert_string_equal(xapi_map_get(&pif.other_config, "mtu"), "9000");
    assert_null(xapi_map_get(&pif.other_config, "absent"));
    xapi_record_clear(&xapi_class_pif, &pif);
    assert_null(pif.device);
    xr_free(v);
}

static void test_ints_as_xmlrpc_ints(void **state)
{
    struct xapi_vlan vlan = {0};
    struct xr_value *st = xr_struct();

    (void)state;
    xr_struct_set_int(st, "tag", 123);
    assert_int_equal(xapi_record_decode(&xapi_class_vlan, NULL, st, &vlan), 0);
    assert_int_equal(vlan.tag, 123);
    assert_null(vlan.ref);
    xapi_record_clear(&xapi_class_vlan, &vlan);
    xr_free(st);
}

static void test_wrong_type_is_an_error(void **state)
{
    struct xapi_pif pif = {0};
    struct xr_value *v = wire_pif("not-a-number");

    (void)state;
    assert_int_equal(xapi_record_decode(&xapi_class_pif, "OpaqueRef:p", v, &pif), -EINVAL);
    /* Nothing is returned half-decoded. */
    assert_null(pif.ref);
    assert_null(pif.device);
    xr_free(v);

    v = xr_struct();
    xr_struct_set_int(v, "device", 3);
    assert_int_equal(xapi_record_decode(&xapi_class_pif, NULL, v, &pif), -EINVAL);
    xr_free(v);
    assert_int_equal(xapi_record_decode(&xapi_class_pif, NULL, NULL, &pif), -EINVAL);
}

static void test_encode_uses_wire_forms(void **state)
{
    struct xapi_pif pif = {0}, back = {0};
    struct xr_value *v = wire_pif("42"), *enc;

    (void)state;
    assert_int_equal(xapi_record_decode(&xapi_class_pif, "OpaqueRef:p", v, &pif), 0);
    assert_int_equal(xapi_record_encode(&xapi_class_pif, &pif, &enc), 0);
    /* Every field is present; ints travel as strings, unset refs as NULL refs. */
    assert_int_equal(xr_struct_len(enc), xapi_class_pif.n_fields);
    assert_string_equal(xr_get_string(xr_struct_get(enc, "VLAN")), "42");
    assert_string_equal(xr_get_string(xr_struct_get(enc, "bond_slave_of")), XAPI_NULL_REF);
    assert_string_equal(xr_get_string(xr_struct_get(enc, "IP")), "");
    assert_int_equal(xapi_record_decode(&xapi_class_pif, "OpaqueRef:p", enc, &back), 0);
    assert_int_equal(back.vlan, 42);
    assert_string_equal(back.other_config.values[1], "off");
    xapi_record_clear(&xapi_class_pif, &pif);
    xapi_record_clear(&xapi_class_pif, &back);
    xr_free(enc);
    xr_free(v);
}

static void test_list_decode_and_find(void **state)
{
    struct xr_value *all = xr_struct();
    struct xapi_record_list list;
    struct xapi_network *net;

    (void)state;
    for (int i = 0; i < 3; i++) {
        struct xr_value *st = xr_struct();
        char ref[48], uuid[48], bridge[32];

        snprintf(ref, sizeof ref, "OpaqueRef:n%d", i);
        snprintf(uuid, sizeof uuid, "uuid-%d", i);
        snprintf(bridge, sizeof bridge, "xenbr%d", i);
        xr_struct_set_string(st, "uuid", uuid);
        xr_struct_set_string(st, "bridge", bridge);
        xr_struct_set(all, ref, st);
    }
    assert_int_equal(xapi_record_list_decode(&xapi_class_network, all, &list), 0);
    assert_int_equal(list.n, 3);
    net = XAPI_LIST_ITEM(&list, struct xapi_network, 2);
    assert_string_equal(net->bridge, "xenbr2");
    net = xapi_record_list_find_ref(&list, "OpaqueRef:n1");
    assert_non_null(net);
    assert_string_equal(net->uuid, "uuid-1");
    net = xapi_record_list_find_uuid(&list, "uuid-0");
    assert_string_equal(net->ref, "OpaqueRef:n0");
    assert_null(xapi_record_list_find_uuid(&list, "nope"));
    xapi_record_list_clear(&list);
    assert_int_equal(list.n, 0);
    xapi_record_list_clear(NULL);
    xr_free(all);
}

static void test_list_decode_rejects_bad_member(void **state)
{
    struct xr_value *all = xr_struct();
    struct xapi_record_list list;

    (void)state;
    xr_struct_set(all, "OpaqueRef:a", xr_struct());
    xr_struct_set_string(all, "OpaqueRef:b", "not a record");
    assert_int_equal(xapi_record_list_decode(&xapi_class_bond, all, &list), -EINVAL);
    assert_int_equal(list.n, 0);
    assert_null(list.items);
    xr_free(all);
}

static void test_class_lookup(void **state)
{
    size_t n = 0;

    (void)state;
    while (xapi_classes[n]) {
        n++;
    }
    assert_int_equal(n, 11);
    assert_ptr_equal(xapi_class_find("PIF"), &xapi_class_pif);
    assert_ptr_equal(xapi_class_find("SDN_controller"), &xapi_class_sdn_controller);
    assert_null(xapi_class_find("pif"));
    assert_int_equal(xapi_class_field(&xapi_class_pif, "VLAN")->type, XAPI_F_INT);
    assert_null(xapi_class_field(&xapi_class_pif, "vlan"));
}

static void test_map_and_strv_helpers(void **state)
{
    struct xapi_map m = {0};
    struct xapi_strv sv = {0};

    (void)state;
    assert_int_equal(xapi_map_set(&m, "k", "1"), 0);
    assert_int_equal(xapi_map_set(&m, "k", "2"), 0);
    assert_int_equal(m.n, 1);
    assert_string_equal(xapi_map_get(&m, "k"), "2");
    xapi_map_clear(&m);
    xapi_map_clear(NULL);
    assert_int_equal(xapi_strv_append(&sv, "a"), 0);
    assert_true(xapi_strv_contains(&sv, "a"));
    assert_false(xapi_strv_contains(&sv, "b"));
    xapi_strv_clear(&sv);
    xapi_strv_clear(NULL);
}

static void test_bool_from_string(void **state)
{
    struct xapi_vif vif = {0};
    struct xr_value *st = xr_struct();

    (void)state;
    xr_struct_set_string(st, "currently_attached", "true");
    assert_int_equal(xapi_record_decode(&xapi_class_vif, NULL, st, &vif), 0);
    assert_true(vif.currently_attached);
    xapi_record_clear(&xapi_class_vif, &vif);
    xr_struct_set_string(st, "currently_attached", "yes");
    assert_int_equal(xapi_record_decode(&xapi_class_vif, NULL, st, &vif), -EINVAL);
    xr_free(st);
}

static void test_datetime_wire_form(void **state)
{
    struct xapi_pif_metrics m = {0}, back = {0};
    struct xr_value *enc;

    (void)state;
    assert_int_equal(xapi_record_encode(&xapi_class_pif_metrics, &m, &enc), 0);
    /* Unset datetimes travel as the epoch, typed as XAPI sends them. */
    assert_int_equal(xr_type(xr_struct_get(enc, "last_updated")), XR_DATETIME);
    assert_string_equal(xr_get_string(xr_struct_get(enc, "last_updated")), XAPI_NEVER);
    xr_free(enc);
    m.last_updated = strdup("20261124T17:29:36Z");
    assert_int_equal(xapi_record_encode(&xapi_class_pif_metrics, &m, &enc), 0);
    assert_int_equal(xapi_record_decode(&xapi_class_pif_metrics, NULL, enc, &back), 0);
    assert_string_equal(back.last_updated, "20261124T17:29:36Z");
    xapi_record_clear(&xapi_class_pif_metrics, &m);
    xapi_record_clear(&xapi_class_pif_metrics, &back);
    xr_free(enc);
}

static int quiet(void **state)
{
    (void)state;
    xlog_open("records_test", false);
    xlog_set_level(XLOG_ERR);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_decode_pif_from_wire),
            cmocka_unit_test(test_ints_as_xmlrpc_ints),
            cmocka_unit_test(test_wrong_type_is_an_error),
            cmocka_unit_test(test_encode_uses_wire_forms),
            cmocka_unit_test(test_list_decode_and_find),
            cmocka_unit_test(test_list_decode_rejects_bad_member),
            cmocka_unit_test(test_class_lookup),
            cmocka_unit_test(test_map_and_strv_helpers),
            cmocka_unit_test(test_bool_from_string),
            cmocka_unit_test(test_datetime_wire_form),
    };
    return cmocka_run_group_tests(tests, quiet, NULL);
}
