#!/usr/bin/env bash
# Retention and backup at scale: BENCH_REPORTS (1 million) reports over the
# last eight years in one partnership that keeps them 72 months (so about a
# quarter are due), a fifth referred, accepted and with an outcome, one in
# fifty amended. Times, in order: the backup (scripts/backup.sh) and its
# size, the restore into a fresh cluster (scripts/restore.sh), a dry run
# and the purge (hubctl retention run, one transaction), the refresh of
# the purged months, and a second run (nothing due: the daily run); checks that the rollups after the refresh are the
# rollups before the purge, row for row.
#
# Self-contained: builds, makes two throw-away clusters (durable, like make
# run's) through scripts/lib.sh; var/ is untouched. About 3 GB of disk and
# a few minutes for a million reports.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib.sh
export LC_ALL=C

n_reports=${BENCH_REPORTS:-1000000}
make -s -j"$(nproc)" build/hubd build/hubctl

B=$(mktemp -d /tmp/hub-bench-retention.XXXXXX)
chmod 755 "$B"
cleanup() {
    cluster_stop "$B" || true
    cluster_stop "$B/fresh" || true
    rm -rf "$B"
}
trap cleanup EXIT
secs() { awk -v us=$((${EPOCHREALTIME/./} - $1)) 'BEGIN { printf "%.1f", us / 1e6 }'; }

echo "bench/retention.sh: set-up in $B" >&2
setup "$B" $((40000 + RANDOM % 10000)) "$(free_port $((20000 + RANDOM % 12000)))" >"$B/setup.log" 2>&1 ||
    { cat "$B/setup.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$B/hub.env" # HUB_DB is the owner here
export HUB_DB

t0=${EPOCHREALTIME/./}
psql -X -q -v ON_ERROR_STOP=1 -v ps="$HUB_PARTNERSHIP_DEMO" -v p1="$HUB_PARTNER_POLICE" \
    -v p2="$HUB_PARTNER_COUNCIL" -v p3="$HUB_PARTNER_HEALTH" -v p4="$HUB_PARTNER_COMMUNITY" \
    -v n="$n_reports" "$HUB_DB" <<'SQL'
SET synchronous_commit = off;
INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
                        reported_on, area, location_type, strands, incident_types, ethnic_group,
                        ethnic_scheme, ethnic_native, age_band, sex, repeat, channel, content_hash,
                        created_at, updated_at)
SELECT :'ps', (ARRAY[:'p1', :'p2', :'p3', :'p4']::bigint[])[1 + i % 4], 'BENCH-' || i, d, d, d,
       'E01' || lpad((100000 + i % 2000)::text, 6, '0'), 'street',
       CASE WHEN i % 5 = 0 THEN '{race,religion}'::text[] ELSE '{race}'::text[] END,
       '{verbal_abuse}', g, 'ons2021', g, '25-34', 'female', 'no', 'online',
       sha256(convert_to('BENCH-' || i, 'UTF8')), d, d
  FROM generate_series(1, :'n'::bigint) i,
       LATERAL (SELECT current_date - (i * 7919 % 2920)::integer AS d,
                       (ARRAY['white_british', 'white_british', 'white_british', 'asian_pakistani',
                              'asian_indian', 'black_african', 'black_caribbean', 'white_other',
                              'mixed_white_asian', 'other_arab'])[1 + (i * 31 % 10)::integer] AS g) x;
INSERT INTO hub.referral (partnership_id, report_id, from_partner, to_partner, reason, urgency,
                          status, created_at, due_on, answered_at)
SELECT r.partnership_id, r.report_id, r.partner_id,
       CASE WHEN r.partner_id = :'p2'::bigint THEN :'p3'::bigint ELSE :'p2'::bigint END,
       'victim_support', 'routine', 'accepted', r.occurred_from + 1, r.occurred_from + 15,
       r.occurred_from + 3
  FROM hub.report r WHERE r.partnership_id = :'ps' AND r.report_id % 5 = 0;
