#!/usr/bin/env bash
# The cost of access control: requests/s of GET /healthz (no credential),
# GET /v1/me with a bearer token, and GET /v1/me with a client certificate,
# measured one after the other against the running hub (make run).
#
# Each authenticated call is two round trips to PostgreSQL (authenticate;
# then the audit row and COMMIT, which waits for the WAL flush), so this is
# mostly a measure of the database's commit rate on this machine.
#
# Env: BENCH_DURATION (10s), BENCH_CONNS (space-separated, default "8 64").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f var/hub.env ] || { echo "bench/access.sh: run 'make run' first (var/hub.env is missing)" >&2; exit 2; }
# shellcheck disable=SC1091
. var/hub.env
make -s build/bench/hubload
load=build/bench/hubload
duration=${BENCH_DURATION:-10s}
conns=${BENCH_CONNS:-8 64}

run() { # run LABEL CONNS ARGS... -> "rps p50 p99"
    local label=$1 c=$2 line
    shift 2
    line=$("$load" -c "$c" -t 2 -d "$duration" --ca "$HUB_CA" "$@" | grep '^RESULT')
    echo "$label|$c|$(sed -E 's/.*rps=([0-9.]+).*p50_ms=([0-9.]+).*p99_ms=([0-9.]+).*errors=([0-9]+).*/\1|\2|\3|\4/' <<<"$line")"
}

results=()
for c in $conns; do
    results+=("$(run "GET /healthz (no credential)" "$c" "$HUB_URL/healthz")")
    results+=("$(run "GET /v1/me, bearer token" "$c" --token "$HUB_TOKEN_POLICE" "$HUB_URL/v1/me")")
    results+=("$(run "GET /v1/me, client certificate" "$c" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE" "$HUB_URL/v1/me")")
done

echo "### Cost of access control ($duration per row, hubload, keep-alive TLS)"
echo
echo "| request | connections | requests/s | p50 ms | p99 ms | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for r in "${results[@]}"; do echo "| ${r//|/ | } |"; done
echo
echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); hubd, PostgreSQL and hubload share them."
echo "Audit rows written during the run: see hub_requests_total in /metrics; each /v1/me appends one."
