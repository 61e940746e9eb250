#!/bin/sh
# xvs-vsctl against Debian's stock ovsdb-server, with stock ovs-vsctl as the
# reference: the same command script runs through ovs-vsctl on server A and
# through xvs-vsctl on server B (two private directories); `show`, `list` and
# the query commands must print the same (row uuids normalised, rows sorted),
# and errors must carry the same text and exit status.
# Env: XVS_SRC (repo root), XVS_BIN (directory holding xvs-vsctl).

SRC=${XVS_SRC:-.}
BIN=${XVS_BIN:-$SRC/build/bin}
XVS=$BIN/xvs-vsctl
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
# Server B is stock ovsdb-server, or xvs-dbd when VSCTL_PEER=xvs-dbd (vsctl_dbd.sh).
PEER=${VSCTL_PEER:-ovsdb-server}

if ! command -v ovsdb-server >/dev/null 2>&1 || ! command -v ovs-vsctl >/dev/null 2>&1 ||
    [ ! -f "$SCHEMA" ]; then
    echo "SKIP: vsctl_stock: ovsdb-server not installed"
    exit 0
fi
if [ ! -x "$XVS" ]; then
    echo "FAIL: vsctl_stock: $XVS not built"
    exit 0
fi
if [ "$PEER" = xvs-dbd ] && [ ! -x "$BIN/xvs-dbd" ]; then
    echo "SKIP: vsctl_dbd: xvs-dbd not built"
    exit 0
fi

TMP=$(mktemp -d /tmp/xvs-vsctl-test.XXXXXX)

start_server() { # DIR (B is xvs-dbd when PEER says so)
    mkdir -p "$1"
    if [ "$1" = "$TMP/B" ] && [ "$PEER" = xvs-dbd ]; then
        "$BIN/xvs-dbd" --db "$1/conf.db" --schema "$SCHEMA" --remote=punix:"$1/db.sock" \
            --unixctl="$1/dbd.ctl" --pidfile="$1/ovsdb-server.pid" --detach --no-syslog \
            >"$1/dbd.log" 2>&1
        return
    fi
    (
        export OVS_RUNDIR="$1" OVS_DBDIR="$1" OVS_LOGDIR="$1"
        ovsdb-tool create "$1/conf.db" "$SCHEMA" &&
            ovsdb-server "$1/conf.db" --remote=punix:"$1/db.sock" --pidfile="$1/ovsdb-server.pid" \
                --detach --no-chdir --log-file="$1/ovsdb-server.log"
    ) >/dev/null 2>&1
}

stop_servers() {
    for d in "$TMP/A" "$TMP/B"; do
        [ -f "$d/ovsdb-server.pid" ] && kill "$(cat "$d/ovsdb-server.pid")" 2>/dev/null
    done
}

cleanup() {
    stop_servers
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# Both tools, each on its own server.  Stock ovs-vsctl needs --no-wait: no ovs-vswitchd runs.
A() { ovs-vsctl --db=unix:"$TMP/A/db.sock" --no-wait --timeout=20 "$@"; }
B() { "$XVS" --db=unix:"$TMP/B/db.sock" --timeout=20 "$@"; }

# Normalises ovs-vsctl output: uuids become <uuid>, `list` records and `show` subtrees are
# sorted (both tools print rows in uuid or hash order, and uuids differ between servers).
normalise() {
    python3 -c '
import re, sys
text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>",
              sys.stdin.read())
lines = text.split("\n")
if lines and lines[-1] == "":
    lines.pop()
def indent(l):
    return len(l) - len(l.lstrip(" "))
if any(re.match(r"^\S.*\s: ", l) for l in lines):
    recs = "\n".join(lines).split("\n\n")
    print("\n\n".join(sorted(recs)))
else:
    def tree(i, depth):
        out = []
        while i < len(lines) and indent(lines[i]) == depth:
            head = lines[i]
            kids, i = tree(i + 1, depth + 4)
            out.append(head + ("\n" + "\n".join(sorted(kids)) if kids else ""))
        return out, i
    items, i = tree(0, indent(lines[0]) if lines else 0)
    rest = lines[i:]
    print("\n".join(sorted(items) + rest))
'
}

