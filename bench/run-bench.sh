#!/usr/bin/env bash
# Runs the benchmarks and prints each figure beside its anchor, from one run.
# Usage: bench/run-bench.sh BUILD_DIR
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
dir=$(mktemp -d /tmp/xvs-bench.XXXXXX)
sim_pid_file=$dir/sim.pid
cleanup() {
    [ -s "$sim_pid_file" ] && kill "$(cat "$sim_pid_file")" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

echo "== XAPI bindings: 1,000 PIFs (medians of 21 runs)"
"$build/bench/xapi_bench" "$dir" "$build/bin/xvs-xapi-sim" | tee "$dir/c.txt"

# The Python anchors read the same dbcache and query a simulator seeded from it.
"$build/bin/xvs-xapi-sim" --root-prefix "$dir/pyhost" --dbcache "$dir/network.dbcache" \
    --pidfile "$sim_pid_file" --detach --no-syslog
/usr/bin/python3 bench/anchor.py "$dir/network.dbcache" "$dir/pyhost/var/lib/xcp/xapi" | tee "$dir/py.txt"

val() { sed -n "s/^$1: \([0-9.]*\).*/\1/p" "$2"; }
row() { # label, C key, Python key
    local c py
    c=$(val "$2" "$dir/c.txt") py=$(val "$3" "$dir/py.txt")
    awk -v l="$1" -v c="$c" -v p="$py" \
        'BEGIN { printf "%-40s %10.3f ms %12.3f ms %8.1fx\n", l, c, p, p / c }'
}
echo
printf '%-40s %13s %15s %9s\n' "figure" "xvs (C)" "Python anchor" "speed-up"
row "dbcache read, 1,000 PIFs" dbcache_read_1000_pifs py_minidom_read_1000_pifs
row "dbcache write, 1,000 PIFs" dbcache_write_fsync_1000_pifs py_minidom_write_1000_pifs
row "PIF.get_all_records, 1,000 PIFs" sim_pif_get_all_records_1000 py_xmlrpc_pif_get_all_records_1000
echo "(C write includes fsync + rename; the Python anchor writes without fsync.)"

echo
echo "== OVSDB: ${XVS_BENCH_PORTS:-1000} ports, one transaction each, then as many in one, then as"
echo "   many from ${XVS_BENCH_CLIENTS:-8} concurrent clients (the disk's sync floor first)"
bench/ovsdb-bench.sh "$build" "${XVS_BENCH_PORTS:-1000}" "${XVS_BENCH_CLIENTS:-8}"
bench/vif-bench.sh "$build" || echo "vif-bench: failed (see above)"
bench/ir-bench.sh "$build"
