#!/usr/bin/env bash
# Joint statistics of reports (GET /v1/stats/reports): counts that agree
# with the reports table once the rollups are refreshed, withdrawals and
# amendments taken in, disclosure control on every joint figure (no count
# from 1 to HUB_MIN_CELL-1 published, never a line with a single
# suppressed value, public credentials never unprotected), a partner's own
# exact figures, rounding and the cell-key method (with the differencing of
# two overlapping queries), every bad query, roles.
# Runs twice against the same database: each run makes its own partnership.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=st${RANDOM}q$RANDOM
seq_no=0
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
state() { :; }
start_hubd HUB_STATS_REFRESH=200ms || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Stats $tag" --isa-ref "ISA-ST-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "Stats police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "Stats council $tag")
TOKEN_P=$(ctl token issue --partner "$police" --roles submit,read)
TOKEN_C=$(ctl token issue --partner "$council" --roles submit,read)
TOKEN_PUB=$(ctl token issue --public --partnership "$ps")
TOKEN_SUBMIT=$(ctl token issue --partner "$police" --roles submit)
check "(fixtures made)" test -n "$ps" -a -n "$police" -a -n "$council" -a -n "$TOKEN_PUB"

# Two areas of this run's own (LSOA codes no one has), with a population.
a1=E01$(printf '%06d' $((RANDOM * 30 % 1000000)))
a2=E01$(printf '%06d' $(((RANDOM * 30 + 7) % 1000000)))
while [ "$(q "SELECT count(*) FROM hub.population WHERE area IN ('$a1', '$a2')")" != 0 ] || [ "$a1" = "$a2" ]; do
    a1=E01$(printf '%06d' $((RANDOM * 30 % 1000000)))
done
# white_british (13) 1000 in each; asian_pakistani (4) 500, black_african (6)
# 100, white_roma (16) 50, other_arab (18) 80, asian_indian (3) 200 in a1.
printf 'area,ethnic_group,count\n%s,13,1000\n%s,13,1000\n%s,4,500\n%s,6,100\n%s,16,50\n%s,18,80\n%s,3,200\n' \
    "$a1" "$a2" "$a1" "$a1" "$a1" "$a1" "$a1" >"$T/$SUITE.population.csv"
ctl population load "$T/$SUITE.population.csv" >/dev/null
check "(population of the two areas loaded)" test "$(q "SELECT sum(count) FROM hub.population WHERE area IN ('$a1', '$a2')")" = 2930

# The reports: police 60 in January to March 2025 (white_british 30,
# asian_pakistani 20, black_african 7, white_roma 2, other_arab 1; every
# fourth also under religion; ten in a second area), council 10
# (white_british 6, asian_indian 4).
# mk PREFIX N GROUP START: N reports of GROUP numbered from START.
mk() {
    jq -nc --arg p "$1" --argjson n "$2" --arg g "$3" --argjson s "$4" --arg a1 "$a1" --arg a2 "$a2" '
      [range($s; $s + $n) as $i | {
        protocol: "harassment-report/1", external_ref: "\($p)-\($i)",
        occurred_from: "2025-0\(1 + $i % 3)-1\($i % 10)", reported_on: "2025-04-20",
        area: (if $i % 6 == 5 then $a2 else $a1 end), location_type: "street",
        strands: (if $i % 4 == 0 then ["race", "religion"] else ["race"] end),
        incident_types: ["verbal_abuse"],
        victim: {ethnic_group: $g, age_band: "25-34", sex: "female"},
        repeat: "no", channel: "online"}]'
}
batch() { # batch TOKEN JSON-ARRAY
    hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
        --data-binary "$2" "$URL/v1/reports/batch?atomic=true"
}
all=$(jq -sc 'add' <(mk "$tag-p" 30 white_british 0) <(mk "$tag-p" 20 asian_pakistani 30) \
    <(mk "$tag-p" 7 black_african 50) <(mk "$tag-p" 2 white_roma 57) <(mk "$tag-p" 1 other_arab 59))
