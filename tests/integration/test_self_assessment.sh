#!/usr/bin/env bash
# The journey self-assessment: a partner's answers to the eight questions
# stored with the overall stage the rule gives (the sixth highest), the
# same answers again changing nothing, different ones replacing the current
# assessment and keeping it as history, every refusal with the pointer it
# names and nothing stored (a checksum of both tables before and after),
# personal data in evidence refused and never echoed or logged, roles,
# another partnership seeing nothing, the list's filters and pages, and the
# journey view's series with live evidence beside Q5 (referrals) and Q8
# (indicators) only. Each run makes a partnership of its own, so its
# journey view holds exactly what this run stored.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=sa${RANDOM}q$RANDOM
seq_no=0
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
start_hubd || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Journey partnership $tag" --isa-ref "ISA-SA-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "SA police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "SA council $tag")
health=$(ctl partner add --partnership "$ps" --kind health "SA health $tag")
TOKEN_POLICE=$(ctl token issue --partner "$police" --roles submit,read)
TOKEN_COUNCIL=$(ctl token issue --partner "$council" --roles submit,read)
TOKEN_HEALTH=$(ctl token issue --partner "$health" --roles submit,read)
TOKEN_READ=$(ctl token issue --partner "$police" --roles read)
TOKEN_SUBMIT=$(ctl token issue --partner "$police" --roles submit)
TOKEN_PUBLIC=$(ctl token issue --public --partnership "$ps")
TOKEN=$TOKEN_POLICE # call's default caller

# Both tables whole, to show a refusal changed nothing.
state() {
    q "SELECT (SELECT count(*) || ':' || md5(coalesce(string_agg(assessment_id || ':' || overall_stage
         || ':' || coalesce(superseded_at::text, '-'), ',' ORDER BY assessment_id), ''))
         FROM hub.self_assessment) || '/' || (SELECT count(*) || ':' || md5(coalesce(string_agg(
         assessment_id || ':' || question || ':' || stage || ':' || coalesce(evidence, '-'), ','
         ORDER BY assessment_id, question), '')) FROM hub.self_assessment_answer)"
}
post() { call POST /v1/self-assessments -H 'Content-Type: application/json' --data-binary "$1"; }
audit_of() { q "SELECT string_agg(action || ',' || outcome, ';') FROM hub.audit_log WHERE request_id = '$rid'"; }
# refused NAME STATUS POINTERS: refused as problem+json naming exactly
# POINTERS ("-": not checked), nothing stored, audited (but a 401).
refused() {
    local name=$1 status=$2 want=$3 outcome=refused
    case $status in 401 | 403) outcome=denied ;; esac
    eq "$name: $status" "$code" "$status"
    eq "$name: problem+json" "$(jq -r .status "$R" 2>/dev/null),$(ctype)" "$status,application/problem+json"
    [ "$want" != - ] && eq "$name: names $want" "$(ptrs)" "$want"
    eq "$name: nothing stored" "$(state)" "$before"
    [ "$status" != 401 ] && eq "$name: audited" "$(audit_of)" "self_assessments.submit,$outcome"
}
# sub DATE STAGE...: a submission of the stages of q1, q2, … in turn.
sub() {
    local date=$1
    shift
    jq -cn --arg d "$date" '{assessed_on: $d, answers: [$ARGS.positional | to_entries[]
        | {question: "q\(.key + 1)", stage: .value}]}' --args "$@"
}
# with FILTER: the good submission changed by a jq filter.
good=$(sub 2025-04-01 starting developing starting intending achieving starting resisting developing)
with() { jq -c "$1" <<<"$good"; }
today=$(date -u +%F)
tomorrow=$(date -u -d tomorrow +%F)
current_of() { q "SELECT count(*) FROM hub.self_assessment WHERE partner_id = $1 AND superseded_at IS NULL"; }

# ---- storing ---------------------------------------------------------------
post "$(with '.answers[0].evidence = "Board paper on race equality agreed in March."')"
eq "eight answers: 201" "$code" 201
first=$(jq -r .id "$R")
eq "…the overall stage by the rule (ranks 3 4 3 2 5 3 1 4: the sixth highest is starting)" \
    "$(jq -r .overall_stage "$R")" starting
