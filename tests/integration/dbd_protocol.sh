#!/usr/bin/env bash
# The JSON-RPC protocol of xvs-dbd on the wire (RFC 7047 §4): blocking
# "wait" (satisfied by another client's commit, and timing out), locks
# across sessions (lock, steal with its "stolen" notification, unlock with
# "locked" to the next waiter, assert), monitor_cond "update2"
# notifications, monitor_cancel, echo, errors for unknown methods and
# databases, and invalid JSON closing only that connection.  Prints
# PASS:/FAIL:/SKIP: lines.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xvs-dbd).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
dbd=$bin/xvs-dbd

if [ ! -x "$dbd" ]; then
    echo "FAIL: dbd-protocol: xvs-dbd not built in $bin"
    exit 1
fi
if ! command -v python3 >/dev/null; then
    echo "SKIP: dbd-protocol: python3 not installed"
    exit 0
fi
tmp=$(mktemp -d /tmp/xvs-dbd-proto.XXXXXX)
# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    [ -f "$tmp/pid" ] && kill "$(cat "$tmp/pid")" 2>/dev/null
    sleep 0.2
    rm -rf "$tmp"
}
trap cleanup EXIT
if ! "$dbd" --db "$tmp/conf.db" --remote="punix:$tmp/db.sock" --unixctl="$tmp/ctl" \
    --pidfile="$tmp/pid" --detach --no-syslog 2>"$tmp/log"; then
    echo "FAIL: dbd-protocol: xvs-dbd did not start: $(cat "$tmp/log")"
    exit 1
fi

python3 - "$tmp/db.sock" <<'PY'
import json, socket, sys, time

path = sys.argv[1]
failed = False

def report(name, ok, why=""):
    global failed
    print("PASS: %s" % name if ok else "FAIL: %s: %s" % (name, why))
    failed |= not ok

class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.n = 0
        self.notes = []
    def send(self, method, params, id_=None):
        if id_ is None:
            self.n += 1
            id_ = self.n
        self.s.sendall(json.dumps({"method": method, "params": params, "id": id_}).encode())
        return id_
    def recv(self, timeout=5.0):
        self.s.settimeout(timeout)
        while True:
            self.buf = self.buf.lstrip()
            if self.buf:
                try:
                    msg, end = self.dec.raw_decode(self.buf)
                    self.buf = self.buf[end:]
                    return msg
                except ValueError:
                    pass
            data = self.s.recv(65536)
            if not data:
                raise EOFError()
            self.buf += data.decode()
    def reply(self, id_, timeout=5.0):
        while True:
            m = self.recv(timeout)
            if m.get("id") == id_ and "method" not in m:
                return m
            self.notes.append(m)
    def call(self, method, params):
        return self.reply(self.send(method, params))
    def note(self, method, timeout=5.0):
        for m in self.notes:
            if m.get("method") == method:
                self.notes.remove(m)
                return m
        while True:
            m = self.recv(timeout)
            if m.get("method") == method:
                return m
            self.notes.append(m)

DB = "Open_vSwitch"
a, b = Conn(), Conn()
r = a.call("transact", [DB, {"op": "insert", "table": "Open_vSwitch", "row": {}}])
report("proto-insert-root", "uuid" in r["result"][0], r)

# Blocking wait: A waits for a bridge that B then creates.
wid = a.send("transact", [DB, {"op": "wait", "table": "Bridge", "timeout": 5000,
                               "where": [["name", "==", "brw"]], "columns": ["name"],
                               "until": "==", "rows": [{"name": "brw"}]}])
time.sleep(0.2)
b.call("transact", [DB, {"op": "insert", "table": "Bridge", "uuid-name": "n",
                         "row": {"name": "brw"}},
                    {"op": "mutate", "table": "Open_vSwitch", "where": [],
                     "mutations": [["bridges", "insert", ["named-uuid", "n"]]]}])
r = a.reply(wid)
report("proto-wait-unblocked", r["result"] == [{}], r)
t0 = time.time()
r = a.call("transact", [DB, {"op": "wait", "table": "Bridge", "timeout": 300, "where": [],
                             "columns": ["name"], "until": "==", "rows": []}])
dt = time.time() - t0
report("proto-wait-timeout", r["result"][0].get("error") == "timed out" and 0.25 < dt < 3,
       "%r after %.2fs" % (r, dt))

# Locks.
r = a.call("lock", ["L"])
report("proto-lock", r["result"] == {"locked": True}, r)
r = b.call("lock", ["L"])
report("proto-lock-busy", r["result"] == {"locked": False}, r)
r = b.call("transact", [DB, {"op": "assert", "lock": "L"}])
report("proto-assert-not-owner", r["result"][0].get("error") == "not owner", r)
r = a.call("unlock", ["L"])
n = b.note("locked")
report("proto-unlock-passes-lock", r["result"] == {} and n["params"] == ["L"], n)
r = b.call("transact", [DB, {"op": "assert", "lock": "L"}])
report("proto-assert-owner", r["result"] == [{}], r)
r = a.call("steal", ["L"])
n = b.note("stolen")
report("proto-steal", r["result"] == {"locked": True} and n["params"] == ["L"], (r, n))

# monitor_cond with update2 notifications, then monitor_cancel.
r = a.call("monitor_cond", [DB, "m1", {"Bridge": [{"columns": ["name", "external_ids"]}]}])
init = r["result"].get("Bridge", {})
report("proto-monitor-cond-initial",
       len(init) == 1 and list(init.values())[0] == {"initial": {"name": "brw"}}, r)
b.call("transact", [DB, {"op": "mutate", "table": "Bridge", "where": [],
                         "mutations": [["external_ids", "insert", ["map", [["k", "v"]]]]]}])
n = a.note("update2")
row = list(n["params"][1]["Bridge"].values())[0]
report("proto-update2-modify", n["params"][0] == "m1" and
       row == {"modify": {"external_ids": ["map", [["k", "v"]]]}}, n)
r = a.call("monitor_cancel", ["m1"])
report("proto-monitor-cancel", r["result"] == {}, r)
r = a.call("monitor_cancel", ["m1"])
report("proto-monitor-cancel-unknown", r.get("error") == "unknown monitor", r)

# Misc methods and errors.
r = a.call("echo", ["x", 1])
report("proto-echo", r["result"] == ["x", 1], r)
r = a.call("monitor_cond_since", [DB, "m2", {}, None])
report("proto-unknown-method", r.get("error") == "unknown method", r)
r = a.call("transact", ["Nope", {"op": "comment", "comment": "x"}])
report("proto-unknown-db", r.get("error") == "unknown database", r)
r = a.call("transact", [DB, {"op": "insert", "table": "Bridge", "row": {"name": 5}}])
report("proto-type-error", r["result"][0].get("error") == "syntax error", r)
a.s.sendall(b"{\"method\": ")
a.s.sendall(b"]]]")
try:
    a.recv(3)
    report("proto-bad-json-closes", False, "connection stayed open")
except EOFError:
    report("proto-bad-json-closes", True)
r = b.call("list_dbs", [])
report("proto-other-session-unaffected", r["result"] == [DB], r)
sys.exit(1 if failed else 0)
PY
