#!/usr/bin/env bash
# make test: builds (plain, ASan+UBSan, and the libFuzzer targets), runs
# the cmocka units in both builds, each fuzz target briefly over its corpus,
# then every integration suite against a throw-away PostgreSQL cluster and a
# real hubd over TLS, once per build. Tears everything down even on failure
# and ends with "N passed, N failed". SUITES="a b" limits the integration
# suites to tests/integration/test_a.sh and test_b.sh. Then the browser
# stage (tests/browser/run.sh: the dashboard in headless Chromium, plain
# build, once); BROWSER=0 skips it.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. scripts/lib.sh

scripts/deps.sh test || exit 1
make -s -j"$(nproc)" build/hubd build/hubctl build/bench/hubload asan units fuzzers || exit 1

T=$(mktemp -d /tmp/hub-test.XXXXXX)
chmod 755 "$T" # the postgres user must reach the cluster inside
export T ROOT
: >"$T/results"
cleanup() {
    # hubd instances the suites started, then the cluster.
    if [ -f "$T/pids" ]; then
        while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$T/pids"
    fi
    [ -z "${HUB_DB:-}" ] && cluster_stop "$T"
    [ -n "${KEEP_TEST_DIR:-}" ] && { echo "kept $T" >&2; return; }
    rm -rf "$T"
}
trap cleanup EXIT

record() { echo "$1 $2" >>"$T/results"; }

# Built before the set-up, so that every suite's hubd serves the real
# dashboard (hub.env names it only once build/dashboard exists).
echo "== dashboard (make dashboard: its page-logic tests with node --test, then build/dashboard)"
dashboard_ok=
if make -s dashboard >"$T/dashboard.log" 2>&1; then
    dashboard_ok=1
    record pass "make dashboard"
    tail -1 "$T/dashboard.log"
else
    cat "$T/dashboard.log"
    record fail "make dashboard"
fi

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
run_unit() {
    local bin=$1 out passed failed
    out=$("$bin" 2>&1)
    local rc=$?
    passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
    failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
    passed=${passed:-0} failed=${failed:-0}
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi # crashed or sanitizer report
    [ "$failed" -ne 0 ] && echo "$out"
    echo "unit $(basename "$(dirname "$bin")")/$(basename "$bin"): $passed passed, $failed failed"
    for _ in $(seq "$passed"); do record pass "$bin"; done
    for _ in $(seq "$failed"); do record fail "$bin"; done
}

echo "== unit tests"
for bin in build/tests/test_* build/asan/tests/test_*; do
    [ -x "$bin" ] && run_unit "$bin"
done

echo "== fuzz targets over their corpus, then FUZZ_RUNS mutations each (tests/fuzz)"
while IFS= read -r line; do
    echo "$line"
    case $line in
    "ok - "*) record pass "${line#ok - }" ;;
    "not ok - "*) record fail "${line#not ok - }" ;;
    esac
done < <(FUZZ_RUNS=${FUZZ_RUNS:-5000} scripts/fuzz.sh check)

echo "== protocol schema (api/schemas against api/examples)"
if [ -d tests/schema/node_modules ] || npm ci --prefix tests/schema --no-audit --no-fund \
    --loglevel=error >"$T/npm.log" 2>&1; then
    out=$(node tests/schema/check.mjs 2>&1)
    grep -E '^not ok' <<<"$out"
    passed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out")
    failed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out")
    [ -z "$passed" ] && passed=0 failed=1
    echo "schema: $passed passed, $failed failed"
    for _ in $(seq "$passed"); do record pass schema; done
    for _ in $(seq "$failed"); do record fail schema; done
else
    cat "$T/npm.log"
    record fail "schema: npm ci"
fi

echo "== style"
if make -s format-check >/dev/null 2>&1; then
    record pass clang-format; echo "ok - clang-format clean"
else
    record fail clang-format; echo "not ok - clang-format: run make format"
fi

echo "== integration set-up in $T"
PGPORT=$((40000 + RANDOM % 10000))
if ! setup "$T" "$PGPORT" "$(free_port $((20000 + RANDOM % 12000)))" test >"$T/setup.log" 2>&1; then
    cat "$T/setup.log"
    record fail setup
else
    export PGPORT
    setup_ok=1
    for build in build/hubd build/asan/hubd; do
        for suite in tests/integration/test_*.sh; do
            # SUITES="referrals indicators" runs only those suites (while developing).
            if [ -n "${SUITES:-}" ] && ! grep -qw "$(basename "$suite" .sh | cut -c6-)" <<<"$SUITES"; then
                continue
            fi
            echo "== $(basename "$suite" .sh) ($build)"
            t0=$SECONDS
            HUB_BIN=$ROOT/$build bash "$suite"
            echo "# $(basename "$suite" .sh) ($build): $((SECONDS - t0)) s"
            # A hubd the suite left running would seal audit rows and hold
            # connections under the next suites: a failure, and stopped.
            if [ -f "$T/pids" ]; then
                while read -r pid; do
                    if kill -0 "$pid" 2>/dev/null && grep -q hubd "/proc/$pid/cmdline" 2>/dev/null; then
                        echo "not ok - $(basename "$suite" .sh) left hubd $pid running"
                        record fail "$suite left hubd running"
                        kill -KILL "$pid" 2>/dev/null
                    fi
                done <"$T/pids"
                : >"$T/pids"
            fi
        done
    done
fi

# The dashboard in headless Chromium against the plain hubd, after the
# integration suites (it loads the demo data into a partnership of its
# own). Screenshots are kept in build/test-output/browser ($T goes).
if [ "${BROWSER:-1}" = 0 ]; then
    echo "== browser: skipped (BROWSER=0)"
elif [ -n "${setup_ok:-}" ]; then
    echo "== browser (tests/browser, headless Chromium, build/hubd)"
    if [ -z "$dashboard_ok" ]; then
        record fail "browser: make dashboard"
    elif ! { [ -d tests/browser/node_modules/playwright-core ] ||
        npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >"$T/npm-browser.log" 2>&1; }; then
        cat "$T/npm-browser.log"
        record fail "browser: npm ci"
    else
        shots=${BROWSER_OUT:-$T/browser}
        t0=$SECONDS
        BROWSER_OUT=$shots HUB_BIN=$ROOT/build/hubd bash tests/browser/run.sh
        echo "# browser stage: $((SECONDS - t0)) s"
        if [ -z "${BROWSER_OUT:-}" ] && [ -d "$shots" ]; then
            rm -rf build/test-output/browser && mkdir -p build/test-output &&
                cp -R "$shots" build/test-output/browser &&
                echo "# screenshots kept in $ROOT/build/test-output/browser"
        fi
        if [ -f "$T/pids" ]; then
            while read -r pid; do
                if kill -0 "$pid" 2>/dev/null && grep -q hubd "/proc/$pid/cmdline" 2>/dev/null; then
                    echo "not ok - the browser stage left hubd $pid running"
                    record fail "browser left hubd running"
                    kill -KILL "$pid" 2>/dev/null
                fi
            done <"$T/pids"
            : >"$T/pids"
        fi
    fi
fi

passed=$(grep -c '^pass ' "$T/results")
failed=$(grep -c '^fail ' "$T/results")
echo
grep '^fail ' "$T/results" | sort | uniq -c | sed 's/^/  failed: /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
