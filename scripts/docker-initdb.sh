#!/usr/bin/env bash
# docker-initdb.sh - create the hub's roles and database as the superuser.
#
# Usage: mounted into /docker-entrypoint-initdb.d/ of the postgres:15 image
# (see docker-compose.yml), which runs it once, when the data volume is empty.
# It can also be run by hand against any cluster as a superuser:
#   HUB_OWNER_PASSWORD=... HUB_APP_PASSWORD=... scripts/docker-initdb.sh
# (psql connection from the usual PG* variables; POSTGRES_USER defaults to postgres).
#
# Environment:
#   HUB_OWNER_PASSWORD  password of hub_owner (owns database hub; runs `hubd migrate`)
#   HUB_APP_PASSWORD    password of hub_app (the role `hubd` serves with: not the
#                       owner, NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE)
#
# Creates the roles if missing (and sets their attributes and passwords every
# time), then CREATE DATABASE hub OWNER hub_owner if it does not exist.
# Passwords travel as psql variables quoted with format('%L'), never spliced
# into SQL text by the shell.
#
# The postgres image sources *.sh init files that are not executable, so this
# file sets no shell options beyond the entrypoint's own (-Eeo pipefail) and
# never calls exit on success.

set -Eeo pipefail

hub_initdb() {
    if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
        sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        return 0
    fi
    : "${HUB_OWNER_PASSWORD:?HUB_OWNER_PASSWORD must be set (see docker-compose.yml)}"
    : "${HUB_APP_PASSWORD:?HUB_APP_PASSWORD must be set (see docker-compose.yml)}"

    psql -X -v ON_ERROR_STOP=1 \
        --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        --set=owner_pw="$HUB_OWNER_PASSWORD" \
        --set=app_pw="$HUB_APP_PASSWORD" <<'EOSQL'
\set QUIET on

SELECT 'CREATE ROLE hub_owner'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_owner')
\gexec
SELECT 'CREATE ROLE hub_app'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app')
\gexec

SELECT format('ALTER ROLE hub_owner WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB '
              'NOCREATEROLE NOREPLICATION INHERIT PASSWORD %L', :'owner_pw')
\gexec
SELECT format('ALTER ROLE hub_app WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB '
              'NOCREATEROLE NOREPLICATION INHERIT PASSWORD %L', :'app_pw')
\gexec

SELECT 'CREATE DATABASE hub OWNER hub_owner ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hub')
\gexec

-- Only the hub's roles may connect to it.
REVOKE ALL ON DATABASE hub FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hub TO hub_app;
EOSQL
    printf 'docker-initdb.sh: roles hub_owner, hub_app and database hub are ready\n'
}

hub_initdb "$@"
