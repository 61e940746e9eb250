#!/usr/bin/env bash
# Interoperability of xvs-dbd with Debian's stock Open vSwitch tools: the same
# XenServer-like ovs-vsctl script (bridges, a fake VLAN bridge, a bond, ports
# with external-ids, a manager, emer-reset, del-br, failing commands) runs
# against xvs-dbd and against a private stock ovsdb-server; the outputs and
# exit codes must match once uuids are normalised.  Also checks ovsdb-client
# dump/monitor/list-dbs/get-schema, xvs-appctl and persistence across a
# restart.  Prints PASS:/FAIL:/SKIP: lines.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xvs-dbd and xvs-appctl).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
dbd=$bin/xvs-dbd
appctl=$bin/xvs-appctl
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

if [ ! -x "$dbd" ] || [ ! -x "$appctl" ]; then
    echo "FAIL: dbd-interop: xvs-dbd or xvs-appctl not built in $bin"
    exit 1
fi
if ! command -v ovsdb-server >/dev/null || ! command -v ovs-vsctl >/dev/null ||
    [ ! -f /usr/share/openvswitch/vswitch.ovsschema ]; then
    echo "SKIP: dbd-interop: ovsdb-server not installed"
    exit 0
fi

tmp=$(mktemp -d /tmp/xvs-dbd-interop.XXXXXX)
stock=$tmp/stock
ours=$tmp/ours
mkdir -p "$stock" "$ours"

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    for p in "$stock/ovsdb-server.pid" "$ours/xvs-dbd.pid"; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    done
    sleep 0.2
    rm -rf "$tmp"
}
trap cleanup EXIT

start_stock() {
    (
        export OVS_RUNDIR=$stock OVS_DBDIR=$stock OVS_LOGDIR=$stock
        ovsdb-tool create "$stock/conf.db" /usr/share/openvswitch/vswitch.ovsschema &&
            ovsdb-server "$stock/conf.db" --remote="punix:$stock/db.sock" \
                --pidfile="$stock/ovsdb-server.pid" --detach --no-chdir \
                --log-file="$stock/ovsdb-server.log" --unixctl="$stock/ovsdb-server.ctl"
    )
}

start_ours() {
    "$dbd" --db "$ours/conf.db" --remote="punix:$ours/db.sock" --unixctl="$ours/xvs-dbd.ctl" \
        --pidfile="$ours/xvs-dbd.pid" --detach --no-syslog
}

if ! start_stock; then
    echo "SKIP: dbd-interop: stock ovsdb-server does not start here"
    exit 0
fi
if start_ours && [ -S "$ours/db.sock" ]; then
    pass dbd-start-detach
else
    fail dbd-start-detach "xvs-dbd --detach did not come up"
    exit 1
fi
if [ "$(stat -c %a "$ours/db.sock")" = 660 ]; then
    pass dbd-socket-mode
else
    fail dbd-socket-mode "mode $(stat -c %a "$ours/db.sock")"
fi

