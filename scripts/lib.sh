# Shared by scripts/run.sh, scripts/test.sh and the integration tests:
# a local PostgreSQL cluster on a unix socket, the PKI, migrations, hub.env.
# Source it; it defines functions only.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# PostgreSQL refuses to run as root: as root, run it as the postgres user
# the Debian package creates.
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# cluster_create VAR PORT [test]: a cluster in VAR/pg listening only on the
# socket directory VAR/run (no TCP); reused if it exists.
cluster_create() {
    local var=$1 port=$2 mode=${3:-}
    mkdir -p "$var/run"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$var/run"; fi
    if [ ! -f "$var/pg/PG_VERSION" ]; then
        mkdir -p "$var/pg"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$var/pg"; fi
        chmod 700 "$var/pg"
        pg_as "$PG_BIN/initdb" -D "$var/pg" -U postgres --auth-local=trust --auth-host=reject \
            -E UTF8 --locale=C >"$var/initdb.log" 2>&1 || { cat "$var/initdb.log" >&2; return 1; }
        {
            echo "listen_addresses = ''"
            echo "unix_socket_directories = '$var/run'"
            echo "port = $port"
            if [ "$mode" = test ]; then
                # A throw-away cluster need not survive a power cut.
                echo "fsync = off"
                echo "synchronous_commit = off"
                echo "full_page_writes = off"
            fi
        } | pg_as tee -a "$var/pg/postgresql.conf" >/dev/null
    fi
    touch "$var/pg.log"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$var/pg.log"; fi
}

cluster_running() { pg_as "$PG_BIN/pg_ctl" -D "$1/pg" status >/dev/null 2>&1; }

cluster_start() {
    cluster_running "$1" && return 0
    pg_as "$PG_BIN/pg_ctl" -D "$1/pg" -l "$1/pg.log" -w -t 60 start >/dev/null ||
        { tail -20 "$1/pg.log" >&2; return 1; }
}

cluster_stop() {
    cluster_running "$1" || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$1/pg" -m fast -w -t 60 stop >/dev/null
}

# cluster_bootstrap VAR PORT: the two roles and the database, idempotent.
cluster_bootstrap() {
    psql -X -q -v ON_ERROR_STOP=1 "host=$1/run port=$2 user=postgres dbname=postgres" <<'SQL'
SELECT 'CREATE ROLE hub_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_owner') \gexec
SELECT 'CREATE ROLE hub_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_app') \gexec
SELECT 'CREATE DATABASE hub OWNER hub_owner'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hub') \gexec
REVOKE ALL ON DATABASE hub FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hub TO hub_app;
SQL
}

