#!/bin/bash
# interface-reconfigure with the Linux bridge backend (network.conf "bridge")
# on a stock Debian 6.1 kernel in the xvs-lab VM (tests/lab/xvs-lab), where
# bonding and 8021q exist: the four scenarios of spec §11 item 1 from
# four-scenarios.dbcache (plain xenbr2, VLAN xapi3, bond xapi1, VLAN on bond
# xapi2) plus xenbr4 (MTU 9000, static address) and the bond with the MAC
# of its second slave, each `--force <br> up`, the
# kernel's devices checked through sysfs and `ip -d link` against the facts
# spec §1.9 gives (written out below), the ifcfg files compared with the
# dry-run plan fixtures tests/data/ir/bridge-<br>-up.plan, then
# `--force <br> down` and the devices checked gone.  There is no
# <root>/sbin/ifup, so every device state seen is interface-reconfigure's own.
#
# One VM run for everything: on the host this script starts the VM and runs
# itself inside it (IR_VM_INNER=1) with its scratch folder shared read-write.
# Prints PASS:/FAIL:/SKIP: lines.  Env: XVS_SRC, XVS_BUILD (folder holding
# libexec/interface-reconfigure) or XVS_LIBEXEC; IR_TEST_KEEP=1 keeps the
# scratch folder (with the VM console log).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${XVS_BUILD:-$src/build}
ir=${XVS_LIBEXEC:-$build/libexec}/interface-reconfigure
name=ir_bridge_vm

if [ -z "${IR_VM_INNER:-}" ]; then
    lab=$src/tests/lab/xvs-lab
    if [ ! -x "$ir" ]; then
        echo "FAIL: $name: $ir not built"
        exit 0
    fi
    if ! "$lab" status >/dev/null 2>&1; then
        echo "SKIP: $name: KVM/TCG lab not set up: run tests/lab/xvs-lab setup"
        exit 0
    fi
    tmp=$(cd "$(mktemp -d /tmp/ir-bridge-vm.XXXXXX)" && pwd -P)
    if [ -n "${IR_TEST_KEEP:-}" ]; then
        trap 'echo "# kept $tmp" >&2' EXIT
    else
        trap 'rm -rf "$tmp"' EXIT
    fi
    ir=$(cd "$(dirname "$ir")" && pwd -P)/interface-reconfigure
    "$lab" run --share "$tmp" --timeout 300 --console "$tmp/console.log" \
        --env IR_VM_INNER=1 --env IR_VM_TMP="$tmp" --env XVS_SRC="$src" \
        --env XVS_LIBEXEC="$(dirname "$ir")" -- /bin/bash "$src/tests/integration/ir_bridge_vm.sh" \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    grep -E '^(PASS|FAIL|SKIP): ' "$tmp/out"
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name: VM run exit status $rc: $(grep -v '^#' "$tmp/err" | tail -3 | tr '\n' ' ')"
    elif ! grep -q '^PASS: ' "$tmp/out"; then
        echo "FAIL: $name: no result came back from the VM: $(tail -3 "$tmp/err" | tr '\n' ' ')"
    fi
    exit 0
fi

# ---- Inside the VM (root, a fresh kernel, nothing configured) ----
tmp=$IR_VM_TMP
root=$tmp/root
export LC_ALL=C
pass() { echo "PASS: $name: $1"; }
failed() { echo "FAIL: $name: $1"; }

# check DESCRIPTION EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        failed "$1: expected '$2', got '$3'"
    fi
}

