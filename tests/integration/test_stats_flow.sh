#!/usr/bin/env bash
# The flow statistics (GET /v1/stats/repeat, /referrals, /outcomes) on data
# this suite makes through the API in a partnership of its own, with every
# expected figure worked out by hand below: a partner's own figures exact,
# joint figures disclosure-controlled (no count from 1 to 4 published, a
# share or median on a hidden count or on fewer than 5 items hidden too,
# public credentials joint only), the cross-agency match of pseudonyms,
# a referral answered late and one overdue, every bad parameter named.
# Runs twice against the same database: each run makes its own partnership.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=sf${RANDOM}q$RANDOM
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
start_hubd HUB_STATS_REFRESH=200ms || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Stats flow $tag" --isa-ref "ISA-SF-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "Flow police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "Flow council $tag")
health=$(ctl partner add --partnership "$ps" --kind health "Flow health $tag")
police2=$(ctl partner add --partnership "$ps" --kind police "Flow police two $tag")
TOKEN_P=$(ctl token issue --partner "$police" --roles submit,read)
TOKEN_C=$(ctl token issue --partner "$council" --roles submit,read)
TOKEN_H=$(ctl token issue --partner "$health" --roles submit,read)
TOKEN_P2=$(ctl token issue --partner "$police2" --roles submit,read)
TOKEN_PUB=$(ctl token issue --public --partnership "$ps")
check "(fixtures made)" test -n "$ps" -a -n "$police2" -a -n "$TOKEN_PUB"

# ---- the data --------------------------------------------------------------
# All reports occur in January to March 2025 and were reported on
# 2025-04-20; white_british unless said. A subject_key is a pseudonym.
#   police p1..p5    subjects A1..A5, one report each          repeat yes
#   police p6..p9    subjects B1, B1, B2, B2 (two reports each) repeat no
#   police p10..p15  subjects M1..M6                            repeat no
#   police p17..p20  no subject, asian_pakistani                yes, yes, no, no
#   council c1..c6   subjects M1..M6 (the police's too)         c1 yes, the rest unknown
# So: reports 25 (police 19, council 6); repeat yes 8 (white 6, asian 2),
# not 17 (white 15, asian 2). Subjects 13: one partner 7 (A1..A5, B1, B2),
# several partners of one kind 0, several kinds 6 (M1..M6).
key() { printf '%s-%s' "$1" "$tag" | sha256sum | cut -c1-64; }
report() { # report REF ETHNIC REPEAT [SUBJECT]
    jq -nc --arg ref "$tag-$1" --arg g "$2" --arg rep "$3" --arg k "${4:+$(key "$4")}" \
        --arg d "2025-0$((1 + ${1//[!0-9]/} % 3))-15" '
        {protocol: "harassment-report/1", external_ref: $ref, occurred_from: $d,
         reported_on: "2025-04-20", area: "E01000001", location_type: "street",
         strands: ["race"], incident_types: ["verbal_abuse"],
         victim: {ethnic_group: $g, age_band: "25-34", sex: "female"},
         repeat: $rep, channel: "online"} + (if $k == "" then {} else {subject_key: $k} end)'
}
batch() { # batch TOKEN REPORTS...: ids in order into $R.ids
    local token=$1
    shift
    code=$(printf '%s\n' "$@" | jq -sc . | hcurl -o "$R" -w '%{http_code}' \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary @- "$URL/v1/reports/batch?atomic=true")
    jq -r '.items[].id' "$R" >"$R.ids"
    [ "$code" = 200 ] && [ "$(jq '[.items[].status] | unique' -c "$R")" = "[201]" ]
}
pr=()
for i in 1 2 3 4 5; do pr+=("$(report "p$i" white_british yes "A$i")"); done
for i in 6 7 8 9; do pr+=("$(report "p$i" white_british no "B$(((i - 4) / 2))")"); done
for i in 10 11 12 13 14 15; do pr+=("$(report "p$i" white_british no "M$((i - 9))")"); done
pr+=("$(report p17 asian_pakistani yes)" "$(report p18 asian_pakistani yes)")
pr+=("$(report p19 asian_pakistani no)" "$(report p20 asian_pakistani no)")
check "police's 19 reports stored" batch "$TOKEN_P" "${pr[@]}"
mapfile -t P <"$R.ids" # P[0] is p1 … P[14] is p15, P[15..18] are p17..p20
cr=("$(report c1 white_british yes M1)")
for i in 2 3 4 5 6; do cr+=("$(report "c$i" white_british unknown "M$i")"); done
check "council's 6 reports stored" batch "$TOKEN_C" "${cr[@]}"
mapfile -t C <"$R.ids"

