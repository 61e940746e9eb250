#!/usr/bin/env bash
# interface-reconfigure per invocation (issue 5): `--force xenbr0 up` and
# `rewrite`, each the median of 21 runs (wall clock, process start included),
# printed beside the Python original's documented figures (spec/baselines.md:
# 0.10-0.14 s for `--force <br> up`, about 0.15 s for `rewrite`, interpreter
# start included; the Python copy is not on this machine to re-measure).
# Goal: 10 ms or less.
#
# The host is a private network namespace (unshare -n) with a veth "eth0";
# the root tree holds tests/data/dbcache/boot.dbcache (eth0, Static
# 10.99.0.10/24, management, network xenbr0), no /sbin/ifup (so the address,
# route and resolv.conf are set through netlink), and
# XVS_DATAPATH_TYPE=netdev.  `up` runs against a private xvs-dbd, then a
# private stock ovsdb-server, each with stock ovs-vswitchd making xenbr0, and
# with --no-wait (the original's ovs-vsctl waited for the switch; that wait is
# the switch's time, not the program's).  `rewrite` (XAPI mode) runs against
# xvs-xapi-sim seeded from the same dbcache.  Every run is checked: exit
# status 0, and after the `up` runs xenbr0 holds eth0 and 10.99.0.10.
#
# Then where the time goes: the same binary's `--help` (dynamic loading and
# exit only) beside a libc-only program, the same program linked with libcurl
# or libxml2 only, and a scratch link of interface-reconfigure without
# -Wl,--as-needed, to show what that flag saves.
#
# Usage: bench/ir-bench.sh [BUILD_DIR]   (needs root; never part of make check)
set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")/.." || exit 1
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
note() { echo "ir-bench: $*"; }

if [ "$(id -u)" != 0 ]; then
    note "needs root (network namespaces); skipped"
    exit 0
fi
ir=$build/libexec/interface-reconfigure
for p in "$ir" "$build/bin/xvs-dbd" "$build/bin/xvs-xapi-sim"; do
    [ -x "$p" ] || { note "$p not built; skipped"; exit 0; }
done
for c in ovsdb-server ovs-vswitchd ovsdb-tool unshare; do
    command -v "$c" >/dev/null 2>&1 || { note "$c is not installed; skipped"; exit 0; }
done
if [ -z "${IR_BENCH_IN_NETNS:-}" ]; then
    IR_BENCH_IN_NETNS=1 exec unshare -n -m --propagation private "$self" "$@"
fi

