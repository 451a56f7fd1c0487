#!/usr/bin/env bash
# Referrals and outcomes: the agreement's acknowledgement limits in working
# days, referring a report to another partner and every refusal with the
# pointer it names, what the receiver sees (read-only, and no longer after a
# decline), the incoming and outgoing lists with filters and pages, accepting
# and declining, outcomes by partner kind, the report showing its referrals
# and outcomes to each partner, roles and audit. After every refusal nothing
# in hub.referral or hub.outcome has changed.
# Runs twice against the same database: every external_ref carries $tag.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
EX=$ROOT/api/examples
R=$T/$SUITE.out
tag=rfl${RANDOM}q$RANDOM # no run of digits long enough to look like a number
seq_no=0
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
start_hubd || { not_ok "hubd starts"; exit 0; }

# The state of every referral and outcome, to show a refusal changed nothing.
state() {
    q "SELECT (SELECT count(*) FROM hub.referral) || ',' || (SELECT count(*) FROM hub.outcome) || ','
         || (SELECT md5(coalesce(string_agg(referral_id || status || coalesce(decline_reason, '-')
                || coalesce(answered_at::text, '-'), ',' ORDER BY referral_id), '')) FROM hub.referral)"
}

# post PATH JSON [curl args...]: POST with Content-Type application/json.
post() {
    local path=$1 body=$2
    shift 2
    call POST "$path" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

# The audit row of the last call: action,outcome.
audit_of() { q "SELECT string_agg(action || ',' || outcome, ';') FROM hub.audit_log WHERE request_id = '$rid'"; }
# same404 NAME: the last answer's problem (less instance) is the one kept by
# keep404, so a 404 tells nothing about whether the thing exists.
keep404() { jq -cS 'del(.instance)' "$R" >"$R.404"; }
same404() { eq "$1" "$(jq -cS 'del(.instance)' "$R")" "$(cat "$R.404")"; }
rcount() { q "SELECT count(*) FROM hub.referral WHERE report_id = $1"; }
ocount() { q "SELECT count(*) FROM hub.outcome WHERE report_id = $1"; }

# refused NAME STATUS POINTERS ACTION: the last call was refused with STATUS
# as problem+json naming exactly POINTERS ("-" when not checked), nothing
# changed in referrals or outcomes, and the audit log holds ACTION with the
# outcome of that status (none for 401: no caller, no row).
refused() {
    local name=$1 status=$2 want=$3 action=$4 outcome
    case $status in 401 | 403) outcome=denied ;; 404) outcome=not_found ;; *) outcome=refused ;; esac
    eq "$name: $status" "$code" "$status"
    eq "$name: problem+json" "$(jq -r .status "$R" 2>/dev/null),$(ctype)" "$status,application/problem+json"
    [ "$want" != - ] && eq "$name: names $want" "$(ptrs)" "$want"
    eq "$name: nothing stored or changed" "$(state)" "$before"
    if [ "$status" = 401 ]; then
        eq "$name: WWW-Authenticate" "$(header WWW-Authenticate | cut -c1-6)" Bearer
    else
        eq "$name: audited" "$(audit_of)" "$action,$outcome"
    fi
}

# add_wd DATE N: DATE plus N working days (Monday-Friday).
add_wd() {
    local d=$1 n=$2
    while [ "$n" -gt 0 ]; do
        d=$(date -u -d "$d + 1 day" +%F)
        [ "$(date -u -d "$d" +%u)" -le 5 ] && n=$((n - 1))
    done
    echo "$d"
}
today=$(date -u +%F)
tomorrow=$(date -u -d tomorrow +%F)

# report TOKEN REF: submits the police example under REF; its id in $last_id.
# (Not in a subshell: seq_no, and so the request ids, must move on.)
report() {
    last_id=
    TOKEN=$1 post /v1/reports "$(jq -c --arg ref "$2" '.external_ref = $ref' "$EX/report-police.json")"
    [ "$code" = 201 ] || { echo "report $2: $code $(head -c 300 "$R")" >&2; return 1; }
    last_id=$(jq -r .id "$R")
}
# refer REPORT TO [REASON [URGENCY]]: police refers (or $TOKEN's partner).
refer() {
    post "/v1/reports/$1/referrals" \
        "{\"to_partner\": $2, \"reason\": \"${3:-victim_support}\", \"urgency\": \"${4:-routine}\"}"
}
# outcome REPORT CODE [ON [SATISFIED]]
outcome() {
    local body="{\"outcome\": \"$2\", \"on\": \"${3:-$today}\""
    [ -n "${4:-}" ] && body+=", \"victim_satisfied\": \"$4\""
    post "/v1/reports/$1/outcomes" "$body}"
}
ref_keys='["answered_at","answered_in_time","created_at","decline_reason","due_on","from_partner","id","reason","report_id","status","to_partner","urgency"]'
out_keys='["created_at","id","on","outcome","partner_id","report_id","victim_satisfied"]'

