# shellcheck shell=bash
# Shell helpers shared by the integration scripts (sourced, never run).
#
# Reporting: pass NAME, fail NAME WHY (sets failed=1), skip NAME WHY.
# Processes: stop_pidfile FILE stops the PID in FILE (SIGTERM, then waits up to
# 5 s) and never touches anything else.  wait_for CMD... retries CMD for up to
# 5 s.

# shellcheck disable=SC2034 # Read by the sourcing script for its exit status.
failed=0

pass() { echo "PASS: $1"; }
fail() {
    echo "FAIL: $1: $2"
    # shellcheck disable=SC2034
    failed=1
}
skip() { echo "SKIP: $1: $2"; }

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

wait_for() {
    for _ in $(seq 50); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
