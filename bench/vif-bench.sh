#!/usr/bin/env bash
# VIF plug and unplug, ours against the original way, on the same stock Open
# vSwitch in the same run (issue 4): N = 10, 100, 1000 VIFs, each in locked
# mode with one IPv4 and one IPv6 address (19 flows per VIF, spec §3.1).
#
#   ours:     per VIF `vif online type_if=vif` (xenstore, link settings, our
#             setup-vif-rules: one OVSDB transaction, one OpenFlow batch),
#             later `vif remove`.
#   original: per VIF one `ovs-vsctl --timeout=30 -- --if-exists del-port X
#             -- add-port xenbr0 X -- set interface X external-ids:...`, one
#             `ovs-vsctl get interface X ofport` (as setup-vif-rules reads
#             it), and one `ovs-ofctl add-flow` process per §3.1 rule; unplug
#             is `ovs-ofctl del-flows` plus `ovs-vsctl del-port`.  Only the
#             OVS part of the original scripts is timed (no xenstore, no ip
#             link), so the comparison favours the original.
#
# The VIFs are tap devices in a sandbox dom0 namespace (no guests), made
# just before the first round that uses them.  Every call is timed on its own
# (wall clock, process start included); the table shows per-VIF medians and
# totals.  After each plug round the bench checks
# that N ports and 19*N cookie=1 flows are there, and after each unplug that
# none are left, so a fast wrong answer cannot pass for a result.
#
# The switch's floor: with N ports on the bridge, stock ovs-vswitchd itself
# needs some time to apply one port addition (reconfigure, open the device,
# add it to the datapath), and any plug that waits for the port to be in the
# switch before bringing its link up -- the original's ovs-vsctl and ours --
# pays it.  After each plug round the bench measures it on a spare tap device
# with stock ovs-vsctl only: `add-port` (waits for the switch) minus
# `--no-wait add-port` (does not), median of 11, and prints it beside the
# figures, so the part of each plug that is the switch's own work is known.
#
# Usage: bench/vif-bench.sh [BUILD_DIR]   (needs root; never part of make check)
# Env: VIF_BENCH_MAX caps N (e.g. 100 skips the 1,000 round);
#      VIF_BENCH_SIZES overrides the list of N ("10 100 1000").
set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$self")/.." || exit 1
build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac

# ---- inner mode: one timed round, run inside the dom0 namespace ------------------------------

# The §3.1 locked-mode rules for ofport P, MAC M, one IPv4 A and one IPv6 B.
vif_rules() {
    local p=$1 m=$2 a=$3 b=$4 t
    echo "in_port=$p,priority=8000,dl_type=0x0800,nw_proto=0x11,tp_dst=67,dl_src=$m,idle_timeout=0,action=normal"
    echo "in_port=$p,priority=7000,dl_type=0x0806,dl_src=$m,arp_sha=$m,nw_src=0.0.0.0,idle_timeout=0,action=normal"
    echo "in_port=$p,priority=7000,dl_type=0x0806,dl_src=$m,arp_sha=$m,nw_src=$a,idle_timeout=0,action=normal"
    echo "in_port=$p,priority=6000,dl_type=0x0800,nw_src=$a,dl_src=$m,idle_timeout=0,action=normal"
    echo "in_port=$p,priority=8000,dl_src=$m,icmp6,ipv6_src=$b,icmp_type=135,nd_sll=$m,idle_timeout=0,action=normal"
    echo "in_port=$p,priority=8000,dl_src=$m,icmp6,ipv6_src=$b,icmp_type=136,nd_target=$b,idle_timeout=0,action=normal"
    for t in icmp6 tcp6 udp6; do
        echo "in_port=$p,priority=5000,dl_src=$m,ipv6_src=$b,$t,action=normal"
    done
    echo "in_port=$p,priority=7000,icmp6,icmp_type=135,action=drop"
    echo "in_port=$p,priority=7000,icmp6,icmp_type=136,action=drop"
    for t in 134 137 146 147 151 152 153; do
        echo "in_port=$p,priority=6000,icmp6,icmp_type=$t,action=drop"
    done
    echo "in_port=$p,priority=4000,idle_timeout=0,action=drop"
}
vif_mac() { printf '00:16:3e:%02x:%02x:%02x' $(($1 >> 16)) $((($1 >> 8) & 255)) $(($1 & 255)); }
vif_ip4() { echo "10.$(($1 >> 16)).$((($1 >> 8) & 255)).$(($1 & 255))"; }
vif_ip6() { printf 'fd00::%x' "$1"; }
vm_uuid() { printf '%08x-0000-4000-8000-%012x' "$1" "$1"; }

