#!/usr/bin/env bash
# Reports: submission (one and in batches), every class of refusal with the
# pointer it names, the personal-data guard, listing with filters and pages,
# amending, withdrawing, roles, the code lists. After every refusal the
# database holds nothing new and the audit log holds the action.
# Runs twice against the same database: every external_ref carries $tag.
# shellcheck disable=SC2016 # jq programs in single quotes use jq's $variables
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
EX=$ROOT/api/examples
R=$T/$SUITE.out
tag=rep${RANDOM}q$RANDOM # no run of digits long enough to look like a number
seq_no=0
q() { psql -X -tA "$owner" -c "$1"; }
start_hubd || { not_ok "hubd starts"; exit 0; }
MAIN_LOG=$HUBD_LOG

# call METHOD PATH [curl args...]: sets code and rid (the X-Request-Id sent);
# the body goes to $R, the headers to $R.h. The token is $TOKEN, else police's.
call() {
    local method=$1 path=$2
    shift 2
    seq_no=$((seq_no + 1))
    rid=$tag-$seq_no
    code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -X "$method" -H "X-Request-Id: $rid" \
        -H "Authorization: Bearer ${TOKEN:-$HUB_TOKEN_POLICE}" "$@" "$URL$path")
}
# post PATH JSON [curl args...]: POST with Content-Type application/json.
post() {
    local path=$1 body=$2
    shift 2
    call POST "$path" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}
patch() { call PATCH "/v1/reports/$1" -H 'Content-Type: application/json' --data-binary "$2"; }

# Reports stored under an external_ref, by anyone.
stored() { q "SELECT count(*) FROM hub.report WHERE external_ref = \$q\$$1\$q\$"; }
# The audit row of the last call: action,outcome.
audit_of() { q "SELECT string_agg(action || ',' || outcome, ';') FROM hub.audit_log WHERE request_id = '$rid'"; }

# mk REF [JQ]: the police example under REF, changed by JQ.
# Extra arguments go to jq (e.g. --arg v VALUE).
mk() {
    local ref=$1 filter=${2:-.}
    shift
    [ $# -gt 0 ] && shift
    jq -c --arg ref "$ref" "$@" ".external_ref = \$ref | $filter" "$EX/report-police.json"
}

# refused NAME STATUS POINTERS REF [ACTION]: the last call was refused with
# STATUS naming exactly POINTERS ("-" when not checked), nothing is stored
# under REF, and the audit log holds ACTION as refused.
refused() {
    local name=$1 status=$2 want=$3 ref=$4 action=${5:-reports.create}
    eq "$name: $status" "$code" "$status"
    case $status in
    4*) eq "$name: problem+json" "$(jq -r .status "$R" 2>/dev/null)" "$status" ;;
    esac
    [ "$want" != - ] && eq "$name: names $want" "$(ptrs)" "$want"
    eq "$name: nothing stored" "$(stored "$ref")" 0
    eq "$name: audited" "$(audit_of)" "$action,refused"
}

# ---- POST /v1/reports ---------------------------------------------------
key_police=$(jq -r .subject_key "$EX/report-police.json")
ref_p=$tag-police
post /v1/reports "$(mk "$ref_p")"
eq "a police report is stored (201)" "$code" 201
id_p=$(jq -r .id "$R")
eq "…with Location" "$(tr -d '\r' <"$R.h" | sed -n 's/^[Ll]ocation: //p')" "/v1/reports/$id_p"
eq "…the stored report is returned" "$(jq -r '[.external_ref, .version, .partner_id, .protocol] | join(",")' "$R")" \
    "$ref_p,1,$HUB_PARTNER_POLICE,harassment-report/1"
eq "…police A2 is mapped to asian_pakistani, native kept" \
    "$(jq -cS '[.victim.ethnic_group, .victim.native]' "$R")" '["asian_pakistani",{"code":"A2","scheme":"police"}]'
eq "…the pseudonym is not echoed" "$(grep -c "$key_police" "$R")" 0
eq "…subject_key_present" "$(jq .subject_key_present "$R")" true
eq "…audited as reports.create ok" "$(audit_of)" "reports.create,ok"
eq "…under the report's id" "$(q "SELECT object_type || ',' || object_id FROM hub.audit_log WHERE request_id = '$rid'")" "report,$id_p"
eq "…the stored subject_hash is 32 bytes" "$(q "SELECT length(subject_hash) FROM hub.report WHERE report_id = $id_p")" 32
eq "…and is not the submitted key" \
    "$(q "SELECT encode(subject_hash, 'hex') <> '$key_police' FROM hub.report WHERE report_id = $id_p")" t
eq "…the submitted key is nowhere in the report table" \
    "$(q "SELECT count(*) FROM hub.report WHERE encode(subject_hash, 'hex') = '$key_police'")" 0

post /v1/reports "$(mk "$ref_p")"
eq "an identical resubmission is 200" "$code" 200
eq "…with the same id" "$(jq -r .id "$R")" "$id_p"
eq "…and no second row" "$(stored "$ref_p")" 1
eq "…audited as ok" "$(audit_of)" "reports.create,ok"

post /v1/reports "$(mk "$ref_p" '.repeat = "no"')"
refused "other content under the same external_ref" 409 /external_ref "$tag-never"
eq "…the detail points to PATCH" "$(jq -r .detail "$R" | grep -c "PATCH /v1/reports/$id_p")" 1
eq "…the stored report is unchanged" "$(q "SELECT version || ',' || repeat FROM hub.report WHERE report_id = $id_p")" "1,yes"

ref_p2=$tag-police2
post /v1/reports "$(mk "$ref_p2" '.area = "E01009418"')"
eq "a second report with the same subject_key is stored" "$code" 201
id_p2=$(jq -r .id "$R")
eq "…with the same subject_hash" \
    "$(q "SELECT count(DISTINCT subject_hash) || ',' || count(*) FROM hub.report WHERE report_id IN ($id_p, $id_p2)")" "1,2"
ref_p3=$tag-police3
post /v1/reports "$(mk "$ref_p3" '.subject_key = "'"$(printf 'cd%.0s' {1..32})"'"')"
id_p3=$(jq -r .id "$R")
eq "another subject_key gives another subject_hash" \
    "$code,$(q "SELECT count(DISTINCT subject_hash) FROM hub.report WHERE report_id IN ($id_p, $id_p3)")" "201,2"

ref_n=$tag-nhs
post /v1/reports "$(jq -c --arg ref "$ref_n" '.external_ref = $ref' "$EX/report-nhs.json")"
eq "an NHS report is stored (201)" "$code" 201
eq "…NHS C is mapped to white_other, native kept" \
    "$(jq -cS '[.victim.ethnic_group, .victim.native]' "$R")" '["white_other",{"code":"C","scheme":"nhs"}]'
ref_o=$tag-ons
post /v1/reports "$(jq -c --arg ref "$ref_o" '.external_ref = $ref' "$EX/report-ons.json")"
eq "an ONS report is stored (201)" "$code" 201
id_o=$(jq -r .id "$R")
eq "…its ONS code is kept" \
    "$(jq -cS '[.victim.ethnic_group, .victim.native]' "$R")" '["black_caribbean",{"code":"black_caribbean","scheme":"ons2021"}]'