# Referrals. Police refers p1..p8 to the council, which accepts p1..p6 and
# declines p7, p8 (all in time); p9..p11 to health, which accepts p9 after
# its due date (late), p10 in time, and leaves p11 open past its due date
# (overdue). The council refers c1 to the police: open, not yet due.
#   referrals 12: accepted 8, declined 2, open 2; in time 9, late 1,
#   overdue 1, not yet due 1; due 11; reports referred 12 of 25.
# call TOKEN METHOD PATH [BODY]: status to stdout, body to $R.
call() {
    local body=()
    [ -n "${4:-}" ] && body=(-H 'Content-Type: application/json' --data "$4")
    hcurl -o "$R" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" "${body[@]}" "$URL$3"
}
refer() { # refer TOKEN REPORT TO: the referral's id
    call "$1" POST "/v1/reports/$2/referrals" "{\"to_partner\":$3,\"reason\":\"victim_support\",\"urgency\":\"routine\"}" >/dev/null
    jq -r .id "$R"
}
overdue_now() { q "UPDATE hub.referral SET due_on = (now() AT TIME ZONE 'UTC')::date - 1 WHERE referral_id = $1" >/dev/null; }
codes=""
for i in 0 1 2 3 4 5; do
    f=$(refer "$TOKEN_P" "${P[$i]}" "$council")
    codes+=$(call "$TOKEN_C" POST "/v1/referrals/$f/accept")
done
for i in 6 7; do
    f=$(refer "$TOKEN_P" "${P[$i]}" "$council")
    codes+=$(call "$TOKEN_C" POST "/v1/referrals/$f/decline" '{"reason":"not_our_remit"}')
done
f=$(refer "$TOKEN_P" "${P[8]}" "$health")
overdue_now "$f"
codes+=$(call "$TOKEN_H" POST "/v1/referrals/$f/accept")
f=$(refer "$TOKEN_P" "${P[9]}" "$health")
codes+=$(call "$TOKEN_H" POST "/v1/referrals/$f/accept")
f=$(refer "$TOKEN_P" "${P[10]}" "$health")
overdue_now "$f"
refer "$TOKEN_C" "${C[0]}" "$police" >/dev/null
eq "(referrals made and answered)" "$codes" "$(printf '200%.0s' 1 2 3 4 5 6 7 8 9 10)"
eq "(12 referrals)" "$(q "SELECT count(*) FROM hub.referral WHERE partnership_id = $ps")" 12

# Outcomes (reported_on 2025-04-20; days to each partner's first outcome):
#   police  victim_supported on p1..p6 after 2, 4, 6, 8, 10, 12 days;
#           satisfied yes, yes, yes, no, no, no
#   council warning on p1..p5 after 20 days; yes, yes, yes, no, no
#   health  support_offered on p9 after 30 days; yes
# outcomes 12 (white_british all): victim_supported 6, warning 5,
# support_offered 1; satisfied 7, not 5, unanswered 0. The first outcome
# of anyone: p1..p6 after 2..12 days, p9 after 30: median of
# 2 4 6 8 10 12 30 is 8. Own: police 7 (median of 2..12), council 20, health 30.
# The council's accepted referrals with its outcome: 5 of 6; health's 1 of 2.
outcome() { # outcome TOKEN REPORT CODE DAYS SATISFIED
    call "$1" POST "/v1/reports/$2/outcomes" \
        "{\"outcome\":\"$3\",\"on\":\"$(date -d "2025-04-20 + $4 days" +%F)\",\"victim_satisfied\":\"$5\"}"
}
codes=""
sat=(yes yes yes no no no)
for i in 0 1 2 3 4 5; do codes+=$(outcome "$TOKEN_P" "${P[$i]}" victim_supported $((2 * i + 2)) "${sat[$i]}"); done
for i in 0 1 2 3 4; do codes+=$(outcome "$TOKEN_C" "${P[$i]}" warning 20 "${sat[$i]}"); done
codes+=$(outcome "$TOKEN_H" "${P[8]}" support_offered 30 yes)
eq "(12 outcomes recorded)" "$codes" "$(printf '201%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)"

