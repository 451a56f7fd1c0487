#!/usr/bin/env bash
# Joint targets (/v1/targets): definitions checked with the pointer of each
# refusal and nothing stored; owners held to the partnership; only a
# coordinate credential writes, every partner reads, public credentials
# and other partnerships see nothing; each change a new version; the
# series, progress, status and owners' contributions computed from the
# same disclosure-controlled figures as /v1/stats (a small count shows as
# suppressed and gives not_enough_data), for report counts, rates per
# 1,000, the disproportionality ratio and an outcome indicator.
# Every period here lies in 2025, so the figures do not depend on today's
# date: the series runs to the due date and progress is measured at its end.
# Runs twice against the same database: each run makes its own partnership.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=tg${RANDOM}q$RANDOM
seq_no=0
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
state() { q "SELECT count(*) || ',' || coalesce(max(target_id), 0) FROM hub.target WHERE partnership_id = ${ps:-0}"; }
start_hubd HUB_STATS_REFRESH=200ms || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Targets $tag" --isa-ref "ISA-TG-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "Targets police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "Targets council $tag")
other_ps=$(ctl partnership add "Targets other $tag" --isa-ref "ISA-TGO-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
stranger=$(ctl partner add --partnership "$other_ps" --kind police "Targets stranger $tag")
TOKEN_COORD=$(ctl token issue --partner "$police" --roles submit,read,coordinate)
TOKEN_C=$(ctl token issue --partner "$council" --roles submit,read)
TOKEN_READ=$(ctl token issue --partner "$council" --roles read)
TOKEN_PUB=$(ctl token issue --public --partnership "$ps")
TOKEN_STRANGER=$(ctl token issue --partner "$stranger" --roles read,coordinate)
TOKEN=$TOKEN_COORD
check "(fixtures made)" test -n "$ps" -a -n "$police" -a -n "$council" -a -n "$TOKEN_STRANGER"

# Two areas of this run's own, with a population: white_british 1000 and
# black_african 100 in a1.
a1=E01$(printf '%06d' $((RANDOM * 30 % 1000000)))
a2=E01$(printf '%06d' $(((RANDOM * 30 + 11) % 1000000)))
while [ "$(q "SELECT count(*) FROM hub.population WHERE area IN ('$a1', '$a2')")" != 0 ] || [ "$a1" = "$a2" ]; do
    a1=E01$(printf '%06d' $((RANDOM * 30 % 1000000)))
done
printf 'area,ethnic_group,count\n%s,13,1000\n%s,6,100\n%s,13,500\n' "$a1" "$a1" "$a2" >"$T/$SUITE.population.csv"
ctl population load "$T/$SUITE.population.csv" >/dev/null

# Reports by quarter of 2025, all strand race. In a1, white_british:
# police 8, 12, 15, 20 and council 2, 0, 5, 6 (quarter totals 10, 12, 20,
# 26); black_african: police 5 in Q4. In a2, other_arab: police 2 in Q4.
mk() { # mk PREFIX N GROUP MONTH AREA
    jq -nc --arg p "$1" --argjson n "$2" --arg g "$3" --arg m "$4" --arg a "$5" '
      [range(0; $n) as $i | {
        protocol: "harassment-report/1", external_ref: "\($p)-\($g)-\($m)-\($i)",
        occurred_from: "2025-\($m)-1\($i % 10)", reported_on: "2025-12-20", area: $a,
        location_type: "street", strands: ["race"], incident_types: ["verbal_abuse"],
        victim: {ethnic_group: $g, age_band: "25-34", sex: "female"},
        repeat: "no", channel: "online"}]'
}
batch() { # batch TOKEN JSON-ARRAY
    hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        --data-binary "$2" "$URL/v1/reports/batch?atomic=true"
}
all=$(jq -sc 'add' <(mk "$tag-p" 8 white_british 02 "$a1") <(mk "$tag-p" 12 white_british 05 "$a1") \
    <(mk "$tag-p" 15 white_british 08 "$a1") <(mk "$tag-p" 20 white_british 11 "$a1") \
    <(mk "$tag-p" 5 black_african 12 "$a1") <(mk "$tag-p" 2 other_arab 10 "$a2"))
eq "police's reports stored" "$(batch "$TOKEN_COORD" "$all"):$(jq '[.items[].status] | unique' -c "$R")" "200:[201]"
all=$(jq -sc 'add' <(mk "$tag-c" 2 white_british 01 "$a1") <(mk "$tag-c" 5 white_british 09 "$a1") \
    <(mk "$tag-c" 6 white_british 10 "$a1"))
eq "council's reports stored" "$(batch "$TOKEN_C" "$all"):$(jq '[.items[].status] | unique' -c "$R")" "200:[201]"
# settled: waits (up to 20 s) until the refresher has taken in every change.
settled() {
    for _ in $(seq 100); do
        [ "$(q "SELECT (SELECT count(*) FROM hub.stats_change) + (SELECT count(*) FROM hub.stats_flow_change)")" = 0 ] && sleep 0.3 && return 0
        sleep 0.2
    done
    return 1
}
check "(the rollups take the reports in)" settled

# An outcome indicator by quarter (percent), police's: 50, 55, 60, 62.
ind=$(jq -nc --arg a "$a1" '[[50, "Q1"], [55, "Q2"], [60, "Q3"], [62, "Q4"]] | map({indicator:
  "feel_safe_after_dark", period: "2025-\(.[1])", area: $a, ethnic_group: "all", value: .[0]})')
