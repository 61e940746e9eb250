#!/usr/bin/env bash
# Integration test of the simulated-host sandbox (lib/sandbox via the
# xvs-sandbox CLI): a host with two guests bridged in dom0 that ping each
# other, a physical NIC to an upstream namespace, roll-back of a failed step,
# teardown that leaves nothing behind, and reaping of a host whose owner died.
# Prints PASS:/FAIL:/SKIP: lines.  All traffic stays inside namespaces this
# script creates.
#
# Env: XVS_TOOLS (folder with the xvs-sandbox binary; default build/tests).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tools=${XVS_TOOLS:-$src/build/tests}
sb=$tools/xvs-sandbox
me=$$
failed=0
bg_pid=
host=sbtest
stale=sbstale

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }
skip() { echo "SKIP: $1: $2"; }
bad() { ok=0; fail "$@"; } # bad CASE WHY: one failed check of the current case
# refused CASE WHY ARGS...: xvs-sandbox ARGS must fail; WHY says what it accepted.
refused() {
    local c=$1 why=$2
    shift 2
    if "$sb" "$@" >/dev/null 2>&1; then bad "$c" "$why"; fi
}

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    [ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
    [ -x "$sb" ] || return 0
    "$sb" --owner "$me" destroy "$host" >/dev/null 2>&1
    "$sb" destroy "$stale" >/dev/null 2>&1
    "$sb" reap >/dev/null 2>&1
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$sb" ]; then
    fail sandbox "no xvs-sandbox binary in $tools (set XVS_TOOLS)"
    exit 1
fi

# Command-line handling needs no privileges.
if out=$("$sb" --help 2>&1) && [[ $out == Usage:* ]]; then
    pass sandbox-cli-help
else
    fail sandbox-cli-help "--help did not print usage and exit 0"
fi
bad_ok=1
for argv in "" "create" "create a b" "frobnicate" "guest h g" "--mac 02:00:00:00:00:01 create h" \
    "--owner nope create h" "--bogus reap" "reap extra"; do
    # shellcheck disable=SC2086 # Splitting the argument lists is the point.
    "$sb" $argv >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || { fail sandbox-cli-usage "\"$argv\" exited $rc, not 2"; bad_ok=0; }
done
err=$("$sb" create 'bad/name' 2>&1)
rc=$?
if [ "$rc" -ne 1 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
    fail sandbox-cli-usage "bad host name: exit $rc, message \"$err\""
    bad_ok=0
fi
[ "$bad_ok" -eq 1 ] && pass sandbox-cli-usage

if [ "$(id -u)" -ne 0 ]; then
    skip sandbox "not root"
    exit 0
fi
probe=xvs-probe-$me
if ! ip netns add "$probe" 2>/dev/null; then
    skip sandbox "ip netns is unusable"
    exit 0
fi
ip netns delete "$probe"
have_ping=1
command -v ping >/dev/null || have_ping=0

netns_left() { # prefix: prints the namespaces whose name starts with it
    ip netns list | awk -v p="$1" 'index($1, p) == 1 {printf "%s ", $1}'
}

# nsx NS CMD...: runs CMD inside namespace NS.
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- a host with two guests on a dom0 bridge -------------------------------
if ! assign=$("$sb" --owner "$me" create "$host"); then
    fail sandbox-create "xvs-sandbox create failed"
    exit 1
fi
eval "$assign"
prefix=xvs-$me-$host
ok=1
[ "${DOM0_NS:-}" = "$prefix-dom0" ] || bad sandbox-create "DOM0_NS=${DOM0_NS:-}, not $prefix-dom0"
for d in etc/xensource var/xapi var/lib/xcp var/run/openvswitch var/run/xenstored \
    etc/xapi.d/plugins etc/sysconfig/network-scripts opt/xensource/libexec; do
    [ -d "${XVS_ROOT:-/nonexistent}/$d" ] || bad sandbox-create "no $d under ${XVS_ROOT:-}"
done
[ -n "$(netns_left "$prefix-dom0")" ] || bad sandbox-create "no namespace $prefix-dom0"
grep -q "^owner $me " "/run/xvs-sandbox/$prefix.owner" 2>/dev/null \
    || bad sandbox-create "no record naming owner $me"
nsx "$DOM0_NS" ip -o link show lo | grep -q 'state UNKNOWN\|,UP' \
    || bad sandbox-create "lo is not up in dom0"
refused sandbox-create "second create succeeded" --owner "$me" create "$host"
[ "$ok" -eq 1 ] && pass sandbox-create
root=${XVS_ROOT:-}

ok=1
g1='' g2=''
if eval "$("$sb" guest "$host" g1 vif1.0 --mac 02:00:00:99:00:01 --ip 10.99.0.1/24)"; then
    g1=$GUEST_NS
else
    bad sandbox-guests "guest g1 failed"
fi
if eval "$("$sb" guest "$host" g2 vif2.0 --ip 10.99.0.2/24)"; then
    g2=$GUEST_NS
else
    bad sandbox-guests "guest g2 failed"
fi
if [ "$ok" -eq 1 ]; then
    [ "$g1" = "$prefix-g1" ] || bad sandbox-guests "GUEST_NS=$g1"
    nsx "$g1" ip -o link show eth0 | grep -q 'link/ether 02:00:00:99:00:01' \
        || bad sandbox-guests "guest MAC not set"
    nsx "$g2" ip -o addr show eth0 | grep -q 'inet 10.99.0.2/24' \
        || bad sandbox-guests "guest address not set"
    nsx "$DOM0_NS" ip -o link show vif1.0 | grep -q 'link/ether fe:ff:ff:ff:ff:ff' \
        || bad sandbox-guests "vif1.0 has not the netback MAC"
    [ -z "$(ip -o link show vif1.0 2>/dev/null)" ] \
        || bad sandbox-guests "vif1.0 visible outside the sandbox"
fi
[ "$ok" -eq 1 ] && pass sandbox-guests

if [ "$ok" -eq 1 ]; then
    if ! { nsx "$DOM0_NS" ip link add br0 type bridge &&
        nsx "$DOM0_NS" ip link set vif1.0 master br0 &&
        nsx "$DOM0_NS" ip link set vif2.0 master br0 &&
        nsx "$DOM0_NS" ip link set br0 up; }; then
        fail sandbox-ping "cannot make br0 in dom0"
    elif [ "$have_ping" -eq 0 ]; then
        skip sandbox-ping "ping is not installed (iputils-ping)"
    elif nsx "$g1" ping -c1 -W2 10.99.0.2 >/dev/null &&
        nsx "$g2" ping -c1 -W2 10.99.0.1 >/dev/null; then
        pass sandbox-ping
    else
        fail sandbox-ping "guests cannot reach each other over br0"
    fi
fi

# A VIF name dom0 already has: the step fails and leaves nothing behind.
ok=1
if "$sb" guest "$host" g3 vif1.0 >/dev/null 2>&1; then
    bad sandbox-rollback "duplicate VIF accepted"
fi
[ -z "$(netns_left "$prefix-g3")" ] || bad sandbox-rollback "namespace $prefix-g3 left"
if grep -q "$prefix-g3" "/run/xvs-sandbox/$prefix.owner"; then bad sandbox-rollback "g3 recorded"; fi
nsx "$DOM0_NS" ip -o link show vif1.0 | grep -q 'master br0' \
    || bad sandbox-rollback "the existing vif1.0 was harmed"
refused sandbox-rollback "duplicate guest accepted" guest "$host" g1 vif9.0
refused sandbox-rollback "bad IP accepted" guest "$host" g4 vif4.0 --ip 10.99.0.300/24
refused sandbox-rollback "bad MAC accepted" guest "$host" g4 vif4.0 --mac 02:00:00:00:00
refused sandbox-rollback "16-char VIF accepted" guest "$host" g4 vif4.0xxxxxxxxxxxx
refused sandbox-rollback "unknown host accepted" guest nosuchhost g4 vif4.0
[ -z "$(netns_left "$prefix-g4")" ] || bad sandbox-rollback "namespace $prefix-g4 left"
[ "$ok" -eq 1 ] && pass sandbox-rollback

# Two physical NICs to one upstream switch.
ok=1
up=''
if eval "$("$sb" nic "$host" eth0 up --mac 02:00:00:99:01:00 --ip 192.168.77.1/24)"; then
    up=$UPSTREAM_NS
else
    bad sandbox-nic "nic eth0 failed"
fi
eval "$("$sb" nic "$host" eth1 up)" || bad sandbox-nic "nic eth1 failed"
if [ "$ok" -eq 1 ]; then
    if [ "$up" != "$prefix-up" ] || [ "$UPSTREAM_NS" != "$up" ]; then
        bad sandbox-nic "upstream namespaces $up / $UPSTREAM_NS"
    fi
    nsx "$DOM0_NS" ip -o link show eth0 | grep -q 'link/ether 02:00:00:99:01:00' \
        || bad sandbox-nic "NIC MAC not set"
    nsx "$up" ip -o link show eth1 >/dev/null 2>&1 || bad sandbox-nic "no eth1 upstream"
    refused sandbox-nic "guest used as upstream" nic "$host" eth2 g1
    nsx "$DOM0_NS" ip addr add 192.168.77.2/24 dev eth0
    if [ "$have_ping" -eq 1 ] && ! nsx "$DOM0_NS" ping -c1 -W2 192.168.77.1 >/dev/null; then
        bad sandbox-nic "dom0 cannot reach the upstream end"
    fi
fi
[ "$ok" -eq 1 ] && pass sandbox-nic

# Teardown, with a process still running inside a guest.
nsx "$g1" sleep 300 &
bg_pid=$!
sleep 0.2
ok=1
"$sb" --owner "$me" destroy "$host" >/dev/null 2>&1 || bad sandbox-destroy "destroy failed"
left=$(netns_left "$prefix-")
[ -z "$left" ] || bad sandbox-destroy "namespaces left: $left"
[ ! -e "$root" ] || bad sandbox-destroy "folder $root left"
[ ! -e "/run/xvs-sandbox/$prefix.owner" ] || bad sandbox-destroy "record left"
for _ in $(seq 50); do kill -0 "$bg_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$bg_pid" 2>/dev/null && bad sandbox-destroy "process in the guest survived"
wait "$bg_pid" 2>/dev/null
bg_pid=
"$sb" destroy "$host" >/dev/null 2>&1 && bad sandbox-destroy "second destroy succeeded"
[ "$ok" -eq 1 ] && pass sandbox-destroy

# A host whose owner process is gone is reaped.
ok=1
info=$(
    spid=$BASHPID
    eval "$("$sb" --owner "$spid" create "$stale")" || exit 1
    "$sb" guest "$stale" g1 vif1.0 --ip 10.98.0.1/24 >/dev/null || exit 1
    echo "$XVS_ROOT $DOM0_NS $spid"
) || bad sandbox-reap "create in a subshell failed"
read -r sroot sdom0 spid <<<"$info"
if [ "$ok" -eq 1 ]; then
    for _ in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
    sprefix=${sdom0%-dom0}
    if [ ! -d "$sroot" ] || [ -z "$(netns_left "$sprefix-")" ]; then
        bad sandbox-reap "host not made"
    fi
    out=$("$sb" reap 2>&1) || bad sandbox-reap "reap failed: $out"
    [[ $out == *REAPED=[1-9]* ]] || bad sandbox-reap "reap said: $out"
    left=$(netns_left "$sprefix-")
    [ -z "$left" ] || bad sandbox-reap "namespaces left: $left"
    [ ! -e "$sroot" ] || bad sandbox-reap "folder $sroot left"
    [ ! -e "/run/xvs-sandbox/$sprefix.owner" ] || bad sandbox-reap "record left"
fi
[ "$ok" -eq 1 ] && pass sandbox-reap

exit "$failed"
