#!/usr/bin/env bash
# Start-up configuration: --help, bad values, a busy port, bad TLS files.
. "$(dirname "$0")/lib.sh"
"$HUB_BIN" --help >"$T/help.txt"
check "hubd --help exits 0" test $? -eq 0
for v in HUB_LISTEN HUB_DB HUB_TLS_CERT HUB_TLS_KEY HUB_CLIENT_CA HUB_CLIENT_CRL HUB_CLIENT_CERT \
    HUB_WORKERS HUB_MAX_BODY HUB_MAX_HEADER HUB_MAX_CONNECTIONS HUB_REQUEST_TIMEOUT \
    HUB_DRAIN_TIMEOUT HUB_DB_TIMEOUT HUB_DB_RETRY HUB_SQL_DIR HUB_LOG_LEVEL; do
    grep -q "^  $v " "$T/help.txt" || not_ok "--help lists $v"
done
ok "--help lists every variable with its default"

refuses() { # refuses VAR=value expected-text
    local out
    out=$(env "$1" "$HUB_BIN" 2>&1 >/dev/null)
    local rc=$?
    [ "$rc" -ne 0 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "$2" <<<"$out"
}
check "a bad HUB_WORKERS stops start-up with one line naming it" refuses HUB_WORKERS=lots 'HUB_WORKERS: invalid'
check "a bad HUB_LISTEN is refused" refuses HUB_LISTEN=localhost 'HUB_LISTEN: invalid'
check "a bad HUB_MAX_BODY is refused" refuses HUB_MAX_BODY=1x 'HUB_MAX_BODY: invalid'
check "a bad HUB_CLIENT_CERT is refused" refuses HUB_CLIENT_CERT=maybe 'HUB_CLIENT_CERT: invalid'
check "a bad HUB_REQUEST_TIMEOUT is refused" refuses HUB_REQUEST_TIMEOUT=soon 'HUB_REQUEST_TIMEOUT: invalid'
check "a missing certificate is refused naming HUB_TLS_CERT" refuses HUB_TLS_CERT=/nonexistent 'HUB_TLS_CERT'
check "a key not matching the certificate is refused" \
    refuses "HUB_TLS_KEY=$T/certs/clients/police.key" 'HUB_TLS_KEY'

# Serving as the owner role would let the owner's policies show every row:
# hubd must refuse such a connection (503), never serve through it.
owner=$(. "$T/hub.env" && echo "$HUB_DB")
port=$(free_port $((20000 + RANDOM % 12000)))
env HUB_DB="$owner" HUB_LISTEN="127.0.0.1:$port" "$HUB_BIN" >"$T/owner.log" 2>&1 &
pid=$!
echo "$pid" >>"$T/pids"
code=000
for _ in $(seq 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$HUB_CA" "https://127.0.0.1:$port/healthz")
    [ "$code" != 000 ] && break
    sleep 0.1
done
check "hubd given the owner role answers 503, not data" test "$code" = 503
check "…and logs why" grep -q 'bypasses row-level security' "$T/owner.log"
kill -TERM "$pid"
wait "$pid"

start_hubd || { not_ok "hubd starts"; exit 0; }
out=$(env HUB_LISTEN="127.0.0.1:$PORT" "$HUB_BIN" 2>&1)
rc=$?
check "a second hubd on a busy port refuses to start" test "$rc" -ne 0
check "…saying the address is in use" grep -q 'HUB_LISTEN: cannot bind: Address already in use' <<<"$out"
check "the first hubd still answers" test "$(status_of "$URL/healthz")" = 200
stop_hubd
check "no sanitizer reports" sanitizer_clean
