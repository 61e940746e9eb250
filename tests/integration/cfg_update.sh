#!/usr/bin/env bash
# Integration test of plugins/openvswitch-cfg-update: the XAPI plugin protocol
# (one methodCall argument, one methodResponse on stdout, exit 0) against the
# simulator xvs-xapi-sim (seeded from the four-scenarios dbcache: pool fail
# mode secure, xenbr0 with vswitch-disable-in-band=true) and xvs-dbd.  Checks
# controller removal with emer-reset in one transaction, the fail_mode and
# disable-in-band reconciliation (fake bridges set on their parent, bridges
# unknown to XAPI left alone), idempotence, emergency_reset, and the failure
# answers.  Prints PASS:/FAIL:/SKIP: lines.
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
tools=${XVS_TOOLS:-$src/build/tests}
plugin=${XVS_PLUGINS:-$(dirname "$bin")/plugins}/openvswitch-cfg-update
fixture=$src/tests/data/dbcache/four-scenarios.dbcache
root=
# shellcheck source=tests/lib/common.sh
. "$src/tests/lib/common.sh"

for p in "$bin/xvs-xapi-sim" "$bin/xvs-dbd" "$bin/xvs-vsctl" "$tools/xvs-xapi-call" "$plugin"; do
    if [ ! -x "$p" ]; then
        fail cfg-update "$p not built"
        exit 1
    fi
done

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    if [ -n "$root" ]; then
        stop_pidfile "$root/sim.pid"
        stop_pidfile "$root/dbd.pid"
        rm -rf "$root"
    fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$(mktemp -d /tmp/xvs-cfg-update.XXXXXX)
mkdir -p "$root/var/lib/xcp" "$root/var/run/openvswitch" "$root/etc/openvswitch"
"$bin/xvs-xapi-sim" --root-prefix "$root" --dbcache "$fixture" --pidfile "$root/sim.pid" \
    --detach --no-syslog || { fail cfg-update "simulator did not start"; exit 1; }
"$bin/xvs-dbd" --root-prefix "$root" --remote="punix:$root/var/run/openvswitch/db.sock" \
    --pidfile="$root/dbd.pid" --detach --no-syslog || { fail cfg-update "xvs-dbd did not start"; exit 1; }

vsctl() { "$bin/xvs-vsctl" --root-prefix="$root" "$@"; }
session=$("$tools/xvs-xapi-call" --root-prefix "$root" --login-only) ||
    { fail cfg-update "no session"; exit 1; }

# Runs the plugin like XAPI does; prints "Success <value>" or "Failure <code> <params...>".
call() { # fn [session]
    local xml out rc
    xml=$(/usr/bin/python3 -c 'import sys, xmlrpc.client as x
print(x.dumps((sys.argv[2], {}), methodname=sys.argv[1]))' "$1" "${2:-$session}")
    out=$(XVS_ROOT=$root "$plugin" "$xml" 2>"$root/plugin.err")
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "EXIT $rc"
        return
    fi
    printf '%s' "$out" | /usr/bin/python3 -c 'import sys, xmlrpc.client as x
r = x.loads(sys.stdin.read())[0][0]
print(r["Status"], r["Value"] if r["Status"] == "Success" else " ".join(r["ErrorDescription"]))'
}

vsctl init -- add-br xenbr0 -- add-br xenbr2 -- add-br xapi3 xenbr2 5 -- add-br extbr \
    -- set-manager ssl:192.0.2.1:6640 -- set Bridge extbr fail_mode=standalone \
    -- set Bridge xenbr0 other_config:hwaddr=\"00:15:17:a0:29:80\"

got=$(call update)
want="Success Successfully removed controller config.  Updated in-band management.  Updated fail_mode.  "
if [ "$got" = "$want" ]; then pass cfg-update-remove-controller
else fail cfg-update-remove-controller "got '$got'"; fi

if [ -z "$(vsctl get-manager)" ] && [ "$(vsctl get Bridge xenbr0 other_config:disable-in-band)" = '"true"' ] &&
    [ "$(vsctl get Bridge xenbr0 other_config:hwaddr)" = '"00:15:17:a0:29:80"' ]; then
    pass cfg-update-emer-reset-keeps-hwaddr
else
    fail cfg-update-emer-reset-keeps-hwaddr "$(vsctl list Bridge xenbr0 | tr '\n' ' ')"
fi

modes="$(vsctl get Bridge xenbr0 fail_mode) $(vsctl get Bridge xenbr2 fail_mode) $(vsctl get Bridge extbr fail_mode)"
if [ "$modes" = "secure secure []" ]; then pass cfg-update-fail-modes
else fail cfg-update-fail-modes "xenbr0 xenbr2 extbr: $modes"; fi

got=$(call update)
if [ "$got" = "Success No change to configuration" ]; then pass cfg-update-idempotent
else fail cfg-update-idempotent "got '$got'"; fi

# A bridge that only the switch knows is left alone even when its settings differ.
vsctl set Bridge extbr fail_mode=standalone
got=$(call update)
if [ "$got" = "Success No change to configuration" ] &&
    [ "$(vsctl get Bridge extbr fail_mode)" = standalone ]; then
    pass cfg-update-unknown-bridge-skipped
else
    fail cfg-update-unknown-bridge-skipped "got '$got'"
fi

got=$(call emergency_reset)
if [ "$got" = "Success Successfully reset configuration" ] &&
    [ "$(vsctl get Bridge xenbr0 fail_mode)" = "[]" ]; then
    pass cfg-update-emergency-reset
else
    fail cfg-update-emergency-reset "got '$got'"
fi

got=$(call frobnicate)
if [ "$got" = "Failure UNKNOWN_XENAPI_PLUGIN_FUNCTION frobnicate" ]; then pass cfg-update-unknown-function
else fail cfg-update-unknown-function "got '$got'"; fi

got=$(call update OpaqueRef:00000000-0000-0000-0000-000000000000)
case $got in
"Failure XENAPI_PLUGIN_FAILURE update XenAPI.Failure SESSION_INVALID") pass cfg-update-bad-session ;;
*) fail cfg-update-bad-session "got '$got'" ;;
esac

out=$(XVS_ROOT=$root "$plugin" '<methodCall><methodName>update' 2>/dev/null)
rc=$?
code=$(printf '%s' "$out" | /usr/bin/python3 -c 'import sys, xmlrpc.client as x
print(x.loads(sys.stdin.read())[0][0]["ErrorDescription"][0])' 2>/dev/null)
if [ $rc -eq 0 ] && [ "$code" = XENAPI_PLUGIN_FAILURE ]; then pass cfg-update-malformed-call
else fail cfg-update-malformed-call "exit $rc, code '$code'"; fi

exit $failed
