#!/usr/bin/env bash
# Loading population denominators: hubctl population load of a generated
# file of 35,000 LSOAs × 19 ethnic groups (665,000 rows, about the size of
# Census 2021 for England and Wales by LSOA) into a throw-away PostgreSQL
# cluster with default (durable) settings, made with scripts/lib.sh as
# make test makes its own. Three loads of the same areas:
#
#   first     an empty table: every row new
#   again     the same file: every row unchanged, nothing written
#   changed   one count in ten different: those rows updated
#
# Needs no running hub. Env: BENCH_AREAS (35000). Prints a Markdown table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck disable=SC1091
. scripts/lib.sh
make -s build/hubd build/hubctl
areas=${BENCH_AREAS:-35000}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hubpop.XXXXXX")
chmod 755 "$tmp" # the postgres user must reach the cluster inside
cleanup() {
    cluster_stop "$tmp" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$((40000 + RANDOM % 10000)) # names the socket only: the cluster has no TCP
cluster_create "$tmp" "$port"
cluster_start "$tmp"
cluster_bootstrap "$tmp" "$port" >/dev/null
export HUB_DB="host=$tmp/run port=$port user=hub_owner dbname=hub"
HUB_SQL_DIR=$ROOT/sql build/hubd migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }

# The file: a header, then each LSOA's 19 groups; counts from a fixed
# formula, White British (13) the largest, so every run loads the same rows.
# "changed" adds 1 to every tenth row's count.
generate() { # generate CHANGE_EVERY (0: none)
    awk -v n="$areas" -v every="$1" 'BEGIN {
        print "area,ons_number,count"
        for (a = 1; a <= n; a++)
            for (g = 1; g <= 19; g++) {
                x = (a * 7919 + g * 104729) % 1000003
                c = g == 13 ? 900 + x % 600 : x % 80
                if (every > 0 && ++row % every == 0)
                    c++
                printf "E01%06d,%d,%d\n", a, g, c
            }
    }'
}
generate 0 >"$tmp/population.csv"
generate 10 >"$tmp/changed.csv"
rows=$((areas * 19))
size=$(stat -c %s "$tmp/population.csv")

have_time=
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 && have_time=1

load() { # load LABEL FILE -> a table row
    local start end secs rss=n/a out
    start=$(date +%s%N)
    if [ -n "$have_time" ]; then
        out=$(/usr/bin/time -v -o "$tmp/time.txt" build/hubctl population load "$2")
        rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt") KiB"
    else
        out=$(build/hubctl population load "$2")
    fi
    end=$(date +%s%N)
    secs=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')
    echo "| $1 | $secs | $(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }') | $rss | $out |"
}

echo "### hubctl population load: $areas LSOAs × 19 groups"
echo
echo "File: $rows data lines, $(awk -v b="$size" 'BEGIN { printf "%.1f MiB", b / 1048576 }') ($size bytes)."
echo
echo "| load | seconds | rows/s | peak RSS of hubctl | hubctl says |"
echo "| --- | ---: | ---: | ---: | --- |"
load "first (empty table)" "$tmp/population.csv"
load "again (same file)" "$tmp/population.csv"
load "changed (1 in 10 counts)" "$tmp/changed.csv"
echo
settings=$(psql -X -tA "$HUB_DB" -c "SELECT string_agg(s || ' ' || current_setting(s), ', ')
    FROM unnest(array['fsync', 'synchronous_commit', 'shared_buffers', 'work_mem']) s")
echo "Seconds: wall time of the whole command (connect, read and check every line, COPY,"
echo "duplicate check, INSERT … ON CONFLICT, COMMIT). A throw-away cluster on a unix socket"
echo "with PostgreSQL's default settings ($settings),"
echo "hubctl and the server sharing the machine: $(nproc) CPUs,"
echo "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(psql -X -tA "$HUB_DB" -c 'SHOW server_version')."
[ -n "$have_time" ] || echo "Peak RSS needs GNU time (/usr/bin/time, Debian package time)."