INSERT INTO hub.outcome (partnership_id, report_id, partner_id, outcome, on_date, victim_satisfied,
                         created_at)
SELECT f.partnership_id, f.report_id, f.to_partner, 'victim_supported', r.occurred_from + 10, 'yes',
       r.occurred_from + 10
  FROM hub.referral f JOIN hub.report r USING (report_id)
 WHERE f.partnership_id = :'ps';
INSERT INTO hub.report_version (partnership_id, report_id, version, partner_id, content, valid_from,
                                valid_to)
SELECT r.partnership_id, r.report_id, 1, r.partner_id, hub.report_json(r), r.created_at, r.created_at
  FROM hub.report r WHERE r.partnership_id = :'ps' AND r.report_id % 50 = 0;
ANALYZE hub.report, hub.referral, hub.outcome, hub.report_version;
SQL
load_s=$(secs "$t0")
psql -X -q "$HUB_DB" -c "SELECT hub.stats_refresh()" >/dev/null
counts() {
    psql -X -tA "$1" -c "SELECT (SELECT count(*) FROM hub.report) || ' reports, '
        || (SELECT count(*) FROM hub.report_version) || ' versions, '
        || (SELECT count(*) FROM hub.referral) || ' referrals, '
        || (SELECT count(*) FROM hub.outcome) || ' outcomes'"
}
before=$(counts "$HUB_DB")
db_mb=$(psql -X -tA "$HUB_DB" -c "SELECT pg_database_size(current_database()) / 1048576")

# Backup, then restore into a fresh cluster.
t0=${EPOCHREALTIME/./}
file=$(scripts/backup.sh --dir "$B/backups" 2>/dev/null)
backup_s=$(secs "$t0")
backup_mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 1048576 }')
fport=$(free_port $((40000 + RANDOM % 10000)))
cluster_create "$B/fresh" "$fport" >/dev/null && cluster_start "$B/fresh"
t0=${EPOCHREALTIME/./}
scripts/restore.sh --admin "host=$B/fresh/run port=$fport user=postgres dbname=postgres" "$file" 2>/dev/null
restore_s=$(secs "$t0")
restored=$(counts "host=$B/fresh/run port=$fport user=hub_owner dbname=hub")
cluster_stop "$B/fresh"

# Dry run, purge, refresh; the rollups before and after.
cells() {
    psql -X -tA "$HUB_DB" -c "SELECT md5(string_agg(c::text, ',' ORDER BY c::text)) FROM hub.stats_cell c"
}
cells_before=$(cells)
t0=${EPOCHREALTIME/./}
dry=$(build/hubctl retention run --dry-run)
dry=${dry%%$'\n'*}
dry_s=$(secs "$t0")
t0=${EPOCHREALTIME/./}
purged=$(build/hubctl retention run)
purged=${purged%%$'\n'*}
purge_s=$(secs "$t0")
t0=${EPOCHREALTIME/./}
months=$(psql -X -tA "$HUB_DB" -c "SELECT hub.stats_refresh()")
refresh_s=$(secs "$t0")
same=no
[ "$(cells)" = "$cells_before" ] && same=yes
after=$(counts "$HUB_DB")
t0=${EPOCHREALTIME/./}
again=$(build/hubctl retention run)
again=${again%%$'\n'*}
again_s=$(secs "$t0")

cat <<EOF

Data: $before (database $db_mb MB), written in $load_s s.

| step | time | notes |
| --- | ---: | --- |
| backup (scripts/backup.sh: pg_dump -Fc as the owner) | $backup_s s | $backup_mb MB file |
| restore into a fresh cluster (scripts/restore.sh) | $restore_s s | restored: $restored |
| retention run --dry-run | $dry_s s | ${dry#*: } |
| retention run (one transaction) | $purge_s s | ${purged#*: } |
| refresh of the purged months | $refresh_s s | $months months rebuilt; rollups identical to before the purge: $same |
| retention run again (the daily run: nothing due) | $again_s s | ${again#*: } |

After: $after.
Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //').
EOF
[ "$same" = yes ]
