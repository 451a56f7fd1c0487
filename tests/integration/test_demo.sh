#!/usr/bin/env bash
# The synthetic demo data (sql/demo, demo_load in scripts/lib.sh): loaded
# into a partnership of its own, because the suites share one database and
# others count the demo partnership's reports and referrals. Checks the
# amounts, the dates, every code written against api/codes (read here from
# the CSV files, not from the loader), that loading twice adds nothing, that
# a second partnership gets the same data (deterministic), and what the
# partners see of it through hubd.
# Runs twice against the same database: each run makes its own partnerships.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
CODES=$ROOT/api/codes
R=$T/$SUITE.out
tag=demo${RANDOM}q$RANDOM
q() { psql -X -tA -v ON_ERROR_STOP=1 "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }

# eq NAME GOT WANT: passes when GOT is WANT, else shows both.
eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi
}
# within NAME GOT LOW HIGH: passes when the integer GOT is in LOW..HIGH.
within() {
    if [[ $2 =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
        ok "$1 ($2)"
    else
        not_ok "$1" "expected $3..$4, got '$2'"
    fi
}

# csv FILE COLUMN[,COLUMN...]: those columns of every row, joined by '|'
# (RFC 4180 quoting, as in the code lists' labels).
csv() {
    awk -v want="$2" '
    function split_csv(line, f,    i, c, n, cur, quoted) {
        n = 0; cur = ""; quoted = 0
        for (i = 1; i <= length(line); i++) {
            c = substr(line, i, 1)
            if (quoted) {
                if (c != "\"") cur = cur c
                else if (substr(line, i + 1, 1) == "\"") { cur = cur c; i++ }
                else quoted = 0
            } else if (c == "\"") quoted = 1
            else if (c == ",") { f[++n] = cur; cur = "" }
            else cur = cur c
        }
        f[++n] = cur
        return n
    }
    {
        sub(/\r$/, "")
        n = split_csv($0, f)
        if (NR == 1) {
            k = split(want, names, ",")
            for (j = 1; j <= k; j++) {
                col[j] = 0
                for (i = 1; i <= n; i++) if (f[i] == names[j]) col[j] = i
                if (!col[j]) { print "no column " names[j] > "/dev/stderr"; exit 1 }
            }
            next
        }
        out = f[col[1]]
        for (j = 2; j <= k; j++) out = out "|" f[col[j]]
        print out
    }' "$1"
}

# in_list NAME LIST_FILE SQL: every value the query returns is a line of
# LIST_FILE, and it returns some.
in_list() {
    local name=$1 list=$2 got bad
    got=$(q "$3" | sort -u)
    bad=$(comm -23 <(printf '%s\n' "$got") <(sort -u "$list") | paste -sd' ')
    if [ -z "$got" ]; then
        not_ok "$name" "the query returned nothing"
    elif [ -n "$bad" ]; then
        not_ok "$name" "not in the list: $bad"
    else
        ok "$name ($(wc -l <<<"$got") values)"
    fi
}

# ---- the code lists, from the CSV files -------------------------------------
L=$T/$SUITE-lists
mkdir -p "$L"
for list in location_type strand incident_type ethnic_group ethnic_scheme age_band sex repeat channel \
    referral_reason urgency decline_reason victim_satisfied indicator ethnic_high_level_group; do
    csv "$CODES/$list.csv" code >"$L/$list"
done
csv "$CODES/ethnic_police.csv" code,ons_code >"$L/police_pairs"
csv "$CODES/ethnic_nhs.csv" code,ons_code >"$L/nhs_pairs"
csv "$CODES/ethnic_group.csv" code,code >"$L/ons_pairs"
cat "$L/ethnic_group" "$L/ethnic_high_level_group" >"$L/indicator_groups"
# kind|outcome for every kind an outcome is allowed for ("all": every kind).
csv "$CODES/outcome.csv" code,kinds | while IFS='|' read -r code kinds; do
    [ "$kinds" = all ] && kinds="police council health housing education community other"
    for k in $kinds; do echo "$k|$code"; done
done >"$L/outcome_pairs"
# indicator|partner kind that submits it, by theme.
csv "$CODES/indicator.csv" code,theme | while IFS='|' read -r code theme; do
    case $theme in
    community_safety) echo "$code|police" ;;
    health) echo "$code|health" ;;
    *) echo "$code|council" ;;
    esac