# ---- fixtures ----------------------------------------------------------------
# Partners of the demo partnership for this run: housing (outcome kinds),
# disabled (cannot receive); tokens for them and read-only/submit-only ones.
p_housing=$(ctl partner add --partnership "$HUB_PARTNERSHIP_DEMO" --kind housing "Referrals housing $tag")
TOKEN_HOUSING=$(ctl token issue --partner "$p_housing" --roles submit,read)
p_disabled=$(ctl partner add --partnership "$HUB_PARTNERSHIP_DEMO" --kind other "Referrals disabled $tag")
ctl partner disable "$p_disabled" >/dev/null
TOKEN_POLICE_READ=$(ctl token issue --partner "$HUB_PARTNER_POLICE" --roles read)
TOKEN_POLICE_SUBMIT=$(ctl token issue --partner "$HUB_PARTNER_POLICE" --roles submit)
TOKEN_COUNCIL_READ=$(ctl token issue --partner "$HUB_PARTNER_COUNCIL" --roles read)
# A second partnership whose agreement has other acknowledgement limits.
ps_x=$(ctl partnership add "Referrals partnership $tag" --isa-ref "ISA-RF-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 12)
x_police=$(ctl partner add --partnership "$ps_x" --kind police "X police $tag")
x_council=$(ctl partner add --partnership "$ps_x" --kind council "X council $tag")
TOKEN_X_POLICE=$(ctl token issue --partner "$x_police" --roles submit,read)
TOKEN_X_COUNCIL=$(ctl token issue --partner "$x_council" --roles submit,read)
check "(fixtures made)" test -n "$p_housing" -a -n "$TOKEN_HOUSING" -a -n "$p_disabled" -a -n "$ps_x" \
    -a -n "$x_police" -a -n "$x_council" -a -n "$TOKEN_X_POLICE" -a -n "$TOKEN_X_COUNCIL" \
    -a -n "$TOKEN_POLICE_READ" -a -n "$TOKEN_POLICE_SUBMIT" -a -n "$TOKEN_COUNCIL_READ"

# ---- the agreement's acknowledgement limits ----------------------------------
eq "hub.partnership has ack_days_routine and ack_days_urgent, defaults 10 and 2" \
    "$(q "SELECT string_agg(column_name || '=' || column_default, ',' ORDER BY column_name)
            FROM information_schema.columns WHERE table_schema = 'hub' AND table_name = 'partnership'
             AND column_name IN ('ack_days_routine', 'ack_days_urgent')")" "ack_days_routine=10,ack_days_urgent=2"
eq "…the demo partnership has 10 and 2" \
    "$(q "SELECT ack_days_routine || ',' || ack_days_urgent FROM hub.partnership WHERE partnership_id = $HUB_PARTNERSHIP_DEMO")" "10,2"
eq "…so has a new one" \
    "$(q "SELECT ack_days_routine || ',' || ack_days_urgent FROM hub.partnership WHERE partnership_id = $ps_x")" "10,2"
q "UPDATE hub.partnership SET ack_days_routine = 3, ack_days_urgent = 1 WHERE partnership_id = $ps_x" >/dev/null
if [ -n "$(q "SELECT 1 FROM pg_proc WHERE proname = 'add_working_days'")" ]; then
    # Every weekday as the start, against counting Monday-Friday here.
    want="" got=""
    for s in 0 1 2 3 4 5 6; do
        d=$(date -u -d "2026-11-23 + $s day" +%F)
        for n in 1 2 5 10; do
            want+="$d+$n=$(add_wd "$d" "$n") "
            got+="$d+$n=$(q "SELECT hub.add_working_days('$d', $n)") "
        done
    done
    eq "(hub.add_working_days counts Monday-Friday from every weekday)" "$got" "$want"
fi

# ---- POST /v1/reports/{id}/referrals -----------------------------------------
report "$HUB_TOKEN_POLICE" "$tag-a"
id_a=$last_id
report "$HUB_TOKEN_POLICE" "$tag-b"
id_b=$last_id
report "$HUB_TOKEN_POLICE" "$tag-c"
id_c=$last_id
report "$HUB_TOKEN_POLICE" "$tag-d"
id_d=$last_id # never referred
report "$HUB_TOKEN_POLICE" "$tag-f"
id_f=$last_id
report "$HUB_TOKEN_POLICE" "$tag-g"
id_g=$last_id
report "$HUB_TOKEN_COUNCIL" "$tag-e"
id_e=$last_id # the council's own
check "(reports submitted)" test -n "$id_a" -a -n "$id_b" -a -n "$id_c" -a -n "$id_d" -a -n "$id_e" \
    -a -n "$id_f" -a -n "$id_g"

# The loop, step 1: police refers report A to the council, routine.
refer "$id_a" "$HUB_PARTNER_COUNCIL" housing_action routine
eq "police refers a report to the council: 201" "$code" 201
ref_a=$(jq -r .id "$R")
eq "…with Location /v1/referrals/{id}" "$(header Location)" "/v1/referrals/$ref_a"
eq "…the referral's members" "$(jq -c 'keys' "$R")" "$ref_keys"
eq "…its values" "$(jq -c '[.report_id, .from_partner, .to_partner, .reason, .urgency, .status, .decline_reason, .answered_at, .answered_in_time]' "$R")" \
    "[$id_a,$HUB_PARTNER_POLICE,$HUB_PARTNER_COUNCIL,\"housing_action\",\"routine\",\"open\",null,null,null]"
eq "…due_on is today + 10 working days" "$(jq -r .due_on "$R")" "$(add_wd "$today" 10)"
check "…created_at is set" test "$(jq -r '.created_at | type' "$R")" = string
eq "…audited as referrals.create ok" "$(audit_of)" "referrals.create,ok"
eq "…stored" "$(q "SELECT partnership_id || ',' || from_partner || ',' || to_partner || ',' || status || ',' || due_on
    FROM hub.referral WHERE referral_id = $ref_a")" \
    "$HUB_PARTNERSHIP_DEMO,$HUB_PARTNER_POLICE,$HUB_PARTNER_COUNCIL,open,$(add_wd "$today" 10)"

refer "$id_b" "$HUB_PARTNER_HEALTH" health_support urgent
eq "an urgent referral to health: 201" "$code" 201
ref_b_health=$(jq -r .id "$R")
eq "…due_on is today + 2 working days" "$(jq -r .due_on "$R")" "$(add_wd "$today" 2)"
eq "…urgent, open" "$(jq -r '.urgency + "," + .status' "$R")" "urgent,open"
refer "$id_b" "$HUB_PARTNER_COUNCIL" housing_action routine
eq "the same report to the council as well: 201" "$code" 201
ref_b_council=$(jq -r .id "$R")
refer "$id_c" "$HUB_PARTNER_COUNCIL" community_support routine
eq "report C to the council: 201" "$code" 201
ref_c=$(jq -r .id "$R")
for reason in housing_action victim_support health_support school_action police_investigation community_support other; do
    refer "$id_g" "$HUB_PARTNER_COMMUNITY" "$reason" urgent
    if [ "$code" = 201 ]; then
        ok "reason $reason is accepted"
        TOKEN=$HUB_TOKEN_COMMUNITY post "/v1/referrals/$(jq -r .id "$R")/decline" '{"reason": "other"}'
    else
        not_ok "reason $reason is accepted" "got $code $(head -c 300 "$R")"
    fi
done

# The agreement of the caller's partnership sets due_on.
report "$TOKEN_X_POLICE" "$tag-x1"
id_x1=$last_id
report "$TOKEN_X_POLICE" "$tag-x2"
id_x2=$last_id
TOKEN=$TOKEN_X_POLICE refer "$id_x1" "$x_council" victim_support routine
eq "with ack_days_routine = 3, routine due_on is today + 3 working days" "$code:$(jq -r .due_on "$R")" \
    "201:$(add_wd "$today" 3)"
ref_x1=$(jq -r .id "$R")
TOKEN=$TOKEN_X_POLICE refer "$id_x2" "$x_council" victim_support urgent
eq "with ack_days_urgent = 1, urgent due_on is today + 1 working day" "$code:$(jq -r .due_on "$R")" \
    "201:$(add_wd "$today" 1)"

# Refusals: report D (police's, never referred) unless stated.
no_report=$(q "SELECT coalesce(max(report_id), 0) + 1000 FROM hub.report")
no_partner=$(q "SELECT coalesce(max(partner_id), 0) + 1000 FROM hub.partner")
refer "$no_report" "$HUB_PARTNER_COUNCIL"
refused "referring a report that does not exist" 404 - referrals.create
keep404
refer abc "$HUB_PARTNER_COUNCIL"
refused "referring report abc" 404 - referrals.create
refer "$id_e" "$HUB_PARTNER_HEALTH"
refused "referring the council's report" 404 - referrals.create
eq "…not disclosing it" "$(grep -c "$tag-e" "$R")" 0
same404 "…the same answer as for a report that does not exist"
TOKEN=$HUB_TOKEN_COUNCIL refer "$id_a" "$HUB_PARTNER_HEALTH"
refused "the receiver referring the report on" 404 - referrals.create
same404 "…the same answer as for a report that does not exist"
TOKEN=$TOKEN_X_POLICE refer "$id_d" "$x_council"
refused "another partnership referring a demo report" 404 - referrals.create
refer "$id_d" "$HUB_PARTNER_POLICE"
refused "to_partner the owner itself" 422 /to_partner referrals.create
refer "$id_d" "$x_council"
refused "to_partner of another partnership" 422 /to_partner referrals.create
refer "$id_d" "$no_partner"
refused "to_partner unknown" 422 /to_partner referrals.create
refer "$id_d" "$p_disabled"
refused "to_partner disabled" 422 /to_partner referrals.create
refer "$id_d" "\"$HUB_PARTNER_COUNCIL\""
refused "to_partner as a string" 422 /to_partner referrals.create
for v in 0 -1 1.5 null true '{}' "[$HUB_PARTNER_COUNCIL]"; do
    refer "$id_d" "$v"
    refused "to_partner $v" 422 /to_partner referrals.create
done
post "/v1/reports/$id_d/referrals" \
    "{\"to_partner\": $HUB_PARTNER_COUNCIL, \"to_partner\": $HUB_PARTNER_HEALTH, \"reason\": \"other\", \"urgency\": \"routine\"}"
refused "to_partner twice" 400 - referrals.create
refer "$id_d" "$HUB_PARTNER_COUNCIL" housing
refused "reason housing (unknown)" 422 /reason referrals.create
refer "$id_d" "$HUB_PARTNER_COUNCIL" not_our_remit
refused "reason not_our_remit (a decline reason)" 422 /reason referrals.create
refer "$id_d" "$HUB_PARTNER_COUNCIL" housing_action asap
refused "urgency asap" 422 /urgency referrals.create
refer "$id_d" "$HUB_PARTNER_COUNCIL" housing_action Urgent
refused "urgency Urgent" 422 /urgency referrals.create
post "/v1/reports/$id_d/referrals" "{\"to_partner\": $HUB_PARTNER_COUNCIL, \"reason\": \"housing_action\"}"
refused "urgency missing" 422 /urgency referrals.create
post "/v1/reports/$id_d/referrals" '{"reason": "housing_action", "urgency": "routine"}'
refused "to_partner missing" 422 /to_partner referrals.create
post "/v1/reports/$id_d/referrals" "{\"to_partner\": $HUB_PARTNER_COUNCIL, \"urgency\": \"routine\"}"
refused "reason missing" 422 /reason referrals.create
post "/v1/reports/$id_d/referrals" \
    "{\"to_partner\": $HUB_PARTNER_COUNCIL, \"reason\": \"housing_action\", \"urgency\": \"routine\", \"note\": \"x\"}"
refused "an unknown member" 422 /note referrals.create
post "/v1/reports/$id_d/referrals" "{\"to_partner\": $HUB_PARTNER_COUNCIL, \"reason\": "
refused "malformed JSON" 400 - referrals.create
post "/v1/reports/$id_d/referrals" '[]'
refused "a body that is an array" 400 - referrals.create
call POST "/v1/reports/$id_d/referrals" -H 'Content-Type: text/plain' \
    --data-binary "{\"to_partner\": $HUB_PARTNER_COUNCIL, \"reason\": \"housing_action\", \"urgency\": \"routine\"}"
refused "Content-Type text/plain" 415 - referrals.create
eq "report D has no referral after all that" "$(rcount "$id_d")" 0
refer "$id_a" "$HUB_PARTNER_COUNCIL" victim_support urgent
refused "a second open referral to the same partner" 409 - referrals.create
eq "…report A still has one referral" "$(rcount "$id_a")" 1

# ---- what the receiver sees --------------------------------------------------
# shellcheck disable=SC2317 # called through check
has_ids() { # has_ids WANT_PRESENT WANT_ABSENT: against $R.ids
    local id
    for id in $1; do grep -qx "$id" "$R.ids" || return 1; done
    for id in $2; do grep -qx "$id" "$R.ids" && return 1; done
    return 0
}

# The loop, step 2: the council lists its incoming referrals.
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?direction=in&limit=1000&after=$((ref_a - 1))"
eq "the council lists incoming referrals: 200" "$code" 200
eq "…report A's referral is there, open" "$(jq -r --argjson id "$ref_a" '.referrals[] | select(.id == $id) | .status + "," + (.report_id | tostring)' "$R")" "open,$id_a"
eq "…each with the referral's members" "$(jq -c '[.referrals[] | keys] | unique' "$R")" "[$ref_keys]"
eq "…audited as referrals.list ok" "$(audit_of)" "referrals.list,ok"
# Step 3: the council reads the report.
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_a"
eq "the receiver GETs the referred report: 200" "$code:$(jq -r .external_ref "$R")" "200:$tag-a"
eq "…with its own referral" "$(jq -c '[.referrals[]?.id]' "$R")" "[$ref_a]"
eq "…and no outcomes yet" "$(jq -c '.outcomes' "$R")" "[]"
for who in HEALTH COMMUNITY; do
    tok=HUB_TOKEN_$who
    TOKEN=${!tok} call GET "/v1/reports/$id_a"
    eq "${who,,} (no referral) GETs report A: 404" "$code:$(grep -c "$tag-a" "$R")" "404:0"
done
TOKEN=$TOKEN_HOUSING call GET "/v1/reports/$id_a"
eq "housing (no referral) GETs report A: 404" "$code" 404
TOKEN=$TOKEN_X_COUNCIL call GET "/v1/reports/$id_a"
eq "another partnership GETs report A: 404" "$code" 404
if walk "$HUB_TOKEN_COUNCIL" /v1/reports "" 1000 reports; then
    check "the receiver's report list includes the referred reports" has_ids "$id_a $id_b $id_c $id_e" "$id_d $id_f"
else
    not_ok "the receiver's report list includes the referred reports" "walking the pages failed"
fi
if walk "$HUB_TOKEN_HEALTH" /v1/reports "" 1000 reports; then
    check "health's report list includes B, not A" has_ids "$id_b" "$id_a $id_c $id_d"
else
    not_ok "health's report list includes B, not A" "walking the pages failed"
fi
TOKEN=$HUB_TOKEN_COUNCIL call PATCH "/v1/reports/$id_a" -H 'Content-Type: application/json' --data-binary '{"repeat": "no"}'
eq "the receiver cannot PATCH the referred report: 404" "$code" 404
eq "…audited as not_found" "$(audit_of)" "reports.amend,not_found"
TOKEN=$HUB_TOKEN_COUNCIL call DELETE "/v1/reports/$id_a"
eq "the receiver cannot DELETE it: 404" "$code" 404
eq "…unchanged, not withdrawn" "$(q "SELECT version || ',' || repeat || ',' || (withdrawn_at IS NULL) FROM hub.report WHERE report_id = $id_a")" "1,yes,true"
TOKEN=$HUB_TOKEN_COUNCIL outcome "$id_a" mediation
refused "the receiver records an outcome before accepting" 404 - outcomes.create

# ---- accept ----------------------------------------------------------------
call POST "/v1/referrals/$ref_a/accept"
refused "the sender accepts" 404 - referrals.accept
TOKEN=$HUB_TOKEN_HEALTH call POST "/v1/referrals/$ref_a/accept"
refused "a third partner accepts" 404 - referrals.accept
TOKEN=$TOKEN_X_COUNCIL call POST "/v1/referrals/$ref_a/accept"
refused "another partnership accepts" 404 - referrals.accept
no_referral=$(q "SELECT coalesce(max(referral_id), 0) + 1000 FROM hub.referral")
TOKEN=$HUB_TOKEN_COUNCIL call POST "/v1/referrals/$no_referral/accept"
refused "accepting a referral that does not exist" 404 - referrals.accept
keep404
call POST "/v1/referrals/$ref_a/accept"
same404 "…the same answer as the sender accepting"
TOKEN=$HUB_TOKEN_HEALTH call POST "/v1/referrals/$ref_a/accept"
same404 "…and as a third partner accepting"
TOKEN=$HUB_TOKEN_COUNCIL post "/v1/referrals/$no_referral/decline" '{"reason": "other"}'
refused "declining a referral that does not exist" 404 - referrals.decline
keep404
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_a/decline" '{"reason": "other"}'
refused "a third partner declines an open referral" 404 - referrals.decline
same404 "…the same answer as for one that does not exist"
TOKEN=$HUB_TOKEN_COUNCIL call POST /v1/referrals/abc/accept
refused "accepting referral abc" 404 - referrals.accept
TOKEN=$TOKEN_COUNCIL_READ call POST "/v1/referrals/$ref_a/accept"
refused "the receiver's read-only token accepts" 403 - referrals.accept
TOKEN=$HUB_TOKEN_COORDINATOR call POST "/v1/referrals/$ref_a/accept"
refused "the receiver's coordinator token (no submit) accepts" 403 - referrals.accept
# Step 4: the council accepts, in time.
TOKEN=$HUB_TOKEN_COUNCIL call POST "/v1/referrals/$ref_a/accept"
eq "the receiver accepts: 200" "$code" 200
eq "…the referral's members" "$(jq -c 'keys' "$R")" "$ref_keys"
eq "…accepted, in time" "$(jq -c '[.id, .status, .decline_reason, (.answered_at | type), .answered_in_time]' "$R")" \
    "[$ref_a,\"accepted\",null,\"string\",true]"
eq "…audited as referrals.accept ok" "$(audit_of)" "referrals.accept,ok"
eq "…stored" "$(q "SELECT status || ',' || (answered_at IS NOT NULL) FROM hub.referral WHERE referral_id = $ref_a")" "accepted,true"
TOKEN=$HUB_TOKEN_COUNCIL call POST "/v1/referrals/$ref_a/accept"
refused "accepting again" 409 - referrals.accept
TOKEN=$HUB_TOKEN_COUNCIL post "/v1/referrals/$ref_a/decline" '{"reason": "not_our_remit"}'
refused "declining an accepted referral" 409 - referrals.decline
# Whether it is answered is not disclosed to anyone but the receiver.
call POST "/v1/referrals/$ref_a/accept"
refused "the sender accepts an accepted referral" 404 - referrals.accept
TOKEN=$HUB_TOKEN_HEALTH call POST "/v1/referrals/$ref_a/accept"
refused "a third partner accepts an accepted referral" 404 - referrals.accept
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_a/decline" '{"reason": "other"}'
refused "a third partner declines an accepted referral" 404 - referrals.decline
if walk "$HUB_TOKEN_COUNCIL" /v1/reports "" 1000 reports; then
    check "the receiver's report list still includes the accepted report" has_ids "$id_a" "$id_d"
else
    not_ok "the receiver's report list still includes the accepted report" "walking the pages failed"
fi
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_a"
eq "the receiver still GETs the accepted report: 200" "$code" 200
TOKEN=$HUB_TOKEN_COUNCIL call PATCH "/v1/reports/$id_a" -H 'Content-Type: application/json' --data-binary '{"repeat": "no"}'
eq "…but cannot PATCH it: 404" "$code" 404
TOKEN=$HUB_TOKEN_COUNCIL call DELETE "/v1/reports/$id_a"
eq "…nor DELETE it: 404" "$code:$(q "SELECT version || ',' || (withdrawn_at IS NULL) FROM hub.report WHERE report_id = $id_a")" "404:1,true"

# A late answer: due_on moved into the past.
TOKEN=$HUB_TOKEN_COUNCIL call POST "/v1/referrals/$ref_b_council/accept" >/dev/null # (keeps B visible)
refer "$id_f" "$HUB_PARTNER_COUNCIL"
ref_late=$(jq -r .id "$R")
q "UPDATE hub.referral SET due_on = current_date - 3 WHERE referral_id = $ref_late" >/dev/null
TOKEN=$HUB_TOKEN_COUNCIL call POST "/v1/referrals/$ref_late/accept"
eq "accepting after due_on: 200, answered_in_time false" "$code:$(jq -c '[.status, .answered_in_time]' "$R")" '200:["accepted",false]'
TOKEN=$TOKEN_X_COUNCIL call POST "/v1/referrals/$ref_x1/accept"
eq "the other partnership's receiver accepts its own: 200" "$code:$(jq -r .status "$R")" "200:accepted"

# ---- decline ---------------------------------------------------------------
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{}'
refused "declining without a reason" 422 /reason referrals.decline
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": "bored"}'
refused "declining with an unknown reason" 422 /reason referrals.decline
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": "housing_action"}'
refused "declining with a referral reason" 422 /reason referrals.decline
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": 3}'
refused "declining with a number" 422 /reason referrals.decline
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": "not_our_remit", "note": "x"}'
refused "declining with an unknown member" 422 /note referrals.decline
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": '
refused "declining with malformed JSON" 400 - referrals.decline
post "/v1/referrals/$ref_b_health/decline" '{"reason": "not_our_remit"}'
refused "the sender declines" 404 - referrals.decline
TOKEN=$HUB_TOKEN_COUNCIL post "/v1/referrals/$ref_b_health/decline" '{"reason": "not_our_remit"}'
refused "a third partner declines" 404 - referrals.decline
TOKEN=$TOKEN_X_COUNCIL post "/v1/referrals/$ref_b_health/decline" '{"reason": "not_our_remit"}'
refused "another partnership declines" 404 - referrals.decline
TOKEN=$(ctl token issue --partner "$HUB_PARTNER_HEALTH" --roles read) \
    post "/v1/referrals/$ref_b_health/decline" '{"reason": "not_our_remit"}'
refused "the receiver's read-only token declines" 403 - referrals.decline
TOKEN=$HUB_TOKEN_HEALTH call GET "/v1/reports/$id_b"
eq "(health sees B while its referral is open)" "$code" 200
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": "not_our_remit"}'
eq "the receiver declines: 200" "$code" 200
eq "…the referral's members" "$(jq -c 'keys' "$R")" "$ref_keys"
eq "…declined, not_our_remit, in time" "$(jq -c '[.id, .status, .decline_reason, (.answered_at | type), .answered_in_time]' "$R")" \
    "[$ref_b_health,\"declined\",\"not_our_remit\",\"string\",true]"
eq "…audited as referrals.decline ok" "$(audit_of)" "referrals.decline,ok"
eq "…stored" "$(q "SELECT status || ',' || decline_reason FROM hub.referral WHERE referral_id = $ref_b_health")" "declined,not_our_remit"
TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$ref_b_health/decline" '{"reason": "other"}'
refused "declining again" 409 - referrals.decline
TOKEN=$HUB_TOKEN_HEALTH call POST "/v1/referrals/$ref_b_health/accept"
refused "accepting a declined referral" 409 - referrals.accept
TOKEN=$HUB_TOKEN_HEALTH call GET "/v1/reports/$id_b"
eq "after declining, the receiver GETs the report: 404" "$code:$(grep -c "$tag-b" "$R")" "404:0"
if walk "$HUB_TOKEN_HEALTH" /v1/reports "" 1000 reports; then
    check "…nor lists it" has_ids "" "$id_b"
else
    not_ok "…nor lists it" "walking the pages failed"
fi
TOKEN=$HUB_TOKEN_HEALTH outcome "$id_b" support_offered
refused "…nor records an outcome" 404 - outcomes.create
for reason in already_involved insufficient_information victim_declined other; do
    refer "$id_g" "$HUB_PARTNER_HEALTH" other routine
    r_id=$(jq -r .id "$R")
    TOKEN=$HUB_TOKEN_HEALTH post "/v1/referrals/$r_id/decline" "{\"reason\": \"$reason\"}"
    eq "decline reason $reason: 200" "$code:$(jq -r .decline_reason "$R")" "200:$reason"
done
TOKEN=$HUB_TOKEN_COUNCIL post "/v1/referrals/$ref_c/decline" '{"reason": "already_involved"}'
eq "the council declines report C's referral: 200" "$code:$(jq -r .status "$R")" "200:declined"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_c"
eq "…and no longer GETs C: 404" "$code" 404
refer "$id_c" "$HUB_PARTNER_COUNCIL" other urgent
eq "after a decline the report may be referred to that partner again: 201" "$code" 201
ref_c2=$(jq -r .id "$R")
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_c"
eq "…and the council sees it again: 200" "$code" 200
eq "…with both its referrals of C" "$(jq -c '[.referrals[] | [.id, .status]] | sort' "$R")" \
    "$(jq -nc "[[$ref_c, \"declined\"], [$ref_c2, \"open\"]] | sort")"

# ---- outcomes ----------------------------------------------------------------
# Step 5: the council (accepted) records mediation.
TOKEN=$HUB_TOKEN_COUNCIL outcome "$id_a" mediation "$today" yes
eq "the receiver that accepted records mediation: 201" "$code" 201
out_a=$(jq -r .id "$R")
eq "…the outcome's members" "$(jq -c 'keys' "$R")" "$out_keys"
eq "…its values" "$(jq -c '[.report_id, .partner_id, .outcome, .on, .victim_satisfied, (.created_at | type)]' "$R")" \
    "[$id_a,$HUB_PARTNER_COUNCIL,\"mediation\",\"$today\",\"yes\",\"string\"]"
eq "…audited as outcomes.create ok" "$(audit_of)" "outcomes.create,ok"
eq "…stored" "$(q "SELECT partnership_id || ',' || partner_id || ',' || outcome || ',' || on_date || ',' || victim_satisfied
    FROM hub.outcome WHERE outcome_id = $out_a")" "$HUB_PARTNERSHIP_DEMO,$HUB_PARTNER_COUNCIL,mediation,$today,yes"
TOKEN=$HUB_TOKEN_COUNCIL outcome "$id_a" charged_or_summonsed
refused "the council records a police outcome" 422 /outcome outcomes.create
outcome "$id_a" injunction
refused "police records injunction" 422 /outcome outcomes.create
outcome "$id_a" arrested
refused "an unknown outcome" 422 /outcome outcomes.create
outcome "$id_a" not_our_remit
refused "a decline reason as outcome" 422 /outcome outcomes.create
outcome "$id_a" charged_or_summonsed 2026-10-14
refused "on before the report's reported_on" 422 /on outcomes.create
outcome "$id_a" charged_or_summonsed "$tomorrow"
refused "on tomorrow" 422 /on outcomes.create
outcome "$id_a" charged_or_summonsed 2026-02-30
refused "on 2026-02-30" 422 /on outcomes.create
outcome "$id_a" charged_or_summonsed 23/11/2026
refused "on not written YYYY-MM-DD" 422 /on outcomes.create
outcome "$id_a" charged_or_summonsed "$today" maybe
refused "victim_satisfied maybe" 422 /victim_satisfied outcomes.create
outcome "$id_a" charged_or_summonsed "$today" Yes
refused "victim_satisfied Yes" 422 /victim_satisfied outcomes.create
post "/v1/reports/$id_a/outcomes" "{\"on\": \"$today\"}"
refused "outcome missing" 422 /outcome outcomes.create
post "/v1/reports/$id_a/outcomes" '{"outcome": "charged_or_summonsed"}'
refused "on missing" 422 /on outcomes.create
post "/v1/reports/$id_a/outcomes" "{\"outcome\": \"charged_or_summonsed\", \"on\": \"$today\", \"note\": \"x\"}"
refused "an unknown member" 422 /note outcomes.create
post "/v1/reports/$id_a/outcomes" '{"outcome": '
refused "malformed JSON" 400 - outcomes.create
outcome "$no_report" charged_or_summonsed
refused "an outcome for a report that does not exist" 404 - outcomes.create
keep404
outcome abc charged_or_summonsed
refused "an outcome for report abc" 404 - outcomes.create
outcome "$id_e" charged_or_summonsed
refused "police records an outcome on the council's report" 404 - outcomes.create
same404 "…the same answer as for a report that does not exist"
TOKEN=$HUB_TOKEN_HEALTH outcome "$id_a" support_offered
refused "health (no referral) records an outcome" 404 - outcomes.create
same404 "…the same answer as for a report that does not exist"
TOKEN=$HUB_TOKEN_COUNCIL outcome "$id_c" mediation
refused "the council with a declined and an open referral records an outcome" 404 - outcomes.create
TOKEN=$TOKEN_X_COUNCIL outcome "$id_a" mediation
refused "another partnership records an outcome" 404 - outcomes.create
eq "report A has one outcome after all that" "$(ocount "$id_a")" 1
outcome "$id_a" charged_or_summonsed 2026-10-15
eq "the owner records an outcome on reported_on itself: 201" "$code:$(jq -r '.partner_id, .on' "$R" | paste -sd,)" \
    "201:$HUB_PARTNER_POLICE,2026-10-15"
out_a_police=$(jq -r .id "$R")
outcome "$id_a" case_closed
eq "…victim_satisfied is optional: 201" "$code" 201
out_a_police2=$(jq -r .id "$R")
for s in no unknown; do
    outcome "$id_d" victim_supported "$today" "$s"
    eq "victim_satisfied $s: 201" "$code:$(jq -r .victim_satisfied "$R")" "201:$s"
done
for c in charged_or_summonsed out_of_court_disposal community_resolution evidential_difficulties \
    no_suspect_identified victim_supported victim_declined_support case_closed; do
    outcome "$id_d" "$c"
    eq "police may record $c" "$code" 201
done
for c in warning acceptable_behaviour_agreement injunction tenancy_enforcement mediation victim_moved \
    security_measures support_offered specialist_referral; do
    outcome "$id_d" "$c"
    refused "police may not record $c" 422 /outcome outcomes.create
done

# Outcome kinds: housing, community and health accept referrals of report F.
for who in HOUSING COMMUNITY HEALTH; do
    case $who in
    HOUSING) to=$p_housing tok=$TOKEN_HOUSING ;;
    COMMUNITY) to=$HUB_PARTNER_COMMUNITY tok=$HUB_TOKEN_COMMUNITY ;;
    HEALTH) to=$HUB_PARTNER_HEALTH tok=$HUB_TOKEN_HEALTH ;;
    esac
    refer "$id_f" "$to"
    r_id=$(jq -r .id "$R")
    TOKEN=$tok call POST "/v1/referrals/$r_id/accept"
    eq "${who,,} accepts a referral of F: 200" "$code" 200
