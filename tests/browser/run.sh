#!/usr/bin/env bash
# The browser stage of make test: the dashboard in headless Chromium
# (dashboard.test.mjs, playwright-core) against a real hubd serving
# build/dashboard, over the SYNTHETIC demo data (sql/demo).
#
# Run by scripts/test.sh after the integration suites, with T (the
# throw-away directory holding hub.env and the cluster) and ROOT set;
# HUB_BIN defaults to the plain build. The data go into a partnership of
# the stage's own, so that nothing the integration suites wrote (nor what
# they count) is shared: its four partners, a coordinator token and a
# public token, then demo_load. Prints one line per check (ok - / not ok -)
# and records each in $T/results as pass/fail "browser: NAME".
# Screenshots go to BROWSER_OUT (default $T/browser).
. "$ROOT/tests/integration/lib.sh"
SUITE=browser
HUB_BIN=${HUB_BIN:-$ROOT/build/hubd}
# shellcheck disable=SC1091
. "$T/hub.env"
owner=$HUB_DB
CTL=$ROOT/build/hubctl
BROWSER_OUT=${BROWSER_OUT:-$T/browser}
mkdir -p "$BROWSER_OUT"
q() { psql -X -tA -v ON_ERROR_STOP=1 "$owner" -c "$1"; }
ctl() { HUB_DB=$owner "$CTL" "$@"; }

[ -f "$ROOT/build/dashboard/index.html" ] ||
    { not_ok "dashboard built" "build/dashboard/index.html is missing: make dashboard"; exit 0; }
[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] ||
    { not_ok "playwright-core installed" "npm ci --prefix tests/browser"; exit 0; }

# ---- a partnership of its own, with the demo data ------------------------------
# Made once per $T: a second run (make test runs this stage once, but by
# hand it may run again) reuses it and its tokens.
D=$T/browser-demo
if [ ! -f "$D/demo.env" ]; then
    mkdir -p "$D"
    (
        set -e
        ps=$(ctl partnership add "Browser test partnership" --isa-ref "ISA-BROWSER-TEST" \
            --lawful-basis "Crime and Disorder Act 1998 s.115" --retention-months 72)
        echo "HUB_PARTNERSHIP_DEMO=$ps"
        for entry in "police|Demo Constabulary" "council|Demo Borough Council" \
            "health|Demo NHS Foundation Trust" "community|Demo Hate Crime Reporting Centre"; do
            IFS='|' read -r kind name <<<"$entry"
            id=$(ctl partner add --partnership "$ps" --kind "$kind" "$name")
            echo "HUB_PARTNER_${kind^^}=$id"
            tok=$(ctl token issue --partner "$id" --roles submit,read --label "browser $kind" 2>/dev/null)
            echo "BROWSER_TOKEN_${kind^^}='$tok'"
            [ "$kind" = council ] && council=$id
        done
        tok=$(ctl token issue --partner "$council" --roles read,coordinate \
            --label "browser coordinator" 2>/dev/null)
        echo "BROWSER_TOKEN_COORDINATOR='$tok'"
        tok=$(ctl token issue --public --partnership "$ps" --label "browser public" 2>/dev/null)
        echo "BROWSER_TOKEN_PUBLIC='$tok'"
    ) >"$D/demo.env.tmp" && mv "$D/demo.env.tmp" "$D/demo.env"
    chmod 600 "$D/demo.env" 2>/dev/null
fi
if ! demo_load "$D" "$owner" >"$T/browser-demo.log" 2>&1; then
    not_ok "demo data loaded" "$(tail -5 "$T/browser-demo.log")"
    exit 0
fi

# ---- hubd serving the dashboard ------------------------------------------------
# The statistics refresher every second, so the demo reports are in the
# rollups before the browser asks.
start_hubd HUB_DASHBOARD_DIR="$ROOT/build/dashboard" HUB_STATS_REFRESH=1s ||
    { not_ok "hubd starts"; exit 0; }
settled() {
    for _ in $(seq 150); do
        [ "$(q "SELECT (SELECT count(*) FROM hub.stats_change) + (SELECT count(*) FROM hub.stats_flow_change)")" = 0 ] &&
            return 0
        sleep 0.2
    done
    return 1
}
check "(the statistics rollups take the demo data in)" settled

(
    # shellcheck disable=SC1091
    . "$D/demo.env"
    export BROWSER_TOKEN_POLICE BROWSER_TOKEN_COUNCIL BROWSER_TOKEN_COORDINATOR BROWSER_TOKEN_PUBLIC
    export BROWSER_URL=$URL BROWSER_OUT
    node "$ROOT/tests/browser/dashboard.test.mjs"
    echo "exit $?"
) >"$T/browser.out" 2>&1
rc=$(sed -n 's/^exit //p' "$T/browser.out" | tail -1)
while IFS= read -r line; do
    case $line in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    "exit "*) ;;
    *) echo "$line" ;;
    esac
done <"$T/browser.out"
eq "the browser tests ran to the end" "$rc" 0

stop_hubd
eq "hubd exits 0" "$?" 0
check "no sanitizer reports" sanitizer_clean
echo "# screenshots: $BROWSER_OUT"
exit 0