fails=0
check() { # NAME CMD... : runs CMD on both sides, compares normalised stdout and exit status
    name=$1
    shift
    A "$@" >"$TMP/a.out" 2>"$TMP/a.err"
    ra=$?
    B "$@" >"$TMP/b.out" 2>"$TMP/b.err"
    rb=$?
    normalise <"$TMP/a.out" >"$TMP/a.norm"
    normalise <"$TMP/b.out" >"$TMP/b.norm"
    sed 's/^ovs-vsctl: /xvs-vsctl: /' "$TMP/a.err" >"$TMP/a.errn"
    if [ "$ra" != "$rb" ]; then
        echo "FAIL: $name: exit status $rb, ovs-vsctl $ra ($(head -c 200 "$TMP/b.err"))"
        fails=$((fails + 1))
    elif ! cmp -s "$TMP/a.norm" "$TMP/b.norm"; then
        echo "FAIL: $name: output differs: $(diff "$TMP/a.norm" "$TMP/b.norm" | head -c 400 | tr '\n' '|')"
        fails=$((fails + 1))
    elif ! cmp -s "$TMP/a.errn" "$TMP/b.err"; then
        echo "FAIL: $name: stderr differs: $(head -c 200 "$TMP/b.err") vs $(head -c 200 "$TMP/a.errn")"
        fails=$((fails + 1))
    else
        echo "PASS: $name"
    fi
}

# A change both tools must accept: like check, and ovs-vsctl must have succeeded too, so that a
# script mistake cannot pass as "both failed alike".
change() { # NAME CMD...
    name=$1
    check "$@"
    if [ "$ra" != 0 ]; then
        echo "FAIL: $name: ovs-vsctl rejected it: $(head -c 200 "$TMP/a.err")"
        fails=$((fails + 1))
    fi
}

# Compares the whole database as ovs-vsctl shows and lists it, read by stock ovs-vsctl on both.
check_db() { # NAME
    ok=1
    for what in show "list Open_vSwitch" "list Bridge" "list Port" "list Interface" \
        "list Manager" "list Controller" "list SSL" "list Mirror" "list NetFlow"; do
        # shellcheck disable=SC2086
        ovs-vsctl --db=unix:"$TMP/A/db.sock" --no-wait $what 2>&1 | normalise >"$TMP/da"
        # shellcheck disable=SC2086
        ovs-vsctl --db=unix:"$TMP/B/db.sock" --no-wait $what 2>&1 | normalise >"$TMP/db"
        if ! cmp -s "$TMP/da" "$TMP/db"; then
            echo "FAIL: $1: '$what' differs: $(diff "$TMP/da" "$TMP/db" | head -c 400 | tr '\n' '|')"
            fails=$((fails + 1))
            ok=0
            break
        fi
    done
    [ $ok = 1 ] && echo "PASS: $1"
}

if ! start_server "$TMP/A" || ! start_server "$TMP/B"; then
    echo "FAIL: vsctl_stock: cannot start ovsdb-server"
    exit 0
fi

# The XenServer boot and interface-reconfigure sequence (spec §1.8, §1.11), one transaction per
# line as interface-reconfigure runs it.
change init init
# What ovs-ctl start sets at boot (spec §5), '-' spelling of column names included.
change boot-ids set Open_vSwitch . db-version=8.3.1 ovs-version=3.1.0 \
    external-ids:system-id=0f3c2b1a-1111-4222-8333-444455556666 external-ids:rundir=/var/run \
    system-type=XenServer system-version=8.2.1-1 external-ids:xs-system-uuid=0f3c
change xenbr0-up -- --with-iface --if-exists del-port eth0 -- --may-exist add-br xenbr0 \
    -- --may-exist add-port xenbr0 eth0 \
    -- set Bridge xenbr0 other-config:hwaddr='"00:15:17:a0:29:80"' \
    -- set Bridge xenbr0 fail_mode=secure -- remove Bridge xenbr0 other_config disable-in-band \
    -- br-set-external-id xenbr0 xs-network-uuids 8a3c6e4e-0e5b-4a1d-a5a1-1d2a4b9e3f01
