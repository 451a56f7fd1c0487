# Helpers for the integration suites. A suite is a bash script run by
# scripts/test.sh with T (the throw-away directory holding hub.env, the
# cluster and certificates), ROOT and HUB_BIN (the hubd to test) set.
set -uo pipefail
. "$ROOT/scripts/lib.sh"
hubd_env "$T"
SUITE=$(basename "$0" .sh)

ok() {
    echo "pass $SUITE: $1" >>"$T/results"
    echo "ok - $1"
}
not_ok() {
    echo "fail $SUITE: $1" >>"$T/results"
    echo "not ok - $1"
    [ -n "${2:-}" ] && echo "    $2"
    return 0
}
# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name" "command: $*"; fi
}

# eq NAME GOT WANT: passes when GOT is WANT, else shows both.
eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi
}

# For suites that keep the last answer's body in $R and its headers in
# $R.h: the pointers its problem names (sorted, space-separated), its media
# type, and one of its headers.
ptrs() { jq -r '[.errors[]?.pointer] | sort | join(" ")' "$R" 2>/dev/null; }
ctype() { tr -d '\r' <"$R.h" | sed -n 's/^[Cc]ontent-[Tt]ype: //p' | tail -1 | cut -d';' -f1; }
header() { tr -d '\r' <"$R.h" | sed -n "s/^$1: //Ip" | tail -1; }

# call METHOD PATH [curl args...]: one request to $URL with the token
# $TOKEN (else police's; NOAUTH=1 sends none) and X-Request-Id $tag-N,
# the body to $R and the headers to $R.h. Sets code, rid, and before (the
# suite's state() just before the call, to show a refusal changed nothing).
call() {
    local method=$1 path=$2 auth=()
    shift 2
    seq_no=$((seq_no + 1))
    rid=$tag-$seq_no
    before=$(state)
    [ -z "${NOAUTH:-}" ] && auth=(-H "Authorization: Bearer ${TOKEN:-$HUB_TOKEN_POLICE}")
    code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' -X "$method" -H "X-Request-Id: $rid" \
        "${auth[@]}" "$@" "$URL$path")
}

# walk TOKEN PATH QUERY LIMIT KEY: every page of a keyset list (PATH?QUERY,
# following next from after=0), the ids of its KEY array in order to
# $R.ids. False on a non-200, or a page whose next is not its last id
# while full.
walk() {
    local token=$1 path=$2 query=$3 limit=$4 key=$5 after=0 next c pages=0
    : >"$R.ids"
    while :; do
        c=$(hcurl -o "$R.page" -w '%{http_code}' -H "Authorization: Bearer $token" \
            "$URL$path?${query:+$query&}limit=$limit&after=$after")
        [ "$c" = 200 ] || { echo "walk $path: $c $(head -c 300 "$R.page")" >&2; return 1; }
        jq -r ".${key}[].id" "$R.page" >>"$R.ids"
        next=$(jq -r '.next // empty' "$R.page")
        [ -z "$next" ] && return 0
        [ "$(jq ".${key} | length" "$R.page")" = "$limit" ] || return 1
        [ "$next" = "$(jq ".${key}[-1].id" "$R.page")" ] || return 1
        after=$next
        pages=$((pages + 1))
        [ "$pages" -lt 10000 ] || return 1
    done
}

# start_hubd [VAR=value...]: starts HUB_BIN on a fresh port with the given
# overrides and waits until it answers; sets HUBD_PID, PORT, URL, HUBD_LOG.
# HUB_WRAPPER, if set, is a command line hubd runs under (make valgrind:
# scripts/valgrind.sh); it must exec hubd in the same process.
start_hubd() {
    local wrapper=() tries=100
    PORT=$(free_port $((20000 + RANDOM % 12000)))
    URL=https://127.0.0.1:$PORT
    HUBD_LOG=$T/hubd-$SUITE-$PORT.log
    if [ -n "${HUB_WRAPPER:-}" ]; then
        read -ra wrapper <<<"$HUB_WRAPPER"
        tries=600 # valgrind starts hubd in seconds, not milliseconds
    fi
    # HUB_APP_DB explicitly: a suite may have sourced hub.env, whose HUB_DB is the owner.
    env HUB_DB="$HUB_APP_DB" HUB_LISTEN="127.0.0.1:$PORT" "$@" "${wrapper[@]}" "$HUB_BIN" \
        >"$HUBD_LOG" 2>&1 &
    HUBD_PID=$!
    echo "$HUBD_PID" >>"$T/pids"
    for _ in $(seq "$tries"); do
        # With a partner certificate, so it works whatever HUB_CLIENT_CERT says.
        curl -s -o /dev/null --cacert "$HUB_CA" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE" \
            "$URL/healthz" && return 0
        kill -0 "$HUBD_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "hubd did not start:" >&2
    cat "$HUBD_LOG" >&2
    return 1
}

# stop_hubd: SIGTERM, wait; returns hubd's exit status.
stop_hubd() {
    kill -TERM "$HUBD_PID" 2>/dev/null
    local rc=0
    wait "$HUBD_PID" || rc=$?
    return "$rc"
}

# sanitizer_clean: no ASan/UBSan report in this hubd's log, nor (under make
# valgrind) a valgrind error in its valgrind log, $T/valgrind/hubd.PID.log.
sanitizer_clean() {
    ! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$HUBD_LOG" &&
        ! grep -qsE 'ERROR SUMMARY: [1-9]|^==[0-9]+== (Invalid|Conditional|Use of uninit|Mismatched)' \
            "$T/valgrind/hubd.$HUBD_PID.log"
}

# hcurl ARGS...: curl trusting the test CA, silent but showing errors.
hcurl() { curl -sS --cacert "$HUB_CA" "$@"; }

# status_of URL [curl args]: prints the HTTP status code.
status_of() {
    local url=$1
    shift
    hcurl -o /dev/null -w '%{http_code}' "$@" "$url"
}

