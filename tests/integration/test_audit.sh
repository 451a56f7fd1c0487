#!/usr/bin/env bash
# The audit log: a row per API call in the action's transaction, append-only,
# chained by the sealer off the request path, verifiable by hubctl.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
superuser="host=$T/run port=$PGPORT user=postgres dbname=hub"
q() { psql -X -tA "$owner" -c "$1"; }
start_hubd HUB_AUDIT_SEAL_INTERVAL=200ms || { not_ok "hubd starts"; exit 0; }
rid=audit-$RANDOM$RANDOM

hcurl -o /dev/null -H "X-Request-Id: $rid-me" -H "Authorization: Bearer $HUB_TOKEN_POLICE" "$URL/v1/me"
row=$(q "SELECT action, outcome, partner_id, credential_id IS NOT NULL, isa_reference
           FROM hub.audit_log WHERE request_id = '$rid-me'" | tr '|' ,)
check "a call is audited with action, outcome, partner, credential and agreement" \
    test "$row" = "me,ok,$HUB_PARTNER_POLICE,t,ISA-DEMO-2026-01"
hcurl -o /dev/null -H "X-Request-Id: $rid-pub" -H "Authorization: Bearer $HUB_TOKEN_PUBLIC" "$URL/v1/partners"
check "a refused call is audited as denied" \
    test "$(q "SELECT action || ',' || outcome || ',' || coalesce(partner_id::text, 'none') FROM hub.audit_log WHERE request_id = '$rid-pub'")" = "partners.list,denied,none"
hcurl -o /dev/null -H "X-Request-Id: $rid-bad" -H "Authorization: Bearer hub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$URL/v1/me"
check "an unauthenticated call leaves no audit row (it has no partner)" \
    test "$(q "SELECT count(*) FROM hub.audit_log WHERE request_id = '$rid-bad'")" = 0
hcurl -o /dev/null -H "X-Request-Id: $rid-cert" --cert "$HUB_CERT_HEALTH" --key "$HUB_KEY_HEALTH" "$URL/v1/partners"
check "a certificate call is audited under its credential" \
    test "$(q "SELECT c.kind FROM hub.audit_log a JOIN hub.credential c USING (credential_id) WHERE a.request_id = '$rid-cert'")" = certificate

# Append-only, for the application role and the owner alike.
app=$HUB_APP_DB
check "the application role cannot update audit rows" \
    bash -c "! psql -X -q '$app' -c \"UPDATE hub.audit_log SET outcome = 'ok'\" 2>/dev/null"
check "the application role cannot delete audit rows" \
    bash -c "! psql -X -q '$app' -c 'DELETE FROM hub.audit_log' 2>/dev/null"
check "the owner cannot update audit rows (trigger)" \
    bash -c "psql -X -q '$owner' -c \"UPDATE hub.audit_log SET outcome = 'ok' WHERE request_id = '$rid-me'\" 2>&1 | grep -q 'cannot be changed or deleted'"
check "the owner cannot delete audit rows (trigger)" \
    bash -c "psql -X -q '$owner' -c \"DELETE FROM hub.audit_log WHERE request_id = '$rid-me'\" 2>&1 | grep -q 'cannot be changed or deleted'"
check "the owner cannot truncate the audit log (trigger)" \
    bash -c "psql -X -q '$owner' -c 'TRUNCATE hub.audit_log' 2>&1 | grep -q 'cannot be changed or deleted'"

# 10,000 audited calls from 16 concurrent clients, then the chain verifies.
before=$(q "SELECT count(*) FROM hub.audit_log")
for i in $(seq 16); do
    for _ in $(seq 625); do echo "url = \"$URL/v1/me\""; done >"$T/urls.$i"
done
start=$(date +%s%N)
seq 16 | xargs -P 16 -I{} curl -s -o /dev/null --cacert "$HUB_CA" \
    -H "Authorization: Bearer $HUB_TOKEN_COUNCIL" -K "$T/urls.{}"
elapsed=$((($(date +%s%N) - start) / 1000000))
after=$(q "SELECT count(*) FROM hub.audit_log")
check "10,000 concurrent calls wrote 10,000 audit rows (${elapsed} ms)" test $((after - before)) -eq 10000
sealed=no
for _ in $(seq 150); do
    [ "$(q 'SELECT count(*) FROM hub.audit_log WHERE hash IS NULL')" = 0 ] && sealed=yes && break
    sleep 0.2
done
check "the background sealer chained them all" test "$sealed" = yes
HUB_DB=$owner "$CTL" audit verify >"$T/verify.out" 2>&1
check "hubctl audit verify finds the chain intact" test $? -eq 0
check "…and says so" grep -q 'audit chain OK' "$T/verify.out"

# Tamper with one sealed row behind the triggers' back: verify must find it.
victim=$(q "SELECT audit_id FROM hub.audit_log WHERE partnership_id = $HUB_PARTNERSHIP_DEMO AND hash IS NOT NULL ORDER BY seal_seq DESC OFFSET 100 LIMIT 1")
orig=$(q "SELECT outcome FROM hub.audit_log WHERE audit_id = $victim")
tamper() {
    psql -X -q "$superuser" -c "ALTER TABLE hub.audit_log DISABLE TRIGGER audit_guard;
        UPDATE hub.audit_log SET outcome = '$1' WHERE audit_id = $victim;
        ALTER TABLE hub.audit_log ENABLE TRIGGER audit_guard;"
}
tamper refused
HUB_DB=$owner "$CTL" audit verify >"$T/verify.out" 2>&1
rc=$?
check "a tampered row breaks verification" test "$rc" -ne 0
check "…which names the first broken link, audit_id $victim" grep -q "audit_id $victim" "$T/verify.out"
tamper "$orig"
HUB_DB=$owner "$CTL" audit verify >/dev/null 2>&1
check "restored, the chain verifies again" test $? -eq 0

stop_hubd
check "hubd exits 0" test $? -eq 0
check "no sanitizer reports" sanitizer_clean