# The checks read sysfs with shell builtins: every program started in the
# emulated VM costs tens of milliseconds.
sysfs() {
    local v
    read -r v 2>/dev/null <"/sys/class/net/$1/$2" && echo "$v" || echo "<none>"
}
exists() { [ -d "/sys/class/net/$1" ] && echo yes || echo no; }
up() {
    local f
    read -r f 2>/dev/null <"/sys/class/net/$1/flags" || { echo "<none>"; return; }
    [ $((f & 1)) = 1 ] && echo up || echo down
}
master() {
    (cd -P "/sys/class/net/$1/master" 2>/dev/null && echo "${PWD##*/}") || echo "<none>"
}
kind() {
    if [ -d "/sys/class/net/$1/bridge" ]; then
        echo bridge
    elif [ -d "/sys/class/net/$1/bonding" ]; then
        echo bond
    elif [ -e "/proc/net/vlan/$1" ]; then
        echo vlan
    fi
}
vlan_of() {
    # "<id> <parent>" of a VLAN device, as `ip -d link` reports it.
    local line
    line=$(ip -d -o link show dev "$1" 2>/dev/null) || { echo "<none>"; return; }
    if [[ $line =~ ^[0-9]+:\ "$1"@([^:]+):.*\ vlan\ protocol\ 802\.1Q\ id\ ([0-9]+)\  ]]; then
        echo "${BASH_REMATCH[2]} ${BASH_REMATCH[1]}"
    else
        echo "not a VLAN: $line"
    fi
}
ports() {
    local p out=""
    for p in "/sys/class/net/$1/brif/"*; do
        [ -e "$p" ] && out="$out ${p##*/}"
    done
    echo "${out# }"
}
offload() {
    ethtool -k "$1" 2>/dev/null | sed -n "s/^$2: \([a-z]*\).*/\1/p"
}

# The files the dry-run plan fixture says `up` writes ("write <path>:" then
# the content indented by four spaces), compared with the disk.
check_files() {
    local br=$1 plan=$src/tests/data/ir/bridge-$1-up.plan line f="" want="" n=0 bad=""
    compare() {
        [ -n "$f" ] || return 0
        n=$((n + 1))
        if [ ! -r "$root$f" ] || [ "$want" != "$(<"$root$f")" ]; then
            bad="$bad ${f##*/}"
        fi
    }
    while IFS= read -r line; do
        if [[ $line == "    "* ]] && [ -n "$f" ]; then
            want=${want:+$want$'\n'}${line#    }
            continue
        fi
        compare
        f=""
        want=""
        if [[ $line =~ ^write\ (.*):$ ]]; then
            f=${BASH_REMATCH[1]}
        fi
    done <"$plan"
    compare
    if [ $n -gt 0 ] && [ -z "$bad" ]; then
        pass "$br up: the $n files of bridge-$br-up.plan written as planned"
    else
        failed "$br up: files differ from bridge-$br-up.plan:${bad:- (no files in the plan)}"
    fi
}

# run_ir BRIDGE up|down; $note, when set, names the variant in the results.
note=""
run_ir() {
    local br=$1 action=$2
    if "$ir" --root-prefix="$root" --no-syslog --force "$br" "$action" \
        >>"$tmp/ir.log" 2>&1; then
        pass "--force $br $action${note:+ ($note)}"
    else
        failed "--force $br $action${note:+ ($note)}: exit status $? ($(tail -1 "$tmp/ir.log"))"
    fi
}

# Every scenario starts from the same kernel state: the five "NICs" down with
# a wrong MTU (so setting 1500 is seen), nothing else.
# One `ip -batch` for all of it: each program started costs in the VM.
reset_devices() {
    local d
    {
        for d in xenbr0 xenbr1 xenbr2 xenbr3 xenbr4 xapi1 xapi2 xapi3 bond0.4 eth3.123 bond0; do
            [ -d "/sys/class/net/$d" ] && echo "link del $d"
        done
        for d in eth0 eth1 eth2 eth3 eth4; do
            echo "link set dev $d nomaster down mtu 1400"
        done
    } | ip -force -batch - >>"$tmp/ir.log" 2>&1
}

# bond0 of four-scenarios.dbcache: PIF other_config bond-mode=active-backup,
# bond-miimon=100, the §1.8 defaults updelay 31000 / downdelay 200, slaves
# eth0 and eth1, MACADDR (ifcfg-bond0) the bond PIF's MAC.
check_bond0() {
    local br=$1 bridge_of_bond=$2
    check "$br up: bond0 is a bond" bond "$(kind bond0)"
    check "$br up: bond0 mode" "active-backup 1" "$(sysfs bond0 bonding/mode)"
    check "$br up: bond0 miimon" 100 "$(sysfs bond0 bonding/miimon)"
    check "$br up: bond0 updelay" 31000 "$(sysfs bond0 bonding/updelay)"
    check "$br up: bond0 downdelay" 200 "$(sysfs bond0 bonding/downdelay)"
    check "$br up: bond0 slaves" "eth0 eth1" "$(sysfs bond0 bonding/slaves)"
    check "$br up: bond0 MAC is the bond PIF's (MACADDR)" 00:16:3e:4a:10:00 "$(sysfs bond0 address)"
    check "$br up: bond0 up, MTU 1500, master" "up 1500 $bridge_of_bond" \
        "$(up bond0) $(sysfs bond0 mtu) $(master bond0)"
    for d in eth0 eth1; do
        check "$br up: $d up, MTU 1500, in bond0" "up 1500 bond0" \
            "$(up $d) $(sysfs $d mtu) $(master $d)"
    done
}

# A bridge made by `up`: forward delay 0 and STP off (ifcfg DELAY=0, STP=off).
check_bridge() {
    local br=$1 port=$2 mtu=$3
    check "$br up: $br is a bridge" bridge "$(kind "$br")"
    check "$br up: $br ports" "$port" "$(ports "$br")"
    check "$br up: $br forward delay 0, STP off" "0 0" \
        "$(sysfs "$br" bridge/forward_delay) $(sysfs "$br" bridge/stp_state)"
    check "$br up: $br up, MTU $mtu" "up $mtu" "$(up "$br") $(sysfs "$br" mtu)"
}

check_gone() {
    local br=$1 d
    shift
    for d in "$@"; do
        check "$br down: $d removed" no "$(exists "$d")"
    done
}

check_released() {
    local br=$1 d
    shift
    for d in "$@"; do
        check "$br down: $d left down, in no bridge or bond" "down <none>" "$(up "$d") $(master "$d")"
    done
}

mkdir -p "$root/etc/xensource" "$root/var/xapi" "$root/etc/sysconfig/network-scripts"
echo bridge >"$root/etc/xensource/network.conf"
cp "$src/tests/data/dbcache/four-scenarios.dbcache" "$root/var/xapi/network.dbcache"
: >"$tmp/ir.log"
# The "NICs" have the MACs of their PIFs, as on a host.
if ! for i in 0 1 2 3 4; do
    echo "link add eth$i address 00:16:3e:4a:10:0$i type veth peer name peer$i"
done | ip -batch - 2>>"$tmp/ir.log"; then
    failed "cannot create veth devices eth0..eth4 in the VM: $(tail -1 "$tmp/ir.log")"
    exit 0
fi
have_ethtool=$(command -v ethtool >/dev/null && echo yes || echo no)

reset_devices
check "VM: eth0..eth4 start down with MTU 1400" "down 1400 down 1400 down 1400 down 1400 down 1400" \
    "$(for d in eth0 eth1 eth2 eth3 eth4; do echo "$(up $d) $(sysfs $d mtu)"; done | tr '\n' ' ' |
        sed 's/ $//')"

