#!/usr/bin/env bash
# Outcome indicators: a batch of values stored all or nothing, resubmission
# replacing the current value and keeping the history, every refusal with
# the pointer it names (unit ranges, period forms, areas, ethnic groups,
# numerator and denominator), the joint read with filters and pages, roles.
# After every refusal hub.indicator_value is unchanged.
# Runs twice against the same database: each run uses an area of its own.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=ind${RANDOM}q$RANDOM
seq_no=0
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
start_hubd || { not_ok "hubd starts"; exit 0; }

# The whole table, to show a refusal changed nothing.
state() {
    q "SELECT count(*) || ',' || md5(coalesce(string_agg(value_id || ':' || value || ':'
         || coalesce(superseded_at::text, '-'), ',' ORDER BY value_id), '')) FROM hub.indicator_value"
}
post() {
    local body=$1
    shift
    call POST "/v1/indicators${QS:-}" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}
audit_of() { q "SELECT string_agg(action || ',' || outcome, ';') FROM hub.audit_log WHERE request_id = '$rid'"; }
# refused NAME STATUS POINTERS: refused as problem+json naming exactly
# POINTERS ("-": not checked), nothing stored, audited.
refused() {
    local name=$1 status=$2 want=$3 outcome=refused
    case $status in 401 | 403) outcome=denied ;; esac
    eq "$name: $status" "$code" "$status"
    eq "$name: problem+json" "$(jq -r .status "$R" 2>/dev/null),$(ctype)" "$status,application/problem+json"
    [ "$want" != - ] && eq "$name: names $want" "$(ptrs)" "$want"
    eq "$name: nothing stored" "$(state)" "$before"
    [ "$status" != 401 ] && eq "$name: audited" "$(audit_of)" "indicators.submit,$outcome"
}

# An area of this run's own (a metropolitan district code no one has).
area=E08$(printf '%06d' $((RANDOM * 30 % 1000000)))
while [ "$(q "SELECT count(*) FROM hub.indicator_value WHERE area = '$area'")" != 0 ]; do
    area=E08$(printf '%06d' $((RANDOM * 30 % 1000000)))
done
# v INDICATOR PERIOD GROUP VALUE [NUM DEN]: one value as JSON.
v() {
    local o="{\"indicator\":\"$1\",\"period\":\"$2\",\"area\":\"$area\",\"ethnic_group\":\"$3\",\"value\":$4"
    [ -n "${5:-}" ] && o+=",\"numerator\":$5,\"denominator\":$6"
    echo "$o}"
}
# with MEMBER JSON-VALUE: the good percent value with MEMBER set (null removes).
with() { v employment_rate 2025 white_british 62.5 625 1000 | jq -c --arg k "$1" --argjson x "$2" 'if $x == null then del(.[$k]) else .[$k] = $x end'; }
year=$(date -u +%Y)
next_year=$((year + 1))
this_month=$(date -u +%Y-%m)
next_month=$(date -u -d "$(date -u +%Y-%m-01) + 1 month" +%Y-%m)

# ---- storing ---------------------------------------------------------------
batch="[$(v employment_rate 2025 white_british 62.5 625 1000),$(v employment_rate 2025 asian_pakistani 48.2 241 500),$(v hate_incident_rate 2025-Q3 all 3.4),$(v housing_moves_for_harassment 2025-07 black 4)]"
post "$batch"
eq "a batch of four values: 200" "$code" 200
eq "…all created" "$(jq -c '[.created, .replaced, .unchanged, ([.values[].status] | unique)]' "$R")" '[4,0,0,["created"]]'
eq "…each with its index and id" "$(jq -c '[.values[].index]' "$R"):$(jq '[.values[].id | numbers] | length' "$R")" "[0,1,2,3]:4"
eq "…audited as indicators.submit ok" "$(audit_of)" "indicators.submit,ok"
eq "…stored as the calling partner's" \
    "$(q "SELECT count(*) || ',' || min(partner_id) || ',' || max(partner_id) FROM hub.indicator_value WHERE area = '$area'")" \
    "4,$HUB_PARTNER_POLICE,$HUB_PARTNER_POLICE"
eq "…with the period's first and last day" \
    "$(q "SELECT string_agg(period || ':' || period_start || ':' || period_end, ' ' ORDER BY period) FROM hub.indicator_value WHERE area = '$area'" | tr ' ' '\n' | sort -u | paste -sd' ')" \
    "2025-07:2025-07-01:2025-07-31 2025-Q3:2025-07-01:2025-09-30 2025:2025-01-01:2025-12-31"
