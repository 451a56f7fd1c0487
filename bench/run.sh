#!/usr/bin/env bash
# bench/run.sh - memory and /healthz throughput figures for hubd, next to nginx.
#
# Needs a running hubd (`make run`): reads var/hub.env (HUB_URL, HUB_CA),
# var/hubd.pid and var/certs/server.{pem,key}.  Progress and raw wrk output go
# to stderr; the result tables go to stdout.  See bench/README.md.
#
# Environment:
#   BENCH_DURATION  wrk duration per server          (default 10s)
#   BENCH_CONNS     wrk keep-alive connections       (default 64)
#   BENCH_THREADS   wrk threads                      (default 2)
#   BENCH_IDLE      idle TLS connections to hold     (default 1000)
#   HUB_WORKERS     nginx worker_processes           (default: nproc)
#   BENCH_SKIP_HUBD=1  measure nginx only (no hubd, var/hub.env optional)
#   BENCH_CERT, BENCH_KEY, HUB_CA   certificate, key and CA file
#                   (default var/certs/server.pem, var/certs/server.key and
#                   HUB_CA from var/hub.env; values set in the environment win)
#   BENCH_HUB_ENV, BENCH_PIDFILE    other paths for var/hub.env, var/hubd.pid
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}
IDLE=${BENCH_IDLE:-1000}
SKIP_HUBD=${BENCH_SKIP_HUBD:-0}
HUB_ENV_FILE=${BENCH_HUB_ENV:-var/hub.env}
PIDFILE=${BENCH_PIDFILE:-var/hubd.pid}
IDLE_SRC=bench/idle_conns.c
IDLE_BIN=build/bench/idle_conns
NGINX_PORT_BASE=20443
FALLBACK_BODY='{"status":"ok","database":"ok"}'

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- settings
env_ca=${HUB_CA-}
if [[ -f $HUB_ENV_FILE ]]; then
    set -a
    # shellcheck source=/dev/null
    source "$HUB_ENV_FILE"
    set +a
elif [[ $SKIP_HUBD != 1 ]]; then
    die "$HUB_ENV_FILE not found: start the server first (make run), or set BENCH_SKIP_HUBD=1"
fi
[[ -n $env_ca ]] && HUB_CA=$env_ca
HUB_CA=${HUB_CA:-var/certs/ca.pem}
CERT=${BENCH_CERT:-var/certs/server.pem}
KEY=${BENCH_KEY:-var/certs/server.key}

for f in "$HUB_CA" "$CERT" "$KEY"; do
    [[ -r $f ]] || die "cannot read $f"
done
# nginx resolves relative paths against its prefix (the temp dir)
HUB_CA=$(realpath "$HUB_CA")
CERT=$(realpath "$CERT")
KEY=$(realpath "$KEY")

[[ $CONNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNS must be a positive integer"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "BENCH_THREADS must be a positive integer"
[[ $IDLE =~ ^[1-9][0-9]*$ ]] || die "BENCH_IDLE must be a positive integer"
[[ $DURATION =~ ^[1-9][0-9]*[smh]?$ ]] || die "BENCH_DURATION must look like 10s"
((CONNS >= THREADS)) || die "BENCH_CONNS must be >= BENCH_THREADS"
NPROC=$(nproc)
WORKERS=${HUB_WORKERS:-$NPROC}
[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || WORKERS=$NPROC

for tool in wrk nginx openssl "${CC:-cc}"; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

HUB_HOST='' HUB_PORT='' HUBD_PID=''
if [[ $SKIP_HUBD != 1 ]]; then
    url_re='^https://(\[[0-9A-Fa-f:.]+\]|[^]/:[]+)(:([0-9]+))?(/.*)?$'
    [[ ${HUB_URL:-} =~ $url_re ]] || die "HUB_URL '${HUB_URL:-}' is not an https://HOST:PORT URL"
    HUB_HOST=${BASH_REMATCH[1]}
    HUB_PORT=${BASH_REMATCH[3]:-443}
    case $HUB_HOST in
    127.* | localhost | '[::1]') ;;
    *) die "HUB_URL host $HUB_HOST is not a loopback address; this benchmark only talks to 127.0.0.1" ;;
    esac
    [[ -f $PIDFILE ]] || die "$PIDFILE not found: is hubd running (make run)?"
    HUBD_PID=$(<"$PIDFILE")
    [[ $HUBD_PID =~ ^[0-9]+$ && -r /proc/$HUBD_PID/status ]] ||
        die "hubd (pid '$HUBD_PID' from $PIDFILE) is not running"
fi

# ----------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hubbench.XXXXXX")
IDLE_PID='' NGINX_PID='' WRK_PID=''

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $WRK_PID ]]; then
        kill -TERM "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
    fi
    if [[ -n $IDLE_PID ]]; then
        kill -TERM "$IDLE_PID" 2>/dev/null || true
        wait "$IDLE_PID" 2>/dev/null || true
    fi
    if [[ -n $NGINX_PID ]]; then
        kill -TERM "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ----------------------------------------------------------------- helpers

