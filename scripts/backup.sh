#!/usr/bin/env bash
# make backup: a pg_dump of the hub database (custom format) into
# var/backups/hub-<UTC time>.dump, with its SHA-256 beside it in
# hub-<UTC time>.dump.sha256 (sha256sum -c reads it). See README.md,
# "Backup and restore"; scripts/restore.sh puts it back.
#
#   scripts/backup.sh [--dir DIR]
#
# Connects as the owner role: HUB_DB, or HUB_DB of var/hub.env. The owner
# sees every row through the owner_all row-level security policies, so the
# dump runs with row security on (pg_dump --enable-row-security) and needs
# no superuser; it refuses to start if any table with forced row-level
# security lacks such a policy, since its rows would be left out silently.
# One pg_dump is one snapshot: the dump is consistent while hubd goes on
# serving. The file holds partner data: it is written mode 600.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"

dir=$ROOT/var/backups
while [ $# -gt 0 ]; do
    case $1 in
    --dir) [ $# -ge 2 ] || { echo "backup: --dir needs a directory" >&2; exit 2; }; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "backup: unknown argument $1 (usage: scripts/backup.sh [--dir DIR])" >&2; exit 2 ;;
    esac
done
if [ -z "${HUB_DB:-}" ]; then
    [ -f "$ROOT/var/hub.env" ] ||
        { echo "backup: set HUB_DB to the owner's conninfo, or run make run first (var/hub.env)" >&2; exit 1; }
    # shellcheck disable=SC1091
    HUB_DB=$(. "$ROOT/var/hub.env" && echo "$HUB_DB")
fi

# The owner, and no table that row security would hide rows of.
check=$(psql -X -tA -v ON_ERROR_STOP=1 "$HUB_DB" -c "
    SELECT CASE
      WHEN NOT pg_has_role('hub_owner', 'MEMBER') THEN 'connected as ' || current_user || ', not the owner role hub_owner'
      ELSE (SELECT 'row-level security would hide rows of ' || string_agg(c.oid::regclass::text, ', ')
              FROM pg_class c
             WHERE c.relnamespace = 'hub'::regnamespace AND c.relkind = 'r' AND c.relrowsecurity
               AND NOT EXISTS (SELECT FROM pg_policy p
                                WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*')
                                  AND p.polpermissive AND pg_get_expr(p.polqual, p.polrelid) = 'true'
                                  AND 'hub_owner'::regrole = ANY (p.polroles)))
    END") || { echo "backup: cannot reach the database (HUB_DB)" >&2; exit 1; }
[ -z "$check" ] || { echo "backup: $check" >&2; exit 1; }

mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file=$dir/hub-$stamp.dump
[ ! -e "$file" ] || { echo "backup: $file exists already (one backup a second)" >&2; exit 1; }
trap 'rm -f "$file.partial"' EXIT
t0=${EPOCHREALTIME/./}
(umask 077 && "$PG_BIN/pg_dump" --format=custom --enable-row-security --no-password \
    --file="$file.partial" "$HUB_DB")
(cd "$dir" && sha256sum "$(basename "$file.partial")" | sed 's/\.partial$//' >"$(basename "$file").sha256")
chmod 600 "$file.sha256"
mv "$file.partial" "$file"
trap - EXIT
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))

migration=$(psql -X -tA "$HUB_DB" -c "SELECT max(version) || ' (' || (array_agg(name ORDER BY version DESC))[1] || ')'
                                        FROM hub.schema_migrations")
echo "$file"
echo "backup: $(stat -c %s "$file") bytes in ${ms} ms, sha256 $(cut -d' ' -f1 "$file.sha256"), schema at migration $migration" >&2
