#!/usr/bin/env bash
# Requests/s served to well-behaved clients (hubload, keep-alive TLS,
# GET /v1/me with a bearer token: authentication, audit row, commit) by a
# fresh hubd, once alone and once with BENCH_SLOW idle TLS connections open
# next to them (handshaken, then silent: the slow-loris shape), with hubd's
# peak RSS (VmHWM) in each case. A fresh hubd per row, so each peak is its
# own. Prints a markdown table; see bench/README.md, "Overload".
#
# Self-contained: builds, makes a throw-away cluster and hubd through
# scripts/lib.sh; var/ is untouched. About 2 x BENCH_ROUNDS x (BENCH_DURATION
# + 5 s) + 20 s.
#
# Env: BENCH_SLOW (2000), BENCH_CONNS (8), BENCH_DURATION (10s), BENCH_ROUNDS (3),
# HUB_WORKERS (hubd's default: one per core).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib.sh
export LC_ALL=C

slow=${BENCH_SLOW:-2000}
conns=${BENCH_CONNS:-8}
duration=${BENCH_DURATION:-10s}
rounds=${BENCH_ROUNDS:-3}
make -s -j"$(nproc)" build/hubd build/hubctl build/bench/hubload build/bench/idle_conns
ulimit -n "$(ulimit -Hn)"

B=$(mktemp -d /tmp/hub-bench-overload.XXXXXX)
chmod 755 "$B"
hubd_pid= idle_pid=
stop_all() {
    [ -n "$idle_pid" ] && { kill -TERM "$idle_pid" 2>/dev/null || true; wait "$idle_pid" 2>/dev/null || true; }
    [ -n "$hubd_pid" ] && { kill -TERM "$hubd_pid" 2>/dev/null || true; wait "$hubd_pid" 2>/dev/null || true; }
    idle_pid= hubd_pid=
}
cleanup() {
    stop_all
    cluster_stop "$B" || true
    rm -rf "$B"
}
trap cleanup EXIT

echo "bench/overload.sh: set-up in $B" >&2
setup "$B" $((40000 + RANDOM % 10000)) "$(free_port $((20000 + RANDOM % 12000)))" >"$B/setup.log" 2>&1 ||
    { cat "$B/setup.log" >&2; exit 1; }
hubd_env "$B"
port=${HUB_LISTEN##*:}

kb() { sed -n "s/^$1:\s*\([0-9]*\) kB/\1/p" "/proc/$hubd_pid/status"; }

# row LABEL N: a fresh hubd, N idle connections, then the load; prints
# "rps p50 p99 errors hwm_before hwm_after rss_after opened".
row() {
    HUB_REQUEST_TIMEOUT=300s build/hubd >"$B/hubd-$2.log" 2>&1 &
    hubd_pid=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null --cacert "$HUB_CA" "https://127.0.0.1:$port/healthz" && break
        sleep 0.1
    done
    # Warm up: every worker connected and its statements prepared.
    build/bench/hubload -c "$conns" -d 2s --ca "$HUB_CA" --token "$HUB_TOKEN_POLICE" \
        "https://127.0.0.1:$port/v1/me" >/dev/null 2>&1
    local before opened=0
    before=$(kb VmHWM)
    if [ "$2" -gt 0 ]; then
        build/bench/idle_conns 127.0.0.1 "$port" "$2" "$HUB_CA" 0 >"$B/idle.out" 2>"$B/idle.err" </dev/null &
        idle_pid=$!
        for _ in $(seq 1200); do grep -q '^open' "$B/idle.out" && break; sleep 0.1; done
        opened=$(sed -n 's/^open //p' "$B/idle.out")
        sleep 1
    fi
    local out
    out=$(build/bench/hubload -c "$conns" -d "$duration" --ca "$HUB_CA" --token "$HUB_TOKEN_POLICE" \
        "https://127.0.0.1:$port/v1/me" 2>&1 | grep '^RESULT')
    echo "$1: $out" >&2
    local rps p50 p99 errs
    rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$out")
    p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$out")
    p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$out")
    errs=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$out")
    echo "$rps $p50 $p99 $errs $before $(kb VmHWM) $(kb VmRSS) ${opened:-0}"
    stop_all
}

# Alternating rounds, so a neighbour's load on the shared machine falls
# on both columns alike; the table gives each round and the median.
declare -a R0 R1 P0 P1 E0 E1 H0 H1 O1
for ((i = 0; i < rounds; i++)); do
    read -r r a b e h H s o <<<"$(row "round $((i + 1)) alone" 0)"
    R0+=("$r") P0+=("$a / $b") E0+=("$e") H0+=("$H")
    read -r r a b e h H s o <<<"$(row "round $((i + 1)) with $slow slow" "$slow")"
    R1+=("$r") P1+=("$a / $b") E1+=("$e") H1+=("$H") O1+=("$o")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
join() { local IFS=,; echo "$*" | sed 's/,/, /g'; }
m0=$(median "${H0[@]}") m1=$(median "${H1[@]}") o=$(median "${O1[@]}")
echo "### Well-behaved clients next to $slow slow connections"
echo
echo "hubload -c $conns -d $duration, GET /v1/me with a bearer token; HUB_WORKERS=${HUB_WORKERS:-$(nproc)};"
echo "a fresh hubd per measurement, $rounds rounds alternating the two columns"
echo
echo "| | alone | with $slow idle TLS connections |"
echo "| --- | --- | --- |"
echo "| slow connections open (of $slow, per round) | - | $(join "${O1[@]}") |"
echo "| requests/s, median | $(median "${R0[@]}") | $(median "${R1[@]}") |"
echo "| requests/s, each round | $(join "${R0[@]}") | $(join "${R1[@]}") |"
echo "| latency p50 / p99 ms, each round | $(join "${P0[@]}") | $(join "${P1[@]}") |"
echo "| errors, each round | $(join "${E0[@]}") | $(join "${E1[@]}") |"
echo "| peak RSS of hubd (VmHWM), median | $(mib "$m0") MiB | $(mib "$m1") MiB |"
[ "${o:-0}" -gt 0 ] && echo "| peak RSS per slow connection | | $(((m1 - m0) / o)) kB |"
echo
echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); hubd, PostgreSQL, hubload and idle_conns share them."
