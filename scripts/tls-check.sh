#!/usr/bin/env bash
# make tls-check: testssl.sh (Debian package testssl.sh) against hubd, and a
# failure on any finding it rates MEDIUM, HIGH or CRITICAL. Besides its
# ratings, the properties the hub promises are checked by name: SSLv2, SSLv3,
# TLS 1.0 and 1.1 not offered; no NULL, export, low, 3DES or other
# non-forward-secret "average" ciphers; no TLS compression (CRIME); no
# client-initiated renegotiation and secure renegotiation only; forward
# secrecy; a server cipher order.
#
# By default a throw-away cluster and hubd are set up as scripts/test.sh
# does (scripts/lib.sh) and torn down afterwards. TLS_CHECK_TARGET=host:port
# checks a running hubd instead (TLS_CHECK_CA: the CA of its certificate).
#
# One finding is waived, and only for the throw-away hubd: cert_revocation
# (HIGH, "neither CRL nor OCSP URI provided"). It is about the certificate
# certs/make-server.sh issues from the dev CA, which publishes no CRL or
# OCSP address for server certificates, not about how hubd speaks TLS; a
# deployment's certificate from its real CA is checked without waivers.
#
# The JSON report is kept in build/tls-check/testssl.json, the summary in
# build/tls-check/summary.txt. testssl.sh takes about a minute.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. scripts/lib.sh

scripts/deps.sh tls-check || exit 1
OUT=$ROOT/build/tls-check
mkdir -p "$OUT"
rm -f "$OUT/testssl.json"

waive=()
if [ -n "${TLS_CHECK_TARGET:-}" ]; then
    target=$TLS_CHECK_TARGET
    ca=${TLS_CHECK_CA:-}
else
    make -s -j"$(nproc)" build/hubd build/hubctl || exit 1
    T=$(mktemp -d /tmp/hub-tls-check.XXXXXX)
    chmod 755 "$T" # the postgres user must reach the cluster inside
    pid=
    cleanup() {
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        [ -z "${HUB_DB:-}" ] && cluster_stop "$T"
        rm -rf "$T"
    }
    trap cleanup EXIT
    port=$(free_port $((20000 + RANDOM % 12000)))
    if ! setup "$T" $((40000 + RANDOM % 10000)) "$port" test >"$T/setup.log" 2>&1; then
        cat "$T/setup.log"
        exit 1
    fi
    (
        hubd_env "$T"
        exec build/hubd
    ) >"$T/hubd.log" 2>&1 &
    pid=$!
    ca=$T/certs/ca.pem
    for _ in $(seq 100); do
        curl -s -o /dev/null --cacert "$ca" "https://127.0.0.1:$port/healthz" && break
        kill -0 "$pid" 2>/dev/null || { cat "$T/hubd.log"; exit 1; }
        sleep 0.1
    done
    target=127.0.0.1:$port
    waive=(cert_revocation)
fi

echo "== testssl.sh $target (about a minute)"
testssl --quiet --color 0 --warnings off --openssl-timeout 10 ${ca:+--add-ca "$ca"} \
    --jsonfile "$OUT/testssl.json" "$target" >"$OUT/testssl.log" 2>&1
if ! jq -e 'length > 0' "$OUT/testssl.json" >/dev/null 2>&1; then
    tail -20 "$OUT/testssl.log"
    echo "tls-check: testssl.sh wrote no findings" >&2
    exit 1
fi

failed=0
fail() {
    echo "not ok - $*"
    failed=$((failed + 1))
}
finding() { jq -r --arg id "$1" '[.[] | select(.id == $id) | .finding][0] // "(missing)"' "$OUT/testssl.json"; }

# testssl's own ratings.
waived=$(printf '%s\n' "${waive[@]}" | jq -R . | jq -s -c .)
while IFS=$'\t' read -r severity id text; do
    fail "$severity $id: $text"
done < <(jq -r --argjson w "$waived" '.[] | select(.severity == "MEDIUM" or .severity == "HIGH"
    or .severity == "CRITICAL") | select(.id as $i | $w | index($i) | not)
    | [.severity, .id, .finding] | @tsv' "$OUT/testssl.json")

# The properties, by name.
expect() { # expect ID PATTERN WHAT
    local got
    got=$(finding "$1")
    if [[ $got =~ $2 ]]; then echo "ok - $3 ($1: $got)"; else fail "$3 ($1: $got)"; fi
}
for p in SSLv2 SSLv3 TLS1 TLS1_1; do expect "$p" '^not offered' "$p refused"; done
expect TLS1_2 '^offered' "TLS 1.2 offered"
expect TLS1_3 '^offered' "TLS 1.3 offered"
for c in NULL aNULL EXPORT LOW 3DES_IDEA AVERAGE; do
    expect "cipherlist_$c" '^not offered' "no $c ciphers"
done
expect PFS '^offered' "forward secrecy"
expect cipher_order '^server' "a server cipher order"
expect CRIME_TLS '^not vulnerable' "no TLS compression"
expect secure_renego '^supported' "secure renegotiation only (RFC 5746)"
expect secure_client_renego '^not vulnerable' "no client-initiated renegotiation"

{
    echo "testssl.sh $(dpkg-query -W -f='${Version}' testssl.sh 2>/dev/null) against $target, $(date -u +%F)"
    echo "findings by severity: $(jq -r '[.[].severity] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$OUT/testssl.json")"
    for id in "${waive[@]}"; do
        echo "waived (dev PKI certificate): $id: $(finding "$id")"
    done
    echo "protocols: SSLv2 $(finding SSLv2), SSLv3 $(finding SSLv3), TLS 1.0 $(finding TLS1), TLS 1.1 $(finding TLS1_1), TLS 1.2 $(finding TLS1_2), TLS 1.3 $(finding TLS1_3)"
    echo "cipher order: $(finding cipher_order); compression: $(finding CRIME_TLS); renegotiation: secure $(finding secure_renego), client-initiated $(finding secure_client_renego)"
} >"$OUT/summary.txt"
echo
cat "$OUT/summary.txt"
if [ "$failed" -ne 0 ]; then
    echo "tls-check: $failed failed (report: $OUT/testssl.log, $OUT/testssl.json)"
    exit 1
fi
echo "tls-check: nothing rated MEDIUM or worse"
