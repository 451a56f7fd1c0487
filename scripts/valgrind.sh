#!/usr/bin/env bash
# make valgrind: integration suites against the plain hubd run under
# valgrind memcheck (tests/integration/lib.sh's start_hubd honours
# HUB_WRAPPER). Fails on any suite failure and on any valgrind error in a
# hubd: an invalid read or write, a use of uninitialised memory, a bad free,
# or a definitely lost block (checked when hubd exits; a hubd a suite kills
# with SIGKILL gets no leak check, and is counted). Third-party noise is
# suppressed in tests/valgrind.supp, each entry with its reason.
# VALGRIND_SUITES="a b" picks the suites; by default every suite but limits
# and shutdown, which assert timings that valgrind's slowdown breaks.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. scripts/lib.sh

if [ -n "${VALGRIND_SUITES:-}" ]; then
    SUITES=$VALGRIND_SUITES
else
    SUITES=$(for f in tests/integration/test_*.sh; do basename "$f" .sh | cut -c6-; done |
        grep -vxE 'limits|shutdown' | tr '\n' ' ')
fi

scripts/deps.sh valgrind || exit 1
make -s -j"$(nproc)" build/hubd build/hubctl build/bench/hubload || exit 1

T=$(mktemp -d /tmp/hub-valgrind.XXXXXX)
chmod 755 "$T" # the postgres user must reach the cluster inside
export T ROOT
: >"$T/results"
mkdir -p "$T/valgrind"
cleanup() {
    if [ -f "$T/pids" ]; then
        while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$T/pids"
    fi
    [ -z "${HUB_DB:-}" ] && cluster_stop "$T"
    [ -n "${KEEP_TEST_DIR:-}" ] && { echo "kept $T" >&2; return; }
    rm -rf "$T"
}
trap cleanup EXIT

# --error-exitcode: a hubd with an error exits 99, which the suites' exit
# status checks see at once; the logs are checked again below.
vg=(valgrind --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --error-exitcode=99 --num-callers=30 --suppressions="$ROOT/tests/valgrind.supp"
    --log-file="$T/valgrind/hubd.%p.log")
export HUB_WRAPPER="${vg[*]}" # split on blanks by start_hubd: no blanks in these paths

start=$(date +%s)
echo "== integration set-up in $T"
PGPORT=$((40000 + RANDOM % 10000))
if ! setup "$T" "$PGPORT" "$(free_port $((20000 + RANDOM % 12000)))" test >"$T/setup.log" 2>&1; then
    cat "$T/setup.log"
    exit 1
fi
export PGPORT
touch "$T/pids"
# stop_left FROM: SIGTERM to any hubd the suite left running (its pids are
# $T/pids from line FROM on; a pid is checked to still be this hubd), so
# that it exits and valgrind checks it for leaks (a minute at most each).
stop_left() {
    local pid
    [ -f "$T/pids" ] || return 0
    while read -r pid; do
        grep -qF "$ROOT/build/hubd" "/proc/$pid/cmdline" 2>/dev/null || continue
        kill -TERM "$pid"
        for _ in $(seq 600); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    done < <(tail -n "+$1" "$T/pids")
}
for s in $SUITES; do
    echo "== $s (build/hubd under valgrind)"
    from=$(($(wc -l <"$T/pids") + 1))
    HUB_BIN=$ROOT/build/hubd bash "tests/integration/test_$s.sh"
    stop_left "$from"
done

echo "== valgrind logs"
logs=0 errors=0 unchecked=0
for log in "$T"/valgrind/hubd.*.log; do
    [ -f "$log" ] || continue
    logs=$((logs + 1))
    summary=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
    if [ -z "$summary" ]; then
        unchecked=$((unchecked + 1)) # killed: no summary, no leak check
        if grep -qE '^==[0-9]+== (Invalid|Conditional|Use of uninit|Mismatched)' "$log"; then
            echo "not ok - $(basename "$log"): errors before it was killed"
            sed 's/^/    /' "$log"
            echo "fail valgrind: $(basename "$log")" >>"$T/results"
            errors=$((errors + 1))
        fi
    elif [ "$summary" -ne 0 ]; then
        echo "not ok - $(basename "$log"): $summary errors"
        sed 's/^/    /' "$log"
        echo "fail valgrind: $(basename "$log")" >>"$T/results"
        errors=$((errors + summary))
    else
        echo "pass valgrind: $(basename "$log")" >>"$T/results"
    fi
done
[ "$logs" -gt 0 ] || echo "fail valgrind: no hubd ran under valgrind" >>"$T/results"
echo "valgrind: $logs hubd processes, $errors errors, $unchecked killed before a leak check;" \
    "suites: $SUITES; $(($(date +%s) - start)) s"

passed=$(grep -c '^pass ' "$T/results")
failed=$(grep -c '^fail ' "$T/results")
echo
grep '^fail ' "$T/results" | sort | uniq -c | sed 's/^/  failed: /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