# Prints one elapsed time in microseconds per VIF, "FAIL i" lines on errors.
inner() { # mode first n
    local mode=$1 first=$2 n=$3 i t0 t1 dev p r
    for ((i = first; i < first + n; i++)); do
        dev=vif$i.0
        case $mode in
        ours-plug | ours-unplug)
            local action=online
            [ "$mode" = ours-unplug ] && action=remove
            t0=$EPOCHREALTIME
            XENBUS_PATH=backend/vif/$i/0 "$VB_VIF" --root-prefix="$VB_ROOT" --no-syslog \
                "$action" type_if=vif >>"$VB_TMP/ours.log" 2>&1 || echo "FAIL $i"
            t1=$EPOCHREALTIME
            ;;
        orig-plug)
            vif_rules PORT "$(vif_mac "$i")" "$(vif_ip4 "$i")" "$(vif_ip6 "$i")" >"$VB_TMP/rules.$i"
            t0=$EPOCHREALTIME
            ovs-vsctl --timeout=30 -- --if-exists del-port "$dev" -- add-port xenbr0 "$dev" \
                -- set interface "$dev" external-ids:"xs-vm-uuid"="$(vm_uuid "$i")" \
                -- set interface "$dev" external-ids:"xs-vif-uuid"="$(vm_uuid "$((i + 100000))")" \
                -- set interface "$dev" external-ids:"xs-network-uuid"="$VB_NET" \
                -- set interface "$dev" external-ids:"attached-mac"="$(vif_mac "$i")" || echo "FAIL $i"
            p=$(ovs-vsctl --timeout=30 get interface "$dev" ofport) || echo "FAIL $i"
            while read -r r; do
                ovs-ofctl add-flow xenbr0 "cookie=1,${r/PORT/$p}" || echo "FAIL $i"
            done <"$VB_TMP/rules.$i"
            t1=$EPOCHREALTIME
            echo "$p" >"$VB_TMP/ofport.$i"
            ;;
        orig-unplug)
            p=$(cat "$VB_TMP/ofport.$i")
            t0=$EPOCHREALTIME
            ovs-ofctl del-flows xenbr0 "in_port=$p,cookie=1/-1" || echo "FAIL $i"
            ovs-vsctl --timeout=30 -- --if-exists del-port "$dev" || echo "FAIL $i"
            t1=$EPOCHREALTIME
            ;;
        esac
        echo $((${t1/./} - ${t0/./}))
    done
}
if [ "${1:-}" = __inner ]; then
    inner "$2" "$3" "$4"
    exit 0
fi

# ---- set-up ------------------------------------------------------------------------------------

note() { echo "vif-bench: $*"; }
if [ "$(id -u)" != 0 ]; then
    note "needs root (network namespaces); skipped"
    exit 0
fi
for c in ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovsdb-tool xenstore-write; do
    command -v "$c" >/dev/null 2>&1 || { note "$c is not installed; skipped"; exit 0; }
done
sandbox=$build/tests/xvs-sandbox xsd=$build/bin/xvs-xenstored
vif=$build/libexec/vif svr=$build/libexec/setup-vif-rules
if [ ! -x "$sandbox" ] || [ ! -x "$xsd" ]; then
    note "$sandbox or $xsd not built; skipped"
    exit 0
