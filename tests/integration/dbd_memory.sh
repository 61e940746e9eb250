#!/usr/bin/env bash
# Memory of xvs-dbd against stock ovsdb-server fed the same work: the port
# churn of a busy XenServer host (PORTS ports one transaction each, as the vif
# script adds them, then PORTS more in one transaction).  xvs-dbd's resident
# set must be at most half of ovsdb-server's, after the load, after a restart
# (journal replay) and after an online compaction.  Without a stock
# ovsdb-server the comparisons are skipped.  Prints PASS:/FAIL:/SKIP: lines.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xvs-dbd and xvs-appctl),
# DBD_MEM_PORTS (default 1000).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
dbd=$bin/xvs-dbd
appctl=$bin/xvs-appctl
ports=${DBD_MEM_PORTS:-1000}

if [ ! -x "$dbd" ] || [ ! -x "$appctl" ]; then
    echo "FAIL: dbd-memory: xvs-dbd or xvs-appctl not built in $bin"
    exit 1
fi
if ! command -v python3 >/dev/null; then
    echo "SKIP: dbd-memory: python3 not installed"
    exit 0
fi
if ! command -v ovsdb-server >/dev/null || [ ! -r /usr/share/openvswitch/vswitch.ovsschema ]; then
    echo "SKIP: dbd-memory: stock ovsdb-server not installed (no anchor to compare with)"
    exit 0
fi

tmp=$(mktemp -d /tmp/xvs-dbd-mem.XXXXXX)
pids=()
# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
wait_sock() {
    for _ in $(seq 200); do
        [ -S "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# "load SOCK": the bench's work, through a plain JSON-RPC client.
load() {
    python3 - "$1" "$ports" <<'EOF'
import json, socket, sys

sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
ports = int(sys.argv[2])
buf = b""
dec = json.JSONDecoder()
next_id = 0

def transact(ops):
    global buf, next_id
    next_id += 1
    msg = {"method": "transact", "params": ["Open_vSwitch"] + ops, "id": next_id}
    sock.sendall(json.dumps(msg).encode())
    while True:
        text = buf.decode()
        try:
            reply, end = dec.raw_decode(text)
        except ValueError:
            chunk = sock.recv(1 << 16)
            if not chunk:
                sys.exit("connection closed")
            buf += chunk
            continue
        buf = text[end:].encode()
        if reply.get("id") != next_id:
            continue
        for r in reply.get("result") or []:
            if r and "error" in r:
                sys.exit("transaction failed: %s" % r)
        if reply.get("error"):
            sys.exit("transaction failed: %s" % reply["error"])
        return

def port_ops(n):
    name = "vif%d.0" % n
    ids = [["attached-mac", "fe:ff:ff:ff:ff:ff"], ["iface-id", name],
           ["vm-id", "b3e4f1c2-0000-4000-8000-000000000001"],
           ["xs-network-uuid", "0f0e0d0c-0000-4000-8000-000000000002"]]
    return [{"op": "insert", "table": "Interface", "uuid-name": "i%d" % n,
             "row": {"name": name, "external_ids": ["map", ids]}},
            {"op": "insert", "table": "Port", "uuid-name": "p%d" % n,
             "row": {"name": name, "interfaces": ["named-uuid", "i%d" % n]}},
            {"op": "mutate", "table": "Bridge", "where": [["name", "==", "xenbr0"]],
             "mutations": [["ports", "insert", ["set", [["named-uuid", "p%d" % n]]]]]}]

transact([{"op": "insert", "table": "Bridge", "uuid-name": "br", "row": {"name": "xenbr0"}},
          {"op": "insert", "table": "Open_vSwitch",
           "row": {"bridges": ["set", [["named-uuid", "br"]]]}}])
for i in range(ports):
    transact(port_ops(i))
ops = []
for i in range(ports, 2 * ports):
    ops += port_ops(i)
transact(ops)
EOF
}

# Stock ovsdb-server, the anchor.
mkdir -p "$tmp/stock" "$tmp/xvs"
ovsdb-tool create "$tmp/stock/conf.db" /usr/share/openvswitch/vswitch.ovsschema
OVS_RUNDIR=$tmp/stock OVS_DBDIR=$tmp/stock OVS_LOGDIR=$tmp/stock \
    ovsdb-server "$tmp/stock/conf.db" --remote="punix:$tmp/stock/db.sock" \
    --pidfile="$tmp/stock/pid" --detach --no-chdir --log-file="$tmp/stock/log" 2>/dev/null
spid=$(cat "$tmp/stock/pid")
pids+=("$spid")
if ! wait_sock "$tmp/stock/db.sock" || ! load "$tmp/stock/db.sock"; then
    echo "SKIP: dbd-memory: stock ovsdb-server did not take the load"
    exit 0
fi
stock=$(rss_kb "$spid")
half=$((stock / 2))

start_xvs() {
    rm -f "$tmp/xvs/db.sock" "$tmp/xvs/ctl"
    "$dbd" --db "$tmp/xvs/conf.db" --remote="punix:$tmp/xvs/db.sock" \
        --unixctl="$tmp/xvs/ctl" --no-syslog 2>>"$tmp/xvs/log" &
    xpid=$!
    pids+=("$xpid")
    wait_sock "$tmp/xvs/db.sock" && wait_sock "$tmp/xvs/ctl"
}
# "check NAME": xvs-dbd's resident set against half of stock's.
check() {
    local rss
    rss=$(rss_kb "$xpid")
    if [ -n "$rss" ] && [ "$rss" -le "$half" ]; then
        echo "PASS: dbd-memory-$1 ($rss kB, stock $stock kB)"
    else
        echo "FAIL: dbd-memory-$1: ${rss:-?} kB, more than half of stock's $stock kB"
    fi
}

if ! start_xvs; then
    echo "FAIL: dbd-memory: xvs-dbd did not start: $(tail -3 "$tmp/xvs/log")"
    exit 1
fi
if load "$tmp/xvs/db.sock"; then
    check after-$((2 * ports))-ports
else
    echo "FAIL: dbd-memory-after-$((2 * ports))-ports: the load failed"
fi
kill "$xpid"
wait "$xpid" 2>/dev/null
if start_xvs; then
    check after-restart
    if "$appctl" -t "$tmp/xvs/ctl" compact >/dev/null; then
        check after-compaction
    else
        echo "FAIL: dbd-memory-after-compaction: compact failed"
    fi
else
    echo "FAIL: dbd-memory-after-restart: xvs-dbd did not restart: $(tail -3 "$tmp/xvs/log")"
fi
exit 0
