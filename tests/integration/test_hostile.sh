#!/usr/bin/env bash
# Hostile input: SQL injection in every string field of a report and every
# query parameter of the report list and the statistics; JSON bombs (deep
# nesting, huge arrays and numbers, duplicate keys, NUL, overlong and
# invalid UTF-8); oversized headers and bodies; request smuggling sent raw;
# path traversal; a credential in the query string. Each gets a clean 4xx
# (problem+json wherever hubd itself answers), the hub stays healthy
# (/healthz after each group; at the end no 5xx in its log, no sanitizer
# report, a clean exit) and the database holds nothing injected.
# Runs twice against the same database: each run makes its own partnership.
# shellcheck disable=SC2016 # jq programs and SQL in single quotes
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=hos${RANDOM}x$RANDOM
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
ps=$(ctl partnership add "Hostile $tag" --isa-ref "ISA-HO-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
police=$(ctl partner add --partnership "$ps" --kind police "Hostile police $tag")
TOKEN_P=$(ctl token issue --partner "$police" --roles submit,read 2>/dev/null)
TOKEN_PUB=$(ctl token issue --public --partnership "$ps" 2>/dev/null)
check "(fixtures made)" test -n "$ps" -a -n "$police" -a -n "$TOKEN_P" -a -n "$TOKEN_PUB"
# Smaller batch limits than the defaults keep the oversized bodies quick.
start_hubd HUB_MAX_BODY=1m HUB_MAX_BATCH_BODY=2m HUB_MAX_HEADER=8k HUB_MAX_BATCH=1000 ||
    { not_ok "hubd starts"; exit 0; }
HOST=127.0.0.1:$PORT

# req METHOD PATH [curl args...]: one request as this run's police; the body to $R,
# the headers to $R.h, the status in $code.
req() {
    local method=$1 path=$2
    shift 2
    code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -X "$method" --path-as-is \
        -H "Authorization: Bearer ${TOKEN:-$TOKEN_P}" "$@" "$URL$path")
}
post_json() { req POST "$1" -H 'Content-Type: application/json' --data-binary "@$2"; }

# A clean refusal: the status wanted (or any 4xx for "4xx"), as problem+json
# whose status is the answer's.
clean() {
    local want=$1
    case $want in 4xx) [[ $code == 4[0-9][0-9] ]] || return 1 ;; *) [ "$code" = "$want" ] || return 1 ;; esac
    tr -d '\r' <"$R.h" | grep -qi '^content-type: application/problem+json' &&
        [ "$(jq -r .status "$R" 2>/dev/null)" = "$code" ] &&
        jq -e '.type | startswith("/problems/")' "$R" >/dev/null
}
# refused NAME WANT: a check that the last answer was a clean refusal.
refused() {
    if clean "$2"; then ok "$1"; else not_ok "$1" "got $code: $(head -c 300 "$R")"; fi
}

healthy() {
    local c
    c=$(status_of "$URL/healthz")
    if [ "$c" = 200 ] && kill -0 "$HUBD_PID" 2>/dev/null; then ok "$1: the hub is healthy after"; else
        not_ok "$1: the hub is healthy after" "healthz $c"
    fi
}

