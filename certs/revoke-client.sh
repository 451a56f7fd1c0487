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
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: $prog DIR NAME

Revoke DIR/clients/NAME.pem with the CA in DIR and regenerate DIR/crl.pem.
Revoking an already revoked certificate is not an error.

  -h, --help  show this help
EOF
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
client_name_check "$name"

command -v openssl >/dev/null 2>&1 || die "openssl not found"
[ -d "$dir" ] || die "$dir does not exist"
cd "$dir"
ca_require "$dir" ca/index.txt
crt=clients/$name.pem
[ -f "$crt" ] || die "no certificate $dir/$crt"

ca_begin

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

crl_issue