eq "police's 60 reports stored" "$(batch "$TOKEN_P" "$all"):$(jq '[.items[].status] | unique' -c "$R")" "200:[201]"
all=$(jq -sc 'add' <(mk "$tag-c" 6 white_british 0) <(mk "$tag-c" 4 asian_indian 6))
eq "council's 10 reports stored" "$(batch "$TOKEN_C" "$all"):$(jq '[.items[].status] | unique' -c "$R")" "200:[201]"

# get TOKEN QUERY: GET /v1/stats/reports?QUERY into $R; prints the status.
get() { hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL/v1/stats/reports?$2"; }
# until_total TOKEN QUERY N: waits (up to 10 s) for the refresher.
until_total() {
    for _ in $(seq 50); do
        get "$1" "$2" >/dev/null
        [ "$(jq -r .total.count "$R")" = "$3" ] && return 0
        sleep 0.2
    done
    return 1
}
range='from=2025-01&to=2025-06'
check "the rollups take the reports in (own total 60)" until_total "$TOKEN_P" "scope=own&$range" 60

# ---- a partner's own figures: exact -------------------------------------
get "$TOKEN_P" "scope=own&group=ethnic_group&$range" >/dev/null
eq "own figures by ethnic group equal the reports table" \
    "$(jq -r '[.cells[] | select(.count > 0) | "\(.ethnic_group)=\(.count)"] | sort | join(",")' "$R")" \
    "$(q "SELECT string_agg(ethnic_group || '=' || n, ',' ORDER BY ethnic_group) FROM (SELECT ethnic_group, count(*) n FROM hub.report WHERE partner_id = $police AND withdrawn_at IS NULL GROUP BY 1) x")"
eq "…with every group of the list, zeros included" "$(jq '.cells | length' "$R")" "$(($(wc -l <"$ROOT/api/codes/ethnic_group.csv") - 1))"
eq "…not disclosure-controlled, and saying so" "$(jq -r .disclosure.method "$R"),$(jq '[.cells[] | select(.suppressed)] | length' "$R")" "none,0"
get "$TOKEN_P" "scope=own&group=month,strand&$range" >/dev/null
eq "own figures by month and strand equal the reports table" \
    "$(jq -r '[.cells[] | select(.count > 0) | "\(.month)/\(.strand)=\(.count)"] | sort | join(",")' "$R")" \
    "$(q "SELECT string_agg(m || '/' || s || '=' || n, ',' ORDER BY m || '/' || s) FROM (SELECT to_char(occurred_from, 'YYYY-MM') m, s, count(*) n FROM hub.report, unnest(strands) s WHERE partner_id = $police AND withdrawn_at IS NULL GROUP BY 1, 2) x")"
eq "…six months by seven strands" "$(jq '.cells | length' "$R")" 42
eq "…row totals per month, column totals per strand" "$(jq '[(.row_totals | length), (.column_totals | length)]' -c "$R")" "[6,7]"
eq "…the note on several strands per report" "$(jq -r .note "$R" | grep -c 'counts once under each')" 1
get "$TOKEN_P" "scope=own&group=area&strand=religion&$range" >/dev/null
eq "own figures by area, strand religion" "$(jq -c '[.cells[] | [.area, .count]]' "$R")" \
    "$(q "SELECT json_agg(json_build_array(area, n) ORDER BY area)::text FROM (SELECT area, count(*) n FROM hub.report WHERE partner_id = $police AND 'religion' = ANY (strands) GROUP BY 1) x" | tr -d ' ')"

# ---- joint figures: disclosure-controlled ---------------------------------
# protected: no count 1..4 anywhere; no line (cells and total of a row, of a
# column, the row totals and the grand total, the column totals and the
# grand total) with exactly one suppressed value.
protected() {
    jq -e '
      def sup: if .suppressed then 1 else 0 end;
      def small: (.count // 0) as $c | $c >= 1 and $c <= 4;
      ([.cells[], (.row_totals // [])[], (.column_totals // [])[], .total] | map(select(small)) | length == 0)
      and (if (.group | length) == 1 then ([.cells[] | sup] + [.total | sup] | add) != 1
           elif (.group | length) == 2 then
             (.group[0]) as $g0 | (.group[1]) as $g1 | . as $t |
             ([.row_totals[] | . as $r | ([$t.cells[] | select(.[$g0] == $r[$g0]) | sup] | add) + ($r | sup)] | all(. != 1))
             and ([.column_totals[] | . as $c | ([$t.cells[] | select(.[$g1] == $c[$g1]) | sup] | add) + ($c | sup)] | all(. != 1))
             and (([.row_totals[] | sup] | add) + (.total | sup) != 1)
             and (([.column_totals[] | sup] | add) + (.total | sup) != 1)
           else true end)' "$R" >/dev/null
}
for token in TOKEN_P TOKEN_PUB; do
    get "${!token}" "group=ethnic_group_high&$range" >/dev/null
    eq "joint by high-level group ($token): 200, suppress" "$(jq -r .disclosure.method "$R")" suppress
    eq "…the groups over 4 published" "$(jq -c '[.cells[] | select(.count >= 5) | [.ethnic_group_high, .count]]' "$R")" \
        '[["asian",24],["white",38]]'
    eq "…other (1) suppressed as small, and one more to protect it" \
        "$(jq -c '[.cells[] | select(.suppressed) | [.ethnic_group_high, .reason]]' "$R")" \
        '[["black","secondary"],["other","small"]]'
    check "…protected" protected
done
for query in "group=ethnic_group" "group=month,ethnic_group" "group=area,ethnic_group_high" \
    "group=ethnic_group_high,partner_kind" "group=quarter,strand" "group=age_band,channel" \
    "group=incident_type" "group=month&ethnic_group=white_roma,other_arab,black_african"; do
    eq "public ?$query: 200" "$(get "$TOKEN_PUB" "$query&$range")" 200
    check "…protected" protected
done
get "$TOKEN_PUB" "group=ethnic_group&$range" >/dev/null
eq "joint totals count only this partnership's reports" "$(jq .total.count "$R")" 70
eq "…the rule is stated" "$(jq -r .disclosure.rule "$R" | grep -c 'from 1 to 4')" 1
eq "…and how fresh the figures are" "$(jq -r '.freshness | [(.refreshed_at | test("^[0-9-]+T[0-9:]+Z$")), .refresh_interval_seconds] | map(tostring) | join(",")' "$R")" "true,0.2"

# ---- rates per 1,000 and disproportionality --------------------------------
# rate GROUP: "count,rate,ratio" of GROUP in the last answer (rates rounded to 3 places).
rate() { jq -r --arg g "$1" '.groups[] | select(.ethnic_group == $g) | [(.count // "S"), ((.rate.value // null) | if . then (. * 1000 | round / 1000) else "-" end), ((.ratio.value // null) | if . then (. * 1000 | round / 1000) else "-" end)] | map(tostring) | join(",")' "$R"; }
rq='from=2025-01&to=2025-03'
eq "own rates: 200" "$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_P" "$URL/v1/stats/rates?scope=own&$rq")" 200
eq "…over the two areas the reports name" "$(jq .areas "$R")" 2
eq "…white_british: 30 per 2,000 residents is 15 per 1,000, the reference" "$(rate white_british)" "30,15,-"
eq "…asian_pakistani: 20 per 500 is 40 per 1,000, ratio 2.667" "$(rate asian_pakistani)" "20,40,2.667"
eq "…black_african: 7 per 100 is 70 per 1,000, ratio 4.667" "$(rate black_african)" "7,70,4.667"
eq "…white_roma: population 50 is under min_population 100: not computed" \
    "$(jq -r '.groups[] | select(.ethnic_group == "white_roma") | .not_computed' "$R")" "population below min_population"
eq "…every interval holds its value" "$(jq '[.groups[] | (.rate, .ratio) | select(. != null) | .lo <= .value and .value <= .hi] | all' "$R")" true
eq "…the 95 % interval of 20 per 500 (Byar: 12.211 to 30.890 per 500)" \
    "$(jq -r '.groups[] | select(.ethnic_group == "asian_pakistani") | .rate | [(.lo * 500 / 1000 * 1000 | round / 1000), (.hi * 500 / 1000 * 1000 | round / 1000)] | map(tostring) | join(",")' "$R")" "12.211,30.89"
hcurl -o "$R" -H "Authorization: Bearer $TOKEN_P" "$URL/v1/stats/rates?scope=own&min_population=10&$rq"
eq "min_population=10: white_roma computed, 2 per 50" "$(rate white_roma)" "2,40,2.667"
hcurl -o "$R" -H "Authorization: Bearer $TOKEN_P" "$URL/v1/stats/rates?scope=own&area=$a2&$rq"
eq "area=a2 only: one area, 5 white_british per 1,000" "$(jq .areas "$R"):$(rate white_british)" "1:5,5,-"
hcurl -o "$R" -H "Authorization: Bearer $TOKEN_P" "$URL/v1/stats/rates?scope=own&group=ethnic_group_high&$rq"
eq "by high-level group: asian 20 per 700, reference white" \
    "$(jq -r '.reference, (.groups[] | select(.ethnic_group_high == "asian") | "\(.count),\(.population)")' "$R" | paste -sd,)" "white,20,700"
eq "public rates: 200" "$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_PUB" "$URL/v1/stats/rates?$rq")" 200
eq "…no count from 1 to 4 published" "$(jq '[.groups[], .total | select(.count >= 1 and .count <= 4)] | length' "$R")" 0
eq "…no rate or ratio on a suppressed count" "$(jq '[.groups[] | select(.suppressed and (.rate or .ratio))] | length' "$R")" 0
eq "…asian_indian (4) suppressed, no rate" "$(jq -r '.groups[] | select(.ethnic_group == "asian_indian") | "\(.suppressed),\(.not_computed)"' "$R")" "true,suppressed count"
eq "…white_british joint: 36 per 2,000" "$(rate white_british)" "36,18,-"
for bad in group=nope reference=nope reference=not_stated incident_type=threats strand=race,religion \
    min_population=0 group=ethnic_group_high\&reference=white_british from=2025-13; do
    eq "rates ?$bad: 400" "$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_P" "$URL/v1/stats/rates?$bad")" 400
done
eq "rates, public scope=own: 403" "$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_PUB" "$URL/v1/stats/rates?scope=own")" 403

# ---- changes reach the rollups ---------------------------------------------
roma=$(q "SELECT report_id FROM hub.report WHERE partner_id = $police AND ethnic_group = 'white_roma' ORDER BY report_id LIMIT 1")
code=$(hcurl -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $TOKEN_P" "$URL/v1/reports/$roma")
eq "(a white_roma report withdrawn)" "$code" 200
check "a withdrawn report leaves the figures" until_total "$TOKEN_P" "scope=own&ethnic_group=white_roma&$range" 1
moved=$(q "SELECT report_id FROM hub.report WHERE partner_id = $police AND ethnic_group = 'other_arab'")
code=$(hcurl -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer $TOKEN_P" \
    -H 'Content-Type: application/json' --data '{"occurred_from":"2025-04-02","occurred_to":"2025-04-02"}' "$URL/v1/reports/$moved")
eq "(the other_arab report amended to April)" "$code" 200
check "an amended report moves month" until_total "$TOKEN_P" "scope=own&ethnic_group=other_arab&from=2025-04&to=2025-04" 1
get "$TOKEN_P" "scope=own&ethnic_group=other_arab&from=2025-01&to=2025-03" >/dev/null
eq "…and leaves its old month" "$(jq .total.count "$R")" 0

# ---- bad queries and roles -----------------------------------------------
for bad in 'group=nope' 'group=month,strand,area,channel' 'group=month,year' 'group=ethnic_group,ethnic_group_high' \
    'strand=race,religion' 'incident_type=threats,verbal_abuse' 'strand=nope' 'area=E02000001' \
    'ethnic_group=white_british&ethnic_group_high=white' 'from=2025-13' 'to=25' 'from=2025-06&to=2025-01' \
    'from=2010&to=2025' 'group=age_band,area' 'channel=online&incident_type=threats' 'scope=all' \
    'group=month,ethnic_group,incident_type&from=2016-01&to=2025-12'; do
    code=$(get "$TOKEN_P" "$bad")
    eq "?$bad: 400 problem+json" "$code:$(jq -r .status "$R")" "400:400"
done
eq "a public credential asking scope=own: 403" "$(get "$TOKEN_PUB" "scope=own")" 403
eq "a submit-only token: 403" "$(get "$TOKEN_SUBMIT" "group=month")" 403
eq "no credential: 401" "$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/stats/reports")" 401
stop_hubd

# ---- rounding and the cell-key method --------------------------------------
start_hubd HUB_STATS_REFRESH=200ms HUB_ROUND_TO=5 || { not_ok "hubd starts with HUB_ROUND_TO=5"; exit 0; }
get "$TOKEN_PUB" "group=month,ethnic_group_high&$range" >/dev/null
eq "HUB_ROUND_TO=5: every published count a multiple of 5" \
    "$(jq '[.cells[], .row_totals[], .column_totals[], .total | select(.count != null) | .count % 5] | unique' -c "$R")" "[0]"
eq "…said in the response" "$(jq .disclosure.round_to "$R")" 5
stop_hubd
start_hubd HUB_STATS_REFRESH=200ms HUB_SDC=cellkey || { not_ok "hubd starts with HUB_SDC=cellkey"; exit 0; }
get "$TOKEN_PUB" "group=month,ethnic_group&$range" >/dev/null
cp "$R" "$R.first"
eq "HUB_SDC=cellkey: nothing suppressed" "$(jq '[.cells[] | select(.suppressed)] | length' "$R")" 0
eq "…no count from 1 to 4 published" "$(jq '[.cells[], .row_totals[], .column_totals[], .total | select(.count >= 1 and .count <= 4)] | length' "$R")" 0
eq "…the method and its mean error stated" "$(jq -r '.disclosure | [.method, (.mean_absolute_error | type)] | join(",")' "$R")" "cellkey,number"
get "$TOKEN_PUB" "group=month,ethnic_group&$range" >/dev/null
eq "…the same query gives the same figures" "$(jq -cS .cells "$R")" "$(jq -cS .cells "$R.first")"
get "$TOKEN_PUB" "ethnic_group=white_british&$range" >/dev/null
wb=$(jq .total.count "$R")
eq "…a count of 36 published within 3 of it" "$(((wb - 36) * (wb - 36) <= 9))" 1

# ---- differencing two overlapping queries under HUB_SDC=cellkey --------------
# An analyst asks for area=a1,a3 and for area=a1: a3 holds one report, so
# the true difference is 1. Each published count is its count plus a change
# from -2 to +2 picked by its cell key (the sum of the record keys of the
# reports counted, mod 256); the expected error is 0.625 per count
# (sdc_perturb_mean_error, stated in the response), a count of 1 to 4 is
# published as 0 or 5. The one extra report moves the key, so the two
# totals get changes that have nothing to do with each other, and the same
# question always gets the same answer, so asking again does not average
# the noise away. Record keys are random at ingest (the difference of such
# a pair then shows 1 about a third of the time: test_sdc); here the owner
# sets the one report's key, so that the outcome is exact rather than left
# to chance: the published difference is 0 or 2, not 1.
a3=E01$(printf '%06d' $(((RANDOM * 30 + 13) % 1000000)))
while [ "$a3" = "$a1" ] || [ "$a3" = "$a2" ]; do a3=E01$(printf '%06d' $(((RANDOM * 30 + 13) % 1000000))); done
one=$(mk "$tag-d" 1 white_british 100 | jq -c --arg a "$a3" 'map(.area = $a)')
eq "(one report in a3)" "$(batch "$TOKEN_P" "$one"):$(jq -r '.items[0].status' "$R")" "200:201"
one=$(jq -r '.items[0].id' "$R")
in_a1="partnership_id = $ps AND area = '$a1' AND withdrawn_at IS NULL AND occurred_from BETWEEN '2025-01-01' AND '2025-06-30'"
n1=$(q "SELECT count(*) FROM hub.report WHERE $in_a1")
k1=$(q "SELECT sum(record_key) % 256 FROM hub.report WHERE $in_a1")
change() { # the p-table's change for a count of min_cell + 2 or more, by key
    if (($1 < 16)); then echo -2; elif (($1 < 64)); then echo -1; elif (($1 < 192)); then echo 0
    elif (($1 < 240)); then echo 1; else echo 2; fi
}
c1=$(change "$k1")
c2=$((c1 > -2 ? c1 - 1 : c1 + 1)) # the change a1 + a3 is to get: 1 less (or more) than a1's
first_key=$(case $c2 in -2) echo 0 ;; -1) echo 16 ;; 0) echo 64 ;; 1) echo 192 ;; 2) echo 240 ;; esac)
q "UPDATE hub.report SET record_key = ($first_key - $k1 + 256) % 256 WHERE report_id = $one" >/dev/null
key_in_rollup() {
    for _ in $(seq 50); do
        [ "$(q "SELECT sum(keysum) FROM hub.stats_cell WHERE partnership_id = $ps AND cube = 4 AND area = '$a3' AND strand = '*'")" = \
            "$((($first_key - k1 + 256) % 256))" ] && return 0
        sleep 0.2
    done
    return 1
}
check "(the rollups hold the report and its key)" key_in_rollup
get "$TOKEN_PUB" "area=$a1,$a3&$range" >/dev/null
both=$(jq .total.count "$R")
get "$TOKEN_PUB" "area=$a1&$range" >/dev/null
alone=$(jq .total.count "$R")
eq "cellkey: area=a1 is published as its count plus its key's change ($n1 $c1)" "$alone" "$((n1 + c1))"
eq "…area=a1,a3 (one report more) as its count plus its own key's change" "$both" "$((n1 + 1 + c2))"
eq "…so the difference of the two ($both - $alone) is not the true 1" "$((both - alone == 1))" 0
get "$TOKEN_PUB" "area=$a1,$a3&$range" >/dev/null
eq "…the same query again gives the same figure (repeating does not average the noise away)" "$(jq .total.count "$R")" "$both"
get "$TOKEN_PUB" "area=$a3,$a1&strand=race&$range" >/dev/null
eq "…and so does the same set of reports asked another way (areas swapped, strand=race)" "$(jq .total.count "$R")" "$both"
get "$TOKEN_PUB" "group=area&area=$a1,$a3&$range" >/dev/null
eq "…grouped by area: a1 as alone, a3 (1 report) as 0 or 5, never 1" \
    "$(jq -c --arg a1 "$a1" --arg a3 "$a3" '[(.cells[] | select(.area == $a1) | .count), (.cells[] | select(.area == $a3) | .count | . == 0 or . == 5)]' "$R")" \
    "[$alone,true]"
eq "…the expected error stated: 0.625 per count" "$(jq .disclosure.mean_absolute_error "$R")" 0.625
stop_hubd
eq "hubd exits 0" "$?" 0
[ "${HUB_BIN#*asan}" != "$HUB_BIN" ] && check "no sanitizer report" sanitizer_clean
