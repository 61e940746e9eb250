#!/usr/bin/env bash
# Integration test of the XenAPI client (xapi-bindings/transport + xapi, via
# the xvs-xapi-call tool) against the simulator xvs-xapi-sim, seeded from the
# four-scenarios network.dbcache: logins over the unix socket and over TCP,
# typed record listings, get_all_records_where, get_by_uuid, error codes and
# exit statuses, and logout.  Prints PASS:/FAIL:/SKIP: lines.  Everything
# lives in a temporary root; the simulator listens on loopback only and is
# stopped through its pidfile.
#
# Env: XVS_SRC (repo root), XVS_BIN (folder with xvs-xapi-sim), XVS_TOOLS
# (folder with xvs-xapi-call).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
tools=${XVS_TOOLS:-$src/build/tests}
sim=$bin/xvs-xapi-sim
call=$tools/xvs-xapi-call
fixture=$src/tests/data/dbcache/four-scenarios.dbcache
root=
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

if [ ! -x "$sim" ]; then
    echo "SKIP: xapi-client: simulator not built"
    exit 0
fi
if [ ! -f "$fixture" ]; then
    echo "SKIP: xapi-client: fixture $fixture missing"
    exit 0
fi
if [ ! -x "$call" ]; then
    fail xapi-client "no xvs-xapi-call in $tools (set XVS_TOOLS)"
    exit 1
fi

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    local pid
    if [ -n "$root" ] && [ -f "$root/sim.pid" ]; then
        pid=$(cat "$root/sim.pid")
        if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
    fi
    [ -n "$root" ] && rm -rf "$root"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$(mktemp -d /tmp/xvs-xapi-client.XXXXXX)
sock=$root/var/lib/xcp/xapi
mkdir -p "$root/var/lib/xcp"

# A free loopback port: bind port 0 and read what the kernel chose.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

if ! "$sim" --root-prefix "$root" --state "$root/sim.state" --dbcache "$fixture" --unix "$sock" \
    --listen "127.0.0.1:$port" --pidfile "$root/sim.pid" --detach --no-syslog \
    >"$root/sim.log" 2>&1; then
    fail xapi-client-start "the simulator did not start: $(tail -n 3 "$root/sim.log")"
    exit 1
fi
for _ in $(seq 50); do
    [ -S "$sock" ] && [ -s "$root/sim.pid" ] && break
    sleep 0.1
done
if [ ! -S "$sock" ] || [ ! -s "$root/sim.pid" ]; then
    fail xapi-client-start "no socket or pidfile after the simulator started"
    exit 1
fi
tcp=http://127.0.0.1:$port/

# run NAME ARGS...: runs xvs-xapi-call, leaving stdout in $out, stderr in
# $err and the exit status in $rc.
run() {
    "$call" "$@" >"$root/out" 2>"$root/err"
    rc=$?
    out=$(cat "$root/out")
    err=$(cat "$root/err")
}

# Logins over both transports; pool.get_all proves the session works.
for via in unix tcp; do
    if [ "$via" = unix ]; then
        run --unix "$sock" pool.get_all
    else
        run -u "$tcp" --user root --password anything pool.get_all
    fi
    if [ "$rc" -eq 0 ] && [[ $out == "- OpaqueRef:"* ]]; then
        pass "xapi-client-login-$via"
    else
        fail "xapi-client-login-$via" "exit $rc, out '$out', err '$err'"
    fi
done

# The pseudo-URL form of the socket, as the Python xapi_local() spells it.
run -u "http://${sock//\//_}/" pool.get_all
if [ "$rc" -eq 0 ] && [[ $out == "- OpaqueRef:"* ]]; then
    pass xapi-client-pseudo-url
else
    fail xapi-client-pseudo-url "exit $rc, err '$err'"
fi

# PIF.get_all_records: the 8 PIFs of the fixture, typed and raw.
run --unix "$sock" --records PIF
n=$(grep -c '^OpaqueRef:.* uuid=' <<<"$out")
if [ "$rc" -eq 0 ] && [ "$n" -eq 8 ] && grep -q ' device=bond0 VLAN=-1 ' <<<"$out"; then
    pass xapi-client-pif-records
else
    fail xapi-client-pif-records "exit $rc, $n records: $out $err"
fi
run -u "$tcp" PIF.get_all_records
n=$(grep -c '^OpaqueRef:[^ ]*:$' <<<"$out")
if [ "$rc" -eq 0 ] && [ "$n" -eq 8 ]; then
    pass xapi-client-pif-get-all-records-raw