call POST /v1/indicators -H 'Content-Type: application/json' --data-binary "$ind"
eq "indicator values stored" "$code" 200

# post BODY: POST /v1/targets as $TOKEN.
post() { call POST /v1/targets -H 'Content-Type: application/json' --data-binary "$1"; }
# def METRIC FILTERS BASE TARGET [EXTRA]: a quarterly definition, baseline
# 2024, due 2025-12-31, police leading and the council contributing.
def() {
    jq -nc --arg m "$1" --argjson f "$2" --argjson b "$3" --argjson t "$4" --argjson x "${5:-{\}}" \
        --argjson lead "$police" --argjson c "$council" '
      {title: "Target on \($m)", metric: $m, filters: $f, direction: (if $t > $b then "increase" else "decrease" end),
       baseline: {value: $b, period: "2024"}, target: {value: $t, due: "2025-12-31"},
       owners: {lead: $lead, contributors: [$c]}, review: "quarterly"} + $x'
}
f1=$(jq -nc --arg a "$a1" '{area: [$a], strand: "race", ethnic_group: "white_british"}')

# ---- a report count: series, green, contributions ----------------------------
post "$(def reports_count "$f1" 10 25)"
eq "created: 201" "$code" 201
t1=$(jq -r .id "$R")
eq "…Location names it" "$(header Location)" "/v1/targets/$t1"
eq "…version 1, by the coordinator's partner" "$(jq -c '[.version, .changed_by]' "$R")" "[1,$police]"
eq "…defaults filled in (tolerance, state)" "$(jq -c '[.tolerance, .state]' "$R")" '[0.1,"active"]'
eq "…the series by quarter of 2025" "$(jq -c '[.progress.series[] | [.period, .value]]' "$R")" \
    '[["2025-Q1",10],["2025-Q2",12],["2025-Q3",20],["2025-Q4",26]]'
eq "…current value and period" "$(jq -c '.progress.current' "$R")" '{"value":26,"period":"2025-Q4"}'
eq "…progress (26-10)/(25-10), all of the time elapsed" \
    "$(jq -c '.progress | [.progress_pct, .expected_progress_pct, .expected_value, .as_of]' "$R")" '[106.667,100,25,"2025-12-31"]'
eq "…green" "$(jq -r .progress.status "$R")" green
eq "…each owner's part of the current quarter" \
    "$(jq -c '[.progress.contributions[] | [.partner_id, .role, .value]]' "$R")" "[[$police,\"lead\",20],[$council,\"contributor\",6]]"
eq "…the disclosure rule named" "$(jq -r .disclosure.method "$R")" suppress
eq "…audited as targets.create" \
    "$(q "SELECT action || ',' || outcome || ',' || object_id FROM hub.audit_log WHERE request_id = '$rid'")" "targets.create,ok,$t1"

# ---- red, then amber with a wider tolerance (a new version) ------------------
post "$(def reports_count "$f1" 10 30)"
t2=$(jq -r .id "$R")
eq "behind by 20 % of the distance: red" "$(jq -c '[.progress.progress_pct, .progress.status]' "$R")" '[80,"red"]'
call PATCH "/v1/targets/$t2" -H 'Content-Type: application/json' --data-binary '{"tolerance": 0.25}'
eq "patched: 200, version 2" "$code:$(jq .version "$R")" 200:2
eq "…amber within a 25 % tolerance" "$(jq -r .progress.status "$R")" amber
call PATCH "/v1/targets/$t2" -H 'Content-Type: application/json' --data-binary '{"tolerance": 0.25}'
eq "the same patch again: no new version" "$code:$(jq .version "$R")" 200:2
call GET "/v1/targets/$t2/versions"
eq "versions: both, the first superseded" \
    "$(jq -c '[.versions[] | [.version, .tolerance, (.superseded_at != null)]]' "$R")" '[[1,0.1,true],[2,0.25,false]]'
