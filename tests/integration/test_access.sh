#!/usr/bin/env bash
# The access matrix: every endpoint of /v1 against every kind of caller,
# and no row of another partnership in any answer.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
start_hubd || { not_ok "hubd starts"; exit 0; }

# A second partnership whose names carry a marker that must never appear
# in an answer to the demo partnership, and the other way round.
tag=$RANDOM
other_ps=$(HUB_DB=$owner "$CTL" partnership add "ZZFOREIGN partnership $tag" --isa-ref "ISA-ZZ-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 12)
other_partner=$(HUB_DB=$owner "$CTL" partner add --partnership "$other_ps" --kind police "ZZFOREIGN police $tag")
TOKEN_FOREIGN=$(HUB_DB=$owner "$CTL" token issue --partner "$other_partner" --roles submit,read)
TOKEN_FOREIGN_COORD=$(HUB_DB=$owner "$CTL" token issue --partner "$other_partner" --roles read,coordinate)
TOKEN_REVOKED=$(HUB_DB=$owner "$CTL" token issue --partner "$HUB_PARTNER_POLICE" --roles submit,read)
revoked_id=$(psql -X -tA "$owner" -c "SELECT credential_id FROM hub.credential WHERE token_hash = sha256('$TOKEN_REVOKED')")
HUB_DB=$owner "$CTL" token revoke "$revoked_id" >/dev/null
TOKEN_EXPIRED=$(HUB_DB=$owner "$CTL" token issue --partner "$HUB_PARTNER_POLICE" --roles submit,read --expires-days 1)
psql -X -q "$owner" -c "UPDATE hub.credential SET expires_at = now() - interval '1 minute' WHERE token_hash = sha256('$TOKEN_EXPIRED')"
disabled_partner=$(HUB_DB=$owner "$CTL" partner add --partnership "$other_ps" --kind other "ZZFOREIGN disabled $tag")
TOKEN_DISABLED=$(HUB_DB=$owner "$CTL" token issue --partner "$disabled_partner" --roles submit,read)
HUB_DB=$owner "$CTL" partner disable "$disabled_partner" >/dev/null

# call WHO METHOD PATH [BODY]: prints the status; the body goes to $R.
call() {
    local who=$1 method=$2 path=$3 body=${4:-} auth=()
    case $who in
    own) auth=(-H "Authorization: Bearer $HUB_TOKEN_POLICE") ;;
    other) auth=(-H "Authorization: Bearer $HUB_TOKEN_COUNCIL") ;;
    third) auth=(-H "Authorization: Bearer $HUB_TOKEN_HEALTH") ;;
    foreign) auth=(-H "Authorization: Bearer $TOKEN_FOREIGN") ;;
    foreign_coord) auth=(-H "Authorization: Bearer $TOKEN_FOREIGN_COORD") ;;
    coord) auth=(-H "Authorization: Bearer $HUB_TOKEN_COORDINATOR") ;;
    public) auth=(-H "Authorization: Bearer $HUB_TOKEN_PUBLIC") ;;
    revoked) auth=(-H "Authorization: Bearer $TOKEN_REVOKED") ;;
    expired) auth=(-H "Authorization: Bearer $TOKEN_EXPIRED") ;;
    disabled) auth=(-H "Authorization: Bearer $TOKEN_DISABLED") ;;
    wrong) auth=(-H "Authorization: Bearer hub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") ;;
    malformed) auth=(-H "Authorization: Bearer not-a-token") ;;
    cert) auth=(--cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE") ;;
    cert_unregistered) auth=(--cert "$T/certs/clients/unregistered.pem" --key "$T/certs/clients/unregistered.key") ;;
    none) ;;
    esac
    if [ -n "$body" ]; then
        auth+=(-H 'Content-Type: application/json' --data "$body")
    fi
    hcurl -o "$R" -D "$R.h" -w '%{http_code}' -X "$method" "${auth[@]}" "$URL$path"
}
[ -f "$T/certs/clients/unregistered.pem" ] || "$ROOT/certs/make-client.sh" "$T/certs" unregistered >/dev/null 2>&1

# A token for each DELETE row to revoke, made fresh per caller.
fresh_token_id() {
    local tok
    tok=$(HUB_DB=$owner "$CTL" token issue --partner "$1" --roles read)
    psql -X -tA "$owner" -c "SELECT credential_id FROM hub.credential WHERE token_hash = sha256('$tok')"
}

