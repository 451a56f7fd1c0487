#!/usr/bin/env bash
# hubctl submit: a CSV export of 10,000 rows with exactly 1 % bad rows sent to
# a real hubd over TLS (the exact rejects file: line numbers and reasons,
# never values); sent again (nothing new); interrupted by SIGTERM and by
# SIGKILL and resumed without duplicates; anonymised at source (no name,
# date of birth or postcode reaches the database or hubd's log; the stored
# pseudonym is the one openssl computes); a dry run stores nothing; the hub
# restarting in the middle of a run; JSON input; a client certificate; and
# one clear line for each failure: 401, 403, an untrusted certificate, a
# certificate for another host, an unreachable hub.
# Runs twice (plain and ASan) against the same database: every name and
# external_ref carries $tag.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env" # HUB_DB here is the owner role
owner=$HUB_DB
superuser="host=$T/run port=$PGPORT user=postgres dbname=hub"
HUBCTL=${HUB_BIN%/hubd}/hubctl
tag=sub${RANDOM}x$RANDOM
D=$T/submit-$tag
mkdir -p "$D"
ERRLOG=$D/all.stderr # every hubctl run's stderr, for the sanitizer check
q() { psql -X -tA "$owner" -c "$1"; }

[ -x "$HUBCTL" ] || { not_ok "hubctl is built" "missing $HUBCTL"; exit 0; }
start_hubd || { not_ok "hubd starts"; exit 0; }

# A partnership, a partner with a submit token and one with a read-only token.
export HUB_DB=$owner
ps=$("$HUBCTL" partnership add "Submit $tag" --isa-ref "ISA-$tag" \
    --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 36 2>/dev/null)
partner=$("$HUBCTL" partner add --partnership "$ps" --kind police "Police $tag" 2>/dev/null)
token=$("$HUBCTL" token issue --partner "$partner" --roles submit,read 2>/dev/null)
reader=$("$HUBCTL" token issue --partner "$partner" --roles read 2>/dev/null)
[[ $token == hub_* && $reader == hub_* ]] || { not_ok "a partner and tokens are made"; exit 0; }
unset HUB_DB HUB_TOKEN HUB_CERT HUB_KEY

# sub ARGS...: hubctl submit against this suite's hubd with the submit token
# (unless the caller's environment says otherwise); stdout to $D/out,
# stderr to $D/err; returns hubctl's status.
sub() {
    HUB_URL=${SUB_URL:-$URL} HUB_CA=$HUB_CA HUB_TOKEN=${SUB_TOKEN-$token} \
        "$HUBCTL" submit "$@" >"$D/out" 2>"$D/err"
    local rc=$?
    cat "$D/err" >>"$ERRLOG"
    return "$rc"
}
stored() { q "SELECT count(*) FROM hub.report WHERE partner_id = $partner AND external_ref LIKE '$1%'"; }

# gen FILE PREFIX N: a CSV export (CRLF, some fields quoted) of N reports;
# every 100th row is bad in one of four ways, in turn: an unknown location
# type, a date that does not exist, a field too many (refused before
# sending), an e-mail address as the reference (personal data). EXPECT
# gets the rejects file that must result.
gen() {
    awk -v prefix="$2" -v n="$3" -v expect="$1.expect" 'BEGIN {
        printf "external_ref,occurred_from,reported_on,area,location_type,strands,incident_types,"
        printf "ethnic_group,ethnic_scheme,age_band,sex,repeat,channel\r\n"
        print "line,pointer,column,reason" > expect
        split("0-15 16-24 25-34 35-44 45-54 55-64 65+ unknown", ages, " ")
        for (i = 1; i <= n; i++) {
            ref = prefix "-" i; loc = "street"; from = sprintf("%02d/%02d/2025", i % 28 + 1, i % 9 + 1)
            extra = ""; line = i + 1
            if (i % 100 == 0) {
                kind = (i / 100) % 4
                if (kind == 0) {
                    loc = "moon"
                    printf "%d,/location_type,location_type,Unknown code; the list location_type allows: home street public_transport shop_or_business workplace school_or_college health_setting place_of_worship online other.\n", line > expect
                } else if (kind == 1) {
                    from = "2025-02-30"
                    printf "%d,/occurred_from,occurred_from,Expected a real date written YYYY-MM-DD.\n", line > expect
                } else if (kind == 2) {
                    extra = ",surplus"
                    printf "%d,,,The row has 14 fields; the header has 13.\n", line > expect
                } else {
                    ref = "victim" i "@example.org"
                    printf "%d,/external_ref,external_ref,This looks like an e-mail address: the hub accepts no personal data; nothing was stored.\n", line > expect
                }
            }
            printf "%s,%s,2025-10-01,E01%06d,%s,\"%s\",verbal_abuse;threats,%s,police,%s,female,no,telephone%s\r\n", \
                ref, from, i % 1000, loc, i % 2 ? "race" : "race;religion", i % 3 ? "A2" : "W1", \
                ages[i % 8 + 1], extra
        }
    }' >"$1"
}