# free_port [from]: a TCP port no socket uses, in any state (read from
# /proc, so no extra tools are needed). Callers pick below the kernel's
# ephemeral range (32768 up), where outgoing connections take their ports.
free_port() {
    local p=${1:-20000} used=" " _sl addr _rem _rest
    while read -r _sl addr _rem _rest; do
        used+="$((16#${addr##*:})) "
    done < <(grep -hv local_address /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    while [[ $used == *" $p "* ]]; do p=$((p + 1)); done
    echo "$p"
}

# pki_create VAR: dev CA, server certificate, demo partners' client certificates.
pki_create() {
    local dir=$1/certs
    "$ROOT/certs/make-ca.sh" "$dir" >/dev/null 2>&1
    "$ROOT/certs/make-server.sh" "$dir" >/dev/null 2>&1
    for p in police council health community; do
        "$ROOT/certs/make-client.sh" "$dir" "$p" >/dev/null 2>&1
    done
}

# demo_seed VAR OWNER_CONNINFO: the demo partnership (a police force, a
# council, an NHS trust, a community reporting centre), each with a token
# and its client certificate registered, a coordinator token and a public
# token. Tokens are shown once, so they are kept in VAR/demo.env; with that
# file present nothing is done.
demo_seed() {
    local var=$1 owner=$2 ctl=$ROOT/build/hubctl ps id tok
    [ -f "$var/demo.env" ] && return 0
    if [ -n "$(HUB_DB=$owner "$ctl" partnership list | grep -F 'Demo partnership')" ]; then
        echo "demo partnership exists but $var/demo.env is gone: its tokens cannot be shown again;" \
            "issue new ones with build/hubctl token issue" >&2
        return 0
    fi
    (
        export HUB_DB=$owner
        set -e
        ps=$("$ctl" partnership add "Demo partnership" --isa-ref "ISA-DEMO-2026-01" \
            --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 72)
        echo "HUB_PARTNERSHIP_DEMO=$ps"
        for entry in "police|police|Demo Constabulary" "council|council|Demo Borough Council" \
            "health|health|Demo NHS Foundation Trust" \
            "community|community|Demo Hate Crime Reporting Centre"; do
            IFS='|' read -r key kind name <<<"$entry"
            id=$("$ctl" partner add --partnership "$ps" --kind "$kind" "$name")
            tok=$("$ctl" token issue --partner "$id" --roles submit,read --label "demo $key")
            "$ctl" cert register --partner "$id" --roles submit,read --label "demo $key" \
                "$var/certs/clients/$key.pem" >/dev/null
            echo "HUB_PARTNER_${key^^}=$id"
            echo "HUB_TOKEN_${key^^}='$tok'"
            [ "$key" = council ] && council=$id
        done
        tok=$("$ctl" token issue --partner "$council" --roles read,coordinate --label "demo coordinator")
        echo "HUB_TOKEN_COORDINATOR='$tok'"
        tok=$("$ctl" token issue --public --partnership "$ps" --label "demo public")
        echo "HUB_TOKEN_PUBLIC='$tok'"
    ) >"$var/demo.env.tmp" && mv "$var/demo.env.tmp" "$var/demo.env"
    chmod 600 "$var/demo.env"
}

# demo_load VAR OWNER_CONNINFO: the SYNTHETIC demo data (sql/demo/README.md)
# for the partnership and partners named in VAR/demo.env: the population of
# its made-up areas, then about 3,000 reports with referrals, outcomes and
# indicator values (demo.sql), then joint targets and self-assessments
# (joint-work.sql). Loading twice changes nothing: the population load is
# idempotent, demo.sql refuses a second time with a NOTICE and
# joint-work.sql writes only into a partnership that has none.
demo_load() {
    local var=$1 owner=$2
    [ -f "$var/demo.env" ] || { echo "demo_load: $var/demo.env is missing (run demo_seed first)" >&2; return 1; }
    # Explicit exits, not set -e: callers may run this under || or if.
    (
        # shellcheck disable=SC1091
        . "$var/demo.env" || exit 1
        cd "$ROOT" || exit 1 # demo.sql reads api/codes and sql/demo by relative path
        HUB_DB=$owner "$ROOT/build/hubctl" population load sql/demo/synthetic-population.csv || exit 1
        psql -X -q -v ON_ERROR_STOP=1 -v partnership="$HUB_PARTNERSHIP_DEMO" \
            -v police="$HUB_PARTNER_POLICE" -v council="$HUB_PARTNER_COUNCIL" \
            -v health="$HUB_PARTNER_HEALTH" -v community="$HUB_PARTNER_COMMUNITY" \
            -f sql/demo/demo.sql "$owner" || exit 1
        psql -X -q -v ON_ERROR_STOP=1 -v partnership="$HUB_PARTNERSHIP_DEMO" \
            -v police="$HUB_PARTNER_POLICE" -v council="$HUB_PARTNER_COUNCIL" \
            -v health="$HUB_PARTNER_HEALTH" -v community="$HUB_PARTNER_COMMUNITY" \
            -f sql/demo/joint-work.sql "$owner"
    )
}

# setup VAR PGPORT HUBPORT [test]: everything hubd needs; writes VAR/hub.env.
# With HUB_DB set, that database is used instead of a local cluster.
setup() {
    local var=$1 pgport=$2 hubport=$3 mode=${4:-} owner app
    mkdir -p "$var"
    if [ -n "${HUB_DB:-}" ]; then
        owner=$HUB_DB
        app="$HUB_DB user=hub_app" # a later keyword wins in a libpq conninfo
        psql -X -q "$owner" -c "SELECT 1 FROM pg_roles WHERE rolname = 'hub_app'" -tA | grep -q 1 ||
            psql -X -q -v ON_ERROR_STOP=1 "$owner" \
                -c "CREATE ROLE hub_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS" ||
            { echo "HUB_DB: role hub_app is missing and could not be created" >&2; return 1; }
    else
        cluster_create "$var" "$pgport" "$mode"
        cluster_start "$var"
        cluster_bootstrap "$var" "$pgport"
        owner="host=$var/run port=$pgport user=hub_owner dbname=hub"
        app="host=$var/run port=$pgport user=hub_app dbname=hub"
    fi
    pki_create "$var"
    if [ ! -f "$var/pseudonym.key" ]; then
        (umask 077 && openssl rand -hex 32 >"$var/pseudonym.key")
    fi
    HUB_DB=$owner HUB_SQL_DIR=$ROOT/sql "$ROOT/build/hubd" migrate || return 1
    demo_seed "$var" "$owner" || return 1
    {
        echo "HUB_URL='https://127.0.0.1:$hubport'"
        echo "HUB_CA='$var/certs/ca.pem'"
        echo "HUB_DB='$owner'"
        echo "HUB_APP_DB='$app'"
        echo "HUB_LISTEN='127.0.0.1:$hubport'"
        echo "HUB_TLS_CERT='$var/certs/server.pem'"
        echo "HUB_TLS_KEY='$var/certs/server.key'"
        echo "HUB_CLIENT_CA='$var/certs/ca.pem'"
        echo "HUB_CLIENT_CRL='$var/certs/crl.pem'"
        echo "HUB_SQL_DIR='$ROOT/sql'"
        echo "HUB_API_DIR='$ROOT/api'"
        echo "HUB_PSEUDONYM_KEY_FILE='$var/pseudonym.key'"
        # Served at /dashboard/ once built (make dashboard).
        [ -f "$ROOT/build/dashboard/index.html" ] && echo "HUB_DASHBOARD_DIR='$ROOT/build/dashboard'"
        for p in police council health community; do
            local up=${p^^}
            echo "HUB_CERT_$up='$var/certs/clients/$p.pem'"
            echo "HUB_KEY_$up='$var/certs/clients/$p.key'"
        done
        cat "$var/demo.env" 2>/dev/null || true # gone after a restore (README: Backup and restore)
    } >"$var/hub.env"
    chmod 600 "$var/hub.env" # it holds the demo tokens
}

# hubd_env VAR: exports what hubd needs from VAR/hub.env, with the
# application role as HUB_DB.
hubd_env() {
    # shellcheck disable=SC1091
    . "$1/hub.env"
    export HUB_LISTEN HUB_TLS_CERT HUB_TLS_KEY HUB_CLIENT_CA HUB_CLIENT_CRL HUB_SQL_DIR HUB_API_DIR \
        HUB_PSEUDONYM_KEY_FILE
    export HUB_DB=$HUB_APP_DB
    if [ -n "${HUB_DASHBOARD_DIR:-}" ]; then export HUB_DASHBOARD_DIR; fi
}
