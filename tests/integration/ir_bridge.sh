#!/bin/bash
# interface-reconfigure with the Linux bridge backend (network.conf "bridge")
# on the host kernel, in a private network namespace: `--force xenbr2 up`
# from four-scenarios.dbcache makes bridge xenbr2 with eth2 (a veth) as its
# port, both up with MTU 1500 and forward delay 0, writes ifcfg-eth2 and
# ifcfg-xenbr2 as in tests/data/ir/bridge-xenbr2-up.plan and calls
# /sbin/ifup xenbr2; `--force xenbr2 down` removes the bridge again.  (Bonds
# and VLANs need kernel modules this host lacks; the unit tests cover them
# with the netlink fake.)
#
# Prints PASS:/FAIL:/SKIP: lines.  Env: XVS_SRC, XVS_BUILD (folder holding
# libexec/interface-reconfigure); IR_TEST_KEEP=1 keeps the scratch folder.
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${XVS_BUILD:-$src/build}
ir=${XVS_LIBEXEC:-$build/libexec}/interface-reconfigure

if [ ! -x "$ir" ]; then
    echo "FAIL: ir_bridge: $ir not built"
    exit 0
fi
if [ -z "${IR_IN_NETNS:-}" ]; then
    if ! unshare -n true 2>/dev/null; then
        echo "SKIP: ir_bridge: cannot create a network namespace"
        exit 0
    fi
    IR_IN_NETNS=1 exec unshare -n "$0" "$@"
fi

tmp=$(mktemp -d /tmp/ir-bridge.XXXXXX)
root=$tmp/root
if [ -n "${IR_TEST_KEEP:-}" ]; then
    trap 'echo "# kept $tmp" >&2' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi
pass() { echo "PASS: ir_bridge: $1"; }
failed() { echo "FAIL: ir_bridge: $1"; }

mkdir -p "$root/etc/xensource" "$root/var/xapi" "$root/sbin" "$root/etc/sysconfig/network-scripts"
echo bridge >"$root/etc/xensource/network.conf"
cp "$src/tests/data/dbcache/four-scenarios.dbcache" "$root/var/xapi/network.dbcache"
for s in ifup ifdown update-issue; do
    printf '#!/bin/sh\necho "$0 $*" >>%s/commands.log\n' "$tmp" >"$root/sbin/$s"
    chmod +x "$root/sbin/$s"
done
ip link set lo up
if ! ip link add eth2 type veth peer name peth2 2>/dev/null; then
    echo "SKIP: ir_bridge: cannot create veth devices"
    exit 0
fi
ip link set eth2 mtu 1400

if "$ir" --root-prefix="$root" --no-syslog --force xenbr2 up >"$tmp/up.out" 2>"$tmp/up.err"; then
    pass "--force xenbr2 up"
else
    failed "--force xenbr2 up: exit status $? ($(tail -1 "$tmp/up.err"))"
fi
if ip -d link show xenbr2 2>/dev/null | grep -q 'bridge forward_delay 0 '; then
    pass "xenbr2 is a bridge with forward delay 0"
else
    failed "xenbr2 is not a bridge with forward delay 0: $(ip -d link show xenbr2 2>&1 | head -3)"
fi
eth2=$(ip link show eth2 | head -1)
if echo "$eth2" | grep -q 'mtu 1500 .*master xenbr2 state' && echo "$eth2" | grep -q '<.*UP'; then
    pass "eth2 is up in xenbr2 with MTU 1500"
else
    failed "eth2: $eth2"
fi
# The files on disk are the ones the plan fixture shows.
for f in ifcfg-eth2 ifcfg-xenbr2; do
    want=$(awk -v f="$f" '$0 == "write /etc/sysconfig/network-scripts/" f ":" {on=1; next}
                          /^[^ ]/ {on=0} on {sub(/^    /, ""); print}' \
        "$src/tests/data/ir/bridge-xenbr2-up.plan")
    if [ "$want" = "$(cat "$root/etc/sysconfig/network-scripts/$f" 2>/dev/null)" ]; then
        pass "$f as in bridge-xenbr2-up.plan"
    else
        failed "$f differs from bridge-xenbr2-up.plan"
    fi
done
if grep -qx "$root/sbin/ifup xenbr2" "$tmp/commands.log" 2>/dev/null; then
    pass "/sbin/ifup xenbr2 run"
else
    failed "/sbin/ifup xenbr2 not run"
fi

if "$ir" --root-prefix="$root" --no-syslog --force xenbr2 down >"$tmp/down.out" \
    2>"$tmp/down.err"; then
    pass "--force xenbr2 down"
else
    failed "--force xenbr2 down: exit status $? ($(tail -1 "$tmp/down.err"))"
fi
if ip link show xenbr2 >/dev/null 2>&1; then
    failed "xenbr2 still exists after down"
else
    pass "xenbr2 removed by down"
fi
exit 0