eq "…the answers in question order, with the note" \
    "$(jq -c '[.answers[] | [.question, .stage, .evidence]]' "$R")" \
    '[["q1","starting","Board paper on race equality agreed in March."],["q2","developing",null],["q3","starting",null],["q4","intending",null],["q5","achieving",null],["q6","starting",null],["q7","resisting",null],["q8","developing",null]]'
eq "…the calling partner's, replacing nothing" "$(jq -c '[.partner_id, .assessed_on, .replaces, .superseded_at]' "$R")" \
    "[$police,\"2025-04-01\",null,null]"
eq "…audited as self_assessments.submit ok" "$(audit_of)" "self_assessments.submit,ok"
eq "…stored: one assessment, eight answers" \
    "$(q "SELECT count(*) || ',' || (SELECT count(*) FROM hub.self_assessment_answer WHERE assessment_id = $first) FROM hub.self_assessment WHERE partner_id = $police")" "1,8"
eq "…the audit row names it" "$(q "SELECT object_type || ':' || object_id FROM hub.audit_log WHERE request_id = '$rid'")" \
    "self_assessment:$first"

post "$(with '.answers[0].evidence = "Board paper on race equality agreed in March."')"
eq "the same answers again: 200, the same assessment" "$code:$(jq -r .id "$R")" "200:$first"
eq "…nothing new stored" "$(state)" "$before"
post "$(with '.answers[0].evidence = "Board paper on race equality agreed in March." | .answers |= reverse | .answers[3].evidence = ""')"
eq "the same answers in another order, an empty note for none: 200, unchanged" "$code:$(jq -r .id "$R"):$(state)" "200:$first:$before"

post "$(with '.answers[0].evidence = "Board paper agreed in March;\n\tsent to every service."')"
eq "a changed note: 201, a new assessment" "$code" 201
second=$(jq -r .id "$R")
eq "…replacing the first" "$(jq -r .replaces "$R")" "$first"
eq "…the note kept with its line break and tab" "$(jq -r '.answers[0].evidence' "$R")" $'Board paper agreed in March;\n\tsent to every service.'
eq "…the first kept as history, superseded, with its answers" \
    "$(q "SELECT (superseded_at IS NOT NULL) || ',' || (SELECT count(*) FROM hub.self_assessment_answer WHERE assessment_id = $first) FROM hub.self_assessment WHERE assessment_id = $first")" "true,8"
eq "…one current assessment for the date" "$(current_of "$police")" 1

long=$(printf 'x%.0s' $(seq 1000))
post "$(with ".assessed_on = \"2025-10-01\" | .answers[7].evidence = \"$long\"")"
eq "a note of exactly 1000 characters: 201" "$code:$(jq -r '.answers[7].evidence | length' "$R")" "201:1000"
post "$(sub 2025-12-15 developing developing developing developing achieving developing starting developing)"
eq "a later date: 201, developing (six at developing or above)" "$code:$(jq -r .overall_stage "$R")" "201:developing"
eq "police has three current assessments" "$(current_of "$police")" 3

# The app role cannot give a stored assessment another answer later: only
# the transaction that made an assessment may write its answers.
psql -X -q "$HUB_APP_DB" -c "BEGIN" \
    -c "SELECT set_config('hub.partnership_id', '$ps', true), set_config('hub.partner_id', '$police', true), set_config('hub.roles', 'submit,read', true)" \
    -c "INSERT INTO hub.self_assessment_answer (assessment_id, partnership_id, partner_id, question, stage) VALUES ($second, $ps, $police, 'q9', 'achieving')" \
    -c "COMMIT" >"$R.psql" 2>&1
eq "an answer added to a stored assessment afterwards is refused (row-level security)" \
    "$(grep -c 'row-level security' "$R.psql"):$(q "SELECT count(*) FROM hub.self_assessment_answer WHERE assessment_id = $second")" "1:8"

# ---- the overall stage ------------------------------------------------------
rule() { # rule NAME DATE WANT STAGES...
    local name=$1 d=$2 want=$3
    shift 3
    TOKEN=$TOKEN_COUNCIL post "$(sub "$d" "$@")"
    eq "overall: $name" "$code:$(jq -r .overall_stage "$R")" "201:$want"
}
rule "six achieving, two resisting: achieving" 2025-01-01 achieving \
    achieving achieving resisting achieving achieving resisting achieving achieving
rule "five achieving, three resisting: resisting" 2025-02-01 resisting \
    achieving achieving resisting achieving achieving resisting achieving resisting