eq "…numerator and denominator kept" \
    "$(q "SELECT value || '=' || numerator || '/' || denominator FROM hub.indicator_value WHERE area = '$area' AND ethnic_group = 'asian_pakistani'")" \
    "48.2=241/500"
first_id=$(jq -r '.values[0].id' "$R")

post "$batch"
eq "the same batch again: 200, all unchanged" "$code:$(jq -c '[.created, .replaced, .unchanged]' "$R")" "200:[0,0,4]"
eq "…the same ids" "$(jq -r '.values[0].id' "$R")" "$first_id"
eq "…no new rows" "$(q "SELECT count(*) FROM hub.indicator_value WHERE area = '$area'")" 4

post "[$(v employment_rate 2025 white_british 63.0 630 1000),$(v employment_rate 2025 asian_pakistani 48.2 241 500)]"
eq "one value changed: replaced 1, unchanged 1" "$code:$(jq -c '[.created, .replaced, .unchanged, [.values[].status]]' "$R")" \
    '200:[0,1,1,["replaced","unchanged"]]'
new_id=$(jq -r '.values[0].id' "$R")
eq "…a new id for the new value" "$([ "$new_id" != "$first_id" ] && echo new)" new
eq "…the old value kept as history, superseded" \
    "$(q "SELECT value || ',' || (superseded_at IS NOT NULL) FROM hub.indicator_value WHERE value_id = $first_id")" "62.5,true"
eq "…one current value for the key" \
    "$(q "SELECT count(*) || ',' || min(value) FROM hub.indicator_value WHERE area = '$area' AND ethnic_group = 'white_british' AND superseded_at IS NULL")" "1,63"

post "[$(v employment_rate 2025 white_british 63)]"
eq "dropping numerator and denominator is a change too: replaced" "$code:$(jq -r '.values[0].status' "$R")" "200:replaced"
eq "…stored without them" "$(q "SELECT value || ',' || coalesce(numerator::text, 'null') FROM hub.indicator_value WHERE area = '$area' AND ethnic_group = 'white_british' AND superseded_at IS NULL")" "63,null"
post "[$(v employment_rate 2025 white_british 63.00)]"
eq "63.00 after 63 is the same value: unchanged" "$code:$(jq -r '.values[0].status' "$R")" "200:unchanged"

QS='?dry_run=true' post "[$(v feel_safe_after_dark 2025 all 71)]"
eq "dry_run=true: 200, valid, nothing stored" "$code:$(jq -c '[.dry_run, .checked, .valid]' "$R"):$(state)" "200:[true,1,true]:$before"
QS='?dry_run=maybe' post "[$(v feel_safe_after_dark 2025 all 71)]"
eq "dry_run=maybe: 400" "$code" 400

printf '%s\n\n%s\n' "$(v feel_safe_after_dark 2025 all 71)" "$(v feel_safe_after_dark 2025 white 69.5)" >"$T/$SUITE.ndjson"
call POST /v1/indicators -H 'Content-Type: application/x-ndjson' --data-binary "@$T/$SUITE.ndjson"
eq "an NDJSON batch: 200, two created" "$code:$(jq -c '[.created]' "$R")" "200:[2]"

post "[$(v hate_incident_rate "$this_month" all 0),$(v talking_therapy_recovery 2025-Q1 other 0),$(v talking_therapy_recovery 2025-Q2 other 100 7 7),$(v permanent_exclusions 2025 mixed 10000),$(v complaints_discrimination 2025 white_irish 0)]"
eq "bounds: this month, 0, 100, the rate's base, a count of 0: 200" "$code:$(jq .created "$R")" "200:5"
post "[$(v overcrowded_households 2025 asian 33 1 3),$(v mental_health_detentions 2025 black_african 251.3 201 80000)]"
eq "values rounded from their ratio (33 for 1/3; 251.3 for 251.25): 200" "$code" 200

