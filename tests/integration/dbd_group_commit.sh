#!/usr/bin/env bash
# Group commit of xvs-dbd: many clients at once, each with several
# transactions in flight, must share syncs of the journal (fewer syncs than
# transactions) and still never be told of a commit that is not on disk.
# The client process kills xvs-dbd with SIGKILL the moment it has counted
# enough replies, then keeps reading whatever replies were already on their
# way; after a restart every transaction it saw acknowledged must be there.
# Prints PASS:/FAIL:/SKIP: lines.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xvs-dbd and xvs-appctl),
# DBD_GC_ROUNDS (kill rounds, default 4).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
dbd=$bin/xvs-dbd
appctl=$bin/xvs-appctl
rounds=${DBD_GC_ROUNDS:-4}

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

if [ ! -x "$dbd" ] || [ ! -x "$appctl" ]; then
    echo "FAIL: dbd-group-commit: xvs-dbd or xvs-appctl not built in $bin"
    exit 1
fi
if ! command -v python3 >/dev/null; then
    echo "SKIP: dbd-group-commit: python3 not installed"
    exit 0
fi

tmp=$(mktemp -d /tmp/xvs-dbd-gc.XXXXXX)
pid=
# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

sock=$tmp/db.sock
start() {
    "$dbd" --db "$tmp/conf.db" --remote="punix:$sock" --unixctl="$tmp/ctl" --no-syslog \
        2>>"$tmp/dbd.log" &
    pid=$!
    for _ in $(seq 100); do
        [ -S "$sock" ] && [ -S "$tmp/ctl" ] && return 0
        sleep 0.05
    done
    return 1
}
stop() {
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
    rm -f "$sock" "$tmp/ctl"
}

# "drive SOCK ACKS TAG CLIENTS DEPTH COUNT [PID]": CLIENTS connections, each
# keeping DEPTH transactions in flight (one new bridge each, named
# TAG-client-n), until COUNT replies; with PID, kills it with SIGKILL at
# COUNT replies and then drains the replies already sent.  Every
# acknowledged bridge name goes to ACKS.  "check SOCK ACKS": all there?
cat >"$tmp/client.py" <<'PY'
import json, os, selectors, signal, socket, sys

def call_msg(n, ops):
    return json.dumps({"method": "transact", "params": ["Open_vSwitch"] + ops,
                       "id": n}).encode()

def sync_call(path, ops):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(call_msg(0, ops))
    buf, dec = "", json.JSONDecoder()
    while True:
        data = s.recv(65536)
        if not data:
            raise EOFError()
        buf += data.decode()
        try:
            msg, _ = dec.raw_decode(buf.lstrip())
        except ValueError:
            continue
        s.close()
        return msg

def bridge_ops(name):
    return [{"op": "insert", "table": "Bridge", "uuid-name": "b", "row": {"name": name}},
            {"op": "mutate", "table": "Open_vSwitch", "where": [],
             "mutations": [["bridges", "insert", ["named-uuid", "b"]]]}]

class Client:
    def __init__(self, path, tag, k):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.tag, self.k, self.n = tag, k, 0
        self.inflight = {}
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.eof = False
    def send_one(self):
        self.n += 1
        name = "%s-%d-%d" % (self.tag, self.k, self.n)
        self.inflight[self.n] = name
        self.s.sendall(call_msg(self.n, bridge_ops(name)))
    def replies(self):
        try:
            data = self.s.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return []
        self.buf += data.decode()
        out = []
        while True:
            self.buf = self.buf.lstrip()
            try:
                msg, end = self.dec.raw_decode(self.buf)
            except ValueError:
                return out
            self.buf = self.buf[end:]
            if "result" in msg and msg.get("id") in self.inflight:
                name = self.inflight.pop(msg["id"])
                res = msg["result"]
                if not isinstance(res, list) or any(x is None or "error" in x for x in res):
                    print("transaction failed: %r" % res, file=sys.stderr)
                    sys.exit(3)
                out.append(name)

mode, path, ackfile = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "drive":
    tag, nclients, depth, count = sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    victim = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    r = sync_call(path, [{"op": "select", "table": "Open_vSwitch", "where": [],
                          "columns": ["_uuid"]}])
    if not r["result"][0]["rows"]:
        r = sync_call(path, [{"op": "insert", "table": "Open_vSwitch", "row": {}}])
        assert "error" not in r["result"][0], r
    sel = selectors.DefaultSelector()
    clients = [Client(path, tag, k) for k in range(nclients)]
    for c in clients:
        for _ in range(depth):
            c.send_one()
        sel.register(c.s, selectors.EVENT_READ, c)
    acks = open(ackfile, "a")
    got, killed = 0, False
    while sel.get_map():
        ready = sel.select(timeout=20)
        if not ready:
            print("no reply for 20 s, %d replies so far" % got, file=sys.stderr)
            sys.exit(5)
        for key, _ in ready:
            c = key.data
            for name in c.replies():
                acks.write(name + "\n")
                got += 1
                if got >= count and victim and not killed:
                    os.kill(victim, signal.SIGKILL)
                    killed = True
                elif not killed and got < count:
                    c.send_one()
            if c.eof or (not killed and got >= count and not c.inflight):
                sel.unregister(c.s)
                c.s.close()
    acks.close()
    if victim and not killed:
        print("server went away before %d replies" % count, file=sys.stderr)
        sys.exit(4)
    print(got)