fi
ours=1
if [ ! -x "$vif" ] || [ ! -x "$svr" ]; then
    note "$vif or $svr not built: measuring the original way only"
    ours=0
fi
sizes=${VIF_BENCH_SIZES:-10 100 1000}
max=${VIF_BENCH_MAX:-1000000}

tmp=$(mktemp -d /tmp/xvs-vif-bench.XXXXXX)
host=vifbench root='' rundir='' xsd_pid=''
# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    local f p
    for f in "$rundir/ovs-vswitchd.pid" "$rundir/ovsdb-server.pid"; do
        [ -n "$rundir" ] && [ -s "$f" ] && p=$(cat "$f") && kill "$p" 2>/dev/null &&
            for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    [ -n "$xsd_pid" ] && kill "$xsd_pid" 2>/dev/null
    [ -n "$root" ] && "$sandbox" --owner $$ destroy "$host" 2>/dev/null
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { note "$*"; exit 1; }

out=$("$sandbox" --owner $$ create "$host") || die "xvs-sandbox create failed"
eval "$out"
root=$XVS_ROOT dom0=$DOM0_NS rundir=$XVS_ROOT/var/run/openvswitch
export OVS_RUNDIR=$rundir OVS_DBDIR=$rundir OVS_LOGDIR=$rundir
export XENSTORED_PATH=$root/var/run/xenstored/socket
ip netns exec "$dom0" "$xsd" --root-prefix "$root" --detach --no-syslog --pidfile "$tmp/xsd.pid" 2>"$tmp/xsd.log" ||
    die "xvs-xenstored did not start: $(cat "$tmp/xsd.log")"
xsd_pid=$(cat "$tmp/xsd.pid")
# shellcheck disable=SC2015 # die exits, whichever step failed.
ovsdb-tool create "$rundir/conf.db" /usr/share/openvswitch/vswitch.ovsschema &&
    ip netns exec "$dom0" ovsdb-server "$rundir/conf.db" --remote="punix:$rundir/db.sock" \
        --pidfile="$rundir/ovsdb-server.pid" --detach --no-chdir \
        --log-file="$rundir/ovsdb-server.log" 2>/dev/null &&
    ovs-vsctl --no-wait init &&
    ip netns exec "$dom0" ovs-vswitchd "unix:$rundir/db.sock" --pidfile="$rundir/ovs-vswitchd.pid" \
        --detach --no-chdir --log-file="$rundir/ovs-vswitchd.log" 2>/dev/null &&
    ovs-vsctl --timeout=30 add-br xenbr0 -- set Bridge xenbr0 datapath_type=netdev ||
    die "stock Open vSwitch did not start"
mkdir -p "$root/etc/xensource" && echo openvswitch >"$root/etc/xensource/network.conf"

