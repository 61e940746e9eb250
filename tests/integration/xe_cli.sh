#!/usr/bin/env bash
# Integration test of xe (xapi-bindings/xe) against the simulator
# xvs-xapi-sim, seeded from the four-scenarios network.dbcache: the read
# verbs (lists with filters, params= and --minimal, param-get/param-list)
# with their exact output, error messages and exit statuses, both over the
# unix socket and over TCP; then every write verb with its effect read back
# through xe; then, as root with xvs-xenstored built, guests: vm-start,
# vif-unplug/plug and vm-shutdown on a simulator in a dom0 namespace, with a
# hotplug test double (interface-reconfigure and vif are test doubles that
# log their calls).  A verb the simulator does not implement yet
# (MESSAGE_METHOD_UNKNOWN) is reported as SKIP naming the method.  Prints
# PASS:/FAIL:/SKIP: lines.  Everything lives in temporary roots; the
# simulators listen on loopback only and are stopped through their pidfiles;
# the namespaces made here carry this run's prefix and are deleted.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xe, xvs-xapi-sim and
# xvs-xenstored).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
sim=$bin/xvs-xapi-sim
xe_bin=$bin/xe
fixture=$src/tests/data/dbcache/four-scenarios.dbcache
root=
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

if [ ! -x "$sim" ]; then
    echo "SKIP: xe-cli: simulator not built"
    exit 0
fi
if [ ! -x "$xe_bin" ]; then
    fail xe-cli "no xe in $bin (set XVS_BIN)"
    exit 1
fi
if [ ! -f "$fixture" ]; then
    echo "SKIP: xe-cli: fixture $fixture missing"
    exit 0
fi

# stop_pidfile FILE: stops the process whose PID FILE holds, if any.
# shellcheck disable=SC2317 # Called from the EXIT trap.
stop_pidfile() {
    local pid
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
}

# The guests' namespaces are named with this prefix (the VM phase below).
ns_prefix=xvs-xe-$$-
vmroot=

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    local ns
    [ -n "$root" ] && stop_pidfile "$root/sim.pid"
    if [ -n "$vmroot" ]; then
        stop_pidfile "$vmroot/sim.pid"
        stop_pidfile "$vmroot/xenstored.pid"
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
            [[ $ns == "$ns_prefix"* ]] && ip netns delete "$ns"
        done
        rm -rf "$vmroot"
    fi
    [ -n "$root" ] && rm -rf "$root"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$(mktemp -d /tmp/xvs-xe-cli.XXXXXX)
sock=$root/var/lib/xcp/xapi
mkdir -p "$root/var/lib/xcp" "$root/etc/xapi.d/plugins" "$root/etc/xensource" \
    "$root/opt/xensource/libexec"
# A vswitch host, as SDN controllers need.
echo openvswitch >"$root/etc/xensource/network.conf"
# XAPI runs interface-reconfigure to plug PIFs; this test double records
# its arguments instead of touching interfaces.
printf '#!/bin/sh\necho "$*" >>"%s/ir.log"\n' "$root" \
    >"$root/opt/xensource/libexec/interface-reconfigure"
chmod +x "$root/opt/xensource/libexec/interface-reconfigure"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

if ! "$sim" --root-prefix "$root" --state "$root/sim.state" --dbcache "$fixture" --unix "$sock" \
    --listen "127.0.0.1:$port" --password xe-secret --pidfile "$root/sim.pid" --detach \
    --no-syslog >"$root/sim.log" 2>&1; then
    fail xe-cli-start "the simulator did not start: $(tail -n 3 "$root/sim.log")"
    exit 1
fi
for _ in $(seq 50); do
    [ -S "$sock" ] && [ -s "$root/sim.pid" ] && break
    sleep 0.1
done
if [ ! -S "$sock" ] || [ ! -s "$root/sim.pid" ]; then
    fail xe-cli-start "no socket or pidfile after the simulator started"
    exit 1
fi

# xe ARGS...: runs xe on the local socket of the temporary root, leaving
# stdout in $out, stderr in $err and the exit status in $rc.
xe() {
    "$xe_bin" --root-prefix "$root" "$@" >"$root/out" 2>"$root/err"
    rc=$?
    out=$(cat "$root/out")
    err=$(cat "$root/err")
}

