# shellcheck shell=bash
# lib.sh - what the certs/ scripts share: their messages and exit codes, the
# lock on the CA database, and the openssl steps more than one of them runs.
#
# Sourced by each script (after `set -euo pipefail`), never run. The steps
# after ca_begin work in DIR, the current directory: they write into $tmp
# and the script moves the results into place.

prog=${0##*/}

die() {
    printf '%s: %s\n' "$prog" "$*" >&2
    exit 1
}

usage_error() {
    printf '%s: %s\n' "$prog" "$*" >&2
    printf 'Try "%s --help".\n' "$prog" >&2
    exit 2
}

# Run a command quietly; show its output only when it fails.
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

# A client certificate's NAME (its CN and file name), else a usage error.
client_name_check() {
    if ! [[ $1 =~ ^[a-z0-9][a-z0-9_-]{0,62}$ ]]; then
        usage_error "bad NAME \"$1\": must match ^[a-z0-9][a-z0-9_-]{0,62}\$"
    fi
}

# ca_require DIR [FILE...]: the CA that make-ca.sh makes must be in the
# current directory DIR, with any further FILEs; else exit 1.
ca_require() {
    local dir=$1 f
    shift
    for f in ca.key ca.pem ca/openssl.cnf "$@"; do
        [ -f "$f" ] || die "no CA in $dir; run make-ca.sh $dir first"
    done
}

# Takes the lock on the CA database (ca/.lock, held until the script exits,
# so that the scripts may run in parallel) and makes the scratch directory
# $tmp, removed on exit.
ca_begin() {
    if command -v flock >/dev/null 2>&1; then
        exec 9>ca/.lock
        flock 9
    fi
    tmp=$(mktemp -d ".${prog%.sh}.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
}

# key_new FILE: a new ECDSA P-256 private key, mode 600.
key_new() {
    (
        umask 077
        quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -pkeyopt ec_param_enc:named_curve -out "$1"
    )
    chmod 600 "$1"
}

# cert_issue NAME SUBJECT CA-OPTION...: $tmp/NAME.key, a new key, and
# $tmp/NAME.pem, its certificate from the CA with SUBJECT; the options of
# `openssl ca` give the validity and extensions.
cert_issue() {
    local name=$1 subj=$2
    shift 2
    key_new "$tmp/$name.key"
    quiet openssl req -config ca/openssl.cnf -new -sha256 -key "$tmp/$name.key" \
        -subj "$subj" -out "$tmp/$name.csr"
    quiet openssl ca -batch -notext -config ca/openssl.cnf -in "$tmp/$name.csr" \
        "$@" -out "$tmp/$name.pem"
    chmod 644 "$tmp/$name.pem"
}

# Re-issues crl.pem (30 days) from the CA database.
crl_issue() {
    quiet openssl ca -batch -config ca/openssl.cnf -gencrl -crldays 30 -out "$tmp/crl.pem"
    chmod 644 "$tmp/crl.pem"
    mv "$tmp/crl.pem" crl.pem
}