# The VIFs: tap devices in dom0, and what xapi/xenopsd write for each (spec §2.5, §3.1).
total=0
for n in $sizes; do [ "$n" -le "$max" ] && [ "$n" -gt "$total" ] && total=$n; done
[ "$total" -gt 0 ] || die "no size left under VIF_BENCH_MAX=$max"
VB_NET=0e0e0e0e-0000-4000-8000-000000000000
# The taps of a round are made just before it, so that a round of N runs with N VIF devices
# in dom0 as a host with N VIFs has (the switch daemon slows down with every device in its
# namespace, on the bridge or not).
made=0
make_taps() { # n
    local i
    for ((i = made + 1; i <= $1; i++)); do echo "tuntap add dev vif$i.0 mode tap"; done >"$tmp/links"
    [ "$made" -gt 0 ] || echo "tuntap add dev floor0 mode tap" >>"$tmp/links"
    ip -n "$dom0" -batch "$tmp/links" || die "cannot make tap devices up to vif$1.0"
    made=$1
}
keys=()
flush_keys() {
    [ ${#keys[@]} -eq 0 ] || xenstore-write "${keys[@]}" || die "xenstore-write failed"
    keys=()
}
for ((i = 1; i <= total; i++)); do
    u=$(vm_uuid "$i") vu=$(vm_uuid $((i + 100000))) mac=$(vif_mac "$i")
    p=/xapi/$u/private/vif/0 be=/local/domain/0/backend/vif/$i/0
    keys+=(/local/domain/"$i"/vm /vm/"$u" /vm/"$u"/uuid "$u"
        /local/domain/"$i"/device/vif/0/mac "$mac" "$be"/mac "$mac" "$be"/bridge xenbr0
        "$be"/handle 0 "$be"/frontend-id "$i" "$be"/online 1
        "$p"/bridge xenbr0 "$p"/bridge-MAC fe:ff:ff:ff:ff:ff "$p"/MTU 1500 "$p"/network-uuid "$VB_NET"
        "$p"/vif-uuid "$vu" "$p"/setup-vif-rules "$svr" "$p"/xenopsd-backend classic "$p"/trunks ""
        "$p"/locking-mode locked "$p"/ipv4-allowed "$(vif_ip4 "$i")" "$p"/ipv6-allowed "$(vif_ip6 "$i")")
    [ $((i % 40)) -eq 0 ] && flush_keys
    d=$root/var/run/nonpersistent/xenopsd/classic/VM/$u
    mkdir -p "$d"
    printf '{"id": ["%s", "0"], "position": 0, "mac": "%s", "carrier": true, "mtu": 1500, "rate": null, "backend": ["Local", "xenbr0"], "other_config": {}, "locking_mode": ["Locked", {"ipv4": ["%s"], "ipv6": ["%s"]}], "extra_private_keys": {"vif-uuid": "%s", "network-uuid": "%s"}}\n' \
        "$u" "$mac" "$(vif_ip4 "$i")" "$(vif_ip6 "$i")" "$vu" "$VB_NET" >"$d/vif.0"
done
flush_keys

# ---- rounds ------------------------------------------------------------------------------------

# Runs one round inside dom0; leaves the per-VIF times (µs) in $tmp/MODE.N and checks the result.
round() { # mode n
    ip netns exec "$dom0" env VB_VIF="$vif" VB_ROOT="$root" VB_TMP="$tmp" VB_NET="$VB_NET" \
        bash "$self" __inner "$1" 1 "$2" >"$tmp/$1.$2.raw" ||
        die "$1 round of $2 failed"
    grep -v '^FAIL' "$tmp/$1.$2.raw" >"$tmp/$1.$2"
    if grep -q '^FAIL' "$tmp/$1.$2.raw"; then
        note "$1 N=$2: $(grep -c '^FAIL' "$tmp/$1.$2.raw") calls failed, e.g. VIF $(grep -m1 '^FAIL' "$tmp/$1.$2.raw" | cut -d' ' -f2)"
        [ -s "$tmp/ours.log" ] && note "last output of vif: $(tail -n 3 "$tmp/ours.log" | tr '\n' '|')"
        bad=1
    fi
    local ports flows want_p=0 want_f=0
    ports=$(ovs-vsctl list-ports xenbr0 | wc -l)
    flows=$(ovs-ofctl -O OpenFlow13 dump-flows xenbr0 cookie=1/-1 | grep -c 'cookie=0x1,')
    case $1 in *-plug) want_p=$2 want_f=$((19 * $2)) ;; esac
    if [ "$ports" != "$want_p" ] || [ "$flows" != "$want_f" ]; then
        note "$1 N=$2: $ports ports and $flows cookie=1 flows on xenbr0, want $want_p and $want_f"
        bad=1
    fi
}
# The switch's own time to apply one port addition with N ports on the bridge (see the top).
floor_round() { # n
    local k t0 t1 t2 t3
    for ((k = 0; k < 11; k++)); do
        t0=$EPOCHREALTIME
        ovs-vsctl --timeout=30 add-port xenbr0 floor0 || return 1
        t1=$EPOCHREALTIME
        ovs-vsctl --timeout=30 del-port floor0 || return 1
        t2=$EPOCHREALTIME
        ovs-vsctl --timeout=30 --no-wait add-port xenbr0 floor0 || return 1
        t3=$EPOCHREALTIME
        # A waiting del-port also waits for the no-wait add before it.
        ovs-vsctl --timeout=30 del-port floor0 || return 1
        echo $(((${t1/./} - ${t0/./}) - (${t3/./} - ${t2/./})))
    done >"$tmp/floor.$1"
}
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
sum() { awk '{ s += $1 } END { print s + 0 }' "$1"; }

bad=0
note "stock Open vSwitch $(ovs-vswitchd --version | head -n1 | awk '{ print $NF }'), userspace datapath; VIFs are taps"
for n in $sizes; do
    [ "$n" -le "$max" ] || { note "N=$n skipped (VIF_BENCH_MAX=$max)"; continue; }
    [ "$n" -gt "$made" ] && make_taps "$n"
    if [ "$ours" = 1 ]; then
        round ours-plug "$n"
        floor_round "$n" || die "measuring the switch's floor at N=$n failed"
        round ours-unplug "$n"
    fi
    round orig-plug "$n"
    [ "$ours" = 1 ] || floor_round "$n" || die "measuring the switch's floor at N=$n failed"
    round orig-unplug "$n"
    rm -f "$tmp"/rules.* "$tmp"/ofport.*
done

echo
printf '%-6s %-7s %14s %14s %8s %12s %12s\n' N action "ours median" "orig median" ratio "ours total" "orig total"
for n in $sizes; do
    [ "$n" -le "$max" ] || continue
    for a in plug unplug; do
        om=$(median "$tmp/orig-$a.$n") ot=$(sum "$tmp/orig-$a.$n")
        if [ "$ours" = 1 ]; then
            xm=$(median "$tmp/ours-$a.$n") xt=$(sum "$tmp/ours-$a.$n")
        else
            xm=0 xt=0
        fi
        awk -v n="$n" -v a="$a" -v xm="$xm" -v om="$om" -v xt="$xt" -v ot="$ot" 'BEGIN {
            r = xm > 0 ? sprintf("%7.1fx", om / xm) : "    n/a"
            printf "%-6s %-7s %11.2f ms %11.2f ms %8s %10.2f s %10.2f s\n",
                n, a, xm / 1000, om / 1000, r, xt / 1e6, ot / 1e6 }'
        [ "$n" = 1000 ] && [ "$a" = plug ] && fig_x=$xm fig_o=$om
    done
