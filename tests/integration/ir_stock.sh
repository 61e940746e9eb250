#!/bin/bash
# interface-reconfigure against stock Open vSwitch: the four scenarios of
# spec §11 item 1 (plain xenbr2, VLAN xapi3, bond xapi1, VLAN on bond xapi2),
# `--force <bridge> up` then `down`, from tests/data/dbcache/four-scenarios.dbcache,
# in a private network namespace (veth pairs stand in for eth0-eth4 and bond0)
# with a private stock ovsdb-server and ovs-vswitchd (--enable-dummy=override,
# so no kernel datapath is needed).  After each action the switch's state
# (bridges with parent/VLAN/fail_mode/other_config/external_ids, ports with
# their bond and tag columns, interfaces with type and MAC) must equal
# tests/data/ir/<bridge>-<action>.ovsdb, and equal the state that stock
# ovs-vsctl reaches on a second ovsdb-server by running the original's command
# line (tests/data/ir/<bridge>-<action>.vsctl); the generated ifcfg file must equal
# tests/data/ir/ifcfg-<bridge>, and for the management bridge the four
# secure-mode flows must be on the switch, and not re-added when the bridge
# already was secure (Q8).
#
# Prints PASS:/FAIL:/SKIP: lines.  Env: XVS_SRC (repo root), XVS_BUILD (build
# folder; libexec/interface-reconfigure is taken from it); IR_TEST_KEEP=1
# keeps the scratch folder.
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${XVS_BUILD:-$src/build}
ir=${XVS_LIBEXEC:-$build/libexec}/interface-reconfigure
schema=/usr/share/openvswitch/vswitch.ovsschema

for t in ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl unshare ip; do
    if ! command -v $t >/dev/null 2>&1; then
        echo "SKIP: ir_stock: $t not installed"
        exit 0
    fi
done
if [ ! -f "$schema" ]; then
    echo "SKIP: ir_stock: no vswitch schema"
    exit 0
fi
if [ ! -x "$ir" ]; then
    echo "FAIL: ir_stock: $ir not built"
    exit 0
fi

# Everything runs in a network namespace of its own.
if [ -z "${IR_IN_NETNS:-}" ]; then
    if ! unshare -n true 2>/dev/null; then
        echo "SKIP: ir_stock: cannot create a network namespace"
        exit 0
    fi
    IR_IN_NETNS=1 exec unshare -n "$0" "$@"
fi

tmp=$(mktemp -d /tmp/ir-stock.XXXXXX)
root=$tmp/root
run=$root/var/run/openvswitch
pids=()

cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    if [ -n "${IR_TEST_KEEP:-}" ]; then
        echo "# kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT INT TERM

fail=0
pass() { echo "PASS: ir_stock: $1"; }
failed() {
    echo "FAIL: ir_stock: $1"
    fail=1
}

mkdir -p "$run" "$root/etc/xensource" "$root/var/xapi" "$root/sbin" \
    "$root/etc/sysconfig/network-scripts"
echo vswitch >"$root/etc/xensource/network.conf"
cp "$src/tests/data/dbcache/four-scenarios.dbcache" "$root/var/xapi/network.dbcache"
for s in ifup ifdown update-issue ethtool; do
    printf '#!/bin/sh\necho "$0 $*" >>%s/commands.log\n' "$tmp" >"$root/sbin/$s"
    chmod +x "$root/sbin/$s"
done

ip link set lo up
for d in eth0 eth1 eth2 eth3 eth4 bond0; do
    ip link add "$d" type veth peer name "p$d" || {
        echo "SKIP: ir_stock: cannot create veth devices"
        exit 0
    }
done

export OVS_RUNDIR=$run OVS_DBDIR=$run OVS_LOGDIR=$tmp
db=unix:$run/db.sock
if ! ovsdb-tool create "$run/conf.db" "$schema" >/dev/null 2>&1 ||
    ! ovsdb-server "$run/conf.db" --remote=punix:"$run/db.sock" --pidfile="$tmp/ovsdb.pid" \
        --detach --no-chdir --log-file="$tmp/ovsdb-server.log" >/dev/null 2>&1; then
    echo "FAIL: ir_stock: ovsdb-server did not start"
    exit 0
