#!/usr/bin/env bash
# Overload and slow clients: 2,000 idle TLS connections do not stop others
# being served; HUB_RATE_LIMIT answers 429 with Retry-After beyond the
# burst and recovers after; a flood gets fast refusals (503 past
# HUB_QUEUE_TIMEOUT) rather than a queue. Peak RSS of hubd (VmHWM) with and
# without the idle connections is printed (a figure, bounded only loosely).
. "$(dirname "$0")/lib.sh"
R=$T/$SUITE.out
IDLE=${OVERLOAD_IDLE:-2000}
make -s -C "$ROOT" build/bench/idle_conns build/bench/hubload >/dev/null ||
    { not_ok "bench tools build"; exit 0; }
IDLE_BIN=$ROOT/build/bench/idle_conns
LOAD_BIN=$ROOT/build/bench/hubload
ulimit -n "$(ulimit -Hn)" 2>/dev/null # hubd holds IDLE sockets and more

hwm_kb() { sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$HUBD_PID/status"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; }

# ---- 1. idle connections, rate limit ------------------------------------
# The request timeout is raised so the idle connections stay for the whole
# test (the default 15 s would close them: test_limits covers that).
start_hubd HUB_WORKERS=2 HUB_REQUEST_TIMEOUT=60s HUB_RATE_LIMIT=5/10 ||
    { not_ok "hubd starts"; exit 0; }

"$LOAD_BIN" -c 4 -d 2s --ca "$HUB_CA" "$URL/healthz" >"$R.base" 2>&1
base_rps=$(field rps "$R.base")
base_hwm=$(hwm_kb)
check "served without idle connections (${base_rps:-?} requests/s)" \
    test "$(field errors "$R.base")" = 0

# idle_conns holds its connections until its stdin closes (a fifo kept
# open by this shell), reporting "open N" once all are handshaken.
rm -f "$T/idle.fifo" && mkfifo "$T/idle.fifo"
"$IDLE_BIN" 127.0.0.1 "$PORT" "$IDLE" "$HUB_CA" 0 <"$T/idle.fifo" >"$R.idle" 2>"$R.idle.err" &
idle_pid=$!
exec 7>"$T/idle.fifo"
for _ in $(seq 600); do grep -q '^open' "$R.idle" && break; sleep 0.1; done
eq "$IDLE idle TLS connections open" "$(sed -n 's/^open //p' "$R.idle")" "$IDLE"

"$LOAD_BIN" -c 4 -d 2s --ca "$HUB_CA" "$URL/healthz" >"$R.busy" 2>&1
busy_rps=$(field rps "$R.busy")
check "served with $IDLE idle connections open (${busy_rps:-?} requests/s)" \
    test "$(field errors "$R.busy")" = 0 -a "$(field requests "$R.busy")" -gt 0
code=$(status_of "$URL/v1/me" -H "Authorization: Bearer $HUB_TOKEN_HEALTH")
eq "an authenticated request is served meanwhile" "$code" 200

# Rate limit 5/s, burst 10: 16 requests on one connection, as fast as
# curl sends them: the first 10 pass, some of the rest are 429.
urls=()
for _ in $(seq 16); do urls+=(-o /dev/null "$URL/v1/me"); done # -o is per URL
hcurl -H "Authorization: Bearer $HUB_TOKEN_COUNCIL" -w '%{http_code}\n' "${urls[@]}" >"$R.codes"
eq "the burst is served" "$(head -10 "$R.codes" | sort -u | tr -d '\n')" 200
limited=$(grep -c '^429$' "$R.codes")
check "beyond the burst: 429 ($limited of 6)" test "$limited" -ge 1
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -H "Authorization: Bearer $HUB_TOKEN_COUNCIL" \
    "$URL/v1/me")
retry=$(header Retry-After)
eq "still limited: 429" "$code" 429
check "429 says Retry-After in whole seconds (${retry:-none})" \
    grep -qE '^[1-9][0-9]*$' <<<"${retry:-x}"
eq "429 is problem+json" "$(ctype)|$(jq -r .type "$R")" \
    "application/problem+json|/problems/rate-limited"