done
echo
printf '%-6s %s\n' N "the switch's own time to apply one port addition (median of 11)"
for n in $sizes; do
    [ "$n" -le "$max" ] || continue
    fm=$(median "$tmp/floor.$n")
    awk -v n="$n" -v f="$fm" 'BEGIN { printf "%-6s %11.2f ms\n", n, f / 1000 }'
    [ "$n" = 1000 ] && fig_f=$fm
done
if [ -n "${fig_o:-}" ]; then
    echo
    awk -v x="${fig_x:-0}" -v o="$fig_o" -v f="${fig_f:-0}" 'BEGIN {
        if (x > 0) printf "per-VIF median at 1,000 ports (plug): ours %.2f ms, original %.2f ms, speed-up %.1fx (goal: 20x)\n", x / 1000, o / 1000, o / x
        else printf "per-VIF median at 1,000 ports (plug): original %.2f ms (ours not built)\n", o / 1000
        if (f > 0) printf "20x would be %.2f ms per VIF; the switch alone needs %.2f ms to apply one port addition at 1,000 ports\n", o / 20000, f / 1000 }'
fi
echo "(ours: the whole vif online/remove; original: its OVS commands only, xenstore and ip link not timed)"
[ "$bad" = 0 ] || note "SOME ROUNDS WERE WRONG: see the notes above; their figures are not valid"
exit "$bad"