# get TOKEN ENDPOINT QUERY: into $R; the status.
get() { hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL/v1/stats/$2?from=2025-01&to=2025-03${3:+&$3}"; }
# until_eq TOKEN ENDPOINT QUERY JQ WANT: waits (up to 10 s) for the refresher.
until_eq() {
    for _ in $(seq 50); do
        get "$1" "$2" "$3" >/dev/null
        [ "$(jq -c "$4" "$R")" = "$5" ] && return 0
        sleep 0.2
    done
    return 1
}
check "the rollups take the flow in (12 outcomes)" \
    until_eq "$TOKEN_P" outcomes "" '.total.count' 12

# ---- repeat -----------------------------------------------------------------
# n: a count, or S when suppressed; sh: a share to 3 places, - for none, S when suppressed.
counts='def n: if .suppressed then "S" else .count end;
        def sh: if .suppressed then "S" elif .value == null then "-" else (.value * 1000 | round / 1000) end;'
get "$TOKEN_P" repeat "scope=own" >/dev/null
eq "repeat, police's own: yes 7, not 12 of 19, share 0.368, exact" \
    "$(jq -c "$counts"'.as_reported | [(.repeat_yes, .not_repeat, .reports | n), (.repeat_share | sh)]' "$R"),$(jq -r .disclosure.method "$R")" \
    '[7,12,19,0.368],none'
eq "…no cross-agency figures in own scope" "$(jq -c .cross_agency "$R")" null
get "$TOKEN_C" repeat "scope=own" >/dev/null
eq "repeat, council's own: yes 1 of 6, exact" \
    "$(jq -c "$counts"'.as_reported | [(.repeat_yes, .not_repeat, .reports | n), (.repeat_share | sh)]' "$R")" '[1,5,6,0.167]'
for token in TOKEN_P TOKEN_PUB; do
    eq "repeat, joint ($token): 200" "$(get "${!token}" repeat)" 200
    eq "…yes 8, not 17 of 25, share 0.32" \
        "$(jq -c "$counts"'.as_reported | [(.repeat_yes, .not_repeat, .reports | n), (.repeat_share | sh)]' "$R")" '[8,17,25,0.32]'
    eq "…13 subjects: 7 seen by one partner, 6 by several (all of several kinds)" \
        "$(jq -c "$counts"'.cross_agency | [(.subjects, .one_partner, .multi_partner, .multi_partner_one_kind, .multi_kind | n), (.multi_partner_share | sh)]' "$R")" \
        '[13,7,6,0,6,0.462]'
done
eq "…counts only: no id, no hash, no pseudonym in the answer" \
    "$(grep -cE "$(key M1)|subject_hash|report_id|\"id\"" "$R")" 0
get "$TOKEN_PUB" repeat "group=ethnic_group_high" >/dev/null
eq "repeat by high-level group, public: white 6 of 21 and asian 2 of 4 hidden" \
    "$(jq -c "$counts"'[.as_reported.groups[] | select(.ethnic_group_high == "white" or .ethnic_group_high == "asian") | [.ethnic_group_high, (.repeat_yes, .not_repeat, .reports | n), (.repeat_share | sh)]]' "$R")" \
    '[["asian","S","S","S","S"],["white","S","S","S","S"]]'
eq "…the asian group's counts suppressed as small" \
    "$(jq -c '[.as_reported.groups[] | select(.ethnic_group_high == "asian") | .repeat_yes.reason, .reports.reason]' "$R")" '["small","small"]'