done >"$L/indicator_partner"
csv "$CODES/indicator.csv" code,unit,per >"$L/indicator_units"
csv "$CODES/self_assessment.csv" code >"$L/question"
csv "$CODES/journey_stage.csv" code,rank >"$L/stage_ranks"
check "(code lists read)" test -s "$L/outcome_pairs" -a -s "$L/police_pairs" -a -s "$L/indicator_units" \
    -a "$(wc -l <"$L/ethnic_group")" = 20

# ---- partnerships of its own --------------------------------------------------
# new_partnership NAME DIR: a partnership with the four demo kinds of
# partner, written as DIR/demo.env the way demo_seed writes it.
new_partnership() {
    local ps k id
    mkdir -p "$2"
    ps=$(ctl partnership add "$1" --isa-ref "ISA-DD-$tag" \
        --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 72) || return 1
    {
        echo "HUB_PARTNERSHIP_DEMO=$ps"
        for k in police council health community; do
            id=$(ctl partner add --partnership "$ps" --kind "$k" "Demo data $k $tag") || return 1
            echo "HUB_PARTNER_${k^^}=$id"
        done
    } >"$2/demo.env"
}
D=$T/$SUITE-$tag
new_partnership "Demo data test $tag" "$D"
# shellcheck disable=SC1091
. "$D/demo.env"
ps=$HUB_PARTNERSHIP_DEMO police=$HUB_PARTNER_POLICE council=$HUB_PARTNER_COUNCIL
TOKEN_POLICE=$(ctl token issue --partner "$police" --roles submit,read)
TOKEN_COUNCIL=$(ctl token issue --partner "$council" --roles submit,read)
check "(partnership and tokens made)" test -n "$ps" -a -n "$TOKEN_POLICE" -a -n "$TOKEN_COUNCIL"
P="partnership_id = $ps"

# ---- loading ---------------------------------------------------------------------
t0=$(date +%s%N)
demo_load "$D" "$owner" >"$R.load" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
eq "demo_load exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/    /' "$R.load"
echo "    demo_load took $ms ms (a figure, not a check): $(grep '^demo data' "$R.load")"
eq "…the synthetic population loaded: 40 areas x 19 groups, as in the file" \
    "$(q "SELECT count(DISTINCT area) || ',' || count(*) || ',' || sum(count) FROM hub.population WHERE area LIKE 'E01099%'")" \
    "40,760,$(awk -F, 'NR > 1 { s += $3 } END { print s }' "$ROOT/sql/demo/synthetic-population.csv")"

within "about 3,000 reports" "$(q "SELECT count(*) FROM hub.report WHERE $P")" 2700 3300
eq "every one a DEMO-<KIND>-<n> of its partner's kind" \
    "$(q "SELECT count(*) FROM hub.report r JOIN hub.partner p USING (partner_id)
           WHERE r.$P AND r.external_ref !~ ('^DEMO-' || upper(p.kind) || '-[0-9]+$')")" 0
eq "police report the most, then the council, the reporting centre, health" \
    "$(q "SELECT string_agg(kind, ',' ORDER BY n DESC) FROM (SELECT p.kind, count(*) AS n
           FROM hub.report r JOIN hub.partner p USING (partner_id) WHERE r.$P GROUP BY p.kind) k")" \
    police,council,community,health
within "reported_on spans at least 700 days" \
    "$(q "SELECT max(reported_on) - min(reported_on) FROM hub.report WHERE $P")" 700 731
eq "…none after today, none before two years ago" \
    "$(q "SELECT count(*) FROM hub.report WHERE $P
           AND (reported_on > current_date OR reported_on < current_date - 731)")" 0
eq "occurred_from <= occurred_to <= reported_on; created the day reported or up to two days after" \
    "$(q "SELECT count(*) FROM hub.report WHERE $P AND NOT (occurred_from <= occurred_to
           AND occurred_to <= reported_on AND (created_at AT TIME ZONE 'UTC')::date - reported_on BETWEEN 0 AND 2
           AND updated_at = created_at AND created_at <= now())")" 0
eq "the areas are the 40 synthetic LSOAs of the population file" \
    "$(q "SELECT string_agg(DISTINCT area, ',' ORDER BY area) FROM hub.report WHERE $P")" \
    "$(csv "$ROOT/sql/demo/synthetic-population.csv" area | sort -u | paste -sd,)"
