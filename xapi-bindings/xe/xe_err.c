/* XenAPI errors as xe prints them; see xe_err.h.  The sentences and
 * parameter names are those XAPI's datamodel documents for each code. */
#include "xe_err.h"

#include <errno.h>
#include <string.h>

#include "sbuf.h"

#define XE_ERR_MAX_PARAMS 5

struct xe_err_entry {
    const char *code;
    const char *doc;
    const char *params[XE_ERR_MAX_PARAMS];
};

static const struct xe_err_entry table[] = {
        {"INTERNAL_ERROR",
         "The server failed to handle your request, due to an internal error. The given message "
         "may give details useful for debugging the problem.",
         {"message", NULL}},
        {"PERMISSION_DENIED", "Caller not allowed to perform this operation.", {"message", NULL}},
        {"UUID_INVALID", "The uuid you supplied was invalid.", {"type", "uuid", NULL}},
        {"MAP_DUPLICATE_KEY",
         "You tried to add a key-value pair to a map, but that key is already there.",
         {"type", "param_name", "uuid", "key", NULL}},
        {"MESSAGE_METHOD_UNKNOWN",
         "You tried to call a method that does not exist. The method name that you used is echoed.",
         {"method", NULL}},
        {"MESSAGE_PARAMETER_COUNT_MISMATCH",
         "You tried to call a method with the incorrect number of parameters. The fully-qualified "
         "method name that you used, and the number of received and expected parameters are "
         "returned.",
         {"method", "expected", "received", NULL}},
        {"INVALID_VALUE", "The value given is invalid", {"field", "value", NULL}},
        {"FIELD_TYPE_ERROR", "The value specified is of the wrong type", {"field", NULL}},
        {"OPERATION_NOT_ALLOWED",
         "You attempted an operation that was not allowed.",
         {"reason", NULL}},
        {"HANDLE_INVALID",
         "You gave an invalid object reference. The object may have recently been deleted. The "
         "class parameter gives the type of reference given, and the handle parameter echoes the "
         "bad value given.",
         {"class", "handle", NULL}},
        {"SESSION_AUTHENTICATION_FAILED",
         "The credentials given by the user are incorrect, so access has been denied, and you have "
         "not been issued a session handle.",
         {NULL}},
        {"SESSION_INVALID",
         "You gave an invalid session reference. It may have been invalidated by a server restart, "
         "or timed out. You should get a new session handle, using one of the session.login_ "
         "calls. This error does not invalidate the current connection. The handle parameter "
         "echoes the bad value given.",
         {"handle", NULL}},
        {"NETWORK_UNMANAGED", "The network is not managed by xapi.", {"network", NULL}},
        {"NETWORK_ALREADY_CONNECTED",
         "You tried to create a PIF, but the network you tried to attach it to is already attached "
         "to some other PIF, and so the creation failed.",
         {"network", "connected PIF", NULL}},
        {"CANNOT_DESTROY_SYSTEM_NETWORK",
         "You tried to destroy a system network: these cannot be destroyed.",
         {"network", NULL}},
        {"NETWORK_INCOMPATIBLE_PURPOSES",
         "You tried to add a purpose to a network but the new purpose is not compatible with an "
         "existing purpose of the network or other networks.",
         {"new_purpose", "conflicting_purpose", NULL}},
        {"PIF_IS_PHYSICAL",
         "You tried to destroy a PIF, but it represents an aspect of the physical host "
         "configuration, and so cannot be destroyed. The parameter echoes the PIF handle you gave.",
         {"PIF", NULL}},
        {"PIF_IS_NOT_PHYSICAL",
         "You tried to perform an operation which is only available on physical PIF",
         {"PIF", NULL}},
        {"PIF_IS_VLAN",
         "You tried to create a VLAN on top of another VLAN - use the underlying physical PIF/bond "
         "instead",
         {"PIF", NULL}},
        {"PIF_VLAN_EXISTS", "You tried to create a PIF, but it already exists.", {"PIF", NULL}},
        {"VLAN_IN_USE",
         "Operation cannot be performed because this VLAN is already in use. Please check your "
         "network configuration.",
         {"device", "vlan", NULL}},
        {"PIF_ALREADY_BONDED",
         "This operation cannot be performed because the pif is bonded.",
         {"PIF", NULL}},
        {"PIF_CANNOT_BOND_CROSS_HOST",
         "You cannot bond interfaces across different servers.",
         {NULL}},
        {"PIF_BOND_NEEDS_MORE_MEMBERS",
         "A bond must consist of at least two member interfaces",
         {NULL}},
        {"PIF_BOND_MORE_THAN_ONE_IP",
         "Only one PIF on a bond is allowed to have an IP configuration.",
         {NULL}},
        {"PIF_CONFIGURATION_ERROR",
         "An unknown error occurred while attempting to configure an interface.",
         {"PIF", "msg", NULL}},
        {"INVALID_IP_ADDRESS_SPECIFIED",
         "A required parameter contained an invalid IP address",
         {"parameter", NULL}},
        {"INVALID_CIDR_ADDRESS_SPECIFIED",
         "A required parameter contained an invalid CIDR address (<addr>/<prefix length>)",
         {"parameter", NULL}},
        {"ADDRESS_VIOLATES_LOCKING_CONSTRAINT",
         "The specified IP address violates the VIF locking configuration.",
         {"address", NULL}},
        {"PIF_IS_MANAGEMENT_IFACE",
         "The operation you requested cannot be performed because the specified PIF is the "
         "management interface.",
         {"PIF", NULL}},
        {"PIF_DOES_NOT_ALLOW_UNPLUG",
         "The operation you requested cannot be performed because the specified PIF does not allow "
         "unplug.",
         {"PIF", NULL}},
        {"PIF_ALLOWS_UNPLUG",
         "The operation you requested cannot be performed because the specified PIF allows unplug.",
         {"PIF", NULL}},
        {"REQUIRED_PIF_IS_UNPLUGGED",
         "The operation you requested cannot be performed because the specified PIF is currently "
         "unplugged.",
         {"PIF", NULL}},
        {"PIF_UNMANAGED",
         "The operation you requested cannot be performed because the specified PIF is not managed "
         "by xapi.",
         {"PIF", NULL}},
        {"PIF_HAS_NO_NETWORK_CONFIGURATION",
         "PIF has no IP configuration (mode currently set to 'none')",
         {"PIF", NULL}},
        {"PIF_HAS_NO_V6_NETWORK_CONFIGURATION",
         "PIF has no IPv6 configuration (mode currently set to 'none')",
         {"PIF", NULL}},
        {"CANNOT_PLUG_BOND_SLAVE",
         "This PIF is a bond member and cannot be plugged.",
         {"PIF", NULL}},
        {"CANNOT_ADD_VLAN_TO_BOND_SLAVE",
         "This PIF is a bond member and cannot have a VLAN on it.",
         {"PIF", NULL}},
        {"CANNOT_ADD_TUNNEL_TO_BOND_SLAVE",
         "This PIF is a bond member and cannot have a tunnel on it.",
         {"PIF", NULL}},
        {"VIF_IN_USE", "Network has active VIFs", {"network", "VIF", NULL}},
        {"CANNOT_PLUG_VIF", "Cannot plug VIF", {"VIF", NULL}},
        {"MAC_INVALID", "The MAC address specified is not valid.", {"MAC", NULL}},
        {"VLAN_TAG_INVALID",
         "The VLAN tag you gave was invalid -- it must be between 0 and 4094. The parameter echoes "
         "the VLAN tag you gave.",
         {"VLAN", NULL}},
        {"NETWORK_CONTAINS_VIF",
         "The network contains active VIFs and cannot be deleted.",
         {"vifs", NULL}},
        {"NETWORK_CONTAINS_PIF",
         "The network contains active PIFs and cannot be deleted.",
         {"pifs", NULL}},
        {"DEVICE_DETACH_REJECTED",
         "The VM rejected the attempt to detach the device.",
         {"type", "ref", "msg", NULL}},
        {"PIF_DEVICE_NOT_FOUND", "The specified device was not found.", {NULL}},
        {"OPENVSWITCH_NOT_ACTIVE",
         "This operation needs the OpenVSwitch networking backend to be enabled on all hosts in "
         "the pool.",
         {NULL}},
        {"TRANSPORT_PIF_NOT_CONFIGURED",
         "The tunnel transport PIF has no IP configuration set.",
         {"PIF", NULL}},
        {"IS_TUNNEL_ACCESS_PIF",
         "Cannot create a VLAN or tunnel on top of a tunnel access PIF - use the underlying "
         "transport PIF instead.",
         {"PIF", NULL}},
        {"PIF_TUNNEL_STILL_EXISTS",
         "Operation cannot proceed while a tunnel exists on this interface.",
         {"PIF", NULL}},
        {"VM_BAD_POWER_STATE",
         "You attempted an operation on a VM that was not in an appropriate power state at the "
         "time; for example, you attempted to start a VM that was already running. The parameters "
         "returned are the VM's handle, and the expected and actual VM state at the time of the "
         "call.",
         {"vm", "expected", "actual", NULL}},
        {"VM_IS_TEMPLATE", "The operation attempted is not valid for a template VM", {"vm", NULL}},
        {"OTHER_OPERATION_IN_PROGRESS",
         "Another operation involving the object is currently in progress",
         {"class", "object", "operation_type", "operation_ref", NULL}},
        {"HOST_OFFLINE",
         "You attempted an operation which involves a host which could not be contacted.",
         {"host", NULL}},
        {"INTERFACE_HAS_NO_IP",
         "The specified interface cannot be used because it has no IP address",
         {"interface", NULL}},
        {"DEVICE_ALREADY_ATTACHED", "The device is already attached to a VM", {"device", NULL}},
        {"DEVICE_ALREADY_DETACHED", "The device is not currently attached", {"device", NULL}},
        {"DEVICE_ALREADY_EXISTS",
         "A device with the name given already exists on the selected VM",
         {"device", NULL}},
        {"HOST_IS_SLAVE",
         "You cannot make regular API calls directly on a supporter. Please pass API calls via the "
         "coordinator host.",
         {"Master IP address", NULL}},
        {"XENAPI_MISSING_PLUGIN", "The requested plug-in could not be found.", {"name", NULL}},
        {"XENAPI_PLUGIN_FAILURE",
         "There was a failure communicating with the plug-in.",
         {"status", "stdout", "stderr", NULL}},
};

const char *xe_err_doc(const char *code, const char *const **params)
{
    for (size_t i = 0; code && i < sizeof table / sizeof table[0]; i++) {
        if (!strcmp(table[i].code, code)) {
            *params = table[i].params;
            return table[i].doc;
        }
    }
    *params = NULL;
    return NULL;
}

int xe_err_format(const char *code, const char *const *v, size_t n, struct sbuf *out)
{
    const char *const *names;
    const char *doc = xe_err_doc(code, &names);
    size_t n_names = 0;

    if (!doc) {
        sbuf_addf(out, "Error code: %s\nError parameters: ", code ? code : "");
        for (size_t i = 0; i < n; i++) {
            sbuf_addf(out, "%s%s", i ? ", " : "", v[i]);
        }
        sbuf_addc(out, '\n');
        return sbuf_error(out);
    }
    while (names[n_names]) {
        n_names++;
    }
    sbuf_addf(out, "%s\n", doc);
    for (size_t i = 0; i < n || i < n_names; i++) {
        sbuf_addf(out, "%s: %s\n", i < n_names ? names[i] : "<extra>", i < n ? v[i] : "<unknown>");
    }
    return sbuf_error(out);
}
