#!/usr/bin/env bash
# Retention (hubctl retention run, sql/012_retention.sql): reports past the
# partnership's period are purged with their versions, referrals and
# outcomes, exactly those and no others; a dry run changes nothing; the
# joint statistics of the purged months stay as they were, also once a new
# report in the same month has made the refresher rebuild it; each run
# writes its audit row and the chain still verifies.
# Runs twice against the same database: each run makes its own partnership.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
superuser="host=$T/run port=$PGPORT user=postgres dbname=hub"
R=$T/$SUITE.out
tag=rt${RANDOM}q$RANDOM
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
start_hubd HUB_STATS_REFRESH=200ms HUB_AUDIT_SEAL_INTERVAL=0 || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Retention $tag" --isa-ref "ISA-RT-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "Retention police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "Retention council $tag")
TP=$(ctl token issue --partner "$police" --roles submit,read)
TC=$(ctl token issue --partner "$council" --roles submit,read)
PUB=$(ctl token issue --public --partnership "$ps")
check "(fixtures made)" test -n "$ps" -a -n "$police" -a -n "$council" -a -n "$PUB"

# Dates. keep_day is the earliest last date still kept today under 24
# months; the day before it is due (worked out by PostgreSQL, whose month
# arithmetic the purge uses).
today=$(q "SELECT (now() AT TIME ZONE 'UTC')::date")
keep_day=$(q "SELECT min(d)::date FROM generate_series('$today'::date - 800, '$today'::date, interval '1 day') d
               WHERE d + interval '24 months' >= '$today'::date")
due_day=$(q "SELECT '$keep_day'::date - 1")
recent=$(q "SELECT '$today'::date - 60")
late=$(q "SELECT '$today'::date - 30")

# rep REF FROM REPORTED GROUP [STRANDS]: one report as JSON.
rep() {
    jq -nc --arg ref "$tag-$1" --arg from "$2" --arg on "$3" --arg g "$4" --argjson s "${5:-[\"race\"]}" '{
        protocol: "harassment-report/1", external_ref: $ref, occurred_from: $from,
        occurred_to: $from, reported_on: $on, area: "E01000001", location_type: "street",
        strands: $s, incident_types: ["verbal_abuse"],
        victim: {ethnic_group: $g, age_band: "25-34", sex: "female"},
        repeat: "no", channel: "online"}'
}
batch() { # batch TOKEN FILE: an atomic batch of the reports in FILE (one per line)
    hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        --data-binary "$(jq -sc . "$2")" "$URL/v1/reports/batch?atomic=true"
}
api() { # api TOKEN METHOD PATH [BODY]: prints the status, body to $R
    hcurl -o "$R" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
        ${4:+-H 'Content-Type: application/json' --data-binary "$4"} "$URL$3"
}
id_of() { q "SELECT report_id FROM hub.report WHERE partnership_id = $ps AND external_ref = '$tag-$1'"; }

# Due: police old-0..19 in March 2019 (white_british 12, asian_pakistani 8,
# every fourth also religion), old2-0..7 in May 2019, due-day; council
# cold-0..5 in March 2019. Kept: in March 2019 too, "late" (reported a month
# ago), "referred" (referred today), "withdrawn" (withdrawn today); keep-day
# (its period ends today); recent-0..9.
{
    for i in $(seq 0 19); do
        g=white_british && [ "$i" -ge 12 ] && g=asian_pakistani
        s='["race"]' && [ $((i % 4)) = 0 ] && s='["race","religion"]'
        rep "old-$i" "2019-03-1$((i % 10))" 2019-03-28 "$g" "$s"
    done
    for i in $(seq 0 7); do rep "old2-$i" "2019-05-0$((i + 1))" 2019-05-20 black_african; done
    rep due "$due_day" "$due_day" white_irish
    rep late 2019-03-05 "$late" white_british
    rep referred 2019-03-06 2019-03-20 white_british
    rep withdrawn 2019-03-07 2019-03-20 white_british
    rep keep "$keep_day" "$keep_day" white_irish
    for i in $(seq 0 9); do rep "recent-$i" "$recent" "$recent" asian_indian; done
} >"$T/$SUITE.police"
for i in $(seq 0 5); do rep "cold-$i" "2019-03-2$i" 2019-03-28 white_british; done >"$T/$SUITE.council"
eq "police's 43 reports stored" "$(batch "$TP" "$T/$SUITE.police"):$(jq -c '[.items[].status] | unique' "$R")" "200:[201]"
eq "council's 6 reports stored" "$(batch "$TC" "$T/$SUITE.council"):$(jq -c '[.items[].status] | unique' "$R")" "200:[201]"