done
TOKEN=$TOKEN_HOUSING outcome "$id_f" tenancy_enforcement
eq "housing records tenancy_enforcement: 201" "$code:$(jq -r .partner_id "$R")" "201:$p_housing"
TOKEN=$TOKEN_HOUSING outcome "$id_f" victim_supported
eq "housing records victim_supported (all): 201" "$code" 201
TOKEN=$TOKEN_HOUSING outcome "$id_f" support_offered
refused "housing records support_offered" 422 /outcome outcomes.create
TOKEN=$TOKEN_HOUSING outcome "$id_f" community_resolution
refused "housing records community_resolution" 422 /outcome outcomes.create
TOKEN=$HUB_TOKEN_HEALTH outcome "$id_f" support_offered
eq "health records support_offered: 201" "$code" 201
TOKEN=$HUB_TOKEN_HEALTH outcome "$id_f" specialist_referral
eq "health records specialist_referral: 201" "$code" 201
TOKEN=$HUB_TOKEN_HEALTH outcome "$id_f" mediation
refused "health records mediation" 422 /outcome outcomes.create
TOKEN=$HUB_TOKEN_COMMUNITY outcome "$id_f" victim_declined_support
eq "community records victim_declined_support (all): 201" "$code" 201
TOKEN=$HUB_TOKEN_COMMUNITY outcome "$id_f" warning
refused "community records warning" 422 /outcome outcomes.create
TOKEN=$HUB_TOKEN_COMMUNITY outcome "$id_f" support_offered
refused "community records support_offered" 422 /outcome outcomes.create
TOKEN=$HUB_TOKEN_COUNCIL outcome "$id_f" warning
eq "the council (accepted late) records warning: 201" "$code" 201