eq "…which are E01099001 to E01099040" \
    "$(csv "$ROOT/sql/demo/synthetic-population.csv" area | sort -u | sed -n '1p;$p' | paste -sd,)" \
    E01099001,E01099040
within "people reported to more than one agency (a shared subject key)" \
    "$(q "SELECT count(*) FROM (SELECT subject_hash FROM hub.report WHERE $P AND subject_hash IS NOT NULL
           GROUP BY subject_hash HAVING count(DISTINCT partner_id) > 1) s")" 100 600
within "reports without a subject key" "$(q "SELECT count(*) FROM hub.report WHERE $P AND subject_hash IS NULL")" 300 1500
within "subject keys seen once" \
    "$(q "SELECT count(*) FROM (SELECT FROM hub.report WHERE $P AND subject_hash IS NOT NULL
           GROUP BY subject_hash HAVING count(*) = 1) s")" 1000 2500
eq "content hashes are 32 bytes and all different" \
    "$(q "SELECT count(DISTINCT content_hash) = count(*) AND bool_and(length(content_hash) = 32)
           FROM hub.report WHERE $P")" t

# ---- every code written is in api/codes ----------------------------------------
in_list "location_type" "$L/location_type" "SELECT location_type FROM hub.report WHERE $P"
in_list "strands" "$L/strand" "SELECT unnest(strands) FROM hub.report WHERE $P"
in_list "incident_types" "$L/incident_type" "SELECT unnest(incident_types) FROM hub.report WHERE $P"
eq "…no array repeats an item" \
    "$(q "SELECT count(*) FROM hub.report WHERE $P AND (cardinality(strands) <> (SELECT count(DISTINCT s)
           FROM unnest(strands) s) OR cardinality(incident_types) <> (SELECT count(DISTINCT t) FROM unnest(incident_types) t))")" 0
in_list "ethnic_group" "$L/ethnic_group" "SELECT ethnic_group FROM hub.report WHERE $P"
in_list "ethnic_scheme" "$L/ethnic_scheme" "SELECT ethnic_scheme FROM hub.report WHERE $P"
in_list "police: native code and its ONS group as ethnic_police.csv maps them" "$L/police_pairs" \
    "SELECT ethnic_native || '|' || ethnic_group FROM hub.report WHERE $P AND ethnic_scheme = 'police'"
in_list "nhs: native code and its ONS group as ethnic_nhs.csv maps them" "$L/nhs_pairs" \
    "SELECT ethnic_native || '|' || ethnic_group FROM hub.report WHERE $P AND ethnic_scheme = 'nhs'"
in_list "ons2021: native code = ethnic_group, in ethnic_group.csv" "$L/ons_pairs" \
    "SELECT ethnic_native || '|' || ethnic_group FROM hub.report WHERE $P AND ethnic_scheme = 'ons2021'"
eq "scheme by partner kind: police police, health nhs, others ons2021" \
    "$(q "SELECT string_agg(DISTINCT p.kind || ':' || r.ethnic_scheme, ',') FROM hub.report r
           JOIN hub.partner p USING (partner_id) WHERE r.$P")" \
    "community:ons2021,council:ons2021,health:nhs,police:police"
in_list "age_band" "$L/age_band" "SELECT age_band FROM hub.report WHERE $P"
in_list "sex" "$L/sex" "SELECT sex FROM hub.report WHERE $P"
in_list "repeat" "$L/repeat" "SELECT repeat FROM hub.report WHERE $P"
in_list "channel" "$L/channel" "SELECT channel FROM hub.report WHERE $P"

# Disproportionality: victims per 1,000 residents of the group, against White British.
csv "$CODES/ethnic_group.csv" ons_number,code | grep -v '^|' >"$L/ons_numbers"
awk -F'[,|]' 'NR == FNR { code[$1] = $2; next } FNR > 1 { pop[code[$2]] += $3 }
    END { for (c in pop) print c "|" pop[c] }' "$L/ons_numbers" "$ROOT/sql/demo/synthetic-population.csv" >"$L/pop"
