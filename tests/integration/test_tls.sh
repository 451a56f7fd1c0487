#!/usr/bin/env bash
# TLS: versions, ciphers and their order, renegotiation, plain HTTP, client
# certificates, reload. (make tls-check runs testssl.sh for the full picture.)
. "$(dirname "$0")/lib.sh"
R=$T/$SUITE.out
start_hubd || { not_ok "hubd starts"; exit 0; }

sclient() { timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$HUB_CA" "$@" </dev/null >"$R" 2>&1; }

check "TLS 1.3 handshake succeeds" sclient -tls1_3
check "TLS 1.2 handshake succeeds" sclient -tls1_2
# SECLEVEL=0 lets this client offer TLS 1.1 at all; the server must refuse.
check "TLS 1.1 is refused" bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:$PORT \
    -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"
check "TLS 1.0 is refused" bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:$PORT \
    -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"
check "a non-forward-secret TLS 1.2 cipher is refused" \
    bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_2 \
    -cipher AES128-GCM-SHA256 </dev/null >/dev/null 2>&1"
check "a CBC TLS 1.2 cipher is refused" \
    bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:$PORT -tls1_2 \
    -cipher ECDHE-ECDSA-AES128-SHA256 </dev/null >/dev/null 2>&1"
sclient -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
check "ECDHE ChaCha20-Poly1305 is offered" grep -q 'ECDHE-ECDSA-CHACHA20-POLY1305' "$R"
check "the server asks for client certificates of the partnership CA" \
    bash -c "sed -n '/Acceptable client certificate CA names/,/^[A-Z]/p' '$R' | grep -q 'dev CA'"
# The server's order, not the client's: offered AES-256 first, it still picks AES-128.
sclient -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256
check "the server's cipher order wins over the client's" grep -q 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' "$R"
# "R" on a line of its own makes s_client renegotiate (TLS 1.2; 1.3 has none).
out=$( (
    echo R
    sleep 0.5
) | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$HUB_CA" -tls1_2 2>&1)
check "client-initiated renegotiation is refused" grep -q 'no renegotiation' <<<"$out"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
check "plain HTTP on the TLS port gets no HTTP answer" test "$code" = 000

code=$(status_of "$URL/healthz" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE")
check "a client certificate from the partnership CA is accepted" test "$code" = 200

# A certificate from another CA must fail the handshake.
other=$T/other-ca
if [ ! -f "$other/clients/intruder.pem" ]; then
    "$ROOT/certs/make-ca.sh" "$other" --name "Some other CA" >/dev/null 2>&1
    "$ROOT/certs/make-client.sh" "$other" intruder >/dev/null 2>&1
fi
code=$(status_of "$URL/healthz" --cert "$other/clients/intruder.pem" --key "$other/clients/intruder.key" 2>/dev/null)
check "a client certificate from another CA is refused" test "$code" = 000

# Expired and revoked certificates of our own CA.
dir=$T/certs
[ -f "$dir/clients/expired.pem" ] || "$ROOT/certs/make-client.sh" "$dir" expired --expired >/dev/null 2>&1
code=$(status_of "$URL/healthz" --cert "$dir/clients/expired.pem" --key "$dir/clients/expired.key" 2>/dev/null)
check "an expired client certificate is refused" test "$code" = 000
stop_hubd

# With the CRL configured, a revoked certificate fails; SIGHUP picks up a new CRL.
rv=revoked-$RANDOM # each run revokes its own
"$ROOT/certs/make-client.sh" "$dir" "$rv" >/dev/null 2>&1
start_hubd || { not_ok "hubd restarts"; exit 0; }
code=$(status_of "$URL/healthz" --cert "$dir/clients/$rv.pem" --key "$dir/clients/$rv.key")
check "a not-yet-revoked certificate is accepted" test "$code" = 200
"$ROOT/certs/revoke-client.sh" "$dir" "$rv" >/dev/null 2>&1
kill -HUP "$HUBD_PID"
sleep 0.5
code=$(status_of "$URL/healthz" --cert "$dir/clients/$rv.pem" --key "$dir/clients/$rv.key" 2>/dev/null)
check "after revocation and SIGHUP the certificate is refused" test "$code" = 000
check "SIGHUP reload is logged" grep -q '"msg":"TLS context reloaded"' "$HUBD_LOG"
code=$(status_of "$URL/healthz" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE")
check "other certificates still work after the reload" test "$code" = 200
stop_hubd
check "no sanitizer reports" sanitizer_clean

start_hubd HUB_CLIENT_CERT=required || { not_ok "hubd starts (required)"; exit 0; }
code=$(status_of "$URL/healthz" 2>/dev/null)
check "HUB_CLIENT_CERT=required refuses a client without a certificate" test "$code" = 000
code=$(status_of "$URL/healthz" --cert "$HUB_CERT_POLICE" --key "$HUB_KEY_POLICE")
check "HUB_CLIENT_CERT=required accepts a partner certificate" test "$code" = 200
stop_hubd
check "no sanitizer reports (required)" sanitizer_clean
