#!/usr/bin/env bash
# Backup and restore (scripts/backup.sh, scripts/restore.sh): data made
# through the API, audit rows sealed with hubctl, a backup, a restore into
# a FRESH throw-away cluster of its own, and there: the audit chain
# verifies, every table holds the rows it held, report counts per partner
# are the original's, and a hubd started on it serves the reports (and
# takes new ones, whose audit rows chain on). Damaged backups and a restore
# over an existing database are refused.
# Runs twice against the same database: each run makes its own partnership
# and its own cluster.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
owner=$HUB_DB
CTL=${HUB_BIN%/hubd}/hubctl
R=$T/$SUITE.out
tag=bk${RANDOM}q$RANDOM
q() { psql -X -tA "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }
# No background writers: hubctl seals, and no refresh changes the rollups
# between the counts taken below and the backup.
start_hubd HUB_AUDIT_SEAL_INTERVAL=0 HUB_STATS_REFRESH=0 || { not_ok "hubd starts"; exit 0; }

ps=$(ctl partnership add "Backup $tag" --isa-ref "ISA-BK-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 72)
police=$(ctl partner add --partnership "$ps" --kind police "Backup police $tag")
council=$(ctl partner add --partnership "$ps" --kind council "Backup council $tag")
TP=$(ctl token issue --partner "$police" --roles submit,read)
TC=$(ctl token issue --partner "$council" --roles submit,read)
check "(fixtures made)" test -n "$ps" -a -n "$police" -a -n "$council" -a -n "$TC"

# rep REF GROUP: one report as JSON.
rep() {
    jq -nc --arg ref "$tag-$1" --arg g "$2" '{
        protocol: "harassment-report/1", external_ref: $ref, occurred_from: "2025-09-14",
        occurred_to: "2025-09-14", reported_on: "2025-09-15", area: "E01000002",
        location_type: "street", strands: ["race"], incident_types: ["verbal_abuse"],
        victim: {ethnic_group: $g, age_band: "35-44", sex: "male"}, repeat: "no", channel: "online"}'
}
api() { # api TOKEN METHOD PATH [BODY]: prints the status, body to $R
    hcurl -o "$R" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
        ${4:+-H 'Content-Type: application/json' --data-binary "$4"} "$URL$3"
}
for i in $(seq 25); do rep "p$i" white_british; done | jq -sc . >"$T/$SUITE.police"
for i in $(seq 8); do rep "c$i" asian_indian; done | jq -sc . >"$T/$SUITE.council"
eq "25 police reports" "$(api "$TP" POST '/v1/reports/batch?atomic=true' "$(cat "$T/$SUITE.police")")" 200
eq "8 council reports" "$(api "$TC" POST '/v1/reports/batch?atomic=true' "$(cat "$T/$SUITE.council")")" 200
id1=$(q "SELECT report_id FROM hub.report WHERE partnership_id = $ps AND external_ref = '$tag-p1'")
id2=$(q "SELECT report_id FROM hub.report WHERE partnership_id = $ps AND external_ref = '$tag-p2'")
eq "one amended" "$(api "$TP" PATCH "/v1/reports/$id1" '{"channel": "telephone"}')" 200
eq "…referred to the council" "$(api "$TP" POST "/v1/reports/$id1/referrals" \
    "{\"to_partner\": $council, \"reason\": \"victim_support\", \"urgency\": \"urgent\"}")" 201
eq "…accepted" "$(api "$TC" POST "/v1/referrals/$(jq -r .id "$R")/accept")" 200
eq "…with an outcome" "$(api "$TC" POST "/v1/reports/$id1/outcomes" '{"outcome": "victim_supported", "on": "2025-09-20"}')" 201
eq "another withdrawn" "$(api "$TP" DELETE "/v1/reports/$id2")" 200
ctl audit seal >"$R" 2>&1
check "hubctl audit seal seals the audit rows" grep -q '^sealed [1-9][0-9]* rows' "$R"
eq "a call after sealing leaves an unsealed row" "$(api "$TP" GET "/v1/reports/$id1")" 200
cp "$R" "$T/$SUITE.report1"

# What must come back: every table's row count, reports per partner, the
# chains as verify sees them, police's report ids.
tables() {
    psql -X -tA "$1" -c "SELECT table_name || ' ' || (xpath('/row/n/text()',
            query_to_xml(format('SELECT count(*) AS n FROM hub.%I', table_name), false, true, '')))[1]
          FROM information_schema.tables WHERE table_schema = 'hub' AND table_type = 'BASE TABLE'
         ORDER BY table_name"
}
per_partner() { psql -X -tA -F' ' "$1" -c "SELECT partner_id, count(*) FROM hub.report GROUP BY 1 ORDER BY 1"; }
police_ids() { psql -X -tA "$1" -c "SELECT report_id FROM hub.report WHERE partner_id = $police ORDER BY 1"; }
tables "$owner" >"$T/$SUITE.tables"
per_partner "$owner" >"$T/$SUITE.partners"
eq "(reports of this run's partners: 25 and 8)" \
    "$(grep -E "^($police|$council) " "$T/$SUITE.partners" | cut -d' ' -f2 | paste -sd,)" "25,8"
