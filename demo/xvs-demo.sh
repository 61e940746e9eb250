#!/usr/bin/env bash
# make demo: a whole simulated XenServer host on this Linux box (issue 6).
#
# A sandbox host (a root folder and a dom0 network namespace) with three
# physical NICs (veths to upstream namespaces: eth0 to "lan" holding
# 10.80.0.1/24, eth1 and eth2 to "trunk"); the boot sequence (init.d/openvswitch,
# management-interface from the dbcache while XAPI is down, the XAPI
# simulator, the openvswitch-cfg-update plugin through host.call_plugin,
# ovs-xapi-sync); then, with xe: a VLAN network, a bond, three VMs (two on
# xenbr0, one on the VLAN) that ping each other and the upstream, a VIF locked
# to its address dropping spoofed frames; the switch state; a timeline of
# each step with its duration; and the teardown.
#
# Usage: demo/xvs-demo.sh [--quick] [--keep] [BUILD_DIR]
#   --quick  no pauses between steps (make check runs it so)
#   --keep   leave the host up and print how to use it (make demo KEEP=1)
# Env: DEMO_PAUSE (seconds between steps, default 1), DEMO_SWITCH=stock (the
# only switch daemon for now: stock ovs-vswitchd, with xvs-dbd as its database;
# DEMO_DB=stock uses stock ovsdb-server instead).
# Exit status: 0 when every step passed, 1 otherwise.  Needs root.
set -u

quick='' keep=''
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --keep) keep=1 ;;
    -h | --help)
        sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "xvs-demo: unknown option $1" >&2
        exit 2
        ;;
    *) break ;;
    esac
    shift
done
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd) || exit 2
bin=$build/bin tools=$build/tests libexec=$build/libexec plugins=$build/plugins
pause=${DEMO_PAUSE:-1}
[ -n "$quick" ] && pause=0
py=/usr/bin/python3

if [ "$(id -u)" != 0 ]; then
    echo "xvs-demo: needs root (network namespaces)" >&2
    exit 1
fi
for p in "$bin/xvs-dbd" "$bin/xvs-vsctl" "$bin/xvs-ofctl" "$bin/xvs-xapi-sim" "$bin/xe" \
    "$bin/xvs-xenstored" "$tools/xvs-sandbox" "$libexec/interface-reconfigure" "$libexec/vif" \
    "$libexec/setup-vif-rules" "$libexec/ovs-xapi-sync" "$plugins/openvswitch-cfg-update"; do
    if [ ! -x "$p" ]; then
        echo "xvs-demo: $p is not built (run make)" >&2
        exit 1
    fi
done
for t in ovsdb-server ovs-vswitchd ovsdb-tool; do
    if ! command -v $t >/dev/null; then
        echo "xvs-demo: stock Open vSwitch ($t) is needed for the switch daemon (make deps)" >&2
        exit 1
    fi
done

name=demo$$
# A kept host must outlive this script: its owner is then init, so it is never
# reaped as stale and is torn down by name.
owner=$$
[ -n "$keep" ] && owner=1
tmp=$(mktemp -d /tmp/xvs-demo.XXXXXX)
root='' dom0='' lan='' trunk=''
ns_prefix="xvsdemo$$-"
failures=0
timeline=()
t_start=$(date +%s%N)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { printf '   %s\n' "$*"; }
# step NAME COMMAND...: runs one step, times it, records it in the timeline.
step() {
    local label=$1 t0 t1 rc
    shift
    say "$label"
    t0=$(date +%s%N)
    "$@"
    rc=$?
    t1=$(date +%s%N)
    timeline+=("$(printf '%-52s %8.1f ms  %s' "$label" "$(((t1 - t0) / 10000))e-2" \
        "$([ $rc = 0 ] && echo ok || echo FAILED)")")
    if [ $rc != 0 ]; then
        failures=$((failures + 1))
        printf '   \033[31mstep failed: %s\033[0m\n' "$label"
    fi
    [ "$pause" != 0 ] && sleep "$pause"
    return $rc
}

