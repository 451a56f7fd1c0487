#!/usr/bin/env bash
# The database going away and coming back: 503, then recovery, no crash.
. "$(dirname "$0")/lib.sh"
if [ -n "${HUB_DB_EXTERNAL:-}" ]; then
    echo "skipped: the database is external (HUB_DB)"
    exit 0
fi
R=$T/$SUITE.out
start_hubd HUB_DB_RETRY=200ms || { not_ok "hubd starts"; exit 0; }
check "healthy before" test "$(status_of "$URL/healthz")" = 200

cluster_stop "$T"
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' "$URL/healthz")
check "database stopped: healthz is 503" test "$code" = 503
check "database stopped: body says unavailable" \
    test "$(jq -c . "$R")" = '{"status":"unavailable","database":"unavailable"}'
check "database stopped: Retry-After is set" grep -qi '^retry-after: [0-9]' "$R.h"
for _ in 1 2 3 4 5 6; do hcurl -o /dev/null "$URL/healthz"; done
check "hubd keeps running while the database is down" kill -0 "$HUBD_PID"

cluster_start "$T"
code=000
for _ in $(seq 50); do
    code=$(status_of "$URL/healthz")
    [ "$code" = 200 ] && break
    sleep 0.2
done
check "healthz recovers by itself once the database is back" test "$code" = 200
# Both workers must reconnect, not just the one that answered: soon (each
# retries after HUB_DB_RETRY) 20 requests in a row succeed.
run=0
for _ in $(seq 100); do
    if [ "$(status_of "$URL/healthz")" = 200 ]; then run=$((run + 1)); else run=0; fi
    [ "$run" -ge 20 ] && break
    sleep 0.05
done
check "then every worker serves again (20 in a row)" test "$run" -ge 20
check "the outage was logged" grep -q '"msg":"database unavailable"' "$HUBD_LOG"
hcurl -o "$R" "$URL/metrics"
check "database errors were counted" grep -qE '^hub_db_errors_total [1-9]' "$R"

stop_hubd
check "hubd exits 0 on SIGTERM" test $? -eq 0
check "no sanitizer reports" sanitizer_clean