# ---- usage ----------------------------------------------------------------
check "hubctl --help lists submit" bash -c "'$HUBCTL' --help | grep -q '^  hubctl submit FILE'"
check "hubctl submit --help shows its usage" \
    bash -c "'$HUBCTL' submit --help | grep -q '^Usage: hubctl submit FILE'"
sub "$D/none.csv" --link-key "$D/x"
eq "--link-key without --identity-columns is bad usage (exit 2)" "$?" 2
sub "$D/none.csv" --batch 10001
eq "--batch above 10000 is bad usage" "$?" 2
SUB_URL=http://127.0.0.1:1 sub "$D/none.csv"
eq "a missing file fails (exit 1)" "$?" 1
check "…saying so" grep -q "^hubctl: $D/none.csv: No such file or directory$" "$D/err"

# ---- 10,000 rows, 1 % bad ---------------------------------------------------
csv=$D/export.csv
gen "$csv" "R-$tag" 10000
sub "$csv"
eq "10,000 rows with 100 bad: exit 2 (some refused)" "$?" 2
summary=$(head -1 "$D/out")
rate=$(sed -n 's/.*(\([0-9]*\) rows\/s).*/\1/p' <<<"$summary")
echo "# $(basename "$HUBCTL") submit of 10,000 rows: ${rate:-?} rows/s ($summary)"
check "…the summary counts them all" \
    grep -qE "^submitted $csv: 10000 rows, 9975 sent, 9900 created, 0 unchanged, 100 rejected in [0-9.]+ s \([0-9]+ rows/s\)$" "$D/out"
check "…and names the rejects file" grep -qx "rejects: $csv.rejects.csv" "$D/out"
eq "…9,900 reports are stored" "$(stored "R-$tag")" 9900
check "…the rejects file is exactly the 100 rows' line numbers and reasons" \
    diff "$csv.expect" "$csv.rejects.csv"
check "…and holds none of the refused values" \
    bash -c "! grep -qE 'moon|2025-02-30|surplus|example\.org' '$csv.rejects.csv'"
check "…no progress line when stderr is not a terminal" bash -c "! grep -q $'\r' '$D/err'"
check "…and no state file is left" test ! -e "$csv.hubctl-state"
check "every batch reached the hub with hubctl's request id" \
    test "$(grep -cE '"request_id":"hubctl-[0-9a-f]{16}-[0-9]+-1".*"route":"reports.batch".*"status":200' "$HUBD_LOG")" -ge 10

sub "$csv"
eq "sent again: exit 2" "$?" 2
check "…nothing is created, everything is unchanged" \
    grep -qE "^submitted $csv: 10000 rows, 9975 sent, 0 created, 9900 unchanged, 100 rejected" "$D/out"
eq "…no duplicate is stored" "$(stored "R-$tag")" 9900
check "…and the rejects file is the same" diff "$csv.expect" "$csv.rejects.csv"

