#!/usr/bin/env bash
# make-client.sh - issue a partner's client (mTLS) certificate from the CA in DIR.
#
# Usage: certs/make-client.sh DIR NAME [--days N] [--expired]
#
# Needs the CA made by certs/make-ca.sh DIR. Makes:
#   DIR/clients/NAME.key   ECDSA P-256 private key (mode 600)
#   DIR/clients/NAME.pem   certificate CN=NAME, O=Partnership Data Hub partner,
#                          extendedKeyUsage clientAuth, N days (default 365)
# The certificate is issued with `openssl ca`, so it is recorded in
# DIR/ca/index.txt and can be revoked with revoke-client.sh.
#
# --expired issues a certificate whose validity ended yesterday (for tests).
# NAME must match ^[a-z0-9][a-z0-9_-]{0,62}$ (else exit 2).
#
# The last line on stdout is the certificate's SHA-256 fingerprint as
# lowercase hex without colons (the hub identifies partners by it).
#
# Idempotent: existing NAME.key and NAME.pem are left alone (the fingerprint
# is still printed).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: $prog DIR NAME [--days N] [--expired]

Issue DIR/clients/NAME.key and DIR/clients/NAME.pem (CN=NAME,
O=Partnership Data Hub partner, clientAuth) from the CA in DIR, and print
the certificate's SHA-256 fingerprint (lowercase hex, no colons) as the last
line. Does nothing but print the fingerprint when both files already exist.

  --days N    validity in days, 1 to 3650 (default 365)
  --expired   make a certificate that has already expired (for tests)
  -h, --help  show this help

NAME must match ^[a-z0-9][a-z0-9_-]{0,62}\$.
EOF
}

fingerprint() {
    local fp
    fp=$(openssl x509 -in "$1" -noout -fingerprint -sha256) || return 1
    fp=${fp#*=}
    printf '%s\n' "$fp" | tr -d ':' | tr 'A-F' 'a-f'
}

# UTC time N days from now as YYYYMMDDHHMMSSZ (GNU or BSD date).
days_from_now() {
    date -u -d "$1 days" +%Y%m%d%H%M%SZ 2>/dev/null ||
        date -u -v"$1"d +%Y%m%d%H%M%SZ 2>/dev/null
}

dir=
name=
days=365
expired=0
have_name=0
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help)
        usage
        exit 0
        ;;
    --days)
        [ $# -ge 2 ] || usage_error "--days needs a value"
        days=$2
        shift 2
        ;;
    --days=*)
        days=${1#--days=}
        shift
        ;;
    --expired)
        expired=1
        shift
        ;;
    -*)
        usage_error "unknown option: $1"
        ;;
    *)
        if [ -z "$dir" ]; then
            dir=$1
        elif [ "$have_name" -eq 0 ]; then
            name=$1
            have_name=1
        else
            usage_error "unexpected argument: $1"
        fi
        shift
        ;;
    esac
done
[ -n "$dir" ] || usage_error "missing DIR"
[ "$have_name" -eq 1 ] || usage_error "missing NAME"
client_name_check "$name"
if ! [[ $days =~ ^[0-9]{1,4}$ ]] || [ "$((10#$days))" -lt 1 ] || [ "$((10#$days))" -gt 3650 ]; then
    usage_error "--days must be an integer from 1 to 3650"
fi
days=$((10#$days))

command -v openssl >/dev/null 2>&1 || die "openssl not found"
[ -d "$dir" ] || die "$dir does not exist; run make-ca.sh $dir first"
cd "$dir"
ca_require "$dir"

key=clients/$name.key
crt=clients/$name.pem

if [ -f "$key" ] && [ -f "$crt" ]; then
    if [ "$expired" -eq 1 ] && openssl x509 -in "$crt" -noout -checkend 0 >/dev/null 2>&1; then
        printf '%s: warning: existing %s/%s has not expired (remove it to re-issue)\n' \
            "$prog" "$dir" "$crt" >&2
    fi
    fingerprint "$crt"
    exit 0
fi

mkdir -p clients
ca_begin

validity=(-days "$days")
if [ "$expired" -eq 1 ]; then
    start=$(days_from_now -30) || start=20000101000000Z
    end=$(days_from_now -1) || end=20000102000000Z
    validity=(-startdate "$start" -enddate "$end")
fi

cert_issue client "/O=Partnership Data Hub partner/CN=$name" \
    "${validity[@]}" -extensions client_ext
mv "$tmp/client.key" "$key"
mv "$tmp/client.pem" "$crt"
if [ "$expired" -eq 1 ]; then
    printf '%s: issued expired %s/%s\n' "$prog" "$dir" "$crt" >&2
else
    printf '%s: issued %s/%s (%d days)\n' "$prog" "$dir" "$crt" "$days" >&2
fi
fingerprint "$crt"
