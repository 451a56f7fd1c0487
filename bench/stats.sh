#!/usr/bin/env bash
# The dashboard's typical query at scale: monthly counts by strand and
# high-level ethnic group for a year, over BENCH_REPORTS (10 million)
# reports, through hubd (GET /v1/stats/reports, from the rollups, with
# disclosure control) and computed directly over hub.report in PostgreSQL
# (pgbench, as the owner, no TLS, no JSON). Prints p50/p99 of both, the
# time to write the reports and the time of the first full refresh of the
# rollups. Then the flow statistics for the same year: a third of the
# reports carry a pseudonym (each about twice, by any partner), every tenth
# is referred and every fifth has an outcome; GET /v1/stats/repeat (its
# cross-agency count runs over the reports, through their partial index),
# /v1/stats/referrals and /v1/stats/outcomes (rollups), and the cross-agency
# count alone (hub.stats_repeat_subjects, pgbench).
#
# Self-contained: builds, makes a throw-away cluster (durable, like make
# run's) and hubd through scripts/lib.sh; var/ is untouched. Needs about
# 8 GB of disk for 10 million reports and takes about a quarter of an hour.
#
# Env: BENCH_REPORTS (10000000), BENCH_CONNS (4), BENCH_REQUESTS (2000),
# BENCH_DIRECT (20: direct queries, each a scan of a year of reports),
# BENCH_FLOW_REQUESTS (200 per flow endpoint).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib.sh
export LC_ALL=C

n_reports=${BENCH_REPORTS:-10000000}
conns=${BENCH_CONNS:-4}
requests=${BENCH_REQUESTS:-2000}
direct=${BENCH_DIRECT:-20}
flow_requests=${BENCH_FLOW_REQUESTS:-200}
make -s -j"$(nproc)" build/hubd build/hubctl build/bench/hubload

# load URL N: "p50 p99 rps" (ms, ms, requests/s) of N requests through hubd.
load() {
    build/bench/hubload -c "$conns" -n "$2" --ca "$HUB_CA" --token "$HUB_TOKEN_PUBLIC" "$1" 2>&1 |
        grep -E 'p50_ms' | tail -1 | sed -E 's/.*rps=([0-9.]+).*p50_ms=([0-9.]+).*p99_ms=([0-9.]+).*/\2 \3 \1/'
}
# percentiles PREFIX: "p50 p99" in ms of the pgbench transaction log PREFIX.*.
percentiles() {
    cat "$1".* | awk '{ print $3 / 1000 }' | sort -n |
        awk '{ v[NR] = $1 } END { p50 = v[int((NR + 1) * 0.5)]; p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]; if (p99 == "") p99 = v[NR]; printf "%.1f %.1f\n", p50, p99 }'
}

B=$(mktemp -d /tmp/hub-bench-stats.XXXXXX)
chmod 755 "$B"
hubd_pid=
cleanup() {
    if [ -n "$hubd_pid" ]; then
        kill -TERM "$hubd_pid" 2>/dev/null || true
        wait "$hubd_pid" 2>/dev/null || true
    fi
    cluster_stop "$B" || true
    rm -rf "$B"
}
trap cleanup EXIT

echo "bench/stats.sh: set-up in $B" >&2
setup "$B" $((40000 + RANDOM % 10000)) "$(free_port $((20000 + RANDOM % 12000)))" >"$B/setup.log" 2>&1 ||
    { cat "$B/setup.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$B/hub.env" # HUB_DB is the owner here

# The reports: spread over two years, four partners, 19 ethnic groups,
# one or two strands, 2,000 areas; written in chunks of a million rows
# (one statement each, so the change trigger sees a million at a time).
t0=${EPOCHREALTIME/./}
chunk=1000000
for ((start = 0; start < n_reports; start += chunk)); do
    psql -X -q -v ON_ERROR_STOP=1 -v ps="$HUB_PARTNERSHIP_DEMO" -v p1="$HUB_PARTNER_POLICE" \
        -v p2="$HUB_PARTNER_COUNCIL" -v p3="$HUB_PARTNER_HEALTH" -v p4="$HUB_PARTNER_COMMUNITY" \
        -v lo="$start" -v hi="$((start + chunk < n_reports ? start + chunk : n_reports))" \
        -v n="$n_reports" "$HUB_DB" <<'SQL'
INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
                        reported_on, area, location_type, strands, incident_types, ethnic_group,
                        ethnic_scheme, ethnic_native, age_band, sex, repeat, channel, subject_hash,
                        content_hash)