# old-0 amended (an earlier version; an amendment does not extend the
# period); old-1 referred to the council, accepted, with an outcome, all in
# 2019 (dated back below); old-2 withdrawn in 2019 (dated back below);
# "referred" referred today; "withdrawn" withdrawn today.
eq "old-0 amended" "$(api "$TP" PATCH "/v1/reports/$(id_of old-0)" '{"channel": "telephone"}')" 200
eq "old-1 referred" "$(api "$TP" POST "/v1/reports/$(id_of old-1)/referrals" \
    "{\"to_partner\": $council, \"reason\": \"victim_support\", \"urgency\": \"routine\"}")" 201
eq "…accepted" "$(api "$TC" POST "/v1/referrals/$(jq -r .id "$R")/accept")" 200
eq "…an outcome recorded" "$(api "$TC" POST "/v1/reports/$(id_of old-1)/outcomes" \
    '{"outcome": "victim_supported", "on": "2019-04-01"}')" 201
eq "old-2 withdrawn" "$(api "$TP" DELETE "/v1/reports/$(id_of old-2)")" 200
eq "\"referred\" referred today" "$(api "$TP" POST "/v1/reports/$(id_of referred)/referrals" \
    "{\"to_partner\": $council, \"reason\": \"victim_support\", \"urgency\": \"routine\"}")" 201
eq "\"withdrawn\" withdrawn today" "$(api "$TP" DELETE "/v1/reports/$(id_of withdrawn)")" 200
# As if it had all happened in 2019 (triggers off: nothing else changes).
psql -X -q -v ON_ERROR_STOP=1 "$superuser" -c "SET session_replication_role = replica;
    UPDATE hub.referral SET created_at = '2019-03-29', answered_at = '2019-04-01'
     WHERE report_id = $(id_of old-1);
    UPDATE hub.outcome SET created_at = '2019-04-01' WHERE report_id = $(id_of old-1);
    UPDATE hub.report SET withdrawn_at = '2019-06-01', updated_at = '2019-06-01'
     WHERE report_id = $(id_of old-2);" >/dev/null
check "(the 2019 referral, outcome and withdrawal dated back)" \
    test "$(q "SELECT count(*) FROM hub.referral WHERE created_at < '2020-01-01' AND report_id = $(id_of old-1)")" = 1

due_refs=$(for i in $(seq 0 19); do echo "old-$i"; done; for i in $(seq 0 7); do echo "old2-$i"; done
    echo due; for i in $(seq 0 5); do echo "cold-$i"; done)
kept_refs=$(echo late; echo referred; echo withdrawn; echo keep; for i in $(seq 0 9); do echo "recent-$i"; done)
refs() { q "SELECT substr(external_ref, length('$tag-') + 1) FROM hub.report WHERE partnership_id = $ps ORDER BY 1"; }
sorted() { sort <<<"$1"; }
eq "(49 reports in the partnership)" "$(refs | wc -l)" 49
# What the purge must count, from the tables: 35 reports (old-2 withdrawn),
# old-0's version, old-1's referral and outcome.
in_due="report_id IN (SELECT report_id FROM hub.report WHERE partnership_id = $ps
          AND substr(external_ref, length('$tag-') + 1) IN ($(sed "s/.*/'&'/" <<<"$due_refs" | paste -sd,)))"
eq "(the due reports have 1 version, 1 referral, 1 outcome)" \
    "$(q "SELECT (SELECT count(*) FROM hub.report_version WHERE $in_due) || '/' ||
                 (SELECT count(*) FROM hub.referral WHERE $in_due) || '/' ||
                 (SELECT count(*) FROM hub.outcome WHERE $in_due)")" "1/1/1"