police_ids "$owner" >"$T/$SUITE.police.ids"
HUB_DB=$owner "$CTL" audit verify >"$T/$SUITE.verify" 2>&1
eq "(the original's chains verify)" "$?" 0
check "(…this partnership's with rows sealed and one not)" \
    grep -q "audit chain OK: partnership $ps: [1-9][0-9]* rows sealed, [1-9][0-9]* not yet sealed" "$T/$SUITE.verify"

# ---- backup --------------------------------------------------------------------
HUB_DB=$owner "$ROOT/scripts/backup.sh" --dir "$T/backups-$tag" >"$R" 2>"$R.err"
eq "backup.sh exits 0" "$?" 0
file=$(head -1 "$R")
check "…prints the file, named by its UTC time" \
    bash -c "[[ '$file' =~ ^$T/backups-$tag/hub-[0-9]{8}T[0-9]{6}Z\.dump$ ]] && test -s '$file'"
check "…with its SHA-256 beside it, which sha256sum -c accepts" \
    bash -c "cd '$T/backups-$tag' && sha256sum -c --status '$(basename "$file").sha256'"
eq "…both readable by their owner alone" "$(stat -c %a "$file" "$file.sha256" | sort -u)" 600
check "…a pg_dump archive in custom format" bash -c "'$PG_BIN/pg_restore' --list '$file' | grep -q 'Format: CUSTOM'"
check "…and says its size and schema" grep -q "backup: [0-9]* bytes in [0-9]* ms, sha256 [0-9a-f]\{64\}, schema at migration" "$R.err"
eq "(nothing changed meanwhile)" "$(tables "$owner")" "$(cat "$T/$SUITE.tables")"
HUB_DB=$HUB_APP_DB "$ROOT/scripts/backup.sh" --dir "$T/backups-$tag" >"$R" 2>&1
eq "backup.sh as the application role is refused" "$?:$(grep -c 'not the owner role' "$R")" "1:1"

# ---- restore into a fresh cluster ---------------------------------------------
RV=$T/rv-$tag
rport=$((PGPORT + 1)) # its own socket directory: the number needs only to be valid
cleanup_restored() { cluster_stop "$RV" >/dev/null 2>&1; rm -rf "$RV"; }
trap cleanup_restored EXIT
cluster_create "$RV" "$rport" test && cluster_start "$RV"
check "(a fresh cluster started)" cluster_running "$RV"
admin="host=$RV/run port=$rport user=postgres dbname=postgres"
restored="host=$RV/run port=$rport user=hub_owner dbname=hub"
t0=$(date +%s%N)
"$ROOT/scripts/restore.sh" --admin "$admin" "$file" >"$R" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
eq "restore.sh into the fresh cluster exits 0 (${ms} ms, $(stat -c %s "$file") bytes)" "$rc" 0
[ "$rc" = 0 ] || cat "$R"
check "…and says what it restored" grep -q "^restore: [0-9]* partnerships, [0-9]* reports" "$R"
eq "every table holds the rows it held" "$(tables "$restored")" "$(cat "$T/$SUITE.tables")"
eq "report counts per partner equal the original's" "$(per_partner "$restored")" "$(cat "$T/$SUITE.partners")"
HUB_DB=$restored "$CTL" audit verify >"$R" 2>&1
eq "hubctl audit verify on the restored cluster: intact" "$?" 0
eq "…every chain as long as the original's, with the same unsealed rows" "$(cat "$R")" "$(cat "$T/$SUITE.verify")"
eq "the roles are back: hub_app may connect, and is not the owner" \
    "$(psql -X -tA "host=$RV/run port=$rport user=hub_app dbname=hub" -c "SELECT current_user, pg_has_role('hub_owner', 'MEMBER')" | tr '|' ,)" \
    "hub_app,f"

