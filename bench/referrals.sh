#!/usr/bin/env bash
# The time to list 10,000 incoming referrals page by page: the council walks
# GET /v1/referrals?direction=in from after=0, following next, with
# limit=100 and limit=1000.
#
# Self-contained: builds, then makes a throw-away cluster (durable, like
# make run's) and hubd through scripts/lib.sh, so the council has exactly
# BENCH_REFERRALS incoming referrals and var/ is not touched. The police
# partner's reports and their referrals to the council are written as the
# owner in SQL (the API's cost of making them is bench/reports.sh's).
#
# Each limit is walked two ways, and one page timed alone:
#   keep-alive  build/bench/pagewalk: one TLS connection for every page;
#               the handshake, then the pages from the first request sent
#               to the last byte of the last body
#   curl        one curl per page, a new connection each, as a shell script
#               would; the wall time, and curl's own split of it into
#               connection set-up (TCP and TLS handshake) and the requests
#   one page    hubload on one keep-alive connection, the first page
#               BENCH_PAGE_REPEAT times: p50 and p99 of a single page
#
# Env: BENCH_REFERRALS (10000), BENCH_LIMITS ("100 1000"),
# BENCH_PAGE_REPEAT (200), HUB_WORKERS (hubd's default: one per core).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib.sh
export LC_ALL=C # '.' in EPOCHREALTIME

n_referrals=${BENCH_REFERRALS:-10000}
limits=${BENCH_LIMITS:-100 1000}
repeat=${BENCH_PAGE_REPEAT:-200}
make -s -j"$(nproc)" build/hubd build/hubctl build/bench/hubload build/bench/pagewalk

B=$(mktemp -d /tmp/hub-bench-referrals.XXXXXX)
chmod 755 "$B" # the postgres user must reach the cluster inside
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

echo "bench/referrals.sh: set-up in $B" >&2
setup "$B" $((40000 + RANDOM % 10000)) "$(free_port $((20000 + RANDOM % 12000)))" >"$B/setup.log" 2>&1 ||
    { cat "$B/setup.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$B/hub.env" # HUB_DB is the owner here; HUB_TOKEN_COUNCIL, HUB_PARTNER_*

t0=${EPOCHREALTIME/./}
psql -X -q -v ON_ERROR_STOP=1 -v ps="$HUB_PARTNERSHIP_DEMO" -v police="$HUB_PARTNER_POLICE" \
    -v council="$HUB_PARTNER_COUNCIL" -v n="$n_referrals" "$HUB_DB" <<'SQL'
BEGIN;
INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
                        reported_on, area, location_type, strands, incident_types, ethnic_group,
                        ethnic_scheme, ethnic_native, age_band, sex, repeat, channel, content_hash)
SELECT :'ps', :'police', 'BENCH-' || i, d, d, d, 'E01099001', 'street', '{race}',
       '{verbal_abuse}', 'asian_pakistani', 'police', 'A2', '25-34', 'female', 'no', 'telephone',
       sha256(convert_to('BENCH-' || i, 'UTF8'))
  FROM generate_series(1, :'n'::integer) i, LATERAL (SELECT current_date - i % 700 AS d) x;
INSERT INTO hub.referral (partnership_id, report_id, from_partner, to_partner, reason, urgency,
                          due_on)
SELECT partnership_id, report_id, partner_id, :'council', 'housing_action', 'routine',
       hub.add_working_days(current_date, 10)
  FROM hub.report
 WHERE partnership_id = :'ps' AND partner_id = :'police' AND external_ref LIKE 'BENCH-%'
 ORDER BY report_id;
COMMIT;
ANALYZE hub.report;
ANALYZE hub.referral;
SQL
load_s=$(awk -v us=$((${EPOCHREALTIME/./} - t0)) 'BEGIN { printf "%.2f", us / 1e6 }')

(
    hubd_env "$B"
    exec build/hubd
) >"$B/hubd.log" 2>&1 &
hubd_pid=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null --cacert "$HUB_CA" "$HUB_URL/healthz" && break
    sleep 0.1
done
curl -sf -o /dev/null --cacert "$HUB_CA" "$HUB_URL/healthz" || { cat "$B/hubd.log" >&2; exit 1; }

# page_of FILE: "COUNT NEXT" of a page (NEXT empty on the last).
page_of() { jq -r '"\(.referrals | length) \(.next // "")"' "$1"; }

# walk_keepalive LIMIT -> "pages referrals connect_ms walk_ms"
walk_keepalive() {
    build/bench/pagewalk --ca "$HUB_CA" --token "$HUB_TOKEN_COUNCIL" \
        "$HUB_URL/v1/referrals?direction=in&limit=$1" |
        sed -E 's/RESULT pages=([0-9]+) items=([0-9]+) connect_ms=([0-9.]+) walk_ms=([0-9.]+)/\1 \2 \3 \4/'
}

