#!/usr/bin/python3
"""Integration test: xvs-xapi-sim against Python's standard xmlrpc.client,
used exactly as the XenAPI Python SDK uses it: over TCP with ServerProxy,
and over XAPI's unix socket with a Transport that connects an
http.client.HTTPConnection to the socket named by an
http://_var_lib_xcp_xapi/-style pseudo URL (like XenAPI.py's UDSTransport).

Prints PASS:/FAIL:/SKIP: lines.  Environment: XVS_BIN (programs), XVS_SRC
(repository root).  The simulator is always stopped at the end, by the PID
in its pidfile.
"""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

SIM_NAME = "xvs-xapi-sim"
HOST_UUID = "3f1c2b7e-5a4d-4e8f-9b6a-0d2c4e6f8a10"
ETH0_UUID = "c5ac2c67-c23f-5858-9541-dc7a1d30b5e2"
ETH0_REF = "OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372"

failures = 0


def report(ok, name, why=""):
    global failures
    if ok:
        print("PASS: %s" % name)
    else:
        failures += 1
        print("FAIL: %s: %s" % (name, why))
    sys.stdout.flush()


class UDSHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection over a unix socket; the host part of the URL is
    the socket path with "/" written as "_", as in XenAPI.py."""

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.host.replace("_", "/"))


class UDSTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, UDSHTTPConnection(host)
        return self._connection[1]


def make_root():
    """A temporary root whose path survives the "_" <-> "/" pseudo URL."""
    for _ in range(100):
        root = tempfile.mkdtemp(prefix="xvssim.")
        if "_" not in root and root == root.lower():
            return root
        os.rmdir(root)
    raise RuntimeError("cannot make a temporary folder without '_'")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_pid(pidfile):
    try:
        with open(pidfile) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stop(pidfile, sock_path, check):
    """Stops the simulator by the PID in its pidfile; with "check", also
    reports whether it removed its socket and pidfile."""
    pid = read_pid(pidfile)
    if pid is None:
        if check:
            report(False, "clean shutdown", "no pidfile %s" % pidfile)
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        if check:
            report(False, "clean shutdown", "still running 10 s after SIGTERM")
        return
    if check:
        leftovers = [p for p in (pidfile, sock_path) if os.path.exists(p)]
        report(not leftovers, "clean shutdown", "left behind: %s" % leftovers)


def start(sim, args, log):
    return subprocess.run([sim] + args, stdout=log, stderr=log, timeout=60).returncode


def expect_failure(result, code):
    return (isinstance(result, dict) and result.get("Status") == "Failure"
            and result.get("ErrorDescription", [None])[0] == code)


def value(result):
    if not isinstance(result, dict) or result.get("Status") != "Success":
        raise AssertionError("call failed: %r" % (result,))
    return result["Value"]


def run_case(name, fn):
    try:
        ok, why = fn()
    except Exception as e:  # Every case reports, whatever breaks.
        ok, why = False, "%s: %s" % (type(e).__name__, e)
    report(ok, name, why)


def api_cases(tcp, uds, port, sock_path):
    state = {}

    def login_tcp():
        r = tcp.session.login_with_password("root", "", "1.0", "xvs-test")
        state["tcp"] = value(r)
        return state["tcp"].startswith("OpaqueRef:"), repr(r)

    def login_unix():
        r = uds.session.login_with_password("anyone", "anything", "1.0", "xvs-test")
        state["uds"] = value(r)
        return state["uds"].startswith("OpaqueRef:"), repr(r)

    def pif_records():
        recs = value(uds.PIF.get_all_records(state["uds"]))
        host = value(uds.session.get_this_host(state["uds"], state["uds"]))
        eth0 = recs.get(ETH0_REF, {})
        checks = [
            (len(recs) == 8, "%d PIFs" % len(recs)),
            (eth0.get("device") == "eth0", "eth0 device %r" % eth0.get("device")),
            (eth0.get("VLAN") == "-1", "VLAN %r" % eth0.get("VLAN")),
            (eth0.get("MTU") == "1500", "MTU %r" % eth0.get("MTU")),
            (eth0.get("physical") is True, "physical %r" % eth0.get("physical")),
            (eth0.get("currently_attached") is False, "currently_attached"),
            (all(r["host"] == host for r in recs.values()), "PIF.host is not the host"),
            (sorted(r["VLAN"] for r in recs.values()).count("-1") == 6, "VLAN values"),
        ]
        bad = [why for ok, why in checks if not ok]
        return not bad, "; ".join(bad)

    def where_bridge():
        recs = value(uds.network.get_all_records_where(state["uds"],
                                                       'field "bridge"="xenbr2"'))
        bridges = [r["bridge"] for r in recs.values()]
        return bridges == ["xenbr2"], "bridges %r" % bridges

    def where_bool_and_or():
        recs = value(tcp.PIF.get_all_records_where(
            state["tcp"], 'field "management"="true" or field "device"="eth4"'))
        devices = sorted(r["device"] for r in recs.values())
        return devices == ["eth2", "eth4"], "devices %r" % devices

    def where_bad_expr():
        r = tcp.network.get_all_records_where(state["tcp"], 'field "bridge"<>"x"')
        return expect_failure(r, "INVALID_VALUE"), repr(r)

    def by_uuid():
        ref = value(tcp.PIF.get_by_uuid(state["tcp"], ETH0_UUID))
        r = tcp.PIF.get_by_uuid(state["tcp"], "no-such-uuid")
        return (ref == ETH0_REF and r.get("ErrorDescription") ==
                ["UUID_INVALID", "PIF", "no-such-uuid"]), "ref %r, %r" % (ref, r)

    def getters():
        dev = value(tcp.PIF.get_device(state["tcp"], ETH0_REF))
        net = value(tcp.PIF.get_network(state["tcp"], ETH0_REF))
        bridge = value(tcp.network.get_bridge(state["tcp"], net))
        rec = value(tcp.PIF.get_record(state["tcp"], ETH0_REF))
        return (dev == "eth0" and bridge == "xenbr0" and rec["uuid"] == ETH0_UUID,
                "device %r bridge %r" % (dev, bridge))

    def handle_invalid():
        r = tcp.PIF.get_record(state["tcp"], "OpaqueRef:nonexistent")
        return (r == {"Status": "Failure",
                      "ErrorDescription": ["HANDLE_INVALID", "PIF", "OpaqueRef:nonexistent"]},
                repr(r))

    def method_unknown():
        r1 = tcp.PIF.frobnicate(state["tcp"])
        r2 = tcp.host.frobnicate(state["tcp"], "h")
        return (r1.get("ErrorDescription") == ["MESSAGE_METHOD_UNKNOWN", "PIF.frobnicate"] and
                expect_failure(r2, "MESSAGE_METHOD_UNKNOWN"), "%r %r" % (r1, r2))

    def count_mismatch():
        r = tcp.PIF.get_record(state["tcp"])
        return (r.get("ErrorDescription") ==
                ["MESSAGE_PARAMETER_COUNT_MISMATCH", "PIF.get_record", "1", "0"], repr(r))

    def datetime_field():
        recs = value(tcp.PIF_metrics.get_all_records(state["tcp"]))
        kinds = {type(r["last_updated"]).__name__ for r in recs.values()}
        return len(recs) == 8 and kinds == {"DateTime"}, "%d, %r" % (len(recs), kinds)

    def pool_and_host():
        pool = value(tcp.pool.get_all(state["tcp"]))[0]
        master = value(tcp.pool.get_master(state["tcp"], pool))
        uuid = value(tcp.host.get_uuid(state["tcp"], master))
        oc = value(tcp.pool.get_other_config(state["tcp"], pool))
        return (uuid == HOST_UUID and oc.get("vswitch-controller-fail-mode") == "secure",
                "host uuid %r, other_config %r" % (uuid, oc))

    def logout_then_invalid():
        value(uds.session.logout(state["uds"]))
        r = uds.PIF.get_all(state["uds"])
        return (r.get("ErrorDescription") == ["SESSION_INVALID", state["uds"]], repr(r))

    def malformed_body():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/", body="<methodCall><methodName>x", headers={
            "Content-Type": "text/xml"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        try:
            xmlrpc.client.loads(body)
        except xmlrpc.client.Fault as f:
            return resp.status == 200 and f.faultCode == -32700, repr(f)
        return False, "no fault: %r" % body[:200]

    def get_is_405():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status == 405, "status %d" % resp.status

    def oversized_is_413():
        conn = UDSHTTPConnection(sock_path.replace("/", "_"), timeout=30)
        conn.putrequest("POST", "/")
        conn.putheader("Content-Type", "text/xml")
        conn.putheader("Content-Length", str(64 * 1024 * 1024 + 1))
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status == 413, "status %d" % resp.status

    for name, fn in [
        ("login over TCP (version, originator)", login_tcp),
        ("login over the unix socket", login_unix),
        ("PIF.get_all_records", pif_records),
        ("network.get_all_records_where bridge", where_bridge),
        ("get_all_records_where bool and or", where_bool_and_or),
        ("get_all_records_where bad expression", where_bad_expr),
        ("PIF.get_by_uuid", by_uuid),
        ("field getters and get_record", getters),
        ("HANDLE_INVALID envelope", handle_invalid),
        ("MESSAGE_METHOD_UNKNOWN", method_unknown),
        ("MESSAGE_PARAMETER_COUNT_MISMATCH", count_mismatch),
        ("datetime fields", datetime_field),
        ("pool master and host uuid", pool_and_host),
        ("logout then SESSION_INVALID", logout_then_invalid),
        ("malformed XML-RPC gives a fault", malformed_body),
        ("GET gives 405", get_is_405),
        ("oversized body gives 413", oversized_is_413),
    ]:
        run_case(name, fn)


def main():
    sim = os.path.join(os.environ.get("XVS_BIN", "build/bin"), SIM_NAME)
    src = os.environ.get("XVS_SRC", ".")
    if not os.access(sim, os.X_OK):
        print("SKIP: xapi-sim-python: %s is not built" % sim)
        return 0
    dbcache = os.path.join(src, "tests/data/dbcache/four-scenarios.dbcache")
    root = make_root()
    pidfile = os.path.join(root, "sim.pid")
    sock_path = os.path.join(root, "var/lib/xcp/xapi")
    state_path = os.path.join(root, "var/lib/xcp/xvs-xapi-sim.state")
    log = open(os.path.join(root, "sim.log"), "w")
    try:
        os.makedirs(os.path.join(root, "etc"))
        with open(os.path.join(root, "etc/xensource-inventory"), "w") as f:
            f.write("PRODUCT_BRAND='XenServer'\nINSTALLATION_UUID='%s'\n" % HOST_UUID)

        rc = subprocess.run([sim, "--listen", "10.1.2.3:80"], capture_output=True,
                            text=True, timeout=30)
        report(rc.returncode == 2 and "--help" in rc.stderr and rc.stdout == "",
               "remote --listen refused", "exit %d, %r" % (rc.returncode, rc.stderr))

        port = free_port()
        args = ["--root-prefix", root, "--listen", "127.0.0.1:%d" % port, "--pidfile",
                pidfile, "--detach", "--no-syslog", "--verbose"]
        rc = start(sim, args + ["--dbcache", dbcache], log)
        ready = rc == 0 and read_pid(pidfile) is not None and os.path.exists(sock_path)
        report(ready, "start detached", "exit %d" % rc)
        if not ready:
            return 1
        tcp = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/" % port, allow_none=True)
        uds = xmlrpc.client.ServerProxy("http://%s/" % sock_path.replace("/", "_"),
                                        transport=UDSTransport(), allow_none=True)
        api_cases(tcp, uds, port, sock_path)
        stop(pidfile, sock_path, True)

        # The state file carries the objects over a restart without --dbcache;
        # with --password, TCP logins need root and that password.
        rc = start(sim, args + ["--password", "s3cret"], log)
        try:
            s = value(uds.session.login_with_password("anyone", "wrong"))
            refs = value(uds.PIF.get_all(s))
            report(rc == 0 and len(refs) == 8 and ETH0_REF in refs, "state survives a restart",
                   "exit %d, %d PIFs" % (rc, len(refs)))
            bad = tcp.session.login_with_password("root", "wrong", "1.0", "xvs-test")
            good = tcp.session.login_with_password("root", "s3cret", "1.0", "xvs-test")
            report(bad.get("ErrorDescription") ==
                   ["SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure"] and
                   good.get("Status") == "Success", "--password on TCP", "%r %r" % (bad, good))
        except Exception as e:
            report(False, "state survives a restart", "%s: %s" % (type(e).__name__, e))
        stop(pidfile, sock_path, False)

        # A malformed state file stops the start and is left as it is.
        with open(state_path, "w") as f:
            f.write("<value><struct><member><name>PIF</name>")
        rc = start(sim, args, log)
        with open(state_path) as f:
            kept = f.read() == "<value><struct><member><name>PIF</name>"
        report(rc == 1 and kept and read_pid(pidfile) is None, "malformed state refused",
               "exit %d, file kept %s" % (rc, kept))
        stop(pidfile, sock_path, False)
    finally:
        log.close()
        if failures:
            with open(os.path.join(root, "sim.log")) as f:
                sys.stdout.write("".join("| " + line for line in f.readlines()[-40:]))
        stop(pidfile, sock_path, False)
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