# many PATH...: GETs each PATH as this run's police (NOAUTH=1: with no
# credential), all on one connection; prints one line per path: "CODE
# STATUS TYPE PATH", STATUS and TYPE from a problem+json body, else "-".
many() {
    local args=() auth=() i=0 files=() p
    [ -z "${NOAUTH:-}" ] && auth=(-H "Authorization: Bearer ${TOKEN:-$TOKEN_P}")
    for p in "$@"; do
        i=$((i + 1))
        files+=("$R.m$i")
        args+=(--next --cacert "$HUB_CA" -sS --path-as-is -o "$R.m$i"
            -w '%{http_code} %{content_type}\n' "${auth[@]}" "$URL$p")
    done
    local codes
    codes=$(curl "${args[@]:1}" | awk '{print $1, ($2 ~ /^application\/problem\+json/) ? "p" : "-"}')
    paste -d' ' <(echo "$codes") \
        <(for f in "${files[@]}"; do jq -r '"\(.status // "-") \(.type // "-")"' "$f" 2>/dev/null || echo "- -"; done) \
        <(printf '%s\n' "$@") | awk '{print $1, ($2 == "p" ? $3 : "-"), ($2 == "p" ? $4 : "-"), $5}'
}
# posts PATH FILE...: POSTs each JSON FILE to PATH on one connection; the
# answers' bodies are left in $R.m1, $R.m2, ...; prints "CODE STATUS TYPE FILE".
posts() {
    local path=$1 args=() i=0 f
    shift
    for f in "$@"; do
        i=$((i + 1))
        args+=(--next --cacert "$HUB_CA" -sS -o "$R.m$i" -w '%{http_code} %{content_type}\n'
            -H "Authorization: Bearer ${TOKEN:-$TOKEN_P}" -H 'Content-Type: application/json'
            --data-binary "@$f" "$URL$path")
    done
    i=0
    curl "${args[@]:1}" | while read -r c ct; do
        i=$((i + 1))
        if [[ $ct == application/problem+json* ]]; then
            echo "$c $(jq -r '"\(.status) \(.type)"' "$R.m$i") ${!i}"
        else
            echo "$c - - ${!i}"
        fi
    done
}
# all_clean NAME WANT LINES: passes when every line (from many or posts) is
# a clean refusal with status WANT (4xx: any): the code, problem+json, the
# same status in the body, a /problems/ type.
all_clean() {
    local bad
    bad=$(awk -v want="$2" '!(($1 == want || (want == "4xx" && $1 ~ /^4[0-9][0-9]$/)) && $2 == $1 && $3 ~ /^\/problems\//)' <<<"$3")
    if [ -z "$bad" ] && [ -n "$3" ]; then ok "$1"; else not_ok "$1" "$(head -5 <<<"$bad")"; fi
}

# raw BYTES: sends BYTES (printf format) on one TLS connection and prints
# what comes back, \r removed. rc 124 when the hub had not closed the
# connection within 5 s.
raw() {
    # shellcheck disable=SC2059
    printf "$1" | timeout 5 openssl s_client -quiet -connect "$HOST" -CAfile "$HUB_CA" 2>/dev/null |
        tr -d '\r'
}

# The database before: its tables, the reports and the audit rows.
tables() { q "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'hub'::regnamespace"; }
tables_before=$(tables)
audit_before=$(q "SELECT count(*) FROM hub.audit_log")

jq -c --arg ref "$tag-base" '.external_ref = $ref' "$ROOT/api/examples/report-police.json" >"$T/hostile-base.json"
base=$T/hostile-base.json

# ---- SQL injection ---------------------------------------------------------

sqli=(
    "'; DROP TABLE hub.report; --"
    "' OR '1'='1"
    "1) OR 1=1; SELECT pg_sleep(10)--"
    "\$\$; DELETE FROM hub.audit_log; \$\$"
    "\\\\'; TRUNCATE hub.report CASCADE; --"
    "x\",\"y\"}'); DROP TABLE hub.credential; --"
)
# Every string member of a report, as JSON paths (arrays: their first item).
fields=(protocol external_ref occurred_from occurred_to reported_on area location_type
    strands.0 incident_types.0 victim.ethnic_group victim.ethnic_scheme victim.age_band
    victim.sex repeat channel subject_key)

# One report per field with the first payload; the whole matrix in one batch.
jq -c --arg v "${sqli[0]}" '. as $r | $ARGS.positional[] | split(".") | map(tonumber? // .) |
    . as $p | $r | setpath($p; $v)' "$base" --args "${fields[@]}" >"$T/hostile-fields"
files=()
for i in "${!fields[@]}"; do
    sed -n "$((i + 1))p" "$T/hostile-fields" >"$T/hostile-field-$i.json"
    files+=("$T/hostile-field-$i.json")