# walk_curl LIMIT -> "pages referrals wall_ms setup_ms request_ms"
walk_curl() {
    local limit=$1 after=0 pages=0 total=0 t_start times n next
    : >"$B/times"
    t_start=${EPOCHREALTIME/./}
    while :; do
        times=$(curl -sS --fail --cacert "$HUB_CA" -o "$B/page.json" \
            -w '%{time_appconnect} %{time_total}' -H "Authorization: Bearer $HUB_TOKEN_COUNCIL" \
            "$HUB_URL/v1/referrals?direction=in&limit=$limit&after=$after")
        echo "$times" >>"$B/times"
        pages=$((pages + 1))
        read -r n next < <(page_of "$B/page.json")
        total=$((total + n))
        [ -z "$next" ] && break
        after=$next
    done
    local wall=$((${EPOCHREALTIME/./} - t_start))
    awk -v p="$pages" -v t="$total" -v w="$wall" '{ s += $1; r += $2 - $1 }
        END { printf "%d %d %.3f %.3f %.3f\n", p, t, w / 1e3, s * 1e3, r * 1e3 }' "$B/times"
}

# one_page LIMIT -> "p50_ms p99_ms pages_per_s"
one_page() {
    local line
    line=$(build/bench/hubload -c 1 -t 1 -n "$repeat" --ca "$HUB_CA" --token "$HUB_TOKEN_COUNCIL" \
        --expect 200 "$HUB_URL/v1/referrals?direction=in&limit=$1" | grep '^RESULT')
    sed -E 's/.*rps=([0-9.]+).*p50_ms=([0-9.]+).*p99_ms=([0-9.]+).*/\2 \3 \1/' <<<"$line"
}

# row CLIENT LIMIT PAGES REFERRALS MILLISECONDS SET-UP: one table row.
row() {
    awk -v c="$1" -v l="$2" -v p="$3" -v n="$4" -v ms="$5" -v setup="$6" 'BEGIN {
        printf "| %s | %d | %d | %d | %.2f | %.1f | %.0f | %s |\n",
            c, l, p, n, ms / 1e3, ms / p, n / (ms / 1e3), setup }'
}
check_count() { # check_count WHAT GOT
    [ "$2" = "$n_referrals" ] || { echo "bench/referrals.sh: $1 listed $2 referrals, not $n_referrals" >&2; exit 1; }
}

rows=() page_rows=()
for limit in $limits; do
    echo "bench/referrals.sh: limit=$limit" >&2
    walk_keepalive "$limit" >/dev/null # warm the caches and hubd's prepared statements
    read -r p n connect walk <<<"$(walk_keepalive "$limit")"
    check_count "the keep-alive walk" "$n"
    rows+=("$(row "one keep-alive connection (pagewalk)" "$limit" "$p" "$n" \
        "$(awk -v a="$connect" -v b="$walk" 'BEGIN { print a + b }')" "handshake $connect ms, once")")
    read -r p n wall setup req <<<"$(walk_curl "$limit")"
    check_count "the curl walk" "$n"
    rows+=("$(row "curl, a new connection per page" "$limit" "$p" "$n" "$wall" \
        "$(awk -v s="$setup" -v p="$p" 'BEGIN { printf "%.2f s: %.1f ms a page", s / 1e3, s / p }')")")
    rows+=("$(row "…its requests alone (curl's timers)" "$limit" "$p" "$n" "$req" "excluded")")
    read -r p50 p99 rps <<<"$(one_page "$limit")"
    page_rows+=("| $limit | $p50 | $p99 | $rps | $(awk -v r="$rps" -v l="$limit" 'BEGIN { printf "%.0f", r * l }') |")
done

echo "### Listing $n_referrals incoming referrals page by page"
echo
echo "GET /v1/referrals?direction=in as the council, from after=0 following next; a page of"
echo "LIMIT referrals per request, and one more request for the empty last page when"
echo "$n_referrals is a multiple of LIMIT. Written beforehand as the owner in SQL in $load_s s."
echo
echo "| client | limit | pages | referrals | total s | ms per page | referrals/s | connection set-up |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "A single page, repeated $repeat times on one keep-alive connection (hubload -c 1):"
echo
echo "| limit | p50 ms | p99 ms | pages/s | referrals/s |"
echo "| ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${page_rows[@]}"
echo
echo "pagewalk times from the first request sent to the last byte of the last page, plus its"
echo "one handshake. The curl walk's total is wall time, including starting curl and reading"
echo "each page with jq; its requests alone are curl's time_total - time_appconnect, summed."
echo "Every request authenticates the token and appends an audit row, committed before the"
echo "answer (durable cluster, fsync on)."
echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); hubd ${HUB_WORKERS:-$(nproc)} workers;"
echo "PostgreSQL, hubd and the client share them."