tmp=$(mktemp -d /tmp/xvs-ir-bench.XXXXXX)
root=$tmp/root
run=$root/var/run/openvswitch
pids=()
cleanup() {
    local f
    for f in "$tmp"/*.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.2
    umount "$tmp/tmpfs" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "${IR_BENCH_HOLD:-}" ]; then
    trap - EXIT
    note "keeping $tmp and the daemons (IR_BENCH_HOLD)"
fi

ip link set lo up
ip link add eth0 type veth peer name peth0 || { note "cannot create a veth; skipped"; exit 0; }
ip link set eth0 address 02:16:3e:99:00:10
ip link set peth0 up
mkdir -p "$run" "$root/etc/xensource" "$root/etc/sysconfig/network-scripts" "$root/var/xapi" \
    "$root/var/lib/xcp" "$root/etc/openvswitch"
echo openvswitch >"$root/etc/xensource/network.conf"
printf "INSTALLATION_UUID='6e1d3c58-2a4b-4c7d-9e0f-1a2b3c4d5e01'\n" >"$root/etc/xensource-inventory"
echo XVS_DATAPATH_TYPE=netdev >"$root/etc/sysconfig/openvswitch"
cp tests/data/dbcache/boot.dbcache "$root/var/xapi/network.dbcache"
export OVS_RUNDIR=$run OVS_DBDIR=$run OVS_LOGDIR=$tmp

# Median of the microsecond figures on stdin, printed in ms.
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'; }

# Runs "$@" 21 times; prints the median in ms, or "FAIL" when a run failed.
time21() {
    local t0 t1 bad=
    for _ in $(seq 21); do
        t0=$EPOCHREALTIME
        "$@" >>"$tmp/runs.log" 2>&1 || bad=1
        t1=$EPOCHREALTIME
        echo $((${t1/./} - ${t0/./}))
    done >"$tmp/times"
    if [ -n "$bad" ]; then
        echo FAIL
    else
        median <"$tmp/times"
    fi
}

# A tmpfs for the database file, so that a figure can leave out the disk's
# fsync() latency (each OVSDB commit is made durable by both servers).
mkdir -p "$tmp/tmpfs"
mount -t tmpfs tmpfs "$tmp/tmpfs" 2>/dev/null || note "cannot mount a tmpfs; those rows use the disk"

start_db() { # xvs|stock [db folder]
    local dbdir=${2:-$run}
    rm -f "$dbdir/conf.db" "$run/db.sock"
    if [ "$1" = xvs ]; then
        "$build/bin/xvs-dbd" --root-prefix "$root/" --db "$dbdir/conf.db" \
            --remote="punix:$run/db.sock" --pidfile="$tmp/db.pid" --detach --no-syslog \
            >>"$tmp/daemons.log" 2>&1 || return 1
    else
        ovsdb-tool create "$dbdir/conf.db" /usr/share/openvswitch/vswitch.ovsschema &&
            ovsdb-server "$dbdir/conf.db" --remote="punix:$run/db.sock" --pidfile="$tmp/db.pid" \
                --detach --no-chdir --log-file="$tmp/ovsdb-server.log" >>"$tmp/daemons.log" 2>&1 ||
            return 1
    fi
    ovs-vsctl --db="unix:$run/db.sock" --no-wait init &&
        ovs-vswitchd "unix:$run/db.sock" --pidfile="$tmp/vswitchd.pid" --detach --no-chdir \
            --log-file="$tmp/vswitchd.log" -vconsole:off >>"$tmp/daemons.log" 2>&1
}
stop_db() {
    for f in "$tmp/vswitchd.pid" "$tmp/db.pid"; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    sleep 0.3
}

irun() { "$ir" --root-prefix="$root" --no-syslog "$@"; }

up_figure() { # xvs|stock [db folder]
    if ! start_db "$1" "${2:-}"; then
        echo "FAIL (daemons did not start: $(tail -1 "$tmp/daemons.log"))"
        return
    fi
    # A first run that waits, so that xenbr0 exists before the timed ones.
    if ! irun --force xenbr0 up >>"$tmp/runs.log" 2>&1; then
        echo "FAIL (first run: $(tail -1 "$tmp/runs.log"))"
        stop_db
        return
    fi
    local m
    m=$(time21 irun --no-wait --force xenbr0 up)
    if [ "$(ovs-vsctl --db="unix:$run/db.sock" list-ports xenbr0)" != eth0 ] ||
        ! ip -4 addr show dev xenbr0 | grep -q 'inet 10.99.0.10/24'; then
        m="FAIL (xenbr0 not configured)"
    fi
    echo "$m"
    stop_db
}

row() { # label, ours (ms or FAIL...), anchor text
    printf '%-46s %12s   %s\n' "$1" "$2${2:+ ms}" "$3"
}

echo "== interface-reconfigure per invocation (medians of 21 runs)"
up_xvs=$(up_figure xvs)
up_stock=$(up_figure stock)
up_xvs_tmpfs=$(up_figure xvs "$tmp/tmpfs")
up_stock_tmpfs=$(up_figure stock "$tmp/tmpfs")

# rewrite: XAPI mode against the simulator, the switch's socket present.
start_db xvs >/dev/null 2>&1
"$build/bin/xvs-xapi-sim" --root-prefix "$root" --dbcache tests/data/dbcache/boot.dbcache \
    --pidfile "$tmp/sim.pid" --detach --no-syslog >>"$tmp/daemons.log" 2>&1
rewrite=$(time21 irun rewrite)
grep -q '<IP>10.99.0.10</IP>' "$root/var/xapi/network.dbcache" || rewrite="FAIL (no cache saved)"
kill "$(cat "$tmp/sim.pid")" 2>/dev/null
rm -f "$tmp/sim.pid"
stop_db

printf '%-46s %15s   %s\n' "figure" "xvs (C)" "Python original (documented, baselines.md)"
row "--force xenbr0 up, xvs-dbd, --no-wait" "$up_xvs" "0.10-0.14 s"
row "--force xenbr0 up, stock ovsdb-server, --no-wait" "$up_stock" "0.10-0.14 s"
row "  same, xvs-dbd with its database on tmpfs" "$up_xvs_tmpfs" ""
row "  same, stock ovsdb-server, database on tmpfs" "$up_stock_tmpfs" ""
row "rewrite (XAPI mode, xvs-xapi-sim)" "$rewrite" "about 0.15 s"
echo "(goal: 10 ms or less per invocation)"

# ---- where the time goes: start-up --------------------------------------------------------------
echo
echo "== start-up only (--help: load, relocate, print, exit; medians of 21)"
cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("usage"); return 0; }
EOF
cc -O2 "$tmp/hello.c" -o "$tmp/hello" 2>/dev/null
nolibs=$(ldd "$ir" | grep -c '=>')
row "interface-reconfigure --help ($nolibs shared libraries)" "$(time21 "$ir" --help)" ""
[ -x "$tmp/hello" ] && row "libc-only program" "$(time21 "$tmp/hello")" ""
# What each library set costs a program that does nothing (constructors, mapping, relocation).
for lib in libcurl libxml-2.0; do
    # shellcheck disable=SC2046 # pkg-config prints a list of flags.
    if cc -O2 "$tmp/hello.c" -Wl,--no-as-needed $(pkg-config --libs $lib) -o "$tmp/hello-$lib" \
        2>/dev/null; then
        n=$(ldd "$tmp/hello-$lib" | grep -c '=>')
        row "libc-only program + $lib ($n libraries)" "$(time21 "$tmp/hello-$lib")" ""
    fi
done
# The same objects linked without --as-needed: every library of the build's pkg-config list.
pkgs="libxml-2.0 libcurl libmicrohttpd jansson libnl-3.0 libnl-route-3.0 libnl-genl-3.0 xenstore"
objs=("$build/obj/libexec/interface-reconfigure/main.o" "$build/liblibexec-interface-reconfigure.a"
    "$build/libxapi.a" "$build/libxvs.a")
# shellcheck disable=SC2046,SC2086 # pkg-config prints a list of flags; pkgs is a list.
if cc "${objs[@]}" $(pkg-config --libs $pkgs) -o "$tmp/ir-no-as-needed" 2>"$tmp/link.log"; then
    n=$(ldd "$tmp/ir-no-as-needed" | grep -c '=>')
    row "same, linked without --as-needed ($n libraries)" "$(time21 "$tmp/ir-no-as-needed" --help)" ""
else
    note "scratch link failed: $(tail -1 "$tmp/link.log")"
fi