d0() { ip netns exec "$dom0" "$@"; }
# The simulator runs with dom0's network namespace but the host's mounts, so the guest
# namespaces it makes are visible to everyone (ip netns exec would give it private mounts).
d0_nsenter() { nsenter --net="/run/netns/$dom0" "$@"; }
xe() { XVS_ROOT=$root "$bin/xe" "$@"; }
vsctl() { d0 "$bin/xvs-vsctl" --root-prefix="$root/" --timeout=10 "$@"; }
guest() { # VM-name command...
    local vm=$1
    shift
    ip netns exec "$ns_prefix$vm" "$@"
}
initd() { d0 env XVS_ROOT="$root" XVS_LIBEXEC="$libexec" sh "$src/init.d/$1" "$2" >>"$tmp/initd.log" 2>&1; }

# shellcheck disable=SC2317 # Called by the EXIT trap.
teardown() {
    local f
    [ -n "$root" ] || return 0
    for vm in vm1 vm2 vm3; do
        [ -n "${VM[$vm]:-}" ] && xe vm-shutdown uuid="${VM[$vm]}" force=true >/dev/null 2>&1
    done
    for f in "$tmp/sim.pid" "$tmp/xsd.pid"; do
        [ -r "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    initd openvswitch stop
    for f in "$root"/var/run/openvswitch/*.pid; do
        [ -r "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    "$tools/xvs-sandbox" --owner $owner destroy "$name" >/dev/null 2>&1
    for ns in $(ip netns list | awk '{print $1}' | grep "^$ns_prefix"); do
        ip netns delete "$ns" 2>/dev/null
    done
    rm -rf "$tmp"
    root=''
}

declare -A VM VIF

# ---- the host ------------------------------------------------------------------------------

make_host() {
    local out
    out=$("$tools/xvs-sandbox" --owner $owner create "$name") || return 1
    eval "$out"
    root=$XVS_ROOT dom0=$DOM0_NS
    out=$("$tools/xvs-sandbox" --owner $owner nic "$name" eth0 lan --mac 02:16:3e:80:00:10 \
        --ip 10.80.0.1/24) || return 1
    eval "$out"
    lan=$UPSTREAM_NS
    for n in 1 2; do
        out=$("$tools/xvs-sandbox" --owner $owner nic "$name" eth$n trunk --mac 02:16:3e:80:00:1$n) ||
            return 1
        eval "$out"
    done
    trunk=$UPSTREAM_NS
    ip netns exec "$lan" ethtool -K eth0 tx off >/dev/null 2>&1
    mkdir -p "$root/etc/xensource" "$root/etc/sysconfig" "$root/var/xapi" "$root/var/lib/xcp" \
        "$root/etc/xapi.d/plugins" "$root/var/run/openvswitch"
    cat >"$root/etc/xensource-inventory" <<EOF
INSTALLATION_UUID='d5000000-0000-4000-8000-000000000001'
MANAGEMENT_INTERFACE='xenbr0'
CURRENT_INTERFACES='xenbr0'
PRODUCT_BRAND='XCP-ng'
PRODUCT_VERSION='8.3.0'
BUILD_NUMBER='xvs-demo'
EOF
    echo openvswitch >"$root/etc/xensource/network.conf"
    cat >"$root/etc/sysconfig/openvswitch" <<EOF
XVS_DB=${DEMO_DB:-xvs}
XVS_SWITCHD=stock
XVS_BINDIR=$bin
XVS_LIBEXEC=$libexec
XVS_DATAPATH_TYPE=netdev
EOF
    cp "$src/demo/demo-host.dbcache" "$root/var/xapi/network.dbcache"
    ln -s "$plugins/openvswitch-cfg-update" "$root/etc/xapi.d/plugins/openvswitch-cfg-update"
    # XAPI calls it by its successor's name after a controller change, as make install links it.
    ln -s openvswitch-cfg-update "$root/etc/xapi.d/plugins/openvswitch-config-update"
    info "root $root, dom0 namespace $dom0, upstream namespaces $lan and $trunk"
}

# ---- the boot sequence ---------------------------------------------------------------------

boot_switch() {
    initd openvswitch start || { tail -5 "$tmp/initd.log"; return 1; }
    initd openvswitch status && tail -3 "$tmp/initd.log" | sed 's/^/   /'
}

boot_management() {
    initd management-interface start || { tail -5 "$tmp/initd.log"; return 1; }
    info "xenbr0: $(d0 ip -4 -o addr show dev xenbr0 | awk '{print $4}')"
    ip netns exec "$lan" ping -c2 -W2 10.80.0.10 | sed -n '1p;$p' | sed 's/^/   /'
    [ "${PIPESTATUS[0]}" = 0 ]
}

boot_xapi() {
    "$bin/xvs-xenstored" --root-prefix "$root" --pidfile "$tmp/xsd.pid" --detach --no-syslog ||
        return 1
    d0_nsenter env XVS_ROOT="$root" "$bin/xvs-xapi-sim" --root-prefix "$root" \
        --dbcache "$root/var/xapi/network.dbcache" --libexec "$libexec" --plugins "$plugins" \
        --guest-ns-prefix "$ns_prefix" --pidfile "$tmp/sim.pid" --detach --no-syslog \
        2>>"$tmp/sim.log" || { tail -3 "$tmp/sim.log"; return 1; }
    HOST=$(xe host-list --minimal 2>/dev/null || true)
    [ -n "$HOST" ] || HOST=$(XVS_ROOT=$root "$tools/xvs-xapi-call" --root-prefix "$root" \
        host.get_all 2>/dev/null | tr -d '[]" ' | cut -d, -f1 | xargs -r -I{} \
        "$tools/xvs-xapi-call" --root-prefix "$root" host.get_uuid {} 2>/dev/null)
    info "XAPI up, host $HOST"
    [ -n "$HOST" ]
}

boot_plugin() {
    local out
    out=$(xe host-call-plugin host-uuid="$HOST" plugin=openvswitch-cfg-update fn=update) || {
        echo "$out"
        return 1
    }
    info "openvswitch-cfg-update update: $out"
}

boot_xapi_sync() {
    local bid
    touch "$root/var/run/xapi_init_complete.cookie"
    for _ in $(seq 50); do
        bid=$(vsctl --if-exists get Bridge xenbr0 external_ids:bridge-id 2>/dev/null | tr -d '"')
        [ -n "$bid" ] && break
        sleep 0.1
    done
    info "ovs-xapi-sync set xenbr0 bridge-id=$bid"
    [ -n "$bid" ]
}

# ---- networks with xe ----------------------------------------------------------------------

pif_of() { xe pif-list device="$1" VLAN=-1 --minimal; }

make_vlan() {
    VLAN_NET=$(xe network-create name-label="VLAN 10") || return 1
    xe vlan-create network-uuid="$VLAN_NET" pif-uuid="$(pif_of eth0)" vlan=10 >/dev/null || return 1
    VLAN_BR=$(xe network-param-get uuid="$VLAN_NET" param-name=bridge) || return 1
    info "network $VLAN_NET on fake bridge $VLAN_BR (VLAN 10 of xenbr0)"
    vsctl br-to-vlan "$VLAN_BR" | sed 's/^/   br-to-vlan: /'
}

make_bond() {
    local net pifs
    net=$(xe network-create name-label="Bond of eth1+eth2") || return 1
    pifs="$(pif_of eth1),$(pif_of eth2)"
    xe bond-create network-uuid="$net" pif-uuids="$pifs" mode=balance-slb >/dev/null || return 1
    BOND_BR=$(xe network-param-get uuid="$net" param-name=bridge) || return 1
    info "bond on bridge $BOND_BR: $(vsctl list-ports "$BOND_BR" | tr '\n' ' ')"
    vsctl get Port bond0 bond_mode 2>/dev/null | sed 's/^/   bond_mode: /'
}

# ---- VMs -----------------------------------------------------------------------------------

make_vm() { # name network-uuid mac ip
    local vm=$1
    VM[$vm]=$(xe vm-create name-label="$vm") || return 1
    VIF[$vm]=$(xe vif-create vm-uuid="${VM[$vm]}" network-uuid="$2" device=0 mac="$3") || return 1
    xe vm-start uuid="${VM[$vm]}" || return 1
    guest "$vm" ip addr add "$4/24" dev eth0 || return 1
    guest "$vm" ip addr add "fd80::${4##*.}/64" dev eth0 nodad || return 1
    guest "$vm" ethtool -K eth0 tx off >/dev/null 2>&1
    info "$vm: VIF ${VIF[$vm]}, $(vsctl --columns=name list Interface 2>/dev/null | grep -c vif) VIFs on the switch, $4"
}

start_vms() {
    local xenbr0
    xenbr0=$(xe network-list bridge=xenbr0 --minimal) || return 1
    make_vm vm1 "$xenbr0" 02:16:3e:00:01:01 10.80.0.21 &&
        make_vm vm2 "$xenbr0" 02:16:3e:00:01:02 10.80.0.22 &&
        make_vm vm3 "$VLAN_NET" 02:16:3e:00:01:03 10.80.0.23
}

ping_ok() { # from-vm address
    guest "$1" ping -c2 -W2 "$2" >/dev/null 2>&1
}

pings() {
    local ok=0
    for pair in vm1:10.80.0.22 vm2:10.80.0.21 vm1:10.80.0.1 vm2:10.80.0.10; do
        if ping_ok "${pair%%:*}" "${pair#*:}"; then
            info "${pair%%:*} -> ${pair#*:}: replies"
        else
            info "${pair%%:*} -> ${pair#*:}: NO REPLY"
            ok=1
        fi
    done
    # vm3 sits on VLAN 10: it must not reach the untagged VMs.
    if ping_ok vm3 10.80.0.21; then
        info "vm3 (VLAN 10) -> vm1: replies, but must not"
        ok=1
    else
        info "vm3 (VLAN 10) -> vm1: no reply (VLAN isolation)"
    fi
    return $ok
}

# vm2 is locked to its addresses; every kind of frame of tests/integration/vif_spoof.py
# (allowed ones, and spoofed MAC, IPv4, ARP, RA, NS/NA, redirect...) is sent from vm2 and
# counted at vm1, which must see exactly the allowed ones.
locked_vif() {
    local spoof=$src/tests/integration/vif_spoof.py n=5 ok=0 c expect s r
    xe vif-param-set uuid="${VIF[vm2]}" locking-mode=locked ipv4-allowed=10.80.0.22 \
        ipv6-allowed=fd80::22 || return 1
    info "$(d0 "$bin/xvs-ofctl" --root-prefix="$root" dump-flows xenbr0 cookie=1/-1 2>/dev/null |
        grep -c priority) cookie=1 rules on xenbr0 for vm2"
    rm -f "$tmp/ready" "$tmp/stop"
    guest vm1 ip link set eth0 promisc on
    guest vm1 "$py" "$spoof" recv eth0 "$tmp/ready" "$tmp/stop" "$tmp/recv" 60 2>"$tmp/recv.err" &
    local receiver=$!
    for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
    guest vm2 "$py" "$spoof" send eth0 $n 02:16:3e:00:01:02 10.80.0.22 fd80::22 \
        02:16:3e:00:09:99 10.80.0.99 fd80::99 02:16:3e:00:01:01 10.80.0.21 fd80::21 \
        >"$tmp/sent" 2>"$tmp/send.err"
    sleep 1
    touch "$tmp/stop"
    wait $receiver
    guest vm1 ip link set eth0 promisc off
    printf '   %-22s %-6s %s\n' "frame from vm2" expect "received at vm1"
    while read -r c expect; do
        s=$(awk -v c="$c" '$1 == c { print $2 }' "$tmp/sent")
        r=$(awk -v c="$c" '$1 == c { print $2 }' "$tmp/recv" 2>/dev/null)
        printf '   %-22s %-6s %s of %s\n' "$c" "$expect" "${r:-?}" "${s:-?}"
        if [ "$expect" = drop ] && [ "${r:-1}" != 0 ]; then ok=1; fi
        if [ "$expect" = pass ] && [ "${r:-0}" != "${s:-x}" ]; then ok=1; fi
    done < <("$py" "$spoof" cases)
    return $ok
}

show_switch() {
    vsctl show | sed 's/^/   /'
    say "flows of xenbr0"
    d0 "$bin/xvs-ofctl" --root-prefix="$root" dump-flows xenbr0 | sed 's/^/   /'
}

print_timeline() {
    local t_end
    t_end=$(date +%s%N)
    say "timeline"
    printf '   %s\n' "${timeline[@]}"
    printf '   %-52s %8.1f ms\n' "total" "$(((t_end - t_start) / 10000))e-2"
}

trap teardown EXIT
trap 'exit 130' INT TERM

step "sandbox host with eth0, eth1, eth2" make_host || exit 1
step "boot: init.d/openvswitch start" boot_switch
step "boot: management-interface start (XAPI down)" boot_management
step "boot: XAPI (xvs-xapi-sim) starts" boot_xapi || exit 1
step "boot: openvswitch-cfg-update via host.call_plugin" boot_plugin
step "boot: ovs-xapi-sync fills the bridge ids" boot_xapi_sync
step "xe: VLAN 10 network on eth0" make_vlan
step "xe: bond of eth1 and eth2" make_bond
step "xe: three VMs started (two on xenbr0, one on VLAN 10)" start_vms
step "VMs ping each other and the upstream" pings
step "a locked VIF drops spoofed frames" locked_vif
step "switch state" show_switch
print_timeline

if [ -n "$keep" ]; then
    trap - EXIT
    cat >"$tmp/teardown.sh" <<EOF
#!/bin/sh
# Tears down the demo host $name (written by demo/xvs-demo.sh --keep).
for vm in $(printf '%s ' "${VM[@]}"); do
    XVS_ROOT=$root $bin/xe vm-shutdown uuid=\$vm force=true >/dev/null 2>&1
done
kill \$(cat $tmp/sim.pid $tmp/xsd.pid) 2>/dev/null
ip netns exec $dom0 env XVS_ROOT=$root sh $src/init.d/openvswitch stop
$tools/xvs-sandbox --owner $owner destroy $name
for ns in \$(ip netns list | awk '{print \$1}' | grep '^$ns_prefix'); do ip netns delete \$ns; done
rm -rf $tmp
EOF
    say "the host stays up"
    cat <<EOF
   export XVS_ROOT=$root
   $bin/xe vm-list                       # the simulator's VMs
   $bin/xe pif-list params=device,IP,currently-attached
   ip netns exec $dom0 $bin/xvs-vsctl --root-prefix=$root show
   ip netns exec $dom0 $bin/xvs-ofctl --root-prefix=$root dump-flows xenbr0
   ip netns exec ${ns_prefix}vm1 ping 10.80.0.22
   Tear it down with: sh $tmp/teardown.sh
EOF
    exit $((failures > 0))
fi
say "teardown"
teardown
if [ $failures -gt 0 ]; then
    echo "xvs-demo: $failures step(s) failed"
    exit 1
fi
echo "xvs-demo: every step passed"
