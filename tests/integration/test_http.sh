#!/usr/bin/env bash
# The HTTP surface: /healthz, /metrics, request ids, logs, 404, 405, HEAD.
. "$(dirname "$0")/lib.sh"
start_hubd || { not_ok "hubd starts"; exit 0; }
R=$T/$SUITE.out

code=$(hcurl -D "$R.h" -o "$R" -w '%{http_code}' "$URL/healthz")
check "healthz answers 200" test "$code" = 200
check "healthz body says database ok" \
    test "$(jq -c . "$R")" = '{"status":"ok","database":"ok"}'
check "healthz is application/json" grep -qi '^content-type: application/json' "$R.h"
check "every response carries X-Request-Id" grep -qiE '^x-request-id: [0-9a-f]{24}' "$R.h"

hcurl -D "$R.h" -o /dev/null -H 'X-Request-Id: batch-7.run_42' "$URL/healthz"
check "a well-formed X-Request-Id is echoed" grep -qi '^x-request-id: batch-7.run_42' "$R.h"
hcurl -D "$R.h" -o /dev/null -H 'X-Request-Id: "><script>' "$URL/healthz"
check "a malformed X-Request-Id is replaced" grep -qiE '^x-request-id: [0-9a-f]{24}' "$R.h"

code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' "$URL/no/such/thing")
check "unknown route is 404" test "$code" = 404
check "404 is problem+json" grep -qi '^content-type: application/problem+json' "$R.h"
check "404 problem has type, title, status, detail" \
    test "$(jq -r '[.type, .title, .status, (.detail|type)] | join("|")' "$R")" = \
    "/problems/not-found|Not Found|404|string"

code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -X POST -d '{}' "$URL/healthz")
check "wrong method is 405" test "$code" = 405
check "405 lists Allow: GET, HEAD" grep -qi '^allow: GET, HEAD' "$R.h"
check "405 is problem+json with status 405" test "$(jq .status "$R")" = 405

code=$(hcurl -o "$R" -w '%{http_code}' -X TRACE "$URL/healthz")
check "TRACE is 405 as problem+json" test "$code:$(jq .status "$R")" = "405:405"

size=$(hcurl -I -o /dev/null -w '%{http_code} %{size_download}' "$URL/healthz")
check "HEAD /healthz is 200 with no body" test "$size" = "200 0"
# -X HEAD reads what the server sends as if it were a GET's answer: a body
# sent after a HEAD's headers would show here (and corrupt keep-alive).
out=$(hcurl -sS -D - -o /dev/null -w 'body=%{size_download}\n' -X HEAD --max-time 5 "$URL/healthz" \
    "$URL/v1/codes" 2>&1)
check "HEAD sends no body, on a kept-alive connection too" \
    test "$(grep -o 'body=[0-9]*' <<<"$out" | paste -sd,):$(grep -c '^HTTP/1.1 200' <<<"$out")" = "body=0,body=0:2"
check "HEAD states the GET's Content-Length" \
    bash -c "grep -i '^content-length:' <<<'$out' | tr -d '\r' | awk '\$2 > 10' | wc -l | grep -qx 2"

code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' "$URL/metrics")
check "metrics answers 200" test "$code" = 200
check "metrics is Prometheus text" grep -qi '^content-type: text/plain; version=0.0.4' "$R.h"
check "metrics count healthz 200s" grep -qE '^hub_requests_total\{route="healthz",status="200"\} [1-9]' "$R"
check "metrics count 404s as unmatched" grep -qE '^hub_requests_total\{route="unmatched",status="404"\} [1-9]' "$R"
check "metrics have a latency histogram" \
    grep -qE '^hub_request_duration_seconds_bucket\{route="healthz",le="\+Inf"\} [1-9]' "$R"
check "metrics show open connections" grep -qE '^hub_connections_open [0-9]+' "$R"
check "metrics count database errors" grep -qE '^hub_db_errors_total [0-9]+' "$R"

# Keep-alive: several requests on one connection.
n=$(hcurl -o /dev/null -w '%{num_connects}\n' "$URL/healthz" "$URL/healthz" "$URL/healthz" | awk '{s+=$1} END {print s}')
check "keep-alive reuses one connection for three requests" test "$n" = 1

# One JSON log line per request, with the fields operators need, no bodies.
hcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"secret":"do-not-log-me"}' "$URL/healthz"
line=$(grep '"msg":"request"' "$HUBD_LOG" | tail -1)
check "a refused request is logged with its status and no route" \
    test "$(jq -r '[.method, .route, .status, .bytes_in] | join(",")' <<<"$line")" = "POST,unmatched,405,26"
hcurl -o /dev/null -H 'X-Request-Id: log-check-1' "$URL/healthz"
line=$(grep '"request_id":"log-check-1"' "$HUBD_LOG" | tail -1)
check "request log line is JSON with time, id, route, status, duration, bytes" \
    test "$(jq -r '[has("time"), .route, .status, has("duration_ms"), .bytes_out] | join(",")' <<<"$line")" = \
    "true,healthz,200,true,32"
check "request bodies never reach the log" bash -c "! grep -q do-not-log-me '$HUBD_LOG'"

stop_hubd
check "hubd exits 0 on SIGTERM" test $? -eq 0
check "no sanitizer reports" sanitizer_clean