# ---- the report shows its referrals and outcomes -----------------------------
# Step 6: police GETs report A.
call GET "/v1/reports/$id_a"
eq "the owner GETs report A: 200" "$code" 200
eq "…its referral, accepted" "$(jq -c '[.referrals[] | [.id, .to_partner, .status]]' "$R")" \
    "[[$ref_a,$HUB_PARTNER_COUNCIL,\"accepted\"]]"
eq "…every outcome" "$(jq -c '[.outcomes[].id] | sort' "$R")" "$(jq -nc "[$out_a, $out_a_police, $out_a_police2] | sort")"
eq "…the council's mediation among them" \
    "$(jq -c --argjson id "$out_a" '[.outcomes[] | select(.id == $id) | [.partner_id, .outcome]]' "$R")" \
    "[[$HUB_PARTNER_COUNCIL,\"mediation\"]]"
eq "…outcomes with the outcome's members" "$(jq -c '[.outcomes[] | keys] | unique' "$R")" "[$out_keys]"
eq "…referrals with the referral's members" "$(jq -c '[.referrals[] | keys] | unique' "$R")" "[$ref_keys]"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_a"
eq "the receiver sees only its own outcome" "$(jq -c '[.outcomes[].id]' "$R")" "[$out_a]"
call GET "/v1/reports/$id_b"
eq "the owner sees all of B's referrals" "$(jq -c '[.referrals[].id] | sort' "$R")" \
    "$(jq -nc "[$ref_b_health, $ref_b_council] | sort")"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_b"