# ---- refusals --------------------------------------------------------------
post "[$(v no_such_indicator 2025 all 1)]"
refused "an unknown indicator" 422 /0/indicator
post "[$(v employment_rate 2025 all 101)]"
refused "a percent over 100" 422 /0/value
post "[$(v employment_rate 2025 all -1)]"
refused "a negative percent" 422 /0/value
post "[$(v employment_rate 2025 all '"50"')]"
refused "a value as a string" 422 /0/value
post "[$(v housing_moves_for_harassment 2025 all 2.5)]"
refused "a count that is not whole" 422 /0/value
post "[$(v housing_moves_for_harassment 2025 all -3)]"
refused "a negative count" 422 /0/value
post "[$(v hate_incident_rate 2025 all 1000.5)]"
refused "a rate per 1000 over 1000" 422 /0/value
post "[$(v permanent_exclusions 2025 all 10001)]"
refused "a rate per 10000 over 10000" 422 /0/value
post "[$(with value null)]"
refused "no value" 422 /0/value
for p in 2025-13 2025-00 2025-Q5 2025-Q0 25 2025-1 2025Q1 1999 2025-q1 "2025-Q1 " "$next_year" "$next_month" 2025-W01; do
    post "[$(with period "\"$p\"")]"
    refused "period '$p'" 422 /0/period
done
post "[$(with period 2025)]"
refused "a period as a number" 422 /0/period
for a in E02000001 E0100941 E010094170 S01000001 e01009417 E11000001; do
    post "[$(with area "\"$a\"")]"
    refused "area '$a'" 422 /0/area
done
for g in white_britsh A2 ALL "" white; do
    [ "$g" = white ] && continue
    post "[$(with ethnic_group "\"$g\"")]"
    refused "ethnic group '$g'" 422 /0/ethnic_group
done
post "[$(with denominator null)]"
refused "a numerator without a denominator" 422 /0/denominator
post "[$(with numerator null)]"
refused "a denominator without a numerator" 422 /0/numerator
post "[$(v employment_rate 2025 all 100 11 10)]"
refused "a percent's numerator over its denominator" 422 /0/numerator
post "[$(with denominator 0)]"
refused "a denominator of 0" 422 /0/denominator
post "[$(with numerator -1)]"
refused "a negative numerator" 422 /0/numerator
post "[$(with numerator 1.5)]"
refused "a numerator that is not whole" 422 /0/numerator
post "[$(v employment_rate 2025 all 70 625 1000)]"
refused "a value that disagrees with its ratio" 422 /0/value
post "[$(v hate_incident_rate 2025 all 5 3 1000)]"
refused "a rate that disagrees with its ratio" 422 /0/value
post "[$(v housing_moves_for_harassment 2025 all 4 4 10)]"
refused "a count with a numerator" 422 /0/numerator
post "[$(with note '"Mr Smith"')]"
refused "an unknown member" 422 /0/note
eq "…not echoing it" "$(grep -c 'Smith' "$R")" 0
post '[42]'
refused "an item that is not an object" 422 /0
post "[$(with period '"2025-13"'),$(v employment_rate 2024 all 60),$(with area '"X"')]"
refused "two bad items and a good one: all refused" 422 "/0/period /2/area"
eq "…the detail says nothing was stored" "$(jq -r .detail "$R" | grep -c 'Nothing was stored')" 1
post "[$(v employment_rate 2024 asian_indian 60),$(v employment_rate 2024 asian_chinese 61),$(v employment_rate 2024 asian_indian 62)]"
refused "the same key twice in a batch" 422 /2
post "[]"
refused "an empty batch" 422 -
post '{"indicator": "employment_rate"}'
eq "an object, not an array: 400" "$code:$(jq -r .status "$R"):$(state)" "400:400:$before"
post '[{"indicator":'
eq "malformed JSON: 400 with the offset" "$code:$(jq 'has("offset")' "$R")" "400:true"
call POST /v1/indicators -H 'Content-Type: text/plain' --data-binary "[$(with area '"E08000001"')]"
eq "text/plain: 415" "$code:$(state)" "415:$before"

