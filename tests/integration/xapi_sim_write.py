#!/usr/bin/python3
"""Integration test of xvs-xapi-sim's write methods, through Python's
xmlrpc.client over the simulator's unix socket (as XenAPI.py talks to
XAPI's): networks, VLANs, bonds, tunnels, PIF plug/unplug and IP
reconfiguration (with a fake interface-reconfigure that logs its argv and
calls back into the simulator with the session it was given),
host.management_reconfigure, pool.set_vswitch_controller, SDN controllers,
host.call_plugin with test plugins (success, failure, non-zero exit,
garbage, missing, a plugin calling back), persistence across a restart,
and VM.start/shutdown (xenstore keys in xvs-xenstored, the xenopsd JSON
file, the guest namespace and veth, `vif` run as udev runs it, the
hotplug failure path).

Prints PASS:/FAIL:/SKIP: lines.  Environment: XVS_BIN (xvs-xapi-sim,
xvs-xenstored), XVS_SRC (repository root).  Everything lives in a
temporary root; every process started here is stopped by its PID and every
namespace made is deleted.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

SRC = os.environ.get("XVS_SRC") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("XVS_BIN") or os.path.join(SRC, "build", "bin")
TOOLS = os.environ.get("XVS_TOOLS") or os.path.join(SRC, "build", "tests")
FIXTURE = os.path.join(SRC, "tests", "data", "dbcache", "four-scenarios.dbcache")

failures = 0


def report(ok, name, why=""):
    global failures
    if ok:
        print("PASS: %s" % name)
    else:
        failures += 1
        print("FAIL: %s: %s" % (name, why))
    sys.stdout.flush()


class UDSConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(self.path)


class UDSTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UDSConnection(self.path)


def proxy(sock):
    return xmlrpc.client.ServerProxy("http://localhost/", transport=UDSTransport(sock),
                                     allow_none=True)


def value(r):
    if not isinstance(r, dict) or r.get("Status") != "Success":
        raise AssertionError("call failed: %r" % (r,))
    return r["Value"]


def error(r):
    if not isinstance(r, dict) or r.get("Status") != "Failure":
        return None
    return r.get("ErrorDescription")


def case(name, fn):
    try:
        res = fn()
        ok, why = res if isinstance(res, tuple) else (bool(res), "")
    except Exception as e:  # Every case reports, whatever breaks.
        ok, why = False, "%s: %s" % (type(e).__name__, e)
    report(ok, name, why)


def write_exe(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


# A fake interface-reconfigure: logs its argv, reads the PIF back through
# the simulator with the session it was given (which only works if the
# simulator serves calls while it waits), and fails when asked to.
FAKE_IR = r'''#!/usr/bin/python3
import http.client, os, socket, sys, xmlrpc.client
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ["XVS_ROOT"] + "/var/lib/xcp/xapi")
class T(xmlrpc.client.Transport):
    def make_connection(self, host):
        return C("localhost")
args = sys.argv[1:]
s = xmlrpc.client.ServerProxy("http://localhost/", transport=T())
rec = s.PIF.get_record(args[args.index("--session") + 1], args[args.index("--pif") + 1])
with open(os.environ["XVS_ROOT"] + "/ir.log", "a") as f:
    f.write(" ".join(args) + " device=" + rec.get("Value", {}).get("device", "?") + "\n")
sys.exit(1 if os.path.exists(os.environ["XVS_ROOT"] + "/ir-fail") else 0)
'''

# Test plugins, written as XenAPIPlugin.py-based plugins behave.
PLUGIN_ECHO = r'''#!/usr/bin/python3
import os, sys, xmlrpc.client
if len(sys.argv) != 2 or os.isatty(0) or sys.stdin.read() != "":
    sys.exit(7)
params, fn = xmlrpc.client.loads(sys.argv[1])
session, args = params
text = fn + ":" + ",".join("%s=%s" % kv for kv in sorted(args.items()))
text += ":root=" + os.environ.get("XVS_ROOT", "")
if fn == "fail":
    r = {"Status": "Failure", "ErrorDescription": ["SOME_ERROR", "a", "b"]}
else:
    r = {"Status": "Success", "Value": text}
print(xmlrpc.client.dumps((r,), methodresponse=True))
'''

PLUGIN_CALLBACK = r'''#!/usr/bin/python3
import http.client, os, socket, sys, xmlrpc.client
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ["XVS_ROOT"] + "/var/lib/xcp/xapi")
class T(xmlrpc.client.Transport):
    def make_connection(self, host):
        return C("localhost")
params, fn = xmlrpc.client.loads(sys.argv[1])
s = xmlrpc.client.ServerProxy("http://localhost/", transport=T())
pool = s.pool.get_all(params[0])["Value"][0]
ctrl = s.pool.get_vswitch_controller(params[0], pool)["Value"]
with open(os.environ["XVS_ROOT"] + "/plugin.log", "a") as f:
    f.write(fn + " controller=" + ctrl + "\n")
print(xmlrpc.client.dumps(({"Status": "Success", "Value": ctrl},), methodresponse=True))
'''


def stop_pidfile(pidfile):
    """Stops the process named by "pidfile" (SIGTERM, then SIGKILL)."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


# A plugin that changes the store through the simulator while the
# simulator waits for it.
PLUGIN_WRITER = r'''#!/usr/bin/python3
import http.client, os, socket, sys, xmlrpc.client
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ["XVS_ROOT"] + "/var/lib/xcp/xapi")
class T(xmlrpc.client.Transport):
    def make_connection(self, host):
        return C("localhost")
params, fn = xmlrpc.client.loads(sys.argv[1])
s = xmlrpc.client.ServerProxy("http://localhost/", transport=T())
r = s.network.create(params[0], {"name_label": params[1]["label"]})
print(xmlrpc.client.dumps(({"Status": "Success", "Value": r["Value"]},), methodresponse=True))
'''


# A plugin that calls back through the project's own client (libcurl), to
# check the simulator's nested serving against it too.
PLUGIN_CURL = r'''#!/usr/bin/python3
import os, subprocess, sys, xmlrpc.client
params, fn = xmlrpc.client.loads(sys.argv[1])
out = subprocess.run(["@CALL@", "--unix", os.environ["XVS_ROOT"] + "/var/lib/xcp/xapi",
                      "--session", params[0], "pool.get_all"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, timeout=60).stdout.strip()
print(xmlrpc.client.dumps(({"Status": "Success", "Value": out},), methodresponse=True))
'''