# check NAME WANT-RC WANT-OUT: compares the last run's status and stdout.
check() {
    if [ "$rc" -eq "$2" ] && [ "$out" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "exit $rc (want $2), out '$out' (want '$3'), err '$err'"
    fi
}

# lacks NAME: when the last run failed because the simulator does not know
# a method, prints a SKIP naming it and returns 0.
lacks() {
    local method
    if [ "$rc" -ne 0 ] && grep -q '^You tried to call a method that does not exist' <<<"$err"; then
        method=$(sed -n 's/^method: //p' <<<"$err")
        echo "SKIP: $1: simulator lacks ${method:-a method}"
        return 0
    fi
    return 1
}

eth0=c5ac2c67-c23f-5858-9541-dc7a1d30b5e2
eth2=851987ef-ec02-5537-a91d-8ecb71453391
eth4=325fdef5-5ce8-5edb-9950-50dad7fcad59
xenbr0=d56921bb-f85d-531d-8f6f-9bbf567a1cf5

# ------------------------------------------------------------------
# Read verbs.

xe pif-list
n=$(grep -c '^uuid ( RO)                  : [0-9a-f-]\{36\}$' <<<"$out")
if [ "$rc" -eq 0 ] && [ "$n" -eq 8 ] && grep -qx '                device ( RO): bond0' <<<"$out" &&
    grep -qx '          network-uuid ( RO): '"$xenbr0" <<<"$out"; then
    pass xe-pif-list
else
    fail xe-pif-list "exit $rc, $n records: $out $err"
fi
# Records end with two blank lines, as xe prints them.
if [ "$(tail -c 3 "$root/out" | od -An -c | tr -d ' ')" = '\n\n\n' ]; then
    pass xe-pif-list-layout
else
    fail xe-pif-list-layout "output does not end with two blank lines"
fi

xe pif-list device=eth0 --minimal
check xe-pif-list-filter 0 "$eth0"

xe pif-list --minimal
n=$(tr ',' '\n' <<<"$out" | grep -c '^[0-9a-f-]\{36\}$')
if [ "$rc" -eq 0 ] && [ "$n" -eq 8 ] && [ "$(wc -l <"$root/out")" -eq 1 ]; then
    pass xe-pif-list-minimal
else
    fail xe-pif-list-minimal "exit $rc, $n uuids: '$out'"
fi

xe pif-list device=eth2 params=device,IP-configuration-mode,other-config
check xe-pif-list-params 0 "device ( RO)                   : eth2
    IP-configuration-mode ( RO): DHCP
             other-config (MRW): ethtool-tx: off"

xe pif-list other-config:ethtool-tx=off params=uuid --minimal
check xe-pif-list-map-filter 0 "$eth2"

xe pif-list VLAN=4 params=device,VLAN,network-name-label
check xe-pif-list-vlan 0 "device ( RO)                : bond0
                  VLAN ( RO): 4
    network-name-label ( RO): Pool-wide network associated with bond0 on VLAN4"

xe pif-list device=eth9 --minimal
check xe-pif-list-no-match 0 ""

xe network-list bridge=xenbr0
check xe-network-list 0 "uuid ( RO)                : $xenbr0
          name-label ( RW): Pool-wide network associated with eth0
    name-description ( RW): 
              bridge ( RO): xenbr0"

xe network-list PIF-uuids:contains=$eth0 --minimal
check xe-network-list-set-filter 0 "$xenbr0"

xe pif-param-get uuid=$eth0 param-name=network-uuid
check xe-pif-param-get 0 "$xenbr0"

xe pif-param-get uuid=$eth2 param-name=other-config param-key=ethtool-tx
check xe-pif-param-get-key 0 "off"

xe pif-param-list uuid=$eth0
if [ "$rc" -eq 0 ] && grep -q '^ *device ( RO): eth0$' <<<"$out" &&
    grep -q '^ *other-config (MRW): $' <<<"$out" &&
    grep -q '^ *bond-slave-of ( RO): [0-9a-f-]\{36\}$' <<<"$out"; then
    pass xe-pif-param-list
else
    fail xe-pif-param-list "exit $rc: $out $err"
fi

xe vm-list params=name-label,power-state,is-control-domain
if [ "$rc" -eq 0 ] && grep -q '^ *power-state ( RO): running$' <<<"$out" &&
    grep -q '^ *is-control-domain ( RO): true$' <<<"$out"; then
    pass xe-vm-list
else
    fail xe-vm-list "exit $rc: $out $err"
fi

xe vif-list --minimal
vifs_before=$out
if [ "$rc" -eq 0 ]; then
    pass xe-vif-list
else
    fail xe-vif-list "exit $rc: $err"
fi

xe host-list --minimal
host=$out
if [ "$rc" -eq 0 ] && [[ $host =~ ^[0-9a-f-]{36}$ ]]; then
    pass xe-host-list
else
    fail xe-host-list "exit $rc: '$out' $err"
fi

# TCP, with the simulator's password; a wrong one is refused.
"$xe_bin" -s 127.0.0.1 -p "$port" --nossl -u root -pw xe-secret pif-list device=eth0 --minimal \
    >"$root/out" 2>"$root/err"
rc=$?
out=$(cat "$root/out")
err=$(cat "$root/err")
check xe-tcp 0 "$eth0"
"$xe_bin" -s 127.0.0.1 -p "$port" --nossl -u root -pw wrong pif-list >"$root/out" 2>"$root/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^Authentication failed$' "$root/err"; then
    pass xe-tcp-bad-password
else
    fail xe-tcp-bad-password "exit $rc, err '$(cat "$root/err")'"
fi

# ------------------------------------------------------------------
# Errors.

xe pif-param-get uuid=00000000-0000-0000-0000-000000000000 param-name=device
if [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$err" = "The uuid you supplied was invalid.
type: PIF
uuid: 00000000-0000-0000-0000-000000000000" ]; then
    pass xe-error-uuid-invalid
else
    fail xe-error-uuid-invalid "exit $rc, err '$err'"
fi

xe pif-frobnicate
if [ "$rc" -eq 1 ] && [ "$err" = "Unknown command: pif-frobnicate
For usage run: 'xe help'" ]; then
    pass xe-error-unknown-command
else
    fail xe-error-unknown-command "exit $rc, err '$err'"
fi

xe pif-param-get uuid=$eth0
if [ "$rc" -eq 1 ] && grep -qx 'Required parameter not found: param-name' <<<"$err"; then
    pass xe-error-missing-parameter
else
    fail xe-error-missing-parameter "exit $rc, err '$err'"
fi

xe pif-list nonsense=1
if [ "$rc" -eq 1 ] && grep -qx "message: Failure: Unknown field 'nonsense'" <<<"$err"; then
    pass xe-error-unknown-filter
else
    fail xe-error-unknown-filter "exit $rc, err '$err'"
fi

xe pif-param-get uuid=$eth0 param-name=nonsense
if [ "$rc" -eq 1 ] && [ "$err" = "Error code: Missing parameter
Error parameters: nonsense" ]; then
    pass xe-error-unknown-param-name
else
    fail xe-error-unknown-param-name "exit $rc, err '$err'"
fi

"$xe_bin" --root-prefix "$root/nowhere" pif-list >"$root/out" 2>"$root/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^Unable to contact server' "$root/err"; then
    pass xe-error-no-server
else
    fail xe-error-no-server "exit $rc, err '$(cat "$root/err")'"
fi

# ------------------------------------------------------------------
# Write verbs.

# done NAME: after a write verb, prints SKIP when the simulator lacks the
# method, FAIL when the verb failed otherwise; returns 0 only when it
# succeeded, so that its effect can be checked.
done_ok() {
    if lacks "$1"; then
        return 1
    fi
    if [ "$rc" -ne 0 ]; then
        fail "$1" "exit $rc, out '$out', err '$err'"
        return 1
    fi
    return 0
}

xe network-create name-label=xe-test-net
net=$out
if done_ok xe-network-create; then
    xe network-list name-label=xe-test-net --minimal
    if [[ $net =~ ^[0-9a-f-]{36}$ ]]; then
        check xe-network-create 0 "$net"
    else
        fail xe-network-create "printed '$net', not a uuid"
        net=
    fi
else
    net=
fi

if [ -n "$net" ]; then
    xe network-param-set uuid="$net" other-config:vswitch-controller-fail-mode=secure \
        name-description="made by xe"
    if done_ok xe-network-param-set; then
        xe network-list uuid="$net" params=name-description,other-config
        check xe-network-param-set 0 "name-description ( RW)    : made by xe
        other-config (MRW): vswitch-controller-fail-mode: secure"
    fi

    xe vlan-create network-uuid="$net" pif-uuid=$eth2 vlan=42
    vlan_pif=$out
    if done_ok xe-vlan-create; then
        xe pif-list VLAN=42 params=uuid,device,network-uuid
        check xe-vlan-create 0 "uuid ( RO)            : $vlan_pif
          device ( RO): eth2
    network-uuid ( RO): $net"
        xe vlan-list untagged-PIF="$vlan_pif" --minimal
        vlan=$out
        xe vlan-destroy uuid="$vlan"
        if done_ok xe-vlan-destroy; then
            xe pif-list VLAN=42 --minimal
            check xe-vlan-destroy 0 ""
        fi
    fi

    xe vlan-create network-uuid="$net" pif-uuid=$eth2 vlan=5000
    if ! lacks xe-vlan-tag-invalid; then
        if [ "$rc" -eq 1 ] && [ -z "$out" ] &&
            grep -q '^The VLAN tag you gave was invalid' <<<"$err"; then
            pass xe-vlan-tag-invalid
        else
            fail xe-vlan-tag-invalid "exit $rc, out '$out', err '$err'"
        fi
    fi
fi

# A bond may have one member with an IP configuration: eth2 has DHCP, so
# eth4 loses its static one first.
xe pif-reconfigure-ip uuid=$eth4 mode=None
if done_ok xe-pif-reconfigure-ip-none; then
    xe pif-param-get uuid=$eth4 param-name=IP-configuration-mode
    check xe-pif-reconfigure-ip-none 0 None
fi

xe network-create name-label=xe-bond-net
bond_net=$out
if [ "$rc" -eq 0 ] && [ -n "$bond_net" ]; then
    xe bond-create network-uuid="$bond_net" pif-uuids=$eth2,$eth4 mode=active-backup
    bond=$out
    if done_ok xe-bond-create; then
        xe bond-list uuid="$bond" params=mode,slaves
        slaves=$(sed -n 's/^ *slaves ( RO) *: //p' <<<"$out")
        if grep -q '^ *mode ( RO): active-backup$' <<<"$out" && [[ $slaves == *$eth2* ]] &&
            [[ $slaves == *$eth4* ]]; then
            pass xe-bond-create
        else
            fail xe-bond-create "bond '$bond': '$out', err '$err'"
        fi
        xe bond-set-mode uuid="$bond" mode=balance-slb
        if done_ok xe-bond-set-mode; then
            xe bond-param-get uuid="$bond" param-name=mode
            check xe-bond-set-mode 0 balance-slb
        fi
        xe bond-destroy uuid="$bond"
        if done_ok xe-bond-destroy; then
            xe pif-param-get uuid=$eth2 param-name=bond-slave-of
            check xe-bond-destroy 0 "<not in database>"
        fi
    fi
fi

xe pif-reconfigure-ip uuid=$eth4 mode=static IP=192.0.2.4 netmask=255.255.255.0 \
    gateway=192.0.2.1
if done_ok xe-pif-reconfigure-ip; then
    xe pif-list uuid=$eth4 params=IP-configuration-mode,IP,netmask
    check xe-pif-reconfigure-ip 0 "IP-configuration-mode ( RO)    : Static
                       IP ( RO): 192.0.2.4
                  netmask ( RO): 255.255.255.0"
fi

# A tunnel over eth4, which has an IP configuration now.
xe network-create name-label=xe-tunnel-net
tunnel_net=$out
xe tunnel-create network-uuid="$tunnel_net" pif-uuid=$eth4 protocol=vxlan
access=$out
if done_ok xe-tunnel-create; then
    xe tunnel-list access-PIF="$access" params=transport-PIF,protocol
    check xe-tunnel-create 0 "transport-PIF ( RO)    : $eth4
         protocol ( RO): vxlan"
    xe tunnel-list access-PIF="$access" --minimal
    xe tunnel-destroy uuid="$out"
    if done_ok xe-tunnel-destroy; then
        xe tunnel-list --minimal
        check xe-tunnel-destroy 0 ""
    fi
fi

xe host-management-reconfigure pif-uuid=$eth4
if done_ok xe-host-management-reconfigure; then
    xe pif-list management=true --minimal
    check xe-host-management-reconfigure 0 "$eth4"
    # Back to eth2, so that eth4 can be unplugged below.
    xe host-management-reconfigure pif-uuid=$eth2
    if done_ok xe-host-management-reconfigure-back; then
        xe pif-list management=true --minimal
        check xe-host-management-reconfigure-back 0 "$eth2"
    fi
fi

xe pif-param-add uuid=$eth4 param-name=other-config ethtool-gro=off
if done_ok xe-pif-param-add; then
    xe pif-param-get uuid=$eth4 param-name=other-config param-key=ethtool-gro
    check xe-pif-param-add 0 off
    xe pif-param-set uuid=$eth4 other-config:ethtool-gro=on
    if done_ok xe-pif-param-set; then
        xe pif-param-get uuid=$eth4 param-name=other-config param-key=ethtool-gro
        check xe-pif-param-set 0 on
    fi
    xe pif-param-remove uuid=$eth4 param-name=other-config param-key=ethtool-gro
    if done_ok xe-pif-param-remove; then
        xe pif-param-get uuid=$eth4 param-name=other-config
        if [ "$rc" -eq 0 ] && [[ $out != *ethtool-gro* ]]; then
            pass xe-pif-param-remove
        else
            fail xe-pif-param-remove "exit $rc, other-config '$out', err '$err'"
        fi
    fi
fi

xe pif-plug uuid=$eth4
if done_ok xe-pif-plug; then
    xe pif-param-get uuid=$eth4 param-name=currently-attached
    if [ "$out" = true ] && grep -q -- "--pif " "$root/ir.log" 2>/dev/null; then
        pass xe-pif-plug
    else
        fail xe-pif-plug "currently-attached '$out', interface-reconfigure runs: $(
            cat "$root/ir.log" 2>/dev/null
        )"
    fi
    xe pif-unplug uuid=$eth4
    if done_ok xe-pif-unplug; then
        xe pif-param-get uuid=$eth4 param-name=currently-attached
        check xe-pif-unplug 0 false
    fi
fi

# An SDN controller, then (once it is forgotten) the older pool-wide
# controller address: XAPI refuses to have both.
xe sdn-controller-introduce address=192.0.2.20 protocol=ssl tcp-port=6653
sdn=$out
if done_ok xe-sdn-controller-introduce; then
    xe sdn-controller-list uuid="$sdn" params=address,port
    check xe-sdn-controller-introduce 0 "address ( RO)    : 192.0.2.20
       port ( RO): 6653"
    xe sdn-controller-forget uuid="$sdn"
    if done_ok xe-sdn-controller-forget; then
        xe sdn-controller-list --minimal
        check xe-sdn-controller-forget 0 ""
    fi
fi

xe pool-set-vswitch-controller address=192.0.2.10
if done_ok xe-pool-set-vswitch-controller; then
    pool=$("$xe_bin" --root-prefix "$root" pool-list --minimal)
    xe pool-param-get uuid="$pool" param-name=vswitch-controller
    check xe-pool-set-vswitch-controller 0 192.0.2.10
fi

# A plugin that answers "hello from <fn>" with the real plugin protocol.
cat >"$root/etc/xapi.d/plugins/xe-echo" <<'EOF'
#!/bin/sh
fn=$(printf '%s' "$1" | sed -n 's:.*<methodName>\(.*\)</methodName>.*:\1:p')
printf '<?xml version="1.0"?><methodResponse><params><param><value><struct>'
printf '<member><name>Status</name><value>Success</value></member>'
printf '<member><name>Value</name><value>hello from %s</value></member>' "$fn"
printf '</struct></value></param></params></methodResponse>\n'
EOF
chmod +x "$root/etc/xapi.d/plugins/xe-echo"
xe host-call-plugin host-uuid="$host" plugin=xe-echo fn=greet args:who=me
if done_ok xe-host-call-plugin; then
    check xe-host-call-plugin 0 "hello from greet"
    xe host-call-plugin host-uuid="$host" plugin=xe-missing fn=x
    if [ "$rc" -eq 1 ] && [ "$err" = "The requested plug-in could not be found.
name: xe-missing" ]; then
        pass xe-host-call-plugin-missing
    else
        fail xe-host-call-plugin-missing "exit $rc, err '$err'"
    fi
fi

xe vm-create name-label=xe-guest
vm=$out
if done_ok xe-vm-create; then
    xe vm-list name-label=xe-guest params=uuid,power-state
    check xe-vm-create 0 "uuid ( RO)           : $vm
    power-state ( RO): halted"
    xe vif-create vm-uuid="$vm" network-uuid=$xenbr0 device=0 mac=00:16:3e:00:00:42
    vif=$out
    if done_ok xe-vif-create; then
        xe vif-list vm-uuid="$vm" params=uuid,device,MAC,network-uuid
        check xe-vif-create 0 "uuid ( RO)            : $vif
          device ( RO): 0
             MAC ( RO): 00:16:3e:00:00:42
    network-uuid ( RO): $xenbr0"
        xe vif-param-set uuid="$vif" locking-mode=locked ipv4-allowed=192.0.2.50,192.0.2.51
        if done_ok xe-vif-param-set; then
            xe vif-list uuid="$vif" params=locking-mode,ipv4-allowed
            check xe-vif-param-set 0 "locking-mode ( RW)    : locked
    ipv4-allowed (SRW): 192.0.2.50; 192.0.2.51"
        fi
        xe vif-param-remove uuid="$vif" param-name=ipv4-allowed param-key=192.0.2.51
        if done_ok xe-vif-param-remove; then
            xe vif-param-add uuid="$vif" param-name=ipv4-allowed param-key=192.0.2.52
            if done_ok xe-vif-param-add; then
                xe vif-param-get uuid="$vif" param-name=ipv4-allowed
                check xe-vif-param-add-remove 0 "192.0.2.50; 192.0.2.52"
            fi
        fi
        xe vif-destroy uuid="$vif"
        if done_ok xe-vif-destroy; then
            xe vif-list --minimal
            check xe-vif-destroy 0 "$vifs_before"
        fi
    fi
    xe vm-shutdown vm=xe-guest
    if ! lacks xe-vm-shutdown-halted; then
        if [ "$rc" -eq 1 ] && grep -q '^You attempted an operation on a VM that was not in an' \
            <<<"$err" && grep -qx "vm: $vm (xe-guest)" <<<"$err" &&
            grep -qx 'actual: halted' <<<"$err"; then
            pass xe-vm-shutdown-halted
        else
            fail xe-vm-shutdown-halted "exit $rc, err '$err'"
        fi
    fi
fi

# ------------------------------------------------------------------
# Guests: vm-start, vif-plug/unplug and vm-shutdown on a simulator that
# runs in a dom0 namespace with xvs-xenstored, as on a sandbox host.  The
# hotplug script is a test double that answers through xenstore as vif-real
# does and logs its calls.

vm_prerequisites() {
    local prog
    [ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; return; }
    [ -x "$bin/xvs-xenstored" ] || { echo "xvs-xenstored not built"; return; }
    for prog in ip nsenter xenstore-write xenstore-rm; do
        command -v "$prog" >/dev/null || { echo "$prog not installed"; return; }
    done
}

why=$(vm_prerequisites)
if [ -n "$why" ]; then
    echo "SKIP: xe-vm: $why"
    exit "$failed"
fi

vmroot=$(mktemp -d /tmp/xvs-xe-vm.XXXXXX)
dom0=${ns_prefix}dom0
mkdir -p "$vmroot/libexec" "$vmroot/etc/xensource" "$vmroot/var/lib/xcp"
echo openvswitch >"$vmroot/etc/xensource/network.conf"
printf '#!/bin/sh\nexit 0\n' >"$vmroot/libexec/interface-reconfigure"
printf '#!/bin/sh\nexit 0\n' >"$vmroot/libexec/setup-vif-rules"
cat >"$vmroot/libexec/vif" <<'EOF'
#!/bin/sh
echo "$1 $vif" >>"$XVS_ROOT/vif.log"
case "$1" in
online)
    ip link show "$vif" >/dev/null || exit 2
    xenstore-write "$XENBUS_PATH/hotplug-status" connected
    ;;
remove)
    xenstore-rm "$XENBUS_PATH/hotplug-status"
    ;;
esac
exit 0
EOF
chmod +x "$vmroot/libexec/"*
if ! ip netns add "$dom0" || ! ip -n "$dom0" link set lo up; then
    fail xe-vm-setup "cannot create namespace $dom0"
    exit 1
fi
if ! "$bin/xvs-xenstored" --root-prefix "$vmroot" --pidfile "$vmroot/xenstored.pid" --detach \
    --no-syslog >"$vmroot/xenstored.log" 2>&1; then
    fail xe-vm-setup "xvs-xenstored did not start: $(tail -n 3 "$vmroot/xenstored.log")"
    exit 1
fi
# nsenter joins the network namespace only, so that the namespaces the
# simulator makes are visible outside.
if ! nsenter --net="/run/netns/$dom0" "$sim" --root-prefix "$vmroot" \
    --state "$vmroot/sim.state" --dbcache "$fixture" --libexec "$vmroot/libexec" \
    --guest-ns-prefix "$ns_prefix" --pidfile "$vmroot/sim.pid" --detach --no-syslog \
    >"$vmroot/sim.log" 2>&1; then
    fail xe-vm-setup "the simulator did not start: $(tail -n 3 "$vmroot/sim.log")"
    exit 1
fi

# xv ARGS...: xe against the guests' simulator.
xv() {
    "$xe_bin" --root-prefix "$vmroot" "$@" >"$vmroot/out" 2>"$vmroot/err"
    rc=$?
    out=$(cat "$vmroot/out")
    err=$(cat "$vmroot/err")
}

xv vm-create name-label=web
vm=$out
xv vif-create vm-uuid="$vm" network-uuid=$xenbr0 device=0 mac=00:16:3e:00:01:01
vif=$out
if [ "$rc" -ne 0 ]; then
    fail xe-vm-setup "vif-create: exit $rc, err '$err'"
    exit 1
fi

xv vm-start vm=web
if done_ok xe-vm-start; then
    xv vm-list uuid="$vm" params=power-state --minimal
    state=$out
    xv vif-param-get uuid="$vif" param-name=currently-attached
    if [ "$state" = running ] && [ "$out" = true ] &&
        ip netns list | grep -q "^${ns_prefix}web" &&
        grep -q '^online vif' "$vmroot/vif.log" 2>/dev/null; then
        pass xe-vm-start
    else
        fail xe-vm-start "power-state '$state', attached '$out', vif calls: $(
            cat "$vmroot/vif.log" 2>/dev/null
        )"
    fi

    xv vif-unplug uuid="$vif"
    if done_ok xe-vif-unplug; then
        xv vif-param-get uuid="$vif" param-name=currently-attached
        if [ "$out" = false ] && grep -q '^remove vif' "$vmroot/vif.log"; then
            pass xe-vif-unplug
        else
            fail xe-vif-unplug "attached '$out', vif calls: $(cat "$vmroot/vif.log")"
        fi
        xv vif-plug uuid="$vif"
        if done_ok xe-vif-plug; then
            xv vif-param-get uuid="$vif" param-name=currently-attached
            check xe-vif-plug 0 true
        fi
    fi

    xv vm-start vm=web
    if [ "$rc" -eq 1 ] && grep -qx 'expected: halted' <<<"$err" &&
        grep -qx 'actual: running' <<<"$err"; then
        pass xe-vm-start-running
    else
        fail xe-vm-start-running "exit $rc, err '$err'"
    fi

    xv vm-shutdown vm=web
    if done_ok xe-vm-shutdown; then
        xv vm-list uuid="$vm" params=power-state --minimal
        if [ "$out" = halted ] && ! ip netns list | grep -q "^${ns_prefix}web"; then
            pass xe-vm-shutdown
        else
            fail xe-vm-shutdown "power-state '$out', namespaces: $(ip netns list)"
        fi
    fi

    xv vm-start uuid="$vm"
    if done_ok xe-vm-start-again; then
        xv vm-shutdown uuid="$vm" --force
        if done_ok xe-vm-shutdown-force; then
            xv vm-list uuid="$vm" params=power-state --minimal
            check xe-vm-shutdown-force 0 halted
        fi
    fi
fi

exit "$failed"