# Uuids differ between servers, and so does hash order: replace each uuid by
# a placeholder; callers sort where the order is not defined.
norm() { sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<uuid>/g'; }

# run DIR ARGS...: one ovs-vsctl command; prints exit code, stdout, stderr.
run() {
    local dir=$1
    shift
    local out rc
    out=$(ovs-vsctl --db="unix:$dir/db.sock" --no-wait --timeout=10 "$@" 2>&1)
    rc=$?
    echo "rc=$rc"
    printf '%s\n' "$out" | sed "s#$dir#DIR#g" | norm
}

# "show" prints ports in the order of their uuids: sort every level of the
# indented tree so that only the structure and values are compared.
tree_sort() {
    python3 -c '
import sys
def parse(lines, i, depth):
    nodes = []
    while i < len(lines):
        ind = len(lines[i]) - len(lines[i].lstrip(" "))
        if ind < depth:
            break
        text = lines[i]
        i += 1
        kids, i = parse(lines, i, ind + 1)
        nodes.append((text, kids))
    return sorted(nodes, key=lambda n: flat(n)), i
def flat(n):
    return n[0] + "\n" + "".join(flat(k) for k in n[1])
lines = sys.stdin.read().splitlines()
nodes, _ = parse(lines, 0, 0)
sys.stdout.write("".join(flat(n) for n in nodes))
'
}

# Each step: a name, whether to sort the output, and the ovs-vsctl arguments.
steps=(
    "init|n|init"
    "add-br|n|add-br xenbr0"
    "add-br-again|n|add-br xenbr0"
    "may-exist|n|--may-exist add-br xenbr0"
    "fake-br|n|add-br xapi1 xenbr0 10"
    "br-to-parent|n|br-to-parent xapi1"
    "br-to-vlan|n|br-to-vlan xapi1"
    "add-port|n|add-port xenbr0 vif1.0 -- set interface vif1.0 external-ids:xs-vm-uuid=abc external-ids:attached-mac=00:16:3e:00:00:01"
    "add-bond|n|add-bond xenbr0 bond0 eth0 eth1 --fake-iface -- set port bond0 bond_mode=balance-slb"
    "port-ext-ids|n|br-set-external-id xenbr0 xs-network-uuids net1"
    "set-manager|n|set-manager ptcp:6640"
    "get-manager|n|get-manager"
    "set-controller|n|set-controller xenbr0 tcp:127.0.0.1:6633"
    "fail-mode|n|set-fail-mode xenbr0 secure"
    "list-br|n|list-br"
    "list-ports|n|list-ports xenbr0"
    "list-ifaces|n|list-ifaces xenbr0"
    "iface-to-br|n|iface-to-br vif1.0"
    "get-ext-id|n|get interface vif1.0 external-ids:xs-vm-uuid"
    "list-bridge|s|list Bridge"
    "list-interface|s|list Interface"
    "find|s|find Interface name=eth0"
    "show|t|show"
    "bad-column|n|set bridge xenbr0 nosuch=1"
    "bad-value|n|set port vif1.0 tag=9999"
    "del-port-missing|n|del-port xenbr0 nosuch"
    "emer-reset|n|emer-reset"
    "show-after-reset|t|show"
    "list-after-reset|s|list Bridge"
    "del-br|n|del-br xenbr0"
    "show-after-del|t|show"
    "list-port-empty|s|list Port"
    "del-br-missing|n|del-br xenbr0"
)
for step in "${steps[@]}"; do
    name=${step%%|*}
    rest=${step#*|}
    sorted=${rest%%|*}
    args=${rest#*|}
    # shellcheck disable=SC2086 # Word splitting of the arguments is wanted.
    a=$(run "$stock" $args)
    # shellcheck disable=SC2086
    b=$(run "$ours" $args)
    if [ "$sorted" = t ]; then
        a=$(printf '%s\n' "$a" | tree_sort)
        b=$(printf '%s\n' "$b" | tree_sort)
    elif [ "$sorted" = s ]; then
        a=$(printf '%s\n' "$a" | sort)
        b=$(printf '%s\n' "$b" | sort)
    fi
    if [ "$a" = "$b" ]; then
        pass "vsctl-$name"
    else
        fail "vsctl-$name" "differs: $(diff <(echo "$a") <(echo "$b") | head -8 | tr '\n' ' ')"
    fi
done

# ovsdb-client against xvs-dbd.
if [ "$(ovsdb-client list-dbs "unix:$ours/db.sock")" = Open_vSwitch ]; then
    pass client-list-dbs
else
    fail client-list-dbs "wrong answer"
fi
if ovsdb-client get-schema "unix:$ours/db.sock" Open_vSwitch |
    python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(0 if s["version"] and "Bridge" in s["tables"] else 1)'; then
    pass client-get-schema
else
    fail client-get-schema "bad schema"
fi
ovs-vsctl --db="unix:$ours/db.sock" --no-wait add-br br-dump
ovs-vsctl --db="unix:$stock/db.sock" --no-wait add-br br-dump
a=$(ovsdb-client dump "unix:$stock/db.sock" Open_vSwitch Bridge name ports | norm | sort)
b=$(ovsdb-client dump "unix:$ours/db.sock" Open_vSwitch Bridge name ports | norm | sort)
if [ -n "$b" ] && [ "$a" = "$b" ]; then
    pass client-dump
else
    fail client-dump "differs: $(diff <(echo "$a") <(echo "$b") | head -5 | tr '\n' ' ')"
fi
mon=$tmp/monitor.out
timeout 5 ovsdb-client monitor "unix:$ours/db.sock" Open_vSwitch Bridge name >"$mon" 2>&1 &
mpid=$!
sleep 0.5
ovs-vsctl --db="unix:$ours/db.sock" --no-wait add-br br-mon
sleep 0.5
kill "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null
if grep -q 'initial.*br-dump' "$mon" && grep -q 'insert.*br-mon' "$mon"; then
    pass client-monitor
else
    fail client-monitor "$(tr '\n' ' ' <"$mon" | head -c 300)"
fi

# Remotes from the database: a manager row makes xvs-dbd listen there.
port=$((20000 + RANDOM % 20000))
ovs-vsctl --db="unix:$ours/db.sock" --no-wait set-manager "ptcp:$port:127.0.0.1"
"$appctl" -t "$ours/xvs-dbd.ctl" exit >/dev/null
sleep 0.3
"$dbd" --db "$ours/conf.db" --remote="punix:$ours/db.sock" --unixctl="$ours/xvs-dbd.ctl" \
    --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
    --pidfile="$ours/xvs-dbd.pid" --detach --no-syslog
sleep 0.3
if [ "$(ovsdb-client --timeout=5 list-dbs "tcp:127.0.0.1:$port" 2>&1)" = Open_vSwitch ]; then
    pass dbd-remote-from-db
else
    fail dbd-remote-from-db "no listener on the manager's ptcp:$port"
fi
ovs-vsctl --db="unix:$ours/db.sock" --no-wait del-manager
sleep 0.3
if ! ovsdb-client --timeout=2 list-dbs "tcp:127.0.0.1:$port" >/dev/null 2>&1; then
    pass dbd-remote-removed-with-manager
else
    fail dbd-remote-removed-with-manager "still listening on $port"
fi

# xvs-appctl.
if "$appctl" -t "$ours/xvs-dbd.ctl" status | grep -q 'database: Open_vSwitch'; then
    pass appctl-status
else
    fail appctl-status "no status"
fi
if "$appctl" -t "$ours/xvs-dbd.ctl" compact >/dev/null &&
    [ "$(ovs-vsctl --db="unix:$ours/db.sock" list-br | tr '\n' ' ')" = "br-dump br-mon " ]; then
    pass appctl-compact
else
    fail appctl-compact "compaction lost data or failed"
fi
"$appctl" -t "$ours/xvs-dbd.ctl" no-such-command >/dev/null 2>&1
if [ $? -eq 2 ]; then
    pass appctl-unknown-command
else
    fail appctl-unknown-command "wrong exit status"
fi
if "$appctl" -t "$ours/xvs-dbd.ctl" vlog/set ANY:ANY:dbg >/dev/null; then
    pass appctl-vlog-set
else
    fail appctl-vlog-set "refused"
fi

# Restart: the database persists and the pidfile goes away on exit.
"$appctl" -t "$ours/xvs-dbd.ctl" exit >/dev/null
for _ in $(seq 50); do [ -f "$ours/xvs-dbd.pid" ] || break; sleep 0.1; done
if [ ! -f "$ours/xvs-dbd.pid" ]; then
    pass dbd-clean-exit
else
    fail dbd-clean-exit "pidfile still there"
fi
ovs-vsctl --db="unix:$stock/db.sock" --no-wait add-br br-mon 2>/dev/null
if start_ours; then
    a=$(run "$stock" show | tree_sort)
    b=$(run "$ours" show | tree_sort)
    if [ "$a" = "$b" ]; then
        pass dbd-restart-persists
    else
        fail dbd-restart-persists "$(diff <(echo "$a") <(echo "$b") | head -5 | tr '\n' ' ')"
    fi
else
    fail dbd-restart-persists "restart failed"
fi

# Taking over the stock server's conf.db: xvs-dbd converts it and serves the
# same contents.
conv=$tmp/conv
mkdir -p "$conv"
cp "$stock/conf.db" "$conv/conf.db"
if "$dbd" --db "$conv/conf.db" --remote="punix:$conv/db.sock" --unixctl="$conv/xvs-dbd.ctl" \
    --pidfile="$conv/xvs-dbd.pid" --detach --no-syslog 2>/dev/null; then
    a=$(run "$stock" show | tree_sort)
    b=$(run "$conv" show | sed "s#$conv#DIR#g" | tree_sort)
    if [ "$a" = "$b" ] && head -c 5 "$conv/conf.db" | grep -q XVSJ; then
        pass dbd-takes-over-ovs-db
    else
        fail dbd-takes-over-ovs-db "$(diff <(echo "$a") <(echo "$b") | head -5 | tr '\n' ' ')"
    fi
    kill "$(cat "$conv/xvs-dbd.pid")" 2>/dev/null
else
    fail dbd-takes-over-ovs-db "xvs-dbd refused the stock database"
fi

# Stock ovs-vswitchd as a client: it connects, takes its lock, monitors,
# writes its capabilities and acknowledges next_cfg, so that ovs-vsctl
# without --no-wait completes.  No bridge is created (no kernel module here).
if command -v ovs-vswitchd >/dev/null; then
    (
        export OVS_RUNDIR=$ours OVS_LOGDIR=$ours OVS_DBDIR=$ours
        timeout 20 ovs-vswitchd "unix:$ours/db.sock" --pidfile="$ours/vswitchd.pid" --detach \
            --no-chdir --log-file="$ours/vswitchd.log" --unixctl="$ours/vswitchd.ctl"
    ) >/dev/null 2>&1
    if timeout 15 ovs-vsctl --db="unix:$ours/db.sock" --timeout=10 \
        set Open_vSwitch . external-ids:xvs-test=1 &&
        [ -n "$(ovs-vsctl --db="unix:$ours/db.sock" --no-wait get Open_vSwitch . iface_types |
            tr -d '[]')" ]; then
        pass dbd-vswitchd-client
    else
        fail dbd-vswitchd-client "ovs-vswitchd did not acknowledge next_cfg"
    fi
    [ -f "$ours/vswitchd.pid" ] && kill "$(cat "$ours/vswitchd.pid")" 2>/dev/null
else
    echo "SKIP: dbd-vswitchd-client: ovs-vswitchd not installed"
fi

exit $failed