else
    fail xapi-client-pif-get-all-records-raw "exit $rc, $n records, err '$err'"
fi

# get_all_records_where with an expression.
run --unix "$sock" --records network --where 'field "bridge"="xenbr2"'
n=$(grep -c '^OpaqueRef:' <<<"$out")
if [ "$rc" -eq 0 ] && [ "$n" -eq 1 ] && grep -q ' bridge=xenbr2 ' <<<"$out"; then
    pass xapi-client-network-where
else
    fail xapi-client-network-where "exit $rc, $n records: $out $err"
fi
run --unix "$sock" --records network --where 'field "bridge"="no-such-bridge"'
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    pass xapi-client-network-where-empty
else
    fail xapi-client-network-where-empty "exit $rc, out '$out'"
fi

# get_by_uuid of a known PIF, and of an unknown uuid.
uuid=c5ac2c67-c23f-5858-9541-dc7a1d30b5e2
run --unix "$sock" PIF.get_by_uuid "$uuid"
if [ "$rc" -eq 0 ] && [ "$out" = "OpaqueRef:f1b03035-2bc2-54f5-9493-5ad30bee3372" ]; then
    pass xapi-client-get-by-uuid
else
    fail xapi-client-get-by-uuid "exit $rc, out '$out', err '$err'"
fi
run --unix "$sock" PIF.get_record "$out"
if [ "$rc" -eq 0 ] && grep -qx "device: eth0" <<<"$out" && grep -qx "VLAN: -1" <<<"$out"; then
    pass xapi-client-get-record
else
    fail xapi-client-get-record "exit $rc, err '$err'"
fi
run --unix "$sock" PIF.get_by_uuid 00000000-0000-0000-0000-000000000000
if [ "$rc" -eq 1 ] && grep -q 'UUID_INVALID' <<<"$err"; then
    pass xapi-client-unknown-uuid
else
    fail xapi-client-unknown-uuid "exit $rc, err '$err'"
fi

# A bad ref: HANDLE_INVALID with its parameters on stderr, exit 1.
run --unix "$sock" PIF.get_record OpaqueRef:bogus
if [ "$rc" -eq 1 ] && [ -z "$out" ] && grep -q 'HANDLE_INVALID PIF OpaqueRef:bogus' <<<"$err"; then
    pass xapi-client-handle-invalid
else
    fail xapi-client-handle-invalid "exit $rc, err '$err'"
fi

# An unknown method, a usage error, a dead socket.
run --unix "$sock" PIF.frobnicate
if [ "$rc" -eq 1 ] && grep -q 'MESSAGE_METHOD_UNKNOWN' <<<"$err"; then
    pass xapi-client-method-unknown
else
    fail xapi-client-method-unknown "exit $rc, err '$err'"
fi
run --unix "$sock" --records NoSuchClass
rc1=$rc
run --unix "$sock"
if [ "$rc1" -eq 2 ] && [ "$rc" -eq 2 ]; then
    pass xapi-client-usage
else
    fail xapi-client-usage "exit $rc1 and $rc, not 2"
fi
run --unix "$root/no-such-socket" pool.get_all
if [ "$rc" -eq 1 ] && grep -q 'cannot connect' <<<"$err"; then
    pass xapi-client-no-server
else
    fail xapi-client-no-server "exit $rc, err '$err'"
fi

# Logout: a kept session works until session.logout, then is invalid.  The
# normal run logs out by itself.
run --unix "$sock" --login-only
ref=$out
run --unix "$sock" --session "$ref" pool.get_all
ok=$rc
run --unix "$sock" --session "$ref" session.logout
ok2=$rc
run --unix "$sock" --session "$ref" pool.get_all
if [[ $ref == OpaqueRef:* ]] && [ "$ok" -eq 0 ] && [ "$ok2" -eq 0 ] && [ "$rc" -eq 1 ] &&
    grep -q 'SESSION_INVALID' <<<"$err"; then
    pass xapi-client-logout
else
    fail xapi-client-logout "ref '$ref', exits $ok $ok2 $rc, err '$err'"
fi
run --verbose -u "$tcp" pool.get_all
if [ "$rc" -eq 0 ] && grep -q 'XenAPI call session.logout' <<<"$err" &&
    ! grep -qi 'failed' <<<"$err"; then
    pass xapi-client-auto-logout
else
    fail xapi-client-auto-logout "exit $rc, err '$err'"
fi

exit "$failed"