# PIDs of $1 and all its descendants (scans /proc: this kernel may lack
# /proc/PID/task/TID/children).
proc_tree() {
    local f key val pid ppid
    local -A parent=()
    for f in /proc/[0-9]*/status; do
        pid='' ppid=''
        { while read -r key val _; do
            case $key in
            Pid:) pid=$val ;;
            PPid:)
                ppid=$val
                break
                ;;
            esac
        done <"$f"; } 2>/dev/null || continue
        [[ -n $pid && -n $ppid ]] && parent[$pid]=$ppid
    done
    local out=("$1") changed=1 p q
    local -A in_tree=([$1]=1)
    while ((changed)); do
        changed=0
        for p in "${!parent[@]}"; do
            q=${parent[$p]}
            if [[ -z ${in_tree[$p]:-} && -n ${in_tree[$q]:-} ]]; then
                in_tree[$p]=1
                out+=("$p")
                changed=1
            fi
        done
    done
    echo "${out[@]}"
}

# "KB NPROCS": VmRSS summed over $1 and its descendants
rss_kb() {
    local total=0 n=0 p kb
    for p in $(proc_tree "$1"); do
        kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null || true)
        [[ -n $kb ]] || continue
        total=$((total + kb))
        n=$((n + 1))
    done
    echo "$total $n"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# ports in LISTEN state (st 0A) in /proc/net/tcp{,6}, as decimal numbers