class Sim:
    def __init__(self, root, libexec, plugins, extra=(), netns=None):
        self.root = root
        self.netns = netns
        self.sock = os.path.join(root, "var/lib/xcp/xapi")
        self.pidfile = os.path.join(root, "sim.pid")
        self.args = ["--root-prefix", root, "--state", os.path.join(root, "sim.state"),
                     "--dbcache", FIXTURE, "--libexec", libexec, "--plugins", plugins,
                     "--pidfile", self.pidfile, "--detach", "--no-syslog"] + list(extra)

    def start(self):
        with open(os.path.join(self.root, "sim.log"), "a") as log:
            # nsenter joins the network namespace only: namespaces the
            # simulator makes must be visible outside, which they would
            # not be from the private mount namespace of `ip netns exec`.
            wrap = (["nsenter", "--net=/run/netns/" + self.netns] if self.netns else [])
            rc = subprocess.run(wrap + [os.path.join(BIN, "xvs-xapi-sim")] + self.args, stdout=log,
                                stderr=log, timeout=60).returncode
        if rc != 0:
            raise RuntimeError("the simulator did not start")
        self.api = proxy(self.sock)
        self.s = value(self.api.session.login_with_password("root", ""))

    def stop(self):
        stop_pidfile(self.pidfile)


def network_cases(sim):
    api, s = sim.api, sim.s
    st = {}

    def pif_by_device(dev, vlan="-1"):
        for ref, r in value(api.PIF.get_all_records(s)).items():
            if r["device"] == dev and r["VLAN"] == vlan:
                return ref
        raise AssertionError("no PIF %s VLAN %s" % (dev, vlan))

    def net_create():
        ref = value(api.network.create(s, {"name_label": "test net", "MTU": "9000",
                                           "other_config": {"a": "1"}}))
        rec = value(api.network.get_record(s, ref))
        st["net"] = ref
        return (rec["name_label"] == "test net" and rec["MTU"] == "9000" and
                rec["bridge"].startswith("xapi") and rec["other_config"] == {"a": "1"} and
                rec["PIFs"] == [] and rec["default_locking_mode"] == "unlocked"), repr(rec)
    case("sim-write-network-create", net_create)

    def net_bridges():
        # The fixture has xapi0..xapi3: the next free one is picked.
        return value(api.network.get_bridge(s, st["net"])) == "xapi4", "bridge"
    case("sim-write-network-bridge-name", net_bridges)

    def net_other_config():
        n = st["net"]
        value(api.network.add_to_other_config(s, n, "b", "2"))
        dup = error(api.network.add_to_other_config(s, n, "b", "3"))
        value(api.network.remove_from_other_config(s, n, "a"))
        oc1 = value(api.network.get_other_config(s, n))
        value(api.network.set_other_config(s, n, {"x": "y"}))
        oc2 = value(api.network.get_other_config(s, n))
        return (dup == ["MAP_DUPLICATE_KEY", "network", "other_config", n, "b"] and
                oc1 == {"b": "2"} and oc2 == {"x": "y"}), "%r %r %r" % (dup, oc1, oc2)
    case("sim-write-network-other-config", net_other_config)

    def net_errors():
        e1 = error(api.network.create(s, "not a record"))
        e2 = error(api.network.create(s, {"MTU": "10"}))
        e3 = error(api.network.create(s, {"bridge": "xenbr0"}))
        e4 = error(api.network.destroy(s, "OpaqueRef:nope"))
        e5 = error(api.network.create(s))
        e6 = error(api.network.set_other_config(s, st["net"], {"k": 1}))
        return (e1 == ["FIELD_TYPE_ERROR", "args"] and e2 == ["MTU_RANGE", "10", "68", "65535"]
                and e3 == ["BRIDGE_NAME_EXISTS", "xenbr0"] and
                e4 == ["HANDLE_INVALID", "network", "OpaqueRef:nope"] and
                e5 == ["MESSAGE_PARAMETER_COUNT_MISMATCH", "network.create", "1", "0"] and
                e6 == ["FIELD_TYPE_ERROR", "value"]), repr((e1, e2, e3, e4, e5, e6))
    case("sim-write-network-errors", net_errors)

    def vlan_create():
        eth4 = pif_by_device("eth4")
        open(os.path.join(sim.root, "ir.log"), "w").close()
        v = value(api.VLAN.create(s, eth4, "77", st["net"]))
        vr = value(api.VLAN.get_record(s, v))
        pif = vr["untagged_PIF"]
        pr = value(api.PIF.get_record(s, pif))
        tagged = value(api.PIF.get_record(s, eth4))
        net = value(api.network.get_record(s, st["net"]))
        with open(os.path.join(sim.root, "ir.log")) as f:
            log = f.read()
        st.update(vlan=v, vlan_pif=pif, eth4=eth4)
        want_log = "--session %s --pif %s up device=eth4\n" % (s, pif)
        return (vr["tag"] == "77" and vr["tagged_PIF"] == eth4 and pr["VLAN"] == "77" and
                pr["device"] == "eth4" and pr["VLAN_master_of"] == v and
                pr["physical"] is False and pr["MTU"] == tagged["MTU"] and
                pr["MAC"] == "fe:ff:ff:ff:ff:ff" and
                pr["currently_attached"] is True and v in tagged["VLAN_slave_of"] and
                net["PIFs"] == [pif] and log == want_log), "%r %r log %r" % (vr, pr, log)
    case("sim-write-vlan-create-plugs", vlan_create)

    def vlan_errors():
        n2 = value(api.network.create(s, {"name_label": "n2"}))
        st["net2"] = n2
        e1 = error(api.VLAN.create(s, st["eth4"], "4095", n2))
        e2 = error(api.VLAN.create(s, st["eth4"], "77", n2))
        e3 = error(api.VLAN.create(s, "OpaqueRef:bad", "5", n2))
        e4 = error(api.VLAN.create(s, st["vlan_pif"], "5", n2))
        e5 = error(api.VLAN.create(s, st["eth4"], "78", st["net"]))
        e6 = error(api.VLAN.create(s, st["eth4"], "5"))
        e7 = error(api.PIF.destroy(s, st["eth4"]))
        host = value(api.PIF.get_host(s, st["eth4"]))
        return (e1 == ["VLAN_TAG_INVALID", "4095"] and e2 == ["PIF_VLAN_EXISTS", "eth4"]
                and e3 == ["HANDLE_INVALID", "PIF", "OpaqueRef:bad"] and
                e4 == ["PIF_IS_VLAN", st["vlan_pif"]] and
                e5 == ["NETWORK_ALREADY_CONNECTED", host, st["vlan_pif"]] and
                e6 == ["MESSAGE_PARAMETER_COUNT_MISMATCH", "VLAN.create", "3", "2"] and
                e7 == ["PIF_IS_PHYSICAL"]), repr((e1, e2, e3, e4, e5, e6, e7))
    case("sim-write-vlan-errors", vlan_errors)

    def net_destroy_busy():
        e = error(api.network.destroy(s, st["net"]))
        return e == ["NETWORK_CONTAINS_PIF", st["vlan_pif"]], repr(e)
    case("sim-write-network-destroy-with-pif", net_destroy_busy)

    def vlan_destroy():
        open(os.path.join(sim.root, "ir.log"), "w").close()
        value(api.VLAN.destroy(s, st["vlan"]))
        with open(os.path.join(sim.root, "ir.log")) as f:
            log = f.read()
        gone = error(api.PIF.get_record(s, st["vlan_pif"]))
        tagged = value(api.PIF.get_record(s, st["eth4"]))
        net = value(api.network.get_record(s, st["net"]))
        value(api.network.destroy(s, st["net"]))
        gone2 = error(api.network.get_record(s, st["net"]))
        return (log == "--session %s --pif %s down device=eth4\n" % (s, st["vlan_pif"]) and
                gone == ["HANDLE_INVALID", "PIF", st["vlan_pif"]] and
                tagged["VLAN_slave_of"] == [] and net["PIFs"] == [] and
                gone2 == ["HANDLE_INVALID", "network", st["net"]]), "log %r, %r" % (log, gone)
    case("sim-write-vlan-destroy-unplugs", vlan_destroy)

    def pif_plug_failures():
        eth3 = pif_by_device("eth3")
        open(os.path.join(sim.root, "ir-fail"), "w").close()
        e1 = error(api.PIF.plug(s, eth3))
        os.unlink(os.path.join(sim.root, "ir-fail"))
        att1 = value(api.PIF.get_currently_attached(s, eth3))
        ir = os.path.join(sim.root, "libexec", "interface-reconfigure")
        os.rename(ir, ir + ".off")
        e2 = error(api.PIF.plug(s, eth3))
        os.rename(ir + ".off", ir)
        att2 = value(api.PIF.get_currently_attached(s, eth3))
        value(api.PIF.plug(s, eth3))
        att3 = value(api.PIF.get_currently_attached(s, eth3))
        value(api.PIF.unplug(s, eth3))
        att4 = value(api.PIF.get_currently_attached(s, eth3))
        e3 = error(api.PIF.unplug(s, pif_by_device("eth2")))
        e4 = error(api.PIF.plug(s, pif_by_device("eth0")))
        return (e1 and e1[0] == "INTERNAL_ERROR" and "status 1" in e1[1] and att1 is False and
                e2 and e2[0] == "INTERNAL_ERROR" and "cannot run" in e2[1] and att2 is False
                and att3 is True and att4 is False and
                e3 == ["PIF_IS_MANAGEMENT_IFACE", pif_by_device("eth2")] and
                e4 == ["CANNOT_PLUG_BOND_SLAVE", pif_by_device("eth0")]), repr((e1, e2, e3, e4))
    case("sim-write-pif-plug-unplug", pif_plug_failures)

    def reconfigure_ip():
        eth3 = pif_by_device("eth3")
        e1 = error(api.PIF.reconfigure_ip(s, eth3, "Static", "10.0.0.300", "255.255.255.0",
                                          "", ""))
        e2 = error(api.PIF.reconfigure_ip(s, eth3, "Bogus", "", "", "", ""))
        value(api.PIF.reconfigure_ip(s, eth3, "Static", "10.1.2.3", "255.255.255.0",
                                     "10.1.2.1", "10.1.2.53,10.1.2.54"))
        r = value(api.PIF.get_record(s, eth3))
        value(api.PIF.reconfigure_ipv6(s, eth3, "Static", "fd00::5/64", "fd00::1", ""))
        r6 = value(api.PIF.get_record(s, eth3))
        e3 = error(api.PIF.reconfigure_ipv6(s, eth3, "Static", "fd00::5", "", ""))
        return (e1 == ["INVALID_IP_ADDRESS_SPECIFIED", "IP"] and
                e2 == ["INVALID_VALUE", "mode", "Bogus"] and
                r["ip_configuration_mode"] == "Static" and r["IP"] == "10.1.2.3" and
                r["gateway"] == "10.1.2.1" and r["DNS"] == "10.1.2.53,10.1.2.54" and
                r6["IPv6"] == ["fd00::5/64"] and r6["ipv6_configuration_mode"] == "Static" and
                r6["ipv6_gateway"] == "fd00::1" and
                e3 == ["INVALID_CIDR_ADDRESS_SPECIFIED", "IPv6"]), repr((e1, e2, r, e3))
    case("sim-write-pif-reconfigure-ip", reconfigure_ip)

    def bond():
        eth2, eth4 = pif_by_device("eth2"), pif_by_device("eth4")
        n = value(api.network.create(s, {"name_label": "bond net"}))
        e1 = error(api.Bond.create(s, n, [], "", "active-backup", {}))
        e2 = error(api.Bond.create(s, n, [eth2, eth4], "", "round-robin", {}))
        e3 = error(api.Bond.create(s, n, [eth2, pif_by_device("eth0")], "", "lacp", {}))
        e4 = error(api.Bond.create(s, n, [eth2, eth4], "", "active-backup", {}))
        e5 = error(api.Bond.create(s, n, [eth2, eth4], "", "active-backup",
                                   {"hashing_algorithm": "src_mac"}))
        e6 = error(api.Bond.create(s, n, [eth2, eth4], "zz", "lacp", {}))
        # eth4 has a static address: at most one member may have one.
        value(api.PIF.reconfigure_ip(s, eth4, "None", "", "", "", ""))
        b = value(api.Bond.create(s, n, [eth2, eth4, eth4], "", "lacp",
                                  {"hashing_algorithm": "src_mac"}))
        br = value(api.Bond.get_record(s, b))
        m = value(api.PIF.get_record(s, br["master"]))
        s2 = value(api.PIF.get_record(s, eth2))
        value(api.Bond.set_mode(s, b, "balance-slb"))
        m2 = value(api.PIF.get_record(s, br["master"]))
        mode = value(api.Bond.get_mode(s, b))
        value(api.Bond.destroy(s, b))
        s3 = value(api.PIF.get_record(s, eth2))
        gone = error(api.PIF.get_record(s, br["master"]))
        value(api.network.destroy(s, n))
        host = value(api.PIF.get_host(s, eth2))
        return (e1 == ["PIF_BOND_NEEDS_MORE_MEMBERS"] and
                e2 == ["INVALID_VALUE", "mode", "round-robin"] and
                e3 == ["PIF_ALREADY_BONDED", pif_by_device("eth0")] and
                e4 == ["PIF_BOND_MORE_THAN_ONE_IP"] and
                e5 == ["INVALID_VALUE", "properties", "hashing_algorithm = src_mac"] and
                e6 == ["MAC_INVALID", "zz"] and
                m["device"] == "bond1" and m["bond_master_of"] == [b] and
                sorted(br["slaves"]) == sorted([eth2, eth4]) and br["primary_slave"] == eth2 and
                br["properties"] == {"hashing_algorithm": "src_mac", "lacp-time": "slow",
                                     "lacp-fallback-ab": "true"} and
                m["management"] is True and m["ip_configuration_mode"] == "DHCP" and
                m["MAC"] == s2["MAC"] and s2["bond_slave_of"] == b and m["host"] == host and
                s2["management"] is False and m["currently_attached"] is True and
                m["other_config"].get("bond-mode") == "lacp" and
                m2["other_config"].get("bond-mode") == "balance-slb" and mode == "balance-slb"
                and s3["management"] is True and s3["bond_slave_of"] == "OpaqueRef:NULL" and
                s3["ip_configuration_mode"] == "DHCP" and
                gone == ["HANDLE_INVALID", "PIF", br["master"]]), \
            repr((e1, e2, e3, e4, e5, e6, br, m))
    case("sim-write-bond-create-set-mode-destroy", bond)

    def tunnel():
        eth2, vlan123 = pif_by_device("eth2"), pif_by_device("eth3", "123")
        n = value(api.network.create(s, {"name_label": "tunnel net"}))
        # As in XAPI, the tunnel is made and its plug then fails.
        e1 = error(api.tunnel.create(s, vlan123, n, "gre"))
        left = value(api.PIF.get_tunnel_transport_PIF_of(s, vlan123))
        for t in left:
            value(api.tunnel.destroy(s, t))
        e2 = error(api.tunnel.create(s, eth2, n, "ipip"))
        t = value(api.tunnel.create(s, eth2, n, "vxlan"))
        tr = value(api.tunnel.get_record(s, t))
        a = value(api.PIF.get_record(s, tr["access_PIF"]))
        tp = value(api.PIF.get_record(s, eth2))
        value(api.tunnel.destroy(s, t))
        tp2 = value(api.PIF.get_record(s, eth2))
        gone = error(api.PIF.get_record(s, tr["access_PIF"]))
        value(api.network.destroy(s, n))
        return (e1 == ["TRANSPORT_PIF_NOT_CONFIGURED", vlan123] and len(left) == 1 and
                e2 == ["INVALID_VALUE", "protocol", "ipip"] and tr["protocol"] == "vxlan" and
                tr["status"] == {"active": "false"} and a["device"] == "tunnel0" and
                a["tunnel_access_PIF_of"] == [t] and a["currently_attached"] is True and
                t in tp["tunnel_transport_PIF_of"] and
                tp2["tunnel_transport_PIF_of"] == [] and gone is not None), repr((e1, e2, tr, a))
    case("sim-write-tunnel-create-destroy", tunnel)

    def mgmt():
        eth3, eth2 = pif_by_device("eth3"), pif_by_device("eth2")
        e1 = error(api.host.management_reconfigure(s, pif_by_device("eth3", "123")))
        value(api.host.management_reconfigure(s, eth3))
        with open(os.path.join(sim.root, "etc/xensource-inventory")) as f:
            inv = f.read()
        m3 = value(api.PIF.get_management(s, eth3))
        m2 = value(api.PIF.get_management(s, eth2))
        with open(os.path.join(sim.root, "ir.log")) as f:
            last = f.read().splitlines()[-1]
        value(api.host.management_reconfigure(s, eth2))
        with open(os.path.join(sim.root, "etc/xensource-inventory")) as f:
            inv2 = f.read()
        return (e1 == ["PIF_HAS_NO_NETWORK_CONFIGURATION", pif_by_device("eth3", "123")] and
                inv == "BUILD_NUMBER='0'\nMANAGEMENT_INTERFACE='xenbr3'\n" and
                "MANAGEMENT_INTERFACE='xenbr2'" in inv2 and
                m3 is True and m2 is False and
                last == "--session %s --pif %s --management up device=eth3" % (s, eth3)), \
            repr((e1, m3, m2, last))
    case("sim-write-host-management-reconfigure", mgmt)

    def vswitch_controller():
        pool = value(api.pool.get_all(s))[0]
        e1 = error(api.pool.set_vswitch_controller(s, "1.2.3"))
        value(api.pool.set_vswitch_controller(s, "192.0.2.10"))
        ctrl = value(api.pool.get_vswitch_controller(s, pool))
        sdn = list(value(api.SDN_controller.get_all_records(s)).values())
        value(api.pool.set_vswitch_controller(s, ""))
        sdn2 = value(api.SDN_controller.get_all(s))
        with open(os.path.join(sim.root, "plugin.log")) as f:
            log = f.read()
        return (e1 == ["INVALID_IP_ADDRESS_SPECIFIED", "address"] and ctrl == "192.0.2.10" and
                len(sdn) == 1 and sdn[0]["protocol"] == "ssl" and
                sdn[0]["address"] == "192.0.2.10" and sdn[0]["port"] == "6632" and sdn2 == [] and
                log == "update controller=192.0.2.10\nupdate controller=\n"), \
            repr((e1, ctrl, sdn, log))
    case("sim-write-pool-set-vswitch-controller", vswitch_controller)

    def sdn():
        e1 = error(api.SDN_controller.introduce(s, "tcp", "192.0.2.1", "6633"))
        e2 = error(api.SDN_controller.introduce(s, "ssl", "nowhere", "0"))
        e4 = error(api.SDN_controller.introduce(s, "pssl", "192.0.2.1", "0"))
        e5 = error(api.SDN_controller.introduce(s, "ssl", "192.0.2.1", "70000"))
        c = value(api.SDN_controller.introduce(s, "ssl", "192.0.2.1", "0"))
        r = value(api.SDN_controller.get_record(s, c))
        e3 = error(api.SDN_controller.introduce(s, "pssl", "", "0"))
        value(api.SDN_controller.forget(s, c))
        left = value(api.SDN_controller.get_all(s))
        c2 = value(api.SDN_controller.introduce(s, "pssl", "", "0"))
        r2 = value(api.SDN_controller.get_record(s, c2))
        value(api.SDN_controller.forget(s, c2))
        return (e1 == ["INVALID_VALUE", "protocol", "tcp"] and
                e2 == ["INVALID_IP_ADDRESS_SPECIFIED", "address"] and r["port"] == "6632" and
                e4 == ["INVALID_VALUE", "address", "192.0.2.1"] and
                e5 == ["VALUE_NOT_SUPPORTED", "port", "70000", "Port out of range"] and
                r["address"] == "192.0.2.1" and e3 and e3[0] == "OPERATION_NOT_ALLOWED" and
                left == [] and r2["port"] == "0"), repr((e1, e2, e4, e5, r, e3, r2))
    case("sim-write-sdn-controller", sdn)

    def plugins():
        host = value(api.host.get_all(s))[0]
        ok = value(api.host.call_plugin(s, host, "echo", "hello", {"k": "v", "a": "b"}))
        e1 = error(api.host.call_plugin(s, host, "echo", "fail", {}))
        e2 = error(api.host.call_plugin(s, host, "exit1", "x", {}))
        e3 = error(api.host.call_plugin(s, host, "garbage", "x", {}))
        e4 = error(api.host.call_plugin(s, host, "nope", "x", {}))
        e5 = error(api.host.call_plugin(s, host, "../echo", "x", {}))
        e6 = error(api.host.call_plugin(s, host, "echo", "x", {"k": 5}))
        e7 = error(api.host.call_plugin(s, "OpaqueRef:x", "echo", "x", {}))
        return (ok == "hello:a=b,k=v:root=" + sim.root and e1 == ["SOME_ERROR", "a", "b"] and
                e2 == ["XENAPI_PLUGIN_FAILURE", "non-zero exit", "partial\n", ""] and
                e3 == ["XENAPI_PLUGIN_FAILURE", "failed to parse plugin output", "hello\n"] and
                e4 == ["XENAPI_MISSING_PLUGIN", "nope"] and
                e5 == ["XENAPI_MISSING_PLUGIN", "../echo"] and
                e6 == ["FIELD_TYPE_ERROR", "args"] and
                e7 == ["HANDLE_INVALID", "host", "OpaqueRef:x"]), \
            repr((ok, e1, e2, e3, e4, e5, e6, e7))
    case("sim-write-host-call-plugin", plugins)

    def plugin_writes_back():
        host = value(api.host.get_all(s))[0]
        ref = value(api.host.call_plugin(s, host, "writer", "go", {"label": "from plugin"}))
        rec = value(api.network.get_record(s, ref))
        with open(os.path.join(sim.root, "sim.state")) as f:
            saved = ref in f.read()
        value(api.network.destroy(s, ref))
        return rec["name_label"] == "from plugin" and saved, repr(rec)
    case("sim-write-plugin-calls-back", plugin_writes_back)

    def plugin_curl():
        host = value(api.host.get_all(s))[0]
        pool = value(api.pool.get_all(s))[0]
        out = value(api.host.call_plugin(s, host, "curl", "go", {}))
        return out == "- " + pool, repr(out)
    if os.path.exists(os.path.join(sim.root, "plugins", "curl")):
        case("sim-write-plugin-calls-back-libcurl", plugin_curl)
    else:
        print("SKIP: sim-write-plugin-calls-back-libcurl: no xvs-xapi-call in %s" % TOOLS)

    def garbage_args():
        # Every write method, with arguments of every wrong shape: each call
        # must fail cleanly and leave the simulator serving.
        methods = {
            "network.create": 1, "network.destroy": 1, "network.set_other_config": 2,
            "network.add_to_other_config": 3, "network.remove_from_other_config": 2,
            "PIF.plug": 1, "PIF.unplug": 1, "PIF.reconfigure_ip": 6,
            "PIF.reconfigure_ipv6": 5, "PIF.destroy": 1, "PIF.set_other_config": 2,
            "VLAN.create": 3, "VLAN.destroy": 1, "Bond.create": 5, "Bond.destroy": 1,
            "Bond.set_mode": 2, "tunnel.create": 3, "tunnel.destroy": 1,
            "host.management_reconfigure": 1, "host.call_plugin": 4,
            "pool.set_vswitch_controller": 1, "SDN_controller.introduce": 3,
            "SDN_controller.forget": 1, "VM.create": 1, "VM.destroy": 1, "VM.start": 3,
            "VM.shutdown": 1, "VIF.create": 1, "VIF.destroy": 1, "VIF.plug": 1,
            "VIF.unplug": 1, "VIF.set_locking_mode": 2, "VIF.set_ipv4_allowed": 2,
            "VIF.add_ipv4_allowed": 2,
        }
        shapes = [5, None, True, 1.5, [], ["x", 1], {}, {"a": [1]}, "OpaqueRef:NULL", ""]
        bad = []
        for name, n in methods.items():
            fn = api
            for part in name.split("."):
                fn = getattr(fn, part)
            for shape in shapes:
                for args in ([shape] * n, [shape] * (n + 1), []):
                    r = fn(s, *args)
                    # A record with no known member is a valid record of
                    # defaults, and "" clears the controller.
                    record = name in ("network.create", "VM.create") and isinstance(shape, dict)
                    clear = name == "pool.set_vswitch_controller" and shape == ""
                    valid = len(args) == n and (record or clear)
                    if valid and isinstance(r, dict) and r.get("Status") == "Success":
                        cls = name.split(".")[0]
                        if cls != "pool":
                            value(getattr(api, cls).destroy(s, r["Value"]))
                        continue
                    if not isinstance(r, dict) or r.get("Status") != "Failure":
                        bad.append("%s%r -> %r" % (name, tuple(args), r))
        alive = value(api.pool.get_all(s))
        return not bad and len(alive) == 1, "; ".join(bad[:5])
    case("sim-write-garbage-arguments", garbage_args)

    def persisted():
        n = value(api.network.create(s, {"name_label": "kept"}))
        sim.stop()
        sim.start()
        r = value(sim.api.network.get_record(sim.s, n))
        return r["name_label"] == "kept", repr(r)
    case("sim-write-persisted", persisted)


