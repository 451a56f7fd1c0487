#!/usr/bin/env bash
# Installs the Debian packages a purpose needs (run | test | bench |
# tls-check | valgrind) when root; otherwise prints the one apt-get line and fails.
set -euo pipefail

build="build-essential pkg-config libevent-dev libpq-dev libssl-dev libjansson-dev"
runtime="postgresql-15 openssl curl ca-certificates"
case "${1:-run}" in
run) want="$build $runtime" ;;
# clang and its compiler-rt (libFuzzer, a Recommends only) for tests/fuzz;
# chromium for tests/browser (playwright-core drives /usr/bin/chromium; its
# fonts come with it, through fontconfig's fonts-dejavu-core).
test) want="$build $runtime libcmocka-dev clang-format jq clang libclang-rt-dev chromium" ;;
bench) want="$build $runtime wrk nginx-light" ;;
tls-check) want="$build $runtime testssl.sh jq" ;;
# make valgrind runs integration suites (jq, curl) with hubd under valgrind.
valgrind) want="$build $runtime jq valgrind" ;;
*) echo "usage: $0 run|test|bench|tls-check|valgrind" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The schema check (tests/schema) and the browser tests (tests/browser) run
# on Node; any node 18 or later and its npm will do.
if [ "${1:-run}" = test ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "Installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
