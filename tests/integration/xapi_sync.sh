#!/usr/bin/env bash
# Integration test of libexec/ovs-xapi-sync against the simulator xvs-xapi-sim
# (four-scenarios dbcache: pool fail mode secure, xenbr0 with
# vswitch-disable-in-band=true) and xvs-dbd: nothing happens before XAPI's
# init cookie; then new bridges get fail_mode, disable-in-band and bridge-id;
# vif/tap twins get the vif's identities, iface-id, vm-id and iface-status;
# later changes are followed; flush-cache and exit work on the control
# socket.  Prints PASS:/FAIL:/SKIP: lines.
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
sync=$(dirname "$bin")/libexec/ovs-xapi-sync
fixture=$src/tests/data/dbcache/four-scenarios.dbcache
root=
# shellcheck source=tests/lib/common.sh
. "$src/tests/lib/common.sh"

for p in "$bin/xvs-xapi-sim" "$bin/xvs-dbd" "$bin/xvs-vsctl" "$bin/xvs-appctl" "$sync"; do
    if [ ! -x "$p" ]; then
        fail xapi-sync "$p not built"
        exit 1
    fi
done

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    if [ -n "$root" ]; then
        stop_pidfile "$root/sync.pid"
        stop_pidfile "$root/sim.pid"
        stop_pidfile "$root/dbd.pid"
        rm -rf "$root"
    fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$(mktemp -d /tmp/xvs-xapi-sync.XXXXXX)
mkdir -p "$root/var/lib/xcp" "$root/var/run/openvswitch" "$root/etc/openvswitch"
"$bin/xvs-xapi-sim" --root-prefix "$root" --dbcache "$fixture" --pidfile "$root/sim.pid" \
    --detach --no-syslog 2>/dev/null || { fail xapi-sync "simulator did not start"; exit 1; }
"$bin/xvs-dbd" --root-prefix "$root" --remote="punix:$root/var/run/openvswitch/db.sock" \
    --pidfile="$root/dbd.pid" --detach --no-syslog 2>/dev/null ||
    { fail xapi-sync "xvs-dbd did not start"; exit 1; }

vsctl() { "$bin/xvs-vsctl" --root-prefix="$root" "$@"; }
net2=$(awk '/<bridge>xenbr2</ { print u } { if (match($0, /<uuid>[^<]*</)) u = substr($0, RSTART + 6, RLENGTH - 7) }' "$fixture")
vm=6f0e8e4c-3d4b-4a0e-9c38-9a1c4e1d0a01
vif=0a7c3c52-5d1e-4f0b-8f0e-4a6f8f0c2b11

vsctl init -- add-br xenbr0 -- add-br xenbr2 -- br-set-external-id xenbr2 xs-network-uuids "$net2" \
    -- add-port xenbr0 vif3.0 -- set Interface vif3.0 external-ids:xs-vif-uuid=$vif \
    external-ids:xs-vm-uuid=$vm external-ids:attached-mac=00:16:3e:00:00:01 \
    external-ids:xs-network-uuid="$net2" -- add-port xenbr0 tap3.0 -- add-port xenbr0 vif4.0

"$sync" --root-prefix="$root" --no-syslog --pidfile="$root/sync.pid" --detach \
    "unix:$root/var/run/openvswitch/db.sock" 2>"$root/sync.log" ||
    { fail xapi-sync "ovs-xapi-sync did not start"; exit 1; }

sleep 1.5
if [ "$(vsctl get Bridge xenbr0 fail_mode)" = "[]" ]; then pass xapi-sync-waits-for-cookie
else fail xapi-sync-waits-for-cookie "changed the switch before XAPI was up"; fi

touch "$root/var/run/xapi_init_complete.cookie"
is() { [ "$(vsctl "${@:2}")" = "$1" ]; }

if wait_for is secure get Bridge xenbr0 fail_mode && is '"true"' get Bridge xenbr0 other_config:disable-in-band &&
    is secure get Bridge xenbr2 fail_mode && is "\"$net2\"" get Bridge xenbr2 external_ids:bridge-id; then
    pass xapi-sync-bridges
else
    fail xapi-sync-bridges "$(vsctl list Bridge | grep -E 'name|fail_mode|external_ids|other_config' | tr '\n' ' ')"
fi

if wait_for is "\"$vif\"" get Interface tap3.0 external_ids:iface-id &&
    is "\"$vm\"" get Interface tap3.0 external_ids:xs-vm-uuid &&
    is "\"$vm\"" get Interface tap3.0 external_ids:vm-id &&
    is '"00:16:3e:00:00:01"' get Interface tap3.0 external_ids:attached-mac &&
    is active get Interface tap3.0 external_ids:iface-status &&
    is inactive get Interface vif3.0 external_ids:iface-status &&
    is "\"$vif\"" get Interface vif3.0 external_ids:iface-id &&
    is active get Interface vif4.0 external_ids:iface-status; then
    pass xapi-sync-interfaces
else
    fail xapi-sync-interfaces "$(vsctl --columns=name,external_ids list Interface 2>/dev/null | tr '\n' ' ')"
fi

# A port plugged later is picked up from the monitor's update.
vsctl add-port xenbr2 vif5.0 -- set Interface vif5.0 external-ids:xs-vif-uuid=$vif
if wait_for is "\"$vif\"" get Interface vif5.0 external_ids:iface-id; then pass xapi-sync-follows-changes
else fail xapi-sync-follows-changes "vif5.0 got no iface-id"; fi

ctl=$root/var/run/openvswitch/ovs-xapi-sync.ctl
if "$bin/xvs-appctl" -t "$ctl" flush-cache >/dev/null; then pass xapi-sync-flush-cache
else fail xapi-sync-flush-cache "xvs-appctl failed"; fi

pid=$(cat "$root/sync.pid")
"$bin/xvs-appctl" -t "$ctl" exit >/dev/null
if wait_for sh -c "! kill -0 $pid"; then pass xapi-sync-exit
else fail xapi-sync-exit "still running"; fi

exit $failed