eq "…occurred_to defaults to occurred_from" "$(jq -r '.occurred_from + "," + .occurred_to' "$R")" "2026-11-02,2026-11-02"
eq "…and so it is stored" "$(q "SELECT occurred_to FROM hub.report WHERE report_id = $id_o")" 2026-11-02
eq "…without a subject_key none is stored" \
    "$(jq .subject_key_present "$R"),$(q "SELECT subject_hash IS NULL FROM hub.report WHERE report_id = $id_o")" "false,t"

# ---- every class of refusal ----------------------------------------------
for f in "$EX"/invalid/*.json; do
    name=$(basename "$f" .json)
    if [ "$name" = external-ref-too-long ]; then
        body=$(jq -c . "$f")
        ref=$(jq -r .external_ref "$f")
    else
        ref=$tag-inv-$name
        body=$(jq -c --arg ref "$ref" '.external_ref = $ref' "$f")
    fi
    post /v1/reports "$body"
    refused "invalid/$name" 422 - "$ref"
    # Each pointer of the .expect file is named (itself or a member inside
    # it), and nothing outside them.
    want=$(grep -v '^[[:space:]]*$' "${f%.json}.expect" | jq -R . | jq -sc .)
    eq "invalid/$name: names $(jq -r 'join(" ")' <<<"$want")" "$(jq --argjson want "$want" '
        [.errors[]?.pointer] as $got
        | ($got | length > 0)
          and ($want | all(. as $w | $got | any(. == $w or startswith($w + "/"))))
          and ($got | all(. as $g | $want | any(. as $w | $g == $w or ($g | startswith($w + "/")))))' "$R")" true
done

r=$tag-type
post /v1/reports "$(mk "$r" '.strands = "race"')"
refused "strands as a string" 422 /strands "$r"
r=$tag-missing
post /v1/reports "$(mk "$r" 'del(.area)')"
refused "a missing member" 422 /area "$r"
r=$tag-unknown-code
post /v1/reports "$(mk "$r" '.strands = ["racism"]')"
refused "an unknown code" 422 /strands/0 "$r"
eq "…the message lists the allowed codes" \
    "$(jq -r '.errors[0].message' "$R" | grep -c 'race.*religion.*sexual_orientation')" 1
r=$tag-unknown-loc
post /v1/reports "$(mk "$r" '.location_type = "spaceship"')"
refused "an unknown location_type" 422 /location_type "$r"
eq "…the message lists the allowed codes" "$(jq -r '.errors[0].message' "$R" | grep -c 'street')" 1
r=$tag-bad-date
post /v1/reports "$(mk "$r" '.occurred_from = "2026-02-30"')"
refused "2026-02-30" 422 /occurred_from "$r"
r=$tag-not-date
post /v1/reports "$(mk "$r" '.reported_on = "15/10/2026"')"
refused "a date not written YYYY-MM-DD" 422 /reported_on "$r"
r=$tag-to-before
post /v1/reports "$(mk "$r" '.occurred_from = "2026-10-14" | .occurred_to = "2026-10-13"')"
refused "occurred_to before occurred_from" 422 /occurred_to "$r"
tomorrow=$(date -u -d tomorrow +%F)
r=$tag-future
post /v1/reports "$(mk "$r" ".reported_on = \"$tomorrow\"")"
refused "reported_on tomorrow" 422 /reported_on "$r"
r=$tag-future2
post /v1/reports "$(mk "$r" ".occurred_from = \"$tomorrow\" | .occurred_to = \"$tomorrow\" | .reported_on = \"$tomorrow\"")"
refused "occurred_from tomorrow" 422 "/occurred_from /occurred_to /reported_on" "$r"
r=$tag-rep-before
post /v1/reports "$(mk "$r" '.occurred_from = "2026-10-14" | .occurred_to = "2026-10-14" | .reported_on = "2026-10-13"')"
refused "reported_on before occurred_from" 422 /reported_on "$r"
for area in E06000001 E0100941 E01-09417 e01009417; do
    r=$tag-area-$area
    post /v1/reports "$(mk "$r" ".area = \"$area\"")"
    refused "area $area" 422 /area "$r"
done
r=$tag-empty
post /v1/reports "$(mk "$r" '.incident_types = []')"
refused "an empty incident_types" 422 /incident_types "$r"
r=$tag-dup
post /v1/reports "$(mk "$r" '.incident_types = ["threats", "verbal_abuse", "threats"]')"
refused "a duplicate in incident_types" 422 /incident_types/2 "$r"
r=$tag-too-many
post /v1/reports "$(mk "$r" '.strands = ["race","religion","sexual_orientation","disability","transgender_identity","sex_gender","other","race"]')"
refused "eight strands" 422 /strands "$r"
r=$(printf '%s-%s' "$tag" "$(printf 'x%.0s' {1..64})" | cut -c1-65)
post /v1/reports "$(mk "$r")"
refused "an external_ref of ${#r} characters" 422 /external_ref "$r"
r=$(printf '%s-%s' "$tag" "$(printf 'x%.0s' {1..64})" | cut -c1-64)
post /v1/reports "$(mk "$r")"
eq "an external_ref of ${#r} characters is fine" "$code" 201
r=$tag-bad-char
post /v1/reports "$(mk "$r" ".external_ref = \"$r x\"")"
refused "an external_ref with a space" 422 /external_ref "$r x"
r=$tag-victim-type
post /v1/reports "$(mk "$r" '.victim = "A2"')"
refused "victim as a string" 422 /victim "$r"

r=$tag-utf8
mk "$r" '.victim.sex = "@@"' | sed 's/@@/\xff/' >"$T/$SUITE.utf8"
eq "(the body holds the byte 0xff)" "$(od -An -tx1 "$T/$SUITE.utf8" | grep -c ' ff')" 1
call POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$T/$SUITE.utf8"
refused "invalid UTF-8" 400 - "$r"
r=$tag-malformed
post /v1/reports "{\"external_ref\": \"$r\", \"protocol\": "
refused "malformed JSON" 400 - "$r"
eq "…with the offset" "$(jq 'has("offset") and (.offset | type == "number")' "$R")" true
r=$tag-deep
post /v1/reports "$(mk "$r" '.x = {"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}')"
refused "nesting 6 levels deep" 422 - "$r"
eq "…names the unknown member's inside" "$(jq '[.errors[].pointer | startswith("/x")] | all and length > 0' "$R")" true
post /v1/reports "$(mk "$tag-shallow" '.x = {"a":{"a":1}}')"
refused "an unknown member holding an object" 422 /x "$tag-shallow"
r=$tag-dupkey
post /v1/reports "$(mk "$r" | sed 's/^{/{"repeat":"no",/')"
refused "a member twice" 400 - "$r"
r=$tag-ctl
post /v1/reports "$(mk "$r" '.victim.sex = "fe\u0001male"')"
refused "a control character" 422 /victim/sex "$r"
r=$tag-charset
call POST /v1/reports -H 'Content-Type: application/json; charset=utf-8' --data-binary "$(mk "$r")"
eq "Content-Type application/json; charset=utf-8 is fine" "$code:$(stored "$r")" "201:1"
for body in '[]' '"report"' '42' 'null' ''; do
    post /v1/reports "$body"
    refused "a body of '$body'" 400 - "$tag-never"
done
r=$tag-ctype
call POST /v1/reports -H 'Content-Type: text/plain' --data-binary "$(mk "$r")"
refused "Content-Type text/plain" 415 - "$r"
call POST /v1/reports -H 'Content-Type: application/jsonx' --data-binary "$(mk "$r")"
refused "Content-Type application/jsonx" 415 - "$r"

# ---- personal data --------------------------------------------------------
i=0
for value in "jane.doe@example.com" "07700900123" "07700 900123" "B12 3AB" "SW1A 1AA" "9434765919" \
    "943 476 5919" "AB123456C" "Mr Smith" "Mrs O'Neil"; do
    i=$((i + 1))
    post /v1/reports "$(jq -c --arg v "$value" '.external_ref = $v' "$EX/report-police.json")"
    refused "'$value' as external_ref" 422 /external_ref "$value"
    eq "…not in the answer" "$(grep -cF "$value" "$R")" 0
    r=$tag-pii-$i
    post /v1/reports "$(mk "$r" '.note = $v' --arg v "$value")"
    refused "'$value' in an unknown member" 422 /note "$r"
    eq "…not in the answer" "$(grep -cF "$value" "$R")" 0
    r=$tag-piiv-$i
    post /v1/reports "$(mk "$r" '.victim.extra = ["x", $v]' --arg v "$value")"
    refused "'$value' deeper in an unknown member" 422 /victim/extra/1 "$r"
    eq "…not in the audit row" "$(q "SELECT count(*) FROM hub.audit_log WHERE request_id = '$rid'
        AND strpos(object_id, \$q\$$value\$q\$) = 0")" 1
    r=$tag-piik-$i
    post /v1/reports "$(mk "$r" '.victim[$v] = 1' --arg v "$value")"
    refused "'$value' as a member name" 422 /victim "$r"
    eq "…not in the answer" "$(grep -cF "$value" "$R")" 0
done
for key in 3CA25834A5707465D96A0C9B488A4238DE17D2F23CA0BDB00C0BC22D8F3C2B98 \
    3ca25834a5707465d96a0c9b488a4238de17d2f23ca0bdb00c0bc22d8f3c2b9 \
    3ca25834a5707465d96a0c9b488a4238de17d2f23ca0bdb00c0bc22d8f3c2b98a \
    3ca25834a5707465d96a0c9b488a4238de17d2f23ca0bdb00c0bc22d8f3c2bzz; do
    r=$tag-key-${#key}-${key: -2}
    post /v1/reports "$(mk "$r" '.subject_key = $k' --arg k "$key")"
    refused "subject_key ${key:0:8}… (${#key} characters)" 422 /subject_key "$r"
    eq "…not echoed" "$(grep -c "${key:0:40}" "$R")" 0
done
r=$tag-key-num
post /v1/reports "$(mk "$r" '.subject_key = 12')"
refused "subject_key a number" 422 /subject_key "$r"

# ---- POST /v1/reports/batch ----------------------------------------------
batch3() { jq -c --arg p "$tag-$1-" 'map(.external_ref = $p + .external_ref)' "$EX/report-batch.json"; }
post /v1/reports/batch "$(batch3 b)"
eq "a batch of 3 is 200" "$code" 200
eq "…each item 201" "$(jq -c '[.items[].status]' "$R")" "[201,201,201]"
eq "…with ids" "$(jq '[.items[].id | tonumber? // empty] | length' "$R")" 3
eq "…all stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-b-%'")" 3
eq "…the NHS item mapped" "$(q "SELECT ethnic_group || ',' || ethnic_scheme || ',' || ethnic_native FROM hub.report WHERE external_ref = '$tag-b-RRK/DATIX/2026/18873'")" "white_other,nhs,C"
eq "…audited as reports.batch ok" "$(audit_of)" "reports.batch,ok"
first_ids=$(jq -c '[.items[].id]' "$R")
post /v1/reports/batch "$(batch3 b)"
eq "the same batch again: each item 200" "$code:$(jq -c '[.items[].status]' "$R")" "200:[200,200,200]"
eq "…the same ids" "$(jq -c '[.items[].id]' "$R")" "$first_ids"
eq "…nothing more stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-b-%'")" 3

mixed=$(jq -sc . <(mk "$tag-m1") <(mk "$tag-m2" '.area = "E06000001" | .strands = "x"') <(mk "$ref_p" '.repeat = "unknown"'))
post /v1/reports/batch "$mixed"
eq "a mixed batch is 200" "$code" 200
eq "…statuses 201, 422, 409" "$(jq -c '[.items[].status]' "$R")" "[201,422,409]"
eq "…the invalid item's pointers are prefixed /1" "$(jq -r '[.items[1].errors[].pointer] | sort | join(" ")' "$R")" "/1/area /1/strands"
eq "…the conflict names the stored report" "$(jq -r '.items[2].id' "$R")" "$id_p"
eq "…counts" "$(jq -c '[.stored, .unchanged, .conflicts, .invalid]' "$R")" "[1,0,1,1]"
eq "…the valid item stored, the invalid not" "$(stored "$tag-m1"),$(stored "$tag-m2")" "1,0"
eq "…the conflicting one unchanged" "$(q "SELECT version || ',' || repeat FROM hub.report WHERE report_id = $id_p")" "1,yes"
post /v1/reports/batch "[1, $(mk "$tag-pb" '.note = "call 07700 900123"'), $(mk "$tag-pc")]"
eq "a batch with a number and personal data: 422, 422, 201" "$code:$(jq -c '[.items[].status]' "$R")" "200:[422,422,201]"
eq "…naming /0 and /1/note" "$(jq -r '[.items[].errors[]?.pointer] | join(" ")' "$R")" "/0 /1/note"
eq "…not echoing it" "$(grep -c '07700 900123' "$R")" 0
eq "…storing only the valid one" "$(stored "$tag-pb"),$(stored "$tag-pc")" "0,1"
printf '[%s]' "$(mk "$tag-bu8" '.victim.sex = "@@"' | sed 's/@@/\xff/')" >"$T/$SUITE.utf8"
call POST /v1/reports/batch -H 'Content-Type: application/json' --data-binary "@$T/$SUITE.utf8"
refused "a batch with invalid UTF-8" 400 - "$tag-bu8" reports.batch

post /v1/reports/batch "$(jq -sc . <(mk "$tag-twice") <(mk "$tag-twice" '.repeat = "no"'))"
eq "the same external_ref twice in a batch: 201 then 422" "$code:$(jq -c '[.items[].status]' "$R")" "200:[201,422]"
eq "…naming /1/external_ref" "$(jq -r '[.items[1].errors[].pointer] | join(" ")' "$R")" /1/external_ref
eq "…the first one stored" "$(q "SELECT count(*) || ',' || min(repeat) FROM hub.report WHERE external_ref = '$tag-twice'")" "1,yes"

post "/v1/reports/batch?atomic=true" "$(jq -sc . <(mk "$tag-a1") <(mk "$tag-a2" '.area = "E06000001"') <(mk "$tag-a3"))"
eq "an atomic batch with an invalid item is 422" "$code" 422
eq "…the valid items 424, the invalid 422" "$(jq -c '[.items[].status]' "$R")" "[424,422,424]"
eq "…naming /1/area" "$(jq -r '[.items[1].errors[].pointer] | join(" ")' "$R")" /1/area
eq "…nothing of it stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-a_'")" 0
eq "…audited as refused" "$(audit_of)" "reports.batch,refused"
post "/v1/reports/batch?atomic=true" "$(jq -sc . <(mk "$tag-c1") <(mk "$ref_p" '.repeat = "unknown"'))"
eq "an atomic batch with a conflict is 409" "$code:$(jq -c '[.items[].status]' "$R")" "409:[424,409]"
eq "…nothing of it stored" "$(stored "$tag-c1"),$(q "SELECT version FROM hub.report WHERE report_id = $id_p")" "0,1"
eq "…audited as refused" "$(audit_of)" "reports.batch,refused"
post "/v1/reports/batch?atomic=true" "$(jq -sc . <(mk "$tag-v1") <(mk "$tag-v2") <(mk "$tag-v3"))"
eq "an atomic batch all valid is 200, each 201" "$code:$(jq -c '[.items[].status]' "$R")" "200:[201,201,201]"
eq "…all stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-v_'")" 3

post "/v1/reports/batch?dry_run=true" "$(jq -sc . <(mk "$tag-d1") <(mk "$tag-d2" '.sex = "x"') <(mk "$ref_p"))"
eq "a dry run is 200" "$code" 200
eq "…with each item's validity" "$(jq -c '[.items[] | [.status, .valid]]' "$R")" "[[200,true],[422,null],[200,true]]"
eq "…naming /1/sex" "$(jq -r '[.items[1].errors[].pointer] | join(" ")' "$R")" /1/sex
eq "…and nothing stored" "$(stored "$tag-d1"),$(stored "$tag-d2")" "0,0"
post "/v1/reports/batch?dry_run=maybe" "$(jq -sc . <(mk "$tag-d3"))"
refused "dry_run=maybe" 400 - "$tag-d3" reports.batch

jq -c --arg p "$tag-nd-" '.external_ref = $p + .external_ref' "$EX/report-batch.ndjson" |
    awk 'NR == 2 { print; print ""; next } 1' >"$T/$SUITE.ndjson"
eq "(the NDJSON holds a blank line)" "$(grep -c '^$' "$T/$SUITE.ndjson")" 1
call POST /v1/reports/batch -H 'Content-Type: application/x-ndjson' --data-binary "@$T/$SUITE.ndjson"
eq "an NDJSON batch is 200, each 201" "$code:$(jq -c '[.items[].status]' "$R")" "200:[201,201,201]"
eq "…all stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-nd-%'")" 3
printf '%s\n{"protocol": nope}\n' "$(mk "$tag-ndbad")" >"$T/$SUITE.ndjson"
call POST /v1/reports/batch -H 'Content-Type: application/x-ndjson' --data-binary "@$T/$SUITE.ndjson"
refused "a malformed NDJSON line" 400 - "$tag-ndbad" reports.batch
eq "…naming line 2" "$(jq .line "$R"),$(jq -r .detail "$R" | grep -c 'Line 2')" "2,1"
post /v1/reports/batch '[]'
refused "an empty batch" 422 - "$tag-never" reports.batch
call POST /v1/reports/batch -H 'Content-Type: application/x-ndjson' --data-binary $'\n\n'
refused "an NDJSON batch of blank lines" 422 - "$tag-never" reports.batch
post /v1/reports/batch "$(mk "$tag-obj")"
refused "a batch that is an object" 400 - "$tag-obj" reports.batch
post /v1/reports/batch "[$(mk "$tag-mal"),"
refused "a malformed batch" 400 - "$tag-mal" reports.batch
eq "…with the offset" "$(jq 'has("offset")' "$R")" true
call POST /v1/reports/batch -H 'Content-Type: text/csv' --data-binary "$(jq -sc . <(mk "$tag-csv"))"
refused "a batch as text/csv" 415 - "$tag-csv" reports.batch

# ---- GET /v1/reports -------------------------------------------------------
# Fixtures: three dates, two areas unique to this run, distinct strands.
area1=E01$(printf '%06d' $((((RANDOM << 15) | RANDOM) % 1000000)))
area2=W05$(printf '%06d' $((((RANDOM << 15) | RANDOM) % 1000000)))
post /v1/reports "$(mk "$tag-l1" ".occurred_from = \"2025-03-10\" | .occurred_to = \"2025-03-10\" | .reported_on = \"2025-03-11\" | .area = \"$area1\" | .strands = [\"disability\"]")"
id_l1=$(jq -r .id "$R")
post /v1/reports "$(mk "$tag-l2" ".occurred_from = \"2025-06-15\" | .occurred_to = \"2025-07-01\" | .reported_on = \"2025-07-02\" | .area = \"$area2\" | .strands = [\"race\", \"transgender_identity\"]")"
id_l2=$(jq -r .id "$R")
since=$(q "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
post /v1/reports "$(mk "$tag-l3" ".occurred_from = \"2025-09-20\" | .occurred_to = \"2025-09-20\" | .reported_on = \"2025-09-21\" | .area = \"$area1\" | .strands = [\"race\"]")"
id_l3=$(jq -r .id "$R")
for i in 4 5 6 7; do
    post /v1/reports "$(mk "$tag-l$i" ".area = \"$area1\"")"
done
post /v1/reports "$(mk "$tag-l8")" # after them, outside every filter but the date
id_l8=$(jq -r .id "$R")
TOKEN=$HUB_TOKEN_COUNCIL post /v1/reports "$(mk "$tag-council")"
eq "the council stores a report of its own" "$code" 201
id_council=$(jq -r .id "$R")

# walk TOKEN QUERY LIMIT: every page; the ids in order to $R.ids, the page
# sizes to $R.pages. False on a non-200 or a page with a bad next.
walk() {
    local token=$1 query=$2 limit=$3 after=0 next c pages=0
    : >"$R.ids"
    : >"$R.pages"
    while :; do
        c=$(hcurl -o "$R.page" -w '%{http_code}' -H "Authorization: Bearer $token" \
            "$URL/v1/reports?${query:+$query&}limit=$limit&after=$after")
        [ "$c" = 200 ] || { echo "walk: $c $(head -c 300 "$R.page")" >&2; return 1; }
        jq -r '.reports[].id' "$R.page" >>"$R.ids"
        jq '.reports | length' "$R.page" >>"$R.pages"
        next=$(jq -r '.next // empty' "$R.page")
        [ -z "$next" ] && return 0
        # A full page, and next is its last id.
        [ "$(jq '.reports | length' "$R.page")" = "$limit" ] || return 1
        [ "$next" = "$(jq '.reports[-1].id' "$R.page")" ] || return 1
        after=$next
        pages=$((pages + 1))
        [ "$pages" -lt 10000 ] || return 1
    done
}
# db_ids PARTNER WHERE: the ids the partner should see, in order.
db_ids() {
    q "SELECT report_id FROM hub.report WHERE partnership_id = $HUB_PARTNERSHIP_DEMO
         AND partner_id = $1 AND ($2) ORDER BY report_id"
}
# listed NAME QUERY WHERE [LIMIT]: police's pages of QUERY are exactly WHERE.
listed() {
    if walk "$HUB_TOKEN_POLICE" "$2" "${4:-1000}"; then
        db_ids "$HUB_PARTNER_POLICE" "$3" >"$R.db"
        if cmp -s "$R.ids" "$R.db"; then
            ok "$1 ($(wc -l <"$R.ids") reports)"
        else
            not_ok "$1" "listed $(wc -l <"$R.ids"), expected $(wc -l <"$R.db"): $(diff "$R.db" "$R.ids" | head -5 | tr '\n' ' ')"
        fi
    else
        not_ok "$1" "walking the pages failed"
    fi
}
# shellcheck disable=SC2317 # called through check
has_ids() { # has_ids WANT_PRESENT WANT_ABSENT: against $R.ids
    local id
    for id in $1; do grep -qx "$id" "$R.ids" || return 1; done
    for id in $2; do grep -qx "$id" "$R.ids" && return 1; done
    return 0
}
listed "police lists exactly its own reports" "" "true"
check "…its fixtures in, the council's out" has_ids "$id_p $id_l1 $id_l2 $id_l3" "$id_council"
if walk "$HUB_TOKEN_COUNCIL" "" 1000; then
    # Its own, and those referred to it (open or accepted referrals).
    q "SELECT report_id FROM hub.report r WHERE partnership_id = $HUB_PARTNERSHIP_DEMO
         AND (partner_id = $HUB_PARTNER_COUNCIL OR EXISTS (SELECT FROM hub.referral f
              WHERE f.report_id = r.report_id AND f.to_partner = $HUB_PARTNER_COUNCIL
              AND f.status IN ('open', 'accepted'))) ORDER BY report_id" >"$R.db"
    check "the council lists exactly its own reports and those referred to it" cmp -s "$R.ids" "$R.db"
    check "…none of police's" has_ids "$id_council" "$id_p $id_p2 $id_o $id_l1 $id_l2 $id_l3"
else
    not_ok "the council lists its reports"
fi
listed "from=2025-06-01" "from=2025-06-01" "occurred_from >= '2025-06-01'"
check "…narrows" has_ids "$id_l2 $id_l3" "$id_l1"
listed "to=2025-06-30" "to=2025-06-30" "occurred_from <= '2025-06-30'"
check "…narrows" has_ids "$id_l1 $id_l2" "$id_l3 $id_p"
listed "from=2025-06-01&to=2025-06-30" "from=2025-06-01&to=2025-06-30" \
    "occurred_from BETWEEN '2025-06-01' AND '2025-06-30'"
check "…narrows" has_ids "$id_l2" "$id_l1 $id_l3 $id_p"
listed "area=$area1" "area=$area1" "area = '$area1'"
check "…narrows" has_ids "$id_l1 $id_l3" "$id_l2 $id_p $id_l8"
listed "strand=disability" "strand=disability" "'disability' = ANY (strands)"
check "…narrows" has_ids "$id_l1" "$id_l2 $id_l3 $id_p"
listed "strand=transgender_identity&area=$area2" "strand=transgender_identity&area=$area2" \
    "'transgender_identity' = ANY (strands) AND area = '$area2'"
check "…narrows" has_ids "$id_l2" "$id_l1 $id_l3"
listed "updated_since=$since" "updated_since=$since" "updated_at > '$since'"
check "…narrows" has_ids "$id_l3" "$id_l1 $id_l2 $id_p"
listed "updated_since with an offset" "updated_since=${since%Z}%2B00:00" "updated_at > '$since'"
listed "area=$area1 in pages of 2" "area=$area1" "area = '$area1'" 2
eq "…pages of 2, 2, 2, 0" "$(paste -sd, "$R.pages")" "2,2,2,0"
eq "…no duplicates" "$(sort "$R.ids" | uniq -d | wc -l)" 0
listed "every report in pages of 7" "" "true" 7

# Every kind of item in one batch of 1,205, from the health partner (its
# 3,600 reports a run would lengthen police's page walks above by 500
# pages): more than one statement's chunk of 1,000, and hubd maps the
# database's rows back to items by index, not by order. 1100 is identical
# to a stored report ($tag-hm1, 200), 1150 differs from one ($tag-hp, 409),
# 1190 is invalid, 1200 repeats item 3's reference.
TOKEN=$HUB_TOKEN_HEALTH post /v1/reports "$(mk "$tag-hm1")"
TOKEN=$HUB_TOKEN_HEALTH post /v1/reports "$(mk "$tag-hp")"
id_hp=$(jq -r .id "$R")
eq "the health partner's two reports for the batch below" "$code" 201
# Written to a file and sent from there: 600 kB is too long for an argument.
big() { # big NAME [JQ [QUERY]]: posts the batch (its new references $tag-bigNAME-INDEX) changed by JQ
    jq -c --arg p "$tag-big$1-" --arg same "$tag-hm1" --arg ref_p "$tag-hp" \
        '. as $r | [range(1205) | . as $i | $r | .external_ref = ($p + ($i | tostring))]
         | .[1100] = ($r | .external_ref = $same)
         | .[1150] = ($r | .external_ref = $ref_p | .repeat = "unknown")
         | .[1190].area = "E06000001" | .[1200].external_ref = .[3].external_ref' "$EX/report-police.json" |
        jq -c "${2:-.}" >"$T/$SUITE.big"
    TOKEN=$HUB_TOKEN_HEALTH call POST "/v1/reports/batch${3:-}" -H 'Content-Type: application/json' --data-binary "@$T/$SUITE.big"
}
statuses() { jq -c '[.items[1100, 1150, 1190, 1200, 3, 1204].status]' "$R"; }
big n
eq "a batch of 1,205 with every kind of item: 200" "$code" 200
eq "…identical 200, different 409, invalid 422, repeated 422, the rest 201" "$(statuses)" "[200,409,422,422,201,201]"
eq "…counts" "$(jq -c '[.stored, .unchanged, .conflicts, .invalid]' "$R")" "[1201,1,1,2]"
eq "…the identical and the conflicting item name the stored report" \
    "$(jq -c '[.items[1100, 1150].id]' "$R")" "[\"$(q "SELECT report_id FROM hub.report WHERE external_ref = '$tag-hm1'")\",\"$id_hp\"]"
eq "…each new item's id is the report stored under its external_ref" \
    "$(jq -r --arg p "$tag-bign-" '[.items[] | select(.status == 201) | "\($p)\(.index):\(.id)"] | sort | join(" ")' "$R")" \
    "$(q "SELECT string_agg(external_ref || ':' || report_id, ' ' ORDER BY external_ref || ':' || report_id) FROM hub.report WHERE external_ref LIKE '$tag-bign-%'")"
eq "…the stored report unchanged" "$(q "SELECT version || ',' || repeat FROM hub.report WHERE report_id = $id_hp")" "1,yes"
big_ids=$(jq -c '[.items[].id]' "$R")
big n
eq "…sent again: every stored item 200, the rest as before" \
    "$code:$(jq -c '[.stored, .unchanged, .conflicts, .invalid]' "$R"):$(statuses)" "200:[0,1202,1,2]:[200,409,422,422,200,200]"
eq "…with the same ids" "$(jq -c '[.items[].id]' "$R")" "$big_ids"
big a . '?atomic=true'
eq "…atomic: 422, every valid item 424 (none was tried)" "$code:$(statuses)" "422:[424,424,422,422,424,424]"
eq "…nothing of it stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-biga-%'")" 0
big c 'del(.[1200, 1190])' '?atomic=true'
eq "…atomic with only the conflict wrong: 409" "$code:$(jq -c '[.items[1100, 1150, 3].status]' "$R")" "409:[424,409,424]"
big s 'del(.[1200, 1190, 1150])' '?atomic=true'
eq "…atomic with new and identical items: 200, each 201 or 200" \
    "$code:$(jq -c '[.stored, .unchanged, .conflicts, .invalid]' "$R"):$(jq -c '[.items[1100, 3].status]' "$R")" "200:[1201,1,0,0]:[200,201]"
eq "…all stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-bigs-%'")" 1201

for bad in from=2026-02-30 to=yesterday from=2026-1-01 area=E06000001 area=e01009417 strand=racism \
    updated_since=2026-11-01 updated_since=2026-11-01T00:00:00 updated_since=yesterday limit=0 limit=1001 \
    limit=x after=-1 after=x; do
    call GET "/v1/reports?$bad"
    eq "GET /v1/reports?$bad is 400" "$code:$(jq -r .status "$R" 2>/dev/null)" "400:400"
    eq "…audited as refused" "$(audit_of)" "reports.list,refused"
done
call GET "/v1/reports?limit=10001" -H 'Accept: text/csv'
eq "CSV: limit=10001 is 400" "$code" 400
call GET "/v1/reports?limit=10000&area=$area1" -H 'Accept: text/csv'
eq "CSV: limit=10000 is fine" "$code" 200

call GET "/v1/reports?area=$area1&limit=2" -H 'Accept: text/csv'
eq "CSV: 200 text/csv" "$code:$(tr -d '\r' <"$R.h" | sed -n 's/^[Cc]ontent-[Tt]ype: //p' | cut -d';' -f1)" "200:text/csv"
eq "…header line" "$(head -1 "$R" | tr -d '\r')" \
    "id,external_ref,version,occurred_from,occurred_to,reported_on,area,location_type,strands,incident_types,ethnic_group,ethnic_scheme,ethnic_native,age_band,sex,repeat,channel,subject_key_present,created_at,updated_at,withdrawn_at"
eq "…and the page's 2 rows" "$(tail -n +2 "$R" | cut -d, -f1 | paste -sd,)" \
    "$(db_ids "$HUB_PARTNER_POLICE" "area = '$area1'" | head -2 | paste -sd,)"
eq "…the first row is the fixture" "$(sed -n 2p "$R" | tr -d '\r' | cut -d, -f2,4,7,9,11,12,13)" \
    "$tag-l1,2025-03-10,$area1,disability,asian_pakistani,police,A2"
link=$(tr -d '\r' <"$R.h" | sed -n 's/^[Ll]ink: <\([^>]*\)>; rel="next"$/\1/p')
check "…Link rel=next on a full page" test -n "$link"
: >"$R.csv"
tail -n +2 "$R" >>"$R.csv"
pages=1
while [ -n "$link" ] && [ "$pages" -lt 20 ]; do
    call GET "$link" -H 'Accept: text/csv'
    [ "$code" = 200 ] || break
    tail -n +2 "$R" >>"$R.csv"
    link=$(tr -d '\r' <"$R.h" | sed -n 's/^[Ll]ink: <\([^>]*\)>; rel="next"$/\1/p')
    pages=$((pages + 1))
done
eq "…following Link gives every row of the filter, once" "$(cut -d, -f1 "$R.csv" | paste -sd,)" \
    "$(db_ids "$HUB_PARTNER_POLICE" "area = '$area1'" | paste -sd,)"
call GET "/v1/reports?area=$area1&limit=1000" -H 'Accept: text/csv'
eq "…no Link when the page is not full" "$(grep -ci '^link:' "$R.h")" 0
eq "…$(db_ids "$HUB_PARTNER_POLICE" "area = '$area1'" | wc -l) rows" "$(tail -n +2 "$R" | wc -l)" \
    "$(db_ids "$HUB_PARTNER_POLICE" "area = '$area1'" | wc -l)"

# ---- GET /v1/reports/{id} ------------------------------------------------
call GET "/v1/reports/$id_p"
eq "GET its own report: 200" "$code:$(jq -r .external_ref "$R")" "200:$ref_p"
eq "…audited as reports.get ok" "$(audit_of)" "reports.get,ok"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_p"
eq "GET another partner's report: 404" "$code:$(jq -r .status "$R")" "404:404"
eq "…not disclosing it" "$(grep -c "$ref_p" "$R")" 0
eq "…audited as not_found" "$(audit_of)" "reports.get,not_found"
TOKEN=$HUB_TOKEN_COUNCIL call GET "/v1/reports/$id_p/versions"
eq "GET another partner's versions: 404" "$code" 404
call GET "/v1/reports/$id_council"
eq "…and the other way round" "$code" 404
for bad in abc 12x -1 0x10 99999999999999999999999; do
    call GET "/v1/reports/$bad"
    eq "GET /v1/reports/$bad is 404" "$code" 404
done
call GET "/v1/reports/$(q "SELECT coalesce(max(report_id), 0) + 1000 FROM hub.report")"
eq "GET a report that does not exist: 404" "$code" 404

# ---- PATCH -----------------------------------------------------------------
ref_a=$tag-amend
post /v1/reports "$(mk "$ref_a")"
id_a=$(jq -r .id "$R")
hash_before=$(q "SELECT encode(subject_hash, 'hex') FROM hub.report WHERE report_id = $id_a")
patch "$id_a" '{"repeat": "unknown", "victim": {"age_band": "35-44"}}'
eq "PATCH changes a field: 200, version 2" "$code:$(jq -r '.version' "$R")" "200:2"
eq "…merged" "$(jq -c '[.repeat, .victim.age_band, .victim.ethnic_group, .victim.native.code, .victim.sex, .area]' "$R")" \
    '["unknown","35-44","asian_pakistani","A2","female","E01009417"]'
eq "…stored" "$(q "SELECT version || ',' || repeat || ',' || age_band FROM hub.report WHERE report_id = $id_a")" "2,unknown,35-44"
eq "…the pseudonym stays" "$(q "SELECT encode(subject_hash, 'hex') FROM hub.report WHERE report_id = $id_a")" "$hash_before"
eq "…audited as reports.amend ok" "$(audit_of)" "reports.amend,ok"
call GET "/v1/reports/$id_a/versions"
eq "/versions: 200" "$code" 200
eq "…version 1 as it was" "$(jq -c '[.versions[] | [.version, .repeat, .victim.age_band]]' "$R")" '[[1,"yes","25-34"]]'
eq "…and the current version 2" "$(jq -c '[.current.version, .current.repeat, .current.victim.age_band]' "$R")" '[2,"unknown","35-44"]'
patch "$id_a" '{"repeat": "unknown"}'
eq "PATCH with no change keeps version 2" "$code:$(jq -r '.version' "$R")" "200:2"
key_new=$(printf 'cd%.0s' {1..32})
patch "$id_a" "{\"subject_key\": \"$key_new\"}"
eq "PATCH with a new subject_key: version 3" "$code:$(jq -r '.version' "$R")" "200:3"
eq "…not echoed" "$(grep -c "$key_new" "$R")" 0
eq "…re-keyed, 32 bytes, not the key" "$(q "SELECT length(subject_hash) || ',' || (encode(subject_hash, 'hex') <> '$key_new')
    || ',' || (encode(subject_hash, 'hex') <> '$hash_before') FROM hub.report WHERE report_id = $id_a")" "32,true,true"
eq "…the same hash as a report submitted with that key" "$(q "SELECT count(DISTINCT subject_hash) FROM hub.report
    WHERE report_id IN ($id_a, $id_p3)")" 1
patch "$id_a" '{"subject_key": "CDCD"}'
refused "PATCH with a bad subject_key" 422 /subject_key "$tag-never" reports.amend
patch "$id_a" "{\"external_ref\": \"$tag-renamed\"}"
refused "PATCH changing external_ref" 422 /external_ref "$tag-renamed" reports.amend
patch "$id_a" "{\"external_ref\": \"$ref_a\", \"channel\": \"online\"}"
eq "PATCH repeating the same external_ref is fine" "$code:$(jq -r '.version, .channel' "$R" | paste -sd,)" "200:4,online"
patch "$id_a" '{"area": "E06000001", "victim": {"sex": "x"}}'
refused "PATCH making it invalid" 422 "/area /victim/sex" "$tag-never" reports.amend
eq "…the stored report unchanged" "$(q "SELECT version || ',' || area || ',' || sex FROM hub.report WHERE report_id = $id_a")" "4,E01009417,female"
patch "$id_a" '{"area": null}'
refused "PATCH removing a required member" 422 /area "$tag-never" reports.amend
patch "$id_a" '{"note": "Mr Smith"}'
refused "PATCH with personal data" 422 /note "$tag-never" reports.amend
eq "…not in the answer" "$(grep -c 'Mr Smith' "$R")" 0
call PATCH "/v1/reports/$id_a" -H 'Content-Type: text/plain' --data-binary '{"repeat": "no"}'
refused "PATCH as text/plain" 415 - "$tag-never" reports.amend
patch "$id_a" '{"repeat": '
refused "PATCH with malformed JSON" 400 - "$tag-never" reports.amend
eq "…the stored report still unchanged" "$(q "SELECT version || ',' || repeat FROM hub.report WHERE report_id = $id_a")" "4,unknown"
TOKEN=$HUB_TOKEN_COUNCIL patch "$id_a" '{"repeat": "no"}'
eq "PATCH another partner's report: 404" "$code" 404
eq "…audited as not_found" "$(audit_of)" "reports.amend,not_found"
eq "…unchanged" "$(q "SELECT version || ',' || repeat FROM hub.report WHERE report_id = $id_a")" "4,unknown"
patch abc '{"repeat": "no"}'
eq "PATCH /v1/reports/abc: 404" "$code" 404
post /v1/reports "$(mk "$ref_a")"
eq "POST of the original after amending: 409" "$code:$(jq -r .report "$R")" "409:$id_a"
# RFC 7396: null removes a member, at any depth.
ref_m=$tag-merge
post /v1/reports "$(mk "$ref_m" '.occurred_to = "2026-10-16" | .reported_on = "2026-10-17"')"
id_m=$(jq -r .id "$R")
patch "$id_m" '{"occurred_to": null}'
eq "PATCH occurred_to null: it defaults to occurred_from again" "$code:$(jq -r '.occurred_to' "$R")" "200:2026-10-14"
patch "$id_m" '{"victim": {"ethnic_scheme": null, "ethnic_group": "white_irish"}}'
eq "PATCH victim.ethnic_scheme null: back to ONS codes" "$code:$(jq -cS '[.victim.ethnic_group, .victim.native]' "$R")" \
    '200:["white_irish",{"code":"white_irish","scheme":"ons2021"}]'
eq "…stored" "$(q "SELECT ethnic_group || ',' || ethnic_scheme || ',' || ethnic_native FROM hub.report WHERE report_id = $id_m")" \
    "white_irish,ons2021,white_irish"

# ---- DELETE ----------------------------------------------------------------
TOKEN=$HUB_TOKEN_COUNCIL call DELETE "/v1/reports/$id_a"
eq "DELETE another partner's report: 404" "$code" 404
eq "…audited as not_found" "$(audit_of)" "reports.withdraw,not_found"
eq "…not withdrawn" "$(q "SELECT withdrawn_at IS NULL FROM hub.report WHERE report_id = $id_a")" t
call DELETE "/v1/reports/$id_a"
eq "DELETE withdraws: 200 with withdrawn_at" "$code:$(jq '.withdrawn_at != null' "$R")" "200:true"
eq "…audited as reports.withdraw ok" "$(audit_of)" "reports.withdraw,ok"
withdrawn=$(q "SELECT withdrawn_at FROM hub.report WHERE report_id = $id_a")
check "…withdrawn_at set in the database" test -n "$withdrawn"
call GET "/v1/reports/$id_a"
eq "…still readable" "$code:$(jq '.withdrawn_at != null' "$R")" "200:true"
call DELETE "/v1/reports/$id_a"
eq "DELETE again is fine" "$code" 200
eq "…withdrawn_at kept" "$(q "SELECT withdrawn_at FROM hub.report WHERE report_id = $id_a")" "$withdrawn"
patch "$id_a" '{"repeat": "no"}'
eq "PATCH of a withdrawn report: 409" "$code:$(jq -r .status "$R")" "409:409"
eq "…audited as refused" "$(audit_of)" "reports.amend,refused"
eq "…unchanged" "$(q "SELECT version || ',' || repeat FROM hub.report WHERE report_id = $id_a")" "4,unknown"
walk "$HUB_TOKEN_POLICE" "area=E01009417" 1000
check "withdrawn reports are still listed" has_ids "$id_a" ""
call DELETE /v1/reports/abc
eq "DELETE /v1/reports/abc: 404" "$code" 404

# ---- roles -----------------------------------------------------------------
TOKEN_READ=$(HUB_DB=$owner "$CTL" token issue --partner "$HUB_PARTNER_POLICE" --roles read)
TOKEN_SUBMIT=$(HUB_DB=$owner "$CTL" token issue --partner "$HUB_PARTNER_POLICE" --roles submit)
check "(tokens issued)" test -n "$TOKEN_READ" -a -n "$TOKEN_SUBMIT"
TOKEN=$TOKEN_READ post /v1/reports "$(mk "$tag-ro")"
eq "a read-only token cannot POST (403)" "$code" 403
eq "…nothing stored" "$(stored "$tag-ro")" 0
eq "…audited as denied" "$(audit_of)" "reports.create,denied"
TOKEN=$TOKEN_READ post /v1/reports/batch "$(jq -sc . <(mk "$tag-rob"))"
eq "…nor a batch (403)" "$code:$(stored "$tag-rob"):$(audit_of)" "403:0:reports.batch,denied"
TOKEN=$TOKEN_READ patch "$id_p" '{"repeat": "no"}'
eq "…nor PATCH (403)" "$code:$(audit_of)" "403:reports.amend,denied"
TOKEN=$TOKEN_READ call DELETE "/v1/reports/$id_p"
eq "…nor DELETE (403)" "$code:$(q "SELECT withdrawn_at IS NULL FROM hub.report WHERE report_id = $id_p")" "403:t"
TOKEN=$TOKEN_READ call GET "/v1/reports/$id_p"
eq "…but it reads (200)" "$code" 200
TOKEN=$TOKEN_SUBMIT call GET /v1/reports
eq "a submit-only token cannot GET the list (403)" "$code" 403
eq "…audited as denied" "$(audit_of)" "reports.list,denied"
TOKEN=$TOKEN_SUBMIT call GET "/v1/reports/$id_p"
eq "…nor one report (403)" "$code" 403
TOKEN=$TOKEN_SUBMIT post /v1/reports "$(mk "$tag-so")"
eq "…but it submits (201)" "$code:$(stored "$tag-so")" "201:1"
TOKEN=$HUB_TOKEN_PUBLIC post /v1/reports "$(mk "$tag-pub")"
eq "a public token cannot POST (403)" "$code:$(stored "$tag-pub")" "403:0"
code=$(status_of "$URL/v1/reports" -H 'Content-Type: application/json' --data-binary "$(mk "$tag-anon")")
eq "no credential: 401" "$code:$(stored "$tag-anon")" "401:0"
code=$(status_of "$URL/v1/reports" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE" \
    -H 'Content-Type: application/json' --data-binary "$(mk "$tag-cert")")
eq "the police client certificate submits (201)" "$code:$(q "SELECT partner_id FROM hub.report WHERE external_ref = '$tag-cert'")" \
    "201:$HUB_PARTNER_POLICE"

# ---- code lists ------------------------------------------------------------
code=$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/codes")
eq "GET /v1/codes without a credential: 200" "$code" 200
eq "…lists every code list" "$(jq -r '[.lists[].list] | sort | join(",")' "$R")" \
    "$(for f in "$ROOT"/api/codes/*.csv; do basename "$f" .csv; done | sort | paste -sd,)"
eq "…with their sizes" "$(jq -r '.lists[] | select(.list == "ethnic_police") | .codes' "$R")" 19
code=$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/codes/ethnic_police")
eq "GET /v1/codes/ethnic_police: 200" "$code" 200
eq "…W1…NS" "$(jq -r '[.codes[].code] | join(",")' "$R")" "W1,W2,W3,W9,M1,M2,M3,M9,A1,A2,A3,A4,A9,B1,B2,B9,O1,O9,NS"
eq "…each with its ons_code" "$(jq -r '[.codes[] | select(.ons_code | type == "string" and length > 0)] | length' "$R")" 19
eq "…A2 is asian_pakistani" "$(jq -r '.codes[] | select(.code == "A2") | .ons_code' "$R")" asian_pakistani
code=$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/codes/strand")
eq "GET /v1/codes/strand: the 7 strands" "$code:$(jq '.codes | length' "$R")" "200:7"
code=$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/codes/nonesuch")
eq "an unknown list is 404" "$code:$(jq -r .status "$R")" "404:404"
code=$(hcurl -o "$R" -w '%{http_code}' "$URL/v1/codes/..%2Fcodes%2Fstrand")
eq "…and so is a path trick" "$code" 404
code=$(status_of "$URL/v1/codes/strand" -H "Authorization: Bearer $HUB_TOKEN_POLICE")
eq "…with a credential too" "$code" 200

# ---- the same external_ref stored by another transaction at that moment ------
# The insert waits for the other transaction, finds its row on commit and
# does nothing, but its snapshot cannot see that row: hubd looks again in a
# new transaction and answers the conflict, naming the report (this crashed
# hubd once). In a batch the second pass does the same.
race() { # race REF: holds an insert of REF with other content for 1.5 s
    psql -X -q "host=$T/run port=$PGPORT user=postgres dbname=hub" >/dev/null 2>&1 <<SQL &
BEGIN;
INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
    reported_on, area, location_type, strands, incident_types, ethnic_group, ethnic_scheme,
    ethnic_native, age_band, sex, repeat, channel, content_hash)
VALUES ($HUB_PARTNERSHIP_DEMO, $HUB_PARTNER_POLICE, '$1', '2025-01-01', '2025-01-01', '2025-01-02',
    'E01000001', 'street', '{race}', '{threats}', 'white_british', 'ons2021', 'white_british',
    '25-34', 'female', 'no', 'telephone', sha256('other content'));
SELECT pg_sleep(1.5);
COMMIT;
SQL
    race_pid=$!
    sleep 0.5
}
race "$tag-race-1"
post /v1/reports "$(jq -c --arg r "$tag-race-1" '.external_ref = $r' "$EX/report-police.json")"
wait "$race_pid"
eq "one report while another transaction stores its external_ref: 409 naming it" \
    "$code:$(jq -r .report "$R")" "409:$(q "SELECT report_id FROM hub.report WHERE external_ref = '$tag-race-1'")"
race "$tag-race-2"
post /v1/reports/batch "$(jq -c --arg r "$tag-race-2" '[.external_ref = $r, .external_ref = ($r + "-b")]' "$EX/report-police.json")"
wait "$race_pid"
eq "…in a batch: the item is a conflict with the report's id, the other stored" \
    "$code:$(jq -c '[.items[] | [.status, (.id | length > 0)]]' "$R")" '200:[[409,true],[201,true]]'
check "…and hubd is alive" test "$(status_of "$URL/healthz")" = 200

stop_hubd
eq "hubd exits 0" "$?" 0
check "no sanitizer reports" sanitizer_clean
# The personal data never reached hubd's log, nor the pseudonym.
for value in "jane.doe@example.com" "07700900123" "07700 900123" "B12 3AB" "SW1A 1AA" "9434765919" \
    "943 476 5919" "AB123456C" "Mr Smith" "Mrs O'Neil" "$key_police"; do
    eq "'${value:0:20}' is not in hubd's log" "$(grep -cF "$value" "$MAIN_LOG")" 0
done

# ---- limits: HUB_MAX_BODY=2k, HUB_MAX_BATCH=5 ------------------------------
start_hubd HUB_MAX_BODY=2k HUB_MAX_BATCH=5 || { not_ok "hubd starts with small limits"; exit 0; }
r=$tag-big
big=$(mk "$r" '.x = $pad' --arg pad "$(printf 'y%.0s' {1..2100})")
post /v1/reports "$big"
eq "a body over HUB_MAX_BODY is 413" "$code:$(jq -r .status "$R" 2>/dev/null)" "413:413"
eq "…nothing stored" "$(stored "$r")" 0
r=$tag-small
post /v1/reports "$(mk "$r")"
eq "…a small one is still fine" "$code:$(stored "$r")" "201:1"
post /v1/reports/batch "$(for i in 1 2 3 4 5 6; do mk "$tag-six-$i"; done | jq -sc .)"
refused "6 reports with HUB_MAX_BATCH=5" 413 - "$tag-six-1" reports.batch
eq "…none stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-six-%'")" 0
call POST /v1/reports/batch -H 'Content-Type: application/x-ndjson' \
    --data-binary "$(for i in 1 2 3 4 5 6; do mk "$tag-six-$i"; done)"
refused "6 NDJSON lines with HUB_MAX_BATCH=5" 413 - "$tag-six-1" reports.batch
post /v1/reports/batch "$(for i in 1 2 3 4 5; do mk "$tag-five-$i"; done | jq -sc .)"
eq "5 reports are fine" "$code:$(jq -c '[.items[].status]' "$R")" "200:[201,201,201,201,201]"
eq "…all stored" "$(q "SELECT count(*) FROM hub.report WHERE external_ref LIKE '$tag-five-%'")" 5
stop_hubd
eq "hubd exits 0 (small limits)" "$?" 0
check "no sanitizer reports (small limits)" sanitizer_clean
exit 0
