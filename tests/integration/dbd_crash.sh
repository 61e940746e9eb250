#!/usr/bin/env bash
# Crash safety of xvs-dbd: a client commits transactions as fast as it can
# (a counter update in each, a new bridge in every tenth) while xvs-dbd is
# killed with SIGKILL at random moments, several rounds.  After each restart
# the database must load, the counter must be at least the last acknowledged
# value and every acknowledged bridge must exist.  Also checks that a torn
# tail record (a write cut short) is dropped at start-up.  Prints
# PASS:/FAIL:/SKIP: lines.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xvs-dbd), DBD_CRASH_ROUNDS.
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
dbd=$bin/xvs-dbd
rounds=${DBD_CRASH_ROUNDS:-6}
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

if [ ! -x "$dbd" ]; then
    echo "FAIL: dbd-crash: xvs-dbd not built in $bin"
    exit 1
fi
if ! command -v python3 >/dev/null; then
    echo "SKIP: dbd-crash: python3 not installed"
    exit 0
fi

tmp=$(mktemp -d /tmp/xvs-dbd-crash.XXXXXX)
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
        [ -S "$sock" ] && return 0
        sleep 0.05
    done
    return 1
}

# The client: a tiny OVSDB JSON-RPC speaker.  "drive START ACKFILE" commits
# until the connection drops, appending each acknowledged number to ACKFILE;
# "check ACKFILE" verifies the database against the acknowledgements.
cat >"$tmp/client.py" <<'PY'
import json, socket, sys, time

def connect(path):
    # The socket file exists a moment before the daemon listens on it.
    for attempt in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except (ConnectionRefusedError, FileNotFoundError):
            s.close()
            if attempt == 99:
                raise
            time.sleep(0.05)

class Rpc:
    def __init__(self, path):
        self.s = connect(path)
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.n = 0
    def call(self, method, params):
        self.n += 1
        self.s.sendall(json.dumps({"method": method, "params": params, "id": self.n}).encode())
        while True:
            self.buf = self.buf.lstrip()
            if self.buf:
                try:
                    msg, end = self.dec.raw_decode(self.buf)
                    self.buf = self.buf[end:]
                    if msg.get("id") == self.n:
                        return msg
                    continue
                except ValueError:
                    pass
            data = self.s.recv(65536)
            if not data:
                raise EOFError()
            self.buf += data.decode()

def ovs_row(rpc):
    r = rpc.call("transact", ["Open_vSwitch", {"op": "select", "table": "Open_vSwitch",
                                                "where": [], "columns": ["_uuid", "next_cfg"]}])
    return r["result"][0]["rows"]

mode, path, ackfile = sys.argv[1], sys.argv[2], sys.argv[3]
rpc = Rpc(path)
if mode == "drive":
    i = int(sys.argv[4])
    rows = ovs_row(rpc)
    if not rows:
        r = rpc.call("transact", ["Open_vSwitch", {"op": "insert", "table": "Open_vSwitch",
                                                    "row": {"next_cfg": 0}}])
        assert "error" not in r["result"][0], r
    else:
        # A commit can reach the disk without its reply reaching us: go on
        # from what the database holds.
        i = max(i, rows[0]["next_cfg"])
    acks = open(ackfile, "a")
    try:
        while True:
            i += 1
            ops = [{"op": "update", "table": "Open_vSwitch", "where": [],
                    "row": {"next_cfg": i}}]
            if i % 10 == 0:
                ops.append({"op": "insert", "table": "Bridge", "uuid-name": "b",
                            "row": {"name": "b%d" % i}})
                ops.append({"op": "mutate", "table": "Open_vSwitch", "where": [],
                            "mutations": [["bridges", "insert", ["named-uuid", "b"]]]})
            r = rpc.call("transact", ["Open_vSwitch"] + ops)
            if any(x is None or "error" in x for x in r["result"]):
                print("transaction failed: %r" % r["result"], file=sys.stderr)
                sys.exit(3)
            acks.write("%d\n" % i)
            acks.flush()
            if len(sys.argv) > 5:
                open(sys.argv[5], "w").close()
    except (EOFError, OSError):
        sys.exit(0)
else:
    acked = [int(x) for x in open(ackfile).read().split()]
    rows = ovs_row(rpc)
    cfg = rows[0]["next_cfg"] if rows else -1
    r = rpc.call("transact", ["Open_vSwitch", {"op": "select", "table": "Bridge",
                                                "where": [], "columns": ["name"]}])
    names = {row["name"] for row in r["result"][0]["rows"]}
    last = max(acked) if acked else 0
    missing = ["b%d" % i for i in acked if i % 10 == 0 and "b%d" % i not in names]
    if cfg < last or missing:
        print("next_cfg %d, last acknowledged %d, missing bridges %s" % (cfg, last, missing[:5]))
        sys.exit(1)
    print(last)