eq "one current row in the database" "$(q "SELECT count(*) FILTER (WHERE superseded_at IS NULL) || '/' || count(*) FROM hub.target WHERE target_id = $t2")" "1/2"

# ---- rate per 1,000 and the disproportionality ratio -------------------------
post "$(def reporting_rate_per_1000 "$f1" 5 20)"
eq "rate per 1,000: 26 reports over 1000 residents" "$(jq -c '[.progress.current.value, .progress.status]' "$R")" '[26,"green"]'
eq "…no per-partner part, and saying why" "$(jq -r '.progress.contributions_note | test("as a whole")' "$R")" true
f2=$(jq -nc --arg a "$a1" '{area: [$a], ethnic_group: "black_african"}')
post "$(def disproportionality_ratio "$f2" 2.5 1.5)"
eq "ratio: (5/100) / (26/1000), reference white_british by default" \
    "$(jq -c '[.reference_group, .progress.current.value]' "$R")" '["white_british",1.923]'
eq "…earlier quarters: black_african has no reports, so the ratio is 0" "$(jq -c '[.progress.series[0:3][] | .value]' "$R")" '[0,0,0]'
eq "…down from 2.5 to 1.923 of the way to 1.5: red" "$(jq -c '[.progress.progress_pct, .progress.status]' "$R")" '[57.692,"red"]'

# ---- a small count: suppressed, not enough data ------------------------------
f3=$(jq -nc --arg a "$a2" '{area: [$a], ethnic_group: "other_arab"}')
post "$(def reports_count "$f3" 0 5)"
t5=$(jq -r .id "$R")
eq "2 reports in the current quarter: suppressed, never the count" \
    "$(jq -c '.progress.current' "$R")" '{"suppressed":true,"period":"2025-Q4"}'
eq "…not_enough_data, no progress given" "$(jq -c '[.progress.status, .progress.progress_pct]' "$R")" '["not_enough_data",null]'
eq "…no 2 anywhere in the answer's figures" "$(jq '[.progress | .. | .value? | select(. == 2)] | length' "$R")" 0

# ---- an outcome indicator ------------------------------------------------------
post "$(def indicator:feel_safe_after_dark "$(jq -nc --arg a "$a1" '{area: [$a]}')" 45 65)"
eq "indicator: the partners' values by quarter" "$(jq -c '[.progress.series[] | .value]' "$R")" '[50,55,60,62]'
eq "…85 % of the way at the due date: red" "$(jq -c '[.progress.progress_pct, .progress.status]' "$R")" '[85,"red"]'
eq "…the lead's value, the contributor none" \
    "$(jq -c '[.progress.contributions[] | (.value // .reason)]' "$R")" '[62,"no_data"]'

# ---- reads ---------------------------------------------------------------------
TOKEN=$TOKEN_READ call GET /v1/targets
eq "a read credential lists the partnership's targets" "$code:$(jq '.targets | length' "$R")" 200:6
eq "…each with its status" "$(jq -r '[.targets[].progress.status] | join(",")' "$R")" "green,amber,green,red,not_enough_data,red"
TOKEN=$TOKEN_READ call GET "/v1/targets/$t1"
eq "…and reads one" "$code:$(jq .id "$R")" "200:$t1"
TOKEN=$TOKEN_READ call GET "/v1/targets?owner=$council"
eq "owner=council: the targets it contributes to" "$(jq '.targets | length' "$R")" 6
TOKEN=$TOKEN_READ call GET "/v1/targets?owner=$stranger"
eq "owner=someone else: none" "$(jq '.targets | length' "$R")" 0
call PATCH "/v1/targets/$t5" -H 'Content-Type: application/json' --data-binary '{"state": "retired"}'
eq "retired: 200" "$code:$(jq -r .state "$R")" 200:retired
call GET /v1/targets
eq "…left out of the list" "$(jq '.targets | length' "$R")" 5
call GET '/v1/targets?include_retired=true'
eq "…unless asked for" "$(jq '.targets | length' "$R")" 6