def vm_prerequisites():
    """Why the VM cases cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if not os.access(os.path.join(BIN, "xvs-xenstored"), os.X_OK):
        return "xvs-xenstored not built"
    for prog in ("ip", "nsenter", "xenstore-write", "xenstore-read", "xenstore-rm"):
        if not shutil.which(prog):
            return "%s not installed" % prog
    return None


def main():
    if not os.access(os.path.join(BIN, "xvs-xapi-sim"), os.X_OK):
        print("SKIP: sim-write: simulator not built")
        return 0
    skip_vm = vm_prerequisites()
    root = tempfile.mkdtemp(prefix="xvs-sim-write.")
    prefix = "xvs-simw-%d-" % os.getpid()
    dom0 = prefix + "dom0"
    sim = xsd = None
    try:
        libexec = os.path.join(root, "libexec")
        plugins = os.path.join(root, "plugins")
        os.makedirs(libexec)
        os.makedirs(plugins)
        os.makedirs(os.path.join(root, "etc/xensource"))
        os.makedirs(os.path.join(root, "etc/xapi.d/plugins"))
        with open(os.path.join(root, "etc/xensource/network.conf"), "w") as f:
            f.write("openvswitch\n")
        with open(os.path.join(root, "etc/xensource-inventory"), "w") as f:
            f.write("BUILD_NUMBER='0'\nMANAGEMENT_INTERFACE='xenbr2'\n")
        write_exe(os.path.join(libexec, "interface-reconfigure"), FAKE_IR)
        write_exe(os.path.join(plugins, "echo"), PLUGIN_ECHO)
        write_exe(os.path.join(plugins, "exit1"), "#!/bin/sh\necho partial\nexit 1\n")
        write_exe(os.path.join(plugins, "garbage"), "#!/bin/sh\necho hello\n")
        write_exe(os.path.join(plugins, "writer"), PLUGIN_WRITER)
        call = os.path.join(TOOLS, "xvs-xapi-call")
        if os.access(call, os.X_OK):
            write_exe(os.path.join(plugins, "curl"), PLUGIN_CURL.replace("@CALL@", call))
        # The root's own plugin folder comes first.
        write_exe(os.path.join(root, "etc/xapi.d/plugins/openvswitch-config-update"),
                  PLUGIN_CALLBACK)
        write_exe(os.path.join(libexec, "vif"), FAKE_VIF)
        write_exe(os.path.join(libexec, "setup-vif-rules"),
                  '#!/bin/sh\necho "$*" >>"$XVS_ROOT/svr.log"\n')
        if skip_vm:
            sim = Sim(root, libexec, plugins)
        else:
            # The simulator runs in the host's dom0 namespace, as on a
            # sandbox host; guests are namespaces of their own.
            if sh("ip", "netns", "add", dom0)[0] != 0:
                raise RuntimeError("cannot create namespace %s" % dom0)
            sh("ip", "link", "set", "lo", "up", ns=dom0)
            xsd = os.path.join(root, "xenstored.pid")
            rc = subprocess.run([os.path.join(BIN, "xvs-xenstored"), "--root-prefix", root,
                                 "--pidfile", xsd, "--detach", "--no-syslog"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=30).returncode
            if rc != 0:
                raise RuntimeError("xvs-xenstored did not start")
            sim = Sim(root, libexec, plugins, ("--guest-ns-prefix", prefix), netns=dom0)
        sim.start()
        network_cases(sim)
        if skip_vm:
            print("SKIP: sim-write-vm: %s" % skip_vm)
        else:
            vm_cases(sim, root, prefix, dom0)
    finally:
        if sim:
            sim.stop()
        if xsd:
            stop_pidfile(xsd)
        if not skip_vm:
            for ns in netns_list():
                if ns.startswith(prefix):
                    sh("ip", "netns", "delete", ns)
        if os.environ.get("XVS_KEEP"):
            print("# kept %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


FAKE_VIF = r'''#!/bin/sh
# A fake vif hotplug script: logs how it was called, checks the device is
# there, and answers through xenstore as vif-real does.
echo "$* XENBUS_PATH=$XENBUS_PATH XENBUS_TYPE=$XENBUS_TYPE" \
    "XENBUS_BASE_PATH=$XENBUS_BASE_PATH vif=$vif ACTION=$ACTION" >>"$XVS_ROOT/vif.log"
case "$1" in
online)
    if [ -e "$XVS_ROOT/vif-fail" ]; then
        xenstore-write "$XENBUS_PATH/hotplug-error" "bridge xenbr9 is missing"
        exit 1
    fi
    ip link show "$vif" >/dev/null || exit 2
    xenstore-write "$XENBUS_PATH/hotplug-status" connected
    ;;
remove)
    xenstore-rm "$XENBUS_PATH/hotplug-status"
    ;;
esac
exit 0
'''


def sh(*args, ns=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=30)
    return p.returncode, p.stdout.strip()


def netns_list():
    rc, out = sh("ip", "netns", "list")
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def vm_cases(sim, root, prefix, dom0):
    api, s = sim.api, sim.s
    env = dict(os.environ, XENSTORED_PATH=os.path.join(root, "var/run/xenstored/socket"))
    st = {}

    def xs_read(path):
        p = subprocess.run(["xenstore-read", path], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=10)
        return p.stdout.strip() if p.returncode == 0 else None

    def xenbr0():
        return value(api.network.get_all_records_where(s, 'field "bridge"="xenbr0"')).popitem()

    def create():
        net, _ = xenbr0()
        vm = value(api.VM.create(s, {"name_label": "vm1", "other_config": {"a": "b"}}))
        vif = value(api.VIF.create(s, {"device": "0", "network": net, "VM": vm,
                                       "MAC": "00:16:3e:11:22:33", "MTU": "1400",
                                       "other_config": {"ethtool-tx": "off"},
                                       "locking_mode": "locked",
                                       "ipv4_allowed": ["10.0.0.5"], "ipv6_allowed": []}))
        r = value(api.VM.get_record(s, vm))
        v = value(api.VIF.get_record(s, vif))
        n = value(api.network.get_record(s, net))
        e1 = error(api.VIF.create(s, {"device": "0", "network": net, "VM": vm}))
        e2 = error(api.VIF.create(s, {"device": "1", "network": net, "VM": vm, "MAC": "zz"}))
        e3 = error(api.VIF.create(s, {"device": "1", "network": net, "VM": "OpaqueRef:x"}))
        e4 = error(api.VIF.create(s, {"device": "1", "network": net, "VM": vm,
                                      "ipv4_allowed": ["1.2.3"]}))
        e5 = error(api.VIF.create(s, {"device": "x1", "network": net, "VM": vm}))
        # Without a MAC, one comes from the VM's mac_seed, the same each time.
        seeded = value(api.VIF.create(s, {"device": "7", "network": net, "VM": vm}))
        mac1 = value(api.VIF.get_MAC(s, seeded))
        value(api.VIF.destroy(s, seeded))
        seeded = value(api.VIF.create(s, {"device": "7", "network": net, "VM": vm}))
        mac2 = value(api.VIF.get_MAC(s, seeded))
        value(api.VIF.destroy(s, seeded))
        st.update(vm=vm, vif=vif, net=net, uuid=r["uuid"], vif_uuid=v["uuid"],
                  net_uuid=n["uuid"])
        return (r["power_state"] == "Halted" and r["domid"] == "-1" and r["VIFs"] == [vif] and
                r["other_config"].get("a") == "b" and "mac_seed" in r["other_config"] and
                e5 == ["INVALID_DEVICE", "x1"] and mac1 == mac2 and len(mac1) == 17 and
                int(mac1[:2], 16) & 3 == 2 and v["currently_attached"] is False and
                v["MTU"] == "1400" and v["locking_mode"] == "locked" and vif in n["VIFs"] and
                e1 == ["DEVICE_ALREADY_EXISTS", "0"] and e2 == ["MAC_INVALID", "zz"] and
                e3 == ["HANDLE_INVALID", "VM", "OpaqueRef:x"] and
                e4 == ["INVALID_IP_ADDRESS_SPECIFIED", "1.2.3"]), repr((r, v, e1, e2, e3, e4))
    case("sim-write-vm-vif-create", create)

    def start():
        open(os.path.join(root, "vif.log"), "w").close()
        value(api.VM.start(s, st["vm"], False, False))
        r = value(api.VM.get_record(s, st["vm"]))
        d = r["domid"]
        st["domid"] = d
        ns = prefix + "vm1"
        priv = "/xapi/%s/private/vif/0/" % st["uuid"]
        be = "/local/domain/0/backend/vif/%s/0/" % d
        keys = {
            "/local/domain/%s/vm" % d: "/vm/" + st["uuid"],
            "/vm/%s/uuid" % st["uuid"]: st["uuid"],
            priv + "bridge": "xenbr0", priv + "bridge-MAC": "fe:ff:ff:ff:ff:ff",
            priv + "MTU": "1400", priv + "network-uuid": st["net_uuid"],
            priv + "vif-uuid": st["vif_uuid"], priv + "xenopsd-backend": "classic",
            priv + "setup-vif-rules": os.path.join(root, "libexec", "setup-vif-rules"),
            priv + "trunks": "", priv + "locking-mode": "locked",
            priv + "ipv4-allowed": "10.0.0.5", priv + "other-config/ethtool-tx": "off",
            be + "mac": "00:16:3e:11:22:33", be + "bridge": "xenbr0", be + "handle": "0",
            be + "hotplug-status": "connected", be + "state": "4",
            "/local/domain/%s/device/vif/0/mac" % d: "00:16:3e:11:22:33",
        }
        bad = ["%s=%r" % (k, xs_read(k)) for k, want in keys.items() if xs_read(k) != want]
        with open(os.path.join(root, "var/run/nonpersistent/xenopsd/classic/VM", st["uuid"],
                               "vif.0")) as f:
            j = json.load(f)
        want_j = {"backend": ["Local", "xenbr0"], "mac": "00:16:3e:11:22:33", "mtu": 1400,
                  "other_config": {"ethtool-tx": "off"},
                  "extra_private_keys": {"vif-uuid": st["vif_uuid"],
                                         "network-uuid": st["net_uuid"]},
                  "locking_mode": ["Locked", {"ipv4": ["10.0.0.5"], "ipv6": []}]}
        bad += ["json %s=%r" % (k, j.get(k)) for k, w in want_j.items() if j.get(k) != w]
        rc1, dom0_link = sh("ip", "-o", "link", "show", "vif%s.0" % d, ns=dom0)
        rc2, guest_link = sh("ip", "-o", "link", "show", "eth0", ns=ns)
        if rc1 != 0 or "fe:ff:ff:ff:ff:ff" not in dom0_link:
            bad.append("dom0 end: %r" % dom0_link)
        if rc2 != 0 or "00:16:3e:11:22:33" not in guest_link or "mtu 1400" not in guest_link:
            bad.append("guest end: %r" % guest_link)
        with open(os.path.join(root, "vif.log")) as f:
            log = f.read()
        want_log = ("online type_if=vif XENBUS_PATH=backend/vif/%s/0 XENBUS_TYPE=vif "
                    "XENBUS_BASE_PATH=backend vif=vif%s.0 ACTION=online\n" % (d, d))
        if log != want_log:
            bad.append("vif.log %r" % log)
        v = value(api.VIF.get_record(s, st["vif"]))
        if (r["power_state"] != "Running" or not d.isdigit() or int(d) < 1 or
                v["currently_attached"] is not True):
            bad.append("records %r %r" % (r, v))
        e = error(api.VM.start(s, st["vm"], False, False))
        if e != ["VM_BAD_POWER_STATE", st["vm"], "halted", "running"]:
            bad.append("second start %r" % e)
        return not bad, "; ".join(bad)
    case("sim-write-vm-start", start)

    def vif_plug():
        net, _ = xenbr0()
        vif2 = value(api.VIF.create(s, {"device": "1", "network": net, "VM": st["vm"],
                                        "MAC": "00:16:3e:11:22:44"}))
        value(api.VIF.plug(s, vif2))
        d = st["domid"]
        rc1, _ = sh("ip", "link", "show", "vif%s.1" % d, ns=dom0)
        rc2, link = sh("ip", "-o", "link", "show", "eth1", ns=prefix + "vm1")
        att = value(api.VIF.get_currently_attached(s, vif2))
        e = error(api.VIF.plug(s, vif2))
        value(api.VIF.unplug(s, vif2))
        rc3, _ = sh("ip", "link", "show", "vif%s.1" % d, ns=dom0)
        gone = xs_read("/local/domain/0/backend/vif/%s/1/mac" % d)
        value(api.VIF.destroy(s, vif2))
        return (rc1 == 0 and rc2 == 0 and "00:16:3e:11:22:44" in link and att is True and
                e == ["DEVICE_ALREADY_ATTACHED", vif2] and rc3 != 0 and gone is None), \
            repr((rc1, rc2, link, att, e, rc3, gone))
    case("sim-write-vif-plug-unplug", vif_plug)

    def relock_running():
        d = st["domid"]
        value(api.VIF.set_locking_mode(s, st["vif"], "unlocked"))
        with open(os.path.join(root, "svr.log")) as f:
            log = f.read()
        with open(os.path.join(root, "var/run/nonpersistent/xenopsd/classic/VM", st["uuid"],
                               "vif.0")) as f:
            j = json.load(f)
        mode = xs_read("/xapi/%s/private/vif/0/locking-mode" % st["uuid"])
        value(api.VIF.add_ipv4_allowed(s, st["vif"], "10.0.0.6"))
        allowed = xs_read("/xapi/%s/private/vif/0/ipv4-allowed" % st["uuid"])
        value(api.VIF.set_locking_mode(s, st["vif"], "locked"))
        with open(os.path.join(root, "var/run/nonpersistent/xenopsd/classic/VM", st["uuid"],
                               "vif.0")) as f:
            j2 = json.load(f)
        return (log.startswith("classic vif%s.0 %s 0 filter\n" % (d, st["uuid"])) and
                j["locking_mode"] == "Unlocked" and mode == "unlocked" and
                allowed == "10.0.0.5,10.0.0.6" and
                j2["locking_mode"] == ["Locked", {"ipv4": ["10.0.0.5", "10.0.0.6"], "ipv6": []}]), \
            repr((log, j["locking_mode"], mode, allowed, j2["locking_mode"]))
    case("sim-write-vif-relock-running", relock_running)

    def shutdown():
        d = st["domid"]
        open(os.path.join(root, "vif.log"), "w").close()
        value(api.VM.shutdown(s, st["vm"]))
        r = value(api.VM.get_record(s, st["vm"]))
        v = value(api.VIF.get_record(s, st["vif"]))
        rc, _ = sh("ip", "link", "show", "vif%s.0" % d, ns=dom0)
        with open(os.path.join(root, "vif.log")) as f:
            log = f.read()
        left = [k for k in ("/local/domain/%s/vm" % d, "/vm/%s/uuid" % st["uuid"],
                            "/xapi/%s/private/vif/0/bridge" % st["uuid"],
                            "/local/domain/0/backend/vif/%s/0/mac" % d) if xs_read(k)]
        e = error(api.VM.shutdown(s, st["vm"]))
        e2 = error(api.VM.clean_shutdown(s, st["vm"]))
        json_left = os.path.exists(os.path.join(
            root, "var/run/nonpersistent/xenopsd/classic/VM", st["uuid"], "vif.0"))
        return (r["power_state"] == "Halted" and r["domid"] == "-1" and
                v["currently_attached"] is False and rc != 0 and
                (prefix + "vm1") not in netns_list() and not left and not json_left and
                log.startswith("remove type_if=vif XENBUS_PATH=backend/vif/%s/0 " % d) and
                e == ["VM_BAD_POWER_STATE", st["vm"], "paused, suspended, running", "halted"]
                and e2 == ["VM_BAD_POWER_STATE", st["vm"], "running", "halted"]), \
            repr((r, v, rc, log, left, e, json_left))
    case("sim-write-vm-shutdown", shutdown)

    def start_fails():
        open(os.path.join(root, "vif-fail"), "w").close()
        try:
            e = error(api.VM.start(s, st["vm"], False, False))
        finally:
            os.unlink(os.path.join(root, "vif-fail"))
        r = value(api.VM.get_record(s, st["vm"]))
        v = value(api.VIF.get_record(s, st["vif"]))
        rc, links = sh("ip", "-o", "link", "show", ns=dom0)
        return (e is not None and e[0] == "INTERNAL_ERROR" and len(e) == 2 and
                e[1].startswith("VIF vif") and
                e[1].endswith(".0: hotplug failed: bridge xenbr9 is missing") and
                r["power_state"] == "Halted" and v["currently_attached"] is False and
                (prefix + "vm1") not in netns_list() and " vif" not in links and
                not os.listdir(os.path.join(root, "var/run/nonpersistent/xenopsd/classic/VM"))
                ), repr((e, r["power_state"], links))
    case("sim-write-vm-start-hotplug-error", start_fails)

    def locking():
        value(api.VIF.set_locking_mode(s, st["vif"], "unlocked"))
        e1 = error(api.VIF.set_locking_mode(s, st["vif"], "open"))
        value(api.VIF.set_ipv4_allowed(s, st["vif"], ["10.0.0.7", "10.0.0.8"]))
        value(api.VIF.add_ipv4_allowed(s, st["vif"], "10.0.0.9"))
        value(api.VIF.remove_ipv4_allowed(s, st["vif"], "10.0.0.7"))
        value(api.VIF.set_ipv6_allowed(s, st["vif"], ["fd00::1"]))
        e2 = error(api.VIF.add_ipv4_allowed(s, st["vif"], "fd00::1"))
        v = value(api.VIF.get_record(s, st["vif"]))
        value(api.VM.destroy(s, st["vm"]))
        gone = error(api.VIF.get_record(s, st["vif"]))
        net = value(api.network.get_record(s, st["net"]))
        return (v["locking_mode"] == "unlocked" and v["ipv4_allowed"] == ["10.0.0.8", "10.0.0.9"]
                and v["ipv6_allowed"] == ["fd00::1"] and
                e1 == ["INVALID_VALUE", "locking_mode", "open"] and
                e2 == ["INVALID_IP_ADDRESS_SPECIFIED", "fd00::1"] and gone is not None and
                st["vif"] not in net["VIFs"]), repr((v, e1, e2))
    case("sim-write-vif-locking-and-vm-destroy", locking)


if __name__ == "__main__":
    sys.exit(main())
