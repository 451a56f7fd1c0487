#!/usr/bin/env bash
# hubctl submit throughput against the running hub (make run): a CSV
# export of BENCH_ROWS rows (default 100,000; new references each run),
# sent with the default batch size and again with BENCH_BATCHES, then the
# same file once more (every row already stored: the idempotent re-send).
# Prints one table row per run: rows, seconds, rows/s, created, unchanged.
#
# Env: BENCH_ROWS (100000), BENCH_BATCHES ("1000 5000"). Adds rows to the
# demo partnership's police partner.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f var/hub.env ] || { echo "bench/submit.sh: run 'make run' first (var/hub.env is missing)" >&2; exit 2; }
# shellcheck disable=SC1091
. var/hub.env
make -s build/hubctl
rows=${BENCH_ROWS:-100000}
batches=${BENCH_BATCHES:-1000 5000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gen FILE PREFIX: rows in the protocol's own column names (no mapping),
# dates and areas varied, the police's ethnic codes.
gen() {
    awk -v prefix="$2" -v n="$rows" 'BEGIN {
        print "external_ref,occurred_from,reported_on,area,location_type,strands,incident_types,ethnic_group,ethnic_scheme,age_band,sex,repeat,channel"
        split("0-15 16-24 25-34 35-44 45-54 55-64 65+ unknown", ages, " ")
        for (i = 1; i <= n; i++)
            printf "%s-%d,2025-%02d-%02d,2025-10-01,E01%06d,street,%s,verbal_abuse;threats,%s,police,%s,female,no,telephone\n",
                prefix, i, i % 9 + 1, i % 28 + 1, i % 1000, i % 2 ? "race" : "race;religion",
                i % 3 ? "A2" : "W1", ages[i % 8 + 1]
    }' >"$1"
}

# run LABEL FILE [hubctl args]: one submit, timed; a table row.
run() {
    local label=$1 file=$2 start end summary
    shift 2
    start=$(date +%s.%N)
    HUB_URL=$HUB_URL HUB_CA=$HUB_CA HUB_TOKEN=$HUB_TOKEN_POLICE build/hubctl submit "$file" --state "$tmp/state-$label" \
        --rejects "$tmp/rejects-$label" "$@" >"$tmp/out" 2>"$tmp/err" || {
        cat "$tmp/err" >&2
        echo "bench/submit.sh: hubctl submit failed ($label)" >&2
        exit 1
    }
    end=$(date +%s.%N)
    summary=$(grep '^submitted ' "$tmp/out")
    awk -v l="$label" -v r="$rows" -v s="$start" -v e="$end" -v sum="$summary" 'BEGIN {
        t = e - s
        match(sum, /[0-9]+ created/); c = substr(sum, RSTART, RLENGTH - 8)
        match(sum, /[0-9]+ unchanged/); u = substr(sum, RSTART, RLENGTH - 10)
        printf "| %s | %d | %.2f | %.0f | %s | %s |\n", l, r, t, r / t, c, u
    }'
}

echo "hubctl submit, $rows rows, against $HUB_URL ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| run | rows | seconds | rows/s | created | unchanged |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
id=$(date +%s)-$$
for b in $batches; do
    gen "$tmp/export-$b.csv" "bench-submit-$id-$b"
    run "batch $b" "$tmp/export-$b.csv" --batch "$b"
done
first=${batches%% *}
rm -f "$tmp/state-batch $first"
run "again, batch $first (all stored)" "$tmp/export-$first.csv" --batch "$first"