listening_ports() {
    local f
    for f in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $f ]] || continue
        awk 'NR > 1 && $4 == "0A" { n = split($2, a, ":"); print a[n] }' "$f"
    done | while read -r hex; do echo $((16#$hex)); done
}

free_port() {
    local used p
    used=" $(listening_ports | tr '\n' ' ') "
    for ((p = NGINX_PORT_BASE; p < NGINX_PORT_BASE + 2000; p++)); do
        if [[ $used != *" $p "* ]]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

is_listening() { [[ " $(listening_ports | tr '\n' ' ') " == *" $1 "* ]]; }

# s_client options that verify the server certificate for host $1
verify_opts() {
    local h=${1#[}
    h=${h%]}
    if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then
        echo "-verify_ip $h"
    else
        echo "-verify_hostname $h"
    fi
}

# GET /healthz once with openssl s_client (verifying the certificate);
# writes the body to $3 and prints "STATUS BYTES" (STATUS "-" on failure).
fetch_healthz() {
    local host=$1 port=$2 bodyfile=$3 raw status clen
    raw=$TMP/healthz.raw
    # shellcheck disable=SC2046  # verify_opts yields two words on purpose
    printf 'GET /healthz HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$host" "$port" |
        timeout 15 openssl s_client -quiet -verify_return_error -CAfile "$HUB_CA" \
            $(verify_opts "$host") -connect "$host:$port" >"$raw" 2>"$TMP/s_client.err" || true
    status=$(head -n1 "$raw" | tr -d '\r' | awk '{ print $2 }')
    if [[ -z $status ]]; then
        log "GET /healthz on $host:$port failed: $(tr '\n' ' ' <"$TMP/s_client.err")"
        echo "- 0"
        return 0
    fi
    sed '1,/^\r\{0,1\}$/d' "$raw" >"$bodyfile"
    clen=$(tr -d '\r' <"$raw" | sed -n '/^$/q; s/^[Cc]ontent-[Ll]ength: *//p')
    if [[ -n $clen && $clen != "$(stat -c %s "$bodyfile")" ]]; then
        : >"$bodyfile" # e.g. chunked: unusable as a copy of the body
    fi
    echo "$status ${clen:-?}"
}

# "TLSvX CIPHER VERIFY FINGERPRINT16" for the server at $1:$2
tls_probe() {
    local host=$1 port=$2 out proto cipher verify fp
    out=$TMP/probe.out
    # shellcheck disable=SC2046
    timeout 15 openssl s_client -CAfile "$HUB_CA" $(verify_opts "$host") \
        -connect "$host:$port" </dev/null >"$out" 2>&1 || true
    proto=$(sed -n 's/^New, \([^,]*\), Cipher is \(.*\)$/\1 \2/p' "$out" | head -n1)
    verify=$(sed -n 's/^ *Verify return code: \([0-9]*\).*/\1/p' "$out" | head -n1)
    [[ $verify == 0 ]] && verify=verified || verify="NOT-verified(${verify:-?})"
    fp=$(openssl x509 -noout -fingerprint -sha256 <"$out" 2>/dev/null |
        sed 's/.*=//; s/://g' | cut -c1-16)
    echo "${proto:-? ?} $verify ${fp:-?}"
}

# Open $3 idle TLS connections to $1:$2 and wait until they are all up,
# leaving idle_conns running as $IDLE_PID (empty if it died or hung).
# Sets IDLE_OPENED and IDLE_FAILED.
IDLE_OUT=$TMP/idle.out
idle_start() {
    local host=$1 port=$2 n=$3 i line=''
    : >"$IDLE_OUT"
    "$IDLE_BIN" "$host" "$port" "$n" "$HUB_CA" 600 </dev/null >"$IDLE_OUT" &
    IDLE_PID=$!
    for ((i = 0; i < 1200; i++)); do # up to 120 s
        line=$(grep -m1 '^open ' "$IDLE_OUT" || true)
        [[ -n $line ]] && break
        kill -0 "$IDLE_PID" 2>/dev/null || break
        sleep 0.1
    done
    IDLE_OPENED=0 IDLE_FAILED=$n
    if [[ -z $line ]]; then
        kill -TERM "$IDLE_PID" 2>/dev/null || true
        wait "$IDLE_PID" 2>/dev/null || true
        IDLE_PID=''
        return 0
    fi
    IDLE_OPENED=${line#open }
    IDLE_FAILED=$(sed -n 's/^failed //p' "$IDLE_OUT")
}

# Stops idle_conns; sets IDLE_CLOSED (connections the server closed meanwhile).
idle_stop() {
    kill -TERM "$IDLE_PID" 2>/dev/null || true
    wait "$IDLE_PID" 2>/dev/null || true
    IDLE_PID=''
    IDLE_CLOSED=$(sed -n 's/^closed_by_peer //p' "$IDLE_OUT")
    IDLE_CLOSED=${IDLE_CLOSED:-0}
}

# Runs wrk against $1 (in the background, so that a signal to this script
# is handled at once), saving its output in $2 and copying it to stderr.
WRK_CMDS=()
WRK_PID=''
run_wrk() {
    local url=$1 out=$2 rc=0
    local cmd=(wrk "-t$THREADS" "-c$CONNS" "-d$DURATION" --latency "$url")
    WRK_CMDS+=("${cmd[*]}")
    log "${cmd[*]}"
    "${cmd[@]}" </dev/null >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=''
    cat "$out" >&2
    return "$rc"
}

# latency value from wrk (e.g. 812.00us, 1.25ms, 2.01s) to "X.XX ms"
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v == "") { print "?"; exit }
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) print v; else printf "%.2f ms", n * f
    }'
}