eq "…the totals still published: 8, 17, 25" "$(jq -c "$counts"'[.as_reported | .repeat_yes, .not_repeat, .reports | n]' "$R")" '[8,17,25]'
get "$TOKEN_P" repeat "group=ethnic_group_high&scope=own" >/dev/null
eq "…the police's own by high-level group: asian 2 of 4, white 5 of 15, exact" \
    "$(jq -c '[.as_reported.groups[] | select(.reports.count > 0) | [.ethnic_group_high, .repeat_yes.count, .reports.count]]' "$R")" \
    '[["asian",2,4],["white",5,15]]'
get "$TOKEN_P" repeat "group=strand&strand=race" >/dev/null
eq "repeat by strand: race holds all 25" "$(jq -c '[.as_reported.groups[] | select(.strand == "race") | .reports.count]' "$R")" '[25]'
get "$TOKEN_P" repeat "group=strand&strand=race,religion&scope=own" >/dev/null
eq "…with a strand filter, the strands asked for only (own: race 19, religion 0)" \
    "$(jq -c '[.as_reported.groups[] | [.strand, .reports.count]]' "$R")" '[["race",19],["religion",0]]'
get "$TOKEN_P" repeat "ethnic_group=asian_pakistani&scope=own" >/dev/null
eq "repeat filtered by ethnic group (own): 2 of 4" "$(jq -c '[.as_reported.repeat_yes.count, .as_reported.reports.count]' "$R")" '[2,4]'

# ---- referrals ----------------------------------------------------------------
funnel='[.funnel | (.reports, .referred_reports, .referrals, .accepted, .declined, .open, .accepted_with_outcome | n), (.accepted_share, .outcome_recorded_share | sh)]'
timely='[.timeliness | (.due, .answered_in_time, .answered_late, .overdue, .not_yet_due | n), (.in_time_share | sh)]'
get "$TOKEN_C" referrals "scope=own" >/dev/null
eq "referrals, council's own (received): 8, accepted 6, declined 2, 5 with its outcome" \
    "$(jq -c "$counts$funnel" "$R")" '[6,1,8,6,2,0,5,0.75,0.833]'
eq "…all 8 answered in time" "$(jq -c "$counts$timely" "$R")" '[8,8,0,0,0,1]'
get "$TOKEN_H" referrals "scope=own" >/dev/null
eq "referrals, health's own: 3 received, 2 accepted, 1 open; 1 with its outcome" \
    "$(jq -c "$counts$funnel" "$R")" '[0,0,3,2,0,1,1,0.667,0.5]'
eq "…one in time, one late, one overdue: 1 of 3 in time" "$(jq -c "$counts$timely" "$R")" '[3,1,1,1,0,0.333]'
get "$TOKEN_P" referrals "scope=own" >/dev/null
eq "referrals, police's own: 19 reports, 11 referred; 1 received, not yet due" \
    "$(jq -c "$counts$funnel" "$R"):$(jq -c "$counts$timely" "$R")" '[19,11,1,0,0,1,0,0,"-"]:[0,0,0,0,1,"-"]'
for token in TOKEN_P TOKEN_PUB; do
    eq "referrals, joint ($token): 200" "$(get "${!token}" referrals)" 200
    eq "…reports 25, 12 referred (0.48)" \
        "$(jq -c "$counts"'[.funnel | (.reports, .referred_reports | n), (.referred_share | sh)]' "$R")" '[25,12,0.48]'
    eq "…late (1), overdue (1), not yet due (1) and open (2) hidden as small" \
        "$(jq -c '[.timeliness.answered_late.reason, .timeliness.overdue.reason, .timeliness.not_yet_due.reason, .funnel.open.reason]' "$R")" \
        '["small","small","small","small"]'
    eq "…and every share built on a hidden count hidden" \
        "$(jq -c "$counts"'[(.timeliness.due | n), (.timeliness.in_time_share | sh)]' "$R")" '["S","S"]'
done
eq "…the table of status by timeliness: 12 cells" "$(jq '.table.cells | length' "$R")" 12