# ---- interrupted and resumed ---------------------------------------------------
icsv=$D/interrupted.csv
gen "$icsv" "I-$tag" 5000
state=$icsv.hubctl-state
done_rows() { awk '/^rows /{print $2}' "$state" 2>/dev/null; }
# wait_rows N: until the state file says at least N rows are done.
wait_rows() {
    for _ in $(seq 600); do
        [ "$(done_rows)" -ge "$1" ] 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
HUB_URL=$URL HUB_CA=$HUB_CA HUB_TOKEN=$token "$HUBCTL" submit "$icsv" --batch 500 >"$D/i1.out" 2>"$D/i1.err" &
pid=$!
wait_rows 1000
kill -TERM "$pid"
wait "$pid"
rc=$?
cat "$D/i1.err" >>"$ERRLOG"
first=$(done_rows)
eq "SIGTERM stops the run: exit 1" "$rc" 1
check "…saying how far it got and how to go on" \
    grep -q "^hubctl: interrupted after $first of 5000 rows; run the same command again to go on$" "$D/i1.err"
check "…after some batches, not all" test "$first" -ge 1000 -a "$first" -lt 5000
HUB_URL=$URL HUB_CA=$HUB_CA HUB_TOKEN=$token "$HUBCTL" submit "$icsv" --batch 500 >"$D/i2.out" 2>"$D/i2.err" &
pid=$!
wait_rows $((first + 1500))
kill -KILL "$pid"
wait "$pid" 2>/dev/null
cat "$D/i2.err" >>"$ERRLOG"
second=$(done_rows)
check "the run resumed goes on from where it stopped" \
    grep -q "^hubctl: resuming $icsv after row $first of 5000" "$D/i2.err"
check "…and SIGKILL stops it in turn, part of the way" test "$second" -gt "$first" -a "$second" -lt 5000
check "…with fewer reports stored than the file has" test "$(stored "I-$tag")" -lt 4950
sub "$icsv" --batch 500
eq "run a third time, it completes: exit 2 (the bad rows)" "$?" 2
check "…from where the killed run's state says" \
    grep -q "^hubctl: resuming $icsv after row $second of 5000" "$D/err"
eq "…4,950 reports stored: no duplicates, none missing" "$(stored "I-$tag")" 4950
created=$(sed -nE 's/.* ([0-9]+) created, ([0-9]+) unchanged.*/\1 \2/p' "$D/out")
check "…the summary covers the three runs" \
    grep -qE "^submitted $icsv: 5000 rows, 4987 sent, [0-9]+ created, [0-9]+ unchanged, 50 rejected" "$D/out"
eq "…created and unchanged (the batch the kill cut short) add up" "$((${created% *} + ${created#* }))" 4950
check "…the rejects file is exact: no reason twice, none lost" diff "$icsv.expect" "$icsv.rejects.csv"
check "…and the state file is gone" test ! -e "$state"

# A report stored by another transaction at the very moment (as when a killed
# run's last batch is still being stored): the hub's statement waits for it
# and cannot see it; the hub looks again in a new statement, so the answer
# (here a conflict: other content) names it. (hubctl would send again an
# answer without the report's id, as older hubs gave.)
lcsv=$D/locked.csv
{
    head -1 "$csv"
    printf 'L-%s-1,01/02/2025,2025-10-01,E01000001,street,race,threats,A2,police,25-34,female,no,telephone\r\n' "$tag"
    printf 'L-%s-2,01/02/2025,2025-10-01,E01000001,street,race,threats,A2,police,25-34,female,no,telephone\r\n' "$tag"
} >"$lcsv"
psql -X -q "$superuser" >/dev/null 2>&1 <<SQL &
BEGIN;
INSERT INTO hub.report (partnership_id, partner_id, external_ref, occurred_from, occurred_to,
    reported_on, area, location_type, strands, incident_types, ethnic_group, ethnic_scheme,
    ethnic_native, age_band, sex, repeat, channel, content_hash)
VALUES ($ps, $partner, 'L-$tag-1', '2025-01-01', '2025-01-01', '2025-01-02', 'E01000001', 'street',
    '{race}', '{threats}', 'white_british', 'ons2021', 'white_british', '25-34', 'female', 'no',
    'telephone', sha256('other content'));
SELECT pg_sleep(1.5);
COMMIT;
SQL
lpid=$!
sleep 0.5
sub "$lcsv"
eq "a report stored at the same moment by another transaction: exit 2 (a conflict)" "$?" 2
wait "$lpid"
lid=$(q "SELECT report_id FROM hub.report WHERE partner_id = $partner AND external_ref = 'L-$tag-1'")
check "…the conflict names the report, found once the other transaction committed" \
    diff <(printf 'line,pointer,column,reason\n2,/external_ref,external_ref,Conflict: a different report was already submitted with this external_ref (report %s); amend it with PATCH /v1/reports/%s.\n' "$lid" "$lid") \
    "$lcsv.rejects.csv"
eq "…and the other report is stored" "$(stored "L-$tag")" 2

# ---- anonymised at source ------------------------------------------------------
openssl rand -hex 32 >"$D/link.key"
printf 'pcd,pcds,lsoa21cd\r\nZX1 1AB,ZX1 1AB,E01000011\r\nZX2 2CD,ZX2 2CD,E01000022\r\n' >"$D/onspd.csv"
cat >"$D/mapping.json" <<'EOF'
{
  "columns": {"Ref": "external_ref", "Occurred": "occurred_from", "Reported": "reported_on",
              "Victim Name": "name", "Date of Birth": "dob", "Home Postcode": "postcode",
              "Where": "location_type", "What": "incident_types", "Ethnicity": "ethnic_group",
              "Age": "age_band", "Gender": "sex", "Repeat": "repeat", "How": "channel",
              "Officer": null},
  "codes": {"channel": {"Phone": "telephone", "Walk-in": "in_person"},
            "sex": {"F": "female", "M": "male"}, "repeat": {"Y": "yes", "N": "no"},
            "incident_types": {"Verbal": "verbal_abuse", "Threat": "threats"}},
  "defaults": {"ethnic_scheme": "police", "strands": "race"}
}
EOF
acsv=$D/anon.csv
{
    echo 'Ref,Occurred,Reported,Victim Name,Date of Birth,Home Postcode,area,Where,What,Ethnicity,Age,Gender,Repeat,How,Officer'
    echo "A-$tag-1,01/09/2025,02/09/2025,Ada Quuxworth,29/07/1931,zx1 1ab,,street,Verbal,A2,65+,F,N,Phone,PC Plod"
    echo "A-$tag-2,03/09/2025,04/09/2025,\"  ADA   quuxworth \",1931-07-29,ZX11AB,,home,Verbal;Threat,A2,65+,F,Y,Walk-in,PC Plod"
    echo "A-$tag-3,05/09/2025,06/09/2025,Bo Zedlander,3/4/1985,ZX2 2CD,,street,Threat,W1,35-44,M,N,Phone,PC Plod"
    echo "A-$tag-4,07/09/2025,08/09/2025,,,,E01000044,street,Verbal,W1,35-44,M,N,Phone,PC Plod"
    echo "A-$tag-5,09/09/2025,10/09/2025,Cy Nowhereton,1/1/1990,ZX9 9ZZ,,street,Verbal,W1,35-44,M,N,Phone,PC Plod"
} >"$acsv"
sub "$acsv" --mapping "$D/mapping.json" --link-key "$D/link.key" \
    --identity-columns name,dob,postcode --postcode-lookup "$D/onspd.csv"
eq "anonymised at source: exit 2 (one unknown postcode)" "$?" 2
eq "…4 reports stored" "$(stored "A-$tag")" 4
check "…the unknown postcode is refused here, naming the column, not the postcode" \
    diff <(printf 'line,pointer,column,reason\n6,/area,Home Postcode,The postcode is not in the postcode lookup; the row was not sent.\n') \
    "$acsv.rejects.csv"
eq "…areas come from the postcode lookup (or the area column without a postcode)" \
    "$(q "SELECT string_agg(area, ',' ORDER BY external_ref) FROM hub.report WHERE partner_id = $partner AND external_ref LIKE 'A-$tag-%'")" \
    "E01000011,E01000011,E01000022,E01000044"
hashes=$(q "SELECT string_agg(coalesce(encode(subject_hash, 'hex'), 'none'), ',' ORDER BY external_ref)
              FROM hub.report WHERE partner_id = $partner AND external_ref LIKE 'A-$tag-%'")
IFS=, read -r h1 h2 h3 h4 <<<"$hashes"
# The hub stores HMAC(hub key, subject_key); subject_key is
# HMAC(link key, "ADA QUUXWORTH" 0x1F "1931-07-29" 0x1F "ZX11AB").
sk=$(printf 'ADA QUUXWORTH\x1f1931-07-29\x1fZX11AB' | openssl dgst -sha256 -hmac "$(cat "$D/link.key")" | sed 's/.*= //')
want=$(printf "$(sed 's/../\\x&/g' <<<"$sk")" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$HUB_PSEUDONYM_KEY_FILE")" | sed 's/.*= //')
eq "…the stored pseudonym is the one openssl computes from the normalised identity" "$h1" "$want"
eq "…the same person written differently gets the same pseudonym" "$h2" "$h1"
check "…another person another" test "$h3" != "$h1" -a "${#h3}" = 64
eq "…a row without identity gets none" "$h4" none
identity='quuxworth|zedlander|nowhereton|1931-07-29|29/07/1931|1985-04-03|3/4/1985|zx1 ?1ab|zx2 ?2cd|zx9 ?9zz|PC Plod'
pg_dump --data-only "$superuser" >"$D/dump.sql" 2>"$D/dump.err"
check "…no identity value is anywhere in the database" \
    bash -c "[ -s '$D/dump.sql' ] && ! grep -qiE '$identity' '$D/dump.sql'"
check "…nor in hubd's log" bash -c "! grep -qiE '$identity' '$HUBD_LOG'"
check "…nor in the rejects file" bash -c "! grep -qiE '$identity' '$acsv.rejects.csv'"
sub "$acsv" --link-key "$D/link.key" --identity-columns name,dob,postcode
eq "without the mapping, the agency's columns are refused before anything is sent" "$?" 1
check "…naming the first unknown column" \
    grep -q "^hubctl: $acsv: column Ref is not a field of the protocol" "$D/err"

# ---- dry run -------------------------------------------------------------------
dcsv=$D/dry.csv
gen "$dcsv" "D-$tag" 200
sub "$dcsv" --dry-run
eq "a dry run: exit 2 (two bad rows)" "$?" 2
check "…says so, with the rows that would be stored" \
    grep -qE "^submitted $dcsv: 200 rows, 199 sent, 198 valid, 2 rejected in .*; dry run: nothing was stored$" "$D/out"
eq "…stores nothing" "$(stored "D-$tag")" 0
check "…and reports the bad rows as a real run would" diff "$dcsv.expect" "$dcsv.rejects.csv"
check "…keeping no state" test ! -e "$dcsv.hubctl-state"

# ---- JSON and NDJSON, a client certificate ---------------------------------------
sed "s/\"external_ref\":\"/\"external_ref\":\"N-$tag-/" "$ROOT/api/examples/report-batch.ndjson" >"$D/r.ndjson"
sub "$D/r.ndjson"
eq "NDJSON: exit 0, everything accepted" "$?" 0
eq "…3 reports stored" "$(stored "N-$tag")" 3
jq --arg t "J-$tag-" 'map(.external_ref = $t + .external_ref)' "$ROOT/api/examples/report-batch.json" >"$D/r.json"
printf '\n' >>"$D/r.json"
SUB_TOKEN='' HUB_CERT=$HUB_CERT_POLICE HUB_KEY=$HUB_KEY_POLICE sub "$D/r.json"
eq "a JSON array with a client certificate: exit 0" "$?" 0
eq "…stored for the certificate's partner" \
    "$(q "SELECT count(*) FROM hub.report WHERE partner_id = $HUB_PARTNER_POLICE AND external_ref LIKE 'J-$tag-%'")" 3

# ---- failures, one clear line each ---------------------------------------------------
small=$D/small.csv
head -c 2000 "$csv" | sed '$d' >"$small"
SUB_TOKEN="hub_$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 43)" sub "$small"
eq "an unknown token: exit 1" "$?" 1
check "…one line: 401 and what to check" \
    grep -qx 'hubctl: the hub refused the credential (401 Unauthorized): .*; check --token or HUB_TOKEN (or --cert and --key)' "$D/err"
SUB_TOKEN=$reader sub "$small"
eq "a read-only token: exit 1" "$?" 1
check "…one line: 403" grep -qx 'hubctl: the credential may not submit reports (403 Forbidden): .*; it needs the role submit' "$D/err"
SUB_TOKEN='' sub "$small"
eq "no credential at all: exit 1" "$?" 1
check "…saying what to give" grep -q '^hubctl: no credential: give --token (or HUB_TOKEN)' "$D/err"

other=$T/other-ca
[ -f "$other/ca.pem" ] || "$ROOT/certs/make-ca.sh" "$other" --name "Some other CA" >/dev/null 2>&1
sub "$small" --ca "$other/ca.pem"
eq "a --ca that did not sign the hub's certificate: exit 1" "$?" 1
check "…one line: the certificate is not trusted" \
    grep -qx "hubctl: the hub's certificate is not trusted: .* (check --ca or HUB_CA, and the host in --url)" "$D/err"
eq "…nothing was sent" "$(grep -c "hubctl:" "$D/err")" 1

# A hubd whose certificate (from the right CA) names another host.
misfit=$D/misfit
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$misfit.key" \
    -subj /CN=elsewhere.invalid -out "$misfit.csr" 2>/dev/null
openssl x509 -req -in "$misfit.csr" -CA "$T/certs/ca.pem" -CAkey "$T/certs/ca.key" \
    -set_serial "$RANDOM$RANDOM" -days 2 -out "$misfit.pem" \
    -extfile <(printf 'subjectAltName=DNS:elsewhere.invalid\nextendedKeyUsage=serverAuth\n') 2>/dev/null
mport=$(free_port $((20000 + RANDOM % 12000)))
env HUB_DB="$HUB_APP_DB" HUB_LISTEN="127.0.0.1:$mport" HUB_TLS_CERT="$misfit.pem" HUB_TLS_KEY="$misfit.key" \
    "$HUB_BIN" >"$D/misfit.log" 2>&1 &
mpid=$!
echo "$mpid" >>"$T/pids"
for _ in $(seq 100); do
    curl -s -o /dev/null --cacert "$HUB_CA" --resolve "elsewhere.invalid:$mport:127.0.0.1" \
        "https://elsewhere.invalid:$mport/healthz" && break
    sleep 0.1
done
SUB_URL=https://127.0.0.1:$mport sub "$small"
eq "a hub whose certificate names another host: exit 1" "$?" 1
check "…one line: name mismatch" \
    grep -qx "hubctl: the hub's certificate is not for 127.0.0.1 (IP address mismatch) (check --ca or HUB_CA, and the host in --url)" "$D/err"
kill -TERM "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null

closed=$(free_port $((20000 + RANDOM % 12000)))
SUB_URL=https://127.0.0.1:$closed sub "$small" --retries 1
eq "an unreachable hub: exit 1" "$?" 1
check "…retried once, then one line" \
    bash -c "grep -q '^hubctl: cannot reach the hub: cannot connect to 127.0.0.1:$closed: Connection refused; trying again in' '$D/err' &&
             grep -qx 'hubctl: cannot reach the hub: cannot connect to 127.0.0.1:$closed: Connection refused; gave up after 2 attempts' '$D/err'"

# ---- the hub restarts in the middle of a run --------------------------------------------
rport=$(free_port $((20000 + RANDOM % 12000)))
rstart() {
    env HUB_DB="$HUB_APP_DB" HUB_LISTEN="127.0.0.1:$rport" HUB_DB_RETRY=200ms "$HUB_BIN" \
        >>"$D/restart.log" 2>&1 &
    rpid=$!
    echo "$rpid" >>"$T/pids"
    for _ in $(seq 100); do
        curl -s -o /dev/null --cacert "$HUB_CA" "https://127.0.0.1:$rport/healthz" && return 0
        sleep 0.1
    done
    return 1
}
rstart
rcsv=$D/restart.csv
gen "$rcsv" "S-$tag" 3000
state=$rcsv.hubctl-state
SUB_URL=https://127.0.0.1:$rport sub "$rcsv" --batch 200 &
spid=$!
wait_rows 400
kill -KILL "$rpid" # a crash: no draining
wait "$rpid" 2>/dev/null
sleep 0.5
rstart
wait "$spid"
eq "hubd stopped and started again during a run: it completes (exit 2: the bad rows)" "$?" 2
check "…having waited and tried again" grep -q 'cannot reach the hub: .*; trying again in' "$D/err"
eq "…every good report stored once" "$(stored "S-$tag")" 2970
check "…and the rejects file is exact" diff "$rcsv.expect" "$rcsv.rejects.csv"

# ---- the database goes away in the middle of a run: 503 with Retry-After ----------------
# hubd answers 503 with Retry-After: 5 while its database is down; the wait
# makes this the slowest check, so it runs with the plain build only.
if [ -z "${HUB_DB_EXTERNAL:-}" ] && [[ $HUB_BIN != */asan/* ]]; then
    ocsv=$D/outage.csv
    gen "$ocsv" "O-$tag" 2000
    state=$ocsv.hubctl-state
    SUB_URL=https://127.0.0.1:$rport sub "$ocsv" --batch 200 &
    spid=$!
    wait_rows 400
    cluster_stop "$T"
    sleep 0.5
    cluster_start "$T"
    wait "$spid"
    eq "the database stopped and started again during a run: it completes (exit 2)" "$?" 2
    check "…having waited as Retry-After said" \
        grep -q '^hubctl: the hub answered 503 Service Unavailable: .*; trying again in 5.0 s (attempt 2 of 6)$' "$D/err"
    eq "…every good report stored once" "$(stored "O-$tag")" 1980
    check "…and the rejects file is exact" diff "$ocsv.expect" "$ocsv.rejects.csv"
fi
kill -TERM "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null

check "no sanitizer reports from hubctl" \
    bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$ERRLOG'"
check "no sanitizer reports from hubd" \
    bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$HUBD_LOG' '$D/restart.log' '$D/misfit.log'"
stop_hubd
