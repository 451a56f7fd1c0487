#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz (built by `make fuzzers` into build/fuzz).
#
#   scripts/fuzz.sh run [target...]    each target for FUZZ_SECONDS (default 60);
#                                      a table of executions per target at the end
#   scripts/fuzz.sh check [target...]  each target over its corpus, then FUZZ_RUNS
#                                      (default 5000) mutations from a fixed seed;
#                                      for make test: one "ok"/"not ok" line per step
#
# Run from the repository root. The corpus in git (tests/fuzz/corpus/<target>)
# is read, never written: inputs libFuzzer finds go to build/fuzz/work/<target>
# and findings to build/fuzz/findings/<target>/. A finding, once fixed, is
# copied into the corpus by hand (see tests/fuzz/README.md). Exits non-zero on
# any finding.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

mode=${1:-run}
shift
targets=${*:-http report pii csv}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_RUNS=${FUZZ_RUNS:-5000}
B=build/fuzz

# The longest input per target: a few requests, a batch, a long string.
max_len() {
    case $1 in
    http) echo 24576 ;;
    report) echo 16384 ;;
    pii) echo 65536 ;;
    csv) echo 65536 ;;
    esac
}

# Seeds made from api/examples, so they follow the protocol as it changes:
# the reports themselves for the report target, and each wrapped in a
# request (single reports, the JSON batch, the NDJSON batch) for http.
make_seeds() {
    local t=$1 dir=$B/seeds/$1 f body n=0
    rm -rf "$dir"
    mkdir -p "$dir"
    for f in api/examples/*.json api/examples/*.ndjson api/examples/invalid/*.json; do
        n=$((n + 1))
        case $t in
        report) cp "$f" "$dir/example-$n" ;;
        http)
            body=$(cat "$f")
            local path=/v1/reports type=application/json
            case $f in
            *batch.json) path="/v1/reports/batch?dry_run=true" ;;
            *.ndjson) path="/v1/reports/batch?dry_run=true" type=application/x-ndjson ;;
            esac
            printf 'POST %s HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer hub_%s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s' \
                "$path" "$(printf 'A%.0s' $(seq 43))" "$type" "${#body}" "$body" >"$dir/example-$n"
            ;;
        esac
    done
}

# fuzz TARGET LOG ARGS...: runs the target with the common options.
fuzz() {
    local t=$1 log=$2
    shift 2
    mkdir -p "$B/work/$t" "$B/findings/$t"
    local dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    # The first directory receives new inputs; the corpus and seeds are read only.
    "$B/fuzz_$t" "${dict[@]}" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$B/findings/$t/" -print_final_stats=1 "$@" \
        "$B/work/$t" "tests/fuzz/corpus/$t" "$B/seeds/$t" >"$log" 2>&1
}

stat_of() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }

status=0
case $mode in
check)
    for t in $targets; do
        make_seeds "$t"
        # Without the work directory: a check starts from the corpus alone.
        rm -rf "$B/work/$t"
        log=$B/check-$t.log
        n=$(find "tests/fuzz/corpus/$t" "$B/seeds/$t" -type f | wc -l)
        if fuzz "$t" "$log" -runs=0; then
            echo "ok - fuzz $t: the corpus ($n inputs) runs clean"
        else
            echo "not ok - fuzz $t: the corpus ($n inputs)"
            tail -40 "$log"
            status=1
        fi
        if fuzz "$t" "$log" -runs="$FUZZ_RUNS" -seed=1; then
            echo "ok - fuzz $t: $FUZZ_RUNS mutations (seed 1) run clean"
        else
            echo "not ok - fuzz $t: $FUZZ_RUNS mutations (seed 1)"
            tail -40 "$log"
            status=1
        fi
    done
    ;;
run)
    printf '%-8s %8s %12s %9s %8s %9s\n' target seconds executions exec/s corpus findings >"$B/fuzz-summary.txt"
    for t in $targets; do
        make_seeds "$t"
        log=$B/run-$t.log
        echo "== fuzz_$t for ${FUZZ_SECONDS}s (log: $log)"
        fuzz "$t" "$log" -max_total_time="$FUZZ_SECONDS"
        rc=$?
        found=$(find "$B/findings/$t" -type f | wc -l)
        [ "$rc" -ne 0 ] && { tail -60 "$log"; status=1; }
        execs=$(stat_of "$log" number_of_executed_units)
        rate=$(stat_of "$log" average_exec_per_sec)
        corpus=$(find "$B/work/$t" -type f | wc -l)
        printf '%-8s %8s %12s %9s %8s %9s\n' "$t" "$FUZZ_SECONDS" "${execs:-?}" "${rate:-?}" \
            "$corpus" "$found" >>"$B/fuzz-summary.txt"
    done
    echo
    cat "$B/fuzz-summary.txt"
    [ "$status" -eq 0 ] || echo "findings are in $B/findings/<target>/; reproduce with $B/fuzz_<target> FILE"
    ;;
*)
    echo "usage: $0 run|check [target...]" >&2
    exit 2
    ;;
esac
exit "$status"