change bond-up -- --if-exists del-br xenbr1 -- --if-exists del-br xenbr2 \
    -- --with-iface --if-exists del-port eth1 -- --with-iface --if-exists del-port eth2 \
    -- --may-exist add-br xapi1 -- --with-iface --if-exists del-port bond0 \
    -- --fake-iface add-bond xapi1 bond0 eth1 eth2 \
    -- set Port bond0 MAC='"00:22:19:22:4b:af"' bond_downdelay=200 \
    other-config:bond-miimon-interval=100 bond_updelay=31000 \
    other-config:bond-detect-mode=carrier lacp=off bond_mode=balance-slb \
    -- set Bridge xapi1 other-config:hwaddr='"00:22:19:22:4b:af"' \
    -- set Bridge xapi1 other_config:disable-in-band=true
change vlan-up -- --if-exists del-br xapi3 -- --may-exist add-br xapi3 xenbr0 123 \
    -- br-set-external-id xapi3 xs-network-uuids "a;b" -- set Interface xapi3 MAC='"00:15:17:a0:29:80"'
change vif-plug -- --if-exists del-port vif1.0 -- add-port xapi3 vif1.0 \
    -- set Interface vif1.0 external-ids:xs-vif-uuid=f00 external-ids:attached-mac='"aa:bb"' \
    -- set interface vif1.0 external-ids:'"xs-vm-uuid"="9d1e2c3b-aaaa-4bbb-8ccc-ddddeeeeffff"'
change vif-plug2 add-port xenbr0 tap2.0 tag=7 -- set Interface tap2.0 type=internal
change managers -- del-manager -- del-ssl -- --bootstrap set-ssl /etc/k.pem /etc/c.pem /etc/ca.pem \
    -- set-manager ssl:10.0.0.1:6640 ptcp:6640
change controller set-controller xenbr0 tcp:1.2.3.4:6633 tcp:1.2.3.5:6633 \
    -- set-controller xapi1 tcp:1.2.3.6:6633 -- set Controller xapi1 is_connected=true
change netflow -- set Bridge xenbr0 netflow=@nf -- --id=@nf create NetFlow targets='"1.2.3.4:5566"'
change mirror -- --id=@m create Mirror name=m0 select_all=true -- add Bridge xenbr0 mirrors @m
change tunnel add-port xenbr0 gre0 trunks=1,2 -- set Interface gre0 type=gre \
    options:remote_ip=1.2.3.4 error='"oops"' bfd_status:state=up \
    -- set Open_vSwitch . ovs_version=3.1.0 -- set Bridge xenbr0 datapath_type=netdev
check_db db-after-setup

# Queries.
for q in list-br "--real list-br" "--fake list-br" "list-br --real" "list-ports xenbr0" "list-ports xapi3" \
    "list-ports xapi1" "list-ifaces xapi1" "list-ifaces xapi3" "iface-to-br eth1" \
    "iface-to-br vif1.0" "port-to-br bond0" "port-to-br xapi3" "br-to-vlan xapi3" \
    "br-to-vlan xenbr0" "br-to-parent xapi3" "br-to-parent xenbr0" "br-exists xapi3" \
    "br-exists nobr" "br-get-external-id xenbr0" "br-get-external-id xenbr0 xs-network-uuids" \
    "br-get-external-id xapi3" "br-get-external-id xapi3 xs-network-uuids" "get-fail-mode xapi3" \
    "get-manager" "get-controller xenbr0" "get-controller xapi3" "get-ssl" \
    "get Port bond0 bond_mode lacp other_config:bond-detect-mode" "get Interface vif1.0 external_ids" \
    "--if-exists get Bridge xenbr0 other_config:disable-in-band" "get Open_vSwitch . manager_options" \
    "list Port bond0" "--columns=name,tag list Port" "find Port tag=7" "find Port fake_bridge=true" \
    "find Interface type=internal" "--columns=name find Interface external_ids:xs-vif-uuid=f00" \
    "find Port bond_updelay>1000" "list Interface eth1 eth2" "list Controller xenbr0" \
    "list NetFlow xenbr0" "get Bridge xenbr0 fail_mode other-config:hwaddr"; do
    # shellcheck disable=SC2086
    check "query $q" $q