TOKEN=$TOKEN_READ call GET "/v1/self-assessments/journey?partner=$police"
eq "journey: Q8 evidence lists the targets police leads, with their status" \
    "$(jq -c '[.partners[0].questions[] | select(.question == "q8") | .evidence.targets[] | [.id, .role, .status]]' "$R")" \
    "$(jq -nc --argjson ids "$(q "SELECT json_agg(target_id ORDER BY target_id) FROM hub.target WHERE partnership_id = $ps AND superseded_at IS NULL AND NOT retired")" \
        '[$ids, ["green","amber","green","red","red"]] | transpose | map([.[0], "lead", .[1]])')"
TOKEN=$TOKEN_READ call GET "/v1/self-assessments/journey?partner=$council"
eq "…and the council's as contributor" \
    "$(jq -c '[.partners[0].questions[] | select(.question == "q8") | .evidence.targets[] | .role] | unique' "$R")" '["contributor"]'

# ---- refusals --------------------------------------------------------------------
TOKEN=$TOKEN_C post "$(def reports_count "$f1" 10 25)"
eq "a submit/read credential may not create: 403" "$code:$(state)" "403:$before"
TOKEN=$TOKEN_READ call PATCH "/v1/targets/$t1" -H 'Content-Type: application/json' --data-binary '{"title": "x"}'
eq "…nor change: 403" "$code" 403
TOKEN=$TOKEN_PUB call GET /v1/targets
eq "a public credential reads no targets: 403" "$code" 403
TOKEN=$TOKEN_STRANGER call GET "/v1/targets/$t1"
eq "another partnership's credential: 404" "$code" 404
TOKEN=$TOKEN_STRANGER call PATCH "/v1/targets/$t1" -H 'Content-Type: application/json' --data-binary '{"title": "x"}'
eq "…and may not change it: 404" "$code" 404
post "$(def reports_count "$f1" 10 25 "{\"owners\": {\"lead\": $stranger}}")"
eq "an owner from another partnership: 422 naming /owners, nothing stored" "$code:$(ptrs):$(state)" "422:/owners:$before"
post "$(def reports_count "$f1" 10 25 "{\"owners\": {\"lead\": $police, \"contributors\": [$stranger]}}")"
eq "…a contributor too" "$code:$(ptrs):$(state)" "422:/owners:$before"
post "$(def reports_count "$f1" 30 25 '{"direction": "increase", "review": "weekly", "metric": "nope"}')"
eq "bad members: 422 naming each" "$code:$(ptrs):$(state)" "422:/metric /review /target/value:$before"
eq "…problem+json" "$(ctype)" application/problem+json
post "$(def reports_count "$f1" 10 25 '{"title": "Call Jo on 07700 900123"}')"
eq "personal data in the title: 422, not echoed" "$code:$(grep -c 07700 "$R")" "422:0"
call PATCH "/v1/targets/$t1" -H 'Content-Type: application/json' --data-binary '{"baseline": {"period": "20x5"}}'
eq "a patch that breaks the definition: 422, no new version" \
    "$code:$(ptrs):$(q "SELECT max(version) FROM hub.target WHERE target_id = $t1")" "422:/baseline/period:1"
call PATCH "/v1/targets/$t1" -H 'Content-Type: application/json' --data-binary '[1]'
eq "a patch that is not an object: 400" "$code" 400
call GET /v1/targets/99999999999
eq "no such target: 404" "$code" 404
call GET '/v1/targets?include_retired=maybe'
eq "a bad flag: 400" "$code" 400
# ---- referral, outcome and repeat metrics (the cohort figures of sql/010) ------
# Police refers ten of its Q4 reports to the council, which accepts them
# all at once (in time) and records an outcome on each, five satisfied and
# five not; police records an outcome (satisfied) on five others. Every
# outcome is dated 2026-01-19, 30 days after the reports' reported_on.
ids() { q "SELECT string_agg(report_id::text, ' ' ORDER BY report_id) FROM (SELECT report_id FROM hub.report WHERE partner_id = $police AND external_ref LIKE '$tag-p-white_british-11-%' ORDER BY report_id LIMIT $1 OFFSET $2) x"; }
n_ok=0
for rep in $(ids 10 0); do
    call POST "/v1/reports/$rep/referrals" -H 'Content-Type: application/json' \
        --data-binary "{\"to_partner\": $council, \"reason\": \"housing_action\", \"urgency\": \"routine\"}"
    ref=$(jq -r .id "$R")
    c1=$code
    TOKEN=$TOKEN_C call POST "/v1/referrals/$ref/accept"
    c2=$code
    sat=$([ $((n_ok % 2)) = 0 ] && echo yes || echo no)
    TOKEN=$TOKEN_C call POST "/v1/reports/$rep/outcomes" -H 'Content-Type: application/json' \
        --data-binary "{\"outcome\": \"mediation\", \"on\": \"2026-01-19\", \"victim_satisfied\": \"$sat\"}"
    [ "$c1:$c2:$code" = 201:200:201 ] && n_ok=$((n_ok + 1))