eq "the council sees only its own referral of B" "$code:$(jq -c '[.referrals[].id]' "$R")" "200:[$ref_b_council]"
call GET "/v1/reports/$id_f"
eq "the owner sees all of F's outcomes" "$(jq -c '[.outcomes[].id] | length' "$R")" "$(ocount "$id_f")"
eq "…and its referrals" "$(jq -c '[.referrals[].id] | length' "$R")" "$(rcount "$id_f")"
TOKEN=$HUB_TOKEN_HEALTH call GET "/v1/reports/$id_f"
eq "health sees only its own outcomes of F" "$(jq -c "[.outcomes[].partner_id] | unique" "$R"):$(jq '.outcomes | length' "$R")" \
    "[$HUB_PARTNER_HEALTH]:2"
eq "…and only its own referral of F" "$(jq -c "[.referrals[].to_partner] | unique" "$R"):$(jq '.referrals | length' "$R")" \
    "[$HUB_PARTNER_HEALTH]:1"
call GET "/v1/reports/$id_d"
eq "a report never referred has referrals []" "$code:$(jq -c .referrals "$R")" "200:[]"

# ---- GET /v1/referrals ---------------------------------------------------------
# db_refs WHERE: the demo partnership's referral ids matching WHERE, in order.
db_refs() { q "SELECT referral_id FROM hub.referral WHERE partnership_id = $HUB_PARTNERSHIP_DEMO AND ($1) ORDER BY referral_id"; }
# listed NAME TOKEN QUERY WHERE [LIMIT]: the pages of QUERY are exactly WHERE.
listed() {
    if walk "$2" /v1/referrals "$3" "${5:-1000}" referrals; then
        db_refs "$4" >"$R.db"
        if cmp -s "$R.ids" "$R.db"; then
            ok "$1 ($(wc -l <"$R.ids") referrals)"
        else
            not_ok "$1" "listed $(wc -l <"$R.ids"), expected $(wc -l <"$R.db"): $(diff "$R.db" "$R.ids" | head -5 | tr '\n' ' ')"
        fi
    else
        not_ok "$1" "walking the pages failed"
    fi
}
C=$HUB_PARTNER_COUNCIL P=$HUB_PARTNER_POLICE
listed "the council's incoming, by default" "$HUB_TOKEN_COUNCIL" "" "to_partner = $C"
check "…A, B and C in, health's of B out" has_ids "$ref_a $ref_b_council $ref_c $ref_c2" "$ref_b_health"
listed "direction=in" "$HUB_TOKEN_COUNCIL" "direction=in" "to_partner = $C"
listed "direction=in in pages of 1" "$HUB_TOKEN_COUNCIL" "direction=in" "to_partner = $C" 1
listed "direction=in in pages of 2" "$HUB_TOKEN_COUNCIL" "direction=in" "to_partner = $C" 2
listed "the council's outgoing" "$HUB_TOKEN_COUNCIL" "direction=out" "from_partner = $C"
check "…none of police's" has_ids "" "$ref_a $ref_b_council $ref_c"
listed "police's outgoing" "$HUB_TOKEN_POLICE" "direction=out" "from_partner = $P"
check "…all of this run's" has_ids "$ref_a $ref_b_health $ref_b_council $ref_c $ref_c2 $ref_late" ""
listed "police's outgoing in pages of 3" "$HUB_TOKEN_POLICE" "direction=out" "from_partner = $P" 3
listed "police's incoming" "$HUB_TOKEN_POLICE" "direction=in" "to_partner = $P"
check "…none it sent" has_ids "" "$ref_a $ref_b_health"
listed "police's read-only token lists too" "$TOKEN_POLICE_READ" "direction=out" "from_partner = $P"
listed "health's incoming" "$HUB_TOKEN_HEALTH" "direction=in" "to_partner = $HUB_PARTNER_HEALTH"
check "…B's declined one in, the council's out" has_ids "$ref_b_health" "$ref_a $ref_b_council"
for st in open accepted declined; do
    listed "the council's incoming, status=$st" "$HUB_TOKEN_COUNCIL" "direction=in&status=$st" "to_partner = $C AND status = '$st'"
    listed "police's outgoing, status=$st" "$HUB_TOKEN_POLICE" "direction=out&status=$st" "from_partner = $P AND status = '$st'"
