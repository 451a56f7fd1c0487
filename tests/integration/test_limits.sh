#!/usr/bin/env bash
# Limits: body size (413), header size (431), slow clients, connection cap.
. "$(dirname "$0")/lib.sh"
R=$T/$SUITE.out
start_hubd HUB_MAX_BODY=4k HUB_MAX_HEADER=2k HUB_REQUEST_TIMEOUT=1500ms \
    HUB_WORKERS=1 HUB_MAX_CONNECTIONS=3 || { not_ok "hubd starts"; exit 0; }

head -c 5000 /dev/zero | tr '\0' a >"$T/big.body"
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -X POST --data-binary @"$T/big.body" "$URL/healthz")
check "a body over HUB_MAX_BODY is 413" test "$code" = 413
check "413 is problem+json naming the limit" \
    test "$(jq -r '.type + "|" + (.detail|tostring)' "$R")" = \
    "/problems/body-too-large|The request body exceeds HUB_MAX_BODY."
check "413 closes the connection" grep -qi '^connection: close' "$R.h"

code=$(hcurl -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big.body" \
    -H 'Transfer-Encoding: chunked' "$URL/healthz")
check "a chunked body over the limit is refused too" test "$code" = 413

head -c 3000 /dev/zero | tr '\0' b >"$T/big.header"
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -H "X-Filler: $(cat "$T/big.header")" "$URL/healthz")
check "headers over HUB_MAX_HEADER are 431" test "$code" = 431
check "431 is problem+json" test "$(jq -r .type "$R")" = /problems/header-too-large

code=$(status_of "$URL/healthz" -H "X-Small: $(head -c 1000 "$T/big.header")")
check "headers under the limit are served" test "$code" = 200

# Slowloris: send part of a request line and nothing more; hubd must close
# the connection once HUB_REQUEST_TIMEOUT has passed, not wait forever.
# s_client keeps running after the server closes, so time the moment it
# reports the end of the stream.
start=$(($(date +%s%N) / 1000000))
elapsed=$( (
    printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n'
    sleep 5
) | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$HUB_CA" 2>&1 |
    while IFS= read -r l; do
        case $l in *eof* | *EOF* | *closed*) echo $(($(date +%s%N) / 1000000 - start)) && break ;; esac
    done)
check "a slow request is cut off after the request timeout (${elapsed:-never} ms)" \
    test "${elapsed:-0}" -ge 1000 -a "${elapsed:-99999}" -lt 4000

# A client that trickles one header byte at a time is cut off too: the
# deadline is absolute, not an inactivity timer.
start=$(date +%s%N)
(
    printf 'GET /healthz HTTP/1.1\r\n'
    for _ in $(seq 40); do printf 'X'; sleep 0.2; done
) | timeout 15 openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$HUB_CA" >/dev/null 2>&1
elapsed=$((($(date +%s%N) - start) / 1000000))
check "a trickling client is cut off at the deadline (${elapsed} ms)" \
    test "$elapsed" -lt 7000

# Connection cap: with 1 worker and HUB_MAX_CONNECTIONS=3, a fourth
# concurrent connection is closed at once.
pids=""
for _ in 1 2 3; do
    sleep 5 | openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$HUB_CA" >/dev/null 2>&1 &
    pids="$pids $!"
done
sleep 0.5
code=$(status_of "$URL/healthz")
check "a connection over HUB_MAX_CONNECTIONS is refused" test "$code" = 000
hcurl -o "$R" "$URL/metrics" 2>/dev/null
kill $pids 2>/dev/null
wait $pids 2>/dev/null
sleep 0.3
code=$(status_of "$URL/healthz")
check "connections are accepted again once others close" test "$code" = 200
hcurl -o "$R" "$URL/metrics"
check "rejected connections are counted" grep -qE '^hub_connections_rejected_total [1-9]' "$R"
check "request timeouts are counted" grep -qE '^hub_request_timeouts_total [1-9]' "$R"

stop_hubd
check "hubd exits 0 on SIGTERM" test $? -eq 0
check "no sanitizer reports" sanitizer_clean