SELECT :'ps', (ARRAY[:'p1', :'p2', :'p3', :'p4']::bigint[])[1 + i % 4], 'BENCH-' || i, d, d, d,
       'E01' || lpad((100000 + i % 2000)::text, 6, '0'), 'street',
       CASE WHEN i % 5 = 0 THEN '{race,religion}'::text[] ELSE '{race}'::text[] END,
       '{verbal_abuse}', g, 'ons2021', g, '25-34', 'female',
       CASE WHEN i % 7 = 0 THEN 'yes' ELSE 'no' END, 'online',
       CASE WHEN i % 3 = 0 THEN sha256(convert_to('S' || (i / 3) % greatest(:'n'::bigint / 6, 1), 'UTF8')) END,
       sha256(convert_to('BENCH-' || i, 'UTF8'))
  FROM generate_series(:'lo'::bigint + 1, :'hi'::bigint) i,
       LATERAL (SELECT current_date - (i * 7919 % 730)::integer AS d,
                       (ARRAY['white_british', 'white_british', 'white_british', 'white_british',
                              'asian_pakistani', 'asian_indian', 'black_african', 'black_caribbean',
                              'white_other', 'mixed_white_asian', 'asian_bangladeshi',
                              'other_arab', 'white_irish', 'asian_chinese', 'other_any',
                              'mixed_other', 'black_other', 'white_roma', 'asian_other',
                              'not_stated'])[1 + (i * 31 % 20)::integer] AS g) x;
SQL
done
# Every tenth report referred to the next partner (answered in time, late,
# declined or open), every fifth with an outcome 0 to 59 days after it was
# reported, the victim satisfied, not, or not asked.
psql -X -q -v ON_ERROR_STOP=1 -v ps="$HUB_PARTNERSHIP_DEMO" -v p1="$HUB_PARTNER_POLICE" \
    -v p2="$HUB_PARTNER_COUNCIL" -v p3="$HUB_PARTNER_HEALTH" -v p4="$HUB_PARTNER_COMMUNITY" "$HUB_DB" <<'SQL'
INSERT INTO hub.referral (partnership_id, report_id, from_partner, to_partner, reason, urgency,
                          status, decline_reason, due_on, answered_at)
SELECT r.partnership_id, r.report_id, r.partner_id, p.next, 'victim_support', 'routine',
       (ARRAY['accepted', 'accepted', 'declined', 'open'])[1 + r.report_id / 10 % 4],
       CASE WHEN r.report_id / 10 % 4 = 2 THEN 'not_our_remit' END, r.reported_on + 14,
       CASE WHEN r.report_id / 10 % 4 < 3 THEN r.reported_on + (r.report_id / 40 % 20)::integer END
  FROM hub.report r
  JOIN (VALUES (:'p1'::bigint, :'p2'::bigint), (:'p2', :'p3'), (:'p3', :'p4'), (:'p4', :'p1')) p(me, next)
    ON p.me = r.partner_id
 WHERE r.partnership_id = :'ps' AND r.report_id % 10 = 0;
INSERT INTO hub.outcome (partnership_id, report_id, partner_id, outcome, on_date, victim_satisfied)
SELECT partnership_id, report_id, partner_id, 'victim_supported', reported_on + (report_id % 60)::integer,
       (ARRAY['yes', 'no', 'unknown'])[1 + report_id / 5 % 3]
  FROM hub.report WHERE partnership_id = :'ps' AND report_id % 5 = 0;
SQL
psql -X -q "$HUB_DB" -c "ANALYZE hub.report" -c "ANALYZE hub.referral" -c "ANALYZE hub.outcome"
load_s=$(awk -v us=$((${EPOCHREALTIME/./} - t0)) 'BEGIN { printf "%.1f", us / 1e6 }')

# The first full refresh (every month of the two years, all four cubes).
t0=${EPOCHREALTIME/./}
months=$(psql -X -tA "$HUB_DB" -c "SELECT hub.stats_refresh()")
refresh_s=$(awk -v us=$((${EPOCHREALTIME/./} - t0)) 'BEGIN { printf "%.1f", us / 1e6 }')
cells=$(psql -X -tA "$HUB_DB" -c "SELECT count(*) FROM hub.stats_cell")
flow_cells=$(psql -X -tA "$HUB_DB" -c "SELECT count(*) FROM hub.stats_flow_cell")
psql -X -q "$HUB_DB" -c "ANALYZE hub.stats_cell" -c "ANALYZE hub.stats_flow_cell"