done
check "…C's new (open) referral is not among the declined" has_ids "" "$ref_c2"
listed "status=open alone is incoming" "$HUB_TOKEN_COUNCIL" "status=open" "to_partner = $C AND status = 'open'"
check "…holds C's new referral" has_ids "$ref_c2" "$ref_c $ref_a"
if walk "$TOKEN_X_POLICE" /v1/referrals "direction=out" 1000 referrals; then
    eq "another partnership lists only its own" "$(paste -sd, "$R.ids")" \
        "$(q "SELECT string_agg(referral_id::text, ',' ORDER BY referral_id) FROM hub.referral WHERE from_partner = $x_police")"
else
    not_ok "another partnership lists only its own" "walking the pages failed"
fi
if walk "$TOKEN_X_COUNCIL" /v1/referrals "direction=in" 1000 referrals; then
    check "…none of the demo partnership's" has_ids "$ref_x1" "$ref_a $ref_b_council $ref_c"
else
    not_ok "…none of the demo partnership's" "walking the pages failed"
fi
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?direction=in&limit=1000"
eq "a page that is not full has next null" "$code:$(jq -c .next "$R")" "200:null"
n_in=$(db_refs "to_partner = $C" | wc -l)
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?direction=in&limit=1"
eq "limit=1: one referral, next its id" "$code:$(jq -c '[(.referrals | length), .next == .referrals[0].id]' "$R")" "200:[1,true]"
eq "…the first" "$(jq -r '.referrals[0].id' "$R")" "$(db_refs "to_partner = $C" | head -1)"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?direction=in&after=$ref_a&limit=1000"
eq "after=id starts after it" "$(jq -r '.referrals[].id' "$R" | paste -sd,)" \
    "$(db_refs "to_partner = $C AND referral_id > $ref_a" | paste -sd,)"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?direction=in"