# ---- hubd on the restored cluster ----------------------------------------------
stop_hubd
check "(the original's hubd exits 0)" test $? -eq 0
check "(…with no sanitizer reports)" sanitizer_clean
HUB_APP_DB="host=$RV/run port=$rport user=hub_app dbname=hub" start_hubd HUB_AUDIT_SEAL_INTERVAL=0 ||
    { not_ok "hubd starts on the restored cluster"; exit 0; }
ok "hubd starts on the restored cluster"
eq "…healthy" "$(hcurl "$URL/healthz" | jq -r .database)" ok
if walk "$TP" /v1/reports "" 10 reports; then
    eq "…serves police's reports, every page, the ids of the original" "$(cat "$R.ids")" "$(cat "$T/$SUITE.police.ids")"
else
    not_ok "…serves police's reports, every page"
fi
eq "…the amended, referred report as it was (version, referral, outcome)" \
    "$(api "$TP" GET "/v1/reports/$id1"):$(jq -S . "$R")" "200:$(jq -S . "$T/$SUITE.report1")"
eq "…the withdrawn one withdrawn" "$(api "$TP" GET "/v1/reports/$id2"):$(jq -r '.withdrawn_at != null' "$R")" "200:true"
eq "…the council's token works too: its 8 reports and the one referred to it" \
    "$(hcurl -H "Authorization: Bearer $TC" "$URL/v1/reports?limit=100" | jq '.reports | length')" 9
eq "…takes a new report (the identity sequences came back too)" \
    "$(api "$TP" POST /v1/reports "$(rep new white_irish)")" 201
HUB_DB=$restored "$CTL" audit seal >/dev/null 2>&1
HUB_DB=$restored "$CTL" audit verify --partnership "$ps" >"$R" 2>&1
eq "…whose audit rows chain on from the restored ones" "$?" 0
check "…none left unsealed" grep -q "audit chain OK: partnership $ps: [0-9]* rows sealed, 0 not yet sealed" "$R"
stop_hubd
check "hubd on the restored cluster exits 0" test $? -eq 0
check "…no sanitizer reports" sanitizer_clean

# ---- refusals ------------------------------------------------------------------
"$ROOT/scripts/restore.sh" --admin "$admin" "$file" >"$R" 2>&1
eq "restoring over an existing database is refused" "$?:$(grep -c 'exists already' "$R")" "1:1"
bad=$T/backups-$tag/bad.dump
cp "$file" "$bad"
sed "s/$(basename "$file")/bad.dump/" "$file.sha256" >"$bad.sha256"
printf 'X' | dd of="$bad" bs=1 seek=2000 conv=notrunc status=none
"$ROOT/scripts/restore.sh" --admin "$admin" --dbname hub2 "$bad" >"$R" 2>&1
eq "a damaged backup is refused by its SHA-256" "$?:$(grep -c 'does not match its SHA-256' "$R")" "1:1"
eq "…before anything is made" \
    "$(psql -X -tA "$admin" -c "SELECT count(*) FROM pg_database WHERE datname = 'hub2'")" 0
rm -f "$bad.sha256"
"$ROOT/scripts/restore.sh" --admin "$admin" --dbname hub2 "$bad" >"$R" 2>&1
eq "a backup without its SHA-256 is refused" "$?:$(grep -c 'no .*sha256' "$R")" "1:1"
"$ROOT/scripts/restore.sh" --admin "$restored" --dbname hub3 "$file" >"$R" 2>&1
eq "a restore needs a superuser" "$?:$(grep -c 'must name a superuser' "$R")" "1:1"

cleanup_restored
trap - EXIT
rm -rf "$T/backups-$tag"
check "(the restored cluster is stopped and gone)" test ! -e "$RV"
