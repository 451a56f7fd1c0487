#!/usr/bin/env bash
# revoke-client.sh - revoke a partner's client certificate and re-issue the CRL.
#
# Usage: certs/revoke-client.sh DIR NAME
#
# Revokes DIR/clients/NAME.pem with `openssl ca -revoke` (recorded in
# DIR/ca/index.txt) and regenerates DIR/crl.pem (valid 30 days). hubd reads
# the CRL (HUB_CLIENT_CRL) at start-up and on SIGHUP.
#
# Idempotent: revoking an already revoked certificate only re-issues the CRL.
# The certificate and key files are kept (tests use them to check rejection).
set -euo pipefail

prog=${0##*/}

usage() {
    cat <<EOF
Usage: $prog DIR NAME

Revoke DIR/clients/NAME.pem with the CA in DIR and regenerate DIR/crl.pem.
Revoking an already revoked certificate is not an error.

  -h, --help  show this help
EOF
}

die() {
    printf '%s: %s\n' "$prog" "$*" >&2
    exit 1
}

usage_error() {
    printf '%s: %s\n' "$prog" "$*" >&2
    printf 'Try "%s --help".\n' "$prog" >&2
    exit 2
}

quiet() {
    local log rc=0
    log=$(mktemp)
    "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        printf '%s: command failed (%d): %s\n' "$prog" "$rc" "$*" >&2
        cat "$log" >&2
    fi
    rm -f "$log"
    return "$rc"
}

args=()
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help)
        usage
        exit 0
        ;;
    -*)
        usage_error "unknown option: $1"
        ;;
    *)
        args+=("$1")
        shift
        ;;
    esac
done
[ "${#args[@]}" -eq 2 ] || usage_error "expected DIR and NAME"
dir=${args[0]}
name=${args[1]}
if ! [[ $name =~ ^[a-z0-9][a-z0-9_-]{0,62}$ ]]; then
    usage_error "bad NAME \"$name\": must match ^[a-z0-9][a-z0-9_-]{0,62}\$"
fi

command -v openssl >/dev/null 2>&1 || die "openssl not found"
[ -d "$dir" ] || die "$dir does not exist"
cd "$dir"
if [ ! -f ca.key ] || [ ! -f ca.pem ] || [ ! -f ca/openssl.cnf ] || [ ! -f ca/index.txt ]; then
    die "no CA in $dir; run make-ca.sh $dir first"
fi
crt=clients/$name.pem
[ -f "$crt" ] || die "no certificate $dir/$crt"

if command -v flock >/dev/null 2>&1; then
    exec 9>ca/.lock
    flock 9
fi

tmp=$(mktemp -d .revoke-client.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

serial=$(openssl x509 -in "$crt" -noout -serial)
serial=${serial#serial=}
serial=$(printf '%s' "$serial" | tr 'a-f' 'A-F')

# index.txt columns (tab-separated): status, expiry, revocation, serial, file, DN
revoked() {
    awk -F '\t' -v s="$serial" '
        { x = toupper($4); sub(/^0+/, "", x); y = s; sub(/^0+/, "", y) }
        $1 == "R" && x == y { found = 1 }
        END { exit !found }' ca/index.txt
}

if revoked; then
    printf '%s: %s/%s is already revoked\n' "$prog" "$dir" "$crt" >&2
else
    quiet openssl ca -batch -config ca/openssl.cnf -revoke "$crt"
    printf '%s: revoked %s/%s (serial %s)\n' "$prog" "$dir" "$crt" "$serial" >&2
fi

quiet openssl ca -batch -config ca/openssl.cnf -gencrl -crldays 30 -out "$tmp/crl.pem"
chmod 644 "$tmp/crl.pem"
mv "$tmp/crl.pem" crl.pem
