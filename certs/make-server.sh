#!/usr/bin/env bash
# make-server.sh - issue the hub server's TLS certificate from the CA in DIR.
#
# Usage: certs/make-server.sh DIR [SAN...]
#
# Needs the CA made by certs/make-ca.sh DIR. Makes:
#   DIR/server.key   ECDSA P-256 private key (mode 600)
#   DIR/server.pem   the leaf certificate only (the CA is DIR/ca.pem), 397 days,
#                    CN=localhost, extendedKeyUsage serverAuth,
#                    subjectAltName DNS:localhost,IP:127.0.0.1,IP:::1 plus SANs
#                    given as arguments, e.g. DNS:hub.example.org IP:10.0.0.5
#
# Idempotent: existing server.key and server.pem are left alone (exit 0); to
# re-issue (e.g. with other SANs) remove both files first.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
Usage: $prog DIR [SAN...]

Issue DIR/server.key and DIR/server.pem (CN=localhost, serverAuth, 397 days)
from the CA in DIR (see make-ca.sh). Subject alternative names are
DNS:localhost,IP:127.0.0.1,IP:::1 followed by each SAN argument, written as
DNS:name or IP:address. Does nothing (exit 0) when both files already exist.

  -h, --help  show this help
EOF
}

dir=
sans=()
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help)
        usage
        exit 0
        ;;
    --)
        shift
        break
        ;;
    -*)
        usage_error "unknown option: $1"
        ;;
    *)
        if [ -z "$dir" ]; then
            dir=$1
        else
            sans+=("$1")
        fi
        shift
        ;;
    esac
done
if [ $# -gt 0 ]; then
    if [ -z "$dir" ]; then
        dir=$1
        shift
    fi
    sans+=("$@")
fi
[ -n "$dir" ] || usage_error "missing DIR"

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for s in ${sans[@]+"${sans[@]}"}; do
    if [[ $s =~ ^DNS:[A-Za-z0-9*]([A-Za-z0-9.*-]{0,252})$ ]] ||
        [[ $s =~ ^IP:[0-9A-Fa-f.:]{2,45}$ ]]; then
        san="$san,$s"
    else
        usage_error "bad SAN \"$s\" (expected DNS:name or IP:address)"
    fi
done

command -v openssl >/dev/null 2>&1 || die "openssl not found"
[ -d "$dir" ] || die "$dir does not exist; run make-ca.sh $dir first"
cd "$dir"
ca_require "$dir"

if [ -f server.key ] && [ -f server.pem ]; then
    # Leave it alone, but say so when a requested name is missing from it.
    have=$(openssl x509 -in server.pem -noout -ext subjectAltName 2>/dev/null || true)
    for s in ${sans[@]+"${sans[@]}"}; do
        case $s in
        DNS:*)
            case "$have, " in
            *"$s, "*) ;;
            *) printf '%s: warning: existing %s/server.pem lacks %s (remove server.key and server.pem to re-issue)\n' \
                "$prog" "$dir" "$s" >&2 ;;
            esac
            ;;
        esac
    done
    exit 0
fi

ca_begin

cat >"$tmp/ext.cnf" <<EOF
[ server_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = $san
EOF

cert_issue server "/CN=localhost" \
    -days 397 -extfile "$tmp/ext.cnf" -extensions server_ext
mv "$tmp/server.key" server.key
mv "$tmp/server.pem" server.pem
printf '%s: issued %s/server.pem (%s)\n' "$prog" "$dir" "$san" >&2
