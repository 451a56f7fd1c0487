#!/usr/bin/env bash
# make run: packages, build, local cluster, PKI, migrations, then hubd in the
# foreground on https://127.0.0.1:8443. Ctrl-C stops hubd and the cluster.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/lib.sh

scripts/deps.sh run
make -s -j"$(nproc)" build/hubd build/hubctl
# The web dashboard (npm ci the first time): hubd serves it when built.
make -s dashboard || echo "make run: the dashboard was not built (see above); hubd starts without it" >&2
VAR=$ROOT/var
PORT=${HUB_PORT:-8443}
setup "$VAR" 5432 "$PORT"

started_cluster=
[ -z "${HUB_DB:-}" ] && started_cluster=1
cleanup() {
    rm -f "$VAR/hubd.pid"
    if [ -n "$started_cluster" ]; then cluster_stop "$VAR" || true; fi
}
trap cleanup EXIT

# The synthetic demo data (sql/demo); a second run adds nothing. hubd is
# worth starting without it.
(
    # shellcheck disable=SC1091
    . "$VAR/hub.env"
    demo_load "$VAR" "$HUB_DB"
) || echo "make run: the demo data was not loaded (see above); starting hubd without it" >&2

(
    hubd_env "$VAR"
    exec build/hubd
) &
pid=$!
echo "$pid" >"$VAR/hubd.pid"
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
cat <<MSG >&2

  hubd is starting on https://127.0.0.1:$PORT (pid $pid); Ctrl-C stops it.
  Try:   curl --cacert var/certs/ca.pem https://127.0.0.1:$PORT/healthz
  Env:   source var/hub.env   (HUB_URL, HUB_CA, HUB_DB, client certificates)
  Dashboard: https://127.0.0.1:$PORT/dashboard/  (trust var/certs/ca.pem in the browser,
         or accept its warning; sign in with a token from var/hub.env, e.g.
         HUB_TOKEN_COORDINATOR for the targets board, HUB_TOKEN_PUBLIC for the public view)

MSG
status=0
while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" || status=$?
done
exit "$status"