done
out=$(posts /v1/reports "${files[@]}")
all_clean "SQL injection in each of the ${#fields[@]} string members: 422" 422 "$out"
got=$(for i in "${!fields[@]}"; do jq -r '[.errors[].pointer] | join(" ")' "$R.m$((i + 1))"; done | paste -sd,)
want=$(for f in "${fields[@]}"; do echo "/${f//./\/}"; done | paste -sd,)
eq "…each naming just that member" "$got" "$want"
jq -c -s '.' <(for v in "${sqli[@]}"; do
    jq -c --arg v "$v" '. as $r | $ARGS.positional[] | split(".") | map(tonumber? // .) |
        . as $p | $r | setpath($p; $v)' "$base" --args "${fields[@]}"
done) >"$T/hostile-batch.json"
n=$(jq length "$T/hostile-batch.json")
post_json /v1/reports/batch "$T/hostile-batch.json"
eq "a batch of $n injections (every payload in every member): each item is 422" \
    "$code:$(jq -r '[.items[].status] | unique | join(",")' "$R")" "200:422"
want=$(for _ in "${sqli[@]}"; do for f in "${fields[@]}"; do echo "/${f//./\/}"; done; done |
    awk '{print "/" NR-1 $0}' | paste -sd' ')
eq "…each naming its own item and member" "$(jq -r '[.items[].errors[0].pointer] | join(" ")' "$R")" "$want"

# Values SQL and array literals treat specially, but that the protocol
# allows: stored as they are, one row each, in both insert paths.
for ref in NULL null "a--b" "x/..//y" "c.d_e-f/"; do
    jq -c --arg r "$tag-$ref" '.external_ref = $r' "$base" >"$T/hostile.json"
    post_json /v1/reports "$T/hostile.json"
    eq "external_ref '$tag-$ref' is stored as written" \
        "$code:$(q "SELECT count(*) FROM hub.report WHERE external_ref = \$q\$$tag-$ref\$q\$")" "201:1"
done
jq -c --arg t "$tag" '[.external_ref = "NULL", .external_ref = ($t + "-batch-NULL")]' "$base" >"$T/hostile.json"
post_json /v1/reports/batch "$T/hostile.json"
eq "a batch stores 'NULL' as text, not SQL NULL" \
    "$code:$(jq -r '[.items[].status] | join(",")' "$R"):$(q "SELECT count(*) FROM hub.report
        WHERE partnership_id = $ps AND external_ref IN ('NULL', '$tag-batch-NULL')")" \
    "200:201,201:2"

# Every query parameter of the report list and of the statistics.
enc() { jq -rn --arg v "$1" '$v | @uri'; }
paths=()
for p in after limit from to area strand updated_since; do
    for v in "${sqli[@]}"; do paths+=("/v1/reports?$p=$(enc "$v")"); done
done
all_clean "every injection in each query parameter of GET /v1/reports: 400" 400 "$(many "${paths[@]}")"
paths=()
for p in group from to scope strand incident_type ethnic_group ethnic_group_high age_band area \
    partner_kind channel; do
    for v in "${sqli[@]}"; do paths+=("/v1/stats/reports?$p=$(enc "$v")"); done
done
all_clean "every injection in each query parameter of GET /v1/stats/reports: 400" 400 "$(many "${paths[@]}")"
TOKEN=$TOKEN_PUB req GET "/v1/stats/reports?area=$(enc "${sqli[1]}")"
refused "…also for the public credential" 400
healthy "SQL injection"

# ---- JSON bombs --------------------------------------------------------------

