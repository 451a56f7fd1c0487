#!/usr/bin/env bash
# Golden-file SQL tests: each tests/sql/NAME.sql runs through psql as the
# application role, straight on the database (no hubd), and its output must
# equal tests/sql/expected/NAME.out. After a deliberate change, regenerate
# with UPDATE_GOLDEN=1 and review the diff.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env"
CTL=${HUB_BIN%/hubd}/hubctl
owner=$HUB_DB
app=$HUB_APP_DB

# Partnership B, once per database.
ps_b=$(psql -X -tA "$owner" -c "SELECT partnership_id FROM hub.partnership WHERE name = 'SQL test partnership B'")
if [ -z "$ps_b" ]; then
    ps_b=$(HUB_DB=$owner "$CTL" partnership add "SQL test partnership B" --isa-ref ISA-B \
        --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 24)
    HUB_DB=$owner "$CTL" partner add --partnership "$ps_b" --kind council "B council" >/dev/null
fi
partner_b=$(psql -X -tA "$owner" -c "SELECT min(partner_id) FROM hub.partner WHERE partnership_id = $ps_b")
# The police partner needs an audit row of its own for the checks.
hcurl_once() {
    start_hubd >/dev/null 2>&1 && hcurl -o /dev/null -H "Authorization: Bearer $HUB_TOKEN_POLICE" "$URL/v1/me"
    stop_hubd
}
hcurl_once

for sql in "$ROOT"/tests/sql/*.sql; do
    name=$(basename "$sql" .sql)
    out=$T/$name.out
    psql -X -q -A -F ' | ' --no-psqlrc "$app" -v ps_a="$HUB_PARTNERSHIP_DEMO" \
        -v police="$HUB_PARTNER_POLICE" -v council="$HUB_PARTNER_COUNCIL" -v ps_b="$ps_b" \
        -v partner_b="$partner_b" -f "$sql" >"$out" 2>&1
    sed -i 's/^psql:[^:]*:[0-9]*: //' "$out" # file and line numbers are not the point
    expected=$ROOT/tests/sql/expected/$name.out
    if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$out" "$expected"; fi
    if diff -u "$expected" "$out" >"$T/$name.diff"; then
        ok "sql/$name.sql matches its expected output"
    else
        not_ok "sql/$name.sql differs from its expected output" "$(head -40 "$T/$name.diff")"
    fi
done
