#!/usr/bin/env bash
# Report submission throughput against the running hub (make run), next to
# the machine's ceiling measured in the same run: pgbench inserting the same
# rows straight into PostgreSQL, one transaction per row, at the same
# concurrency.
#
#   single  POST /v1/reports, a new external_ref per request (hubload
#           --body-template), at 1, 8 and 32 connections
#   batch   POST /v1/reports/batch with 1,000 reports per request
#   pgbench INSERT INTO hub.report … one row per transaction, as the owner
#
# Each batch row also gives the CPU time hubd and the cluster (all its
# processes: hubd's sessions, the statistics refresher's, WAL writer…) spent
# per 1,000 reports, from /proc: where the time goes.
#
# Env: BENCH_DURATION (10s), BENCH_CONNS ("1 8 32"), BENCH_BATCH_CONNS ("2 4").
# Every run adds rows to the demo partnership's police partner.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f var/hub.env ] || { echo "bench/reports.sh: run 'make run' first (var/hub.env is missing)" >&2; exit 2; }
# shellcheck disable=SC1091
. var/hub.env
make -s build/bench/hubload
duration=${BENCH_DURATION:-10s}
secs=${duration%s}
conns=${BENCH_CONNS:-1 8 32}
bconns=${BENCH_BATCH_CONNS:-2 4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_id=$(date +%s)-$$

# One report; {{seq}} makes each request's external_ref new.
report() { # report REF
    printf '{"protocol":"harassment-report/1","external_ref":"%s","occurred_from":"2026-10-14",' "$1"
    printf '"reported_on":"2026-10-15","area":"E01009417","location_type":"street",'
    printf '"strands":["race","religion"],"incident_types":["verbal_abuse","threats"],'
    printf '"victim":{"ethnic_group":"A2","ethnic_scheme":"police","age_band":"25-34","sex":"female"},'
    printf '"repeat":"yes","channel":"in_person"}'
}
report "bench-$run_id-{{seq}}" >"$tmp/one.json"
{
    printf '['
    for i in $(seq 1000); do
        [ "$i" -gt 1 ] && printf ','
        report "bench-$run_id-b{{seq}}-$i"
    done
    printf ']'
} >"$tmp/batch.json"

# pgbench: the same row, one transaction each, as the owner (no hubd, no TLS,
# no JSON, no authentication, no audit row: the database's own ceiling).
police=$(psql -X -tA "$HUB_DB" -c "SELECT partner_id FROM hub.partner WHERE name = 'Demo Constabulary'")
ps=$(psql -X -tA "$HUB_DB" -c "SELECT partnership_id FROM hub.partner WHERE partner_id = $police")
psql -X -q "$HUB_DB" -c "CREATE SEQUENCE IF NOT EXISTS hub.bench_seq" 2>/dev/null
cat >"$tmp/insert.sql" <<SQL
INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
  reported_on, area, location_type, strands, incident_types, ethnic_group, ethnic_scheme,
  ethnic_native, age_band, sex, repeat, channel, content_hash)
VALUES ($ps, $police, 'pgb-$run_id-' || nextval('hub.bench_seq'), '2026-10-14', '2026-10-14',
  '2026-10-15', 'E01009417', 'street', '{race,religion}', '{verbal_abuse,threats}',
  'asian_pakistani', 'police', 'A2', '25-34', 'female', 'yes', 'in_person',
  sha256('x'::bytea));
SQL

hub() { # hub LABEL CONNS BODY URL -> "rps|p50|p99|errors"
    local line
    line=$(build/bench/hubload -c "$2" -t 2 -d "$duration" --ca "$HUB_CA" --token "$HUB_TOKEN_POLICE" \
        -m POST --body-template "$3" --seq-start "$RANDOM$RANDOM" "$4" | grep '^RESULT')
    sed -E 's/.*rps=([0-9.]+).*p50_ms=([0-9.]+).*p99_ms=([0-9.]+).*errors=([0-9]+).*/\1|\2|\3|\4/' <<<"$line"
}
pgb() { # pgb CONNS -> "tps|latency ms"
    local out
    out=$(/usr/lib/postgresql/15/bin/pgbench -n -c "$1" -j "$(($1 < 2 ? 1 : 2))" -T "$secs" \
        -f "$tmp/insert.sql" "$HUB_DB" 2>&1)
    echo "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")|$(sed -n 's/^latency average = \([0-9.]*\).*/\1/p' <<<"$out")"
}

# cpu_ms PID...: CPU time (user + system) of the processes, in ms.
cpu_ms() {
    local p
    for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
        awk -v t="$(getconf CLK_TCK)" '{ s += $14 + $15 } END { printf "%d", s * 1000 / t }'
}
# make run's cluster (its postmaster and children) and hubd; with a cluster
# of its own (HUB_DB set for make run) the CPU column stays empty.
postmaster=$(head -1 var/pg/postmaster.pid 2>/dev/null || true)
hubd_pid=$(cat var/hubd.pid 2>/dev/null || true)
cluster_pids() { [ -n "$postmaster" ] && echo "$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"; }
per_1000() { awk -v ms="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", ms * 1000 / n }'; }

echo "### Report submission ($duration per row)"
echo
echo "| what | connections | reports/s | p50 ms | p99 ms | errors | pgbench ceiling rows/s | hub / ceiling | CPU ms per 1,000 reports: hubd / PostgreSQL |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in $conns; do
    IFS='|' read -r rps p50 p99 errs <<<"$(hub single "$c" "$tmp/one.json" "$HUB_URL/v1/reports")"
    IFS='|' read -r tps lat <<<"$(pgb "$c")"
    pct=$(awk -v a="$rps" -v b="$tps" 'BEGIN { printf "%.0f %%", 100 * a / b }')
    echo "| single POST /v1/reports | $c | $rps | $p50 | $p99 | $errs | $tps (avg $lat ms) | $pct | |"
done
for c in $bconns; do
    pids=$(cluster_pids)
    hubd0=$(cpu_ms $hubd_pid) pg0=$(cpu_ms $pids)
    IFS='|' read -r rps p50 p99 errs <<<"$(hub batch "$c" "$tmp/batch.json" "$HUB_URL/v1/reports/batch")"
    reports=$(awk -v r="$rps" 'BEGIN { printf "%.0f", r * 1000 }')
    cpu=
    if [ -n "$hubd_pid" ] && [ -n "$pids" ]; then
        n=$(awk -v r="$reports" -v s="$secs" 'BEGIN { printf "%d", r * s }')
        cpu="$(per_1000 $(($(cpu_ms $hubd_pid) - hubd0)) "$n") / $(per_1000 $(($(cpu_ms $pids) - pg0)) "$n")"
    fi
    echo "| batches of 1,000 | $c | $reports | $p50 | $p99 | $errs | | | $cpu |"
done
echo
echo "hubload: -t 2, keep-alive TLS, bearer token of the demo police partner; latency per request"
echo "(a batch request carries 1,000 reports). pgbench: one INSERT per transaction as the owner role."
echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); hubd, PostgreSQL, hubload and pgbench share them."
