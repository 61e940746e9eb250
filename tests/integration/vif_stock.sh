#!/usr/bin/env bash
# The VIF wiring of issue 4 end to end, against stock Open vSwitch: a sandbox
# host (xvs-sandbox: a root folder, a dom0 namespace and three guests joined
# to it by veths named like Xen VIFs), xvs-xenstored in that root, stock
# ovsdb-server and ovs-vswitchd (userspace datapath) inside dom0.  The test
# writes the xenstore keys and xenopsd JSON files xapi/xenopsd would (spec
# §2.5, §3.1), runs `vif online` the way udev does, and checks the port, its
# external-ids, the hotplug keys, the locked-mode flows (§3.1) and, with
# frames crafted by python3-scapy in a guest and counted in another guest,
# that locking drops spoofed traffic and passes the allowed kinds.  Then
# `setup-vif-rules clear`, --dry-run and `vif remove`.
#
# Prints PASS:/FAIL:/SKIP: lines.  Env: XVS_SRC (repo root), XVS_BUILD (build
# folder; libexec/vif and libexec/setup-vif-rules are taken from it), XVS_BIN
# (xvs-xenstored), XVS_TOOLS (xvs-sandbox); VIF_TEST_KEEP=1 keeps the scratch
# folder (outputs, flow dumps, frame counts) for a post-mortem.  VIF_TEST_IMPL=original runs the
# same checks against a shell rendering of the original scripts (stock
# ovs-vsctl, one ovs-ofctl add-flow per rule), which shows that the checks
# themselves hold for the behaviour they describe.
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${XVS_BUILD:-$src/build}
bin=${XVS_BIN:-$build/bin}
tools=${XVS_TOOLS:-$build/tests}
libexec=${XVS_LIBEXEC:-$build/libexec}
impl=${VIF_TEST_IMPL:-xvs}
spoof=$src/tests/integration/vif_spoof.py
py=/usr/bin/python3
frames=${VIF_TEST_FRAMES:-20}

vif=$libexec/vif
svr=$libexec/setup-vif-rules
schema=/usr/share/openvswitch/vswitch.ovsschema
host=viftest

failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }
skip() { echo "SKIP: $1: $2"; }

