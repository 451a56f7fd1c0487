#!/usr/bin/env bash
# SIGTERM: stop accepting, finish in-flight requests (bounded), exit 0.
. "$(dirname "$0")/lib.sh"
R=$T/$SUITE.out
if [ -n "${HUB_DB_EXTERNAL:-}" ]; then
    echo "skipped: needs the local cluster to pause hubd's database sessions"
    exit 0
fi
superuser="host=$T/run port=$PGPORT user=postgres dbname=postgres"
backends() { psql -X -tA "$superuser" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'hubd'"; }

# An idle keep-alive connection must not hold up shutdown.
start_hubd || { not_ok "hubd starts"; exit 0; }
sleep 10 | openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$HUB_CA" >/dev/null 2>&1 &
idle=$!
sleep 0.5
start=$(date +%s%N)
stop_hubd
rc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
kill "$idle" 2>/dev/null
check "SIGTERM with an idle connection exits 0" test "$rc" -eq 0
check "…promptly (${elapsed} ms)" test "$elapsed" -lt 2000
check "no sanitizer reports (idle)" sanitizer_clean

# An in-flight request is finished before exit. Pausing hubd's database
# sessions (SIGSTOP) holds the request inside the server.
start_hubd HUB_DRAIN_TIMEOUT=10s || { not_ok "hubd starts"; exit 0; }
pids=$(backends)
check "hubd holds its database sessions" test -n "$pids"
# shellcheck disable=SC2086
kill -STOP $pids
hcurl -o "$R" -w '%{http_code}' "$URL/healthz" >"$R.code" 2>/dev/null &
client=$!
sleep 0.7
kill -TERM "$HUBD_PID"
sleep 1
check "while a request is in flight, hubd waits" kill -0 "$HUBD_PID"
# shellcheck disable=SC2086
kill -CONT $pids
wait "$client"
check "the in-flight request completes with 200" test "$(cat "$R.code")" = 200
rc=0
wait "$HUBD_PID" || rc=$?
check "then hubd exits 0" test "$rc" -eq 0
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$HUB_CA" "$URL/healthz")
check "after exit nothing listens" test "$code" = 000
check "no sanitizer reports (drain)" sanitizer_clean

# The wait is bounded: a request stuck past HUB_DRAIN_TIMEOUT does not keep
# hubd alive.
start_hubd HUB_DRAIN_TIMEOUT=1s || { not_ok "hubd starts"; exit 0; }
pids=$(backends)
# shellcheck disable=SC2086
kill -STOP $pids
hcurl -o /dev/null "$URL/healthz" 2>/dev/null &
client=$!
sleep 0.5
start=$(date +%s%N)
kill -TERM "$HUBD_PID"
rc=0
wait "$HUBD_PID" || rc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
# shellcheck disable=SC2086
kill -CONT $pids
wait "$client" 2>/dev/null
check "a stuck request does not hold shutdown past the drain bound (${elapsed} ms)" \
    test "$elapsed" -lt 6000
check "…and the forced exit is reported as a failure (exit $rc)" test "$rc" -ne 0
check "…with a log line saying so" grep -q 'did not stop in time' "$HUBD_LOG"
