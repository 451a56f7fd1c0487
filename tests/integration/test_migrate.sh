#!/usr/bin/env bash
# hubd migrate: ordered, recorded with checksums, idempotent, refuses edits.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env" # HUB_DB here is the owner role
owner=$HUB_DB
migrate() { env HUB_DB="$owner" HUB_SQL_DIR="$1" "$HUB_BIN" migrate >"$T/migrate.log" 2>&1; }
q() { psql -X -tA "$owner" -c "$1"; }

check "re-running migrate is a no-op" migrate "$ROOT/sql"
check "…and says the migrations are up to date" grep -q 'migrations up to date' "$T/migrate.log"
n_files=$(find "$ROOT/sql" -maxdepth 1 -name '[0-9][0-9][0-9]_*.sql' | wc -l)
check "every file is recorded once" test "$(q 'SELECT count(*) FROM hub.schema_migrations')" = "$n_files"
sum=$(sha256sum "$ROOT/sql/001_foundation.sql" | cut -d' ' -f1)
check "the recorded checksum is the file's SHA-256" \
    test "$(q 'SELECT checksum FROM hub.schema_migrations WHERE version = 1')" = "$sum"

work=$T/sql-work
rm -rf "$work" && cp -r "$ROOT/sql" "$work"
echo "-- an edit" >>"$work/001_foundation.sql"
check "a changed, already-applied file is refused" bash -c "! env HUB_DB='$owner' HUB_SQL_DIR='$work' '$HUB_BIN' migrate 2>'$T/m.err'"
check "…with a message naming the file" grep -q '001_foundation.sql was changed after it was applied' "$T/m.err"

rm -rf "$work" && cp -r "$ROOT/sql" "$work"
cat >"$work/900_probe.sql" <<'SQL'
CREATE TABLE hub.migrate_probe (partnership_id bigint NOT NULL, n int);
INSERT INTO hub.migrate_probe VALUES (1, 1);
SQL
cat >"$work/901_broken.sql" <<'SQL'
CREATE TABLE hub.migrate_half (x int);
SELECT no_such_function();
SQL
check "a failing migration fails the run" bash -c "! env HUB_DB='$owner' HUB_SQL_DIR='$work' '$HUB_BIN' migrate 2>'$T/m.err'"
check "…naming the file" grep -q '901_broken.sql' "$T/m.err"
check "…the good one before it was applied" test "$(q 'SELECT count(*) FROM hub.migrate_probe')" = 1
check "…and the failing one left nothing behind" \
    test "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'migrate_half'")" = 0
check "…nor a record" test "$(q 'SELECT count(*) FROM hub.schema_migrations WHERE version = 901')" = 0

rm "$work/901_broken.sql"
cp "$work/900_probe.sql" "$work/500_late.sql"
check "a new file older than the newest applied one is refused" \
    bash -c "! env HUB_DB='$owner' HUB_SQL_DIR='$work' '$HUB_BIN' migrate 2>'$T/m.err'"
check "…with a message saying so" grep -q 'older than applied migration 900' "$T/m.err"

check "a missing applied file is refused" bash -c "! env HUB_DB='$owner' HUB_SQL_DIR='$ROOT/sql' '$HUB_BIN' migrate 2>'$T/m.err'"
check "…naming the version" grep -q 'migration 900 was applied but its file is missing' "$T/m.err"
q "DROP TABLE hub.migrate_probe; DELETE FROM hub.schema_migrations WHERE version = 900" >/dev/null

app=$HUB_APP_DB
check "the application role is not the owner, superuser or BYPASSRLS" test \
    "$(psql -X -tA "$app" -c "SELECT rolsuper OR rolbypassrls OR rolcreaterole FROM pg_roles WHERE rolname = current_user")" = f
check "the application role cannot create in schema hub" \
    bash -c "! psql -X -q '$app' -c 'CREATE TABLE hub.x (y int)' 2>/dev/null"
check "the application role cannot alter the migration record" \
    bash -c "! psql -X -q '$app' -c 'DELETE FROM hub.schema_migrations' 2>/dev/null"