q "SELECT ethnic_group || '|' || count(*) FROM hub.report WHERE $P GROUP BY ethnic_group" >"$R.eth"
over=$(awk -F'|' 'NR == FNR { pop[$1] = $2; next } { n[$1] = $2 }
    END { wb = n["white_british"] / pop["white_british"]
          for (g in n) if (g in pop && g != "white_british" && n[g] / pop[g] >= 2 * wb) k++
          print k + 0 }' "$L/pop" "$R.eth")
within "groups reported at least twice White British's rate per resident" "$over" 8 18

# ---- referrals -------------------------------------------------------------------
n_rep=$(q "SELECT count(*) FROM hub.report WHERE $P")
n_ref=$(q "SELECT count(*) FROM hub.referral WHERE $P")
within "referrals for about a fifth of the reports (percent)" "$((100 * n_ref / (n_rep > 0 ? n_rep : 1)))" 15 25
eq "…each from the report's owner, to another partner of the partnership" \
    "$(q "SELECT count(*) FROM hub.referral f JOIN hub.report r USING (report_id)
           LEFT JOIN hub.partner t ON t.partner_id = f.to_partner AND t.partnership_id = f.partnership_id
           WHERE f.$P AND (f.from_partner <> r.partner_id OR t.partner_id IS NULL OR r.partnership_id <> f.partnership_id)")" 0
eq "…police to the council the most" \
    "$(q "SELECT fp.kind || '>' || tp.kind FROM hub.referral f JOIN hub.partner fp ON fp.partner_id = f.from_partner
           JOIN hub.partner tp ON tp.partner_id = f.to_partner WHERE f.$P
           GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")" "police>council"
in_list "referral reason" "$L/referral_reason" "SELECT reason FROM hub.referral WHERE $P"
in_list "urgency" "$L/urgency" "SELECT urgency FROM hub.referral WHERE $P"
in_list "decline_reason" "$L/decline_reason" "SELECT decline_reason FROM hub.referral WHERE $P AND status = 'declined'"
eq "made zero to seven days after the report was reported" \
    "$(q "SELECT count(*) FROM hub.referral f JOIN hub.report r USING (report_id) WHERE f.$P
           AND NOT ((f.created_at AT TIME ZONE 'UTC')::date - r.reported_on BETWEEN 0 AND 7
                    AND f.created_at > r.created_at)")" 0
eq "due_on is add_working_days(created, the agreement's days for the urgency)" \
    "$(q "SELECT count(*) FROM hub.referral f JOIN hub.partnership p USING (partnership_id) WHERE f.$P
           AND f.due_on <> hub.add_working_days((f.created_at AT TIME ZONE 'UTC')::date,
                 CASE f.urgency WHEN 'urgent' THEN p.ack_days_urgent ELSE p.ack_days_routine END)")" 0
eq "answered after made, never in the future" \
    "$(q "SELECT count(*) FROM hub.referral WHERE $P AND (answered_at <= created_at OR answered_at > now())")" 0
q "SELECT status, count(*) FILTER (WHERE (answered_at AT TIME ZONE 'UTC')::date <= due_on),
          count(*) FILTER (WHERE (answered_at AT TIME ZONE 'UTC')::date > due_on), count(*)
     FROM hub.referral WHERE $P GROUP BY status" >"$R.status"
st() { awk -F'|' -v s="$1" -v c="$2" '$1 == s { print $c }' "$R.status"; }
within "accepted referrals (percent)" "$((100 * $(st accepted 4) / (n_ref > 0 ? n_ref : 1)))" 60 85
within "declined referrals (percent)" "$((100 * $(st declined 4) / (n_ref > 0 ? n_ref : 1)))" 10 30
within "open referrals" "$(st open 4)" 5 80
within "accepted in time (percent)" "$((100 * $(st accepted 2) / $(st accepted 4)))" 75 95
within "…and some late" "$(st accepted 3)" 10 200
within "open among the last fortnight's referrals" \
    "$(q "SELECT count(*) FROM hub.referral WHERE $P AND status = 'open' AND created_at > now() - interval '14 days'")" 1 60
within "…never answered, older (percent of all, rounded up)" \
    "$(q "SELECT ceil(100.0 * count(*) / $n_ref) FROM hub.referral WHERE $P AND status = 'open'
           AND created_at <= now() - interval '14 days'")" 0 3

# ---- outcomes ----------------------------------------------------------------------
within "reports with an outcome (percent)" \
    "$(q "SELECT 100 * count(DISTINCT o.report_id) / $n_rep FROM hub.outcome o WHERE o.$P")" 45 85
in_list "outcome codes allowed for the recording partner's kind (outcome.csv kinds)" "$L/outcome_pairs" \
    "SELECT p.kind || '|' || o.outcome FROM hub.outcome o JOIN hub.partner p USING (partner_id) WHERE o.$P"
eq "…recorded by the owner or by a partner that accepted a referral" \
    "$(q "SELECT count(*) FROM hub.outcome o JOIN hub.report r USING (report_id) WHERE o.$P
           AND o.partner_id <> r.partner_id AND NOT EXISTS (SELECT FROM hub.referral f
               WHERE f.report_id = o.report_id AND f.to_partner = o.partner_id AND f.status = 'accepted')")" 0
within "…of which by receivers" \
    "$(q "SELECT count(*) FROM hub.outcome o JOIN hub.report r USING (report_id) WHERE o.$P
           AND o.partner_id <> r.partner_id")" 150 600
eq "on_date between reported_on (or the acceptance) and today" \
    "$(q "SELECT count(*) FROM hub.outcome o JOIN hub.report r USING (report_id) WHERE o.$P
           AND (o.on_date < r.reported_on OR o.on_date > current_date OR o.created_at > now())")" 0
in_list "victim_satisfied" "$L/victim_satisfied" \
    "SELECT victim_satisfied FROM hub.outcome WHERE $P AND victim_satisfied IS NOT NULL"

# ---- indicators -------------------------------------------------------------------
in_list "indicator codes" "$L/indicator" "SELECT indicator FROM hub.indicator_value WHERE $P"
eq "…every indicator of the list" \
    "$(q "SELECT count(DISTINCT indicator) FROM hub.indicator_value WHERE $P")" "$(wc -l <"$L/indicator")"
in_list "…submitted by the partner of its theme" "$L/indicator_partner" \
    "SELECT v.indicator || '|' || p.kind FROM hub.indicator_value v JOIN hub.partner p USING (partner_id) WHERE v.$P"
in_list "indicator ethnic groups: ONS codes or high-level groups" "$L/indicator_groups" \
    "SELECT ethnic_group FROM hub.indicator_value WHERE $P"
eq "area E08099001, current values" \
    "$(q "SELECT string_agg(DISTINCT area || ':' || (superseded_at IS NULL), ',') FROM hub.indicator_value WHERE $P")" \
    "E08099001:true"
# The periods: 2025 (and every later complete year), 2025-Q1 to the last complete quarter.
want_periods=$(
    y=$(date -u +%Y) qn=$((($(date -u +%-m) - 1) / 3 + 1))
    for yy in $(seq 2025 $((y - 1))); do echo "$yy"; done
    for yy in $(seq 2025 "$y"); do
        for n in 1 2 3 4; do
            [ "$yy" -lt "$y" ] || [ "$n" -lt "$qn" ] && echo "$yy-Q$n"
        done
    done
)
eq "periods: the years and the complete quarters since 2025" \
    "$(q "SELECT string_agg(DISTINCT period, ',' ORDER BY period) FROM hub.indicator_value WHERE $P")" \
    "$(sort <<<"$want_periods" | paste -sd,)"
eq "submitted after the period ended, never in the future" \
    "$(q "SELECT count(*) FROM hub.indicator_value WHERE $P AND (submitted_at::date <= period_end OR submitted_at > now())")" 0
q "SELECT indicator || '|' || value || '|' || coalesce(numerator::text, '') || '|' || coalesce(denominator::text, '')
     FROM hub.indicator_value WHERE $P" >"$R.values"
bad=$(awk -F'|' 'NR == FNR { unit[$1] = $2; per[$1] = $3; next }
    { u = unit[$1]; v = $2 + 0; n = $3; d = $4
      if (u == "percent") ok = n != "" && d > 0 && v >= 0 && v <= 100 && n + 0 <= d + 0 &&
                               (v - 100 * n / d) ^ 2 <= 0.0025 + 1e-9
      else if (u == "rate") ok = n != "" && d > 0 && v >= 0 && (v - n * per[$1] / d) ^ 2 <= 0.000025 + 1e-12
      else if (u == "count") ok = n == "" && d == "" && v == int(v) && v >= 0
      else ok = 0
      if (!ok) print }' "$L/indicator_units" "$R.values" | head -5)
eq "values fit their unit: percent 0-100 = numerator/denominator, rate per the per column, whole counts" \
    "$bad" ""
within "…percent values" "$(awk -F'|' 'NR == FNR { if ($2 == "percent") p[$1] = 1; next } $1 in p { k++ } END { print k + 0 }' \
    "$L/indicator_units" "$R.values")" 500 2000
within "visible gaps: feel_safe_after_dark 2025 by high-level group, points between best and worst" \
    "$(q "SELECT round(max(value) - min(value)) FROM hub.indicator_value WHERE $P
           AND indicator = 'feel_safe_after_dark' AND period = '2025' AND ethnic_group !~ '_'")" 4 40

# ---- joint targets and self-assessments (joint-work.sql) ---------------------------
eq "six joint targets, version 1, active, six different metrics" \
    "$(q "SELECT count(*) || ',' || count(DISTINCT definition->>'metric') || ',' || bool_and(version = 1)
                 || ',' || bool_and(NOT retired AND definition->>'state' = 'active')
            FROM hub.target WHERE $P AND superseded_at IS NULL")" "6,6,true,true"
eq "…the owners' columns are the definition's owners, lead not among the contributors" \
    "$(q "SELECT count(*) FROM hub.target WHERE $P AND ((definition->'owners'->>'lead')::bigint <> lead_partner
           OR definition->'owners'->'contributors' <> to_jsonb(contributors) OR lead_partner = ANY (contributors))")" 0
eq "…each partner leads or contributes to at least one" \
    "$(q "SELECT count(DISTINCT o) FROM hub.target t, unnest(t.contributors || t.lead_partner) o WHERE t.$P")" 4
eq "…set by the council, not later than today" \
    "$(q "SELECT count(*) FROM hub.target WHERE $P AND (changed_by <> $council OR changed_at > current_date)")" 0
eq "32 self-assessments: each of the 4 partners at 8 dates, all current" \
    "$(q "SELECT count(*) || ',' || count(DISTINCT partner_id) || ',' || count(DISTINCT assessed_on)
                 || ',' || count(*) FILTER (WHERE superseded_at IS NULL)
            FROM hub.self_assessment WHERE $P")" "32,4,8,32"
eq "…none dated or made after today" \
    "$(q "SELECT count(*) FROM hub.self_assessment WHERE $P AND (assessed_on > current_date OR created_at > now())")" 0
eq "…each answers every question of the list once" \
    "$(q "SELECT count(*) FROM (SELECT a.assessment_id FROM hub.self_assessment a
            LEFT JOIN hub.self_assessment_answer s USING (assessment_id) WHERE a.$P
            GROUP BY a.assessment_id HAVING count(DISTINCT s.question) <> $(wc -l <"$L/question")
                OR count(s.question) <> $(wc -l <"$L/question")) x")" 0
in_list "questions are those of self_assessment.csv" "$L/question" \
    "SELECT question FROM hub.self_assessment_answer WHERE $P"
cut -d'|' -f1 "$L/stage_ranks" >"$L/stage"
in_list "answers' stages are those of journey_stage.csv" "$L/stage" \
    "SELECT stage FROM hub.self_assessment_answer WHERE $P"
in_list "overall stages too" "$L/stage" "SELECT overall_stage FROM hub.self_assessment WHERE $P"
# The overall stage by the rule, computed here from the answers and the CSV
# ranks: the highest rank r such that at least 6 answers have rank >= r.
q "SELECT a.assessment_id || '|' || a.overall_stage || '|' || s.stage FROM hub.self_assessment a
     JOIN hub.self_assessment_answer s USING (assessment_id) WHERE a.$P ORDER BY 1" |
    awk -F'|' 'NR == FNR { rank[$1] = $2; name[$2] = $1; next }
        { got[$1] = $2; n[$1, rank[$3]]++ }
        END {
            bad = 0
            for (id in got) {
                want = ""
                for (r = 5; r >= 1 && want == ""; r--) {
                    c = 0
                    for (k = r; k <= 5; k++) c += n[id, k]
                    if (c >= 6) want = name[r]
                }
                if (want != got[id]) bad++
            }
            print bad
        }' "$L/stage_ranks" - >"$R.overall"
eq "…each the highest stage reached on at least 6 of the 8 questions" "$(cat "$R.overall")" 0
within "partners move along the journey: stages gained from first to last date" \
    "$(q "SELECT sum(last - first) FROM (SELECT partner_id,
            (array_agg(overall_stage ORDER BY assessed_on))[1] AS f, (array_agg(overall_stage ORDER BY assessed_on DESC))[1] AS l
            FROM hub.self_assessment WHERE $P GROUP BY partner_id) x,
          LATERAL (SELECT array_position(ARRAY['resisting','intending','starting','developing','achieving'], x.f) AS first,
                          array_position(ARRAY['resisting','intending','starting','developing','achieving'], x.l) AS last) r")" 4 16

# ---- twice, and a second partnership --------------------------------------------
counts() {
    q "SELECT (SELECT count(*) FROM hub.report WHERE $P) || ',' || (SELECT count(*) FROM hub.referral WHERE $P)
           || ',' || (SELECT count(*) FROM hub.outcome WHERE $P)
           || ',' || (SELECT count(*) FROM hub.indicator_value WHERE $P)
           || ',' || (SELECT count(*) FROM hub.target WHERE $P)
           || ',' || (SELECT count(*) FROM hub.self_assessment WHERE $P)
           || ',' || (SELECT count(*) FROM hub.self_assessment_answer WHERE $P)"
}
before=$(counts)
demo_load "$D" "$owner" >"$R.load2" 2>&1
eq "a second demo_load exits 0" "$?" 0
eq "…adds nothing" "$(counts)" "$before"
check "…and says so" grep -q 'already has DEMO- reports; nothing done' "$R.load2"
check "…for targets and self-assessments too" grep -q 'already has targets; none added' "$R.load2"
check "…the population load says every row is unchanged" grep -q '0 new, 0 changed, 760 unchanged' "$R.load2"

# digest PARTNERSHIP: everything written, less ids and subject keys (which
# are made from the partnership's id).
digest() {
    q "SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
         SELECT concat_ws('|', r.external_ref, r.occurred_from, r.occurred_to, r.reported_on, r.area,
                r.location_type, r.strands, r.incident_types, r.ethnic_group, r.ethnic_scheme,
                r.ethnic_native, r.age_band, r.sex, r.repeat, r.channel, r.subject_hash IS NULL,
                r.created_at) AS x
           FROM hub.report r WHERE r.partnership_id = $1
         UNION ALL
         SELECT concat_ws('|', r.external_ref, t.kind, f.reason, f.urgency, f.status, f.decline_reason,
                f.created_at, f.due_on, f.answered_at)
           FROM hub.referral f JOIN hub.report r USING (report_id) JOIN hub.partner t ON t.partner_id = f.to_partner
          WHERE f.partnership_id = $1
         UNION ALL
         SELECT concat_ws('|', r.external_ref, p.kind, o.outcome, o.on_date, o.victim_satisfied, o.created_at)
           FROM hub.outcome o JOIN hub.report r USING (report_id) JOIN hub.partner p ON p.partner_id = o.partner_id
          WHERE o.partnership_id = $1
         UNION ALL
         SELECT concat_ws('|', v.indicator, v.period, v.area, v.ethnic_group, v.value, v.numerator,
                v.denominator, v.submitted_at)
           FROM hub.indicator_value v WHERE v.partnership_id = $1
         UNION ALL
         SELECT concat_ws('|', t.definition - 'owners', l.kind,
                (SELECT string_agg(c.kind, ',' ORDER BY o.i) FROM unnest(t.contributors) WITH ORDINALITY o(id, i)
                   JOIN hub.partner c ON c.partner_id = o.id), t.changed_at)
           FROM hub.target t JOIN hub.partner l ON l.partner_id = t.lead_partner WHERE t.partnership_id = $1
         UNION ALL
         SELECT concat_ws('|', p.kind, a.assessed_on, a.overall_stage, a.created_at, s.question, s.stage, s.evidence)
           FROM hub.self_assessment a JOIN hub.partner p USING (partner_id)
           JOIN hub.self_assessment_answer s USING (assessment_id) WHERE a.partnership_id = $1) d"
}
D2=$T/$SUITE-$tag-2
new_partnership "Demo data test $tag bis" "$D2"
demo_load "$D2" "$owner" >"$R.load3" 2>&1
eq "another partnership loads too" "$?" 0
ps2=$(sed -n 's/^HUB_PARTNERSHIP_DEMO=//p' "$D2/demo.env")
eq "…the same data: deterministic" "$(digest "$ps2")" "$(digest "$ps")"
eq "…but its own subject keys" \
    "$(q "SELECT count(*) FROM hub.report a JOIN hub.report b USING (subject_hash)
           WHERE a.partnership_id = $ps AND b.partnership_id = $ps2")" 0

# ---- through hubd ------------------------------------------------------------------
start_hubd || { not_ok "hubd starts"; exit 0; }

# listed NAME TOKEN PATH QUERY LIMIT KEY SQL: the pages list exactly SQL's ids, in order.
listed() {
    if walk "$2" "$3" "$4" "$5" "$6"; then
        q "$7" >"$R.db"
        if [ -s "$R.db" ] && cmp -s "$R.ids" "$R.db"; then
            ok "$1 ($(wc -l <"$R.ids"))"
        else
            not_ok "$1" "listed $(wc -l <"$R.ids"), expected $(wc -l <"$R.db"): $(diff "$R.db" "$R.ids" | head -5 | tr '\n' ' ')"
        fi
    else
        not_ok "$1" "walking the pages failed"
    fi
}
# visible PARTNER: the ids of its own reports and of those referred to it
# (open or accepted), as row-level security should show them.
visible() {
    echo "SELECT report_id FROM hub.report r WHERE $P AND (partner_id = $1 OR EXISTS (SELECT FROM hub.referral f
            WHERE f.report_id = r.report_id AND f.to_partner = $1 AND f.status IN ('open', 'accepted')))
          ORDER BY report_id"
}
# of_partner PARTNER: how many of the last listing's reports are PARTNER's.
of_partner() { q "SELECT count(*) FROM hub.report WHERE report_id IN ($(paste -sd, "$R.ids")) AND partner_id = $1"; }
listed "police lists its own demo reports and those referred to it" "$TOKEN_POLICE" /v1/reports "" 1000 reports \
    "$(visible "$police")"