rule "five achieving, one intending, two resisting: intending" 2025-03-01 intending \
    achieving intending resisting achieving achieving resisting achieving achieving
rule "all eight developing: developing" 2025-04-01 developing \
    developing developing developing developing developing developing developing developing
rule "one of each stage and four achieving: starting" 2025-05-01 starting \
    resisting intending starting developing achieving achieving achieving achieving
eq "…stored as the rule gave it" \
    "$(q "SELECT string_agg(overall_stage, ',' ORDER BY assessed_on) FROM hub.self_assessment WHERE partner_id = $council")" \
    "achieving,resisting,intending,developing,starting"

# ---- refusals ---------------------------------------------------------------
post "$(with 'del(.assessed_on)')"
refused "no date" 422 /assessed_on
for d in "$tomorrow" 1999-12-31 2025-02-30 2025-4-01 2025-04-01T00:00:00Z ""; do
    post "$(with ".assessed_on = \"$d\"")"
    refused "date '$d'" 422 /assessed_on
done
post "$(with '.assessed_on = 20250401')"
refused "a date as a number" 422 /assessed_on
post "$(with 'del(.answers)')"
refused "no answers" 422 /answers
post "$(with '.answers = {}')"
refused "answers as an object" 422 /answers
post "$(with '.answers = []')"
refused "no answer" 422 /answers
post "$(with 'del(.answers[7])')"
refused "seven answers" 422 /answers
eq "…saying which question" "$(jq -r '.errors[0].message' "$R" | grep -c 'Question q8 is not answered')" 1
post "$(with '.answers[7].question = "q3"')"
refused "q3 twice and no q8" 422 "/answers /answers/7/question"
post "$(with '.answers[7].question = "q9"')"
refused "an unknown question" 422 "/answers /answers/7/question"
post "$(with '.answers[2].stage = "arrived"')"
refused "an unknown stage" 422 /answers/2/stage
eq "…listing the stages" "$(jq -r '.errors[0].message' "$R" | grep -c 'resisting intending starting developing achieving')" 1
post "$(with '.answers[2].stage = 5')"
refused "a stage as its rank" 422 /answers/2/stage
post "$(with 'del(.answers[2].stage)')"
refused "no stage" 422 /answers/2/stage
post "$(with ".answers[0].evidence = \"${long}y\"")"
refused "a note of 1001 characters" 422 /answers/0/evidence
post "$(with '.answers[0].evidence = 12')"
refused "a note as a number" 422 /answers/0/evidence
post "$(with '.answers[0].evidence = "bell\u0007"')"
refused "a note with a control character" 422 /answers/0/evidence
post "$(with '.note = "x"')"
refused "an unknown member" 422 /note
post "$(with '.answers[0].score = 3')"
refused "an unknown member of an answer" 422 /answers/0/score
post "$(with '.answers[0] = "q1"')"
refused "an answer that is not an object" 422 "/answers /answers/0"
post "$(with '.assessed_on = "2099-01-01" | .answers[1].stage = "x" | del(.answers[7])')"
refused "three problems at once" 422 "/answers /answers/1/stage /assessed_on"
eq "…the detail says nothing was stored" "$(jq -r .detail "$R" | grep -c 'Nothing was stored')" 1
post "[$good]"
eq "an array body: 400, nothing stored" "$code:$(jq -r .status "$R"):$(state)" "400:400:$before"
post '{"assessed_on":'
eq "malformed JSON: 400 with the offset, nothing stored" "$code:$(jq 'has("offset")' "$R"):$(state)" "400:true:$before"
call POST /v1/self-assessments -H 'Content-Type: text/plain' --data-binary "$good"
eq "text/plain: 415, nothing stored" "$code:$(state)" "415:$before"

# Personal data in a note: refused, named, never echoed nor logged.
pii() { # pii VALUE PHRASE: a note holding VALUE is refused as PHRASE
    post "$(with ".answers[4].evidence = \"Contact $1 about the protocol.\"")"
    refused "a note with $2" 422 /answers/4/evidence
    eq "…named as $2" "$(jq -r '.errors[0].message' "$R" | grep -c "looks like $2")" 1
    eq "…not echoed" "$(grep -cF "$1" "$R")" 0
    eq "…not logged" "$(grep -cF "$1" "$HUBD_LOG")" 0
}
pii "jo.bloggs@example.org" "an e-mail address"
pii "07700 900123" "a telephone number"
pii "B33 8TH" "a full postcode"
pii "943 476 5919" "an NHS number"
pii "AB 12 34 56 C" "a National Insurance number"
pii "Mrs Okafor" "a name with a title"
post "$(with '. + {"jo@example.org": 1}')"
refused "personal data in a member name" 422 ""
eq "…not echoed" "$(grep -c 'jo@example' "$R")" 0