eq "the default limit is 100" "$code:$(jq '.referrals | length' "$R")" "200:$((n_in < 100 ? n_in : 100))"
for bad in direction=sideways direction=IN direction= status=closed status=OPEN status= limit=0 limit=1001 \
    limit=x limit=-1 after=-1 after=x; do
    TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?$bad"
    refused "GET /v1/referrals?$bad" 400 - referrals.list
done

# ---- roles and credentials ---------------------------------------------------
refer "$id_g" "$p_housing" other routine
ref_g=$(jq -r .id "$R")
for who in PUBLIC NONE READ; do
    case $who in
    PUBLIC) tok=$HUB_TOKEN_PUBLIC want=403 noauth= ;;
    NONE) tok=x want=401 noauth=1 ;;
    READ) tok=$TOKEN_POLICE_READ want=403 noauth= ;;
    esac
    name=${who,,}
    [ "$who" = NONE ] && name="no credential"
    [ "$who" = READ ] && name="a read-only token"
    NOAUTH=$noauth TOKEN=$tok refer "$id_d" "$HUB_PARTNER_COUNCIL"
    refused "$name: POST /v1/reports/{id}/referrals" "$want" - referrals.create
    NOAUTH=$noauth TOKEN=$tok outcome "$id_d" victim_supported
    refused "$name: POST /v1/reports/{id}/outcomes" "$want" - outcomes.create
    [ "$who" = READ ] && tok=$(ctl token issue --partner "$p_housing" --roles read) # the receiver's
    NOAUTH=$noauth TOKEN=$tok call POST "/v1/referrals/$ref_g/accept"
    refused "$name: POST /v1/referrals/{id}/accept" "$want" - referrals.accept
    NOAUTH=$noauth TOKEN=$tok post "/v1/referrals/$ref_g/decline" '{"reason": "other"}'
    refused "$name: POST /v1/referrals/{id}/decline" "$want" - referrals.decline
    if [ "$who" != READ ]; then
        NOAUTH=$noauth TOKEN=$tok call GET /v1/referrals
        refused "$name: GET /v1/referrals" "$want" - referrals.list
        NOAUTH=$noauth TOKEN=$tok call GET "/v1/referrals?direction=out"
        refused "$name: GET /v1/referrals?direction=out" "$want" - referrals.list
    fi
