#!/usr/bin/env bash
# Runs every test suite and prints one closing line "N passed, N failed, N skipped".
#
# Usage: tests/run-tests.sh BUILD_DIR [ASAN_BUILD_DIR]
#
# Unit tests (cmocka) run from each build directory given; fuzz corpora replay
# from the last one (the sanitizer build); integration tests use the programs
# of the first.  Integration scripts report one line per case:
#   PASS: name  |  FAIL: name: why  |  SKIP: name: reason
# A script that exits non-zero without reporting a FAIL counts as one failure.
set -u
cd "$(dirname "$0")/.."
src=$(pwd)
builds=("$@")
[ ${#builds[@]} -ge 1 ] || { echo "usage: $0 BUILD_DIR [ASAN_BUILD_DIR]" >&2; exit 2; }
passed=0 failed=0 skipped=0
failures=()
log_dir=$(mktemp -d /tmp/xvs-tests.XXXXXX)

count_cmocka() { # name, log file, exit status
    local p f
    # A binary may run several groups: add up every group's summary.
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$2" | awk '{ s += $1 } END { print s + 0 }')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$2" | awk '{ s += $1 } END { print s + 0 }')
    p=${p:-0} f=${f:-0}
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # Crashed or aborted before cmocka could summarise.
    fi
    passed=$((passed + p)) failed=$((failed + f))
    [ "$f" -eq 0 ] || failures+=("$1 (log: $2)")
}

for b in "${builds[@]}"; do
    tag=$(basename "$b")
    for t in "$b"/tests/*_test; do
        [ -x "$t" ] || continue
        name="$tag/$(basename "$t")"
        log="$log_dir/${name//\//_}.log"
        echo "== unit $name"
        XVS_SRC=$src XVS_BIN=$src/$b/bin XVS_TOOLS=$src/$b/tests "$t" >"$log" 2>&1
        rc=$?
        grep -E '^\[  (FAILED|  OK  |PASSED)|^\[ +ERROR|Failure!|runtime error|AddressSanitizer' "$log" \
            | grep -v '^\[       OK \]' | sed 's/^/   /'
        count_cmocka "$name" "$log" "$rc"
    done
done

last=${builds[${#builds[@]}-1]}
for r in "$last"/fuzz-replay/fuzz_*; do
    [ -x "$r" ] || continue
    n=$(basename "$r")
    corpus=tests/fuzz/corpus/${n#fuzz_}
    log="$log_dir/replay_$n.log"
    echo "== fuzz corpus replay $n"
    if "$r" "$corpus" >"$log" 2>&1; then
        passed=$((passed + 1)); sed 's/^/   /' "$log" | tail -n1
    else
        failed=$((failed + 1)); failures+=("replay $n (log: $log)"); tail -n 20 "$log"
    fi
done

export XVS_SRC=$src XVS_BUILD=$src/${builds[0]} XVS_BIN=$src/${builds[0]}/bin \
       XVS_TOOLS=$src/${builds[0]}/tests
for t in tests/integration/*.sh tests/integration/*.py; do
    [ -f "$t" ] || continue
    log="$log_dir/integration_$(basename "$t").log"
    echo "== integration $t"
    case "$t" in
    *.py) timeout 600 /usr/bin/python3 "$t" >"$log" 2>&1 ;;
    *) timeout 600 bash "$t" >"$log" 2>&1 ;;
    esac
    rc=$?
    grep -E '^(PASS|FAIL|SKIP):' "$log" | sed 's/^/   /'
    p=$(grep -c '^PASS:' "$log") f=$(grep -c '^FAIL:' "$log") s=$(grep -c '^SKIP:' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; echo "   FAIL: $t exited $rc"; tail -n 20 "$log" | sed 's/^/   | /'
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    [ "$f" -eq 0 ] || failures+=("$t (log: $log)")
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "Failed suites:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