# Sets W_RPS W_P50 W_P99 W_REQS W_ERRS from wrk output file $1
parse_wrk() {
    local f=$1 sock non2xx
    W_RPS=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$f")
    W_P50=$(to_ms "$(awk '$1 == "50%" || $1 == "50.000%" { print $2; exit }' "$f")")
    W_P99=$(to_ms "$(awk '$1 == "99%" || $1 == "99.000%" { print $2; exit }' "$f")")
    W_REQS=$(awk '/ requests in / { print $1; exit }' "$f")
    sock=$(sed -n 's/^ *Socket errors: *//p' "$f")
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$f")
    W_ERRS="none"
    if [[ -n $sock || -n $non2xx ]]; then
        W_ERRS="${sock:+socket: $sock}${sock:+${non2xx:+; }}${non2xx:+non-2xx/3xx: $non2xx}"
    fi
    W_RPS=${W_RPS:-?} W_REQS=${W_REQS:-?}
}

# ------------------------------------------------------------ measurements
declare -A H N # results for hubd / nginx, keyed by row id
per_conn() { # KB_IDLE KB_WITH OPENED
    if (($3 > 0)); then
        awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f KiB", (b - a) / n }'
    else
        echo "n/a"
    fi
}

# measure_server NAME(H|N) HOST PORT PID URL
measure_server() {
    local -n R=$1
    local host=$2 port=$3 pid=$4 url=$5 st size proto cipher verify fp kb0 kb1 kb2 np
    read -r st size < <(fetch_healthz "$host" "$port" "$TMP/body.$1")
    R["status"]=$st
    R["status_size"]="$st ($size B)"
    read -r proto cipher verify fp < <(tls_probe "$host" "$port")
    R["tls"]="$proto $cipher, $verify"
    R["fp"]=$fp

    read -r kb0 np < <(rss_kb "$pid")
    R["procs"]=$np
    R["rss_idle"]=$(mib "$kb0")

    log "opening $IDLE idle TLS connections to $host:$port"
    idle_start "$host" "$port" "$IDLE"
    if [[ -n $IDLE_PID ]]; then
        sleep 1 # let the server finish the last handshakes
        read -r kb1 np < <(rss_kb "$pid")
        R["rss_conns"]=$(mib "$kb1")
        R["per_conn"]=$(per_conn "$kb0" "$kb1" "$IDLE_OPENED")
        idle_stop
    else
        R["rss_conns"]="n/a"
        R["per_conn"]="n/a"
        IDLE_CLOSED=0
    fi
    R["idle"]="$IDLE_OPENED / ${IDLE_FAILED:-?} / $IDLE_CLOSED"
    log "idle connections opened / failed / closed by server: ${R[idle]}"
    sleep 1

    run_wrk "$url" "$TMP/wrk.$1" || log "WARNING: wrk failed against $url"
    parse_wrk "$TMP/wrk.$1"
    R["rps"]=$W_RPS R["p50"]=$W_P50 R["p99"]=$W_P99 R["reqs"]=$W_REQS R["errs"]=$W_ERRS
    read -r kb2 np < <(rss_kb "$pid")
    R["rss_after"]=$(mib "$kb2")
}

if [[ ! -x $IDLE_BIN || $IDLE_SRC -nt $IDLE_BIN ]]; then
    log "compiling $IDLE_BIN"
    mkdir -p "$(dirname "$IDLE_BIN")"
    "${CC:-cc}" -std=c17 -O2 -Wall -Wextra -Werror -o "$IDLE_BIN" "$IDLE_SRC" -lssl -lcrypto
fi

if [[ $SKIP_HUBD != 1 ]]; then
    log "hubd: pid $HUBD_PID, $HUB_URL"
    measure_server H "$HUB_HOST" "$HUB_PORT" "$HUBD_PID" "$HUB_URL/healthz"
    [[ ${H[status]} == 200 ]] || log "WARNING: hubd /healthz answered '${H[status]}', not 200"
