#!/usr/bin/env bash
# hubctl's read commands against a real hubd, on data this suite makes
# through the API in a partnership of its own: stats, targets and referrals
# as a table, --json and --csv, each checked against the API's own answer
# (fetched with curl and read with jq); a suppressed cell printed as
# "suppressed", never as a number; referrals followed page by page; one
# clear line for each failure (unreachable, a CA that did not sign the
# hub's certificate, 401, 403, 5xx); the HTML report holding every target,
# escaping a hostile title, and listing the targets furthest behind in
# order; --pdf making a PDF with chromium (skipped, saying so, when
# chromium is absent), and exit 3 naming what to install when no converter
# is on PATH.
# Every period lies in 2025, so the figures do not depend on today's date.
# Runs twice against the same database: each run makes its own partnership.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=hr${RANDOM}q$RANDOM
D=$T/$SUITE-$tag
mkdir -p "$D"
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
[ -x "$CTL" ] || { not_ok "hubctl is built" "missing $CTL"; exit 0; }
start_hubd HUB_STATS_REFRESH=200ms || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Read $tag" --isa-ref "ISA-HR-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "Read police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "Read council $tag")
TOKEN_COORD=$(ctl token issue --partner "$police" --roles submit,read,coordinate)
TOKEN_C=$(ctl token issue --partner "$council" --roles submit,read)
TOKEN_PUB=$(ctl token issue --public --partnership "$ps")
check "(fixtures made)" test -n "$ps" -a -n "$council" -a -n "$TOKEN_PUB"
unset HUB_DB HUB_TOKEN HUB_CERT HUB_KEY