(
    hubd_env "$B"
    exec build/hubd
) >"$B/hubd.log" 2>&1 &
hubd_pid=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null --cacert "$HUB_CA" "$HUB_URL/healthz" && break
    sleep 0.1
done
year=$(($(date -u +%Y) - 1))
query="group=month,strand,ethnic_group_high&from=$year-01&to=$year-12"
curl -sf --cacert "$HUB_CA" -H "Authorization: Bearer $HUB_TOKEN_PUBLIC" "$HUB_URL/v1/stats/reports?$query" >"$B/answer.json"
total=$(jq .total.count "$B/answer.json")
read -r hub_p50 hub_p99 hub_rps < <(load "$HUB_URL/v1/stats/reports?$query" "$requests")

# The flow endpoints for the same year: hubload's p50 and p99 of each.
flow_rows=""
for ep in repeat referrals outcomes; do
    url="$HUB_URL/v1/stats/$ep?from=$year-01&to=$year-12"
    curl -sf --cacert "$HUB_CA" -H "Authorization: Bearer $HUB_TOKEN_PUBLIC" "$url" >"$B/$ep.json"
    read -r p50 p99 rps < <(load "$url" "$flow_requests")
    flow_rows+="| GET /v1/stats/$ep through hubd | $p50 | $p99 | $conns connections, $flow_requests requests, $rps req/s |"$'\n'
done
subjects=$(jq -c '.cross_agency | [.subjects.count, .multi_partner.count, .multi_kind.count]' "$B/repeat.json")
cat >"$B/subjects.sql" <<SQL
SELECT set_config('hub.partnership_id', '$HUB_PARTNERSHIP_DEMO', false);
SELECT * FROM hub.stats_repeat_subjects('$year-01-01', '$year-12-31', NULL, NULL, NULL);
SQL
"$PG_BIN/pgbench" -n -c 1 -t "$direct" -f "$B/subjects.sql" -l --log-prefix="$B/sublog" "$HUB_APP_DB" >"$B/pgbench-subjects.out" 2>&1
# pgbench logs one line per transaction: both statements, the count dominating.
read -r s_p50 s_p99 < <(percentiles "$B/sublog")

# The same figures computed from the reports themselves, as the owner.
cat >"$B/direct.sql" <<SQL
SELECT to_char(date_trunc('month', r.occurred_from), 'YYYY-MM'), s.strand, m.high, count(*)
  FROM hub.report r
 CROSS JOIN LATERAL unnest(r.strands) AS s(strand)
  JOIN (VALUES $(awk -F, 'NR > 1 { printf "%s(\x27%s\x27, \x27%s\x27)", (n++ ? ", " : ""), $1, ($NF == "" ? "not_stated" : $NF) }' api/codes/ethnic_group.csv)) AS m(code, high)
    ON m.code = r.ethnic_group
 WHERE r.partnership_id = $HUB_PARTNERSHIP_DEMO AND r.withdrawn_at IS NULL
   AND r.occurred_from >= '$year-01-01' AND r.occurred_from < '$((year + 1))-01-01'
 GROUP BY 1, 2, 3;
SQL
"$PG_BIN/pgbench" -n -c 1 -t "$direct" -f "$B/direct.sql" -l --log-prefix="$B/pglog" "$HUB_DB" >"$B/pgbench.out" 2>&1
read -r d_p50 d_p99 < <(percentiles "$B/pglog")

cat <<EOF2

$n_reports reports written in $load_s s; first full refresh of the rollups: $refresh_s s
($months partnership-months, $cells rollup rows).
Query: monthly counts by strand and high-level ethnic group for $year ($total reports).

| path | p50 ms | p99 ms | notes |
| --- | ---: | ---: | --- |
| GET /v1/stats/reports through hubd (TLS, token, rollups, disclosure control, audit row) | $hub_p50 | $hub_p99 | $conns connections, $requests requests, $hub_rps req/s |
| the same figures computed over hub.report (pgbench, as the owner) | $d_p50 | $d_p99 | $direct runs, one at a time |
${flow_rows}| the cross-agency count alone, hub.stats_repeat_subjects (pgbench, as hub_app) | $s_p50 | $s_p99 | $direct runs, one at a time |

Flow rollups: $flow_cells rows. Subjects in $year [all, several partners, several kinds]: $subjects.

Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');
PostgreSQL, hubd and the client share them.
EOF2