fi
pids+=("$(cat "$tmp/ovsdb.pid")")
ovs-vsctl --db="$db" --no-wait init
if ! ovs-vswitchd --enable-dummy=override "$db" --pidfile="$tmp/vswitchd.pid" --detach \
    --no-chdir --log-file="$tmp/vswitchd.log" -vconsole:off >/dev/null 2>&1; then
    echo "FAIL: ir_stock: ovs-vswitchd did not start"
    exit 0
fi
pids+=("$(cat "$tmp/vswitchd.pid")")

# The reference server: stock ovs-vsctl replays the original's lines there.
mkdir -p "$tmp/ref"
refdb=unix:$tmp/ref/db.sock
if ! ovsdb-tool create "$tmp/ref/conf.db" "$schema" >/dev/null 2>&1 ||
    ! ovsdb-server "$tmp/ref/conf.db" --remote=punix:"$tmp/ref/db.sock" \
        --pidfile="$tmp/ref/ovsdb.pid" --detach --no-chdir \
        --log-file="$tmp/ref/ovsdb-server.log" >/dev/null 2>&1; then
    echo "FAIL: ir_stock: reference ovsdb-server did not start"
    exit 0
fi
pids+=("$(cat "$tmp/ref/ovsdb.pid")")
ovs-vsctl --db="$refdb" --no-wait init

vsctl() { ovs-vsctl --db="$db" --timeout=10 "$@"; }

# The switch's state in a stable, uuid-free form.
dump() { # [db]
    local br db=${1:-$db}
    for br in $(vsctl list-br | sort); do
        echo "bridge $br parent=$(vsctl br-to-parent "$br") vlan=$(vsctl br-to-vlan "$br")" \
            "ports=$(vsctl list-ports "$br" | sort | tr '\n' ' ')"
    done
    vsctl --format=csv --no-headings --columns=name,fail_mode,other_config,external_ids \
        list Bridge | sed 's/^/Bridge /' | sort
    local pcols=name,tag,fake_bridge,bond_fake_iface,bond_mode,lacp,bond_updelay,bond_downdelay
    vsctl --format=csv --no-headings --columns="$pcols,other_config,mac" list Port |
        sed 's/^/Port /' | sort
    vsctl --format=csv --no-headings --columns=name,type,mac list Interface |
        sed 's/^/Interface /' | sort
}

runir() { # name args...
    local name=$1 rc=0
    shift
    "$ir" --root-prefix="$root" --no-syslog "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    if [ $rc != 0 ]; then
        failed "$name: exit status $rc ($(tail -1 "$tmp/$name.err"))"
        return 1
    fi
}

# The original's command line from a fixture, through stock ovs-vsctl on the
# reference server.
stock() { # fixture
    local args=() line words
    while IFS= read -r line; do
        read -ra words <<<"$line"
        args+=(-- "${words[@]}")
    done <"$1"
    ovs-vsctl --db="$refdb" --no-wait --timeout=10 "${args[@]}"
}

compare() { # name fixture file
    if diff -u "$2" "$3" >"$tmp/$1.diff"; then
        pass "$1"
    else
        failed "$1: differs from $(basename "$2"):"
        sed 's/^/#   /' "$tmp/$1.diff"
    fi
}

cache_before=$(md5sum <"$root/var/xapi/network.dbcache")
for br in xenbr2 xapi3 xapi1 xapi2; do
    for act in up down; do
        runir "$br-$act" --force "$br" "$act" || continue
        dump >"$tmp/$br-$act.ovsdb"
        compare "$br $act: switch state" "$src/tests/data/ir/$br-$act.ovsdb" "$tmp/$br-$act.ovsdb"
        if stock "$src/tests/data/ir/$br-$act.vsctl" >"$tmp/$br-$act.stock.err" 2>&1; then
            dump "$refdb" >"$tmp/$br-$act.stock"
            compare "$br $act: same state as stock ovs-vsctl with the original's line" \
                "$tmp/$br-$act.stock" "$tmp/$br-$act.ovsdb"
        else
            failed "$br $act: stock ovs-vsctl refused the line: $(cat "$tmp/$br-$act.stock.err")"
        fi
        if [ "$act" = up ]; then
            compare "$br up: ifcfg-$br" "$src/tests/data/ir/ifcfg-$br" \
                "$root/etc/sysconfig/network-scripts/ifcfg-$br"
        fi
        if [ "$br-$act" = xenbr2-up ]; then
            n=$(ovs-ofctl -O OpenFlow13 dump-flows xenbr2 | grep -c 'priority=0')
            if [ "$n" = 4 ]; then
                pass "xenbr2 up: four management flows"
            else
                failed "xenbr2 up: $n management flows, want 4"
                ovs-ofctl -O OpenFlow13 dump-flows xenbr2 | sed 's/^/#   /'
            fi
            # Q8: already secure, so a second up leaves the flow table alone.
            ovs-ofctl -O OpenFlow13 del-flows xenbr2
            if runir xenbr2-up-again --force xenbr2 up; then
                n=$(ovs-ofctl -O OpenFlow13 dump-flows xenbr2 | grep -c 'priority=')
                if [ "$n" = 0 ]; then
                    pass "xenbr2 up again: no flows re-added to a secure bridge (Q8)"
                else
                    failed "xenbr2 up again: $n flows re-added"
                fi
            fi
        fi
    done
