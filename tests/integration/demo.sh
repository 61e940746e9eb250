#!/usr/bin/env bash
# make demo in its quick mode (no pauses), as a test: every step of the demo
# (a sandbox host, its boot, networks and VMs made with xe, pings, a locked VIF
# dropping spoofed frames) must pass.  One PASS:/FAIL: line per step; SKIP when
# the machine lacks root, namespaces, stock Open vSwitch or python3-scapy.
set -u
src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${XVS_BUILD:-$src/build}
[ "$(id -u)" = 0 ] || { echo "SKIP: demo: needs root (network namespaces)"; exit 0; }
command -v ovs-vswitchd >/dev/null || { echo "SKIP: demo: stock Open vSwitch is not installed"; exit 0; }
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || { echo "SKIP: demo: python3-scapy is not installed"; exit 0; }
out=$(mktemp /tmp/xvs-demo-test.XXXXXX)
bash "$src/demo/xvs-demo.sh" --quick "$build" >"$out" 2>&1
rc=$?
# The timeline lists every step with "ok" or "FAILED".
steps=$(sed -n '/== timeline/,/^   total/p' "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -E ' (ok|FAILED)$')
if [ -z "$steps" ]; then
    echo "FAIL: demo: no timeline (exit $rc): $(tail -5 "$out" | tr '\n' '|')"
    rm -f "$out"
    exit 1
fi
while IFS= read -r line; do
    name=$(echo "$line" | sed -E 's/^ +//; s/ +[0-9.]+ ms +(ok|FAILED)$//')
    case $line in
    *" ok") echo "PASS: demo: $name" ;;
    *) echo "FAIL: demo: $name: $(grep -A3 "== $name" "$out" | tail -3 | tr '\n' '|')" ;;
    esac
done <<<"$steps"
[ $rc = 0 ] || echo "FAIL: demo: exit status $rc"
rm -f "$out"
exit 0