# ---- outcomes ------------------------------------------------------------------
get "$TOKEN_P" outcomes "scope=own" >/dev/null
eq "outcomes, police's own: 6 victim_supported (white); 3 of 6 satisfied; median 7 days over 6" \
    "$(jq -c "$counts"'[(.row_totals[] | select(.count > 0) | [.outcome, .count]), (.satisfaction | (.yes, .no, .answered | n), (.satisfied_share | sh)), (.days_to_outcome | .median.value, .reports)]' "$R")" \
    '[["victim_supported",6],3,3,6,0.5,7,6]'
get "$TOKEN_H" outcomes "scope=own" >/dev/null
eq "outcomes, health's own: one, satisfied; median 30 over 1 (own: not hidden)" \
    "$(jq -c "$counts"'[.total.count, (.satisfaction.satisfied_share | sh), .days_to_outcome.median.value, .days_to_outcome.reports]' "$R")" '[1,1,30,1]'
for token in TOKEN_P TOKEN_PUB; do
    eq "outcomes, joint ($token): 200" "$(get "${!token}" outcomes)" 200
    eq "…12 outcomes: victim_supported 6 published, warning 5 and support_offered 1 hidden" \
        "$(jq -c "$counts"'[.total.count] + ([.row_totals[] | select(.outcome == "victim_supported" or .outcome == "warning" or .outcome == "support_offered") | [.outcome, n]] | sort)' "$R")" \
        '[12,["support_offered","S"],["victim_supported",6],["warning","S"]]'
    eq "…the white column 12" "$(jq -c '[.column_totals[] | select(.ethnic_group_high == "white") | .count]' "$R")" '[12]'
    eq "…satisfied 7 of 12 answered (0.583)" \
        "$(jq -c "$counts"'[.satisfaction | (.yes, .no, .unanswered, .answered | n), (.satisfied_share | sh)]' "$R")" '[7,5,0,12,0.583]'
    eq "…median days to first outcome 8, over 7 reports (not shown)" \
        "$(jq -c '[.days_to_outcome.median.value, .days_to_outcome.reports]' "$R")" '[8,null]'
done
get "$TOKEN_PUB" outcomes "group=ethnic_group" >/dev/null
eq "outcomes by ethnic group: 17 outcomes x 20 groups (not_stated too)" "$(jq '.cells | length' "$R")" "$((17 * 20))"
get "$TOKEN_PUB" outcomes "ethnic_group=white_british&strand=race&area=E01000001" >/dev/null
eq "…filtered to white_british, race, one area: still 12" "$(jq .total.count "$R")" 12
get "$TOKEN_PUB" outcomes "area=E01000002" >/dev/null
eq "…in an area with none: 0, no median" "$(jq -c '[.total.count, .days_to_outcome.median]' "$R")" '[0,null]'

# No count from 1 to 4 anywhere in a public answer, and a suppressed entry
# never with a count.
for ep in repeat referrals outcomes; do
    for query in "" "group=ethnic_group_high" "group=ethnic_group" "group=strand" "area=E01000001"; do
        c=$(get "$TOKEN_PUB" "$ep" "$query")
        [ "$c" = 400 ] && continue # a grouping this endpoint does not take
        eq "public $ep?$query: no small count, no value on a suppressed entry" \
            "$(jq '[.. | objects | select((.count != null and .count >= 1 and .count <= 4) or (.suppressed and (.count != null or .value != null)))] | length' "$R")" 0
    done
done

# ---- the same subject with two partners of one kind ----------------------------
# p16 (police) and q1 (the second police partner) share subject X: one
# partner 7, several of one kind 1, several kinds 6, subjects 14. The 1 is
# hidden as small; the cheapest complement in its line is the 6 (several
# kinds); "several partners" (1 + 6) is hidden with them.
check "(p16 stored)" batch "$TOKEN_P" "$(report p16 white_british no X)"
check "(q1 stored)" batch "$TOKEN_P2" "$(report q1 white_british no X)"
check "the match across two partners of one kind is counted (14 subjects)" \
    until_eq "$TOKEN_PUB" repeat "" '.cross_agency.subjects.count' 14
