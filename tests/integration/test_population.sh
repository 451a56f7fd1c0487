#!/usr/bin/env bash
# hubctl population load | summary: Census counts by area and ethnic group
# loaded all or nothing. A good file loads (header optional, CRLF or LF); a
# reload changes nothing; a changed count is written; every kind of
# malformed line, a duplicate (area, ethnic group) and the line limit stop
# the load with the line number and leave hub.population exactly as it was;
# hub_app reads the counts and writes none.
# Runs twice (plain and ASan) against the same database: each run works on
# its own areas (E… or W… codes numbered 9xxxxx, cleared first).
. "$(dirname "$0")/lib.sh"
. "$T/hub.env" # HUB_DB here is the owner role
owner=$HUB_DB
HUBCTL=${HUB_BIN%/hubd}/hubctl
q() { psql -X -tA "$owner" -c "$1"; }
tag=$$-$RANDOM
OUT=$T/population.out
ERR=$T/population.err
ERRLOG=$T/population-$tag.stderr # every run's stderr, for the sanitizer check
D=$T/population-$tag
mkdir -p "$D"

# This run's areas: LSOAs $L9xxxxx, wards $W9xxxxx, authorities $A9xxxxx.
case $HUB_BIN in
*/asan/*) L=W01 W=W05 A=W06 ;;
*) L=E01 W=E05 A=E06 ;;
esac
mine="area ~ '^($L|$W|$A)9'"
q "DELETE FROM hub.population WHERE $mine" >/dev/null

ctl() {
    HUB_DB=$owner "$HUBCTL" "$@" >"$OUT" 2>"$ERR"
    local rc=$?
    cat "$ERR" >>"$ERRLOG"
    return "$rc"
}
eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi
}
# Everything in the table, loaded_at included: a load that failed must not
# have changed a byte of it.
state() {
    q "SELECT count(*) || ',' || coalesce(sum(count), 0) || ',' || md5(coalesce(string_agg(
         area || ':' || ons_number || ':' || count || ':' || loaded_at, ',' ORDER BY area, ons_number), ''))
         FROM hub.population"
}
# rows FIRST N: N data lines, areas from $L9<FIRST> on, 19 groups each.
rows() {
    awk -v p="$L" -v first="$1" -v n="$2" 'BEGIN {
        for (i = 0; i < n; i++) {
            a = first + int(i / 19); g = i % 19 + 1
            printf "%s%06d,%d,%d\n", p, 900000 + a, g, (a * 31 + g * 7) % 500
        }
    }'
}

[ -x "$HUBCTL" ] || { not_ok "hubctl is built" "missing $HUBCTL"; exit 0; }

# Usage, without a database.
check "population load --help works without a database" \
    bash -c "env -u HUB_DB '$HUBCTL' population load --help | grep -q '^Usage: hubctl population load FILE.csv'"
check "population summary --help too" \
    bash -c "env -u HUB_DB '$HUBCTL' population summary --help | grep -q '^Usage: hubctl population summary'"
check "hubctl --help lists population load" bash -c "'$HUBCTL' --help | grep -q 'hubctl population load FILE.csv'"
ctl population load
check "population load without a file is bad usage (exit 2)" test $? -eq 2
ctl population load "$D/missing.csv"
check "a missing file is an error (exit 1)" test $? -eq 1
check "…naming the file" grep -qx "hubctl: $D/missing.csv: No such file or directory" "$ERR"

# A good file: byte order mark, header, CRLF, an empty last line; 50 areas.
good=$D/good.csv
{
    printf '\xef\xbb\xbfarea,ons_number,count\r\n'
    rows 0 950 | sed 's/$/\r/'
    printf '\r\n'
} >"$good"
ctl population load "$good"
check "a good file loads (exit 0)" test $? -eq 0
eq "…and says what it did" "$(cat "$OUT")" "loaded 950 rows for 50 areas: 950 new, 0 changed, 0 unchanged"
eq "the table has its rows" "$(q "SELECT count(*) || ' ' || count(DISTINCT area) FROM hub.population WHERE $mine")" "950 50"
eq "…with the file's counts, summed" "$(q "SELECT sum(count) FROM hub.population WHERE $mine")" \
    "$(tr -d '\r' <"$good" | awk -F, 'NR > 1 && NF == 3 { s += $3 } END { print s }')"
eq "…and one row as written" "$(q "SELECT count FROM hub.population WHERE area = '${L}900007' AND ons_number = 12")" \
    "$(((7 * 31 + 12 * 7) % 500))"
eq "…each row once per (area, ethnic group)" \
    "$(q "SELECT count(*) FROM hub.population WHERE $mine AND ons_number BETWEEN 1 AND 19")" 950

# Idempotent: the same file again changes nothing, not even loaded_at.
before=$(state)
ctl population load "$good"
check "loading it again exits 0" test $? -eq 0
eq "…and reports every row unchanged" "$(cat "$OUT")" \
    "loaded 950 rows for 50 areas: 0 new, 0 changed, 950 unchanged"
eq "…leaving the table exactly as it was" "$(state)" "$before"

# A changed count, no header, LF: one row written, the others left alone.
changed=$D/changed.csv
rows 0 950 | sed "s/^${L}900003,5,.*/${L}900003,5,4321/" >"$changed"
others() { q "SELECT md5(string_agg(area || ons_number || count || loaded_at, ',' ORDER BY area, ons_number))
                FROM hub.population WHERE $mine AND NOT (area = '${L}900003' AND ons_number = 5)"; }
others_before=$(others)
ctl population load "$changed"
check "a file without a header loads" test $? -eq 0
eq "…reporting the one changed count" "$(cat "$OUT")" \
    "loaded 950 rows for 50 areas: 0 new, 1 changed, 949 unchanged"
eq "…which is updated" "$(q "SELECT count FROM hub.population WHERE area = '${L}900003' AND ons_number = 5")" 4321
check "…with a newer loaded_at" test "$(q "SELECT loaded_at > (SELECT max(loaded_at) FROM hub.population
    WHERE $mine AND NOT (area = '${L}900003' AND ons_number = 5)) FROM hub.population
    WHERE area = '${L}900003' AND ons_number = 5")" = t
eq "…and every other row untouched" "$(others)" "$others_before"

# Malformed files. Before its bad line each changes a count (line 2) and adds
# an area (line 3), so that anything loaded would show in state().
# refused NAME LINE REASON: the file on stdin exits 1 with
# "hubctl: FILE line LINE: …REASON…" as its one line and changes nothing.
n_bad=0
refused() {
    local name=$1 line=$2 reason=$3 file rc before
    n_bad=$((n_bad + 1))
    file=$D/bad-$n_bad.csv
    cat >"$file"
    before=$(state)
    ctl population load "$file"
    rc=$?
    eq "$name: exits 1" "$rc" 1
    check "$name: one line naming line $line" \
        bash -c "[ \"\$(wc -l <'$ERR')\" = 1 ] && grep -qF 'hubctl: $file line $line: ' '$ERR'"
    check "$name: says why ($reason)" grep -qF -- "$reason" "$ERR"
    eq "$name: loads nothing" "$(state)" "$before"
}
# bad LINE_CONTENT: the file around it; the bad line is line 4.
bad() {
    printf 'area,ons_number,count\n%s900000,1,999\n%s900100,1,5\n' "$L" "$L"
    printf '%s\n' "$1"
    printf '%s900101,1,5\n' "$L"
}
bad "E02000001,1,5" | refused "a middle-layer area" 4 'area "E02000001" is not the GSS code'
bad "${L}90010,1,5" | refused "an eight-character area" 4 'is not the GSS code of an LSOA, ward or local authority'
bad "${L}900102,0,5" | refused "ethnic group 0" 4 'ethnic group "0" is not a whole number from 1 to 19'
bad "${L}900102,20,5" | refused "ethnic group 20" 4 'ethnic group "20" is not a whole number from 1 to 19'
bad "${L}900102,x,5" | refused "ethnic group x" 4 'ethnic group "x" is not a whole number'
bad "${L}900102,1,-5" | refused "a negative count" 4 'count "-5" is not a whole number from 0 to 20000000'
bad "${L}900102,1,2.5" | refused "a non-integer count" 4 'count "2.5" is not a whole number'
bad "${L}900102,1,20000001" | refused "a count above 20,000,000" 4 'count "20000001" is not a whole number'
bad "${L}900102,1" | refused "too few fields" 4 'expected 3 fields (area, ethnic group, count), found 2'
bad "${L}900102,1,5,6" | refused "too many fields" 4 'expected 3 fields (area, ethnic group, count), found 4'
bad "\"${L}900102,1,5" | refused "an unterminated quote" 4 'not valid CSV'
bad "${L}900102,1,$(printf '0%.0s' $(seq 1013))" | refused "a line of 1025 bytes" 4 'longer than 1024 bytes'
bad "${L}900100,1,7" | refused "a duplicate (area, ethnic group)" 4 \
    "area ${L}900100 ethnic group 1 is also on line 3"
{ printf '%s900000,1,999\n\n' "$L"; rows 0 19; } | refused "an empty line before the end" 2 \
    'an empty line before the end of the file'
printf 'area,ons_number,count\n%s900000,1,999\n%s900100,1,5\n%s900102,1,5\0\n' "$L" "$L" "$L" |
    refused "a NUL byte" 4 'a NUL byte'
{ printf 'area,ons_number,count\n'; rows 0 3; printf 'area,ons_number,count\n'; } |
    refused "a header after the first line" 5 'area "area" is not the GSS code'
{ printf 'area,ons_number,count\n'; rows 100 998; printf '%s901999,20,1\n' "$L"; } |
    refused "an error on line 1000 of 1000" 1000 'ethnic group "20"'
eq "…none of that file's 998 good rows is there" \
    "$(q "SELECT count(*) FROM hub.population WHERE area BETWEEN '${L}900100' AND '${L}901999'")" 0

# Line 1000 below was checked after 999 rows were sent: the exact boundary
# of the line limit is checked the same way, with empty lines, cheaply.
limit=$D/limit.csv
{ rows 0 1; yes '' | head -n 1999999; } >"$limit"
before=$(state)
ctl population load "$limit"
check "2,000,000 lines (empty ones at the end) load" test $? -eq 0
eq "…the one row unchanged" "$(cat "$OUT")" "loaded 1 rows for 1 areas: 0 new, 0 changed, 1 unchanged"
echo >>"$limit"
ctl population load "$limit"
eq "2,000,001 lines are refused (exit 1)" "$?" 1
eq "…at line 2000001" "$(cat "$ERR")" "hubctl: $limit line 2000001: more than 2000000 lines"
eq "…loading nothing" "$(state)" "$before"

printf 'area,ons_number,count\n\n' >"$D/empty.csv"
ctl population load "$D/empty.csv"
eq "a file with no data lines is refused (exit 1)" "$?" 1
check "…saying so" grep -qx "hubctl: $D/empty.csv: no data lines" "$ERR"

# Wards and local authorities load too; summary shows each kind of area.
printf '%s900001,1,10\n%s900001,2,20\n%s900001,19,300\n' "$W" "$W" "$A" >"$D/levels.csv"
ctl population load "$D/levels.csv"
eq "a ward and a local authority load" "$(cat "$OUT")" "loaded 3 rows for 2 areas: 3 new, 0 changed, 0 unchanged"
ctl population summary --json
check "population summary --json exits 0" test $? -eq 0
for level in "lsoa|^[EW]01" "ward|^[EW]05" "local_authority|^([EW]0[6-9]|E10)"; do
    name=${level%%|*} re=${level#*|}
    eq "summary --json: $name areas, rows, persons, last loaded" \
        "$(jq -r ".[] | select(.level == \"$name\") | \"\(.areas) \(.rows) \(.persons) \(.last_loaded_at)\"" "$OUT")" \
        "$(q "SELECT count(DISTINCT area) || ' ' || count(*) || ' ' || sum(count) || ' ' ||
                     to_char(max(loaded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                FROM hub.population WHERE area ~ '$re'")"
done
ctl population summary
check "population summary shows a heading and the LSOAs" \
    bash -c "head -1 '$OUT' | grep -qE '^LEVEL +AREAS +ROWS +PERSONS +LAST_LOADED$' &&
             grep -qE '^lsoa +$(q "SELECT count(DISTINCT area) FROM hub.population WHERE area ~ '^[EW]01'") ' '$OUT'"

# The application role reads every count, with no caller set, and writes none.
app() { psql -X -tA -v ON_ERROR_STOP=1 "$HUB_APP_DB" -c "$1" 2>"$T/population-app.err"; }
eq "hub_app can SELECT the counts" "$(app "SELECT count(*) FROM hub.population WHERE $mine")" \
    "$(q "SELECT count(*) FROM hub.population WHERE $mine")"
before=$(state)
for stmt in "INSERT INTO hub.population (area, ons_number, count) VALUES ('${L}909999', 1, 1)" \
    "UPDATE hub.population SET count = count + 1" "DELETE FROM hub.population" \
    "TRUNCATE hub.population"; do
    check "hub_app cannot ${stmt%% *} (permission denied)" \
        bash -c "! psql -X -q -v ON_ERROR_STOP=1 '$HUB_APP_DB' -c \"$stmt\" 2>'$T/population-app.err' &&
                 grep -q 'permission denied for table population' '$T/population-app.err'"
done
eq "…and the table is as it was" "$(state)" "$before"

check "no sanitizer reports" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$ERRLOG'"
