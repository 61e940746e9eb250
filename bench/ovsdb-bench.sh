#!/usr/bin/env bash
# xvs-dbd against stock ovsdb-server, same run, same client, same work: PORTS
# ports one transaction each, PORTS more in one transaction, then PORTS more
# from CLIENTS concurrent clients (one transaction each, each client waiting
# for its reply before the next).  First the disk's floor: one small
# pwrite+fdatasync in the bench's own directory, the least any durable
# (acknowledged-after-sync) transaction of a serial client can take there.
#
# The machine's speed drifts by tens of percent within minutes, so the two
# servers take turns: ROUNDS rounds (XVS_BENCH_ROUNDS, default 5), each on
# fresh databases, the order swapped every round; each figure is printed per
# round and then as the median over the rounds.
# Usage: bench/ovsdb-bench.sh BUILD_DIR [PORTS [CLIENTS]]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build} ports=${2:-1000} clients=${3:-8} rounds=${XVS_BENCH_ROUNDS:-5}
dir=$(mktemp -d /tmp/xvs-ovsdb-bench.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
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

# Starts one server on a fresh database in $dir/$1 and runs the figures.
run_server() { # stock | xvs
    local d=$dir/$1
    rm -rf "$d" && mkdir -p "$d"
    if [ "$1" = stock ]; then
        ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
        OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d \
            ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
            --pidfile="$d/pid" --detach --no-chdir --log-file="$d/log" 2>/dev/null
        pid=$(cat "$d/pid")
        bench_one stock-ovsdb-server "$pid" "$d/db.sock"
    else
        "$build/bin/xvs-dbd" --db "$d/conf.db" --remote="punix:$d/db.sock" \
            --unixctl="$d/ctl" --pidfile="$d/pid" --detach --no-syslog 2>/dev/null
        pid=$(cat "$d/pid")
        bench_one xvs-dbd "$pid" "$d/db.sock"
    fi
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    pid=
}

echo "disk sync_floor_pwrite_fdatasync: $("$build/bench/ovsdb_bench" --sync-floor "$dir" |
    sed 's/^[^:]*: //') (median; stock ovsdb-server does not sync, xvs-dbd syncs each group)"
servers=(xvs)
if command -v ovsdb-server >/dev/null; then
    servers=(stock xvs)
else
    echo "stock ovsdb-server not installed: no anchor for the OVSDB figures"
fi
for ((r = 1; r <= rounds; r++)); do
    order=("${servers[@]}")
    if ((r % 2 == 0)) && ((${#servers[@]} == 2)); then
        order=(xvs stock)
    fi
    for s in "${order[@]}"; do
        run_server "$s" >"$dir/one.txt"
        sed "s/^/round $r: /" "$dir/one.txt" | tee -a "$dir/all.txt"
    done
done

# The median of each figure's first number over the rounds, per server.
echo "median of $rounds rounds:"
awk '{ sub(/^round [0-9]+: /, "") }
     { key = $1 " " $2; v[key] = v[key] " " $3; unit[key] = $4; if (!(key in order)) order[key] = NR }
     END {
         n = 0
         for (k in v) keys[++n] = k
         # Print in first-seen order.
         for (i = 1; i <= n; i++)
             for (j = i + 1; j <= n; j++)
                 if (order[keys[j]] < order[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
         for (i = 1; i <= n; i++) {
             m = split(substr(v[keys[i]], 2), xs, " ")
             for (a = 1; a <= m; a++)
                 for (b = a + 1; b <= m; b++)
                     if (xs[b] + 0 < xs[a] + 0) { t = xs[a]; xs[a] = xs[b]; xs[b] = t }
             med = (m % 2) ? xs[(m + 1) / 2] : (xs[m / 2] + xs[m / 2 + 1]) / 2
             u = unit[keys[i]]; sub(/,$/, "", u)
             printf "  %s %s %s\n", keys[i], med, u
         }
     }' "$dir/all.txt"