# Expected status for each caller, in this order:
callers=(own cert other third foreign coord foreign_coord public none revoked expired disabled wrong malformed cert_unregistered)
matrix() { # matrix METHOD PATH BODY STATUSES...
    local method=$1 path=$2 body=$3 i=0 got path_now
    shift 3
    for who in "${callers[@]}"; do
        path_now=${path//@police_token@/$(fresh_token_id "$HUB_PARTNER_POLICE")}
        got=$(call "$who" "$method" "$path_now" "$body")
        if [ "$got" = "$1" ]; then
            ok "$method $path as $who: $got"
        else
            not_ok "$method $path as $who: expected $1, got $got" "$(head -c 300 "$R")"
        fi
        if [ "${who%%_*}" != foreign ] && grep -q ZZFOREIGN "$R"; then
            not_ok "$method $path as $who leaks another partnership's rows"
        fi
        if [ "${who%%_*}" = foreign ] && grep -q 'Demo ' "$R"; then
            not_ok "$method $path as $who leaks the demo partnership's rows"
        fi
        case $got in
        401) grep -qi '^www-authenticate: Bearer realm="hub"' "$R.h" ||
            not_ok "$method $path as $who: 401 without WWW-Authenticate" ;;
        4* | 5*) [ "$(jq -r .status "$R" 2>/dev/null)" = "$got" ] ||
            not_ok "$method $path as $who: $got is not problem+json" ;;
        esac
        i=$((i + 1))
        shift
    done
}
# own: police (submit, read); cert: police's certificate; other: the
# council, to which police's report is referred; third: health, a partner
# it is not referred to; coord: the council's coordinator (read, coordinate).
#                                                         own cert oth 3rd frn crd fcr pub non rev exp dis wrg mal unr
matrix GET /v1/me '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix GET /v1/partners '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix GET /v1/tokens '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix GET /v1/audit '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix POST /v1/partners "{\"name\":\"Matrix housing $tag\",\"kind\":\"housing\"}" \
    403 403 403 403 403 201 201 403 401 401 401 401 401 401 401
matrix PATCH "/v1/partners/$HUB_PARTNER_HEALTH" '{"active":true}' \
    403 403 403 403 403 200 404 403 401 401 401 401 401 401 401
matrix POST /v1/tokens "{\"partner_id\":$HUB_PARTNER_HEALTH,\"roles\":[\"read\"]}" \
    403 403 403 403 403 201 422 403 401 401 401 401 401 401 401
matrix DELETE "/v1/tokens/@police_token@" '' \
    204 204 404 404 404 204 404 403 401 401 401 401 401 401 401

# Reports, referrals, outcomes, indicators and self-assessments. Police's
# report, referred to the council: the council sees it (read-only), health
# does not.
report=$(jq -c --arg ref "ACCESS-$tag" '.external_ref = $ref' "$ROOT/api/examples/report-police.json")
code=$(call own POST /v1/reports "$report")
rep=$(jq -r .id "$R")
code=$(call own POST "/v1/reports/$rep/referrals" "{\"to_partner\":$HUB_PARTNER_COUNCIL,\"reason\":\"housing_action\",\"urgency\":\"routine\"}")
ref=$(jq -r .id "$R")
check "(fixture: a police report referred to the council)" test "$code" = 201 -a -n "$rep" -a -n "$ref"
today=$(date -u +%F)
indicator="[{\"indicator\":\"feel_safe_after_dark\",\"period\":\"2025\",\"area\":\"E08000025\",\"ethnic_group\":\"all\",\"value\":70}]"
#                                                         own cert oth 3rd frn crd fcr pub non rev exp dis wrg mal unr
matrix GET /v1/reports '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix GET "/v1/reports/$rep" '' 200 200 200 404 404 200 404 403 401 401 401 401 401 401 401
matrix GET "/v1/reports/$rep/versions" '' 200 200 404 404 404 404 404 403 401 401 401 401 401 401 401
matrix PATCH "/v1/reports/$rep" '{"repeat":"no"}' \
    200 200 404 404 404 403 403 403 401 401 401 401 401 401 401
matrix POST "/v1/reports/$rep/referrals" "{\"to_partner\":$HUB_PARTNER_HEALTH,\"reason\":\"health_support\",\"urgency\":\"urgent\"}" \
    201 409 404 404 404 403 403 403 401 401 401 401 401 401 401
matrix GET /v1/referrals '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix POST "/v1/referrals/$ref/accept" '' 404 404 200 404 404 403 403 403 401 401 401 401 401 401 401
matrix POST "/v1/reports/$rep/outcomes" "{\"outcome\":\"victim_supported\",\"on\":\"$today\"}" \
    201 201 201 404 404 403 403 403 401 401 401 401 401 401 401
matrix GET /v1/indicators '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix POST /v1/indicators "$indicator" 200 200 200 200 200 403 403 403 401 401 401 401 401 401 401
# Statistics: any read credential and the public one, each over its own
# partnership (test_stats and test_stats_flow check the figures).
for stats in reports rates repeat referrals outcomes; do
    #                                                     own cert oth 3rd frn crd fcr pub non rev exp dis wrg mal unr
    matrix GET "/v1/stats/$stats" '' 200 200 200 200 200 200 200 200 401 401 401 401 401 401 401