done

# Errors: same text (program name aside) and exit status.
for e in "del-br nobr" "add-br xenbr0" "add-port xenbr0 eth0" "add-port nobr x" "frob" "add-br" \
    "get Bridge xenbr0 nocol" "get Bridge nobr name" "list-ports nobr" "iface-to-br nope" \
    "port-to-br nope" "del-port xenbr0 nope" "del-port xapi3 eth0" "del-port xenbr0 vif1.0" \
    "get Bridge xenbr0 other_config:nokey" "set Bridge xenbr0 fail_mode=bogus" \
    "add-br br2 xenbr0 4096" "add-br br2 nob 5" "--may-exist add-br xapi3 xenbr0 11" \
    "--may-exist add-br xapi3" "--may-exist add-br xenbr0 xapi1 5" "add-bond xenbr0 b2 eth7" \
    "set Bridge xenbr0 stp_enable=maybe" "set-fail-mode xenbr0 bogus" "add-br x -- add-br x" \
    "--may-exist add-port xapi1 eth0" "--may-exist add-bond xapi1 bond0 eth1 eth3" \
    "set Port bond0 tag=5000" "clear Bridge xenbr0 name" "get Bridge xenbr0 name:foo" \
    "set Bridge xenbr0 nosuch=1" "list NoTable" "add-port xapi3 eth1" \
    "--may-exist add-port xenbr0 eth0" "--may-exist add-br xapi3 xenbr0 123" \
    "destroy Bridge xapi1" "destroy Bridge nobr" "--if-exists destroy Bridge nobr"; do
    # shellcheck disable=SC2086
    check "error $e" $e
done

# Changes through the database commands, then deletions.
change generic-set set Interface eth1 mtu_request=9000 -- add Port bond0 trunks 1 2 3 \
    -- remove Port bond0 trunks 2 -- clear Port bond0 lacp -- add Bridge xenbr0 flood_vlans 10
change generic-map -- set Bridge xapi1 external_ids:a=1 external_ids:b=2 \
    -- remove Bridge xapi1 external_ids a -- remove Bridge xapi1 other_config disable-in-band=true
change create-destroy -- --id=@q create QoS type=linux-htb -- set Port eth0 qos=@q
change destroy-qos -- clear Port eth0 qos -- --all destroy QoS
check_db db-after-generic
change fail-mode -- set-fail-mode xapi1 standalone -- del-fail-mode xenbr0
change del-controller del-controller xenbr0
change emer-reset emer-reset
check_db db-after-emer-reset
change vif-unplug -- --with-iface --if-exists del-port vif1.0 -- --if-exists del-port tap2.0
change vlan-down -- --with-iface --if-exists del-port xapi3 -- --if-exists del-br xapi3
change bond-down -- --with-iface --if-exists del-port eth2 -- del-br xapi1
check_db db-after-teardown
change del-all -- del-br xenbr0 -- del-manager -- del-ssl
check_db db-empty

# Concurrency: parallel writers to one bridge; every one of them must land.
B add-br par0 >/dev/null 2>&1
i=0
while [ $i -lt 20 ]; do
    B add-port par0 p$i >/dev/null 2>"$TMP/par$i.err" &
    i=$((i + 1))
done
wait
n=$(B list-ports par0 | wc -l)
if [ "$n" = 20 ]; then
    echo "PASS: concurrent-add-port"
else
    echo "FAIL: concurrent-add-port: $n of 20 ports ($(cat "$TMP"/par*.err | head -c 200))"
fi

# --dry-run changes nothing.
before=$(B show)
B --dry-run add-br dry0 >/dev/null 2>&1
if [ "$(B show)" = "$before" ] && ! B br-exists dry0; then
    echo "PASS: dry-run"
else
    echo "FAIL: dry-run: the database changed"
fi
exit 0
