#!/usr/bin/env bash
# xvs-dbd against stock ovsdb-server, same run, same client, same work: PORTS
# ports one transaction each, PORTS more in one transaction, then PORTS more
# from CLIENTS concurrent clients (one transaction each, each client waiting
# for its reply before the next).  First the disk's floor: one small
# pwrite+fdatasync in the bench's own directory, the least any durable
# (acknowledged-after-sync) transaction of a serial client can take there.
# Usage: bench/ovsdb-bench.sh BUILD_DIR [PORTS [CLIENTS]]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build} ports=${2:-1000} clients=${3:-8}
dir=$(mktemp -d /tmp/xvs-ovsdb-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

bench_one() { # label, pid, socket
    local out
    out=$("$build/bench/ovsdb_bench" --server-pid "$2" "unix:$3" "$ports")
    echo "$1 ${out//$'\n'/$'\n'$1 }"
    echo "$1 rss_after_$((2 * ports))_ports: $(rss_kb "$2") kB"
    out=$("$build/bench/ovsdb_bench" --server-pid "$2" --concurrent "$clients" "unix:$3" "$ports" \
        $((2 * ports)))
    echo "$1 ${out//$'\n'/$'\n'$1 }"
}

echo "disk sync_floor_pwrite_fdatasync: $("$build/bench/ovsdb_bench" --sync-floor "$dir" |
    sed 's/^[^:]*: //') (median; stock ovsdb-server does not sync, xvs-dbd syncs each group)"
if command -v ovsdb-server >/dev/null; then
    mkdir -p "$dir/stock"
    ovsdb-tool create "$dir/stock/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    OVS_RUNDIR=$dir/stock OVS_DBDIR=$dir/stock OVS_LOGDIR=$dir/stock \
        ovsdb-server "$dir/stock/conf.db" --remote="punix:$dir/stock/db.sock" \
        --pidfile="$dir/stock/pid" --detach --no-chdir --log-file="$dir/stock/log" 2>/dev/null
    pids+=("$(cat "$dir/stock/pid")")
    bench_one stock-ovsdb-server "${pids[-1]}" "$dir/stock/db.sock" | tee "$dir/stock.txt"
else
    echo "stock ovsdb-server not installed: no anchor for the OVSDB figures"
fi
mkdir -p "$dir/xvs"
"$build/bin/xvs-dbd" --db "$dir/xvs/conf.db" --remote="punix:$dir/xvs/db.sock" \
    --unixctl="$dir/xvs/ctl" --pidfile="$dir/xvs/pid" --detach --no-syslog 2>/dev/null
pids+=("$(cat "$dir/xvs/pid")")
bench_one xvs-dbd "${pids[-1]}" "$dir/xvs/db.sock" | tee "$dir/xvs.txt"