bomb() { # bomb NAME WANT FILE [PATH]
    post_json "${4:-/v1/reports}" "$3"
    refused "$1" "$2"
}
head -c 200000 /dev/zero | tr '\0' '[' >"$T/bomb"
bomb "200,000 nested arrays: 400" 400 "$T/bomb"
{ printf '{"victim":'; for _ in $(seq 3000); do printf '{"a":'; done; printf '1'; for _ in $(seq 3001); do printf '}'; done; } >"$T/bomb"
bomb "3,000 nested objects in a member: 400" 400 "$T/bomb"
jq -c '.victim.x = {"a":{"b":{"c":{"d":{"e":1}}}}}' "$base" >"$T/bomb"
bomb "nesting deeper than the protocol's (within jansson's limit): 422" 422 "$T/bomb"
jq -c '.strands = [range(100000) | "race"]' "$base" >"$T/bomb"
bomb "a strands array of 100,000 items: 422" 422 "$T/bomb"
jq -c '.victim = [range(150000)]' "$base" >"$T/bomb"
bomb "a member of 150,000 numbers: 422" 422 "$T/bomb"
jq -c '. as $r | [range(1001) | $r]' "$base" >"$T/bomb"
bomb "a batch over HUB_MAX_BATCH items: 413" 413 "$T/bomb" /v1/reports/batch
jq -c 'reduce range(20000) as $i (.; .["k\($i)"] = $i)' "$base" >"$T/bomb"
bomb "20,000 unknown members: 422" 422 "$T/bomb"
check "…answered with a bounded list of errors" test "$(stat -c %s "$R")" -lt 200000
for n in '1e999999' '-1e999999' '123456789012345678901234567890' \
    "$(head -c 100000 /dev/zero | tr '\0' 9)"; do
    sed "s/\"repeat\":\"yes\"/\"repeat\":$n/" "$base" >"$T/bomb"
    bomb "the number ${n:0:30}… (${#n} characters): 4xx" 4xx "$T/bomb"
done
sed 's/"area":"E01009417"/"area":"E01009417","area":"E01000001"/' "$base" >"$T/bomb"
bomb "a duplicate member: 400" 400 "$T/bomb"
sed 's/"channel":"in_person"/"channel":"in_person","victim":{}/' "$base" >"$T/bomb"
bomb "a duplicate object member: 400" 400 "$T/bomb"
# in_ref TEXT: the base report with TEXT (sed replacement syntax) in its external_ref.
in_ref() { sed "s/$tag-base/$tag-$1-base/" "$base" >"$T/bomb"; }
in_ref '\\u0000'
bomb 'an escaped NUL (\u0000) in a string: 400' 400 "$T/bomb"
in_ref '\x00'
bomb "a raw NUL byte in a string: 400" 400 "$T/bomb"
in_ref '\\ud800'
bomb 'a lone surrogate escape (\ud800): 400' 400 "$T/bomb"
for bytes in 'C0AF' 'E080AF' 'F08080AF' 'EDA080' 'FF' 'C3' 'F4908080'; do
    # shellcheck disable=SC2001 # every pair of hex digits, not one pattern
    in_ref "$(sed 's/../\\x&/g' <<<"$bytes")"
    bomb "the bytes $bytes (overlong, surrogate, invalid or out-of-range UTF-8) in a string: 400" 400 "$T/bomb"
done
{ printf '\xEF\xBB\xBF'; cat "$base"; } >"$T/bomb"
bomb "a byte order mark before the JSON: 400" 400 "$T/bomb"
{ cat "$base"; printf '{"external_ref":"\xC0\xAF"}\n'; } >"$T/bomb"
req POST /v1/reports/batch -H 'Content-Type: application/x-ndjson' --data-binary "@$T/bomb"
eq "an NDJSON batch with an overlong UTF-8 line: 400 naming line 2" "$code:$(jq .line "$R")" "400:2"
printf '%s\n   \t ' "$(cat "$base")" >"$T/bomb"
req POST '/v1/reports/batch?dry_run=true' -H 'Content-Type: application/x-ndjson' --data-binary "@$T/bomb"
eq "an NDJSON batch ending in a line of blanks and no newline: one item" "$code:$(jq '.items | length' "$R")" "200:1"
healthy "JSON bombs"

# ---- oversized headers and bodies ---------------------------------------------