done

if [ "$(md5sum <"$root/var/xapi/network.dbcache")" = "$cache_before" ]; then
    pass "the dbcache is not rewritten in force mode"
else
    failed "the dbcache changed in force mode"
fi
leftover=$(find "$root/etc/sysconfig/network-scripts" -name '*.xapi-*' 2>/dev/null)
if [ -n "$leftover" ]; then
    failed "leftover .xapi-new/.xapi-old files"
else
    pass "no leftover .xapi-new/.xapi-old files"
fi

# XAPI mode: xvs-xapi-sim seeded from the same dbcache serves the local
# socket; --pif-uuid (which crashed the Python 3 original, Q1) brings eth2's
# network up and down, and the cache is saved afterwards inside the root
# prefix (Q3), readable and with every PIF.
sim=${XVS_BIN:-$build/bin}/xvs-xapi-sim
if [ -x "$sim" ]; then
    printf "INSTALLATION_UUID='852ee692-71b4-439e-abfb-0eba72dc85f0'\n" \
        >"$root/etc/xensource-inventory"
    mkdir -p "$root/var/lib/xcp"
    if "$sim" --root-prefix="$root" --dbcache "$src/tests/data/dbcache/four-scenarios.dbcache" \
        --pidfile="$tmp/sim.pid" --detach --no-syslog >"$tmp/sim.log" 2>&1; then
        pids+=("$(cat "$tmp/sim.pid")")
        rm -f "$root/var/xapi/network.dbcache"
        if runir xapi-up --pif-uuid 851987ef-ec02-5537-a91d-8ecb71453391 up; then
            dump >"$tmp/xapi-up.ovsdb"
            compare "XAPI mode --pif-uuid up: switch state" "$src/tests/data/ir/xenbr2-up.ovsdb" \
                "$tmp/xapi-up.ovsdb"
            if grep -c '<pif ref=' "$root/var/xapi/network.dbcache" 2>/dev/null | grep -qx 8; then
                pass "XAPI mode: the dbcache is saved inside the root prefix"
            else
                failed "XAPI mode: no dbcache saved"
            fi
        fi
        if runir xapi-down --pif-uuid 851987ef-ec02-5537-a91d-8ecb71453391 down; then
            dump >"$tmp/xapi-down.ovsdb"
            compare "XAPI mode --pif-uuid down: switch state" \
                "$src/tests/data/ir/xenbr2-down.ovsdb" "$tmp/xapi-down.ovsdb"
        fi
        if runir xapi-rewrite rewrite; then
            pass "XAPI mode: rewrite"
        fi
    else
        failed "xvs-xapi-sim did not start: $(tail -1 "$tmp/sim.log")"
    fi
else
    echo "SKIP: ir_stock: XAPI mode: $sim not built"
fi

# A missing device: nothing applied, exit 1.
ip link del eth4
if "$ir" --root-prefix="$root" --no-syslog --force xenbr4 up >"$tmp/miss.out" \
    2>"$tmp/miss.err"; then
    failed "missing eth4: exit status 0"
elif ! grep -q 'netdev: up: device eth4 does not exist' "$tmp/miss.err"; then
    failed "missing eth4: no clear error ($(tail -1 "$tmp/miss.err"))"
elif [ -n "$(vsctl list-br)" ] || [ -e "$root/etc/sysconfig/network-scripts/ifcfg-xenbr4" ]; then
    failed "missing eth4: something was applied"
else
    pass "missing device: clear error, nothing applied"
fi
exit "$fail"