# 1. xenbr2: eth2 (DHCP, management, other_config ethtool-tx=off).
run_ir xenbr2 up
check_bridge xenbr2 eth2 1500
check "xenbr2 up: eth2 up, MTU 1500, in xenbr2" "up 1500 xenbr2" \
    "$(up eth2) $(sysfs eth2 mtu) $(master eth2)"
if [ "$have_ethtool" = yes ]; then
    # Physical PIFs get gro/lro off by default, plus the PIF's own tx=off.
    check "xenbr2 up: eth2 offloads gro off, tx off" "off off" \
        "$(offload eth2 generic-receive-offload) $(offload eth2 tx-checksumming)"
else
    echo "SKIP: $name: xenbr2 up: eth2 offloads: no ethtool on the host"
fi
check_files xenbr2
run_ir xenbr2 down
check_gone xenbr2 xenbr2
check_released xenbr2 eth2

# 2. xapi3: VLAN 123 on eth3; eth3's own bridge xenbr3 is not made.
reset_devices
run_ir xapi3 up
check "xapi3 up: eth3.123 is a VLAN" vlan "$(kind eth3.123)"
check "xapi3 up: eth3.123 VLAN id and parent" "123 eth3" "$(vlan_of eth3.123)"
check "xapi3 up: eth3.123 up, MTU 1500, in xapi3" "up 1500 xapi3" \
    "$(up eth3.123) $(sysfs eth3.123 mtu) $(master eth3.123)"