fi

# nginx in a temp dir, same certificate, serving a copy of hubd's body
NGINX_PORT=$(free_port) || die "no free port found from $NGINX_PORT_BASE"
mkdir -p "$TMP/www" "$TMP/logs"
if [[ $SKIP_HUBD != 1 && -s $TMP/body.H ]]; then
    cp "$TMP/body.H" "$TMP/www/healthz"
else
    printf '%s' "$FALLBACK_BODY" >"$TMP/www/healthz"
fi
# workers drop root privileges (user nobody): let them reach the file
chmod 755 "$TMP" "$TMP/www"
chmod 644 "$TMP/www/healthz"
cat >"$TMP/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $WORKERS;
worker_rlimit_nofile $((IDLE * 2 + 1024));
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;

events {
    worker_connections $((IDLE + CONNS + 512));
}

http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 300s;
    keepalive_requests 100000000;
    client_body_temp_path $TMP/client_body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    types { }
    default_type application/json;

    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $CERT;
        ssl_certificate_key $KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_prefer_server_ciphers off;
        root $TMP/www;
        location = /healthz { }
        location / { return 404; }
    }
}
EOF
nginx -t -q -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/logs/error.log" ||
    die "nginx rejected $TMP/nginx.conf: $(cat "$TMP/logs/error.log")"
nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/logs/error.log" </dev/null &
NGINX_PID=$!
for ((i = 0; i < 100; i++)); do
    is_listening "$NGINX_PORT" && break
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(cat "$TMP/logs/error.log")"
    sleep 0.1
done
is_listening "$NGINX_PORT" || die "nginx does not listen on 127.0.0.1:$NGINX_PORT"
sleep 0.3 # workers
log "nginx: pid $NGINX_PID, https://127.0.0.1:$NGINX_PORT, $WORKERS worker(s)"
measure_server N 127.0.0.1 "$NGINX_PORT" "$NGINX_PID" "https://127.0.0.1:$NGINX_PORT/healthz"
[[ ${N[status]} == 200 ]] || log "WARNING: nginx /healthz answered '${N[status]}', not 200"

kill -TERM "$NGINX_PID" 2>/dev/null || true
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=''

# ------------------------------------------------------------------ report
hv() { # value for hubd column
    if [[ $SKIP_HUBD == 1 ]]; then echo "(skipped)"; else echo "${H[$1]:-?}"; fi
}
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
both() { row "$1" "$(hv "$2")" "${N[$2]:-?}"; }

cpu=$(awk -F': *' '$1 ~ /^(model name|Hardware|cpu model)/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)

echo
echo "### hubd vs nginx: memory and GET /healthz over TLS"
echo
row "metric" "hubd" "nginx"
row "---" "---:" "---:"
both "processes measured (pid + children)" procs
both "VmRSS idle" rss_idle
both "VmRSS with $IDLE idle TLS connections" rss_conns
both "RSS per idle TLS connection" per_conn
both "idle connections opened / failed / closed by server" idle
both "requests/s (wrk, $CONNS conns, $THREADS threads, $DURATION)" rps
both "latency p50" p50
both "latency p99" p99
both "requests completed" reqs
both "wrk errors" errs
both "VmRSS after the wrk run" rss_after
both "/healthz status (body bytes)" status_size
both "TLS (openssl s_client)" tls
both "certificate (SHA-256, first 8 bytes)" fp
echo
echo "wrk command lines:"
echo
for c in "${WRK_CMDS[@]}"; do
    printf '    %s\n' "$c"
done
echo
echo "Machine: $NPROC CPUs ($cpu), $mem RAM, Linux $(uname -r);" \
    "$(wrk -v 2>&1 | head -n1 | awk '{ print $1, $2 }'), $(nginx -v 2>&1 | sed 's/^nginx version: //')" \
    "(worker_processes $WORKERS), $(openssl version | awk '{ print $1, $2 }')."
echo "wrk, the servers and PostgreSQL share these CPUs."