all_cases="vif-online-g1 vif-online-g2 vif-online-g3 external-ids hotplug-keys link-settings
vlan-tag flows-locked flows-unlocked flows-parent xvs-ofctl-flows ping-xenbr0 ping6-xenbr0 vlan-isolation
lock-spoof lock-allowed unlocked-passes-all dry-run-vif dry-run-rules rules-clear
vif-remove vif-remove-after-clear online-failure"
skip_all() {
    local c
    for c in $all_cases; do skip "$c" "$1"; done
    exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
for c in ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl ovsdb-tool; do
    command -v "$c" >/dev/null 2>&1 || skip_all "stock Open vSwitch is not installed ($c)"
done
[ -f "$schema" ] || skip_all "no $schema"
for c in xenstore-write xenstore-read xenstore-ls xenstore-rm ethtool; do
    command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"
done
ip netns list >/dev/null 2>&1 || skip_all "network namespaces are not available"
have_scapy=1
"$py" -c 'import scapy.all' >/dev/null 2>&1 || have_scapy=0
if [ ! -x "$tools/xvs-sandbox" ] || [ ! -x "$bin/xvs-xenstored" ]; then
    for c in $all_cases; do fail "$c" "xvs-sandbox or xvs-xenstored not built ($tools, $bin)"; done
    exit 1
fi
if [ "$impl" = xvs ] && { [ ! -x "$vif" ] || [ ! -x "$svr" ]; }; then
    for c in $all_cases; do fail "$c" "$vif or $svr not built"; done
    exit 1
fi

tmp=$(mktemp -d /tmp/xvs-vif-test.XXXXXX)
root='' dom0='' rundir='' xsd_pid='' recv_pid=''
# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    local f p
    [ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null
    for f in "$rundir/ovs-vswitchd.pid" "$rundir/ovsdb-server.pid"; do
        [ -n "$rundir" ] && [ -s "$f" ] && p=$(cat "$f") && kill "$p" 2>/dev/null &&
            for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    [ -n "$xsd_pid" ] && kill "$xsd_pid" 2>/dev/null
    [ -n "$root" ] && "$tools/xvs-sandbox" --owner $$ destroy "$host" 2>/dev/null
    if [ -n "${VIF_TEST_KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the host ----------------------------------------------------------------------------------

setup_fail() {
    for c in $all_cases; do fail "$c" "setup: $1"; done
    exit 1
}
out=$("$tools/xvs-sandbox" --owner $$ create "$host" 2>"$tmp/sb.err") || setup_fail "xvs-sandbox create: $(cat "$tmp/sb.err")"
eval "$out"
root=$XVS_ROOT dom0=$DOM0_NS
rundir=$root/var/run/openvswitch
export OVS_RUNDIR=$rundir OVS_DBDIR=$rundir OVS_LOGDIR=$rundir
export XENSTORED_PATH=$root/var/run/xenstored/socket

# Guests: NAME VIF MAC IPV4 IPV6 DOMID DEVID VM-UUID BRIDGE LOCKING
declare -A G_NS G_VIF G_MAC G_IP4 G_IP6 G_DOM G_DEV G_VM G_BR G_LOCK G_VIFU G_NETU
guest_def() {
    G_VIF[$1]=$2 G_MAC[$1]=$3 G_IP4[$1]=$4 G_IP6[$1]=$5 G_DOM[$1]=$6 G_DEV[$1]=$7 G_VM[$1]=$8
    G_BR[$1]=$9 G_LOCK[$1]=${10} G_VIFU[$1]=${11} G_NETU[$1]=${12}
}
guest_def g1 vif1.0 00:16:3e:00:00:01 10.0.0.1 fd00::1 1 0 11111111-0000-4000-8000-000000000001 \
    xenbr0 locked a1a1a1a1-0000-4000-8000-000000000001 0e0e0e0e-0000-4000-8000-000000000000
guest_def g2 vif2.0 00:16:3e:00:00:02 10.0.0.2 fd00::2 2 0 22222222-0000-4000-8000-000000000002 \
    xenbr0 unlocked a2a2a2a2-0000-4000-8000-000000000002 0e0e0e0e-0000-4000-8000-000000000000
# g4 has no guest, only a tap in dom0, and a bridge that does not exist: its plug must fail.
guest_def g4 vif4.0 00:16:3e:00:00:04 10.0.0.4 fd00::4 4 0 44444444-0000-4000-8000-000000000004 \
    nobr0 locked a4a4a4a4-0000-4000-8000-000000000004 0e0e0e0e-0000-4000-8000-0000000000ff
guest_def g3 vif3.0 00:16:3e:00:00:03 10.0.0.3 fd00::3 3 0 33333333-0000-4000-8000-000000000003 \
    xapi1 locked a3a3a3a3-0000-4000-8000-000000000003 0e0e0e0e-0000-4000-8000-00000000000a

for g in g1 g2 g3; do
    out=$("$tools/xvs-sandbox" --owner $$ guest "$host" "$g" "${G_VIF[$g]}" --mac "${G_MAC[$g]}" \
        --ip "${G_IP4[$g]}/24" 2>"$tmp/sb.err") || setup_fail "guest $g: $(cat "$tmp/sb.err")"
    eval "$out"
    G_NS[$g]=$GUEST_NS
    if ! ip netns exec "$GUEST_NS" ip -6 addr add "${G_IP6[$g]}/64" dev eth0 nodad ||
        ! ip netns exec "$GUEST_NS" ethtool -K eth0 tx off >/dev/null 2>&1; then
        setup_fail "guest $g: IPv6 address or ethtool"
    fi
    # A MAC other than netback's, so that the test sees vif set bridge-MAC.
    ip netns exec "$dom0" ip link set "${G_VIF[$g]}" address 02:00:00:00:00:0${g#g} ||
        setup_fail "dom0 MAC of ${G_VIF[$g]}"
done

# In dom0 like the OVS daemons, so that the sandbox reaper stops it too if this script is killed.
ip netns exec "$dom0" "$bin/xvs-xenstored" --root-prefix "$root" --socket "$XENSTORED_PATH" --detach --no-syslog \
    --pidfile "$tmp/xsd.pid" 2>"$tmp/xsd.log" || setup_fail "xvs-xenstored: $(cat "$tmp/xsd.log")"
xsd_pid=$(cat "$tmp/xsd.pid")

# shellcheck disable=SC2015 # setup_fail exits, whichever step failed.
ovsdb-tool create "$rundir/conf.db" "$schema" 2>"$tmp/ovs.err" &&
    ip netns exec "$dom0" ovsdb-server "$rundir/conf.db" --remote="punix:$rundir/db.sock" \
        --pidfile="$rundir/ovsdb-server.pid" --detach --no-chdir \
        --log-file="$rundir/ovsdb-server.log" 2>>"$tmp/ovs.err" &&
    ovs-vsctl --db="unix:$rundir/db.sock" --no-wait init 2>>"$tmp/ovs.err" &&
    ip netns exec "$dom0" ovs-vswitchd "unix:$rundir/db.sock" --pidfile="$rundir/ovs-vswitchd.pid" \
        --detach --no-chdir --log-file="$rundir/ovs-vswitchd.log" 2>>"$tmp/ovs.err" ||
    setup_fail "stock OVS did not start: $(tail -n 3 "$tmp/ovs.err")"

vsctl() { timeout 40 ovs-vsctl --db="unix:$rundir/db.sock" --timeout=30 "$@"; }
ofctl() { timeout 30 ovs-ofctl -O OpenFlow13 --no-names "$@"; }
xsr() { timeout 10 xenstore-read "$@" 2>/dev/null; }
xsw() { timeout 10 xenstore-write "$@"; }
in_dom0() { ip netns exec "$dom0" "$@"; }
in_g() { local g=$1; shift; ip netns exec "${G_NS[$g]}" "$@"; }

vsctl -- add-br xenbr0 -- set Bridge xenbr0 datapath_type=netdev -- add-br xapi1 xenbr0 10 \
    2>"$tmp/ovs.err" || setup_fail "bridges: $(cat "$tmp/ovs.err")"
# shellcheck disable=SC2015 # setup_fail exits, whichever step failed.
in_dom0 ip link set xenbr0 up && in_dom0 ip link set xapi1 up &&
    in_dom0 ip addr add 10.0.0.254/24 dev xapi1 || setup_fail "bridge interfaces up"
mkdir -p "$root/etc/xensource" && echo openvswitch >"$root/etc/xensource/network.conf"

# ---- what xapi and xenopsd write for a VIF (spec §2.5, §3.1) --------------------------------

ruleprog=$svr
[ "$impl" = original ] && ruleprog=/opt/xensource/libexec/setup-vif-rules
xenopsd_json() { # guest -> the xenopsd VIF record
    local g=$1 lock
    if [ "${G_LOCK[$g]}" = locked ]; then
        lock="[\"Locked\", {\"ipv4\": [\"${G_IP4[$g]}\"], \"ipv6\": [\"${G_IP6[$g]}\"]}]"
    else
        lock='"Unlocked"'
    fi
    cat <<EOF
{"id": ["${G_VM[$g]}", "${G_DEV[$g]}"], "position": ${G_DEV[$g]}, "mac": "${G_MAC[$g]}",
 "carrier": true, "mtu": 1496, "rate": null, "backend": ["Local", "${G_BR[$g]}"],
 "other_config": {}, "locking_mode": $lock,
 "extra_private_keys": {"vif-uuid": "${G_VIFU[$g]}", "network-uuid": "${G_NETU[$g]}"},
 "ipv4_configuration": "Unspecified_ipv4", "ipv6_configuration": "Unspecified_ipv6",
 "pvs_proxy": null, "vlan": null}
EOF
}
write_vif_keys() { # guest
    local g=$1 d=${G_DOM[$1]} n=${G_DEV[$1]} u=${G_VM[$1]} v4='' v6='' dir
    local p=/xapi/$u/private/vif/$n be=/local/domain/0/backend/vif/$d/$n
    if [ "${G_LOCK[$g]}" = locked ]; then v4=${G_IP4[$g]} v6=${G_IP6[$g]}; fi
    xsw /local/domain/"$d"/vm /vm/"$u" /vm/"$u"/uuid "$u" /vm/"$u"/name "guest-$g" \
        /local/domain/"$d"/device/vif/"$n"/mac "${G_MAC[$g]}" \
        /local/domain/"$d"/device/vif/"$n"/backend "$be" \
        "$be"/mac "${G_MAC[$g]}" "$be"/bridge "${G_BR[$g]}" "$be"/handle "$n" "$be"/state 2 \
        "$be"/frontend /local/domain/"$d"/device/vif/"$n" "$be"/frontend-id "$d" "$be"/online 1 \
        "$be"/script /etc/xensource/scripts/vif "$be"/type vif \
        "$p"/bridge "${G_BR[$g]}" "$p"/bridge-MAC fe:ff:ff:ff:ff:ff "$p"/MTU 1496 \
        "$p"/network-uuid "${G_NETU[$g]}" "$p"/vif-uuid "${G_VIFU[$g]}" \
        "$p"/setup-vif-rules "$ruleprog" "$p"/xenopsd-backend classic "$p"/trunks "" \
        "$p"/locking-mode "${G_LOCK[$g]}" "$p"/ipv4-allowed "$v4" "$p"/ipv6-allowed "$v6" ||
        return 1
    dir=$root/var/run/nonpersistent/xenopsd/classic/VM/$u
    mkdir -p "$dir" && xenopsd_json "$g" >"$dir/vif.$n"
}

# ---- the original scripts, in shell (VIF_TEST_IMPL=original) ---------------------------------

# The §3.1 locked-mode rules for ofport P, MAC M, allowed IPv4s and IPv6s (space-separated).
vif_rules() {
    local p=$1 m=$2 a t
    echo "in_port=$p,priority=8000,dl_type=0x0800,nw_proto=0x11,tp_dst=67,dl_src=$m,idle_timeout=0,action=normal"
    echo "in_port=$p,priority=7000,dl_type=0x0806,dl_src=$m,arp_sha=$m,nw_src=0.0.0.0,idle_timeout=0,action=normal"
    for a in $3; do
        echo "in_port=$p,priority=7000,dl_type=0x0806,dl_src=$m,arp_sha=$m,nw_src=$a,idle_timeout=0,action=normal"
        echo "in_port=$p,priority=6000,dl_type=0x0800,nw_src=$a,dl_src=$m,idle_timeout=0,action=normal"
    done
    for a in $4; do
        echo "in_port=$p,priority=8000,dl_src=$m,icmp6,ipv6_src=$a,icmp_type=135,nd_sll=$m,idle_timeout=0,action=normal"
        echo "in_port=$p,priority=8000,dl_src=$m,icmp6,ipv6_src=$a,icmp_type=136,nd_target=$a,idle_timeout=0,action=normal"
        for t in icmp6 tcp6 udp6; do
            echo "in_port=$p,priority=5000,dl_src=$m,ipv6_src=$a,$t,action=normal"
        done
    done
    echo "in_port=$p,priority=7000,icmp6,icmp_type=135,action=drop"
    echo "in_port=$p,priority=7000,icmp6,icmp_type=136,action=drop"
    for t in 134 137 146 147 151 152 153; do
        echo "in_port=$p,priority=6000,icmp6,icmp_type=$t,action=drop"
    done
    echo "in_port=$p,priority=4000,idle_timeout=0,action=drop"
}

orig_setup_vif_rules() { # backend dev vm-uuid devid action (from xenstore, as the old script)
    local dev=$2 u=$3 n=$4 d ofport br parent h mode
    d=${dev#vif}; d=${d%%.*}
    h=/xapi/$u/hotplug/$d/vif/$n
    in_dom0 ip link set "$dev" down
    if ofport=$(vsctl get interface "$dev" ofport 2>/dev/null) && [ -n "$ofport" ]; then
        br=$(vsctl iface-to-br "$dev") && parent=$(vsctl br-to-parent "$br") &&
            ofctl del-flows "$parent" "in_port=$ofport,cookie=1/-1"
    fi
    timeout 10 xenstore-rm "$h/vif-ofport" 2>/dev/null
    vsctl -- --if-exists del-port "$dev" || return 1
    if [ "$5" = filter ]; then
        mode=$(xsr /xapi/"$u"/private/vif/"$n"/locking-mode)
        br=$(xsr /xapi/"$u"/private/vif/"$n"/bridge)
        if [ "$mode" != disabled ]; then
            vsctl add-port "$br" "$dev" -- set interface "$dev" \
                external-ids:"xs-vm-uuid"="$u" \
                external-ids:"xs-vif-uuid"="$(xsr /xapi/"$u"/private/vif/"$n"/vif-uuid)" \
                external-ids:"xs-network-uuid"="$(xsr /xapi/"$u"/private/vif/"$n"/network-uuid)" \
                external-ids:"attached-mac"="$(xsr /local/domain/0/backend/vif/"$d"/"$n"/mac)" ||
                return 1
            ofport=$(vsctl get interface "$dev" ofport) && xsw "$h/vif-ofport" "$ofport" || return 1
        fi
        if [ "$mode" = locked ]; then
            parent=$(vsctl br-to-parent "$br") || return 1
            vif_rules "$ofport" "$(xsr /local/domain/0/backend/vif/"$d"/"$n"/mac)" \
                "$(xsr /xapi/"$u"/private/vif/"$n"/ipv4-allowed | tr , ' ')" \
                "$(xsr /xapi/"$u"/private/vif/"$n"/ipv6-allowed | tr , ' ')" >"$tmp/rules" &&
                while read -r r; do ofctl add-flow "$parent" "cookie=1,$r" || return 1; done <"$tmp/rules"
        fi
    fi
    in_dom0 ip link set "$dev" up
}

orig_vif() { # action (vif-real for type vif, XENBUS_PATH in the environment)
    local d n dev vm u p h xb br mtu
    d=$(cut -d/ -f3 <<<"$XENBUS_PATH") n=$(cut -d/ -f4 <<<"$XENBUS_PATH") dev=vif$d.$n
    vm=$(xsr /local/domain/"$d"/vm) && u=$(xsr "$vm"/uuid) || return 1
    p=/xapi/$u/private/vif/$n h=/xapi/$u/hotplug/$d/vif/$n xb=/local/domain/0/$XENBUS_PATH
    case $1 in
    online)
        mtu=$(xsr "$p"/MTU) && in_dom0 ip link set "$dev" mtu "$mtu" || return 1
        br=$(xsr /local/domain/0/backend/vif/"$d"/"$n"/bridge) || br=$(xsr "$p"/bridge)
        in_dom0 ip link set "$dev" down
        in_dom0 ip link set "$dev" arp off
        in_dom0 ip link set "$dev" address "$(xsr "$p"/bridge-MAC)"
        in_dom0 ip addr flush "$dev"
        xsw "$h"/vif-ifindex "$(in_dom0 cat /sys/class/net/"$dev"/ifindex)"
        if ! orig_setup_vif_rules classic "$dev" "$u" "$n" filter; then
            xsw "$xb"/hotplug-error "setup-vif-rules failed"
            return 1
        fi
        if [ -z "$(xsr "$p"/trunks)" ]; then vsctl clear Port "$dev" trunks; fi
        xsw "$h"/vif "$dev" "$h"/hotplug online "$xb"/hotplug-status connected
        ;;
    remove)
        orig_setup_vif_rules classic "$dev" "$u" "$n" clear || return 1
        timeout 10 xenstore-rm "$h"/vif-ifindex "$xb"/hotplug-status "$h"/hotplug
        ;;
    esac
}

# ---- running vif and setup-vif-rules ------------------------------------------------------------

run_vif() { # guest action [extra options]: runs vif as udev would, inside dom0
    local g=$1 a=$2
    shift 2
    if [ "$impl" = original ]; then
        XENBUS_PATH=backend/vif/${G_DOM[$g]}/${G_DEV[$g]} orig_vif "$a" >"$tmp/vif.out" 2>&1
        return
    fi
    # OVS_RUNDIR is left out on purpose: vif must find everything under the root prefix.
    timeout 60 ip netns exec "$dom0" env -u OVS_RUNDIR -u XENSTORED_PATH \
        XENBUS_PATH="backend/vif/${G_DOM[$g]}/${G_DEV[$g]}" XENBUS_TYPE=vif XENBUS_BASE_PATH=backend \
        "$vif" --root-prefix="$root" --no-syslog "$@" "$a" type_if=vif >"$tmp/vif.out" 2>&1
}
run_rules() { # guest action [extra options]
    local g=$1 a=$2
    shift 2
    if [ "$impl" = original ]; then
        orig_setup_vif_rules classic "${G_VIF[$g]}" "${G_VM[$g]}" "${G_DEV[$g]}" "$a" >"$tmp/vif.out" 2>&1
        return
    fi
    timeout 60 ip netns exec "$dom0" env -u OVS_RUNDIR -u XENSTORED_PATH \
        "$svr" --root-prefix="$root" --no-syslog "$@" classic "${G_VIF[$g]}" "${G_VM[$g]}" \
        "${G_DEV[$g]}" "$a" >"$tmp/vif.out" 2>&1
}
why() { tr '\n' '|' <"$tmp/vif.out" | tail -c 400; }

# Flows (no statistics, sorted) on the parent bridge, optionally only cookie=1 of one port.
flows() { # [in_port]
    ofctl dump-flows xenbr0 | sed -n 's/^ *//; /^cookie=/p' |
        sed -E 's/duration=[^,]*, //; s/n_packets=[^,]*, //; s/n_bytes=[^,]*, //; s/idle_age=[^,]*, //' |
        if [ -n "${1:-}" ]; then grep -E "^cookie=0x1, .*in_port=${1}[, ]"; else cat; fi | sort
}
# The same rules as stock ovs-ofctl reads them, on a scratch bridge, for comparison.
ref_flows() { # ofport mac ipv4s ipv6s
    vsctl -- --may-exist add-br ref0 -- set Bridge ref0 datapath_type=netdev \
        -- set Bridge ref0 fail_mode=secure >/dev/null &&
        ofctl del-flows ref0 && vif_rules "$@" | sed 's/^/cookie=1,/' >"$tmp/ref.rules" &&
        ofctl add-flows ref0 "$tmp/ref.rules" &&
        ofctl dump-flows ref0 | sed -n 's/^ *//; /^cookie=/p' |
        sed -E 's/duration=[^,]*, //; s/n_packets=[^,]*, //; s/n_bytes=[^,]*, //; s/idle_age=[^,]*, //' |
            sort
}

for g in g1 g2 g3 g4; do
    write_vif_keys "$g" || setup_fail "xenstore keys of $g"
done
in_dom0 ip tuntap add dev vif4.0 mode tap || setup_fail "tap vif4.0"

# ---- plug ------------------------------------------------------------------------------------

for g in g1 g2 g3; do
    if run_vif "$g" online; then
        pass "vif-online-$g"
    else
        fail "vif-online-$g" "vif online exited $?: $(why)"
    fi
done

ext_ok=1 ext_why=''
for g in g1 g2 g3; do
    v=${G_VIF[$g]}
    for kv in "xs-vm-uuid=${G_VM[$g]}" "xs-vif-uuid=${G_VIFU[$g]}" \
        "xs-network-uuid=${G_NETU[$g]}" "attached-mac=${G_MAC[$g]}"; do
        got=$(vsctl --if-exists get Interface "$v" external_ids:"${kv%%=*}" 2>&1 | tr -d '"')
        if [ "$got" != "${kv#*=}" ]; then
            ext_ok=0 ext_why+="$v ${kv%%=*}='$got' (want ${kv#*=}); "
        fi
    done
    br=$(vsctl port-to-br "$v" 2>&1)
    [ "$br" = "${G_BR[$g]}" ] || ext_ok=0 ext_why+="$v is on '$br', not ${G_BR[$g]}; "
done
if [ "$ext_ok" = 1 ]; then pass external-ids; else fail external-ids "$ext_why"; fi

hk_ok=1 hk_why=''
for g in g1 g2 g3; do
    v=${G_VIF[$g]} h=/xapi/${G_VM[$g]}/hotplug/${G_DOM[$g]}/vif/${G_DEV[$g]}
    be=/local/domain/0/backend/vif/${G_DOM[$g]}/${G_DEV[$g]}
    ifindex=$(in_dom0 cat /sys/class/net/"$v"/ifindex)
    ofport=$(vsctl get Interface "$v" ofport 2>&1)
    for kv in "$h/vif=$v" "$h/hotplug=online" "$be/hotplug-status=connected" \
        "$h/vif-ifindex=$ifindex" "$h/vif-ofport=$ofport"; do
        got=$(xsr "${kv%%=*}")
        [ "$got" = "${kv#*=}" ] || hk_ok=0 hk_why+="${kv%%=*}='$got' (want '${kv#*=}'); "
    done
    if got=$(xsr "$be/hotplug-error"); then hk_ok=0 hk_why+="$be/hotplug-error='$got'; "; fi
done
if [ "$hk_ok" = 1 ]; then pass hotplug-keys; else fail hotplug-keys "$hk_why"; fi

# vif sets MTU (private MTU 1496), bridge-MAC, ARP off and brings the link up.
ln_ok=1 ln_why=''
for g in g1 g2 g3; do
    l=$(in_dom0 ip -o link show "${G_VIF[$g]}")
    for want in "mtu 1496" "link/ether fe:ff:ff:ff:ff:ff" "NOARP" ",UP"; do
        [[ $l == *"$want"* ]] || ln_ok=0 ln_why+="${G_VIF[$g]} lacks '$want'; "
    done
done
if [ "$ln_ok" = 1 ]; then pass link-settings; else fail link-settings "$ln_why ($l)"; fi

tag=$(vsctl get Port vif3.0 tag 2>&1) tag1=$(vsctl get Port vif1.0 tag 2>&1)
if [ "$tag" = 10 ] && [ "$tag1" = "[]" ]; then
    pass vlan-tag
else
    fail vlan-tag "Port vif3.0 tag=$tag (want 10), vif1.0 tag=$tag1 (want [])"
fi

# Locked: exactly the §3.1 rules, as stock ovs-ofctl reads them, on the parent bridge.
p1=$(vsctl get Interface vif1.0 ofport) p2=$(vsctl get Interface vif2.0 ofport)
p3=$(vsctl get Interface vif3.0 ofport)
flows "$p1" >"$tmp/f1"
ref_flows "$p1" "${G_MAC[g1]}" "${G_IP4[g1]}" "${G_IP6[g1]}" >"$tmp/r1"
n1=$(wc -l <"$tmp/f1") nr=$(vif_rules 1 m 1.1.1.1 ::1 | wc -l)
if [ "$n1" = "$nr" ] && cmp -s "$tmp/f1" "$tmp/r1"; then
    pass flows-locked
else
    fail flows-locked "$n1 cookie=1 flows for in_port=$p1 (want $nr): $(diff "$tmp/r1" "$tmp/f1" | head -c 600 | tr '\n' '|')"
fi
n2=$(ofctl dump-flows xenbr0 | grep -cE "in_port=${p2}[, ]")
if ! [[ $p2 =~ ^[0-9]+$ ]]; then
    fail flows-unlocked "vif2.0 has no ofport: $p2"
elif [ "$n2" = 0 ]; then
    pass flows-unlocked
else
    fail flows-unlocked "$n2 flows for the unlocked vif2.0"
fi
flows "$p3" >"$tmp/f3"
ref_flows "$p3" "${G_MAC[g3]}" "${G_IP4[g3]}" "${G_IP6[g3]}" >"$tmp/r3"
if cmp -s "$tmp/f3" "$tmp/r3" && [ "$(wc -l <"$tmp/f3")" = "$nr" ]; then
    pass flows-parent
else
    fail flows-parent "vif3.0 on fake bridge xapi1: $(wc -l <"$tmp/f3") flows on parent xenbr0 (want $nr): $(diff "$tmp/r3" "$tmp/f3" | head -c 400 | tr '\n' '|')"
fi
vsctl -- --if-exists del-br ref0

# Our ovs-ofctl, when built, lists the same flows as the stock one.
xofctl=$bin/xvs-ofctl
if [ ! -x "$xofctl" ]; then
    skip xvs-ofctl-flows "$xofctl not built"
else
    norm() {
        sed -n 's/^ *//; /^cookie=/p' |
            sed -E 's/duration=[^,]*, //; s/n_packets=[^,]*, //; s/n_bytes=[^,]*, //; s/idle_age=[^,]*, //' | sort
    }
    ofctl dump-flows xenbr0 | norm >"$tmp/stock.flows"
    timeout 30 "$xofctl" --root-prefix="$root" -O OpenFlow13 dump-flows xenbr0 >"$tmp/xvs.out" 2>&1
    rc=$?
    norm <"$tmp/xvs.out" >"$tmp/xvs.flows"
    if [ "$rc" = 0 ] && [ -s "$tmp/stock.flows" ] && cmp -s "$tmp/stock.flows" "$tmp/xvs.flows"; then
        pass xvs-ofctl-flows
    else
        fail xvs-ofctl-flows "rc=$rc, differs from ovs-ofctl: $(diff "$tmp/stock.flows" "$tmp/xvs.flows" | head -c 500 | tr '\n' '|')"
    fi
fi

# ---- traffic -----------------------------------------------------------------------------------

if in_g g1 ping -c 2 -W 2 10.0.0.2 >"$tmp/ping" 2>&1 && in_g g2 ping -c 2 -W 2 10.0.0.1 >>"$tmp/ping" 2>&1; then
    pass ping-xenbr0
else
    fail ping-xenbr0 "g1 (locked) and g2 on xenbr0: $(tail -n 2 "$tmp/ping" | tr '\n' '|')"
fi
if in_g g1 ping -6 -c 2 -W 2 fd00::2 >"$tmp/ping" 2>&1 && in_g g2 ping -6 -c 2 -W 2 fd00::1 >>"$tmp/ping" 2>&1; then
    pass ping6-xenbr0
else
    fail ping6-xenbr0 "g1 (locked) and g2 over IPv6: $(tail -n 2 "$tmp/ping" | tr '\n' '|')"
fi
# g3 reaches dom0's xapi1 address in VLAN 10 but not g1; g1 does not reach xapi1.
if in_g g3 ping -c 2 -W 2 10.0.0.254 >"$tmp/ping" 2>&1; then
    if ! in_g g3 ping -c 2 -W 1 10.0.0.1 >/dev/null 2>&1 && ! in_g g1 ping -c 2 -W 1 10.0.0.254 >/dev/null 2>&1; then
        pass vlan-isolation
    else
        fail vlan-isolation "VLAN 10 (g3, xapi1) and the untagged g1 reach each other"
    fi
else
    fail vlan-isolation "g3 cannot reach 10.0.0.254 on its own VLAN: $(tail -n 2 "$tmp/ping" | tr '\n' '|')"
fi

# Sends every frame kind of vif_spoof.py N times from guest $1 and counts them in guest $2.
spoof_round() { # from to -> $tmp/sent, $tmp/recv
    local from=$1 to=$2
    rm -f "$tmp/ready" "$tmp/stop" "$tmp/recv"
    in_g "$to" ip link set eth0 promisc on
    ip netns exec "${G_NS[$to]}" "$py" "$spoof" recv eth0 "$tmp/ready" "$tmp/stop" "$tmp/recv" 120 \
        2>"$tmp/recv.err" &
    recv_pid=$!
    for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
    timeout 120 ip netns exec "${G_NS[$from]}" "$py" "$spoof" send eth0 "$frames" \
        "${G_MAC[$from]}" "${G_IP4[$from]}" "${G_IP6[$from]}" 00:16:3e:00:00:99 10.0.0.99 fd00::99 \
        "${G_MAC[$to]}" "${G_IP4[$to]}" "${G_IP6[$to]}" >"$tmp/sent" 2>"$tmp/send.err"
    sleep 1
    touch "$tmp/stop"
    wait "$recv_pid"
    recv_pid=
    in_g "$to" ip link set eth0 promisc off
    [ -s "$tmp/recv" ] && [ -s "$tmp/sent" ]
}
count() { awk -v c="$1" '$1 == c { print $2 }' "$2"; }

if [ "$have_scapy" = 0 ]; then
    for c in lock-spoof lock-allowed unlocked-passes-all; do skip "$c" "python3-scapy is not installed"; done
elif ! spoof_round g1 g2; then
    for c in lock-spoof lock-allowed; do
        fail "$c" "frame round did not run: $(tail -c 300 "$tmp/send.err" "$tmp/recv.err" | tr '\n' '|')"
    done
else
    d_ok=1 d_why='' a_ok=1 a_why='' delivered=0
    while read -r c expect; do
        s=$(count "$c" "$tmp/sent") r=$(count "$c" "$tmp/recv")
        if [ "$expect" = drop ]; then
            [ "$s" = "$frames" ] && [ "$r" = 0 ] || d_ok=0 d_why+="$c: $r of $s received; "
        else
            [ "$s" = "$frames" ] && [ "$r" = "$s" ] || a_ok=0 a_why+="$c: $r of $s received; "
            [ "${r:-0}" -gt 0 ] && delivered=1
        fi
    done < <("$py" "$spoof" cases)
    # Nothing dropped proves nothing when nothing at all gets through.
    if [ "$delivered" = 0 ]; then
        fail lock-spoof "g2 received none of the allowed frames either: the path g1-g2 is down"
    elif [ "$d_ok" = 1 ]; then
        pass lock-spoof
    else
        fail lock-spoof "not dropped: $d_why"
    fi
    if [ "$a_ok" = 1 ]; then pass lock-allowed; else fail lock-allowed "not passed: $a_why"; fi
fi
# The same frames from the unlocked g2 all reach g1 (filtering is ingress-only): the
# counting itself can see spoofed frames.
if [ "$have_scapy" = 1 ]; then
    if spoof_round g2 g1; then
        u_ok=1 u_why=''
        while read -r c _; do
            s=$(count "$c" "$tmp/sent") r=$(count "$c" "$tmp/recv")
            [ "$s" = "$frames" ] && [ "$r" = "$s" ] || u_ok=0 u_why+="$c: $r of $s; "
        done < <("$py" "$spoof" cases)
        if [ "$u_ok" = 1 ]; then pass unlocked-passes-all; else fail unlocked-passes-all "$u_why"; fi
    else
        fail unlocked-passes-all "frame round did not run: $(tail -c 300 "$tmp/send.err" "$tmp/recv.err" | tr '\n' '|')"
    fi
fi

# ---- dry run, clear, remove ------------------------------------------------------------------

state() {
    vsctl show | sed -E 's/[0-9a-f]{8}-[0-9a-f-]{27}//'
    vsctl --columns=name,ofport,external_ids list Interface | sort
    flows
    timeout 10 xenstore-ls -f /xapi
    timeout 10 xenstore-ls -f /local/domain/0/backend
    in_dom0 ip -o link show | sed 's/^[0-9]*: //' | sort
}
if [ "$impl" = original ]; then
    skip dry-run-vif "the original scripts have no --dry-run"
    skip dry-run-rules "the original scripts have no --dry-run"
else
    state >"$tmp/before"
    run_vif g1 remove --dry-run
    rc=$?
    state >"$tmp/after"
    # vif prints what it would do; setup-vif-rules is its child, shown as its command line
    # (or, if vif passes --dry-run down, as the flows and ports it would remove).
    if [ "$rc" = 0 ] && cmp -s "$tmp/before" "$tmp/after" &&
        grep -qE 'setup-vif-rules.* clear|del-flows' "$tmp/vif.out" &&
        grep -q 'hotplug-status' "$tmp/vif.out"; then
        pass dry-run-vif
    else
        fail dry-run-vif "rc=$rc, changes: $(diff "$tmp/before" "$tmp/after" | head -c 300 | tr '\n' '|'); output: $(why)"
    fi
    run_vif g2 online --dry-run
    rc=$?
    state >"$tmp/after"
    if [ "$rc" = 0 ] && ! cmp -s "$tmp/before" "$tmp/after"; then
        fail dry-run-vif "online --dry-run changed: $(diff "$tmp/before" "$tmp/after" | head -c 300 | tr '\n' '|')"
    fi
    run_rules g1 filter --dry-run
    rc=$?
    state >"$tmp/after"
    if [ "$rc" = 0 ] && cmp -s "$tmp/before" "$tmp/after" && grep -q 'add-flow' "$tmp/vif.out" &&
        [ "$(grep -c 'priority=' "$tmp/vif.out")" -ge "$nr" ]; then
        pass dry-run-rules
    else
        fail dry-run-rules "rc=$rc, changes: $(diff "$tmp/before" "$tmp/after" | head -c 300 | tr '\n' '|'); output: $(why)"
    fi
fi

# clear removes only vif1.0's cookie=1 flows: an unrelated cookie=2 flow on the same port and
# vif3.0's cookie=1 flows stay.
ofctl add-flow xenbr0 "cookie=2,priority=100,in_port=$p1,udp,tp_dst=9,action=drop"
other_before=$(flows "$p3")
if run_rules g1 clear; then
    n1=$(flows "$p1" | wc -l)
    c2=$(ofctl dump-flows xenbr0 "cookie=2/-1" | grep -c "in_port=$p1")
    if [ "$n1" = 0 ] && [ "$c2" = 1 ] && [ "$(flows "$p3")" = "$other_before" ] &&
        [ -n "$other_before" ] && ! vsctl port-to-br vif1.0 >/dev/null 2>&1 &&
        ! xsr "/xapi/${G_VM[g1]}/hotplug/1/vif/0/vif-ofport" >/dev/null; then
        pass rules-clear
    else
        fail rules-clear "after clear: $n1 cookie=1 flows of vif1.0 (want 0), $c2 cookie=2 (want 1), vif3.0 flows kept: $([ "$(flows "$p3")" = "$other_before" ] && echo yes || echo no), port kept: $(vsctl port-to-br vif1.0 2>&1)"
    fi
else
    fail rules-clear "setup-vif-rules clear exited non-zero: $(why)"
fi

rm_ok=1 rm_why=''
for g in g2 g3; do
    v=${G_VIF[$g]} h=/xapi/${G_VM[$g]}/hotplug/${G_DOM[$g]}/vif/${G_DEV[$g]}
    be=/local/domain/0/backend/vif/${G_DOM[$g]}/${G_DEV[$g]}
    port=$(vsctl get Interface "$v" ofport 2>/dev/null)
    if ! run_vif "$g" remove; then
        rm_ok=0 rm_why+="$g: vif remove failed: $(why); "
        continue
    fi
    vsctl port-to-br "$v" >/dev/null 2>&1 && rm_ok=0 rm_why+="$v still a port; "
    [ -n "$port" ] && [ "$(flows "$port" | wc -l)" != 0 ] && rm_ok=0 rm_why+="$v flows left; "
    for k in "$h/hotplug" "$be/hotplug-status" "$h/vif-ifindex" "$h/vif-ofport"; do
        xsr "$k" >/dev/null && rm_ok=0 rm_why+="$k left; "
    done
done
c2=$(ofctl dump-flows xenbr0 "cookie=2/-1" | grep -c "in_port=$p1")
[ "$c2" = 1 ] || rm_ok=0 rm_why+="the unrelated cookie=2 flow is gone; "
if [ "$rm_ok" = 1 ]; then pass vif-remove; else fail vif-remove "$rm_why"; fi

# remove after the port is already gone (clear above) still succeeds and drops the keys.
h=/xapi/${G_VM[g1]}/hotplug/1/vif/0
if run_vif g1 remove && ! xsr "$h/hotplug" >/dev/null &&
    ! xsr /local/domain/0/backend/vif/1/0/hotplug-status >/dev/null; then
    pass vif-remove-after-clear
else
    fail vif-remove-after-clear "exit or keys left: $(why)"
fi
# A plug that cannot succeed (its bridge does not exist) exits non-zero, says why in
# hotplug-error, and leaves no port, no flows and no "connected" behind.
h=/xapi/${G_VM[g4]}/hotplug/4/vif/0 be=/local/domain/0/backend/vif/4/0
flows >"$tmp/fbefore"
if run_vif g4 online; then
    fail online-failure "vif online on a missing bridge exited 0: $(why)"
else
    f_why=''
    err=$(xsr "$be/hotplug-error") || f_why+="no $be/hotplug-error; "
    [ "$(xsr "$be/hotplug-status")" = connected ] && f_why+="hotplug-status=connected; "
    [ "$(xsr "$h/hotplug")" = online ] && f_why+="$h/hotplug=online; "
    vsctl --if-exists get Interface vif4.0 ofport | grep -q . && f_why+="vif4.0 is in the database; "
    flows >"$tmp/fafter"
    cmp -s "$tmp/fbefore" "$tmp/fafter" || f_why+="flows changed; "
    if [ -z "$f_why" ]; then
        pass online-failure
    else
        fail online-failure "$f_why (hotplug-error='${err:-}')"
    fi
fi
exit "$failed"
