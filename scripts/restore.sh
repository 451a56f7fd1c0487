#!/usr/bin/env bash
# make restore FILE=…: puts a backup made by scripts/backup.sh (make
# backup) into a new database. See README.md, "Backup and restore".
#
#   scripts/restore.sh [--admin CONNINFO] [--dbname NAME] FILE
#
#   --admin CONNINFO  a superuser's conninfo on the target cluster (it makes
#                     roles and a database). Default: the local cluster of
#                     var/ (make run's, port 5432), made and started here if
#                     it does not exist yet, and left as it was found.
#   --dbname NAME     the database to create (default hub). It must not
#                     exist: a restore never writes over a database.
#
# Steps: check FILE against FILE.sha256; make the roles hub_owner and
# hub_app if missing (pg_dump holds no roles; they get no password here:
# set one, or restore them from pg_dumpall --roles-only of the old
# cluster); create the database owned by hub_owner with the grants
# scripts/lib.sh gives it; pg_restore in one transaction, stopping at the
# first error (and dropping the new database, so nothing half-made
# remains); ANALYZE; print what the database holds. The pseudonym key,
# certificates and tokens shown once are not in a backup (README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"

admin= dbname=hub file=
usage() { echo "usage: scripts/restore.sh [--admin CONNINFO] [--dbname NAME] FILE" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --admin) [ $# -ge 2 ] || usage; admin=$2; shift 2 ;;
    --admin=*) admin=${1#--admin=}; shift ;;
    --dbname) [ $# -ge 2 ] || usage; dbname=$2; shift 2 ;;
    --dbname=*) dbname=${1#--dbname=}; shift ;;
    -h | --help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) usage ;;
    *) [ -z "$file" ] || usage; file=$1; shift ;;
    esac
done
[ -n "$file" ] || usage
[[ $dbname =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
    { echo "restore: --dbname must be lower-case letters, digits and _ (at most 63)" >&2; exit 2; }
[ -f "$file" ] || { echo "restore: no file $file" >&2; exit 1; }
[ -f "$file.sha256" ] || { echo "restore: no $file.sha256 beside the backup: cannot check it" >&2; exit 1; }
want=$(cut -d' ' -f1 "$file.sha256")
got=$(sha256sum "$file" | cut -d' ' -f1)
[ "$want" = "$got" ] ||
    { echo "restore: $file does not match its SHA-256 ($file.sha256): refusing a damaged backup" >&2; exit 1; }
"$PG_BIN/pg_restore" --list "$file" >/dev/null ||
    { echo "restore: $file is not a pg_dump archive in custom format" >&2; exit 1; }

# The local cluster, when no other is given.
started=
if [ -z "$admin" ]; then
    var=$ROOT/var
    cluster_create "$var" 5432
    if ! cluster_running "$var"; then
        cluster_start "$var"
        started=1
    fi
    admin="host=$var/run port=5432 user=postgres dbname=postgres"
fi
created=
finish() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$created" ]; then
        psql -X -q "$admin" -v db="$dbname" <<<'DROP DATABASE IF EXISTS :"db"' >/dev/null 2>&1 &&
            echo "restore: failed; the database $dbname made for it is dropped again" >&2
    fi
    if [ -n "$started" ]; then cluster_stop "$ROOT/var" || true; fi
    exit "$rc"
}
trap finish EXIT

psql -X -tA "$admin" -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user" | grep -qx t ||
    { echo "restore: --admin must name a superuser (it makes roles and a database)" >&2; exit 1; }
if [ "$(psql -X -tA "$admin" -v db="$dbname" <<<"SELECT count(*) FROM pg_database WHERE datname = :'db'")" != 0 ]; then
    echo "restore: database $dbname exists already: restore into a new one (--dbname), or drop it first" >&2
    exit 1
fi

t0=${EPOCHREALTIME/./}
# The same roles and database as cluster_bootstrap (scripts/lib.sh) makes.
psql -X -q -v ON_ERROR_STOP=1 -v db="$dbname" "$admin" <<'SQL'
SELECT 'CREATE ROLE hub_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_owner') \gexec
SELECT 'CREATE ROLE hub_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') \gexec
CREATE DATABASE :"db" OWNER hub_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO hub_app;
SQL
created=1
target="$admin dbname=$dbname" # a later keyword wins
"$PG_BIN/pg_restore" --exit-on-error --single-transaction --no-password --dbname="$target" "$file"
psql -X -q "$target" -c ANALYZE
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))

psql -X -tA -F' ' "$target" -c "
    SELECT 'restore: ' || (SELECT count(*) FROM hub.partnership) || ' partnerships, '
           || (SELECT count(*) FROM hub.report) || ' reports, '
           || (SELECT count(*) FROM hub.audit_log) || ' audit rows ('
           || (SELECT count(*) FROM hub.audit_log WHERE hash IS NULL) || ' not yet sealed), schema at migration '
           || (SELECT max(version) FROM hub.schema_migrations)" >&2
echo "restore: $file into database $dbname in ${ms} ms; check it with" \
    "HUB_DB='$target user=hub_owner' build/hubctl audit verify" >&2