# ---- roles ------------------------------------------------------------------
TOKEN=$TOKEN_READ post "$(with '.assessed_on = "2025-11-01"')"
refused "a read-only credential cannot submit" 403 -
TOKEN=$TOKEN_PUBLIC post "$(with '.assessed_on = "2025-11-01"')"
refused "a public credential cannot submit" 403 -
NOAUTH=1 post "$(with '.assessed_on = "2025-11-01"')"
refused "no credential" 401 -
for action in list journey; do
    path=/v1/self-assessments
    [ "$action" = journey ] && path+=/journey
    TOKEN=$TOKEN_SUBMIT call GET "$path"
    eq "a submit-only credential cannot read $path: 403" "$code:$(audit_of)" "403:self_assessments.$action,denied"
    TOKEN=$TOKEN_PUBLIC call GET "$path"
    eq "a public credential cannot read $path: 403" "$code:$(jq -r .status "$R")" "403:403"
    NOAUTH=1 call GET "$path"
    eq "no credential cannot read $path: 401" "$code" 401
    TOKEN=$TOKEN_READ call GET "$path"
    eq "a read-only credential reads $path: 200" "$code" 200
done
TOKEN=$TOKEN_SUBMIT post "$(with '.assessed_on = "2025-11-01"')"
eq "a submit-only credential submits: 201" "$code:$(jq -r .partner_id "$R")" "201:$police"

# ---- reading ----------------------------------------------------------------
n_current=$(q "SELECT count(*) FROM hub.self_assessment WHERE partnership_id = $ps AND superseded_at IS NULL")
TOKEN=$TOKEN_HEALTH call GET "/v1/self-assessments?limit=1000"
eq "health (no assessment of its own) reads the partnership's current assessments" \
    "$code:$(jq '.assessments | length' "$R")" "200:$n_current"
eq "…each with its members and eight answers" \
    "$(jq -c '[.assessments[] | [keys, (.answers | length)]] | unique' "$R")" \
    '[[["answers","assessed_on","created_at","id","overall_stage","partner_id","replaces","superseded_at"],8]]'
eq "…audited as self_assessments.list ok" "$(audit_of)" "self_assessments.list,ok"
call GET "/v1/self-assessments?history=true&limit=1000"
eq "history=true adds the superseded one" "$(jq '.assessments | length' "$R")" "$((n_current + 1))"
eq "…shown with when it was superseded" "$(jq -r --argjson id "$first" '.assessments[] | select(.id == $id) | .superseded_at | type' "$R")" string
call GET "/v1/self-assessments?partner=$council"
eq "partner filter" "$(jq -c '[.assessments[].partner_id] | unique' "$R")" "[$council]"
call GET "/v1/self-assessments?from=2025-03-01&to=2025-04-30"
eq "from and to (inclusive)" "$(jq -r '[.assessments[].assessed_on] | sort | join(",")' "$R")" "2025-03-01,2025-04-01,2025-04-01"
call GET "/v1/self-assessments?latest=true"
eq "latest=true: each partner's latest" "$(jq -r '[.assessments[] | "\(.partner_id)@\(.assessed_on)"] | sort | join(",")' "$R")" \
    "$(printf '%s\n' "$council@2025-05-01" "$police@2025-12-15" | sort | paste -sd,)"
call GET "/v1/self-assessments?latest=true&to=2025-06-30"
eq "latest=true&to=2025-06-30: each partner's latest by then" "$(jq -r '[.assessments[] | "\(.partner_id)@\(.assessed_on)"] | sort | join(",")' "$R")" \
    "$(printf '%s\n' "$council@2025-05-01" "$police@2025-04-01" | sort | paste -sd,)"
check "pages of 2 following next give every current assessment once" walk "$TOKEN_POLICE" /v1/self-assessments "" 2 assessments
eq "…all of them, none twice" "$(wc -l <"$R.ids"),$(sort "$R.ids" | uniq -d | wc -l)" "$n_current,0"
for bad in from=2025-13-01 to=x partner=x limit=0 limit=1001 after=-1 history=yes latest=maybe \
    'latest=true&history=true'; do
    call GET "/v1/self-assessments?$bad"
    eq "GET ?$bad: 400 problem+json" "$code:$(ctype)" "400:application/problem+json"
