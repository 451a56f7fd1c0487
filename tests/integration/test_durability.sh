#!/usr/bin/env bash
# Durability: nothing acknowledged is lost and nothing is stored twice when
# hubd is killed (SIGKILL) in the middle of a load of submissions, nor when
# PostgreSQL is (immediate stop) while hubd keeps running. The client is
# bench/hubload on 8 connections, each request a new external_ref from a
# template, logging each request's outcome (--log: "SEQ STATUS", 0 for no
# answer) and pausing as a 503's Retry-After asks. Afterwards it retries
# every request it saw no 200/201 for, with the same external_ref and
# content (--seq-file): hubd is idempotent on external_ref, so a retry of a
# report that was stored answers 200 and one that was not answers 201. Runs
# twice against the same database: every external_ref carries $tag.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
R=$T/$SUITE.out
LOAD=$ROOT/build/bench/hubload
tag=dur${RANDOM}x$RANDOM
q() { psql -X -tA "$owner" -c "$1"; }
rm -f "$R".* # the logs of the run against the other build
[ -x "$LOAD" ] || make -s -C "$ROOT" build/bench/hubload || { not_ok "hubload builds"; exit 0; }

# template PHASE: the request body of PHASE, external_ref $tag-PHASE-{{seq}}.
template() {
    jq --arg ref "$tag-$1-{{seq}}" '.external_ref = $ref | del(.subject_key)' \
        "$ROOT/api/examples/report-police.json" >"$R.$1.json"
}
# load_cmd PHASE RUN: in $cmd, hubload POSTing PHASE's template, its
# outcomes to $R.PHASE.RUN.log.
load_cmd() {
    cmd=("$LOAD" -c 8 -t 2 -m POST --timeout 30s --retry-after --ca "$HUB_CA"
        --token "$HUB_TOKEN_POLICE" --body-template "$R.$1.json" --log "$R.$1.$2.log")
}
# load PHASE RUN [hubload args...]: runs it.
load() {
    load_cmd "$1" "$2"
    "${cmd[@]}" "${@:3}" "$URL/v1/reports" >"$R.$1.$2.out" 2>&1
}
# load_start PHASE: hubload in the background (no subshell, so that
# LOAD_PID is hubload's) for at most a minute.
load_start() {
    load_cmd "$1" 1
    "${cmd[@]}" -d 60s "$URL/v1/reports" >"$R.$1.1.out" 2>&1 &
    LOAD_PID=$!
}
# load_stop: SIGTERM; hubload logs what is still in flight as unanswered.
load_stop() {
    kill -TERM "$LOAD_PID" 2>/dev/null
    wait "$LOAD_PID"
}
# outcomes PHASE: every logged outcome of PHASE, "SEQ STATUS".
outcomes() { cat "$R.$1".*.log 2>/dev/null; }
acked() { outcomes "$1" | awk '$2 == 200 || $2 == 201 { print $1 }' | sort -u; }
acked_count() { acked "$1" | wc -l; }
# wait_acked PHASE N: until the client has N acknowledgements (bounded).
wait_acked() {
    for _ in $(seq 600); do
        [ "$(acked_count "$1")" -ge "$2" ] && return 0
        kill -0 "$LOAD_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
# sessions_quiet: no hubd database session is in a statement or a
# transaction: a killed hubd's may still be finishing a COMMIT it was sent,
# and the count must wait for it. (Other suites' hubd may still be running,
# idle, so the test cannot wait for every session to end.)
sessions_quiet() {
    [ -f "$T/pg/PG_VERSION" ] || { sleep 1; return 0; }
    for _ in $(seq 200); do
        [ "$(psql -X -tA "host=$T/run port=$PGPORT user=postgres dbname=postgres" -c \
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hubd' AND state <> 'idle'")" \
            = 0 ] && return 0
        sleep 0.05
    done
    return 1
}
# stored PHASE: "SEQ COUNT" for each of PHASE's external_refs in the database.
stored() {
    q "SELECT split_part(external_ref, '-', 3), count(*) FROM hub.report
        WHERE external_ref LIKE '$tag-$1-%' GROUP BY 1" | tr '|' ' ' | sort -k1,1
}

# settle PHASE: the figures of PHASE and the checks: every acknowledged
# report stored, none twice; then every request without an acknowledgement
# retried until answered 200/201 (a few rounds at most), and again none
# twice and nothing but what was sent.
settle() {
    local phase=$1 sent acked lost dups retried committed round
    outcomes "$phase" | awk '{ print $1 }' | sort -u >"$R.sent"
    acked "$phase" >"$R.acked"
    stored "$phase" >"$R.stored"
    sent=$(wc -l <"$R.sent")
    acked=$(wc -l <"$R.acked")
    lost=$(awk '{ print $1 }' "$R.stored" | comm -23 "$R.acked" - | wc -l)
    dups=$(awk '$2 > 1' "$R.stored" | wc -l)
    echo "# $phase: $sent sent, $acked acknowledged, $lost acknowledged but lost," \
        "$dups duplicated, $(wc -l <"$R.stored") stored"
    eq "$phase: every acknowledged report is stored ($acked acknowledged)" "$lost" 0
    eq "$phase: no report is stored twice" "$dups" 0
    check "$phase: the client had answers before the failure" test "$acked" -gt 0

    comm -23 "$R.sent" "$R.acked" >"$R.retry"
    retried=$(wc -l <"$R.retry")
    check "$phase: some requests were left unanswered by the failure ($retried)" test "$retried" -gt 0
    : >"$R.$phase.retried"
    for round in 1 2 3; do
        [ -s "$R.retry" ] || break
        load "$phase" "retry$round" -t 1 --seq-file "$R.retry"
        cat "$R.$phase.retry$round.log" >>"$R.$phase.retried"
        acked "$phase" | comm -23 "$R.retry" - >"$R.retry.left"
        mv "$R.retry.left" "$R.retry"
    done
    eq "$phase: every retry is answered 200 or 201" "$(wc -l <"$R.retry")" 0
    # A retry answered 200 found its report stored: hubd committed it but
    # the client never heard.
    committed=$(awk '$2 == 200 { print $1 }' "$R.$phase.retried" | sort -u | wc -l)
    stored "$phase" >"$R.stored"
    dups=$(awk '$2 > 1' "$R.stored" | wc -l)
    echo "# $phase: $retried retried, $committed of them found stored (committed, answer lost)," \
        "$dups duplicated after the retries, $(wc -l <"$R.stored") stored"
    eq "$phase: after the retries no report is stored twice" "$dups" 0
    eq "$phase: after the retries every report sent is stored once" \
        "$(awk '{ print $1 }' "$R.stored" | sort -u | comm -3 "$R.sent" - | wc -l)" 0
    unexpected=$(outcomes "$phase" | awk '$2 != 0 && $2 != 200 && $2 != 201 && $2 != 503' | wc -l)
    eq "$phase: no answer but 200, 201 or (database down) 503" "$unexpected" 0
}

# 1. hubd killed with SIGKILL mid-load, then started again.
template kill
start_hubd || { not_ok "hubd starts"; exit 0; }
load_start kill
check "kill: the load is under way" wait_acked kill 150
kill -KILL "$HUBD_PID"
{ wait "$HUBD_PID"; } 2>/dev/null # no "Killed" job notice
load_stop
check "kill: the client saw requests fail" grep -q ' 0$' "$R.kill.1.log"
check "kill: the killed hubd's database sessions are quiet" sessions_quiet
start_hubd || { not_ok "hubd starts again"; exit 0; }
settle kill
stop_hubd
check "kill: hubd exits 0 on SIGTERM" test $? -eq 0
check "kill: no sanitizer reports" sanitizer_clean

# 2. PostgreSQL stopped with -m immediate (its processes killed, crash
# recovery on start) mid-load, then started again: hubd keeps running.
if [ -n "${HUB_DB_EXTERNAL:-}" ] || [ ! -f "$T/pg/PG_VERSION" ]; then
    echo "skipped: the database is external (HUB_DB)"
    exit 0
fi
# Other suites share the cluster: whatever happens here, it is left running.
trap 'cluster_running "$T" || cluster_start "$T"' EXIT
template pg
start_hubd HUB_DB_RETRY=200ms || { not_ok "hubd starts"; exit 0; }
load_start pg
check "pg: the load is under way" wait_acked pg 150
pg_as "$PG_BIN/pg_ctl" -D "$T/pg" -m immediate -w -t 60 stop >/dev/null
check "pg: the cluster is down" test "$(cluster_running "$T" && echo up)" = ""
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' "$URL/healthz")
eq "pg: database down: healthz answers 503" "$code" 503
check "pg: database down: healthz has Retry-After" grep -qi '^retry-after: [0-9]' "$R.h"
# A submission of the phase's own, logged like hubload's (seq 0).
sed 's/{{seq}}/0/' "$R.pg.json" >"$R.body"
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -H "Authorization: Bearer $HUB_TOKEN_POLICE" \
    -H 'Content-Type: application/json' --data-binary @"$R.body" "$URL/v1/reports")
echo "0 $code" >"$R.pg.manual.log"
eq "pg: database down: a submission answers 503" "$code" 503
check "pg: database down: the submission has Retry-After" grep -qi '^retry-after: [0-9]' "$R.h"
load_stop
check "pg: database down: the load got 503s" grep -q ' 503$' "$R.pg.1.log"
check "pg: hubd keeps running while the database is down" kill -0 "$HUBD_PID"

cluster_start "$T"
check "pg: the cluster is up again" cluster_running "$T"
run=0
for _ in $(seq 200); do
    if [ "$(status_of "$URL/healthz")" = 200 ]; then run=$((run + 1)); else run=0; fi
    [ "$run" -ge 20 ] && break
    sleep 0.05
done
check "pg: healthz answers 200 again without a restart (20 in a row)" test "$run" -ge 20
load pg after -n 100 --seq-start 100000
eq "pg: submissions succeed again (100 new reports)" \
    "$(awk '$2 == 201' "$R.pg.after.log" | wc -l)" 100
settle pg
check "pg: the same hubd throughout" kill -0 "$HUBD_PID"
stop_hubd
check "pg: hubd exits 0 on SIGTERM" test $? -eq 0
check "pg: no sanitizer reports" sanitizer_clean