# ---- the statistics before ---------------------------------------------------
stats() { # stats TOKEN QUERY: GET /v1/stats/reports, without its freshness
    hcurl -H "Authorization: Bearer $1" "$URL/v1/stats/reports?$2" | jq -S 'del(.freshness)'
}
settled() { # the refresher has taken every change of the partnership in
    for _ in $(seq 100); do
        [ "$(q "SELECT (SELECT count(*) FROM hub.stats_change WHERE partnership_id = $ps)
                     + (SELECT count(*) FROM hub.stats_flow_change WHERE partnership_id = $ps)")" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}
cells() { # every rollup row of the partnership
    q "SELECT cube, month, partner_id, partner_kind, strand, incident_type, ethnic_group, age_band,
              channel, area, n, keysum
         FROM hub.stats_cell WHERE partnership_id = $ps ORDER BY 1, 2, 3, 5, 6, 7, 8, 9, 10"
}
flow_cells() { # every flow rollup row of the partnership (sql/010)
    q "SELECT cube, month, partner_id, measure, code, strands, ethnic_group, area, n, keysum
         FROM hub.stats_flow_cell WHERE partnership_id = $ps ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
}
flow_stats() { # flow_stats TOKEN ENDPOINT QUERY: GET /v1/stats/ENDPOINT, without its freshness
    hcurl -H "Authorization: Bearer $1" "$URL/v1/stats/$2?$3" | jq -S 'del(.freshness)'
}
y2019='from=2019-01&to=2019-12'
ym=$(cut -c1-7 <<<"$due_day")
check "the refresher takes the reports in" settled
own_total() { hcurl -H "Authorization: Bearer $TP" "$URL/v1/stats/reports?scope=own&$1" | jq -r .total.count; }
eq "(police's own 2019 total: 29 reports, not the 2 withdrawn)" "$(own_total "$y2019")" 29
cells >"$T/$SUITE.cells.before"
flow_cells >"$T/$SUITE.flow.before"
check "(the flow rollups hold the 2019 referral and outcome)" \
    test "$(q "SELECT count(*) FROM hub.stats_flow_cell WHERE partnership_id = $ps AND measure IN ('referral', 'outcome') AND month < '2020-01-01'")" -gt 0
flow_stats "$TP" referrals "scope=own&$y2019" >"$T/$SUITE.referrals.before"
stats "$PUB" "group=month,strand&$y2019" >"$T/$SUITE.joint.before"
stats "$PUB" "group=ethnic_group&$y2019" >"$T/$SUITE.joint2.before"
stats "$TP" "scope=own&group=month,ethnic_group&$y2019" >"$T/$SUITE.own.before"
stats "$TP" "scope=own&group=month&from=$ym&to=$ym" >"$T/$SUITE.own-due.before"
# By strand, a report counts under each of its own: five are also religion.
eq "(joint 2019 figures by month and strand published: total 40, March 32)" \
    "$(jq -c '[.total.count, (.row_totals[] | select(.month == "2019-03") | .count)]' "$T/$SUITE.joint.before")" "[40,32]"

# state: what a dry run must leave as it is.
state() {
    q "SELECT (SELECT count(*) FROM hub.report WHERE partnership_id = $ps) || '/' ||
              (SELECT count(*) FROM hub.report_version WHERE partnership_id = $ps) || '/' ||
              (SELECT count(*) FROM hub.referral WHERE partnership_id = $ps) || '/' ||
              (SELECT count(*) FROM hub.outcome WHERE partnership_id = $ps) || '/' ||
              (SELECT count(*) FROM hub.audit_log WHERE partnership_id = $ps) || '/' ||
              (SELECT count(*) FROM hub.stats_purged_cell WHERE partnership_id = $ps) || '/' ||
              (SELECT count(*) FROM hub.stats_change WHERE partnership_id = $ps)"
    cells | md5sum
}

# ---- dry run -----------------------------------------------------------------
before=$(state)
ctl retention run --partnership "$ps" --dry-run >"$R" 2>&1
eq "a dry run exits 0" "$?" 0
check "…says what it would purge" grep -qF "partnership $ps \"Retention $tag\" (24 months): would purge 35 reports (1 withdrawn), 1 earlier version, 1 referral, 1 outcome; the statistics of 3 months keep them" "$R"
check "…and that nothing changed" grep -q "^retention run (dry run): 35 reports due in 1 of 1 partnership; nothing changed" "$R"
eq "…and changes nothing (reports, versions, referrals, outcomes, audit, rollups)" "$(state)" "$before"
ctl retention run --dry-run >"$R" 2>&1
eq "a dry run over every partnership exits 0" "$?" 0
check "…with this partnership's line among them" grep -qF "partnership $ps \"Retention $tag\" (24 months): would purge 35 reports" "$R"
eq "…and changes nothing" "$(state)" "$before"
eq "as of tomorrow (SQL), the report whose period ends today is due too" \
    "$(q "SELECT reports FROM hub.retention_purge($ps, '$today'::date + 1, 'x', true)")" 36
check "a purge as of a later day than today is refused" \
    bash -c "psql -X -q '$owner' -c \"SELECT hub.retention_purge($ps, '$today'::date + 1, 'x', false)\" 2>&1 | grep -q 'later day than today'"
check "the application role cannot purge" \
    bash -c "psql -X -q '$HUB_APP_DB' -c \"SELECT hub.retention_purge($ps, NULL, 'x', false)\" 2>&1 | grep -q 'permission denied'"
check "…nor read the purged cells" \
    bash -c "psql -X -q '$HUB_APP_DB' -c 'SELECT count(*) FROM hub.stats_purged_cell' 2>&1 | grep -q 'permission denied'"
eq "…and nothing changed" "$(state)" "$before"

# ---- the purge ---------------------------------------------------------------
t0=$(date +%s%N)
ctl retention run --partnership "$ps" >"$R" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
eq "a run exits 0 (${ms} ms)" "$rc" 0
check "…says what it purged" grep -qF "partnership $ps \"Retention $tag\" (24 months): purged 35 reports (1 withdrawn), 1 earlier version, 1 referral, 1 outcome; the statistics of 3 months keep them" "$R"
check "…and sums up" grep -q "^retention run: purged 35 reports in 1 of 1 partnership, with 1 earlier version, 1 referral, 1 outcome; audited as retention-[0-9a-f]\{16\}" "$R"
eq "exactly the due reports are gone, the others kept" "$(refs)" "$(sorted "$kept_refs")"
eq "…with their version, referral and outcome (none left of them)" \
    "$(q "SELECT (SELECT count(*) FROM hub.report_version v WHERE partnership_id = $ps
                    AND NOT EXISTS (SELECT FROM hub.report r WHERE r.report_id = v.report_id)) +
                 (SELECT count(*) FROM hub.referral f WHERE partnership_id = $ps
                    AND NOT EXISTS (SELECT FROM hub.report r WHERE r.report_id = f.report_id)) +
                 (SELECT count(*) FROM hub.outcome o WHERE partnership_id = $ps
                    AND NOT EXISTS (SELECT FROM hub.report r WHERE r.report_id = o.report_id))")" 0
eq "…the kept report's referral stays" \
    "$(q "SELECT count(*) FROM hub.referral WHERE partnership_id = $ps")/$(q "SELECT count(*) FROM hub.referral WHERE report_id = $(id_of referred)")" "1/1"
eq "…one audit row for the run" \
    "$(q "SELECT count(*) FROM hub.audit_log WHERE action = 'retention.purge' AND request_id = '$(grep -o 'retention-[0-9a-f]*' "$R" | tail -1)'")" 1
audit_row() {
    q "SELECT coalesce(partner_id::text, 'none') || ',' || action || ',' || object_type || ',' || object_id
              || ',' || outcome || ',' || isa_reference
         FROM hub.audit_log WHERE partnership_id = $ps AND action = 'retention.purge' ORDER BY audit_id"
}
eq "the run is audited: one row with the counts, no partner" "$(audit_row)" \
    "none,retention.purge,reports/versions/referrals/outcomes,35/1/1/1,ok,ISA-RT-$tag"
eq "the purged cells hold the 34 reports that were in the statistics" \
    "$(q "SELECT sum(n) FROM hub.stats_purged_cell WHERE partnership_id = $ps AND cube = 1 AND strand = '*'")" 34
eq "…in three months" "$(q "SELECT count(DISTINCT month) FROM hub.stats_purged_cell WHERE partnership_id = $ps")" 3

# The purge noted its months: once the refresher has rebuilt them, from
# the reports left and the purged cells, every figure is as it was.
check "the refresher rebuilds the purged months" settled
eq "…into the very same rollup rows" "$(cells | md5sum)" "$(md5sum <"$T/$SUITE.cells.before")"
eq "…and the flow rollups (reports, referrals, outcomes, days) too" \
    "$(flow_cells | md5sum)" "$(md5sum <"$T/$SUITE.flow.before")"
eq "police's own referral figures for 2019 unchanged" \
    "$(flow_stats "$TP" referrals "scope=own&$y2019")" "$(cat "$T/$SUITE.referrals.before")"
eq "joint figures by month and strand for 2019 unchanged" \
    "$(stats "$PUB" "group=month,strand&$y2019")" "$(cat "$T/$SUITE.joint.before")"
eq "joint figures by ethnic group for 2019 unchanged" \
    "$(stats "$PUB" "group=ethnic_group&$y2019")" "$(cat "$T/$SUITE.joint2.before")"
eq "police's own figures for 2019 unchanged" \
    "$(stats "$TP" "scope=own&group=month,ethnic_group&$y2019")" "$(cat "$T/$SUITE.own.before")"
eq "…and for the month of the due-day report" \
    "$(stats "$TP" "scope=own&group=month&from=$ym&to=$ym")" "$(cat "$T/$SUITE.own-due.before")"

# A new report lands in March 2019: the refresher rebuilds March from the
# reports left, adds the purged cells back, and the figures grow by one.
rep new 2019-03-15 2019-03-28 white_british >"$T/$SUITE.new"
eq "a new report for March 2019 stored" "$(batch "$TP" "$T/$SUITE.new")" 200
check "…taken in by the refresher" settled
eq "joint 2019 figures: total and March one more, May as it was" \
    "$(stats "$PUB" "group=month,strand&$y2019" | jq -c '[.total.count, (.row_totals[] | select(.month == "2019-03" or .month == "2019-05") | .count)]')" \
    "$(jq -c '[.total.count + 1, (.row_totals[] | select(.month == "2019-03") | .count + 1), (.row_totals[] | select(.month == "2019-05") | .count)]' "$T/$SUITE.joint.before")"
eq "police's own 2019 total one more (30)" "$(own_total "$y2019")" 30
# grown CELLS-BEFORE: of the rollup rows now, how many counts differ from
# before, "/", how many of those by other than one more (or rows gone).
grown() {
    cells | awk -F'|' 'NR == FNR { old[$1 FS $2 FS $3 FS $5 FS $6 FS $7 FS $8 FS $9 FS $10] = $11; next }
        { k = $1 FS $2 FS $3 FS $5 FS $6 FS $7 FS $8 FS $9 FS $10; seen[k] = 1
          if ($11 != old[k]) { c++; if ($11 != old[k] + 1) bad++ } }
        END { for (k in old) if (!(k in seen)) bad++; print c + 0 "/" bad + 0 }' "$1" -
}
eq "the rollups differ only by the new report's 10 cells, one more each" "$(grown "$T/$SUITE.cells.before")" "10/0"

# That report is itself past its period: a second run purges it alone, and
# the figures stay where they were.
ctl retention run --partnership "$ps" >"$R" 2>&1
check "a second run purges the new report alone" \
    grep -qF "purged 1 report (0 withdrawn), 0 earlier versions, 0 referrals, 0 outcomes; the statistics of 1 month keep them" "$R"
check "…rebuilt by the refresher" settled
eq "…joint 2019 total still one more" "$(stats "$PUB" "group=month,strand&$y2019" | jq .total.count)" \
    "$(jq '.total.count + 1' "$T/$SUITE.joint.before")"
eq "…own total still 30" "$(own_total "$y2019")" 30
eq "the kept reports are still there" "$(refs)" "$(sorted "$kept_refs")"
ctl retention run --partnership "$ps" >"$R" 2>&1
check "a third run finds nothing due" grep -qF "partnership $ps \"Retention $tag\" (24 months): nothing due" "$R"
eq "…and is audited all the same, with zeros" "$(audit_row | tail -1 | cut -d, -f4)" "0/0/0/0"
eq "three runs, three audit rows" "$(audit_row | wc -l)" 3

# ---- refusals ----------------------------------------------------------------
ctl retention run --partnership 999999999 >"$R" 2>&1
eq "an unknown partnership: exit 1" "$?" 1
check "…named" grep -q "no partnership 999999999" "$R"
ctl retention run --partnership x >"$R" 2>&1
eq "a malformed id: exit 2 with the usage" "$?:$(grep -c '^Usage: hubctl retention run' "$R")" "2:1"
ctl retention run --dry-run --now >"$R" 2>&1
eq "an unknown option: exit 2" "$?" 2

# ---- the audit chain -----------------------------------------------------------
ctl audit seal >/dev/null 2>&1
ctl audit verify --partnership "$ps" >"$R" 2>&1
eq "the audit chain verifies after the purges" "$?" 0
check "…with the retention rows sealed in it" grep -q "audit chain OK: partnership $ps: [0-9]* rows sealed, 0 not yet sealed" "$R"

stop_hubd
check "hubd exits 0" test $? -eq 0
check "no sanitizer reports" sanitizer_clean