check "xapi3 up: eth3 up, MTU 1500, in no bridge" "up 1500 <none>" \
    "$(up eth3) $(sysfs eth3 mtu) $(master eth3)"
check_bridge xapi3 eth3.123 1500
check "xapi3 up: no xenbr3" no "$(exists xenbr3)"
check_files xapi3
run_ir xapi3 down
check_gone xapi3 xapi3 eth3.123
# No other attached VLAN on eth3: the VLAN slave is brought down too.
check_released xapi3 eth3

# 3. xapi1: bond0 of eth0 and eth1, bridged.
reset_devices
run_ir xapi1 up
check_bond0 xapi1 xapi1
check_bridge xapi1 bond0 1500
check "xapi1 up: no xenbr0 or xenbr1" "no no" "$(exists xenbr0) $(exists xenbr1)"
check_files xapi1
run_ir xapi1 down
check_gone xapi1 xapi1 bond0
check_released xapi1 eth0 eth1

# 4. xapi2: VLAN 4 on bond0; bond0's own bridge xapi1 is not made.
reset_devices
run_ir xapi2 up
check_bond0 xapi2 "<none>"
check "xapi2 up: bond0.4 is a VLAN" vlan "$(kind bond0.4)"
check "xapi2 up: bond0.4 VLAN id and parent" "4 bond0" "$(vlan_of bond0.4)"
check "xapi2 up: bond0.4 up, MTU 1500, in xapi2" "up 1500 xapi2" \
    "$(up bond0.4) $(sysfs bond0.4 mtu) $(master bond0.4)"
check_bridge xapi2 bond0.4 1500
check "xapi2 up: no xapi1" no "$(exists xapi1)"
check_files xapi2
run_ir xapi2 down
check_gone xapi2 xapi2 bond0.4 bond0
check_released xapi2 eth0 eth1

# 5. xenbr4: network MTU 9000 (other_config mtu=9000), Static 192.168.4.11/24;
# the default route belongs to the management PIF (eth2), not to xenbr4.
reset_devices
run_ir xenbr4 up
check_bridge xenbr4 eth4 9000
check "xenbr4 up: eth4 up, MTU 9000, in xenbr4" "up 9000 xenbr4" \
    "$(up eth4) $(sysfs eth4 mtu) $(master eth4)"
check "xenbr4 up: xenbr4 address" 192.168.4.11/24 \
    "$(ip -o -4 addr show dev xenbr4 2>/dev/null | awk '{print $4}' | tr '\n' ' ' | sed 's/ $//')"
check "xenbr4 up: no default route" "" "$(ip -4 route show default 2>/dev/null)"
run_ir xenbr4 down
check_gone xenbr4 xenbr4
check_released xenbr4 eth4

# 6. xapi1 again, with the bond PIF's MAC that of its second slave (XAPI's
# Bond.create with a MAC): ifcfg-bond0 gets MACADDR=<that MAC>, which the
# original's ifup applied to the bond, so bond0 must carry it, not the MAC
# it inherits from eth0.
bond_pif=9e4035bf-ad2c-5c3e-8c02-6540f660de34
awk -v u="$bond_pif" '/<pif / {inpif=1} /<\/pif>/ {inpif=0; mine=0}
    inpif && index($0, "<uuid>" u "</uuid>") {mine=1}
    mine && /<MAC>/ {sub(/<MAC>[^<]*</, "<MAC>00:16:3e:4a:10:01<")} {print}' \
    "$src/tests/data/dbcache/four-scenarios.dbcache" >"$root/var/xapi/network.dbcache"
reset_devices
note="bond MAC of eth1"
run_ir xapi1 up
check "xapi1 (bond MAC of eth1) up: ifcfg-bond0 MACADDR" MACADDR=00:16:3e:4a:10:01 \
    "$(grep '^MACADDR=' "$root/etc/sysconfig/network-scripts/ifcfg-bond0")"
check "xapi1 (bond MAC of eth1) up: bond0 MAC is the bond PIF's (MACADDR)" \
    00:16:3e:4a:10:01 "$(sysfs bond0 address)"
check "xapi1 (bond MAC of eth1) up: bond0 slaves" "eth0 eth1" "$(sysfs bond0 bonding/slaves)"
run_ir xapi1 down
check_gone "xapi1 (bond MAC of eth1)" xapi1 bond0
exit 0