done

# Another partnership's partner (the demo police) sees none of it.
TOKEN=$HUB_TOKEN_POLICE call GET "/v1/self-assessments?partner=$police"
eq "another partnership sees none of the assessments" "$code:$(jq '.assessments | length' "$R")" "200:0"
TOKEN=$HUB_TOKEN_POLICE call GET /v1/self-assessments/journey
eq "…nor its partners in the journey view" "$code:$(grep -c "$tag" "$R")" "200:0"

# ---- live evidence: referrals (Q5) and indicators (Q8) ---------------------
report=$(jq -c --arg ref "SA-$tag" '.external_ref = $ref' "$ROOT/api/examples/report-police.json")
call POST /v1/reports -H 'Content-Type: application/json' --data "$report"
rep=$(jq -r .id "$R")
call POST "/v1/reports/$rep/referrals" -H 'Content-Type: application/json' \
    --data "{\"to_partner\":$council,\"reason\":\"housing_action\",\"urgency\":\"routine\"}"
to_council=$(jq -r .id "$R")
call POST "/v1/reports/$rep/referrals" -H 'Content-Type: application/json' \
    --data "{\"to_partner\":$health,\"reason\":\"health_support\",\"urgency\":\"urgent\"}"
to_health=$(jq -r .id "$R")
TOKEN=$TOKEN_COUNCIL call POST "/v1/referrals/$to_council/accept"
check "(fixture: two referrals from police, the council's accepted)" test "$code" = 200 -a -n "$to_health"
q "UPDATE hub.referral SET due_on = (now() AT TIME ZONE 'UTC')::date - 2 WHERE referral_id = $to_health" >/dev/null # overdue, unanswered
area=E08$(printf '%06d' $((RANDOM * 30 % 1000000)))
call POST /v1/indicators -H 'Content-Type: application/json' --data \
    "[{\"indicator\":\"employment_rate\",\"period\":\"2025\",\"area\":\"$area\",\"ethnic_group\":\"all\",\"value\":61},
      {\"indicator\":\"feel_safe_after_dark\",\"period\":\"2025-Q1\",\"area\":\"$area\",\"ethnic_group\":\"all\",\"value\":70},
      {\"indicator\":\"feel_safe_after_dark\",\"period\":\"2025-Q2\",\"area\":\"$area\",\"ethnic_group\":\"all\",\"value\":71}]"
check "(fixture: three indicator values from police)" test "$code" = 200

TOKEN=$TOKEN_HEALTH call GET /v1/self-assessments/journey
eq "GET journey: 200" "$code" 200
eq "…audited as self_assessments.journey ok" "$(audit_of)" "self_assessments.journey,ok"
eq "…every partner of the partnership, in order" "$(jq -c '[.partners[] | [.partner_id, .kind]]' "$R")" \
    "[[$police,\"police\"],[$council,\"council\"],[$health,\"health\"]]"
eq "…the stages in rank order and the rule" "$(jq -c '[.stages, (.overall_rule | test("at least 6 of the 8"))]' "$R")" \
    '[["resisting","intending","starting","developing","achieving"],true]'
pj() { jq -c --argjson p "$1" ".partners[] | select(.partner_id == \$p) | $2" "$R"; }
eq "…police's overall series: current assessments by date" "$(pj "$police" '[.overall[] | [.assessed_on, .stage, .rank]]')" \
    '[["2025-04-01","starting",3],["2025-10-01","starting",3],["2025-11-01","starting",3],["2025-12-15","developing",4]]'
eq "…the replaced assessment is not in it" "$(pj "$police" "[.overall[].assessment_id | select(. == $first)] | length")" 0
eq "…the eight questions in order" "$(pj "$police" '[.questions[].question]')" '["q1","q2","q3","q4","q5","q6","q7","q8"]'
eq "…police's q1 series" "$(pj "$police" '.questions[0].series | map([.assessed_on, .stage])')" \
    '[["2025-04-01","starting"],["2025-10-01","starting"],["2025-11-01","starting"],["2025-12-15","developing"]]'
eq "…council's q2 series" "$(pj "$council" '.questions[1].series | map(.stage)')" \
    '["achieving","achieving","intending","developing","intending"]'
eq "…health: no series yet" "$(pj "$health" '[.overall, (.questions | map(.series) | add)]')" '[[],[]]'
eq "…live evidence beside q5 and q8 only (q3 needs disclosure control)" \
    "$(jq -c '[.partners[].questions[] | select(has("evidence")) | .question] | unique' "$R")" '["q5","q8"]'
ev() { pj "$1" ".questions[] | select(.question == \"$2\") | .evidence | $3"; }
eq "…q5 police: made 2, received none" "$(ev "$police" q5 '[.source, .made, .received, .due, .answered_in_time, .share_answered_in_time]')" \
    '["referrals",2,0,0,0,null]'
eq "…q5 council: received 1, answered in time" "$(ev "$council" q5 '[.made, .received, .due, .answered_in_time, .share_answered_in_time]')" \
    '[0,1,1,1,1]'
eq "…q5 health: received 1, overdue" "$(ev "$health" q5 '[.made, .received, .due, .answered_in_time, .share_answered_in_time]')" \
    '[0,1,1,0,0]'
eq "…q8 police: 3 values of 2 indicators, latest 2025" "$(ev "$police" q8 '[.source, .values, .indicators, .latest_period]')" \
    '["indicators",3,2,"2025"]'
eq "…q8 council: none" "$(ev "$council" q8 '[.values, .indicators, .latest_period]')" '[0,0,null]'
eq "…counted over the last twelve months" "$(jq -r '[.evidence_since, .as_of] | join(",")' "$R")" \
    "$(date -u -d "$today - 12 months" +%F),$today"
TOKEN=$TOKEN_HEALTH call GET "/v1/self-assessments/journey?partner=$council&from=2025-02-01&to=2025-04-01"
eq "journey?partner&from&to: that partner, those dates" "$(jq -c '[.partners[] | [.partner_id, [.overall[].assessed_on]]]' "$R")" \
    "[[$council,[\"2025-02-01\",\"2025-03-01\",\"2025-04-01\"]]]"
for bad in from=2025-02-30 to=soon partner=-1; do
    call GET "/v1/self-assessments/journey?$bad"
    eq "GET journey?$bad: 400 problem+json" "$code:$(ctype)" "400:application/problem+json"
done

# ---- concurrency ------------------------------------------------------------
# Six identical submissions for a new date at once: one stores, five find
# it (200), one assessment. Then six different ones: each stores in turn.
burst() {
    local i pids=()
    for i in 1 2 3 4 5 6; do
        (hcurl -o "$R.par.$i" -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN_HEALTH" \
            -H 'Content-Type: application/json' --data-binary "$($1 "$i")" \
            "$URL/v1/self-assessments" >"$R.code.$i") &
        pids+=($!)
    done
    wait "${pids[@]}" # not hubd, also a child
    cat "$R".code.* | sort | uniq -c | awk '{print $2 ":" $1}' | paste -sd,
}
same() { sub 2025-12-01 starting starting starting starting starting starting starting starting; }
differ() { sub 2025-12-02 starting starting starting starting starting starting starting starting | jq -c ".answers[0].evidence = \"Draft $1\""; }
eq "6 identical submissions at once: one 201, five 200" "$(burst same)" "200:5,201:1"
eq "…one assessment" "$(q "SELECT count(*) FROM hub.self_assessment WHERE partner_id = $health AND assessed_on = '2025-12-01'")" 1
eq "6 different submissions at once: all 201" "$(burst differ)" "201:6"
eq "…six assessments, one current, each replacing the one before" \
    "$(q "SELECT count(*) || ',' || count(*) FILTER (WHERE superseded_at IS NULL) FROM hub.self_assessment WHERE partner_id = $health AND assessed_on = '2025-12-02'")" "6,1"
eq "…the current one is the last stored" \
    "$(q "SELECT assessment_id FROM hub.self_assessment WHERE partner_id = $health AND assessed_on = '2025-12-02' AND superseded_at IS NULL")" \
    "$(cat "$R".par.* | jq -r .id | sort -n | tail -1)"
rm -f "$R".par.* "$R".code.*

stop_hubd
eq "hubd exits 0" "$?" 0
[ "${HUB_BIN#*asan}" != "$HUB_BIN" ] && check "no sanitizer report" sanitizer_clean