# ---- roles ----------------------------------------------------------------
TOKEN_POLICE_READ=$(ctl token issue --partner "$HUB_PARTNER_POLICE" --roles read)
TOKEN_POLICE_SUBMIT=$(ctl token issue --partner "$HUB_PARTNER_POLICE" --roles submit)
TOKEN=$TOKEN_POLICE_READ post "[$(v feel_safe_after_dark 2024 all 70)]"
refused "a read-only token cannot submit" 403 -
TOKEN=$HUB_TOKEN_PUBLIC post "[$(v feel_safe_after_dark 2024 all 70)]"
refused "a public token cannot submit" 403 -
NOAUTH=1 post "[$(v feel_safe_after_dark 2024 all 70)]"
refused "no credential" 401 -
TOKEN=$TOKEN_POLICE_SUBMIT call GET "/v1/indicators?area=$area"
eq "a submit-only token cannot read: 403" "$code:$(audit_of)" "403:indicators.list,denied"
TOKEN=$HUB_TOKEN_PUBLIC call GET "/v1/indicators?area=$area"
eq "a public token cannot read: 403" "$code" 403
TOKEN=$TOKEN_POLICE_SUBMIT post "[$(v feel_safe_after_dark 2024 all 70)]"
eq "a submit-only token submits: 200" "$code:$(jq .created "$R")" "200:1"

# The council submits the same key: its own value beside police's.
TOKEN=$HUB_TOKEN_COUNCIL post "[$(v employment_rate 2025 white_british 61)]"
eq "another partner's value for the same key is its own: created" "$code:$(jq -r '.values[0].status' "$R")" "200:created"
eq "…police's is still current" \
    "$(q "SELECT count(*) FROM hub.indicator_value WHERE area = '$area' AND ethnic_group = 'white_british' AND indicator = 'employment_rate' AND superseded_at IS NULL")" 2

# ---- reading ---------------------------------------------------------------
current=$(q "SELECT count(*) FROM hub.indicator_value WHERE area = '$area' AND superseded_at IS NULL")
call GET "/v1/indicators?area=$area&limit=1000"
eq "GET the area's values: 200" "$code" 200
eq "…the current ones, every partner's" "$(jq '.values | length' "$R")" "$current"
eq "…each with the value's members" "$(jq -c '[.values[] | keys] | unique' "$R")" \
    '[["area","denominator","ethnic_group","id","indicator","numerator","partner_id","period","period_end","period_start","submitted_at","superseded_at","value"]]'
eq "…audited as indicators.list ok" "$(audit_of)" "indicators.list,ok"
eq "…the numbers as JSON numbers" "$(jq -r '.values[] | select(.ethnic_group == "asian_pakistani") | [.value, .numerator, .denominator] | map(type) | unique | join(",")' "$R")" number
TOKEN=$HUB_TOKEN_HEALTH call GET "/v1/indicators?area=$area&limit=1000"
eq "health reads police's and council's values too (joint figures)" "$code:$(jq '.values | length' "$R")" "200:$current"
call GET "/v1/indicators?area=$area&history=true&limit=1000"
eq "history=true adds the superseded values" "$(jq '.values | length' "$R")" \
    "$(q "SELECT count(*) FROM hub.indicator_value WHERE area = '$area'")"
eq "…the first value with when it was superseded" "$(jq -r --argjson id "$first_id" '.values[] | select(.id == $id) | (.value | tostring) + "," + (.superseded_at | type)' "$R")" "62.5,string"
call GET "/v1/indicators?area=$area&indicator=employment_rate&ethnic_group=white_british"
eq "indicator and ethnic_group filters" "$(jq -c '[.values[] | .value] | sort' "$R")" "[61,63]"
call GET "/v1/indicators?area=$area&indicator=employment_rate&ethnic_group=white_british&partner=$HUB_PARTNER_COUNCIL"
eq "partner filter" "$(jq -c '[.values[] | .partner_id]' "$R")" "[$HUB_PARTNER_COUNCIL]"
call GET "/v1/indicators?area=$area&theme=housing"
eq "theme=housing: the housing indicators only" "$(jq -r '[.values[].indicator] | unique | join(",")' "$R")" "housing_moves_for_harassment,overcrowded_households"
call GET "/v1/indicators?area=$area&period=2025-Q3"
eq "period=2025-Q3" "$(jq -r '[.values[].period] | unique | join(",")' "$R")" "2025-Q3"
call GET "/v1/indicators?area=$area&from=2025-Q3&to=2025-Q3"
eq "from=2025-Q3&to=2025-Q3: the quarter and the month inside it" "$(jq -r '[.values[].period] | unique | join(",")' "$R")" "2025-07,2025-Q3"
call GET "/v1/indicators?area=$area&to=2025"
eq "to=2025: nothing of a later period" "$(jq -r '[.values[].period | .[0:4] | select(. > "2025")] | length' "$R")" 0
call GET "/v1/indicators?area=$area&granularity=quarter"
eq "granularity=quarter" "$(jq -r '[.values[].period] | unique | join(",")' "$R")" "2025-Q1,2025-Q2,2025-Q3"
call GET "/v1/indicators?area=$area&granularity=year&indicator=feel_safe_after_dark"
eq "granularity=year" "$(jq -r '[.values[].period] | unique | join(",")' "$R")" "2024,2025"
call GET "/v1/indicators?area=$area&limit=1"
eq "limit=1: one value, next its id" "$code:$(jq -c '[(.values | length), .next == .values[0].id]' "$R")" "200:[1,true]"
n=0 after=0 ids=
while :; do
    call GET "/v1/indicators?area=$area&limit=3&after=$after"
    [ "$code" = 200 ] || break
    ids+=" $(jq -r '[.values[].id] | join(" ")' "$R")"
    after=$(jq -r .next "$R")
    n=$((n + 1))
    [ "$after" = null ] && break