PY

acks=$tmp/acks
: >"$acks"
total_ok=1
for round in $(seq "$rounds"); do
    if ! start; then
        fail "dbd-crash-round-$round" "xvs-dbd did not start: $(tail -3 "$tmp/dbd.log")"
        total_ok=0
        break
    fi
    last=$(tail -1 "$acks")
    rm -f "$tmp/ready"
    python3 "$tmp/client.py" drive "$sock" "$acks" "${last:-0}" "$tmp/ready" \
        2>>"$tmp/client.log" &
    cpid=$!
    # Kill only once transactions flow, at a random moment after that.
    for _ in $(seq 100); do
        [ -f "$tmp/ready" ] && break
        sleep 0.05
    done
    sleep "0.$((RANDOM % 8 + 1))"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    pid=
    wait "$cpid"
    crc=$?
    rm -f "$sock"
    if [ "$crc" -ne 0 ]; then
        fail "dbd-crash-round-$round" "client failed: $(tail -2 "$tmp/client.log")"
        total_ok=0
        continue
    fi
    if ! start; then
        fail "dbd-crash-round-$round" "database did not load after kill -9"
        total_ok=0
        break
    fi
    if out=$(python3 "$tmp/client.py" check "$sock" "$acks" 2>&1); then
        pass "dbd-crash-round-$round ($(wc -l <"$acks") acknowledged so far)"
    else
        fail "dbd-crash-round-$round" "$out"
        total_ok=0
    fi
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    pid=
    rm -f "$sock"
done
n=$(wc -l <"$acks")
if [ "$total_ok" = 1 ] && [ "$n" -ge 100 ]; then
    pass "dbd-crash-all-acknowledged ($n transactions)"
elif [ "$total_ok" = 1 ]; then
    fail dbd-crash-all-acknowledged "only $n transactions acknowledged"
fi

# A torn tail, as a crash in the middle of write(2) leaves it: the last
# record cut short where the file ends, or (the file having been grown with
# zeros ahead of the records) its last bytes still zeros.  The file may end
# in such zeros after kill -9, so the record ends where they begin.
end=$(python3 -c 'import sys; print(len(open(sys.argv[1], "rb").read().rstrip(b"\0")))' \
    "$tmp/conf.db")
for how in cut zeroed; do
    if [ "$how" = cut ]; then
        truncate -s $((end - 7)) "$tmp/conf.db"
    else
        printf '\0\0\0\0\0\0\0' |
            dd of="$tmp/conf.db" bs=1 seek=$((end - 7)) conv=notrunc status=none
    fi
    : >"$tmp/dbd.log"
    if start && out=$(python3 "$tmp/client.py" check "$sock" /dev/null 2>&1) &&
        grep -q 'torn or corrupt' "$tmp/dbd.log"; then
        pass "dbd-torn-tail-dropped-$how"
    else
        fail "dbd-torn-tail-dropped-$how" "$(tail -2 "$tmp/dbd.log") $out"
    fi
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
    rm -f "$sock"
    end=$(python3 -c 'import sys; print(len(open(sys.argv[1], "rb").read().rstrip(b"\0")))' \
        "$tmp/conf.db")
done

# --monitor: a daemon that crashes is restarted with its data.
"$dbd" --db "$tmp/conf.db" --remote="punix:$sock" --unixctl="$tmp/ctl" --no-syslog \
    --pidfile="$tmp/dbd.pid" --detach --monitor 2>>"$tmp/dbd.log"
first=$(cat "$tmp/dbd.pid" 2>/dev/null)
if [ -n "$first" ] && kill -ABRT "$first"; then
    for _ in $(seq 50); do
        second=$(cat "$tmp/dbd.pid" 2>/dev/null)
        [ -n "$second" ] && [ "$second" != "$first" ] && [ -S "$sock" ] && break
        sleep 0.1
    done
fi
if [ -n "${second:-}" ] && [ "$second" != "$first" ] &&
    python3 "$tmp/client.py" check "$sock" /dev/null >/dev/null 2>&1; then
    pass dbd-monitor-restarts-after-crash
else
    fail dbd-monitor-restarts-after-crash "no restarted daemon with the data"
fi
# A clean exit ends the monitor too.
python3 - "$tmp/ctl" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(json.dumps({"method": "exit", "params": [], "id": 1}).encode())
s.recv(4096)
PY
sleep 0.5
if [ -n "${second:-}" ] && ! kill -0 "$second" 2>/dev/null; then
    pass dbd-monitor-clean-exit
else
    fail dbd-monitor-clean-exit "daemon still running"
    kill "${second:-0}" 2>/dev/null
fi
exit $failed