# hc TOKEN ARGS...: hubctl against this suite's hubd (the environment's
# variables, as a partner would set them); stdout to $D/out, stderr to
# $D/err (and all of it to $D/all.err); returns hubctl's status.
hc() {
    local token=$1 rc
    shift
    HUB_URL=${HC_URL:-$URL} HUB_CA=${HC_CA:-$HUB_CA} HUB_TOKEN=$token "$CTL" "$@" >"$D/out" 2>"$D/err"
    rc=$?
    cat "$D/err" >>"$D/all.err"
    return "$rc"
}
# api TOKEN PATH: the API's own answer into $R; the status.
api() { hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL$2"; }
# The CSV field rule hubctl follows (RFC 4180, quoted only when needed),
# in jq, to build the expected CSV from the API's JSON.
csvf='def f: tostring | if test("[\",\r\n]") or startswith(" ") or endswith(" ")
                        then "\"" + gsub("\""; "\"\"") + "\"" else . end;'
nocr() { tr -d '\r' <"$D/out"; }

for c in stats targets referrals report; do
    "$CTL" "$c" --help >"$D/out" 2>&1
    eq "$c --help: exit 0 and its usage, without a hub" "$?:$(head -1 "$D/out" | cut -d' ' -f1-3)" "0:Usage: hubctl $c"
done

# ---- the data ---------------------------------------------------------------
# An area of this run's own. Reports (strand race) by quarter of 2025 in it,
# white_british: police 12 in Q1, 8 in Q3; council 6 in Q4. black_african
# (police): 2 in Q2 (a small count: suppressed), 5 in Q4.
a1=E01$(printf '%06d' $((RANDOM * 30 % 1000000)))
while [ "$(q "SELECT count(*) FROM hub.report WHERE area = '$a1'")" != 0 ]; do
    a1=E01$(printf '%06d' $((RANDOM * 30 % 1000000)))
done
mk() { # mk PREFIX N GROUP MONTH
    jq -nc --arg p "$1" --argjson n "$2" --arg g "$3" --arg m "$4" --arg a "$a1" '
      [range(0; $n) as $i | {
        protocol: "harassment-report/1", external_ref: "\($p)-\($g)-\($m)-\($i)",
        occurred_from: "2025-\($m)-1\($i % 10)", reported_on: "2025-12-20", area: $a,
        location_type: "street", strands: ["race"], incident_types: ["verbal_abuse"],
        victim: {ethnic_group: $g, age_band: "25-34", sex: "female"},
        repeat: "no", channel: "online"}]'
}
batch() { # batch TOKEN JSON-ARRAY: the ids into $R.ids
    hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        --data-binary "$2" "$URL/v1/reports/batch?atomic=true"
    jq -r '.items[].id' "$R" >"$R.ids"
}
all=$(jq -sc 'add' <(mk "$tag-p" 12 white_british 02) <(mk "$tag-p" 8 white_british 08) \
    <(mk "$tag-p" 2 black_african 05) <(mk "$tag-p" 5 black_african 11))
eq "(police's reports stored)" "$(batch "$TOKEN_COORD" "$all"):$(jq '[.items[].status] | unique' -c "$R")" "200:[201]"
mapfile -t P <"$R.ids"
eq "(council's reports stored)" "$(batch "$TOKEN_C" "$(mk "$tag-c" 6 white_british 11)"):$(jq '[.items[].status] | unique' -c "$R")" "200:[201]"

# Referrals from the police to the council: accepted, declined, open.
post() { # post TOKEN PATH BODY: the status; the answer in $R
    hcurl -o "$R" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        ${3:+-H 'Content-Type: application/json' --data "$3"} "$URL$2"
}
codes=""
for i in 0 1 2; do
    codes+=$(post "$TOKEN_COORD" "/v1/reports/${P[$i]}/referrals" \
        "{\"to_partner\":$council,\"reason\":\"victim_support\",\"urgency\":\"routine\"}")
    F[i]=$(jq -r .id "$R")
done
codes+=$(post "$TOKEN_C" "/v1/referrals/${F[0]}/accept")
codes+=$(post "$TOKEN_C" "/v1/referrals/${F[1]}/decline" '{"reason":"not_our_remit"}')
eq "(three referrals made, one accepted, one declined)" "$codes" 201201201200200

# settled: waits (up to 20 s) until the refresher has taken in every change.
settled() {
    for _ in $(seq 100); do
        [ "$(q "SELECT (SELECT count(*) FROM hub.stats_change) + (SELECT count(*) FROM hub.stats_flow_change)")" = 0 ] && sleep 0.3 && return 0
        sleep 0.2
    done
    return 1
}
check "(the rollups take the reports in)" settled

# Targets (quarterly, baseline 2024, due 2025-12-31): t1 reports up from 10
# to 25 (Q4 has 6: far behind), t3 down from 20 to 2 (Q4 has 6: a little
# behind), t2 with a hostile title, on the black_african reports.
target() { # target TITLE ETHNIC BASE GOAL: the new target's id
    jq -nc --arg t "$1" --arg g "$2" --argjson b "$3" --argjson v "$4" --arg a "$a1" \
        --argjson lead "$police" --argjson c "$council" '
      {title: $t, metric: "reports_count", filters: {area: [$a], strand: "race", ethnic_group: $g},
       direction: (if $v > $b then "increase" else "decrease" end),
       baseline: {value: $b, period: "2024"}, target: {value: $v, due: "2025-12-31"},
       owners: {lead: $lead, contributors: [$c]}, review: "quarterly"}' >"$D/target.json"
    hcurl -o "$R" -H "Authorization: Bearer $TOKEN_COORD" -H 'Content-Type: application/json' \
        --data-binary @"$D/target.json" "$URL/v1/targets"
    jq -r '.id // empty' "$R"
}
hostile='<script>alert("x")</script> & co'
t1=$(target "More reporting in $tag" white_british 10 25)
t2=$(target "$hostile" black_african 0 10)
t3=$(target "Fewer incidents in $tag" white_british 20 2)
check "(three targets made)" test -n "$t1" -a -n "$t2" -a -n "$t3"

# ---- stats ----------------------------------------------------------------------
sq="/v1/stats/reports?from=2025&to=2025&area=$a1&strand=race&ethnic_group=black_african&group=quarter"
sargs=(stats reports --from 2025 --to 2025 --area "$a1" --strand race --ethnic-group black_african --group-by quarter)
eq "(the API: black_african reports by quarter, public)" "$(api "$TOKEN_PUB" "$sq")" 200
cp "$R" "$D/stats.json"
eq "(…Q2 suppressed there)" "$(jq -c '[.cells[] | select(.quarter == "2025-Q2") | .suppressed]' "$D/stats.json")" '[true]'
hc "$TOKEN_PUB" "${sargs[@]}"
eq "stats reports (table): exit 0" "$?" 0
cp "$D/out" "$D/stats.txt" # kept for a look (KEEP_TEST_DIR=1)
eq "…one row per cell: quarter and count, as the API's" \
    "$(awk '$1 == "cells" { print $2, $3 }' "$D/out")" \
    "$(jq -r '.cells[] | "\(.quarter) \(if .suppressed then "suppressed" else .count end)"' "$D/stats.json")"
eq "…the suppressed cell printed as suppressed" "$(awk '$2 == "2025-Q2" { print $3 }' "$D/out")" suppressed
eq "…the total as the API's" "$(awk '$1 == "total" { print $3 }' "$D/out")" \
    "$(jq -r 'if .total.suppressed then "suppressed" else .total.count end' "$D/stats.json")"
eq "…then the disclosure rule" "$(grep '^Disclosure: ' "$D/out")" "Disclosure: $(jq -r .disclosure.rule "$D/stats.json")"
hc "$TOKEN_PUB" "${sargs[@]}" --csv
eq "stats reports --csv: exit 0" "$?" 0
eq "…RFC 4180 with a header; a suppressed cell empty with suppressed true" "$(nocr)" \
    "$(jq -r "$csvf"'"figure,quarter,value,suppressed",
        (.cells[] | ["cells", .quarter, (if .suppressed then "" else .count end), (.suppressed // false)] | map(f) | join(",")),
        (.total | ["total", "", (if .suppressed then "" else .count end), (.suppressed // false)] | map(f) | join(","))' "$D/stats.json")"
check "…lines end in CRLF" grep -q $'\r$' "$D/out"
hc "$TOKEN_PUB" "${sargs[@]}" --json
eq "stats reports --json: the API's answer unchanged (but its freshness)" \
    "$(jq -S 'del(.freshness)' "$D/out")" "$(jq -S 'del(.freshness)' "$D/stats.json")"
for kind in rates repeat referrals outcomes; do
    api "$TOKEN_COORD" "/v1/stats/$kind?from=2025&to=2025&scope=own" >/dev/null
    hc "$TOKEN_COORD" stats "$kind" --from 2025 --to 2025 --scope own --json
    eq "stats $kind --scope own --json: as the API's" \
        "$(jq -S 'del(.freshness)' "$D/out" 2>&1)" "$(jq -S 'del(.freshness)' "$R")"
    hc "$TOKEN_COORD" stats "$kind" --from 2025 --to 2025 --scope own
    eq "…the table: exit 0 and the disclosure rule" "$?:$(grep -c '^Disclosure: ' "$D/out")" 0:1
done
api "$TOKEN_C" "/v1/stats/referrals?from=2025&to=2025&scope=own" >/dev/null
hc "$TOKEN_C" stats referrals --from 2025 --to 2025 --scope own --csv
eq "stats referrals --csv: the funnel's referrals, accepted, declined, open as the API's" \
    "$(nocr | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "value") v = i }
        /^funnel\.(referrals|accepted|declined|open),/ { print $1 "," $v }')" \
    "$(jq -r '.funnel | "funnel.referrals,\(.referrals.count)", "funnel.accepted,\(.accepted.count)",
        "funnel.declined,\(.declined.count)", "funnel.open,\(.open.count)"' "$R")"
hc "$TOKEN_PUB" stats reports --from 2025-13
eq "a bad period: exit 2, said before anything is sent" "$?:$(head -1 "$D/err")" \
    "2:hubctl: --from and --to are YYYY, YYYY-Qn or YYYY-MM"

# ---- targets --------------------------------------------------------------------
eq "(the API's targets)" "$(api "$TOKEN_C" /v1/targets)" 200
cp "$R" "$D/targets.json"
hc "$TOKEN_C" targets --csv
eq "targets --csv: every target with its status, figures, due date and lead, as the API's" "$(nocr)" \
    "$(jq -r "$csvf"'"id,title,metric,status,current,current_suppressed,period,expected,progress_pct,due,lead",
        (.targets[] | .progress as $p | [.id, .title, .metric, $p.status,
          (if $p.current.suppressed or $p.current.no_value then "" else ($p.current.value // "") end),
          ($p.current.suppressed // false), ($p.current.period // ""), ($p.expected_value // ""),
          ($p.progress_pct // ""), .target.due, .owners.lead] | map(f) | join(","))' "$D/targets.json")"
hc "$TOKEN_C" targets
cp "$D/out" "$D/targets.txt"
eq "targets (table): a row for each, in the API's order" \
    "$(awk 'NR > 1 { print $1 }' "$D/out" | paste -sd' ')" "$(jq -r '[.targets[].id] | join(" ")' "$D/targets.json")"
check "…the hostile title as text" grep -qF "$hostile" "$D/out"
hc "$TOKEN_C" targets --json
eq "targets --json: the API's answer" "$(jq -S . "$D/out")" "$(jq -S . "$D/targets.json")"
api "$TOKEN_C" "/v1/targets/$t2" >/dev/null
hc "$TOKEN_C" targets "$t2"
cp "$D/out" "$D/target.txt"
eq "one target: its series, each period's value or suppressed, as the API's" \
    "$(awk '$1 ~ /^2025-Q[1-4]$/ { print $1, $4 }' "$D/out")" \
    "$(jq -r '.progress.series[] | "\(.period) \(if .suppressed then "suppressed" elif .no_value then "no" else .value end)"' "$R")"
eq "…Q2's small count suppressed" "$(awk '$1 == "2025-Q2" { print $4 }' "$D/out")" suppressed
eq "…after its definition" "$(grep -E '^(metric|review) ' "$D/out" | tr -s ' ')" $'metric reports_count\nreview quarterly'
hc "$TOKEN_C" targets --json "$t2"
eq "one target --json, the ID after the option: the API's answer" "$(jq -S . "$D/out")" "$(jq -S . "$R")"
hc "$TOKEN_C" targets "$t2" --csv
eq "one target --csv: the series" "$(nocr)" \
    "$(jq -r "$csvf"'"period,start,end,value,suppressed,no_value_reason",
        (.progress.series[] | [.period, .start, .end, (if .suppressed or .no_value then "" else .value end),
          (.suppressed // false), (.reason // "")] | map(f) | join(","))' "$R")"
hc "$TOKEN_C" targets 999999999
eq "an unknown target: exit 1, the API's 404 in one line" "$?:$(wc -l <"$D/err")" 1:1
check "…saying so" grep -q '^hubctl: the hub refused the request (404 Not Found)' "$D/err"

# ---- referrals ------------------------------------------------------------------
walk "$TOKEN_COORD" /v1/referrals direction=out 1000 referrals
cp "$R.page" "$D/referrals.json"
eq "(the API: the police's three referrals, sent)" "$(jq '.referrals | length' "$D/referrals.json")" 3
hc "$TOKEN_COORD" referrals --direction out --page-size 2 --json
eq "referrals --json, two to a page: every one, as the API's" "$(jq -c . "$D/out")" "$(jq -c .referrals "$D/referrals.json")"
hc "$TOKEN_COORD" referrals --direction out --csv
eq "referrals --csv: as the API's" "$(nocr)" \
    "$(jq -r "$csvf"'"id,report,from,to,reason,urgency,status,created_at,due_on,answered_at,in_time,decline_reason",
        (.referrals[] | [.id, .report_id, .from_partner, .to_partner, .reason, .urgency, .status, .created_at,
          .due_on, (.answered_at // ""), (if .answered_in_time == null then "" else .answered_in_time end), (.decline_reason // "")] | map(f) | join(","))' "$D/referrals.json")"
hc "$TOKEN_C" referrals --status open --page-size 1
cp "$D/out" "$D/referrals.txt"
eq "referrals (table) received, open only, a page at a time: the one open" \
    "$(awk 'NR > 1 { print $1, $7 }' "$D/out")" "${F[2]} open"

# ---- failures, one clear line each ----------------------------------------------
HC_URL=https://127.0.0.1:$(free_port $((20000 + RANDOM % 12000))) hc "$TOKEN_C" targets
eq "an unreachable hub: exit 1" "$?" 1
check "…one line: cannot reach the hub" grep -qx 'hubctl: cannot reach the hub: .*' "$D/err"
other=$T/other-ca
[ -f "$other/ca.pem" ] || "$ROOT/certs/make-ca.sh" "$other" --name "Some other CA" >/dev/null 2>&1
HC_CA=$other/ca.pem hc "$TOKEN_C" referrals
eq "a CA that did not sign the hub's certificate: exit 1" "$?" 1
check "…one line: not trusted" \
    grep -qx "hubctl: the hub's certificate is not trusted: .* (check --ca or HUB_CA, and the host in --url)" "$D/err"
hc "hub_$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 43)" stats reports
eq "an unknown token: exit 1" "$?" 1
check "…one line: 401 and what to check" \
    grep -qx 'hubctl: the hub refused the credential (401 Unauthorized): .*; check --token or HUB_TOKEN (or --cert and --key)' "$D/err"
hc "$TOKEN_PUB" targets
eq "a public token on targets: exit 1" "$?" 1
check "…one line: 403 and what it needs" \
    grep -qx "hubctl: the credential may not read this (403 Forbidden): .*; it needs a partner's credential (public ones cannot see targets)" "$D/err"
hc "" targets
eq "no credential at all: exit 1, saying what to give" "$?:$(grep -c '^hubctl: no credential: give --token' "$D/err")" 1:1
# A 5xx: a one-shot TLS server with the hub's certificate that answers 503
# with a problem, as hubd does when its database is down.
fport=$(free_port $((20000 + RANDOM % 12000)))
body='{"type":"/problems/unavailable","title":"Service Unavailable","status":503,"detail":"The database is unavailable; retry later."}'
{
    printf 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "${#body}" "$body"
    sleep 5
} | timeout 20 openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$fport" \
    -cert "$HUB_TLS_CERT" -key "$HUB_TLS_KEY" >/dev/null 2>&1 &
fpid=$!
# listening: its port in /proc/net/tcp (a probe connection would use up its one accept)
for _ in $(seq 50); do [ "$(free_port "$fport")" != "$fport" ] && break; sleep 0.1; done
HC_URL=https://127.0.0.1:$fport hc "$TOKEN_C" targets
eq "a 503: exit 1" "$?" 1
check "…one line with the problem's detail" \
    grep -qx 'hubctl: the hub answered 503 Service Unavailable: The database is unavailable; retry later' "$D/err"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

# ---- the report -----------------------------------------------------------------
html=$D/report.html
t0=$(date +%s%N)
hc "$TOKEN_COORD" report --period 2025-Q4 --out "$html"
eq "report --period 2025-Q4: exit 0" "$?" 0
echo "# report (HTML, 6 requests): $((($(date +%s%N) - t0) / 1000000)) ms, $(stat -c %s "$html") bytes"
esc() { jq -rn --arg s "$1" '$s | @html'; }
for t in "More reporting in $tag" "$hostile" "Fewer incidents in $tag"; do
    check "…holds the target \"$t\" (escaped)" grep -qF "$(esc "$t")" "$html"
done
check "…never the hostile title's markup" bash -c "! grep -qF '<script>' '$html'"
check "…self-contained: no script, link, image or address" \
    bash -c "! grep -qiE '<(script|link|img|iframe)|src=|href=|https?://' '$html'"
check "…the period, the one before, and when it was made" \
    grep -qE "Period <strong>2025-Q4</strong> \\(2025-10-01 to 2025-12-31\\), compared with 2025-Q3\\. Generated at 20[0-9-]+ [0-9:]+ UTC" "$html"
api "$TOKEN_COORD" "/v1/stats/reports?from=2025-Q4&to=2025-Q4" >/dev/null
n4=$(jq -r 'if .total.suppressed then "suppressed" else .total.count end' "$R")
api "$TOKEN_COORD" "/v1/stats/reports?from=2025-Q3&to=2025-Q3" >/dev/null
n3=$(jq -r 'if .total.suppressed then "suppressed" else .total.count end' "$R")
check "…the reports of the period and the one before, as the API's ($n4, $n3)" \
    grep -qF "<td>Reports (occurred in the period)</td><td class=\"n\">$n4</td><td class=\"n\">$n3</td>" "$html"
api "$TOKEN_COORD" "/v1/targets/$t1" >/dev/null
change=$(jq -r '[.progress.series[] | select(.end <= "2025-12-31")] | .[-1].value - .[-2].value | if . > 0 then "+\(.)" else tostring end' "$R")
check "…t1's change since the quarter before, from its series ($change)" grep -qF "<td class=\"n\">$change</td>" "$html"
eq "…the targets furthest behind, in order of their gap, as the API's figures say" \
    "$(sed -n '/furthest behind<\/h2>/,/<\/table>/p' "$html" | sed -n 's/^<tr><td>\([^<]*\)<\/td>.*/\1/p')" \
    "$(jq -r '.targets | map(select(.progress.progress_pct != null and .progress.expected_progress_pct - .progress.progress_pct > 0))
        | sort_by(.progress.progress_pct - .progress.expected_progress_pct) | .[].title | @html' "$D/targets.json")"
check "…t1 furthest of all" \
    bash -c "sed -n '/furthest behind<\/h2>/,/<\/table>/p' '$html' | grep '^<tr><td>' | head -1 | grep -qF 'More reporting in $tag'"
hc "$TOKEN_COORD" report --period 2025-Q4
check "report on stdout without --out" grep -q '^<!DOCTYPE html>' "$D/out"

if command -v chromium >/dev/null; then
    pdf=$D/report.pdf
    mkdir -p "$D/tmp"
    t0=$(date +%s%N)
    TMPDIR=$D/tmp hc "$TOKEN_COORD" report --period 2025-Q4 --out "$pdf" --pdf
    eq "report --pdf (chromium): exit 0" "$?" 0
    echo "# report --pdf with chromium: $((($(date +%s%N) - t0) / 1000000)) ms, $(stat -c %s "$pdf" 2>/dev/null) bytes"
    eq "…a PDF" "$(head -c 5 "$pdf" 2>/dev/null)" "%PDF-"
    check "…of more than 5 kB" test "$(stat -c %s "$pdf" 2>/dev/null || echo 0)" -gt 5000
    eq "…its temporary files removed" "$(ls -A "$D/tmp")" ""
else
    echo "# skipped: report --pdf with chromium (chromium is not installed)"
fi
HUB_URL=$URL HUB_CA=$HUB_CA HUB_TOKEN=$TOKEN_COORD PATH=/nonexistent \
    "$CTL" report --period 2025-Q4 --out "$D/none.pdf" --pdf >"$D/out" 2>"$D/err"
eq "report --pdf with no converter on PATH: exit 3" "$?" 3
check "…naming what to install" grep -q 'install one (Debian: apt-get install chromium)' "$D/err"
check "…and writing nothing" test ! -e "$D/none.pdf"

check "no sanitizer reports from hubctl" \
    bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$D/all.err'"
# Stopped, so that its audit sealer does not run on into the next suites.
stop_hubd
eq "hubd exits 0" "$?" 0
check "no sanitizer reports from hubd" sanitizer_clean