done
eq "pages of 3 following next give every current value once" "$(echo "$ids" | wc -w),$(echo "$ids" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -d | wc -l)" "$current,0"
for bad in 'period=2025-13' 'from=25' 'to=2025-Q9' 'area=E02000001' 'indicator=nope' 'theme=nope' \
    'granularity=week' 'history=yes' 'limit=0' 'limit=1001' 'after=-1' 'partner=x' \
    'indicator=employment_rate&theme=housing'; do
    call GET "/v1/indicators?$bad"
    eq "GET ?$bad: 400 problem+json" "$code:$(ctype)" "400:application/problem+json"
done

# Another partnership sees none of it.
ps_x=$(ctl partnership add "Indicators partnership $tag" --isa-ref "ISA-IN-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 12)
x_council=$(ctl partner add --partnership "$ps_x" --kind council "X council $tag")
TOKEN_X=$(ctl token issue --partner "$x_council" --roles submit,read)
TOKEN=$TOKEN_X call GET "/v1/indicators?area=$area"
eq "another partnership's partner sees none of the values" "$code:$(jq '.values | length' "$R")" "200:0"
TOKEN=$TOKEN_X post "[$(v employment_rate 2025 white_british 50)]"
eq "…and its own value for the same key is separate" "$code:$(jq -r '.values[0].status' "$R")" "200:created"

# ---- limits and concurrency -----------------------------------------------
stop_hubd
start_hubd HUB_MAX_BATCH=3 || { not_ok "hubd starts with HUB_MAX_BATCH=3"; exit 0; }
post "[$(v feel_safe_after_dark 2023 all 1),$(v feel_safe_after_dark 2022 all 1),$(v feel_safe_after_dark 2021 all 1),$(v feel_safe_after_dark 2020 all 1)]"
refused "a batch over HUB_MAX_BATCH" 413 -
# Six clients submit six values for one new key at once: each is stored in
# turn (created, then replaced five times), none lost, one current.
pids=()
for i in 1 2 3 4 5 6; do
    (hcurl -o "$R.par.$i" -H "Authorization: Bearer $HUB_TOKEN_POLICE" \
        -H 'Content-Type: application/json' --data-binary "[$(v influence_decisions 2025 white_roma 2$i)]" \
        "$URL/v1/indicators") &
    pids+=($!)
done
wait "${pids[@]}" # not hubd, also a child
eq "6 concurrent submissions of one key: one created, five replaced" \
    "$(cat "$R".par.* | jq -r '.values[0].status' | sort | uniq -c | awk '{print $2 ":" $1}' | paste -sd,)" "created:1,replaced:5"
eq "…six rows, one current" \
    "$(q "SELECT count(*) || ',' || count(*) FILTER (WHERE superseded_at IS NULL) FROM hub.indicator_value WHERE area = '$area' AND ethnic_group = 'white_roma'")" "6,1"
eq "…the current one is the last answered's" \
    "$(q "SELECT value_id FROM hub.indicator_value WHERE area = '$area' AND ethnic_group = 'white_roma' AND superseded_at IS NULL")" \
    "$(cat "$R".par.* | jq -r '.values[0].id' | sort -n | tail -1)"
stop_hubd
eq "hubd exits 0" "$?" 0
[ "${HUB_BIN#*asan}" != "$HUB_BIN" ] && check "no sanitizer report" sanitizer_clean