filler() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }
req GET /v1/me -H "X-Filler: $(filler 9000)"
refused "a 9 kB header (over HUB_MAX_HEADER): 431" 431
hdrs=()
for i in $(seq 1000); do hdrs+=(-H "X-H$i: v"); done
req GET /v1/me "${hdrs[@]}"
refused "1,000 small headers (over HUB_MAX_HEADER): 431" 431
req GET "/v1/reports?area=$(filler 9000 E)"
refused "a 9 kB request line: 431" 431
code=$(hcurl -o /dev/null -w '%{http_code}' -H "X-Filler: $(filler 40000)" "$URL/v1/me")
check "a 40 kB header (beyond evhttp's hard cap): 4xx from evhttp ($code)" test "${code:0:1}" = 4
filler 1100000 x >"$T/big"
req POST /v1/reports -H 'Content-Type: application/json' --data-binary "@$T/big"
refused "a 1.1 MB body (over HUB_MAX_BODY): 413" 413
check "…and the connection is closed" grep -qi '^connection: close' "$R.h"
req POST /v1/reports -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$T/big"
refused "a 1.1 MB chunked body: 413" 413
filler 2200000 x >"$T/big"
req POST /v1/reports/batch -H 'Content-Type: application/json' --data-binary "@$T/big"
refused "a 2.2 MB batch body (over HUB_MAX_BATCH_BODY): 413" 413
filler 2600000 x >"$T/big"
code=$(hcurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN_P" \
    -H 'Content-Type: application/json' --data-binary "@$T/big" "$URL/v1/reports/batch")
check "a 2.6 MB body (beyond evhttp's hard cap): 4xx from evhttp ($code)" test "${code:0:1}" = 4
rm -f "$T/big"
out=$(raw 'POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}')
check "a Content-Length of 100 GB with a tiny body: refused at once ($(head -1 <<<"$out"))" \
    grep -q '^HTTP/1.1 4' <<<"$out"
healthy "oversized input"

# ---- request smuggling -----------------------------------------------------------

# Each sends a request whose body length can be read two ways, with a
# second request hidden where a lenient reader would see it. The hub must
# answer once with 400 and close the connection: the hidden request (GET
# /v1/me without a credential: 401) must never be answered.
hidden='GET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n'
smuggle() { # smuggle NAME HEADERS BODY
    local out rc
    out=$(raw "POST /healthz HTTP/1.1\r\nHost: x\r\n$2\r\n$3$hidden")
    rc=$?
    local statuses
    statuses=$(grep -o '^HTTP/1\.[01] [0-9]*' <<<"$out" | cut -d' ' -f2 | paste -sd,)
    if [ "$statuses" = 400 ] && [ "$rc" -ne 124 ] && grep -qi '^connection: close' <<<"$out"; then
        local how=evhttp
        grep -q '^{"type":"/problems/ambiguous-framing"' <<<"$out" && how=problem+json
        ok "smuggling, $1: one 400 ($how), connection closed"
    else
        not_ok "smuggling, $1: one 400, connection closed" "statuses '$statuses', rc $rc"
    fi
}
smuggle "Content-Length and Transfer-Encoding" 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n' '0\r\n\r\n'
smuggle "Transfer-Encoding and Content-Length" 'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n' '0\r\n\r\n'
smuggle "two different Content-Lengths" 'Content-Length: 0\r\nContent-Length: 5\r\n' 'hello'
smuggle "the same Content-Length twice" 'Content-Length: 5\r\nContent-Length: 5\r\n' 'hello'
smuggle "Content-Length: +5" 'Content-Length: +5\r\n' 'hello'
smuggle "Content-Length: 5, 5" 'Content-Length: 5, 5\r\n' 'hello'
smuggle "Transfer-Encoding: xchunked" 'Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n' 'hello'
smuggle "Transfer-Encoding: chunked, identity" 'Transfer-Encoding: chunked, identity\r\n' '0\r\n\r\n'
smuggle "Transfer-Encoding twice" 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n' '0\r\n\r\n'
smuggle "a tab before chunked" 'Transfer-Encoding:\tchunked\r\n' '0\r\n\r\n'
smuggle "a space before the colon" 'Transfer-Encoding : chunked\r\nContent-Length: 5\r\n' 'hello'
# An obs-fold line belongs to the header before it (RFC 9112 5.2 lets a
# server unfold it, as evhttp does): framed by Content-Length alone, so the
# request after it is a request of its own, answered on its own.
out=$(raw 'POST /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhelloGET /v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
eq "an obs-fold 'Transfer-Encoding' is part of the header before it: 405, then 401" \
    "$(grep -o '^HTTP/1\.1 [0-9]*' <<<"$out" | cut -d' ' -f2 | paste -sd,)" "405,401"
out=$(raw "POST /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$hidden")
check "smuggling, Transfer-Encoding in HTTP/1.0: one 400" \
    test "$(grep -c '^HTTP/1\.[01] ' <<<"$out"):$(grep -o '^HTTP/1\.[01] [0-9]*' <<<"$out" | cut -d' ' -f2)" = "1:400"
healthy "request smuggling"

# ---- path traversal ------------------------------------------------------------------

paths=(/dashboard/../../../../etc/passwd /dashboard/%2e%2e/%2e%2e/%2e%2e/etc/passwd
    /dashboard/..%2f..%2f..%2fetc%2fpasswd /%2e%2e/%2e%2e/etc/passwd
    /dashboard/....//....//etc/passwd /dashboard/%252e%252e/%252e%252e/etc/passwd
    '/dashboard/..%5c..%5cetc%5cpasswd' /dashboard/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd
    /dashboard/.env /dashboard/js/../../hub.env /v1/codes/../../../etc/passwd
    /v1/codes/..%2f..%2f..%2fetc%2fpasswd /v1/codes/%2e%2e /v1/codes/strand%00.csv
    /v1/codes/strand.csv /api/codes/strand.csv /sql/001_init.sql /.git/config /var/hub.env
    /certs/server.key '/v1/reports/1%2f..%2f2' /v1/reports/..%2f..%2fcodes)
out=$(many "${paths[@]}")
all_clean "${#paths[@]} traversals of static, code-list and report paths: 404 problem+json" 404 "$out"
check "…and no answer holds a file" bash -c "! cat '$R'.m* | grep -qE 'root:|PRIVATE KEY|BEGIN|^code,|HUB_TOKEN'"
healthy "path traversal"

# ---- a credential in the query string ---------------------------------------------------

paths=("/v1/me?access_token=$TOKEN_P" "/v1/me?token=$TOKEN_P" "/healthz?ACCESS_TOKEN=x"
    "/v1/reports?limit=1&%74oken=$TOKEN_P" "/v1/stats/reports?access%5Ftoken=$TOKEN_PUB"
    "/no/such/path?token=x" "/v1/me?a&token=$TOKEN_P")
out=$(NOAUTH=1 many "${paths[@]}")
all_clean "token or access_token in the query string (any case, encoded, malformed query, any path): 400" 400 "$out"
check "…typed credential-in-query" test "$(awk '{print $3}' <<<"$out" | sort -u)" = /problems/credential-in-query
req GET "/v1/me?access_token=$TOKEN_P"
refused "…even with a valid Authorization header as well" 400
code=$(status_of "$URL/healthz?tokens=1&token_type=bearer")
check "parameters that only look alike are not refused" test "$code" = 200
check "a token sent in the URL never reaches the log" bash -c "! grep -qF '${TOKEN_P#hub_}' '$HUBD_LOG'"
healthy "credentials in the query string"

# ---- afterwards ---------------------------------------------------------------------------

eq "the hub's tables are all there" "$(tables)" "$tables_before"
eq "exactly the reports meant to be stored are there" \
    "$(q "SELECT count(*) FROM hub.report WHERE partnership_id = $ps")" 7
check "the audit log only grew" test "$(q "SELECT count(*) FROM hub.audit_log")" -gt "$audit_before"
eq "no stored report holds an injection" \
    "$(q "SELECT count(*) FROM hub.report WHERE external_ref ~ '[;'' \"\\\\$]' OR area !~ '^[EW]0[15][0-9]{6}\$'")" 0
eq "no 5xx was answered" \
    "$(grep '"msg":"request"' "$HUBD_LOG" | jq -r 'select(.status >= 500) | .status' | wc -l)" 0
stop_hubd
check "hubd exits 0 on SIGTERM" test $? -eq 0
check "no sanitizer reports" sanitizer_clean