elif mode == "burst":
    # One client writes COUNT transactions in one go, as a pipelining client
    # may: every one must be answered, in order.
    count = int(sys.argv[4])
    c = Client(path, "burst", 0)
    c.s.settimeout(20)
    names = []
    for _ in range(count):
        c.n += 1
        name = "burst-%d" % c.n
        c.inflight[c.n] = name
        names.append(call_msg(c.n, bridge_ops(name)))
    c.s.sendall(b"".join(names))
    got = []
    try:
        while c.inflight and not c.eof:
            got += c.replies()
    except socket.timeout:
        pass
    if len(got) != count or got != ["burst-%d" % i for i in range(1, count + 1)]:
        print("%d of %d replies, in order: %s" % (len(got), count,
              got == ["burst-%d" % i for i in range(1, len(got) + 1)]), file=sys.stderr)
        sys.exit(6)
    open(ackfile, "a").write("".join(n + "\n" for n in got))
    print(count)
else:
    want = set(open(ackfile).read().split())
    r = sync_call(path, [{"op": "select", "table": "Bridge", "where": [], "columns": ["name"]}])
    have = {row["name"] for row in r["result"][0]["rows"]}
    missing = sorted(want - have)
    if missing:
        print("%d of %d acknowledged transactions missing, e.g. %s"
              % (len(missing), len(want), missing[:3]))
        sys.exit(1)
    print(len(want))
PY

# 1. Without a crash: the round's transactions share syncs.
acks=$tmp/acks
: >"$acks"
if ! start; then
    fail "dbd-group-commit-shares-syncs" "xvs-dbd did not start: $(tail -3 "$tmp/dbd.log")"
    exit 1
fi
if ! out=$(python3 "$tmp/client.py" drive "$sock" "$acks" warm 16 4 1600 2>&1); then
    fail "dbd-group-commit-shares-syncs" "client: $out"
else
    status=$("$appctl" -t "$tmp/ctl" status 2>&1)
    line=$(grep -o '[0-9]* transactions committed in [0-9]* syncs' <<<"$status")
    txns=${line%% *}
    syncs=${line##*in }
    syncs=${syncs%% *}
    if [ -z "$line" ]; then
        fail "dbd-group-commit-shares-syncs" "no sync count in status: $status"
    elif [ "$txns" -lt 1600 ] || [ "$syncs" -ge "$txns" ]; then
        fail "dbd-group-commit-shares-syncs" "$txns transactions in $syncs syncs"
    else
        pass "dbd-group-commit-shares-syncs ($txns transactions in $syncs syncs)"
    fi
fi
stop

# 2. One client pipelining many transactions: all answered, in order, in
# fewer syncs than transactions.
if ! start; then
    fail "dbd-group-commit-pipelined" "xvs-dbd did not start"
elif ! out=$(python3 "$tmp/client.py" burst "$sock" "$acks" 300 2>&1); then
    fail "dbd-group-commit-pipelined" "client: $out"
else
    status=$("$appctl" -t "$tmp/ctl" status 2>&1)
    line=$(grep -o '[0-9]* transactions committed in [0-9]* syncs' <<<"$status")
    syncs=${line##*in }
    syncs=${syncs%% *}
    if [ -n "$line" ] && [ "$syncs" -lt 300 ]; then
        pass "dbd-group-commit-pipelined (300 transactions in $syncs syncs)"
    else
        fail "dbd-group-commit-pipelined" "status: $status"
    fi
fi
stop

# 3. Kill -9 right after replies, several rounds: nothing acknowledged is lost.
ok=1
for round in $(seq "$rounds"); do
    if ! start; then
        fail "dbd-group-commit-kill-round-$round" "xvs-dbd did not start"
        ok=0
        break
    fi
    if ! out=$(python3 "$tmp/client.py" drive "$sock" "$acks" "r$round" 24 3 \
        $((300 + RANDOM % 600)) "$pid" 2>&1); then
        fail "dbd-group-commit-kill-round-$round" "client: $out"
        ok=0
    fi
    wait "$pid" 2>/dev/null
    pid=
    rm -f "$sock" "$tmp/ctl"
    if ! start; then
        fail "dbd-group-commit-kill-round-$round" "database did not load after kill -9"
        ok=0
        break
    fi
    if out=$(python3 "$tmp/client.py" check "$sock" "$acks" 2>&1); then
        pass "dbd-group-commit-kill-round-$round ($out acknowledged so far)"
    else
        fail "dbd-group-commit-kill-round-$round" "$out"
        ok=0
    fi
    stop
done
if [ "$ok" = 1 ]; then
    pass "dbd-group-commit-no-acknowledged-loss"
else
    fail "dbd-group-commit-no-acknowledged-loss" "see above"
fi