done
# Self-assessments: every partner reads the partnership's, each submits its
# own. Police's certificate sends police's answers again: unchanged, 200.
assessment=$(jq -cn --arg d "$today" --arg e "Access matrix $tag" '{assessed_on: $d, answers: [range(1; 9)
    | {question: "q\(.)", stage: "starting", evidence: $e}]}')
#                                                         own cert oth 3rd frn crd fcr pub non rev exp dis wrg mal unr
matrix POST /v1/self-assessments "$assessment" 201 200 201 201 201 403 403 403 401 401 401 401 401 401 401
matrix GET /v1/self-assessments '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix GET /v1/self-assessments/journey '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
# Joint targets: coordinators set them (a foreign coordinator cannot name
# this partnership's partners as owners), every partner reads them.
target=$(jq -cn --argjson lead "$HUB_PARTNER_POLICE" --arg t "Matrix target $tag" '{title: $t,
    metric: "reports_count", direction: "increase", baseline: {value: 10, period: "2024"},
    target: {value: 20, due: "2025-12-31"}, owners: {lead: $lead}, review: "annually"}')
code=$(call coord POST /v1/targets "$target")
tid=$(jq -r .id "$R")
check "(fixture: a target set by the coordinator)" test "$code" = 201 -a -n "$tid"
#                                                         own cert oth 3rd frn crd fcr pub non rev exp dis wrg mal unr
matrix POST /v1/targets "$target" 403 403 403 403 403 201 422 403 401 401 401 401 401 401 401
matrix GET /v1/targets '' 200 200 200 200 200 200 200 403 401 401 401 401 401 401 401
matrix GET "/v1/targets/$tid" '' 200 200 200 200 404 200 404 403 401 401 401 401 401 401 401
matrix PATCH "/v1/targets/$tid" '{"tolerance":0.2}' 403 403 403 403 403 200 404 403 401 401 401 401 401 401 401
matrix GET "/v1/targets/$tid/versions" '' 200 200 200 200 404 200 404 403 401 401 401 401 401 401 401
# Health was referred the report (urgent) above: now it sees it too, and a
# partner of another partnership still does not.
matrix GET "/v1/reports/$rep" '' 200 200 200 200 404 200 404 403 401 401 401 401 401 401 401

# What each caller sees in the lists.
call own GET /v1/me >/dev/null
check "/v1/me names the caller's partner and partnership" \
    test "$(jq -r '[.partner.id, .partner.kind, .partnership.isa_reference, (.roles|join(","))] | join("|")' "$R")" = \
    "$HUB_PARTNER_POLICE|police|ISA-DEMO-2026-01|submit,read"
call cert GET /v1/me >/dev/null
check "/v1/me with the client certificate is the same partner" \
    test "$(jq -r '.partner.id, .credential.kind' "$R" | paste -sd,)" = "$HUB_PARTNER_POLICE,certificate"
call own GET /v1/partners >/dev/null
check "a partner sees the four demo partners" test "$(jq '[.partners[].id | select(. == '"$HUB_PARTNER_POLICE"' or . == '"$HUB_PARTNER_COUNCIL"' or . == '"$HUB_PARTNER_HEALTH"' or . == '"$HUB_PARTNER_COMMUNITY"')] | length' "$R")" = 4
call own GET /v1/tokens >/dev/null
check "a partner sees only its own tokens" \
    test "$(jq "[.tokens[] | select(.partner_id != $HUB_PARTNER_POLICE)] | length" "$R")" = 0
check "token lists never show hashes or tokens" bash -c "! grep -qiE 'hash|hub_[A-Za-z0-9_-]{43}' '$R'"
call coord GET /v1/tokens >/dev/null
check "a coordinator sees the partnership's tokens" \
    test "$(jq "[.tokens[].partner_id] | unique | length >= 4" "$R")" = true
call own GET /v1/audit >/dev/null
check "a partner's audit trail holds only its own rows" \
    test "$(jq "[.entries[] | select(.partner_id != $HUB_PARTNER_POLICE)] | length" "$R")" = 0
call coord GET "/v1/audit?limit=500" >/dev/null
check "a coordinator's audit trail holds other partners' rows too" \
    test "$(jq "[.entries[].partner_id] | unique | length > 1" "$R")" = true
code=$(call coord GET "/v1/audit?limit=0")
check "a bad limit is 400" test "$code" = 400