code=$(status_of "$URL/v1/me" -H "Authorization: Bearer $HUB_TOKEN_POLICE")
eq "another credential is not limited" "$code" 200
sleep "${retry:-1}"
code=$(status_of "$URL/v1/me" -H "Authorization: Bearer $HUB_TOKEN_COUNCIL")
eq "after Retry-After the credential is served again" "$code" 200
rid=overload-$RANDOM$RANDOM
hcurl -H "Authorization: Bearer $HUB_TOKEN_COMMUNITY" -H "X-Request-Id: $rid" \
    -w '%{http_code}\n' "${urls[@]}" >"$R.codes"
owner=$(. "$T/hub.env" && echo "$HUB_DB")
audited=$(psql -X -tA "$owner" -c "SELECT count(*) FROM hub.audit_log WHERE request_id = '$rid'")
served=$(grep -c '^200$' "$R.codes")
check "429s write no audit row ($served served and audited ${audited:-?}; $(grep -c '^429$' \
    "$R.codes") refused)" test "$audited" = "$served" -a "$served" -lt 16

hcurl -o "$R" "$URL/metrics"
check "429s are counted" grep -qE '^hub_rate_limited_total [1-9]' "$R"
check "429s show per route" grep -q 'hub_requests_total{route="me",status="429"}' "$R"

busy_hwm=$(hwm_kb)
exec 7>&- # ends idle_conns' hold
wait "$idle_pid"
idle_rc=$?
eq "no idle connection was closed by hubd meanwhile" "$idle_rc" 0
echo "    peak RSS (VmHWM) of $(basename "$(dirname "$HUB_BIN")")/hubd: ${base_hwm} kB before," \
    "${busy_hwm} kB with $IDLE idle connections; /healthz ${base_rps} vs ${busy_rps} requests/s"
check "peak RSS stays bounded (${busy_hwm} kB < 2 GB)" test "${busy_hwm:-0}" -gt 0 -a \
    "${busy_hwm:-9999999}" -lt 2097152
stop_hubd
check "hubd exits 0 on SIGTERM" test $? -eq 0
check "no sanitizer reports" sanitizer_clean

# ---- 2. flood: fast refusals --------------------------------------------
# One worker, 300 connections all asking at once: without a bound the last
# in line would wait for the 299 before it. Past HUB_QUEUE_TIMEOUT the
# worker answers 503 at once (no database work), so the line clears. The
# wait hubd sees is only the part since its loop last woke, so the limit
# here is low enough (20 ms, some 10 requests) that a quiet machine, which
# serves the 300 in short rounds, still sheds.
start_hubd HUB_WORKERS=1 HUB_QUEUE_TIMEOUT=20ms || { not_ok "hubd starts (flood)"; exit 0; }
"$LOAD_BIN" -c 300 -t 2 -d 4s --timeout 20s --ca "$HUB_CA" --token "$HUB_TOKEN_HEALTH" \
    "$URL/v1/me" >"$R.flood" 2>&1 &
flood_pid=$!
sleep 2
code=$(hcurl -o "$R.metrics" -w '%{http_code}' "$URL/metrics")
wait "$flood_pid"
eq "during the flood /metrics is still served (never shed)" "$code" 200
sed -n 's/^status *//p; s/^latency ms *//p' "$R.flood" | sed 's/^/    flood: /'
n503=$(sed -n 's/.* 503:\([0-9]*\).*/\1/p' "$R.flood")
n200=$(sed -n 's/.* 200:\([0-9]*\).*/\1/p' "$R.flood")
check "the flood is served in part (${n200:-0} x 200)" test "${n200:-0}" -gt 0
check "and refused fast for the rest (${n503:-0} x 503)" test "${n503:-0}" -gt 0
check "no socket errors or timeouts in the flood" \
    grep -qE 'socket 0, timeouts 0\)' "$R.flood"
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' "$URL/healthz")
eq "after the flood the hub serves at once" "$code" 200
hcurl -o "$R" "$URL/metrics"
check "503s are counted" grep -qE '^hub_overload_rejected_total [1-9]' "$R"
stop_hubd
check "hubd exits 0 on SIGTERM (flood)" test $? -eq 0
check "no sanitizer reports (flood)" sanitizer_clean