done
for rep in $(ids 5 10); do
    call POST "/v1/reports/$rep/outcomes" -H 'Content-Type: application/json' \
        --data-binary '{"outcome": "community_resolution", "on": "2026-01-19", "victim_satisfied": "yes"}'
    [ "$code" = 201 ] && n_ok=$((n_ok + 1))
done
eq "(fixture: 10 referrals accepted with outcomes, 5 outcomes of police's own)" "$n_ok" 15
# Five subjects, each in a report of police and of the council (in a2).
subj() { # subj PREFIX: five reports in a2, 2025-11, with subject keys 1..5
    jq -nc --arg p "$1" --arg a "$a2" '[range(1; 6) as $i | {
        protocol: "harassment-report/1", external_ref: "\($p)-subject-\($i)",
        occurred_from: "2025-11-0\($i)", reported_on: "2025-12-20", area: $a,
        location_type: "street", strands: ["race"], incident_types: ["threats"],
        victim: {ethnic_group: "white_irish", age_band: "35-44", sex: "male"},
        repeat: "yes", channel: "online", subject_key: ("\($i)" * 64)}]'
}
eq "(fixture: the same five subjects reported by police and the council)" \
    "$(batch "$TOKEN_COORD" "$(subj "$tag-p")")$(batch "$TOKEN_C" "$(subj "$tag-c")")" 200200
check "(the rollups take the referrals and outcomes in)" settled
flow() { # flow METRIC FILTERS BASE TARGET: creates, leaves the answer in $R
    post "$(def "$1" "$2" "$3" "$4")"
    [ "$code" = 201 ] || echo "flow $1: $code $(head -c 300 "$R")" >&2
}
flow referrals_answered_in_time_pct "$f1" 80 95
eq "answered in time: 10 of 10 due, green" "$(jq -c '[.progress.current.value, .progress.status]' "$R")" '[100,"green"]'
eq "…the council (receiver) answered them all; police received none" \
    "$(jq -c '[.progress.contributions[] | (.value // .reason)]' "$R")" '["no_data",100]'
flow outcome_recorded_pct "$f1" 50 90
eq "outcome recorded on 10 of 10 accepted referrals" "$(jq -c '.progress.current.value' "$R")" 100
flow victim_satisfied_pct "$f1" 50 90
eq "satisfied: 10 of 15 who said" "$(jq -c '[.progress.current.value, .progress.progress_pct, .progress.status]' "$R")" '[66.667,41.667,"red"]'
eq "…police 5 of 5, the council 5 of 10" "$(jq -c '[.progress.contributions[] | .value]' "$R")" '[100,50]'
flow median_days_to_outcome "$f1" 60 30
eq "median days from report to outcome: 30, down from 60 as planned" "$(jq -c '[.progress.current.value, .progress.progress_pct, .progress.status]' "$R")" '[30,100,"green"]'
flow repeat_rate "$f1" 10 5
eq "repeat as reported: none of a1's white_british reports" "$(jq -c '.progress.current.value' "$R")" 0
f4=$(jq -nc --arg a "$a2" '{area: [$a]}')
flow cross_agency_repeat_subjects "$f4" 0 10
eq "cross-agency repeat subjects in a2: 5" "$(jq -c '[.progress.current.value, .progress.progress_pct]' "$R")" '[5,50]'
eq "…a whole-partnership figure" "$(jq -r '.progress.contributions_note | test("none of them")' "$R")" true
flow repeat_rate "$f4" 10 50
eq "repeat as reported in a2: 10 of 12 reports, suppressed (2 say no)" "$(jq -c '.progress.current' "$R")" '{"suppressed":true,"period":"2025-Q4"}'


# Stopped, so that its audit sealer does not run on into the next suites.
stop_hubd
eq "hubd exits 0" "$?" 0
check "no sanitizer reports" sanitizer_clean