done
TOKEN=$TOKEN_POLICE_SUBMIT call GET /v1/referrals
refused "a submit-only token: GET /v1/referrals" 403 - referrals.list
TOKEN=$TOKEN_POLICE_SUBMIT refer "$id_d" "$HUB_PARTNER_COMMUNITY" community_support routine
eq "…but it refers (201)" "$code" 201
TOKEN=$HUB_TOKEN_COORDINATOR refer "$id_e" "$HUB_PARTNER_HEALTH"
refused "the coordinator token (read, coordinate) refers" 403 - referrals.create
TOKEN=$HUB_TOKEN_COORDINATOR call GET /v1/referrals
eq "…but lists (200)" "$code" 200
eq "the referral to housing is still open" "$(q "SELECT status FROM hub.referral WHERE referral_id = $ref_g")" open
code=$(status_of "$URL/v1/reports/$id_d/referrals" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE" \
    -H 'Content-Type: application/json' --data-binary "{\"to_partner\": $HUB_PARTNER_HEALTH, \"reason\": \"other\", \"urgency\": \"routine\"}")
eq "the police client certificate refers (201)" "$code" 201

# ---- concurrent calls ----------------------------------------------------------
# par N OUT METHOD PATH TOKEN [BODY]: N identical calls at once; their statuses,
# sorted, to OUT.
par() {
    local n=$1 out=$2 method=$3 path=$4 token=$5 body=${6:-} i args=() pids=()
    [ -n "$body" ] && args=(-H 'Content-Type: application/json' --data-binary "$body")
    for i in $(seq "$n"); do
        hcurl -o /dev/null -w '%{http_code}\n' -X "$method" -H "Authorization: Bearer $token" \
            "${args[@]}" "$URL$path" >"$out.$i" &
        pids+=($!)
    done
    wait "${pids[@]}" # not a bare wait: hubd is a child too
    cat "$out".* | sort | paste -sd, >"$out"
    rm -f "$out".*
}
report "$HUB_TOKEN_POLICE" "$tag-h"
id_h=$last_id
par 6 "$R.par" POST "/v1/reports/$id_h/referrals" "$HUB_TOKEN_POLICE" \
    "{\"to_partner\": $HUB_PARTNER_COMMUNITY, \"reason\": \"community_support\", \"urgency\": \"urgent\"}"
eq "6 concurrent referrals of one report to one partner: one 201, five 409" "$(cat "$R.par")" "201,409,409,409,409,409"
eq "…one stored" "$(rcount "$id_h")" 1
ref_h=$(q "SELECT referral_id FROM hub.referral WHERE report_id = $id_h")
pids=()
for i in 1 2 3; do
    hcurl -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $HUB_TOKEN_COMMUNITY" \
        "$URL/v1/referrals/$ref_h/accept" >"$R.par.a$i" &
    pids+=($!)
    hcurl -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $HUB_TOKEN_COMMUNITY" \
        -H 'Content-Type: application/json' --data-binary '{"reason": "other"}' \
        "$URL/v1/referrals/$ref_h/decline" >"$R.par.d$i" &
    pids+=($!)
done
wait "${pids[@]}"
eq "3 accepts and 3 declines at once: one 200, five 409" "$(cat "$R".par.[ad]* | sort | paste -sd,)" "200,409,409,409,409,409"
won=$(grep -l 200 "$R".par.[ad]* | sed 's/.*\.par\.\(.\).*/\1/')
eq "…the stored status is the winner's" "$(q "SELECT status FROM hub.referral WHERE referral_id = $ref_h")" \
    "$([ "$won" = a ] && echo accepted || echo declined)"
rm -f "$R".par.*

# ---- the whole loop, from a fresh report ---------------------------------------
report "$HUB_TOKEN_POLICE" "$tag-loop"
id_l=$last_id
refer "$id_l" "$HUB_PARTNER_COUNCIL" housing_action routine
ref_l=$(jq -r .id "$R")
loop="$code"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/referrals?direction=in&status=open&after=$((ref_l - 1))&limit=1"
loop+=",$code:$(jq -r '.referrals[0].id == '"$ref_l"' and .referrals[0].status == "open"' "$R")"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_l"
loop+=",$code"
TOKEN=$HUB_TOKEN_COUNCIL call POST "/v1/referrals/$ref_l/accept"
loop+=",$code:$(jq -r .answered_in_time "$R")"
TOKEN=$HUB_TOKEN_COUNCIL outcome "$id_l" mediation "$today" yes
loop+=",$code"
call GET "/v1/reports/$id_l"
loop+=",$code:$(jq -c '[(.referrals | map(.status)), (.outcomes | map(.outcome))]' "$R")"
eq "the loop: refer, list, read, accept in time, mediation, the owner sees both" "$loop" \
    '201,200:true,200,200:true,201,200:[["accepted"],["mediation"]]'

stop_hubd
eq "hubd exits 0" "$?" 0
check "no sanitizer reports" sanitizer_clean
exit 0