eq "…one kind 1 hidden (small), several kinds 6 (secondary), several partners hidden; 7 and 14 shown" \
    "$(jq -c "$counts"'.cross_agency | [(.subjects, .one_partner, .multi_partner, .multi_partner_one_kind, .multi_kind | n), .multi_partner_one_kind.reason, .multi_kind.reason, (.multi_partner_share | sh)]' "$R")" \
    '[14,7,"S","S","S","small","secondary","S"]'

# ---- a withdrawn report leaves the flow ------------------------------------------
code=$(call "$TOKEN_P" DELETE "/v1/reports/${P[5]}")
eq "(p6 withdrawn: its police outcome, 12 days)" "$code" 200
check "the outcome of a withdrawn report leaves the figures (police's own: 5)" \
    until_eq "$TOKEN_P" outcomes "scope=own" '.total.count' 5
eq "…and the police's median moves to 6 (2..10)" "$(jq .days_to_outcome.median.value "$R")" 6

# ---- bad parameters ---------------------------------------------------------------
for bad in 'repeat?group=area' 'repeat?group=month' 'repeat?group=strand,ethnic_group' 'referrals?group=strand' \
    'outcomes?group=strand' 'outcomes?incident_type=threats' 'repeat?channel=online' 'referrals?age_band=25-34' \
    'repeat?partner_kind=police' 'outcomes?from=2025-13' 'referrals?to=25' 'repeat?from=2025-06&to=2025-01' \
    'repeat?scope=all' 'outcomes?area=E02000001' 'referrals?ethnic_group=nope' 'repeat?strand=race,religion'; do
    name=${bad#*\?}
    name=${name%%=*}
    code=$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_P" "$URL/v1/stats/$bad")
    eq "$bad: 400 problem+json naming $name" "$code:$(jq -r .status "$R"):$(jq -r .detail "$R" | grep -c "$name")" "400:400:1"
done
for ep in repeat referrals outcomes; do
    eq "$ep: a public credential asking scope=own: 403" \
        "$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_PUB" "$URL/v1/stats/$ep?scope=own")" 403
    eq "$ep: no credential: 401" "$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/stats/$ep")" 401
done

# ---- the SQL contract joint targets build on ---------------------------------------
# as_app SQL: as the application role with the caller's partnership set.
as_app() { psql -X -q -tA "$HUB_APP_DB" -c "SELECT set_config('hub.partnership_id', '$ps', false)" -c "$1" | tail -n +2; }
eq "hub.stats_flow: per partner, referrals to the receiver (p6's to the council withdrawn with it)" \
    "$(as_app "SELECT string_agg(partner_id || ':' || n, ',' ORDER BY partner_id) FROM hub.stats_flow('2025-01-01', '2025-03-31', NULL, NULL, NULL) WHERE measure = 'referrals'")" \
    "$police:1,$council:7,$health:3"
eq "hub.stats_days_to_outcome: the partnership's row (p6 withdrawn: 2 4 6 8 10 30)" \
    "$(as_app "SELECT n || ':' || median_days FROM hub.stats_days_to_outcome('2025-01-01', '2025-03-31', NULL, NULL, NULL) WHERE partner_id IS NULL")" "6:7.0"
eq "hub.stats_repeat_subjects" \
    "$(as_app "SELECT subjects || ',' || multi_partner || ',' || multi_kind FROM hub.stats_repeat_subjects('2025-01-01', '2025-03-31', NULL, NULL, NULL)")" "14,7,6"
eq "…a period that is not whole months is refused" \
    "$(psql -X -tA "$HUB_APP_DB" -c "SELECT * FROM hub.stats_flow('2025-01-02', '2025-03-31', NULL, NULL, NULL)" 2>&1 | grep -c 'whole months')" 1
stop_hubd
eq "hubd exits 0" "$?" 0
[ "${HUB_BIN#*asan}" != "$HUB_BIN" ] && check "no sanitizer report" sanitizer_clean