# Coordinator administration.
name="Demo Housing Association $tag"
code=$(call coord POST /v1/partners "{\"name\":\"$name\",\"kind\":\"housing\"}")
check "a coordinator adds a partner (201)" test "$code" = 201
check "…with Location" grep -qiE '^location: /v1/partners/[0-9]+' "$R.h"
new_partner=$(jq .id "$R")
code=$(call coord POST /v1/partners "{\"name\":\"$name\",\"kind\":\"housing\"}")
check "the same name again is 409" test "$code" = 409
code=$(call coord POST /v1/partners '{"name":"","kind":"bakery","colour":"red"}')
check "bad fields are 422" test "$code" = 422
check "…naming each field" \
    test "$(jq -r '[.errors[].pointer] | sort | join(",")' "$R")" = "/colour,/kind,/name"
code=$(call coord POST /v1/partners '{"name": "x",')
check "malformed JSON is 400 with the offset" test "$code:$(jq 'has("offset")' "$R")" = "400:true"
code=$(hcurl -o "$R" -w '%{http_code}' -H "Authorization: Bearer $HUB_TOKEN_COORDINATOR" \
    -H 'Content-Type: text/plain' --data 'x' "$URL/v1/partners")
check "a body that is not JSON is 415" test "$code" = 415
code=$(call coord POST /v1/tokens "{\"partner_id\":$new_partner,\"roles\":[\"submit\",\"read\"],\"label\":\"api\",\"expires_in_days\":30}")
check "a coordinator issues a token (201)" test "$code" = 201
new_token=$(jq -r .token "$R")
check "…shown once, well formed" grep -qE '^hub_[A-Za-z0-9_-]{43}$' <<<"$new_token"
code=$(status_of "$URL/v1/me" -H "Authorization: Bearer $new_token")
check "…and it works" test "$code" = 200
check "…only its hash is stored" test "$(psql -X -tA "$owner" -c \
    "SELECT count(*) FROM hub.credential WHERE token_hash = sha256('$new_token')")" = 1
code=$(call coord POST /v1/tokens '{"partner_id":null,"roles":["public"]}')
check "a coordinator issues a public token" test "$code" = 201
code=$(call coord POST /v1/tokens "{\"partner_id\":null,\"roles\":[\"read\"]}")
check "a token without a partner must be public (422)" test "$code" = 422
code=$(call coord POST /v1/tokens "{\"partner_id\":$other_partner,\"roles\":[\"read\"]}")
check "a token for another partnership's partner is refused (422)" test "$code" = 422
code=$(call coord PATCH "/v1/partners/$new_partner" '{"active":false}')
check "a coordinator disables a partner" test "$code:$(jq .active "$R")" = "200:false"
code=$(status_of "$URL/v1/me" -H "Authorization: Bearer $new_token")
check "a disabled partner's token gets 401" test "$code" = 401
code=$(call foreign_coord PATCH "/v1/partners/$new_partner" '{"active":true}')
check "another partnership's coordinator cannot touch it (404)" test "$code" = 404
code=$(call coord PATCH "/v1/partners/abc" '{"active":true}')
check "a malformed id is 404" test "$code" = 404

# A certificate revoked in the registry (not on the CRL) gets 401.
cn=revoked-reg-$tag
"$ROOT/certs/make-client.sh" "$T/certs" "$cn" >/dev/null 2>&1
cert_id=$(HUB_DB=$owner "$CTL" cert register --partner "$HUB_PARTNER_HEALTH" --roles read \
    "$T/certs/clients/$cn.pem" 2>/dev/null)
code=$(status_of "$URL/v1/me" --cert "$T/certs/clients/$cn.pem" --key "$T/certs/clients/$cn.key")
check "a registered certificate is accepted" test "$code" = 200
HUB_DB=$owner "$CTL" cert revoke "$cert_id" >/dev/null 2>&1
code=$(status_of "$URL/v1/me" --cert "$T/certs/clients/$cn.pem" --key "$T/certs/clients/$cn.key")
check "the same certificate revoked in the registry gets 401" test "$code" = 401
stop_hubd
check "hubd exits 0" test $? -eq 0
check "no sanitizer reports" sanitizer_clean

# HUB_CERT_IDENTITY=subject: the certificate's subject names the partner.
start_hubd HUB_CERT_IDENTITY=subject || { not_ok "hubd starts (subject)"; exit 0; }
code=$(hcurl -o "$R" -w '%{http_code}' --cert "$HUB_CERT_COUNCIL" --key "$HUB_KEY_COUNCIL" "$URL/v1/me")
check "by subject, a registered certificate is its partner" \
    test "$code:$(jq -r .partner.id "$R" 2>/dev/null)" = "200:$HUB_PARTNER_COUNCIL"
code=$(status_of "$URL/v1/me" --cert "$T/certs/clients/unregistered.pem" --key "$T/certs/clients/unregistered.key")
check "by subject, an unregistered certificate gets 401" test "$code" = 401
stop_hubd
check "no sanitizer reports (subject)" sanitizer_clean
