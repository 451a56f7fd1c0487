#!/usr/bin/env bash
# The dashboard's static files (hub/dashboard.c) from a folder made here:
# byte-exact bodies with their media types, the CSP and caching headers,
# ETag and 304, HEAD, the redirect of /dashboard, what is never served
# (hidden files, links, unknown types, traversals), start-up refusals, and
# the API's own answers keeping their no-store and CSP. The built dashboard
# itself is tested in a browser (tests/browser).
. "$(dirname "$0")/lib.sh"
R=$T/$SUITE.out
D=$T/dashboard-$RANDOM
mkdir -p "$D/js/lib" "$D/.git"
printf '<!doctype html><title>hub</title>\n' >"$D/index.html"
printf '<!doctype html><title>report</title>\n' >"$D/report.html"
printf 'export const x = 1;\n' >"$D/js/app.js"
printf 'body{margin:0}\n' >"$D/site.css"
head -c 3000000 /dev/urandom | base64 -w 76 >"$D/js/lib/big.txt" # several reads and chains
printf 'HUB_TOKEN=secret\n' >"$D/.env"
printf '[core]\n' >"$D/.git/config"
printf '#!/bin/sh\n' >"$D/build.sh"
ln -s /etc/passwd "$D/passwd.txt"

start_hubd HUB_DASHBOARD_DIR="$D" || { not_ok "hubd starts with HUB_DASHBOARD_DIR"; exit 0; }
check "hubd logs how many files it serves" grep -q '"msg":"dashboard loaded","files":5,' "$HUBD_LOG"

get() { # get PATH [curl args]: status into code, body into $R, headers into $R.h
    local path=$1
    shift
    rm -f "$R" "$R.h" # curl writes no file for an empty body
    : >"$R"
    code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}' "$@" "$URL$path")
}

get /dashboard/
eq "/dashboard/ is index.html" "$code:$(cat "$R")" "200:$(cat "$D/index.html")"
eq "…as text/html; charset=utf-8" "$(header Content-Type)" "text/html; charset=utf-8"
eq "…with the strict Content-Security-Policy" "$(header Content-Security-Policy)" \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
eq "…revalidated before reuse (no-cache, not no-store)" "$(header Cache-Control)" no-cache
eq "…nosniff" "$(header X-Content-Type-Options)" nosniff
eq "…no referrer" "$(header Referrer-Policy)" no-referrer
check "…HSTS" test -n "$(header Strict-Transport-Security)"
check "…one Cache-Control and one CSP header" \
    test "$(grep -ci '^cache-control:' "$R.h"):$(grep -ci '^content-security-policy:' "$R.h")" = 1:1
etag=$(header ETag)
check "…and a strong ETag" bash -c "[[ '$etag' =~ ^\\\"[0-9a-f]{32}\\\"$ ]]"

get /dashboard/index.html
eq "/dashboard/index.html is the same file, same ETag" "$code:$(header ETag)" "200:$etag"
get /dashboard/index.html -H "If-None-Match: $etag"
eq "If-None-Match with its ETag: 304, no body" "$code:$(wc -c <"$R")" "304:0"
get /dashboard/index.html -H "If-None-Match: W/$etag, \"other\""
eq "…a weak or listed match too" "$code" 304
get /dashboard/index.html -H 'If-None-Match: "0000"'
eq "another ETag: 200 with the body" "$code:$(cat "$R")" "200:$(cat "$D/index.html")"

get '/dashboard/report.html?period=2026-Q3&area=E01099001'
eq "the query string is the page's: report.html?period=… is report.html" "$code:$(cat "$R")" \
    "200:$(cat "$D/report.html")"
get /dashboard/js/app.js
eq "a file in a folder, as text/javascript" "$code:$(header Content-Type)" \
    "200:text/javascript; charset=utf-8"
get /dashboard/site.css
eq "a stylesheet as text/css" "$code:$(header Content-Type)" "200:text/css; charset=utf-8"
get /dashboard/js/lib/big.txt
check "a 4 MB file comes back byte for byte" cmp -s "$R" "$D/js/lib/big.txt"
code=$(hcurl -o "$R" -D "$R.h" -w '%{http_code}:%{size_download}' --head "$URL/dashboard/js/app.js")
eq "HEAD: the headers, no body" "$code:$(header Content-Length):$(header ETag | wc -c)" \
    "200:0:$(wc -c <"$D/js/app.js"):35"

get /dashboard
eq "/dashboard redirects to /dashboard/ (308)" "$code:$(header Location)" "308:/dashboard/"

# Never served: each gets the same 404 problem, as if it were not there.
for p in /dashboard/.env /dashboard/.git/config /dashboard/build.sh /dashboard/passwd.txt \
    /dashboard/js /dashboard/js/ /dashboard//index.html /dashboard/js/../index.html \
    /dashboard/%69ndex.html /dashboard/index.html%00 /dashboard/INDEX.HTML /dashboard/nothing.js \
    /dashboard/js/lib/../../index.html /dashboardx /dashboard.html; do
    get "$p" --path-as-is
    if [ "$code" = 404 ] && [ "$(ctype)" = application/problem+json ] &&
        ! grep -qE 'HUB_TOKEN|root:|core' "$R"; then
        ok "$p: 404 problem, nothing of a file"
    else
        not_ok "$p: 404 problem" "got $code $(ctype)"
    fi
done
code=$(hcurl -o "$R" -w '%{http_code}' -X POST --data x "$URL/dashboard/index.html")
eq "POST to a dashboard file: 405" "$code" 405

get /v1/codes
eq "the API's answers keep Cache-Control: no-store" "$(header Cache-Control)" no-store
eq "…and a CSP that renders nothing" "$(header Content-Security-Policy)" \
    "default-src 'none'; frame-ancestors 'none'"
check "the dashboard's answers are counted in /metrics" \
    bash -c "hcurl() { curl -sS --cacert '$HUB_CA' \"\$@\"; }; hcurl '$URL/metrics' |
        grep -q 'hub_requests_total{route=\"dashboard.file\",status=\"200\"}'"
check "hubd kept no sanitizer report" sanitizer_clean
stop_hubd
check "…and stopped cleanly" test $? -eq 0

start_hubd HUB_DASHBOARD_DIR= || { not_ok "hubd starts without a dashboard"; exit 0; }
get /dashboard/
eq "HUB_DASHBOARD_DIR empty: /dashboard/ is 404" "$code:$(ctype)" "404:application/problem+json"
stop_hubd

refuses() { # refuses DIR TEXT: hubd will not start, its last line "hubd: …TEXT…"
    local out rc
    out=$(HUB_DASHBOARD_DIR=$1 "$HUB_BIN" 2>&1 >/dev/null)
    rc=$?
    [ "$rc" -ne 0 ] && tail -1 <<<"$out" | grep -q "^hubd: .*$2"
}
check "a missing HUB_DASHBOARD_DIR stops start-up, naming it" \
    refuses "$T/no-such-dashboard" 'HUB_DASHBOARD_DIR: cannot open'
rm "$D/index.html"
out=$(HUB_DASHBOARD_DIR=$D "$HUB_BIN" 2>&1 >/dev/null)
eq "the files it skips are named in the log, never read" \
    "$(grep -o '"file":"[^"]*","reason":"[^"]*"' <<<"$out" | LC_ALL=C sort | paste -sd' ')" \
    '"file":".env","reason":"name" "file":".git","reason":"name" "file":"build.sh","reason":"type" "file":"passwd.txt","reason":"not a regular file"'
check "a folder without index.html stops start-up (run make dashboard)" \
    refuses "$D" 'has no index.html'
rm -rf "$D"