eq "…all of its own" "$(of_partner "$police")" "$(q "SELECT count(*) FROM hub.report WHERE $P AND partner_id = $police")"
listed "the council lists its own and those referred to it" "$TOKEN_COUNCIL" /v1/reports "" 1000 reports \
    "$(visible "$council")"
within "…of which police's" "$(of_partner "$police")" 50 400
listed "the council's incoming referrals (direction=in, pages of 100)" "$TOKEN_COUNCIL" /v1/referrals direction=in 100 \
    referrals "SELECT referral_id FROM hub.referral WHERE $P AND to_partner = $council ORDER BY referral_id"
listed "police's outgoing referrals" "$TOKEN_POLICE" /v1/referrals direction=out 1000 referrals \
    "SELECT referral_id FROM hub.referral WHERE $P AND from_partner = $police ORDER BY referral_id"
id=$(q "SELECT f.report_id FROM hub.referral f WHERE f.$P AND f.to_partner = $council AND f.from_partner = $police
         AND f.status = 'accepted' ORDER BY f.referral_id LIMIT 1")
hcurl -o "$R" -H "Authorization: Bearer $TOKEN_COUNCIL" "$URL/v1/reports/$id"
eq "the council reads a police report referred to it" \
    "$(jq -r '[(.external_ref | test("^DEMO-POLICE-")), (.referrals | length > 0)] | map(tostring) | join(",")' "$R")" "true,true"

hcurl -o "$R" -H "Authorization: Bearer $TOKEN_POLICE" "$URL/v1/targets"
eq "police reads the six targets, each with a computed status (no definition refused)" \
    "$(jq -r '[.targets | length, (map(select(.progress.status | IN("green", "amber", "red", "not_enough_data"))
                  | select(.progress.note // "" | test("no longer") | not)) | length)] | join(",")' "$R")" "6,6"
echo "    target statuses today (a figure, not a check): $(jq -r '[.targets[].progress.status] | join(" ")' "$R")"
hcurl -o "$R" -H "Authorization: Bearer $TOKEN_COUNCIL" "$URL/v1/self-assessments/journey"
eq "the journey view shows 8 dates for each of the 4 partners" \
    "$(jq -c '[.partners[] | .overall | length]' "$R")" "[8,8,8,8]"

stop_hubd
eq "hubd exits 0" "$?" 0
check "no sanitizer reports" sanitizer_clean
exit 0
